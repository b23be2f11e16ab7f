#!/usr/bin/env bash
# cli_guard.sh: runs that cannot progress or would outgrow memory end with their own status and
# a message instead of spinning or eating the machine (issue 20).
#   - the progress guard: a loop at one instant (a metadata refresh with no backoff over a
#     network with no delay) stops with exit 1, naming the time, the kinds that repeat and the
#     zero delays; its event count lies between the bound and twice the bound (+ the 1,024
#     events watched to name the kinds); sim.max.stalled.events=0 turns it off;
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
spin=(network.latency.ms=0 retry.backoff.ms=0 retry.backoff.max.ms=0 replication.factor=1
      'fault.a=crash leader at 15ms for 10s')
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
