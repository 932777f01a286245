#!/usr/bin/python3
"""tools/make_jpeg_cases.py - damaged and odd JPEGs, one per failure kind, for the decoder-reuse
and warning-policy tests (test/test_data_reuse.c) and the fuzz seed corpus.

Usage: /usr/bin/python3 tools/make_jpeg_cases.py OUTDIR

Writes
  OUTDIR/good/c0/b00.JPEG .. b04.JPEG   five good JPEGs (seeded smooth colour fields, PIL);
                                         OUTDIR/good/c0/bNN.rgb is PIL's RGB decoding of each
  OUTDIR/kinds.txt                       "kind verdict pil" lines: verdict is "bad" (must be
                                         skipped) or "keep" (libjpeg warns, but the decode is
                                         complete: must equal PIL's); pil is what PIL makes of the
                                         file (truncated images allowed): "same" (the undamaged
                                         image), "differs" (an image, but not that one) or "fail"
  OUTDIR/case/<kind>.JPEG                the damaged file of each kind
  OUTDIR/case/<kind>.rgb                 PIL's decoding of a "keep" file
  OUTDIR/tree-<kind>/c0/                 the damaged file as a00.JPEG (first in the listing),
                                         then the five good files
  OUTDIR/more/*.jpg                      good JPEGs of other kinds (progressive, greyscale, CMYK,
                                         4:4:4, 4:2:2, optimised Huffman tables), for the fuzz
                                         seed corpus
Every damaged file is made from a good JPEG by editing its markers, so each one fails (or warns)
in the named way and in no other.
"""
import os
import random
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_image_fixtures import smooth_image  # noqa: E402

try:
    from PIL import Image
except ImportError:
    sys.exit("make_jpeg_cases.py: PIL is missing (python3-pil); run it with /usr/bin/python3")


def segments(data):
    """(marker, start, end) of each marker segment before the scan data, then SOS's."""
    out, p = [], 2
    while p + 4 <= len(data):
        assert data[p] == 0xFF, "not at a marker at %d" % p
        m = data[p + 1]
        n = struct.unpack(">H", data[p + 2:p + 4])[0]
        out.append((m, p, p + 2 + n))
        if m == 0xDA:
            break
        p += 2 + n
    return out


def find(data, marker):
    return [s for s in segments(data) if s[0] == marker]


def scan_range(data):
    """[start, end) of the entropy-coded data: after the SOS header, up to the EOI marker."""
    sos = find(data, 0xDA)[0]
    end = data.rindex(b"\xff\xd9")
    return sos[2], end


def damaged_dqt(d):
    m, s, e = find(d, 0xDB)[0]
    return d[:s + 4] + bytes([0x0F]) + d[s + 5:]           # table index 15: "Bogus DQT index 15"


def no_dqt(d):
    for m, s, e in reversed(find(d, 0xDB)):
        d = d[:s] + d[e:]
    return d                                                # "Quantization table 0x00 not defined"


def missing_sos(d):
    m, s, e = find(d, 0xDA)[0]
    return d[:s] + b"\xff\xd9"                              # SOF, then EOI: "missing SOS marker"


