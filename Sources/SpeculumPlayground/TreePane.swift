import SpeculumEngine
import SpeculumRender

/// The current cycle's draft tree: each node with q and p, its verdict and the numbers behind it.
func renderTreePane(_ buf: inout ScreenBuffer, _ area: Rect, _ ctx: RenderContext) {
    guard let c = ctx.snapshot.cycle else {
        buf.put("no cycle yet: n steps one cycle, s one phase, Space runs", x: area.x, y: area.y, style: ctx.style(.label), limit: area.maxX)
        return
    }
    let phase = ctx.snapshot.phase
    let showVerdicts = phase != .drafted
    var lines: [[Span]] = []
    let label = ctx.style(.label), value = ctx.style(.value)
    lines.append([Span("cycle \(c.cycle)", value), Span(" · batch \(c.batchSize) · draft \(ms(c.draftNs)) · verify \(ms(c.verifyNs)) · rollback \(ms(c.rollbackNs))", label)])
    if let phase {
        let next = ["drafted": "s: verify", "verified": "s: accept", "accepted": "s: next cycle"][phase.rawValue] ?? ""
        lines.append([Span("phase: \(phase.rawValue)", ctx.style(.note)), Span("  (\(next))", label)])
    }
    lines.append([Span("root ", label), Span(ctx.quoted(c.rootText), value)])
    // Children in draft order, drawn depth first.
    var children: [Int: [Int]] = [:]
    for (i, n) in c.nodes.enumerated() { children[n.node.parent, default: []].append(i) }
    func walk(_ parent: Int, _ prefix: String) {
        let kids = children[parent] ?? []
        for (k, i) in kids.enumerated() {
            let last = k == kids.count - 1
            let n = c.nodes[i].node
            var line = [Span(prefix + (last ? ctx.glyphs.corner : ctx.glyphs.tee), ctx.style(.border))]
            let status = showVerdicts ? n.status : .unvisited
            let role: Role = !n.candidate ? .unvisited : status == .accepted ? .accepted : status == .rejected ? .rejected : .unvisited
            var tokenStyle = ctx.style(role)
            if status == .accepted { tokenStyle.bold = true }
            line.append(Span(ctx.quoted(c.nodes[i].text), tokenStyle))
            if !n.candidate {
                line.append(Span("  (lookahead window)", label))
            } else {
                if let q = n.q { line.append(Span("  q " + f(q), label)) }
                if showVerdicts, let p = n.p { line.append(Span("  p " + f(p), label)) }
                if showVerdicts { line += verdict(n, ctx) }
            }
            lines.append(line)
            walk(i, prefix + (last ? "   " : ctx.glyphs.pipe + " "))
        }
    }
    walk(-1, "")
    if showVerdicts && !c.residualTop.isEmpty {
        lines.append([Span("residual ", label)] + c.residualTop.map { Span(ctx.quoted($0.text) + " " + f($0.p) + "  ", value) })
    }
    if phase == nil || phase == .accepted {
        var e = [Span("emitted ", label)]
        for t in c.emitted { e.append(Span(ctx.quoted(t.text), ctx.style(ctx.originRole(t.origin)))); e.append(Span(" (\(t.origin.rawValue))  ", label)) }
        lines.append(e)
    }
    let first = min(ctx.state.treeScroll, max(0, lines.count - area.height))
    drawLines(&buf, area, lines, firstLine: first)
}

/// "✓ accepted: p/q 0.97 > u 0.42 (R1)" or "✗ rejected: p 0.01 ≤ u 0.55 (R3)"; "· unvisited".
private func verdict(_ n: CycleTrace.Node, _ ctx: RenderContext) -> [Span] {
    guard let rule = n.rule, let u = n.u else { return [Span("  · unvisited", ctx.style(.unvisited))] }
    let accepted = n.status == .accepted
    let mark = accepted ? "  ✓ " : "  ✗ "
    let test: String
    if rule == .r3 {
        test = "p " + f(n.p ?? 0) + (accepted ? " > " : " ≤ ") + "u " + f(u)
    } else {
        test = "p/q " + f(n.ratio ?? 0) + (accepted ? " > " : " ≤ ") + "u " + f(u)
    }
    var spans = [Span(mark + test + " (\(rule.rawValue))", ctx.style(accepted ? .accepted : .rejected))]
    if let d = n.deferred { spans.append(Span(d ? "  deferred to target" : "  kept draft (lossy)", ctx.style(d ? .label : .lossy))) }
    return spans
}
