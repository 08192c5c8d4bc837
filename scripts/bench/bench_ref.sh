#!/usr/bin/env bash
# `make bench-ref`: sentui and the PyTorch reference back to back, same
# shapes and thread count, then the sentui/PyTorch ratios against the targets.
# Run it on an otherwise idle machine: figures taken beside other load are noise.
set -euo pipefail
SENTUI=${1:-build/sentui}
THREADS=${THREADS:-2}
PY=${TORCH_PYTHON:-/usr/bin/python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "bench-ref needs PyTorch for $PY (Debian: apt-get install python3-torch)" >&2
    exit 1
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); threads: $THREADS"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$SENTUI" bench --json --threads "$THREADS" ${BENCH_ARGS:-} > "$out/sentui.jsonl"
"$PY" scripts/bench/torch_ref.py --threads "$THREADS" > "$out/torch.jsonl"
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" scripts/bench/compare_ref.py "$out/sentui.jsonl" "$out/torch.jsonl"
