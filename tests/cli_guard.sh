#!/usr/bin/env bash
# cli_guard.sh: runs that cannot progress or would outgrow memory end with their own status and
# a message instead of spinning or eating the machine (issue 20).
#   - the progress guard: a loop at one instant (a metadata refresh with no backoff over a
#     network with no delay) stops with exit 1, naming the time, the kinds that repeat and the
#     zero delays; its event count lies between the bound and twice the bound (+ the 1,024
#     events watched to name the kinds); sim.max.stalled.events=0 turns it off;
#   - the configurations seen looping (issue 20) run as Kafka would or are refused (exit 2);
#   - the memory bound: sim.max.memory.mb passed is exit 3, "resources exhausted", nothing on
#     stdout; `check` reports it with no verdict and writes no counterexample.
# Usage: bash cli_guard.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_guard
. "$(dirname "$0")/lib.sh"

# expect_in FILE TEXT: FILE holds TEXT.
expect_in() {
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || { fail "$1 lacks '$2'"; sed 's/^/  /' "$1" | head -5 >&2; }
}

# events_between LO HI: the "events" of the JSON in out lies in [LO, HI].
events_between() {
  checks=$((checks + 1))
  local n
  n=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' out)
  if [ -z "$n" ] || [ "$n" -lt "$1" ] || [ "$n" -gt "$2" ]; then
    fail "events '$n' not in [$1, $2]"
  fi
}

# ---- The progress guard ----------------------------------------------------------------------
# One broker: while it is down no broker can name a leader (every broker answers Metadata for
# every partition, so with three the others would name the dead one).
spin=(network.latency.ms=0 retry.backoff.ms=0 retry.backoff.max.ms=0 num.brokers=1
      replication.factor=1 'fault.a=crash leader at 15ms for 10s')
# Bound: 1000 + 16 per record = 17,000 events; the guard looks every 17,000 events.
expect_exit 1 run "${spin[@]}" sim.max.stalled.events=1000 --format json
expect_in err "no progress: simulated time stood at 15.000ms for more than 17000 events"
expect_in err "events that repeat: net.deliver"
expect_in err "zero delays that allow a loop at one instant: retry.backoff.ms=0 retry.backoff.max.ms=0 network.latency.ms=0"
expect_in out '"status":"failed","end":"stalled"'
events_between 17001 $((2 * 17000 + 1024 + 5000))
# The default bound: 2^20 + 16 per record.
expect_exit 1 run "${spin[@]}"
expect_in err "for more than 1064576 events"
# Off: the loop runs into sim.max.events instead.
expect_exit 1 run "${spin[@]}" sim.max.stalled.events=0 sim.max.events=100000 --format json
expect_in err "did not drain within sim.max.events"
events_between 100000 100000
# A run that moves on is never stopped, with the smallest bound either.
expect_exit 0 run sim.max.stalled.events=1 network.latency.ms=0 workload.records=5000

# ---- The configurations seen looping (issue 20) now run as Kafka would, or are refused -------
# events_at_most N: the run in out (JSON) dispatched at most N events.
events_at_most() { events_between 1 "$1"; }
# replica.lag.time.max.ms / 2 is 0 ms: Kafka's scheduler runs isr-expiration once, at startup.
expect_exit 0 run replica.lag.time.max.ms=0 --format json
events_at_most 20000
expect_exit 0 run replica.lag.time.max.ms=1 --format json
events_at_most 20000
# No wait at the leader over a network with no delay: refused.
expect_exit 2 run network.latency.ms=0 replica.fetch.wait.max.ms=0
expect_in err "replica.fetch.wait.max.ms=0 with network.latency.ms=0"
# A zero fetch timeout times out after 1 ms (NetworkClient's strict comparison in ms).
expect_exit 0 run replica.fetch.backoff.ms=0 replica.socket.timeout.ms=0 --format json
events_at_most 500000
# A crashed broker refuses connections: reconnect.backoff.ms (50 ms) between attempts.
expect_exit 0 run acks=1 retry.backoff.max.ms=0 'fault.p=powerloss all at 1ns for 1ns' \
  'fault.c=crash leader at 40ms for 60s' --format json
events_at_most 500000
# Every record expiring as it is created and resent: refused (1.0 has no delivery.timeout.ms).
expect_exit 2 run kafka.version=1.0 delivery.timeout.ms=0 workload.resend.on.failure=true
expect_exit 2 run delivery.timeout.ms=0 request.timeout.ms=0 workload.resend.on.failure=true
expect_in err "workload.resend.on.failure=true with delivery.timeout.ms=0"
# Without the resend every record fails once and the run ends.
expect_exit 0 run delivery.timeout.ms=0 request.timeout.ms=0 --format json
expect_in out '"failed":1000'

# ---- The memory bound ------------------------------------------------------------------------
expect_exit 3 run workload.records=1000000 sim.max.memory.mb=1
expect_in err "kafkasim run: resources exhausted: memory bound reached: the run holds"
expect_in err "more than sim.max.memory.mb=1"
checks=$((checks + 1))
[ -s out ] && fail "an exhausted run printed a report"
expect_exit 3 check workload.records=1000000 sim.max.memory.mb=1 --seeds 1..2 --expect 'duplicates == 0' --out cx.properties
expect_in err "resources exhausted"
expect_in err "no verdict and no counterexample"
checks=$((checks + 1))
[ -e cx.properties ] && fail "check wrote a counterexample for a resource"
grep -q "counterexample\|safety violated" out && fail "check called a resource a violation"
# Under the bound the same run completes.
expect_exit 0 run workload.records=1000000 sim.max.memory.mb=2048 --format json

finish
