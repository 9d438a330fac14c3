/// The logit lens (nostalgebraist, 2020): what the model would predict at one position if it stopped
/// after block l — the final norm and LM head applied to that block's residual stream.
public struct LogitLens: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var token: TokenID
        public var p: Float
    }
    /// The batch position the lens looks at (it predicts the token after it).
    public var position: Int
    /// [block][rank]: the top-k after each block, block 0 first; the last row is the real output.
    public var blocks: [[Entry]]
    /// Entropy (nats) of each block's distribution.
    public var entropies: [Double]

    /// Evaluates `tokens[0 ... position]` in a context of its own and reads the residual stream at
    /// `position` after every block. Costs one forward pass plus one LM-head product per block.
    public static func compute(model: TransformerModel, tokens: [TokenID], position: Int, topK: Int = 5,
                               arithmetic: Arithmetic = .quantizedActivations, pool: ComputePool = .shared) throws(InferenceError) -> LogitLens {
        guard position >= 0, position < tokens.count else { throw .invalidRow(position, batch: tokens.count) }
        let ctx = InferenceContext(model: model, capacity: position + 1, maxBatch: min(256, position + 1),
                                   arithmetic: arithmetic, pool: pool)
        return try compute(state: ModelState(context: ctx), tokens: tokens, position: position, topK: topK)
    }

    /// The same on an existing state: only what its cache lacks of `tokens[..<position]` is evaluated,
    /// then the token at `position` with its residual stream captured (the state then holds
    /// `tokens[0 ... position]`).
    public static func compute(state: ModelState, tokens: [TokenID], position: Int, topK: Int = 5) throws(InferenceError) -> LogitLens {
        guard position >= 0, position < tokens.count else { throw .invalidRow(position, batch: tokens.count) }
        try state.sync(to: Array(tokens[..<position]), logitsForLast: false)
        try state.append([tokens[position]], logitsFor: [], capture: [0])
        var blocks: [[Entry]] = []
        var entropies: [Double] = []
        for hidden in state.context.capturedHidden {
            let logits = state.context.headLogits(hidden[0])
            let p = logits.withUnsafeBufferPointer { Sampler.distribution($0, settings: SamplerSettings(temperature: 1)) }
            blocks.append(p.top(topK).map { Entry(token: $0.token, p: $0.p) })
            entropies.append(p.entropy)
        }
        return LogitLens(position: position, blocks: blocks, entropies: entropies)
    }
}
