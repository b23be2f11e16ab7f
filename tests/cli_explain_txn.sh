#!/usr/bin/env bash
# cli_explain_txn.sh: `kafkasim run --explain` on real transactional runs (lesson 11's producer,
# transactional.id=app, restarted while its second transaction ends):
#   - it names the view it judged (isolation.level);
#   - restart at 164 ms, read_committed: the duplicate's first copy is of a transaction that
#     committed (PrepareCommit, the COMMIT marker, CompleteCommit) while commitTransaction ended
#     PRODUCER_CLOSED, the application never learning the outcome, and the second copy is the
#     resend in the new instance's transaction at the next epoch (issue 18's must-show);
#   - restart at 161 ms, read_uncommitted: the first copy's transaction was fenced and aborted
#     by the new instance's InitProducerId, and read_uncommitted returns both copies;
#   - a produce delayed past its delivery timeout lands after its transaction's ABORT marker and
#     is committed with the next transaction: the aborted read's chain names the late write;
#   - a whole-cluster power loss takes batches of committed transactions: each lost commit names
#     the batch, its append and the power loss;
#   - a whole-cluster power loss takes a COMMIT marker and leaves its batch, which a later ABORT
#     marker of the producer closes: the atomicity violation's chain names the lost marker;
#   - a clean transactional run has nothing to explain, and --explain does not change the run.
#
# Usage: bash cli_explain_txn.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_explain_txn
. "$(dirname "$0")/lib.sh"

lesson="$src/docs/lessons/11-transactions-restart.properties"

# ---- The commit the application never learned, and its resend -----------------------------
run_ok "$lesson" --seed 1 --explain
cp out committed.txt
checks=$((checks + 1))
grep -q '^explain: judged on the read_committed view (isolation.level=read_committed)' out ||
  fail "no view line: $(head -1 out)"
chain_has committed.txt '^records 10\.\.19 duplicated \(Jepsen: duplicate, 2 committed copies each\)' \
  'the first copy, at offsets 11\.\.20 on broker-1 at [0-9.]+ ms, is of transaction 2 of producer \(producer id [0-9]+, epoch 0\)' \
  'the application had called commitTransaction when the producer was restarted at 164\.000 ms \(fault restart\), before the answer: commitTransaction ended PRODUCER_CLOSED, and the application never learned the outcome' \
  'the coordinator \(broker-[0-9]\) wrote PrepareCommit at [0-9.]+ ms' \
  'broker-[0-9] wrote the COMMIT marker at offset 21 of orders-0' \
  'CompleteCommit at [0-9.]+ ms' \
  'so transaction 2 committed, and the application was not told' \
  'the application sent them again in transaction 3 of producer \(producer id [0-9]+, epoch 1\), the new instance.s' \
  'the application was told it committed at [0-9.]+ ms' \
  'appended them again at offsets 22\.\.31' \
  'so a read_committed consumer reads both'

# ---- A restart before EndTxn: fenced and aborted, both copies at read_uncommitted ----------
run_ok "$lesson" 'fault.restart=restart producer at 161ms' isolation.level=read_uncommitted \
  --seed 1 --explain
cp out aborted.txt
checks=$((checks + 1))
grep -q '^explain: judged on the read_uncommitted view' out || fail "no read_uncommitted line"
chain_has aborted.txt '^records 10\.\.19 duplicated' \
  'is of transaction 2 of producer' \
  'fenced epoch 0 \(a new instance.s InitProducerId\) and wrote PrepareAbort' \
  'wrote the ABORT marker at offset 21 of orders-0' \
  'epoch 2\), the new instance.s' \
  'read_uncommitted returns both copies'
checks=$((checks + 1))
grep -q 'so transaction 2 committed' aborted.txt && fail "an aborted transaction told committed"

# ---- A late write after an abort, committed with the next transaction (kafka.version 3.7) --
# The produce of transaction 2 is delayed 3 s; its batch expires, the application aborts, the
# producer bumps its epoch and resends in transaction 3; the late batch lands after the ABORT
# marker, opens a transaction at the old epoch, and transaction 3's COMMIT marker closes it: an
# aborted read at read_committed and a duplicate. Partition verification (KIP-890 part 1, 3.6)
# refuses such a late first batch: where the build has it, the run must show no aborted read.
late=(transactional.id=app isolation.level=read_committed workload.records=40
  workload.transaction.records=10 network.latency.ms=1 transaction.timeout.ms=1000
  delivery.timeout.ms=1500 request.timeout.ms=1000 kafka.version=3.7
  'fault.d=delay requests producer -> leader by 3s from 145ms to 160ms')
