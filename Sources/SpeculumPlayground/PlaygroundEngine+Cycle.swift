import Foundation
import SpeculumEngine

extension PlaygroundEngine {
    /// One cycle of the current strategy, with the per-token views the panes need.
    func cycle() {
        guard snapshot.state != .finished, snapshot.state != .failed else { running = false; return }
        do {
            let before = decoder.output.count
            let (trace, stop) = try decoder.step(budget: config.maxTokens)
            record(trace, from: before)
            if let stop {
                running = false
                snapshot.state = .finished
                snapshot.stopReason = stop == .contextFull ? "context full: raise --ctx" : "\(stop)"
                if decoder.drafter.name == "ar" { snapshot.arTokensPerSecond = decoder.statistics.tokensPerSecond }
            } else if decoder.output.count >= config.maxTokens {
                running = false
                snapshot.state = .finished
                snapshot.stopReason = "budget"
            }
            refresh()
        } catch {
            fail(error)
        }
    }

    /// Turns the decoder's last cycle into token views, a cycle view and a trace line.
    private func record(_ trace: CycleTrace, from before: Int) {
        let tok = pair.target.tokenizer
        let path = decoder.lastResult?.acceptedPath ?? []
        let ctx = decoder.target.context
        var pieces: [String] = []
        for (j, e) in trace.emitted.enumerated() {
            // The target row that produced emitted token j: the root for the first, then the accepted nodes.
            let row = j == 0 ? 0 : path[j - 1] + 1
            let parent = j == 0 ? -1 : path[j - 1]
            let q = decoder.lastTree?.proposals[parent]?.q
            let insight = row < trace.batchSize ? TokenInsight(logits: ctx.logits(row), token: e.token, draft: q) : nil
            for a in (insight?.top ?? []) + (insight?.draftTop ?? []) where snapshot.tokenTexts[a.token] == nil {
                snapshot.tokenTexts[a.token] = String(decoding: tok.bytes(of: a.token, special: true), as: UTF8.self)
            }
            let piece = text.push(tok.bytes(of: e.token, special: false))
            pieces.append(piece)
            snapshot.tokens.append(TokenView(id: e.token, text: piece, origin: e.origin, cycle: trace.cycle, insight: insight))
        }
        snapshot.recentAccepted.append(Double(trace.acceptedCount))
        if snapshot.recentAccepted.count > 120 { snapshot.recentAccepted.removeFirst() }
        let root = decoder.committed.count - trace.emitted.count - 1
        snapshot.cycle = CycleView(
            cycle: trace.cycle, rootText: root >= 0 ? tok.pieceText(decoder.committed[root]) : "",
            nodes: trace.nodes.map { .init(text: tok.pieceText($0.token), node: $0) },
            residualTop: trace.residualTop.map { (tok.pieceText($0.token), $0.p) },
            emitted: trace.emitted.map { (tok.pieceText($0.token), $0.origin) },
            draftNs: trace.draftNs, verifyNs: trace.verifyNs, rollbackNs: trace.rollbackNs, batchSize: trace.batchSize)
        let full = trace.withTexts({ tok.pieceText($0) }, output: pieces)
        traces.append(full)
        if let recorder, let line = try? encodeLine(full) { recorder.write(Data((line + "\n").utf8)) }
    }

