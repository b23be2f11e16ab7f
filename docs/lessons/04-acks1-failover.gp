set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/04-acks1-failover.png'
set title "acks=1  enable.idempotence=false  max.in.flight=1  min.insync.replicas=1  records=30  seed 1\nlost_acked 3   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key below horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
set xrange [0.000000:170.000000]
set yrange [-0.7:4.9]
set ytics ('controller' 0, 'broker-1' 1, 'broker-2' 2, 'broker-3' 3, 'producer' 4) nomirror
set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 2 to graph 1, first 2 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 3 to graph 1, first 3 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 4 to graph 1, first 4 nohead lc rgb '#d8d8d8' lw 1 back
$produce << EOD
12.000000 4.000 1.000000 -3.000
14.000000 4.000 1.000000 -3.000
16.000000 4.000 1.000000 -3.000
18.000000 4.000 1.000000 -3.000
20.000000 4.000 1.000000 -3.000
22.000000 4.000 1.000000 -3.000
24.000000 4.000 1.000000 -3.000
26.000000 4.000 1.000000 -3.000
28.000000 4.000 1.000000 -3.000
30.000000 4.000 1.000000 -3.000
32.000000 4.000 1.000000 -3.000
34.000000 4.000 1.000000 -3.000
36.000000 4.000 1.000000 -3.000
38.000000 4.000 1.000000 -3.000
40.000000 4.000 1.000000 -3.000
42.000000 4.000 1.000000 -3.000
157.469700 4.000 1.000000 -2.000
EOD
$retry << EOD
151.469700 4.000 1.000000 -3.000
155.469700 4.000 1.000000 -2.000
EOD
$anomalymsg << EOD
44.000000 4.000 1.000000 -3.000
46.000000 4.000 1.000000 -3.000
48.000000 4.000 1.000000 -3.000
EOD
$response << EOD
13.000000 1.000 1.000000 3.000
15.000000 1.000 1.000000 3.000
17.000000 1.000 1.000000 3.000
19.000000 1.000 1.000000 3.000
21.000000 1.000 1.000000 3.000
23.000000 1.000 1.000000 3.000
25.000000 1.000 1.000000 3.000
27.000000 1.000 1.000000 3.000
29.000000 1.000 1.000000 3.000
31.000000 1.000 1.000000 3.000
33.000000 1.000 1.000000 3.000
35.000000 1.000 1.000000 3.000
37.000000 1.000 1.000000 3.000
39.000000 1.000 1.000000 3.000
41.000000 1.000 1.000000 3.000
43.000000 1.000 1.000000 3.000
45.000000 1.000 1.000000 3.000
47.000000 1.000 1.000000 3.000
49.000000 1.000 1.000000 3.000
156.469700 2.000 1.000000 2.000
158.469700 2.000 1.000000 2.000
EOD
$errresponse << EOD
152.469700 1.000 1.000000 3.000
EOD
$fetch << EOD
22.000000 1.000 1.000000 1.000
22.000000 1.000 1.000000 2.000
44.000000 1.000 1.000000 1.000
44.000000 1.000 1.000000 2.000
156.469700 2.000 1.000000 -1.000
156.469700 2.000 1.000000 1.000
158.469700 2.000 1.000000 -1.000
158.469700 2.000 1.000000 1.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
11.000000 1.000 1.000000 3.000
50.000000 1.000 1.000000 -1.000
50.000000 1.000 1.000000 1.000
50.000000 1.000 1.000000 2.000
50.000000 1.000 1.000000 3.000
50.000000 1.000 1.000000 3.000
51.000000 4.000 1.000000 -2.000
52.000000 2.000 1.000000 2.000
81.000000 1.000 1.000000 -1.000
81.000000 0.000 1.000000 2.000
81.000000 0.000 1.000000 3.000
151.000000 0.000 1.000000 1.000
151.000000 0.000 1.000000 2.000
151.000000 0.000 1.000000 3.000
151.000000 0.000 1.000000 1.000
153.469700 4.000 1.000000 -1.000
154.469700 3.000 1.000000 1.000
155.000000 2.000 1.000000 -2.000
156.000000 0.000 1.000000 1.000
156.000000 0.000 1.000000 2.000
156.000000 0.000 1.000000 3.000
156.000000 0.000 1.000000 2.000
EOD
$lost << EOD
50.000000 4.000 1.000000 -2.850
81.000000 0.000 1.000000 0.850
EOD
$append << EOD
13.000000 1.000 "r0-1 @0" 1.000
15.000000 1.000 "" 1.000
17.000000 1.000 "r3 @3" 1.000
19.000000 1.000 "" 1.000
21.000000 1.000 "r5 @5" 1.000
23.000000 1.000 "" 1.000
25.000000 1.000 "r7 @7" 1.000
27.000000 1.000 "" 1.000
29.000000 1.000 "r9 @9" 1.000
31.000000 1.000 "" 1.000
33.000000 1.000 "r11 @11" 1.000
35.000000 1.000 "" 1.000
37.000000 1.000 "r13 @13" 1.000
39.000000 1.000 "" 1.000
41.000000 1.000 "r15 @15" 1.000
43.000000 1.000 "" 1.000
45.000000 1.000 "r17 @17" 1.000
47.000000 1.000 "" 1.000
49.000000 1.000 "r19 @19" 1.000
156.469700 2.000 "r20 @17" 2.000
158.469700 2.000 "" 2.000
EOD
$replica << EOD
23.000000 2.000 "" 2.000
23.000000 2.000 "" 2.000
23.000000 2.000 "" 2.000
23.000000 2.000 "" 2.000
23.000000 2.000 "" 2.000
23.000000 3.000 "" 3.000
23.000000 3.000 "" 3.000
23.000000 3.000 "" 3.000
23.000000 3.000 "" 3.000
23.000000 3.000 "" 3.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 2.000 "" 2.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
45.000000 3.000 "" 3.000
157.469700 1.000 "" 1.000
157.469700 3.000 "" 3.000
159.469700 1.000 "" 1.000
159.469700 3.000 "" 3.000
EOD
$hw << EOD
44.000000 1.000 "hw 6" 1.000
45.000000 3.000 "" 3.000
83.000000 2.000 "hw 17" 2.000
157.469700 1.000 "" 1.000
157.469700 3.000 "" 3.000
158.469700 2.000 "hw 18" 2.000
159.469700 3.000 "" 3.000
160.469700 2.000 "" 2.000
EOD
$crash << EOD
50.000000 1.000 "crash" 1.000
EOD
$restart << EOD
150.000000 1.000 "restart" 1.000
EOD
$election << EOD
81.000000 2.000 "leader e1" 2.000
EOD
$unclean << EOD
EOD
$truncate << EOD
154.000000 1.000 "truncate to 17 (-3)" 1.140
EOD
$dedup << EOD
EOD
$producer << EOD
EOD
$failed << EOD
EOD
$acked << EOD
46.000000 4.000 "acked r17-19 (3 callbacks)" 4.000
48.000000 4.000 "" 4.000
50.000000 4.000 "" 4.000
EOD
$fault << EOD
1.000000 1.000 "fault.slow" 1.000
1.000000 1.000 "fault.slow3" 1.140
50.000000 1.000 "fault.crash1" 1.140
150.000000 1.000 "fault.crash1 ends" 1.280
EOD
$isrshrink << EOD
81.000000 0.000 "ISR shrinks to {2,3}" 0.000
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.000
156.000000 0.000 "ISR expands to {1,2,3}" 0.000
EOD
$lostmark << EOD
51.000000 1.150 "lost request r20" 1.150
82.000000 0.850 "" 0.850
EOD
$anomaly << EOD
45.000000 1.000 "r17 @17" 1.000
46.000000 4.000 "acked r17-19 (3 callbacks)" 4.000
47.000000 1.000 "" 1.000
48.000000 4.000 "" 4.000
49.000000 1.000 "r19 @19" 1.000
50.000000 4.000 "" 4.000
EOD
$backoff << EOD
51.000000 4.780 100.469700 "waits to retry 100 ms"
EOD
plot $other using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $errresponse using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
  $produce using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $retry using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $anomalymsg using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#d0009a' lw 2.2 title 'Produce of an anomalous record', \
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
  $election using 1:2 with points lc rgb '#e08000' pt 3 ps 2.2 lw 2 title 'election', \
  $election using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#e08000' notitle, \
  $truncate using 1:2 with points lc rgb '#c03030' pt 11 ps 1.8 title 'truncation', \
  $truncate using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#c03030' notitle, \
  $acked using 1:2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $isrshrink using 1:2 with points lc rgb '#b05000' pt 15 ps 1.8 title 'ISR shrinks', \
  $isrshrink using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $isrexpand using 1:2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using 1:2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using 1:4:3 with labels offset 1.2,0 left font ',8' tc rgb '#ff2020' notitle, \
  $anomaly using 1:2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
