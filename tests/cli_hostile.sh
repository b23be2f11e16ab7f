#!/usr/bin/env bash
# cli_hostile.sh: hostile input at the command level. Every case must be rejected with exit 2
# and exactly one line on standard error that names the file:line (or "argument") and the key
# where there is one, and says what is allowed; nothing may crash, hang or print a stack.
# Covered: empty files, a directory, binary garbage, a 10 MB line, negative, overflowing and
# NaN-like numbers, duplicate keys (the later one wins, as in java.util.Properties), unknown
# keys and fault kinds, times without a unit, contradictory settings, too many faults, bad
# sweep specs, bad --expect expressions and bad numeric options.
# Usage: bash cli_hostile.sh KAFKASIM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $(printf '%s' "$*" | cut -c1-600)" >&2; failures=$((failures + 1)); }

# rejects TEXT CMD...: CMD exits 2 within 20 s (or $limit s), with one line of stderr
# containing TEXT.
rejects() {
    local want=$1; shift
    checks=$((checks + 1))
    (cd "$tmp" && timeout "${limit:-20}" "$@") >"$tmp/out" 2>"$tmp/err"
    local got=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$got" -ne 2 ]; then
        fail "'$*' exited $got, expected 2; stderr: $(head -c 400 "$tmp/err")"
    elif [ "$lines" -ne 1 ] && ! { [ "$lines" -eq 2 ] && grep -q "^Try 'kafkasim" "$tmp/err"; }; then
        fail "'$*' wrote $lines lines to stderr, expected one (and a usage hint): $(head -c 400 "$tmp/err")"
    elif ! grep -qF -- "$want" "$tmp/err"; then
        fail "'$*': stderr lacks '$want'; it was: $(head -c 400 "$tmp/err")"
    fi
}

# accepts CMD...: CMD exits 0 within 20 s.
accepts() {
    checks=$((checks + 1))
    (cd "$tmp" && timeout 20 "$@") >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq 0 ] || fail "'$*' exited $got, expected 0; stderr: $(head -c 400 "$tmp/err")"
}

small="workload.records=20"

# ---- Files that are not scenarios.
: >"$tmp/empty.properties"
rejects "no properties in empty.properties" "$bin" run empty.properties
printf ' \n\t\r\n' >"$tmp/blank.properties"
rejects "no properties in blank.properties" "$bin" check blank.properties --expect 'lost_acked==0'
printf '# every key at its default, on purpose\n' >"$tmp/comments.properties"
accepts "$bin" run comments.properties "$small"
mkdir "$tmp/folder.properties"
rejects "folder.properties: is a directory" "$bin" run folder.properties
rejects "missing.properties: cannot open" "$bin" run missing.properties
# Binary garbage: fixed bytes (not /dev/urandom, so a failure replays) with a NUL on line 4
# (\r\n is one line break, a lone \r another, as LineReader counts them).
printf 'acks=1\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe' >"$tmp/garbage.properties"
rejects "garbage.properties:4: binary data (a NUL byte)" "$bin" run garbage.properties
head -c 4096 /dev/zero >"$tmp/zeros.properties"
rejects "zeros.properties:1: binary data" "$bin" run zeros.properties
# A 10 MB line.
{ printf 'acks='; head -c 10000000 /dev/zero | tr '\0' 'a'; printf '\n'; } >"$tmp/long.properties"
rejects "long.properties:1: line longer than 1048576 bytes" "$bin" run long.properties
# A long value that fits the line limit but no key's value.
{ printf '\nlinger.ms='; head -c 5000 /dev/zero | tr '\0' '9'; printf '\n'; } >"$tmp/longvalue.properties"
rejects "longvalue.properties:2: linger.ms: the value is too long" "$bin" run longvalue.properties
printf 'acks=\\u12G4\n' >"$tmp/escape.properties"
rejects "escape.properties:1: malformed \\uXXXX escape" "$bin" run escape.properties

# ---- Numbers.
rejects "argument: retries: '-1' is out of range; allowed: 0 .. 2147483647" "$bin" run retries=-1
rejects "argument: retries: '99999999999999999999999' is out of range" \
    "$bin" run retries=99999999999999999999999
rejects "argument: sim.seed: '18446744073709551616' is out of range" \
    "$bin" run sim.seed=18446744073709551616
