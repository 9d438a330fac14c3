#if canImport(Glibc)
import Glibc
#endif

/// What a model predicts after a prompt that may end in the middle of a token (`import num`): the
/// plain next-token distribution, the token-healed one, and the exact next-character distribution
/// over cover encodings.
public struct PartialTokenAnalysis: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Equatable, Codable {
        public var token: TokenID
        public var text: String
        public var p: Double
        public init(token: TokenID, text: String, p: Double) {
            self.token = token
            self.text = text
            self.p = p
        }
    }
    /// One cover: tokens whose bytes start with the prompt's last word and that the tokenizer could
    /// have produced (canonical), with their probability after the text before the word.
    public struct Cover: Sendable, Equatable, Codable {
        public var tokens: [TokenID]
        public var pieces: [String]
        public var probability: Double
        /// The character the cover puts right after the word.
        public var nextCharacter: String
        public init(tokens: [TokenID], pieces: [String], probability: Double, nextCharacter: String) {
            self.tokens = tokens
            self.pieces = pieces
            self.probability = probability
            self.nextCharacter = nextCharacter
        }
    }
    public struct Character: Sendable, Equatable, Codable {
        public var character: String
        public var p: Double
        public init(character: String, p: Double) {
            self.character = character
            self.p = p
        }
    }

    /// The prompt's last pre-tokenizer word (" num" in `import num`) and the text before it.
    public var head: String
    public var tail: String
    /// After the whole prompt as tokenized.
    public var plain: [Entry]
    /// Token healing: the last prompt token backed off, the next token constrained to start with its
    /// text, renormalised. `healedMass` is the probability the constraint kept before renormalising.
    public var backedOff: Entry
    public var healed: [Entry]
    public var healedMass: Double
    /// P(next character = c | head, the text continues with tail), over every canonical cover.
    public var nextCharacters: [Character]
    /// The covers, most probable first (at most `coverLimit`), and Σ over all of them:
    /// P(the text after head starts with tail).
    public var covers: [Cover]
    public var coverMass: Double
    /// Probability left unexamined when continuations after a cover ending exactly at the word were
    /// cut to the most likely ones (see `continuationMass`).
    public var uncheckedMass: Double

    public init(head: String, tail: String, plain: [Entry], backedOff: Entry, healed: [Entry], healedMass: Double,
                nextCharacters: [Character], covers: [Cover], coverMass: Double, uncheckedMass: Double) {
        self.head = head
        self.tail = tail
        self.plain = plain
        self.backedOff = backedOff
        self.healed = healed
        self.healedMass = healedMass
        self.nextCharacters = nextCharacters
        self.covers = covers
        self.coverMass = coverMass
        self.uncheckedMass = uncheckedMass
    }
}

extension PartialTokenAnalysis {
    /// Tokens after a cover that ends exactly at the word are examined in decreasing probability
    /// until this much mass is covered (the canonical check encodes each one).
    public static let continuationMass = 1 - 1e-6
    public static let continuationLimit = 5000

    /// - Parameters:
    ///   - state: a model state to evaluate with (its cache is reused for the common prefix and left
    ///     holding `head`'s tokens).
    ///   - prompt: plain text (no chat template), at least one word.
    public static func analyze(prompt: String, state: ModelState, tokenizer: any Tokenizer, top: Int = 10,
                               coverLimit: Int = 30) throws -> PartialTokenAnalysis {
        let words = tokenizer.words(prompt)
        guard let tail = words.last, !tail.isEmpty else { throw DecoderError.emptyPrompt }
        let head = String(prompt.dropLast(tail.count))
        let headTokens = tokenizer.encode(head)
        guard !headTokens.isEmpty else {
            throw DecoderError.invalidOption("the prompt needs some text (or a BOS token) before its last word '\(tail)'")
        }
        func entry(_ t: TokenID, _ p: Double) -> Entry { Entry(token: t, text: tokenizer.pieceText(t), p: p) }
        let usable = tokenizer.vocabulary.count

        // The distribution after `tokens` (softmax at T=1 of the last row), reusing the cache.
        func next(after tokens: [TokenID]) throws -> [Double] {
            try state.sync(to: tokens, logitsForLast: true)
            return softmax(state.context.logits(0), limit: usable)
        }

        // Plain: the prompt as the tokenizer splits it.
        let promptTokens = tokenizer.encode(prompt)
        let plainP = try next(after: promptTokens)
        let plain = topEntries(plainP, top).map { entry($0, plainP[$0]) }

        // Healing: back off the last token; keep the tokens that start with its bytes.
        let last = promptTokens[promptTokens.count - 1]
        let (backP, kept) = try backedOff(promptTokens, state: state, tokenizer: tokenizer)
        let healedMass = kept.reduce(0, +)
        let healed = topEntries(kept, top).filter { kept[$0] > 0 }.map { entry($0, kept[$0] / healedMass) }

        // Covers.
        let tailBytes = Array(tail.utf8)
        func isCanonical(_ tokens: [TokenID]) -> Bool {
            let bytes = tokens.flatMap { tokenizer.bytes(of: $0, special: false) }
            guard let text = String(validating: bytes, as: UTF8.self) else { return false }
            return tokenizer.encode(text, addSpecial: false, parseSpecial: false) == tokens
        }
        func character(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes, as: UTF8.self).first.map(String.init) ?? ""
        }
        var covers: [Cover] = []
        // log P(tokens | head) and the distribution after them, for a canonical prefix of the word.
        func walk(_ tokens: [TokenID]) throws -> (logP: Double, next: [Double]) {
            var logP = 0.0
            var seq = headTokens
            for t in tokens {
                let p = try next(after: seq)
                logP += log(p[t])
                seq.append(t)
            }
            return (logP, try next(after: seq))
        }
        // The first tokens cover tail[..<j] exactly (canonically: the tokenizer's split of those
        // bytes, since a prefix of a canonical BPE encoding is canonical); the last one starts with
        // the rest of the word and may run past it.
        for j in 0..<tailBytes.count {
            guard let prefixText = String(validating: tailBytes[..<j], as: UTF8.self) else { continue }
            let prefix = j == 0 ? [] : tokenizer.encode(prefixText, addSpecial: false, parseSpecial: false)
            let (logP, p) = try walk(prefix)
            guard logP > -.infinity else { continue }
            let rest = tailBytes[j...]
            for t in 0..<usable where p[t] > 0 {
                let b = tokenizer.bytes(of: t, special: false)
                guard b.count > rest.count, b.starts(with: rest) else { continue }
                let cover = prefix + [t]
                guard isCanonical(cover) else { continue }
                covers.append(Cover(tokens: cover, pieces: cover.map(tokenizer.pieceText), probability: exp(logP) * p[t],
                                    nextCharacter: character(b[rest.count...])))
            }
        }
        // The cover that ends exactly at the word (the word's own encoding), then any next token.
        let whole = tokenizer.encode(tail, addSpecial: false, parseSpecial: false)
        let (logWhole, after) = try walk(whole)
        var unchecked = 0.0
        if logWhole > -.infinity {
            var examined = 0.0, count = 0
            for t in topEntries(after, usable) {
                if examined >= continuationMass || count >= continuationLimit { unchecked += after[t]; continue }
                examined += after[t]
                count += 1
                let b = tokenizer.bytes(of: t, special: false)
                guard !b.isEmpty, isCanonical(whole + [t]) else { continue }
                covers.append(Cover(tokens: whole + [t], pieces: (whole + [t]).map(tokenizer.pieceText),
                                    probability: exp(logWhole) * after[t], nextCharacter: character(b[...])))
            }
            unchecked *= exp(logWhole)
        }
        try state.sync(to: headTokens, logitsForLast: false)