    func apply(_ command: Command) {
        snapshot.message = nil
        do {
            switch command {
            case .toggleRun:
                if snapshot.state == .finished { try restart() }
                running.toggle()
                if snapshot.phase != nil { snapshot.phase = nil; snapshot.visibleTokens = nil }
                if snapshot.state != .failed { snapshot.state = running ? .running : .paused }
            case .pause:
                running = false
                if snapshot.state == .running { snapshot.state = .paused }
            case .stepCycle:
                running = false
                snapshot.phase = nil
                snapshot.visibleTokens = nil
                if snapshot.state == .finished { try restart() }
                if snapshot.state != .failed { snapshot.state = .paused; cycle() }
            case .stepPhase:
                running = false
                stepPhase()
            case .restart:
                try restart()
            case .strategy(let name):
                let d = try drafterFor(name)
                try decoder.setDrafter(d)
                snapshot.message = "strategy: \(d.summary)"
            case .set(let key, let value):
                try set(key, value)
            case .nudgePrimary(let delta):
                try nudge(primary: true, delta)
            case .nudgeSecondary(let delta):
                try nudge(primary: false, delta)
            case .nudgeTemperature(let delta):
                let t = min(2, max(0, ((decoder.targetSettings.temperature + delta) * 10).rounded() / 10))
                decoder.targetSettings.temperature = t
                decoder.environment.draftSettings.temperature = t
                snapshot.message = "temperature \(t) (applies from the next cycle)"
            case .prompt(let p):
                prompt = p
                try restart()
            case .race:
                try race()
            case .saveTrace(let path):
                let lines = try traces.map { try encodeLine($0) }.joined(separator: "\n") + "\n"
                try lines.write(toFile: path, atomically: true, encoding: .utf8)
                snapshot.message = "saved \(traces.count) cycles to \(path)"
            case .saveText(let path):
                try (prompt + snapshot.tokens.map(\.text).joined()).write(toFile: path, atomically: true, encoding: .utf8)
                snapshot.message = "saved the text to \(path)"
            case .analyze(let request):
                analyze(request)
            case .quit, .stepBack:
                break
            }
        } catch {
            snapshot.message = "error: \(error)"
        }
        refresh()
    }

    /// Draft → verify → accept, one keypress each. The cycle is computed at the first press; the
    /// panes reveal it in three steps.
    private func stepPhase() {
        switch snapshot.phase {
        case nil, .accepted?:
            if snapshot.state == .finished { try? restart() }
            let before = snapshot.tokens.count
            cycle()
            snapshot.visibleTokens = before
            snapshot.phase = .drafted
        case .drafted?:
            snapshot.phase = .verified
        case .verified?:
            snapshot.phase = .accepted
            snapshot.visibleTokens = nil
        }
        if snapshot.state == .running { snapshot.state = .paused }
    }

    /// `set KEY=VALUE`: seed, temperature, max_tokens, draft_mode, or a knob of the current strategy.
    private func set(_ key: String, _ value: String) throws {
        switch key {
        case "seed":
            guard let s = UInt64(value) else { throw DecoderError.invalidOption("seed=\(value): expected a whole number ≥ 0") }
            decoder.targetSettings.seed = s
            try restart()
        case "temperature":
            guard let t = Float(value), t >= 0, t <= 10 else { throw DecoderError.invalidOption("temperature=\(value): expected 0 to 10") }
            decoder.targetSettings.temperature = t
            decoder.environment.draftSettings.temperature = t
        case "draft_mode":
            guard let m = DraftMode(rawValue: value) else { throw DecoderError.invalidOption("draft_mode=\(value): expected sample or argmax") }
            decoder.environment.draftMode = m
        default:
            let name = decoder.drafter.name
            var s = settings[name] ?? [:]
            s[key] = value
            let d = try StrategyCatalog.make(name, settings: s, targetBlocks: pair.target.model.config.blocks)
            try pair.prepare(d)
            settings[name] = s
            drafters[name] = d
            try decoder.setDrafter(d)
            snapshot.message = "\(d.summary)"
        }
    }

    /// The knobs `[` `]` and `{` `}` move, per strategy, with their step.
    static let knobs: [String: (primary: (String, Double), secondary: (String, Double)?)] = [
        "chain": (("k", 1), ("p_min", 0.1)), "tree": (("branching", 1), nil), "dyspec": (("budget", 2), ("round", 1)),
        "rsd-c": (("branching", 1), nil), "rsd-s": (("width", 1), ("depth", 1)), "lookup": (("k", 1), ("n", 1)),
        "recycling": (("nodes", 2), nil), "aded": (("nodes", 2), ("depth", 1)), "self": (("k", 1), ("layers", 1)),
        "lookahead": (("window", 1), ("n", 1)), "cascade": (("alpha", 0.1), ("k", 1)),
    ]

