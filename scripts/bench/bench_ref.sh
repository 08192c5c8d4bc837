#!/usr/bin/env bash
# `make bench-ref`: sentui and the PyTorch reference back to back on the lab's
# shapes. PyTorch runs in four settings — plain and OMP_WAIT_POLICY=PASSIVE
# (its OpenMP threads otherwise spin against OpenBLAS's), at 1 and 2 threads —
# each in its own process, and the comparison keeps its fastest per
# architecture and per measure. sentui runs at 1 and 2 threads for the thread
# scaling. Every figure is a median of repetitions after a warm-up, with the
# spread. Run it on an otherwise idle machine: figures taken beside other load
# are noise.
set -euo pipefail
SENTUI=${1:-build/sentui}
THREADS=${THREADS:-2}
REPS=${REPS:-5}
PY=${TORCH_PYTHON:-/usr/bin/python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "bench-ref needs PyTorch for $PY (Debian: apt-get install python3-torch)" >&2
    exit 1
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "PyTorch $("$PY" -c 'import torch; print(torch.__version__)'); sentui threads: $THREADS; repetitions: $REPS"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 "$THREADS"; do
    if ! "$SENTUI" bench --json --threads "$t" --reps "$REPS" ${BENCH_ARGS:-} > "$out/sentui-$t.jsonl"; then
        cat "$out/sentui-$t.jsonl" >&2
        echo "bench-ref: sentui bench failed (is IMDB_TARBALL set?)" >&2
        exit 1
    fi
done
[ "$THREADS" = 1 ] || cp "$out/sentui-$THREADS.jsonl" "$out/sentui.jsonl"
[ "$THREADS" != 1 ] || cp "$out/sentui-1.jsonl" "$out/sentui.jsonl"
for t in 1 2; do
    env -u OMP_WAIT_POLICY "$PY" scripts/bench/torch_ref.py --threads "$t" --reps "$REPS" > "$out/torch-plain-$t.jsonl"
    OMP_WAIT_POLICY=PASSIVE "$PY" scripts/bench/torch_ref.py --threads "$t" --reps "$REPS" > "$out/torch-passive-$t.jsonl"
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$PY" scripts/bench/compare_ref.py "$out"
