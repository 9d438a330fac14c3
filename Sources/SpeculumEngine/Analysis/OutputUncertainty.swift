#if canImport(Glibc)
import Glibc
#endif

/// Aggregates of the probabilities the target gave the tokens of one output: the features token-level
/// cascades defer on (Gupta et al., "Language Model Cascades: Token-Level Uncertainty and Beyond").
public struct OutputUncertainty: Sendable, Equatable, Codable {
    public var count: Int
    /// Σ log p (nats): the output's log-probability.
    public var sumLogProbability: Double
    public var meanProbability: Double
    public var minProbability: Double
    /// Quantiles 0.1, 0.25, 0.5 of the token probabilities (linear interpolation between order statistics).
    public var quantile10: Double
    public var quantile25: Double
    public var median: Double
    /// The threshold asked about, and the 0-based output positions whose probability is below it:
    /// the tokens a cascade with that threshold would defer to the larger model.
    public var threshold: Double
    public var deferred: [Int]

    public init(probabilities p: [Float], threshold: Double = 0.5) {
        let v = p.map(Double.init)
        count = v.count
        sumLogProbability = v.reduce(0) { $0 + log($1) }
        meanProbability = v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        minProbability = v.min() ?? 0
        let sorted = v.sorted()
        quantile10 = OutputUncertainty.quantile(sorted, 0.1)
        quantile25 = OutputUncertainty.quantile(sorted, 0.25)
        median = OutputUncertainty.quantile(sorted, 0.5)
        self.threshold = threshold
        deferred = v.indices.filter { v[$0] < threshold }
    }

    /// The q-quantile of ascending `sorted`: position q·(n − 1), interpolated linearly (0 when empty).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
