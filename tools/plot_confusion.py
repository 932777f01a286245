#!/usr/bin/python3
"""tools/plot_confusion.py - `alexnet eval --confusion`'s CSV as a labelled heat map (matplotlib).

Usage: /usr/bin/python3 tools/plot_confusion.py FILE.csv [-o OUT.png] [--counts]

Rows are the true classes, columns the predicted ones, each row normalised by its images (the
CSV's `images` column), on a white-to-blue scale from 0 to 1, the class names on both axes
(left out beyond 60 classes, where they would not be readable). --counts writes each cell's count
in it (up to 30 classes). Default output: the CSV's name with .png. Without matplotlib,
`alexnet eval --confusion FILE.png` draws the same matrix without names.
"""
import argparse
import csv
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_confusion.py: matplotlib is missing (Debian: apt-get install "
             "python3-matplotlib); run it with /usr/bin/python3")

MAX_NAMES = 60
MAX_COUNTS = 30


def read_matrix(path):
    """(class names, rows of counts) of eval's CSV: class,images,accuracy,<name>..."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:3] != ["class", "images", "accuracy"]:
        raise ValueError("%s is not eval's confusion CSV (header class,images,accuracy,...)"
                         % path)
    names = rows[0][3:]
    counts = []
    for r in rows[1:]:
        if len(r) != len(names) + 3:
            raise ValueError("%s: row %r has %d cells, not %d" % (path, r[:1], len(r),
                                                                  len(names) + 3))
        counts.append([int(x) for x in r[3:]])
    if len(counts) != len(names):
        raise ValueError("%s: %d rows for %d classes" % (path, len(counts), len(names)))
    return names, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="the CSV of alexnet eval --confusion")
    ap.add_argument("-o", dest="out", help="output PNG (default: the CSV's name with .png)")
    ap.add_argument("--counts", action="store_true", help="write the counts in the cells")
    a = ap.parse_args()
    try:
        names, counts = read_matrix(a.csv)
    except (OSError, ValueError) as e:
        sys.stderr.write("plot_confusion.py: %s\n" % e)
        return 1
    K = len(names)
    frac = [[c / sum(row) if sum(row) else 0.0 for c in row] for row in counts]
    side = min(16.0, max(4.0, 0.35 * K + 2.5))
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    im = ax.imshow(frac, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = sum(map(sum, counts))
    right = sum(counts[i][i] for i in range(K))
    ax.set_title("%s: %d images, %.2f %% top-1 correct" % (
        os.path.basename(a.csv), total, 100.0 * right / total if total else 0.0))
    if K <= MAX_NAMES:
        ax.set_xticks(range(K))
        ax.set_yticks(range(K))
        ax.set_xticklabels(names, rotation=90)
        ax.set_yticklabels(names)
    if a.counts and K <= MAX_COUNTS:
        for y in range(K):
            for p in range(K):
                if counts[y][p]:
                    ax.text(p, y, str(counts[y][p]), ha="center", va="center", fontsize=8,
                            color="white" if frac[y][p] > 0.5 else "black")
    fig.tight_layout()
    out = a.out or os.path.splitext(a.csv)[0] + ".png"
    fig.savefig(out, dpi=100)
    print("wrote %s (%d classes)" % (out, K))
    return 0


if __name__ == "__main__":
    sys.exit(main())
