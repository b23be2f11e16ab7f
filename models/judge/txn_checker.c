/*
 * txn_checker.c: the view a consumer has of each partition of a transactional run, and the
 * transaction fields of the verdict (txn_checker.h has the definitions).
 *
 * Like checker.c it reads only the history and the final logs, never a node: the last stable
 * offset and the aborted transactions are recomputed from the final leader's log as a broker
 * rebuilding its producer state by replaying the log would have them (ProducerStateManager
 * loadProducerEntry and ProducerAppendInfo.appendEndTxnMarker, 3.9: the first transactional
 * batch of a producer id with no transaction open opens one at its offset; a marker closes the
 * open one, and an ABORT marker that closes one adds (pid, first offset, marker offset) to the
 * aborted-transaction index; a marker with nothing open is written and changes nothing).
 * The consumer's side follows CompletedFetch (3.9) nextFetchedRecord: for each batch with a
 * producer id, the aborted transactions that began at or before its last offset join
 * abortedProducerIds; an ABORT control batch removes its producer id; a transactional data
 * batch whose producer id is in the set is skipped; control records are never returned.
 *
 * Invariants: per payload id one transaction (HIST_TXN_BATCH seals a payload once); tables
 * are arrays indexed by payload id, producer index and transaction number, and small arrays
 * searched in order (producer ids of one partition), so nothing depends on hash or pointer
 * order and memory is linear in batches.
 */
#include "txn_checker.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* ---- Growing arrays -------------------------------------------------------------------- */

/* v with room for one more entry after count (capacity *capacity, entries of size bytes),
 * doubled when full; NULL, and *failed, when memory cannot be had. */
static void *txn_grow(bool *failed, void *v, size_t *capacity, size_t count, size_t size) {
    if (count < *capacity) return v;
    size_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = *failed || cap > SIZE_MAX / size ? NULL : realloc(v, cap * size);
    if (!grown) {
        *failed = true;
        return NULL;
    }
    *capacity = cap;
    return grown;
}

/* txn_grow, failing ts. */
static void *txn_room(txn_stream *ts, void *v, size_t *capacity, size_t count, size_t size) {
    return txn_grow(&ts->failed, v, capacity, count, size);
}

/* Grows the per-payload tables to cover payload; new payloads belong to no transaction. */
static bool txn_cover_payload(txn_stream *ts, uint32_t payload) {
    if (payload < ts->payload_count) return true;
    if (ts->failed) return false;
    size_t n = ts->payload_count * 2 > (size_t)payload + 1 ? ts->payload_count * 2
                                                          : (size_t)payload + 1;
    uint32_t *of = sim_realloc_large(ts->of_payload, n * sizeof *of);
    if (of) ts->of_payload = of;
    uint8_t *seen = of ? sim_realloc_large(ts->payload_seen, n) : NULL;
    if (!of || !seen) {
        ts->failed = true;
        return false;
    }
    ts->payload_seen = seen;
    for (size_t k = ts->payload_count; k < n; k++) ts->of_payload[k] = TXN_NONE;
    memset(ts->payload_seen + ts->payload_count, 0, n - ts->payload_count);
    ts->payload_count = n;
    return true;
}

void txn_stream_init(txn_stream *ts) { memset(ts, 0, sizeof *ts); }

size_t txn_stream_txn_count(const txn_stream *ts) { return ts->txn_count; }

const txn_entry *txn_stream_txn(const txn_stream *ts, uint32_t txn) {
    return txn < ts->txn_count ? &ts->txns[txn] : NULL;
}

uint32_t txn_stream_txn_of(const txn_stream *ts, uint32_t payload) {
    return payload < ts->payload_count ? ts->of_payload[payload] : TXN_NONE;
}

uint32_t txn_stream_find(const txn_stream *ts, node_id producer, uint32_t number) {
    int p = txn_node_slot(producer);
    if (p < 0) return TXN_NONE;
    if (number >= ts->by_number_count[p] || ts->by_number[p][number] == 0) return TXN_NONE;
    return ts->by_number[p][number] - 1;
}

