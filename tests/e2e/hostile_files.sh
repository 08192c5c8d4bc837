#!/usr/bin/env bash
# Files sentui finds by path that are not what they seem: a FIFO nobody writes
# to (each command must refuse it at once, not block), a symbolic link out of a
# run folder (resume must not append through it), a deeply nested YAML config
# (rejected fast with file:line:col). A config handed over by the shell as
# <(...) or on standard input still loads. `timeout` turns a hang into a failure.
set -u
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-build/sentui}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -n "${KEEP_GOING:-}" ] || exit 1; }
T="timeout 10"
RUNS=$tmp/runs
COMMON=(--set "train.runs_dir=$RUNS" --set data.cache=false --set train.threads=1 --set train.epochs=1
        --set data.synthetic_size=200 --set eval.test=false)

# expect_refusal WHAT PATTERN CMD...: the command ends (no hang), fails, and says PATTERN on stderr
expect_refusal() {
    local what=$1 pattern=$2; shift 2
    $T "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    [ "$rc" -ne 124 ] || fail "$what: hung (killed by timeout)"
    [ "$rc" -ne 0 ] || fail "$what: exit status 0"
    grep -qiE "$pattern" "$tmp/err" || { cat "$tmp/err"; fail "$what: no '$pattern' in the error"; }
    echo "ok: $what: $(head -n 1 "$tmp/err")"
}

$T "$SENTUI" train configs/synthetic/gru.yaml "${COMMON[@]}" --set train.name=base >"$tmp/train.out" 2>&1 \
    || { cat "$tmp/train.out"; fail "training the base run"; }
base=$(ls -d "$RUNS"/*-base)
# a stopped run (resume would continue it)
sed -i 's/"status": "finished"/"status": "stopped"/' "$base/summary.json"
grep -q '"status": "stopped"' "$base/summary.json" || fail "could not mark the base run stopped"

# one copy of the run per file replaced by a FIFO
for f in summary.json config.yaml vocab.txt checkpoint.safetensors events.jsonl; do
    d=$tmp/fifo-$f
    mkdir -p "$d/runs"
    cp -r "$base" "$d/runs/r"
    rm -f "$d/runs/r/$f"
    mkfifo "$d/runs/r/$f"
done
# `runs` must end (how it shows an unreadable run is its own business)
$T "$SENTUI" runs --dir "$tmp/fifo-summary.json/runs" >"$tmp/out" 2>&1 </dev/null
[ $? -ne 124 ] || fail "runs with a FIFO summary.json: hung (killed by timeout)"
$T "$SENTUI" runs --dir "$tmp/fifo-summary.json/runs" --json >"$tmp/out" 2>&1 </dev/null
[ $? -ne 124 ] || fail "runs --json with a FIFO summary.json: hung (killed by timeout)"
expect_refusal "predict with a FIFO config.yaml" "named pipe" "$SENTUI" predict "$tmp/fifo-config.yaml/runs/r" "good film"
expect_refusal "predict with a FIFO vocab.txt" "named pipe" "$SENTUI" predict "$tmp/fifo-vocab.txt/runs/r" "good film"
expect_refusal "predict with a FIFO checkpoint" "not a regular file|named pipe" \
    "$SENTUI" predict "$tmp/fifo-checkpoint.safetensors/runs/r" "good film"
expect_refusal "replay with a FIFO events.jsonl" "named pipe" "$SENTUI" replay "$tmp/fifo-events.jsonl/runs/r" --dump
expect_refusal "resume with a FIFO events.jsonl" "named pipe" "$SENTUI" resume "$tmp/fifo-events.jsonl/runs/r"

# a config named on the command line that is a FIFO
mkfifo "$tmp/config-fifo.yaml"
expect_refusal "config given as a FIFO" "named pipe" "$SENTUI" config "$tmp/config-fifo.yaml"
# ... but handed over by the shell, it loads
$T "$SENTUI" config <(cat configs/synthetic/gru.yaml) >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "config from <(...)"; }
grep -qE '^  arch: gru' "$tmp/out" || fail "config from <(...) not resolved"
$T "$SENTUI" config - <configs/synthetic/gru.yaml >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "config from -"; }
grep -qE '^  arch: gru' "$tmp/out" || fail "config from - not resolved"

# a review file of a dataset folder that is a FIFO
ds=$tmp/aclImdb
for s in train test; do for l in pos neg; do
    mkdir -p "$ds/$s/$l"
    for i in 1 2 3 4 5 6; do echo "a $l review number $i of $s, quite $l indeed" >"$ds/$s/$l/${i}_7.txt"; done
done; done
mkfifo "$ds/train/pos/9_8.txt"
expect_refusal "dataset with a FIFO review" "named pipe" "$SENTUI" data --set data.dataset=imdb --set "data.path=$ds" --set data.cache=false
rm "$ds/train/pos/9_8.txt"
mkfifo "$tmp/archive.tar.gz"
expect_refusal "dataset archive that is a FIFO" "named pipe" "$SENTUI" data --set data.dataset=imdb --set "data.path=$tmp/archive.tar.gz" --set data.cache=false

# events.jsonl linked to a file outside the run: resume must leave that file alone
cp -r "$base" "$tmp/linked"
printf 'export PS1=precious\n' >"$tmp/bashrc"
cp "$tmp/bashrc" "$tmp/bashrc.orig"
rm "$tmp/linked/events.jsonl"
ln -s "$tmp/bashrc" "$tmp/linked/events.jsonl"
expect_refusal "resume through a linked events.jsonl" "link" "$SENTUI" resume "$tmp/linked"
cmp -s "$tmp/bashrc" "$tmp/bashrc.orig" || fail "resume wrote through the link to $tmp/bashrc"
expect_refusal "replay through a linked events.jsonl" "link" "$SENTUI" replay "$tmp/linked" --dump

# 100k nested '[': rejected at the 65th level, with file:line:col
{ printf 'model: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >"$tmp/deep.yaml"
expect_refusal "deeply nested YAML" "deep.yaml:1:[0-9]+: .*nest" "$SENTUI" config "$tmp/deep.yaml"
echo "ok"
