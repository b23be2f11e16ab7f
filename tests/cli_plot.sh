#!/usr/bin/env bash
# cli_plot.sh: the timeline picture of `kafkasim run --plot`, checked on the gnuplot script it
# writes (deterministic text, no pixels): what each lesson is about is marked and labelled,
# faults go by their key, lost messages end before their receiver's lane and are drawn on top,
# waits before a retry are bracketed, clutter is hidden unless --plot-detail asks for it.
# Usage: bash cli_plot.sh KAFKASIM_BINARY SOURCE_DIR
test_name=cli_plot
. "$(dirname "$0")/lib.sh"
lessons=$src/docs/lessons

# draw NAME SEED [ARGS...]: the lesson's picture into NAME.png/.gp here (gnuplot may be absent:
# the script is written either way).
draw() {
    local name=$1 seed=$2
    shift 2
    checks=$((checks + 1))
    "$bin" run "$lessons/$name.properties" --seed "$seed" --plot "$PWD/$name.png" "$@" \
        >/dev/null 2>"$name.err" || fail "$name: exit $?: $(cat "$name.err")"
    [ -s "$name.gp" ] || fail "$name: no gnuplot script"
}
# block NAME GP: the lines of data block $NAME of script GP.
block() { sed -n "/^\\\$$1 << EOD\$/,/^EOD\$/p" "$2" | sed '1d;$d'; }
has() { # GP BLOCK REGEX WHAT
    checks=$((checks + 1))
    block "$2" "$1" | grep -q -- "$3" || fail "$4 (no line /$3/ in \$$2 of $(basename "$1"))"
}

# Lesson 8: the producer restart, its new producer id, and the failed callbacks it caused.
draw 08-producer-restart 1
gp=08-producer-restart.gp
has $gp restart '^80\.000000 4\.000 "restart (fault\.restart)"' "lesson 8: the producer restart by its key"
has $gp producer '"new producer id [0-9]* epoch 0"' "lesson 8: the new producer id is labelled"
has $gp failed '"failed r11-13 PRODUCER_CLOSED"' "lesson 8: one label for the three failed callbacks"
has $gp fault '"fault\.drop"' "lesson 8: the drop fault by its key"
block fault $gp | grep -q '"fault [0-9]' && fail "a fault named by its index"
# Lost answers (leader -> producer) cross just below the producer's lane (4), not midway.
has $gp lostmark '^[0-9.]* 3\.850 "lost answer @11"' "lesson 8: the lost answer before the producer's lane"

# Lesson 5: the ISR shrinks to the leader alone, then grows back.
draw 05-min-isr 1
has 05-min-isr.gp isrshrink '"ISR shrinks to {1}"' "lesson 5: the ISR shrink is marked"
has 05-min-isr.gp isrexpand '"ISR expands to {1,2' "lesson 5: the ISR expansion is marked"
has 05-min-isr.gp errresponse '.' "lesson 5: the NOT_ENOUGH_REPLICAS answers are drawn"

# Lesson 6: the unclean election, and 22 anomalous acks under one label.
draw 06-unclean 1 --window 0ms..300ms
has 06-unclean.gp unclean '"UNCLEAN leader e2"' "lesson 6: the unclean election"
has 06-unclean.gp isrshrink '"ISR shrinks to {1}"' "lesson 6: the ISR shrink"
has 06-unclean.gp acked '"acked r2-27 (26 callbacks)"' "lesson 6: a run of callbacks prints once"
[ "$(block acked 06-unclean.gp | grep -vc '""')" -le 2 ] ||
    fail "lesson 6: the callbacks of the run repeat their labels"

# Lesson 3: the lost answer inside the first burst is labelled and drawn on top of the burst.
draw 03-idempotence 2 --window 0ms..900ms
gp=03-idempotence.gp
has $gp lostmark '"lost answer @18"' "lesson 3: the lost answer is labelled"
has $gp lostmark '^[0-9.]* 1\.150 "lost request r18"' "lesson 3: a lost request crosses just above broker-1's lane"
order=$(grep -o '\$\(produce\|response\|lost\) using' $gp | tr '\n' ' ')
case $order in
*'$lost using'*) [ "${order##*\$lost using}" = " " ] || fail "lost messages are not drawn last: $order" ;;
*) fail "lesson 3: no lost messages drawn" ;;
esac
has $gp backoff '"waits to retry' "lesson 3: the wait before the retries is bracketed"

# Clutter: empty fetches, heartbeats and the followers' high-watermark labels are hidden by
# default and drawn with --plot-detail.
draw 05-min-isr 1 --plot-detail
mv 05-min-isr.gp detail.gp
draw 05-min-isr 1
fetch=$(block fetch 05-min-isr.gp | wc -l)
fetch_detail=$(block fetch detail.gp | wc -l)
other=$(block other 05-min-isr.gp | wc -l)
other_detail=$(block other detail.gp | wc -l)
[ "$fetch_detail" -gt $((fetch * 2)) ] || fail "empty fetches hidden: $fetch drawn, $fetch_detail with detail"
[ "$other_detail" -gt $((other * 2)) ] || fail "heartbeats hidden: $other drawn, $other_detail with detail"
grep -q 'heartbeats hidden: --plot-detail shows them' 05-min-isr.gp || fail "the title says what is hidden"
grep -q 'heartbeats hidden' detail.gp && fail "--plot-detail: the title still says hidden"
follower_hw=$(block hw 05-min-isr.gp | awk '$2 != "1.000" && $3 != "\"\""' | wc -l)
follower_hw_detail=$(block hw detail.gp | awk '$2 != "1.000" && $3 != "\"\""' | wc -l)
[ "$follower_hw" -eq 0 ] || fail "followers' hw labels shown by default: $follower_hw"
[ "$follower_hw_detail" -gt 0 ] || fail "--plot-detail: followers' hw labels"
grep -q -- '--plot-detail' <("$bin" run --help) || fail "run --help documents --plot-detail"

