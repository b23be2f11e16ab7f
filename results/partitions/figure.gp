# figure.gp: acknowledged writes lost and records reordered when broker-1 crashes (acks=1,
# 3 brokers, keyed records), against the topic's partition count, with 1 and 3 producers.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "One broker's crash, acks=1, 3 brokers, keyed records (2000 records, 20 seeds, mean, 95% CI)"
set xlabel 'num.partitions (broker-1 leads 1 of 1, 1 of 3, 2 of 6, 4 of 12)'
set xrange [0:13]
set xtics (1, 3, 6, 12)
N = "'Acknowledged writes lost (lost_acked)' 'Reordered records, per producer and partition'"
F = "lost_acked reordered"
T = "'lost acknowledged records (per run)' 'reordered records (per run)'"
do for [i=1:2] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [n in "1 3"] 'cells.csv' \
        using (is('workload.producers', n) ? column('num.partitions') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 title 'workload.producers='.n
}
unset multiplot
