import Foundation

/// The model cache: `$SPECULUM_MODELS`, else `~/.cache/speculum/models`.
///
/// A fetched model is `NAME.gguf` plus `NAME.gguf.verified`, a stamp recording the size, modification
/// time, SHA-256 and a sampled digest at verification. Opening checks size, time and the sampled digest
/// (1 MiB read: catches a file rewritten in place with its time put back); `verify` rehashes it all.
public struct ModelStore: Sendable {
    public let directory: String

    public init(directory: String? = nil) {
        self.directory = directory ?? cacheDirectory(variable: "SPECULUM_MODELS", under: "models")
    }

    public func path(of model: RegistryModel) -> String { "\(directory)/\(model.name).gguf" }
    func stampPath(of model: RegistryModel) -> String { path(of: model) + ".verified" }

    /// The stamp a verified file must match: size, modification time (ns), sha256, sampled digest.
    func currentStamp(of model: RegistryModel) -> String? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path(of: model)),
              let size = attrs[.size] as? Int, let date = attrs[.modificationDate] as? Date,
              let sample = Self.sampledDigest(path(of: model), size: size) else { return nil }
        return "\(size) \(Int64(date.timeIntervalSince1970 * 1e9)) \(model.sha256) sample:\(sample)"
    }

    /// SHA-256 over 16 slices of 64 KiB spread evenly over the file (the first and the last among them).
    static func sampledDigest(_ path: String, size: Int) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        var sha = SHA256()
        let slice = 64 << 10, slices = 16
        for i in 0..<slices {
            let offset = max(0, size - slice) * i / (slices - 1)
            guard (try? h.seek(toOffset: UInt64(offset))) != nil, let data = try? h.read(upToCount: slice) else { return nil }
            data.withUnsafeBytes { sha.update($0) }
        }
        return sha.finalizeHex()
    }

    /// Whether the model's file is present and unchanged since it was verified.
    public func isReady(_ model: RegistryModel) -> Bool {
        guard let stamp = currentStamp(of: model), stamp.hasPrefix("\(model.size) ") else { return false }
        return (try? String(contentsOfFile: stampPath(of: model), encoding: .utf8)) == stamp
    }

    /// The file for a model name or a path. A name must be fetched and unchanged; a path must exist.
    public func resolve(_ nameOrPath: String) throws(ModelError) -> String {
        if let model = ModelRegistry.model(named: nameOrPath) {
            let p = path(of: model)
            guard FileManager.default.fileExists(atPath: p) else { throw .notFetched(name: model.name) }
            guard isReady(model) else { throw .changedSinceVerified(name: model.name, path: p) }
            return p
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir), !isDir.boolValue { return nameOrPath }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") { throw .missingFile(path: nameOrPath) }
        throw .unknown(name: nameOrPath)
    }

    /// Rehashes a fetched model; on success refreshes its stamp.
    public func verify(_ model: RegistryModel) throws(ModelError) {
        let p = path(of: model)
        guard FileManager.default.fileExists(atPath: p) else { throw .notFetched(name: model.name) }
        let (size, hash) = try Self.hashFile(p)
        guard size == model.size else { throw .sizeMismatch(name: model.name, expected: model.size, actual: size) }
        guard hash == model.sha256 else { throw .hashMismatch(name: model.name, expected: model.sha256, actual: hash) }
        try writeStamp(model)
    }

    func writeStamp(_ model: RegistryModel) throws(ModelError) {
        guard let stamp = currentStamp(of: model) else { throw .io(path: path(of: model), detail: "cannot read file attributes") }
        do {
            try stamp.write(toFile: stampPath(of: model), atomically: true, encoding: .utf8)
        } catch {
            throw .io(path: stampPath(of: model), detail: "\(error.localizedDescription)")
        }
    }

    /// Size and SHA-256 of a file, read in 4 MiB chunks.
    static func hashFile(_ path: String) throws(ModelError) -> (Int, String) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw .io(path: path, detail: "cannot open for reading") }
        defer { try? h.close() }
        var sha = SHA256()
        var size = 0
        while true {
            let chunk: Data
            do { chunk = try h.read(upToCount: 4 << 20) ?? Data() } catch { throw .io(path: path, detail: "\(error)") }
            if chunk.isEmpty { break }
            size += chunk.count
            chunk.withUnsafeBytes { sha.update($0) }
        }
        return (size, sha.finalizeHex())
    }
}
