#!/usr/bin/python3
"""tools/fashion_mnist.py - Fashion-MNIST's IDX files into the ImageNet folder layout, as JPEGs.

Usage: /usr/bin/python3 tools/fashion_mnist.py DST [--src DIR] [--limit N] [--quality Q]

Reads train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-... from --src (default
/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist) and writes
  DST/train/<class>/00000.JPEG ...   the 60,000 training images (28×28 greyscale JPEGs)
  DST/val/<class>/00000.JPEG ...     the 10,000 test images
  DST/synsets.txt                    "<class> <name>" per line, in label order
Class folders are "0-tshirt-top" ... "9-ankle-boot", so their sorted order is the label order.
Then: alexnet prepare DST DST-shards --size 32 --synsets DST/synsets.txt
"""
import argparse
import gzip
import os
import struct
import sys
import time

try:
    from PIL import Image
except ImportError:
    sys.exit("fashion_mnist.py: PIL is missing (Debian: apt-get install python3-pil, or run "
             "tools/setup.sh); run it with /usr/bin/python3")

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def folder(k):
    slug = NAMES[k].lower().replace("/", "-").replace(" ", "-").replace("t-shirt", "tshirt")
    return "%d-%s" % (k, slug)


def read_idx(src, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(src, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            magic, = struct.unpack(">I", data[:4])
            ndim = magic & 0xff
            if magic >> 8 != 0x08:
                sys.exit("fashion_mnist.py: %s is not an unsigned-byte IDX file" % path)
            dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
            body = data[4 + 4 * ndim:]
            n = 1
            for d in dims:
                n *= d
            if len(body) != n:
                sys.exit("fashion_mnist.py: %s is truncated" % path)
            return dims, body
    sys.exit("fashion_mnist.py: %s(.gz) not found in %s (Debian: apt-get install "
             "dataset-fashion-mnist)" % (stem, src))


def convert(src, dst, split, prefix, limit, quality):
    (n, h, w), pixels = read_idx(src, prefix + "-images-idx3-ubyte")
    (nl,), labels = read_idx(src, prefix + "-labels-idx1-ubyte")
    if nl != n:
        sys.exit("fashion_mnist.py: %d images but %d labels" % (n, nl))
    if limit:
        n = min(n, limit)
    for k in range(10):
        os.makedirs(os.path.join(dst, split, folder(k)), exist_ok=True)
    size = h * w
    for i in range(n):
        label = labels[i]
        path = os.path.join(dst, split, folder(label), "%05d.JPEG" % i)
        tmp = path + ".tmp"
        img = Image.frombytes("L", (w, h), pixels[i * size:(i + 1) * size])
        img.save(tmp, "JPEG", quality=quality)
        os.replace(tmp, path)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dst")
    ap.add_argument("--src", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--limit", type=int, default=0, help="at most N images per split (tests)")
    ap.add_argument("--quality", type=int, default=95)
    a = ap.parse_args()
    t0 = time.time()
    os.makedirs(a.dst, exist_ok=True)
    ntr = convert(a.src, a.dst, "train", "train", a.limit, a.quality)
    nva = convert(a.src, a.dst, "val", "t10k", a.limit, a.quality)
    with open(os.path.join(a.dst, "synsets.txt.tmp"), "w") as f:
        for k in range(10):
            f.write("%s %s\n" % (folder(k), NAMES[k]))
    os.replace(os.path.join(a.dst, "synsets.txt.tmp"), os.path.join(a.dst, "synsets.txt"))
    print("fashion_mnist.py: %d training and %d validation images in %s (%.1f s)"
          % (ntr, nva, a.dst, time.time() - t0))


if __name__ == "__main__":
    main()
