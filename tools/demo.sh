#!/usr/bin/env bash
# tools/demo.sh - the README's main job, on real data: set up and build, list the OpenCL devices,
# convert Fashion-MNIST (Debian's dataset-fashion-mnist) into a folder of JPEGs, pack it into
# shards at 28×28 (the images as they are), train alexnet-fmnist (AlexNet's layer kinds and two
# towers sized for 28×28 images) on it with the paper's SGD (momentum 0.9, weight decay 0.0005)
# and a short-run recipe (batch 64, lr 0.05, linear warm-up over 0.3 epochs, cosine decay to 0,
# label smoothing 0.1; mirrors, no crops and no PCA lighting: the images are grey and already
# centred), evaluate on the official test set (the image and its mirror averaged), classify a
# few test images and plot the curves. Uses the default device (the first GPU, else PoCL on the
# CPU); EPOCHS (default 8), NET (default alexnet-fmnist; `NET=alexnet-fmnist-hires EPOCHS=18
# tools/demo.sh --val none --weight-decay 0.0001` is the 30-minute run) and DEMO_DIR (default
# demo-out/) can be set; extra arguments go to `alexnet train`. Measured runs: docs/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh run
tools/build.sh
bin=build/alexnet
out=${DEMO_DIR:-demo-out}
epochs=${EPOCHS:-8}
net=${NET:-alexnet-fmnist}
mkdir -p "$out"
start=$(date +%s)

"$bin" devices
"$bin" selfcheck

if [ ! -f "$out/fashion-mnist/jpeg/synsets.txt" ]; then
  echo "== converting Fashion-MNIST to JPEG folders"
  /usr/bin/python3 tools/fashion_mnist.py "$out/fashion-mnist/jpeg"
fi
echo "== packing shards (28x28, the images as they are; resumable)"
"$bin" prepare "$out/fashion-mnist/jpeg" "$out/fashion-mnist/shards28" --size 28

echo "== training $net for $epochs epochs"
rm -rf "$out/run"
train_start=$(date +%s)
"$bin" train --data "$out/fashion-mnist/shards28" --net "$net" --out "$out/run" \
  --epochs "$epochs" --batch 64 --lr 0.05 --lr-policy cosine --warmup-epochs 0.3 \
  --label-smoothing 0.1 --no-lighting "$@"
train_s=$(( $(date +%s) - train_start ))

echo "== evaluating on the 10,000 test images (each and its mirror)"
"$bin" eval --weights "$out/run/final.weights" --data "$out/fashion-mnist/shards28/val" --flip

echo "== classifying one test image of each of three classes"
classes=("$out/fashion-mnist/jpeg/val"/*/)
imgs=()
for cls in "${classes[@]:0:3}"; do
  files=("$cls"*.JPEG)
  imgs+=("${files[0]}")
done
"$bin" classify --weights "$out/run/final.weights" --top 3 "${imgs[@]}"

/usr/bin/python3 tools/plot_log.py "$out/run/log.csv" -o "$out/run/curves.png"
echo "== done in $(( $(date +%s) - start )) s (training $train_s s, load average now" \
  "$(cut -d' ' -f1-3 /proc/loadavg)): weights $out/run/final.weights, curves $out/run/curves.png"
