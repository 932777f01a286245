#!/usr/bin/env bash
# test/test_cli_devices_platforms.sh - `alexnet devices` with Oclgrind registered as a second
# platform (OCL_ICD_VENDORS, set by test/platform.cmake): both platforms are listed, the
# simulator is typed GPU and marked, and the default stays on the real device (PoCL); the
# simulator runs when named.
set -u
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
expect 0 "simulator: only when named" -- "$bin" devices
json=$("$bin" devices --json)
if /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
sim = [x for x in d if x["simulator"]]
real = [x for x in d if not x["simulator"]]
assert len({x["platform"] for x in d}) >= 2, "two platforms"
assert sim and sim[0]["type"] == "GPU" and not sim[0]["default"], "Oclgrind: a GPU, not the default"
assert real and [x for x in real if x["default"]], "a real device is the default"
' <<<"$json"; then ok; else bad "devices --json with Oclgrind: $json"; fi
expect 0 "selfcheck: ok" -- "$bin" selfcheck
expect 0 "Oclgrind" -- "$bin" selfcheck --device oclgrind
clitest_done test_cli_devices_platforms