const char *txn_anomaly_field(txn_anomaly kind) {
    switch (kind) {
    case TXN_ABORTED_READ: return "aborted_read";
    case TXN_ATOMICITY: return "atomicity_violations";
    case TXN_ZOMBIE_WRITE: return "zombie_writes";
    case TXN_LOST_COMMIT: return "lost_commits";
    case TXN_HANGING: return "hanging_transactions";
    default: return "?";
    }
}

void txn_stream_fini(txn_stream *ts) {
    free(ts->txns);
    for (int i = 0; i < TXN_NODES_MAX; i++) free(ts->by_number[i]);
    free(ts->of_payload);
    free(ts->payload_seen);
    free(ts->appends);
    free(ts->fences);
    free(ts->view);
    free(ts->view_batches);
    memset(ts, 0, sizeof *ts);
}

/* ---- The history ------------------------------------------------------------------------- */

/* The transaction (producer node, number), created at its first mention; NULL when memory
 * ran out or the node is no producer (of the workload or of an instance). */
static txn_entry *txn_of(txn_stream *ts, node_id producer, uint32_t number) {
    int p = txn_node_slot(producer);
    if (p < 0 || ts->failed) return NULL;
    if (number >= ts->by_number_count[p]) {
        size_t n = ts->by_number_count[p] * 2 > (size_t)number + 1 ? ts->by_number_count[p] * 2
                                                                   : (size_t)number + 1;
        uint32_t *grown = realloc(ts->by_number[p], n * sizeof *grown);
        if (!grown) {
            ts->failed = true;
            return NULL;
        }
        memset(grown + ts->by_number_count[p], 0, (n - ts->by_number_count[p]) * sizeof *grown);
        ts->by_number[p] = grown;
        ts->by_number_count[p] = n;
    }
    uint32_t at = ts->by_number[p][number];
    if (at) return &ts->txns[at - 1];
    txn_entry *v = txn_room(ts, ts->txns, &ts->txn_capacity, ts->txn_count, sizeof *v);
    if (!v) return NULL;
    ts->txns = v;
    txn_entry *t = &ts->txns[ts->txn_count++];
    *t = (txn_entry){.number = number, .producer = (uint8_t)producer};
    ts->by_number[p][number] = (uint32_t)ts->txn_count;
    return t;
}

/* HIST_TXN_BATCH: payload a is a batch of transaction (node, b). */
static void txn_on_batch(txn_stream *ts, const history_rec *r) {
    txn_entry *t = txn_of(ts, r->node, r->b);
    if (!t || !txn_cover_payload(ts, r->a)) return;
    if (ts->of_payload[r->a] != TXN_NONE) return; /* sealed once; a second record adds nothing */
    ts->of_payload[r->a] = (uint32_t)(t - ts->txns);
    t->batches++;
}

/* HIST_TXN_END: the application's commit (b = 1) or abort (b = 0) of transaction (node, a)
 * answered c. */
static void txn_on_end(txn_stream *ts, const history_rec *r) {
    txn_entry *t = txn_of(ts, r->node, r->a);
    if (!t) return;
    if (r->b == 1) {
        t->commit_asked = true;
        t->committed = t->committed || r->c == ERR_NONE;
    } else {
        t->aborted = t->aborted || r->c == ERR_NONE;
    }
}

/* HIST_APPEND by a leader of a transactional payload: kept for zombie writes. */
static void txn_on_append(txn_stream *ts, const history_rec *r) {
    if (r->c != 1 || r->a >= ts->payload_count || ts->of_payload[r->a] == TXN_NONE) return;
    txn_append *v = txn_room(ts, ts->appends, &ts->append_capacity, ts->append_count, sizeof *v);
    if (!v) return;
    ts->appends = v;
    ts->appends[ts->append_count++] = (txn_append){
        .offset = r->d, .time_ns = r->time_ns, .payload = r->a, .partition = r->partition};
}

static void txn_on_fence(txn_stream *ts, const history_rec *r) {
    txn_fence *v = txn_room(ts, ts->fences, &ts->fence_capacity, ts->fence_count, sizeof *v);
    if (!v) return;
    ts->fences = v;
    ts->fences[ts->fence_count++] = (txn_fence){.time_ns = r->time_ns, .pid = r->f, .epoch = r->e};
}

