#!/usr/bin/env bash
# Checks the Debian packages sentui needs and installs the missing ones
# (apt-get as root, sudo otherwise). When it cannot, prints the exact command.
set -u
PKGS=(build-essential pkg-config libopenblas-dev libyaml-dev libncurses-dev libarchive-dev
      libjansson-dev libcmocka-dev libutf8proc-dev tmux curl python3 man-db)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
echo "sentui: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd) && exit 0
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $cmd) && exit 0
fi
echo "sentui: could not install the packages; run this and try again:" >&2
echo "    sudo apt-get update && sudo $cmd" >&2
exit 1
