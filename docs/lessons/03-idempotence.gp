set terminal pngcairo size 1500,770 font 'Sans,10'
set output 'docs/lessons/03-idempotence.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=1  records=30  seed 16\nno anomaly"
set termoption noenhanced
set xlabel 'simulated time (ms)'
set grid xtics lc rgb '#eeeeee'
set key outside right top vertical font ',9' spacing 1.1
unset ytics
set xrange [0.000000:190.000000]
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
22.000000 4.000 1.000000 -3.000
24.000000 4.000 1.000000 -3.000
154.627500 4.000 1.000000 -3.000
EOD
$retry << EOD
144.627500 4.000 1.000000 -3.000
146.627500 4.000 1.000000 -3.000
150.627500 4.000 1.000000 -3.000
154.627500 4.000 1.000000 -3.000
EOD
$anomalymsg << EOD
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
17.000000 1.000 1.000000 3.000
19.000000 1.000 1.000000 3.000
145.627500 1.000 1.000000 3.000
149.627500 1.000 1.000000 3.000
153.627500 1.000 1.000000 3.000
157.627500 1.000 1.000000 3.000
159.627500 1.000 1.000000 3.000
EOD
$errresponse << EOD
23.000000 1.000 1.000000 3.000
25.000000 1.000 1.000000 3.000
EOD
$fetch << EOD
1.000000 2.000 1.000000 -1.000
1.000000 3.000 1.000000 -2.000
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
14.000000 2.000 1.000000 -1.000
14.000000 3.000 1.000000 -2.000
15.000000 1.000 1.000000 1.000
15.000000 1.000 1.000000 2.000
16.000000 2.000 1.000000 -1.000
16.000000 3.000 1.000000 -2.000
17.000000 1.000 1.000000 1.000
17.000000 1.000 1.000000 2.000
18.000000 2.000 1.000000 -1.000
18.000000 3.000 1.000000 -2.000
19.000000 1.000 1.000000 1.000
19.000000 1.000 1.000000 2.000
20.000000 2.000 1.000000 -1.000
20.000000 3.000 1.000000 -2.000
147.627500 1.000 1.000000 1.000
147.627500 1.000 1.000000 2.000
148.627500 2.000 1.000000 -1.000
148.627500 3.000 1.000000 -2.000
151.627500 1.000 1.000000 1.000
151.627500 1.000 1.000000 2.000
152.627500 2.000 1.000000 -1.000
152.627500 3.000 1.000000 -2.000
155.627500 1.000 1.000000 1.000
155.627500 1.000 1.000000 2.000
156.627500 2.000 1.000000 -1.000
156.627500 3.000 1.000000 -2.000
157.627500 1.000 1.000000 1.000
157.627500 1.000 1.000000 2.000
158.627500 2.000 1.000000 -1.000
158.627500 3.000 1.000000 -2.000
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
48.000000 4.000 1.000000 -1.000
49.000000 3.000 1.000000 1.000
EOD
$lost << EOD
20.000000 4.000 0.500000 -1.500
21.000000 1.000 0.500000 1.500
EOD
$append << EOD
13.000000 1 "r0-1 @0"
15.000000 1 "r2 @2"
17.000000 1 "r3 @3"
19.000000 1 "r4 @4"
147.627500 1 "r5 @5"
151.627500 1 "r6 @6"
155.627500 1 "r7 @7"
157.627500 1 "r8-29 @8"
EOD
$replica << EOD
14.000000 2 ""
14.000000 3 ""
16.000000 2 ""
16.000000 3 ""
18.000000 2 ""
18.000000 3 ""
20.000000 2 ""
20.000000 3 ""
148.627500 2 ""
148.627500 3 ""
152.627500 2 ""
152.627500 3 ""
156.627500 2 ""
156.627500 3 ""
158.627500 2 ""
158.627500 3 ""
EOD
$hw << EOD
15.000000 1 "hw 2"
16.000000 2 "hw 2"
16.000000 3 "hw 2"
17.000000 1 "hw 3"
18.000000 2 "hw 3"
18.000000 3 "hw 3"
19.000000 1 "hw 4"
20.000000 2 "hw 4"
20.000000 3 "hw 4"
21.000000 1 "hw 5"
148.627500 2 "hw 5"
148.627500 3 "hw 5"
149.627500 1 "hw 6"
152.627500 2 "hw 6"
152.627500 3 "hw 6"
153.627500 1 "hw 7"
156.627500 2 "hw 7"
156.627500 3 "hw 7"
157.627500 1 "hw 8"
158.627500 2 "hw 8"
158.627500 3 "hw 8"
159.627500 1 "hw 30"
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
145.627500 1 "dup r4 @4"
EOD
$producer << EOD
12.000000 4 "pid 1000000 e0"
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
20.000000 1 "fault 0 on"
21.000000 4 "fault 1 on"
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
  $dedup using 1:2 with points lc rgb '#00a0b0' pt 13 ps 1.6 title 'duplicate answered from cache', \
  $dedup using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#00a0b0' notitle, \
  $producer using 1:2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#7040a0' notitle, \
  $fault using 1:2 with points lc rgb '#606060' pt 1 ps 2 title 'fault on/off', \
  $fault using 1:2:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle
