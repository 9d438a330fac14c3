/// Token-level speculative cascade (Narasimhan et al.) — LOSSY by design. The draft proposes a
/// sampled chain; at each position a deferral rule decides whether verification tests against the
/// target's p (defer: exact speculative sampling) or the draft's own q (accept the draft).
/// π = δ·p + (1 − δ)·q, then ordinary R1 against π.
public final class CascadeDrafter: Drafter {
    public enum Rule: String, CaseIterable, Sendable {
        /// Defer when max q < 1 − α.
        case chow
        /// Defer when max q < max p − α.
        case diff
        /// Defer when max q < max p − α·TV(p, q).
        case opt
        /// Always defer: exact speculative sampling (the lossless end).
        case always
        /// Never defer: the draft's own output (the most lossy end).
        case never
    }
    public var rule: Rule
    public var alpha: Float
    public var k: Int
    private var deferrals: [Int: Bool] = [:]

    public init(rule: Rule = .chow, alpha: Float = 0.3, k: Int = 4) {
        self.rule = rule
        self.alpha = alpha
        self.k = k
    }
    public var name: String { "cascade" }
    public var isLossless: Bool { rule == .always }
    public var needsDraftModel: Bool { true }
    public var summary: String {
        switch rule {
        case .always: return "cascade: rule=always (exact speculative sampling) k=\(k)"
        case .never: return "cascade, LOSSY: rule=never (the draft alone) k=\(k)"
        default: return "cascade, LOSSY: rule=\(rule.rawValue) alpha=\(alpha) k=\(k)"
        }
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        deferrals = [:]
        return try ModelDrafting.chain(env.draft!, env, k: k, pMin: 0, mode: .sample)
    }

    public func verificationTarget(p: Distribution, q: Distribution?, node: Int) -> Distribution {
        guard let q else { return p }
        let defer_: Bool
        switch rule {
        case .chow: defer_ = q.topProbability < 1 - alpha
        case .diff: defer_ = q.topProbability < p.topProbability - alpha
        case .opt: defer_ = Double(q.topProbability) < Double(p.topProbability) - Double(alpha) * Distribution.totalVariation(p, q)
        case .always: defer_ = true
        case .never: defer_ = false
        }
        deferrals[node] = defer_
        return defer_ ? p : q
    }

    public func deferred(at node: Int) -> Bool? { deferrals[node] }
}
