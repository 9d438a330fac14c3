import CKernels
import Testing
import SpeculumEngine

/// Logits of `tokens` evaluated one at a time after `prefix`, for the last token.
func oneAtATime(_ model: TransformerModel, prefix: [TokenID], path: [TokenID], arithmetic: Arithmetic) throws -> [[Float]] {
    let ctx = InferenceContext(model: model, capacity: 128, maxBatch: 16, arithmetic: arithmetic, pool: ComputePool(threads: 2))
    try ctx.evaluate(prefix, logitsFor: [])
    var out: [[Float]] = []
    for t in path {
        try ctx.evaluate([t], logitsFor: [0])
        out.append(ctx.logitsArray(0))
    }
    return out
}

func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

@Suite struct EngineTests {
    static let arithmetics: [Arithmetic] = [.exact, .quantizedActivations]
    let prefix: [TokenID] = [72, 101, 108, 108, 111, 44, 32, 119, 111, 114]

    /// A tree of 7 nodes:      root(0) ─ 1 ─ 3
    ///                                 │    └ 4 ─ 6
    ///                                 └ 2 ─ 5
    let tree: [TokenID] = [100, 101, 102, 103, 104, 105, 106]
    let parents = [-1, 0, 0, 1, 1, 2, 4]

    func path(to node: Int) -> [Int] {
        var p: [Int] = []
        var j = node
        while j >= 0 { p.insert(j, at: 0); j = parents[j] }
        return p
    }

    @Test(arguments: arithmetics)
    func treeNodesEqualTheirPathsBitwise(_ arithmetic: Arithmetic) throws {
        let model = try TinyModel.model()
        let ctx = InferenceContext(model: model, capacity: 128, maxBatch: 16, arithmetic: arithmetic, pool: ComputePool(threads: 2))
        try ctx.evaluate(prefix, logitsFor: [])
        try ctx.evaluate(tree, parents: parents, logitsFor: Array(0..<tree.count))
        let treeLogits = (0..<tree.count).map { ctx.logitsArray($0) }
        for node in 0..<tree.count {
            let p = path(to: node).map { tree[$0] }
            // As one chain batch after the prefix…
            let chain = InferenceContext(model: model, capacity: 128, maxBatch: 16, arithmetic: arithmetic, pool: ComputePool(threads: 1))
            try chain.evaluate(prefix, logitsFor: [])
            try chain.evaluate(p, logitsFor: [p.count - 1])
            #expect(bitwiseEqual(chain.logitsArray(0), treeLogits[node]), "node \(node) as a chain")
            // …and one token at a time.
            let stepwise = try oneAtATime(model, prefix: prefix, path: p, arithmetic: arithmetic).last!
            #expect(bitwiseEqual(stepwise, treeLogits[node]), "node \(node) one at a time")
        }
    }

