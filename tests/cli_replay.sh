#!/usr/bin/env bash
# cli_replay.sh: every replay line the command prints gives back its run. A property test over
# scenarios drawn from pools of values (explicit defaults among them, so that what a key's being
# set changes in Kafka's validation is exercised: enable.idempotence=true with in-flight 7 or
# acks=1 under sim.allow.unsafe.configs), fault lines with tabs, and
# .properties files with escapes: each `kafkasim run` prints a replay line, a shell (bash) runs
# it, and the trace hashes must be equal. check's shrunk counterexamples (with swarm faults)
# replay to the trace hash check printed.
# Usage: bash cli_replay.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_replay
. "$(dirname "$0")/lib.sh"

hash_of() { sed -n 's/.*trace hash \(0x[0-9a-f]*\).*/\1/p' "$1"; }

# replays ARGS...: run ARGS, run the printed replay line through bash, compare trace hashes.
replays() {
    checks=$((checks + 1))
    "$bin" run "$@" >run.out 2>run.err
    local rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        fail "run $*: exit $rc: $(head -c 300 run.err)"
        return
    fi
    local line want got
    line=$(sed -n 's/^replay     kafkasim run //p' run.out)
    want=$(hash_of run.out)
    [ -n "$line" ] && [ -n "$want" ] || { fail "run $*: no replay line or trace hash"; return; }
    bash -c "\"\$0\" run $line" "$bin" >replay.out 2>replay.err
    got=$(hash_of replay.out)
    [ "$got" = "$want" ] || fail "run $*: replay '$line' gave trace hash '$got', not $want: $(head -c 300 replay.err)"
}

small=workload.records=30
tab=$(printf '\t')

# ---- The cases the issue names.
replays "$small" "fault.c=crash${tab}leader at 20ms for 50ms"
replays "$small" enable.idempotence=true max.in.flight.requests.per.connection=7 sim.allow.unsafe.configs=true
replays "$small" enable.idempotence=true acks=1 sim.allow.unsafe.configs=true
replays "$small" acks=1
replays "$small" "fault.q=crash leader at 20ms for 50ms" "fault.p-1=pause follower at 10ms${tab}${tab}for 5ms"
printf 'workload.records = 30\nfault.e = crash\\tleader at 20ms \\\n    for 30ms\nacks = all\n' >esc.properties
replays esc.properties
replays "$small" kafka.version=2.8 acks=all
replays "$small" kafka.version=3.9 enable.idempotence=false

# ---- Drawn: 60 scenarios, each key from a pool that holds its default.
pool_acks=(0 1 all -1)
pool_idem=(true false)
pool_inflight=(1 2 5 7)
pool_retries=(0 3 2147483647)
pool_version=(2.8 3.0 3.9)
pool_fault=("crash leader at 15ms for 40ms" "pause leader at 10ms for 30ms"
            "drop responses leader -> producer p=0.2" "partition leader follower at 5ms for 60ms"
            "crash${tab}follower at 10ms")
x=12345
draw() { x=$(( (x * 1103515245 + 12345) % 2147483648 )); echo $(( x / 65536 % $1 )); }
for i in $(seq 1 60); do
    args=("$small" "sim.seed=$i")
    [ "$(draw 2)" = 1 ] && args+=("acks=${pool_acks[$(draw 4)]}")
    [ "$(draw 2)" = 1 ] && args+=("enable.idempotence=${pool_idem[$(draw 2)]}")
    [ "$(draw 2)" = 1 ] && args+=("max.in.flight.requests.per.connection=${pool_inflight[$(draw 4)]}")
    [ "$(draw 3)" = 1 ] && args+=("retries=${pool_retries[$(draw 3)]}")
    [ "$(draw 3)" = 1 ] && args+=("kafka.version=${pool_version[$(draw 3)]}")
    [ "$(draw 2)" = 1 ] && args+=("sim.allow.unsafe.configs=true")
    [ "$(draw 2)" = 1 ] && args+=("fault.f$i=${pool_fault[$(draw 5)]}")
    # Only scenarios that are valid input: the others are cli_hostile's.
    "$bin" config "${args[@]}" >/dev/null 2>&1 || continue
    replays "${args[@]}"
done

# ---- check's counterexample, with swarm faults: its replay gives the shrunk run's hash.
"$bin" check acks=1 workload.records=200 --expect 'lost_acked==0' --swarm --seeds 1..20 \
    --out ce.properties >check.out 2>check.err
line=$(sed -n 's/^replay: kafkasim run //p' check.out)
want=$(sed -n '/^shrunk:/{n;s/.*trace_hash=\(0x[0-9a-f]*\).*/\1/p;}' check.out)
checks=$((checks + 1))
if [ -z "$line" ] || [ -z "$want" ]; then
    fail "check: no counterexample to replay: $(head -c 300 check.out)"
else
    bash -c "\"\$0\" run $line" "$bin" >replay.out 2>&1
    [ "$(hash_of replay.out)" = "$want" ] || fail "check's replay '$line': $(hash_of replay.out), not $want"
fi

finish
