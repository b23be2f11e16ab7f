/*
 * test_pipeline.c: the application loop of an instance (pipeline.c) against stand-ins for the
 * consumer and the driven producer (the calls of consumer.h and producer.h's driven mode,
 * defined here, so that the loop is tested alone): the order of poll, processing, output
 * sends, flush, commits and the side effect of each workload.pipeline, the processing time,
 * the dedup sink, a crash in the middle of a batch, a pause and a stall of the application
 * thread, the step consumer.processed, a failed output send (at-least-once processes the
 * batch again, at-most-once goes on) and a send blocked on buffer.memory.
 */
#include <string.h>

#include "consumer.h"
#include "pipeline.h"
#include "producer.h"
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
    int32_t joined_generation;   /* consumer_group_metadata_joined's */
    int committed_asked;         /* consumer_fetch_committed calls */
    int closes;                  /* consumer_close calls */
    int seeks;                   /* consumer_seek calls, the last one's partition and offset */
    int seek_partition;
    int64_t seek_offset;
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
    c->seeks++;
    c->seek_partition = partition;
    c->seek_offset = offset;
}
void consumer_fetch_committed(consumer *c) { c->committed_asked++; }
consumer_group_metadata consumer_group_metadata_of(const consumer *c) {
    return (consumer_group_metadata){.member_id = 7, .generation = c->generation};
}
consumer_group_metadata consumer_group_metadata_joined(const consumer *c) {
    return (consumer_group_metadata){.member_id = 7, .generation = c->joined_generation};
}
void consumer_close(consumer *c) { c->closes++; }
void consumer_check_recent(consumer *c) { (void)c; }

/* ---- The stand-in driven producer ---------------------------------------------------------- */

/* The instance's producer (one per rig): what the application sent and flushed. */
static struct stand_in_producer {
    producer *p;
    uint32_t ids[64];            /* producer_drive_send's ids and partitions, in order */
    int partitions[64];
    int sends;
    int flushes;                 /* producer_drive_flush calls */
    bool flush_waits;            /* flush does not return at once: the test calls on_flush */
    bool buffer_full;            /* the next send blocks: the test calls on_unblocked */
    int pending;                 /* sends not yet completed (flush_waits only) */
    int starts, crashes, restarts;
    int64_t paused_until;
    bool transactional;          /* the producer has a transactional.id (exactly-once) */
    int txn_calls[5];            /* PRODUCER_DRIVE_TXN_* calls (INIT .. ABORT), and begins at 0 */
    proto_offset_entry offsets[4]; /* the last send_offsets' */
    int offset_count;
    proto_member_id member;
    int32_t generation;
    bool fatal;                  /* producer_drive_txn_fatal's answer */
    int closes;                  /* producer_drive_close calls */
    int send_throws;             /* what producer_drive_send throws once its record is in
                                  * (0: it returns) */
} fake;

