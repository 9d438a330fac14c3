#if canImport(Glibc)
import Glibc
#endif

/// ADED (Liu et al.): a table from the last two tokens to up to 12 likely next tokens, nudged toward
/// the current text on every call (each trigram in the last 16 tokens gains 0.04, capped at 3), and a
/// small Monte-Carlo tree search over it whose most-visited nodes form the draft tree (R3). No draft
/// model. Seeded from the prompt, from any corpus given to `learn`, and from tables saved earlier.
public final class ADEDDrafter: Drafter {
    public static let successors = 12
    public var nodes: Int
    public var depth: Int
    public var iterations: Int
    /// The most bigrams the table keeps. Every generated token can add one, so without a bound a long
    /// run's memory would grow with its length; past the bound the weakest tenth is dropped.
    public var maxBigrams: Int
    /// (a, b) packed as a << 32 | b → (next, weight), heaviest first, at most 12.
    public private(set) var table: [UInt64: [(token: TokenID, weight: Float)]] = [:]

    public init(nodes: Int = 10, depth: Int = 4, iterations: Int = 150, maxBigrams: Int = 262_144) {
        self.nodes = nodes
        self.depth = depth
        self.iterations = iterations
        self.maxBigrams = max(16, maxBigrams)
    }
    public var name: String { "aded" }
    public var summary: String { "ADED: nodes=\(nodes) depth=\(depth) iterations=\(iterations) bigrams≤\(maxBigrams); table of \(table.count) bigrams" }

