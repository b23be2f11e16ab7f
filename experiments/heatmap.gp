# heatmap.gp: the mean of one output field of a sweep over a grid of two axes: plot.x across,
# plot.series down, each cell coloured and labelled with its mean; a panel per combination of
# the axes the plot does not show (none is averaged over unless the spec names it in
# plot.average; the title then says so).
#
# kafkasim sweep writes OUT/plot-F.gp: these variables, then this file's text, and runs it in
# OUT (gnuplot plot-F.gp for the PNG, gnuplot -e "term='svg'" plot-F.gp for the SVG):
# in:        CSV matrix: the header row holds the plot.x values (after a corner cell), each
#            later row a plot.series value and then the means; panel p's rows are rows
#            p*series .. p*series+series-1
# out, term: the picture; term is png (pngcairo) or svg
# ttl, xlabel, ylabel, zlabel: the words (ylabel names plot.series, zlabel the field)
# series:    rows per panel;  ymax: the largest mean, the top of the shared colour scale
# panels, layout_rows, layout_cols, ptitle[1..panels]: the panels and their titles

if (!exists("term")) term = 'png'
if (!exists("series")) series = 1
if (!exists("panels")) panels = 1
if (!exists("layout_rows")) layout_rows = 1
if (!exists("layout_cols")) layout_cols = 1
if (!exists("ttl")) ttl = ''
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("zlabel")) zlabel = ''
if (!exists("ymax")) ymax = 0

width = (layout_cols == 1) ? 800 : 60 + 560 * layout_cols
height = (layout_rows == 1) ? 600 : 80 + 460 * layout_rows
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
set cblabel zlabel
set view map
set palette defined (0 '#ffffff', 1 '#fdd49e', 2 '#fc8d59', 3 '#b30000')
if (ymax > 0) { set cbrange [0:ymax] } else { set cbrange [0:1] }
set tics out nomirror
unset key

if (panels > 1) {
    set multiplot layout layout_rows, layout_cols title ttl
} else {
    set title ttl
}
do for [p = 0:panels - 1] {
    if (panels > 1) { set title ptitle[p + 1] }
    plot in matrix rowheaders columnheaders every :::(p*series)::(p*series+series-1) \
            using 1:($2 - p*series):3 with image, \
         in matrix rowheaders columnheaders every :::(p*series)::(p*series+series-1) \
            using 1:($2 - p*series):($3 == $3 ? sprintf('%.3g', $3) : '') with labels
}
if (panels > 1) { unset multiplot }
