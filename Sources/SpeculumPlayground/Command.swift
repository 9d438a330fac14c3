/// What the UI asks of the worker. Relative where it can be, so that presses made before a snapshot
/// arrives are not lost.
public enum Command: Sendable, Equatable {
    case toggleRun
    case pause
    case stepCycle
    /// Replay only: one cycle back.
    case stepBack
    case stepPhase
    case restart
    case strategy(String)
    case set(key: String, value: String)
    /// ± the primary knob (draft length, tree budget …) or the secondary (p_min, branching, L …).
    case nudgePrimary(Int)
    case nudgeSecondary(Int)
    case nudgeTemperature(Float)
    case prompt(String)
    case race
    case saveTrace(String)
    case saveText(String)
    /// Compute an analysis view (the newest request wins when several are queued).
    case analyze(AnalysisRequest)
    case quit
}
