#!/usr/bin/env bash
# cli_check.sh: `kafkasim check` end to end: usage errors (exit 2, one message), a guarantee that
# holds under swarm faults (exit 0), a known failure found, shrunk, written and replayed by
# `kafkasim run` to the same trace hash (exit 1), the same answer whatever --jobs is, a liveness
# failure reported as such, and --determinism.
#
# Usage: bash cli_check.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_check
. "$(dirname "$0")/lib.sh"

# expect_usage PATTERN ARGS...: exit 2, nothing on stdout, the message on stderr names PATTERN.
expect_usage() {
  local pattern=$1
  shift
  expect_exit 2 check "$@"
  [ -s out ] && fail "check $*: wrote to stdout on a usage error"
  grep -q -- "$pattern" err || fail "check $*: stderr lacks '$pattern': $(head -1 err)"
  [ "$(grep -c '^kafkasim check:' err)" = 1 ] || fail "check $*: not one message: $(cat err)"
}

safe="enable.idempotence=true acks=all min.insync.replicas=2 unclean.leader.election.enable=false"
small="workload.records=400 workload.rate=1000"
guarantee='duplicates==0 && reordered==0 && lost_acked==0'

# ---- A missing value (no send got a callback) is no number: a comparison with it is false,
# and the failure says why; JSON keeps null. (It was a placeholder -0.000001 that "held".) ----
expect_exit 1 check workload.records=0 --expect 'latency_max_ms < 1' --seeds 1..1 \
    --out missing.properties
grep -q 'latency_max_ms=missing (no send got a callback' out ||
    fail "missing latency: no reason in: $(grep failure out)"
expect_exit 1 check workload.records=0 --expect 'latency_p50_ms >= 0' --seeds 1..1 \
    --out missing.properties
expect_exit 0 check workload.records=0 --expect 'records == 0 || latency_max_ms < 1' --seeds 1..1
expect_exit 0 run workload.records=0 --format json
grep -q '"latency_ms":{"p50":null,"p99":null,"max":null}' out || fail "JSON latency not null: $(cat out)"

# ---- Usage and bad input ----------------------------------------------------------------------
expect_exit 0 check --help
grep -q '^Usage: kafkasim check' out || fail "check --help: no usage"
expect_usage "column 12: '=' is not an operator" --expect 'duplicates = 0'
expect_usage "unknown field 'dups'" --expect 'dups==0'
expect_usage "column 17: expected a field" --expect 'duplicates==0 &&'
expect_usage "must be a condition" --expect 'duplicates + 1'
expect_usage "comparisons do not chain" --expect '0 < duplicates < 2'
expect_usage "A <= B" --expect 'duplicates==0' --seeds 5..1
expect_usage "seeds" --expect 'duplicates==0' --seeds abc
expect_usage "seeds" --expect 'duplicates==0' --seeds 1..x
expect_usage "--jobs: expected an integer 1..1024" --expect 'duplicates==0' --jobs 0
expect_usage "--jobs" --expect 'duplicates==0' --jobs many
expect_usage "--swarm-faults: expected an integer 1..8" --expect 'duplicates==0' --swarm-faults 9
expect_usage "unknown fault kind 'meteor'" --expect 'duplicates==0' --swarm-kinds crash,meteor
expect_usage "--shrink-runs" --expect 'duplicates==0' --shrink-runs -1
expect_usage "--expect EXPR is required" --seeds 1..3
expect_usage "acks" --expect 'duplicates==0' acks=7

# ---- The guarantee holds under swarm faults -----------------------------------------------------
expect_exit 0 check $safe $small --expect "$guarantee" --swarm \
  --swarm-kinds crash,partition,drop,delay --seeds 1..12 --jobs 3
grep -q 'holds for all 12 runs' out || fail "guarantee: no 'holds' line: $(head -3 out)"
cp out holds-3.txt
expect_exit 0 check $safe $small --expect "$guarantee" --swarm \
  --swarm-kinds crash,partition,drop,delay --seeds 1..12 --jobs 1
cmp -s out holds-3.txt || fail "guarantee: output differs between --jobs 1 and --jobs 3"

# ---- A known failure: acks=1 loses acknowledged writes --------------------------------------------
mkdir -p j1 j4
(cd j1 && "$bin" check acks=1 $small --expect 'lost_acked==0' --swarm --swarm-kinds crash \
  --seeds 1..200 --jobs 1 >out 2>err)
rc1=$?
(cd j4 && "$bin" check acks=1 $small --expect 'lost_acked==0' --swarm --swarm-kinds crash \
  --seeds 1..200 --jobs 4 >out 2>err)
rc4=$?
checks=$((checks + 2))
[ "$rc1" = 1 ] || fail "acks=1: exit $rc1, expected 1: $(head -3 j1/out) $(head -3 j1/err)"
cmp -s j1/out j4/out || fail "acks=1: output differs between --jobs 1 and --jobs 4"
grep -q '^first failure: seed [0-9]*: expectation violated: lost_acked==0 (lost_acked=' j1/out ||
  fail "acks=1: no first-failure line: $(head -2 j1/out)"
grep -q '^shrinking: ' j1/out || fail "acks=1: no shrinking line"
replay=$(grep '^replay: ' j1/out | sed 's/^replay: kafkasim //')
[ -n "$replay" ] || fail "acks=1: no replay line"
[ -f j1/kafkasim-counterexample.properties ] || fail "acks=1: no counterexample file"
faults=$(grep -c '^fault\.' j1/kafkasim-counterexample.properties)
[ "$faults" -ge 1 ] && [ "$faults" -le 3 ] || fail "acks=1: shrunk to $faults faults, not 1..3"
shrunk_hash=$(sed -n '/^shrunk:/,$p' j1/out | grep -o 'trace_hash=0x[0-9a-f]*' | head -1 | cut -d= -f2)
# The replay command, as printed, reproduces the loss and the very same run.
checks=$((checks + 1))
(cd j1 && eval "\"$bin\" $replay --format json" >replay.json 2>replay.err)
grep -q '"lost_acked":[1-9]' j1/replay.json || fail "acks=1: the replay shows no loss: $(cat j1/replay.json)"
grep -q "\"trace_hash\":\"$shrunk_hash\"" j1/replay.json ||
  fail "acks=1: replay trace hash differs from $shrunk_hash: $(cat j1/replay.json)"

# --out names the file, and the replay line names it.
expect_exit 1 check acks=1 $small --expect 'lost_acked==0' --swarm --swarm-kinds crash \
  --seeds 1..200 --shrink-runs 0 --out 'my case.properties'
[ -f 'my case.properties' ] || fail "--out: file not written"
grep -q "^replay: kafkasim run 'my case.properties' --seed" out || fail "--out: replay line: $(grep replay out)"

# ---- Liveness: a run that cannot drain in its time limit -----------------------------------------
expect_exit 1 check $safe workload.records=2000 workload.rate=1000 sim.max.time.ms=300 \
  --expect "$guarantee" --seeds 1..2 --shrink-runs 5
grep -q 'liveness violated' out || fail "liveness: not reported as such: $(head -2 out)"

# ---- Determinism -----------------------------------------------------------------------------------
expect_exit 0 check $safe $small --determinism --swarm --swarm-kinds crash,partition,drop,delay \
  --seeds 1..4 --jobs 2
grep -q 'same trace hash' out || fail "--determinism: no determinism line: $(cat out)"

finish