void txn_stream_feed(txn_stream *ts, const history_rec *recs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const history_rec *r = &recs[i];
        switch ((history_kind)r->kind) {
        case HIST_TXN_BEGIN: (void)txn_of(ts, r->node, r->a); break;
        case HIST_TXN_BATCH: txn_on_batch(ts, r); break;
        case HIST_TXN_END: txn_on_end(ts, r); break;
        case HIST_TXN_FENCE: txn_on_fence(ts, r); break;
        case HIST_APPEND: txn_on_append(ts, r); break;
        default: break;
        }
    }
}

/* ---- Producer state replayed from a log ---------------------------------------------------- */

#define TXN_OPEN_MAX 64 /* producer ids with a transaction open at once in one partition */

/* The producer ids of one partition with a transaction open, and where each opened. */
typedef struct txn_open {
    int64_t pid[TXN_OPEN_MAX];
    int64_t first[TXN_OPEN_MAX];
    int count;
    bool overflow; /* more producer ids than TXN_OPEN_MAX at once (then the LSO is 0) */
} txn_open;

static int txn_open_find(const txn_open *o, int64_t pid) {
    for (int i = 0; i < o->count; i++)
        if (o->pid[i] == pid) return i;
    return -1;
}

static void txn_open_drop(txn_open *o, int i) {
    o->pid[i] = o->pid[o->count - 1];
    o->first[i] = o->first[o->count - 1];
    o->count--;
}

/* An aborted transaction of the index: (pid, first offset), closed by the marker at last. */
typedef struct txn_aborted {
    int64_t pid;
    int64_t first;
    int64_t last;
} txn_aborted;

/* One batch of the replay. A transactional data batch opens its producer's transaction when
 * none is open; a control batch closes the open one (reporting an abort through *aborted when
 * it was an ABORT marker that closed something). Returns the first offset of the transaction
 * the batch closed, or -1. */
static int64_t txn_replay(txn_open *o, const proto_batch *b, bool *aborted) {
    *aborted = false;
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return -1;
    bool control = proto_batch_is_control(b);
    if (!control && !proto_batch_is_transactional(b)) return -1;
    int i = txn_open_find(o, b->producer_id);
    if (!control) {
        if (i >= 0) return -1;
        if (o->count == TXN_OPEN_MAX) {
            o->overflow = true;
            return -1;
        }
        o->pid[o->count] = b->producer_id;
        o->first[o->count++] = b->base_offset;
        return -1;
    }
    if (i < 0) return -1; /* a marker with no transaction open: written, no CompletedTxn */
    int64_t first = o->first[i];
    *aborted = !(b->flags & PROTO_BATCH_COMMIT);
    txn_open_drop(o, i);
    return first;
}

/* txn_last_stable_offset, leaving in *o the transactions open at the end of the log. */
static int64_t txn_lso_open(const proto_batch *log, size_t count, int64_t hw, txn_open *o) {
    o->count = 0;
    o->overflow = false;
    int64_t lso = hw;
    for (size_t i = 0; i < count; i++) {
        bool aborted;
        int64_t first = txn_replay(o, &log[i], &aborted);
        /* A transaction whose marker is not below the HW is still unstable (unreplicatedTxns). */
        if (first >= 0 && log[i].base_offset >= hw && first < lso) lso = first;
    }
    for (int i = 0; i < o->count; i++)
        if (o->first[i] < lso) lso = o->first[i];
    if (o->overflow) lso = 0;
    return lso < 0 ? 0 : lso;
}

int64_t txn_last_stable_offset(const proto_batch *log, size_t count, int64_t hw,
                               uint64_t *hanging) {
    txn_open o;
    int64_t lso = txn_lso_open(log, count, hw, &o);
    if (hanging) *hanging = (uint64_t)o.count;
    return lso;
}

/* The aborted-transaction index of a log (UnifiedLog.collectAbortedTransactions over the
 * whole log), in order of first offset. Returns the entries (malloc'd, count in *n), or NULL
 * with *n = 0 when there are none; NULL with *failed when memory ran out. */
