/*
 * checker.c: the verdict on one run, from the history and the final committed log alone.
 *
 * The checker is the oracle: it never reads a node's private state, only what the application
 * was told (sends and callbacks in the history) and what the final leader's log holds below
 * its high watermark (kafka-semantics.md section 6, "Counters"; Jepsen's Kafka queue checker
 * uses the same vocabulary: lost-write, duplicate, nonmonotonic-send, unexpected).
 *
 * Invariants of the working sets: one flag byte per record id, in an array indexed by id and
 * sized by the largest id seen, and the time and send number of every stored send record, so
 * memory is linear in records (1 byte per id, plus 24 per run of sends; 4 more per id once
 * some id is sent again) and nothing depends on hash or pointer order. Latency percentiles
 * are exact order statistics (nearest rank) of integer nanoseconds over every answered send,
 * success or failure; equal latencies in a row are kept as one value with a count.
 *
 * Partitions and producers: the committed logs are read partition by partition in global
 * index order (topics in workload.topics order, then partition number). Duplicates
 * are per record id across all of them (a copy on another partition is a copy); order is per
 * (producer, partition), which is what Kafka promises (the idempotent producer's sequence
 * numbers are per partition, KIP-98; a keyed record always goes to one partition, so per-key
 * order follows), so two producers interleaving on one partition, or one producer's ids spread
 * over partitions, are no reordering; a record's producer is the batch's producer node. A
 * lost write counts on the partition of the id's latest success callback (history.h: a
 * callback's partition), where the application was told it was written.
 *
 * What it leaves out: consumers (the committed log is read as a consumer with read_uncommitted would read it up to
 * the high watermark) and a pipeline's output sends (pipeline_checker.h judges those).
 */
#include "checker.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sim.h"

/* Flags per record id. */
enum {
    CHECKER_SENT = 1u << 0,      /* the application sent it at least once */
    CHECKER_ACKED = 1u << 1,     /* some send of it succeeded */
    CHECKER_FAILED = 1u << 2,    /* some send of it failed */
    CHECKER_COMMITTED = 1u << 3, /* it is in the committed log */
};

/* ---- Flag runs, eight bytes at a time ------------------------------------------------------ */

/* A batch's ids are consecutive, so the checker mostly reads and sets the flags of a run: the
 * word loops below do in two steps what a byte loop does in ten. A run of eight or more ends
 * with a word that may overlap the one before it, which AND, OR and setting a bit allow. */
#define CHECKER_BYTE_ONES UINT64_C(0x0101010101010101)

/* The AND and the OR of the n flag bytes at f. */
static void checker_flags_fold(const uint8_t *f, uint32_t n, uint8_t *all, uint8_t *any) {
    if (n < 8) {
        uint8_t a = 0xff, o = 0;
        for (uint32_t k = 0; k < n; k++) {
            a &= f[k];
            o |= f[k];
        }
        *all = a;
        *any = o;
        return;
    }
    uint64_t a = UINT64_MAX, o = 0, x;
    for (uint32_t k = 0; k + 8 < n; k += 8) {
        memcpy(&x, f + k, sizeof x);
        a &= x;
        o |= x;
    }
    memcpy(&x, f + n - 8, sizeof x);
    a &= x;
    o |= x;
    a &= a >> 32;
    a &= a >> 16;
    a &= a >> 8;
    o |= o >> 32;
    o |= o >> 16;
    o |= o >> 8;
    *all = (uint8_t)a;
    *any = (uint8_t)o;
}

/* Sets flag in the n flag bytes at f. */
static void checker_flags_set(uint8_t *f, uint32_t n, uint8_t flag) {
    if (n < 8) {
        for (uint32_t k = 0; k < n; k++) f[k] |= flag;
        return;
    }
    uint64_t set = flag * CHECKER_BYTE_ONES, x;
    for (uint32_t k = 0; k + 8 < n; k += 8) {
        memcpy(&x, f + k, sizeof x);
        x |= set;
        memcpy(f + k, &x, sizeof x);
    }
    memcpy(&x, f + n - 8, sizeof x);
    x |= set;
    memcpy(f + n - 8, &x, sizeof x);
}


const char *checker_anomaly_field(checker_anomaly kind) {
    static const char *const names[CHECKER_ANOMALY_COUNT] = {
        [CHECKER_LOST_ACKED] = "lost_acked",
        [CHECKER_DUPLICATE] = "duplicates",
        [CHECKER_REORDERED] = "reordered",
        [CHECKER_FAILED_BUT_WRITTEN] = "failed_but_written",
        [CHECKER_UNEXPECTED] = "unexpected",
    };
    if ((unsigned)kind >= CHECKER_ANOMALY_COUNT) return "unknown";
    return names[kind];
}

const char *checker_anomaly_jepsen(checker_anomaly kind) {
    static const char *const names[CHECKER_ANOMALY_COUNT] = {
        [CHECKER_LOST_ACKED] = "lost-write",
        [CHECKER_DUPLICATE] = "duplicate",
        [CHECKER_REORDERED] = "nonmonotonic-send",
        [CHECKER_FAILED_BUT_WRITTEN] = "failed-but-written",
        [CHECKER_UNEXPECTED] = "unexpected",
    };
    if ((unsigned)kind >= CHECKER_ANOMALY_COUNT) return "unknown";
    return names[kind];
}

/* ---- Sizing ------------------------------------------------------------------------------ */

/* Records of a log batch, clipped to what its payload holds; none for a control batch (an
 * end-transaction marker, whose payload is a coordinator epoch). */
