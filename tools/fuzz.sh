#!/usr/bin/env bash
# tools/fuzz.sh - build and run one libFuzzer harness (test/fuzz/) under ASan+UBSan.
#
# usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#        tools/fuzz.sh list
# TARGET: jpeg netdesc weights ckpt shard index stats classes (docs/FUZZING.md). The build goes
# to build-fuzz/ (clang, -DALEXNET_FUZZ=ON); the seed corpus, made by the project
# (tools/make_jpeg_cases.py, nets/*.net, make_seeds: weights files, a checkpoint, prepared shards;
# class lists), to build-fuzz/seeds/TARGET; the corpus grown by the runs to
# build-fuzz/corpus/TARGET; anything found to build-fuzz/artifacts/TARGET/ (copy a crash into
# test/fuzz/regress/TARGET/ once fixed: the suite replays those). Prints executions, crashes,
# hangs and out-of-memory; exits 1 when any was found. Set FUZZ_JOBS=N for N parallel workers
# (libFuzzer -fork). Run it under `nice -n 19` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
targets="jpeg netdesc weights ckpt shard index stats classes"
if [ "${1:-}" = list ]; then echo "$targets"; exit 0; fi
target=${1:?usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags...] (targets: $targets)}
secs=${2:?usage: tools/fuzz.sh TARGET SECONDS}
shift 2
case " $targets " in
  *" $target "*) ;;
  *) echo "fuzz.sh: unknown target $target (one of: $targets)" >&2; exit 2 ;;
esac
if ! command -v clang >/dev/null; then
  echo "fuzz.sh: needs clang (apt-get install clang, or tools/setup.sh test)" >&2
  exit 1
fi

dir=build-fuzz
werror=OFF
[ "${CI:-}" = true ] && werror=ON # as tools/build.sh: in CI warnings are errors
CC=clang cmake -S . -B "$dir" -DALEXNET_FUZZ=ON -DBUILD_TESTING=OFF -DALEXNET_WERROR=$werror \
  >/dev/null
cmake --build "$dir" -j2 --target "fuzz_$target" fuzz_make_seeds >/dev/null

seeds=$dir/seeds/$target
if [ ! -d "$seeds" ]; then
  tmp=$dir/seeds/tmp
  rm -rf "$tmp" && mkdir -p "$tmp/out"
  case $target in
    jpeg)
      /usr/bin/python3 tools/make_jpeg_cases.py "$tmp/cases" >/dev/null
      cp "$tmp"/cases/case/*.JPEG "$tmp"/cases/good/c0/*.JPEG "$tmp"/cases/more/*.jpg "$tmp/out/" ;;
    netdesc)
      cp nets/*.net test/fixtures/model_features.net "$tmp/out/" ;;
    classes)
      printf 'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n\n' \
        >"$tmp/out/synsets.txt"
      printf '  n01484850\tgreat white shark\r\n' >>"$tmp/out/synsets.txt"
      printf 'c0\nc1 Cls 1\nc2 Cls 2\n' >"$tmp/out/short.txt" ;;
    *)
      /usr/bin/python3 tools/make_jpeg_cases.py "$tmp/cases" >/dev/null
      "$dir/fuzz_make_seeds" "$tmp/made" test/fixtures/model_features.net \
        "$tmp/cases/tree-damaged_dqt" >/dev/null
      cp "$tmp/made/$target"/* "$tmp/out/" ;;
  esac
  mv "$tmp/out" "$seeds"
  rm -rf "$tmp"
fi
regress=test/fuzz/regress/$target
corpus=$dir/corpus/$target
art=$dir/artifacts/$target
mkdir -p "$corpus" "$art" "$regress"
ls "$art" >"$art.before"
log=$dir/logs/$target-$(date -u +%Y%m%dT%H%M%S).log
mkdir -p "$dir/logs"
fork=()
if [ -n "${FUZZ_JOBS:-}" ]; then
  fork=(-fork="$FUZZ_JOBS" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi
set +e
start=$SECONDS
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$dir/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$art/" "${fork[@]}" "$@" "$corpus" "$seeds" "$regress" \
  >"$log" 2>&1
rc=$?
took=$((SECONDS - start))
set -e
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
        awk '{s += $2} END {print s + 0}')
if [ -n "${FUZZ_JOBS:-}" ]; then
  execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#'); execs=${execs:-0}
fi
# what this run added to the artifacts folder
ls "$art" | comm -13 "$art.before" - >"$art.new"
rm -f "$art.before"
count() { grep -c "^$1" "$art.new" || true; }
crashes=$(( $(count crash-) + $(count leak-) + $(count deadly-) ))
hangs=$(count timeout-)
ooms=$(count oom-)
new=$(wc -l <"$art.new")
reports=$(grep -c -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" || true)
printf 'fuzz %s: %s executions in %s s, crashes %s, hangs %s, out-of-memory %s, ' \
  "$target" "$execs" "$took" "$crashes" "$hangs" "$ooms"
printf 'sanitizer reports %s, corpus %s inputs (log %s)\n' "$reports" "$(ls "$corpus" | wc -l)" \
  "$log"
printf '%s %s secs=%s execs=%s crashes=%s hangs=%s ooms=%s reports=%s\n' "$(date -u +%FT%TZ)" \
  "$target" "$took" "$execs" "$crashes" "$hangs" "$ooms" "$reports" >>"$dir/fuzz-history.txt"
if [ "$new" -gt 0 ] || [ "$reports" -gt 0 ] || { [ $rc -ne 0 ] && [ -z "${FUZZ_JOBS:-}" ]; }; then
  echo "fuzz $target: found something (exit $rc); see $log and $art/" >&2
  grep -E -m5 -A3 'ERROR:|runtime error:|fuzz property broken' "$log" >&2 || tail -20 "$log" >&2
  exit 1
fi