static txn_aborted *txn_aborted_index(bool *failed, const checker_log *lg, size_t *n) {
    txn_open o = {.count = 0};
    txn_aborted *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < lg->log_count; i++) {
        bool aborted;
        int64_t first = txn_replay(&o, &lg->log[i], &aborted);
        if (first < 0 || !aborted) continue;
        txn_aborted *grown = txn_grow(failed, v, &cap, *n, sizeof *v);
        if (!grown) {
            free(v);
            *n = 0;
            return NULL;
        }
        v = grown;
        v[(*n)++] = (txn_aborted){.pid = lg->log[i].producer_id, .first = first,
                                  .last = lg->log[i].base_offset};
    }
    /* Markers come in offset order, first offsets need not: insertion sort (few entries). */
    for (size_t i = 1; i < *n; i++) {
        txn_aborted x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1].first > x.first; j--) v[j] = v[j - 1];
        v[j] = x;
    }
    return v;
}

/* ---- The consumer ------------------------------------------------------------------------ */

/* What a consumer of one partition holds while it reads: the aborted transactions not yet
 * reached and abortedProducerIds (CompletedFetch). */
typedef struct txn_consumer {
    const txn_aborted *aborted; /* the fetch's abortedTransactions, by first offset */
    size_t aborted_count;
    size_t next;                /* the first not yet consumed */
    int64_t pids[TXN_OPEN_MAX]; /* abortedProducerIds */
    int pid_count;
} txn_consumer;

static bool txn_consumer_has(const txn_consumer *c, int64_t pid) {
    for (int i = 0; i < c->pid_count; i++)
        if (c->pids[i] == pid) return true;
    return false;
}

/* consumeAbortedTransactionsUpTo(offset). */
static void txn_consumer_up_to(txn_consumer *c, int64_t offset) {
    for (; c->next < c->aborted_count && c->aborted[c->next].first <= offset; c->next++) {
        int64_t pid = c->aborted[c->next].pid;
        if (!txn_consumer_has(c, pid) && c->pid_count < TXN_OPEN_MAX) c->pids[c->pid_count++] = pid;
    }
}

static void txn_consumer_remove(txn_consumer *c, int64_t pid) {
    for (int i = 0; i < c->pid_count; i++) {
        if (c->pids[i] != pid) continue;
        c->pids[i] = c->pids[--c->pid_count];
        return;
    }
}

/* True when the consumer returns batch b's records (read_committed). */
static bool txn_consumer_returns(txn_consumer *c, const proto_batch *b) {
    if (b->producer_id != PROTO_NO_PRODUCER_ID) {
        txn_consumer_up_to(c, proto_batch_last_offset(b));
        if (proto_batch_is_control(b)) {
            if (!(b->flags & PROTO_BATCH_COMMIT)) txn_consumer_remove(c, b->producer_id);
            return false;
        }
        if (proto_batch_is_transactional(b) && txn_consumer_has(c, b->producer_id)) return false;
    }
    return !proto_batch_is_control(b);
}

/* ---- The verdict ------------------------------------------------------------------------- */

/* Appends in order of (partition, offset, payload), equal ones in history order (kept in
 * time_ns order by the history, which the comparison takes as the last key: a total order,
 * so qsort's result does not depend on its algorithm). */
static int txn_append_cmp(const void *pa, const void *pb) {
    const txn_append *a = pa, *b = pb;
    if (a->partition != b->partition) return a->partition < b->partition ? -1 : 1;
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    if (a->payload != b->payload) return a->payload < b->payload ? -1 : 1;
    if (a->time_ns != b->time_ns) return a->time_ns < b->time_ns ? -1 : 1;
    return 0;
}

/* The latest leader append of b's payload at (partition, b's offset), or NULL; the appends
 * are sorted (txn_append_cmp). */