static proto_ids checker_batch_ids(const checker_input *in, const proto_batch *b) {
    if (!in->payloads || b->payload >= in->payloads->count || proto_batch_is_control(b))
        return (proto_ids){0};
    proto_ids ids = proto_payload_ids(in->payloads, b->payload);
    if (ids.n > b->record_count) ids.n = b->record_count;
    return ids;
}

/* ---- Partitions per id ------------------------------------------------------------------ *
 *
 * acked_on keeps, per id, the partition of its latest success callback: a byte each while
 * every partition named is below 256 (a world of one partition never allocates it), widened to
 * two bytes by the first callback naming a larger one. */

static size_t checker_acked_on_size(const checker_stream *cs) {
    return cs->acked_on_wide ? sizeof(uint16_t) : sizeof(uint8_t);
}

static uint32_t checker_acked_on_get(const checker_stream *cs, uint64_t id) {
    if (!cs->acked_on) return 0;
    if (cs->acked_on_wide) return ((const uint16_t *)cs->acked_on)[id];
    return ((const uint8_t *)cs->acked_on)[id];
}

/* Grows acked_on (if allocated) from cs->ids to n entries, the new ones 0. False, and
 * cs->failed, when memory cannot be had. */
static bool checker_cover_acked_on(checker_stream *cs, uint64_t n) {
    if (!cs->acked_on) return true;
    size_t size = checker_acked_on_size(cs);
    unsigned char *grown = sim_realloc_large(cs->acked_on, (size_t)n * size);
    if (!grown) {
        cs->failed = true;
        return false;
    }
    memset(grown + (size_t)cs->ids * size, 0, (size_t)(n - cs->ids) * size);
    cs->acked_on = grown;
    return true;
}

/* acked_on allocated (every id on partition 0) and wide enough for partition part. False, and
 * cs->failed, when memory cannot be had. */
static bool checker_acked_on_room(checker_stream *cs, uint16_t part) {
    if (!cs->acked_on) {
        cs->acked_on = calloc((size_t)cs->ids, sizeof(uint8_t));
        if (!cs->acked_on) cs->failed = true;
        if (!cs->acked_on) return false;
    }
    if (part <= UINT8_MAX || cs->acked_on_wide) return true;
    uint16_t *wide = sim_calloc_large((size_t)cs->ids, sizeof *wide);
    if (!wide) {
        cs->failed = true;
        return false;
    }
    const uint8_t *narrow = cs->acked_on;
    for (uint64_t id = 0; id < cs->ids; id++) wide[id] = narrow[id];
    free(cs->acked_on);
    cs->acked_on = wide;
    cs->acked_on_wide = true;
    return true;
}

/* Sets the partition of ids first .. first + n - 1 to part (acked_on has room for it). */
static void checker_acked_on_set(checker_stream *cs, uint32_t first, uint32_t n, uint16_t part) {
    if (cs->acked_on_wide) {
        uint16_t *v = (uint16_t *)cs->acked_on + first;
        for (uint32_t j = 0; j < n; j++) v[j] = part;
    } else {
        memset((uint8_t *)cs->acked_on + first, part, n);
    }
}

/* Grows the per-id arrays to cover ids 0 .. bound - 1 (at least doubling, so a run of
 * resends with new ids costs amortised O(1) each); new ids are flagged nothing and resent
 * never. False, and cs->failed, when memory cannot be had. */
static bool checker_cover(checker_stream *cs, uint64_t bound) {
    if (bound <= cs->ids) return true;
    if (cs->failed) return false;
    uint64_t n = cs->ids * 2 > bound ? cs->ids * 2 : bound;
    if (n > SIZE_MAX / sizeof *cs->resent) {
        cs->failed = true;
        return false;
    }
    uint8_t *flags = sim_realloc_large(cs->flags, (size_t)n * sizeof *flags);
    if (flags) cs->flags = flags;
    uint32_t *resent = cs->resent;
    if (flags && resent) resent = sim_realloc_large(resent, (size_t)n * sizeof *resent);
    if (!flags || (cs->resent && !resent)) {
        cs->failed = true;
        return false;
    }
    memset(cs->flags + cs->ids, 0, (size_t)(n - cs->ids));
    if (resent) {
        memset(resent + cs->ids, 0, (size_t)(n - cs->ids) * sizeof *resent);
        cs->resent = resent;
    }
    if (!checker_cover_acked_on(cs, n)) return false;
    cs->ids = n;
    return true;
}

/* The array v (capacity *capacity, count entries of `size` bytes stored) with room for `more`
 * after them: v itself, or v grown at least twice over. NULL, and cs->failed, when memory
 * cannot be had or the entries would outgrow `limit`. */
static void *checker_room(checker_stream *cs, void *v, size_t *capacity, size_t count,
                          size_t more, size_t size, size_t limit) {
    if (*capacity - count >= more) return v;
    size_t need = count + more;
    size_t cap = *capacity * 2 > need ? *capacity * 2 : need;
    void *grown = cs->failed || cap > limit || cap > SIZE_MAX / size
                      ? NULL
                      : sim_realloc_large(v, cap * size);
    if (!grown) {
        cs->failed = true;
        return NULL;
    }
    *capacity = cap;
    return grown;
}

static bool checker_send_room(checker_stream *cs, size_t more) {
    checker_send *v = checker_room(cs, cs->sends, &cs->send_capacity, cs->send_count, more,
                                   sizeof *v, UINT32_MAX - 1);
    if (v) cs->sends = v;
    return v != NULL;
}

/* Room for `more` latency entries after those stored. */
static bool checker_latency_room(checker_stream *cs, size_t more) {
    checker_tie *v = checker_room(cs, cs->latencies, &cs->latency_capacity, cs->latency_count,
                                  more, sizeof *v, SIZE_MAX);
    if (v) cs->latencies = v;
    return v != NULL;
}

