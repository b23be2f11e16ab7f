# figure.gp: one step of a rolling restart, a crash against a clean stop of the leader.
load '../common.gp'
set output 'figure.png'
set title "Rolling restart of the leader: crash (kill -9) or clean stop, back 10 s later (6000 records at 200/s, 20 seeds, mean and 95% CI)"
set xlabel 'acks and how the leader was taken down'
set ylabel 'send-to-callback latency (ms, log scale)'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set key below right
set logscale y
set yrange [1:*]
plot 'cells.csv' using (m('latency_p99_ms')):(c('latency_p99_ms')):xtic(sprintf('acks=%s %s', strcol('acks'), strcol('how'))) title 'p99 latency', \
     '' using (m('latency_max_ms')):(c('latency_max_ms')) title 'max latency'
