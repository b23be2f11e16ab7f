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

# A worker killed from outside (kill -9, as the OOM killer does) leaves its run out of the
# journal and stops the sweep (130); --resume runs it and ends with the uninterrupted bytes.
# (A sweep of 2,400 runs, so that it is still running when the kill comes.)
sed "s/^seeds = .*/seeds = 1..300/" "$SRC/experiments/example.sweep" >"$T/long.sweep"
"$BIN" sweep "$T/long.sweep" --out "$T/wsingle" --jobs 2 >/dev/null 2>&1
rm -rf "$T/worker"
"$BIN" sweep "$T/long.sweep" --out "$T/worker" --jobs 2 >/dev/null 2>"$T/worker.err" &
pid=$!
victim=""
for _ in $(seq 1 2000); do
    runs=$(($(cat "$T/worker/runs.journal" 2>/dev/null | wc -l) - 1))
    victim=$(pgrep -P $pid | head -1)
    [ "$runs" -ge 3 ] && [ -n "$victim" ] && break
    sleep 0.005
done
[ -n "$victim" ] && kill -KILL $(pgrep -P $pid) 2>/dev/null
wait $pid
rc=$?
if [ -n "$victim" ] && [ $rc -ne 0 ]; then
    [ $rc -eq 130 ] || fail "worker killed: exit status $rc, expected 130"
    grep -q 'ended from outside (signal 9' "$T/worker.err" || fail "worker killed: no message: $(cat "$T/worker.err")"
    grep -q ',crashed' "$T/worker/runs.journal" && fail "a killed worker's run was journalled as crashed"
    "$BIN" sweep "$T/long.sweep" --out "$T/worker" --jobs 2 --resume >/dev/null 2>&1
    cmp "$T/wsingle/runs.csv" "$T/worker/runs.csv" || fail "worker killed: resumed runs.csv differs"
    cmp "$T/wsingle/cells.csv" "$T/worker/cells.csv" || fail "worker killed: resumed cells.csv differs"
else
    echo "cli_sweep_kill: the sweep finished before a worker could be killed; not checked" >&2
fi

# A run out of memory (guard's exhausted status) is not a result: not journalled, the sweep
# stops with 3 and --resume would run it again (test_sweep_spec shows the resumed bytes).
printf 'axis.workload.records = 10, 1000000\nset.sim.max.memory.mb = 1\nseeds = 1..2\n' >"$T/mem.sweep"
"$BIN" sweep "$T/mem.sweep" --out "$T/mem" --jobs 1 >/dev/null 2>"$T/mem.err"
rc=$?
[ $rc -eq 3 ] || fail "a run out of memory: exit $rc, expected 3: $(cat "$T/mem.err")"
grep -q 'run 2: out of memory; the run is not journalled' "$T/mem.err" || fail "out of memory: $(cat "$T/mem.err")"
grep -q '^2,' "$T/mem/runs.journal" && fail "a run out of memory was journalled"
grep -q '^1,ok,' "$T/mem/runs.journal" || fail "the runs before it are not journalled"

# One sweep per --out at a time: a second sweep, or a second --resume, into a folder another
# sweep is writing is refused (exit 2) and leaves that sweep's files alone.
rm -rf "$T/locked"
"$BIN" sweep "$T/long.sweep" --out "$T/locked" --jobs 1 >/dev/null 2>"$T/locked.err" &
pid=$!
for _ in $(seq 1 2000); do
    [ -s "$T/locked/runs.journal" ] && break
    sleep 0.005
done
for extra in "" --resume; do
    "$BIN" sweep "$T/long.sweep" --out "$T/locked" $extra >/dev/null 2>"$T/second.err"
    rc=$?
    if kill -0 $pid 2>/dev/null; then
        [ $rc -eq 2 ] || fail "a second sweep $extra into a busy --out: exit $rc, expected 2"
        grep -q "another sweep (process $pid) is writing into this folder" "$T/second.err" ||
            fail "a second sweep $extra: message: $(cat "$T/second.err")"
    fi
