#!/bin/sh
# test/platform_run.sh - run a test on the Oclgrind platform and judge the simulator's log.
# usage: platform_run.sh expect-clean|expect-error LOG COMMAND [ARGS...]
# expect-clean: the command passes and Oclgrind reported nothing (no out-of-bounds access, data
# race or API error). expect-error: Oclgrind reported an invalid access (the harness's control).
mode=$1 log=$2
shift 2
rm -f "$log"
OCLGRIND_LOG="$log" "$@"
rc=$?
case "$mode" in
  expect-clean)
    if [ -s "$log" ]; then echo "Oclgrind reported:"; cat "$log"; exit 1; fi
    exit $rc ;;
  expect-error)
    [ $rc -eq 0 ] || exit $rc
    if grep -q "Invalid write" "$log" 2>/dev/null; then
      echo "control: Oclgrind reported the out-of-bounds write, as it must"
      exit 0
    fi
    echo "control: Oclgrind did not report the out-of-bounds write (log: $log)"
    exit 1 ;;
  *) echo "usage: platform_run.sh expect-clean|expect-error LOG COMMAND..." >&2; exit 2 ;;
esac
