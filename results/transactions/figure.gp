# figure.gp: what transactions cost one producer writing 2000 records (3 brokers, acks=all,
# idempotent, no faults), against the records per transaction, with transaction version 1
# (kafka.version 3.9) and 2 (4.0, KIP-890 part 2): committed records per second of simulated
# time, and the send-to-callback latency of a record.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "One transactional producer, 2000 records, 3 brokers, acks=all, no faults (10 seeds, mean, 95% CI)"
set xlabel 'workload.transaction.records (records per transaction)'
set logscale x
set xrange [0.5:2000]
set xtics (1, 10, 100, 1000)
tv(v) = v eq '3.9' ? 'transaction.version 1 (3.9)' : 'transaction.version 2 (4.0)'
set title 'Throughput: committed records per second of simulated time'
set ylabel 'records/s (committed / sim_time_ms)'
set logscale y
set style data linespoints
plot for [v in "3.9 4.0"] 'cells.csv' \
    using (is('kafka.version', v) ? column('workload.transaction.records') : NaN):(1000 * m('committed') / m('sim_time_ms')) \
    lw 2 pt 7 title tv(v)
unset logscale y
set yrange [0:*]
set style data yerrorlines
set title "Latency of a record's send to its callback"
set ylabel 'ms'
plot for [v in "3.9 4.0"] 'cells.csv' \
        using (is('kafka.version', v) ? column('workload.transaction.records') : NaN):(m('latency_p50_ms')):(lo('latency_p50_ms')):(hi('latency_p50_ms')) \
        lw 2 pt 7 title sprintf('latency_p50_ms, %s', tv(v)), \
     for [v in "3.9 4.0"] 'cells.csv' \
        using (is('kafka.version', v) ? column('workload.transaction.records') : NaN):(m('latency_p99_ms')):(lo('latency_p99_ms')):(hi('latency_p99_ms')) \
        lw 2 pt 5 dt 2 title sprintf('latency_p99_ms, %s', tv(v))
unset multiplot