rejects "argument: linger.ms: '-9223372036854775808' is out of range" \
    "$bin" run linger.ms=-9223372036854775808
for nan in NaN nan inf -inf Infinity 1e3 0x10 1.5 '' '+-1' '1 2'; do
    rejects "argument: linger.ms: '$nan' is not" "$bin" run "linger.ms=$nan"
done
rejects "argument: network.latency.ms: 'NaN' is not" "$bin" run network.latency.ms=NaN
rejects "argument: workload.records: '100000001' is out of range; allowed: 0 .. 100000000" \
    "$bin" run workload.records=100000001
rejects "argument: num.brokers: '17' is out of range; allowed: 1 .. 16" "$bin" run num.brokers=17
rejects "argument: max.in.flight.requests.per.connection: '1001' is out of range" \
    "$bin" run max.in.flight.requests.per.connection=1001
rejects "argument: sim.max.time.ms: '0' is out of range" "$bin" run sim.max.time.ms=0
rejects "argument: sim.max.events: '0' is out of range" "$bin" run sim.max.events=0
rejects "argument: enable.idempotence: 'yes' is not allowed; allowed: true, false" \
    "$bin" run enable.idempotence=yes

# ---- Keys: unknown, empty, duplicated (the later one wins, as in Java).
printf 'acks=1\nbatch.sise=100\n' >"$tmp/typo.properties"
rejects "typo.properties:2: unknown key 'batch.sise'" "$bin" run typo.properties
rejects "argument '=5': the key before '=' is empty" "$bin" run =5
printf 'acks=all\nretries=-5\nacks=bogus\n' >"$tmp/dup.properties"
rejects "dup.properties:2: retries: '-5' is out of range" "$bin" run dup.properties
printf 'acks=all\nacks=bogus\n' >"$tmp/dup_bad_last.properties"
rejects "dup_bad_last.properties:2: acks: 'bogus' is not allowed" "$bin" run dup_bad_last.properties
printf 'acks=bogus\nacks=1\n' >"$tmp/dup_good_last.properties"
accepts "$bin" config dup_good_last.properties
grep -qE '^acks +1 ' "$tmp/out" || fail "acks=bogus then acks=1: the later should win: $(grep '^acks ' "$tmp/out")"
accepts "$bin" run dup_good_last.properties acks=bogus acks=all "$small"

# ---- Faults.
rejects "argument: fault.x: expected a fault (crash, stop, pause, partition, drop, break, delay, powerloss, restart, stall) at word 1, got 'explode'" \
    "$bin" run 'fault.x=explode leader at 1s'
printf 'acks=all\n\nfault.c1 = crash leader at 100\n' >"$tmp/nounit.properties"
rejects "nounit.properties:3: fault.c1: expected a time with a unit (ns, us, ms, s, min, h) at word 4, got '100'" \
    "$bin" run nounit.properties
rejects "argument: fault.x: expected a time with a unit" "$bin" run 'fault.x=crash leader at -1s'
rejects "argument: fault.x: expected a time with a unit" \
    "$bin" run 'fault.x=crash leader at 99999999999999999999s'
rejects "argument: fault.x: expected a probability" "$bin" run 'fault.x=drop requests producer -> leader p=nan'
rejects "argument: fault.x: expected a probability" "$bin" run 'fault.x=drop requests producer -> leader p=1.5'
rejects "fault.x: broker-9 does not exist (num.brokers=3)" "$bin" run 'fault.x=crash broker-9 at 1s'
rejects "argument: fault.x: expected a count n=<k> with k >= 1" \
    "$bin" run 'fault.x=crash leader on leader.append n=0'
rejects "argument: fault.x: too many words" "$bin" run "fault.x=crash $(printf 'a %.0s' $(seq 30))"
rejects "argument: fault.x: expected a fault" "$bin" run 'fault.x='
rejects "argument: fault.x: the fault line is longer than" \
    "$bin" run "fault.x=crash leader at 1s for 1s $(printf 'x%.0s' $(seq 300))"
for i in $(seq 1 40); do echo "fault.f$i = crash leader at ${i}s for 1ms"; done >"$tmp/faults.properties"
rejects "faults.properties:33: fault.f33: more than 32 faults" "$bin" run faults.properties

