import ArgumentParser
import Foundation
import SpeculumEngine

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a text file, computed as llama.cpp's perplexity tool does.",
        discussion: """
            The text (one trailing newline dropped) is cut into chunks of --ctx tokens; each chunk is \
            evaluated from an empty cache and the predictions of its second half are scored.
            """)

    @OptionGroup var model: ModelOptions

    @Argument(help: "A UTF-8 text file.")
    var file: String

    @Option(name: .customLong("chunk-size"), help: "Tokens per chunk (llama.cpp's -c; 16–8192).")
    var chunkSize: Int = 512

    @Option(help: "Score at most this many chunks.")
    var chunks: Int?

    @Flag(help: "Print {\"perplexity\", \"tokens\", \"chunks\", …} as JSON.")
    var json = false

    func validate() throws {
        guard (16...8192).contains(chunkSize) else { throw ValidationError("--chunk-size \(chunkSize) is out of range (allowed: 16 to 8192)") }
        if let c = chunks, c < 1 { throw ValidationError("--chunks \(c) is out of range (allowed: 1 or more)") }
    }

    func run() throws {
        var text: String
        do { text = try TextFile.read(file, maximumBytes: 256 << 20) } catch { throw CommandError(error.message(path: file, expected: "UTF-8 text")) }
        if text.hasSuffix("\n") { text.removeLast() }
        var options = model
        options.ctx = max(options.ctx ?? 0, chunkSize)
        let (loaded, context) = try options.load()
        // As llama.cpp's perplexity tool: BOS in front when the vocabulary adds one (Gemma), then chunks.
        let tokens = loaded.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let bos = loaded.tokenizer.vocabulary.addBOS ? loaded.tokenizer.vocabulary.bos : nil
        let result = try Perplexity.evaluate(context, tokens: tokens, ctx: chunkSize, maxChunks: chunks, bos: bos) { chunk, ppl in
            if !json { FileHandle.standardError.write(Data("[\(chunk + 1)] \(String(format: "%.4f", ppl))\n".utf8)) }
        }
        if json {
            print(try jsonString(result))
        } else {
            print(String(format: "perplexity %.4f over %d chunks of %d tokens (%d scored, text of %d tokens)",
                         result.perplexity, result.chunks, chunkSize, result.scored, result.tokens))
        }
    }
}
