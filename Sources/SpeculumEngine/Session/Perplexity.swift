#if canImport(Glibc)
import Glibc
#endif
/// Perplexity as llama.cpp's tool computes it: the text is cut into chunks of `ctx` tokens, each
/// evaluated from an empty cache, and the predictions of the second half of each chunk are scored
/// (positions ctx/2 … ctx−2 predicting the next token). BOS replaces each chunk's first token when the
/// vocabulary adds BOS.
public struct PerplexityResult: Sendable, Codable {
    public var perplexity: Double
    public var tokens: Int
    public var chunks: Int
    public var scored: Int
    /// Negative log-likelihood summed per chunk.
    public var chunkNLL: [Double]
}

public enum Perplexity {
    public static func evaluate(_ context: InferenceContext, tokens: [TokenID], ctx: Int, maxChunks: Int? = nil,
                                bos: TokenID? = nil, progress: (Int, Double) -> Void = { _, _ in }) throws(InferenceError) -> PerplexityResult {
        let chunks = min(tokens.count / ctx, maxChunks ?? Int.max)
        guard chunks >= 1, ctx >= 4 else { throw .invalidTree("perplexity needs at least \(2 * ctx) tokens for --ctx \(ctx); the text has \(tokens.count)") }
        let first = ctx / 2
        var nll: [Double] = []
        var total = 0.0, count = 0
        for c in 0..<chunks {
            var chunk = Array(tokens[(c * ctx)..<((c + 1) * ctx)])
            if let bos { chunk[0] = bos }
            context.truncate(to: 0)
            let rows = Array(first..<(ctx - 1))
            try context.evaluate(chunk, logitsFor: rows)
            var sum = 0.0
            for (k, j) in rows.enumerated() {
                let logits = context.logits(k)
                var m = -Float.infinity
                for l in logits where l > m { m = l }
                var s = 0.0
                for l in logits { s += exp(Double(l - m)) }
                sum += log(s) + Double(m) - Double(logits[tokens[c * ctx + j + 1]])
            }
            nll.append(sum)
            total += sum
            count += rows.count
            progress(c, exp(total / Double(count)))
        }
        return PerplexityResult(perplexity: exp(total / Double(count)), tokens: tokens.count, chunks: chunks, scored: count, chunkNLL: nll)
    }
}
