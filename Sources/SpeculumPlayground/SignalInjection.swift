import Foundation
import Synchronization

/// A test hook for the signal checks: with `SPECULUM_SIGNAL_AT=SIG@POINT[#N]` (SIG one of INT, TERM,
/// HUP; POINT one of prefilling, drafting, verifying, accepting, rendering) the process sends itself that signal
/// the N-th time (default 1) it reaches that point, so a check can interrupt the playground inside a
/// chosen phase instead of hoping a timed `kill` lands there. Without the variable it does nothing.
public enum SignalInjection {
    static let plan: (signal: Int32, point: String, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["SPECULUM_SIGNAL_AT"] else { return nil }
        let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let signals: [String: Int32] = ["INT": SIGINT, "TERM": SIGTERM, "HUP": SIGHUP]
        let target = parts[1].split(separator: "#", maxSplits: 1).map(String.init)
        guard let sig = signals[parts[0]] else { return nil }
        return (sig, target[0], target.count == 2 ? max(1, Int(target[1]) ?? 1) : 1)
    }()
    static let reachedCount = Atomic<Int>(0)

    /// Called at each point; raises the planned signal when its turn comes.
    public static func reached(_ point: String) {
        guard let plan, plan.point == point else { return }
        // kill, not raise: raise aims at this thread, which may block the signal; a process-directed
        // signal is delivered as one from another process would be.
        if reachedCount.add(1, ordering: .relaxed).newValue == plan.count { kill(getpid(), plan.signal) }
    }
}
