#!/usr/bin/env bash
# Responsiveness while the default 1.5B target decodes: 200 key presses (colour-mode toggles and
# cursor moves, each visibly changing the screen) at ~20 per second, then the playground's own report:
# key-to-screen latency p95 and the UI thread's CPU time against the worker's. Not part of CI.
# Usage: scripts/ui-latency.sh path/to/speculum [strategy]
set -uo pipefail
bin=$(realpath "$1")
strategy=${2:-chain}
session=speculum-latency-$$
out=$(mktemp)
trap 'tmux kill-session -t "$session" 2>/dev/null; rm -f "$out"' EXIT
# A prompt whose continuation goes on for a long time, so that every press lands while decoding.
prompt='def f0(x):\n    return x + 0\n\ndef f1(x):\n    return x + 1\n\ndef f2(x):\n'
tmux new-session -d -s "$session" -x 140 -y 45 "env LANG=C.UTF-8 $bin --strategy $strategy --max-tokens 100000 --prompt \"\$(printf '$prompt')\" 2>$out; sleep 30"
for _ in $(seq 1 300); do tmux capture-pane -t "$session" -p | grep -q "⏸ paused" && break; sleep 0.2; done
tmux send-keys -t "$session" ' '
sleep 3
for i in $(seq 1 100); do
  tmux send-keys -t "$session" u; sleep 0.05
  tmux send-keys -t "$session" Left; sleep 0.05
done
tmux capture-pane -t "$session" -p | tail -2 | head -1   # the status line: still running?
tmux send-keys -t "$session" q
for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.1; done
sleep 0.5
cat "$out"
