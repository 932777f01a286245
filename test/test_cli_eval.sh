#!/usr/bin/env bash
# test/test_cli_eval.sh TEST_EVAL DIR - `alexnet eval` (and its confusion heat map), `alexnet
# classify`, `alexnet features` on listed JPEG files, tools/plot_log.py and tools/plot_confusion.py.
#
# Fixtures from `test_eval --fixtures DIR`: a tree of 15 JPEGs in 10 classes plus a broken file,
# const.anw (every image gets softmax(bias.txt), so the errors and loss are known exactly: top-1
# error 13/15, top-5 error 5/15), random.anw (random weights: eval's numbers must equal those
# computed from classify's per-image probabilities, a second, independent decoding path),
# grey.anw (a one-channel net) and four.anw (4 classes: refused on the 10-class tree). The same
# tree prepared as shards must give the same numbers.
set -u
te=${1:?usage: test_cli_eval.sh TEST_EVAL DIR} dir=${2:?}
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
py=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
if ! "$bin" devices >/dev/null 2>&1; then
  echo "SKIP: no OpenCL device"
  exit 77 # CTest's SKIP_RETURN_CODE: neither passed nor failed
fi
rm -rf "$dir"
"$te" --fixtures "$dir" >/dev/null || { echo "FAIL: test_eval --fixtures $dir"; exit 1; }
tree=$dir/tree

# Known answer: every image scores softmax(bias), with and without ten views (or the centre and
# its mirror), in chunks.
for opts in "" "--ten-crop" "--flip" "--batch 4" "--ten-crop --batch 3 --threads 1"; do
  out=$("$bin" eval --weights "$dir/const.anw" --data "$tree" --json $opts 2>"$dir/err"); rc=$?
  views=$([[ $opts == *ten* ]] && echo 10 || { [[ $opts == *flip* ]] && echo 2 || echo 1; })
  if [ $rc -eq 0 ] && DIR=$dir VIEWS=$views "$py" -c '
import glob, json, math, os, sys
d = json.load(sys.stdin)
dirp = os.environ["DIR"]
bias = [float(l) for l in open(dirp + "/bias.txt")]
n = [len(glob.glob("%s/tree/c%d/i*.jpg" % (dirp, k))) for k in range(10)]
z = sum(math.exp(b) for b in bias)
p = [math.exp(b) / z for b in bias]
N = sum(n)
order = sorted(range(10), key=lambda k: -p[k])
top1 = 100.0 * (N - n[order[0]]) / N
top5 = 100.0 * (N - sum(n[k] for k in order[:5])) / N
loss = -sum(n[k] * math.log(p[k]) for k in range(10)) / N
assert d["images"] == N == 15 and d["bad"] == 1 and d["views"] == int(os.environ["VIEWS"]), d
assert abs(d["top1_err"] - top1) < 1e-6 and abs(d["top5_err"] - top5) < 1e-6, (d, top1, top5)
assert abs(d["loss"] - loss) < 1e-6, (d["loss"], loss)
assert d["classes"] == 10 and d["images_per_s"] > 0
' <<<"$out" && grep -q "skipped .*zz-broken.jpg" "$dir/err"; then ok; else
    bad "eval const $opts: rc $rc: $out $(cat "$dir/err")"; fi
done
expect 0 "top-1 error 86.67 %  top-5 error 33.33 %" -- "$bin" eval --weights "$dir/const.anw" --data "$tree"
expect 0 "centre and mirror averaged" -- "$bin" eval --weights "$dir/const.anw" --data "$tree" --flip
expect 2 "give one of --ten-crop and --flip" -- "$bin" eval --weights "$dir/const.anw" --data "$tree" --ten-crop --flip

# classify: the known probabilities, per-file errors that do not stop the others.
out=$("$bin" classify --weights "$dir/const.anw" --json "$tree/c0/i0.jpg" "$dir/bad.jpg" \
      "$dir/missing.jpg" "$tree/c3/i2.jpg" 2>"$dir/err"); rc=$?
if [ $rc -eq 1 ] && DIR=$dir "$py" -c '
import json, math, os, sys
d = json.load(sys.stdin)
bias = [float(l) for l in open(os.environ["DIR"] + "/bias.txt")]
z = sum(math.exp(b) for b in bias)
assert [e["image"].split("/")[-1] for e in d] == ["i0.jpg", "i2.jpg"], d
for e in d:
    top = e["top"]
    assert [t["class"] for t in top] == [1, 9, 3, 6, 7], top
    assert [t["name"] for t in top] == ["Cls 1", "Cls 9", "Cls 3", "Cls 6", "Cls 7"], top
    for t in top:
        assert abs(t["probability"] - math.exp(bias[t["class"]]) / z) < 1e-6, t