static bool checker_fresh_room(checker_stream *cs, size_t more) {
    checker_fresh *v = checker_room(cs, cs->fresh, &cs->fresh_capacity, cs->fresh_count, more,
                                    sizeof *v, SIZE_MAX);
    if (v) cs->fresh = v;
    return v != NULL;
}

/* Allocates resent, for every id covered, at the first send record that is not fresh. Its
 * pages are only backed where written (calloc's zeros). False, and cs->failed, when memory
 * cannot be had. */
static bool checker_resent_room(checker_stream *cs) {
    if (cs->resent) return true;
    cs->resent = calloc((size_t)cs->ids, sizeof *cs->resent);
    if (!cs->resent) cs->failed = true;
    return cs->resent != NULL;
}

/* Appends a send record's time and number; its index, or UINT32_MAX (and cs->failed) when
 * memory cannot be had. */
static uint32_t checker_send_add(checker_stream *cs, const history_rec *r) {
    if (!checker_send_room(cs, 1)) return UINT32_MAX;
    cs->sends[cs->send_count] = (checker_send){.ns = r->time_ns, .send_no = r->b};
    return (uint32_t)cs->send_count++;
}

int checker_stream_init(checker_stream *cs, uint64_t records) {
    memset(cs, 0, sizeof *cs);
    cs->out.records = records;
    /* A batch's records are usually sent by one send record and share one latency: about
     * one entry of each per batch. Room for one per 8 records up front saves a large run from
     * copying them as they double (only what is written is touched). */
    size_t per_batch = (size_t)(records / 8) + 64;
    if (!checker_cover(cs, records ? records : 1) || !checker_latency_room(cs, per_batch) ||
        !checker_send_room(cs, per_batch) || !checker_fresh_room(cs, per_batch))
        return -1;
    return 0;
}

void checker_stream_fini(checker_stream *cs) {
    free(cs->flags);
    free(cs->resent);
    free(cs->acked_on);
    free(cs->acked_by);
    free(cs->sends);
    free(cs->fresh);
    free(cs->latencies);
    /* Owned arrays forgotten, so that a second fini frees nothing (the counters, 8 KiB of
     * them, are left as they are: clearing them was a cost at every run's end). */
    cs->flags = NULL;
    cs->resent = NULL;
    cs->acked_on = NULL;
    cs->acked_by = NULL;
    cs->sends = NULL;
    cs->fresh = NULL;
    cs->latencies = NULL;
    cs->ids = 0;
    cs->acked_by_count = cs->send_count = cs->send_capacity = 0;
    cs->fresh_count = cs->fresh_capacity = cs->latency_count = cs->latency_capacity = 0;
}

/* ---- The latest send of an id ----------------------------------------------------------- *
 *
 * A callback answers the latest send of its id. Most send records are fresh: every id they
 * stand for is above every id sent before (new ids go out in order), so the fresh records,
 * kept in order, partition the ids they cover and the one standing for an id is the last with
 * first <= id. Only ids a later record stands for again (a resend) need an entry of their own:
 * those go to resent, an array allocated at the first such record. A run without resends
 * keeps one entry per send record instead of four bytes per id. */

/* The last fresh record with first <= id (there is one: id was sent and is not resent).
 * Callbacks come in about the order of the sends, so the search starts where the last ended. */
static size_t checker_fresh_find(checker_stream *cs, uint32_t id) {
    const checker_fresh *fresh = cs->fresh;
    size_t k = cs->fresh_hint < cs->fresh_count ? cs->fresh_hint : 0;
    if (fresh[k].first <= id) {
        /* Forward from the hint by doubling steps, then bisect: callbacks of keyed batches
         * (several partitions) jump ahead, and a step at a time made that linear. */
        size_t step = 1, lo = k, hi = k;
        while (hi + 1 < cs->fresh_count && fresh[hi + 1].first <= id) {
            lo = hi + 1;
            hi = lo + step < cs->fresh_count ? lo + step : cs->fresh_count - 1;
            step *= 2;
            if (fresh[hi].first > id) break;
            lo = hi;
        }
        /* fresh[lo].first <= id; the answer is in [lo, hi] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (fresh[mid].first <= id) lo = mid;
            else hi = mid - 1;
        }
        k = lo;
    } else {
        size_t lo = 0, hi = k; /* fresh[hi].first > id; the answer is in [lo, hi) */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (fresh[mid].first <= id) lo = mid;
            else hi = mid;
        }
        k = lo;
    }
    cs->fresh_hint = k;
    return k;
}

/* The index in sends of id's latest send; id was sent (CHECKER_SENT). */
static uint32_t checker_latest(checker_stream *cs, uint32_t id) {
    if (cs->resent && cs->resent[id]) return cs->resent[id] - 1;
    return cs->fresh[checker_fresh_find(cs, id)].send;
}

/* ---- The history: what the application was told, and the counters ------------------------ */

/* A fresh send record that starts where the last fresh one ended, at its time and with its
 * send number, says nothing the last one does not: the last one's entry stands for it too
 * (a fresh entry reaches up to the next one's first id), and it only flags its ids as sent.
 * The history stores such records apart when their records went to different partitions
 * (keyed records: one record per id), which would otherwise cost an entry per id here. Says
 * whether it took r. */
static bool checker_sends_continue(checker_stream *cs, const history_rec *r, uint32_t n) {
    if (cs->fresh_count == 0 || r->a != cs->sent_bound) return false;
    const checker_send *last = &cs->sends[cs->fresh[cs->fresh_count - 1].send];
    if (last->ns != r->time_ns || last->send_no != r->b) return false;
    checker_flags_set(cs->flags + r->a, n, CHECKER_SENT);
    cs->sent_bound = (uint64_t)r->a + n;
    return true;
}

