#!/usr/bin/env bash
# cli_run.sh: `kafkasim run` end to end: the same seed and configuration give byte-identical
# json, csv and text output and byte-identical traces (text and jsonl); different seeds give
# different trace hashes; exit codes are 0 with anomalies (they are results), 2 on a bad key,
# a bad fault line, a bad --format or a bad --seed, each with one message on stderr.
#
# Usage: bash cli_run.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_run
. "$(dirname "$0")/lib.sh"

# same FILE_A FILE_B WHAT: the two files are byte-identical and not empty.
same() {
  checks=$((checks + 1))
  [ -s "$1" ] || fail "$3: empty output"
  cmp -s "$1" "$2" || fail "$3: two runs differ ($(cmp "$1" "$2" 2>&1 | head -1))"
}

# json_field FILE NAME: the value of a top-level json field (numbers and strings).
json_field() {
  sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$1" | head -1
}

# A scenario with every anomaly: duplicates and reorderings (no idempotence, 5 in flight,
# dropped responses, a leader failover) and lost acknowledged writes (acks=1).
demo="$src/experiments/demo.properties"
lossy="acks=1 workload.records=300 workload.rate=1000"
lossy_fault="fault.c=crash leader on leader.append n=100 for 2s"

# ---- Determinism: same seed, same bytes ---------------------------------------------------
for fmt in json csv text; do
  expect_exit 0 run "$demo" --seed 7 --format "$fmt"
  mv out "a.$fmt"
  expect_exit 0 run "$demo" --seed 7 --format "$fmt"
  mv out "b.$fmt"
  same "a.$fmt" "b.$fmt" "--format $fmt, seed 7"
done
for tf in text jsonl; do
  expect_exit 0 run "$demo" --seed 7 --format json --trace="a.$tf" --trace-format "$tf"
  mv out a.summary
  expect_exit 0 run "$demo" --seed 7 --format json --trace="b.$tf" --trace-format "$tf"
  same "a.$tf" "b.$tf" "--trace-format $tf, seed 7"
  # Tracing does not change the run.
  same a.summary a.json "--format json with and without --trace-format $tf"
done
# --trace without a file writes the trace to stdout, the same lines as to a file.
expect_exit 0 run "$demo" --seed 7 --trace
checks=$((checks + 1))
head -n "$(wc -l <a.text)" out | cmp -s - a.text || fail "--trace to stdout differs from --trace=FILE"
# The jsonl trace is one json object per line.
checks=$((checks + 1))
bad=$(grep -cv '^{.*}$' a.jsonl)
[ "$bad" = 0 ] || fail "--trace-format jsonl: $bad lines are not one object"
# The json summary carries the output contract's fields.
for f in seed records acked failed committed duplicates reordered lost_acked failed_but_written \
  retries epoch_bumps leader_elections truncated latency_ms sim_time_ms events trace_hash; do
  checks=$((checks + 1))
  grep -q "\"$f\":" a.json || fail "--format json lacks \"$f\""
done
# The demo shows what it promises: duplicates and reorderings.
checks=$((checks + 1))
[ "$(json_field a.json duplicates)" -gt 0 ] 2>/dev/null || fail "demo seed 7: no duplicates"
checks=$((checks + 1))
[ "$(json_field a.json reordered)" -gt 0 ] 2>/dev/null || fail "demo seed 7: no reordering"

# ---- Different seeds, different traces ----------------------------------------------------
hashes=""
for seed in 1 2 3 4 5; do
  expect_exit 0 run "$demo" --seed "$seed" --format json
  hashes="$hashes$(json_field out trace_hash)"$'\n'
  checks=$((checks + 1))
  [ "$(json_field out seed)" = "$seed" ] || fail "seed $seed: json says seed $(json_field out seed)"
done
checks=$((checks + 1))
distinct=$(printf '%s' "$hashes" | sort -u | grep -c .)
[ "$distinct" = 5 ] || fail "5 seeds gave $distinct distinct trace hashes: $hashes"
# The seed also comes from sim.seed; --seed wins over it.
expect_exit 0 run "$demo" sim.seed=3 --format json
checks=$((checks + 1))
[ "$(json_field out trace_hash)" = "$(sed -n 3p <<<"$hashes")" ] || fail "sim.seed=3 differs from --seed 3"

# ---- Exit codes -----------------------------------------------------------------------------
# Anomalies are results, not errors: exit 0 with lost acknowledged writes.
expect_exit 0 run $lossy "$lossy_fault" --seed 1 --format json
checks=$((checks + 1))
[ "$(json_field out lost_acked)" -gt 0 ] 2>/dev/null || fail "acks=1 crash: no lost_acked"
# Bad input: exit 2, nothing on stdout, one message naming the problem.
bad_input() {
  local pattern=$1
  shift
  expect_exit 2 run "$@"
  [ -s out ] && fail "run $*: wrote to stdout on bad input"
  grep -q -- "$pattern" err || fail "run $*: stderr lacks '$pattern': $(head -1 err)"
}
bad_input "bad_key.properties:3" "$src/tests/data/bad_key.properties"
bad_input "ackss" ackss=1
bad_input "bad_fault.properties:4" "$src/tests/data/bad_fault.properties"
bad_input "fault.x" "fault.x=crash nobody at 1ms"
bad_input "fault.y" "fault.y=crash leader at 10"
bad_input "format" "$demo" --format xml
bad_input "trace-format" "$demo" --trace-format yaml
bad_input "seed" "$demo" --seed notanumber
bad_input "missing.properties" "$work/missing.properties"
bad_input "acks" acks=2
expect_exit 0 run --help
checks=$((checks + 1))
grep -q -- "--format" out || fail "run --help does not document --format"

# ---- Trace filters by partition and producer (issue 17) -----------------------------------
# --trace-partition keeps the lines about the partition: produce, fetch, appends, high
# watermarks, sends and callbacks, not heartbeats or metadata; --trace-node producer-1 is the
# one producer, named "producer" in a world of one.
expect_exit 0 run "$demo" --seed 7 --trace=all.txt
expect_exit 0 run "$demo" --seed 7 --trace=part.txt --trace-partition orders-0
checks=$((checks + 1))
grep -q ' Produce ' part.txt && grep -q ' append ' part.txt || fail "--trace-partition orders-0 lost produce or append lines"
checks=$((checks + 1))
grep -q 'BrokerHeartbeat\|Metadata' part.txt && fail "--trace-partition kept lines about no partition"
checks=$((checks + 1))
[ "$(grep -v 'BrokerHeartbeat\|Metadata\|InitProducerId\| crash\| restart\| fault\| drop \|Disconnect\| error ' all.txt | wc -l)" -eq "$(wc -l <part.txt)" ] ||
  fail "--trace-partition orders-0 is not the trace less the lines about no partition"
expect_exit 0 run "$demo" --seed 7 --trace=p1.txt --trace-node producer-1
expect_exit 0 run "$demo" --seed 7 --trace=p0.txt --trace-node producer
same p0.txt p1.txt "--trace-node producer-1 and producer"

finish
