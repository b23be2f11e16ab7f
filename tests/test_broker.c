/*
 * test_broker.c: brokers 1..3 and the controller on the real network, driven by a fake client
 * endpoint (the producer's node) that sends crafted requests and records the responses.
 *
 * Checks: acks 0/1/all timing; the follower's high watermark one fetch round trip late;
 * connection muting (a pipelined request waits for the answer to the one before);
 * NOT_ENOUGH_REPLICAS before appending vs NOT_ENOUGH_REPLICAS_AFTER_APPEND, and from 3.7 the
 * HW frozen below min ISR so the request times out (REQUEST_TIMED_OUT); ISR shrink after
 * 1.0-1.5 x replica.lag.time.max.ms and expansion once caught up; duplicates answered with
 * the original offsets; producer ids; NOT_LEADER_OR_FOLLOWER; power loss with and without
 * flushing; a GC pause deferring deliveries (requests, and a follower's fetch response with
 * its batches); the fetcher's request timeout (request.timeout.ms, not
 * replica.socket.timeout.ms). Invariants are checked after every event.
 */
#include "cluster_harness.h"

static void test_acks_timing(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    uint32_t one = send_at(&h, 100 * SIM_MS, 1, produce(1, -1, 0, 0));
    uint32_t zero = send_at(&h, 200 * SIM_MS, 1, produce(0, -1, 0, 1));
    uint32_t all = send_at(&h, 300 * SIM_MS, 1, produce(-1, -1, 0, 2));
    run_until(&h, 303 * SIM_MS + SIM_MS / 2);
    int64_t t = 0;
    const proto_msg *r = response(&h, one, &t);
    CHECK(r != NULL);
    if (r) CHECK_EQ(r->u.produce_response.error, ERR_NONE);
    if (r) CHECK_EQ(r->u.produce_response.base_offset, 0);
    CHECK_EQ(t, 102 * SIM_MS); /* acks=1: one round trip, no replication */
    CHECK(response(&h, zero, NULL) == NULL); /* acks=0: never answered */
    CHECK(response(&h, all, NULL) == NULL);  /* acks=all: still waiting for the followers */
    CHECK_EQ(leo(&h, 1), 3);
    CHECK_EQ(hw(&h, 1), 3);  /* the followers' fetch at 303 ms moved it */
    CHECK_EQ(hw(&h, 2), 2);  /* ... and they learn it one fetch later */
    run_until(&h, 400 * SIM_MS);
    r = response(&h, all, &t);
    CHECK(r != NULL);
    if (r) CHECK_EQ(r->u.produce_response.base_offset, 2);
    CHECK_EQ(t, 304 * SIM_MS); /* request, fetch response, next fetch, response */
    CHECK_EQ(hw(&h, 2), 2);
    /* With no more data, the follower's next fetch is parked for replica.fetch.wait.max.ms. */
    run_until(&h, 805 * SIM_MS);
    CHECK_EQ(hw(&h, 2), 3);
    CHECK_EQ(hw(&h, 3), 3);
    CHECK_EQ(leo(&h, 2), 3);
    CHECK(h.steps[STEP_LEADER_APPEND] == 3);
    CHECK(h.steps[STEP_FOLLOWER_FETCH] >= 6);
    CHECK(h.steps[STEP_LEADER_HW_ADVANCE] >= 3);
    harness_fini(&h);
}

static void test_muting(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    uint32_t c1 = send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 10));
    uint32_t c2 = send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 11));
    run_until(&h, 102 * SIM_MS);
    CHECK_EQ(leo(&h, 1), 1); /* the second request is not read while the first waits */
    run_until(&h, 200 * SIM_MS);
    int64_t t1 = 0, t2 = 0;
    const proto_msg *r1 = response(&h, c1, &t1), *r2 = response(&h, c2, &t2);
    CHECK(r1 && r2);
    if (r1 && r2) {
        CHECK_EQ(r1->u.produce_response.base_offset, 0);
        CHECK_EQ(r2->u.produce_response.base_offset, 1);
    }
    CHECK_EQ(t1, 104 * SIM_MS);
    CHECK_EQ(t2, 106 * SIM_MS); /* processed only once the first was answered at 103 ms */
    int64_t append2 = history_first(&h, HIST_APPEND, node_broker(1), 0, false, 11);
    CHECK_EQ(append2, 103 * SIM_MS);
    harness_fini(&h);
}

