#!/usr/bin/env bash
# cli_txn_v2.sh: transaction version 2 (KIP-890 part 2, Kafka 4.0) through the command:
# - transaction.version 1 or 2 from kafka.version 4.0, 2 its default there, refused before with
#   the release that brought it; a transactional run at 4.0 uses it;
# - the trace of a version 2 run: the producer sends no AddPartitionsToTxn; the partition's
#   leader adds the partition with the first batch of each transaction (AddPartitionsToTxn
#   verify_only=false) and retries the coordinator's CONCURRENT_TRANSACTIONS (the previous
#   transaction's markers still out) after 20 ms; every EndTxn answer names the next epoch, one
#   up, which the next transaction's batches and the markers carry;
# - a producer paused past transaction.timeout.ms inside a transaction: the coordinator aborts it,
#   nothing of it is read, and the resumed application's commit fails fatally: PRODUCER_FENCED
#   at 4.0.0 (the fence's epoch bumped twice), INVALID_TXN_STATE from 4.1 (KAFKA-19367: bumped
#   once, the commit reads as a retry against CompleteAbort);
# - explain tells a commit's epoch bump where the story differs from version 1;
# - the producer id rotates after epoch 32766 (a run of 32770 transactions).
#
# Usage: bash cli_txn_v2.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_txn_v2
. "$(dirname "$0")/lib.sh"

txn="transactional.id=app workload.records=40 workload.transaction.records=10"

# ---- The key --------------------------------------------------------------------------------
expect_exit 0 config --kafka-version 4.0
grep -qE '^transaction.version +2 +- +4.0 KIP-890 +1, 2 ' out ||
  fail "kafkasim config at 4.0 does not list transaction.version 2 (1, 2): $(grep '^transaction.version' out)"
expect_exit 2 run kafka.version=3.9 transactional.id=app transaction.version=2
grep -q "transaction.version" err && grep -q "4.0" err ||
  fail "3.9 refuses transaction.version without naming it and 4.0: $(head -2 err)"
