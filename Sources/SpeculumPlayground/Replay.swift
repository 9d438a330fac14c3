import Foundation
import SpeculumEngine

/// Where the UI loop gets snapshots and sends commands: the live worker, or a recorded trace.
public protocol SnapshotSource: AnyObject {
    func latest() -> (version: Int, snapshot: Snapshot)
    func send(_ command: Command)
    var hasQueuedCommands: Bool { get }
}

extension PlaygroundWorker: SnapshotSource {}

public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Plays a `--record` / `--trace` file in the playground without a model: forward and backward one
/// cycle at a time, or running at a few cycles per second.
public final class ReplayPlayer: SnapshotSource {
    public let traces: [CycleTrace]
    public let source: String
    private var shown = 0
    private var playing = false
    private var lastStep = Date()
    private var version = 0
    private var message: String?

    /// Traces larger than this are refused before reading (a cycle's line is about 2 KB).
    public static let maximumBytes = 512 << 20

    public init(path: String) throws(ReplayError) {
        let text: String
        do { text = try TextFile.read(path, maximumBytes: Self.maximumBytes) } catch {
            throw ReplayError(description: error.message(path: path, expected: "JSON lines as `generate --trace` writes"))
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var traces: [CycleTrace] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                traces.append(try decoder.decode(CycleTrace.self, from: Data(line.utf8)))
            } catch {
                throw ReplayError(description: "\(path):\(n + 1): not a cycle trace as `generate --trace` writes (\(Self.reason(error)))")
            }
        }
        guard !traces.isEmpty else { throw ReplayError(description: "\(path): no cycles in the file") }
        self.traces = traces
        source = path
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c): return c.codingPath.isEmpty ? "not JSON" : "bad value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "\(error)"
        }
    }

    public var hasQueuedCommands: Bool { false }

    public func send(_ command: Command) {
        message = nil
        switch command {
        case .stepCycle: shown = min(traces.count, shown + 1); playing = false
        case .stepBack: shown = max(0, shown - 1); playing = false
        case .toggleRun:
            if shown == traces.count { shown = 0 }
            playing.toggle()
            lastStep = Date()
        case .pause: playing = false
        case .restart: shown = 0
        case .quit: playing = false
        default: message = "replay: only stepping (n, b), Space and r work without a model"
        }
        version += 1
    }

    public func latest() -> (version: Int, snapshot: Snapshot) {
        if playing && Date().timeIntervalSince(lastStep) >= 0.3 {
            lastStep = Date()
            shown += 1
            if shown >= traces.count { shown = traces.count; playing = false }
            version += 1
        }
        return (version, snapshot())
    }

    /// The playground's view after the first `shown` cycles.
    func snapshot() -> Snapshot {
        var s = Snapshot()
        s.target = "replay of \(source)"
        s.strategy = traces[max(0, shown - 1)].strategy
        s.strategySummary = "\(s.strategy) (replay: cycle \(shown) of \(traces.count); n forward, b back)"
        s.state = playing ? .running : shown == traces.count ? .finished : .paused
        s.stopReason = shown == traces.count ? "end of the recording" : nil
        s.message = message
        for t in traces.prefix(shown) {
            for e in t.emitted { s.tokens.append(TokenView(id: e.token, text: e.text ?? "#\(e.token)", origin: e.origin, cycle: t.cycle, insight: nil)) }
            s.statistics.record(t, emittedCount: t.emitted.count, draftCandidates: t.nodes.filter(\.candidate).count, overlaps: [], targetPass: true)
            s.statistics.decodeNs += t.draftNs + t.verifyNs + t.rollbackNs
            s.recentAccepted.append(Double(t.acceptedCount))
        }
        if shown > 0 {
            let t = traces[shown - 1]
            s.cycle = CycleView(cycle: t.cycle, rootText: t.rootText ?? t.root.map { "#\($0)" } ?? "",
                                nodes: t.nodes.map { .init(text: $0.text ?? "#\($0.token)", node: $0) },
                                residualTop: t.residualTop.map { ($0.text ?? "#\($0.token)", $0.p) },
                                emitted: t.emitted.map { ($0.text ?? "#\($0.token)", $0.origin) },
                                draftNs: t.draftNs, verifyNs: t.verifyNs, rollbackNs: t.rollbackNs, batchSize: t.batchSize)
        }
        s.contextUsed = s.tokens.count
        return s
    }
}
