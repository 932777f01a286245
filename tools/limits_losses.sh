#!/usr/bin/env bash
# tools/limits_losses.sh [PROFILE [ITERS]] - the paper's two-tower alexnet trains ITERS steps
# (default 3) at batch 128 split over two PoCL devices, once without a limit profile and once
# under PROFILE (default gtx580), from the same seed on the same Fashion-MNIST images; the losses
# must be equal. The tuner is off in both runs (the fixed rule picks each layer's algorithm), so
# that a choice moved by timing noise cannot make a difference that the profile did not.
# Prints both loss columns; exit 0 when they agree, 1 when not.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-gtx580}
iters=${2:-3}
bin=${ALEXNET_BIN:-build/alexnet}
work=$(mktemp -d /tmp/an_limits_XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 tools/fashion_mnist.py "$work/jpeg" --limit 400 >/dev/null
"$bin" prepare "$work/jpeg" "$work/data" --size 256 >/dev/null 2>&1
export POCL_DEVICES="pthread pthread" ALEXNET_TUNE=off
for p in none "$profile"; do
  "$bin" train --data "$work/data" --val none --net alexnet --classes auto --batch 128 \
    --epochs 100 --max-iters "$iters" --threads 2 --tensorboard off --device 0:0,0:1 \
    --limits "$p" --out "$work/$p" >"$work/$p.log" 2>&1 || { cat "$work/$p.log"; exit 1; }
done
echo "iteration, loss without a profile, loss under $profile"
paste -d, "$work/none/iterations.csv" "$work/$profile/iterations.csv" | awk -F, -v n="$iters" '
  NR > 1 { print $1 ", " $3 ", " $7; rows++; if ($3 != $7) diff++ }
  END { if (rows != n || diff) { print "MISMATCH: " diff+0 " of " rows " losses differ"; exit 1 }
        print "equal: " rows " of " rows " losses" }'
