#!/usr/bin/env bash
# cli_consumer_coop.sh: partition.assignment.strategy=cooperative-sticky runs the incremental
# rebalance protocol (KIP-429; ConsumerCoordinator.onJoinPrepare / onJoinComplete 3.9, the
# CooperativeStickyAssignor), range the eager one. Three consumers on six partitions; consumer-3
# crashes at 10 s and comes back at 25 s as a new member:
# - cooperative: no partition is revoked eagerly; when consumer-3 rejoins, the two others each
#   revoke only the one partition that moves (change=revoked_cooperative), rejoin at once, and
#   the next generation hands exactly those to consumer-3: one rebalance more than eager (the
#   two-step handover); the partitions they keep are polled all through the rebalance;
# - range: every member revokes everything at the rebalance and polls nothing until the new
#   generation is assigned;
# - explain's story of a record processed twice after a cooperative revocation says so, and
#   that a cooperative member processed while the group rebalanced (no stable generation);
# - over seeds with a consumer crash, both strategies lose no processing (the figures of
#   processed_twice are printed).
#
# Usage: bash cli_consumer_coop.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_consumer_coop
. "$(dirname "$0")/lib.sh"

world=(workload.consumers=3 num.partitions=6 workload.records=4000 workload.rate=100
       workload.sink=external auto.offset.reset=earliest session.timeout.ms=10000
       offsets.topic.num.partitions=3 workload.processing.ms=30 max.poll.records=20
       network.jitter.ms=0.5)
late=("fault.c=crash consumer-3 at 10s for 15s")

# field NAME: the number NAME in a --format json run's out.
field() { grep -o "\"$1\":[0-9]*" out | head -1 | cut -d: -f2; }
# ms LINE: the time of a trace line, in whole ms.
ms() { sed -E 's/^([0-9]+)\..*/\1/' <<<"$1"; }

# --- cooperative-sticky ---------------------------------------------------------------------
expect_exit 0 run "${world[@]}" "${late[@]}" partition.assignment.strategy=cooperative-sticky \
  --seed 1 --format json --trace=coop.txt
coop_rebalances=$(field rebalances)
checks=$((checks + 1))
grep -q '"processed_never":0' out || fail "cooperative: no processing should be lost: $(head -c 400 out)"
checks=$((checks + 1))
! grep -Eq 'change=(revoked|lost) ' coop.txt ||
  fail "cooperative: no partition should be revoked eagerly: $(grep -E 'change=(revoked|lost) ' coop.txt | head -3)"
moved=$(grep -c 'change=revoked_cooperative' coop.txt)
checks=$((checks + 1))
[ "$moved" = 2 ] || fail "cooperative: consumer-1 and consumer-2 should each revoke one partition, got $moved: $(grep change= coop.txt | tail -12)"
# Each revoked partition is assigned to consumer-3 in the next generation.
while read -r line; do
  part=$(grep -o 'partition=[^ ]*' <<<"$line")
  gen=$(grep -o 'generation=[0-9]*' <<<"$line" | cut -d= -f2)
  checks=$((checks + 1))
  grep -Eq "consumer-3 assign $part change=assigned generation=$((gen + 1)) " coop.txt ||
    fail "cooperative: $part revoked in generation $gen should go to consumer-3 in $((gen + 1))"
done < <(grep 'change=revoked_cooperative' coop.txt)
# The kept partitions are polled through the rebalance: consumer-1 polls between the rebalance
# consumer-3's return began and the generation that hands the moved partitions out.
begin=$(grep -E 'group .*state=PreparingRebalance' coop.txt | awk '$1 + 0 > 25000' | head -1)
last_rev=$(grep 'change=revoked_cooperative' coop.txt | tail -1)
end=$(grep -E 'consumer-3 assign .*change=assigned' coop.txt | tail -1)
t0=$(ms "$begin")
t1=$(ms "$end")
polls=$(awk -v a="$t0" -v b="$t1" '$2 == "consumer-1" && $3 == "poll" && $1 + 0 > a && $1 + 0 < b' coop.txt | wc -l)
checks=$((checks + 1))
[ -n "$t0" ] && [ -n "$t1" ] && [ -n "$last_rev" ] && [ "$polls" -gt 0 ] ||
  fail "cooperative: consumer-1 should poll its kept partitions between ${t0:-?} ms and ${t1:-?} ms, polled $polls times"
