import SpeculumEngine

/// One emitted token as the panes show it.
public struct TokenView: Sendable, Equatable {
    public var id: TokenID
    /// The token's text as decoded bytes (may be part of a character: then `\xNN` escapes).
    public var text: String
    public var origin: TokenOrigin
    public var cycle: Int
    public var insight: TokenInsight?
    public init(id: TokenID, text: String, origin: TokenOrigin, cycle: Int, insight: TokenInsight?) {
        self.id = id
        self.text = text
        self.origin = origin
        self.cycle = cycle
        self.insight = insight
    }
}

/// The last cycle with token texts resolved, for the tree pane.
public struct CycleView: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var text: String
        public var node: CycleTrace.Node
        public init(text: String, node: CycleTrace.Node) {
            self.text = text
            self.node = node
        }
    }
    public var cycle: Int
    public var rootText: String
    public var nodes: [Node]
    public var residualTop: [(text: String, p: Float)]
    public var emitted: [(text: String, origin: TokenOrigin)]
    public var draftNs: UInt64, verifyNs: UInt64, rollbackNs: UInt64
    public var batchSize: Int

    public init(cycle: Int, rootText: String, nodes: [Node], residualTop: [(text: String, p: Float)],
                emitted: [(text: String, origin: TokenOrigin)], draftNs: UInt64, verifyNs: UInt64, rollbackNs: UInt64, batchSize: Int) {
        self.cycle = cycle
        self.rootText = rootText
        self.nodes = nodes
        self.residualTop = residualTop
        self.emitted = emitted
        self.draftNs = draftNs
        self.verifyNs = verifyNs
        self.rollbackNs = rollbackNs
        self.batchSize = batchSize
    }

    public static func == (a: CycleView, b: CycleView) -> Bool {
        a.cycle == b.cycle && a.nodes == b.nodes && a.rootText == b.rootText && a.batchSize == b.batchSize
            && a.residualTop.map(\.text) == b.residualTop.map(\.text) && a.emitted.map(\.text) == b.emitted.map(\.text)
    }
}

public enum RunState: String, Sendable, Equatable {
    case loading, paused, running, finished, failed
}

/// Which part of a cycle is shown when stepping phase by phase.
public enum Phase: String, Sendable, Equatable {
    case drafted, verified, accepted
}

/// One row of race mode: a strategy's run on the current prompt.
public struct RaceRow: Sendable, Equatable {
    public var strategy: String
    public var tokensPerSecond: Double
    public var speedup: Double
    public var meanAcceptedLength: Double
    public var identical: Bool?
    public init(strategy: String, tokensPerSecond: Double, speedup: Double, meanAcceptedLength: Double, identical: Bool?) {
        self.strategy = strategy
        self.tokensPerSecond = tokensPerSecond
        self.speedup = speedup
        self.meanAcceptedLength = meanAcceptedLength
        self.identical = identical
    }
}

/// Everything the panes draw, published by the worker; immutable, newest wins.
public struct Snapshot: Sendable, Equatable {
    public var target = ""
    public var draft: String?
    public var strategy = "ar"
    public var strategySummary = ""
    public var lossless = true
    /// What the tune cache gave ("tuned k=3 · tree 2x1x1"), "untuned (…)", or nil when not asked.
    public var tuned: String?
    public var temperature: Float = 0
    public var seed: UInt64 = 0
    public var draftMode = "sample"
    public var state = RunState.loading
    public var stopReason: String?
    public var phase: Phase?
    public var prompt = ""
    public var tokens: [TokenView] = []
    /// When stepping by phase, output tokens from this index on belong to the cycle not yet accepted.
    public var visibleTokens: Int?
    public var cycle: CycleView?
    public var statistics = DecodeStatistics()
    /// Accepted draft tokens per cycle, most recent last (at most 120).
    public var recentAccepted: [Double] = []
    /// Chain length for the theoretical MAT, when the strategy is a fixed-length chain.
    public var chainLength: Int?
    /// AR's tokens/s on this prompt, once measured (race mode or an AR run).
    public var arTokensPerSecond: Double?
    public var contextUsed = 0
    public var contextCapacity = 0
    public var maxTokens = 256
    public var error: String?
    public var race: [RaceRow] = []
    public var raceRunning = false
    /// A command received but not yet applied (shown until the next cycle boundary).
    public var pending: String?
    public var message: String?
    /// Texts of the tokens the inspector lists (alternatives included), by id.
    public var tokenTexts: [TokenID: String] = [:]
    /// The last analysis view asked for (`a`, `:neighbours`, `:lens`, `:heal`, `:navigate`).
    public var analysis: AnalysisView?

    public init() {}
}

/// Which analysis view the acceptance pane's place shows (`a` cycles them).
public enum AnalysisKind: String, Sendable, Equatable, CaseIterable {
    case neighbourhood, lens, healing, navigation
}

/// What the UI asks the worker to analyse: a view, for output token `token` (nil: the newest), with
/// `query` the token text for `:neighbours TEXT` and `rounds` for `:navigate N`.
public struct AnalysisRequest: Sendable, Equatable {
    public var kind: AnalysisKind
    public var token: Int?
    public var query: String?
    public var rounds: Int?
    public init(kind: AnalysisKind, token: Int? = nil, query: String? = nil, rounds: Int? = nil) {
        self.kind = kind
        self.token = token
        self.query = query
        self.rounds = rounds
    }
}

/// A computed analysis view, with token texts resolved.
public enum AnalysisView: Sendable, Equatable {
    /// The nearest keys of `query` (the token at `position` of the output, or a typed token) and
    /// where they rank in the distribution that produced that token; the key-space bias there.
    public struct Neighbourhood: Sendable, Equatable {
        public var position: Int          // output index
        public var query: PositionAnalysis.Ranked
        public var queryRank: Int
        public var neighbours: [PositionAnalysis.Neighbour]
        public var biasMiddleShare: Double
        public var biasRandomShare: Double
        public var biasNeighbourK: Int
        public var keys: PositionAnalysis.KeysInfo
        public init(position: Int, query: PositionAnalysis.Ranked, queryRank: Int, neighbours: [PositionAnalysis.Neighbour],
                    biasMiddleShare: Double, biasRandomShare: Double, biasNeighbourK: Int, keys: PositionAnalysis.KeysInfo) {
            self.position = position
            self.query = query
            self.queryRank = queryRank
            self.neighbours = neighbours
            self.biasMiddleShare = biasMiddleShare
            self.biasRandomShare = biasRandomShare
            self.biasNeighbourK = biasNeighbourK
            self.keys = keys
        }
    }
    /// The logit lens at the position that produced output token `position`.
    public struct Lens: Sendable, Equatable {
        public var position: Int
        public var tokenText: String
        public var target: [PositionAnalysis.LensRow]
        public var draft: [PositionAnalysis.LensRow]?
        public init(position: Int, tokenText: String, target: [PositionAnalysis.LensRow], draft: [PositionAnalysis.LensRow]?) {
            self.position = position
            self.tokenText = tokenText
            self.target = target
            self.draft = draft
        }
    }
    case computing(AnalysisKind)
    case neighbourhood(Neighbourhood)
    case lens(Lens)
    case healing(PartialTokenAnalysis)
    case navigation(question: String, rounds: [NavigationRound])
    case unavailable(AnalysisKind, String)

    public var kind: AnalysisKind {
        switch self {
        case .computing(let k), .unavailable(let k, _): return k
        case .neighbourhood: return .neighbourhood
        case .lens: return .lens
        case .healing: return .healing
        case .navigation: return .navigation
        }
    }
}
