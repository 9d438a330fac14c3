/// The hyper-parameters and tokenizer facts a GGUF file declares, read from its metadata
/// (`{arch}.block_count`, `tokenizer.ggml.*`, …). Missing keys stay nil; the model loader decides
/// which it needs.
public struct ModelSummary: Sendable, Equatable {
    public var architecture: String
    public var name: String?
    public var blockCount: Int?
    public var embeddingLength: Int?
    public var feedForwardLength: Int?
    public var headCount: Int?
    public var headCountKV: Int?
    public var keyLength: Int?
    public var valueLength: Int?
    public var contextLength: Int?
    public var ropeFreqBase: Double?
    public var rmsNormEpsilon: Double?
    public var slidingWindow: Int?
    public var fileType: Int?

    public var tokenizerModel: String?
    public var tokenizerPre: String?
    public var vocabularySize: Int?
    public var mergeCount: Int?
    public var bosID: Int?
    public var eosID: Int?
    public var padID: Int?
    public var addBOS: Bool?
    public var hasChatTemplate: Bool

    /// Head dimension: the file's key_length, else embedding / heads.
    public var headDimension: Int? {
        if let k = keyLength { return k }
        guard let e = embeddingLength, let h = headCount, h > 0 else { return nil }
        return e / h
    }

    public init(_ file: GGUFFile) {
        let arch = file["general.architecture"]?.stringValue ?? "unknown"
        func int(_ k: String) -> Int? { file["\(arch).\(k)"]?.intValue }
        architecture = arch
        name = file["general.name"]?.stringValue
        blockCount = int("block_count")
        embeddingLength = int("embedding_length")
        feedForwardLength = int("feed_forward_length")
        headCount = int("attention.head_count")
        headCountKV = int("attention.head_count_kv")
        keyLength = int("attention.key_length")
        valueLength = int("attention.value_length")
        contextLength = int("context_length")
        ropeFreqBase = file["\(arch).rope.freq_base"]?.doubleValue
        rmsNormEpsilon = file["\(arch).attention.layer_norm_rms_epsilon"]?.doubleValue
        slidingWindow = int("attention.sliding_window")
        fileType = file["general.file_type"]?.intValue
        tokenizerModel = file["tokenizer.ggml.model"]?.stringValue
        tokenizerPre = file["tokenizer.ggml.pre"]?.stringValue
        vocabularySize = file["tokenizer.ggml.tokens"]?.arrayValue?.count
        mergeCount = file["tokenizer.ggml.merges"]?.arrayValue?.count
        bosID = file["tokenizer.ggml.bos_token_id"]?.intValue
        eosID = file["tokenizer.ggml.eos_token_id"]?.intValue
        padID = file["tokenizer.ggml.padding_token_id"]?.intValue
        addBOS = file["tokenizer.ggml.add_bos_token"]?.boolValue
        hasChatTemplate = file["tokenizer.chat_template"] != nil
    }
}
