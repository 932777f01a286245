#!/usr/bin/python3
"""tools/weights_to_onnx.py - write an alexnet-cl weights file (docs/WEIGHTS.md) as an ONNX model.

    /usr/bin/python3 tools/weights_to_onnx.py NET.anw NET.onnx [--opset 13]

The model takes "input", N x C x H x W float32 already preprocessed as alexnet-cl does it (the
file's range, mean, std and channel order: `an_network_preprocess_jpeg`, docs/API.md), and gives
"logits" (the last layer before softmax) and "prob" (softmax over the classes). The net is the
one-device view of the file's description (docs/NETS.md):

- conv: Conv with the whole net's groups (an input=own layer on T split towers is T x grouped,
  as the weight's shape [out][in/groups][k][k] says), strides and symmetric pads;
- fc: Flatten (C x H x W order) then Gemm (transB); a grouped fc is Split + Gemm + Concat;
- lrn: ONNX's LRN divides alpha by size, so the paper's convention (alpha * sum of squares)
  is written as alpha * size and Caffe's (alpha / n) as alpha; on a tensor split over T towers
  the window never crosses a tower, so each tower's channels are normalised on their own
  (Split + LRN + Concat);
- maxpool, avgpool: MaxPool and AveragePool with floor rounding (ceil_mode 0) and the net's
  pads; average pooling divides by the whole window, pads included (count_include_pad 1);
  an adaptive avgpool (out=S, PyTorch's AdaptiveAvgPool2d) is two MatMuls with the averaging
  matrices, exact for any sizes;
- dropout: Identity (inference); relu: Relu; softmax: Softmax over axis 1.

Needs numpy and onnx (Debian: python3-onnx); reads the file with tools/anweights.py.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import anweights  # noqa: E402

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # pragma: no cover - a clear message rather than a trace
    sys.exit("weights_to_onnx.py: needs the onnx module (Debian: apt-get install python3-onnx); "
             "run with /usr/bin/python3")


class ExportError(Exception):
    """A description or weights file that cannot be written as ONNX."""


DEFAULTS = {
    "conv": {"stride": "1", "pad": "0", "groups": "1", "input": "own", "tower": "all"},
    "fc": {"groups": "1", "input": "own", "tower": "all"},
    "lrn": {"size": "5", "alpha": "1e-4", "beta": "0.75", "k": "2"},
    "maxpool": {"pad": "0"},
    "avgpool": {"pad": "0"},
}


def parse_net(text):
    """(header dict, [(kind, {key: value}), ...]) of a net description."""
    header, layers = {}, []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, *rest = line.split()
        if kind == "class":
            continue
        kv = {}
        for tok in rest:
            if "=" not in tok:
                raise ExportError("net description line %d: %r is not key=value" % (lineno, tok))
            k, v = tok.split("=", 1)
            kv[k] = v
        if kind in ("net", "input", "preprocess"):
            header[kind] = kv
        else:
            layers.append((kind, dict(DEFAULTS.get(kind, {}), **kv)))
    return header, layers


def adaptive_matrix(n_in, n_out):
    """[n_out][n_in]: row i averages [floor(i*In/Out), ceil((i+1)*In/Out)), as PyTorch."""
    a = np.zeros((n_out, n_in), np.float32)
    for i in range(n_out):
        lo = (i * n_in) // n_out
        hi = -((-(i + 1) * n_in) // n_out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


class Builder:
    """Nodes and initialisers of the graph, with fresh names."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return "%s_%d" % (base, self.count)

    def const(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), n))
        return n

    def op(self, op_type, inputs, base, n_out=1, **attrs):
        outs = [self.name(base) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0], **attrs))
        return outs if n_out > 1 else outs[0]

    def split(self, x, parts, channels, base):
        sizes = self.const(base + "_split", np.array([channels // parts] * parts, np.int64))
        return self.op("Split", [x, sizes], base + "_part", n_out=parts, axis=1)


def convert(meta, tensors, opset=13):
    header, layers = parse_net(meta["net"])
    towers = int(header.get("net", {}).get("towers", "1"))
    lrn_convention = meta.get("lrn") or header.get("net", {}).get("lrn", "paper")
    c, h, w = (int(v) for v in meta["input"].split())
    b = Builder()
    x, dist, flat = "input", "all", False
    logits = None
    counts = {}
    for kind, kv in layers:
        counts[kind] = counts.get(kind, 0) + 1
        lname = kv.get("name", "%s%d" % (kind, counts[kind]))
        if kind in ("conv", "fc"):
            wt, bias = tensors[lname + ".weight"], tensors[lname + ".bias"]
            out = wt.shape[0]
            if kind == "conv":
                k, s, p = int(kv["k"]), int(kv["stride"]), int(kv["pad"])
                groups = c // wt.shape[1]
                if groups * wt.shape[1] != c or wt.shape[2:] != (k, k):
                    raise ExportError("%s.weight %s does not fit %d input channels, k=%d"
                                      % (lname, list(wt.shape), c, k))
                params = [b.const(lname + ".weight", wt), b.const(lname + ".bias", bias)]
                x = b.op("Conv", [x] + params, lname, group=groups, kernel_shape=[k, k],
                         strides=[s, s], pads=[p, p, p, p])
                h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            else:
                if not flat:
                    x = b.op("Flatten", [x], lname + "_flat", axis=1)
                    c, h, w, flat = c * h * w, 1, 1, True
                groups = c // wt.shape[1]
                if groups * wt.shape[1] != c:
                    raise ExportError("%s.weight %s does not fit %d inputs"
                                      % (lname, list(wt.shape), c))
                if groups == 1:
                    x = b.op("Gemm", [x, b.const(lname + ".weight", wt),
                                      b.const(lname + ".bias", bias)], lname, transB=1)
                else:
                    rows = out // groups
                    parts = b.split(x, groups, c, lname)
                    outs = []
                    for g, part in enumerate(parts):
                        rw = b.const(lname + ".weight", wt[g * rows:(g + 1) * rows])
                        rb = b.const(lname + ".bias", bias[g * rows:(g + 1) * rows])
                        outs.append(b.op("Gemm", [part, rw, rb], lname, transB=1))
                    x = b.op("Concat", outs, lname + "_cat", axis=1)
            c = out
            dist = "split" if kv.get("tower", "all") == "all" else "one"
        elif kind == "relu":
            x = b.op("Relu", [x], lname)
        elif kind == "dropout":
            x = b.op("Identity", [x], lname)
        elif kind == "lrn":
            size, alpha = int(kv["size"]), float(kv["alpha"])
            beta, k = float(kv["beta"]), float(kv["k"])
            onnx_alpha = alpha * size if lrn_convention == "paper" else alpha
            parts = towers if dist == "split" and towers > 1 else 1
            attrs = dict(size=size, alpha=onnx_alpha, beta=beta, bias=k)
            if parts == 1:
                x = b.op("LRN", [x], lname, **attrs)
            else:
                outs = [b.op("LRN", [part], lname, **attrs)
                        for part in b.split(x, parts, c, lname)]
                x = b.op("Concat", outs, lname + "_cat", axis=1)
        elif kind in ("maxpool", "avgpool"):
            if kind == "avgpool" and "out" in kv:
                s_out = int(kv["out"])
                aw = b.const(lname + "_w", adaptive_matrix(w, s_out).T.copy())
                ah = b.const(lname + "_h", adaptive_matrix(h, s_out))
                x = b.op("MatMul", [ah, b.op("MatMul", [x, aw], lname + "_cols")], lname)
                h = w = s_out
            else:
                k = int(kv["k"])
                s, p = int(kv.get("stride", k)), int(kv["pad"])
                attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p], ceil_mode=0)
                if kind == "avgpool":
                    attrs["count_include_pad"] = 1
                x = b.op("MaxPool" if kind == "maxpool" else "AveragePool", [x], lname, **attrs)
                h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        elif kind == "softmax":
            logits = x
        else:
            raise ExportError("layer kind %r has no ONNX form here" % kind)
    if logits is None:
        logits = x
    if flat:
        logits_out = b.op("Identity", [logits], "logits")
    else:
        logits_out = b.op("Flatten", [logits], "logits", axis=1)
        c = c * h * w
    prob = b.op("Softmax", [logits_out], "prob", axis=1)
    # The graph's outputs under their public names.
    b.nodes.append(helper.make_node("Identity", [logits_out], ["logits"], name="logits"))
    b.nodes.append(helper.make_node("Identity", [prob], ["prob"], name="prob"))
    ci, hi, wi = (int(v) for v in meta["input"].split())
    graph = helper.make_graph(
        b.nodes, meta.get("net_name", "alexnet-cl"),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", ci, hi, wi])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", c]),
         helper.make_tensor_value_info("prob", TensorProto.FLOAT, ["N", c])],
        b.inits)
    model = helper.make_model(graph, producer_name="alexnet-cl weights_to_onnx.py",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = min(model.ir_version, 8)  # readable by ONNX Runtime of 2022 on
    pre = {k: meta.get(k, "") for k in ("range", "mean", "std", "order", "lrn")}
    for k, v in pre.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key="alexnet-cl." + k, value=v))
    onnx.checker.check_model(model)
    return model


def main(argv):
    ap = argparse.ArgumentParser(description="Write an alexnet-cl weights file as ONNX.")
    ap.add_argument("weights")
    ap.add_argument("onnx")
    ap.add_argument("--opset", type=int, default=13)
    a = ap.parse_args(argv)
    try:
        meta, tensors = anweights.read(a.weights)
        model = convert(meta, tensors, a.opset)
    except (anweights.WeightsError, ExportError, OSError) as e:
        print("weights_to_onnx.py: %s: %s" % (a.weights, e), file=sys.stderr)
        return 1
    onnx.save(model, a.onnx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
