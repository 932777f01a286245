#!/usr/bin/env bash
# tools/test.sh - set up, build and run the whole test suite (CTest). The README's test command.
# With CI=true (warnings are errors there) it also runs the model, training and CLI tests again
# with two PoCL devices (POCL_DEVICES="pthread pthread": every test then sees two devices) and
# the suite once under AddressSanitizer and UndefinedBehaviorSanitizer, the threaded API tests
# under ThreadSanitizer, then smoke-fuzzes every parser of outside input
# (tools/fuzz.sh, FUZZ_SMOKE_SECONDS each, default 15). Extra arguments go to every ctest call.
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
  echo "== the suite under AddressSanitizer and UndefinedBehaviorSanitizer =="
  BUILD_DIR=build-asan tools/build.sh -DALEXNET_ASAN=ON -DALEXNET_UBSAN=ON
  # PoCL's and LLVM's own allocations are not ours to judge: leaks are not checked. oclgrind
  # preloads its own OpenCL library, which ASan refuses to follow: those ran above. The slow
  # test's host code is the same as the small split's; the tuned tests' is test_tune's.
  ASAN_OPTIONS=detect_leaks=0 ctest --test-dir build-asan -j2 --output-on-failure \
    -LE 'oclgrind|slow|tuned' "$@"
  echo "== the API's threaded tests under ThreadSanitizer =="
  # Only the tests that drive devices from several threads: test_api (two networks on one
  # handle) and test_api_devices (two devices, two threads). No suppressions are needed: PoCL and
  # LLVM are not instrumented, and nothing of ours may race.
  cmake -S . -B build-tsan -DALEXNET_TSAN=ON -DALEXNET_WERROR=ON >/dev/null
  cmake --build build-tsan -j2 --target test_api test_api_devices
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan -j2 --output-on-failure \
    -R '^test_api(_devices)?$' "$@"
  echo "== smoke fuzzing (libFuzzer, ASan+UBSan): ${FUZZ_SMOKE_SECONDS:-15} s per harness =="
  for t in $(tools/fuzz.sh list); do
    tools/fuzz.sh "$t" "${FUZZ_SMOKE_SECONDS:-15}"
  done
fi
