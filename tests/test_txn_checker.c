/*
 * test_txn_checker.c: the transactional judge on hand-made logs and histories: the last
 * stable offset recomputed from a log (open transactions, markers at or above the HW, markers
 * with nothing open), the read_committed view as CompletedFetch filters it (aborted
 * transactions of interleaved producers, a producer's next transaction after an abort, control
 * batches never returned), the read_uncommitted view, and each field: transactions committed
 * and aborted, aborted reads, atomicity violations, zombie writes, lost commits, hanging
 * transactions, and duplicates and lost writes counted on the view with "acknowledged" meaning
 * "committed".
 */
#include "checker.h"
#include "history.h"
#include "sim.h"
#include "test.h"
#include "txn_checker.h"

#define FIX_PARTITIONS 3
#define FIX_BATCHES 32

typedef struct fixture {
    history h;
    proto_payloads p;
    proto_batch log[FIX_PARTITIONS][FIX_BATCHES];
    checker_log logs[FIX_PARTITIONS];
    int64_t leo[FIX_PARTITIONS]; /* next offset of each partition */
    int64_t now_ns;
    uint32_t next_id;            /* the next record id a batch gets */
    checker_input in;
    txn_options opt;
} fixture;

static void fix_init(fixture *f, uint64_t records) {
    memset(f, 0, sizeof *f);
    CHECK_EQ(history_init(&f->h, 16), 0);
    CHECK_EQ(proto_payloads_init(&f->p, 64), 0);
    for (int g = 0; g < FIX_PARTITIONS; g++)
        f->logs[g] = (checker_log){.log = f->log[g], .leader = g + 1};
    f->in = (checker_input){.history = &f->h, .payloads = &f->p, .records = records,
                            .partitions = f->logs, .partition_count = FIX_PARTITIONS};
    f->opt = (txn_options){.read_committed = true, .partitions = FIX_PARTITIONS};
}

static void fix_fini(fixture *f) {
    history_fini(&f->h);
    proto_payloads_fini(&f->p);
}

/* The next instant of the hand-made run. */
static int64_t fix_tick(fixture *f) {
    f->now_ns += SIM_MS;
    return f->now_ns;
}

/* The coordinator fences producer id pid's epochs below epoch. */
static void fix_fence(fixture *f, int64_t pid, int16_t epoch) {
    history_txn_fence(&f->h, fix_tick(f), node_broker(1), 0, false, pid, epoch);
}

/* Partition g's leader appends b (again). */
static void fix_leader_append(fixture *f, int g, const proto_batch *b) {
    history_partition_append(&f->h, fix_tick(f), g, node_broker(g + 1), b, true);
}

/* Appends batch b to partition g at its log end, all of it below the HW. */
static proto_batch *fix_append(fixture *f, int g, proto_batch b) {
    checker_log *lg = &f->logs[g];
    CHECK(lg->log_count < FIX_BATCHES);
    b.base_offset = f->leo[g];
    b.partition = (uint16_t)g;
    f->log[g][lg->log_count++] = b;
    f->leo[g] += b.record_count;
    lg->high_watermark = f->leo[g];
    return &f->log[g][lg->log_count - 1];
}

/* n new records sent by producer index `producer` (producer id pid, epoch) in its transaction
 * txn (0: not transactional) to partition g: sent, sealed, appended by the leader, called back
 * with success. Returns the payload. */
static uint32_t fix_batch(fixture *f, int g, int producer, int64_t pid, int16_t epoch,
                          uint32_t txn, uint32_t n) {
    uint32_t first = f->next_id;
    f->next_id += n;
    uint32_t payload = proto_payload_add_run(&f->p, first, n);
    node_id node = node_producer(producer);
    history_send_partition_run(&f->h, f->now_ns, node, (uint16_t)g, first, n, 0);
    proto_batch b = {.producer_id = pid, .payload = payload, .record_count = n,
                     .base_sequence = 0, .producer_epoch = epoch, .attempt = 1,
                     .producer = (uint8_t)node, .partition = (uint16_t)g,
                     .flags = txn ? PROTO_BATCH_TRANSACTIONAL : 0};
    if (txn) history_txn_batch(&f->h, fix_tick(f), node, &b, txn);
    proto_batch *at = fix_append(f, g, b);
    fix_leader_append(f, g, at);
    history_callback_partition_run(&f->h, f->now_ns, node, (uint16_t)g, first, n, 0, ERR_NONE,
                                   at->base_offset);
    f->now_ns += SIM_MS;
    return payload;
}

