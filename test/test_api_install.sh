#!/usr/bin/env bash
# test/test_api_install.sh BUILD_DIR TEST_API WORK CC - the installed library: `cmake --install`
# into a temporary prefix, the exported symbols (only an_ names, and no internal ones), the
# example tools/examples/classify.c built against the prefix with pkg-config (shared) and with
# find_package(alexnet-cl) (shared and static), and each build classifying images (a photo when
# matplotlib's sample is installed, and two synthetic JPEGs) as `alexnet classify` does: the
# same classes in the same order, probabilities equal to the printed 4 decimals (±1e-4).
# $EXAMPLE_FLAGS: the sanitizer flags the library was built with, for the example too.
set -u
build=${1:?usage: test_api_install.sh BUILD_DIR TEST_API WORK CC} ta=${2:?} work=${3:?} cc=${4:?}
bin=${ALEXNET_BIN:?}
src=${ALEXNET_SOURCE_DIR:?}
flags=${EXAMPLE_FLAGS:-}
. "$(dirname "${BASH_SOURCE[0]}")/clitest.sh"
if ! "$bin" devices >/dev/null 2>&1; then
  echo "SKIP: no OpenCL device"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  echo "FAIL: cmake --install: $(cat "$work/install.log")"; exit 1; }
pc=$(find "$prefix" -name alexnet.pc | head -1)
libdir=$(dirname "$(dirname "$pc")")
for f in include/alexnet/alexnet.h include/alexnet/status.h include/alexnet/export.h; do
  if [ -f "$prefix/$f" ]; then ok; else bad "not installed: $f"; fi
done
for f in libalexnet.a libalexnet.so cmake/alexnet-cl/alexnet-clConfig.cmake \
         cmake/alexnet-cl/alexnet-clConfigVersion.cmake pkgconfig/alexnet.pc; do
  if [ -e "$libdir/$f" ]; then ok; else bad "not installed: $libdir/$f"; fi
done
if [ ! -f "$prefix/include/alexnet/alexnet.h" ] || [ ! -f "$libdir/libalexnet.so" ]; then
  clitest_done test_api_install; exit 1; fi

# Exported symbols: the API, and only an_ names; internal functions stay hidden.
syms=$(nm -D --defined-only "$libdir/libalexnet.so" | awk '{print $3}')
others=$(grep -v '^an_' <<<"$syms" | grep -v '^_init$\|^_fini$' || true)
if [ -z "$others" ]; then ok; else bad "exported names without an_: $others"; fi
for s in an_devices_open an_network_open an_network_forward an_network_train_step \
         an_network_save_weights an_last_error; do
  if grep -qx "$s" <<<"$syms"; then ok; else bad "not exported: $s"; fi
done
if grep -qx 'an_model_create\|an_conv_forward\|an_weights_load' <<<"$syms"; then
  bad "internal functions exported: $(grep -x 'an_model_create\|an_weights_load' <<<"$syms")"
else ok; fi

# The example, three ways.
export PKG_CONFIG_PATH=$libdir/pkgconfig
ex=$src/tools/examples
# shellcheck disable=SC2046,SC2086
if "$cc" $flags -std=c11 -Wall -Werror "$ex/classify.c" $(pkg-config --cflags --libs alexnet) \
     -Wl,-rpath,"$libdir" -o "$work/classify_pc" 2>"$work/pc.log"; then ok; else
  bad "pkg-config build: $(cat "$work/pc.log")"; fi
for kind in shared static; do
  st=OFF; [ $kind = static ] && st=ON
  if cmake -S "$ex" -B "$work/cmake-$kind" -DCMAKE_PREFIX_PATH="$prefix" -DALEXNET_STATIC=$st \
       -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
       >"$work/cmake-$kind.log" 2>&1 &&
     cmake --build "$work/cmake-$kind" >>"$work/cmake-$kind.log" 2>&1; then ok; else
    bad "CMake build ($kind): $(tail -30 "$work/cmake-$kind.log")"; fi
done
if [ $kind = static ] && [ -x "$work/cmake-static/classify" ]; then
  if ldd "$work/cmake-static/classify" | grep -q libalexnet; then
    bad "the static example links libalexnet.so"; else ok; fi
fi

# The same classes as the CLI.
"$ta" --make-weights "alexnet-small:channels=3,size=32" 5 "$work/w.anw" || bad "make weights"
"$ta" --jpeg "$work/a.jpg" 80 50 1 && "$ta" --jpeg "$work/b.jpg" 33 47 2 || bad "make JPEGs"
images=("$work/a.jpg" "$work/b.jpg")
photo=/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
[ -f "$photo" ] && images=("$photo" "${images[@]}")
"$bin" classify --weights "$work/w.anw" --top 10 "${images[@]}" >"$work/cli.txt" \
  2>"$work/cli.err" ||
  bad "alexnet classify: $(cat "$work/cli.err")"
for exe in classify_pc cmake-shared/classify cmake-static/classify; do
  [ -x "$work/$exe" ] || continue
  if "$work/$exe" --top 10 "$work/w.anw" "${images[@]}" >"$work/ex.txt" 2>"$work/ex.err" &&
     /usr/bin/python3 - "$work/cli.txt" "$work/ex.txt" <<'PY'
import sys
a, b = (open(p).read().splitlines() for p in sys.argv[1:3])
assert len(a) == len(b) and len(a) in (2 * 11, 3 * 11), (len(a), len(b))
for x, y in zip(a, b):
    if not x.startswith(" "):
        assert x == y, (x, y)
        continue
    px, kx, *nx = x.split()
    py, ky, *ny = y.split()
    assert kx == ky and nx == ny, (x, y)
    assert abs(float(px.rstrip("%")) - float(py.rstrip("%"))) <= 1.01e-4, (x, y)
PY
  then ok; else bad "$exe classifies differently: $(cat "$work/ex.err")
$(diff "$work/cli.txt" "$work/ex.txt")"; fi
done
clitest_done test_api_install
