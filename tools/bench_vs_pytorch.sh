#!/usr/bin/env bash
# tools/bench_vs_pytorch.sh - alexnet-cl against PyTorch on the same machine, side by side.
#
# torchvision's AlexNet (`alexnet bench --net alexnet-owt`, our copy of it, against
# tools/bench_pytorch.py, PyTorch with all CPU threads and the optimised BLAS that Debian users
# have: libopenblas0-pthread, installed by `tools/setup.sh bench`), inference and training, at each
# batch. The runs are interleaved - ours, theirs, ours, theirs - so that other load on a shared
# machine falls on both; each figure is the best of ROUNDS runs, and the ratio is ours / theirs.
# The date, the load average before and after, the BLAS PyTorch loaded and every single run are
# printed, and the whole report is written to OUT (default bench-vs-pytorch.txt).
#
# usage: tools/bench_vs_pytorch.sh     environment: BATCHES="32 128" MODES="infer train"
#        ROUNDS=2 ITERS=3 WARMUP=1 OUT=FILE ALEXNET=path/to/alexnet (default build/alexnet)
#        ALEXNET_DEVICE / --device rules apply to our side as everywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHES=${BATCHES:-32 128}
MODES=${MODES:-infer train}
ROUNDS=${ROUNDS:-2}
ITERS=${ITERS:-3}
WARMUP=${WARMUP:-1}
OUT=${OUT:-bench-vs-pytorch.txt}
PY=/usr/bin/python3

tools/setup.sh bench
if [ -z "${ALEXNET:-}" ]; then
  tools/build.sh >/dev/null
  ALEXNET=build/alexnet
fi

field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

exec > >(tee "$OUT") 2>&1
echo "bench_vs_pytorch: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo "load average at start: $(load)"
peer_info=$("$PY" tools/bench_pytorch.py --batch 1 --iters 1 --warmup 0)
echo "peer: PyTorch $(field torch <<<"$peer_info"), $(field threads <<<"$peer_info") threads, oneDNN $(field mkldnn <<<"$peer_info"), BLAS: $(field blas <<<"$peer_info")"
echo "ours: $ALEXNET bench --net alexnet-owt, device(s): $("$ALEXNET" bench --net alexnet-small --batch 1 --iters 1 --json 2>/dev/null | "$PY" -c 'import json,sys; print(" + ".join(d["name"] for d in json.load(sys.stdin)["devices"]))')"
echo

declare -A best_ours best_theirs
for batch in $BATCHES; do
  for mode in $MODES; do
    flag=()
    [ "$mode" = train ] && flag=(--train)
    key="$batch $mode"
    best_ours[$key]=0
    best_theirs[$key]=0
    for r in $(seq 1 "$ROUNDS"); do
      o=$("$ALEXNET" bench --net alexnet-owt --batch "$batch" "${flag[@]}" --iters "$ITERS" \
            --warmup "$WARMUP" --json 2>/dev/null | field images_per_s)
      t=$("$PY" tools/bench_pytorch.py --batch "$batch" "${flag[@]}" --iters "$ITERS" \
            --warmup "$WARMUP" | field images_per_s)
      printf 'batch %4d %-5s round %d: alexnet-cl %7.2f images/s, PyTorch %7.2f images/s (load %s)\n' \
        "$batch" "$mode" "$r" "$o" "$t" "$(load)"
      best_ours[$key]=$("$PY" -c "print(max($o, ${best_ours[$key]}))")
      best_theirs[$key]=$("$PY" -c "print(max($t, ${best_theirs[$key]}))")
    done
  done
done

echo
echo "best of $ROUNDS interleaved rounds, $ITERS timed iterations after $WARMUP warm-up each"
printf '%-6s %-6s %12s %12s %8s\n' batch mode alexnet-cl PyTorch ratio
for batch in $BATCHES; do
  for mode in $MODES; do
    key="$batch $mode"
    "$PY" -c "o=${best_ours[$key]}; t=${best_theirs[$key]}; print('%-6s %-6s %12.2f %12.2f %7.2fx' % ('$batch', '$mode', o, t, o / t))"
  done
done
echo "load average at end: $(load)"