static const txn_append *txn_append_of(const txn_stream *ts, uint32_t partition,
                                       const proto_batch *b) {
    txn_append key = {.offset = b->base_offset, .time_ns = INT64_MAX, .payload = b->payload,
                      .partition = (uint16_t)partition};
    size_t lo = 0, hi = ts->append_count; /* the first entry above key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (txn_append_cmp(&ts->appends[mid], &key) <= 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    const txn_append *a = &ts->appends[lo - 1];
    return a->partition == partition && a->offset == b->base_offset && a->payload == b->payload
               ? a
               : NULL;
}

/* When visible batch b of g was written by a leader after a fence of its producer id at an
 * epoch above its own: the time of that fence (the first), else -1. */
static int64_t txn_zombie(const txn_stream *ts, uint32_t g, const proto_batch *b) {
    if (ts->fence_count == 0) return -1;
    int64_t fenced_ns = -1;
    for (size_t i = 0; i < ts->fence_count; i++) {
        const txn_fence *f = &ts->fences[i];
        if (f->pid != (uint32_t)b->producer_id || b->producer_epoch >= f->epoch) continue;
        if (fenced_ns < 0 || f->time_ns < fenced_ns) fenced_ns = f->time_ns;
    }
    if (fenced_ns < 0) return -1;
    const txn_append *a = txn_append_of(ts, g, b);
    return a && a->time_ns > fenced_ns ? fenced_ns : -1;
}

/* Records of b the view holds: those below bound. */
static uint64_t txn_records_below(const proto_batch *b, int64_t bound) {
    int64_t n = bound - b->base_offset;
    return n >= (int64_t)b->record_count ? b->record_count : (uint64_t)(n > 0 ? n : 0);
}

/* Tells opt's visitor (if any) of one anomaly. */
static void txn_witness_tell(const txn_options *opt, txn_anomaly kind, uint32_t txn,
                             uint32_t g, const proto_batch *b, uint64_t records,
                             int64_t fenced_ns) {
    if (!opt->visit) return;
    txn_witness w = {.kind = kind, .txn = txn, .partition = g, .batch = b, .records = records,
                     .fenced_ns = fenced_ns};
    opt->visit(opt->visit_ctx, &w);
}

/* A batch of the view: its transaction's share of the fields. */
static void txn_on_visible(txn_stream *ts, uint32_t g, const proto_batch *b, int64_t bound,
                           const txn_options *opt, checker_result *out) {
    if (!proto_batch_is_transactional(b) || b->payload >= ts->payload_count) return;
    uint32_t at = ts->of_payload[b->payload];
    if (at == TXN_NONE) return;
    txn_entry *t = &ts->txns[at];
    uint64_t records = txn_records_below(b, bound);
    if (!ts->payload_seen[b->payload]) {
        ts->payload_seen[b->payload] = 1;
        t->visible++;
    }
    if (!t->committed && (t->aborted || !t->commit_asked)) {
        out->aborted_read += records;
        txn_witness_tell(opt, TXN_ABORTED_READ, at, g, b, records, -1);
    }
    int64_t fenced_ns = txn_zombie(ts, g, b);
    if (fenced_ns >= 0) {
        out->zombie_writes += records;
        txn_witness_tell(opt, TXN_ZOMBIE_WRITE, at, g, b, records, fenced_ns);
    }
}

/* Tells opt's visitor of the transactions open at the end of lg (o, from txn_lso_open), in
 * order of first offset: the batch that opened each and its transaction. */
static void txn_tell_hanging(const txn_stream *ts, uint32_t g, const checker_log *lg,
                             const txn_open *o, const txn_options *opt) {
    int order[TXN_OPEN_MAX];
    for (int i = 0; i < o->count; i++) {
        int j = i;
        for (; j > 0 && o->first[order[j - 1]] > o->first[i]; j--) order[j] = order[j - 1];
        order[j] = i;
    }
    for (int k = 0; k < o->count; k++) {
        const proto_batch *b = NULL;
        for (size_t i = 0; i < lg->log_count && !b; i++)
            if (lg->log[i].base_offset == o->first[order[k]]) b = &lg->log[i];
        uint32_t txn = b ? txn_stream_txn_of(ts, b->payload) : TXN_NONE;
        txn_witness_tell(opt, TXN_HANGING, txn, g, b, 1, -1);
    }
}

/* Calls fn for each batch of lg below bound that a consumer at the isolation level returns,
 * in offset order. Returns 0, or -1 when memory ran out. */
static int txn_view_walk(const checker_log *lg, bool read_committed, int64_t bound,
                         txn_view_fn fn, void *ctx) {
    txn_consumer c = {.aborted = NULL};
    txn_aborted *index = NULL;
    if (read_committed) {
        bool failed = false;
        index = txn_aborted_index(&failed, lg, &c.aborted_count);
        if (failed) return -1;
        c.aborted = index;
    }
    for (size_t i = 0; i < lg->log_count && lg->log[i].base_offset < bound; i++) {
        const proto_batch *b = &lg->log[i];
        bool returned = read_committed ? txn_consumer_returns(&c, b) : !proto_batch_is_control(b);
        if (returned) fn(ctx, b, bound);
    }
    free(index);
    return 0;
}

int64_t txn_view_read(const checker_log *lg, bool read_committed, txn_view_fn fn, void *ctx) {
    int64_t bound = lg->high_watermark;
    if (read_committed) bound = txn_last_stable_offset(lg->log, lg->log_count, bound, NULL);
    return txn_view_walk(lg, read_committed, bound, fn, ctx) == 0 ? bound : -1;
}

/* Where txn_view_partition keeps the batches of a view. */
typedef struct txn_view_keeping {
    txn_stream *ts;
    uint32_t g;
    const txn_options *opt;
    checker_log *view;
    size_t *next;
    checker_result *out;
} txn_view_keeping;

static void txn_view_keep(void *ctx, const proto_batch *b, int64_t bound) {
    txn_view_keeping *k = ctx;
    k->ts->view_batches[(*k->next)++] = *b;
    k->view->log_count++;
    txn_on_visible(k->ts, k->g, b, bound, k->opt, k->out);
}

/* Partition g's view into view (its batches from *next on in ts->view_batches). */
static int txn_view_partition(txn_stream *ts, uint32_t g, const checker_log *lg,
                              const txn_options *opt, checker_log *view, size_t *next,
                              checker_result *out) {
    txn_open open;
    int64_t lso = txn_lso_open(lg->log, lg->log_count, lg->high_watermark, &open);
    out->hanging_transactions += (uint64_t)open.count;
    if (opt->visit) txn_tell_hanging(ts, g, lg, &open, opt);
    int64_t bound = opt->read_committed ? lso : lg->high_watermark;
    *view = (checker_log){.log = ts->view_batches + *next, .log_count = 0,
                          .high_watermark = bound, .leader = lg->leader};
    txn_view_keeping keeping = {.ts = ts, .g = g, .opt = opt, .view = view, .next = next,
                                .out = out};
    if (txn_view_walk(lg, opt->read_committed, bound, txn_view_keep, &keeping) != 0) {
        ts->failed = true;
        return -1;
    }
    return 0;
}

/* Where txn_output_partitions reads: the partition, for the fields. */
typedef struct txn_output_reading {
    txn_stream *ts;
    uint32_t g;
    const txn_options *opt;
    checker_result *out;
} txn_output_reading;

static void txn_output_visible(void *ctx, const proto_batch *b, int64_t bound) {
    txn_output_reading *r = ctx;
    txn_on_visible(r->ts, r->g, b, bound, r->opt, r->out);
}

/* The output topic of a consume-transform-produce run (opt->output_*), read at read_committed
 * for the transaction fields only: hanging transactions, aborted reads and zombie writes of
 * its view, and which batches of each transaction it holds. */
static int txn_output_partitions(txn_stream *ts, const txn_options *opt, checker_result *out) {
    txn_options rc = *opt;
    rc.read_committed = true;
    for (size_t k = 0; opt->output_logs && k < opt->output_count; k++) {
        size_t g = opt->output_first + k;
        const checker_log *lg = &opt->output_logs[k];
        txn_open open;
        int64_t lso = txn_lso_open(lg->log, lg->log_count, lg->high_watermark, &open);
        out->hanging_transactions += (uint64_t)open.count;
        if (opt->visit) txn_tell_hanging(ts, (uint32_t)g, lg, &open, opt);
        txn_output_reading r = {.ts = ts, .g = (uint32_t)g, .opt = &rc, .out = out};
        if (txn_view_walk(lg, true, lso, txn_output_visible, &r) != 0) {
            ts->failed = true;
            return -1;
        }
    }
    return 0;
}

/* Tells cs what the application learnt of each transactional payload's ids: acknowledged
 * when its transaction's commit was, and nothing else (txn_checker.h). */
static void txn_tell(const txn_stream *ts, checker_stream *cs, const proto_payloads *payloads) {
    size_t n = ts->payload_count < payloads->count ? ts->payload_count : payloads->count;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t p = 0; p < n; p++) {
            uint32_t at = ts->of_payload[p];
            if (at == TXN_NONE || node_is_consumer_producer(ts->txns[at].producer)) continue;
            proto_ids ids = proto_payload_ids(payloads, (uint32_t)p);
            if (pass == 0) checker_stream_untell(cs, &ids);
            else if (ts->txns[at].committed) checker_stream_tell_acked(cs, &ids);
        }
    }
}

