#!/usr/bin/env bash
# --help and -h on every command print its usage and exit 0; every option a
# command's help lists is one the command accepts; `sentui help CMD` is the
# same text; the man page and the completion script name every command, and
# the completion every config key; --version prints one line.
set -u
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-build/sentui}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$SENTUI" help >"$tmp/help" || fail "sentui help exited $?"
mapfile -t cmds < <(awk '/^usage:/ {next} /^$/ {n++} n == 1 && /^  [a-z]/ {print $1}' "$tmp/help")
[ ${#cmds[@]} -ge 12 ] || { cat "$tmp/help"; fail "sentui help lists ${#cmds[@]} commands"; }
"$SENTUI" man >"$tmp/man" || fail "sentui man exited $?"
"$SENTUI" completion bash >"$tmp/bash" || fail "sentui completion bash exited $?"
bash -n "$tmp/bash" || fail "the bash completion does not parse"

value_for() {
    case $1 in
    DIR) echo "$tmp" ;; N) echo 1 ;; KEY=VALUE) echo train.epochs=1 ;; WxH) echo 80x24 ;; KEYS) echo q ;;
    *'|'*) echo "${1%%|*}" ;; *) echo x ;;
    esac
}

for cmd in "${cmds[@]}"; do
    for flag in --help -h; do
        "$SENTUI" "$cmd" "$flag" >"$tmp/out" 2>"$tmp/err" || fail "sentui $cmd $flag exited $?: $(cat "$tmp/err")"
        head -1 "$tmp/out" | grep -q "^usage: sentui $cmd\b" || { cat "$tmp/out"; fail "sentui $cmd $flag: no usage line"; }
        grep -q -- "-h, --help" "$tmp/out" || fail "sentui $cmd $flag does not list --help"
    done
    "$SENTUI" help "$cmd" | cmp -s - "$tmp/out" || fail "sentui help $cmd differs from sentui $cmd -h"
    grep -q "^\\\\fBsentui $cmd\\\\fR" "$tmp/man" || fail "the man page lacks $cmd"
    grep -qw -- "$cmd" <(grep '^        COMPREPLY=($(compgen -W "workbench' "$tmp/bash") || fail "completion lacks $cmd"
    # each listed option is accepted: with an unknown flag after it, the unknown one is what is refused
    while IFS= read -r line; do
        read -r opt value <<<"${line:2:22}" # the option column: "--name VALUE"
        [ "$opt" = "-h," ] && continue
        args=("$opt")
        [ -n "$value" ] && args+=("$(value_for "$value")")
        timeout 20 "$SENTUI" "$cmd" "${args[@]}" --zz-not-an-option </dev/null >"$tmp/o2" 2>"$tmp/e2"
        rc=$?
        [ $rc -eq 2 ] || { cat "$tmp/e2"; fail "sentui $cmd ${args[*]} --zz-not-an-option exited $rc, not 2"; }
        grep -q -- "unknown option.*${opt}\b" "$tmp/e2" && fail "sentui $cmd refuses $opt, which its help lists"
    done < <(sed -n '/^options:/,/^$/p' "$tmp/out" | sed 1d | grep '^  -')
done

# --help stops nothing it should not: a --set value that reads --help is a value
"$SENTUI" config --set model.arch=--help >"$tmp/out" 2>&1 && fail "a --set value --help was taken for --help"
"$SENTUI" train --help --nonsense >"$tmp/out" || fail "train --help with another flag exited $?"
"$SENTUI" help no-such-command >/dev/null 2>&1 && fail "help for an unknown command exited 0"

while read -r key _; do
    grep -qF "$key=" "$tmp/bash" || fail "the completion lacks config key $key"
    grep -q "^\\.B $key\$" "$tmp/man" || fail "the man page lacks config key $key"
done < <("$SENTUI" config --schema | awk 'NR > 1 && NF {print $1}')

v=$("$SENTUI" --version) || fail "--version exited $?"
[[ $v =~ ^sentui\ [A-Za-z0-9._+-]+$ ]] || fail "--version printed '$v'"
echo ok
