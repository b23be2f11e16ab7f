/*
 * pipeline.c: the application instance consumer-k (pipeline.h): its loop over the consumer's
 * poll(), the processing of each record, the side effect, and the commits of
 * workload.pipeline.
 *
 * The loops are the patterns of KafkaConsumer's documentation (3.9, clients/.../consumer/
 * KafkaConsumer.java, "Automatic Offset Committing" and "Manual Offset Control"):
 * Processing a record applies its side effect and sends its output record (the input's id)
 * with the instance's producer (producer.h, driven mode); every loop flush()es the producer
 * before the offsets of the batch can be committed, as a consume-transform-produce application
 * must (Kafka Streams at-least-once: StreamTask.prepareCommit flushes the RecordCollector
 * before TaskManager commits the offsets):
 *   at-least-once with enable.auto.commit: while (true) { records = poll(100 ms); process each;
 *     flush }
 *     -- ConsumerCoordinator.maybeAutoCommitOffsetsAsync commits, inside the next poll(), the
 *     positions of the records earlier polls returned (consumer.c), so a crash after
 *     processing and before that poll processes them again elsewhere ("the process that took
 *     over consumption would consume from last committed offset and would repeat ...").
 *   at-least-once with enable.auto.commit=false: poll -> process each -> flush -> commitSync
 *     (or commitAsync, workload.commit) of the positions.
 *   at-most-once: poll -> commitSync -> process each -> flush: a crash after the commit and
 *     before the processing loses the rest of the batch for good, and a failed output send
 *     loses that output.
 * A send that failed (its callback's exception, e.g. delivery.timeout.ms while a broker is
 * down) keeps at-least-once from committing the batch: the application goes back to the
 * batch's first offsets and processes it again (pl_rewind).
 * A commit that fails (CommitFailedException, RebalanceInProgressException: the generation
 * moved on) is caught and the loop goes on to the next poll, which rejoins; at-most-once then
 * leaves the batch unprocessed (its records were not committed, so their new owner reads them
 * again).
 *
 * The application thread runs one thing at a time: it waits in poll() (the consumer answers
 * through on_records), in commitSync (on_commit), in send() while buffer.memory is full
 * (on_unblocked), in flush() (on_flush), or processes a record for workload.processing.ms (a
 * timer). So a flush held up by a broker that is down holds the thread, and
 * max.poll.interval.ms counts on (the heartbeat thread then leaves the group). A JVM pause stops it and the consumer; a stall stops it
 * only (the consumer's heartbeat thread goes on): whatever comes due while it is stopped waits
 * for its end. A crash loses the instance's state (the records in hand); the sink and its dedup
 * table are outside and keep what was applied.
 *
 * exactly-once: the loop of the section "Exactly-once" below (KIP-447).
 *
 * Simplifications: processing takes the same time for every record; the output partition is
 * the input partition's number (pl_output_partition), not a partitioner's choice.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "producer.h"

/* What the application thread does next when it runs. */
typedef enum pipeline_next {
    PL_NEXT_NONE = 0,   /* waiting for the consumer (poll, commitSync) or down */
    PL_NEXT_POLL,       /* call poll() */
    PL_NEXT_COMMIT,     /* at-most-once: commitSync before processing the batch */
    PL_NEXT_PROCESS,    /* start processing the record at batch_at */
    PL_NEXT_PROCESSED,  /* the record at batch_at is processed: apply its effect */
    PL_NEXT_SENT,       /* the output send of the record at batch_at returned */
    PL_NEXT_BATCH_DONE, /* every record of the batch is processed: flush */
    PL_NEXT_FLUSHED,    /* flush() returned: commit, or go back after a failed send */
    PL_NEXT_INIT_TXN,   /* exactly-once: initTransactions (at the start of each process) */
    PL_NEXT_BEGIN,      /* exactly-once: beginTransaction for the batch polled */
    PL_NEXT_COMMITTED   /* exactly-once, after an abort: committed() again (retry backoff) */
} pipeline_next;

/* What the application thread waits for in the consumer. */
typedef enum pipeline_wait {
    PL_WAIT_NONE = 0,
    PL_WAIT_POLL,       /* poll() returned nothing yet: on_records */
    PL_WAIT_COMMIT,     /* commitSync: on_commit */
    PL_WAIT_SEND,       /* send() blocks on buffer.memory: the producer's on_unblocked */
    PL_WAIT_FLUSH,      /* flush(): the producer's on_flush */
    PL_WAIT_TXN,        /* a transactional call (init, sendOffsets, commit, abort): on_txn */
    PL_WAIT_COMMITTED   /* committed() after an abort: the consumer's on_committed */
} pipeline_wait;