    private func nudge(primary: Bool, _ delta: Int) throws {
        let name = decoder.drafter.name
        guard let entry = Self.knobs[name], let (key, step) = primary ? entry.primary : entry.secondary else {
            snapshot.message = "\(name) has no \(primary ? "first" : "second") knob"
            return
        }
        let current = settings[name]?[key] ?? currentValue(key)
        let next: String
        if key == "branching" {
            // The first width grows or shrinks; deeper levels stay.
            var widths = current.split(separator: "x").compactMap { Int($0) }
            if widths.isEmpty { widths = [2, 2, 1] }
            widths[0] = max(1, widths[0] + delta)
            next = widths.map(String.init).joined(separator: "x")
        } else if step < 1 {
            next = String(format: "%.2f", (Double(current) ?? 0) + Double(delta) * step)
        } else {
            next = String((Int(current) ?? 0) + delta * Int(step))
        }
        try set(key, next)
    }

    /// A knob's value as the current drafter has it (so the first nudge starts from the default).
    private func currentValue(_ key: String) -> String {
        let d = decoder.drafter
        switch (d, key) {
        case (let c as DraftChainDrafter, "k"): return "\(c.k)"
        case (let c as DraftChainDrafter, "p_min"): return "\(c.pMin)"
        case (let t as StaticTreeDrafter, "branching"): return t.branching.map(String.init).joined(separator: "x")
        case (let t as RSDConstantDrafter, "branching"): return t.branching.map(String.init).joined(separator: "x")
        case (let t as DySpecDrafter, "budget"): return "\(t.budget)"
        case (let t as DySpecDrafter, "round"): return "\(t.round)"
        case (let t as RSDBeamDrafter, "width"): return "\(t.width)"
        case (let t as RSDBeamDrafter, "depth"): return "\(t.depth)"
        case (let t as PromptLookupDrafter, "k"): return "\(t.k)"
        case (let t as PromptLookupDrafter, "n"): return "\(t.maxN)"
        case (let t as TokenRecyclingDrafter, "nodes"): return "\(t.nodes)"
        case (let t as ADEDDrafter, "nodes"): return "\(t.nodes)"
        case (let t as ADEDDrafter, "depth"): return "\(t.depth)"
        case (let t as SelfSpeculativeDrafter, "k"): return "\(t.k)"
        case (let t as SelfSpeculativeDrafter, "layers"): return "\(t.layers)"
        case (let t as LookaheadDrafter, "window"): return "\(t.window)"
        case (let t as LookaheadDrafter, "n"): return "\(t.ngram)"
        case (let t as CascadeDrafter, "alpha"): return "\(t.alpha)"
        case (let t as CascadeDrafter, "k"): return "\(t.k)"
        default: return "0"
        }
    }

    /// Race mode: every strategy on the current prompt in turn (AR first), up to 64 tokens each.
    private func race() throws {
        let current = decoder.drafter
        snapshot.race = []
        snapshot.raceRunning = true
        refresh()
        var reference: [TokenID]?
        var arSpeed = 0.0
        var skipped: [String] = []
        for name in StrategyCatalog.names {
            if worker.hasPending() || worker.isStopping { break }   // a key press interrupts the race
            let drafter: any Drafter
            do {
                drafter = try drafterFor(name)
            } catch DecoderError.vocabularyMismatch {  // no usable draft model (a Gemma target): race the rest
                skipped.append(name)
                continue
            }
            try decoder.setDrafter(drafter)
            let r = try decoder.generate(prompt: promptIDs, maxTokens: min(64, config.maxTokens), tokenizer: pair.target.tokenizer)
            let tps = r.statistics.tokensPerSecond
            if name == "ar" { reference = r.ids; arSpeed = tps; snapshot.arTokensPerSecond = tps }
            let same: Bool? = decoder.targetSettings.temperature == 0 ? (reference == r.ids) : nil
            snapshot.race.append(RaceRow(strategy: name, tokensPerSecond: tps, speedup: arSpeed > 0 ? tps / arSpeed : 0,
                                         meanAcceptedLength: r.statistics.meanAcceptedLength, identical: same))
            refresh()
        }
        snapshot.raceRunning = false
        if !skipped.isEmpty {
            snapshot.message = "race skipped \(skipped.joined(separator: ", ")): the draft model does not share the target's vocabulary"
        }
        try decoder.setDrafter(current)
        try restart()
    }
}

func encodeLine(_ trace: CycleTrace) throws -> String {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try e.encode(trace), as: UTF8.self)
}
