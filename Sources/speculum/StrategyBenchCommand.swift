import ArgumentParser
import Foundation
import SpeculumEngine

struct StrategyBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "Every strategy against plain decoding on a prompt set, interleaved, in one process.",
        discussion: """
            For each prompt, each repeat runs AR and then every strategy (and every --set combination) in turn, so \
            speeds are compared within the same run. Speedup = median tok/s of the strategy ÷ median tok/s of AR on \
            the same prompt. At temperature 0 each output is checked against AR's: identical, or the first divergent \
            position with the target's top-2 logit margin there.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Comma-separated strategies, or all (\(StrategyCatalog.names.joined(separator: ", "))).")
    var strategies: String = "all"

    @Option(help: "Prompt file, JSON lines in the Spec-Bench style (default: the bundled set).")
    var prompts: String = "data/bench-prompts.jsonl"

    @Option(help: "Only prompts of these categories (comma-separated).")
    var categories: String?

    @Option(help: "Use at most this many prompts (after --categories).")
    var limit: Int?

    @Option(help: "New tokens per turn (1–4096).")
    var maxTokens: Int = 128

    @Option(name: .customLong("repeat"), help: "Interleaved repeats (1–20).")
    var repeats: Int = 3

    @Option(name: .customLong("set"), help: "Sweep a knob: KNOB=V1,V2,… (repeatable); one row per combination for each strategy that has the knob.")
    var sweeps: [String] = []

    @Option(help: "The draft model (default: \(ModelRegistry.defaultDraft)).")
    var draft: String?

    @Option(help: "Write all results to this JSON file.")
    var json: String?

    @Option(help: "Write one row per prompt × configuration to this CSV file.")
    var csv: String?

    func validate() throws {
        guard (1...4096).contains(maxTokens) else { throw ValidationError("--max-tokens \(maxTokens) is out of range (allowed: 1 to 4096)") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeat \(repeats) is out of range (allowed: 1 to 20)") }
        if let limit, limit < 1 { throw ValidationError("--limit \(limit) is out of range (allowed: 1 or more)") }
        _ = try configurations(targetBlocks: 1000)
    }

    /// (strategy, settings) pairs: AR first, then each strategy with each combination of its swept knobs.
    func configurations(targetBlocks: Int) throws -> [(name: String, settings: [String: String])] {
        let names = strategies == "all" ? StrategyCatalog.names : strategies.split(separator: ",").map(String.init)
        var sweep: [(String, [String])] = []
        for s in sweeps {
            let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw ValidationError("--set \(s): expected KNOB=V1,V2,… such as --set k=2,4,6") }
            sweep.append((parts[0], parts[1].split(separator: ",").map(String.init)))
        }
        for (knob, _) in sweep where !StrategyCatalog.entries.contains(where: { e in names.contains(e.name) && e.knobs.contains { $0.name == knob } }) {
            throw ValidationError("--set \(knob): none of the chosen strategies has this knob")
        }
        var result: [(String, [String: String])] = [("ar", [:])]
        for name in names where name != "ar" {
            guard let entry = StrategyCatalog.entries.first(where: { $0.name == name }) else {
                throw ValidationError("--strategies: unknown strategy '\(name)' (known: \(StrategyCatalog.names.joined(separator: ", ")))")
            }
            var combos: [[String: String]] = [[:]]
            for (knob, values) in sweep where entry.knobs.contains(where: { $0.name == knob }) {
                combos = combos.flatMap { c in values.map { v in c.merging([knob: v]) { $1 } } }
            }
            for c in combos {
                do { _ = try StrategyCatalog.make(name, settings: c, targetBlocks: targetBlocks) } catch {
                    throw ValidationError("--set: \(error)")
                }
                result.append((name, c))
            }
        }
        return result
    }

    func run() throws {
        let set = try loadPromptSet(prompts, categories: categories, limit: limit)
        let pair = try ModelPair(options: model, draftName: draft ?? ModelRegistry.defaultDraft)
        var configs = try configurations(targetBlocks: pair.target.model.config.blocks)
        let needsDraft = { (c: (name: String, settings: [String: String])) in StrategyCatalog.entries.first { $0.name == c.name }!.needsDraftModel }
        if configs.contains(where: needsDraft) {
            do {
                try pair.ensureDraft()
            } catch DecoderError.vocabularyMismatch(let t, let d, _) where draft == nil && strategies == "all" {
                // A target of another family (Gemma) and the default Qwen draft: the draft-free strategies only.
                configs.removeAll(where: needsDraft)
                FileHandle.standardError.write(Data("note: the default draft's vocabulary (\(d) tokens) is not the target's (\(t)): benchmarking the draft-free strategies; give --draft with the target's vocabulary for the others\n".utf8))
            }
        }
        let runner = try pair.decoder(drafter: AutoregressiveDrafter(), sampling: sampling)
        // A fresh drafter for every prompt and repeat: ADED (alone or in a switch) starts from the
        // committed corpus only, Token Recycling from an empty table. A table kept from an earlier repeat
        // of the same prompt, or loaded from what earlier runs saved, drafts the very text it is measured on
        // (a switch kept across repeats ran prompt 8 at T=0 at 2.0× in its first repeat, 2.6× in its second).
        func drafter(_ config: (name: String, settings: [String: String])) throws -> any Drafter {
            let d = try StrategyCatalog.make(config.name, settings: config.settings, targetBlocks: pair.target.model.config.blocks)
            try pair.prepare(d, savedTable: false)
            return d
        }
        var rows: [BenchRow] = []
        for prompt in set {
            var perConfig = configs.map { _ in BenchRow.Accumulator() }
            for r in 0..<repeats {
                for (c, config) in configs.enumerated() {
                    try runner.setDrafter(try drafter(config))
                    perConfig[c].add(try runTurns(prompt, decoder: runner, tokenizer: pair.target.tokenizer))
                    FileHandle.standardError.write(Data("[\(prompt.id) \(prompt.category)] repeat \(r + 1)/\(repeats) \(config.name)\(config.settings.isEmpty ? "" : " \(config.settings)"): \(fmt(perConfig[c].speeds.last!, 1)) tok/s\n".utf8))
                }
            }
            let arSpeed = perConfig[0].medianSpeed
            for (c, config) in configs.enumerated() {
                var row = BenchRow(prompt: prompt, strategy: config.name, settings: config.settings, acc: perConfig[c], arSpeed: arSpeed)
                if sampling.temperature == 0 { row.identity = try identity(perConfig[c].last, reference: perConfig[0].last, decoder: runner) }
                rows.append(row)
            }
        }
        printTable(rows)
        if let csv { try writeAtomically(BenchRow.csv(rows), to: csv, flag: "--csv") }
        if let json {
            let report = BenchReport(machine: machineDescription(), threads: model.threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                     commit: gitCommit(), target: pair.target.path, draft: pair.draft?.path, maxTokens: maxTokens,
                                     repeats: repeats, temperature: sampling.temperature, rows: rows, summary: BenchRow.summary(rows))
            try writeAtomically(try jsonString(report, pretty: true) + "\n", to: json, flag: "--json")
        }
    }

    /// Runs every turn of a prompt; turn k sees the strategy's own earlier answers.
    func runTurns(_ prompt: BenchPrompt, decoder: SpeculativeDecoder, tokenizer: any Tokenizer) throws -> [DecodeResult] {
        var messages: [ChatMessage] = []
        var results: [DecodeResult] = []
        for turn in prompt.turns {
            let ids: [TokenID]
            if prompt.chat {
                messages.append(ChatMessage(.user, turn))
                ids = tokenizer.encode(ChatFormat.matching(tokenizer.vocabulary).render(messages), parseSpecial: true)
            } else {
                ids = tokenizer.encode(turn)
            }
            let r = try decoder.generate(prompt: ids, maxTokens: maxTokens, tokenizer: tokenizer)
            results.append(r)
            messages.append(ChatMessage(.assistant, r.text))
        }
        return results
    }

    /// "identical", or the first divergent position and the target's top-2 logit margin there.
    func identity(_ results: [DecodeResult], reference: [DecodeResult], decoder: SpeculativeDecoder) throws -> String {
        for (turn, (a, b)) in zip(results, reference).enumerated() where a.ids != b.ids {
            let at = zip(a.ids, b.ids).prefix { $0 == $1 }.count
            guard a.promptIDs == b.promptIDs else { return "differs in turn \(turn + 1) (an earlier answer differed)" }
            try decoder.target.sync(to: b.promptIDs + b.ids.prefix(at), logitsForLast: true)
            let margin = logitMargin(decoder.target.context.logits(0))
            return "differs in turn \(turn + 1) at token \(at) (top-2 logit margin \(fmt(Double(margin))))"
        }
        return "identical"
    }

    func printTable(_ rows: [BenchRow]) {
        let header = ["prompt".rightPad(7), "category".rightPad(17), "strategy".rightPad(10), "settings".rightPad(16), "tok/s".leftPad(7),
                      "speedup".leftPad(8), "MAT".leftPad(6), "accept".leftPad(7), "draft%".leftPad(7), "verify%".leftPad(8), "  identity"]
        print(header.joined(separator: " "))
        for r in rows {
            print([r.promptID.rightPad(7), r.category.rightPad(17), r.strategy.rightPad(10), r.settingsText.rightPad(16),
                   fmt(r.tokensPerSecond, 2).leftPad(7), (fmt(r.speedup, 2) + "×").leftPad(8), fmt(r.meanAcceptedLength, 2).leftPad(6),
                   fmt(r.acceptanceRate * 100, 1).leftPad(6) + "%", fmt(r.draftShare * 100, 1).leftPad(7), fmt(r.verifyShare * 100, 1).leftPad(8),
                   "  " + (r.identity ?? "-")].joined(separator: " "))
        }
        print("\nPer strategy (geometric mean of per-prompt speedups; median MAT and acceptance):")
        for s in BenchRow.summary(rows) {
            print("  " + s.strategy.rightPad(10) + " " + s.settings.rightPad(16) + " speedup " + (fmt(s.speedup, 2) + "×").leftPad(6)
                  + "  MAT " + fmt(s.meanAcceptedLength, 2).leftPad(5) + "  acceptance " + (fmt(s.acceptanceRate * 100, 1) + "%").leftPad(6)
                  + "  identical \(s.identical)/\(s.prompts)")
        }
    }
}

/// The prompts of a Spec-Bench style file, of the given categories (comma-separated), at most `limit`.
func loadPromptSet(_ path: String, categories: String?, limit: Int?) throws -> [BenchPrompt] {
    let text: String
    do { text = try TextFile.read(path, maximumBytes: BenchPrompts.maximumBytes) } catch {
        throw CommandError("--prompts " + error.message(path: path, expected: "JSON lines"))
    }
    var set = try BenchPrompts.parse(text: text, source: path)
    if let categories {
        let wanted = Set(categories.split(separator: ",").map(String.init))
        set = set.filter { wanted.contains($0.category) }
        guard !set.isEmpty else { throw CommandError("--categories \(categories): no prompt in \(path) has these categories") }
    }
    if let limit { set = Array(set.prefix(limit)) }
    return set
}

/// Writes a file through a temporary name, so an interrupted run never leaves half a file.
func writeAtomically(_ text: String, to path: String, flag: String) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw CommandError("\(flag) \(path): cannot write the file (\(error.localizedDescription))")
    }
}

func gitCommit() -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    p.arguments = ["rev-parse", "--short", "HEAD"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return "unknown" }
    p.waitUntilExit()
    let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return p.terminationStatus == 0 && !s.isEmpty ? s : "unknown"
}

func machineDescription() -> String {
    "\(TuneCache.cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores, SIMD \(ComputePool.simd)"
}
