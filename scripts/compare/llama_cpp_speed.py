#!/usr/bin/env python3
"""llama.cpp's speed on a GGUF file, measured the way `speculum bench engine` measures ours:
prompt processing of 64 and 512 tokens, greedy decode of 128 tokens after a 16-token prompt, and the
verify cost T(n)/T(1): one forward of n new tokens after a 256-token prefix with every row's logits
returned (logits_all), best of 3 per size, the prefix kept and the n tokens rolled back between runs.
Prints one JSON object. Needs llama-cpp-python (built from source by pip).
Usage: llama_cpp_speed.py MODEL.gguf [--threads 2]
"""
import json
import sys
import time

from llama_cpp import Llama


def main():
    path = sys.argv[1]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=1024, n_batch=512, verbose=False)
    text = "".join(f"The quick brown fox number {i} jumps over the lazy dog; " for i in range(400))
    ids = llm.tokenize(text.encode(), add_bos=False)
    out = {"model": path, "threads": threads, "prompt_tokens_per_second": {}}
    for n in (64, 512):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids[:n])
        out["prompt_tokens_per_second"][str(n)] = n / (time.perf_counter() - t0)
    llm.reset()
    llm.eval(ids[:16])
    t0 = time.perf_counter()
    for _ in range(128):
        token = llm.sample(temp=0.0)  # greedy: the argmax of the last logits
        llm.eval([token])
    out["decode_tokens_per_second"] = 128 / (time.perf_counter() - t0)
    del llm
    # Verification returns every row's logits; llama.cpp copies them only with logits_all.
    llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=1024, n_batch=512, logits_all=True, verbose=False)
    prefix, filler = ids[:256], ids[1000:1064]
    llm.eval(prefix)
    seconds = {}
    for n in (1, 2, 4, 8, 16, 32):
        best = float("inf")
        for _ in range(3):
            llm.n_tokens = len(prefix)  # eval() first removes the cache entries past n_tokens
            t0 = time.perf_counter()
            llm.eval(filler[:n])
            best = min(best, time.perf_counter() - t0)
        seconds[n] = best
    out["verify_seconds_for_one"] = seconds[1]
    out["verify_cost"] = {str(n): s / seconds[1] for n, s in seconds.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
