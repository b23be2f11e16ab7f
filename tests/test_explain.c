/*
 * test_explain.c: the causal chain of every anomaly kind, on hand-made histories that follow
 * the mechanisms of kafka-semantics.md section 5 (S1 retry duplicate, S2 reordering, S4 acks=1
 * loss, S8 delivery timeout and the application's resend, S9/S12 idempotence misses),
 * asserting the text of each chain; the records of one batch that share a story are told in
 * one sentence.
 */
#include "explain.h"
#include "sim.h"
#include "test.h"

typedef struct fixture {
    history h;
    proto_payloads p;
    proto_batch log[16];
    size_t log_count;
    checker_input in;
    config c;
    char out[8192];
} fixture;

static fixture fx; /* large; one test at a time */

static void fixture_init(void) {
    memset(&fx, 0, sizeof fx);
    CHECK_EQ(history_init(&fx.h, 16), 0);
    CHECK_EQ(proto_payloads_init(&fx.p, 64), 0);
    fx.in.history = &fx.h;
    fx.in.payloads = &fx.p;
    fx.in.log = fx.log;
    fx.c.acks = -1;
    fx.c.max_in_flight = 5;
    fx.c.min_insync_replicas = 2;
    fx.c.request_timeout_ns = 30 * SIM_MS;
    fx.c.delivery_timeout_ns = 120 * SIM_MS;
    fx.c.fault_count = 2;
    snprintf(fx.c.faults[0].name, sizeof fx.c.faults[0].name, "drop1");
    snprintf(fx.c.faults[1].name, sizeof fx.c.faults[1].name, "crash1");
}

static void fixture_fini(void) {
    history_fini(&fx.h);
    proto_payloads_fini(&fx.p);
}

static uint32_t payload_range(uint32_t lo, uint32_t hi) {
    uint32_t ids[64];
    for (uint32_t i = lo; i <= hi; i++) ids[i - lo] = i;
    return proto_payload_add(&fx.p, ids, hi - lo + 1);
}

static proto_batch batch(uint32_t payload, uint16_t attempt, int64_t base_offset) {
    uint32_t n = proto_payload_ids(&fx.p, payload).n;
    return (proto_batch){.base_offset = base_offset, .producer_id = PROTO_NO_PRODUCER_ID,
                         .payload = payload, .record_count = n, .base_sequence = -1,
                         .producer_epoch = -1, .attempt = attempt};
}

static void log_add(proto_batch b) {
    fx.log[fx.log_count++] = b;
    fx.in.log_count = fx.log_count;
    fx.in.high_watermark = b.base_offset + b.record_count;
}

static void sends(int64_t t, uint32_t lo, uint32_t hi) {
    for (uint32_t i = lo; i <= hi; i++) history_send(&fx.h, t, node_producer(0), i, 0);
}

static void callbacks(int64_t t, uint32_t lo, uint32_t hi, int err, int64_t base) {
    for (uint32_t i = lo; i <= hi; i++)
        history_callback(&fx.h, t, node_producer(0), i, 0, err, err ? -1 : base + (i - lo));
}

static void drop_response(int64_t t, node_id broker, int64_t offset, int fault) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.is_response = 1;
    m.from = broker;
    m.to = node_producer(0);
    m.u.produce_response.base_offset = offset;
    history_drop(&fx.h, t, &m, fault, false);
}

/* Runs the explainer into fx.out; returns its count. */
static int explain(int limit) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return -1;
    fx.in.records = 20;
    int n = explain_run(f, &fx.h, &fx.p, &fx.in, &fx.c, limit);
    rewind(f);
    size_t len = fread(fx.out, 1, sizeof fx.out - 1, f);
    fx.out[len] = 0;
    fclose(f);
    return n;
}

