import Testing
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender

/// Every key binding: what it changes and what it asks of the worker.
@Suite struct ReducerTests {
    let snapshot = Fixture.snapshot

    func press(_ keys: [Key], _ state: AppState = AppState()) -> (AppState, [Command]) {
        var s = state
        var all: [Command] = []
        for k in keys { all += reduce(&s, k, snapshot: snapshot) }
        return (s, all)
    }

    @Test func workerCommands() {
        let cases: [(Key, Command)] = [
            (.char(" "), .toggleRun), (.char("n"), .stepCycle), (.char("s"), .stepPhase), (.char("r"), .restart),
            (.char("c"), .race), (.char("["), .nudgePrimary(-1)), (.char("]"), .nudgePrimary(1)), (.char("{"), .nudgeSecondary(-1)),
            (.char("}"), .nudgeSecondary(1)), (.char("t"), .nudgeTemperature(-0.1)), (.char("T"), .nudgeTemperature(0.1)),
            (.char("1"), .strategy("ar")), (.char("2"), .strategy("chain")), (.char("0"), .strategy(StrategyCatalog.names[9])),
            (.char("b"), .stepBack), (.char("q"), .quit), (.ctrlC, .quit),
        ]
        for (key, command) in cases { #expect(press([key]).1 == [command], "\(key)") }
    }

    @Test func viewKeys() {
        #expect(press([.char("u")]).0.colourMode == .entropy && press([.char("u"), .char("u"), .char("u")]).0.colourMode == .origin)
        #expect(press([.char("w")]).0.showWhitespace)
        #expect(press([.tab]).0.focus == .tree && press([.backTab]).0.focus == .inspector)
        #expect(press([.char("z")]).0.zoomed && !press([.char("z"), .escape]).0.zoomed)
        #expect(press([.char("?")]).0.helpVisible && !press([.char("?"), .escape]).0.helpVisible)
        #expect(press([.left]).0.cursor == 3 && press([.left, .left, .right]).0.cursor == 3)
        #expect(press([.char("h"), .char("l"), .char("l")]).0.cursor == nil, "moving past the newest token follows the output again")
        #expect(press([.home]).0.cursor == 0 && press([.home, .end]).0.cursor == nil)
        var tree = AppState()
        tree.focus = .tree
        #expect(press([.down, .down, .up], tree).0.treeScroll == 1)
        #expect(press([.pageDown, .pageDown, .pageUp], tree).0.treeScroll == 10)
        #expect(press([.char("q")]).0.quit)
    }

    @Test func commandLine() {
        func run(_ line: String) -> (AppState, [Command]) { press([.char(":")] + line.map { Key.char($0) } + [.enter]) }
        #expect(run("strategy dyspec").1 == [.strategy("dyspec")])
        #expect(run("set k=6 seed=7").1 == [.set(key: "k", value: "6"), .set(key: "seed", value: "7")])
        #expect(run("save trace /tmp/t.jsonl").1 == [.saveTrace("/tmp/t.jsonl")])
        #expect(run("save text /tmp/t.txt").1 == [.saveText("/tmp/t.txt")])
        #expect(run("theme light").0.themeName == "light")
        #expect(run("strategy nope").0.note?.contains("unknown strategy 'nope'") == true)
        #expect(run("set k").0.note?.contains("expected KEY=VALUE") == true)
        #expect(run("frobnicate").0.note?.contains("unknown command") == true)
        // Esc cancels; Backspace edits.
        #expect(press([.char(":"), .char("x"), .escape]).0.mode == .normal)
        #expect(press([.char(":"), .char("a"), .char("b"), .backspace]).0.mode == .command("a"))
    }

    @Test func promptEditorAndSearch() {
        let (s, c) = press([.char("e")] + Array(repeating: Key.backspace, count: 40) + "héllo 日本".map { Key.char($0) } + [.enter])
        #expect(c == [.prompt("héllo 日本")] && s.mode == .normal)
        #expect(press([.char("e"), .escape]).1.isEmpty)
        #expect(press([.char("e")] + Array(repeating: Key.backspace, count: 40) + [.enter]).0.note == "the prompt cannot be empty")
        #expect(press([.char("/"), .char("+"), .enter]).0.cursor == 2)
        #expect(press([.char("/"), .char("Z"), .enter]).0.note == "not found: Z")
    }
}

@Suite struct AnalysisKeyTests {
    @Test func aCyclesTheViewsAndTheyFollowTheCursor() {
        var state = AppState()
        let s = Fixture.snapshot
        #expect(reduce(&state, .char("a"), snapshot: s) == [.analyze(AnalysisRequest(kind: .neighbourhood))])
        #expect(state.analysis == .neighbourhood)
        let moved = reduce(&state, .left, snapshot: s)
        #expect(moved == [.analyze(AnalysisRequest(kind: .neighbourhood, token: state.cursor))] && state.cursor != nil)
        #expect(reduce(&state, .char("a"), snapshot: s) == [.analyze(AnalysisRequest(kind: .lens, token: state.cursor))])
        #expect(reduce(&state, .char("a"), snapshot: s) == [.analyze(AnalysisRequest(kind: .healing, token: state.cursor))])
        #expect(reduce(&state, .char("a"), snapshot: s) == [] && state.analysis == nil, "back to the acceptance statistics")
        #expect(reduce(&state, .left, snapshot: s) == [], "no view, no request")
    }

    @Test func analysisCommands() {
        var state = AppState()
        func command(_ line: String) -> [Command] {
            state.mode = .command(line)
            return reduce(&state, .enter, snapshot: Fixture.snapshot)
        }
        #expect(command("neighbours  numpy") == [.analyze(AnalysisRequest(kind: .neighbourhood, query: "numpy"))])
        #expect(command("lens") == [.analyze(AnalysisRequest(kind: .lens))] && state.analysis == .lens)
        #expect(command("heal") == [.analyze(AnalysisRequest(kind: .healing))])
        #expect(command("navigate 4") == [.analyze(AnalysisRequest(kind: .navigation, rounds: 4))])
        #expect(command("navigate 99") == [] && state.note?.contains("1 to 10") == true)
    }
}
