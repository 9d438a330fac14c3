import Testing
import SpeculumEngine

/// Greedy decoding through every strategy is plain greedy decoding: the engine is batch-invariant,
/// so tree, chain and single-token rows agree bitwise and there is no near-tie excuse.
@Suite struct DecoderTests {
    static let prompts: [[TokenID]] = [[1, 2, 3], [5, 5, 5, 5, 6], [0, 1, 0, 1, 0, 1, 2], [7]]
    static let lossless = StrategyCatalog.entries.filter(\.lossless).map(\.name)

    @Test(arguments: lossless)
    func greedyOutputIsTheTargetsGreedyOutput(strategy: String) throws {
        for mode in [DraftMode.sample, .argmax] {
            let decoder = try TinyPair.decoder(try TinyPair.drafter(strategy), settings: SamplerSettings(), mode: mode)
            for prompt in Self.prompts {
                try decoder.start(prompt: prompt)
                while decoder.output.count < 40 { _ = try decoder.step(budget: 40) }
                #expect(Array(decoder.output) == (try TinyPair.greedy(prompt: prompt, count: 40)), "\(strategy) \(mode) prompt \(prompt)")
                let s = decoder.statistics
                #expect(s.emittedTokens == 40 && s.targetPasses == s.cycles)
                #expect(s.acceptedTokens <= s.draftTokens && s.meanAcceptedLength >= 1)
            }
        }
    }

    /// Every strategy runs to the very end of the context and stops there with `.contextFull`: trees
    /// near the end are cut to what still fits, and a further step is a typed error, not a crash.
    @Test(arguments: StrategyCatalog.names)
    func generationStopsCleanlyWhenTheContextIsFull(strategy: String) throws {
        let pool = TinyPair.pool()
        let capacity = 64
        let d = try SpeculativeDecoder(target: InferenceContext(model: TinyPair.target, capacity: capacity, maxBatch: 96, pool: pool),
                                       draft: InferenceContext(model: TinyPair.draft, capacity: capacity + 128, maxBatch: 96, pool: pool),
                                       targetSettings: SamplerSettings(temperature: 0.8, seed: 3), drafter: try TinyPair.drafter(strategy),
                                       endOfGeneration: [])
        try d.start(prompt: [1, 2, 3])
        var stop: SpeculativeDecoder.Stop?
        while stop == nil { stop = try d.step(budget: 100_000).stop }
        #expect(stop == .contextFull)
        #expect(d.committed.count == capacity + 1, "every slot used; the last token waits as the next root")
        #expect(throws: DecoderError.self) { try d.step(budget: 100_000) }
    }

    /// The switch runs each strategy once, then the one with the better rate; one left alone for
    /// `explore` cycles runs again. On a real decode both strategies run and get a rate.
    @Test func theSwitchRunsTheFasterStrategyAndRevisitsTheOther() throws {
        #expect(SwitchDrafter.choose(cycle: 0, lastRun: [-1, -1], rates: [nil, nil], explore: 4) == 0)
        #expect(SwitchDrafter.choose(cycle: 1, lastRun: [0, -1], rates: [10, nil], explore: 4) == 1)
        #expect(SwitchDrafter.choose(cycle: 2, lastRun: [0, 1], rates: [10, 30], explore: 4) == 1)
        #expect(SwitchDrafter.choose(cycle: 3, lastRun: [0, 2], rates: [10, 30], explore: 4) == 1)
        #expect(SwitchDrafter.choose(cycle: 4, lastRun: [0, 3], rates: [10, 30], explore: 4) == 0, "not run for 4 cycles")
        #expect(SwitchDrafter.choose(cycle: 5, lastRun: [4, 3], rates: [40, 30], explore: 4) == 0)
        let s = try #require(try StrategyCatalog.make("switch", settings: ["explore": "3"]) as? SwitchDrafter)
        let decoder = try TinyPair.decoder(s, settings: SamplerSettings(temperature: 0.8, seed: 2))
        try decoder.start(prompt: [1, 2, 3])
        while decoder.output.count < 60 { _ = try decoder.step(budget: 60) }
        #expect(s.rate(0) != nil && s.rate(1) != nil, "\(s.summary)")
        #expect(s.summary.contains("chain") && s.summary.contains("aded"))
    }

