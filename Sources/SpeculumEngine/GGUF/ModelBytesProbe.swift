/// Everything a model file's bytes go through before inference — GGUF header, metadata and tensor
/// table, the summary `inspect` prints, the configuration and weight table, the tokenizer with a round
/// trip through it — run on bytes that may be anything. The fuzzer (`Sources/gguf-fuzz`) drives it and
/// the crashers it found come back as tests: it must return for every input, never trap or hang.
public enum ModelBytesProbe {
    public enum Outcome: Equatable, Sendable {
        /// A model and its tokenizer loaded: tensors in the file, tokens in the vocabulary.
        case loaded(tensors: Int, vocabulary: Int)
        /// The file parsed but the model or its tokenizer did not: the first message.
        case unusable(String)
        /// Not a readable GGUF file: the reader's message.
        case rejected(String)
    }

    /// The text round-tripped through a tokenizer that loads: specials, UTF-8 of every width, digits.
    static let sample = "Hello, wörld! 123 日本 🙂 <|im_end|>\n\tdef f(x): return x"

    /// One line for an outcome, as the corpus's expected.txt records it.
    public static func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .loaded(let t, let v): "loaded \(t) tensors, \(v) tokens"
        case .unusable(let m): "unusable: \(m)"
        case .rejected(let m): "rejected: \(m)"
        }
    }

    /// Tensors in a GGUF file's table (0 when it does not parse).
    public static func tensorCount(_ bytes: [UInt8]) -> Int {
        (try? GGUFFile(file: MappedFile(bytes: bytes, name: "count.gguf")))?.tensors.count ?? 0
    }

    public static func probe(_ bytes: [UInt8], name: String = "probe.gguf") -> Outcome {
        let file: GGUFFile
        do { file = try GGUFFile(file: MappedFile(bytes: bytes, name: name)) } catch { return .rejected(error.description) }
        _ = ModelSummary(file)
        var problem: String?
        var vocabulary = 0
        do {
            let tokenizer = try makeTokenizer(for: file)
            vocabulary = tokenizer.vocabulary.count
            for special in [false, true] {
                let ids = tokenizer.encode(sample, addSpecial: special, parseSpecial: special)
                _ = tokenizer.decode(ids)
            }
        } catch {
            problem = error.description
        }
        do { _ = try TransformerModel(file: file) } catch { problem = problem ?? error.description }
        if let problem { return .unusable(problem) }
        return .loaded(tensors: file.tensors.count, vocabulary: vocabulary)
    }
}
