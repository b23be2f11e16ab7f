/*
 * test_log.c: the replica log: append and offsets, truncation (whole batches, HW and flushed
 * offset clamped, epoch cache trimmed), flushing by log.flush.interval.messages, segment rolls,
 * finding the batch at an offset, and OffsetsForLeaderEpoch answers from the leader-epoch
 * cache (KIP-101), and the transaction index (aborted transactions) cut with the log.
 */
#include <stdint.h>

#include "log.h"
#include "test.h"

static proto_batch batch(int64_t base, uint32_t records, int32_t epoch) {
    proto_batch b = {0};
    b.base_offset = base;
    b.record_count = records;
    b.partition_leader_epoch = epoch;
    b.producer_id = PROTO_NO_PRODUCER_ID;
    b.base_sequence = PROTO_NO_SEQUENCE;
    b.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    return b;
}

static void test_append_truncate(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    CHECK_EQ(log_init(&l, &opt), 0);
    for (int i = 0; i < 100; i++) {
        proto_batch b = batch(l.log_end_offset, 3, i / 40); /* epochs 0, 1, 2 */
        CHECK_EQ(log_append(&l, &b, 0), 0);
    }
    CHECK_EQ(l.count, 100);
    CHECK_EQ(l.log_end_offset, 300);
    CHECK_EQ(l.flushed_offset, 0); /* the default never flushes */
    CHECK_EQ(l.epoch_count, 3);
    CHECK_EQ(l.epochs[1].start_offset, 120);
    CHECK_EQ(l.epochs[2].start_offset, 240);
    CHECK(log_check(&l) == NULL);
    CHECK_EQ(log_batch_holding(&l, 151), 50);
    CHECK_EQ(log_batch_find(&l, 151), 51);
    l.high_watermark = 250;
    l.flushed_offset = 260;
    /* An offset inside a batch removes the whole batch. */
    CHECK_EQ(log_truncate(&l, 244), 57); /* batches 81..99 */
    CHECK_EQ(l.log_end_offset, 243);
    CHECK_EQ(l.high_watermark, 243);
    CHECK_EQ(l.flushed_offset, 243);
    CHECK_EQ(l.epoch_count, 3);
    CHECK_EQ(log_truncate(&l, 240), 3);
    CHECK_EQ(l.epoch_count, 2); /* epoch 2 started at 240: truncateFromEnd drops it */
    CHECK_EQ(log_truncate(&l, 500), 0);
    CHECK(log_check(&l) == NULL);
    CHECK_EQ(log_truncate(&l, 0), 240);
    CHECK_EQ(l.count, 0);
    CHECK_EQ(l.epoch_count, 0);
    CHECK(log_check(&l) == NULL);
    log_fini(&l);
}

static void test_flush_interval(void) {
    log_options opt = {5, 1 << 30, 100, 0, 0};
    log_replica l;
    CHECK_EQ(log_init(&l, &opt), 0);
    proto_batch b = batch(0, 2, 0);
    log_append(&l, &b, 0);
    b.base_offset = 2;
    log_append(&l, &b, 0);
    CHECK_EQ(l.flushed_offset, 0); /* 4 unflushed < 5 */
    b.base_offset = 4;
    log_append(&l, &b, 0);
    CHECK_EQ(l.flushed_offset, 6); /* 6 >= 5: flush to the end */
    opt.flush_interval_messages = 1;
    log_replica one;
    log_init(&one, &opt);
    b.base_offset = 0;
    log_append(&one, &b, 0);
    CHECK_EQ(one.flushed_offset, 2);
    log_fini(&one);
    log_fini(&l);
}

static void test_roll(void) {
    /* 10 records of 100 bytes + 61 overhead = 1061 bytes a batch; 3000-byte segments. */
    log_options opt = {INT64_MAX, 3000, 100, 0, 0};
    log_replica l;
    log_init(&l, &opt);
    proto_batch b = batch(0, 10, 0);
    CHECK(!log_roll_due(&l, &b)); /* an empty segment never rolls */
    log_append(&l, &b, 0);
    b.base_offset = 10;
    CHECK(!log_roll_due(&l, &b));
    log_append(&l, &b, 0);
    b.base_offset = 20;
    CHECK(log_roll_due(&l, &b)); /* 2122 > 3000 - 1061 */
    CHECK_EQ(log_roll(&l), 20);
    CHECK_EQ(l.flushed_offset, 20); /* the old segment is flushed */
    CHECK(!log_roll_due(&l, &b));
    log_append(&l, &b, 0);
    CHECK_EQ(l.segment_size_bytes, 1061);
    log_fini(&l);
}

