#!/usr/bin/env bash
# cli_txn_steps.sh: crashes at the protocol steps of transactions (protocol.h, the
# transactional steps; fault language: `crash <node> on <step> [n=<k>] [for <d>]`):
# - each step stops the node where the step says: coordinator.prepare after PrepareCommit is
#   durable and before the EndTxn answer and the markers; coordinator.markers with its request
#   on the wire; leader.marker-request before the leader's marker, leader.marker after it;
#   producer.txn-flushed before EndTxn, producer.end-txn with EndTxn on the wire (the commit
#   completes, the application never learns it); a producer paused at producer.txn-flushed
#   holds its EndTxn until the pause ends (past transaction.timeout.ms: the commit fails);
# - the coordinator crashed between PrepareCommit and the markers, swept over the step
#   (coordinator.prepare, coordinator.markers, coordinator.complete), the transaction it stops
#   (n) and whether it comes back, over seeds: every committed transaction ends whole in the
#   read_committed view (0 atomicity violations, 0 lost commits, nothing hanging, no aborted
#   read, no duplicate) once the new coordinator loaded PrepareCommit and re-sent the markers
#   (TransactionStateManager.loadTransactionsForTxnTopicPartition); the same for leaders
#   crashed at their marker steps and the producer at its steps;
# - a step the node does not take, or a transactional step in a world without transactions,
#   is refused (exit 2) with what is allowed.
#
# Usage: bash cli_txn_steps.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_txn_steps
. "$(dirname "$0")/lib.sh"

one="transactional.id=app workload.records=300 workload.transaction.records=100 isolation.level=read_committed"

# trace FAULT: the trace of the one-partition run with fault.c=FAULT into out.
trace() {
  checks=$((checks + 1))
  "$bin" run $one "fault.c=$1" --trace >out 2>err || fail "run with '$1' exited $?: $(head -3 err)"
  crash_at=$(awk '$3 == "crash" { print $1; exit }' out)
  crashed=$(awk '$3 == "crash" { print $2; exit }' out)
  case $1 in crash*) [ -n "$crash_at" ] || fail "'$1': no crash in the trace" ;; esac
}

# has PATTERN WHY / lacks PATTERN WHY: a line of out matches the extended regular expression.
has() {
  checks=$((checks + 1))
  grep -Eq -- "$1" out || fail "$2: no line matches '$1'"
}
lacks() {
  checks=$((checks + 1))
  ! grep -Eq -- "$1" out || fail "$2: $(grep -E -- "$1" out | head -1)"
}

# ---- Where each step stops the node ------------------------------------------------------------
trace "crash coordinator on coordinator.prepare n=2 for 1s"
why="coordinator.prepare n=2"
has "^$crash_at $crashed txn-state .*state=PrepareCommit" "$why: PrepareCommit durable at the crash"
lacks "^$crash_at $crashed -> producer EndTxnResponse" "$why: the EndTxn answered"
lacks "^$crash_at $crashed -> broker-[0-9]+ WriteTxnMarkers" "$why: a marker request sent"
has " marker partition=orders-0 result=commit .*coordinator_epoch=[1-9]" \
  "$why: the next coordinator writes the markers"
lacks " txn-state .*state=PrepareAbort" "$why: the commit turned into an abort"

trace "crash coordinator on coordinator.markers n=1 for 1s"
why="coordinator.markers n=1"
has "^$crash_at $crashed -> broker-[0-9]+ WriteTxnMarkers .*coordinator_epoch=0" "$why: the request"
has " marker partition=orders-0 result=commit .*coordinator_epoch=0" \
  "$why: the request on the wire reaches the leader"

trace "crash leader on leader.marker-request n=1 for 1s"
why="leader.marker-request n=1"
lacks "^$crash_at $crashed marker " "$why: the leader wrote the marker before dying"
has " marker partition=orders-0 result=commit .*offset=100" "$why: a marker at offset 100 later"

trace "crash leader on leader.marker n=1 for 1s"
why="leader.marker n=1"
has "^$crash_at $crashed marker partition=orders-0 result=commit offset=100" \
  "$why: the marker written at the crash"

trace "crash producer on producer.txn-flushed n=1 for 1s"
why="producer.txn-flushed n=1"
lacks "^$crash_at producer -> broker-[0-9]+ EndTxn " "$why: EndTxn sent by the dying instance"
has " txn-state .*state=PrepareAbort pid=[0-9]+ epoch=1" "$why: the next instance fences and aborts"

trace "crash producer on producer.end-txn n=1 for 1s"
why="producer.end-txn n=1"
has "^$crash_at producer -> broker-[0-9]+ EndTxn .*result=commit" "$why: EndTxn sent"
has " txn-state .*state=PrepareCommit pid=[0-9]+ epoch=0" "$why: the coordinator got it and commits"