done
kill -INT $pid
wait $pid
"$BIN" sweep "$T/long.sweep" --out "$T/locked" --resume >/dev/null 2>&1 || true
cmp "$T/wsingle/runs.csv" "$T/locked/runs.csv" || fail "locked: resumed runs.csv differs"
[ ! -e "$T/locked/sweep.lock" ] || fail "the lock file is left after the sweep"
ls "$T/locked" | grep -q '\.tmp' && fail "temporary files left: $(ls "$T/locked")"

# SIGINT while the results are written (here from the plot step, through a gnuplot that
# interrupts its parent): the results are finished, both CSV files, and the sweep says so.
mkdir -p "$T/fakebin"
printf '#!/bin/sh\nkill -INT $PPID\nexit 0\n' >"$T/fakebin/gnuplot"
chmod +x "$T/fakebin/gnuplot"
rm -rf "$T/late"
PATH="$T/fakebin:$PATH" "$BIN" sweep "$T/kill.sweep" --out "$T/late" --jobs 2 \
    --gnuplot-dir "$SRC/experiments" >/dev/null 2>"$T/late.err"
rc=$?
[ $rc -eq 130 ] || fail "SIGINT during result writing: exit $rc, expected 130: $(cat "$T/late.err")"
grep -q 'interrupted while the results were written' "$T/late.err" || fail "SIGINT during results: no message"
cmp "$T/single/runs.csv" "$T/late/runs.csv" || fail "SIGINT during results: runs.csv differs"
cmp "$T/single/cells.csv" "$T/late/cells.csv" || fail "SIGINT during results: cells.csv differs"

# --out: parents are created (issue 21), a long path is used whole (never cut), a file or a
# too long path is refused with a message.
rm -rf "$T/deep"
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/deep/a/b" >/dev/null 2>"$T/deep.err" ||
    fail "--out with missing parents: $(cat "$T/deep.err")"
[ -s "$T/deep/a/b/runs.csv" ] || fail "--out with missing parents: no runs.csv"
long="$T/long"
while [ ${#long} -lt 1030 ]; do long="$long/$(printf 'd%.0s' $(seq 1 100))"; done
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$long" >/dev/null 2>"$T/long.err" ||
    fail "--out of ${#long} bytes: $(cat "$T/long.err")"
[ -s "$long/runs.journal" ] && [ -s "$long/runs.csv" ] || fail "--out of ${#long} bytes: files not in the folder"
[ "$(find "$T/long" -name 'runs*' | wc -l)" -eq 2 ] || fail "--out of ${#long} bytes: files elsewhere: $(find "$T/long" -name 'runs*')"
: >"$T/afile"
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/afile" >/dev/null 2>"$T/afile.err"
[ $? -eq 2 ] && grep -q "afile: exists and is not a folder" "$T/afile.err" || fail "--out a file: $(cat "$T/afile.err")"
"$BIN" sweep "$SRC/experiments/example.sweep" --out "$T/$(printf 'x%.0s' $(seq 1 2100))" >/dev/null 2>"$T/toolong.err"
[ $? -eq 2 ] && grep -q "allowed: 1 .. 2048 bytes" "$T/toolong.err" || fail "--out too long: $(cat "$T/toolong.err")"

# --out naming a folder this process cannot write into (a read-only folder; as root, which may
# write anywhere, /proc/1 when the system refuses it there too).
mkdir -p "$T/ro" && chmod 555 "$T/ro"
ro="$T/ro"
[ -w "$ro" ] && ro=/proc/1
if [ ! -w "$ro" ]; then
    "$BIN" sweep "$SRC/experiments/example.sweep" --out "$ro" >/dev/null 2>"$T/ro.err"
    [ $? -eq 2 ] && grep -q -- "--out $ro: cannot write into this folder: " "$T/ro.err" ||
        fail "--out an unwritable folder: $(cat "$T/ro.err")"
fi
chmod 755 "$T/ro"

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_sweep_kill: $fails failed"
exit $((fails > 0))
