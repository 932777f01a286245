#!/usr/bin/python3
"""test/test_cli_filters.py - `alexnet filters`: weights files of small nets written with
tools/anweights.py (random kernels), drawn by the C command, read back by PIL and by zlib/binascii
(chunk CRC-32s, the zlib stream's Adler-32), and compared pixel by pixel with the grid that
net/filter_grid.h describes, computed here independently with numpy: an RGB two-tower conv1, a BGR
net's swapped channels, a grey one-tower conv1 and a many-channel conv2 (a row of tiles per
kernel). Also the errors: a layer that is not a convolution, a missing -o.
Prints "N passed, N failed"."""
import os
import struct
import subprocess
import sys
import tempfile
import zlib
import binascii

import numpy as np
from PIL import Image

SRC = os.environ["ALEXNET_SOURCE_DIR"]
BIN = os.environ["ALEXNET_BIN"]
sys.path.insert(0, os.path.join(SRC, "tools"))
import anweights  # noqa: E402

GAP, TOWER_GAP = 2, 8
from pycheck import check, done  # noqa: E402


def net_text(name, towers, channels, order, out1, k1):
    return ("net name=%s towers=%d lrn=paper classes=4\n"
            "input channels=%d size=16\n"
            "preprocess range=255 mean=0 std=1%s\n"
            "conv name=conv1 out=%d k=%d stride=1 pad=0\n"
            "relu name=relu1\n"
            "conv name=conv2 out=%d k=3 pad=1\n"
            "fc name=fc3 out=4 input=cross\n"
            "softmax name=prob\n" % (name, towers, channels,
                                      " order=" + order if order else "", out1, k1, 2 * towers))


def make(path, name, towers, channels, order, out1, k1, rng):
    text = net_text(name, towers, channels, order, out1, k1)
    side = 16 - k1 + 1
    shapes = [("conv1.weight", (out1, channels, k1, k1)), ("conv1.bias", (out1,)),
              ("conv2.weight", (2 * towers, out1 // towers, 3, 3)), ("conv2.bias", (2 * towers,)),
              ("fc3.weight", (4, 2 * towers * side * side)), ("fc3.bias", (4,))]
    tensors = {n: rng.standard_normal(s).astype(np.float32) for n, s in shapes}
    tensors["conv1.weight"][1] = 0.25  # a constant kernel: grey 128
    meta = anweights.make_meta(text, name, (channels, 16, 16), 255, [0], [1], order or "")
    anweights.write(path, meta, tensors)
    return tensors


def expected(w, towers, scale, bgr):
    """The grid of filter_grid.h from the kernels w [K][C][k][k]."""
    K, C, k, _ = w.shape
    per, tile = K // towers, k * scale
    colour, grey = C == 3, C == 1
    if colour or grey:
        cols = int(np.ceil(np.sqrt(per)))
        rows = (per + cols - 1) // cols
    else:
        cols, rows = C, per
    pw, ph = cols * tile + (cols + 1) * GAP, rows * tile + (rows + 1) * GAP
    W = towers * pw + (towers - 1) * TOWER_GAP
    img = np.full((ph, W, 3 if colour else 1), 255, np.uint8)
    for o in range(K):
        t, j = divmod(o, per)
        lo, hi = float(w[o].min()), float(w[o].max())
        u = (w[o].astype(np.float64) - lo) / (hi - lo) * 255 if hi > lo else np.full(w[o].shape, 128.0)
        u = np.rint(np.clip(u, 0, 255)).astype(np.uint8)
        u = np.kron(u, np.ones((scale, scale), np.uint8))  # C x tile x tile
        col, row = (j % cols, j // cols) if colour or grey else (0, j)
        x0 = t * (pw + TOWER_GAP) + GAP + col * (tile + GAP)
        y0 = GAP + row * (tile + GAP)
        if colour:
            rgb = u[::-1] if bgr else u
            img[y0:y0 + tile, x0:x0 + tile, :] = rgb.transpose(1, 2, 0)
        else:
            for c in range(C):
                xc = x0 + c * (tile + GAP)
                img[y0:y0 + tile, xc:xc + tile, 0] = u[c]
    return img


def png_chunks_ok(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, "no PNG signature"
    pos, idat = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        typ, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if binascii.crc32(typ + body) & 0xFFFFFFFF != crc:
            return False, "bad CRC in chunk %r" % typ
        if typ == b"IDAT":
            idat += body
        pos += 12 + n
    try:
        zlib.decompress(idat)  # checks the Adler-32
    except zlib.error as e:
        return False, "zlib: %s" % e
    return True, ""


def run(*args):
    p = subprocess.run([BIN, "filters"] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


rng = np.random.default_rng(7)
with tempfile.TemporaryDirectory() as d:
    cases = [("rgb2", 2, 3, "rgb", 8, 5, "conv1", None),
             ("bgr2", 2, 3, "bgr", 6, 3, "conv1", 3),
             ("grey1", 1, 1, "", 5, 4, "conv1", None),
             ("deep2", 2, 3, "rgb", 8, 5, "conv2", 2)]
    for name, towers, ch, order, out1, k1, layer, scale in cases:
        wpath = os.path.join(d, name + ".anw")
        png = os.path.join(d, name + ".png")
        tensors = make(wpath, name, towers, ch, order, out1, k1, rng)
        args = ["--weights", wpath, "-o", png] + (["--layer", layer] if layer != "conv1" else [])
        args += ["--scale", str(scale)] if scale else []
        rc, out = run(*args)
        check(rc == 0, "%s: rc %d: %s" % (name, rc, out))
        if rc:
            continue
        w = tensors[layer + ".weight"]
        s = scale or (44 + w.shape[2] - 1) // w.shape[2]
        want = expected(w, towers, s, order == "bgr")
        ok, why = png_chunks_ok(png)
        check(ok, "%s: %s" % (name, why))
        im = Image.open(png)
        im.load()
        got = np.asarray(im)
        if got.ndim == 2:
            got = got[:, :, None]
        check(im.mode == ("RGB" if want.shape[2] == 3 else "L"), "%s: mode %s" % (name, im.mode))
        check(got.shape == want.shape, "%s: size %s, want %s" % (name, got.shape, want.shape))
        if got.shape == want.shape:
            diff = int(np.abs(got.astype(int) - want.astype(int)).max())
            check(diff <= 1, "%s: pixels differ from the expected grid by up to %d" % (name, diff))
        check("%dx%d" % (want.shape[1], want.shape[0]) in out, "%s: size not printed: %s" % (name, out))
    rc, out = run("--weights", os.path.join(d, "rgb2.anw"), "--layer", "relu1", "-o",
                  os.path.join(d, "x.png"))
    check(rc == 1 and "no conv layer named 'relu1'" in out and "conv1, conv2" in out,
          "a non-conv layer: rc %d: %s" % (rc, out))
    rc, out = run("--weights", os.path.join(d, "rgb2.anw"))
    check(rc == 2 and "-o FILE.png" in out, "no -o: rc %d: %s" % (rc, out))

sys.exit(done("test_cli_filters"))
