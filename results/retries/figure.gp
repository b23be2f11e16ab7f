# figure.gp: duplicates per million records against the rate of lost Produce responses.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Retries: lost Produce responses, acks=all, 5 in flight, request.timeout.ms=30 (2000 records, 30 seeds, mean and 95% CI)"
set xlabel 'Produce responses lost (%)'
set ylabel 'duplicates per million records'
set title 'duplicates'
plot for [e in "false true"] 'cells.csv' \
    using (is('enable.idempotence', e) ? 100 * column('p') : NaN):(1e6 * m('duplicates') / m('records')):(1e6 * lo('duplicates') / m('records')):(1e6 * hi('duplicates') / m('records')) \
    lw 2 pt 7 title 'enable.idempotence='.e
set ylabel 'records reported failed (per run)'
set title 'failed (delivery.timeout.ms expired)'
plot for [e in "false true"] 'cells.csv' \
    using (is('enable.idempotence', e) ? 100 * column('p') : NaN):(m('failed')):(lo('failed')):(hi('failed')) \
    lw 2 pt 7 title 'enable.idempotence='.e
unset multiplot
