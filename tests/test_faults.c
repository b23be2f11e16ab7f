/*
 * test_faults.c: the fault runtime (faults.c) acting on consumers through stand-in operations:
 * a crash, a pause and a stall of consumer-k reach node_consumer(k) at their times, with the
 * heal of a crash; a restart of consumer-k is a new instance; a step of the consumer's fires a
 * crash, a pause or a stall; a cut of consumer-k cuts its producer too; a rule naming it holds
 * for its producer's messages; group-coordinator is the leader of the group's
 * __consumer_offsets partition when the fault fires.
 */
#include <string.h>

#include "config.h"
#include "faults.h"
#include "test.h"

#define MS ((int64_t)1000000)
#define S ((int64_t)1000000000)

typedef struct call {
    char what[16];
    node_id node;
    int64_t at_ns;
    int64_t until_ns;
} call;

typedef struct ops_log {
    sim_world *world;
    call calls[32];
    int count;
    int leader;                  /* what leader() answers */
    int leader_asked;            /* the partition it was asked about */
    int owner[4];                /* consumer_of: the instance holding g, -1 none */
} ops_log;

static void note(ops_log *l, const char *what, node_id node, int64_t until_ns) {
    CHECK(l->count < 32);
    if (l->count >= 32) return;
    call *c = &l->calls[l->count++];
    snprintf(c->what, sizeof c->what, "%s", what);
    c->node = node;
    c->at_ns = sim_now(l->world);
    c->until_ns = until_ns;
}

static int op_leader(void *ctx, int partition) {
    ops_log *l = ctx;
    l->leader_asked = partition;
    return l->leader;
}
static int op_follower(void *ctx, int partition) {
    (void)ctx;
    (void)partition;
    return -1;
}
static void op_crash(void *ctx, node_id node, bool powerloss) {
    note(ctx, powerloss ? "powerloss" : "crash", node, 0);
}
static void op_stop(void *ctx, node_id node) { note(ctx, "stop", node, 0); }
static void op_restart(void *ctx, node_id node) { note(ctx, "restart", node, 0); }
static void op_pause(void *ctx, node_id node, int64_t until_ns) { note(ctx, "pause", node, until_ns); }
static void op_restart_producer(void *ctx, int index) {
    note(ctx, "new-producer", node_producer(index), 0);
}
static void op_stall(void *ctx, node_id node, int64_t until_ns) { note(ctx, "stall", node, until_ns); }
static void op_restart_consumer(void *ctx, int index) {
    note(ctx, "new-consumer", node_consumer(index), 0);
}
static int op_consumer_of(void *ctx, int partition) {
    ops_log *l = ctx;
    return partition >= 0 && partition < 4 ? l->owner[partition] : -1;
}

typedef struct rig {
    sim_world world;
    net net;
    history history;
    config cfg;
    fault_runtime fr;
    ops_log log;
} rig;

static int rig_init(rig *r, const char *const *lines, int n, char *err, size_t err_len) {
    memset(r, 0, sizeof *r);
    sim_world_options o = {.seed = 1, .queue_capacity = 64};
    CHECK_EQ(sim_world_init(&r->world, &o), 0);
    net_options no = {.latency_ns = 1 * MS, .stream_id = 1};
    CHECK_EQ(net_init(&r->net, &r->world, &no), 0);
    CHECK_EQ(history_init(&r->history, 64), 0);
    config_defaults(&r->cfg, config_version_default());
    char cerr[256];
    CHECK_EQ(config_finish(&r->cfg, cerr, sizeof cerr), 0);
    r->cfg.consumers = 2;       /* the world's consumers, as config_finish builds them */
    r->cfg.group_partition = 6;
    for (int i = 0; i < n; i++) snprintf(r->cfg.faults[i].text, CONFIG_FAULT_TEXT_MAX, "%s", lines[i]);
    r->cfg.fault_count = n;
    r->log.world = &r->world;
    r->log.leader = 2;
    for (int g = 0; g < 4; g++) r->log.owner[g] = -1;
    r->log.owner[0] = 1; /* consumer-2 holds orders-0 */
    fault_env env = {.world = &r->world, .net = &r->net, .history = &r->history,
                     .ops = {.ctx = &r->log, .leader = op_leader, .follower = op_follower,
                             .crash = op_crash, .stop = op_stop, .restart = op_restart,
                             .pause = op_pause, .restart_producer = op_restart_producer,
                             .stall = op_stall, .restart_consumer = op_restart_consumer,
                             .consumer_of = op_consumer_of}};
    return fault_runtime_init(&r->fr, &env, &r->cfg, err, err_len);
}

