#!/usr/bin/env bash
# cli_client.sh: the producer client and the keys by kafka.version, end to end, and the keys of
# Kafka's own properties files:
# - delivery timeouts of the idempotent client: a late error for a batch that
#   delivery.timeout.ms already expired bumps the epoch up to 3.5 and not from 3.6
#   (Sender.failBatch, KAFKA-14884);
# - min.insync.replicas above replication.factor: accepted by every release, every acks=all
#   produce failing before 3.7, min(min.insync.replicas, replicas) from 3.7 (KAFKA-15583);
# - a key the chosen release does not have is refused with the release that brought it, and
#   the effective configuration of an old release replays;
# - Kafka 4.x: 4.0 .. 4.3 accepted with their defaults (linger.ms 5, KIP-1030) and validation
#   (log.segment.bytes at least 1 MiB), `config --diff` shows what differs from 3.9;
# - a real producer.properties and server.properties run as given, their unmodelled keys listed
#   in text and JSON without changing the run; keys that would change the answer are refused;
# - times in min and h; errors.CODE in --expect and in a sweep's plot.y.
#
# Usage: bash cli_client.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_client
. "$(dirname "$0")/lib.sh"

# ---- 16.3: delivery timeouts, then late errors ----------------------------------------------
# The producer cannot reach the leader for 40 s: every batch expires at 30 s while its request
# is in flight, and the request's own timeout fails it again just after (a late error).
expiry="workload.records=2000 workload.rate=1000 delivery.timeout.ms=30000"
expiry_fault="fault.a=partition producer leader at 500ms for 40s"
expect_exit 0 run kafka.version=3.5 $expiry "$expiry_fault" --format csv
bumps_35=$(csv_field epoch_bumps)
expect_exit 0 run kafka.version=3.9 $expiry "$expiry_fault" --format csv
bumps_39=$(csv_field epoch_bumps)
checks=$((checks + 1))
[ "${bumps_35:-0}" -gt "${bumps_39:-0}" ] ||
  fail "late errors after expiry: 3.5 bumped $bumps_35 times, 3.9 $bumps_39 (3.5 must bump more)"

# ---- 16.6: min.insync.replicas above replication.factor -------------------------------------
minisr="min.insync.replicas=4 workload.records=20"
expect_exit 0 run kafka.version=3.9 $minisr --format csv
checks=$((checks + 1))
[ "$(csv_field acked)" = 20 ] || fail "3.9, min.insync.replicas=4 > RF=3: acked $(csv_field acked), expected 20"
expect_exit 0 run kafka.version=3.6 $minisr --format csv
checks=$((checks + 1))
[ "$(csv_field acked)" = 0 ] && [ "$(csv_field failed)" = 20 ] ||
  fail "3.6, min.insync.replicas=4 > RF=3: acked $(csv_field acked), failed $(csv_field failed); expected 0, 20"
# The failures are NOT_ENOUGH_REPLICAS, and --expect reads them as errors.NOT_ENOUGH_REPLICAS.
expect_exit 0 check kafka.version=3.6 $minisr --seeds 1..2 --expect 'errors.NOT_ENOUGH_REPLICAS > 0'
expect_exit 0 check kafka.version=3.9 $minisr --seeds 1..2 --expect 'errors.NOT_ENOUGH_REPLICAS == 0'
# Every errors member of the JSON is a field --expect accepts.
expect_exit 0 run kafka.version=3.6 $minisr --format json
for code in $(sed -n 's/.*"errors":{\([^}]*\)}.*/\1/p' out | tr ',' '\n' | sed 's/"\([A-Z_]*\)":.*/\1/'); do
  expect_exit 0 check kafka.version=3.6 $minisr --seeds 1..1 --expect "errors.$code >= 0"
done
expect_exit 2 check --seeds 1..1 --expect 'errors.NO_SUCH_CODE > 0'

# ---- 20: keys a release does not have --------------------------------------------------------
expect_exit 2 run kafka.version=1.0 delivery.timeout.ms=0 workload.resend.on.failure=true
expect_in_err() {
  checks=$((checks + 1))
  grep -qF -- "$1" err || fail "stderr lacks '$1': $(head -c 300 err)"
}
expect_in_err "delivery.timeout.ms: Kafka 1.0.0 has no such key; it came in 2.1 (KIP-91)"
expect_exit 2 run kafka.version=3.6 retry.backoff.max.ms=500
expect_in_err "retry.backoff.max.ms: Kafka 3.6.0 has no such key; it came in 3.7 (KIP-580)"
expect_exit 2 run kafka.version=3.3 producer.id.expiration.ms=1000
expect_in_err "it came in 3.4 (KIP-854)"
expect_exit 0 run kafka.version=3.7 retry.backoff.max.ms=500 workload.records=10
# The effective configuration of an old release leaves its missing keys out and replays.
expect_exit 0 config --kafka-version 1.0 retry.backoff.ms=250 --effective
checks=$((checks + 1))
grep -q '^delivery.timeout.ms=' out && fail "config --effective of 1.0 writes delivery.timeout.ms"
cp out old.properties
expect_exit 0 config --effective old.properties
checks=$((checks + 1))
cmp -s out old.properties || fail "config --effective of 1.0 does not replay to itself"
# The table marks what the release lacks and when each key came.
expect_exit 0 config --kafka-version 2.0
checks=$((checks + 1))
grep -qE '^delivery.timeout.ms +- +ms +120000 +2.1 KIP-91 ' out ||
  fail "config --kafka-version 2.0: no '-' and SINCE 2.1 on delivery.timeout.ms"

