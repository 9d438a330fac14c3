#if canImport(Glibc)
import Glibc
#endif

/// One token of a greedy continuation, with how sure the target was and how the draft saw it.
public struct InsightToken: Sendable, Codable {
    public var token: TokenID
    public var text: String
    public var insight: TokenInsight
    /// The target's probability of the token (T = 1).
    public var p: Float
}

/// One round of in-context navigation: the answer given after the earlier ones were listed.
public struct NavigationRound: Sendable, Codable, Equatable {
    public var round: Int              // 1-based
    public var answer: String          // its first line
    public var firstToken: TokenID
    public var firstPiece: String
    /// The largest cosine between this answer's first-token key and an earlier answer's, and which
    /// round that was (nil in round 1).
    public var nearestCosine: Float?
    public var nearestRound: Int?
    public init(round: Int, answer: String, firstToken: TokenID, firstPiece: String, nearestCosine: Float?, nearestRound: Int?) {
        self.round = round
        self.answer = answer
        self.firstToken = firstToken
        self.firstPiece = firstPiece
        self.nearestCosine = nearestCosine
        self.nearestRound = nearestRound
    }
}

public enum Exploration {
    /// `count` greedy tokens after `tokens` under the target, each with its insight: the target's
    /// entropy, margins, rank and surprisal, and with a draft the KL, TV and critical-token score
    /// against the draft's T = 1 distribution at the same position. Stops at end of generation.
    public static func continuation(target: ModelState, draft: ModelState?, after tokens: [TokenID], count: Int,
                                    tokenizer: any Tokenizer, topK: Int = 5) throws -> [InsightToken] {
        var seq = tokens
        var out: [InsightToken] = []
        let t1 = SamplerSettings(temperature: 1)
        for _ in 0..<count {
            var q: Distribution?
            if let draft {
                try draft.sync(to: seq, logitsForLast: true)
                q = Sampler.distribution(draft.context.logits(0), settings: t1)
            }
            try target.sync(to: seq, logitsForLast: true)
            let logits = target.context.logits(0)
            let next = Sampler.argmax(logits)
            let insight = TokenInsight(logits: logits, token: next, draft: q, topK: topK)
            out.append(InsightToken(token: next, text: tokenizer.pieceText(next), insight: insight,
                                    p: Float(exp(-insight.surprisal))))
            if tokenizer.isEndOfGeneration(next) { break }
            seq.append(next)
        }
        return out
    }

    /// The user message of navigation round k: the question, then the answers so far, asking for another.
    public static func navigationPrompt(question: String, explored: [String]) -> String {
        guard !explored.isEmpty else { return question }
        let list = explored.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        return "\(question)\nAnswers already given:\n\(list)\nGive another answer, different from all of these. Answer with the answer only."
    }

    /// In-context navigation (after the vocabulary-key paper): ask `question`, then ask again `rounds − 1`
    /// times with the answers so far listed in the prompt, decoding greedily each time. Reports how far
    /// each new answer's first-token key lies from the earlier ones: the paper finds the model moves
    /// away in key space only slowly, because first tokens near an explored key stay likely.
    public static func navigate(question: String, rounds: Int, maxTokens: Int, target: ModelState,
                                tokenizer: any Tokenizer, keys: VocabularyKeys) throws -> [NavigationRound] {
        var explored: [String] = []
        var firstTokens: [TokenID] = []
        var out: [NavigationRound] = []
        for round in 1...max(1, rounds) {
            let text = ChatFormat.matching(tokenizer.vocabulary).render([ChatMessage(.user, navigationPrompt(question: question, explored: explored))])
            var seq = tokenizer.encode(text, parseSpecial: true)
            var answer: [TokenID] = []
            for _ in 0..<maxTokens {
                try target.sync(to: seq, logitsForLast: true)
                let next = Sampler.argmax(target.context.logits(0))
                if tokenizer.isEndOfGeneration(next) { break }
                answer.append(next)
                seq.append(next)
                if tokenizer.decode(answer).contains("\n") { break }
            }
            let line = tokenizer.decode(answer).split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            let first = answer.first ?? -1
            var nearest: (cosine: Float, round: Int)?
            if first >= 0 && !firstTokens.isEmpty {
                let cos = keys.cosines(to: first)
                for (i, t) in firstTokens.enumerated() where t >= 0 && (nearest == nil || cos[t] > nearest!.cosine) {
                    nearest = (cos[t], i + 1)
                }
            }
            out.append(NavigationRound(round: round, answer: line.trimmingSpaces, firstToken: first,
                                       firstPiece: first >= 0 ? tokenizer.pieceText(first) : "",
                                       nearestCosine: nearest?.cosine, nearestRound: nearest?.round))
            explored.append(line.trimmingSpaces)
            firstTokens.append(first)
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
