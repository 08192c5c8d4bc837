#!/usr/bin/env bash
# The README's "Your own data" walk-through through the real binary: a
# generated 5-class TSV described, trained, predicted and evaluated; SST-2's
# and Yelp's layouts (a header with named columns; numbered columns without
# one) read as the README maps them; clear errors for a missing train_file
# and a label seen only in the test file.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SENTUI=${SENTUI:-$ROOT/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP" || exit 1
mkdir configs && cp -r "$ROOT/configs/own" configs/
export SENTUI_RUNS_DIR=$TMP/runs SENTUI_CACHE_DIR=$TMP/cache

# --- the README example, as written
python3 "$ROOT/scripts/make_classes_tsv.py" data/topics/train.tsv 3000 1 || fail "make_classes_tsv"
python3 "$ROOT/scripts/make_classes_tsv.py" data/topics/test.tsv 500 2 || fail "make_classes_tsv"
"$SENTUI" data configs/own/topics.yaml >out 2>&1 || { cat out; fail "sentui data"; }
grep -qE '^politics +[0-9]+ +[0-9]+ +[0-9]+' out || fail "no per-class counts: $(cat out)"
grep -qE '^all +2700 +300 +500$' out || fail "split sizes: $(cat out)"
"$SENTUI" train configs/own/topics.yaml --set train.threads=1 >out 2>&1 || { cat out; fail "sentui train"; }
grep -q '^5 classes$' out || fail "train did not say 5 classes: $(cat out)"
acc=$(sed -n 's/^test  acc \([0-9.]*\).*/\1/p' out)
awk -v a="$acc" 'BEGIN { exit !(a > 0.95) }' || fail "test accuracy $acc"
grep -qE '^ +5 sports +[0-9]' out || fail "no 5x5 matrix: $(cat out)"
RUN=$(ls -d runs/*/ | head -n1)
[ "$(cat "$RUN/classes.txt")" = "$(printf 'food\nmusic\npolitics\nscience\nsports')" ] || fail "classes.txt"
"$SENTUI" compare "$RUN" --no-charts >out || fail "compare"
grep -q '(test split)' out && grep -qE '^ +5 sports +[0-9]' out || fail "compare has no 5x5 matrix: $(cat out)"
"$SENTUI" predict last "we ate noodles" "the guitar was loud" >out || fail "predict"
[ "$(cut -f1 out | tr '\n' ' ')" = "food music " ] || fail "predictions: $(cat out)"
grep -qE '^food	food [01]\.[0-9]{4}  music [01]\.[0-9]{4}  politics' out || fail "per-class probabilities: $(cat out)"
"$SENTUI" predict last --json "we ate noodles" >out || fail "predict --json"
jq -e '.label == "food" and (.probabilities | length == 5) and (.probabilities.food > 0.5)' out >/dev/null ||
    fail "predict --json: $(cat out)"
"$SENTUI" eval last >out || fail "eval"
grep -qE '^  sports +[01]\.[0-9]{4} +[01]\.[0-9]{4} +[01]\.[0-9]{4} +[0-9]+$' out || fail "eval per class: $(cat out)"

# --- eval --data: any labelled file, labels matched by name or renamed with --labels
"$SENTUI" eval last --data data/topics/test.tsv --json >out || fail "eval --data"
jq -e '.scored == 500 and .accuracy > 0.95 and (.confusion | length == 5) and (.classes[4].name == "sports")' out \
    >/dev/null || fail "eval --data --json: $(cat out)"
printf 'text\tlabel\nwe ate noodles\tcuisine\nthe guitar\tmusic\n' >renamed.tsv
"$SENTUI" eval last --data renamed.tsv >out 2>&1 && fail "an unknown label accepted"
grep -q 'renamed.tsv:2: label "cuisine" is not one of the run.s classes (food, music' out || fail "unknown label: $(cat out)"
"$SENTUI" eval last --data renamed.tsv --labels cuisine=food --json >out || fail "eval --labels"
jq -e '.scored == 2 and .accuracy == 1' out >/dev/null || fail "eval --labels: $(cat out)"

# --- SST-2's layout: sentence<TAB>label with a header, labels 0/1
printf 'sentence\tlabel\na fine , moving film \t1\ndull and long \t0\nlovely work \t1\na mess \t0\n' >sst.tsv
"$SENTUI" data --set data.dataset=tsv --set data.train_file=sst.tsv --set data.text_column=sentence \
    --set data.label_column=label --set data.val_fraction=0.5 >out 2>&1 || { cat out; fail "SST-2 layout"; }
grep -qE '^0 +1 +1 +0' out && grep -qE '^1 +1 +1 +0' out || fail "SST-2 classes: $(cat out)"

# --- Yelp's layout: "label","text" without a header, labels 1/2
printf '"1","bad food, slow ""service"""\n"2","great place"\n"1","never again"\n"2","loved it"\n' >yelp.csv
"$SENTUI" data --set data.dataset=csv --set data.train_file=yelp.csv --set data.text_column=2 \
    --set data.label_column=1 --set data.header=false --set data.val_fraction=0.5 >out 2>&1 ||
    { cat out; fail "Yelp layout"; }
grep -qE '^2 +1 +1 +0' out || fail "Yelp classes: $(cat out)"

# --- a binary run scored on SST-2-style 0/1 labels, renamed onto negative/positive
"$SENTUI" train "$ROOT/configs/synthetic/bag.yaml" --set train.epochs=1 --set train.threads=1 >out 2>&1 ||
    { cat out; fail "synthetic run"; }
W1=$(sed -n 5p "$(ls -td runs/*/ | head -n1)/vocab.txt")
printf 'sentence\tlabel\n%s\t1\n%s %s\t0\n' "$W1" "$W1" "$W1" >sst2.tsv
"$SENTUI" eval last --data sst2.tsv --set data.text_column=sentence --labels 0=negative,1=positive --json >out ||
    fail "binary eval --data: $(cat out)"
jq -e '.scored == 2 and (.classes | length == 2) and .classes[1].name == "positive" and has("f1")' out >/dev/null ||
    fail "binary eval --data: $(cat out)"

# --- clear errors
"$SENTUI" data --set data.dataset=csv >out 2>&1 && fail "csv without train_file accepted"
grep -q 'data.dataset=csv needs data.train_file' out || fail "no train_file error: $(cat out)"
printf 'a tasty meal of noodles\tweather\n' >>data/topics/test.tsv
"$SENTUI" data configs/own/topics.yaml >out 2>&1 && fail "a label only in test accepted"
grep -q 'test.tsv:502' out && grep -q 'weather' out || fail "unknown label error: $(cat out)"
echo "own_data_cli: ok"