# ---- 16.10: Kafka 4.x ------------------------------------------------------------------------
for v in 4.0 4.1 4.2 4.3 4.3.0; do
  expect_exit 0 config --kafka-version "$v"
  checks=$((checks + 1))
  grep -qE '^linger.ms +5 +ms +0 ' out || fail "config --kafka-version $v: linger.ms not 5 (3.9.0: 0)"
done
expect_exit 2 config --kafka-version 4.4
expect_exit 0 config --kafka-version 4.0 --diff
checks=$((checks + 1))
[ "$(grep -c . out)" = 3 ] && grep -qE '^linger.ms +5 +0 ' out &&
  grep -qE '^transaction.version +2 +- +4.0 KIP-890' out ||
  fail "config --kafka-version 4.0 --diff: expected the header, linger.ms 5 vs 0 and transaction.version: $(cat out)"
expect_exit 0 config --kafka-version 3.9 --diff
expect_exit 2 run kafka.version=4.0 log.segment.bytes=100000
expect_in_err "Kafka 4.0 and later require at least 1048576 (KIP-1030)"
expect_exit 0 run kafka.version=3.9 log.segment.bytes=100000 workload.records=10
expect_exit 0 run kafka.version=4.1 workload.records=10 --format json
checks=$((checks + 1))
grep -q '"kafka_version":"4.1.0"' out || fail "run kafka.version=4.1: json kafka_version is not 4.1.0"

# ---- 21: a real producer.properties and server.properties -------------------------------------
props="$src/tests/data/producer.properties"
server="$src/tests/data/server.properties"
expect_exit 0 run "$props" "$server"
checks=$((checks + 1))
grep -q '^not modelled bootstrap.servers, client.id, key.serializer, value.serializer, compression.type' out ||
  fail "run producer.properties: no 'not modelled' line naming its keys: $(grep -i modelled out)"
expect_exit 0 run "$props" "$server" --format json
checks=$((checks + 1))
grep -q '"not_modelled":\["bootstrap.servers","client.id",' out || fail "json lacks not_modelled"
hash_with=$(sed -n 's/.*"trace_hash":"\([^"]*\)".*/\1/p' out)
# Without the unmodelled keys the run is the same run.
grep -E '^(acks|enable.idempotence|linger.ms|batch.size|buffer.memory|request.timeout.ms|log.segment.bytes)=' \
  "$props" "$server" | sed 's/^[^:]*://' >modelled.properties
expect_exit 0 run modelled.properties --format json
checks=$((checks + 1))
[ "$(sed -n 's/.*"trace_hash":"\([^"]*\)".*/\1/p' out)" = "$hash_with" ] ||
  fail "unmodelled keys changed the run's trace hash"
checks=$((checks + 1))
grep -q '"not_modelled":\[\]' out || fail "json of a run without unmodelled keys: not_modelled is not []"
expect_exit 0 config --not-modelled
checks=$((checks + 1))
grep -qx 'compression.type' out && grep -qx 'ssl.\*' out || fail "config --not-modelled lacks keys"
expect_exit 2 run transactional.id=orders enable.idempotence=false
expect_in_err "without also enabling idempotence"
expect_exit 2 run segment.bytes=1048576
expect_in_err "log.segment.bytes"
expect_exit 2 run compresion.type=lz4
expect_in_err "did you mean 'compression.type'?"

# ---- 21: min and h ---------------------------------------------------------------------------
units="workload.records=200 workload.rate=2"
expect_exit 0 run $units 'fault.p=partition producer leader at 1min for 0.01h' --format csv
in_min=$(csv_field trace_hash)
expect_exit 0 run $units 'fault.p=partition producer leader at 60s for 36s' --format csv
checks=$((checks + 1))
[ -n "$in_min" ] && [ "$in_min" = "$(csv_field trace_hash)" ] || fail "1min / 0.01h differ from 60s / 36s"
expect_exit 2 run 'fault.p=crash leader at 1d'

# ---- 21: errors.CODE in a sweep's plot.y -----------------------------------------------------
cat >errs.sweep <<'SPEC'
set.workload.records = 20
set.min.insync.replicas = 4
axis.kafka.version = 3.6, 3.7
seeds = 1..2
plot.x = kafka.version
plot.y = errors.NOT_ENOUGH_REPLICAS, acked
SPEC
expect_exit 0 sweep errs.sweep --out errs --jobs 1
checks=$((checks + 1))
head -1 errs/runs.csv | grep -q 'errors.NOT_ENOUGH_REPLICAS' || fail "sweep: runs.csv lacks errors.NOT_ENOUGH_REPLICAS"
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "errors.NOT_ENOUGH_REPLICAS") c = i }
         NR > 1 && $0 ~ /3\.6/ && $c + 0 == 0 { bad = 1 } END { exit bad }' errs/runs.csv ||
  fail "sweep: 3.6 rows count no NOT_ENOUGH_REPLICAS"
printf 'axis.acks = 1, all\nseeds = 1..1\nplot.x = acks\nplot.y = errors.NOPE\n' >bad.sweep
expect_exit 2 sweep bad.sweep --out bad

finish
