#!/usr/bin/python3
"""tools/make_image_fixtures.py - image fixtures for the data tests, made with PIL at test time.

Usage: /usr/bin/python3 tools/make_image_fixtures.py OUTDIR
       /usr/bin/python3 tools/make_image_fixtures.py --bench OUTDIR [N]

Writes
  OUTDIR/ref/<name>.jpg and <name>.rgb   JPEGs and PIL's own RGB decoding of each (raw bytes,
                                         H*W*3), for comparing our decoder against PIL;
                                         OUTDIR/ref/manifest.txt lists "name width height".
  OUTDIR/tree/<class>/*.JPEG              a small folder-per-class tree with good images and one of
                                         each kind of odd or bad file: CMYK and greyscale JPEGs
                                         (to be converted), and a truncated JPEG, a corrupt header,
                                         an empty file and a PNG named .JPEG (to be skipped);
                                         OUTDIR/tree.bad lists "relative-path kind" for the bad ones.
Image content is smooth random colour fields (seeded), like photos rather than noise.

--bench writes N (default 600) ImageNet-sized JPEGs (quality 90, sides 333..500, like ILSVRC's
typical 500×375) into OUTDIR/<class>/ for `alexnet prepare` and `alexnet bench-data`: random crops,
rescales and mirrors of a real photo (matplotlib's grace_hopper.jpg when installed), else the
smooth fields.
"""
import os
import random
import sys

try:
    from PIL import Image
except ImportError:
    sys.exit("make_image_fixtures.py: PIL is missing (Debian: apt-get install python3-pil, "
             "or run tools/setup.sh); run it with /usr/bin/python3")


def smooth_image(rng, w, h, mode="RGB"):
    """A smooth colour field: a few random gradients and blobs, clipped to 0..255."""
    cx = [rng.uniform(0, w) for _ in range(3)]
    cy = [rng.uniform(0, h) for _ in range(3)]
    base = [rng.uniform(40, 200) for _ in range(3)]
    gx = [rng.uniform(-1.5, 1.5) * 100 / w for _ in range(3)]
    gy = [rng.uniform(-1.5, 1.5) * 100 / h for _ in range(3)]
    data = bytearray()
    for y in range(h):
        for x in range(w):
            for c in range(3):
                d2 = ((x - cx[c]) ** 2 + (y - cy[c]) ** 2) / (0.1 * (w * w + h * h))
                v = base[c] + gx[c] * x + gy[c] * y + 60 * (2.718281828 ** (-d2))
                data.append(max(0, min(255, int(v))))
    img = Image.frombytes("RGB", (w, h), bytes(data))
    return img.convert(mode) if mode != "RGB" else img


def bench_tree(out, n):
    rng = random.Random(2012)
    photo_path = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
    photo = Image.open(photo_path).convert("RGB") if os.path.exists(photo_path) else None
    for k in range(n):
        cls = os.path.join(out, "c%02d" % (k % 10))
        os.makedirs(cls, exist_ok=True)
        w, h = rng.choice([(500, 375), (375, 500), (500, 333), (400, 400), (500, 500)])
        if photo is not None:
            pw, ph = photo.size
            cw, ch = rng.randint(pw // 3, pw), rng.randint(ph // 3, ph)
            x, y = rng.randint(0, pw - cw), rng.randint(0, ph - ch)
            img = photo.crop((x, y, x + cw, y + ch)).resize((w, h), Image.BILINEAR)
            if rng.random() < 0.5:
                img = img.transpose(Image.FLIP_LEFT_RIGHT)
        else:
            img = smooth_image(rng, w, h)
        img.save(os.path.join(cls, "b%05d.JPEG" % k), "JPEG", quality=90)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--bench":
        bench_tree(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 600)
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rng = random.Random(20121203)
    ref = os.path.join(out, "ref")
    os.makedirs(ref, exist_ok=True)
    manifest = []
    cases = [("rgb420", 97, 61, "RGB", dict(quality=90)),
             ("rgb444", 64, 80, "RGB", dict(quality=95, subsampling=0)),
             ("grey", 75, 50, "L", dict(quality=90)),
             ("cmyk", 66, 70, "CMYK", dict(quality=92))]
    for name, w, h, mode, kw in cases:
        path = os.path.join(ref, name + ".jpg")
        smooth_image(rng, w, h, mode).save(path, "JPEG", **kw)
        with Image.open(path) as im:
            rgb = im.convert("RGB")
        with open(os.path.join(ref, name + ".rgb"), "wb") as f:
            f.write(rgb.tobytes())
        manifest.append("%s %d %d" % (name, w, h))
    with open(os.path.join(ref, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")

    tree = os.path.join(out, "tree")
    classes = ["n001_apple", "n002_boat", "n003_cat"]
    for c in classes:
        os.makedirs(os.path.join(tree, c), exist_ok=True)
    for k in range(12):
        c = classes[k % 3]
        w, h = rng.choice([(80, 60), (60, 90), (70, 70), (120, 50)])
        smooth_image(rng, w, h).save(os.path.join(tree, c, "img%02d.JPEG" % k), "JPEG", quality=90)
    smooth_image(rng, 72, 64, "CMYK").save(os.path.join(tree, classes[0], "odd_cmyk.JPEG"), "JPEG")
    smooth_image(rng, 64, 72, "L").save(os.path.join(tree, classes[1], "odd_grey.JPEG"), "JPEG")

    good = os.path.join(tree, classes[0], "img00.JPEG")
    with open(good, "rb") as f:
        data = f.read()
    bad = []

    def write(rel, blob, kind):
        with open(os.path.join(tree, rel), "wb") as f:
            f.write(blob)
        bad.append("%s %s" % (rel, kind))

    write(classes[0] + "/bad_truncated.JPEG", data[: len(data) * 6 // 10], "truncated")
    write(classes[1] + "/bad_header.JPEG", data[:2] + bytes([0x00] * 40) + data[42:], "header")
    write(classes[2] + "/bad_empty.JPEG", b"", "empty")
    png_path = os.path.join(tree, classes[2], "bad_png.JPEG")
    smooth_image(rng, 40, 30).save(png_path, "PNG")
    bad.append(classes[2] + "/bad_png.JPEG png")
    with open(os.path.join(out, "tree.bad"), "w") as f:
        f.write("\n".join(bad) + "\n")


if __name__ == "__main__":
    main()
