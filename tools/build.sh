#!/usr/bin/env bash
# tools/build.sh - configure and build alexnet-cl into build/ (extra arguments go to cmake).
# With CI=true warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
werror=OFF
[ "${CI:-}" = true ] && werror=ON
cmake -S . -B "$dir" -DALEXNET_WERROR=$werror "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
