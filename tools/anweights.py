#!/usr/bin/python3
"""tools/anweights.py - read and write alexnet-cl weights files with numpy (docs/WEIGHTS.md).

As a module:
    meta, tensors = anweights.read("net.anw")     # meta: dict of header strings,
                                                   # tensors: dict name -> float32 ndarray, in order
    anweights.write("out.anw", meta, tensors)      # atomic; fills in "tensors" and "creator"
    meta = anweights.make_meta(net_text, net_name, input_chw, range_, mean, std, order,
                               lrn="paper", classes=None)
As a command:
    anweights.py info FILE          the header and every tensor's name and shape
    anweights.py copy IN OUT        read and write again (a round trip through numpy)

Run with /usr/bin/python3 (the interpreter that has numpy).
"""
import os
import struct
import sys
import tempfile
import zlib

import numpy as np

MAGIC = b"ALEXNETW"
VERSION = 1
DATA_ALIGN = 64
HEADER_KEYS = ("creator", "net_name", "net", "lrn", "input", "range", "mean", "std", "order",
               "num_classes", "classes", "tensors")


class WeightsError(Exception):
    """A file that is not a weights file, or is truncated, corrupt or inconsistent."""


def _num(x):
    """The shortest text that reads back as the same double (as the C side writes)."""
    t = "%.15g" % x
    return t if float(t) == x else "%.17g" % x


def make_meta(net_text, net_name, input_chw, range_, mean, std, order, lrn="paper",
              classes=None):
    """A header dict from Python values (mean/std: one value or one per channel)."""
    classes = list(classes or [])
    return {
        "creator": "anweights.py",
        "net_name": net_name,
        "net": net_text,
        "lrn": lrn,
        "input": "%d %d %d" % tuple(input_chw),
        "range": _num(float(range_)),
        "mean": ",".join(_num(float(v)) for v in mean),
        "std": ",".join(_num(float(v)) for v in std),
        "order": order,
        "num_classes": "",  # filled from the last tensor by write() when left empty
        "classes": "\n".join(classes),
    }


class _Reader:
    def __init__(self, path, data):
        self.path, self.data, self.pos = path, data, 0
        self.what, self.rec_start = "the preamble", 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise WeightsError(
                "%s is truncated: it ends at byte %d, inside %s (record at byte %d needs bytes up "
                "to %d). Copy the file again or save it again."
                % (self.path, len(self.data), self.what, self.rec_start, self.pos + n))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def corrupt(self, msg):
        return WeightsError("%s is corrupt: %s, in %s (record at byte %d). Copy the file again "
                            "or save it again." % (self.path, msg, self.what, self.rec_start))

    def record(self, what):
        """Start a record: returns (tag, body length)."""
        self.what, self.rec_start = what, self.pos
        tag = bytes(self.take(4))
        (length,) = struct.unpack("<Q", self.take(8))
        if tag not in (b"HEAD", b"TENS", b"END "):
            raise self.corrupt("unknown record tag %r" % tag)
        return tag, length

    def end_record(self):
        """Check the CRC-32 of the record that began at rec_start."""
        want = zlib.crc32(self.data[self.rec_start:self.pos]) & 0xFFFFFFFF
        got = self.u32()
        if got != want:
            raise self.corrupt("checksum mismatch (CRC-32 %08x stored, %08x computed)"
                               % (got, want))


