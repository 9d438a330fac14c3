/// SentencePiece-style tokenizer (GGUF `tokenizer.ggml.model = llama`: Gemma 3, Llama 1/2, Mistral).
///
/// encode: special-token split → in each text fragment, spaces become "▁" (U+2581) and, when the
/// file asks for it, a "▁" is put in front of the fragment → merge adjacent pieces, highest score
/// first, while the merged text is a vocabulary entry → each piece's id, or its bytes as `<0xNN>`
/// byte tokens when it is not in the vocabulary. This is llama.cpp's `llm_tokenizer_spm_session`;
/// see shared/notes/gguf-and-models.md §5(b).
public struct SPMTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    /// Whether each text fragment gets a leading "▁" (`tokenizer.ggml.add_space_prefix`, default true;
    /// Gemma 3 says false). llama.cpp adds it to the first fragment and to any after a special token.
    public let addSpacePrefix: Bool
    /// Merge priority of each token (`tokenizer.ggml.scores`): higher merges first.
    private let scores: [Float]
    /// Token id of every vocabulary text, as UTF-8 bytes (the first id when a text repeats).
    private let ids: [[UInt8]: Int32]
    /// The `<0xNN>` token of each byte (or the token whose text is that byte), −1 if the vocabulary has neither.
    private let byteTokens: [Int32]
    private let unknown: TokenID?
    /// Raw bytes of every token when decoded (normal tokens with "▁" back to " "; byte tokens their byte).
    private let tokenBytes: [[UInt8]]
    private let splitters: SpecialTokenSplitters

    static let spaceMarker: [UInt8] = [0xE2, 0x96, 0x81]  // "▁" U+2581

    public init(file: GGUFFile) throws(TokenizerError) {
        let vocabulary = try Vocabulary(file: file)
        var scores = [Float](repeating: 0, count: vocabulary.count)
        if let values = file["tokenizer.ggml.scores"]?.arrayValue {
            guard values.count == vocabulary.count else {
                throw TokenizerError(path: file.path, "tokenizer.ggml.scores has \(values.count) entries for \(vocabulary.count) tokens")
            }
            for (i, v) in values.enumerated() {
                guard let s = v.doubleValue, s.isFinite else {
                    throw TokenizerError(path: file.path, "tokenizer.ggml.scores[\(i)] is not a finite number")
                }
                scores[i] = Float(s)
            }
        }
        try self.init(vocabulary: vocabulary, scores: scores,
                      addSpacePrefix: file["tokenizer.ggml.add_space_prefix"]?.boolValue ?? true, path: file.path)
    }

    /// A tokenizer over a vocabulary given directly (tests).
    public init(vocabulary: Vocabulary, scores: [Float], addSpacePrefix: Bool, path: String = "<vocabulary>") throws(TokenizerError) {
        precondition(scores.count == vocabulary.count, "one score per token")
        self.vocabulary = vocabulary
        self.scores = scores
        self.addSpacePrefix = addSpacePrefix
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.tokens.enumerated() where ids[Array(t.utf8)] == nil { ids[Array(t.utf8)] = Int32(i) }
        self.ids = ids
        unknown = vocabulary.types.firstIndex(of: .unknown)

        let hex = Array("0123456789ABCDEF".utf8)
        var byteTokens = [Int32](repeating: -1, count: 256)
        var missing: [Int] = []
        for b in 0..<256 {
            let name: [UInt8] = Array("<0x".utf8) + [hex[b >> 4], hex[b & 15], UInt8(ascii: ">")]
            if let id = ids[name] ?? ids[[UInt8(b)]] { byteTokens[b] = id } else { missing.append(b) }
        }
        // Text outside the vocabulary falls back to bytes; without byte tokens it needs <unk>.
        if !missing.isEmpty && unknown == nil {
            throw TokenizerError(path: path, "the vocabulary has neither a byte token <0x\(String(missing[0], radix: 16, uppercase: true).leftPadded(to: 2))> nor an unknown token to stand for it")
        }
        self.byteTokens = byteTokens

        tokenBytes = vocabulary.tokens.indices.map { i in
            let text = vocabulary.tokens[i]
            switch vocabulary.types[i] {
            case .byte:
                // "<0xNN>" → the byte NN
                let u = Array(text.utf8)
                if u.count == 6, let b = UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16) { return [b] }
                return Array(text.utf8)
            case .normal, .undefined:
                return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            default:
                return Array(text.utf8)
            }
        }
        splitters = SpecialTokenSplitters(vocabulary: vocabulary)
    }

    public func bytes(of id: TokenID, special: Bool) -> [UInt8] {
        vocabulary.printed(id, special: special, bytes: tokenBytes)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [TokenID] {
        var out = vocabulary.leadingTokens(addSpecial: addSpecial)
        let bytes = Array(text.utf8)
        var previousWasSpecial = true  // so the first fragment gets the space prefix too
        for fragment in splitters.split(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
                previousWasSpecial = true
            case .text(let range):
                var escaped: [UInt8] = addSpacePrefix && previousWasSpecial ? Self.spaceMarker : []
                escaped.reserveCapacity(escaped.count + range.count + range.count / 2)
                for b in bytes[range] {
                    if b == 0x20 { escaped += Self.spaceMarker } else { escaped.append(b) }
                }
                merge(escaped, into: &out)
                previousWasSpecial = false
            }
        }
        return out
    }

    /// Words as SentencePiece sees them: each starts with the spaces before it ("a b" → "a", " b").
    /// Pieces of the vocabulary may still span two words (multi-space tokens), so this is the finest
    /// split that a prompt ending mid-word can rely on only approximately.
    public func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var sawNonSpace = false
        for ch in text {
            if ch == " " && sawNonSpace {
                words.append(current)
                current = ""
                sawNonSpace = false
            }
            if ch != " " { sawNonSpace = true }
            current.append(ch)
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The merge loop over one escaped fragment. Symbols start as UTF-8 characters; every adjacent
    /// pair whose text is a vocabulary entry is a candidate scored by that entry; the best candidate
    /// (highest score, leftmost on ties) merges, and its new neighbours become candidates. Symbols
    /// always cover contiguous byte ranges, so a symbol is (start, length) into `text`.
    func merge(_ text: [UInt8], into out: inout [TokenID]) {
        guard !text.isEmpty else { return }
        var start: [Int32] = [], length: [Int32] = []  // (symbols) byte range of each; length 0 once merged away
        var i = 0
        while i < text.count {
            let width = min(Self.utf8Width(text[i]), text.count - i)
            start.append(Int32(i))
            length.append(Int32(width))
            i += width
        }
        let n = start.count
        var next = Array(Int32(1)...Int32(n)), prev = Array(Int32(-1)..<Int32(n - 1))  // (symbols) linked list, −1 / n: none
        next[n - 1] = -1
        var heap = PriorityHeap<Bigram>()
        func candidate(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            let s = Int(start[Int(l)]), e = Int(start[Int(r)] + length[Int(r)])
            guard let id = ids[Array(text[s..<e])] else { return }
            heap.push(.init(score: scores[Int(id)], left: l, right: r, size: Int32(e - s)))
        }
        for k in 1..<n { candidate(Int32(k - 1), Int32(k)) }
        while let b = heap.pop() {
            let l = Int(b.left), r = Int(b.right)
            // Stale: one side merged away or grown since the candidate was queued.
            guard length[l] > 0, length[r] > 0, length[l] + length[r] == b.size, next[l] == b.right else { continue }
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = Int32(l) }
            candidate(prev[l], Int32(l))
            candidate(Int32(l), next[l])
        }
        var k: Int32 = 0
        while k >= 0 {
            let s = Int(start[Int(k)]), e = s + Int(length[Int(k)])
            let piece = Array(text[s..<e])
            if let id = ids[piece] {
                out.append(TokenID(id))
            } else {  // not a token: its bytes (a merged symbol is always a token, so this is one character)
                for byte in piece {
                    let t = byteTokens[Int(byte)]
                    out.append(t >= 0 ? TokenID(t) : unknown!)
                }
            }
            k = next[Int(k)]
        }
    }

    /// Bytes of the UTF-8 character that starts with `lead` (1 for a stray continuation byte).
    static func utf8Width(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xF7: return 4
        case 0xE0...0xEF: return 3
        case 0xC0...0xDF: return 2
        default: return 1
        }
    }
}

/// A merge candidate, ordered by (score descending, left position ascending).
struct Bigram: HeapOrdered {
    var score: Float, left: Int32, right: Int32, size: Int32
    func before(_ o: Bigram) -> Bool { score != o.score ? score > o.score : left < o.left }
}
