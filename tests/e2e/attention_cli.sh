#!/usr/bin/env bash
# Attention for every layer and head, and what a long phase costs, through the
# real binary: predict's --layer, --head and --words on a DistilBERT fixture
# run; eval.attention_heads kept in events.jsonl and checked against the
# model; eval.limit scores the first N reviews and says so in the output,
# the events, the summary, `runs` and the dashboard; bad values are refused.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
HF=(--set model.init="$ROOT/tests/fixtures/hf/distilbert" --set data.dataset=synthetic --set data.synthetic_size=200
    --set data.max_len=12 --set data.limit_train=0 --set train.epochs=1 --set data.cache=false --set train.threads=1)

# --- the fixture has 2 layers x 2 heads: 3.1 is beyond it, 2.2 is kept
"$SENTUI" train "$ROOT/configs/distilbert.yaml" "${HF[@]}" --set train.runs_dir=bad --set eval.attention_heads=3.1 \
    >out 2>err && fail "a head beyond the model was accepted"
grep -q "eval.attention_heads: 3.1 is beyond the model's 2 layers x 2 heads" err || fail "message: $(cat err)"
"$SENTUI" train "$ROOT/configs/distilbert.yaml" "${HF[@]}" --set train.runs_dir=runs --set eval.attention_heads=2.2 \
    >out 2>err || fail "training with a kept head: $(cat err out)"
RUN=$(sed -n 's/^run: //p' out | head -n1)
grep -m1 '"type":"explain"' "$RUN/events.jsonl" >explain || fail "no explain event"
grep -q '"kept":\[\[1,1\]\]' explain || fail "head 2.2 not kept"
grep -q '"layer_mean":\[' explain || fail "no layer means"
grep -q "about .*FLOP per token to train" out || fail "no cost up front: $(cat out)"
grep -q "^epoch 1/1: .* steps, .* tokens, about .*FLOP to train" out || fail "no epoch cost: $(cat out)"
grep -q "^scoring test: .* reviews" out || fail "no test cost: $(cat out)"

# --- predict: a layer and head, whole words, and their limits
"$SENTUI" predict "$RUN" "the acting was unbelievable" --words --layer 1 >pred 2>err || fail "predict: $(cat err)"
grep -q "unbelievable [0-9.]*" pred || fail "pieces not joined: $(cat pred)"
grep -q "##" pred && fail "a ## piece left with --words: $(cat pred)"
"$SENTUI" predict "$RUN" "the acting was unbelievable" --layer 2 --head 1 --json >pred 2>err || fail "json: $(cat err)"
grep -q '"method":"attention received, layer 2/2, head 1/2"' pred || fail "json method: $(cat pred)"
"$SENTUI" predict "$RUN" "fun" --head 3 >out 2>err && fail "head 3 of 2 accepted"
grep -q -- "--head 3: expected a number from 1 to 2" err || fail "message: $(cat err)"

# --- the dashboard and Try it choose layer, head and words
"$SENTUI" replay "$RUN" --dump --speed 0 --size 120x40 --keys 'jLHHJ' >dash || fail "replay"
grep -q "layer 1/2  head 2/2 (L, H)  words (J)" dash || fail "dashboard selectors: $(cat dash)"
# (output to a file, then grep: grep -q leaving a pipe early would fail the pipeline)
"$SENTUI" replay "$RUN" --dump --speed 0 --size 160x40 --keys 'jLH' >dash || fail "replay"
grep -q "not kept: add 1.1 to eval.attention_heads" dash || fail "a head not kept is not said"
"$SENTUI" replay "$RUN" --dump --speed 0 --size 100x30 --keys $'tthe acting was unbelievable\\t\\T\x17' >try || fail "try it"
grep -q "layer 1 of 2 (Tab)  head 1 of 2 (S-Tab)  words (^W)" try || fail "Try it selectors: $(cat try)"
grep -q "acting was unbelievable \[SEP\]" try || fail "Try it words: $(cat try)"

# --- eval.limit: the first 30 reviews of validation and test
"$SENTUI" config --set eval.limit=5 >out 2>err && fail "eval.limit 5 accepted"
grep -q "eval.limit 5: too few" err || fail "message: $(cat err)"
"$SENTUI" train "$ROOT/configs/synthetic/bag.yaml" --set train.runs_dir=lim --set eval.limit=30 --set train.epochs=1 \
    --set data.cache=false --set data.synthetic_size=400 >out 2>err || fail "train with eval.limit: $(cat err)"