/* S1: the response of an appended batch is lost; the retry is appended again. */
static void test_duplicate_retry(void) {
    fixture_init();
    uint32_t b0 = payload_range(0, 4), b1 = payload_range(5, 9);
    sends(SIM_MS, 0, 9);
    proto_batch a = batch(b0, 1, 0), c = batch(b1, 1, 5);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &c, 1);
    history_append(&fx.h, 2 * SIM_MS, node_broker(1), &a, true);
    drop_response(2 * SIM_MS, node_broker(1), 0, 0);
    history_append(&fx.h, 2500 * SIM_US, node_broker(1), &c, true);
    callbacks(3 * SIM_MS, 5, 9, ERR_NONE, 5);
    history_retry(&fx.h, 31 * SIM_MS, node_producer(0), &a, ERR_REQUEST_TIMED_OUT);
    proto_batch a2 = batch(b0, 2, 10);
    history_attempt(&fx.h, 31 * SIM_MS, node_producer(0), &a2, 1);
    history_append(&fx.h, 32 * SIM_MS, node_broker(1), &a2, true);
    callbacks(33 * SIM_MS, 0, 4, ERR_NONE, 10);
    log_add(a);
    log_add(c);
    log_add(a2);
    CHECK_EQ(explain(1), 1);
    CHECK_STR(fx.out,
              "record 0 duplicated (Jepsen: duplicate, 2 committed copies): attempt 1 was "
              "appended at offset 0 on broker-1 at 2.000 ms; the response was dropped (fault "
              "drop1); the producer retried after request.timeout.ms (30.000 ms); idempotence "
              "is off, so broker-1 appended it again at offset 10.\n"
              "(4 more duplicate anomalies not explained; --explain=N shows more)\n");
    /* The five records of the batch share one story: one sentence tells them. */
    CHECK_EQ(explain(10), 5);
    CHECK_STR(fx.out,
              "records 0..4 duplicated (Jepsen: duplicate, 2 committed copies each): attempt 1 "
              "was appended at offsets 0..4 on broker-1 at 2.000 ms; the response was dropped "
              "(fault drop1); the producer retried after request.timeout.ms (30.000 ms); "
              "idempotence is off, so broker-1 appended them again at offsets 10..14.\n");

    /* The same with idempotence on and an epoch bump in between (S9). */
    fx.log[0].producer_id = fx.log[2].producer_id = 1;
    fx.log[0].producer_epoch = 0;
    fx.log[2].producer_epoch = 1;
    fx.log[2].base_sequence = 0;
    explain(1);
    CHECK_CONTAINS(fx.out, "the producer had bumped its epoch to 1, which restarts sequence "
                           "numbers, so broker-1 took attempt 2 (sequence 0) for new records "
                           "and appended it again at offset 10");
    fx.log[2].producer_epoch = 0;
    explain(1);
    CHECK_CONTAINS(fx.out, "broker-1 had no record of the first append in its producer state");
    fixture_fini();
}

/* S2: the first batch's request is dropped, the second overtakes it, the retry lands last. */
static void test_reordered(void) {
    fixture_init();
    uint32_t b0 = payload_range(10, 12), b1 = payload_range(13, 19);
    sends(SIM_MS, 10, 19);
    proto_batch a = batch(b0, 1, -1), c = batch(b1, 1, 0);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.from = node_producer(0);
    m.to = node_broker(1);
    m.u.produce.batch = a;
    history_drop(&fx.h, SIM_MS, &m, 0, false);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &c, 1);
    history_append(&fx.h, 2 * SIM_MS, node_broker(1), &c, true);
    callbacks(3 * SIM_MS, 13, 19, ERR_NONE, 0);
    history_retry(&fx.h, 31 * SIM_MS, node_producer(0), &a, ERR_REQUEST_TIMED_OUT);
    proto_batch a2 = batch(b0, 2, 7);
    history_attempt(&fx.h, 31 * SIM_MS, node_producer(0), &a2, 1);
    history_append(&fx.h, 32 * SIM_MS, node_broker(1), &a2, true);
    callbacks(33 * SIM_MS, 10, 12, ERR_NONE, 7);
    log_add(c);
    log_add(a2);
    CHECK_EQ(explain(1), 1);
    CHECK_STR(fx.out,
              "record 10 reordered (Jepsen: nonmonotonic-send): it was in the batch with "
              "records 10..12; attempt 1 to broker-1 was dropped (fault drop1); the producer "
              "retried after request.timeout.ms (30.000 ms); the batch with records 13..19 "
              "(attempt 1) was appended at offset 0 first, at 2.000 ms; the retry of record "
              "10 landed at offset 7, at 32.000 ms; max.in.flight.requests.per."
              "connection=5 and idempotence is off, so nothing held the later batch back.\n"
              "(2 more nonmonotonic-send anomalies not explained; --explain=N shows more)\n");
    CHECK_EQ(explain(10), 3);
    CHECK_STR(fx.out,
              "records 10..12 reordered (Jepsen: nonmonotonic-send): they were in the batch "
              "with records 10..12; attempt 1 to broker-1 was dropped (fault drop1); the "
              "producer retried after request.timeout.ms (30.000 ms); the batch with records "
              "13..19 (attempt 1) was appended at offset 0 first, at 2.000 ms; the retry of "
              "records 10..12 landed at offsets 7..9, at 32.000 ms; max.in.flight.requests.per."
              "connection=5 and idempotence is off, so nothing held the later batch back.\n");
    fixture_fini();
}

