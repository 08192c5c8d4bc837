#!/usr/bin/env bash
# Texts per second of `sentui predict RUN` on short texts: one IMDb test
# sentence a line, read from stdin, default output. Only the model's shapes
# matter for speed, so a run of configs/lstm.yaml trained for a few steps does:
#   build/sentui train configs/lstm.yaml --set model.pretrain=none \
#       --set data.limit_train=1000 --set train.epochs=1 --set eval.test=false
#   scripts/bench/predict_rate.sh last [LINES]
# Run it on an otherwise idle machine: figures taken beside other load are noise.
set -euo pipefail
RUN=${1:?usage: scripts/bench/predict_rate.sh RUN [LINES]}
LINES=${2:-10000}
SENTUI=${SENTUI:-build/sentui}
TARBALL=${IMDB_TARBALL:-data/aclImdb_v1.tar.gz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzOf "$TARBALL" --wildcards 'aclImdb/test/pos/*.txt' | sed -E 's/<br ?\/?>/ /g' | tr '\n' ' ' |
    sed -E 's/([.!?]) +/\1\n/g' | awk 'length > 3' | head -n "$LINES" >"$tmp/lines" || true
n=$(wc -l <"$tmp/lines")
[ "$n" -gt 0 ] || { echo "no sentences read from $TARBALL (set IMDB_TARBALL)" >&2; exit 1; }
words=$(wc -w <"$tmp/lines")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $n lines, $((words / n)) words a line"
REPS=${REPS:-5}
# A warm-up pass (page cache, checkpoint read), then REPS timed passes: median and spread.
"$SENTUI" predict "$RUN" <"$tmp/lines" >"$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq "$n" ] || { echo "predict gave $(wc -l <"$tmp/out") answers for $n lines" >&2; exit 1; }
for _ in $(seq "$REPS"); do
    start=$(date +%s.%N)
    "$SENTUI" predict "$RUN" <"$tmp/lines" >"$tmp/out"
    end=$(date +%s.%N)
    echo "$start $end"
done | awk -v n="$n" '{ printf "%.3f\n", n / ($2 - $1) }' | sort -n | awk '{ r[NR] = $1 }
    END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
          printf "%d texts a pass, %d passes: median %.0f texts/s (%.0f-%.0f)\n", NR ? n : 0, NR, m, r[1], r[NR] }' n="$n"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