/* A control batch of pid at epoch on partition g. */
static void fix_marker(fixture *f, int g, int64_t pid, int16_t epoch, bool commit) {
    proto_batch b = {.producer_id = pid, .payload = 7 /* a coordinator epoch */,
                     .record_count = 1, .base_sequence = -1, .producer_epoch = epoch,
                     .flags = (uint8_t)(PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL |
                                        (commit ? PROTO_BATCH_COMMIT : 0))};
    fix_append(f, g, b);
}

/* The application's commit (or abort) of producer `producer`'s transaction txn, answered
 * error. */
static void fix_end(fixture *f, int producer, uint32_t txn, bool commit, int error) {
    history_txn_end(&f->h, fix_tick(f), node_producer(producer), txn, commit, error);
}

static void fix_begin(fixture *f, int producer, uint32_t txn, int64_t pid, int16_t epoch) {
    history_txn_begin(&f->h, fix_tick(f), node_producer(producer), txn, pid, epoch);
}

/* The verdict, fed to both streams a window at a time through a history sink as a run feeds
 * them. */
typedef struct fix_streams {
    checker_stream cs;
    txn_stream ts;
} fix_streams;

static void fix_sink(void *ctx, const history_rec *recs, size_t n) {
    fix_streams *s = ctx;
    checker_stream_feed(&s->cs, recs, n);
    txn_stream_feed(&s->ts, recs, n);
}

/* What the visitor was told: per kind, witnesses and the records they count; the last
 * hanging one's batch offset and transaction. */
typedef struct fix_told {
    uint64_t witnesses[TXN_ANOMALY_COUNT];
    uint64_t records[TXN_ANOMALY_COUNT];
    int64_t hanging_offset;
    uint32_t hanging_txn;
    uint32_t lost_txn; /* the last lost commit's transaction */
} fix_told;

static fix_told told;

static void fix_visit(void *ctx, const txn_witness *w) {
    fix_told *t = ctx;
    CHECK(w->kind < TXN_ANOMALY_COUNT);
    t->witnesses[w->kind]++;
    t->records[w->kind] += w->records;
    bool whole = w->kind == TXN_ATOMICITY || w->kind == TXN_LOST_COMMIT;
    CHECK_EQ(w->batch == NULL, whole);
    CHECK_EQ(w->partition == UINT32_MAX, whole);
    CHECK_EQ(w->fenced_ns >= 0, w->kind == TXN_ZOMBIE_WRITE);
    if (w->kind == TXN_HANGING) {
        t->hanging_offset = w->batch ? w->batch->base_offset : -1;
        t->hanging_txn = w->txn;
    }
    if (w->kind == TXN_LOST_COMMIT) t->lost_txn = w->txn;
}

static checker_result fix_check_once(fixture *f, checker_input *view);

/* The verdict with a visitor and without: the same counts, and the witnesses (in told) add up
 * to them. */
static checker_result fix_check(fixture *f, checker_input *view) {
    checker_result plain = fix_check_once(f, NULL);
    memset(&told, 0, sizeof told);
    f->opt.visit = fix_visit;
    f->opt.visit_ctx = &told;
    checker_result r = fix_check_once(f, view);
    f->opt.visit = NULL;
    CHECK(memcmp(&r, &plain, sizeof r) == 0);
    CHECK_EQ(told.records[TXN_ABORTED_READ], r.aborted_read);
    CHECK_EQ(told.records[TXN_ZOMBIE_WRITE], r.zombie_writes);
    CHECK_EQ(told.witnesses[TXN_ATOMICITY], r.atomicity_violations);
    CHECK_EQ(told.witnesses[TXN_LOST_COMMIT], r.lost_commits);
    CHECK_EQ(told.witnesses[TXN_HANGING], r.hanging_transactions);
    return r;
}

