import Foundation
import Testing
import SpeculumEngine

/// Test helpers: real models from the cache, fixtures next to this file, temporary directories.
enum TestSupport {
    /// Whether missing real models fail the run (`make test` sets SPECULUM_REQUIRE_MODELS=1) rather than skip.
    static let modelsRequired = ProcessInfo.processInfo.environment["SPECULUM_REQUIRE_MODELS"] == "1"

    /// The cached file of a registry model, or nil (recording a failure when models are required).
    static func realModel(_ name: String) -> String? {
        if let path = try? ModelStore().resolve(name) { return path }
        if modelsRequired {
            Issue.record("model \(name) is not fetched; run `speculum models fetch \(name)`")
        } else {
            print("note: skipping a real-model test: \(name) is not fetched (make test fetches it)")
        }
        return nil
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("speculum-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// SplitMix64: a small seeded generator so fuzz and mutation tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
