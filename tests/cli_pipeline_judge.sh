#!/usr/bin/env bash
# cli_pipeline_judge.sh: the judge of a consume-process-produce pipeline in the outputs. Without
# consumers the pipeline fields are read by name and are 0 (`check --expect`), and no output
# carries them: JSON, CSV and text stay as they were; a sweep's plot.y takes them by name.
#
# Usage: bash cli_pipeline_judge.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_pipeline_judge
. "$(dirname "$0")/lib.sh"

fields="processed processed_twice processed_never output_duplicates output_missing rebalances reprocessed unconsumed"
small="workload.records=50 workload.rate=1000"

# ---- Without consumers: 0 by name, absent from every output ------------------------------------
all_zero=$(for f in $fields; do printf '%s == 0 && ' "$f"; done)
expect_exit 0 check $small --expect "${all_zero}records == 50" --seeds 1..2
grep -q 'holds for all 2 runs' out || fail "pipeline fields not 0 without consumers: $(head -3 out)"
expect_exit 1 check $small --expect 'rebalances > 0' --seeds 1..1 --out r.properties
expect_exit 0 run $small --format json
for f in $fields; do
  grep -q "\"$f\":" out && fail "JSON of a run without consumers has $f"
done
expect_exit 0 run $small --format csv
for f in $fields; do
  head -1 out | tr ',' '\n' | grep -qx "$f" && fail "CSV of a run without consumers has $f"
done
expect_exit 0 run $small
grep -q '^pipeline' out && fail "text of a run without consumers has a pipeline line"
grep -q '^verdict    no anomaly: no lost-write, duplicate or nonmonotonic-send$' out ||
  fail "verdict line changed: $(grep '^verdict' out)"

# A sweep without consumers plots a pipeline field by name (0 in every run).
printf 'set.workload.records = 20\naxis.acks = 1, all\nplot.x = acks\nplot.y = processed_twice\n' >p.sweep
"$bin" sweep p.sweep --out sw >sweep.out 2>&1 || fail "sweep with plot.y processed_twice: $(cat sweep.out)"
[ "$(csv_field processed_twice sw/runs.csv)" = 0 ] || fail "runs.csv processed_twice: $(head -2 sw/runs.csv)"

finish
