"""tools/peers/peerlib.py - what every peer script of tools/bench_peers.sh shares: the command line,
the timing loop and the one JSON line each run prints.

Every peer times the same work as `alexnet bench --net alexnet-owt`: torchvision's AlexNet (or the
same layers and shapes), random float32 224x224 images, all CPU threads, WARMUP untimed iterations
then ITERS timed ones; images/s = batch / mean wall time per iteration. Training is one step of
forward, cross-entropy, backward and SGD (momentum 0.9, weight decay 0.0005, dropout on).
"""
import argparse
import json
import os
import sys
import time

MOMENTUM = 0.9
WEIGHT_DECAY = 0.0005
LR = 0.01
CLASSES = 1000


def parse_args(peer, doc, trains=True, extra=None):
    """The shared options (--batch --train --iters --warmup --threads) plus extra(ap)'s own."""
    ap = argparse.ArgumentParser(prog=peer, description=doc.strip().splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    if extra:
        extra(ap)
    a = ap.parse_args()
    if a.batch < 1 or a.iters < 1 or a.warmup < 0 or a.threads < 1:
        ap.error("--batch, --iters and --threads must be at least 1, --warmup at least 0")
    if a.train and not trains:
        sys.exit(f"{peer}: inference only; --train is not offered by this peer")
    return a


def need(peer, module_names):
    """Import the peer's framework, or exit naming the setup command."""
    mods = []
    for name in module_names:
        try:
            mods.append(__import__(name))
        except ImportError as e:
            sys.exit(f"{peer}: {e}; run `tools/setup.sh peers` and use that peer's "
                     "environment (tools/bench_peers.sh does)")
    return mods


def onnx_file(peer):
    """The AlexNet export shared by the ONNX Runtime and OpenVINO peers."""
    path = os.environ.get("PEERS_ONNX") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "alexnet-cl", "peers", "alexnet.onnx")
    if not os.path.isfile(path):
        sys.exit(f"{peer}: no {path}; `tools/setup.sh peers` exports it with the torch peer")
    return path


def time_steps(step, a, sync=lambda: None):
    """Run WARMUP untimed then ITERS timed steps; the mean wall time of one, in seconds."""
    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    sync()
    return (time.perf_counter() - t0) / a.iters


def emit(a, peer, version, backend, wall, **more):
    """The one machine-readable line of a run."""
    rec = {"peer": peer, "version": version, "backend": backend, "threads": a.threads,
           "batch": a.batch, "train": a.train, "iters": a.iters, "warmup": a.warmup,
           "wall_ms": round(wall * 1e3, 3), "images_per_s": round(a.batch / wall, 3)}
    rec.update(more)
    print(json.dumps(rec), flush=True)
