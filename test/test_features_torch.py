#!/usr/bin/python3
"""test/test_features_torch.py - `alexnet features` against PyTorch on torchvision's AlexNet.

A randomly initialised torchvision AlexNet (seeded; nothing is downloaded) is saved as .pth and
converted by tools/torchvision_to_weights.py; `alexnet features` is run on JPEGs made here (RGB of
256x256, 320x256 and 256x300, and a greyscale one) for conv1, conv5, pool5, fc6, fc7 and relu7,
and for fc7 with --ten-crop (two of the images). The reference is the same torchvision model in
float64 on the same input: the images decoded by PIL (the same libjpeg-turbo decoding,
docs/DATA.md), their central square of 256 (their shorter side is 256, so nothing is resized)
and its centre 224 crop (or the ten views, averaged after the layer), normalised as
torchvision's transforms do. A layer passes
when max|ours - torch| <= 1e-5 * max|torch| and every element is within 1e-4 of it relative
(plus 1e-5 * max|torch|); the measured figures are printed. The rows must come in the order the
files were named, and the labels file must name them.

Usage: test_features_torch.py   (ALEXNET_BIN and ALEXNET_SOURCE_DIR from ctest)
Exit 77 (skipped) when torch, torchvision or PIL cannot be imported.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SRC = os.environ.get("ALEXNET_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ALEXNET_BIN", os.path.join(SRC, "build", "alexnet"))
MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
REL_MAX = 1e-5   # max |ours - torch| over max |torch|, per layer
REL_ELEM = 1e-4  # per element, relative to itself (plus REL_MAX * max |torch|)

from pycheck import check, done  # noqa: E402


def make_images(d, Image):
    """Smooth colour fields with some fine texture (so that conv1 sees edges), as JPEGs."""
    rng = np.random.default_rng(2012)
    paths = []
    for k, (w, h, mode) in enumerate([(256, 256, "RGB"), (320, 256, "RGB"), (256, 300, "RGB"),
                                      (256, 256, "L")]):
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        img = np.empty((h, w, 3))
        for c in range(3):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (0.05 * (w * w + h * h)))
            img[:, :, c] = (rng.uniform(40, 200) + rng.uniform(-0.4, 0.4) * xx +
                            rng.uniform(-0.4, 0.4) * yy + 70 * blob +
                            25 * np.sin(xx / rng.uniform(2, 6) + yy / rng.uniform(3, 9)))
        img += rng.normal(0, 12, img.shape)
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
        if mode != "RGB":
            pil = pil.convert(mode)
        path = os.path.join(d, "img%d.jpg" % k)
        pil.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def torch_input(path, Image, ten):
    """The net's input views of one file (views x 3 x 224 x 224, float64), as eval makes them."""
    px = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    h, w = px.shape[:2]
    assert min(h, w) == 256, (path, w, h)
    y0, x0 = (h - 256) // 2, (w - 256) // 2
    sq = px[y0:y0 + 256, x0:x0 + 256]
    corners = [(0, 0), (32, 0), (0, 32), (32, 32), (16, 16)] if ten else [(16, 16)]
    views = [sq[y:y + 224, x:x + 224] for x, y in corners]
    if ten:
        views += [v[:, ::-1] for v in views]
    x = np.stack([((v / 255.0 - MEAN) / STD).transpose(2, 0, 1) for v in views])
    return np.ascontiguousarray(x)


def torch_layers(model, x, torch):
    """conv1, conv5, pool5, fc6, fc7 and relu7 of torchvision's AlexNet in eval mode."""
    f, c = model.features, model.classifier
    with torch.no_grad():  # torchvision's ReLUs work in place: each output is cloned before one
        out = {"conv1": f[0](torch.from_numpy(x))}
        out["conv5"] = f[10](f[1:10](out["conv1"].clone()))
        out["pool5"] = model.avgpool(f[11:](out["conv5"].clone()))
        out["fc6"] = c[1](torch.flatten(out["pool5"], 1))
        out["fc7"] = c[4](c[2](out["fc6"].clone()))
        out["relu7"] = c[5](out["fc7"].clone())
    return {k: t.numpy() for k, t in out.items()}


