import CKernels
import Foundation
import Testing
import SpeculumEngine

/// The LM head's rows dequantized, in double, and the brute-force cosine neighbours the key views
/// must reproduce.
struct BruteForceKeys {
    let rows: Int, cols: Int
    let keys: [[Double]]   // (rows, cols)

    init(model: TransformerModel, rows limit: Int? = nil) {
        let f = model.file
        let t = f.tensor(named: "output.weight") ?? f.tensor(named: "token_embd.weight")!
        cols = t.shape[0]
        rows = min(limit ?? t.rowCount, t.rowCount)
        let data = f.data(of: t)
        var row = [Float](repeating: 0, count: cols)
        var keys: [[Double]] = []
        for r in 0..<rows {
            ck_dequantize_row(Int32(t.type.rawValue), data.baseAddress! + r * t.rowBytes, &row, Int64(cols))
            keys.append(row.map(Double.init))
        }
        self.keys = keys
    }

    func cosine(_ a: Int, _ b: Int) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for c in 0..<cols {
            dot += keys[a][c] * keys[b][c]
            na += keys[a][c] * keys[a][c]
            nb += keys[b][c] * keys[b][c]
        }
        return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
    }

    /// All cosines to `token`, then the k nearest others (ties by lower id).
    func neighbours(of token: Int, k: Int) -> [(token: Int, cosine: Double)] {
        let all = (0..<rows).filter { $0 != token }.map { ($0, cosine(token, $0)) }
        return Array(all.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k))
    }
}

