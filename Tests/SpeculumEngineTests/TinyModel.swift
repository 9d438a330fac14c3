import CKernels
import SpeculumEngine

/// A small transformer with random weights, written as GGUF by the tests: 2 blocks, width 256,
/// 4 query heads and 2 KV heads of 64, feed-forward 512, a byte-level vocabulary of 260 tokens.
/// Matrices use a mix of the quantized types so every kernel runs in a real forward pass.
enum TinyModel {
    static let embedding = 256, feedForward = 512, heads = 4, kvHeads = 2, headDim = 64, blocks = 2

    struct Shape {
        var embedding, feedForward, heads, kvHeads, headDim: Int
        static let standard = Shape(embedding: TinyModel.embedding, feedForward: TinyModel.feedForward, heads: TinyModel.heads,
                                    kvHeads: TinyModel.kvHeads, headDim: TinyModel.headDim)
        /// Width 64: a quarter of the standard, for tests that run tens of thousands of generations.
        static let narrow = Shape(embedding: 64, feedForward: 128, heads: 2, kvHeads: 1, headDim: 32)
    }

    /// The byte-level vocabulary: the 256 byte characters and 4 merges.
    static let merges = ["Ġ t", "h e", "Ġt he", "i n"]

    static func vocabulary() -> [String] {
        var tokens: [String] = []
        var next: UInt32 = 0x100
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            tokens.append(String(Character(printable ? Unicode.Scalar(UInt8(b)) : Unicode.Scalar(next)!)))
            if !printable { next += 1 }
        }
        return tokens + ["Ġt", "he", "Ġthe", "in"]
    }

    /// GGUF bytes. `types` gives the type of each kind of matrix; `tokenizerModel` lets tests break it.
    static func bytes(architecture: String = "qwen2", seed: UInt64 = 1, matrixTypes: [Int32]? = nil,
                      tokenizerModel: String = "gpt2", contextLength: Int = 512, tiedOutput: Bool = false,
                      vocabularySize: Int? = nil, outputScale: Float = 1, shape: Shape = .standard,
                      blockCount: Int = blocks, slidingWindow: Int = 8, tokens: [String]? = nil,
                      edit: (inout GGUFWriter) -> Void = { _ in }) -> [UInt8] {
        let (embedding, feedForward, heads, kvHeads, headDim) = (shape.embedding, shape.feedForward, shape.heads, shape.kvHeads, shape.headDim)
        var rng = SplitMix64(seed: seed)
        let vocab = tokens ?? vocabularySize.map { Array(vocabulary().prefix($0)) } ?? vocabulary()
        var w = GGUFWriter()
        let a = architecture
        w.add("general.architecture", .string(a))
        w.add("general.name", .string("tiny-\(a)"))
        w.add("\(a).block_count", .uint32(UInt32(blockCount)))
        w.add("\(a).context_length", .uint32(UInt32(contextLength)))
        w.add("\(a).embedding_length", .uint32(UInt32(embedding)))
        w.add("\(a).feed_forward_length", .uint32(UInt32(feedForward)))
        w.add("\(a).attention.head_count", .uint32(UInt32(heads)))
        w.add("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.add("\(a).rope.freq_base", .float32(10000))
        w.add("\(a).attention.layer_norm_rms_epsilon", .float32(1e-6))
        if a == "gemma3" {  // Gemma's head size is its own key (not width / heads), and it slides a window
            w.add("\(a).attention.key_length", .uint32(UInt32(headDim)))
            w.add("\(a).attention.value_length", .uint32(UInt32(headDim)))
            w.add("\(a).attention.sliding_window", .uint32(UInt32(slidingWindow)))
        }
        w.add("tokenizer.ggml.model", .string(tokenizerModel))
        w.add("tokenizer.ggml.pre", .string("qwen2"))
        w.add("tokenizer.ggml.tokens", .array(.string, vocab.map { .string($0) }))
        w.add("tokenizer.ggml.token_type", .array(.int32, vocab.map { _ in .int32(1) }))
        w.add("tokenizer.ggml.merges", .array(.string, (vocabularySize == nil ? merges : []).map { .string($0) }))
        w.add("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocab.count - 1)))
        edit(&w)

        // Per kind of matrix, a type: every supported type appears somewhere.
        let types = matrixTypes ?? [Int32(CK_Q4_K), Int32(CK_Q5_0), Int32(CK_Q8_0), Int32(CK_Q6_K), Int32(CK_Q4_0), Int32(CK_Q5_K), Int32(CK_F16), Int32(CK_BF16)]
        var kind = 0
        func matrix(_ name: String, inputs: Int, outputs: Int, scale: Float = 1) {
            let t = types[kind % types.count]
            kind += 1
            // Scales keep activations of order 1 through a few blocks.
            var data: [UInt8] = []
            if ck_type_supported(t) == 0 {  // a type the engine refuses: right-sized random bytes
                let g = GGMLType(rawValue: UInt32(t))!
                data = (0..<(inputs / g.blockSize * g.typeSize * outputs)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                for _ in 0..<outputs { data += randomRow(type: t, n: inputs, rng: &rng, scale: (0.0004 * scale)...(0.004 * scale)) }
            }
            w.addTensor(name, shape: [inputs, outputs], type: GGMLType(rawValue: UInt32(t))!, data: data)
        }
        func vector(_ name: String, _ n: Int, around: Float, spread: Float) {
            w.addTensor(name, shape: [n], floats: (0..<n).map { _ in around + Float.random(in: -spread...spread, using: &rng) })
        }
        let q = heads * headDim, kv = kvHeads * headDim
        var embd: [Float] = []
        for _ in 0..<(vocab.count * embedding) { embd.append(Float.random(in: -1...1, using: &rng)) }
        w.addTensor("token_embd.weight", shape: [embedding, vocab.count], floats: embd)
        for i in 0..<blockCount {
            let p = "blk.\(i)."
            vector(p + "attn_norm.weight", embedding, around: 1, spread: 0.2)
            if a == "gemma3" {
                vector(p + "attn_q_norm.weight", headDim, around: 1, spread: 0.2)
                vector(p + "attn_k_norm.weight", headDim, around: 1, spread: 0.2)
                vector(p + "post_attention_norm.weight", embedding, around: 0.5, spread: 0.2)
                vector(p + "post_ffw_norm.weight", embedding, around: 0.5, spread: 0.2)
            }
            matrix(p + "attn_q.weight", inputs: embedding, outputs: q)
            matrix(p + "attn_k.weight", inputs: embedding, outputs: kv)
            matrix(p + "attn_v.weight", inputs: embedding, outputs: kv)
            if a == "qwen2" {
                vector(p + "attn_q.bias", q, around: 0, spread: 0.1)
                vector(p + "attn_k.bias", kv, around: 0, spread: 0.1)
                vector(p + "attn_v.bias", kv, around: 0, spread: 0.1)
            }
            matrix(p + "attn_output.weight", inputs: q, outputs: embedding)
            vector(p + "ffn_norm.weight", embedding, around: 1, spread: 0.2)
            matrix(p + "ffn_gate.weight", inputs: embedding, outputs: feedForward)
            matrix(p + "ffn_up.weight", inputs: embedding, outputs: feedForward)
            matrix(p + "ffn_down.weight", inputs: feedForward, outputs: embedding)
        }
        vector("output_norm.weight", embedding, around: 1, spread: 0.2)
        if !tiedOutput { matrix("output.weight", inputs: embedding, outputs: vocab.count, scale: outputScale) }
        return w.bytes()
    }

    static func model(architecture: String = "qwen2", seed: UInt64 = 1) throws -> TransformerModel {
        try TransformerModel(file: GGUFFile(file: MappedFile(bytes: bytes(architecture: architecture, seed: seed), name: "tiny-\(architecture).gguf")))
    }

    /// A model over a vocabulary of `vocabularySize` tokens whose logits spread over a few units, so
    /// that sampled distributions are far from uniform (for the decoders' distribution tests).
    /// Narrow, with 32-element block types only (the K-quants need rows of 256).
    static func smallVocabularyModel(seed: UInt64, vocabularySize: Int = 8, outputScale: Float = 60) throws -> TransformerModel {
        let types = [Int32(CK_Q8_0), Int32(CK_Q5_0), Int32(CK_F16), Int32(CK_Q4_0)]
        let bytes = bytes(seed: seed, matrixTypes: types, vocabularySize: vocabularySize, outputScale: outputScale, shape: .narrow)
        return try TransformerModel(file: GGUFFile(file: MappedFile(bytes: bytes, name: "tiny-v\(vocabularySize)-\(seed).gguf")))
    }
}
