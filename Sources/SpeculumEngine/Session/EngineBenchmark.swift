import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Speed figures of one model on this machine, measured by `EngineBenchmark.run`.
public struct EngineMeasurement: Sendable, Codable {
    public var model: String
    public var threads: Int
    public var arithmetic: String
    /// Prompt processing tokens/s, keyed by prompt length.
    public var promptTokensPerSecond: [String: Double] = [:]
    public var decodeTokensPerSecond = 0.0
    /// T(n)/T(1): one forward of n new tokens after the prefix, all n rows' logits returned.
    public var verifyCost: [String: Double] = [:]
    public var verifySecondsForOne = 0.0
    public var bytesPerToken = 0
    public var decodeWeightGBPerSecond = 0.0
}

public enum EngineBenchmark {
    /// Seconds of `body`, on the monotonic clock.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// The machine's read bandwidth in GB/s: the best of `repeats` sums over a 1 GiB buffer, split over the pool.
    public static func readBandwidth(pool: ComputePool, repeats: Int = 5) -> Double {
        let count = (1 << 30) / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.update(repeating: 1, count: count)  // touch every page first
        var best = Double.infinity
        var sink = 0.0
        for _ in 0..<repeats {
            best = min(best, time { sink += ck_parallel_sum_f32(pool.raw, buffer, Int64(count)) })
        }
        withExtendedLifetime(sink) {}  // keep the sums from being optimised away
        return Double(count * 4) / best / 1e9
    }

    /// Peak resident memory of this process so far, in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    /// One measurement pass. `tokens` supplies realistic ids (cycled as needed).
    public static func run(_ loaded: LoadedModel, tokens: [TokenID], arithmetic: Arithmetic, pool: ComputePool,
                           promptLengths: [Int] = [64, 512], decodeTokens: Int = 128, verifyPrefix: Int = 256,
                           verifySizes: [Int] = [1, 2, 4, 8, 16, 32], headRows: Int? = nil) throws -> EngineMeasurement {
        func ids(_ n: Int, from start: Int = 0) -> [TokenID] { (0..<n).map { tokens[(start + $0) % tokens.count] } }
        let maxPrompt = promptLengths.max() ?? 64
        let ctx = InferenceContext(model: loaded.model, capacity: max(maxPrompt, verifyPrefix + 64, 64 + decodeTokens) + 8,
                                   maxBatch: max(maxPrompt, 32), arithmetic: arithmetic, pool: pool)
        ctx.headRows = headRows
        ctx.headIncludesContext = headRows != nil  // as a draft's subset head: the context's ids too
        var m = EngineMeasurement(model: loaded.path, threads: pool.threads,
                                  arithmetic: arithmetic == .exact ? "exact" : "q8-activations")
        for n in promptLengths {
            ctx.truncate(to: 0)
            let t = try time { try ctx.evaluate(ids(n), logitsFor: [n - 1]) }
            m.promptTokensPerSecond["\(n)"] = Double(n) / t
        }
        // Decode: greedy, one token per forward pass, after a 16-token prompt.
        ctx.truncate(to: 0)
        try ctx.evaluate(ids(16), logitsFor: [15])
        let decode = try time {
            for _ in 0..<decodeTokens {
                let next = Sampler.argmax(ctx.logits(0))
                try ctx.evaluate([next], logitsFor: [0])
            }
        }
        m.decodeTokensPerSecond = Double(decodeTokens) / decode
        m.bytesPerToken = loaded.model.bytesPerToken
        m.decodeWeightGBPerSecond = Double(m.bytesPerToken) * m.decodeTokensPerSecond / 1e9
        // Verify cost: best of 5 per size, round-robin over the sizes, after the prefix (the measurement
        // `speculum tune` uses, with 3).
        let best = try SpeedTuner.forwardSeconds(ctx, rows: verifySizes, prefix: ids(verifyPrefix), filler: ids(64, from: 1000), repeats: 5)
        let seconds = Dictionary(uniqueKeysWithValues: zip(verifySizes, best))
        let one = seconds[1] ?? seconds.values.min()!
        m.verifySecondsForOne = one
        for (n, s) in seconds { m.verifyCost["\(n)"] = s / one }
        return m
    }
}
