/*
 * explain.c: the causal chain of each anomaly, told from the history.
 *
 * The checker (checker.c) says which records are anomalous; this file says how each came to
 * be, using only what the history recorded: which attempt of which batch each broker appended
 * and when, what the network dropped and under which fault, when brokers crashed, who was
 * elected, who truncated. The chains follow the mechanisms of kafka-semantics.md section 5:
 * retries after an unknown outcome without idempotence (S1), reordering by retried batches
 * with max.in.flight > 1 (S2, RecordAccumulator.reenqueue), acks=1 and unclean-election loss
 * with truncation of the old leader (S4-S7, KIP-101), delivery timeouts with an unknown
 * outcome (S8), new producer sessions (S11), idempotence state lost or bumped (S9, S12).
 *
 * Records that share one story (the records of one batch, duplicated by one retry) are told
 * once: each record's chain is first written with its own offsets as placeholders, and records
 * whose chains then read the same are told together ("records 4..5 ... offsets 6..7").
 *
 * A transactional run is judged on the view of a consumer at isolation.level (txn_checker.h),
 * the judge's visitor keeping the transaction anomalies it counts; their stories read the
 * transactional history records (section "Transactions").
 *
 * What it leaves out: it explains from observations, not from the models' reasoning, so a
 * cause the history does not show (a delay inside a node) is stated as what was seen ("the
 * attempt failed with REQUEST_TIMED_OUT") rather than guessed. Chains are capped in length.
 */
#include "explain.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "explain_pipeline.h"
#include "explain_text.h"
#include "fault_parse.h"
#include "sim.h"
#include "txn_checker.h"

#define EXPLAIN_CLAUSES_MAX 16 /* clauses of one chain before "..." */
#define EXPLAIN_COPIES_MAX 4   /* committed copies of a record looked at */

typedef struct ex_run {
    FILE *out;                 /* borrowed */
    const history *h;          /* borrowed */
    const proto_payloads *p;   /* borrowed */
    const checker_input *in;   /* borrowed */
    const config *c;           /* borrowed; may be NULL */
    const uint32_t *group;     /* the records told together, in order (borrowed) */
    size_t group_n;            /* records in group; 1 when one record is told */
    bool sketch;               /* write the records' own offsets and ids as placeholders, so
                                * two records' chains compare equal when their stories are */
    const struct ex_index *ix; /* the lookups, built once per partition told (borrowed) */
    int producers;             /* producers of the world: with several, stories name them */
    int partition;             /* the partition told (global index), -1 in a world of one */
    uint64_t *work;            /* history records, log entries and kept items looked at */
    const struct ex_txn *txn;  /* a transactional run's judgment (borrowed), else NULL */
} ex_run;

typedef explain_text ex_text; /* a chain: its head, then clauses (explain_text.h) */

typedef struct ex_item {
    checker_anomaly kind;      /* what the checker counted */
    uint32_t partition;        /* the partition (global index) it was counted on */
    uint32_t record;           /* the record id */
    int64_t offset;            /* where (log anomalies), -1 otherwise */
} ex_item;

typedef struct ex_list {
    ex_item *items;            /* owned, capacity limit per kind */
    size_t count;              /* items kept */
    int limit;                 /* kept per kind at most */
    uint64_t kept[CHECKER_ANOMALY_COUNT];  /* items kept per kind */
    uint64_t total[CHECKER_ANOMALY_COUNT]; /* records anomalous per kind (duplicates: ids) */
    uint64_t *dup_set;         /* owned: the duplicated records kept, open addressing; a
                                * membership test only, never iterated, so no order leaks */
    size_t dup_mask;           /* slots - 1 (slots a power of two, more than twice limit) */
    uint64_t work;             /* slots probed */
} ex_list;

/* A committed copy of a record: its batch in the final log and its offset. */
typedef struct ex_copy {
    const proto_batch *batch;  /* borrowed from checker_input.log */
    int64_t offset;            /* the record's own offset */
} ex_copy;

/* Names formatted into values, so a printf may take several. */
typedef struct ex_str {
    char s[96]; /* the text */
} ex_str;

/* A sorted lookup entry: (key, pos) pairs ordered by key, then pos (no hash or pointer order). */
typedef struct ex_key {
    uint64_t key; /* payload or record id */
    uint64_t pos; /* history index, or log index << 32 | index in the batch */
} ex_key;

typedef struct ex_keys {
    ex_key *v;    /* owned */
    size_t n;     /* entries */
} ex_keys;

/* The high watermark moves of one broker, in history order, with a tree of maxima over their
 * values, so the first move past an offset after a history index is found in O(log n). */
typedef struct ex_hw {
    size_t *pos;   /* owned: history indices */
    int64_t *max;  /* owned: 2 * size maxima; leaves at size + i, padding INT64_MIN */
    size_t n, cap, size;
} ex_hw;

/* What explain_run builds once, so each chain looks only at what concerns it: without it every
 * chain walked the whole history and the whole log, and the run was quadratic in the anomalies. */
typedef struct ex_index {
    ex_keys by_payload;   /* attempts, appends, retries, expiries by payload (a), history order */
    ex_keys failed_cb;    /* failed callbacks of the records told, by record id */
    ex_keys copies;       /* log entries of the records told, by record id, log order */
    int64_t *prefix_max;  /* per log batch: the largest id in it and every batch before, or -1 */
    size_t *drops, *crashes, *faults; /* history indices of those kinds, in order */
    size_t drop_n, crash_n, fault_n;
    /* For lost writes only (built when one is told): */
    bool lost;            /* the lookups below are built */
    ex_keys ok_cb;        /* successful callbacks of the records told, by record id */
    ex_keys appends;      /* appends (leader or follower) of the records told, by record id */
    size_t *trail;        /* history indices of crashes, elections, truncations, ISR changes */
    size_t trail_n;
    broker_set seen;      /* brokers that appended anything or were in some ISR */
    ex_hw hw[NODES_MAX];  /* high watermark moves by broker */
} ex_index;

/* ---- Small helpers ------------------------------------------------------------------------ */

static ex_str ex_time(int64_t ns) {
    ex_str t;
    explain_time(ns, t.s, sizeof t.s);
    return t;
}

static ex_str ex_node(node_id n) {
    ex_str t;
    node_name(n, t.s, sizeof t.s);
    return t;
}

/* In a world of several producers, " of producer-2": the producer that sends record id (the
 * workload gives producer i the ids [i*R/n, (i+1)*R/n), R = workload.records); else "". */
static ex_str ex_by(const ex_run *x, uint32_t id) {
    ex_str t;
    t.s[0] = 0;
    if (x->producers <= 1 || !x->c) return t;
    uint64_t records = x->c->records, n = (uint64_t)x->producers;
    int i = x->producers - 1;
    while (i > 0 && (uint64_t)i * records / n > id) i--;
    char name[16];
    snprintf(t.s, sizeof t.s, " of %s",
             node_name_of(node_producer(i), x->producers, name, sizeof name));
    return t;
}

