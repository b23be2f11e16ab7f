#!/usr/bin/env bash
# cli_pipeline_eos.sh: the exactly-once pipeline (workload.pipeline=exactly-once, KIP-447)
# end to end. Each instance consumer-k reads read_committed, opens a transaction per poll,
# processes each record (sink, output send), sends its positions with its group metadata
# (sendOffsetsToTransaction) and commits; an abortable error aborts and seeks back to the
# committed offsets; a fenced producer closes the instance.
# - configuration: the defaults exactly-once sets (enable.auto.commit=false,
#   isolation.level=read_committed, transactional.id <group.id>-consumer-<k>) and what it refuses
#   (enable.auto.commit=true, kafka.version below 2.5, idempotence set false; unset before
#   3.0 it is turned on for the instances, as a transactional.id turns it on);
# - a fault-free run: every record processed once, one output each, the instances'
#   transactions committed and judged (transaction fields), nothing else;
# - the zombie: consumer-1's application thread stalls past max.poll.interval.ms; the group
#   moves its partition to consumer-2, which processes the records again. at-least-once writes
#   their outputs twice (output_duplicates > 0); exactly-once does not: the zombie's
#   TxnOffsetCommit carries its old generation and member, the group coordinator refuses it
#   (UNKNOWN_MEMBER_ID), its transaction aborts, and its outputs are never read read_committed.
#   Its side effects stay applied: processed_twice > 0 with sink external (exactly-once ends at
#   Kafka's edge), 0 with external-dedup;
# - a send after the transaction entered its error state (a batch expired while the instance was
#   still processing its poll) throws at once: the rest of the batch is not processed;
# - a pause of consumer-2's JVM past session.timeout.ms at its first processed record drains
#   (the heartbeat thread with no coordinator waits retry.backoff.ms instead of waking at the
#   same instant forever once max.poll.interval.ms has passed);
# - the swarm: broker, transaction coordinator, group coordinator and consumer faults (all the
#   swarm's default kinds) over 30 seeds: 0 output duplicates and 0 output missing; the same
#   swarm with the external sink finds a seed with duplicate processing, with the dedup sink
#   none;
# - a follower whose fetch times out fails every fetch in flight on that connection (seed 177
#   of the swarm stalled replication for good before).
#
# Usage: bash cli_pipeline_eos.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_pipeline_eos
. "$(dirname "$0")/lib.sh"

world=(workload.consumers=2 num.partitions=2 workload.records=600 workload.rate=100
       workload.processing.ms=5 max.poll.records=20 auto.offset.reset=earliest
       session.timeout.ms=10000 max.poll.interval.ms=5000)
eos=(workload.pipeline=exactly-once)

# field NAME: column NAME of the csv run in out.
field() { csv_field "$1"; }

# ---- Configuration ----------------------------------------------------------------------------
expect_exit 0 config "${world[@]}" "${eos[@]}"
grep -Eq '^enable.auto.commit +false' out || fail "exactly-once: enable.auto.commit not false"
grep -Eq '^isolation.level +read_committed' out || fail "exactly-once: not read_committed"
expect_exit 0 config "${world[@]}" "${eos[@]}" isolation.level=read_uncommitted
grep -Eq '^isolation.level +read_uncommitted' out || fail "read_uncommitted not kept"
expect_exit 0 config "${world[@]}" workload.pipeline=at-least-once
grep -Eq '^enable.auto.commit +true' out || fail "at-least-once: enable.auto.commit not true"
expect_exit 2 run "${world[@]}" "${eos[@]}" enable.auto.commit=true
grep -q 'enable.auto.commit=true with workload.pipeline=exactly-once' err ||
  fail "enable.auto.commit=true not refused: $(cat err)"
expect_exit 2 run "${world[@]}" "${eos[@]}" kafka.version=2.4
grep -q 'needs kafka.version 2.5' err || fail "2.4 not refused: $(cat err)"
expect_exit 2 run "${world[@]}" "${eos[@]}" enable.idempotence=false
grep -q 'enable.idempotence=false with workload.pipeline=exactly-once' err ||
  fail "idempotence set false not refused: $(cat err)"
# Before 3.0 idempotence is off by default, and a transactional.id turns it on: the instances'
# producers run their transactions (the workload producer keeps its own default).
expect_exit 0 run "${world[@]}" "${eos[@]}" kafka.version=2.8 --format json
checks=$((checks + 1))
grep -q '"output_duplicates":0' out || fail "2.8 exactly-once: $(head -c 300 out)"
checks=$((checks + 1))
grep -Eq '"transactions_committed":[1-9]' out ||
  fail "2.8 exactly-once: the instances should commit transactions: $(grep -o '"transactions_committed":[0-9]*' out)"

