#!/usr/bin/env bash
# Long runs: every strategy generates a long output; resident memory after warm-up may grow by less
# than 5% and no file descriptor may leak (generate --json reports both); then one run to the end of
# the context must stop with its message.
# Usage: scripts/soak.sh path/to/speculum ci     the tiny test models, 20,000 tokens each (CI)
#        scripts/soak.sh path/to/speculum full   the default pair, 4,000 tokens each (by hand)
# In CI the 20,000 tokens are 10 runs of 2,000 in one process (generate --runs): attention over a
# 20,000-token context would take the tree strategies minutes each on two cores.
set -uo pipefail
bin=$1 mode=${2:-ci}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SPECULUM_TUNE=$work/tune
if [ "$mode" = ci ]; then
  target=Tests/SpeculumEngineTests/Fixtures/fuzz/seed-qwen2-narrow.gguf
  draft=Tests/SpeculumEngineTests/Fixtures/fuzz/seed-llama-narrow-tied.gguf
  tokens=2000 runs=10 ctx=2200 end_ctx=600
else
  target=qwen2.5-coder-1.5b-instruct-q4_k_m draft=qwen2.5-coder-0.5b-instruct-q4_k_m
  tokens=4000 runs=1 ctx=4200 end_ctx=4096
fi
# SOAK_STRATEGIES="a b" runs only those (to finish a by-hand run that was interrupted).
strategies=${SOAK_STRATEGIES:-$("$bin" strategies --json | python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)))')}
passed=0 failed=0
printf '%-10s %8s %8s %10s %10s %7s %6s\n' strategy tokens tok/s "rss warm" "rss end" growth fds
for s in $strategies; do
  set_args=()
  [ "$s" = self ] && [ "$mode" = ci ] && set_args=(--set layers=1)   # the tiny model has 2 blocks
  # ADED learns a bigram per new token: a small bound makes the run reach it, so the check sees the
  # table stay bounded (the default, 262,144, is reached only after about that many tokens).
  # switch holds an ADED table too.
  { [ "$s" = aded ] || [ "$s" = switch ]; } && [ "$mode" = ci ] && set_args=(--set bigrams=2048)
  if ! "$bin" generate --model "$target" --draft "$draft" --strategy "$s" "${set_args[@]}" --prompt "the theory in the" \
        --max-tokens $tokens --runs $runs --ctx $ctx --ignore-eos --temperature 0.8 --seed 7 --json >"$work/$s.json" 2>"$work/$s.err"; then
    failed=$((failed + 1)); echo "FAIL $s: exit $?"; tail -3 "$work/$s.err"; continue
  fi
  python3 - "$work/$s.json" "$s" $((tokens * runs)) <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = sys.argv[2]; want = int(sys.argv[3])
m = r["resources"]
growth = (m["rss_mib_end"] - m["rss_mib_warm"]) / m["rss_mib_warm"]
print("%-10s %8d %8.1f %9.1fM %9.1fM %6.1f%% %3d→%d" % (s, r["total_generated_tokens"], r["tokens_per_second"], m["rss_mib_warm"], m["rss_mib_end"], growth * 100, m["open_files_start"], m["open_files_end"]))
ok = r["total_generated_tokens"] == want and growth < 0.05 and m["open_files_end"] <= m["open_files_start"]
sys.exit(0 if ok else 1)
PY
  if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $s: fewer tokens, memory growth ≥ 5% or a leaked descriptor"; fi
done
# To the end of the context: a clear stop, not an error.
if "$bin" generate --model "$target" --draft "$draft" --strategy chain --prompt "the theory in the" --max-tokens 100000 \
     --ctx $end_ctx --ignore-eos --json >"$work/end.json" 2>"$work/end.err" \
   && grep -q '"stop_reason":"context_full"' "$work/end.json" && grep -q "the context of $end_ctx tokens is full; raise --ctx" "$work/end.err"
then passed=$((passed + 1)); echo "to the end of the context: stopped with context_full and the message"
else failed=$((failed + 1)); echo "FAIL the run to the end of the context"; tail -3 "$work/end.err"; fi
echo "soak ($mode): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
