import ArgumentParser
import Foundation
import SpeculumEngine

/// `speculum tune`: measure this machine's verify and draft costs and the pair's acceptance, then
/// choose the chain length and the tree shape that the measured numbers say are fastest.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Choose the draft length and tree shape for this machine from measured costs and acceptance.",
        discussion: """
            Measures T(n), the target's forward over n rows with every row's logits, and the draft's forward \
            over n rows, best of 3 each; then decodes the prompts greedily with the target and ranks each of \
            its tokens in the draft's distribution at the same prefix. From these it predicts every chain \
            length and every per-depth branching (widths 1–4, up to 64 nodes) at temperature 0 and prints the \
            best, with the prediction next to the numbers it came from. Use the result with \
            `--set k=…` (chain) or `--set branching=…` (tree); `speculum bench` measures what it really gives. \
            The choice is also saved in the tune cache (`$SPECULUM_TUNE`, else ~/.cache/speculum/tune), keyed \
            by both model files, the draft head, the thread count and the CPU: the playground starts chain and \
            tree from it (shown in its status bar; --no-tuned turns it off), and `generate --tuned` uses it.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The draft model.")
    var draft: String = ModelRegistry.defaultDraft

    @Option(help: "Compute the draft's LM head over its first N token ids and the ids in its context only (0 = all), as --draft-vocab does.")
    var draftVocab: Int = 0

    @Option(help: "Prompt file, JSON lines in the Spec-Bench style.")
    var prompts: String = "data/bench-prompts.jsonl"

    @Option(help: "Only prompts of these categories (comma-separated; default: all).")
    var categories: String?

    @Option(help: "Use at most this many prompts (after --categories).")
    var limit: Int = 6

    @Option(help: "Greedy target tokens per prompt whose draft ranks are measured (8–512).")
    var tokens: Int = 48

    @Option(help: "Also write the measurements and the chosen settings to this JSON file.")
    var json: String?

    @Flag(help: "Do nothing when the tune cache already holds a choice for this pair, machine and thread count.")
    var ifMissing = false

    func validate() throws {
        guard (8...512).contains(tokens) else { throw ValidationError("--tokens \(tokens) is out of range (allowed: 8 to 512)") }
        guard limit >= 1 else { throw ValidationError("--limit \(limit) is out of range (allowed: 1 or more)") }
        guard draftVocab == 0 || draftVocab >= 256 else {
            throw ValidationError("--draft-vocab \(draftVocab) is out of range (allowed: 0 for all, or at least 256)")
        }
    }

    func run() throws {
        let set = try loadPromptSet(prompts, categories: categories, limit: limit)
        let pair = try ModelPair(options: model, draftName: draft)
        pair.draftHeadRows = draftVocab > 0 ? draftVocab : nil
        try pair.ensureDraft()
        let cache = TuneCache()
        let key = pair.tuneKey!
        if ifMissing, let tuned = cache.load(key: key) {
            print("already tuned for this pair and machine: \(tuned.summary) (\(cache.path(forKey: key)))")
            return
        }
        let tokenizer = pair.target.tokenizer
        let promptIDs = set.map { p in
            p.chat ? tokenizer.encode(ChatFormat.matching(tokenizer.vocabulary).render([ChatMessage(.user, p.turns[0])]), parseSpecial: true)
                   : tokenizer.encode(p.turns[0])
        }
        let filler = tokenizer.encode((0..<40).map { "The quick brown fox number \($0) jumps over the lazy dog; " }.joined())
        let prefix = Array(filler.prefix(128))

        log("measuring target forward costs")
        let targetRows = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 65]
        let targetSeconds = try SpeedTuner.forwardSeconds(pair.targetContext, rows: targetRows, prefix: prefix, filler: filler)
        log("measuring draft forward costs")
        let draftRows = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]
        let draftSeconds = try SpeedTuner.forwardSeconds(pair.draftContext!, rows: draftRows, prefix: prefix, filler: filler)
        log("measuring acceptance on \(set.count) prompt(s), \(tokens) tokens each")
        let acceptance = try SpeedTuner.acceptance(target: pair.targetContext, draft: pair.draftContext!, prompts: promptIDs,
                                                   tokens: tokens, endOfGeneration: tokenizer.vocabulary.endOfGeneration)
        guard acceptance.positions > 0 else { throw CommandError("the prompts gave no tokens to measure (each ended at once)") }

        let planner = DraftShapePlanner(targetRows: targetRows, targetSeconds: targetSeconds, draftRows: draftRows,
                                        draftSeconds: draftSeconds, rankShares: acceptance.rankShares, runLengths: acceptance.runLengths)
        let chains = (1...12).map(planner.chain)
        let bestChain = chains.max { $0.speedup < $1.speedup }!
        let trees = planner.rankedTrees().filter { !$0.isChain }
        let bestTree = trees[0]

        let ms = { (s: Double) in String(format: "%.1f", s * 1000) }
        print("machine: \(machineDescription()), \(pair.targetContext.pool.threads) threads")
        print("target \(pair.target.path.split(separator: "/").last!), draft \(pair.draft!.path.split(separator: "/").last!)\(draftVocab > 0 ? " (head over \(draftVocab) ids)" : "")")
        print("\ntarget forward, n rows (ms; ratio to n=1):")
        print("  " + zip(targetRows, targetSeconds).map { "\($0.0): \(ms($0.1)) (\(String(format: "%.2f", $0.1 / targetSeconds[0])))" }.joined(separator: "  "))
        print("draft forward, n rows (ms; ratio to the target's one row):")
        print("  " + zip(draftRows, draftSeconds).map { "\($0.0): \(ms($0.1)) (\(String(format: "%.2f", $0.1 / targetSeconds[0])))" }.joined(separator: "  "))
        print("\nacceptance over \(acceptance.positions) greedy positions: the target's token is the draft's")
        print("  " + acceptance.rankShares.enumerated().map { "#\($0.offset + 1) \(String(format: "%.1f%%", $0.element * 100))" }.joined(separator: "  "))
        print("\nchains (predicted, T=0):")
        for p in chains.prefix(8) { print(row(p)) }
        print("best trees (predicted, T=0):")
        for p in trees.prefix(6) { print(row(p)) }
        print("\nchosen: chain --set k=\(bestChain.branching.count) (\(String(format: "%.2f", bestChain.speedup))×), " +
              "tree --set branching=\(bestTree.branching.map(String.init).joined(separator: "x")) (\(String(format: "%.2f", bestTree.speedup))×)")

        let tuned = TunedSettings(chainK: bestChain.branching.count, chainSpeedup: bestChain.speedup,
                                  treeBranching: bestTree.branching, treeSpeedup: bestTree.speedup,
                                  measuredAt: Date().timeIntervalSince1970)
        do { try cache.save(tuned, key: key) } catch { throw CommandError("\(error)") }
        print("saved to \(cache.path(forKey: key))")

        if let json {
            let report = TuneReport(machine: machineDescription(), threads: pair.targetContext.pool.threads, commit: gitCommit(),
                                    target: pair.target.path, draft: pair.draft!.path, draftVocab: draftVocab,
                                    targetRows: targetRows, targetSeconds: targetSeconds, draftRows: draftRows,
                                    draftSeconds: draftSeconds, rankShares: acceptance.rankShares, positions: acceptance.positions,
                                    chainK: bestChain.branching.count, chainSpeedup: bestChain.speedup,
                                    treeBranching: bestTree.branching, treeSpeedup: bestTree.speedup)
            try writeAtomically(try jsonString(report, pretty: true) + "\n", to: json, flag: "--json")
        }
    }

    func row(_ p: DraftShapePlanner.Plan) -> String {
        "  \(p.label.padding(toLength: 18, withPad: " ", startingAt: 0)) nodes \(String(p.nodes).padding(toLength: 3, withPad: " ", startingAt: 0))" +
            "  tokens/cycle \(String(format: "%.2f", p.expectedTokens))  cycle \(String(format: "%6.1f", p.cycleSeconds * 1000)) ms" +
            "  speedup \(String(format: "%.2f", p.speedup))×"
    }

    func log(_ s: String) { FileHandle.standardError.write(Data("[tune] \(s)\n".utf8)) }
}

struct TuneReport: Encodable {
    var machine: String
    var threads: Int
    var commit: String
    var target: String
    var draft: String
    var draftVocab: Int
    var targetRows: [Int]
    var targetSeconds: [Double]
    var draftRows: [Int]
    var draftSeconds: [Double]
    var rankShares: [Double]
    var positions: Int
    var chainK: Int
    var chainSpeedup: Double
    var treeBranching: [Int]
    var treeSpeedup: Double
}
