#!/usr/bin/env bash
# model.pretrain through the real binary: the first run learns word2vec vectors
# and says so, the second finds them in the cache and starts from the same table
# (same first loss), and the run folder's events record the passes.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
SRC=$PWD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP" # outside a checkout the default cache folder is $XDG_CACHE_HOME/sentui
unset SENTUI_CACHE_DIR
export XDG_CACHE_HOME=$TMP/xdg
ARGS=(train "$SRC/configs/synthetic/gru.yaml" --set model.pretrain=word2vec --set model.pretrain_epochs=2
      --set train.epochs=1 --set data.synthetic_size=1500 --set train.threads=1 --set "train.runs_dir=$TMP/runs")

"$SENTUI" "${ARGS[@]}" > first.out 2>&1 || { cat first.out; fail "first run failed"; }
grep -q '^word vectors: word2vec learnt in' first.out || { cat first.out; fail "no word2vec line in the first run"; }
ls "$XDG_CACHE_HOME"/sentui/w2v-*.bin > /dev/null 2>&1 || fail "no cached vectors"
"$SENTUI" "${ARGS[@]}" > second.out 2>&1 || { cat second.out; fail "second run failed"; }
grep -q "^word vectors: word2vec vectors loaded from $XDG_CACHE_HOME/sentui/" second.out || { cat second.out; fail "cache not used"; }

runs=( "$TMP"/runs/* )
[ ${#runs[@]} -eq 2 ] || fail "expected 2 run folders, found ${#runs[@]}"
first_loss() { grep -m1 '"type":"step"' "$1/events.jsonl" | sed 's/.*"loss":\([0-9.e-]*\).*/\1/'; }
[ "$(first_loss "${runs[0]}")" = "$(first_loss "${runs[1]}")" ] || fail "cached vectors gave another first step"
grep -q '"type":"pretrain".*"final":true' "${runs[0]}/events.jsonl" || fail "no final pretrain event"
# the replay of such a run still reads (pretrain lines are part of the log)
"$SENTUI" runs --dir "$TMP/runs" > runs.out 2>&1 || { cat runs.out; fail "sentui runs failed"; }
[ "$(grep -c finished runs.out)" -eq 2 ] || { cat runs.out; fail "runs do not read as finished"; }
echo "pretrain_cli: ok"