        let mass = covers.reduce(0) { $0 + $1.probability }
        var byCharacter: [String: Double] = [:]
        for c in covers { byCharacter[c.nextCharacter, default: 0] += c.probability }
        let characters = byCharacter.map { Character(character: $0.key, p: mass > 0 ? $0.value / mass : 0) }
            .sorted { $0.p != $1.p ? $0.p > $1.p : $0.character < $1.character }
        covers.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.tokens.lexicographicallyPrecedes($1.tokens) }
        return PartialTokenAnalysis(head: head, tail: tail, plain: plain, backedOff: entry(last, backP[last]), healed: healed,
                                    healedMass: healedMass, nextCharacters: characters, covers: Array(covers.prefix(coverLimit)),
                                    coverMass: mass, uncheckedMass: unchecked)
    }

    /// Softmax at temperature 1 over the first `limit` logits (padding rows excluded), in double.
    static func softmax(_ logits: UnsafeBufferPointer<Float>, limit: Int) -> [Double] {
        let n = min(limit, logits.count)
        var m = -Float.infinity
        for i in 0..<n where logits[i] > m { m = logits[i] }
        var out = [Double](repeating: 0, count: n)
        var sum = 0.0
        for i in 0..<n {
            out[i] = exp(Double(logits[i] - m))
            sum += out[i]
        }
        for i in 0..<n { out[i] /= sum }
        return out
    }

    /// Indices of the k largest values, largest first (ties by lower index).
    static func topEntries(_ v: [Double], _ k: Int) -> [Int] {
        if k >= v.count { return v.indices.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 } }
        return VocabularyKeys.largest(v.map(Float.init), k: k, below: v.count).map(\.token)
    }
}

extension PartialTokenAnalysis {
    /// Token healing for generation: the prompt with its last token replaced by the most likely
    /// token that starts with that token's text (or the prompt unchanged when it is the only one),
    /// and how many characters of the healed token's text the prompt already shows.
    public static func heal(_ prompt: [TokenID], state: ModelState, tokenizer: any Tokenizer) throws -> (tokens: [TokenID], shownCharacters: Int) {
        guard prompt.count >= 2 else { return (prompt, 0) }
        let lastBytes = tokenizer.bytes(of: prompt[prompt.count - 1], special: false)
        guard !lastBytes.isEmpty else { return (prompt, 0) }
        let (_, kept) = try backedOff(prompt, state: state, tokenizer: tokenizer)
        let best = topEntries(kept, 1)[0]   // the last token itself always qualifies
        return (Array(prompt.dropLast()) + [best], String(decoding: lastBytes, as: UTF8.self).count)
    }

    /// The healing constraint: the distribution after `prompt` without its last token, and the same
    /// with every token that does not start with the last token's bytes set to 0 (not renormalised).
    static func backedOff(_ prompt: [TokenID], state: ModelState, tokenizer: any Tokenizer) throws -> (p: [Double], kept: [Double]) {
        let lastBytes = tokenizer.bytes(of: prompt[prompt.count - 1], special: false)
        try state.sync(to: Array(prompt.dropLast()), logitsForLast: true)
        let p = softmax(state.context.logits(0), limit: tokenizer.vocabulary.count)
        var kept = [Double](repeating: 0, count: p.count)
        for t in 0..<p.count where p[t] > 0 && tokenizer.bytes(of: t, special: false).starts(with: lastBytes) { kept[t] = p[t] }
        return (p, kept)
    }
}
