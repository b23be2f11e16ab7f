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
    CHECK_EQ(ps.snapshot_entries[0].batches[0].last_sequence, 9);
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
    if (e) CHECK_EQ(e->batches[0].last_sequence, 7);
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
    if (e) CHECK_EQ(e->batches[0].last_sequence, 11);
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

int main(void) {
    test_current_table();
    test_window();
    test_unknown_producer_versions();
    test_snapshot_rebuild();
    test_recover();
    test_expire();
    return test_result("test_producer_state");
}
