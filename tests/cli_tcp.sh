#!/usr/bin/env bash
# cli_tcp.sh: the network behaves as TCP (issue 16.5 and 16.7; models/net/network.h), end to end:
# - a 100 ms partition between producer and leader: no request timeout, no duplicate without
#   idempotence, latency up by about one RTO (200 ms); before, the cut reset the connection and
#   gave p50 latency about 29 s and 10 duplicates;
# - the explicit connection-breaking fault (break) over the same 100 ms still gives duplicates;
# - a 100 ms partition between leader and follower no longer freezes the high watermark for
#   31 s (replica.socket.timeout.ms): latency stays within a second;
# - a leader crash: the ProduceResponse the leader sent before it died still reaches the
#   producer, whose callback reports success (before, everything in flight was lost).
#
# Usage: bash cli_tcp.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_tcp
. "$(dirname "$0")/lib.sh"

# field FILE NAME: a number of the json in FILE ("latency_ms" fields by their own name).
field() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); k=sys.argv[2]
v=d["latency_ms"][k[8:]] if k.startswith("latency.") else (d["errors"].get(k[7:],0) if k.startswith("errors.") else d[k])
print(v)' "$1" "$2"
}

# check WHAT EXPR: EXPR (a python expression) holds.
check() {
  checks=$((checks + 1))
  python3 -c "import sys; sys.exit(0 if ($2) else 1)" || fail "$1: $2"
}

load="enable.idempotence=false workload.records=2000 workload.rate=1000"

# ---- A 100 ms cut between producer and leader ---------------------------------------------
expect_exit 0 run $load --format json
mv out base.json
expect_exit 0 run $load 'fault.p=partition producer leader at 500ms for 100ms' --format json
mv out cut.json
check "cut producer-leader: no request timeout" "$(field cut.json errors.REQUEST_TIMED_OUT) == 0"
check "cut producer-leader: no retry" "$(field cut.json retries) == 0"
check "cut producer-leader: no duplicate" "$(field cut.json duplicates) == 0"
check "cut producer-leader: p50 about unchanged (the old cut gave 29 s)" \
  "abs($(field cut.json latency.p50) - $(field base.json latency.p50)) <= 5"
# The slowest send waited for the cut (100 ms) and at most one RTO beyond it.
check "cut producer-leader: max latency up by the cut and about one RTO" \
  "150 <= $(field cut.json latency.max) - $(field base.json latency.max) <= 320"

# ---- The same 100 ms with the connection-breaking fault: today's duplicates ----------------
expect_exit 0 run $load 'fault.b=break responses leader -> producer p=1 from 500ms to 600ms' \
  --format json
mv out break.json
check "break: requests time out" "$(field break.json errors.REQUEST_TIMED_OUT) > 0"
check "break: duplicates without idempotence" "$(field break.json duplicates) > 0"
check "break: p50 latency stalls for request.timeout.ms" "$(field break.json latency.p50) > 20000"

# ---- A 100 ms cut between leader and follower -----------------------------------------------
expect_exit 0 run $load 'fault.p=partition leader follower at 500ms for 100ms' --format json
mv out follower.json
check "cut leader-follower: no request timeout" \
  "$(field follower.json errors.REQUEST_TIMED_OUT) == 0"
check "cut leader-follower: the high watermark moves within a second" \
  "$(field follower.json latency.max) < 1000"

# ---- A leader crash: what it had sent still arrives ----------------------------------------
expect_exit 0 run acks=1 $load network.latency.ms=5 'fault.c=crash leader at 500ms for 5s' \
  --seed 1 --trace=crash.txt --format json
checks=$((checks + 1))
last=$(sed -n '/broker-1 crash/q; s/.*broker-1 -> producer ProduceResponse offset=\([0-9]*\) error=NONE.*/\1/p' \
  crash.txt | tail -1)
if [ -z "$last" ]; then
  fail "crash: no ProduceResponse of broker-1 before its crash in the trace"
else
  awk '/broker-1 crash/ {after=1} after' crash.txt | grep -q "producer callback .*offset=$last error=NONE" ||
    fail "crash: the answer broker-1 sent before dying (offset $last) never reached the producer"
fi

finish
