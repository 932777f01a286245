#!/usr/bin/env bash
# tools/peers/setup_peers.sh - one Python virtual environment per peer of tools/bench_peers.sh,
# from PyPI by package name, under PEERS_DIR (default ${XDG_CACHE_HOME:-~/.cache}/alexnet-cl/peers).
# Idempotent: a peer whose environment imports is left as it is. Run by `tools/setup.sh peers`
# (which first installs python3-venv); usage: tools/peers/setup_peers.sh [PEER...]
# PEERs: torch onnxruntime openvino tensorflow tinygrad (default: all). ONNX Runtime and OpenVINO
# run torchvision's AlexNet exported once to ONNX by the torch environment (PEERS_DIR/alexnet.onnx).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/alexnet-cl/peers}
all=(torch onnxruntime openvino tensorflow tinygrad)
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=("${all[@]}")

# packages and the import that proves the environment works, per peer
declare -A pkgs=(
  [torch]="torch torchvision onnx onnxscript"
  [onnxruntime]="onnxruntime numpy"
  [openvino]="openvino numpy"
  [tensorflow]="tensorflow"
  [tinygrad]="tinygrad numpy"
)
declare -A probe=(
  [torch]="import torch, torchvision, onnx"
  [onnxruntime]="import onnxruntime, numpy"
  [openvino]="import openvino, numpy"
  [tensorflow]="import tensorflow"
  [tinygrad]="import tinygrad, numpy"
)
declare -A note=(
  [torch]="PyPI's torch wheel for Linux is the CUDA build: several GB to download with its \
nvidia-* libraries, about 5.5 GB on disk, though only the CPU is used; PyPI has no CPU-only torch"
  [tensorflow]="about 2 GB on disk"
)
for p in "${peers[@]}"; do
  [ -n "${pkgs[$p]:-}" ] || { echo "setup: unknown peer '$p'; peers: ${all[*]}" >&2; exit 2; }
done
# ONNX Runtime and OpenVINO need the export, which needs the torch environment
need_onnx=0
for p in "${peers[@]}"; do
  case $p in onnxruntime|openvino) need_onnx=1 ;; esac
done
if [ $need_onnx = 1 ] && [[ " ${peers[*]} " != *" torch "* ]]; then
  peers=(torch "${peers[@]}")
fi

mkdir -p "$dir"
ok=0
for p in "${peers[@]}"; do
  venv=$dir/$p
  if [ -x "$venv/bin/python" ] &&
     TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c "${probe[$p]}" 2>/dev/null; then
    echo "setup: peer $p: present in $venv ($(du -sh "$venv" | cut -f1))"
    continue
  fi
  echo "setup: peer $p: installing ${pkgs[$p]} from PyPI into $venv${note[$p]:+ (${note[$p]})}"
  t0=$(date +%s)
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  # shellcheck disable=SC2086  # the package list is words
  if ! "$venv/bin/python" -m pip install -q ${pkgs[$p]} ||
     ! TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c "${probe[$p]}" 2>/dev/null; then
    echo "setup: peer $p: the install failed (is PyPI reachable?); 'rm -rf $venv' and retry" >&2
    ok=1
    continue
  fi
  echo "setup: peer $p: installed in $(($(date +%s) - t0)) s, $(du -sh "$venv" | cut -f1)"
done

onnx=$dir/alexnet.onnx
if [ $need_onnx = 1 ] && [ ! -s "$onnx" ]; then
  if [ -x "$dir/torch/bin/python" ]; then
    echo "setup: exporting torchvision's AlexNet to $onnx (torch environment)"
    "$dir/torch/bin/python" "$here/export_onnx.py" "$onnx" || ok=1
  else
    echo "setup: no torch environment, so no $onnx for ONNX Runtime and OpenVINO" >&2
    ok=1
  fi
fi
exit $ok
