/// Byte-level BPE (GGUF `tokenizer.ggml.model = gpt2`) with the `qwen2` pre-tokenizer.
///
/// encode: special-token split → pre-tokenize each text fragment into words → BPE on each word's
/// bytes (spelled in the byte-level alphabet) → ids. No Unicode normalisation is applied, as in
/// llama.cpp. See shared/notes/gguf-and-models.md §5 for the rules this follows.
public struct BPETokenizer: Tokenizer {
    public static let supportedPreTokenizers: Set<String> = ["qwen2"]

    public let vocabulary: Vocabulary
    /// Merge rules keyed by the pair (left id << 32 | right id): priority (lower first) and result.
    private let merges: [UInt64: Merge]
    /// The single-byte token for each byte value.
    private let byteTokens: [TokenID]
    /// Raw bytes of every token (control and user-defined tokens: their text's UTF-8).
    private let tokenBytes: [[UInt8]]
    private let splitters: SpecialTokenSplitters

    struct Merge {
        var rank: Int32
        var result: Int32
    }

    public init(file: GGUFFile) throws(TokenizerError) {
        let vocabulary = try Vocabulary(file: file)
        self.vocabulary = vocabulary
        var ids: [String: TokenID] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.tokens.enumerated() where ids[t] == nil { ids[t] = i }

        var byteTokens = [TokenID](repeating: -1, count: 256)
        for b in 0..<256 {
            guard let id = ids[String(Character(ByteLevelAlphabet.characters[b]))] else {
                throw TokenizerError(path: file.path, "the vocabulary has no token for byte 0x\(String(b, radix: 16))")
            }
            byteTokens[b] = id
        }
        self.byteTokens = byteTokens

        guard let mergeValues = file["tokenizer.ggml.merges"]?.arrayValue else {
            throw TokenizerError(path: file.path, "metadata lacks tokenizer.ggml.merges")
        }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeValues.count)
        for (rank, v) in mergeValues.enumerated() {
            guard let text = v.stringValue else { throw TokenizerError(path: file.path, "tokenizer.ggml.merges[\(rank)] is not a string") }
            // "A B", split at the first space after position 0.
            let scalars = Array(text.unicodeScalars)
            guard let space = scalars.dropFirst().firstIndex(of: " ") else {
                throw TokenizerError(path: file.path, "tokenizer.ggml.merges[\(rank)] = '\(text)' is not two tokens separated by a space")
            }
            let a = String(String.UnicodeScalarView(scalars[..<space]))
            let b = String(String.UnicodeScalarView(scalars[(space + 1)...]))
            guard let left = ids[a], let right = ids[b], let merged = ids[a + b] else {
                throw TokenizerError(path: file.path, "tokenizer.ggml.merges[\(rank)] = '\(text)' references a token not in the vocabulary")
            }
            let key = UInt64(left) << 32 | UInt64(right)
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), result: Int32(merged)) }
        }
        self.merges = merges

        tokenBytes = vocabulary.tokens.indices.map { i in
            switch vocabulary.types[i] {
            case .normal, .byte, .undefined:
                return ByteLevelAlphabet.decode(vocabulary.tokens[i]) ?? Array(vocabulary.tokens[i].utf8)
            default:
                return Array(vocabulary.tokens[i].utf8)
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
        var cache: [ArraySlice<UInt8>: [TokenID]] = [:]
        for fragment in splitters.split(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id): out.append(id)
            case .text(let range): encodeText(bytes[range], into: &out, cache: &cache)
            }
        }
        return out
    }

    public func words(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return Qwen2PreTokenizer.split(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
    }

    /// Pre-tokenizes valid UTF-8 `bytes` into words and appends each word's BPE ids.
    private func encodeText(_ bytes: ArraySlice<UInt8>, into out: inout [TokenID], cache: inout [ArraySlice<UInt8>: [TokenID]]) {
        // Scalars and the byte offset where each starts (one extra entry for the end).
        var scalars: [Unicode.Scalar] = []
        var starts: [Int] = []
        scalars.reserveCapacity(bytes.count)
        starts.reserveCapacity(bytes.count + 1)
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var offset = bytes.startIndex
        while case .scalarValue(let s) = decoder.decode(&it) {
            scalars.append(s)
            starts.append(offset)
            offset += UTF8.width(s)
        }
        starts.append(offset)
        for word in Qwen2PreTokenizer.split(scalars) {
            let wordBytes = bytes[starts[word.lowerBound]..<starts[word.upperBound]]
            if let hit = cache[wordBytes] {
                out += hit
            } else {
                let ids = bpe(wordBytes)
                if cache.count < 50_000 { cache[wordBytes] = ids }
                out += ids
            }
        }
    }

    /// Byte-pair encoding of one word: repeatedly merge the adjacent pair with the lowest merge rank
    /// (leftmost first on ties). A heap of candidate pairs plus a linked list of symbols makes this
    /// O(n log n), so a pathological megabyte-long word stays fast.
    func bpe(_ word: ArraySlice<UInt8>) -> [TokenID] {
        let n = word.count
        if n == 1 { return [byteTokens[Int(word.first!)]] }
        var ids = word.map { Int32(byteTokens[Int($0)]) }  // (n) current token of each symbol; −1 once merged away
        var next = Array(Int32(1)...Int32(n))                // (n) following symbol, n = none
        var prev = Array(Int32(-1)..<Int32(n - 1))           // (n) preceding symbol, −1 = none
        next[n - 1] = -1
        var heap = PriorityHeap<MergePair>()
        func push(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0, let m = merges[UInt64(ids[Int(l)]) << 32 | UInt64(ids[Int(r)])] else { return }
            heap.push(.init(rank: m.rank, left: l, leftID: ids[Int(l)], rightID: ids[Int(r)]))
        }
        for i in 0..<(n - 1) { push(Int32(i), Int32(i + 1)) }
        while let p = heap.pop() {
            let l = Int(p.left)
            let r = Int(next[l])
            // Skip a stale candidate: one side has changed since it was queued.
            guard ids[l] == p.leftID, r >= 0, ids[r] == p.rightID else { continue }
            ids[l] = merges[UInt64(p.leftID) << 32 | UInt64(p.rightID)]!.result
            ids[r] = -1
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = Int32(l) }
            push(prev[l], Int32(l))
            push(Int32(l), next[l])
        }
        var out: [TokenID] = []
        var i: Int32 = 0
        while i >= 0 {
            out.append(TokenID(ids[Int(i)]))
            i = next[Int(i)]
        }
        return out
    }
}

/// A merge candidate, ordered by (rank, left position).
struct MergePair: HeapOrdered {
    var rank: Int32, left: Int32, leftID: Int32, rightID: Int32
    func before(_ o: MergePair) -> Bool { rank != o.rank ? rank < o.rank : left < o.left }
}
