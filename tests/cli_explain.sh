#!/usr/bin/env bash
# cli_explain.sh: `kafkasim run --explain` tells the causal chain of each kind of anomaly, in
# Jepsen's names: a duplicate (a dropped response, a retry, idempotence off, the second append),
# a reordering (a retried batch landing after a later one with 5 in flight and idempotence off),
# and a lost acknowledged write (acks=1, the leader's death before the followers fetched, the
# election of a replica without it, the old leader's truncation). It also checks that a clean run
# says there is nothing to explain, that --explain=N bounds the chains per kind, and that
# explaining does not change the run. Records of one batch that share a story are told in one
# chain ("records 4..5 duplicated ... offsets 6..7").
#
# Usage: bash cli_explain.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_explain
. "$(dirname "$0")/lib.sh"

demo="$src/experiments/demo.properties"

# ---- A duplicate and a reordering: the demo, seed 7 ----------------------------------------
run_ok "$demo" --seed 7 --explain
cp out demo.txt
chain_has demo.txt '^records? [0-9.]+ duplicated \(Jepsen: duplicate, 2 committed copies( each)?\)' \
  'attempt 1 was appended at offsets? [0-9.]+ on broker-1' \
  'response was (dropped|lost) \(fault drop1\)|response on the same connection was (dropped|lost) \(fault drop1\)' \
  'retried' \
  'idempotence is off, so broker-[0-9] appended (it|them) again at offsets? [0-9.]+'
chain_has demo.txt '^records? [0-9.]+ reordered \(Jepsen: nonmonotonic-send\)' \
  '(it was|they were) in the batch with records' \
  'retried' \
  'the batch with records? [0-9.]+ \(attempt [0-9]+\) was appended at offset [0-9]+ first' \
  'the retry of records? [0-9.]+ landed at offsets? ' \
  'max.in.flight.requests.per.connection=5 and idempotence is off'
# The summary after the chains names the anomalies in Jepsen's words.
checks=$((checks + 1))
grep -qE '^verdict .*duplicates?: [0-9]+ records \(Jepsen: duplicate\)' demo.txt ||
  fail "demo: verdict lacks the duplicate: $(grep '^verdict' demo.txt)"
checks=$((checks + 1))
grep -qE '^verdict .*nonmonotonic-send' demo.txt ||
  fail "demo: verdict lacks nonmonotonic-send: $(grep '^verdict' demo.txt)"

# ---- A lost acknowledged write: acks=1, the leader dies after its 100th append --------------
# The crash outlasts the 9 s broker session (a restart inside it is not registered), and a
# pause of the idle producer at 12 s keeps the run going until broker-1 has rejoined.
run_ok acks=1 enable.idempotence=false workload.records=300 workload.rate=1000 \
  "fault.c=crash leader on leader.append n=100 for 9s" "fault.w=pause producer at 12s for 1ms" \
  --seed 1 --explain
cp out lost.txt
chain_has lost.txt '^record [0-9]+ lost \(Jepsen: lost-write; acknowledged at [0-9.]+ ms, acks=1\)' \
  'broker-1 appended it at offset [0-9]+ at [0-9.]+ ms and answered' \
  'broker-1 crashed at [0-9.]+ ms \(fault c\) before broker-2 and broker-3 fetched it' \
  'broker-[23] was elected leader \(epoch [0-9]+\) without it' \
  'broker-1 truncated its log to offset [0-9]+ at [0-9.]+ ms when it rejoined' \
  'acks=1 answers once the leader alone has the record'

# ---- Nothing to explain, bounds, and no effect on the run ----------------------------------
run_ok workload.records=50 --seed 1 --explain
checks=$((checks + 1))
grep -q '^explain: no anomaly to explain' out || fail "clean run: $(head -1 out)"
checks=$((checks + 1))
grep -qE '^records? [0-9]' out && fail "clean run explained a record"

run_ok "$demo" --seed 7 --explain=2
for kind in duplicated reordered lost; do
  checks=$((checks + 1))
  n=$(grep -cE "^records? [0-9.]+ $kind " out)
  [ "$n" -le 2 ] || fail "--explain=2 explained $n '$kind' chains"
done
checks=$((checks + 1))
grep -qE '^\([0-9]+ more duplicate anomalies not explained' out || fail "--explain=2: no 'more' line"

run_ok "$demo" --seed 7 --format json
cp out plain.json
run_ok "$demo" --seed 7 --format json --explain
checks=$((checks + 1))
# The json object is the last line whatever --explain printed before it.
tail -1 out | cmp -s - plain.json || fail "--explain changed the json summary"

finish
