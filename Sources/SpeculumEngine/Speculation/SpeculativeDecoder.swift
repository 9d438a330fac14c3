import Dispatch

/// Why a pair of models cannot decode together.
public enum DecoderError: Error, Sendable, CustomStringConvertible {
    case vocabularyMismatch(target: Int, draft: Int, firstDifference: String)
    case needsDraftModel(String)
    case emptyPrompt
    case inference(InferenceError)
    case invalidOption(String)
    case contextFull(capacity: Int)

    public var description: String {
        switch self {
        case .vocabularyMismatch(let t, let d, let diff):
            return "the draft's vocabulary (\(d) tokens) does not match the target's (\(t) tokens): \(diff)"
        case .needsDraftModel(let s): return "strategy '\(s)' needs a draft model (give one with --draft)"
        case .emptyPrompt: return "the prompt is empty"
        case .inference(let e): return e.description
        case .invalidOption(let why): return why
        case .contextFull(let c): return "the context is full (\(c) tokens): raise it with --ctx to generate more"
        }
    }
}

/// The phases of one decoding cycle.
public enum DecodePhase: String, Sendable, CaseIterable { case prefilling, drafting, verifying, accepting }

/// One target model, an optional draft model, and a drafter: prefill a prompt, then cycles of
/// draft → verify → accept. Strategies are switched between cycles without touching the models.
public final class SpeculativeDecoder {
    public let target: ModelState
    public let environment: DraftEnvironment
    public var targetSettings: SamplerSettings
    public private(set) var drafter: any Drafter
    public let endOfGeneration: Set<TokenID>
    /// Prompt and output so far.
    public private(set) var committed: [TokenID] = []
    public private(set) var promptLength = 0
    public var output: ArraySlice<TokenID> { committed[promptLength...] }
    public private(set) var statistics = DecodeStatistics()
    public private(set) var cycleCount = 0
    /// The last cycle's tree and verification (for views that need the draft distributions); the
    /// target's logits of that cycle's rows stay in `target.context` until the next evaluation.
    public private(set) var lastTree: DraftTree?
    public private(set) var lastResult: VerificationResult?
    private var verifierRNG: SeededGenerator
    /// Told when a cycle enters each phase (on the decoding thread): live status, and the
    /// playground's signal checks, which interrupt it inside a chosen phase.
    public var phaseObserver: ((DecodePhase) -> Void)?

    public init(target: InferenceContext, draft: InferenceContext? = nil, targetSettings: SamplerSettings,
                draftSettings: SamplerSettings? = nil, draftMode: DraftMode = .sample,
                drafter: any Drafter, endOfGeneration: Set<TokenID>) throws(DecoderError) {
        self.target = ModelState(context: target)
        self.targetSettings = targetSettings
        self.endOfGeneration = endOfGeneration
        self.drafter = drafter
        environment = DraftEnvironment(target: self.target, draft: draft.map { ModelState(context: $0) },
                                       draftSettings: draftSettings ?? targetSettings, draftMode: draftMode,
                                       seed: targetSettings.seed)
        verifierRNG = SeededGenerator(seed: targetSettings.seed)
        if drafter.needsDraftModel && draft == nil { throw .needsDraftModel(drafter.name) }
    }

    /// Replaces the strategy; the next cycle uses it. The models and their caches are kept.
    public func setDrafter(_ d: any Drafter) throws {
        if d.needsDraftModel && environment.draft == nil { throw DecoderError.needsDraftModel(d.name) }
        drafter = d
        if !committed.isEmpty { try d.begin(environment) }
    }

