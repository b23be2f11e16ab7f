set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/04-acks1-failover.png'
set title "acks=1  enable.idempotence=false  max.in.flight=1  min.insync.replicas=1  records=30  seed 1\nlost_acked 3   (empty fetches and heartbeats hidden: --plot-detail shows them)"
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
bx(t) = t < 56.000000 ? t - 0.000000 : t < 78.000000 ? 56.000000 + (t - 56.000000) * 0.148826979 : t < 86.000000 ? t - 18.725806 : t < 147.000000 ? 67.274194 + (t - 86.000000) * 0.053675304 : t - 76.451613
set xtics ("0" 0.000000, "10" 10.000000, "20" 20.000000, "30" 30.000000, "40" 40.000000, "50" 50.000000, "56" 56.000000, "78" 59.274194, "86" 67.274194, "147" 70.548387, "160" 83.548387, "170" 93.548387)
set object 1 rect from first 56.000000, graph 0 to first 59.274194, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "22 ms cut" at first 57.637097, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 55.656072, graph -0.015 to first 56.343928, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 55.656072, graph 0.985 to first 56.343928, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 58.930266, graph -0.015 to first 59.618121, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 58.930266, graph 0.985 to first 59.618121, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 67.274194, graph 0 to first 70.548387, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "61 ms cut" at first 68.911290, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 66.930266, graph -0.015 to first 67.618121, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 66.930266, graph 0.985 to first 67.618121, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 70.204459, graph -0.015 to first 70.892315, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 70.204459, graph 0.985 to first 70.892315, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:93.548387]
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
13.000000 1.000 "r0-1 @0" 1.111 0.481499
15.000000 1.000 "r2 @2" 1.333 0.481499
17.000000 1.000 "r3 @3" 1.111 0.481499
19.000000 1.000 "r4 @4" 1.333 0.481499
21.000000 1.000 "r5 @5" 1.111 0.481499
23.000000 1.000 "r6 @6" 1.333 0.481499
25.000000 1.000 "r7 @7" 1.111 0.481499
27.000000 1.000 "r8 @8" 1.333 0.481499
29.000000 1.000 "r9 @9" 1.111 0.481499
31.000000 1.000 "r10 @10" 1.333 0.481499
33.000000 1.000 "r11 @11" 1.111 0.481499
35.000000 1.000 "r12 @12" 1.333 0.481499
37.000000 1.000 "r13 @13" 1.111 0.481499
39.000000 1.000 "r14 @14" 1.333 0.481499
41.000000 1.000 "r15 @15" 1.111 0.481499
43.000000 1.000 "r16 @16" 1.333 0.481499
45.000000 1.000 "r17 @17" 1.111 0.481499
47.000000 1.000 "r18 @18" 0.889 0.481499
49.000000 1.000 "r19 @19" 0.667 0.481499
156.469700 2.000 "r20 @17" 2.111 0.481499
158.469700 2.000 "r21-29 @18" 2.333 0.481499
EOD
$replica << EOD
23.000000 2.000 "" 2.000 0.000000
23.000000 2.000 "" 2.000 0.000000
23.000000 2.000 "" 2.000 0.000000
23.000000 2.000 "" 2.000 0.000000
23.000000 2.000 "" 2.000 0.000000
23.000000 3.000 "" 3.000 0.000000
23.000000 3.000 "" 3.000 0.000000
23.000000 3.000 "" 3.000 0.000000
23.000000 3.000 "" 3.000 0.000000
23.000000 3.000 "" 3.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 2.000 "" 2.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
45.000000 3.000 "" 3.000 0.000000
157.469700 1.000 "" 1.000 0.000000
157.469700 3.000 "" 3.000 0.000000
159.469700 1.000 "" 1.000 0.000000
159.469700 3.000 "" 3.000 0.000000
EOD
$hw << EOD
44.000000 1.000 "hw 6" 0.889 0.481499
45.000000 3.000 "" 3.000 0.000000
83.000000 2.000 "hw 17" 1.889 0.481499
157.469700 1.000 "" 1.000 0.000000
157.469700 3.000 "" 3.000 0.000000
158.469700 2.000 "hw 18" 1.889 0.481499
159.469700 3.000 "" 3.000 0.000000
160.469700 2.000 "hw 27" 1.667 0.481499
EOD
$crash << EOD
50.000000 1.000 "crash" 1.111 0.481499
EOD
$restart << EOD
150.000000 1.000 "restart" 1.111 0.481499
EOD
$election << EOD
81.000000 2.000 "leader e1" 2.111 0.481499
EOD
$unclean << EOD
EOD
$truncate << EOD
154.000000 1.000 "truncate to 17 (-3)" 1.111 0.481499
EOD
$dedup << EOD
EOD
$producer << EOD
EOD
$failed << EOD
EOD
$acked << EOD
46.000000 4.000 "acked r17-19 (3 callbacks)" 4.111 0.481499
48.000000 4.000 "" 4.000 0.000000
50.000000 4.000 "" 4.000 0.000000
EOD
$fault << EOD
1.000000 1.000 "fault.slow" 1.111 0.481499
1.000000 1.000 "fault.slow3" 1.333 0.481499
50.000000 1.000 "fault.crash1" 1.333 0.481499
150.000000 1.000 "fault.crash1 ends" 1.333 0.481499
EOD
$isrshrink << EOD
81.000000 0.000 "ISR shrinks to {2,3}" 0.111 0.481499
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.111 0.481499
156.000000 0.000 "ISR expands to {1,2,3}" 0.111 0.481499
EOD
$lostmark << EOD
51.000000 1.150 "lost request r20" 0.928 0.481499
82.000000 0.850 "" 0.850 0.000000
EOD
$anomaly << EOD
45.000000 1.000 "r17 @17" 1.111 0.481499
46.000000 4.000 "acked r17-19 (3 callbacks)" 4.111 0.481499
47.000000 1.000 "r18 @18" 0.889 0.481499
48.000000 4.000 "" 4.000 0.000000
49.000000 1.000 "r19 @19" 0.667 0.481499
50.000000 4.000 "" 4.000 0.000000
EOD
$backoff << EOD
51.000000 4.780 100.469700 "waits to retry 100 ms" 4.678
153.469700 4.780 2.000000 "waits to retry 2 ms" 4.678
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $errresponse using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c03030' lw 1.2 dt 3 title 'Produce response with error', \
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
  $crash using (bx($1)):2 with points lc rgb '#8b0000' pt 2 ps 3 lw 3 title 'crash', \
  $crash using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#8b0000' notitle, \
  $restart using (bx($1)):2 with points lc rgb '#8b0000' pt 6 ps 2 lw 2 title 'restart', \
  $restart using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#8b0000' notitle, \
  $election using (bx($1)):2 with points lc rgb '#e08000' pt 3 ps 2.2 lw 2 title 'election', \
  $election using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#e08000' notitle, \
  $truncate using (bx($1)):2 with points lc rgb '#c03030' pt 11 ps 1.8 title 'truncation', \
  $truncate using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#c03030' notitle, \
  $acked using (bx($1)):2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using (bx($1)):2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#606060' notitle, \
  $isrshrink using (bx($1)):2 with points lc rgb '#b05000' pt 15 ps 1.8 title 'ISR shrinks', \
  $isrshrink using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#b05000' notitle, \
  $isrexpand using (bx($1)):2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using (bx($1)):2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '#ff2020' notitle, \
  $anomaly using (bx($1)):2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
