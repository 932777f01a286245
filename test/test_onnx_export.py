#!/usr/bin/python3
"""test/test_onnx_export.py TEST_API DIR - tools/weights_to_onnx.py against alexnet-cl itself.

For three nets - the built-in alexnet-small (grey, two towers, paper LRN), a two-tower net with
every kind of layer placement (grouped convs within a tower, a grouped fc, LRN on split towers,
padded max and average pooling, a layer on tower 1 alone) and a one-tower net with Caffe's LRN,
BGR input and an adaptive average pool that does not divide - random weights (the paper's
initialisation with large enough scales that LRN matters) are written as ONNX and run in ONNX
Runtime on real photos (matplotlib's sample and re-encoded crops of it, one grey); the
preprocessed inputs come from the API (`test_api --dump`). ONNX Runtime's logits must equal ours
within 1e-5 (absolute + relative) and the probabilities within 1e-5; the API's probabilities
equal `alexnet classify --json`'s. Negative control: the same model with the other LRN
convention must differ, so the test can tell. ALEXNET_ONNX_FULL=1 adds the built-in alexnet,
caffenet and alexnet-owt at full size (slow: 240 MB files).

Skipped (exit 77) with a message when onnx, onnxruntime, the photo or an OpenCL device is missing.
"""
import json
import os
import subprocess
import sys

import numpy as np

NETS = {
    "onnx-towers": """net name=onnx-towers towers=2 lrn=paper classes=12
input channels=3 size=48
preprocess range=1 mean=0.485,0.456,0.406 std=0.229,0.224,0.225 order=rgb
conv name=conv1 out=16 k=5 stride=2 pad=1 std=0.5 bias=0.1
relu name=relu1
lrn name=lrn1 size=5 alpha=0.05 beta=0.75 k=2
maxpool name=pool1 k=3 stride=2 pad=1
conv name=conv2 out=24 k=3 pad=1 groups=2 std=0.5 bias=0.1
relu name=relu2
lrn name=lrn2 size=3 alpha=0.1 beta=0.75 k=1
avgpool name=pool2 k=3 stride=2 pad=1
conv name=conv3 out=16 k=3 pad=1 input=cross std=0.3 bias=0
relu name=relu3
fc name=fc6 out=32 std=0.2 bias=0.1
relu name=relu6
dropout name=drop6 p=0.5
fc name=fc7 out=24 input=cross tower=1 std=0.5 bias=0
relu name=relu7
fc name=fc8 out=12 input=cross std=0.6 bias=0
softmax name=prob
""",
    "onnx-caffe": """net name=onnx-caffe towers=1 lrn=caffe classes=7
input channels=3 size=40
preprocess range=255 mean=104,117,123 std=58 order=bgr
conv name=conv1 out=12 k=5 stride=2 std=0.3 bias=0
relu name=relu1
maxpool name=pool1 k=2 stride=2
lrn name=lrn1 size=3 alpha=0.5 beta=0.75 k=1
conv name=conv2 out=12 k=3 pad=1 groups=3 std=0.5 bias=0.1
relu name=relu2
avgpool name=pool2 out=4
fc name=fc6 out=20 std=0.4 bias=0.1
relu name=relu6
dropout name=drop6 p=0.3
fc name=fc8 out=7 std=0.6 bias=0
softmax name=prob
""",
}
# Weight multipliers for the built-in nets, so that activations reach the size where LRN's
# alpha 1e-4 (and which convention applies it) changes the output.
GAIN = {"alexnet-small": {"conv1.weight": 40.0, "conv2.weight": 3.0},
        "alexnet": {"conv1.weight": 100.0}, "caffenet": {"conv1.weight": 100.0}}
