#!/usr/bin/env bash
# test/test_cli_tune.sh - `alexnet tune` and the tuned choices in `alexnet bench` on alexnet-small
# in a temporary XDG_CACHE_HOME: the first tune times every conv shape's inference forward and a
# second reads them all from the cache; bench's inference reuses them and shows them; bench
# --train times the training forward and the gradients once (at the first backward) and then
# reads them, as `tune --train` does; a corrupt cache file is ignored and rewritten; a stale one
# (other kernel sources) is not trusted, and the first build's entries outlive it; --retune,
# ALEXNET_TUNE=off and --conv ALGO override.
set -u
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_tmp
export XDG_CACHE_HOME=$tmp/cache ALEXNET_TUNE=on
unset ALEXNET_GEMM ALEXNET_TUNE_CANDIDATES ALEXNET_KERNEL_DIR

# jcheck NAME PYTHON-ASSERTIONS -- command...: run (stdout JSON in d), then the assertions.
jcheck() {
  local name=$1 code=$2; shift 3
  local json
  if ! json=$("$@" 2>"$tmp/err"); then bad "$name: $* failed: $(cat "$tmp/err")"; return; fi
  echo "$json" >"$tmp/$name.json"
  if /usr/bin/python3 -c "
import json, sys
d = json.load(sys.stdin)
$code" "$tmp/first.json" <<<"$json"; then ok; else bad "$name: $json"; fi
}
tune() { "$bin" tune --net alexnet-small --batch 4 --json "$@"; }
bench() { "$bin" bench --net alexnet-small --batch 4 --iters 1 --json "$@"; }

jcheck first 'assert d["timed"] == 5 and d["read"] == 0, d
assert [l["source"] for l in d["layers"]] == ["timed"] * 5' -- tune
grep -q "^tune .* fwd-infer: im2col+own" "$tmp/err" && ok || bad "no progress lines: $(cat "$tmp/err")"
file=$(/usr/bin/python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["devices"][0]["cache_file"])' "$tmp/first.json")
case "$file" in "$XDG_CACHE_HOME"/alexnet-cl/tune-*.txt) ok ;; *) bad "cache file $file" ;; esac
[ "$(head -1 "$file")" = "# alexnet-cl tune cache v1" ] && ok || bad "header of $file"
jcheck second 'assert d["timed"] == 0 and d["read"] == 5, d
first = json.load(open(sys.argv[1]))
assert [l["choice"] for l in d["layers"]] == [l["choice"] for l in first["layers"]]
assert [l["source"] for l in d["layers"]] == ["cache"] * 5' -- tune

# bench: inference's forward choices come from the cache; training times its own forward (held
# closer to im2col's accuracy) and the gradients once, then reads them.
jcheck bench '
first = json.load(open(sys.argv[1]))
want = {l["name"]: l["choice"] for l in first["layers"]}
conv = {l["name"]: l["conv"] for l in d["layers"] if l["kind"] == "conv"}
assert sorted(conv) == sorted(want), conv
for name, c in conv.items():
    assert c["fwd"] == {"algo": want[name], "source": "cache"}, (name, c)
assert d["tune"] == {"mode": "on", "timed": 0, "read": 10}, d["tune"]' -- bench
sources='[c["source"] for l in d["layers"] if "conv" in l for c in l["conv"].values()]'
jcheck train1 "assert d['tune']['timed'] == 15, d['tune']
assert $sources == ['timed'] * 15, d['layers']" -- bench --train
jcheck train2 "assert d['tune']['timed'] == 0, d['tune']
assert $sources == ['cache'] * 15, d['layers']
first = json.load(open('$tmp/train1.json'))
algos = lambda j: [(l['name'], c['algo']) for l in j['layers'] if 'conv' in l
                   for c in l['conv'].values()]
assert algos(d) == algos(first), (algos(d), algos(first))" -- bench --train
out=$("$bin" bench --net alexnet-small --batch 4 --iters 1 2>/dev/null)
grep -q "conv algorithm (from)" <<<"$out" && grep -q "^conv1 .*(cache)" <<<"$out" &&
  grep -q "0 shapes timed now, 10 read from the tune cache" <<<"$out" && ok || bad "bench table: $out"
out=$("$bin" tune --net alexnet-small --batch 4 --train 2>/dev/null)
grep -q "^conv2 .* bwd-weights .* cache$" <<<"$out" && grep -q "0 shapes timed now, 15 read" <<<"$out" &&
  ok || bad "tune table: $out"

# A corrupt file is ignored (everything timed again) and rewritten whole.
printf 'v1 dev=0 garbage\n' >>"$file"
jcheck corrupt 'assert d["timed"] == 5 and d["read"] == 0, d' -- tune
grep -q garbage "$file" && bad "the corrupt line survived" || ok
jcheck rewritten 'assert d["timed"] == 0, d' -- tune

# Other kernel sources: the entries are stale, not trusted; the rewrite keeps them (another
# build's), so going back to the first build reads its choices again.
mkdir "$tmp/cl" && cp "$src"/cl/*.cl "$tmp/cl/" && echo "/* changed */" >>"$tmp/cl/softmax.cl"
ALEXNET_KERNEL_DIR=$tmp/cl jcheck stale 'assert d["timed"] == 5 and d["read"] == 0, d' -- tune
jcheck back 'assert d["timed"] == 0 and d["read"] == 5, d' -- tune
jcheck retune 'assert d["timed"] == 5 and d["read"] == 0, d' -- tune --retune

# Overrides: tuning off gives the rule; --conv forces one algorithm.
ALEXNET_TUNE=off jcheck off 'assert d["tune"] == {"mode": "off", "timed": 0, "read": 0}, d["tune"]
for l in d["layers"]:
    if "conv" in l: assert l["conv"]["fwd"] == {"algo": "im2col", "source": "rule"}, l' -- bench
ALEXNET_TUNE=off expect 2 "tuning is off" -- "$bin" tune --net alexnet-small --batch 4
jcheck forced 'assert d["tune"]["timed"] == 0, d["tune"]
for l in d["layers"]:
    if "conv" in l: assert l["conv"]["fwd"] == {"algo": "direct", "source": "forced"}, l' -- bench --conv direct
expect 2 "batch must be at least 1" -- "$bin" tune --batch 0
# A batch whose timing tensors cannot fit (conv1 at 12000 images: 47 GiB with their host
# copies, a 9.3 GB output) is refused, not timed until the process is killed for memory
expect 1 "conv1 fwd-infer at batch 12000 cannot be timed: .*use a smaller --batch" -- "$bin" tune --net alexnet --batch 12000
clitest_done test_cli_tune