struct pipeline {
    pipeline_env env;
    const config *cfg;
    int index;                   /* consumer-(index + 1) */
    node_id node;                /* node_consumer(index) */
    consumer *consumer;          /* owned */
    producer *producer;          /* owned: consumer-k.producer, driven (producer.h) */
    bool send_failed;            /* a send of the batch in hand completed with an error */
    uint8_t txn_call;            /* exactly-once: the call PL_WAIT_TXN waits in
                                  * (PRODUCER_DRIVE_TXN_*) */
    uint16_t kind;               /* the application thread's timer kind */
    sim_timer timer;             /* processing, or the end of a pause or stall */
    bool started;                /* the application started (pipeline_start) */
    bool up;                     /* started and not crashed */
    bool closing;                /* exactly-once: the thread ended on an exception it does not
                                  * catch; the producer closes (producer_drive_close) */
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
    pl->send_failed = false;
    if (pl->batch_n == 0) {
        pl_then(pl, PL_NEXT_POLL);
        return;
    }
    pipeline_next then = PL_NEXT_PROCESS;
    if (pl->cfg->pipeline == CONFIG_PIPELINE_AT_MOST_ONCE) then = PL_NEXT_COMMIT;
    if (pl->cfg->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE) then = PL_NEXT_BEGIN;
    pl_then(pl, then);
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

/* A send of the batch failed (its callback's exception) and flush() returned: the outputs of
 * the batch are not all in the output topic, so its offsets must not be committed. The
 * application goes back to the first record of the batch in each of its partitions and
 * processes them again: what came before the batch was flushed without error. Kafka Streams
 * at-least-once does the same (3.9 RecordCollectorImpl.recordSendError: a RetriableException
 * such as the delivery timeout becomes a TaskCorruptedException, thrown by checkForException
 * at the flush; TaskManager.handleCorruption closes the task dirty and revives it from its
 * committed offsets, which these are, or older ones under auto commit, all of whose outputs
 * were flushed). */
static void pl_rewind(pipeline *pl) {
    for (int k = 0; k < pl->batch_n; k++) {
        bool first = true;
        for (int j = 0; j < k && first; j++)
            first = pl->batch[j].partition != pl->batch[k].partition;
        if (first) consumer_seek(pl->consumer, pl->batch[k].partition, pl->batch[k].offset);
    }
}

/* Every record of the batch is processed and its outputs sent: flush() before anything is
 * committed (the consume-transform-produce loop: no offset is committed before the outputs of
 * the records below it are acknowledged). */
static void pl_txn_offsets(pipeline *pl);

static void pl_batch_done(pipeline *pl) {
    if (pl->cfg->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE) {
        pl_txn_offsets(pl); /* commitTransaction flushes */
        return;
    }
    pl->wait = PL_WAIT_FLUSH; /* before the call: it may not return at once */
    if (!producer_drive_flush(pl->producer)) return;
    pl->wait = PL_WAIT_NONE;
    pl_then(pl, PL_NEXT_FLUSHED);
}

/* producer.h on_flush: the flush the thread waits in returned. */
static void pl_on_flush(void *ctx) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_FLUSH) return;
    pl->wait = PL_WAIT_NONE;
    pl_then(pl, PL_NEXT_FLUSHED);
}

/* The batch's outputs are flushed: commit it (a manual at-least-once commit), or poll again
 * (auto commit commits it there; at-most-once committed it before, and a failed output is lost
 * with it). After a failed send at-least-once processes the batch again. */
static void pl_flushed(pipeline *pl) {
    const config *c = pl->cfg;
    bool rewind = pl->send_failed && c->pipeline == CONFIG_PIPELINE_AT_LEAST_ONCE;
    if (rewind) pl_rewind(pl);
    pl->send_failed = false;
    pl->batch_n = 0;
    pl->batch_at = 0;
    if (rewind) {
        pl_then(pl, PL_NEXT_POLL);
        return;
    }
    if (c->pipeline == CONFIG_PIPELINE_AT_LEAST_ONCE && !c->enable_auto_commit) {
        if (c->commit_mode == CONFIG_COMMIT_SYNC) {
            pl_commit_sync(pl, false);
            return;
        }
        consumer_commit(pl->consumer, CONSUMER_COMMIT_ASYNC, NULL, 0);
    }
    pl_then(pl, PL_NEXT_POLL);
}

