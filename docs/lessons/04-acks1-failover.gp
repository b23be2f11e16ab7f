set terminal pngcairo size 1500,770 font 'Sans,10'
set output 'docs/lessons/04-acks1-failover.png'
set title "acks=1  enable.idempotence=false  max.in.flight=1  min.insync.replicas=1  records=30  seed 1\nlost_acked 2"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key outside right top vertical font ',9' spacing 1.1
unset ytics
set xrange [0.000000:862.546920]
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
48.000000 4.000 1.000000 -3.000
825.410500 4.000 1.000000 -2.000
EOD
$retry << EOD
356.493700 4.000 1.000000 -3.000
823.410500 4.000 1.000000 -2.000
EOD
$anomalymsg << EOD
44.000000 4.000 1.000000 -3.000
46.000000 4.000 1.000000 -3.000
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
824.410500 2.000 1.000000 2.000
826.410500 2.000 1.000000 2.000
EOD
$errresponse << EOD
357.493700 1.000 1.000000 3.000
EOD
$fetch << EOD
1.000000 2.000 21.000000 -1.000
1.000000 3.000 21.000000 -2.000
22.000000 1.000 1.000000 1.000
22.000000 1.000 1.000000 2.000
23.000000 2.000 21.000000 -1.000
23.000000 3.000 21.000000 -2.000
44.000000 1.000 1.000000 1.000
44.000000 1.000 1.000000 2.000
252.000000 1.000 1.000000 1.000
252.000000 3.000 1.000000 -1.000
253.000000 2.000 1.000000 -1.000
254.000000 1.000 1.000000 1.000
753.000000 2.000 1.000000 1.000
754.000000 3.000 1.000000 -1.000
755.000000 2.000 1.000000 -1.000
756.000000 1.000 1.000000 1.000
824.410500 2.000 1.000000 -1.000
824.410500 2.000 1.000000 1.000
825.410500 1.000 1.000000 1.000
825.410500 3.000 1.000000 -1.000
826.410500 2.000 1.000000 -1.000
826.410500 2.000 1.000000 1.000
827.410500 1.000 1.000000 1.000
827.410500 3.000 1.000000 -1.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
0.000000 1.000 1.000000 -1.000
0.000000 2.000 1.000000 -2.000
0.000000 3.000 1.000000 -3.000
1.000000 0.000 1.000000 1.000
1.000000 0.000 1.000000 2.000
1.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
11.000000 1.000 1.000000 3.000
50.000000 1.000 1.000000 -1.000
50.000000 1.000 1.000000 1.000
50.000000 1.000 1.000000 2.000
50.000000 1.000 1.000000 3.000
51.000000 4.000 1.000000 -2.000
52.000000 2.000 1.000000 2.000
151.469700 1.000 1.000000 3.000
152.469700 4.000 1.000000 -1.000
153.469700 3.000 1.000000 1.000
250.000000 1.000 1.000000 -1.000
251.000000 0.000 1.000000 1.000
251.000000 0.000 1.000000 2.000
251.000000 0.000 1.000000 3.000
251.000000 0.000 1.000000 1.000
251.000000 0.000 1.000000 1.000
255.000000 2.000 1.000000 -2.000
256.000000 0.000 1.000000 1.000
256.000000 0.000 1.000000 2.000
256.000000 0.000 1.000000 3.000
256.000000 0.000 1.000000 2.000
358.493700 4.000 1.000000 -3.000
359.493700 1.000 1.000000 3.000
EOD
$lost << EOD
49.000000 1.000 1.000000 3.000
45.000000 2.000 21.000000 -1.000
45.000000 3.000 21.000000 -2.000
151.469700 4.000 0.500000 -1.500
EOD
$append << EOD
13.000000 1 "r0-1 @0"
15.000000 1 "r2 @2"
17.000000 1 "r3 @3"
19.000000 1 "r4 @4"
21.000000 1 "r5 @5"
23.000000 1 "r6 @6"
25.000000 1 "r7 @7"
27.000000 1 "r8 @8"
29.000000 1 "r9 @9"
31.000000 1 "r10 @10"
33.000000 1 "r11 @11"
35.000000 1 "r12 @12"
37.000000 1 "r13 @13"
39.000000 1 "r14 @14"
41.000000 1 "r15 @15"
43.000000 1 "r16 @16"
45.000000 1 "r17 @17"
47.000000 1 "r18 @18"
49.000000 1 "r19 @19"
824.410500 2 "r19 @17"
826.410500 2 "r20-29 @18"
EOD
$replica << EOD
23.000000 2 ""
23.000000 2 ""
23.000000 2 ""
23.000000 2 ""
23.000000 2 ""
23.000000 3 ""
23.000000 3 ""
23.000000 3 ""
23.000000 3 ""
23.000000 3 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 2 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
45.000000 3 ""
825.410500 1 ""
825.410500 3 ""
827.410500 1 ""
827.410500 3 ""
EOD
$hw << EOD
44.000000 1 "hw 6"
45.000000 3 "hw 6"
253.000000 2 "hw 17"
754.000000 3 "hw 17"
756.000000 1 "hw 17"
826.410500 2 "hw 18"
827.410500 3 "hw 18"
828.410500 2 "hw 28"
EOD
$crash << EOD
50.000000 1 "crash"
EOD
$restart << EOD
250.000000 1 "restart"
EOD
$election << EOD
251.000000 2 "leader e1"
EOD
$unclean << EOD
EOD
$truncate << EOD
254.000000 1 "truncate to 17 (-3)"
EOD
$dedup << EOD
EOD
$producer << EOD
EOD
$failed << EOD
EOD
$acked << EOD
46.000000 4 "acked r17"
48.000000 4 "acked r18"
EOD
$fault << EOD
50.000000 1 "fault 2 on"
250.000000 1 "fault 2 off"
EOD
$anomaly << EOD
45.000000 1 "r17 @17"
46.000000 4 "acked r17"
47.000000 1 "r18 @18"
48.000000 4 "acked r18"
EOD
plot $lost using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.2 dt 4 title 'lost message (x)', \
  $lost using ($1+$3):($2+$4) with points pt 2 ps 1.6 lw 2 lc rgb '#ff2020' notitle, \
  $other using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, controller', \
  $fetch using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $errresponse using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
  $response using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $anomalymsg using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#d0009a' lw 2.2 title 'Produce of an anomalous record', \
  $retry using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $produce using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $append using 1:2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using 1:2:3 with labels offset 0.3,0.9 rotate by 30 left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using 1:2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using 1:2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using 1:2:3 with labels offset 0.3,-0.9 rotate by -30 left font ',8' tc rgb '#2a9d3a' notitle, \
  $crash using 1:2 with points lc rgb '#8b0000' pt 2 ps 3 lw 3 title 'crash', \
  $crash using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $restart using 1:2 with points lc rgb '#8b0000' pt 6 ps 2 lw 2 title 'restart', \
  $restart using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $election using 1:2 with points lc rgb '#e08000' pt 3 ps 2.2 lw 2 title 'election', \
  $election using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#e08000' notitle, \
  $truncate using 1:2 with points lc rgb '#c03030' pt 11 ps 1.8 title 'truncation', \
  $truncate using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#c03030' notitle, \
  $acked using 1:2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault on/off', \
  $fault using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $anomaly using 1:2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
