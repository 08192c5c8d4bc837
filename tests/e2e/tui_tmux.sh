#!/usr/bin/env bash
# Drives the real workbench in tmux: home, the config editor (LSTM on the
# generated dataset, learning rate changed with validation as you type),
# training live (curve and confusion matrix updating), pause, stop, replay,
# compare, a window below 80x24, quit. Then the headless commands (runs,
# replay --dump, compare) on the same runs. Waits by polling the pane for
# expected text, never by fixed sleeps.
#
# SENTUI_E2E_SNAPSHOTS=DIR keeps the captured screens there.
set -u
SENTUI=${SENTUI:-build/sentui}
[ -x "$SENTUI" ] || { echo "no binary at $SENTUI"; exit 1; }
command -v tmux >/dev/null || { echo "tmux is not installed (scripts/deps.sh installs it)"; exit 1; }

T=$(mktemp -d)
SOCK="sentui-e2e-$$"
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
export HOME="$T/home"
mkdir -p "$HOME" "$T/configs" "$T/runs"
SNAP=${SENTUI_E2E_SNAPSHOTS:-}
[ -n "$SNAP" ] && mkdir -p "$SNAP"

cat >"$T/configs/lstm-synth.yaml" <<'EOF'
model:
  arch: lstm
  embed_dim: 16
  hidden_dim: 16
data:
  dataset: synthetic
  synthetic_size: 3000
  max_len: 40
  vocab_size: 300
  cache: false
train:
  epochs: 200
  batch_size: 16
  lr: 0.01
  threads: 1
eval:
  every_steps: 40
  explain_samples: 4
  test: false
EOF

# A finished run written by hand (a transformer with attention maps), so
# compare has two runs and replay shows the attention panel.
FIX="$T/runs/20200101-000000-transformer-fixture"
mkdir -p "$FIX"
{
    echo '{"type":"start","run":"20200101-000000-transformer-fixture","arch":"transformer","params":4242,"epochs":2,"steps_per_epoch":10,"total_steps":20,"train_size":160,"val_size":40,"test_size":40,"batch_size":16,"max_len":3}'
    for i in $(seq 1 20); do
        printf '{"type":"step","step":%d,"epoch":%s,"loss":%s,"lr":0.001,"grad_norm":1,"tokens_per_s":1000,"elapsed":%s}\n' \
            "$i" "$(awk "BEGIN{print $i/10}")" "$(awk "BEGIN{print 0.7/(1+$i/10)}")" "$(awk "BEGIN{print $i*0.1}")"
    done
    echo '{"type":"eval","step":10,"epoch":1,"split":"val","loss":0.5,"accuracy":0.7,"precision":0.7,"recall":0.7,"f1":0.7,"f1_macro":0.7,"f1_weighted":0.7,"confusion":[[14,6],[6,14]],"best":true}'
    echo '{"type":"explain","step":10,"samples":[{"index":0,"label":1,"pred":1,"prob":0.8,"tokens":["a","great","film"],"weight":[0.1,0.7,0.2],"method":"attention received, mean over layers and heads","layers":1,"heads":2,"attn":[0.2,0.6,0.2,0.1,0.8,0.1,0.3,0.4,0.3,0.3,0.3,0.4,0.2,0.5,0.3,0.1,0.6,0.3]}]}'
    echo '{"type":"eval","step":20,"epoch":2,"split":"val","loss":0.4,"accuracy":0.85,"precision":0.85,"recall":0.85,"f1":0.85,"f1_macro":0.85,"f1_weighted":0.85,"confusion":[[17,3],[3,17]],"best":true}'
    echo '{"type":"eval","step":20,"epoch":2,"split":"test","loss":0.45,"accuracy":0.8,"precision":0.8,"recall":0.8,"f1":0.8,"f1_macro":0.8,"f1_weighted":0.8,"confusion":[[16,4],[4,16]]}'
    echo '{"type":"done","step":20,"status":"finished","elapsed":2.0}'
} >"$FIX/events.jsonl"
printf 'model:\n  arch: transformer\n  embed_dim: 8\ndata:\n  dataset: synthetic\n' >"$FIX/config.yaml"
cat >"$FIX/summary.json" <<'EOF'
{"run":"20200101-000000-transformer-fixture","arch":"transformer","status":"finished","params":4242,"epochs":2,
 "epoch":2.0,"step":20,"total_steps":20,
 "best":{"step":20,"epoch":2.0,"accuracy":0.85,"f1":0.85,"f1_macro":0.85,"f1_weighted":0.85,"loss":0.4},
 "test":{"step":20,"epoch":2.0,"accuracy":0.8,"f1":0.8,"f1_macro":0.8,"f1_weighted":0.8,"loss":0.45},
 "train_seconds":2.0,"tokens_per_s":1000,"started":"2020-01-01T00:00:00Z","updated":"2020-01-01T00:00:02Z",
 "pid":0,"name":"fixture","dataset":"synthetic"}
EOF

