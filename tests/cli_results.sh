#!/bin/bash
# cli_results.sh: results/ can never drift from the code silently. For each curated sweep in
# experiments/ whose results/NAME/runs.csv is committed, re-run a slice (seeds 1..2 of every
# cell) and check each fresh row (axis values, seed, status, every field, trace hash) is a row
# of the committed runs.csv. A failure names the sweep and the first differing row; re-run
#   kafkasim sweep experiments/NAME.sweep --out results/NAME && sh results/plot.sh
# and commit when the change is intended. Usage: bash cli_results.sh KAFKASIM SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
checked=0
for dir in "$src"/results/*/; do
    name=$(basename "$dir")
    spec="$src/experiments/$name.sweep"
    [ -f "$dir/runs.csv" ] && [ -f "$spec" ] || continue
    # The same spec with seeds 1..2 only (the committed rows hold these seeds too).
    sed -e 's/^seeds[[:space:]]*=.*/seeds = 1..2/' -e '/^plot\./d' "$spec" >"$tmp/$name.sweep"
    if ! "$bin" sweep "$tmp/$name.sweep" --out "$tmp/$name" --jobs 2 >/dev/null 2>"$tmp/$name.err"; then
        echo "FAIL $name: the slice did not run:"; cat "$tmp/$name.err"; fail=1; continue
    fi
    # Drop the run and cell indexes (they depend on the seed count), keep everything else.
    cut -d, -f3- "$dir/runs.csv" | tail -n +2 | sort >"$tmp/$name.committed"
    cut -d, -f3- "$tmp/$name/runs.csv" | tail -n +2 | sort >"$tmp/$name.fresh"
    rows=$(wc -l <"$tmp/$name.fresh")
    missing=$(comm -23 "$tmp/$name.fresh" "$tmp/$name.committed" | head -1)
    # The committed CSV holds the whole grid: (rows of the 2-seed slice) / 2 x the spec's seeds.
    seeds=$(sed -n 's/^seeds[[:space:]]*=[[:space:]]*\([0-9]*\)\.\.\([0-9]*\).*/\2 \1/p' "$spec" |
        awk '{print $1 - $2 + 1}')
    committed_rows=$(wc -l <"$tmp/$name.committed")
    if [ "$rows" -eq 0 ]; then
        echo "FAIL $name: the slice produced no rows"; fail=1
    elif ! head -1 "$tmp/$name/runs.csv" | cut -d, -f3- | cmp -s - <(head -1 "$dir/runs.csv" | cut -d, -f3-); then
        echo "FAIL $name: results/$name/runs.csv has other columns than kafkasim writes now"; fail=1
    elif [ -n "$seeds" ] && [ "$committed_rows" -ne $((rows / 2 * seeds)) ]; then
        echo "FAIL $name: results/$name/runs.csv has $committed_rows rows, the spec makes $((rows / 2 * seeds))"; fail=1
    elif [ -n "$missing" ]; then
        echo "FAIL $name: a fresh row is not in results/$name/runs.csv:"; echo "  $missing"; fail=1
    else
        echo "ok   $name: $rows fresh rows match the committed CSV"
    fi
    checked=$((checked + 1))
done
if [ "$checked" -lt 10 ]; then echo "FAIL: only $checked curated sweeps found (expected 10)"; fail=1; fi
exit $fail
