/// Lookahead decoding (Fu et al.), sized for 2 cores. Each cycle's target forward carries two
/// branches in one tree:
/// - verification: up to G pooled n-grams that start with the root token, merged into a trie (R3);
/// - lookahead: a Jacobi window of W columns × (N − 1) levels, evaluated but never verified. Level 0
///   is a chain from the root; the token at (level l, column i) hangs below (l − 1, i), so it sits at
///   position root + i + l + 1 and sees its own trajectory. The target's argmax at the top level
///   gives the next level, and each column yields an N-gram for the pool.
public final class LookaheadDrafter: Drafter {
    public var window: Int
    public var ngram: Int
    public var guesses: Int
    private var levels: [[TokenID]] = []
    private var pool: [TokenID: [[TokenID]]] = [:]
    private var levelNodes: [[Int]] = []

    public init(window: Int = 4, ngram: Int = 3, guesses: Int = 3) {
        self.window = window
        self.ngram = max(2, ngram)
        self.guesses = guesses
    }
    public var name: String { "lookahead" }
    public var summary: String { "lookahead: window=\(window) n=\(ngram) guesses=\(guesses); pool of \(pool.count) keys" }

    public func begin(_ env: DraftEnvironment) throws {
        // The first level: tokens taken from the prompt (random positions, reproducible).
        let prompt = env.committed
        levels = [(0..<window).map { _ in prompt[Int(env.rng.next() % UInt64(prompt.count))] }]
        // Seed the pool with the prompt's own n-grams.
        if prompt.count >= ngram {
            for i in 0...(prompt.count - ngram) { remember(Array(prompt[i..<(i + ngram)])) }
        }
    }

    private func remember(_ gram: [TokenID]) {
        var list = pool[gram[0], default: []]
        let tail = Array(gram.dropFirst())
        list.removeAll { $0 == tail }
        list.append(tail)                         // most recent last; the oldest is evicted
        if list.count > max(1, guesses) * 2 { list.removeFirst() }
        pool[gram[0]] = list
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        if levels.isEmpty { try begin(env) }
        var tree = DraftTree()
        let root = env.committed[env.committed.count - 1]
        // Verification branch: the most recent n-grams for the root, as a trie.
        for gram in (pool[root] ?? []).suffix(guesses).reversed() {
            var parent = -1
            for x in gram.prefix(env.remainingBudget) {
                if let existing = tree.candidates(of: parent).first(where: { tree.nodes[$0].token == x }) {
                    parent = existing
                } else {
                    tree.setProposal(.deterministic(q: nil), for: parent)
                    parent = tree.add(x, parent: parent)
                }
            }
        }
        // Lookahead branch.
        levelNodes = []
        for (l, level) in levels.enumerated() {
            var row: [Int] = []
            for (i, x) in level.enumerated() {
                let parent = l == 0 ? (i == 0 ? -1 : row[i - 1]) : levelNodes[l - 1][i]
                row.append(tree.add(x, parent: parent, isCandidate: false))
            }
            levelNodes.append(row)
        }
        return tree
    }

    public func observe(_ o: CycleObservation, _ env: DraftEnvironment) {
        guard let top = levelNodes.last else { return }
        // Near the end of the context the decoder verifies only a prefix of the tree: the lookahead
        // rows it cut have no logits, so the window starts over.
        guard top.allSatisfy({ $0 < o.tree.count }) else {
            levels = []
            levelNodes = []
            return
        }
        let fresh = top.map { Sampler.argmax(o.targetLogits($0 + 1)) }
        if levels.count == ngram - 1 {
            for i in 0..<window { remember(levels.map { $0[i] } + [fresh[i]]) }
            levels.removeFirst()
        }
        levels.append(fresh)
        // Accepted text is the best source of n-grams too.
        let s = env.committed + o.emitted
        if s.count >= ngram { remember(Array(s.suffix(ngram))) }
    }
}
