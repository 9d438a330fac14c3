import ArgumentParser
import Foundation
import SpeculumEngine

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: `bench strategies` (the default) compares decoding strategies; `bench engine` the forward pass.",
        subcommands: [StrategyBenchCommand.self, EngineBenchCommand.self],
        defaultSubcommand: StrategyBenchCommand.self)
}

struct EngineBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Prompt processing, decode, verify cost T(n)/T(1), peak memory and read bandwidth, per model.",
        discussion: "Each figure is reported as min / median over --repeat runs in this process.")

    @Option(help: "Comma-separated model names or paths (default: the default target and draft).")
    var models: String = "\(ModelRegistry.defaultTarget),\(ModelRegistry.defaultDraft)"

    @Option(name: .customLong("repeat"), help: "Runs per model (1–20).")
    var repeats: Int = 3

    @Option(help: "Worker threads (1–64; default: one per core).")
    var threads: Int?

    @Flag(help: "Exact arithmetic instead of 8-bit activations.")
    var exact = false

    @Option(help: "Also write every figure to this JSON file.")
    var json: String?

    @Option(help: "Compute the LM head over the first N token ids and the ids in the context only, as --draft-vocab does for a draft (0 = all).")
    var headRows: Int = 0

    @Option(help: "With two or more models, measure the last one as a draft: its LM head over its first N token ids and the ids in its context, as generate's --draft-vocab (0 = all). Prints the draft step ÷ target step.")
    var draftVocab: Int = 0

    @Option(help: ArgumentHelp("How the matrices are held: repacked (Q4_K, Q5_0, Q6_K and Q8_0 in groups of 8 rows), file (as stored), or both, measured in turn in each repeat.",
                               valueName: "repacked|file|both"))
    var weights: String = "repacked"

    var layouts: [WeightLayout] { weights == "both" ? [.file, .repacked] : [WeightLayout(rawValue: weights)!] }

    func validate() throws {
        guard headRows == 0 || headRows >= 256 else { throw ValidationError("--head-rows \(headRows) is out of range (allowed: 0 for all, or at least 256)") }
        guard draftVocab == 0 || draftVocab >= 256 else { throw ValidationError("--draft-vocab \(draftVocab) is out of range (allowed: 0 for all, or at least 256)") }
        guard draftVocab == 0 || models.split(separator: ",").count >= 2 else { throw ValidationError("--draft-vocab needs two or more --models (the last is the draft)") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeat \(repeats) is out of range (allowed: 1 to 20)") }
        if let t = threads, !(1...64).contains(t) { throw ValidationError("--threads \(t) is out of range (allowed: 1 to 64)") }
        guard weights == "both" || WeightLayout(rawValue: weights) != nil else {
            throw ValidationError("--weights '\(weights)' is not a layout (expected repacked, file or both)")
        }
    }

    func run() throws {
        let pool = threads.map { ComputePool(threads: $0) } ?? .shared
        let text = (0..<400).map { "The quick brown fox number \($0) jumps over the lazy dog; " }.joined()
        var report: [String: [EngineMeasurement]] = [:]
        var bandwidths: [Double] = []
        let names = models.split(separator: ",").map(String.init)
        // Every model is loaded first and the repeats are interleaved across models (and, with --weights
        // both, across layouts), so ratios between them compare runs seconds apart, not minutes.
        var loaded: [[LoadedModel]] = []
        for name in names {
            loaded.append(try layouts.map { try LoadedModel(name, layout: $0) })
            for m in loaded.last! where m.model.repackedBytes > 0 {
                FileHandle.standardError.write(Data(String(format: "[%@] loaded in %.2f s, %.0f MB of weights repacked\n", name, m.model.loadSeconds, Double(m.model.repackedBytes) / 1e6).utf8))
            }
        }
        let tokens = loaded.map { $0[0].tokenizer.encode(text) }
        func head(_ i: Int) -> Int? { i == names.count - 1 && draftVocab > 0 ? draftVocab : headRows > 0 ? headRows : nil }
        var runs = names.map { _ in [[EngineMeasurement]](repeating: [], count: layouts.count) }
        for r in 0..<repeats {
            for (i, name) in names.enumerated() {
                for (k, model) in loaded[i].enumerated() {
                    bandwidths.append(EngineBenchmark.readBandwidth(pool: pool))
                    runs[i][k].append(try EngineBenchmark.run(model, tokens: tokens[i], arithmetic: exact ? .exact : .quantizedActivations, pool: pool,
                                                              headRows: head(i)))
                    FileHandle.standardError.write(Data("[\(name), \(model.model.layout) weights] run \(r + 1)/\(repeats): decode \(String(format: "%.1f", runs[i][k].last!.decodeTokensPerSecond)) tok/s\n".utf8))
                }
            }
        }
        for (i, name) in names.enumerated() {
            for (k, model) in loaded[i].enumerated() {
                let label = (loaded[i].count > 1 ? "\(name) [\(model.model.layout) weights]" : name) + (head(i).map { ", head over \($0) ids" } ?? "")
                report[label] = runs[i][k]
                printTable(name: label, runs: runs[i][k], bandwidth: bandwidths.max()!)
            }
            if loaded[i].count == 2 { printRatios(name: name, file: runs[i][0], repacked: runs[i][1]) }
        }
        if names.count >= 2 {
            // The draft step ÷ the target step: one forward pass of one token with its logits, each
            // model's own T(1), repeat by repeat (the last layout measured when there are two).
            let target = runs[0].last!, draft = runs[names.count - 1].last!
            let ratios = zip(draft, target).map { $0.verifySecondsForOne / $1.verifySecondsForOne }
            print(String(format: "draft step ÷ target step (%@%@ ÷ %@), per repeat: min %.3f / median %.3f", names.last!,
                         draftVocab > 0 ? ", head over \(draftVocab) ids" : "", names[0], ratios.min()!, median(ratios)))
        }
        let peak = EngineBenchmark.peakResidentBytes()
        print(String(format: "read bandwidth (best of 5 sums over 1 GiB with %d threads, per run): min %.1f / median %.1f GB/s; peak RSS %.0f MiB",
                     pool.threads, bandwidths.min()!, median(bandwidths), Double(peak) / 1048576))
        if let json {
            struct Output: Encodable {
                let machineThreads: Int, simd: String, readBandwidthGBPerSecond: [Double], peakResidentBytes: Int
                let runs: [String: [EngineMeasurement]]
            }
            let out = Output(machineThreads: pool.threads, simd: ComputePool.simd, readBandwidthGBPerSecond: bandwidths,
                             peakResidentBytes: peak, runs: report)
            try Data(try jsonString(out, pretty: true).utf8).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }

    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }

    /// Repacked ÷ file, repeat by repeat (the two ran back to back): speeds up, costs down is better.
    func printRatios(name: String, file: [EngineMeasurement], repacked: [EngineMeasurement]) {
        func row(_ label: String, _ values: [Double]) {
            print("  \(label.rightPad(28)) \(String(format: "%8.3f", values.min()!)) / \(String(format: "%8.3f", median(values)))")
        }
        print("\(name)  repacked ÷ file, per repeat (min / median of \(file.count))")
        for n in file[0].promptTokensPerSecond.keys.sorted(by: { Int($0)! < Int($1)! }) {
            row("prompt processing pp\(n)", zip(repacked, file).map { $0.promptTokensPerSecond[n]! / $1.promptTokensPerSecond[n]! })
        }
        row("decode tok/s", zip(repacked, file).map { $0.decodeTokensPerSecond / $1.decodeTokensPerSecond })
        row("verify T(1)", zip(repacked, file).map { $0.verifySecondsForOne / $1.verifySecondsForOne })
        for n in file[0].verifyCost.keys.sorted(by: { Int($0)! < Int($1)! }) where n != "1" {
            row("verify T(\(n)) seconds", zip(repacked, file).map { $0.verifyCost[n]! * $0.verifySecondsForOne / ($1.verifyCost[n]! * $1.verifySecondsForOne) })
        }
    }

    func printTable(name: String, runs: [EngineMeasurement], bandwidth: Double) {
        func row(_ label: String, _ values: [Double], _ unit: String) {
            print("  \(label.rightPad(28)) \(String(format: "%8.2f", values.min()!)) / \(String(format: "%8.2f", median(values))) \(unit)")
        }
        print("\(name)  (\(runs[0].arithmetic), \(runs[0].threads) threads; min / median of \(runs.count))")
        for n in runs[0].promptTokensPerSecond.keys.sorted(by: { Int($0)! < Int($1)! }) {
            row("prompt processing pp\(n)", runs.map { $0.promptTokensPerSecond[n]! }, "tok/s")
        }
        row("decode (128 tokens)", runs.map(\.decodeTokensPerSecond), "tok/s")
        row("decode weight traffic", runs.map(\.decodeWeightGBPerSecond), "GB/s")
        row("  share of read bandwidth", runs.map { $0.decodeWeightGBPerSecond / bandwidth * 100 }, "%")
        row("verify T(1)", runs.map { $0.verifySecondsForOne * 1000 }, "ms")
        for n in runs[0].verifyCost.keys.sorted(by: { Int($0)! < Int($1)! }) where n != "1" {
            row("verify T(\(n))/T(1)", runs.map { $0.verifyCost[n]! }, "")
        }
    }
}
