# figure.gp: one broker of three crashes under a topic of 12 partitions (acks=1, no
# idempotence, 5 in flight): reordered records, lost acknowledged records and the p99 latency
# against the number of distinct keys (0 = null keys), for one producer and three.
load '../common.gp'
set output 'figure.png'
set terminal pngcairo size 1500,560 noenhanced font 'Sans,10'
set multiplot layout 1,3 title "Keys: broker-1 of 3 crashes at 50 ms, 12 partitions, acks=1, no idempotence, 5 in flight (2000 records, 50 seeds, mean, 95% CI)"
set xlabel 'workload.keys (distinct keys; null = no key)'
set logscale x
set xrange [0.35:150]
set xtics ('null' 0.5, '1' 1, '2' 2, '3' 3, '6' 6, '12' 12, '24' 24, '100' 100)
# Null keys (workload.keys = 0) are drawn at 0.5 on the log axis.
kx(x) = (column('workload.keys') == 0) ? 0.5 : column('workload.keys')
N = "'Reordered records (within a producer and partition)' 'Acknowledged records lost' 'p99 latency, send to callback'"
F = "reordered lost_acked latency_p99_ms"
T = "'reordered records (per run)' 'lost acknowledged records (per run)' 'p99 latency (ms)'"
do for [i=1:3] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [n in "1 3"] 'cells.csv' \
        using (is('workload.producers', n) ? kx(0) : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 title 'workload.producers='.n
}
unset multiplot
