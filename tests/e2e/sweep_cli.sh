#!/usr/bin/env bash
# Sweeps: a 4-trial grid runs every trial once as a normal run folder and
# ranks them by each run's own best validation accuracy; best.yaml is the
# winner's config; `sweep show` gives the same ranking as text, CSV and JSON,
# and `compare` takes the sweep folder. A sweep file gives the same trials as
# the command line. A sweep killed with kill -9 while its second trial runs
# resumes with only the unfinished trials, leaving the finished one's run
# folder untouched. Bad input gets one line and exit 2. Under MPI (skipped
# without it), 2 ranks share a 4-trial sweep, each trial run exactly once.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
BG=
cleanup() { [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
RUNS=$TMP/runs
SMALL=(--set data.synthetic_size=600 --set data.cache=false --dir "$RUNS")
FAST=("${SMALL[@]}" --set train.epochs=2)
CFG=configs/synthetic/bag.yaml

# The run folders a sweep's table lists, best first, and their val accuracies.
ranked_runs() { "$SENTUI" sweep show "$1" --csv | tail -n +2 | awk -F, '{ print $NF }'; }
val_of() { jq -r '.best.accuracy' "$RUNS/$1/summary.json"; }
check_ranked() { # sweep folder, expected trial count
    local prev=2 n=0 run v
    for run in $(ranked_runs "$1"); do
        [ -d "$RUNS/$run" ] || fail "ranked run $run has no folder"
        v=$(val_of "$run")
        awk -v a="$v" -v b="$prev" 'BEGIN { exit !(a <= b) }' || fail "$run (val $v) ranked below a worse trial ($prev)"
        prev=$v
        n=$((n + 1))
    done
    [ "$n" -eq "$2" ] || fail "the table lists $n trials, not $2"
}

# --- a 4-trial grid, one trial after another
"$SENTUI" sweep $CFG --grid train.lr=3e-4,1e-2 --grid model.embed_dim=8,32 --name grid "${FAST[@]}" \
    >"$TMP/grid" 2>&1 || { cat "$TMP/grid"; fail "grid sweep"; }
SW=$RUNS/sweep-grid
[ "$(ls "$RUNS" | grep -c -- '-bag-grid-t0[1-4]$')" -eq 4 ] || fail "not 4 trial run folders: $(ls "$RUNS")"
for t in 001 002 003 004; do
    [ "$(jq -r .status "$SW/trials/$t.json")" = done ] || fail "trial $t: $(cat "$SW/trials/$t.json")"
done
check_ranked "$SW" 4
# every trial ran with its own values, and says which sweep it belongs to
for t in 1 2 3 4; do
    run=$(jq -r .run "$SW/trials/00$t.json")
    lr=$(jq -r ".plan.trials[$((t - 1))][0]" "$SW/sweep.json")
    grep -q "^  lr: $(awk -v v="$lr" 'BEGIN { printf "%g", v }') " "$RUNS/$run/config.yaml" || fail "trial $t lr is not $lr"
    [ "$(jq -r .name "$RUNS/$run/summary.json")" = "grid-t0$t" ] || fail "trial $t does not carry the sweep's name"
done
# best.yaml is a config, and the winner's
best=$(ranked_runs "$SW" | head -n1)
"$SENTUI" config "$SW/best.yaml" >"$TMP/best" || fail "best.yaml does not load as a config"
for key in lr embed_dim; do
    want=$(grep "^  $key: " "$RUNS/$best/config.yaml")
    grep -qF -- "$want" "$TMP/best" || fail "best.yaml $key differs from the winner's ($want)"
done
grep -q "^best: t[1-4] (val accuracy" "$TMP/grid" || fail "no best line at the end of the sweep"
"$SENTUI" sweep show "$SW" --json >"$TMP/json" && jq -e 'length == 4 and .[0].rank == 1 and (.[0].values | has("train.lr"))' \
    "$TMP/json" >/dev/null || fail "sweep show --json"
"$SENTUI" sweep show grid --dir "$RUNS" >"$TMP/show" && grep -q "^1 *t[1-4] " "$TMP/show" || fail "sweep show by name"
"$SENTUI" compare "$SW" --no-charts >"$TMP/cmp" 2>&1 || { cat "$TMP/cmp"; fail "compare SWEEPDIR"; }
grep -q "^1 *t[1-4] " "$TMP/cmp" || fail "compare does not show the sweep table"
[ "$(grep -c -- "-bag-grid-t0" "$TMP/cmp")" -ge 4 ] || fail "compare does not list the 4 trials"

# the workbench's Sweeps screen (S on home) ranks them the same; c overlays them, Enter opens one
"$SENTUI" --dir "$RUNS" --dump --size 140x30 >"$TMP/home" || fail "home screen"
grep -q "1 sweep: S" "$TMP/home" || fail "home does not mention the sweep"
"$SENTUI" --dir "$RUNS" --dump --size 140x30 --keys S >"$TMP/scr" || fail "sweeps screen"
grep -q "Sweep grid (1 of 1" "$TMP/scr" || fail "sweeps screen: $(head -n3 "$TMP/scr")"
[ "$(grep -o -- '[0-9]*-[0-9]*-bag-grid-t0[1-4]' "$TMP/scr" | tr '\n' ' ')" = "$(ranked_runs "$SW" | tr '\n' ' ')" ] ||
    fail "the sweeps screen ranks differently: $(grep -o -- '[0-9]*-[0-9]*-bag-grid-t0[1-4]' "$TMP/scr")"
"$SENTUI" --dir "$RUNS" --dump --size 140x30 --keys Sc >"$TMP/scr" || fail "sweeps screen, c"
grep -q "4 runs: " "$TMP/scr" || fail "c does not overlay the trials"
"$SENTUI" --dir "$RUNS" --dump --size 140x30 --keys 'S\n' >"$TMP/scr" || fail "sweeps screen, Enter"
grep -q "REPLAY  $best " "$TMP/scr" || fail "Enter does not open the best trial"

# --- the same grid from a sweep file, side by side: the same trials
cat >"$TMP/sweep.yaml" <<EOF
config: $PWD/$CFG
name: file
set: {data.synthetic_size: 600, data.cache: false, train.epochs: 2}
grid:
  train.lr: [3e-4, 1e-2]
  model:
    embed_dim: [8, 32]
parallel: 2
EOF
"$SENTUI" sweep "$TMP/sweep.yaml" --dir "$RUNS" >"$TMP/file" 2>&1 || { cat "$TMP/file"; fail "sweep file"; }
[ "$(jq -c .plan "$RUNS/sweep-file/sweep.json")" = "$(jq -c .plan "$SW/sweep.json")" ] || fail "file and flags differ"
check_ranked "$RUNS/sweep-file" 4
grep -q "^  threads: [1-9]" "$RUNS/$(jq -r .run "$RUNS/sweep-file/trials/001.json")/config.yaml" ||
    fail "side-by-side trials were not given a share of the cores"
cmp -s "$TMP/sweep.yaml" "$RUNS/sweep-file/spec.yaml" || fail "spec.yaml is not the sweep file as given"

# --- random search: reproducible, in range, whole numbers stay whole
for i in 1 2; do
    "$SENTUI" sweep $CFG --random 3 --range train.lr=1e-4:1e-2:log --range model.embed_dim=4:64 --seed 7 \
        --name "rand$i" "${SMALL[@]}" --set train.epochs=1 >"$TMP/rand$i" 2>&1 || { cat "$TMP/rand$i"; fail "random"; }
done
[ "$(jq -c .plan "$RUNS/sweep-rand1/sweep.json")" = "$(jq -c .plan "$RUNS/sweep-rand2/sweep.json")" ] ||
    fail "the same seed drew different trials"
jq -e '[.plan.trials[] | (.[0] | tonumber) as $lr | (.[1] | test("^[0-9]+$")) and $lr >= 1e-4 and $lr <= 1e-2]
       | all and length == 3' "$RUNS/sweep-rand1/sweep.json" >/dev/null || fail "draws out of range or not whole"

# --- kill -9 while the second trial runs, then resume
"$SENTUI" sweep $CFG --grid train.epochs=1,60,1 --grid model.embed_dim=16 --name kill "${SMALL[@]}" \
    >"$TMP/kill" 2>&1 &
BG=$!
KS=$RUNS/sweep-kill
# killed once trial 2 has saved its first checkpoint, so resuming it has one to continue from
for _ in $(seq 600); do
    T2=$(jq -r 'select(.status == "running") | .run' "$KS/trials/002.json" 2>/dev/null)
    [ -n "$T2" ] && [ -e "$RUNS/$T2/last.safetensors" ] && break
    sleep 0.05
done
[ "$(jq -r .status "$KS/trials/001.json")" = done ] || fail "trial 1 not done before trial 2"
{ kill -9 "$BG" && wait "$BG"; } 2>/dev/null
BG=
T1=$(jq -r .run "$KS/trials/001.json")
T2=$(jq -r .run "$KS/trials/002.json")
[ -n "$T2" ] || fail "trial 2's run folder was not recorded"
# the trial saves when its sweep dies; wait for it to let go of its run folder
for _ in $(seq 600); do [ -e "$RUNS/$T2/lock" ] || break; sleep 0.05; done
sum1=$(md5sum <"$RUNS/$T1/events.jsonl")
[ "$(jq -r .status "$KS/trials/003.json")" = pending ] || fail "trial 3 started before the kill"
"$SENTUI" sweep resume "$KS" >"$TMP/resume" 2>&1 || { cat "$TMP/resume"; fail "resume"; }
! grep -q '^\[t1\]' "$TMP/resume" || fail "resume ran the finished trial 1"
grep -q '^\[t2\] resume' "$TMP/resume" || fail "trial 2 was not continued from its run: $(head -n3 "$TMP/resume")"
grep -q '^\[t3\] train' "$TMP/resume" || fail "trial 3 did not run"
[ "$(md5sum <"$RUNS/$T1/events.jsonl")" = "$sum1" ] || fail "trial 1's run folder changed"
[ "$(jq -r .run "$KS/trials/002.json")" = "$T2" ] || fail "trial 2 moved to another run folder"
grep -q '"type":"resume"\|resuming at step' "$RUNS/$T2/events.jsonl" "$TMP/resume" || fail "trial 2 restarted"
[ "$(ls "$RUNS" | grep -c -- '-bag-kill-t0')" -eq 3 ] || fail "not 3 trial runs: $(ls "$RUNS" | grep kill)"
check_ranked "$KS" 3
"$SENTUI" sweep resume "$KS" >"$TMP/again" 2>&1 || fail "resuming a finished sweep"
! grep -q '^\[t' "$TMP/again" || fail "a finished sweep ran trials again"
# a sweep killed after its trial's run finished but before it recorded so: nothing is run again
jq '.status = "running"' "$KS/trials/001.json" >"$TMP/t1" && mv "$TMP/t1" "$KS/trials/001.json"
"$SENTUI" sweep resume "$KS" >"$TMP/again" 2>&1 || { cat "$TMP/again"; fail "resuming a trial that had finished"; }
grep -q '^\[t1\] done (its run had finished)' "$TMP/again" || fail "trial 1: $(grep '^\[t1' "$TMP/again")"
[ "$(md5sum <"$RUNS/$T1/events.jsonl")" = "$sum1" ] || fail "trial 1's finished run was run again"
"$SENTUI" sweep $CFG --grid train.lr=1e-3,2e-3 --name kill "${FAST[@]}" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "sentui sweep resume" "$TMP/err" || fail "an existing sweep name: $(cat "$TMP/err")"

# --- SIGTERM (or Ctrl-C) stops the sweep: its trial saves, and resume finishes it
"$SENTUI" sweep $CFG --grid train.epochs=60 --name term "${SMALL[@]}" >"$TMP/term" 2>&1 &
BG=$!
for _ in $(seq 600); do
    T=$(jq -r 'select(.status == "running") | .run' "$RUNS/sweep-term/trials/001.json" 2>/dev/null)
    [ -n "$T" ] && [ -e "$RUNS/$T/last.safetensors" ] && break
    sleep 0.05
done
kill -TERM "$BG"
wait "$BG"
rc=$?
BG=
[ $rc -eq 130 ] || { cat "$TMP/term"; fail "a stopped sweep exited $rc, not 130"; }
grep -q "continue with: sentui sweep resume $RUNS/sweep-term" "$TMP/term" || fail "no resume hint: $(tail -n2 "$TMP/term")"
[ "$(jq -r .status "$RUNS/sweep-term/trials/001.json")" = pending ] || fail "the stopped trial is not pending"
[ "$(jq -r .status "$RUNS/$T/summary.json")" = stopped ] || fail "the trial did not save and stop"
"$SENTUI" sweep resume term --dir "$RUNS" >"$TMP/term2" 2>&1 || { cat "$TMP/term2"; fail "resume after SIGTERM"; }
grep -q "resuming at step" "$TMP/term2" || fail "the stopped trial restarted"

# --- a trial that fails is recorded with its reason; the others still run
"$SENTUI" sweep $CFG --grid data.dataset=imdb,synthetic --set data.path=/nonexistent --name fails "${FAST[@]}" \
    >"$TMP/fails" 2>&1
[ $? -eq 1 ] || fail "a sweep with a failed trial did not exit 1"
[ "$(jq -r .status "$RUNS/sweep-fails/trials/001.json")" = failed ] || fail "the imdb trial did not fail"
jq -r .reason "$RUNS/sweep-fails/trials/001.json" | grep -q "nonexistent" || fail "no reason for the failure"
[ "$(jq -r .status "$RUNS/sweep-fails/trials/002.json")" = done ] || fail "a failure stopped the other trial"
"$SENTUI" sweep show fails --dir "$RUNS" >"$TMP/show" && grep -q "^2 *t1 .* failed" "$TMP/show" ||
    fail "the failed trial is not last: $(cat "$TMP/show")"

# --- bad input: one clear line, exit 2, no sweep folder
bad() { # expected message, then the arguments
    local want=$1
    shift
    "$SENTUI" sweep "$@" --dir "$TMP/bad" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "sweep $* exited $rc, not 2"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "sweep $*: not one line: $(cat "$TMP/err")"
    grep -qF -- "$want" "$TMP/err" || fail "sweep $*: '$(cat "$TMP/err")' does not say '$want'"
    [ ! -e "$TMP/bad" ] || fail "sweep $* made a folder"
}
bad "unknown key 'train.lrr'; did you mean 'train.lr'?" $CFG --grid train.lrr=1e-3,2e-3
bad "the range 1e-2:1e-4 is empty" $CFG --range train.lr=1e-2:1e-4 --random 2
bad "a log range must start above 0" $CFG --range train.lr=0:1e-2:log --random 2
bad "model.dropout: " $CFG --range model.dropout=0.1:2 --random 2
bad "the grid is empty" $CFG --grid train.lr=
bad "model.dropout: " $CFG --grid model.dropout=0.1,abc
bad "a range needs the number of trials" $CFG --range train.lr=1e-4:1e-2
bad "is a config" $CFG
printf 'config: x.yaml\ngird:\n  train.lr: [1]\n' >"$TMP/typo.yaml"
bad "typo.yaml:2:1: error: unknown sweep key 'gird'; did you mean 'grid'?" "$TMP/typo.yaml"
printf 'config: %s\ngrid:\n  train.lr: [1e-3, 200]\n' "$PWD/$CFG" >"$TMP/range.yaml"
bad "range.yaml:3:20: error: train.lr: 200 is out of range" "$TMP/range.yaml"
printf 'config: %s\ngrid: [\n' "$PWD/$CFG" >"$TMP/broken.yaml"
bad "broken.yaml:3:1: error: invalid YAML" "$TMP/broken.yaml"

# --- under MPI: 2 ranks share a 4-trial sweep, each trial once
if [ "$(ldd "$SENTUI" | grep -c libmpi)" -eq 0 ] || ! command -v mpirun >/dev/null; then
    echo "SKIP (MPI part): this sentui has no MPI or there is no mpirun"
    echo "OK"
    exit 0
fi
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS="suppressions=$PWD/tests/support/lsan_mpi.supp:print_suppressions=0:fast_unwind_on_malloc=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
timeout 300 mpirun -np 2 --oversubscribe --allow-run-as-root "$SENTUI" sweep $CFG --grid train.lr=3e-4,1e-2 \
    --grid model.embed_dim=8,32 --name mpi "${FAST[@]}" >"$TMP/mpi" 2>&1 || { cat "$TMP/mpi"; fail "MPI sweep"; }
MS=$RUNS/sweep-mpi
[ "$(ls "$RUNS" | grep -c -- '-bag-mpi-t0[1-4]$')" -eq 4 ] || fail "MPI: not 4 trial runs: $(ls "$RUNS" | grep mpi)"
[ "$(jq -s '[.[].rank] | sort | unique | length' "$MS"/trials/*.json)" -eq 2 ] || fail "MPI: one rank ran every trial"
for t in 001 002 003 004; do
    run=$(jq -r .run "$MS/trials/$t.json")
    [ "$(grep -c '"type":"start"' "$RUNS/$run/events.jsonl")" -eq 1 ] || fail "MPI: trial $t started more than once"
done
check_ranked "$MS" 4
[ "$(grep -c '^best: ' "$TMP/mpi")" -eq 1 ] || fail "MPI: the table was not printed once"
# rank 0 printed it after every rank's trials had finished
[ "$(grep -c '^[1-4]  *t[1-4] .* done ' "$TMP/mpi")" -eq 4 ] || fail "MPI: the table was printed too early"
# a rank done long before the others waits for them without the watchdog taking it for a dead peer
SENTUI_RANK_TIMEOUT=1 timeout 300 mpirun -np 2 --oversubscribe --allow-run-as-root "$SENTUI" sweep $CFG \
    --grid train.epochs=1,40 --name wait "${SMALL[@]}" >"$TMP/wait" 2>&1 || { cat "$TMP/wait"; fail "MPI: uneven trials"; }
[ "$(grep -c '^[1-2]  *t[1-2] .* done ' "$TMP/wait")" -eq 2 ] || fail "MPI: uneven trials not both done"
echo "OK"
