#!/usr/bin/env bash
# sentui bench through the real binary on the generated task: JSON that parses,
# with the machine's sgemm peak, both shares of it and the spreads; an
# evaluation batch smaller than the training batch (it once overran the
# gather buffers); bad arguments refused. Figures are not checked: speed
# lives in `make bench`, never in tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TMP"
cp -r "$OLDPWD/configs" .
"$SENTUI" bench configs/synthetic/bag.yaml configs/synthetic/gru.yaml --json --threads 1 --steps 1 --reps 2 \
    --eval-batch 8 --set data.cache=false >out.jsonl 2>err || { cat err out.jsonl; fail "bench exited $?"; }
/usr/bin/python3 - out.jsonl <<'PY' || fail "bench JSON"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 2, rows
for r in rows:
    assert "error" not in r, r
    assert r["machine_peak_gflops"] > 0, r
    lo, hi = r["train_tokens_per_s_spread"]
    assert 0 < lo <= r["train_tokens_per_s"] <= hi, r
    lo, hi = r["eval_reviews_per_s_spread"]
    assert 0 < lo <= r["eval_reviews_per_s"] <= hi, r
    assert abs(r["pct_machine_peak"] - 100 * r["gflops"] / r["machine_peak_gflops"]) < 1e-6 * max(1, r["pct_machine_peak"]), r
    assert r["threads"] == 1, r
PY
"$SENTUI" bench --steps 0 >out 2>err && fail "--steps 0 accepted"
grep -q "must be positive" err || fail "no message for --steps 0: $(cat err)"
echo ok
