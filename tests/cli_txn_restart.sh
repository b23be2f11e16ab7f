#!/usr/bin/env bash
# cli_txn_restart.sh: a producer restart with resend, over many restart times and seeds (issue 18,
# lesson 11's counts). The application resends every record it was not told was delivered
# (workload.resend.on.failure). With an idempotent producer a restart while a batch is in flight
# duplicates it: the new session has a new producer id and sequence numbers from 0 (KIP-98), so
# the broker has nothing to deduplicate against. With a transactional one, read at
# read_committed, the old instance is fenced (InitProducerId bumps the epoch,
# TransactionCoordinator.prepareInitProducerIdTransit) and its open transaction aborted, so
# neither its retries nor its late writes are read; a duplicate remains only where the restart
# fell inside a commit whose outcome the application never learned (EndTxn sent, no answer), and
# explain says so for every duplicated record.
#
# The counts are those docs/lessons/11-transactions-restart.md cites: change both together.
#
# Usage: bash cli_txn_restart.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_txn_restart
. "$(dirname "$0")/lib.sh"

base=(workload.records=200 workload.rate=1000 workload.resend.on.failure=true network.latency.ms=1)
txn=(transactional.id=app workload.transaction.records=10 isolation.level=read_committed)

runs=0
idempotent_dup=0
txn_dup=0
for seed in 1 2; do
  for t in $(seq 20 3 230); do
    runs=$((runs + 1))
    restart="fault.restart=restart producer at ${t}ms"
    checks=$((checks + 1))
    "$bin" run "${base[@]}" "$restart" --seed "$seed" --format csv >out 2>err ||
      { fail "idempotent, restart at ${t}ms, seed $seed: exit $?: $(head -1 err)"; continue; }
    [ "$(csv_field duplicates)" -gt 0 ] && idempotent_dup=$((idempotent_dup + 1))

    checks=$((checks + 1))
    "$bin" run "${base[@]}" "${txn[@]}" "$restart" --seed "$seed" --format csv >out 2>err ||
      { fail "transactional, restart at ${t}ms, seed $seed: exit $?: $(head -1 err)"; continue; }
    for f in aborted_read atomicity_violations zombie_writes lost_commits hanging_transactions \
             reordered lost_acked; do
      checks=$((checks + 1))
      [ "$(csv_field "$f")" = 0 ] ||
        fail "transactional, restart at ${t}ms, seed $seed: $f is $(csv_field "$f")"
    done
    [ "$(csv_field duplicates)" -gt 0 ] || continue
    txn_dup=$((txn_dup + 1))
    # Every duplicated record's chain tells of a commit the application never learned.
    "$bin" run "${base[@]}" "${txn[@]}" "$restart" --seed "$seed" --explain=1000 >out 2>err
    chains=$(grep -c '^records\? [0-9.]* duplicated (' out)
    unknown=$(grep '^records\? [0-9.]* duplicated (' out |
              grep -c 'the application never learned the outcome.*so transaction [0-9]* committed, and the application was not told')
    checks=$((checks + 1))
    [ "$chains" -gt 0 ] && [ "$chains" = "$unknown" ] ||
      fail "transactional, restart at ${t}ms, seed $seed: $unknown of $chains duplicate chains tell of a commit never learned"
  done
done

# The counts of lesson 11 (and the claim: transactions take the duplicates from retries and
# from the old instance away, not those of a commit the application never learned).
checks=$((checks + 1))
[ "$runs" = 142 ] && [ "$idempotent_dup" = 134 ] && [ "$txn_dup" = 6 ] ||
  fail "restarts $runs, with duplicates: idempotent $idempotent_dup, transactional $txn_dup (lesson 11 cites 142, 134 and 6)"
echo "$test_name: $runs restarts; with duplicates: idempotent $idempotent_dup, transactional $txn_dup"
finish
