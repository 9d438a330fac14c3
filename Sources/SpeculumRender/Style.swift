/// A terminal colour: the terminal's default, one of 256 indexed colours, or direct RGB. Backends
/// reduce RGB to what the terminal offers.
public enum Color: Sendable, Equatable, Hashable {
    case `default`
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

/// How a cell looks.
public struct Style: Sendable, Equatable, Hashable {
    public var foreground: Color = .default
    public var background: Color = .default
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(foreground: Color = .default, background: Color = .default, bold: Bool = false, dim: Bool = false,
                reverse: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()

    /// This style with `other`'s colours where it sets them and its attributes added.
    public func patched(with other: Style) -> Style {
        var s = self
        if other.foreground != .default { s.foreground = other.foreground }
        if other.background != .default { s.background = other.background }
        s.bold = s.bold || other.bold
        s.dim = s.dim || other.dim
        s.reverse = s.reverse || other.reverse
        s.underline = s.underline || other.underline
        return s
    }
}

/// A run of text in one style.
public struct Span: Sendable, Equatable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// Box-drawing and bar characters, with an ASCII set for terminals that lack them (`--ascii`).
public struct Glyphs: Sendable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var tee, corner, pipe: String          // tree drawing: ├─, └─, │
    public var bar: [String]                      // 1/8 … 8/8 of a cell, horizontal
    public var spark: [String]                    // 8 heights
    public var space, newline, tab: String        // shown for whitespace inside tokens

    public static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
                                       bottomRight: "┘", tee: "├─", corner: "└─", pipe: "│ ",
                                       bar: ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
                                       spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], space: "·", newline: "↵", tab: "→")
    public static let ascii = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
                                     bottomRight: "+", tee: "|-", corner: "`-", pipe: "| ",
                                     bar: ["#", "#", "#", "#", "#", "#", "#", "#"],
                                     spark: [".", ".", ":", ":", "-", "=", "+", "#"], space: ".", newline: "$", tab: ">")
}
