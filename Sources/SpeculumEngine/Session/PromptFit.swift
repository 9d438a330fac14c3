/// Fitting a prompt into the context: what `--truncate-prompt` keeps.
public enum PromptFit {
    /// Tokens a prompt may take in a context of `capacity` when up to `maxTokens` are to follow: the
    /// rest of the context after the output's room, but never less than half of it.
    public static func room(capacity: Int, maxTokens: Int) -> Int {
        max(1, capacity - min(maxTokens, capacity / 2))
    }

    /// The last part of `text` whose formatted ids (`format`: plain encoding or a chat template) take at
    /// most `room` tokens. Tokens are cut from the front of the text, never from the template; the cut
    /// falls on a token boundary of the text's own tokenization. Nil when even an empty text is too long.
    public static func tail(of text: String, room: Int, tokenizer: any Tokenizer,
                            format: (String) -> [TokenID]) -> (text: String, ids: [TokenID])? {
        let overhead = format("").count
        guard overhead < room else { return nil }
        let textIDs = tokenizer.encode(text)
        var keep = min(textIDs.count, room - overhead)
        // Re-encoding the kept text can merge differently at the seam (a token or two): shrink until it fits.
        while keep > 0 {
            let kept = tokenizer.decode(Array(textIDs.suffix(keep)))
            let ids = format(kept)
            if ids.count <= room { return (kept, ids) }
            keep -= max(1, ids.count - room)
        }
        return ("", format(""))
    }
}
