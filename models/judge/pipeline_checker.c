/*
 * pipeline_checker.c: the two ledgers of a consume-process-produce run (pipeline_checker.h has
 * the definitions).
 *
 * Like checker.c it reads only the history and the final logs, never a node: which records the
 * group committed as consumed comes from the final __consumer_offsets log replayed as Kafka's
 * coordinator loads it (GroupMetadataManager.doLoadGroupsAndOffsets, 3.9), not from what any
 * coordinator held in memory; the input and output views come from txn_view_read (CompletedFetch's
 * read_committed filter, txn_checker.c).
 *
 * Invariants: per-id tables are byte arrays indexed by record id (an output record's id is its
 * input's), sized by the payload arena's id bound, so memory is linear in records and nothing
 * depends on hash or pointer order; the pending transactional offsets are a small array searched
 * in order.
 */
#include "pipeline_checker.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "txn_checker.h"

/* ---- The history ------------------------------------------------------------------------- */

void pipeline_stream_init(pipeline_stream *ps) { memset(ps, 0, sizeof *ps); }

void pipeline_stream_fini(pipeline_stream *ps) {
    free(ps->processed);
    free(ps->applied);
    memset(ps, 0, sizeof *ps);
}

/* Grows the per-id tables to cover ids 0 .. bound - 1 (at least doubling); new ids were never
 * processed. False, and ps->failed, when memory cannot be had. */
static bool pipeline_cover(pipeline_stream *ps, size_t bound) {
    if (bound <= ps->ids) return true;
    if (ps->failed) return false;
    size_t n = ps->ids * 2 > bound ? ps->ids * 2 : bound;
    uint8_t *processed = sim_realloc_large(ps->processed, n);
    if (processed) ps->processed = processed;
    uint8_t *applied = processed ? sim_realloc_large(ps->applied, n) : NULL;
    if (!applied) {
        ps->failed = true;
        return false;
    }
    ps->applied = applied;
    memset(ps->processed + ps->ids, 0, n - ps->ids);
    memset(ps->applied + ps->ids, 0, n - ps->ids);
    ps->ids = n;
    return true;
}

static void pipeline_bump(uint8_t *count) {
    if (*count < UINT8_MAX) (*count)++;
}

/* HIST_PROCESS: the application processed input id a; c says what the sink did. */
static void pipeline_on_process(pipeline_stream *ps, const history_rec *r) {
    if (!pipeline_cover(ps, (size_t)r->a + 1)) return;
    pipeline_bump(&ps->processed[r->a]);
    if (r->c == HIST_SINK_APPLIED) pipeline_bump(&ps->applied[r->a]);
}

void pipeline_stream_feed(pipeline_stream *ps, const history_rec *recs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const history_rec *r = &recs[i];
        switch ((history_kind)r->kind) {
        case HIST_PROCESS: pipeline_on_process(ps, r); break;
        case HIST_GROUP:
            /* One record per state change: entering CompletingRebalance is a generation formed
             * (GroupMetadata.initNextGeneration); an empty group forms none. */
            if (r->b == GROUP_COMPLETING_REBALANCE && r->c > 0) ps->generations++;
            break;
        default: break;
        }
    }
}

const char *pipeline_anomaly_field(pipeline_anomaly kind) {
    switch (kind) {
    case PIPELINE_PROCESSED_TWICE: return "processed_twice";
    case PIPELINE_PROCESSED_NEVER: return "processed_never";
    case PIPELINE_OUTPUT_DUPLICATE: return "output_duplicates";
    case PIPELINE_OUTPUT_MISSING: return "output_missing";
    default: return "?";
    }
}

/* ---- Committed offsets: the __consumer_offsets log replayed ---------------------------------- */

/* An offset record as doLoadGroupsAndOffsets keeps it (CommitRecordMetadataAndOffset): the
 * offset and the base offset of the batch that appended it. */
typedef struct pipeline_offset {
    int64_t offset;       /* -1: none */
    int64_t batch_offset; /* where it was appended */
} pipeline_offset;

/* A transactional offset record waiting for its producer's marker (pendingOffsets). */
typedef struct pipeline_pending {
    int64_t pid;
    uint32_t partition;   /* input g */
    pipeline_offset at;
} pipeline_pending;

typedef struct pipeline_replay {
    int64_t *offsets;           /* the caller's, per input g */
    int64_t *batch_offsets;     /* per input g: where offsets[g] was appended */
    size_t n;                   /* input partitions */
    pipeline_pending *pending;  /* in order of arrival */
    size_t pending_count;
    size_t pending_capacity;
    bool failed;
} pipeline_replay;

/* pendingOffsets(pid).put(partition, at) or, for a tombstone (at.offset -1),
 * .remove(partition). */
