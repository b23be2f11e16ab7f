# figure.gp: duplicates of an idempotent producer when the leader restarts at its k-th append.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Broker restart: idempotent producer, the leader crashes at its k-th append and is back after 50 ms (2000 records, 20 seeds, mean and 95% CI)"
set xlabel 'leader append k at which the leader crashes (appends)'
set key below
N = "'Duplicate records in the committed log' 'Retries answered from the producer-state cache'"
F = "duplicates deduplicated"
T = "'duplicate records (per run)' 'retries answered from the dedup cache (per run)'"
do for [i=1:2] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [r in "1 3"] 'cells.csv' \
        using (is('replication.factor', r) ? column('k') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 ps 0.6 title sprintf('replication.factor=%s', r)
}
unset multiplot
