/// Why generation stopped.
public enum StopReason: String, Sendable, Codable {
    case endOfGeneration = "end_of_generation", stopString = "stop_string", maxTokens = "max_tokens"
    /// The context holds no further token (raise `--ctx`).
    case contextFull = "context_full"
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
                case .contextFull: reason = .contextFull
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
/// still turn into one. Lengths are in Unicode scalars, kept as the text grows: String.count walks the
/// whole string, which made a 20,000-token run quadratic. A stop string is searched for only where it
/// could end in the newest piece.
struct TextAssembler {
    let tokenizer: any Tokenizer
    let stopStrings: [String]
    private(set) var text = ""
    private var decoder = StreamingTextDecoder()
    private var scalars = 0                      // text.unicodeScalars.count
    private var releasedScalars = 0
    private var releasedBytes = 0                // UTF-8 offset of the released end (an offset survives appends)
    private var stopped = false
    private let longestStop: Int

    init(tokenizer: any Tokenizer, stopStrings: [String]) {
        self.tokenizer = tokenizer
        self.stopStrings = stopStrings
        longestStop = stopStrings.map(\.unicodeScalars.count).max() ?? 0
    }

    /// Appends a token; true when the text now contains a stop string (the text is cut before it).
    mutating func push(_ token: TokenID) -> Bool {
        let piece = decoder.push(tokenizer.bytes(of: token, special: false))
        guard !piece.isEmpty else { return false }
        let added = piece.unicodeScalars.count
        text += piece
        scalars += added
        guard longestStop > 0 else { return false }
        // A match not found before must end in the new piece, so it starts at most longestStop − 1 earlier.
        let view = text.unicodeScalars
        let from = view.index(view.endIndex, offsetBy: -min(scalars, added + longestStop - 1))
        let window = text[from...]
        if let hit = stopStrings.compactMap({ window.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            text = String(text[..<hit.lowerBound])
            scalars = text.unicodeScalars.count
            stopped = true
            return true
        }
        return false
    }

    /// Text that can no longer become part of a stop string and has not been released yet.
    mutating func releasable() -> String {
        let hold = stopped ? 0 : longestStop
        let safe = max(releasedScalars, scalars - hold)
        guard safe > releasedScalars else { return "" }
        let start = text.utf8.index(text.startIndex, offsetBy: releasedBytes)
        let end = text.unicodeScalars.index(start, offsetBy: safe - releasedScalars)
        let piece = String(text.unicodeScalars[start..<end])
        releasedBytes += piece.utf8.count
        releasedScalars = safe
        return piece
    }

    /// Everything not yet released, including bytes of an unfinished character.
    mutating func finish() -> String {
        if !stopped {
            let rest = decoder.finish()
            text += rest
            scalars += rest.unicodeScalars.count
        }
        stopped = true
        return releasable()
    }
}
