#!/usr/bin/env bash
# cli_pipeline_story.sh: the seeds' story of a consume-then-produce service (issue 19): the
# output topic has two replicas and min.insync.replicas=2, and the broker leading output-0 is
# down for 90 s. consumer-1's flush of its outputs to output-0 waits on NOT_ENOUGH_REPLICAS
# retries; max.poll.interval.ms (60 s) is below delivery.timeout.ms (120 s), so the heartbeat
# thread leaves the group before the flush can fail or succeed; the group rebalances, consumer-2
# takes orders-0 from its last committed offset and processes the records consumer-1 was
# flushing again, and once the broker is back both outputs land: the output topic holds two
# events for one input (output_duplicates > 0 on every seed). Then the settings that avoid it:
# max.poll.interval.ms above delivery.timeout.ms plus a poll's processing (Kafka's default
# 300000), a third replica of the output topic (one broker down leaves two in sync), or
# exactly-once (the first instance's stuck outputs are in its open transaction, which its
# coordinator aborts when transaction.timeout.ms passes, fencing it; the next owner's offset
# fetch waits for that (UNSTABLE_OFFSET_COMMIT): the group still rebalances and the external
# sink still applies records twice, but the output topic read read_committed holds each once;
# the stuck instance's commitTransaction times out after max.block.ms and its thread ends).
#
# Usage: bash cli_pipeline_story.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_pipeline_story
. "$(dirname "$0")/lib.sh"

world=(num.brokers=3 workload.consumers=2 num.partitions=2 workload.records=6000 workload.rate=100
       workload.sink=external auto.offset.reset=earliest partition.assignment.strategy=range
       session.timeout.ms=10000 offsets.topic.num.partitions=3 workload.processing.ms=5
       topic.output.replication.factor=2 topic.output.min.insync.replicas=2
       max.poll.interval.ms=60000 "fault.a=crash leader of output-0 at 30s for 90s")

# runs SEEDS ARGS...: `kafkasim run ARGS --seed S --format csv` for seeds 1 .. SEEDS, the rows
# under one header in out.
runs() {
  local seeds=$1 rows=rows.csv
  shift
  : >"$rows"
  for ((seed = 1; seed <= seeds; seed++)); do
    expect_exit 0 run "$@" --seed "$seed" --format csv
    if [ "$seed" = 1 ]; then cat out >"$rows"; else tail -n +2 out >>"$rows"; fi
  done
  mv "$rows" out
}
# sum FIELD / seeds_with FIELD (rows above 0), over the rows in out.
sum() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col { s += $col } END { print s + 0 }' out
}
seeds_with() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR > 1 && col && $col > 0 { n++ } END { print n + 0 }' out
}

# The story, over 12 seeds: two outputs for one input on every seed, after a rebalance; no
# committed input goes without its output.
runs 12 "${world[@]}"
echo "$test_name: story: output_duplicates > 0 on $(seeds_with output_duplicates) of 12 seeds, sum $(sum output_duplicates); rebalances sum $(sum rebalances); output_missing sum $(sum output_missing)"
checks=$((checks + 1))
[ "$(seeds_with output_duplicates)" = 12 ] || fail "every seed should write some output twice, $(seeds_with output_duplicates) of 12 did"
checks=$((checks + 1))
[ "$(seeds_with rebalances)" = 12 ] || fail "every seed should rebalance"
checks=$((checks + 1))
[ "$(sum output_missing)" = 0 ] || fail "no output should be missing, got $(sum output_missing)"

# How it happens, on seed 1's trace: the produce waits on NOT_ENOUGH_REPLICAS, consumer-1 leaves
# the group (its poll timeout), and consumer-2 processes a record of orders-0 that consumer-1's
# producer had sent and that reaches the output topic from both.
expect_exit 0 run "${world[@]}" --seed 1 --format json --trace=trace.txt
checks=$((checks + 1))
grep -q 'consumer-1.producer error api=Produce error=NOT_ENOUGH_REPLICAS' trace.txt ||
  fail "consumer-1's producer should meet NOT_ENOUGH_REPLICAS"
checks=$((checks + 1))
grep -q 'consumer-1 -> broker-[0-9]* LeaveGroup' trace.txt ||
  fail "consumer-1 should leave the group when its poll timeout expires"
first=$(grep -m1 -o 'consumer-1.producer retry partition=output-0 records=[0-9]*' trace.txt |
        sed 's/.*records=//')
