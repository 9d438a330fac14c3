#if canImport(Glibc)
import Glibc
#endif

/// A probability distribution over token ids, kept sparse: only tokens with p > 0, in ascending id
/// order. Greedy settings give one token with p = 1; a full softmax keeps the whole vocabulary.
public struct Distribution: Sendable, Equatable {
    /// Ascending token ids with nonzero probability.
    public private(set) var tokens: [TokenID]
    /// probs[i] is the probability of tokens[i]; the sum is 1 (up to float rounding).
    public private(set) var probs: [Float]

    /// From (token, weight) pairs in any order; weights ≤ 0 are dropped and the rest normalised.
    /// An all-zero input is a programming error in the caller and gives an empty distribution.
    public init(weights: [(token: TokenID, weight: Double)]) {
        let kept = weights.filter { $0.weight > 0 }.sorted { $0.token < $1.token }
        let total = kept.reduce(0.0) { $0 + $1.weight }
        tokens = kept.map(\.token)
        probs = kept.map { Float($0.weight / total) }
    }

    /// A point mass on `token`.
    public init(certain token: TokenID) {
        tokens = [token]
        probs = [1]
    }

    /// Already sorted and normalised arrays (internal fast path).
    init(sortedTokens: [TokenID], probs: [Float]) {
        tokens = sortedTokens
        self.probs = probs
    }

    public var isEmpty: Bool { tokens.isEmpty }

    /// p(token); 0 outside the support.
    public func p(_ token: TokenID) -> Float {
        var lo = 0, hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid] < token { lo = mid + 1 } else { hi = mid }
        }
        return lo < tokens.count && tokens[lo] == token ? probs[lo] : 0
    }

    /// The token where the cumulative probability first exceeds `u` ∈ [0, 1). Rounding that leaves
    /// the cumulative sum just below `u` falls on the last token of the support.
    public func sample(_ u: Float) -> TokenID {
        var cumulative: Double = 0
        let target = Double(u)
        for i in 0..<tokens.count {
            cumulative += Double(probs[i])
            if target < cumulative { return tokens[i] }
        }
        return tokens[tokens.count - 1]
    }

    /// The most likely token (the lowest id on ties).
    public var argmax: TokenID {
        var best = 0
        for i in 1..<tokens.count where probs[i] > probs[best] { best = i }
        return tokens[best]
    }

    /// The k most likely (token, p), most likely first, ties by lower id.
    public func top(_ k: Int) -> [(token: TokenID, p: Float)] {
        guard k > 0 else { return [] }
        // A bounded insertion list: k is small (≤ a few dozen) against a support of up to the vocabulary.
        var best: [(token: TokenID, p: Float)] = []
        best.reserveCapacity(k + 1)
        for i in 0..<tokens.count {
            let p = probs[i]
            if best.count == k, let last = best.last, p <= last.p { continue }
            var at = best.count
            while at > 0 && best[at - 1].p < p { at -= 1 }
            best.insert((tokens[i], p), at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// The same distribution with `token` removed and the rest renormalised (R2's q update and R3's
    /// p update). Removing the only token leaves an empty distribution.
    public func removing(_ token: TokenID) -> Distribution {
        guard let i = tokens.firstIndex(of: token) else { return self }
        var t = tokens, p = probs
        t.remove(at: i)
        p.remove(at: i)
        let total = p.reduce(0.0) { $0 + Double($1) }
        return Distribution(sortedTokens: t, probs: total > 0 ? p.map { Float(Double($0) / total) } : p)
    }

    /// norm(max(0, p − q)): what rejection sampling draws from after a rejection. When p ≤ q
    /// everywhere (p == q up to rounding; acceptance was then certain in exact arithmetic) the
    /// residual has no mass and p itself is returned.
    public static func residual(_ p: Distribution, _ q: Distribution) -> Distribution {
        // One merge walk over the two ascending supports: the result comes out in id order, so it is
        // built directly, with no sort of a support that can be the whole vocabulary.
        var tokens: [TokenID] = [], weights: [Double] = []
        tokens.reserveCapacity(p.tokens.count)
        weights.reserveCapacity(p.tokens.count)
        var total = 0.0
        var j = 0
        for i in 0..<p.tokens.count {
            let t = p.tokens[i]
            while j < q.tokens.count && q.tokens[j] < t { j += 1 }
            let qt: Float = j < q.tokens.count && q.tokens[j] == t ? q.probs[j] : 0
            let d = Double(p.probs[i]) - Double(qt)
            if d > 0 {
                tokens.append(t)
                weights.append(d)
                total += d
            }
        }
        return tokens.isEmpty ? p : Distribution(sortedTokens: tokens, probs: weights.map { Float($0 / total) })
    }
}

// MARK: - Measures over distributions (the UI and the analysis views build on these)

extension Distribution {
    /// Shannon entropy in nats.
    public var entropy: Double {
        var h = 0.0
        for p in probs where p > 0 { h -= Double(p) * log(Double(p)) }
        return h
    }

    /// The largest probability.
    public var topProbability: Float { probs.max() ?? 0 }

    /// p(top-1) − p(top-2); p(top-1) when the support has one token.
    public var probabilityMargin: Float {
        let t = top(2)
        return t.count < 2 ? (t.first?.p ?? 0) : t[0].p - t[1].p
    }

    /// 1-based rank of `token` by decreasing probability (ties broken by lower id); nil outside the support.
    public func rank(of token: TokenID) -> Int? {
        let pt = p(token)
        guard pt > 0 else { return nil }
        var r = 1
        for i in 0..<tokens.count where probs[i] > pt || (probs[i] == pt && tokens[i] < token) { r += 1 }
        return r
    }

    /// KL(p ‖ q) in nats; infinite when p puts mass where q has none.
    public static func kl(_ p: Distribution, _ q: Distribution) -> Double {
        var d = 0.0
        for i in 0..<p.tokens.count where p.probs[i] > 0 {
            let qt = q.p(p.tokens[i])
            if qt == 0 { return .infinity }
            d += Double(p.probs[i]) * log(Double(p.probs[i]) / Double(qt))
        }
        return max(0, d)
    }

    /// Total variation ½ Σ |p − q|; 1 − TV = Σ min(p, q) is the chance a sampled draft is accepted.
    public static func totalVariation(_ p: Distribution, _ q: Distribution) -> Double {
        // A merge walk over the ascending supports. A binary search per token of p was 5% of all
        // samples (perf) of a chain at T=0.7, about 50 ms a cycle over the full vocabulary.
        var overlap = 0.0
        var j = 0
        for i in 0..<p.tokens.count {
            let t = p.tokens[i]
            while j < q.tokens.count && q.tokens[j] < t { j += 1 }
            if j < q.tokens.count && q.tokens[j] == t { overlap += Double(min(p.probs[i], q.probs[j])) }
        }
        return max(0, 1 - overlap)
    }
}

/// Top-1 − top-2 of raw logits (the logit margin; independent of temperature and filters).
public func logitMargin(_ logits: UnsafeBufferPointer<Float>) -> Float {
    var a = -Float.infinity, b = -Float.infinity
    for l in logits {
        if l > a { b = a; a = l } else if l > b { b = l }
    }
    return b == -.infinity ? 0 : a - b
}
