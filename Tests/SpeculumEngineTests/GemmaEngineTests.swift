import CKernels
import Foundation
import Testing
import SpeculumEngine

/// The gemma3 block and the SentencePiece tokenizer on small files the tests write: six narrow blocks,
/// so blocks 0–4 slide a window and block 5 attends globally.
@Suite struct GemmaEngineTests {
    static let types = [Int32(CK_Q8_0), Int32(CK_Q5_0), Int32(CK_F16), Int32(CK_Q4_0)]

    static func gemma(window: Int, seed: UInt64 = 21) throws -> TransformerModel {
        let bytes = TinyModel.bytes(architecture: "gemma3", seed: seed, matrixTypes: types, tiedOutput: true,
                                    shape: .narrow, blockCount: 6, slidingWindow: window)
        return try TransformerModel(file: GGUFFile(file: MappedFile(bytes: bytes, name: "tiny-gemma3-w\(window).gguf")))
    }

    let prefix: [TokenID] = Array(60..<74)               // 14 tokens: longer than the window of 4
    let tree: [TokenID] = [100, 101, 102, 103, 104, 105, 106]
    let parents = [-1, 0, 0, 1, 1, 2, 4]                 // depth 3 under the prefix

    @Test func theConfigurationFollowsGemma() throws {
        let c = try Self.gemma(window: 4).config
        #expect(c.architecture == .gemma3 && c.neoxRope && !c.hasQKVBias && c.hasQKNorm && c.hasPostNorms && c.geluGate)
        #expect(c.slidingWindow == 4 && c.embeddingScale == 8 && c.attentionScale == 1 / Float(32).squareRoot())
        #expect((0..<6).map { c.isLocal(block: $0) } == [true, true, true, true, true, false], "every sixth block is global")
    }

    /// Tree attention with a sliding window: every node's logits are bitwise those of its path as a
    /// chain and one token at a time, although the window cuts the prefix differently at each depth.
    @Test(arguments: EngineTests.arithmetics)
    func treeNodesEqualTheirPathsBitwisePastTheWindow(_ arithmetic: Arithmetic) throws {
        let model = try Self.gemma(window: 4)
        let ctx = InferenceContext(model: model, capacity: 64, maxBatch: 16, arithmetic: arithmetic, pool: ComputePool(threads: 2))
        try ctx.evaluate(prefix, logitsFor: [])
        try ctx.evaluate(tree, parents: parents, logitsFor: Array(0..<tree.count))
        for node in 0..<tree.count {
            var path: [TokenID] = [], j = node
            while j >= 0 { path.insert(tree[j], at: 0); j = parents[j] }
            let chain = InferenceContext(model: model, capacity: 64, maxBatch: 3, arithmetic: arithmetic, pool: ComputePool(threads: 1))
            try chain.evaluate(prefix + path, logitsFor: [prefix.count + path.count - 1])  // in pieces of 3
            #expect(bitwiseEqual(chain.logitsArray(0), ctx.logitsArray(node)), "node \(node) as a chain")
            let stepwise = try oneAtATime(model, prefix: prefix, path: path, arithmetic: arithmetic).last!
            #expect(bitwiseEqual(stepwise, ctx.logitsArray(node)), "node \(node) one at a time")
        }
    }

    /// The window is applied: within it a model equals the same weights with an unbounded window;
    /// past it they differ. Slot 0 leaves a window of 4 at position 4.
    @Test func theWindowCutsOnlyWhatLiesBeyondIt() throws {
        let narrow = try Self.gemma(window: 4), wide = try Self.gemma(window: 4096)
        func logits(_ m: TransformerModel, _ tokens: [TokenID]) throws -> [Float] {
            let ctx = InferenceContext(model: m, capacity: 64, arithmetic: .exact)
            try ctx.evaluate(tokens, logitsFor: [tokens.count - 1])
            return ctx.logitsArray(0)
        }
        #expect(bitwiseEqual(try logits(narrow, Array(prefix.prefix(4))), try logits(wide, Array(prefix.prefix(4)))))
        #expect(!bitwiseEqual(try logits(narrow, Array(prefix.prefix(5))), try logits(wide, Array(prefix.prefix(5)))))
    }

    /// A llama-architecture file with a SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens,
    /// and a few scored pieces. It loads, tokenizes as SentencePiece does and generates.
    @Test func aLlamaFileWithASentencePieceVocabularyLoadsAndRuns() throws {
        let pieces = ["▁", "t", "h", "e", "▁t", "he", "▁the", "▁th"]
        let tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) } + pieces
        var types = [Int32](repeating: 6, count: tokens.count)
        types[0] = 2; types[1] = 3; types[2] = 3
        for i in 259..<tokens.count { types[i] = 1 }
        // Scores: "▁the" over "▁th" over "▁t"; characters lowest.
        let scores: [Float] = [0, 0, 0] + [Float](repeating: 0, count: 256) + [-1, -2, -2, -2, -10, -20, -5, -9]
        let bytes = TinyModel.bytes(architecture: "llama", seed: 4, tokenizerModel: "llama", tokens: tokens) { w in
            w.set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) }))
            w.set("tokenizer.ggml.scores", .array(.float32, scores.map { .float32($0) }))
            w.set("tokenizer.ggml.bos_token_id", .uint32(1))
            w.set("tokenizer.ggml.eos_token_id", .uint32(2))
        }
        let file = try GGUFFile(file: MappedFile(bytes: bytes, name: "tiny-llama-spm.gguf"))
        let tokenizer = try makeTokenizer(for: file)
        #expect(tokenizer is SPMTokenizer)
        // BOS (added by default for `llama`), a "▁" in front (add_space_prefix defaults to true), then
        // "▁the" wins over "▁t"+"he"; "x" is no piece: its byte token.
        let ids = tokenizer.encode("the the x")
        #expect(ids == [1, 265, 265, 259, 3 + 0x78], "\(ids.map { tokenizer.pieceText($0) })")
        #expect(tokenizer.decode(ids) == " the the x", "the space prefix comes back as a leading space")
        let model = try TransformerModel(file: file)
        let ctx = InferenceContext(model: model, capacity: 64)
        let run = try plainRun(ctx, tokenizer, prompt: ids, maxTokens: 8)
        #expect(run.ids.count == 8 || run.stopReason == .endOfGeneration)
    }

    @Test func aVocabularyWithoutByteTokensOrUnknownIsRefused() throws {
        let tokens = ["<s>", "</s>", "a", "b"]
        let v = Vocabulary(tokens: tokens, types: [.control, .control, .normal, .normal], bos: 0, eos: 1, pad: nil,
                           addBOS: true, endOfGeneration: [1])
        #expect(throws: TokenizerError(path: "<vocabulary>", "the vocabulary has neither a byte token <0x00> nor an unknown token to stand for it")) {
            _ = try SPMTokenizer(vocabulary: v, scores: [0, 0, 0, 0], addSpacePrefix: false)
        }
    }
}
