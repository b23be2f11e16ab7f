/*
 * pipeline.c: the application instance consumer-k (pipeline.h): its loop over the consumer's
 * poll(), the processing of each record, the side effect, and the commits of
 * workload.pipeline.
 *
 * The loops are the patterns of KafkaConsumer's documentation (3.9, clients/.../consumer/
 * KafkaConsumer.java, "Automatic Offset Committing" and "Manual Offset Control"):
 *   at-least-once with enable.auto.commit: while (true) { records = poll(100 ms); process each }
 *     -- ConsumerCoordinator.maybeAutoCommitOffsetsAsync commits, inside the next poll(), the
 *     positions of the records earlier polls returned (consumer.c), so a crash after
 *     processing and before that poll processes them again elsewhere ("the process that took
 *     over consumption would consume from last committed offset and would repeat ...").
 *   at-least-once with enable.auto.commit=false: poll -> process each -> commitSync (or
 *     commitAsync, workload.commit) of the positions.
 *   at-most-once: poll -> commitSync -> process each: a crash after the commit and before the
 *     processing loses the rest of the batch for good.
 * A commit that fails (CommitFailedException, RebalanceInProgressException: the generation
 * moved on) is caught and the loop goes on to the next poll, which rejoins; at-most-once then
 * leaves the batch unprocessed (its records were not committed, so their new owner reads them
 * again).
 *
 * The application thread runs one thing at a time: it waits in poll() (the consumer answers
 * through on_records), in commitSync (on_commit), or processes a record for
 * workload.processing.ms (a timer). A JVM pause stops it and the consumer; a stall stops it
 * only (the consumer's heartbeat thread goes on): whatever comes due while it is stopped waits
 * for its end. A crash loses the instance's state (the records in hand); the sink and its dedup
 * table are outside and keep what was applied.
 *
 * Simplifications: processing takes the same time for every record (S7 of the design); the
 * output topic and exactly-once are not modelled yet (config_finish refuses exactly-once).
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "consumer.h"

/* What the application thread does next when it runs. */
typedef enum pipeline_next {
    PL_NEXT_NONE = 0,   /* waiting for the consumer (poll, commitSync) or down */
    PL_NEXT_POLL,       /* call poll() */
    PL_NEXT_COMMIT,     /* at-most-once: commitSync before processing the batch */
    PL_NEXT_PROCESS,    /* start processing the record at batch_at */
    PL_NEXT_PROCESSED,  /* the record at batch_at is processed: apply its effect */
    PL_NEXT_BATCH_DONE  /* every record of the batch is processed */
} pipeline_next;

/* What the application thread waits for in the consumer. */
typedef enum pipeline_wait {
    PL_WAIT_NONE = 0,
    PL_WAIT_POLL,       /* poll() returned nothing yet: on_records */
    PL_WAIT_COMMIT      /* commitSync: on_commit */
} pipeline_wait;

struct pipeline {
    pipeline_env env;
    const config *cfg;
    int index;                   /* consumer-(index + 1) */
    node_id node;                /* node_consumer(index) */
    consumer *consumer;          /* owned */
    uint16_t kind;               /* the application thread's timer kind */
    sim_timer timer;             /* processing, or the end of a pause or stall */
    bool up;                     /* started and not crashed */
    pipeline_next next;          /* what runs when the timer fires or the thread is free */
    pipeline_wait wait;          /* what the thread waits for in the consumer */
    bool committing_before;      /* PL_WAIT_COMMIT of at-most-once (else after processing) */
    int64_t paused_until;        /* the JVM stands still until then */
    int64_t stalled_until;       /* the application thread is blocked until then */
    consumer_record *batch;      /* owned: the records poll() returned, max.poll.records */
    int batch_n;                 /* records in it */
    int batch_at;                /* the record being processed, or the next */
    uint64_t processed;          /* records processed by this instance (all its processes) */
};

/* ==== The sink ============================================================================== */

int pipeline_sink_init(pipeline_sink *s, int mode, uint64_t records) {
    memset(s, 0, sizeof *s);
    s->mode = mode;
    if (mode != CONFIG_SINK_EXTERNAL_DEDUP) return 0;
    s->ids = records;
    s->applied = calloc((size_t)(records / 8 + 1), 1);
    return s->applied ? 0 : -1;
}

