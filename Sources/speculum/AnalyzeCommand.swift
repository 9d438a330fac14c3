import ArgumentParser
import Foundation
import SpeculumEngine

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Everything the analysis views show about one position of a prompt.",
        discussion: """
            For the distribution after token --position (default: the prompt's last): the top tokens with \
            entropy and margins; the nearest vocabulary keys (LM-head rows, by cosine) of the top-1 or \
            --token, with their probability and rank; the key-space bias (ranks 1–100 marked when their key \
            is near a top-3 token's, against a random sample); the logit lens of target and draft; for a \
            prompt ending mid-word, the plain, token-healed and exact next-character distributions; and a \
            greedy continuation with each token's uncertainty and draft contrast, aggregated as a cascade \
            would. With --navigate N, asks the prompt as a question N times, listing the answers so far.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The prompt text, or - to read standard input (plain text; add --chat for a chat turn).")
    var prompt: String

    @Flag(help: "Format the prompt as a chat turn with the model's chat template.")
    var chat = false

    @Option(help: "The token index whose next-token distribution is analysed (0-based; default: the last).")
    var position: Int?

    @Option(help: "The token whose key neighbourhood is shown: an id or its exact text (default: the top-1).")
    var token: String?

    @Option(help: "How many nearest keys to list (1–1000).")
    var neighbours = 10

    @Option(help: "Neighbourhood size of each top token in the key-space bias (1–10000).")
    var biasK = 100

    @Option(help: "Greedy continuation length for the uncertainty view (0–512).")
    var continueTokens = 16

    @Option(help: "Token probability below which a cascade would defer (0–1).")
    var threshold = 0.5

    @Option(help: "How the keys are stored: f16 (our F16C kernel) or f32 (OpenBLAS sgemv).")
    var keys: VocabularyKeys.Precision = .f16

    @Option(help: "The draft model for the lens and the contrast: a registry name, a GGUF path, or none.")
    var draft: String = ModelRegistry.defaultDraft

    @Option(help: "In-context navigation: ask the prompt this many rounds (1–20), listing earlier answers.")
    var navigate: Int?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(neighbours) else { throw ValidationError("--neighbours \(neighbours) is out of range (allowed: 1 to 1000)") }
        guard (1...10000).contains(biasK) else { throw ValidationError("--bias-k \(biasK) is out of range (allowed: 1 to 10000)") }
        guard (0...512).contains(continueTokens) else { throw ValidationError("--continue-tokens \(continueTokens) is out of range (allowed: 0 to 512)") }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold \(threshold) is out of range (allowed: 0 to 1)") }
        if let n = navigate, !(1...20).contains(n) { throw ValidationError("--navigate \(n) is out of range (allowed: 1 to 20)") }
        if let p = position, p < 0 { throw ValidationError("--position \(p) is negative (allowed: 0 to the prompt's tokens − 1)") }
    }

    func run() throws {
        let (target, context) = try model.load()
        let tokenizer = target.tokenizer
        let text = prompt == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : prompt
        guard !text.isEmpty else { throw CommandError("--prompt is empty: give at least one character of text") }
        let keyMatrix = VocabularyKeys(model: target.model, usable: tokenizer.vocabulary.count, precision: keys, pool: context.pool)
        let state = ModelState(context: context)

        if let rounds = navigate {
            let result = try Exploration.navigate(question: text, rounds: rounds, maxTokens: 24, target: state,
                                                  tokenizer: tokenizer, keys: keyMatrix)
            if json { print(try jsonString(result)); return }
            print("In-context navigation: \(text)")
            for r in result {
                let near = r.nearestCosine.map { String(format: "nearest earlier first token: round %d, cosine %.3f", r.nearestRound ?? 0, $0) } ?? "first answer"
                print(String(format: "%2d. %@  [first token %@; %@]", r.round, r.answer, shown(r.firstPiece), near))
            }
            return
        }

        var draftState: ModelState?
        if draft != "none" {
            let d = try LoadedModel(draft)
            _ = try checkVocabularies(target: tokenizer.vocabulary, targetRows: target.model.config.vocabulary,
                                      draft: d.tokenizer.vocabulary, draftRows: d.model.config.vocabulary)
            draftState = ModelState(context: InferenceContext(model: d.model, capacity: context.capacity,
                                                              arithmetic: context.arithmetic, pool: context.pool))
        }
        let ids = promptIDs(text, tokenizer: tokenizer, chat: chat, system: nil)
        let position = self.position ?? ids.count - 1
        guard position < ids.count else {
            throw CommandError("--position \(position) is outside the prompt's \(ids.count) tokens (allowed: 0 to \(ids.count - 1))")
        }
        var options = PositionAnalysis.Options()
        options.neighbours = neighbours
        options.biasK = biasK
        options.continuation = continueTokens
        options.deferThreshold = threshold
        options.queryToken = try token.map { try tokenID($0, tokenizer: tokenizer) }
        let report = try PositionAnalysis.run(target: state, draft: draftState, tokenizer: tokenizer, keys: keyMatrix, tokens: ids,
                                              position: position, prompt: chat ? nil : text, options: options)
        if json { print(try jsonString(report)) } else { print(report.text.joined(separator: "\n")) }
    }

    /// An id, or the exact text of one token.
    func tokenID(_ s: String, tokenizer: any Tokenizer) throws -> TokenID {
        if let id = Int(s) {
            guard id >= 0, id < tokenizer.vocabulary.count else {
                throw CommandError("--token \(id) is outside the vocabulary (allowed: 0 to \(tokenizer.vocabulary.count - 1))")
            }
            return id
        }
        let ids = tokenizer.encode(s, addSpecial: false, parseSpecial: false)
        guard ids.count == 1 else {
            throw CommandError("--token '\(s)' is \(ids.count) tokens (\(ids.map(tokenizer.pieceText).map(shown).joined(separator: " "))); give the text of one token or its id")
        }
        return ids[0]
    }
}

/// A token's text quoted, with control characters made visible (spaces stay spaces).
func shown(_ s: String) -> String { "'" + visible(s, space: " ") + "'" }

extension PositionAnalysis {
    /// The report as text, section by section.
    var text: [String] {
        func pct(_ p: Float) -> String { String(format: "%6.2f%%", 100 * p) }
        func pct(_ p: Double) -> String { String(format: "%6.2f%%", 100 * p) }
        var out: [String] = []
        out.append("Position \(position) of \(promptTokens) (after \(shown(positionText))): entropy \(String(format: "%.3f", entropy)) nats, "
                   + "margin \(String(format: "%.3f", probabilityMargin)) (p) / \(String(format: "%.3f", logitMargin)) (logit)")
        for (i, r) in next.enumerated() { out.append("  \(String(i + 1).leftPad(2)). \(pct(r.p))  \(shown(r.text))") }

        out.append("")
        out.append("Nearest keys to \(shown(query.text)) (p \(pct(query.p))); keys \(keys.precision), \(String(format: "%.0f", keys.megabytes)) MB, "
                   + "prepared in \(String(format: "%.0f", keys.preparationMs)) ms; query median \(String(format: "%.1f", keys.queryMedianMs)) ms")
        out.append("  cosine   p         rank    token")
        for n in neighbours {
            out.append("  \(String(format: "%.3f", n.cosine))    \(pct(n.p))  \(String(n.rank).leftPad(6))  \(shown(n.text))")
        }

        out.append("")
        out.append("Key-space bias: ranks 11–100 that are among the \(biasNeighbourK) nearest keys of a top-3 token: "
                   + "\(pct(biasMiddleShare)) (random vocabulary sample: \(pct(biasRandomShare)); expected \(pct(biasExpectedShare)))")
        let marked = bias.filter { $0.neighbourOf != nil }.prefix(12)
            .map { "#\($0.rank) \(shown($0.text))→top\($0.neighbourOf!)" }
        if !marked.isEmpty { out.append("  " + marked.joined(separator: "  ")) }

        func lensLines(_ title: String, _ rows: [LensRow]) {
            out.append("")
            out.append("Logit lens (\(title)): block, entropy, top \(rows.first?.top.count ?? 0)")
            for r in rows {
                let tops = r.top.map { "\(shown($0.text)) \(String(format: "%.2f", $0.p))" }.joined(separator: "  ")
                out.append("  \(String(r.block).leftPad(3))  \(String(format: "%5.2f", r.entropy))  \(tops)")
            }
        }
        lensLines("target", targetLens)
        if let d = draftLens { lensLines("draft", d) }

        if let h = partial {
            out.append("")
            out.append("The prompt ends in the word \(shown(h.tail)):")
            out.append("  plain next token:  " + h.plain.prefix(5).map { "\(shown($0.text)) \(pct($0.p))" }.joined(separator: "  "))
            out.append("  token-healed (back off \(shown(h.backedOff.text)), kept \(pct(h.healedMass))):  "
                       + h.healed.prefix(5).map { "\(shown($0.text)) \(pct($0.p))" }.joined(separator: "  "))
            out.append("  next character (exact, over \(h.covers.count) listed covers, P(word) \(String(format: "%.3g", h.coverMass))):  "
                       + h.nextCharacters.prefix(8).map { "\(shown($0.character)) \(pct($0.p))" }.joined(separator: "  "))
            for c in h.covers.prefix(8) {
                out.append("    \(String(format: "%.3e", c.probability))  \(c.pieces.map(shown).joined(separator: " + "))  → \(shown(c.nextCharacter))")
            }
        }

        if !continuation.isEmpty {
            out.append("")
            out.append("Greedy continuation: p, entropy, margin, rank; with the draft: KL(p‖q), TV, log p − log q")
            for c in continuation {
                let x = c.insight
                var line = "  \(pct(c.p))  H \(String(format: "%.2f", x.entropy))  m \(String(format: "%.2f", x.probabilityMargin))"
                if let kl = x.kl, let tv = x.totalVariation { line += "  KL \(String(format: "%.3f", kl))  TV \(String(format: "%.3f", tv))" }
                if let cs = x.criticalScore { line += "  crit \(String(format: "%+.2f", cs))" }
                out.append(line + "  \(shown(c.text))")
            }
            let u = uncertainty
            out.append("  Σ log p \(String(format: "%.2f", u.sumLogProbability)), mean p \(String(format: "%.3f", u.meanProbability)), "
                       + "min \(String(format: "%.3f", u.minProbability)), q10 \(String(format: "%.3f", u.quantile10)), "
                       + "q25 \(String(format: "%.3f", u.quantile25)), median \(String(format: "%.3f", u.median))")
            out.append("  a cascade with threshold \(u.threshold) defers \(u.deferred.count) of \(u.count) tokens"
                       + (u.deferred.isEmpty ? "" : ": positions " + u.deferred.map(String.init).joined(separator: ", ")))
        }
        return out
    }
}
extension VocabularyKeys.Precision: ExpressibleByArgument {}