/* A stored send record stands for ids a .. a + f, all sent at its time with its send number
 * (history.h); the walk reads them in place rather than expanding each. */
static void checker_on_sends(checker_stream *cs, const history_rec *r) {
    uint32_t n = history_rec_span(r);
    cs->out.sends += n;
    uint64_t end = (uint64_t)r->a + n;
    if (!checker_cover(cs, end)) return;
    if (checker_sends_continue(cs, r, n)) return;
    uint32_t send = checker_send_add(cs, r);
    if (send == UINT32_MAX) return;
    bool fresh = r->a >= cs->sent_bound;
    if (fresh ? !checker_fresh_room(cs, 1) : !checker_resent_room(cs)) return;
    checker_flags_set(cs->flags + r->a, n, CHECKER_SENT);
    if (fresh) {
        cs->fresh[cs->fresh_count++] = (checker_fresh){.first = r->a, .send = send};
    } else {
        for (uint32_t j = 0; j < n; j++) cs->resent[r->a + j] = send + 1;
    }
    if (end > cs->sent_bound) cs->sent_bound = end;
}

/* Adds n matched callbacks of latency ns: equal latencies in a row are one entry. */
static void checker_tie_add(checker_stream *cs, int64_t ns, uint64_t n) {
    checker_tie *ties = cs->latencies;
    size_t count = cs->latency_count;
    if (count > 0 && ties[count - 1].ns == ns) {
        ties[count - 1].count += n;
    } else {
        ties[count].ns = ns;
        ties[count].count = n;
        cs->latency_count = count + 1;
    }
    cs->latency_total += n;
}

/* The usual callback run: every id of it was sent, by fresh send records only and none again,
 * so each fresh record's part of the run shares one latency. Mostly one part: a batch's
 * records go out together; once buffer.memory paces the application (runs of 10^6 records
 * and more), a batch may hold the ends of two sends. Handles such a run as the loop of
 * checker_on_callbacks would (equal latencies in a row make one entry either way), with a
 * tie per part instead of per id, and says whether it did. */
static bool checker_callbacks_shared(checker_stream *cs, const history_rec *r, uint32_t n,
                                     uint8_t flag) {
    uint8_t *flags = cs->flags + r->a;
    uint8_t all, any;
    checker_flags_fold(flags, n, &all, &any);
    if (!(all & CHECKER_SENT)) return false;
    if (cs->resent) {
        uint32_t again = 0;
        for (uint32_t j = 0; j < n; j++) again |= cs->resent[r->a + j];
        if (again) return false;
    }
    checker_flags_set(flags, n, flag);
    uint64_t end = (uint64_t)r->a + n;
    size_t k = checker_fresh_find(cs, r->a);
    for (uint64_t id = r->a; id < end; k++) {
        uint64_t next = k + 1 < cs->fresh_count ? cs->fresh[k + 1].first : end;
        if (next > end) next = end;
        const checker_send *sent = &cs->sends[cs->fresh[k].send];
        if (sent->send_no == r->b) checker_tie_add(cs, r->time_ns - sent->ns, next - id);
        cs->fresh_hint = k;
        id = next;
    }
    return true;
}

/* Counts n success callbacks naming partition part; says whether their ids' partitions must
 * be kept (some callback named a partition other than 0) and acked_on has room for part. */
static bool checker_acked_by(checker_stream *cs, uint16_t part, uint32_t n) {
    if (part >= cs->acked_by_count) {
        size_t count = (size_t)part + 1;
        uint64_t *grown = cs->failed ? NULL : realloc(cs->acked_by, count * sizeof *grown);
        if (!grown) {
            cs->failed = true;
            return false;
        }
        memset(grown + cs->acked_by_count, 0, (count - cs->acked_by_count) * sizeof *grown);
        cs->acked_by = grown;
        cs->acked_by_count = count;
    }
    cs->acked_by[part] += n;
    if (part == 0 && !cs->acked_on) return false;
    return checker_acked_on_room(cs, part);
}

/* A success callback run names the partition its records were written to: counted for the
 * partition, and kept per id once some callback names a partition other than 0. */
static void checker_on_acked_partition(checker_stream *cs, const history_rec *r, uint32_t n) {
    if (!checker_acked_by(cs, r->partition, n)) return;
    if (!checker_cover(cs, (uint64_t)r->a + n)) return;
    checker_acked_on_set(cs, r->a, n, r->partition);
}

/* A callback answers the latest send of its id when the send numbers agree; the latency is
 * taken only then, so a stray callback never makes up a latency. A stored callback record
 * stands for ids a .. a + f with one error (history.h); the offsets do not matter here. Equal
 * latencies in a row extend one entry. */
static void checker_on_callbacks(checker_stream *cs, const history_rec *r) {
    checker_result *out = &cs->out;
    uint32_t n = history_rec_span(r);
    uint8_t flag = CHECKER_ACKED;
    if (r->c == ERR_NONE) {
        out->acked += n;
        checker_on_acked_partition(cs, r, n);
    } else {
        out->failed += n;
        flag = CHECKER_FAILED;
        /* Client-side outcomes (delivery timeout, retries exhausted) have no broker error
         * record; the callback is where the application sees them. */
        if (r->c >= 1000 && r->c < PROTO_ERROR_CODES_MAX) out->errors[r->c] += n;
    }
    if (!checker_cover(cs, (uint64_t)r->a + n) || !checker_latency_room(cs, n)) return;
    if (checker_callbacks_shared(cs, r, n, flag)) return;
    uint8_t *flags = cs->flags;
    const checker_send *sends = cs->sends;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t id = r->a + j;
        uint8_t f = flags[id] | flag;
        flags[id] = f;
        if (!(f & CHECKER_SENT)) continue;
        const checker_send *sent = &sends[checker_latest(cs, id)];
        if (sent->send_no != r->b) continue;
        checker_tie_add(cs, r->time_ns - sent->ns, 1);
    }
}

