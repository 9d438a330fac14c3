/// A model file opened for inference: the mapped file, its tokenizer and the transformer weights.
public final class LoadedModel: @unchecked Sendable {
    // @unchecked: every member is immutable and itself safe to share.
    public let path: String
    public let file: GGUFFile
    public let tokenizer: any Tokenizer
    public let model: TransformerModel

    /// Opens `nameOrPath` (a registry name or a GGUF path). Errors name the file and what is wrong.
    public init(_ nameOrPath: String, store: ModelStore = ModelStore(), layout: WeightLayout = .repacked) throws {
        path = try store.resolve(nameOrPath)
        file = try GGUFFile(path: path)
        model = try TransformerModel(file: file, layout: layout)
        tokenizer = try makeTokenizer(for: file)
    }
}
