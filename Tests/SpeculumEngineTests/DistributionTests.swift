import Testing
import SpeculumEngine
#if canImport(Glibc)
import Glibc
#endif

/// Measures and rules on hand-computed cases.
@Suite struct DistributionTests {
    let p = Distribution(weights: [(0, 0.5), (1, 0.25), (2, 0.25)])
    let q = Distribution(weights: [(0, 0.25), (1, 0.25), (3, 0.5)])

    @Test func measures() {
        #expect(abs(p.entropy - (0.5 * log(2) + 0.5 * log(4))) < 1e-9)       // 1.0397 nats
        #expect(p.topProbability == 0.5)
        #expect(p.probabilityMargin == 0.25)
        #expect([0, 1, 2, 3].map { p.rank(of: $0) } == [1, 2, 3, nil])
        #expect(p.top(2).map(\.token) == [0, 1])
        #expect(p.argmax == 0)
        // TV = ½(|.5−.25| + 0 + .25 + .5) = 0.5; KL(p‖q) is infinite (p has mass on 2, q has none).
        #expect(abs(Distribution.totalVariation(p, q) - 0.5) < 1e-9)
        #expect(Distribution.kl(p, q) == .infinity)
        // KL(q‖r) with r uniform on {0, 1, 3}: Σ q log(3q) = .25 log .75 + .25 log .75 + .5 log 1.5.
        let r = Distribution(weights: [(0, 1), (1, 1), (3, 1)])
        #expect(abs(Distribution.kl(q, r) - (0.5 * log(0.75) + 0.5 * log(1.5))) < 1e-6)
        #expect(Distribution.kl(p, p) == 0)
    }

    @Test func logitMarginIgnoresTemperature() {
        let logits: [Float] = [1, 4, 2.5, -3]
        #expect(logits.withUnsafeBufferPointer { logitMargin($0) } == 1.5)
    }

    @Test func residualAndRemoval() {
        // max(0, p − q) = (.25, 0, .25, 0) → normalised (.5, 0, .5).
        let r = Distribution.residual(p, q)
        #expect(r.tokens == [0, 2] && r.probs == [0.5, 0.5])
        // p ≤ q everywhere: the residual falls back to p.
        #expect(Distribution.residual(p, p) == p)
        let removed = p.removing(0)
        #expect(removed.tokens == [1, 2] && removed.probs == [0.5, 0.5])
    }

    @Test func samplingWalksTheCumulativeSum() {
        let draws: [Float] = [0, 0.49, 0.5, 0.76, 0.9999]
        #expect(draws.map { p.sample($0) } == [0, 0, 1, 2, 2])
    }

    @Test func samplerChain() {
        let logits: [Float] = [2, 1, 0, -1, 5]
        logits.withUnsafeBufferPointer { l in
            #expect(Sampler.distribution(l, settings: SamplerSettings()) == Distribution(certain: 4))
            let soft = Sampler.distribution(l, settings: SamplerSettings(temperature: 1))
            let values: [Double] = [2, 1, 0, -1, 5]
            let z: Double = values.map { exp($0) }.reduce(0, +)
            #expect(abs(Double(soft.p(4)) - exp(5) / z) < 1e-6)
            #expect(Sampler.distribution(l, settings: SamplerSettings(temperature: 1, topK: 2)).tokens == [0, 4])
            // p(4) = .936: top-p 0.9 keeps it alone; min-p 0.1 drops everything below 0.0936 (keeps 4 and 0: p(0)/p(4) = e^-3 = .0498 → dropped).
            #expect(Sampler.distribution(l, settings: SamplerSettings(temperature: 1, topP: 0.9)).tokens == [4])
            #expect(Sampler.distribution(l, settings: SamplerSettings(temperature: 1, minP: 0.04)).tokens == [0, 4])
            // Repetition penalty 2 on token 4 (logit 5 → 2.5): greedy still picks it. Penalty 6 on 4 and 0
            // (5 → .83, 2 → .33): token 1 (logit 1) wins. Negative logits are multiplied: −1 × 6 = −6.
            #expect(Sampler.distribution(l, settings: SamplerSettings(repetitionPenalty: 2), history: [4]).tokens == [4])
            #expect(Sampler.distribution(l, settings: SamplerSettings(repetitionPenalty: 6), history: [4, 0]).tokens == [1])
            let penalised = Sampler.distribution(l, settings: SamplerSettings(temperature: 1, repetitionPenalty: 6), history: [3])
            let plain = Sampler.distribution(l, settings: SamplerSettings(temperature: 1))
            #expect(abs(Double(penalised.p(3) / penalised.p(2)) - exp(-6.0)) < 1e-4 && plain.p(3) > penalised.p(3))
        }
    }
}

/// The verifier on trees whose outcome can be computed by hand.
@Suite struct VerificationTests {
    /// A fixed sequence of uniform draws.
    final class Draws {
        var values: [Float]
        init(_ v: [Float]) { values = v }
        func next() -> Float { values.removeFirst() }
    }

