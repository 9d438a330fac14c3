/// Chooses a draft length and a tree shape for this machine from measured costs and measured acceptance
/// (Sequoia's idea: the best tree depends on how fast verification grows with its size here).
///
/// The model, at temperature 0 (greedy drafts, greedy verification):
/// - a chain of k drafts accepts min(k, run) tokens, where `run` is how many draft top-1 guesses in a
///   row match the target from that position on, and always adds the target's own next token;
///   it costs one draft step over 2 rows (catching up) plus k − 1 single-row steps, and one target
///   pass over k + 1 rows;
/// - a tree with b₁ × b₂ × … children per depth holds the target's token at depth d with probability
///   Π_{j≤d} S(b_j), where S(b) = p₁ + … + p_b and p_r is the share of positions where the target's
///   token is the draft's r-th choice (ranks taken as independent across depths, as Sequoia does);
///   level d costs one draft pass over the L_{d−1} nodes above it, verification one target pass over
///   all nodes + 1.
/// Speedup = expected tokens per cycle × T(1) ÷ cost of a cycle.
public struct DraftShapePlanner: Sendable {
    /// Seconds for one target forward over n rows, all rows' logits returned, at `rows[i]`.
    public var targetRows: [Int]
    public var targetSeconds: [Double]
    /// Seconds for one draft forward over n rows.
    public var draftRows: [Int]
    public var draftSeconds: [Double]
    /// p_r, r = 1…: share of positions where the target's next token is the draft's r-th most likely.
    public var rankShares: [Double]
    /// For each measured position: how many consecutive draft top-1 guesses match from there on.
    public var runLengths: [Int]

    public init(targetRows: [Int], targetSeconds: [Double], draftRows: [Int], draftSeconds: [Double],
                rankShares: [Double], runLengths: [Int]) {
        self.targetRows = targetRows
        self.targetSeconds = targetSeconds
        self.draftRows = draftRows
        self.draftSeconds = draftSeconds
        self.rankShares = rankShares
        self.runLengths = runLengths
    }

    public struct Plan: Sendable, Equatable {
        public var branching: [Int]        // children per depth; all 1 for a chain
        public var nodes: Int
        public var expectedTokens: Double  // per cycle, the target's own token included
        public var cycleSeconds: Double
        public var speedup: Double          // over one target step per token
        public var isChain: Bool { branching.allSatisfy { $0 == 1 } }
        public var label: String { isChain ? "chain k=\(branching.count)" : "tree \(branching.map(String.init).joined(separator: "x"))" }
    }

    /// Linear interpolation in a measured cost curve (flat extrapolation per row beyond the last point).
    static func seconds(_ n: Int, rows: [Int], seconds: [Double]) -> Double {
        guard let last = rows.indices.last else { return 0 }
        if let i = rows.firstIndex(of: n) { return seconds[i] }
        if n < rows[0] { return seconds[0] }
        for i in 1..<rows.count where n < rows[i] {
            let f = Double(n - rows[i - 1]) / Double(rows[i] - rows[i - 1])
            return seconds[i - 1] + f * (seconds[i] - seconds[i - 1])
        }
        return seconds[last] * Double(n) / Double(rows[last])
    }

    public func target(_ n: Int) -> Double { Self.seconds(n, rows: targetRows, seconds: targetSeconds) }
    public func draft(_ n: Int) -> Double { Self.seconds(n, rows: draftRows, seconds: draftSeconds) }

    /// The greedy chain of k drafts, from the measured runs of matches.
    public func chain(_ k: Int) -> Plan {
        let accepted = runLengths.isEmpty ? 0 : Double(runLengths.reduce(0) { $0 + min($1, k) }) / Double(runLengths.count)
        let cost = draft(2) + Double(k - 1) * draft(1) + target(k + 1)
        return Plan(branching: Array(repeating: 1, count: k), nodes: k, expectedTokens: 1 + accepted,
                    cycleSeconds: cost, speedup: (1 + accepted) * target(1) / cost)
    }

    /// A tree with `branching[d]` children under every node at depth d.
    public func tree(_ branching: [Int]) -> Plan {
        var level = 1, nodes = 0, reach = 1.0, expected = 1.0
        var cost = 0.0
        for (d, b) in branching.enumerated() {
            cost += draft(d == 0 ? 2 : level)   // the pass that gives the distributions under this level's parents
            level *= b
            nodes += level
            reach *= rankShares.prefix(b).reduce(0, +)
            expected += reach
        }
        cost += target(nodes + 1)
        return Plan(branching: branching, nodes: nodes, expectedTokens: expected, cycleSeconds: cost,
                    speedup: expected * target(1) / cost)
    }

    /// The best chain with k in 1…maxK.
    public func bestChain(maxK: Int = 12) -> Plan {
        (1...max(1, maxK)).map(chain).max { $0.speedup < $1.speedup }!
    }

    /// Every per-depth branching with widths 1…maxWidth, depth 1…maxDepth and at most maxNodes
    /// nodes, best first (chains included, valued with the tree model).
    public func rankedTrees(maxDepth: Int = 6, maxWidth: Int = 4, maxNodes: Int = 64) -> [Plan] {
        var plans: [Plan] = []
        func grow(_ prefix: [Int], level: Int, nodes: Int) {
            if !prefix.isEmpty { plans.append(tree(prefix)) }
            guard prefix.count < maxDepth else { return }
            for b in 1...maxWidth where nodes + level * b <= maxNodes {
                grow(prefix + [b], level: level * b, nodes: nodes + level * b)
            }
        }
        grow([], level: 1, nodes: 0)
        return plans.sorted { $0.speedup > $1.speedup }
    }
}
