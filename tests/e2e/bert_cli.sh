#!/usr/bin/env bash
# A Hugging Face BERT folder through the real binary: the tiny fixture
# folder fine-tunes on the generated task and exports back as a BERT folder
# that loads again; a checkpoint with a 3-label head (positive, neutral,
# negative) is evaluated without training (train.epochs: 0) with its head
# matched to the data's negative and positive, and the run it makes is read
# by eval and predict like any other.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
cp -r "$ROOT/configs" .
TINY=(--set data.dataset=synthetic --set data.synthetic_size=200 --set data.max_len=12 --set data.limit_train=0
      --set data.cache=false)

"$SENTUI" train configs/distilbert.yaml --set model.init="$ROOT/tests/fixtures/hf/bert" "${TINY[@]}" \
    --set train.epochs=1 --set train.lr=1e-3 --set train.runs_dir=runs >out 2>err \
    || fail "training the BERT fixture folder: $(cat err out)"
grep -q "^test  acc" out || fail "no test line: $(cat out)"
grep -q "^note: model.init: classification head from the checkpoint$" err || fail "no note on the head: $(cat err)"
RUN=$(ls -d runs/*/ | head -1)
"$SENTUI" export "$RUN" exported >out 2>err || fail "export: $(cat err)"
grep -q '"BertForSequenceClassification"' exported/config.json || fail "exported architecture: $(cat exported/config.json)"
"$SENTUI" train configs/distilbert.yaml --set model.init="$PWD/exported" "${TINY[@]}" --set train.epochs=1 \
    --set train.runs_dir=runs2 >out 2>err || fail "the exported BERT folder does not load: $(cat err)"

# evaluation only: the 3-label head, its rows matched to negative and positive
"$SENTUI" train configs/distilbert.yaml --set model.init="$ROOT/tests/fixtures/hf/bert3" "${TINY[@]}" \
    --set train.epochs=0 --set train.runs_dir=runs3 >out 2>err || fail "evaluating without training: $(cat err out)"
grep -q "(its labels reordered: negative, positive; neutral not in the data, dropped)" err \
    || fail "no note on the matched head: $(cat err)"
grep -q "^val   step 0 " out || fail "no validation of the initial weights: $(cat out)"
grep -q "parameters; no training (train.epochs 0): the initial weights evaluated;" out || fail "run line: $(cat out)"
TEST_LINE=$(grep "^test  acc" out) || fail "no test line: $(cat out)"
RUN=$(ls -d runs3/*/ | head -1)
"$SENTUI" eval "$RUN" >out 2>err || fail "eval of the evaluation-only run: $(cat err)"
ACC=$(awk '/accuracy/ {print $2}' out)
[ "$ACC" = "$(echo "$TEST_LINE" | awk '{print $3}')" ] || fail "eval gives $ACC, the run said: $TEST_LINE"
"$SENTUI" predict "$RUN" "the film was great fun" >pred 2>err || fail "predict: $(cat err)"
grep -Eq "^(negative|positive)	p\(positive\) 0\.[0-9]+" pred || fail "predict: $(cat pred)"
"$SENTUI" replay "$RUN" --dump --speed 0 --size 100x30 >dash || fail "replay"
grep -q "no training (train.epochs 0): the initial weights evaluated" dash || fail "dashboard: $(head -4 dash)"
grep -q "epoch 1/0" dash && fail "dashboard counts epochs of 0: $(head -4 dash)"
"$SENTUI" compare "$RUN" --csv >cmp 2>err || fail "compare: $(cat err)"
grep -q ",finished," cmp || fail "compare: $(cat cmp)"
echo ok