/* S8 with an idempotent producer: record 0's batch expires unsent, the application resends it
 * after records 1..4 were appended; the resend, not the broker, put it after them. */
static void test_resend_reordered(void) {
    fixture_init();
    uint32_t b0 = payload_range(0, 0), b1 = payload_range(1, 4), b2 = payload_range(0, 0);
    sends(SIM_MS, 0, 4);
    proto_batch a = batch(b0, 1, -1), c = batch(b1, 1, 0), r = batch(b2, 1, 4);
    a.producer_id = c.producer_id = r.producer_id = 7;
    a.producer_epoch = c.producer_epoch = r.producer_epoch = 0;
    a.base_sequence = 0;
    c.base_sequence = 0;
    r.base_sequence = 4;
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_expire(&fx.h, 121 * SIM_MS, node_producer(0), &a, false);
    callbacks(121 * SIM_MS, 0, 0, ERR_CLIENT_DELIVERY_TIMEOUT, 0);
    history_attempt(&fx.h, 122 * SIM_MS, node_producer(0), &c, 1);
    history_append(&fx.h, 123 * SIM_MS, node_broker(1), &c, true);
    callbacks(124 * SIM_MS, 1, 4, ERR_NONE, 0);
    history_send(&fx.h, 125 * SIM_MS, node_producer(0), 0, 1);
    history_attempt(&fx.h, 125 * SIM_MS, node_producer(0), &r, 1);
    history_append(&fx.h, 126 * SIM_MS, node_broker(1), &r, true);
    history_callback(&fx.h, 127 * SIM_MS, node_producer(0), 0, 1, ERR_NONE, 4);
    log_add(c);
    log_add(r);
    CHECK_EQ(explain(3), 1);
    CHECK_CONTAINS(fx.out, "record 0 reordered (Jepsen: nonmonotonic-send): it was in the "
                           "batch with record 0; the application was told it failed "
                           "(DELIVERY_TIMEOUT at 121.000 ms) and sent it again; ");
    CHECK_CONTAINS(fx.out, "the resend made it a new record, sent after the larger ids, so the "
                           "leader appended it after those: idempotence keeps a producer's "
                           "retries in order, not the application's resends.\n");
    CHECK(strstr(fx.out, "out of sequence order") == NULL);
    fixture_fini();
}

