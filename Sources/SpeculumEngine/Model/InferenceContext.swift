import CKernels

/// Why an evaluation was refused. Nothing is evaluated when one of these is thrown.
public enum InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case contextFull(needed: Int, capacity: Int)
    case invalidToken(TokenID, vocabulary: Int)
    case invalidTree(String)
    case batchTooLarge(Int, maximum: Int)
    case invalidRow(Int, batch: Int)

    public var description: String {
        switch self {
        case .contextFull(let n, let c):
            return "the context is full: \(n) tokens needed, room for \(c) (raise it with --ctx, up to the model's training length)"
        case .invalidToken(let t, let v): return "token id \(t) is outside the vocabulary (0 ..< \(v))"
        case .invalidTree(let why): return "invalid token tree: \(why)"
        case .batchTooLarge(let n, let m): return "a tree batch of \(n) tokens exceeds the maximum batch of \(m)"
        case .invalidRow(let r, let n): return "row \(r) is not in the batch of \(n) tokens"
        }
    }
}

/// How matrix products treat activations.
public enum Arithmetic: Sendable {
    /// Weights dequantized exactly, activations in f32: the reference path.
    case exact
    /// Activations rounded to 8 bits per block first, integer dot products: llama.cpp's arithmetic, faster.
    case quantizedActivations

    var raw: Int32 { self == .exact ? Int32(CK_EXACT) : Int32(CK_Q8_ACTIVATIONS) }
}

/// One model's working state: its KV cache and scratch buffers, allocated once. Not thread-safe: one
/// owner evaluates at a time (the model itself is shared and read-only).
public final class InferenceContext {
    public let model: TransformerModel
    public let capacity: Int      // KV slots
    public let maxBatch: Int
    public var arithmetic: Arithmetic
    /// Compute the LM head over the first `headRows` rows only (a draft model's vocabulary subset);
    /// the other logits are −∞. In a byte-level BPE vocabulary the first ids are the earliest merges,
    /// the most frequent pieces, and the head is a large share of a small model's bytes per step.
    public var headRows: Int? {
        didSet {
            if let h = headRows { headRows = max(1, min(h, model.config.vocabulary)) }
            if headRows != oldValue { contextHead = nil }  // gathered for the old first rows
        }
    }
    /// With `headRows`: also compute the rows of every id past them that is in the cache (the prompt
    /// and the text so far; see `ContextHeadRows`). A draft's q is then renormalised over both.
    public var headIncludesContext = false {
        didSet { if !headIncludesContext { contextHead = nil } }
    }
    var contextHead: ContextHeadRows?
    public let pool: ComputePool
    let cache: KVCache
    let buffers: ForwardBuffers
    /// Hidden states captured by the last evaluation (see `ForwardOptions`).
    /// [block][k]: the residual stream after each block for the k-th row of `ForwardOptions.captureRows`.
    public internal(set) var capturedHidden: [[[Float]]] = []
    /// For each requested row k of the last evaluation, its slot in `logitsBuffer`.
    var logitSlots: [Int] = []
    var logitsBuffer: UnsafeMutablePointer<Float>   // (logitsCapacity, vocab)
    var logitsCapacity: Int
    var lastBatchSize = 0
    /// Depth of each token of the current batch (position = prefix length + depth); reused.
    var depthScratch: [Int] = []
    /// The token tree in the cache since the last chain or truncation: rows treeBase + t, with parent
    /// and depth per tree index t (parent −1: a child of the prefix's last token).
    var treeBase = 0
    var treeParents: [Int] = []
    var treeDepths: [Int] = []

    /// - Parameters:
    ///   - capacity: KV slots; at most the model's training context.
    ///   - maxBatch: the largest number of tokens one forward pass takes (longer chains are split).
    public init(model: TransformerModel, capacity: Int = 4096, maxBatch: Int = 256,
                arithmetic: Arithmetic = .quantizedActivations, pool: ComputePool = .shared) {
        self.model = model
        self.capacity = max(1, min(capacity, model.config.contextLength))
        self.maxBatch = max(1, maxBatch)
        self.arithmetic = arithmetic
        self.pool = pool
        cache = KVCache(blocks: model.config.blocks, capacity: self.capacity, rowFloats: model.config.kvDim)
        buffers = ForwardBuffers(config: model.config, maxBatch: self.maxBatch, capacity: self.capacity, blocks: model.blocks, output: model.output)
        logitsCapacity = 8
        logitsBuffer = .allocate(capacity: logitsCapacity * model.config.vocabulary)
    }