    /// Starts a generation after `prompt`: the target evaluates all but the last prompt token (only
    /// what its cache lacks), which becomes the root of the first cycle.
    public func start(prompt: [TokenID], seed: UInt64? = nil) throws {
        guard !prompt.isEmpty else { throw DecoderError.emptyPrompt }
        let t0 = now()
        if let seed {
            targetSettings.seed = seed
            verifierRNG = SeededGenerator(seed: seed)
            environment.rng = SeededGenerator(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        }
        committed = prompt
        promptLength = prompt.count
        statistics = DecodeStatistics()
        cycleCount = 0
        phaseObserver?(.prefilling)
        do { try target.sync(to: Array(prompt.dropLast()), logitsForLast: false) } catch { throw DecoderError.inference(error) }
        environment.committed = committed
        environment.promptLength = promptLength
        try drafter.begin(environment)
        statistics.prefillNs = now() - t0
        statistics.prefillTokens = prompt.count
    }

    /// Lends the target's state to analysis: `body` may evaluate anything on it; afterwards its cache
    /// again holds every committed token but the last, as cycles expect (only what changed is
    /// evaluated again).
    public func borrowTarget<T>(_ body: (ModelState) throws -> T) throws -> T {
        let result = Result { try body(target) }
        do { try target.sync(to: Array(committed.dropLast()), logitsForLast: false) } catch { throw DecoderError.inference(error) }
        return try result.get()
    }

    /// Why `step` ended the generation.
    public enum Stop: Sendable { case endOfGeneration, stopString, budget, contextFull }

    /// Draft nodes the next cycle's verification can still hold: the target's cache has the committed
    /// tokens but the root, and the batch is the root plus the nodes. −1: no further cycle fits.
    public var contextRoom: Int { target.context.capacity - committed.count }

    /// One cycle: draft, verify in one target forward, accept, roll back. `budget` caps the total
    /// output; `isStop(i)` is asked after output token i is appended and ends the output there.
    /// Returns the trace and, when the output ended inside this cycle, why.
    public func step(budget: Int, isStop: (Int) -> Bool = { _ in false }) throws -> (trace: CycleTrace, stop: Stop?) {
        let room = contextRoom
        guard room >= 0 else { throw DecoderError.contextFull(capacity: target.context.capacity) }
        let t0 = now()
        environment.committed = committed
        environment.remainingBudget = min(max(1, budget - output.count), room)
        // Drafters bound the depth by the budget; near the end of the context the node count is cut too.
        phaseObserver?(.drafting)
        let tree = try drafter.propose(environment).prefix(room)
        let t1 = now()

        // Verify: row 0 is the root (the last committed token, not yet in the target's cache).
        let root = committed[committed.count - 1]
        let batch = [root] + tree.nodes.map(\.token)
        phaseObserver?(.verifying)
        do {
            try target.evaluateTree(batch, parents: tree.batchParents, logitsFor: Array(0..<batch.count))
        } catch { throw DecoderError.inference(error) }
        let penalised = targetSettings.repetitionPenalty != 1
        var targetP: [Int: Distribution] = [:]
        let drafter = self.drafter, settings = targetSettings, ctx = target.context, history = committed
        let result = verify(tree, target: { v in
            let p = Sampler.distribution(ctx.logits(v + 1), settings: settings,
                                         history: penalised ? history + tree.path(to: v) : [])
            targetP[v] = p
            return drafter.verificationTarget(p: p, q: tree.proposals[v]?.q, node: v)
        }, uniform: { verifierRNG.uniform() })
        let t2 = now()

        lastTree = tree
        lastResult = result
        phaseObserver?(.accepting)
        let emitted = result.acceptedPath.map { tree.nodes[$0].token } + [result.finalToken]
        drafter.observe(CycleObservation(tree: tree, result: result, emitted: emitted,
                                         targetLogits: { ctx.logits($0) }, elapsedNs: t2 - t0), environment)
        let t3 = now()

        // Cut at an end-of-generation id, a stop string or the budget.
        var kept = 0
        var stop: Stop?
        for t in emitted {
            if endOfGeneration.contains(t) { stop = .endOfGeneration; break }
            kept += 1
            committed.append(t)
            if isStop(output.count - 1) { stop = .stopString; break }
            if output.count >= budget { stop = .budget; break }
        }
        if stop == nil && contextRoom < 0 { stop = .contextFull }
        // The target keeps the root and the accepted rows of what was kept, except the last kept
        // token, which is the next root. The draft forgets whatever the output did not keep.
        let keptNodes = Array(result.acceptedPath.prefix(max(0, kept - 1)))
        target.keep(rows: kept > 0 ? [0] + keptNodes.map { $0 + 1 } : [],
                    tokens: kept > 0 ? [root] + keptNodes.map { tree.nodes[$0].token } : [])
        environment.draft?.rollBack(to: committed)
        let t4 = now()

        var trace = makeTrace(tree, result, targetP: targetP, emitted: Array(emitted.prefix(kept)), stop: stop)
        trace.draftNs = (t1 - t0) + (t3 - t2)
        trace.verifyNs = t2 - t1
        trace.rollbackNs = t4 - t3
        trace.batchSize = batch.count
        trace.root = root
        statistics.record(trace, emittedCount: kept, draftCandidates: tree.candidateCount,
                          overlaps: result.overlaps, targetPass: true)
        // Decode time is the sum of the cycles' own time, so pauses between steps (the playground) do not count.
        statistics.decodeNs += t4 - t0
        if statistics.timeToFirstTokenNs == 0 && kept > 0 { statistics.timeToFirstTokenNs = statistics.prefillNs + statistics.decodeNs }
        cycleCount += 1
        return (trace, stop)
    }

    private func makeTrace(_ tree: DraftTree, _ r: VerificationResult, targetP: [Int: Distribution],
                           emitted: [TokenID], stop: Stop?) -> CycleTrace {
        let nodes = tree.nodes.enumerated().map { i, n in
            let v = r.verdicts[i]
            return CycleTrace.Node(token: n.token, parent: n.parent, depth: n.depth, q: n.q,
                                   p: v.p ?? targetP[n.parent]?.p(n.token), ratio: v.ratio, u: v.u, rule: v.rule,
                                   status: v.status, candidate: n.isCandidate, deferred: drafter.deferred(at: n.parent))
        }
        let origins: [TokenOrigin] = r.acceptedPath.map { _ in .accepted }
            + [tree.isEmpty ? .autoregressive : r.finalOrigin]
        return CycleTrace(cycle: cycleCount, strategy: drafter.name, position: output.count - emitted.count, nodes: nodes,
                          residualTop: r.residualTop.map { .init(token: $0.token, p: $0.p) },
                          emitted: zip(emitted, origins).map { .init(token: $0, origin: $1) },
                          draftNs: 0, verifyNs: 0, rollbackNs: 0, batchSize: 0,
                          truncated: stop != nil && emitted.count < r.acceptedPath.count + 1)
    }
}

@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Checks that a draft can propose for a target: the same token texts id by id. Extra ids at the end
/// of either vocabulary are allowed when they are padding (unused or control entries). Returns how
/// many ids the draft may propose.
public func checkVocabularies(target: Vocabulary, targetRows: Int, draft: Vocabulary, draftRows: Int) throws(DecoderError) -> Int {
    let common = min(target.count, draft.count)
    func shown(_ s: String) -> String { "'" + s.prefix(40) + "'" }
    for i in 0..<common where target.tokens[i] != draft.tokens[i] {
        throw .vocabularyMismatch(target: target.count, draft: draft.count,
                                  firstDifference: "token \(i) is \(shown(target.tokens[i])) in the target and \(shown(draft.tokens[i])) in the draft")
    }
    let (longer, name) = target.count > draft.count ? (target, "target") : (draft, "draft")
    for i in common..<longer.count where longer.types[i] != .unused && longer.types[i] != .control && !longer.tokens[i].contains("PAD") {
        throw .vocabularyMismatch(target: target.count, draft: draft.count,
                                  firstDifference: "token \(i) \(shown(longer.tokens[i])) exists only in the \(name)")
    }
    return min(common, targetRows, draftRows)
}
