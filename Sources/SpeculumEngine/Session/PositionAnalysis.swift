import Dispatch

/// Everything the analysis views say about one position of a prompt: the next-token distribution,
/// a token's key neighbourhood, the key-space bias, the logit lens under both models, the prompt's
/// partial last word, and a greedy continuation with its uncertainty. `speculum analyze` prints it.
public struct PositionAnalysis: Sendable, Codable {
    public struct Ranked: Sendable, Codable, Equatable {
        public var token: TokenID
        public var text: String
        public var p: Float
        public init(token: TokenID, text: String, p: Float) {
            self.token = token
            self.text = text
            self.p = p
        }
    }
    public struct Neighbour: Sendable, Codable, Equatable {
        public var token: TokenID
        public var text: String
        public var cosine: Float
        public var p: Float
        public var rank: Int
        public init(token: TokenID, text: String, cosine: Float, p: Float, rank: Int) {
            self.token = token
            self.text = text
            self.cosine = cosine
            self.p = p
            self.rank = rank
        }
    }
    public struct LensRow: Sendable, Codable, Equatable {
        public var block: Int          // 1-based: the residual stream after this block
        public var top: [Ranked]
        public var entropy: Double
        public init(block: Int, top: [Ranked], entropy: Double) {
            self.block = block
            self.top = top
            self.entropy = entropy
        }
    }
    public struct BiasRow: Sendable, Codable, Equatable {
        public var rank: Int
        public var token: TokenID
        public var text: String
        public var p: Float
        public var neighbourOf: Int?
        public var cosine: Float?
    }
    public struct KeysInfo: Sendable, Codable, Equatable {
        public var precision: String
        public var rows: Int
        public var megabytes: Double
        public var preparationMs: Double
        /// Wall time of each neighbourhood query (a product over the whole vocabulary plus the top-k).
        public var queryMs: [Double]
        public var queryMedianMs: Double
        public init(precision: String, rows: Int, megabytes: Double, preparationMs: Double, queryMs: [Double], queryMedianMs: Double) {
            self.precision = precision
            self.rows = rows
            self.megabytes = megabytes
            self.preparationMs = preparationMs
            self.queryMs = queryMs
            self.queryMedianMs = queryMedianMs
        }
    }

    public var promptTokens: Int
    /// The last token the position sees (the distribution is of the token after it).
    public var position: Int
    public var positionText: String
    public var next: [Ranked]
    public var entropy: Double
    public var probabilityMargin: Float
    public var logitMargin: Float
    public var query: Ranked
    public var neighbours: [Neighbour]
    public var bias: [BiasRow]
    public var biasMiddleShare: Double
    public var biasRandomShare: Double
    public var biasExpectedShare: Double
    public var biasNeighbourK: Int
    public var targetLens: [LensRow]
    public var draftLens: [LensRow]?
    /// At the prompt's end only.
    public var partial: PartialTokenAnalysis?
    public var continuation: [InsightToken]
    public var uncertainty: OutputUncertainty
    public var keys: KeysInfo
}

extension PositionAnalysis.LensRow {
    /// A lens's rows with token texts.
    public static func rows(_ lens: LogitLens, tokenizer: any Tokenizer) -> [Self] {
        lens.blocks.enumerated().map { i, top in
            Self(block: i + 1, top: top.map { .init(token: $0.token, text: tokenizer.pieceText($0.token), p: $0.p) },
                 entropy: lens.entropies[i])
        }
    }
}

extension PositionAnalysis.Neighbour {
    public init(_ n: KeyNeighbour, tokenizer: any Tokenizer) {
        self.init(token: n.token, text: tokenizer.pieceText(n.token), cosine: n.cosine, p: n.p, rank: n.rank)
    }
}

extension PositionAnalysis {
    public struct Options: Sendable {
        public var neighbours = 10
        public var biasK = 100
        public var lensTop = 5
        public var continuation = 16
        public var deferThreshold = 0.5
        public var queries = 5
        /// The token whose neighbourhood is shown (default: the next-token top-1).
        public var queryToken: TokenID?
        public init() {}
    }