    deinit { logitsBuffer.deallocate() }

    /// Tokens in the KV cache.
    public var length: Int { cache.length }

    /// Forgets everything after the first `n` tokens.
    public func truncate(to n: Int) {
        cache.length = max(0, min(n, cache.length))
        contextHead?.truncate(to: cache.length)
        lastBatchSize = 0  // the last batch is no longer what keepRows would compact
        treeParents.removeAll(keepingCapacity: true)  // nor is there a tree to extend
        treeDepths.removeAll(keepingCapacity: true)
    }

    /// Keeps `rows` (ascending indices into the last batch) as the continuation of the prefix that
    /// batch was evaluated after, and drops the rest: a tree collapses to its accepted path.
    public func keepRows(_ rows: [Int]) {
        let start = cache.length - lastBatchSize
        cache.compact(start: start, keeping: rows.map { start + $0 })
        lastBatchSize = 0
        treeParents.removeAll(keepingCapacity: true)
        treeDepths.removeAll(keepingCapacity: true)
    }

    /// Logits of the k-th requested row of the last evaluation, valid until the next one.
    public func logits(_ k: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: logitsBuffer + logitSlots[k] * model.config.vocabulary, count: model.config.vocabulary)
    }

    /// A copy of `logits(k)`.
    public func logitsArray(_ k: Int) -> [Float] { Array(logits(k)) }
}

/// Options of one evaluation.
public struct ForwardOptions: Sendable {
    /// Run only the first L blocks, then the final norm and LM head (layer-skip drafting, logit lens).
    public var blockLimit: Int?
    /// Capture the residual stream after every block for these batch rows (logit lens).
    public var captureRows: [Int] = []
    public init(blockLimit: Int? = nil, captureRows: [Int] = []) {
        self.blockLimit = blockLimit
        self.captureRows = captureRows
    }
}

/// Scratch for one forward pass, sized for the largest batch. Shapes are (rows, columns), row-major.
final class ForwardBuffers {
    let x, xb, q, k, v, attention, proj, gate, up: UnsafeMutablePointer<Float>
    // x: (maxBatch, n_embd) residual stream; xb: (maxBatch, n_embd) normed input to a matrix
    // q/attention: (maxBatch, q_dim); k/v: (maxBatch, kv_dim); proj: (maxBatch, n_embd); gate/up: (maxBatch, n_ff)
    let rope: UnsafeMutablePointer<Float>   // (maxBatch, rope_dims): cos then sin per position
    let mask: UnsafeMutablePointer<UInt8>   // (maxBatch, capacity): 1 where a row sees a slot
    // Sliding-window blocks (Gemma 3) only; otherwise the same pointers as rope and mask.
    let localRope: UnsafeMutablePointer<Float>  // (maxBatch, rope_dims) with the local rope base
    let localMask: UnsafeMutablePointer<UInt8>  // (maxBatch, capacity): mask ∧ within the window
    let qbuf: UnsafeMutableRawPointer       // quantized activations for the widest matrix
    private let all: [UnsafeMutablePointer<Float>]

    init(config c: ModelConfig, maxBatch: Int, capacity: Int, blocks: [BlockWeights], output: WeightMatrix) {
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: maxBatch * n) }
        x = floats(c.embedding); xb = floats(c.embedding); q = floats(c.qDim)
        k = floats(c.kvDim); v = floats(c.kvDim); attention = floats(c.qDim); proj = floats(c.embedding)
        gate = floats(c.feedForward); up = floats(c.feedForward); rope = floats(c.ropeDimensions)
        all = [x, xb, q, k, v, attention, proj, gate, up, rope]
        mask = .allocate(capacity: maxBatch * capacity)
        localRope = c.slidingWindow == nil ? rope : floats(c.ropeDimensions)
        localMask = c.slidingWindow == nil ? mask : .allocate(capacity: maxBatch * capacity)
        var out = output.raw
        var bytes = ck_matmul_qbuf_size(&out, Int64(maxBatch))
        for b in blocks {
            for w in [b.wq, b.wk, b.wv, b.wo, b.wGate, b.wUp, b.wDown] {
                var raw = w.raw
                bytes = max(bytes, ck_matmul_qbuf_size(&raw, Int64(maxBatch)))
            }
        }
        qbuf = .allocate(byteCount: max(bytes, 64), alignment: 64)
    }

    deinit {
        for p in all { p.deallocate() }
        mask.deallocate()
        if localRope != rope { localRope.deallocate() }
        if localMask != mask { localMask.deallocate() }
        qbuf.deallocate()
    }
}
