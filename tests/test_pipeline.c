/*
 * test_pipeline.c: the application loop of an instance (pipeline.c) against a stand-in for the
 * consumer (the calls of consumer.h, defined here, so that the loop is tested alone): the
 * order of poll, processing, commits and the side effect of each workload.pipeline, the
 * processing time, the dedup sink, a crash in the middle of a batch, a pause and a stall of
 * the application thread, the step consumer.processed.
 */
#include <string.h>

#include "consumer.h"
#include "pipeline.h"
#include "test.h"

#define MS ((int64_t)1000000)
#define S ((int64_t)1000000000)

/* ---- The stand-in consumer ---------------------------------------------------------------- */

struct consumer {
    consumer_env env;
    int polls;                   /* consumer_poll calls */
    int commits[2];              /* consumer_commit calls by kind */
    int starts, crashes, restarts;
    int64_t paused_until;
    consumer_record ready[16];   /* what the next consumer_poll returns at once */
    int ready_n;
    int32_t generation;
    uint16_t held[4];            /* the assignment consumer_positions reports */
    int held_n;
};

/* The stand-in consumer_new made last: the pipeline hands its consumer to nobody. */
static consumer *last_consumer;

consumer *consumer_new(const consumer_env *env, int index, const int *bootstrap) {
    (void)index;
    (void)bootstrap;
    consumer *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->env = *env;
    c->generation = 1;
    last_consumer = c;
    return c;
}
void consumer_free(consumer *c) { free(c); }
void consumer_start(consumer *c) { c->starts++; }
void consumer_crash(consumer *c) { c->crashes++; }
void consumer_restart(consumer *c) { c->restarts++; }
void consumer_pause(consumer *c, int64_t until_ns) { c->paused_until = until_ns; }
int consumer_poll(consumer *c, consumer_record *out) {
    c->polls++;
    int n = c->ready_n;
    memcpy(out, c->ready, (size_t)n * sizeof *out);
    c->ready_n = 0;
    return n;
}
void consumer_commit(consumer *c, int kind, const consumer_offset *offsets, int n) {
    (void)offsets;
    (void)n;
    c->commits[kind]++;
}
int consumer_assignment(const consumer *c, uint16_t *out, int max) {
    int n = c->held_n < max ? c->held_n : max;
    for (int k = 0; k < n; k++) out[k] = c->held[k];
    return n;
}
int consumer_positions(const consumer *c, consumer_offset *out, int max) {
    int n = c->held_n < max ? c->held_n : max;
    for (int k = 0; k < n; k++) out[k] = (consumer_offset){.offset = 0, .partition = c->held[k]};
    return n;
}
void consumer_seek(consumer *c, int partition, int64_t offset) {
    (void)c;
    (void)partition;
    (void)offset;
}
void consumer_fetch_committed(consumer *c) { (void)c; }
consumer_group_metadata consumer_group_metadata_of(const consumer *c) {
    return (consumer_group_metadata){.member_id = 7, .generation = c->generation};
}
void consumer_close(consumer *c) { (void)c; }
void consumer_check_recent(consumer *c) { (void)c; }

/* ---- A world with one instance ------------------------------------------------------------ */

typedef struct rig {
    sim_world world;
    history history;
    config cfg;
    pipeline_sink sink;
    pipeline *pl;
    consumer *c;                 /* the instance's stand-in */
    int steps;                   /* consumer.processed steps seen */
    int step_due_at;             /* the step_fn answers true at this step (0: never) */
    uint16_t tick;               /* a kind that does nothing: moves the clock */
} rig;

static bool rig_step(void *ctx, node_id node, proto_step step, int partition) {
    rig *r = ctx;
    CHECK_EQ(node, node_consumer(0));
    CHECK_EQ(step, STEP_CONSUMER_PROCESSED);
    CHECK_EQ(partition, 3);
    return ++r->steps == r->step_due_at;
}

static void rig_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

static void rig_init(rig *r, int mode, int sink, int64_t processing_ns) {
    memset(r, 0, sizeof *r);
    sim_world_options o = {.seed = 1, .queue_capacity = 64};
    CHECK_EQ(sim_world_init(&r->world, &o), 0);
    CHECK_EQ(history_init(&r->history, 64), 0);
    r->tick = sim_handler_add(&r->world, rig_tick, r, "tick");
    r->cfg.pipeline = mode;
    r->cfg.sink = sink;
    r->cfg.processing_ns = processing_ns;
    r->cfg.max_poll_records = 16;
    r->cfg.enable_auto_commit = mode == CONFIG_PIPELINE_AT_LEAST_ONCE;
    r->cfg.records = 100;
    CHECK_EQ(pipeline_sink_init(&r->sink, sink, 100), 0);
    pipeline_env env = {.world = &r->world, .history = &r->history, .config = &r->cfg,
                        .step_fn = rig_step, .step_ctx = r, .sink = &r->sink};
    int bootstrap[] = {1, -1};
    r->pl = pipeline_new(&env, 0, bootstrap);
    CHECK(r->pl != NULL);
    r->c = last_consumer;
}

