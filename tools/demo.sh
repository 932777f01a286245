#!/usr/bin/env bash
# tools/demo.sh - the README's main job, on real data: set up and build, list the OpenCL devices,
# convert Fashion-MNIST (Debian's dataset-fashion-mnist) into a folder of JPEGs, pack it into
# shards, train alexnet-fmnist (AlexNet's layer kinds and two towers sized for 28×28 images) on
# it with the paper's SGD (momentum 0.9, weight decay 0.0005, batch 128) and a short-run schedule
# (lr 0.03, linear warm-up over 0.3 epochs, cosine decay to 0; random 28×28 crops of the 32×32
# stored images and mirrors, no PCA lighting: the images are grey), evaluate on the official test
# set (centre crop and its mirror averaged), classify a few test images and plot the curves.
# Uses the default device (the first GPU, else PoCL on the CPU); EPOCHS (default 4: training
# about 8 minutes on a quiet 2-core CPU by the README's estimate; EPOCHS=12 for about 25),
# NET (default alexnet-fmnist) and DEMO_DIR (default demo-out/) can be set; extra arguments go to
# `alexnet train`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh run
tools/build.sh
bin=build/alexnet
out=${DEMO_DIR:-demo-out}
epochs=${EPOCHS:-4}
net=${NET:-alexnet-fmnist}
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

echo "== training $net for $epochs epochs"
rm -rf "$out/run"
train_start=$(date +%s)
"$bin" train --data "$out/fashion-mnist/shards" --net "$net" --out "$out/run" \
  --epochs "$epochs" --batch 128 --lr 0.03 --lr-policy cosine --warmup-epochs 0.3 \
  --no-lighting "$@"
train_s=$(( $(date +%s) - train_start ))

echo "== evaluating on the 10,000 test images (centre crop and its mirror)"
"$bin" eval --weights "$out/run/final.weights" --data "$out/fashion-mnist/shards/val" --flip

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