# ---- Contradictory settings: the place where the first named key was set.
printf 'kafka.version=4.0\nlog.segment.bytes=100\n' >"$tmp/segment.properties"
rejects "segment.properties:2: log.segment.bytes=100: Kafka 4.0 and later require at least" \
    "$bin" run segment.properties
rejects "argument: replication.factor=5 must be at most num.brokers=3" \
    "$bin" run replication.factor=5
printf 'enable.idempotence=true\nacks=1\n' >"$tmp/idem.properties"
rejects "idem.properties:2: acks=1: must be all (-1) to use the idempotent producer" \
    "$bin" run idem.properties
rejects "argument: max.in.flight.requests.per.connection=6: must be at most 5" \
    "$bin" run enable.idempotence=true max.in.flight.requests.per.connection=6
rejects "argument: delivery.timeout.ms=10 should be equal to or larger than linger.ms + request.timeout.ms" \
    "$bin" run delivery.timeout.ms=10

# ---- Options.
rejects "--seed: '-1' is not a decimal number" "$bin" run --seed -1
rejects "--seed: '18446744073709551616' is out of range" "$bin" run --seed 18446744073709551616
rejects "--seed: 'NaN' is not a decimal number" "$bin" run --seed NaN
rejects "--seed: expected a decimal number, got an empty string" "$bin" run --seed ''
rejects "--format: allowed: text, json, csv" "$bin" run --format xml
rejects "--seeds: expected A..B with A <= B" "$bin" check --expect 'lost_acked==0' --seeds 5..1
rejects "--seeds: '99999999999999999999' is out of range" \
    "$bin" check --expect 'lost_acked==0' --seeds 1..99999999999999999999
rejects "--jobs" "$bin" sweep "$src/experiments/example.sweep" --jobs -3 --out "$tmp/o1"
rejects "--shard" "$bin" sweep "$src/experiments/example.sweep" --shard 3/2 --out "$tmp/o2"

# ---- --expect expressions.
rejects "--expect: column 15: expected a field, a number or '(', found the end" \
    "$bin" check --expect 'lost_acked == ' --seeds 1..1
rejects "--expect: column 1: unknown field 'lost'" "$bin" check --expect 'lost == 0' --seeds 1..1
rejects "nested too deeply" "$bin" check --expect "$(printf '(%.0s' $(seq 100))" --seeds 1..1
rejects "--expect: column 12: '=' is not an operator" "$bin" check --expect 'lost_acked = 0' --seeds 1..1
rejects "--expect: column" "$bin" check --expect "$(printf 'a\001b')" --seeds 1..1
rejects "--expect: column" "$bin" check --expect "$(printf 'lost_acked+%.0s' $(seq 200))0==0" --seeds 1..1

# ---- Sweep specs.
: >"$tmp/empty.sweep"
rejects "no properties in empty.sweep" "$bin" sweep empty.sweep --out "$tmp/o3"
printf 'axis.acks = 1, all\nbase = empty.properties\n' >"$tmp/emptybase.sweep"
rejects "emptybase.sweep:2: base: no properties in" "$bin" sweep emptybase.sweep --out "$tmp/o4"
printf 'axis.acks = 1, two\nseeds = 1..2\n' >"$tmp/badvalue.sweep"
rejects "badvalue.sweep:1: acks: 'two' is not allowed" "$bin" sweep badvalue.sweep --out "$tmp/o5"
printf 'axis.k = 1..99999999999\nseeds = 1\n' >"$tmp/huge.sweep"
rejects "huge.sweep:1: axis.k: range '1..99999999999' has more than 1000000 values" "$bin" sweep huge.sweep --out "$tmp/o6"
printf 'axis.acks = 1\nseeds = 1..20000\naxis.retries = 1..1000\n' >"$tmp/runs.sweep"
rejects "runs.sweep:3: axis.retries: the sweep has more than 10000000 runs" "$bin" sweep runs.sweep --out "$tmp/o7"
printf 'seeds = -1..3\n' >"$tmp/negseed.sweep"
rejects "negseed.sweep:1: seeds" "$bin" sweep negseed.sweep --out "$tmp/o8"
head -c 300 /dev/zero >"$tmp/zero.sweep"
rejects "zero.sweep:1: binary data" "$bin" sweep zero.sweep --out "$tmp/o9"