checks=$((checks + 1))
[ -n "$first" ] || fail "consumer-1's producer should retry a send to output-0"
checks=$((checks + 1))
grep -Eq "consumer-2 process partition=orders-0 record=$first offset=[0-9]+ generation=[2-9]" trace.txt ||
  fail "consumer-2 should process record $first again in a later generation"
checks=$((checks + 1))
[ "$(grep -Ec "consumer-[12].producer callback partition=output-0 record=$first( |$).*error=NONE" trace.txt)" -ge 2 ] ||
  fail "record $first's output should be acknowledged to both instances"

# The settings that avoid it, 6 seeds each: max.poll.interval.ms above delivery.timeout.ms and
# a poll's processing (no rebalance: the flush returns first), or a third output replica (no
# NOT_ENOUGH_REPLICAS wait at all).
runs 6 "${world[@]}" max.poll.interval.ms=300000
echo "$test_name: max.poll.interval.ms=300000: output_duplicates sum $(sum output_duplicates), rebalances sum $(sum rebalances)"
checks=$((checks + 1))
[ "$(sum output_duplicates)" = 0 ] || fail "max.poll.interval.ms=300000 should write no output twice, got $(sum output_duplicates)"
checks=$((checks + 1))
[ "$(sum rebalances)" = 0 ] || fail "max.poll.interval.ms=300000 should not rebalance"
runs 6 "${world[@]}" topic.output.replication.factor=3
echo "$test_name: topic.output.replication.factor=3: output_duplicates sum $(sum output_duplicates)"
checks=$((checks + 1))
[ "$(sum output_duplicates)" = 0 ] || fail "three output replicas should write no output twice, got $(sum output_duplicates)"

# exactly-once, 3 seeds (JSON: a transactional run's CSV has more columns): the same rebalance,
# no output twice and none missing at read_committed; the sink is outside the transaction.
dups=0 missing=0 rebalanced=0
for seed in 1 2 3; do
  expect_exit 0 run "${world[@]}" workload.pipeline=exactly-once --seed "$seed" --format json
  d=$(grep -o '"output_duplicates":[0-9]*' out | cut -d: -f2)
  m=$(grep -o '"output_missing":[0-9]*' out | cut -d: -f2)
  r=$(grep -o '"rebalances":[0-9]*' out | cut -d: -f2)
  dups=$((dups + ${d:-1})) missing=$((missing + ${m:-1}))
  [ "${r:-0}" -gt 0 ] && rebalanced=$((rebalanced + 1))
done
echo "$test_name: exactly-once: output_duplicates sum $dups, output_missing sum $missing, rebalanced on $rebalanced of 3 seeds"
# consumer-1's commitTransaction waits on the stuck flush for max.block.ms (60 s) and throws
# TimeoutException; EOMP's abort then throws IllegalStateException (the commit is still the
# pending transition) out of its loop: the thread ends and begins no transaction again, while
# its producer's close lets the commit finish (fenced: the coordinator aborted the transaction
# at transaction.timeout.ms).
expect_exit 0 run "${world[@]}" workload.pipeline=exactly-once --seed 1 --format json --trace=eos.txt
timeout_at=$(grep -m1 'consumer-1.producer error api=EndTxn error=TXN_TIMEOUT' eos.txt | cut -d' ' -f1)
checks=$((checks + 1))
[ -n "$timeout_at" ] || fail "consumer-1's commitTransaction should time out after max.block.ms"
checks=$((checks + 1))
[ -z "$(awk -v t="${timeout_at%ms}" '$1 + 0 > t + 0 && $2 == "consumer-1.producer" && $3 == "txn-begin"' eos.txt)" ] ||
  fail "consumer-1 began a transaction after its commit timed out"
checks=$((checks + 1))
grep -q 'consumer-1.producer error api=EndTxn error=PRODUCER_FENCED' eos.txt ||
  fail "consumer-1's closing producer should finish its commit (fenced)"
checks=$((checks + 1))
[ "$dups" = 0 ] || fail "exactly-once should write no output twice at read_committed, got $dups"
checks=$((checks + 1))
[ "$missing" = 0 ] || fail "exactly-once should miss no output, got $missing"
checks=$((checks + 1))
[ "$rebalanced" = 3 ] || fail "the group should still rebalance under exactly-once ($rebalanced of 3)"

finish
