# common.gp: settings shared by the figure.gp scripts of the curated experiments. Each
# figure.gp runs in its own folder (cd results/NAME && gnuplot figure.gp) and reads cells.csv,
# the per-cell means and 95% confidence half-widths written by `kafkasim sweep`.
set terminal pngcairo size 1100,650 noenhanced font 'Sans,10'
set datafile separator comma
set datafile columnheaders
set grid
# The legend sits under each panel, not over the data or beside it.
set key below horizontal samplen 2
set style data yerrorlines
# m(F) / c(F): the mean and the ci95 half-width of field F in a cells.csv row.
m(f) = column(f . '_mean')
c(f) = column(f . '_ci95')
lo(f) = (m(f) - c(f) < 0) ? 0 : m(f) - c(f)
hi(f) = m(f) + c(f)
is(a, v) = strcol(a) eq v
