#!/usr/bin/env bash
# cli_demo.sh: `kafkasim demo`, the main job, answers each classic question as Kafka would:
# retries without idempotence duplicate (lost responses) and reorder (lost requests, 5 in
# flight); idempotence, in-flight 1 for ordering, and acks=all with min ISR 2 under one crash
# are clean; acks=1 at failover, an unclean election and a power loss lose acknowledged writes;
# the 3.0.0 default is not idempotent (KAFKA-13598); a broker restart (its producer state is a
# snapshot at the log end, one batch per producer id) duplicates when the same broker leads
# again (S12, replication factor 1), not when a follower with five batches takes over; a
# producer restart with resend duplicates (S11).
#
# Usage: bash cli_demo.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_demo
. "$(dirname "$0")/lib.sh"

expect_exit 0 demo --seeds 20
cp out table

# runs_with ROW COLUMN: the number of runs (of 20) with the anomaly of COLUMN (1 duplicate,
# 2 nonmonotonic, 3 lost-write) on the row whose question starts with ROW.
runs_with() {
  local line
  line=$(grep -F -- "$1" table | head -1)
  [ -n "$line" ] || { fail "no row '$1' in the table"; echo -1; return; }
  # After the question come: runs, then three "N (M)" columns.
  echo "$line" | sed -E 's/.* ([0-9]+) +([0-9]+) \([0-9]+\) +([0-9]+) \([0-9]+\) +([0-9]+) \([0-9]+\)$/\2 \3 \4/' |
    cut -d' ' -f"$2"
}

# expect_runs ROW COLUMN OP N: e.g. expect_runs "acks=1" 3 -gt 0
expect_runs() {
  checks=$((checks + 1))
  local got
  got=$(runs_with "$1" "$2")
  [ "$got" "$3" "$4" ] 2>/dev/null || fail "row '$1' column $2: $got runs, expected $3 $4"
}

expect_runs "retries without idempotence, 5% of responses lost" 1 -gt 10
expect_runs "retries without idempotence, 5% of requests lost" 2 -gt 10
expect_runs "the same with max.in.flight.requests.per.connection=1" 2 -eq 0
expect_runs "the same with enable.idempotence=true" 1 -eq 0
expect_runs "the same with enable.idempotence=true" 2 -eq 0
expect_runs "the first row with enable.idempotence=true" 1 -eq 0
expect_runs "kafka.version=3.0.0 defaults" 1 -gt 10
# TCP loss with Kafka's default request.timeout.ms: resent after 200 ms, nothing duplicated.
expect_runs "the first row on TCP" 1 -eq 0
expect_runs "the first row on TCP" 2 -eq 0
expect_runs "acks=1, leader crashes" 3 -gt 0
expect_runs "acks=all, min.insync.replicas=2, same crash" 3 -eq 0
expect_runs "acks=all, min ISR 1, ISR shrunk, unclean election" 3 -gt 0
expect_runs "acks=all, min ISR 2, power loss" 3 -gt 0
expect_runs "idempotent, RF=1 leader restarts" 1 -gt 0
expect_runs "the same with RF=3: a follower" 1 -eq 0
expect_runs "the same with RF=3: a follower" 3 -eq 0
expect_runs "producer restart with resend" 1 -gt 0

expect_exit 2 demo stray
expect_exit 2 demo --seeds 0

# --show prints every row as a `kafkasim run` command; replayed over seeds 1..3 and summed,
# each command gives the row's table entry.
expect_exit 0 demo --seeds 3
cp out table3
expect_exit 0 demo --seeds 3 --show
cp out show
checks=$((checks + 1))
[ "$(grep -c '^kafkasim run ' show)" = "$(grep -cE ' +[0-9]+ +[0-9]+ \([0-9]+\)' table3)" ] ||
  fail "--show prints $(grep -c '^kafkasim run ' show) commands for $(grep -cE ' +[0-9]+ +[0-9]+ \([0-9]+\)' table3) rows"
row=0
while IFS= read -r line; do
  case $line in "kafkasim run "*) ;; *) continue ;; esac
  row=$((row + 1))
  question=$(grep -m1 "^# $row\. " show | sed -E 's/^# [0-9]+\. (.*) \(the table sums.*/\1/')
  args=${line#kafkasim run }
  args=${args% --seed 1}
  sums="0 0 0 0 0 0"
  for seed in 1 2 3; do
    eval "\"\$bin\" run $args --seed $seed --format json" >run.json 2>run.err ||
      { fail "row $row: the shown command failed: $(cat run.err)"; continue 2; }
    sums=$(python3 -c '
import json, sys
d = json.load(open("run.json"))
s = [int(x) for x in sys.argv[1:]]
for i, f in enumerate(("duplicates", "reordered", "lost_acked")):
    s[2 * i] += d[f] > 0
    s[2 * i + 1] += d[f]
print(*s)' $sums)
  done
  read -r rd nd ro no rl nl <<<"$sums"
  want="$rd ($nd) $ro ($no) $rl ($nl)"
  got=$(grep -F -- "$question" table3 | head -1 | sed -E 's/.* +[0-9]+ +([0-9]+ \([0-9]+\)) +([0-9]+ \([0-9]+\)) +([0-9]+ \([0-9]+\))$/\1 \2 \3/')
  checks=$((checks + 1))
  [ "$got" = "$want" ] || fail "row $row ($question): the table says '$got', the shown command gives '$want'"
done <show
[ $row -gt 10 ] || fail "only $row rows replayed"
finish
