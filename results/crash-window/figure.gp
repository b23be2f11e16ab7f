# figure.gp: duplicates and lost acknowledged records when the leader crashes at its k-th append.
load '../common.gp'
set output 'figure.png'
set multiplot layout 2,1 title "Crash window: leader crashes at its k-th append, down 20 s, clean election (2000 records, 10 seeds, mean, 95% CI). acks=1 + idempotence: what-if"
set xlabel 'leader append k at which the leader crashes (appends)'
set key below
N = "'Duplicate records in the committed log' 'Lost acknowledged records'"
F = "duplicates lost_acked"
T = "'duplicate records (per run)' 'lost acknowledged records (per run)'"
do for [i=1:2] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [a in "1 all"] for [e in "false true"] 'cells.csv' \
        using (is('acks', a) && is('enable.idempotence', e) ? column('k') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 ps 0.6 title sprintf('acks=%s, enable.idempotence=%s', a, e)
}
unset multiplot