/* S4: acks=1, the leader crashes before the follower fetched; the new leader lacks it. */
static void test_lost_acked(void) {
    fixture_init();
    fx.c.acks = 1;
    uint32_t b0 = payload_range(0, 4), b1 = payload_range(5, 9);
    history_isr(&fx.h, 0, 6, 0); /* brokers 1 and 2 */
    sends(SIM_MS, 0, 4);
    proto_batch a = batch(b0, 1, 0);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_append(&fx.h, 3 * SIM_MS, node_broker(1), &a, true);
    callbacks(3100 * SIM_US, 0, 4, ERR_NONE, 0);
    history_crash(&fx.h, 3200 * SIM_US, node_broker(1), true);
    history_fault(&fx.h, 3200 * SIM_US, 1, node_broker(1), true);
    history_election(&fx.h, 10 * SIM_MS, 2, 1, false);
    sends(11 * SIM_MS, 5, 9);
    proto_batch c = batch(b1, 1, 0);
    history_append(&fx.h, 12 * SIM_MS, node_broker(2), &c, true);
    callbacks(13 * SIM_MS, 5, 9, ERR_NONE, 0);
    history_crash(&fx.h, 20 * SIM_MS, node_broker(1), false);
    history_truncate(&fx.h, 21 * SIM_MS, node_broker(1), 0, 5);
    history_append(&fx.h, 22 * SIM_MS, node_broker(1), &c, false);
    log_add(c);
    CHECK_EQ(explain(1), 1);
    CHECK_STR(fx.out,
              "record 0 lost (Jepsen: lost-write; acknowledged at 3.100 ms, acks=1): broker-1 "
              "appended it at offset 0 at 3.000 ms and answered; broker-1 crashed at 3.200 ms "
              "(fault crash1) before broker-2 fetched it; broker-2 was elected leader (epoch 1) "
              "without it; broker-1 restarted at 20.000 ms; broker-1 truncated its log to "
              "offset 0 at 21.000 ms when it rejoined; acks=1 answers once the leader alone "
              "has the record.\n"
              "(4 more lost-write anomalies not explained; --explain=N shows more)\n");

    /* The same story with acks=all and an unclean election. */
    fx.c.acks = -1;
    int elections = 0;
    for (size_t i = 0; i < fx.h.count; i++)
        if (fx.h.recs[i].kind == HIST_ELECTION) {
            fx.h.recs[i].b = 1; /* unclean */
            elections++;
        }
    CHECK_EQ(elections, 1);
    explain(1);
    CHECK_CONTAINS(fx.out, "acknowledged at 3.100 ms, acks=all): broker-1 appended it at "
                           "offset 0 at 3.000 ms; ");
    CHECK_CONTAINS(fx.out, "broker-2 was elected leader (epoch 1, unclean) without it");
    CHECK_CONTAINS(fx.out, "unclean.leader.election.enable=true let a replica without it lead");

    /* A clean election again: the setting told is the partition's min.insync.replicas, its
     * topic's own (1) where the global key says 2. */
    for (size_t i = 0; i < fx.h.count; i++)
        if (fx.h.recs[i].kind == HIST_ELECTION) fx.h.recs[i].b = 0;
    topic_table_init(&fx.c.topics);
    CHECK_EQ(topic_table_add(&fx.c.topics, "orders", 1, 3, 1), 0);
    explain(1);
    CHECK_CONTAINS(fx.out, "with min.insync.replicas=1, acks=all is satisfied by the ISR as it "
                           "is, the leader alone once the ISR has shrunk");
    fixture_fini();
}