/* " (fault NAME)" for a fault index, "" when none. */
static ex_str ex_fault(const ex_run *x, uint32_t fault) {
    ex_str t;
    t.s[0] = 0;
    if (fault == UINT32_MAX) return t;
    if (x->c && fault < (uint32_t)x->c->fault_count)
        snprintf(t.s, sizeof t.s, " (fault %s)", x->c->faults[fault].name);
    else snprintf(t.s, sizeof t.s, " (fault %u)", fault);
    return t;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void ex_add(ex_text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    explain_text_vadd(t, EXPLAIN_CLAUSES_MAX, "", fmt, ap);
    va_end(ap);
}

/* Index of record in a payload, or -1. */
static int64_t ex_index_in(const proto_payloads *p, uint32_t payload, uint32_t record) {
    if (!p || payload >= p->count) return -1;
    proto_ids ids = proto_payload_ids(p, payload);
    if (!ids.list) /* a run of ids: the place is arithmetic */
        return record >= ids.first && record - ids.first < ids.n ? (int64_t)(record - ids.first)
                                                                 : -1;
    for (uint32_t i = 0; i < ids.n; i++)
        if (proto_ids_at(&ids, i) == record) return i;
    return -1;
}

/* "records 13..19" or "record 13" or "records 13, 15 ..." for a payload. */
static ex_str ex_records(const proto_payloads *p, uint32_t payload) {
    ex_str t;
    proto_ids ids = {0};
    if (p && payload < p->count) ids = proto_payload_ids(p, payload);
    uint32_t n = ids.n;
    if (n == 0) snprintf(t.s, sizeof t.s, "no records");
    else if (n == 1) snprintf(t.s, sizeof t.s, "record %u", ids.first);
    else if (proto_ids_at(&ids, n - 1) == ids.first + n - 1)
        snprintf(t.s, sizeof t.s, "records %u..%u", ids.first, proto_ids_at(&ids, n - 1));
    else snprintf(t.s, sizeof t.s, "records %u, %u, ... (%u in all)", ids.first,
                  proto_ids_at(&ids, 1), n);
    return t;
}

/* ---- The records told: one, or a batch's that share one story ----------------------------- */

/* "record 4", "records 4..5", "records 41, 42, ... (17 in all)". */
static ex_str ex_subject(const ex_run *x) {
    ex_str t;
    const uint32_t *g = x->group;
    size_t n = x->group_n;
    bool run = true;
    for (size_t i = 1; i < n && run; i++) run = g[i] == g[0] + i;
    if (x->sketch) snprintf(t.s, sizeof t.s, "record #");
    else if (n == 1) snprintf(t.s, sizeof t.s, "record %u", g[0]);
    else if (run) snprintf(t.s, sizeof t.s, "records %u..%u", g[0], g[n - 1]);
    else snprintf(t.s, sizeof t.s, "records %u, %u, ... (%zu in all)", g[0], g[1], n);
    ex_str by = ex_by(x, g[0]);
    size_t used = strlen(t.s);
    snprintf(t.s + used, sizeof t.s - used, "%s", by.s);
    return t;
}

/* The pronouns of the records told: "it" or "them", "it is" or "they are". */
static const char *ex_it(const ex_run *x) { return x->group_n > 1 ? "them" : "it"; }
static const char *ex_it_is(const ex_run *x) { return x->group_n > 1 ? "they are" : "it is"; }
static const char *ex_it_was(const ex_run *x) { return x->group_n > 1 ? "they were" : "it was"; }

/* The records' own offsets in the batch of payload appended at base: "offset 6", "offsets
 * 6..7", "offsets 6, 9, ... (3 in all)"; in a sketch "offset @base", equal for every record
 * of the batch. */
static ex_str ex_own(const ex_run *x, int64_t base, uint32_t payload) {
    ex_str t;
    size_t n = x->group_n;
    if (x->sketch) {
        snprintf(t.s, sizeof t.s, "offset @%lld", (long long)base);
        return t;
    }
    int64_t first = base + ex_index_in(x->p, payload, x->group[0]);
    int64_t second = n > 1 ? base + ex_index_in(x->p, payload, x->group[1]) : first;
    int64_t last = base + ex_index_in(x->p, payload, x->group[n - 1]);
    bool run = true;
    for (size_t i = 1; i < n && run; i++)
        run = base + ex_index_in(x->p, payload, x->group[i]) == first + (int64_t)i;
    if (n == 1) snprintf(t.s, sizeof t.s, "offset %lld", (long long)first);
    else if (run) snprintf(t.s, sizeof t.s, "offsets %lld..%lld", (long long)first, (long long)last);
    else snprintf(t.s, sizeof t.s, "offsets %lld, %lld, ... (%zu in all)", (long long)first,
                  (long long)second, n);
    return t;
}

/* Binary search: the first i in [0, n) at which before(ctx, i) turns false, before holding on
 * a prefix of [0, n) and on nothing after it; n when it holds everywhere. Each probe adds one
 * to *probes when probes is not NULL. */
static size_t ex_lower_bound(size_t n, bool (*before)(const void *ctx, size_t i),
                             const void *ctx, uint64_t *probes) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (probes) (*probes)++;
        if (before(ctx, mid)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct ex_key_at {
    const ex_key *v;
    uint64_t key, pos;
} ex_key_at;

static bool ex_key_before(const void *ctx, size_t i) {
    const ex_key_at *q = ctx;
    return q->v[i].key < q->key || (q->v[i].key == q->key && q->v[i].pos < q->pos);
}

/* The first entry of keys at or after (key, pos). */
static size_t ex_lower(const ex_keys *keys, uint64_t key, uint64_t pos) {
    return ex_lower_bound(keys->n, ex_key_before, &(ex_key_at){keys->v, key, pos}, NULL);
}

typedef struct ex_time_at {
    const history_rec *recs;
    const size_t *list;
    int64_t time_ns;
} ex_time_at;

static bool ex_time_before(const void *ctx, size_t i) {
    const ex_time_at *q = ctx;
    return q->recs[q->list[i]].time_ns < q->time_ns;
}

/* The first index in list[0..n) (history indices, in order) whose record is at or after
 * time_ns. */
static size_t ex_lower_time(const ex_run *x, const size_t *list, size_t n, int64_t time_ns) {
    return ex_lower_bound(n, ex_time_before, &(ex_time_at){x->h->recs, list, time_ns}, NULL);
}

typedef struct ex_index_at {
    const size_t *list;
    size_t from;
} ex_index_at;

static bool ex_index_before(const void *ctx, size_t i) {
    const ex_index_at *q = ctx;
    return q->list[i] < q->from;
}

/* The first index in list[0..n) at or after history index from. */
static size_t ex_lower_index(const size_t *list, size_t n, size_t from) {
    return ex_lower_bound(n, ex_index_before, &(ex_index_at){list, from}, NULL);
}

/* Copies of record in the final log, in offset order, committed ones (below the high
 * watermark) or the others; returns how many (<= max). */
static int ex_copies_where(const ex_run *x, uint32_t record, ex_copy *out, int max,
                           bool committed) {
    int n = 0;
    const ex_keys *c = &x->ix->copies;
    uint64_t last = UINT64_MAX;
    for (size_t i = ex_lower(c, record, 0); i < c->n && c->v[i].key == record && n < max; i++) {
        (*x->work)++;
        uint64_t batch = c->v[i].pos >> 32;
        if (batch == last) continue; /* a record twice in one batch: its first place counts */
        last = batch;
        const proto_batch *b = &x->in->log[batch];
        int64_t offset = b->base_offset + (int64_t)(c->v[i].pos & UINT32_MAX);
        if ((offset < x->in->high_watermark) != committed) continue;
        out[n++] = (ex_copy){.batch = b, .offset = offset};
    }
    return n;
}

/* Committed copies of record in the final log, in offset order; returns how many (<= max). */
static int ex_copies(const ex_run *x, uint32_t record, ex_copy *out, int max) {
    return ex_copies_where(x, record, out, max, true);
}

/* The first record of kind about payload (a) and attempt (b, 0 for any) at or after from; for
 * appends, leader appends only. NULL when none. */
static const history_rec *ex_find(const ex_run *x, size_t from, history_kind kind,
                                  uint32_t payload, uint32_t attempt) {
    const ex_keys *bp = &x->ix->by_payload;
    for (size_t j = ex_lower(bp, payload, from); j < bp->n && bp->v[j].key == payload; j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[bp->v[j].pos];
        if (r->kind != kind || r->a != payload) continue;
        if (attempt && r->b != attempt) continue;
        if (kind == HIST_APPEND && r->c != 1) continue;
        return r;
    }
    return NULL;
}

static size_t ex_index_of(const ex_run *x, const history_rec *r) {
    return r ? (size_t)(r - x->h->recs) : 0;
}

/* The fault that fired with the record at index i (same instant, same node or all). */
static uint32_t ex_fault_at(const ex_run *x, size_t i) {
    const history_rec *r = &x->h->recs[i];
    size_t lo = i;
    while (lo > 0 && x->h->recs[lo - 1].time_ns == r->time_ns) lo--;
    for (size_t k = lo; k < x->h->count && x->h->recs[k].time_ns == r->time_ns; k++) {
        const history_rec *f = &x->h->recs[k];
        if (f->kind == HIST_FAULT && f->b == 1 && (f->node == r->node || f->node == NODE_NONE))
            return f->a;
    }
    return UINT32_MAX;
}


/* ---- The fate of one attempt -------------------------------------------------------------- */

/* The first fault that began in [from_ns, to_ns), or UINT32_MAX. */
static uint32_t ex_fault_between(const ex_run *x, int64_t from_ns, int64_t to_ns) {
    const ex_index *ix = x->ix;
    for (size_t j = ex_lower_time(x, ix->faults, ix->fault_n, from_ns); j < ix->fault_n; j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[ix->faults[j]];
        if (r->time_ns >= to_ns) break;
        if (r->kind == HIST_FAULT && r->b == 1 && r->time_ns >= from_ns) return r->a;
    }
    return UINT32_MAX;
}

/* The first crash (or stop) of node in [from_ns, to_ns), or NULL. */
static const history_rec *ex_crash_between(const ex_run *x, node_id node, int64_t from_ns,
                                           int64_t to_ns) {
    const ex_index *ix = x->ix;
    for (size_t j = ex_lower_time(x, ix->crashes, ix->crash_n, from_ns); j < ix->crash_n; j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[ix->crashes[j]];
        if (r->time_ns >= to_ns) break;
        if (r->kind == HIST_CRASH && r->a != 0 && r->node == node && r->time_ns >= from_ns)
            return r;
    }
    return NULL;
}

/* "crashed", "lost power", or "stopped" for the end of a controlled shutdown. */
static const char *ex_down_word(const history_rec *r) {
    return r->a == HIST_STOPPED ? "stopped" : r->b ? "lost power" : "crashed";
}

/* How the answer to an appended attempt was lost: a dropped response, a crash, a fault. */
static void ex_response_fate(const ex_run *x, ex_text *t, const history_rec *app,
                             int64_t until_ns) {
    const ex_index *ix = x->ix;
    for (size_t j = ex_lower_index(ix->drops, ix->drop_n, ex_index_of(x, app)); j < ix->drop_n;
         j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[ix->drops[j]];
        if (r->time_ns >= until_ns) break;
        if (r->kind == HIST_DROP && r->a == API_PRODUCE && (r->e & 1) && r->f == app->node &&
            r->d == app->d) {
            if (r->e & HIST_DROP_RETRANSMITTED)
                ex_add(t, "the response was lost%s, and TCP's retransmission (200 ms or more "
                          "later) came after the request timed out",
                       ex_fault(x, r->b).s);
            else
                ex_add(t, "the response was dropped%s", ex_fault(x, r->b).s);
            return;
        }
    }
    /* Java's NetworkClient closes a connection whose request timed out, and every request in
     * flight on it fails with it: a lost answer to an earlier request explains this one. */
    int64_t window_ns = x->c ? x->c->request_timeout_ns : 0;
    for (size_t j = ex_lower_time(x, ix->drops, ix->drop_n, app->time_ns - window_ns);
         j < ix->drop_n; j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[ix->drops[j]];
        if (r->time_ns >= until_ns) break;
        if (r->kind == HIST_DROP && r->a == API_PRODUCE && (r->e & 1) && r->f == app->node &&
            r->time_ns >= app->time_ns - window_ns) {
            if (r->e & HIST_DROP_RETRANSMITTED)
                ex_add(t, "an earlier response on the same connection was lost%s at %s and held "
                          "this one behind it until TCP's retransmission, and the request "
                          "timeout closed the connection first",
                       ex_fault(x, r->b).s, ex_time(r->time_ns).s);
            else
                ex_add(t, "an earlier response on the same connection was dropped%s at %s, and "
                          "the request timeout closed the connection with this request in flight",
                       ex_fault(x, r->b).s, ex_time(r->time_ns).s);
            return;
        }
    }
    const history_rec *crash = ex_crash_between(x, app->node, app->time_ns, until_ns);
    if (crash) {
        ex_add(t, "%s %s at %s%s before the response reached the producer",
               ex_node(crash->node).s, ex_down_word(crash), ex_time(crash->time_ns).s,
               ex_fault(x, ex_fault_at(x, ex_index_of(x, crash))).s);
        return;
    }
    uint32_t fault = ex_fault_between(x, app->time_ns, until_ns);
    if (fault != UINT32_MAX) ex_add(t, "then%s began", ex_fault(x, fault).s);
}

/* How an attempt that no broker appended was lost. */
static void ex_request_fate(const ex_run *x, ex_text *t, const history_rec *sent,
                            int64_t until_ns) {
    const ex_index *ix = x->ix;
    for (size_t j = ex_lower_index(ix->drops, ix->drop_n, ex_index_of(x, sent)); j < ix->drop_n;
         j++) {
        (*x->work)++;
        const history_rec *r = &x->h->recs[ix->drops[j]];
        if (r->time_ns >= until_ns) break;
        if (r->kind == HIST_DROP && r->e == 0 && r->c >= 0 && (uint32_t)r->c == sent->a) {
            ex_add(t, "attempt %u to %s was dropped%s", sent->b, ex_node((node_id)sent->c).s,
                   ex_fault(x, r->b).s);
            return;
        }
    }
    const history_rec *crash = ex_crash_between(x, (node_id)sent->c, sent->time_ns, until_ns);
    if (crash)
        ex_add(t, "%s %s at %s%s before appending attempt %u", ex_node(crash->node).s,
               ex_down_word(crash), ex_time(crash->time_ns).s, ex_fault(x, ex_fault_at(x, ex_index_of(x, crash))).s,
               sent->b);
}

/* Why the producer tried again or gave up on an attempt. */
static void ex_retry_reason(const ex_run *x, ex_text *t, const history_rec *retry,
                            const history_rec *expire) {
    int64_t request_ns = x->c ? x->c->request_timeout_ns : 0;
    int64_t delivery_ns = x->c ? x->c->delivery_timeout_ns : 0;
    if (retry && retry->c == ERR_REQUEST_TIMED_OUT)
        ex_add(t, "the producer retried after request.timeout.ms (%s)", ex_time(request_ns).s);
    else if (retry && retry->c == ERR_NETWORK_EXCEPTION)
        ex_add(t, "the producer saw the connection close (NETWORK_EXCEPTION) and retried");
    else if (retry)
        ex_add(t, "the attempt failed with %s and the producer retried",
               proto_error_name(retry->c));
    else if (expire)
        ex_add(t, "the batch expired after delivery.timeout.ms (%s)%s", ex_time(delivery_ns).s,
               expire->b ? " while in flight" : "");
}

/* Tells what became of one attempt of a batch: where the leader appended it, how its answer
 * was lost, how the producer reacted. Returns the leader append, if any. */
static const history_rec *ex_attempt_fate(const ex_run *x, ex_text *t, uint32_t payload,
                                          uint32_t attempt) {
    const history_rec *sent = ex_find(x, 0, HIST_ATTEMPT, payload, attempt);
    size_t from = ex_index_of(x, sent);
    const history_rec *app = ex_find(x, from, HIST_APPEND, payload, attempt);
    const history_rec *retry = ex_find(x, from, HIST_RETRY, payload, attempt);
    const history_rec *expire = ex_find(x, from, HIST_EXPIRE, payload, 0);
    int64_t until_ns = retry ? retry->time_ns : expire ? expire->time_ns : INT64_MAX;
    if (app)
        ex_add(t, "attempt %u was appended at %s on %s at %s", attempt,
               ex_own(x, app->d, payload).s, ex_node(app->node).s, ex_time(app->time_ns).s);
    if (app) ex_response_fate(x, t, app, until_ns);
    else if (sent) ex_request_fate(x, t, sent, until_ns);
    ex_retry_reason(x, t, retry, expire);
    return app;
}

/* ---- Transactions --------------------------------------------------------------------------- */

/* A transactional run is judged as a consumer of each partition reads it (txn_checker.h): the
 * checker's anomalies are told on that view, and the transaction anomalies from what the
 * history says of each transaction: the application's begin and end (HIST_TXN_BEGIN/END),
 * its batches (HIST_TXN_BATCH), the coordinator's durable transitions and fences
 * (HIST_TXN_STATE/FENCE), the leaders' markers (HIST_MARKER) and the final logs. A transaction
 * is linked to the coordinator's by its producer id and epoch: its first PrepareCommit or
 * PrepareAbort at that epoch or above (a fence bumps it) after it began and before the next
 * transaction of that producer id began. */

/* A transaction anomaly kept for telling (a copy of the judge's witness). */
typedef struct ex_txn_item {
    txn_anomaly kind;
    uint32_t txn;          /* txn_stream index, TXN_NONE */
    uint32_t partition;    /* g, UINT32_MAX for a whole transaction */
    proto_batch batch;     /* the batch (aborted read, zombie write, hanging); zero otherwise */
    bool has_batch;
    uint64_t records;      /* records counted */
    int64_t fenced_ns;     /* zombie write: when its epoch was fenced */
} ex_txn_item;

typedef struct ex_txn {
    const txn_stream *ts;     /* the judge's transactions (borrowed) */
    bool read_committed;      /* the view judged */
    const checker_log *raw;   /* the final logs as written, by g (borrowed) */
    const checker_log *view;  /* the logs as the consumer reads them, by g (borrowed) */
    size_t partitions;        /* entries of raw and view */
    size_t *recs;             /* owned: history indices of the transactional kinds and of the
                               * producers' crashes and restarts, in history order */
    size_t rec_n;
    size_t *begin_at;         /* owned: per transaction, the place in recs of its
                               * HIST_TXN_BEGIN, SIZE_MAX when it has none */
    ex_txn_item *items;       /* owned: kept anomalies, at most limit per kind */
    size_t count;
    int limit;
    uint64_t kept[TXN_ANOMALY_COUNT];
    uint64_t total[TXN_ANOMALY_COUNT];
} ex_txn;

/* The judge's visitor: keeps the first limit anomalies of each kind. */
static void ex_txn_collect(void *ctx, const txn_witness *w) {
    ex_txn *tx = ctx;
    tx->total[w->kind]++;
    if (tx->kept[w->kind] >= (uint64_t)tx->limit) return;
    tx->kept[w->kind]++;
    ex_txn_item *it = &tx->items[tx->count++];
    *it = (ex_txn_item){.kind = w->kind, .txn = w->txn, .partition = w->partition,
                        .has_batch = w->batch != NULL, .records = w->records,
                        .fenced_ns = w->fenced_ns};
    if (w->batch) it->batch = *w->batch;
}

static const history_rec *ext_rec(const ex_run *x, size_t k) {
    (*x->work)++;
    return &x->h->recs[x->txn->recs[k]];
}

/* "orders-3". */
static ex_str ext_partition(const ex_run *x, uint32_t g) {
    ex_str t;
    snprintf(t.s, sizeof t.s, "%u", g);
    if (x->c) {
        fault_world w;
        fault_world_of(x->c, &w);
        w.partition_name(w.ctx, (int)g, t.s, sizeof t.s);
    }
    return t;
}

/* The place in recs of transaction t's HIST_TXN_BEGIN, SIZE_MAX when it has none. */
static size_t ext_begin_at(const ex_run *x, const txn_entry *t) {
    size_t i = (size_t)(t - txn_stream_txn(x->txn->ts, 0));
    return x->txn->begin_at ? x->txn->begin_at[i] : SIZE_MAX;
}

/* The HIST_TXN_BEGIN of transaction t, or NULL. */
static const history_rec *ext_begin(const ex_run *x, const txn_entry *t) {
    size_t k = ext_begin_at(x, t);
    return k == SIZE_MAX ? NULL : ext_rec(x, k);
}

/* The places in recs where transaction t's own records (its batches and ends) can be: from its
 * begin to its producer's next begin (a producer runs one transaction at a time, and a new
 * instance begins after the old one's end was recorded); all of recs when it has no begin. */
static void ext_span(const ex_run *x, const txn_entry *t, size_t *from, size_t *to) {
    size_t k = ext_begin_at(x, t);
    *from = k == SIZE_MAX ? 0 : k;
    *to = x->txn->rec_n;
    if (k == SIZE_MAX) return;
    for (size_t j = k + 1; j < x->txn->rec_n; j++) {
        const history_rec *r = ext_rec(x, j);
        if (r->kind == HIST_TXN_BEGIN && r->node == t->producer) {
            *to = j;
            return;
        }
    }
}

/* "transaction 2 of producer-2 (producer id 2000000, epoch 0)". */
static ex_str ext_name(const ex_run *x, uint32_t txn) {
    ex_str t;
    const txn_entry *e = txn_stream_txn(x->txn->ts, txn);
    if (!e) {
        snprintf(t.s, sizeof t.s, "a transaction the application never began");
        return t;
    }
    char name[16];
    node_name_of(e->producer, x->producers, name, sizeof name);
    const history_rec *b = ext_begin(x, e);
    if (b)
        snprintf(t.s, sizeof t.s, "transaction %u of %s (producer id %u, epoch %d)", e->number,
                 name, b->f, (int)b->e);
    else snprintf(t.s, sizeof t.s, "transaction %u of %s", e->number, name);
    return t;
}

/* The crash or restart of producer node at time_ns (an instance ending), or NULL. */
static const history_rec *ext_producer_down(const ex_run *x, node_id node, int64_t time_ns) {
    for (size_t k = 0; k < x->txn->rec_n; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->time_ns > time_ns) break;
        if (r->kind == HIST_CRASH && r->node == node && r->time_ns == time_ns) return r;
    }
    return NULL;
}

/* What the application was told of transaction t (HIST_TXN_END), as one clause. */
static void ext_outcome(const ex_run *x, ex_text *out, const txn_entry *t) {
    const history_rec *commit = NULL, *abort = NULL, *ok = NULL;
    size_t from, to;
    ext_span(x, t, &from, &to);
    for (size_t k = from; k < to; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->kind != HIST_TXN_END || r->node != t->producer || r->a != t->number) continue;
        if (r->c == ERR_NONE && !ok) ok = r;
        if (r->b == 1) commit = r;
        else abort = r;
    }
    if (t->committed && ok) {
        ex_add(out, "the application was told it committed at %s", ex_time(ok->time_ns).s);
    } else if (commit && commit->c == ERR_CLIENT_PRODUCER_CLOSED) {
        const history_rec *down = ext_producer_down(x, t->producer, commit->time_ns);
        uint32_t fault = ex_fault_at(x, ex_index_of(x, commit));
        if (down)
            ex_add(out, "the application had called commitTransaction when the producer %s at "
                        "%s%s, before the answer: commitTransaction ended PRODUCER_CLOSED, and "
                        "the application never learned the outcome",
                   down->a == 0 ? "restarted" : ex_down_word(down), ex_time(down->time_ns).s,
                   ex_fault(x, fault).s);
        else if (fault != UINT32_MAX) /* restart producer: no crash, a new instance */
            ex_add(out, "the application had called commitTransaction when the producer was "
                        "restarted at %s%s, before the answer: commitTransaction ended "
                        "PRODUCER_CLOSED, and the application never learned the outcome",
                   ex_time(commit->time_ns).s, ex_fault(x, fault).s);
        else
            ex_add(out, "commitTransaction ended PRODUCER_CLOSED at %s, before the answer: the "
                        "application never learned the outcome",
                   ex_time(commit->time_ns).s);
    } else if (commit && t->aborted && ok) {
        ex_add(out, "commitTransaction failed with %s at %s and the application aborted it at %s",
               proto_error_name(commit->c), ex_time(commit->time_ns).s, ex_time(ok->time_ns).s);
    } else if (commit) {
        ex_add(out, "commitTransaction failed with %s at %s, which does not tell whether the "
                    "coordinator had the commit",
               proto_error_name(commit->c), ex_time(commit->time_ns).s);
    } else if (t->aborted && ok) {
        ex_add(out, "the application aborted it at %s", ex_time(ok->time_ns).s);
    } else if (abort && abort->c == ERR_CLIENT_PRODUCER_CLOSED) {
        ex_add(out, "its instance ended at %s before the application asked to commit it",
               ex_time(abort->time_ns).s);
    } else if (abort) {
        ex_add(out, "abortTransaction ended %s at %s", proto_error_name(abort->c),
               ex_time(abort->time_ns).s);
    } else {
        ex_add(out, "the application never asked to commit it");
    }
}

