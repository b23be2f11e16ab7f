/*
 * explain_pipeline.c: the story of each anomaly of a consume-process-produce run, told from the
 * history alone (explain_pipeline.h).
 *
 * The pipeline judge (pipeline_checker.c) names the records: an input id applied twice by the
 * sink, committed as consumed but never applied, written twice to the output topic's
 * read_committed view, or committed as consumed with no output. This file tells how, reading
 * the consumer and group records of the history (txn-consumer-semantics.md section 3):
 * - HIST_PROCESS: which instance processed the record, when, in which generation, and what the
 *   sink did; HIST_POLL: who polled it.
 * - HIST_OFFSET_COMMIT answered without error: the offsets committed, by whom, of which kind
 *   (an auto commit at poll, commitSync, commitAsync, onJoinPrepare's, close()'s, a
 *   transaction's).
 * - HIST_CRASH of a consumer, its HIST_ERROR on LeaveGroup (the heartbeat thread's
 *   maybeLeaveGroup once max.poll.interval.ms passed without a poll: AbstractCoordinator
 *   HeartbeatThread.run, 3.9), HIST_MEMBER at the coordinator (GroupCoordinator
 *   onExpireHeartbeat: session.timeout.ms without a heartbeat; onCompleteJoin: not rejoined
 *   within the rebalance timeout; LeaveGroup), HIST_ASSIGN revoked or lost: what ended the
 *   first holder's claim on the partition.
 * - HIST_GROUP: the rebalance (PreparingRebalance, with the member event at the same instant
 *   as its trigger) and the generation it formed (CompletingRebalance); HIST_ASSIGN and
 *   HIST_POSITION: the partition's next owner and where it resumed (the committed offset
 *   through OffsetFetch, or auto.offset.reset).
 * - HIST_SEND and HIST_CALLBACK of consumer-k.producer: the output sends and their fate.
 *
 * Records that share one story (the same first and second processor, generations and resumed
 * position; or the same commit that moved past them) are told together, with their range.
 *
 * What it leaves out: it tells what the history shows, not a node's reasoning; a send whose
 * callback the history keeps per payload (history_callback_payload, only in runs without an
 * observer, never with --explain) is not looked at.
 */
#include "explain_pipeline.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "explain_text.h"
#include "fault_parse.h"
#include "sim.h"
#include "txn_checker.h"

#define XP_CLAUSES_MAX 14   /* clauses of one story before "..." */
#define XP_WALK_MAX 4096    /* events looked at around one record at most */
#define XP_NONE SIZE_MAX    /* no history index */

/* A sorted lookup entry: (key, pos) ordered by key then pos (history or log order). */
typedef struct xp_key {
    uint64_t key;
    uint64_t pos;
} xp_key;

typedef struct xp_keys {
    xp_key *v;
    size_t n, cap;
} xp_keys;

/* One anomalous record and what its story is made of. */
typedef struct xp_item {
    uint32_t kind;      /* pipeline_anomaly */
    uint32_t id;        /* input (and output) record id */
    uint64_t count;     /* what it adds to its field */
    int32_t g;          /* input partition, -1 not in the input view */
    int64_t offset;     /* its offset there */
    size_t key[6];      /* the story's parts (history indices or small values): equal keys, one
                         * story */
    size_t held;        /* twice kinds, a stale holder: its poll of the record before the other's
                         * processing (XP_NONE: the second processor polled it afterwards) */
    size_t first, second; /* the history indices of the two processings (twice kinds) or of the
                           * poll and the processing (never kinds); XP_NONE */
} xp_item;

struct xp_story {
    const history *h;
    const pipeline_input *in;
    const config *c;
    fault_world world;
    xp_item *items;
    size_t n, cap;
    bool failed;
    xp_keys proc;     /* HIST_PROCESS by (id, index) */
    xp_keys sends;    /* HIST_SEND / HIST_CALLBACK of consumer-k.producer by (id, index) */
    xp_keys commits;  /* answered commits without error by (g, index) */
    int64_t *cmax;    /* per commits entry: the largest offset committed of its g up to it */
    xp_keys polls;    /* HIST_POLL by (g << 40 | first offset, index) */
    xp_keys outs;     /* output view entries by (id, g << 40 | offset) */
    size_t *events;   /* consumer and group events, history order */
    size_t event_n, event_cap;
    config *own;      /* per instance: its configuration (consumer-<n>.<key>), or NULL when
                       * no instance has lines of its own */
    int32_t *id_g;    /* per id: input partition of its first copy in the view, -1 */
    int64_t *id_off;  /* per id: its offset */
    size_t ids;
};

typedef explain_text xp_text; /* a story: its head, then clauses (explain_text.h) */

typedef struct xp_str {
    char s[128];
} xp_str;

/* The configuration of the instance of node (consumer-k or its producer), or the world's. */
static const config *xp_cfg(const xp_story *x, node_id node) {
    if (!x->own || !x->c) return x->c;
    int k = node_consumer_index(node);
    return k >= 0 && k < x->c->consumers ? &x->own[k] : x->c;
}

/* ---- Small helpers ------------------------------------------------------------------------ */

static xp_str xp_time(int64_t ns) {
    xp_str t;
    explain_time(ns, t.s, sizeof t.s);
    return t;
}

/* "8012.000 ms" or "8012.000..9000.000 ms". */
static xp_str xp_span(int64_t from, int64_t to) {
    xp_str t, a = xp_time(from), b = xp_time(to);
    if (from == to) return a;
    a.s[strlen(a.s) - 3] = 0; /* drop " ms" */
    snprintf(t.s, sizeof t.s, "%.40s..%.40s", a.s, b.s);
    return t;
}

static xp_str xp_node(node_id n) {
    xp_str t;
    node_name(n, t.s, sizeof t.s);
    return t;
}

static xp_str xp_part(const xp_story *x, int g) {
    xp_str t;
    if (x->world.partition_name && g >= 0 && g < x->world.partitions)
        x->world.partition_name(x->world.ctx, g, t.s, sizeof t.s);
    else snprintf(t.s, sizeof t.s, "partition %d", g);
    return t;
}

