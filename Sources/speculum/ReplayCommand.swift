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

    @OptionGroup var display: DisplayOptions

    func run() throws {
        let player: ReplayPlayer
        do { player = try ReplayPlayer(path: file) } catch { throw CommandError("\(error)") }
        do { try Terminal.check() } catch { throw CommandError("\(error)") }
        try finishUI(try runUI(source: player, display: display))
    }
}
