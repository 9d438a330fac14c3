/// The strategies by name, their knobs, and how to build one from `name` and `key=value` settings.
public enum StrategyCatalog {
    public struct Entry: Sendable {
        public let name: String
        public let title: String
        public let lossless: Bool
        public let needsDraftModel: Bool
        /// Knob name → (meaning, allowed range as text).
        public let knobs: [(name: String, help: String)]
    }

    public static let entries: [Entry] = [
        Entry(name: "ar", title: "autoregressive (baseline)", lossless: true, needsDraftModel: false, knobs: []),
        Entry(name: "chain", title: "draft-model speculative sampling", lossless: true, needsDraftModel: true,
              knobs: [("k", "draft length, 1–32"), ("p_min", "stop drafting below this top-1 probability, 0–1"), ("adaptive", "0/1: k+2 on full accept, k−1 otherwise")]),
        Entry(name: "tree", title: "static token tree (SpecInfer-style)", lossless: true, needsDraftModel: true,
              knobs: [("branching", "children per depth, e.g. 3x2x1x1 (product of widths ≤ 64)")]),
        Entry(name: "dyspec", title: "DySpec dynamic tree", lossless: true, needsDraftModel: true,
              knobs: [("budget", "tree nodes, 1–64"), ("round", "nodes added per draft pass, 1–16")]),
        Entry(name: "rsd-c", title: "RSD with constant branching", lossless: true, needsDraftModel: true,
              knobs: [("branching", "children per depth, e.g. 2x2x1")]),
        Entry(name: "rsd-s", title: "RSD with stochastic beam search", lossless: true, needsDraftModel: true,
              knobs: [("width", "beam width, 1–16"), ("depth", "levels, 1–16")]),
        Entry(name: "lookup", title: "prompt lookup", lossless: true, needsDraftModel: false,
              knobs: [("k", "tokens proposed, 1–32"), ("n", "longest n-gram matched, 1–8")]),
        Entry(name: "recycling", title: "Token Recycling", lossless: true, needsDraftModel: false,
              knobs: [("nodes", "template nodes, 1–\(TokenRecyclingDrafter.template.count)")]),
        Entry(name: "aded", title: "ADED adaptive n-gram table", lossless: true, needsDraftModel: false,
              knobs: [("nodes", "draft nodes, 1–64"), ("depth", "search depth, 1–8"), ("iterations", "search iterations, 1–2000"), ("bigrams", "most bigrams the table keeps, 1024–4194304")]),
        Entry(name: "self", title: "self-speculation (layer skipping)", lossless: true, needsDraftModel: false,
              knobs: [("layers", "blocks that draft, 1 to the target's blocks − 1"), ("k", "draft length, 1–32")]),
        Entry(name: "lookahead", title: "lookahead decoding", lossless: true, needsDraftModel: false,
              knobs: [("window", "Jacobi window, 1–16"), ("n", "n-gram size, 2–6"), ("guesses", "n-grams verified, 0–16")]),
        Entry(name: "cascade", title: "token-level speculative cascade (LOSSY)", lossless: false, needsDraftModel: true,
              knobs: [("rule", "chow, diff, opt, always (lossless end) or never (draft only)"), ("alpha", "deferral threshold, −10–10"), ("k", "draft length, 1–32")]),
        Entry(name: "switch", title: "chain or ADED, whichever is faster lately", lossless: true, needsDraftModel: true,
              knobs: [("k", "chain's draft length, 1–32"), ("p_min", "chain's stop below this top-1 probability, 0–1"), ("explore", "cycles before the slower one runs again, 2–1000"), ("bigrams", "ADED's most bigrams kept, 1024–4194304")]),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// Builds strategy `name` with `settings` (knob → value). `targetBlocks` sizes self-speculation's
    /// default. Unknown names, unknown knobs and out-of-range values are errors that name them.
    public static func make(_ name: String, settings: [String: String] = [:], targetBlocks: Int = 28) throws(DecoderError) -> any Drafter {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw .invalidOption("unknown strategy '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        for key in settings.keys where !entry.knobs.contains(where: { $0.name == key }) {
            let known = entry.knobs.map(\.name)
            throw .invalidOption("strategy '\(name)' has no setting '\(key)' (\(known.isEmpty ? "it has none" : "its settings: " + known.joined(separator: ", ")))")
        }
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(DecoderError) -> Int {
            guard let text = settings[key] else { return fallback }
            guard let v = Int(text), range.contains(v) else {
                throw .invalidOption("\(name) setting \(key)=\(text) is out of range (allowed: integer \(range.lowerBound) to \(range.upperBound))")
            }
            return v
        }
        func float(_ key: String, _ fallback: Float, _ range: ClosedRange<Float>) throws(DecoderError) -> Float {
            guard let text = settings[key] else { return fallback }
            guard let v = Float(text), v.isFinite, range.contains(v) else {
                throw .invalidOption("\(name) setting \(key)=\(text) is out of range (allowed: \(range.lowerBound) to \(range.upperBound))")
            }
            return v
        }
        func widths(_ fallback: [Int]) throws(DecoderError) -> [Int] {
            guard let text = settings["branching"] else { return fallback }
            let parts = text.split(whereSeparator: { $0 == "x" || $0 == "," || $0 == "×" }).map { Int($0) }
            guard !parts.isEmpty, parts.count <= 16, parts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 16 }),
                  parts.reduce(into: (1, 0), { acc, w in acc.0 *= w!; acc.1 += acc.0 }).1 <= 64 else {
                throw .invalidOption("\(name) setting branching=\(text) is invalid (expected widths 1–16 per depth such as 3x2x1, at most 64 nodes in all)")
            }
            return parts.map { $0! }
        }
        switch name {
        case "ar": return AutoregressiveDrafter()
        case "chain":
            return DraftChainDrafter(k: try int("k", 4, 1...32), pMin: try float("p_min", 0, 0...1), adaptive: try int("adaptive", 0, 0...1) == 1)
        case "tree": return StaticTreeDrafter(branching: try widths([3, 2, 1, 1]))
        case "dyspec": return DySpecDrafter(budget: try int("budget", 10, 1...64), round: try int("round", 3, 1...16))
        case "rsd-c": return RSDConstantDrafter(branching: try widths([2, 2, 1]))
        case "rsd-s": return RSDBeamDrafter(width: try int("width", 3, 1...16), depth: try int("depth", 3, 1...16))
        case "lookup": return PromptLookupDrafter(k: try int("k", 6, 1...32), maxN: try int("n", 3, 1...8))
        case "recycling": return TokenRecyclingDrafter(nodes: try int("nodes", 12, 1...TokenRecyclingDrafter.template.count))
        case "aded": return ADEDDrafter(nodes: try int("nodes", 10, 1...64), depth: try int("depth", 4, 1...8), iterations: try int("iterations", 150, 1...2000),
                                         maxBigrams: try int("bigrams", 262_144, 1024...4_194_304))
        // Defaults measured on the 1.5B (28 blocks): without a trained early exit, acceptance is ~1% at
        // half depth, 55% at 24 blocks and 84% at 26, so the draft must run nearly the whole model.
        case "self": return SelfSpeculativeDrafter(layers: try int("layers", max(1, targetBlocks - 2), 1...max(1, targetBlocks - 1)), k: try int("k", 2, 1...32))
        case "lookahead": return LookaheadDrafter(window: try int("window", 4, 1...16), ngram: try int("n", 3, 2...6), guesses: try int("guesses", 3, 0...16))
        case "cascade":
            let ruleText = settings["rule"] ?? "chow"
            guard let rule = CascadeDrafter.Rule(rawValue: ruleText) else {
                throw .invalidOption("cascade setting rule=\(ruleText) is unknown (allowed: \(CascadeDrafter.Rule.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return CascadeDrafter(rule: rule, alpha: try float("alpha", 0.3, -10...10), k: try int("k", 4, 1...32))
        case "switch":
            // Only strategies whose `observe` reads nothing but the emitted tokens may share a switch:
            // they observe cycles that another strategy proposed.
            let chain = DraftChainDrafter(k: try int("k", 4, 1...32), pMin: try float("p_min", 0.4, 0...1))
            let aded = ADEDDrafter(maxBigrams: try int("bigrams", 262_144, 1024...4_194_304))
            return SwitchDrafter([chain, aded], explore: try int("explore", 16, 2...1000))
        default: throw .invalidOption("unknown strategy '\(name)'")
        }
    }
}
