/// Plain decoding: no draft, one target forward per token. The baseline every speedup is measured against.
public final class AutoregressiveDrafter: Drafter {
    public init() {}
    public var name: String { "ar" }
    public var summary: String { "autoregressive: one target forward per token" }
    public func propose(_ env: DraftEnvironment) throws -> DraftTree { DraftTree() }
}

/// Draft-model speculative sampling (Leviathan et al.; Chen et al.): a chain of k draft tokens.
public final class DraftChainDrafter: Drafter {
    public var k: Int
    public let maxK: Int
    /// Stop drafting when the draft's top-1 probability falls below this (0 = never).
    public var pMin: Float
    /// The heuristic schedule: k + 2 after a fully accepted chain, k − 1 otherwise.
    public var adaptive: Bool

    public init(k: Int = 4, pMin: Float = 0, adaptive: Bool = false, maxK: Int = 16) {
        self.k = k
        self.pMin = pMin
        self.adaptive = adaptive
        self.maxK = max(maxK, k)
    }
    public var name: String { "chain" }
    public var needsDraftModel: Bool { true }
    public var summary: String {
        "draft-model chain: k=\(k) p_min=\(pMin) adaptive=\(adaptive ? "on (max \(maxK))" : "off")"
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        try ModelDrafting.chain(env.draft!, env, k: k, pMin: pMin, mode: env.draftMode)
    }

    public func observe(_ o: CycleObservation, _ env: DraftEnvironment) {
        guard adaptive, o.tree.count > 0 else { return }
        k = o.result.acceptedPath.count == o.tree.count ? min(maxK, k + 2) : max(1, k - 1)
    }
}

/// Self-speculation: the target's first L blocks, then its final norm and LM head, draft a chain.
/// Shares the target's weights and its KV cache: the first L blocks' rows of the committed tokens are
/// exactly what a separate L-block cache would hold (same arithmetic, same positions), so the draft
/// runs on the target's own context after its committed prefix, and the speculative rows it leaves
/// are cut off before verification overwrites those slots. Nothing is prefilled twice.
public final class SelfSpeculativeDrafter: Drafter {
    public var layers: Int
    public var k: Int

    public init(layers: Int, k: Int = 4) {
        self.layers = layers
        self.k = k
    }
    public var name: String { "self" }
    public var summary: String { "self-speculation: layers=\(layers) k=\(k)" }

    public func begin(_ env: DraftEnvironment) throws {
        let blocks = env.targetModel.config.blocks
        guard layers >= 1, layers < blocks else {
            throw DecoderError.invalidOption("layers=\(layers) is out of range for self-speculation (allowed: 1 to \(blocks - 1) of the target's \(blocks) blocks)")
        }
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        try begin(env)
        let target = env.target
        let held = target.tokens.count   // committed.count − 1: the root is not in the cache yet
        target.blockLimit = layers
        defer {
            target.truncate(to: held)
            target.blockLimit = nil
        }
        return try ModelDrafting.chain(target, env, k: k, pMin: 0, mode: env.draftMode)
    }
}

/// Prompt lookup (Saxena): find the last n tokens (n from 3 down to 1) earlier in prompt + output
/// and propose the k tokens that followed the most recent match. No model work at all.
public final class PromptLookupDrafter: Drafter {
    public var k: Int
    public var maxN: Int
    public var minN: Int

    public init(k: Int = 6, maxN: Int = 3, minN: Int = 1) {
        self.k = k
        self.maxN = maxN
        self.minN = minN
    }
    public var name: String { "lookup" }
    public var summary: String { "prompt lookup: k=\(k) n=\(maxN)…\(minN)" }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        var tree = DraftTree()
        let s = env.committed
        let k = min(self.k, env.remainingBudget)
        for n in stride(from: maxN, through: minN, by: -1) where s.count > n {
            let suffix = s[(s.count - n)...]
            var i = s.count - n - 1
            while i >= 0 {
                if s[i..<(i + n)].elementsEqual(suffix) {
                    let continuation = s[(i + n)..<min(s.count, i + n + k)]
                    var parent = -1
                    for x in continuation {
                        tree.setProposal(.deterministic(q: nil), for: parent)
                        parent = tree.add(x, parent: parent)
                    }
                    return tree
                }
                i -= 1
            }
        }
        return tree
    }
}