void pipeline_sink_fini(pipeline_sink *s) {
    free(s->applied);
    s->applied = NULL;
}

int pipeline_sink_apply(pipeline_sink *s, uint32_t id) {
    switch (s->mode) {
    case CONFIG_SINK_EXTERNAL: return HIST_SINK_APPLIED;
    case CONFIG_SINK_EXTERNAL_DEDUP: {
        if (id >= s->ids) return HIST_SINK_APPLIED; /* not an input id: no row to check */
        uint8_t bit = (uint8_t)(1u << (id & 7));
        if (s->applied[id >> 3] & bit) return HIST_SINK_SKIPPED;
        s->applied[id >> 3] |= bit;
        return HIST_SINK_APPLIED;
    }
    default: return HIST_SINK_NONE;
    }
}

/* ==== The application thread ================================================================ */

static int64_t pl_now(const pipeline *pl) { return sim_now(pl->env.world); }

/* The thread may not run before this (a pause or a stall). */
static int64_t pl_blocked_until(const pipeline *pl) {
    return pl->paused_until > pl->stalled_until ? pl->paused_until : pl->stalled_until;
}

static void pl_arm(pipeline *pl, int64_t at_ns) {
    sim_timer_arm(pl->env.world, &pl->timer, at_ns, pl->kind, (uint64_t)pl->index);
}

static void pl_run(pipeline *pl);

/* The next thing to do is what: run it now, or when the thread is free again. */
static void pl_then(pipeline *pl, pipeline_next what) {
    pl->next = what;
    pl_run(pl);
}

/* A step of the instance; true when a fault came due at it (a crash follows in an event of its
 * own at this instant, or the instance was paused or stalled). */
static bool pl_step(pipeline *pl, proto_step step, int partition) {
    return pl->env.step_fn && pl->env.step_fn(pl->env.step_ctx, pl->node, step, partition);
}

/* ---- poll() --------------------------------------------------------------------------------- */

/* The records of a poll are in batch: process them, or first commit their positions
 * (at-most-once). */
static void pl_polled(pipeline *pl) {
    pl->batch_at = 0;
    if (pl->batch_n == 0) {
        pl_then(pl, PL_NEXT_POLL);
        return;
    }
    pl_then(pl, pl->cfg->pipeline == CONFIG_PIPELINE_AT_MOST_ONCE ? PL_NEXT_COMMIT
                                                                   : PL_NEXT_PROCESS);
}

static void pl_poll(pipeline *pl) {
    pl->batch_n = 0;
    pl->batch_at = 0;
    pl->wait = PL_WAIT_POLL; /* before the call: on_records may answer from inside it */
    int n = consumer_poll(pl->consumer, pl->batch);
    SIM_ASSERT(pl->env.world, n >= 0 && n <= pl->cfg->max_poll_records);
    if (n == 0) return; /* poll blocks: on_records answers */
    pl->wait = PL_WAIT_NONE;
    pl->batch_n = n;
    pl_polled(pl);
}

/* consumer.h on_records: the poll the thread waits in returned (n = 0: its timeout passed). */
static void pl_on_records(void *ctx, const consumer_record *recs, int n) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_POLL) return;
    SIM_ASSERT(pl->env.world, n >= 0 && n <= pl->cfg->max_poll_records);
    pl->wait = PL_WAIT_NONE;
    if (n > 0) memcpy(pl->batch, recs, (size_t)n * sizeof *recs);
    pl->batch_n = n;
    pl_polled(pl);
}

/* ---- Commits -------------------------------------------------------------------------------- */

/* commitSync of the positions (every record poll returned so far). */
static void pl_commit_sync(pipeline *pl, bool before) {
    pl->wait = PL_WAIT_COMMIT;
    pl->committing_before = before;
    consumer_commit(pl->consumer, CONSUMER_COMMIT_SYNC, NULL, 0);
}

/* consumer.h on_commit: a commit finished. Only a commitSync holds the thread; an async one's
 * outcome is the consumer's history record. */
static void pl_on_commit(void *ctx, int error) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_COMMIT) return;
    pl->wait = PL_WAIT_NONE;
    if (pl->committing_before) {
        /* at-most-once: the batch is processed only once its offsets are committed; a failed
         * commit (the generation moved on) drops it, and its new owner reads it again. */
        if (error == 0) {
            pl_then(pl, PL_NEXT_PROCESS);
            return;
        }
        pl->batch_n = 0;
        pl->batch_at = 0;
    }
    pl_then(pl, PL_NEXT_POLL);
}

