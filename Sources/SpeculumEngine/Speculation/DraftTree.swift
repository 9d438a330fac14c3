/// How the children of one tree node were proposed; it decides the acceptance rule.
public enum Proposal: Sendable {
    /// Drawn without replacement from the draft distribution q, in node order: one child is standard
    /// speculative sampling (R1), several are RSD's recursive rejection sampling (R2).
    case sampled(q: Distribution)
    /// Chosen without looking at the target (argmax, top-k, n-gram, table): each child is a point
    /// mass, verified with R3. `q` is the draft's distribution when there was one, for display only.
    case deterministic(q: Distribution?)

    public var q: Distribution? {
        switch self {
        case .sampled(let q): return q
        case .deterministic(let q): return q
        }
    }
}

/// One proposed token. The root — the last committed token — is not a node; its index is −1.
public struct DraftNode: Sendable {
    public var token: TokenID
    /// Index of the parent node, or −1 for a child of the root.
    public var parent: Int
    /// 1 for children of the root.
    public var depth: Int
    /// The draft's probability of `token` at the parent (before any without-replacement removal);
    /// nil when nothing like a probability exists (n-gram and table drafts).
    public var q: Float?
    /// False for tokens evaluated only for the drafter's own use (lookahead's Jacobi window): the
    /// verifier never walks into them.
    public var isCandidate: Bool

    public init(token: TokenID, parent: Int, depth: Int, q: Float? = nil, isCandidate: Bool = true) {
        self.token = token
        self.parent = parent
        self.depth = depth
        self.q = q
        self.isCandidate = isCandidate
    }
}

/// The proposal of one cycle: nodes in topological order (every parent before its children),
/// siblings in the order they were drawn, and for each node with candidate children how they were
/// proposed.
public struct DraftTree: Sendable {
    public private(set) var nodes: [DraftNode] = []
    /// Keyed by parent index (−1 for the root).
    public private(set) var proposals: [Int: Proposal] = [:]

    public init() {}

    /// Appends a node under `parent` (−1 = root) and returns its index.
    @discardableResult
    public mutating func add(_ token: TokenID, parent: Int, q: Float? = nil, isCandidate: Bool = true) -> Int {
        precondition(parent >= -1 && parent < nodes.count, "a parent must come before its children")
        let depth = parent < 0 ? 1 : nodes[parent].depth + 1
        nodes.append(DraftNode(token: token, parent: parent, depth: depth, q: q, isCandidate: isCandidate))
        return nodes.count - 1
    }

    /// Declares how the candidate children of `parent` were proposed.
    public mutating func setProposal(_ proposal: Proposal, for parent: Int) {
        proposals[parent] = proposal
    }

    public var isEmpty: Bool { nodes.isEmpty }
    public var count: Int { nodes.count }
    public var candidateCount: Int { nodes.lazy.filter(\.isCandidate).count }
    public var maxDepth: Int { nodes.map(\.depth).max() ?? 0 }

    /// Candidate children of `parent` in draft order.
    public func candidates(of parent: Int) -> [Int] {
        nodes.indices.filter { nodes[$0].parent == parent && nodes[$0].isCandidate }
    }

    /// Tokens from the root's child down to `node`.
    public func path(to node: Int) -> [TokenID] {
        var tokens: [TokenID] = []
        var i = node
        while i >= 0 {
            tokens.append(nodes[i].token)
            i = nodes[i].parent
        }
        return tokens.reversed()
    }

    /// The first `count` nodes and their proposals: still a tree (parents come first), and each
    /// sibling list is a prefix of its draws, which R1/R2/R3 accept as a proposal of its own.
    public func prefix(_ count: Int) -> DraftTree {
        guard count < nodes.count else { return self }
        var t = DraftTree()
        t.nodes = Array(nodes.prefix(max(0, count)))
        t.proposals = proposals.filter { $0.key < t.nodes.count && (!t.candidates(of: $0.key).isEmpty) }
        return t
    }

    /// Parent indices as batch indices for a forward pass whose row 0 is the root.
    public var batchParents: [Int] { [-1] + nodes.map { $0.parent + 1 } }
}
