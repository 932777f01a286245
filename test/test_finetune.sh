#!/usr/bin/env bash
# test/test_finetune.sh - `alexnet train --init`: a net trained briefly on ten Fashion-MNIST
# classes is fine-tuned on two (footwear against clothing) with conv1..conv3 frozen and fc8 at
# ten times the learning rate. The new fc8 is initialised afresh and named in the log, the run
# reaches >= 98 % on the two-class test images within 80 steps, the frozen tensors are
# bit-identical to the file's and the others have moved. Also: classes=N as a net option,
# --classes net, and the options' errors. Skipped without Debian's dataset-fashion-mnist.
# TensorBoard: the fine-tuning run's event file, read by our own reader (test_tensorboard --dump,
# the first argument) and by tensorboard's EventAccumulator when $AN_TENSORBOARD_PYTHON (default
# /usr/bin/python3) can import it (PyPI tensorboard; skipped with a message when not), holds the
# losses and learning rates of iterations.csv and the validation errors of log.csv.
set -u
tbdump=${1:?usage: test_finetune.sh TEST_TENSORBOARD}
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
fmnist=/usr/share/datasets/fashion-mnist
if [ ! -e $fmnist/train-images-idx3-ubyte.gz ] && [ ! -e $fmnist/train-images-idx3-ubyte ]; then
  echo "skipped: $fmnist not installed (apt-get install dataset-fashion-mnist)"; exit 77
fi
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_fmnist an_finetune 1000 jpeg
# Footwear (sandal, sneaker, ankle boot) against clothing (t-shirt, trouser, pullover, dress,
# coat, shirt); bags are left out.
for s in train val; do
  mkdir -p "$work/two/$s/clothing" "$work/two/$s/footwear"
  for k in 0 1 2 3 4 6; do for f in "$work/jpeg/$s/$k"-*/*; do ln -s "$f" "$work/two/$s/clothing/$k-${f##*/}"; done; done
  for k in 5 7 9; do for f in "$work/jpeg/$s/$k"-*/*; do ln -s "$f" "$work/two/$s/footwear/$k-${f##*/}"; done; done
done
"$bin" prepare "$work/jpeg" "$work/ten" --size 32 --threads 2 >/dev/null 2>&1 || { echo "prepare failed"; exit 1; }
"$bin" prepare "$work/two" "$work/two-data" --size 32 --threads 2 >/dev/null 2>&1 || { echo "prepare failed"; exit 1; }
common=(--batch 50 --threads 2 --lr-policy fixed)

# 1. The base: 2 epochs (40 steps) on ten classes.
"$bin" train --data "$work/ten" --net alexnet-small --out "$work/base" "${common[@]}" --lr 0.05 --epochs 2 >"$work/base.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -s "$work/base/final.weights" ]' "base training: rc $rc: $(tail -3 "$work/base.log")"

# 2. Fine-tune on two classes (no --net: the file's; --classes auto by default with --init).
"$bin" train --data "$work/two-data" --init "$work/base/final.weights" --out "$work/ft" "${common[@]}" \
  --lr 0.02 --epochs 4 --freeze conv1,conv2,conv3 --lr-mult fc8=10 >"$work/ft.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -s "$work/ft/final.weights" ]' "fine-tuning: rc $rc: $(tail -3 "$work/ft.log")"
check 'grep -q "classes auto: the last layer gives 2 classes (the net.s were 10)" "$work/ft.log"' "classes auto logged: $(head -4 "$work/ft.log")"
check 'grep -q "14 of 16 tensors copied; initialised afresh: fc8 (fc8.weight 10x128 in the file, 2x128 here)" "$work/ft.log"' "fresh fc8 named: $(grep fine-tuning "$work/ft.log")"
check 'grep -q "frozen (no update, no gradient): conv1 conv2 conv3; learning-rate multipliers: fc8 x10" "$work/ft.log"' "frozen layers logged: $(grep frozen "$work/ft.log")"
best=$(awk -F, 'NR>1 && (b=="" || $5<b) {b=$5} END {print b}' "$work/ft/log.csv")
check 'awk "BEGIN {exit !($best <= 2.0)}"' "two-class test error should reach <= 2 % within 80 steps, best $best %: $(cat "$work/ft/log.csv")"
cmp=$(/usr/bin/python3 - "$src/tools" "$work/base/final.weights" "$work/ft/final.weights" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import anweights
_, a = anweights.read(sys.argv[2])
meta, b = anweights.read(sys.argv[3])
out = []
for name in a:
    layer = name.split(".")[0]
    if layer == "fc8":
        out.append("%s %s" % (name, "x".join(map(str, b[name].shape))))
    elif layer in ("conv1", "conv2", "conv3"):
        out.append("%s %s" % (name, "same" if a[name].tobytes() == b[name].tobytes() else "CHANGED"))
    else:
        out.append("%s %s" % (name, "moved" if (a[name] != b[name]).any() else "UNCHANGED"))
out.append("classes " + meta.get("classes", "").replace("\n", "|"))
print(" ".join(out))
PY
)
check '[ "$(grep -o "conv[123]\.[a-z]* same" <<<"$cmp" | wc -l)" -eq 6 ]' "frozen conv1..conv3 must be bit-identical: $cmp"
check '[ "$(grep -o "\(conv[45]\|fc[67]\)\.[a-z]* moved" <<<"$cmp" | wc -l)" -eq 8 ]' "conv4, conv5, fc6, fc7 must have learned: $cmp"
check 'grep -q "fc8.weight 2x128 fc8.bias 2 " <<<"$cmp"' "fc8 has 2 outputs: $cmp"
check 'grep -q "classes clothing|footwear" <<<"$cmp"' "the data set's class names are saved: $cmp"

