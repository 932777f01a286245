#!/usr/bin/env bash
# test/test_train.sh - `alexnet train` on a small slice of Fashion-MNIST: the loss goes down,
# an interrupted and resumed run equals an uninterrupted one, SIGTERM leaves a loadable
# checkpoint, a corrupt checkpoint is refused and kept, a non-finite loss stops the run, and the
# flags are checked.
set -u
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_fmnist an_train 400
common=(--data "$work/data" --net alexnet-small --batch 20 --lr 0.02 --threads 2)

# 1. 6 epochs of 20 iterations at a fixed lr: the last 20 iterations' mean loss is well below the
#    first 10's (2.39 -> 1.74 when this was written; the chance level is ln 10 = 2.30).
"$bin" train "${common[@]}" --out "$work/a" --epochs 6 --lr 0.05 --lr-policy fixed >"$work/a.log" 2>&1
rc=$?
check '[ $rc -eq 0 ]' "train exited $rc: $(tail -5 "$work/a.log")"
check '[ -s "$work/a/final.weights" ] && [ -s "$work/a/best.weights" ] && [ -s "$work/a/best.ckpt" ]' "weights files written"
check '[ $(ls "$work/a/checkpoints" | wc -l) -le 3 ]' "at most --keep (3) checkpoints kept"
check '[ $(wc -l < "$work/a/log.csv") -eq 7 ]' "log.csv has a header and 6 epochs: $(cat "$work/a/log.csv")"
drop=$(awk -F, 'NR>1 && NR<=11 {a+=$3} NR>101 {b+=$3; n++} END {printf "%.3f", a/10 - b/n}' "$work/a/iterations.csv")
check 'awk "BEGIN {exit !($drop > 0.35)}"' "loss should drop by more than 0.35 over 120 iterations, dropped $drop"
check 'grep -q "top-1 error" "$work/a.log"' "epoch lines report validation error"

# 1b. --out may name a folder whose parents do not exist yet (made like mkdir -p).
"$bin" train "${common[@]}" --out "$work/runs/deep/x" --epochs 1 --max-iters 1 >"$work/x.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -d "$work/runs/deep/x/checkpoints" ]' "train --out with missing parents: rc $rc: $(tail -3 "$work/x.log")"

# 2. Resume equivalence: stop at 13 (mid-epoch), resume to 30; compare with a straight run to 30.
"$bin" train "${common[@]}" --out "$work/b" --epochs 2 --max-iters 30 >/dev/null 2>&1
"$bin" train "${common[@]}" --out "$work/c" --epochs 2 --max-iters 13 >/dev/null 2>&1
# as if the run had been killed after logging two more iterations than its last checkpoint holds
printf '14,1,9.9,0.05\n15,1,9.9,0.05\n' >>"$work/c/iterations.csv"
"$bin" train --out "$work/c" --resume --epochs 2 --max-iters 30 --threads 2 >"$work/c.log" 2>&1
check 'grep -q "resumed from" "$work/c.log"' "resume says where it resumed from: $(head -3 "$work/c.log")"
check 'cmp -s "$work/b/iterations.csv" "$work/c/iterations.csv"' "resumed losses differ: $(diff "$work/b/iterations.csv" "$work/c/iterations.csv" | head -6)"
check '[ $(wc -l < "$work/c/iterations.csv") -eq 31 ]' "30 iterations logged"

# 2b. The towers on two devices (POCL_DEVICES="pthread pthread" in train.cmake): the same losses.
"$bin" train "${common[@]}" --out "$work/b2" --epochs 2 --max-iters 10 --device 0:0,0:1 >"$work/b2.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && cmp -s <(head -11 "$work/b/iterations.csv") "$work/b2/iterations.csv"' "two devices: rc $rc, losses differ: $(diff <(head -11 "$work/b/iterations.csv") "$work/b2/iterations.csv" | head -4) $(tail -2 "$work/b2.log")"

# 3. SIGTERM saves a checkpoint that --resume loads.
"$bin" train "${common[@]}" --out "$work/d" --epochs 50 >"$work/d.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [ -f "$work/d/iterations.csv" ] && [ "$(wc -l < "$work/d/iterations.csv")" -gt 5 ] && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
check '[ $rc -eq 143 ]' "SIGTERM exit status $rc (want 143): $(tail -2 "$work/d.log")"
check 'ls "$work/d/checkpoints"/*.ckpt >/dev/null 2>&1' "a checkpoint after SIGTERM"
"$bin" train --out "$work/d" --resume --max-iters 12 --threads 2 >"$work/d2.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && grep -q "resumed from" "$work/d2.log" && grep -q "of 50)" "$work/d2.log"' "resume after SIGTERM keeps the run's 50 epochs: $(tail -2 "$work/d2.log")"

