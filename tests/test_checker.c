/*
 * test_checker.c: the checker's definitions on hand-made histories and logs, one case per
 * definition plus the edge cases (empty logs, duplicates of reordered records, a record lost
 * and then sent again, a batch straddling the high watermark, ids never sent), and the same
 * verdict from a coalesced history and from one handed to the checker a window at a time, and
 * holes at every place of a run the checker reads a word at a time, and callback runs over
 * several send records.
 */
#include "checker.h"
#include "history.h"
#include "sim.h"
#include "test.h"

/* A hand-made run: the history, the payload arena and the final leader's log; or, for a
 * world of several partitions, each partition's final log (fixture_log_on). */
#define FIXTURE_PARTITIONS 4
typedef struct fixture {
    history h;
    proto_payloads p;
    proto_batch log[32];
    size_t log_count;
    int64_t next_offset;
    proto_batch plog[FIXTURE_PARTITIONS][16];
    checker_log logs[FIXTURE_PARTITIONS];
    checker_partition parts[FIXTURE_PARTITIONS];
    checker_input in;
} fixture;

static void fixture_init(fixture *f, uint64_t records) {
    memset(f, 0, sizeof *f);
    CHECK_EQ(history_init(&f->h, 16), 0);
    CHECK_EQ(proto_payloads_init(&f->p, 64), 0);
    f->in.history = &f->h;
    f->in.payloads = &f->p;
    f->in.log = f->log;
    f->in.records = records;
    f->in.high_watermark = 0;
}

static void fixture_fini(fixture *f) {
    history_fini(&f->h);
    proto_payloads_fini(&f->p);
}

/* Appends a batch of ids to the log at the next offset; returns its payload. */
static uint32_t fixture_log(fixture *f, const uint32_t *ids, uint32_t n, uint16_t attempt) {
    uint32_t payload = proto_payload_add(&f->p, ids, n);
    proto_batch b = {.base_offset = f->next_offset, .producer_id = -1, .payload = payload,
                     .record_count = n, .base_sequence = -1, .producer_epoch = -1,
                     .attempt = attempt};
    f->log[f->log_count++] = b;
    f->next_offset += n;
    f->in.log_count = f->log_count;
    f->in.high_watermark = f->next_offset;
    return payload;
}

/* Makes f a world of `partitions` partitions whose logs fixture_log_on fills; the verdict is
 * broken down into f->parts. */
static void fixture_partitions(fixture *f, size_t partitions) {
    CHECK(partitions <= FIXTURE_PARTITIONS);
    for (size_t g = 0; g < partitions; g++)
        f->logs[g] = (checker_log){.log = f->plog[g], .leader = (int)g + 1};
    f->in.partitions = f->logs;
    f->in.partition_count = partitions;
    f->in.by_partition = f->parts;
}

/* Appends a batch of ids built by producer index `producer` to partition g's log at its next
 * offset, all committed. */
static void fixture_log_on(fixture *f, size_t g, int producer, const uint32_t *ids,
                           uint32_t n) {
    checker_log *lg = &f->logs[g];
    CHECK(lg->log_count < 16);
    proto_batch b = {.base_offset = lg->high_watermark, .producer_id = -1,
                     .payload = proto_payload_add(&f->p, ids, n), .record_count = n,
                     .base_sequence = -1, .producer_epoch = -1, .attempt = 1,
                     .producer = (uint8_t)node_producer(producer)};
    f->plog[g][lg->log_count++] = b;
    lg->high_watermark += n;
}

/* Sends ids lo..hi at t_ns and answers each err at t_ns + latency_ns. */
static void fixture_send_answer(fixture *f, uint32_t lo, uint32_t hi, int64_t t_ns,
                                int64_t latency_ns, int err) {
    for (uint32_t id = lo; id <= hi; id++) history_send(&f->h, t_ns, node_producer(0), id, 0);
    for (uint32_t id = lo; id <= hi; id++)
        history_callback(&f->h, t_ns + latency_ns, node_producer(0), id, 0, err,
                         err ? -1 : (int64_t)id);
}

static void fixture_sink(void *ctx, const history_rec *recs, size_t n) {
    checker_stream_feed(ctx, recs, n);
}

/* The history added again, record by record, to a history of 64 slots that hands each full
 * window to a checker stream (history.h, sink): the verdict must be want. */
static void fixture_check_windowed(fixture *f, const checker_result *want, bool coalesce) {
    checker_stream cs;
    CHECK_EQ(checker_stream_init(&cs, f->in.records), 0);
    history win;
    CHECK_EQ(history_init(&win, 0), 0);
    win.coalesce = coalesce;
    win.sink = fixture_sink;
    win.sink_ctx = &cs;
    for (size_t i = 0; i < f->h.count; i++) {
        for (uint32_t j = 0, n = history_rec_span(&f->h.recs[i]); j < n; j++) {
            history_rec x = history_rec_expand(&f->h.recs[i], j);
            history_add(&win, &x);
        }
    }
    CHECK_EQ(win.capacity, 64);
    history_flush(&win);
    CHECK_EQ(win.count, 0);
    checker_result got;
    CHECK_EQ(checker_stream_finish(&cs, &f->in, &got, NULL, NULL), 0);
    CHECK(memcmp(&got, want, sizeof got) == 0);
    history_fini(&win);
    checker_stream_fini(&cs);
}

/* The verdict, checked to be the same when the checker is fed a window at a time. */
static checker_result fixture_check(fixture *f) {
    checker_result r;
    CHECK_EQ(checker_run(&f->in, &r), 0);
    fixture_check_windowed(f, &r, false);
    fixture_check_windowed(f, &r, true);
    return r;
}