# 3. eval --confusion on the fine-tuned net: the matrix sums to the image count, its diagonal to
#    the top-1 correct, the printed per-class accuracies match its rows.
"$bin" eval --weights "$work/ft/final.weights" --data "$work/two-data/val" --confusion "$work/cm.csv" \
  --threads 2 --json >"$work/eval.json" 2>"$work/eval.err"
rc=$?
"$bin" eval --weights "$work/ft/final.weights" --data "$work/two-data/val" --confusion "$work/cm2.csv" \
  --threads 2 >"$work/eval.txt" 2>&1
sums=$(/usr/bin/python3 - "$work/eval.json" "$work/cm.csv" <<'PY'
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))
names = rows[0][3:]
cells = [[int(x) for x in row[3:]] for row in rows[1:]]
total = sum(map(sum, cells))
diag = sum(cells[i][i] for i in range(len(cells)))
ok_rows = all(int(row[1]) == sum(c) for row, c in zip(rows[1:], cells))
print(len(names), r["images"], total, round(r["images"] * (1 - r["top1_err"] / 100)), diag, ok_rows)
PY
)
read -r ncls nimg total want_diag diag rows_ok <<<"$sums"
check '[ $rc -eq 0 ] && [ "$ncls" = 2 ] && [ "$nimg" -gt 800 ] && [ "$total" = "$nimg" ] && [ "$diag" = "$want_diag" ] && [ "$rows_ok" = True ]' "confusion matrix: rc $rc, $sums: $(cat "$work/cm.csv" "$work/eval.err")"
check 'cmp -s "$work/cm.csv" "$work/cm2.csv" && grep -q "most confused (true -> predicted):" "$work/eval.txt" && grep -q "% .* images  footwear" "$work/eval.txt"' "eval --confusion's report: $(cat "$work/eval.txt")"

# 4. features: fc8's (the logits) argmax gives eval's top-1 error on the same images (the same
#    views and order as the labels file); fc7 with ten views of a raw JPEG folder has the right
#    shape and is read before relu7 (negative values); numpy reads both.
"$bin" features --weights "$work/ft/final.weights" --data "$work/two-data/val" --layer fc8 \
  -o "$work/f8.npy" --threads 2 >"$work/f8.log" 2>&1
rc8=$?
mkdir -p "$work/few/clothing" "$work/few/footwear"
for c in clothing footwear; do ls "$work/two/val/$c" | head -12 | while read -r f; do ln -s "$work/two/val/$c/$f" "$work/few/$c/$f"; done; done
"$bin" features --weights "$work/ft/final.weights" --data "$work/few" --ten-crop \
  -o "$work/f7.npy" --threads 2 >"$work/f7.log" 2>&1
rc7=$?
feat=$(/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
f8, f7 = np.load(w + "/f8.npy"), np.load(w + "/f7.npy")
lab = [int(l.split("\t")[0]) for l in open(w + "/f8.labels.txt")]
names = set(l.rstrip("\n").split("\t")[1] for l in open(w + "/f8.labels.txt"))
r = json.load(open(w + "/eval.json"))
err = 100.0 * np.mean(np.argmax(f8, axis=1) != np.array(lab))
print(f8.shape == (r["images"], 2), f7.shape == (24, 128), f7.dtype == np.float32,
      abs(err - r["top1_err"]) < 1e-6, sorted(names) == ["clothing", "footwear"],
      bool((f7 < 0).any()))
PY
)
check '[ $rc8 -eq 0 ] && [ $rc7 -eq 0 ] && [ "$feat" = "True True True True True True" ]' "features: rc $rc8/$rc7, checks $feat: $(tail -2 "$work/f8.log") $(tail -2 "$work/f7.log")"

# 5. TensorBoard's scalars equal the CSV logs.
ev=$(ls "$work/ft"/events.out.tfevents.* 2>/dev/null | head -1)
"$tbdump" --dump "$ev" >"$work/tb.csv" 2>&1
rc=$?
cmp_logs='
import sys
w, tb = sys.argv[1], sys.argv[2]
it = [l.strip().split(",") for l in open(w + "/ft/iterations.csv")][1:]
ep = [l.strip().split(",") for l in open(w + "/ft/log.csv")][1:]
want = {("train/loss", int(r[0])): float(r[2]) for r in it}
want.update({("train/lr", int(r[0])): float(r[3]) for r in it})
want.update({("val/top1_err", int(r[1])): float(r[4]) for r in ep})
want.update({("val/top5_err", int(r[1])): float(r[5]) for r in ep})
got = {}
if tb == "-":
    for l in open(w + "/tb.csv"):
        tag, step, v = l.strip().split(",")
        got[(tag, int(step))] = float(v)
