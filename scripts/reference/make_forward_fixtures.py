#!/usr/bin/env python3
"""Reference fixtures for the engine's parity tests: for each prompt, the top-20 logits (ids and
values) at every position and the 32-token greedy continuation, in the exact and the q8 mode; and the
perplexity of the committed evaluation text (per-chunk negative log-likelihood sums, ctx 512).

Usage: make_forward_fixtures.py MODEL.gguf OUT.json [--perplexity TEXT]
Needs numpy and gguf, and a reference tokenizer: Hugging Face `tokenizers` for byte-level BPE files
(configured like llama.cpp), llama.cpp itself (llama-cpp-python, vocab only) for SentencePiece ones.
For a model with a sliding window, one long prompt (longer than the window) checks its last positions.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
from reference_forward import Model

PROMPTS = [
    ("def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", False),
    ("The capital of France is Paris. The capital of Italy is", False),
]
CHAT = {
    "qwen2": "<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n",
    "gemma3": "<start_of_turn>user\nWrite a haiku about the sea.<end_of_turn>\n<start_of_turn>model\n",
}


def encoders(model, path):
    """(plain, special): text → ids as the engine's encode(text) gives them (BOS when the file asks)."""
    if model.gemma:
        from llama_cpp import Llama
        llm = Llama(model_path=path, vocab_only=True, verbose=False)
        return (lambda t: llm.tokenize(t.encode("utf-8"), add_bos=True, special=False),
                lambda t: llm.tokenize(t.encode("utf-8"), add_bos=True, special=True))
    from make_tokenizer_fixtures import reference_tokenizers  # configured like llama.cpp
    plain, special, _ = reference_tokenizers(path)
    return (lambda t: plain.encode(t, add_special_tokens=False).ids,
            lambda t: special.encode(t, add_special_tokens=False).ids)


def prompt_case(model, ids, mode, first=0, steps=32):
    cache = [None] * model.n_layer
    logits = model.forward(ids, cache, mode)
    positions = []
    for row in logits[first:]:
        top = np.argsort(-row, kind="stable")[:20]
        positions.append({"ids": [int(i) for i in top], "logits": [float(row[i]) for i in top]})
    greedy, margins = [], []
    last = logits[-1]
    for _ in range(steps):
        order = np.argsort(-last, kind="stable")[:2]
        greedy.append(int(order[0]))
        margins.append(float(last[order[0]] - last[order[1]]))
        last = model.forward([int(order[0])], cache, mode)[-1]
    return {"first_position": first, "positions": positions, "greedy": greedy, "greedy_margins": margins}


def perplexity(model, ids, ctx, mode, bos=None):
    """llama.cpp's procedure: chunks of ctx tokens, scoring predictions of the second half; with a BOS,
    each chunk's first token is replaced by it for evaluation."""
    chunks = len(ids) // ctx
    first = ctx // 2
    out = []
    for c in range(chunks):
        chunk = ids[c * ctx:(c + 1) * ctx]
        cache = [None] * model.n_layer
        logits = model.forward(([bos] + chunk[1:]) if bos is not None else chunk, cache, mode).astype(np.float64)
        nll = 0.0
        for j in range(first, ctx - 1):
            row = logits[j]
            m = row.max()
            nll += np.log(np.exp(row - m).sum()) + m - row[chunk[j + 1]]
        out.append({"nll": float(nll), "count": ctx - 1 - first})
        print(f"  chunk {c}: ppl so far {np.exp(sum(o['nll'] for o in out) / sum(o['count'] for o in out)):.4f}", flush=True)
    return out


def main():
    path, out = sys.argv[1], sys.argv[2]
    text_path = sys.argv[sys.argv.index("--perplexity") + 1] if "--perplexity" in sys.argv else None
    t0 = time.time()
    model = Model(path)
    plain, special = encoders(model, path)
    print(f"loaded {path} in {time.time() - t0:.0f} s", flush=True)
    result = {"model": os.path.basename(path), "prompts": []}
    cases = [(text, sp, 0, 32) for text, sp in PROMPTS + [(CHAT[model.arch], True)]]
    if model.window is not None and text_path:
        # Past the sliding window: about 1.4 windows of the evaluation text; the last 16 positions.
        with open(text_path, encoding="utf-8") as f:
            words = f.read().split(" ")
        text = " ".join(words[: int(model.window * 1.4 * 0.75)])
        n = len(plain(text))
        cases.append((text, False, n - 16, 8))
    for text, sp, first, steps in cases:
        ids = (special if sp else plain)(text)
        entry = {"text": text, "special": sp, "ids": ids}
        for mode in ("exact", "q8"):
            entry[mode] = prompt_case(model, ids, mode, first, steps)
            print(f"  {mode}: {repr(text[:30])} → {entry[mode]['greedy'][:8]}", flush=True)
        result["prompts"].append(entry)
    if text_path:
        with open(text_path, encoding="utf-8") as f:
            text = f.read()
        if text.endswith("\n"):
            text = text[:-1]  # llama.cpp's -f drops one trailing newline
        ids = plain(text)   # with BOS when the file adds it, as llama.cpp's perplexity tool
        result["perplexity"] = {"text": os.path.basename(text_path), "ctx": 512, "tokens": len(ids),
                                "exact": perplexity(model, ids, 512, "exact", model.num("tokenizer.ggml.bos_token_id") if model.gemma else None)}
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"wrote {out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
