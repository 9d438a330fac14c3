/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// Renders conversations into prompt text. The result is tokenized with special tokens parsed.
public enum ChatFormat: Sendable {
    /// Qwen2.5's ChatML template: `<|im_start|>{role}\n{content}<|im_end|>\n` per turn, with Qwen's
    /// default system prompt when the conversation does not start with one.
    case qwen
    /// Gemma's instruction-tuned convention: `<start_of_turn>{user|model}\n{content}<end_of_turn>\n`;
    /// a system message is put in front of the first user turn (Gemma has no system role). BOS comes
    /// from the tokenizer.
    case gemma

    /// The format a vocabulary was trained with: Gemma's when it has `<start_of_turn>`, else ChatML.
    public static func matching(_ vocabulary: Vocabulary) -> ChatFormat {
        vocabulary.tokens.contains("<start_of_turn>") ? .gemma : .qwen
    }

    public static let qwenDefaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

    /// The prompt text; with `addGenerationPrompt`, it ends by opening the assistant's turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        switch self {
        case .qwen:
            var out = ""
            if messages.first?.role != .system {
                out += "<|im_start|>system\n\(Self.qwenDefaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role.rawValue)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
            return out
        case .gemma:
            var out = "", system: String?
            for m in messages {
                switch m.role {
                case .system: system = m.content
                case .user:
                    let text = system.map { "\($0)\n\n\(m.content)" } ?? m.content
                    system = nil
                    out += "<start_of_turn>user\n\(text)<end_of_turn>\n"
                case .assistant: out += "<start_of_turn>model\n\(m.content)<end_of_turn>\n"
                }
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
            return out
        }
    }
}
