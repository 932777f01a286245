#!/usr/bin/env python3
"""tools/bench_ab.py - two settings of `alexnet bench` side by side, in interleaved pairs.

    tools/bench_ab.py [--pairs N] [--alexnet PATH] [--alexnet-b PATH] A B -- [bench options]

A and B are settings of the environment, space-separated NAME=VALUE words ('' for none), e.g.
ALEXNET_IM2COL=explicit and ALEXNET_IM2COL=implicit; with --alexnet-b, B runs another build
(old code against new: '' '' --alexnet OLD --alexnet-b NEW). Each pair runs A and B (one `alexnet
bench --json` each, after one untimed run of each to fill the tune cache), A first in odd pairs
and B first in even ones: the second run of a pair ran about 5 % faster in every layer on a
shared machine, changed or not, and alternating cancels that in the median; the report is, per
layer and direction, the median time under each setting and the median of the pairs' ratios
B / A (below 1: B faster), then the same for the wall clock per iteration. A ratio of the same
pair cancels most of what a shared machine's load does to both; the load average is printed
at the start and the end. Figures in docs/BENCH.md that compare two settings come from here.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def settings(text):
    env = {}
    for word in text.split():
        name, eq, value = word.partition("=")
        if not eq or not name:
            raise SystemExit(f"bench_ab: '{word}' is not NAME=VALUE")
        env[name] = value
    return env


def run(alexnet, env, args):
    full = dict(os.environ)
    full.update(env)
    out = subprocess.run([alexnet, "bench", "--json", *args], env=full, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench_ab: alexnet bench failed ({out.returncode}) under "
                         f"{env or 'no setting'}:\n{out.stderr.strip()}")
    return json.loads(out.stdout)


def times(report):
    """(layer, direction) -> ms, and the wall clock per iteration."""
    t = {}
    for layer in report["layers"]:
        for direction in ("forward", "backward"):
            ms = layer[f"{direction}_ms"]
            if ms > 0:
                t[(layer["name"], direction)] = ms
    t[("wall clock", "")] = report["totals"]["wall_ms"]
    return t


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=int, default=6, help="interleaved pairs (default 6)")
    p.add_argument("--alexnet", default="build/alexnet", help="the binary (default build/alexnet)")
    p.add_argument("--alexnet-b", help="B's binary (default: A's)")
    p.add_argument("a", help="setting A: NAME=VALUE words, '' for none")
    p.add_argument("b", help="setting B")
    p.add_argument("bench", nargs=argparse.REMAINDER, help="-- then alexnet bench options")
    o = p.parse_args()
    args = o.bench[1:] if o.bench[:1] == ["--"] else o.bench
    ea, eb = settings(o.a), settings(o.b)
    bin_b = o.alexnet_b or o.alexnet
    print(f"A: {o.a or '(none)'}, {o.alexnet}\nB: {o.b or '(none)'}, {bin_b}")
    print(f"alexnet bench {' '.join(args)}\nload average at the start: {load()}")
    run(o.alexnet, ea, args)
    run(bin_b, eb, args)
    pairs = []
    for i in range(o.pairs):
        if i % 2 == 0:
            ta = times(run(o.alexnet, ea, args))
            tb = times(run(bin_b, eb, args))
        else:
            tb = times(run(bin_b, eb, args))
            ta = times(run(o.alexnet, ea, args))
        pairs.append((ta, tb))
        wa, wb = ta[("wall clock", "")], tb[("wall clock", "")]
        print(f"pair {i + 1}/{o.pairs}: A {wa:.1f} ms, B {wb:.1f} ms per iteration", flush=True)
    print(f"load average at the end: {load()}\n")
    keys = [k for k in pairs[0][0] if all(k in a and k in b for a, b in pairs)]
    print(f"{'layer':<12}{'direction':<10}{'A ms':>10}{'B ms':>10}{'B / A':>8}")
    for k in keys:
        ma = statistics.median(a[k] for a, _ in pairs)
        mb = statistics.median(b[k] for _, b in pairs)
        r = statistics.median(b[k] / a[k] for a, b in pairs)
        print(f"{k[0]:<12}{k[1]:<10}{ma:>10.2f}{mb:>10.2f}{r:>8.3f}")
    print("(medians over the pairs; B / A: the median of each pair's ratio)")


if __name__ == "__main__":
    sys.exit(main())
