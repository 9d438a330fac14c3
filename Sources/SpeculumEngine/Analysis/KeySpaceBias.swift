/// The paper's observation measured live: the middle ranks of a next-token distribution are crowded
/// by tokens whose keys are near the keys of the top tokens (the logit of a token is its key's dot
/// product with one hidden state, so keys close to a winner's key score close to it, whatever they mean).
public struct KeySpaceBias: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var rank: Int          // 1-based
        public var token: TokenID
        public var p: Float
        /// Rank (1 … topCount) of the top token whose key neighbourhood holds this token, nearest
        /// first; nil when it is in none. The top tokens themselves are not marked.
        public var neighbourOf: Int?
        public var cosine: Float?
    }
    /// Ranks 1 … `ranks` of the distribution.
    public var rows: [Row]
    public var topCount: Int
    /// Each top token's neighbourhood holds its `neighbourK` nearest keys.
    public var neighbourK: Int
    /// Share of ranks 11 … `ranks` that are key-neighbours of a top token.
    public var middleShare: Double
    /// The same share for a seeded random sample of vocabulary tokens (what chance gives).
    public var randomShare: Double
    public var sampleSize: Int
    /// |union of the neighbourhoods| ÷ usable vocabulary: the share's expectation under uniform sampling.
    public var expectedShare: Double

    /// - Parameters:
    ///   - distribution: the next-token distribution (a full softmax, so every rank is defined).
    ///   - topCount: how many top tokens' neighbourhoods count (the paper uses the top few).
    public static func measure(keys: VocabularyKeys, distribution: Distribution, topCount: Int = 3, neighbourK: Int = 100,
                               ranks: Int = 100, sampleSize: Int = 2000, seed: UInt64 = 0) -> KeySpaceBias {
        let ranked = distribution.top(ranks)
        let tops = ranked.prefix(topCount).map(\.token)
        // token → (which top token, cosine), the nearest top token winning.
        var owner: [TokenID: (top: Int, cosine: Float)] = [:]
        for (i, t) in tops.enumerated() {
            for n in keys.neighbours(of: t, k: neighbourK) where !tops.contains(n.token) {
                if let o = owner[n.token], o.cosine >= n.cosine { continue }
                owner[n.token] = (i + 1, n.cosine)
            }
        }
        let rows = ranked.enumerated().map { r, e in
            Row(rank: r + 1, token: e.token, p: e.p, neighbourOf: owner[e.token]?.top, cosine: owner[e.token]?.cosine)
        }
        let middle = rows.dropFirst(10)
        let middleShare = middle.isEmpty ? 0 : Double(middle.filter { $0.neighbourOf != nil }.count) / Double(middle.count)

        // A random sample of distinct ids (not the top tokens themselves), drawn with a seeded generator.
        var rng = SeededGenerator(seed: seed)
        var sample = Set<TokenID>()
        let pool = keys.usable - tops.count
        let size = min(sampleSize, max(0, pool))
        while sample.count < size {
            let t = Int(rng.next() % UInt64(keys.usable))
            if !tops.contains(t) { sample.insert(t) }
        }
        let randomShare = sample.isEmpty ? 0 : Double(sample.filter { owner[$0] != nil }.count) / Double(sample.count)
        return KeySpaceBias(rows: rows, topCount: tops.count, neighbourK: neighbourK, middleShare: middleShare,
                            randomShare: randomShare, sampleSize: sample.count,
                            expectedShare: pool > 0 ? Double(owner.count) / Double(pool) : 0)
    }
}
