set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/05-min-isr.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=2  records=30  seed 1\nno anomaly   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key below horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
set xrange [0.000000:479.379928]
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
13.000000 1.000 "r0 @0" 1.000
16.000000 1.000 "" 1.000
21.000000 1.000 "" 1.000
442.980700 1.000 "r3 @3" 1.000
446.980700 1.000 "" 1.000
450.980700 1.000 "" 1.000
454.980700 1.000 "r6 @6" 1.000
456.980700 1.000 "" 1.000
EOD
$replica << EOD
14.000000 2.000 "" 2.000
14.000000 3.000 "" 3.000
17.000000 2.000 "" 2.000
17.000000 3.000 "" 3.000
424.000000 2.000 "" 2.000
424.000000 3.000 "" 3.000
443.980700 2.000 "" 2.000
443.980700 3.000 "" 3.000
447.980700 2.000 "" 2.000
447.980700 3.000 "" 3.000
451.980700 2.000 "" 2.000
451.980700 3.000 "" 3.000
455.980700 2.000 "" 2.000
455.980700 3.000 "" 3.000
457.980700 2.000 "" 2.000
457.980700 3.000 "" 3.000
EOD
$hw << EOD
15.000000 1.000 "hw 1" 1.000
17.000000 2.000 "" 2.000
17.000000 3.000 "" 3.000
18.000000 1.000 "" 1.000
424.000000 2.000 "" 2.000
424.000000 3.000 "" 3.000
425.000000 1.000 "hw 3" 1.000
443.980700 2.000 "" 2.000
443.980700 3.000 "" 3.000
444.980700 1.000 "hw 4" 1.000
447.980700 2.000 "" 2.000
447.980700 3.000 "" 3.000
448.980700 1.000 "" 1.000
451.980700 2.000 "" 2.000
451.980700 3.000 "" 3.000
452.980700 1.000 "" 1.000
455.980700 2.000 "" 2.000
455.980700 3.000 "" 3.000
456.980700 1.000 "hw 7" 1.000
457.980700 2.000 "" 2.000
457.980700 3.000 "" 3.000
458.980700 1.000 "" 1.000
EOD
$crash << EOD
20.000000 2.000 "crash" 2.000
20.000000 3.000 "crash" 3.000
EOD
$restart << EOD
420.000000 2.000 "restart" 2.000
420.000000 3.000 "restart" 3.000
EOD
$election << EOD
EOD
$unclean << EOD
EOD
$truncate << EOD
EOD
$dedup << EOD
440.980700 1.000 "dup r2 @2" 1.000
EOD
$producer << EOD
12.000000 4.000 "producer id 1000000 epoch 0" 4.000
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
20.000000 2.000 "fault.crash2" 2.140
20.000000 3.000 "fault.crash3" 3.140
420.000000 2.000 "fault.crash2 ends" 2.140
420.000000 3.000 "fault.crash3 ends" 3.140
EOD
$isrshrink << EOD
41.000000 0.000 "ISR shrinks to {1}" 0.000
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.000
424.000000 0.000 "ISR expands to {1,2}" 0.000
426.000000 0.000 "ISR expands to {1,2,3}" 0.140
EOD
$lostmark << EOD
22.000000 3.150 "" 3.150
42.000000 1.850 "" 1.850
42.000000 2.850 "" 2.850
52.000000 1.850 "" 1.850
52.000000 2.850 "" 2.850
52.000000 1.850 "" 1.850
52.000000 2.850 "" 2.850
EOD
$anomaly << EOD
EOD
$backoff << EOD
120.000000 4.780 333.980700 "waits to retry, up to 334 ms"
EOD
plot $other using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $errresponse using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
  $produce using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $retry using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $lost using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.6 dt 4 title 'lost message', \
  $backoff using 1:2:3:(0) with vectors heads size screen 0.004,90 lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \
  $backoff using ($1+$3/2):2:4 with labels offset 0,-0.7 font ',8' tc rgb '#7040a0' notitle, \
  $append using 1:2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using 1:4:3 with labels offset 0.3,0.9 rotate by 30 left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using 1:2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using 1:2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using 1:4:3 with labels offset 0.3,-0.9 rotate by -30 left font ',8' tc rgb '#2a9d3a' notitle, \
  $crash using 1:2 with points lc rgb '#8b0000' pt 2 ps 3 lw 3 title 'crash', \
  $crash using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $restart using 1:2 with points lc rgb '#8b0000' pt 6 ps 2 lw 2 title 'restart', \
  $restart using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $dedup using 1:2 with points lc rgb '#00a0b0' pt 13 ps 1.6 title 'duplicate answered from cache', \
  $dedup using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#00a0b0' notitle, \
  $producer using 1:2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#7040a0' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $isrshrink using 1:2 with points lc rgb '#b05000' pt 15 ps 1.8 title 'ISR shrinks', \
  $isrshrink using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $isrexpand using 1:2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using 1:2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using 1:4:3 with labels offset 1.2,0 left font ',8' tc rgb '#ff2020' notitle
