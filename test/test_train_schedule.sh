#!/usr/bin/env bash
# test/test_train_schedule.sh - `alexnet train`'s short-run schedule on a small slice of
# Fashion-MNIST: the rates that --lr-policy cosine with --warmup-epochs logs equal the formula
# (host/train/schedule.h), plateau with warm-up ramps and then keeps --lr, a resumed cosine run
# equals an uninterrupted one (the checkpoint keeps the warm-up), bad values are refused,
# --label-smoothing changes the training loss as its formula says, survives a resume and leaves
# the validation loss plain, --translate P changes the training views, survives a resume and is
# refused outside 0..input-1, --erase P likewise (refused outside [0, 1]), and alexnet-fmnist
# gives the same losses on one device and on two.
set -u
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_fmnist an_sched 200
common=(--data "$work/data" --net alexnet-small --batch 20 --threads 2 --no-lighting)
n=$(( $(find "$work/jpeg/train" -name '*.JPEG' | wc -l) / 20 )) # iterations per epoch

# 1. cosine over 2 epochs after a warm-up of 0.5 epochs: iteration i (1-based) ran at
#    lr·i/W for i <= W = round(0.5·n), then lr·(1 + cos(π·(i−1−W)/(2n−W)))/2.
"$bin" train "${common[@]}" --out "$work/a" --epochs 2 --lr 0.05 --lr-policy cosine \
  --warmup-epochs 0.5 >"$work/a.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ $(wc -l < "$work/a/iterations.csv") -eq $((2 * n + 1)) ]' "cosine run: rc $rc, $(tail -3 "$work/a.log")"
worst=$(awk -F, -v n="$n" 'NR > 1 {
    i = $1; W = int(0.5 * n + 0.5); T = 2 * n; lr = 0.05
    c = (i - 1 - W) / (T - W); if (c < 0) c = 0
    want = lr * 0.5 * (1 + cos(3.141592653589793 * c))
    if (i <= W) want *= i / W
    d = $4 - want; if (d < 0) d = -d; d /= want; if (d > m) m = d
  } END { printf "%.3g", m }' "$work/a/iterations.csv")
check 'awk "BEGIN {exit !($worst < 1e-5)}"' "cosine + warm-up rates off the formula by $worst (relative)"
check 'grep -q "^warmup_epochs=0.5$" "$work/a/config.txt" && grep -q "^lr_policy=cosine$" "$work/a/config.txt"' "config.txt records the schedule: $(cat "$work/a/config.txt")"

# 2. plateau with a warm-up of 1 epoch: the first epoch ramps to --lr, the second starts at it.
"$bin" train "${common[@]}" --out "$work/p" --epochs 2 --max-iters $((n + 1)) --lr 0.04 \
  --warmup-epochs 1 >"$work/p.log" 2>&1
first=$(awk -F, 'NR == 2 {print $4}' "$work/p/iterations.csv")
at_n=$(awk -F, -v n="$n" '$1 == n {print $4}' "$work/p/iterations.csv")
check 'awk "BEGIN {exit !($first > 0.04 / $n * 0.999 && $first < 0.04 / $n * 1.001 && $at_n == 0.04)}"' "plateau warm-up: first lr $first (want 0.04/$n), lr at $n: $at_n (want 0.04)"

# 3. Resume: stop the cosine run at 7 (inside the warm-up), resume; the same rates and losses.
"$bin" train "${common[@]}" --out "$work/b" --epochs 2 --lr 0.05 --lr-policy cosine \
  --warmup-epochs 0.5 --max-iters 7 >/dev/null 2>&1
"$bin" train --out "$work/b" --resume --threads 2 >"$work/b.log" 2>&1
check 'cmp -s "$work/a/iterations.csv" "$work/b/iterations.csv"' "resumed cosine run differs: $(diff "$work/a/iterations.csv" "$work/b/iterations.csv" | head -4) $(tail -2 "$work/b.log")"

# 4. Bad values are refused before anything runs.
expect 2 "warmup-epochs >= 0" -- "$bin" train "${common[@]}" --out "$work/x" --warmup-epochs -1
expect 2 "one of plateau|step|cosine|fixed" -- "$bin" train "${common[@]}" --out "$work/x" --lr-policy linear
check '[ ! -e "$work/x" ]' "a refused run leaves no run directory"

# 5. --label-smoothing EPS, from run a's weights (--init: logits that are not all equal). For
#    fixed logits a row's smoothed loss is (1 - EPS)·L0 + EPS·U, L0 the plain loss and
#    U = log-sum-exp − mean logit, which exceeds log 10 unless the logits are equal (Jensen). So
#    the first step's losses at EPS 0, 0.1, 0.3 (the same weights, batch and dropout masks)
#    differ and lie on a line in EPS whose value at 1 is above log 10. config.txt records EPS;
#    a resumed run keeps it (the same losses as an uninterrupted one); the validation loss
#    stays plain: that of `alexnet eval` on final.weights.
ls_common=("${common[@]}" --init "$work/a/final.weights" --epochs 1 --lr 0.02)
"$bin" train "${ls_common[@]}" --out "$work/s" --label-smoothing 0.1 >"$work/s.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ $(wc -l < "$work/s/iterations.csv") -eq $((n + 1)) ]' "smoothed run: $(tail -3 "$work/s.log")"
check 'awk -F= '"'"'$1 == "label_smoothing" && $2 == 0.1 {f = 1} END {exit !f}'"'"' "$work/s/config.txt"' "config.txt lacks label_smoothing=0.1: $(cat "$work/s/config.txt")"
"$bin" train "${ls_common[@]}" --out "$work/r" --label-smoothing 0.1 --max-iters 3 >/dev/null 2>&1
"$bin" train --out "$work/r" --resume --threads 2 >"$work/r.log" 2>&1
check 'cmp -s "$work/s/iterations.csv" "$work/r/iterations.csv"' "resumed smoothed run differs: $(diff "$work/s/iterations.csv" "$work/r/iterations.csv" | head -4) $(tail -2 "$work/r.log")"
for e in 0 0.3; do
  "$bin" train "${ls_common[@]}" --out "$work/s$e" --label-smoothing $e --max-iters 1 >"$work/s$e.log" 2>&1 || bad "smoothing $e: $(tail -2 "$work/s$e.log")"