/* The coordinator's side of transaction t: its first Prepare* (*prepare, NULL when none), the
 * fence that began it, the Complete* after it; marker of producer id on partition g (all
 * partitions with UINT32_MAX: none told) after the prepare into *marker. */
typedef struct ext_coord {
    const history_rec *begin;    /* HIST_TXN_BEGIN */
    const history_rec *prepare;  /* PrepareCommit / PrepareAbort */
    const history_rec *fence;    /* the fence that wrote the PrepareAbort */
    const history_rec *complete; /* CompleteCommit / CompleteAbort */
    const history_rec *marker;   /* the first marker on the partition asked after prepare */
} ext_coord;

static bool ext_is_prepare(uint32_t state) {
    return state == TXN_PREPARE_COMMIT || state == TXN_PREPARE_ABORT;
}

static ext_coord ext_coordinator(const ex_run *x, const txn_entry *t, uint32_t g) {
    ext_coord co = {.begin = ext_begin(x, t)};
    if (!co.begin) return co;
    uint32_t pid = co.begin->f;
    for (size_t k = ext_begin_at(x, t); k < x->txn->rec_n; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->time_ns < co.begin->time_ns || r == co.begin || r->f != pid) continue;
        if (!co.prepare) {
            if (r->kind == HIST_TXN_BEGIN) break; /* the producer id's next transaction */
            if (r->kind == HIST_TXN_FENCE && r->e > co.begin->e) co.fence = r;
            if (r->kind == HIST_TXN_STATE && ext_is_prepare(r->b) && r->e >= co.begin->e)
                co.prepare = r;
            continue;
        }
        /* A fence's record follows its PrepareAbort (both when the write is durable). */
        if (!co.fence && r->kind == HIST_TXN_FENCE && r->e == co.prepare->e &&
            r->time_ns == co.prepare->time_ns)
            co.fence = r;
        bool commit = co.prepare->b == TXN_PREPARE_COMMIT;
        if (!co.complete && r->kind == HIST_TXN_STATE &&
            r->b == (commit ? TXN_COMPLETE_COMMIT : TXN_COMPLETE_ABORT))
            co.complete = r;
        if (!co.marker && r->kind == HIST_MARKER && r->partition == g) co.marker = r;
        if (co.complete && (co.marker || g == UINT32_MAX) &&
            r->time_ns > co.prepare->time_ns)
            break;
    }
    if (co.fence && (!co.prepare || co.prepare->e != co.fence->e)) co.fence = NULL;
    return co;
}

/* The coordinator's clauses: its fence, prepare, the marker on g, the completion. */
static void ext_coordinator_told(const ex_run *x, ex_text *out, const txn_entry *t,
                                 uint32_t g) {
    ext_coord co = ext_coordinator(x, t, g);
    if (!co.begin) return;
    if (!co.prepare) {
        ex_add(out, "the coordinator wrote no PrepareCommit or PrepareAbort for it");
        return;
    }
    if (co.fence)
        /* The transaction's own epoch: transaction version 2 of 4.0.0 bumps a fence twice. */
        ex_add(out, "the coordinator (%s) fenced epoch %d (%s) and wrote %s at %s",
               ex_node(co.fence->node).s, (int)co.begin->e,
               co.fence->b ? "transaction.timeout.ms had passed"
                           : "a new instance's InitProducerId",
               proto_txn_state_name((int)co.prepare->b), ex_time(co.prepare->time_ns).s);
    else if (x->c && x->c->transaction_version >= 2 && co.prepare->e != co.begin->e)
        ex_add(out, "the coordinator (%s) wrote %s at %s at epoch %d (transaction version 2: "
                    "every EndTxn bumps the epoch, the markers carry the new one and the "
                    "producer's next transaction uses it)",
               ex_node(co.prepare->node).s, proto_txn_state_name((int)co.prepare->b),
               ex_time(co.prepare->time_ns).s, (int)co.prepare->e);
    else
        ex_add(out, "the coordinator (%s) wrote %s at %s", ex_node(co.prepare->node).s,
               proto_txn_state_name((int)co.prepare->b), ex_time(co.prepare->time_ns).s);
    if (co.marker)
        ex_add(out, "%s wrote the %s marker at offset %lld of %s at %s",
               ex_node(co.marker->node).s, co.marker->a ? "COMMIT" : "ABORT",
               (long long)co.marker->d, ext_partition(x, g).s, ex_time(co.marker->time_ns).s);
    else if (g != UINT32_MAX)
        ex_add(out, "no marker of producer id %u reached %s after that", co.begin->f,
               ext_partition(x, g).s);
    if (co.complete)
        ex_add(out, "%s at %s", proto_txn_state_name((int)co.complete->b),
               ex_time(co.complete->time_ns).s);
}

/* The batch of payload in log lg (data, not a marker), or NULL. */
static const proto_batch *ext_in_log(const checker_log *lg, uint32_t payload) {
    for (size_t i = 0; i < lg->log_count; i++)
        if (!proto_batch_is_control(&lg->log[i]) && lg->log[i].payload == payload)
            return &lg->log[i];
    return NULL;
}

/* The first control batch of b's producer id after b in lg, or NULL. */
static const proto_batch *ext_marker_after(const checker_log *lg, const proto_batch *b) {
    for (size_t i = 0; i < lg->log_count; i++) {
        const proto_batch *m = &lg->log[i];
        if (m->base_offset > b->base_offset && proto_batch_is_control(m) &&
            m->producer_id == b->producer_id)
            return m;
    }
    return NULL;
}

/* Why a read_committed consumer of g stops at its last stable offset lso: the transaction
 * open there. */
static void ext_lso_reason(const ex_run *x, ex_text *out, uint32_t g, int64_t lso) {
    const checker_log *lg = &x->txn->raw[g];
    for (size_t i = 0; i < lg->log_count; i++) {
        const proto_batch *b = &lg->log[i];
        if (b->base_offset != lso || proto_batch_is_control(b)) continue;
        const proto_batch *m = ext_marker_after(lg, b);
        if (m)
            ex_add(out, "there the transaction of producer id %lld has its marker at offset "
                        "%lld, not below the high watermark %lld",
                   (long long)b->producer_id, (long long)m->base_offset,
                   (long long)lg->high_watermark);
        else
            ex_add(out, "there the transaction of producer id %lld opened and has no marker "
                        "(hanging)",
                   (long long)b->producer_id);
        return;
    }
}

/* How a batch appended by app on g left the logs: the first power loss of its leader after the
 * append, or the first truncation of g on that broker below its offset (a history walk from the
 * append, for one story). */
static void ext_gone(const ex_run *x, ex_text *out, const history_rec *app, uint32_t g) {
    for (size_t i = ex_index_of(x, app) + 1; i < x->h->count; i++) {
        const history_rec *r = &x->h->recs[i];
        (*x->work)++;
        if (r->kind == HIST_CRASH && r->node == app->node && r->a == 1 && r->b) {
            ex_add(out, "%s lost power at %s%s: acks come from the page cache, and a power loss "
                        "takes what no fsync (log.flush.interval.messages, a segment roll) nor "
                        "the OS's writeback had put on disk",
                   ex_node(r->node).s, ex_time(r->time_ns).s, ex_fault(x, ex_fault_at(x, i)).s);
            return;
        }
        if (r->kind == HIST_TRUNCATE && r->node == app->node && r->partition == g &&
            r->d <= app->d) {
            ex_add(out, "%s truncated its log to offset %lld at %s", ex_node(r->node).s,
                   (long long)r->d, ex_time(r->time_ns).s);
            return;
        }
    }
}

/* A batch of a committed transaction that a later marker closed as aborted: the COMMIT marker
 * its leader wrote on g is not in the final log (a power loss or a truncation took the marker
 * and left the batch), so the producer's next marker there, an ABORT, closed it
 * (ProducerStateManager: a marker ends whatever transaction of its producer id is open). */
static void ext_commit_marker_gone(const ex_run *x, ex_text *out, uint32_t payload, uint32_t g) {
    const txn_entry *t = txn_stream_txn(x->txn->ts, txn_stream_txn_of(x->txn->ts, payload));
    if (!t) return;
    ext_coord co = ext_coordinator(x, t, g);
    if (!co.prepare || co.prepare->b != TXN_PREPARE_COMMIT || !co.marker || co.marker->a != 1)
        return;
    const checker_log *lg = &x->txn->raw[g];
    for (size_t i = 0; i < lg->log_count; i++) {
        const proto_batch *c = &lg->log[i];
        if (c->base_offset == co.marker->d && proto_batch_is_control(c) &&
            (c->flags & PROTO_BATCH_COMMIT))
            return; /* the marker is there: some other story */
    }
    ex_add(out, "its COMMIT marker, written by %s at offset %lld at %s, is not in the final log",
           ex_node(co.marker->node).s, (long long)co.marker->d, ex_time(co.marker->time_ns).s);
    ext_gone(x, out, co.marker, g);
}