static checker_result fix_check_once(fixture *f, checker_input *view) {
    static fix_streams s;
    CHECK_EQ(checker_stream_init(&s.cs, f->in.records), 0);
    txn_stream_init(&s.ts);
    history win;
    CHECK_EQ(history_init(&win, 0), 0);
    win.coalesce = true;
    win.sink = fix_sink;
    win.sink_ctx = &s;
    for (size_t i = 0; i < f->h.count; i++)
        for (uint32_t j = 0, n = history_rec_span(&f->h.recs[i]); j < n; j++) {
            history_rec x = history_rec_expand(&f->h.recs[i], j);
            history_add(&win, &x);
        }
    history_flush(&win);
    checker_result r;
    checker_input v;
    CHECK_EQ(txn_checker_finish(&s.ts, &s.cs, &f->in, &f->opt, &r, NULL, NULL, &v), 0);
    if (view) {
        /* The view's batches, copied out of the stream before it goes. */
        static proto_batch copy[FIX_PARTITIONS][FIX_BATCHES];
        static checker_log logs[FIX_PARTITIONS];
        for (size_t g = 0; g < v.partition_count; g++) {
            memcpy(copy[g], v.partitions[g].log, v.partitions[g].log_count * sizeof(proto_batch));
            logs[g] = v.partitions[g];
            logs[g].log = copy[g];
        }
        *view = v;
        view->partitions = logs;
    }
    history_fini(&win);
    txn_stream_fini(&s.ts);
    checker_stream_fini(&s.cs);
    return r;
}

/* ---- The last stable offset -------------------------------------------------------------- */

static void test_lso(void) {
    fixture f;
    fix_init(&f, 100);
    uint64_t hanging = 9;
    CHECK_EQ(txn_last_stable_offset(f.log[0], 0, 0, &hanging), 0);
    CHECK_EQ(hanging, 0);
    fix_batch(&f, 0, 0, -1, -1, 0, 5);   /* 0..4: not transactional */
    fix_batch(&f, 0, 0, 10, 0, 1, 5);    /* 5..9: pid 10 opens at 5 */
    fix_batch(&f, 0, 1, 11, 0, 1, 5);    /* 10..14: pid 11 opens at 10 */
    fix_batch(&f, 0, 0, 10, 0, 1, 5);    /* 15..19: still pid 10's */
    checker_log *lg = &f.logs[0];
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, &hanging), 5);
    CHECK_EQ(hanging, 2);
    fix_marker(&f, 0, 10, 0, true);      /* 20: pid 10 committed; pid 11 still open at 10 */
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, &hanging), 10);
    CHECK_EQ(hanging, 1);
    fix_marker(&f, 0, 11, 0, false);     /* 21: pid 11 aborted */
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, &hanging), 22);
    CHECK_EQ(hanging, 0);
    /* A marker at or above the HW leaves its transaction unstable (unreplicatedTxns). */
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, 21, &hanging), 10);
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, 20, &hanging), 5);
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, 3, &hanging), 3);
    /* A second marker with nothing open (a coordinator's re-sent markers) changes nothing; a
     * new transaction of pid 10 opens at its own first batch. */
    fix_marker(&f, 0, 10, 0, true);      /* 22 */
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, &hanging), 23);
    fix_batch(&f, 0, 0, 10, 0, 2, 5);    /* 23..27 */
    CHECK_EQ(txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, &hanging), 23);
    CHECK_EQ(hanging, 1);
    fix_fini(&f);
}

/* ---- The view and the fields ------------------------------------------------------------- */

/* Two producers, three partitions: a committed transaction over two partitions, an aborted
 * one over two, a second committed one; every marker written and below the HW. */
static void fix_clean(fixture *f) {
    fix_begin(f, 0, 1, 10, 0);
    fix_batch(f, 0, 0, 10, 0, 1, 4);  /* ids 0..3 */
    fix_batch(f, 1, 0, 10, 0, 1, 4);  /* ids 4..7 */
    fix_begin(f, 1, 1, 11, 0);
    fix_batch(f, 0, 1, 11, 0, 1, 3);  /* ids 8..10, interleaved with pid 10's transaction */
    fix_batch(f, 2, 1, 11, 0, 1, 3);  /* ids 11..13 */
    fix_end(f, 0, 1, true, ERR_NONE);
    fix_marker(f, 0, 10, 0, true);
    fix_marker(f, 1, 10, 0, true);
    fix_end(f, 1, 1, false, ERR_NONE);
    fix_marker(f, 0, 11, 0, false);
    fix_marker(f, 2, 11, 0, false);
    fix_begin(f, 1, 2, 11, 0);
    fix_batch(f, 0, 1, 11, 0, 2, 5);  /* ids 14..18: pid 11's next transaction */
    fix_end(f, 1, 2, true, ERR_NONE);
    fix_marker(f, 0, 11, 0, true);
}

