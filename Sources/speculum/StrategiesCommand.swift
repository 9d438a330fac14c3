import ArgumentParser
import Foundation
import SpeculumEngine

/// `speculum strategies`: the decoding strategies, whether each is lossless, and the knobs that
/// `--set KEY=VALUE` (generate, bench) and `:set` (playground) accept.
struct StrategiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List the decoding strategies and their knobs (for --set KEY=VALUE).")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        if json {
            let list = StrategyCatalog.entries.map { e -> [String: Any] in
                ["name": e.name, "title": e.title, "lossless": e.lossless, "needs_draft_model": e.needsDraftModel,
                 "knobs": e.knobs.map { ["name": $0.name, "help": $0.help] }]
            }
            let data = try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for e in StrategyCatalog.entries {
            let tags = [e.lossless ? "lossless" : "LOSSY", e.needsDraftModel ? "draft model" : "no draft model"]
            print("\(e.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(e.title)  [\(tags.joined(separator: ", "))]")
            for knob in e.knobs {
                print("    \(knob.name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(knob.help)")
            }
        }
    }
}
