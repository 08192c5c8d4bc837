#!/usr/bin/env bash
# A workbench whose terminal disappears must exit (and save a live run), not
# spin forever on a dead input.
set -eu
tmp=$(mktemp -d)
sock="sentui-hup-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
tmux -L "$sock" new-session -d -x 120 -y 40 "$SENTUI --dir $tmp/runs --configs $SENTUI_TEST_ROOT/configs"
for _ in $(seq 50); do pgrep -f -- "--dir $tmp/runs" >/dev/null && break; sleep 0.1; done
pgrep -f -- "--dir $tmp/runs" >/dev/null || { echo "workbench did not start"; exit 1; }
tmux -L "$sock" kill-server
for _ in $(seq 50); do pgrep -f -- "--dir $tmp/runs" >/dev/null || { echo ok; exit 0; }; sleep 0.1; done
echo "workbench still running after its terminal closed"
pkill -f -- "--dir $tmp/runs" || true
exit 1
