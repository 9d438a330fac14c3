/// Acceptance and timing statistics of one generation, with the definitions the README states.
public struct DecodeStatistics: Sendable, Codable, Equatable {
    public var cycles = 0
    /// Draft candidates in the verify batches, and how many of them were accepted.
    public var draftTokens = 0
    public var acceptedTokens = 0
    /// Output tokens (end-of-generation ids are not output).
    public var emittedTokens = 0
    /// Full-depth target forward passes after prefill (a self-speculation draft pass is not one).
    public var targetPasses = 0
    /// acceptedAtDepth[i]: cycles that accepted a token at depth i + 1.
    public var acceptedAtDepth: [Int] = []
    /// lengthHistogram[n]: cycles that accepted n draft tokens.
    public var lengthHistogram: [Int] = []
    /// Σ over verified sampled positions of Σ_x min(p, q), and their count (for α).
    public var overlapSum = 0.0
    public var overlapCount = 0
    public var draftNs: UInt64 = 0
    public var verifyNs: UInt64 = 0
    public var rollbackNs: UInt64 = 0
    public var prefillNs: UInt64 = 0
    public var prefillTokens = 0
    public var timeToFirstTokenNs: UInt64 = 0
    /// Wall time of decoding after prefill.
    public var decodeNs: UInt64 = 0

    public init() {}

    /// accepted draft tokens ÷ all draft tokens in the verify batches.
    public var acceptanceRate: Double { draftTokens > 0 ? Double(acceptedTokens) / Double(draftTokens) : 0 }
    /// Mean accepted length: emitted tokens ÷ full-depth target passes (AR = 1).
    public var meanAcceptedLength: Double { targetPasses > 0 ? Double(emittedTokens) / Double(targetPasses) : 0 }
    /// emitted tokens ÷ decode time after prefill.
    public var tokensPerSecond: Double { decodeNs > 0 ? Double(emittedTokens) / (Double(decodeNs) / 1e9) : 0 }
    /// cycles that accepted a token at depth i ÷ cycles.
    public var acceptanceByDepth: [Double] { acceptedAtDepth.map { cycles > 0 ? Double($0) / Double(cycles) : 0 } }
    /// α: mean Σ min(p, q) over positions with a sampled draft.
    public var alpha: Double? { overlapCount > 0 ? overlapSum / Double(overlapCount) : nil }

    /// Leviathan's expected tokens per cycle for a chain of k: (1 − α^(k+1)) / (1 − α).
    public static func theoreticalMAT(alpha: Double, k: Int) -> Double {
        alpha >= 1 ? Double(k + 1) : (1 - pow(alpha, Double(k + 1))) / (1 - alpha)
    }

    /// Adds one cycle: `emittedCount` output tokens, `draftCandidates` tokens verified.
    public mutating func record(_ trace: CycleTrace, emittedCount: Int, draftCandidates: Int, overlaps: [Double], targetPass: Bool) {
        cycles += 1
        if targetPass { targetPasses += 1 }
        draftTokens += draftCandidates
        let accepted = trace.acceptedCount
        acceptedTokens += accepted
        emittedTokens += emittedCount
        if acceptedAtDepth.count < accepted { acceptedAtDepth += Array(repeating: 0, count: accepted - acceptedAtDepth.count) }
        for d in 0..<accepted { acceptedAtDepth[d] += 1 }
        if lengthHistogram.count <= accepted { lengthHistogram += Array(repeating: 0, count: accepted + 1 - lengthHistogram.count) }
        lengthHistogram[accepted] += 1
        overlapSum += overlaps.reduce(0, +)
        overlapCount += overlaps.count
        draftNs += trace.draftNs
        verifyNs += trace.verifyNs
        rollbackNs += trace.rollbackNs
    }
}

#if canImport(Glibc)
import Glibc
#endif
