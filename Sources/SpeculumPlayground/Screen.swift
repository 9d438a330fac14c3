import SpeculumEngine
import SpeculumRender

/// The smallest terminal the playground draws in.
public let minimumSize = (width: 60, height: 20)

/// The whole screen for one frame: panes, status bar, bottom line, overlays.
public func renderScreen(_ ctx: RenderContext, width: Int, height: Int) -> ScreenBuffer {
    var buf = ScreenBuffer(width: width, height: height)
    guard width >= minimumSize.width, height >= minimumSize.height else {
        let lines = ["Speculum needs at least \(minimumSize.width)×\(minimumSize.height);",
                     "this terminal is \(width)×\(height).", "Enlarge the terminal (q quits)."]
        for (i, l) in lines.enumerated() where i < height {
            buf.put(l, x: max(0, (width - displayWidth(l)) / 2), y: max(0, height / 2 - 1) + i, style: ctx.style(.note))
        }
        return buf
    }
    let (body, bottom) = buf.area.splitBottom(2)
    let panes = layout(body, ctx.state)
    for (id, rect) in panes {
        let focused = id == ctx.state.focus
        let inner = drawBox(&buf, rect, title: [Span(title(id, ctx), ctx.style(.title))], glyphs: ctx.glyphs,
                            border: ctx.style(focused ? .borderFocused : .border))
        switch id {
        case .text: renderTextPane(&buf, inner, ctx)
        case .tree: renderTreePane(&buf, inner, ctx)
        case .acceptance:
            if ctx.state.analysis != nil { renderAnalysisPane(&buf, inner, ctx) } else { renderAcceptancePane(&buf, inner, ctx) }
        case .inspector: renderInspectorPane(&buf, inner, ctx)
        }
    }
    if let error = ctx.snapshot.error { renderErrorPane(&buf, body, error, ctx) }
    renderStatusBar(&buf, Rect(x: 0, y: bottom.y, width: width, height: 1), ctx)
    renderBottomLine(&buf, Rect(x: 0, y: bottom.y + 1, width: width, height: 1), ctx)
    if ctx.state.helpVisible { renderHelp(&buf, body, ctx) }
    return buf
}

/// Where each pane goes: two columns when wide, stacked when narrow; one pane when zoomed.
func layout(_ body: Rect, _ state: AppState) -> [(PaneID, Rect)] {
    if state.zoomed { return [(state.focus, body)] }
    if body.width >= 100 {
        let cols = body.columns([.percent(55), .fill])
        let left = cols[0].rows([.percent(60), .fill]), right = cols[1].rows([.percent(55), .fill])
        return [(.text, left[0]), (.inspector, left[1]), (.tree, right[0]), (.acceptance, right[1])]
    }
    let r = body.rows([.percent(30), .percent(30), .percent(20), .fill])
    return [(.text, r[0]), (.tree, r[1]), (.acceptance, r[2]), (.inspector, r[3])]
}

func title(_ id: PaneID, _ ctx: RenderContext) -> String {
    switch id {
    case .text: return "Text · colour: \(ctx.state.colourMode.rawValue) (u)" + (ctx.state.showWhitespace ? " · whitespace shown" : "")
    case .tree: return "Draft tree"
    case .acceptance:
        guard let kind = ctx.state.analysis else { return "Acceptance · a: analysis views" }
        return kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst() + " · a: next view"

    case .inspector: return "Token inspector"
    }
}

/// Models, strategy with every knob, state, seed and temperature, context used.
func renderStatusBar(_ buf: inout ScreenBuffer, _ r: Rect, _ ctx: RenderContext) {
    let s = ctx.snapshot
    let base = ctx.style(.status)
    buf.fill(r, base)
    let state: String
    switch s.state {
    case .loading: state = "⧗ loading models"
    case .paused: state = s.phase.map { "⏸ stepping (\($0.rawValue))" } ?? "⏸ paused"
    case .running: state = "▶ running"
    case .finished: state = "■ done (\(s.stopReason ?? ""))"
    case .failed: state = "✗ error"
    }
    // The strategy and its knobs first: when the line is cut, the model names go, never the settings.
    var spans = [Span(" \(s.strategySummary.isEmpty ? s.strategy : s.strategySummary)", base)]
    if !s.lossless { spans.append(Span(" LOSSY ", ctx.style(.lossy))) }
    if let t = s.tuned { spans.append(Span(" │ \(t)", base)) }
    spans.append(Span(" │ \(state) │ T \(f(s.temperature, 1)) seed \(s.seed) draft:\(s.draftMode) │ ctx \(s.contextUsed)/\(s.contextCapacity) │ \(s.target)", base))
    if let d = s.draft { spans.append(Span(" ← \(d)", base)) }
    buf.put(spans, x: r.x, y: r.y, limit: r.maxX)
}

/// The command line, prompt editor or search while typing; else the newest message and key hints.
func renderBottomLine(_ buf: inout ScreenBuffer, _ r: Rect, _ ctx: RenderContext) {
    switch ctx.state.mode {
    case .command(let t): buf.put(":" + t + "▏", x: r.x, y: r.y, style: ctx.style(.value), limit: r.maxX)
    case .editPrompt(let t):
        let shown = "prompt (Enter to run, Esc to cancel): " + ctx.visible(t)
        buf.put(String(shown.suffix(max(1, r.width - 1))) + "▏", x: r.x, y: r.y, style: ctx.style(.value), limit: r.maxX)
    case .search(let t): buf.put("/" + t + "▏", x: r.x, y: r.y, style: ctx.style(.value), limit: r.maxX)
    case .normal:
        let s = ctx.snapshot
        if let e = s.error {
            buf.put("error: " + e, x: r.x, y: r.y, style: ctx.style(.error), limit: r.maxX)
        } else if let n = ctx.state.note ?? s.message ?? s.pending {
            buf.put(n, x: r.x, y: r.y, style: ctx.style(.note), limit: r.maxX)
        } else {
            buf.put("Space run/pause · n cycle · s phase · 1-9,0 strategy · [ ] { } knobs · t T temp · c race · e prompt · a views · u colour · Tab focus · z zoom · ? help · q quit",
                    x: r.x, y: r.y, style: ctx.style(.label), limit: r.maxX)
        }
    }
}

/// A worker error, in a pane over the middle of the screen: the UI stays alive, and every key still works.
func renderErrorPane(_ buf: inout ScreenBuffer, _ body: Rect, _ message: String, _ ctx: RenderContext) {
    let w = min(body.width - 4, 90)
    let lines = wrap([Span(message, ctx.style(.error))], width: w - 2)
        + [[Span("The models stay loaded: fix the cause (e to edit the prompt, :set …, a strategy key) or q to quit.", ctx.style(.label))]]
    let h = min(body.height - 2, lines.count + 2)
    let r = Rect(x: body.x + (body.width - w) / 2, y: body.y + (body.height - h) / 2, width: w, height: h)
    buf.fill(r, ctx.style(.help))
    let inner = drawBox(&buf, r, title: [Span("error", ctx.style(.error))], glyphs: ctx.glyphs, border: ctx.style(.error))
    drawLines(&buf, inner, lines)
}