expect_exit 2 run "${world[@]}" "${eos[@]}" transactional.id=group-consumer-1
grep -q 'is both a workload producer' err || fail "clashing transactional.id not refused"

# ---- A run without faults ---------------------------------------------------------------------
expect_exit 0 run "${world[@]}" "${eos[@]}" workload.sink=external --format csv
[ "$(field processed)" = 600 ] || fail "processed $(field processed), expected 600"
for f in processed_twice processed_never output_duplicates output_missing unconsumed \
         transactions_aborted aborted_read lost_commits hanging_transactions; do
  [ "$(field $f)" = 0 ] || fail "fault-free exactly-once: $f = $(field $f)"
done
[ "$(field transactions_committed)" -gt 10 ] || fail "too few transactions committed"
expect_exit 0 run "${world[@]}" "${eos[@]}" --trace=t.txt
grep -q 'consumer-1.producer -> broker-[0-9]* TxnOffsetCommit' t.txt || fail "no TxnOffsetCommit"
grep -q 'consumer-2.producer -> broker-[0-9]* AddOffsetsToTxn' t.txt || fail "no AddOffsetsToTxn"
grep -q 'consumer-1.producer txn-end' t.txt || fail "no transaction of consumer-1 ended"
grep -Eq 'consumer-1.producer -> broker-[0-9]+ FindCoordinator group=group$' t.txt ||
  fail "the producer's lookup of the group coordinator is not traced with the group"
grep -Eq 'consumer-1.producer -> broker-[0-9]+ FindCoordinator txn=group-consumer-1$' t.txt ||
  fail "the producer's lookup of its transaction coordinator is not traced with its id"

# ---- The zombie: a stall past max.poll.interval.ms ---------------------------------------------
stall=("fault.a=stall consumer-1 at 6s for 8s")
expect_exit 0 run "${world[@]}" workload.pipeline=at-least-once workload.sink=external "${stall[@]}" --format csv
alo_dups=$(field output_duplicates)
[ "$alo_dups" -gt 0 ] || fail "at-least-once: no output duplicate after the stall ($alo_dups)"
expect_exit 0 run "${world[@]}" "${eos[@]}" workload.sink=external "${stall[@]}" --format csv
[ "$(field output_duplicates)" = 0 ] || fail "exactly-once: output_duplicates $(field output_duplicates)"
[ "$(field output_missing)" = 0 ] || fail "exactly-once: output_missing $(field output_missing)"
[ "$(field processed_twice)" -gt 0 ] || fail "exactly-once, sink external: processed_twice 0"
[ "$(field transactions_aborted)" -ge 1 ] || fail "the zombie's transaction did not abort"
[ "$(field rebalances)" -ge 1 ] || fail "no rebalance"
eos_twice=$(field processed_twice)
expect_exit 0 run "${world[@]}" "${eos[@]}" workload.sink=external "${stall[@]}" --trace=z.txt
grep -q 'consumer-1.producer error api=TxnOffsetCommit error=UNKNOWN_MEMBER_ID' z.txt ||
  fail "the zombie's TxnOffsetCommit was not refused"
expect_exit 0 run "${world[@]}" "${eos[@]}" workload.sink=external-dedup "${stall[@]}" --format csv
[ "$(field processed_twice)" = 0 ] || fail "dedup sink: processed_twice $(field processed_twice)"
[ "$(field processed_never)" = 0 ] || fail "dedup sink: processed_never $(field processed_never)"
[ "$(field output_duplicates)" = 0 ] || fail "dedup sink: output_duplicates $(field output_duplicates)"

# ---- A send after the transaction's error throws -----------------------------------------------
# Processing takes 100 ms a record, so a poll's batch outlasts delivery.timeout.ms (2 s) while
# the leader of output-0 is down: a batch of the open transaction expires mid-batch and the
# transaction enters its abortable error. The next send() throws at once (KafkaProducer.doSend ->
# TransactionManager.maybeAddPartition -> maybeFailWithError) and the loop aborts: in each such
# transaction one record is processed after the failed callback (the one whose send threw),
# none after it (before: 15 on seed 1, processed_twice 64 -> 50).
late=(workload.consumers=2 num.partitions=2 workload.records=500 workload.rate=1000
      workload.processing.ms=100 max.poll.records=200 auto.offset.reset=earliest
      session.timeout.ms=10000 topic.output.replication.factor=2 topic.output.min.insync.replicas=2
      request.timeout.ms=1000 delivery.timeout.ms=2000 "fault.a=crash leader of output-0 at 15s for 10s"
      workload.sink=external "${eos[@]}")
