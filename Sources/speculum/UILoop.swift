import ArgumentParser
import CursesBackend
import Dispatch
import Foundation
import SpeculumPlayground
import SpeculumRender
import Synchronization

/// Set by SIGINT, SIGTERM and SIGHUP; the UI loop ends at its next turn and restores the terminal.
let interrupted = Atomic<Int32>(0)

/// How the UI draws: theme, colour, glyphs (flags shared by `play` and `replay`).
struct DisplayOptions: ParsableArguments {
    @Option(help: "Colour theme: dark, light, mono, a name in themes/, or a path to a .toml file.")
    var theme: String = "dark"

    @Flag(help: "No colours (attributes only); NO_COLOR in the environment does the same.")
    var noColor = false

    @Flag(help: "ASCII borders and bars for terminals without box-drawing characters.")
    var ascii = false

    var colour: Bool { !noColor && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) != false }
}

/// Prints the UI's report after the terminal is restored; an interrupted session exits 128 + signal.
func finishUI(_ report: String) throws {
    FileHandle.standardError.write(Data((report + "\n").utf8))
    let signal = interrupted.load(ordering: .acquiring)
    if signal != 0 { throw ExitCode(128 + signal) }   // the shell convention: 130 after SIGINT
}

/// The UI loop: read a key (33 ms at most), reduce it, send commands, draw the newest snapshot.
/// Returns a one-line report of responsiveness.
func runUI(source: any SnapshotSource, display: DisplayOptions) throws -> String {
    let colour = display.colour, glyphs: Glyphs = display.ascii ? .ascii : .unicode
    var startNote: String?
    var initial = Theme.dark
    if !colour {
        initial = .mono
    } else {
        do { initial = try Theme.load(display.theme) } catch { startNote = "\(error); using the dark theme" }
    }
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
    state.note = startNote
    var shownVersion = -1
    var latencies: [Double] = []
    let uiCPUStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID), processCPUStart = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID)
    while interrupted.load(ordering: .acquiring) == 0 && !state.quit {
        let key = terminal.readKey(milliseconds: 33)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let (version, snapshot) = source.latest()
        if let key {
            if key == .resize {
                terminal.invalidate()
            } else {
                for c in reduce(&state, key, snapshot: snapshot) { source.send(c) }
                if state.themeName != theme.name {
                    do {
                        if !colour { throw ThemeError(description: "colours are off (--no-color or NO_COLOR)") }
                        theme = try Theme.load(state.themeName)
                        state.themeName = theme.name
                    } catch {
                        state.note = "\(error)"
                        state.themeName = theme.name
                    }
                }
            }
        }
        guard key != nil || version != shownVersion else { continue }
        var shown = snapshot
        if source.hasQueuedCommands { shown.pending = "pending: your command applies at the end of this cycle" }
        let size = terminal.size
        SignalInjection.reached("rendering")
        terminal.draw(renderScreen(RenderContext(snapshot: shown, state: state, theme: theme, glyphs: glyphs), width: size.width, height: size.height))
        shownVersion = version
        let t1 = DispatchTime.now().uptimeNanoseconds
        if key != nil { latencies.append(Double(t1 - t0) / 1e6) }
    }
    for s in sources { s.cancel() }
    latencies.sort()
    let p95 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.95))]
    // CPU time of this (the UI) thread against everything else the process did (worker and pool).
    let ui = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - uiCPUStart
    let rest = max(1e-9, cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - processCPUStart - ui)
    return "[playground: \(latencies.count) keys, key-to-screen p95 \(String(format: "%.2f", p95)) ms, max \(String(format: "%.2f", latencies.last ?? 0)) ms; "
        + "UI thread CPU \(String(format: "%.2f", ui)) s = \(String(format: "%.1f", ui / rest * 100))% of the worker's \(String(format: "%.1f", rest)) s]"
}

private func cpuSeconds(_ clock: clockid_t) -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
