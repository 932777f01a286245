#!/usr/bin/env bash
# tools/gpu-check.sh - the GPU run kit: everything alexnet-cl needs to be checked on a machine
# with a GPU, prepared here and carried there, and one call that runs the checks and writes one
# report.
#
#   tools/gpu-check.sh prepare
#       On a Debian 12 machine with the package registry (this one): downloads the run-time and
#       build-time libraries (OpenCL ICD loader and headers, CLBlast, clFFT, libjpeg-turbo, the C++
#       run-time, glibc's loader) as .debs, unpacks them with `dpkg -x` into .gpu-kit/root (static
#       libraries, locales and docs left out), builds alexnet-cl with its tests into build-gpukit/
#       and copies the programs into .gpu-kit/bin. .gpu-kit/ is git-ignored; carry it to the GPU
#       machine (about 15 MiB).
#   tools/gpu-check.sh [--icd auto|pocl|FILE.so] [--batch N] [--report FILE] [--quick]
#       Finds the GPU's OpenCL driver (auto: NVIDIA's libnvidia-opencl.so.1, AMD's
#       libamdocl64.so, Intel's libigdrcl.so, in the driver folders and the loader's path), writes
#       an .icd for it into .gpu-kit/icd and points OCL_ICD_VENDORS there, so that the GPU is
#       device 0:0 and nothing else is listed. `--icd pocl` uses PoCL instead, to run the whole kit
#       on a machine without a GPU. Runs the carried programs directly, else through the carried
#       glibc loader, else rebuilds there from the carried headers and libraries (needs cc and
#       cmake). Then: devices, selfcheck, the op and model tests on the GPU, bench-gemm, `bench
#       --net alexnet-owt --batch 128` (inference and training) with each GEMM backend and each
#       convolution algorithm `bench` accepts, and torchvision's AlexNet in the machine's PyTorch
#       with CUDA at the same batch (when it has one). Each step has a time limit; the whole call
#       stays well under 10 minutes (--quick: fewer iterations and combinations; --batch: another
#       batch than 128, e.g. a small one for PoCL). GPU_CHECK_SEARCH="DIR..." replaces the driver
#       folders searched (and skips ldconfig's cache), for testing the "no GPU" answer;
#       GPU_CHECK_REBUILD=1 takes the rebuild path even where the carried programs start.
#
# Exit status: 0 every step passed; 1 a step failed (the report says which); 2 bad usage;
# 3 no GPU OpenCL driver was found; 4 the kit is not prepared and cannot be prepared here.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kit=$root/.gpu-kit
arch=x86_64-linux-gnu

# Debian packages the kit carries: run time, and what a rebuild on the GPU machine needs.
run_debs=(ocl-icd-libopencl1 libclblast1 libclfft2 libturbojpeg0 libstdc++6 libgcc-s1 libc6)
dev_debs=(ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers libclblast-dev libclfft-dev
          libturbojpeg0-dev)
tests_ops=(test_gemm test_conv test_activation test_concat test_dropout test_lrn test_pool
           test_sgd test_softmax)