static void test_empty(void) {
    fixture f;
    fixture_init(&f, 0);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 0);
    CHECK_EQ(r.duplicates + r.reordered + r.lost_acked + r.failed_but_written, 0);
    CHECK_EQ(r.latency_p50_ns, -1);
    CHECK_EQ(r.latency_max_ns, -1);
    fixture_fini(&f);

    /* Acknowledged sends and an empty log: every ack is a lost write. */
    fixture_init(&f, 3);
    fixture_send_answer(&f, 0, 2, 0, SIM_MS, ERR_NONE);
    r = fixture_check(&f);
    CHECK_EQ(r.acked, 3);
    CHECK_EQ(r.committed, 0);
    CHECK_EQ(r.lost_acked, 3);
    fixture_fini(&f);
}

static void test_clean(void) {
    fixture f;
    fixture_init(&f, 10);
    fixture_send_answer(&f, 0, 9, 0, 2 * SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 1, 2, 3, 4}, 5, 1);
    fixture_log(&f, (const uint32_t[]){5, 6, 7, 8, 9}, 5, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.records, 10);
    CHECK_EQ(r.sends, 10);
    CHECK_EQ(r.acked, 10);
    CHECK_EQ(r.failed, 0);
    CHECK_EQ(r.unanswered, 0);
    CHECK_EQ(r.committed, 10);
    CHECK_EQ(r.duplicates, 0);
    CHECK_EQ(r.reordered, 0);
    CHECK_EQ(r.lost_acked, 0);
    CHECK_EQ(r.failed_but_written, 0);
    CHECK_EQ(r.unexpected, 0);
    CHECK_EQ(r.latency_p50_ns, 2 * SIM_MS);
    fixture_fini(&f);
}

/* An end-transaction marker in the log (a control batch, one offset, its payload the
 * coordinator epoch) names no records: payload 0 and 1 are real payloads here, and reading the
 * marker as one would commit records 0..4 a second time. */
static void test_control_batches(void) {
    fixture f;
    fixture_init(&f, 10);
    fixture_send_answer(&f, 0, 9, 0, 2 * SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 1, 2, 3, 4}, 5, 1);
    for (uint32_t epoch = 0; epoch < 2; epoch++) {
        proto_batch m = {.base_offset = f.next_offset, .producer_id = 7, .payload = epoch,
                         .record_count = 1, .base_sequence = -1, .producer_epoch = 0,
                         .flags = PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL};
        f.log[f.log_count++] = m;
        f.next_offset++;
    }
    fixture_log(&f, (const uint32_t[]){5, 6, 7, 8, 9}, 5, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 10);
    CHECK_EQ(r.duplicates, 0);
    CHECK_EQ(r.reordered, 0);
    CHECK_EQ(r.lost_acked, 0);
    fixture_fini(&f);
}

static void test_duplicates(void) {
    fixture f;
    fixture_init(&f, 4);
    fixture_send_answer(&f, 0, 3, 0, SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 1, 2}, 3, 1);
    fixture_log(&f, (const uint32_t[]){1, 2, 3}, 3, 2);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 6);
    CHECK_EQ(r.duplicates, 2);
    CHECK_EQ(r.reordered, 0); /* later copies are duplicates, not reorderings */
    CHECK_EQ(r.lost_acked, 0);
    fixture_fini(&f);
}

static void test_reordered(void) {
    fixture f;
    fixture_init(&f, 6);
    fixture_send_answer(&f, 0, 5, 0, SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 1}, 2, 1);
    fixture_log(&f, (const uint32_t[]){4, 5}, 2, 1);
    fixture_log(&f, (const uint32_t[]){2, 3}, 2, 2);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.reordered, 2);
    CHECK_EQ(r.duplicates, 0);
    CHECK_EQ(r.committed, 6);
    fixture_fini(&f);
}

/* 0 2 1 1 2: the first 1 is a reordering; the second 1 and the second 2 are duplicates. */
static void test_duplicates_of_reordered(void) {
    fixture f;
    fixture_init(&f, 3);
    fixture_send_answer(&f, 0, 2, 0, SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 2}, 2, 1);
    fixture_log(&f, (const uint32_t[]){1}, 1, 2);
    fixture_log(&f, (const uint32_t[]){1}, 1, 3);
    fixture_log(&f, (const uint32_t[]){2}, 1, 2);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 5);
    CHECK_EQ(r.duplicates, 2);
    CHECK_EQ(r.reordered, 1);
    fixture_fini(&f);
}

static void test_lost_acked(void) {
    fixture f;
    fixture_init(&f, 5);
    fixture_send_answer(&f, 0, 4, 0, SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 1, 2, 3, 4}, 5, 1);
    f.in.high_watermark = 3; /* 3 and 4 are in the log but not committed */
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 3);
    CHECK_EQ(r.lost_acked, 2);
    fixture_fini(&f);
}

static void test_failed_but_written(void) {
    fixture f;
    fixture_init(&f, 4);
    fixture_send_answer(&f, 0, 2, 0, SIM_MS, ERR_NONE);
    fixture_send_answer(&f, 3, 3, SIM_MS, 120 * SIM_MS, ERR_CLIENT_DELIVERY_TIMEOUT);
    fixture_log(&f, (const uint32_t[]){0, 1, 2, 3}, 4, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.failed, 1);
    CHECK_EQ(r.failed_but_written, 1);
    CHECK_EQ(r.lost_acked, 0);
    CHECK_EQ(r.errors[ERR_CLIENT_DELIVERY_TIMEOUT], 1);
    CHECK_EQ(r.latency_max_ns, 120 * SIM_MS);
    fixture_fini(&f);

    /* Told failed and not written: no anomaly at all. */
    fixture_init(&f, 1);
    fixture_send_answer(&f, 0, 0, 0, SIM_MS, ERR_NOT_ENOUGH_REPLICAS);
    checker_result r2 = fixture_check(&f);
    CHECK_EQ(r2.failed, 1);
    CHECK_EQ(r2.failed_but_written + r2.lost_acked, 0);
    fixture_fini(&f);
}

