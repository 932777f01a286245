#!/usr/bin/env bash
# test/test_cli_summary.sh - `alexnet summary`: the built-ins' totals in the table and in --json,
# a net file, an input override, a weights file's net, and the errors of a broken net file.
set -u
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_tmp

expect 0 "total: 60,965,224 parameters; 724,406,816 multiply-adds" -- "$bin" summary --net alexnet
expect 0 "conv3 .*cross *384x13x13 *192x13x13 *885,120" -- "$bin" summary --net alexnet
expect 0 "tower 1 30,482,612, tower 2 30,482,612" -- "$bin" summary
expect 0 "total: 60,965,224 parameters" -- "$bin" summary --net caffenet
expect 0 "total: 61,100,840 parameters" -- "$bin" summary --net alexnet-owt
expect 0 "total: 61,100,840 parameters" -- "$bin" summary --net "$src/nets/alexnet-owt.net"
expect 0 "input 3x32x32 rgb, 10 classes" -- "$bin" summary --net alexnet-small:channels=3,size=32
json=$("$bin" summary --net alexnet --json)
if /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
L = {l["name"]: l for l in d["layers"]}
assert d["params"] == 60965224 and d["towers"] == 2 and d["params_per_tower"] == [30482612] * 2
assert L["conv2"]["groups"] == 2 and L["conv2"]["in_tower"] == [48, 27, 27]
assert L["fc8"]["out_tower"] == [500, 1, 1] and L["lrn1"]["groups"] == 2
assert d["tensors"][4] == {"name": "conv3.weight", "shape": [384, 256, 3, 3]}
' <<<"$json"; then ok; else bad "summary --json: $json"; fi

printf 'net name=x towers=2\ninput channels=3 size=32\nconv name=c1 out=8 k=3\nmaxpool k=40\n' >"$tmp/big.net"
expect 1 "big.net:4: layer maxpool1 (maxpool): pool window 40x40\|big.net:4: layer maxpool1 (maxpool): pool window 40×40" -- "$bin" summary --net "$tmp/big.net"
printf 'net name=x\ninput channels=3 size=32\nconv name=c1 out=8 kernel=3\n' >"$tmp/key.net"
expect 1 "key.net:3: conv: unknown key 'kernel'" -- "$bin" summary --net "$tmp/key.net"
builtins="alexnet, caffenet, alexnet-owt, alexnet-small, alexnet-fmnist"
builtins="$builtins, alexnet-fmnist-wide, alexnet-fmnist-hires"
expect 1 "no built-in net of that name (built-ins: $builtins)" -- "$bin" summary --net alexnet2
expect 2 "not both" -- "$bin" summary --net alexnet --weights x.anw

clitest_done test_cli_summary
