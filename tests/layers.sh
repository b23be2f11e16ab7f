#!/usr/bin/env bash
# layers.sh: the include directories the build gives each layer are the layers of
# docs/ARCHITECTURE.md: every header of a layer compiles in that layer and in every layer that
# may use it, and in no other.
#
# The rule table is written here, apart from CMakeLists.txt, so that a link added there that runs
# up a layer or sideways (the judge linking the nodes, the nodes linking the run) fails this test.
# Each probe is one `#include "<header>"`, compiled with -fsyntax-only and the include
# directories CMake computed for the layer's library (its own and those of everything it links).
#
# Usage: bash layers.sh SOURCE_DIR CC LAYER=DIR[:DIR...] ...
#   one LAYER=DIRS argument per library (sim, wire, ..., explore), DIRS its include directories.
# Exit status: 0 the table holds, 1 it does not, 2 bad usage.
set -u

[ $# -ge 3 ] || { echo "usage: bash layers.sh SOURCE_DIR CC LAYER=DIR[:DIR...] ..." >&2; exit 2; }
src=$1
cc=$2
shift 2

# What each layer may include besides its own headers (docs/ARCHITECTURE.md, "Layers").
declare -A may=(
  [sim]=""
  [wire]="sim"
  [net]="wire sim"
  [config]="wire sim"
  [judge]="wire sim"
  [nodes]="config net wire sim"
  [faults]="config net wire sim"
  [run]="nodes faults judge config net wire sim"
  [explore]="config wire sim"
)

declare -A dirs=()
for arg in "$@"; do
  name=${arg%%=*}
  [ -n "${may[$name]+set}" ] || { echo "layers: $name is a library the table does not know" >&2; exit 1; }
  dirs[$name]=${arg#*=}
done
for name in "${!may[@]}"; do
  [ -n "${dirs[$name]+set}" ] || { echo "layers: no include directories for $name" >&2; exit 2; }
done

folder() { if [ "$1" = sim ]; then echo "$src/sim"; else echo "$src/models/$1"; fi; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 probes=0
for layer in sim wire net config judge nodes faults run explore; do
  flags=()
  IFS=: read -r -a list <<<"${dirs[$layer]}"
  for d in "${list[@]}"; do [ -n "$d" ] && flags+=(-I"$d"); done
  for owner in sim wire net config judge nodes faults run explore; do
    allowed=0
    [ "$owner" = "$layer" ] && allowed=1
    for m in ${may[$layer]}; do [ "$m" = "$owner" ] && allowed=1; done
    for header in "$(folder "$owner")"/*.h; do
      name=$(basename "$header")
      printf '#include "%s"\n' "$name" >"$work/probe.c"
      probes=$((probes + 1))
      if "$cc" -std=c11 -fsyntax-only "${flags[@]}" "$work/probe.c" 2>"$work/err"; then
        if [ $allowed -eq 0 ]; then
          echo "layers: $layer can include $name ($owner), which it may not use" >&2
          failures=$((failures + 1))
        fi
      elif [ $allowed -eq 1 ]; then
        echo "layers: $layer cannot include $name ($owner), which it may use:" >&2
        sed 's/^/  /' "$work/err" >&2
        failures=$((failures + 1))
      elif ! grep -q "$name" "$work/err"; then
        echo "layers: $layer including $name ($owner) failed for another reason than the header:" >&2
        sed 's/^/  /' "$work/err" >&2
        failures=$((failures + 1))
      fi
    done
  done
done

[ $probes -ge 100 ] || { echo "layers: only $probes probes ran (the headers moved?)" >&2; exit 1; }
if [ $failures -ne 0 ]; then
  echo "layers: $failures of $probes probes broke the table" >&2
  exit 1
fi
echo "layers: $probes probes, every layer sees exactly what it may use"
