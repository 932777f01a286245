#!/usr/bin/env bash
# test/test_cli_devices.sh - `alexnet devices`, `--json`, `selfcheck` and the errors of --device.
set -u
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
expect 0 "0:1" -- "$bin" devices
expect 0 "<- default" -- "$bin" devices
json=$("$bin" devices --json)
if /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==2 and d[0]["default"] and d[0]["compute_units"]>0 and d[0]["global_mem_bytes"]>0 and d[1]["id"]=="0:1"' <<<"$json"; then ok; else bad "devices --json: $json"; fi
expect 0 "selfcheck: ok" -- "$bin" selfcheck
# Limit profiles: the table and the JSON show the effective limits; unknown names are refused.
expect 0 "Limit profile gtx580" -- "$bin" devices --limits gtx580
expect 0 "Limit profile strict" -- env ALEXNET_LIMITS=strict "$bin" devices
json=$("$bin" devices --json --limits gtx580)
if /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["limits"]=="gtx580" and d["max_alloc_bytes"]<=768<<20 and d["global_mem_bytes"]<=3<<30 and d["local_mem_bytes"]<=48<<10 and d["max_work_group"]<=1024 and not d["fp16"]' <<<"$json"; then ok; else bad "devices --json --limits gtx580: $json"; fi
json=$(ALEXNET_LIMITS=strict "$bin" devices --json --limits none)
if /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["limits"] is None' <<<"$json"; then ok; else bad "--limits none beats ALEXNET_LIMITS: $json"; fi
expect 1 "unknown limit profile \"gtx480\": the profiles are none, gtx580, gcn, xe, strict" -- "$bin" devices --limits gtx480
expect 1 "ALEXNET_LIMITS=gtx480: unknown limit profile" -- env ALEXNET_LIMITS=gtx480 "$bin" selfcheck
expect 0 "selfcheck: ok" -- "$bin" selfcheck --limits strict
# Sub-devices of one compute unit, where the device can be split (PoCL's CPU device can).
if /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[0]["sub_devices"]>1 else 1)' <<<"$json"; then
  expect 0 "sub-devices 0:0.0 to" -- "$bin" devices
  expect 0 "device 0:0.1" -- "$bin" selfcheck --device 0:0.0,0:0.1
  expect 1 "no sub-device 0:0.99" -- "$bin" selfcheck --device 0:0.99
else
  echo "device 0:0 cannot be split: sub-device checks not run"
fi
expect 0 "device 0:1" -- "$bin" selfcheck --device 0:0,0:1
expect 1 "no OpenCL device matches \"nosuchdevice\"" -- "$bin" selfcheck --device nosuchdevice
expect 1 "0:1" -- "$bin" selfcheck --device nosuchdevice
expect 1 "matches 2 OpenCL devices" -- "$bin" selfcheck --device pthread
expect 1 "no OpenCL device 7:0" -- env ALEXNET_DEVICE=7:0 "$bin" selfcheck
expect 2 "unknown option \"--bogus\"" -- "$bin" selfcheck --bogus
expect 2 "unknown command" -- "$bin" frobnicate
expect 0 "usage: alexnet devices" -- "$bin" devices --help
# No OpenCL platform at all: the command says what to install; a device test skips (77).
noicd=$(mktemp -d)
expect 1 "install a driver" -- env OCL_ICD_VENDORS="$noicd" "$bin" devices
if [ -n "${1:-}" ]; then
  OCL_ICD_VENDORS="$noicd" "$1" >/dev/null 2>&1
  rc=$?
  if [ "$rc" -eq 77 ]; then ok; else bad "a device test without devices exits $rc, not 77 (skipped)"; fi
fi
rmdir "$noicd"
clitest_done test_cli_devices
