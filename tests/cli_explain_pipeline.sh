#!/usr/bin/env bash
# cli_explain_pipeline.sh: `kafkasim run --explain` on real consume-process-apply runs (two
# consumers, two partitions, range, read_uncommitted, an external sink):
#   - at-least-once with auto commit, the holder of orders-0 crashes and comes back: the records
#     processed twice are told in one story: who applied them, the auto commit of orders-0 that
#     did not cover them (by whom, when), the crash and its fault, the rebalance (its trigger and
#     the generation it formed), where the next owner resumed and when it applied them again;
#     the story's record count is the processed_twice field;
#   - at-most-once, the same crash: the records committed and never processed are told with the
#     poll that returned them, the commitSync that moved past them and the crash;
#   - a stall past consumer-1's own max.poll.interval.ms (consumer-1.max.poll.interval.ms): the
#     heartbeat thread leaves the group, the next owner resumes at the committed offset, and the
#     stalled instance applies the rest of its poll again when it wakes (a stale holder, told as
#     such); the same key set for consumer-2 leaves consumer-1 in the group;
#   - the seeds' story (an output send stuck past max.poll.interval.ms while the output's leader
#     is down): the outputs written twice name the stuck send, the flush that waited for it, the
#     heartbeat thread leaving and the second instance's sends; at-most-once's missing outputs
#     name the commit past them;
#   - exactly-once: the sink's double applications are told as Kafka's edge, and explain judges
#     the instances' transactions on the output topic as the verdict does (no lost commit told);
#   - the dedup sink leaves no duplicate processing to explain, only the outputs written twice
#     (the table is the sink's, not the output topic's); --explain does not change the run.
#
# Usage: bash cli_explain_pipeline.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_explain_pipeline
. "$(dirname "$0")/lib.sh"

world=(workload.consumers=2 num.partitions=2 workload.records=1000 workload.rate=100
       workload.sink=external auto.offset.reset=earliest partition.assignment.strategy=range
       session.timeout.ms=10000 offsets.topic.num.partitions=3 workload.processing.ms=30
       network.jitter.ms=0.5)

# ---- Duplicate processing after a crash (auto commit) --------------------------------------
run_ok "${world[@]}" "fault.c=crash consumer of orders-0 at 19s for 2s" --seed 1 --explain
cp out twice.txt
chain_has twice.txt '^records [0-9., ]+ of orders-0 \([0-9]+ records, offsets [0-9]+\.\.[0-9]+\) processed twice \(processed_twice\)' \
  ': consumer-2 applied them at [0-9.]+\.\.[0-9.]+ ms \(generation 1\)' \
  'the offset of orders-0 committed before consumer-2 resumed was [0-9]+, an auto commit \(enable.auto.commit, at poll\) by consumer-2 answered at [0-9.]+ ms, so it did not cover them' \
  'auto.commit.interval.ms=5000' \
  'consumer-2 crashed at 19000\.000 ms \(fault c\)' \
  'consumer-2 restarted at 21000\.000 ms as a new member' \
  'broker-[0-9] expired consumer-2.s member at [0-9.]+ ms: no heartbeat for session.timeout.ms=10000' \
  'the group began to rebalance at [0-9.]+ ms \(a member joined: consumer-2\) and broker-[0-9] formed generation 2' \
  'consumer-2 resumed orders-0 at offset [0-9]+ at [0-9.]+ ms \(the group.s committed offset\)' \
  'consumer-2 applied them again at [0-9.]+\.\.[0-9.]+ ms \(generation 2\)' \
  'workload.sink=external-dedup'
