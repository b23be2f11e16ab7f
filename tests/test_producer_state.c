/*
 * test_producer_state.c: the broker-side producer state, row by row of the outcome table
 * (kafka-semantics.md 1.3) with its version switches, the 5-batch window, epoch changes,
 * snapshots holding one batch per producer, rebuild by snapshot + replay, and expiry.
 */
#include <stdint.h>

#include "producer_state.h"
#include "test.h"

#define PID 1000001

static proto_batch pb(int64_t pid, int16_t epoch, int32_t seq, uint32_t records) {
    proto_batch b = {0};
    b.base_offset = -1;
    b.producer_id = pid;
    b.producer_epoch = epoch;
    b.base_sequence = seq;
    b.record_count = records;
    return b;
}

/* Validates and, when accepted, appends at *leo like a leader does. */
static pstate_verdict offer(pstate *ps, proto_batch b, int64_t *leo) {
    pstate_verdict v = pstate_validate(ps, &b);
    if (v.error == ERR_NONE && !v.duplicate) {
        b.base_offset = *leo;
        *leo += b.record_count;
        CHECK_EQ(pstate_update(ps, &b), 0);
    }
    return v;
}

static void test_current_table(void) {
    pstate ps;
    CHECK_EQ(pstate_init(&ps, 30700), 0);
    int64_t leo = 0;
    /* Unknown producer (2.5+): any sequence is accepted. */
    CHECK_EQ(offer(&ps, pb(PID, 0, 7, 2), &leo).error, ERR_NONE);
    CHECK_EQ(leo, 2);
    /* In sequence: 9 follows 7..8. */
    CHECK_EQ(offer(&ps, pb(PID, 0, 9, 2), &leo).error, ERR_NONE);
    /* Exact duplicate of a cached range: success with the original offsets. */
    pstate_verdict v = offer(&ps, pb(PID, 0, 7, 2), &leo);
    CHECK(v.duplicate);
    CHECK_EQ(v.first_offset, 0);
    CHECK_EQ(v.last_offset, 1);
    CHECK_EQ(leo, 4);
    /* Overlap that matches no cached range, and a gap: OOSN. */
    CHECK_EQ(offer(&ps, pb(PID, 0, 8, 2), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ(offer(&ps, pb(PID, 0, 12, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* Older epoch: INVALID_PRODUCER_EPOCH, even for a range that is cached. */
    CHECK_EQ(offer(&ps, pb(PID, 0, 11, 1), &leo).error, ERR_NONE);
    ps.entries[0].producer_epoch = 3; /* pretend the producer moved on to epoch 3 */
    ps.entries[0].batch_count = 0;
    CHECK_EQ(offer(&ps, pb(PID, 2, 12, 1), &leo).error, ERR_INVALID_PRODUCER_EPOCH);
    /* Newer epoch: only sequence 0 is accepted; it clears the cache. */
    CHECK_EQ(offer(&ps, pb(PID, 4, 5, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ(offer(&ps, pb(PID, 4, 0, 1), &leo).error, ERR_NONE);
    const pstate_entry *e = pstate_entry_find(&ps, PID);
    CHECK(e != NULL);
    CHECK_EQ(e->producer_epoch, 4);
    CHECK_EQ(e->batch_count, 1);
    /* No producer id: never checked. */
    CHECK_EQ(offer(&ps, pb(PROTO_NO_PRODUCER_ID, -1, -1, 1), &leo).error, ERR_NONE);
    CHECK(pstate_check(&ps) == NULL);
    pstate_fini(&ps);
}

static void test_window(void) {
    pstate ps;
    pstate_init(&ps, 30700);
    int64_t leo = 0;
    for (int i = 0; i < 6; i++) CHECK_EQ(offer(&ps, pb(PID, 0, i, 1), &leo).error, ERR_NONE);
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 5);
    /* Batches 1..5 are cached: duplicates. Batch 0 fell out of the window: OOSN since 1.1. */
    for (int i = 1; i < 6; i++) {
        pstate_verdict v = offer(&ps, pb(PID, 0, i, 1), &leo);
        CHECK(v.duplicate);
        CHECK_EQ(v.first_offset, i);
    }
    CHECK_EQ(offer(&ps, pb(PID, 0, 0, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    pstate_fini(&ps);

    /* 1.0.x: the same batch is DUPLICATE_SEQUENCE_NUMBER (KIP-192). */
    pstate_init(&ps, 10001);
    leo = 0;
    for (int i = 0; i < 6; i++) offer(&ps, pb(PID, 0, i, 1), &leo);
    CHECK_EQ(offer(&ps, pb(PID, 0, 0, 1), &leo).error, ERR_DUPLICATE_SEQUENCE_NUMBER);
    CHECK_EQ(offer(&ps, pb(PID, 0, 9, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    pstate_fini(&ps);

    /* 0.11 keeps one batch: the one before the last is no longer a duplicate. */
    pstate_init(&ps, 1102);
    leo = 0;
    offer(&ps, pb(PID, 0, 0, 1), &leo);
    offer(&ps, pb(PID, 0, 1, 1), &leo);
    CHECK(offer(&ps, pb(PID, 0, 1, 1), &leo).duplicate);
    CHECK_EQ(offer(&ps, pb(PID, 0, 0, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    pstate_fini(&ps);
}

static void test_unknown_producer_versions(void) {
    static const struct {
        int version;
        int16_t error;
    } rows[] = {
        {1102, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER}, /* 0.11 */
        {10000, ERR_UNKNOWN_PRODUCER_ID},         /* 1.0 */
        {20400, ERR_UNKNOWN_PRODUCER_ID},         /* 2.4 */
        {20500, ERR_NONE},                        /* 2.5: KAFKA-8710 */
        {30700, ERR_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pstate ps;
        pstate_init(&ps, rows[i].version);
        int64_t leo = 0;
        CHECK_EQ(offer(&ps, pb(PID, 0, 5, 1), &leo).error, rows[i].error);
        CHECK_EQ(offer(&ps, pb(PID + 1, 0, 0, 1), &leo).error, ERR_NONE); /* seq 0 always */
        pstate_fini(&ps);
    }
    /* 2.1-2.4: a known epoch with no sequence is UNKNOWN_PRODUCER_ID (KAFKA-7298); 2.5+ and
     * 2.0 answer OOSN. */
    static const struct {
        int version;
        int16_t error;
    } rows2[] = {{20000, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER},
                 {20100, ERR_UNKNOWN_PRODUCER_ID},
                 {20500, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER}};
    for (size_t i = 0; i < sizeof rows2 / sizeof rows2[0]; i++) {
        pstate ps;
        pstate_init(&ps, rows2[i].version);
        int64_t leo = 0;
        offer(&ps, pb(PID, 0, 0, 1), &leo);
        ps.entries[0].batch_count = 0; /* epoch known, sequence unknown (e.g. a txn marker) */
        CHECK_EQ(offer(&ps, pb(PID, 0, 3, 1), &leo).error, rows2[i].error);
        pstate_fini(&ps);
    }
}

static void test_snapshot_rebuild(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    log_init(&l, &opt);
    pstate ps;
    pstate_init(&ps, 30700);
    /* Ten batches of producer A, then a snapshot at 10, then four more of A and two of B. */
    for (int i = 0; i < 16; i++) {
        int64_t pid = i < 14 ? PID : PID + 1;
        proto_batch b = pb(pid, 0, i < 14 ? i : i - 14, 1);
        b.base_offset = l.log_end_offset;
        b.max_timestamp_ns = i;
        log_append(&l, &b, 0);
        pstate_update(&ps, &b);
        if (i == 9) CHECK_EQ(pstate_snapshot_take(&ps, 10), 0);
    }
    CHECK_EQ(ps.snapshot_count, 1);
    CHECK_EQ(ps.snapshots[0].entry_count, 1);
    CHECK_EQ(ps.snapshot_entries[0].batch_count, 1); /* one batch per producer */
    CHECK_EQ(pstate_entry_batch(&ps.snapshot_entries[0], 0).last_sequence, 9);
    /* A crash: memory gone, rebuild to the log end = snapshot (1 batch) + replay of 4. */
    pstate_clear(&ps);
    CHECK_EQ(pstate_rebuild(&ps, &l, l.log_end_offset, 100, 1000), 0);
    CHECK_EQ(ps.count, 2);
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 5); /* 9 from snapshot + 10..13 */
    CHECK_EQ(pstate_entry_find(&ps, PID + 1)->batch_count, 2);
    /* Rebuilding to 12 (a truncation) deletes the end snapshot, keeps the one at 10. */
    CHECK_EQ(pstate_rebuild(&ps, &l, 12, 100, 1000), 0);
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 3); /* 9, 10, 11 */
    CHECK(pstate_entry_find(&ps, PID + 1) == NULL);
    /* The rebuild leaves a snapshot at its end: a second crash keeps only one batch. */
    CHECK_EQ(ps.snapshots[ps.snapshot_count - 1].offset, 12);
    pstate_clear(&ps);
    CHECK_EQ(pstate_rebuild(&ps, &l, 12, 100, 1000), 0);
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 1);
    /* So a retry of batch 10 is no longer a duplicate: OOSN (S12). */
    proto_batch retry = pb(PID, 0, 10, 1);
    CHECK_EQ(pstate_validate(&ps, &retry).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* Without any snapshot the replay starts at the log start. */
    pstate fresh;
    pstate_init(&fresh, 30700);
    CHECK_EQ(pstate_rebuild(&fresh, &l, 16, 100, 1000), 0);
    CHECK_EQ(pstate_entry_find(&fresh, PID)->batch_count, 5);
    /* Expired producers are not loaded from a snapshot. */
    pstate_clear(&fresh);
    CHECK_EQ(pstate_rebuild(&fresh, &l, 16, 5000, 1000), 0);
    CHECK_EQ(fresh.count, 0);
    CHECK(pstate_check(&ps) == NULL);
    pstate_fini(&fresh);
    pstate_fini(&ps);
    log_fini(&l);
}

/* A restart, clean or unclean, loads a snapshot at the log end: one batch per producer id,
 * however far back the last roll's snapshot is (LogLoader.recoverSegment calls takeSnapshot()
 * at the end of the recovered active segment; UnifiedLog.close takes one at the log end). */
static void test_recover(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    log_init(&l, &opt);
    pstate ps;
    pstate_init(&ps, 30700);
    for (int i = 0; i < 8; i++) {
        proto_batch b = pb(PID, 0, i, 1);
        b.base_offset = l.log_end_offset;
        b.max_timestamp_ns = i;
        log_append(&l, &b, 0);
        pstate_update(&ps, &b);
        if (i == 1) CHECK_EQ(pstate_snapshot_take(&ps, 2), 0); /* a roll at offset 2 */
    }
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 5);
    pstate_clear(&ps); /* the process dies */
    CHECK_EQ(pstate_recover(&ps, &l, 100, 1000), 0);
    const pstate_entry *e = pstate_entry_find(&ps, PID);
    CHECK(e != NULL);
    if (e) CHECK_EQ(e->batch_count, 1);
    if (e) CHECK_EQ(pstate_entry_batch(e, 0).last_sequence, 7);
    CHECK_EQ(ps.snapshots[ps.snapshot_count - 1].offset, 8);
    /* The last batch is still a duplicate; the one before it now gets OOSN (S12). */
    proto_batch last = pb(PID, 0, 7, 1), before = pb(PID, 0, 6, 1);
    CHECK(pstate_validate(&ps, &last).duplicate);
    CHECK_EQ(pstate_validate(&ps, &before).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* A clean shutdown: UnifiedLog.close takes a snapshot at the log end, and the restart
     * (hadCleanShutdown: no segment is recovered) loads it in rebuildProducerState with
     * nothing to replay: one batch again. */
    for (int i = 8; i < 12; i++) {
        proto_batch b = pb(PID, 0, i, 1);
        b.base_offset = l.log_end_offset;
        b.max_timestamp_ns = i;
        log_append(&l, &b, 0);
        pstate_update(&ps, &b);
    }
    CHECK_EQ(pstate_entry_find(&ps, PID)->batch_count, 5);
    CHECK_EQ(pstate_snapshot_take(&ps, l.log_end_offset), 0); /* close() */
    pstate_clear(&ps);
    CHECK_EQ(pstate_rebuild(&ps, &l, l.log_end_offset, 100, 1000), 0);
    e = pstate_entry_find(&ps, PID);
    CHECK(e != NULL);
    if (e) CHECK_EQ(e->batch_count, 1);
    if (e) CHECK_EQ(pstate_entry_batch(e, 0).last_sequence, 11);
    /* A follower's truncation below the recovery snapshot still replays from the roll's. */
    CHECK_EQ(pstate_rebuild(&ps, &l, 6, 100, 1000), 0);
    e = pstate_entry_find(&ps, PID);
    if (e) CHECK_EQ(e->batch_count, 5); /* 1 from the snapshot at 2, then 2..5 */
    CHECK(pstate_check(&ps) == NULL);
    pstate_fini(&ps);
    log_fini(&l);
}

static void test_expire(void) {
    pstate ps;
    pstate_init(&ps, 30700);
    proto_batch a = pb(PID, 0, 0, 1), b = pb(PID + 1, 0, 0, 1);
    a.base_offset = 0;
    a.max_timestamp_ns = 100;
    b.base_offset = 1;
    b.max_timestamp_ns = 900;
    pstate_update(&ps, &a);
    pstate_update(&ps, &b);
    CHECK_EQ(pstate_expire(&ps, 1099, 1000), 0);
    CHECK_EQ(pstate_expire(&ps, 1100, 1000), 1); /* now - last >= expiration */
    CHECK(pstate_entry_find(&ps, PID) == NULL);
    CHECK(pstate_entry_find(&ps, PID + 1) != NULL);
    /* The expired producer is unknown again: any sequence (2.5+). */
    proto_batch late = pb(PID, 0, 1, 1);
    CHECK_EQ(pstate_validate(&ps, &late).error, ERR_NONE);
    pstate_fini(&ps);
}

/* ---- Transactions ------------------------------------------------------------------------- */

static proto_batch tb(int64_t pid, int16_t epoch, int32_t seq, uint32_t records) {
    proto_batch b = pb(pid, epoch, seq, records);
    b.flags = PROTO_BATCH_TRANSACTIONAL;
    return b;
}

/* An end-transaction marker as MemoryRecords.withEndTransactionMarker builds it. */
static proto_batch marker(int64_t pid, int16_t epoch, int32_t coordinator_epoch, bool commit) {
    proto_batch b = pb(pid, epoch, PROTO_NO_SEQUENCE, 1);
    b.flags = PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL | (commit ? PROTO_BATCH_COMMIT : 0);
    b.payload = (uint32_t)coordinator_epoch;
    return b;
}

/* Validates a marker and, when accepted, appends it at *leo as the leader does. Returns the
 * validation error; *done and *closed receive what the append completed. */
static int16_t offer_marker(pstate *ps, proto_batch m, int64_t *leo, pstate_completed *done,
                            int *closed) {
    int16_t error = pstate_validate_marker(ps, &m);
    *closed = -2;
    if (error != ERR_NONE) return error;
    m.base_offset = (*leo)++;
    *closed = pstate_update_marker(ps, &m, done);
    return error;
}

static void test_txn_open_close(void) {
    pstate ps;
    pstate_init(&ps, 30900);
    int64_t leo = 0;
    CHECK_EQ(pstate_first_unstable_offset(&ps), LOG_NO_OFFSET);
    /* An idempotent batch of B, then A's transaction opens at 2 and B's at 5. */
    CHECK_EQ(offer(&ps, pb(PID + 1, 0, 0, 2), &leo).error, ERR_NONE);
    CHECK_EQ(offer(&ps, tb(PID, 0, 0, 3), &leo).error, ERR_NONE);
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, 2);
    CHECK_EQ(offer(&ps, tb(PID + 1, 0, 2, 1), &leo).error, ERR_NONE);
    CHECK_EQ(offer(&ps, tb(PID, 0, 3, 2), &leo).error, ERR_NONE); /* same txn: still at 2 */
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, 2);
    CHECK_EQ(pstate_entry_find(&ps, PID + 1)->txn_first_offset, 5);
    CHECK_EQ(ps.ongoing_count, 2);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 2);
    CHECK_EQ(pstate_last_stable_offset(&ps, 1), 1); /* min(HW, first unstable) */
    CHECK_EQ(pstate_last_stable_offset(&ps, 8), 2);
    /* appendDataBatch: a non-transactional batch while A's transaction is open. */
    CHECK_EQ(offer(&ps, pb(PID, 0, 5, 1), &leo).error, ERR_INVALID_TXN_STATE);
    /* ... but its duplicate check and sequence check come first. */
    CHECK(offer(&ps, pb(PID, 0, 3, 2), &leo).duplicate);
    CHECK_EQ(offer(&ps, pb(PID, 0, 9, 1), &leo).error, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ(leo, 8);
    CHECK(pstate_check(&ps) == NULL);

    /* A is aborted: the marker at 8 closes the transaction 2..8 while B's stays open, so the
     * index's last stable offset is B's first offset (lastStableOffset(completedTxn)). */
    pstate_completed done;
    int closed;
    CHECK_EQ(offer_marker(&ps, marker(PID, 0, 3, false), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 1);
    CHECK_EQ(done.producer_id, PID);
    CHECK_EQ(done.first_offset, 2);
    CHECK_EQ(done.last_offset, 8);
    CHECK(done.aborted);
    CHECK_EQ(pstate_completed_lso(&ps, &done), 5);
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, LOG_NO_OFFSET);
    CHECK_EQ(pstate_entry_find(&ps, PID)->coordinator_epoch, 3);
    CHECK_EQ(ps.ongoing_count, 1);
    CHECK_EQ(ps.unreplicated_count, 1);
    /* Decided but not replicated: the first unstable offset stays at 2 until the HW passes
     * the marker (onHighWatermarkUpdated: lastOffset < hw). */
    CHECK_EQ(pstate_first_unstable_offset(&ps), 2);
    pstate_on_high_watermark(&ps, 8);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 2);
    pstate_on_high_watermark(&ps, 9);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 5); /* B's open transaction holds it now */
    CHECK_EQ(pstate_last_stable_offset(&ps, 9), 5);
    /* A writes idempotently again: allowed once its transaction is closed, and the batch
     * cache survived a marker of the same epoch (sequence 5 follows 3..4). */
    CHECK_EQ(offer(&ps, pb(PID, 0, 5, 1), &leo).error, ERR_NONE);
    /* B commits: no other transaction is open, the LSO goes to the marker's next offset. */
    CHECK_EQ(offer_marker(&ps, marker(PID + 1, 0, 3, true), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 1);
    CHECK(!done.aborted);
    CHECK_EQ(done.first_offset, 5);
    CHECK_EQ(done.last_offset, 10);
    CHECK_EQ(pstate_completed_lso(&ps, &done), 11);
    pstate_on_high_watermark(&ps, 11);
    CHECK_EQ(pstate_first_unstable_offset(&ps), LOG_NO_OFFSET);
    CHECK_EQ(pstate_last_stable_offset(&ps, 11), 11);
    CHECK(pstate_check(&ps) == NULL);
    pstate_fini(&ps);
}

/* A fence: the coordinator bumps the epoch and writes the abort marker at the new epoch; the
 * zombie's batches at the old epoch are refused, and markers of an older coordinator epoch
 * too (a coordinator failover re-sends markers with its own, higher epoch). */
static void test_txn_fence_markers(void) {
    pstate ps;
    pstate_init(&ps, 30900);
    int64_t leo = 0;
    pstate_completed done;
    int closed;
    CHECK_EQ(offer(&ps, tb(PID, 4, 0, 2), &leo).error, ERR_NONE);
    CHECK_EQ(offer(&ps, tb(PID, 4, 2, 2), &leo).error, ERR_NONE);
    /* A marker below the producer's epoch: INVALID_PRODUCER_EPOCH. */
    CHECK_EQ(offer_marker(&ps, marker(PID, 3, 7, false), &leo, &done, &closed),
             ERR_INVALID_PRODUCER_EPOCH);
    /* The fence's abort at epoch 5 closes the transaction and raises the epoch: the window
     * is cleared (maybeUpdateProducerEpoch). */
    CHECK_EQ(offer_marker(&ps, marker(PID, 5, 7, false), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 1);
    CHECK(done.aborted);
    const pstate_entry *e = pstate_entry_find(&ps, PID);
    CHECK_EQ(e->producer_epoch, 5);
    CHECK_EQ(e->batch_count, 0);
    /* The zombie's next batch (epoch 4): INVALID_PRODUCER_EPOCH, not a duplicate of the
     * cleared window either. */
    CHECK_EQ(offer(&ps, tb(PID, 4, 4, 1), &leo).error, ERR_INVALID_PRODUCER_EPOCH);
    CHECK_EQ(offer(&ps, tb(PID, 4, 2, 2), &leo).error, ERR_INVALID_PRODUCER_EPOCH);
    /* A new coordinator (epoch 8) re-sends the abort: no transaction is open, so nothing is
     * completed, but the coordinator epoch rises. */
    CHECK_EQ(offer_marker(&ps, marker(PID, 5, 8, false), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 0);
    CHECK_EQ(pstate_entry_find(&ps, PID)->coordinator_epoch, 8);
    /* The old coordinator's late marker: TRANSACTION_COORDINATOR_FENCED. The same epoch
     * passes (checkCoordinatorEpoch: stored > marker's). */
    CHECK_EQ(offer_marker(&ps, marker(PID, 5, 7, true), &leo, &done, &closed),
             ERR_TRANSACTION_COORDINATOR_FENCED);
    CHECK_EQ(offer_marker(&ps, marker(PID, 5, 8, true), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 0);
    /* A marker of a producer never seen is written (ProducerStateEntry.empty). */
    CHECK_EQ(offer_marker(&ps, marker(PID + 7, 0, 0, true), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 0);
    CHECK(pstate_entry_find(&ps, PID + 7) != NULL);
    /* The new epoch starts at sequence 0 and opens a new transaction. */
    CHECK_EQ(offer(&ps, tb(PID, 5, 0, 1), &leo).error, ERR_NONE);
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, leo - 1);
    CHECK(pstate_check(&ps) == NULL);
    pstate_fini(&ps);
}

/* Appends b at the log end and records it, as a replica does. */
static void log_put(log_replica *l, pstate *ps, proto_batch b, int64_t t) {
    b.base_offset = l->log_end_offset;
    b.max_timestamp_ns = t;
    CHECK_EQ(log_append(l, &b, 0), 0);
    CHECK(pstate_replay(ps, &b) == 0);
}

/* Snapshots keep currentTxnFirstOffset and the coordinator epoch; a rebuild reopens what the
 * kept log leaves open and forgets the unreplicated list; an open transaction never expires. */
static void test_txn_snapshot_rebuild(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    log_init(&l, &opt);
    pstate ps;
    pstate_init(&ps, 30900);
    log_put(&l, &ps, tb(PID, 0, 0, 2), 1);   /* 0..1: A's transaction */
    CHECK_EQ(pstate_snapshot_take(&ps, 2), 0); /* a roll at 2, A open */
    log_put(&l, &ps, tb(PID, 0, 2, 2), 2);   /* 2..3 */
    log_put(&l, &ps, marker(PID, 0, 3, true), 3); /* 4: A commits */
    log_put(&l, &ps, tb(PID + 1, 0, 0, 1), 4); /* 5: B opens */
    CHECK_EQ(ps.ongoing_count, 1);
    CHECK_EQ(ps.unreplicated_count, 1);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 0);
    /* Truncation to 4 (the marker goes): A's transaction is open again, from the snapshot's
     * entry and the replay of 2..3. */
    CHECK_EQ(pstate_rebuild(&ps, &l, 4, 10, 1000), 0);
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, 0);
    CHECK_EQ(ps.ongoing_count, 1);
    CHECK_EQ(ps.unreplicated_count, 0);
    CHECK(pstate_entry_find(&ps, PID + 1) == NULL);
    CHECK(pstate_check(&ps) == NULL);
    /* The whole log: the replay closes A again and reopens B. */
    CHECK_EQ(pstate_rebuild(&ps, &l, 6, 10, 1000), 0);
    CHECK_EQ(pstate_entry_find(&ps, PID)->txn_first_offset, LOG_NO_OFFSET);
    CHECK_EQ(pstate_entry_find(&ps, PID)->coordinator_epoch, 3);
    CHECK_EQ(pstate_entry_find(&ps, PID + 1)->txn_first_offset, 5);
    CHECK_EQ(ps.unreplicated_count, 1); /* replayed completions wait for the HW again */
    pstate_on_high_watermark(&ps, 6);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 5);
    /* A restart loads the snapshot at the log end: B's transaction is open, A's coordinator
     * epoch is kept, nothing is unreplicated. Long idle: B is not expired (its transaction
     * is open), A is. */
    pstate_clear(&ps);
    CHECK_EQ(pstate_recover(&ps, &l, 10, 1000), 0);
    CHECK_EQ(pstate_entry_find(&ps, PID + 1)->txn_first_offset, 5);
    CHECK_EQ(pstate_entry_find(&ps, PID)->coordinator_epoch, 3);
    CHECK_EQ(ps.unreplicated_count, 0);
    CHECK_EQ(pstate_first_unstable_offset(&ps), 5);
    CHECK_EQ(pstate_expire(&ps, 1000000, 1000), 1);
    CHECK(pstate_entry_find(&ps, PID) == NULL);
    CHECK(pstate_entry_find(&ps, PID + 1) != NULL);
    pstate_clear(&ps);
    CHECK_EQ(pstate_recover(&ps, &l, 1000000, 1000), 0); /* readSnapshot keeps it too */
    CHECK(pstate_entry_find(&ps, PID + 1) != NULL);
    CHECK(pstate_entry_find(&ps, PID) == NULL);
    CHECK(pstate_check(&ps) == NULL);
    /* Broken bookkeeping is caught: an open transaction missing from the ongoing list. */
    ps.ongoing_count = 0;
    CHECK(pstate_check(&ps) != NULL);
    pstate_fini(&ps);
    log_fini(&l);
}

/* KIP-890 part 1: the VerificationStateEntry (UnifiedLog.maybeStartTransactionVerification,
 * batchMissingRequiredVerification, VerificationStateEntry.maybeUpdateLowestSequenceAndEpoch,
 * ProducerAppendInfo.checkSequence). */
static void test_verification(void) {
    pstate ps;
    pstate_init(&ps, 30900);
    int64_t leo = 0;
    pstate_completed done;
    int closed;
    /* A producer with no transaction open here: a guard; asked again, the same guard, its
     * lowest sequence moving down at the same epoch, reset by a higher one. */
    uint32_t g = pstate_verification_start(&ps, PID, 5, 0, 100);
    CHECK(g != 0 && g != UINT32_MAX);
    CHECK_EQ(pstate_verification_start(&ps, PID, 8, 0, 200), g);
    CHECK_EQ(ps.verifications[0].lowest_sequence, 5);
    CHECK_EQ(pstate_verification_start(&ps, PID, 3, 0, 300), g);
    CHECK_EQ(ps.verifications[0].lowest_sequence, 3);
    CHECK_EQ(pstate_verification_start(&ps, PID, 9, 1, 300), g);
    CHECK_EQ(ps.verifications[0].lowest_sequence, 9);
    CHECK_EQ(ps.verifications[0].epoch, 1);
    CHECK(pstate_check(&ps) == NULL);
    /* Appending: without the guard (or with another) INVALID_TXN_STATE; with it the batch
     * may go, but not above the lowest sequence seen (OUT_OF_ORDER_SEQUENCE_NUMBER); an epoch
     * error of the epoch check stands before the sequence's. */
    proto_batch b = tb(PID, 1, 9, 2);
    CHECK_EQ(pstate_verification_check(&ps, &b, 0, ERR_NONE), ERR_INVALID_TXN_STATE);
    CHECK_EQ(pstate_verification_check(&ps, &b, g + 1, ERR_NONE), ERR_INVALID_TXN_STATE);
    CHECK_EQ(pstate_verification_check(&ps, &b, g, ERR_NONE), ERR_NONE);
    proto_batch above = tb(PID, 1, 11, 2);
    CHECK_EQ(pstate_verification_check(&ps, &above, g, ERR_NONE), ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ(pstate_verification_check(&ps, &above, g, ERR_INVALID_PRODUCER_EPOCH),
             ERR_INVALID_PRODUCER_EPOCH);
    /* The append opens the transaction and ends the verification: later batches of it need
     * no guard (the sentinel), and starting again hands out none. */
    CHECK_EQ(offer(&ps, b, &leo).error, ERR_NONE);
    CHECK_EQ(ps.verification_count, 0);
    proto_batch next = tb(PID, 1, 11, 1);
    CHECK_EQ(pstate_verification_check(&ps, &next, 0, ERR_NONE), ERR_NONE);
    CHECK_EQ(pstate_verification_start(&ps, PID, 11, 1, 400), 0);
    /* The ABA case of UnifiedLog's comment: a guard taken, then an abort marker written
     * before the append: the marker removes the entry, and the guard no longer verifies. A
     * new verification hands out another guard. */
    CHECK_EQ(offer_marker(&ps, marker(PID, 1, 0, false), &leo, &done, &closed), ERR_NONE);
    uint32_t g2 = pstate_verification_start(&ps, PID, 12, 1, 500);
    CHECK(g2 != 0 && g2 != g);
    CHECK_EQ(offer_marker(&ps, marker(PID, 1, 0, false), &leo, &done, &closed), ERR_NONE);
    CHECK_EQ(closed, 0); /* nothing was open: the marker still ends the verification */
    proto_batch late = tb(PID, 1, 12, 1);
    CHECK_EQ(pstate_verification_check(&ps, &late, g2, ERR_NONE), ERR_INVALID_TXN_STATE);
    /* Entries are kept by producer id; they expire with producer.id.expiration.ms, and a
     * crash forgets them. */
    uint32_t g3 = pstate_verification_start(&ps, PID + 2, 0, 0, 1000);
    uint32_t g4 = pstate_verification_start(&ps, PID - 2, 0, 0, 2000);
    CHECK(g3 != g4);
    CHECK_EQ(ps.verification_count, 2);
    CHECK_EQ(ps.verifications[0].producer_id, PID - 2);
    CHECK(pstate_check(&ps) == NULL);
    pstate_expire(&ps, 1500, 1000); /* PID + 2's is 500 old: stays; */
    CHECK_EQ(ps.verification_count, 2);
    pstate_expire(&ps, 2000, 1000); /* now 1000 old: gone */
    CHECK_EQ(ps.verification_count, 1);
    CHECK_EQ(ps.verifications[0].producer_id, PID - 2);
    pstate_clear(&ps);
    CHECK_EQ(ps.verification_count, 0);
    pstate_fini(&ps);
}

int main(void) {
    test_verification();
    test_txn_open_close();
    test_txn_fence_markers();
    test_txn_snapshot_rebuild();
    test_current_table();
    test_window();
    test_unknown_producer_versions();
    test_snapshot_rebuild();
    test_recover();
    test_expire();
    return test_result("test_producer_state");
}