/* min.insync.replicas=2 with both followers cut off right after an append. */
static void run_min_isr(int version, int16_t *first_error, int64_t *first_ns, int64_t *isr_ns,
                        int16_t *second_error, int64_t *leo_before, int64_t *leo_after) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.kafka_version = version;
    h.cfg.min_insync_replicas = 2;
    h.cfg.replica_lag_time_max_ns = 10 * SIM_S;
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    for (int f = 2; f <= 3; f++) {
        net_cut(&h.net, node_broker(1), node_broker(f), true);
        net_cut(&h.net, node_broker(f), node_broker(1), true);
    }
    proto_msg m = produce(-1, -1, 0, 20);
    m.u.produce.timeout_ms = 60000;
    uint32_t c1 = send_at(&h, 200 * SIM_MS, 1, m);
    run_until(&h, 70 * SIM_S);
    const proto_msg *r = response(&h, c1, first_ns);
    CHECK(r != NULL);
    *first_error = r ? r->u.produce_response.error : -1;
    *isr_ns = history_first(&h, HIST_ISR, NODE_NONE, 1, false, broker_set_add(0, 1));
    *leo_before = leo(&h, 1);
    uint32_t c2 = send_at(&h, 71 * SIM_S, 1, produce(-1, -1, 0, 21));
    run_until(&h, 72 * SIM_S);
    r = response(&h, c2, NULL);
    CHECK(r != NULL);
    *second_error = r ? r->u.produce_response.error : -1;
    *leo_after = leo(&h, 1);
    harness_fini(&h);
}

