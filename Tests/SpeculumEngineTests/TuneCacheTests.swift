import Foundation
import Testing
import SpeculumEngine

/// The tune cache keeps one choice per pair, machine and thread count, and never applies a stale one.
@Suite struct TuneCacheTests {
    let directory = NSTemporaryDirectory() + "speculum-tune-\(UUID().uuidString)"
    let tuned = TunedSettings(chainK: 3, chainSpeedup: 1.08, treeBranching: [2, 1, 1], treeSpeedup: 0.97, measuredAt: 1_795_000_000)

    /// Two small files standing in for the models (the key reads their names and sizes).
    func files(_ targetBytes: Int = 10) throws -> (String, String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let t = directory + "/target.gguf", d = directory + "/draft.gguf"
        try Data(count: targetBytes).write(to: URL(fileURLWithPath: t))
        try Data(count: 7).write(to: URL(fileURLWithPath: d))
        return (t, d)
    }

    @Test func savedChoiceReadsBackUnderTheSameKeyOnly() throws {
        let (t, d) = try files()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = TuneCache(directory: directory + "/cache")
        let key = TuneCache.key(target: t, draft: d, draftHeadRows: nil, threads: 2)
        #expect(cache.load(key: key) == nil)
        try cache.save(tuned, key: key)
        #expect(cache.load(key: key) == tuned)
        // Other threads, another draft head, a swapped pair: other keys, nothing applied.
        #expect(cache.load(key: TuneCache.key(target: t, draft: d, draftHeadRows: nil, threads: 1)) == nil)
        #expect(cache.load(key: TuneCache.key(target: t, draft: d, draftHeadRows: 32768, threads: 2)) == nil)
        #expect(cache.load(key: TuneCache.key(target: d, draft: t, draftHeadRows: nil, threads: 2)) == nil)
    }

    @Test func aModelFileOfAnotherSizeIsAnotherKey() throws {
        let (t, d) = try files(10)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = TuneCache(directory: directory + "/cache")
        try cache.save(tuned, key: TuneCache.key(target: t, draft: d, draftHeadRows: nil, threads: 2))
        try Data(count: 11).write(to: URL(fileURLWithPath: t))   // the target was replaced
        #expect(cache.load(key: TuneCache.key(target: t, draft: d, draftHeadRows: nil, threads: 2)) == nil)
    }

    @Test func aCorruptOrForeignEntryReadsAsAbsent() throws {
        let (t, d) = try files()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = TuneCache(directory: directory + "/cache")
        let key = TuneCache.key(target: t, draft: d, draftHeadRows: nil, threads: 2)
        try cache.save(tuned, key: key)
        let path = cache.path(forKey: key)
        try Data("{\"key\": ".utf8).write(to: URL(fileURLWithPath: path))            // truncated
        #expect(cache.load(key: key) == nil)
        // A well-formed entry stored under this file name for another key (a hash collision) is not used.
        try cache.save(tuned, key: key)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "threads=2", with: "threads=9")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(cache.load(key: key) == nil)
    }

    @Test func strategiesTakeOnlyTheirOwnKnob() {
        #expect(tuned.settings(for: "chain") == ["k": "3"])
        #expect(tuned.settings(for: "tree") == ["branching": "2x1x1"])
        #expect(tuned.settings(for: "lookup").isEmpty)
        #expect(tuned.settings(for: "chain", given: ["k": "5", "top": "2"]) == ["k": "5", "top": "2"], "the command line wins")
        #expect(tuned.settings(for: "tree", given: ["top": "2"]) == ["branching": "2x1x1", "top": "2"])
        #expect(tuned.summary == "tuned k=3 · tree 2x1x1")
    }
}