int txn_checker_finish(txn_stream *ts, checker_stream *cs, const checker_input *in,
                       const txn_options *opt, checker_result *out, checker_anomaly_fn visit,
                       void *ctx, checker_input *view_in) {
    checker_log one;
    size_t count;
    const checker_log *logs = checker_logs(in, &one, &count);
    if (opt->partitions < count) count = opt->partitions;
    size_t batches = 0;
    for (size_t g = 0; g < count; g++) batches += logs[g].log_count;
    free(ts->view);
    free(ts->view_batches);
    ts->view = calloc(count ? count : 1, sizeof *ts->view);
    ts->view_batches = malloc((batches ? batches : 1) * sizeof *ts->view_batches);
    if (!ts->view || !ts->view_batches) ts->failed = true;
    if (ts->failed) return -1;
    if (ts->payload_seen) memset(ts->payload_seen, 0, ts->payload_count);
    if (ts->fence_count > 0 && ts->append_count > 1)
        qsort(ts->appends, ts->append_count, sizeof *ts->appends, txn_append_cmp);
    for (size_t i = 0; i < ts->txn_count; i++) ts->txns[i].visible = 0;
    checker_result txn = {0};
    size_t next = 0;
    for (size_t g = 0; g < count; g++)
        if (txn_view_partition(ts, (uint32_t)g, &logs[g], opt, &ts->view[g], &next, &txn) != 0)
            return -1;
    if (txn_output_partitions(ts, opt, &txn) != 0) return -1;
    if (in->payloads) txn_tell(ts, cs, in->payloads);
    checker_input view = *in;
    view.partitions = ts->view;
    view.partition_count = count;
    view.log = ts->view[0].log;
    view.log_count = count ? ts->view[0].log_count : 0;
    view.high_watermark = count ? ts->view[0].high_watermark : 0;
    if (checker_stream_finish(cs, &view, out, visit, ctx) != 0) return -1;
    for (size_t i = 0; i < ts->txn_count; i++) {
        const txn_entry *t = &ts->txns[i];
        out->transactions_committed += t->committed;
        out->transactions_aborted += !t->committed && t->aborted;
        /* read_uncommitted promises no transaction whole: it shows what is in the log, open,
         * aborted or of unknown outcome, so there only a transaction the application was told
         * committed counts when it shows in part. At read_committed what shows of any
         * transaction came through a COMMIT marker, and a part of it is torn. */
        bool partial = t->visible > 0 && t->visible < t->batches;
        bool torn = partial && (opt->read_committed || t->committed);
        bool lost = t->committed && t->visible < t->batches;
        out->atomicity_violations += torn;
        out->lost_commits += lost;
        if (torn) txn_witness_tell(opt, TXN_ATOMICITY, (uint32_t)i, UINT32_MAX, NULL, 1, -1);
        if (lost) txn_witness_tell(opt, TXN_LOST_COMMIT, (uint32_t)i, UINT32_MAX, NULL, 1, -1);
    }
    out->aborted_read = txn.aborted_read;
    out->zombie_writes = txn.zombie_writes;
    out->hanging_transactions = txn.hanging_transactions;
    out->transactional = 1;
    out->read_committed = opt->read_committed;
    if (view_in) *view_in = view;
    return 0;
}
