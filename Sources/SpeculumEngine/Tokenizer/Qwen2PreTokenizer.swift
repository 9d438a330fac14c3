/// Splits text into the "words" that BPE then encodes separately, exactly as the `qwen2` pre-tokenizer
/// regex does (llama.cpp LLAMA_VOCAB_PRE_TYPE_QWEN2):
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n]*
///     | \s*[\r\n]+ | \s+(?!\S) | \s+
///
/// The alternatives are tried in order at each position and the first that matches wins (ordered
/// alternation, as in ECMAScript and Oniguruma). Each is written out below as a small matcher that
/// returns the match length, so the rules read one to one against the regex.
/// Categories follow Unicode: \p{L} letters, \p{N} numbers (Nd, Nl, No), \s the White_Space property;
/// combining marks are neither letters nor numbers.
public enum Qwen2PreTokenizer {
    enum Class: UInt8 { case other, letter, number, whitespace }

    static func classify(_ s: Unicode.Scalar) -> Class {
        let v = s.value
        if v < 0x80 {
            switch v {
            case 0x41...0x5A, 0x61...0x7A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .whitespace
            default: return .other
            }
        }
        let p = s.properties
        if p.isWhitespace { return .whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Word boundaries of `scalars` as consecutive ranges covering the whole input.
    public static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = scalars.map(classify)
        var words: [Range<Int>] = []
        var i = 0
        while i < scalars.count {
            let n = contraction(scalars, i)
            ?? letters(scalars, classes, i)
            ?? (classes[i] == .number ? 1 : nil)
            ?? symbols(scalars, classes, i)
            ?? spaceEndingInNewline(scalars, classes, i)
            ?? spaceNotBeforeText(classes, i)
            ?? spaceRun(classes, i)
            ?? 1  // unreachable for this regex: every character matches one alternative
            words.append(i..<(i + n))
            i += n
        }
        return words
    }

    private static func isNewline(_ s: Unicode.Scalar) -> Bool { s == "\r" || s == "\n" }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: ASCII apostrophe and a contraction suffix in either case.
    private static func contraction(_ s: [Unicode.Scalar], _ i: Int) -> Int? {
        guard s[i] == "'", i + 1 < s.count else { return nil }
        func lower(_ k: Int) -> Unicode.Scalar? {
            guard k < s.count, s[k].isASCII else { return nil }
            return Unicode.Scalar(UInt8(ascii: s[k]) | 0x20)
        }
        switch lower(i + 1) {
        case "s", "t", "m", "d": return 2
        case "r", "v": return lower(i + 2) == "e" ? 3 : nil
        case "l": return lower(i + 2) == "l" ? 3 : nil
        default: return nil
        }
    }

    /// `[^\r\n\p{L}\p{N}]?\p{L}+`: a run of letters, optionally led by one other non-newline character.
    private static func letters(_ s: [Unicode.Scalar], _ c: [Class], _ i: Int) -> Int? {
        var j = i
        if c[j] != .letter {
            guard c[j] != .number, !isNewline(s[j]), j + 1 < s.count, c[j + 1] == .letter else { return nil }
            j += 1
        }
        while j < s.count, c[j] == .letter { j += 1 }
        return j - i
    }

    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`: optional space, a run of symbols, trailing newlines.
    private static func symbols(_ s: [Unicode.Scalar], _ c: [Class], _ i: Int) -> Int? {
        var j = i
        if s[j] == " ", j + 1 < s.count, c[j + 1] == .other { j += 1 }
        guard c[j] == .other else { return nil }
        while j < s.count, c[j] == .other { j += 1 }
        while j < s.count, isNewline(s[j]) { j += 1 }
        return j - i
    }

    /// `\s*[\r\n]+`: whitespace up to and including the last newline of the whitespace run.
    private static func spaceEndingInNewline(_ s: [Unicode.Scalar], _ c: [Class], _ i: Int) -> Int? {
        var j = i
        var lastNewline: Int?
        while j < s.count, c[j] == .whitespace {
            if isNewline(s[j]) { lastNewline = j }
            j += 1
        }
        return lastNewline.map { $0 + 1 - i }
    }

    /// `\s+(?!\S)`: a whitespace run that is not followed by a non-space, i.e. it leaves its last
    /// space to the next word ("a  b" → "a", " ", " b"), or runs to the end of the text.
    private static func spaceNotBeforeText(_ c: [Class], _ i: Int) -> Int? {
        var j = i
        while j < c.count, c[j] == .whitespace { j += 1 }
        if j == c.count { return j - i }
        return j - i >= 2 ? j - i - 1 : nil
    }

    /// `\s+`
    private static func spaceRun(_ c: [Class], _ i: Int) -> Int? {
        var j = i
        while j < c.count, c[j] == .whitespace { j += 1 }
        return j > i ? j - i : nil
    }
}