# ---- Inputs that never end or are not files: refused before they are read (issue 20).
rejects "/dev/zero: is a device, not a properties file; allowed: a regular file" "$bin" run /dev/zero
rejects "/dev/zero: is a device" "$bin" check /dev/zero --expect 'lost_acked==0' --seeds 1..1
rejects "/dev/zero: is a device, not a properties file" "$bin" sweep /dev/zero --out "$tmp/o10"
printf 'seeds = 1\nbase = /dev/zero\n' >"$tmp/zerobase.sweep"
rejects "zerobase.sweep:2: base: /dev/zero: is a device" "$bin" sweep zerobase.sweep --out "$tmp/o11"
printf 'seeds = 1\nbase = .\n' >"$tmp/dotbase.sweep"
rejects "dotbase.sweep:2: base: ./.: is a directory" "$bin" sweep ./dotbase.sweep --out "$tmp/o12"
rejects "/dev/zero: is a device, not a sweep journal" \
    "$bin" sweep --merge "$tmp/o13" --spec "$src/experiments/example.sweep" /dev/zero
rejects "/dev/zero: not a regular file or a folder" "$bin" sweep --merge "$tmp/o14" /dev/zero
rejects "/dev/zero: is a device" "$bin" bench --reference --reference-file /dev/zero
mkfifo "$tmp/fifo.properties"
rejects "fifo.properties: is a pipe" "$bin" run fifo.properties
truncate -s 65M "$tmp/huge.properties"
rejects "huge.properties: 68157440 bytes, larger than a properties file may be (67108864 bytes)" \
    "$bin" run huge.properties
# A journal with a NUL byte.
"$bin" sweep "$src/experiments/example.sweep" --out "$tmp/nuljournal" --shard 1/2 >/dev/null 2>&1
printf '0,ok\0\n' >>"$tmp/nuljournal/runs.1-of-2.journal"
rejects "binary data (a NUL byte) in a sweep journal" \
    "$bin" sweep "$src/experiments/example.sweep" --out "$tmp/nuljournal" --shard 1/2 --resume
# A UTF-8 byte-order mark (Windows editors write one) is skipped, not read into the first key.
printf '\xef\xbb\xbfacks=1\n' >"$tmp/bom.properties"
accepts "$bin" config bom.properties
grep -qE '^acks +1 ' "$tmp/out" || fail "a byte-order mark: acks=1 not read: $(grep '^acks ' "$tmp/out")"
printf '\xef\xbb\xbfseeds = 1\nset.acks = 1\n' >"$tmp/bom.sweep"
accepts "$bin" sweep bom.sweep --out "$tmp/o15"
# A spec of 200,000 set.* lines is read in time linear in its size: about 0.3 s of CPU (1.2 s
# with the sanitizers); it was quadratic (50,000 lines took 59 s, 200,000 about a quarter of
# an hour). The last line's bad value is found, with its line, well within a 90 s bound that
# leaves room for a loaded machine.
{ echo "seeds = 1"; yes 'set.acks = all' | head -n 200000; echo "set.retries = -1"; } >"$tmp/many.sweep"
limit=90 rejects "many.sweep:200002: retries: '-1' is out of range" "$bin" sweep many.sweep --out "$tmp/o16"

# ---- Writes that fail are errors with the path and the system's reason, never exit 0 with the
# output lost (issue 20).
rejects "--trace: /dev/full: No space left on device" "$bin" run "$small" --trace=/dev/full
rejects "kafkasim run: standard output: No space left on device" sh -c '"$0" run "$1" >/dev/full' "$bin" "$small"
rejects "kafkasim config: standard output: No space left on device" sh -c '"$0" config >/dev/full' "$bin"
rejects "kafkasim check: standard output: No space left on device" \
    sh -c '"$0" check "$1" --expect "lost_acked==0" --seeds 1..2 >/dev/full' "$bin" "$small"
rejects "kafkasim run: standard output: No space left on device" \
    sh -c '"$0" run "$1" --trace=- >/dev/full' "$bin" "$small"