/* The application was told id 1 failed, sent it again, and the resend succeeded. */
static void test_lost_then_resent(void) {
    fixture f;
    fixture_init(&f, 3);
    history_send(&f.h, 0, node_producer(0), 0, 0);
    history_send(&f.h, 0, node_producer(0), 1, 0);
    history_callback(&f.h, 5 * SIM_MS, node_producer(0), 0, 0, ERR_NONE, 0);
    history_callback(&f.h, 9 * SIM_MS, node_producer(0), 1, 0, ERR_CLIENT_DELIVERY_TIMEOUT, -1);
    history_send(&f.h, 9 * SIM_MS, node_producer(0), 1, 1);
    history_send(&f.h, 9 * SIM_MS, node_producer(0), 2, 0);
    history_callback(&f.h, 12 * SIM_MS, node_producer(0), 1, 1, ERR_NONE, 1);
    history_callback(&f.h, 12 * SIM_MS, node_producer(0), 2, 0, ERR_NONE, 2);
    fixture_log(&f, (const uint32_t[]){0}, 1, 1);
    fixture_log(&f, (const uint32_t[]){1, 2}, 2, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.sends, 4);
    CHECK_EQ(r.acked, 3);
    CHECK_EQ(r.failed, 1);
    CHECK_EQ(r.failed_but_written, 0); /* its final outcome was a success */
    CHECK_EQ(r.lost_acked, 0);
    CHECK_EQ(r.duplicates, 0);
    /* Latencies 5, 9, 3 and 3 ms: the resend is timed from its own send. */
    CHECK_EQ(r.latency_p50_ns, 3 * SIM_MS);
    CHECK_EQ(r.latency_max_ns, 9 * SIM_MS);
    fixture_fini(&f);

    /* The same, but the failed first send had been written after all: a duplicate. */
    fixture_init(&f, 3);
    history_send(&f.h, 0, node_producer(0), 1, 0);
    history_callback(&f.h, 9 * SIM_MS, node_producer(0), 1, 0, ERR_CLIENT_DELIVERY_TIMEOUT, -1);
    history_send(&f.h, 9 * SIM_MS, node_producer(0), 1, 1);
    history_callback(&f.h, 12 * SIM_MS, node_producer(0), 1, 1, ERR_NONE, 1);
    fixture_log(&f, (const uint32_t[]){1}, 1, 1);
    fixture_log(&f, (const uint32_t[]){1}, 1, 1);
    r = fixture_check(&f);
    CHECK_EQ(r.duplicates, 1);
    CHECK_EQ(r.failed_but_written, 0);
    fixture_fini(&f);
}

static void test_unexpected_and_straddle(void) {
    fixture f;
    fixture_init(&f, 2);
    fixture_send_answer(&f, 0, 1, 0, SIM_MS, ERR_NONE);
    fixture_log(&f, (const uint32_t[]){0, 99, 1}, 3, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.unexpected, 1);
    CHECK_EQ(r.reordered, 1); /* 1 after 99 */
    CHECK_EQ(r.committed, 3);
    f.in.high_watermark = 2; /* the batch straddles the high watermark */
    r = fixture_check(&f);
    CHECK_EQ(r.committed, 2);
    CHECK_EQ(r.lost_acked, 1);
    CHECK_EQ(r.reordered, 0);
    fixture_fini(&f);
}

static void test_counters(void) {
    fixture f;
    fixture_init(&f, 1);
    proto_batch b = {.payload = 0, .attempt = 1, .base_offset = 0, .record_count = 1};
    history_attempt(&f.h, 1, node_producer(0), &b, 1);
    b.attempt = 2;
    history_attempt(&f.h, 2, node_producer(0), &b, 1);
    b.attempt = 3;
    history_attempt(&f.h, 3, node_producer(0), &b, 2);
    history_epoch_bump(&f.h, 4, node_producer(0), 7, 1);
    history_election(&f.h, 5, 1, 0, false);  /* creation: not counted */
    history_election(&f.h, 6, -1, 1, false); /* no leader: not counted */
    history_election(&f.h, 7, 2, 2, true);
    history_election(&f.h, 8, 3, 3, false);
    history_truncate(&f.h, 9, node_broker(1), 10, 4);
    history_truncate(&f.h, 10, node_broker(3), 12, 2);
    history_fault(&f.h, 11, 0, node_broker(1), true);
    history_fault(&f.h, 12, 0, node_broker(1), false);
    history_fault(&f.h, 13, 0, node_broker(1), true);
    history_fault(&f.h, 14, 2, NODE_NONE, true);
    proto_msg m = {.api = API_PRODUCE, .is_response = 1, .from = 1, .to = node_producer(0)};
    history_drop(&f.h, 15, &m, 2, false);
    history_drop(&f.h, 16, &m, 2, false);
    history_error(&f.h, 17, node_producer(0), API_PRODUCE, ERR_NOT_LEADER_OR_FOLLOWER);
    history_error(&f.h, 18, node_producer(0), API_PRODUCE, ERR_NOT_LEADER_OR_FOLLOWER);
    history_error(&f.h, 19, node_producer(0), API_PRODUCE, ERR_REQUEST_TIMED_OUT);
    history_dedup(&f.h, 20, node_broker(2), &b, 0);
    history_expire(&f.h, 21, node_producer(0), &b, true);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.retries, 2);
    CHECK_EQ(r.epoch_bumps, 1);
    CHECK_EQ(r.leader_elections, 2);
    CHECK_EQ(r.unclean_elections, 1);
    CHECK_EQ(r.truncated, 6);
    CHECK_EQ(r.faults_fired, 2);
    CHECK_EQ(r.faults_fired_mask, 5);
    CHECK_EQ(r.messages_dropped, 2);
    CHECK_EQ(r.errors[ERR_NOT_LEADER_OR_FOLLOWER], 2);
    CHECK_EQ(r.errors[ERR_REQUEST_TIMED_OUT], 1);
    CHECK_EQ(r.errors_total, 3);
    CHECK_EQ(r.deduplicated, 1);
    CHECK_EQ(r.expired, 1);
    CHECK_EQ(r.faults_configured, 0); /* the caller's to set */
    fixture_fini(&f);
}

