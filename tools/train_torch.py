#!/usr/bin/python3
"""tools/train_torch.py - train a net description in PyTorch the way `alexnet train` does.

The comparison of docs/RESULTS.md ("PyTorch with the same net and recipe"): it shows that
alexnet-cl's figure is the net's and the recipe's, not a bug's. The net is built from its
description (nets/<name>.net, read by tools/torch_reference.py's parser: towers as grouped
convolutions, LRN per tower block, the paper's or Caffe's LRN convention), initialised as the
description says (weights N(0, std²), biases the constant), and trained on the same prepared
shards (`alexnet prepare ... --size 32`: the very same pixels) with the same recipe:
  - each epoch a random order; each image a random input-sized crop of the stored square and a
    horizontal mirror with probability 1/2 (no PCA lighting: run alexnet with --no-lighting);
  - the net's preprocessing (x = (p/255·range − mean) / std; grey = the mean of R, G, B);
  - SGD with momentum and weight decay in the paper's form v ← m·v − d·ε·w − ε·g, w ← w + v;
  - the learning-rate schedule of host/train/schedule.h: linear warm-up over --warmup-epochs, then
    plateau (÷10 when the test top-1 error stops improving), step or cosine;
  - cross-entropy, with --label-smoothing EPS mixing EPS/K into every class;
  - evaluation on the centre crop (and with --flip-eval also the mean softmax of it and its mirror).
It prints one line per epoch and the final test top-1 (%), and with --log writes a log.csv like
alexnet's. Dropout masks and the random streams differ from alexnet-cl's, so figures agree in
distribution, not bit for bit.

  /usr/bin/python3 tools/train_torch.py --net nets/alexnet-fmnist.net \
      --data demo-out/fashion-mnist/shards --epochs 8 --lr 0.02 --warmup-epochs 1 --lr-policy cosine
"""
import argparse
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference  # noqa: E402  (the description parser)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_split(path):
    """A prepared split of raw records: (uint8 images N×S×S×3, int64 labels N)."""
    with open(os.path.join(path, "index.bin"), "rb") as f:
        idx = f.read()
    if idx[:8] != b"ANINDEX1":
        sys.exit("train_torch.py: %s/index.bin is not an alexnet index" % path)
    _ver, enc, size, nshards, _ncls, _pad = struct.unpack_from("<6I", idx, 8)
    count, _nbad = struct.unpack_from("<2Q", idx, 32)
    if enc != 0:
        sys.exit("train_torch.py: %s holds JPEG records; prepare it with raw records" % path)
    rec = np.frombuffer(idx, dtype=np.dtype([("shard", "<u4"), ("len", "<u4"), ("off", "<u8"),
                                             ("label", "<i4"), ("pad", "<u4")]),
                        count=count, offset=48)
    shards = [np.memmap(os.path.join(path, "shard-%05d.bin" % s), dtype=np.uint8, mode="r")
              for s in range(nshards)]
    n = size * size * 3
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    for i, r in enumerate(rec):
        o = int(r["off"])
        images[i] = shards[int(r["shard"])][o:o + n].reshape(size, size, 3)
    return images, rec["label"].astype(np.int64)


def header(path):
    """range, mean, std of the description's preprocess line."""
    pre = {"range": "255", "mean": "0", "std": "1"}
    with open(path) as f:
        for raw in f:
            words = raw.split("#", 1)[0].split()
            if words and words[0] == "preprocess":
                pre.update(t.split("=", 1) for t in words[1:])
    return float(pre["range"]), float(pre["mean"].split(",")[0]), float(pre["std"].split(",")[0])


class Net(torch.nn.Module):
    """The description's layers in the whole-net view, trainable: torch_reference.forward's
    arithmetic, with dropout at training time."""

    def __init__(self, path, seed):
        super().__init__()
        self.net, self.layers, tensors = torch_reference.parse_net(path)
        g = torch.Generator().manual_seed(seed)
        self.params = torch.nn.ParameterList()
        it = iter(tensors)
        for L in self.layers:
            if L["kind"] in ("conv", "fc"):
                (_, ws), (_, bs) = next(it), next(it)
                std, bias = float(L.get("std", 0.01)), float(L.get("bias", 0))
                self.params.append(torch.nn.Parameter(torch.randn(ws, generator=g) * std))
                self.params.append(torch.nn.Parameter(torch.full(bs, bias)))

    def forward(self, x):
        return torch_reference.forward(self.net, self.layers, list(self.params), x,
                                       self.training)


def lr_at(a, it, per_epoch, policy_lr):
    """host/train/schedule.c's rule: the policy's lr (cosine: from the iteration), times the
    linear warm-up factor (it+1)/W over the first W iterations."""
    warm = int(round(a.warmup_epochs * per_epoch))
    lr = policy_lr
    if a.lr_policy == "cosine":
        total = a.epochs * per_epoch
        t = min(max(it - warm, 0) / max(total - warm, 1), 1.0)
        lr = a.lr * 0.5 * (1 + math.cos(math.pi * t))
    if it < warm:
        lr *= (it + 1) / warm
    return lr


def to_input(u8, size, crop, pre):
    """uint8 N×S×S×3 → the net's N×1×size×size floats (random crops and mirrors when crop)."""
    rng, mean, std = pre
    x = torch.from_numpy(u8).float().mean(dim=3, keepdim=True).permute(0, 3, 1, 2)
    s = x.shape[2]
    if crop is None:
        o = (s - size) // 2
        x = x[:, :, o:o + size, o:o + size]
    else:
        ox, oy, flip = crop
        out = torch.empty((x.shape[0], 1, size, size))
        for i in range(x.shape[0]):
            v = x[i, :, oy[i]:oy[i] + size, ox[i]:ox[i] + size]
            out[i] = torch.flip(v, [2]) if flip[i] else v
        x = out
    return (x / 255.0 * rng - mean) / std