/* ---- Exactly-once (KIP-447) ------------------------------------------------------------------- */

/* The loop of Kafka's ExactlyOnceMessageProcessor (examples, 3.9) on the instance's
 * transactional producer (producer.h, driven transactions):
 *   initTransactions (once per process: fences an older process of the same transactional.id)
 *   poll -> beginTransaction -> process each (sink, send) ->
 *   sendOffsetsToTransaction(positions of the assignment, consumer.groupMetadata()) ->
 *   commitTransaction -> poll
 *   a fatal error (ProducerFencedException, OutOfOrderSequenceException, ...): close the
 *     instance (LeaveGroup); it stays down until a restart
 *   an exception the loop does not catch: a TimeoutException (max.block.ms) of
 *     initTransactions (called before the loop) or of abortTransaction (called in the catch
 *     block), or the IllegalStateException of an abort while a timed-out commit is pending:
 *     the thread ends, the consumer and the producer close (pl_end)
 *   any other KafkaException: from sendOffsetsToTransaction or commitTransaction (their
 *     TimeoutException after max.block.ms included), or from the
 *     first send() after the transaction entered an error state (a failed batch: its delivery
 *     timeout, a produce error), which throws at once, so the rest of the batch is not
 *     processed (KafkaProducer.doSend -> TransactionManager.maybeAddPartition ->
 *     maybeFailWithError); then abortTransaction, committed() of the assignment and a seek
 *     of each partition to its committed offset (the beginning without one: seekToBeginning),
 *     "the consumer fetch position needs to be restored to the committed offset before the
 *     transaction started" (maybeRetry), then poll.
 * A member the group moved on from (max.poll.interval.ms passed, its session expired) still
 * sends the group metadata of its last onJoinComplete (consumer_group_metadata_joined), which
 * the group coordinator rejects (ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID): its transaction
 * aborts, its outputs stay invisible at read_committed, and the new owner, whose requireStable
 * OffsetFetch waited while that transaction's offsets were pending, resumes from the offsets
 * committed last (txn-consumer-semantics.md section 2).
 * Simplifications: EOMP's MAX_RETRIES (after which it skips the batch and commits) is not
 * modelled: every abort rewinds; committed() is asked again after retry.backoff.ms while a
 * partition's answer is missing (UNSTABLE_OFFSET_COMMIT, the coordinator away), where Kafka's
 * retries until default.api.timeout.ms. No ConsumerRebalanceListener is needed: the loop polls
 * only between transactions, so a rebalance never runs inside one (EOMP's callbacks only log). */

static void pl_txn_call_wait(pipeline *pl, uint8_t call) {
    pl->wait = PL_WAIT_TXN; /* before the call: its answer comes in an event of its own */
    pl->txn_call = call;
}

static void pl_init_transactions(pipeline *pl) {
    pl_txn_call_wait(pl, PRODUCER_DRIVE_TXN_INIT);
    producer_drive_init_transactions(pl->producer);
}

/* The application thread is gone: nothing runs, waits or is held. */
static void pl_stop(pipeline *pl) {
    pl->up = false;
    pl->next = PL_NEXT_NONE;
    pl->wait = PL_WAIT_NONE;
    pl->batch_n = 0;
    pl->batch_at = 0;
    sim_timer_cancel(&pl->timer);
}

/* A fatal error: the application closes (consumer.close(): LeaveGroup; the producer, fatal,
 * has nothing to abort). The instance stays down until a restart fault. */
static void pl_close(pipeline *pl) {
    consumer_close(pl->consumer);
    producer_crash(pl->producer); /* close(): nothing more goes out */
    pl_stop(pl);
}

/* The application thread ends on an exception EOMP's loop does not catch: initTransactions'
 * (called before the loop's try), or abortTransaction's inside its catch block (a timeout
 * after max.block.ms, or the IllegalStateException of an abort while a timed-out commit is
 * pending): run() prints "Unhandled exception" and its try-with-resources closes the consumer
 * (LeaveGroup) and the producer, which finishes what is pending and aborts an open
 * transaction (producer_drive_close). The instance stays down until a restart fault. */
static void pl_end(pipeline *pl) {
    consumer_close(pl->consumer);
    producer_drive_close(pl->producer);
    pl->closing = true;
    pl_stop(pl);
}

