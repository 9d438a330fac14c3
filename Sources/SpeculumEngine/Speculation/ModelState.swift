/// A model context together with the tokens its KV cache holds, so that bringing it up to date with
/// a sequence evaluates only what it lacks: a prefix already in the cache is never evaluated again.
public final class ModelState {
    public let context: InferenceContext
    /// The tokens whose KV rows are slots 0 ..< tokens.count, in order.
    public private(set) var tokens: [TokenID] = []
    /// Block limit for every evaluation (self-speculation runs only the first L blocks).
    public var blockLimit: Int?

    public init(context: InferenceContext, blockLimit: Int? = nil) {
        self.context = context
        self.blockLimit = blockLimit
    }

    public var vocabulary: Int { context.model.config.vocabulary }

    /// Makes the cache hold exactly `sequence`: keeps the common prefix, drops the rest, evaluates
    /// the missing tail. With `logitsForLast` the last token's logits are computed (re-evaluating
    /// it when nothing else is missing) and left in `context.logits(0)`.
    public func sync(to sequence: [TokenID], logitsForLast: Bool) throws(InferenceError) {
        var common = commonPrefix(with: sequence)
        if logitsForLast && common == sequence.count && common > 0 { common -= 1 }
        truncate(to: common)
        let missing = Array(sequence[common...])
        guard !missing.isEmpty else { return }
        try context.evaluate(missing, logitsFor: logitsForLast ? [missing.count - 1] : [],
                             options: ForwardOptions(blockLimit: blockLimit))
        tokens += missing
    }

    /// How many leading held tokens `sequence` shares.
    public func commonPrefix(with sequence: [TokenID]) -> Int {
        var n = 0
        let limit = min(tokens.count, sequence.count)
        while n < limit && tokens[n] == sequence[n] { n += 1 }
        return n
    }

    /// Forgets whatever the cache holds beyond its common prefix with `sequence` (no evaluation).
    public func rollBack(to sequence: [TokenID]) { truncate(to: commonPrefix(with: sequence)) }

    /// Evaluates a chain continuing the cache and records it as held.
    /// `capture`: rows whose residual stream after every block is kept (`context.capturedHidden`).
    public func append(_ chain: [TokenID], logitsFor rows: [Int], capture: [Int] = []) throws(InferenceError) {
        try context.evaluate(chain, logitsFor: rows, options: ForwardOptions(blockLimit: blockLimit, captureRows: capture))
        tokens += chain
    }

    /// Evaluates a tree of speculative rows after the held tokens. They stay in the cache, unrecorded,
    /// until `keep` or `truncate`.
    /// With `extending`, the tokens continue the speculative tree already evaluated (parents index the
    /// whole tree), so only new nodes are computed.
    public func evaluateTree(_ tree: [TokenID], parents: [Int], extending: Bool = false, logitsFor rows: [Int]) throws(InferenceError) {
        try context.evaluate(tree, parents: parents, extendingTree: extending, logitsFor: rows,
                             options: ForwardOptions(blockLimit: blockLimit))
    }

    /// After `evaluateTree`, keeps the batch rows `rows` (a root-to-node path, ascending) as held tokens.
    public func keep(rows: [Int], tokens kept: [TokenID]) {
        context.keepRows(rows)
        tokens += kept
    }

    /// Forgets everything after the first `n` held tokens (and any speculative rows).
    public func truncate(to n: Int) {
        context.truncate(to: n)
        if n < tokens.count { tokens.removeSubrange(n...) }
    }
}
