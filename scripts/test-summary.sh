#!/usr/bin/env bash
# Adds up what every suite reported in DIR and prints one closing line
# "tests: N passed, M failed". Suites report either as cmocka logs (*.log,
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)") or as a *.summary
# file holding "N passed, M failed". Every result file must be declared in
# MINIMUMS (tests/minimums.txt) with the least it must pass, and every
# declared one must be there: a suite that ran fewer tests fails the run.
set -euo pipefail
dir=${1:-build/test-results}
minimums=${2:-tests/minimums.txt}
passed=0 failed=0 short=0
declare -A got=()
count() { # file -> "passed failed"
  local f=$1 p q
  case $f in
  *.log)
    p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$f" | tail -n 1)
    q=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$f" | tail -n 1) ;;
  *)
    p=$(grep -oE '[0-9]+ passed' "$f" | tail -n 1 | cut -d' ' -f1 || true)
    q=$(grep -oE '[0-9]+ failed' "$f" | tail -n 1 | cut -d' ' -f1 || true) ;;
  esac
  echo "${p:-0} ${q:-0}"
}
for f in "$dir"/*.log "$dir"/*.summary; do
  [ -f "$f" ] || continue
  read -r p q < <(count "$f")
  got[$(basename "$f")]=$p
  passed=$((passed + p)); failed=$((failed + q))
done
declare -A want=()
while read -r name min _; do
  case $name in '' | '#'*) continue ;; esac
  want[$name]=$min
  if [ -z "${got[$name]+x}" ]; then
    echo "test-summary: $name missing: the suite did not report (declared in $minimums)"
    short=1
  elif [ "${got[$name]}" -lt "$min" ]; then
    echo "test-summary: $name passed ${got[$name]}, fewer than its minimum $min ($minimums)"
    short=1
  fi
done < "$minimums"
for name in "${!got[@]}"; do
  if [ -z "${want[$name]+x}" ]; then
    echo "test-summary: $name has no minimum in $minimums: declare one"
    short=1
  fi
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$short" -eq 0 ]
