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

# The summary table on standard output: a row per cell with mean +- CI of each plot.y field,
# then what each field counts.
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/table" --jobs 2 >"$T/table.out" 2>/dev/null
grep -q '^acks  k  *lost_acked  *duplicates$' "$T/table.out" || fail "summary table header"
[ "$(grep -c '^\(1\|all\) .* +- .* +- ' "$T/table.out")" -eq 8 ] || fail "summary table: 8 cell rows"
grep -q '^all   4  ' "$T/table.out" || fail "summary table: the cell acks=all, k=4"
grep -q '95% confidence interval .* over the 3 seeds' "$T/table.out" || fail "summary table legend"
grep -q '^  lost_acked  lost acknowledged records (records)$' "$T/table.out" ||
    fail "summary table names what lost_acked counts"
grep -q 'runs.csv' "$T/table.out" || fail "the paths line after the table"
# The plot's script is written beside the CSV, with words and units, and integer ticks.
gp=$T/one/plot-lost_acked.gp
grep -q '^ttl = "Lost acknowledged records: mean and 95% confidence interval over 3 seeds per point"$' "$gp" ||
    fail "plot title in words: $(grep '^ttl' "$gp")"
grep -q '^xlabel = "k (step index) in fault.crash1 = crash leader on leader.append n=k"$' "$gp" ||
    fail "x label of a variable axis: $(grep '^xlabel' "$gp")"
grep -q '^ylabel = "lost acknowledged records (records per run)"$' "$gp" || fail "y label with unit"
grep -q '^xstep = 1$' "$gp" || fail "an integer axis gets integer ticks"
grep -q '^panels = 1$' "$gp" || fail "example.sweep plots every axis: one panel"
grep -q '^# ---- line.gp ----$' "$gp" || fail "the script carries line.gp's text"

# An axis neither plot.x nor plot.series gets a panel per value, never a silent average.
printf '%s\n' 'set.workload.records = 20' 'set.fault.crash1 = crash leader on leader.append n=${k}' \
    'axis.acks = 1, all' 'axis.min.insync.replicas = 1, 2' 'axis.k = 1..2' 'seeds = 1..2' \
    'plot.x = k' 'plot.y = lost_acked' 'plot.series = acks' >"$T/panels.sweep"
"$BIN" sweep "$T/panels.sweep" --out "$T/panels" --jobs 2 >/dev/null 2>"$T/panels.err" ||
    fail "panels sweep: $(cat "$T/panels.err")"
gp=$T/panels/plot-lost_acked.gp
grep -q '^panels = 2$' "$gp" || fail "min.insync.replicas not plotted: 2 panels"
grep -q '^ptitle\[1\] = "min.insync.replicas=1"$' "$gp" || fail "panel 1 title"
grep -q '^ptitle\[2\] = "min.insync.replicas=2"$' "$gp" || fail "panel 2 title"
head -1 "$T/panels/plot-lost_acked.csv" | grep -q '^panel,min.insync.replicas,k,acks=1,ci95,acks=all,ci95$' ||
    fail "plot CSV header with the panel axis"
[ "$(wc -l <"$T/panels/plot-lost_acked.csv")" -eq 5 ] || fail "plot CSV: 2 panels x 2 k"
grep -q '^1,2,2,' "$T/panels/plot-lost_acked.csv" || fail "plot CSV: panel 1 is min.insync.replicas=2"
if command -v gnuplot >/dev/null; then
    head -c 4 "$T/panels/plot-lost_acked.png" | grep -q 'PNG' || fail "panels drawn"
    [ ! -s "$T/panels/plots.log" ] || fail "gnuplot said: $(cat "$T/panels/plots.log")"
fi
# Averaging only when asked, and then the title names the averaged axis and its values.
printf 'plot.average = min.insync.replicas\n' >>"$T/panels.sweep"
"$BIN" sweep "$T/panels.sweep" --out "$T/average" --jobs 2 >/dev/null 2>&1
gp=$T/average/plot-lost_acked.gp
grep -q '^panels = 1$' "$gp" || fail "plot.average: one panel"
grep -q '^ttl = ".*\\naveraged over min.insync.replicas (1, 2)"$' "$gp" ||
    fail "plot.average: the title names the averaged axis: $(grep '^ttl' "$gp")"
[ "$(wc -l <"$T/average/plot-lost_acked.csv")" -eq 3 ] || fail "plot.average: one row per k"

