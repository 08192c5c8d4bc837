#!/usr/bin/env bash
# A Hugging Face DistilBERT folder through the real binary: configs/distilbert.yaml
# on a fresh clone (no model folder) fails saying which files go where; the
# tiny fixture folder trains on the generated task, and predict and eval read
# its run with the folder's WordPiece tokenizer; export writes it back as a
# Hugging Face folder that loads again and is never overwritten.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
cp -r "$ROOT/configs" .
"$SENTUI" train configs/distilbert.yaml --set data.dataset=synthetic --set train.runs_dir=runs >out 2>err \
    && fail "trained without a model folder"
grep -q "put its config.json, vocab.txt and model.safetensors in models/distilbert-base-uncased/" err \
    || fail "no message saying which files go where: $(cat err)"
[ ! -d runs ] || [ -z "$(ls runs)" ] || fail "a run folder was left behind: $(ls runs)"

"$SENTUI" train configs/distilbert.yaml --set model.init="$ROOT/tests/fixtures/hf/distilbert" \
    --set data.dataset=synthetic --set data.synthetic_size=200 --set data.max_len=12 --set data.limit_train=0 \
    --set train.epochs=1 --set train.lr=1e-3 --set train.runs_dir=runs --set data.cache=false >out 2>err \
    || fail "training the fixture folder: $(cat err out)"
grep -q "^test  acc" out || fail "no test line: $(cat out)"
grep -q "^note: model.init: classification head from the checkpoint" err || fail "no note on the head: $(cat err)"
RUN=$(ls -d runs/*/ | head -1)
"$SENTUI" predict "$RUN" "the film was great fun" --explain >pred 2>err || fail "predict: $(cat err)"
grep -q "\[CLS\]" pred || fail "predict did not read word pieces: $(cat pred)"
"$SENTUI" export "$RUN" exported >out 2>err || fail "export: $(cat err)"
for f in config.json vocab.txt model.safetensors; do [ -s "exported/$f" ] || fail "export wrote no $f"; done
grep -q '"NEGATIVE"' exported/config.json || fail "exported labels: $(cat exported/config.json)"
"$SENTUI" export "$RUN" exported >out 2>err && fail "export overwrote a folder"
grep -q "already exists; not overwritten" err || fail "no message for an existing export: $(cat err)"
"$SENTUI" train configs/distilbert.yaml --set model.init="$PWD/exported" --set data.dataset=synthetic \
    --set data.synthetic_size=100 --set data.max_len=12 --set data.limit_train=0 --set train.epochs=1 \
    --set train.runs_dir=runs3 --set data.cache=false >out 2>err || fail "the exported folder does not load: $(cat err)"
"$SENTUI" train configs/distilbert.yaml --set model.init="$ROOT/tests/fixtures/hf/distilbert" \
    --set data.dataset=synthetic --set data.max_len=64 --set train.runs_dir=runs2 >out 2>err \
    && fail "max_len above the model's positions accepted"
grep -q "max_position_embeddings" err || fail "no message for max_len: $(cat err)"
# distilbert-base's activations for the default evaluation batch of 256 x 256 pieces do not
# fit in memory: the shipped config evaluates in batches no larger than it trains in, and a
# batch too large says which settings to lower rather than blaming the weights.
"$SENTUI" config configs/distilbert.yaml >cfg 2>&1 || fail "config: $(cat cfg)"
grep -Eq '^ *batch_size: 16 *(#.*)?$' <(sed -n '/^eval:/,/^[a-z]/p' cfg) || fail "eval.batch_size is not 16: $(cat cfg)"
"$SENTUI" train configs/synthetic/transformer.yaml --set eval.batch_size=65536 --set data.max_len=4096 \
    --set train.runs_dir=runs4 >out 2>err && fail "an activation arena of 65536 x 4096 tokens was built"
grep -q "out of memory for the activations of a batch of 65536 x 4096 tokens.*lower eval.batch_size" err \
    || fail "no message naming the batch: $(cat err)"
# `sentui data` on a WordPiece run names its vocabulary as such, not as counted training words.
"$SENTUI" data configs/distilbert.yaml --set model.init="$ROOT/tests/fixtures/hf/distilbert" \
    --set data.dataset=synthetic --set data.max_len=12 --set data.cache=false >out 2>&1 || fail "data: $(cat out)"
grep -q "^vocabulary  40 WordPiece ids (model.init's vocab.txt)" out || fail "data's vocabulary line: $(grep vocab out)"
grep -q "distinct training words" out && fail "data counts training words for a WordPiece vocabulary"
echo ok
