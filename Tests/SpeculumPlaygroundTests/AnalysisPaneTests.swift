import Testing
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender

/// The analysis views drawn from fixed data, compared as text.
@Suite struct AnalysisPaneTests {
    typealias R = PositionAnalysis.Ranked

    func screen(_ view: AnalysisView, kind: AnalysisKind, height: Int = 40) -> String {
        var s = Fixture.snapshot
        s.analysis = view
        var state = AppState()
        state.analysis = kind
        state.focus = .acceptance
        state.zoomed = true
        return renderScreen(RenderContext(snapshot: s, state: state, theme: .dark, glyphs: .unicode), width: 120, height: height).dump()
    }

    static let keys = PositionAnalysis.KeysInfo(precision: "f16", rows: 151936, megabytes: 445, preparationMs: 1234, queryMs: [31.5], queryMedianMs: 31.5)

    @Test func neighbourhood() throws {
        let view = AnalysisView.neighbourhood(.init(
            position: 3, query: R(token: 1, text: " numpy", p: 0.943), queryRank: 1,
            neighbours: [.init(token: 2, text: " Numpy", cosine: 0.812, p: 0.0012, rank: 7),
                         .init(token: 3, text: " np", cosine: 0.433, p: 0, rank: 90211)],
            biasMiddleShare: 0.1222, biasRandomShare: 0.0005, biasNeighbourK: 100, keys: Self.keys))
        let text = screen(view, kind: .neighbourhood)
        try Fixture.assertMatches(text, "analysis-neighbourhood")
        #expect(text.contains("┌ Neighbourhood · a: next view"))
        #expect(text.contains("0.812      0.1%       7  '·Numpy'"))
        #expect(text.contains("ranks 11–100 near a top-3 key (100 nearest): 12.2%  random tokens: 0.1%"))
        #expect(text.contains("keys f16, 445 MB, prepared once in 1.2 s; this query 31.5 ms"))
    }

    @Test func lensKeepsTheLastBlocksWhenRowsRunOut() throws {
        let target = (1...28).map { PositionAnalysis.LensRow(block: $0, top: [R(token: $0, text: "t\($0)", p: 0.5)], entropy: 1) }
        let draft = (1...24).map { PositionAnalysis.LensRow(block: $0, top: [R(token: $0, text: "d\($0)", p: 0.25)], entropy: 1) }
        let text = screen(.lens(.init(position: 5, tokenText: " as", target: target, draft: draft)), kind: .lens, height: 24)
        try Fixture.assertMatches(text, "analysis-lens")
        #expect(text.contains(" 28 't28' 0.50") && text.contains(" 24 'd24' 0.25"), "the last blocks are shown")
        #expect(!text.contains("  1 't1' 0.50"), "the first blocks give way on 24 rows")
        #expect(text.contains(" 28 't28' 0.50                                              24 'd24' 0.25"), "aligned at the output end")
    }

    @Test func healingAndNavigation() throws {
        let h = PartialTokenAnalysis(
            head: "import", tail: " num", plain: [.init(token: 1, text: "ba", p: 0.267)],
            backedOff: .init(token: 2, text: " num", p: 1e-5), healed: [.init(token: 3, text: " number", p: 0.453), .init(token: 4, text: " numpy", p: 0.345)],
            healedMass: 2e-5, nextCharacters: [.init(character: "p", p: 0.593), .init(character: "b", p: 0.322)],
            covers: [.init(tokens: [5, 6], pieces: [" n", "ump"], probability: 8.55e-7, nextCharacter: "p")],
            coverMass: 2.27e-6, uncheckedMass: 0)
        let text = screen(.healing(h), kind: .healing)
        try Fixture.assertMatches(text, "analysis-healing")
        #expect(text.contains("next char  'p' 59.3%  'b' 32.2%"))
        #expect(text.contains("0.377  '·n' + 'ump' → 'p'"))   // 8.55e-7 / 2.27e-6

        let rounds = [NavigationRound(round: 1, answer: "numpy", firstToken: 1, firstPiece: " numpy", nearestCosine: nil, nearestRound: nil),
                      NavigationRound(round: 2, answer: "pandas", firstToken: 2, firstPiece: " pandas", nearestCosine: 0.21, nearestRound: 1)]
        let nav = screen(.navigation(question: "Name a Python library", rounds: rounds), kind: .navigation)
        #expect(nav.contains(" 2. pandas") && nav.contains("first token '·pandas' · nearest earlier first token: round 1, cosine 0.210"))
        let busy = screen(.computing(.lens), kind: .lens)
        #expect(busy.contains("computing the lens view…"))
    }
}
