import Foundation
import Testing
import SpeculumEngine
#if canImport(Glibc)
import Glibc
#endif

/// Fixtures from scripts/reference/make_forward_fixtures.py (an independent numpy forward pass).
struct ForwardFixture: Decodable {
    struct Position: Decodable { let ids: [Int]; let logits: [Double] }
    struct ModeCase: Decodable {
        /// The prompt position of `positions[0]` (a long prompt records only its last positions).
        let first_position: Int?
        let positions: [Position]
        let greedy: [Int]
        let greedy_margins: [Double]
    }
    struct Prompt: Decodable { let text: String; let special: Bool; let ids: [Int]; let exact: ModeCase; let q8: ModeCase }
    struct Chunk: Decodable { let nll: Double; let count: Int }
    struct PPL: Decodable { let ctx: Int; let tokens: Int; let exact: [Chunk] }
    let prompts: [Prompt]
    let perplexity: PPL?

    static func load(_ model: String) -> ForwardFixture? {
        let url = TestSupport.fixtures.appendingPathComponent("forward-\(model).json")
        guard let d = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(ForwardFixture.self, from: d)
    }
}

struct ParityCase: Sendable, CustomStringConvertible {
    let model: String       // registry name
    let fixture: String     // fixture file stem
    let exact: Bool
    var description: String { "\(fixture) \(exact ? "exact" : "q8")" }

    /// Largest allowed |Δlogit| over the reference's top-20, the largest allowed mean, and the top-1/top-2
    /// margin under which a position counts as a near-tie. The exact path gets the issue's 0.1 / 0.05.
    /// The 8-bit path is discontinuous: activations that agree to 1e-6 still round to different 8-bit
    /// values now and then. The numpy reference's own 8-bit mode, with only its BLAS precision changed
    /// (f32 vs f64 products), moves its top-20 logits by up to 0.39 (1.5B) / 0.33 (0.5B), mean ≈ 0.055,
    /// while its exact mode moves < 0.0005. No implementation can beat that floor, so the 8-bit path is
    /// held to about twice it: max 0.75, mean 0.1, near-ties under 0.5. Gemma's 8-bit path is more
    /// sensitive still (its √640-scaled embeddings and four norms per block amplify a rounding flip):
    /// the same experiment moves its logits by up to 1.06, mean 0.235 — so twice that again: 2.0 / 0.45,
    /// near-ties under 1.0. (The exact path meets 0.1 on every model: largest measured 0.0001.)
    var gemma: Bool { fixture.hasPrefix("gemma") }
    var bound: Double { exact ? 0.1 : gemma ? 2.0 : 0.75 }
    var meanBound: Double { exact ? 0.01 : gemma ? 0.45 : 0.1 }
    var nearTie: Double { exact ? 0.05 : gemma ? 1.0 : 0.5 }
}

/// Models are large: each is loaded once for the whole suite.
let parityModels: [String: LoadedModel] = {
    var out: [String: LoadedModel] = [:]
    for name in ["qwen2.5-coder-0.5b-instruct-q4_k_m", "qwen2.5-coder-1.5b-instruct-q4_k_m", "gemma-3-270m-q4_k_m"] {
        if TestSupport.realModel(name) != nil { out[name] = try? LoadedModel(name) }
    }
    return out
}()

@Suite(.serialized) struct ReferenceParityTests {
    static let cases: [ParityCase] = [false, true].flatMap { exact in
        [ParityCase(model: "qwen2.5-coder-0.5b-instruct-q4_k_m", fixture: "qwen2.5-coder-0.5b", exact: exact),
         ParityCase(model: "qwen2.5-coder-1.5b-instruct-q4_k_m", fixture: "qwen2.5-coder-1.5b", exact: exact),
         ParityCase(model: "gemma-3-270m-q4_k_m", fixture: "gemma-3-270m", exact: exact)]
    }

