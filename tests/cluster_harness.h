/*
 * cluster_harness.h: brokers and the controller on the real network and kernel, driven by a fake
 * client endpoint (the producer's node) that sends crafted requests and records the responses.
 * Shared by test_broker.c and test_controller.c; invariants of every broker and of the
 * controller are checked after every event.
 */
#ifndef KAFKASIM_CLUSTER_HARNESS_H
#define KAFKASIM_CLUSTER_HARNESS_H

#include <stdint.h>
#include <string.h>

#include "broker.h"
#include "controller.h"
#include "group_records.h"
#include "txn_coordinator.h"
#include "test.h"

#define CLIENT node_producer(0)
#define MAX_RESPONSES 512
#define MAX_PLANNED 512

typedef struct harness {
    sim_world world;
    net net;
    history hist;
    config cfg;
    controller ctl;
    broker brokers[PROTO_BROKERS_MAX + 1];
    uint16_t kind_send;
    uint16_t kind_stop; /* a test's own handler kind, when it needs one */
    proto_msg planned[MAX_PLANNED]; /* requests the client sends later */
    int planned_count;
    proto_msg responses[MAX_RESPONSES]; /* what reached the client, in order */
    int64_t response_ns[MAX_RESPONSES];
    int response_count;
    uint32_t correlation;
    int steps[STEP_COUNT];
    int partitions;         /* partitions (0 or 1: one on brokers 1..replication.factor) */
    int placed[TOPIC_PARTITIONS_MAX * 3]; /* their replica lists, one after another */
    int placed_counts[TOPIC_PARTITIONS_MAX];
    txn_records txn_records; /* the state records of a transactional world */
    group_records group_records; /* the __consumer_offsets records of a world with consumers */
} harness;

static void config_base(config *c) {
    memset(c, 0, sizeof *c);
    c->kafka_version = 30700;
    c->num_brokers = 3;
    c->replication_factor = 3;
    c->min_insync_replicas = 1;
    c->replica_lag_time_max_ns = 30 * SIM_S;
    c->replica_fetch_wait_max_ns = 500 * SIM_MS;
    c->replica_fetch_backoff_ns = 1 * SIM_S;
    c->replica_socket_timeout_ns = 30 * SIM_S;
    c->broker_request_timeout_ns = 30 * SIM_S;
    c->metadata_mode = CONFIG_METADATA_KRAFT;
    c->zookeeper_session_timeout_ns = 18 * SIM_S;
    c->auto_leader_rebalance = true;
    c->leader_imbalance_check_interval_ns = 300 * SIM_S;
    c->leader_imbalance_per_broker_percentage = 10;
    c->log_flush_interval_messages = INT64_MAX;
    c->log_segment_bytes = 1 << 30;
    c->broker_session_timeout_ns = 9 * SIM_S;
    c->broker_heartbeat_interval_ns = 2 * SIM_S;
    c->producer_id_expiration_ns = 86400 * SIM_S;
    c->record_bytes = 100;
}

static void on_client(void *ctx, const proto_msg *m) {
    harness *h = ctx;
    if (h->response_count == MAX_RESPONSES) return;
    h->response_ns[h->response_count] = sim_now(&h->world);
    h->responses[h->response_count++] = *m;
}

static void on_send(void *ctx, sim_world *w, const sim_event *ev) {
    harness *h = ctx;
    (void)w;
    net_send(&h->net, &h->planned[ev->arg]);
}

static bool on_step(void *ctx, node_id node, proto_step s, int partition) {
    harness *h = ctx;
    (void)node;
    (void)partition;
    h->steps[s]++;
    return false;
}

static void check_all(void *ctx, const sim_world *w, const sim_event *ev) {
    harness *h = ctx;
    (void)w;
    (void)ev;
    controller_check(&h->ctl);
    for (int b = 1; b <= h->cfg.num_brokers; b++) broker_check(&h->brokers[b]);
}