    @Test func r1AcceptsWithProbabilityPOverQ() {
        let p = Distribution(weights: [(0, 0.2), (1, 0.8)])
        let q = Distribution(weights: [(0, 0.8), (1, 0.2)])
        var tree = DraftTree()
        tree.setProposal(.sampled(q: q), for: -1)
        tree.add(0, parent: -1, q: 0.8)
        // p/q = 0.25: u = 0.2 accepts, u = 0.3 rejects and the correction comes from norm(max(0, p − q)) = {1: 1}.
        let accepted = verify(tree, target: { _ in p }, uniform: Draws([0.2, 0.99]).next)
        #expect(accepted.acceptedPath == [0] && accepted.finalOrigin == .bonus && accepted.finalToken == 1)
        #expect(accepted.verdicts[0].ratio == 0.25 && accepted.verdicts[0].rule == .r1)
        let rejected = verify(tree, target: { _ in p }, uniform: Draws([0.3, 0.0]).next)
        #expect(rejected.acceptedPath.isEmpty && rejected.finalOrigin == .correction && rejected.finalToken == 1)
        #expect(rejected.residualTop.map(\.token) == [1])
        #expect(rejected.verdicts[0].status == .rejected)
    }

    @Test func r2TestsSiblingsAgainstTheShrunkenDraft() {
        // p = (.1, .3, .6), q = (.5, .4, .1); children 0 then 1 drawn without replacement.
        let p = Distribution(weights: [(0, 0.1), (1, 0.3), (2, 0.6)])
        let q = Distribution(weights: [(0, 0.5), (1, 0.4), (2, 0.1)])
        var tree = DraftTree()
        tree.setProposal(.sampled(q: q), for: -1)
        tree.add(0, parent: -1)
        tree.add(1, parent: -1)
        // First: p/q = .2, u = .5 rejects. p ← norm(max(0, p − q)) = (0, 0, .5)/.5 = {2: 1}; q ← (.4, .1)/.5 = {1: .8, 2: .2}.
        // Second: p(1) = 0 → rejected whatever u; the correction is 2.
        let r = verify(tree, target: { _ in p }, uniform: Draws([0.5, 0.0, 0.3]).next)
        #expect(r.verdicts[0].rule == .r2 && r.verdicts[1].rule == .r2)
        #expect(r.verdicts[1].p == 0 && abs(r.verdicts[1].qTested! - 0.8) < 1e-6)
        #expect(r.finalToken == 2 && r.finalOrigin == .correction)
    }

    @Test func r3FollowsTheMatchingChildAndGreedyIsItsLimit() {
        let p = Distribution(weights: [(5, 0.7), (6, 0.3)])
        var tree = DraftTree()
        tree.setProposal(.deterministic(q: nil), for: -1)
        tree.add(6, parent: -1)
        let a = tree.add(5, parent: -1)
        tree.setProposal(.deterministic(q: nil), for: a)
        tree.add(9, parent: a)
        // 6: u = .5 ≥ .3 rejects; p ← {5: 1}; 5 accepted for sure; then 9 has p = 0 under the greedy target below.
        let r = verify(tree, target: { v in v < 0 ? p : Distribution(certain: 4) }, uniform: Draws([0.5, 0.9, 0.1, 0.0]).next)
        #expect(r.acceptedPath == [1] && r.finalToken == 4 && r.finalOrigin == .correction)
        #expect(r.verdicts[0].status == .rejected && r.verdicts[1].status == .accepted && r.verdicts[2].status == .rejected)
    }

    @Test func nonCandidatesAreNeverWalked() {
        var tree = DraftTree()
        tree.add(3, parent: -1, isCandidate: false)
        let r = verify(tree, target: { _ in Distribution(certain: 3) }, uniform: Draws([0.0]).next)
        #expect(r.acceptedPath.isEmpty && r.finalToken == 3 && r.finalOrigin == .bonus && r.verdicts[0].status == .unvisited)
    }
}

@Suite struct StatisticsTests {
    @Test func definitions() {
        var s = DecodeStatistics()
        func trace(accepted: Int, final: TokenOrigin) -> CycleTrace {
            CycleTrace(cycle: 0, strategy: "t", position: 0, nodes: [], residualTop: [],
                       emitted: Array(repeating: .init(token: 1, origin: .accepted), count: accepted) + [.init(token: 2, origin: final)],
                       draftNs: 10, verifyNs: 20, rollbackNs: 1, batchSize: 5, truncated: false)
        }
        // Three cycles of 4-token chains: accepted 4 (+ bonus), 1 (+ correction), 0 (+ correction).
        s.record(trace(accepted: 4, final: .bonus), emittedCount: 5, draftCandidates: 4, overlaps: [0.9, 0.8], targetPass: true)
        s.record(trace(accepted: 1, final: .correction), emittedCount: 2, draftCandidates: 4, overlaps: [0.5], targetPass: true)
        s.record(trace(accepted: 0, final: .correction), emittedCount: 1, draftCandidates: 4, overlaps: [0.2], targetPass: true)
        #expect(s.acceptanceRate == 5.0 / 12)
        #expect(s.meanAcceptedLength == 8.0 / 3)
        let byDepth: [Double] = [2.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3]
        #expect(s.acceptanceByDepth == byDepth)
        #expect(s.lengthHistogram == [1, 1, 0, 0, 1])
        #expect(abs(s.alpha! - 0.6) < 1e-12)
        #expect(s.draftNs == 30 && s.verifyNs == 60 && s.rollbackNs == 3)
        // (1 − α^(k+1)) / (1 − α) for α = .5, k = 3: (1 − 1/16) / .5 = 1.875.
        #expect(DecodeStatistics.theoreticalMAT(alpha: 0.5, k: 3) == 1.875)
        #expect(DecodeStatistics.theoreticalMAT(alpha: 1, k: 3) == 4)
    }
}
