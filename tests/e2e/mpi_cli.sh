#!/usr/bin/env bash
# Data-parallel training under mpirun: a 2-rank run gives the 1-process curve
# (dropout off: per-step losses within 1e-4 relative, test accuracy within
# 0.005) and writes one run folder; a rank killed with kill -9 ends the job
# with a clear message and the run resumes, on 2 ranks and then on 1; a rank
# that hangs is caught by the watchdog. A build without MPI, started as one
# of several ranks, says so and exits 2; the MPI part is skipped without MPI.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
BG=
cleanup() { [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
RUNS=$TMP/runs
COMMON=(--set "train.runs_dir=$RUNS" --set data.cache=false --set model.dropout=0 --set eval.every_steps=0)

# grep -c reads all of ldd's output: with -q, ldd could die of SIGPIPE and fail the pipe.
if [ "$(ldd "$SENTUI" | grep -c libmpi)" -eq 0 ]; then
    OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" \
        >"$TMP/out" 2>"$TMP/err"
    [ $? -eq 2 ] || fail "a build without MPI under a launcher did not exit 2"
    grep -q "built without MPI" "$TMP/err" || fail "unclear message: $(cat "$TMP/err")"
    [ ! -d "$RUNS" ] || fail "a run folder was created"
    echo "SKIP: this sentui has no MPI (install libopenmpi-dev and rebuild)"
    exit 0
fi
command -v mpirun >/dev/null || { echo "SKIP: no mpirun (install openmpi-bin)"; exit 0; }
MPIRUN=(mpirun -np 2 --oversubscribe --allow-run-as-root)
# In a sanitizer build: Open MPI's components stay loaded, so that their
# allocations are named (the slow unwinder walks through their frames) and
# the suppressions can tell them from sentui's.
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS="suppressions=$PWD/tests/support/lsan_mpi.supp:print_suppressions=0:fast_unwind_on_malloc=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
run_dir_of() { sed -n 's/^run: //p' "$1" | head -n1; }
losses() { grep '"type":"step"' "$1/events.jsonl" | head -n "$2" | sed 's/.*"loss":\([^,]*\),.*/\1/'; }
val_acc() { grep '"type":"eval".*"split":"val"' "$1/events.jsonl" | tail -n1 | sed 's/.*"accuracy":\([^,]*\),.*/\1/'; }
test_acc() { grep '"type":"eval".*"split":"test"' "$1/events.jsonl" | sed 's/.*"accuracy":\([^,]*\),.*/\1/'; }

# --- one process with batch B against 2 ranks sharing each batch of B
timeout 300 "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" --set train.epochs=1 --set train.threads=1 \
    >"$TMP/one" 2>&1 || { cat "$TMP/one"; fail "1-process run"; }
timeout 300 "${MPIRUN[@]}" "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" --set train.epochs=1 \
    >"$TMP/two" 2>&1 || { cat "$TMP/two"; fail "2-rank run"; }
ONE=$(run_dir_of "$TMP/one"); TWO=$(run_dir_of "$TMP/two")
[ -d "$ONE" ] && [ -d "$TWO" ] && [ "$ONE" != "$TWO" ] || fail "run folders: '$ONE' '$TWO'"
[ "$(ls "$RUNS" | wc -l)" -eq 2 ] || fail "rank 1 wrote a run folder: $(ls "$RUNS")"
[ "$(grep -c '^run: ' "$TMP/two")" -eq 1 ] || fail "rank 1 printed the run too"
grep -q '^data-parallel: 2 ranks x [0-9]* threads; gradient all-reduce [0-9.]* kB per step' "$TMP/two" ||
    fail "no data-parallel summary: $(tail -n 3 "$TMP/two")"
# The ranks share the machine's cores instead of each starting one thread per core.
threads=$(sed -n 's/^data-parallel: 2 ranks x \([0-9]*\) threads.*/\1/p' "$TMP/two")
cores=$(nproc --all)
[ "$threads" -ge 1 ] && [ $((2 * threads)) -le $((cores < 2 ? 2 : cores)) ] ||
    fail "2 ranks x $threads threads on $cores cores"
grep -q '"status": "finished"' "$TWO/summary.json" || fail "2-rank run not finished"
[ "$(losses "$TWO" 50 | wc -l)" -eq 50 ] || fail "fewer than 50 steps"
paste <(losses "$ONE" 50) <(losses "$TWO" 50) | awk '
    { d = ($1 - $2) / $1; if (d < 0) d = -d; if (d > m) { m = d; at = NR } }
    END { printf "max relative loss difference %.3g (step %d)\n", m, at; exit !(m <= 1e-4) }' ||
    fail "2-rank losses differ from the 1-process ones"
# Validation is shared between the ranks and added up: the same figures.
v1=$(val_acc "$ONE"); v2=$(val_acc "$TWO")
awk -v a="$v1" -v b="$v2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.005) }' ||
    fail "validation accuracy $v1 (1 process) against $v2 (2 ranks)"
a1=$(test_acc "$ONE"); a2=$(test_acc "$TWO")
awk -v a="$a1" -v b="$a2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.005) }' ||
    fail "test accuracy $a1 (1 process) against $a2 (2 ranks)"

# --- the row-sparse exchange: a bag of bigrams touches few of its 20,000 bucket
# rows a step, so a step sends far less than the gradient block, and the
# union-of-rows sum still gives the 1-process losses.
timeout 300 "$SENTUI" train configs/synthetic/bag.yaml "${COMMON[@]}" --set train.epochs=1 --set train.threads=1 \
    >"$TMP/bag1" 2>&1 || { cat "$TMP/bag1"; fail "1-process bag run"; }
timeout 300 "${MPIRUN[@]}" "$SENTUI" train configs/synthetic/bag.yaml "${COMMON[@]}" --set train.epochs=1 \
    >"$TMP/bag2" 2>&1 || { cat "$TMP/bag2"; fail "2-rank bag run"; }
BAG1=$(run_dir_of "$TMP/bag1"); BAG2=$(run_dir_of "$TMP/bag2")
kb=$(sed -n 's/.*gradient all-reduce \([0-9.]*\) kB per step.*/\1/p' "$TMP/bag2")
params=$(sed -n 's/.*"params": *\([0-9]*\).*/\1/p' "$BAG2/summary.json")
awk -v kb="$kb" -v n="$params" 'BEGIN { exit !(n > 0 && kb > 0 && kb * 1000 < 0.25 * 4 * n) }' ||
    fail "all-reduce of $kb kB per step for $params parameters: the untouched rows were sent"
paste <(losses "$BAG1" 50) <(losses "$BAG2" 50) | awk '
    { d = ($1 - $2) / $1; if (d < 0) d = -d; if (d > m) m = d }
    END { exit !(NR == 50 && m <= 1e-4) }' || fail "2-rank bag losses differ from the 1-process ones"

# The runs that get killed: 57 steps an epoch, a save at the end of each.
SMALL=(--set train.epochs=4 --set data.synthetic_size=2000)
# Pids of the rank (0 or 1) under mpirun pid $1.
rank_pid() {
    local p
    for p in $(pgrep -P "$1" -x sentui); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return; }
    done
}
wait_steps() { # run-folder steps
    local i
    for i in $(seq 1 600); do
        [ -f "$1/events.jsonl" ] && [ "$(grep -c '"type":"step"' "$1/events.jsonl")" -ge "$2" ] && return 0
        sleep 0.05
    done
    fail "no $2 steps in $1"
}
# Until a killed job's ranks are reaped: a zombie still holds the run's lock.
wait_gone() { local p i; for p in "$@"; do for i in $(seq 1 100); do [ -e "/proc/$p" ] || break; sleep 0.1; done; done; }
# The folder of the run just started: waits until there is one more than $1.
new_run() {
    local i
    for i in $(seq 1 600); do [ "$(ls "$RUNS" | wc -l)" -gt "$1" ] && break; sleep 0.05; done
    ls -td "$RUNS"/*/ | head -n1 | sed 's:/$::'
}

# --- kill -9 of rank 1: the job ends with a clear message, the run resumes
before=$(ls "$RUNS" | wc -l)
"${MPIRUN[@]}" "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" "${SMALL[@]}" \
    >"$TMP/kill.out" 2>"$TMP/kill.err" &
BG=$!
RUN=$(new_run "$before")
[ "$RUN" != "$TWO" ] && [ "$RUN" != "$ONE" ] || fail "no new run folder"
wait_steps "$RUN" 80 # past the save at the end of epoch 1
victim=$(rank_pid "$BG" 1); owner=$(rank_pid "$BG" 0)
[ -n "$victim" ] && [ -n "$owner" ] || fail "ranks not found"
kill -9 "$victim"
for i in $(seq 1 300); do kill -0 "$BG" 2>/dev/null || break; sleep 0.1; done
kill -0 "$BG" 2>/dev/null && fail "the job hangs after rank 1 was killed"
wait "$BG"; rc=$?; BG=
wait_gone "$owner"
[ "$rc" -ne 0 ] || fail "a job that lost a rank exited 0"
grep -q "rank 1 .*exited on signal 9" "$TMP/kill.err" || fail "unclear message: $(cat "$TMP/kill.err")"
grep -q '"status": "finished"' "$RUN/summary.json" && fail "killed run marked finished"
timeout 300 "${MPIRUN[@]}" "$SENTUI" resume "$RUN" >"$TMP/resume2" 2>&1 || { cat "$TMP/resume2"; fail "2-rank resume"; }
grep -q '^resuming at step [1-9]' "$TMP/resume2" || fail "did not resume: $(head -n 5 "$TMP/resume2")"
grep -q '"status": "finished"' "$RUN/summary.json" || fail "resumed run not finished"

# --- kill -9 of rank 0 (the run's owner), then resume on one process
before=$(ls "$RUNS" | wc -l)
"${MPIRUN[@]}" "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" "${SMALL[@]}" \
    >"$TMP/kill0.out" 2>"$TMP/kill0.err" &
BG=$!
RUN=$(new_run "$before")
wait_steps "$RUN" 80
owner=$(rank_pid "$BG" 0); other=$(rank_pid "$BG" 1)
kill -9 "$owner"
for i in $(seq 1 300); do kill -0 "$BG" 2>/dev/null || break; sleep 0.1; done
kill -0 "$BG" 2>/dev/null && fail "the job hangs after rank 0 was killed"
wait "$BG"; BG=
wait_gone "$other"
grep -q "rank 0 .*exited on signal 9" "$TMP/kill0.err" || fail "unclear message: $(cat "$TMP/kill0.err")"
timeout 300 "$SENTUI" resume "$RUN" >"$TMP/resume1" 2>&1 || { cat "$TMP/resume1"; fail "1-process resume"; }
grep -q '^resuming at step [1-9]' "$TMP/resume1" || fail "did not resume: $(head -n 5 "$TMP/resume1")"
grep -q '"status": "finished"' "$RUN/summary.json" || fail "run resumed on 1 process not finished"

# --- a rank that hangs (stopped, not dead): the watchdog ends the job
before=$(ls "$RUNS" | wc -l)
SENTUI_RANK_TIMEOUT=2 "${MPIRUN[@]}" "$SENTUI" train configs/synthetic/lstm.yaml "${COMMON[@]}" "${SMALL[@]}" \
    >"$TMP/hang.out" 2>"$TMP/hang.err" &
BG=$!
RUN=$(new_run "$before")
wait_steps "$RUN" 20
hung=$(rank_pid "$BG" 1)
kill -STOP "$hung"
for i in $(seq 1 300); do kill -0 "$BG" 2>/dev/null || break; sleep 0.1; done
kill -0 "$BG" 2>/dev/null && { kill -9 "$hung"; fail "the job hangs while rank 1 is stopped"; }
wait "$BG"; BG=
kill -9 "$hung" 2>/dev/null
grep -q "rank 0 of 2 waited 2 s for the other ranks at step [0-9]*: a rank died or hangs" "$TMP/hang.err" ||
    fail "no watchdog message: $(cat "$TMP/hang.err")"
echo "ok"
