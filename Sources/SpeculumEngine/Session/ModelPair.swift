import Foundation

/// The KV cache size for `requested` tokens (nil: 4096, or the training context when smaller). More
/// than the model was trained on is refused rather than quietly cut.
public func contextCapacity(_ requested: Int?, for model: LoadedModel) throws(DecoderError) -> Int {
    let trained = model.model.config.contextLength
    guard let requested else { return min(4096, trained) }
    guard requested <= trained else {
        throw .invalidOption("--ctx \(requested) is more than \(model.path.split(separator: "/").last ?? "")'s training context (\(trained) tokens)")
    }
    return requested
}

/// A target and, when a strategy needs one, a draft model, loaded once and shared by every strategy.
public final class ModelPair {
    public let target: LoadedModel
    public let targetContext: InferenceContext
    public private(set) var draft: LoadedModel?
    public private(set) var draftContext: InferenceContext?
    public let draftName: String
    /// Draft proposals are limited to ids below this (see `checkVocabularies`).
    public private(set) var proposalLimit = Int.max
    /// The draft's LM head covers only the first N ids and the ids in its context (nil: all; see
    /// `ContextHeadRows`). Its q is then renormalised over them, which R1/R2/R3 take as they are:
    /// verification stays exact.
    public var draftHeadRows: Int? {
        didSet { draftContext?.headRows = draftHeadRows }
    }

    /// `capacity` nil: 4096 tokens, or the model's training context when that is smaller.
    public init(target name: String, draft draftName: String, capacity: Int?, arithmetic: Arithmetic, pool: ComputePool) throws {
        target = try LoadedModel(name)
        targetContext = InferenceContext(model: target.model, capacity: try contextCapacity(capacity, for: target),
                                         arithmetic: arithmetic, pool: pool)
        self.draftName = draftName
    }

    /// Loads the draft on first need, checking that it speaks the target's vocabulary.
    public func ensureDraft() throws {
        guard draft == nil else { return }
        let d = try LoadedModel(draftName)
        proposalLimit = try checkVocabularies(target: target.tokenizer.vocabulary, targetRows: target.model.config.vocabulary,
                                              draft: d.tokenizer.vocabulary, draftRows: d.model.config.vocabulary)
        draft = d
        // Room past the target's end: near the end of the context the draft still evaluates a whole tree level.
        draftContext = InferenceContext(model: d.model, capacity: targetContext.capacity + 128,
                                        arithmetic: targetContext.arithmetic, pool: targetContext.pool)
        draftContext?.headRows = draftHeadRows
        draftContext?.headIncludesContext = true
    }

    /// A decoder over this pair (loading the draft if `drafter` needs it).
    /// `endOfGeneration` replaces the vocabulary's end-of-generation ids (empty: never stop at one).
    public func decoder(drafter: any Drafter, settings: SamplerSettings, draftSettings: SamplerSettings,
                        draftMode: DraftMode, endOfGeneration: Set<TokenID>? = nil) throws -> SpeculativeDecoder {
        if drafter.needsDraftModel { try ensureDraft() }
        try prepare(drafter)
        let d = try SpeculativeDecoder(target: targetContext, draft: draftContext, targetSettings: settings,
                                       draftSettings: draftSettings, draftMode: draftMode,
                                       drafter: drafter, endOfGeneration: endOfGeneration ?? target.tokenizer.vocabulary.endOfGeneration)
        d.environment.proposalLimit = proposalLimit
        return d
    }

    /// This pair's key in the tune cache (nil when the draft's file cannot be found).
    public var tuneKey: String? {
        guard let draftPath = draft?.path ?? (try? ModelStore().resolve(draftName)) else { return nil }
        return TuneCache.key(target: target.path, draft: draftPath, draftHeadRows: draftHeadRows, threads: targetContext.pool.threads)
    }

    /// What `speculum tune` chose for this pair, machine and threads; nil when it has not run.
    public var tuned: TunedSettings? { tuneKey.flatMap { TuneCache().load(key: $0) } }

    /// Where ADED's table is kept between runs: next to the cached models, one file per target.
    public var ngramTablePath: String {
        ModelStore().directory + "/aded-" + (target.path.split(separator: "/").last.map(String.init) ?? "model") + ".txt"
    }

    /// Gets a drafter ready: ADED (alone or inside a switch) starts from the text committed in the
    /// repository and, with `savedTable`, from the table earlier runs saved; strategies that need the
    /// draft model load it. A benchmark passes `savedTable: false`: the saved table holds what earlier
    /// runs generated, which may be the very text being measured.
    public func prepare(_ drafter: any Drafter, savedTable: Bool = true) throws {
        if drafter.needsDraftModel { try ensureDraft() }
        for aded in Self.adedTables(in: drafter) where aded.table.isEmpty {
            aded.learn(corpusTokens)
            if savedTable, let saved = try? String(contentsOfFile: ngramTablePath, encoding: .utf8) {
                try aded.loadTable(saved, source: ngramTablePath)
            }
        }
    }

    /// The committed corpus ADED starts from, tokenized once.
    private lazy var corpusTokens: [TokenID] = {
        guard let corpus = try? String(contentsOfFile: "data/perplexity-eval.txt", encoding: .utf8) else { return [] }
        return target.tokenizer.encode(corpus)
    }()

    /// The ADED drafters a drafter holds: itself, or a switch's.
    public static func adedTables(in drafter: any Drafter) -> [ADEDDrafter] {
        if let aded = drafter as? ADEDDrafter { return [aded] }
        if let switcher = drafter as? SwitchDrafter { return switcher.strategies.flatMap(adedTables(in:)) }
        return []
    }

    /// Saves ADED's table for the next run (best effort: a read-only cache only loses the warm start).
    public func save(_ drafter: any Drafter) {
        guard let aded = Self.adedTables(in: drafter).first else { return }
        try? aded.savedTable().write(toFile: ngramTablePath, atomically: true, encoding: .utf8)
    }
}
