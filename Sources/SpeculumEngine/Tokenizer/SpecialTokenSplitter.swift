/// Cuts special tokens out of raw text before the text is tokenized, as llama.cpp's
/// `tokenizer_st_partition` does: candidates are tried longest first; each one splits every
/// not-yet-consumed text fragment at all of its occurrences, left to right.
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable {
        case text(Range<Int>)  // byte range of the input
        case token(TokenID)
    }

    /// (token bytes, id), longest first; ties by id so the order is deterministic.
    let candidates: [([UInt8], TokenID)]

    init(vocabulary v: Vocabulary, types: Set<TokenType>) {
        candidates = v.types.indices
            .filter { types.contains(v.types[$0]) && !v.tokens[$0].isEmpty }
            .map { (Array(v.tokens[$0].utf8), $0) }
            .sorted { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.1 < $1.1 }
    }

    func split(_ bytes: [UInt8]) -> [Fragment] {
        var fragments: [Fragment] = bytes.isEmpty ? [] : [.text(0..<bytes.count)]
        for (pattern, id) in candidates {
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count)
            for f in fragments {
                guard case .text(let range) = f else {
                    next.append(f)
                    continue
                }
                var start = range.lowerBound
                var k = start
                while k + pattern.count <= range.upperBound {
                    if bytes[k] == pattern[0] && bytes[k..<(k + pattern.count)].elementsEqual(pattern) {
                        if k > start { next.append(.text(start..<k)) }
                        next.append(.token(id))
                        k += pattern.count
                        start = k
                    } else {
                        k += 1
                    }
                }
                if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
            }
            fragments = next
        }
        return fragments
    }
}

/// The two splitters every tokenizer uses: plain text splits out user-defined tokens only; with
/// special parsing, control and unknown tokens too.
struct SpecialTokenSplitters: Sendable {
    let plain, special: SpecialTokenSplitter

    init(vocabulary: Vocabulary) {
        plain = SpecialTokenSplitter(vocabulary: vocabulary, types: [.userDefined])
        special = SpecialTokenSplitter(vocabulary: vocabulary, types: [.userDefined, .control, .unknown])
    }

    func split(_ bytes: [UInt8], parseSpecial: Bool) -> [SpecialTokenSplitter.Fragment] {
        (parseSpecial ? special : plain).split(bytes)
    }
}