/* The usual payload callback: every id sent, none resent, all by one fresh send record (its
 * ids lie between that record's first id and the next one's), which r answers: one latency for
 * all, as n equal latencies in a row make one entry. Flags them as checker_on_payload_callbacks
 * would and says whether it did. */
static bool checker_payload_shared(checker_stream *cs, const history_rec *r, const proto_ids *ids,
                                   uint8_t flag) {
    if (cs->resent || ids->n == 0) return false;
    uint32_t lo = UINT32_MAX, hi = 0;
    uint8_t all = 0xff;
    for (uint32_t k = 0; k < ids->n; k++) {
        uint32_t id = proto_ids_at(ids, k);
        lo = id < lo ? id : lo;
        hi = id > hi ? id : hi;
        all &= cs->flags[id];
    }
    if (!(all & CHECKER_SENT)) return false;
    size_t f = checker_fresh_find(cs, lo);
    if (f + 1 < cs->fresh_count && hi >= cs->fresh[f + 1].first) return false;
    const checker_send *sent = &cs->sends[cs->fresh[f].send];
    for (uint32_t k = 0; k < ids->n; k++) cs->flags[proto_ids_at(ids, k)] |= flag;
    if (sent->send_no == r->b) checker_tie_add(cs, r->time_ns - sent->ns, ids->n);
    return true;
}

/* The callbacks of a payload's ids (history.h, HIST_CALLBACK_PAYLOAD), as checker_on_callbacks
 * would take a record of each id in the payload's order: the same counts, flags, partitions
 * and latencies, with the ids read from the arena. */
static void checker_on_payload_callbacks(checker_stream *cs, const history_rec *r) {
    checker_result *out = &cs->out;
    proto_ids ids = proto_payload_ids(cs->payloads, (uint32_t)r->d);
    uint32_t n = ids.n;
    SIM_ASSERT(NULL, n == history_rec_span(r) && ids.first == r->a);
    if (!checker_cover(cs, cs->payloads->ids_bound)) return;
    uint8_t flag = CHECKER_ACKED;
    if (r->c == ERR_NONE) {
        out->acked += n;
        if (checker_acked_by(cs, r->partition, n)) {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t id = proto_ids_at(&ids, k);
                if (cs->acked_on_wide) ((uint16_t *)cs->acked_on)[id] = r->partition;
                else ((uint8_t *)cs->acked_on)[id] = (uint8_t)r->partition;
            }
        }
    } else {
        out->failed += n;
        flag = CHECKER_FAILED;
        if (r->c >= 1000 && r->c < PROTO_ERROR_CODES_MAX) out->errors[r->c] += n;
    }
    if (!checker_latency_room(cs, n)) return;
    uint8_t *flags = cs->flags;
    if (checker_payload_shared(cs, r, &ids, flag)) return;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        uint8_t f = flags[id] | flag;
        flags[id] = f;
        if (!(f & CHECKER_SENT)) continue;
        const checker_send *sent = &cs->sends[checker_latest(cs, id)];
        if (sent->send_no != r->b) continue;
        checker_tie_add(cs, r->time_ns - sent->ns, 1);
    }
}

static void checker_on_fault(const history_rec *r, checker_result *out) {
    if (r->b != 1) return;
    if (r->a < 64) out->faults_fired_mask |= (uint64_t)1 << r->a;
}

void checker_stream_feed(checker_stream *cs, const history_rec *recs, size_t n) {
    checker_result *out = &cs->out;
    for (size_t i = 0; i < n; i++) {
        const history_rec *r = &recs[i];
        switch ((history_kind)r->kind) {
        case HIST_SEND:
            /* A pipeline's output sends (consumer-k.producer, issue 19) carry input ids to the
             * output topic: pipeline_checker.h judges them, the workload's ledger does not. */
            if (!node_is_consumer_producer(r->node)) checker_on_sends(cs, r);
            break;
        case HIST_CALLBACK:
            if (node_is_consumer_producer(r->node)) break;
            if (r->e == HIST_CALLBACK_PAYLOAD) checker_on_payload_callbacks(cs, r);
            else checker_on_callbacks(cs, r);
            break;
        case HIST_ATTEMPT: out->retries += r->b > 1; break;
        case HIST_DEDUP: out->deduplicated++; break;
        case HIST_TRUNCATE: out->truncated += r->a; break;
        case HIST_ELECTION:
            /* Leader epoch 0 is the partition's creation, not an election. */
            if (r->node == NODE_NONE || r->a == 0) break;
            out->leader_elections++;
            out->unclean_elections += r->b != 0;
            break;
        case HIST_DROP: out->messages_dropped += r->b != UINT32_MAX; break;
        case HIST_FAULT: checker_on_fault(r, out); break;
        case HIST_EPOCH_BUMP: out->epoch_bumps++; break;
        case HIST_ERROR:
            if (r->a < PROTO_ERROR_CODES_MAX) out->errors[r->a]++;
            break;
        case HIST_EXPIRE: out->expired++; break;
        default: break;
        }
    }
}

/* ---- The committed logs ------------------------------------------------------------------- */

/* Where one partition's log is read: its index, its share of the verdict, and the largest id
 * committed so far of each producer, -1 before the first (order is per producer and
 * partition). */
