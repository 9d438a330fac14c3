/// One terminal cell: a grapheme (empty for the right half of a wide character) and its style.
public struct Cell: Sendable, Equatable {
    public var symbol: String
    public var style: Style
    public init(_ symbol: String = " ", _ style: Style = .plain) {
        self.symbol = symbol
        self.style = style
    }
    public static let blank = Cell()
}

/// What a frame draws: a grid of cells. Widgets write into it; the backend writes only the cells
/// that differ from the previous frame; tests compare `dump()` as text.
public struct ScreenBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// (height, width), row-major.
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Paints `rect` (clipped to the buffer) with blanks in `style`.
    public mutating func fill(_ rect: Rect, _ style: Style = .plain) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(" ", style) }
        }
    }

    /// Patches the style of every cell in `rect` (for highlights that keep the text).
    public mutating func restyle(_ rect: Rect, with style: Style) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y].style = self[x, y].style.patched(with: style) }
        }
    }

    /// Writes `text` from column x of row y, never past `limit` (default: the buffer's right edge).
    /// Control characters are shown as `?`; a wide character that does not fit becomes a space.
    /// Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit ?? width)
        var col = x
        for ch in text {
            guard col < end else { break }
            var symbol = String(ch)
            var w = displayWidth(ch)
            if let v = ch.unicodeScalars.first?.value, v < 0x20 || v == 0x7F { symbol = "?"; w = 1 }
            if w == 0 { continue }     // zero-width marks: dropped rather than merged into a neighbour
            if col + w > end {
                if col >= 0 { self[col, y] = Cell(" ", style) }
                col += 1
                break
            }
            if col >= 0 {
                self[col, y] = Cell(symbol, style)
                if w == 2 { self[col + 1, y] = Cell("", style) }
            }
            col += w
        }
        return col
    }

    @discardableResult
    public mutating func put(_ spans: [Span], x: Int, y: Int, limit: Int? = nil) -> Int {
        var col = x
        for s in spans { col = put(s.text, x: col, y: y, style: s.style, limit: limit) }
        return col
    }

    /// A change for the backend: the cell to draw at (x, y).
    public struct Change: Sendable, Equatable {
        public let x: Int, y: Int
        public let cell: Cell
        public init(x: Int, y: Int, cell: Cell) {
            self.x = x
            self.y = y
            self.cell = cell
        }
    }

    /// The cells that differ from `previous` (all of them when the size changed or there is none).
    public func changes(since previous: ScreenBuffer?) -> [Change] {
        var result: [Change] = []
        let full = previous == nil || previous!.width != width || previous!.height != height
        for y in 0..<height {
            for x in 0..<width {
                let c = self[x, y]
                if c.symbol.isEmpty { continue }   // the right half of a wide character is drawn with it
                if full || previous![x, y] != c || (x + 1 < width && previous![x + 1, y] != self[x + 1, y]) {
                    result.append(Change(x: x, y: y, cell: c))
                }
            }
        }
        return result
    }

    /// The text of every row, trailing spaces removed: what tests compare.
    public func dump() -> String {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width { line += self[x, y].symbol }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Row y's text (trailing spaces kept).
    public func row(_ y: Int) -> String { (0..<width).map { self[$0, y].symbol }.joined() }
}
