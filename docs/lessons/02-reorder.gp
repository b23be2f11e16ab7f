set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/02-reorder.png'
set title "acks=all  enable.idempotence=false  max.in.flight=5  min.insync.replicas=1  records=30  seed 1\nreordered 4   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key below horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
set xrange [0.000000:180.000000]
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
162.229200 4.000 1.000000 -3.000
EOD
$retry << EOD
152.629600 4.000 1.000000 -3.000
EOD
$anomalymsg << EOD
152.629600 4.000 1.000000 -3.000
162.229200 4.000 1.000000 -3.000
162.229200 4.000 1.000000 -3.000
162.229200 4.000 1.000000 -3.000
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
17.000000 1.000 1.000000 3.000
155.629600 1.000 1.000000 3.000
157.629600 1.000 1.000000 3.000
165.229200 1.000 1.000000 3.000
167.229200 1.000 1.000000 3.000
169.229200 1.000 1.000000 3.000
171.229200 1.000 1.000000 3.000
EOD
$errresponse << EOD
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
15.000000 1.000 1.000000 1.000
15.000000 1.000 1.000000 2.000
153.629600 1.000 1.000000 1.000
153.629600 1.000 1.000000 2.000
155.629600 1.000 1.000000 1.000
155.629600 1.000 1.000000 2.000
163.229200 1.000 1.000000 1.000
163.229200 1.000 1.000000 2.000
165.229200 1.000 1.000000 1.000
165.229200 1.000 1.000000 2.000
167.229200 1.000 1.000000 1.000
167.229200 1.000 1.000000 2.000
169.229200 1.000 1.000000 1.000
169.229200 1.000 1.000000 2.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
11.000000 1.000 1.000000 3.000
46.000000 4.000 1.000000 -2.000
47.000000 2.000 1.000000 2.000
EOD
$lost << EOD
16.000000 4.000 1.000000 -2.850
18.000000 4.000 1.000000 -2.850
20.000000 4.000 1.000000 -2.850
22.000000 4.000 1.000000 -2.850
24.000000 4.000 1.000000 -2.850
EOD
$append << EOD
13.000000 1.000 "r0-1 @0" 1.000
15.000000 1.000 "" 1.000
153.629600 1.000 "r7 @3" 1.000
155.629600 1.000 "" 1.000
163.229200 1.000 "r5 @5" 1.000
165.229200 1.000 "" 1.000
167.229200 1.000 "r3 @7" 1.000
169.229200 1.000 "" 1.000
EOD
$replica << EOD
14.000000 2.000 "" 2.000
14.000000 3.000 "" 3.000
16.000000 2.000 "" 2.000
16.000000 3.000 "" 3.000
154.629600 2.000 "" 2.000
154.629600 3.000 "" 3.000
156.629600 2.000 "" 2.000
156.629600 3.000 "" 3.000
164.229200 2.000 "" 2.000
164.229200 3.000 "" 3.000
166.229200 2.000 "" 2.000
166.229200 3.000 "" 3.000
168.229200 2.000 "" 2.000
168.229200 3.000 "" 3.000
170.229200 2.000 "" 2.000
170.229200 3.000 "" 3.000
EOD
$hw << EOD
15.000000 1.000 "hw 2" 1.000
16.000000 2.000 "" 2.000
16.000000 3.000 "" 3.000
17.000000 1.000 "" 1.000
154.629600 2.000 "" 2.000
154.629600 3.000 "" 3.000
155.629600 1.000 "hw 4" 1.000
156.629600 2.000 "" 2.000
156.629600 3.000 "" 3.000
157.629600 1.000 "" 1.000
164.229200 2.000 "" 2.000
164.229200 3.000 "" 3.000
165.229200 1.000 "hw 6" 1.000
166.229200 2.000 "" 2.000
166.229200 3.000 "" 3.000
167.229200 1.000 "" 1.000
168.229200 2.000 "" 2.000
168.229200 3.000 "" 3.000
169.229200 1.000 "hw 8" 1.000
170.229200 2.000 "" 2.000
170.229200 3.000 "" 3.000
171.229200 1.000 "" 1.000
EOD
$crash << EOD
EOD
$restart << EOD
EOD
$election << EOD
EOD
$unclean << EOD
EOD
$truncate << EOD
EOD
$dedup << EOD
EOD
$producer << EOD
EOD
$failed << EOD
EOD
$acked << EOD
158.629600 4.000 "acked r6,5,4,3 (4 callbacks)" 4.000
166.229200 4.000 "" 4.000
168.229200 4.000 "" 4.000
170.229200 4.000 "" 4.000
EOD
$fault << EOD
16.000000 1.000 "fault.drop1" 1.000
EOD
$isrshrink << EOD
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.000
EOD
$lostmark << EOD
17.000000 1.150 "lost request r3" 1.150
19.000000 1.150 "lost request r4" 1.290
21.000000 1.150 "lost request r5" 1.430
23.000000 1.150 "lost request r6" 1.570
25.000000 1.150 "lost request r7" 1.710
EOD
$anomaly << EOD
155.629600 1.000 "" 1.000
156.629600 2.000 "" 2.000
156.629600 3.000 "" 3.000
158.629600 4.000 "acked r6,5,4,3 (4 callbacks)" 4.000
163.229200 1.000 "r5 @5" 1.000
164.229200 2.000 "" 2.000
164.229200 3.000 "" 3.000
165.229200 1.000 "" 1.000
166.229200 4.000 "" 4.000
166.229200 2.000 "" 2.000
166.229200 3.000 "" 3.000
167.229200 1.000 "r3 @7" 1.000
168.229200 4.000 "" 4.000
168.229200 2.000 "" 2.000
168.229200 3.000 "" 3.000
170.229200 4.000 "" 4.000
EOD
$backoff << EOD
46.000000 4.780 116.229200 "waits to retry, up to 116 ms"
EOD
plot $other using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
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
  $acked using 1:2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $isrexpand using 1:2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using 1:4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using 1:2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using 1:4:3 with labels offset 1.2,0 left font ',8' tc rgb '#ff2020' notitle, \
  $anomaly using 1:2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
