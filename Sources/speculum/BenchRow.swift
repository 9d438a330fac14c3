import Foundation
import SpeculumEngine

/// One prompt × configuration of `bench strategies`.
struct BenchRow: Encodable {
    /// Repeats of one configuration on one prompt.
    struct Accumulator {
        var speeds: [Double] = []
        var last: [DecodeResult] = []
        var stats = DecodeStatistics()
        mutating func add(_ results: [DecodeResult]) {
            let tokens = results.reduce(0) { $0 + $1.statistics.emittedTokens }
            let ns = results.reduce(UInt64(0)) { $0 + $1.statistics.decodeNs }
            speeds.append(ns > 0 ? Double(tokens) / (Double(ns) / 1e9) : 0)
            last = results
            var s = DecodeStatistics()
            for r in results {
                let t = r.statistics
                s.cycles += t.cycles; s.draftTokens += t.draftTokens; s.acceptedTokens += t.acceptedTokens
                s.emittedTokens += t.emittedTokens; s.targetPasses += t.targetPasses
                s.draftNs += t.draftNs; s.verifyNs += t.verifyNs; s.rollbackNs += t.rollbackNs; s.decodeNs += t.decodeNs
                s.prefillNs += t.prefillNs
            }
            stats = s
        }
        var medianSpeed: Double { median(speeds) }
    }

    let promptID: String
    let category: String
    let strategy: String
    let settings: [String: String]
    let tokensPerSecond: Double
    let tokensPerSecondRuns: [Double]
    let speedup: Double
    let meanAcceptedLength: Double
    let acceptanceRate: Double
    let acceptanceByDepth: [Double]
    let draftShare: Double
    let verifyShare: Double
    let rollbackShare: Double
    let generatedTokens: Int
    var identity: String?

    init(prompt: BenchPrompt, strategy: String, settings: [String: String], acc: Accumulator, arSpeed: Double) {
        promptID = prompt.id
        category = prompt.category
        self.strategy = strategy
        self.settings = settings
        tokensPerSecond = acc.medianSpeed
        tokensPerSecondRuns = acc.speeds
        speedup = arSpeed > 0 ? acc.medianSpeed / arSpeed : 0
        let s = acc.stats
        meanAcceptedLength = s.meanAcceptedLength
        acceptanceRate = s.acceptanceRate
        acceptanceByDepth = acc.last.first?.statistics.acceptanceByDepth ?? []
        let total = Double(max(1, s.decodeNs))
        draftShare = Double(s.draftNs) / total
        verifyShare = Double(s.verifyNs) / total
        rollbackShare = Double(s.rollbackNs) / total
        generatedTokens = s.emittedTokens
    }

    var settingsText: String { settings.isEmpty ? "default" : settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }

    struct Summary: Encodable {
        let strategy: String
        let settings: String
        let speedup: Double
        let meanAcceptedLength: Double
        let acceptanceRate: Double
        let identical: Int
        let prompts: Int
    }

    static func summary(_ rows: [BenchRow]) -> [Summary] {
        var order: [String] = []
        var groups: [String: [BenchRow]] = [:]
        for r in rows {
            let key = r.strategy + "|" + r.settingsText
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        return order.map { key in
            let g = groups[key]!
            let logMean = g.map { log(max($0.speedup, 1e-9)) }.reduce(0, +) / Double(g.count)
            return Summary(strategy: g[0].strategy, settings: g[0].settingsText, speedup: exp(logMean),
                           meanAcceptedLength: median(g.map(\.meanAcceptedLength)), acceptanceRate: median(g.map(\.acceptanceRate)),
                           identical: g.filter { $0.identity == "identical" }.count, prompts: g.count)
        }
    }

    static func csv(_ rows: [BenchRow]) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var lines = ["prompt,category,strategy,settings,tok_s,speedup,mat,acceptance,draft_share,verify_share,rollback_share,tokens,identity"]
        for r in rows {
            lines.append([q(r.promptID), q(r.category), r.strategy, q(r.settingsText), fmt(r.tokensPerSecond), fmt(r.speedup), fmt(r.meanAcceptedLength),
                          fmt(r.acceptanceRate), fmt(r.draftShare), fmt(r.verifyShare), fmt(r.rollbackShare), "\(r.generatedTokens)",
                          q(r.identity ?? "")].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

struct BenchReport: Encodable {
    let machine: String
    let threads: Int
    let commit: String
    let target: String
    let draft: String?
    let maxTokens: Int
    let repeats: Int
    let temperature: Float
    let rows: [BenchRow]
    let summary: [BenchRow.Summary]
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
