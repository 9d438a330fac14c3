#if canImport(Glibc)
import Glibc
#endif

/// A static token tree from the draft model (SpecInfer-style): `branching[d]` children per node at
/// depth d — q's top ones in argmax mode (R3), drawn without replacement in sample mode (R2).
public final class StaticTreeDrafter: Drafter {
    public var branching: [Int]
    public init(branching: [Int] = [3, 2, 1, 1]) { self.branching = branching }
    public var name: String { "tree" }
    public var needsDraftModel: Bool { true }
    public var summary: String { "static tree: branching=\(branching.map(String.init).joined(separator: "x"))" }
    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        try ModelDrafting.staticTree(env.draft!, env, branching: branching, mode: env.draftMode)
    }
}

/// RSD-C (Jeon et al.): constant branching, children drawn without replacement (the Gumbel-top-k
/// trick, done here as sequential draws with removal, which is the same distribution), verified
/// with recursive rejection sampling (R2). Always samples, whatever the draft mode.
public final class RSDConstantDrafter: Drafter {
    public var branching: [Int]
    public init(branching: [Int] = [2, 2, 1]) { self.branching = branching }
    public var name: String { "rsd-c" }
    public var needsDraftModel: Bool { true }
    public var summary: String { "RSD-C: branching=\(branching.map(String.init).joined(separator: "x")) (without replacement)" }
    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        try ModelDrafting.staticTree(env.draft!, env, branching: branching, mode: .sample)
    }
}

/// DySpec (Xiong et al.): grow the tree one node at a time where the path product of draft
/// probabilities — the estimate that a node is reached and accepted — is highest, under a node
/// budget. Children are drawn without replacement (R2). Expansions are batched `round` at a time,
/// so the draft model runs once per round rather than once per node.
public final class DySpecDrafter: Drafter {
    public var budget: Int
    public var round: Int
    public init(budget: Int = 10, round: Int = 3) {
        self.budget = budget
        self.round = round
    }
    public var name: String { "dyspec" }
    public var needsDraftModel: Bool { true }
    public var summary: String { "DySpec: budget=\(budget) round=\(round)" }

    private struct Slot {
        var q: Distribution        // the node's draft distribution, as proposed (for R2)
        var rest: Distribution     // what remains to draw from
        var value: Double          // V(node): product of q along the path
        var massLeft: Double       // 1 − Σ q(children drawn so far)
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        let model = env.draft!
        var tree = DraftTree()
        let rootQ = try ModelDrafting.rootDistribution(model, env)
        var slots: [Int: Slot] = [-1: Slot(q: rootQ, rest: rootQ, value: 1, massLeft: 1)]
        let sampled = env.draftMode == .sample
        let budget = min(self.budget, 64)
        var evaluated = 0
        while tree.count < budget {
            var added: [Int] = []
            for _ in 0..<max(1, round) where tree.count < budget {
                // The slot whose next child has the highest expected value V(u) × mass left.
                func priority(_ s: Slot) -> Double { s.value * s.massLeft }
                let open = slots.filter { !$0.value.rest.isEmpty && $0.value.massLeft > 1e-9 }
                guard let (u, slot) = open.max(by: {
                    priority($0.value) != priority($1.value) ? priority($0.value) < priority($1.value) : $0.key > $1.key
                }) else { break }
                let x = sampled ? slot.rest.sample(env.rng.uniform()) : slot.rest.argmax
                let qx = slot.q.p(x)
                tree.setProposal(sampled ? .sampled(q: slot.q) : .deterministic(q: slot.q), for: u)
                let c = tree.add(x, parent: u, q: qx)
                slots[u]!.rest = slot.rest.removing(x)
                slots[u]!.massLeft -= Double(qx)
                if tree.nodes[c].depth < env.remainingBudget { added.append(c) }
                slots[c] = Slot(q: Distribution(certain: 0), rest: Distribution(sortedTokens: [], probs: []), value: slot.value * Double(qx), massLeft: 0)
            }
            if added.isEmpty || tree.count >= budget { break }
            for (node, q) in try ModelDrafting.distributions(model, env, tree: tree, at: added, evaluated: &evaluated) {
                slots[node] = Slot(q: q, rest: q, value: slots[node]!.value, massLeft: 1)
            }
        }
        return tree
    }
}

