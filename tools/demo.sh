#!/usr/bin/env bash
# tools/demo.sh - the README's main job: set up, build, list the OpenCL devices and check the
# default one (build every kernel, run an op against the CPU). Uses PoCL on the CPU when there
# is no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh run
tools/build.sh
build/alexnet devices
build/alexnet selfcheck "$@"