int producer_init(producer *p, const producer_env *env, int index, const int *bootstrap,
                  int bootstrap_count) {
    (void)bootstrap;
    (void)bootstrap_count;
    memset(p, 0, sizeof *p);
    memset(&fake, 0, sizeof fake);
    CHECK(env->driver != NULL);
    CHECK_EQ(env->topic_count, 1);
    CHECK_EQ(env->topics[0].first, 4); /* the output topic: after orders' 4 partitions */
    CHECK_EQ(env->topics[0].count, 2);
    p->driver = *env->driver;
    p->driven = true;
    p->node = node_consumer_producer(index);
    fake.p = p;
    return 0;
}
void producer_fini(producer *p) { (void)p; }
void producer_start(producer *p) { (void)p; fake.starts++; }
void producer_crash(producer *p) { (void)p; fake.crashes++; fake.pending = 0; }
void producer_restart(producer *p) { (void)p; fake.restarts++; fake.pending = 0; }
void producer_pause(producer *p, int64_t until_ns) { (void)p; fake.paused_until = until_ns; }
int producer_drive_send(producer *p, int partition, uint32_t id) {
    (void)p;
    if (fake.buffer_full) return PRODUCER_DRIVE_BLOCKED;
    CHECK(fake.sends < 64);
    fake.ids[fake.sends] = id;
    fake.partitions[fake.sends++] = partition;
    if (fake.flush_waits) fake.pending++;
    return fake.send_throws; /* 0: PRODUCER_DRIVE_SENT */
}
bool producer_drive_flush(producer *p) {
    (void)p;
    fake.flushes++;
    return !fake.flush_waits || fake.pending == 0;
}
uint64_t producer_drive_pending(const producer *p) {
    (void)p;
    return (uint64_t)fake.pending;
}
void producer_check_recent(producer *p) { (void)p; }
bool producer_drive_transactional(const producer *p) { (void)p; return fake.transactional; }
void producer_drive_init_transactions(producer *p) { (void)p; fake.txn_calls[PRODUCER_DRIVE_TXN_INIT]++; }
int producer_drive_begin(producer *p) { (void)p; fake.txn_calls[0]++; return 0; }
void producer_drive_send_offsets(producer *p, const proto_offset_entry *offsets, int n,
                                 proto_member_id member_id, int32_t generation) {
    (void)p;
    fake.txn_calls[PRODUCER_DRIVE_TXN_OFFSETS]++;
    CHECK(n >= 1 && n <= 4);
    memcpy(fake.offsets, offsets, (size_t)n * sizeof *offsets);
    fake.offset_count = n;
    fake.member = member_id;
    fake.generation = generation;
}
void producer_drive_commit(producer *p) { (void)p; fake.txn_calls[PRODUCER_DRIVE_TXN_COMMIT]++; }
void producer_drive_abort(producer *p) { (void)p; fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT]++; }
bool producer_drive_txn_fatal(const producer *p) { (void)p; return fake.fatal; }
void producer_drive_close(producer *p) { (void)p; fake.closes++; }

/* The transactional call the application waits in returns error. */
static void fake_txn_returns(int error) {
    producer_driver *d = &fake.p->driver;
    d->on_txn(d->ctx, error);
}

/* The producer completes every pending send (error for the one at index bad, -1 none) and the
 * flush returns. */
static void fake_complete(int bad) {
    producer_driver *d = &fake.p->driver;
    for (int k = fake.sends - fake.pending; k < fake.sends; k++)
        d->on_send(d->ctx, fake.ids[k], fake.partitions[k], k == bad ? ERR_CLIENT_DELIVERY_TIMEOUT : 0,
                   k == bad ? -1 : k);
    fake.pending = 0;
    d->on_flush(d->ctx);
}

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
    CHECK(partition == 3 || partition == 1);
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
    /* Input orders-0 .. orders-3 (g 0 .. 3), output-0 and output-1 (g 4, 5). */
    topic_table_init(&r->cfg.topics);
    CHECK_EQ(topic_table_add(&r->cfg.topics, "orders", 4, 1, 1), 0);
    CHECK_EQ(topic_table_add_output(&r->cfg.topics, "output", 2, 1, 1), 1);
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

/* Each processed record's output goes to the output partition of its input partition's number
 * (orders-3 -> output-1, g 5) with the input's id; flush() comes before the commit, and the
 * thread waits in it. */
static void test_output_flush_before_commit(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    r.cfg.enable_auto_commit = false;
    r.cfg.commit_mode = CONFIG_COMMIT_SYNC;
    rig_start(&r);
    CHECK_EQ(fake.starts, 1);
    CHECK_EQ(fake.p->node, node_consumer_producer(0));
    consumer *c = rig_consumer(&r);
    fake.flush_waits = true;
    consumer_record recs[2] = {rec(11, 5), rec(12, 6)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(fake.sends, 2);
    CHECK_EQ(fake.ids[0], 11);
    CHECK_EQ(fake.ids[1], 12);
    CHECK_EQ(fake.partitions[0], 5);
    CHECK_EQ(fake.partitions[1], 5);
    CHECK_EQ(fake.flushes, 1);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 0); /* flush() has not returned */
    CHECK(!pipeline_done(r.pl));
    rig_run(&r, 1 * S);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 0);
    fake_complete(-1);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    CHECK_EQ(c->seeks, 0);
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, 0);
    CHECK_EQ(c->polls, 2);
    CHECK(pipeline_done(r.pl));
    /* A crash while flush() waits: the new process polls afresh; the old flush is nobody's. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(fake.pending, 2);
    pipeline_crash(r.pl);
    CHECK_EQ(fake.crashes, 1);
    pipeline_restart(r.pl);
    CHECK_EQ(fake.restarts, 1);
    CHECK_EQ(c->polls, 3);
    fake.p->driver.on_flush(fake.p->driver.ctx); /* not waiting in flush: ignored */
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    rig_fini(&r);
}

