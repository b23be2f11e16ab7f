set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/03-idempotence.png'
set title "acks=all  enable.idempotence=true  max.in.flight=5  min.insync.replicas=1  records=30  seed 2\nno anomaly   (empty fetches and heartbeats hidden: --plot-detail shows them)"
set termoption noenhanced
set xlabel 'simulated time (ms); a grey band with // is an idle stretch cut short'
set grid xtics lc rgb '#eeeeee'
set key below horizontal maxrows 4 font ',9' spacing 1.1 samplen 2
unset ytics
# The broken time axis: data hold true times; bx(t) maps a time to the axis, cutting
# the idle stretches (each keeps a narrow band; the tick labels give true times).
bx(t) = t < 95.000000 ? t - 0.000000 : t < 155.000000 ? 95.000000 + (t - 95.000000) * 0.251010101 : t < 215.000000 ? t - 44.939394 : t < 420.000000 ? 170.060606 + (t - 215.000000) * 0.073466371 : t < 485.000000 ? t - 234.878788 : t < 540.000000 ? 250.121212 + (t - 485.000000) * 0.273829201 : t < 575.000000 ? t - 274.818182 : t < 650.000000 ? 300.181818 + (t - 575.000000) * 0.200808081 : t < 715.000000 ? t - 334.757576 : t < 865.000000 ? 380.242424 + (t - 715.000000) * 0.100404040 : t - 469.696970
set xtics ("0" 0.000000, "50" 50.000000, "95" 95.000000, "155" 110.060606, "215" 170.060606, "420" 185.121212, "450" 215.121212, "485" 250.121212, "540" 265.181818, "575" 300.181818, "650" 315.242424, "715" 380.242424, "865" 395.303030, "900" 430.303030)
set object 1 rect from first 95.000000, graph 0 to first 110.060606, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "60 ms cut" at first 102.530303, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 93.394392, graph -0.015 to first 96.605608, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 93.394392, graph 0.985 to first 96.605608, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 108.454998, graph -0.015 to first 111.666214, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 108.454998, graph 0.985 to first 111.666214, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 170.060606, graph 0 to first 185.121212, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "205 ms cut" at first 177.590909, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 168.454998, graph -0.015 to first 171.666214, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 168.454998, graph 0.985 to first 171.666214, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 183.515604, graph -0.015 to first 186.726820, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 183.515604, graph 0.985 to first 186.726820, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 3 rect from first 250.121212, graph 0 to first 265.181818, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 3 "55 ms cut" at first 257.651515, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 248.515604, graph -0.015 to first 251.726820, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 248.515604, graph 0.985 to first 251.726820, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 263.576210, graph -0.015 to first 266.787427, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 263.576210, graph 0.985 to first 266.787427, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 4 rect from first 300.181818, graph 0 to first 315.242424, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 4 "75 ms cut" at first 307.712121, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 298.576210, graph -0.015 to first 301.787427, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 298.576210, graph 0.985 to first 301.787427, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 313.636816, graph -0.015 to first 316.848033, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 313.636816, graph 0.985 to first 316.848033, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 5 rect from first 380.242424, graph 0 to first 395.303030, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 5 "150 ms cut" at first 387.772727, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 378.636816, graph -0.015 to first 381.848033, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 378.636816, graph 0.985 to first 381.848033, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 393.697422, graph -0.015 to first 396.908639, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 393.697422, graph 0.985 to first 396.908639, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:430.303030]
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
44.000000 4.000 1.000000 -3.000
46.000000 4.000 1.000000 -3.000
48.000000 4.000 1.000000 -3.000
50.000000 4.000 1.000000 -3.000
52.000000 4.000 1.000000 -3.000
54.000000 4.000 1.000000 -3.000
668.901000 4.000 1.000000 -3.000
EOD
$retry << EOD
433.540600 4.000 1.000000 -3.000
435.540600 4.000 1.000000 -3.000
437.540600 4.000 1.000000 -3.000
664.901000 4.000 1.000000 -3.000
666.901000 4.000 1.000000 -3.000
668.901000 4.000 1.000000 -3.000
879.154600 4.000 1.000000 -3.000
881.154600 4.000 1.000000 -3.000
EOD
$anomalymsg << EOD
EOD
$response << EOD
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
434.540600 1.000 1.000000 3.000
436.540600 1.000 1.000000 3.000
665.901000 1.000 1.000000 3.000
667.901000 1.000 1.000000 3.000
880.154600 1.000 1.000000 3.000
882.154600 1.000 1.000000 3.000
EOD
$errresponse << EOD
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
15.000000 1.000 1.000000 1.000
15.000000 1.000 1.000000 2.000
17.000000 1.000 1.000000 1.000
17.000000 1.000 1.000000 2.000
19.000000 1.000 1.000000 1.000
19.000000 1.000 1.000000 2.000
21.000000 1.000 1.000000 1.000
21.000000 1.000 1.000000 2.000
23.000000 1.000 1.000000 1.000
23.000000 1.000 1.000000 2.000
25.000000 1.000 1.000000 1.000
25.000000 1.000 1.000000 2.000
27.000000 1.000 1.000000 1.000
27.000000 1.000 1.000000 2.000
29.000000 1.000 1.000000 1.000
29.000000 1.000 1.000000 2.000
31.000000 1.000 1.000000 1.000
31.000000 1.000 1.000000 2.000
33.000000 1.000 1.000000 1.000
33.000000 1.000 1.000000 2.000
35.000000 1.000 1.000000 1.000
35.000000 1.000 1.000000 2.000
37.000000 1.000 1.000000 1.000
37.000000 1.000 1.000000 2.000
39.000000 1.000 1.000000 1.000
39.000000 1.000 1.000000 2.000
41.000000 1.000 1.000000 1.000
41.000000 1.000 1.000000 2.000
43.000000 1.000 1.000000 1.000
43.000000 1.000 1.000000 2.000
45.000000 1.000 1.000000 1.000
45.000000 1.000 1.000000 2.000
47.000000 1.000 1.000000 1.000
47.000000 1.000 1.000000 2.000
49.000000 1.000 1.000000 1.000
49.000000 1.000 1.000000 2.000
51.000000 1.000 1.000000 1.000
51.000000 1.000 1.000000 2.000
53.000000 1.000 1.000000 1.000
53.000000 1.000 1.000000 2.000
55.000000 1.000 1.000000 1.000
55.000000 1.000 1.000000 2.000
669.901000 1.000 1.000000 1.000
669.901000 1.000 1.000000 2.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
10.000000 4.000 1.000000 -2.000
11.000000 1.000 1.000000 3.000
11.000000 2.000 1.000000 2.000
76.000000 4.000 1.000000 -1.000
77.000000 3.000 1.000000 1.000
198.600000 4.000 1.000000 -3.000
199.600000 1.000 1.000000 3.000
467.540600 4.000 1.000000 -2.000
468.540600 2.000 1.000000 2.000
698.901000 4.000 1.000000 -1.000
699.901000 3.000 1.000000 1.000
EOD
$lost << EOD
49.000000 1.000 1.000000 2.850
51.000000 1.000 1.000000 2.850
53.000000 1.000 1.000000 2.850
55.000000 1.000 1.000000 2.850
57.000000 1.000 1.000000 2.850
168.600000 4.000 1.000000 -2.850
438.540600 1.000 1.000000 2.850
669.901000 1.000 1.000000 2.850
671.901000 1.000 1.000000 2.850
EOD
$append << EOD
13.000000 1.000 "r0-1 @0" 1.000
15.000000 1.000 "" 1.000
17.000000 1.000 "" 1.000
19.000000 1.000 "" 1.000
21.000000 1.000 "" 1.000
23.000000 1.000 "r6 @6" 1.000
25.000000 1.000 "" 1.000
27.000000 1.000 "" 1.000
29.000000 1.000 "" 1.000
31.000000 1.000 "" 1.000
33.000000 1.000 "r11 @11" 1.000
35.000000 1.000 "" 1.000
37.000000 1.000 "" 1.000
39.000000 1.000 "" 1.000
41.000000 1.000 "" 1.000
43.000000 1.000 "r16 @16" 1.000
45.000000 1.000 "" 1.000
47.000000 1.000 "" 1.000
49.000000 1.000 "" 1.000
51.000000 1.000 "" 1.000
53.000000 1.000 "r21 @21" 1.000
55.000000 1.000 "" 1.000
669.901000 1.000 "r23-29 @23" 1.000
EOD
$replica << EOD
14.000000 2.000 "" 2.000
14.000000 3.000 "" 3.000
16.000000 2.000 "" 2.000
16.000000 3.000 "" 3.000
18.000000 2.000 "" 2.000
18.000000 3.000 "" 3.000
20.000000 2.000 "" 2.000
20.000000 3.000 "" 3.000
22.000000 2.000 "" 2.000
22.000000 3.000 "" 3.000
24.000000 2.000 "" 2.000
24.000000 3.000 "" 3.000
26.000000 2.000 "" 2.000
26.000000 3.000 "" 3.000
28.000000 2.000 "" 2.000
28.000000 3.000 "" 3.000
30.000000 2.000 "" 2.000
30.000000 3.000 "" 3.000
32.000000 2.000 "" 2.000
32.000000 3.000 "" 3.000
34.000000 2.000 "" 2.000
34.000000 3.000 "" 3.000
36.000000 2.000 "" 2.000
36.000000 3.000 "" 3.000
38.000000 2.000 "" 2.000
38.000000 3.000 "" 3.000
40.000000 2.000 "" 2.000
40.000000 3.000 "" 3.000
42.000000 2.000 "" 2.000
42.000000 3.000 "" 3.000
44.000000 2.000 "" 2.000
44.000000 3.000 "" 3.000
46.000000 2.000 "" 2.000
46.000000 3.000 "" 3.000
48.000000 2.000 "" 2.000
48.000000 3.000 "" 3.000
50.000000 2.000 "" 2.000
50.000000 3.000 "" 3.000
52.000000 2.000 "" 2.000
52.000000 3.000 "" 3.000
54.000000 2.000 "" 2.000
54.000000 3.000 "" 3.000
56.000000 2.000 "" 2.000
56.000000 3.000 "" 3.000
670.901000 2.000 "" 2.000
670.901000 3.000 "" 3.000
EOD
$hw << EOD
15.000000 1.000 "hw 2" 1.000
16.000000 2.000 "" 2.000
16.000000 3.000 "" 3.000
17.000000 1.000 "" 1.000
18.000000 2.000 "" 2.000
18.000000 3.000 "" 3.000
19.000000 1.000 "" 1.000
20.000000 2.000 "" 2.000
20.000000 3.000 "" 3.000
21.000000 1.000 "" 1.000
22.000000 2.000 "" 2.000
22.000000 3.000 "" 3.000
23.000000 1.000 "" 1.000
24.000000 2.000 "" 2.000
24.000000 3.000 "" 3.000
25.000000 1.000 "hw 7" 1.000
26.000000 2.000 "" 2.000
26.000000 3.000 "" 3.000
27.000000 1.000 "" 1.000
28.000000 2.000 "" 2.000
28.000000 3.000 "" 3.000
29.000000 1.000 "" 1.000
30.000000 2.000 "" 2.000
30.000000 3.000 "" 3.000
31.000000 1.000 "" 1.000
32.000000 2.000 "" 2.000
32.000000 3.000 "" 3.000
33.000000 1.000 "" 1.000
34.000000 2.000 "" 2.000
34.000000 3.000 "" 3.000
35.000000 1.000 "hw 12" 1.000
36.000000 2.000 "" 2.000
36.000000 3.000 "" 3.000
37.000000 1.000 "" 1.000
38.000000 2.000 "" 2.000
38.000000 3.000 "" 3.000
39.000000 1.000 "" 1.000
40.000000 2.000 "" 2.000
40.000000 3.000 "" 3.000
41.000000 1.000 "" 1.000
42.000000 2.000 "" 2.000
42.000000 3.000 "" 3.000
43.000000 1.000 "" 1.000
44.000000 2.000 "" 2.000
44.000000 3.000 "" 3.000
45.000000 1.000 "hw 17" 1.000
46.000000 2.000 "" 2.000
46.000000 3.000 "" 3.000
47.000000 1.000 "" 1.000
48.000000 2.000 "" 2.000
48.000000 3.000 "" 3.000
49.000000 1.000 "" 1.000
50.000000 2.000 "" 2.000
50.000000 3.000 "" 3.000
51.000000 1.000 "" 1.000
52.000000 2.000 "" 2.000
52.000000 3.000 "" 3.000
53.000000 1.000 "" 1.000
54.000000 2.000 "" 2.000
54.000000 3.000 "" 3.000
55.000000 1.000 "hw 22" 1.000
56.000000 2.000 "" 2.000
56.000000 3.000 "" 3.000
57.000000 1.000 "" 1.000
558.000000 2.000 "" 2.000
558.000000 3.000 "" 3.000
671.901000 1.000 "hw 30" 1.000
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
434.540600 1.000 "dup r18 @18" 1.000
436.540600 1.000 "dup r19 @19" 1.140
438.540600 1.000 "dup r20 @20" 1.280
665.901000 1.000 "dup r20 @20" 1.000
667.901000 1.000 "dup r21 @21" 1.140
669.901000 1.000 "dup r22 @22" 1.280
880.154600 1.000 "dup r22 @22" 1.000
882.154600 1.000 "dup r23-29 @23" 1.140
EOD
$producer << EOD
12.000000 4.000 "producer id 1000000 epoch 0" 4.000
EOD
$failed << EOD
EOD
$acked << EOD
EOD
$fault << EOD
49.000000 4.000 "fault.drop2" 4.140
168.600000 1.000 "fault.drop1" 1.000
EOD
$isrshrink << EOD
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.000
EOD
$lostmark << EOD
50.000000 3.850 "lost answer @18" 3.850
52.000000 3.850 "lost answer @19" 3.710
54.000000 3.850 "lost answer @20" 3.570
56.000000 3.850 "lost answer @21" 3.430
58.000000 3.850 "lost answer @22" 3.290
169.600000 1.150 "lost request r18" 1.150
439.540600 3.850 "lost answer @20" 3.850
670.901000 3.850 "lost answer @22" 3.850
672.901000 3.850 "lost answer @23" 3.710
EOD
$anomaly << EOD
EOD
$backoff << EOD
76.000000 4.780 592.901000 "waits to retry, up to 593 ms"
698.901000 4.780 182.253600 "waits to retry, up to 182 ms"
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $produce using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
  $retry using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#e08000' lw 1.6 dt 2 title 'Produce retry', \
  $lost using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#ff2020' lw 1.6 dt 4 title 'lost message', \
  $backoff using (bx($1)):2:(bx($1+$3)-bx($1)):(0) with vectors heads size screen 0.004,90 lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \
  $backoff using ((bx($1)+bx($1+$3))/2):2:4 with labels offset 0,-0.7 font ',8' tc rgb '#7040a0' notitle, \
  $append using (bx($1)):2 with points lc rgb '#1f5fbf' pt 5 ps 1.3 title 'leader append', \
  $append using (bx($1)):4:3 with labels offset 0.3,0.9 rotate by 30 left font ',8' tc rgb '#1f5fbf' notitle, \
  $replica using (bx($1)):2 with points lc rgb '#1f5fbf' pt 4 ps 1.1 title 'replica append', \
  $hw using (bx($1)):2 with points lc rgb '#2a9d3a' pt 9 ps 0.9 title 'high watermark', \
  $hw using (bx($1)):4:3 with labels offset 0.3,-0.9 rotate by -30 left font ',8' tc rgb '#2a9d3a' notitle, \
  $dedup using (bx($1)):2 with points lc rgb '#00a0b0' pt 13 ps 1.6 title 'duplicate answered from cache', \
  $dedup using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#00a0b0' notitle, \
  $producer using (bx($1)):2 with points lc rgb '#7040a0' pt 8 ps 1.4 title 'producer id / epoch / expiry', \
  $producer using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#7040a0' notitle, \
  $fault using (bx($1)):2 with points lc rgb '#606060' pt 1 ps 2 title 'fault starts / ends', \
  $fault using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#606060' notitle, \
  $isrexpand using (bx($1)):2 with points lc rgb '#b05000' pt 14 ps 1.8 title 'ISR expands', \
  $isrexpand using (bx($1)):4:3 with labels offset 0.6,1.9 left font ',8' tc rgb '#b05000' notitle, \
  $lostmark using (bx($1)):2 with points lc rgb '#ff2020' pt 2 ps 2.2 lw 3 title 'lost before its receiver (x)', \
  $lostmark using (bx($1)):4:3 with labels offset 1.2,0 left font ',8' tc rgb '#ff2020' notitle