/* S8: the response is lost, the batch expires, yet the write is committed. */
static void test_failed_but_written(void) {
    fixture_init();
    uint32_t b0 = payload_range(0, 0);
    sends(SIM_MS, 0, 0);
    proto_batch a = batch(b0, 1, 0);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_append(&fx.h, 2 * SIM_MS, node_broker(1), &a, true);
    drop_response(2 * SIM_MS, node_broker(1), 0, 0);
    history_expire(&fx.h, 121 * SIM_MS, node_producer(0), &a, true);
    callbacks(121 * SIM_MS, 0, 0, ERR_CLIENT_DELIVERY_TIMEOUT, 0);
    log_add(a);
    CHECK_EQ(explain(3), 1);
    CHECK_STR(fx.out,
              "record 0 failed but written (told DELIVERY_TIMEOUT at 121.000 ms): attempt 1 was "
              "appended at offset 0 on broker-1 at 2.000 ms; the response was dropped (fault "
              "drop1); the batch expired after delivery.timeout.ms (120.000 ms) while in "
              "flight; the write was committed at offset 0 all the same; a delivery timeout "
              "(KIP-91) means the outcome is unknown, not that the write failed.\n");

    /* The application resends it: now a duplicate of an application resend. */
    history_send(&fx.h, 122 * SIM_MS, node_producer(0), 0, 1);
    uint32_t b1 = payload_range(0, 0);
    proto_batch r = batch(b1, 1, 1);
    history_attempt(&fx.h, 122 * SIM_MS, node_producer(0), &r, 1);
    history_append(&fx.h, 123 * SIM_MS, node_broker(1), &r, true);
    history_callback(&fx.h, 124 * SIM_MS, node_producer(0), 0, 1, ERR_NONE, 1);
    log_add(r);
    CHECK_EQ(explain(3), 1);
    CHECK_CONTAINS(fx.out, "record 0 duplicated (Jepsen: duplicate, 2 committed copies): "
                           "attempt 1 was appended at offset 0 on broker-1 at 2.000 ms; ");
    CHECK_CONTAINS(fx.out, "the application was told it failed (DELIVERY_TIMEOUT at 121.000 "
                           "ms) and sent it again; a resend is a new record to the producer");
    CHECK_CONTAINS(fx.out, "so broker-1 appended it again at offset 1.\n");
    CHECK(strstr(fx.out, "failed but written") == NULL);
    fixture_fini();
}

static void test_unexpected_and_clean(void) {
    fixture_init();
    CHECK_EQ(explain(5), 0);
    CHECK_STR(fx.out, "explain: no anomaly to explain\n");
    uint32_t b0 = payload_range(7, 7);
    log_add(batch(b0, 1, 0));
    CHECK_EQ(explain(5), 1);
    CHECK_STR(fx.out, "record 7 unexpected (Jepsen: unexpected): it is at offset 0 of the "
                      "committed log, but the application never sent it.\n");
    CHECK_EQ(explain(0), 0);
    fixture_fini();
}

/* The work of one explain over n batches of two records, each appended, its response dropped,
 * retried and appended again (2n duplicates, n stories), all explained. */
static uint64_t linear_work(uint32_t n) {
    fixture_init();
    proto_batch *log = malloc(2 * (size_t)n * sizeof *log);
    CHECK(log != NULL);
    if (!log) return 0;
    fx.in.log = log;
    for (uint32_t k = 0; k < n; k++) {
        int64_t t = (int64_t)k * 40 * SIM_MS;
        uint32_t pl = payload_range(2 * k, 2 * k + 1);
        proto_batch a = batch(pl, 1, 4 * (int64_t)k), a2 = batch(pl, 2, 4 * (int64_t)k + 2);
        sends(t, 2 * k, 2 * k + 1);
        history_attempt(&fx.h, t, node_producer(0), &a, 1);
        history_append(&fx.h, t + SIM_MS, node_broker(1), &a, true);
        drop_response(t + SIM_MS, node_broker(1), a.base_offset, 0);
        history_retry(&fx.h, t + 31 * SIM_MS, node_producer(0), &a, ERR_REQUEST_TIMED_OUT);
        history_attempt(&fx.h, t + 31 * SIM_MS, node_producer(0), &a2, 1);
        history_append(&fx.h, t + 32 * SIM_MS, node_broker(1), &a2, true);
        callbacks(t + 33 * SIM_MS, 2 * k, 2 * k + 1, ERR_NONE, a2.base_offset);
        log[fx.log_count++] = a;
        log[fx.log_count++] = a2;
    }
    fx.in.log_count = fx.log_count;
    fx.in.high_watermark = 4 * (int64_t)n;
    fx.in.records = 2 * n;
    FILE *f = tmpfile();
    CHECK(f != NULL);
    uint64_t work = 0;
    if (f) {
        CHECK_EQ(explain_run_work(f, &fx.h, &fx.p, &fx.in, &fx.c, 100000, &work), (int)(2 * n));
        rewind(f);
        size_t len = fread(fx.out, 1, sizeof fx.out - 1, f);
        fx.out[len] = 0;
        fclose(f);
    }
    CHECK_CONTAINS(fx.out, "records 0..1 duplicated (Jepsen: duplicate, 2 committed copies "
                           "each): attempt 1 was appended at offsets 0..1 on broker-1");
    free(log);
    fixture_fini();
    return work;
}

