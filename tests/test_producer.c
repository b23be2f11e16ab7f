/*
 * test_producer.c: the producer against fake brokers on a real network model.
 *
 * The fake brokers answer Metadata (leader = broker 1) and InitProducerId (ids 1000, 1001, ...)
 * by themselves and keep every ProduceRequest for the test to answer with crafted responses.
 * Checks: batching by batch.size and linger.ms, the in-flight limit, retries reversed on a
 * simultaneous failure without idempotence, muting at in-flight 1, sequences assigned at drain,
 * OUT_OF_ORDER_SEQUENCE_NUMBER handling (not next -> retry; next -> epoch bump and sequence
 * reset; before 2.5 -> a new producer id), delivery timeout of queued and in-flight batches,
 * request timeout failing every request in flight oldest first, and a restart giving a new
 * producer id with the unacknowledged records sent again.
 */
#include "producer.h"
#include "producer_config.h"

#include "test.h"

#define REQUESTS_MAX 256

typedef struct fake {
    sim_world world;
    net net;
    history hist;
    proto_payloads payloads;
    config cfg;
    producer prod;
    uint16_t kind_tick;
    int64_t next_pid;             /* InitProducerId hands these out */
    int init_pid_count;           /* InitProducerId requests seen */
    bool answer_metadata;         /* answer Metadata at all */
    int32_t leader_epoch;         /* the leader epoch Metadata answers name */
    int metadata_count;           /* Metadata requests seen */
    int64_t metadata_ns[REQUESTS_MAX]; /* when they arrived */
    int count;                    /* ProduceRequests seen */
    proto_msg req[REQUESTS_MAX];  /* them, in arrival order */
    int64_t at_ns[REQUESTS_MAX];  /* when they arrived */
} fake;

static fake F;

static void fake_broker_deliver(void *ctx, const proto_msg *m) {
    (void)ctx;
    if (m->is_response) return;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    if (m->api == API_METADATA) {
        if (F.metadata_count < REQUESTS_MAX) F.metadata_ns[F.metadata_count++] = sim_now(&F.world);
        if (!F.answer_metadata) return;
        r.u.metadata_response.leader = 1;
        r.u.metadata_response.leader_epoch = F.leader_epoch;
        net_send(&F.net, &r);
    } else if (m->api == API_INIT_PRODUCER_ID) {
        F.init_pid_count++;
        r.u.init_pid_response.producer_id = F.next_pid++;
        r.u.init_pid_response.producer_epoch = 0;
        net_send(&F.net, &r);
    } else if (m->api == API_PRODUCE && F.count < REQUESTS_MAX) {
        F.at_ns[F.count] = sim_now(&F.world);
        F.req[F.count++] = *m;
    }
}

static void fake_on_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

static void run_until(int64_t t) {
    if (t > sim_now(&F.world)) sim_schedule(&F.world, t, F.kind_tick, 0);
    F.world.opt.time_max_ns = t;
    sim_run(&F.world);
}

/* A 3.7 producer (producer_config.h), 12 records. */
static void fake_config(config *c) { producer_test_config(c, 30700, 12); }

static void fake_start(const config *c) {
    memset(&F, 0, sizeof F);
    F.cfg = *c;
    F.next_pid = 1000;
    F.answer_metadata = true;
    sim_world_options wopt = {.seed = 1, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&F.world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = c->latency_ns, .jitter_ns = 0, .stream_id = 1};
    if (net_init(&F.net, &F.world, &nopt) != 0) abort();
    if (history_init(&F.hist, 1024) != 0) abort();
    if (proto_payloads_init(&F.payloads, 64) != 0) abort();
    F.kind_tick = sim_handler_add(&F.world, fake_on_tick, NULL, "tick");
    net_listen(&F.net, node_broker(1), fake_broker_deliver, NULL);
    net_listen(&F.net, node_broker(2), fake_broker_deliver, NULL);
    producer_env env = {.world = &F.world, .net = &F.net, .history = &F.hist, .config = &F.cfg,
                        .payloads = &F.payloads};
    int bootstrap[2] = {1, 2};
    if (producer_init(&F.prod, &env, 0, bootstrap, 2) != 0) abort();
    producer_start(&F.prod);
}