expect_exit 0 run "${late[@]}" --seed 1 --format json --trace=late.txt
# After each transaction's first failed callback (before its txn-end): the transactions where a
# record was processed, the most records in one.
after=$(awk '{ split($2, a, "."); node = a[1] }
  $2 ~ /\.producer$/ && $3 == "txn-begin" { open[node] = 1; err[node] = 0; n[node] = 0; next }
  $2 ~ /\.producer$/ && $3 == "txn-end" { open[node] = 0; next }
  $2 ~ /\.producer$/ && $3 == "callback" && $0 !~ /error=NONE/ && open[node] { err[node] = 1; next }
  $3 == "process" && open[node] && err[node] { if (n[node]++ == 0) txns++; if (n[node] > most) most = n[node] }
  END { print txns + 0, most + 0 }' late.txt)
checks=$((checks + 1))
[ "${after% *}" -ge 1 ] || fail "no transaction met a failed send while processing: the check is idle"
checks=$((checks + 1))
[ "${after#* }" = 1 ] || fail "records processed after a failed send in its transaction: $after (transactions, most), expected one each"
checks=$((checks + 1))
grep -q '"output_duplicates":0,' out && grep -q '"output_missing":0,' out ||
  fail "a failed send: output duplicates or missing: $(grep -o '"output_[a-z]*":[0-9]*' out | tr '\n' ' ')"
late_twice=$(grep -o '"processed_twice":[0-9]*' out | cut -d: -f2)

# ---- A paused JVM past the session timeout drains ----------------------------------------------
expect_exit 0 run num.partitions=2 workload.records=1 workload.rate=100 workload.consumers=2 \
  "${eos[@]}" workload.sink=external workload.processing.ms=5 auto.offset.reset=earliest \
  max.poll.records=10 max.poll.interval.ms=5000 session.timeout.ms=6000 \
  "fault.swarm1=pause consumer-2 on consumer.processed n=1 for 6192ms" --seed 94 --format csv
[ "$(field status)" = ok ] || fail "the paused consumer's run did not drain: $(field status)"
[ "$(field output_duplicates)" = 0 ] || fail "pause: output_duplicates $(field output_duplicates)"

# ---- The swarm ---------------------------------------------------------------------------------
small=(workload.consumers=2 num.partitions=2 workload.records=120 workload.rate=100
       workload.processing.ms=5 max.poll.records=10 auto.offset.reset=earliest
       session.timeout.ms=6000 max.poll.interval.ms=5000 "${eos[@]}")
expect_exit 0 check "${small[@]}" workload.sink=external-dedup --swarm --seeds 1..30 -j 2 \
  --expect 'output_duplicates == 0 && output_missing == 0 && processed_twice == 0 && processed_never == 0'
grep -q 'holds for all 30 runs' out || fail "swarm: $(head -3 out)"
# Exactly-once ends at Kafka's edge: some seed applies a side effect twice (the first failure
# is the answer; no shrinking).
expect_exit 1 check "${small[@]}" workload.sink=external --swarm --seeds 1..30 -j 2 \
  --shrink-runs 0 --expect 'processed_twice == 0'
grep -q 'processed_twice' out || fail "swarm, sink external: no seed with duplicate processing"

# ---- A follower's fetch timeout fails every fetch on its connection -----------------------------
# broker-3 crashes for 1 ms and a follower's first fetch to broker-1 is lost: its request times
# out after 30 s and closes the connection. Every other partition's fetch in flight on it (the
# world has 104 partitions with the internal topics) fails with it and goes again after the
# backoff; before, each waited out its own 30 s timeout and closed the connection again, and
# the world never settled (swarm seed 177: 14 rebalances, 162 s, replication never caught up).
run_ok num.partitions=2 workload.records=1 workload.rate=100 transaction.timeout.ms=10000 \
  workload.consumers=2 "${eos[@]}" workload.processing.ms=5 auto.offset.reset=earliest \
  max.poll.records=10 max.poll.interval.ms=5000 session.timeout.ms=6000 \
  group.initial.rebalance.delay.ms=500 'fault.a=crash broker-3 on follower.fetch n=1 for 1ms' \
  'fault.b=break requests follower -> leader p=0.24 from 0s to 3ms' --seed 177 --format json
for field in '"settled":1' '"rebalances":0' '"output_missing":0'; do
  checks=$((checks + 1))
  grep -q "$field" out || fail "a fetch timeout should not stall replication: $field missing"
done

echo "$test_name: at-least-once output_duplicates $alo_dups; exactly-once 0, processed_twice $eos_twice; a send after the error: $late_twice processed twice"
finish
