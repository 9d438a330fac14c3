import Foundation
import Testing
import SpeculumEngine
import SpeculumPlayground

/// The worker as the UI thread sees it, on the tiny seed models: commands in from this thread while
/// the worker decodes on its queue, snapshots out. ThreadSanitizer runs this (see the README).
@Suite struct WorkerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SpeculumEngineTests/Fixtures/fuzz")

    /// Polls (as the UI loop does every 33 ms) until `done` holds or 60 s pass.
    func waitFor(_ worker: PlaygroundWorker, _ done: (Snapshot) -> Bool) -> Snapshot {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let s = worker.latest().snapshot
            if done(s) { return s }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return worker.latest().snapshot
    }

    @Test func commandsFromTheUIThreadWhileTheWorkerDecodes() throws {
        var config = PlaygroundConfig(
            target: Self.fixtures.appendingPathComponent("seed-qwen2-narrow.gguf").path,
            draft: Self.fixtures.appendingPathComponent("seed-llama-narrow-tied.gguf").path,
            strategy: "chain", settings: [:], prompt: "the theory in the", chat: false, maxTokens: 2000,
            sampling: SamplerSettings(temperature: 0.8, seed: 5), draftTemperature: nil, draftMode: .sample,
            contextSize: 1024, threads: 2, exact: false, recordPath: nil)
        config.useTuned = false
        let worker = PlaygroundWorker(config: config)
        worker.start()
        defer { worker.stop() }
        let paused = waitFor(worker) { $0.state == .paused }
        #expect(paused.state == .paused, "\(paused.error ?? "")")
        worker.send(.stepCycle)
        #expect(waitFor(worker) { $0.statistics.cycles >= 1 }.statistics.cycles >= 1)
        // A new seed starts over; then run, and while it runs switch strategies and nudge knobs from this
        // thread (none of which restarts the output).
        worker.send(.set(key: "seed", value: "9"))
        worker.send(.toggleRun)
        for (i, name) in ["tree", "lookup", "aded", "lookahead", "chain", "rsd-s"].enumerated() {
            worker.send(.strategy(name))
            worker.send(.nudgePrimary(i % 2 == 0 ? 1 : -1))
            worker.send(.nudgeTemperature(0.1))
            let shown = waitFor(worker) { $0.strategy == name }
            #expect(shown.strategy == name && shown.error == nil, "\(name): \(shown.error ?? "")")
        }
        let done = waitFor(worker) { $0.state == .finished || $0.state == .failed }
        // All the tokens asked for, or fewer when the random model drew its end-of-generation token.
        #expect(done.state == .finished && (done.tokens.count == 2000 || done.stopReason == "endOfGeneration"),
                "\(done.state) \(done.tokens.count) \(done.stopReason ?? "") \(done.error ?? "")")
    }
}
