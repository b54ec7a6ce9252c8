#!/usr/bin/env bash
# Adds up what every suite reported in DIR and prints one closing line
# "tests: N passed, M failed". Suites report either as cmocka logs (*.log,
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)") or as a *.summary
# file holding "N passed, M failed".
set -euo pipefail
dir=${1:-build/test-results}
passed=0 failed=0
for f in "$dir"/*.log; do
  [ -f "$f" ] || continue
  p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$f" | tail -n 1)
  q=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$f" | tail -n 1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${q:-0}))
done
for f in "$dir"/*.summary; do
  [ -f "$f" ] || continue
  p=$(grep -oE '[0-9]+ passed' "$f" | tail -n 1 | cut -d' ' -f1)
  q=$(grep -oE '[0-9]+ failed' "$f" | tail -n 1 | cut -d' ' -f1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${q:-0}))
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
