# figure.gp: duplicate and lost processing of a consume-transform-produce application (2 instances, 2
# partitions, 500 records at 50/s, 30 ms of processing per record, an external sink) whose
# instance holding orders-0 crashes for 2 s, against auto.commit.interval.ms, for each way of
# committing. It reads the sweep's plot-processed_twice.csv and plot-processed_never.csv, whose
# points are averaged over the crash time t (4 values) and whose panels are the combinations of
# workload.pipeline and workload.commit (0: at-least-once sync, 1: at-least-once async,
# 2: at-most-once sync, 3: at-most-once async) and whose series are enable.auto.commit (true
# in columns 5-6, false in 7-8).
load '../common.gp'
set output 'figure.png'
set multiplot layout 1,2 title "Two instances, a crash of the one holding orders-0 for 2 s, external sink (8 runs per point: 4 crash times x 2 seeds, mean, 95% CI)"
set xlabel 'auto.commit.interval.ms (ms)'
set logscale x
set xrange [70:7000]
set xtics (100, 1000, 2000, 5000)
set yrange [0:*]
set style data yerrorlines
# on(p): the row belongs to panel p.
on(p) = column('panel') == p
set title 'Duplicate processing: records the sink applied more than once'
set ylabel 'processed_twice (records per run)'
f = 'plot-processed_twice.csv'
plot f using (on(0) ? column(4) : NaN):5:6 lw 2 pt 7 title 'auto commit (enable.auto.commit=true)', \
     f using (on(0) ? column(4) : NaN):7:8 lw 2 pt 5 title 'commitSync after each batch', \
     f using (on(1) ? column(4) : NaN):7:8 lw 2 pt 9 dt 2 title 'commitAsync after each batch', \
     f using (on(2) ? column(4) : NaN):7:8 lw 2 pt 13 title 'at-most-once: commitSync before processing'
set title 'Lost processing: records committed as consumed, never applied'
set ylabel 'processed_never (records per run)'
f = 'plot-processed_never.csv'
plot f using (on(0) ? column(4) : NaN):5:6 lw 2 pt 7 title 'auto commit (enable.auto.commit=true)', \
     f using (on(0) ? column(4) : NaN):7:8 lw 2 pt 5 title 'commitSync after each batch', \
     f using (on(1) ? column(4) : NaN):7:8 lw 2 pt 9 dt 2 title 'commitAsync after each batch', \
     f using (on(2) ? column(4) : NaN):7:8 lw 2 pt 13 title 'at-most-once: commitSync before processing', \
     f using (on(2) ? column(4) : NaN):5:6 lw 2 pt 11 dt 3 title 'at-most-once with auto commit also on'
unset multiplot
