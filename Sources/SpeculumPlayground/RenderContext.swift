import SpeculumEngine
import SpeculumRender

/// What every pane draws from: the worker's snapshot, the UI state, the theme and the glyph set.
public struct RenderContext: Sendable {
    public var snapshot: Snapshot
    public var state: AppState
    public var theme: Theme
    public var glyphs: Glyphs

    public init(snapshot: Snapshot, state: AppState, theme: Theme, glyphs: Glyphs) {
        self.snapshot = snapshot
        self.state = state
        self.theme = theme
        self.glyphs = glyphs
    }

    func style(_ role: Role) -> Style { theme[role] }

    func originRole(_ o: TokenOrigin) -> Role {
        switch o {
        case .accepted: return .accepted
        case .correction: return .correction
        case .bonus: return .bonus
        case .autoregressive: return .autoregressive
        }
    }

    /// A token's text for the tree and inspector: quoted, whitespace made visible.
    func quoted(_ text: String) -> String { "'" + visible(text) + "'" }

    func visible(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case " ": out += glyphs.space
            case "\n": out += glyphs.newline
            case "\t": out += glyphs.tab
            case "\r": out += "\\r"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Numbers as the panes print them.
func f(_ x: Double, _ digits: Int = 2) -> String {
    guard x.isFinite else { return x > 0 ? "∞" : "—" }
    var s = String(Int((abs(x) * pow10(digits)).rounded()))
    while s.count <= digits { s = "0" + s }
    let cut = s.index(s.endIndex, offsetBy: -digits)
    let body = digits > 0 ? s[..<cut] + "." + s[cut...] : Substring(s)
    return (x < 0 && Double(String(body)) != 0 ? "-" : "") + body
}

func f(_ x: Float, _ digits: Int = 2) -> String { f(Double(x), digits) }

private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { acc, _ in acc * 10 } }

func ms(_ ns: UInt64) -> String { f(Double(ns) / 1e6, 1) + " ms" }
