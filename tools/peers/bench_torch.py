"""tools/peers/bench_torch.py - the PyTorch peer: torchvision's AlexNet in eager mode, as users run
it.

torch.set_num_threads(THREADS), the oneDNN and BLAS that the installed PyTorch carries.
Inference: model.eval() under torch.no_grad(). Training: model.train(), cross-entropy, backward,
torch.optim.SGD (momentum 0.9, weight decay 0.0005). --device cuda (tools/gpu-check.sh) runs on
the GPU and waits for it before reading the clock.
Backend: from torch.__config__: oneDNN's version and whether PyTorch uses it, MKL's version, the
BLAS it was built with and the SIMD level it dispatches to.

usage: bench_torch.py --batch N [--train] [--iters N] [--warmup N] [--threads N] [--device cpu|cuda]
"""
import re
import sys

import peerlib


def backend(torch, device):
    if device == "cuda":
        return f"CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}"
    cfg = torch.__config__.show()

    def find(pattern):
        m = re.search(pattern, cfg)
        return m.group(1) if m else "?"
    use = "on" if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled else "off"
    dnnl = find(r"(?:MKL-DNN|oneDNN) (v[\d.]+)")
    mkl = find(r"Math Kernel Library Version ([\d.]+)")
    mkl = f"MKL {mkl}" if torch.backends.mkl.is_available() else "no MKL"
    blas = find(r"BLAS_INFO=(\w+)")
    simd = find(r"CPU capability usage: (\w+)")
    return f"oneDNN {dnnl} ({use}), {mkl}, BLAS {blas}, CPU capability {simd}"


def main():
    a = peerlib.parse_args("torch", __doc__, extra=lambda ap: ap.add_argument(
        "--device", choices=["cpu", "cuda"], default="cpu"))
    torch, torchvision = peerlib.need("torch", ["torch", "torchvision"])
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch: --device cuda, but this PyTorch has no CUDA device")
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    dev = torch.device(a.device)
    model = torchvision.models.alexnet().to(dev)
    x = (torch.rand(a.batch, 3, 224, 224) * 2 - 1).to(dev)
    y = torch.randint(0, peerlib.CLASSES, (a.batch,)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=peerlib.LR, momentum=peerlib.MOMENTUM,
                          weight_decay=peerlib.WEIGHT_DECAY)
    model.train(a.train)

    def step():
        if a.train:
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        else:
            with torch.no_grad():
                model(x)

    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    wall = peerlib.time_steps(step, a, sync)
    peerlib.emit(a, "torch", torch.__version__, backend(torch, a.device), wall,
                 device=a.device, threads_used=torch.get_num_threads())


if __name__ == "__main__":
    main()
