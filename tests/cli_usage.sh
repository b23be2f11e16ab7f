#!/usr/bin/env bash
# cli_usage.sh: the front door of kafkasim and `kafkasim config`: GNU --help/--version, exit
# codes, the key table, --effective as a replayable file, and file:line messages for bad input.
# Usage: bash cli_usage.sh KAFKASIM_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_exit CODE CMD...: runs CMD, keeps stdout/stderr in $tmp/out and $tmp/err.
expect_exit() {
    local want=$1; shift
    checks=$((checks + 1))
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$tmp/err")"
}

# expect_in FILE TEXT: FILE (out or err) contains TEXT as a fixed string.
expect_in() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2'; it was: $(head -c 600 "$tmp/$1")"
}

expect_lines() {
    checks=$((checks + 1))
    local n
    n=$(wc -l <"$tmp/$1")
    [ "$n" -eq "$2" ] || fail "$1 has $n lines, expected $2: $(cat "$tmp/$1")"
}

expect_exit 0 "$bin" --help
expect_in out "Usage: kafkasim SUBCOMMAND"
expect_in out "config"
expect_lines err 0
expect_exit 0 "$bin" -h
expect_in out "Usage: kafkasim"
expect_exit 0 "$bin" --version
grep -qE '^kafkasim [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" || fail "--version printed $(cat "$tmp/out")"

expect_exit 2 "$bin"
expect_in err "Try 'kafkasim --help'."
expect_exit 2 "$bin" frobnicate
expect_in err "kafkasim: unknown subcommand 'frobnicate'"
expect_in err "Try 'kafkasim --help'."
expect_lines out 0
expect_exit 2 "$bin" --bogus
expect_in err "kafkasim: unknown option '--bogus'"

# kafkasim config: the table of every key, defaults of the version.
expect_exit 0 "$bin" config
expect_in out "KEY"
grep -qE '^acks +all +0, 1, all \(-1\)' "$tmp/out" || fail "config: no acks row with default all"
grep -qE '^linger.ms +0 +ms ' "$tmp/out" || fail "config: no linger.ms row"
expect_exit 0 "$bin" config --help
expect_in out "Usage: kafkasim config"
expect_exit 0 "$bin" config --kafka-version 2.0
grep -qE '^acks +1 ' "$tmp/out" || fail "config --kafka-version 2.0: acks default is not 1"
grep -qE '^retries +0 ' "$tmp/out" || fail "config --kafka-version 2.0: retries default is not 0"
expect_exit 0 "$bin" config --kafka-version 3.0.0
expect_in out "KAFKA-13598"
grep -qE '^enable.idempotence +false ' "$tmp/out" || fail "3.0.0: idempotence is in effect"
expect_exit 0 "$bin" config --kafka-version=4.0
grep -qE '^linger.ms +5 +ms ' "$tmp/out" || fail "config --kafka-version=4.0: linger.ms not 5"
expect_exit 2 "$bin" config --kafka-version 5.0
expect_in err "--kafka-version: '5.0' is not allowed; allowed: 0.11"
expect_exit 2 "$bin" config --no-such-option
expect_in err "Try 'kafkasim config --help'."

# --effective prints key=value lines that replay to the same text.
expect_exit 0 "$bin" config --effective acks=1 linger.ms=7 'fault.c=crash leader at 2s'
expect_in out "acks=1"
expect_in out "linger.ms=7"
expect_in out "enable.idempotence=false"
expect_in out "fault.c=crash leader at 2s"
cp "$tmp/out" "$tmp/replay.properties"
expect_exit 0 "$bin" config --effective "$tmp/replay.properties"
checks=$((checks + 1))
cmp -s "$tmp/out" "$tmp/replay.properties" || fail "--effective does not replay to itself"
# A later input wins over an earlier one; the version option wins over the files (3.9's
# printout sets retry.backoff.max.ms and producer.id.expiration.ms, which 2.8 does not have).
grep -Ev '^(retry.backoff.max.ms|producer.id.expiration.ms)=' "$tmp/replay.properties" >"$tmp/replay28.properties"
expect_exit 0 "$bin" config --effective "$tmp/replay28.properties" acks=0 --kafka-version 2.8
expect_in out "acks=0"
expect_in out "kafka.version=2.8.0"

# Bad input: exit 2 and a message naming file:line and the key.
expect_exit 2 "$bin" config "$src/tests/data/bad_key.properties"
expect_in err "$src/tests/data/bad_key.properties:3: unknown key 'ackss' (did you mean 'acks'?)"
expect_lines err 1
expect_exit 2 "$bin" config "$src/tests/data/bad_fault.properties"
expect_in err "bad_fault.properties:4: fault.oops: expected a time with a unit (ns, us, ms, s, min, h) at word 4, got '10'"
expect_exit 2 "$bin" config acks=two
expect_in err "argument: acks: 'two' is not allowed; allowed: 0, 1, all (-1)"
expect_exit 2 "$bin" config "$tmp/missing.properties"
expect_in err "missing.properties: cannot open"
expect_exit 2 "$bin" config enable.idempotence=true acks=1
expect_in err "acks=1: must be all (-1) to use the idempotent producer"
printf 'acks=1\0\n' >"$tmp/binary.properties"
expect_exit 2 "$bin" config "$tmp/binary.properties"
expect_in err "binary.properties:1: binary data (a NUL byte)"
# An empty file is almost always a mistake; a file with only a comment means the defaults.
: >"$tmp/empty.properties"
expect_exit 2 "$bin" config --effective "$tmp/empty.properties"
expect_in err "no properties in $tmp/empty.properties"
printf '# defaults\n' >"$tmp/defaults.properties"
expect_exit 0 "$bin" config --effective "$tmp/defaults.properties"
expect_in out "acks=all"

echo "cli_usage: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