static void harness_init(harness *h) {
    sim_world_options wo = {1, SIM_TIME_NEVER, 0, 1024, 0, 0};
    CHECK_EQ(sim_world_init(&h->world, &wo), 0);
    net_options no = {1 * SIM_MS, 0, 1};
    CHECK_EQ(net_init(&h->net, &h->world, &no), 0);
    CHECK_EQ(history_init(&h->hist, 1024), 0);
    if (h->partitions <= 1) { /* one partition on brokers 1..replication.factor */
        h->partitions = 1;
        h->placed_counts[0] = h->cfg.replication_factor;
        for (int i = 0; i < h->cfg.replication_factor; i++) h->placed[i] = i + 1;
    }
    controller_env ce = {&h->world, &h->net, &h->hist, &h->cfg};
    CHECK_EQ(controller_init(&h->ctl, &ce, h->partitions, h->placed, h->placed_counts), 0);
    broker_env be = {&h->world, &h->net, &h->hist, &h->cfg, on_step, h, &h->txn_records,
                     &h->group_records};
    for (int b = 1; b <= h->cfg.num_brokers; b++)
        CHECK_EQ(broker_init(&h->brokers[b], &be, b, h->partitions, h->placed, h->placed_counts),
                 0);
    h->kind_send = sim_handler_add(&h->world, on_send, h, "test.send");
    net_listen(&h->net, CLIENT, on_client, h);
    h->world.trace_fn = check_all;
    h->world.trace_ctx = h;
    controller_start(&h->ctl);
    for (int b = 1; b <= h->cfg.num_brokers; b++) broker_start(&h->brokers[b]);
}

static void harness_fini(harness *h) {
    for (int b = 1; b <= h->cfg.num_brokers; b++) broker_fini(&h->brokers[b]);
    controller_fini(&h->ctl);
    txn_records_fini(&h->txn_records);
    group_records_fini(&h->group_records);
    history_fini(&h->hist);
    net_fini(&h->net);
    sim_world_fini(&h->world);
}

static void run_until(harness *h, int64_t t) {
    h->world.opt.time_max_ns = t;
    sim_status s = sim_run(&h->world);
    if (s == SIM_FAILED) fprintf(stderr, "world failed: %s\n", h->world.failure);
    CHECK(s == SIM_LIMIT_TIME || s == SIM_DRAINED);
}

/* Plans a request from the client at t; returns its correlation id. */
static uint32_t send_at(harness *h, int64_t t, int broker_id, proto_msg m) {
    SIM_ASSERT(&h->world, h->planned_count < MAX_PLANNED);
    m.from = CLIENT;
    m.to = node_broker(broker_id);
    m.correlation_id = ++h->correlation;
    h->planned[h->planned_count] = m;
    sim_schedule(&h->world, t, h->kind_send, (uint64_t)h->planned_count++);
    return m.correlation_id;
}

static proto_msg produce(int8_t acks, int64_t pid, int32_t seq, uint32_t payload) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.u.produce.acks = acks;
    m.u.produce.timeout_ms = 30000;
    proto_batch *b = &m.u.produce.batch;
    b->base_offset = -1;
    b->producer_id = pid;
    b->producer_epoch = pid >= 0 ? 0 : PROTO_NO_PRODUCER_EPOCH;
    b->base_sequence = pid >= 0 ? seq : PROTO_NO_SEQUENCE;
    b->record_count = 1;
    b->payload = payload;
    b->attempt = 1;
    return m;
}

/* The response with this correlation id, or NULL. */
static const proto_msg *response(const harness *h, uint32_t correlation, int64_t *at_ns) {
    for (int i = 0; i < h->response_count; i++) {
        if (h->responses[i].correlation_id != correlation) continue;
        if (at_ns) *at_ns = h->response_ns[i];
        return &h->responses[i];
    }
    return NULL;
}

/* Time of the first history record of kind at node (any node when NODE_NONE) after from_ns
 * matching a (or any a when a_any), -1 when none. */
static int64_t history_first(const harness *h, history_kind kind, node_id node, int64_t from_ns,
                             bool a_any, uint32_t a) {
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind != kind || r->time_ns < from_ns) continue;
        if (node != NODE_NONE && r->node != node) continue;
        if (!a_any && r->a != a) continue;
        return r->time_ns;
    }
    return -1;
}

static int64_t leo(harness *h, int b) { return broker_log_end_offset(&h->brokers[b], 0); }
static int64_t hw(harness *h, int b) { return broker_high_watermark(&h->brokers[b], 0); }

#endif
