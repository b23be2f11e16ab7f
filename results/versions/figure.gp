# figure.gp: anomalies under each Kafka release's producer defaults, the same faults for all.
load '../common.gp'
set output 'figure.png'
set title "Defaults through the versions: 2% requests and 2% responses lost, leader crash at its 30th append (2000 records, 50 seeds, mean and 95% CI)"
set xlabel 'kafka.version (producer defaults of that release)'
set ylabel 'records per run'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set key inside top right
set yrange [0:*]
plot 'cells.csv' using (m('duplicates')):(c('duplicates')):xtic(2) title 'duplicates', \
     '' using (m('reordered')):(c('reordered')) title 'reordered', \
     '' using (m('lost_acked')):(c('lost_acked')) title 'lost acknowledged', \
     '' using (m('failed')):(c('failed')) title 'reported failed', \
     '' using (m('failed_but_written')):(c('failed_but_written')) title 'reported failed but written'
