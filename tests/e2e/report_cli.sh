#!/usr/bin/env bash
# sentui report and sentui plot through the real binary on two tiny runs of
# the generated task, checked as a person would see them: the figures are
# well-formed SVG, the page holds one figure per curve, confusion matrix and
# explained review, a run folder full of markup shows as text, the workbench's
# report key writes the page, and headless Chromium renders it (a screenshot
# that is not blank, every figure in the DOM, no console message). Without
# Chromium the browser checks are skipped and say so.
set -uo pipefail
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-$PWD/build/sentui}
CHECK="python3 $PWD/tests/e2e/support/report_check.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

train() {
    "$SENTUI" train "configs/synthetic/$1.yaml" --set "train.runs_dir=$TMP/runs" --set data.cache=false \
        --set train.threads=1 --set train.epochs=1 --set data.synthetic_size=400 --set data.max_len=32 \
        --set "train.name=$1" >"$TMP/$1.out" 2>&1 || { cat "$TMP/$1.out" >&2; fail "training $1"; }
    sed -n 's/^run: //p' "$TMP/$1.out" | head -n1
}
TF=$(train transformer)
LSTM=$(train lstm)
[ -d "$TF" ] && [ -d "$LSTM" ] || fail "no run folders"

# --- the report: one figure per curve, confusion matrix and explained review
"$SENTUI" report "$TF" "$LSTM" -o "$TMP/report.html" >"$TMP/report.out" || fail "report"
want=$($CHECK expected "$TF" "$LSTM") || fail "counting the expected figures"
grep -q "wrote $TMP/report.html (2 runs, $want figures)" "$TMP/report.out" || fail "report said: $(cat "$TMP/report.out")"
[ "$want" -ge 8 ] || fail "only $want figures expected: no explained reviews?"
got=$($CHECK fragments "$TMP/report.html") || fail "a figure in the page is not well-formed SVG"
[ "$got" -eq "$want" ] || fail "$got figures in the page, $want expected"
grep -q 'lstm (lstm)' "$TMP/report.html" || fail "no legend entry for the lstm run"
grep -q '<td>model.arch</td><td>transformer</td><td>lstm</td>' "$TMP/report.html" || fail "config differences"
grep -q '<script' "$TMP/report.html" && fail "the page has a script"
"$SENTUI" report "$TF" --x wall -o "$TMP/wall.html" >/dev/null || fail "report --x wall"
grep -q 'wall-clock seconds' "$TMP/wall.html" || fail "no wall-clock axis"

# --- standalone figures
"$SENTUI" plot "$TF" "$LSTM" --svg "$TMP/curves.svg" --metric train-loss >/dev/null || fail "plot curves"
"$SENTUI" plot "$TF" --svg "$TMP/confusion.svg" --what confusion >/dev/null || fail "plot confusion"
"$SENTUI" plot "$TF" --svg "$TMP/heatmap.svg" --what heatmap >/dev/null || fail "plot heatmap"
"$SENTUI" plot "$TF" "$LSTM" --svg "$TMP/wall.svg" --x wall >/dev/null || fail "plot --x wall"
$CHECK svg "$TMP"/curves.svg "$TMP"/confusion.svg "$TMP"/heatmap.svg "$TMP"/wall.svg || fail "a figure is not well-formed"
grep -q 'layer 2 head 4' "$TMP/heatmap.svg" || fail "the transformer's heatmap has no row per layer and head"

