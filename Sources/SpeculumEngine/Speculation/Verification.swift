/// The rule a draft token was tested with.
public enum AcceptanceRule: String, Sendable, Codable {
    /// Sampled draft: accept with min(1, p/q), else continue from norm(max(0, p − q)).
    case r1 = "R1"
    /// Drafts sampled without replacement: R1 against q with earlier siblings removed (RSD).
    case r2 = "R2"
    /// Deterministic draft: accept with probability p(x), else zero x in p and renormalise.
    case r3 = "R3"
}

public enum NodeStatus: String, Sendable, Codable {
    case accepted, rejected, unvisited
}

/// What the verifier decided about one node, with the numbers that decided it.
public struct NodeVerdict: Sendable {
    public var status: NodeStatus = .unvisited
    public var rule: AcceptanceRule?
    /// p_k(x): the (possibly residualised) target probability when the node was tested.
    public var p: Float?
    /// q_k(x): the draft probability it was tested against (1 for deterministic drafts).
    public var qTested: Float?
    /// The uniform draw u; accepted when u < min(1, p/q).
    public var u: Float?
    public var ratio: Float? {
        guard let p, let q = qTested else { return nil }
        return q > 0 ? p / q : (p > 0 ? .infinity : 0)
    }
}

/// Where an emitted token came from.
public enum TokenOrigin: String, Sendable, Codable {
    case accepted, correction, bonus
    /// A token of plain autoregressive decoding (a bonus with no draft at all).
    case autoregressive
}

public struct VerificationResult: Sendable {
    public var verdicts: [NodeVerdict]
    /// Accepted nodes, root's child first.
    public var acceptedPath: [Int]
    /// The token drawn at the node where the walk stopped, and whether it corrects a rejection or is a bonus.
    public var finalToken: TokenID
    public var finalOrigin: TokenOrigin
    /// On a rejection, the largest entries of the distribution the correction was drawn from.
    public var residualTop: [(token: TokenID, p: Float)]
    /// Σ_x min(p, q) at each node where a sampled draft was tested first (for the theoretical MAT).
    public var overlaps: [Double]
}

/// Walks a draft tree from the root, testing each node's candidate children in draft order with
/// the rule its proposal calls for, and draws the final token (correction or bonus). This is the
/// whole of lossless verification.
///
/// - `target(v)`: the processed target distribution at node v (−1 = root), i.e. of the token after
///   v's path. Asked only for nodes the walk reaches.
/// - `uniform()`: a fresh U[0, 1) draw; one per tested node plus one for the final token.
public func verify(_ tree: DraftTree, target: (Int) -> Distribution, uniform: () -> Float) -> VerificationResult {
    var verdicts = [NodeVerdict](repeating: NodeVerdict(), count: tree.count)
    var path: [Int] = []
    var overlaps: [Double] = []
    var node = -1
    while true {
        var p = target(node)
        let children = tree.candidates(of: node)
        var rejected = false
        var next: Int?
        if let proposal = tree.proposals[node], !children.isEmpty {
            switch proposal {
            case .sampled(var q):
                let rule: AcceptanceRule = children.count == 1 ? .r1 : .r2
                overlaps.append(1 - Distribution.totalVariation(p, q))
                for c in children {
                    let x = tree.nodes[c].token
                    let u = uniform()
                    let (px, qx) = (p.p(x), q.p(x))
                    verdicts[c] = NodeVerdict(status: .rejected, rule: rule, p: px, qTested: qx, u: u)
                    // Accept with probability min(1, p(x)/q(x)); u < 1 always, so p ≥ q always accepts.
                    if Double(u) * Double(qx) < Double(px) { next = c; break }
                    p = Distribution.residual(p, q)   // p ← norm(max(0, p − q))
                    q = q.removing(x)                 // q ← q with x removed (the next sibling's proposal)
                    rejected = true
                }
            case .deterministic:
                for c in children {
                    let x = tree.nodes[c].token
                    let u = uniform()
                    let px = p.p(x)
                    verdicts[c] = NodeVerdict(status: .rejected, rule: .r3, p: px, qTested: 1, u: u)
                    // Accept with probability p(x); a sole remaining token is certain whatever the rounding.
                    if u < px || (p.tokens.count == 1 && p.tokens[0] == x) { next = c; break }
                    p = p.removing(x)                 // p ← p with x zeroed, renormalised
                    rejected = true
                }
            }
        }
        if let c = next {
            verdicts[c].status = .accepted
            path.append(c)
            node = c
            continue
        }
        let token = p.sample(uniform())
        return VerificationResult(verdicts: verdicts, acceptedPath: path, finalToken: token,
                                  finalOrigin: rejected ? .correction : .bonus,
                                  residualTop: rejected ? p.top(5) : [], overlaps: overlaps)
    }
}