    /// - Parameters:
    ///   - prompt: the prompt's text, when the partial-word view applies (plain prompts only).
    public static func run(target: ModelState, draft: ModelState?, tokenizer: any Tokenizer, keys: VocabularyKeys,
                           tokens: [TokenID], position: Int, prompt: String?, options: Options = Options()) throws -> PositionAnalysis {
        guard position >= 0, position < tokens.count else {
            throw DecoderError.invalidOption("--position \(position) is outside the prompt's \(tokens.count) tokens (allowed: 0 to \(tokens.count - 1))")
        }
        let usable = tokenizer.vocabulary.count
        func ranked(_ t: TokenID, _ p: Float) -> Ranked { Ranked(token: t, text: tokenizer.pieceText(t), p: p) }
        let seen = Array(tokens[...position])
        try target.sync(to: seen, logitsForLast: true)
        let logits = target.context.logits(0)
        let p = Sampler.distribution(UnsafeBufferPointer(rebasing: logits[0..<min(usable, logits.count)]),
                                     settings: SamplerSettings(temperature: 1))
        let margin = SpeculumEngine.logitMargin(logits)

        // Neighbourhood of the query token, timed over a few queries (the first warms the caches).
        let query = options.queryToken ?? p.argmax
        guard query >= 0, query < usable else { throw DecoderError.invalidOption("token \(query) is outside the vocabulary (0 to \(usable - 1))") }
        var times: [Double] = []
        var near: [KeyNeighbour] = []
        for _ in 0..<max(1, options.queries) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            near = keys.neighbourhood(of: query, k: options.neighbours, in: p)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let bias = KeySpaceBias.measure(keys: keys, distribution: p, neighbourK: options.biasK)

        func lens(_ model: TransformerModel, _ ctx: InferenceContext) throws -> [LensRow] {
            let l = try LogitLens.compute(model: model, tokens: seen, position: position, topK: options.lensTop,
                                          arithmetic: ctx.arithmetic, pool: ctx.pool)
            return LensRow.rows(l, tokenizer: tokenizer)
        }
        let targetLens = try lens(target.context.model, target.context)
        let draftLens = try draft.map { try lens($0.context.model, $0.context) }

        let partial = try prompt.flatMap { text -> PartialTokenAnalysis? in
            position == tokens.count - 1 ? try PartialTokenAnalysis.analyze(prompt: text, state: target, tokenizer: tokenizer) : nil
        }
        let continuation = try Exploration.continuation(target: target, draft: draft, after: seen, count: options.continuation,
                                                        tokenizer: tokenizer)
        let sortedTimes = times.sorted()
        return PositionAnalysis(
            promptTokens: tokens.count, position: position, positionText: tokenizer.pieceText(tokens[position]),
            next: p.top(10).map { ranked($0.token, $0.p) }, entropy: p.entropy, probabilityMargin: p.probabilityMargin,
            logitMargin: margin, query: ranked(query, p.p(query)),
            neighbours: near.map { Neighbour($0, tokenizer: tokenizer) },
            bias: bias.rows.map { BiasRow(rank: $0.rank, token: $0.token, text: tokenizer.pieceText($0.token), p: $0.p,
                                          neighbourOf: $0.neighbourOf, cosine: $0.cosine) },
            biasMiddleShare: bias.middleShare, biasRandomShare: bias.randomShare, biasExpectedShare: bias.expectedShare,
            biasNeighbourK: bias.neighbourK, targetLens: targetLens, draftLens: draftLens, partial: partial,
            continuation: continuation, uncertainty: OutputUncertainty(probabilities: continuation.map(\.p), threshold: options.deferThreshold),
            keys: KeysInfo(precision: keys.precision.rawValue, rows: keys.rows, megabytes: Double(keys.bytes) / 1_048_576,
                           preparationMs: Double(keys.preparationNs) / 1e6, queryMs: times,
                           queryMedianMs: sortedTimes[sortedTimes.count / 2]))
    }
}
