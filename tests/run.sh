#!/usr/bin/env bash
# Runs every test program (cmocka) and every end-to-end script, then prints one
# pass/fail count. Exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export SENTUI="$PWD/$BUILD/sentui"
export SENTUI_TEST_ROOT="$PWD"
pass=0; fail=0; failed=()
run_one() {
    local name=$1; shift
    local start=$SECONDS log
    log=$(mktemp)
    if "$@" >"$log" 2>&1; then
        pass=$((pass + 1)); printf 'PASS  %-40s %3ds\n' "$name" $((SECONDS - start))
    else
        fail=$((fail + 1)); failed+=("$name"); printf 'FAIL  %-40s %3ds\n' "$name" $((SECONDS - start))
        sed 's/^/      | /' "$log" | tail -n 60
    fi
    rm -f "$log"
}
filter=${1:-}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
    run_one "$(basename "$t")" "$t"
done
for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
    run_one "e2e/$(basename "$t" .sh)" bash "$t"
done
echo
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { printf 'failed: %s\n' "${failed[*]}"; exit 1; }
