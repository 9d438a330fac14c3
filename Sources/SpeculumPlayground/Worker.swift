import Dispatch
import Synchronization
import SpeculumEngine

/// What the playground starts with.
public struct PlaygroundConfig: Sendable {
    public var target: String
    public var draft: String
    public var strategy: String
    public var settings: [String: String]
    public var prompt: String
    public var chat: Bool
    public var maxTokens: Int
    public var sampling: SamplerSettings
    public var draftTemperature: Float?
    public var draftMode: DraftMode
    /// nil: 4096, or the model's training context when smaller.
    public var contextSize: Int?
    public var threads: Int?
    public var exact: Bool
    /// Every cycle's trace is appended here as a JSON line.
    public var recordPath: String?
    /// The draft's LM head over its first N ids and the ids in its context only (nil: all; see `ModelPair.draftHeadRows`).
    public var draftHeadRows: Int?
    /// Start chain and tree from what `speculum tune` chose for this pair and machine, when it has.
    public var useTuned = true
    /// The draft was named on the command line. When it was not and the default draft does not share
    /// the target's vocabulary (Gemma), the playground starts on a draft-free strategy instead of failing.
    public var draftGiven = true

    public init(target: String, draft: String, strategy: String, settings: [String: String], prompt: String, chat: Bool,
                maxTokens: Int, sampling: SamplerSettings, draftTemperature: Float?, draftMode: DraftMode, contextSize: Int?,
                threads: Int?, exact: Bool, recordPath: String?) {
        self.target = target
        self.draft = draft
        self.strategy = strategy
        self.settings = settings
        self.prompt = prompt
        self.chat = chat
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.draftTemperature = draftTemperature
        self.draftMode = draftMode
        self.contextSize = contextSize
        self.threads = threads
        self.exact = exact
        self.recordPath = recordPath
    }
}

/// The background worker: a serial Dispatch queue that owns the models and the decoder. Commands go
/// in through a mailbox; snapshots come out, newest wins. Nothing here touches the terminal.
public final class PlaygroundWorker: Sendable {
    private let queue = DispatchQueue(label: "speculum.worker", qos: .userInitiated)
    private let inbox = Locked<[Command]>([])
    private let outbox = Locked<Snapshot>(Snapshot())
    private let published = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    public let config: PlaygroundConfig

    public init(config: PlaygroundConfig) { self.config = config }

    public func start() {
        queue.async { [self] in
            let engine = PlaygroundEngine(config: config, worker: self)
            engine.run()
            finished.signal()
        }
    }

    /// Queues a command; the worker applies it at the next cycle boundary.
    public func send(_ command: Command) {
        inbox.withLock { $0.append(command) }
        wake.signal()
    }

    /// The newest snapshot and its number (it grows by one with every publication).
    public func latest() -> (version: Int, snapshot: Snapshot) {
        outbox.withLock { (published.load(ordering: .acquiring), $0) }
    }

    /// Asks the worker to stop after the current forward pass and waits up to `seconds` for it.
    public func stop(waiting seconds: Double = 5) {
        stopped.store(true, ordering: .releasing)
        send(.quit)
        _ = finished.wait(timeout: .now() + seconds)
    }

    var isStopping: Bool { stopped.load(ordering: .acquiring) }

    func publish(_ s: Snapshot) {
        outbox.withLock { $0 = s }
        published.add(1, ordering: .releasing)
    }

    func drain() -> [Command] { inbox.withLock { c in defer { c = [] }; return c } }

    func hasPending() -> Bool { inbox.withLock { !$0.isEmpty } }

    /// Whether commands wait for the worker (the UI shows them as pending).
    public var hasQueuedCommands: Bool { hasPending() }

    func sleep(_ seconds: Double) { _ = wake.wait(timeout: .now() + seconds) }
}
