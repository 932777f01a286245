#!/usr/bin/python3
"""tools/torch_reference.py - PyTorch reference of whole nets for test/test_model_torch.c.

Builds a net from its description (nets/<name>.net) in the whole-net view (docs/NETS.md; an
own-input conv or fc on T split towers is T x grouped, an LRN on T split towers normalises each
tower's channel block alone), fills parameters, input and labels from the counter-based generator
that test/testgen.h implements in C (same bits), runs a forward with dropout off, the mean
cross-entropy loss and a backward, all in float64, and writes test/fixtures/model_<name>.txt:
the loss, the logits (all, or a fixed sample and their L2 norm), and per parameter tensor its
gradient's L2 norm and its values at 16 fixed indices. See docs/TESTING-MODEL.md.

  /usr/bin/python3 tools/torch_reference.py            regenerate every fixture
  /usr/bin/python3 tools/torch_reference.py --check    regenerate into a temporary folder and
                                                        compare with the committed fixtures
  /usr/bin/python3 tools/torch_reference.py --net alexnet-small --out DIR
"""
import argparse
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The fixtures: (net, batch). The C test reads every file it is given, in this order.
FIXTURES = [("alexnet-small", 4), ("features", 3), ("alexnet", 2), ("caffenet", 2),
            ("alexnet-owt", 2)]
SEED = 1
NSAMPLE = 16        # sampled gradient elements per tensor
MAX_LOGITS = 64     # more logits than this: write a sample of this many and their norm

# Streams of the generator (test/testgen.h): parameter tensor i is stream i (net tensor order).
STREAM_INPUT = 1000
STREAM_SAMPLE = 2000  # + tensor index: the sampled gradient indices
STREAM_LOGITS = 3000  # sampled logit indices

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


# ---- the generator (test/testgen.h) ------------------------------------------------------