/* catch (KafkaException e): abortTransaction (a fatal state closes instead). */
static void pl_txn_failed(pipeline *pl) {
    pl->batch_n = 0;
    pl->batch_at = 0;
    if (producer_drive_txn_fatal(pl->producer)) {
        pl_close(pl);
        return;
    }
    pl_txn_call_wait(pl, PRODUCER_DRIVE_TXN_ABORT);
    producer_drive_abort(pl->producer);
}

static void pl_begin_transaction(pipeline *pl) {
    int error = producer_drive_begin(pl->producer);
    if (error == 0) {
        pl_then(pl, PL_NEXT_PROCESS);
        return;
    }
    pl_txn_failed(pl);
}

/* sendOffsetsToTransaction(positions of the assignment, groupMetadata()). */
static void pl_txn_offsets(pipeline *pl) {
    consumer_offset pos[TOPIC_PARTITIONS_MAX];
    proto_offset_entry entries[TOPIC_PARTITIONS_MAX];
    int n = consumer_positions(pl->consumer, pos, TOPIC_PARTITIONS_MAX);
    if (n > (int)PROTO_OFFSET_ENTRIES_MAX) n = (int)PROTO_OFFSET_ENTRIES_MAX;
    for (int k = 0; k < n; k++)
        entries[k] = (proto_offset_entry){.offset = pos[k].offset,
                                          .leader_epoch = pos[k].leader_epoch,
                                          .partition = pos[k].partition};
    pl->batch_n = 0;
    pl->batch_at = 0;
    consumer_group_metadata meta = consumer_group_metadata_joined(pl->consumer);
    if (n == 0) { /* nothing assigned any more: the transaction commits the outputs alone */
        pl_txn_call_wait(pl, PRODUCER_DRIVE_TXN_COMMIT);
        producer_drive_commit(pl->producer);
        return;
    }
    pl_txn_call_wait(pl, PRODUCER_DRIVE_TXN_OFFSETS);
    producer_drive_send_offsets(pl->producer, entries, n, meta.member_id, meta.generation);
}

/* committed() of the assignment, after an abort. */
static void pl_fetch_committed(pipeline *pl) {
    pl->wait = PL_WAIT_COMMITTED;
    consumer_fetch_committed(pl->consumer);
}

/* consumer.h on_committed: seek every assigned partition to its committed offset (the
 * beginning without one); a partition not answered yet is asked again after
 * retry.backoff.ms. */
static void pl_on_committed(void *ctx, const consumer_offset *offsets, int n, int error) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_COMMITTED) return;
    pl->wait = PL_WAIT_NONE;
    uint16_t held[TOPIC_PARTITIONS_MAX];
    int assigned = consumer_assignment(pl->consumer, held, TOPIC_PARTITIONS_MAX);
    bool missing = error != 0;
    for (int k = 0; k < assigned && !missing; k++) {
        int found = -1;
        for (int j = 0; j < n && found < 0; j++)
            if (offsets[j].partition == held[k]) found = j;
        missing = found < 0;
    }
    if (missing) {
        pl->next = PL_NEXT_COMMITTED;
        pl_arm(pl, pl_now(pl) + pl->cfg->retry_backoff_ns);
        return;
    }
    for (int k = 0; k < assigned; k++)
        for (int j = 0; j < n; j++)
            if (offsets[j].partition == held[k])
                consumer_seek(pl->consumer, held[k], offsets[j].offset >= 0 ? offsets[j].offset : 0);
    pl_then(pl, PL_NEXT_POLL);
}

/* producer.h on_txn: the transactional call the thread waits in returned. */
static void pl_on_txn(void *ctx, int error) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_TXN) return;
    pl->wait = PL_WAIT_NONE;
    uint8_t call = pl->txn_call;
    pl->txn_call = PRODUCER_DRIVE_TXN_NONE;
    if (call == PRODUCER_DRIVE_TXN_INIT || call == PRODUCER_DRIVE_TXN_ABORT) {
        if (error != 0 && producer_drive_txn_fatal(pl->producer)) pl_close(pl);
        else if (error != 0) pl_end(pl); /* thrown out of run()'s loop */
        else if (call == PRODUCER_DRIVE_TXN_INIT) pl_then(pl, PL_NEXT_POLL);
        else pl_fetch_committed(pl);
        return;
    }
    if (error != 0) {
        pl_txn_failed(pl);
        return;
    }
    if (call == PRODUCER_DRIVE_TXN_OFFSETS) {
        pl_txn_call_wait(pl, PRODUCER_DRIVE_TXN_COMMIT);
        producer_drive_commit(pl->producer);
        return;
    }
    pl_then(pl, PL_NEXT_POLL); /* committed */
}

