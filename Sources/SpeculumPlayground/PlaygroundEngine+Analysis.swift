import Dispatch
import SpeculumEngine

/// The analysis views, computed on the worker between cycles. They borrow the decoder's target
/// state (its cache is put back as cycles expect), so a view of a recent token costs a token or two
/// of evaluation, not a new prefill.
extension PlaygroundEngine {
    func analyze(_ request: AnalysisRequest) {
        snapshot.analysis = .computing(request.kind)
        worker.publish(snapshot)
        do {
            snapshot.analysis = try compute(request)
        } catch {
            snapshot.analysis = .unavailable(request.kind, "\(error)")
        }
    }

    private func compute(_ request: AnalysisRequest) throws -> AnalysisView {
        let tok = pair.target.tokenizer
        let outputCount = decoder.committed.count - decoder.promptLength
        switch request.kind {
        case .healing:
            if config.chat { return .unavailable(.healing, "the prompt is a chat turn: healing looks at plain prompts that end mid-word") }
            return .healing(try decoder.borrowTarget { try PartialTokenAnalysis.analyze(prompt: prompt, state: $0, tokenizer: tok) })
        case .navigation:
            let rounds = request.rounds ?? 3
            let keys = try vocabularyKeys()
            let result = try decoder.borrowTarget {
                try Exploration.navigate(question: prompt, rounds: rounds, maxTokens: 24, target: $0, tokenizer: tok, keys: keys)
            }
            return .navigation(question: prompt, rounds: result)
        case .neighbourhood, .lens:
            guard outputCount > 0 else { return .unavailable(request.kind, "no output token yet: run a cycle first (n or Space)") }
            let index = min(request.token ?? outputCount - 1, outputCount - 1)
            let position = decoder.promptLength + index   // the token's index in committed
            let committed = Array(decoder.committed)
            if request.kind == .lens {
                let target = try decoder.borrowTarget { try LogitLens.compute(state: $0, tokens: committed, position: position - 1) }
                let draft = try decoder.environment.draft.map { try LogitLens.compute(state: $0, tokens: committed, position: position - 1) }
                return .lens(AnalysisView.Lens(position: index, tokenText: tok.pieceText(committed[position]),
                                               target: PositionAnalysis.LensRow.rows(target, tokenizer: tok), draft: draft.map { PositionAnalysis.LensRow.rows($0, tokenizer: tok) }))
            }
            let keys = try vocabularyKeys()
            var query = committed[position]
            if let text = request.query {
                let ids = tok.encode(text, addSpecial: false, parseSpecial: false)
                guard ids.count == 1 else {
                    return .unavailable(.neighbourhood, "'\(text)' is \(ids.count) tokens; :neighbours takes the text of one token")
                }
                query = ids[0]
            }
            // The distribution that produced the token: the target after everything before it.
            let p = try decoder.borrowTarget { state -> Distribution in
                try state.sync(to: Array(committed[..<position]), logitsForLast: true)
                let logits = state.context.logits(0)
                return Sampler.distribution(UnsafeBufferPointer(rebasing: logits[0..<min(keys.usable, logits.count)]),
                                            settings: SamplerSettings(temperature: 1))
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let near = keys.neighbourhood(of: query, k: 12, in: p)
            let queryMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            let bias = KeySpaceBias.measure(keys: keys, distribution: p)
            return .neighbourhood(AnalysisView.Neighbourhood(
                position: index, query: PositionAnalysis.Ranked(token: query, text: tok.pieceText(query), p: p.p(query)),
                queryRank: p.rank(of: query) ?? p.tokens.count + 1,
                neighbours: near.map { PositionAnalysis.Neighbour($0, tokenizer: tok) },
                biasMiddleShare: bias.middleShare, biasRandomShare: bias.randomShare, biasNeighbourK: bias.neighbourK,
                keys: PositionAnalysis.KeysInfo(precision: keys.precision.rawValue, rows: keys.rows, megabytes: Double(keys.bytes) / 1_048_576,
                                                preparationMs: Double(keys.preparationNs) / 1e6, queryMs: [queryMs], queryMedianMs: queryMs)))
        }
    }

    private func vocabularyKeys() throws -> VocabularyKeys {
        if let keys { return keys }
        snapshot.message = "preparing the vocabulary keys (once)…"
        worker.publish(snapshot)
        let k = VocabularyKeys(model: pair.target.model, usable: pair.target.tokenizer.vocabulary.count, pool: pair.targetContext.pool)
        keys = k
        snapshot.message = nil
        return k
    }
}