/// RSD-S (Jeon et al.): stochastic beam search (Kool et al.) keeps the W partial sequences with the
/// largest Gumbel-perturbed log-probabilities per level; each node's surviving children are a
/// prefix of a without-replacement order, so recursive rejection sampling (R2) applies.
public final class RSDBeamDrafter: Drafter {
    public var width: Int
    public var depth: Int
    public init(width: Int = 3, depth: Int = 3) {
        self.width = width
        self.depth = depth
    }
    public var name: String { "rsd-s" }
    public var needsDraftModel: Bool { true }
    public var summary: String { "RSD-S: width=\(width) depth=\(depth)" }

    private struct Beam { var node: Int; var phi: Double; var g: Double; var q: Distribution }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        let model = env.draft!
        var tree = DraftTree()
        var beams = [Beam(node: -1, phi: 0, g: 0, q: try ModelDrafting.rootDistribution(model, env))]
        var evaluated = 0
        for level in 0..<min(depth, env.remainingBudget) {
            // Every candidate child of every beam, with its truncated Gumbel score.
            var candidates: [(beam: Int, token: TokenID, phi: Double, g: Double)] = []
            for (b, beam) in beams.enumerated() {
                var scored: [(TokenID, Double, Double)] = []
                scored.reserveCapacity(beam.q.tokens.count)
                var z = -Double.infinity
                for (i, x) in beam.q.tokens.enumerated() {
                    let phi = beam.phi + log(Double(beam.q.probs[i]))
                    let g = phi + gumbel(&env.rng)
                    z = max(z, g)
                    scored.append((x, phi, g))
                }
                // Condition the children's maximum on the parent's score: g̃ = −log(e^−T − e^−Z + e^−g).
                for (x, phi, g) in scored {
                    candidates.append((b, x, phi, truncatedGumbel(g, max: z, bound: beam.g)))
                }
            }
            candidates.sort { $0.g != $1.g ? $0.g > $1.g : $0.token < $1.token }
            let chosen = candidates.prefix(width)
            var next: [Beam] = []
            for b in beams.indices {
                let mine = chosen.filter { $0.beam == b }   // already in decreasing-score order
                guard !mine.isEmpty else { continue }
                tree.setProposal(.sampled(q: beams[b].q), for: beams[b].node)
                for c in mine {
                    let node = tree.add(c.token, parent: beams[b].node, q: beams[b].q.p(c.token))
                    next.append(Beam(node: node, phi: c.phi, g: c.g, q: beams[b].q))
                }
            }
            if level + 1 == min(depth, env.remainingBudget) { break }
            let qs = try ModelDrafting.distributions(model, env, tree: tree, at: next.map(\.node), evaluated: &evaluated)
            beams = next.map { Beam(node: $0.node, phi: $0.phi, g: $0.g, q: qs[$0.node]!) }
        }
        return tree
    }

    private func gumbel(_ rng: inout SeededGenerator) -> Double {
        // u in (0, 1): clamp away from 0 so −log(−log u) stays finite.
        let u = max(Double(rng.next() >> 11) * 0x1p-53, 1e-300)
        return -log(-log(u))
    }

    /// Kool et al.'s numerically stable form of −log(e^−bound − e^−z + e^−g).
    private func truncatedGumbel(_ g: Double, max z: Double, bound t: Double) -> Double {
        let v = t - g + log1p(-exp(g - z))
        return t - Swift.max(0, v) - log1p(exp(-abs(v)))
    }
}
