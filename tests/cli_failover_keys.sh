#!/usr/bin/env bash
# cli_failover_keys.sh: one broker of three dies under a keyed, many-partition, many-producer
# load, and only what it led fails over and loses acknowledged writes (issue 17, "Must show"):
# 3 brokers, a topic of 12 partitions, 3 producers writing 24 keys with acks=1 and no
# idempotence, and one broker crashes right after its k-th append (k varies with the seed).
# Kafka elects a new leader for each partition the dead broker led and for no other
# (ReplicationControlManager.handleBrokerFenced: generateLeaderAndIsrUpdates over
# brokersToIsrs.partitionsWithBrokerInIsr, a new leader only where it led), and with acks=1 a write the old leader
# acknowledged and no follower fetched is truncated away on the new leader's log (ProducerConfig
# ACKS_DOC; kafka-semantics.md S4). Per seed, from the run's trace and its JSON by_partition:
# - the partitions the broker led at the start (PartitionState leader=broker-B at 0 ms) are 4;
# - each of them ends led by another broker; every other partition keeps its first leader;
# - lost_acked is 0 on every partition the broker did not lead, and by_partition sums to the
#   run's total;
# and over all seeds writes are lost (a test that would pass on an empty run fails here), and
# the same faults with acks=all lose nothing. The broker is named two ways: by id and as the
# leader of a partition (`leader of orders-N`), whose steps count that partition's appends.
#
# Usage: bash cli_failover_keys.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_failover_keys
. "$(dirname "$0")/lib.sh"

seeds=20
world="num.partitions=12 workload.producers=3 workload.keys=24 enable.idempotence=false
       workload.records=2000 workload.rate=20000 network.jitter.ms=0.2"

# check_seed ACKS BROKER FAULT SEED: one run judged per partition; sets lost to its lost_acked.
check_seed() {
  local acks=$1 broker=$2 fault=$3 seed=$4
  lost=0
  # shellcheck disable=SC2086
  if ! "$bin" run $world acks="$acks" "fault.crash=$fault" --seed "$seed" --trace --trace-node controller >trace 2>err; then
    fail "run acks=$acks '$fault' --seed $seed failed: $(head -3 err)"; return
  fi
  # shellcheck disable=SC2086
  if ! "$bin" run $world acks="$acks" "fault.crash=$fault" --seed "$seed" --format json >json 2>err; then
    fail "run acks=$acks '$fault' --seed $seed --format json failed"; return
  fi
  python3 - "$broker" "$seed" "$fault" >lost <<'PY' || failures=$((failures + 1))
import json, re, sys
broker, seed, fault = int(sys.argv[1]), sys.argv[2], sys.argv[3]
first = {}
for line in open("trace"):
    m = re.match(r"0\.000ms controller -> broker-\d+ PartitionState partition=orders-(\d+) leader=broker-(\d+) ", line)
    if m:
        first.setdefault(int(m.group(1)), int(m.group(2)))
d = json.load(open("json"))
parts = {p["partition"]: p for p in d["by_partition"]}
bad = []
led = sorted(g for g, b in first.items() if b == broker)
if len(first) != 12 or len(parts) != 12:
    bad.append(f"{len(first)} partitions in the trace, {len(parts)} in by_partition, not 12")
if len(led) != 4:
    bad.append(f"broker-{broker} led {led} at the start, not 4 partitions")
for g, p in sorted(parts.items()):
    if g in led and p["leader_at_end"] == broker:
        bad.append(f"orders-{g} was broker-{broker}'s and did not fail over")
    if g not in led and p["leader_at_end"] != first.get(g):
        bad.append(f"orders-{g} moved from broker-{first.get(g)} to broker-{p['leader_at_end']}")
    if g not in led and p["lost_acked"]:
        bad.append(f"orders-{g} (led by broker-{first.get(g)}) lost {p['lost_acked']} acknowledged")
for f in ("records", "lost_acked"):
    if sum(p[f] for p in parts.values()) != d[f if f != "records" else "committed"]:
        bad.append(f"by_partition's {f} does not sum to the run's")
if d["faults"]["fired"] != 1:
    bad.append("the crash did not fire")
for b in bad:
    print(f"cli_failover_keys: FAIL: seed {seed}, '{fault}': {b}", file=sys.stderr)
print(d["lost_acked"])
sys.exit(1 if bad else 0)
PY
  lost=$(cat lost)
  [ -n "$lost" ] || lost=0
}

# run_seeds ACKS BROKER FAULT_TEMPLATE: sets total (lost_acked over the seeds) and hit (seeds
# with a loss); the template's K is the append the crash follows (5 + seed mod 40).
run_seeds() {
  local acks=$1 broker=$2 template=$3 s k
  total=0
  hit=0
  for s in $(seq 1 $seeds); do
    k=$((5 + s % 40))
    checks=$((checks + 1))
    check_seed "$acks" "$broker" "${template//K/$k}" "$s"
    total=$((total + lost))
    [ "$lost" -gt 0 ] && hit=$((hit + 1))
  done
}

# The broker by id: broker-1 leads orders-0, 3, 6, 9 (placement.c, 12 over 3 brokers).
run_seeds 1 1 "crash broker-1 on leader.append n=K for 20s"
checks=$((checks + 1))
[ "$total" -gt 0 ] && [ "$hit" -ge $((seeds / 2)) ] ||
  fail "acks=1, broker-1 crashing: $total acknowledged records lost in $hit of $seeds seeds, expected losses in at least half"
echo "acks=1, broker-1 crashes: $total acknowledged records lost over $seeds seeds, in $hit runs"

# The broker as the leader of orders-4 (broker-2), crashing after its k-th append there.
run_seeds 1 2 "crash leader of orders-4 on leader.append n=K for 20s"
checks=$((checks + 1))
[ "$total" -gt 0 ] ||
  fail "acks=1, the leader of orders-4 crashing: no acknowledged record lost over $seeds seeds"
echo "acks=1, the leader of orders-4 crashes: $total acknowledged records lost over $seeds seeds, in $hit runs"

# acks=all: the same crashes lose nothing (the leader answers once the ISR has the batch).
run_seeds all 1 "crash broker-1 on leader.append n=K for 20s"
checks=$((checks + 1))
[ "$total" -eq 0 ] || fail "acks=all, broker-1 crashing: $total acknowledged records lost"

finish