static void test_min_isr(void) {
    int16_t e1, e2;
    int64_t t1, t_isr, leo_before, leo_after;
    /* 3.6: the HW advances with the ISR {1}; the parked request completes with 20. */
    run_min_isr(30600, &e1, &t1, &t_isr, &e2, &leo_before, &leo_after);
    CHECK_EQ(e1, ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    /* The followers last caught up at 2 ms; the shrink check runs every 5 s: 1.0-1.5 x lag. */
    CHECK(t_isr >= 10 * SIM_S && t_isr <= 15 * SIM_S + 10 * SIM_MS);
    CHECK(t1 > t_isr && t1 <= t_isr + 10 * SIM_MS);
    CHECK_EQ(e2, ERR_NOT_ENOUGH_REPLICAS); /* rejected before appending */
    CHECK_EQ(leo_after, leo_before);
    CHECK_EQ(leo_before, 1);
    /* 3.7: the HW is frozen below min ISR: the request times out instead (KAFKA-15583). */
    run_min_isr(30700, &e1, &t1, &t_isr, &e2, &leo_before, &leo_after);
    CHECK_EQ(e1, ERR_REQUEST_TIMED_OUT);
    CHECK_EQ(t1, 200 * SIM_MS + 60 * SIM_S + 2 * SIM_MS);
    CHECK_EQ(e2, ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(leo_after, 1);
}

/* Plans acks=1 traffic every period from t0 to t1. */
static void traffic(harness *h, int64_t t0, int64_t t1, int64_t period, uint32_t payload0) {
    for (int64_t t = t0; t < t1; t += period) send_at(h, t, 1, produce(1, -1, 0, payload0++));
}

static void test_isr_shrink_expand(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.replica_lag_time_max_ns = 10 * SIM_S;
    harness_init(&h);
    traffic(&h, 100 * SIM_MS, 50 * SIM_S, 200 * SIM_MS, 100);
    run_until(&h, 500 * SIM_MS);
    int64_t cut_ns = 500 * SIM_MS;
    net_cut(&h.net, node_broker(1), node_broker(3), true);
    net_cut(&h.net, node_broker(3), node_broker(1), true);
    run_until(&h, 20 * SIM_S);
    broker_set without3 = broker_set_add(broker_set_add(0, 1), 2);
    int64_t shrink = history_first(&h, HIST_ISR, NODE_NONE, 1, false, without3);
    CHECK(shrink >= cut_ns + 10 * SIM_S - 500 * SIM_MS);
    CHECK(shrink <= cut_ns + 15 * SIM_S + 10 * SIM_MS);
    CHECK_EQ(controller_isr(&h.ctl), without3);
    CHECK(leo(&h, 3) < leo(&h, 1));
    net_cut(&h.net, node_broker(1), node_broker(3), false);
    net_cut(&h.net, node_broker(3), node_broker(1), false);
    run_until(&h, 60 * SIM_S);
    broker_set all = broker_set_add(without3, 3);
    int64_t expand = history_first(&h, HIST_ISR, NODE_NONE, shrink, false, all);
    CHECK(expand > 20 * SIM_S);
    CHECK_EQ(controller_isr(&h.ctl), all);
    CHECK_EQ(leo(&h, 3), leo(&h, 1));
    harness_fini(&h);
}

/* Partition.maybeIncrementLeaderHW counts replicas outside the ISR that are caught up and
 * eligible to join (shouldWaitForReplicaToJoinIsr, kafka-semantics.md 2.2): a follower that
 * restarts under steady writes holds the HW within its reach and joins the ISR as soon as it
 * caught up (isFollowerInSync: LEO >= HW), not when the writes stop. */
static void test_hw_caught_up_rejoin(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.kafka_version = 30900;
    h.cfg.num_brokers = 2;
    h.cfg.replication_factor = 2;
    harness_init(&h);
    /* A write every 200 ms, and from the restart on one every 1 ms for 400 ms: the follower
     * is behind the leader's LEO at nearly every fetch. */
    traffic(&h, 100 * SIM_MS, 15 * SIM_S, 200 * SIM_MS, 200);
    traffic(&h, 15 * SIM_S, 15400 * SIM_MS, 1 * SIM_MS, 300);
    run_until(&h, 5 * SIM_S);
    broker_crash(&h.brokers[2], false);
    run_until(&h, 15 * SIM_S);
    broker_set only1 = broker_set_add(0, 1), both = broker_set_add(only1, 2);
    CHECK_EQ(controller_isr(&h.ctl), only1); /* fenced and removed by the controller */
    CHECK_EQ(hw(&h, 1), leo(&h, 1));       /* the dead replica does not hold the HW */
    broker_restart(&h.brokers[2]);
    run_until(&h, 30 * SIM_S);
    int64_t expand = history_first(&h, HIST_ISR, NODE_NONE, 15 * SIM_S, false, both);
    CHECK(expand > 15 * SIM_S);
    CHECK(expand < 15200 * SIM_MS); /* before: when the writes stopped, at 15.4 s */
    CHECK_EQ(controller_isr(&h.ctl), both);
    harness_fini(&h);
}

/* Before 3.6 a replica caught up within replica.lag.time.max.ms holds the HW even when it is
 * dead and out of the ISR (Partition.maybeIncrementLeaderHW at 3.5.0: isCaughtUp ||
 * maximalIsr.contains); from 3.6 it must be ISR-eligible, which a fenced broker is not
 * (KAFKA-15021, isReplicaIsrEligible). */
static void run_dead_follower_hw(int version, int64_t *hw_at_crash, int64_t *hw_later,
                                 int64_t *leo_later) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.kafka_version = version;
    h.cfg.num_brokers = 2;
    h.cfg.replication_factor = 2;
    harness_init(&h);
    traffic(&h, 100 * SIM_MS, 45 * SIM_S, 100 * SIM_MS, 300);
    run_until(&h, 5 * SIM_S);
    broker_crash(&h.brokers[2], false);
    *hw_at_crash = hw(&h, 1);
    run_until(&h, 25 * SIM_S);
    CHECK_EQ(controller_isr(&h.ctl), broker_set_add(0, 1));
    *hw_later = hw(&h, 1);
    *leo_later = leo(&h, 1);
    run_until(&h, 40 * SIM_S); /* 35 s: the dead replica's lastCaughtUpTime is 30 s old */
    CHECK_EQ(hw(&h, 1), leo(&h, 1));
    harness_fini(&h);
}

static void test_hw_dead_follower_by_version(void) {
    int64_t at_crash, later, end;
    run_dead_follower_hw(30500, &at_crash, &later, &end);
    CHECK_EQ(later, at_crash); /* 3.5: frozen 20 s after the crash */
    run_dead_follower_hw(30600, &at_crash, &later, &end);
    CHECK_EQ(later, end);      /* 3.6: moving once the ISR dropped the dead replica */
}

static void test_idempotence(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    proto_msg init;
    memset(&init, 0, sizeof init);
    init.api = API_INIT_PRODUCER_ID;
    init.u.init_pid.producer_id = -1;
    init.u.init_pid.producer_epoch = -1;
    uint32_t i1 = send_at(&h, 50 * SIM_MS, 2, init);
    uint32_t i2 = send_at(&h, 50 * SIM_MS, 2, init);
    init.u.init_pid.producer_id = 2000000;
    init.u.init_pid.producer_epoch = 0;
    uint32_t i3 = send_at(&h, 50 * SIM_MS, 3, init); /* KIP-360: bump the epoch */
    uint32_t p1 = send_at(&h, 100 * SIM_MS, 1, produce(1, 2000000, 0, 30));
    uint32_t p2 = send_at(&h, 100 * SIM_MS, 1, produce(1, 2000000, 1, 31));
    uint32_t dup = send_at(&h, 100 * SIM_MS, 1, produce(1, 2000000, 0, 30));
    uint32_t gap = send_at(&h, 100 * SIM_MS, 1, produce(1, 2000000, 5, 32));
    uint32_t wrong = send_at(&h, 100 * SIM_MS, 2, produce(1, 2000000, 2, 33));
    proto_msg md;
    memset(&md, 0, sizeof md);
    md.api = API_METADATA;
    uint32_t meta = send_at(&h, 100 * SIM_MS, 3, md);
    /* An acks=all duplicate of a batch the HW passed long ago is answered at once. */
    uint32_t dup_all = send_at(&h, 150 * SIM_MS, 1, produce(-1, 2000000, 1, 31));
    run_until(&h, 200 * SIM_MS);
    int64_t t_dup = 0;
    const proto_msg *rd = response(&h, dup_all, &t_dup);
    CHECK(rd && rd->u.produce_response.error == ERR_NONE);
    CHECK(rd && rd->u.produce_response.base_offset == 1);
    CHECK_EQ(t_dup, 152 * SIM_MS);
    const proto_msg *r = response(&h, i1, NULL);
    CHECK(r && r->u.init_pid_response.producer_id == 2000000);
    r = response(&h, i2, NULL);
    CHECK(r && r->u.init_pid_response.producer_id == 2000001);
    r = response(&h, i3, NULL);
    CHECK(r && r->u.init_pid_response.producer_id == 2000000 &&
          r->u.init_pid_response.producer_epoch == 1);
    r = response(&h, p1, NULL);
    CHECK(r && r->u.produce_response.base_offset == 0);
    r = response(&h, p2, NULL);
    CHECK(r && r->u.produce_response.base_offset == 1);
    r = response(&h, dup, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE && r->u.produce_response.base_offset == 0);
    CHECK_EQ(history_count_kind(&h.hist, HIST_DEDUP), 2);
    r = response(&h, gap, NULL);
    CHECK(r && r->u.produce_response.error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    r = response(&h, wrong, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NOT_LEADER_OR_FOLLOWER);
    r = response(&h, meta, NULL);
    CHECK(r && r->u.metadata_response.leader == 1 && r->u.metadata_response.leader_epoch == 0);
    CHECK_EQ(leo(&h, 1), 2);
    CHECK_EQ(leo(&h, 2), 2); /* followers hold the batches and their producer state */
    const pstate_entry *e = pstate_entry_find(&h.brokers[2].partitions[0].pstate, 2000000);
    CHECK(e && e->batch_count == 2);
    harness_fini(&h);
}

/* S12, kafka-semantics.md 1.4: with replication.factor=1 the restarted broker leads again
 * with the producer state LogLoader leaves, a snapshot at the log end with one batch per
 * producer id (LogLoader.recoverSegment -> takeSnapshot), not the last roll's snapshot plus a
 * replay of five batches. A retry of the last batch is answered as a duplicate; a retry of an
 * older one gets OUT_OF_ORDER_SEQUENCE_NUMBER. */
static void test_restart_producer_state(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.num_brokers = 1;
    h.cfg.replication_factor = 1;
    harness_init(&h);
    for (int i = 0; i < 5; i++)
        send_at(&h, 100 * SIM_MS, 1, produce(1, 2000000, i, (uint32_t)(70 + i)));
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(leo(&h, 1), 5);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 1100 * SIM_MS);
    broker_restart(&h.brokers[1]);
    const pstate_entry *e = pstate_entry_find(&h.brokers[1].partitions[0].pstate, 2000000);
    CHECK(e != NULL);
    if (e) CHECK_EQ(e->batch_count, 1);
    uint32_t old = send_at(&h, 20 * SIM_S, 1, produce(1, 2000000, 2, 72));
    uint32_t last = send_at(&h, 20 * SIM_S, 1, produce(1, 2000000, 4, 74));
    run_until(&h, 21 * SIM_S);
    CHECK_EQ(broker_partition_leader(&h.brokers[1], 0), 1);
    const proto_msg *r = response(&h, old, NULL);
    CHECK(r && r->u.produce_response.error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    r = response(&h, last, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE && r->u.produce_response.base_offset == 4);
    CHECK_EQ(leo(&h, 1), 5);
    harness_fini(&h);
}

static void run_powerloss(int64_t flush_interval, int64_t *leo_after, int64_t *hw_after) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.log_flush_interval_messages = flush_interval;
    harness_init(&h);
    for (int i = 0; i < 5; i++)
        send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, (uint32_t)(40 + i)));
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(leo(&h, 1), 5);
    CHECK_EQ(hw(&h, 1), 5);
    for (int b = 1; b <= 3; b++) broker_crash(&h.brokers[b], true);
    for (int b = 1; b <= 3; b++) broker_restart(&h.brokers[b]);
    run_until(&h, 30 * SIM_S);
    int leader = controller_leader(&h.ctl);
    CHECK(leader >= 1);
    *leo_after = leader >= 1 ? leo(&h, leader) : -1;
    *hw_after = leader >= 1 ? hw(&h, leader) : -1;
    harness_fini(&h);
}