static void test_epoch_end_offset(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    log_init(&l, &opt);
    int32_t ep;
    int64_t end;
    log_epoch_end_offset(&l, 0, &ep, &end);
    CHECK_EQ(ep, LOG_NO_EPOCH);
    CHECK_EQ(end, LOG_NO_OFFSET);
    /* Epochs 1 at 0, 3 at 10, 4 at 20 (a new leader assigns before appending). */
    proto_batch b = batch(0, 10, 1);
    log_append(&l, &b, 0);
    b = batch(10, 10, 3);
    log_append(&l, &b, 0);
    CHECK_EQ(log_epoch_assign(&l, 4, 20), 0);
    log_epoch_end_offset(&l, 1, &ep, &end);
    CHECK_EQ(ep, 1);
    CHECK_EQ(end, 10);
    log_epoch_end_offset(&l, 2, &ep, &end); /* unknown epoch: the largest below, its end */
    CHECK_EQ(ep, 1);
    CHECK_EQ(end, 10);
    log_epoch_end_offset(&l, 3, &ep, &end);
    CHECK_EQ(ep, 3);
    CHECK_EQ(end, 20);
    log_epoch_end_offset(&l, 4, &ep, &end); /* the latest ends at the log end */
    CHECK_EQ(ep, 4);
    CHECK_EQ(end, 20);
    log_epoch_end_offset(&l, 0, &ep, &end); /* below every known epoch */
    CHECK_EQ(ep, 0);
    CHECK_EQ(end, 0);
    log_epoch_end_offset(&l, 5, &ep, &end); /* above the latest: undefined */
    CHECK_EQ(ep, LOG_NO_EPOCH);
    CHECK_EQ(end, LOG_NO_OFFSET);
    CHECK_EQ(log_epoch_latest(&l), 4);
    /* Truncating at the end removes no record but the empty epoch at the end (truncateTo). */
    CHECK_EQ(log_truncate(&l, 20), 0);
    CHECK_EQ(log_epoch_latest(&l), 3);
    CHECK_EQ(log_epoch_assign(&l, 4, 20), 0);
    /* A non-monotonic assignment replaces the entries it contradicts. */
    CHECK_EQ(log_epoch_assign(&l, 3, 15), 0);
    CHECK_EQ(log_epoch_latest(&l), 3);
    CHECK_EQ(l.epoch_count, 2);
    CHECK(log_check(&l) == NULL);
    log_fini(&l);
}

/* log_batch_find against a plain scan, for every offset around every batch of logs of every
 * length up to 70 batches of uneven sizes (the search gallops back from the end). */
static void test_batch_find(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    CHECK_EQ(log_init(&l, &opt), 0);
    for (int n = 0; n <= 70; n++) {
        int64_t end = l.log_end_offset;
        for (int64_t offset = -1; offset <= end + 1; offset++) {
            size_t want = 0;
            while (want < l.count && l.batches[want].base_offset < offset) want++;
            CHECK_EQ(log_batch_find(&l, offset), want);
        }
        proto_batch b = batch(l.log_end_offset, (uint32_t)(1 + n % 4), 0);
        CHECK_EQ(log_append(&l, &b, 0), 0);
    }
    log_fini(&l);
}

/* The OS writes back what was dirty for vm.dirty_expire_centisecs at a flusher wakeup, every
 * vm.dirty_writeback_centisecs (Linux defaults 30 s and 5 s; kafka-semantics.md 2.8); a power
 * loss keeps that and the fsynced prefix (log_durable_offset), the rest is gone. */
