import SpeculumRender

/// Semantic roles the panes draw with; a theme gives each a style.
public enum Role: String, Sendable, CaseIterable {
    case accepted, correction, bonus, autoregressive, rejected, unvisited, prompt
    case heat0, heat1, heat2, heat3, heat4
    case border, borderFocused, title, status, lossy, label, value, bar, draftBar, cursor, help, error, note
}

/// Role → style. Built in: dark, light, mono; more come from `themes/*.toml`.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    public subscript(_ role: Role) -> Style { styles[role] ?? .plain }

    public static func heat(_ t: Double) -> Role {
        [Role.heat0, .heat1, .heat2, .heat3, .heat4][min(4, max(0, Int(t * 5)))]
    }

    static func c(_ i: UInt8) -> Color { .indexed(i) }

    public static let dark = Theme(name: "dark", styles: [
        .accepted: Style(foreground: c(114)), .correction: Style(foreground: c(209), bold: true), .bonus: Style(foreground: c(75), bold: true),
        .autoregressive: Style(foreground: c(252)), .rejected: Style(foreground: c(203)), .unvisited: Style(foreground: c(242), dim: true),
        .prompt: Style(foreground: c(245)),
        .heat0: Style(foreground: c(252)), .heat1: Style(foreground: c(229)), .heat2: Style(foreground: c(221)),
        .heat3: Style(foreground: c(208)), .heat4: Style(foreground: c(196), bold: true),
        .border: Style(foreground: c(240)), .borderFocused: Style(foreground: c(75), bold: true), .title: Style(foreground: c(252), bold: true),
        .status: Style(foreground: c(16), background: c(75)), .lossy: Style(foreground: c(231), background: c(160), bold: true),
        .label: Style(foreground: c(245)), .value: Style(foreground: c(231), bold: true), .bar: Style(foreground: c(114)),
        .draftBar: Style(foreground: c(141)), .cursor: Style(reverse: true), .help: Style(foreground: c(252), background: c(236)),
        .error: Style(foreground: c(196), bold: true), .note: Style(foreground: c(221)),
    ])

    public static let light = Theme(name: "light", styles: [
        .accepted: Style(foreground: c(28)), .correction: Style(foreground: c(166), bold: true), .bonus: Style(foreground: c(25), bold: true),
        .autoregressive: Style(foreground: c(236)), .rejected: Style(foreground: c(160)), .unvisited: Style(foreground: c(248)),
        .prompt: Style(foreground: c(243)),
        .heat0: Style(foreground: c(236)), .heat1: Style(foreground: c(136)), .heat2: Style(foreground: c(172)),
        .heat3: Style(foreground: c(166)), .heat4: Style(foreground: c(160), bold: true),
        .border: Style(foreground: c(250)), .borderFocused: Style(foreground: c(25), bold: true), .title: Style(foreground: c(232), bold: true),
        .status: Style(foreground: c(231), background: c(25)), .lossy: Style(foreground: c(231), background: c(160), bold: true),
        .label: Style(foreground: c(243)), .value: Style(foreground: c(232), bold: true), .bar: Style(foreground: c(28)),
        .draftBar: Style(foreground: c(91)), .cursor: Style(reverse: true), .help: Style(foreground: c(232), background: c(254)),
        .error: Style(foreground: c(160), bold: true), .note: Style(foreground: c(130)),
    ])

    /// No colours at all: attributes only (also what `NO_COLOR` and `--no-color` give).
    public static let mono = Theme(name: "mono", styles: [
        .accepted: Style(), .correction: Style(bold: true, underline: true), .bonus: Style(bold: true), .autoregressive: Style(),
        .rejected: Style(underline: true), .unvisited: Style(dim: true), .prompt: Style(dim: true),
        .heat0: Style(), .heat1: Style(), .heat2: Style(underline: true), .heat3: Style(bold: true), .heat4: Style(bold: true, underline: true),
        .border: Style(dim: true), .borderFocused: Style(bold: true), .title: Style(bold: true), .status: Style(reverse: true),
        .lossy: Style(bold: true, reverse: true), .label: Style(dim: true), .value: Style(bold: true), .bar: Style(), .draftBar: Style(dim: true),
        .cursor: Style(reverse: true), .help: Style(), .error: Style(bold: true), .note: Style(bold: true),
    ])

    public static let builtIn: [String: Theme] = ["dark": dark, "light": light, "mono": mono]
}