static void pipeline_pend(pipeline_replay *rp, int64_t pid, uint32_t partition,
                          pipeline_offset at) {
    for (size_t i = 0; i < rp->pending_count; i++) {
        pipeline_pending *p = &rp->pending[i];
        if (p->pid != pid || p->partition != partition) continue;
        if (at.offset >= 0) p->at = at;
        else rp->pending[i] = rp->pending[--rp->pending_count]; /* order among pids is moot */
        return;
    }
    if (at.offset < 0) return;
    if (rp->pending_count == rp->pending_capacity) {
        size_t cap = rp->pending_capacity ? rp->pending_capacity * 2 : 8;
        pipeline_pending *grown = realloc(rp->pending, cap * sizeof *grown);
        if (!grown) {
            rp->failed = true;
            return;
        }
        rp->pending = grown;
        rp->pending_capacity = cap;
    }
    rp->pending[rp->pending_count++] = (pipeline_pending){.pid = pid, .partition = partition,
                                                          .at = at};
}

/* A control batch of pid: COMMIT loads its pending offsets that are newer by log position than
 * the loaded ones; either marker ends them. */
static void pipeline_on_marker(pipeline_replay *rp, int64_t pid, bool commit) {
    size_t kept = 0;
    for (size_t i = 0; i < rp->pending_count; i++) {
        pipeline_pending p = rp->pending[i];
        if (p.pid != pid) {
            rp->pending[kept++] = p;
            continue;
        }
        if (!commit || p.partition >= rp->n) continue;
        if (rp->offsets[p.partition] >= 0 && rp->batch_offsets[p.partition] >= p.at.batch_offset)
            continue; /* the loaded one is not olderThan it */
        rp->offsets[p.partition] = p.at.offset;
        rp->batch_offsets[p.partition] = p.at.batch_offset;
    }
    rp->pending_count = kept;
}

/* One data batch of __consumer_offsets: its records below the high watermark hw. */
static void pipeline_on_offsets_batch(pipeline_replay *rp, const group_records *gr,
                                      const proto_batch *b, int64_t hw) {
    if (b->payload >= gr->count) return;
    uint32_t n = b->record_count;
    if (n > gr->count - b->payload) n = gr->count - b->payload;
    bool txn = proto_batch_is_transactional(b);
    for (uint32_t k = 0; k < n && b->base_offset + k < hw; k++) {
        const group_record *r = &gr->recs[b->payload + k];
        if (r->kind != GROUP_RECORD_OFFSET) continue;
        pipeline_offset at = {.offset = r->offset < 0 ? -1 : r->offset,
                              .batch_offset = b->base_offset};
        if (txn) {
            pipeline_pend(rp, b->producer_id, r->partition, at);
        } else if (r->partition < rp->n) {
            rp->offsets[r->partition] = at.offset;
            rp->batch_offsets[r->partition] = at.batch_offset;
        }
    }
}

int pipeline_committed_offsets(const pipeline_input *in, int64_t *offsets, size_t n) {
    for (size_t g = 0; g < n; g++) offsets[g] = -1;
    if (in->offsets_partition < 0 || (size_t)in->offsets_partition >= in->log_count ||
        !in->group_records || n == 0)
        return 0;
    pipeline_replay rp = {.offsets = offsets, .n = n};
    rp.batch_offsets = calloc(n, sizeof *rp.batch_offsets);
    if (!rp.batch_offsets) return -1;
    const checker_log *lg = &in->logs[in->offsets_partition];
    for (size_t i = 0; i < lg->log_count && !rp.failed; i++) {
        const proto_batch *b = &lg->log[i];
        if (b->base_offset >= lg->high_watermark) break;
        if (proto_batch_is_control(b))
            pipeline_on_marker(&rp, b->producer_id, (b->flags & PROTO_BATCH_COMMIT) != 0);
        else
            pipeline_on_offsets_batch(&rp, in->group_records, b, lg->high_watermark);
    }
    free(rp.batch_offsets);
    free(rp.pending);
    return rp.failed ? -1 : 0;
}

/* ---- The views ----------------------------------------------------------------------------- */

/* Per id: copies committed as consumed in the input view, and copies in the output view. */
typedef struct pipeline_tally {
    const proto_payloads *payloads;
    uint8_t *inputs;      /* per id */
    uint8_t *outputs;     /* per id */
    size_t ids;           /* entries of both */
    int64_t committed;    /* the partition being read: its committed offset (-1 none) */
    uint64_t unconsumed;  /* view records at or beyond their committed offset */
} pipeline_tally;

/* The records of b below bound, offset by offset: their ids (clipped to the payload). */
static proto_ids pipeline_batch_ids(const pipeline_tally *t, const proto_batch *b,
                                    int64_t bound, uint32_t *n) {
    *n = 0;
    if (b->payload >= t->payloads->count) return (proto_ids){0};
    proto_ids ids = proto_payload_ids(t->payloads, b->payload);
    uint32_t count = ids.n < b->record_count ? ids.n : b->record_count;
    int64_t below = bound - b->base_offset;
    if (below < (int64_t)count) count = below > 0 ? (uint32_t)below : 0;
    *n = count;
    return ids;
}

