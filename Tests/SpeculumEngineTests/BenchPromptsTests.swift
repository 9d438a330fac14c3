import Foundation
import Testing
import SpeculumEngine

/// Prompt files for `bench` and `tune`: both formats read, and every bad file named with its line.
@Suite struct BenchPromptsTests {
    func parse(_ text: String) throws(BenchPromptError) -> [BenchPrompt] { try BenchPrompts.parse(Data(text.utf8), source: "p.jsonl") }
    func message(_ data: Data) -> String? {
        do { _ = try BenchPrompts.parse(data, source: "p.jsonl"); return nil } catch { return error.description }
    }
    func message(_ text: String) -> String? { message(Data(text.utf8)) }

    @Test func bothFormatsRead() throws {
        let set = try parse("""
            {"question_id": 81, "category": "writing", "turns": ["Write a haiku.", "Now another."]}

            {"prompt": "def f(x):"}
            """)
        #expect(set.map(\.id) == ["81", "2"])
        #expect(set.map(\.category) == ["writing", "general"])
        #expect(set[0].chat && set[0].turns.count == 2 && !set[1].chat && set[1].turns == ["def f(x):"])
    }

    @Test func badLinesAreNamed() {
        #expect(message("{\"prompt\": \"a\"}\n{\"prompt\": \"ab") == "p.jsonl:2: not a JSON object (expected {\"question_id\", \"category\", \"turns\": [...]} or {\"prompt\": ...})")
        #expect(message("{\"turns\": 3}") == "p.jsonl:1: \"turns\" must be a non-empty array of non-empty strings")
        #expect(message("{\"turns\": [\"\"]}") == "p.jsonl:1: \"turns\" must be a non-empty array of non-empty strings")
        #expect(message("\n\n{\"prompt\": 7}") == "p.jsonl:3: \"prompt\" must be a non-empty string")
        #expect(message("{\"question\": \"x\"}") == "p.jsonl:1: the object has neither \"turns\" nor \"prompt\"")
        #expect(message("[1, 2]") == "p.jsonl:1: not a JSON object (expected {\"question_id\", \"category\", \"turns\": [...]} or {\"prompt\": ...})")
        #expect(message("\n  \n") == "p.jsonl: no prompts (expected one JSON object per line)")
    }

    @Test func notUTF8NamesTheLineAndHugeFilesAreRefused() {
        var data = Data("{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"".utf8)
        data.append(contentsOf: [0xC3, 0x28, 0x22, 0x7D])
        #expect(message(data) == "p.jsonl:3: not UTF-8 text (expected JSON lines)")
        let huge = Data(repeating: 0x20, count: BenchPrompts.maximumBytes + 1)
        #expect(message(huge) == "p.jsonl: 67108865 bytes, more than the 64 MiB such a file may hold (expected JSON lines)")
    }
}