static void test_clean(void) {
    fixture f;
    fix_init(&f, 19);
    fix_clean(&f);
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(r.transactional, 1);
    CHECK_EQ(r.read_committed, 1);
    CHECK_EQ(r.transactions_committed, 2);
    CHECK_EQ(r.transactions_aborted, 1);
    CHECK_EQ(r.aborted_read + r.atomicity_violations + r.zombie_writes + r.lost_commits +
                 r.hanging_transactions, 0);
    /* The view: partition 0 holds pid 10's 4 and pid 11's second 5, no control batch. */
    CHECK_EQ(v.partitions[0].log_count, 2);
    CHECK_EQ(v.partitions[0].log[0].payload, 0);
    CHECK_EQ(v.partitions[0].log[1].record_count, 5);
    CHECK_EQ(v.partitions[1].log_count, 1);
    CHECK_EQ(v.partitions[2].log_count, 0);
    CHECK_EQ(r.committed, 13);
    /* Every id was called back with success; those of the aborted transaction are not lost
     * writes (the application learnt they were aborted), nor written though failed. */
    CHECK_EQ(r.acked, 19);
    CHECK_EQ(r.lost_acked + r.duplicates + r.reordered + r.failed_but_written + r.unexpected, 0);
    fix_fini(&f);
}

/* read_uncommitted returns the aborted transaction's records too: aborted reads, which Kafka
 * permits at that level (the report says so), and no other anomaly. */
static void test_read_uncommitted(void) {
    fixture f;
    fix_init(&f, 19);
    fix_clean(&f);
    f.opt.read_committed = false;
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(r.read_committed, 0);
    CHECK_EQ(r.committed, 19);
    CHECK_EQ(r.aborted_read, 6);
    CHECK_EQ(v.partitions[0].log_count, 3);
    CHECK_EQ(r.atomicity_violations + r.lost_commits + r.hanging_transactions, 0);
    CHECK_EQ(r.lost_acked + r.duplicates + r.reordered, 0);
    fix_fini(&f);
}

/* Producer 0's transaction 1 over partitions 0 and 1, of which only the batch on 0 reached the
 * log (the other failed before any append, an abortable error), closed on 0 by an ABORT marker
 * at marker_epoch, the application's commit (commit) or abort answered error. */
static void fix_half_written(fixture *f, int16_t marker_epoch, bool commit, int error) {
    fix_begin(f, 0, 1, 1000, 0);
    fix_batch(f, 0, 0, 1000, 0, 1, 5);
    uint32_t first = f->next_id;
    f->next_id += 5;
    node_id node = node_producer(0);
    history_send_partition_run(&f->h, f->now_ns, node, 1, first, 5, 0);
    proto_batch b = {.producer_id = 1000, .payload = proto_payload_add_run(&f->p, first, 5),
                     .record_count = 5, .base_sequence = 5, .producer_epoch = 0, .attempt = 1,
                     .producer = (uint8_t)node, .partition = 1,
                     .flags = PROTO_BATCH_TRANSACTIONAL};
    history_txn_batch(&f->h, fix_tick(f), node, &b, 1);
    fix_marker(f, 0, 1000, marker_epoch, false);
    fix_end(f, 0, 1, commit, error);
    f->opt.read_committed = false;
}

/* The application aborted it: read_uncommitted shows half of it, which is no atomicity
 * violation (Kafka promises nothing whole of an aborted transaction), only aborted reads. */
static void test_aborted_partly_written(void) {
    fixture f;
    fix_init(&f, 10);
    fix_half_written(&f, 0, false, ERR_NONE);
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(r.transactions_aborted, 1);
    CHECK_EQ(r.aborted_read, 5);
    CHECK_EQ(r.atomicity_violations, 0);
    fix_fini(&f);
}

/* Its commit answered PRODUCER_FENCED (the coordinator had fenced and aborted it; the
 * application cannot tell): an unknown outcome, still no atomicity violation at
 * read_uncommitted, which promises no transaction whole. */
static void test_fenced_partly_written(void) {
    fixture f;
    fix_init(&f, 10);
    fix_half_written(&f, 1, true, ERR_PRODUCER_FENCED);
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(r.transactions_committed + r.transactions_aborted, 0);
    CHECK_EQ(r.atomicity_violations, 0);
    fix_fini(&f);
}

/* A transaction left open holds back everything after it at read_committed, another
 * producer's committed transaction and plain records included: that one is a lost commit and,
 * being visible on another partition, an atomicity violation; the open one hangs. */
