#!/usr/bin/python3
"""test/ckpt_diff.py - compare the parameters and momentum of two training checkpoints
(host/train/checkpoint.h's layout). Prints the largest |a-b| - rtol*|b| excess and exits 1 when
any element is outside |a-b| <= atol + rtol*|b| (or, with --exact, when any bit differs).

usage: ckpt_diff.py A.ckpt B.ckpt [--atol X] [--rtol Y] [--exact]"""
import argparse
import struct
import sys

import numpy as np


def load(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != b"ANCKPT01":
        sys.exit(f"{path}: not a checkpoint")
    p = 8
    (h,) = struct.unpack_from("<I", buf, p)
    p += 4 + h
    (d,) = struct.unpack_from("<I", buf, p)
    p += 4 + d
    (w,) = struct.unpack_from("<Q", buf, p)
    p += 8
    v = np.frombuffer(buf, dtype="<f4", count=2 * w, offset=p)
    return v[:w], v[w:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--atol", type=float, default=0.0)
    ap.add_argument("--rtol", type=float, default=0.0)
    ap.add_argument("--exact", action="store_true")
    o = ap.parse_args()
    pa, ma = load(o.a)
    pb, mb = load(o.b)
    if pa.size != pb.size:
        print(f"sizes differ: {pa.size} vs {pb.size}")
        return 1
    bad = 0
    for name, x, y in (("params", pa, pb), ("momentum", ma, mb)):
        if o.exact:
            n = int(np.count_nonzero(x.view("<u4") != y.view("<u4")))
            print(f"{name}: {n} of {x.size} differ bitwise")
            bad += n
            continue
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        err = np.abs(x64 - y64)
        lim = o.atol + o.rtol * np.abs(y64)
        n = int(np.count_nonzero(~(err <= lim)))
        print(f"{name}: max |a-b| {err.max():.3g}, max |b| {np.abs(y64).max():.3g}, "
              f"{n} of {x.size} outside atol {o.atol:g} + rtol {o.rtol:g}")
        bad += n
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