def truncated(d):
    a, b = scan_range(d)
    return d[:a + (b - a) // 2]                             # "Premature end of JPEG file"


def bad_huffman(d):
    a, b = scan_range(d)
    mid = a + (b - a) // 3
    junk = b"\xff\x00" * 24                                 # 16-bit all-ones codes: no such code
    return d[:mid] + junk + d[mid + len(junk):]


def hit_marker(d):
    a, b = scan_range(d)
    mid = a + (b - a) // 3
    return d[:mid] + b"\xff\xd9"                            # scan cut short by a marker


def bogus_dims(d):
    m, s, e = find(d, 0xC0)[0]
    return d[:s + 5] + struct.pack(">HH", 0, 0) + d[s + 9:]  # 0×0: "Empty JPEG image"


def huge_dims(d):
    m, s, e = find(d, 0xC0)[0]
    return d[:s + 5] + struct.pack(">HH", 60000, 60000) + d[s + 9:]


def extraneous_eoi(d):
    end = d.rindex(b"\xff\xd9")
    return d[:end] + b"\x00" * 7 + d[end:]   # libjpeg: "N extraneous bytes before marker 0xd9"


def extraneous_sos(d):
    m, s, e = find(d, 0xDA)[0]
    return d[:s] + b"\x13\x37\x00" + d[s:]                  # garbage between two header segments


def zero_bytes(d):
    return b""


def png_data(d, rng):
    import io
    buf = io.BytesIO()
    smooth_image(rng, 40, 30).save(buf, "PNG")
    return buf.getvalue()


KINDS = [("damaged_dqt", "bad", damaged_dqt), ("no_dqt", "bad", no_dqt),
         ("missing_sos", "bad", missing_sos), ("truncated", "bad", truncated),
         ("zero_bytes", "bad", zero_bytes), ("png_data", "bad", None),
         ("bad_huffman", "bad", bad_huffman), ("hit_marker", "bad", hit_marker),
         ("bogus_dims", "bad", bogus_dims), ("huge_dims", "bad", huge_dims),
         ("extraneous_eoi", "keep", extraneous_eoi), ("extraneous_sos", "keep", extraneous_sos)]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    if os.path.exists(out):
        shutil.rmtree(out)
    rng = random.Random(20260310)
    good = os.path.join(out, "good", "c0")
    os.makedirs(good)
    names = []
    for k in range(5):
        w, h = [(80, 60), (60, 90), (70, 70), (120, 50), (64, 64)][k]
        name = "b%02d" % k
        path = os.path.join(good, name + ".JPEG")
        smooth_image(rng, w, h).save(path, "JPEG", quality=90)
        with Image.open(path) as im:
            with open(os.path.join(good, name + ".rgb"), "wb") as f:
                f.write(im.convert("RGB").tobytes())
        names.append(name)
    # the base of the damaged files: a different image, so that it is no good file's twin
    base_path = os.path.join(out, "base.jpg")
    smooth_image(rng, 72, 56).save(base_path, "JPEG", quality=90)
    with open(base_path, "rb") as f:
        base = f.read()
    from PIL import ImageFile
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    with Image.open(base_path) as im:
        base_rgb = im.convert("RGB").tobytes()

    def pil_verdict(path):
        try:
            with Image.open(path) as im:
                rgb = im.convert("RGB").tobytes()
        except Exception:
            return "fail"
        return "same" if rgb == base_rgb else "differs"

    case = os.path.join(out, "case")
    os.makedirs(case)
    lines = []
    for kind, verdict, fn in KINDS:
        blob = png_data(base, rng) if fn is None else fn(base)
        path = os.path.join(case, kind + ".JPEG")
        with open(path, "wb") as f:
            f.write(blob)
        if verdict == "keep":
            with Image.open(path) as im:
                with open(os.path.join(case, kind + ".rgb"), "wb") as f:
                    f.write(im.convert("RGB").tobytes())
        tree = os.path.join(out, "tree-" + kind, "c0")
        os.makedirs(tree)
        shutil.copy(path, os.path.join(tree, "a00.JPEG"))
        for n in names:
            shutil.copy(os.path.join(good, n + ".JPEG"), os.path.join(tree, n + ".JPEG"))
        lines.append("%s %s %s" % (kind, verdict, pil_verdict(path)))
    with open(os.path.join(out, "kinds.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    more = os.path.join(out, "more")
    os.makedirs(more)
    variants = [("progressive", "RGB", dict(quality=85, progressive=True)),
                ("grey", "L", dict(quality=90)),
                ("grey_progressive", "L", dict(quality=80, progressive=True)),
                ("cmyk", "CMYK", dict(quality=90)),
                ("rgb444", "RGB", dict(quality=95, subsampling=0)),
                ("rgb422", "RGB", dict(quality=90, subsampling=1)),
                ("optimized", "RGB", dict(quality=75, optimize=True))]
    for name, mode, kw in variants:
        smooth_image(rng, 40, 24, mode).save(os.path.join(more, name + ".jpg"), "JPEG", **kw)


if __name__ == "__main__":
    main()
