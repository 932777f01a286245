#!/usr/bin/env bash
# tools/bench_peers.sh - alexnet-cl against the frameworks users install, side by side on this
# machine: torchvision's AlexNet in PyTorch, the same model exported to ONNX and run by ONNX Runtime
# and by OpenVINO (float32 forced; its default precision on a line of its own), the same net in
# TensorFlow/Keras and in tinygrad on the same OpenCL device we use; against ours
# (`alexnet bench --net alexnet-owt`). Float32, all threads; inference at batches 1, 32, 128 and
# training (one SGD step with momentum and weight decay) at 32 and 128. Rounds are interleaved
# (ours, each peer, ours, ...); it prints every run, then the best and median per cell, ours / peer,
# each peer's version and backend and the load average at start and end, and writes the report.
#
# The peers live in virtual environments made by `tools/setup.sh peers` (PyPI, several GB); one
# that is not set up is skipped with that hint. PyTorch's and ONNX Runtime's threads spin while
# they wait: run on a quiet machine or the figures mean little.
#
# usage: tools/bench_peers.sh [--help] [options]    environment (or the options in --help):
#        PEERS="torch onnxruntime openvino tensorflow tinygrad openvino-default" (PEERS= : ours
#        only) INFER_BATCHES="1 32 128" TRAIN_BATCHES="32 128" (BATCHES sets both) MODES="infer
#        train" ROUNDS=3 ITERS=auto WARMUP=1 RUN_TIMEOUT=1200 OUT=bench-peers.md
#        ALEXNET=path/to/alexnet (default: build/alexnet, built first) PEERS_DIR=...
#        PEERS=torch is what tools/bench_vs_pytorch.sh used to do.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ALEXNET:-}" ] && [[ " $* " != *" --alexnet "* ]] && [[ " $* " != *" -h "* ]] &&
   [[ " $* " != *" --help "* ]]; then
  if ! log=$(tools/build.sh 2>&1); then
    echo "$log" >&2
    echo "bench_peers: the build failed (tools/build.sh)" >&2
    exit 1
  fi
fi
exec /usr/bin/python3 tools/peers/bench_peers.py "$@"