    @Test(arguments: arithmetics)
    func aRowsLogitsDoNotDependOnTheBatch(_ arithmetic: Arithmetic) throws {
        let model = try TinyModel.model(seed: 3)
        let all = prefix + [120, 121, 122, 123, 124, 125]
        // The whole sequence at once (split into batches of 4 by maxBatch), and token by token.
        let ctx = InferenceContext(model: model, capacity: 128, maxBatch: 4, arithmetic: arithmetic)
        try ctx.evaluate(all, logitsFor: Array(0..<all.count))
        let batched = (0..<all.count).map { ctx.logitsArray($0) }
        let single = try oneAtATime(model, prefix: [], path: all, arithmetic: arithmetic)
        for i in 0..<all.count { #expect(bitwiseEqual(batched[i], single[i]), "row \(i)") }
        // Requesting a subset in another order returns the same rows.
        ctx.truncate(to: 0)
        try ctx.evaluate(all, logitsFor: [7, 2])
        #expect(bitwiseEqual(ctx.logitsArray(0), batched[7]) && bitwiseEqual(ctx.logitsArray(1), batched[2]))
    }

    @Test(arguments: arithmetics)
    func aTreeGrownLevelByLevelEqualsTheWholeTreeBitwise(_ arithmetic: Arithmetic) throws {
        let model = try TinyModel.model(seed: 8)
        let whole = InferenceContext(model: model, capacity: 128, maxBatch: 16, arithmetic: arithmetic)
        try whole.evaluate(prefix, logitsFor: [])
        try whole.evaluate(tree, parents: parents, logitsFor: Array(0..<tree.count))
        let expected = (0..<tree.count).map { whole.logitsArray($0) }

        // Levels {0}, {1, 2}, {3, 4, 5}, {6}: each call evaluates only its own nodes.
        let grown = InferenceContext(model: model, capacity: 128, maxBatch: 16, arithmetic: arithmetic)
        try grown.evaluate(prefix, logitsFor: [])
        for (i, level) in [0..<1, 1..<3, 3..<6, 6..<7].enumerated() {
            try grown.evaluate(Array(tree[level]), parents: Array(parents[level]), extendingTree: i > 0,
                               logitsFor: Array(0..<level.count))
            #expect(grown.length == prefix.count + level.upperBound)
            for (k, node) in level.enumerated() {
                #expect(bitwiseEqual(grown.logitsArray(k), expected[node]), "node \(node)")
            }
        }
        // The grown tree collapses to a path like any other.
        grown.keepRows([0, 1, 4, 6])
        whole.keepRows([0, 1, 4, 6])
        try grown.evaluate([200], logitsFor: [0])
        try whole.evaluate([200], logitsFor: [0])
        #expect(bitwiseEqual(grown.logitsArray(0), whole.logitsArray(0)))

        // Nothing to extend after a chain or a truncation; a parent beyond the tree is refused.
        #expect(throws: InferenceError.invalidTree("there is no tree to extend")) {
            try grown.evaluate([1], parents: [-1], extendingTree: true, logitsFor: [])
        }
        try grown.evaluate([1, 2], parents: [-1, 0], logitsFor: [])
        #expect(throws: InferenceError.invalidTree("token 0 has parent 2; parents must come earlier in the tree")) {
            try grown.evaluate([3], parents: [2], extendingTree: true, logitsFor: [])
        }
    }

    @Test func aSubsetHeadComputesItsRowsBitwiseAndMasksTheRest() throws {
        let model = try TinyModel.model(seed: 9)
        let full = InferenceContext(model: model, capacity: 64, maxBatch: 16)
        try full.evaluate(prefix, logitsFor: [3, 9, 5])
        let sub = InferenceContext(model: model, capacity: 64, maxBatch: 16)
        sub.headRows = 100
        try sub.evaluate(prefix, logitsFor: [3, 9, 5])
        for k in 0..<3 {
            let a = full.logitsArray(k), b = sub.logitsArray(k)
            #expect(bitwiseEqual(Array(a[..<100]), Array(b[..<100])), "row \(k): the computed rows are the full head's")
            #expect(b[100...].allSatisfy { $0 == -.infinity }, "row \(k): the rest is masked")
        }
        sub.headRows = 10_000
        #expect(sub.headRows == model.config.vocabulary, "clamped to the vocabulary")
    }

    /// With the context's ids: the first 100 rows, plus the rows of the ids ≥ 100 in the cache, each
    /// bitwise the full head's; the rest masked. A truncation takes out the ids that leave the cache.
    @Test func aSubsetHeadAlsoComputesTheContextsIdsUntilTheyLeave() throws {
        let model = try TinyModel.model(seed: 9)
        let full = InferenceContext(model: model, capacity: 64, maxBatch: 16)
        let sub = InferenceContext(model: model, capacity: 64, maxBatch: 16)
        sub.headRows = 100
        sub.headIncludesContext = true
        func expectRows(_ tokens: [TokenID], context: [TokenID], _ label: String) throws {
            full.truncate(to: 0)
            try full.evaluate(context, logitsFor: [])
            try full.evaluate(tokens, logitsFor: Array(tokens.indices))
            try sub.evaluate(tokens, logitsFor: Array(tokens.indices))
            let inContext = Set((context + tokens).filter { $0 >= 100 })
            for k in tokens.indices {
                let a = full.logitsArray(k), b = sub.logitsArray(k)
                for id in 0..<a.count {
                    if id < 100 || inContext.contains(id) {
                        #expect(a[id].bitPattern == b[id].bitPattern, "\(label), row \(k), id \(id): the full head's logit")
                    } else {
                        #expect(b[id] == -.infinity, "\(label), row \(k), id \(id): masked")
                    }
                }
            }
        }
        try expectRows(prefix, context: [], "the prefix")   // 101, 108, 111, 114, 119 enter
        sub.truncate(to: 5)                                    // [72, 101, 108, 108, 111]: 114 and 119 leave
        try expectRows([33, 256], context: Array(prefix.prefix(5)), "after a truncation")
        sub.truncate(to: 0)
        try expectRows([1, 2], context: [], "after emptying")  // nothing past the first 100
    }

    @Test func truncateAndCompactBehaveAsIfOnlyKeptTokensWereEvaluated() throws {
        let model = try TinyModel.model(seed: 4)
        let reference = InferenceContext(model: model, capacity: 128)
        // Reference: prefix, then tree path 0 → 1 → 4, then token 200.
        let kept = [0, 1, 4]
        try reference.evaluate(prefix + kept.map { tree[$0] } + [200], logitsFor: [prefix.count + kept.count])
        let expected = reference.logitsArray(0)

        let ctx = InferenceContext(model: model, capacity: 128)
        try ctx.evaluate(prefix, logitsFor: [])
        try ctx.evaluate(tree, parents: parents, logitsFor: [])
        ctx.keepRows(kept)
        #expect(ctx.length == prefix.count + kept.count)
        try ctx.evaluate([200], logitsFor: [0])
        #expect(bitwiseEqual(ctx.logitsArray(0), expected))

        // Rolling back a chain: evaluate junk, truncate, continue.
        ctx.truncate(to: prefix.count)
        try ctx.evaluate([9, 9, 9], logitsFor: [])
        ctx.truncate(to: prefix.count)
        try ctx.evaluate(kept.map { tree[$0] } + [200], logitsFor: [kept.count])
        #expect(bitwiseEqual(ctx.logitsArray(0), expected))
    }

    @Test func llamaArchitectureRunsWithAdjacentPairRotation() throws {
        let llama = try TinyModel.model(architecture: "llama", seed: 5)
        #expect(llama.config.architecture == .llama && !llama.config.neoxRope && !llama.config.hasQKVBias)
        let ctx = InferenceContext(model: llama, capacity: 64)
        try ctx.evaluate(prefix, logitsFor: [prefix.count - 1])
        let logits = ctx.logitsArray(0)
        #expect(logits.allSatisfy { $0.isFinite })
        #expect(Set(logits).count > 200, "logits vary across the vocabulary")
    }

    @Test func exactAndQuantizedActivationsAgreeClosely() throws {
        let model = try TinyModel.model(seed: 6)
        var last: [[Float]] = []
        for a in EngineTests.arithmetics {
            let ctx = InferenceContext(model: model, capacity: 64, arithmetic: a)
            try ctx.evaluate(prefix, logitsFor: [prefix.count - 1])
            last.append(ctx.logitsArray(0))
        }
        let maxDiff = zip(last[0], last[1]).map { abs($0 - $1) }.max()!
        let spread = last[0].max()! - last[0].min()!
        #expect(maxDiff > 0, "the two paths really differ")
        #expect(maxDiff < 0.05 * spread, "max |Δlogit| \(maxDiff) against a spread of \(spread)")
    }

    @Test func blockLimitAndCapturedHiddenStates() throws {
        let model = try TinyModel.model(seed: 7)
        let ctx = InferenceContext(model: model, capacity: 64)
        try ctx.evaluate(prefix, logitsFor: [prefix.count - 1], options: ForwardOptions(captureRows: [prefix.count - 1]))
        let full = ctx.logitsArray(0)
        #expect(ctx.capturedHidden.count == TinyModel.blocks && ctx.capturedHidden.allSatisfy { $0.count == 1 && $0[0].count == TinyModel.embedding })
        ctx.truncate(to: 0)
        try ctx.evaluate(prefix, logitsFor: [prefix.count - 1], options: ForwardOptions(blockLimit: TinyModel.blocks))
        #expect(bitwiseEqual(ctx.logitsArray(0), full))
        ctx.truncate(to: 0)
        try ctx.evaluate(prefix, logitsFor: [prefix.count - 1], options: ForwardOptions(blockLimit: 1))
        #expect(!bitwiseEqual(ctx.logitsArray(0), full), "one block is not the whole model")
    }

    @Test func refusalsAreClearAndEvaluateNothing() throws {
        let model = try TinyModel.model()
        let ctx = InferenceContext(model: model, capacity: 16, maxBatch: 8)
        #expect(throws: InferenceError.contextFull(needed: 20, capacity: 16)) { try ctx.evaluate(Array(repeating: 1, count: 20), logitsFor: []) }
        #expect(throws: InferenceError.invalidToken(260, vocabulary: 260)) { try ctx.evaluate([260], logitsFor: []) }
        #expect(throws: InferenceError.invalidTree("token 1 has parent 1; parents must come earlier in the tree")) {
            try ctx.evaluate([1, 2], parents: [-1, 1], logitsFor: [])
        }
        #expect(throws: InferenceError.batchTooLarge(9, maximum: 8)) { try ctx.evaluate(Array(repeating: 1, count: 9), parents: Array(-1..<8), logitsFor: []) }
        #expect(throws: InferenceError.invalidRow(3, batch: 2)) { try ctx.evaluate([1, 2], logitsFor: [3]) }
        #expect(ctx.length == 0)
        #expect(InferenceError.contextFull(needed: 20, capacity: 16).description.contains("--ctx"))
    }

    @Test func unsupportedModelsAreNamed() throws {
        func load(_ bytes: [UInt8]) throws { _ = try TransformerModel(file: GGUFFile(file: MappedFile(bytes: bytes, name: "bad.gguf"))) }
        #expect(throws: ModelLoadError(path: "bad.gguf", "unsupported architecture 'mamba' (supported: qwen2, llama, gemma3)")) {
            try load(TinyModel.bytes(architecture: "mamba"))
        }
        #expect(throws: ModelLoadError(path: "bad.gguf", "tensor output.weight has type Q2_K, which the engine does not compute with (supported: F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K)")) {
            try load(TinyModel.bytes(matrixTypes: [Int32(GGMLType.q2_K.rawValue)]))
        }
        #expect(throws: ModelLoadError(path: "bad.gguf", "tensor blk.0.attn_q.weight has shape [256, 256], expected [256, 512]")) {
            try load(TinyModel.bytes { $0.add("qwen2.attention.key_length", .uint32(128)) })
        }
        // Metadata that promises more than the tensors hold, or a vocabulary the embedding lacks rows for.
        #expect(throws: ModelLoadError(path: "bad.gguf", "tensor blk.2.attn_norm.weight is missing")) {
            try load(TinyModel.bytes { $0.set("qwen2.block_count", .uint32(3)) })
        }
        #expect(throws: ModelLoadError(path: "bad.gguf", "the vocabulary has 300 tokens but token_embd.weight only 260 rows")) {
            try load(TinyModel.bytes { $0.set("tokenizer.ggml.tokens", .array(.string, (0..<300).map { .string("t\($0)") })) })
        }
        #expect(throws: ModelLoadError(path: "bad.gguf", "qwen2.attention.head_count = 0 is not a positive integer below 2^24")) {
            try load(TinyModel.bytes { $0.set("qwen2.attention.head_count", .uint32(0)) })
        }
    }
}

