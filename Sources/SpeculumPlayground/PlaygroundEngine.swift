import Foundation
import SpeculumEngine

/// The worker's state: models, decoder, the output so far and the snapshot being built. Lives on the
/// worker's queue only.
final class PlaygroundEngine {
    let config: PlaygroundConfig
    unowned let worker: PlaygroundWorker
    var pair: ModelPair!
    var decoder: SpeculativeDecoder!
    var snapshot = Snapshot()
    /// One drafter per strategy name, kept so that learned tables survive switches.
    var drafters: [String: any Drafter] = [:]
    var settings: [String: [String: String]] = [:]
    var prompt: String
    var promptIDs: [TokenID] = []
    var text = StreamingTextDecoder()
    var traces: [CycleTrace] = []
    var running = false
    var recorder: FileHandle?
    /// The target's vocabulary keys, prepared on the first neighbourhood view.
    var keys: VocabularyKeys?

    init(config: PlaygroundConfig, worker: PlaygroundWorker) {
        self.config = config
        self.worker = worker
        prompt = config.prompt
        settings[config.strategy] = config.settings
        snapshot.prompt = prompt
        snapshot.maxTokens = config.maxTokens
        snapshot.temperature = config.sampling.temperature
        snapshot.seed = config.sampling.seed
        snapshot.draftMode = config.draftMode.rawValue
        snapshot.strategy = config.strategy
        snapshot.target = config.target
    }

    func run() {
        worker.publish(snapshot)
        do {
            try load()
            try restart()
        } catch {
            fail(error)
        }
        while !worker.isStopping {
            let commands = worker.drain()
            // Analysis requests made while one was computing (cursor keys held down): only the newest counts.
            let newestAnalysis = commands.lastIndex { if case .analyze = $0 { true } else { false } }
            for (i, command) in commands.enumerated() {
                if command == .quit { return finish() }
                if case .analyze = command, i != newestAnalysis { continue }
                apply(command)
            }
            if running && snapshot.state == .running {
                cycle()
                continue
            }
            worker.sleep(0.25)
        }
        finish()
    }

    private func finish() {
        try? recorder?.close()
        if let pair, let d = decoder?.drafter { pair.save(d) }
    }

    private func load() throws {
        let pool = config.threads.map { ComputePool(threads: $0) } ?? .shared
        pair = try ModelPair(target: config.target, draft: config.draft, capacity: config.contextSize,
                             arithmetic: config.exact ? .exact : .quantizedActivations, pool: pool)
        snapshot.target = shortName(pair.target.path)
        snapshot.contextCapacity = pair.targetContext.capacity
        pair.draftHeadRows = config.draftHeadRows
        applyTunedSettings()
        var drafter: any Drafter
        do {
            drafter = try drafterFor(config.strategy)
        } catch DecoderError.vocabularyMismatch(let t, let d, _) where !config.draftGiven {
            // A target of another family (Gemma) with the default Qwen draft: draft-free strategies only.
            drafter = try drafterFor(Self.draftFreeStart)
            snapshot.message = "the default draft's vocabulary (\(d) tokens) is not the target's (\(t)): started with "
                + "\(Self.draftFreeStart); draft-model strategies need --draft with the target's vocabulary"
        }
        var draftSettings = config.sampling
        draftSettings.temperature = config.draftTemperature ?? config.sampling.temperature
        decoder = try pair.decoder(drafter: drafter, settings: config.sampling, draftSettings: draftSettings, draftMode: config.draftMode)
        decoder.phaseObserver = { SignalInjection.reached($0.rawValue) }
        if let path = config.recordPath {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw DecoderError.invalidOption("--record \(path): cannot create the file")
            }
            recorder = h
        }
    }

    /// Chain and tree start from the tune cache's choice; settings given on the command line win.
    private func applyTunedSettings() {
        guard config.useTuned else { return }
        guard let tuned = pair.tuned else {
            snapshot.tuned = "untuned (speculum tune)"
            return
        }
        for name in ["chain", "tree"] { settings[name] = tuned.settings(for: name, given: settings[name] ?? [:]) }
        snapshot.tuned = tuned.summary
    }

    /// Where the playground starts when the target has no draft model: self-speculation drafts from
    /// the target's own first blocks, so the tree and the p/q of every node are still there to see.
    static let draftFreeStart = "self"

    func drafterFor(_ name: String) throws -> any Drafter {
        if let d = drafters[name] { return d }
        let d = try StrategyCatalog.make(name, settings: settings[name] ?? [:], targetBlocks: pair.target.model.config.blocks)
        try pair.prepare(d)
        drafters[name] = d
        return d
    }

    /// Starts the current prompt over (the cached prefix is reused).
    func restart() throws {
        let tok = pair.target.tokenizer
        if config.chat {
            promptIDs = tok.encode(ChatFormat.matching(tok.vocabulary).render([ChatMessage(.user, prompt)]), parseSpecial: true)
        } else {
            promptIDs = tok.encode(prompt)
        }
        guard !promptIDs.isEmpty else { throw DecoderError.emptyPrompt }
        // Reseeded every time, so a restart with the same seed replays the same generation.
        try decoder.start(prompt: promptIDs, seed: decoder.targetSettings.seed)
        text = StreamingTextDecoder()
        snapshot.tokens = []
        snapshot.visibleTokens = nil
        snapshot.phase = nil
        snapshot.cycle = nil
        snapshot.recentAccepted = []
        snapshot.stopReason = nil
        snapshot.error = nil
        snapshot.prompt = prompt
        snapshot.state = running ? .running : .paused
        refresh()
    }

    func fail(_ error: Error) {
        running = false
        snapshot.state = .failed
        snapshot.error = "\(error)"
        worker.publish(snapshot)
    }

    /// Copies the decoder's settings and counters into the snapshot and publishes it.
    func refresh() {
        guard let decoder else { return worker.publish(snapshot) }
        let d = decoder.drafter
        snapshot.strategy = d.name
        snapshot.strategySummary = d.summary
        snapshot.lossless = d.isLossless
        snapshot.draft = d.needsDraftModel ? pair.draft.map { shortName($0.path) } : nil
        snapshot.temperature = decoder.targetSettings.temperature
        snapshot.seed = decoder.targetSettings.seed
        snapshot.draftMode = decoder.environment.draftMode.rawValue
        snapshot.statistics = decoder.statistics
        snapshot.contextUsed = decoder.committed.count
        snapshot.chainLength = (d as? DraftChainDrafter).flatMap { $0.adaptive ? nil : $0.k } ?? (d as? SelfSpeculativeDrafter)?.k
        snapshot.pending = worker.hasPending() ? "pending: applies at the next cycle boundary" : nil
        worker.publish(snapshot)
    }
}

/// A model file's name without directory and `.gguf`.
func shortName(_ path: String) -> String {
    var name = path.split(separator: "/").last.map(String.init) ?? path
    if name.hasSuffix(".gguf") { name.removeLast(5) }
    return name
}