typedef struct checker_reading {
    uint32_t partition;
    checker_partition *part;
    int64_t largest[PROTO_PRODUCERS_MAX];
} checker_reading;

/* The producer slot of a batch: its producer's index, or 0 for a batch naming no producer. */
static int checker_producer_slot(const proto_batch *b) {
    return node_is_producer(b->producer) ? b->producer - NODE_PRODUCER_BASE : 0;
}

/* One committed record that is not plainly the next: never sent, a copy, or out of order.
 * largest is the largest id its producer committed before it on this partition, -1 before
 * the first. */
static void checker_on_committed(checker_stream *cs, checker_result *out, checker_reading *rd,
                                 uint32_t id, int64_t offset, int64_t *largest,
                                 checker_anomaly_fn visit, void *ctx) {
    if (!(cs->flags[id] & CHECKER_SENT)) {
        out->unexpected++;
        if (visit) visit(ctx, CHECKER_UNEXPECTED, rd->partition, id, offset);
    }
    if (cs->flags[id] & CHECKER_COMMITTED) {
        out->duplicates++;
        rd->part->duplicates++;
        if (visit) visit(ctx, CHECKER_DUPLICATE, rd->partition, id, offset);
    } else {
        cs->flags[id] |= CHECKER_COMMITTED;
        if ((int64_t)id < *largest) {
            out->reordered++;
            rd->part->reordered++;
            if (visit) visit(ctx, CHECKER_REORDERED, rd->partition, id, offset);
        }
    }
    if ((int64_t)id > *largest) *largest = id;
}

/* The usual committed batch: consecutive ids (a payload stored as a run) above every id its
 * producer committed before here, each sent and not committed yet. Commits it as the loop of
 * checker_read_log would (no anomaly, largest moves to its last id), in loops without
 * branches, and says whether it did. */
static bool checker_commit_run(uint8_t *flags, const proto_ids *ids, uint32_t n,
                               int64_t *largest) {
    uint32_t first = ids->first;
    if (ids->list || (int64_t)first <= *largest) return false;
    uint8_t *f = flags + first;
    uint8_t all, any;
    checker_flags_fold(f, n, &all, &any);
    if (!(all & CHECKER_SENT) || (any & CHECKER_COMMITTED)) return false;
    checker_flags_set(f, n, CHECKER_COMMITTED);
    *largest = (int64_t)first + n - 1;
    return true;
}

/* One partition's records below its high watermark, in offset order. Most are plainly the
 * next: sent, committed once, larger than every id of their producer before them here; those
 * only get their flag here. */
static void checker_read_log(checker_stream *cs, const checker_log *lg, checker_reading *rd,
                             const checker_input *in, checker_result *out,
                             checker_anomaly_fn visit, void *ctx) {
    for (int k = 0; k < PROTO_PRODUCERS_MAX; k++) rd->largest[k] = -1;
    for (size_t i = 0; i < lg->log_count; i++) {
        const proto_batch *b = &lg->log[i];
        proto_ids ids = checker_batch_ids(in, b);
        uint32_t n = ids.n;
        /* The log is in offset order: nothing from the high watermark on is committed. */
        if (n == 0) continue;
        if (b->base_offset >= lg->high_watermark) return;
        bool last = lg->high_watermark - b->base_offset < (int64_t)n;
        if (last) n = (uint32_t)(lg->high_watermark - b->base_offset);
        out->committed += n;
        rd->part->committed += n;
        int64_t *largest = &rd->largest[checker_producer_slot(b)];
        if (checker_commit_run(cs->flags, &ids, n, largest)) {
            if (last) return;
            continue;
        }
        uint8_t *flags = cs->flags;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t id = proto_ids_at(&ids, k);
            uint8_t f = flags[id];
            if ((f & (CHECKER_SENT | CHECKER_COMMITTED)) == CHECKER_SENT && (int64_t)id > *largest) {
                flags[id] = f | CHECKER_COMMITTED;
                *largest = id;
                continue;
            }
            checker_on_committed(cs, out, rd, id, b->base_offset + (int64_t)k, largest, visit,
                                 ctx);
        }
        if (last) return;
    }
}

/* Every partition's log, in index order. */
static void checker_read_logs(checker_stream *cs, const checker_log *logs, size_t count,
                              checker_partition *parts, const checker_input *in,
                              checker_result *out, checker_anomaly_fn visit, void *ctx) {
    checker_reading rd;
    for (size_t g = 0; g < count; g++) {
        rd.partition = (uint32_t)g;
        rd.part = &parts[g];
        checker_read_log(cs, &logs[g], &rd, in, out, visit, ctx);
    }
}

/* What the outcomes are counted into: the totals and each partition's share. */
typedef struct checker_outcomes {
    checker_result *out;
    checker_partition *parts;
    size_t count;            /* entries of parts */
    const checker_stream *cs;     /* its acked_on: per id, or NULL: every id on partition 0 */
    const uint16_t *committed_on; /* per id, or NULL: every id on partition 0 */
} checker_outcomes;

/* Where each id was first committed, for the failed_but_written ids a visitor is told of in a
 * world of several partitions: the logs read as checker_read_log reads them, from the last
 * record back, so that an id's first committed copy writes last. malloc'd (the caller frees);
 * NULL when memory cannot be had. Only such runs pay for it, two bytes per id. */
