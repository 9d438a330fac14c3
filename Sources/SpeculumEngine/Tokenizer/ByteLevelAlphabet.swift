/// GPT-2's byte-level alphabet: every byte maps to one printable character, so a vocabulary of
/// strings can spell any byte sequence. Bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF map to themselves;
/// the other 68 map, in increasing order, to U+0100, U+0101, … (space → 'Ġ', newline → 'Ċ').
enum ByteLevelAlphabet {
    /// byte → character
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 0x100
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// character → byte
    static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, c) in characters.enumerated() { map[c] = UInt8(b) }
        return map
    }()

    /// The raw bytes a vocabulary string spells, or nil when it holds a character outside the alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for c in text.unicodeScalars {
            guard let b = bytes[c] else { return nil }
            out.append(b)
        }
        return out
    }
}
