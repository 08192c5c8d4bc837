#!/usr/bin/env bash
# The encoded-data cache is never used stale or damaged without a word:
# reviews added to an aclImdb folder invalidate it, a cache damaged anywhere
# (its header too) is rebuilt and `sentui data` says so, and a cache that
# cannot be written is reported as such, not as "now cached". Outside a checkout
# the cache is $XDG_CACHE_HOME/sentui (else ~/.cache/sentui), inside one .cache;
# $SENTUI_CACHE_DIR moves it anywhere.
set -u
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-build/sentui}
unset SENTUI_CACHE_DIR # the default, $XDG_CACHE_HOME/sentui, until said otherwise
[[ "$SENTUI" = /* ]] || SENTUI=$PWD/$SENTUI
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/xdg
cachedir=$XDG_CACHE_HOME/sentui
fail() { echo "FAIL: $*"; [ -n "${KEEP_GOING:-}" ] || exit 1; }

ds=$tmp/aclImdb
review() { echo "review $2 is $1: a $1 $1 film, $3 and more $1 words here" >"$ds/$4/$1/${2}_7.txt"; }
for s in train test; do for l in pos neg; do
    mkdir -p "$ds/$s/$l"
    for i in $(seq 1 20); do review "$l" "$i" "plain" "$s"; done
done; done
touch -d '2020-01-01' "$ds"
ARGS=(--set data.dataset=imdb --set "data.path=$ds" --set data.vocab_size=100 --set data.val_fraction=0.1)
mkdir "$tmp/work" && cd "$tmp/work" || exit 1
data() { timeout 60 "$SENTUI" data "${ARGS[@]}" "$@" >out 2>err; }
trainval_pos() { awk '$1 == "train+val" {print $4}' out; }

data || { cat err; fail "first load"; }
grep -q "built, now cached" out || { cat out; fail "first load: not 'built, now cached'"; }
data && grep -q "from the cache" out || fail "second load not from the cache"
[ "$(trainval_pos)" = 20 ] || fail "expected 20 positive train+val reviews, got $(trainval_pos)"

# 40 new reviews under train/pos (the top folder's date is left as it was)
for i in $(seq 21 60); do review pos "$i" "fresh" train; done
touch -d '2020-01-01' "$ds"
data || { cat err; fail "load after adding reviews"; }
grep -q "from the cache" out && fail "40 reviews added to train/pos, yet loaded from the cache"
[ "$(trainval_pos)" = 60 ] || fail "after adding 40: expected 60 positive train+val reviews, got $(trainval_pos)"
# a review edited in place (same name) also invalidates it
data && grep -q "from the cache" out || fail "unchanged data not from the cache"
echo "review 3 is now neg: dull" >"$ds/train/pos/3_7.txt"
data && ! grep -q "from the cache" out || fail "a review edited in place, yet loaded from the cache"

# damage the header's counts (test_tokens, bytes 96..103), outside the old checksum
data && grep -q "from the cache" out || fail "not cached before damaging"
good_cov=$(grep '^coverage' out)
cache=$(ls "$cachedir"/data-*.bin)
[ "$(echo "$cache" | wc -l)" -ge 1 ] || fail "no cache file"
for f in $cache; do printf '\x55' | dd of="$f" bs=1 seek=101 conv=notrunc status=none; done
data || { cat err; fail "load of a damaged cache"; }
grep -q "from the cache" out && fail "a cache with a damaged header was used"
grep -qE "^note +the cache .*damaged.*rebuilt" out || { cat out; fail "a damaged cache was rebuilt silently"; }
[ "$(grep '^coverage' out)" = "$good_cov" ] || fail "coverage changed: $(grep '^coverage' out) vs $good_cov"
data && grep -q "from the cache" out || fail "the rebuilt cache does not serve the next load"

# the cache folder is a file: built, and said to be not cached
rm -rf "$cachedir" && echo x >"$cachedir"
data || { cat err; fail "load with the cache folder a file"; }
grep -q "now cached" out && fail "the cache folder is a file, yet 'now cached'"
grep -qE "not cached: .*xdg/sentui.*not a folder" out || { cat out; fail "no reason given for not caching"; }
data --json && grep -q '"cached": false' out || fail "--json does not say cached: false"
rm -f "$cachedir"
[ -z "$(ls -A . | grep -vxE "out|err")" ] || fail "outside a checkout, the working folder got $(ls -A .)"

# without $XDG_CACHE_HOME: ~/.cache/sentui, made with its parents
mkdir "$tmp/home"
env -u XDG_CACHE_HOME HOME="$tmp/home" timeout 60 "$SENTUI" data "${ARGS[@]}" >out 2>err || { cat err; fail "load with HOME"; }
ls "$tmp/home/.cache/sentui"/data-*.bin >/dev/null 2>&1 || { cat out; fail "not cached in ~/.cache/sentui"; }

# in a checkout (its marker files in the working folder): .cache there, as always
mkdir -p "$tmp/checkout/engine/config" "$tmp/checkout/tui" && cd "$tmp/checkout" || exit 1
touch engine/config/config.h tui/main.c
data || { cat err; fail "load in a checkout"; }
ls .cache/data-*.bin >/dev/null 2>&1 || { cat out; fail "in a checkout, not cached in .cache"; }
cd "$tmp/work" || exit 1

# SENTUI_CACHE_DIR names the cache folder: nothing is written to the working folder
mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 1
SENTUI_CACHE_DIR=$tmp/cache-dir data || { cat err; fail "load with SENTUI_CACHE_DIR"; }
grep -q "now cached in $tmp/cache-dir/" out || { cat out; fail "not cached in \$SENTUI_CACHE_DIR"; }
ls "$tmp/cache-dir"/data-*.bin >/dev/null 2>&1 || fail "no data-*.bin in \$SENTUI_CACHE_DIR"
extra=$(ls -A . | grep -vxE 'out|err')
[ -z "$extra" ] || fail "the working folder holds $extra besides the output"
SENTUI_CACHE_DIR=$tmp/cache-dir data && grep -q "from the cache" out || fail "\$SENTUI_CACHE_DIR not read back"
cd "$tmp/work" || exit 1

# a read-only cache home (root writes anyway: then there is nothing to test)
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro" && chmod a-w "$tmp/ro" || exit 1
    XDG_CACHE_HOME=$tmp/ro data || { cat err; fail "load with a read-only cache home"; }
    grep -q "now cached" out 2>/dev/null && fail "read-only folder, yet 'now cached'"
fi
echo "ok"
