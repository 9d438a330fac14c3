/// A little-endian cursor over a byte range that checks every read against the end first.
///
/// All arithmetic on untrusted counts goes through `checkedSize`, so a hostile length can neither
/// overflow nor move the cursor outside `[0, count)`.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    var remaining: Int { count - offset }

    /// Fails unless `n` more bytes can be read.
    func require(_ n: Int, _ what: @autoclosure () -> String) throws(GGUFProblem) {
        guard n >= 0, n <= remaining else {
            throw .truncated(what: what(), offset: offset, needed: n, available: remaining)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFProblem) -> T {
        try require(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(GGUFProblem) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(GGUFProblem) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A gguf string: u64 length, then that many UTF-8 bytes (invalid sequences become U+FFFD).
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFProblem) -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw .countTooLarge(what: "length of \(what())", count: length, offset: start)
        }
        let n = Int(length)
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }

    /// The raw bytes of a gguf string, without decoding (for tensor names, whose length is limited).
    mutating func readStringBytes(_ what: @autoclosure () -> String) throws(GGUFProblem) -> UnsafeRawBufferPointer {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw .countTooLarge(what: "length of \(what())", count: length, offset: start)
        }
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: Int(length))
        offset += Int(length)
        return bytes
    }

    mutating func skip(to newOffset: Int) {
        offset = min(newOffset, count)
    }
}