# The legend sits under the picture, not beside it.
grep -q '^set key at screen 0.5, screen [0-9.]* center top' 05-min-isr.gp || fail "the legend is not under the picture"

# The same run draws the same script.
cp 05-min-isr.gp first.gp
draw 05-min-isr 1
cmp -s first.gp 05-min-isr.gp || fail "two renders of one run differ"

# Transactions: their requests, the markers and the last stable offset on the leaders' lanes,
# the commits on the producer's, the coordinator's decisions on its broker's; the internal
# partitions' appends are left out, and a run without transactions has none of these blocks.
checks=$((checks + 1))
"$bin" run transactional.id=app workload.records=300 isolation.level=read_committed \
    'fault.c=crash coordinator at 200ms for 5s' --plot "$PWD/txn.png" >/dev/null 2>&1 ||
    fail "transactional run with --plot"
for block in txn txnend marker lso coordinator; do
    checks=$((checks + 1))
    grep -q "^\$$block << EOD" txn.gp || fail "a transactional picture has no \$$block block"
done
checks=$((checks + 1))
grep -q '"COMMIT @[0-9]*"' txn.gp && grep -q '"PrepareCommit pid' txn.gp &&
    grep -q '"commit txn 1"' txn.gp || fail "marker, coordinator or commit labels: $(grep -c COMMIT txn.gp)"
checks=$((checks + 1))
[ "$(grep -c '^\$[a-z]* << EOD' txn.gp)" = "$(grep '^\$[a-z]* << EOD' txn.gp | sort -u | wc -l)" ] ||
    fail "two data blocks of one name"
checks=$((checks + 1))
grep -q '__transaction_state' txn.gp && fail "the picture names an internal partition"
grep -q '^\$marker << EOD' 05-min-isr.gp && fail "a run without transactions has a marker block"

# Lesson 12, a pipeline: the output topic's partitions are drawn as partitions (their leader
# appends labelled output-<p>), consumers' fetches apart from the followers', a rebalance, the
# instances' commits and polls; the follower fetches stay grey.
draw 12-reprocessing 1
gp=12-reprocessing.gp
has $gp append '"output-[01] r[0-9]* @[0-9]*"' "lesson 12: the output topic's appends"
has $gp append '"orders-[01] r[0-9]* @[0-9]*"' "lesson 12: the input topic's appends"
has $gp cfetch '^[0-9.]* [0-9.]* ' "lesson 12: consumer fetches that carry records"
has $gp rebalance 'PreparingRebalance' "lesson 12: the rebalance"
has $gp commit 'commit (auto) orders-' "lesson 12: the auto commits"
checks=$((checks + 1))
grep -q "title 'Fetch (consumer)'" $gp || fail "lesson 12: no legend entry for consumer fetches"
# The story of the lesson reads off the picture: orders-1 committed at 12 on the coordinator
# (broker-1), consumer-1 (lane 5) crashed, its next incarnation resumes orders-1 at 12; both
# labels found room.
has $gp committed '^2031\.000000 1\.000 "committed orders-1 = 12"' "lesson 12: the committed offset"
has $gp position '^8038\.000000 5\.000 "resumes orders-1 @12 (committed)"' \
    "lesson 12: where the next owner resumes"
has $gp crash '^3500\.000000 5\.000 "crash"' "lesson 12: consumer-1's crash"
checks=$((checks + 1))
[ "$(block committed $gp | grep -c '"committed orders-0 = 19"')" = 1 ] ||
    fail "lesson 12: a commit of the same offset again is marked again"
# Every legend entry is inside the picture: two columns, 15 px a row beyond the 8 rows the
# bottom margin holds, and 10 px under the last.
checks=$((checks + 1))
entries=$(grep -o " title '[^']*'" $gp | wc -l)
height=$(sed -n 's/^set terminal pngcairo size 1500,\([0-9]*\) .*/\1/p' $gp)
rows=$(( (entries + 1) / 2 ))
want=$(( 300 + 110 * 7 + (rows > 8 ? (rows - 8) * 15 + 10 : 0) ))
[ "$height" = "$want" ] && grep -q 'horizontal maxcols 2 ' $gp ||
    fail "lesson 12: $entries legend entries in a picture $height high (want $want, two columns)"
checks=$((checks + 1))
grep -q '^\$\(committed\|position\) << EOD' 05-min-isr.gp &&
    fail "a run without consumers has committed offsets or positions"
checks=$((checks + 1))
grep -q "Fetch (consumer)" 05-min-isr.gp && fail "a run without consumers has a consumer fetch entry"

if command -v gnuplot >/dev/null; then
    head -c 4 05-min-isr.png | grep -q PNG || fail "the picture was not drawn"
fi
echo "$test_name: $checks checks, $failures failed"
exit $((failures > 0))