# --- bad input: clear errors, nothing written
"$SENTUI" plot "$TF" --svg "$TMP/bad.svg" --what pie 2>"$TMP/err"; [ $? -eq 2 ] || fail "--what pie accepted"
grep -q 'curves, confusion or heatmap' "$TMP/err" || fail "unclear --what error: $(cat "$TMP/err")"
"$SENTUI" plot "$TF" --svg "$TMP/bad.svg" --what heatmap --sample 99 2>"$TMP/err" && fail "--sample 99 accepted"
grep -q 'explains' "$TMP/err" || fail "unclear --sample error: $(cat "$TMP/err")"
"$SENTUI" report "$TMP/nowhere" -o "$TMP/bad.html" 2>"$TMP/err" && fail "a missing run accepted"
"$SENTUI" report "$TF" --x hours -o "$TMP/bad.html" 2>"$TMP/err"; [ $? -eq 2 ] || fail "--x hours accepted"
ls "$TMP"/bad.* "$TMP"/*.tmp.* 2>/dev/null && fail "a failed command left a file"
"$SENTUI" report --help | grep -q 'usage: sentui report' || fail "report --help"
"$SENTUI" plot --help | grep -q 'usage: sentui plot' || fail "plot --help"

# --- a run folder full of markup: every string shows as text
HOSTILE="$TMP/hostile/evil"
mkdir -p "$TMP/hostile" && cp -r "$TF" "$HOSTILE"
python3 - "$HOSTILE/events.jsonl" <<'PY' || fail "making the hostile run"
import json, sys
path = sys.argv[1]
out = []
for line in open(path, encoding="utf-8"):
    ev = json.loads(line)
    if ev["type"] == "start":
        ev["run"] = "<script>document.title='pwned'</script>"
    if ev["type"] == "explain":
        for s in ev["samples"]:
            s["tokens"][0] = "<script>document.title='pwned'</script>"
            s["tokens"][1] = "<img src=x onerror=alert(1)>"
            s["method"] = "</svg><b>bold</b>"
    out.append(json.dumps(ev))
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
rm -f "$HOSTILE/summary.json"
"$SENTUI" report "$HOSTILE" -o "$TMP/hostile.html" >/dev/null || fail "report of the hostile run"
grep -qi '<script\|<img\|<b>' "$TMP/hostile.html" && fail "markup from the run reached the page"
grep -q "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" "$TMP/hostile.html" || fail "the hostile name is not shown as text"
$CHECK fragments "$TMP/hostile.html" >/dev/null || fail "the hostile page's figures are not well-formed"

# --- the workbench's key writes the report beside the runs and says where
"$SENTUI" --dump --size 120x30 --dir "$TMP/runs" --configs configs --keys '\tE' >"$TMP/screen" || fail "workbench"
grep -q "report of 1 run written to $TMP/runs/report-" "$TMP/screen" || fail "no message: $(head -n2 "$TMP/screen")"
ls "$TMP"/runs/report-*.html >/dev/null 2>&1 || fail "the workbench wrote no report"

# --- as a person sees it: headless Chromium
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP browser checks: chromium is not installed (apt-get install chromium)"
    exit 0
fi
browse() { # browse OUTFILE ARGS... : headless, no sandbox when root, a private profile
    local out=$1; shift
    local sandbox=; [ "$(id -u)" -eq 0 ] && sandbox=--no-sandbox
    timeout 120 "$CHROMIUM" --headless $sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 "$@" >"$out" 2>"$out.log"
}
browse "$TMP/dom.html" --dump-dom "file://$TMP/report.html" || fail "chromium --dump-dom: $(tail -n3 "$TMP/dom.html.log")"
dom=$(grep -o '<svg' "$TMP/dom.html" | wc -l)
[ "$dom" -eq "$want" ] || fail "$dom figures in the rendered DOM, $want expected"
grep -q '<h2>Explained reviews</h2>' "$TMP/dom.html" || fail "the DOM lacks the heatmaps section"
grep -i 'CONSOLE' "$TMP/dom.html.log" && fail "console messages while rendering"
browse "$TMP/shot.out" --screenshot="$TMP/shot.png" --window-size=1000,1400 "file://$TMP/report.html" ||
    fail "chromium --screenshot: $(tail -n3 "$TMP/shot.out.log")"
grep -i 'CONSOLE' "$TMP/shot.out.log" && fail "console messages while rendering"
colours=$($CHECK png "$TMP/shot.png") || fail "the screenshot is not a PNG"
[ "$colours" -ge 40 ] || fail "the screenshot looks blank: $colours colours"
cp "$TMP/shot.png" "${REPORT_SHOT:-/dev/null}" 2>/dev/null || true
browse "$TMP/hdom.html" --dump-dom "file://$TMP/hostile.html" || fail "chromium on the hostile page"
grep -qi '<script\|<img' "$TMP/hdom.html" && fail "the hostile page has a script or image element"
grep -q 'pwned' "$TMP/hdom.html" || fail "the hostile name is not on the page"
grep -q '<title>sentui report</title>' "$TMP/hdom.html" || fail "a script changed the page title"
echo "report: $want figures rendered; screenshot $colours colours"