/* Every record of the batch is processed: commit it (a manual at-least-once commit), or poll
 * again (auto commit commits it there; at-most-once committed it before). */
static void pl_batch_done(pipeline *pl) {
    const config *c = pl->cfg;
    pl->batch_n = 0;
    pl->batch_at = 0;
    if (c->pipeline == CONFIG_PIPELINE_AT_LEAST_ONCE && !c->enable_auto_commit) {
        if (c->commit_mode == CONFIG_COMMIT_SYNC) {
            pl_commit_sync(pl, false);
            return;
        }
        consumer_commit(pl->consumer, CONSUMER_COMMIT_ASYNC, NULL, 0);
    }
    pl_then(pl, PL_NEXT_POLL);
}

/* ---- Processing ----------------------------------------------------------------------------- */

/* The record at batch_at is processed: its side effect is applied (or skipped by the dedup
 * table) and recorded, then the step consumer.processed. */
static void pl_processed(pipeline *pl) {
    const consumer_record *r = &pl->batch[pl->batch_at];
    int sink = pipeline_sink_apply(pl->env.sink, r->id);
    consumer_group_metadata meta = consumer_group_metadata_of(pl->consumer);
    history_process(pl->env.history, pl_now(pl), pl->node, r->partition, r->id, r->offset,
                    meta.generation, sink);
    pl->processed++;
    pl->batch_at++;
    pipeline_next then = pl->batch_at < pl->batch_n ? PL_NEXT_PROCESS : PL_NEXT_BATCH_DONE;
    if (pl_step(pl, STEP_CONSUMER_PROCESSED, r->partition)) {
        /* A crash comes in an event of its own at this instant: go no further before it (a
         * pause or a stall holds the thread until its end). */
        pl->next = then;
        pl_arm(pl, pl_now(pl));
        return;
    }
    pl_then(pl, then);
}

/* ---- The loop ------------------------------------------------------------------------------- */

/* Runs what comes next, unless the thread is held (then the timer runs it at the end of the
 * pause or stall) or waits for the consumer. */
static void pl_run(pipeline *pl) {
    if (!pl->up || pl->wait != PL_WAIT_NONE) return;
    int64_t now = pl_now(pl);
    if (pl_blocked_until(pl) > now) {
        pl_arm(pl, pl_blocked_until(pl));
        return;
    }
    pipeline_next what = pl->next;
    pl->next = PL_NEXT_NONE;
    switch (what) {
    case PL_NEXT_NONE: break;
    case PL_NEXT_POLL: pl_poll(pl); break;
    case PL_NEXT_COMMIT: pl_commit_sync(pl, true); break;
    case PL_NEXT_PROCESS:
        if (pl->cfg->processing_ns > 0) {
            pl->next = PL_NEXT_PROCESSED;
            pl_arm(pl, now + pl->cfg->processing_ns);
        } else {
            pl_processed(pl);
        }
        break;
    case PL_NEXT_PROCESSED: pl_processed(pl); break;
    case PL_NEXT_BATCH_DONE: pl_batch_done(pl); break;
    }
}

static void pl_on_timer(void *ctx, sim_world *w, const sim_event *ev) {
    pipeline *pl = ctx;
    if (!sim_timer_fired(w, &pl->timer, ev)) return;
    pl_run(pl);
}

/* ==== Lifecycle ============================================================================= */

pipeline *pipeline_new(const pipeline_env *env, int index, const int *bootstrap) {
    pipeline *pl = calloc(1, sizeof *pl);
    if (!pl) return NULL;
    pl->env = *env;
    pl->cfg = env->config;
    pl->index = index;
    pl->node = node_consumer(index);
    int batch_cap = pl->cfg->max_poll_records < CONSUMER_POLL_RECORDS_MAX
                        ? pl->cfg->max_poll_records
                        : CONSUMER_POLL_RECORDS_MAX;
    pl->batch = calloc((size_t)(batch_cap > 0 ? batch_cap : 1), sizeof *pl->batch);
    consumer_env cenv = {.world = env->world, .net = env->net, .history = env->history,
                         .config = env->config, .payloads = env->payloads,
                         .step_fn = env->step_fn, .step_ctx = env->step_ctx,
                         .app = {.ctx = pl, .on_records = pl_on_records,
                                 .on_commit = pl_on_commit}};
    pl->consumer = pl->batch ? consumer_new(&cenv, index, bootstrap) : NULL;
    if (!pl->consumer) {
        pipeline_free(pl);
        return NULL;
    }
    pl->kind = sim_handler_add(env->world, pl_on_timer, pl, "pipeline");
    return pl;
}

