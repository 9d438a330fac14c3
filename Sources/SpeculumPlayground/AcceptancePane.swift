#if canImport(Glibc)
import Glibc
#endif
import SpeculumEngine
import SpeculumRender

/// Acceptance statistics of the current generation (definitions in the help overlay), and the
/// race table when one was run.
func renderAcceptancePane(_ buf: inout ScreenBuffer, _ area: Rect, _ ctx: RenderContext) {
    let s = ctx.snapshot, st = s.statistics
    let label = ctx.style(.label), value = ctx.style(.value), g = ctx.glyphs
    var lines: [[Span]] = []
    func row(_ name: String, _ v: String, _ extra: String = "") {
        lines.append([Span(name.fitted(13), label), Span(v, value), Span(extra.isEmpty ? "" : "  " + extra, label)])
    }
    if !s.race.isEmpty || s.raceRunning {
        lines.append([Span("race on this prompt" + (s.raceRunning ? " (running; any key stops it)" : ""), ctx.style(.title))])
        lines.append([Span("strategy".fitted(11) + "tok/s".rightAligned(7) + "speedup".rightAligned(9) + "MAT".rightAligned(6) + "  same as AR", label)])
        for r in s.race {
            let same = r.identical.map { $0 ? "yes" : "NO" } ?? "n/a (T>0)"
            lines.append([Span(r.strategy.fitted(11) + f(r.tokensPerSecond, 1).rightAligned(7) + (f(r.speedup) + "×").rightAligned(9)
                               + f(r.meanAcceptedLength).rightAligned(6) + "  " + same, value)])
        }
        lines.append([])
    }
    row("acceptance", st.draftTokens > 0 ? f(st.acceptanceRate * 100, 1) + "%" : "—", "\(st.acceptedTokens)/\(st.draftTokens) draft tokens")
    var theory = ""
    if let a = st.alpha, let k = s.chainLength { theory = "theory " + f(DecodeStatistics.theoreticalMAT(alpha: a, k: k)) + " (α " + f(a) + ", k \(k))" }
    row("MAT", f(st.meanAcceptedLength), theory.isEmpty ? "\(st.emittedTokens) tokens / \(st.targetPasses) target passes" : theory)
    var speed = ""
    if let ar = s.arTokensPerSecond, ar > 0, st.tokensPerSecond > 0 { speed = "AR " + f(ar, 1) + " here → " + f(st.tokensPerSecond / ar) + "×" }
    row("tokens/s", f(st.tokensPerSecond, 1), speed.isEmpty ? "speedup: run AR or race (c) on this prompt" : speed)
    let total = Double(max(1, st.draftNs + st.verifyNs + st.rollbackNs))
    row("time split", "draft " + f(Double(st.draftNs) / total * 100, 0) + "% · verify " + f(Double(st.verifyNs) / total * 100, 0)
        + "% · rollback " + f(Double(st.rollbackNs) / total * 100, 0) + "%")
    row("prefill", ms(st.prefillNs), "first token " + ms(st.timeToFirstTokenNs))
    // The target's probability of each emitted token, aggregated as a token-level cascade would.
    let probabilities = s.tokens.compactMap { $0.insight.map { Float(exp(-$0.surprisal)) } }
    if !probabilities.isEmpty {
        let u = OutputUncertainty(probabilities: probabilities)
        row("token p", "mean " + f(u.meanProbability) + " · min " + f(u.minProbability),
            "q10 " + f(u.quantile10) + " · q25 " + f(u.quantile25) + " · median " + f(u.median)
            + " · below 0.5: \(u.deferred.count)/\(u.count)")
    }
    let barWidth = max(4, min(30, area.width - 22))
    if !st.acceptedAtDepth.isEmpty {
        lines.append([Span("accepted at depth (÷ cycles)", label)])
        for (d, v) in st.acceptanceByDepth.prefix(8).enumerated() {
            lines.append([Span(" \(d + 1)".fitted(4), label), Span(bar(v, width: barWidth, glyphs: g).fitted(barWidth), ctx.style(.bar)), Span(" " + f(v), value)])
        }
    }
    if st.lengthHistogram.count > 1 || st.cycles > 0 {
        lines.append([Span("accepted length per cycle", label)])
        let top = Double(st.lengthHistogram.max() ?? 1)
        for (n, count) in st.lengthHistogram.enumerated().prefix(10) {
            lines.append([Span(" \(n)".fitted(4), label), Span(bar(Double(count) / max(1, top), width: barWidth, glyphs: g).fitted(barWidth), ctx.style(.bar)), Span(" \(count)", value)])
        }
    }
    if !s.recentAccepted.isEmpty {
        lines.append([Span("recent cycles ", label), Span(sparkline(s.recentAccepted, width: max(1, area.width - 14), glyphs: g), ctx.style(.bar))])
    }
    drawLines(&buf, area, lines)
}

