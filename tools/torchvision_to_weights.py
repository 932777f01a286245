#!/usr/bin/python3
"""tools/torchvision_to_weights.py - a torchvision AlexNet state dict (.pth) as an alexnet-cl
weights file for the net alexnet-owt.

    /usr/bin/python3 tools/torchvision_to_weights.py alexnet.pth alexnet-owt.anw [--classes FILE]

torchvision's names map to the net's (nets/alexnet-owt.net):
    features.0 -> conv1, features.3 -> conv2, features.6 -> conv3, features.8 -> conv4,
    features.10 -> conv5, classifier.1 -> fc6, classifier.4 -> fc7, classifier.6 -> fc8
(.weight and .bias each); the layouts are the same ([out][in][kh][kw], [out][in]), so tensors are
copied as they are. The file carries torchvision's preprocessing: [0,1] RGB, mean
(0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). --classes FILE gives one class name per line.
A classifier with another number of outputs than 1000 (a fine-tuned model) changes fc8 and the
net's class count to match.
"""
import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import anweights  # noqa: E402

NAME_MAP = [("features.0", "conv1"), ("features.3", "conv2"), ("features.6", "conv3"),
            ("features.8", "conv4"), ("features.10", "conv5"), ("classifier.1", "fc6"),
            ("classifier.4", "fc7"), ("classifier.6", "fc8")]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
NET_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "nets",
                        "alexnet-owt.net")


def load_state_dict(path):
    import torch
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if hasattr(obj, "state_dict"):
        obj = obj.state_dict()
    sd = {}
    for k, v in obj.items():
        k = k[len("module."):] if k.startswith("module.") else k  # saved from DataParallel
        sd[k] = v.detach().cpu().numpy().astype(np.float32)
    return sd


def convert(sd, net_text, classes):
    want = {tv + s for tv, _ in NAME_MAP for s in (".weight", ".bias")}
    missing = sorted(want - set(sd))
    extra = sorted(set(sd) - want)
    if missing or extra:
        raise ValueError("not a torchvision AlexNet state dict: missing %s, unexpected %s"
                         % (missing or "nothing", extra or "nothing"))
    tensors = {}
    for tv, ours in NAME_MAP:
        tensors[ours + ".weight"] = sd[tv + ".weight"]
        tensors[ours + ".bias"] = sd[tv + ".bias"]
    n_out = tensors["fc8.weight"].shape[0]
    if n_out != 1000:
        net_text = re.sub(r"(\nfc\s+name=fc8\s+out=)\d+", r"\g<1>%d" % n_out, net_text)
        net_text = re.sub(r"classes=\d+", "classes=%d" % n_out, net_text, count=1)
    if classes and len(classes) != n_out:
        raise ValueError("%d class names for a classifier of %d outputs" % (len(classes), n_out))
    meta = anweights.make_meta(net_text, "alexnet-owt", (3, 224, 224), 1.0, MEAN, STD, "rgb",
                               lrn="paper", classes=classes)
    meta["creator"] = "torchvision_to_weights.py"
    meta["num_classes"] = str(n_out)
    return meta, tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("state_dict", help="torchvision AlexNet weights (.pth)")
    ap.add_argument("out", help="weights file to write")
    ap.add_argument("--classes", metavar="FILE", help="class names, one per line")
    ap.add_argument("--net", metavar="FILE", default=NET_FILE,
                    help="the alexnet-owt description (default: nets/alexnet-owt.net)")
    a = ap.parse_args()
    with open(a.net, encoding="utf-8") as f:
        net_text = f.read()
    classes = None
    if a.classes:
        with open(a.classes, encoding="utf-8") as f:
            classes = [line.strip() for line in f if line.strip()]
    try:
        meta, tensors = convert(load_state_dict(a.state_dict), net_text, classes)
        anweights.write(a.out, meta, tensors)
    except (ValueError, anweights.WeightsError, OSError) as e:
        sys.stderr.write("torchvision_to_weights.py: %s\n" % e)
        return 1
    total = sum(t.size for t in tensors.values())
    print("wrote %s: alexnet-owt, %d tensors, %d parameters%s" % (
        a.out, len(tensors), total, ", %d class names" % len(classes) if classes else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
