#!/usr/bin/env bash
# Pretraining sentui's own encoder through the real binary, on generated text
# (scripts/mlm_demo_data.sh): a train.objective mlm run reads only the
# unlabelled reviews (a word found only in labelled or test text never enters
# its learnt vocabulary), reports masked-token accuracy that rises far above
# chance (1/26) to > 0.9, and writes a Hugging Face folder (in the run and at
# train.export_dir) that a classifier fine-tunes from to > 95 % test accuracy;
# a pretraining killed with kill -9 resumes from its last save and finishes.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SENTUI=${SENTUI:-$PWD/build/sentui}
[[ "$SENTUI" = /* ]] || SENTUI=$ROOT/$SENTUI
TMP=$(mktemp -d)
BG=
cleanup() { [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
cp -r "$ROOT/configs" .
"$ROOT/scripts/mlm_demo_data.sh" ds 1200 300 || fail "generating the data"
echo "labelword alpha bravo" >ds/train/pos/9001_9.txt
echo "secretword alpha bravo" >ds/test/pos/9001_9.txt
COMMON=(--set data.path="$TMP/ds" --set data.cache=false)

# --- the encoded data and the learnt vocabulary are cached, and read back from the cache
for i in 1 2; do
    SENTUI_CACHE_DIR="$TMP/cache" "$SENTUI" data configs/synthetic/distilbert-mlm.yaml --set data.path="$TMP/ds" >data$i 2>&1 ||
        fail "sentui data: $(cat data$i)"
done
grep -q "rebuilt" data2 && fail "the cached data was rebuilt: $(cat data2)"
grep -q "from the cache\|cached" data2 || fail "the data did not come from the cache: $(head -5 data2)"

# --- pretrain
"$SENTUI" train configs/synthetic/distilbert-mlm.yaml "${COMMON[@]}" --set train.runs_dir=runs >out 2>err ||
    fail "pretraining: $(cat err out)"
grep -q " 0 test reviews" out || fail "a pretraining read test reviews: $(head -3 out)"
RUN=$(sed -n 's/^run: //p' out | head -n1)
[ -d "$RUN" ] || fail "no run folder: $(cat out)"
grep -q '"type":"eval".*"masked":[1-9]' "$RUN/events.jsonl" || fail "no masked-token evaluation in events.jsonl"
first=$(grep '"type":"eval"' "$RUN/events.jsonl" | head -n1 | sed 's/.*"accuracy":\([0-9.e-]*\).*/\1/')
last=$(grep '"type":"eval"' "$RUN/events.jsonl" | tail -n1 | sed 's/.*"accuracy":\([0-9.e-]*\).*/\1/')
awk -v a="$last" 'BEGIN { exit !(a > 0.9) }' || fail "masked-token accuracy $last (first $first), want > 0.9"
grep -qx "alpha" "$RUN/vocab.txt" || fail "the learnt vocabulary lacks a frequent word"
grep -qx "\[MASK\]" "$RUN/vocab.txt" && [ "$(sed -n 104p "$RUN/vocab.txt")" = "[MASK]" ] || fail "[MASK] is not id 103"
grep -q "secretword\|labelword" "$RUN/vocab.txt" && fail "the vocabulary saw labelled or test text"
for d in "$RUN/pretrained" models/synthetic-mlm; do
    for f in config.json vocab.txt model.safetensors tokenizer_config.json; do [ -s "$d/$f" ] || fail "no $d/$f"; done
    grep -q '"DistilBertForMaskedLM"' "$d/config.json" || fail "$d/config.json: $(cat "$d/config.json")"
    # the header, kept in a file: grep -q leaving a pipe early would fail the pipeline under pipefail
    head -c 65536 "$d/model.safetensors" >header
    grep -aq "vocab_projector.weight" header || fail "$d has no vocab_projector.weight"
done

# the dashboard replays it like any run: its loss and masked-token accuracy curves
timeout 30 "$SENTUI" replay "$RUN" --dump --size 110x34 --ascii >dash 2>&1 || fail "replay: $(cat dash)"
grep -q "REPLAY .*distilbert-mlm" dash && grep -q "Validation" dash && grep -q "acc 0\.9" dash ||
    fail "the replay does not show the pretraining: $(cat dash)"
"$SENTUI" predict "$RUN" "alpha alpha" >out 2>err && fail "predict classified with a pretraining"
grep -q "is a pretraining (train.objective mlm)" err || fail "no message for predict on a pretraining: $(cat err)"
"$SENTUI" train configs/synthetic/distilbert-mlm.yaml --set data.dataset=synthetic --set train.runs_dir=none >out 2>err &&
    fail "pretrained on data without unlabelled reviews"
grep -q "learns from unlabelled reviews" err || fail "no message for data without unlabelled reviews: $(cat err)"

# --- the exported folder is what fine-tuning reuses: pretraining again into it is refused, nothing lost
sum=$(cksum <models/synthetic-mlm/model.safetensors)
"$SENTUI" train configs/synthetic/distilbert-mlm.yaml "${COMMON[@]}" --set train.runs_dir=again >out 2>err &&
    fail "a second pretraining overwrote models/synthetic-mlm"
grep -q "already holds a pretrained model" err || fail "no message for an existing export: $(cat err)"
[ "$sum" = "$(cksum <models/synthetic-mlm/model.safetensors)" ] || fail "the exported model changed"
[ ! -d again ] || [ -z "$(ls again)" ] || fail "a refused pretraining left a run folder"

# --- a fine-tuning whose folder is not there yet says how to make it
"$SENTUI" train configs/synthetic/distilbert-pretrained.yaml "${COMMON[@]}" --set model.init=models/none \
    --set train.runs_dir=none >out 2>err && fail "fine-tuned a missing folder"
grep -q "or pretrain one there: a run with train.objective mlm and train.export_dir models/none" err ||
    fail "no hint to pretrain: $(cat err)"

# --- fine-tune from it
"$SENTUI" train configs/synthetic/distilbert-pretrained.yaml "${COMMON[@]}" --set train.runs_dir=ft >out 2>err ||
    fail "fine-tuning the pretrained folder: $(cat err out)"
grep -q "masked-language-model head .* is not used" err || fail "no note on the MLM head: $(cat err)"
acc=$(sed -n 's/^test  acc \([0-9.]*\).*/\1/p' out)
awk -v a="$acc" 'BEGIN { exit !(a > 0.95) }' || fail "fine-tuned test accuracy $acc, want > 0.95: $(cat out)"

# --- model.pretrain: word2vec starts the encoder's word embeddings from word2vec vectors:
# two runs without it are the same bit for bit, the run with it differs
for v in none none2 word2vec; do
    "$SENTUI" train configs/synthetic/distilbert-mlm.yaml "${COMMON[@]}" --set train.runs_dir=w2v-$v \
        --set model.pretrain=${v%2} --set train.epochs=1 --set data.limit_train=200 --set train.export_dir= \
        >w2v-$v.out 2>&1 || fail "pretraining with model.pretrain=${v%2}: $(cat w2v-$v.out)"
done
grep -q "^word vectors: word2vec" w2v-word2vec.out || fail "no word vectors learnt: $(cat w2v-word2vec.out)"
cmp -s w2v-none/*/pretrained/model.safetensors w2v-none2/*/pretrained/model.safetensors ||
    fail "two identical pretrainings differ"
cmp -s w2v-none/*/pretrained/model.safetensors w2v-word2vec/*/pretrained/model.safetensors &&
    fail "model.pretrain: word2vec left the encoder as it was"
"$SENTUI" train configs/synthetic/distilbert-pretrained.yaml "${COMMON[@]}" --set model.pretrain=word2vec \
    --set train.runs_dir=both >out 2>err && fail "model.pretrain word2vec with model.init was accepted"
grep -q "would overwrite the word embeddings model.init loads" err || fail "no message for word2vec with model.init: $(cat err)"

# --- kill -9 in the middle of a pretraining, then resume to the end
"$SENTUI" train configs/synthetic/distilbert-mlm.yaml "${COMMON[@]}" --set train.runs_dir=killed --set train.epochs=60 \
    --set train.batch_size=4 --set data.limit_train=200 --set eval.every_steps=50 --set train.export_dir= \
    >killed.out 2>&1 &
BG=$!
for i in $(seq 1 400); do KILLED=$(sed -n 's/^run: //p' killed.out | head -n1); [ -n "$KILLED" ] && break; sleep 0.05; done
[ -n "$KILLED" ] || fail "no run folder printed: $(cat killed.out)"
for i in $(seq 1 600); do
    [ "$(grep -c '"file":"last.safetensors"' "$KILLED/events.jsonl" 2>/dev/null)" -ge 4 ] && break
    sleep 0.02
done
kill -9 "$BG"; wait "$BG" 2>/dev/null; BG=
grep -q '"type":"done"' "$KILLED/events.jsonl" && fail "the pretraining finished before it could be killed"
saved=$(grep -o '"type":"checkpoint","step":[0-9]*,"file":"last.safetensors"' "$KILLED/events.jsonl" | tail -n1 |
        sed 's/.*"step":\([0-9]*\).*/\1/')
[ -n "$saved" ] && [ "$saved" -gt 0 ] || fail "no save before the kill"
"$SENTUI" resume "$KILLED" >out 2>err || fail "resume: $(cat err out)"
grep -q "^resuming at step $saved " out || fail "did not resume from step $saved: $(head -3 out)"
grep -q '"status": "finished"' "$KILLED/summary.json" || fail "the resumed pretraining did not finish"
[ -s "$KILLED/pretrained/model.safetensors" ] || fail "the resumed pretraining wrote no folder"
echo ok
