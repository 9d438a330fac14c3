/// Runs, each cycle, whichever of its strategies has lately emitted the most tokens per second of
/// drafting and verifying; the others are tried again now and then. On this pair the draft model's
/// chain wins on code and ADED's n-grams on translation (`docs/bench/strategies-t07-*`): neither wins
/// everywhere, and the prompt decides which.
///
/// Lossless when its strategies are: which one proposes depends only on earlier cycles, never on the
/// draws that verify the current one, so each cycle is one lossless strategy's cycle. Every strategy
/// observes every cycle (ADED's table keeps learning while the chain proposes; the draft model's cache
/// catches up with what it missed the next time the chain drafts).
public final class SwitchDrafter: Drafter {
    public let strategies: [any Drafter]
    /// A strategy not run for this many cycles runs once, to see whether it has become the better one.
    public var explore: Int
    /// Weight of past cycles in each strategy's rate (per cycle of that strategy).
    public static let decay = 0.8

    /// Decayed sums of tokens emitted and seconds spent, per strategy.
    private var tokens: [Double]
    private var seconds: [Double]
    private var lastRun: [Int]
    private var cycle = 0
    public private(set) var current = 0

    public init(_ strategies: [any Drafter], explore: Int = 16) {
        precondition(!strategies.isEmpty, "a switch needs at least one strategy")
        self.strategies = strategies
        self.explore = max(2, explore)
        tokens = Array(repeating: 0, count: strategies.count)
        seconds = Array(repeating: 0, count: strategies.count)
        lastRun = Array(repeating: -1, count: strategies.count)
    }

    public var name: String { "switch" }
    public var needsDraftModel: Bool { strategies.contains { $0.needsDraftModel } }
    public var isLossless: Bool { strategies.allSatisfy(\.isLossless) }
    public var summary: String {
        let rates = strategies.indices.map { i in "\(strategies[i].name) \(rate(i).map { String(format: "%.1f", $0) } ?? "–") tok/s" }
        return "switch: now \(strategies[current].name); \(rates.joined(separator: ", ")); explore every \(explore)"
    }

    /// Tokens per second of strategy i's recent cycles; nil before it has run.
    public func rate(_ i: Int) -> Double? { seconds[i] > 0 ? tokens[i] / seconds[i] : nil }

    public func begin(_ env: DraftEnvironment) throws {
        for s in strategies { try s.begin(env) }
        // Rates are per prompt: the same strategy can be the better one on one prompt and not the next.
        tokens = tokens.map { _ in 0 }
        seconds = seconds.map { _ in 0 }
        lastRun = lastRun.map { _ in -1 }
        cycle = 0
    }

    /// The strategy for cycle `cycle`: each in turn until all have run (`lastRun` −1: never), then one
    /// not run for `explore` cycles, else the best rate (the first on ties).
    public static func choose(cycle: Int, lastRun: [Int], rates: [Double?], explore: Int) -> Int {
        if let unseen = lastRun.firstIndex(of: -1) { return unseen }
        if let stale = lastRun.indices.first(where: { cycle - lastRun[$0] >= explore }) { return stale }
        var best = 0
        for i in rates.indices where (rates[i] ?? 0) > (rates[best] ?? 0) { best = i }
        return best
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        current = Self.choose(cycle: cycle, lastRun: lastRun, rates: strategies.indices.map(rate), explore: explore)
        lastRun[current] = cycle
        cycle += 1
        return try strategies[current].propose(env)
    }

    public func observe(_ o: CycleObservation, _ env: DraftEnvironment) {
        if o.elapsedNs > 0 {
            tokens[current] = Self.decay * tokens[current] + Double(o.emitted.count)
            seconds[current] = Self.decay * seconds[current] + Double(o.elapsedNs) * 1e-9
        }
        for s in strategies { s.observe(o, env) }
    }

    public func verificationTarget(p: Distribution, q: Distribution?, node: Int) -> Distribution {
        strategies[current].verificationTarget(p: p, q: q, node: node)
    }
}
