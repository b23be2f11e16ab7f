# figure.gp: lost acknowledged writes against the leader's crash time, one panel per
# (min.insync.replicas, unclean.leader.election.enable), one line per acks.
load '../common.gp'
set output 'figure.png'
set multiplot layout 2,2 title "Durability: followers cut off at 5 ms, ISR shrinks after replica.lag.time.max.ms=50; leader crashes at t (2000 records, 20 seeds, mean and 95% CI)"
set xlabel 'leader crash time t (ms)'
set ylabel 'lost acknowledged records (per run)'
set yrange [0:2100]
do for [m in "1 2"] { do for [u in "false true"] {
    set title sprintf("min.insync.replicas=%s, unclean.leader.election.enable=%s", m, u)
    plot for [a in "1 all"] 'cells.csv' \
        using (is('min.insync.replicas', m) && is('unclean.leader.election.enable', u) && is('acks', a) ? column('t') : NaN):(m('lost_acked')):(lo('lost_acked')):(hi('lost_acked')) \
        lw 2 pt 7 title 'acks='.a
} }
unset multiplot
