# figure.gp: reordered and duplicated records against max.in.flight.requests.per.connection,
# with and without idempotence, when 2% of the requests are lost and when 2% of the responses
# are lost with their connection (`break`: one loss kind per cell; nothing behind a loss arrives
# until the request timeout closes the connection).
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Ordering: 2% of requests or 2% of responses lost, acks=all (2000 records, 30 seeds, mean, 95% CI). Grey: in-flight > 5, rejected by Kafka with idempotence"
set xlabel 'max.in.flight.requests.per.connection (requests)'
set xrange [0.5:10.5]
set object 1 rect from 5.5, graph 0 to 10.5, graph 1 fc rgb '#eeeeee' fs solid behind
REQ = 'break requests producer -> leader p=0.02'
RSP = 'break responses leader -> producer p=0.02'
N = "'Reordered records in the committed log' 'Duplicate records in the committed log'"
F = "reordered duplicates"
T = "'reordered records (per run)' 'duplicate records (per run)'"
do for [i=1:2] {
    f = word(F, i)
    set ylabel word(T, i)
    set title word(N, i)
    plot for [e in "false true"] 'cells.csv' \
        using ((is('fault.drop', REQ) && is('enable.idempotence', e)) ? column('max.in.flight.requests.per.connection') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 7 title 'requests lost, enable.idempotence='.e, \
         for [e in "false true"] 'cells.csv' \
        using ((is('fault.drop', RSP) && is('enable.idempotence', e)) ? column('max.in.flight.requests.per.connection') : NaN):(m(f)):(lo(f)):(hi(f)) \
        lw 2 pt 5 dt 2 title 'responses lost, enable.idempotence='.e
}
unset multiplot
