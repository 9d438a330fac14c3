import Testing
import SpeculumEngine

/// `--truncate-prompt`: the kept tail fits, is the end of the text, and leaves the template whole.
@Suite struct PromptFitTests {
    let tokenizer = try! makeTokenizer(for: GGUFFile(file: MappedFile(bytes: TinyModel.bytes(), name: "tiny.gguf")))

    @Test func roomLeavesSpaceForTheOutputButAtLeastHalfTheContext() {
        #expect(PromptFit.room(capacity: 4096, maxTokens: 256) == 3840)
        #expect(PromptFit.room(capacity: 4096, maxTokens: 100_000) == 2048)
        #expect(PromptFit.room(capacity: 1, maxTokens: 10) == 1)
    }

    @Test func plainPromptsKeepTheirLastTokens() throws {
        let text = String(repeating: "the thin theme in the inn; ", count: 40)
        let all = tokenizer.encode(text)
        let fit = try #require(PromptFit.tail(of: text, room: 50, tokenizer: tokenizer) { tokenizer.encode($0) })
        #expect(fit.ids.count <= 50 && fit.ids.count >= 48, "\(fit.ids.count)")
        #expect(text.hasSuffix(fit.text))
        #expect(Array(all.suffix(fit.ids.count)) == fit.ids, "the tail's tokens are the text's own last tokens")
        // A prompt that fits is kept whole.
        #expect(PromptFit.tail(of: "the inn", room: 50, tokenizer: tokenizer) { tokenizer.encode($0) }?.text == "the inn")
    }

    @Test func aTemplateIsNeverCut() throws {
        let template = { (t: String) in tokenizer.encode("<<" + t + ">>") }
        let text = String(repeating: "in the thin ", count: 30)
        let fit = try #require(PromptFit.tail(of: text, room: 20, tokenizer: tokenizer, format: template))
        #expect(fit.ids.count <= 20)
        #expect(tokenizer.decode(fit.ids).hasPrefix("<<"))
        #expect(tokenizer.decode(fit.ids).hasSuffix(">>"))
        // When the template alone does not fit there is nothing to keep.
        #expect(PromptFit.tail(of: text, room: 4, tokenizer: tokenizer, format: template) == nil)
    }
}
