# plot-processed_never.gp: written by kafkasim sweep from experiments/pipeline.sweep; redraw in this folder with
#   gnuplot plot-processed_never.gp    (or gnuplot -e "term='svg'" plot-processed_never.gp)
if (!exists("term")) term = 'png'
if (!exists("out")) out = 'plot-processed_never.' . term
in = 'plot-processed_never.csv'
ttl = "Input records committed as consumed, never applied: mean and 95% confidence interval over 2 seeds per point\naveraged over t (3000, 4460, 5920, 7380)"
xlabel = "auto.commit.interval.ms (ms)"
ylabel = "input records committed as consumed, never applied (records per run)"
zlabel = "input records committed as consumed, never applied (records per run)"
series = 2
xcount = 4
xcol = 4
xnumeric = 1
xstep = 500
ymax = 2.74904
xlo = -47
xhi = 5147
keyed = 1
panels = 4
layout_rows = 2
layout_cols = 2
array ptitle[4]
ptitle[1] = "workload.pipeline=at-least-once, workload.commit=sync"
ptitle[2] = "workload.pipeline=at-least-once, workload.commit=async"
ptitle[3] = "workload.pipeline=at-most-once, workload.commit=sync"
ptitle[4] = "workload.pipeline=at-most-once, workload.commit=async"
# ---- line.gp ----
# line.gp: one output field of a sweep against one axis: the mean of each point with its 95%
# confidence interval as error bars, one line per value of plot.series, and a panel per
# combination of the axes the plot does not show (none is averaged over unless the spec names
# it in plot.average; the title then says so).
#
# kafkasim sweep writes OUT/plot-F.gp: these variables, then this file's text, and runs it in
# OUT (gnuplot plot-F.gp for the PNG, gnuplot -e "term='svg'" plot-F.gp for the SVG):
# in:        CSV with a header row: panel number, the panel axes' values, x, then for each
#            series value a mean column (its header is the line's title) and a ci95 column;
#            a panel's rows are consecutive, xcount of them
# out, term: the picture; term is png (pngcairo) or svg
# ttl, xlabel, ylabel: the words (a title may hold \n)
# series:    (mean, ci95) column pairs after x;  xcol: the column of x
# xnumeric:  1 when every x value is a number (a true x axis), 0 for labels (acks = 1, all)
# xstep:     the tick step of an axis of integers, 0 for gnuplot's own ticks
# ymax:      the largest mean + ci95 of every panel, so panels share one y scale
# xlo, xhi:  the x range;  keyed: 1 when there is a legend (plot.series), 0 for one line
# panels, layout_rows, layout_cols, ptitle[1..panels]: the panels and their titles

if (!exists("term")) term = 'png'
if (!exists("series")) series = 1
if (!exists("xnumeric")) xnumeric = 1
if (!exists("xstep")) xstep = 0
if (!exists("ymax")) ymax = 0
if (!exists("keyed")) keyed = 1
if (!exists("xcol")) xcol = 2
if (!exists("xcount")) xcount = 1
if (!exists("panels")) panels = 1
if (!exists("layout_rows")) layout_rows = 1
if (!exists("layout_cols")) layout_cols = 1
if (!exists("ttl")) ttl = ''
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''

width = (layout_cols == 1) ? 800 : 60 + 520 * layout_cols
height = (layout_rows == 1) ? 500 : 80 + 400 * layout_rows
if (term eq 'svg') {
    set terminal svg size width,height dynamic noenhanced font 'Sans,11' background '#ffffff'
} else {
    set terminal pngcairo size width,height noenhanced font 'Sans,10'
}
set output out
set datafile separator comma
set datafile missing ''
set xlabel xlabel
set ylabel ylabel
set grid
# The legend sits under the plot area in one row, not beside it, so the data keep the width.
set key outside bottom center horizontal samplen 2 spacing 1 width 1
if (exists("xlo")) { set xrange [xlo:xhi] }
if (!keyed) { unset key }
if (ymax > 0) { set yrange [0:ymax] } else { set yrange [0:1] }
if (xstep > 0) { set xtics xstep format '%.0f' }

# Error bars as (x, mean, low, high): low and high set the autoscaled range, so no bar is cut;
# the fields are counts and durations, so a bar stops at 0. A panel draws its own rows only.
low(m, ci) = (m - ci < 0) ? 0 : m - ci
xat(p) = (column(1) != p) ? NaN : xnumeric ? column(xcol) : $0 - p * xcount
if (panels > 1) {
    set multiplot layout layout_rows, layout_cols title ttl
} else {
    set title ttl
}
do for [p = 0:panels - 1] {
    if (panels > 1) { set title ptitle[p + 1] }
    if (xnumeric) {
        plot for [i=0:series-1] in using (xat(p)):(column(xcol+1+2*i)): \
            (low(column(xcol+1+2*i), column(xcol+2+2*i))):(column(xcol+1+2*i) + column(xcol+2+2*i)) \
            with yerrorlines lw 2 pt 7 ps 0.8 title columnheader(xcol+1+2*i)
    } else {
        plot for [i=0:series-1] in using (xat(p)):(column(xcol+1+2*i)): \
            (low(column(xcol+1+2*i), column(xcol+2+2*i))):(column(xcol+1+2*i) + column(xcol+2+2*i)): \
            xticlabels(column(1) == p ? stringcolumn(xcol) : '') \
            with yerrorlines lw 2 pt 7 ps 0.8 title columnheader(xcol+1+2*i)
    }
}
if (panels > 1) { unset multiplot }
