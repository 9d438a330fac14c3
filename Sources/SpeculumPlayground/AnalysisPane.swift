import SpeculumEngine
import SpeculumRender

/// The analysis views (in the acceptance pane's place while one is chosen with `a` or a `:` command).
func renderAnalysisPane(_ buf: inout ScreenBuffer, _ area: Rect, _ ctx: RenderContext) {
    let label = ctx.style(.label), value = ctx.style(.value)
    var lines: [[Span]] = []
    func pct(_ p: Float) -> String { f(Double(p) * 100, 1) + "%" }
    func pct(_ p: Double) -> String { f(p * 100, 1) + "%" }
    switch ctx.snapshot.analysis {
    case nil:
        lines.append([Span("press a for a view, or :neighbours TEXT · :lens · :heal · :navigate N", label)])
    case .computing(let kind)?:
        lines.append([Span("computing the \(kind.rawValue) view…", label)])
    case .unavailable(let kind, let why)?:
        lines += wrap([Span("\(kind.rawValue): " + why, ctx.style(.note))], width: area.width)

    case .neighbourhood(let n)?:
        lines.append([Span("nearest keys to ", label), Span(ctx.quoted(n.query.text), value),
                      Span(" (output token \(n.position): p \(pct(n.query.p)), rank \(n.queryRank))", label)])
        lines.append([Span("cosine".fitted(8) + "p".rightAligned(7) + "rank".rightAligned(8) + "  token", label)])
        for r in n.neighbours {
            lines.append([Span(f(r.cosine, 3).fitted(8) + pct(r.p).rightAligned(7) + String(r.rank).rightAligned(8) + "  ", value),
                          Span(ctx.quoted(r.text), value)])
        }
        lines.append([Span("ranks 11–100 near a top-3 key (\(n.biasNeighbourK) nearest): ", label), Span(pct(n.biasMiddleShare), value),
                      Span("  random tokens: ", label), Span(pct(n.biasRandomShare), value)])
        lines.append([Span("keys \(n.keys.precision), \(f(n.keys.megabytes, 0)) MB, prepared once in \(f(n.keys.preparationMs / 1000, 1)) s; this query \(f(n.keys.queryMedianMs, 1)) ms", label)])

    case .lens(let l)?:
        lines.append([Span("logit lens before output token \(l.position) ", label), Span(ctx.quoted(l.tokenText), value),
                      Span(": after each block, top 3", label)])
        let half = l.draft == nil ? area.width : max(20, (area.width - 1) / 2)
        func cell(_ r: PositionAnalysis.LensRow?) -> String {
            guard let r else { return "" }
            return (String(r.block).rightAligned(3) + " " + r.top.prefix(3).map { ctx.quoted(String($0.text.prefix(8))) + " " + f($0.p) }.joined(separator: " "))
        }
        lines.append([Span("target".fitted(half), label), Span(l.draft == nil ? "" : " draft", label)])
        // The last blocks are where the prediction forms: when rows run out, the first ones go.
        let fit = max(1, area.height - lines.count)
        let count = max(l.target.count, l.draft?.count ?? 0)
        for i in max(0, count - fit)..<count {
            let t = i - (count - l.target.count), d = i - (count - (l.draft?.count ?? 0))
            lines.append([Span(cell(t >= 0 ? l.target[t] : nil).fitted(half), value),
                          Span(l.draft.map { " " + cell(d >= 0 ? $0[d] : nil) } ?? "", ctx.style(.draftBar))])
        }

    case .healing(let h)?:
        lines.append([Span("the prompt ends in the word ", label), Span(ctx.quoted(h.tail), value)])
        func row(_ name: String, _ items: [(String, Double)]) {
            lines.append([Span(name.fitted(11), label), Span(items.prefix(5).map { ctx.quoted($0.0) + " " + pct($0.1) }.joined(separator: "  "), value)])
        }
        row("plain", h.plain.map { ($0.text, $0.p) })
        row("healed", h.healed.map { ($0.text, $0.p) })
        lines.append([Span("".fitted(11), label), Span("(back off \(ctx.quoted(h.backedOff.text)); the constraint kept \(pct(h.healedMass)))", label)])
        row("next char", h.nextCharacters.map { ($0.character, $0.p) })
        lines.append([Span("covers, as shares of P(the text goes on with the word) = \(f(h.coverMass * 1e6, 3))e-6:", label)])
        for c in h.covers.prefix(max(0, area.height - lines.count)) {
            lines.append([Span("  " + f(c.probability / max(h.coverMass, 1e-300), 3).fitted(7), value),
                          Span(c.pieces.map { ctx.quoted($0) }.joined(separator: " + ") + " → " + ctx.quoted(c.nextCharacter), value)])
        }

    case .navigation(let question, let rounds)?:
        lines.append([Span("asked again with the answers so far listed: ", label), Span(ctx.visible(String(question.prefix(60))), value)])
        for r in rounds {
            let near = r.nearestCosine.map { "nearest earlier first token: round \(r.nearestRound ?? 0), cosine " + f($0, 3) } ?? "first round"
            lines.append([Span(String(r.round).rightAligned(2) + ". ", label), Span(ctx.visible(r.answer), value)])
            lines.append([Span("    first token " + ctx.quoted(r.firstPiece) + " · " + near, label)])
        }
    }
    drawLines(&buf, area, lines)
}
