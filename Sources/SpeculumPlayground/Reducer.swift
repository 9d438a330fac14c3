import SpeculumEngine
import SpeculumRender

/// Keys → state changes and worker commands. Every binding is listed in `KeyHelp.lines`.
public func reduce(_ state: inout AppState, _ key: Key, snapshot: Snapshot) -> [Command] {
    state.note = nil
    switch state.mode {
    case .command(let text):
        guard let line = lineEdit(&state, key, text, wrap: InputMode.command) else { return [] }
        return runCommandLine(&state, line)
    case .editPrompt(let text):
        guard let line = lineEdit(&state, key, text, wrap: InputMode.editPrompt) else { return [] }
        if line.isEmpty { state.note = "the prompt cannot be empty"; return [] }
        return [.prompt(line)]
    case .search(let text):
        guard let line = lineEdit(&state, key, text, wrap: InputMode.search) else { return [] }
        state.search = line.isEmpty ? nil : line
        if let hit = find(line, in: snapshot, after: state.selectedToken(snapshot) ?? -1) {
            state.cursor = hit
        } else if !line.isEmpty {
            state.note = "not found: \(line)"
        }
        return []
    case .normal:
        break
    }
    if state.helpVisible, key != .char("?") {
        if key == .escape || key == .char("q") { state.helpVisible = false; return [] }
    }
    let count = snapshot.visibleTokens ?? snapshot.tokens.count
    switch key {
    case .char(" "): return [.toggleRun]
    case .char("n"): return [.stepCycle]
    case .char("b"): return [.stepBack]
    case .char("s"): return [.stepPhase]
    case .char("r"): return [.restart]
    case .char("c"): return [.race]
    case .char("["): return [.nudgePrimary(-1)]
    case .char("]"): return [.nudgePrimary(1)]
    case .char("{"): return [.nudgeSecondary(-1)]
    case .char("}"): return [.nudgeSecondary(1)]
    case .char("t"): return [.nudgeTemperature(-0.1)]
    case .char("T"): return [.nudgeTemperature(0.1)]
    case .char(let d) where d.isNumber && d.isASCII:
        let index = d == "0" ? 9 : Int(String(d))! - 1
        return index < StrategyCatalog.names.count ? [.strategy(StrategyCatalog.names[index])] : []
    case .char("u"):
        let all = ColourMode.allCases
        state.colourMode = all[(all.firstIndex(of: state.colourMode)! + 1) % all.count]
    case .char("w"): state.showWhitespace.toggle()
    case .char("a"):
        // acceptance → neighbourhood → lens → healing → acceptance
        let order: [AnalysisKind?] = [nil, .neighbourhood, .lens, .healing]
        let next = order[((order.firstIndex(of: state.analysis) ?? 0) + 1) % order.count]
        state.analysis = next
        if let next { return [.analyze(AnalysisRequest(kind: next, token: state.cursor))] }
    case .tab, .backTab:
        let all = PaneID.allCases
        let i = all.firstIndex(of: state.focus)!
        state.focus = all[(i + (key == .tab ? 1 : all.count - 1)) % all.count]
    case .char("z"): state.zoomed.toggle()
    case .char("?"): state.helpVisible.toggle()
    case .char(":"): state.mode = .command("")
    case .char("e"): state.mode = .editPrompt(snapshot.prompt)
    case .char("/"): state.mode = .search("")
    case .escape:
        state.zoomed = false
        state.cursor = nil
    case .left, .char("h"):
        if count > 0 { state.cursor = max(0, (state.cursor ?? count - 1) - 1) }
    case .right, .char("l"):
        if let c = state.cursor { state.cursor = c + 1 >= count ? nil : c + 1 }
    case .up, .char("k"):
        if state.focus == .tree { state.treeScroll = max(0, state.treeScroll - 1) } else if count > 0 { state.cursor = max(0, (state.cursor ?? count - 1) - 10) }
    case .down, .char("j"):
        if state.focus == .tree { state.treeScroll += 1 } else if let c = state.cursor { state.cursor = c + 10 >= count ? nil : c + 10 }
    case .pageUp: state.treeScroll = max(0, state.treeScroll - 10)
    case .pageDown: state.treeScroll += 10
    case .home: state.cursor = count > 0 ? 0 : nil
    case .end: state.cursor = nil
    case .char("q"), .ctrlC:
        state.quit = true
        return [.quit]
    default: break
    }
    // The token views follow the cursor.
    if [.left, .right, .up, .down, .home, .end, .char("h"), .char("l"), .char("j"), .char("k")].contains(key),
       state.focus != .tree, let kind = state.analysis, kind == .neighbourhood || kind == .lens {
        return [.analyze(AnalysisRequest(kind: kind, token: state.cursor))]
    }
    return []
}

