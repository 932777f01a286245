#!/usr/bin/env bash
# test/test_bench_ab.sh - tools/bench_ab.py on alexnet-small: two settings in 2 pairs give a line
# per pair and a table with both settings' medians and a ratio for the conv and fc layers and the
# wall clock; a word that is not NAME=VALUE and a failing bench are errors that say so.
set -u
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
tool="$(dirname "${BASH_SOURCE[0]}")/../tools/bench_ab.py"

if out=$(python3 "$tool" --pairs 2 --alexnet "$bin" ALEXNET_IM2COL=explicit \
  ALEXNET_IM2COL=implicit -- --net alexnet-small --batch 2 --iters 1 2>&1); then ok; else
  bad "bench_ab failed: $out"; fi
check 'grep -q "^pair 2/2: A [0-9.]* ms, B [0-9.]* ms per iteration$" <<<"$out"' \
  "no line for pair 2: $out"
for row in 'conv1 +forward' 'conv2 +forward' 'fc8 +forward' 'wall clock'; do
  check 'grep -Eq "^$row +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{3}$" <<<"$out"' \
    "no row '$row' with two times and a ratio: $out"
done
expect 1 "'bogus' is not NAME=VALUE" -- python3 "$tool" --pairs 1 --alexnet "$bin" \
  ALEXNET_IM2COL=explicit bogus -- --net alexnet-small --batch 2
expect 1 "ALEXNET_IM2COL=sideways: expected implicit, explicit or auto" -- python3 "$tool" \
  --pairs 1 --alexnet "$bin" '' ALEXNET_IM2COL=sideways -- --net alexnet-small --batch 2 \
  --conv im2col
clitest_done test_bench_ab