grep -q "eval.limit 30: scoring the first 30 of 40 validation and 30 of 400 test reviews" out || fail "$(cat out)"
LRUN=$(sed -n 's/^run: //p' out | head -n1)
grep '"type":"start"' "$LRUN/events.jsonl" >start || fail "no start event"
grep -q '"val_size":30,.*"eval_limit":30,"val_total":40,"test_total":400' start \
    || fail "start event: $(grep '"type":"start"' "$LRUN/events.jsonl")"
grep '"split":"test"' "$LRUN/events.jsonl" | grep -o '"confusion":\[\[[0-9]*,[0-9]*\],\[[0-9]*,[0-9]*\]\]' \
    | grep -o '[0-9]\+' | awk '{s+=$1} END {exit s == 30 ? 0 : 1}' || fail "test not scored on 30 reviews"
grep -q '"eval_limit": 30' "$LRUN/summary.json" || fail "summary: $(cat "$LRUN/summary.json")"
"$SENTUI" runs --dir lim >runs.out || fail "runs"
grep -q "^\* scored on the first reviews" runs.out || fail "runs: $(cat runs.out)"
# compare and report mark the limited scores too, in every format
"$SENTUI" compare "$LRUN" --markdown --no-charts >cmp.md || fail "compare --markdown"
grep -q '| 0\.[0-9]\{4\}\* | 0\.[0-9]\{4\}\* |' cmp.md || fail "compare: no * on the scores: $(cat cmp.md)"
grep -q "^\* scored on the first reviews" cmp.md || fail "compare: no footnote: $(cat cmp.md)"
"$SENTUI" compare "$LRUN" --csv >cmp.csv || fail "compare --csv"
tail -n1 cmp.csv | grep -q ',30$' || fail "compare --csv: no eval_limit: $(cat cmp.csv)"
"$SENTUI" compare "$LRUN" --json >cmp.json || fail "compare --json"
grep -q '"eval_limit": *30' cmp.json || fail "compare --json: $(cat cmp.json)"
"$SENTUI" report "$LRUN" -o lim.html >/dev/null || fail "report"
grep -q '<td class="n">0\.[0-9]\{4\}\*</td>' lim.html || fail "report: no * on the scores"
grep -q "<p>\* scored on the first reviews" lim.html || fail "report: no footnote"
"$SENTUI" replay "$LRUN" --dump --speed 0 --size 100x30 >dash || fail "replay"
grep -q "eval: first 30 reviews" dash || fail "dashboard: $(cat dash)"
# --- the dashboard's progress line: the work of an epoch before its first step, then scoring with its ETA
mkdir -p log
START='{"type":"start","run":"r","arch":"distilbert","params":67000000,"epochs":2,"steps_per_epoch":113,"total_steps":226,"train_size":1800,"val_size":200,"test_size":25000,"batch_size":16,"max_len":256}'
printf '%s\n' "$START" '{"type":"phase","phase":"epoch","done":0,"total":113,"tokens":460800,"flops":1.24e14,"elapsed":0}' \
    >log/events.jsonl
"$SENTUI" replay log --dump --speed 0 --size 120x30 >dash || fail "replay of the log"
grep -q "epoch 1/2: 113 steps, about 124 TFLOP to train" dash || fail "no epoch cost: $(head -4 dash)"
printf '%s\n' "$START" '{"type":"phase","phase":"test","done":0,"total":25000,"tokens":6400000,"flops":5.7e14,"elapsed":0}' \
    '{"type":"phase","phase":"test","done":4800,"total":25000,"elapsed":600}' >log/events.jsonl
"$SENTUI" replay log --dump --speed 0 --size 120x30 >dash || fail "replay of the log"
grep -q "scoring test  4800/25000 reviews  10m00s elapsed  ETA 42m05s  (about 570 TFLOP)" dash \
    || fail "no scoring progress: $(head -4 dash)"
# bag has no attention
"$SENTUI" predict "$LRUN" "a film" --layer 1 >out 2>err && fail "--layer on a bag model"
grep -q "no attention" err || fail "message: $(cat err)"
echo ok
