#!/usr/bin/env bash
# The test suite under AddressSanitizer and ThreadSanitizer, on the tiny test models (by hand: each
# sanitizer needs its own build of everything, about 7 minutes of two cores, which CI's budget has no
# room for). The suites that load the real models, compare against the reference fixtures or replay
# the golden tokenizer cases are skipped: they test numbers, not memory or threads, and under a
# sanitizer they would take most of an hour.
# Usage: scripts/sanitize.sh [address|thread]...   (default: both)
set -uo pipefail
SWIFT=${SWIFT:-swift}
skip='RealModel|ReferenceParity|DecoderDistribution|QwenTokenizerGolden|GemmaTokenizerGolden|FuzzCorpus|TuneCache'
export SPECULUM_TUNE=$(mktemp -d)
trap 'rm -rf "$SPECULUM_TUNE"' EXIT
# LeakSanitizer: two leaks that are not ours (each shows in every run that reaches it).
#  - XCTest's runner keeps its observation list to the end of the process;
#  - Foundation's Process.run makes a weak-reference side table it never frees (ModelStoreTests'
#    failing-pip test runs a child process).
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1"
status=0
for sanitizer in "${@:-address thread}"; do
  for s in $sanitizer; do
    scratch=.build-$s
    mkdir -p "$scratch"
    echo "== $s: building in $scratch"
    if ! $SWIFT build -c release --build-tests --sanitize="$s" --scratch-path "$scratch" >"$scratch/sanitize-build.log" 2>&1; then
      echo "FAIL $s: the build failed (see $scratch/sanitize-build.log)"; status=1; continue
    fi
    echo "== $s: running the tests"
    $SWIFT test -c release --skip-build --sanitize="$s" --scratch-path "$scratch" --skip "$skip" >"$scratch/sanitize-test.log" 2>&1
    rc=$?
    reports=$(grep -c "^WARNING: ThreadSanitizer\|^==[0-9]*==ERROR: \(Address\|Leak\)Sanitizer" "$scratch/sanitize-test.log")
    summary=$(grep -E "Test run with|Executed [0-9]+ tests" "$scratch/sanitize-test.log" | tail -2 | tr '\n' ' ')
    echo "$s: exit $rc, $reports sanitizer reports; $summary"
    if [ $rc -ne 0 ] || [ "$reports" -ne 0 ]; then status=1; grep -A12 "WARNING: ThreadSanitizer\|ERROR: \(Address\|Leak\)Sanitizer" "$scratch/sanitize-test.log" | head -60; fi
  done
done
exit $status
