/// Token Recycling (Luo et al.): every target forward's top-8 candidates at every row are kept in a
/// vocabulary × 8 adjacency table — "recycled" from rows that were rejected too — and the next draft
/// is read from the table along a fixed breadth-first template. No draft model. The table persists
/// across prompts; `reset()` forgets it.
public final class TokenRecyclingDrafter: Drafter {
    public static let width = 8
    /// The template, ordered by usefulness: each path lists candidate ranks from the root, so
    /// [0, 1] is the root's best successor's second-best successor. Paths use only ranks 0–3 to fit a
    /// 2-core budget; `nodes` takes a prefix.
    public static let template: [[Int]] = [
        [0], [1], [0, 0], [2], [0, 1], [1, 0], [0, 0, 0], [3], [0, 0, 1], [0, 1, 0], [0, 0, 0, 0], [1, 1],
        [2, 0], [1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 2], [0, 1, 1], [1, 0, 0, 0],
        [0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0], [3, 0], [2, 1], [0, 0, 2], [1, 2], [0, 3], [2, 0, 0], [0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0], [1, 1, 0], [0, 0, 0, 1, 0],
    ]
    public var nodes: Int
    /// (vocabulary, 8): row t holds the target's top-8 next tokens after t, −1 where unknown.
    private var table: [Int32] = []
    public private(set) var rowsLearned = 0

    public init(nodes: Int = 12) { self.nodes = nodes }
    public var name: String { "recycling" }
    public var summary: String { "Token Recycling: nodes=\(nodes); table of \(rowsLearned) rows" }

    public func reset() {
        table = []
        rowsLearned = 0
    }

    public func begin(_ env: DraftEnvironment) throws {
        let v = env.targetModel.config.vocabulary
        if table.count != v * Self.width {
            table = [Int32](repeating: -1, count: v * Self.width)
            rowsLearned = 0
        }
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        var tree = DraftTree()
        var index: [[Int]: Int] = [[]: -1]   // template path → node (the root is −1)
        let root = env.committed[env.committed.count - 1]
        for path in Self.template.prefix(nodes) where path.count <= env.remainingBudget {
            guard let parent = index[Array(path.dropLast())] else { continue }
            let from = parent < 0 ? root : tree.nodes[parent].token
            let next = table[from * Self.width + path[path.count - 1]]
            guard next >= 0, !tree.candidates(of: parent).contains(where: { tree.nodes[$0].token == Int(next) }) else { continue }
            tree.setProposal(.deterministic(q: nil), for: parent)
            index[path] = tree.add(Int(next), parent: parent)
        }
        return tree
    }

    /// Every row of the verify batch teaches the table: accepted or not (write after read).
    public func observe(_ o: CycleObservation, _ env: DraftEnvironment) {
        let tokens = [env.committed[env.committed.count - 1]] + o.tree.nodes.map(\.token)
        for (row, t) in tokens.enumerated() {
            let logits = o.targetLogits(row)
            if table[t * Self.width] < 0 { rowsLearned += 1 }
            for (k, x) in topIndices(logits, Self.width).enumerated() { table[t * Self.width + k] = Int32(x) }
        }
    }
}

/// Indices of the k largest values, largest first (ties by lower index).
func topIndices(_ values: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
    var best: [(Int, Float)] = []
    best.reserveCapacity(k + 1)
    for i in 0..<values.count {
        let v = values[i]
        if best.count == k && v <= best[k - 1].1 { continue }
        var at = best.count
        while at > 0 && best[at - 1].1 < v { at -= 1 }
        best.insert((i, v), at: at)
        if best.count > k { best.removeLast() }
    }
    return best.map(\.0)
}
