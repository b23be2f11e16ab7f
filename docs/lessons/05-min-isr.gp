set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/05-min-isr.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=2  records=30  seed 1\nno anomaly   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set label 1000 'simulated time (ms); a grey band with // is an idle stretch cut short' at screen 0.5, screen 0.161176 center
set grid xtics lc rgb '#eeeeee'
set lmargin at screen 0.073333
set rmargin at screen 0.980000
set tmargin at screen 0.917647
set bmargin at screen 0.205882
set key at screen 0.5, screen 0.147059 center top horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
# The broken time axis: data hold true times; bx(t) maps a time to the axis, cutting
# the idle stretches (each keeps a narrow band; the tick labels give true times).
bx(t) = t < 60.000000 ? t - 0.000000 : t < 112.000000 ? 60.000000 + (t - 60.000000) * 0.124372529 : t < 132.000000 ? t - 45.532629 : t < 212.000000 ? 86.467371 + (t - 132.000000) * 0.080842144 : t < 230.000000 ? t - 119.065257 : t < 412.000000 ? 110.934743 + (t - 230.000000) * 0.035535008 : t - 294.597886
set xtics ("0" 0.000000, "20" 20.000000, "40" 40.000000, "60" 60.000000, "112" 66.467371, "120" 74.467371, "132" 86.467371, "212" 92.934743, "220" 100.934743, "230" 110.934743, "412" 117.402114, "420" 125.402114, "440" 145.402114, "460" 165.402114)
set object 1 rect from first 60.000000, graph 0 to first 66.467371, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "52 ms cut" at first 63.233686, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 59.320654, graph -0.015 to first 60.679346, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 59.320654, graph 0.985 to first 60.679346, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 65.788026, graph -0.015 to first 67.146717, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 65.788026, graph 0.985 to first 67.146717, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 86.467371, graph 0 to first 92.934743, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "80 ms cut" at first 89.701057, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 85.788026, graph -0.015 to first 87.146717, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 85.788026, graph 0.985 to first 87.146717, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 92.255397, graph -0.015 to first 93.614089, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 92.255397, graph 0.985 to first 93.614089, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 3 rect from first 110.934743, graph 0 to first 117.402114, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 3 "182 ms cut" at first 114.168429, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 110.255397, graph -0.015 to first 111.614089, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 110.255397, graph 0.985 to first 111.614089, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 116.722769, graph -0.015 to first 118.081460, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 116.722769, graph 0.985 to first 118.081460, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:184.782042]
set yrange [-0.7:4.9]
set ytics ('controller' 0, 'broker-1' 1, 'broker-2' 2, 'broker-3' 3, 'producer' 4) nomirror
set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 2 to graph 1, first 2 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 3 to graph 1, first 3 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 4 to graph 1, first 4 nohead lc rgb '#d8d8d8' lw 1 back
$produce << EOD
12.000000 4.000 1.000000 -3.000
15.000000 4.000 1.000000 -3.000
20.000000 4.000 1.000000 -3.000
25.000000 4.000 1.000000 -3.000
30.000000 4.000 1.000000 -3.000
35.000000 4.000 1.000000 -3.000
40.000000 4.000 1.000000 -3.000
453.980700 4.000 1.000000 -3.000
EOD
$retry << EOD
220.469700 4.000 1.000000 -3.000
439.980700 4.000 1.000000 -3.000
441.980700 4.000 1.000000 -3.000
445.980700 4.000 1.000000 -3.000
449.980700 4.000 1.000000 -3.000
453.980700 4.000 1.000000 -3.000
EOD
$anomalymsg << EOD
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
18.000000 1.000 1.000000 3.000
440.980700 1.000 1.000000 3.000
444.980700 1.000 1.000000 3.000
448.980700 1.000 1.000000 3.000
452.980700 1.000 1.000000 3.000
456.980700 1.000 1.000000 3.000
458.980700 1.000 1.000000 3.000
EOD
$errresponse << EOD
221.469700 1.000 1.000000 3.000
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
16.000000 1.000 1.000000 1.000
16.000000 1.000 1.000000 2.000
423.000000 1.000 1.000000 1.000
423.000000 1.000 1.000000 2.000
442.980700 1.000 1.000000 1.000
442.980700 1.000 1.000000 2.000
446.980700 1.000 1.000000 1.000
446.980700 1.000 1.000000 2.000
450.980700 1.000 1.000000 1.000
450.980700 1.000 1.000000 2.000
454.980700 1.000 1.000000 1.000
454.980700 1.000 1.000000 2.000
456.980700 1.000 1.000000 1.000
456.980700 1.000 1.000000 2.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
10.000000 4.000 1.000000 -2.000
11.000000 1.000 1.000000 3.000
11.000000 2.000 1.000000 2.000
20.000000 2.000 1.000000 -2.000
20.000000 2.000 1.000000 2.000
20.000000 3.000 1.000000 -3.000
21.000000 3.000 1.000000 1.000
40.000000 1.000 1.000000 -1.000
41.000000 0.000 1.000000 1.000
41.000000 2.000 1.000000 -2.000
41.000000 3.000 1.000000 -3.000
41.000000 0.000 1.000000 1.000
51.000000 0.000 1.000000 1.000
51.000000 2.000 1.000000 -2.000
51.000000 3.000 1.000000 -3.000
51.000000 0.000 1.000000 1.000
51.000000 2.000 1.000000 -2.000
51.000000 3.000 1.000000 -3.000
122.000000 4.000 1.000000 -3.000
123.000000 1.000 1.000000 3.000
421.000000 0.000 1.000000 1.000
421.000000 0.000 1.000000 2.000
421.000000 0.000 1.000000 3.000
421.000000 0.000 1.000000 2.000
421.000000 0.000 1.000000 1.000
421.000000 0.000 1.000000 2.000
421.000000 0.000 1.000000 3.000
421.000000 0.000 1.000000 3.000
423.000000 1.000 1.000000 -1.000
424.000000 0.000 1.000000 1.000
424.000000 0.000 1.000000 2.000
424.000000 0.000 1.000000 3.000
424.000000 0.000 1.000000 1.000
425.000000 1.000 1.000000 -1.000
426.000000 0.000 1.000000 1.000
426.000000 0.000 1.000000 2.000
426.000000 0.000 1.000000 3.000
426.000000 0.000 1.000000 1.000
EOD
$lost << EOD
21.000000 4.000 1.000000 -0.850
41.000000 0.000 1.000000 1.850
41.000000 0.000 1.000000 2.850
51.000000 0.000 1.000000 1.850
51.000000 0.000 1.000000 2.850
51.000000 0.000 1.000000 1.850
51.000000 0.000 1.000000 2.850
EOD
$append << EOD
13.000000 1.000 "r0 @0" 1.111 0.951084
16.000000 1.000 "r1 @1" 1.333 0.951084
21.000000 1.000 "r2 @2" 1.111 0.951084
442.980700 1.000 "r3 @3" 1.333 0.951084
446.980700 1.000 "r4 @4" 0.889 0.951084
450.980700 1.000 "r5 @5" 1.111 0.951084
454.980700 1.000 "r6 @6" 1.333 0.951084
456.980700 1.000 "r7-29 @7" 1.111 0.951084
EOD
$replica << EOD
14.000000 2.000 "" 2.000 0.000000
14.000000 3.000 "" 3.000 0.000000
17.000000 2.000 "" 2.000 0.000000
17.000000 3.000 "" 3.000 0.000000
424.000000 2.000 "" 2.000 0.000000
424.000000 3.000 "" 3.000 0.000000
443.980700 2.000 "" 2.000 0.000000
443.980700 3.000 "" 3.000 0.000000
447.980700 2.000 "" 2.000 0.000000
447.980700 3.000 "" 3.000 0.000000
451.980700 2.000 "" 2.000 0.000000
451.980700 3.000 "" 3.000 0.000000
455.980700 2.000 "" 2.000 0.000000
455.980700 3.000 "" 3.000 0.000000
457.980700 2.000 "" 2.000 0.000000
457.980700 3.000 "" 3.000 0.000000
EOD
$hw << EOD
15.000000 1.000 "hw 1" 0.889 0.951084
17.000000 2.000 "" 2.000 0.000000
17.000000 3.000 "" 3.000 0.000000
18.000000 1.000 "hw 2" 0.667 0.951084
424.000000 2.000 "" 2.000 0.000000
424.000000 3.000 "" 3.000 0.000000
425.000000 1.000 "hw 3" 0.889 0.951084
443.980700 2.000 "" 2.000 0.000000
443.980700 3.000 "" 3.000 0.000000
444.980700 1.000 "hw 4" 0.667 0.951084
447.980700 2.000 "" 2.000 0.000000
447.980700 3.000 "" 3.000 0.000000
448.980700 1.000 "hw 5" 0.667 0.951084
451.980700 2.000 "" 2.000 0.000000
451.980700 3.000 "" 3.000 0.000000
452.980700 1.000 "hw 6" 0.889 0.951084
455.980700 2.000 "" 2.000 0.000000
455.980700 3.000 "" 3.000 0.000000
456.980700 1.000 "hw 7" 0.889 0.951084
457.980700 2.000 "" 2.000 0.000000
457.980700 3.000 "" 3.000 0.000000
458.980700 1.000 "hw 30" 0.667 0.951084
EOD
$crash << EOD
20.000000 2.000 "crash" 2.111 0.951084
20.000000 3.000 "crash" 3.111 0.951084
EOD
$restart << EOD
420.000000 2.000 "restart" 2.111 0.951084
420.000000 3.000 "restart" 3.111 0.951084
EOD
$election << EOD
EOD
$unclean << EOD
EOD
$truncate << EOD
EOD
$dedup << EOD
440.980700 1.000 "dup r2 @2" 1.111 0.951084
EOD
$producer << EOD
12.000000 4.000 "producer id 1000000 epoch 0" 4.111 0.951084
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
20.000000 2.000 "fault.crash2" 2.333 0.951084
20.000000 3.000 "fault.crash3" 3.333 0.951084
420.000000 2.000 "fault.crash2 ends" 2.333 0.951084
420.000000 3.000 "fault.crash3 ends" 3.333 0.951084
EOD
$isrshrink << EOD
41.000000 0.000 "ISR shrinks to {1}" 0.111 0.951084
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.111 0.951084
424.000000 0.000 "ISR expands to {1,2}" 0.111 0.951084
426.000000 0.000 "ISR expands to {1,2,3}" 0.333 0.951084
EOD
$lostmark << EOD
22.000000 3.150 "" 3.150 0.000000
42.000000 1.850 "" 1.850 0.000000
42.000000 2.850 "" 2.850 0.000000
52.000000 1.850 "" 1.850 0.000000
52.000000 2.850 "" 2.850 0.000000
52.000000 1.850 "" 1.850 0.000000
52.000000 2.850 "" 2.850 0.000000
EOD
$anomaly << EOD
EOD
$backoff << EOD
120.000000 4.780 333.980700 "waits to retry, up to 334 ms" 4.678
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $errresponse using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
  $produce using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $retry using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $lost using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.6 dt 4 title 'lost message', \
  $backoff using (bx($1)):2:(bx($1+$3)-bx($1)):(0) with vectors heads size screen 0.004,90 lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \
  $backoff using ((bx($1)+bx($1+$3))/2):5:4 with labels center font ',8' tc rgb '#7040a0' notitle, \
  $append using (bx($1)):2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using (bx($1)):2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using (bx($1)):2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#2a9d3a' notitle, \
  $crash using (bx($1)):2 with points lc rgb '#8b0000' pt 2 ps 3 lw 3 title 'crash', \
  $crash using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#8b0000' notitle, \
  $restart using (bx($1)):2 with points lc rgb '#8b0000' pt 6 ps 2 lw 2 title 'restart', \
  $restart using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#8b0000' notitle, \
  $dedup using (bx($1)):2 with points lc rgb '#00a0b0' pt 13 ps 1.6 title 'duplicate answered from cache', \
  $dedup using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#00a0b0' notitle, \
  $producer using (bx($1)):2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#7040a0' notitle, \
  $fault using (bx($1)):2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#606060' notitle, \
  $isrshrink using (bx($1)):2 with points lc rgb '#b05000' pt 15 ps 1.8 title 'ISR shrinks', \
  $isrshrink using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#b05000' notitle, \
  $isrexpand using (bx($1)):2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using (bx($1)):2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#ff2020' notitle