# The committed offset the story names is where the next owner resumed.
checks=$((checks + 1))
line=$(grep -m1 'processed twice' twice.txt)
committed=$(sed -E 's/.*committed before consumer-2 resumed was ([0-9]+),.*/\1/' <<<"$line")
resumed=$(sed -E 's/.*resumed orders-0 at offset ([0-9]+) at.*/\1/' <<<"$line")
[ "$committed" = "$resumed" ] || fail "committed $committed but resumed at $resumed"
# Every record counted is told: the stories' records add up to the field.
checks=$((checks + 1))
told=$(grep 'processed twice (processed_twice)' twice.txt |
       sed -E 's/^records [^(]*\(([0-9]+) records.*/\1/; s/^record [0-9]+ .*/1/' |
       awk '{ s += $1 } END { print s + 0 }')
field=$(grep -o 'processed_twice [0-9]*' twice.txt | head -1 | cut -d' ' -f2)
[ -n "$field" ] && [ "$field" -gt 0 ] || fail "the run should process records twice: $field"
[ "$told" = "$field" ] || fail "stories tell $told records, processed_twice is $field"

# ---- Lost processing: commit before processing ---------------------------------------------
run_ok "${world[@]}" workload.pipeline=at-most-once \
  "fault.c=crash consumer of orders-0 at 9s for 2s" --seed 2 --explain
cp out never.txt
chain_has never.txt 'committed as consumed, never processed \(processed_never\)' \
  '^records [0-9]+\.\.[0-9]+ of orders-0 \([0-9]+ records' \
  'consumer-1 polled them at [0-9.]+ ms \(generation 1\)' \
  'consumer-1 committed offset [0-9]+ of orders-0, a commitSync, answered at [0-9.]+ ms' \
  'workload.pipeline=at-most-once commits what poll\(\) returned before processing it' \
  'consumer-1 crashed at 9000\.000 ms \(fault c\)' \
  'no instance applied them afterwards' \
  'workload.pipeline=at-least-once'
# The commit named moved past every record of the story.
checks=$((checks + 1))
line=$(grep -m1 'never processed' never.txt)
last=$(sed -E 's/.*offsets [0-9]+\.\.([0-9]+)\).*/\1/' <<<"$line")
commit=$(sed -E 's/.*committed offset ([0-9]+) of orders-0.*/\1/' <<<"$line")
[ "$commit" -gt "$last" ] || fail "commit $commit should be past offset $last"

# ---- A stall past max.poll.interval.ms: the heartbeat thread leaves, a stale holder ----------
# consumer-1's own max.poll.interval.ms (consumer-<n>.<key>); the world's stays at 300 s.
run_ok "${world[@]}" consumer-1.max.poll.interval.ms=10000 "fault.s=stall consumer-1 at 12s for 15s" \
  --seed 2 --explain
cp out stall.txt
chain_has stall.txt 'from the records its poll\(\) had returned before' \
  'processed twice \(processed_twice\): consumer-1 polled them at [0-9.]+ ms \(generation 1\)' \
  'consumer-1.s heartbeat thread left the group at [0-9.]+ ms: max.poll.interval.ms=10000 passed since its last poll\(\)' \
  'the group began to rebalance at [0-9.]+ ms \(a member left: consumer-1\)' \
  'consumer-2 resumed orders-0 at offset [0-9]+' \
  'consumer-2 applied them at [0-9.]+\.\.[0-9.]+ ms \(generation 2\)' \
  'consumer-1 applied them again at 2[0-9]+\.[0-9]+\.\.[0-9.]+ ms \(no generation: it was out of the group\)'

# ---- The seeds' story: an output send stuck past max.poll.interval.ms ------------------------
run_ok num.brokers=3 workload.consumers=2 num.partitions=2 workload.records=6000 workload.rate=100 \
  workload.sink=external auto.offset.reset=earliest partition.assignment.strategy=range \
  session.timeout.ms=10000 offsets.topic.num.partitions=3 workload.processing.ms=5 \
  topic.output.replication.factor=2 topic.output.min.insync.replicas=2 max.poll.interval.ms=60000 \
  "fault.a=crash leader of output-0 at 30s for 90s" --seed 1 --explain=3
