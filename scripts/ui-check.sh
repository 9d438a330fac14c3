#!/usr/bin/env bash
# The playground as a person uses it: tmux runs `speculum` at a fixed size on the small model pair,
# keys are sent, and the captured screen is checked for what a person would see. Also the refusals
# (no terminal, TERM=dumb) and a clean exit on q and on Ctrl-C.
# Usage: scripts/ui-check.sh path/to/speculum
set -uo pipefail
bin=$(realpath "$1")
small=qwen2.5-coder-0.5b-instruct-q4_k_m
base=speculum-ui-check-$$
run=0
session=$base-0
work=$(mktemp -d)
passed=0 failed=0
trap 'for s in $(tmux ls -F "#S" 2>/dev/null | grep "^$base"); do tmux kill-session -t "$s"; done; rm -rf "$work"' EXIT

check() {  # check NAME CONDITION-EXIT-CODE
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1"; tmux capture-pane -t "$session" -p 2>/dev/null | sed 's/^/  | /' | head -60; fi
}
screen() { tmux capture-pane -t "$session" -p; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
  local deadline=$((SECONDS + ${2:-60}))
  while [ $SECONDS -lt $deadline ]; do screen | grep -qF -- "$1" && return 0; sleep 0.3; done
  return 1
}
# fresh: a new session name; the old session is killed after the new one exists (killing the last
# session stops the tmux server, and a new-session racing with that can fail).
fresh() {
  local old=$session
  run=$((run + 1)); session=$base-$run
  tmux new-session -d -s "$session" -x "$1" -y "$2" "$3"
  tmux kill-session -t "$old" 2>/dev/null
  return 0
}
start() {  # start WIDTH HEIGHT EXTRA-ARGS
  fresh "$1" "$2" \
    "cd $work && env LANG=C.UTF-8 SPECULUM_TUNE=$work/tune $bin --target $small --draft $small --max-tokens 16 --record $work/record.jsonl $3; echo EXIT=\$?; sleep 120"
}

# Refusals without a terminal.
"$bin" --target $small </dev/null >"$work/out" 2>"$work/err"; rc=$?
[ $rc -ne 0 ] && grep -q "needs a terminal" "$work/err"; check "refuses without a terminal" $?
fresh 80 24 "env TERM=dumb $bin --target $small; echo EXIT=\$?; sleep 30"
wait_for "EXIT=1" 10 && screen | grep -q "TERM=dumb cannot draw the playground"; check "refuses TERM=dumb" $?

start 120 40 ""
wait_for "⏸ paused" 90; check "loads and pauses" $?
screen | grep -q "│ untuned (speculum tune) │"; check "the status bar says the pair is not tuned" $?
tmux send-keys -t "$session" n
wait_for "cycle 0 · batch" 30; check "n runs one cycle and draws its tree" $?
screen | grep -qE "✓ p/q [0-9.]+ > u"; check "the tree shows why a node was accepted" $?
tmux send-keys -t "$session" 3
wait_for "static tree: branching=3x2x1x1" 10; check "3 switches to the static tree" $?
tmux send-keys -t "$session" s
wait_for "phase: drafted" 30; check "s shows the drafted phase" $?
tmux send-keys -t "$session" s
wait_for "phase: verified" 5; check "s shows the verified phase" $?
tmux send-keys -t "$session" ']'
wait_for "branching=4x2x1x1" 10; check "] widens the tree" $?
tmux send-keys -t "$session" '?'
wait_for "help — ? or Esc closes" 5; check "? opens the help" $?
tmux send-keys -t "$session" Escape
tmux send-keys -t "$session" ':' 'strategy lookup' Enter
wait_for "prompt lookup: k=6" 10; check ":strategy switches" $?
tmux send-keys -t "$session" c
wait_for "cascade " 240; check "c races every strategy" $?
screen | grep -qE "^.*chain +[0-9.]+ +[0-9.]+× +[0-9.]+ +yes"; check "the race says chain matches AR" $?
tmux resize-window -t "$session" -x 50 -y 15
wait_for "Enlarge the terminal" 5; check "a small terminal asks to be enlarged" $?
tmux resize-window -t "$session" -x 100 -y 30
wait_for "Draft tree" 5; check "resizing back redraws" $?
tmux send-keys -t "$session" n   # the race left the prompt without output: one cycle first
wait_for ", cycle 0, id" 30
tmux send-keys -t "$session" a
wait_for "nearest keys to" 60 && screen | grep -qE "^.*0\.[0-9]{3} +[0-9.]+% +[0-9]+  '"; check "a shows the key neighbourhood with cosine, p and rank" $?
tmux send-keys -t "$session" a
wait_for "logit lens before output token" 60 && screen | grep -qE "^.* 24 '.*' [0-9.]+"; check "a again shows the logit lens to the last block" $?
tmux send-keys -t "$session" a
wait_for "the prompt ends in the word" 60 && screen | grep -q "next char"; check "a again shows healing with the next-character distribution" $?
tmux send-keys -t "$session" a
wait_for "Acceptance · a: analysis views" 5; check "a again returns to the acceptance statistics" $?
tmux send-keys -t "$session" q
wait_for "EXIT=0" 10; check "q quits with status 0" $?
screen | grep -q "key-to-screen p95"; check "the terminal is restored and the report printed" $?
[ -s "$work/record.jsonl" ] && python3 -c "import json,sys; [json.loads(l) for l in open('$work/record.jsonl')]"; check "--record wrote complete JSON lines" $?

