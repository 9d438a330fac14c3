import SpeculumEngine
#if canImport(Glibc)
import Glibc
#endif

/// A target and a draft over the same 8-token vocabulary, with different random weights so that the
/// draft is often wrong. Built once and shared by the decoder tests.
enum TinyPair {
    static let target = try! TinyModel.smallVocabularyModel(seed: 11)
    static let draft = try! TinyModel.smallVocabularyModel(seed: 12, outputScale: 45)
    /// The tiny models are too small to split across threads with profit; one worker per decoder
    /// also lets the parameterised tests run side by side.
    static func pool() -> ComputePool { ComputePool(threads: 1) }

    static func decoder(_ drafter: any Drafter, settings: SamplerSettings, draftSettings: SamplerSettings? = nil,
                        mode: DraftMode = .sample, endOfGeneration: Set<TokenID> = [], draftHeadRows: Int? = nil,
                        headIncludesContext: Bool = false) throws -> SpeculativeDecoder {
        let pool = pool()
        let draftContext = InferenceContext(model: draft, capacity: 256, maxBatch: 96, pool: pool)
        draftContext.headRows = draftHeadRows
        draftContext.headIncludesContext = headIncludesContext
        let d = try SpeculativeDecoder(target: InferenceContext(model: target, capacity: 256, maxBatch: 96, pool: pool),
                                       draft: draftContext, targetSettings: settings, draftSettings: draftSettings, draftMode: mode,
                                       drafter: drafter, endOfGeneration: endOfGeneration)
        if let h = draftHeadRows, !headIncludesContext { d.environment.proposalLimit = h }
        return d
    }

    /// Every strategy's drafter with settings that fit the tiny models (2 blocks, 8 tokens).
    static func drafter(_ name: String) throws -> any Drafter {
        switch name {
        case "self": return try StrategyCatalog.make("self", settings: ["layers": "1"], targetBlocks: 2)
        case "tree": return try StrategyCatalog.make("tree", settings: ["branching": "3x2x1"])
        case "switch": return try StrategyCatalog.make("switch", settings: ["explore": "2"])  // switch often
        default: return try StrategyCatalog.make(name)
        }
    }

    /// Tokens of plain greedy decoding from a fresh context.
    static func greedy(prompt: [TokenID], count: Int, model: TransformerModel = target) throws -> [TokenID] {
        let ctx = InferenceContext(model: model, capacity: 256)
        try ctx.evaluate(prompt, logitsFor: [prompt.count - 1])
        var out: [TokenID] = []
        while out.count < count {
            let t = Sampler.argmax(ctx.logits(0))
            out.append(t)
            try ctx.evaluate([t], logitsFor: [0])
        }
        return out
    }
}

/// Upper tail of the chi-square distribution with `df` degrees of freedom, by the Wilson–Hilferty
/// cube-root normal approximation (accurate to a few percent in p for df ≥ 30, which is what the
/// tests use).
func chiSquareTail(_ x: Double, df: Int) -> Double {
    let k = Double(df)
    let z = (pow(x / k, 1.0 / 3) - (1 - 2 / (9 * k))) / (2 / (9 * k)).squareRoot()
    return 0.5 * erfc(z / 2.0.squareRoot())
}

/// Pearson's statistic over cells, pooling cells whose expected count is below 5 into one.
func chiSquare(observed: [Int], expected: [Double]) -> (statistic: Double, df: Int) {
    var stat = 0.0, cells = 0, pooledObserved = 0.0, pooledExpected = 0.0
    for (o, e) in zip(observed, expected) {
        if e < 5 {
            pooledObserved += Double(o)
            pooledExpected += e
        } else {
            stat += (Double(o) - e) * (Double(o) - e) / e
            cells += 1
        }
    }
    if pooledExpected > 0 {
        stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected
        cells += 1
    }
    return (stat, cells - 1)
}