static uint16_t *checker_committed_on(const checker_stream *cs, const checker_log *logs,
                                      size_t count, const checker_input *in) {
    uint16_t *on = sim_realloc_large(NULL, (size_t)cs->ids * sizeof *on);
    if (!on) return NULL;
    for (size_t g = count; g-- > 0;) {
        const checker_log *lg = &logs[g];
        for (size_t i = lg->log_count; i-- > 0;) {
            const proto_batch *b = &lg->log[i];
            proto_ids ids = checker_batch_ids(in, b);
            uint32_t n = ids.n;
            if (n == 0 || b->base_offset >= lg->high_watermark) continue;
            if (lg->high_watermark - b->base_offset < (int64_t)n)
                n = (uint32_t)(lg->high_watermark - b->base_offset);
            for (uint32_t k = n; k-- > 0;) on[proto_ids_at(&ids, k)] = (uint16_t)g;
        }
    }
    return on;
}

/* Whether some id was told it failed and is committed all the same. */
static bool checker_any_failed_but_written(const checker_stream *cs) {
    for (uint64_t id = 0; id < cs->ids; id++) {
        uint8_t f = cs->flags[id];
        if ((f & CHECKER_FAILED) && !(f & CHECKER_ACKED) && (f & CHECKER_COMMITTED)) return true;
    }
    return false;
}

static void checker_read_outcome(uint8_t f, uint64_t id, const checker_outcomes *oc,
                                 checker_anomaly_fn visit, void *ctx) {
    if ((f & CHECKER_ACKED) && !(f & CHECKER_COMMITTED)) {
        uint32_t part = checker_acked_on_get(oc->cs, id);
        oc->out->lost_acked++;
        if (part < oc->count) oc->parts[part].lost_acked++;
        if (visit) visit(ctx, CHECKER_LOST_ACKED, part, (uint32_t)id, -1);
    }
    if ((f & CHECKER_FAILED) && !(f & CHECKER_ACKED) && (f & CHECKER_COMMITTED)) {
        oc->out->failed_but_written++;
        if (visit)
            visit(ctx, CHECKER_FAILED_BUT_WRITTEN, oc->committed_on ? oc->committed_on[id] : 0,
                  (uint32_t)id, -1);
    }
}

/* Eight flag bytes at a time: a word whose bytes show neither outcome is skipped whole. Bit b
 * of every byte, moved down to bit 0 (the shift moves the byte above's low bits into bit 7,
 * which the mask drops). */
_Static_assert(CHECKER_ACKED == 1u << 1 && CHECKER_FAILED == 1u << 2 &&
                   CHECKER_COMMITTED == 1u << 3,
               "checker_read_outcomes shifts each flag down by its bit");

static void checker_read_outcomes(const checker_stream *cs, const checker_outcomes *oc,
                                  checker_anomaly_fn visit, void *ctx) {
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t id = 0;
    for (; id + 8 <= cs->ids; id += 8) {
        uint64_t x;
        memcpy(&x, cs->flags + id, sizeof x);
        uint64_t acked = x >> 1 & ones, failed = x >> 2 & ones, committed = x >> 3 & ones;
        if (((acked & ~committed) | (failed & ~acked & committed)) == 0) continue;
        for (uint64_t k = id; k < id + 8; k++)
            checker_read_outcome(cs->flags[k], k, oc, visit, ctx);
    }
    for (; id < cs->ids; id++) checker_read_outcome(cs->flags[id], id, oc, visit, ctx);
}
/* ---- Latency ------------------------------------------------------------------------------ */

/* Nearest rank: the index (0-based) of the smallest value with at least pct percent of the n
 * values at or below it. */
static uint64_t checker_rank_index(uint64_t n, unsigned pct) {
    uint64_t rank = (pct * n + 99) / 100;
    return rank < 1 ? 0 : rank - 1;
}

static int64_t checker_median3(int64_t a, int64_t b, int64_t c) {
    if (a > b) {
        int64_t t = a;
        a = b;
        b = t;
    }
    return c < a ? a : c > b ? b : c;
}

/* A position in [lo, hi) from a xorshift64 generator (Marsaglia 2003). It only picks pivots:
 * the values selected do not depend on it, and it is seeded from the input, so runs repeat. */
static size_t checker_pick(uint64_t *state, size_t lo, size_t hi) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return lo + (size_t)(x % (hi - lo));
}

/* Hoare's FIND over latencies with counts: the value a sort of all the latencies they stand
 * for would put at index k (0 <= k < their total), reordering v[0..n). The partition is
 * three-way, so equal latencies cost one pass, and counts weigh each side; the pivot is the
 * median of three positions drawn at random, since the first, middle and last values degrade
 * on the ascending latencies of a run (40 times the work measured at 10^5 records). Sorting
 * all the latencies for three order statistics was a tenth of a run's instructions in
 * callgrind; this is linear on average in the entries (about one per batch) and gives the
 * same values. On return v[*from..n) holds every latency at or above the value, and the
 * latencies before it number *before (<= k): a higher rank is found there alone. */
static int64_t checker_select(checker_tie *v, size_t n, uint64_t k, size_t *from,
                              uint64_t *before) {
    size_t lo = 0, hi = n;
    uint64_t k0 = k; /* k less the latencies in v[0..lo), which are all below the value */
    uint64_t state = UINT64_C(0x9E3779B97F4A7C15) ^ n;
    for (;;) {
        if (hi - lo == 1) {
            *from = lo;
            *before = k0 - k;
            return v[lo].ns;
        }
        int64_t pivot = checker_median3(v[checker_pick(&state, lo, hi)].ns,
                                        v[checker_pick(&state, lo, hi)].ns,
                                        v[checker_pick(&state, lo, hi)].ns);
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < pivot, [lt,i) == pivot, [gt,hi) > */
        uint64_t below = 0, equal = 0;   /* latencies in [lo,lt) and [lt,i) */
        while (i < gt) {
            checker_tie x = v[i];
            if (x.ns < pivot) {
                below += x.count;
                v[i++] = v[lt];
                v[lt++] = x;
            } else if (x.ns > pivot) {
                v[i] = v[--gt];
                v[gt] = x;
            } else {
                equal += x.count;
                i++;
            }
        }
        if (k < below) {
            hi = lt;
        } else if (k < below + equal) {
            *from = lt;
            *before = k0 - k + below;
            return pivot;
        } else {
            k -= below + equal;
            lo = gt;
        }
    }
}

