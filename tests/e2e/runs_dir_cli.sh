#!/usr/bin/env bash
# Where runs are found, and runs in unclear states: every command (train,
# runs, predict, eval, resume, replay, compare) finds runs in --dir, else
# $SENTUI_RUNS_DIR, else ./runs, so `runs` and `predict last` agree; resume
# rebuilds a damaged summary.json and sweeps away a save cut short; a lock
# from another machine says which file to delete; a --set key given twice is
# an error, as a YAML key given twice is.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
ROOT=$PWD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_code() { # expected-code command...
    local want=$1; shift
    "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
    [ "$got" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "'$*' exited $got, expected $want"; }
}
SMALL=(--set train.epochs=1 --set data.synthetic_size=400 --set data.cache=false --set train.threads=1
       --set model.embed_dim=8 --set model.hidden_dim=8 --set data.max_len=32)
# The working folder has a runs/ of its own (empty): commands that ignore
# SENTUI_RUNS_DIR would look there.
mkdir -p "$TMP/work/runs"
cd "$TMP/work"
export SENTUI_RUNS_DIR=$TMP/shared

# --- train writes where SENTUI_RUNS_DIR says; train.runs_dir still wins
expect_code 0 "$SENTUI" train "$ROOT/configs/synthetic/lstm.yaml" "${SMALL[@]}" --set train.name=first
RUN=$(sed -n 's/^run: //p' "$TMP/out")
case "$RUN" in "$TMP/shared/"*) ;; *) fail "train wrote $RUN, not under \$SENTUI_RUNS_DIR" ;; esac
expect_code 0 "$SENTUI" train "$ROOT/configs/synthetic/lstm.yaml" "${SMALL[@]}" --set train.name=second
SECOND=$(sed -n 's/^run: //p' "$TMP/out")
expect_code 0 "$SENTUI" train "$ROOT/configs/synthetic/gru.yaml" "${SMALL[@]}" --set train.runs_dir="$TMP/elsewhere"
case "$(sed -n 's/^run: //p' "$TMP/out")" in "$TMP/elsewhere/"*) ;; *) fail "train.runs_dir was not honoured" ;; esac
ls "$TMP/work/runs" | grep -q . && fail "a run landed in ./runs"

# --- runs, predict, eval, replay and compare agree on "last"
expect_code 0 "$SENTUI" runs
newest=$(tail -n1 "$TMP/out" | awk '{print $1}')
[ "$newest" = "$(basename "$SECOND")" ] || fail "runs lists $newest last, expected $(basename "$SECOND")"
expect_code 0 "$SENTUI" predict last "a fine film"
grep -qE '^(positive|negative)	' "$TMP/out" || fail "predict last: $(cat "$TMP/out")"
expect_code 0 "$SENTUI" eval last
grep -qx "run: $SECOND" "$TMP/out" || fail "eval last chose $(head -n1 "$TMP/out"), not $SECOND"
expect_code 0 "$SENTUI" replay last --dump --size 100x30
expect_code 0 "$SENTUI" compare last "$(basename "$RUN")" --no-charts
# --dir beats the environment.
SENTUI_RUNS_DIR=$TMP/nowhere expect_code 0 "$SENTUI" eval last --dir "$TMP/shared"
SENTUI_RUNS_DIR=$TMP/nowhere expect_code 2 "$SENTUI" predict last "text"
grep -q "no runs in $TMP/nowhere" "$TMP/err" || fail "predict did not look in \$SENTUI_RUNS_DIR: $(cat "$TMP/err")"

# --- resume: a damaged summary.json is rebuilt from events.jsonl, the damaged
# file is kept, and the temporary file of a save cut short is removed.
# (The run finished; without its done line it reads as killed at its last save.)
grep -v '"type":"done"' "$RUN/events.jsonl" >"$TMP/events" && cp "$TMP/events" "$RUN/events.jsonl"
printf '{"run": "x", "status": garb' >"$RUN/summary.json"
sh -c 'exit 0' & dead=$!; wait "$dead"
printf 'partial' >"$RUN/last.safetensors.tmp.$dead"
expect_code 0 "$SENTUI" resume "$(basename "$RUN")"
grep -q "summary.json was damaged" "$TMP/err" || fail "no note about the damaged summary: $(cat "$TMP/err")"
grep -q '"status": "finished"' "$RUN/summary.json" || fail "summary not rebuilt: $(cat "$RUN/summary.json")"
grep -q '"arch": "lstm"' "$RUN/summary.json" || fail "rebuilt summary lacks the arch"
grep -q 'garb' "$RUN/summary.json.damaged" || fail "the damaged summary was not kept"
[ ! -e "$RUN/last.safetensors.tmp.$dead" ] || fail "stale last.safetensors.tmp.$dead left in the run"
# Damaged, and no event log to rebuild from: say so and what to do.
printf 'not json' >"$SECOND/summary.json"
mv "$SECOND/events.jsonl" "$TMP/events.saved"
expect_code 1 "$SENTUI" resume "$(basename "$SECOND")"
grep -q "could not be rebuilt" "$TMP/err" || fail "unclear damaged-summary error: $(cat "$TMP/err")"
grep -q "restore summary.json" "$TMP/err" || fail "no advice for the damaged summary: $(cat "$TMP/err")"
[ ! -e "$SECOND/lock" ] || fail "lock left after a refused resume"
mv "$TMP/events.saved" "$SECOND/events.jsonl"

# --- a lock written on another machine: refused, naming the file to delete
grep -v '"type":"done"' "$SECOND/events.jsonl" >"$TMP/events" && cp "$TMP/events" "$SECOND/events.jsonl"
rm -f "$SECOND/summary.json"
printf '%s\nhost build-server-7.invalid\nstart 12345\n' "$$" >"$SECOND/lock"
expect_code 1 "$SENTUI" resume "$(basename "$SECOND")"
grep -q "build-server-7.invalid" "$TMP/err" || fail "lock error does not name the host: $(cat "$TMP/err")"
grep -qF "delete $SECOND/lock" "$TMP/err" || fail "lock error does not say which file to delete: $(cat "$TMP/err")"

# --- a key given twice with --set is an error naming it, like a YAML duplicate
expect_code 2 "$SENTUI" config "$ROOT/configs/lstm.yaml" --set train.lr=0.1 --set model.layers=2 --set train.lr=0.2
grep -qF -- "--set: error: key 'train.lr' is set twice" "$TMP/err" || fail "repeated --set: $(cat "$TMP/err")"
printf 'train:\n  lr: 0.1\n  lr: 0.2\n' >"$TMP/dup.yaml"
expect_code 2 "$SENTUI" config "$TMP/dup.yaml"
grep -q "set twice" "$TMP/err" || fail "duplicate YAML key: $(cat "$TMP/err")"
echo ok
