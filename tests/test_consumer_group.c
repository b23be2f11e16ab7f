/*
 * test_consumer_group.c: two consumers (consumer.c) in one group against the brokers' own
 * group coordinator (group_coordinator.c) on the real network: orders-0 and orders-1 (g 0, 1)
 * and the group's __consumer_offsets partition (g 2), records produced all along.
 *
 * Checks: both consumers join one generation (the initial rebalance delay, the member-id round
 * trip), range gives each one partition, each polls its partition from the start
 * (auto.offset.reset=earliest) and commits automatically; when consumer-1 crashes, its member
 * expires after session.timeout.ms, the group rebalances (consumer-2 hears
 * REBALANCE_IN_PROGRESS on a heartbeat, commits, revokes, rejoins), consumer-2 takes both
 * partitions and resumes orders-0 at consumer-1's last committed offset: the records consumer-1
 * polled after that commit are polled again (at-least-once), none is skipped; a restarted
 * consumer-1 joins as a new member and gets a partition back; when the coordinator's broker
 * crashes, both find the next one and go on, every record polled, the committed offsets at the
 * end. Invariants of every broker and both consumers are checked after every event.
 */
#include "cluster_harness.h"
#include "consumer.h"
#include "group_coordinator.h"

#define G_OFFSETS 2
#define RECORDS_MAX 8192
#define CONSUMERS 2

typedef struct app {
    harness *h;
    consumer *c;
    uint16_t kind;
    bool polling;
    consumer_record recs[RECORDS_MAX];
    int count;
    int assigned, revoked, lost;
    consumer_record batch[64];
} app;

typedef struct world {
    harness h;
    proto_payloads payloads;
    app apps[CONSUMERS];
} world;

static void app_poll(app *a) {
    if (!a->polling) return;
    int n = consumer_poll(a->c, a->batch);
    if (n == 0) return;
    for (int k = 0; k < n && a->count < RECORDS_MAX; k++) a->recs[a->count++] = a->batch[k];
    sim_schedule(&a->h->world, sim_now(&a->h->world) + n * SIM_MS, a->kind, 0);
}

static void app_on_event(void *ctx, sim_world *w, const sim_event *ev) {
    (void)w;
    (void)ev;
    app_poll(ctx);
}

static void app_on_records(void *ctx, const consumer_record *recs, int n) {
    app *a = ctx;
    for (int k = 0; k < n && a->count < RECORDS_MAX; k++) a->recs[a->count++] = recs[k];
    sim_schedule(&a->h->world, sim_now(&a->h->world) + n * SIM_MS, a->kind, 0);
}

static void app_on_assigned(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->assigned += n;
}
static void app_on_revoked(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->revoked += n;
}
static void app_on_lost(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->lost += n;
}

static void check_world(void *ctx, const sim_world *w, const sim_event *ev) {
    world *wd = ctx;
    check_all(&wd->h, w, ev);
    for (int k = 0; k < CONSUMERS; k++) consumer_check_recent(wd->apps[k].c);
}

