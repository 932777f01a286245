"""tools/peers/report.py - the markdown report of tools/bench_peers.sh: per cell (batch, mode) the
best and median images/s of ours and of each peer over the rounds, the ratio ours / peer (best
against best), ours against the best float32 peer, the peers' versions and backends, the settings
and load averages, and every single run.
"""
import statistics


def figures(runs, who, batch, mode):
    """(best, median, successful runs, all runs, the reasons of failures) of one cell."""
    mine = [r for r in runs if r["who"] == who and r["batch"] == batch and r["mode"] == mode]
    ok = [r["images_per_s"] for r in mine if r["images_per_s"] is not None]
    why = sorted({r["why"] for r in mine if r["images_per_s"] is None})
    if not ok:
        return None, None, 0, len(mine), why
    return max(ok), statistics.median(ok), len(ok), len(mine), why


def cell_text(fig, ours_best=None):
    best, med, n, total, why = fig
    if total == 0:
        return "—"
    if best is None:
        return "failed: " + "; ".join(why)
    text = f"{best:.1f} ({med:.1f})"
    if n < total:
        text += f" [{total - n} of {total} failed]"
    if ours_best is not None:
        text += f", **{ours_best / best:.2f}×**"
    return text


def first(runs, who, key):
    return next((r[key] for r in runs if r["who"] == who and r[key]), None)


def markdown(a, head, runs, peers_table, not_f32, cells, note):
    who = [p for p in a.peers if any(r["who"] == p for r in runs)]
    f32 = [p for p in who if p not in not_f32]
    other = [p for p in who if p in not_f32]
    label = {p: peers_table[p][4] for p in who}
    out = [f"# alexnet-cl against its peers: {head['date']}", "",
           f"{head['cpus']} CPUs ({head['cpu']}); load average {head['load_start']} at the start, "
           f"{head['load_end']} at the end; {a.rounds} interleaved rounds, timed iterations "
           f"{'max(5, 32 / batch)' if a.iters == 'auto' else a.iters}, warm-up {a.warmup}; "
           f"{head['minutes']:.1f} minutes.", "",
           f"torchvision's AlexNet, float32, all threads; ours is `alexnet bench --net {a.net}`. "
           "Each figure is images/s, best of the rounds (median in brackets); the ratio after a "
           "peer's figure is ours / that peer, best against best (above 1: ours is faster).", "",
           note, ""]
    cols = ["batch, mode", "ours"] + [label[p] for p in f32] + ["ours / best float32 peer"]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for batch, mode in cells:
        ours = figures(runs, "ours", batch, mode)
        row = [f"{batch} {'inference' if mode == 'infer' else 'training'}", cell_text(ours)]
        bests = []
        for p in f32:
            fig = figures(runs, p, batch, mode)
            row.append(cell_text(fig, ours[0]))
            if fig[0] is not None:
                bests.append((fig[0], label[p]))
        if ours[0] is not None and bests:
            b, name = max(bests)
            row.append(f"{ours[0] / b:.2f}× ({name})")
        else:
            row.append("—")
        out.append("| " + " | ".join(row) + " |")
    for p in other:
        parts = []
        for batch, mode in cells:
            fig = figures(runs, p, batch, mode)
            if fig[3]:
                ours = figures(runs, "ours", batch, mode)
                parts.append(f"batch {batch} {mode}: {cell_text(fig, ours[0])}")
        backend = first(runs, p, "backend") or ""
        out += ["", f"{label[p]} (not float32, so not in the table; {backend}): "
                + "; ".join(parts) + "."]
    out += ["", "## Versions and backends", "",
            f"- ours: alexnet-cl {head['version']}, on {first(runs, 'ours', 'backend') or '?'}"]
    for p in who:
        out.append(f"- {label[p]} {first(runs, p, 'version') or '?'}: "
                   f"{first(runs, p, 'backend') or 'no successful run'}")
    skipped = [p for p in a.peers if p not in who]
    if skipped:
        out.append(f"- not run (not set up: `tools/setup.sh peers`): {' '.join(skipped)}")
    env = (f"PEERS='{' '.join(a.peers)}' INFER_BATCHES='{' '.join(map(str, a.infer_batches))}' "
           f"TRAIN_BATCHES='{' '.join(map(str, a.train_batches))}' MODES='{' '.join(a.modes)}' "
           f"ROUNDS={a.rounds} ITERS={a.iters} WARMUP={a.warmup}")
    out += ["", f"Rerun: `{env} tools/bench_peers.sh`", "", "## Every run (images/s)", ""]
    names = ["ours"] + who
    out += ["| round | batch, mode | " + " | ".join(names) + " | load after |",
            "|" + "---|" * (len(names) + 3)]
    for rnd in range(1, a.rounds + 1):
        for batch, mode in cells:
            these = {r["who"]: r for r in runs
                     if r["round"] == rnd and r["batch"] == batch and r["mode"] == mode}
            if not these:
                continue
            vals = []
            for n in names:
                r = these.get(n)
                vals.append("—" if r is None else "failed" if r["images_per_s"] is None
                            else f"{r['images_per_s']:.2f}")
            last = max(these.values(), key=lambda r: runs.index(r))
            out.append(f"| {rnd} | {batch} {mode} | " + " | ".join(vals) + f" | {last['load']} |")
    return "\n".join(out) + "\n"