static void pipeline_on_input(void *ctx, const proto_batch *b, int64_t bound) {
    pipeline_tally *t = ctx;
    uint32_t n;
    proto_ids ids = pipeline_batch_ids(t, b, bound, &n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        if (b->base_offset + k >= t->committed) t->unconsumed++;
        else if (id < t->ids) pipeline_bump(&t->inputs[id]);
    }
}

static void pipeline_on_output(void *ctx, const proto_batch *b, int64_t bound) {
    pipeline_tally *t = ctx;
    uint32_t n;
    proto_ids ids = pipeline_batch_ids(t, b, bound, &n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        if (id < t->ids) pipeline_bump(&t->outputs[id]);
    }
}

/* Reads the input partitions (below their committed offsets) and the output topic into t.
 * Returns 0, or -1 when memory ran out. */
static int pipeline_read_views(const pipeline_input *in, pipeline_tally *t) {
    size_t inputs = in->input_partitions < in->log_count ? in->input_partitions : in->log_count;
    int64_t *committed = calloc(inputs ? inputs : 1, sizeof *committed);
    if (!committed || pipeline_committed_offsets(in, committed, inputs) != 0) {
        free(committed);
        return -1;
    }
    int rc = 0;
    for (size_t g = 0; g < inputs && rc == 0; g++) {
        t->committed = committed[g] < 0 ? 0 : committed[g];
        if (txn_view_read(&in->logs[g], in->read_committed, pipeline_on_input, t) < 0) rc = -1;
    }
    free(committed);
    for (size_t k = 0; k < in->output_count && rc == 0; k++) {
        size_t g = in->output_first + k;
        if (g >= in->log_count) break;
        /* The output ledger is read read_committed whatever the consumers' level (issue 19). */
        if (txn_view_read(&in->logs[g], true, pipeline_on_output, t) < 0) rc = -1;
    }
    return rc;
}

/* ---- The verdict ------------------------------------------------------------------------- */

static void pipeline_tell(const pipeline_input *in, pipeline_anomaly kind, uint32_t id,
                          uint64_t count) {
    if (in->visit) in->visit(in->visit_ctx, kind, id, count);
}

/* One id's share of the fields. */
static void pipeline_judge_id(const pipeline_stream *ps, const pipeline_tally *t,
                              const pipeline_input *in, uint32_t id, checker_result *out) {
    unsigned expected = t->inputs[id];
    unsigned at_least_one = expected ? expected : 1;
    unsigned processed = id < ps->ids ? ps->processed[id] : 0;
    unsigned applied = id < ps->ids ? ps->applied[id] : 0;
    out->reprocessed += processed > at_least_one;
    if (in->sink) {
        out->processed += applied > 0;
        if (applied > at_least_one) {
            out->processed_twice++;
            pipeline_tell(in, PIPELINE_PROCESSED_TWICE, id, 1);
        }
        if (expected > 0 && applied == 0) {
            out->processed_never++;
            pipeline_tell(in, PIPELINE_PROCESSED_NEVER, id, 1);
        }
    }
    if (in->output_count == 0) return;
    unsigned copies = t->outputs[id];
    if (copies > at_least_one) {
        out->output_duplicates += copies - at_least_one;
        pipeline_tell(in, PIPELINE_OUTPUT_DUPLICATE, id, copies - at_least_one);
    }
    if (expected > 0 && copies == 0) {
        out->output_missing++;
        pipeline_tell(in, PIPELINE_OUTPUT_MISSING, id, 1);
    }
}

int pipeline_checker_finish(pipeline_stream *ps, const pipeline_input *in, checker_result *out) {
    if (ps->failed) return -1;
    size_t ids = (size_t)in->payloads->ids_bound;
    if (ps->ids > ids) ids = ps->ids;
    pipeline_tally t = {.payloads = in->payloads, .ids = ids};
    t.inputs = sim_calloc_large(ids ? ids : 1, 1);
    t.outputs = sim_calloc_large(ids ? ids : 1, 1);
    int rc = t.inputs && t.outputs ? pipeline_read_views(in, &t) : -1;
    if (rc == 0) {
        out->consumers = 1;
        out->processed = out->processed_twice = out->processed_never = 0;
        out->output_duplicates = out->output_missing = out->reprocessed = 0;
        for (size_t id = 0; id < ids; id++) pipeline_judge_id(ps, &t, in, (uint32_t)id, out);
        out->unconsumed = t.unconsumed;
        out->rebalances = ps->generations > 0 ? ps->generations - 1 : 0;
    }
    free(t.inputs);
    free(t.outputs);
    return rc;
}
