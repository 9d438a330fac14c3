import Foundation

/// What `speculum tune` chose for one target/draft pair on one machine, kept so that later runs start
/// from it: the chain length and the tree shape, with the predictions they were chosen by.
public struct TunedSettings: Codable, Sendable, Equatable {
    public var chainK: Int
    public var chainSpeedup: Double
    public var treeBranching: [Int]
    public var treeSpeedup: Double
    /// When it was measured (seconds since 1970), to show how old it is.
    public var measuredAt: Double

    public init(chainK: Int, chainSpeedup: Double, treeBranching: [Int], treeSpeedup: Double, measuredAt: Double) {
        self.chainK = chainK
        self.chainSpeedup = chainSpeedup
        self.treeBranching = treeBranching
        self.treeSpeedup = treeSpeedup
        self.measuredAt = measuredAt
    }

    /// The settings a strategy takes from the tuning: `k` for chain, `branching` for tree; none otherwise.
    /// Settings in `given` (the command line's) win over the tuned ones.
    public func settings(for strategy: String, given: [String: String] = [:]) -> [String: String] {
        let tuned: [String: String] = switch strategy {
        case "chain": ["k": String(chainK)]
        case "tree": ["branching": treeBranching.map(String.init).joined(separator: "x")]
        default: [:]
        }
        return tuned.merging(given) { _, given in given }
    }

    /// "tuned k=3 · tree 2x1x1", for the status bar.
    public var summary: String { "tuned k=\(chainK) · tree \(treeBranching.map(String.init).joined(separator: "x"))" }
}

/// The tuning cache: one JSON file per (target file, draft file, draft head, threads, CPU) under
/// `$SPECULUM_TUNE`, else `~/.cache/speculum/tune`. A file changed on disk (other size) or another CPU
/// gives another key, so a stale measurement is never applied; a corrupt entry reads as absent.
public struct TuneCache: Sendable {
    public let directory: String

    public init(directory: String? = nil) {
        self.directory = directory ?? cacheDirectory(variable: "SPECULUM_TUNE", under: "tune")
    }

    /// What the measurement depends on, as one line: model files by name and size, the draft head, the
    /// thread count and the CPU model.
    public static func key(target: String, draft: String, draftHeadRows: Int?, threads: Int) -> String {
        func file(_ p: String) -> String {
            let size = (try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int ?? -1
            return "\(p.split(separator: "/").last ?? "")#\(size)"
        }
        return "\(file(target)) \(file(draft)) head=\(draftHeadRows ?? 0) threads=\(threads) cpu=\(cpuModel())"
    }

    /// The file an entry lives in: a readable prefix plus a hash of the whole key.
    public func path(forKey key: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike Hasher
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let readable = String(key.prefix { $0 != " " }.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        return "\(directory)/\(readable)-\(String(h, radix: 16)).json"
    }

    public func load(key: String) -> TunedSettings? {
        guard let data = FileManager.default.contents(atPath: path(forKey: key)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.key == key else { return nil }
        return entry.settings
    }

    /// Writes the entry atomically (a temporary file renamed into place).
    public func save(_ settings: TunedSettings, key: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(Entry(key: key, settings: settings)).write(to: URL(fileURLWithPath: path(forKey: key)), options: .atomic)
        } catch {
            throw TuneCacheError(path: path(forKey: key), reason: error.localizedDescription)
        }
    }

    struct Entry: Codable {
        var key: String
        var settings: TunedSettings
    }

    /// The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere).
    public static func cpuModel() -> String {
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    }
}

public struct TuneCacheError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "tune cache \(path): cannot write the file (\(reason))" }
}