/* A send that failed (its callback's error): at-least-once commits nothing and goes back to
 * the batch's first offset in each partition, so the batch is processed again; at-most-once
 * had committed before processing and goes on (the output is lost). */
static void test_output_send_failed(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    r.cfg.enable_auto_commit = false;
    r.cfg.commit_mode = CONFIG_COMMIT_SYNC;
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    fake.flush_waits = true;
    consumer_record recs[3] = {rec(21, 7), rec(22, 8), rec(23, 9)};
    recs[2].partition = 1; /* orders-1 -> output-1 */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    CHECK_EQ(fake.partitions[2], 5);
    fake_complete(1);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 0);
    CHECK_EQ(c->seeks, 2); /* orders-3 back to 7, orders-1 back to 9 */
    CHECK_EQ(c->seek_partition, 1);
    CHECK_EQ(c->seek_offset, 9);
    CHECK_EQ(c->polls, 2);
    /* The next batch flushes cleanly: committed. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    fake_complete(-1);
    CHECK_EQ(c->commits[CONSUMER_COMMIT_SYNC], 1);
    CHECK_EQ(c->seeks, 2);
    rig_fini(&r);

    rig_init(&r, CONFIG_PIPELINE_AT_MOST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    rig_start(&r);
    c = rig_consumer(&r);
    fake.flush_waits = true;
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 3);
    CHECK_EQ(fake.sends, 0); /* commitSync first */
    cenv(&r)->app.on_commit(cenv(&r)->app.ctx, 0);
    CHECK_EQ(fake.sends, 3);
    CHECK_EQ(c->polls, 1);
    fake_complete(0);
    CHECK_EQ(c->seeks, 0);
    CHECK_EQ(c->polls, 2);
    rig_fini(&r);
}

/* A send that finds buffer.memory full blocks the thread: nothing more is processed until it
 * returns. */
static void test_output_send_blocks(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_AT_LEAST_ONCE, CONFIG_SINK_EXTERNAL, 0);
    rig_start(&r);
    consumer *c = rig_consumer(&r);
    fake.buffer_full = true;
    consumer_record recs[2] = {rec(31, 0), rec(32, 1)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 1);
    CHECK_EQ(r.steps, 0); /* consumer.processed comes once the send returned */
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 1);
    CHECK(!pipeline_done(r.pl));
    fake.buffer_full = false;
    fake.p->driver.on_unblocked(fake.p->driver.ctx, 0);
    CHECK_EQ(r.steps, 2); /* the blocked record's step, then the next record's */
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(fake.sends, 1); /* the blocked one went in inside the producer (stand-in: not listed) */
    CHECK_EQ(fake.ids[0], 32);
    CHECK_EQ(c->polls, 2);
    rig_fini(&r);
}

/* exactly-once: initTransactions first; per poll begin, process and send each record,
 * sendOffsetsToTransaction with the positions and the group metadata of the last join (the
 * generation the member joined, even once the consumer's own was reset), commit, poll. An
 * abortable error aborts, asks committed() and seeks each assigned partition there (again
 * after the backoff while one is not answered); a fatal one closes the instance. */