prepare() {
  echo "gpu-check prepare: packages into $kit/root, a build into $kit/build"
  command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
    { echo "gpu-check: prepare needs a Debian machine with apt-get and dpkg" >&2; return 4; }
  tools/setup.sh test || return 4
  rm -rf "$kit/debs" "$kit/root"
  mkdir -p "$kit/debs" "$kit/root"
  (cd "$kit/debs" && apt-get download -q "${run_debs[@]}" "${dev_debs[@]}") ||
    { echo "gpu-check: apt-get download failed (is the package registry reachable?)" >&2; return 4; }
  for d in "$kit"/debs/*.deb; do dpkg -x "$d" "$kit/root" || return 4; done
  rm -rf "$kit/debs" "$kit/root/usr/share" "$kit/root/usr/bin" "$kit/root/sbin" \
    "$kit/root/usr/sbin" "$kit/root/usr/libexec" "$kit/root/usr/lib/$arch/gconv" "$kit/build"
  find "$kit/root" -name '*.a' -delete
  BUILD_DIR=build-gpukit tools/build.sh >/dev/null || return 4
  rm -rf "$kit/bin"
  mkdir -p "$kit/bin"
  cp build-gpukit/alexnet "$kit/bin/"
  for t in "${tests_ops[@]}" test_model_torch test_model_split; do
    cp "build-gpukit/test/$t" "$kit/bin/" || return 4
  done
  strip "$kit"/bin/* 2>/dev/null
  echo "gpu-check prepare: done ($(du -sh "$kit" | cut -f1)); carry .gpu-kit"
}

# The GPU's OpenCL library: the first of the vendors' names in the usual folders and ldconfig's.
find_gpu_icd() {
  local names=(libnvidia-opencl.so.1 libamdocl64.so libigdrcl.so) dirs=(
    /usr/lib/$arch /usr/lib64 /usr/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib
    /usr/lib/$arch/nvidia /usr/lib/nvidia /opt/rocm/lib /opt/rocm/opencl/lib
    /usr/lib/$arch/intel-opencl)
  local n d
  [ -n "${GPU_CHECK_SEARCH:-}" ] && read -r -a dirs <<<"$GPU_CHECK_SEARCH"
  for n in "${names[@]}"; do
    for d in "${dirs[@]}" /usr/lib/nvidia-*; do
      [ -e "$d/$n" ] && { echo "$d/$n"; return 0; }
    done
    [ -n "${GPU_CHECK_SEARCH:-}" ] && continue
    d=$(ldconfig -p 2>/dev/null | awk -v n="$n" '$1 == n {print $NF; exit}')
    [ -n "$d" ] && { echo "$d"; return 0; }
  done
  return 1
}

icd=auto report=$root/gpu-check-report.txt quick=0 batch=128
if [ "${1:-}" = prepare ]; then prepare; exit $?; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --icd) icd=${2:?--icd needs auto, pocl or a library path}; shift 2 ;;
    --report) report=${2:?--report needs a file}; shift 2 ;;
    --quick) quick=1; shift ;;
    --batch) batch=${2:?--batch needs a number}; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
done

case "$icd" in
  auto) lib=$(find_gpu_icd) || {
          echo "gpu-check: no GPU OpenCL driver found (looked for libnvidia-opencl.so.1," \
               "libamdocl64.so, libigdrcl.so in the driver folders and ldconfig's cache)." \
               "Install the GPU's OpenCL ICD, or run with --icd pocl to check the kit on the CPU."
          exit 3; } ;;
  pocl) lib=$(sed -n 1p /etc/OpenCL/vendors/pocl.icd 2>/dev/null)
        [ -n "$lib" ] || { echo "gpu-check: --icd pocl: PoCL is not installed" >&2; exit 3; } ;;
  *) lib=$icd; [ -e "$lib" ] || { echo "gpu-check: --icd $lib: no such file" >&2; exit 3; } ;;
esac

if [ ! -x "$kit/bin/alexnet" ]; then
  echo "gpu-check: the kit is not prepared here; preparing it"
  prepare || { echo "gpu-check: run 'tools/gpu-check.sh prepare' on a Debian 12 machine and" \
                    "carry .gpu-kit" >&2; exit 4; }
fi

mkdir -p "$kit/icd"
rm -f "$kit"/icd/*.icd
echo "$lib" > "$kit/icd/gpu.icd"
export OCL_ICD_VENDORS=$kit/icd ALEXNET_DEVICE=0:0 XDG_CACHE_HOME=$kit/cache
export ALEXNET_SOURCE_DIR=$root ALEXNET_BIN=$kit/bin/alexnet
libpath=$kit/root/usr/lib/$arch:$kit/root/lib/$arch
loader=$kit/root/lib64/ld-linux-x86-64.so.2
[ -e "$loader" ] || loader=$kit/root/lib/$arch/ld-linux-x86-64.so.2

# How to start a carried program: directly with the carried libraries, else through the carried
# glibc loader (a machine whose glibc is older than Debian 12's), else rebuilt here.
mode=direct
run=(env LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
if [ "${GPU_CHECK_REBUILD:-}" = 1 ] || ! "${run[@]}" "$kit/bin/alexnet" --help >/dev/null 2>&1; then
  mode=loader
  run=("$loader" --library-path "$libpath")
  if [ "${GPU_CHECK_REBUILD:-}" = 1 ] || ! "${run[@]}" "$kit/bin/alexnet" --help >/dev/null 2>&1; then
    echo "gpu-check: the carried programs do not start here; rebuilding from the carried libraries"
    command -v cmake >/dev/null && command -v cc >/dev/null ||
      { echo "gpu-check: no cmake or cc here to rebuild with" >&2; exit 4; }
    export PKG_CONFIG_SYSROOT_DIR=$kit/root PKG_CONFIG_LIBDIR=$kit/root/usr/lib/$arch/pkgconfig
    cmake -S . -B "$kit/build-here" -DCMAKE_PREFIX_PATH="$kit/root/usr" \
      -DCMAKE_LIBRARY_PATH="$kit/root/usr/lib/$arch" -DCMAKE_INCLUDE_PATH="$kit/root/usr/include" \
      >/dev/null && cmake --build "$kit/build-here" -j"$(nproc)" >/dev/null || exit 4
    cp "$kit/build-here/alexnet" "$kit/bin/"
    for t in "${tests_ops[@]}" test_model_torch test_model_split; do
      cp "$kit/build-here/test/$t" "$kit/bin/"
    done
    mode=rebuilt
    run=(env LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  fi
fi

exec > >(tee "$report") 2>&1
failed=()
step() { # step NAME SECONDS command... : run with a time limit, record a failure
  local name=$1 limit=$2; shift 2
  echo
  echo "== $name"
  timeout "$limit" "$@"
  local rc=$?
  [ $rc -eq 0 ] || { failed+=("$name (exit $rc)"); echo "-- $name: FAILED (exit $rc)"; }
  return 0
}
echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OpenCL driver: $lib (as .gpu-kit/icd/gpu.icd); programs started $mode"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

A=$kit/bin/alexnet
iters=3
[ $quick = 1 ] && iters=1
step devices 60 "${run[@]}" "$A" devices
step selfcheck 300 "${run[@]}" "$A" selfcheck
for t in "${tests_ops[@]}"; do step "$t" 300 "${run[@]}" "$kit/bin/$t"; done
step "test_model_torch alexnet-owt alexnet" 300 "${run[@]}" "$kit/bin/test_model_torch" \
  alexnet-owt alexnet
step "test_model_split alexnet (the GPU twice)" 300 "${run[@]}" "$kit/bin/test_model_split" \
  alexnet 2 3 0:0,0:0
step bench-gemm 300 "${run[@]}" "$A" bench-gemm

# Every convolution algorithm that `bench --conv` takes (the choices its --help lists), with each
# GEMM backend; --quick: only auto, the tuned choice per layer.
convs=$("${run[@]}" "$A" bench --help 2>&1 | grep -e '--conv ALGO' | grep -o '([a-z0-9+]*|[a-z0-9|+]*)' |
        tail -1 | tr -d '()' | tr '|' ' ')
[ -n "$convs" ] || convs=default
[ $quick = 1 ] && convs=$( [[ " $convs " == *" auto "* ]] && echo auto || echo "${convs%% *}")
benches=0
for gemm in own clblast; do
  for mode_flag in "" --train; do
    for conv in $convs; do
      cflag=()
      [ "$conv" != default ] && cflag=(--conv "$conv")
      benches=$((benches + 1))
      step "bench alexnet-owt batch $batch ${mode_flag:-inference} gemm=$gemm conv=$conv" 240 \
        env ALEXNET_GEMM=$gemm "${run[@]}" "$A" bench --net alexnet-owt --batch "$batch" $mode_flag \
        --iters $iters "${cflag[@]}"
    done
  done
done
[ $benches -gt 0 ] || failed+=("bench: no configuration ran")

# The peer: torchvision's AlexNet in this machine's PyTorch with CUDA, at the same batch.
if python3 -c 'import torch, torchvision, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  for mode_flag in "" --train; do
    step "PyTorch CUDA alexnet batch $batch ${mode_flag:-inference}" 240 \
      python3 tools/peers/bench_torch.py --device cuda --batch "$batch" $mode_flag --iters $((iters * 3))
  done
else
  echo
  echo "== PyTorch with CUDA: not on this machine (python3 -c 'import torch' with CUDA failed)"
fi

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "gpu-check: every step passed; report: $report"
  exit 0
fi
echo "gpu-check: ${#failed[@]} step(s) failed:"
printf '  %s\n' "${failed[@]}"
echo "report: $report"
exit 1