static void test_powerloss(void) {
    int64_t l, w;
    run_powerloss(INT64_MAX, &l, &w); /* Kafka's default never flushes: all acked lost */
    CHECK_EQ(l, 0);
    CHECK_EQ(w, 0);
    run_powerloss(1, &l, &w);
    CHECK_EQ(l, 5);
    CHECK_EQ(w, 5);
}

static void test_pause(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    broker_pause(&h.brokers[1], 1100 * SIM_MS);
    uint32_t c1 = send_at(&h, 200 * SIM_MS, 1, produce(1, -1, 0, 50));
    uint32_t c2 = send_at(&h, 300 * SIM_MS, 1, produce(1, -1, 0, 51));
    run_until(&h, 1000 * SIM_MS);
    CHECK(response(&h, c1, NULL) == NULL);
    CHECK_EQ(leo(&h, 1), 0);
    run_until(&h, 2000 * SIM_MS);
    int64_t t1 = 0, t2 = 0;
    const proto_msg *r1 = response(&h, c1, &t1), *r2 = response(&h, c2, &t2);
    CHECK(r1 && r2);
    if (r1 && r2) {
        CHECK_EQ(r1->u.produce_response.base_offset, 0); /* in their original order */
        CHECK_EQ(r2->u.produce_response.base_offset, 1);
    }
    CHECK_EQ(t1, 1101 * SIM_MS);
    harness_fini(&h);
}

