import Foundation
import Testing
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender

/// A fixed snapshot: a chain cycle with an accepted, a rejected and an unvisited node, a few output
/// tokens of every origin, and statistics recorded from three cycles.
enum Fixture {
    static func insight(_ token: TokenID, peak: Float) -> TokenInsight {
        var logits = [Float](repeating: 0, count: 16)
        logits[token] = peak
        logits[(token + 1) % 16] = peak / 2
        return logits.withUnsafeBufferPointer {
            TokenInsight(logits: $0, token: token, draft: Distribution(weights: [(token, 0.7), ((token + 1) % 16, 0.3)]), topK: 4)
        }
    }

    static var snapshot: Snapshot {
        var s = Snapshot()
        s.target = "qwen2.5-coder-1.5b-instruct-q4_k_m"
        s.draft = "qwen2.5-coder-0.5b-instruct-q4_k_m"
        s.strategy = "chain"
        s.strategySummary = "draft-model chain: k=4"
        s.state = .paused
        s.prompt = "def add(a, b):\n"
        s.tokens = [
            TokenView(id: 1, text: "    return", origin: .accepted, cycle: 0, insight: insight(1, peak: 6)),
            TokenView(id: 2, text: " a", origin: .accepted, cycle: 0, insight: insight(2, peak: 3)),
            TokenView(id: 3, text: " +", origin: .correction, cycle: 0, insight: insight(3, peak: 1)),
            TokenView(id: 4, text: " b", origin: .bonus, cycle: 1, insight: insight(4, peak: 8)),
            TokenView(id: 5, text: "\n", origin: .autoregressive, cycle: 2, insight: nil),
        ]
        for id in 0..<16 { s.tokenTexts[id] = ["    return", " a", " +", " b", "\n"][id % 5] }
        func node(_ token: TokenID, _ parent: Int, _ depth: Int, _ q: Float, _ p: Float?, _ u: Float?, _ status: NodeStatus) -> CycleView.Node {
            CycleView.Node(text: s.tokenTexts[token]!, node: CycleTrace.Node(
                token: token, parent: parent, depth: depth, q: q, p: p, ratio: p.map { $0 / q }, u: u,
                rule: u == nil ? nil : .r1, status: status, candidate: true, deferred: nil))
        }
        s.cycle = CycleView(cycle: 7, rootText: ":\n", nodes: [
            node(1, -1, 1, 0.9, 0.95, 0.5, .accepted), node(2, 0, 2, 0.8, 0.6, 0.3, .accepted),
            node(0, 1, 3, 0.6, 0.1, 0.4, .rejected), node(3, 2, 4, 0.5, nil, nil, .unvisited)],
            residualTop: [(" +", 0.7), (" -", 0.2)], emitted: [("    return", .accepted), (" a", .accepted), (" +", .correction)],
            draftNs: 45_000_000, verifyNs: 120_000_000, rollbackNs: 300_000, batchSize: 5)
        var stats = DecodeStatistics()
        func trace(_ accepted: Int) -> CycleTrace {
            CycleTrace(cycle: 0, strategy: "chain", position: 0, nodes: [], residualTop: [],
                       emitted: Array(repeating: .init(token: 1, origin: .accepted), count: accepted) + [.init(token: 2, origin: .bonus)],
                       draftNs: 40_000_000, verifyNs: 100_000_000, rollbackNs: 100_000, batchSize: 5, truncated: false)
        }
        for a in [4, 2, 0] { stats.record(trace(a), emittedCount: a + 1, draftCandidates: 4, overlaps: [0.8], targetPass: true) }
        stats.decodeNs = 420_000_000
        stats.prefillNs = 80_000_000
        s.statistics = stats
        s.chainLength = 4
        s.arTokensPerSecond = 10
        s.recentAccepted = [4, 2, 0]
        s.contextUsed = 42
        s.contextCapacity = 4096
        return s
    }

    static let expected = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected")

    /// Compares `text` with the stored expectation; SPECULUM_RECORD_SNAPSHOTS=1 rewrites it instead.
    static func assertMatches(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = expected.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["SPECULUM_RECORD_SNAPSHOTS"] == "1" {
            try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let stored = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no expectation \(name).txt; run the tests with SPECULUM_RECORD_SNAPSHOTS=1 once", sourceLocation: sourceLocation)
            return
        }
        #expect(text + "\n" == stored, "\(name) differs from Expected/\(name).txt", sourceLocation: sourceLocation)
    }
}
