#!/usr/bin/env bash
# test/test_mpi_absent.sh - a binary built without MPI refuses to train as one of several ranks
# (as if mpirun had started it: OMPI_COMM_WORLD_SIZE=2) with a message saying what to do, and
# trains as usual as the only rank.
set -u
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
work=$(mktemp -d /tmp/an_mpi_absent_XXXXXX)
trap 'rm -rf "$work"' EXIT
expect 1 "built without MPI" -- env OMPI_COMM_WORLD_SIZE=2 "$bin" train --data "$work/none" \
  --net alexnet-small --out "$work/run"
[ ! -e "$work/run" ] && ok || bad "the refused run wrote $work/run"
out=$(env OMPI_COMM_WORLD_SIZE=1 "$bin" train --data "$work/none" --net alexnet-small \
  --out "$work/run1" 2>&1)
grep -q "without MPI" <<<"$out" && bad "one rank refused: $out" || ok
clitest_done test_mpi_absent
