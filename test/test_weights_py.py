#!/usr/bin/python3
"""test/test_weights_py.py - the Python side of weights files against the C side.

Usage: test_weights_py.py PATH/TO/test_weights   (ctest passes it; ALEXNET_SOURCE_DIR is set)

1. C save -> Python read -> Python write -> C load (bit-identical values).
2. Python reads what C wrote: shapes, header, and values equal to C's own per-tensor sums.
3. Python refuses a truncated and a corrupted file with a message saying so.
4. A randomly initialised torchvision AlexNet, saved as .pth, converted by
   tools/torchvision_to_weights.py (with class names): C loads it as alexnet-owt with torchvision's
   preprocessing and names, and its tensors equal the state dict's.
Prints "N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ.get("ALEXNET_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tools"))
import anweights  # noqa: E402

from pycheck import check, done  # noqa: E402


def run(*args, expect_failure=False):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode != 0 and not expect_failure:
        print("command failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr), file=sys.stderr)
    return p


def dump(tool, path):
    """C's view of a file: header lines and {tensor: (count, sum, sum of squares)}."""
    p = run(tool, "dump", path)
    info, sums = {"class": [], "mean": [], "std": []}, {}
    for line in p.stdout.splitlines():
        key, _, rest = line.partition(" ")
        if key == "tensor":
            name, count, s, sq = rest.split(" ")
            sums[name] = (int(count), float(s), float(sq))
        elif key in ("class", "mean", "std"):
            info[key].append(rest)
        else:
            info[key] = rest
    return p.returncode, info, sums


def expect_refused(path, want):
    try:
        anweights.read(path)
        check(False, "%s was read without complaint" % path)
    except anweights.WeightsError as e:
        check(want in str(e), "message %r lacks %r" % (str(e), want))


def test_round_trip(tool, d):
    a, b = os.path.join(d, "a.anw"), os.path.join(d, "b.anw")
    check(run(tool, "save", "alexnet-small:channels=3,size=32", "11", a).returncode == 0, "C save")
    meta, tensors = anweights.read(a)
    check(meta["net_name"] == "alexnet-small" and meta["input"] == "3 32 32" and
          meta["order"] == "rgb" and meta["lrn"] == "paper", "header %r" % {
              k: v for k, v in meta.items() if k != "net"})
    check(list(tensors)[:2] == ["conv1.weight", "conv1.bias"] and len(tensors) == 16, "names")
    check(tensors["conv1.weight"].shape == (16, 3, 3, 3) and tensors["fc6.weight"].shape ==
          (128, 144) and tensors["conv2.weight"].shape == (24, 8, 3, 3), "shapes")
    check(np.all(tensors["conv2.bias"] == np.float32(0.1)), "conv2 bias 0.1")
    rc, _, sums = dump(tool, a)
    check(rc == 0, "C dump")
    for name, t in tensors.items():
        cnt, s, sq = sums.get(name, (0, 0, 0))
        check(cnt == t.size and abs(s - t.astype(np.float64).sum()) <= 1e-9 * max(1, sq) + 1e-9
              and abs(sq - (t.astype(np.float64) ** 2).sum()) <= 1e-9 * sq, "sums of " + name)
    anweights.write(b, meta, tensors)
    check(run(tool, "verify", "alexnet-small:channels=3,size=32", "11", b).returncode == 0,
          "C load of the Python-written file equals the init")
    check(run(tool, "verify", "alexnet-small:channels=3,size=32", "12", b,
              expect_failure=True).returncode != 0,
          "verify can fail (another seed)")
    check(not [f for f in os.listdir(d) if ".tmp-" in f], "no temporary files left")

    data = open(a, "rb").read()
    with open(os.path.join(d, "cut.anw"), "wb") as f:
        f.write(data[:len(data) // 2])
    expect_refused(os.path.join(d, "cut.anw"), "truncated")
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10
    with open(os.path.join(d, "flip.anw"), "wb") as f:
        f.write(flipped)
    expect_refused(os.path.join(d, "flip.anw"), "checksum mismatch")


def test_torchvision(tool, d):
    try:
        import torch
        import torchvision
    except ImportError as e:
        print("skipping the torchvision part: %s" % e)
        return
    torch.manual_seed(0)
    model = torchvision.models.alexnet()  # random init; nothing is downloaded
    sd = model.state_dict()
    pth = os.path.join(d, "tv.pth")
    torch.save(sd, pth)
    names = ["class %d" % i for i in range(1000)]
    names[0] = "tench, Tinca tinca"
    cls = os.path.join(d, "classes.txt")
    with open(cls, "w") as f:
        f.write("\n".join(names) + "\n")
    out = os.path.join(d, "owt.anw")
    p = run("/usr/bin/python3", os.path.join(SRC, "tools", "torchvision_to_weights.py"), pth, out,
            "--classes", cls)
    check(p.returncode == 0 and "61100840 parameters" in p.stdout, "converter: " + p.stdout)
    rc, info, sums = dump(tool, out)
    check(rc == 0 and info.get("net") == "alexnet-owt" and info.get("params") == "61100840",
          "C loads the converted file as alexnet-owt: %r" % {k: info.get(k) for k in
                                                             ("net", "params")})
    check([float(x) for x in info["mean"]] == [0.485, 0.456, 0.406] and
          [float(x) for x in info["std"]] == [0.229, 0.224, 0.225] and info.get("range") == "1" and
          info.get("order") == "rgb", "torchvision preprocessing carried")
    check(info["class"] == names, "class names carried")
    tv = {"conv1": "features.0", "conv2": "features.3", "conv3": "features.6",
          "conv4": "features.8", "conv5": "features.10", "fc6": "classifier.1",
          "fc7": "classifier.4", "fc8": "classifier.6"}
    for ours, theirs in tv.items():
        for kind in ("weight", "bias"):
            t = sd[theirs + "." + kind].numpy().astype(np.float64)
            cnt, s, sq = sums.get(ours + "." + kind, (0, 0, 0))
            check(cnt == t.size and abs(s - t.sum()) <= 1e-6 * np.abs(t).sum() + 1e-9 and
                  abs(sq - (t ** 2).sum()) <= 1e-6 * sq, "%s.%s equals %s.%s" % (ours, kind,
                                                                                theirs, kind))
    meta, tensors = anweights.read(out)
    check(np.array_equal(tensors["conv1.weight"], sd["features.0.weight"].numpy()),
          "conv1.weight bit-identical")
    # the converter refuses something that is not AlexNet
    bad = os.path.join(d, "bad.pth")
    torch.save({"features.0.weight": torch.zeros(1)}, bad)
    p = run("/usr/bin/python3", os.path.join(SRC, "tools", "torchvision_to_weights.py"), bad,
            os.path.join(d, "bad.anw"), expect_failure=True)
    check(p.returncode != 0 and "missing" in p.stderr, "converter refuses a wrong state dict")


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="test_weights_py-") as d:
        test_round_trip(tool, d)
        test_torchvision(tool, d)
    return done("test_weights_py")


if __name__ == "__main__":
    sys.exit(main())
