import Dispatch

/// Why generation stopped.
public enum StopReason: String, Sendable, Codable {
    case endOfGeneration = "end_of_generation", stopString = "stop_string", maxTokens = "max_tokens"
}

/// The result of one generation: ids, text and timings.
public struct Generation: Sendable {
    public var promptIDs: [TokenID]
    public var ids: [TokenID] = []
    public var text = ""
    public var stopReason = StopReason.maxTokens
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var timeToFirstToken = 0.0

    public var decodeTokensPerSecond: Double { ids.count > 1 ? Double(ids.count - 1) / decodeSeconds : 0 }
    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptIDs.count) / prefillSeconds : 0 }
}

/// Plain autoregressive generation: prefill the prompt, then one token per forward pass.
public struct Generator {
    public let context: InferenceContext
    public let tokenizer: any Tokenizer
    public var sampler: Sampler
    public var stopStrings: [String] = []

    public init(context: InferenceContext, tokenizer: any Tokenizer, sampler: Sampler, stopStrings: [String] = []) {
        self.context = context
        self.tokenizer = tokenizer
        self.sampler = sampler
        self.stopStrings = stopStrings
    }

    /// Generates up to `maxTokens` after `prompt`, calling `emit` with each newly completed piece of
    /// text. Stops at an end-of-generation id (not emitted), a stop string (the text ends before it),
    /// or the token limit.
    public mutating func run(prompt: [TokenID], maxTokens: Int, emit: (String) -> Void = { _ in }) throws(InferenceError) -> Generation {
        var g = Generation(promptIDs: prompt)
        guard !prompt.isEmpty else { throw .invalidTree("the prompt is empty") }
        let start = DispatchTime.now().uptimeNanoseconds
        context.truncate(to: 0)
        try context.evaluate(prompt, logitsFor: [prompt.count - 1])
        let prefilled = DispatchTime.now().uptimeNanoseconds
        g.prefillSeconds = Double(prefilled - start) / 1e9
        var decoder = StreamingTextDecoder()
        var emitted = ""   // text passed to `emit`, held back while it could be the start of a stop string
        let holdBack = stopStrings.map { $0.count }.max() ?? 0
        while g.ids.count < maxTokens {
            let token = sampler.sample(context.logits(0))
            if g.ids.isEmpty { g.timeToFirstToken = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            if tokenizer.isEndOfGeneration(token) {
                g.stopReason = .endOfGeneration
                break
            }
            g.ids.append(token)
            g.text += decoder.push(tokenizer.bytes(of: token, special: false))
            if let hit = stopStrings.compactMap({ g.text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
                g.text = String(g.text[..<hit.lowerBound])
                g.stopReason = .stopString
                break
            }
            // Emit what can no longer turn into a stop string.
            let safeEnd = g.text.index(g.text.endIndex, offsetBy: -min(holdBack, g.text.count))
            if emitted.count < g.text.distance(from: g.text.startIndex, to: safeEnd) {
                let piece = String(g.text[g.text.index(g.text.startIndex, offsetBy: emitted.count)..<safeEnd])
                emitted += piece
                emit(piece)
            }
            if g.ids.count == maxTokens { break }
            try context.evaluate([token], logitsFor: [0])
        }
        if g.stopReason != .stopString { g.text += decoder.finish() }
        if emitted.count < g.text.count { emit(String(g.text.dropFirst(emitted.count))) }
        g.decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - prefilled) / 1e9
        return g
    }
}