/* Latencies 1..100 ms, sent in a scrambled order: nearest rank gives exactly 50, 99, 100. */
static void test_latency_exact(void) {
    fixture f;
    fixture_init(&f, 100);
    for (uint32_t i = 0; i < 100; i++) history_send(&f.h, 0, node_producer(0), i, 0);
    for (uint32_t k = 1; k <= 100; k++) {
        uint32_t id = (k * 37) % 100; /* 37 is prime to 100: a permutation */
        history_callback(&f.h, (int64_t)k * SIM_MS, node_producer(0), id, 0, ERR_NONE, id);
    }
    history_send(&f.h, 200 * SIM_MS, node_producer(0), 99, 1); /* never answered */
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.latency_p50_ns, 50 * SIM_MS);
    CHECK_EQ(r.latency_p99_ns, 99 * SIM_MS);
    CHECK_EQ(r.latency_max_ns, 100 * SIM_MS);
    CHECK_EQ(r.unanswered, 1);
    fixture_fini(&f);

    /* Three values: p50 is the 2nd, p99 the 3rd. */
    fixture_init(&f, 3);
    fixture_send_answer(&f, 0, 0, 0, 30, ERR_NONE);
    fixture_send_answer(&f, 1, 1, 100, 10, ERR_NONE);
    fixture_send_answer(&f, 2, 2, 200, 20, ERR_NONE);
    r = fixture_check(&f);
    CHECK_EQ(r.latency_p50_ns, 20);
    CHECK_EQ(r.latency_p99_ns, 30);
    fixture_fini(&f);
}

/* Sends out of id order: a run below ids sent before is timed from its own send, a callback
 * run spanning several send runs takes each id's latency from its own, and a later resend
 * from the resend. */
static void test_send_order(void) {
    fixture f;
    fixture_init(&f, 15);
    for (uint32_t id = 5; id <= 9; id++) history_send(&f.h, 0, node_producer(0), id, 0);
    for (uint32_t id = 0; id <= 4; id++) history_send(&f.h, SIM_MS, node_producer(0), id, 0);
    for (uint32_t id = 10; id <= 14; id++) history_send(&f.h, 2 * SIM_MS, node_producer(0), id, 0);
    for (uint32_t id = 0; id <= 14; id++)
        history_callback(&f.h, 10 * SIM_MS, node_producer(0), id, 0, ERR_NONE, id);
    history_send(&f.h, 11 * SIM_MS, node_producer(0), 7, 1);
    history_callback(&f.h, 14 * SIM_MS, node_producer(0), 7, 1, ERR_NONE, 7);
    uint32_t ids[15];
    for (uint32_t id = 0; id < 15; id++) ids[id] = id;
    fixture_log(&f, ids, 15, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.sends, 16);
    CHECK_EQ(r.acked, 16);
    CHECK_EQ(r.duplicates, 0);
    CHECK_EQ(r.reordered, 0);
    /* Latencies: 10 ms five times (5..9), 9 ms five times (0..4), 8 ms five times (10..14), and
     * 3 ms for the resend of 7: p50 is the 8th of 16, p99 the 16th. */
    CHECK_EQ(r.latency_p50_ns, 9 * SIM_MS);
    CHECK_EQ(r.latency_p99_ns, 10 * SIM_MS);
    CHECK_EQ(r.latency_max_ns, 10 * SIM_MS);
    fixture_fini(&f);

    /* Two send runs in id order answered by one callback run: two latencies, not one. */
    fixture_init(&f, 10);
    for (uint32_t id = 0; id <= 4; id++) history_send(&f.h, 0, node_producer(0), id, 0);
    for (uint32_t id = 5; id <= 9; id++) history_send(&f.h, SIM_MS, node_producer(0), id, 0);
    for (uint32_t id = 0; id <= 9; id++)
        history_callback(&f.h, 10 * SIM_MS, node_producer(0), id, 0, ERR_NONE, id);
    fixture_log(&f, ids, 10, 1);
    r = fixture_check(&f);
    CHECK_EQ(r.latency_p50_ns, 9 * SIM_MS);
    CHECK_EQ(r.latency_max_ns, 10 * SIM_MS);
    fixture_fini(&f);
}

typedef struct seen {
    int count[CHECKER_ANOMALY_COUNT];
    uint32_t last_record[CHECKER_ANOMALY_COUNT];
    int64_t last_offset[CHECKER_ANOMALY_COUNT];
} seen;

static void seen_visit(void *ctx, checker_anomaly kind, uint32_t partition, uint32_t record,
                       int64_t offset) {
    seen *s = ctx;
    (void)partition;
    s->count[kind]++;
    s->last_record[kind] = record;
    s->last_offset[kind] = offset;
}

