#!/usr/bin/env bash
# `make install` into a temporary prefix, then sentui used from another folder
# with only the installed files: --version, a synthetic config trained from
# share/sentui/configs (runs/ in the working folder, the cache under
# $XDG_CACHE_HOME/sentui), the workbench listing the installed configs, the
# man page rendering, bash completion offering commands, config keys and
# runs; `make uninstall` leaves the prefix empty (DESTDIR staging too).
set -u
cd "$(dirname "$0")/../.."
SRC=$PWD
BUILD=${BUILD:-build}
SENTUI=${SENTUI:-$PWD/$BUILD/sentui}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=$tmp/prefix
# -o: install the binary the tests run, never rebuild it here
mk() { make --no-print-directory -s -C "$SRC" -o "$BUILD/sentui" BUILD="$BUILD" "$@" >"$tmp/make.out" 2>&1 || { cat "$tmp/make.out"; fail "make $*"; }; }

mk install PREFIX="$prefix"
for f in bin/sentui share/man/man1/sentui.1 share/bash-completion/completions/sentui share/zsh/site-functions/_sentui \
    share/sentui/configs/synthetic/bag.yaml share/sentui/configs/lstm.yaml share/sentui/configs/lab/rnn.yaml; do
    [ -s "$prefix/$f" ] || fail "make install did not write $f"
done

mkdir -p "$tmp/elsewhere" "$tmp/home" && cd "$tmp/elsewhere" || exit 1
run() { env -u SENTUI_CONFIGS_DIR -u SENTUI_RUNS_DIR -u SENTUI_CACHE_DIR HOME="$tmp/home" XDG_CACHE_HOME="$tmp/xdg" \
        PATH="$prefix/bin:/usr/bin:/bin" "$@"; }

[ "$(run sentui --version)" = "$("$SENTUI" --version)" ] || fail "the installed sentui reports another version"
run sentui train "$prefix/share/sentui/configs/synthetic/bag.yaml" --set train.epochs=1 --set data.synthetic_size=600 \
    --set train.threads=1 >train.out 2>&1 || { cat train.out; fail "training with the installed config"; }
ls -d runs/*-bag >/dev/null 2>&1 || { ls -la; fail "no run folder in runs/ of the working folder"; }
ls "$tmp/xdg/sentui"/data-*.bin >/dev/null 2>&1 || fail "the dataset was not cached in \$XDG_CACHE_HOME/sentui"
[ ! -e .cache ] || fail "outside a checkout, a .cache was made in the working folder"
run sentui runs | grep -q bag || fail "sentui runs does not list the run"

# the workbench lists the installed configs when the working folder has none
run sentui --dump --size 100x30 >home.txt || fail "workbench dump"
grep -q "synthetic/bag.yaml" home.txt || { cat home.txt; fail "the workbench does not list the installed configs"; }

# the man page renders (man-db and groff), else its roff is checked by hand
page=$prefix/share/man/man1/sentui.1
if command -v man >/dev/null && command -v groff >/dev/null; then
    MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$page" >man.txt 2>man.err || fail "man -l failed: $(cat man.err)"
    [ ! -s man.err ] || fail "man -l warned: $(cat man.err)"
    for s in SYNOPSIS COMMANDS "CONFIGURATION KEYS" "WORKBENCH KEYS" ENVIRONMENT; do
        grep -q "^$s" man.txt || fail "the rendered page has no $s section"
    done
    grep -q "sentui train CONFIG" man.txt || fail "the rendered page lacks sentui train"
    grep -q "model.arch" man.txt || fail "the rendered page lacks the config keys"
    groff -man -ww -z "$page" 2>groff.err && [ ! -s groff.err ] || fail "groff warns: $(cat groff.err)"
else
    grep -q '^\.TH SENTUI 1' "$page" || fail "no .TH line"
    bad=$(grep '^\.' "$page" | grep -vE '^\.(TH|SH|SS|TP|B|I|RS|RE|br)( |$)' | head -1)
    [ -z "$bad" ] || fail "unknown roff request: $bad"
fi

# bash completion, as bash calls it: COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD
complete_line() {
    run bash -c 'source "$1"; line=$2; COMP_LINE=$line; COMP_POINT=${#line}; read -ra COMP_WORDS <<<"$line"
                 COMP_CWORD=${#COMP_WORDS[@]}; [[ $line == *" " ]] || COMP_CWORD=$((COMP_CWORD - 1))
                 _sentui; printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/sentui" "$1"
}
complete_line "sentui tr" | grep -qx train || fail "completion does not offer train"
complete_line "sentui " | grep -qx compare || fail "completion does not offer the commands"
complete_line "sentui train --set model.ar" | grep -qx "model.arch=" || fail "completion does not offer config keys"
complete_line "sentui train --set train.optim" | grep -qx "train.optimizer=" || fail "completion does not offer train.optimizer"
complete_line "sentui train --set model.arch=tr" | grep -qx "transformer" || fail "completion does not offer arch values"
run_name=$(basename runs/*-bag)
complete_line "sentui replay " | grep -qx "$run_name" || fail "completion does not offer run $run_name"
complete_line "sentui train -" | grep -qx -- "--set" || fail "completion does not offer train's options"
cp "$prefix/share/sentui/configs/synthetic/gru.yaml" mine.yaml
complete_line "sentui train mi" | grep -qx "mine.yaml" || fail "completion does not offer config files"
complete_line "sentui sweep " | grep -qx "resume" || fail "completion does not offer sweep resume"
complete_line "sentui sweep sh" | grep -qx "show" || fail "completion does not offer sweep show"
complete_line "sentui sweep mi" | grep -qx "mine.yaml" || fail "completion does not offer sweep's config files"
complete_line "sentui sweep show ru" | grep -qx "runs" || fail "completion does not offer a folder after sweep show"
complete_line "sentui sweep show ru" | grep -q "yaml" && fail "completion offers a file after sweep show"
if command -v zsh >/dev/null; then zsh -n "$prefix/share/zsh/site-functions/_sentui" || fail "zsh completion does not parse"; fi

cd "$SRC" || exit 1
mk uninstall PREFIX="$prefix"
left=$(find "$prefix" -mindepth 1 | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"

# DESTDIR staging, as a package build does
mk install DESTDIR="$tmp/stage" PREFIX=/usr
[ -x "$tmp/stage/usr/bin/sentui" ] && [ -s "$tmp/stage/usr/share/man/man1/sentui.1" ] || fail "DESTDIR install"
mk uninstall DESTDIR="$tmp/stage" PREFIX=/usr
left=$(find "$tmp/stage/usr" -mindepth 1 | head -5)
[ -z "$left" ] || fail "make uninstall with DESTDIR left: $left"
echo ok
