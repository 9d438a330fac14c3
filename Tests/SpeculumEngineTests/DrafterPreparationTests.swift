import Foundation
import Testing
import SpeculumEngine

/// How a drafter is got ready before it decodes (`ModelPair.prepare`), on the tiny seed models.
@Suite struct DrafterPreparationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    /// A switch's ADED starts from the committed corpus as ADED alone does (it used to start empty), and
    /// `savedTable: false` (a benchmark's drafters) takes nothing from what earlier runs saved.
    @Test func aSwitchsADEDStartsFromTheCorpusAsADEDAloneDoes() throws {
        let pair = try ModelPair(target: Self.fixtures.appendingPathComponent("seed-qwen2-narrow.gguf").path,
                                 draft: Self.fixtures.appendingPathComponent("seed-llama-narrow-tied.gguf").path,
                                 capacity: 256, arithmetic: .quantizedActivations, pool: ComputePool(threads: 1))
        let alone = try #require(try StrategyCatalog.make("aded") as? ADEDDrafter)
        let switcher = try #require(try StrategyCatalog.make("switch") as? SwitchDrafter)
        try pair.prepare(alone, savedTable: false)
        try pair.prepare(switcher, savedTable: false)
        let inner = switcher.strategies.compactMap { $0 as? ADEDDrafter }
        #expect(inner.count == 1)
        let corpus = try String(contentsOfFile: "data/perplexity-eval.txt", encoding: .utf8)
        let fresh = ADEDDrafter()
        fresh.learn(pair.target.tokenizer.encode(corpus))
        #expect(!fresh.table.isEmpty)
        #expect(alone.savedTable() == fresh.savedTable(), "ADED alone: the corpus and nothing else")
        #expect(inner.first?.savedTable() == fresh.savedTable(), "the switch's ADED: the same")
        #expect(ModelPair.adedTables(in: DraftChainDrafter(k: 4)).isEmpty)
    }
}
