#!/usr/bin/env bash
# valgrind.sh: a small scenario under valgrind's memcheck, as CI calls it: no leak of any kind
# and no invalid read, write, free or use of an uninitialised value. Covers one run with faults
# and every output (text, json, trace, explain), a property check over a few seeds, the config
# table, and a rejected input (the error path must free what it read too).
#
#   bash tests/valgrind.sh KAFKASIM_BINARY [SOURCE_DIR]
#
# The binary should be a build without sanitizers (valgrind and AddressSanitizer do not mix);
# a RelWithDebInfo or Debug build gives readable reports.
set -u
bin=$1
src=${2:-$(dirname "$0")/..}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not found (install valgrind)" >&2; exit 2; }
if nm "$bin" 2>/dev/null | grep -q __asan_init; then
    echo "valgrind.sh: $bin is built with AddressSanitizer; use a build without KAFKASIM_SANITIZE" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# memcheck WANT_EXIT CMD...: CMD under memcheck exits WANT_EXIT with a clean report.
memcheck() {
    local want=$1; shift
    valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
        --track-origins=yes --error-exitcode=99 --log-file="$tmp/vg.log" \
        "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ] || [ -s "$tmp/vg.log" ]; then
        echo "FAIL: kafkasim $* exited $got (expected $want under valgrind):" >&2
        head -60 "$tmp/vg.log" >&2
        head -5 "$tmp/err" >&2
        failures=$((failures + 1))
    else
        echo "ok: kafkasim $*"
    fi
}

small=(workload.records=200 'fault.c=crash leader at 40ms for 200ms'
       'fault.d=drop responses leader -> producer p=0.2 from 10ms to 300ms')
memcheck 0 run "${small[@]}" --seed 7 --explain
memcheck 0 run "${small[@]}" --seed 7 --format json --trace="$tmp/trace.jsonl" --trace-format jsonl
memcheck 0 run "$src/experiments/demo.properties" workload.records=100 --seed 3 --format csv
memcheck 0 check "${small[@]}" --expect 'lost_acked == 0' --seeds 1..3
memcheck 0 config
memcheck 2 run acks=all 'fault.x=crash leader at 10'
printf 'acks=1\nbogus.key=2\n' >"$tmp/bad.properties"
memcheck 2 run "$tmp/bad.properties"

[ "$failures" -eq 0 ] || { echo "valgrind.sh: $failures failed" >&2; exit 1; }
echo "valgrind.sh: no leak and no invalid access"
