import Testing
import SpeculumEngine

/// On the default pair at temperature 0, every lossless strategy writes exactly AR's tokens.
@Suite(.serialized) struct RealModelDecoderTests {
    static let prompts = [
        "def quicksort(items):",
        "import numpy as np\n\ndef moving_average(values, window):\n    \"\"\"Return the moving average of values.\"\"\"\n",
        "The three laws of thermodynamics are",
        "<|im_start|>user\nExplain what a hash map is in two sentences.<|im_end|>\n<|im_start|>assistant\n",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)\n\n    def pop(self):\n",
        "Translate to French: The weather is nice today, so we will walk to the station.\nFrench:",
    ]

    @Test func everyLosslessStrategyMatchesAutoregressiveDecoding() throws {
        guard let targetPath = TestSupport.realModel(ModelRegistry.defaultTarget),
              let draftPath = TestSupport.realModel(ModelRegistry.defaultDraft) else { return }
        let target = try LoadedModel(targetPath), draft = try LoadedModel(draftPath)
        let limit = try checkVocabularies(target: target.tokenizer.vocabulary, targetRows: target.model.config.vocabulary,
                                          draft: draft.tokenizer.vocabulary, draftRows: draft.model.config.vocabulary)
        let decoder = try SpeculativeDecoder(target: InferenceContext(model: target.model, capacity: 1024),
                                             draft: InferenceContext(model: draft.model, capacity: 1024),
                                             targetSettings: SamplerSettings(), drafter: AutoregressiveDrafter(),
                                             endOfGeneration: target.tokenizer.vocabulary.endOfGeneration)
        decoder.environment.proposalLimit = limit
        let strategies = StrategyCatalog.entries.filter { $0.lossless && $0.name != "ar" }.map(\.name)
        for text in Self.prompts {
            let prompt = target.tokenizer.encode(text, parseSpecial: true)
            try decoder.setDrafter(AutoregressiveDrafter())
            let reference = try decoder.generate(prompt: prompt, maxTokens: 32, tokenizer: target.tokenizer).ids
            #expect(reference.count >= 8, "AR should write a few tokens for \(text.debugDescription)")
            for name in strategies {
                try decoder.setDrafter(try StrategyCatalog.make(name, targetBlocks: target.model.config.blocks))
                let ids = try decoder.generate(prompt: prompt, maxTokens: 32, tokenizer: target.tokenizer).ids
                #expect(ids == reference, "\(name) on \(text.prefix(30).debugDescription)")
            }
        }
    }

    /// The 0.5B draft's head over its first 16,384 ids and its context's ids (its untied Q8_0 head,
    /// repacked, beside rows gathered from the file): each computed logit is bitwise the full head's.
    @Test func theDraftsSubsetHeadGivesTheFullHeadsLogits() throws {
        guard let draftPath = TestSupport.realModel(ModelRegistry.defaultDraft) else { return }
        let draft = try LoadedModel(draftPath)
        let prompt = draft.tokenizer.encode(Self.prompts[5] + " Le temps est magnifique aujourd'hui", parseSpecial: true)
        let full = InferenceContext(model: draft.model, capacity: 256), sub = InferenceContext(model: draft.model, capacity: 256)
        sub.headRows = 16_384
        sub.headIncludesContext = true
        try full.evaluate(prompt, logitsFor: [prompt.count - 2, prompt.count - 1])
        try sub.evaluate(prompt, logitsFor: [prompt.count - 2, prompt.count - 1])
        let beyond = Set(prompt.filter { $0 >= 16_384 })
        #expect(!beyond.isEmpty, "the prompt has ids past the first 16,384")
        for k in 0..<2 {
            let a = full.logitsArray(k), b = sub.logitsArray(k)
            let computed = b.indices.filter { b[$0] != -.infinity }
            #expect(Set(computed) == Set(0..<16_384).union(beyond), "row \(k): exactly the first ids and the context's")
            let bad = computed.filter { a[$0].bitPattern != b[$0].bitPattern }
            #expect(bad.isEmpty, "row \(k): the full head's logits; differ at \(bad.prefix(5).map { ($0, a[$0], b[$0]) }) of \(bad.count)")
        }
    }
}
