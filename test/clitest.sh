# test/clitest.sh - the shell tests' tiny harness, sourced by test/test_cli_*.sh, the training
# tests and others: ok and bad count checks (bad says why on stderr), check tests a condition,
# expect runs a command and checks its exit status and output, clitest_tmp and clitest_fmnist
# make scratch directories (the second with a Fashion-MNIST slice), clitest_done NAME prints
# "N passed, N failed" and, as a script's last command, gives its exit status.
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
# check CONDITION MESSAGE: ok when the condition (a string, evaluated) holds, else bad MESSAGE.
check() { if eval "$1"; then ok; else bad "$2"; fi; }
# clitest_tmp: a fresh directory in $tmp, removed when the script exits.
clitest_tmp() {
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
}
# clitest_fmnist NAME N [jpeg]: a fresh $work (/tmp/NAME_XXXXXX, removed when the script exits)
# holding N Fashion-MNIST images as JPEG folders in $work/jpeg and, unless "jpeg" is asked for
# alone, prepared at 32x32 into $work/data ($src and $bin name the sources and the binary).
clitest_fmnist() {
  work=$(mktemp -d "/tmp/$1_XXXXXX")
  trap 'rm -rf "$work"' EXIT
  /usr/bin/python3 "$src/tools/fashion_mnist.py" "$work/jpeg" --limit "$2" >/dev/null || { echo "converter failed"; exit 1; }
  [ "${3:-}" = jpeg ] && return 0
  "$bin" prepare "$work/jpeg" "$work/data" --size 32 >/dev/null 2>&1 || { echo "prepare failed"; exit 1; }
}
