# figure.gp: duplicates after a producer restart without transactions, the application
# re-sending what it was told failed.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Producer restart at time t, no transactions, application re-sends failed records (2000 records, 30 seeds, mean and 95% CI)"
set xlabel 'producer restart time t (ms)'
N = "'Duplicate records in the committed log' 'Records reported failed (then re-sent by the application)'"
F = "duplicates failed"
T = "'duplicate records (per run)' 'records reported failed, then re-sent (per run)'"
do for [i=1:2] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [e in "false true"] 'cells.csv' \
        using (is('enable.idempotence', e) ? column('t') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 title 'enable.idempotence='.e
}
unset multiplot