static void rig_fini(rig *r) {
    pipeline_free(r->pl);
    pipeline_sink_fini(&r->sink);
    history_fini(&r->history);
    sim_world_fini(&r->world);
}

/* Runs the world until until_ns, where its clock then stands. */
static void rig_run(rig *r, int64_t until_ns) {
    sim_schedule(&r->world, until_ns, r->tick, 0);
    r->world.opt.time_max_ns = until_ns;
    sim_run(&r->world);
    CHECK_EQ(sim_now(&r->world), until_ns);
    pipeline_check_recent(r->pl);
}

static int rig_processed(const rig *r, int sink, int64_t *last_ns) {
    int n = 0;
    for (size_t i = 0; i < r->history.count; i++) {
        const history_rec *h = &r->history.recs[i];
        if (h->kind != HIST_PROCESS || h->c != sink) continue;
        n++;
        if (last_ns) *last_ns = h->time_ns;
    }
    return n;
}

static consumer_record rec(uint32_t id, int64_t offset) {
    return (consumer_record){.offset = offset, .id = id, .partition = 3};
}

/* The consumer's handle and its callbacks, through the env it was given. */
static consumer_env *cenv(rig *r) { return &r->c->env; }

/* ---- Tests ---------------------------------------------------------------------------------- */

static void rig_start(rig *r) { pipeline_start(r->pl); }

static consumer *rig_consumer(rig *r) { return r->c; }

/* at-least-once with auto commit: poll, process each record for processing.ms, poll again;
 * no commit of the application's own (the consumer commits at poll). */
static void test_auto_commit_loop(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 10 * MS);
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    CHECK_EQ(c->starts, 1);
    CHECK_EQ(c->polls, 1); /* and waits: nothing buffered */
    rig_run(&r, 1 * S);
    CHECK_EQ(c->polls, 1);
    consumer_record recs[3] = {rec(5, 0), rec(6, 1), rec(7, 2)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 0); /* processing takes time */
    int64_t last = 0;
    rig_run(&r, 2 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, &last), 3);
    CHECK_EQ(last, 1 * S + 30 * MS);
    CHECK_EQ(r.steps, 3);
    CHECK_EQ(c->polls, 2);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC] + c->commits[CONSUMER_COMMIT_ASYNC], 0);
    CHECK(pipeline_done(r.pl));
    /* The records of a poll that returns at once are processed the same way. */
    c->ready[0] = rec(8, 3);
    c->ready_n = 1;
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, NULL, 0); /* the poll's timeout: poll again */
    CHECK_EQ(c->polls, 3);
    CHECK(!pipeline_done(r.pl));
    rig_run(&r, 3 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, &last), 4);
    CHECK_EQ(last, 2 * S + 10 * MS);
    rig_fini(&r);
}

/* Manual commits after processing: commitSync holds the thread until it is answered;
 * commitAsync does not. */
static void test_manual_commits(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_NONE, 0);
    r.cfg.enable_auto_commit = false;
    r.cfg.commit_mode = CONFIG_COMMIT_SYNC;
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    consumer_record recs[2] = {rec(1, 0), rec(2, 1)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    /* No processing time: both processed at once, then commitSync. */
    CHECK_EQ(rig_processed(&r, HIST_SINK_NONE, NULL), 2);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    CHECK_EQ(c->polls, 1);
    CHECK(!pipeline_done(r.pl));
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2); /* not polling: ignored */
    CHECK_EQ(rig_processed(&r, HIST_SINK_NONE, NULL), 2);
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, ERR_CLIENT_COMMIT_FAILED); /* caught: go on */
    CHECK_EQ(c->polls, 2);
    rig_fini(&r);

    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_NONE, 0);
    r.cfg.enable_auto_commit = false;
    r.cfg.commit_mode = CONFIG_COMMIT_ASYNC;
    rig_start(&r);
    c = rig_consumer(&r);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_ASYNC], 1);
    CHECK_EQ(c->polls, 2);
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, 0); /* the async answer: nothing waits */
    CHECK_EQ(c->polls, 2);
    rig_fini(&r);
}

/* at-most-once: the offsets are committed before processing; a failed commit leaves the batch
 * unprocessed. */