    @Test(arguments: cases)
    func logitsAndGreedyTokensMatchTheReference(_ c: ParityCase) throws {
        guard let loaded = parityModels[c.model] else { return }
        let fixture = try #require(ForwardFixture.load(c.fixture), "fixture forward-\(c.fixture).json")
        let longest = fixture.prompts.map(\.ids.count).max() ?? 0
        let ctx = InferenceContext(model: loaded.model, capacity: longest + 40, arithmetic: c.exact ? .exact : .quantizedActivations)
        var worst = 0.0, total = 0.0, count = 0
        for p in fixture.prompts {
            let mode = c.exact ? p.exact : p.q8
            #expect(loaded.tokenizer.encode(p.text, parseSpecial: p.special) == p.ids, "tokens of \(p.text.debugDescription)")
            ctx.truncate(to: 0)
            let first = mode.first_position ?? 0
            try ctx.evaluate(p.ids, logitsFor: Array(first..<p.ids.count))
            for (k, ref) in mode.positions.enumerated() {
                let logits = ctx.logits(k), i = first + k
                for (id, value) in zip(ref.ids, ref.logits) {
                    let d = abs(Double(logits[id]) - value)
                    worst = max(worst, d)
                    total += d
                    count += 1
                    #expect(d <= c.bound, "\(c) \(p.text.prefix(20).debugDescription) position \(i) token \(id): \(logits[id]) vs \(value)")
                }
                let refMargin = ref.logits[0] - ref.logits[1]
                if refMargin >= c.nearTie {
                    #expect(Sampler.argmax(logits) == ref.ids[0], "\(c) position \(i): top-1")
                } else {  // a near-tie: which wins is not meaningful; the two stay within the bound of each other
                    #expect(abs(Double(logits[ref.ids[0]] - logits[ref.ids[1]])) <= c.nearTie + 2 * c.bound, "\(c) position \(i): near-tie margin")
                }
            }
            // The 32-token greedy continuation.
            var token = Sampler.argmax(ctx.logits(p.ids.count - 1 - first))
            for k in 0..<mode.greedy.count {
                if token != mode.greedy[k] {
                    if mode.greedy_margins[k] < c.nearTie {
                        print("note: \(c) \(p.text.prefix(20).debugDescription): step \(k) is a near-tie (margin \(mode.greedy_margins[k])); compared up to there")
                    } else {
                        Issue.record("\(c) \(p.text.prefix(20).debugDescription): greedy step \(k) gave \(token), the reference \(mode.greedy[k])")
                    }
                    break
                }
                try ctx.evaluate([token], logitsFor: [0])
                token = Sampler.argmax(ctx.logits(0))
            }
        }
        #expect(total / Double(max(count, 1)) <= c.meanBound, "\(c): mean |Δlogit|")
        print("parity \(c): |Δlogit| over the reference top-20: largest \(String(format: "%.4f", worst)), mean \(String(format: "%.4f", total / Double(max(count, 1))))")
    }

    @Test(arguments: [("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m"), ("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m"),
                      ("gemma-3-270m", "gemma-3-270m-q4_k_m")])
    func perplexityOnTheExactPathIsWithinOnePercent(_ stem: String, _ model: String) throws {
        guard let loaded = parityModels[model] else { return }
        let fixture = try #require(ForwardFixture.load(stem)?.perplexity, "perplexity in forward-\(stem).json")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/perplexity-eval.txt")
        var text = try String(contentsOf: url, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        // BOS in front when the vocabulary adds one (Gemma), and each chunk's first token replaced by it.
        let tokens = loaded.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let bos = loaded.tokenizer.vocabulary.addBOS ? loaded.tokenizer.vocabulary.bos : nil
        #expect(tokens.count == fixture.tokens)
        let chunks = 2  // the whole text takes minutes on the exact path; the closing note reports all of it
        let ctx = InferenceContext(model: loaded.model, capacity: fixture.ctx, maxBatch: fixture.ctx, arithmetic: .exact)
        let ours = try Perplexity.evaluate(ctx, tokens: tokens, ctx: fixture.ctx, maxChunks: chunks, bos: bos)
        let refChunks = fixture.exact.prefix(chunks)
        let reference = exp(refChunks.reduce(0) { $0 + $1.nll } / Double(refChunks.reduce(0) { $0 + $1.count }))
        print("perplexity \(stem) (exact, \(chunks) chunks of \(fixture.ctx)): ours \(ours.perplexity), reference \(reference)")
        #expect(abs(ours.perplexity / reference - 1) < 0.01)
    }
}