/* The visitor sees exactly the anomalies the counters count. */
static void test_visit(void) {
    fixture f;
    fixture_init(&f, 6);
    fixture_send_answer(&f, 0, 4, 0, SIM_MS, ERR_NONE);
    fixture_send_answer(&f, 5, 5, SIM_MS, SIM_MS, ERR_REQUEST_TIMED_OUT);
    fixture_log(&f, (const uint32_t[]){0, 2}, 2, 1);
    fixture_log(&f, (const uint32_t[]){1, 2, 5}, 3, 2);
    seen s;
    memset(&s, 0, sizeof s);
    checker_result r;
    CHECK_EQ(checker_run_visit(&f.in, &r, seen_visit, &s), 0);
    CHECK_EQ(s.count[CHECKER_DUPLICATE], (int)r.duplicates);
    CHECK_EQ(s.count[CHECKER_REORDERED], (int)r.reordered);
    CHECK_EQ(s.count[CHECKER_LOST_ACKED], (int)r.lost_acked);
    CHECK_EQ(s.count[CHECKER_FAILED_BUT_WRITTEN], (int)r.failed_but_written);
    CHECK_EQ(r.duplicates, 1);
    CHECK_EQ(s.last_offset[CHECKER_DUPLICATE], 3);
    CHECK_EQ(s.last_record[CHECKER_REORDERED], 1);
    CHECK_EQ(s.last_offset[CHECKER_REORDERED], 2);
    CHECK_EQ(r.lost_acked, 2); /* 3 and 4 */
    CHECK_EQ(s.last_record[CHECKER_LOST_ACKED], 4);
    CHECK_EQ(s.last_record[CHECKER_FAILED_BUT_WRITTEN], 5);
    CHECK_STR(checker_anomaly_jepsen(CHECKER_REORDERED), "nonmonotonic-send");
    CHECK_STR(checker_anomaly_jepsen(CHECKER_LOST_ACKED), "lost-write");
    CHECK_STR(checker_anomaly_field(CHECKER_DUPLICATE), "duplicates");
    fixture_fini(&f);
}

/* Coalesced sends and callbacks (history.h) give the verdict, latencies included, that one
 * stored record per send and callback gives. */
static void test_coalesced(void) {
    fixture plain, packed;
    fixture_init(&plain, 200);
    fixture_init(&packed, 200);
    packed.h.coalesce = true;
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 3, 1);
    int64_t t = 0;
    uint32_t logged[200];
    uint32_t logged_count = 0;
    for (uint32_t id = 0; id < 200; id += 10) {
        /* Ten sends at once, answered together: success, or an error and a resend of all. */
        for (uint32_t j = 0; j < 10; j++) {
            history_send(&plain.h, t, node_producer(0), id + j, 0);
            history_send(&packed.h, t, node_producer(0), id + j, 0);
        }
        int err = sim_pcg32_bounded(&rng, 4) == 0 ? ERR_REQUEST_TIMED_OUT : ERR_NONE;
        int64_t at = t + 1 + (int64_t)sim_pcg32_bounded(&rng, 5);
        for (uint32_t j = 0; j < 10; j++) {
            int64_t off = err ? -1 : (int64_t)(id + j);
            history_callback(&plain.h, at, node_producer(0), id + j, 0, err, off);
            history_callback(&packed.h, at, node_producer(0), id + j, 0, err, off);
        }
        if (err) {
            for (uint32_t j = 0; j < 10; j++) {
                history_send(&plain.h, at, node_producer(0), id + j, 1);
                history_send(&packed.h, at, node_producer(0), id + j, 1);
            }
            for (uint32_t j = 0; j < 10; j++) {
                history_callback(&plain.h, at + 3, node_producer(0), id + j, 1, ERR_NONE, -1);
                history_callback(&packed.h, at + 3, node_producer(0), id + j, 1, ERR_NONE, -1);
            }
        }
        if (sim_pcg32_bounded(&rng, 3) != 0)
            for (uint32_t j = 0; j < 10; j++) logged[logged_count++] = id + j;
        t = at + 4;
    }
    fixture_log(&plain, logged, logged_count, 1);
    fixture_log(&packed, logged, logged_count, 1);
    CHECK(packed.h.count * 5 < plain.h.count);
    checker_result a = fixture_check(&plain), b = fixture_check(&packed);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK_EQ(a.sends, b.sends);
    CHECK_EQ(a.failed, b.failed);
    CHECK_EQ(a.lost_acked, b.lost_acked);
    /* Every id was acknowledged at last; those the log misses are lost, spread over the ids. */
    CHECK_EQ(a.lost_acked, 200 - logged_count);
    CHECK(a.lost_acked > 20);
    CHECK_EQ(a.latency_p99_ns, b.latency_p99_ns);
    fixture_fini(&plain);
    fixture_fini(&packed);
}

/* Runs of ids are read and flagged a word (eight ids) at a time, the last word overlapping
 * the one before it: a hole anywhere in a run of 8 to 17 must still count. Ids 0 .. 2n-1 are
 * sent, all but the hole, and committed as one batch (the hole is unexpected); the first n are
 * answered after 1 ms in one callback run (coalesced), the rest after 5 ms. The hole's
 * callback answers no send, so it gives no latency: n - 1 of 1 ms and n of 5 ms put the
 * median at 5 ms, where a hole missed would add a 1 ms sample and put it at 1 ms. */
