#!/usr/bin/env bash
# cli_pipeline.sh: a consume-transform-produce pipeline end to end (issue 19): a producer
# writes two partitions, a group of two consumers (range assignor, read_uncommitted,
# auto.offset.reset=earliest) processes every record, applies its side effect to an external
# sink and sends one output record per input record to the output topic (flushed before the
# offsets are committed); consumer-1 crashes and comes back. Over a few dozen seeds each:
# - at-least-once with auto commit: records processed after the last auto commit are processed
#   again by the partition's next owner (processed_twice > 0 on some seeds), and their outputs
#   written again (output_duplicates > 0); nothing committed is lost (processed_never 0,
#   output_missing 0), and the group rebalanced (rebalances >= 1);
# - at-most-once (commit before processing): the rest of the batch the crash interrupted is never
#   processed though committed (processed_never > 0 on some seeds) and has no output
#   (output_missing > 0);
# - the dedup sink (external-dedup): 0 and 0 on every seed for the sink, while the output topic
#   still holds the reprocessed records twice (the table is the sink's, not Kafka's);
# - the faults on consumers act: the trace shows consumer-1's crash and restart, and the
#   processing lines of both instances.
#
# Usage: bash cli_pipeline.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_pipeline
. "$(dirname "$0")/lib.sh"

seeds=24
world=(workload.consumers=2 num.partitions=2 workload.records=1000 workload.rate=100
       workload.sink=external auto.offset.reset=earliest partition.assignment.strategy=range
       session.timeout.ms=10000 offsets.topic.num.partitions=3 workload.processing.ms=30
       network.jitter.ms=0.5)
crash=("fault.c=crash consumer of orders-0 at 9s for 2s")

# runs ARGS...: `kafkasim run ARGS --seed S --format csv` for seeds 1 .. $seeds, the rows under
# one header in out.
runs() {
  local rows=rows.csv
  : >"$rows"
  for ((seed = 1; seed <= seeds; seed++)); do
    expect_exit 0 run "$@" --seed "$seed" --format csv
    if [ "$seed" = 1 ]; then cat out >"$rows"; else tail -n +2 out >>"$rows"; fi
  done
  mv "$rows" out
}

# sum FIELD: the sum of column FIELD over the rows of runs.csv-like output in out.
sum() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col { s += $col } END { print s + 0 }' out
}
# max FIELD, min FIELD: over the rows.
max() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col { if ($col > m) m = $col } END { print m + 0 }' out
}
min() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col { if (!seen || $col < m) m = $col; seen = 1 }
                        END { print m + 0 }' out
}
# seeds_with FIELD: rows whose FIELD is above 0.
seeds_with() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col && $col > 0 { n++ } END { print n + 0 }' out
}

# Without a fault: every record applied once, one generation, drained.
expect_exit 0 run "${world[@]}" --format json
for field in '"processed":1000' '"processed_twice":0' '"processed_never":0' '"rebalances":0' \
             '"unconsumed":0' '"output_duplicates":0' '"output_missing":0' '"end":"stopped"'; do
  checks=$((checks + 1))
  grep -q "$field" out || fail "a run without faults should have $field: $(head -c 600 out)"
done

# A crash at a step of the application: it drains, both instances process, the crash and the
# restart are traced.
expect_exit 0 run "${world[@]}" "fault.c=crash consumer-1 on consumer.processed n=150 for 2s" \
  --format json --trace=trace.txt
checks=$((checks + 1))
grep -q 'consumer-1 crash' trace.txt || fail "consumer-1 should crash"
checks=$((checks + 1))
grep -q 'consumer-1 restart' trace.txt || fail "consumer-1 should come back"
checks=$((checks + 1))
grep -Eq 'consumer-2 process partition=orders-[01] record=' trace.txt || fail "consumer-2 should process records"
checks=$((checks + 1))
grep -q '"end":"stopped"' out || fail "the run should drain: $(grep -o '"end":"[a-z-]*"' out)"

# at-least-once, auto commit: duplicates on some seeds, never lost processing.
runs "${world[@]}" "${crash[@]}"
twice=$(seeds_with processed_twice)
echo "$test_name: at-least-once: processed_twice > 0 on $twice seeds of $seeds, sum $(sum processed_twice); processed_never sum $(sum processed_never); rebalances min $(min rebalances)"
checks=$((checks + 1))
[ "$twice" -gt 0 ] || fail "at-least-once with a crash should process some records twice"
checks=$((checks + 1))
[ "$(sum processed_never)" = 0 ] || fail "at-least-once should lose no processing, got $(sum processed_never)"
checks=$((checks + 1))
[ "$(min rebalances)" -ge 1 ] || fail "every run should rebalance at least once, min $(min rebalances)"
checks=$((checks + 1))
[ "$(min processed)" = 1000 ] || fail "every record should be applied at least once, min $(min processed)"
echo "$test_name: at-least-once: output_duplicates > 0 on $(seeds_with output_duplicates) seeds, sum $(sum output_duplicates); output_missing sum $(sum output_missing)"
checks=$((checks + 1))
[ "$(seeds_with output_duplicates)" -gt 0 ] || fail "records processed again should be written to the output again"
checks=$((checks + 1))
[ "$(sum output_missing)" = 0 ] || fail "at-least-once should miss no output, got $(sum output_missing)"

