import Testing
import SpeculumEngine

/// The planner's predictions, checked against hand-computed values and against the choices the
/// costs must force.
@Suite struct DraftShapePlannerTests {
    /// Target cost a + b·n (seconds), draft cost c·n, acceptance p₁…
    func planner(a: Double = 0.1, b: Double = 0.01, c: Double = 0.02, ranks: [Double] = [0.8, 0.1, 0.05],
                 runs: [Int] = [0, 1, 2, 3, 4, 5, 6, 7]) -> DraftShapePlanner {
        let rows = [1, 2, 4, 8, 16, 32, 65]
        return DraftShapePlanner(targetRows: rows, targetSeconds: rows.map { a + b * Double($0) },
                                 draftRows: rows, draftSeconds: rows.map { c * Double($0) },
                                 rankShares: ranks, runLengths: runs)
    }

    @Test func costCurvesInterpolateBetweenMeasuredPoints() {
        let p = planner()
        #expect(abs(p.target(3) - 0.13) < 1e-12)     // between 2 and 4
        #expect(abs(p.target(65) - 0.75) < 1e-12)    // a measured point
        #expect(abs(p.target(130) - 1.5) < 1e-12)    // beyond: per row
        #expect(abs(p.draft(1) - 0.02) < 1e-12)
    }

    @Test func chainExpectationFollowsTheMeasuredRuns() {
        let p = planner()
        // runs 0…7, k = 3: min(run, 3) averages (0+1+2+3·5)/8 = 18/8.
        let c = p.chain(3)
        #expect(abs(c.expectedTokens - (1 + 18.0 / 8)) < 1e-12)
        // cost: draft(2) + 2·draft(1) + target(4) = 0.04 + 0.04 + 0.14
        #expect(abs(c.cycleSeconds - 0.22) < 1e-12)
        #expect(abs(c.speedup - c.expectedTokens * 0.11 / 0.22) < 1e-12)
        #expect(c.isChain && c.label == "chain k=3")
    }

    @Test func treeExpectationIsTheProductOfRankShares() {
        let p = planner()
        let t = p.tree([2, 1])
        // depth 1 holds the target's token with p1 + p2 = 0.9, depth 2 with 0.9 · 0.8.
        #expect(abs(t.expectedTokens - (1 + 0.9 + 0.72)) < 1e-12)
        #expect(t.nodes == 4)
        // draft(2) for the root's children, draft(2) for the two first-level nodes; target over 5 rows.
        #expect(abs(t.cycleSeconds - (0.04 + 0.04 + 0.15)) < 1e-12)
        #expect(t.label == "tree 2x1")
    }

    @Test func expensiveVerificationShortensTheChoice() {
        // Runs 0…7: tokens per cycle saturate at k = 7. Cheap rows favour k = 6, dear rows k = 3.
        let cheap = planner(b: 0.001, c: 0.005).bestChain()
        let dear = planner(b: 0.05, c: 0.005).bestChain()
        #expect(cheap.branching.count == 6 && dear.branching.count == 3)
        #expect(cheap.speedup > dear.speedup)
    }

    @Test func rankedTreesAreSortedAndWithinTheNodeBudget() {
        let p = planner()
        let trees = p.rankedTrees(maxDepth: 4, maxWidth: 3, maxNodes: 20)
        #expect(!trees.isEmpty)
        #expect(zip(trees, trees.dropFirst()).allSatisfy { $0.speedup >= $1.speedup })
        #expect(trees.allSatisfy { $0.nodes <= 20 && $0.branching.count <= 4 && $0.branching.allSatisfy { (1...3).contains($0) } })
        // Every shape is there once: widths 1–3, depth ≤ 4, ≤ 20 nodes.
        #expect(Set(trees.map(\.branching)).count == trees.count)
        #expect(trees.contains { $0.branching == [3, 2, 2] } == false)   // 3 + 6 + 12 = 21 nodes
        #expect(trees.contains { $0.branching == [3, 2, 1] })
    }
}
