#!/usr/bin/env bash
# cli_client.sh: the producer client by kafka.version, end to end, and the keys of Kafka's own
# properties files. Delivery timeouts of the idempotent client: a late error for a batch that
# delivery.timeout.ms already expired bumps the epoch up to 3.5 and not from 3.6
# (Sender.failBatch, KAFKA-14884).
#
# Usage: bash cli_client.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_client
. "$(dirname "$0")/lib.sh"

# csv_field NAME: the value of column NAME of the csv row in out.
csv_field() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR == 2 { print $col }' out
}

# ---- 16.3: delivery timeouts, then late errors ----------------------------------------------
# The producer cannot reach the leader for 40 s: every batch expires at 30 s while its request
# is in flight, and the request's own timeout fails it again just after (a late error).
expiry="workload.records=2000 workload.rate=1000 delivery.timeout.ms=30000"
expiry_fault="fault.a=partition producer leader at 500ms for 40s"
expect_exit 0 run kafka.version=3.5 $expiry "$expiry_fault" --format csv
bumps_35=$(csv_field epoch_bumps)
expect_exit 0 run kafka.version=3.9 $expiry "$expiry_fault" --format csv
bumps_39=$(csv_field epoch_bumps)
checks=$((checks + 1))
[ "${bumps_35:-0}" -gt "${bumps_39:-0}" ] ||
  fail "late errors after expiry: 3.5 bumped $bumps_35 times, 3.9 $bumps_39 (3.5 must bump more)"

finish
