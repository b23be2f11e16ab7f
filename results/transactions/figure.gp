# figure.gp: what transactions cost one producer writing 2000 records (3 brokers, acks=all,
# idempotent, no faults), against the records per transaction: committed records per second of
# simulated time, and the send-to-callback latency of a record.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "One transactional producer, 2000 records, 3 brokers, acks=all, no faults (10 seeds, mean, 95% CI)"
set xlabel 'workload.transaction.records (records per transaction)'
set logscale x
set xrange [0.5:2000]
set xtics (1, 10, 100, 1000)
set title 'Throughput: committed records per second of simulated time'
set ylabel 'records/s (committed / sim_time_ms)'
set logscale y
set style data linespoints
plot 'cells.csv' using (column('workload.transaction.records')):(1000 * m('committed') / m('sim_time_ms')) \
    lw 2 pt 7 title 'committed records / s'
unset logscale y
set yrange [0:*]
set style data yerrorlines
set title "Latency of a record's send to its callback"
set ylabel 'ms'
plot 'cells.csv' using (column('workload.transaction.records')):(m('latency_p50_ms')):(lo('latency_p50_ms')):(hi('latency_p50_ms')) \
        lw 2 pt 7 title 'latency_p50_ms', \
     'cells.csv' using (column('workload.transaction.records')):(m('latency_p99_ms')):(lo('latency_p99_ms')):(hi('latency_p99_ms')) \
        lw 2 pt 5 title 'latency_p99_ms'
unset multiplot