static void checker_latency(checker_stream *cs, checker_result *out) {
    out->latency_p50_ns = -1;
    out->latency_p99_ns = -1;
    out->latency_max_ns = -1;
    uint64_t n = cs->latency_total;
    if (n == 0) return;
    size_t entries = cs->latency_count, from;
    uint64_t before;
    out->latency_p50_ns =
        checker_select(cs->latencies, entries, checker_rank_index(n, 50), &from, &before);
    /* The 99th percentile is at or above the median: it is searched for above it only. */
    out->latency_p99_ns = checker_select(cs->latencies + from, entries - from,
                                         checker_rank_index(n, 99) - before, &from, &before);
    int64_t max_ns = cs->latencies[0].ns;
    for (size_t i = 1; i < entries; i++)
        if (cs->latencies[i].ns > max_ns) max_ns = cs->latencies[i].ns;
    out->latency_max_ns = max_ns;
}

/* ---- Entry points ------------------------------------------------------------------------- */

const checker_log *checker_logs(const checker_input *in, checker_log *one, size_t *n) {
    if (in->partitions && in->partition_count > 0) {
        *n = in->partition_count;
        return in->partitions;
    }
    *one = (checker_log){.log = in->log, .log_count = in->log_count,
                         .high_watermark = in->high_watermark, .leader = -1};
    *n = 1;
    return one;
}

/* Clears the flags `clear` of every id of ids, then sets `set`. */
static void checker_stream_retell(checker_stream *cs, const proto_ids *ids, uint8_t clear,
                                  uint8_t set) {
    if (ids->n == 0) return;
    uint64_t end = ids->list ? 0 : (uint64_t)ids->first + ids->n;
    for (uint32_t k = 0; ids->list && k < ids->n; k++)
        if ((uint64_t)ids->list[k] + 1 > end) end = (uint64_t)ids->list[k] + 1;
    if (!checker_cover(cs, end)) return;
    for (uint32_t k = 0; k < ids->n; k++) {
        uint8_t *f = &cs->flags[proto_ids_at(ids, k)];
        *f = (uint8_t)((*f & ~clear) | set);
    }
}

void checker_stream_untell(checker_stream *cs, const proto_ids *ids) {
    checker_stream_retell(cs, ids, CHECKER_ACKED | CHECKER_FAILED, 0);
}

void checker_stream_tell_acked(checker_stream *cs, const proto_ids *ids) {
    checker_stream_retell(cs, ids, 0, CHECKER_ACKED);
}

int checker_stream_finish(checker_stream *cs, const checker_input *in, checker_result *out,
                          checker_anomaly_fn visit, void *ctx) {
    /* Every id of the log is an id of some payload: the arena's bound covers them all (it
     * may exceed the log's, which only adds ids that are flagged nothing). */
    if (in->payloads) (void)checker_cover(cs, in->payloads->ids_bound);
    if (cs->failed) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    *out = cs->out;
    out->faults_fired = (uint64_t)__builtin_popcountll(out->faults_fired_mask);
    checker_log one;
    size_t count;
    const checker_log *logs = checker_logs(in, &one, &count);
    checker_partition single, *parts = &single;
    memset(&single, 0, sizeof single);
    if (count > 1) {
        parts = calloc(count, sizeof *parts);
        if (!parts) return -1;
    }
    checker_read_logs(cs, logs, count, parts, in, out, visit, ctx);
    uint16_t *committed_on = NULL;
    if (visit && count > 1 && checker_any_failed_but_written(cs)) {
        committed_on = checker_committed_on(cs, logs, count, in);
        if (!committed_on) {
            free(parts);
            return -1;
        }
    }
    checker_outcomes oc = {.out = out, .parts = parts, .count = count, .cs = cs,
                           .committed_on = committed_on};
    checker_read_outcomes(cs, &oc, visit, ctx);
    free(committed_on);
    out->partitions = (uint32_t)count;
    for (size_t g = 0; g < count; g++) {
        parts[g].leader = logs[g].leader;
        parts[g].acked = g < cs->acked_by_count ? cs->acked_by[g] : 0;
        out->partitions_touched += parts[g].committed > 0 || parts[g].lost_acked > 0;
    }
    if (in->by_partition) memcpy(in->by_partition, parts, count * sizeof *parts);
    if (parts != &single) free(parts);
    checker_latency(cs, out);
    out->unanswered = out->sends > out->acked + out->failed
                          ? out->sends - out->acked - out->failed
                          : 0;
    for (size_t code = 0; code < PROTO_ERROR_CODES_MAX; code++)
        out->errors_total += out->errors[code];
    return 0;
}

int checker_run_visit(const checker_input *in, checker_result *out, checker_anomaly_fn visit,
                      void *ctx) {
    checker_stream cs;
    int rc = checker_stream_init(&cs, in->records);
    if (rc == 0) {
        checker_stream_feed(&cs, in->history->recs, in->history->count);
        rc = checker_stream_finish(&cs, in, out, visit, ctx);
    }
    if (rc != 0) memset(out, 0, sizeof *out);
    checker_stream_fini(&cs);
    return rc;
}

int checker_run(const checker_input *in, checker_result *out) {
    return checker_run_visit(in, out, NULL, NULL);
}
