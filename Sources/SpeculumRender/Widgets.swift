/// Draws a bordered box with a title and returns the area inside it.
@discardableResult
public func drawBox(_ buffer: inout ScreenBuffer, _ rect: Rect, title: [Span], glyphs: Glyphs, border: Style) -> Rect {
    guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
    let g = glyphs
    buffer.put(g.topLeft + String(repeating: g.horizontal, count: rect.width - 2) + g.topRight, x: rect.x, y: rect.y, style: border, limit: rect.maxX)
    for y in (rect.y + 1)..<(rect.maxY - 1) {
        buffer.put(g.vertical, x: rect.x, y: y, style: border)
        buffer.put(g.vertical, x: rect.maxX - 1, y: y, style: border)
    }
    buffer.put(g.bottomLeft + String(repeating: g.horizontal, count: rect.width - 2) + g.bottomRight, x: rect.x, y: rect.maxY - 1, style: border, limit: rect.maxX)
    if !title.isEmpty {
        let col = buffer.put(" ", x: rect.x + 1, y: rect.y, style: border, limit: rect.maxX - 1)
        let end = buffer.put(title, x: col, y: rect.y, limit: rect.maxX - 2)
        buffer.put(" ", x: end, y: rect.y, style: border, limit: rect.maxX - 1)
    }
    return rect.inset(1)
}

/// Lines of spans drawn top to bottom from `firstLine`, clipped to `rect` (no wrapping).
public func drawLines(_ buffer: inout ScreenBuffer, _ rect: Rect, _ lines: [[Span]], firstLine: Int = 0) {
    for (i, line) in lines.dropFirst(firstLine).prefix(rect.height).enumerated() {
        buffer.put(line, x: rect.x, y: rect.y + i, limit: rect.maxX)
    }
}

/// Wraps spans into lines of at most `width` columns, breaking anywhere (tokens are not words).
/// A "\n" inside a span starts a new line.
public func wrap(_ spans: [Span], width: Int) -> [[Span]] {
    guard width > 0 else { return [] }
    var lines: [[Span]] = [[]]
    var col = 0
    for span in spans {
        var piece = ""
        func flush() {
            if !piece.isEmpty { lines[lines.count - 1].append(Span(piece, span.style)); piece = "" }
        }
        for ch in span.text {
            if ch == "\n" {
                flush()
                lines.append([])
                col = 0
                continue
            }
            let w = max(1, displayWidth(ch))
            if col + w > width {
                flush()
                lines.append([])
                col = 0
            }
            piece.append(ch)
            col += w
        }
        flush()
    }
    return lines
}

/// A horizontal bar for `fraction` ∈ [0, 1] in `width` cells, with eighth-cell resolution.
public func bar(_ fraction: Double, width: Int, glyphs: Glyphs) -> String {
    guard width > 0, fraction.isFinite else { return "" }
    let eighths = Int((min(1, max(0, fraction)) * Double(width * 8)).rounded())
    var s = String(repeating: glyphs.bar[7], count: eighths / 8)
    if eighths % 8 > 0 { s += glyphs.bar[eighths % 8 - 1] }
    return s
}

/// The last `width` values as a sparkline scaled to their maximum.
public func sparkline(_ values: [Double], width: Int, glyphs: Glyphs) -> String {
    let shown = values.suffix(width)
    let top = max(shown.max() ?? 0, 1e-12)
    return shown.map { v in glyphs.spark[min(7, max(0, Int((v / top * 7).rounded())))] }.joined()
}

extension String {
    /// Padded with spaces (or cut) to `width` display columns.
    public func fitted(_ width: Int) -> String {
        var out = "", w = 0
        for ch in self {
            let cw = displayWidth(ch)
            if w + cw > width { break }
            out.append(ch)
            w += cw
        }
        return out + String(repeating: " ", count: Swift.max(0, width - w))
    }

    /// Right-aligned in `width` columns.
    public func rightAligned(_ width: Int) -> String {
        let w = displayWidth(self)
        return w >= width ? self : String(repeating: " ", count: width - w) + self
    }
}