    /// ADED's table learns a bigram per new token; its bound keeps memory flat and the strongest entries.
    @Test func theADEDTableStaysWithinItsBound() throws {
        let aded = ADEDDrafter(maxBigrams: 1024)
        // A strong entry with the largest key (ties would keep small keys): only its weight can save it.
        try aded.loadTable("4999 4998 9 2.5\n", source: "test")
        var rng = SplitMix64(seed: 5)
        for _ in 0..<10 {   // random text: every bigram new, each with weight 1
            aded.learn((0..<3000).map { _ in TokenID(Int.random(in: 100..<4998, using: &rng)) })
            #expect(aded.table.count <= 1024)
        }
        #expect(aded.table.count >= 900)
        #expect(aded.table[ADEDDrafter.key(4999, 4998)]?.first?.token == 9, "the strongest bigram survives the bound")
    }

    @Test func theCascadeAlwaysDeferringIsLosslessAndNeverDeferringIsNot() throws {
        let prompt: [TokenID] = [1, 2, 3]
        let greedy = try TinyPair.greedy(prompt: prompt, count: 30)
        let exact = try TinyPair.decoder(CascadeDrafter(rule: .always), settings: SamplerSettings())
        try exact.start(prompt: prompt)
        while exact.output.count < 30 { _ = try exact.step(budget: 30) }
        #expect(Array(exact.output) == greedy)
        #expect(CascadeDrafter(rule: .always).isLossless && !CascadeDrafter(rule: .chow).isLossless)
        let draftOnly = try TinyPair.decoder(CascadeDrafter(rule: .never), settings: SamplerSettings())
        try draftOnly.start(prompt: prompt)
        while draftOnly.output.count < 30 { _ = try draftOnly.step(budget: 30) }
        #expect(Array(draftOnly.output) != greedy, "the draft-only end should differ from the target's greedy output")
    }

    @Test func anEndOfGenerationInsideACycleEndsTheOutputThere() throws {
        let prompt: [TokenID] = [1, 2, 3]
        let greedy = try TinyPair.greedy(prompt: prompt, count: 40)
        // Pick an end id that greedy decoding meets a few tokens in.
        let end = greedy[4...].first { !greedy[..<4].contains($0) } ?? greedy[4]
        let cut = greedy.firstIndex(of: end)!
        for strategy in ["chain", "lookup", "recycling", "tree"] {
            let decoder = try TinyPair.decoder(try TinyPair.drafter(strategy), settings: SamplerSettings(), endOfGeneration: [end])
            try decoder.start(prompt: prompt)
            var stop: SpeculativeDecoder.Stop?
            while stop == nil && decoder.output.count < 40 { stop = try decoder.step(budget: 40).stop }
            #expect(stop == .endOfGeneration, "\(strategy)")
            #expect(Array(decoder.output) == Array(greedy[..<cut]), "\(strategy)")
            #expect(decoder.statistics.emittedTokens == cut)
            // The caches were rolled back to the output: the target holds all of it but the last token
            // (the next root), the draft nothing beyond it.
            let committed = Array(decoder.committed)
            #expect(decoder.target.tokens == Array(committed.dropLast()) && decoder.target.context.length == committed.count - 1)
            if let draft = decoder.environment.draft {
                #expect(draft.context.length == draft.tokens.count && Array(committed.prefix(draft.tokens.count)) == draft.tokens)
            }
        }
    }

    @Test func theBudgetAndStopsCutACycleShort() throws {
        let prompt: [TokenID] = [5, 5, 5, 5, 6]
        let greedy = try TinyPair.greedy(prompt: prompt, count: 20)
        let decoder = try TinyPair.decoder(try TinyPair.drafter("chain"), settings: SamplerSettings())
        try decoder.start(prompt: prompt)
        while decoder.output.count < 7 { _ = try decoder.step(budget: 7) }
        #expect(Array(decoder.output) == Array(greedy[..<7]))
        // A stop after output token 3 (0-based) keeps tokens 0…3.
        try decoder.start(prompt: prompt)
        var stop: SpeculativeDecoder.Stop?
        while stop == nil { stop = try decoder.step(budget: 20, isStop: { $0 == 3 }).stop }
        #expect(stop == .stopString && Array(decoder.output) == Array(greedy[..<4]))
    }

