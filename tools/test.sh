#!/usr/bin/env bash
# tools/test.sh - set up, build and run the whole test suite (CTest). The README's test command.
# With CI=true (warnings are errors there) it also runs the model, training and CLI tests again
# with two PoCL devices (POCL_DEVICES="pthread pthread": every test then sees two devices), a set
# of the model, training, CLI and op tests under the strict limit profile (docs/GPU.md), the
# suite once under AddressSanitizer and UndefinedBehaviorSanitizer, the threaded API tests
# under ThreadSanitizer, then smoke-fuzzes every parser of outside input
# (tools/fuzz.sh, FUZZ_SMOKE_SECONDS each, default 10). Extra arguments go to every ctest call.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh test
tools/build.sh
ctest --test-dir build -j2 --output-on-failure "$@"
if [ "${CI:-}" = true ]; then
  echo "== the model, training and command-line tests again with two PoCL devices =="
  # The ops and data tests use one device whatever the platform has, and the tests that need two
  # set POCL_DEVICES themselves: they ran above. (The Oclgrind-platform tests name PoCL's one
  # device; the slow label marks the paper's full net split, and tuned the golden tests with the
  # tuner's choices, which ran above too.)
  POCL_DEVICES="pthread pthread" ctest --test-dir build -j2 --output-on-failure \
    -L 'net|cli|train|runtime' -LE 'platform|slow|tuned' "$@"
  echo "== model, training, CLI and op tests under ALEXNET_LIMITS=strict (PoCL, Oclgrind) =="
  # A GPU's limits on PoCL (768 MiB per buffer, 256 work-items, 48 KiB local memory, no fp16 or
  # fp64), then the op tests on the Oclgrind platform (GPU-typed: the CLBlast GEMM) under them.
  # A subset, to keep CI under 20 minutes on 2 cores (this pass: about one minute): left out are the
  # heaviest op tests (gemm, winograd, fft: work-groups of 16 work-items or fewer, or the
  # driver's choice, the same under any profile; test_conv runs the own GEMM), the model tests
  # whose executor test_model_split/infer already run (PyTorch fixtures, owt, winograd, freeze,
  # eval, weights, net files), the longer CLI runs (eval, finetune, the lr schedules, tune), the
  # MPI, install and ONNX tests (no limit of theirs changes), and test_tune and test_cli_tune,
  # which check the unfiltered candidate set (test_limits checks the filtered one).
  strict_skip='gemm|conv_winograd|conv_fft|tune|cli_tune|onnx_export|api_install|weights_py'
  strict_skip+='|weights|model_torch.*|model_infer_owt|model_infer_winograd|freeze|eval|cli_eval'
  strict_skip+='|netdesc|finetune|train_schedule'
  ALEXNET_LIMITS=strict ctest --test-dir build -j2 --output-on-failure \
    -L 'ops|net|cli|train|runtime' -LE 'oclgrind|platform|slow|torch|mpi|tuned' \
    -E "^test_($strict_skip)\$" "$@"
  ALEXNET_LIMITS=strict ctest --test-dir build -j2 --output-on-failure -R '_gpu_platform$' "$@"
  echo "== the suite under AddressSanitizer and UndefinedBehaviorSanitizer =="
  # The sanitizer builds' tests use the main build's kernel caches: the kernels are the same,
  # and building them again took most of these passes' time.
  cache="-DALEXNET_TEST_CACHE_DIR=$PWD/build/test-cache"
  BUILD_DIR=build-asan tools/build.sh -DALEXNET_ASAN=ON -DALEXNET_UBSAN=ON "$cache"
  # PoCL's and LLVM's own allocations are not ours to judge: leaks are not checked. oclgrind
  # preloads its own OpenCL library, which ASan refuses to follow: those ran above. The slow
  # test's host code is the same as the small split's; the tuned tests' is test_tune's, the
  # torch-labelled one's test_features'. ALEXNET_TEST_SMALL=1: the op tests keep to their small
  # shapes, whose host code is the same as AlexNet's (the kernels are not instrumented). Left
  # out, their time all kernel builds and PoCL: test_cli_tune (the tuner's host code is
  # test_tune's), test_conv_clblast (CLBlast's own host code; our call of it is test_tune's)
  # and test_api_devices (test_api's host code, on two devices; TSan runs it below).
  ALEXNET_TEST_SMALL=1 ASAN_OPTIONS=detect_leaks=0 ctest --test-dir build-asan -j2 \
    --output-on-failure -LE 'oclgrind|slow|tuned|torch' \
    -E '^test_(cli_tune|conv_clblast|api_devices)$' "$@"
  echo "== the API's threaded tests under ThreadSanitizer =="
  # Only the tests that drive devices from several threads: test_api (two networks on one
  # handle) and test_api_devices (two devices, two threads). No suppressions are needed: PoCL and
  # LLVM are not instrumented, and nothing of ours may race.
  cmake -S . -B build-tsan -DALEXNET_TSAN=ON -DALEXNET_WERROR=ON "$cache" >/dev/null
  cmake --build build-tsan -j2 --target test_api test_api_devices
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan -j2 --output-on-failure \
    -R '^test_api(_devices)?$' "$@"
  echo "== smoke fuzzing (libFuzzer, ASan+UBSan): ${FUZZ_SMOKE_SECONDS:-10} s per harness =="
  for t in $(tools/fuzz.sh list); do
    tools/fuzz.sh "$t" "${FUZZ_SMOKE_SECONDS:-10}"
  done
fi
