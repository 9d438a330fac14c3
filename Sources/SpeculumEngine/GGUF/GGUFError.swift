/// Why a GGUF file could not be read. Every case names what was wrong (key, tensor, offset);
/// `GGUFError` adds the file.
public enum GGUFProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(reason: String)
    case notAFile
    case empty
    case notGGUF(firstBytes: [UInt8])
    case unsupportedVersion(UInt32)
    case bigEndian
    /// Reading `what` at `offset` needed `needed` bytes but only `available` remain.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// A count or length (`what`) is larger than the rest of the file could possibly hold.
    case countTooLarge(what: String, count: UInt64, offset: Int)
    case unknownValueType(key: String, type: UInt32, offset: Int)
    case nestedArray(key: String, offset: Int)
    case invalidBool(key: String, byte: UInt8, offset: Int)
    case duplicateKey(String)
    case badAlignment(String)
    case tensorNameTooLong(name: String, length: Int)
    case duplicateTensor(String)
    case badDimensionCount(tensor: String, count: UInt32)
    case badDimension(tensor: String, dims: [UInt64])
    case unknownTensorType(tensor: String, type: UInt32)
    case rowNotMultipleOfBlock(tensor: String, type: GGMLType, rowLength: UInt64)
    case tensorTooLarge(tensor: String)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case tensorOutOfBounds(tensor: String, offset: UInt64, bytes: UInt64, dataSize: Int)
    case tensorsOverlap(String, String)

    public var description: String {
        switch self {
        case .cannotOpen(let r): return "cannot open: \(r)"
        case .notAFile: return "not a regular file"
        case .empty: return "empty file, expected a GGUF model"
        case .notGGUF(let b):
            let hex = b.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "not a GGUF file (expected the magic bytes 'GGUF', found \(hex.isEmpty ? "nothing" : hex))"
        case .unsupportedVersion(let v): return "unsupported GGUF version \(v) (versions 2 and 3 are supported)"
        case .bigEndian: return "big-endian GGUF files are not supported"
        case .truncated(let what, let off, let n, let avail):
            return "truncated: \(what) at offset \(off) needs \(n) bytes, \(avail) remain"
        case .countTooLarge(let what, let c, let off):
            return "\(what) \(c) at offset \(off) is larger than the file can hold"
        case .unknownValueType(let k, let t, let off): return "key '\(k)': unknown value type \(t) at offset \(off)"
        case .nestedArray(let k, let off): return "key '\(k)': arrays of arrays are not supported (offset \(off))"
        case .invalidBool(let k, let b, let off): return "key '\(k)': boolean byte \(b) at offset \(off) is neither 0 nor 1"
        case .duplicateKey(let k): return "metadata key '\(k)' appears twice"
        case .badAlignment(let why): return "general.alignment: \(why)"
        case .tensorNameTooLong(let n, let l): return "tensor '\(n.prefix(40))…': name is \(l) bytes, at most 63 allowed"
        case .duplicateTensor(let n): return "tensor '\(n)' appears twice"
        case .badDimensionCount(let n, let c): return "tensor '\(n)': \(c) dimensions, expected 1 to 4"
        case .badDimension(let n, let d): return "tensor '\(n)': shape \(d) has a zero or oversized dimension"
        case .unknownTensorType(let n, let t): return "tensor '\(n)': unknown ggml type \(t)"
        case .rowNotMultipleOfBlock(let n, let t, let r):
            return "tensor '\(n)': row length \(r) is not a multiple of \(t)'s block size \(t.blockSize)"
        case .tensorTooLarge(let n): return "tensor '\(n)': size overflows"
        case .misalignedTensor(let n, let off, let a): return "tensor '\(n)': data offset \(off) is not a multiple of the alignment \(a)"
        case .tensorOutOfBounds(let n, let off, let b, let size):
            return "tensor '\(n)': \(b) bytes at data offset \(off) run past the end of the data section (\(size) bytes)"
        case .tensorsOverlap(let a, let b): return "tensors '\(a)' and '\(b)' overlap"
        }
    }
}

/// A GGUF file could not be read: the file and what was wrong with it.
public struct GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: GGUFProblem

    public init(path: String, problem: GGUFProblem) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