echo "$test_name: cooperative: rebalances $coop_rebalances, partitions moved $moved, consumer-1 polled $polls times from ${t0} ms to ${t1} ms"

# --- range (eager) ----------------------------------------------------------------------------
expect_exit 0 run "${world[@]}" "${late[@]}" partition.assignment.strategy=range \
  --seed 1 --format json --trace=range.txt
range_rebalances=$(field rebalances)
checks=$((checks + 1))
! grep -q 'revoked_cooperative' range.txt || fail "range: no cooperative revocation"
# At consumer-3's return every member that held partitions revokes all of them.
begin=$(grep -E 'group .*state=PreparingRebalance' range.txt | awk '$1 + 0 > 25000' | head -1)
t0=$(ms "$begin")
revoked=$(awk -v a="$t0" '$1 + 0 > a && / change=revoked /' range.txt | wc -l)
checks=$((checks + 1))
[ "$revoked" = 6 ] || fail "range: all six partitions should be revoked after ${t0:-?} ms, got $revoked"
# consumer-1 polls nothing between its revocation and its next assignment.
r1=$(awk -v a="$t0" '$1 + 0 > a && $2 == "consumer-1" && / change=revoked /' range.txt | head -1)
a1=$(awk -v a="$t0" '$1 + 0 > a && $2 == "consumer-1" && / change=assigned /' range.txt | head -1)
polls=$(awk -v a="$(ms "$r1")" -v b="$(ms "$a1")" '$2 == "consumer-1" && $3 == "poll" && $1 + 0 > a && $1 + 0 < b' range.txt | wc -l)
checks=$((checks + 1))
[ -n "$r1" ] && [ -n "$a1" ] && [ "$polls" = 0 ] ||
  fail "range: consumer-1 should poll nothing while it holds no partition, polled $polls times"
checks=$((checks + 1))
[ "$coop_rebalances" = $((range_rebalances + 1)) ] ||
  fail "cooperative should take one rebalance more than range (the two-step handover): $coop_rebalances vs $range_rebalances"
echo "$test_name: range: rebalances $range_rebalances, partitions revoked at consumer-3's return $revoked"

# --- explain names the cooperative revocation -----------------------------------------------
expect_exit 0 run "${world[@]}" "${late[@]}" partition.assignment.strategy=cooperative-sticky \
  --seed 1 --explain
checks=$((checks + 1))
grep -q 'cooperative: only the partitions that move are revoked' out ||
  fail "explain should tell the cooperative revocation: $(grep -i revoked out | head -3)"
checks=$((checks + 1))
grep -q 'no stable generation: the group was rebalancing (cooperative' out ||
  fail "explain should say a cooperative member processed while the group rebalanced"

# --- a consumer crash over seeds, both strategies ---------------------------------------------
seeds=8
for strategy in range cooperative-sticky; do
  twice=0 never=0 with=0 reb=0
  for ((seed = 1; seed <= seeds; seed++)); do
    expect_exit 0 run "${world[@]}" "fault.c=crash consumer of orders-0 at 9s for 2s" \
      partition.assignment.strategy=$strategy --seed "$seed" --format json
    t=$(field processed_twice)
    twice=$((twice + t))
    never=$((never + $(field processed_never)))
    reb=$((reb + $(field rebalances)))
    [ "$t" -gt 0 ] && with=$((with + 1))
  done
  echo "$test_name: crash, $strategy: processed_twice sum $twice on $with of $seeds seeds, processed_never sum $never, rebalances sum $reb"
  checks=$((checks + 1))
  [ "$never" = 0 ] || fail "$strategy: at-least-once should lose no processing, got $never"
  checks=$((checks + 1))
  [ "$with" -gt 0 ] || fail "$strategy: a crash should make some records processed twice"
done

finish
