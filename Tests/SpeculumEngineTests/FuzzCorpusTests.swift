import CKernels
import Foundation
import Testing
import SpeculumEngine

/// The fuzzer's corpus (`Fixtures/fuzz/`): the seeds it starts from, and every input that once made
/// the probe trap, with the outcome it must give now (`expected.txt`: `FILE<TAB>outcome`).
@Suite struct FuzzCorpusTests {
    static let corpus = TestSupport.fixtures.appendingPathComponent("fuzz")

    /// The seeds: small models the tests can also build, so the fuzzer starts from files that load.
    /// They are also the long-run check's models (`make soak-ci`), hence the 32k context.
    static func seeds() -> [(String, [UInt8])] {
        let small = [Int32(CK_Q8_0), Int32(CK_Q5_0), Int32(CK_F16), Int32(CK_Q4_0)]
        return [
            ("seed-qwen2-narrow.gguf", TinyModel.bytes(seed: 11, matrixTypes: small, contextLength: 32768, shape: .narrow)),
            ("seed-llama-narrow-tied.gguf", TinyModel.bytes(architecture: "llama", seed: 12, matrixTypes: small, contextLength: 32768, tiedOutput: true, shape: .narrow)),
        ]
    }

    /// `SPECULUM_WRITE_FUZZ_SEEDS=1 swift test --filter FuzzCorpusTests` rewrites the seeds (`make fuzz-seeds`).
    @Test func seedsAreCommittedAndLoad() throws {
        for (name, bytes) in Self.seeds() {
            let url = Self.corpus.appendingPathComponent(name)
            if ProcessInfo.processInfo.environment["SPECULUM_WRITE_FUZZ_SEEDS"] == "1" {
                try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
            let committed = try #require(FileManager.default.contents(atPath: url.path), "\(name) is not in Fixtures/fuzz")
            #expect([UInt8](committed) == bytes, "\(name) differs from what TinyModel writes now: make fuzz-seeds")
            #expect(ModelBytesProbe.probe(bytes, name: name) == .loaded(tensors: ModelBytesProbe.tensorCount(bytes), vocabulary: 260))
        }
    }

    /// Every crasher gives exactly the outcome recorded for it.
    @Test func crashersGiveTheirRecordedOutcome() throws {
        let listing = try String(contentsOf: Self.corpus.appendingPathComponent("expected.txt"), encoding: .utf8)
        var checked = 0
        for line in listing.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "expected.txt: '\(line)' is not FILE<TAB>OUTCOME")
            let bytes = try #require(FileManager.default.contents(atPath: Self.corpus.appendingPathComponent(parts[0]).path))
            let outcome = ModelBytesProbe.probe([UInt8](bytes), name: parts[0])
            #expect(ModelBytesProbe.describe(outcome) == parts[1], "\(parts[0])")
            checked += 1
        }
        let crashers = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasPrefix("crash-") }
        #expect(checked == crashers.count, "every crash-* file has a line in expected.txt")
    }
}