expect_exit 0 run $txn kafka.version=4.0 --format json
v2_hash=$(sed -n 's/.*"config_hash":"\([^"]*\)".*/\1/p' out)
expect_exit 0 run $txn kafka.version=4.0 transaction.version=2 --format json
[ "$(sed -n 's/.*"config_hash":"\([^"]*\)".*/\1/p' out)" = "$v2_hash" ] ||
  fail "transaction.version=2 at 4.0 is not the default (another config hash)"

# ---- The trace ------------------------------------------------------------------------------
expect_exit 0 run $txn kafka.version=4.0 --trace
grep -q "producer -> broker-[0-9] AddPartitionsToTxn" out &&
  fail "version 2: the producer sent AddPartitionsToTxn"
adds=$(grep -c "broker-1 -> broker-2 AddPartitionsToTxn .*verify_only=false partition=orders-0" out)
[ "$adds" -ge 4 ] || fail "4 transactions, $adds adds by the leader in the trace (expected 4 or more)"
grep -q "verify_only=true" out && fail "version 2: a leader's verify_only request"
# Every EndTxn answer names the next epoch: 1, 2, 3, 4 for the four commits.
epochs=$(sed -n 's/.*EndTxnResponse error=NONE pid=[0-9]* epoch=\([0-9]*\)$/\1/p' out | tr '\n' ' ')
[ "$epochs" = "1 2 3 4 " ] || fail "EndTxn answers name epochs '$epochs', expected '1 2 3 4 '"
# The markers carry the bumped epoch, and the next transaction's batch goes at it, seq 0.
for e in 1 2 3 4; do
  grep -qE "WriteTxnMarkers pid=[0-9]+ epoch=$e .*result=commit" out ||
    fail "no commit marker at epoch $e"
done
for e in 1 2 3; do
  grep -qE "producer -> broker-1 Produce partition=orders-0 pid=[0-9]+ epoch=$e seq=0\.\." out ||
    fail "no batch at epoch $e from sequence 0"
done
# A leader's add that met the previous transaction's markers is retried 20 ms later.
awk '/broker-2 -> broker-1 AddPartitionsToTxnResponse error=CONCURRENT_TRANSACTIONS/ { t = $1 + 0; next }
     t && /broker-1 -> broker-2 AddPartitionsToTxn / { d = $1 - t; if (d < 20 || d > 22) bad = 1; t = 0; seen = 1 }
     END { exit !(seen && !bad) }' out ||
  fail "no leader's add retried 20 ms after CONCURRENT_TRANSACTIONS"
expect_exit 0 run $txn kafka.version=4.0 transaction.version=1 --trace
grep -q "producer -> broker-2 AddPartitionsToTxn" out ||
  fail "version 1 at 4.0: the producer sent no AddPartitionsToTxn"
grep -q "EndTxnResponse error=NONE pid=" out && fail "version 1: an EndTxn answer names an epoch"

# ---- explain: a commit the application never learned, at version 2 --------------------------
# Lesson 11's restart with resend, at 4.0 (the cycle is shorter: the restart falls in the second
# commit's window at 160 ms): the PrepareCommit bumped the epoch, the resend went in the new
# instance's transaction, and both copies are read.
expect_exit 0 run "$src/docs/lessons/11-transactions-restart.properties" kafka.version=4.0 \
  "fault.restart=restart producer at 160ms" --explain
grep -q '^verdict    duplicates: 10 records' out || fail "restart at 160ms: $(grep '^verdict' out)"
chain_has out "^records 10\.\.19 duplicated" \
  "transaction 2 of producer \(producer id [0-9]+, epoch 1\)" \
  "wrote PrepareCommit at [0-9.]+ ms at epoch 2 \(transaction version 2: every EndTxn bumps the epoch" \
  "transaction 3 of producer \(producer id [0-9]+, epoch 3\), the new instance's"
expect_exit 0 run "$src/docs/lessons/11-transactions-restart.properties" --explain
grep -q "transaction version 2" out && fail "version 1 (3.9): explain speaks of version 2"

# ---- A producer paused past transaction.timeout.ms ------------------------------------------
# The pauses fall inside the second transaction (the first is committed at about 145 ms).
big="transactional.id=app workload.records=1000 workload.transaction.records=100"
for v in 4.0 4.1; do
  want=PRODUCER_FENCED
  [ "$v" = 4.1 ] && want=INVALID_TXN_STATE
  for t in 150 154 170; do
    what="$v: pause producer at ${t}ms for 5s"
    checks=$((checks + 1))
    "$bin" run $big kafka.version=$v isolation.level=read_committed transaction.timeout.ms=2000 \
      transaction.abort.timed.out.transaction.cleanup.interval.ms=500 \
      "fault.p=pause producer at ${t}ms for 5s" --format json >out 2>err ||
      { fail "$what: exit $?: $(head -3 err)"; continue; }
    grep -q "\"$want\":1" out || fail "$what: the application's commit did not fail with $want"
    grep -q '"aborted_read":0,"atomicity_violations":0,"zombie_writes":0,"lost_commits":0,"hanging_transactions":0,' out ||
      fail "$what: a transaction anomaly"
    grep -q '"duplicates":0,"reordered":0,"lost_acked":0,' out || fail "$what: a record anomaly"
  done
done

# ---- The producer id's rotation at epoch 32766 ------------------------------------------------
# 32770 transactions of one record: the commit at epoch 32766 bumps to 32767 (its markers carry
# it under the old producer id; the trace keeps the producer's lines), and CompleteCommit moves the id to a new producer id at epoch
# 0, which the EndTxn answer names and the producer takes (TransactionMetadata.prepareComplete,
# nextProducerId); every record committed, no anomaly.
checks=$((checks + 1))
"$bin" run kafka.version=4.0 transactional.id=app workload.records=32770 \
  workload.transaction.records=1 workload.rate=100000 --trace=rot.trace --trace-node producer \
  >out 2>err || fail "rotation run: exit $?: $(head -2 err)"
grep -q '^verdict    no anomaly' out || fail "rotation run: $(grep '^verdict' out)"
grep -qE 'producer -> broker-[0-9] Produce .*pid=2000000 epoch=32766 ' rot.trace ||
  fail "no batch at epoch 32766 under the first producer id"
grep -qE 'EndTxnResponse error=NONE pid=2000001 epoch=0$' rot.trace ||
  fail "no EndTxn answer naming the next producer id at epoch 0"
grep -qE 'producer producer-id pid=2000001 epoch=3$' rot.trace ||
  fail "the producer did not go on under the new producer id"
rm -f rot.trace

finish
