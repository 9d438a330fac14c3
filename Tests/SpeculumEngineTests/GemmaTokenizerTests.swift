import Foundation
import Testing
import SpeculumEngine

/// The cached Gemma 3 tokenizer (SentencePiece, GGUF `llama`), built once.
let gemmaTokenizer: (any Tokenizer)? = {
    guard let path = TestSupport.realModel("gemma-3-270m-q4_k_m"), let file = try? GGUFFile(path: path) else { return nil }
    return try? makeTokenizer(for: file)
}()

/// Golden ids from llama.cpp itself (scripts/fixtures/make_gemma_tokenizer_fixtures.py, `make gemma-fixtures`).
@Suite struct GemmaTokenizerGoldenTests {
    static let golden: [GoldenCase] = {
        let url = TestSupport.fixtures.appendingPathComponent("gemma3-tokenizer.json")
        guard let data = try? Data(contentsOf: url), let f = try? JSONDecoder().decode(GoldenFile.self, from: data) else { return [] }
        return f.cases
    }()

    @Test func fixturesCoverTheRequiredCases() {
        let texts = Self.golden.map(\.text)
        #expect(Set(texts).count >= 40)
        #expect(texts.contains { $0.unicodeScalars.contains("\u{0301}") }, "an accent in decomposed (NFD) form")
        #expect(texts.contains { $0.contains("<start_of_turn>") })
        #expect(Self.golden.contains { $0.special })
        #expect(Self.golden.allSatisfy { $0.ids.first == 2 }, "every case starts with BOS, as Gemma asks")
    }

    @Test(arguments: golden)
    func idsEqualTheReference(_ c: GoldenCase) throws {
        let tok = try #require(gemmaTokenizer)
        let ids = tok.encode(c.text, parseSpecial: c.special)
        #expect(ids == c.ids, "text \(c.text.debugDescription) special=\(c.special): pieces \(ids.map { tok.pieceText($0) })")
        // Without BOS, the text comes back (control tokens written in the text print with `special`);
        // a "▁" written in the text is SentencePiece's space marker and comes back as a space.
        #expect(tok.decode(Array(ids.dropFirst()), special: c.special) == c.text.replacingOccurrences(of: "\u{2581}", with: " "))
    }

    @Test func specialIdsAndEndOfGeneration() throws {
        let tok = try #require(gemmaTokenizer)
        let v = tok.vocabulary
        #expect(v.bos == 2 && v.eos == 1 && v.addBOS)
        #expect(v.endOfGeneration.isSuperset(of: [1, 106]), "<eos> and <end_of_turn>")
        #expect(tok.encode("<end_of_turn>", parseSpecial: true) == [2, 106])
        #expect(tok.encode("<end_of_turn>", parseSpecial: false).count > 2, "a control text is plain text unless parsed")
        #expect(tok.decode([2, 9259, 1902]) == "Hello world")
        #expect(tok.bytes(of: 238 + 0x41, special: false) == [0x41], "<0x41> is the byte A")
    }

    @Test func bytesOutsideTheVocabularyFallBackToByteTokens() throws {
        let tok = try #require(gemmaTokenizer)
        // U+10FFFD (private use, plane 16) is no piece: its four bytes become <0xF4> <0x8F> <0xBF> <0xBD>.
        let ids = tok.encode("\u{10FFFD}", addSpecial: false, parseSpecial: false)
        #expect(ids == [238 + 0xF4, 238 + 0x8F, 238 + 0xBF, 238 + 0xBD])
        #expect(tok.decode(ids) == "\u{10FFFD}")
    }

    @Test func longInputsRoundTrip() throws {
        let tok = try #require(gemmaTokenizer)
        let word = String(repeating: "ab", count: 100_000)
        #expect(tok.decode(Array(tok.encode(word).dropFirst())) == word)
        let mixed = String(repeating: "The 3 quick foxes — 狐狸 — jumped!\n\t", count: 2_000)
        #expect(tok.decode(Array(tok.encode(mixed).dropFirst())) == mixed)
    }
}
