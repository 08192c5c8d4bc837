#!/usr/bin/env bash
# The workbench where its terminal or editor fall short: TERM=dumb (no cursor
# addressing) is refused with a clear message and exit status 1 before
# anything is drawn; an $EDITOR that cannot be started is reported as such,
# and the config is left as it was. Waits by polling the pane, never by
# fixed sleeps.
set -u
SENTUI=${SENTUI:-build/sentui}
[ -x "$SENTUI" ] || { echo "no binary at $SENTUI"; exit 1; }
command -v tmux >/dev/null || { echo "tmux is not installed (scripts/deps.sh installs it)"; exit 1; }
T=$(mktemp -d)
SOCK="sentui-fb-$$"
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/configs" "$T/runs" "$T/home"
printf 'model:\n  arch: lstm\ndata:\n  dataset: synthetic\n' >"$T/configs/lstm-synth.yaml"

fail() {
    echo "FAIL: $*"
    echo "---- screen ----"
    tmux -L "$SOCK" capture-pane -p -t "$PANE" 2>/dev/null
    exit 1
}
screen() { tmux -L "$SOCK" capture-pane -p -t "$PANE"; }
keys() { tmux -L "$SOCK" send-keys -t "$PANE" "$@"; }
wait_for() {
    local text=$1 limit=${2:-15} start=$SECONDS
    while ((SECONDS - start < limit)); do
        screen | grep -qF -- "$text" && return 0
        sleep 0.1
    done
    fail "waited ${limit}s for '$text'"
}
start() { # session-name env-assignments...
    PANE=$1; shift
    tmux -L "$SOCK" new-session -d -s "$PANE" -x 120 -y 40 \
        "env -u VISUAL HOME='$T/home' LANG=C.UTF-8 LC_ALL=C.UTF-8 $* '$SENTUI' workbench --dir '$T/runs' --configs '$T/configs'; echo \"exit status \$?\"; sleep 30"
}

# TERM=dumb: a clear refusal, nothing drawn, exit status 1.
start dumb TERM=dumb
wait_for "exit status" 15
screen | grep -q "exit status 1" || fail "TERM=dumb: wrong exit status"
screen | grep -q "cannot move the cursor" || fail "TERM=dumb: no message"
screen | grep -q "sentui ·\|Runs in" && fail "TERM=dumb: the workbench drew a screen"

# EDITOR that does not exist: reported, the config untouched.
start editor TERM=xterm-256color EDITOR=/nonexistent/editor
wait_for "lstm-synth.yaml"
keys Enter
wait_for "new config from defaults"
keys e
wait_for "could not be started" 10
screen | grep -q "YAML checked and applied" && fail "a failed editor reported success"
keys q
wait_for "Runs in"
keys q
wait_for "exit status 0" 10
echo ok