' <<<"$out" && grep -q "bad.jpg: " "$dir/err" && grep -q "missing.jpg: .*No such file" "$dir/err" \
   && grep -q "2 of 4 images could not be read" "$dir/err"; then ok; else
  bad "classify const: rc $rc: $out $(cat "$dir/err")"; fi
expect 0 "^  *31.8382%  *1  Cls 1" -- "$bin" classify --weights "$dir/const.anw" --top 1 "$tree/c1/i0.jpg"
out=$("$bin" classify --weights "$dir/const.anw" --json --top 50 "$tree/c1/i0.jpg")
if "$py" -c '
import json, sys
t = json.load(sys.stdin)[0]["top"]
assert len(t) == 10 and abs(sum(x["probability"] for x in t) - 1) < 1e-6, t
' <<<"$out"; then ok; else bad "classify --top 50: $out"; fi

# classify given damaged files between good ones (one decoder for all): each damaged file is
# reported and leaves no trace, the good files score as when classified alone.
"$py" "$src/tools/make_jpeg_cases.py" "$dir/cases" >/dev/null
c=$dir/cases
alone=$("$bin" classify --weights "$dir/random.anw" --json --top 10 "$c"/good/c0/b0{0,1,2,3,4}.JPEG)
mixed=$("$bin" classify --weights "$dir/random.anw" --json --top 10 "$c/case/damaged_dqt.JPEG" \
        "$c/good/c0/b00.JPEG" "$c/case/missing_sos.JPEG" "$c/good/c0/b01.JPEG" \
        "$c/case/bogus_dims.JPEG" "$c/good/c0/b02.JPEG" "$c/case/truncated.JPEG" \
        "$c/good/c0/b03.JPEG" "$c/case/bad_huffman.JPEG" "$c/good/c0/b04.JPEG" 2>"$dir/err"); rc=$?
if [ $rc -eq 1 ] && ALONE=$alone "$py" -c '
import json, os, sys
a, m = json.loads(os.environ["ALONE"]), json.load(sys.stdin)
assert len(a) == len(m) == 5, (a, m)
for x, y in zip(a, m):
    assert x["image"] == y["image"], (x, y)
    assert [t["class"] for t in x["top"]] == [t["class"] for t in y["top"]], (x, y)
    for s, t in zip(x["top"], y["top"]):
        assert abs(s["probability"] - t["probability"]) <= 1e-6, (x, y)
' <<<"$mixed" && grep -q "5 of 10 images could not be read" "$dir/err" &&
   [ "$(grep -c "case/.*JPEG: " "$dir/err")" -eq 5 ]; then ok; else
  bad "classify with damaged files: rc $rc: $mixed vs alone $alone; $(cat "$dir/err")"; fi

# features on JPEG files named on the command line: a row per readable file in the given order,
# the labels file naming each row's file, the damaged and missing files named on stderr (exit 1
# as classify); softmax of fc8 (the logits) equals classify's probabilities (the public API's
# decoding path); the rows equal those of --data on the same tree, with one view and with ten.
mapfile -t images < <(cd "$tree" && ls c*/i*.jpg | sort)
rm -f "$dir/fl.npy" "$dir/fl.labels.txt"
(cd "$dir" && "$bin" features --weights random.anw --layer fc8 -o fl.npy tree/c3/i2.jpg bad.jpg \
   missing.jpg tree/c0/i0.jpg tree/c1/i0.jpg >"$dir/fl.out" 2>"$dir/err"); rc=$?
cl=$(cd "$dir" && "$bin" classify --weights random.anw --json --top 10 tree/c3/i2.jpg \
     tree/c0/i0.jpg tree/c1/i0.jpg 2>/dev/null)
