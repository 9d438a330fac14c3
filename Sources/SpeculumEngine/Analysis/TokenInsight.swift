/// How sure the model was about one emitted token, and how the draft saw it.
public struct TokenInsight: Sendable, Equatable, Codable {
    public struct Alternative: Sendable, Equatable, Codable {
        public var token: TokenID
        public var p: Float
        public init(token: TokenID, p: Float) {
            self.token = token
            self.p = p
        }
    }
    /// Under the target's own distribution (softmax of its logits at temperature 1):
    public var entropy: Double
    public var topProbability: Float
    public var probabilityMargin: Float
    public var logitMargin: Float
    /// 1-based rank of the emitted token and its surprisal −log p (nats).
    public var rank: Int?
    public var surprisal: Double
    public var top: [Alternative]
    /// Under the draft's distribution at the same position, when a draft model proposed there.
    public var draftTop: [Alternative]?
    public var kl: Double?
    public var totalVariation: Double?
    /// log p_target(token) − log p_draft(token): the critical-token score.
    public var criticalScore: Double?

    /// From the target's raw logits at the position that produced `token`, and the draft's processed
    /// distribution there if any.
    public init(logits: UnsafeBufferPointer<Float>, token: TokenID, draft: Distribution?, topK: Int = 8) {
        let p = Sampler.distribution(logits, settings: SamplerSettings(temperature: 1))
        entropy = p.entropy
        topProbability = p.topProbability
        probabilityMargin = p.probabilityMargin
        logitMargin = SpeculumEngine.logitMargin(logits)
        rank = p.rank(of: token)
        let pt = Double(p.p(token))
        surprisal = pt > 0 ? -log(pt) : .infinity
        top = p.top(topK).map { Alternative(token: $0.token, p: $0.p) }
        if let q = draft {
            draftTop = q.top(topK).map { Alternative(token: $0.token, p: $0.p) }
            // A greedy draft's q is a point mass: divergences against it say nothing, so they are left out.
            if q.tokens.count > 1 {
                kl = Distribution.kl(p, q)
                totalVariation = Distribution.totalVariation(p, q)
            }
            let qt = Double(q.p(token))
            criticalScore = pt > 0 && qt > 0 ? log(pt) - log(qt) : nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
