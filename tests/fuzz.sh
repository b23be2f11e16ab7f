#!/usr/bin/env bash
# fuzz.sh: the bounded fuzz run CI calls. Builds each libFuzzer target of tests/fuzz/ with
# clang -fsanitize=fuzzer,address,undefined straight from the sources it needs (outside CMake,
# so the normal build never needs the fuzzer runtime), runs it for a bounded time on a copy of
# its seed corpus, and fails on any crash, leak, sanitizer report, timeout or out-of-memory.
#
#   bash tests/fuzz.sh [SOURCE_DIR] [SECONDS_PER_TARGET]     (defaults: this checkout, 60)
#   KAFKASIM_FUZZ_TARGETS="fault expr" bash tests/fuzz.sh    (a subset)
#
# The target "edges" is not a libFuzzer target: it builds tests/test_edges.c with the whole
# model under ASan and UBSan and runs KAFKASIM_EDGES_SEEDS seeds (default 20 per second asked
# for) of configurations drawn from the edges of every key's range, from seed
# KAFKASIM_EDGES_FIRST (default 1000, past the ones ctest runs); it fails on any sanitizer
# report, broken contract, or a run that outlasts 3 x SECONDS + 60 s.
#
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-14-dev or the package of the
# installed clang's version). After a finding the work folder is kept and printed: its
# artifacts_<target>/ hold the crashing input; replay it with work/fuzz_<target> and the file
# as its only argument, and add it to tests/fuzz/corpus/<target>/ once fixed.
set -euo pipefail

src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
seconds=${2:-${KAFKASIM_FUZZ_SECONDS:-60}}
targets=${KAFKASIM_FUZZ_TARGETS:-properties fault expr sweep_spec edges}
cc=${KAFKASIM_FUZZ_CC:-clang}

command -v "$cc" >/dev/null || { echo "fuzz.sh: $cc not found (install clang)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kafkasim-fuzz.XXXXXX")
echo "fuzz.sh: work folder $work, $seconds s per target"

probe="$work/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe"
if ! "$cc" -fsanitize=fuzzer "$probe" -o "$work/probe" 2>"$work/probe.err"; then
  echo "fuzz.sh: $cc cannot link -fsanitize=fuzzer: install the fuzzer runtime" \
       "(Debian: libclang-rt-14-dev, matching $("$cc" --version | head -1))" >&2
  exit 2
fi

# The sources each target needs, beside its own file.
sources_for() {
  case "$1" in
    properties) echo "models/config/properties.c models/config/config.c models/config/fault_parse.c models/wire/protocol.c models/wire/topics.c sim/alloc.c" ;;
    fault)      echo "models/config/fault_parse.c models/wire/protocol.c models/wire/topics.c sim/alloc.c" ;;
    expr)       echo "models/explore/expr.c" ;;
    sweep_spec) echo "models/explore/sweep_spec.c models/config/properties.c models/config/config.c models/config/fault_parse.c models/wire/protocol.c models/wire/topics.c sim/alloc.c" ;;
    edges)      (cd "$src" && echo models/*/*.c sim/*.c) ;;
    *) echo "fuzz.sh: unknown target '$1' (properties, fault, expr, sweep_spec, edges)" >&2; return 1 ;;
  esac
}

# Every layer's folder (the build gives each layer only its own and those below; a fuzz target
# links the few sources it needs, so it may see them all).
models_include=()
for dir in "$src"/models/*/; do models_include+=(-I"${dir%/}"); done
cflags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=all -Wall -Wextra -Wpedantic -Wshadow -Wconversion
        -Wno-sign-conversion -Werror -I"$src/sim" "${models_include[@]}")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
# The edge-value runs: the model under ASan and UBSan on configurations at the ends of ranges.
run_edges() {
  local bin="$work/test_edges" seeds=${KAFKASIM_EDGES_SEEDS:-$((seconds * 20))}
  local first=${KAFKASIM_EDGES_FIRST:-1000}
  # shellcheck disable=SC2046
  (cd "$src" && "$cc" -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
     -fno-sanitize-recover=all -I"$src/sim" "${models_include[@]}" -I"$src/tests" \
     tests/test_edges.c $(sources_for edges) -lm -o "$bin")
  echo "== edges: seeds $first..$((first + seeds - 1))"
  set +e
  KAFKASIM_EDGES_SEEDS=$seeds KAFKASIM_EDGES_FIRST=$first timeout $((3 * seconds + 60)) \
    "$bin" >"$work/edges.log" 2>&1
  local rc=$?
  set -e
  grep -E '^edges:' "$work/edges.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz.sh: edges FAILED (exit $rc; 124 is a run past its time); log $work/edges.log" >&2
    grep -E 'ERROR|SUMMARY|runtime error|FAIL|broke the contract' "$work/edges.log" | head -20 >&2 || true
    failed+=("edges")
  fi
}

for t in $targets; do
  if [ "$t" = edges ]; then run_edges; continue; fi
  srcs=$(sources_for "$t")
  bin="$work/fuzz_$t"
  # shellcheck disable=SC2086
  (cd "$src" && "$cc" "${cflags[@]}" "tests/fuzz/fuzz_$t.c" $srcs -lm -o "$bin")
  corpus="$work/corpus_$t"
  mkdir -p "$corpus" "$work/artifacts_$t"
  cp "$src/tests/fuzz/corpus/$t/"* "$corpus/"
  echo "== fuzz_$t: $(ls "$corpus" | wc -l) seeds, $seconds s"
  set +e
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
         -print_final_stats=1 -artifact_prefix="$work/artifacts_$t/" "$corpus" \
         >"$work/fuzz_$t.log" 2>&1
  rc=$?
  set -e
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/fuzz_$t.log" || true
  if [ "$rc" -ne 0 ] || ls "$work/artifacts_$t/"* >/dev/null 2>&1; then
    echo "fuzz.sh: fuzz_$t FAILED (exit $rc); log $work/fuzz_$t.log" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/fuzz_$t.log" | head -20 >&2 || true
    ls "$work/artifacts_$t/" >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]} (inputs and logs kept in $work)" >&2
  exit 1
fi
echo "fuzz.sh: every target ran $seconds s without a finding"
rm -rf "$work"
