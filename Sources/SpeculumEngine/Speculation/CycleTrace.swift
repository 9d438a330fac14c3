/// Everything about one cycle that the UI and `--trace` show: the tree, each node's verdict with the
/// numbers behind it, what was emitted and from where, and the time split.
public struct CycleTrace: Sendable, Codable {
    public struct Node: Sendable, Codable, Equatable {
        public var token: TokenID
        public var parent: Int
        public var depth: Int
        public var q: Float?
        /// Target probability of the token at its parent: the value tested (p_k) for visited nodes,
        /// the unresidualised p for unvisited nodes whose parent row was computed.
        public var p: Float?
        public var ratio: Float?
        public var u: Float?
        public var rule: AcceptanceRule?
        public var status: NodeStatus
        public var candidate: Bool
        /// Cascade only: whether this position deferred to the target.
        public var deferred: Bool?
        /// The token's text, filled in by writers that have the tokenizer (so replay needs no model).
        public var text: String?

        public init(token: TokenID, parent: Int, depth: Int, q: Float?, p: Float?, ratio: Float?, u: Float?,
                    rule: AcceptanceRule?, status: NodeStatus, candidate: Bool, deferred: Bool?) {
            self.token = token
            self.parent = parent
            self.depth = depth
            self.q = q
            self.p = p
            self.ratio = ratio
            self.u = u
            self.rule = rule
            self.status = status
            self.candidate = candidate
            self.deferred = deferred
        }
    }
    public struct Emitted: Sendable, Codable {
        public var token: TokenID
        public var origin: TokenOrigin
        /// The decoded text this token added to the output (see `Node.text`).
        public var text: String?
        public init(token: TokenID, origin: TokenOrigin) {
            self.token = token
            self.origin = origin
        }
    }
    public struct Entry: Sendable, Codable {
        public var token: TokenID
        public var p: Float
        public var text: String?
        public init(token: TokenID, p: Float) {
            self.token = token
            self.p = p
        }
    }

    public var cycle: Int
    public var strategy: String
    /// Output position (0-based) of the first token emitted by this cycle.
    public var position: Int
    public var nodes: [Node]
    public var residualTop: [Entry]
    public var emitted: [Emitted]
    public var draftNs: UInt64
    public var verifyNs: UInt64
    public var rollbackNs: UInt64
    /// Tokens in the target's verify batch (root included).
    public var batchSize: Int
    /// True when an end-of-generation id, a stop string or the budget cut the cycle short.
    public var truncated: Bool
    /// The tree's root: the last committed token before the cycle, and its text when known.
    public var root: TokenID?
    public var rootText: String?

    public init(cycle: Int, strategy: String, position: Int, nodes: [Node], residualTop: [Entry], emitted: [Emitted],
                draftNs: UInt64, verifyNs: UInt64, rollbackNs: UInt64, batchSize: Int, truncated: Bool) {
        self.cycle = cycle
        self.strategy = strategy
        self.position = position
        self.nodes = nodes
        self.residualTop = residualTop
        self.emitted = emitted
        self.draftNs = draftNs
        self.verifyNs = verifyNs
        self.rollbackNs = rollbackNs
        self.batchSize = batchSize
        self.truncated = truncated
    }

    /// The trace with every token's text filled in; `output` gives the decoded text each emitted
    /// token added (it may be empty for part of a character).
    public func withTexts(_ piece: (TokenID) -> String, output: [String]) -> CycleTrace {
        var t = self
        for i in t.nodes.indices { t.nodes[i].text = piece(t.nodes[i].token) }
        t.rootText = t.root.map(piece)
        for i in t.residualTop.indices { t.residualTop[i].text = piece(t.residualTop[i].token) }
        for i in t.emitted.indices { t.emitted[i].text = i < output.count ? output[i] : piece(t.emitted[i].token) }
        return t
    }

    public var acceptedCount: Int { emitted.filter { $0.origin == .accepted }.count }
}
