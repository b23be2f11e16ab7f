#!/usr/bin/env bash
# cli_sweep_shards.sh: experiments/example.sweep as 4 shards run through GNU parallel, joined
# with --merge: runs.csv and cells.csv equal the single-process ones byte for byte.
# Usage: bash cli_sweep_shards.sh KAFKASIM_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
SPEC=$SRC/experiments/example.sweep
T=$(mktemp -d /tmp/kafkasim-cli-shards-XXXXXX)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$BIN" sweep "$SPEC" --out "$T/single" --jobs 2 >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "single sweep exit status $rc"

# The shards share one folder: each writes its own runs.I-of-4.journal.
if command -v parallel >/dev/null; then
    parallel --will-cite -j 4 "$BIN" sweep "$SPEC" --shard {}/4 --jobs 1 --out "$T/shards" \
        ::: 1 2 3 4 >/dev/null 2>"$T/parallel.err"
    rc=$?
else
    echo "cli_sweep_shards: GNU parallel not found; shards run as background jobs" >&2
    for i in 1 2 3 4; do
        "$BIN" sweep "$SPEC" --shard $i/4 --jobs 1 --out "$T/shards" >/dev/null 2>&1 &
    done
    rc=0
    wait || rc=$?
fi
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "shards exit status $rc: $(cat "$T/parallel.err" 2>/dev/null)"
[ "$(ls "$T/shards"/runs.*-of-4.journal | wc -l)" -eq 4 ] || fail "four shard journals"
[ ! -e "$T/shards/runs.csv" ] || fail "a shard writes no runs.csv"

# Merging three shards of four is refused; all four give the single-process bytes.
"$BIN" sweep --merge "$T/partial" "$T/shards/runs.1-of-4.journal" "$T/shards/runs.2-of-4.journal" \
    "$T/shards/runs.3-of-4.journal" >/dev/null 2>"$T/partial.err"
[ $? -eq 2 ] && grep -q 'in no journal' "$T/partial.err" || fail "merge of 3 of 4 shards"
"$BIN" sweep --merge "$T/merged" "$T/shards" >/dev/null 2>"$T/merge.err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "merge exit status $rc: $(cat "$T/merge.err")"
cmp "$T/single/runs.csv" "$T/merged/runs.csv" || fail "merged runs.csv differs"
cmp "$T/single/cells.csv" "$T/merged/cells.csv" || fail "merged cells.csv differs"

# A journal of another spec does not merge.
sed 's/^seeds = 1..3/seeds = 1..2/' "$SPEC" >"$T/other.sweep"
"$BIN" sweep "$T/other.sweep" --shard 1/4 --out "$T/other" >/dev/null 2>&1
"$BIN" sweep --merge "$T/mixed" --spec "$SPEC" "$T/shards" "$T/other" >/dev/null 2>"$T/mixed.err"
[ $? -eq 2 ] && grep -q 'another spec' "$T/mixed.err" || fail "merge across specs"

[ $fails -eq 0 ] && rm -rf "$T"
echo "cli_sweep_shards: $fails failed"
exit $((fails > 0))