if [ $rc -eq 1 ] && DIR=$dir "$py" -c '
import json, os, sys
import numpy as np
d = os.environ["DIR"]
f = np.load(d + "/fl.npy")
lab = [l.rstrip("\n").split("\t") for l in open(d + "/fl.labels.txt")]
cl = json.load(sys.stdin)
assert f.shape == (3, 10) and f.dtype == np.float32, f.shape
assert lab == [["-1", "tree/c3/i2.jpg"], ["-1", "tree/c0/i0.jpg"], ["-1", "tree/c1/i0.jpg"]], lab
for row, e in zip(f.astype(np.float64), cl):
    p = np.exp(row - row.max())
    p /= p.sum()
    got = {t["class"]: t["probability"] for t in e["top"]}
    assert max(abs(p[k] - got[k]) for k in range(10)) < 1e-6, (p, got)
' <<<"$cl" && grep -q "skipped bad.jpg: " "$dir/err" && grep -q "skipped missing.jpg: .*No such file" "$dir/err" \
   && grep -q "2 of 5 images could not be read" "$dir/err" && grep -q "3 images x 10" "$dir/fl.out"; then ok; else
  bad "features on listed files: rc $rc: $(cat "$dir/fl.out" "$dir/err") $cl"; fi
# The same features from a folder and from a list at another batch size; not to the bit: an
# inference model's fc layers take another GEMM from 16 images up (packed weights, on CPUs)
for opts in "" "--ten-crop"; do
  "$bin" features --weights "$dir/random.anw" --layer fc6 --data "$tree" -o "$dir/fd.npy" --threads 2 $opts >/dev/null 2>&1
  rc1=$?
  (cd "$tree" && "$bin" features --weights ../random.anw --layer fc6 -o ../fi.npy --threads 1 --batch 4 $opts "${images[@]}" >/dev/null 2>&1)
  rc2=$?
  if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && DIR=$dir "$py" -c '
import os
import numpy as np
d = os.environ["DIR"]
a, b = np.load(d + "/fd.npy"), np.load(d + "/fi.npy")
names = [l.rstrip("\n").split("\t")[1] for l in open(d + "/fi.labels.txt")]
la = [l.split("\t")[0] for l in open(d + "/fd.labels.txt")]
assert a.shape == b.shape == (15, a.shape[1]) and a.shape[1] > 1, (a.shape, b.shape)
assert names == sorted(names) and la == [n.split("/")[0][1:] for n in names], (names, la)
assert np.abs(a).max() > 0 and np.allclose(a, b, rtol=1e-5, atol=1e-6), np.abs(a - b).max()
'; then ok; else bad "features --data vs listed files ($opts): rc $rc1/$rc2"; fi
done
expect 1 "none of the 2 images could be read" -- "$bin" features --weights "$dir/random.anw" -o "$dir/x.npy" "$dir/bad.jpg" "$dir/missing.jpg"
expect 2 "not both" -- "$bin" features --weights "$dir/random.anw" --data "$tree" -o "$dir/x.npy" "$dir/bad.jpg"
expect 2 "are required" -- "$bin" features --weights "$dir/random.anw" -o "$dir/x.npy"
expect 0 "-1<TAB>path" -- "$bin" features --help

# Random weights, RGB and grey nets: eval's errors and loss from classify's probabilities.
for w in random grey; do
  ev=$("$bin" eval --weights "$dir/$w.anw" --data "$tree" --json --batch 4 2>/dev/null)
  cl=$(cd "$tree" && "$bin" classify --weights "$dir/$w.anw" --json --top 10 "${images[@]}")
  if EV=$ev "$py" -c '
import json, math, os, sys
ev = json.loads(os.environ["EV"])
cl = json.load(sys.stdin)
assert len(cl) == ev["images"] == 15
loss = top1 = top5 = 0
for e in cl:
    y = int(e["image"].split("/")[0][1:])
    p = {t["class"]: t["probability"] for t in e["top"]}
    loss -= math.log(p[y])
    greater = sum(v > p[y] for v in p.values())
    top1 += greater < 1
    top5 += greater < 5
assert abs(ev["loss"] - loss / 15) <= 1e-5 + 1e-5 * abs(loss / 15), (ev["loss"], loss / 15)
assert abs(ev["top1_err"] - 100.0 * (15 - top1) / 15) < 1e-6, (ev, top1)
assert abs(ev["top5_err"] - 100.0 * (15 - top5) / 15) < 1e-6, (ev, top5)
' <<<"$cl"; then ok; else bad "eval vs classify ($w): $ev / $cl"; fi
done

