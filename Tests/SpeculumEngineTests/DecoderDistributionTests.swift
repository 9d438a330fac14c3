import Testing
import SpeculumEngine

/// The lossless claim, tested as a claim about distributions: over many seeded runs, the first
/// three tokens a strategy emits have the target's exact joint distribution.
@Suite struct DecoderDistributionTests {
    static let prompt: [TokenID] = [1, 2, 3]
    static let settings = SamplerSettings(temperature: 1)
    static let draftSettings = SamplerSettings(temperature: 1.3)
    static let runs = 20_000

    /// p(t1, t2, t3 | prompt) for all 512 triples, from the target alone.
    static let exact: [Double] = {
        let ctx = InferenceContext(model: TinyPair.target, capacity: 64)
        var joint = [Double](repeating: 0, count: 512)
        func dist(_ seq: [TokenID]) -> Distribution {
            ctx.truncate(to: 0)
            try! ctx.evaluate(seq, logitsFor: [seq.count - 1])
            return Sampler.distribution(ctx.logits(0), settings: settings)
        }
        let d1 = dist(prompt)
        for a in 0..<8 where d1.p(a) > 0 {
            let d2 = dist(prompt + [a])
            for b in 0..<8 where d2.p(b) > 0 {
                let d3 = dist(prompt + [a, b])
                for c in 0..<8 { joint[a * 64 + b * 8 + c] = Double(d1.p(a)) * Double(d2.p(b)) * Double(d3.p(c)) }
            }
        }
        return joint
    }()

    /// Counts of the first three emitted tokens over `runs` seeded generations.
    static func counts(_ drafter: any Drafter, mode: DraftMode = .sample, draftHeadRows: Int? = nil, headIncludesContext: Bool = false) throws -> [Int] {
        let decoder = try TinyPair.decoder(drafter, settings: settings, draftSettings: draftSettings, mode: mode, draftHeadRows: draftHeadRows,
                                           headIncludesContext: headIncludesContext)
        var counts = [Int](repeating: 0, count: 512)
        for run in 0..<runs {
            try decoder.start(prompt: prompt, seed: UInt64(run) &* 0x9E37_79B9 &+ 7)
            while decoder.output.count < 3 { _ = try decoder.step(budget: 3) }
            let o = Array(decoder.output)
            counts[o[0] * 64 + o[1] * 8 + o[2]] += 1
        }
        return counts
    }

    static func pValue(_ observed: [Int]) -> Double {
        let (stat, df) = chiSquare(observed: observed, expected: exact.map { $0 * Double(runs) })
        return chiSquareTail(stat, df: df)
    }

    @Test func theExactDistributionIsFarFromUniform() {
        // Otherwise the test could not tell a broken rule from a working one.
        #expect(Self.exact.max()! > 20 * Self.exact.reduce(0, +) / 512)
        #expect(abs(Self.exact.reduce(0, +) - 1) < 1e-4)
    }

    @Test(arguments: ["chain", "tree", "dyspec", "rsd-c", "rsd-s", "lookup", "recycling", "aded", "self", "lookahead", "switch"])
    func firstThreeTokensFollowTheTarget(strategy: String) throws {
        let p = Self.pValue(try Self.counts(try TinyPair.drafter(strategy)))
        print("chi-square, first three tokens, \(strategy) (sampled drafts): p = \(p)")
        #expect(p > 0.001, "strategy \(strategy): chi-square p = \(p)")
    }

    @Test(arguments: ["chain", "tree", "dyspec"])
    func argmaxDraftsFollowTheTargetToo(strategy: String) throws {
        let p = Self.pValue(try Self.counts(try TinyPair.drafter(strategy), mode: .argmax))
        print("chi-square, first three tokens, \(strategy) (argmax drafts): p = \(p)")
        #expect(p > 0.001, "strategy \(strategy) with argmax drafts: chi-square p = \(p)")
    }

    /// The draft's LM head over 5 of the 8 ids: q is renormalised over them, and verification stays exact.
    @Test(arguments: ["chain", "tree"])
    func aVocabularySubsetDraftHeadStaysLossless(strategy: String) throws {
        let p = Self.pValue(try Self.counts(try TinyPair.drafter(strategy), draftHeadRows: 5))
        print("chi-square, first three tokens, \(strategy) with a 5-of-8 draft head: p = \(p)")
        #expect(p > 0.001, "strategy \(strategy), draft head 5 of 8: chi-square p = \(p)")
    }

    /// The draft's head over its first 3 ids and the ids in its context: q covers {0…3} after the
    /// prompt [1, 2, 3] and grows as the output brings other ids in (and shrinks again for the next
    /// run); whatever its support at each step, verification stays exact.
    @Test(arguments: ["chain", "tree"])
    func aDraftHeadOverLeadingAndContextIdsStaysLossless(strategy: String) throws {
        let p = Self.pValue(try Self.counts(try TinyPair.drafter(strategy), draftHeadRows: 3, headIncludesContext: true))
        print("chi-square, first three tokens, \(strategy) with a 3-of-8 draft head plus context ids: p = \(p)")
        #expect(p > 0.001, "strategy \(strategy), draft head 3 of 8 plus context ids: chi-square p = \(p)")
    }

    @Test func aBrokenRuleIsCaught() throws {
        // The cascade that never defers accepts every draft token: the draft's distribution, not the target's.
        let p = Self.pValue(try Self.counts(CascadeDrafter(rule: .never)))
        print("chi-square, first three tokens, cascade rule=never (broken on purpose): p = \(p)")
        #expect(p < 1e-6, "accepting every draft should be detected; p = \(p)")
        // Its lossless end is exact speculative sampling and passes.
        let exactEnd = Self.pValue(try Self.counts(CascadeDrafter(rule: .always)))
        #expect(exactEnd > 0.001, "cascade always-defer: p = \(exactEnd)")
    }
}