/// A one-line editor: printable characters insert (pasted text arrives as many), Backspace deletes
/// one character, Esc cancels. Returns the line when Enter submits it.
private func lineEdit(_ state: inout AppState, _ key: Key, _ text: String, wrap: (String) -> InputMode) -> String? {
    switch key {
    case .escape, .ctrlC:
        state.mode = .normal
    case .enter:
        state.mode = .normal
        return text
    case .backspace:
        state.mode = wrap(String(text.dropLast()))
    case .char(let c):
        state.mode = wrap(text + String(c))
    case .tab:
        state.mode = wrap(text + "\t")
    default: break
    }
    return nil
}

/// `:` commands. Unknown ones leave a note naming what is accepted.
func runCommandLine(_ state: inout AppState, _ line: String) -> [Command] {
    let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    guard let verb = words.first else { return [] }
    let rest = words.dropFirst().joined(separator: " ")
    switch verb {
    case "strategy", "s":
        guard StrategyCatalog.names.contains(rest) else {
            state.note = "unknown strategy '\(rest)' (known: \(StrategyCatalog.names.joined(separator: ", ")))"
            return []
        }
        return [.strategy(rest)]
    case "set":
        var commands: [Command] = []
        for pair in words.dropFirst() {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { state.note = "set \(pair): expected KEY=VALUE, e.g. set k=6"; return [] }
            commands.append(.set(key: kv[0], value: kv[1]))
        }
        return commands
    case "theme":
        state.themeName = rest
        return []
    case "save":
        let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { state.note = "save trace FILE | save text FILE"; return [] }
        if parts[0] == "trace" { return [.saveTrace(parts[1])] }
        if parts[0] == "text" { return [.saveText(parts[1])] }
        state.note = "save trace FILE | save text FILE"
    case "neighbours", "neighbors", "nb":
        state.analysis = .neighbourhood
        return [.analyze(AnalysisRequest(kind: .neighbourhood, token: state.cursor, query: rest.isEmpty ? nil : rest))]
    case "lens":
        state.analysis = .lens
        return [.analyze(AnalysisRequest(kind: .lens, token: state.cursor))]
    case "heal":
        state.analysis = .healing
        return [.analyze(AnalysisRequest(kind: .healing))]
    case "navigate":
        guard let n = Int(rest.isEmpty ? "3" : rest), (1...10).contains(n) else {
            state.note = "navigate N: N rounds, 1 to 10 (default 3)"
            return []
        }
        state.analysis = .navigation
        return [.analyze(AnalysisRequest(kind: .navigation, rounds: n))]
    case "race": return [.race]
    case "restart": return [.restart]
    case "q", "quit":
        state.quit = true
        return [.quit]
    default:
        state.note = "unknown command '\(verb)' (strategy NAME, set KEY=VALUE…, theme NAME, save trace|text FILE, neighbours [TEXT], lens, heal, navigate [N], race, restart, quit)"
    }
    return []
}

/// The first output token at or after `after + 1` whose text starts a match of `needle` (wrapping).
func find(_ needle: String, in s: Snapshot, after: Int) -> Int? {
    guard !needle.isEmpty else { return nil }
    let texts = s.tokens.map(\.text)
    let order = Array((after + 1)..<texts.count) + Array(0..<min(after + 1, texts.count))
    for i in order {
        let window = texts[i..<min(texts.count, i + needle.count + 1)].joined()
        if window.hasPrefix(needle) || texts[i].contains(needle) { return i }
    }
    return nil
}