PHOTO = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def main(argv):
    test_api, work = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    src = os.environ["ALEXNET_SOURCE_DIR"]
    alexnet = os.environ["ALEXNET_BIN"]
    try:
        import onnx
    except ImportError:
        skip("no onnx module for /usr/bin/python3 (Debian: apt-get install python3-onnx)")
    try:
        import onnxruntime as ort
    except ImportError:
        skip("no onnxruntime for /usr/bin/python3 (tools/setup.sh test installs it from PyPI "
             "when PyPI is reachable: /usr/bin/python3 -m pip install onnxruntime)")
    if not os.path.exists(PHOTO):
        skip("no photo at %s (Debian: apt-get install python3-matplotlib)" % PHOTO)
    if subprocess.run([alexnet, "devices"], capture_output=True).returncode != 0:
        skip("no OpenCL device")
    sys.path.insert(0, os.path.join(src, "tools"))
    import anweights
    from pycheck import check, done
    from PIL import Image

    os.makedirs(work, exist_ok=True)
    photo = Image.open(PHOTO).convert("RGB")
    images = [PHOTO]
    w, h = photo.size
    for name, img in (("tall", photo.crop((w // 5, 0, w // 5 + w // 2, h))),
                      ("small", photo.resize((150, 100), Image.BILINEAR)),
                      ("grey", photo.crop((0, h // 4, w, h)).convert("L"))):
        path = os.path.join(work, name + ".jpg")
        img.save(path, quality=88)
        images.append(path)

    nets = [("alexnet-small", "alexnet-small")]
    for name, text in NETS.items():
        path = os.path.join(work, name + ".net")
        with open(path, "w") as f:
            f.write(text)
        nets.append((name, path))
    if os.environ.get("ALEXNET_ONNX_FULL") == "1":
        nets += [(n, n) for n in ("alexnet", "caffenet", "alexnet-owt")]


    for seed, (name, net) in enumerate(nets, 3):
        anw = os.path.join(work, name + ".anw")
        dump = os.path.join(work, name)
        model_path = os.path.join(work, name + ".onnx")
        # (in DIR: a file named like a built-in net, as build/alexnet, would be read instead)
        subprocess.run([test_api, "--make-weights", net, str(seed), anw], check=True, cwd=work)
        if name in GAIN:  # the paper's std 0.01 makes LRN (alpha 1e-4, k 2) a no-op
            meta, tensors = anweights.read(anw)
            for t, g in GAIN[name].items():
                tensors[t] = tensors[t] * np.float32(g)
            anweights.write(anw, meta, tensors)
        subprocess.run([sys.executable, os.path.join(src, "tools", "weights_to_onnx.py"), anw,
                        model_path], check=True)
        subprocess.run([test_api, "--dump", anw, dump] + images, check=True)
        meta, tensors = anweights.read(anw)
        c, hh, ww = (int(v) for v in meta["input"].split())
        k = int(meta["num_classes"])
        n = len(images)
        x = np.fromfile(dump + ".input", np.float32).reshape(n, c, hh, ww)
        ours_logits = np.fromfile(dump + ".logits", np.float32).reshape(n, k)
        ours_probs = np.fromfile(dump + ".probs", np.float32).reshape(n, k)
        sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        logits, probs = sess.run(["logits", "prob"], {"input": x})
        err = np.abs(logits.astype(np.float64) - ours_logits)
        tol = 1e-5 + 1e-5 * np.abs(ours_logits)
        perr = np.abs(probs.astype(np.float64) - ours_probs).max()
        print("%s: logits max |diff| %.3g (max |logit| %.3g), probabilities max |diff| %.3g"
              % (name, err.max(), np.abs(ours_logits).max(), perr))
        check(np.all(err <= tol), "%s: ONNX Runtime's logits differ from ours: max %g"
              % (name, err.max()))
        check(perr <= 1e-5, "%s: probabilities differ by %g" % (name, perr))
        check(np.ptp(ours_probs, axis=1).min() > 1e-3, "%s: near-uniform outputs test nothing"
              % name)

        # The other LRN convention must give other numbers (the test can tell them apart).
        model = onnx.load(model_path)
        lrns = [node for node in model.graph.node if node.op_type == "LRN"]
        if lrns:
            for node in lrns:
                size = next(a.i for a in node.attribute if a.name == "size")
                for a in node.attribute:
                    if a.name == "alpha":
                        a.f = a.f / size if meta["lrn"] == "paper" else a.f * size
            wrong = ort.InferenceSession(model.SerializeToString(),
                                         providers=["CPUExecutionProvider"])
            wl = wrong.run(["logits"], {"input": x})[0]
            diff = np.abs(wl - ours_logits).max()
            print("%s: the other LRN convention changes the logits by up to %.3g" % (name, diff))
            check(diff > 1e-3, "%s: the other LRN convention differs by only %g" % (name, diff))

        # The API's probabilities are `alexnet classify`'s.
        out = subprocess.run([alexnet, "classify", "--weights", anw, "--json", "--top", str(k)]
                             + images, capture_output=True, text=True)
        check(out.returncode == 0, "%s: alexnet classify: %s" % (name, out.stderr))
        if out.returncode == 0:
            cl = json.loads(out.stdout)
            cp = np.zeros((n, k))
            for i, e in enumerate(cl):
                for t in e["top"]:
                    cp[i, t["class"]] = t["probability"]
            check(np.abs(cp - ours_probs).max() <= 1e-6, "%s: classify's probabilities differ "
                  "from the API's by %g" % (name, np.abs(cp - ours_probs).max()))
    return done("test_onnx_export")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
