#!/usr/bin/env bash
# cli_txn_verify.sh: KIP-890 part 1 through the command (transaction.partition.verification.enable):
# - the key exists from kafka.version 3.6 (true there), is refused before with the release that
#   brought it, and is written to the configuration only away from its default;
# - a transactional run's trace shows the leader's verification (AddPartitionsToTxn with
#   verify_only=true from the partition leader to the coordinator, and its answer) before the
#   first batch of each transaction is appended; with the key false there is none;
# - a verification lost with the coordinator's crash, or timed out while it pauses, reaches the
#   producer as NETWORK_EXCEPTION before 3.7.1 and NOT_ENOUGH_REPLICAS from it, and is retried;
# - a late write after an abort (a produce request delayed past delivery.timeout.ms while the
#   application aborts) is answered by the coordinator as Kafka's release does: INVALID_TXN_STATE
#   in 3.6 and 3.7, TRANSACTION_ABORTABLE from 3.8 (KAFKA-16314); with verification off the
#   same run leaves a hanging transaction (tests/prop_txn_verify.c sweeps the seeds), and explain
#   says the leader did not ask the coordinator.
#
# Usage: bash cli_txn_verify.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_txn_verify
. "$(dirname "$0")/lib.sh"

txn="transactional.id=app workload.records=40 workload.transaction.records=10"

# ---- The key --------------------------------------------------------------------------------
expect_exit 2 run kafka.version=3.5 transactional.id=app transaction.partition.verification.enable=true
grep -q "transaction.partition.verification.enable" err && grep -q "3.6" err ||
  fail "3.5 refuses the key without naming it and 3.6: $(head -2 err)"
expect_exit 0 config --kafka-version 3.6
grep -q "^transaction.partition.verification.enable  *true" out ||
  fail "kafkasim config at 3.6 does not list the key with true: $(grep verification out)"
expect_exit 0 config --kafka-version 3.5
grep -q "^transaction.partition.verification.enable  *-  .* 3.6 KIP-890 " out ||
  fail "kafkasim config at 3.5 does not show the key as absent until 3.6: $(grep verification out)"
# Quiet: the default leaves the configuration (and its hash) as it was; false is written.
expect_exit 0 run $txn --format json
default_hash=$(sed -n 's/.*"config_hash":"\([^"]*\)".*/\1/p' out)
expect_exit 0 run $txn transaction.partition.verification.enable=true --format json
[ "$(sed -n 's/.*"config_hash":"\([^"]*\)".*/\1/p' out)" = "$default_hash" ] ||
  fail "setting the key to its default changed the config hash"
expect_exit 0 run $txn transaction.partition.verification.enable=false --format json
[ "$(sed -n 's/.*"config_hash":"\([^"]*\)".*/\1/p' out)" != "$default_hash" ] ||
  fail "transaction.partition.verification.enable=false kept the default's config hash"

# ---- The verification in the trace ----------------------------------------------------------
expect_exit 0 run $txn --trace
verifies=$(grep -c "broker-1 -> broker-2 AddPartitionsToTxn .*verify_only=true" out)
[ "$verifies" -eq 4 ] || fail "4 transactions, $verifies verifications in the trace (expected 4)"
grep -q "broker-2 -> broker-1 AddPartitionsToTxnResponse partitions=1 error=NONE" out ||
  fail "no verification answered NONE"
# Each verification comes before its batch's append on the leader.
awk '/verify_only=true/ { v++ } /broker-1 append partition=orders-0 .*role=leader/ { a++; if (a > v) bad = 1 }
     END { exit bad }' out || fail "a batch was appended before its verification"
expect_exit 0 run $txn transaction.partition.verification.enable=false --trace
grep -q "verify_only" out && fail "verification off, yet the trace shows a verification"
expect_exit 0 run $txn kafka.version=3.5 --trace
grep -q "verify_only" out && fail "3.5 verifies"

# ---- A verification that fails on the way ----------------------------------------------------
# The coordinator crashes with the first verification in flight (the leader sees the connection
# go: wasDisconnected), or pauses past broker.request.timeout.ms (wasTimedOut): NETWORK_EXCEPTION,
# which the producer gets as NOT_ENOUGH_REPLICAS from 3.7.1 (ReplicaManager's
# postVerificationCallback, KAFKA-16386) and as it is before; either way it retries, and every
# record ends committed.
for fault in "crash coordinator at 121500us for 20s" "pause coordinator at 121500us for 5s"; do
  for v in 3.7.0 3.9; do
    want=NOT_ENOUGH_REPLICAS
    [ "$v" = 3.7.0 ] && want=NETWORK_EXCEPTION
    expect_exit 0 run kafka.version=$v $txn broker.request.timeout.ms=1000 "fault.c=$fault" --trace
    grep -q "broker-1 -> producer ProduceResponse partition=orders-0 error=$want" out ||
      fail "$v, $fault: no produce answered $want"
    expect_exit 0 run kafka.version=$v $txn broker.request.timeout.ms=1000 "fault.c=$fault" \
      --format csv
    [ "$(csv_field committed)" = 40 ] && [ "$(csv_field transactions_committed)" = 4 ] ||
      fail "$v, $fault: committed $(csv_field committed) in $(csv_field transactions_committed)"
  done
done

# ---- A late write after an abort -------------------------------------------------------------
late=(transactional.id=app isolation.level=read_committed workload.records=20
      workload.transaction.records=10 workload.rate=100 workload.transaction.abort.ratio=0.5
      network.latency.ms=1 network.jitter.ms=1 request.timeout.ms=1000 delivery.timeout.ms=1000
      linger.ms=0 "fault.d=delay requests producer -> leader by 3s from 200ms to 300ms" --seed 3)
for v in 3.6 3.7; do
  expect_exit 0 run kafka.version=$v "${late[@]}" --trace
  grep -q "AddPartitionsToTxnResponse partitions=1 error=INVALID_TXN_STATE" out ||
    fail "$v: the late batch's verification is not answered INVALID_TXN_STATE"
done
for v in 3.8 3.9; do
  expect_exit 0 run kafka.version=$v "${late[@]}" --trace
  grep -q "AddPartitionsToTxnResponse partitions=1 error=TRANSACTION_ABORTABLE" out ||
    fail "$v: the late batch's verification is not answered TRANSACTION_ABORTABLE"
  expect_exit 0 run kafka.version=$v "${late[@]}" --format csv
  [ "$(csv_field hanging_transactions)" = 0 ] || fail "$v: a hanging transaction with verification"
done
expect_exit 0 run "${late[@]}" transaction.partition.verification.enable=false --format csv
[ "$(csv_field hanging_transactions)" = 1 ] ||
  fail "verification off: hanging_transactions is '$(csv_field hanging_transactions)', expected 1"
expect_exit 0 run "${late[@]}" kafka.version=3.5 --format csv
[ "$(csv_field hanging_transactions)" = 1 ] ||
  fail "3.5: hanging_transactions is '$(csv_field hanging_transactions)', expected 1"
# explain tells why the leader took the late batch.
expect_exit 0 run "${late[@]}" transaction.partition.verification.enable=false --explain
grep -q "hanging_transactions.*after the ABORT marker.*transaction.partition.verification.enable=false: the leader did not ask the coordinator" out ||
  fail "explain does not say the key was off: $(grep hanging out | head -1)"
expect_exit 0 run "${late[@]}" kafka.version=3.5 --explain
grep -q "hanging_transactions.*predates partition verification" out ||
  fail "explain does not say 3.5 predates verification: $(grep hanging out | head -1)"

finish