run_ok "${late[@]}" --seed 1 --format csv
aborted=$(csv_field aborted_read)
if [ "${aborted:-0}" = 0 ]; then
  checks=$((checks + 1))
  "$bin" config 2>/dev/null | grep -q 'transaction.partition.verification.enable' ||
    fail "the late write shows no aborted read, and the build has no partition verification"
else
  run_ok "${late[@]}" --seed 1 --explain
  cp out late.txt
  chain_has late.txt '^records 10\.\.19 read, though transaction 2 of producer \(producer id [0-9]+, epoch 0\) never committed \(aborted_read, offsets 12\.\.21 of orders-0\)' \
    'commitTransaction failed with DELIVERY_TIMEOUT at [0-9.]+ ms and the application aborted it' \
    'wrote PrepareAbort' \
    'broker-1 wrote the ABORT marker at offset 11 of orders-0' \
    'broker-1 appended them at 3155\.000 ms \(attempt 1, sent at 154\.000 ms\), after that ABORT marker: a late write' \
    'the first marker of producer id [0-9]+ after them on orders-0 is a COMMIT \(offset 32, epoch 1\)'
  chain_has late.txt '^records 10\.\.19 duplicated' \
    'after the producer bumped its epoch \(InitProducerId after the abort, KIP-360\)' \
    'the COMMIT marker at offset 32 \(epoch 1\) closed the late copy together with the resend'
fi

# ---- Lost commits: a whole-cluster power loss takes committed transactions --------------
run_ok transactional.id=app isolation.level=read_committed workload.records=200 \
  workload.transaction.records=20 workload.transaction.abort.ratio=0.2 \
  workload.resend.on.failure=true transaction.timeout.ms=2000 \
  'fault.x=powerloss all at 300ms for 2s' --seed 1 --explain
cp out power.txt
chain_has power.txt '^transaction 2 of producer \(producer id [0-9]+, epoch 0\) committed but not read whole \(lost_commits\)' \
  'the application was told it committed at [0-9.]+ ms' \
  'wrote PrepareCommit at [0-9.]+ ms; CompleteCommit at [0-9.]+ ms' \
  'its batch on orders-0 \(records 20\.\.39\) was appended by broker-1 at [0-9.]+ ms and is not in the final log' \
  'broker-1 lost power at 300\.000 ms \(fault x\): acks come from the page cache'
chain_has power.txt '^records 20\.\.[0-9]+ lost \(Jepsen: lost-write' \
  'of transaction 2 of producer' 'lost power at 300\.000 ms'

# ---- Atomicity: the power loss takes a COMMIT marker and leaves its batch --------------------
# Keyed records over three partitions, a flush every 13 messages: broker-1 keeps transaction 4's
# batch on orders-0 and loses the COMMIT marker after it (offset 35); the producer's next ABORT
# marker there, written at the same offset after the restart, closes the batch as aborted, while
# orders-1 and orders-2 read the transaction's other batches.
run_ok transactional.id=app num.partitions=3 workload.keys=100 workload.records=600 \
  workload.transaction.records=30 isolation.level=read_committed log.flush.interval.messages=13 \
  'fault.p=powerloss all at 298ms for 2s' --seed 1 --explain=2
cp out atomicity.txt
chain_has atomicity.txt '^transaction 4 of producer \(producer id [0-9]+, epoch 0\) read in part \(atomicity_violations\)' \
  'the application was told it committed at [0-9.]+ ms' \
  'its batch on orders-0 \(records 90, 96, \.\.\. \(8 in all\)\) at offset 27 was aborted by the ABORT marker at offset 35' \
  'its COMMIT marker, written by broker-1 at offset 35 at [0-9.]+ ms, is not in the final log; broker-1 lost power at 298\.000 ms \(fault p\)' \
  'its batch on orders-1 \(.*\) is read at offset [0-9]+'
run_ok transactional.id=app num.partitions=3 workload.keys=100 workload.records=600 \
  workload.transaction.records=30 isolation.level=read_committed log.flush.interval.messages=13 \
  'fault.p=powerloss all at 298ms for 2s' --seed 1 --format csv
checks=$((checks + 1))
[ "$(csv_field atomicity_violations)" -gt 0 ] ||
  fail "the power loss left no atomicity violation: $(csv_field atomicity_violations)"

# ---- Nothing to explain; explaining does not change the run --------------------------------
run_ok transactional.id=app isolation.level=read_committed workload.records=40 \
  workload.transaction.records=10 --seed 1 --explain
checks=$((checks + 1))
grep -q '^explain: no anomaly to explain' out || fail "clean run: $(head -2 out)"
run_ok "$lesson" --seed 1 --format json
cp out plain.json
run_ok "$lesson" --seed 1 --format json --explain
checks=$((checks + 1))
tail -1 out | cmp -s - plain.json || fail "--explain changed the json summary"

finish
