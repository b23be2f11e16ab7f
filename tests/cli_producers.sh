#!/usr/bin/env bash
# cli_producers.sh: several producers in one world (workload.producers, issue 17), end to end:
# - each is its own node with its own producer id (InitProducerId answered once for each
#   idempotent one) and sends the contiguous ids [i*R/n, (i+1)*R/n);
# - producer-<n>.<key> sets a producer key for producer n alone (producer-2.acks=1: that one
#   sends without a producer id, the others stay idempotent), and is written back by the
#   effective configuration so that a run replays;
# - bad overrides exit 2 naming the line and the key: a producer beyond workload.producers, a
#   key that is not a producer's, a value the key refuses, a combination Kafka refuses for that
#   producer alone.
#
# Usage: bash cli_producers.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_producers
. "$(dirname "$0")/lib.sh"

expect_exit 0 run workload.producers=3 workload.records=30 producer-2.acks=1 --trace=trace.txt
# Two idempotent producers, two producer ids.
pids=$(grep -o 'InitProducerIdResponse pid=[0-9]*' trace.txt | sort -u | wc -l)
checks=$((checks + 1))
[ "$pids" = 2 ] || fail "two idempotent producers should get two producer ids, got $pids"
# Contiguous id ranges, the second without a producer id (acks=1 leaves idempotence off).
checks=$((checks + 1))
grep -q 'Produce pid=[0-9]* epoch=0 seq=0\.\.9 attempt=1 records=0\.\.9' trace.txt ||
  fail "the first producer should send records 0..9 with sequences"
checks=$((checks + 1))
grep -Eq -- '-> broker-[0-9]+ Produce attempt=1 records=10\.\.19' trace.txt ||
  fail "the second producer should send records 10..19 without a producer id"
checks=$((checks + 1))
grep -q 'Produce pid=[0-9]* epoch=0 seq=0\.\.9 attempt=1 records=20\.\.29' trace.txt ||
  fail "the third producer should send records 20..29 from sequence 0"
expect_exit 0 run workload.producers=3 workload.records=30 producer-2.acks=1 --format csv
checks=$((checks + 1))
[ "$(csv_field acked)" = 30 ] || fail "all 30 records should be acknowledged"

# The override is part of the configuration: written back, hashed, replayed.
expect_exit 0 run workload.producers=2 producer-2.linger.ms=5 --format json
hash_with=$(grep -o '"config_hash":"[^"]*"' out)
expect_exit 0 run workload.producers=2 --format json
hash_without=$(grep -o '"config_hash":"[^"]*"' out)
checks=$((checks + 1))
[ "$hash_with" != "$hash_without" ] || fail "producer-2.linger.ms should change the config hash"

# Refusals: exit 2, the key and what is allowed.
expect_exit 2 run workload.producers=2 producer-3.acks=1
grep -q 'producer-3.acks: workload.producers is 2' err || fail "producer-3 beyond 2: $(cat err)"
expect_exit 2 run workload.producers=2 producer-2.num.brokers=1
grep -q "producer-2.num.brokers: 'num.brokers' is not a producer key" err ||
  fail "a broker key per producer: $(cat err)"
expect_exit 2 run workload.producers=2 producer-2.acks=7
grep -q "producer-2.acks: '7' is not allowed" err || fail "a bad value: $(cat err)"
expect_exit 2 run workload.producers=2 producer-0.acks=1
grep -q 'names producers 1 .. ' err || fail "producer-0: $(cat err)"
printf 'workload.producers=2\nproducer-2.max.in.flight.requests.per.connection=9\nproducer-2.enable.idempotence=true\n' >p.properties
expect_exit 2 run p.properties
grep -q 'p.properties:2: producer-2: max.in.flight.requests.per.connection=9' err ||
  fail "an idempotence conflict of one producer: $(cat err)"
expect_exit 2 run workload.producers=33
grep -q 'workload.producers' err || fail "33 producers: $(cat err)"

finish