static void test_runs_by_word(void) {
    static const uint32_t sizes[] = {8, 9, 10, 16, 17};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        for (uint32_t hole = 0; hole < n; hole++) {
            fixture f;
            fixture_init(&f, 2 * n);
            f.h.coalesce = true;
            for (uint32_t id = 0; id < 2 * n; id++)
                if (id != hole) history_send(&f.h, 0, node_producer(0), id, 0);
            for (uint32_t id = 0; id < 2 * n; id++)
                history_callback(&f.h, id < n ? SIM_MS : 5 * SIM_MS, node_producer(0), id, 0,
                                 ERR_NONE, (int64_t)id);
            uint32_t ids[34];
            for (uint32_t id = 0; id < 2 * n; id++) ids[id] = id;
            fixture_log(&f, ids, 2 * n, 1);
            checker_result r = fixture_check(&f);
            CHECK_EQ(r.unexpected, 1);
            CHECK_EQ(r.committed, 2 * n);
            CHECK_EQ(r.duplicates + r.reordered + r.lost_acked, 0);
            CHECK_EQ(r.latency_p50_ns, 5 * SIM_MS);
            fixture_fini(&f);
        }
    }
}

/* Callback runs over several send records, as when buffer.memory paces the application and
 * a batch holds the end of one send and the start of the next: each part takes its own
 * send's latency. Ids 0..59 go out in sends of 3, 7, 5, 15 and 30 at 0..4 ms and come back in
 * runs of 10 at 10 ms (the last run after 20 ms instead, and one send number off), so the
 * latencies are 10, 9, 8, 7 and 6 ms by send, except the last ten, which match no send. The
 * coalesced history takes the run path, the plain one the per-record path: fixture_check
 * compares them. */
static void test_callbacks_over_sends(void) {
    static const uint32_t sends[] = {3, 7, 5, 15, 30};
    fixture f;
    fixture_init(&f, 60);
    f.h.coalesce = true;
    uint32_t id = 0;
    for (size_t s = 0; s < sizeof sends / sizeof sends[0]; s++)
        for (uint32_t j = 0; j < sends[s]; j++, id++)
            history_send(&f.h, (int64_t)s * SIM_MS, node_producer(0), id, 0);
    for (id = 0; id < 60; id++) {
        bool last = id >= 50;
        history_callback(&f.h, (last ? 20 : 10) * SIM_MS, node_producer(0), id, last ? 1 : 0,
                         ERR_NONE, (int64_t)id);
    }
    CHECK(f.h.count < 20); /* the callbacks were stored as runs */
    uint32_t ids[60];
    for (id = 0; id < 60; id++) ids[id] = id;
    fixture_log(&f, ids, 60, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.acked, 60);
    CHECK_EQ(r.duplicates + r.reordered + r.lost_acked + r.unexpected, 0);
    /* 50 latencies: 3 of 10 ms, 7 of 9, 5 of 8, 15 of 7, 20 of 6 (ids 30..49). */
    CHECK_EQ(r.latency_p50_ns, 7 * SIM_MS);
    CHECK_EQ(r.latency_p99_ns, 10 * SIM_MS);
    CHECK_EQ(r.latency_max_ns, 10 * SIM_MS);
    fixture_fini(&f);
}

/* Two producers write one partition, each in its own order, their batches interleaved: Kafka
 * promises order per producer and partition, so nothing is reordered (one order over all ids
 * would count 0 .. 4, each smaller than 6 before it). */
static void test_order_per_producer(void) {
    fixture f;
    fixture_init(&f, 10);
    fixture_send_answer(&f, 0, 9, 0, SIM_MS, ERR_NONE);
    fixture_partitions(&f, 1);
    fixture_log_on(&f, 0, 1, (const uint32_t[]){5, 6}, 2);
    fixture_log_on(&f, 0, 0, (const uint32_t[]){0, 1}, 2);
    fixture_log_on(&f, 0, 1, (const uint32_t[]){7}, 1);
    fixture_log_on(&f, 0, 0, (const uint32_t[]){2, 3, 4}, 3);
    fixture_log_on(&f, 0, 1, (const uint32_t[]){8, 9}, 2);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 10);
    CHECK_EQ(r.reordered, 0);
    CHECK_EQ(r.duplicates, 0);
    fixture_fini(&f);

    /* The same log with producer 1's ids out of its own order: 7 after 8. */
    fixture_init(&f, 10);
    fixture_send_answer(&f, 0, 9, 0, SIM_MS, ERR_NONE);
    fixture_partitions(&f, 1);
    fixture_log_on(&f, 0, 1, (const uint32_t[]){5, 6, 8}, 3);
    fixture_log_on(&f, 0, 0, (const uint32_t[]){0, 1, 2, 3, 4}, 5);
    fixture_log_on(&f, 0, 1, (const uint32_t[]){7, 9}, 2);
    r = fixture_check(&f);
    CHECK_EQ(r.reordered, 1);
    CHECK_EQ(f.parts[0].reordered, 1);
    fixture_fini(&f);
}

/* One producer spreads its ids over two partitions (a keyed or sticky partitioner): each
 * partition is in order by itself, so nothing is reordered, although partition 1 holds ids
 * smaller than partition 0's last; an id out of order within partition 1 is. */
static void test_order_per_partition(void) {
    fixture f;
    fixture_init(&f, 8);
    fixture_send_answer(&f, 0, 7, 0, SIM_MS, ERR_NONE);
    fixture_partitions(&f, 2);
    fixture_log_on(&f, 0, 0, (const uint32_t[]){0, 2, 4, 6}, 4);
    fixture_log_on(&f, 1, 0, (const uint32_t[]){1, 3}, 2);
    fixture_log_on(&f, 1, 0, (const uint32_t[]){7, 5}, 2);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.partitions, 2);
    CHECK_EQ(r.partitions_touched, 2);
    CHECK_EQ(r.committed, 8);
    CHECK_EQ(r.reordered, 1); /* 5 after 7 on partition 1 */
    CHECK_EQ(f.parts[0].reordered, 0);
    CHECK_EQ(f.parts[1].reordered, 1);
    CHECK_EQ(f.parts[0].committed, 4);
    CHECK_EQ(f.parts[1].committed, 4);
    CHECK_EQ(r.lost_acked, 0);
    fixture_fini(&f);
}