@Suite struct TinyModelSessionTests {
    func loaded(_ bytes: [UInt8], name: String) throws -> (TransformerModel, any Tokenizer) {
        let file = try GGUFFile(file: MappedFile(bytes: bytes, name: name))
        return (try TransformerModel(file: file), try makeTokenizer(for: file))
    }

    @Test func tiedEmbeddingsServeAsTheLMHead() throws {
        let (model, _) = try loaded(TinyModel.bytes(seed: 8, tiedOutput: true), name: "tied.gguf")
        #expect(model.tiedEmbedding)
        let ctx = InferenceContext(model: model, capacity: 32)
        try ctx.evaluate([1, 2, 3], logitsFor: [2])
        #expect(ctx.logitsArray(0).count == 260 && ctx.logitsArray(0).allSatisfy { $0.isFinite })
        let (untied, _) = try loaded(TinyModel.bytes(seed: 8), name: "untied.gguf")
        #expect(!untied.tiedEmbedding)
        #expect(model.bytesPerToken > untied.bytesPerToken - 260 * 256 * 4, "a tied head counts the embedding as read per token")
    }

    /// generate and perplexity on a llama-architecture file the test writes.
    @Test func generateAndPerplexityRunOnALlamaFile() throws {
        let (model, tokenizer) = try loaded(TinyModel.bytes(architecture: "llama", seed: 9), name: "tiny-llama.gguf")
        let ctx = InferenceContext(model: model, capacity: 256)
        let prompt = tokenizer.encode("the theory in the")
        let a = try plainRun(ctx, tokenizer, prompt: prompt, maxTokens: 12)
        #expect(a.ids.count == 12 || a.stopReason == .endOfGeneration)
        #expect(try plainRun(ctx, tokenizer, prompt: prompt, maxTokens: 12).ids == a.ids, "greedy is deterministic")
        let s1 = try plainRun(ctx, tokenizer, SamplerSettings(temperature: 1, seed: 42), prompt: prompt, maxTokens: 12).ids
        #expect(try plainRun(ctx, tokenizer, SamplerSettings(temperature: 1, seed: 42), prompt: prompt, maxTokens: 12).ids == s1,
                "the same seed gives the same sample")
        let text = tokenizer.encode(String(repeating: "the theory in the thin heather, ", count: 20))
        let ppl = try Perplexity.evaluate(ctx, tokens: text, ctx: 64, maxChunks: 3)
        #expect(ppl.chunks == 3 && ppl.scored == 3 * 31)
        #expect(ppl.perplexity > 1 && ppl.perplexity < 1e6)
    }

    @Test func stopStringsCutTheText() throws {
        let (model, tokenizer) = try loaded(TinyModel.bytes(seed: 10), name: "tiny.gguf")
        let ctx = InferenceContext(model: model, capacity: 256)
        let full = try plainRun(ctx, tokenizer, prompt: tokenizer.encode("in the"), maxTokens: 40)
        guard full.text.count > 6 else { return }
        let stop = String(full.text.dropFirst(3).prefix(2))
        var streamed = ""
        let cut = try plainRun(ctx, tokenizer, prompt: tokenizer.encode("in the"), maxTokens: 40, stop: [stop]) { streamed += $0 }
        #expect(cut.stopReason == .stopString)
        #expect(cut.text == String(full.text[..<full.text.range(of: stop)!.lowerBound]))
        #expect(streamed == cut.text, "the stream never shows the stop string")
    }
}

