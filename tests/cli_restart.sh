#!/usr/bin/env bash
# cli_restart.sh: broker restarts, power loss and the high watermark, end to end, as Kafka's
# source has them (kafka-semantics.md 1.4, 2.2, 2.8, S12):
# - a restarted broker loads producer state from a snapshot at its log end, one batch per
#   producer id (LogLoader.recoverSegment -> takeSnapshot()): with replication.factor=1 the
#   restarted leader duplicates retried batches over many seeds; with replication.factor=3 a
#   follower with five batches per producer id leads: no duplicate, no loss;
# - a power loss keeps what the OS had written back (dirty for 30 s at a 5 s wakeup), and one
#   broker's power loss with acks=all and min.insync.replicas=2 loses nothing acknowledged;
# - the leader's high watermark counts caught-up replicas outside the ISR, so a restarted
#   follower rejoins the ISR under steady writes.
#
# Usage: bash cli_restart.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_restart
. "$(dirname "$0")/lib.sh"

# sum_field FIELD SEEDS ARGS...: the sum of a csv field over seeds 1..SEEDS of `run ARGS`.
sum_field() {
  local field=$1 seeds=$2 total=0 s v
  shift 2
  for s in $(seq 1 "$seeds"); do
    "$bin" run "$@" --seed "$s" --format csv >out 2>err || { fail "run $* --seed $s failed"; echo -1; return; }
    v=$(csv_field "$field")
    total=$((total + v))
  done
  echo "$total"
}

# expect_sum FIELD OP N SEEDS ARGS...: the sum over seeds compares to N.
expect_sum() {
  local field=$1 op=$2 want=$3 seeds=$4 got
  shift 4
  checks=$((checks + 1))
  got=$(sum_field "$field" "$seeds" "$@")
  [ "$got" "$op" "$want" ] || fail "$field summed over seeds 1..$seeds is $got, expected $op $want: run $*"
}

# ---- S12: producer state after a broker restart --------------------------------------------
s12="enable.idempotence=true workload.records=2000 workload.rate=20000 network.jitter.ms=0.2"
crash="fault.crash=crash leader on leader.append n=3 for 50ms"
# shellcheck disable=SC2086
expect_sum duplicates -gt 0 10 $s12 replication.factor=1 "$crash"
# shellcheck disable=SC2086
expect_sum epoch_bumps -gt 0 10 $s12 replication.factor=1 "$crash"
# shellcheck disable=SC2086
expect_sum duplicates -eq 0 10 $s12 replication.factor=3 "$crash"
# shellcheck disable=SC2086
expect_sum lost_acked -eq 0 10 $s12 replication.factor=3 "$crash"
# shellcheck disable=SC2086
expect_sum lost_acked -eq 0 10 $s12 replication.factor=1 "$crash"

# ---- Power loss: the OS writes back what was dirty for 30 s at its 5 s wakeups ------------------
# (vm.dirty_expire_centisecs, vm.dirty_writeback_centisecs; kafka-semantics.md 2.8.) The last
# record is appended at about 100 ms.
pl="workload.records=2000 workload.rate=20000 network.jitter.ms=0.2"
# shellcheck disable=SC2086
expect_sum lost_acked -eq 0 3 $pl "fault.p=powerloss all at 60100ms for 1s"
# shellcheck disable=SC2086
expect_sum acked -eq 6000 3 $pl "fault.p=powerloss all at 60100ms for 1s"
# shellcheck disable=SC2086
expect_sum lost_acked -gt 0 3 $pl "fault.p=powerloss all at 1100ms for 1s"
# Writeback off: nothing but the fsynced prefix survives even a minute later.
# shellcheck disable=SC2086
expect_sum lost_acked -gt 0 3 $pl os.vm.dirty_writeback_centisecs=0 \
  "fault.p=powerloss all at 60100ms for 1s"
# One broker's machine (KIP-966's story) with acks=all and min.insync.replicas=2: the others
# stay up and hold every acknowledged record, whichever broker it is.
for who in leader follower; do
  # shellcheck disable=SC2086
  expect_sum lost_acked -eq 0 10 $pl acks=all min.insync.replicas=2 \
    "fault.p=powerloss $who at 50ms for 1s"
done
# The same broker's log came back shorter than what it had acknowledged.
checks=$((checks + 1))
"$bin" run $pl acks=all min.insync.replicas=2 "fault.p=powerloss leader at 50ms for 1s" \
  --seed 1 --trace=pl.txt >out 2>err || fail "the one-broker power loss run failed"
grep -q '^50.000ms broker-1 crash power=lost' pl.txt || fail "no power loss of broker-1 at 50 ms"
grep -q '^50.000ms broker-1 truncate' pl.txt || fail "broker-1 kept its unwritten tail"

# explain and the timeline name the power loss and its cause.
checks=$((checks + 1))
"$bin" run workload.records=20 workload.rate=200 "fault.p=powerloss leader at 1100ms for 1s" \
  acks=1 --seed 1 --explain=1 --plot pl.svg >out 2>err || fail "the explained power loss run failed"
grep -q 'broker-1 lost power at 1100.000 ms (fault p)' out || fail "explain does not say broker-1 lost power"
grep -q 'power loss' pl.gp || fail "the timeline does not mark the power loss"
checks=$((checks + 1))
"$bin" run workload.records=20 workload.rate=200 "fault.p=powerloss all at 1100ms for 1s" \
  --seed 1 --explain=1 >out 2>err || fail "the explained power loss of all brokers failed"
grep -q "nor the OS's writeback (os.vm.dirty_expire_centisecs)" out ||
  fail "explain does not name the writeback as the cause"

# ---- The HW counts caught-up replicas outside the ISR (Partition.maybeIncrementLeaderHW) -----
# RF=2, the follower crashed for 10 s under steady writes (1000 records/s for 60 s): it rejoins
# the ISR within 2 s of its restart, not when the writes stop.
checks=$((checks + 1))
"$bin" run replication.factor=2 workload.records=60000 workload.rate=1000 \
  "fault.c=crash broker-2 at 10s for 10s" --seed 1 --trace=isr.txt >out 2>err ||
  fail "the follower crash run failed"
rejoin=$(grep -m1 'controller isr isr=1,2 partition_epoch=2' isr.txt | sed 's/ms .*//')
case "$rejoin" in
  2[01][0-9][0-9][0-9].*) ;;
  *) fail "the restarted follower rejoined the ISR at '$rejoin' ms, expected 20000 .. 21999" ;;
esac

finish
