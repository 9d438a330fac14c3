/// How the draft model proposes at each node.
public enum DraftMode: String, Sendable, Codable, CaseIterable {
    /// Sample from q and verify with R1 / R2.
    case sample
    /// Propose q's argmax (or top-k) and verify with R3.
    case argmax
}

/// What a drafter may use while proposing: the committed sequence, the models and a random stream.
public final class DraftEnvironment {
    /// Prompt and output so far; the last token is the root of the tree to propose.
    public internal(set) var committed: [TokenID] = []
    public internal(set) var promptLength = 0
    /// The target's state, shared with the decoder. Between cycles its cache holds every committed
    /// token but the last. Self-speculation drafts on it (first L blocks only) and must leave it so.
    public let target: ModelState
    public var targetModel: TransformerModel { target.context.model }
    /// The separate draft model's state, when the pair has one.
    public let draft: ModelState?
    /// Sampling settings for draft distributions, and whether drafts are sampled or argmax.
    public var draftSettings: SamplerSettings
    public var draftMode: DraftMode
    /// Random draws for drafting (independent of the verifier's draws).
    public var rng: SeededGenerator
    /// Draft proposals are limited to ids below this (a pair may differ by padding rows at the end).
    public var proposalLimit = Int.max
    /// Tokens the output must not run past (the remaining budget): drafts longer than this are wasted.
    public internal(set) var remainingBudget = Int.max

    init(target: ModelState, draft: ModelState?, draftSettings: SamplerSettings, draftMode: DraftMode, seed: UInt64) {
        self.target = target
        self.draft = draft
        self.draftSettings = draftSettings
        self.draftMode = draftMode
        rng = SeededGenerator(seed: seed ^ 0xD1B5_4A32_D192_ED03)
    }

    /// The draft's processed distribution from `logits` after `committed + path`.
    public func draftDistribution(_ logits: UnsafeBufferPointer<Float>, path: [TokenID]) -> Distribution {
        let usable = logits.count > proposalLimit ? UnsafeBufferPointer(rebasing: logits[0..<proposalLimit]) : logits
        return Sampler.distribution(usable, settings: draftSettings, history: draftSettings.repetitionPenalty == 1 ? [] : committed + path)
    }
}

/// What the verifier saw in one cycle, for drafters that learn from it.
public struct CycleObservation {
    public let tree: DraftTree
    public let result: VerificationResult
    /// The tokens emitted this cycle (accepted drafts, then the final token), before any cut at an end.
    public let emitted: [TokenID]
    /// The target's raw logits at batch row r (0 = root, i + 1 = node i); valid only during `observe`.
    public let targetLogits: (Int) -> UnsafeBufferPointer<Float>
    /// Nanoseconds the cycle spent drafting and verifying.
    public var elapsedNs: UInt64 = 0
}

/// A strategy that proposes a draft tree each cycle.
///
/// Lifecycle: `begin` once per prompt (after prefill), then per cycle `propose` → (verification) →
/// `observe`. A drafter may keep state across prompts (Token Recycling's table, ADED's n-grams).
public protocol Drafter: AnyObject {
    /// The strategy's name as typed on the command line.
    var name: String { get }
    /// A one-line description with the current settings.
    var summary: String { get }
    /// False only for the cascade, whose output differs from the target's distribution by design.
    var isLossless: Bool { get }
    /// True when the drafter needs the separate draft model.
    var needsDraftModel: Bool { get }

    func begin(_ env: DraftEnvironment) throws
    func propose(_ env: DraftEnvironment) throws -> DraftTree
    func observe(_ observation: CycleObservation, _ env: DraftEnvironment)
    /// The distribution verification tests against at node `node` (−1 = root), given the target's p
    /// and the draft's q there. Lossless drafters return p (the default).
    func verificationTarget(p: Distribution, q: Distribution?, node: Int) -> Distribution
    /// Cascade only: whether the last verification deferred to the target at `node`.
    func deferred(at node: Int) -> Bool?
}

extension Drafter {
    public var isLossless: Bool { true }
    public var needsDraftModel: Bool { false }
    public func begin(_ env: DraftEnvironment) throws {}
    public func observe(_ observation: CycleObservation, _ env: DraftEnvironment) {}
    public func verificationTarget(p: Distribution, q: Distribution?, node: Int) -> Distribution { p }
    public func deferred(at node: Int) -> Bool? { nil }
}