static void fake_stop(void) {
    producer_check(&F.prod);
    CHECK_EQ(F.world.status == SIM_FAILED, 0);
    producer_fini(&F.prod);
    proto_payloads_fini(&F.payloads);
    history_fini(&F.hist);
    net_fini(&F.net);
    sim_world_fini(&F.world);
}

/* Answers ProduceRequest k (index into F.req). */
static void answer(int k, int error, int64_t base_offset) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.api = API_PRODUCE;
    r.is_response = 1;
    r.from = F.req[k].to;
    r.to = F.req[k].from;
    r.correlation_id = F.req[k].correlation_id;
    r.conn_gen = F.req[k].conn_gen;
    r.u.produce_response.error = (int16_t)error;
    r.u.produce_response.base_offset = error == ERR_NONE ? base_offset : -1;
    net_send(&F.net, &r);
}

static const proto_batch *sent(int k) { return &F.req[k].u.produce.batch; }

/* First record id of the batch carried by request k. */
static uint32_t first_id(int k) {
    return proto_payload_ids(&F.payloads, sent(k)->payload).first;
}

/* History records of a kind, counted; the error of the last callback for record id. */
static int hist_count(history_kind kind) {
    int n = 0;
    for (size_t i = 0; i < F.hist.count; i++) n += F.hist.recs[i].kind == kind;
    return n;
}

