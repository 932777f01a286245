#!/usr/bin/env bash
# tools/setup.sh - install the Debian packages alexnet-cl needs, only those missing (idempotent).
# usage: tools/setup.sh [run|test|peers [PEER...]]   run: build and run (default); test: also what
# the tests use; peers: also one Python virtual environment per peer of tools/bench_peers.sh
# (tools/peers/setup_peers.sh: PyTorch, ONNX Runtime, OpenVINO, TensorFlow, tinygrad from PyPI),
# all of them or the PEERs named.
set -euo pipefail
what=${1:-run}
[ $# -gt 0 ] && shift
pkgs=(build-essential cmake pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
      libclblast-dev libclfft-dev libturbojpeg0-dev libjpeg62-turbo-dev python3 python3-numpy python3-pil
      python3-matplotlib dataset-fashion-mnist openmpi-bin libopenmpi-dev)
case "$what" in
  run) ;;
  test) pkgs+=(oclgrind python3-torch python3-torchvision clang python3-onnx) ;;
  peers) pkgs+=(python3-venv) ;;
  *) echo "usage: tools/setup.sh [run|test|peers [PEER...]]" >&2; exit 2 ;;
esac
if [ "$what" != peers ] && [ $# -gt 0 ]; then
  echo "setup: only 'peers' takes more arguments" >&2
  exit 2
fi
# ONNX Runtime (test_onnx_export) is not packaged by Debian: from PyPI when PyPI is reachable
# (--no-deps: numpy and protobuf come from Debian and must stay Debian's; onnxruntime imports
# without its optional extras).
pypi_onnxruntime() {
  [ "$what" = test ] || return 0
  /usr/bin/python3 -c "import onnxruntime" 2>/dev/null && return 0
  if timeout 300 /usr/bin/python3 -m pip install -q --no-deps --break-system-packages onnxruntime \
       >/dev/null 2>&1 && /usr/bin/python3 -c "import onnxruntime" 2>/dev/null; then
    echo "setup: installed onnxruntime from PyPI"
  else
    echo "setup: onnxruntime could not be installed from PyPI (unreachable?): test_onnx_export" \
         "will be skipped" >&2
  fi
}
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#pkgs[@]} packages present"
  pypi_onnxruntime
  [ "$what" != peers ] || exec "$(dirname "$0")/peers/setup_peers.sh" "$@"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
pypi_onnxruntime
[ "$what" != peers ] || exec "$(dirname "$0")/peers/setup_peers.sh" "$@"
