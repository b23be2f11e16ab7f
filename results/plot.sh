#!/bin/sh
# plot.sh: redraw figure.png of every curated experiment from its committed cells.csv.
#   sh results/plot.sh
cd "$(dirname "$0")" || exit 2
for d in */; do
    [ -f "$d/figure.gp" ] || continue
    (cd "$d" && gnuplot figure.gp) || { echo "plot.sh: $d failed" >&2; exit 1; }
done