static void rig_fini(rig *r) {
    fault_runtime_fini(&r->fr);
    history_fini(&r->history);
    net_fini(&r->net);
    sim_world_fini(&r->world);
}

static void check_call(const rig *r, int i, const char *what, node_id node, int64_t at_ns,
                       int64_t until_ns) {
    CHECK(i < r->log.count);
    if (i >= r->log.count) return;
    const call *c = &r->log.calls[i];
    CHECK_STR(c->what, what);
    CHECK_EQ(c->node, node);
    CHECK_EQ(c->at_ns, at_ns);
    CHECK_EQ(c->until_ns, until_ns);
}

static void test_timed(void) {
    static const char *const lines[] = {
        "crash consumer-1 at 60ms for 1s", "pause consumer-2 at 2s for 3s",
        "stall consumer-1 at 3s for 400s", "restart consumer-2 at 4s",
        "crash group-coordinator at 5s"};
    rig r;
    char err[256] = "";
    CHECK_EQ(rig_init(&r, lines, 5, err, sizeof err), 0);
    sim_run(&r.world);
    CHECK_EQ(r.log.count, 6);
    check_call(&r, 0, "crash", node_consumer(0), 60 * MS, 0);
    check_call(&r, 1, "restart", node_consumer(0), 1060 * MS, 0);
    check_call(&r, 2, "pause", node_consumer(1), 2 * S, 5 * S);
    check_call(&r, 3, "stall", node_consumer(0), 3 * S, 403 * S);
    check_call(&r, 4, "new-consumer", node_consumer(1), 4 * S, 0);
    check_call(&r, 5, "crash", node_broker(2), 5 * S, 0);
    CHECK_EQ(r.log.leader_asked, 6); /* the group's __consumer_offsets partition */
    CHECK_EQ(fault_runtime_fired(&r.fr), 5);
    CHECK_EQ(fault_runtime_quiet_after(&r.fr), 403 * S);
    rig_fini(&r);

    static const char *const bad[] = {"crash consumer-3 at 1s"};
    CHECK_EQ(rig_init(&r, bad, 1, err, sizeof err), -1);
    CHECK_STR(err, "consumer-3 does not exist (workload.consumers=2)");
    rig_fini(&r);
}

/* A consumer's steps: a crash after the step's instant, a pause and a stall at once. */
static void test_steps(void) {
    static const char *const lines[] = {"crash consumer-2 on consumer.processed n=3 for 1s",
                                        "stall consumer-1 on consumer.processed n=2 for 10s",
                                        "pause consumer-1 on consumer.polled for 1s"};
    rig r;
    char err[256] = "";
    CHECK_EQ(rig_init(&r, lines, 3, err, sizeof err), 0);
    CHECK(!fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_PROCESSED, 0));
    CHECK(!fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_PROCESSED, 1));
    CHECK(!fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_PROCESSED, 0));
    CHECK(fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_PROCESSED, 0)); /* n=2 */
    check_call(&r, 0, "stall", node_consumer(0), 0, 10 * S);
    CHECK(fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_PROCESSED, 0)); /* n=3 */
    CHECK_EQ(r.log.count, 1); /* the crash comes in an event of its own */
    CHECK(fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_POLLED, 0));
    check_call(&r, 1, "pause", node_consumer(0), 0, 1 * S);
    CHECK(!fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_PROCESSED, 0)); /* done */
    sim_run(&r.world);
    check_call(&r, 2, "crash", node_consumer(1), 0, 0);
    check_call(&r, 3, "restart", node_consumer(1), 1 * S, 0);
    rig_fini(&r);
}

