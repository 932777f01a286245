#!/usr/bin/env bash
# test/test_gpu_check.sh - tools/gpu-check.sh's answers that need no GPU: no driver found (exit 3,
# saying what to install), a driver file that does not exist (3), a bad argument (2). Its full run
# needs a prepared kit and takes minutes (tools/gpu-check.sh --icd pocl runs it on the CPU).
set -u
src=${ALEXNET_SOURCE_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
empty=$(mktemp -d)
expect 3 "no GPU OpenCL driver found" -- env GPU_CHECK_SEARCH="$empty" "$src/tools/gpu-check.sh"
expect 3 "no such file" -- "$src/tools/gpu-check.sh" --icd "$empty/libnvidia-opencl.so.1"
expect 2 "unknown argument \"--bogus\"" -- "$src/tools/gpu-check.sh" --bogus
expect 0 "prepare" -- "$src/tools/gpu-check.sh" --help
rmdir "$empty"
clitest_done test_gpu_check