fail() {
    echo "FAIL: $*"
    echo "---- screen ----"
    tmux -L "$SOCK" capture-pane -p -t e2e 2>/dev/null
    exit 1
}
screen() { tmux -L "$SOCK" capture-pane -p -t e2e; }
keys() { tmux -L "$SOCK" send-keys -t e2e "$@"; }
# wait_for TEXT [SECONDS]: polls the pane until TEXT shows.
wait_for() {
    local text=$1 limit=${2:-15} start=$SECONDS
    while ((SECONDS - start < limit)); do
        screen | grep -qF -- "$text" && return 0
        sleep 0.1
    done
    fail "waited ${limit}s for '$text'"
}
snap() { [ -n "$SNAP" ] && screen >"$SNAP/$1.txt"; return 0; }

tmux -L "$SOCK" new-session -d -s e2e -x 120 -y 40 \
    "env HOME='$HOME' LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$SENTUI' workbench --dir '$T/runs' --configs '$T/configs'; sleep 30"

# Home: architectures with their configs, the runs table.
wait_for "Architectures & configs"
wait_for "lstm-synth.yaml"
wait_for "000000-transformer-fi"
snap home

# Config editor for the LSTM config; change the learning rate.
keys j Enter
wait_for "lstm-synth.yaml  (LSTM)"
keys / l r Enter
keys Enter
wait_for "valid; Enter keeps it"
keys BSpace BSpace BSpace BSpace BSpace BSpace - 1
wait_for "out of range"
keys BSpace BSpace 0 . 0 0 5
wait_for "valid; Enter keeps it"
keys Enter
wait_for "train.lr = 0.005"
snap editor

# Train it: the dashboard goes live; the curve and the matrix update.
keys n
wait_for " LIVE " 20
wait_for "true neg" 20
wait_for "acc 0." 30
first=$(screen | grep -o "step [0-9]*  epoch" | head -1)
for _ in $(seq 1 100); do
    now=$(screen | grep -o "step [0-9]*  epoch" | head -1)
    [ -n "$now" ] && [ "$now" != "$first" ] && break
    sleep 0.1
done
[ "$now" != "$first" ] || fail "the confusion matrix did not move past '$first'"
screen | LC_ALL=C grep -q "$(printf '\xe2[\xa0-\xa3]')" || fail "no braille curve on the dashboard"
snap dashboard

keys p
wait_for "paused" 20
keys r
wait_for "running" 20
keys s
wait_for "stopped" 30
snap stopped

# Back to the editor we came from, then home: the stopped run is listed; replay it.
keys q
wait_for "Config editor"
keys q
wait_for "Runs in"
wait_for "stopped"
keys Tab g Enter
wait_for " REPLAY " 10
for _ in 1 2 3; do
    keys x
    sleep 0.3
    screen | grep -q "replay speed 1x" && break
done
wait_for "replay speed 1x" 5
keys g Space
wait_for "playing" 10
wait_for "cursor: step" 5
keys ]
wait_for "paused" 5
keys q
wait_for "Runs in"

# Compare both runs.
keys c
wait_for "Side by side" 10
wait_for "000000-transformer-fixture"
wait_for "config differences" 5
snap compare
keys q
wait_for "Runs in"

# Help is generated from the key table.
keys ?
wait_for "Keys: Home"
wait_for "mark a run for comparison"
keys q
wait_for "Runs in"

# Too small, then back.
tmux -L "$SOCK" resize-window -t e2e -x 70 -y 20
wait_for "Terminal too small" 10
snap too_small
tmux -L "$SOCK" resize-window -t e2e -x 120 -y 40
wait_for "Runs in" 10

# Quit (no run is training now, so no question).
keys q
for _ in $(seq 1 50); do
    screen | grep -q "Runs in" || break
    sleep 0.1
done
screen | grep -q "Runs in" && fail "q on the home screen did not quit"

# Headless views of the same runs.
run=$(ls "$T/runs" | grep lstm | head -1)
[ -n "$run" ] || fail "no lstm run folder was written"
"$SENTUI" runs --dir "$T/runs" | grep -q "stopped" || fail "sentui runs does not list the stopped run"
out=$("$SENTUI" replay "$run" --dir "$T/runs" --dump --size 120x40) || fail "replay --dump failed"
echo "$out" | grep -q "REPLAY" || fail "replay --dump shows no dashboard"
echo "$out" | grep -q "true neg" || fail "replay --dump shows no confusion matrix"
out=$("$SENTUI" replay 20200101-000000-transformer-fixture --dir "$T/runs" --dump --keys 'm') || fail "replay of the fixture failed"
echo "$out" | grep -q "layer mean of 1" || fail "no attention selectors for the transformer fixture"
out=$("$SENTUI" compare "$run" 20200101-000000-transformer-fixture --dir "$T/runs" --markdown) || fail "compare failed"
echo "$out" | grep -q "| 20200101-000000-transformer-fixture | transformer |" || fail "compare --markdown lacks the fixture row"
"$SENTUI" compare "$run" 20200101 --dir "$T/runs" | grep -q "validation accuracy" || fail "compare draws no curves"
echo "ok"
