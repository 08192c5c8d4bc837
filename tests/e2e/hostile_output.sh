#!/usr/bin/env bash
# Strings read from a downloaded run folder never reach the terminal raw, and
# machine-readable output stays valid: escape sequences in summary.json,
# folder names, config values and checkpoint metadata are printed as visible
# "\x1b" escapes; `runs --json` and `compare --json/--csv` parse even when the
# runs folder path holds '"' and '\'; an unreadable summary.json is listed with
# its reason; output that cannot be written (/dev/full) is a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SENTUI=${SENTUI:-$PWD/build/sentui}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# No control byte but newline and tab, no C1 control (U+009B is a CSI too),
# and nothing that is not UTF-8.
no_raw_escape() {
    "$PY" -c '
import re, sys
b = open(sys.argv[1], "rb").read()
b.decode("utf-8")
sys.exit(1 if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b) else 0)' "$1" \
        || { cat -v "$1" >&2; fail "$2: raw control bytes in the output"; }
}
json_ok() { "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" || { cat "$1" >&2; fail "$2: not valid JSON"; }; }

RUNS="$TMP/we\"ird\\runs"
mkdir -p "$RUNS"
HOSTILE=$RUNS/20260101-000000-lstm-evil
GOOD=$RUNS/20260101-000001-gru-good
ODD=$RUNS/$'20260101-000002-rnn-\e[2J'
BROKEN=$RUNS/20260101-000003-bag-broken
mkdir -p "$HOSTILE" "$GOOD" "$ODD" "$BROKEN"
cat >"$HOSTILE/summary.json" <<'JSON'
{"run": "evil, \"quoted\" \u001b]0;pwned\u0007", "arch": "\u001b]0;pwned\u0007lstm\u001b[2J\u009b31m",
 "status": "finished", "params": 1000, "epochs": 2, "started": "2026-01-01T00:00:00Z",
 "best": {"accuracy": 0.8, "f1": 0.7}, "test": {"accuracy": 0.75, "f1": 0.74, "f1_weighted": 0.74, "f1_macro": 0.74},
 "train_seconds": 12.5}
JSON
printf 'train:\n  name: "evil\\e]0;pwned\\a"\n  epochs: 2\n' >"$HOSTILE/config.yaml"
cat >"$GOOD/summary.json" <<'JSON'
{"arch": "gru", "status": "finished", "params": 10, "epochs": 1, "started": "2026-01-01T00:00:01Z", "train_seconds": 1.25}
JSON
printf 'train:\n  name: good\n  epochs: 1\n' >"$GOOD/config.yaml"
cp "$GOOD/summary.json" "$ODD/summary.json"
printf '{"arch": "bag", "status": ' >"$BROKEN/summary.json"

# --- runs: table and JSON
"$SENTUI" runs --dir "$RUNS" >"$TMP/runs.txt" 2>"$TMP/err" || fail "runs failed: $(cat "$TMP/err")"
no_raw_escape "$TMP/runs.txt" "runs"
grep -qF '\x1b]0;pwned\x07lstm' "$TMP/runs.txt" || fail "runs: the arch is not shown with visible escapes"
grep -qF '20260101-000002-rnn-\x1b[2J' "$TMP/runs.txt" || fail "runs: the folder name is not shown with visible escapes"
grep -q '^20260101-000003-bag-broken .*unreadable: summary.json: ' "$TMP/runs.txt" \
    || fail "runs: the folder with a damaged summary.json is not listed as unreadable"

"$SENTUI" runs --dir "$RUNS" --json >"$TMP/runs.json" || fail "runs --json failed"
json_ok "$TMP/runs.json" "runs --json"
no_raw_escape "$TMP/runs.json" "runs --json"
"$PY" - "$TMP/runs.json" "$RUNS" <<'PY' || fail "runs --json: wrong content"
import json, sys
rows = {r["run"]: r for r in json.load(open(sys.argv[1]))}
evil = rows["20260101-000000-lstm-evil"]
assert evil["arch"] == "\x1b]0;pwned\x07lstm\x1b[2J\x9b31m", evil["arch"]
assert evil["dir"] == sys.argv[2] + "/20260101-000000-lstm-evil", evil["dir"]
assert rows["20260101-000002-rnn-\x1b[2J"]["arch"] == "gru"
bad = rows["20260101-000003-bag-broken"]
assert bad["status"] == "unreadable" and bad["reason"].startswith("summary.json: "), bad
PY

# The workbench's home screen says that a folder was left out, and filters the rest.
"$SENTUI" --dump --dir "$RUNS" --size 160x24 >"$TMP/home.txt" 2>"$TMP/err" || fail "home --dump failed: $(cat "$TMP/err")"
no_raw_escape "$TMP/home.txt" "home screen"
head -n1 "$TMP/home.txt" | grep -q '1 run folder left out: summary.json unreadable' \
    || { cat "$TMP/home.txt"; fail "home screen: no word of the unreadable run folder"; }

