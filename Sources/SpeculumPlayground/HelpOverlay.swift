import SpeculumEngine
import SpeculumRender

/// The key bindings and the statistics' definitions (also in the README).
public enum KeyHelp {
    public static let keys: [(String, String)] = [
        ("Space", "run / pause"), ("n", "one full cycle"), ("b", "one cycle back (replay)"), ("s", "one phase: draft → verify → accept"),
        ("1–9, 0", "the first ten strategies (" + StrategyCatalog.names.prefix(10).joined(separator: " ") + ")"),
        (":strategy NAME", "any strategy"), ("[ ]", "first knob: draft length, tree budget …"),
        ("{ }", "second knob: p_min, depth, layers …"), ("t T", "temperature −/+ 0.1"), ("e", "edit the prompt"),
        ("r", "restart the prompt"), ("c", "race: every strategy on this prompt"), ("u", "colour by origin / entropy / margin"),
        ("w", "show whitespace inside tokens"),
        ("a", "analysis views: key neighbourhood → logit lens → healing → acceptance (they follow the cursor)"),
        (":neighbours [TEXT] · :lens · :heal", "the views directly; :neighbours TEXT for any token"),
        (":navigate [N]", "ask the prompt N times, listing the answers so far (key distance of each new one)"), ("← → h l, ↑ ↓ j k", "move the token cursor (↑ ↓ scroll the focused tree)"),
        ("Tab / Shift-Tab", "pane focus"), ("z", "zoom the focused pane"), ("/", "search the text"),
        (":set k=6 seed=7", "any knob, seed, temperature, draft_mode"), (":theme NAME", "dark, light, mono or a themes/ file"),
        (":save trace F · :save text F", "write the cycles (JSON lines) or the text"), ("Esc", "leave zoom, cursor or an input line"),
        ("q", "quit"),
    ]
    public static let definitions: [String] = [
        "acceptance = accepted draft tokens ÷ draft tokens verified",
        "MAT = emitted tokens ÷ target passes (AR = 1); theory (1 − α^(k+1)) / (1 − α)",
        "α = mean Σ min(p, q) where a sampled draft was tested",
        "depth i = cycles accepting a token at depth i ÷ cycles",
        "tokens/s = emitted ÷ decode time after prefill; speedup ÷ AR on this prompt",
        "R1 accept if u < p/q; R2 the same against q without earlier siblings; R3 accept if u < p",
    ]
}

func renderHelp(_ buf: inout ScreenBuffer, _ body: Rect, _ ctx: RenderContext) {
    let w = min(body.width - 4, 96), h = min(body.height - 2, KeyHelp.keys.count + KeyHelp.definitions.count + 4)
    let r = Rect(x: body.x + (body.width - w) / 2, y: body.y + (body.height - h) / 2, width: w, height: h)
    buf.fill(r, ctx.style(.help))
    let inner = drawBox(&buf, r, title: [Span("help — ? or Esc closes", ctx.style(.title))], glyphs: ctx.glyphs, border: ctx.style(.borderFocused))
    var lines: [[Span]] = KeyHelp.keys.map { [Span($0.0.fitted(30), ctx.style(.value)), Span($0.1, ctx.style(.help))] }
    lines.append([])
    lines += KeyHelp.definitions.map { [Span($0, ctx.style(.label))] }
    drawLines(&buf, inner, lines)
}
