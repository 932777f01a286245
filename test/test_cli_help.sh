#!/usr/bin/env bash
# test/test_cli_help.sh - every subcommand `alexnet --help` lists answers --help with its usage
# (exit 0) and refuses an unknown flag and a bad value with the valid choices (exit 2).
set -u
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
cmds=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && NF == 0 {on = 0} on {print $1}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] && ok || bad "expected at least 10 commands, got: $cmds"
for c in $cmds; do
  out=$("$bin" "$c" --help 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q "usage: alexnet $c" <<<"$out"; then ok; else bad "$c --help: rc $rc: $out"; fi
  out=$("$bin" "$c" --no-such-flag 2>&1); rc=$?
  if [ $rc -eq 2 ] && grep -q 'unknown option "--no-such-flag"' <<<"$out" && grep -q -- "--help" <<<"$out"; then
    ok
  else
    bad "$c --no-such-flag: rc $rc: $out"
  fi
done
# A bad value of a numeric flag, and of a flag with choices.
out=$("$bin" train --data d --net alexnet --out o --batch many 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "whole number" <<<"$out" && ok || bad "train --batch many: rc $rc: $out"
out=$("$bin" train --data d --net alexnet --out o --lr-policy never 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "plateau|step|cosine|fixed" <<<"$out" && ok || bad "train --lr-policy never: rc $rc: $out"
clitest_done test_cli_help
