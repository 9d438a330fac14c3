import ArgumentParser
import CursesBackend
import Dispatch
import Foundation
import SpeculumEngine
import SpeculumPlayground
import SpeculumRender
import Synchronization

struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Open the playground (what `speculum` with no subcommand does).",
        discussion: "Keys: ? in the playground lists them all; the README has the same list.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The prompt to start with (e opens the editor in the playground).")
    var prompt: String = "def quicksort(items):\n"

    @Option(help: "The strategy to start with: \(StrategyCatalog.names.joined(separator: ", ")).")
    var strategy: String = "chain"

    @Option(name: .customLong("set"), help: "A strategy setting KEY=VALUE (repeatable).")
    var settings: [String] = []

    @Flag(inversion: .prefixedNo, help: "Start chain and tree from what `speculum tune` chose for this pair and machine (--set wins).")
    var tuned = true

    @Option(help: "The draft model: a registry name or a GGUF path (default: \(ModelRegistry.defaultDraft)).")
    var draft: String?

    @Option(help: "Tokens per generation (1–100000).")
    var maxTokens: Int = 256

    @Flag(help: "Format the prompt as a chat turn.")
    var chat = false

    @OptionGroup var display: DisplayOptions

    @Option(help: "Write every cycle's trace to this file as JSON lines (the format of generate --trace).")
    var record: String?

    func validate() throws {
        guard (1...100_000).contains(maxTokens) else { throw ValidationError("--max-tokens \(maxTokens) is out of range (allowed: 1 to 100000)") }
        do { _ = try StrategyCatalog.make(strategy, settings: try parseSettings(settings), targetBlocks: 1000) } catch let e as DecoderError {
            throw ValidationError(e.description)
        }
    }

    func run() throws {
        do { try Terminal.check() } catch { throw CommandError("\(error)") }
        var config = PlaygroundConfig(
            target: model.target, draft: draft ?? ModelRegistry.defaultDraft, strategy: strategy, settings: try parseSettings(settings), prompt: prompt,
            chat: chat, maxTokens: maxTokens, sampling: sampling.target, draftTemperature: sampling.draftTemperature,
            draftMode: DraftMode(rawValue: sampling.draftMode) ?? .sample, contextSize: model.ctx, threads: model.threads,
            exact: model.exact, recordPath: record)
        config.draftHeadRows = sampling.draftVocab > 0 ? sampling.draftVocab : nil
        config.useTuned = tuned
        config.draftGiven = draft != nil
        let worker = PlaygroundWorker(config: config)
        worker.start()
        let report = try runUI(source: worker, display: display)
        worker.stop()
        try finishUI(report)
    }
}

