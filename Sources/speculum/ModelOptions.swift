import ArgumentParser
import SpeculumEngine

/// The flags every command that runs a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customLong("target"), .customLong("model")], help: "The model: a registry name or a path to a GGUF file.")
    var target: String = ModelRegistry.defaultTarget

    @Option(help: "KV cache size in tokens (16 to the model's training context; default: 4096, or the training context when smaller).")
    var ctx: Int?

    @Option(help: "Worker threads for matrix products and attention (1–64; default: one per core).")
    var threads: Int?

    @Flag(help: "Exact arithmetic: f32 activations, weights dequantized exactly (slower; the reference path). By default activations are rounded to 8 bits per block as llama.cpp does.")
    var exact = false

    func validate() throws {
        if let ctx, !(16...(1 << 20)).contains(ctx) { throw ValidationError("--ctx \(ctx) is out of range (allowed: 16 to 1048576)") }
        if let t = threads, !(1...64).contains(t) { throw ValidationError("--threads \(t) is out of range (allowed: 1 to 64)") }
    }

    func load() throws -> (LoadedModel, InferenceContext) {
        let loaded = try LoadedModel(target)
        let pool = threads.map { ComputePool(threads: $0) } ?? .shared
        let context = InferenceContext(model: loaded.model, capacity: try contextCapacity(ctx, for: loaded), arithmetic: exact ? .exact : .quantizedActivations, pool: pool)
        return (loaded, context)
    }
}