def read(path):
    """Read a weights file: (meta dict of str -> str, dict of name -> float32 ndarray)."""
    with open(path, "rb") as f:
        data = memoryview(f.read())
    r = _Reader(path, data)
    if bytes(data[:8]) != MAGIC:
        raise WeightsError('%s is not an alexnet-cl weights file (it does not start with "%s")'
                           % (path, MAGIC.decode()))
    r.take(8)
    version, _ = r.u32(), r.u32()
    if version != VERSION:
        raise WeightsError("%s is a weights file of version %d; this tool reads version %d"
                           % (path, version, VERSION))
    tag, length = r.record("the header (HEAD record)")
    if tag != b"HEAD":
        raise r.corrupt("expected the HEAD record first")
    body = bytes(r.take(length))
    r.end_record()
    meta, p = {}, 4
    try:
        (count,) = struct.unpack_from("<I", body, 0)
        for _ in range(count):
            (kl,) = struct.unpack_from("<I", body, p)
            key = body[p + 4:p + 4 + kl].decode("utf-8")
            p += 4 + kl
            (vl,) = struct.unpack_from("<I", body, p)
            meta[key] = body[p + 4:p + 4 + vl].decode("utf-8")
            p += 4 + vl
    except (struct.error, UnicodeDecodeError) as e:
        raise WeightsError("%s: malformed header: %s" % (path, e))
    tensors = {}
    while True:
        tag, length = r.record("record %d (after %d tensors)" % (len(tensors) + 2, len(tensors)))
        if tag == b"END ":
            if length != 12:
                raise r.corrupt("END record of %d bytes" % length)
            n, size = struct.unpack("<IQ", r.take(12))
            r.end_record()
            if n != len(tensors) or size != len(data):
                raise r.corrupt("END says %d tensors and %d bytes, the file has %d and %d"
                                % (n, size, len(tensors), len(data)))
            break
        if tag != b"TENS":
            raise r.corrupt("a second HEAD record")
        start = r.pos
        name = bytes(r.take(r.u32())).decode("utf-8")
        r.what = "tensor %d (%s)" % (len(tensors) + 1, name)
        ndim = r.u32()
        if not 1 <= ndim <= 8:
            raise r.corrupt("%d dimensions" % ndim)
        dims = [r.u32() for _ in range(ndim)]
        pad = (DATA_ALIGN - r.pos % DATA_ALIGN) % DATA_ALIGN
        count = int(np.prod(dims))
        if r.pos - start + pad + 4 * count != length:
            raise r.corrupt("record length %d does not fit its shape" % length)
        padding = bytes(r.take(pad))
        raw = r.take(4 * count)
        r.end_record()
        if any(padding):
            raise r.corrupt("nonzero padding before the data")
        tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(dims).astype(np.float32)
    return meta, tensors


def write(path, meta, tensors):
    """Write a weights file atomically (temporary file beside it, fsync, rename).

    meta: dict of header strings (see make_meta); tensors: name -> array (converted to float32,
    written in the dict's order)."""
    meta = dict(meta)
    names = list(tensors)
    meta["tensors"] = str(len(names))
    meta.setdefault("creator", "anweights.py")
    if not meta.get("num_classes") and names:
        meta["num_classes"] = str(np.asarray(tensors[names[-1]]).shape[0])
    missing = [k for k in HEADER_KEYS if k not in meta]
    if missing:
        raise WeightsError("header fields missing: %s" % ", ".join(missing))

    def record(out, tag, body_parts):
        body_len = sum(len(b) for b in body_parts)
        head = tag + struct.pack("<Q", body_len)
        crc = zlib.crc32(head)
        out.append(head)
        for b in body_parts:
            crc = zlib.crc32(b, crc)
            out.append(b)
        out.append(struct.pack("<I", crc & 0xFFFFFFFF))

    parts = [MAGIC + struct.pack("<II", VERSION, 0)]
    hb = [struct.pack("<I", len(meta))]
    for k in [k for k in HEADER_KEYS if k in meta] + [k for k in meta if k not in HEADER_KEYS]:
        kb, vb = k.encode("utf-8"), str(meta[k]).encode("utf-8")
        hb.append(struct.pack("<I", len(kb)) + kb + struct.pack("<I", len(vb)) + vb)
    record(parts, b"HEAD", [b"".join(hb)])
    pos = sum(len(p) for p in parts)
    for name in names:
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        nb = name.encode("utf-8")
        m = struct.pack("<I", len(nb)) + nb + struct.pack("<I", a.ndim)
        m += struct.pack("<%dI" % a.ndim, *a.shape)
        pad = (DATA_ALIGN - (pos + 12 + len(m)) % DATA_ALIGN) % DATA_ALIGN
        data = memoryview(a).cast("B")
        record(parts, b"TENS", [m, b"\0" * pad, data])
        pos += 12 + len(m) + pad + len(data) + 4
    end_total = pos + 12 + 12 + 4
    record(parts, b"END ", [struct.pack("<IQ", len(names), end_total)])

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for p in parts:
                f.write(p)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def main(argv):
    if len(argv) == 3 and argv[1] == "info":
        meta, tensors = read(argv[2])
        for k, v in meta.items():
            if k == "net":
                print("net: |\n  " + v.rstrip("\n").replace("\n", "\n  "))
            elif k == "classes":
                names = v.split("\n") if v else []
                print("classes: %d names%s" % (len(names), (" (" + ", ".join(names[:5]) +
                                                            (", ..." if len(names) > 5 else "") +
                                                            ")") if names else ""))
            else:
                print("%s: %s" % (k, v))
        total = 0
        for name, a in tensors.items():
            print("  %-16s %-20s" % (name, "x".join(map(str, a.shape))))
            total += a.size
        print("parameters: %d" % total)
        return 0
    if len(argv) == 4 and argv[1] == "copy":
        meta, tensors = read(argv[2])
        write(argv[3], meta, tensors)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (WeightsError, OSError) as e:
        sys.stderr.write("anweights.py: %s\n" % e)
        sys.exit(1)