cp out story.txt
chain_has story.txt 'written twice to the output topic.s read_committed view \(output_duplicates\)' \
  ': consumer-1 processed them at [0-9.]+\.\.[0-9.]+ ms \(generation 1\)' \
  'consumer-1\.producer sent record [0-9]+.s output at [0-9.]+ ms, acknowledged at 1[0-9]{5}\.[0-9]+ ms' \
  'the answer took longer than max.poll.interval.ms=60000, and the flush before the commit waited for it while poll\(\) was not called' \
  'consumer-1.s heartbeat thread left the group at [0-9.]+ ms: max.poll.interval.ms=60000' \
  'consumer-2 resumed orders-0 at offset [0-9]+' \
  'consumer-2 processed them again' \
  'consumer-2\.producer sent record [0-9]+.s output' \
  'only exactly-once \(the offsets in the output.s transaction, KIP-447\) fences the first'
# At-most-once: the outputs of the records never processed are missing, told with the commit.
chain_has never.txt 'committed as consumed, missing from the output topic \(output_missing\)' \
  'consumer-1 committed offset [0-9]+ of orders-0, a commitSync' \
  'no instance processed them' \
  'consumer-1 crashed at 9000\.000 ms \(fault c\)'

# ---- Exactly-once: the outputs are taken back, the sink's effect is not ----------------------
run_ok "${world[@]}" workload.pipeline=exactly-once "fault.c=crash consumer of orders-0 at 9s for 2s" \
  --seed 1 --explain
chain_has out 'processed twice \(processed_twice\)' \
  'a transaction.s offsets \(sendOffsetsToTransaction\) by consumer-[12]\.producer answered at' \
  'exactly-once ends at Kafka.s edge'
checks=$((checks + 1))
! grep -q 'output_duplicates)' out || fail "exactly-once should write no output twice"
# Its transactions wrote the output topic: explain reads it there as the verdict does, so none
# is told as committed but not read while the verdict counts no lost commit.
checks=$((checks + 1))
grep -q 'lost_commits 0' out || fail "the exactly-once run should lose no commit: $(grep -m1 '^transactions' out)"
checks=$((checks + 1))
! grep -q '(lost_commits)' out || fail "explain told a lost commit the verdict does not count: $(grep -m1 '(lost_commits)' out)"

# The same key on the other instance: consumer-1's 15 s stall is within its 300 s, no rebalance.
run_ok "${world[@]}" consumer-2.max.poll.interval.ms=10000 "fault.s=stall consumer-1 at 12s for 15s" \
  --seed 2 --format json
for field in '"processed_twice":0' '"rebalances":0'; do
  checks=$((checks + 1))
  grep -q "$field" out || fail "consumer-2's own key should leave consumer-1 alone: $field"
done

# ---- The dedup sink: no duplicate processing, the outputs still twice; --explain does not ---
# ---- change the run ----------------------------------------------------------------------------
run_ok "${world[@]}" workload.sink=external-dedup "fault.c=crash consumer of orders-0 at 19s for 2s" \
  --seed 1 --explain
checks=$((checks + 1))
! grep -q 'processed twice (processed_twice)' out || fail "the dedup sink should apply nothing twice: $(grep -m1 'processed twice' out)"
checks=$((checks + 1))
grep -q 'written twice to the output topic.s read_committed view (output_duplicates)' out ||
  fail "the outputs of the records processed again should be told: $(head -2 out)"
hash_explained=$(grep -o 'trace hash 0x[0-9a-f]*' twice.txt)
run_ok "${world[@]}" "fault.c=crash consumer of orders-0 at 19s for 2s" --seed 1
checks=$((checks + 1))
[ "$(grep -o 'trace hash 0x[0-9a-f]*' out)" = "$hash_explained" ] ||
  fail "--explain changed the run: $hash_explained vs $(grep -o 'trace hash 0x[0-9a-f]*' out)"

finish