def evaluate(model, images, labels, size, pre, flip):
    model.eval()
    correct = correct_flip = 0
    with torch.no_grad():
        for i in range(0, len(images), 500):
            x = to_input(images[i:i + 500], size, None, pre)
            y = torch.from_numpy(labels[i:i + 500])
            p = F.softmax(model(x), 1)
            correct += int((p.argmax(1) == y).sum())
            if flip:
                p = p + F.softmax(model(torch.flip(x, [3])), 1)
                correct_flip += int((p.argmax(1) == y).sum())
    model.train()
    n = len(images)
    return 100.0 * correct / n, 100.0 * correct_flip / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--net", required=True, help="a net file or a built-in name (nets/NAME.net)")
    ap.add_argument("--data", required=True, help="prepared shards: DIR/train and DIR/val")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.0005)
    ap.add_argument("--lr-policy", choices=["plateau", "step", "cosine", "fixed"],
                    default="plateau")
    ap.add_argument("--warmup-epochs", type=float, default=0)
    ap.add_argument("--patience", type=int, default=1)
    ap.add_argument("--step-epochs", type=int, default=30)
    ap.add_argument("--gamma", type=float, default=0.1)
    ap.add_argument("--label-smoothing", type=float, default=0)
    ap.add_argument("--flip-eval", action="store_true", help="also score centre + mirror")
    ap.add_argument("--limit", type=int, default=0, help="only N training images (a random subset)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log", help="write a log.csv (alexnet's columns) here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    path = a.net if os.path.exists(a.net) else os.path.join(ROOT, "nets", a.net + ".net")
    model = Net(path, a.seed)
    size = model.net["input"][1]
    pre = header(path)
    t_load = time.time()
    tr_x, tr_y = read_split(os.path.join(a.data, "train"))
    te_x, te_y = read_split(os.path.join(a.data, "val"))
    rs = np.random.RandomState(a.seed)
    if a.limit:
        keep = rs.permutation(len(tr_x))[:a.limit]
        tr_x, tr_y = tr_x[keep], tr_y[keep]
    print("data: %d training and %d test images of %d×%d, loaded in %.1f s" %
          (len(tr_x), len(te_x), tr_x.shape[1], tr_x.shape[2], time.time() - t_load), flush=True)
    per_epoch = len(tr_x) // a.batch
    vel = [torch.zeros_like(p) for p in model.params]
    policy_lr, best, bad, it = a.lr, 1e9, 0, 0
    log = open(a.log, "w") if a.log else None
    if log:
        log.write("epoch,iteration,train_loss,val_loss,val_top1_err,val_top5_err,lr,seconds\n")
    t0 = time.time()
    top1 = flip1 = 0.0
    for epoch in range(a.epochs):
        order = rs.permutation(len(tr_x))
        span = tr_x.shape[1] - size + 1
        loss_sum = 0.0
        for b in range(per_epoch):
            sel = order[b * a.batch:(b + 1) * a.batch]
            crop = (rs.randint(0, span, len(sel)), rs.randint(0, span, len(sel)),
                    rs.randint(0, 2, len(sel)))
            x = to_input(tr_x[sel], size, crop, pre)
            y = torch.from_numpy(tr_y[sel])
            loss = F.cross_entropy(model(x), y, label_smoothing=a.label_smoothing)
            model.zero_grad()
            loss.backward()
            lr = lr_at(a, it, per_epoch, policy_lr)
            with torch.no_grad():
                for p, v in zip(model.params, vel):
                    v.mul_(a.momentum).add_(p, alpha=-a.weight_decay * lr).add_(p.grad, alpha=-lr)
                    p.add_(v)
            loss_sum += float(loss)
            it += 1
            if it % 100 == 0:
                print("  iteration %d: loss %.4f, lr %.4g, %.0f images/s" %
                      (it, float(loss), lr, it * a.batch / (time.time() - t0)),
                      file=sys.stderr, flush=True)
        top1, flip1 = evaluate(model, te_x, te_y, size, pre, a.flip_eval)
        err = 100.0 - top1
        secs = time.time() - t0
        print("epoch %d/%d: train loss %.4f, test top-1 %.2f%%%s, lr %.4g, %.0f s" %
              (epoch + 1, a.epochs, loss_sum / per_epoch, top1,
               " (flip-averaged %.2f%%)" % flip1 if a.flip_eval else "", lr, secs), flush=True)
        if log:
            log.write("%d,%d,%.6f,-1,%.4f,-1,%.6g,%.1f\n" %
                      (epoch + 1, it, loss_sum / per_epoch, err, lr, secs))
            log.flush()
        if err < best - 1e-9:
            best, bad = err, 0
        else:
            bad += 1
        if a.lr_policy == "plateau" and bad >= a.patience:
            policy_lr *= a.gamma
            bad = 0
        elif a.lr_policy == "step" and (epoch + 1) % a.step_epochs == 0:
            policy_lr *= a.gamma
    print("final test top-1 %.2f%%%s after %d epochs, %.1f min (PyTorch %s, %d threads)" %
          (top1, ", flip-averaged %.2f%%" % flip1 if a.flip_eval else "", a.epochs,
           (time.time() - t0) / 60, torch.__version__, a.threads))


if __name__ == "__main__":
    main()
