#if canImport(Glibc)
import Glibc
#endif
/// Settings of the sampling chain: repetition penalty, temperature, then top-k, top-p and min-p filters.
public struct SamplerSettings: Sendable, Equatable, Codable {
    /// 0 means greedy (argmax); the filters are then irrelevant.
    public var temperature: Float = 0
    /// Keep the k most likely tokens; 0 keeps all.
    public var topK: Int = 0
    /// Keep the smallest set whose probability reaches p; 1 keeps all.
    public var topP: Float = 1
    /// Drop tokens whose probability is below m × the top probability; 0 keeps all.
    public var minP: Float = 0
    /// Tokens among the last `penaltyWindow` of the history have their logit divided by this (when
    /// positive) or multiplied by it (when negative), as llama.cpp does; 1 is off.
    public var repetitionPenalty: Float = 1
    public var penaltyWindow: Int = 64
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repetitionPenalty: Float = 1, penaltyWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
    }

    public var isGreedy: Bool { temperature == 0 }

    /// Checks every setting against its allowed range; the message names the flag.
    public func validate(prefix: String = "") throws(SamplerSettingsError) {
        guard temperature.isFinite, temperature >= 0, temperature <= 10 else { throw .outOfRange("--\(prefix)temperature", "\(temperature)", "0 to 10") }
        guard topK >= 0 else { throw .outOfRange("--\(prefix)top-k", "\(topK)", "0 (off) or more") }
        guard topP > 0, topP <= 1 else { throw .outOfRange("--\(prefix)top-p", "\(topP)", "greater than 0, at most 1") }
        guard minP >= 0, minP < 1 else { throw .outOfRange("--\(prefix)min-p", "\(minP)", "0 to less than 1") }
        guard repetitionPenalty.isFinite, repetitionPenalty >= 1, repetitionPenalty <= 10 else {
            throw .outOfRange("--\(prefix)repeat-penalty", "\(repetitionPenalty)", "1 (off) to 10")
        }
        guard penaltyWindow >= 0, penaltyWindow <= 65536 else { throw .outOfRange("--\(prefix)repeat-window", "\(penaltyWindow)", "0 to 65536") }
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

    /// The processed distribution for the next token after `history` (whose tail the repetition
    /// penalty looks at). Greedy settings give the argmax with probability 1.
    public func distribution(_ logits: UnsafeBufferPointer<Float>, history: [TokenID] = []) -> Distribution {
        Self.distribution(logits, settings: settings, history: history)
    }

    public static func distribution(_ raw: UnsafeBufferPointer<Float>, settings: SamplerSettings,
                                    history: [TokenID] = []) -> Distribution {
        let penalised = settings.repetitionPenalty != 1 && settings.penaltyWindow > 0 && !history.isEmpty
        var copy: [Float] = []
        if penalised {
            copy = Array(raw)
            for t in Set(history.suffix(settings.penaltyWindow)) where t >= 0 && t < copy.count {
                copy[t] = copy[t] > 0 ? copy[t] / settings.repetitionPenalty : copy[t] * settings.repetitionPenalty
            }
        }
        return copy.withUnsafeBufferPointer { adjusted in
            let logits = penalised ? adjusted : raw
            if settings.temperature == 0 { return Distribution(certain: argmax(logits)) }
            return softmaxFiltered(logits, settings)
        }
    }

    private static func softmaxFiltered(_ logits: UnsafeBufferPointer<Float>, _ s: SamplerSettings) -> Distribution {
        let t = Double(s.temperature)
        var maxLogit = -Float.infinity
        for l in logits where l > maxLogit { maxLogit = l }
        // Softmax in double after subtracting the max: exp never overflows and the tail is not lost.
        var weights = [Double](repeating: 0, count: logits.count)
        var sum = 0.0
        for i in 0..<logits.count where logits[i] != -.infinity {  // a subset head's masked ids: weight 0
            let e = exp(Double(logits[i] - maxLogit) / t)
            weights[i] = e
            sum += e
        }
        let filtering = s.topK > 0 || s.topP < 1 || s.minP > 0
        if filtering {
            // Order by decreasing weight (ties by lower id), then cut: top-k, top-p, min-p.
            var order = Array(0..<logits.count)
            if s.topK > 0 && s.topK < order.count {
                order = Array(order.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }.prefix(s.topK))
            } else {
                order.sort { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
            }
            var keep = order.count
            if s.topP < 1 {
                var cumulative = 0.0
                for i in 0..<keep {
                    cumulative += weights[order[i]] / sum
                    if cumulative >= Double(s.topP) { keep = i + 1; break }
                }
            }
            if s.minP > 0 {
                let floor = weights[order[0]] * Double(s.minP)
                keep = max(1, order[0..<keep].prefix { weights[$0] >= floor }.count)
            }
            let kept = order[0..<keep].sorted()
            let total = kept.reduce(0.0) { $0 + weights[$1] }
            return Distribution(sortedTokens: kept, probs: kept.map { Float(weights[$0] / total) })
        }
        var tokens: [TokenID] = [], probs: [Float] = []
        tokens.reserveCapacity(logits.count)
        probs.reserveCapacity(logits.count)
        for i in 0..<logits.count where weights[i] > 0 {
            let p = Float(weights[i] / sum)
            if p > 0 {
                tokens.append(i)
                probs.append(p)
            }
        }
        return Distribution(sortedTokens: tokens, probs: probs)
    }

    /// Draws a token from `distribution(logits, history:)`.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: [TokenID] = []) -> TokenID {
        let d = distribution(logits, history: history)
        if d.tokens.count == 1 { return d.tokens[0] }
        return d.sample(rng.uniform())
    }
}
