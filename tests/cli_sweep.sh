#!/usr/bin/env bash
# cli_sweep.sh: `kafkasim sweep` end to end on experiments/example.sweep: the CSV files, their
# independence of --jobs, the plots (and the line when gnuplot is missing), bad spec input.
# Usage: bash cli_sweep.sh KAFKASIM_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/kafkasim-cli-sweep-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$BIN" sweep --help >"$T/help" || fail "--help exit status"
grep -q 'axis.KEY' "$T/help" || fail "--help documents the spec syntax"

# A whole sweep, one worker and three: the same bytes.
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/one" --jobs 1 >/dev/null 2>"$T/one.err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "sweep exit status $rc: $(cat "$T/one.err")"
[ "$(wc -l <"$T/one/runs.csv")" -eq 25 ] || fail "runs.csv has a header and 24 runs"
[ "$(wc -l <"$T/one/cells.csv")" -eq 9 ] || fail "cells.csv has a header and 8 cells"
head -1 "$T/one/runs.csv" | grep -q '^run,cell,acks,k,seed,status,' || fail "runs.csv header"
head -1 "$T/one/cells.csv" | grep -q '^cell,acks,k,runs,runs_failed,runs_with_anomaly,' ||
    fail "cells.csv header"
grep -q '^0,0,1,1,1,' "$T/one/runs.csv" || fail "run 0 is cell 0 (acks=1, k=1), seed 1"
grep -q '^23,7,all,4,3,' "$T/one/runs.csv" || fail "run 23 is cell 7 (acks=all, k=4), seed 3"
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/three" --jobs 3 >/dev/null 2>&1
cmp -s "$T/one/runs.csv" "$T/three/runs.csv" || fail "runs.csv differs between --jobs 1 and 3"
cmp -s "$T/one/cells.csv" "$T/three/cells.csv" || fail "cells.csv differs between --jobs 1 and 3"

# Plots: PNG and SVG with gnuplot; without it, the CSV and one line saying so.
if command -v gnuplot >/dev/null; then
    head -c 4 "$T/one/plot-lost_acked.png" | grep -q 'PNG' || fail "plot-lost_acked.png"
    grep -q '<svg' "$T/one/plot-duplicates.svg" || fail "plot-duplicates.svg"
fi
PATH=/nonexistent "$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/nognuplot" --jobs 2 \
    >/dev/null 2>"$T/nognuplot.err"
grep -q 'plots skipped' "$T/nognuplot.err" || fail "no line saying the plots were skipped"
cmp -s "$T/one/cells.csv" "$T/nognuplot/cells.csv" || fail "cells.csv without gnuplot"

# An existing journal is not overwritten without --resume.
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/one" >/dev/null 2>"$T/again.err"
[ $? -eq 2 ] && grep -q -- '--resume' "$T/again.err" || fail "rerun into a used --out"

# Bad input: exit 2 and one message naming file:line and key.
expect_bad() { # SPEC_TEXT WANT
    printf '%b' "$1" >"$T/bad.sweep"
    "$BIN" sweep "$T/bad.sweep" --out "$T/bad" >/dev/null 2>"$T/bad.err"
    local rc=$?
    [ $rc -eq 2 ] || fail "bad spec '$1': exit $rc, want 2"
    grep -q -- "$2" "$T/bad.err" || fail "bad spec '$1': message $(cat "$T/bad.err"), want $2"
    [ "$(wc -l <"$T/bad.err")" -eq 1 ] || fail "bad spec '$1': one line of message"
}
expect_bad 'axis.acks = 1, all\nbogus = 3\n' 'bad.sweep:2: bogus: unknown key'
expect_bad 'axis.acks = 1, all\nplot.x = acks\nplot.y = nope\n' 'bad.sweep:3: plot.y: .nope. is not an output field'
expect_bad 'axis.k = 1..3\n' 'bad.sweep:1: axis.k'
expect_bad 'axis.acks = 1, banana\n' 'bad.sweep:1: acks'
expect_bad 'axis.acks = 1\nseeds = 2..1\n' 'bad.sweep:2: seeds'
"$BIN" sweep "$SRC/experiments/example.sweep" --shard 5/4 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--shard 5/4 is bad usage"

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_sweep: $fails failed"
exit $((fails > 0))