    @Test func strategiesSwitchBetweenCyclesWithoutReloading() throws {
        let prompt: [TokenID] = [0, 1, 0, 1, 0, 1, 2]
        let greedy = try TinyPair.greedy(prompt: prompt, count: 36)
        let decoder = try TinyPair.decoder(AutoregressiveDrafter(), settings: SamplerSettings())
        try decoder.start(prompt: prompt)
        let order = ["chain", "lookup", "dyspec", "recycling", "self", "lookahead", "rsd-s", "aded", "tree", "rsd-c", "ar"]
        var i = 0
        while decoder.output.count < 36 {
            try decoder.setDrafter(try TinyPair.drafter(order[i % order.count]))
            _ = try decoder.step(budget: 36)
            i += 1
        }
        #expect(Array(decoder.output) == greedy)
    }

    @Test func aCachedPromptIsNotEvaluatedAgain() throws {
        let prompt: [TokenID] = [1, 2, 3, 4, 5, 6]
        let decoder = try TinyPair.decoder(AutoregressiveDrafter(), settings: SamplerSettings())
        try decoder.start(prompt: prompt)
        #expect(decoder.target.tokens == Array(prompt.dropLast()))
        _ = try decoder.step(budget: 4)
        // The same prompt again: the cache already holds its first five tokens.
        try decoder.start(prompt: prompt)
        #expect(decoder.target.context.length == 5 && decoder.target.tokens == Array(prompt.dropLast()))
    }

    @Test func pairsMustShareAVocabulary() throws {
        let a = Vocabulary.test(["a", "b", "c", "d"])
        #expect(try checkVocabularies(target: a, targetRows: 4, draft: a, draftRows: 4) == 4)
        // Extra padding at the end of one side is fine; the draft then proposes only shared ids.
        let padded = Vocabulary.test(["a", "b", "c", "d", "[PAD0]"], unusedFrom: 4)
        #expect(try checkVocabularies(target: a, targetRows: 4, draft: padded, draftRows: 5) == 4)
        let other = Vocabulary.test(["a", "b", "x", "d"])
        do {
            _ = try checkVocabularies(target: a, targetRows: 4, draft: other, draftRows: 4)
            Issue.record("a differing token must be refused")
        } catch {
            #expect(error.description.contains("token 2 is 'c' in the target and 'x' in the draft"))
            #expect(error.description.contains("(4 tokens)"))
        }
        let longer = Vocabulary.test(["a", "b", "c", "d", "e"])
        #expect(throws: DecoderError.self) { try checkVocabularies(target: a, targetRows: 4, draft: longer, draftRows: 5) }
    }

    @Test func badStrategySettingsAreRefusedByName() {
        func message(_ name: String, _ settings: [String: String]) -> String {
            do { _ = try StrategyCatalog.make(name, settings: settings); return "" } catch { return error.description }
        }
        #expect(message("nope", [:]).contains("unknown strategy 'nope'"))
        #expect(message("chain", ["k": "0"]).contains("k=0 is out of range (allowed: integer 1 to 32)"))
        #expect(message("chain", ["k": "10000"]).contains("k=10000"))
        #expect(message("chain", ["depth": "3"]).contains("has no setting 'depth'"))
        #expect(message("tree", ["branching": "9x9x9"]).contains("at most 64 nodes"))
        #expect(message("cascade", ["rule": "maybe"]).contains("rule=maybe is unknown"))
        #expect(message("dyspec", ["budget": "0"]).contains("budget=0"))
    }

    @Test func aStrategyThatNeedsADraftModelSaysSo() throws {
        do {
            _ = try SpeculativeDecoder(target: InferenceContext(model: TinyPair.target, capacity: 32), targetSettings: SamplerSettings(),
                                       drafter: DraftChainDrafter(), endOfGeneration: [])
            Issue.record("chain without a draft model must be refused")
        } catch {
            #expect(error.description.contains("needs a draft model"))
        }
    }
}

extension Vocabulary {
    static func test(_ tokens: [String], unusedFrom: Int? = nil) -> Vocabulary {
        Vocabulary(tokens: tokens, types: tokens.indices.map { i in unusedFrom.map { i >= $0 } == true ? .unused : .normal },
                   bos: nil, eos: nil, pad: nil, addBOS: false, endOfGeneration: [])
    }
}
