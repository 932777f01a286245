# test/clitest.sh - the shell tests' tiny harness, sourced by test/test_cli_*.sh and
# test/test_train.sh: ok and bad count checks (bad says why on stderr), expect runs a command and
# checks its exit status and output, clitest_done NAME prints "N passed, N failed" and, as a
# script's last command, gives its exit status.
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$code" ] && grep -q -- "$pat" <<<"$out"; then ok; else bad "$* -> rc $rc, want $code and /$pat/: $out"; fi
}
clitest_done() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
