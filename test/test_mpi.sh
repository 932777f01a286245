#!/usr/bin/env bash
# test/test_mpi.sh - `mpirun -np N alexnet train` on a small slice of Fashion-MNIST (alexnet-small,
# 32×32, global batch 64, 4 steps, dropout on):
#   1. two ranks against one process: losses within 2e-5 and parameters and momentum within
#      |a-b| <= 2e-7 + 1e-4·|b| (float32 sums in another order: each rank sums its 32 images'
#      gradients, the halves are then added, where one process sums 64 at once);
#   2. one rank: bitwise the plain run (losses, parameters, momentum); two ranks on two devices
#      each (the towers split): bitwise two ranks on one device each;
#   3. a 2-rank run resumed with 1 rank, and a 1-rank run resumed with 2, equal the straight run
#      (to the same tolerance);
#   4. a batch that does not divide among the ranks, and a rank whose device does not exist, end
#      the job with a message naming the rank;
#   5. a killed rank ends the job with mpirun naming it, and the newest checkpoint is intact
#      (a resume from it runs).
set -u
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
mpirun=${MPIEXEC:-mpirun}
work=$(mktemp -d /tmp/an_mpi_XXXXXX)
mpid=
trap '[ -n "$mpid" ] && kill -KILL $mpid 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
# check CONDITION MESSAGE: both strings are evaluated when needed (the message only on failure)
check() { if eval "$1"; then ok; else eval "bad \"$2\""; fi; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
mpi() { local n=$1; shift; "$mpirun" --oversubscribe -np "$n" "$@"; }
diffck() { /usr/bin/python3 "$src/test/ckpt_diff.py" "$@"; }
ck() { printf '%s/checkpoints/ckpt-%012d.ckpt' "$1" "$2"; }
# losses of iterations.csv A and B agree within 2e-5
losses_close() {
  paste -d, <(tail -n +2 "$1") <(tail -n +2 "$2") | awk -F, -v n="$3" '
    {d = $3 - $7; if (d < 0) d = -d; if (d > m) m = d; c++}
    END {if (c != n || m > 2e-5) {printf "%d lines, max |loss diff| %g\n", c, m; exit 1}}'
}

/usr/bin/python3 "$src/tools/fashion_mnist.py" "$work/jpeg" --limit 300 >/dev/null || { echo "converter failed"; exit 1; }
"$bin" prepare "$work/jpeg" "$work/data" --size 32 >/dev/null 2>&1 || { echo "prepare failed"; exit 1; }
common=(--data "$work/data" --net alexnet-small --batch 64 --lr 0.02 --threads 1 --epochs 2)

# 1 and 2: one process, one rank, two ranks, 4 steps each.
"$bin" train "${common[@]}" --out "$work/a" --max-iters 4 >"$work/a.log" 2>&1; rc=$?
check '[ $rc -eq 0 ]' 'plain run: $(tail -3 "$work/a.log")'
mpi 1 "$bin" train "${common[@]}" --out "$work/one" --max-iters 4 >"$work/one.log" 2>&1; rc=$?
check '[ $rc -eq 0 ]' 'one rank: $(tail -3 "$work/one.log")'
mpi 2 "$bin" train "${common[@]}" --out "$work/two" --max-iters 4 >"$work/two.log" 2>&1; rc=$?
check '[ $rc -eq 0 ]' 'two ranks: $(tail -3 "$work/two.log")'
check 'cmp -s "$work/a/iterations.csv" "$work/one/iterations.csv"' 'one rank'\''s losses differ from the plain run'\''s'
check 'diffck "$(ck "$work/a" 4)" "$(ck "$work/one" 4)" --exact >"$work/d1" 2>&1' 'one rank not bitwise: $(cat "$work/d1")'
check 'losses_close "$work/a/iterations.csv" "$work/two/iterations.csv" 4 >"$work/d2" 2>&1' 'two ranks'\'' losses: $(cat "$work/d2")'
check 'diffck "$(ck "$work/a" 4)" "$(ck "$work/two" 4)" --atol 2e-7 --rtol 1e-4 >"$work/d3" 2>&1' 'two ranks'\'' parameters: $(cat "$work/d3")'
check '[ ! -e "$work/two/iterations.csv.tmp" ] && [ $(ls "$work/two/checkpoints" | wc -l) -eq 1 ]' 'rank 0 alone writes the run: $(ls "$work/two" "$work/two/checkpoints")'

# 2b: each rank on two devices (the towers split, POCL_DEVICES="pthread pthread" in mpi.cmake):
#     bitwise the two ranks on one device each; and ranks with different device counts refused.
mpi 2 "$bin" train "${common[@]}" --device 0:0,0:1 --out "$work/twodev" --max-iters 4 >"$work/twodev.log" 2>&1; rc=$?
check '[ $rc -eq 0 ] && cmp -s "$work/two/iterations.csv" "$work/twodev/iterations.csv"' 'two devices per rank: rc $rc $(diff "$work/two/iterations.csv" "$work/twodev/iterations.csv") $(tail -3 "$work/twodev.log")'
check 'diffck "$(ck "$work/two" 4)" "$(ck "$work/twodev" 4)" --exact >"$work/d8" 2>&1' 'two devices per rank, parameters: $(cat "$work/d8")'
mpi 2 "$bin" train "${common[@]}" --device-per-rank "0:0/0:0,0:1" --out "$work/mixed" --max-iters 2 >"$work/mixed.log" 2>&1; rc=$?
check '[ $rc -ne 0 ] && grep -q "different numbers of devices" "$work/mixed.log"' 'ranks on 1 and 2 devices: rc $rc $(cat "$work/mixed.log")'

# 3: resume across rank counts, 2 then 4 steps.
mpi 2 "$bin" train "${common[@]}" --out "$work/r21" --max-iters 2 >/dev/null 2>&1
"$bin" train --out "$work/r21" --resume --max-iters 4 --threads 1 >"$work/r21.log" 2>&1; rc=$?
check '[ $rc -eq 0 ] && grep -q "resumed from" "$work/r21.log"' '2 ranks resumed by 1: $(tail -3 "$work/r21.log")'
check 'losses_close "$work/a/iterations.csv" "$work/r21/iterations.csv" 4 >"$work/d4" 2>&1' '2 ranks resumed by 1, losses: $(cat "$work/d4")'
check 'diffck "$(ck "$work/a" 4)" "$(ck "$work/r21" 4)" --atol 2e-7 --rtol 1e-4 >"$work/d5" 2>&1' '2 ranks resumed by 1, parameters: $(cat "$work/d5")'
"$bin" train "${common[@]}" --out "$work/r12" --max-iters 2 >/dev/null 2>&1
mpi 2 "$bin" train --out "$work/r12" --resume --max-iters 4 --threads 1 >"$work/r12.log" 2>&1; rc=$?
check '[ $rc -eq 0 ] && grep -q "resumed from" "$work/r12.log"' '1 rank resumed by 2: $(tail -3 "$work/r12.log")'
check 'losses_close "$work/a/iterations.csv" "$work/r12/iterations.csv" 4 >"$work/d6" 2>&1' '1 rank resumed by 2, losses: $(cat "$work/d6")'
check 'diffck "$(ck "$work/a" 4)" "$(ck "$work/r12" 4)" --atol 2e-7 --rtol 1e-4 >"$work/d7" 2>&1' '1 rank resumed by 2, parameters: $(cat "$work/d7")'

# 4: refusals that name the rank.
mpi 2 "$bin" train "${common[@]}" --batch 63 --out "$work/odd" --max-iters 1 >"$work/odd.log" 2>&1
rc=$?
check '[ $rc -ne 0 ] && grep -q "rank [01] of 2" "$work/odd.log" && grep -q "does not divide among the job.s 2 ranks" "$work/odd.log"' 'batch 63 on 2 ranks: rc $rc $(cat "$work/odd.log")'
mpi 2 "$bin" train "${common[@]}" --device-per-rank "0:0/no-such-device" --out "$work/dev" --max-iters 1 >"$work/dev.log" 2>&1
rc=$?
check '[ $rc -ne 0 ] && grep -q "rank 1 of 2 .*failed" "$work/dev.log" && ! grep -q "rank 0 of 2 .*failed" "$work/dev.log"' 'a bad device on rank 1: rc $rc $(cat "$work/dev.log")'

# 5: kill rank 1 after a few checkpoints (one per iteration).
tag=an_mpi_test_$$
mpi 2 -x AN_MPI_TEST_TAG=$tag "$bin" train "${common[@]}" --epochs 50 --checkpoint-every 1 --out "$work/k" >"$work/k.log" 2>&1 &
mpid=$!
for _ in $(seq 1 600); do
  [ "$(ls "$work/k/checkpoints" 2>/dev/null | grep -c '^ckpt-.*ckpt$')" -ge 2 ] && break
  sleep 0.05
done
victim=
for p in /proc/[0-9]*; do
  env_of=$( { tr '\0' '\n' <"$p/environ"; } 2>/dev/null) || continue
  grep -qx "AN_MPI_TEST_TAG=$tag" <<<"$env_of" || continue
  grep -qx "OMPI_COMM_WORLD_RANK=1" <<<"$env_of" && victim=${p#/proc/}
done
check '[ -n "$victim" ]' 'rank 1'\''s process not found'
[ -n "$victim" ] && kill -KILL "$victim"
wait $mpid
rc=$?
mpid=
check '[ $rc -ne 0 ] && grep -q "process rank 1" "$work/k.log"' 'killed rank 1: rc $rc, the job'\''s output should name rank 1: $(tail -8 "$work/k.log")'
newest=$(ls "$work/k/checkpoints" | grep '^ckpt-[0-9]*\.ckpt$' | sort | tail -1)
it=$((10#$(sed 's/ckpt-\([0-9]*\)\.ckpt/\1/' <<<"$newest")))
"$bin" train --out "$work/k" --resume --max-iters $((it + 1)) --threads 1 >"$work/k2.log" 2>&1; rc=$?
check '[ $rc -eq 0 ] && grep -q "resumed from.*$newest" "$work/k2.log"' 'the newest checkpoint $newest after the kill: $(tail -3 "$work/k2.log")'
clitest_done test_mpi
