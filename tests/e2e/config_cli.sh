#!/usr/bin/env bash
# `sentui config`: a bad file gets every error with file:line:col and exit
# status 2; a good file prints the resolved YAML; --schema lists the keys.
set -u
cd "$(dirname "$0")/../.."
SENTUI=${SENTUI:-build/sentui}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/bad.yaml" <<'YAML'
model:
  arch: lstn
  hiden_dim: 64
train:
  lr: fast
YAML
"$SENTUI" config "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/err"
[ "$rc" -eq 2 ] || fail "bad config: exit status $rc, wanted 2"
[ ! -s "$tmp/out" ] || fail "bad config printed a config on stdout"
grep -qF "$tmp/bad.yaml:2:9: error: model.arch: expected one of rnn, lstm, gru, transformer, bag, distilbert, found 'lstn'; did you mean 'lstm'?" "$tmp/err" \
    || fail "enum error missing"
grep -qF "$tmp/bad.yaml:3:3: error: unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?" "$tmp/err" \
    || fail "unknown-key error missing"
grep -qF "$tmp/bad.yaml:5:7: error: train.lr: expected a number from 0 to 100, found 'fast'" "$tmp/err" \
    || fail "type error missing"

"$SENTUI" config configs/lstm.yaml --set train.lr=3e-4 --set model.layers=2 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/err"; fail "good config: exit status $rc"; }
grep -qE '^  lr: 0\.0003 +#' "$tmp/out" || fail "--set train.lr not in the resolved config"
grep -qE '^  layers: 2 +#' "$tmp/out" || fail "--set model.layers not in the resolved config"
grep -qE '^  arch: lstm +#' "$tmp/out" || fail "arch missing"

# The resolved config is itself a valid config that resolves to the same text.
"$SENTUI" config "$tmp/out" >"$tmp/again" || fail "resolved config does not load"
cmp -s "$tmp/out" "$tmp/again" || fail "resolved config is not a fixed point"

"$SENTUI" config configs/lstm.yaml --set model.hiden_dim=3 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad --set: wanted exit 2"
grep -qF -- "--set: error: unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?" "$tmp/err" || fail "bad --set message"

"$SENTUI" config --schema >"$tmp/schema" || fail "--schema failed"
grep -qE '^model\.arch +enum +lstm +rnn\|lstm\|gru\|transformer\|bag' "$tmp/schema" || fail "--schema lacks model.arch"
[ "$(grep -cE '^(model|data|train|eval)\.' "$tmp/schema")" -ge 40 ] || fail "--schema lists too few keys"

"$SENTUI" config --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: wanted exit 2"
echo "ok"
