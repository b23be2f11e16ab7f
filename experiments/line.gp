# line.gp: one output field of a sweep against one axis: the mean of each point with its 95%
# confidence interval as error bars, one line per value of plot.series.
#
# kafkasim sweep calls it once per plot.y field and terminal:
#   gnuplot -e "in='OUT/plot-F.csv'; out='OUT/plot-F.png'; term='png'; ttl='F'; \
#               xlabel='k'; ylabel='F'; series=2; xnumeric=1" line.gp
# in:       CSV with a header row; column 1 is the x value, then for each series value a mean
#           column (its header is the line's title) and a ci95 column
# term:     png (pngcairo) or svg
# series:   how many (mean, ci95) column pairs follow x
# xnumeric: 1 when every x value is a number (a true x axis), 0 for labels (acks = 1, all)

if (!exists("term")) term = 'png'
if (!exists("series")) series = 1
if (!exists("xnumeric")) xnumeric = 1
if (!exists("ttl")) ttl = ''
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''

if (term eq 'svg') {
    set terminal svg size 800,500 dynamic noenhanced font 'Sans,11' background '#ffffff'
} else {
    set terminal pngcairo size 800,500 noenhanced font 'Sans,10'
}
set output out
set datafile separator comma
set datafile missing ''
set title ttl
set xlabel xlabel
set ylabel ylabel
set grid
set key outside right top
set offsets graph 0.03, graph 0.03, graph 0.05, 0

# Error bars as (x, mean, low, high): low and high set the autoscaled range, so no bar is cut;
# the fields are counts and durations, so a bar stops at 0.
low(m, ci) = (m - ci < 0) ? 0 : m - ci
if (xnumeric) {
    plot for [i=0:series-1] in using 1:(column(2+2*i)):(low(column(2+2*i), column(3+2*i))): \
        (column(2+2*i) + column(3+2*i)) with yerrorlines lw 2 pt 7 ps 0.8 title columnheader(2+2*i)
} else {
    plot for [i=0:series-1] in using 0:(column(2+2*i)):(low(column(2+2*i), column(3+2*i))): \
        (column(2+2*i) + column(3+2*i)):xticlabels(1) \
        with yerrorlines lw 2 pt 7 ps 0.8 title columnheader(2+2*i)
}