/* Why the batch of payload, on g, is not in the view. */
static void ext_missing(const ex_run *x, ex_text *out, uint32_t payload, uint32_t g) {
    const checker_log *lg = &x->txn->raw[g];
    const proto_batch *b = ext_in_log(lg, payload);
    ex_str part = ext_partition(x, g);
    if (!b) {
        const history_rec *app = ex_find(x, 0, HIST_APPEND, payload, 0);
        const history_rec *retry = ex_find(x, 0, HIST_RETRY, payload, 0);
        const history_rec *expire = ex_find(x, 0, HIST_EXPIRE, payload, 0);
        if (app) {
            ex_add(out, "its batch on %s (%s) was appended by %s at %s and is not in the final "
                        "log",
                   part.s, ex_records(x->p, payload).s, ex_node(app->node).s,
                   ex_time(app->time_ns).s);
            ext_gone(x, out, app, g);
        }
        else if (retry || expire)
            ex_add(out, "its batch on %s (%s) was never appended (%s)", part.s,
                   ex_records(x->p, payload).s,
                   expire ? "it expired after delivery.timeout.ms" : proto_error_name(retry->c));
        else
            ex_add(out, "its batch on %s (%s) was never appended", part.s,
                   ex_records(x->p, payload).s);
        return;
    }
    int64_t lso = txn_last_stable_offset(lg->log, lg->log_count, lg->high_watermark, NULL);
    if (b->base_offset >= lg->high_watermark) {
        ex_add(out, "its batch on %s (%s) is at offset %lld, above the high watermark %lld",
               part.s, ex_records(x->p, payload).s, (long long)b->base_offset,
               (long long)lg->high_watermark);
    } else if (x->txn->read_committed && b->base_offset >= lso) {
        ex_add(out, "its batch on %s (%s) is at offset %lld, at or above the last stable offset "
                    "%lld, where a read_committed consumer stops",
               part.s, ex_records(x->p, payload).s, (long long)b->base_offset, (long long)lso);
        ext_lso_reason(x, out, g, lso);
    } else {
        const proto_batch *m = ext_marker_after(lg, b);
        if (m)
            ex_add(out, "its batch on %s (%s) at offset %lld was aborted by the ABORT marker at "
                        "offset %lld",
                   part.s, ex_records(x->p, payload).s, (long long)b->base_offset,
                   (long long)m->base_offset);
        else
            ex_add(out, "its batch on %s (%s) at offset %lld was aborted", part.s,
                   ex_records(x->p, payload).s, (long long)b->base_offset);
        ext_commit_marker_gone(x, out, payload, g);
    }
}

/* Each batch of transaction txn: read where, or why not. */
static void ext_batches(const ex_run *x, ex_text *out, uint32_t txn) {
    const txn_entry *t = txn_stream_txn(x->txn->ts, txn);
    if (!t) return;
    size_t from, to;
    ext_span(x, t, &from, &to);
    for (size_t k = from; k < to; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->kind != HIST_TXN_BATCH || r->node != t->producer || r->b != t->number) continue;
        if (txn_stream_txn_of(x->txn->ts, r->a) != txn) continue; /* another's payload */
        uint32_t g = r->partition;
        if (g >= x->txn->partitions) continue;
        const proto_batch *v = ext_in_log(&x->txn->view[g], r->a);
        if (v)
            ex_add(out, "its batch on %s (%s) is read at offset %lld",
                   ext_partition(x, g).s, ex_records(x->p, r->a).s, (long long)v->base_offset);
        else
            ext_missing(x, out, r->a, g);
    }
}

/* Why a read_committed consumer returned batch b of g: the marker that closed it. */
static void ext_visible(const ex_run *x, ex_text *out, uint32_t g, const proto_batch *b) {
    if (!x->txn->read_committed) {
        ex_add(out, "isolation.level=read_uncommitted (Kafka's default) returns every record "
                    "below the high watermark, those of aborted and open transactions included; "
                    "a read_committed consumer would skip them");
        return;
    }
    const proto_batch *m = ext_marker_after(&x->txn->raw[g], b);
    if (m && (m->flags & PROTO_BATCH_COMMIT))
        ex_add(out, "the first marker of producer id %lld after them on %s is a COMMIT (offset "
                    "%lld, epoch %d), and read_committed returns what a COMMIT marker closes",
               (long long)b->producer_id, ext_partition(x, g).s, (long long)m->base_offset,
               (int)m->producer_epoch);
    else if (m)
        ex_add(out, "the marker after them on %s is an ABORT (offset %lld)",
               ext_partition(x, g).s, (long long)m->base_offset);
}

/* "records 20..29 ... (aborted_read, offsets 20..29 of orders-0)": the batch's own range. */
static ex_str ext_offsets(const ex_run *x, const ex_txn_item *it) {
    ex_str t;
    snprintf(t.s, sizeof t.s, "offsets %lld..%lld of %.40s", (long long)it->batch.base_offset,
             (long long)proto_batch_last_offset(&it->batch), ext_partition(x, it->partition).s);
    return t;
}

/* The leader's append of the copy of payload at offset (the last one there), or NULL. */
static const history_rec *ext_append_at(const ex_run *x, uint32_t payload, int64_t offset) {
    const history_rec *app = NULL;
    for (const history_rec *r = ex_find(x, 0, HIST_APPEND, payload, 0); r;
         r = ex_find(x, ex_index_of(x, r) + 1, HIST_APPEND, payload, 0))
        if (r->d == offset) app = r;
    return app;
}

/* The marker of transaction t on g when the leader's append app came after it (a late write),
 * else NULL. */
static const history_rec *ext_late(const ex_run *x, const txn_entry *t, uint32_t g,
                                   const history_rec *app) {
    if (!app || !t) return NULL;
    ext_coord co = ext_coordinator(x, t, g);
    return co.marker && co.marker->time_ns < app->time_ns ? co.marker : NULL;
}

/* Tells when the copy of batch b on g was appended (app), and, when that came after its own
 * transaction's marker there, that it was a late write (its attempt sent before the marker).
 * Returns true for a late write. */
static bool ext_appended(const ex_run *x, ex_text *out, const txn_entry *t, uint32_t g,
                         const proto_batch *b, const history_rec *app) {
    if (!app) return false;
    ext_coord co = t ? ext_coordinator(x, t, g) : (ext_coord){0};
    if (!co.marker || co.marker->time_ns >= app->time_ns) {
        ex_add(out, "%s appended them at %s", ex_node(app->node).s, ex_time(app->time_ns).s);
        return false;
    }
    const history_rec *sent = ex_find(x, 0, HIST_ATTEMPT, b->payload, b->attempt);
    ex_add(out, "%s appended them at %s (attempt %u%s%s), after that %s marker: a late write, "
                "which opened a new transaction of producer id %lld on %s",
           ex_node(app->node).s, ex_time(app->time_ns).s, (unsigned)b->attempt,
           sent ? ", sent at " : "", sent ? ex_time(sent->time_ns).s : "",
           co.marker->a ? "COMMIT" : "ABORT", (long long)b->producer_id, ext_partition(x, g).s);
    return true;
}

static void ext_aborted_read(const ex_run *x, ex_text *out, const ex_txn_item *it) {
    const txn_entry *t = txn_stream_txn(x->txn->ts, it->txn);
    explain_text_head(out, "%s read, though %s never committed (aborted_read, %s): ",
            ex_records(x->p, it->batch.payload).s, ext_name(x, it->txn).s, ext_offsets(x, it).s);
    if (!t) return;
    ext_outcome(x, out, t);
    ext_coordinator_told(x, out, t, it->partition);
    ext_appended(x, out, t, it->partition, &it->batch,
                 ext_append_at(x, it->batch.payload, it->batch.base_offset));
    ext_visible(x, out, it->partition, &it->batch);
}

static void ext_zombie(const ex_run *x, ex_text *out, const ex_txn_item *it) {
    explain_text_head(out, "%s of a fenced epoch read (zombie_writes, %s): ",
            ex_records(x->p, it->batch.payload).s, ext_offsets(x, it).s);
    ex_add(out, "they are of %s", ext_name(x, it->txn).s);
    const history_rec *fence = NULL;
    for (size_t k = 0; k < x->txn->rec_n && !fence; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->kind == HIST_TXN_FENCE && r->time_ns == it->fenced_ns &&
            r->f == (uint32_t)it->batch.producer_id)
            fence = r;
    }
    if (fence)
        ex_add(out, "the coordinator (%s) fenced producer id %u below epoch %d at %s (%s)",
               ex_node(fence->node).s, fence->f, (int)fence->e, ex_time(fence->time_ns).s,
               fence->b ? "transaction.timeout.ms had passed" : "a new instance's InitProducerId");
    /* The leader's append of this copy: the last one at its offset. */
    const history_rec *app = NULL;
    for (const history_rec *r = ex_find(x, 0, HIST_APPEND, it->batch.payload, 0); r;
         r = ex_find(x, ex_index_of(x, r) + 1, HIST_APPEND, it->batch.payload, 0))
        if (r->d == it->batch.base_offset) app = r;
    if (app)
        ex_add(out, "%s appended them at epoch %d at %s, after the fence: its producer state "
                    "had not seen the new epoch",
               ex_node(app->node).s, (int)it->batch.producer_epoch, ex_time(app->time_ns).s);
    ext_visible(x, out, it->partition, &it->batch);
}

static void ext_hanging(const ex_run *x, ex_text *out, const ex_txn_item *it) {
    ex_str part = ext_partition(x, it->partition);
    explain_text_head(out, "a transaction of producer id %lld open on %s since offset %lld, never closed "
                 "(hanging_transactions): ",
            (long long)it->batch.producer_id, part.s, (long long)it->batch.base_offset);
    if (!it->has_batch) return;
    const txn_entry *t = txn_stream_txn(x->txn->ts, it->txn);
    ex_add(out, "%s there %s %s", ex_records(x->p, it->batch.payload).s,
           t ? "are of" : "belong to", ext_name(x, it->txn).s);
    if (t) ext_coordinator_told(x, out, t, it->partition);
    const history_rec *app = ex_find(x, 0, HIST_APPEND, it->batch.payload, 0);
    for (const history_rec *r = app; r;
         r = ex_find(x, ex_index_of(x, r) + 1, HIST_APPEND, it->batch.payload, 0))
        if (r->d == it->batch.base_offset) app = r;
    /* A marker of that producer id on this partition before the append: the late write. */
    const history_rec *before = NULL;
    for (size_t k = 0; app && k < x->txn->rec_n; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->time_ns > app->time_ns) break;
        if (r->kind == HIST_MARKER && r->partition == it->partition &&
            r->f == (uint32_t)it->batch.producer_id)
            before = r;
    }
    if (app && before)
        ex_add(out, "%s appended them at %s, after the %s marker at offset %lld: the late batch "
                    "opened a new transaction there that no coordinator knows of and no marker "
                    "closes",
               ex_node(app->node).s, ex_time(app->time_ns).s, before->a ? "COMMIT" : "ABORT",
               (long long)before->d);
    else if (app)
        ex_add(out, "%s appended them at %s", ex_node(app->node).s, ex_time(app->time_ns).s);
    ex_add(out, "the last stable offset of %s stays at %lld: a read_committed consumer reads "
                "nothing there from that offset on",
           part.s, (long long)it->batch.base_offset);
    if (x->c && x->c->kafka_version < 30600) {
        char v[16];
        config_version_string(x->c->kafka_version, v, sizeof v);
        ex_add(out, "kafka.version=%s predates partition verification (KIP-890 part 1, 3.6), "
                    "which makes the leader ask the coordinator before it takes a producer's "
                    "first transactional batch",
               v);
    } else if (x->c && !x->c->transaction_verification && x->c->transaction_version < 2) {
        ex_add(out, "transaction.partition.verification.enable=false: the leader did not ask the "
                    "coordinator (KIP-890 part 1) before it took a producer's first "
                    "transactional batch");
    }
}

static void ext_whole(const ex_run *x, ex_text *out, const ex_txn_item *it) {
    const txn_entry *t = txn_stream_txn(x->txn->ts, it->txn);
    if (it->kind == TXN_LOST_COMMIT)
        explain_text_head(out, "%s committed but not read whole (lost_commits): ", ext_name(x, it->txn).s);
    else
        explain_text_head(out, "%s read in part (atomicity_violations): ", ext_name(x, it->txn).s);
    if (!t) return;
    ext_outcome(x, out, t);
    ext_coordinator_told(x, out, t, UINT32_MAX);
    ext_batches(x, out, it->txn);
}

/* The chain of one transaction anomaly, into out. */
static void ext_tell(const ex_run *x, const ex_txn_item *it, ex_text *out) {
    out->len = 0;
    out->clauses = 0;
    out->buf[0] = 0;
    switch (it->kind) {
    case TXN_ABORTED_READ: ext_aborted_read(x, out, it); break;
    case TXN_ZOMBIE_WRITE: ext_zombie(x, out, it); break;
    case TXN_HANGING: ext_hanging(x, out, it); break;
    case TXN_ATOMICITY:
    case TXN_LOST_COMMIT: ext_whole(x, out, it); break;
    default: return;
    }
    if (out->clauses == 0) ex_add(out, "the history holds nothing more about it");
}

static const txn_anomaly ext_order[] = {TXN_LOST_COMMIT, TXN_ATOMICITY, TXN_ABORTED_READ,
                                        TXN_ZOMBIE_WRITE, TXN_HANGING};