static void test_at_most_once(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_MOST_ONCE, CONFIG_SINK_EXTERNAL, 1 * MS);
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    consumer_record recs[2] = {rec(1, 0), rec(2, 1)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 0);
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, 0);
    rig_run(&r, 2 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(c->polls, 2);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, ERR_CLIENT_REBALANCE_IN_PROGRESS);
    rig_run(&r, 3 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(c->polls, 3);
    rig_fini(&r);
}

/* The dedup sink applies an id once, whoever processes it how often. */
static void test_dedup_sink(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL_DEDUP, 0);
    rig_start(&r);
    consumer_record recs[3] = {rec(1, 0), rec(2, 1), rec(1, 0)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(rig_processed(&r, HIST_SINK_SKIPPED, NULL), 1);
    /* A crash and a new process: the table is outside the instance and keeps its rows. */
    pipeline_crash(r.pl);
    pipeline_restart(r.pl);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(rig_processed(&r, HIST_SINK_SKIPPED, NULL), 3);
    CHECK_EQ(pipeline_sink_apply(&r.sink, 99), HIST_SINK_APPLIED);
    CHECK_EQ(pipeline_sink_apply(&r.sink, 99), HIST_SINK_SKIPPED);
    rig_fini(&r);
}

/* A crash in the middle of a batch: the rest is never processed by this process; the restart
 * polls afresh; callbacks meant for the dead process are ignored. */
static void test_crash_mid_batch(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 10 * MS);
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    consumer_record recs[3] = {rec(1, 0), rec(2, 1), rec(3, 2)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    rig_run(&r, 15 * MS);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 1);
    pipeline_crash(r.pl);
    CHECK_EQ(c->crashes, 1);
    CHECK(pipeline_done(r.pl));
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 1);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3); /* to the dead process: dropped */
    rig_run(&r, 2 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 1);
    pipeline_restart(r.pl);
    CHECK_EQ(c->restarts, 1);
    CHECK_EQ(c->polls, 2);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    rig_run(&r, 3 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 4);
    /* A restart of a live instance replaces its process. */
    pipeline_restart(r.pl);
    CHECK_EQ(c->crashes, 2);
    CHECK_EQ(c->restarts, 2);
    /* What it holds, for "consumer of <topic>-<p>": its consumer's assignment while it is up. */
    c->held[0] = 1;
    c->held[1] = 3;
    c->held_n = 2;
    CHECK(pipeline_holds(r.pl, 3));
    CHECK(!pipeline_holds(r.pl, 2));
    pipeline_crash(r.pl);
    CHECK(!pipeline_holds(r.pl, 3));
    rig_fini(&r);
}

/* A pause (the JVM: the consumer too) or a stall (the application thread only) holds what the
 * thread was doing until its end. */
static void test_pause_and_stall(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 10 * MS);
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    consumer_record recs[2] = {rec(1, 0), rec(2, 1)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    rig_run(&r, 5 * MS);
    pipeline_stall(r.pl, 500 * MS);
    CHECK_EQ(c->paused_until, 0);
    int64_t last = 0;
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, &last), 2);
    /* The first record's processing ended in the stall: done at its end; the second 10 ms on. */
    CHECK_EQ(last, 510 * MS);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    pipeline_pause(r.pl, 3 * S);
    CHECK_EQ(c->paused_until, 3 * S);
    rig_run(&r, 2 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    rig_run(&r, 4 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, &last), 4);
    CHECK_EQ(last, 3 * S + 10 * MS);
    /* Records that arrive during a stall wait for its end. */
    pipeline_stall(r.pl, 5 * S);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 1);
    rig_run(&r, 6 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, &last), 5);
    CHECK_EQ(last, 5 * S + 10 * MS);
    rig_fini(&r);
}

/* A fault due at consumer.processed: the thread goes no further at that instant, so a crash
 * scheduled there comes before the next record. */
static void test_step(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    r.step_due_at = 2;
    rig_start(&r);
    consumer_record recs[4] = {rec(1, 0), rec(2, 1), rec(3, 2), rec(4, 3)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 4);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    pipeline_crash(r.pl); /* the crash event, at the same instant */
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    rig_fini(&r);

    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    r.step_due_at = 2;
    rig_start(&r);
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 4);
    rig_run(&r, 1 * S); /* no crash came: the rest follows */
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 4);
    rig_fini(&r);
}

int main(void) {
    test_auto_commit_loop();
    test_manual_commits();
    test_at_most_once();
    test_dedup_sink();
    test_crash_mid_batch();
    test_pause_and_stall();
    test_step();
    return test_result("test_pipeline");
}