def _mix_int(z):
    """splitmix64's finaliser on a Python int."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _mix_np(z):
    """splitmix64's finaliser on a numpy uint64 array (multiplications wrap)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def gen_bits(seed, stream, first, count):
    """64 random bits for indexes first..first+count-1 of (seed, stream):
    mix(key + GOLDEN*(index+1)) with key = mix(seed + GOLDEN*(stream+1))."""
    key = _mix_int((seed + GOLDEN * (stream + 1)) & MASK)
    idx = np.arange(first, first + count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix_np(np.uint64(key) + np.uint64(GOLDEN) * (idx + np.uint64(1)))


def gen_uniform(seed, stream, count, lo, hi):
    """count floats lo + (hi-lo)*u, u = (bits >> 11)·2^-53, computed in double, rounded to
    float32 (as testgen_uniform). Done in blocks to bound memory on fc6's 37 M weights."""
    out = np.empty(count, dtype=np.float32)
    block = 1 << 22
    for first in range(0, count, block):
        n = min(block, count - first)
        u = (gen_bits(seed, stream, first, n) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        out[first:first + n] = (lo + (hi - lo) * u).astype(np.float32)
    return out


def gen_indices(seed, stream, n, count):
    """n indexes in [0, count): bits mod count (as testgen_index)."""
    return (gen_bits(seed, stream, 0, n) % np.uint64(count)).astype(np.int64)


# ---- net descriptions --------------------------------------------------------------------

def parse_net(path):
    """The layers of a description in the whole-net view, with their parameter tensors.
    Returns (header dict, list of layer dicts, list of (name, shape) tensors)."""
    net = {"towers": 1, "lrn": "paper"}
    layers = []
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            kind, kv = line[0], dict(t.split("=", 1) for t in line[1:])
            if kind == "net":
                net["name"] = kv["name"]
                net["towers"] = int(kv.get("towers", 1))
                net["lrn"] = kv.get("lrn", "paper")
            elif kind == "input":
                h = int(kv.get("size", kv.get("height", 0)))
                w = int(kv.get("size", kv.get("width", 0)))
                net["input"] = (int(kv["channels"]), h, w)
            elif kind in ("preprocess", "class"):
                continue
            else:
                layers.append(dict(kv, kind=kind))
    T = net["towers"]
    c, h, w = net["input"]
    dist = "all" if T > 1 else "split"
    vector = False
    tensors = []
    for L in layers:
        k = L["kind"]
        if k in ("conv", "fc"):
            if k == "fc":
                c, h, w = c * h * w, 1, 1
            tower = L.get("tower", "all")
            own = L.get("input", "own") == "own"
            split = T if (own and dist == "split" and T > 1 and tower == "all") else 1
            L["groups_whole"] = int(L.get("groups", 1)) * split
            out = int(L["out"])
            ksz = int(L.get("k", 1))
            L["k"], L["stride"], L["pad"] = ksz, int(L.get("stride", 1)), int(L.get("pad", 0))
            inpg = c // L["groups_whole"]
            if k == "conv":
                h = (h + 2 * L["pad"] - ksz) // L["stride"] + 1
                w = (w + 2 * L["pad"] - ksz) // L["stride"] + 1
                tensors.append((L["name"] + ".weight", (out, inpg, ksz, ksz)))
            else:
                tensors.append((L["name"] + ".weight", (out, inpg)))
                vector = True
            tensors.append((L["name"] + ".bias", (out,)))
            c = out
            dist = "split" if (tower == "all" or T == 1) else "one"
        elif k == "lrn":
            L["groups"] = T if dist == "split" else 1
            L["paper"] = net["lrn"] == "paper"
        elif k in ("maxpool", "avgpool"):
            if vector:
                raise ValueError("pooling after fc")
            if "out" in L:
                L["adaptive"] = int(L["out"])
                h = w = L["adaptive"]
            else:
                ksz = int(L["k"])
                L["k"], L["stride"], L["pad"] = ksz, int(L.get("stride", ksz)), int(L.get("pad", 0))
                if k == "avgpool" and L["pad"]:
                    raise ValueError("a padded avgpool has no reference here")
                h = (h + 2 * L["pad"] - ksz) // L["stride"] + 1
                w = (w + 2 * L["pad"] - ksz) // L["stride"] + 1
        elif k not in ("relu", "dropout", "softmax"):
            raise ValueError("unknown layer kind " + k)
    net["classes"] = c * h * w
    return net, layers, tensors


def fan_in(shape):
    return int(np.prod(shape[1:]))


def make_params(tensors, seed):
    """Weights uniform in ±sqrt(3/fan_in), biases uniform in ±0.1 (float32 values)."""
    out = []
    for i, (_, shape) in enumerate(tensors):
        count = int(np.prod(shape))
        b = 0.1 if len(shape) == 1 else math.sqrt(3.0 / fan_in(shape))
        out.append(gen_uniform(seed, i, count, -b, b).reshape(shape))
    return out


def forward(net, layers, params, x, training=False):
    """Logits of the whole-net view (dropout is the identity unless training: then each dropout
    layer drops with its p, as tools/train_torch.py trains)."""
    p = iter(params)
    for L in layers:
        k = L["kind"]
        if k == "conv":
            wt, bs = next(p), next(p)
            x = F.conv2d(x, wt, bs, stride=L["stride"], padding=L["pad"],
                         groups=L["groups_whole"])
        elif k == "fc":
            wt, bs = next(p), next(p)
            g = L["groups_whole"]
            x = x.reshape(x.shape[0], g, -1)
            x = torch.einsum("ngi,goi->ngo", x, wt.reshape(g, -1, wt.shape[1]))
            x = x.reshape(x.shape[0], -1) + bs
        elif k == "relu":
            x = F.relu(x)
        elif k == "lrn":
            n = int(L.get("size", 5))
            alpha = float(L.get("alpha", 1e-4)) * (n if L["paper"] else 1)
            beta, kk = float(L.get("beta", 0.75)), float(L.get("k", 2))
            chunks = torch.chunk(x, L["groups"], dim=1)
            x = torch.cat([F.local_response_norm(ch, n, alpha, beta, kk) for ch in chunks], 1)
        elif k == "maxpool":
            x = F.max_pool2d(x, L["k"], L["stride"], L["pad"])  # pads with -inf
        elif k == "avgpool":
            if "adaptive" in L:
                x = F.adaptive_avg_pool2d(x, L["adaptive"])
            else:
                x = F.avg_pool2d(x, L["k"], L["stride"])
        elif k == "dropout" and training:
            x = F.dropout(x, float(L.get("p", 0.5)), True)
        elif k == "softmax":
            break
    return x.reshape(x.shape[0], -1)


def fmt(v):
    return "%.12e" % v


def net_path(name):
    """nets/NAME.net, or the test-only test/fixtures/model_NAME.net."""
    path = os.path.join(ROOT, "nets", name + ".net")
    if os.path.exists(path):
        return path
    return os.path.join(ROOT, "test", "fixtures", "model_%s.net" % name)


def generate(name, batch, seed):
    """The fixture text of one net."""
    net, layers, tensors = parse_net(net_path(name))
    K = net["classes"]
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
              for a in make_params(tensors, seed)]
    C, H, W = net["input"]
    x = torch.tensor(gen_uniform(seed, STREAM_INPUT, batch * C * H * W, -1.0, 1.0),
                     dtype=torch.float64).reshape(batch, C, H, W)
    labels = torch.tensor([(7 * i + 3) % K for i in range(batch)], dtype=torch.int64)
    logits = forward(net, layers, params, x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()

    flat = logits.detach().reshape(-1).numpy()
    lines = ["# test/fixtures/model_%s.txt - made by tools/torch_reference.py (torch %s, float64);"
             % (name, torch.__version__.split("+")[0]),
             "# regenerate with that script, never by hand. Format: docs/TESTING-MODEL.md.",
             "net %s" % name, "batch %d" % batch, "seed %d" % seed, "classes %d" % K,
             "loss %s" % fmt(loss.item()),
             "logits %d %s" % (flat.size, fmt(float(np.linalg.norm(flat))))]
    if flat.size <= MAX_LOGITS:
        idx = np.arange(flat.size)
    else:
        idx = gen_indices(seed, STREAM_LOGITS, MAX_LOGITS, flat.size)
    lines += ["logit %d %s" % (i, fmt(flat[i])) for i in idx]
    for i, ((tname, shape), prm) in enumerate(zip(tensors, params)):
        g = prm.grad.reshape(-1).numpy()
        lines.append("tensor %s %s %s" % (tname, "x".join(str(d) for d in shape),
                                          fmt(float(np.linalg.norm(g)))))
        for j in gen_indices(seed, STREAM_SAMPLE + i, NSAMPLE, g.size):
            lines.append("grad %d %s" % (j, fmt(g[j])))
    return "\n".join(lines) + "\n"


def fixture_numbers(text):
    """Every number of a fixture, keyed by line position and word, for --check."""
    out = {}
    for ln, line in enumerate(l for l in text.splitlines() if not l.startswith("#")):
        for wi, word in enumerate(line.split()):
            try:
                out[(ln, wi)] = float(word)
            except ValueError:
                out[(ln, wi)] = word
    return out


def check(fixtures, dirpath, outdir):
    """Compare regenerated fixtures with the committed ones (relative 1e-9 on numbers: float64
    sums may be ordered differently by another torch build)."""
    bad = 0
    for name, _ in fixtures:
        fname = "model_%s.txt" % name
        with open(os.path.join(dirpath, fname)) as f:
            old = fixture_numbers(f.read())
        with open(os.path.join(outdir, fname)) as f:
            new = fixture_numbers(f.read())
        diff = [k for k in set(old) | set(new)
                if not (k in old and k in new and
                        (old[k] == new[k] or (isinstance(old[k], float) and
                                              isinstance(new[k], float) and
                                              abs(old[k] - new[k]) <= 1e-9 * abs(old[k]) + 1e-15)))]
        print("%s: %s" % (fname, "same" if not diff else "%d numbers differ" % len(diff)))
        bad += bool(diff)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--net", action="append", help="only this net (repeatable)")
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures"),
                    help="folder of the fixtures (default test/fixtures)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary folder and compare with --out")
    a = ap.parse_args()
    torch.set_num_threads(2)
    fixtures = [f for f in FIXTURES if not a.net or f[0] in a.net]
    outdir = tempfile.mkdtemp(prefix="torch_reference.") if a.check else a.out
    os.makedirs(outdir, exist_ok=True)
    for name, batch in fixtures:
        t0 = time.time()
        text = generate(name, batch, SEED)
        with open(os.path.join(outdir, "model_%s.txt" % name), "w") as f:
            f.write(text)
        print("%s: batch %d, %.1f s" % (name, batch, time.time() - t0), file=sys.stderr)
    if a.check:
        bad = check(fixtures, a.out, outdir)
        shutil.rmtree(outdir)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
