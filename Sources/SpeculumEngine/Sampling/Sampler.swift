#if canImport(Glibc)
import Glibc
#endif
/// Settings of the sampling chain: temperature, then top-k, top-p and min-p filters.
public struct SamplerSettings: Sendable, Equatable {
    /// 0 means greedy (argmax); the filters are then irrelevant.
    public var temperature: Float = 0
    /// Keep the k most likely tokens; 0 keeps all.
    public var topK: Int = 0
    /// Keep the smallest set whose probability reaches p; 1 keeps all.
    public var topP: Float = 1
    /// Drop tokens whose probability is below m × the top probability; 0 keeps all.
    public var minP: Float = 0
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
    }

    /// Checks every setting against its allowed range; the message names the flag.
    public func validate() throws(SamplerSettingsError) {
        guard temperature.isFinite, temperature >= 0, temperature <= 10 else { throw .outOfRange("--temperature", "\(temperature)", "0 to 10") }
        guard topK >= 0 else { throw .outOfRange("--top-k", "\(topK)", "0 (off) or more") }
        guard topP > 0, topP <= 1 else { throw .outOfRange("--top-p", "\(topP)", "greater than 0, at most 1") }
        guard minP >= 0, minP < 1 else { throw .outOfRange("--min-p", "\(minP)", "0 to less than 1") }
    }
}

public enum SamplerSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(String, String, String)
    public var description: String {
        switch self {
        case .outOfRange(let flag, let value, let range): return "\(flag) \(value) is out of range (allowed: \(range))"
        }
    }
}

/// SplitMix64: small, fast, and reproducible across platforms for a given seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform draw in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }
}

/// Turns logits into the processed distribution and draws from it.
public struct Sampler: Sendable {
    public let settings: SamplerSettings
    public var rng: SeededGenerator

    public init(_ settings: SamplerSettings) {
        self.settings = settings
        rng = SeededGenerator(seed: settings.seed)
    }

    /// The index of the largest logit (the lowest index on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        var best = 0
        var bestValue = -Float.infinity
        for i in 0..<logits.count where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return best
    }

    /// The distribution after temperature and the filters, as (token, probability) pairs by decreasing
    /// probability, summing to 1. Greedy settings give the argmax with probability 1.
    public func distribution(_ logits: UnsafeBufferPointer<Float>) -> [(token: TokenID, p: Float)] {
        if settings.temperature == 0 { return [(Self.argmax(logits), 1)] }
        let t = settings.temperature
        var maxLogit = -Float.infinity
        for l in logits where l > maxLogit { maxLogit = l }
        // Softmax in double after subtracting the max: exp never overflows and the tail is not lost.
        var items: [(token: TokenID, p: Float)] = []
        items.reserveCapacity(logits.count)
        var sum = 0.0
        for (i, l) in logits.enumerated() {
            let e = exp(Double((l - maxLogit) / t))
            sum += e
            items.append((i, Float(e)))
        }
        items.sort { $0.p != $1.p ? $0.p > $1.p : $0.token < $1.token }
        var keep = items.count
        if settings.topK > 0 { keep = min(keep, settings.topK) }
        if settings.topP < 1 {
            var cumulative = 0.0
            for i in 0..<keep {
                cumulative += Double(items[i].p) / sum
                if cumulative >= Double(settings.topP) { keep = i + 1; break }
            }
        }
        if settings.minP > 0 {
            let floor = items[0].p * settings.minP
            keep = max(1, items[0..<keep].prefix { $0.p >= floor }.count)
        }
        let kept = items[0..<keep]
        let total = kept.reduce(0.0) { $0 + Double($1.p) }
        return kept.map { ($0.token, Float(Double($0.p) / total)) }
    }

    /// Draws a token from `distribution(logits)`.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        let d = distribution(logits)
        if d.count == 1 { return d[0].token }
        let u = rng.uniform()
        var cumulative: Float = 0
        for (token, p) in d {
            cumulative += p
            if u < cumulative { return token }
        }
        return d[d.count - 1].token
    }
}
