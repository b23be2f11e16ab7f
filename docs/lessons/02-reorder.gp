set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/02-reorder.png'
set title "acks=all  enable.idempotence=false  max.in.flight=5  min.insync.replicas=1  records=30  seed 1\nreordered 4   (empty fetches and heartbeats hidden: --plot-detail shows them)"
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
bx(t) = t < 28.000000 ? t - 0.000000 : t < 43.000000 ? 28.000000 + (t - 28.000000) * 0.168100358 : t < 51.000000 ? t - 12.478495 : t < 149.000000 ? 38.521505 + (t - 51.000000) * 0.025729647 : t - 107.956989
set xtics ("0" 0.000000, "5" 5.000000, "10" 10.000000, "15" 15.000000, "20" 20.000000, "25" 25.000000, "28" 28.000000, "43" 30.521505, "51" 38.521505, "149" 41.043011, "155" 47.043011, "160" 52.043011, "165" 57.043011, "170" 62.043011, "175" 67.043011, "180" 72.043011)
set object 1 rect from first 28.000000, graph 0 to first 30.521505, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "15 ms cut" at first 29.260753, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 27.735136, graph -0.015 to first 28.264864, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 27.735136, graph 0.985 to first 28.264864, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 30.256641, graph -0.015 to first 30.786369, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 30.256641, graph 0.985 to first 30.786369, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 38.521505, graph 0 to first 41.043011, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "98 ms cut" at first 39.782258, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 38.256641, graph -0.015 to first 38.786369, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 38.256641, graph 0.985 to first 38.786369, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 40.778147, graph -0.015 to first 41.307875, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 40.778147, graph 0.985 to first 41.307875, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:72.043011]
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
13.000000 1.000 "r0-1 @0" 1.111 0.370810
15.000000 1.000 "r2 @2" 1.333 0.370810
153.629600 1.000 "r7 @3" 1.111 0.370810
155.629600 1.000 "r6 @4" 1.111 0.370810
163.229200 1.000 "r5 @5" 1.111 0.370810
165.229200 1.000 "r4 @6" 1.111 0.370810
167.229200 1.000 "r3 @7" 1.111 0.370810
169.229200 1.000 "r8-29 @8" 1.111 0.370810
EOD
$replica << EOD
14.000000 2.000 "" 2.000 0.000000
14.000000 3.000 "" 3.000 0.000000
16.000000 2.000 "" 2.000 0.000000
16.000000 3.000 "" 3.000 0.000000
154.629600 2.000 "" 2.000 0.000000
154.629600 3.000 "" 3.000 0.000000
156.629600 2.000 "" 2.000 0.000000
156.629600 3.000 "" 3.000 0.000000
164.229200 2.000 "" 2.000 0.000000
164.229200 3.000 "" 3.000 0.000000
166.229200 2.000 "" 2.000 0.000000
166.229200 3.000 "" 3.000 0.000000
168.229200 2.000 "" 2.000 0.000000
168.229200 3.000 "" 3.000 0.000000
170.229200 2.000 "" 2.000 0.000000
170.229200 3.000 "" 3.000 0.000000
EOD
$hw << EOD
15.000000 1.000 "hw 2" 0.889 0.370810
16.000000 2.000 "" 2.000 0.000000
16.000000 3.000 "" 3.000 0.000000
17.000000 1.000 "hw 3" 0.889 0.370810
154.629600 2.000 "" 2.000 0.000000
154.629600 3.000 "" 3.000 0.000000
155.629600 1.000 "hw 4" 0.889 0.370810
156.629600 2.000 "" 2.000 0.000000
156.629600 3.000 "" 3.000 0.000000
157.629600 1.000 "hw 5" 0.889 0.370810
164.229200 2.000 "" 2.000 0.000000
164.229200 3.000 "" 3.000 0.000000
165.229200 1.000 "hw 6" 0.889 0.370810
166.229200 2.000 "" 2.000 0.000000
166.229200 3.000 "" 3.000 0.000000
167.229200 1.000 "hw 7" 0.889 0.370810
168.229200 2.000 "" 2.000 0.000000
168.229200 3.000 "" 3.000 0.000000
169.229200 1.000 "hw 8" 0.889 0.370810
170.229200 2.000 "" 2.000 0.000000
170.229200 3.000 "" 3.000 0.000000
171.229200 1.000 "hw 30" 0.889 0.370810
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
158.629600 4.000 "acked r6" 4.111 0.370810
166.229200 4.000 "acked r5,4,3 (3 callbacks)" 4.111 0.370810
168.229200 4.000 "" 4.000 0.000000
170.229200 4.000 "" 4.000 0.000000
EOD
$fault << EOD
16.000000 1.000 "fault.drop1" 1.111 0.370810
EOD
$isrshrink << EOD
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.111 0.370810
EOD
$lostmark << EOD
17.000000 1.150 "lost request r3" 1.261 0.370810
19.000000 1.150 "lost request r4" 0.928 0.370810
21.000000 1.150 "lost request r5" 0.706 0.370810
23.000000 1.150 "lost request r6" 1.150 0.370810
25.000000 1.150 "lost request r7" 1.372 0.370810
EOD
$anomaly << EOD
155.629600 1.000 "r6 @4" 1.111 0.370810
156.629600 2.000 "" 2.000 0.000000
156.629600 3.000 "" 3.000 0.000000
158.629600 4.000 "acked r6" 4.111 0.370810
163.229200 1.000 "r5 @5" 1.111 0.370810
164.229200 2.000 "" 2.000 0.000000
164.229200 3.000 "" 3.000 0.000000
165.229200 1.000 "r4 @6" 1.111 0.370810
166.229200 4.000 "acked r5,4,3 (3 callbacks)" 4.111 0.370810
166.229200 2.000 "" 2.000 0.000000
166.229200 3.000 "" 3.000 0.000000
167.229200 1.000 "r3 @7" 1.111 0.370810
168.229200 4.000 "" 4.000 0.000000
168.229200 2.000 "" 2.000 0.000000
168.229200 3.000 "" 3.000 0.000000
170.229200 4.000 "" 4.000 0.000000
EOD
$backoff << EOD
46.000000 4.780 116.229200 "waits to retry, up to 116 ms" 4.678
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $produce using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $retry using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $anomalymsg using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#d0009a' lw 2.2 title 'Produce of an anomalous record', \
  $lost using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.6 dt 4 title 'lost message', \
  $backoff using (bx($1)):2:(bx($1+$3)-bx($1)):(0) with vectors heads size screen 0.004,90 lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \
  $backoff using ((bx($1)+bx($1+$3))/2):5:4 with labels center font ',8' tc rgb '#7040a0' notitle, \
  $append using (bx($1)):2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using (bx($1)):2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using (bx($1)):2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#2a9d3a' notitle, \
  $acked using (bx($1)):2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using (bx($1)):2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#606060' notitle, \
  $isrexpand using (bx($1)):2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using (bx($1)):2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#ff2020' notitle, \
  $anomaly using (bx($1)):2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
