#!/usr/bin/env bash
# Runs each libFuzzer target for a fixed time: scripts/fuzz.sh BUILD SECONDS READER...
# Seeds come from tests/fuzz/corpus/<reader>/ and tests/fuzz/regress/<reader>/;
# what the fuzzer learns goes to BUILD/fuzz/corpus/<reader>/ and any crash to
# BUILD/fuzz/crashes/<reader>/. Exits non-zero if any target crashed.
set -u
cd "$(dirname "$0")/.."
build=$1 seconds=$2; shift 2
failed=()
for reader in "$@"; do
    bin=$build/fuzz/fuzz_$reader
    work=$build/fuzz/corpus/$reader crashes=$build/fuzz/crashes/$reader
    mkdir -p "$work" "$crashes"
    seeds=(tests/fuzz/corpus/"$reader")
    [ -d tests/fuzz/regress/"$reader" ] && seeds+=(tests/fuzz/regress/"$reader")
    dict=(); [ -f tests/fuzz/"$reader".dict ] && dict=(-dict=tests/fuzz/"$reader".dict)
    log=$build/fuzz/$reader.log
    echo "fuzz $reader: ${seconds}s"
    # -close_fd_mask=1: the readers' own stdout (progress lines) only slows the fuzzer.
    # Scratch files go to a folder removed afterwards (libFuzzer exits without cleaning up).
    scratch=$(mktemp -d /dev/shm/sentui-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
    if TMPDIR=$scratch "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=1 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "${dict[@]}" "$work" "${seeds[@]}" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done ' "$log" | sed 's/^/    /'
    else
        failed+=("$reader")
        tail -n 60 "$log" | sed 's/^/    | /'
    fi
    rm -rf "$scratch"
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: crashes in ${failed[*]} (inputs in $build/fuzz/crashes/)"; exit 1; }
echo "fuzz: ${#@} targets, no crash"