static int last_callback_error(uint32_t id) {
    int e = -1;
    for (size_t i = 0; i < F.hist.count; i++)
        if (F.hist.recs[i].kind == HIST_CALLBACK && F.hist.recs[i].a == id) e = F.hist.recs[i].c;
    return e;
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void test_batching_and_in_flight(void) {
    config c;
    fake_config(&c);
    c.records = 40; /* 10 batches of 4 */
    fake_start(&c);
    run_until(10 * SIM_MS);
    CHECK_EQ(F.prod.records_per_batch, 4);
    CHECK_EQ(F.count, 5); /* max.in.flight.requests.per.connection */
    for (int k = 0; k < F.count; k++) {
        CHECK_EQ(sent(k)->record_count, 4);
        CHECK_EQ(first_id(k), 4 * k);
        CHECK_EQ(sent(k)->attempt, 1);
        CHECK_EQ(sent(k)->base_sequence, PROTO_NO_SEQUENCE);
    }
    answer(0, ERR_NONE, 0);
    run_until(20 * SIM_MS);
    CHECK_EQ(F.count, 6);
    CHECK_EQ(F.prod.acked, 4);
    CHECK_EQ(last_callback_error(3), ERR_NONE);
    fake_stop();
}

static void test_linger(void) {
    config c;
    fake_config(&c);
    c.records = 100;
    c.rate_per_s = 100; /* one record every 10 ms */
    c.linger_ns = 25 * SIM_MS;
    fake_start(&c);
    run_until(60 * SIM_MS);
    /* Record 0 at 0 ms opens a batch; 10 and 20 ms join it; linger ends at 25 ms. */
    CHECK(F.count >= 1);
    CHECK_EQ(sent(0)->record_count, 3);
    CHECK_EQ(F.at_ns[0], 26 * SIM_MS);
    fake_stop();
}

/* Metadata.timeToNextUpdate: with no error at all the producer still refreshes its metadata
 * every metadata.max.age.ms after the last successful update (DefaultMetadataUpdater). */
static void test_metadata_max_age(void) {
    config c;
    fake_config(&c);
    c.records = 1;
    c.metadata_max_age_ns = 1 * SIM_S;
    fake_start(&c);
    run_until(10 * SIM_MS);
    CHECK_EQ(F.metadata_count, 1); /* the first, at start */
    CHECK_EQ(F.count, 1);
    answer(0, ERR_NONE, 0);
    run_until(3500 * SIM_MS);
    /* Answered at 1 ms, seen at 2 ms: expiries at 1.002 s and 2.004 s, arriving 1 ms later. */
    CHECK_EQ(F.metadata_count, 4);
    CHECK_EQ(F.metadata_ns[1], 1003 * SIM_MS);
    CHECK_EQ(F.metadata_ns[2], 2005 * SIM_MS);
    CHECK_EQ(F.metadata_ns[3], 3007 * SIM_MS);
    fake_stop();
    /* The default, 5 minutes, asks once in a short run. */
    fake_config(&c);
    c.records = 1;
    fake_start(&c);
    run_until(3500 * SIM_MS);
    CHECK_EQ(F.metadata_count, 1);
    fake_stop();
}

static void test_reversal_without_idempotence(void) {
    config c;
    fake_config(&c);
    fake_start(&c); /* 12 records: 3 batches */
    run_until(10 * SIM_MS);
    CHECK_EQ(F.count, 3);
    for (int k = 0; k < 3; k++) answer(k, ERR_NOT_LEADER_OR_FOLLOWER, -1);
    run_until(400 * SIM_MS);
    CHECK_EQ(F.count, 6);
    /* Each failure went to the front of the deque: the retries come back reversed. */
    CHECK_EQ(first_id(3), 8);
    CHECK_EQ(first_id(4), 4);
    CHECK_EQ(first_id(5), 0);
    CHECK_EQ(sent(3)->attempt, 2);
    CHECK_EQ(hist_count(HIST_RETRY), 3);
    fake_stop();
}

static void test_muting_at_one_in_flight(void) {
    config c;
    fake_config(&c);
    c.max_in_flight = 1;
    fake_start(&c);
    run_until(10 * SIM_MS);
    CHECK_EQ(F.count, 1);
    answer(0, ERR_NOT_ENOUGH_REPLICAS, -1);
    run_until(50 * SIM_MS);
    CHECK_EQ(F.count, 1); /* backing off: nothing overtakes the failed batch */
    run_until(300 * SIM_MS);
    CHECK_EQ(F.count, 2);
    CHECK_EQ(first_id(1), 0);
    answer(1, ERR_NONE, 0);
    run_until(310 * SIM_MS);
    CHECK_EQ(F.count, 3);
    CHECK_EQ(first_id(2), 4);
    fake_stop();
}

static void test_sequences_at_drain(void) {
    config c;
    fake_config(&c);
    c.enable_idempotence = true;
    fake_start(&c);
    run_until(10 * SIM_MS);
    CHECK_EQ(F.init_pid_count, 1);
    CHECK_EQ(F.count, 3);
    for (int k = 0; k < 3; k++) {
        CHECK_EQ(sent(k)->producer_id, 1000);
        CHECK_EQ(sent(k)->producer_epoch, 0);
        CHECK_EQ(sent(k)->base_sequence, 4 * k);
    }
    fake_stop();
}

static void test_oosn_not_next_retries(void) {
    config c;
    fake_config(&c);
    c.enable_idempotence = true;
    fake_start(&c);
    run_until(10 * SIM_MS);
    /* Batch 0 fails retriably; 1 and 2 get OOSN because 0 is missing: not next, retry only. */
    answer(0, ERR_NOT_LEADER_OR_FOLLOWER, -1);
    answer(1, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    answer(2, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    run_until(300 * SIM_MS);
    CHECK_EQ(F.prod.epoch_bumps, 0);
    CHECK_EQ(F.prod.failed, 0);
    /* Only the lowest sequence goes out while retrying. */
    CHECK_EQ(F.count, 4);
    CHECK_EQ(sent(3)->base_sequence, 0);
    CHECK_EQ(sent(3)->producer_epoch, 0);
    answer(3, ERR_NONE, 0);
    run_until(600 * SIM_MS);
    CHECK(F.count >= 5);
    CHECK_EQ(sent(4)->base_sequence, 4);
    fake_stop();
}

static void test_oosn_next_bumps_epoch(void) {
    config c;
    fake_config(&c);
    c.enable_idempotence = true;
    fake_start(&c);
    run_until(10 * SIM_MS);
    /* The broker lost state: batch 0 (next expected) gets OOSN. */
    answer(0, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    answer(1, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    answer(2, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    run_until(400 * SIM_MS);
    CHECK_EQ(F.prod.epoch_bumps, 1);
    CHECK_EQ(hist_count(HIST_EPOCH_BUMP), 1);
    CHECK_EQ(F.init_pid_count, 1); /* a local bump: no new producer id (KIP-360) */
    CHECK_EQ(F.prod.failed, 0);
    CHECK(F.count >= 4);
    CHECK_EQ(sent(3)->producer_id, 1000);
    CHECK_EQ(sent(3)->producer_epoch, 1);
    CHECK_EQ(sent(3)->base_sequence, 0);
    CHECK_EQ(first_id(3), 0);
    fake_stop();
}

static void test_oosn_before_kip360_resets_id(void) {
    config c;
    fake_config(&c);
    c.kafka_version = 20400;
    c.retry_backoff_max_ns = 0;
    c.enable_idempotence = true;
    fake_start(&c);
    run_until(10 * SIM_MS);
    answer(0, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    run_until(20 * SIM_MS);
    CHECK_EQ(F.init_pid_count, 2);          /* a new producer id */
    CHECK_EQ(last_callback_error(0), ERR_OUT_OF_ORDER_SEQUENCE_NUMBER); /* reported */
    CHECK_EQ(F.prod.producer_id, 1001);
    CHECK_EQ(F.prod.epoch_bumps, 0);
    /* The old id's batches still in flight fail when answered; new ones start at 0. */
    answer(1, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    answer(2, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
    run_until(40 * SIM_MS);
    CHECK_EQ(last_callback_error(4), ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ(F.prod.failed, 12);
    fake_stop();
}

static void test_delivery_timeout_queued(void) {
    config c;
    fake_config(&c);
    c.delivery_timeout_ns = 40 * SIM_S;
    fake_start(&c);
    F.answer_metadata = false; /* no leader ever known: batches wait in the deque */
    F.prod.metadata_in_flight = false;
    run_until(41 * SIM_S);
    CHECK_EQ(F.count, 0);
    CHECK_EQ(F.prod.expired, 3);
    CHECK_EQ(F.prod.failed, 12);
    CHECK_EQ(last_callback_error(11), ERR_CLIENT_DELIVERY_TIMEOUT);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* A deadline that passes while the process is paused fires when the pause ends. */
static void test_delivery_timeout_during_pause(void) {
    config c;
    fake_config(&c);
    c.delivery_timeout_ns = 40 * SIM_S;
    fake_start(&c);
    F.answer_metadata = false;
    F.prod.metadata_in_flight = false;
    run_until(39 * SIM_S);
    producer_pause(&F.prod, 45 * SIM_S);
    run_until(44 * SIM_S);
    CHECK_EQ(F.prod.expired, 0);
    run_until(45 * SIM_S + 1);
    CHECK_EQ(F.prod.expired, 3);
    CHECK_EQ(F.prod.failed, 12);
    CHECK_EQ(last_callback_error(11), ERR_CLIENT_DELIVERY_TIMEOUT);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

static void test_request_timeout_then_expiry_in_flight(void) {
    config c;
    fake_config(&c);
    c.delivery_timeout_ns = 35 * SIM_S;
    fake_start(&c);
    run_until(10 * SIM_MS);
    CHECK_EQ(F.count, 3);
    run_until(31 * SIM_S);
    /* request.timeout.ms closed the connection: all three failed, oldest first. */
    int order[3], n = 0;
    for (size_t i = 0; i < F.hist.count && n < 3; i++)
        if (F.hist.recs[i].kind == HIST_RETRY) {
            CHECK_EQ(F.hist.recs[i].c, ERR_REQUEST_TIMED_OUT);
            order[n++] = (int)F.hist.recs[i].a;
        }
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK_EQ(order[0], sent(0)->payload);
        CHECK_EQ(order[1], sent(1)->payload);
        CHECK_EQ(order[2], sent(2)->payload);
    }
    CHECK_EQ(F.count, 6); /* retried on a new connection */
    run_until(36 * SIM_S);
    CHECK_EQ(F.prod.expired, 3);
    int in_flight = 0;
    for (size_t i = 0; i < F.hist.count; i++)
        if (F.hist.recs[i].kind == HIST_EXPIRE) in_flight += F.hist.recs[i].b;
    CHECK_EQ(in_flight, 3);
    CHECK_EQ(last_callback_error(0), ERR_CLIENT_DELIVERY_TIMEOUT);
    /* A late success for an expired batch changes nothing for the application. */
    answer(3, ERR_NONE, 0);
    run_until(37 * SIM_S);
    CHECK_EQ(F.prod.acked, 0);
    fake_stop();
}

/* Idempotent, one record a second: batch 0 (sequence 0) fails retriably and is in flight
 * again when delivery.timeout.ms (40 s) expires it; batches 1 and 2 (sequences 1, 2) are in
 * flight, unanswered. Request k: 0 and 1 carry batch 0, 2 batch 1, 3 batch 2. */
static void expiry_in_retry_start(int kafka_version) {
    config c;
    fake_config(&c);
    c.kafka_version = kafka_version;
    c.enable_idempotence = true;
    c.records = 3;
    c.rate_per_s = 1;
    c.request_timeout_ns = 200 * SIM_S;
    c.delivery_timeout_ns = 40 * SIM_S;
    fake_start(&c);
    run_until(10 * SIM_MS);
    answer(0, ERR_NOT_LEADER_OR_FOLLOWER, -1);
    run_until(2500 * SIM_MS);
    CHECK_EQ(F.count, 4);
    CHECK_EQ(sent(1)->base_sequence, 0);
    CHECK_EQ(sent(1)->attempt, 2);
    CHECK_EQ(sent(2)->base_sequence, 1);
    CHECK_EQ(sent(3)->base_sequence, 2);
    run_until(40500 * SIM_MS);
    CHECK_EQ(F.prod.expired, 1);
    CHECK_EQ(F.prod.epoch_bumps, 0);
}

/* TM.markSequenceUnresolved records the expired batch's last sequence + 1 (here 1): the
 * OUT_OF_ORDER_SEQUENCE_NUMBER of the batch starting there proves the gap and bumps the epoch
 * (TM.canRetry, isNextSequenceForUnresolvedPartition; TransactionManager.java at 3.5.0 and 3.9),
 * and its batch goes out again at epoch 1 from sequence 0. */
static void test_expiry_unresolved_from_last_sequence(void) {
    static const int versions[] = {30500, 30900};
    for (int v = 0; v < 2; v++) {
        expiry_in_retry_start(versions[v]);
        CHECK(F.prod.partitions[0].unresolved);
        CHECK_EQ(F.prod.partitions[0].unresolved_next_sequence, 1);
        answer(2, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
        run_until(40510 * SIM_MS);
        CHECK_EQ(F.prod.epoch_bumps, 1);
        run_until(40800 * SIM_MS);
        CHECK(F.count >= 5);
        CHECK_EQ(sent(4)->producer_epoch, 1);
        CHECK_EQ(sent(4)->base_sequence, 0);
        CHECK_EQ(first_id(4), 1);
        fake_stop();
    }
}

/* A late error for the batch that already expired: up to 3.5 Sender.failBatch hands it to
 * TM.handleFailedBatch, which bumps the epoch (retries are left); from 3.6 it does nothing,
 * since completeExceptionally returns false for a done batch (KAFKA-14884; Sender.java at
 * 3.5.0 and 3.6.0). On 3.9 the partition stays unresolved until batch 1's answer proves the
 * gap; on 3.5 the bump already rewrote batch 1, so that answer is retried as is. */
static void test_late_error_after_expiry_by_version(void) {
    static const int versions[] = {30500, 30600, 30900};
    static const int bumps_after_late_error[] = {1, 0, 0};
    for (int v = 0; v < 3; v++) {
        expiry_in_retry_start(versions[v]);
        answer(1, ERR_NOT_LEADER_OR_FOLLOWER, -1);
        run_until(40510 * SIM_MS);
        CHECK_EQ(F.prod.epoch_bumps, bumps_after_late_error[v]);
        CHECK_EQ(F.prod.partitions[0].unresolved, bumps_after_late_error[v] == 0);
        answer(2, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
        run_until(40520 * SIM_MS);
        CHECK_EQ(F.prod.epoch_bumps, 1);
        fake_stop();
    }
}

/* KIP-951 (3.7, RecordAccumulator.shouldBackoff, ProducerBatch.hasLeaderChangedForTheOngoingRetry
 * at 3.7.0): a batch failed with NOT_LEADER_OR_FOLLOWER goes out again as soon as the refreshed
 * metadata names a new leader epoch; 3.6 waits out retry.backoff.ms (100 ms), and so does 3.7
 * when the epoch did not change. */
static void test_backoff_skipped_after_leader_change(void) {
    static const int versions[] = {30600, 30700, 30700};
    static const int32_t epochs[] = {1, 1, 0};
    static const bool skips[] = {false, true, false};
    for (int v = 0; v < 3; v++) {
        config c;
        fake_config(&c);
        c.kafka_version = versions[v];
        c.records = 4; /* one batch */
        fake_start(&c);
        run_until(10 * SIM_MS);
        CHECK_EQ(F.count, 1);
        F.leader_epoch = epochs[v];
        answer(0, ERR_NOT_LEADER_OR_FOLLOWER, -1);
        run_until(50 * SIM_MS);
        CHECK_EQ(F.metadata_count, 2); /* refreshed at once after the error */
        CHECK_EQ(F.count, skips[v] ? 2 : 1);
        if (skips[v]) CHECK(F.at_ns[1] < 20 * SIM_MS);
        run_until(300 * SIM_MS);
        CHECK_EQ(F.count, 2);
        CHECK(F.at_ns[1] >= (skips[v] ? 0 : 80 * SIM_MS));
        fake_stop();
    }
}

/* What counts as a leader change (ProducerBatch.maybeUpdateLeaderEpoch): the batch first
 * sees epoch 5; the refresh after NOT_LEADER_OR_FOLLOWER names a lower one (3) or an unknown
 * one (-1). 3.7.0 counts any difference (Optional.equals) and skips the backoff; from 3.7.1
 * (KAFKA-16226) only a known, higher epoch counts, so 3.7.1 and 3.9 wait out
 * retry.backoff.ms (100 ms). */
static void test_backoff_kept_without_newer_epoch(void) {
    static const int versions[] = {30700, 30700, 30701, 30701, 30900, 30900};
    static const int32_t epochs[] = {3, -1, 3, -1, 3, -1};
    for (int v = 0; v < 6; v++) {
        bool skips = versions[v] == 30700;
        config c;
        fake_config(&c);
        c.kafka_version = versions[v];
        c.records = 4; /* one batch */
        fake_start(&c);
        F.leader_epoch = 5;
        run_until(10 * SIM_MS);
        CHECK_EQ(F.count, 1);
        F.leader_epoch = epochs[v];
        answer(0, ERR_NOT_LEADER_OR_FOLLOWER, -1);
        run_until(50 * SIM_MS);
        CHECK_EQ(F.metadata_count, 2);
        CHECK_EQ(F.count, skips ? 2 : 1);
        run_until(300 * SIM_MS);
        CHECK_EQ(F.count, 2);
        CHECK(F.at_ns[1] >= (skips ? 0 : 80 * SIM_MS));
        fake_stop();
    }
}

/* A request past request.timeout.ms (1 s) closes its connection; the batch goes out again on a
 * new one only reconnect.backoff.ms (2 s) after the close (ClusterConnectionStates.canConnect),
 * though its retry backoff is 0. A restarted producer is a new client with no connection
 * state: it sends at once. */
static void test_reconnect_backoff(void) {
    for (int restart = 0; restart < 2; restart++) {
        config c;
        fake_config(&c);
        c.records = 4; /* one batch */
        c.retry_backoff_ns = c.retry_backoff_max_ns = 0;
        c.reconnect_backoff_ns = 2000 * SIM_MS;
        c.request_timeout_ns = 1 * SIM_S;
        c.resend_on_failure = true;
        fake_start(&c);
        run_until(10 * SIM_MS);
        CHECK_EQ(F.count, 1);
        run_until(1500 * SIM_MS);
        CHECK_EQ(hist_count(HIST_RETRY), 1); /* timed out at 1.001 s */
        CHECK_EQ(F.count, 1);
        if (restart) {
            producer_restart(&F.prod);
            run_until(1600 * SIM_MS);
            CHECK_EQ(F.count, 2);
        } else {
            run_until(2900 * SIM_MS);
            CHECK_EQ(F.count, 1);
            run_until(3100 * SIM_MS);
            CHECK_EQ(F.count, 2);
            CHECK(F.at_ns[1] >= 3001 * SIM_MS);
        }
        fake_stop();
    }
}

static void test_restart_new_pid_and_resend(void) {
    config c;
    fake_config(&c);
    c.enable_idempotence = true;
    c.resend_on_failure = true;
    fake_start(&c);
    run_until(10 * SIM_MS);
    answer(0, ERR_NONE, 0);
    run_until(20 * SIM_MS);
    CHECK_EQ(F.prod.acked, 4);
    producer_restart(&F.prod);
    run_until(40 * SIM_MS);
    CHECK_EQ(F.init_pid_count, 2);
    CHECK_EQ(F.prod.producer_id, 1001);
    CHECK_EQ(last_callback_error(4), ERR_CLIENT_PRODUCER_CLOSED);
    /* Records 4..11 go out again in the new session, from sequence 0. */
    CHECK_EQ(F.count, 5);
    CHECK_EQ(sent(3)->producer_id, 1001);
    CHECK_EQ(sent(3)->base_sequence, 0);
    CHECK_EQ(first_id(3), 4);
    int resends = 0;
    for (size_t i = 0; i < F.hist.count; i++)
        if (F.hist.recs[i].kind == HIST_SEND && F.hist.recs[i].b == 1) resends++;
    CHECK_EQ(resends, 8);
    answer(3, ERR_NONE, 4);
    answer(4, ERR_NONE, 8);
    run_until(60 * SIM_MS);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

static void test_crash_no_callbacks(void) {
    config c;
    fake_config(&c);
    fake_start(&c);
    run_until(10 * SIM_MS);
    producer_crash(&F.prod);
    answer(0, ERR_NONE, 0); /* vanishes: the process is dead */
    run_until(20 * SIM_MS);
    CHECK_EQ(hist_count(HIST_CALLBACK), 0);
    CHECK(!producer_done(&F.prod));
    producer_restart(&F.prod); /* without resend the old records are given up */
    run_until(30 * SIM_MS);
    CHECK_EQ(F.prod.given_up, 12);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

int main(void) {
    test_batching_and_in_flight();
    test_linger();
    test_metadata_max_age();
    test_reversal_without_idempotence();
    test_muting_at_one_in_flight();
    test_sequences_at_drain();
    test_oosn_not_next_retries();
    test_oosn_next_bumps_epoch();
    test_oosn_before_kip360_resets_id();
    test_delivery_timeout_queued();
    test_delivery_timeout_during_pause();
    test_request_timeout_then_expiry_in_flight();
    test_expiry_unresolved_from_last_sequence();
    test_late_error_after_expiry_by_version();
    test_backoff_skipped_after_leader_change();
    test_backoff_kept_without_newer_epoch();
    test_reconnect_backoff();
    test_restart_new_pid_and_resend();
    test_crash_no_callbacks();
    return test_result("test_producer");
}
