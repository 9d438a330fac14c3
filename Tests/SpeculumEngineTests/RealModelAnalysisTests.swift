import CKernels
import Testing
import SpeculumEngine

/// The analysis views on the default 1.5B.
@Suite(.serialized) struct RealModelAnalysisTests {
    @Test func importNumContinuesWithP() throws {
        guard let path = TestSupport.realModel(ModelRegistry.defaultTarget) else { return }
        let target = try LoadedModel(path)
        let state = ModelState(context: InferenceContext(model: target.model, capacity: 256))
        let a = try PartialTokenAnalysis.analyze(prompt: "import num", state: state, tokenizer: target.tokenizer)
        #expect(a.tail == " num")
        let first = try #require(a.nextCharacters.first)
        #expect(first.character == "p" && first.p > 0.5, "P(next character) = \(a.nextCharacters.prefix(3))")
        #expect(a.healed.first.map { $0.text.hasPrefix(" num") } == true && a.backedOff.text == " num")
    }

    @Test func nearestKeysOfTheRealHeadMatchABruteForceSearch() throws {
        guard let path = TestSupport.realModel(ModelRegistry.defaultTarget) else { return }
        let target = try LoadedModel(path)
        let keys = VocabularyKeys(model: target.model, usable: target.tokenizer.vocabulary.count)
        let queries = ["import", " numpy", " the"].map { target.tokenizer.encode($0, addSpecial: false, parseSpecial: false)[0] }

        // Stream the head's rows once, in double, computing every query's cosine.
        let f = target.file
        let t = try #require(f.tensor(named: "output.weight"))
        let cols = t.shape[0], data = f.data(of: t)
        func row(_ r: Int) -> [Double] {
            var out = [Float](repeating: 0, count: cols)
            ck_dequantize_row(Int32(t.type.rawValue), data.baseAddress! + r * t.rowBytes, &out, Int64(cols))
            return out.map(Double.init)
        }
        let q = queries.map(row)
        let qn = q.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        var cosines = [[Double]](repeating: [], count: queries.count)
        for r in 0..<keys.usable {
            let k = row(r)
            let kn = k.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in queries.indices {
                var dot = 0.0
                for c in 0..<cols { dot += q[i][c] * k[c] }
                cosines[i].append(kn > 0 ? dot / (qn[i] * kn) : 0)
            }
        }
        for (i, token) in queries.enumerated() {
            let want = cosines[i].indices.filter { $0 != token }.sorted { cosines[i][$0] > cosines[i][$1] }.prefix(10)
            let got = keys.neighbours(of: token, k: 10)
            for (g, w) in zip(got, want) {
                #expect(abs(Double(g.cosine) - cosines[i][g.token]) < 2e-3, "query \(token): neighbour \(g.token)")
                #expect(abs(Double(g.cosine) - cosines[i][w]) < 2e-3, "query \(token): \(g.token) vs \(w)")
            }
        }
    }
}
