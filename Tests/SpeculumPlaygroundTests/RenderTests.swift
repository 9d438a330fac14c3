import Testing
import SpeculumRender

@Suite struct RenderTests {
    @Test func wideCharactersTakeTwoCellsAndClipWhole() {
        var b = ScreenBuffer(width: 8, height: 2)
        let end = b.put("日本é🙂x", x: 0, y: 0)
        #expect(end == 8)
        #expect(b.dump() == "日本é🙂x\n")
        #expect(b[1, 0].symbol.isEmpty && b[0, 0].symbol == "日")
        // A wide character that would cross the limit becomes a space instead.
        b.put("ab日", x: 0, y: 1, limit: 3)
        #expect(b.row(1).hasPrefix("ab "))
        #expect(displayWidth("e\u{301}") == 1 && displayWidth("👩‍💻") == 2 && displayWidth("\u{200B}") == 0)
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        var b = ScreenBuffer(width: 6, height: 1)
        b.put("a\u{1B}[2Jb", x: 0, y: 0)
        #expect(b.dump() == "a?[2Jb")
    }

    @Test func changesAreOnlyWhatDiffers() {
        var a = ScreenBuffer(width: 5, height: 2)
        a.put("hello", x: 0, y: 0)
        var b = a
        b.put("J", x: 0, y: 1, style: Style(bold: true))
        #expect(b.changes(since: a) == [ScreenBuffer.Change(x: 0, y: 1, cell: Cell("J", Style(bold: true)))])
        #expect(b.changes(since: nil).count == 10)
        #expect(b.changes(since: ScreenBuffer(width: 4, height: 2)).count == 10, "a new size redraws everything")
    }

    @Test func splitsShareTheSpace() {
        let r = Rect(x: 0, y: 0, width: 100, height: 10)
        #expect(r.columns([.percent(55), .fill]).map(\.width) == [55, 45])
        #expect(r.columns([.cells(10), .fill, .fill]).map(\.width) == [10, 45, 45])
        #expect(r.rows([.cells(3), .fill]).map(\.y) == [0, 3])
        #expect(r.splitBottom(2).bottom == Rect(x: 0, y: 8, width: 100, height: 2))
        #expect(Rect(x: 0, y: 0, width: 5, height: 3).columns([.cells(10), .fill]).map(\.width) == [5, 0])
    }

    @Test func boxesWrapsBarsAndSparklines() {
        var b = ScreenBuffer(width: 12, height: 4)
        let inner = drawBox(&b, b.area, title: [Span("Tree")], glyphs: .unicode, border: .plain)
        #expect(inner == Rect(x: 1, y: 1, width: 10, height: 2))
        #expect(b.dump() == "┌ Tree ────┐\n│          │\n│          │\n└──────────┘")
        #expect(wrap([Span("abcdef"), Span("g\nhi")], width: 4).map { $0.map(\.text).joined() } == ["abcd", "efg", "hi"])
        #expect(bar(0.5, width: 4, glyphs: .unicode) == "██" && bar(0.5, width: 1, glyphs: .unicode) == "▌")
        #expect(sparkline([0, 1, 2, 4], width: 3, glyphs: .unicode) == "▃▅█")
        #expect("日本".fitted(3) == "日 " && "abc".fitted(5) == "abc  " && "7".rightAligned(3) == "  7")
    }
}