/* ---- Processing ----------------------------------------------------------------------------- */

/* The output partition of input partition g: the same partition number in the output topic
 * (modulo its partitions). A transform that keeps the record's key writes it there when both
 * topics have as many partitions and the key chose the input partition (the default
 * partitioner hashes the same key to the same number); an explicit partition also keeps each
 * input partition's order in one output partition, and needs no partitioner state. */
static int pl_output_partition(const pipeline *pl, int g) {
    const topic_table *t = &pl->cfg->topics;
    return t->workload_partitions + topic_table_number(t, g) % t->output_partitions;
}

/* producer.h on_send: one output send completed. Only a failure matters to the loop (checked
 * after the flush); called from inside the producer, so nothing else happens here. */
static void pl_on_send(void *ctx, uint32_t id, int partition, int error, int64_t offset) {
    pipeline *pl = ctx;
    (void)id;
    (void)partition;
    (void)offset;
    if (error != 0) pl->send_failed = true;
}

/* The output send threw (producer.h: only a transaction in an error state makes it throw):
 * EOMP's catch (KafkaException e) aborts and rewinds at once, so no later record of the batch
 * is processed in the failed transaction (KafkaProducer.doSend 3.9 ->
 * TransactionManager.maybeAddPartition -> maybeFailWithError). */
static void pl_send_threw(pipeline *pl) {
    SIM_ASSERT(pl->env.world, pl->cfg->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE);
    pl_txn_failed(pl);
}

/* producer.h on_unblocked: the send the thread was blocked in returned (or threw). */
static void pl_on_unblocked(void *ctx, int error) {
    pipeline *pl = ctx;
    if (!pl->up || pl->wait != PL_WAIT_SEND) return;
    pl->wait = PL_WAIT_NONE;
    if (error != 0) {
        pl_send_threw(pl);
        return;
    }
    pl_then(pl, PL_NEXT_SENT);
}

/* The record at batch_at is processed: its side effect is applied (or skipped by the dedup
 * table) and recorded, and its output record (the same id) is sent to the output topic. */
static void pl_processed(pipeline *pl) {
    const consumer_record *r = &pl->batch[pl->batch_at];
    int sink = pipeline_sink_apply(pl->env.sink, r->id);
    consumer_group_metadata meta = consumer_group_metadata_of(pl->consumer);
    history_process(pl->env.history, pl_now(pl), pl->node, r->partition, r->id, r->offset,
                    meta.generation, sink);
    pl->processed++;
    pl->wait = PL_WAIT_SEND; /* before the call: send blocks while buffer.memory is full */
    int sent = producer_drive_send(pl->producer, pl_output_partition(pl, r->partition), r->id);
    if (sent == PRODUCER_DRIVE_BLOCKED) return;
    pl->wait = PL_WAIT_NONE;
    if (sent != PRODUCER_DRIVE_SENT) {
        pl_send_threw(pl);
        return;
    }
    pl_then(pl, PL_NEXT_SENT);
}

/* The output send of the record at batch_at returned: the step consumer.processed ("after
 * processing, before commit"), then the next record or the flush. */
static void pl_sent(pipeline *pl) {
    const consumer_record *r = &pl->batch[pl->batch_at];
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
    case PL_NEXT_SENT: pl_sent(pl); break;
    case PL_NEXT_BATCH_DONE: pl_batch_done(pl); break;
    case PL_NEXT_FLUSHED: pl_flushed(pl); break;
    case PL_NEXT_INIT_TXN: pl_init_transactions(pl); break;
    case PL_NEXT_BEGIN: pl_begin_transaction(pl); break;
    case PL_NEXT_COMMITTED: pl_fetch_committed(pl); break;
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
                                 .on_commit = pl_on_commit,
                                 .on_committed = pl_on_committed}};
    pl->consumer = pl->batch ? consumer_new(&cenv, index, bootstrap) : NULL;
    pl->producer = pl->consumer ? calloc(1, sizeof *pl->producer) : NULL;
    if (!pl->producer) {
        pipeline_free(pl);
        return NULL;
    }
    /* The instance's producer writes the output topic only; it takes no fault steps of its
     * own (a fault on consumer-k acts on it with the consumer). */
    const topic_table *t = &pl->cfg->topics;
    producer_topic out = {.first = t->workload_partitions, .count = t->output_partitions};
    producer_driver driver = {.ctx = pl, .on_send = pl_on_send, .on_flush = pl_on_flush,
                              .on_unblocked = pl_on_unblocked, .on_txn = pl_on_txn};
    producer_env penv = {.world = env->world, .net = env->net, .history = env->history,
                         .config = env->config, .payloads = env->payloads, .topics = &out,
                         .topic_count = 1, .driver = &driver};
    int boot_n = 0;
    while (boot_n < PROTO_BROKERS_MAX && bootstrap[boot_n] > 0) boot_n++;
    if (t->output_partitions < 1 ||
        producer_init(pl->producer, &penv, index, bootstrap, boot_n) != 0) {
        free(pl->producer);
        pl->producer = NULL;
        pipeline_free(pl);
        return NULL;
    }
    pl->kind = sim_handler_add(env->world, pl_on_timer, pl, "pipeline");
    return pl;
}

