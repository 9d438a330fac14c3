/// Why a model could not be loaded for inference.
public struct ModelLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// The shape of a decoder-only transformer, read from GGUF metadata and checked against the tensors.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable, CaseIterable { case qwen2, llama, gemma3 }

    public var architecture: Architecture
    public var embedding: Int       // n_embd: width of the residual stream
    public var blocks: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var feedForward: Int     // n_ff
    public var vocabulary: Int      // rows of the embedding and output matrices
    public var contextLength: Int   // what the model was trained for
    public var ropeBase: Float
    public var ropeDimensions: Int  // leading dimensions of each head that rotate
    /// qwen2 rotates pairs (i, i + d/2) ("neox"); GGUF llama rotates adjacent pairs (the converter permuted Q/K).
    public var neoxRope: Bool
    public var rmsEpsilon: Float
    public var hasQKVBias: Bool

    // Gemma 3. The first two come from the metadata; the rest are not in it and follow the published
    // model configuration and llama.cpp's `llm_build_gemma3` (shared/notes/gguf-and-models.md §4).
    /// Tokens a sliding-window block's query sees, itself included (`gemma3.attention.sliding_window`).
    public var slidingWindow: Int?
    /// Every `slidingWindowPattern`-th block attends globally (Gemma 3: 6, so blocks 5, 11, 17 of 18).
    public var slidingWindowPattern: Int
    /// Rope base of the sliding-window blocks (Gemma 3: 1e4; the global blocks use `ropeBase`, 1e6).
    public var localRopeBase: Float
    /// The embedding row is multiplied by this (Gemma: √n_embd in f32; others 1).
    public var embeddingScale: Float
    /// Attention logits are q·k times this: 1/√head_dim for all three families.
    public var attentionScale: Float
    /// Gemma: an RMS norm (one weight vector per head size) on every query and key head before rope.
    public var hasQKNorm: Bool
    /// Gemma: an RMS norm on the attention and feed-forward outputs before each residual add.
    public var hasPostNorms: Bool
    /// The gate's activation: SiLU (qwen2, llama) or tanh-approximated GELU (Gemma).
    public var geluGate: Bool

    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }

    /// Whether block `l` attends within the sliding window (with `localRopeBase`) rather than globally.
    public func isLocal(block l: Int) -> Bool {
        slidingWindow != nil && l % slidingWindowPattern != slidingWindowPattern - 1
    }

    public init(file: GGUFFile) throws(ModelLoadError) {
        let arch = file["general.architecture"]?.stringValue ?? ""
        guard let a = Architecture(rawValue: arch) else {
            throw ModelLoadError(path: file.path, "unsupported architecture '\(arch)' (supported: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        func int(_ key: String, default d: Int? = nil) throws(ModelLoadError) -> Int {
            let full = "\(arch).\(key)"
            guard let v = file[full] else {
                if let d { return d }
                throw ModelLoadError(path: file.path, "metadata lacks \(full)")
            }
            guard let i = v.intValue, i > 0, i < 1 << 24 else {
                throw ModelLoadError(path: file.path, "\(full) = \(v.summary()) is not a positive integer below 2^24")
            }
            return i
        }
        architecture = a
        embedding = try int("embedding_length")
        blocks = try int("block_count")
        heads = try int("attention.head_count")
        kvHeads = try int("attention.head_count_kv", default: heads)
        headDim = try int("attention.key_length", default: embedding / heads)
        feedForward = try int("feed_forward_length")
        contextLength = try int("context_length", default: 2048)
        ropeDimensions = try int("rope.dimension_count", default: headDim)
        ropeBase = Float(file["\(arch).rope.freq_base"]?.doubleValue ?? 10000)
        rmsEpsilon = Float(file["\(arch).attention.layer_norm_rms_epsilon"]?.doubleValue ?? 1e-6)
        neoxRope = a != .llama   // qwen2 and gemma3 weights are not permuted: pairs (i, i + d/2)
        hasQKVBias = a == .qwen2
        let gemma = a == .gemma3
        slidingWindow = gemma ? try int("attention.sliding_window") : nil
        slidingWindowPattern = 6
        localRopeBase = 10000
        embeddingScale = gemma ? Float(embedding).squareRoot() : 1
        attentionScale = 1 / Float(headDim).squareRoot()
        hasQKNorm = gemma
        hasPostNorms = gemma
        geluGate = gemma
        if let v = file["\(arch).attention.value_length"]?.intValue, v != headDim {
            throw ModelLoadError(path: file.path, "\(arch).attention.value_length \(v) differs from key_length \(headDim), which the engine does not support")
        }
        guard let embd = file.tensor(named: "token_embd.weight"), embd.shape.count == 2, embd.shape[0] == embedding else {
            throw ModelLoadError(path: file.path, "tensor token_embd.weight is missing or not [\(embedding), vocabulary]")
        }
        vocabulary = embd.shape[1]
        guard heads % kvHeads == 0 else {
            throw ModelLoadError(path: file.path, "\(arch).attention.head_count \(heads) is not a multiple of head_count_kv \(kvHeads)")
        }
        guard headDim % 2 == 0, ropeDimensions % 2 == 0, ropeDimensions <= headDim else {
            throw ModelLoadError(path: file.path, "head dimension \(headDim) and rope dimensions \(ropeDimensions) must be even, rope ≤ head")
        }
        if let tokens = file["tokenizer.ggml.tokens"]?.arrayValue?.count, tokens > vocabulary {
            throw ModelLoadError(path: file.path, "the vocabulary has \(tokens) tokens but token_embd.weight only \(vocabulary) rows")
        }
    }
}