/* A lost write of a transactional view: a record of a committed transaction that the consumer
 * does not read; the transaction and why its batch is not in the view. False when record is of
 * no committed transaction. */
static bool ext_lost(const ex_run *x, ex_text *t, uint32_t record) {
    if (!x->txn) return false;
    for (size_t k = 0; k < x->txn->rec_n; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->kind != HIST_TXN_BATCH || ex_index_in(x->p, r->a, record) < 0) continue;
        uint32_t txn = txn_stream_txn_of(x->txn->ts, r->a);
        const txn_entry *e = txn_stream_txn(x->txn->ts, txn);
        if (!e || !e->committed || r->partition >= x->txn->partitions) continue;
        ex_add(t, "%s of %s", x->group_n > 1 ? "they are" : "it is", ext_name(x, txn).s);
        ext_outcome(x, t, e);
        ext_missing(x, t, r->a, r->partition);
        return true;
    }
    return false;
}

/* True when transaction t's instance ended unanswered (a restart or crash of its producer). */
static bool ext_instance_ended(const ex_run *x, const txn_entry *t) {
    size_t from, to;
    ext_span(x, t, &from, &to);
    for (size_t k = from; k < to; k++) {
        const history_rec *r = ext_rec(x, k);
        if (r->kind == HIST_TXN_END && r->node == t->producer && r->a == t->number &&
            r->c == ERR_CLIENT_PRODUCER_CLOSED)
            return true;
    }
    return false;
}

/* A duplicate on a transactional view whose two copies are of two transactions (the first
 * copy a and the second b, in the log of the partition told): each transaction's fate, and
 * why both came through. False when the copies are not of two transactions. */
static bool ext_duplicate(const ex_run *x, ex_text *t, const proto_batch *a,
                          const proto_batch *b) {
    if (!x->txn) return false;
    const txn_stream *ts = x->txn->ts;
    uint32_t ta = txn_stream_txn_of(ts, a->payload), tb = txn_stream_txn_of(ts, b->payload);
    if (ta == TXN_NONE || tb == TXN_NONE || ta == tb) return false;
    const txn_entry *ea = txn_stream_txn(ts, ta), *eb = txn_stream_txn(ts, tb);
    uint32_t g = x->partition < 0 ? 0 : (uint32_t)x->partition;
    const history_rec *app1 = ext_append_at(x, a->payload, a->base_offset);
    const history_rec *app2 = ext_append_at(x, b->payload, b->base_offset);
    bool late = ext_late(x, ea, g, app1) != NULL;
    ex_add(t, "the first copy, at %s%s%s%s%s, is of %s", ex_own(x, a->base_offset, a->payload).s,
           app1 && !late ? " on " : "", app1 && !late ? ex_node(app1->node).s : "",
           app1 && !late ? " at " : "", app1 && !late ? ex_time(app1->time_ns).s : "",
           ext_name(x, ta).s);
    ext_outcome(x, t, ea);
    ext_coordinator_told(x, t, ea, g);
    ext_coord co = ext_coordinator(x, ea, g);
    if (!ea->committed && co.prepare && co.prepare->b == TXN_PREPARE_COMMIT)
        ex_add(t, "so transaction %u committed, and the application was not told", ea->number);
    if (late) ext_appended(x, t, ea, g, a, app1);
    const history_rec *begin_a = co.begin, *begin_b = ext_begin(x, eb);
    bool bumped = begin_a && begin_b && begin_a->f == begin_b->f && begin_a->e != begin_b->e;
    if (ext_instance_ended(x, ea))
        ex_add(t, "the application sent %s again in %s, the new instance's: its "
                  "initTransactions bumped the epoch, which fences the old instance's writes, "
                  "not the application's resend",
               ex_it(x), ext_name(x, tb).s);
    else if (bumped && x->c && x->c->transaction_version >= 2)
        ex_add(t, "the application sent %s again in %s, at the epoch the coordinator bumped "
                  "when the transaction ended (transaction version 2)",
               ex_it(x), ext_name(x, tb).s);
    else if (bumped)
        ex_add(t, "the application sent %s again in %s, after the producer bumped its epoch "
                  "(InitProducerId after the abort, KIP-360)",
               ex_it(x), ext_name(x, tb).s);
    else
        ex_add(t, "the application sent %s again in %s", ex_it(x), ext_name(x, tb).s);
    ext_outcome(x, t, eb);
    ex_add(t, "%s appended %s again at %s", app2 ? ex_node(app2->node).s : "the leader",
           ex_it(x), ex_own(x, b->base_offset, b->payload).s);
    const proto_batch *m = late ? ext_marker_after(&x->txn->raw[g], a) : NULL;
    if (!x->txn->read_committed)
        ex_add(t, "read_uncommitted returns both copies whatever their transactions' fate");
    else if (m && (m->flags & PROTO_BATCH_COMMIT))
        ex_add(t, "the COMMIT marker at offset %lld (epoch %d) closed the late copy together with "
                  "the resend, so a read_committed consumer reads both",
               (long long)m->base_offset, (int)m->producer_epoch);
    else
        ex_add(t, "each copy came through the COMMIT marker of its own transaction, so a "
                  "read_committed consumer reads both: a transaction makes one attempt's records "
                  "all or nothing, and a resend is new records in a new transaction");
    return true;
}

/* ---- Duplicates --------------------------------------------------------------------------- */

/* Why the leader appended the same batch a second time instead of answering from its
 * producer state (ProducerStateManager: the last 5 batches per producer id and epoch). */
static void ex_dedup_miss(const ex_run *x, ex_text *t, const ex_copy *first,
                          const ex_copy *again, const history_rec *app2) {
    const proto_batch *a = first->batch, *b = again->batch;
    ex_str node = app2 ? ex_node(app2->node) : (ex_str){"the leader"};
    ex_str offset = ex_own(x, b->base_offset, b->payload);
    if (b->producer_id == PROTO_NO_PRODUCER_ID) {
        ex_add(t, "idempotence is off, so %s appended %s again at %s", node.s, ex_it(x),
               offset.s);
    } else if (a->producer_id != b->producer_id) {
        ex_add(t, "the second copy came from a new producer session (producer id %lld), which "
                  "idempotence cannot relate to the first, so %s appended %s again at %s",
               (long long)b->producer_id, node.s, ex_it(x), offset.s);
    } else if (a->producer_epoch != b->producer_epoch) {
        ex_add(t, "the producer had bumped its epoch to %d, which restarts sequence numbers, "
                  "so %s took attempt %u (sequence %d) for new records and appended %s again "
                  "at %s",
               (int)b->producer_epoch, node.s, (unsigned)b->attempt, (int)b->base_sequence,
               ex_it(x), offset.s);
    } else {
        const history_rec *crash =
            app2 ? ex_crash_between(x, app2->node, 0, app2->time_ns) : NULL;
        ex_add(t, "%s%s had no record of the first append in its producer state (it keeps the "
                  "last 5 batches per producer, and a restart reloads a snapshot), so it "
                  "appended attempt %u again at %s",
               node.s,
               !crash                        ? ""
               : crash->a == HIST_STOPPED    ? " (which had stopped and restarted)"
                                             : " (which had crashed and restarted)",
               (unsigned)b->attempt, offset.s);
    }
}

/* The first failed callback of record (the application's view), or NULL. */
static const history_rec *ex_failed_callback(const ex_run *x, uint32_t record) {
    const ex_keys *f = &x->ix->failed_cb;
    size_t j = ex_lower(f, record, 0);
    (*x->work)++;
    if (j == f->n || f->v[j].key != record) return NULL;
    return &x->h->recs[f->v[j].pos];
}

/* "the application was told it failed (DELIVERY_TIMEOUT at 52.050 ms) and sent it again": cb
 * is the first record's failed callback; for several records the time spans theirs. */
static void ex_told_failed(const ex_run *x, ex_text *t, const history_rec *cb) {
    int64_t lo = cb->time_ns, hi = cb->time_ns;
    for (size_t i = 1; i < x->group_n && !x->sketch; i++) {
        const history_rec *other = ex_failed_callback(x, x->group[i]);
        if (!other) continue;
        if (other->time_ns < lo) lo = other->time_ns;
        if (other->time_ns > hi) hi = other->time_ns;
    }
    const char *they = x->group_n > 1 ? "they" : "it";
    if (x->sketch)
        ex_add(t, "the application was told %s failed (%s) and sent %s again", they,
               proto_error_name(cb->c), ex_it(x));
    else if (lo == hi)
        ex_add(t, "the application was told %s failed (%s at %s) and sent %s again", they,
               proto_error_name(cb->c), ex_time(lo).s, ex_it(x));
    else
        ex_add(t, "the application was told %s failed (%s between %s and %s) and sent %s again",
               they, proto_error_name(cb->c), ex_time(lo).s, ex_time(hi).s, ex_it(x));
}

static void ex_duplicate(const ex_run *x, ex_text *t, uint32_t record) {
    ex_copy copies[EXPLAIN_COPIES_MAX];
    int n = ex_copies(x, record, copies, EXPLAIN_COPIES_MAX);
    explain_text_head(t, "%s duplicated (Jepsen: duplicate, %d committed copies%s): ", ex_subject(x).s, n,
            x->group_n > 1 ? " each" : "");
    if (n < 2) return;
    const proto_batch *a = copies[0].batch, *b = copies[1].batch;
    if (ext_duplicate(x, t, a, b)) return;
    ex_attempt_fate(x, t, a->payload, a->attempt);
    const history_rec *app2 = ex_find(x, 0, HIST_APPEND, b->payload, b->attempt);
    if (a->payload == b->payload) {
        ex_dedup_miss(x, t, &copies[0], &copies[1], app2);
        return;
    }
    const history_rec *cb = ex_failed_callback(x, record);
    if (cb) ex_told_failed(x, t, cb);
    else ex_add(t, "the application sent %s again", ex_it(x));
    ex_add(t, "a resend is a new record to the producer (idempotence deduplicates retries "
              "within one producer session, never resends), so %s appended %s again at %s",
           app2 ? ex_node(app2->node).s : "the leader", ex_it(x),
           ex_own(x, b->base_offset, b->payload).s);
}

/* ---- Reorderings -------------------------------------------------------------------------- */

typedef struct ex_max_at {
    const int64_t *prefix_max;
    uint32_t record;
} ex_max_at;

static bool ex_max_before(const void *ctx, size_t i) {
    const ex_max_at *q = ctx;
    return q->prefix_max[i] <= (int64_t)q->record;
}

/* The first committed batch before late that holds an id larger than record. */
static const proto_batch *ex_overtaker(const ex_run *x, const proto_batch *late,
                                       uint32_t record) {
    /* The prefix maxima rise with the log: the first batch whose maximum passes record. */
    size_t n = (size_t)(late - x->in->log);
    if (x->producers > 1) {
        /* Order is per producer: the first batch of late's producer holding a larger id (a
         * walk, taken only in a world of several producers). */
        for (size_t i = 0; i < n; i++) {
            const proto_batch *b = &x->in->log[i];
            (*x->work)++;
            if (b->producer != late->producer || !x->p || b->payload >= x->p->count ||
                proto_batch_is_control(b))
                continue;
            proto_ids ids = proto_payload_ids(x->p, b->payload);
            for (uint32_t k = 0; k < ids.n; k++)
                if (proto_ids_at(&ids, k) > record) return b;
        }
        return NULL;
    }
    size_t i = ex_lower_bound(n, ex_max_before, &(ex_max_at){x->ix->prefix_max, record}, x->work);
    return i < n ? &x->in->log[i] : NULL;
}

/* Why nothing kept the later batch behind the retried one. */
static void ex_order_rule(const ex_run *x, ex_text *t, const proto_batch *early,
                          const proto_batch *late, bool resent) {
    int in_flight = x->c ? x->c->max_in_flight : 0;
    if (resent)
        ex_add(t, "the resend made %s new %s, sent after the larger ids, so the leader "
                  "appended %s after those: idempotence keeps a producer's retries in order, not "
                  "the application's resends",
               x->group_n > 1 ? "them" : "it a", x->group_n > 1 ? "records" : "record", ex_it(x));
    else if (late->producer_id == PROTO_NO_PRODUCER_ID)
        ex_add(t, "max.in.flight.requests.per.connection=%d and idempotence is off, so nothing "
                  "held the later batch back",
               in_flight);
    else if (early->producer_id != late->producer_id)
        ex_add(t, "the two batches came from different producer sessions (producer ids %lld "
                  "and %lld), whose sequence numbers are unrelated",
               (long long)early->producer_id, (long long)late->producer_id);
    else if (early->producer_epoch != late->producer_epoch)
        ex_add(t, "idempotence is on, but the retry carried epoch %d after an epoch bump "
                  "restarted sequence numbers, so the broker took it as new",
               (int)late->producer_epoch);
    else
        ex_add(t, "idempotence is on (max.in.flight.requests.per.connection=%d), yet the "
                  "broker accepted the batches out of sequence order",
               in_flight);
}

