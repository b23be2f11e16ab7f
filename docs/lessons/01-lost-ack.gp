set terminal pngcairo size 1500,850 font 'Sans,10'
set output 'docs/lessons/01-lost-ack.png'
set title "acks=all  enable.idempotence=false  max.in.flight=1  min.insync.replicas=1  records=20  seed 1\nduplicates 2   (empty fetches and heartbeats hidden: --plot-detail shows them)"
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
bx(t) = t < 27.000000 ? t - 0.000000 : t < 47.000000 ? 27.000000 + (t - 27.000000) * 0.109139785 : t < 55.000000 ? t - 17.817204 : t < 147.000000 ? 37.182796 + (t - 55.000000) * 0.023726040 : t - 107.634409
set xtics ("0" 0.000000, "5" 5.000000, "10" 10.000000, "15" 15.000000, "20" 20.000000, "27" 27.000000, "47" 29.182796, "50" 32.182796, "55" 37.182796, "147" 39.365591, "150" 42.365591, "155" 47.365591, "160" 52.365591, "165" 57.365591, "170" 62.365591)
set object 1 rect from first 27.000000, graph 0 to first 29.182796, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 1 "20 ms cut" at first 28.091398, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 26.770715, graph -0.015 to first 27.229285, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 26.770715, graph 0.985 to first 27.229285, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 28.953510, graph -0.015 to first 29.412081, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 28.953510, graph 0.985 to first 29.412081, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set object 2 rect from first 37.182796, graph 0 to first 39.365591, graph 1 behind fc rgb '#f0f0f0' fs solid 1.0 noborder
set label 2 "92 ms cut" at first 38.274194, graph 0.02 rotate by 90 left font ',8' tc rgb '#808080' front
set arrow from first 36.953510, graph -0.015 to first 37.412081, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 36.953510, graph 0.985 to first 37.412081, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 39.136306, graph -0.015 to first 39.594877, graph 0.015 nohead lc rgb '#404040' lw 1.5 front
set arrow from first 39.136306, graph 0.985 to first 39.594877, graph 1.015 nohead lc rgb '#404040' lw 1.5 front
set xrange [0.000000:62.365591]
set yrange [-0.7:4.9]
set ytics ('controller' 0, 'broker-1' 1, 'broker-2' 2, 'broker-3' 3, 'producer' 4) nomirror
set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 2 to graph 1, first 2 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 3 to graph 1, first 3 nohead lc rgb '#d8d8d8' lw 1 back
set arrow from graph 0, first 4 to graph 1, first 4 nohead lc rgb '#d8d8d8' lw 1 back
$produce << EOD
12.000000 4.000 1.000000 -3.000
16.000000 4.000 1.000000 -3.000
154.469700 4.000 1.000000 -3.000
EOD
$retry << EOD
EOD
$anomalymsg << EOD
20.000000 4.000 1.000000 -3.000
150.469700 4.000 1.000000 -3.000
EOD
$response << EOD
15.000000 1.000 1.000000 3.000
19.000000 1.000 1.000000 3.000
153.469700 1.000 1.000000 3.000
157.469700 1.000 1.000000 3.000
EOD
$errresponse << EOD
EOD
$fetch << EOD
13.000000 1.000 1.000000 1.000
13.000000 1.000 1.000000 2.000
17.000000 1.000 1.000000 1.000
17.000000 1.000 1.000000 2.000
21.000000 1.000 1.000000 1.000
21.000000 1.000 1.000000 2.000
151.469700 1.000 1.000000 1.000
151.469700 1.000 1.000000 2.000
155.469700 1.000 1.000000 1.000
155.469700 1.000 1.000000 2.000
EOD
$other << EOD
0.000000 0.000 1.000000 1.000
0.000000 0.000 1.000000 2.000
0.000000 0.000 1.000000 3.000
10.000000 4.000 1.000000 -3.000
11.000000 1.000 1.000000 3.000
50.000000 4.000 1.000000 -2.000
51.000000 2.000 1.000000 2.000
EOD
$lost << EOD
23.000000 1.000 1.000000 2.850
EOD
$append << EOD
13.000000 1.000 "r0-1 @0" 1.111 0.320999
17.000000 1.000 "r2-3 @2" 1.111 0.320999
21.000000 1.000 "r4-5 @4" 1.111 0.320999
151.469700 1.000 "r4-5 @6" 1.111 0.320999
155.469700 1.000 "r6-19 @8" 1.111 0.320999
EOD
$replica << EOD
14.000000 2.000 "" 2.000 0.000000
14.000000 3.000 "" 3.000 0.000000
18.000000 2.000 "" 2.000 0.000000
18.000000 3.000 "" 3.000 0.000000
22.000000 2.000 "" 2.000 0.000000
22.000000 3.000 "" 3.000 0.000000
152.469700 2.000 "" 2.000 0.000000
152.469700 3.000 "" 3.000 0.000000
156.469700 2.000 "" 2.000 0.000000
156.469700 3.000 "" 3.000 0.000000
EOD
$hw << EOD
15.000000 1.000 "hw 2" 0.889 0.320999
18.000000 2.000 "" 2.000 0.000000
18.000000 3.000 "" 3.000 0.000000
19.000000 1.000 "hw 4" 0.889 0.320999
22.000000 2.000 "" 2.000 0.000000
22.000000 3.000 "" 3.000 0.000000
23.000000 1.000 "hw 6" 0.889 0.320999
152.469700 2.000 "" 2.000 0.000000
152.469700 3.000 "" 3.000 0.000000
153.469700 1.000 "hw 8" 0.889 0.320999
156.469700 2.000 "" 2.000 0.000000
156.469700 3.000 "" 3.000 0.000000
157.469700 1.000 "hw 22" 0.889 0.320999
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
154.469700 4.000 "acked r4-5" 4.111 0.320999
EOD
$fault << EOD
23.000000 4.000 "fault.drop1" 4.111 0.320999
EOD
$isrshrink << EOD
EOD
$isrexpand << EOD
0.000000 0.000 "ISR is {1,2,3}" 0.111 0.320999
EOD
$lostmark << EOD
24.000000 3.850 "lost answer @4" 3.850 0.320999
EOD
$anomaly << EOD
21.000000 1.000 "r4-5 @4" 1.111 0.320999
22.000000 2.000 "" 2.000 0.000000
22.000000 3.000 "" 3.000 0.000000
151.469700 1.000 "r4-5 @6" 1.111 0.320999
152.469700 2.000 "" 2.000 0.000000
152.469700 3.000 "" 3.000 0.000000
154.469700 4.000 "acked r4-5" 4.111 0.320999
EOD
$backoff << EOD
50.000000 4.780 100.469700 "waits to retry 100 ms" 4.678
EOD
plot $other using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#c8c8e0' lw 0.6 title 'metadata, InitProducerId, ISR, controller', \
  $fetch using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#9a9a9a' lw 0.8 title 'Fetch (replication)', \
  $response using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#2a9d3a' lw 1.2 title 'Produce response', \
  $produce using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 lc rgb '#1f5fbf' lw 1.6 title 'Produce request', \
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
