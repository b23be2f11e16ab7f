#!/usr/bin/env bash
# cli_break.sh: the `break` fault is the connection-breaking message loss that `drop` was before
# `drop` became TCP loss (issue 16.7): each scenario below, with `break` where it had `drop`,
# replays the trace hash that the same scenario with `drop` gave before that change (the hashes
# were taken from the build of main at 5066199). The bench reference is one of them, so
# `kafkasim bench` measures the same runs as before. A later model change that changes these
# runs on purpose (a producer or broker change) updates the hashes here and says so.
#
# Usage: bash cli_break.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_break
. "$(dirname "$0")/lib.sh"

# hash_of ARGS...: the trace_hash of `kafkasim run ARGS --format json`.
hash_of() {
  "$bin" run "$@" --format json 2>err | sed -n 's/.*"trace_hash":"\([^"]*\)".*/\1/p'
}

# replays NAME HASH ARGS...: the run with ARGS has trace hash HASH.
replays() {
  local name=$1 want=$2
  shift 2
  checks=$((checks + 1))
  local got
  got=$(hash_of "$@")
  [ "$got" = "$want" ] || fail "$name: trace hash $got, the old drop gave $want (stderr: $(head -1 err))"
}

base="workload.records=2000 workload.rate=20000 network.latency.ms=1 network.jitter.ms=0.2"
# shellcheck disable=SC2086 # base is a list of words
{
replays bench-reference 0x95ad55d789424a92 "$src/experiments/bench-reference.properties" \
  workload.records=20000
replays demo-row-1 0x686c249c65cc4255 $base enable.idempotence=false acks=all \
  max.in.flight.requests.per.connection=5 request.timeout.ms=30 \
  'fault.drop1=break responses leader -> producer p=0.05'
replays demo-row-2 0x487035655eca0c89 $base enable.idempotence=false acks=all \
  max.in.flight.requests.per.connection=5 request.timeout.ms=30 \
  'fault.drop1=break requests producer -> leader p=0.05'
replays demo-row-4 0x02e35d6d92a669ea $base enable.idempotence=true acks=all \
  max.in.flight.requests.per.connection=5 request.timeout.ms=30 \
  'fault.drop1=break requests producer -> leader p=0.05' \
  'fault.drop2=break responses leader -> producer p=0.05'
replays demo-row-6 0x959a8cfd4dc38790 $base kafka.version=3.0.0 request.timeout.ms=30 \
  'fault.drop1=break responses leader -> producer p=0.05'
replays lesson-1 0x111343ec690d2adc enable.idempotence=false acks=all \
  max.in.flight.requests.per.connection=1 request.timeout.ms=30 workload.records=20 \
  workload.rate=500 linger.ms=0 network.latency.ms=1 \
  'fault.drop1=break responses leader -> producer p=0.2' --seed 1
replays lesson-2 0xcd1e083276e6f856 enable.idempotence=false acks=all \
  max.in.flight.requests.per.connection=5 request.timeout.ms=30 linger.ms=0 \
  workload.records=30 workload.rate=500 network.latency.ms=1 \
  'fault.drop1=break requests producer -> leader p=0.1' --seed 1
replays lesson-3 0xa1cd203d31b17a87 enable.idempotence=true acks=all \
  max.in.flight.requests.per.connection=5 request.timeout.ms=30 linger.ms=0 \
  workload.records=30 workload.rate=500 network.latency.ms=1 \
  'fault.drop1=break requests producer -> leader p=0.1' \
  'fault.drop2=break responses leader -> producer p=0.1' --seed 1
for s in 3:0x450c613c68c35439 9:0x14cbecb566100c8d; do
  replays "ordering-seed-${s%%:*}" "${s#*:}" $base acks=all request.timeout.ms=30 \
    sim.allow.unsafe.configs=true 'fault.drop=break requests producer -> leader p=0.02' \
    max.in.flight.requests.per.connection=7 enable.idempotence=false --seed "${s%%:*}"
done
replays retries-p-0.1 0xfc12c5f318216a8c $base acks=all max.in.flight.requests.per.connection=5 \
  request.timeout.ms=30 'fault.drop=break responses leader -> producer p=0.1' \
  enable.idempotence=true --seed 4
replays fetch-window 0x9f9b0c6df09b7cf6 $base \
  'fault.d=break responses leader -> follower p=0.3 from 10ms to 60ms' \
  'fault.e=break requests follower -> leader p=0.1' --seed 2
}

finish
