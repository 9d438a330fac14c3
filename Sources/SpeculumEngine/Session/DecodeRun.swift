/// Why generation stopped.
public enum StopReason: String, Sendable, Codable {
    case endOfGeneration = "end_of_generation", stopString = "stop_string", maxTokens = "max_tokens"
}

/// The result of one generation with any strategy.
public struct DecodeResult: Sendable {
    public var promptIDs: [TokenID]
    public var ids: [TokenID]
    public var text: String
    public var stopReason: StopReason
    public var statistics: DecodeStatistics
    public var strategy: String
}

extension SpeculativeDecoder {
    /// Generates after `prompt` until an end-of-generation id, a stop string (the text ends before
    /// it) or `maxTokens`. `emit` gets text as soon as it can no longer become part of a stop string;
    /// `onCycle` gets every cycle's trace.
    public func generate(prompt: [TokenID], maxTokens: Int, tokenizer: any Tokenizer, stopStrings: [String] = [],
                         onCycle: (CycleTrace) throws -> Void = { _ in }, emit: (String) -> Void = { _ in }) throws -> DecodeResult {
        try start(prompt: prompt)
        var text = TextAssembler(tokenizer: tokenizer, stopStrings: stopStrings)
        var reason = StopReason.maxTokens
        while output.count < maxTokens {
            let (trace, stop) = try step(budget: maxTokens) { i in
                text.push(self.output[self.promptLength + i])
            }
            try onCycle(trace)
            emit(text.releasable())
            if let stop {
                switch stop {
                case .endOfGeneration: reason = .endOfGeneration
                case .stopString: reason = .stopString
                case .budget: reason = .maxTokens
                }
                break
            }
        }
        emit(text.finish())
        return DecodeResult(promptIDs: prompt, ids: Array(output), text: text.text, stopReason: reason,
                            statistics: statistics, strategy: drafter.name)
    }
}

/// Output text built token by token, with stop strings found and text held back while it could
/// still turn into one.
struct TextAssembler {
    let tokenizer: any Tokenizer
    let stopStrings: [String]
    private(set) var text = ""
    private var decoder = StreamingTextDecoder()
    private var released = 0
    private var stopped = false

    init(tokenizer: any Tokenizer, stopStrings: [String]) {
        self.tokenizer = tokenizer
        self.stopStrings = stopStrings
    }

    /// Appends a token; true when the text now contains a stop string (the text is cut before it).
    mutating func push(_ token: TokenID) -> Bool {
        text += decoder.push(tokenizer.bytes(of: token, special: false))
        if let hit = stopStrings.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            text = String(text[..<hit.lowerBound])
            stopped = true
            return true
        }
        return false
    }

    /// Text that can no longer become part of a stop string and has not been released yet.
    mutating func releasable() -> String {
        let hold = stopped ? 0 : (stopStrings.map(\.count).max() ?? 0)
        let safe = max(released, text.count - hold)
        guard safe > released else { return "" }
        let piece = String(text.dropFirst(released).prefix(safe - released))
        released = safe
        return piece
    }

    /// Everything not yet released, including bytes of an unfinished character.
    mutating func finish() -> String {
        if !stopped { text += decoder.finish() }
        stopped = true
        return releasable()
    }
}
