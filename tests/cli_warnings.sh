#!/usr/bin/env bash
# cli_warnings.sh: a run whose faults never fire, or that names a direction no message
# travels, says so in every format: a "warning" line in text, a "warnings" list in JSON, a
# warnings column in CSV; a run whose faults fire carries no warning; a sweep names the faults
# that fired in no run of a cell.
#
# Usage: bash cli_warnings.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_warnings
. "$(dirname "$0")/lib.sh"

# has FILE PATTERN WHAT / lacks FILE PATTERN WHAT: grep -E on the output.
has() {
  checks=$((checks + 1))
  grep -Eq -- "$2" "$1" || { fail "$3: no match for '$2'"; sed 's/^/  /' "$1" | head -20 >&2; }
}
lacks() {
  checks=$((checks + 1))
  ! grep -Eq -- "$2" "$1" || { fail "$3: unexpected '$2'"; grep -E -- "$2" "$1" | head -5 >&2; }
}

small="workload.records=200 workload.rate=2000"
late="fault.late=crash leader on leader.append n=1000 for 30s"
idle="fault.idle=drop responses producer -> leader p=0.5"
fires="fault.cut=crash leader on leader.append n=2 for 1s"

# ---- text ------------------------------------------------------------------------------------
expect_exit 0 run $small "$late" "$idle" "$fires" --seed 3
cp out text
has text '^warning +fault\.late \(crash leader on leader\.append n=1000 for 30s\) never fired: fewer than 1000 leader\.append steps' "text, a step crash that never fired"
has text '^warning +fault\.idle \(drop responses producer -> leader p=0\.5\) can never fire: the producer sends no responses' "text, a direction without responses"
lacks text '^warning +fault\.cut' "text, a fault that fired"
[ "$(grep -c '^warning' text)" = 2 ] || fail "text: expected 2 warning lines, got $(grep -c '^warning' text)"

# ---- json ------------------------------------------------------------------------------------
expect_exit 0 run $small "$late" "$idle" "$fires" --seed 3 --format json
checks=$((checks + 1))
python3 - out <<'PY' || fail "json: the warnings list"
import json, sys
d = json.load(open(sys.argv[1]))
w = d["warnings"]
assert len(w) == 2, w
assert w[0].startswith("fault.late (") and "never fired" in w[0], w
assert w[1].startswith("fault.idle (") and "the producer sends no responses" in w[1], w
PY
expect_exit 0 run $small "$fires" --seed 3 --format json
checks=$((checks + 1))
grep -q '"warnings":\[\]}$' out || fail "json: a run whose faults fired has an empty warnings list"

# ---- csv -------------------------------------------------------------------------------------
expect_exit 0 run $small "$late" "$idle" "$fires" --seed 3 --format csv
checks=$((checks + 1))
python3 - out <<'PY' || fail "csv: the warnings column"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 1, rows
w = rows[0]["warnings"].split(" | ")
assert len(w) == 2 and "fault.late" in w[0] and "fault.idle" in w[1], w
PY

# ---- directions no message travels -----------------------------------------------------------
for rule in "drop requests leader -> producer p=1" "delay responses follower -> leader by 5ms" \
            "drop requests producer -> controller p=1" "drop responses broker-2 -> controller p=1" \
            "drop requests leader -> follower p=1"; do
  expect_exit 0 run $small "fault.x=$rule" --seed 1 --format json
  checks=$((checks + 1))
  grep -q '"warnings":\["fault.x (.*) can never fire: ' out || fail "'$rule' is not flagged"
done
for rule in "drop requests producer -> leader p=0.01" "drop responses leader -> follower p=0.01" \
            "drop requests follower -> leader p=0.01" "drop responses controller -> broker-1 p=0.5"; do
  expect_exit 0 run $small "fault.x=$rule" --seed 1 --format json
  checks=$((checks + 1))
  grep -q 'can never fire' out && fail "'$rule' carries messages but is flagged"
done

# ---- sweeps ----------------------------------------------------------------------------------
cat >spec.sweep <<SPEC
set.workload.records = 200
set.workload.rate = 2000
set.fault.idle = drop responses producer -> leader p=0.5
axis.acks = 1, all
seeds = 1..2
SPEC
expect_exit 0 sweep spec.sweep --out sw --jobs 1
has err 'fault\.idle .*fired in no run' "sweep, a fault that fired in no run"
has err 'the producer sends no responses' "sweep, the reason"
cat >spec2.sweep <<SPEC
set.workload.records = 200
set.workload.rate = 2000
set.fault.cut = crash leader on leader.append n=2 for 1s
axis.acks = 1, all
seeds = 1..2
SPEC
expect_exit 0 sweep spec2.sweep --out sw2 --jobs 1
lacks err 'fired in no run' "sweep whose faults fire"

finish