static void test_open_transaction(void) {
    fixture f;
    fix_init(&f, 20);
    fix_batch(&f, 0, 0, 10, 0, 1, 4);   /* ids 0..3: pid 10 never ends it */
    fix_batch(&f, 0, 1, 11, 0, 1, 4);   /* ids 4..7 */
    fix_batch(&f, 1, 1, 11, 0, 1, 4);   /* ids 8..11 */
    fix_end(&f, 1, 1, true, ERR_NONE);
    fix_marker(&f, 0, 11, 0, true);
    fix_marker(&f, 1, 11, 0, true);
    fix_batch(&f, 0, 2, -1, -1, 0, 2);  /* ids 12..13, not transactional */
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(v.partitions[0].high_watermark, 0);
    CHECK_EQ(v.partitions[0].log_count, 0);
    CHECK_EQ(v.partitions[1].log_count, 1);
    CHECK_EQ(r.hanging_transactions, 1);
    /* The hanging one opened at offset 0, producer 0's transaction 1 (first mentioned: index
     * 0); the lost commit is producer 1's transaction 1 (index 1). */
    CHECK_EQ(told.hanging_offset, 0);
    CHECK_EQ(told.hanging_txn, 0);
    CHECK_EQ(told.lost_txn, 1);
    CHECK_EQ(r.transactions_committed, 1);
    CHECK_EQ(r.lost_commits, 1);
    CHECK_EQ(r.atomicity_violations, 1);
    CHECK_EQ(r.aborted_read, 0);
    /* ids 4..7 were committed and are not in the view: lost writes; ids 12..13 were called
     * back with success and are withheld: lost too. ids 0..3 were never committed. */
    CHECK_EQ(r.lost_acked, 6);
    CHECK_EQ(r.committed, 4);
    fix_fini(&f);
}

/* A commit marker not yet below the HW withholds its transaction (read_committed waits for the
 * marker to be replicated); it is not hanging. */
static void test_marker_above_hw(void) {
    fixture f;
    fix_init(&f, 8);
    fix_batch(&f, 0, 0, 10, 0, 1, 4);
    fix_batch(&f, 1, 0, 10, 0, 1, 4);
    fix_end(&f, 0, 1, true, ERR_NONE);
    fix_marker(&f, 0, 10, 0, true);
    fix_marker(&f, 1, 10, 0, true);
    f.logs[1].high_watermark = 4; /* partition 1's marker at offset 4 is not replicated */
    checker_result r = fix_check(&f, NULL);
    CHECK_EQ(r.hanging_transactions, 0);
    CHECK_EQ(r.lost_commits, 1);
    CHECK_EQ(r.atomicity_violations, 1);
    CHECK_EQ(r.committed, 4);
    fix_fini(&f);
}

/* A transaction whose application never asked to commit, made visible by a COMMIT marker
 * meant for another (a stale EndTxn, T2: KAFKA-17754), is an aborted read; one whose commit
 * outcome is unknown is not, though partly visible. */
static void test_aborted_read(void) {
    fixture f;
    fix_init(&f, 20);
    fix_batch(&f, 0, 0, 10, 0, 1, 4);   /* T1: ids 0..3 */
    fix_end(&f, 0, 1, true, ERR_NONE);
    fix_marker(&f, 0, 10, 0, true);
    fix_batch(&f, 0, 0, 10, 0, 2, 3);   /* T2 first half: ids 4..6 */
    fix_marker(&f, 0, 10, 0, true);     /* the stale commit closes it */
    fix_batch(&f, 1, 0, 10, 0, 2, 3);   /* T2 on partition 1: ids 7..9, aborted */
    fix_marker(&f, 1, 10, 0, false);
    fix_end(&f, 0, 2, false, ERR_INVALID_TXN_STATE);
    /* Producer 1: commit sent, the instance closed before the answer; half visible. */
    fix_batch(&f, 2, 1, 11, 0, 1, 2);   /* ids 10..11 */
    fix_marker(&f, 2, 11, 0, true);
    fix_batch(&f, 1, 1, 11, 0, 1, 2);   /* ids 12..13, aborted by the coordinator */
    fix_marker(&f, 1, 11, 1, false);
    fix_end(&f, 1, 1, true, ERR_CLIENT_PRODUCER_CLOSED);
    checker_result r = fix_check(&f, NULL);
    CHECK_EQ(r.aborted_read, 3);
    CHECK_EQ(r.atomicity_violations, 2);
    CHECK_EQ(r.transactions_committed, 1);
    CHECK_EQ(r.transactions_aborted, 0);
    CHECK_EQ(r.lost_commits, 0);
    CHECK_EQ(r.committed, 4 + 3 + 2);
    CHECK_EQ(r.lost_acked, 0);
    fix_fini(&f);
}

