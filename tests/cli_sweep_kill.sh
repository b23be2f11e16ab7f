#!/usr/bin/env bash
# cli_sweep_kill.sh: a sweep killed mid-run (SIGINT, then SIGKILL) keeps every finished run in
# its journal, and --resume completes it to the bytes of an uninterrupted sweep.
# Usage: bash cli_sweep_kill.sh KAFKASIM_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/kafkasim-cli-kill-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# More runs than example.sweep, so that a kill lands in the middle.
make_spec() { # SEEDS
    sed "s/^seeds = .*/seeds = 1..$1/" "$SRC/experiments/example.sweep" >"$T/kill.sweep"
}

# Starts a sweep into OUT, kills it with SIG once its journal holds a few runs but not all.
# Prints the number of runs journalled at the kill, or nothing if the sweep finished first.
kill_midway() { # SIG OUT
    local runs total
    total=$(($(grep -c . "$T/single/runs.csv") - 1))
    "$BIN" sweep "$T/kill.sweep" --out "$2" --jobs 2 >/dev/null 2>"$2.err" &
    local pid=$!
    for _ in $(seq 1 2000); do
        runs=$(($(cat "$2/runs.journal" 2>/dev/null | wc -l) - 1))
        [ "$runs" -ge 3 ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.005
    done
    kill -"$1" $pid 2>/dev/null
    wait $pid
    runs=$(($(wc -l <"$2/runs.journal") - 1))
    [ "$runs" -lt "$total" ] && echo "$runs"
}

for seeds in 40 200 1000; do
    make_spec $seeds
    rm -rf "$T/single" "$T/int" "$T/kill"
    "$BIN" sweep "$T/kill.sweep" --out "$T/single" --jobs 2 >/dev/null 2>&1
    kept_int=$(kill_midway INT "$T/int")
    kept_kill=$(kill_midway KILL "$T/kill")
    [ -n "$kept_int" ] && [ -n "$kept_kill" ] && break
done
[ -n "$kept_int" ] || fail "SIGINT never landed mid-sweep"
[ -n "$kept_kill" ] || fail "SIGKILL never landed mid-sweep"
grep -q 'interrupted after' "$T/int.err" || fail "SIGINT: no line saying how to resume"
[ ! -e "$T/int/runs.csv" ] || fail "an interrupted sweep writes no runs.csv"

for how in int kill; do
    "$BIN" sweep "$T/kill.sweep" --out "$T/$how" --jobs 3 --resume >/dev/null 2>"$T/$how.resume.err"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "$how: --resume exit status $rc: $(cat "$T/$how.resume.err")"
    cmp "$T/single/runs.csv" "$T/$how/runs.csv" || fail "$how: resumed runs.csv differs"
    cmp "$T/single/cells.csv" "$T/$how/cells.csv" || fail "$how: resumed cells.csv differs"
done

# A torn last line (a write cut short) is ignored and its run done again.
cp -r "$T/single" "$T/torn"
rm "$T/torn/runs.csv" "$T/torn/cells.csv"
head -c -7 "$T/single/runs.journal" >"$T/torn/runs.journal"
"$BIN" sweep "$T/kill.sweep" --out "$T/torn" --resume >/dev/null 2>"$T/torn.err"
grep -q 'torn line' "$T/torn.err" || fail "torn line not reported"
cmp "$T/single/runs.csv" "$T/torn/runs.csv" || fail "torn: runs.csv differs"

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_sweep_kill: $fails failed"
exit $((fails > 0))