void pipeline_free(pipeline *pl) {
    if (!pl) return;
    if (pl->consumer) consumer_free(pl->consumer);
    free(pl->batch);
    free(pl);
}

/* A fresh application thread: nothing in hand, poll first. */
static void pl_begin(pipeline *pl) {
    pl->up = true;
    pl->wait = PL_WAIT_NONE;
    pl->batch_n = 0;
    pl->batch_at = 0;
    sim_timer_cancel(&pl->timer);
    pl_then(pl, PL_NEXT_POLL);
}

void pipeline_start(pipeline *pl) {
    consumer_start(pl->consumer);
    pl_begin(pl);
}

void pipeline_crash(pipeline *pl) {
    if (!pl->up) return;
    consumer_crash(pl->consumer);
    pl->up = false;
    pl->next = PL_NEXT_NONE;
    pl->wait = PL_WAIT_NONE;
    pl->batch_n = 0;
    pl->batch_at = 0;
    pl->paused_until = 0;
    pl->stalled_until = 0;
    sim_timer_cancel(&pl->timer);
}

/* A new process of the instance: after a crash it comes back; a live one is replaced (the old
 * process ends as a crash would end it: no LeaveGroup, its member stays until its session
 * expires). */
void pipeline_restart(pipeline *pl) {
    pipeline_crash(pl);
    consumer_restart(pl->consumer);
    pl_begin(pl);
}

void pipeline_pause(pipeline *pl, int64_t until_ns) {
    if (!pl->up) return;
    consumer_pause(pl->consumer, until_ns);
    if (until_ns > pl->paused_until) pl->paused_until = until_ns;
    /* Whatever the thread was about to do waits for the end (a processing timer due earlier
     * fires into pl_run, which holds it). */
    if (sim_timer_armed(&pl->timer) && pl->timer.at_ns < until_ns) pl_arm(pl, until_ns);
}

void pipeline_stall(pipeline *pl, int64_t until_ns) {
    if (!pl->up) return;
    if (until_ns > pl->stalled_until) pl->stalled_until = until_ns;
    if (sim_timer_armed(&pl->timer) && pl->timer.at_ns < until_ns) pl_arm(pl, until_ns);
}

bool pipeline_done(const pipeline *pl) {
    return !pl->up || (pl->wait == PL_WAIT_POLL && pl->batch_n == 0);
}

bool pipeline_holds(const pipeline *pl, int partition) {
    if (!pl->up) return false;
    uint16_t held[TOPIC_PARTITIONS_MAX];
    int n = consumer_assignment(pl->consumer, held, TOPIC_PARTITIONS_MAX);
    for (int k = 0; k < n; k++)
        if (held[k] == partition) return true;
    return false;
}

void pipeline_check_recent(pipeline *pl) {
    sim_world *w = pl->env.world;
    SIM_ASSERT(w, pl->batch_n >= 0 && pl->batch_n <= pl->cfg->max_poll_records);
    SIM_ASSERT(w, pl->batch_at >= 0 && pl->batch_at <= pl->batch_n);
    if (!pl->up) {
        SIM_ASSERT(w, pl->wait == PL_WAIT_NONE && pl->next == PL_NEXT_NONE);
        SIM_ASSERT(w, !sim_timer_armed(&pl->timer));
        return;
    }
    /* The thread does one thing: waits in the consumer, or has its next step on the timer. */
    SIM_ASSERT(w, pl->wait == PL_WAIT_NONE || pl->next == PL_NEXT_NONE);
    if (pl->wait == PL_WAIT_POLL) SIM_ASSERT(w, pl->batch_n == 0);
    if (pl->next == PL_NEXT_PROCESSED) SIM_ASSERT(w, pl->batch_at < pl->batch_n);
    consumer_check_recent(pl->consumer);
}