done
first() { awk -F, 'NR == 2 {print $3}' "$1/iterations.csv"; }
l0=$(first "$work/s0") l1=$(first "$work/s") l3=$(first "$work/s0.3")
check 'awk -v a="$l0" -v b="$l1" -v c="$l3" "BEGIN {u = a + (b - a) / 0.1; d = c - a - 3 * (b - a)
  exit !((b - a) * (b - a) > 1e-8 && d * d < 1e-10 && u > log(10) + 1e-3)}"' "first-step losses at EPS 0, 0.1, 0.3: $l0 $l1 $l3 (want them apart, on a line in EPS whose value at 1 is above log 10)"
val=$(awk -F, 'NR == 2 {print $4}' "$work/s/log.csv")
plain=$("$bin" eval --weights "$work/s/final.weights" --data "$work/data/val" --batch 20 --threads 2 --json 2>/dev/null | sed -n 's/.*"loss": \([0-9.e+-]*\).*/\1/p')
check 'awk -v v="$val" -v p="$plain" "BEGIN {d = v - p; if (d < 0) d = -d; exit !(p != \"\" && d < 1e-5)}"' "validation loss of the smoothed run $val, plain eval loss $plain"
expect 2 "label-smoothing wants 0 <= EPS < 1" -- "$bin" train "${common[@]}" --out "$work/x" --label-smoothing 1
expect 2 "label-smoothing wants 0 <= EPS < 1" -- "$bin" train "${common[@]}" --out "$work/x" --label-smoothing -0.1
check '[ ! -e "$work/x" ]' "a refused smoothing leaves no run directory"

# 6. alexnet-fmnist, towers on one device and on two (POCL_DEVICES="pthread pthread"): the same
#    losses, bit for bit, over 3 steps.
for d in one:0:0 two:0:0,0:1; do
  "$bin" train --data "$work/data" --net alexnet-fmnist --batch 16 --threads 2 --lr 0.03 \
    --lr-policy cosine --warmup-epochs 0.3 --epochs 1 --max-iters 3 --device "${d#*:}" \
    --out "$work/f-${d%%:*}" >"$work/f.log" 2>&1 || bad "alexnet-fmnist on ${d#*:}: $(tail -2 "$work/f.log")"
done
check '[ $(wc -l < "$work/f-one/iterations.csv") -eq 4 ] && cmp -s "$work/f-one/iterations.csv" "$work/f-two/iterations.csv"' "alexnet-fmnist on one device and two: $(diff "$work/f-one/iterations.csv" "$work/f-two/iterations.csv" | head -4)"
# 7-8. A view option (--translate 2, then --erase 0.5), from run a's weights: the first steps'
#    losses differ from those without it (the same weights and seed: only the views changed);
#    config.txt records it; a resumed run keeps it; values out of range (--translate past the
#    net's input, 28, or below 0; --erase outside [0, 1]) are refused before a run directory
#    exists.
tr_common=("${common[@]}" --init "$work/a/final.weights" --epochs 1 --lr 0.02 --max-iters 6)
"$bin" train "${tr_common[@]}" --out "$work/v0" >"$work/v0.log" 2>&1 || bad "no view option: $(tail -2 "$work/v0.log")"
view_option() { # view_option NAME VALUE: run with --NAME VALUE, check its effect, record, resume
  local d="$work/$1" key=$1=$2
  "$bin" train "${tr_common[@]}" --out "$d" --$1 $2 >"$d.log" 2>&1 || bad "$1 $2: $(tail -2 "$d.log")"
  check '[ $(wc -l < "$d/iterations.csv") -eq 7 ] && ! cmp -s <(cut -d, -f3 "$work/v0/iterations.csv") <(cut -d, -f3 "$d/iterations.csv")' "$1 $2 gave the losses without it: $(head -3 "$d/iterations.csv")"
  check 'grep -qx "$key" "$d/config.txt"' "config.txt lacks $key: $(cat "$d/config.txt")"
  "$bin" train "${tr_common[@]}" --out "$d-r" --$1 $2 --max-iters 3 >/dev/null 2>&1
  "$bin" train --out "$d-r" --resume --max-iters 6 --threads 2 >"$d-r.log" 2>&1
  check 'cmp -s "$d/iterations.csv" "$d-r/iterations.csv"' "resumed $1 run differs: $(diff "$d/iterations.csv" "$d-r/iterations.csv" | head -4) $(tail -2 "$d-r.log")"
}
view_option translate 2
view_option erase 0.5
expect 1 "net's input is 28 pixels, so P must be 0 to 27" -- "$bin" train "${common[@]}" --out "$work/x" --translate 28
expect 2 "translate wants P >= 0" -- "$bin" train "${common[@]}" --out "$work/x" --translate -1
expect 2 "erase wants 0 <= P <= 1" -- "$bin" train "${common[@]}" --out "$work/x" --erase 1.5
expect 2 "erase wants 0 <= P <= 1" -- "$bin" train "${common[@]}" --out "$work/x" --erase -0.1
check '[ ! -e "$work/x" ]' "a refused view option leaves no run directory"
clitest_done test_train_schedule
