#!/usr/bin/env bash
# callgrind.sh: the CI budget of instructions per kernel event.
#
# Runs a small fixed scenario (the reference scenario of `kafkasim bench` with 2,000 records,
# seed 1, the per-event invariant walk off as in a sweep) under valgrind --tool=callgrind,
# counting instructions inside scenario_run only (setup, run, history, checker, trace hash; not
# process start-up or argument parsing), divides by the kernel events the run reports in its
# JSON output, and fails when that exceeds the checked-in budget by more than 10%.
# Instruction counts repeat exactly from run to run; wall time does not, which is why the
# budget is kept in instructions.
#
# Usage: bash callgrind.sh KAFKASIM_BINARY [SOURCE_DIR] [--update]
#   KAFKASIM_BINARY  a release build without profile and tuning, whose instructions do not
#                    depend on the building machine (CI: build-plain/kafkasim, configured with
#                    -DCMAKE_BUILD_TYPE=Release -DKAFKASIM_PGO=off -DKAFKASIM_TUNE_NATIVE=OFF)
#   SOURCE_DIR       the source tree (default: the directory above this script)
#   --update         write the measured figure into tests/callgrind-budget.txt instead
# Exit status: 0 within budget (or updated), 1 over budget or the run failed, 2 bad usage,
# 77 skipped because valgrind is not installed.
set -u

usage() {
  echo "usage: bash callgrind.sh KAFKASIM_BINARY [SOURCE_DIR] [--update]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
bin=$1
shift
src=$(cd "$(dirname "$0")/.." && pwd)
update=0
for arg in "$@"; do
  case $arg in
    --update) update=1 ;;
    -*) usage ;;
    *) src=$arg ;;
  esac
done
[ -x "$bin" ] || { echo "callgrind: $bin is not an executable" >&2; exit 2; }
budget_file=$src/tests/callgrind-budget.txt
scenario=$src/experiments/bench-reference.properties
[ -r "$scenario" ] || { echo "callgrind: cannot read $scenario" >&2; exit 2; }
if ! command -v valgrind >/dev/null 2>&1; then
  echo "callgrind: SKIP: valgrind is not installed"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME ARGS...: runs `kafkasim run ARGS --seed 1 --no-check --format json` under
# callgrind and sets per_event to the instructions in scenario_run per kernel event.
measure() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.out" \
    --toggle-collect=scenario_run \
    "$bin" run "$@" --seed 1 --no-check --format json >"$work/$name.json" 2>"$work/$name.err"
  local status=$?
  if [ $status -ne 0 ]; then
    echo "callgrind: $name: the run exited $status" >&2
    tail -20 "$work/$name.err" >&2
    exit 1
  fi
  # "events":N from the run's JSON; "summary: N" (or "totals:") from the callgrind profile.
  local events ir
  events=$(sed -n 's/.*"events":\([0-9][0-9]*\).*/\1/p' "$work/$name.json")
  ir=$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$work/$name.out" | head -1)
  [ -n "$ir" ] || ir=$(sed -n 's/^totals: *\([0-9][0-9]*\).*/\1/p' "$work/$name.out" | head -1)
  if [ -z "$events" ] || [ -z "$ir" ] || [ "$events" -eq 0 ] || [ "$ir" -eq 0 ]; then
    echo "callgrind: $name: no event count ($events) or instruction count ($ir)" >&2
    exit 1
  fi
  per_event=$((ir / events))
  echo "callgrind: $name: $ir instructions in scenario_run, $events events:" \
    "$per_event per event"
}

# The scenario: keep in step with the comment at the top of callgrind-budget.txt.
measure reference "$scenario" workload.records=2000
reference=$per_event

if [ $update -eq 1 ]; then
  tmp=$work/budget
  grep '^#' "$budget_file" >"$tmp" 2>/dev/null || true
  echo "reference $reference" >>"$tmp"
  cp "$tmp" "$budget_file"
  echo "callgrind: budget updated in $budget_file"
  exit 0
fi

# check NAME MEASURED: compares with the "NAME N" line of the budget file.
failed=0
check() {
  local budget limit
  budget=$(sed -n "s/^$1  *\([0-9][0-9]*\).*/\1/p" "$budget_file" 2>/dev/null)
  if [ -z "$budget" ]; then
    echo "callgrind: FAIL: no '$1 N' line in $budget_file" >&2
    failed=1
    return
  fi
  limit=$((budget + budget / 10))
  echo "callgrind: $1: measured $2, budget $budget, limit (+10%) $limit instructions per event"
  if [ "$2" -gt $limit ]; then
    echo "callgrind: FAIL: $1: $2 instructions per event is more than 10% over the budget" \
      "$budget; profile with callgrind_annotate, or raise the budget on purpose" \
      "(bash tests/callgrind.sh BINARY --update) and say why in the commit" >&2
    failed=1
  fi
}
check reference $reference
[ $failed -eq 0 ] && echo "callgrind: ok"
exit $failed