# Replay the recording without a model.
cp "$work/record.jsonl" "$work/replay.jsonl"
fresh 120 40 "cd $work && env LANG=C.UTF-8 $bin replay $work/replay.jsonl; echo EXIT=\$?; sleep 60"
wait_for "(replay: cycle 0 of" 10; check "replay opens the recording" $?
tmux send-keys -t "$session" n n
wait_for "(replay: cycle 2 of" 5
tmux send-keys -t "$session" b
wait_for "(replay: cycle 1 of" 5; check "replay steps forward and back" $?
screen | grep -qE "cycle 0 · batch"; check "replay draws the recorded tree" $?
tmux send-keys -t "$session" q
wait_for "EXIT=0" 5; check "replay quits" $?
printf '{"cycle": "x"}\n' >"$work/bad.jsonl"
"$bin" replay "$work/bad.jsonl" >"$work/out" 2>"$work/err"; rc=$?
[ $rc -ne 0 ] && grep -q "bad.jsonl:1: not a cycle trace" "$work/err"; check "replay names the bad line" $?

# A tuned pair: the status bar shows the choice and chain starts from it.
SPECULUM_TUNE=$work/tune "$bin" tune --model $small --draft $small --limit 1 --tokens 8 >"$work/tune.txt" 2>/dev/null
k=$(sed -n 's/^chosen: chain --set k=\([0-9]*\).*/\1/p' "$work/tune.txt")
start 120 40 ""
wait_for "⏸ paused" 90 && screen | grep -q "│ tuned k=$k · tree " && screen | grep -q "draft-model chain: k=$k "; check "the status bar shows the tuned k=$k and chain uses it" $?
tmux send-keys -t "$session" q
wait_for "EXIT=0" 10

# A bad theme file: the message names file, line and key; the default theme is used.
printf '[roles.accepted]\nfg = 300\n' >"$work/bad.toml"
start 120 40 "--theme $work/bad.toml"
wait_for "bad.toml:2: fg = 300 is not a 256-colour index" 90; check "a bad theme is named and the default used" $?
tmux send-keys -t "$session" q
wait_for "EXIT=0" 10

# Colour depth: a direct-colour terminal gets RGB, a 256-colour one palette indices, NO_COLOR none.
colours() {  # colours TERM EXTRA-ENV: the SGR colour codes the first screen uses
  fresh 120 40 "cd $work && env LANG=C.UTF-8 TERM=$1 $2 $bin --target $small --draft $small; sleep 60"
  wait_for "⏸ paused" 90
  tmux capture-pane -t "$session" -p -e | grep -oE $'\e\\[[0-9;:]*m' | sort -u | tr '\n' ' '
}
# (Not in a pipeline: `colours` must run in this shell, where it renames the session.)
colours xterm-direct "" >"$work/sgr"; grep -qE '38;2;[0-9]+;[0-9]+;[0-9]+' "$work/sgr"; check "direct colour on a terminal with RGB" $?
colours tmux-256color "" >"$work/sgr"; grep -qE '38;5;[0-9]+' "$work/sgr"; check "256 colours on a 256-colour terminal" $?
colours tmux-256color "NO_COLOR=1" >"$work/sgr"; ! grep -qE '38;[25];' "$work/sgr"; check "NO_COLOR draws without colours" $?

start 100 30 ""
wait_for "⏸ paused" 90
tmux send-keys -t "$session" ' '
sleep 2
tmux send-keys -t "$session" C-c
wait_for "EXIT=130" 10; check "Ctrl-C while running restores the terminal and exits 130" $?

start 100 30 ""
wait_for "⏸ paused" 90
pkill -TERM -f -- "^$bin --target $small --draft $small --max-tokens 16"   # the binary only, not its shell
wait_for "EXIT=143" 10; check "SIGTERM restores the terminal and exits 143" $?