/* A follower paused while the leader answers its parked fetch with data: the fetch response,
 * whose batches the network lends only for the delivery, waits out the pause and is appended
 * when the pause ends. */
static void test_pause_follower(void) {
    harness h = {0};
    config_base(&h.cfg);
    harness_init(&h);
    run_until(&h, 100 * SIM_MS);
    broker_pause(&h.brokers[2], 1100 * SIM_MS);
    send_at(&h, 200 * SIM_MS, 1, produce(1, -1, 0, 60));
    send_at(&h, 200 * SIM_MS, 1, produce(1, -1, 0, 61));
    run_until(&h, 1000 * SIM_MS);
    CHECK_EQ(leo(&h, 1), 2);
    CHECK_EQ(leo(&h, 3), 2);
    CHECK_EQ(leo(&h, 2), 0);
    run_until(&h, 1100 * SIM_MS + SIM_MS / 2);
    CHECK_EQ(leo(&h, 2), 1); /* the parked fetch was answered with the first batch only */
    CHECK_EQ(history_first(&h, HIST_APPEND, node_broker(2), 0, true, 0), 1100 * SIM_MS);
    run_until(&h, 1103 * SIM_MS);
    CHECK_EQ(leo(&h, 2), 2); /* the next fetch, sent at the end of the pause */
    harness_fini(&h);
}

