set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/06-unclean.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=1  records=30  seed 1\nlost_acked 26   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set xlabel 'simulated time (ms); a grey band with // is an idle stretch cut short'
set grid xtics lc rgb '#eeeeee'
set key below horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
# The broken time axis: data hold true times; bx(t) maps a time to the axis, cutting
# the idle stretches (each keeps a narrow band; the tick labels give true times).
bx(t) = t < 158.000000 ? t - 0.000000 : t < 176.000000 ? 158.000000 + (t - 158.000000) * 0.456718346 : t < 188.000000 ? t - 9.779070 : t < 214.000000 ? 178.220930 + (t - 188.000000) * 0.316189624 : t < 228.000000 ? t - 27.558140 : t < 246.000000 ? 200.441860 + (t - 228.000000) * 0.456718346 : t < 258.000000 ? t - 37.337209 : t < 294.000000 ? 220.662791 + (t - 258.000000) * 0.228359173 : t - 65.116279
set xtics ("0" 0.000000, "20" 20.000000, "40" 40.000000, "60" 60.000000, "80" 80.000000, "100" 100.000000, "120" 120.000000, "140" 140.000000, "158" 158.000000, "176" 166.220930, "188" 178.220930, "214" 186.441860, "228" 200.441860, "246" 208.662791, "258" 220.662791, "294" 228.883721)
set object 1 rect from first 158.000000, graph 0 to first 166.220930, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "18 ms cut" at first 162.110465, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 157.123568, graph -0.015 to first 158.876432, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 157.123568, graph 0.985 to first 158.876432, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 165.344498, graph -0.015 to first 167.097362, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 165.344498, graph 0.985 to first 167.097362, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 178.220930, graph 0 to first 186.441860, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "26 ms cut" at first 182.331395, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 177.344498, graph -0.015 to first 179.097362, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 177.344498, graph 0.985 to first 179.097362, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 185.565429, graph -0.015 to first 187.318292, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 185.565429, graph 0.985 to first 187.318292, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 3 rect from first 200.441860, graph 0 to first 208.662791, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 3 "18 ms cut" at first 204.552326, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 199.565429, graph -0.015 to first 201.318292, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 199.565429, graph 0.985 to first 201.318292, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 207.786359, graph -0.015 to first 209.539222, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 207.786359, graph 0.985 to first 209.539222, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 4 rect from first 220.662791, graph 0 to first 228.883721, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 4 "36 ms cut" at first 224.773256, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 219.786359, graph -0.015 to first 221.539222, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 219.786359, graph 0.985 to first 221.539222, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 228.007289, graph -0.015 to first 229.760153, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 228.007289, graph 0.985 to first 229.760153, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:234.883721]
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
EOD
$retry << EOD
EOD
$anomalymsg << EOD
20.000000 4.000 1.000000 -3.000
25.000000 4.000 1.000000 -3.000
30.000000 4.000 1.000000 -3.000
35.000000 4.000 1.000000 -3.000
40.000000 4.000 1.000000 -3.000
45.000000 4.000 1.000000 -3.000
50.000000 4.000 1.000000 -3.000
55.000000 4.000 1.000000 -3.000
60.000000 4.000 1.000000 -3.000
65.000000 4.000 1.000000 -3.000
70.000000 4.000 1.000000 -3.000
75.000000 4.000 1.000000 -3.000
80.000000 4.000 1.000000 -3.000
85.000000 4.000 1.000000 -3.000
90.000000 4.000 1.000000 -3.000
95.000000 4.000 1.000000 -3.000
100.000000 4.000 1.000000 -3.000
105.000000 4.000 1.000000 -3.000
110.000000 4.000 1.000000 -3.000
115.000000 4.000 1.000000 -3.000
120.000000 4.000 1.000000 -3.000
125.000000 4.000 1.000000 -3.000
130.000000 4.000 1.000000 -3.000
135.000000 4.000 1.000000 -3.000
140.000000 4.000 1.000000 -3.000
145.000000 4.000 1.000000 -3.000
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
18.000000 1.000 1.000000 3.000
42.000000 1.000 1.000000 3.000
42.000000 1.000 1.000000 3.000
42.000000 1.000 1.000000 3.000
42.000000 1.000 1.000000 3.000
42.000000 1.000 1.000000 3.000
46.000000 1.000 1.000000 3.000
51.000000 1.000 1.000000 3.000
56.000000 1.000 1.000000 3.000
61.000000 1.000 1.000000 3.000
66.000000 1.000 1.000000 3.000
71.000000 1.000 1.000000 3.000
76.000000 1.000 1.000000 3.000
81.000000 1.000 1.000000 3.000
86.000000 1.000 1.000000 3.000
91.000000 1.000 1.000000 3.000
96.000000 1.000 1.000000 3.000
101.000000 1.000 1.000000 3.000
106.000000 1.000 1.000000 3.000
111.000000 1.000 1.000000 3.000
116.000000 1.000 1.000000 3.000
121.000000 1.000 1.000000 3.000
126.000000 1.000 1.000000 3.000
131.000000 1.000 1.000000 3.000
136.000000 1.000 1.000000 3.000
141.000000 1.000 1.000000 3.000
146.000000 1.000 1.000000 3.000
EOD
$errresponse << EOD
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
16.000000 1.000 1.000000 1.000
16.000000 1.000 1.000000 2.000
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
150.000000 1.000 1.000000 -1.000
150.000000 1.000 1.000000 3.000
150.000000 1.000 1.000000 3.000
151.000000 2.000 1.000000 2.000
181.000000 1.000 1.000000 -1.000
181.000000 2.000 1.000000 -2.000
181.000000 3.000 1.000000 -3.000
221.000000 1.000 1.000000 -1.000
221.000000 0.000 1.000000 2.000
221.000000 3.000 1.000000 -3.000
221.000000 0.000 1.000000 2.000
251.469700 1.000 1.000000 3.000
251.469700 1.000 1.000000 3.000
252.000000 3.000 1.000000 1.000
EOD
$lost << EOD
21.000000 4.000 1.000000 -0.850
41.000000 0.000 1.000000 1.850
41.000000 0.000 1.000000 2.850
51.000000 0.000 1.000000 1.850
51.000000 0.000 1.000000 2.850
51.000000 0.000 1.000000 1.850
51.000000 0.000 1.000000 2.850
150.000000 4.000 1.000000 -2.850
151.000000 4.000 1.000000 -1.850
181.000000 0.000 1.000000 0.850
181.000000 0.000 1.000000 1.850
181.000000 0.000 1.000000 2.850
221.000000 0.000 1.000000 0.850
221.000000 0.000 1.000000 2.850
251.469700 4.000 1.000000 -2.850
251.469700 4.000 1.000000 -2.850
252.000000 4.000 1.000000 -0.850
EOD
$append << EOD
13.000000 1.000 "r0 @0" 1.000
16.000000 1.000 "" 1.000
21.000000 1.000 "r2 @2" 1.000
42.000000 1.000 "r3 @3" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
46.000000 1.000 "" 1.000
51.000000 1.000 "r8 @8" 1.000
56.000000 1.000 "r9 @9" 1.000
61.000000 1.000 "r10 @10" 1.000
66.000000 1.000 "r11 @11" 1.000
71.000000 1.000 "r12 @12" 1.000
76.000000 1.000 "r13 @13" 1.000
81.000000 1.000 "r14 @14" 1.000
86.000000 1.000 "r15 @15" 1.000
91.000000 1.000 "r16 @16" 1.000
96.000000 1.000 "r17 @17" 1.000
101.000000 1.000 "r18 @18" 1.000
106.000000 1.000 "r19 @19" 1.000
111.000000 1.000 "r20 @20" 1.000
116.000000 1.000 "r21 @21" 1.000
121.000000 1.000 "r22 @22" 1.000
126.000000 1.000 "r23 @23" 1.000
131.000000 1.000 "r24 @24" 1.000
136.000000 1.000 "r25 @25" 1.000
141.000000 1.000 "r26 @26" 1.000
146.000000 1.000 "r27 @27" 1.000
EOD
$replica << EOD
14.000000 2.000 "" 2.000
14.000000 3.000 "" 3.000
17.000000 2.000 "" 2.000
17.000000 3.000 "" 3.000
EOD
$hw << EOD
15.000000 1.000 "hw 1" 1.000
17.000000 2.000 "" 2.000
17.000000 3.000 "" 3.000
18.000000 1.000 "" 1.000
42.000000 1.000 "hw 3" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
46.000000 1.000 "" 1.000
51.000000 1.000 "hw 9" 1.000
56.000000 1.000 "hw 10" 1.000
61.000000 1.000 "hw 11" 1.000
66.000000 1.000 "hw 12" 1.000
71.000000 1.000 "hw 13" 1.000
76.000000 1.000 "hw 14" 1.000
81.000000 1.000 "hw 15" 1.000
86.000000 1.000 "hw 16" 1.000
91.000000 1.000 "hw 17" 1.000
96.000000 1.000 "hw 18" 1.000
101.000000 1.000 "hw 19" 1.000
106.000000 1.000 "hw 20" 1.000
111.000000 1.000 "hw 21" 1.000
116.000000 1.000 "hw 22" 1.000
121.000000 1.000 "hw 23" 1.000
126.000000 1.000 "hw 24" 1.000
131.000000 1.000 "hw 25" 1.000
136.000000 1.000 "hw 26" 1.000
141.000000 1.000 "hw 27" 1.000
146.000000 1.000 "hw 28" 1.000
222.000000 2.000 "hw 2" 2.000
EOD
$crash << EOD
20.000000 2.000 "crash" 2.000
20.000000 3.000 "crash" 3.000
150.000000 1.000 "crash" 1.000
EOD
$restart << EOD
220.000000 2.000 "restart" 2.000
EOD
$election << EOD
181.000000 0.000 "no leader e1" 0.000
EOD
$unclean << EOD
221.000000 2.000 "UNCLEAN leader e2" 2.140
EOD
$truncate << EOD
EOD
$dedup << EOD
EOD
$producer << EOD
12.000000 4.000 "producer id 1000000 epoch 0" 4.000
EOD
$failed << EOD
EOD
$acked << EOD
43.000000 4.000 "acked r2-27 (26 callbacks)" 4.140
47.000000 4.000 "" 4.000
52.000000 4.000 "" 4.000
57.000000 4.000 "" 4.000
62.000000 4.000 "" 4.000
67.000000 4.000 "" 4.000
72.000000 4.000 "" 4.000
77.000000 4.000 "" 4.000
82.000000 4.000 "" 4.000
87.000000 4.000 "" 4.000
92.000000 4.000 "" 4.000
97.000000 4.000 "" 4.000
102.000000 4.000 "" 4.000
107.000000 4.000 "" 4.000
112.000000 4.000 "" 4.000
117.000000 4.000 "" 4.000
122.000000 4.000 "" 4.000
127.000000 4.000 "" 4.000
132.000000 4.000 "" 4.000
137.000000 4.000 "" 4.000
142.000000 4.000 "" 4.000
147.000000 4.000 "" 4.000
EOD
$fault << EOD
20.000000 2.000 "fault.crash2" 2.140
20.000000 3.000 "fault.crash3" 3.140
150.000000 1.000 "fault.crash1" 1.140
220.000000 2.000 "fault.crash2 ends" 2.280
EOD
$isrshrink << EOD
41.000000 0.000 "ISR shrinks to {1}" 0.000
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.000
221.000000 0.000 "ISR expands to {2}" 0.000
EOD
$lostmark << EOD
22.000000 3.150 "" 3.150
42.000000 1.850 "" 1.850
42.000000 2.850 "" 2.850
52.000000 1.850 "" 1.850
52.000000 2.850 "" 2.850
52.000000 1.850 "" 1.850
52.000000 2.850 "" 2.850
151.000000 1.150 "lost request r28" 1.150
152.000000 2.150 "" 2.150
182.000000 0.850 "" 0.850
182.000000 1.850 "" 1.850
182.000000 2.850 "" 2.850
222.000000 0.850 "" 0.850
222.000000 2.850 "" 2.850
252.469700 1.150 "lost request r28" 1.150
252.469700 1.150 "lost request r29" 1.290
253.000000 3.150 "" 3.150
EOD
$anomaly << EOD
21.000000 1.000 "r2 @2" 1.000
42.000000 1.000 "r3 @3" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
42.000000 1.000 "" 1.000
43.000000 4.000 "acked r2-27 (26 callbacks)" 4.140
46.000000 1.000 "" 1.000
47.000000 4.000 "" 4.000
51.000000 1.000 "r8 @8" 1.000
52.000000 4.000 "" 4.000
56.000000 1.000 "r9 @9" 1.000
57.000000 4.000 "" 4.000
61.000000 1.000 "r10 @10" 1.000
62.000000 4.000 "" 4.000
66.000000 1.000 "r11 @11" 1.000
67.000000 4.000 "" 4.000
71.000000 1.000 "r12 @12" 1.000
72.000000 4.000 "" 4.000
76.000000 1.000 "r13 @13" 1.000
77.000000 4.000 "" 4.000
81.000000 1.000 "r14 @14" 1.000
82.000000 4.000 "" 4.000
86.000000 1.000 "r15 @15" 1.000
87.000000 4.000 "" 4.000
91.000000 1.000 "r16 @16" 1.000
92.000000 4.000 "" 4.000
96.000000 1.000 "r17 @17" 1.000
97.000000 4.000 "" 4.000
101.000000 1.000 "r18 @18" 1.000
102.000000 4.000 "" 4.000
106.000000 1.000 "r19 @19" 1.000
107.000000 4.000 "" 4.000
111.000000 1.000 "r20 @20" 1.000
112.000000 4.000 "" 4.000
116.000000 1.000 "r21 @21" 1.000
117.000000 4.000 "" 4.000
121.000000 1.000 "r22 @22" 1.000
122.000000 4.000 "" 4.000
126.000000 1.000 "r23 @23" 1.000
127.000000 4.000 "" 4.000
131.000000 1.000 "r24 @24" 1.000
132.000000 4.000 "" 4.000
136.000000 1.000 "r25 @25" 1.000
137.000000 4.000 "" 4.000
141.000000 1.000 "r26 @26" 1.000
142.000000 4.000 "" 4.000
146.000000 1.000 "r27 @27" 1.000
147.000000 4.000 "" 4.000
EOD
$backoff << EOD
151.000000 4.780 100.469700 "waits to retry 100 ms"
252.469700 4.780 562.446700 "waits to retry, up to 562 ms"
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $produce using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $anomalymsg using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#d0009a' lw 2.2 title 'Produce of an anomalous record', \
  $lost using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.6 dt 4 title 'lost message', \
  $backoff using (bx($1)):2:(bx($1+$3)-bx($1)):(0) with vectors heads size screen 0.004,90 lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \
  $backoff using ((bx($1)+bx($1+$3))/2):2:4 with labels offset 0,-0.7 font ',8' tc rgb '#7040a0' notitle, \
  $append using (bx($1)):2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using (bx($1)):4:3 with labels offset 0.3,0.9 rotate by 30 left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using (bx($1)):2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using (bx($1)):2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using (bx($1)):4:3 with labels offset 0.3,-0.9 rotate by -30 left font ',8' tc rgb '#2a9d3a' notitle, \
  $crash using (bx($1)):2 with points lc rgb '#8b0000' pt 2 ps 3 lw 3 title 'crash', \
  $crash using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $restart using (bx($1)):2 with points lc rgb '#8b0000' pt 6 ps 2 lw 2 title 'restart', \
  $restart using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#8b0000' notitle, \
  $election using (bx($1)):2 with points lc rgb '#e08000' pt 3 ps 2.2 lw 2 title 'election', \
  $election using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#e08000' notitle, \
  $unclean using (bx($1)):2 with points lc rgb '#ff0000' pt 3 ps 2.6 lw 3 title 'unclean election', \
  $unclean using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#ff0000' notitle, \
  $producer using (bx($1)):2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#7040a0' notitle, \
  $acked using (bx($1)):2 with points lc rgb '#2a9d3a' pt 6 ps 1.4 title 'callback: acked (anomalous)', \
  $acked using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#2a9d3a' notitle, \
  $fault using (bx($1)):2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $isrshrink using (bx($1)):2 with points lc rgb '#b05000' pt 15 ps 1.8 title 'ISR shrinks', \
  $isrshrink using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $isrexpand using (bx($1)):2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using (bx($1)):2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using (bx($1)):4:3 with labels offset 1.2,0 left font ',8' tc rgb '#ff2020' notitle, \
  $anomaly using (bx($1)):2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' title 'record of an anomaly'