/* The anomalies land on their partitions: a copy on another partition is a duplicate there;
 * a write acknowledged on partition 2 and committed nowhere is lost on partition 2; a
 * partition's committed log ends at its own high watermark. */
typedef struct part_seen {
    int count[CHECKER_ANOMALY_COUNT];
    uint32_t partition[CHECKER_ANOMALY_COUNT];
    uint32_t record[CHECKER_ANOMALY_COUNT];
} part_seen;

static void part_seen_visit(void *ctx, checker_anomaly kind, uint32_t partition,
                            uint32_t record, int64_t offset) {
    part_seen *s = ctx;
    (void)offset;
    s->count[kind]++;
    s->partition[kind] = partition;
    s->record[kind] = record;
}

static void test_anomalies_by_partition(void) {
    fixture f;
    fixture_init(&f, 9);
    fixture_partitions(&f, 3);
    for (uint32_t id = 0; id < 9; id++)
        history_send_partition_run(&f.h, 0, node_producer(0), (uint16_t)(id % 3), id, 1, 0);
    for (uint32_t id = 0; id < 9; id++)
        history_callback_partition_run(&f.h, SIM_MS, node_producer(0), (uint16_t)(id % 3), id,
                                       1, 0, id == 4 ? ERR_NOT_ENOUGH_REPLICAS : ERR_NONE, -1);
    fixture_log_on(&f, 0, 0, (const uint32_t[]){0, 3, 6}, 3);
    fixture_log_on(&f, 1, 0, (const uint32_t[]){1, 4, 7, 3}, 4); /* 4 told failed; 3 again */
    fixture_log_on(&f, 2, 0, (const uint32_t[]){2, 5, 8}, 3);
    f.logs[2].high_watermark = 1; /* 5 and 8 written, not committed */
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.committed, 8);
    CHECK_EQ(r.duplicates, 1);
    CHECK_EQ(r.reordered, 0);
    CHECK_EQ(r.lost_acked, 2);
    CHECK_EQ(r.failed_but_written, 1);
    CHECK_EQ(r.partitions_touched, 3);
    CHECK_EQ(f.parts[0].committed, 3);
    CHECK_EQ(f.parts[1].committed, 4);
    CHECK_EQ(f.parts[2].committed, 1);
    CHECK_EQ(f.parts[1].duplicates, 1);
    CHECK_EQ(f.parts[0].duplicates + f.parts[2].duplicates, 0);
    CHECK_EQ(f.parts[2].lost_acked, 2);
    CHECK_EQ(f.parts[0].lost_acked + f.parts[1].lost_acked, 0);
    CHECK_EQ(f.parts[0].acked, 3);
    CHECK_EQ(f.parts[1].acked, 2);
    CHECK_EQ(f.parts[2].acked, 3);
    part_seen s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(checker_run_visit(&f.in, &r, part_seen_visit, &s), 0);
    CHECK_EQ(s.count[CHECKER_DUPLICATE], 1);
    CHECK_EQ(s.partition[CHECKER_DUPLICATE], 1);
    CHECK_EQ(s.record[CHECKER_DUPLICATE], 3);
    CHECK_EQ(s.count[CHECKER_LOST_ACKED], 2);
    CHECK_EQ(s.partition[CHECKER_LOST_ACKED], 2);
    CHECK_EQ(s.record[CHECKER_LOST_ACKED], 8);
    CHECK_EQ(s.partition[CHECKER_FAILED_BUT_WRITTEN], 1);
    CHECK_EQ(s.record[CHECKER_FAILED_BUT_WRITTEN], 4);
    fixture_fini(&f);

    /* A write acknowledged on partition 1 first and, resent, on partition 0 last is lost on
     * partition 0 when committed nowhere; a partition with nothing is not touched. */
    fixture_init(&f, 1);
    fixture_partitions(&f, 3);
    history_send_partition_run(&f.h, 0, node_producer(0), 1, 0, 1, 0);
    history_callback_partition_run(&f.h, SIM_MS, node_producer(0), 1, 0, 1, 0, ERR_NONE, 0);
    history_send_partition_run(&f.h, SIM_MS, node_producer(0), 0, 0, 1, 1);
    history_callback_partition_run(&f.h, 2 * SIM_MS, node_producer(0), 0, 0, 1, 1, ERR_NONE, 0);
    r = fixture_check(&f);
    CHECK_EQ(r.lost_acked, 1);
    CHECK_EQ(f.parts[0].lost_acked, 1);
    CHECK_EQ(f.parts[1].lost_acked, 0);
    CHECK_EQ(r.partitions_touched, 1);
    fixture_fini(&f);
}

/* The partition an outcome is told on: a lost write on the partition of its latest success
 * callback, kept a byte per id until a callback names a partition above 255 and two bytes
 * from then on (the ids before keep theirs); a failed write that is committed all the same on
 * the first partition that committed it, in index order, though a later one has it too. */
typedef struct outcome_seen {
    uint32_t lost_on[8];
    uint32_t written_on[8];
} outcome_seen;

static void outcome_seen_visit(void *ctx, checker_anomaly kind, uint32_t partition,
                               uint32_t record, int64_t offset) {
    outcome_seen *s = ctx;
    (void)offset;
    if (record >= 8) return;
    if (kind == CHECKER_LOST_ACKED) s->lost_on[record] = partition + 1;
    if (kind == CHECKER_FAILED_BUT_WRITTEN) s->written_on[record] = partition + 1;
}

