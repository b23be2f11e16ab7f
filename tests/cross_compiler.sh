#!/usr/bin/env bash
# cross_compiler.sh SOURCE_DIR [KAFKASIM...]: the determinism promise across compilers. Builds
# tests/kernel_workload.c with the sim/ sources, and the whole kafkasim command, under gcc and
# clang at -O0 and -O2; runs the kernel workload on a few seeds and kafkasim on scenarios with
# faults (json summary, full text trace, explanations, a swarm check), and fails unless every
# build prints the same bytes. Further kafkasim binaries given (the default release build, with
# link-time optimisation, tuning and, with gcc, the profile; a release build without profile and
# tuning) join the comparison.
set -euo pipefail

src=${1:?usage: cross_compiler.sh SOURCE_DIR [KAFKASIM...]}
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flags=(-std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
       -I"$src/sim")
builds=()
kafkasims=()
models_include=()
for dir in "$src"/models/*/; do models_include+=(-I"${dir%/}"); done
for cc in gcc clang; do
  if ! command -v "$cc" >/dev/null 2>&1; then
    echo "cross_compiler: $cc not found" >&2
    exit 1
  fi
  for level in -O0 -O2; do
    out="$work/workload-$cc$level"
    "$cc" "${flags[@]}" "$level" -o "$out" "$src/tests/kernel_workload.c" "$src"/sim/*.c
    builds+=("$out")
    # The whole command, built the same way (no CMake: the flags are the point).
    out="$work/kafkasim-$cc$level"
    "$cc" "${flags[@]}" "$level" "${models_include[@]}" -I"$src/cli" -I"$src/bench" \
      -DKAFKASIM_VERSION='"cross"' -o "$out" "$src"/cli/*.c "$src"/models/*/*.c "$src"/sim/*.c \
      "$src/bench/bare.c" -lm
    kafkasims+=("$out")
  done
done

for k in "$@"; do
  [ -x "$k" ] || { echo "cross_compiler: $k is not an executable" >&2; exit 1; }
  kafkasims+=("$(cd "$(dirname "$k")" && pwd)/$(basename "$k")")
done

status=0
# kafkasim_outputs BINARY: every output the comparison covers, in one stream.
kafkasim_outputs() {
  local k=$1
  for seed in 1 7; do
    "$k" run "$src/experiments/demo.properties" --seed "$seed" --format json
    "$k" run "$src/experiments/demo.properties" --seed "$seed" --trace=- --explain=3
  done
  "$k" run "$src/docs/lessons/04-acks1-failover.properties" --seed 1 --trace=- --format csv
  "$k" check enable.idempotence=false --swarm --swarm-kinds all --seeds 1..40 --jobs 1 \
    --expect 'lost_acked==0' --out "$work/cx.properties" || true
}
reference_sum=""
for k in "${kafkasims[@]}"; do
  sum=$(kafkasim_outputs "$k" 2>&1 | sha256sum | cut -d' ' -f1)
  echo "${k#"$work"/}: outputs $sum"
  if [ -z "$reference_sum" ]; then
    reference_sum=$sum
  elif [ "$sum" != "$reference_sum" ]; then
    echo "cross_compiler: ${k#"$work"/} prints other bytes than ${kafkasims[0]#"$work"/}" >&2
    status=1
  fi
done

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
