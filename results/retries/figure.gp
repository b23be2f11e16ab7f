# figure.gp: duplicates per million records against the rate of lost Produce responses, and the
# retries the idempotent leader answered from its producer-state cache.
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Retries: lost Produce responses, acks=all, 5 in flight, request.timeout.ms=30 (2000 records, 30 seeds, mean and 95% CI)"
set xlabel 'Produce responses lost (%)'
set ylabel 'duplicates per million records'
set title 'Duplicate records in the committed log, per million records'
plot for [e in "false true"] 'cells.csv' \
    using (is('enable.idempotence', e) ? 100 * column('p') : NaN):(1e6 * m('duplicates') / m('records')):(1e6 * lo('duplicates') / m('records')):(1e6 * hi('duplicates') / m('records')) \
    lw 2 pt 7 title 'enable.idempotence='.e
set ylabel 'requests per run'
set title 'Produce retries, and retries answered from the 5-batch producer-state cache'
plot for [e in "false true"] 'cells.csv' \
    using (is('enable.idempotence', e) ? 100 * column('p') : NaN):(m('retries')):(lo('retries')):(hi('retries')) \
    lw 2 pt 7 title 'retries, enable.idempotence='.e, \
     'cells.csv' using (is('enable.idempotence', 'true') ? 100 * column('p') : NaN):(m('deduplicated')):(lo('deduplicated')):(hi('deduplicated')) \
    lw 2 pt 5 dt 2 title 'deduplicated, enable.idempotence=true'
unset multiplot