@Suite struct AnalysisTests {
    @Test(arguments: VocabularyKeys.Precision.allCases)
    func nearestKeysMatchABruteForceSearch(_ precision: VocabularyKeys.Precision) throws {
        let model = try TinyModel.model(seed: 21)
        let keys = VocabularyKeys(model: model, precision: precision, pool: ComputePool(threads: 2))
        let brute = BruteForceKeys(model: model)
        #expect(keys.rows == brute.rows && keys.dimension == brute.cols)
        // f32 keys keep 7 digits; binary16 keys 3.
        let tolerance = precision == .f32 ? 1e-5 : 2e-3
        for token in [0, 32, 97, 200, 259] {
            let got = keys.neighbours(of: token, k: 10)
            let want = brute.neighbours(of: token, k: 10)
            #expect(got.count == 10)
            #expect(!got.contains { $0.token == token }, "a token is not its own neighbour")
            for (g, w) in zip(got, want) {
                // Each returned neighbour's true cosine matches what is reported, and the list is the
                // true top 10 up to near-ties at the tolerance.
                #expect(abs(Double(g.cosine) - brute.cosine(token, g.token)) < tolerance, "token \(token): neighbour \(g.token)")
                #expect(abs(Double(g.cosine) - w.cosine) < tolerance, "token \(token): \(g.token) vs \(w.token)")
            }
            if precision == .f32 { #expect(got.map(\.token) == want.map(\.token), "token \(token)") }
        }
    }

    @Test func theKeySpaceBiasMatchesABruteForceCount() throws {
        let model = try TinyModel.model(seed: 22)
        let ctx = InferenceContext(model: model, capacity: 64, pool: ComputePool(threads: 2))
        try ctx.evaluate([72, 101, 108, 108, 111], logitsFor: [4])
        let p = Sampler.distribution(ctx.logits(0), settings: SamplerSettings(temperature: 1))
        let keys = VocabularyKeys(model: model, precision: .f32, pool: ComputePool(threads: 2))
        let bias = KeySpaceBias.measure(keys: keys, distribution: p, topCount: 3, neighbourK: 20, ranks: 100, sampleSize: 100)

        let brute = BruteForceKeys(model: model)
        let ranked = p.top(100)
        let tops = ranked.prefix(3).map(\.token)
        var near = Set<Int>()
        for t in tops { near.formUnion(brute.neighbours(of: t, k: 20).map(\.token)) }
        near.subtract(tops)
        #expect(bias.rows.map(\.token) == ranked.map(\.token))
        for row in bias.rows { #expect((row.neighbourOf != nil) == near.contains(row.token), "rank \(row.rank)") }
        let middle = ranked.dropFirst(10).filter { near.contains($0.token) }.count
        #expect(bias.middleShare == Double(middle) / 90)
        #expect(bias.expectedShare == Double(near.count) / Double(keys.usable - 3))
        #expect(bias.sampleSize == 100 && bias.randomShare >= 0 && bias.randomShare <= 1)
    }

    @Test func outputAggregatesByHand() {
        // Sorted: 0.1, 0.3, 0.5, 0.9. Quantile q sits at q·3 between order statistics.
        let u = OutputUncertainty(probabilities: [0.9, 0.1, 0.5, 0.3], threshold: 0.5)
        #expect(abs(u.sumLogProbability - log(0.9 * 0.1 * 0.5 * 0.3)) < 1e-6)
        #expect(abs(u.meanProbability - 0.45) < 1e-6)
        #expect(abs(u.minProbability - 0.1) < 1e-6)
        #expect(abs(u.quantile10 - 0.16) < 1e-6)   // 0.1 + 0.3 · 0.2
        #expect(abs(u.quantile25 - 0.25) < 1e-6)   // 0.1 + 0.75 · 0.2
        #expect(abs(u.median - 0.4) < 1e-6)        // 0.3 + 0.5 · 0.2
        #expect(u.deferred == [1, 3], "0.5 itself is not below the threshold")
        #expect(OutputUncertainty.quantile([2], 0.1) == 2 && OutputUncertainty.quantile([], 0.5) == 0)
    }

    @Test func theLensAfterTheLastBlockIsTheModelsOutput() throws {
        let model = try TinyModel.model(seed: 23)
        let tokens: [TokenID] = [72, 101, 108, 108, 111, 44]
        let pool = ComputePool(threads: 2)
        let lens = try LogitLens.compute(model: model, tokens: tokens, position: 4, topK: 5, pool: pool)
        #expect(lens.blocks.count == TinyModel.blocks && lens.blocks.allSatisfy { $0.count == 5 })
        let ctx = InferenceContext(model: model, capacity: 64, pool: pool)
        try ctx.evaluate(Array(tokens[...4]), logitsFor: [4])
        let p = Sampler.distribution(ctx.logits(0), settings: SamplerSettings(temperature: 1))
        #expect(lens.blocks.last!.map(\.token) == p.top(5).map(\.token))
        #expect(lens.blocks.last!.map(\.p) == p.top(5).map(\.p), "bitwise: the same arithmetic")
        #expect(abs(lens.entropies.last! - p.entropy) < 1e-12)
        #expect(lens.blocks.first!.map(\.token) != lens.blocks.last!.map(\.token), "the first block predicts something else")
        #expect(throws: InferenceError.invalidRow(6, batch: 6)) { try LogitLens.compute(model: model, tokens: tokens, position: 6) }
    }

    /// Every token sequence after the head whose bytes run through `tail` and at least one byte past
    /// it, canonical ones only, with its probability: the definition, enumerated.
    func exhaustiveNextCharacters(model: TransformerModel, tokenizer: any Tokenizer, head: [TokenID], tail: [UInt8]) throws -> [String: Double] {
        let state = ModelState(context: InferenceContext(model: model, capacity: 64, pool: ComputePool(threads: 1)))
        var mass: [String: Double] = [:]
        func canonical(_ seq: [TokenID]) -> Bool {
            let bytes = seq.flatMap { tokenizer.bytes(of: $0, special: false) }
            guard let s = String(validating: bytes, as: UTF8.self) else { return false }
            return tokenizer.encode(s, addSpecial: false, parseSpecial: false) == seq
        }
        func visit(_ seq: [TokenID], _ bytes: [UInt8], _ logP: Double) throws {
            if bytes.count > tail.count {
                if canonical(seq) { mass[String(decoding: bytes[tail.count...], as: UTF8.self).first.map(String.init)!, default: 0] += exp(logP) }
                return
            }
            try state.sync(to: head + seq, logitsForLast: true)
            let logits = Array(state.context.logits(0))
            let m = logits.max()!
            let z = logits.reduce(0.0) { $0 + exp(Double($1 - m)) }
            for t in 0..<tokenizer.vocabulary.count {
                let b = tokenizer.bytes(of: t, special: false)
                guard !b.isEmpty else { continue }
                let next = bytes + b
                let n = min(next.count, tail.count)
                guard Array(next[..<n]) == Array(tail[..<n]) else { continue }
                try visit(seq + [t], next, logP + Double(logits[t] - m) - log(z))
            }
        }
        try visit([], [], 0)
        let total = mass.values.reduce(0, +)
        return mass.mapValues { $0 / total }
    }

    @Test func theNextCharacterDistributionIsTheExhaustiveOne() throws {
        let model = try TinyModel.model(seed: 24)
        let tokenizer = try makeTokenizer(for: model.file)
        let state = ModelState(context: InferenceContext(model: model, capacity: 64, pool: ComputePool(threads: 1)))
        for prompt in ["in th", "he in", "in the"] {
            let a = try PartialTokenAnalysis.analyze(prompt: prompt, state: state, tokenizer: tokenizer)
            let head = tokenizer.encode(a.head)
            let want = try exhaustiveNextCharacters(model: model, tokenizer: tokenizer, head: head, tail: Array(a.tail.utf8))
            let got = Dictionary(uniqueKeysWithValues: a.nextCharacters.map { ($0.character, $0.p) })
            #expect(abs(a.nextCharacters.reduce(0) { $0 + $1.p } - 1) < 1e-9, "\(prompt): sums to 1")
            #expect(Set(got.keys) == Set(want.keys), "\(prompt): the same characters")
            for (c, p) in want { #expect(abs((got[c] ?? 0) - p) < 1e-6, "\(prompt): P(\(c)) \(got[c] ?? 0) vs \(p)") }
            #expect(a.covers.allSatisfy { c in
                let b = c.tokens.flatMap { tokenizer.bytes(of: $0, special: false) }
                return b.starts(with: Array(a.tail.utf8)) && b.count > a.tail.utf8.count
            }, "every cover runs through the word and past it")
        }
        // "in th": the word is " th"; " the" is one token, so [" t", "he"] is not canonical and is not a cover.
        let a = try PartialTokenAnalysis.analyze(prompt: "in th", state: state, tokenizer: tokenizer)
        #expect(a.tail == " th" && a.head == "in")
        let t = tokenizer.vocabulary.tokens.firstIndex(of: "Ġt")!, he = tokenizer.vocabulary.tokens.firstIndex(of: "he")!
        #expect(!a.covers.contains { $0.tokens == [t, he] })
        #expect(a.covers.contains { $0.tokens == [tokenizer.vocabulary.tokens.firstIndex(of: "Ġthe")!] })
        // Healing backs off " th"... which is two tokens (" t", "h"): the last one, "h", is backed off.
        #expect(a.backedOff.text == "h")
        #expect(Set(a.healed.map(\.text)) == ["h", "he"], "the tokens that start with 'h'")
        #expect(abs(a.healed.reduce(0) { $0 + $1.p } - 1) < 1e-9)
    }
}