static void ex_reordered(const ex_run *x, ex_text *t, uint32_t record) {
    ex_copy copies[1];
    explain_text_head(t, "%s reordered (Jepsen: nonmonotonic-send): ", ex_subject(x).s);
    if (ex_copies(x, record, copies, 1) < 1) return;
    const proto_batch *late = copies[0].batch;
    const proto_batch *early = ex_overtaker(x, late, record);
    bool resent = false;
    ex_add(t, "%s in the batch with %s", ex_it_was(x), ex_records(x->p, late->payload).s);
    if (late->attempt > 1) {
        ex_attempt_fate(x, t, late->payload, 1);
    } else {
        const history_rec *cb = ex_failed_callback(x, record);
        resent = cb != NULL;
        if (cb) ex_told_failed(x, t, cb);
    }
    if (!early) return;
    const history_rec *app_e = ex_find(x, 0, HIST_APPEND, early->payload, early->attempt);
    const history_rec *app_l = ex_find(x, 0, HIST_APPEND, late->payload, late->attempt);
    ex_add(t, "the batch with %s (attempt %u) was appended at offset %lld first%s%s",
           ex_records(x->p, early->payload).s, (unsigned)early->attempt,
           (long long)early->base_offset, app_e ? ", at " : "",
           app_e ? ex_time(app_e->time_ns).s : "");
    ex_add(t, "the %s of %s landed at %s%s%s", late->attempt > 1 ? "retry" : "resend",
           ex_subject(x).s, ex_own(x, late->base_offset, late->payload).s, app_l ? ", at " : "",
           app_l ? ex_time(app_l->time_ns).s : "");
    ex_order_rule(x, t, early, late, resent);
}

/* ---- Lost acknowledged writes ------------------------------------------------------------- */

/* What the scan of a lost record's history knows so far. */
typedef struct ex_trail {
    uint32_t record;            /* the lost record */
    int64_t holds[NODES_MAX];   /* per broker: the record's offset in its log, -1 if absent */
    bool crashed[NODES_MAX];    /* the broker is down */
    bool restarted[NODES_MAX];  /* the broker came back after a crash */
    broker_set seen;            /* replicas: brokers that appended or were in an ISR */
    bool appended;              /* some broker appended the record */
    bool hw_said;               /* the commit was told */
    bool unclean;               /* an unclean election happened after the append */
    bool power_lost;            /* a broker holding the record lost power after the append */
    int64_t ack_ns;             /* when the application was told it succeeded */
} ex_trail;

/* "1,2,3" for a set of brokers. */
static ex_str ex_isr(broker_set isr) {
    ex_str t;
    size_t used = 0;
    t.s[0] = 0;
    for (int b = 1; b <= PROTO_BROKERS_MAX && used < sizeof t.s; b++)
        if (broker_set_has(isr, b))
            used += (size_t)snprintf(t.s + used, sizeof t.s - used, "%s%d", used ? "," : "", b);
    return t;
}

/* " before broker-2 and broker-3 fetched it": live replicas without the record. */
static void ex_trail_missing(const ex_run *x, const ex_trail *tr, char *buf, size_t len) {
    size_t used = 0;
    int count = 0;
    buf[0] = 0;
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++) {
        if (!broker_set_has(tr->seen, b) || tr->crashed[b] || tr->holds[b] >= 0) continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s", count ? " and " : " before ",
                                 ex_node(node_broker(b)).s);
        count++;
        if (used >= len) break;
    }
    if (count) snprintf(buf + used, len - used, " fetched %s", ex_it(x));
}

static void ex_trail_append(const ex_run *x, ex_text *t, ex_trail *tr, const history_rec *r) {
    int64_t k = ex_index_in(x->p, r->a, tr->record);
    if (k < 0) return;
    int acks = x->c ? x->c->acks : -1;
    tr->holds[r->node] = r->d + k;
    if (r->c)
        ex_add(t, "%s appended %s at %s at %s%s", ex_node(r->node).s, ex_it(x),
               ex_own(x, r->d, r->a).s, ex_time(r->time_ns).s,
               !tr->appended && acks == 1 ? " and answered" : "");
    else ex_add(t, "%s replicated %s at %s", ex_node(r->node).s, ex_it(x), ex_time(r->time_ns).s);
    tr->appended = true;
}

static void ex_trail_crash(const ex_run *x, ex_text *t, ex_trail *tr, const history_rec *r,
                           size_t i) {
    if (!node_is_broker(r->node) || !tr->appended) return;
    if (r->a == 0) {
        if (tr->crashed[r->node] && tr->holds[r->node] >= 0)
            ex_add(t, "%s restarted at %s", ex_node(r->node).s, ex_time(r->time_ns).s);
        tr->crashed[r->node] = false;
        tr->restarted[r->node] = true;
        return;
    }
    char missing[128] = "";
    tr->crashed[r->node] = true;
    if (tr->holds[r->node] >= 0) ex_trail_missing(x, tr, missing, sizeof missing);
    if (r->b && tr->holds[r->node] >= 0) tr->power_lost = true;
    if (r->a == HIST_STOPPED)
        ex_add(t, "%s stopped at %s after a controlled shutdown (its logs flushed)%s",
               ex_node(r->node).s, ex_time(r->time_ns).s, missing);
    else
        ex_add(t, "%s %s at %s%s%s", ex_node(r->node).s, ex_down_word(r),
               ex_time(r->time_ns).s, ex_fault(x, ex_fault_at(x, i)).s, missing);
}

/* One history record of the lost record's story. */
static void ex_trail_step(const ex_run *x, ex_text *t, ex_trail *tr, size_t i) {
    const history_rec *r = &x->h->recs[i];
    switch ((history_kind)r->kind) {
    case HIST_APPEND: ex_trail_append(x, t, tr, r); break;
    case HIST_CRASH: ex_trail_crash(x, t, tr, r, i); break;
    case HIST_HW:
        if (tr->hw_said || r->node >= NODES_MAX || tr->holds[r->node] < 0) break;
        if (r->d <= tr->holds[r->node]) break;
        ex_add(t, "the high watermark on %s passed %s at %s (committed)", ex_node(r->node).s,
               ex_it(x), ex_time(r->time_ns).s);
        tr->hw_said = true;
        break;
    case HIST_ELECTION:
        if (!tr->appended || r->node == NODE_NONE || r->a == 0) break;
        tr->unclean = tr->unclean || r->b;
        ex_add(t, "%s was elected leader (epoch %u%s) %s %s", ex_node(r->node).s, r->a,
               r->b ? ", unclean" : "", tr->holds[r->node] >= 0 ? "with" : "without", ex_it(x));
        break;
    case HIST_TRUNCATE:
        if (r->node >= NODES_MAX || tr->holds[r->node] < 0 || r->d > tr->holds[r->node]) break;
        ex_add(t, "%s truncated its log to offset %lld at %s%s", ex_node(r->node).s,
               (long long)r->d, ex_time(r->time_ns).s,
               tr->restarted[r->node] ? " when it rejoined" : "");
        tr->holds[r->node] = -1;
        break;
    case HIST_ISR:
        if (!tr->appended || r->time_ns > tr->ack_ns) break;
        ex_add(t, "the ISR became {%s} at %s", ex_isr(r->a).s, ex_time(r->time_ns).s);
        break;
    default: break;
    }
}

/* min.insync.replicas of the partition told: its topic's own (topic.<name>.min.insync.replicas)
 * or the global key. */
static int ex_min_insync_replicas(const ex_run *x) {
    return config_min_insync_replicas(x->c, x->partition < 0 ? 0 : x->partition);
}

/* The setting that let an acknowledged write go (kafka-semantics.md 2.7). */
static void ex_lost_setting(const ex_run *x, ex_text *t, const ex_trail *tr) {
    if (!x->c) return;
    if (x->c->acks == 0)
        ex_add(t, "acks=0 answers before any broker has the record");
    else if (x->c->acks == 1)
        ex_add(t, "acks=1 answers once the leader alone has the record");
    else if (tr->unclean)
        ex_add(t, "unclean.leader.election.enable=true let a replica without %s lead", ex_it(x));
    else if (tr->power_lost)
        ex_add(t, "acks come from the page cache: a power loss takes what neither an fsync "
                  "(log.flush.interval.messages, a segment roll) nor the OS's writeback "
                  "(os.vm.dirty_expire_centisecs) had put on disk");
    else if (ex_min_insync_replicas(x) <= 1)
        ex_add(t, "with min.insync.replicas=%d, acks=all is satisfied by the ISR as it is, "
                  "the leader alone once the ISR has shrunk",
               ex_min_insync_replicas(x));
}

/* The record in the final log above the high watermark, if it is there. */
static void ex_lost_uncommitted(const ex_run *x, ex_text *t, uint32_t record) {
    ex_copy copy;
    if (ex_copies_where(x, record, &copy, 1, false) == 1) {
        const proto_batch *b = copy.batch;
        ex_add(t, "%s in the final leader's log at %s, above the high watermark %lld, so never "
                  "committed",
               ex_it_is(x), ex_own(x, b->base_offset, b->payload).s,
               (long long)x->in->high_watermark);
        return;
    }
}

/* The first high watermark move of broker b at history index from or later and before until
 * that passes offset, or SIZE_MAX: a descent of the maxima tree. */
static size_t ex_hw_past(const ex_run *x, int b, size_t from, size_t until, int64_t offset) {
    const ex_hw *w = &x->ix->hw[b];
    size_t i = ex_lower_index(w->pos, w->n, from);
    (*x->work)++;
    if (i >= w->n || w->pos[i] >= until) return SIZE_MAX;
    size_t k = w->size + i;
    while (w->max[k] <= offset) { /* climb to the next subtree on the right */
        while (k & 1) {
            k >>= 1;
            if (k == 0) return SIZE_MAX;
        }
        k++;
        (*x->work)++;
    }
    while (k < w->size) { /* descend to its first leaf past offset */
        k = 2 * k + (w->max[2 * k] <= offset);
        (*x->work)++;
    }
    size_t pos = w->pos[k - w->size];
    return pos < until ? pos : SIZE_MAX;
}

/* Tells the first high watermark move in history indices [from, until) that passes the record
 * on a broker holding it (the holdings do not change in between). */
static void ex_trail_hw(const ex_run *x, ex_text *t, ex_trail *tr, size_t from, size_t until) {
    if (tr->hw_said || from >= until) return;
    size_t first = SIZE_MAX;
    for (int b = 0; b < NODES_MAX; b++) {
        if (tr->holds[b] < 0 || !x->ix->hw[b].n) continue;
        size_t pos = ex_hw_past(x, b, from, until, tr->holds[b]);
        if (pos < first) first = pos;
    }
    if (first != SIZE_MAX) ex_trail_step(x, t, tr, first);
}

/* The record's story from its first append: its appends and the few crashes, elections,
 * truncations and ISR changes merged in history order, and between them the first high
 * watermark move past it (indexed), so a story costs its events, not the history. */
static void ex_lost(const ex_run *x, ex_text *t, uint32_t record) {
    const ex_index *ix = x->ix;
    ex_trail tr;
    memset(&tr, 0, sizeof tr);
    tr.record = record;
    tr.ack_ns = INT64_MAX;
    for (int n = 0; n < NODES_MAX; n++) tr.holds[n] = -1;
    tr.seen = ix->seen;
    size_t j = ex_lower(&ix->ok_cb, record, 0);
    (*x->work)++;
    if (j < ix->ok_cb.n && ix->ok_cb.v[j].key == record)
        tr.ack_ns = x->h->recs[ix->ok_cb.v[j].pos].time_ns;
    char acks[8];
    snprintf(acks, sizeof acks, "%d", x->c ? x->c->acks : -1);
    explain_text_head(t, "%s lost (Jepsen: lost-write; acknowledged at %s, acks=%s): ", ex_subject(x).s,
            ex_time(tr.ack_ns == INT64_MAX ? 0 : tr.ack_ns).s,
            x->c && x->c->acks == -1 ? "all" : acks);
    if (ext_lost(x, t, record)) return;
    /* Before its first append nothing in the trail speaks: start there. */
    size_t a = ex_lower(&ix->appends, record, 0);
    if (a < ix->appends.n && ix->appends.v[a].key == record) {
        size_t cur = (size_t)ix->appends.v[a].pos;
        size_t e = ex_lower_index(ix->trail, ix->trail_n, cur);
        for (;;) {
            bool more_a = a < ix->appends.n && ix->appends.v[a].key == record;
            size_t next_a = more_a ? (size_t)ix->appends.v[a].pos : SIZE_MAX;
            size_t next_e = e < ix->trail_n ? ix->trail[e] : SIZE_MAX;
            size_t next = next_a < next_e ? next_a : next_e;
            if (next == SIZE_MAX) break;
            (*x->work)++;
            ex_trail_hw(x, t, &tr, cur, next);
            if (next_a == next) a++;
            if (next_e == next) e++;
            ex_trail_step(x, t, &tr, next);
            cur = next + 1;
        }
        ex_trail_hw(x, t, &tr, cur, x->h->count);
    }
    if (!tr.appended) ex_add(t, "no broker appended %s", ex_it(x));
    ex_lost_uncommitted(x, t, record);
    ex_lost_setting(x, t, &tr);
}

/* ---- Failed but written, unexpected ------------------------------------------------------- */

static void ex_failed_written(const ex_run *x, ex_text *t, uint32_t record) {
    const history_rec *cb = ex_failed_callback(x, record);
    explain_text_head(t, "%s failed but written (told %s at %s): ", ex_subject(x).s,
            cb ? proto_error_name(cb->c) : "failed", ex_time(cb ? cb->time_ns : 0).s);
    ex_copy copies[1];
    if (ex_copies(x, record, copies, 1) < 1) return;
    const proto_batch *b = copies[0].batch;
    ex_attempt_fate(x, t, b->payload, b->attempt);
    ex_add(t, "the write was committed at %s all the same",
           ex_own(x, b->base_offset, b->payload).s);
    if (cb && cb->c == ERR_CLIENT_DELIVERY_TIMEOUT)
        ex_add(t, "a delivery timeout (KIP-91) means the outcome is unknown, not that the "
                  "write failed");
}