/* The work of explaining n acks=1 batches of 2 records, each appended by broker-1 and answered
 * (the high watermark moves to each batch's base offset, so the next move commits it), all lost
 * when broker-1 crashes and broker-2 without them is elected (uncleanly) at the end. */
static uint64_t linear_lost_work(uint32_t n) {
    fixture_init();
    fx.c.acks = 1;
    history_isr(&fx.h, 0, 6, 0); /* brokers 1 and 2 */
    for (uint32_t k = 0; k < n; k++) {
        int64_t t = (int64_t)k * 10 * SIM_MS;
        proto_batch a = batch(payload_range(2 * k, 2 * k + 1), 1, 2 * (int64_t)k);
        sends(t, 2 * k, 2 * k + 1);
        history_attempt(&fx.h, t, node_producer(0), &a, 1);
        history_append(&fx.h, t + SIM_MS, node_broker(1), &a, true);
        callbacks(t + 2 * SIM_MS, 2 * k, 2 * k + 1, ERR_NONE, a.base_offset);
        history_hw(&fx.h, t + 3 * SIM_MS, node_broker(1), a.base_offset);
    }
    int64_t end = (int64_t)n * 10 * SIM_MS;
    history_crash(&fx.h, end, node_broker(1), true);
    history_election(&fx.h, end + SIM_MS, 2, 1, true);
    fx.in.records = 2 * n;
    FILE *f = tmpfile();
    CHECK(f != NULL);
    uint64_t work = 0;
    if (f) {
        CHECK_EQ(explain_run_work(f, &fx.h, &fx.p, &fx.in, &fx.c, 100000, &work), (int)(2 * n));
        rewind(f);
        size_t len = fread(fx.out, 1, sizeof fx.out - 1, f);
        fx.out[len] = 0;
        fclose(f);
    }
    CHECK_CONTAINS(fx.out, "records 0..1 lost (Jepsen: lost-write; acknowledged at 2.000 ms, "
                           "acks=1): broker-1 appended them at offsets 0..1 at 1.000 ms and "
                           "answered; the high watermark on broker-1 passed them at 13.000 ms "
                           "(committed); broker-1 crashed at ");
    CHECK_CONTAINS(fx.out, " ms before broker-2 fetched them; broker-2 was elected leader (epoch "
                           "1, unclean) without them; acks=1 answers once the leader alone has "
                           "the record.\n");
    fixture_fini();
    return work;
}

/* Explaining is linear in the anomalies it tells and the history it reads: twice the batches
 * (twice the history, twice the anomalies) at most about twice the work. Walking the history
 * from its start for each chain, or the kept anomalies for each duplicate, made it 4 times;
 * so did walking it twice for each lost write's trail. */
static void test_linear(void) {
    uint64_t small = linear_work(500), large = linear_work(1000);
    CHECK(small > 0);
    CHECK(large <= small * 9 / 4);
    if (large > small * 9 / 4)
        fprintf(stderr, "explain work %llu for 500 batches, %llu for 1000\n",
                (unsigned long long)small, (unsigned long long)large);
    small = linear_lost_work(500);
    large = linear_lost_work(1000);
    CHECK(small > 0);
    CHECK(large <= small * 9 / 4);
    if (large > small * 9 / 4)
        fprintf(stderr, "explain work %llu for 500 lost batches, %llu for 1000\n",
                (unsigned long long)small, (unsigned long long)large);
}

/* Two partitions: the duplicate on partition 1 is told under its partition's name, against
 * its own log (offsets 0 and 5 there), and partition 0, without anomalies, is not named. */