static void test_outcome_partitions(void) {
    fixture f;
    fixture_init(&f, 6);
    fixture_partitions(&f, 4);
    uint16_t acked_on[4] = {1, 200, 300, 3};
    for (uint32_t id = 0; id < 6; id++)
        history_send_partition_run(&f.h, 0, node_producer(0), (uint16_t)(id % 4), id, 1, 0);
    for (uint32_t id = 0; id < 4; id++) /* acknowledged, never committed */
        history_callback_partition_run(&f.h, SIM_MS, node_producer(0), acked_on[id], id, 1, 0,
                                       ERR_NONE, -1);
    for (uint32_t id = 4; id < 6; id++) /* told failed, committed */
        history_callback_partition_run(&f.h, SIM_MS, node_producer(0), 0, id, 1, 0,
                                       ERR_NOT_ENOUGH_REPLICAS, -1);
    fixture_log_on(&f, 3, 0, (const uint32_t[]){4, 5}, 2);
    fixture_log_on(&f, 2, 0, (const uint32_t[]){5}, 1);
    checker_result r = fixture_check(&f);
    CHECK_EQ(r.lost_acked, 4);
    CHECK_EQ(r.failed_but_written, 2);
    CHECK_EQ(f.parts[1].lost_acked, 1);
    CHECK_EQ(f.parts[3].lost_acked, 1);
    outcome_seen s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(checker_run_visit(&f.in, &r, outcome_seen_visit, &s), 0);
    for (uint32_t id = 0; id < 4; id++) CHECK_EQ(s.lost_on[id], acked_on[id] + 1u);
    CHECK_EQ(s.written_on[4], 3 + 1);
    CHECK_EQ(s.written_on[5], 2 + 1);
    fixture_fini(&f);
}

/* The callbacks of a batch of listed ids told as one record of its payload (history.h,
 * HIST_CALLBACK_PAYLOAD, what a producer stores where the checker alone reads the history)
 * give the verdict, partitions and latencies a record per id gives. */
static void test_payload_callbacks(void) {
    fixture f;
    fixture_init(&f, 10);
    fixture_partitions(&f, 3);
    const uint32_t acked[] = {7, 3, 5}, failed[] = {1, 0}, lost[] = {6, 4};
    uint32_t lost_payload = proto_payload_add(&f.p, lost, 2);
    history_send_partition_run(&f.h, 0, node_producer(0), 0, 0, 10, 0);
    for (int k = 0; k < 3; k++)
        history_callback_partition_run(&f.h, SIM_MS, node_producer(0), 2, acked[k], 1, 0,
                                       ERR_NONE, -1);
    for (int k = 0; k < 2; k++)
        history_callback_partition_run(&f.h, 2 * SIM_MS, node_producer(0), 1, failed[k], 1, 0,
                                       ERR_NOT_ENOUGH_REPLICAS, -1);
    for (int k = 0; k < 2; k++)
        history_callback_partition_run(&f.h, 3 * SIM_MS, node_producer(0), 1, lost[k], 1, 0,
                                       ERR_NONE, -1);
    fixture_log_on(&f, 2, 0, acked, 3);
    uint32_t acked_payload = f.plog[2][0].payload;
    fixture_log_on(&f, 1, 0, failed, 2);
    uint32_t failed_payload = f.plog[1][0].payload;
    checker_result want = fixture_check(&f);
    CHECK_EQ(want.lost_acked, 2);
    CHECK_EQ(want.failed_but_written, 2);
    checker_partition want_parts[3];
    memcpy(want_parts, f.parts, sizeof want_parts);

    checker_stream cs;
    CHECK_EQ(checker_stream_init(&cs, f.in.records), 0);
    cs.payloads = &f.p;
    history win;
    CHECK_EQ(history_init(&win, 0), 0);
    win.coalesce = true;
    win.sink = fixture_sink;
    win.sink_ctx = &cs;
    CHECK(history_only_counted(&win));
    history_send_partition_run(&win, 0, node_producer(0), 0, 0, 10, 0);
    history_callback_payload(&win, SIM_MS, node_producer(0), 2, acked_payload, 7, 3, ERR_NONE);
    history_callback_payload(&win, 2 * SIM_MS, node_producer(0), 1, failed_payload, 1, 2,
                             ERR_NOT_ENOUGH_REPLICAS);
    history_callback_payload(&win, 3 * SIM_MS, node_producer(0), 1, lost_payload, 6, 2,
                             ERR_NONE);
    CHECK_EQ(win.count, 4); /* none continues another */
    history_flush(&win);
    checker_result got;
    memset(f.parts, 0, sizeof f.parts);
    CHECK_EQ(checker_stream_finish(&cs, &f.in, &got, NULL, NULL), 0);
    CHECK(memcmp(&got, &want, sizeof got) == 0);
    CHECK(memcmp(f.parts, want_parts, sizeof want_parts) == 0);
    history_fini(&win);
    checker_stream_fini(&cs);
    fixture_fini(&f);
}

int main(void) {
    test_control_batches();
    test_empty();
    test_clean();
    test_duplicates();
    test_reordered();
    test_duplicates_of_reordered();
    test_lost_acked();
    test_failed_but_written();
    test_lost_then_resent();
    test_unexpected_and_straddle();
    test_counters();
    test_latency_exact();
    test_send_order();
    test_visit();
    test_coalesced();
    test_runs_by_word();
    test_callbacks_over_sends();
    test_order_per_producer();
    test_order_per_partition();
    test_anomalies_by_partition();
    test_outcome_partitions();
    test_payload_callbacks();
    return test_result("test_checker");
}