# A heatmap gets the same panels, and says it shows means only.
sed -e '/^plot.average/d' "$T/panels.sweep" >"$T/heatmap.sweep"
printf 'plot.kind = heatmap\n' >>"$T/heatmap.sweep"
"$BIN" sweep "$T/heatmap.sweep" --out "$T/heatmap" --jobs 2 >/dev/null 2>&1
gp=$T/heatmap/plot-lost_acked.gp
grep -q '^panels = 2$' "$gp" || fail "heatmap: a panel per min.insync.replicas"
grep -q '^ttl = "Lost acknowledged records: mean over 2 seeds per cell"$' "$gp" || fail "heatmap title"
grep -q '^# ---- heatmap.gp ----$' "$gp" || fail "the script carries heatmap.gp's text"
[ "$(wc -l <"$T/heatmap/plot-lost_acked.csv")" -eq 5 ] || fail "heatmap CSV: 2 panels x 2 acks"

# errors.CODE reads as the times the producer saw that error.
printf 'set.workload.records = 20\naxis.acks = 1, all\nplot.x = acks\nplot.y = errors.NOT_ENOUGH_REPLICAS\n' >"$T/errors.sweep"
"$BIN" sweep "$T/errors.sweep" --out "$T/errors" >"$T/errors.out" 2>&1 || fail "errors.CODE sweep: $(cat "$T/errors.out")"
grep -q '^ylabel = "times the producer saw error NOT_ENOUGH_REPLICAS (per run)"$' \
    "$T/errors/plot-errors.NOT_ENOUGH_REPLICAS.gp" || fail "errors.CODE y label"

# Every output field has words and a unit (a field without a row would be labelled by its name).
# The sweep's own field list (its message for an unknown plot.y field), less the two hashes.
printf 'axis.acks = 1, all\nplot.x = acks\nplot.y = nope\n' >"$T/fields.sweep"
fields=$("$BIN" sweep "$T/fields.sweep" --out "$T/fields" 2>&1 | sed -n 's/.*allowed: //p' | sed 's/, errors\.CODE.*//' |
    tr ',' '\n' | grep -v -x -e config_hash -e trace_hash | paste -sd, -)
[ -n "$fields" ] || fail "no field list in the message for an unknown plot.y field"
printf 'axis.acks = 1, all\nplot.x = acks\nplot.y = %s\n' "$fields" >"$T/labels.sweep"
PATH=/nonexistent "$BIN" sweep "$T/labels.sweep" --out "$T/labels" --jobs 1 >"$T/labels.out" 2>&1
for f in ${fields//,/ }; do
    grep -q "^ylabel = \"$f\"$" "$T/labels/plot-$f.gp" 2>/dev/null && fail "field $f has no label"
    [ -s "$T/labels/plot-$f.gp" ] || fail "no plot-$f.gp"
    # Its unit in the summary's legend ("  NAME  LABEL (UNIT)") is the reference page's.
    unit=$(sed -n "s/^  $f  .* (\(.*\))\$/\1/p" "$T/labels.out")
    ref=$(sed -n "s/^| \`$f\` | \([^|]*\) |.*/\1/p" "$SRC/docs/reference.md" | head -1)
    [ -z "$ref" ] && ref=$(sed -n "s/^| \`[a-z_.]*\` (\`$f\`) | \([^|]*\) |.*/\1/p" "$SRC/docs/reference.md" | head -1)
    [ -z "$ref" ] && ref=$(sed -n "s/^| [^|]*(.*\`$f\`.*) | \([^|]*\) |.*/\1/p" "$SRC/docs/reference.md" | head -1)
    [ "$unit" = "$ref" ] || fail "field $f: unit '$unit' in the sweep, '$ref' in docs/reference.md"
done

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
expect_bad 'axis.acks = 1, all\nplot.x = acks\nplot.y = acked\nplot.average = acks\n' 'bad.sweep:4: plot.average: .acks. is not to be averaged'
expect_bad 'axis.acks = 1, all\nplot.x = acks\nplot.y = acked\nplot.average = nope\n' 'bad.sweep:4: plot.average: .nope. is not an axis'
expect_bad 'axis.acks = 1, all\naxis.batch.size = 1..17\naxis.linger.ms = 0..1\nplot.x = acks\nplot.y = acked\n' 'bad.sweep:5: plot.y: the axes not plotted (batch.size (17) x linger.ms (2)) make more than 16 panels'
"$BIN" sweep "$SRC/experiments/example.sweep" --shard 5/4 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--shard 5/4 is bad usage"

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_sweep: $fails failed"
exit $((fails > 0))
