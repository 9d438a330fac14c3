import Foundation
import Testing
import SpeculumEngine

/// The cached Qwen tokenizer, built once (both Qwen models share one vocabulary).
let qwenTokenizer: (any Tokenizer)? = {
    guard let path = TestSupport.realModel("qwen2.5-coder-0.5b-instruct-q4_k_m"),
          let file = try? GGUFFile(path: path) else { return nil }
    return try? makeTokenizer(for: file)
}()

struct GoldenCase: Decodable {
    let text: String
    let special: Bool
    let ids: [Int]
}

struct GoldenFile: Decodable {
    let cases: [GoldenCase]
}

@Suite struct QwenTokenizerGoldenTests {
    static let golden: [GoldenCase] = {
        let url = TestSupport.fixtures.appendingPathComponent("qwen2-tokenizer.json")
        guard let data = try? Data(contentsOf: url), let f = try? JSONDecoder().decode(GoldenFile.self, from: data) else { return [] }
        return f.cases
    }()

    @Test func fixturesCoverTheRequiredCases() {
        let texts = Self.golden.map(\.text)
        #expect(Set(texts).count >= 40)
        #expect(texts.contains { $0.contains("\r\n") })
        #expect(texts.contains { $0.unicodeScalars.contains("\u{0301}") }, "an accent in decomposed (NFD) form")
        #expect(texts.contains { $0.unicodeScalars.contains("\u{200D}") }, "an emoji with joiners")
        #expect(Self.golden.contains { $0.special })
    }

    @Test(arguments: golden)
    func idsEqualTheReference(_ c: GoldenCase) throws {
        let tok = try #require(qwenTokenizer)
        let ids = tok.encode(c.text, parseSpecial: c.special)
        #expect(ids == c.ids, "text \(c.text.debugDescription) special=\(c.special): pieces \(ids.map { tok.pieceText($0) })")
        #expect(tok.decode(ids, special: c.special) == c.text)
    }

    @Test func specialTokensFollowLlamaCpp() throws {
        let tok = try #require(qwenTokenizer)
        // Control tokens are plain text unless special parsing is on; user-defined ones always match.
        #expect(tok.encode("<|im_start|>", parseSpecial: true) == [151644])
        #expect(tok.encode("<|im_start|>", parseSpecial: false).count > 1)
        #expect(tok.encode("<tool_call>", parseSpecial: false) == [151657])
        // Control tokens decode to nothing unless asked for.
        #expect(tok.decode([151644, 9707], special: false) == "Hello")
        #expect(tok.decode([151644, 9707], special: true) == "<|im_start|>Hello")
        #expect(tok.vocabulary.endOfGeneration == [151643, 151645, 151662, 151663, 151664])
        #expect(tok.vocabulary.addBOS == false)
        #expect(tok.encode("Hello world") == [9707, 1879])
    }

    @Test func chatPromptTokenizesWithSpecialTokens() throws {
        let tok = try #require(qwenTokenizer)
        let text = ChatFormat.qwen.render([ChatMessage(.user, "Hi")])
        #expect(text == "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let ids = tok.encode(text, parseSpecial: true)
        #expect(ids.first == 151644)
        #expect(ids.filter { $0 == 151644 }.count == 3 && ids.filter { $0 == 151645 }.count == 2)
        #expect(Array(ids.suffix(3)) == [151644, 77091, 198])  // <|im_start|> assistant \n
        let withSystem = ChatFormat.qwen.render([ChatMessage(.system, "Be brief."), ChatMessage(.user, "Hi")], addGenerationPrompt: false)
        #expect(withSystem == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test func longInputsRoundTrip() throws {
        let tok = try #require(qwenTokenizer)
        // One 200,000-letter word exercises the heap-based merge loop; mixed text exercises the cache.
        let word = String(repeating: "ab", count: 100_000)
        #expect(tok.decode(tok.encode(word)) == word)
        let mixed = String(repeating: "The 3 quick foxes — 狐狸 — jumped!\n\t", count: 2_000)
        #expect(tok.decode(tok.encode(mixed)) == mixed)
    }

    @Test func streamingDecodeNeverBreaksACharacter() throws {
        let tok = try #require(qwenTokenizer)
        let text = "emoji 👨‍👩‍👧 and 漢字 and é"
        var decoder = StreamingTextDecoder()
        var out = ""
        for id in tok.encode(text) {
            let piece = decoder.push(tok.bytes(of: id, special: false))
            #expect(!piece.unicodeScalars.contains("\u{FFFD}"))
            out += piece
        }
        out += decoder.finish()
        #expect(out == text)
    }
}

@Suite struct PreTokenizerTests {
    func words(_ s: String) -> [String] {
        let scalars = Array(s.unicodeScalars)
        return Qwen2PreTokenizer.split(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
    }

    @Test func followsTheRegexAlternatives() {
        #expect(words("a  b") == ["a", " ", " b"])                      // \s+(?!\S) leaves the last space
        #expect(words("x   123") == ["x", "  ", " ", "1", "2", "3"])   // digits are single; a lone space before a digit is \s+
        #expect(words("I'm YOU'RE") == ["I", "'m", " YOU", "'RE"])
        #expect(words("hello!!! \n\nworld") == ["hello", "!!!", " \n\n", "world"])
        #expect(words(" ?!\n\nx") == [" ?!\n\n", "x"])                  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        #expect(words("end  ") == ["end", "  "])
        #expect(words("\tfoo") == ["\tfoo"])                             // one non-letter may lead a word
        #expect(words("e\u{301}t\u{e9}") == ["e", "\u{301}t\u{e9}"])     // a combining mark is not a letter
        #expect(words("") == [])
    }
}

@Suite struct StreamingTextDecoderTests {
    @Test func holdsBackIncompleteCharacters() {
        var d = StreamingTextDecoder()
        let bytes = Array("a😀b".utf8)  // 61 F0 9F 98 80 62
        #expect(d.push([bytes[0], bytes[1]]) == "a")
        #expect(d.push([bytes[2]]) == "")
        #expect(d.push([bytes[3]]) == "")
        #expect(d.push([bytes[4], bytes[5]]) == "😀b")
        #expect(d.finish() == "")
    }

    @Test func invalidBytesBecomeReplacementCharacters() {
        var d = StreamingTextDecoder()
        #expect(d.push([0xFF, 0x41]) == "\u{FFFD}A")
        #expect(d.push([0xE2, 0x82]) == "")
        #expect(d.finish() == "\u{FFFD}")
    }

    /// A token without bytes (a control token printed without specials) is nothing, before or
    /// after text: the 1.5B soak run crashed here after --ignore-eos ran past <|im_end|>.
    @Test func tokensWithoutBytesAreNothing() {
        var d = StreamingTextDecoder()
        #expect(d.push([]) == "")
        #expect(d.push(Array("x".utf8)) == "x")
        #expect(d.push([]) == "")
        #expect(d.push([0xC3]) == "")
        #expect(d.push([]) == "")
        #expect(d.push([0xA9]) == "é")
        #expect(d.finish() == "")
    }
}