static void test_writeback(void) {
    const int64_t s = 1000000000;
    log_options opt = {INT64_MAX, 1 << 30, 100, 5 * s, 30 * s};
    log_replica l;
    log_init(&l, &opt);
    for (int i = 0; i < 10; i++) { /* one batch of 2 records a second, from 1 s to 10 s */
        proto_batch b = batch(l.log_end_offset, 2, 0);
        CHECK_EQ(log_append(&l, &b, (i + 1) * s), 0);
    }
    CHECK_EQ(log_durable_offset(&l, 30 * s), 0);      /* wakeup at 30 s: cutoff 0 s */
    CHECK_EQ(log_durable_offset(&l, 34 * s), 0);      /* still the 30 s wakeup */
    CHECK_EQ(log_durable_offset(&l, 35 * s), 10);     /* 35 s: batches of 1..5 s */
    CHECK_EQ(log_durable_offset(&l, 40 * s - 1), 10);
    CHECK_EQ(log_durable_offset(&l, 40 * s), 20);     /* 40 s: all of them */
    CHECK_EQ(log_durable_offset(&l, 100 * s), 20);
    log_flush(&l); /* an fsync reaches further than the writeback */
    CHECK_EQ(log_durable_offset(&l, 31 * s), 20);
    log_truncate(&l, 0);
    for (int i = 0; i < 10; i++) {
        proto_batch b = batch(l.log_end_offset, 2, 0);
        CHECK_EQ(log_append(&l, &b, (i + 1) * s), 0);
    }
    /* A power loss 1 s after the last append loses every unflushed batch; the flusher's clock
     * restarts with the machine. */
    CHECK_EQ(log_power_loss(&l, 11 * s), 20);
    CHECK_EQ(l.log_end_offset, 0);
    CHECK_EQ(l.boot_ns, 11 * s);
    proto_batch b = batch(0, 2, 0);
    CHECK_EQ(log_append(&l, &b, 12 * s), 0);
    CHECK_EQ(log_durable_offset(&l, 45 * s), 0);      /* wakeups at 11 + 5k s: 41 s has cutoff 11 s */
    CHECK_EQ(log_durable_offset(&l, 46 * s), 2);      /* 46 s: cutoff 16 s */
    CHECK_EQ(log_power_loss(&l, 46 * s), 0);
    CHECK_EQ(l.log_end_offset, 2);
    /* vm.dirty_writeback_centisecs = 0 turns periodic writeback off. */
    l.opt.writeback_interval_ns = 0;
    b = batch(2, 2, 0);
    CHECK_EQ(log_append(&l, &b, 50 * s), 0);
    CHECK_EQ(log_durable_offset(&l, 1000 * s), 2);
    CHECK(log_check(&l) == NULL);
    log_fini(&l);
}

/* An end-transaction marker of pid at offset base. */
static proto_batch control(int64_t base, int64_t pid, bool commit) {
    proto_batch b = batch(base, 1, 0);
    b.producer_id = pid;
    b.producer_epoch = 0;
    b.flags = PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL | (commit ? PROTO_BATCH_COMMIT : 0);
    return b;
}

static void test_aborted_index(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    CHECK_EQ(log_init(&l, &opt), 0);
    /* 0..3 data of 7, 4..5 data of 8, 6 abort of 7, 7..8 data, 9 abort of 8, 10 commit. */
    proto_batch b = batch(0, 4, 0);
    b.producer_id = 7;
    CHECK_EQ(log_append(&l, &b, 0), 0);
    b = batch(4, 2, 0);
    b.producer_id = 8;
    CHECK_EQ(log_append(&l, &b, 0), 0);
    b = control(6, 7, false);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    log_aborted_txn a7 = {7, 0, 6, 4};
    CHECK_EQ(log_aborted_add(&l, &a7), 0);
    CHECK(log_check_recent(&l) == NULL);
    b = batch(7, 2, 0);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    b = control(9, 8, false);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    log_aborted_txn a8 = {8, 4, 9, 10};
    CHECK_EQ(log_aborted_add(&l, &a8), 0);
    b = control(10, 9, true);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    CHECK(log_check(&l) == NULL);
    CHECK(log_check_recent(&l) == NULL);
    /* collectAbortedTransactions: overlapping [from, upper). */
    log_aborted_txn out[4];
    CHECK_EQ(log_aborted_collect(&l, 0, 11, out, 4), 2);
    CHECK_EQ(out[0].producer_id, 7);
    CHECK_EQ(out[1].last_stable_offset, 10);
    CHECK_EQ(log_aborted_collect(&l, 7, 11, out, 4), 1); /* 7's ended at 6 */
    CHECK_EQ(out[0].producer_id, 8);
    CHECK_EQ(log_aborted_collect(&l, 0, 4, out, 4), 1);  /* 8's began at 4 */
    CHECK_EQ(out[0].producer_id, 7);
    CHECK_EQ(log_aborted_collect(&l, 0, 11, out, 1), 2); /* counted beyond max */
    /* Truncation takes the entries whose marker goes (TransactionIndex.truncateTo). */
    CHECK_EQ(log_truncate(&l, 9), 2);
    CHECK_EQ(l.aborted_count, 1);
    CHECK_EQ(log_truncate(&l, 6), 3);
    CHECK_EQ(l.aborted_count, 0);
    CHECK(log_check(&l) == NULL);
    /* An entry whose marker is not in the log is caught. */
    CHECK_EQ(log_aborted_add(&l, &a7), 0);
    CHECK(log_check(&l) != NULL);
    log_fini(&l);
}

int main(void) {
    test_aborted_index();
    test_writeback();
    test_batch_find();
    test_append_truncate();
    test_flush_interval();
    test_roll();
    test_epoch_end_offset();
    return test_result("test_log");
}