/* consumer-k is its consumer and its producer: a cut and a rule hold for both. */
static void test_cuts_and_rules(void) {
    static const char *const lines[] = {"partition consumer-2 broker-3 at 1s for 1s",
                                        "drop requests consumer-1 -> group-coordinator p=0.5",
                                        "delay responses leader -> consumer-2 by 1s"};
    rig r;
    char err[256] = "";
    CHECK_EQ(rig_init(&r, lines, 3, err, sizeof err), 0);
    CHECK_EQ(r.net.rule_count, 4);
    CHECK_EQ(r.net.rules[0].from, node_consumer(0));
    CHECK_EQ(r.net.rules[1].from, node_consumer_producer(0));
    CHECK_EQ(r.net.rules[0].to, NET_SELECT_LEADER_OF(6));
    CHECK_EQ(r.net.rules[1].to, NET_SELECT_LEADER_OF(6));
    CHECK_EQ(r.net.rules[2].to, node_consumer(1));
    CHECK_EQ(r.net.rules[3].to, node_consumer_producer(1));
    CHECK_EQ(r.net.rules[3].fault, 2);
    r.world.opt.time_max_ns = 1500 * MS;
    sim_run(&r.world);
    CHECK(r.net.tcp != NULL);
    node_id c = node_consumer(1), p = node_consumer_producer(1), b = node_broker(3);
    if (r.net.tcp) {
        CHECK(r.net.tcp->link[c][b].cut && r.net.tcp->link[b][c].cut);
        CHECK(r.net.tcp->link[p][b].cut && r.net.tcp->link[b][p].cut);
    }
    r.world.opt.time_max_ns = SIM_TIME_NEVER;
    sim_run(&r.world);
    if (r.net.tcp) {
        CHECK(!r.net.tcp->link[c][b].cut && !r.net.tcp->link[b][c].cut);
        CHECK(!r.net.tcp->link[p][b].cut && !r.net.tcp->link[b][p].cut);
    }
    rig_fini(&r);
}

/* consumer of <topic>-<p>: the instance holding the partition when the fault fires; with none
 * the fault does not fire. */
static void test_consumer_of(void) {
    static const char *const lines[] = {"crash consumer of orders-0 at 1s for 1s",
                                        "stall consumer of orders-0 at 3s for 1s",
                                        "crash consumer of orders-0 on consumer.processed n=2"};
    rig r;
    char err[256] = "";
    CHECK_EQ(rig_init(&r, lines, 3, err, sizeof err), 0);
    r.world.opt.time_max_ns = 2500 * MS;
    sim_run(&r.world);
    check_call(&r, 0, "crash", node_consumer(1), 1 * S, 0);
    check_call(&r, 1, "restart", node_consumer(1), 2 * S, 0);
    r.log.owner[0] = -1; /* nobody holds it: the stall does not fire */
    r.world.opt.time_max_ns = SIM_TIME_NEVER;
    sim_run(&r.world);
    CHECK_EQ(r.log.count, 2);
    CHECK_EQ(fault_runtime_fired(&r.fr), 1);
    /* The steps of the partition by its holder count; another partition's do not. */
    r.log.owner[0] = 0;
    CHECK(!fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_PROCESSED, 0));
    CHECK(!fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_PROCESSED, 1));
    CHECK(!fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_PROCESSED, 0));
    CHECK(fault_on_step(&r.fr, node_consumer(0), STEP_CONSUMER_PROCESSED, 0));
    sim_run(&r.world);
    check_call(&r, 2, "crash", node_consumer(0), 3 * S, 0);
    rig_fini(&r);
}

/* A stall at a step alone: the nodes report that step (steps_watched has it). */
static void test_stall_step_watched(void) {
    static const char *const lines[] = {"stall consumer-2 on consumer.polled n=2 for 1s"};
    rig r;
    char err[256] = "";
    CHECK_EQ(rig_init(&r, lines, 1, err, sizeof err), 0);
    CHECK(r.fr.steps_watched & (UINT32_C(1) << STEP_CONSUMER_POLLED));
    CHECK(!fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_POLLED, 0));
    CHECK(fault_on_step(&r.fr, node_consumer(1), STEP_CONSUMER_POLLED, 0));
    check_call(&r, 0, "stall", node_consumer(1), 0, 1 * S);
    rig_fini(&r);
}

int main(void) {
    test_stall_step_watched();
    test_consumer_of();
    test_timed();
    test_steps();
    test_cuts_and_rules();
    return test_result("test_faults");
}
