# figure.gp: reordered and duplicated records against max.in.flight.requests.per.connection,
# with and without idempotence, under 2% lost requests and 2% lost responses.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,3 title "Ordering: 2% requests, 2% responses lost, acks=all (2000 records, 30 seeds, mean, 95% CI). Grey: in-flight > 5, rejected by Kafka with idempotence"
set xlabel 'max.in.flight.requests.per.connection (requests)'
set xrange [0.5:10.5]
set object 1 rect from 5.5, graph 0 to 10.5, graph 1 fc rgb '#eeeeee' fs solid behind
F = "reordered duplicates failed"
T = "'reordered records (per run)' 'duplicate records (per run)' 'records reported failed (per run)'"
do for [i=1:3] {
    f = word(F, i)
    set ylabel word(T, i)
    set title f
    plot for [e in "false true"] 'cells.csv' \
        using (is('enable.idempotence', e) ? column('max.in.flight.requests.per.connection') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 title 'enable.idempotence='.e
}
unset multiplot
