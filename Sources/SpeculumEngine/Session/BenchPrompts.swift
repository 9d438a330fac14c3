import Foundation

/// One prompt of a benchmark set (Spec-Bench's format): an id, a category and one or more turns.
public struct BenchPrompt: Sendable {
    public var id: String
    public var category: String
    public var turns: [String]
    /// Chat prompts are formatted with the chat template; a plain `prompt` field is used as is.
    public var chat: Bool
}

public struct BenchPromptError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

public enum BenchPrompts {
    /// Parses JSON lines: `{question_id, category, turns: [...]}` or `{prompt: "..."}` (optionally with
    /// `category` and `question_id`). Blank lines are skipped. Errors name the file and line.
    public static func parse(_ data: Data, source: String) throws(BenchPromptError) -> [BenchPrompt] {
        let text: String
        do { text = try TextFile.decode(data, maximumBytes: maximumBytes) } catch {
            throw BenchPromptError(description: error.message(path: source, expected: "JSON lines"))
        }
        return try parse(text: text, source: source)
    }

    /// The prompts of text already read and checked as UTF-8 (`TextFile.read`).
    public static func parse(text: String, source: String) throws(BenchPromptError) -> [BenchPrompt] {
        var prompts: [BenchPrompt] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let at = "\(source):\(i + 1)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw BenchPromptError(description: "\(at): not a JSON object (expected {\"question_id\", \"category\", \"turns\": [...]} or {\"prompt\": ...})")
            }
            let id = (object["question_id"]).map { "\($0)" } ?? "\(prompts.count + 1)"
            let category = object["category"] as? String ?? "general"
            if let turns = object["turns"] {
                guard let list = turns as? [String], !list.isEmpty, list.allSatisfy({ !$0.isEmpty }) else {
                    throw BenchPromptError(description: "\(at): \"turns\" must be a non-empty array of non-empty strings")
                }
                prompts.append(BenchPrompt(id: id, category: category, turns: list, chat: true))
            } else if let prompt = object["prompt"] {
                guard let p = prompt as? String, !p.isEmpty else {
                    throw BenchPromptError(description: "\(at): \"prompt\" must be a non-empty string")
                }
                prompts.append(BenchPrompt(id: id, category: category, turns: [p], chat: false))
            } else {
                throw BenchPromptError(description: "\(at): the object has neither \"turns\" nor \"prompt\"")
            }
        }
        guard !prompts.isEmpty else { throw BenchPromptError(description: "\(source): no prompts (expected one JSON object per line)") }
        return prompts
    }

    /// Prompt files larger than this are refused before parsing (the built-in set is 12 KB).
    public static let maximumBytes = 64 << 20
}
