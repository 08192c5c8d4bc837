#!/usr/bin/env bash
# What a new user sees first: the home screen lists each architecture's tuned
# config, then the lab's reproduction, then the synthetic one, the same way
# for every arch; `sentui compare` over five runs names all five curves in
# its legends and tags each curve's end (told apart without colour); a
# replay's footer at 80 columns leads with Space play and x speed and shows
# none of the training keys (p pause, s stop, w save).
set -u
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-build/sentui}
[[ "$SENTUI" = /* ]] || SENTUI=$PWD/$SENTUI
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# home order, on a copy whose file names would sort the other way too
mkdir -p "$tmp/configs/lab" "$tmp/configs/synthetic"
for a in rnn gru; do
    cp "configs/$a.yaml" "$tmp/configs/$a.yaml"
    cp "configs/lab/$a.yaml" "$tmp/configs/lab/$a.yaml"
    cp "configs/synthetic/$a.yaml" "$tmp/configs/synthetic/$a.yaml"
done
cp configs/rnn.yaml "$tmp/configs/a-mine.yaml" # the user's own, beside the tuned ones
SENTUI_RUNS_DIR=$tmp/none "$SENTUI" --dump --size 100x30 --configs "$tmp/configs" >"$tmp/home" || fail "home dump"
list=$(sed -n 's/^│  \([a-z/.-]*yaml\) .*/\1/p' "$tmp/home" | tr '\n' ' ')
[ "$list" = "a-mine.yaml rnn.yaml lab/rnn.yaml synthetic/rnn.yaml gru.yaml lab/gru.yaml synthetic/gru.yaml " ] ||
    { cat "$tmp/home"; fail "home lists: $list"; }

# five runs, one per arch
export SENTUI_RUNS_DIR=$tmp/runs
for a in rnn lstm gru transformer bag; do
    "$SENTUI" train "configs/synthetic/$a.yaml" --set train.epochs=1 --set data.synthetic_size=300 --set data.cache=false \
        --set train.threads=1 --set "train.name=$a" >"$tmp/train.out" 2>&1 || { cat "$tmp/train.out"; fail "train $a"; }
done
mapfile -t runs < <(ls "$SENTUI_RUNS_DIR")
[ ${#runs[@]} -eq 5 ] || fail "expected 5 runs, found ${#runs[@]}"
for mode in "" --ascii; do
    "$SENTUI" compare "${runs[@]}" --width=80 $mode >"$tmp/cmp" || fail "compare $mode"
    for i in 1 2 3 4 5; do
        run=${runs[$((i - 1))]}
        n=$(grep -c -- "$i $run" "$tmp/cmp")
        [ "$n" -ge 3 ] || { cat "$tmp/cmp"; fail "compare $mode: legend entry '$i $run' in $n charts, not every one"; }
    done
    # each chart's plot shows the five tags: in the --ascii rendering the tags are the only digits past the y axis
    if [ "$mode" = --ascii ]; then
        tags=$(awk '/^validation accuracy/ {on = 1; next} on && /^epoch/ {exit} on && /[|+]/ {sub(/^[^|+]*[|+]/, ""); print}' "$tmp/cmp" |
            grep -o '[1-5]' | sort -u | tr -d '\n')
        [ "$tags" = 12345 ] || { cat "$tmp/cmp"; fail "validation accuracy chart tags: '$tags', not 12345"; }
    fi
done

# the replay footer at 80 columns
"$SENTUI" replay "${runs[0]}" --dump --size 80x24 >"$tmp/replay" || fail "replay dump"
footer=$(tail -1 "$tmp/replay")
[[ $footer == "Space play  x speed"* ]] || fail "replay footer does not lead with the replay keys: $footer"
for k in "p pause" "s stop" "w save" "r resume"; do
    [[ $footer == *"$k"* ]] && fail "replay footer shows '$k', a training key: $footer"
done
echo ok
