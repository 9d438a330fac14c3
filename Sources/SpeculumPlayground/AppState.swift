import SpeculumEngine
import SpeculumRender

/// The panes, in Tab order.
public enum PaneID: String, Sendable, CaseIterable {
    case text, tree, acceptance, inspector
}

public enum ColourMode: String, Sendable, CaseIterable {
    case origin, entropy, margin
}

/// What the bottom line is doing.
public enum InputMode: Sendable, Equatable {
    case normal
    /// `:` command line, with its text so far.
    case command(String)
    /// `e`: editing the prompt.
    case editPrompt(String)
    /// `/`: searching the text.
    case search(String)
}

/// The UI's own state (everything not computed by the worker). Pure data; `reduce` changes it.
public struct AppState: Sendable, Equatable {
    public var focus = PaneID.text
    public var zoomed = false
    public var colourMode = ColourMode.origin
    public var showWhitespace = false
    /// The selected output token; nil follows the newest.
    public var cursor: Int?
    public var helpVisible = false
    public var mode = InputMode.normal
    public var treeScroll = 0
    public var search: String?
    /// A one-line note from the UI itself (bad command, search miss…).
    public var note: String?
    public var quit = false
    public var themeName = "dark"
    /// The analysis view shown in the acceptance pane's place; nil shows the acceptance statistics.
    public var analysis: AnalysisKind?

    public init() {}

    /// The token the inspector shows.
    public func selectedToken(_ s: Snapshot) -> Int? {
        let count = s.visibleTokens ?? s.tokens.count
        guard count > 0 else { return nil }
        return min(cursor ?? count - 1, count - 1)
    }
}
