import CKernels

/// A weight matrix in place in the mapped file: `rows` output rows of `cols` inputs each.
struct WeightMatrix: @unchecked Sendable {
    // @unchecked: points into the read-only mapping that the model keeps alive.
    let name: String
    let raw: ck_matrix

    var rows: Int { Int(raw.rows) }
    var cols: Int { Int(raw.cols) }

    /// The bytes of row `r` (e.g. one token's embedding).
    func row(_ r: Int) -> UnsafeRawPointer { raw.data! + r * raw.row_bytes }
}

/// One transformer block's weights. Vectors are f32 (converted once at load when stored otherwise).
struct BlockWeights: @unchecked Sendable {
    let attentionNorm: UnsafePointer<Float>   // (n_embd)
    let wq, wk, wv, wo: WeightMatrix          // [n_embd → q_dim], [n_embd → kv_dim] ×2, [q_dim → n_embd]
    let bq, bk, bv: UnsafePointer<Float>?     // (q_dim), (kv_dim), (kv_dim): qwen2 only
    let ffnNorm: UnsafePointer<Float>         // (n_embd)
    let wGate, wUp, wDown: WeightMatrix       // [n_embd → n_ff] ×2, [n_ff → n_embd]
    // Gemma 3 only (the file stores 1 + w: the converter folded Gemma's offset in, so they multiply directly).
    let qNorm, kNorm: UnsafePointer<Float>?                  // (head_dim), shared by every head
    let postAttentionNorm, postFFNNorm: UnsafePointer<Float>? // (n_embd)
}

/// How the blocks' quantized matrices are held in memory.
public enum WeightLayout: String, Sendable, CaseIterable {
    /// In place in the mapped file, as stored.
    case file
    /// Q4_K, Q5_0, Q6_K and Q8_0 matrices with whole groups of 8 rows copied at load into those groups
    /// (4 values of 8 rows per 32 bytes; Q4_K's scales unpacked, 148 bytes per 144 of the file; the
    /// others the file's size), whose kernels multiply 8 rows per instruction: the blocks' matrices and
    /// a separate LM head. The file's pages of the originals are released. Other types and the token
    /// embedding (looked up by row, and the head too when tied) stay in place.
    case repacked
}

/// Memory a model owns beside the mapping: f32 copies of vectors stored in another type, and repacked
/// matrices. Freed with the model, or with the loader when loading fails half-way.
final class OwnedWeights: @unchecked Sendable {
    // @unchecked: filled while loading, then only read.
    var vectors: [UnsafeMutablePointer<Float>] = []
    var matrices: [UnsafeMutableRawPointer] = []
    var repackedBytes = 0
    deinit {
        for p in vectors { p.deallocate() }
        for p in matrices { p.deallocate() }
    }
}

/// Reads and checks every tensor a `ModelConfig` needs; matrices stay quantized in the mapping, or are
/// repacked (`WeightLayout.repacked`).
struct WeightLoader {
    let file: GGUFFile
    let config: ModelConfig
    let layout: WeightLayout
    let owned = OwnedWeights()

    func fail(_ message: String) -> ModelLoadError { ModelLoadError(path: file.path, message) }

    func info(_ name: String, shape: [Int]) throws(ModelLoadError) -> GGUFTensorInfo {
        guard let t = file.tensor(named: name) else { throw fail("tensor \(name) is missing") }
        guard t.shape == shape else { throw fail("tensor \(name) has shape \(t.shape), expected \(shape)") }
        guard ck_type_supported(Int32(t.type.rawValue)) != 0 else {
            throw fail("tensor \(name) has type \(t.type), which the engine does not compute with (supported: F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K)")
        }
        return t
    }

    /// A matrix mapping `inputs` → `outputs` (GGUF shape [inputs, outputs]).
    func matrix(_ name: String, inputs: Int, outputs: Int) throws(ModelLoadError) -> WeightMatrix {
        let t = try info(name, shape: [inputs, outputs])
        let data = file.data(of: t)
        return WeightMatrix(name: name, raw: ck_matrix(type: Int32(t.type.rawValue), data: data.baseAddress,
                                                       rows: Int64(outputs), cols: Int64(inputs), row_bytes: t.rowBytes))
    }

    /// A matrix only ever multiplied by (a block's, or an untied LM head), repacked when the layout asks
    /// for it and the type allows it.
    func productMatrix(_ name: String, inputs: Int, outputs: Int) throws(ModelLoadError) -> WeightMatrix {
        let m = try matrix(name, inputs: inputs, outputs: outputs)
        let bytes = ck_repacked_size(m.raw.type, m.raw.rows, m.raw.cols)
        guard layout == .repacked, bytes > 0 else { return m }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        owned.matrices.append(copy)
        owned.repackedBytes += bytes
        var source = m.raw, repacked = ck_matrix()
        ck_repack(ComputePool.shared.raw, &source, copy, &repacked)
        file.file.releasePages(UnsafeRawBufferPointer(start: m.raw.data, count: m.rows * m.raw.row_bytes))
        return WeightMatrix(name: name, raw: repacked)
    }