# ---- The property: a crash of the coordinator between PrepareCommit and the markers ----------
# Six partitions on three brokers (each transaction writes to every one of them), ten
# transactions of 60 records; the coordinator crashes at its n-th step of a kind, comes back
# after 1 s or stays down (replication factor 3, min.insync 2: one broker down is survivable).
many="transactional.id=app num.partitions=6 workload.keys=100 workload.records=600 \
workload.transaction.records=60 network.jitter.ms=0.2 isolation.level=read_committed"
whole='atomicity_violations==0 && lost_commits==0 && hanging_transactions==0 && aborted_read==0 && duplicates==0 && lost_acked==0 && transactions_committed==10 && faults_fired==1'

# holds FAULT SEEDS: `kafkasim check` of FAULT on the six-partition world holds for every seed.
holds() {
  checks=$((checks + 1))
  "$bin" check $many "fault.c=$1" --seeds "$2" --expect "$whole" >out 2>err ||
    fail "check '$1' over seeds $2: $(grep -m1 -E 'first failure|error' out err)"
}

runs=0
for step in coordinator.prepare coordinator.markers coordinator.complete; do
  for n in 1 2 3 5 8 10; do
    for heal in " for 1s" ""; do
      holds "crash coordinator on $step n=$n$heal" 1..10
      runs=$((runs + 10))
    done
  done
done
# Leaders at their marker steps; the producer at its steps (no resend: nothing read twice).
for n in 1 4 9; do
  holds "crash leader of orders-$((n % 6)) on leader.marker-request n=$n for 2s" 1..10
  holds "crash leader of orders-$((n % 6)) on leader.marker n=$n" 1..10
done
# The producer: a crash before EndTxn aborts that transaction (the next instance fences it); a
# crash after it commits it. Nine of ten commits are acknowledged either way.
for step in producer.txn-flushed producer.end-txn; do
  checks=$((checks + 1))
  "$bin" check $many "fault.c=crash producer on $step n=4 for 1s" --seeds 1..10 --expect \
    'atomicity_violations==0 && lost_commits==0 && hanging_transactions==0 && aborted_read==0 && duplicates==0 && faults_fired==1' \
    >out 2>err || fail "check producer on $step: $(grep -m1 -E 'first failure|error' out err)"
done
# With the resend of unconfirmed records, a crash after EndTxn(COMMIT) reads the transaction
# twice (its outcome unknown to the application); before it, never.
checks=$((checks + 1))
"$bin" run $many workload.resend.on.failure=true "fault.c=crash producer on producer.end-txn n=4 for 1s" \
  --format csv >out 2>err || fail "resend run exited $?"
[ "$(csv_field duplicates)" -eq 60 ] 2>/dev/null ||
  fail "crash after EndTxn with resend: duplicates $(csv_field duplicates), expected 60"
checks=$((checks + 1))
"$bin" run $many workload.resend.on.failure=true "fault.c=crash producer on producer.txn-flushed n=4 for 1s" \
  --format csv >out 2>err || fail "resend run exited $?"
[ "$(csv_field duplicates)" -eq 0 ] 2>/dev/null ||
  fail "crash before EndTxn with resend: duplicates $(csv_field duplicates), expected 0"

# A producer paused at a step: before EndTxn past transaction.timeout.ms (60 s), the coordinator
# aborts the transaction at its timeout scan (fencing the epoch) and the commit, sent when the
# pause ends, is PRODUCER_FENCED: 3 commits, nothing of the fourth read; with EndTxn sent, the
# commit completes while the producer sleeps.
checks=$((checks + 1))
"$bin" check $many "fault.p=pause producer on producer.txn-flushed n=4 for 70s" --seeds 1..10 --expect \
  'atomicity_violations==0 && lost_commits==0 && aborted_read==0 && hanging_transactions==0 && errors.PRODUCER_FENCED==1 && transactions_committed==3 && faults_fired==1' \
  >out 2>err || fail "pause before EndTxn: $(grep -m1 -E 'first failure|error' out err)"
checks=$((checks + 1))
"$bin" check $many "fault.p=pause producer on producer.end-txn n=4 for 70s" --seeds 1..10 --expect \
  "$whole" >out 2>err || fail "pause after EndTxn: $(grep -m1 -E 'first failure|error' out err)"
trace "pause producer on producer.txn-flushed n=1 for 70s"
has "^70126.000ms producer -> broker-[0-9]+ EndTxn .*epoch=0 result=commit" \
  "pause before EndTxn: EndTxn sent when the pause ends"
has " txn-fence txn=app by=timeout" "pause before EndTxn: the timeout abort"
expect_exit 2 run $one "fault.p=pause leader on leader.append for 1s"

# ---- Refused -------------------------------------------------------------------------------------
expect_exit 2 run $one "fault.c=crash leader on coordinator.prepare"
checks=$((checks + 1))
grep -q "fault.c: expected a step leader takes (leader.append, follower.fetch, leader.hw-advance, leader.marker-request, leader.marker) at word 4, got 'coordinator.prepare'" err ||
  fail "a step the leader does not take: $(cat err)"
expect_exit 2 run "fault.c=crash leader on leader.marker n=2"
checks=$((checks + 1))
grep -q "leader.marker is a step of transactions: no producer is transactional" err ||
  fail "a transactional step without transactions: $(cat err)"
expect_exit 2 run $one "fault.c=crash producer on coordinator.complete"

echo "$test_name: $runs runs of the coordinator crash"
finish