/* A batch written at an epoch the coordinator fenced before its leader appended it is a
 * zombie write when it is visible; one appended before the fence is not. */
static void test_zombie(void) {
    fixture f;
    fix_init(&f, 20);
    fix_batch(&f, 0, 0, 10, 0, 1, 4);   /* before the fence */
    fix_fence(&f, 10, 1);
    fix_batch(&f, 1, 0, 10, 0, 1, 3);   /* after it, at epoch 0 */
    fix_batch(&f, 2, 0, 10, 1, 2, 2);   /* at the new epoch: not a zombie */
    fix_marker(&f, 0, 10, 0, true);
    fix_marker(&f, 1, 10, 0, true);
    fix_marker(&f, 2, 10, 1, true);
    fix_end(&f, 0, 1, true, ERR_NONE);
    fix_end(&f, 0, 2, true, ERR_NONE);
    checker_result r = fix_check(&f, NULL);
    CHECK_EQ(r.zombie_writes, 3);
    CHECK_EQ(r.aborted_read + r.lost_commits + r.atomicity_violations, 0);
    /* Another producer id's fence fences nothing of pid 10. */
    fixture g;
    fix_init(&g, 20);
    fix_fence(&g, 12, 1);
    fix_batch(&g, 1, 0, 10, 0, 1, 3);
    fix_marker(&g, 1, 10, 0, true);
    fix_end(&g, 0, 1, true, ERR_NONE);
    CHECK_EQ(fix_check(&g, NULL).zombie_writes, 0);
    fix_fini(&g);
    /* A batch written before the fence, truncated and written again at the same offset after
     * it: its copy in the log is the later one. */
    fixture h;
    fix_init(&h, 20);
    fix_batch(&h, 0, 0, 10, 0, 1, 4);
    fix_batch(&h, 1, 0, 10, 0, 1, 2);
    fix_fence(&h, 10, 1);
    fix_leader_append(&h, 0, &h.log[0][0]);
    fix_marker(&h, 0, 10, 0, true);
    fix_marker(&h, 1, 10, 0, true);
    fix_end(&h, 0, 1, true, ERR_NONE);
    CHECK_EQ(fix_check(&h, NULL).zombie_writes, 4);
    fix_fini(&h);
    fix_fini(&f);
}

/* A record whose commit outcome was unknown, resent in the next transaction, is a duplicate
 * on the view when both commit (the application resent what it could not know committed); a
 * committed batch missing from the log is a lost commit and its ids lost writes. */
static void test_duplicates_and_lost(void) {
    fixture f;
    fix_init(&f, 10);
    uint32_t p = fix_batch(&f, 0, 0, 10, 0, 1, 4);  /* ids 0..3 */
    fix_marker(&f, 0, 10, 0, true);
    fix_end(&f, 0, 1, true, ERR_CLIENT_PRODUCER_CLOSED);
    /* The new instance resends ids 0..3 in its transaction 2 (same node, new numbers). */
    uint32_t again = proto_payload_add_run(&f.p, 0, 4);
    proto_batch b = {.producer_id = 10, .payload = again, .record_count = 4,
                     .producer_epoch = 1, .attempt = 1, .producer = (uint8_t)node_producer(0),
                     .flags = PROTO_BATCH_TRANSACTIONAL};
    history_txn_batch(&f.h, fix_tick(&f), node_producer(0), &b, 2);
    fix_append(&f, 0, b);
    fix_marker(&f, 0, 10, 1, true);
    /* A batch of transaction 2 that never reached any log. */
    proto_batch gone = {.producer_id = 10, .payload = proto_payload_add_run(&f.p, 4, 2),
                        .record_count = 2, .producer_epoch = 1, .partition = 1,
                        .flags = PROTO_BATCH_TRANSACTIONAL};
    history_txn_batch(&f.h, fix_tick(&f), node_producer(0), &gone, 2);
    history_send_partition_run(&f.h, f.now_ns, node_producer(0), 1, 4, 2, 0);
    fix_end(&f, 0, 2, true, ERR_NONE);
    checker_result r = fix_check(&f, NULL);
    CHECK(p != again);
    CHECK_EQ(r.duplicates, 4);
    CHECK_EQ(r.lost_commits, 1);
    CHECK_EQ(r.atomicity_violations, 1);
    CHECK_EQ(r.lost_acked, 2);
    CHECK_EQ(r.transactions_committed, 1);
    fix_fini(&f);
}