# Prepared shards (stored at the side eval picks for a raw 32-pixel net: 37) give the tree's numbers.
if "$bin" prepare "$tree" "$dir/shards" --size 37 >/dev/null 2>&1; then
  a=$("$bin" eval --weights "$dir/random.anw" --data "$tree" --json 2>/dev/null)
  b=$("$bin" eval --weights "$dir/random.anw" --data "$dir/shards" --json 2>/dev/null)
  if A=$a "$py" -c '
import json, os, sys
a, b = json.loads(os.environ["A"]), json.load(sys.stdin)
assert (a["images"], a["top1_err"], a["top5_err"], a["loss"]) == \
       (b["images"], b["top1_err"], b["top5_err"], b["loss"]) and b["bad"] == 0, (a, b)
' <<<"$b"; then ok; else bad "eval on shards: $b vs the tree: $a"; fi
else
  bad "alexnet prepare $tree $dir/shards failed"
fi

# Two devices (a two-tower net across them) give the one-device numbers.
two=$("$bin" devices --json 2>/dev/null | "$py" -c '
import collections, json, sys
by = collections.defaultdict(list)
for d in json.load(sys.stdin):
    by[d["id"].split(":")[0]].append(d["id"])
print(next((",".join(v[:2]) for v in by.values() if len(v) >= 2), ""))
')
if [ -n "$two" ]; then
  one=$("$bin" eval --weights "$dir/random.anw" --data "$tree" --ten-crop --json 2>/dev/null)
  dual=$("$bin" eval --weights "$dir/random.anw" --data "$tree" --ten-crop --json --device "$two" 2>/dev/null)
  if ONE=$one "$py" -c '
import json, os, sys
a, b = json.loads(os.environ["ONE"]), json.load(sys.stdin)
assert (a["top1_err"], a["top5_err"], a["images"]) == (b["top1_err"], b["top5_err"], b["images"])
assert abs(a["loss"] - b["loss"]) <= 1e-6 * abs(a["loss"]), (a, b)
' <<<"$dual"; then ok; else bad "eval on $two: $dual vs $one"; fi
else
  echo "note: one OpenCL device only; the two-device check did not run (POCL_DEVICES=\"pthread pthread\")"
fi

# eval --confusion X.png: the heat map (a PNG of 10·32 + 8 pixels square whose cells' colours are
# the CSV's rows normalised) and X.csv beside it, summing to the images scored; X.csv alone
# writes no PNG.
rm -f "$dir/cm.png" "$dir/cm.csv" "$dir/cm2.csv" "$dir/cm2.png"
ev=$("$bin" eval --weights "$dir/random.anw" --data "$tree" --json --confusion "$dir/cm.png" 2>/dev/null); rc=$?
txt=$("$bin" eval --weights "$dir/random.anw" --data "$tree" --confusion "$dir/cm2.csv" 2>/dev/null); rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ ! -e "$dir/cm2.png" ] && cmp -s "$dir/cm.csv" "$dir/cm2.csv" &&
   grep -q "confusion matrix in .*cm2.csv)" <<<"$txt" && EV=$ev DIR=$dir "$py" -c '