    func vector(_ name: String, length: Int) throws(ModelLoadError) -> UnsafePointer<Float> {
        let t = try info(name, shape: [length])
        let data = file.data(of: t)
        if t.type == .f32 { return data.baseAddress!.assumingMemoryBound(to: Float.self) }
        let copy = UnsafeMutablePointer<Float>.allocate(capacity: length)
        ck_dequantize_row(Int32(t.type.rawValue), data.baseAddress, copy, Int64(length))
        owned.vectors.append(copy)
        return UnsafePointer(copy)
    }

    func optionalVector(_ name: String, length: Int) throws(ModelLoadError) -> UnsafePointer<Float>? {
        file.tensor(named: name) == nil ? nil : try vector(name, length: length)
    }

    func block(_ i: Int) throws(ModelLoadError) -> BlockWeights {
        let c = config, p = "blk.\(i)."
        return BlockWeights(
            attentionNorm: try vector(p + "attn_norm.weight", length: c.embedding),
            wq: try productMatrix(p + "attn_q.weight", inputs: c.embedding, outputs: c.qDim),
            wk: try productMatrix(p + "attn_k.weight", inputs: c.embedding, outputs: c.kvDim),
            wv: try productMatrix(p + "attn_v.weight", inputs: c.embedding, outputs: c.kvDim),
            wo: try productMatrix(p + "attn_output.weight", inputs: c.qDim, outputs: c.embedding),
            bq: c.hasQKVBias ? try vector(p + "attn_q.bias", length: c.qDim) : try optionalVector(p + "attn_q.bias", length: c.qDim),
            bk: c.hasQKVBias ? try vector(p + "attn_k.bias", length: c.kvDim) : try optionalVector(p + "attn_k.bias", length: c.kvDim),
            bv: c.hasQKVBias ? try vector(p + "attn_v.bias", length: c.kvDim) : try optionalVector(p + "attn_v.bias", length: c.kvDim),
            ffnNorm: try vector(p + "ffn_norm.weight", length: c.embedding),
            wGate: try productMatrix(p + "ffn_gate.weight", inputs: c.embedding, outputs: c.feedForward),
            wUp: try productMatrix(p + "ffn_up.weight", inputs: c.embedding, outputs: c.feedForward),
            wDown: try productMatrix(p + "ffn_down.weight", inputs: c.feedForward, outputs: c.embedding),
            qNorm: c.hasQKNorm ? try vector(p + "attn_q_norm.weight", length: c.headDim) : nil,
            kNorm: c.hasQKNorm ? try vector(p + "attn_k_norm.weight", length: c.headDim) : nil,
            postAttentionNorm: c.hasPostNorms ? try vector(p + "post_attention_norm.weight", length: c.embedding) : nil,
            postFFNNorm: c.hasPostNorms ? try vector(p + "post_ffw_norm.weight", length: c.embedding) : nil)
    }
}

/// A loaded model: configuration and weights, shared read-only by every inference context.
public final class TransformerModel: @unchecked Sendable {
    // @unchecked: immutable after init; the pointers reach into `file`'s mapping or into owned copies.
    public let config: ModelConfig
    public let file: GGUFFile
    let tokenEmbedding: WeightMatrix   // [n_embd → vocab]: row t is token t's embedding
    let output: WeightMatrix           // the LM head, or the tied embedding
    let outputNorm: UnsafePointer<Float>
    let blocks: [BlockWeights]
    private let owned: OwnedWeights
    /// How the blocks' matrices are held, the bytes of the repacked copies, and the seconds loading
    /// took (checking every tensor and repacking).
    public let layout: WeightLayout
    public var repackedBytes: Int { owned.repackedBytes }
    public let loadSeconds: Double

    /// Whether the LM head is the embedding matrix (no separate output.weight).
    public var tiedEmbedding: Bool { tokenEmbedding.raw.data == output.raw.data }

    public init(file: GGUFFile, layout: WeightLayout = .repacked) throws(ModelLoadError) {
        let start = ContinuousClock.now
        let config = try ModelConfig(file: file)
        let loader = WeightLoader(file: file, config: config, layout: layout)
        tokenEmbedding = try loader.matrix("token_embd.weight", inputs: config.embedding, outputs: config.vocabulary)
        output = file.tensor(named: "output.weight") == nil
            ? tokenEmbedding
            : try loader.productMatrix("output.weight", inputs: config.embedding, outputs: config.vocabulary)
        outputNorm = try loader.vector("output_norm.weight", length: config.embedding)
        var blocks: [BlockWeights] = []
        for i in 0..<config.blocks { blocks.append(try loader.block(i)) }
        if file.tensor(named: "rope_freqs.weight") != nil {
            throw ModelLoadError(path: file.path, "tensor rope_freqs.weight (per-pair rope frequency factors) is not supported yet")
        }
        self.config = config
        self.file = file
        self.blocks = blocks
        self.owned = loader.owned
        self.layout = layout
        let elapsed = ContinuousClock.now - start
        self.loadSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    public convenience init(path: String, layout: WeightLayout = .repacked) throws {
        try self.init(file: GGUFFile(path: path), layout: layout)
    }

    /// Bytes of weights one decoded token reads: every matrix but the embedding (a row lookup),
    /// unless the embedding is also the output matrix.
    public var bytesPerToken: Int {
        file.tensors.filter { $0.name != "token_embd.weight" || tiedEmbedding }.reduce(0) { $0 + $1.byteCount }
    }
}