else:
    from tensorboard.backend.event_processing import event_accumulator as ea
    acc = ea.EventAccumulator(tb, size_guidance={ea.SCALARS: 0})
    acc.Reload()
    for tag in acc.Tags()["scalars"]:
        for e in acc.Scalars(tag):
            got[(tag, e.step)] = e.value
bad = [k for k in want if k not in got or abs(got[k] - want[k]) > 1e-4 + 1e-6 * abs(want[k])]
ips = [k for k in got if k[0] == "train/images_per_s" and got[k] > 0]
print(len(want), len(bad), len(ips), bad[:3])
'
res=$(/usr/bin/python3 -c "$cmp_logs" "$work" - 2>&1)
check '[ $rc -eq 0 ] && [ -n "$ev" ] && [ "$res" = "144 0 68 []" ]' "tensorboard events (our reader): rc $rc, $ev: $res $(head -3 "$work/tb.csv")"
tbpy=${AN_TENSORBOARD_PYTHON:-/usr/bin/python3}
if "$tbpy" -c "import tensorboard" 2>/dev/null; then
  res=$("$tbpy" -c "$cmp_logs" "$work" "$ev" 2>&1 | tail -1)
  check '[ "$res" = "144 0 68 []" ]' "tensorboard's own reader: $res"
else
  echo "tensorboard's reader skipped: $tbpy cannot import tensorboard (pip install tensorboard)"
fi
"$bin" train --data "$work/two-data" --init "$work/base/final.weights" --out "$work/notb" "${common[@]}" \
  --epochs 1 --max-iters 1 --tensorboard off >/dev/null 2>&1
check '[ -s "$work/notb/iterations.csv" ] && ! ls "$work/notb"/events.* >/dev/null 2>&1' "--tensorboard off writes no event file"

# 6. A raw folder where most files are bad (so that whole batches of them come up): batches are
#    topped up with good images and the run goes on; a folder with no good image is refused
#    before the first step.
for c in clothing footwear; do
  mkdir -p "$work/bad/train/$c" "$work/allbad/train/$c"
  ls "$work/two/train/$c" | head -6 | while read -r f; do ln -s "$work/two/train/$c/$f" "$work/bad/train/$c/$f"; done
  for k in $(seq 1 14); do echo "not a jpeg $k" >"$work/bad/train/$c/bad$k.JPEG"; cp "$work/bad/train/$c/bad$k.JPEG" "$work/allbad/train/$c/"; done
done
"$bin" train --data "$work/bad" --val none --init "$work/base/final.weights" --out "$work/badrun" \
  --batch 4 --threads 2 --epochs 1 --max-iters 8 --no-lighting >"$work/bad.log" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ "$(wc -l < "$work/badrun/iterations.csv")" -eq 9 ]' "a folder of mostly bad files trains on: rc $rc: $(tail -3 "$work/bad.log")"
expect 1 "no image of .*allbad/train could be read (28 files, 28 of them bad" -- "$bin" train \
  --data "$work/allbad" --val none --init "$work/base/final.weights" --out "$work/allbadrun" \
  --batch 4 --threads 2 --epochs 1 --no-lighting

# 7. classes=N as a net option; --classes net refuses a mismatch; the options' errors.
expect 0 "fc8 .*2" -- "$bin" summary --net alexnet-small:classes=2
expect 0 "fc8 .*3" -- "$bin" summary --net alexnet-small:classes=3
expect 1 "classes=N" -- "$bin" summary --net alexnet-small:classes=0
expect 1 "has 10 classes but .* has 2.*--classes auto" -- "$bin" train --data "$work/two-data" \
  --init "$work/base/final.weights" --classes net --out "$work/x1" "${common[@]}" --epochs 1
expect 1 "no layer named 'conv9'.*conv1, conv2" -- "$bin" train --data "$work/two-data" \
  --init "$work/base/final.weights" --freeze conv9 --out "$work/x2" "${common[@]}" --epochs 1
expect 1 "no conv or fc layer named 'relu1'" -- "$bin" train --data "$work/two-data" \
  --net alexnet-small:classes=2 --freeze relu1 --out "$work/x3" "${common[@]}" --epochs 1
expect 1 "'fc8=x' is not LAYER=MULT" -- "$bin" train --data "$work/two-data" \
  --net alexnet-small:classes=2 --lr-mult fc8=x --out "$work/x4" "${common[@]}" --epochs 1
expect 1 "leave no layer .* that learns" -- "$bin" train --data "$work/two-data" \
  --net alexnet-small:classes=2 --freeze conv1,conv2,conv3,conv4,conv5,fc6,fc7,fc8 \
  --out "$work/x5" "${common[@]}" --epochs 1
clitest_done test_finetune
