#!/usr/bin/env bash
# Damaged and hostile checkpoints through the real binary: predict, eval and
# resume refuse each with a one-line error and exit 1, quickly and without
# reading a huge file into memory, and nothing in the run folder changes.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
SRC=$PWD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
"$SENTUI" train "$SRC/configs/synthetic/bag.yaml" --set train.epochs=1 --set train.threads=1 \
    --set data.cache=false --set "train.runs_dir=$TMP/runs" > train.out 2>&1 || { cat train.out; fail "train failed"; }
RUN=$(echo "$TMP"/runs/*)
# A finished run cannot be resumed: call it stopped, as after Ctrl-C.
sed -i 's/"status": "finished"/"status": "stopped"/' "$RUN/summary.json"
cp "$RUN/checkpoint.safetensors" best.orig
cp "$RUN/last.safetensors" last.orig

# expect CMD... -- PATTERN: exit 1, a single stderr line that holds PATTERN.
expect() {
    local pattern=${*: -1}
    "${@:1:$#-1}" > out 2> err
    local rc=$?
    [ $rc -eq 1 ] || { cat out err; fail "$* exited $rc"; }
    [ "$(wc -l < err)" -eq 1 ] || { cat err; fail "$*: more than one line"; }
    grep -qF -- "$pattern" err || { cat err; fail "$*: no '$pattern'"; }
}

# One byte of the metadata changed: the checksum covers the header.
printf X | dd of="$RUN/checkpoint.safetensors" bs=1 seek=60 conv=notrunc 2> /dev/null
expect "$SENTUI" predict "$RUN" "a great film" -- "header or tensor data does not match its checksum"
expect "$SENTUI" eval "$RUN" -- "header or tensor data does not match its checksum"
printf X | dd of="$RUN/last.safetensors" bs=1 seek=60 conv=notrunc 2> /dev/null
expect "$SENTUI" resume "$RUN" -- "header or tensor data does not match its checksum"

# A 3 GB sparse file whose header length is absurd, then one whose header
# declares 3 GB of data: refused from the header, never read whole.
printf '\370\377\377\277\000\000\000\000' > "$RUN/last.safetensors"
truncate -s 3G "$RUN/last.safetensors"
expect "$SENTUI" resume "$RUN" -- "header length over 100 MB"
hdr='{"embedding.weight":{"dtype":"F32","shape":[805306360],"data_offsets":[0,3221225440]}}'
printf "\\$(printf %03o ${#hdr})\\000\\000\\000\\000\\000\\000\\000%s" "$hdr" > "$RUN/last.safetensors"
truncate -s $((8 + ${#hdr} + 3221225440)) "$RUN/last.safetensors"
expect "$SENTUI" resume "$RUN" -- "holds 3.2 GB of tensor data, more than the"
[ ! -e "$RUN/lock" ] || fail "a refused resume left its lock"

cp last.orig "$RUN/last.safetensors"
cp best.orig "$RUN/checkpoint.safetensors"
"$SENTUI" predict "$RUN" "a great film" > out 2>&1 || { cat out; fail "predict of the intact run failed"; }
echo "checkpoint_cli: ok"