# 4. A corrupt newest checkpoint is refused, named, and left as it was.
newest=$(ls "$work/d/checkpoints"/*.ckpt | sort | tail -1)
printf '\x55\xaa' | dd of="$newest" bs=1 seek=100 conv=notrunc 2>/dev/null
sum=$(md5sum < "$newest")
"$bin" train --out "$work/d" --resume --epochs 50 --max-iters 20 >"$work/e.log" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "corrupt" "$work/e.log" && grep -q "$(basename "$newest")" "$work/e.log"' "corrupt checkpoint refused by name: rc $rc $(cat "$work/e.log")"
check '[ "$(md5sum < "$newest")" = "$sum" ]' "the corrupt checkpoint is not overwritten"

# 5. A non-finite loss stops the run, naming the iteration; the earlier checkpoints stay good.
"$bin" train "${common[@]}" --out "$work/f" --epochs 2 --lr 1e12 --checkpoint-every 1 >"$work/f.log" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "at iteration" "$work/f.log"' "non-finite loss: rc $rc $(tail -2 "$work/f.log")"
if ls "$work/f/checkpoints"/*.ckpt >/dev/null 2>&1; then
  "$bin" train --out "$work/f" --resume --epochs 2 --max-iters 1 >"$work/f2.log" 2>&1
  check 'grep -q "resumed from" "$work/f2.log"' "checkpoint before the blow-up loads: $(tail -2 "$work/f2.log")"
fi

# 5b. A new run refuses a directory that holds one (its checkpoints are not touched).
before=$(ls "$work/a/checkpoints")
"$bin" train "${common[@]}" --out "$work/a" --epochs 1 >"$work/a2.log" 2>&1; rc=$?
check '[ $rc -eq 1 ] && grep -q "already holds a training run" "$work/a2.log"' "reusing a run directory: rc $rc $(cat "$work/a2.log")"
check '[ "$(ls "$work/a/checkpoints")" = "$before" ]' "the old run's checkpoints are untouched"

# 5c. --conv winograd (alexnet-small's convolutions are all 3x3, stride 1): the first 10 losses
#     equal im2col's to 1e-4 (5e-7 apart when this was written).
for a in im2col winograd; do
    "$bin" train "${common[@]}" --out "$work/conv_$a" --epochs 1 --max-iters 10 --conv $a >/dev/null 2>&1
done
far=$(paste -d, "$work/conv_im2col/iterations.csv" "$work/conv_winograd/iterations.csv" | awk -F, 'NR>1 {d=$3-$7; if (d<0) d=-d; if (d>m) m=d; n++} END {print (n==10 && m<1e-4) ? 0 : 1}')
check '[ "$far" = 0 ]' "winograd losses differ from im2col's: $(paste -d, "$work/conv_im2col/iterations.csv" "$work/conv_winograd/iterations.csv" | head -4)"

# 6. Flags.
"$bin" train --help | grep -q -- "--lr-policy" && ok || bad "train --help"
"$bin" train --bogus >/dev/null 2>&1; rc=$?
check '[ $rc -eq 2 ]' "unknown flag exits 2, not $rc"
"$bin" train "${common[@]}" --out "$work/g" --lr-policy sometimes >"$work/g.log" 2>&1; rc=$?
check '[ $rc -eq 2 ] && grep -q "plateau|step|cosine|fixed" "$work/g.log"' "bad choice shows the choices: rc $rc $(cat "$work/g.log")"
"$bin" train "${common[@]}" --out "$work/g" --batch 0 >/dev/null 2>&1; rc=$?
check '[ $rc -eq 2 ]' "--batch 0 refused with 2, not $rc"
"$bin" train --data "$work/data" --net no-such-net --out "$work/h" >"$work/h.log" 2>&1; rc=$?
check '[ $rc -eq 1 ] && grep -q "no-such-net" "$work/h.log"' "unknown net named: rc $rc $(cat "$work/h.log")"

clitest_done test_train
