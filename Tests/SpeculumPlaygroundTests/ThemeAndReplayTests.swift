import Foundation
import Testing
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender

@Suite struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    @Test(arguments: ["dark", "light", "mono"])
    func theShippedFilesAreTheBuiltInThemes(name: String) throws {
        let path = Self.themes + "/\(name).toml"
        if ProcessInfo.processInfo.environment["SPECULUM_RECORD_SNAPSHOTS"] == "1" {
            try Theme.builtIn[name]!.toml().write(toFile: path, atomically: true, encoding: .utf8)
        }
        let parsed = try Theme.load(path)
        #expect(parsed == Theme.builtIn[name]!)
    }

    @Test func rgbAndIndexedColoursAndAttributes() throws {
        let t = try Theme.parse("""
            name = "test"   # a comment
            [roles.accepted]
            fg = "#10a0ff"
            bg = 17
            bold = true
            underline = false
            [roles.status]
            reverse = true
            """, source: "t.toml")
        #expect(t.name == "test")
        #expect(t[.accepted] == Style(foreground: .rgb(0x10, 0xA0, 0xFF), background: .indexed(17), bold: true))
        #expect(t[.status] == Style(reverse: true))
        #expect(t[.rejected] == Theme.dark[.rejected], "roles left out keep the dark theme's style")
    }

    @Test func badFilesNameTheFileLineAndKey() {
        func message(_ text: String) -> String {
            do { _ = try Theme.parse(text, source: "bad.toml"); return "" } catch { return error.description }
        }
        #expect(message("[roles.accepted]\nfg = \"#12345\"").contains("bad.toml:2: fg = \"#12345\" is not a colour"))
        #expect(message("[roles.accepted]\nfg = 300").contains("bad.toml:2: fg = 300 is not a 256-colour index"))
        #expect(message("[roles.nope]").contains("bad.toml:1: unknown role 'nope'"))
        #expect(message("[roles.bonus]\nblink = true").contains("bad.toml:2: unknown key 'blink'"))
        #expect(message("[roles.bonus]\nbold = yes").contains("bad.toml:2: bold must be true or false"))
        #expect(message("fg = 1").contains("bad.toml:1: key 'fg' outside a [roles.NAME] table"))
        #expect(message("[roles.bonus\n").contains("bad.toml:1: expected a table header"))
        #expect(message("[roles.bonus]\njust words").contains("bad.toml:2: expected key = value"))
        do { _ = try Theme.load("no-such-theme"); Issue.record("a missing theme must be refused") } catch {
            #expect(error.description.contains("no built-in theme of that name"))
        }
    }
}

@Suite struct ReplayTests {
    func trace(_ cycle: Int, accepted: Int) -> CycleTrace {
        var t = CycleTrace(cycle: cycle, strategy: "chain", position: 0,
                           nodes: (0..<(accepted + 1)).map { i in
                               CycleTrace.Node(token: 10 + i, parent: i - 1, depth: i + 1, q: 0.5, p: i < accepted ? 0.9 : 0.1,
                                               ratio: i < accepted ? 1.8 : 0.2, u: 0.3, rule: .r1,
                                               status: i < accepted ? .accepted : .rejected, candidate: true, deferred: nil)
                           },
                           residualTop: [], emitted: (0...accepted).map { .init(token: 20 + $0, origin: $0 < accepted ? .accepted : .correction) },
                           draftNs: 1_000_000, verifyNs: 2_000_000, rollbackNs: 0, batchSize: accepted + 2, truncated: false)
        t = t.withTexts({ "t\($0)" }, output: (0...accepted).map { "w\($0)" })
        t.root = 5
        t.rootText = "r"
        return t
    }

    func file(_ lines: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func stepsForwardAndBackThroughTheRecording() throws {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let lines = try [trace(0, accepted: 2), trace(1, accepted: 0)].map { String(decoding: try e.encode($0), as: UTF8.self) }
        let player = try ReplayPlayer(path: try file(lines))
        #expect(player.latest().snapshot.tokens.isEmpty)
        player.send(.stepCycle)
        var s = player.latest().snapshot
        #expect(s.tokens.map(\.text) == ["w0", "w1", "w2"] && s.cycle?.nodes.map(\.text) == ["t10", "t11", "t12"])
        #expect(s.statistics.acceptedTokens == 2 && s.statistics.draftTokens == 3)
        player.send(.stepCycle)
        s = player.latest().snapshot
        #expect(s.tokens.count == 4 && s.state == .finished && s.statistics.cycles == 2)
        player.send(.stepBack)
        #expect(player.latest().snapshot.tokens.count == 3)
        // The screen draws it like a live session.
        let screen = renderScreen(RenderContext(snapshot: player.latest().snapshot, state: AppState(), theme: .dark, glyphs: .unicode), width: 120, height: 40).dump()
        #expect(screen.contains("✓ p/q 1.80 > u 0.30 (R1)") && screen.contains("replay: cycle 1 of 2"))
    }

    @Test func badFilesNameTheLine() throws {
        func message(_ lines: [String]) throws -> String {
            let path = try file(lines)
            do { _ = try ReplayPlayer(path: path); return "" } catch { return error.description }
        }
        #expect(try message(["{\"cycle\": 1}"]).contains(":1: not a cycle trace") )
        #expect(try message(["not json"]).contains(":1: not a cycle trace"))
        #expect(try message([""]).contains("no cycles"))
        let missing = "/nonexistent/x.jsonl"
        do { _ = try ReplayPlayer(path: missing) } catch { #expect("\(error)".contains("cannot read the file")) }
        // A device is refused before anything is read (reading /dev/zero would never end).
        do { _ = try ReplayPlayer(path: "/dev/zero"); Issue.record("/dev/zero replayed") } catch {
            #expect(error.description == "/dev/zero: not a regular file (expected JSON lines as `generate --trace` writes)")
        }
    }

    @Test func aTraceCutMidLineNamesTheCutLine() throws {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let lines = try [trace(0, accepted: 2), trace(1, accepted: 0)].map { String(decoding: try e.encode($0), as: UTF8.self) }
        let path = try file([lines[0], String(lines[1].dropLast(40))])   // killed while writing the second line
        do { _ = try ReplayPlayer(path: path); Issue.record("a cut trace replayed") } catch {
            #expect(error.description.hasPrefix("\(path):2: not a cycle trace"), "\(error)")
        }
    }

    @Test func themeFilesThatAreNotTextAreNamed() throws {
        let dir = NSTemporaryDirectory() + "speculum-theme-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = Array("name = \"x\"\n[roles.accepted]\nfg = \"".utf8)
        bytes += [0xFF, 0xFE, 0x22, 0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/bin.toml"))
        func message(_ name: String) -> String {
            do { _ = try Theme.load(dir + "/" + name); return "loaded" } catch { return error.description }
        }
        #expect(message("bin.toml") == "\(dir)/bin.toml:3: not UTF-8 text (expected a TOML theme)")
        try Data(count: (1 << 20) + 1).write(to: URL(fileURLWithPath: dir + "/huge.toml"))
        #expect(message("huge.toml") == "\(dir)/huge.toml: 1048577 bytes, more than the 1 MiB such a file may hold (expected a TOML theme)")
        try FileManager.default.createDirectory(atPath: dir + "/dir.toml", withIntermediateDirectories: true)
        #expect(message("dir.toml") == "\(dir)/dir.toml: not a regular file (expected a TOML theme)")
    }
}