static void ex_unexpected(const ex_run *x, ex_text *t, uint32_t record, int64_t offset) {
    (void)x;
    explain_text_head(t, "record %u unexpected (Jepsen: unexpected): ", record);
    ex_add(t, "it is at offset %lld of the committed log, but the application never sent it",
           (long long)offset);
}

/* ---- Collecting and printing -------------------------------------------------------------- */

/* The slot of record in the set of kept duplicates: where it is, or the empty slot where it
 * goes. Slots hold record + 1 (0: empty). */
static size_t ex_dup_slot(ex_list *l, uint32_t record) {
    size_t i = (size_t)(((uint64_t)record * 0x9E3779B97F4A7C15ull) >> 32) & l->dup_mask;
    for (;; i = (i + 1) & l->dup_mask) {
        l->work++;
        if (l->dup_set[i] == 0 || l->dup_set[i] == (uint64_t)record + 1) return i;
    }
}

/* The checker's visitor: keeps the first limit anomalies of each kind, one per record. */
static void ex_collect(void *ctx, checker_anomaly kind, uint32_t partition, uint32_t record,
                       int64_t offset) {
    ex_list *l = ctx;
    size_t slot = 0;
    if (kind == CHECKER_DUPLICATE) {
        slot = ex_dup_slot(l, record);
        if (l->dup_set[slot] != 0) return; /* a further copy of a record kept */
    }
    l->total[kind]++;
    if (l->kept[kind] >= (uint64_t)l->limit) return;
    l->kept[kind]++;
    if (kind == CHECKER_DUPLICATE) l->dup_set[slot] = (uint64_t)record + 1;
    l->items[l->count++] =
        (ex_item){.kind = kind, .partition = partition, .record = record, .offset = offset};
}

/* The chain of the records x->group tells (item is the first of them), into t. */
static void ex_tell(const ex_run *x, const ex_item *item, ex_text *t) {
    t->len = 0;
    t->clauses = 0;
    t->buf[0] = 0;
    switch (item->kind) {
    case CHECKER_LOST_ACKED: ex_lost(x, t, item->record); break;
    case CHECKER_DUPLICATE: ex_duplicate(x, t, item->record); break;
    case CHECKER_REORDERED: ex_reordered(x, t, item->record); break;
    case CHECKER_FAILED_BUT_WRITTEN: ex_failed_written(x, t, item->record); break;
    case CHECKER_UNEXPECTED: ex_unexpected(x, t, item->record, item->offset); break;
    default: return;
    }
    if (t->clauses == 0) ex_add(t, "the history holds nothing more about %s", ex_it(x));
}

/* How many of the n items at items[0..n) tell the story of items[0] (at least 1): their
 * sketches, with each record's own offsets as placeholders, read the same. */
static size_t ex_same_story(const ex_run *x, const ex_item *const *items, size_t n,
                            uint32_t *records, ex_text *a, ex_text *b) {
    ex_run sketch = *x;
    sketch.sketch = true;
    sketch.group_n = 1;
    sketch.group = &items[0]->record;
    records[0] = items[0]->record;
    ex_tell(&sketch, items[0], a);
    size_t same = 1;
    for (; same < n; same++) {
        sketch.group = &items[same]->record;
        ex_tell(&sketch, items[same], b);
        if (strcmp(a->buf, b->buf) != 0) break;
        records[same] = items[same]->record;
    }
    return same;
}

/* Tells the anomalies of one kind, each story once. */
static void ex_kind(ex_run *x, const ex_list *l, checker_anomaly kind, const ex_item **items,
                    uint32_t *records, ex_text *a, ex_text *b) {
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].kind == kind &&
            (x->partition < 0 || l->items[i].partition == (uint32_t)x->partition))
            items[n++] = &l->items[i];
    for (size_t i = 0; i < n;) {
        size_t same = ex_same_story(x, items + i, n - i, records, a, b);
        x->group = records;
        x->group_n = same;
        ex_tell(x, items[i], a);
        fprintf(x->out, "%s.\n", a->buf);
        i += same;
    }
}

/* ---- The index ---------------------------------------------------------------------------- */

/* The workload's partitions (g below it), -1 when every partition is the workload's. */
static int ex_workload(const ex_run *x) {
    return x->c && x->c->topics.workload_partitions < x->c->topics.partition_count
               ? x->c->topics.workload_partitions
               : -1;
}

static int ex_key_cmp(const void *pa, const void *pb) {
    const ex_key *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Makes room for one more of n elements of size bytes in *v of capacity *cap, doubling it
 * (first from start); -1 when memory ran out, *v unchanged. */
static int ex_grow(void **v, size_t n, size_t *cap, size_t size, size_t start) {
    if (n < *cap) return 0;
    size_t grown = *cap ? 2 * *cap : start;
    void *g = realloc(*v, grown * size);
    if (!g) return -1;
    *v = g;
    *cap = grown;
    return 0;
}

/* Appends (key, pos) to keys of capacity *cap; -1 when memory ran out. */
static int ex_keys_add(ex_keys *keys, size_t *cap, uint64_t key, uint64_t pos) {
    void *v = keys->v;
    if (ex_grow(&v, keys->n, cap, sizeof *keys->v, 64) != 0) return -1;
    keys->v = v;
    keys->v[keys->n++] = (ex_key){.key = key, .pos = pos};
    return 0;
}

/* Appends value to list[0..*n) of capacity *cap; -1 when memory ran out. */
static int ex_list_add(size_t **list, size_t *n, size_t *cap, size_t value) {
    void *v = *list;
    if (ex_grow(&v, *n, cap, sizeof **list, 16) != 0) return -1;
    *list = v;
    (*list)[(*n)++] = value;
    return 0;
}

static void ex_index_fini(ex_index *ix) {
    free(ix->by_payload.v);
    free(ix->failed_cb.v);
    free(ix->copies.v);
    free(ix->prefix_max);
    free(ix->drops);
    free(ix->crashes);
    free(ix->faults);
    free(ix->ok_cb.v);
    free(ix->appends.v);
    free(ix->trail);
    for (int b = 0; b < NODES_MAX; b++) {
        free(ix->hw[b].pos);
        free(ix->hw[b].max);
    }
}

/* Sorts keys and drops repeated entries (a record twice in one payload: one place). */
static void ex_keys_sort_unique(ex_keys *keys) {
    if (!keys->n) return;
    qsort(keys->v, keys->n, sizeof *keys->v, ex_key_cmp);
    size_t m = 1;
    for (size_t i = 1; i < keys->n; i++)
        if (keys->v[i].key != keys->v[m - 1].key || keys->v[i].pos != keys->v[m - 1].pos)
            keys->v[m++] = keys->v[i];
    keys->n = m;
}

/* Builds the maxima tree over the high watermark values of w's moves; -1 out of memory. */
static int ex_hw_tree(ex_hw *w, const history *h) {
    if (!w->n) return 0;
    w->size = 1;
    while (w->size < w->n) w->size *= 2;
    w->max = malloc(2 * w->size * sizeof *w->max);
    if (!w->max) return -1;
    for (size_t i = 0; i < w->size; i++)
        w->max[w->size + i] = i < w->n ? h->recs[w->pos[i]].d : INT64_MIN;
    for (size_t k = w->size - 1; k >= 1; k--)
        w->max[k] = w->max[2 * k] > w->max[2 * k + 1] ? w->max[2 * k] : w->max[2 * k + 1];
    return 0;
}

typedef struct ex_want_at {
    const uint32_t *want;
    uint64_t id;
} ex_want_at;

static bool ex_want_before(const void *ctx, size_t i) {
    const ex_want_at *q = ctx;
    return q->want[i] < q->id;
}

/* The first of want[0..n) (sorted) at or above id. */
static size_t ex_want_from(const uint32_t *want, size_t n, uint64_t id) {
    return ex_lower_bound(n, ex_want_before, &(ex_want_at){want, id}, NULL);
}

/* Adds to keys an entry (id, pos_base + index of id) for each id in want[0..n) (sorted) that
 * ids[first .. first + span) holds: a run of ids costs one binary search, a list one per id. */
static int ex_keys_want(ex_keys *keys, size_t *cap, const uint32_t *want, size_t n,
                        const proto_ids *ids, uint64_t pos_base, bool index_in_pos) {
    if (!ids->list) {
        for (size_t w = ex_want_from(want, n, ids->first);
             w < n && (uint64_t)want[w] < (uint64_t)ids->first + ids->n; w++)
            if (ex_keys_add(keys, cap, want[w],
                            pos_base + (index_in_pos ? want[w] - ids->first : 0)) != 0)
                return -1;
        return 0;
    }
    for (uint32_t k = 0; k < ids->n; k++) {
        uint32_t id = ids->list[k];
        size_t w = ex_want_from(want, n, id);
        if (w < n && want[w] == id &&
            ex_keys_add(keys, cap, id, pos_base + (index_in_pos ? k : 0)) != 0)
            return -1;
    }
    return 0;
}

static int ex_u32_cmp(const void *pa, const void *pb) {
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* Builds the lookups in one pass over the history and one over the log, for the records told
 * (want[0..n), sorted): O(H log H + B log K + F log F) for H history records (by_payload holds
 * an entry per attempt, append, retry and expiry, and is qsorted), B logged batches, K records
 * told and F entries found for them (a payload that lists its ids one by one costs a search
 * per id). 0, or -1 out of memory. */
/* True when r concerns a partition other than partition (>= 0): a replica's record of another
 * partition's log (its appends, truncations and high watermark) or another's election or ISR. */
static bool ex_other_partition(const history_rec *r, int partition) {
    if (partition < 0 || r->partition == (uint16_t)partition) return false;
    switch ((history_kind)r->kind) {
    case HIST_APPEND:
    case HIST_TRUNCATE:
    case HIST_HW:
    case HIST_ELECTION:
    case HIST_ISR: return true;
    default: return false;
    }
}

static int ex_index_init(ex_index *ix, const history *h, const proto_payloads *p,
                         const checker_input *in, const uint32_t *want, size_t want_n,
                         bool lost, int partition, int workload) {
    memset(ix, 0, sizeof *ix);
    ix->lost = lost;
    size_t cap_payload = 0, cap_cb = 0, cap_copies = 0, cap_drop = 0, cap_crash = 0,
           cap_fault = 0, cap_ok = 0, cap_app = 0, cap_trail = 0;
    for (size_t i = 0; i < h->count; i++) {
        const history_rec *r = &h->recs[i];
        int bad = 0;
        /* An internal topic's replicas (__transaction_state) append records that are no
         * workload's: their payloads are the coordinator's own. */
        if (ex_other_partition(r, workload) && r->partition >= workload) continue;
        if (lost && !ex_other_partition(r, partition)) {
            switch ((history_kind)r->kind) {
            case HIST_CALLBACK:
                if (r->c == ERR_NONE)
                    bad = ex_keys_want(&ix->ok_cb, &cap_ok, want, want_n,
                                       &(proto_ids){.first = r->a, .n = history_rec_span(r)}, i,
                                       false);
                break;
            case HIST_APPEND:
                if (node_is_broker(r->node)) ix->seen = broker_set_add(ix->seen, r->node);
                if (p && r->a < p->count) {
                    proto_ids ids = proto_payload_ids(p, r->a);
                    bad = ex_keys_want(&ix->appends, &cap_app, want, want_n, &ids, i, false);
                }
                break;
            case HIST_ISR:
                ix->seen |= r->a & ~1u;
                bad = ex_list_add(&ix->trail, &ix->trail_n, &cap_trail, i);
                break;
            case HIST_CRASH:
            case HIST_ELECTION:
            case HIST_TRUNCATE: bad = ex_list_add(&ix->trail, &ix->trail_n, &cap_trail, i); break;
            case HIST_HW:
                if (r->node < NODES_MAX)
                    bad = ex_list_add(&ix->hw[r->node].pos, &ix->hw[r->node].n,
                                      &ix->hw[r->node].cap, i);
                break;
            default: break;
            }
            if (bad) return -1;
        }
        switch ((history_kind)r->kind) {
        case HIST_ATTEMPT:
        case HIST_APPEND:
        case HIST_RETRY:
        case HIST_EXPIRE: bad = ex_keys_add(&ix->by_payload, &cap_payload, r->a, i); break;
        case HIST_CALLBACK:
            if (r->c == ERR_NONE) break;
            bad = ex_keys_want(&ix->failed_cb, &cap_cb, want, want_n,
                               &(proto_ids){.first = r->a, .n = history_rec_span(r)}, i, false);
            break;
        case HIST_DROP: bad = ex_list_add(&ix->drops, &ix->drop_n, &cap_drop, i); break;
        case HIST_CRASH: bad = ex_list_add(&ix->crashes, &ix->crash_n, &cap_crash, i); break;
        case HIST_FAULT: bad = ex_list_add(&ix->faults, &ix->fault_n, &cap_fault, i); break;
        default: break;
        }
        if (bad) return -1;
    }
    if (in->log_count) {
        ix->prefix_max = malloc(in->log_count * sizeof *ix->prefix_max);
        if (!ix->prefix_max) return -1;
    }
    int64_t max = -1;
    for (size_t i = 0; i < in->log_count; i++) {
        const proto_batch *b = &in->log[i];
        if (p && b->payload < p->count && !proto_batch_is_control(b)) { /* a marker: none */
            proto_ids ids = proto_payload_ids(p, b->payload);
            if (ids.n && (int64_t)ids.first + ids.n - 1 > max && !ids.list)
                max = (int64_t)ids.first + ids.n - 1;
            for (uint32_t k = 0; ids.list && k < ids.n; k++)
                if ((int64_t)ids.list[k] > max) max = ids.list[k];
            if (ex_keys_want(&ix->copies, &cap_copies, want, want_n, &ids, (uint64_t)i << 32,
                             true) != 0)
                return -1;
        }
        ix->prefix_max[i] = max;
    }
    if (ix->by_payload.n)
        qsort(ix->by_payload.v, ix->by_payload.n, sizeof *ix->by_payload.v, ex_key_cmp);
    if (ix->failed_cb.n)
        qsort(ix->failed_cb.v, ix->failed_cb.n, sizeof *ix->failed_cb.v, ex_key_cmp);
    if (ix->copies.n) qsort(ix->copies.v, ix->copies.n, sizeof *ix->copies.v, ex_key_cmp);
    ex_keys_sort_unique(&ix->ok_cb);
    ex_keys_sort_unique(&ix->appends);
    for (int b = 0; b < NODES_MAX; b++)
        if (ex_hw_tree(&ix->hw[b], h) != 0) return -1;
    return 0;
}

/* Tells the kept transaction anomalies, kind by kind, with an index of the whole history (the
 * attempts and appends of any payload). Returns 0, or -1 when memory ran out. */
static int ext_tell_all(ex_run *x, ex_text *text) {
    const ex_txn *tx = x->txn;
    if (tx->count == 0) return 0;
    ex_index ix;
    checker_input none = *x->in;
    none.log = NULL;
    none.log_count = 0;
    if (ex_index_init(&ix, x->h, x->p, &none, NULL, 0, false, -1, ex_workload(x)) != 0) {
        ex_index_fini(&ix);
        return -1;
    }
    ex_run told = *x;
    told.ix = &ix;
    told.in = &none;
    for (size_t k = 0; k < sizeof ext_order / sizeof ext_order[0]; k++) {
        for (size_t i = 0; i < tx->count; i++) {
            if (tx->items[i].kind != ext_order[k]) continue;
            ext_tell(&told, &tx->items[i], text);
            fprintf(x->out, "%s.\n", text->buf);
        }
        uint64_t more = tx->total[ext_order[k]] - tx->kept[ext_order[k]];
        if (more)
            fprintf(x->out, "(%llu more %s anomalies not explained; --explain=N shows more)\n",
                    (unsigned long long)more, txn_anomaly_field(ext_order[k]));
    }
    ex_index_fini(&ix);
    return 0;
}

/* The history indices the transaction stories read: the transactional kinds and the
 * producers' crashes and restarts. 0, or -1 out of memory. */
static int ext_index(ex_txn *tx, const history *h) {
    size_t cap = 0;
    for (size_t i = 0; i < h->count; i++) {
        const history_rec *r = &h->recs[i];
        bool keep = (r->kind >= HIST_TXN_BEGIN && r->kind <= HIST_MARKER) ||
                    (r->kind == HIST_CRASH && node_is_producer(r->node));
        if (keep && ex_list_add(&tx->recs, &tx->rec_n, &cap, i) != 0) return -1;
    }
    size_t n = txn_stream_txn_count(tx->ts);
    tx->begin_at = malloc((n ? n : 1) * sizeof *tx->begin_at);
    if (!tx->begin_at) return -1;
    for (size_t i = 0; i < n; i++) tx->begin_at[i] = SIZE_MAX;
    for (size_t k = 0; k < tx->rec_n; k++) {
        const history_rec *r = &h->recs[tx->recs[k]];
        if (r->kind != HIST_TXN_BEGIN) continue;
        uint32_t txn = txn_stream_find(tx->ts, r->node, r->a);
        if (txn != TXN_NONE && tx->begin_at[txn] == SIZE_MAX) tx->begin_at[txn] = k;
    }
    return 0;
}

/* The line that says which view the run was judged on. */
static void ext_view_line(FILE *out, bool read_committed) {
    if (read_committed)
        fputs("explain: judged on the read_committed view (isolation.level=read_committed): "
              "each partition as a consumer reads it from offset 0, up to the last stable "
              "offset, aborted transactions skipped\n",
              out);
    else
        fputs("explain: judged on the read_uncommitted view (isolation.level=read_uncommitted, "
              "Kafka's default): each partition up to its high watermark, aborted and open "
              "transactions included\n",
              out);
}

int explain_run(FILE *out, const history *h, const proto_payloads *payloads,
                const checker_input *in, const config *c, int limit) {
    return explain_run_work(out, h, payloads, in, c, limit, NULL);
}

/* The records of the kept items counted on partition (all with -1), sorted and unique, into
 * records; their count. */
static size_t ex_records_of(const ex_list *l, int partition, uint32_t *records) {
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        if (partition < 0 || l->items[i].partition == (uint32_t)partition)
            records[n++] = l->items[i].record;
    if (n) qsort(records, n, sizeof *records, ex_u32_cmp);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || records[unique - 1] != records[i]) records[unique++] = records[i];
    return unique;
}

/* True when a lost write is kept on partition (any with -1). */
static bool ex_lost_on(const ex_list *l, int partition) {
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].kind == CHECKER_LOST_ACKED &&
            (partition < 0 || l->items[i].partition == (uint32_t)partition))
            return true;
    return false;
}

