import Testing
import SpeculumEngine

/// The three registry files read as the notes describe them (shared/notes/gguf-and-models.md §0).
@Suite struct RealModelFileTests {
    func typeCounts(_ f: GGUFFile) -> [String: Int] {
        Dictionary(f.tensors.map { ("\($0.type)", 1) }, uniquingKeysWith: +)
    }

    @Test func qwen15B() throws {
        guard let path = TestSupport.realModel("qwen2.5-coder-1.5b-instruct-q4_k_m") else { return }
        let f = try GGUFFile(path: path)
        let s = ModelSummary(f)
        #expect(s.architecture == "qwen2")
        #expect(s.blockCount == 28 && s.embeddingLength == 1536 && s.feedForwardLength == 8960)
        #expect(s.headCount == 12 && s.headCountKV == 2 && s.headDimension == 128)
        #expect(s.vocabularySize == 151936 && s.contextLength == 32768 && s.ropeFreqBase == 1e6)
        #expect(typeCounts(f) == ["F32": 141, "Q4_K": 169, "Q6_K": 29])
        #expect(f.tensors.count == 339 && f.tensorBytes == 1_111_370_240 && f.dataOffset == 5_950_528)
        #expect(f.dataOffset + f.tensorBytes == f.file.count)
        #expect(f.tensor(named: "output.weight")?.type == .q6_K)
        #expect(f.tensor(named: "token_embd.weight")?.shape == [1536, 151936])
    }

    @Test func qwen05B() throws {
        guard let path = TestSupport.realModel("qwen2.5-coder-0.5b-instruct-q4_k_m") else { return }
        let f = try GGUFFile(path: path)
        let s = ModelSummary(f)
        #expect(s.blockCount == 24 && s.embeddingLength == 896 && s.headCount == 14 && s.headCountKV == 2 && s.headDimension == 64)
        #expect(typeCounts(f) == ["Q5_0": 133, "Q8_0": 13, "Q6_K": 12, "Q4_K": 12, "F32": 121])
        #expect(f.tensorBytes == 485_452_288 && f.dataOffset == 5_947_776)
    }

    @Test func gemma270M() throws {
        guard let path = TestSupport.realModel("gemma-3-270m-q4_k_m") else { return }
        let f = try GGUFFile(path: path)
        let s = ModelSummary(f)
        #expect(s.architecture == "gemma3" && s.blockCount == 18 && s.embeddingLength == 640)
        #expect(s.headCount == 4 && s.headCountKV == 1 && s.keyLength == 256 && s.slidingWindow == 512)
        #expect(s.vocabularySize == 262144 && s.tokenizerModel == "llama")
        #expect(f.tensor(named: "output.weight") == nil, "gemma ties its output to token_embd")
        #expect(typeCounts(f) == ["Q8_0": 10, "Q5_0": 81, "Q4_K": 27, "Q6_K": 9, "F32": 109])
        // Its SentencePiece tokenizer: the examples checked against llama.cpp in the notes (§5).
        let t = try makeTokenizer(for: f)
        #expect(t.encode("Hello world") == [2, 9259, 1902])
        #expect(t.encode("The capital of France is") == [2, 818, 5279, 529, 7001, 563])
        #expect(t.encode("  x = 1\n\n\tdef f():") == [2, 138, 236781, 578, 236743, 236770, 108, 255968, 2063, 517, 6141])
    }
}
