#!/usr/bin/env bash
# sentui train / predict / eval / resume through the real binary: a run on the
# generated task, predictions and evaluation from its folder, a kill -9 in the
# middle of an epoch followed by resume, a Ctrl-C stop, and clear errors for a
# corrupt checkpoint, a torn events file and bad arguments.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
BG=
cleanup() { [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_code() { # expected-code command...
    local want=$1; shift
    "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
    [ "$got" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "'$*' exited $got, expected $want"; }
}
RUNS=$TMP/runs
COMMON=(--set "train.runs_dir=$RUNS" --set data.cache=false --set train.threads=1)
# Waits until a run's events.jsonl holds at least $2 step lines.
wait_steps() {
    local dir=$1 want=$2 i
    for i in $(seq 1 600); do
        [ -f "$dir/events.jsonl" ] && [ "$(grep -c '"type":"step"' "$dir/events.jsonl")" -ge "$want" ] && return 0
        sleep 0.05
    done
    fail "no $want steps in $dir"
}
run_dir_of() { sed -n 's/^run: //p' "$1" | head -n1; }

# --- train, piped: the run folder first, plain lines, test metrics at the end
expect_code 0 "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" --set train.epochs=2
cp "$TMP/out" "$TMP/train.out"
head -n1 "$TMP/train.out" | grep -q '^run: ' || fail "first line is not the run folder"
RUN=$(run_dir_of "$TMP/train.out")
[ -d "$RUN" ] || fail "run folder $RUN missing"
grep -q '^epoch 2/2  step' "$TMP/train.out" || fail "no per-epoch line"
grep -q '^val   step' "$TMP/train.out" || fail "no validation line"
grep -q '^test  acc' "$TMP/train.out" || fail "no test metrics"
for f in config.yaml vocab.txt events.jsonl summary.json checkpoint.safetensors last.safetensors; do
    [ -s "$RUN/$f" ] || fail "$f missing in the run folder"
done
[ ! -e "$RUN/lock" ] || fail "lock left behind"
grep -q '"status": "finished"' "$RUN/summary.json" || fail "summary not finished"

# --- predict: arguments, stdin, RUN as a name prefix or "last"
expect_code 0 "$SENTUI" predict "$RUN" "first review text" "second one"
[ "$(grep -cE '^(positive|negative)	p\(positive\) [01]\.[0-9]{4}' "$TMP/out")" -eq 2 ] || fail "predict output: $(cat "$TMP/out")"
printf 'one line\nanother line\nthird\n' >"$TMP/in"
"$SENTUI" predict "$RUN" <"$TMP/in" >"$TMP/out" || fail "predict from stdin"
[ "$(grep -cE '^(positive|negative)	' "$TMP/out")" -eq 3 ] || fail "predict stdin: $(cat "$TMP/out")"
expect_code 0 "$SENTUI" predict last --dir "$RUNS" "text"
expect_code 0 "$SENTUI" predict "$(basename "$RUN" | cut -c1-8)" --dir "$RUNS" "text"
expect_code 2 "$SENTUI" predict no-such-run --dir "$RUNS" "text"
grep -q "no run 'no-such-run'" "$TMP/err" || fail "unclear unknown-run error: $(cat "$TMP/err")"

# --- eval on both splits; the test figures match what training printed
expect_code 0 "$SENTUI" eval "$RUN"
acc=$(awk '/^  accuracy/ {print $2}' "$TMP/out")
grep -q "^test  acc $acc " "$TMP/train.out" || fail "eval accuracy $acc differs from training's test line"
expect_code 0 "$SENTUI" eval "$RUN" --split val
grep -q '^val split' "$TMP/out" || fail "eval --split val"
expect_code 2 "$SENTUI" eval "$RUN" --split train
expect_code 2 "$SENTUI" train configs/synthetic/lstm.yaml --set train.lr=fast
expect_code 2 "$SENTUI" train
expect_code 1 "$SENTUI" resume "$RUN"
grep -q 'already finished' "$TMP/err" || fail "resume of a finished run: $(cat "$TMP/err")"

# --- a corrupt and a truncated checkpoint are reported, never half-read
BAD=$TMP/bad-run
cp -r "$RUN" "$BAD"
size=$(stat -c %s "$BAD/checkpoint.safetensors")
printf '\x55' | dd of="$BAD/checkpoint.safetensors" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
expect_code 1 "$SENTUI" predict "$BAD" "text"
grep -q 'corrupt' "$TMP/err" || fail "corrupt checkpoint: $(cat "$TMP/err")"
truncate -s $((size / 2)) "$BAD/checkpoint.safetensors"
expect_code 1 "$SENTUI" eval "$BAD"
grep -q 'truncated' "$TMP/err" || fail "truncated checkpoint: $(cat "$TMP/err")"

# --- kill -9 in the middle of an epoch, then resume to the end
SLOW=(--set train.epochs=2 --set data.synthetic_size=6000 --set eval.every_steps=40 --set eval.test=false)
"$SENTUI" train configs/synthetic/gru.yaml "${COMMON[@]}" "${SLOW[@]}" --set train.name=killed >"$TMP/killed.out" 2>&1 &
BG=$!
for i in $(seq 1 200); do [ -n "$(run_dir_of "$TMP/killed.out")" ] && break; sleep 0.05; done
KILLED=$(run_dir_of "$TMP/killed.out")
[ -n "$KILLED" ] || fail "no run folder printed"
wait_steps "$KILLED" 90
kill -9 "$BG"; wait "$BG" 2>/dev/null; BG=
grep -q '"type":"done"' "$KILLED/events.jsonl" && fail "the run finished before it could be killed"
steps_before=$(grep -c '"type":"step"' "$KILLED/events.jsonl")
# The resume point is the last last.safetensors written before the kill, in the middle of epoch 1.
saved=$(grep -o '"type":"checkpoint","step":[0-9]*,"file":"last.safetensors"' "$KILLED/events.jsonl" | tail -n1 |
        sed 's/.*"step":\([0-9]*\).*/\1/')
per_epoch=$(grep -o '"steps_per_epoch":[0-9]*' "$KILLED/events.jsonl" | head -n1 | cut -d: -f2)
[ -n "$saved" ] && [ "$saved" -gt 0 ] && [ $((saved % per_epoch)) -ne 0 ] ||
    fail "the kill did not land after a save in the middle of an epoch (saved $saved, $per_epoch steps per epoch)"
[ -e "$KILLED/lock" ] || fail "no lock in a running run"
grep -q '"status": "running"' "$KILLED/summary.json" || fail "summary of the killed run is not running"
# A torn last line, as a crash during a write leaves.
printf '{"type":"step","step":99' >>"$KILLED/events.jsonl"
expect_code 0 "$SENTUI" resume "$(basename "$KILLED")" --dir "$RUNS"
grep -q 'torn line' "$TMP/err" || fail "torn events line not reported: $(cat "$TMP/err")"
grep -q "^resuming at step $saved " "$TMP/out" || fail "did not resume from the last save (step $saved): $(grep resuming "$TMP/out")"
grep -q '"status": "finished"' "$KILLED/summary.json" || fail "resumed run did not finish"
[ "$(grep -c '"type":"start"' "$KILLED/events.jsonl")" -eq 2 ] || fail "expected two start events"
grep -q "\"resumed_from_step\":$saved" "$KILLED/events.jsonl" || fail "no resumed_from_step"
if grep -v '^{.*}$' "$KILLED/events.jsonl" | grep -q .; then fail "events.jsonl holds a broken line"; fi
[ "$steps_before" -ge 90 ] || fail "kill came too early"
[ ! -e "$KILLED/lock" ] || fail "lock left after resume"

# --- Ctrl-C (SIGINT) stops after saving; the run resumes
"$SENTUI" train configs/synthetic/gru.yaml "${COMMON[@]}" "${SLOW[@]}" --set train.name=stopped >"$TMP/stop.out" 2>"$TMP/stop.err" &
BG=$!
for i in $(seq 1 200); do [ -n "$(run_dir_of "$TMP/stop.out")" ] && break; sleep 0.05; done
STOPPED=$(run_dir_of "$TMP/stop.out")
wait_steps "$STOPPED" 20
kill -INT "$BG"
wait "$BG"; code=$?; BG=
[ "$code" -eq 130 ] || fail "Ctrl-C exit status $code, expected 130"
grep -q 'continue with: sentui resume' "$TMP/stop.out" || fail "no resume hint: $(cat "$TMP/stop.out")"
grep -q '"status": "stopped"' "$STOPPED/summary.json" || fail "summary not stopped"
grep -q '"status":"stopped"' "$STOPPED/events.jsonl" || fail "no stopped done event"
echo "ok"
