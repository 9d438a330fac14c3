import SpeculumEngine
import SpeculumRender

/// The prompt (dimmed) and the output, each token coloured by origin or by uncertainty heat, with
/// the selected token highlighted. Scrolls so that the selection (or the newest token) is visible.
func renderTextPane(_ buf: inout ScreenBuffer, _ area: Rect, _ ctx: RenderContext) {
    guard area.width > 0, area.height > 0 else { return }
    let s = ctx.snapshot, state = ctx.state
    let shown = s.visibleTokens ?? s.tokens.count
    let selected = state.selectedToken(s)
    // Lay out characters into rows, remembering where the selected token starts.
    var rows: [[Span]] = [[]]
    var col = 0
    var selectedRow = 0
    func put(_ text: String, _ style: Style) {
        var piece = ""
        func flush() {
            if !piece.isEmpty { rows[rows.count - 1].append(Span(piece, style)); piece = "" }
        }
        for ch in text {
            if ch == "\n" {
                if state.showWhitespace { piece += ctx.glyphs.newline }
                flush()
                rows.append([])
                col = 0
                continue
            }
            let shownChar = state.showWhitespace && ch == " " ? Character(ctx.glyphs.space) : (ch == "\t" && state.showWhitespace ? Character(ctx.glyphs.tab) : ch)
            let w = max(1, displayWidth(shownChar))
            if col + w > area.width {
                flush()
                rows.append([])
                col = 0
            }
            piece.append(shownChar)
            col += w
        }
        flush()
    }
    put(s.prompt, ctx.style(.prompt))
    for (i, t) in s.tokens.prefix(shown).enumerated() {
        var style: Style
        switch state.colourMode {
        case .origin: style = ctx.style(ctx.originRole(t.origin))
        case .entropy: style = ctx.style(Theme.heat(min(1, (t.insight?.entropy ?? 0) / 4)))
        case .margin: style = ctx.style(Theme.heat(1 - Double(t.insight?.probabilityMargin ?? 1)))
        }
        if i == selected && state.cursor != nil {
            style = style.patched(with: ctx.style(.cursor))
            selectedRow = rows.count - 1
        }
        // An empty piece (part of a character) still shows where the cursor is.
        put(t.text.isEmpty && i == selected && state.cursor != nil ? "▯" : t.text, style)
    }
    if state.cursor == nil { selectedRow = rows.count - 1 }
    let first = max(0, min(selectedRow - area.height / 2, rows.count - area.height))
    drawLines(&buf, area, rows, firstLine: state.cursor == nil ? max(0, rows.count - area.height) : first)
}
