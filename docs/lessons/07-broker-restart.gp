set terminal pngcairo size 1500,770 font 'Sans,10'
set output 'docs/lessons/07-broker-restart.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=1  records=30  seed 3\nno anomaly"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key outside right top vertical font ',9' spacing 1.1
unset ytics
set xrange [0.000000:425.047520]
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
45.000000 4.000 1.000000 -3.000
50.000000 4.000 1.000000 -3.000
55.000000 4.000 1.000000 -3.000
401.738000 4.000 1.000000 -2.000
EOD
$retry << EOD
172.410000 4.000 1.000000 -3.000
399.738000 4.000 1.000000 -2.000
401.738000 4.000 1.000000 -2.000
EOD
$anomalymsg << EOD
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
18.000000 1.000 1.000000 3.000
23.000000 1.000 1.000000 3.000
28.000000 1.000 1.000000 3.000
33.000000 1.000 1.000000 3.000
38.000000 1.000 1.000000 3.000
48.000000 1.000 1.000000 3.000
53.000000 1.000 1.000000 3.000
58.000000 1.000 1.000000 3.000
400.738000 2.000 1.000000 2.000
404.738000 2.000 1.000000 2.000
406.738000 2.000 1.000000 2.000
EOD
$errresponse << EOD
173.410000 1.000 1.000000 3.000
EOD
$fetch << EOD
1.000000 2.000 1.000000 -1.000
1.000000 3.000 1.000000 -2.000
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
14.000000 2.000 1.000000 -1.000
14.000000 3.000 1.000000 -2.000
16.000000 1.000 1.000000 1.000
16.000000 1.000 1.000000 2.000
17.000000 2.000 1.000000 -1.000
17.000000 3.000 1.000000 -2.000
21.000000 1.000 1.000000 1.000
21.000000 1.000 1.000000 2.000
22.000000 2.000 1.000000 -1.000
22.000000 3.000 1.000000 -2.000
26.000000 1.000 1.000000 1.000
26.000000 1.000 1.000000 2.000
27.000000 2.000 1.000000 -1.000
27.000000 3.000 1.000000 -2.000
31.000000 1.000 1.000000 1.000
31.000000 1.000 1.000000 2.000
32.000000 2.000 1.000000 -1.000
32.000000 3.000 1.000000 -2.000
36.000000 1.000 1.000000 1.000
36.000000 1.000 1.000000 2.000
37.000000 2.000 1.000000 -1.000
37.000000 3.000 1.000000 -2.000
41.000000 1.000 1.000000 1.000
41.000000 1.000 1.000000 2.000
42.000000 2.000 1.000000 -1.000
42.000000 3.000 1.000000 -2.000
46.000000 1.000 1.000000 1.000
46.000000 1.000 1.000000 2.000
47.000000 2.000 1.000000 -1.000
47.000000 3.000 1.000000 -2.000
51.000000 1.000 1.000000 1.000
51.000000 1.000 1.000000 2.000
52.000000 2.000 1.000000 -1.000
52.000000 3.000 1.000000 -2.000
56.000000 1.000 1.000000 1.000
56.000000 1.000 1.000000 2.000
57.000000 2.000 1.000000 -1.000
57.000000 3.000 1.000000 -2.000
162.000000 1.000 1.000000 1.000
162.000000 3.000 1.000000 -1.000
402.738000 2.000 1.000000 -1.000
402.738000 2.000 1.000000 1.000
403.738000 1.000 1.000000 1.000
403.738000 3.000 1.000000 -1.000
404.738000 2.000 1.000000 -1.000
404.738000 2.000 1.000000 1.000
405.738000 1.000 1.000000 1.000
405.738000 3.000 1.000000 -1.000
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
10.000000 4.000 1.000000 -2.000
11.000000 1.000 1.000000 3.000
11.000000 2.000 1.000000 2.000
60.000000 1.000 1.000000 -1.000
60.000000 1.000 1.000000 1.000
60.000000 1.000 1.000000 2.000
60.000000 1.000 1.000000 3.000
60.000000 1.000 1.000000 3.000
61.000000 4.000 1.000000 -1.000
62.000000 3.000 1.000000 1.000
160.000000 1.000 1.000000 -1.000
161.000000 0.000 1.000000 1.000
161.000000 0.000 1.000000 2.000
161.000000 0.000 1.000000 3.000
161.000000 0.000 1.000000 1.000
161.000000 0.000 1.000000 1.000
163.000000 2.000 1.000000 -2.000
164.000000 0.000 1.000000 1.000
164.000000 0.000 1.000000 2.000
164.000000 0.000 1.000000 3.000
164.000000 0.000 1.000000 2.000
174.410000 4.000 1.000000 -3.000
175.410000 1.000 1.000000 3.000
EOD
$lost << EOD
43.000000 1.000 0.500000 1.500
60.000000 4.000 0.500000 -1.500
EOD
$append << EOD
13.000000 1 "r0 @0"
16.000000 1 "r1 @1"
21.000000 1 "r2 @2"
26.000000 1 "r3 @3"
31.000000 1 "r4 @4"
36.000000 1 "r5 @5"
41.000000 1 "r6 @6"
46.000000 1 "r7 @7"
51.000000 1 "r8 @8"
56.000000 1 "r9 @9"
402.738000 2 "r10 @10"
404.738000 2 "r11-29 @11"
EOD
$replica << EOD
14.000000 2 ""
14.000000 3 ""
17.000000 2 ""
17.000000 3 ""
22.000000 2 ""
22.000000 3 ""
27.000000 2 ""
27.000000 3 ""
32.000000 2 ""
32.000000 3 ""
37.000000 2 ""
37.000000 3 ""
42.000000 2 ""
42.000000 3 ""
47.000000 2 ""
47.000000 3 ""
52.000000 2 ""
52.000000 3 ""
57.000000 2 ""
57.000000 3 ""
403.738000 1 ""
403.738000 3 ""
405.738000 1 ""
405.738000 3 ""
EOD
$hw << EOD
15.000000 1 "hw 1"
17.000000 2 "hw 1"
17.000000 3 "hw 1"
18.000000 1 "hw 2"
22.000000 2 "hw 2"
22.000000 3 "hw 2"
23.000000 1 "hw 3"
27.000000 2 "hw 3"
27.000000 3 "hw 3"
28.000000 1 "hw 4"
32.000000 2 "hw 4"
32.000000 3 "hw 4"
33.000000 1 "hw 5"
37.000000 2 "hw 5"
37.000000 3 "hw 5"
38.000000 1 "hw 6"
42.000000 2 "hw 6"
42.000000 3 "hw 6"
43.000000 1 "hw 7"
47.000000 2 "hw 7"
47.000000 3 "hw 7"
48.000000 1 "hw 8"
52.000000 2 "hw 8"
52.000000 3 "hw 8"
53.000000 1 "hw 9"
57.000000 2 "hw 9"
57.000000 3 "hw 9"
58.000000 1 "hw 10"
163.000000 2 "hw 10"
403.738000 3 "hw 10"
404.738000 2 "hw 11"
405.738000 1 "hw 11"
405.738000 3 "hw 11"
406.738000 2 "hw 30"
EOD
$crash << EOD
60.000000 1 "crash"
EOD
$restart << EOD
160.000000 1 "restart"
EOD
$election << EOD
161.000000 2 "leader e1"
EOD
$unclean << EOD
EOD
$truncate << EOD
EOD
$dedup << EOD
400.738000 2 "dup r6 @6"
EOD
$producer << EOD
12.000000 4 "pid 1000000 e0"
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
43.000000 4 "fault 0 on"
60.000000 1 "fault 1 on"
160.000000 1 "fault 1 off"
EOD
$anomaly << EOD
EOD
plot $lost using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.2 dt 4 title 'lost message (x)', \
  $lost using ($1+$3):($2+$4) with points pt 2 ps 1.6 lw 2 lc rgb '#ff2020' notitle, \
  $other using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, controller', \
  $fetch using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $errresponse using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
  $response using 1:2:3:4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
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
  $dedup using 1:2 with points lc rgb '#00a0b0' pt 13 ps 1.6 title 'duplicate answered from cache', \
  $dedup using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#00a0b0' notitle, \
  $producer using 1:2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#7040a0' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault on/off', \
  $fault using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle
