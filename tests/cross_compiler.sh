#!/usr/bin/env bash
# cross_compiler.sh SOURCE_DIR: the kernel's determinism promise across compilers. Builds
# tests/kernel_workload.c with the sim/ sources under gcc and clang at -O0 and -O2, runs each
# build on a few seeds, and fails unless every build prints the same line per seed.
set -euo pipefail

src=${1:?usage: cross_compiler.sh SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flags=(-std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
       -I"$src/sim")
builds=()
for cc in gcc clang; do
  if ! command -v "$cc" >/dev/null 2>&1; then
    echo "cross_compiler: $cc not found" >&2
    exit 1
  fi
  for level in -O0 -O2; do
    out="$work/workload-$cc$level"
    "$cc" "${flags[@]}" "$level" -o "$out" "$src/tests/kernel_workload.c" "$src"/sim/*.c
    builds+=("$out")
  done
done

status=0
for seed in 1 2 42; do
  reference=""
  for build in "${builds[@]}"; do
    line=$("$build" "$seed" 500000)
    echo "${build##*/} seed $seed: $line"
    if [ -z "$reference" ]; then
      reference=$line
    elif [ "$line" != "$reference" ]; then
      echo "cross_compiler: ${build##*/} differs for seed $seed" >&2
      status=1
    fi
  done
done
exit $status
