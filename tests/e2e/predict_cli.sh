#!/usr/bin/env bash
# sentui predict through the real binary on a small run of the generated task:
# stdin lines answered in input order across several batches, each as it would
# be answered alone; NUL bytes read as word breaks; empty lines reported as
# empty; --explain and --json shapes; a full disk is an error.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SENTUI" train configs/synthetic/lstm.yaml --set "train.runs_dir=$TMP/runs" --set data.cache=false \
    --set train.threads=1 --set train.epochs=1 --set data.synthetic_size=600 --set data.max_len=40 \
    --set eval.test=false >"$TMP/train.out" 2>&1 || { cat "$TMP/train.out" >&2; fail "training"; }
RUN=$(sed -n 's/^run: //p' "$TMP/train.out" | head -n1)
[ -d "$RUN" ] || fail "no run folder"

# --- 700 lines (several 256-text batches) of 0 to 59 known words: line i has
# i*7 mod 60 words, so the token count in each answer shows whose answer it is.
awk 'NR > 2 { w[n++] = $0 } END {
    srand(7)
    for (i = 0; i < 700; i++) {
        k = (i * 7) % 60; line = ""
        for (j = 0; j < k; j++) line = line (j ? " " : "") w[int(rand() * n)]
        print line
    } }' "$RUN/vocab.txt" >"$TMP/lines"
"$SENTUI" predict "$RUN" --json <"$TMP/lines" >"$TMP/batched" || fail "predict --json from stdin"
[ "$(wc -l <"$TMP/batched")" -eq 700 ] || fail "$(wc -l <"$TMP/batched") answers for 700 lines"
awk '{ k = (NR - 1) * 7 % 60; want = k > 40 ? 40 : k
       if (!match($0, /"tokens":[0-9]+/)) { print "line " NR ": no tokens field"; exit 1 }
       got = substr($0, RSTART + 9, RLENGTH - 9)
       if (got != want) { print "line " NR ": " got " tokens, expected " want; exit 1 } }' "$TMP/batched" ||
    fail "answers out of input order"

# Every 9th line predicted alone gives the same answer to 1e-6.
for i in $(seq 2 9 700); do
    "$SENTUI" predict "$RUN" --json "$(sed -n "${i}p" "$TMP/lines")" >>"$TMP/alone" || fail "predict line $i alone"
    sed -n "${i}p" "$TMP/batched" >>"$TMP/sampled"
done
paste -d'\n' "$TMP/sampled" "$TMP/alone" | awk '
    function p(s) { if (!match(s, /"p_positive":[^,}]+/)) return "none"; return substr(s, RSTART + 13, RLENGTH - 13) }
    NR % 2 { a = $0; next }
    { pa = p(a); pb = p($0)
      if (pa == "none" || pb == "none") { if (pa != pb) { print "empty differs: " a " / " $0; bad = 1 }; next }
      d = pa - pb; if (d < 0) d = -d
      if (d > 1e-6) { print "batched " a " alone " $0; bad = 1 } }
    END { exit bad }' || fail "batched and alone predictions differ"

# --- text output: label and probability; the top tokens only with --explain
W1=$(sed -n 5p "$RUN/vocab.txt"); W2=$(sed -n 9p "$RUN/vocab.txt")
"$SENTUI" predict "$RUN" "$W1 $W2" >"$TMP/out" || fail "predict TEXT"
grep -qE '^(positive|negative)	p\(positive\) [01]\.[0-9]{4}$' "$TMP/out" || fail "default output: $(cat "$TMP/out")"
"$SENTUI" predict "$RUN" --explain "$W1 $W2" >"$TMP/out" || fail "predict --explain"
grep -qE "^(positive|negative)	p\\(positive\\) [01]\.[0-9]{4}	($W1|$W2) [01]\.[0-9]{3}, ($W1|$W2) [01]\.[0-9]{3}$" "$TMP/out" ||
    fail "--explain output: $(cat "$TMP/out")"

# --- a NUL byte breaks words like a space; what follows it is still read
printf '%s\0%s\n%s %s\n' "$W1" "$W2" "$W1" "$W2" | "$SENTUI" predict "$RUN" --json >"$TMP/out" || fail "NUL line"
[ "$(sed -n 1p "$TMP/out")" = "$(sed -n 2p "$TMP/out")" ] || fail "NUL byte changed the answer: $(cat "$TMP/out")"
grep -q '"tokens":2,' "$TMP/out" || fail "words after a NUL byte dropped: $(cat "$TMP/out")"

# --- empty and blank lines: an answer that says so, never a label
printf '\n  \t \n%s\n\r\n' "$W1" | "$SENTUI" predict "$RUN" >"$TMP/out" || fail "empty lines"
[ "$(grep -c '^(empty input)$' "$TMP/out")" -eq 3 ] || fail "empty lines: $(cat "$TMP/out")"
[ "$(sed -n 3p "$TMP/out" | grep -cE '^(positive|negative)	')" -eq 1 ] || fail "empty lines shift the answers"
printf '%s\n\n%s' "$W1" "$W2" | "$SENTUI" predict "$RUN" >"$TMP/out" || fail "last line without a newline"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "last line without a newline: $(cat "$TMP/out")"
printf '\n' | "$SENTUI" predict "$RUN" --json >"$TMP/out" || fail "empty line --json"
grep -q '^{"label":null,' "$TMP/out" || fail "empty line in JSON: $(cat "$TMP/out")"
"$SENTUI" predict "$RUN" "" >"$TMP/out" || fail "empty TEXT"
[ "$(cat "$TMP/out")" = "(empty input)" ] || fail "empty TEXT: $(cat "$TMP/out")"

# --- a write error is an error
"$SENTUI" predict "$RUN" x >/dev/full 2>"$TMP/err" && fail "predict to /dev/full exited 0"
grep -q 'cannot write' "$TMP/err" || fail "no write error message: $(cat "$TMP/err")"
"$SENTUI" predict "$RUN" </dev/null >"$TMP/out" || fail "empty stdin"
[ ! -s "$TMP/out" ] || fail "output for empty stdin"
echo "predict_cli: ok"
