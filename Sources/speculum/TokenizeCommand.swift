import ArgumentParser
import Dispatch
import Foundation
import SpeculumEngine

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids and pieces of a text.",
        discussion: """
            Without --special, control tokens such as <|im_start|> are read as plain text (user-defined \
            tokens are still matched), as llama.cpp does.
            """)

    @Argument(help: "A model name or a path to a GGUF file.")
    var model: String

    @Argument(help: "The text, or - to read standard input.")
    var text: String

    @Flag(help: "Match control tokens written in the text.")
    var special = false

    @Flag(help: "Print {\"ids\": [...], \"pieces\": [...]}.")
    var json = false

    @Flag(help: "Print only the encoding speed: bytes, tokens, and MB/s (median of 3 encodings).")
    var stats = false

    func run() throws {
        let file = try GGUFFile(path: try resolveModel(model))
        let tokenizer = try makeTokenizer(for: file)
        let input = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
        if stats {
            var times: [Double] = []
            var count = 0
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                count = tokenizer.encode(input, parseSpecial: special).count
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let median = times.sorted()[1]
            let bytes = input.utf8.count
            print(String(format: "%d bytes -> %d tokens (%.2f bytes/token); encode %.1f ms median of 3 (min %.1f): %.2f MB/s, %.0f tokens/s",
                         bytes, count, Double(bytes) / Double(max(count, 1)), median * 1e3, times.min()! * 1e3,
                         Double(bytes) / median / 1e6, Double(count) / median))
            return
        }
        let ids = tokenizer.encode(input, parseSpecial: special)
        let pieces = ids.map { tokenizer.pieceText($0) }
        if json {
            struct Output: Encodable { let ids: [Int]; let pieces: [String] }
            print(try jsonString(Output(ids: ids, pieces: pieces)))
        } else {
            for (id, piece) in zip(ids, pieces) {
                print("\(String(id).leftPad(7))  \(visible(piece))")
            }
            print("\(ids.count) tokens")
        }
    }
}

/// A piece with whitespace and control characters made visible: "\n", "\t", "·" (or `space`) for a space.
func visible(_ s: String, space: String = "·") -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case " ": out += space
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 || c.value == 0x7F { out += "\\x" + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
        }
    }
    return out
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    func rightPad(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

func jsonString<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    // p/q ratios can be infinite (q = 0); JSON has no infinity, so it is written as a string.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
