#!/usr/bin/env bash
# test/test_bench_peers.sh - tools/bench_peers.sh without the real peers' environments: ours runs
# (alexnet-small, batch 2, two rounds); a stand-in "torch" environment whose python prints a fixed
# figure checks the interleaving, the best/median and the ratio ours / peer in the report; a
# stand-in "tensorflow" that fails shows as failed; onnxruntime without its ONNX file and tinygrad
# without an environment are skipped with the setup command; bad options are refused by name.
set -u
src=${ALEXNET_SOURCE_DIR:?}
bin=${ALEXNET_BIN:?}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
clitest_tmp
peers=$tmp/peers

# fake ENV BODY: a stand-in environment whose bin/python runs BODY (bash) on the peer's arguments
fake() {
  mkdir -p "$peers/$1/bin"
  printf '#!/usr/bin/env bash\necho "$*" >> %q\n%s\n' "$tmp/$1.calls" "$2" \
    > "$peers/$1/bin/python"
  chmod +x "$peers/$1/bin/python"
}
# shellcheck disable=SC2016  # the stand-ins' bodies expand when they run
fake torch 'rate=10; [[ " $* " == *" --train "* ]] && rate=4
j="{\"peer\": \"torch\", \"version\": \"9.9-fake\", \"backend\": \"stand-in\""
echo "$j, \"images_per_s\": $rate}"'
fake tensorflow 'echo "stand-in failure" >&2; exit 1'
fake onnxruntime 'exit 1'

report=$tmp/report.md
run() {
  env PEERS_DIR="$peers" NET=alexnet-small BATCHES=2 ROUNDS=2 ITERS=1 ALEXNET="$bin" OUT="$report" \
    "$@" bash "$src/tools/bench_peers.sh"
}
if ! log=$(run PEERS="torch onnxruntime tensorflow tinygrad" 2>&1); then
  bad "bench_peers.sh failed: $log"
fi
for p in onnxruntime tinygrad; do
  if grep -q "skipping $p: .*tools/setup.sh peers $p" <<<"$log"; then
    ok
  else
    bad "no skip line for $p: $log"
  fi
done
if grep -q "stand-in failure" "$report.log"; then
  ok
else
  bad "the failing peer's stderr is not in $report.log"
fi
# every torch run got its batch and mode: 2 rounds x (inference, training)
calls=$(grep -c -- "--batch 2 " "$tmp/torch.calls" 2>/dev/null)
trains=$(grep -c -- "--train" "$tmp/torch.calls" 2>/dev/null)
if [ "$calls" = 4 ] && [ "$trains" = 2 ]; then
  ok
else
  bad "torch stand-in called $calls times ($trains training), want 4 (2)"
fi
if [ ! -e "$tmp/onnxruntime.calls" ]; then ok; else bad "onnxruntime ran without its ONNX file"; fi
if /usr/bin/python3 - "$report" <<'EOF'
import re, statistics, sys
text = open(sys.argv[1]).read()
runs = {}  # (round, mode) -> ours
for rnd, mode, ours, torch, tf in re.findall(
        r"^\| (\d) \| 2 (infer|train) \| ([\d.]+) \| ([\d.]+) \| (\w+) \|", text, re.M):
    runs[(int(rnd), mode)] = float(ours)
    assert float(torch) == (10 if mode == "infer" else 4) and tf == "failed", (torch, tf)
assert sorted(runs) == [(1, "infer"), (1, "train"), (2, "infer"), (2, "train")], runs
for mode, label, peer in (("infer", "inference", 10), ("train", "training", 4)):
    mine = [v for (r, m), v in runs.items() if m == mode]
    assert min(mine) > 0, mine
    row = re.search(rf"^\| 2 {label} \| ([\d.]+) \(([\d.]+)\) \| ([\d.]+) \(([\d.]+)\), "
                    rf"\*\*([\d.]+)×\*\* \| failed: exit 1[^|]*\| ([\d.]+)× \(PyTorch\) \|$",
                    text, re.M)
    assert row, label
    best, med, pbest, pmed, ratio, vsbest = map(float, row.groups())
    assert abs(best - max(mine)) < 0.051 and abs(med - statistics.median(mine)) < 0.051, row.groups()
    assert pbest == pmed == peer, row.groups()
    assert abs(ratio - max(mine) / peer) < 0.007 and ratio == vsbest, row.groups()
assert "PyTorch 9.9-fake: stand-in" in text
assert re.search(r"load average [\d.]+ [\d.]+ [\d.]+ at the start", text)
assert "not run (not set up: `tools/setup.sh peers`): onnxruntime tinygrad" in text
EOF
then
  ok
else
  bad "the report is wrong: $(cat "$report")"
fi

# ours only: no peers at all
if run PEERS= MODES=infer >/dev/null 2>&1 &&
   grep -q "^| 2 inference | [0-9.]* ([0-9.]*) | — |$" "$report"; then
  ok
else
  bad "PEERS= (ours only) did not give a report with ours alone: $(cat "$report")"
fi
expect 2 "unknown peer 'bogus'" -- run PEERS=bogus
expect 2 "batches must be at least 1" -- run INFER_BATCHES=0
expect 2 "whole numbers" -- run TRAIN_BATCHES=x
expect 2 "unknown mode 'fit'" -- run MODES=fit
expect 2 "ITERS is 'auto' or a whole number" -- run ITERS=0
expect 2 "OUT $tmp/no/r.md: its folder does not exist" -- run OUT="$tmp/no/r.md"
expect 2 "no alexnet binary at $tmp/none" -- env ALEXNET="$tmp/none" bash "$src/tools/bench_peers.sh"
clitest_done test_bench_peers