/* CompletedFetch's set of aborted producer ids: an aborted transaction skips only its own
 * producer's transactional batches, and its ABORT marker lets the producer's next
 * transaction through. */
static void test_consumer_filter(void) {
    fixture f;
    fix_init(&f, 30);
    fix_batch(&f, 0, 0, 10, 0, 1, 2);   /* 0..1 pid 10 T1 (aborted) */
    fix_batch(&f, 0, 1, 11, 0, 1, 2);   /* 2..3 pid 11 T1 (committed) */
    fix_batch(&f, 0, 2, 12, 0, 0, 2);   /* 4..5 pid 12 idempotent, not transactional */
    fix_batch(&f, 0, 0, 10, 0, 1, 2);   /* 6..7 pid 10 T1 */
    fix_marker(&f, 0, 10, 0, false);
    fix_batch(&f, 0, 1, 11, 0, 1, 2);   /* 8..9 pid 11 T1 */
    fix_marker(&f, 0, 11, 0, true);
    fix_batch(&f, 0, 0, 10, 1, 2, 2);   /* 10..11 pid 10 T2 (committed) */
    fix_marker(&f, 0, 10, 1, true);
    fix_end(&f, 0, 1, false, ERR_NONE);
    fix_end(&f, 1, 1, true, ERR_NONE);
    fix_end(&f, 0, 2, true, ERR_NONE);
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(v.partitions[0].log_count, 4);
    CHECK_EQ(r.committed, 8);
    CHECK_EQ(r.transactions_aborted, 1);
    CHECK_EQ(r.transactions_committed, 2);
    CHECK_EQ(r.aborted_read + r.atomicity_violations + r.lost_commits, 0);
    CHECK_EQ(r.lost_acked + r.duplicates + r.reordered, 0);
    fix_fini(&f);
}

/* Without a transactional batch the view is the log below the HW: the ordinary verdict. */
static void test_plain_log(void) {
    fixture f;
    fix_init(&f, 12);
    fix_batch(&f, 0, 0, -1, -1, 0, 4);
    fix_batch(&f, 1, 0, -1, -1, 0, 4);
    fix_batch(&f, 0, 0, -1, -1, 0, 4);
    f.logs[0].high_watermark = 6;
    checker_result r = fix_check(&f, NULL);
    checker_result plain;
    CHECK_EQ(checker_run(&f.in, &plain), 0);
    r.transactional = 0;
    r.read_committed = 0;
    CHECK(memcmp(&r, &plain, sizeof r) == 0);
    CHECK_EQ(plain.lost_acked, 2);
    fix_fini(&f);
}

/* ---- Consume-transform-produce instances (exactly-once) --------------------------------- */

/* Instance c's producer (consumer-(c+1).producer, producer id pid) writes input ids first ..
 * first + n - 1 again to output partition g in its transaction txn: sealed and appended, never
 * a send of the ordinary checker. */
static void fix_output_batch(fixture *f, int g, int c, int64_t pid, uint32_t txn, uint32_t first,
                             uint32_t n) {
    uint32_t payload = proto_payload_add_run(&f->p, first, n);
    node_id node = node_consumer_producer(c);
    proto_batch b = {.producer_id = pid, .payload = payload, .record_count = n,
                     .base_sequence = 0, .producer_epoch = 0, .attempt = 1,
                     .producer = (uint8_t)node, .partition = (uint16_t)g,
                     .flags = PROTO_BATCH_TRANSACTIONAL};
    history_txn_batch(&f->h, fix_tick(f), node, &b, txn);
    proto_batch *at = fix_append(f, g, b);
    fix_leader_append(f, g, at);
}

/* Input partitions 0 and 1 (a plain producer, ids 0..7), output partition 2 written by two
 * instances' transactions: consumer-1's first commits, consumer-2's aborts, consumer-1's second
 * commits. Their ids repeat the input's: the input's acknowledgements stay as they were. */
