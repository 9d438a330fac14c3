/// Text ⇄ token ids for one model's vocabulary.
public protocol Tokenizer: Sendable {
    var vocabulary: Vocabulary { get }

    /// Token ids for `text`. `addSpecial` adds BOS when the vocabulary asks for it; with
    /// `parseSpecial`, control tokens written in the text (`<|im_start|>`) become their ids, otherwise
    /// only user-defined tokens do and control texts are tokenized as plain text (llama.cpp's rule).
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [TokenID]

    /// The raw bytes token `id` stands for (possibly part of a UTF-8 character). Control tokens give
    /// their text only when `special` is set; unused and out-of-range ids give nothing.
    func bytes(of id: TokenID, special: Bool) -> [UInt8]

    /// The pre-tokenizer's words of plain `text` (no special tokens), in order; they concatenate to
    /// `text`. Tokens never cross a word boundary, so the last word is what a prompt ending mid-word
    /// may still extend.
    func words(_ text: String) -> [String]
}

extension Tokenizer {
    public func encode(_ text: String, parseSpecial: Bool = false) -> [TokenID] {
        encode(text, addSpecial: true, parseSpecial: parseSpecial)
    }

    /// The text of `ids`; bytes that are not valid UTF-8 on their own become U+FFFD.
    public func decode(_ ids: [TokenID], special: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes += self.bytes(of: id, special: special) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A readable form of one token: its text when it is valid UTF-8 on its own, else `\xNN` escapes.
    public func pieceText(_ id: TokenID) -> String {
        let b = bytes(of: id, special: true)
        if let s = String(validating: b, as: UTF8.self) { return s }
        return b.map { "\\x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
    }

    public func isEndOfGeneration(_ id: TokenID) -> Bool { vocabulary.endOfGeneration.contains(id) }
}

/// Builds the tokenizer a GGUF file declares (`tokenizer.ggml.model` and `tokenizer.ggml.pre`).
public func makeTokenizer(for file: GGUFFile) throws(TokenizerError) -> any Tokenizer {
    let model = file["tokenizer.ggml.model"]?.stringValue
    switch model {
    case "gpt2":
        let pre = file["tokenizer.ggml.pre"]?.stringValue ?? "default"
        guard BPETokenizer.supportedPreTokenizers.contains(pre) else {
            throw TokenizerError(path: file.path,
                "unsupported tokenizer.ggml.pre '\(pre)' (supported: \(BPETokenizer.supportedPreTokenizers.sorted().joined(separator: ", ")))")
        }
        return try BPETokenizer(file: file)
    case "llama":
        return try SPMTokenizer(file: file)
    case nil:
        throw TokenizerError(path: file.path, "metadata lacks tokenizer.ggml.model")
    case let other?:
        throw TokenizerError(path: file.path, "unsupported tokenizer.ggml.model '\(other)' (supported: gpt2, llama)")
    }
}