static void world_init(world *wd) {
    memset(wd, 0, sizeof *wd);
    harness *h = &wd->h;
    config_base(&h->cfg);
    config *c = &h->cfg;
    c->kafka_version = 30900;
    c->consumers = CONSUMERS;
    c->request_timeout_ns = 30 * SIM_S;
    c->retry_backoff_ns = 100 * SIM_MS;
    c->session_timeout_ns = 10 * SIM_S;
    c->heartbeat_interval_ns = 3 * SIM_S;
    c->max_poll_interval_ns = 20 * SIM_S;
    c->max_poll_records = 50;
    c->enable_auto_commit = true;
    c->auto_commit_interval_ns = 5 * SIM_S;
    c->auto_offset_reset = CONFIG_RESET_EARLIEST;
    c->fetch_min_bytes = 1;
    c->fetch_max_wait_ns = 500 * SIM_MS;
    c->default_api_timeout_ns = 60 * SIM_S;
    c->assignment_strategy = CONFIG_ASSIGN_RANGE;
    c->group_min_session_timeout_ns = 6 * SIM_S;
    c->group_max_session_timeout_ns = 1800 * SIM_S;
    c->group_initial_rebalance_delay_ns = 3 * SIM_S;
    c->offsets_commit_timeout_ns = 5 * SIM_S;
    c->group_partition = G_OFFSETS;
    CHECK(topic_table_add(&c->topics, "orders", 2, 3, 1) >= 0);
    CHECK(topic_table_add_internal(&c->topics, TOPIC_CONSUMER_OFFSETS, 1, 3, 1) >= 0);
    h->partitions = 3;
    int placed[] = {1, 2, 3, 2, 3, 1, 3, 1, 2};
    memcpy(h->placed, placed, sizeof placed);
    for (int g = 0; g < 3; g++) h->placed_counts[g] = 3;
    group_records_init(&h->group_records);
    harness_init(h);
    CHECK_EQ(proto_payloads_init(&wd->payloads, 256), 0);
    int bootstrap[] = {1, 2, 3, -1};
    for (int k = 0; k < CONSUMERS; k++) {
        app *a = &wd->apps[k];
        consumer_env env = {.world = &h->world,
                            .net = &h->net,
                            .history = &h->hist,
                            .config = c,
                            .payloads = &wd->payloads,
                            .app = {.ctx = a,
                                    .on_records = app_on_records,
                                    .on_revoked = app_on_revoked,
                                    .on_lost = app_on_lost,
                                    .on_assigned = app_on_assigned}};
        a->h = h;
        a->c = consumer_new(&env, k, bootstrap);
        CHECK(a->c != NULL);
        a->kind = sim_handler_add(&h->world, app_on_event, a, "test.app");
    }
    h->world.trace_fn = check_world;
    h->world.trace_ctx = wd;
}

static void world_fini(world *wd) {
    for (int k = 0; k < CONSUMERS; k++) consumer_free(wd->apps[k].c);
    proto_payloads_fini(&wd->payloads);
    harness_fini(&wd->h);
}

/* Record ids g * 10000 + k, one batch every 160 ms on each input partition, from t for n. */
static void produce_all_along(world *wd, int64_t t, int n) {
    for (int k = 0; k < n; k++)
        for (int g = 0; g < 2; g++) {
            uint32_t payload = proto_payload_add_run(&wd->payloads, (uint32_t)(g * 10000 + k), 1);
            proto_msg m = produce(-1, -1, 0, payload);
            m.partition = (uint16_t)g;
            m.u.produce.batch.partition = (uint16_t)g;
            send_at(&wd->h, t + k * 160 * SIM_MS, g == 0 ? 1 : 2, m);
        }
}

static void app_start(world *wd, int k, int64_t t) {
    wd->apps[k].polling = true;
    sim_schedule(&wd->h.world, t, wd->apps[k].kind, 0);
}

/* Times id was polled by consumer k (all its processes). */
static int polled(const world *wd, int k, uint32_t id) {
    int n = 0;
    for (int i = 0; i < wd->apps[k].count; i++) n += wd->apps[k].recs[i].id == id;
    return n;
}

static int generations(const harness *h) {
    int32_t top = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind == HIST_GROUP && (int32_t)r->a > top) top = (int32_t)r->a;
    }
    return top;
}

