#!/usr/bin/env bash
# tools/demo.sh - the README's main job, on real data: set up and build, list the OpenCL devices,
# convert Fashion-MNIST (Debian's dataset-fashion-mnist) into a folder of JPEGs, pack it into
# shards, train the small two-tower AlexNet on it with the paper's recipe (SGD, momentum 0.9,
# weight decay 0.0005, lr divided by 10 on a plateau; lr 0.02 for this small net), evaluate on
# the official test set, classify a few test images and plot the curves.
# Uses the default device (the first GPU, else PoCL on the CPU); EPOCHS (default 3) and
# DEMO_DIR (default demo-out/) can be set; extra arguments go to `alexnet train`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh run
tools/build.sh
bin=build/alexnet
out=${DEMO_DIR:-demo-out}
epochs=${EPOCHS:-3}
mkdir -p "$out"
start=$(date +%s)

"$bin" devices
"$bin" selfcheck

if [ ! -f "$out/fashion-mnist/jpeg/synsets.txt" ]; then
  echo "== converting Fashion-MNIST to JPEG folders"
  /usr/bin/python3 tools/fashion_mnist.py "$out/fashion-mnist/jpeg"
fi
echo "== packing shards (32x32, resumable)"
"$bin" prepare "$out/fashion-mnist/jpeg" "$out/fashion-mnist/shards" --size 32

echo "== training alexnet-small for $epochs epochs"
rm -rf "$out/run"
"$bin" train --data "$out/fashion-mnist/shards" --net alexnet-small --out "$out/run" \
  --epochs "$epochs" --batch 128 --lr 0.02 "$@"

echo "== evaluating on the 10,000 test images"
"$bin" eval --weights "$out/run/final.weights" --data "$out/fashion-mnist/shards/val"

echo "== classifying one test image of each of three classes"
classes=("$out/fashion-mnist/jpeg/val"/*/)
imgs=()
for cls in "${classes[@]:0:3}"; do
  files=("$cls"*.JPEG)
  imgs+=("${files[0]}")
done
"$bin" classify --weights "$out/run/final.weights" --top 3 "${imgs[@]}"

/usr/bin/python3 tools/plot_log.py "$out/run/log.csv" -o "$out/run/curves.png"
echo "== done in $(( $(date +%s) - start )) s: weights $out/run/final.weights, curves $out/run/curves.png"
