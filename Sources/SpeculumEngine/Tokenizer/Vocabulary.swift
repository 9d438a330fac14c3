/// A token id: an index into the vocabulary.
public typealias TokenID = Int

/// How llama.cpp classes a vocabulary entry (`tokenizer.ggml.token_type`).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// Why a tokenizer could not be built from a file's metadata.
public struct TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// The vocabulary a GGUF file declares: token texts, their types, and the special ids.
public struct Vocabulary: Sendable {
    /// Token texts as stored (for byte-level BPE: in the byte alphabet, e.g. "Ġthe").
    public let tokens: [String]
    public let types: [TokenType]
    public let bos: TokenID?
    public let eos: TokenID?
    public let pad: TokenID?
    /// Whether encoding adds BOS (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// Every id that ends generation (llama.cpp's EOG set: EOS/EOT/EOM plus tokens with known end texts).
    public let endOfGeneration: Set<TokenID>

    public var count: Int { tokens.count }

    /// What an encoding starts with: BOS when special tokens are added and the vocabulary asks for it.
    func leadingTokens(addSpecial: Bool) -> [TokenID] {
        addSpecial && addBOS ? bos.map { [$0] } ?? [] : []
    }

    /// What token `id` prints as, given every token's decoded bytes: control and unknown tokens only
    /// with `special`; unused and out-of-range ids nothing.
    func printed(_ id: TokenID, special: Bool, bytes: [[UInt8]]) -> [UInt8] {
        guard id >= 0, id < bytes.count else { return [] }
        switch types[id] {
        case .normal, .byte, .undefined, .userDefined: return bytes[id]
        case .control, .unknown: return special ? bytes[id] : []
        case .unused: return []
        }
    }

    /// Texts llama.cpp treats as end of generation wherever they occur in a vocabulary.
    static let endTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
        "<|end_of_text|>", "<eos>", "<|fim_pad|>", "<|repo_name|>", "<|fim_repo|>", "<|file_sep|>",
    ]

    /// A vocabulary given directly (tests, synthetic models).
    public init(tokens: [String], types: [TokenType], bos: TokenID?, eos: TokenID?, pad: TokenID?, addBOS: Bool,
                endOfGeneration: Set<TokenID>) {
        self.tokens = tokens
        self.types = types
        self.bos = bos
        self.eos = eos
        self.pad = pad
        self.addBOS = addBOS
        self.endOfGeneration = endOfGeneration
    }

    public init(file: GGUFFile) throws(TokenizerError) {
        guard let tokenValues = file["tokenizer.ggml.tokens"]?.arrayValue else {
            throw TokenizerError(path: file.path, "metadata lacks tokenizer.ggml.tokens (an array of strings)")
        }
        var tokens: [String] = []
        tokens.reserveCapacity(tokenValues.count)
        for (i, v) in tokenValues.enumerated() {
            guard let s = v.stringValue else { throw TokenizerError(path: file.path, "tokenizer.ggml.tokens[\(i)] is not a string") }
            tokens.append(s)
        }
        guard !tokens.isEmpty else { throw TokenizerError(path: file.path, "tokenizer.ggml.tokens is empty") }
        var types = [TokenType](repeating: .normal, count: tokens.count)
        if let typeValues = file["tokenizer.ggml.token_type"]?.arrayValue {
            guard typeValues.count == tokens.count else {
                throw TokenizerError(path: file.path, "tokenizer.ggml.token_type has \(typeValues.count) entries for \(tokens.count) tokens")
            }
            for (i, v) in typeValues.enumerated() {
                guard let raw = v.intValue, let t = TokenType(rawValue: Int32(clamping: raw)) else {
                    throw TokenizerError(path: file.path, "tokenizer.ggml.token_type[\(i)] is not a token type (0–6)")
                }
                types[i] = t
            }
        }
        func id(_ key: String) throws(TokenizerError) -> TokenID? {
            guard let v = file[key] else { return nil }
            guard let i = v.intValue, i >= 0, i < tokens.count else {
                throw TokenizerError(path: file.path, "\(key) = \(v.summary()) is not a token id below \(tokens.count)")
            }
            return i
        }
        self.tokens = tokens
        self.types = types
        bos = try id("tokenizer.ggml.bos_token_id")
        eos = try id("tokenizer.ggml.eos_token_id")
        pad = try id("tokenizer.ggml.padding_token_id")
        let eot = try id("tokenizer.ggml.eot_token_id")
        let eom = try id("tokenizer.ggml.eom_token_id")
        addBOS = file["tokenizer.ggml.add_bos_token"]?.boolValue ?? (file["tokenizer.ggml.model"]?.stringValue == "llama")
        var eog = Set([eos, eot, eom].compactMap { $0 })
        for (i, t) in tokens.enumerated() where Self.endTexts.contains(t) { eog.insert(i) }
        endOfGeneration = eog
    }
}