/// Plain autoregressive generation through the decoder.
func plainRun(_ ctx: InferenceContext, _ tokenizer: any Tokenizer, _ settings: SamplerSettings = SamplerSettings(),
              prompt: [TokenID], maxTokens: Int, stop: [String] = [], emit: (String) -> Void = { _ in }) throws -> DecodeResult {
    let decoder = try SpeculativeDecoder(target: ctx, targetSettings: settings, drafter: AutoregressiveDrafter(),
                                         endOfGeneration: tokenizer.vocabulary.endOfGeneration)
    return try decoder.generate(prompt: prompt, maxTokens: maxTokens, tokenizer: tokenizer, stopStrings: stop, emit: emit)
}

@Suite struct SharedPoolTests {
    /// Contexts on different threads sharing one pool take turns: each of 32 concurrent evaluations equals the
    /// sequential one bitwise. (Before the pool serialised callers, parallel tests corrupted each other.)
    @Test func concurrentContextsOnOnePoolGetSequentialResults() async throws {
        let model = try TinyModel.model(seed: 11)
        let pool = ComputePool(threads: 2)
        let prompt: [TokenID] = [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100]
        let run: @Sendable (Arithmetic) throws -> [Float] = { arithmetic in
            let ctx = InferenceContext(model: model, capacity: 64, maxBatch: 4, arithmetic: arithmetic, pool: pool)
            try ctx.evaluate(prompt, logitsFor: [prompt.count - 1])
            return ctx.logitsArray(0)
        }
        let expected = [try run(.quantizedActivations), try run(.exact)]
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for i in 0..<32 { group.addTask { (i % 2, try run(i % 2 == 0 ? .quantizedActivations : .exact)) } }
            var out: [(Int, [Float])] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.count == 32)
        for (kind, logits) in results { #expect(bitwiseEqual(logits, expected[kind])) }
    }
}