static void test_crash_hands_over(void) {
    world wd;
    world_init(&wd);
    produce_all_along(&wd, 500 * SIM_MS, 250); /* 0.5 s .. 40.5 s */
    for (int k = 0; k < CONSUMERS; k++) {
        consumer_start(wd.apps[k].c);
        app_start(&wd, k, 1 * SIM_S);
    }
    run_until(&wd.h, 15 * SIM_S);
    CHECK_EQ(wd.apps[0].assigned, 1);
    CHECK_EQ(wd.apps[1].assigned, 1);
    int gen_before = generations(&wd.h);
    CHECK_EQ(gen_before, 1);
    /* Each polls its own partition. */
    int own0 = 0, own1 = 0;
    for (uint32_t id = 0; id < 60; id++) {
        own0 += polled(&wd, 0, id) + polled(&wd, 1, id);
        own1 += polled(&wd, 0, 10000 + id) + polled(&wd, 1, 10000 + id);
    }
    CHECK_EQ(own0, 60);
    CHECK_EQ(own1, 60);
    int crashed_k = wd.apps[0].count && wd.apps[0].recs[0].partition == 0 ? 0 : 1;
    consumer_crash(wd.apps[crashed_k].c);
    wd.apps[crashed_k].polling = false;
    int64_t committed = group_coord_committed(wd.h.brokers[3].group, 0);
    int other = 1 - crashed_k;
    int polled_before = 0;
    for (int i = 0; i < wd.apps[crashed_k].count; i++)
        if (wd.apps[crashed_k].recs[i].partition == 0) polled_before++;
    run_until(&wd.h, 60 * SIM_S);
    CHECK(generations(&wd.h) >= 2);
    CHECK_EQ(wd.apps[other].revoked, 1);
    CHECK_EQ(wd.apps[other].assigned, 3); /* one, then both */
    /* Every record of orders-0 polled by someone; those after the last commit twice. */
    int twice = 0, never = 0;
    for (uint32_t id = 0; id < 250; id++) {
        int n = polled(&wd, 0, id) + polled(&wd, 1, id);
        never += n == 0;
        twice += n >= 2;
        if (n >= 2) CHECK((int64_t)id >= committed);
    }
    CHECK_EQ(never, 0);
    CHECK(committed >= 0 && committed < polled_before);
    CHECK_EQ(twice, polled_before - (int)committed);
    for (uint32_t id = 0; id < 250; id++) /* orders-1 never changed hands before the end */
        CHECK(polled(&wd, 0, 10000 + id) + polled(&wd, 1, 10000 + id) >= 1);
    /* A new process of the crashed instance joins as a new member and gets a partition. */
    consumer_restart(wd.apps[crashed_k].c);
    app_start(&wd, crashed_k, 61 * SIM_S);
    run_until(&wd.h, 100 * SIM_S);
    CHECK(wd.apps[crashed_k].assigned >= 2);
    world_fini(&wd);
}

/* The coordinator's broker crashes: both consumers find the new coordinator (the next leader of
 * __consumer_offsets, which loads the group and its offsets), keep their partitions or rejoin,
 * and go on polling; every record is polled, the committed offsets reach the end. */
static void test_coordinator_fails_over(void) {
    world wd;
    world_init(&wd);
    produce_all_along(&wd, 500 * SIM_MS, 250);
    for (int k = 0; k < CONSUMERS; k++) {
        consumer_start(wd.apps[k].c);
        app_start(&wd, k, 1 * SIM_S);
    }
    run_until(&wd.h, 12 * SIM_S);
    CHECK(wd.h.brokers[3].group != NULL);
    broker_crash(&wd.h.brokers[3], false);
    run_until(&wd.h, 17 * SIM_S);
    broker_restart(&wd.h.brokers[3]);
    run_until(&wd.h, 70 * SIM_S);
    for (uint32_t id = 0; id < 250; id++)
        for (int g = 0; g < 2; g++)
            CHECK(polled(&wd, 0, (uint32_t)g * 10000 + id) + polled(&wd, 1, (uint32_t)g * 10000 + id) >= 1);
    int leader = broker_partition_leader(&wd.h.brokers[1], G_OFFSETS);
    CHECK(leader >= 1);
    if (leader >= 1) {
        CHECK_EQ(group_coord_committed(wd.h.brokers[leader].group, 0), 250);
        CHECK_EQ(group_coord_committed(wd.h.brokers[leader].group, 1), 250);
    }
    world_fini(&wd);
}

int main(void) {
    (void)hw;
    (void)leo;
    (void)history_first;
    (void)response;
    test_crash_hands_over();
    test_coordinator_fails_over();
    return test_result("test_consumer_group");
}
