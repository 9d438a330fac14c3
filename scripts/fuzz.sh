#!/usr/bin/env bash
# The GGUF fuzzer: libFuzzer (coverage-guided, with AddressSanitizer) over ModelBytesProbe, starting
# from the committed corpus (Tests/SpeculumEngineTests/Fixtures/fuzz). Usage: scripts/fuzz.sh SECONDS
# Builds in .build-fuzz (its own flags, so the main build is untouched). A crash stops it with the
# input saved under .build-fuzz/crashers/ and the steps to keep it as a regression test.
set -euo pipefail
seconds=${1:-60}
swift=${SWIFT:-swift}
corpus=Tests/SpeculumEngineTests/Fixtures/fuzz
out=.build-fuzz
toolchain=$(dirname "$(dirname "$(realpath "$(command -v "$swift")")")")
runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -f "$runtime" ] || { echo "fuzz: no libFuzzer runtime (libclang_rt.fuzzer_no_main) under $toolchain/lib/clang"; exit 1; }
# -sanitize=fuzzer would link libFuzzer's own main, which SwiftPM's renamed entry point clashes with;
# so: AddressSanitizer plus the coverage libFuzzer reads, and libFuzzer without its main.
"$swift" build -c release --product gguf-fuzz --scratch-path "$out" \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
  -Xswiftc -DFUZZING -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$out/release/gguf-fuzz"
[ -x "$bin" ] || { echo "fuzz: the harness did not build"; exit 1; }
mkdir -p "$out/corpus" "$out/crashers"
echo "fuzz: ${seconds}s of libFuzzer on the model-bytes probe (corpus: $corpus + $out/corpus)"
if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
     -artifact_prefix="$out/crashers/" "$out/corpus" "$corpus" >"$out/fuzz.log" 2>&1; then
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/fuzz.log" || true
  grep -E 'DONE +cov' "$out/fuzz.log" | tail -1 || true
  echo "fuzz: no crash"
else
  tail -40 "$out/fuzz.log"
  echo "fuzz: FAILED. Keep the input as a regression test: copy $out/crashers/crash-* to $corpus/," \
       "fix the cause, and add the outcome \`swift run gguf-fuzz FILE\` prints to $corpus/expected.txt"
  exit 1
fi
