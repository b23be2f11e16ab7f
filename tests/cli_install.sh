#!/usr/bin/env bash
# cli_install.sh: the install target (issue 21): `cmake --install BUILD --prefix P` puts
# P/bin/kafkasim and the sweep's gnuplot scripts in P/share/kafkasim; with P/bin on the PATH,
# `kafkasim` runs as the README and the lessons write it, and a sweep (into an OUT whose
# parents do not exist) finds its plot scripts. `make install PREFIX=P` runs that install after
# the default build (checked as the commands make would run; the build itself is `make`'s).
# Usage: bash cli_install.sh KAFKASIM_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$(cd "$2" && pwd)
BUILD=$(cd "$(dirname "$BIN")" && pwd)
T=$(mktemp -d /tmp/kafkasim-cli-install-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || fail "cmake --install: $(cat "$T/install.log")"
[ -x "$T/prefix/bin/kafkasim" ] || fail "no prefix/bin/kafkasim"
[ -f "$T/prefix/share/kafkasim/line.gp" ] && [ -f "$T/prefix/share/kafkasim/heatmap.gp" ] ||
    fail "no gnuplot scripts in prefix/share/kafkasim"

# From a folder outside the source tree, by name on the PATH.
mkdir "$T/work"
cp "$SRC/experiments/example.sweep" "$T/work/"
rm -f "$T/work/line.gp" "$T/work/heatmap.gp"
(cd "$T/work" && PATH="$T/prefix/bin:$PATH" kafkasim --version) >"$T/version" 2>&1 ||
    fail "kafkasim --version on the PATH: $(cat "$T/version")"
grep -q '^kafkasim ' "$T/version" || fail "kafkasim --version: $(cat "$T/version")"
(cd "$T/work" && PATH="$T/prefix/bin:$PATH" kafkasim run acks=1 workload.records=20) >"$T/run" 2>&1 ||
    fail "kafkasim run on the PATH: $(cat "$T/run")"
(cd "$T/work" && PATH="$T/prefix/bin:$PATH" kafkasim sweep example.sweep --out out/example) \
    >"$T/sweep" 2>&1 || fail "kafkasim sweep on the PATH: $(cat "$T/sweep")"
[ -s "$T/work/out/example/cells.csv" ] || fail "sweep into out/example: no cells.csv"
grep -q 'line.gp and heatmap.gp not found' "$T/sweep" && fail "the installed kafkasim did not find its plot scripts"

# make install PREFIX=...: the default build, then the same install into PREFIX.
if command -v make >/dev/null; then
    make -s -n -C "$SRC" install PREFIX="$T/mk" >"$T/make.n" 2>&1 || fail "make -n install: $(cat "$T/make.n")"
    grep -q "cmake --install build --prefix \"$T/mk\"" "$T/make.n" ||
        fail "make install PREFIX: not a cmake --install into PREFIX: $(cat "$T/make.n")"
    grep -q "cmake --build build" "$T/make.n" || fail "make install does not build first"
fi

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_install: $fails failed"
exit $((fails > 0))
