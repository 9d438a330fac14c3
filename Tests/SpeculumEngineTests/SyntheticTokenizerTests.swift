import Testing
import SpeculumEngine

/// A byte-level vocabulary built in the test: the 256 byte characters plus the given merges.
func syntheticFile(merges: [String], extraTokens: [(String, Int32)] = [], pre: String = "qwen2", dropByte: UInt8? = nil) throws -> GGUFFile {
    var tokens: [String] = []
    // The byte-level alphabet: printable bytes map to themselves, the others to U+0100 onwards.
    var next: UInt32 = 0x100
    for b in 0..<256 {
        let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
        let c = printable ? Unicode.Scalar(UInt8(b)) : Unicode.Scalar(next)!
        if !printable { next += 1 }
        if UInt8(b) != dropByte { tokens.append(String(Character(c))) }
    }
    var types = [Int32](repeating: 1, count: tokens.count)
    for m in merges {
        let parts = m.split(separator: " ", maxSplits: 1).map(String.init)
        if parts.count == 2, !tokens.contains(parts[0] + parts[1]) { tokens.append(parts[0] + parts[1]); types.append(1) }
    }
    for (t, ty) in extraTokens { tokens.append(t); types.append(ty) }
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("tokenizer.ggml.model", .string("gpt2"))
    w.add("tokenizer.ggml.pre", .string(pre))
    w.add("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
    w.add("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) }))
    w.add("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) }))
    return try GGUFFile(file: MappedFile(bytes: w.bytes(), name: "synthetic.gguf"))
}

@Suite struct SyntheticTokenizerTests {
    @Test func lowestRankMergesFirstAndLeftmostOnTies() throws {
        // "aaa": the pair (a,a) occurs at 0 and 1; the leftmost merges first → [aa, a].
        let tok = try makeTokenizer(for: syntheticFile(merges: ["a a", "b c", "a bc"]))
        let aa = tok.vocabulary.tokens.firstIndex(of: "aa")!
        let a = tok.vocabulary.tokens.firstIndex(of: "a")!
        #expect(tok.encode("aaa") == [aa, a])
        // "abc": rank 1 (b c) applies before (a bc) can; then "abc".
        let abc = tok.vocabulary.tokens.firstIndex(of: "abc")!
        #expect(tok.encode("abc") == [abc])
        // Rank order matters: with (a b) ranked before (b c), "abc" becomes [ab, c].
        let tok2 = try makeTokenizer(for: syntheticFile(merges: ["a b", "b c"]))
        let ab = tok2.vocabulary.tokens.firstIndex(of: "ab")!
        let c = tok2.vocabulary.tokens.firstIndex(of: "c")!
        #expect(tok2.encode("abc") == [ab, c])
        #expect(tok2.decode(tok2.encode("abc abc\n")) == "abc abc\n")
    }

    @Test func specialTokensAreSplitLongestFirst() throws {
        let file = try syntheticFile(merges: [], extraTokens: [("<s>", 3), ("<s>x", 4), ("<u>", 4)])
        let tok = try makeTokenizer(for: file)
        let ctl = tok.vocabulary.tokens.firstIndex(of: "<s>")!
        let userLong = tok.vocabulary.tokens.firstIndex(of: "<s>x")!
        let user = tok.vocabulary.tokens.firstIndex(of: "<u>")!
        // User-defined tokens match even without special parsing; the longer candidate wins.
        #expect(tok.encode("<s>x<u>", parseSpecial: false) == [userLong, user])
        #expect(tok.encode("<s><u>", parseSpecial: true) == [ctl, user])
        #expect(!tok.encode("<s><u>", parseSpecial: false).contains(ctl))
    }

    @Test func brokenVocabulariesAreClearErrors() throws {
        #expect(throws: TokenizerError(path: "synthetic.gguf", "tokenizer.ggml.merges[0] = 'a zz' references a token not in the vocabulary")) {
            try makeTokenizer(for: syntheticFile(merges: ["a zz"]))
        }
        #expect(throws: TokenizerError(path: "synthetic.gguf", "tokenizer.ggml.merges[0] = 'ab' is not two tokens separated by a space")) {
            try makeTokenizer(for: syntheticFile(merges: ["ab"]))
        }
        #expect(throws: TokenizerError(path: "synthetic.gguf", "unsupported tokenizer.ggml.pre 'llama3' (supported: qwen2)")) {
            try makeTokenizer(for: syntheticFile(merges: [], pre: "llama3"))
        }
        #expect(throws: TokenizerError(path: "synthetic.gguf", "the vocabulary has no token for byte 0x41")) {
            try makeTokenizer(for: syntheticFile(merges: [], dropByte: 0x41))
        }
        var w = GGUFWriter()
        w.add("tokenizer.ggml.model", .string("bert"))
        #expect(throws: TokenizerError(path: "<memory>", "unsupported tokenizer.ggml.model 'bert' (supported: gpt2, llama)")) {
            try makeTokenizer(for: GGUFFile(file: MappedFile(bytes: w.bytes())))
        }
    }
}
