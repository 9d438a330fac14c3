import Foundation

/// Reading the small text files people hand us — prompt sets, themes, traces — with one set of
/// refusals: not a regular file, larger than the kind of file can sensibly be, not UTF-8 (with the
/// line). The caller words the error; `TextFile.Problem.description` is the part after the path.
public enum TextFile {
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case unreadable
        case notRegular
        case tooLarge(bytes: Int, maximum: Int)
        case notUTF8(line: Int)

        /// "PATH: …" or "PATH:LINE: …".
        public func message(path: String, expected: String) -> String {
            switch self {
            case .unreadable: "\(path): cannot read the file"
            case .notRegular: "\(path): not a regular file (expected \(expected))"
            case .tooLarge(let b, let m): "\(path): \(b) bytes, more than the \(mebibytes(m)) such a file may hold (expected \(expected))"
            case .notUTF8(let line): "\(path):\(line): not UTF-8 text (expected \(expected))"
            }
        }

        public var description: String { message(path: "file", expected: "text") }

        private func mebibytes(_ n: Int) -> String { n >= 1 << 20 ? "\(n >> 20) MiB" : "\(n) bytes" }
    }

    /// The file's text. Its size is checked before anything is read, so /dev/zero or a 10 GB log
    /// never fills memory.
    public static func read(_ path: String, maximumBytes: Int) throws(Problem) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { throw .unreadable }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw .notRegular }
        let size = attributes[.size] as? Int ?? 0
        guard size <= maximumBytes else { throw .tooLarge(bytes: size, maximum: maximumBytes) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable }
        return try decode(data, maximumBytes: maximumBytes)
    }

    /// The text of bytes already read, with the same checks.
    public static func decode(_ data: Data, maximumBytes: Int) throws(Problem) -> String {
        guard data.count <= maximumBytes else { throw .tooLarge(bytes: data.count, maximum: maximumBytes) }
        if let text = String(validating: data, as: UTF8.self) { return text }
        throw .notUTF8(line: firstInvalidLine([UInt8](data)))
    }

    /// The 1-based line holding the first byte sequence that is not UTF-8.
    static func firstInvalidLine(_ bytes: [UInt8]) -> Int {
        var line = 1, start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            if String(validating: bytes[start..<i], as: UTF8.self) == nil { return line }
            line += 1
            start = i + 1
        }
        return line
    }
}