static void test_exactly_once(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_EXACTLY_ONCE, CONFIG_SINK_EXTERNAL, 0);
    r.cfg.retry_backoff_ns = 100 * MS;
    fake.transactional = true;
    consumer *c = rig_consumer(&r);
    c->held[0] = 3;
    c->held_n = 1;
    c->joined_generation = 4;
    c->generation = -1; /* left the group meanwhile: groupMetadata() keeps the join's */
    rig_start(&r);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_INIT], 1);
    CHECK_EQ(c->polls, 0); /* initTransactions blocks the thread */
    fake_txn_returns(0);
    CHECK_EQ(c->polls, 1);
    consumer_record recs[2] = {rec(1, 10), rec(2, 11)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(fake.txn_calls[0], 1); /* begin */
    CHECK_EQ(fake.sends, 2);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_OFFSETS], 1);
    CHECK_EQ(fake.flushes, 0); /* commitTransaction flushes */
    CHECK_EQ(fake.offset_count, 1);
    CHECK_EQ(fake.offsets[0].partition, 3);
    CHECK_EQ(fake.member, 7);
    CHECK_EQ(fake.generation, 4);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_COMMIT], 0);
    fake_txn_returns(0);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_COMMIT], 1);
    CHECK_EQ(c->polls, 1);
    fake_txn_returns(0);
    CHECK_EQ(c->polls, 2);
    CHECK(pipeline_done(r.pl));
    /* The group moved on: the offsets are refused (CommitFailedException), the transaction
     * aborts, committed() answers nothing for orders-3 at first (a pending commit), then 10. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    fake_txn_returns(ERR_CLIENT_COMMIT_FAILED);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 1);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_COMMIT], 1);
    fake_txn_returns(0);
    CHECK_EQ(c->committed_asked, 1);
    cenv(&r)->app.on_committed(cenv(&r)->app.ctx, NULL, 0, 0);
    CHECK_EQ(c->seeks, 0);
    rig_run(&r, 1 * S);
    CHECK_EQ(c->committed_asked, 2);
    consumer_offset committed = {.offset = 10, .leader_epoch = -1, .partition = 3};
    cenv(&r)->app.on_committed(cenv(&r)->app.ctx, &committed, 1, 0);
    CHECK_EQ(c->seeks, 1);
    CHECK_EQ(c->seek_partition, 3);
    CHECK_EQ(c->seek_offset, 10);
    CHECK_EQ(c->polls, 3);
    /* Fenced: the instance closes and stays down. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    fake.fatal = true;
    fake_txn_returns(ERR_PRODUCER_FENCED);
    CHECK_EQ(c->closes, 1);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 1);
    CHECK(pipeline_done(r.pl));
    CHECK(!pipeline_holds(r.pl, 3));
    rig_run(&r, 2 * S);
    CHECK_EQ(c->polls, 3);
    rig_fini(&r);
}

/* exactly-once: a send after the transaction entered an error state throws (producer.h), and
 * the loop aborts at once: the records after it in the batch are not processed in the failed
 * transaction (no side effect, no send, no sendOffsetsToTransaction); after the abort
 * committed() and the seek, as after any abortable error. A send blocked on buffer.memory that
 * throws once it is in (on_unblocked with the error) does the same. */
static void test_exactly_once_send_throws(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_EXACTLY_ONCE, CONFIG_SINK_EXTERNAL, 10 * MS);
    fake.transactional = true;
    consumer *c = rig_consumer(&r);
    c->held[0] = 3;
    c->held_n = 1;
    c->joined_generation = 1;
    rig_start(&r);
    fake_txn_returns(0); /* initTransactions */
    consumer_record recs[4] = {rec(1, 10), rec(2, 11), rec(3, 12), rec(4, 13)};
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 4);
    rig_run(&r, 15 * MS); /* record 1 processed and sent */
    CHECK_EQ(fake.sends, 1);
    fake.send_throws = ERR_NOT_ENOUGH_REPLICAS; /* its batch failed: the transaction's error */
    rig_run(&r, 1 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 2); /* record 2's send threw */
    CHECK_EQ(fake.sends, 2);
    CHECK_EQ(r.steps, 1); /* consumer.processed only for the send that returned */
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_OFFSETS], 0);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 1);
    fake.send_throws = 0;
    fake_txn_returns(0); /* abortTransaction returned */
    CHECK_EQ(c->committed_asked, 1);
    consumer_offset committed = {.offset = 10, .leader_epoch = -1, .partition = 3};
    cenv(&r)->app.on_committed(cenv(&r)->app.ctx, &committed, 1, 0);
    CHECK_EQ(c->seek_offset, 10);
    CHECK_EQ(c->polls, 2);
    CHECK(pipeline_done(r.pl));
    /* The same from a blocked send. */
    fake.buffer_full = true;
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 4);
    rig_run(&r, 2 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 3);
    fake.buffer_full = false;
    fake.p->driver.on_unblocked(fake.p->driver.ctx, ERR_CLIENT_DELIVERY_TIMEOUT);
    rig_run(&r, 3 * S);
    CHECK_EQ(rig_processed(&r, HIST_SINK_APPLIED, NULL), 3);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 2);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_OFFSETS], 0);
    rig_fini(&r);
}

