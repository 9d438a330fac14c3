import Foundation

/// The measurements `DraftShapePlanner` needs, taken on this machine with the loaded pair: how long a
/// target and a draft forward take for n rows, and how often the draft's r-th choice is the target's
/// greedy token (teacher-forced on the target's own output, so no decoder is involved).
public enum SpeedTuner {
    /// Best-of-`repeats` seconds for one forward over each row count in `rows`, every row's logits
    /// returned, after `prefix` is in the cache. The context is left empty.
    public static func forwardSeconds(_ ctx: InferenceContext, rows: [Int], prefix: [TokenID], filler: [TokenID],
                                      repeats: Int = 3) throws -> [Double] {
        precondition(!filler.isEmpty)
        ctx.truncate(to: 0)
        try ctx.evaluate(prefix, logitsFor: [])
        // Round-robin over the sizes, so that a burst of noise from other machines on the host (seconds
        // long here) hits every size alike instead of inflating one size's ratio to T(1).
        var out = [Double](repeating: .infinity, count: rows.count)
        for r in 0..<repeats {
            for (i, n) in rows.enumerated() {
                ctx.truncate(to: prefix.count)
                let ids = (0..<n).map { filler[(r * 7 + $0) % filler.count] }
                let start = DispatchTime.now().uptimeNanoseconds
                try ctx.evaluate(ids, logitsFor: Array(0..<n))
                out[i] = min(out[i], Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        ctx.truncate(to: 0)
        return out
    }

    public struct Acceptance: Sendable {
        public var rankShares: [Double]   // p_r for r = 1…ranks
        public var runLengths: [Int]      // per position: consecutive top-1 matches from there
        public var positions: Int
    }

    /// Greedy target output for each prompt (`tokens` new tokens, or fewer at an end-of-generation id),
    /// then the draft's rank of every one of those tokens, given the same prefix.
    public static func acceptance(target: InferenceContext, draft: InferenceContext, prompts: [[TokenID]], tokens: Int,
                                  ranks: Int = 8, endOfGeneration: Set<TokenID>) throws -> Acceptance {
        var counts = [Int](repeating: 0, count: ranks)
        var runs: [Int] = []
        var positions = 0
        for prompt in prompts where !prompt.isEmpty {
            target.truncate(to: 0)
            try target.evaluate(prompt, logitsFor: [prompt.count - 1])
            var generated: [TokenID] = []
            for _ in 0..<tokens {
                let next = Sampler.argmax(target.logits(0))
                if endOfGeneration.contains(next) { break }
                generated.append(next)
                try target.evaluate([next], logitsFor: [0])
            }
            target.truncate(to: 0)
            guard !generated.isEmpty else { continue }
            // Draft rows prompt.count − 1 … see the same prefixes the target saw for each generated token.
            draft.truncate(to: 0)
            if prompt.count > 1 { try draft.evaluate(Array(prompt.dropLast()), logitsFor: []) }
            let tail = [prompt.last!] + generated.dropLast()
            try draft.evaluate(tail, logitsFor: Array(0..<tail.count))
            var matches: [Bool] = []
            for (i, t) in generated.enumerated() {
                let logits = draft.logits(i)
                var rank = ranks + 1
                if t < logits.count {
                    let v = logits[t]
                    var above = 0
                    for x in logits where x > v { above += 1; if above >= ranks { break } }
                    rank = above + 1
                }
                if rank <= ranks { counts[rank - 1] += 1 }
                matches.append(rank == 1)
            }
            draft.truncate(to: 0)
            var run = 0
            var perPosition = [Int](repeating: 0, count: matches.count)
            for i in matches.indices.reversed() {
                run = matches[i] ? run + 1 : 0
                perPosition[i] = run
            }
            runs += perPosition
            positions += generated.count
        }
        let total = Double(max(positions, 1))
        return Acceptance(rankShares: counts.map { Double($0) / total }, runLengths: runs, positions: positions)
    }
}