static const checker_anomaly ex_order[] = {CHECKER_LOST_ACKED, CHECKER_DUPLICATE,
                                           CHECKER_REORDERED, CHECKER_FAILED_BUT_WRITTEN,
                                           CHECKER_UNEXPECTED};
#define EX_KINDS (sizeof ex_order / sizeof ex_order[0])

static void ex_more(FILE *out, const ex_list *l, checker_anomaly kind) {
    uint64_t more = l->total[kind] - l->kept[kind];
    if (more)
        fprintf(out, "(%llu more %s anomalies not explained; --explain=N shows more)\n",
                (unsigned long long)more, checker_anomaly_jepsen(kind));
}

/* Tells the kept items of partition g (x->partition; -1: a world of one) against that
 * partition's log, with an index built for them: in a world of several partitions under a
 * "partition orders-3:" line. Returns 0, or -1 when memory ran out. */
static int ex_partition(ex_run *x, const ex_list *l, const checker_log *lg, const ex_item **items,
                        uint32_t *records, ex_text *texts) {
    size_t want = ex_records_of(l, x->partition, records);
    if (x->partition >= 0 && want == 0) return 0;
    checker_input view = *x->in;
    view.log = lg->log;
    view.log_count = lg->log_count;
    view.high_watermark = lg->high_watermark;
    view.partitions = NULL;
    view.partition_count = 0;
    view.by_partition = NULL;
    ex_index ix;
    if (ex_index_init(&ix, x->h, x->p, &view, records, want, ex_lost_on(l, x->partition),
                      x->partition, ex_workload(x)) != 0) {
        ex_index_fini(&ix);
        return -1;
    }
    ex_run told = *x;
    told.in = &view;
    told.ix = &ix;
    if (x->partition >= 0) {
        char name[FAULT_PARTITION_NAME_MAX] = "";
        fault_world w;
        if (x->c) {
            fault_world_of(x->c, &w);
            w.partition_name(w.ctx, x->partition, name, sizeof name);
        } else {
            snprintf(name, sizeof name, "%d", x->partition);
        }
        fprintf(x->out, "partition %s:\n", name);
    }
    for (size_t k = 0; k < EX_KINDS; k++) {
        ex_kind(&told, l, ex_order[k], items, records, &texts[0], &texts[1]);
        if (x->partition < 0) ex_more(x->out, l, ex_order[k]);
    }
    ex_index_fini(&ix);
    return 0;
}

/* A transactional run's verdict on the consumer's view (txn_checker_finish), telling list of
 * the checker's anomalies on the view and tx of the transaction ones; *view gets the view's
 * checker input (valid while ts lives). 0, or -1 when memory ran out. */
static int ext_judge(ex_txn *tx, txn_stream *ts, checker_stream *cs, const checker_input *judged,
                     const config *c, const pipeline_input *pipe, ex_list *list,
                     checker_input *view) {
    const history *h = judged->history;
    if (checker_stream_init(cs, judged->records) != 0) return -1;
    cs->payloads = judged->payloads;
    checker_stream_feed(cs, h->recs, h->count);
    txn_stream_feed(ts, h->recs, h->count);
    checker_log one;
    size_t parts;
    tx->raw = checker_logs(judged, &one, &parts);
    tx->read_committed = c->isolation_level == CONFIG_READ_COMMITTED;
    tx->ts = ts;
    txn_options opt = {.read_committed = tx->read_committed, .partitions = parts,
                       .visit = ex_txn_collect, .visit_ctx = tx};
    /* An exactly-once pipeline's transactions wrote the output topic: read it as the run's
     * verdict does (scenario.c), or each of them would look committed but not read. */
    if (pipe && pipe->output_count > 0) {
        opt.output_logs = pipe->logs + pipe->output_first;
        opt.output_first = pipe->output_first;
        opt.output_count = pipe->output_count;
    }
    checker_result verdict;
    if (parts > 1 || judged->partitions) {
        if (txn_checker_finish(ts, cs, judged, &opt, &verdict, ex_collect, list, view) != 0)
            return -1;
    } else {
        /* One log given without a table: hand the judge a table of one, kept in tx. */
        checker_input in = *judged;
        in.partitions = &one;
        in.partition_count = 1;
        if (txn_checker_finish(ts, cs, &in, &opt, &verdict, ex_collect, list, view) != 0)
            return -1;
        tx->raw = NULL;
    }
    tx->view = view->partitions;
    tx->partitions = view->partition_count;
    return ext_index(tx, h);
}

int explain_run_work(FILE *out, const history *h, const proto_payloads *payloads,
                     const checker_input *in, const config *c, int limit, uint64_t *work) {
    return explain_run_pipeline(out, h, payloads, in, c, limit, NULL, work);
}

int explain_run_pipeline(FILE *out, const history *h, const proto_payloads *payloads,
                         const checker_input *in, const config *c, int limit,
                         const pipeline_input *pipe, uint64_t *work) {
    if (limit <= 0) return 0;
    ex_list list;
    memset(&list, 0, sizeof list);
    list.limit = limit;
    size_t cap = (size_t)limit * CHECKER_ANOMALY_COUNT;
    size_t slots = 16;
    while (slots < 2 * (size_t)limit + 1) slots *= 2;
    list.dup_mask = slots - 1;
    list.dup_set = calloc(slots, sizeof *list.dup_set);
    list.items = malloc(cap * sizeof *list.items);
    const ex_item **items = malloc(cap * sizeof *items);
    uint32_t *records = malloc(cap * sizeof *records);
    ex_text *texts = malloc(2 * sizeof *texts);
    checker_input judged = *in;
    judged.history = h;
    judged.payloads = payloads;
    judged.by_partition = NULL;
    checker_result verdict;
    bool ok = list.items && list.dup_set && items && records && texts;
    /* A transactional run is judged on the view a consumer has (txn_checker.h). */
    bool transactional = c && config_transactional(c);
    ex_txn tx;
    memset(&tx, 0, sizeof tx);
    tx.limit = limit;
    txn_stream ts;
    checker_stream cs;
    memset(&cs, 0, sizeof cs);
    txn_stream_init(&ts);
    checker_log raw_one;
    checker_input view = judged;
    if (ok && transactional) {
        tx.items = malloc((size_t)limit * TXN_ANOMALY_COUNT * sizeof *tx.items);
        ok = tx.items && ext_judge(&tx, &ts, &cs, &judged, c, pipe, &list, &view) == 0;
        if (ok && !tx.raw) {
            size_t n;
            tx.raw = checker_logs(&judged, &raw_one, &n);
        }
    } else if (ok) {
        ok = checker_run_visit(&judged, &verdict, ex_collect, &list) == 0;
    }
    uint64_t looked = list.work;
    fault_world world = {.producers = 1};
    if (c) fault_world_of(c, &world);
    ex_run x = {.out = out, .h = h, .p = payloads, .in = &view, .c = c, .work = &looked,
                .producers = world.producers, .partition = -1,
                .txn = transactional ? &tx : NULL};
    checker_log one;
    size_t parts;
    const checker_log *logs = checker_logs(&view, &one, &parts);
    if (ok && transactional) ext_view_line(out, tx.read_committed);
    /* A run with consumers: the pipeline's anomalies, told after the others. */
    xp_story *pipeline_stories = NULL;
    int64_t pipeline_n = 0;
    if (ok && pipe) {
        pipeline_n = explain_pipeline_judge(&pipeline_stories, h, pipe, c);
        ok = pipeline_n >= 0;
    }
    if (ok && list.count == 0 && tx.count == 0 && pipeline_n == 0)
        fputs("explain: no anomaly to explain\n", out);
    if (ok && parts <= 1) {
        ok = ex_partition(&x, &list, &logs[0], items, records, texts) == 0;
    } else {
        for (size_t g = 0; ok && g < parts; g++) {
            x.partition = (int)g;
            ok = ex_partition(&x, &list, &logs[g], items, records, texts) == 0;
        }
        for (size_t k = 0; ok && k < EX_KINDS; k++) ex_more(out, &list, ex_order[k]);
    }
    x.partition = -1;
    if (ok && transactional) ok = ext_tell_all(&x, &texts[0]) == 0;
    int pipeline_told = 0;
    if (ok && pipeline_stories) {
        pipeline_told = explain_pipeline_tell(pipeline_stories, out, limit);
        ok = pipeline_told >= 0;
    }
    explain_pipeline_free(pipeline_stories);
    int explained = ok ? (int)(list.count + tx.count) + pipeline_told : -1;
    if (work) *work = looked;
    txn_stream_fini(&ts);
    checker_stream_fini(&cs);
    free(tx.items);
    free(tx.recs);
    free(tx.begin_at);
    free(list.dup_set);
    free(list.items);
    free(items);
    free(records);
    free(texts);
    return explained;
}
