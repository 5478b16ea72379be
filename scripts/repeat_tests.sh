#!/usr/bin/env bash
# Run `make test` N times in a row (default 20) and count how many runs pass and fail: the
# "cannot flake" check of issue 10. Not part of CI (it takes N times the suite's time).
#
# Usage: scripts/repeat_tests.sh [N] [LOG_DIR]
# Each run's output goes to LOG_DIR/run-K.log (default: a new folder under /tmp); the summary
# names the failing runs and the tests that failed in them. Exit status 0 when every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
logs="${2:-$(mktemp -d -t budgetml-repeat-XXXX)}"
mkdir -p "$logs"
passed=0
failed=0
for k in $(seq 1 "$runs"); do
  start=$(date +%s)
  if make test >"$logs/run-$k.log" 2>&1; then
    passed=$((passed + 1))
    echo "run $k/$runs: passed ($(($(date +%s) - start)) s)"
  else
    failed=$((failed + 1))
    echo "run $k/$runs: FAILED ($(($(date +%s) - start)) s), see $logs/run-$k.log"
    grep -E "^(FAILED|ERROR) " "$logs/run-$k.log" | sed 's/^/    /'
  fi
done
echo "make test: $passed of $runs runs passed, $failed failed (logs in $logs)"
[ "$failed" -eq 0 ]
