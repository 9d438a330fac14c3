import ArgumentParser
import Foundation
import SpeculumEngine

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt with any decoding strategy (greedy at temperature 0).",
        discussion: """
            Stops at an end-of-generation token the model declares, at a --stop string, or after --max-tokens. \
            Strategies: \(StrategyCatalog.entries.map { "\($0.name) (\($0.title))" }.joined(separator: ", ")). \
            Their settings go in --set KEY=VALUE; `speculum strategies` lists them and their meaning. After the text, a one-paragraph \
            summary goes to standard error (acceptance rate, mean accepted length, time split).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The prompt text, or - to read standard input.")
    var prompt: String

    @Option(help: "At most this many new tokens (1–1000000).")
    var maxTokens: Int = 256

    @Option(help: "Stop when the output contains this text (repeatable).")
    var stop: [String] = []

    @Option(help: "Decoding strategy: \(StrategyCatalog.names.joined(separator: ", ")).")
    var strategy: String = "ar"

    @Option(name: .customLong("set"), help: "A strategy setting KEY=VALUE (repeatable), e.g. --set k=6.")
    var settings: [String] = []

    @Option(help: "The draft model for strategies that need one: a registry name or a GGUF path.")
    var draft: String = ModelRegistry.defaultDraft

    @Flag(help: "Start chain's k and tree's branching from what `speculum tune` chose for this pair and machine (--set wins).")
    var tuned = false

    @Flag(help: "Format the prompt as a chat turn with the model's chat format (Qwen ChatML, or Gemma's turns).")
    var chat = false

    @Flag(help: "Match control tokens written in the prompt (<|im_start|>, <bos>) as tokenize --special does.")
    var special = false

    @Option(help: "With --chat: the system message (default: the template's).")
    var system: String?

    @Option(help: "Write one JSON line per cycle (draft tree, verdicts, emitted tokens, times) to this file.")
    var trace: String?

    @Flag(help: "Print one JSON object (ids, text, statistics) instead of streaming text.")
    var json = false

    @Option(help: "Generate this many times (1–1000) from the same prompt, each from a fresh start with the models, caches and learned tables kept: a long run in one process. The report is the last run's, with the total.")
    var runs: Int = 1

    @Flag(help: "Keep generating past end-of-generation tokens (for long runs and benchmarks of a fixed length).")
    var ignoreEos = false

    @Flag(help: "When the prompt does not fit in the context (with room for --max-tokens, at least half the context), keep its last part instead of stopping with an error.")
    var truncatePrompt = false

    @Flag(help: "Token healing: back off the prompt's last token and start with the most likely token that begins with its text (for prompts that end mid-word, such as `import num`). The output starts with the rest of that token.")
    var heal = false

    func validate() throws {
        guard (1...1000).contains(runs) else { throw ValidationError("--runs \(runs) is out of range (allowed: 1 to 1000)") }
        guard (1...1_000_000).contains(maxTokens) else { throw ValidationError("--max-tokens \(maxTokens) is out of range (allowed: 1 to 1000000)") }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
        do { _ = try StrategyCatalog.make(strategy, settings: try parseSettings(settings), targetBlocks: 1000) } catch let e as DecoderError {
            throw ValidationError(e.description)
        }
    }

    func run() throws {
        let pair = try ModelPair(options: model, draftName: draft)
        var given = try parseSettings(settings)
        if tuned { given = try pair.tunedSettings(given, strategy: strategy, sampling: sampling) }
        let drafter = try StrategyCatalog.make(strategy, settings: given, targetBlocks: pair.target.model.config.blocks)
        let decoder = try pair.decoder(drafter: drafter, sampling: sampling, ignoringEndOfGeneration: ignoreEos)
        let text = prompt == "-" ? readPromptFromStandardInput() : prompt
        var ids = promptIDs(text, tokenizer: pair.target.tokenizer, chat: chat, system: system, special: special)
        guard !ids.isEmpty else { throw CommandError("--prompt is empty: give at least one character of text") }
        let capacity = pair.targetContext.capacity
        let room = PromptFit.room(capacity: capacity, maxTokens: maxTokens)
        if ids.count > room {
            guard truncatePrompt else {
                throw CommandError("--prompt is \(ids.count) tokens; with --max-tokens \(maxTokens) the context of \(capacity) leaves it \(room): " +
                                   "raise --ctx (the model was trained on \(pair.target.model.config.contextLength)), lower --max-tokens, " +
                                   "or pass --truncate-prompt to keep the prompt's last part")
            }
            guard let fit = PromptFit.tail(of: text, room: room, tokenizer: pair.target.tokenizer,
                                           format: { promptIDs($0, tokenizer: pair.target.tokenizer, chat: chat, system: system, special: special) }),
                  !fit.ids.isEmpty else {
                throw CommandError("--truncate-prompt: the chat template alone needs more than the \(room) tokens the context leaves; raise --ctx")
            }
            FileHandle.standardError.write(Data("[generate] --truncate-prompt: kept the last \(fit.ids.count) of \(ids.count) prompt tokens (\(fit.text.count) of \(text.count) characters)\n".utf8))
            ids = fit.ids
        }
        var healedText = ""   // the part of the healed token the prompt did not show
        if heal {
            let healed = try PartialTokenAnalysis.heal(ids, state: decoder.target, tokenizer: pair.target.tokenizer)
            healedText = String(pair.target.tokenizer.decode([healed.tokens.last!]).dropFirst(healed.shownCharacters))
            ids = healed.tokens
            if !json { FileHandle.standardOutput.write(Data(healedText.utf8)) }
        }

        // Resources: descriptors before the run, memory once warmed up (a tenth of the output, at most
        // 512 tokens in), both again at the end; `--json` reports them (the long-run checks read them).
        let startResources = ProcessResources.current()
        let warmAt = max(1, min(512, maxTokens / 10))
        var warmResources: ProcessResources?
        let traceFile = try trace.map { try TraceWriter(path: $0, tokenizer: pair.target.tokenizer) }
        var result: DecodeResult!
        var totalGenerated = 0
        for run in 0..<runs {
            if run > 0 && !json { FileHandle.standardOutput.write(Data("\n".utf8)) }
            result = try decoder.generate(prompt: ids, maxTokens: maxTokens, tokenizer: pair.target.tokenizer, stopStrings: stop,
                                          onCycle: {
                                              try traceFile?.write($0)
                                              if warmResources == nil && decoder.output.count >= warmAt { warmResources = .current() }
                                          },
                                          emit: { piece in if !json { FileHandle.standardOutput.write(Data(piece.utf8)) } })
            totalGenerated += result.ids.count
        }
        try traceFile?.close()
        pair.save(decoder.drafter)
        let endResources = ProcessResources.current()
        result.text = healedText + result.text
        if result.stopReason == .contextFull {
            FileHandle.standardError.write(Data("[generate] stopped early: the context of \(pair.targetContext.capacity) tokens is full; raise --ctx to generate more\n".utf8))
        }
        var summary = RunSummary(result, model: pair.target.path, draft: drafter.needsDraftModel ? pair.draft?.path : nil,
                                 drafter: decoder.drafter, arithmetic: model.exact ? "exact" : "q8-activations")
        summary.runs = runs
        summary.totalGeneratedTokens = totalGenerated
        summary.resources = .init(openFilesStart: startResources.openFiles, openFilesEnd: endResources.openFiles,
                                  rssMibWarm: Double((warmResources ?? endResources).residentBytes) / 1_048_576,
                                  rssMibEnd: Double(endResources.residentBytes) / 1_048_576)
        if json {
            print(try jsonString(summary))
        } else {
            FileHandle.standardOutput.write(Data("\n".utf8))  // unbuffered, like the text: before the summary
            FileHandle.standardError.write(Data((summary.paragraph + "\n").utf8))
        }
    }
}

/// `--prompt -`: standard input as text. Bytes that are not UTF-8 become U+FFFD, with a note saying so.
func readPromptFromStandardInput() -> String {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    if let text = String(validating: data, as: UTF8.self) { return text }
    let text = String(decoding: data, as: UTF8.self)
    let replaced = text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count
    FileHandle.standardError.write(Data("[generate] the prompt on standard input is not valid UTF-8: \(replaced) invalid sequence(s) became U+FFFD\n".utf8))
    return text
}

/// Prompt ids, formatted as a chat turn when asked.
func promptIDs(_ text: String, tokenizer: any Tokenizer, chat: Bool, system: String?, special: Bool = false) -> [TokenID] {
    guard chat else { return tokenizer.encode(text, parseSpecial: special) }
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(.system, system)) }
    messages.append(ChatMessage(.user, text))
    return tokenizer.encode(ChatFormat.matching(tokenizer.vocabulary).render(messages), parseSpecial: true)
}

/// Writes `--trace` lines to a temporary file renamed into place at the end, so a killed run never
/// leaves a half-written trace under the requested name; every line is complete.
final class TraceWriter {
    let path: String
    private let partial: String
    private let handle: FileHandle
    private let tokenizer: any Tokenizer
    private var text = StreamingTextDecoder()

    init(path: String, tokenizer: any Tokenizer) throws {
        self.path = path
        self.tokenizer = tokenizer
        partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil), let h = FileHandle(forWritingAtPath: partial) else {
            throw CommandError("--trace \(path): cannot create the file (does the directory exist and is it writable?)")
        }
        handle = h
    }

    /// One line per cycle, with token texts so that `speculum replay` needs no model.
    func write(_ trace: CycleTrace) throws {
        let pieces = trace.emitted.map { text.push(tokenizer.bytes(of: $0.token, special: false)) }
        let full = trace.withTexts({ tokenizer.pieceText($0) }, output: pieces)
        handle.write(Data((try jsonString(full, pretty: false) + "\n").utf8))
    }

    func close() throws {
        try handle.close()
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }
}

/// The summary of a generation: JSON with `--json`, else a paragraph on standard error.
struct RunSummary: Encodable {
    let model: String
    let draft: String?
    let strategy: String
    let settings: String
    let lossless: Bool
    let arithmetic: String
    let promptIDs: [Int]
    let ids: [Int]
    let text: String
    let stopReason: String
    let promptTokens: Int
    let generatedTokens: Int
    let prefillSeconds: Double
    let timeToFirstTokenSeconds: Double
    let decodeSeconds: Double
    let tokensPerSecond: Double
    let cycles: Int
    let targetPasses: Int
    let draftTokens: Int
    let acceptedTokens: Int
    let acceptanceRate: Double
    let meanAcceptedLength: Double
    let acceptanceByDepth: [Double]
    let acceptedLengthHistogram: [Int]
    let alpha: Double?
    let draftSeconds: Double
    let verifySeconds: Double
    let rollbackSeconds: Double
    var resources: Resources?
    var runs = 1
    var totalGeneratedTokens = 0

    struct Resources: Encodable {
        var openFilesStart, openFilesEnd: Int
        var rssMibWarm, rssMibEnd: Double
    }

    init(_ r: DecodeResult, model: String, draft: String?, drafter: any Drafter, arithmetic: String) {
        let s = r.statistics
        self.model = model
        self.draft = draft
        strategy = r.strategy
        settings = drafter.summary
        lossless = drafter.isLossless
        self.arithmetic = arithmetic
        promptIDs = r.promptIDs
        ids = r.ids
        text = r.text
        stopReason = r.stopReason.rawValue
        promptTokens = r.promptIDs.count
        generatedTokens = r.ids.count
        prefillSeconds = Double(s.prefillNs) / 1e9
        timeToFirstTokenSeconds = Double(s.timeToFirstTokenNs) / 1e9
        decodeSeconds = Double(s.decodeNs) / 1e9
        tokensPerSecond = s.tokensPerSecond
        cycles = s.cycles
        targetPasses = s.targetPasses
        draftTokens = s.draftTokens
        acceptedTokens = s.acceptedTokens
        acceptanceRate = s.acceptanceRate
        meanAcceptedLength = s.meanAcceptedLength
        acceptanceByDepth = s.acceptanceByDepth
        acceptedLengthHistogram = s.lengthHistogram
        alpha = s.alpha
        draftSeconds = Double(s.draftNs) / 1e9
        verifySeconds = Double(s.verifyNs) / 1e9
        rollbackSeconds = Double(s.rollbackNs) / 1e9
    }

    var paragraph: String {
        var p = "[\(settings)\(lossless ? "" : " — LOSSY")] \(promptTokens) prompt tokens in \(fmt(prefillSeconds))s; "
        p += "\(generatedTokens) generated at \(fmt(tokensPerSecond, 1)) tok/s (stop: \(stopReason)); "
        p += "\(cycles) cycles, \(targetPasses) target passes, mean accepted length \(fmt(meanAcceptedLength))"
        if draftTokens > 0 {
            p += ", acceptance \(acceptedTokens)/\(draftTokens) = \(fmt(acceptanceRate * 100, 1))%"
            p += ", by depth " + acceptanceByDepth.prefix(8).map { fmt($0, 2) }.joined(separator: " ")
        }
        if let alpha { p += ", α \(fmt(alpha))" }
        p += "; time draft \(fmt(draftSeconds))s, verify \(fmt(verifySeconds))s, rollback \(fmt(rollbackSeconds, 4))s."
        return p
    }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
