#!/usr/bin/python3
"""tools/bench_pytorch.py - the peer of `alexnet bench`: torchvision's AlexNet in PyTorch on the CPU.

Run as users run PyTorch: torch.set_num_threads(THREADS) (default: the number of CPUs), the BLAS
and oneDNN that the installed PyTorch loads, random 224x224 images, warm-up iterations excluded.
Inference: model.eval() under torch.no_grad(). Training: forward, cross-entropy loss, backward and
an SGD step with momentum 0.9 and weight decay 0.0005 (the paper's recipe; dropout on).

Prints one JSON object: {"peer", "torch", "threads", "blas", "mkldnn", "batch", "train",
"iters", "warmup", "wall_ms", "images_per_s"}. "blas" names the BLAS library mapped into this
process after a matrix product (read from /proc/self/maps), so the figure says what it ran on.

usage: tools/bench_pytorch.py --batch N [--train] [--iters N] [--warmup N] [--threads N]
                              [--device cpu|cuda]
--device cuda (tools/gpu-check.sh) runs on the GPU and waits for it before reading the clock.
"""
import argparse
import json
import os
import re
import sys
import time


def loaded_blas():
    """The BLAS shared libraries this process has mapped (after a product has run)."""
    names = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if re.search(r"(openblas|libblas|mkl_|blis|atlas)", base):
                    names.add(os.path.realpath(path))
    except OSError:
        return "unknown (no /proc/self/maps)"
    return ", ".join(sorted(names)) or "none found"


def main():
    ap = argparse.ArgumentParser(description="torchvision AlexNet speed on the CPU")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    a = ap.parse_args()
    if a.batch < 1 or a.iters < 1 or a.warmup < 0 or a.threads < 1:
        ap.error("--batch, --iters and --threads must be at least 1, --warmup at least 0")
    try:
        import torch
        import torchvision
    except ImportError as e:
        sys.exit(f"bench_pytorch: {e}; install python3-torch python3-torchvision "
                 "(tools/setup.sh bench) and run with /usr/bin/python3")

    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_pytorch: --device cuda, but this PyTorch has no CUDA device")
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    dev = torch.device(a.device)
    model = torchvision.models.alexnet().to(dev)
    x = (torch.rand(a.batch, 3, 224, 224) * 2 - 1).to(dev)
    y = torch.randint(0, 1000, (a.batch,)).to(dev)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
    if a.train:
        model.train()
    else:
        model.eval()

    def step():
        if a.train:
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                model(x)

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    sync()
    wall = (time.perf_counter() - t0) / a.iters
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "device": a.device,
        "gpu": torch.cuda.get_device_name(0) if a.device == "cuda" else None,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(), "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "batch": a.batch, "train": a.train, "iters": a.iters, "warmup": a.warmup,
        "wall_ms": wall * 1e3, "images_per_s": a.batch / wall}))


if __name__ == "__main__":
    main()
