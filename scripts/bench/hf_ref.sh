#!/usr/bin/env bash
# DistilBERT fine-tuning and inference tokens/s, sentui next to PyTorch on the
# same model, weights and shapes. Builds a random Hugging Face folder (the full
# distilbert-base-uncased shapes by scripts/fixtures/hf_bert.py --base, about
# 270 MB; --small: small shapes for a smoke test), then times
#   sentui:  `sentui bench configs/distilbert.yaml --set model.init=FOLDER` at 1 and 2 threads
#            (batch 16, max_len 256: the config's; IMDb batches when IMDB_TARBALL or
#            data/aclImdb_v1.tar.gz is there, else the generated task's)
#   PyTorch: scripts/bench/hf_torch_ref.py on the same folder, batch x max_len random ids,
#            at 1 and 2 threads, plain and with OMP_WAIT_POLICY=PASSIVE, each in its
#            own process, keeping the fastest setting per measure
# Every figure is the median of REPS repetitions after a warm-up. Run it on an
# otherwise idle machine; figures taken beside other load are noise.
#
#   scripts/bench/hf_ref.sh [--small] [--reps N] [--keep DIR] [SENTUI]
set -euo pipefail
cd "$(dirname "$0")/../.."
SMALL=0 REPS=${REPS:-5} KEEP="" SENTUI=build/sentui
while [ $# -gt 0 ]; do
    case "$1" in
    --small) SMALL=1 ;;
    --reps) REPS=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) SENTUI=$1 ;;
    esac
    shift
done
PY=${TORCH_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "hf_ref: needs PyTorch for $PY (Debian: apt-get install python3-torch)" >&2
    exit 1
fi
[ -x "$SENTUI" ] || { echo "hf_ref: no $SENTUI (run make first)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
FOLDER=${KEEP:-$out/distilbert}
if [ "$SMALL" = 1 ]; then
    MAXLEN=64 STEPS=1 SET=(--set data.max_len=64)
    [ -s "$FOLDER/model.safetensors" ] || "$PY" scripts/bench/hf_torch_ref.py make "$FOLDER" >/dev/null
else
    MAXLEN=256 STEPS=3 SET=()
    [ -s "$FOLDER/model.safetensors" ] || "$PY" scripts/fixtures/hf_bert.py --base "$FOLDER" >/dev/null
fi
DATA=()
if [ -z "${IMDB_TARBALL:-}" ] && [ ! -e data/aclImdb_v1.tar.gz ]; then
    echo "note: no IMDb archive: sentui times the generated task's batches (shorter than max_len; pad-free)"
    DATA=(--set data.dataset=synthetic)
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "model: $FOLDER; max_len $MAXLEN, batch 16 (train), 32 (eval); repetitions: $REPS"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 2; do
    "$SENTUI" bench configs/distilbert.yaml --set model.init="$FOLDER" "${SET[@]}" "${DATA[@]}" --json \
        --threads "$t" --reps "$REPS" --steps "$STEPS" --eval-batch 32 > "$out/sentui-$t.jsonl" \
        || { cat "$out/sentui-$t.jsonl" >&2; echo "hf_ref: sentui bench failed" >&2; exit 1; }
    for policy in plain PASSIVE; do
        if [ "$policy" = plain ]; then env -u OMP_WAIT_POLICY "$PY" scripts/bench/hf_torch_ref.py bench "$FOLDER" \
            --threads "$t" --reps "$REPS" --steps "$STEPS" --max-len "$MAXLEN" > "$out/torch-$policy-$t.jsonl"
        else OMP_WAIT_POLICY=PASSIVE "$PY" scripts/bench/hf_torch_ref.py bench "$FOLDER" \
            --threads "$t" --reps "$REPS" --steps "$STEPS" --max-len "$MAXLEN" > "$out/torch-$policy-$t.jsonl"
        fi
    done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$PY" - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def rows(pattern):
    return [json.loads(l) for f in sorted(glob.glob(os.path.join(out, pattern))) for l in open(f) if l.strip()]
s = {r["threads"]: r for r in rows("sentui-*.jsonl")}
t = rows("torch-*.jsonl")
def si(v):
    for d, p in ((1e6, "M"), (1e3, "k")):
        if v >= d: return f"{v / d:.3g}{p}"
    return f"{v:.3g}"
def setting(r): return f'{"PASSIVE" if r["omp_wait_policy"] == "PASSIVE" else "plain"}, {r["threads"]} thread{"s" if r["threads"] > 1 else ""}'
print("| measure | sentui 1 thread | sentui 2 threads | PyTorch best (setting) | sentui 2 threads / PyTorch best |")
print("|---|---:|---:|---:|---:|")
for name, skey, tkey in (("training tokens/s", lambda r: r["train_tokens_per_s"], "train_tokens_per_s"),
                         ("evaluation tokens/s", lambda r: r["eval_reviews_per_s"] * r["max_len"], "eval_tokens_per_s")):
    best = max(t, key=lambda r: r[tkey])
    s1, s2 = skey(s[1]), skey(s[2])
    print(f"| {name} | {si(s1)} | {si(s2)} | {si(best[tkey])} ({setting(best)}) | {s2 / best[tkey]:.2f}x |")
print()
print("PyTorch, every setting: " + "; ".join(f"{setting(r)}: train {si(r['train_tokens_per_s'])}, eval {si(r['eval_tokens_per_s'])}" for r in t))
PY