# SIGHUP (the terminal closed) while decoding: exit 129, and the recording ends on a complete line.
start 100 30 ""
wait_for "⏸ paused" 90
tmux send-keys -t "$session" ' '
sleep 3
pkill -HUP -f -- "^$bin --target $small --draft $small --max-tokens 16"
wait_for "EXIT=129" 10 && python3 -c "import json; [json.loads(l) for l in open('$work/record.jsonl')]"; check "SIGHUP while decoding exits 129 with whole lines in --record" $?

# Ctrl-C during a long prefill (about 3,000 prompt tokens): the terminal comes back at once.
python3 -c "print('the quick brown fox jumps over the lazy dog ' * 330)" >"$work/long-prompt.txt"
start 100 30 "--prompt \"\$(cat $work/long-prompt.txt)\""
sleep 4
tmux send-keys -t "$session" C-c
wait_for "EXIT=130" 10 && screen | grep -q "key-to-screen p95"; check "Ctrl-C during prefill restores the terminal and exits 130" $?

# Each signal inside each phase: the process sends it to itself at a chosen point (SPECULUM_SIGNAL_AT,
# a test hook), so drafting, verification and rendering are each hit for certain. Every time: the
# conventional exit code, the terminal restored (the report line printed after it), whole --record lines.
for at in drafting verifying rendering; do
  for sig in INT:130 TERM:143 HUP:129; do
    name=${sig%%:*} code=${sig##*:}
    rm -f "$work/record.jsonl"
    turn=3; [ $at = rendering ] && turn=40   # frames drawn while loading come first; the 40th is while decoding
    fresh 100 30 "cd $work && env LANG=C.UTF-8 SPECULUM_TUNE=$work/tune SPECULUM_SIGNAL_AT=$name@$at#$turn $bin --target $small --draft $small --max-tokens 256 --record $work/record.jsonl; echo EXIT=\$?; sleep 60"
    wait_for "⏸ paused" 90
    tmux send-keys -t "$session" ' '
    wait_for "EXIT=$code" 60 && screen | grep -q "key-to-screen p95" \
      && python3 -c "import json; assert [json.loads(l) for l in open('$work/record.jsonl')]" 2>/dev/null
    check "SIG$name while $at: exit $code, terminal restored, whole record lines" $?
  done
done

# The same three signals inside a long prefill (about 3,000 prompt tokens): nothing was recorded yet,
# so the record file holds no line or only whole ones.
for sig in INT:130 TERM:143 HUP:129; do
  name=${sig%%:*} code=${sig##*:}
  rm -f "$work/record.jsonl"
  fresh 100 30 "cd $work && env LANG=C.UTF-8 SPECULUM_TUNE=$work/tune SPECULUM_SIGNAL_AT=$name@prefilling#1 $bin --target $small --draft $small --max-tokens 16 --record $work/record.jsonl --prompt \"\$(cat $work/long-prompt.txt)\"; echo EXIT=\$?; sleep 60"
  wait_for "EXIT=$code" 60 && screen | grep -q "key-to-screen p95" \
    && python3 -c "import json, os; p = '$work/record.jsonl'; [json.loads(l) for l in open(p)] if os.path.exists(p) else None"
  check "SIG$name while prefilling: exit $code, terminal restored, whole record lines" $?
done

# Resized about 100 times a second for 10 seconds while decoding, through sizes below the minimum:
# the playground keeps drawing and quits cleanly afterwards.
start 100 30 ""
wait_for "⏸ paused" 90
tmux send-keys -t "$session" ' '
resizes=0 t0=${EPOCHREALTIME/./}
while [ $((${EPOCHREALTIME/./} - t0)) -lt 10000000 ]; do
  # one resize every 10 ms (the tmux call itself takes a few), through sizes below the minimum
  tmux resize-window -t "$session" -x $((30 + (resizes * 37) % 110)) -y $((8 + (resizes * 11) % 40)) 2>/dev/null
  resizes=$((resizes + 1))
  next=$((t0 + resizes * 10000))
  while [ ${EPOCHREALTIME/./} -lt $next ]; do :; done
done
rate=$((resizes * 1000000 / (${EPOCHREALTIME/./} - t0)))
tmux resize-window -t "$session" -x 100 -y 30
wait_for "Draft tree" 10 && tmux send-keys -t "$session" q && wait_for "EXIT=0" 20
check "resized $resizes times ($rate/s) while decoding: still drawing, quits with 0" $?
echo "  (resize storm: $resizes resizes at $rate per second)"

echo "ui-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