def run_features(weights, layer, images, out, extra=()):
    t0 = time.time()
    p = subprocess.run([BIN, "features", "--weights", weights, "--layer", layer, "-o", out,
                        "--threads", "2"] + list(extra) + images, capture_output=True, text=True)
    if p.returncode != 0:
        print("alexnet features --layer %s failed (%d):\n%s%s" % (layer, p.returncode, p.stdout,
                                                                 p.stderr), file=sys.stderr)
        return None, time.time() - t0
    return np.load(out), time.time() - t0


def compare(name, ours, ref):
    if ours is None or ours.shape != ref.shape:
        check(False, "%s: shape %s, torch's %s" % (name, None if ours is None else ours.shape,
                                                   ref.shape))
        return
    scale = float(np.abs(ref).max())
    diff = np.abs(ours.astype(np.float64) - ref)
    rel_max = float(diff.max()) / scale
    elem = float((diff / (np.abs(ref) + REL_MAX / REL_ELEM * scale)).max())
    print("%-16s %-18s max|torch| %.4g  max|diff| %.3g  relative %.3g  per element %.3g" % (
        name, "x".join(map(str, ours.shape)), scale, diff.max(), rel_max, elem))
    check(scale > 0 and rel_max <= REL_MAX and elem <= REL_ELEM,
          "%s: relative %.3g (limit %g), per element %.3g (limit %g)" % (name, rel_max, REL_MAX,
                                                                     elem, REL_ELEM))


def main():
    try:
        import torch
        import torchvision
        from PIL import Image
    except ImportError as e:
        print("skipped: /usr/bin/python3 cannot import torch, torchvision or PIL (%s)" % e)
        return 77
    torch.manual_seed(15)
    model = torchvision.models.alexnet().double().eval()  # random init
    with tempfile.TemporaryDirectory(prefix="test_features_torch-") as d:
        pth, anw = os.path.join(d, "tv.pth"), os.path.join(d, "tv.anw")
        torch.save(model.float().state_dict(), pth)
        model.double()
        p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tools",
                                                             "torchvision_to_weights.py"),
                            pth, anw], capture_output=True, text=True)
        if p.returncode != 0:
            check(False, "converter: %s%s" % (p.stdout, p.stderr))
            return 1
        os.remove(pth)
        images = make_images(d, Image)
        # The files in another order than made, so that the order of the rows is tested.
        order = [images[2], images[0], images[3], images[1]]
        ref = torch_layers(model, np.concatenate([torch_input(f, Image, False) for f in order]),
                           torch)
        out = os.path.join(d, "f.npy")
        for layer in ("conv1", "conv5", "pool5", "fc6", "fc7", "relu7"):
            ours, secs = run_features(anw, layer, order, out)
            compare("%s (%.1f s)" % (layer, secs), ours, ref[layer])
        labels = [line.rstrip("\n").split("\t") for line in open(os.path.join(d, "f.labels.txt"))]
        check(labels == [["-1", f] for f in order], "labels file: %r" % labels)
        # Ten views of two of them (the torch side in float64 is the test's slowest part).
        ten = np.stack([torch_layers(model, torch_input(f, Image, True), torch)["fc7"].mean(axis=0)
                        for f in order[2:]])
        ours, secs = run_features(anw, "fc7", order[2:], out, ["--ten-crop"])
        compare("fc7 ten (%.1f s)" % secs, ours, ten)
        check(np.abs(ten - ref["fc7"][2:]).max() > 100 * REL_MAX * np.abs(ten).max(),
              "the ten views' mean differs from the centre crop (else the check above is void)")
    return done("test_features_torch")


if __name__ == "__main__":
    sys.exit(main())
