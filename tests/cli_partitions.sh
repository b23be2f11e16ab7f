#!/usr/bin/env bash
# cli_partitions.sh: every face of a run knows a world of several partitions (issue 17): JSON's
# by_partition (one object per partition, its counts summing to the totals), the text's
# partitions line, CSV's fixed columns, --trace-partition, faults naming a partition's leader,
# `kafkasim config`'s list of names, the timeline's colours and explain's partition lines.
# A world of one partition prints none of it (cli_results, cli_lessons and cli_demo hold its
# bytes).
#
# Usage: bash cli_partitions.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_partitions
. "$(dirname "$0")/lib.sh"

world="num.brokers=3 replication.factor=3 num.partitions=12 workload.records=600 workload.rate=5000"

# ---- JSON: by_partition, its counts summing to the totals ---------------------------------
expect_exit 0 run $world acks=1 'fault.c=crash leader at 40ms for 2s' --seed 3 --format json
cp out w.json
checks=$((checks + 1))
python3 - w.json <<'PY' || fail "by_partition does not add up to the totals"
import json, sys
d = json.load(open(sys.argv[1]))
parts = d["by_partition"]
assert len(parts) == 12, len(parts)
assert [p["partition"] for p in parts] == list(range(12)), parts
assert all(p["topic"] == "orders" for p in parts)
for key in ("leader_at_end", "records", "acked", "duplicates", "reordered", "lost_acked"):
    assert all(key in p for p in parts), key
assert sum(p["records"] for p in parts) == d["committed"]
for key in ("duplicates", "reordered", "lost_acked"):
    assert sum(p[key] for p in parts) == d[key], key
assert all(p["leader_at_end"] is None or 1 <= p["leader_at_end"] <= 3 for p in parts)
PY

# ---- Text and CSV ---------------------------------------------------------------------------
expect_exit 0 run $world --seed 3
checks=$((checks + 1))
grep -q '^partitions 12, ' out || fail "the text names no partitions line: $(head -3 out)"
expect_exit 0 run workload.records=50 --seed 3
checks=$((checks + 1))
grep -q '^partitions' out && fail "a world of one partition prints a partitions line"
expect_exit 0 run $world --seed 3 --format csv
head -1 out >many.csv
expect_exit 0 run workload.records=50 --seed 3 --format csv
checks=$((checks + 1))
[ "$(head -1 out)" = "$(cat many.csv)" ] || fail "CSV columns differ with 12 partitions"

# ---- Trace filters --------------------------------------------------------------------------
expect_exit 0 run $world --seed 3 --trace=p7.txt --trace-partition orders-7
checks=$((checks + 1))
[ -s p7.txt ] || fail "--trace-partition orders-7 kept nothing"
checks=$((checks + 1))
[ "$(grep -vc 'partition=orders-7' p7.txt)" -eq 0 ] || fail "--trace-partition orders-7 kept lines of other partitions: $(grep -v 'partition=orders-7' p7.txt | head -2)"
expect_exit 2 run $world --trace --trace-partition orders-12
checks=$((checks + 1))
grep -q "no partition 'orders-12': the topics are orders (partitions 0 .. 11)" err || fail "--trace-partition orders-12: $(cat err)"

# ---- Faults naming a partition's leader ---------------------------------------------------
# orders-4's leader in the fault-free run (placement puts it there and nothing moves it).
expect_exit 0 run $world --seed 3 --format json
cp out w0.json
expect_exit 0 run $world 'fault.c=crash leader of orders-4 at 20ms for 1s' --seed 3 --format json --trace=f.txt
checks=$((checks + 1))
grep -q '"faults":{"configured":1,"fired":1}' out || fail "crash leader of orders-4 did not fire"
checks=$((checks + 1))
leader4=broker-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["by_partition"][4]["leader_at_end"])' w0.json)
grep -q "^20.000ms $leader4 crash" f.txt || fail "the crash at 20 ms is not of orders-4's leader ($leader4)"
expect_exit 2 run $world 'fault.c=crash leader of orders-12 at 20ms'
checks=$((checks + 1))
grep -q 'leader of orders-12: no such partition: the topics are orders (partitions 0 .. 11)' err || fail "leader of orders-12: $(cat err)"

# ---- config ---------------------------------------------------------------------------------
expect_exit 0 config $world
checks=$((checks + 1))
grep -q '^partitions  orders-0 .. orders-11 ' out || fail "config lists no partitions: $(tail -2 out)"

# ---- The timeline ---------------------------------------------------------------------------
expect_exit 0 run num.brokers=3 replication.factor=3 num.partitions=3 workload.records=100 --seed 3 --plot t.svg
checks=$((checks + 1))
grep -q 'lc rgb variable' t.gp && grep -q "title 'orders-2'" t.gp || fail "the timeline does not colour partitions"

finish