rejects "--trace: $tmp/nofolder/t.txt: No such file or directory" "$bin" run "$small" --trace="$tmp/nofolder/t.txt"

# ---- Options named as typed, with what is wrong (issue 20).
rejects "option '--seed' needs a value" "$bin" run --seed
rejects "option '-s' needs a value" "$bin" run -s
rejects "unknown option '--bogus'" "$bin" demo --bogus
rejects "option '--seeds' needs a value" "$bin" demo --seeds
rejects "unknown option '--nope'" "$bin" check --nope=3 --expect 'lost_acked==0'
rejects "option '--out' needs a value" "$bin" sweep "$src/experiments/example.sweep" --out
rejects "option '--kafka-version' needs a value" "$bin" config --kafka-version
rejects "unknown option '--nope'" "$bin" bench --nope
rejects "--trace-record: '18446744073709551615' is out of range; allowed: a record id, 0 .. 99999999" \
    "$bin" run --trace-record 18446744073709551615
rejects "--trace-record: 20 is not a record id of this run; allowed: 0 .. 19 (workload.records=20)" \
    "$bin" run --trace-record 20 "$small"

# ---- Faults that could never fire are refused at validation (issue 20).
rejects "argument: fault.c: starts at 4000000 ms, when the run has already stopped (sim.max.time.ms is 3600000)" \
    "$bin" run 'fault.c=crash leader at 4000s'
rejects "argument: fault.r: starts at 4000000 ms, when the run has already stopped" \
    "$bin" run 'fault.r=restart producer at 4000s'
rejects "argument: fault.d: starts at 5000 ms, when the run has already stopped (sim.max.time.ms is 5000)" \
    "$bin" run sim.max.time.ms=5000 'fault.d=drop requests producer -> leader p=0.5 from 5s to 6s'
printf 'sim.max.time.ms = 2000\nfault.p = pause leader at 3s for 1s\n' >"$tmp/late.properties"
rejects "late.properties:2: fault.p: starts at 3000 ms" "$bin" run late.properties
rejects "argument: fault.p: expected a second, different node at word 3, got 'leader' (both ends are the same node)" \
    "$bin" run 'fault.p=partition leader leader at 1s for 1s'
rejects "argument: fault.p: expected a second, different node at word 5, got 'follower'" \
    "$bin" run 'fault.p=drop requests follower -> follower p=0.5'
accepts "$bin" run "$small" 'fault.c=crash leader at 3599s'

# ---- Partitions and producers a fault or a trace filter names exist in the world (issue 17).
rejects "argument: fault.c: leader of orders-3: no such partition" \
    "$bin" run "$small" 'fault.c=crash leader of orders-3 at 1s'
rejects "argument: fault.c: follower of payments-0: no such partition" \
    "$bin" run "$small" 'fault.c=crash follower of payments-0 on follower.fetch'
rejects "argument: fault.c: producer-2 does not exist (workload.producers=1)" \
    "$bin" run "$small" 'fault.c=crash producer-2 at 1s'
rejects "argument: fault.d: producer-3 does not exist (workload.producers=1)" \
    "$bin" run "$small" 'fault.d=drop responses leader -> producer-3 p=0.5'
rejects "kafkasim run: argument: fault.c: producer-4 does not exist (workload.producers=3)" \
    "$bin" run "$small" workload.producers=3 'fault.c=crash producer-4 at 1s'
printf 'workload.producers=3\nfault.c=crash producer-4 at 1s\n' >"$tmp/producers.properties"
rejects "kafkasim run: producers.properties:2: fault.c: producer-4 does not exist" \
    "$bin" run producers.properties
rejects "argument: fault.c: expected a partition <topic>-<p>, e.g. orders-3 at word 4, got 'orders'" \
    "$bin" run "$small" 'fault.c=crash leader of orders at 1s'
rejects "--trace-partition: no partition 'orders-1'" "$bin" run "$small" --trace --trace-partition orders-1
rejects "--trace-node: producer-2 does not exist (workload.producers=1)" \
    "$bin" run "$small" --trace --trace-node producer-2
accepts "$bin" run "$small" 'fault.c=crash leader of orders-0 on leader.append n=2 for 1s'
accepts "$bin" run "$small" 'fault.c=crash producer-1 at 5ms for 1s'

echo "cli_hostile: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
