import ArgumentParser
import CursesBackend
import SpeculumPlayground

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play a recorded trace (play --record or generate --trace) in the playground, without a model.",
        discussion: "n steps forward one cycle, b back, Space plays, r starts over, q quits.")

    @Argument(help: "The trace: one JSON object per cycle.")
    var file: String

    @Option(help: "Colour theme: dark, light, mono, a name in themes/, or a path to a .toml file.")
    var theme: String = "dark"

    @Flag(help: "No colours (attributes only); NO_COLOR does the same.")
    var noColor = false

    @Flag(help: "ASCII borders and bars.")
    var ascii = false

    func run() throws {
        let player: ReplayPlayer
        do { player = try ReplayPlayer(path: file) } catch { throw CommandError("\(error)") }
        do { try Terminal.check() } catch { throw CommandError("\(error)") }
        try finishUI(try runUI(source: player, display: DisplayOptions(theme: theme, noColor: noColor, ascii: ascii)))
    }
}