/* exactly-once: an exception EOMP's loop does not catch ends the thread: initTransactions'
 * TimeoutException (max.block.ms; it is called before the loop), and an abortTransaction that
 * throws in the catch block (here the IllegalStateException of an abort while the timed-out
 * commit is pending). The consumer closes (LeaveGroup) and the producer closes
 * (producer_drive_close: it finishes what is pending); nothing is called again, and the
 * instance is done once its producer has nothing pending. A sendOffsetsToTransaction timeout is
 * a KafkaException the loop catches: it aborts. */
static void test_exactly_once_thread_ends(void) {
    rig r;
    rig_init(&r, CONFIG_PIPELINE_EXACTLY_ONCE, CONFIG_SINK_EXTERNAL, 0);
    fake.transactional = true;
    consumer *c = rig_consumer(&r);
    c->held[0] = 3;
    c->held_n = 1;
    rig_start(&r);
    fake_txn_returns(ERR_CLIENT_TXN_TIMEOUT); /* initTransactions timed out */
    CHECK_EQ(fake.closes, 1);
    CHECK_EQ(c->closes, 1);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_INIT], 1);
    CHECK_EQ(c->polls, 0);
    fake.pending = 1; /* the producer still finishes its InitProducerId */
    CHECK(!pipeline_done(r.pl));
    fake.pending = 0;
    CHECK(pipeline_done(r.pl));
    rig_run(&r, 1 * S);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_INIT], 1);
    /* A restart begins a new process: initTransactions again. */
    pipeline_restart(r.pl);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_INIT], 2);
    fake_txn_returns(0);
    consumer_record recs[2] = {rec(1, 10), rec(2, 11)};
    /* sendOffsetsToTransaction times out: caught, the transaction aborts. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_OFFSETS], 1);
    fake_txn_returns(ERR_CLIENT_TXN_TIMEOUT);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 1);
    fake_txn_returns(0);
    CHECK_EQ(c->committed_asked, 1);
    consumer_offset committed = {.offset = 10, .leader_epoch = -1, .partition = 3};
    cenv(&r)->app.on_committed(cenv(&r)->app.ctx, &committed, 1, 0);
    /* commitTransaction times out; the abort in the catch block throws: the thread ends. */
    cenv(&r)->app.on_records(cenv(&r)->app.ctx, recs, 2);
    fake_txn_returns(0); /* sendOffsetsToTransaction */
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_COMMIT], 1);
    fake_txn_returns(ERR_CLIENT_TXN_TIMEOUT);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 2);
    fake_txn_returns(ERR_INVALID_TXN_STATE);
    CHECK_EQ(fake.txn_calls[PRODUCER_DRIVE_TXN_ABORT], 2); /* not asked again */
    CHECK_EQ(fake.closes, 2);
    CHECK_EQ(c->closes, 2);
    CHECK(!pipeline_holds(r.pl, 3));
    CHECK(pipeline_done(r.pl));
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
    test_output_flush_before_commit();
    test_output_send_failed();
    test_output_send_blocks();
    test_exactly_once();
    test_exactly_once_send_throws();
    test_exactly_once_thread_ends();
    return test_result("test_pipeline");
}
