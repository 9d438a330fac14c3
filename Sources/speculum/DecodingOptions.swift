import ArgumentParser
import Foundation
import SpeculumEngine

/// Flags of the sampling chain and the decoding strategy, shared by `generate` and `bench`.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature (0 = greedy, up to 10).")
    var temperature: Float = 0

    @Option(help: "Keep only the k most likely tokens (0 = off).")
    var topK: Int = 0

    @Option(help: "Keep the smallest set of tokens whose probability reaches p (0 < p ≤ 1).")
    var topP: Float = 1

    @Option(help: "Drop tokens below this fraction of the top probability (0 ≤ m < 1).")
    var minP: Float = 0

    @Option(help: "Divide the logits of the last --repeat-window tokens by this (1 = off, up to 10).")
    var repeatPenalty: Float = 1

    @Option(help: "How many recent tokens the repetition penalty looks at (0–65536).")
    var repeatWindow: Int = 64

    @Option(help: "Random seed (every run with the same seed is identical).")
    var seed: UInt64 = 0

    @Option(help: "The draft's temperature (default: --temperature). Its other filters are the target's.")
    var draftTemperature: Float?

    @Option(help: "How the draft model proposes: sample (verified with R1/R2) or argmax (verified with R3).")
    var draftMode: String = "sample"

    @Option(help: "Compute the draft model's LM head over its first N token ids (the most frequent BPE pieces) and the ids already in its context only (0 = all). Its distribution is renormalised over them; verification stays exact.")
    var draftVocab: Int = 0

    var target: SamplerSettings {
        SamplerSettings(temperature: temperature, topK: topK, topP: topP, minP: minP,
                        repetitionPenalty: repeatPenalty, penaltyWindow: repeatWindow, seed: seed)
    }

    var draft: SamplerSettings {
        var s = target
        s.temperature = draftTemperature ?? temperature
        return s
    }

    func validate() throws {
        do {
            try target.validate()
            try draft.validate(prefix: "draft-")
        } catch { throw ValidationError(error.description) }
        guard draftVocab == 0 || (256...1_000_000).contains(draftVocab) else {
            throw ValidationError("--draft-vocab \(draftVocab) is out of range (allowed: 0 for all, or 256 to the vocabulary size)")
        }
        guard DraftMode(rawValue: draftMode) != nil else {
            throw ValidationError("--draft-mode \(draftMode) is unknown (allowed: sample, argmax)")
        }
    }
}

/// `KEY=VALUE` pairs of `--set`.
func parseSettings(_ pairs: [String], flag: String = "--set") throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in pairs {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("\(flag) \(pair): expected KEY=VALUE, for example \(flag) k=6")
        }
        guard result[parts[0]] == nil else { throw ValidationError("\(flag) gives '\(parts[0])' twice") }
        result[parts[0]] = parts[1]
    }
    return result
}

extension ModelPair {
    convenience init(options: ModelOptions, draftName: String) throws {
        try self.init(target: options.target, draft: draftName, capacity: options.ctx,
                      arithmetic: options.exact ? .exact : .quantizedActivations,
                      pool: options.threads.map { ComputePool(threads: $0) } ?? .shared)
    }

    /// `given` over what `speculum tune` chose for this pair, machine and threads (`--tuned`).
    func tunedSettings(_ given: [String: String], strategy: String, sampling: SamplingOptions) throws -> [String: String] {
        draftHeadRows = sampling.draftVocab > 0 ? sampling.draftVocab : nil
        guard let tuned else {
            throw CommandError("--tuned: the tune cache (\(TuneCache().directory)) has nothing for this pair, machine and thread count; run `speculum tune` with the same --model, --draft, --draft-vocab and --threads first")
        }
        return tuned.settings(for: strategy, given: given)
    }

    func decoder(drafter: any Drafter, sampling: SamplingOptions, ignoringEndOfGeneration: Bool = false) throws -> SpeculativeDecoder {
        draftHeadRows = sampling.draftVocab > 0 ? sampling.draftVocab : nil
        return try decoder(drafter: drafter, settings: sampling.target, draftSettings: sampling.draft,
                           draftMode: DraftMode(rawValue: sampling.draftMode) ?? .sample,
                           endOfGeneration: ignoringEndOfGeneration ? [] : nil)
    }
}
