import Testing
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender

/// Each pane and the whole screen rendered from the fixed snapshot, compared as text.
@Suite struct PaneTests {
    func screen(_ w: Int, _ h: Int, _ edit: (inout AppState) -> Void = { _ in }) -> ScreenBuffer {
        var state = AppState()
        edit(&state)
        return renderScreen(RenderContext(snapshot: Fixture.snapshot, state: state, theme: .dark, glyphs: .unicode), width: w, height: h)
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func wholeScreen(size: (Int, Int)) throws {
        try Fixture.assertMatches(screen(size.0, size.1).dump(), "screen-\(size.0)x\(size.1)")
    }

    @Test func zoomedPanesAndOverlays() throws {
        try Fixture.assertMatches(screen(120, 40) { $0.focus = .tree; $0.zoomed = true }.dump(), "tree-zoomed")
        try Fixture.assertMatches(screen(120, 40) { $0.focus = .inspector; $0.zoomed = true; $0.cursor = 2 }.dump(), "inspector-token-2")
        try Fixture.assertMatches(screen(120, 40) { $0.helpVisible = true }.dump(), "help")
        try Fixture.assertMatches(screen(120, 40) { $0.showWhitespace = true; $0.focus = .text; $0.zoomed = true }.dump(), "text-whitespace")
    }

    @Test func theStatusBarShowsTheTunedSettingsAfterTheStrategy() {
        var snapshot = Fixture.snapshot
        snapshot.tuned = "tuned k=3 · tree 2x1x1"
        let ctx = RenderContext(snapshot: snapshot, state: AppState(), theme: .dark, glyphs: .unicode)
        let status = renderScreen(ctx, width: 120, height: 40).row(38)
        #expect(status.hasPrefix(" draft-model chain: k=4 │ tuned k=3 · tree 2x1x1 │ ⏸ paused │"), "\(status)")
        // At 80 columns the model names are cut, never the settings.
        #expect(renderScreen(ctx, width: 80, height: 24).row(22).contains("tuned k=3 · tree 2x1x1 │ ⏸ paused"))
    }

    @Test func theTreeExplainsEachVerdict() {
        let text = screen(200, 60) { $0.focus = .tree; $0.zoomed = true }.dump()
        #expect(text.contains("✓ p/q 1.06 > u 0.50 (R1)"))   // 0.95 / 0.9
        #expect(text.contains("✗ p/q 0.17 ≤ u 0.40 (R1)"))   // 0.1 / 0.6
        #expect(text.contains("· unvisited"))
        #expect(text.contains("residual '·+' 0.70"))
    }

    @Test func acceptanceShowsTheDefinitionsNumbers() {
        let text = screen(200, 60) { $0.focus = .acceptance; $0.zoomed = true }.dump()
        #expect(text.contains("acceptance   50.0%  6/12 draft tokens"))
        #expect(text.contains("MAT          3.00  theory 3.36 (α 0.80, k 4)"))   // (1 − .8^5)/(1 − .8) = 3.3616
        #expect(text.contains("tokens/s     21.4  AR 10.0 here → 2.14×"))        // 9 tokens / 0.42 s
    }

    @Test func aWorkerErrorShowsInAPaneAndTheRestStays() {
        var s = Fixture.snapshot
        s.error = "the context is full: 4097 tokens needed, room for 4096 (raise it with --ctx, up to the model's training length)"
        let text = renderScreen(RenderContext(snapshot: s, state: AppState(), theme: .dark, glyphs: .unicode), width: 120, height: 40).dump()
        #expect(text.contains("┌ error ") && text.contains("the context is full: 4097 tokens needed"))
        #expect(text.contains("Draft tree") && text.contains("Token inspector"))
    }

    @Test func aSmallTerminalAsksToBeEnlarged() {
        let text = screen(59, 30).dump() + screen(80, 19).dump()
        #expect(text.contains("Enlarge the terminal") && text.contains("59×30") && text.contains("80×19"))
    }

    @Test func asciiGlyphsLeaveNoBoxCharacters() {
        let b = renderScreen(RenderContext(snapshot: Fixture.snapshot, state: AppState(), theme: .mono, glyphs: .ascii), width: 120, height: 40)
        #expect(!b.dump().contains("─") && !b.dump().contains("█") && b.dump().contains("+-"))
    }

    @Test func coloursFollowTheOriginOrTheHeat() {
        // Row 1 of the text pane: "    return a + b"; find the cell of " +" (a correction).
        let b = screen(120, 40)
        let row = (0..<120).map { b[$0, 2].symbol }.joined()
        let plus = row.distance(from: row.startIndex, to: row.range(of: "+")!.lowerBound)
        #expect(b[plus, 2].style == Theme.dark[.correction])
        let heat = renderScreen(RenderContext(snapshot: Fixture.snapshot, state: { var s = AppState(); s.colourMode = .entropy; return s }(),
                                              theme: .dark, glyphs: .unicode), width: 120, height: 40)
        #expect(heat[plus, 2].style != Theme.dark[.correction])
    }
}