static xp_str xp_ms(int64_t ns) {
    xp_str t;
    if (ns % SIM_MS == 0) snprintf(t.s, sizeof t.s, "%lld", (long long)(ns / SIM_MS));
    else snprintf(t.s, sizeof t.s, "%lld.%03lld", (long long)(ns / SIM_MS),
                  (long long)(ns % SIM_MS / SIM_US));
    return t;
}

/* " (fault NAME)" when a fault fired on node (or on every node) at the instant of record i. */
static xp_str xp_fault_at(const xp_story *x, size_t i) {
    xp_str t;
    t.s[0] = 0;
    const history_rec *r = &x->h->recs[i];
    size_t lo = i;
    while (lo > 0 && x->h->recs[lo - 1].time_ns == r->time_ns) lo--;
    for (size_t k = lo; k < x->h->count && x->h->recs[k].time_ns == r->time_ns; k++) {
        const history_rec *f = &x->h->recs[k];
        if (f->kind != HIST_FAULT || f->b != 1) continue;
        if (f->node != r->node && f->node != NODE_NONE) continue;
        if (x->c && f->a < (uint32_t)x->c->fault_count)
            snprintf(t.s, sizeof t.s, " (fault %s)", x->c->faults[f->a].name);
        else snprintf(t.s, sizeof t.s, " (fault %u)", f->a);
        break;
    }
    return t;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void xp_add(xp_text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    explain_text_vadd(t, XP_CLAUSES_MAX, ": ", fmt, ap);
    va_end(ap);
}

/* ---- Lookups ------------------------------------------------------------------------------ */

static int xp_keys_add(xp_keys *k, uint64_t key, uint64_t pos) {
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        xp_key *v = realloc(k->v, cap * sizeof *v);
        if (!v) return -1;
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = (xp_key){key, pos};
    return 0;
}

static int xp_key_cmp(const void *pa, const void *pb) {
    const xp_key *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void xp_keys_sort(xp_keys *k) {
    if (k->n > 1) qsort(k->v, k->n, sizeof *k->v, xp_key_cmp);
}

/* The first entry at or after (key, pos). */
static size_t xp_lower(const xp_keys *k, uint64_t key, uint64_t pos) {
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const xp_key *e = &k->v[mid];
        if (e->key < key || (e->key == key && e->pos < pos)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The first event at or after history index i. */
static size_t xp_event_from(const xp_story *x, size_t i) {
    size_t lo = 0, hi = x->event_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->events[mid] < i) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const history_rec *xp_rec(const xp_story *x, size_t i) {
    return i == XP_NONE ? NULL : &x->h->recs[i];
}

/* The index-th processing of id (history order) that applied the effect (applied) or any,
 * XP_NONE when there are fewer. */
static size_t xp_processing(const xp_story *x, uint32_t id, bool applied, int index) {
    for (size_t j = xp_lower(&x->proc, id, 0); j < x->proc.n && x->proc.v[j].key == id; j++) {
        const history_rec *r = &x->h->recs[x->proc.v[j].pos];
        if (applied && r->c != HIST_SINK_APPLIED) continue;
        if (index-- == 0) return (size_t)x->proc.v[j].pos;
    }
    return XP_NONE;
}

/* The first HIST_SEND (kind) or HIST_CALLBACK of id by an instance's producer at or after
 * from, XP_NONE when none. */
static size_t xp_send(const xp_story *x, uint32_t id, int kind, size_t from) {
    for (size_t j = xp_lower(&x->sends, id, from); j < x->sends.n && x->sends.v[j].key == id;
         j++)
        if (x->h->recs[x->sends.v[j].pos].kind == kind) return (size_t)x->sends.v[j].pos;
    return XP_NONE;
}

/* The last position set by node on partition g before history index before. */
static size_t xp_position_before(const xp_story *x, node_id node, int g, size_t before) {
    size_t j = xp_event_from(x, before);
    for (int walked = 0; j > 0 && walked < XP_WALK_MAX; walked++) {
        const history_rec *r = &x->h->recs[x->events[--j]];
        if (r->kind == HIST_POSITION && r->node == node && r->partition == g)
            return x->events[j];
    }
    return XP_NONE;
}

/* The last answered commit of g before history index before whose offset is offset (any
 * offset with -1), XP_NONE when none. */
static size_t xp_commit_before(const xp_story *x, int g, size_t before, int64_t offset) {
    size_t j = xp_lower(&x->commits, (uint64_t)g, before);
    while (j > 0 && x->commits.v[j - 1].key == (uint64_t)g) {
        const history_rec *r = &x->h->recs[x->commits.v[--j].pos];
        if (offset < 0 || r->d == offset) return (size_t)x->commits.v[j].pos;
    }
    return XP_NONE;
}

/* The first answered commit of g that moved the committed offset past offset. */
static size_t xp_commit_past(const xp_story *x, int g, int64_t offset) {
    size_t lo = xp_lower(&x->commits, (uint64_t)g, 0);
    size_t hi = xp_lower(&x->commits, (uint64_t)g + 1, 0);
    while (lo < hi) { /* cmax grows along one g's entries */
        size_t mid = lo + (hi - lo) / 2;
        if (x->cmax[mid] <= offset) lo = mid + 1;
        else hi = mid;
    }
    if (lo < x->commits.n && x->commits.v[lo].key == (uint64_t)g) return (size_t)x->commits.v[lo].pos;
    return XP_NONE;
}

/* The first poll of g that handed over offset, in history order (among the polls that start
 * at most XP_WALK_MAX entries before it). */
static size_t xp_poll_of(const xp_story *x, int g, int64_t offset) {
    uint64_t key = (uint64_t)g << 40 | (uint64_t)offset;
    size_t j = xp_lower(&x->polls, key + 1, 0), best = XP_NONE;
    for (int walked = 0; j > 0 && walked < XP_WALK_MAX; walked++) {
        const xp_key *e = &x->polls.v[--j];
        if (e->key >> 40 != (uint64_t)g) break;
        const history_rec *r = &x->h->recs[e->pos];
        if (r->d <= offset && offset < r->d + r->c && (best == XP_NONE || e->pos < best))
            best = (size_t)e->pos;
    }
    return best;
}

/* The last poll by node of g that handed over offset, before history index before. */
static size_t xp_poll_by(const xp_story *x, node_id node, int g, int64_t offset, size_t before) {
    uint64_t key = (uint64_t)g << 40 | (uint64_t)offset;
    size_t j = xp_lower(&x->polls, key + 1, 0), best = XP_NONE;
    for (int walked = 0; j > 0 && walked < XP_WALK_MAX; walked++) {
        const xp_key *e = &x->polls.v[--j];
        if (e->key >> 40 != (uint64_t)g) break;
        const history_rec *r = &x->h->recs[e->pos];
        if (r->node != node || e->pos >= before) continue;
        if (r->d <= offset && offset < r->d + r->c && (best == XP_NONE || e->pos > best))
            best = (size_t)e->pos;
    }
    return best;
}

/* ---- Building ----------------------------------------------------------------------------- */

typedef struct xp_view_ctx {
    xp_story *x;
    int g;
    bool output;
} xp_view_ctx;

static void xp_on_view(void *ctx, const proto_batch *b, int64_t bound) {
    xp_view_ctx *v = ctx;
    xp_story *x = v->x;
    const proto_payloads *p = x->in->payloads;
    if (b->payload >= p->count) return;
    proto_ids ids = proto_payload_ids(p, b->payload);
    uint32_t n = ids.n < b->record_count ? ids.n : b->record_count;
    for (uint32_t k = 0; k < n && b->base_offset + k < bound; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        int64_t offset = b->base_offset + k;
        if (v->output) {
            if (xp_keys_add(&x->outs, id, (uint64_t)v->g << 40 | (uint64_t)offset) != 0)
                x->failed = true;
        } else if (id < x->ids && x->id_g[id] < 0) {
            x->id_g[id] = v->g;
            x->id_off[id] = offset;
        }
    }
}

static int xp_event_add(xp_story *x, size_t i) {
    if (x->event_n == x->event_cap) {
        size_t cap = x->event_cap ? x->event_cap * 2 : 256;
        size_t *v = realloc(x->events, cap * sizeof *v);
        if (!v) return -1;
        x->events = v;
        x->event_cap = cap;
    }
    x->events[x->event_n++] = i;
    return 0;
}

static int xp_index(xp_story *x) {
    const history *h = x->h;
    for (size_t i = 0; i < h->count; i++) {
        const history_rec *r = &h->recs[i];
        int rc = 0;
        switch ((history_kind)r->kind) {
        case HIST_PROCESS: rc = xp_keys_add(&x->proc, r->a, i); break;
        case HIST_SEND:
        case HIST_CALLBACK:
            if (node_is_consumer_producer(r->node) && !(r->kind == HIST_CALLBACK &&
                                                         r->e == HIST_CALLBACK_PAYLOAD))
                rc = xp_keys_add(&x->sends, r->a, i);
            break;
        case HIST_OFFSET_COMMIT:
            if (r->c == 0) rc = xp_keys_add(&x->commits, (uint64_t)r->partition, i);
            break;
        case HIST_POLL:
            rc = xp_keys_add(&x->polls, (uint64_t)r->partition << 40 | (uint64_t)r->d, i);
            break;
        case HIST_CRASH:
            if (node_is_consumer(r->node)) rc = xp_event_add(x, i);
            break;
        case HIST_ERROR:
            if (node_is_consumer(r->node) && r->c == API_LEAVE_GROUP) rc = xp_event_add(x, i);
            break;
        case HIST_GROUP:
        case HIST_MEMBER:
        case HIST_POSITION:
        case HIST_ASSIGN: rc = xp_event_add(x, i); break;
        default: break;
        }
        if (rc != 0) return -1;
    }
    xp_keys_sort(&x->proc);
    xp_keys_sort(&x->sends);
    xp_keys_sort(&x->commits);
    xp_keys_sort(&x->polls);
    x->cmax = malloc((x->commits.n ? x->commits.n : 1) * sizeof *x->cmax);
    if (!x->cmax) return -1;
    for (size_t j = 0; j < x->commits.n; j++) {
        int64_t d = h->recs[x->commits.v[j].pos].d;
        bool same = j > 0 && x->commits.v[j - 1].key == x->commits.v[j].key;
        x->cmax[j] = same && x->cmax[j - 1] > d ? x->cmax[j - 1] : d;
    }
    /* Where each input id sits in the view, and the output view's copies. */
    const pipeline_input *in = x->in;
    size_t inputs = in->input_partitions < in->log_count ? in->input_partitions : in->log_count;
    for (size_t g = 0; g < inputs; g++) {
        xp_view_ctx v = {.x = x, .g = (int)g};
        if (txn_view_read(&in->logs[g], in->read_committed, xp_on_view, &v) < 0) return -1;
    }
    for (size_t k = 0; k < in->output_count; k++) {
        size_t g = in->output_first + k;
        if (g >= in->log_count) break;
        xp_view_ctx v = {.x = x, .g = (int)g, .output = true};
        if (txn_view_read(&in->logs[g], true, xp_on_view, &v) < 0) return -1;
    }
    xp_keys_sort(&x->outs);
    return x->failed ? -1 : 0;
}

/* ---- The stories' keys -------------------------------------------------------------------- */

static bool xp_twice_kind(uint32_t kind) {
    return kind == PIPELINE_PROCESSED_TWICE || kind == PIPELINE_OUTPUT_DUPLICATE;
}

/* A record processed twice: the two processings, and where the second processor resumed. */
static void xp_key_twice(const xp_story *x, xp_item *it) {
    bool applied = it->kind == PIPELINE_PROCESSED_TWICE;
    it->first = xp_processing(x, it->id, applied, 0);
    it->second = xp_processing(x, it->id, applied, 1);
    const history_rec *a = xp_rec(x, it->first), *b = xp_rec(x, it->second);
    /* A stale holder: the second processor had polled the record before the first processed
     * it, and processed it after the partition had moved on (it learns at its next poll). */
    it->held = b ? xp_poll_by(x, b->node, b->partition, b->d, it->second) : XP_NONE;
    if (it->held != XP_NONE && it->held > it->first) it->held = XP_NONE;
    size_t pos = XP_NONE;
    if (it->held != XP_NONE) pos = xp_position_before(x, a->node, a->partition, it->first);
    else if (b) pos = xp_position_before(x, b->node, b->partition, it->second);
    it->key[0] = a ? a->node : 0;
    it->key[1] = a ? a->b : 0;
    it->key[2] = b ? b->node : 0;
    it->key[3] = b ? b->b : 0;
    it->key[4] = pos;
    it->key[5] = it->held != XP_NONE;
}

/* A record committed as consumed and never processed (or with no output): the commit that
 * moved past it, who polled it, and for the output who processed it and what its send did. */
static void xp_key_never(const xp_story *x, xp_item *it) {
    size_t commit = it->g >= 0 ? xp_commit_past(x, it->g, it->offset) : XP_NONE;
    it->first = it->g >= 0 ? xp_poll_of(x, it->g, it->offset) : XP_NONE;
    it->second = xp_processing(x, it->id, false, 0);
    const history_rec *poll = xp_rec(x, it->first), *proc = xp_rec(x, it->second);
    it->key[0] = commit;
    it->key[1] = poll ? (size_t)poll->node << 16 | (poll->e & 0xffff) : 0;
    it->key[2] = proc ? proc->node : 0;
    size_t fate = 0;
    if (it->kind == PIPELINE_OUTPUT_MISSING) {
        size_t send = xp_send(x, it->id, HIST_SEND, 0);
        size_t cb = send != XP_NONE ? xp_send(x, it->id, HIST_CALLBACK, send) : XP_NONE;
        fate = send == XP_NONE ? 1 : cb == XP_NONE ? 2 : 3 + (size_t)(uint32_t)x->h->recs[cb].c;
    }
    it->key[3] = fate;
    it->key[4] = 0;
    it->key[5] = 0;
    it->held = XP_NONE;
}

static int xp_item_cmp(const void *pa, const void *pb) {
    const xp_item *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->g != b->g) return a->g < b->g ? -1 : 1;
    for (int k = 0; k < 6; k++)
        if (a->key[k] != b->key[k]) return a->key[k] < b->key[k] ? -1 : 1;
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static bool xp_same_story(const xp_item *a, const xp_item *b) {
    if (a->kind != b->kind || a->g != b->g) return false;
    for (int k = 0; k < 6; k++)
        if (a->key[k] != b->key[k]) return false;
    return true;
}

static void xp_collect(void *ctx, pipeline_anomaly kind, uint32_t id, uint64_t count) {
    xp_story *x = ctx;
    if (x->failed) return;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        xp_item *v = realloc(x->items, cap * sizeof *v);
        if (!v) {
            x->failed = true;
            return;
        }
        x->items = v;
        x->cap = cap;
    }
    xp_item *it = &x->items[x->n++];
    memset(it, 0, sizeof *it);
    it->kind = (uint32_t)kind;
    it->id = id;
    it->count = count;
    it->g = id < x->ids ? x->id_g[id] : -1;
    it->offset = id < x->ids ? x->id_off[id] : -1;
}

/* ---- Telling ------------------------------------------------------------------------------ */

/* The records of items[0..n) (one story): "record 412 (orders-0 offset 205)" or "records
 * 412..510 of orders-0 (99 records, offsets 205..303)". */
static void xp_subject(const xp_story *x, xp_text *t, const xp_item *items, size_t n) {
    xp_str part = xp_part(x, items[0].g);
    if (n == 1) {
        if (items[0].g >= 0)
            explain_text_head(t, "record %u (%s offset %lld)", items[0].id, part.s,
                    (long long)items[0].offset);
        else explain_text_head(t, "record %u", items[0].id);
        return;
    }
    uint32_t lo = items[0].id, hi = items[0].id;
    int64_t first = items[0].offset, last = items[0].offset;
    for (size_t i = 1; i < n; i++) {
        if (items[i].id < lo) lo = items[i].id;
        if (items[i].id > hi) hi = items[i].id;
        if (items[i].offset < first) first = items[i].offset;
        if (items[i].offset > last) last = items[i].offset;
    }
    bool run = hi - lo + 1 == n;
    if (items[0].g >= 0)
        explain_text_head(t, "records %u%s%u of %s (%zu records, offsets %lld..%lld)", lo,
                run ? ".." : ", ..., ", hi, part.s, n, (long long)first, (long long)last);
    else explain_text_head(t, "records %u%s%u (%zu records)", lo, run ? ".." : ", ..., ", hi, n);
}

static const char *xp_them(size_t n) { return n > 1 ? "them" : "it"; }

/* "an auto commit", ... for a HIST_COMMIT_* kind. */
static const char *xp_commit_kind(uint32_t kind) {
    switch (kind) {
    case HIST_COMMIT_AUTO: return "an auto commit (enable.auto.commit, at poll)";
    case HIST_COMMIT_SYNC: return "a commitSync";
    case HIST_COMMIT_ASYNC: return "a commitAsync";
    case HIST_COMMIT_JOIN: return "the commit before rebalancing (onJoinPrepare)";
    case HIST_COMMIT_CLOSE: return "the commit of close()";
    case HIST_COMMIT_TXN: return "a transaction's offsets (sendOffsetsToTransaction)";
    default: return "a commit";
    }
}

static const char *xp_position_source(uint32_t source) {
    switch (source) {
    case HIST_POSITION_COMMITTED: return "the group's committed offset";
    case HIST_POSITION_EARLIEST: return "auto.offset.reset=earliest: no committed offset";
    case HIST_POSITION_LATEST: return "auto.offset.reset=latest: no committed offset";
    case HIST_POSITION_TRUNCATION: return "the log diverged (KIP-320)";
    case HIST_POSITION_SEEK: return "the application sought back";
    case HIST_POSITION_RESET: return "OFFSET_OUT_OF_RANGE, auto.offset.reset";
    default: return "?";
    }
}

/* "session.timeout.ms=10000" and its kind. */
static void xp_member_event(const xp_story *x, xp_text *t, const history_rec *m) {
    xp_str at = xp_time(m->time_ns), who = xp_node((node_id)m->c), coord = xp_node(m->node);
    const config *own = xp_cfg(x, (node_id)m->c);
    int64_t session = own ? own->session_timeout_ns : 0;
    int64_t poll = own ? own->max_poll_interval_ns : 0;
    switch (m->b) {
    case HIST_MEMBER_EXPIRED:
        xp_add(t, "%s expired %s's member at %s: no heartbeat for session.timeout.ms=%s",
               coord.s, who.s, at.s, xp_ms(session).s);
        break;
    case HIST_MEMBER_LEFT:
        xp_add(t, "%s's member left the group at %s (LeaveGroup at %s)", who.s, at.s, coord.s);
        break;
    case HIST_MEMBER_NOT_REJOINED:
        xp_add(t, "%s removed %s's member at %s: it did not rejoin within the rebalance timeout "
               "(max.poll.interval.ms=%s)", coord.s, who.s, at.s, xp_ms(poll).s);
        break;
    case HIST_MEMBER_SYNC_EXPIRED:
        xp_add(t, "%s removed %s's member at %s: no SyncGroup within the rebalance timeout",
               coord.s, who.s, at.s);
        break;
    case HIST_MEMBER_JOINED:
        xp_add(t, "%s joined the group at %s", who.s, at.s);
        break;
    default: break;
    }
}

/* What ended node's claim on g after history index from (before until): its crash, its
 * heartbeat thread leaving after max.poll.interval.ms, its member removed at the coordinator,
 * the partition revoked or lost. Each told once, in history order. Returns clauses added. */
static int xp_cause(const xp_story *x, xp_text *t, node_id node, int g, size_t from,
                    size_t until) {
    bool crash = false, restart = false, leave = false, member = false, assign = false;
    int told = 0;
    size_t j = xp_event_from(x, from);
    for (int walked = 0; j < x->event_n && walked < XP_WALK_MAX; j++, walked++) {
        size_t i = x->events[j];
        if (i >= until) break;
        const history_rec *r = &x->h->recs[i];
        if (r->kind == HIST_CRASH && r->node == node && r->a == 0 && crash && !restart) {
            restart = true;
            xp_add(t, "%s restarted at %s as a new member", xp_node(node).s,
                   xp_time(r->time_ns).s);
            told++;
        } else if (r->kind == HIST_CRASH && r->node == node && r->a != 0 && !crash) {
            crash = true;
            xp_add(t, "%s crashed at %s%s", xp_node(node).s, xp_time(r->time_ns).s,
                   xp_fault_at(x, i).s);
            told++;
        } else if (r->kind == HIST_ERROR && r->node == node && !leave) {
            leave = true;
            xp_add(t, "%s's heartbeat thread left the group at %s: max.poll.interval.ms=%s "
                   "passed since its last poll() (AbstractCoordinator.maybeLeaveGroup)",
                   xp_node(node).s, xp_time(r->time_ns).s,
                   xp_ms(xp_cfg(x, node) ? xp_cfg(x, node)->max_poll_interval_ns : 0).s);
            told++;
        } else if (r->kind == HIST_MEMBER && (node_id)r->c == node && !member &&
                   r->b != HIST_MEMBER_JOINED) {
            member = true;
            xp_member_event(x, t, r);
            told++;
        } else if (r->kind == HIST_ASSIGN && r->node == node && r->partition == g && !assign &&
                   r->b != HIST_ASSIGN_ASSIGNED) {
            assign = true;
            xp_add(t, "%s %s %s at %s (generation %u%s)", xp_node(node).s,
                   r->b == HIST_ASSIGN_LOST ? "lost" : "revoked", xp_part(x, g).s,
                   xp_time(r->time_ns).s, r->a,
                   r->b == HIST_ASSIGN_REVOKED_COOPERATIVE
                       ? "; cooperative: only the partitions that move are revoked, the next "
                         "rebalance hands them out (ConsumerCoordinator.onJoinComplete)"
                       : "");
            told++;
        }
    }
    return told;
}

/* The rebalance that formed generation gen (its CompletingRebalance record before until): when
 * it began, what began it (the member event at that instant), when gen formed. */
static void xp_rebalance(const xp_story *x, xp_text *t, uint32_t gen, size_t until) {
    size_t j = xp_event_from(x, until), formed = XP_NONE, began = XP_NONE;
    for (int walked = 0; j > 0 && walked < XP_WALK_MAX; walked++) {
        size_t i = x->events[--j];
        const history_rec *r = &x->h->recs[i];
        if (r->kind != HIST_GROUP) continue;
        if (formed == XP_NONE) {
            if (r->b == GROUP_COMPLETING_REBALANCE && r->a == gen) formed = i;
        } else if (r->b == GROUP_PREPARING_REBALANCE) {
            began = i;
            break;
        }
    }
    if (formed == XP_NONE) return;
    const history_rec *f = &x->h->recs[formed];
    if (began == XP_NONE) {
        xp_add(t, "%s formed generation %u at %s", xp_node(f->node).s, gen,
               xp_time(f->time_ns).s);
        return;
    }
    const history_rec *b = &x->h->recs[began];
    /* The trigger: member events recorded at the same instant, just before the transition. */
    const history_rec *why = NULL;
    size_t k = xp_event_from(x, began);
    while (k > 0) {
        const history_rec *r = &x->h->recs[x->events[--k]];
        if (r->time_ns != b->time_ns) break;
        if (r->kind == HIST_MEMBER) why = r;
    }
    const char *trigger = "a member rejoined";
    if (why) {
        switch (why->b) {
        case HIST_MEMBER_JOINED: trigger = "a member joined"; break;
        case HIST_MEMBER_LEFT: trigger = "a member left"; break;
        case HIST_MEMBER_EXPIRED: trigger = "a member's session expired"; break;
        case HIST_MEMBER_NOT_REJOINED: trigger = "a member did not rejoin"; break;
        case HIST_MEMBER_SYNC_EXPIRED: trigger = "a member sent no SyncGroup"; break;
        default: break;
        }
    }
    xp_str who = why ? xp_node((node_id)why->c) : (xp_str){""};
    xp_add(t, "the group began to rebalance at %s (%s%s%s) and %s formed generation %u at %s",
           xp_time(b->time_ns).s, trigger, why ? ": " : "", who.s, xp_node(f->node).s, gen,
           xp_time(f->time_ns).s);
}

/* The earliest and latest times of history indices picked from items (first or second). */
static void xp_times(const xp_story *x, const xp_item *items, size_t n, bool second,
                     int64_t *from, int64_t *to, size_t *last) {
    *from = INT64_MAX;
    *to = INT64_MIN;
    *last = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = second ? items[i].second : items[i].first;
        if (k == XP_NONE) continue;
        int64_t t = x->h->recs[k].time_ns;
        if (t < *from) *from = t;
        if (t > *to) *to = t;
        if (k > *last) *last = k;
    }
}

/* The output copies of id: "output-0 offsets 310 and 402". */
static xp_str xp_out_copies(const xp_story *x, uint32_t id) {
    xp_str t;
    size_t len = 0;
    t.s[0] = 0;
    int told = 0;
    for (size_t j = xp_lower(&x->outs, id, 0); j < x->outs.n && x->outs.v[j].key == id; j++) {
        int g = (int)(x->outs.v[j].pos >> 40);
        long long off = (long long)(x->outs.v[j].pos & (((uint64_t)1 << 40) - 1));
        if (told == 4) {
            len += (size_t)snprintf(t.s + len, sizeof t.s - len, ", ...");
            break;
        }
        len += (size_t)snprintf(t.s + len, sizeof t.s - len, "%s%s offset %lld",
                                told ? ", " : "", xp_part(x, g).s, off);
        if (len >= sizeof t.s) break;
        told++;
    }
    return t;
}

/* The output send of id made by the producer of the instance at processing index proc. */
static void xp_send_fate(const xp_story *x, xp_text *t, uint32_t id, size_t proc, size_t n) {
    const history_rec *p = xp_rec(x, proc);
    if (!p) return;
    node_id producer = node_consumer_producer(node_consumer_index(p->node));
    size_t send = XP_NONE;
    for (size_t j = xp_lower(&x->sends, id, proc); j < x->sends.n && x->sends.v[j].key == id;
         j++) {
        const history_rec *r = &x->h->recs[x->sends.v[j].pos];
        if (r->kind == HIST_SEND && r->node == producer) {
            send = (size_t)x->sends.v[j].pos;
            break;
        }
    }
    xp_str who = xp_node(producer), what;
    if (n > 1) snprintf(what.s, sizeof what.s, "record %u's output", id);
    else snprintf(what.s, sizeof what.s, "the output");
    if (send == XP_NONE) {
        xp_add(t, "%s sent no output for %s", who.s, xp_them(n));
        return;
    }
    const history_rec *s = &x->h->recs[send];
    size_t cb = XP_NONE;
    for (size_t j = xp_lower(&x->sends, id, send); j < x->sends.n && x->sends.v[j].key == id; j++) {
        const history_rec *r = &x->h->recs[x->sends.v[j].pos];
        if (r->kind == HIST_CALLBACK && r->node == producer) {
            cb = (size_t)x->sends.v[j].pos;
            break;
        }
    }
    if (cb == XP_NONE) {
        xp_add(t, "%s sent %s at %s and was never answered", who.s, what.s,
               xp_time(s->time_ns).s);
        return;
    }
    const history_rec *c = &x->h->recs[cb];
    if (c->c == 0)
        xp_add(t, "%s sent %s at %s, acknowledged at %s (offset %lld)", who.s, what.s,
               xp_time(s->time_ns).s, xp_time(c->time_ns).s, (long long)c->d);
    else
        xp_add(t, "%s sent %s at %s; it failed with %s at %s", who.s, what.s,
               xp_time(s->time_ns).s, proto_error_name(c->c), xp_time(c->time_ns).s);
    /* The flush before the commit (KafkaProducer.flush) waits for every answer, and the
     * application calls poll() only after it: an answer later than max.poll.interval.ms is a
     * poll timeout (the seeds' story). */
    const config *own = xp_cfg(x, p->node);
    if (own && c->time_ns - s->time_ns > own->max_poll_interval_ns)
        xp_add(t, "the answer took longer than max.poll.interval.ms=%s, and the flush before "
               "the commit waited for it while poll() was not called",
               xp_ms(own->max_poll_interval_ns).s);
}

/* "generation 2", or "no generation: it had left the group" for a reset one. A cooperative
 * member (partition.assignment.strategy=cooperative-sticky) also processes while the group
 * rebalances, outside a stable generation (ConsumerCoordinator.generationIfStable). */
static xp_str xp_gen(const xp_story *x, node_id node, uint32_t generation) {
    xp_str t;
    const config *cfg = xp_cfg(x, node);
    if ((int32_t)generation >= 0) snprintf(t.s, sizeof t.s, "generation %u", generation);
    else if (cfg && cfg->assignment_strategy == CONFIG_ASSIGN_COOPERATIVE)
        snprintf(t.s, sizeof t.s, "no stable generation: the group was rebalancing "
                 "(cooperative: it goes on processing) or it was out of the group");
    else snprintf(t.s, sizeof t.s, "no generation: it was out of the group");
    return t;
}

/* How the owner of it (processing index p) came to hold the partition: the commit it found,
 * what ended the earlier holder's claim (holder, after history index since), the rebalance,
 * where it resumed. */
static void xp_handover(const xp_story *x, xp_text *t, const xp_item *it, size_t n,
                        const history_rec *owner, size_t p, node_id holder, size_t since,
                        uint32_t holder_gen) {
    const history_rec *pos = xp_rec(x, it->key[4]);
    size_t resumed_at = pos ? it->key[4] : p;
    size_t commit = xp_commit_before(x, it->g, resumed_at, pos ? pos->d : -1);
    const history_rec *cm = xp_rec(x, commit);
    xp_str part = xp_part(x, it->g), who = xp_node(owner->node);
    if (cm)
        xp_add(t, "the offset of %s committed before %s resumed was %lld, %s by %s answered at "
               "%s, so it did not cover %s",
               part.s, who.s, (long long)cm->d, xp_commit_kind(cm->b), xp_node(cm->node).s,
               xp_time(cm->time_ns).s, xp_them(n));
    else if (pos && pos->b != HIST_POSITION_SEEK)
        xp_add(t, "no offset of %s had been committed before %s resumed", part.s, who.s);
    if (x->c && cm && cm->b == HIST_COMMIT_AUTO)
        xp_add(t, "auto commits come every auto.commit.interval.ms=%s at poll(), so up to that "
               "much processing is uncommitted at any time",
               xp_ms(xp_cfg(x, cm->node)->auto_commit_interval_ns).s);
    if (since < resumed_at) xp_cause(x, t, holder, it->g, since, resumed_at);
    if (owner->b != holder_gen && (int32_t)owner->b >= 0) {
        xp_rebalance(x, t, owner->b, resumed_at);
        if ((int32_t)holder_gen >= 0 && owner->b > holder_gen + 1)
            xp_add(t, "(%u rebalances since generation %u)", owner->b - holder_gen, holder_gen);
    }
    if (pos)
        xp_add(t, "%s %s %s at offset %lld at %s (%s)", who.s,
               pos->b == HIST_POSITION_SEEK ? "sought" : "resumed", part.s, (long long)pos->d,
               xp_time(pos->time_ns).s, xp_position_source(pos->b));
}

/* A story of records processed twice (or written twice to the output topic). */
static void xp_tell_twice(const xp_story *x, xp_text *t, const xp_item *items, size_t n) {
    const xp_item *it = &items[0];
    bool output = it->kind == PIPELINE_OUTPUT_DUPLICATE;
    xp_subject(x, t, items, n);
    if (output) {
        explain_text_head(t, " written %s to the output topic's read_committed view (output_duplicates)",
                it->count > 1 ? "more than twice" : "twice");
        if (n == 1) explain_text_head(t, " at %s", xp_out_copies(x, it->id).s);
    } else {
        explain_text_head(t, " processed twice (processed_twice)");
    }
    const history_rec *a = xp_rec(x, it->first), *b = xp_rec(x, it->second);
    const char *did = output ? "processed" : "applied";
    if (!a) {
        xp_add(t, "no instance processed %s", xp_them(n));
        return;
    }
    int64_t from, to, from2, to2;
    size_t last_first, last_second;
    xp_times(x, items, n, false, &from, &to, &last_first);
    xp_times(x, items, n, true, &from2, &to2, &last_second);
    if (!b) {
        xp_add(t, "%s %s %s at %s (%s)", xp_node(a->node).s, did, xp_them(n),
               xp_span(from, to).s, xp_gen(x, a->node, a->b).s);
        if (output) xp_send_fate(x, t, it->id, it->first, n);
        xp_add(t, "no second processing was recorded: the copies came from one processing");
        return;
    }
    if (it->held != XP_NONE) {
        /* b held them from a poll before the partition moved to a, and processed them after. */
        const history_rec *held = &x->h->recs[it->held];
        int64_t hfrom = INT64_MAX, hto = INT64_MIN;
        size_t hlast = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = items[i].held;
            if (k == XP_NONE) continue;
            int64_t tt = x->h->recs[k].time_ns;
            if (tt < hfrom) hfrom = tt;
            if (tt > hto) hto = tt;
            if (k > hlast) hlast = k;
        }
        xp_add(t, "%s polled %s at %s (generation %d)", xp_node(b->node).s, xp_them(n),
               xp_span(hfrom, hto).s, held->e);
        xp_handover(x, t, it, n, a, it->first, b->node, hlast, (uint32_t)held->e);
        xp_add(t, "%s %s %s at %s (%s)", xp_node(a->node).s, did, xp_them(n),
               xp_span(from, to).s, xp_gen(x, a->node, a->b).s);
        if (output) xp_send_fate(x, t, it->id, it->first, n);
        xp_add(t, "%s %s %s again at %s (%s), from the records its poll() had returned before: "
               "an application learns that its partitions moved only at its next poll() "
               "(ConsumerCoordinator.onJoinPrepare), or when a commit fails",
               xp_node(b->node).s, did, xp_them(n), xp_span(from2, to2).s,
               xp_gen(x, b->node, b->b).s);
    } else {
        xp_add(t, "%s %s %s at %s (%s)", xp_node(a->node).s, did, xp_them(n),
               xp_span(from, to).s, xp_gen(x, a->node, a->b).s);
        if (output) xp_send_fate(x, t, it->id, it->first, n);
        xp_handover(x, t, it, n, b, it->second, a->node, last_first, a->b);
        xp_add(t, "%s %s %s again at %s (%s)", xp_node(b->node).s, did, xp_them(n),
               xp_span(from2, to2).s, xp_gen(x, b->node, b->b).s);
    }
    if (output) {
        xp_send_fate(x, t, it->id, it->second, n);
        xp_add(t, "both outputs are plain sends, visible at read_committed: only exactly-once "
               "(the offsets in the output's transaction, KIP-447) fences the first");
    } else if (x->c && x->c->sink == CONFIG_SINK_EXTERNAL) {
        if (x->c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE)
            xp_add(t, "the first processing's transaction did not commit its offsets, so its "
                   "outputs are not read at read_committed, but the sink's effect is outside "
                   "Kafka and stays: exactly-once ends at Kafka's edge");
        xp_add(t, "the sink applies every processing (workload.sink=external); a dedup table "
               "(workload.sink=external-dedup) would apply %s once", xp_them(n));
    }
}

/* A story of records committed as consumed and never processed (or with no output). */
static void xp_tell_never(const xp_story *x, xp_text *t, const xp_item *items, size_t n) {
    const xp_item *it = &items[0];
    bool output = it->kind == PIPELINE_OUTPUT_MISSING;
    xp_subject(x, t, items, n);
    explain_text_head(t, output ? " committed as consumed, missing from the output topic (output_missing)"
                      : " committed as consumed, never processed (processed_never)");
    xp_str part = xp_part(x, it->g);
    const history_rec *poll = xp_rec(x, it->first);
    const history_rec *cm = xp_rec(x, it->key[0]);
    int64_t from, to;
    size_t last;
    if (poll) {
        xp_times(x, items, n, false, &from, &to, &last);
        xp_add(t, "%s polled %s at %s (generation %d)", xp_node(poll->node).s, xp_them(n),
               xp_span(from, to).s, poll->e);
    } else {
        xp_add(t, "no consumer polled %s", xp_them(n));
        last = 0;
    }
    if (cm) {
        xp_add(t, "%s committed offset %lld of %s, %s, answered at %s", xp_node(cm->node).s,
               (long long)cm->d, part.s, xp_commit_kind(cm->b), xp_time(cm->time_ns).s);
        if (x->c && x->c->pipeline == CONFIG_PIPELINE_AT_MOST_ONCE && cm->b == HIST_COMMIT_SYNC)
            xp_add(t, "workload.pipeline=at-most-once commits what poll() returned before "
                   "processing it");
    }
    if (output) {
        const history_rec *proc = xp_rec(x, it->second);
        if (proc) {
            xp_add(t, "%s processed %s at %s (generation %u)", xp_node(proc->node).s,
                   xp_them(n), xp_time(proc->time_ns).s, proc->b);
            xp_send_fate(x, t, it->id, it->second, n);
        } else {
            xp_add(t, "no instance processed %s", xp_them(n));
        }
    }
    if (poll) xp_cause(x, t, poll->node, it->g, last, x->h->count);
    if (!poll) {
        /* A reset past them: the first position of g beyond their offset not from a commit. */
        for (size_t j = 0; j < x->event_n; j++) {
            const history_rec *r = &x->h->recs[x->events[j]];
            if (r->kind != HIST_POSITION || r->partition != it->g || r->d <= it->offset) continue;
            xp_add(t, "%s's position of %s was set to %lld at %s (%s), past %s",
                   xp_node(r->node).s, part.s, (long long)r->d, xp_time(r->time_ns).s,
                   xp_position_source(r->b), xp_them(n));
            break;
        }
    }
    if (!output) {
        if (cm)
            xp_add(t, "no instance applied %s afterwards: every later owner resumed at or past "
                   "the committed offset", xp_them(n));
    }
    if (x->c && x->c->pipeline == CONFIG_PIPELINE_AT_MOST_ONCE)
        xp_add(t, "committing after processing (workload.pipeline=at-least-once) processes "
               "%s again instead", xp_them(n));
}

static const pipeline_anomaly xp_order[] = {PIPELINE_PROCESSED_TWICE, PIPELINE_PROCESSED_NEVER,
                                            PIPELINE_OUTPUT_DUPLICATE, PIPELINE_OUTPUT_MISSING};

/* ---- Entry points ------------------------------------------------------------------------- */

int64_t explain_pipeline_judge(xp_story **out, const history *h, const pipeline_input *in,
                               const config *c) {
    *out = NULL;
    xp_story *x = calloc(1, sizeof *x);
    if (!x) return -1;
    x->h = h;
    x->in = in;
    x->c = c;
    if (c) fault_world_of(c, &x->world);
    size_t ids = (size_t)in->payloads->ids_bound;
    x->ids = ids;
    x->id_g = sim_calloc_large(ids ? ids : 1, sizeof *x->id_g);
    x->id_off = sim_calloc_large(ids ? ids : 1, sizeof *x->id_off);
    if (!x->id_g || !x->id_off) goto failed;
    for (size_t i = 0; i < ids; i++) x->id_g[i] = -1;
    if (c && c->consumer_override_count > 0 && c->consumers > 0) {
        x->own = malloc((size_t)c->consumers * sizeof *x->own);
        if (!x->own) goto failed;
        char err[256];
        for (int k = 0; k < c->consumers; k++)
            if (config_for_consumer(c, k, &x->own[k], err, sizeof err) != 0) x->own[k] = *c;
    }
    if (xp_index(x) != 0) goto failed;
    pipeline_stream ps;
    pipeline_stream_init(&ps);
    pipeline_stream_feed(&ps, h->recs, h->count);
    pipeline_input judged = *in;
    judged.visit = xp_collect;
    judged.visit_ctx = x;
    checker_result scratch;
    memset(&scratch, 0, sizeof scratch);
    int rc = pipeline_checker_finish(&ps, &judged, &scratch);
    pipeline_stream_fini(&ps);
    if (rc != 0 || x->failed) goto failed;
    for (size_t i = 0; i < x->n; i++) {
        if (xp_twice_kind(x->items[i].kind)) xp_key_twice(x, &x->items[i]);
        else xp_key_never(x, &x->items[i]);
    }
    if (x->n > 1) qsort(x->items, x->n, sizeof *x->items, xp_item_cmp);
    *out = x;
    return (int64_t)x->n;
failed:
    explain_pipeline_free(x);
    return -1;
}

int explain_pipeline_tell(xp_story *x, FILE *out, int limit) {
    int told = 0;
    xp_text *t = malloc(sizeof *t);
    if (!t) return -1;
    for (size_t k = 0; k < sizeof xp_order / sizeof xp_order[0]; k++) {
        uint64_t untold = 0;
        int stories = 0;
        for (size_t i = 0; i < x->n;) {
            size_t j = i + 1;
            while (j < x->n && xp_same_story(&x->items[i], &x->items[j])) j++;
            if (x->items[i].kind == (uint32_t)xp_order[k]) {
                if (stories < limit) {
                    t->len = 0;
                    t->clauses = 0;
                    t->buf[0] = 0;
                    if (xp_twice_kind(x->items[i].kind)) xp_tell_twice(x, t, &x->items[i], j - i);
                    else xp_tell_never(x, t, &x->items[i], j - i);
                    fprintf(out, "%s.\n", t->buf);
                    stories++;
                    told++;
                } else {
                    untold += j - i;
                }
            }
            i = j;
        }
        if (untold)
            fprintf(out, "(%llu more %s records not explained; --explain=N shows more)\n",
                    (unsigned long long)untold, pipeline_anomaly_field(xp_order[k]));
    }
    free(t);
    return told;
}

void explain_pipeline_free(xp_story *x) {
    if (!x) return;
    free(x->items);
    free(x->proc.v);
    free(x->sends.v);
    free(x->commits.v);
    free(x->cmax);
    free(x->polls.v);
    free(x->outs.v);
    free(x->events);
    free(x->id_g);
    free(x->id_off);
    free(x->own);
    free(x);
}