void pipeline_free(pipeline *pl) {
    if (!pl) return;
    if (pl->consumer) consumer_free(pl->consumer);
    if (pl->producer) producer_fini(pl->producer);
    free(pl->producer);
    free(pl->batch);
    free(pl);
}

/* A fresh application thread: nothing in hand, poll first. */
static void pl_begin(pipeline *pl) {
    pl->up = true;
    pl->closing = false;
    pl->wait = PL_WAIT_NONE;
    pl->send_failed = false;
    pl->txn_call = PRODUCER_DRIVE_TXN_NONE;
    pl->batch_n = 0;
    pl->batch_at = 0;
    sim_timer_cancel(&pl->timer);
    pl_then(pl, producer_drive_transactional(pl->producer) ? PL_NEXT_INIT_TXN : PL_NEXT_POLL);
}

void pipeline_start(pipeline *pl) {
    pl->started = true;
    consumer_start(pl->consumer);
    producer_start(pl->producer);
    pl_begin(pl);
}

void pipeline_crash(pipeline *pl) {
    if (!pl->up) { /* a closing producer dies with its process */
        if (pl->closing) producer_crash(pl->producer);
        pl->closing = false;
        return;
    }
    consumer_crash(pl->consumer);
    producer_crash(pl->producer);
    pl_stop(pl);
    pl->paused_until = 0;
    pl->stalled_until = 0;
}

/* A new process of the instance: after a crash it comes back; a live one is replaced (the old
 * process ends as a crash would end it: no LeaveGroup, its member stays until its session
 * expires). Before the application starts there is no process to replace: the one that starts
 * then is the new one. */
void pipeline_restart(pipeline *pl) {
    if (!pl->started) return;
    pipeline_crash(pl);
    consumer_restart(pl->consumer);
    producer_restart(pl->producer);
    pl_begin(pl);
}

void pipeline_pause(pipeline *pl, int64_t until_ns) {
    if (!pl->up) {
        if (pl->closing) producer_pause(pl->producer, until_ns);
        return;
    }
    consumer_pause(pl->consumer, until_ns);
    producer_pause(pl->producer, until_ns);
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
    if (!pl->up) return !pl->closing || producer_drive_pending(pl->producer) == 0;
    return pl->wait == PL_WAIT_POLL && pl->batch_n == 0 &&
           producer_drive_pending(pl->producer) == 0;
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
    SIM_ASSERT(w, pl->started || !pl->up);
    if (!pl->up) {
        SIM_ASSERT(w, pl->wait == PL_WAIT_NONE && pl->next == PL_NEXT_NONE);
        SIM_ASSERT(w, !sim_timer_armed(&pl->timer));
        return;
    }
    /* The thread does one thing: waits in the consumer, or has its next step on the timer. */
    SIM_ASSERT(w, pl->wait == PL_WAIT_NONE || pl->next == PL_NEXT_NONE);
    if (pl->wait == PL_WAIT_POLL) SIM_ASSERT(w, pl->batch_n == 0);
    if (pl->next == PL_NEXT_PROCESSED || pl->next == PL_NEXT_SENT || pl->wait == PL_WAIT_SEND)
        SIM_ASSERT(w, pl->batch_at < pl->batch_n);
    /* The thread polls only once the batch before was flushed. */
    if (pl->wait == PL_WAIT_POLL) SIM_ASSERT(w, producer_drive_pending(pl->producer) == 0);
    consumer_check_recent(pl->consumer);
    producer_check_recent(pl->producer);
}