static void test_pipeline_transactions(void) {
    fixture f;
    fix_init(&f, 8);
    f.opt.partitions = 2;
    f.in.partition_count = 2;
    f.opt.output_logs = &f.logs[2];
    f.opt.output_first = 2;
    f.opt.output_count = 1;
    fix_batch(&f, 0, 0, -1, -1, 0, 4); /* ids 0..3 */
    fix_batch(&f, 1, 0, -1, -1, 0, 4); /* ids 4..7 */
    history_txn_begin(&f.h, fix_tick(&f), node_consumer_producer(0), 1, 50, 0);
    fix_output_batch(&f, 2, 0, 50, 1, 0, 4);
    history_txn_end(&f.h, fix_tick(&f), node_consumer_producer(0), 1, true, ERR_NONE);
    fix_marker(&f, 2, 50, 0, true);
    history_txn_begin(&f.h, fix_tick(&f), node_consumer_producer(1), 1, 51, 0);
    fix_output_batch(&f, 2, 1, 51, 1, 4, 4);
    history_txn_end(&f.h, fix_tick(&f), node_consumer_producer(1), 1, false, ERR_NONE);
    fix_marker(&f, 2, 51, 0, false);
    history_txn_begin(&f.h, fix_tick(&f), node_consumer_producer(0), 2, 50, 0);
    fix_output_batch(&f, 2, 0, 50, 2, 4, 4);
    history_txn_end(&f.h, fix_tick(&f), node_consumer_producer(0), 2, true, ERR_NONE);
    fix_marker(&f, 2, 50, 0, true);
    checker_input v;
    checker_result r = fix_check(&f, &v);
    CHECK_EQ(r.transactions_committed, 2);
    CHECK_EQ(r.transactions_aborted, 1);
    CHECK_EQ(r.aborted_read + r.atomicity_violations + r.zombie_writes + r.lost_commits +
                 r.hanging_transactions, 0);
    CHECK_EQ(v.partition_count, 2); /* the ordinary checker reads the input only */
    CHECK_EQ(r.acked, 8);           /* not untold by the aborted output transaction's ids */
    CHECK_EQ(r.committed, 8);
    CHECK_EQ(r.lost_acked + r.duplicates + r.unexpected, 0);
    fix_fini(&f);

    /* A commit the instance was told of whose output batch was aborted (a lost commit), and an
     * output transaction left open (hanging) are counted on the output topic. */
    fix_init(&f, 8);
    f.opt.partitions = 2;
    f.in.partition_count = 2;
    f.opt.output_logs = &f.logs[2];
    f.opt.output_first = 2;
    f.opt.output_count = 1;
    fix_batch(&f, 0, 0, -1, -1, 0, 4);
    fix_batch(&f, 1, 0, -1, -1, 0, 4);
    history_txn_begin(&f.h, fix_tick(&f), node_consumer_producer(0), 1, 50, 0);
    fix_output_batch(&f, 2, 0, 50, 1, 0, 4);
    history_txn_end(&f.h, fix_tick(&f), node_consumer_producer(0), 1, true, ERR_NONE);
    fix_marker(&f, 2, 50, 0, false);
    history_txn_begin(&f.h, fix_tick(&f), node_consumer_producer(2), 1, 52, 0);
    fix_output_batch(&f, 2, 2, 52, 1, 4, 4);
    r = fix_check(&f, NULL);
    CHECK_EQ(r.lost_commits, 1);
    CHECK_EQ(told.lost_txn, 0); /* consumer-1.producer's first, the first mentioned */
    CHECK_EQ(r.hanging_transactions, 1);
    CHECK_EQ(told.hanging_offset, 5); /* 0..3 data, 4 marker, 5.. the open one */
    CHECK_EQ(r.acked, 8);
    /* Without the output partitions named, none of it is seen (the fields of before). */
    f.opt.output_count = 0;
    r = fix_check(&f, NULL);
    CHECK_EQ(r.hanging_transactions, 0);
    CHECK_EQ(r.lost_commits, 1); /* its batch is nowhere in the input view either */
    fix_fini(&f);
}

int main(void) {
    test_lso();
    test_clean();
    test_read_uncommitted();
    test_aborted_partly_written();
    test_fenced_partly_written();
    test_open_transaction();
    test_marker_above_hw();
    test_aborted_read();
    test_zombie();
    test_duplicates_and_lost();
    test_consumer_filter();
    test_plain_log();
    test_pipeline_transactions();
    return test_result("test_txn_checker");
}
