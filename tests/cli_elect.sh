#!/usr/bin/env bash
# cli_elect.sh: elections by version and metadata mode, the session rule and the clean stop,
# end to end (kafka-semantics.md 2.5):
# - lesson 6's scenario (the ISR shrinks to the leader, which then dies; unclean election
#   enabled): KRaft 3.6 ignores the setting (ConfigurationControlManager.
#   uncleanLeaderElectionEnabledForTopic returns false before KAFKA-12670): no election, 0 lost,
#   the partition stays offline; KRaft 3.9 elects and loses; ZooKeeper-mode 2.8 elects once the
#   dead leader's ZooKeeper session (18 s) expired, not before;
# - a leader crash-restart faster than the broker session moves leadership only when the old
#   session expires (ClusterControlManager.registerBroker), a clean stop moves it at once;
# - with replication factor 1, lost answers and a clean stop of the leader still duplicate
#   (the snapshot at the log end holds one batch per producer id, S12); with 3 they do not.
#
# Usage: bash cli_elect.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_elect
. "$(dirname "$0")/lib.sh"

lesson6="$src/docs/lessons/06-unclean.properties"

# expect_field NAME OP N: the last run's field compares to N.
expect_field() {
  checks=$((checks + 1))
  local got
  got=$(csv_field "$1")
  [ "$got" "$2" "$3" ] || fail "$1 is $got, expected $2 $3 (${what:-})"
}

what="3.6 KRaft, unclean enabled"
expect_exit 0 run "$lesson6" kafka.version=3.6 --seed 1 --format csv
expect_field unclean_elections -eq 0
expect_field leader_elections -eq 0
expect_field lost_acked -eq 0
expect_field failed -gt 0 # the partition stayed offline: sends after the crash expired

what="3.9 KRaft, unclean enabled"
expect_exit 0 run "$lesson6" kafka.version=3.9 --seed 1 --format csv
expect_field unclean_elections -eq 1
expect_field lost_acked -gt 0

what="2.8 ZooKeeper, unclean enabled"
expect_exit 0 run "$lesson6" kafka.version=2.8 --seed 1 --format csv
expect_field unclean_elections -eq 1
expect_field lost_acked -gt 0
expect_exit 0 run "$lesson6" kafka.version=2.8 --seed 1 --trace
checks=$((checks + 1))
at=$(grep -m1 'controller election' out | sed 's/ms .*//')
[ "${at%.*}" -ge 18000 ] 2>/dev/null || fail "2.8 ZooKeeper elected at ${at}ms, before the 18 s session expired"

# ---- Crash versus clean stop of the leader ---------------------------------------------------
base="workload.records=3000 workload.rate=200"
what="crash for 2 s"
expect_exit 0 run $base "fault.f=crash leader at 2s for 2s" --seed 1 --trace
checks=$((checks + 1))
at=$(grep -m1 'controller election' out | sed 's/ms .*//')
[ "${at%.*}" -ge 9000 ] 2>/dev/null || fail "a 2 s crash moved leadership at ${at}ms, inside the 9 s session"
what="stop for 2 s"
expect_exit 0 run $base "fault.f=stop leader at 2s for 2s" --seed 1 --trace
checks=$((checks + 1))
at=$(grep -m1 'controller election' out | sed 's/ms .*//')
[ "${at%.*}" -lt 2010 ] 2>/dev/null || fail "a clean stop moved leadership at ${at}ms, not at once"
checks=$((checks + 1))
grep -q 'broker-1 stop' out || fail "the trace has no 'broker-1 stop' line"
checks=$((checks + 1))
grep -q 'broker-1 restart' out || fail "the trace has no 'broker-1 restart' line"

# explain and the timeline tell a stop from a crash (acks=1: the old leader acknowledged a
# record the new one had not fetched, and truncated it on the way out).
what="explain a stop"
expect_exit 0 run acks=1 workload.records=6000 workload.rate=200 \
  leader.imbalance.check.interval.seconds=10 "fault.restart=stop leader at 2s for 10s" --seed 1 \
  --explain --plot stop.png
checks=$((checks + 1))
grep -q 'broker-1 stopped at 2054.000 ms after a controlled shutdown' out ||
  fail "explain does not tell the controlled shutdown: $(grep -m1 '^record' out)"
checks=$((checks + 1))
grep -q 'stop (controlled)' stop.gp || fail "the timeline has no 'stop (controlled)' mark"

# ---- S12 with a clean stop ------------------------------------------------------------------
s12="enable.idempotence=true workload.records=2000 workload.rate=20000 network.jitter.ms=0.2 request.timeout.ms=30"
drop="fault.d=drop responses leader -> producer p=0.05"
stop="fault.stop=stop leader at 20ms for 50ms"
dups1=0
dups3=0
for s in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086
  "$bin" run $s12 replication.factor=1 "$drop" "$stop" --seed "$s" --format csv >out 2>err
  dups1=$((dups1 + $(csv_field duplicates)))
  # shellcheck disable=SC2086
  "$bin" run $s12 replication.factor=3 "$drop" "$stop" --seed "$s" --format csv >out 2>err
  dups3=$((dups3 + $(csv_field duplicates)))
  what="stop, replication.factor=3, seed $s"
  expect_field lost_acked -eq 0
done
checks=$((checks + 1))
[ "$dups1" -gt 0 ] || fail "replication.factor=1: a clean stop gave no duplicate over 8 seeds"
checks=$((checks + 1))
[ "$dups3" -eq 0 ] || fail "replication.factor=3: a clean stop gave $dups3 duplicates"

finish
