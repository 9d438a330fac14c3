import ArgumentParser
import Foundation
import SpeculumEngine

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt (plain autoregressive decoding; greedy at temperature 0).",
        discussion: "Stops at an end-of-generation token the model declares, at a --stop string, or after --max-tokens.")

    @OptionGroup var model: ModelOptions

    @Option(help: "The prompt text, or - to read standard input.")
    var prompt: String

    @Option(help: "At most this many new tokens (1–1000000).")
    var maxTokens: Int = 256

    @Option(help: "Stop when the output contains this text (repeatable).")
    var stop: [String] = []

    @Option(help: "Sampling temperature (0 = greedy, up to 10).")
    var temperature: Float = 0

    @Option(help: "Keep only the k most likely tokens (0 = off).")
    var topK: Int = 0

    @Option(help: "Keep the smallest set of tokens whose probability reaches p (0 < p ≤ 1).")
    var topP: Float = 1

    @Option(help: "Drop tokens below this fraction of the top probability (0 ≤ m < 1).")
    var minP: Float = 0

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(help: "Format the prompt as a chat turn with the model's chat template (Qwen ChatML).")
    var chat = false

    @Option(help: "With --chat: the system message (default: the template's).")
    var system: String?

    @Flag(help: "Print one JSON object (prompt ids, generated ids, text, timings) instead of streaming text.")
    var json = false

    var settings: SamplerSettings { SamplerSettings(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed) }

    func validate() throws {
        guard (1...1_000_000).contains(maxTokens) else { throw ValidationError("--max-tokens \(maxTokens) is out of range (allowed: 1 to 1000000)") }
        do { try settings.validate() } catch { throw ValidationError(error.description) }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
    }

    func run() throws {
        let (loaded, context) = try model.load()
        let text = prompt == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : prompt
        let ids: [TokenID]
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(.system, system)) }
            messages.append(ChatMessage(.user, text))
            ids = loaded.tokenizer.encode(ChatFormat.qwen.render(messages), parseSpecial: true)
        } else {
            ids = loaded.tokenizer.encode(text)
        }
        guard !ids.isEmpty else { throw CommandError("--prompt is empty: give at least one character of text") }
        var generator = Generator(context: context, tokenizer: loaded.tokenizer, sampler: Sampler(settings), stopStrings: stop)
        let result = try generator.run(prompt: ids, maxTokens: maxTokens) { piece in
            if !json {
                FileHandle.standardOutput.write(Data(piece.utf8))
            }
        }
        if json {
            struct Output: Encodable {
                let model: String, promptIDs: [Int], ids: [Int], text: String, stopReason: String
                let prefillSeconds: Double, decodeSeconds: Double, timeToFirstToken: Double
                let prefillTokensPerSecond: Double, decodeTokensPerSecond: Double, arithmetic: String
            }
            print(try jsonString(Output(model: loaded.path, promptIDs: result.promptIDs, ids: result.ids, text: result.text,
                                        stopReason: result.stopReason.rawValue, prefillSeconds: result.prefillSeconds,
                                        decodeSeconds: result.decodeSeconds, timeToFirstToken: result.timeToFirstToken,
                                        prefillTokensPerSecond: result.prefillTokensPerSecond,
                                        decodeTokensPerSecond: result.decodeTokensPerSecond,
                                        arithmetic: model.exact ? "exact" : "q8-activations")))
        } else {
            FileHandle.standardOutput.write(Data("\n".utf8))  // unbuffered, like the text: before the summary
            FileHandle.standardError.write(Data(String(format: "[%d prompt tokens, %.1f tok/s prefill; %d generated, %.1f tok/s; stop: %@]\n",
                result.promptIDs.count, result.prefillTokensPerSecond, result.ids.count, result.decodeTokensPerSecond,
                result.stopReason.rawValue).utf8))
        }
    }
}
