import ArgumentParser
import Foundation
import SpeculumEngine

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a GGUF file's architecture, hyper-parameters, tokenizer and tensors.")

    @Argument(help: "A model name or a path to a GGUF file.")
    var model: String = ModelRegistry.defaultTarget

    @Flag(help: "Print everything as one JSON object.")
    var json = false

    @Flag(help: "Also list every metadata key and value.")
    var metadata = false

    func run() throws {
        let file = try GGUFFile(path: try resolveModel(model))
        let report = InspectReport(file)
        if json {
            print(try jsonString(report, pretty: true))
        } else {
            print(report.text(showMetadata: metadata, file: file))
        }
    }
}

/// What `inspect` reports, shaped for JSON and rendered as text.
struct InspectReport: Encodable {
    struct Tensor: Encodable { let name: String; let type: String; let shape: [Int]; let bytes: Int; let offset: Int }
    struct TypeTotal: Encodable { let type: String; let count: Int; let bytes: Int }
    struct Tokenizer: Encodable {
        let model: String?, pre: String?, vocabularySize: Int?, merges: Int?
        let bos: Int?, eos: Int?, pad: Int?, addBOS: Bool?, chatTemplate: Bool, endOfGeneration: [Int]
    }
    struct Hyper: Encodable {
        let blocks: Int?, embedding: Int?, feedForward: Int?, heads: Int?, kvHeads: Int?, headDimension: Int?
        let contextLength: Int?, ropeFreqBase: Double?, rmsNormEpsilon: Double?, slidingWindow: Int?
    }

    let path: String, fileBytes: Int, ggufVersion: Int, alignment: Int, dataOffset: Int
    let architecture: String, name: String?
    let hyperparameters: Hyper
    let tokenizer: Tokenizer
    let tensors: [Tensor]
    let totals: [TypeTotal]
    let tensorBytes: Int, parameters: Int

    init(_ file: GGUFFile) {
        let s = ModelSummary(file)
        path = file.path
        fileBytes = file.file.count
        ggufVersion = Int(file.version)
        alignment = file.alignment
        dataOffset = file.dataOffset
        architecture = s.architecture
        name = s.name
        hyperparameters = Hyper(blocks: s.blockCount, embedding: s.embeddingLength, feedForward: s.feedForwardLength,
                                heads: s.headCount, kvHeads: s.headCountKV, headDimension: s.headDimension,
                                contextLength: s.contextLength, ropeFreqBase: s.ropeFreqBase,
                                rmsNormEpsilon: s.rmsNormEpsilon, slidingWindow: s.slidingWindow)
        let eog = (try? Vocabulary(file: file)).map { $0.endOfGeneration.sorted() } ?? []
        tokenizer = Tokenizer(model: s.tokenizerModel, pre: s.tokenizerPre, vocabularySize: s.vocabularySize, merges: s.mergeCount,
                              bos: s.bosID, eos: s.eosID, pad: s.padID, addBOS: s.addBOS, chatTemplate: s.hasChatTemplate,
                              endOfGeneration: eog)
        tensors = file.tensors.map { Tensor(name: $0.name, type: "\($0.type)", shape: $0.shape, bytes: $0.byteCount, offset: $0.offset) }
        var byType: [String: (Int, Int)] = [:]
        for t in file.tensors { byType["\(t.type)", default: (0, 0)].0 += 1; byType["\(t.type)", default: (0, 0)].1 += t.byteCount }
        totals = byType.map { TypeTotal(type: $0.key, count: $0.value.0, bytes: $0.value.1) }.sorted { $0.bytes > $1.bytes }
        tensorBytes = file.tensorBytes
        parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
    }

    func text(showMetadata: Bool, file: GGUFFile) -> String {
        func opt<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "?" }
        let h = hyperparameters, t = tokenizer
        var out: [String] = []
        out.append("file          \(path)")
        out.append("              \(fileBytes.grouped) bytes, GGUF v\(ggufVersion), alignment \(alignment), data at \(dataOffset.grouped)")
        out.append("architecture  \(architecture)\(name.map { "  (\($0))" } ?? "")")
        out.append("blocks        \(opt(h.blocks))")
        out.append("embedding     \(opt(h.embedding))    feed-forward \(opt(h.feedForward))")
        out.append("heads         \(opt(h.heads)) query / \(opt(h.kvHeads)) KV, head dimension \(opt(h.headDimension))")
        out.append("context       \(opt(h.contextLength))    rope base \(opt(h.ropeFreqBase))    rms eps \(opt(h.rmsNormEpsilon.map { Float($0) }))"
                   + (h.slidingWindow.map { "    sliding window \($0)" } ?? ""))
        out.append("tokenizer     \(opt(t.model)) / \(opt(t.pre)), vocabulary \(opt(t.vocabularySize)), merges \(opt(t.merges))")
        out.append("              bos \(opt(t.bos)), eos \(opt(t.eos)), pad \(opt(t.pad)), add bos \(opt(t.addBOS)), chat template \(t.chatTemplate ? "yes" : "no")")
        out.append("              end of generation: \(t.endOfGeneration.map(String.init).joined(separator: ", "))")
        out.append("parameters    \(parameters.grouped) in \(tensors.count) tensors, \(tensorBytes.grouped) bytes")
        out.append("types         " + totals.map { "\($0.type) ×\($0.count) (\($0.bytes.grouped) B)" }.joined(separator: ", "))
        if showMetadata {
            out.append("")
            out.append("metadata")
            for (k, v) in file.metadata { out.append("  \(k.rightPad(44)) \(v.summary())") }
        }
        out.append("")
        out.append("  \("tensor".rightPad(34)) \("type".rightPad(6)) \("shape".rightPad(18)) \("bytes".leftPad(13))")
        for x in tensors {
            out.append("  \(x.name.rightPad(34)) \(x.type.rightPad(6)) \(x.shape.map(String.init).joined(separator: " × ").rightPad(18)) \(x.bytes.grouped.leftPad(13))")
        }
        return out.joined(separator: "\n")
    }
}

extension Int {
    /// 1234567 → "1,234,567"
    var grouped: String {
        let s = String(abs(self))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}