/* The fetcher's request timeout is the broker's request.timeout.ms (BrokerBlockingSender's
 * NetworkClient); replica.socket.timeout.ms bounds only connecting. With the socket timeout
 * below replica.fetch.wait.max.ms, the parked fetch is still answered and an acks=all write
 * completes in two round trips; with the request timeout there, the fetch is abandoned, the
 * connection closed and the fetcher backs off for replica.fetch.backoff.ms. */
static int64_t acks_all_latency(int64_t socket_timeout_ns, int64_t request_timeout_ns) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.replica_socket_timeout_ns = socket_timeout_ns;
    h.cfg.broker_request_timeout_ns = request_timeout_ns;
    harness_init(&h);
    uint32_t c = send_at(&h, 2 * SIM_S, 1, produce(-1, -1, 0, 1));
    run_until(&h, 5 * SIM_S);
    int64_t t = -1;
    const proto_msg *r = response(&h, c, &t);
    CHECK(r && r->u.produce_response.error == ERR_NONE);
    harness_fini(&h);
    return t - 2 * SIM_S;
}

static void test_fetcher_request_timeout(void) {
    CHECK_EQ(acks_all_latency(100 * SIM_MS, 30 * SIM_S), 4 * SIM_MS);
    CHECK(acks_all_latency(30 * SIM_S, 100 * SIM_MS) > 100 * SIM_MS);
}

int main(void) {
    test_fetcher_request_timeout();
    test_acks_timing();
    test_muting();
    test_min_isr();
    test_isr_shrink_expand();
    test_hw_caught_up_rejoin();
    test_hw_dead_follower_by_version();
    test_idempotence();
    test_restart_producer_state();
    test_powerloss();
    test_pause();
    test_pause_follower();
    return test_result("test_broker");
}