/// The selected token: its alternatives under the target (and the draft), uncertainty and disagreement.
func renderInspectorPane(_ buf: inout ScreenBuffer, _ area: Rect, _ ctx: RenderContext) {
    let s = ctx.snapshot
    let label = ctx.style(.label), value = ctx.style(.value)
    guard let i = ctx.state.selectedToken(s) else {
        buf.put("no token yet", x: area.x, y: area.y, style: label, limit: area.maxX)
        return
    }
    let t = s.tokens[i]
    var lines: [[Span]] = [[Span("token \(i) ", label), Span(ctx.quoted(t.text), ctx.style(ctx.originRole(t.origin))),
                           Span("  \(t.origin.rawValue), cycle \(t.cycle), id \(t.id)", label)]]
    guard let x = t.insight else {
        lines.append([Span("no distribution recorded for this token", label)])
        return drawLines(&buf, area, lines)
    }
    lines.append([Span("entropy ", label), Span(f(x.entropy) + " nats", value), Span("  p(top) ", label), Span(f(x.topProbability), value),
                  Span("  margin ", label), Span(f(x.probabilityMargin) + " (logit " + f(x.logitMargin) + ")", value)])
    lines.append([Span("rank ", label), Span(x.rank.map(String.init) ?? "—", value), Span("  surprisal ", label), Span(f(x.surprisal) + " nats", value)])
    if let kl = x.kl, let tv = x.totalVariation {
        lines.append([Span("draft vs target: KL(p‖q) ", label), Span(f(kl), value), Span("  TV ", label), Span(f(tv), value),
                      Span("  log p − log q ", label), Span(x.criticalScore.map { f($0) } ?? "—", value)])
    }
    let half = max(10, (area.width - 2) / 2)
    let barWidth = max(3, half - 22)
    lines.append([Span("target (T=1)".fitted(half), label), Span(x.draftTop == nil ? "" : "draft", label)])
    for k in 0..<min(8, x.top.count) {
        var line: [Span] = []
        func cell(_ a: TokenInsight.Alternative?, _ role: Role, _ width: Int) {
            guard let a else { line.append(Span(String(repeating: " ", count: width))); return }
            let text = "'" + String(ctx.visible(tokenText(a.token, s)).prefix(12)) + "'"
            let style = a.token == t.id ? value : label
            line.append(Span(text.fitted(16), style))
            line.append(Span(bar(Double(a.p), width: barWidth, glyphs: ctx.glyphs).fitted(barWidth), ctx.style(role)))
            line.append(Span((" " + f(a.p)).fitted(width - 16 - barWidth), value))
        }
        cell(x.top[k], .bar, half)
        if let d = x.draftTop { cell(k < d.count ? d[k] : nil, .draftBar, half) }
        lines.append(line)
    }
    drawLines(&buf, area, lines)
}

/// The text of a token id if it appears in the output; else its id.
func tokenText(_ id: TokenID, _ s: Snapshot) -> String {
    s.tokenTexts[id] ?? "#\(id)"
}
