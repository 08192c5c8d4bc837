#!/usr/bin/env bash
# Data-parallel figures for each tuned config on this machine: training tokens/s
# of 1 process x 2 threads against 2 ranks x 1 thread, the gradient block's
# size, the bytes a step's exchange sums (the dense tensors and the embedding
# rows some rank touched) and the exchange's time per step at 2 ranks (which
# includes waiting for the slower rank).
#   IMDB_TARBALL=... scripts/bench/mpi_figures.sh [CONFIG ...]
# One epoch on LIMIT training reviews (default 6000), no test scoring; REPS
# sittings of each (default 2), alternating the two layouts. Run it on an
# otherwise idle machine: figures taken beside other load are noise.
set -euo pipefail
SENTUI=${SENTUI:-build/sentui}
LIMIT=${LIMIT:-6000}
REPS=${REPS:-2}
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(configs/rnn.yaml configs/lstm.yaml configs/gru.yaml configs/transformer.yaml configs/bag.yaml)
command -v mpirun >/dev/null || { echo "mpirun not found (Debian: openmpi-bin)" >&2; exit 1; }
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--set train.epochs=1 --set "data.limit_train=$LIMIT" --set eval.test=false)

tokens_per_s() { jq -r '.tokens_per_s' "$(ls -d "$1"/*/ | head -1)summary.json"; }
params() { jq -r '.params' "$(ls -d "$1"/*/ | head -1)summary.json"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $LIMIT reviews, 1 epoch, $REPS sittings"
printf '%-20s %10s %12s %12s %7s %10s %10s %10s\n' config params "1x2 tok/s" "2x1 tok/s" ratio "block kB" "sent kB" "exch ms"
for cfg in "${configs[@]}"; do
    one=() two=() kb="" ms=""
    for rep in $(seq "$REPS"); do
        d1="$tmp/one-$rep" d2="$tmp/two-$rep"
        SENTUI_RUNS_DIR=$d1 "$SENTUI" train "$cfg" "${common[@]}" --set train.threads=2 >"$tmp/one.out" 2>&1 ||
            { cat "$tmp/one.out" >&2; exit 1; }
        SENTUI_RUNS_DIR=$d2 mpirun -np 2 --oversubscribe "${root[@]}" "$SENTUI" train "$cfg" "${common[@]}" \
            >"$tmp/two.out" 2>&1 || { cat "$tmp/two.out" >&2; exit 1; }
        one+=("$(tokens_per_s "$d1")") two+=("$(tokens_per_s "$d2")") np=$(params "$d2")
        line=$(grep 'data-parallel:' "$tmp/two.out")
        kb=$(sed -E 's/.*all-reduce ([0-9.]+) kB.*/\1/' <<<"$line")
        ms+="$(sed -E 's/.*kB per step, ([0-9.]+) ms.*/\1/' <<<"$line") "
        rm -rf "$d1" "$d2"
    done
    med() { printf '%s\n' "$@" | sort -g | awk '{ r[NR] = $1 } END { print NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'; }
    m1=$(med "${one[@]}") m2=$(med "${two[@]}")
    printf '%-20s %10s %12.0f %12.0f %6.0f%% %10.1f %10s %10s\n' "$(basename "$cfg")" "$np" "$m1" "$m2" \
        "$(awk -v a="$m2" -v b="$m1" 'BEGIN { print 100 * a / b }')" "$(awk -v n="$np" 'BEGIN { print 4 * n / 1000 }')" "$kb" "$ms"
    echo "    1x2: ${one[*]}   2x1: ${two[*]}"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
