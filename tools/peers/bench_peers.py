"""tools/peers/bench_peers.py - the driver behind tools/bench_peers.sh: alexnet-cl's own images/s
(`alexnet bench --net alexnet-owt --json`) against each peer framework on this machine, in
interleaved rounds, with the best and median per cell, the ratios and the report.

Each round runs every cell (batch, mode) once for ours and then once for each peer, so that load
that comes and goes falls on all of them. A peer runs in its own virtual environment under
PEERS_DIR (`tools/setup.sh peers`); one that is not set up is skipped with the command that sets
it up. Every run is printed as it ends; the summary (best, median, ours / peer, versions, backends,
load averages) is printed and written as markdown to --out. Stderr of all runs goes to OUT.log.
Options default to the environment variables named in --help.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# name: (environment, script, extra arguments, trains, label in the report)
PEERS = {
    "torch": ("torch", "bench_torch.py", [], True, "PyTorch"),
    "onnxruntime": ("onnxruntime", "bench_onnxruntime.py", [], False, "ONNX Runtime"),
    "openvino": ("openvino", "bench_openvino.py", ["--precision", "f32"], False, "OpenVINO (f32)"),
    "tensorflow": ("tensorflow", "bench_tensorflow.py", [], True, "TensorFlow"),
    "tinygrad": ("tinygrad", "bench_tinygrad.py", [], True, "tinygrad"),
    "openvino-default": ("openvino", "bench_openvino.py", ["--precision", "default"], False,
                         "OpenVINO at its default precision"),
}
NOT_F32 = {"openvino-default"}  # reported on its own labelled line, not in the float32 table
SPINNING = ("Note: PyTorch's OpenMP worker threads (and ONNX Runtime's) spin while they wait, so "
            "their figures collapse when anything else runs, and they slow the others: the "
            "figures mean something only on a quiet machine.")


def env_default(name, fallback):
    return os.environ.get(name, fallback)


def parse_args():
    ap = argparse.ArgumentParser(
        prog="tools/bench_peers.sh",
        description="alexnet-cl against PyTorch, ONNX Runtime, OpenVINO, TensorFlow and tinygrad "
                    "on this machine: torchvision's AlexNet, float32, all threads, interleaved "
                    "rounds. Every option defaults to the environment variable in capitals.")
    ap.add_argument("--peers", default=env_default("PEERS", " ".join(PEERS)),
                    help="PEERS: peers to run, from: " + " ".join(PEERS) + " (empty: ours only)")
    ap.add_argument("--infer-batches", default=env_default("INFER_BATCHES",
                                                           env_default("BATCHES", "1 32 128")),
                    help="INFER_BATCHES (else BATCHES): inference batches [1 32 128]")
    ap.add_argument("--train-batches", default=env_default("TRAIN_BATCHES",
                                                           env_default("BATCHES", "32 128")),
                    help="TRAIN_BATCHES (else BATCHES): training batches [32 128]")
    ap.add_argument("--modes", default=env_default("MODES", "infer train"),
                    help="MODES: infer, train or both [infer train]")
    ap.add_argument("--rounds", type=int, default=int(env_default("ROUNDS", "3")),
                    help="ROUNDS: interleaved rounds [3]")
    ap.add_argument("--iters", default=env_default("ITERS", "auto"),
                    help="ITERS: timed iterations per run (auto: max(5, 32 / batch)) [auto]")
    ap.add_argument("--warmup", type=int, default=int(env_default("WARMUP", "1")),
                    help="WARMUP: untimed iterations first, at least 1 [1]")
    ap.add_argument("--timeout", type=int, default=int(env_default("RUN_TIMEOUT", "1200")),
                    help="RUN_TIMEOUT: seconds one run may take [1200]")
    ap.add_argument("--net", default=env_default("NET", "alexnet-owt"),
                    help="NET: our net; alexnet-owt is torchvision's AlexNet [alexnet-owt]")
    ap.add_argument("--alexnet", default=env_default("ALEXNET", os.path.join(ROOT, "build",
                                                                            "alexnet")),
                    help="ALEXNET: our binary [build/alexnet]")
    ap.add_argument("--peers-dir", default=env_default("PEERS_DIR", os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "alexnet-cl",
        "peers")), help="PEERS_DIR: the peers' environments [$XDG_CACHE_HOME/alexnet-cl/peers]")
    ap.add_argument("--out", default=env_default("OUT", "bench-peers.md"),
                    help="OUT: the markdown report; runs' stderr goes to OUT.log [bench-peers.md]")
    a = ap.parse_args()
    a.peers = a.peers.split()
    for p in a.peers:
        if p not in PEERS:
            ap.error(f"unknown peer '{p}'; peers: {' '.join(PEERS)}")
    a.modes = a.modes.split()
    for m in a.modes:
        if m not in ("infer", "train"):
            ap.error(f"unknown mode '{m}'; modes: infer train")
    try:
        a.infer_batches = [int(b) for b in a.infer_batches.split()]
        a.train_batches = [int(b) for b in a.train_batches.split()]
    except ValueError:
        ap.error("batches are whole numbers separated by spaces, e.g. BATCHES='32 128'")
    if min(a.infer_batches + a.train_batches + [1]) < 1:
        ap.error("batches must be at least 1")
    if a.iters != "auto" and (not a.iters.isdigit() or int(a.iters) < 1):
        ap.error("--iters/ITERS is 'auto' or a whole number at least 1")
    if a.rounds < 1 or a.warmup < 1 or a.timeout < 1:
        ap.error("--rounds, --warmup and --timeout must be at least 1")
    if not os.path.isdir(os.path.dirname(os.path.abspath(a.out))):
        ap.error(f"--out/OUT {a.out}: its folder does not exist")
    if not os.access(a.alexnet, os.X_OK):
        ap.error(f"no alexnet binary at {a.alexnet}: build it (tools/build.sh) or set ALEXNET")
    return a


def iters_for(a, batch):
    return int(a.iters) if a.iters != "auto" else max(5, -(-32 // batch))


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Runner:
    def __init__(self, a, log):
        self.a, self.log = a, log

    def run(self, cmd, env=None, whole=False):
        """Run one benchmark command; (its JSON: the whole output or its last line starting with
        '{', None) or (None, why it failed)."""
        self.log.write(f"\n$ {' '.join(cmd)}\n")
        self.log.flush()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True,
                               timeout=self.a.timeout, env=env, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {self.a.timeout} s"
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        if p.returncode != 0 or not lines:
            return None, f"exit {p.returncode} (see {self.log.name})"
        try:
            rec = json.loads(p.stdout if whole else lines[-1])
        except json.JSONDecodeError as e:
            return None, f"its output is not JSON ({e})"
        if not isinstance(rec, dict) or not isinstance(rec.get("images_per_s"), (int, float)):
            return None, "its JSON has no images_per_s"
        return rec, None

    def ours(self, batch, mode):
        a = self.a
        cmd = [a.alexnet, "bench", "--net", a.net, "--batch", str(batch), "--iters",
               str(iters_for(a, batch)), "--warmup", str(a.warmup), "--json"]
        if mode == "train":
            cmd.append("--train")
        rec, why = self.run(cmd, whole=True)
        if rec is None:
            return None, why
        return {"images_per_s": rec["images_per_s"],
                "backend": " + ".join(d["name"] for d in rec.get("devices", []))}, None

    def peer(self, name, batch, mode):
        a = self.a
        venv, script, extra, _, _ = PEERS[name]
        cmd = [os.path.join(a.peers_dir, venv, "bin", "python"), os.path.join(HERE, script),
               "--batch", str(batch), "--iters", str(iters_for(a, batch)),
               "--warmup", str(a.warmup)] + extra
        if mode == "train":
            cmd.append("--train")
        env = dict(os.environ, PEERS_ONNX=os.path.join(a.peers_dir, "alexnet.onnx"))
        return self.run(cmd, env)


def missing(a, name):
    """Why peer NAME cannot run here, or None."""
    venv = PEERS[name][0]
    if not os.access(os.path.join(a.peers_dir, venv, "bin", "python"), os.X_OK):
        return f"not set up (no {os.path.join(a.peers_dir, venv)}): tools/setup.sh peers {venv}"
    if venv in ("onnxruntime", "openvino") and not os.path.isfile(
            os.path.join(a.peers_dir, "alexnet.onnx")):
        return f"no {os.path.join(a.peers_dir, 'alexnet.onnx')}: tools/setup.sh peers {venv}"
    return None


def cells(a):
    out = []
    for mode in ("infer", "train"):
        if mode in a.modes:
            out += [(b, mode) for b in (a.infer_batches if mode == "infer" else a.train_batches)]
    return out


def main():
    a = parse_args()
    peers = []
    for name in a.peers:
        why = missing(a, name)
        if why:
            print(f"bench_peers: skipping {name}: {why}")
        else:
            peers.append(name)
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    start = datetime.datetime.now(datetime.timezone.utc)
    head = {"date": start.strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(), "cpu": cpu,
            "load_start": load(), "net": a.net}
    print(f"bench_peers: {head['date']}, {head['cpus']} CPUs ({cpu}), load average at start "
          f"{head['load_start']}")
    print(SPINNING)
    if float(head["load_start"].split()[0]) > 0.25 * head["cpus"]:
        print(f"WARNING: load average {head['load_start']} at start: this machine is not quiet")
    print(f"ours: {a.alexnet} bench --net {a.net}; peers: {' '.join(peers) or 'none'}; "
          f"{a.rounds} rounds, iterations {a.iters}, warm-up {a.warmup}\n", flush=True)
    runs = []  # dicts: round, batch, mode, who, images_per_s or None, why, version, backend
    t0 = time.time()
    with open(a.out + ".log", "w") as log:
        r = Runner(a, log)
        for rnd in range(1, a.rounds + 1):
            for batch, mode in cells(a):
                for who in ["ours"] + peers:
                    if who != "ours" and mode == "train" and not PEERS[who][3]:
                        continue
                    t_run = time.time()
                    if who == "ours":
                        rec, why = r.ours(batch, mode)
                    else:
                        rec, why = r.peer(who, batch, mode)
                    run = {"round": rnd, "batch": batch, "mode": mode, "who": who,
                           "images_per_s": rec and rec["images_per_s"], "why": why,
                           "version": rec and rec.get("version"),
                           "backend": rec and rec.get("backend"), "load": load()}
                    runs.append(run)
                    fig = f"{run['images_per_s']:9.2f} images/s" if rec else f"FAILED: {why}"
                    print(f"round {rnd} batch {batch:4d} {mode:5s} {who:16s} {fig} "
                          f"({time.time() - t_run:.0f} s in all, load {run['load']})", flush=True)
    head["load_end"] = load()
    head["minutes"] = (time.time() - t0) / 60
    head["version"] = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                                     capture_output=True, text=True).stdout.strip() or "?"
    text = report.markdown(a, head, runs, PEERS, NOT_F32, cells(a), SPINNING)
    with open(a.out, "w") as f:
        f.write(text)
    print("\n" + text)
    print(f"bench_peers: report written to {a.out}, every run's stderr to {a.out}.log")
    return 1 if any(run["images_per_s"] is None and run["who"] == "ours" for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
