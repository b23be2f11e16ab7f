#!/usr/bin/env bash
# cli_install.sh: the install target (issue 21): `cmake --install BUILD --prefix P` puts
# P/bin/kafkasim and the sweep's gnuplot scripts in P/share/kafkasim; with P/bin on the PATH,
# `kafkasim` runs as the README and the lessons write it, and a sweep (into an OUT whose
# parents do not exist) finds its plot scripts. `make install PREFIX=P` runs that install after
# the default build (checked as the commands make would run; the build itself is `make`'s).
# Usage: bash cli_install.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_install
. "$(dirname "$0")/lib.sh"

build=$(dirname "$bin")

# check TEXT COMMAND...: one check; fails with TEXT when COMMAND fails.
check() {
  local text=$1
  shift
  checks=$((checks + 1))
  "$@" || fail "$text"
}

checks=$((checks + 1))
cmake --install "$build" --prefix "$work/prefix" >install.log 2>&1 || fail "cmake --install: $(cat install.log)"
check "no prefix/bin/kafkasim" test -x "$work/prefix/bin/kafkasim"
checks=$((checks + 1))
[ -f "$work/prefix/share/kafkasim/line.gp" ] && [ -f "$work/prefix/share/kafkasim/heatmap.gp" ] ||
  fail "no gnuplot scripts in prefix/share/kafkasim"

# From a folder outside the source tree, by name on the PATH.
mkdir "$work/outside"
cp "$src/experiments/example.sweep" "$work/outside/"
rm -f "$work/outside/line.gp" "$work/outside/heatmap.gp"
checks=$((checks + 1))
(cd "$work/outside" && PATH="$work/prefix/bin:$PATH" kafkasim --version) >version 2>&1 ||
  fail "kafkasim --version on the PATH: $(cat version)"
check "kafkasim --version: $(cat version)" grep -q '^kafkasim ' version
checks=$((checks + 1))
(cd "$work/outside" && PATH="$work/prefix/bin:$PATH" kafkasim run acks=1 workload.records=20) >run 2>&1 ||
  fail "kafkasim run on the PATH: $(cat run)"
checks=$((checks + 1))
(cd "$work/outside" && PATH="$work/prefix/bin:$PATH" kafkasim sweep example.sweep --out out/example) \
  >sweep 2>&1 || fail "kafkasim sweep on the PATH: $(cat sweep)"
check "sweep into out/example: no cells.csv" test -s "$work/outside/out/example/cells.csv"
checks=$((checks + 1))
grep -q 'line.gp and heatmap.gp not found' sweep && fail "the installed kafkasim did not find its plot scripts"

# make install PREFIX=...: the default build, then the same install into PREFIX.
if command -v make >/dev/null; then
  checks=$((checks + 1))
  make -s -n -C "$src" install PREFIX="$work/mk" >make.n 2>&1 || fail "make -n install: $(cat make.n)"
  check "make install PREFIX: not a cmake --install into PREFIX: $(cat make.n)" \
    grep -q "cmake --install build --prefix \"$work/mk\"" make.n
  check "make install does not build first" grep -q "cmake --build build" make.n
fi

finish
