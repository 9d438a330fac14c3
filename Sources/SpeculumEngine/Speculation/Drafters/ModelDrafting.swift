/// Drafting helpers shared by the strategies that run a model (the draft model, or the target's
/// first blocks): chains one token at a time, trees level by level.
enum ModelDrafting {
    /// A chain of up to `k` tokens, one forward per token. Stops early when the draft's top-1
    /// probability is below `pMin` (0 never stops). Sampled tokens are verified with R1, argmax with R3.
    static func chain(_ model: ModelState, _ env: DraftEnvironment, k: Int, pMin: Float, mode: DraftMode) throws -> DraftTree {
        try model.sync(to: env.committed, logitsForLast: true)
        var tree = DraftTree()
        var path: [TokenID] = []
        var parent = -1
        for i in 0..<min(k, env.remainingBudget) {
            let q = env.draftDistribution(model.context.logits(0), path: path)
            if pMin > 0 && q.topProbability < pMin { break }
            let x = mode == .sample ? q.sample(env.rng.uniform()) : q.argmax
            tree.setProposal(mode == .sample ? .sampled(q: q) : .deterministic(q: q), for: parent)
            parent = tree.add(x, parent: parent, q: q.p(x))
            path.append(x)
            if i + 1 < k { try model.append([x], logitsFor: [0]) }
        }
        return tree
    }

    /// The draft distribution at the root (after syncing the model to the committed tokens).
    static func rootDistribution(_ model: ModelState, _ env: DraftEnvironment) throws -> Distribution {
        try model.sync(to: env.committed, logitsForLast: true)
        return env.draftDistribution(model.context.logits(0), path: [])
    }

    /// Evaluates the nodes added to the tree since the last call (`evaluated` counts the nodes already
    /// in the model's cache as speculative rows after the committed tokens; 0 at the start of a
    /// cycle) and returns the draft distribution at each node of `wanted`. Upper levels are never
    /// evaluated again: the new rows extend the tree in the cache. The speculative rows stay until the
    /// next sync or roll-back.
    static func distributions(_ model: ModelState, _ env: DraftEnvironment, tree: DraftTree, at wanted: [Int],
                              evaluated: inout Int) throws -> [Int: Distribution] {
        guard !wanted.isEmpty else { return [:] }
        if evaluated == 0 { model.truncate(to: env.committed.count) }
        let fresh = tree.nodes[evaluated...]
        try model.evaluateTree(fresh.map(\.token), parents: fresh.map(\.parent), extending: evaluated > 0,
                               logitsFor: wanted.map { $0 - evaluated })
        var result: [Int: Distribution] = [:]
        for (k, node) in wanted.enumerated() {
            result[node] = env.draftDistribution(model.context.logits(k), path: tree.path(to: node))
        }
        evaluated = tree.count
        return result
    }

    /// `m` distinct children of a node: drawn without replacement from q (in draw order), or q's
    /// top m. Never more than q's support.
    static func children(of q: Distribution, count m: Int, mode: DraftMode, rng: inout SeededGenerator) -> [TokenID] {
        let m = min(m, q.tokens.count)
        if mode == .argmax { return q.top(m).map(\.token) }
        var rest = q
        var picked: [TokenID] = []
        for _ in 0..<m {
            let x = rest.sample(rng.uniform())
            picked.append(x)
            rest = rest.removing(x)
        }
        return picked
    }

    /// A tree with `branching[d]` children per node at depth d, built level by level.
    static func staticTree(_ model: ModelState, _ env: DraftEnvironment, branching: [Int], mode: DraftMode) throws -> DraftTree {
        var tree = DraftTree()
        var frontier: [Int: Distribution] = [-1: try rootDistribution(model, env)]
        var evaluated = 0
        for (level, width) in branching.enumerated() {
            var added: [Int] = []
            for parent in frontier.keys.sorted() {
                let q = frontier[parent]!
                let kids = children(of: q, count: width, mode: mode, rng: &env.rng)
                tree.setProposal(mode == .sample ? .sampled(q: q) : .deterministic(q: q), for: parent)
                for x in kids { added.append(tree.add(x, parent: parent, q: q.p(x))) }
            }
            if level + 1 == branching.count || tree.maxDepth >= env.remainingBudget { break }
            frontier = try distributions(model, env, tree: tree, at: added, evaluated: &evaluated)
        }
        return tree
    }
}
