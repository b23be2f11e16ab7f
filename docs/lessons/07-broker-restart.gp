set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/07-broker-restart.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=1  records=30  seed 1\nno anomaly   (empty fetches and heartbeats hidden: --plot-detail shows them)"
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
bx(t) = t < 102.000000 ? t - 0.000000 : t < 142.000000 ? 102.000000 + (t - 102.000000) * 0.219106015 : t < 174.000000 ? t - 31.235759 : t < 244.000000 ? 142.764241 + (t - 174.000000) * 0.125203437 : t < 300.000000 ? t - 92.471519 : t < 462.000000 ? 207.528481 + (t - 300.000000) * 0.054100251 : t - 245.707278
set xtics ("0" 0.000000, "20" 20.000000, "40" 40.000000, "60" 60.000000, "80" 80.000000, "102" 102.000000, "142" 110.764241, "160" 128.764241, "174" 142.764241, "244" 151.528481, "260" 167.528481, "280" 187.528481, "300" 207.528481, "462" 216.292722, "480" 234.292722)
set object 1 rect from first 102.000000, graph 0 to first 110.764241, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "40 ms cut" at first 106.382120, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 101.079386, graph -0.015 to first 102.920614, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 101.079386, graph 0.985 to first 102.920614, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 109.843627, graph -0.015 to first 111.684854, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 109.843627, graph 0.985 to first 111.684854, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 142.764241, graph 0 to first 151.528481, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "70 ms cut" at first 147.146361, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 141.843627, graph -0.015 to first 143.684854, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 141.843627, graph 0.985 to first 143.684854, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 150.607868, graph -0.015 to first 152.449095, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 150.607868, graph 0.985 to first 152.449095, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 3 rect from first 207.528481, graph 0 to first 216.292722, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 3 "162 ms cut" at first 211.910601, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 206.607868, graph -0.015 to first 208.449095, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 206.607868, graph 0.985 to first 208.449095, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 215.372108, graph -0.015 to first 217.213335, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 215.372108, graph 0.985 to first 217.213335, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:250.406874]
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
472.071300 4.000 1.000000 -2.000
EOD
$retry << EOD
254.469700 4.000 1.000000 -2.000
256.469700 4.000 1.000000 -2.000
258.469700 4.000 1.000000 -2.000
260.469700 4.000 1.000000 -2.000
470.071300 4.000 1.000000 -2.000
472.071300 4.000 1.000000 -2.000
EOD
$anomalymsg << EOD
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
18.000000 1.000 1.000000 3.000
255.469700 2.000 1.000000 2.000
257.469700 2.000 1.000000 2.000
259.469700 2.000 1.000000 2.000
471.071300 2.000 1.000000 2.000
473.071300 2.000 1.000000 2.000
475.071300 2.000 1.000000 2.000
EOD
$errresponse << EOD
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
16.000000 1.000 1.000000 1.000
16.000000 1.000 1.000000 2.000
21.000000 1.000 1.000000 1.000
21.000000 1.000 1.000000 2.000
26.000000 1.000 1.000000 1.000
26.000000 1.000 1.000000 2.000
31.000000 1.000 1.000000 1.000
31.000000 1.000 1.000000 2.000
36.000000 1.000 1.000000 1.000
36.000000 1.000 1.000000 2.000
41.000000 1.000 1.000000 1.000
41.000000 1.000 1.000000 2.000
473.071300 2.000 1.000000 -1.000
473.071300 2.000 1.000000 1.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
10.000000 4.000 1.000000 -2.000
11.000000 1.000 1.000000 3.000
11.000000 2.000 1.000000 2.000
50.000000 4.000 1.000000 -1.000
51.000000 3.000 1.000000 1.000
60.000000 1.000 1.000000 -1.000
60.000000 1.000 1.000000 1.000
60.000000 1.000 1.000000 2.000
91.000000 1.000 1.000000 -1.000
91.000000 0.000 1.000000 2.000
91.000000 0.000 1.000000 3.000
150.469700 1.000 1.000000 3.000
151.469700 1.000 1.000000 3.000
161.000000 0.000 1.000000 1.000
161.000000 0.000 1.000000 2.000
161.000000 0.000 1.000000 3.000
161.000000 0.000 1.000000 1.000
163.000000 2.000 1.000000 -2.000
164.000000 0.000 1.000000 1.000
164.000000 0.000 1.000000 2.000
164.000000 0.000 1.000000 3.000
164.000000 0.000 1.000000 2.000
252.469700 4.000 1.000000 -2.000
253.469700 2.000 1.000000 2.000
290.469700 4.000 1.000000 -1.000
291.469700 3.000 1.000000 1.000
EOD
$lost << EOD
23.000000 1.000 1.000000 2.850
28.000000 1.000 1.000000 2.850
33.000000 1.000 1.000000 2.850
38.000000 1.000 1.000000 2.850
43.000000 1.000 1.000000 2.850
91.000000 0.000 1.000000 0.850
150.469700 4.000 1.000000 -2.850
151.469700 4.000 1.000000 -2.850
261.469700 2.000 1.000000 1.850
EOD
$append << EOD
13.000000 1.000 "r0 @0" 1.111 1.288859
16.000000 1.000 "r1 @1" 1.333 1.288859
21.000000 1.000 "r2 @2" 1.111 1.288859
26.000000 1.000 "r3 @3" 1.333 1.288859
31.000000 1.000 "r4 @4" 1.111 1.288859
36.000000 1.000 "r5 @5" 1.333 1.288859
41.000000 1.000 "r6 @6" 1.111 1.288859
473.071300 2.000 "r7-29 @7" 1.889 1.288859
EOD
$replica << EOD
14.000000 2.000 "" 2.000 0.000000
14.000000 3.000 "" 3.000 0.000000
17.000000 2.000 "" 2.000 0.000000
17.000000 3.000 "" 3.000 0.000000
22.000000 2.000 "" 2.000 0.000000
22.000000 3.000 "" 3.000 0.000000
27.000000 2.000 "" 2.000 0.000000
27.000000 3.000 "" 3.000 0.000000
32.000000 2.000 "" 2.000 0.000000
32.000000 3.000 "" 3.000 0.000000
37.000000 2.000 "" 2.000 0.000000
37.000000 3.000 "" 3.000 0.000000
42.000000 2.000 "" 2.000 0.000000
42.000000 3.000 "" 3.000 0.000000
474.071300 1.000 "" 1.000 0.000000
474.071300 3.000 "" 3.000 0.000000
EOD
$hw << EOD
15.000000 1.000 "hw 1" 0.889 1.288859
17.000000 2.000 "" 2.000 0.000000
17.000000 3.000 "" 3.000 0.000000
18.000000 1.000 "hw 2" 0.667 1.288859
22.000000 2.000 "" 2.000 0.000000
22.000000 3.000 "" 3.000 0.000000
23.000000 1.000 "hw 3" 0.889 1.288859
27.000000 2.000 "" 2.000 0.000000
27.000000 3.000 "" 3.000 0.000000
28.000000 1.000 "hw 4" 0.667 1.288859
32.000000 2.000 "" 2.000 0.000000
32.000000 3.000 "" 3.000 0.000000
33.000000 1.000 "hw 5" 0.889 1.288859
37.000000 2.000 "" 2.000 0.000000
37.000000 3.000 "" 3.000 0.000000
38.000000 1.000 "hw 6" 0.667 1.288859
42.000000 2.000 "" 2.000 0.000000
42.000000 3.000 "" 3.000 0.000000
43.000000 1.000 "hw 7" 0.889 1.288859
93.000000 2.000 "hw 7" 1.889 1.288859
474.071300 3.000 "" 3.000 0.000000
475.071300 2.000 "hw 30" 1.667 1.288859
EOD
$crash << EOD
60.000000 1.000 "crash" 1.111 1.288859
EOD
$restart << EOD
160.000000 1.000 "restart" 1.111 1.288859
EOD
$election << EOD
91.000000 2.000 "leader e1" 2.111 1.288859
EOD
$unclean << EOD
EOD
$truncate << EOD
EOD
$dedup << EOD
255.469700 2.000 "dup r2 @2" 2.111 1.288859
257.469700 2.000 "dup r3 @3" 2.333 1.288859
259.469700 2.000 "dup r4 @4" 1.889 1.288859
261.469700 2.000 "dup r5 @5" 1.667 1.288859
471.071300 2.000 "dup r5 @5" 2.111 1.288859
473.071300 2.000 "dup r6 @6" 2.333 1.288859
EOD
$producer << EOD
12.000000 4.000 "producer id 1000000 epoch 0" 4.111 1.288859
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
23.000000 4.000 "fault.drop" 4.333 1.288859
60.000000 1.000 "fault.crash1" 1.333 1.288859
160.000000 1.000 "fault.crash1 ends" 0.889 1.288859
EOD
$isrshrink << EOD
91.000000 0.000 "ISR shrinks to {2,3}" 0.111 1.288859
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.111 1.288859
164.000000 0.000 "ISR expands to {1,2,3}" 0.111 1.288859
EOD
$lostmark << EOD
24.000000 3.850 "lost answer @2" 3.850 1.288859
29.000000 3.850 "lost answer @3" 3.628 1.288859
34.000000 3.850 "lost answer @4" 4.294 1.288859
39.000000 3.850 "lost answer @5" 4.516 1.288859
44.000000 3.850 "lost answer @6" 3.850 1.288859
92.000000 0.850 "" 0.850 0.000000
151.469700 1.150 "lost request r2" 1.261 1.288859
152.469700 1.150 "" 1.150 0.000000
262.469700 3.850 "lost answer @5" 3.850 1.288859
EOD
$anomaly << EOD
EOD
$backoff << EOD
50.000000 4.780 422.071300 "waits to retry, up to 422 ms" 4.678
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
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
  $election using (bx($1)):2 with points lc rgb '#e08000' pt 3 ps 2.2 lw 2 title 'election', \
  $election using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#e08000' notitle, \
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