# at-most-once: lost processing on some seeds.
runs "${world[@]}" "${crash[@]}" workload.pipeline=at-most-once
never=$(seeds_with processed_never)
echo "$test_name: at-most-once: processed_never > 0 on $never seeds of $seeds, sum $(sum processed_never); processed_twice sum $(sum processed_twice)"
checks=$((checks + 1))
[ "$never" -gt 0 ] || fail "at-most-once with a crash should lose some processing"
echo "$test_name: at-most-once: output_missing > 0 on $(seeds_with output_missing) seeds, sum $(sum output_missing); output_duplicates sum $(sum output_duplicates)"
checks=$((checks + 1))
[ "$(seeds_with output_missing)" -gt 0 ] || fail "at-most-once: committed records never processed have no output"
checks=$((checks + 1))
[ "$(sum output_duplicates)" = 0 ] || fail "at-most-once should write no output twice, got $(sum output_duplicates)"

# The dedup sink: each record's effect applied exactly once.
runs "${world[@]}" "${crash[@]}" workload.sink=external-dedup
echo "$test_name: external-dedup: processed_twice sum $(sum processed_twice), processed_never sum $(sum processed_never), reprocessed sum $(sum reprocessed)"
checks=$((checks + 1))
[ "$(sum processed_twice)" = 0 ] || fail "the dedup sink should apply no record twice"
checks=$((checks + 1))
[ "$(sum processed_never)" = 0 ] || fail "the dedup sink should lose no processing"
checks=$((checks + 1))
[ "$(max reprocessed)" -gt 0 ] || fail "records should still be processed again (and skipped)"
echo "$test_name: external-dedup: output_duplicates sum $(sum output_duplicates), output_missing sum $(sum output_missing)"
checks=$((checks + 1))
[ "$(sum output_duplicates)" -gt 0 ] || fail "the dedup table is the sink's: the output topic still gets the reprocessed records again"
checks=$((checks + 1))
[ "$(sum output_missing)" = 0 ] || fail "the dedup sink should miss no output"

# The largest group: seven instances, one crashed and back while the group forms, so the group
# holds eight members (the crashed one until its session expires); the leader's assignment
# covers them all.
expect_exit 0 run num.brokers=3 workload.consumers=7 num.partitions=8 workload.records=200 \
  workload.sink=external auto.offset.reset=earliest "fault.a=crash consumer-3 at 500ms for 1s" \
  --format json
checks=$((checks + 1))
grep -q '"processed_never":0' out || fail "seven consumers: no committed record should go unprocessed"

# The largest world: 16 brokers (both coordinators on each), 8 transactional producers and 7
# consumers with their producers register 82 event kinds.
expect_exit 0 run num.brokers=16 workload.producers=8 workload.consumers=7 num.partitions=8 \
  workload.records=200 transactional.id=t workload.sink=external auto.offset.reset=earliest \
  --format json
checks=$((checks + 1))
grep -q '"processed":200' out || fail "the largest world: every record should be processed"

# max.poll.records at its largest: poll() returns at most CONSUMER_POLL_RECORDS_MAX, and the
# application's buffer is sized by that, not by the key.
expect_exit 0 run workload.consumers=2 num.partitions=2 workload.records=100 \
  max.poll.records=2147483647 workload.sink=external auto.offset.reset=earliest --format json
checks=$((checks + 1))
grep -q '"processed":100' out || fail "max.poll.records=2147483647: every record should be processed"

# A restart before the applications start (they start at 10 ms, when the partition state has
# reached every broker) has no process to replace: the instance starts once, as configured, under
# each commit strategy (the exactly-once one called initTransactions on a producer not yet
# started).
for mode in at-most-once at-least-once exactly-once; do
  expect_exit 0 run workload.consumers=2 num.partitions=2 workload.records=20 \
    workload.pipeline=$mode workload.sink=external auto.offset.reset=earliest \
    "fault.r=restart consumer-1 at 0s" "fault.s=restart consumer-2 at 5ms" --format json
  checks=$((checks + 1))
  grep -q '"processed":20' out || fail "$mode, restart before start: every record should be processed once: $(head -c 300 out)"
done

finish