    public static func key(_ a: TokenID, _ b: TokenID) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: a)) << 32 | UInt64(UInt32(truncatingIfNeeded: b)) }

    /// Adds a corpus's trigram statistics: per bigram, the conditional frequencies of the next token.
    public func learn(_ tokens: [TokenID]) {
        guard tokens.count >= 3 else { return }
        var counts: [UInt64: [TokenID: Int]] = [:]
        for i in 0..<(tokens.count - 2) { counts[Self.key(tokens[i], tokens[i + 1]), default: [:]][tokens[i + 2], default: 0] += 1 }
        for (k, nexts) in counts {
            let total = Float(nexts.values.reduce(0, +))
            var merged = Dictionary(uniqueKeysWithValues: (table[k] ?? []).map { ($0.token, $0.weight) })
            for (t, c) in nexts { merged[t] = max(merged[t] ?? 0, Float(c) / total) }
            table[k] = Self.prune(merged)
        }
        bound()
    }

    static func prune(_ weights: [TokenID: Float]) -> [(token: TokenID, weight: Float)] {
        Array(weights.map { (token: $0.key, weight: $0.value) }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.token < $1.token }.prefix(successors))
    }

    private func boost(_ recent: ArraySlice<TokenID>) {
        let r = Array(recent)
        guard r.count >= 3 else { return }
        for i in 0..<(r.count - 2) {
            let k = Self.key(r[i], r[i + 1])
            var list = table[k] ?? []
            if let j = list.firstIndex(where: { $0.token == r[i + 2] }) {
                list[j].weight = min(3, list[j].weight + 0.04)
            } else {
                list.append((r[i + 2], 0.04))
            }
            table[k] = Self.prune(Dictionary(list.map { ($0.token, $0.weight) }, uniquingKeysWith: max))
        }
        bound()
    }

    /// Keeps the table within `maxBigrams`: drops the bigrams whose strongest successor is weakest
    /// (ties: the larger key), down to nine tenths of the bound, so the sort runs once per tenth.
    func bound() {
        guard table.count > maxBigrams else { return }
        let keep = maxBigrams * 9 / 10
        let ranked = table.map { (key: $0.key, weight: $0.value.first?.weight ?? 0) }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.key < $1.key }
        for e in ranked[keep...] { table[e.key] = nil }
    }

    public func begin(_ env: DraftEnvironment) throws { learn(env.committed) }

    private struct Node {
        var token: TokenID
        var parent: Int
        var depth: Int
        var prior: Double
        var children: [Int] = []
        var visits = 0.0
        var value = 0.0
        var expanded = false
    }

    public func propose(_ env: DraftEnvironment) throws -> DraftTree {
        let s = env.committed
        boost(s.suffix(16))
        guard s.count >= 2 else { return DraftTree() }
        var search = [Node(token: s[s.count - 1], parent: -1, depth: 0, prior: 1)]
        let previous = s[s.count - 2]
        func state(_ i: Int) -> (TokenID, TokenID) {
            (search[i].parent >= 0 ? search[search[i].parent].token : previous, search[i].token)
        }
        func successors(_ a: TokenID, _ b: TokenID) -> [(token: TokenID, p: Double)] {
            let list = table[Self.key(a, b)] ?? []
            let total = list.reduce(0.0) { $0 + Double($1.weight) }
            return total > 0 ? list.map { ($0.token, Double($0.weight) / total) } : []
        }
        let maxDepth = min(depth, env.remainingBudget)
        for _ in 0..<iterations {
            // Selection by PUCT (AlphaZero's constants as ADED uses them); unvisited children first.
            var i = 0, reward = 1.0
            while search[i].expanded && !search[i].children.isEmpty {
                let n = search[i].visits
                let c = 1.814 + log((n + 8 + 1) / 8)
                i = search[i].children.max { a, b in
                    func score(_ j: Int) -> Double {
                        let m = search[j]
                        return m.visits == 0 ? .infinity : m.value / m.visits + c * m.prior * n.squareRoot() / (1 + m.visits)
                    }
                    return score(a) != score(b) ? score(a) < score(b) : a > b
                }!
                reward += search[i].prior
            }
            // Expansion: every successor at once.
            if !search[i].expanded && search[i].depth < maxDepth {
                search[i].expanded = true
                let (a, b) = state(i)
                for (t, p) in successors(a, b) {
                    search.append(Node(token: t, parent: i, depth: search[i].depth + 1, prior: p))
                    search[i].children.append(search.count - 1)
                }
            }
            // Rollout: successors drawn by probability to the depth limit.
            var (a, b) = state(i)
            var d = search[i].depth
            while d < maxDepth {
                let next = successors(a, b)
                guard !next.isEmpty else { break }
                var u = Double(env.rng.uniform()), pick = next[next.count - 1]
                for c in next { u -= c.p; if u < 0 { pick = c; break } }
                reward += pick.p
                (a, b) = (b, pick.token)
                d += 1
            }
            // Backup.
            var j = i
            while j >= 0 {
                search[j].visits += 1
                search[j].value += reward
                j = search[j].parent
            }
        }
        // The most visited nodes form a connected tree: a parent is visited at least as often as a child.
        let ranked = search.indices.dropFirst().filter { search[$0].visits > 0 }
            .sorted { search[$0].visits != search[$1].visits ? search[$0].visits > search[$1].visits : search[$0].depth < search[$1].depth || (search[$0].depth == search[$1].depth && $0 < $1) }
            .prefix(nodes)
        let chosen = Set(ranked)
        var tree = DraftTree()
        var map: [Int: Int] = [0: -1]
        for i in search.indices.dropFirst() where chosen.contains(i) {
            guard let parent = map[search[i].parent] else { continue }
            tree.setProposal(.deterministic(q: nil), for: parent)
            map[i] = tree.add(search[i].token, parent: parent)
        }
        return tree
    }

    public func observe(_ o: CycleObservation, _ env: DraftEnvironment) {
        learn(Array((env.committed + o.emitted).suffix(o.emitted.count + 2)))
    }

    /// The table as text: one line per entry, "a b next weight".
    public func savedTable() -> String {
        var lines: [String] = []
        for k in table.keys.sorted() {
            for e in table[k]! { lines.append("\(k >> 32) \(k & 0xFFFF_FFFF) \(e.token) \(e.weight)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Merges a table written by `savedTable`. Errors name the line.
    public func loadTable(_ text: String, source: String) throws {
        var n = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            if line.isEmpty { continue }
            let f = line.split(separator: " ")
            guard f.count == 4, let a = UInt32(f[0]), let b = UInt32(f[1]), let t = Int(f[2]), let w = Float(f[3]), w.isFinite, w >= 0 else {
                throw DecoderError.invalidOption("\(source):\(n): expected 'a b next weight' (three token ids and a weight), got '\(line.prefix(60))'")
            }
            let k = Self.key(TokenID(a), TokenID(b))
            var merged = Dictionary((table[k] ?? []).map { ($0.token, $0.weight) }, uniquingKeysWith: max)
            merged[t] = max(merged[t] ?? 0, w)
            table[k] = Self.prune(merged)
        }
        bound()
    }
}
