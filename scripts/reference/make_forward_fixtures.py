#!/usr/bin/env python3
"""Reference fixtures for the engine's parity tests: for each prompt, the top-20 logits (ids and
values) at every position and the 32-token greedy continuation, in the exact and the q8 mode; and the
perplexity of the committed evaluation text (per-chunk negative log-likelihood sums, ctx 512).

Usage: make_forward_fixtures.py MODEL.gguf OUT.json [--perplexity TEXT]   (needs numpy, gguf, tokenizers)
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
from make_tokenizer_fixtures import reference_tokenizers  # configured like llama.cpp
from reference_forward import Model

PROMPTS = [
    ("def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", False),
    ("The capital of France is Paris. The capital of Italy is", False),
    ("<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n", True),
]


def prompt_case(model, ids, mode):
    cache = [None] * model.n_layer
    logits = model.forward(ids, cache, mode)
    positions = []
    for row in logits:
        top = np.argsort(-row, kind="stable")[:20]
        positions.append({"ids": [int(i) for i in top], "logits": [float(row[i]) for i in top]})
    greedy, margins = [], []
    last = logits[-1]
    for _ in range(32):
        order = np.argsort(-last, kind="stable")[:2]
        greedy.append(int(order[0]))
        margins.append(float(last[order[0]] - last[order[1]]))
        last = model.forward([int(order[0])], cache, mode)[-1]
    return {"positions": positions, "greedy": greedy, "greedy_margins": margins}


def perplexity(model, ids, ctx, mode):
    """llama.cpp's procedure: chunks of ctx tokens, scoring predictions of the second half."""
    chunks = len(ids) // ctx
    first = ctx // 2
    out = []
    for c in range(chunks):
        chunk = ids[c * ctx:(c + 1) * ctx]
        cache = [None] * model.n_layer
        logits = model.forward(chunk, cache, mode).astype(np.float64)
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
    plain, special, _ = reference_tokenizers(path)
    print(f"loaded {path} in {time.time() - t0:.0f} s", flush=True)
    result = {"model": os.path.basename(path), "prompts": []}
    for text, sp in PROMPTS:
        ids = (special if sp else plain).encode(text, add_special_tokens=False).ids
        entry = {"text": text, "special": sp, "ids": ids}
        for mode in ("exact", "q8"):
            entry[mode] = prompt_case(model, ids, mode)
            print(f"  {mode}: {repr(text[:30])} → {entry[mode]['greedy'][:8]}", flush=True)
        result["prompts"].append(entry)
    if text_path:
        with open(text_path, encoding="utf-8") as f:
            text = f.read()
        if text.endswith("\n"):
            text = text[:-1]  # llama.cpp's -f drops one trailing newline
        ids = plain.encode(text, add_special_tokens=False).ids
        result["perplexity"] = {"text": os.path.basename(text_path), "ctx": 512, "tokens": len(ids),
                                "exact": perplexity(model, ids, 512, "exact")}
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"wrote {out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
