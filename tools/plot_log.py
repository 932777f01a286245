#!/usr/bin/python3
"""tools/plot_log.py - plot a training run's log.csv to a PNG (matplotlib, Agg backend).

Usage: /usr/bin/python3 tools/plot_log.py RUNDIR/log.csv [-o OUT.png]

The header names the columns (the trainer writes epoch, iteration, train_loss, val_loss,
val_top1_err, val_top5_err, lr, seconds); the script plots the ones present: the losses (with
the per-iteration training loss of iterations.csv, when it lies beside the log), the
top-1/top-5 error (%) and the learning rate (log scale), one panel each, against the iteration
(else the epoch, else the row number). Empty cells (e.g. validation columns on rows without a
validation) are skipped, so every curve joins only its own points; so are the -1 the trainer
writes in the validation columns of a run without validation (`train --val none`): losses and
error rates are never negative. It prints the columns it plotted. Default output: the log's name
with .png (RUNDIR/log.png).
"""
import argparse
import csv
import math
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_log.py: matplotlib is missing (Debian: apt-get install python3-matplotlib); "
             "run it with /usr/bin/python3")

# Panels: (title, y label, columns, log scale).
PANELS = [
    ("loss", "cross-entropy", ["train_loss", "val_loss"], False),
    ("error", "error (%)", ["val_top1_err", "val_top5_err", "train_top1_err", "train_top5_err"],
     False),
    ("learning rate", "lr", ["lr"], True),
]
X_COLUMNS = ["iteration", "epoch"]


def read_log(path):
    """Column name -> list of floats (NaN for an empty or unreadable cell)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError("%s is empty" % path)
    header = [h.strip() for h in rows[0]]
    cols = {h: [] for h in header}
    for n, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise ValueError("%s:%d: %d cells but %d columns" % (path, n, len(row), len(header)))
        for i, h in enumerate(header):
            cell = row[i].strip() if i < len(row) else ""
            try:
                cols[h].append(float(cell) if cell else math.nan)
            except ValueError:
                cols[h].append(math.nan)
    for h in cols:
        if h.startswith("val_"):
            cols[h] = [math.nan if v < 0 else v for v in cols[h]]
    return cols


def points(xs, ys):
    pts = [(x, y) for x, y in zip(xs, ys) if not (math.isnan(x) or math.isnan(y))]
    return [p[0] for p in pts], [p[1] for p in pts]


def iteration_losses(log_path):
    """The per-iteration training losses of iterations.csv beside log.csv (None if absent),
    averaged over windows of about 1 % of the run so that the curve reads through the noise."""
    path = os.path.join(os.path.dirname(os.path.abspath(log_path)), "iterations.csv")
    if not os.path.exists(path):
        return None
    it = read_log(path)
    if "iteration" not in it or "loss" not in it or not it["loss"]:
        return None
    xs, ys = points(it["iteration"], it["loss"])
    w = max(1, len(ys) // 100)
    return ([xs[i + w - 1] for i in range(0, len(ys) - w + 1, w)],
            [sum(ys[i:i + w]) / w for i in range(0, len(ys) - w + 1, w)], w)


def plot(cols, title, out, steps=None):
    xname = next((c for c in X_COLUMNS if c in cols and any(not math.isnan(v) for v in cols[c])),
                 None)
    nrows = len(next(iter(cols.values())))
    xs = cols[xname] if xname else [float(i) for i in range(nrows)]
    panels = []
    for ptitle, ylabel, names, logy in PANELS:
        present = [c for c in names if c in cols and any(not math.isnan(v) for v in cols[c])]
        if present:
            panels.append((ptitle, ylabel, present, logy))
    if not panels:
        raise ValueError("no column to plot (want some of %s)" %
                         ", ".join(c for p in PANELS for c in p[2]))
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3 * len(panels)), sharex=True,
                             squeeze=False)
    for ax, (ptitle, ylabel, present, logy) in zip(axes[:, 0], panels):
        if ptitle == "loss" and steps and xname == "iteration":
            ax.plot(steps[0], steps[1], color="0.7", linewidth=1,
                    label="train loss per iteration (mean of %d)" % steps[2])
        for c in present:
            px, py = points(xs, cols[c])
            if logy:
                keep = [i for i, y in enumerate(py) if y > 0]
                px, py = [px[i] for i in keep], [py[i] for i in keep]
            ax.plot(px, py, marker="o" if len(px) < 30 else None, markersize=3, label=c,
                    drawstyle="steps-post" if logy else "default")
        if logy and ax.lines:
            ax.set_yscale("log")
        ax.set_title(ptitle)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best")
    axes[-1, 0].set_xlabel(xname or "row")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return [c for p in panels for c in p[2]]


def main():
    ap = argparse.ArgumentParser(description="Plot a training log.csv to PNG.")
    ap.add_argument("log", help="RUNDIR/log.csv")
    ap.add_argument("-o", "--output", help="PNG to write (default: the log's name with .png)")
    a = ap.parse_args()
    out = a.output or os.path.splitext(a.log)[0] + ".png"
    try:
        cols = read_log(a.log)
        plotted = plot(cols, os.path.basename(os.path.dirname(os.path.abspath(a.log))) or a.log,
                       out, iteration_losses(a.log))
    except (OSError, ValueError) as e:
        sys.exit("plot_log.py: %s" % e)
    print("wrote %s (%s)" % (out, ", ".join(plotted)))


if __name__ == "__main__":
    main()
