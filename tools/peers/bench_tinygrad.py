"""tools/peers/bench_tinygrad.py - the tinygrad peer: torchvision's AlexNet written with tinygrad.nn
(the same layers, shapes and parameter count), on tinygrad's OpenCL backend (DEV=CL unless DEV is
set), so on this machine the same PoCL device alexnet-cl runs on. Each step is a TinyJit function,
as tinygrad is meant to be run: the jit captures on the second call, so at least 2 warm-up
iterations run whatever --warmup says (the JSON gives the count). --threads is not tinygrad's to
set: PoCL uses every core unless POCL_MAX_PTHREAD_COUNT says otherwise.

Inference: the forward pass. Training: Context(TRAINING=1), forward with dropout,
sparse_categorical_crossentropy, backward, nn.optim.SGD (momentum 0.9, weight decay 0.0005).

usage: bench_tinygrad.py --batch N [--train] [--iters N] [--warmup N]
"""
import importlib.metadata
import os

import peerlib

PARAMS = 61100840  # torchvision.models.alexnet()


def alexnet(nn):
    class AlexNet:
        def __init__(self):
            self.convs = [nn.Conv2d(3, 64, 11, stride=4, padding=2),
                          nn.Conv2d(64, 192, 5, padding=2), nn.Conv2d(192, 384, 3, padding=1),
                          nn.Conv2d(384, 256, 3, padding=1), nn.Conv2d(256, 256, 3, padding=1)]
            self.fcs = [nn.Linear(9216, 4096), nn.Linear(4096, 4096),
                        nn.Linear(4096, peerlib.CLASSES)]

        def __call__(self, x):
            c = self.convs
            x = c[0](x).relu().max_pool2d((3, 3), 2)
            x = c[1](x).relu().max_pool2d((3, 3), 2)
            x = c[4](c[3](c[2](x).relu()).relu()).relu().max_pool2d((3, 3), 2)
            x = self.fcs[0](x.flatten(1).dropout(0.5)).relu()
            x = self.fcs[1](x.dropout(0.5)).relu()
            return self.fcs[2](x)
    return AlexNet()


def main():
    a = peerlib.parse_args("tinygrad", __doc__)
    a.warmup = max(a.warmup, 2)
    os.environ.setdefault("DEV", "CL")
    (tinygrad,) = peerlib.need("tinygrad", ["tinygrad"])
    from tinygrad import Context, Device, Tensor, TinyJit, nn
    from tinygrad.nn.state import get_parameters
    Tensor.manual_seed(1)
    model = alexnet(nn)
    params = get_parameters(model)
    if sum(p.numel() for p in params) != PARAMS:
        raise SystemExit(f"tinygrad: the AlexNet has {sum(p.numel() for p in params)} parameters, "
                         f"torchvision's {PARAMS}")
    x = (Tensor.rand(a.batch, 3, 224, 224) * 2 - 1).realize()
    y = Tensor.randint(a.batch, low=0, high=peerlib.CLASSES).realize()
    opt = nn.optim.SGD(params, lr=peerlib.LR, momentum=peerlib.MOMENTUM,
                       weight_decay=peerlib.WEIGHT_DECAY)
    Tensor.realize(*params)

    @TinyJit
    def infer(x):
        return model(x).realize()

    @TinyJit
    def train(x, y):
        with Context(TRAINING=1):
            opt.zero_grad()
            loss = model(x).sparse_categorical_crossentropy(y).backward()
            opt.step()
            return loss.realize()

    dev = Device[Device.DEFAULT]
    if a.train:
        wall = peerlib.time_steps(lambda: train(x, y), a, dev.synchronize)
    else:
        wall = peerlib.time_steps(lambda: infer(x), a, dev.synchronize)
    name = getattr(dev, "device_name", "")
    driver = getattr(dev, "driver_version", "")
    peerlib.emit(a, "tinygrad", importlib.metadata.version("tinygrad"),
                 f"{Device.DEFAULT}" + (f": {name}, {driver}" if name else ""), wall)


if __name__ == "__main__":
    main()