# --- compare: text, Markdown, CSV, JSON
"$SENTUI" compare "$HOSTILE" "$GOOD" --no-charts >"$TMP/cmp.txt" 2>"$TMP/err" || fail "compare failed: $(cat "$TMP/err")"
no_raw_escape "$TMP/cmp.txt" "compare"
grep -qF 'evil\x1b]0;pwned\x07' "$TMP/cmp.txt" || fail "compare: train.name difference not shown escaped"
"$SENTUI" compare "$HOSTILE" "$GOOD" >"$TMP/cmp-charts.txt" || fail "compare with charts failed"
no_raw_escape "$TMP/cmp-charts.txt" "compare charts"
"$SENTUI" compare "$HOSTILE" "$GOOD" --markdown >"$TMP/cmp.md" || fail "compare --markdown failed"
no_raw_escape "$TMP/cmp.md" "compare --markdown"

"$SENTUI" compare "$HOSTILE" "$GOOD" --csv >"$TMP/cmp.csv" || fail "compare --csv failed"
no_raw_escape "$TMP/cmp.csv" "compare --csv"
"$PY" - "$TMP/cmp.csv" <<'PY' || { cat "$TMP/cmp.csv" >&2; fail "compare --csv: not the expected CSV"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 3 and all(len(r) == 14 for r in rows), rows
assert rows[0][13] == "eval_limit" and rows[1][13] == "0", rows
assert rows[1][0] == 'evil, "quoted" \\x1b]0;pwned\\x07', rows[1][0]
assert rows[1][3] == "1000" and rows[2][1] == "gru", rows
PY

"$SENTUI" compare "$HOSTILE" "$GOOD" --json >"$TMP/cmp.json" || fail "compare --json failed"
json_ok "$TMP/cmp.json" "compare --json"
no_raw_escape "$TMP/cmp.json" "compare --json"
"$PY" - "$TMP/cmp.json" "$HOSTILE" <<'PY' || fail "compare --json: wrong content"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows[0]["dir"] == sys.argv[2] and rows[0]["run"].startswith('evil, "quoted" \x1b'), rows[0]
assert rows[0]["test_acc"] == 0.75 and rows[1]["test_acc"] is None, rows
PY

# --- error messages that quote files: config values and checkpoint metadata
"$SENTUI" config --set $'train.name=x\e]0;pwned\a' >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] || fail "config with a control character in train.name: wanted exit 2"
no_raw_escape "$TMP/err" "config error"
grep -qF 'x\x1b]0;pwned\x07' "$TMP/err" || fail "config error does not show the name escaped"

"$SENTUI" train configs/synthetic/bag.yaml --set "train.runs_dir=$TMP/trained" --set data.cache=false \
    --set train.threads=1 --set train.epochs=1 >"$TMP/train.out" 2>&1 || { cat "$TMP/train.out"; fail "train failed"; }
RUN=$(sed -n 's/^run: //p' "$TMP/train.out" | head -n1)
# A downloaded run under a hostile folder name: eval names the folder with visible escapes.
ODDRUN=$TMP/trained/$'run-\e]0;pwned\a'
cp -r "$RUN" "$ODDRUN"
"$SENTUI" eval "$ODDRUN" >"$TMP/eval.out" 2>"$TMP/err" || fail "eval of a copied run failed: $(cat "$TMP/err")"
no_raw_escape "$TMP/eval.out" "eval"
grep -qF 'run-\x1b]0;pwned\x07' "$TMP/eval.out" || fail "eval does not name the folder with visible escapes"
"$PY" - "$RUN/checkpoint.safetensors" <<'PY'
import json, struct, sys
head = json.dumps({"__metadata__": {"format": "\x1b]0;pwned\x07\x1b[2J"}}).encode()
head += b" " * (-len(head) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(head)) + head)
PY
bad_checkpoint() { # command-name args...
    "$SENTUI" "$@" >/dev/null 2>"$TMP/err" </dev/null && fail "$1 of a bad checkpoint succeeded"
    no_raw_escape "$TMP/err" "$1 error"
    # The engine already replaces control bytes in the format it quotes; either form is fine, raw is not.
    grep -qF -e "unknown checkpoint format '\\x1b]0;pwned\\x07\\x1b[2J'" -e "unknown checkpoint format '?]0;pwned??[2J'" \
        "$TMP/err" || { cat "$TMP/err"; fail "$1 error not escaped"; }
}
bad_checkpoint eval "$RUN"
bad_checkpoint predict "$RUN" "a fine film"

# --- a write error on stdout is a failure with a message
full_fails() {
    "$SENTUI" "$@" >/dev/full 2>"$TMP/err"
    local rc=$?
    [ "$rc" -ne 0 ] || fail "'sentui $*' > /dev/full exited 0"
    grep -q 'cannot write the output' "$TMP/err" || { cat "$TMP/err"; fail "'sentui $*' > /dev/full: no message"; }
}
full_fails runs --dir "$RUNS"
full_fails runs --dir "$RUNS" --json
full_fails compare "$HOSTILE" "$GOOD" --json
full_fails compare "$HOSTILE" "$GOOD" --csv
full_fails compare "$HOSTILE" "$GOOD"
full_fails config --schema
cp "$RUN/last.safetensors" "$RUN/checkpoint.safetensors"
full_fails eval "$RUN"
echo ok
