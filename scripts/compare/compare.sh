#!/usr/bin/env bash
# llama.cpp and Speculum on the same GGUF files, the same prompts and the same thread count,
# interleaved round by round so that machine noise hits both alike. Prints each pair and the ratio.
# Usage: scripts/compare/compare.sh SPECULUM_BINARY PYTHON_WITH_LLAMA_CPP [ROUNDS]   (COMPARE_MODELS="a b" for other models)
set -euo pipefail
bin=$1 python=$2 rounds=${3:-3}
here=$(dirname "$0")
for m in ${COMPARE_MODELS:-qwen2.5-coder-1.5b-instruct-q4_k_m qwen2.5-coder-0.5b-instruct-q4_k_m}; do
  path=$("$bin" models path "$m")
  for r in $(seq 1 "$rounds"); do
    llama=$("$python" "$here/llama_cpp_speed.py" "$path" --threads 2 2>/dev/null)
    "$bin" bench engine --models "$m" --repeat 1 --threads 2 --json "/tmp/speculum-compare-$$.json" >/dev/null 2>&1
    python3 - "$llama" "/tmp/speculum-compare-$$.json" "$m" "$r" <<'PY'
import json, sys
llama = json.loads(sys.argv[1])
ours = json.load(open(sys.argv[2]))["runs"]
ours = next(iter(ours.values()))[0]
name, r = sys.argv[3], sys.argv[4]
rows = [("decode tok/s", llama["decode_tokens_per_second"], ours["decode_tokens_per_second"])]
for n in ("64", "512"):
    rows.append((f"pp{n} tok/s", llama["prompt_tokens_per_second"][n], ours["prompt_tokens_per_second"][n]))
for n in ("2", "4", "8", "16", "32"):
    rows.append((f"T({n})/T(1)", llama["verify_cost"][n], ours["verify_cost"][n]))
rows.append(("T(1) ms", 1000 * llama["verify_seconds_for_one"], 1000 * ours["verify_seconds_for_one"]))
for label, a, b in rows:
    print(f"{name} round {r}  {label:14s} llama.cpp {a:8.2f}  speculum {b:8.2f}  ratio {b / a:5.2f}")
PY
  done
done
rm -f "/tmp/speculum-compare-$$.json"