import csv, json, os
from PIL import Image
d = os.environ["DIR"]
ev = json.loads(os.environ["EV"])
rows = list(csv.reader(open(d + "/cm.csv")))
cells = [[int(x) for x in r[3:]] for r in rows[1:]]
assert len(cells) == 10 and sum(map(sum, cells)) == ev["images"] == 15, cells
assert sum(cells[i][i] for i in range(10)) == round(15 * (1 - ev["top1_err"] / 100)), cells
assert open(d + "/cm.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
im = Image.open(d + "/cm.png")
im.load()
assert im.size == (328, 328) and im.mode == "RGB", (im.size, im.mode)
dark = (8, 48, 107)
for y in range(10):
    n = sum(cells[y])
    for p in range(10):
        got = im.getpixel((4 + 32 * p + 15, 4 + 32 * y + 15))
        f = cells[y][p] / n if n else None
        want = tuple(192 for c in dark) if f is None else tuple(255 + (c - 255) * f for c in dark)
        assert all(abs(g - w) <= 0.5 for g, w in zip(got, want)), (y, p, got, want)
assert im.getpixel((0, 0)) == (255, 255, 255) and im.getpixel((327, 327)) == (255, 255, 255)
'; then ok; else bad "eval --confusion X.png: rc $rc/$rc2: $ev $txt $(cat "$dir/cm.csv" 2>&1)"; fi

# A synset list naming the net's classes in another order draws a warning.
for k in 9 8 7 6 5 4 3 2 1 0; do echo "c$k Cls $k"; done >"$dir/reversed.txt"
expect 0 "warning: the net's class 0 \"Cls 0\" is the data set's class 9" -- "$bin" eval --weights "$dir/const.anw" --data "$tree" --classes "$dir/reversed.txt"
out=$("$bin" eval --weights "$dir/const.anw" --data "$tree" 2>&1)
if grep -q warning <<<"$out"; then bad "a warning with the folders' own order: $out"; else ok; fi

# Refusals and usage.
expect 1 "has 10 classes but net alexnet-small (.*four.anw) has 4" -- "$bin" eval --weights "$dir/four.anw" --data "$tree"
expect 1 "nothing.anw" -- "$bin" eval --weights "$dir/nothing.anw" --data "$tree"
expect 1 "nothing.anw" -- "$bin" classify --weights "$dir/nothing.anw" "$tree/c0/i0.jpg"
expect 0 "usage: alexnet eval --weights FILE --data DIR" -- "$bin" eval --help
expect 0 "usage: alexnet classify --weights FILE" -- "$bin" classify --help
expect 2 "unknown option \"--frobnicate\"" -- "$bin" eval --frobnicate
expect 2 "unknown option \"--frobnicate\"" -- "$bin" classify --frobnicate x.jpg
expect 2 "required" -- "$bin" eval --weights "$dir/const.anw"
expect 2 "at least one IMAGE" -- "$bin" classify --weights "$dir/const.anw"
expect 2 "--top must be at least 1" -- "$bin" classify --weights "$dir/const.anw" --top 0 x.jpg

# tools/plot_log.py: a PNG from a hand-written log, and from one with only some columns.
printf 'epoch,iteration,train_loss,val_loss,val_top1_err,val_top5_err,lr,seconds\n0,10,2.30,,,,0.01,1.0\n0,20,2.1,,,,0.01,2.0\n1,30,1.9,1.95,70.5,30.1,0.01,3.5\n1,40,1.7,,,,0.001,4.5\n2,50,1.5,1.6,55.0,20.0,0.001,6\n' >"$dir/log.csv"
printf 'epoch,train_loss,lr\n1,2.0,0.01\n2,1.5,0.001\n' >"$dir/short.csv"
rm -f "$dir/log.png" "$dir/out.png"
expect 0 "wrote .*log.png (train_loss, val_loss, val_top1_err, val_top5_err, lr)" -- \
  "$py" "$src/tools/plot_log.py" "$dir/log.csv"
expect 0 "wrote .*out.png" -- "$py" "$src/tools/plot_log.py" "$dir/short.csv" -o "$dir/out.png"
for f in "$dir/log.png" "$dir/out.png"; do
  if [ "$(head -c 8 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
     [ "$(stat -c %s "$f")" -gt 5000 ]; then ok; else bad "$f is not a PNG"; fi
done
# a run without validation (train --val none) writes -1 there: not plotted
{
  echo epoch,iteration,train_loss,val_loss,val_top1_err,val_top5_err,lr,seconds
  echo 1,10,2.3,-1.000000,-1.0000,-1.0000,0.01,1.0
  echo 2,20,2.1,-1.000000,-1.0000,-1.0000,0.001,2.0
} >"$dir/noval.csv"
expect 0 "wrote .*noval.png (train_loss, lr)" -- "$py" "$src/tools/plot_log.py" "$dir/noval.csv"
printf 'epoch,foo\n1,2\n' >"$dir/none.csv"
expect 1 "no column to plot" -- "$py" "$src/tools/plot_log.py" "$dir/none.csv"

# tools/plot_confusion.py: the labelled heat map of eval's CSV; another CSV is refused.
rm -f "$dir/cm_plot.png"
expect 0 "wrote .*cm_plot.png (10 classes)" -- "$py" "$src/tools/plot_confusion.py" "$dir/cm.csv" -o "$dir/cm_plot.png" --counts
if [ "$(head -c 8 "$dir/cm_plot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
   [ "$(stat -c %s "$dir/cm_plot.png")" -gt 5000 ]; then ok; else bad "$dir/cm_plot.png is not a PNG"; fi
expect 1 "not eval's confusion CSV" -- "$py" "$src/tools/plot_confusion.py" "$dir/log.csv"

clitest_done test_cli_eval
