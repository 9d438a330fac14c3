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

    @Option(help: "The draft model: a registry name or a GGUF path.")
    var draft: String = ModelRegistry.defaultDraft

    @Option(help: "Tokens per generation (1–100000).")
    var maxTokens: Int = 256

    @Flag(help: "Format the prompt as a chat turn.")
    var chat = false

    @Option(help: "Colour theme: dark, light, mono.")
    var theme: String = "dark"

    @Flag(help: "No colours (attributes only); NO_COLOR in the environment does the same.")
    var noColor = false

    @Flag(help: "ASCII borders and bars for terminals without box-drawing characters.")
    var ascii = false

    @Option(help: "Write every cycle's trace to this file as JSON lines (the format of generate --trace).")
    var record: String?

    func validate() throws {
        guard (1...100_000).contains(maxTokens) else { throw ValidationError("--max-tokens \(maxTokens) is out of range (allowed: 1 to 100000)") }
        guard Theme.builtIn[theme] != nil else {
            throw ValidationError("--theme \(theme) is unknown (built in: \(Theme.builtIn.keys.sorted().joined(separator: ", ")))")
        }
        do { _ = try StrategyCatalog.make(strategy, settings: try parseSettings(settings), targetBlocks: 1000) } catch let e as DecoderError {
            throw ValidationError(e.description)
        }
    }

    func run() throws {
        do { try Terminal.check() } catch { throw CommandError("\(error)") }
        let config = PlaygroundConfig(
            target: model.target, draft: draft, strategy: strategy, settings: try parseSettings(settings), prompt: prompt,
            chat: chat, maxTokens: maxTokens, sampling: sampling.target, draftTemperature: sampling.draftTemperature,
            draftMode: DraftMode(rawValue: sampling.draftMode) ?? .sample, contextSize: model.ctx, threads: model.threads,
            exact: model.exact, recordPath: record)
        let worker = PlaygroundWorker(config: config)
        worker.start()
        let colour = !noColor && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) != false
        let report = try runUI(worker: worker, theme: colour ? Theme.builtIn[theme]! : .mono, glyphs: ascii ? .ascii : .unicode, colour: colour)
        worker.stop()
        FileHandle.standardError.write(Data((report + "\n").utf8))
        let signal = interrupted.load(ordering: .acquiring)
        if signal != 0 { throw ExitCode(128 + signal) }   // the shell convention: 130 after SIGINT
    }
}

/// Set by SIGINT, SIGTERM and SIGHUP; the UI loop ends at its next turn and restores the terminal.
private let interrupted = Atomic<Int32>(0)

/// The UI loop: read a key (33 ms at most), reduce it, send commands, draw the newest snapshot.
/// Returns a one-line report of responsiveness.
private func runUI(worker: PlaygroundWorker, theme initial: Theme, glyphs: Glyphs, colour: Bool) throws -> String {
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { @Sendable in interrupted.store(sig, ordering: .releasing) }
        source.resume()
        sources.append(source)
    }
    installCrashRestore()
    let terminal: Terminal
    do { terminal = try Terminal(colour: colour) } catch { throw CommandError("\(error)") }
    defer { terminal.restore() }

    var state = AppState()
    var theme = initial
    state.themeName = theme.name
    var shownVersion = -1
    var latencies: [Double] = []
    let cpuStart = ProcessInfo.processInfo.systemUptime
    var uiBusy = 0.0
    while interrupted.load(ordering: .acquiring) == 0 && !state.quit {
        let key = terminal.readKey(milliseconds: 33)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let (version, snapshot) = worker.latest()
        if let key {
            if key == .resize {
                terminal.invalidate()
            } else {
                for c in reduce(&state, key, snapshot: snapshot) { worker.send(c) }
                if state.themeName != theme.name {
                    if let t = Theme.builtIn[state.themeName], colour { theme = t } else {
                        state.note = "unknown theme '\(state.themeName)' (built in: \(Theme.builtIn.keys.sorted().joined(separator: ", ")))"
                        state.themeName = theme.name
                    }
                }
            }
        }
        guard key != nil || version != shownVersion else { continue }
        var shown = snapshot
        if worker.hasQueuedCommands { shown.pending = "pending: your command applies at the end of this cycle" }
        let size = terminal.size
        terminal.draw(renderScreen(RenderContext(snapshot: shown, state: state, theme: theme, glyphs: glyphs), width: size.width, height: size.height))
        shownVersion = version
        let t1 = DispatchTime.now().uptimeNanoseconds
        uiBusy += Double(t1 - t0) / 1e9
        if key != nil { latencies.append(Double(t1 - t0) / 1e6) }
    }
    for s in sources { s.cancel() }
    latencies.sort()
    let p95 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.95))]
    let wall = ProcessInfo.processInfo.systemUptime - cpuStart
    return "[playground: \(latencies.count) keys, key-to-screen p95 \(String(format: "%.2f", p95)) ms; UI busy \(String(format: "%.1f", uiBusy / max(wall, 1e-9) * 100))% of the session]"
}
