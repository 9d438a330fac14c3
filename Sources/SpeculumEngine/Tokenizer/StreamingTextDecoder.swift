/// Turns a stream of token bytes into text without ever emitting a broken UTF-8 character: bytes of
/// a character that spans tokens are held back until the character is complete.
public struct StreamingTextDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Adds bytes and returns the text that is now complete (invalid bytes become U+FFFD).
    public mutating func push(_ bytes: [UInt8]) -> String {
        pending += bytes
        let keep = incompleteTailLength(pending)
        let ready = pending[..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Flushes whatever is held back (an unfinished character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many bytes at the end start a character that more bytes could still complete.
    private func incompleteTailLength(_ b: [UInt8]) -> Int {
        // A control token (an end of generation that --ignore-eos ran past) brings no bytes at all.
        guard !b.isEmpty else { return 0 }
        // The last lead byte among the final 3 bytes decides.
        for back in 1...min(3, b.count) {
            let byte = b[b.count - back]
            if byte & 0xC0 == 0x80 { continue }  // continuation byte: keep looking for the lead
            let width: Int
            switch byte {
            case 0xC2...0xDF: width = 2
            case 0xE0...0xEF: width = 3
            case 0xF0...0xF4: width = 4
            default: return 0  // ASCII or an invalid lead: nothing to wait for
            }
            return width > back ? back : 0
        }
        return 0
    }
}