static void test_partitions(void) {
    fixture_init();
    uint32_t b0 = payload_range(0, 4), b1 = payload_range(5, 9);
    sends(SIM_MS, 0, 9);
    proto_batch a = batch(b0, 1, 0), c = batch(b1, 1, 0);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &c, 2);
    history_append(&fx.h, 2 * SIM_MS, node_broker(1), &a, true);
    history_append(&fx.h, 2 * SIM_MS, node_broker(2), &c, true);
    drop_response(2 * SIM_MS, node_broker(2), 0, 0);
    callbacks(3 * SIM_MS, 0, 4, ERR_NONE, 0);
    history_retry(&fx.h, 31 * SIM_MS, node_producer(0), &c, ERR_REQUEST_TIMED_OUT);
    proto_batch c2 = batch(b1, 2, 5);
    history_attempt(&fx.h, 31 * SIM_MS, node_producer(0), &c2, 2);
    history_append(&fx.h, 32 * SIM_MS, node_broker(2), &c2, true);
    callbacks(33 * SIM_MS, 5, 9, ERR_NONE, 5);
    proto_batch p0[1] = {a}, p1[2] = {c, c2};
    checker_log logs[2] = {{.log = p0, .log_count = 1, .high_watermark = 5, .leader = 1},
                           {.log = p1, .log_count = 2, .high_watermark = 10, .leader = 2}};
    log_add(a);
    fx.in.partitions = logs;
    fx.in.partition_count = 2;
    CHECK_EQ(explain(10), 5);
    CHECK_CONTAINS(fx.out, "partition ");
    CHECK_CONTAINS(fx.out, "-1:\nrecords 5..9 duplicated (Jepsen: duplicate, 2 committed copies "
                           "each): attempt 1 was appended at offsets 0..4 on broker-2 at 2.000 "
                           "ms; the response was dropped (fault drop1)");
    CHECK_CONTAINS(fx.out, "broker-2 appended them again at offsets 5..9.\n");
    CHECK(strstr(fx.out, "-0:") == NULL);
    fx.in.partitions = NULL;
    fx.in.partition_count = 0;
    fixture_fini();
}

/* Two producers: order is per producer, so the batch that overtook producer-1's retry is its
 * own (records 5..9), not producer-2's earlier batch of larger ids; the story names the
 * producer of the records told. */
static void test_producers(void) {
    fixture_init();
    fx.c.producers = 2;
    fx.c.records = 20; /* producer-1 sends 0..9, producer-2 10..19 */
    uint32_t b0 = payload_range(0, 4), b1 = payload_range(5, 9), b2 = payload_range(10, 12);
    sends(SIM_MS, 0, 12);
    proto_batch a = batch(b0, 1, -1), c = batch(b1, 1, 3), o = batch(b2, 1, 0);
    o.producer = (uint8_t)node_producer(1);
    a.producer = c.producer = (uint8_t)node_producer(0);
    history_attempt(&fx.h, SIM_MS, node_producer(1), &o, 1);
    history_append(&fx.h, SIM_MS, node_broker(1), &o, true);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &a, 1);
    history_attempt(&fx.h, SIM_MS, node_producer(0), &c, 1);
    history_append(&fx.h, 2 * SIM_MS, node_broker(1), &c, true);
    history_retry(&fx.h, 31 * SIM_MS, node_producer(0), &a, ERR_REQUEST_TIMED_OUT);
    proto_batch a2 = batch(b0, 2, 8);
    a2.producer = (uint8_t)node_producer(0);
    history_attempt(&fx.h, 31 * SIM_MS, node_producer(0), &a2, 1);
    history_append(&fx.h, 32 * SIM_MS, node_broker(1), &a2, true);
    callbacks(33 * SIM_MS, 0, 12, ERR_NONE, 0);
    log_add(o);
    log_add(c);
    log_add(a2);
    CHECK_EQ(explain(10), 5);
    CHECK_CONTAINS(fx.out, "records 0..4 of producer-1 reordered (Jepsen: nonmonotonic-send)");
    CHECK_CONTAINS(fx.out, "the batch with records 5..9 (attempt 1) was appended at offset 3 "
                           "first, at 2.000 ms");
    fixture_fini();
}

int main(void) {
    test_linear();
    test_duplicate_retry();
    test_reordered();
    test_resend_reordered();
    test_lost_acked();
    test_failed_but_written();
    test_unexpected_and_clean();
    test_partitions();
    test_producers();
    return test_result("test_explain");
}
