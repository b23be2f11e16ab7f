# heatmap.gp: the mean of one output field of a sweep over a grid of two axes: plot.x across,
# plot.series down, each cell coloured and labelled with its mean.
#
# kafkasim sweep calls it once per plot.y field and terminal:
#   gnuplot -e "in='OUT/plot-F.csv'; out='OUT/plot-F.svg'; term='svg'; ttl='F'; \
#               xlabel='k'; ylabel='acks'" heatmap.gp
# in:   CSV matrix: the header row holds the plot.x values (after a corner cell), each later
#       row a plot.series value and then the means
# term: png (pngcairo) or svg

if (!exists("term")) term = 'png'
if (!exists("ttl")) ttl = ''
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''

if (term eq 'svg') {
    set terminal svg size 800,600 dynamic noenhanced font 'Sans,11' background '#ffffff'
} else {
    set terminal pngcairo size 800,600 noenhanced font 'Sans,10'
}
set output out
set datafile separator comma
set datafile missing ''
set title ttl
set xlabel xlabel
set ylabel ylabel
set view map
set palette defined (0 '#ffffff', 1 '#fdd49e', 2 '#fc8d59', 3 '#b30000')
set cbrange [0:*]
set tics out nomirror
unset key

plot in matrix rowheaders columnheaders using 1:2:3 with image, \
     in matrix rowheaders columnheaders using 1:2:($3 == $3 ? sprintf('%.3g', $3) : '') with labels
