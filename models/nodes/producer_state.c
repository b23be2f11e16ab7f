/*
 * producer_state.c: the broker-side idempotent producer state of one partition replica (see
 * producer_state.h). Follows ProducerStateEntry.java, ProducerAppendInfo.java and
 * ProducerStateManager.java of apache/kafka; kafka-semantics.md sections 1.1-1.5.
 *
 * Entries live in one array sorted by producer id: a broker sees a handful of producer ids,
 * so a binary search and an insertion shift beat a hash table and keep every walk in id order.
 */
#include "producer_state.h"

#include <stdlib.h>
#include <string.h>

#define PSTATE_INITIAL_ENTRIES 8
#define PSTATE_INITIAL_SNAPSHOTS 8

/* Kafka versions where the outcome table changes (kafka-semantics.md 1.3). */
#define PSTATE_V1_0 10000  /* 5-batch window (KAFKA-5494); UNKNOWN_PRODUCER_ID for new pids */
#define PSTATE_V1_1 10100  /* DUPLICATE_SEQUENCE_NUMBER gone from the broker (KAFKA-6683) */
#define PSTATE_V2_1 20100  /* UNKNOWN_PRODUCER_ID for a known epoch without a sequence */
#define PSTATE_V2_5 20500  /* unknown producer ids accepted at any sequence (KAFKA-8710) */

static int grow(void **p, size_t *capacity, size_t need, size_t size, size_t initial) {
    if (need <= *capacity) return 0;
    size_t cap = *capacity ? *capacity : initial;
    while (cap < need) cap *= 2;
    void *np = realloc(*p, cap * size);
    if (!np) return -1;
    *p = np;
    *capacity = cap;
    return 0;
}

int pstate_init(pstate *ps, int kafka_version) {
    memset(ps, 0, sizeof *ps);
    ps->kafka_version = kafka_version;
    if (grow((void **)&ps->entries, &ps->capacity, PSTATE_INITIAL_ENTRIES, sizeof *ps->entries,
             PSTATE_INITIAL_ENTRIES) != 0)
        return -1;
    return 0;
}

void pstate_fini(pstate *ps) {
    free(ps->entries);
    free(ps->snapshots);
    free(ps->snapshot_entries);
    memset(ps, 0, sizeof *ps);
}

int pstate_batches_retained(const pstate *ps) {
    return ps->kafka_version >= PSTATE_V1_0 ? PSTATE_BATCHES_MAX : 1;
}

/* Index of the first entry with an id >= producer_id. */
static size_t entry_lower_bound(const pstate *ps, int64_t producer_id) {
    size_t lo = 0, hi = ps->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->entries[mid].producer_id < producer_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const pstate_entry *pstate_entry_find(const pstate *ps, int64_t producer_id) {
    size_t i = entry_lower_bound(ps, producer_id);
    if (i < ps->count && ps->entries[i].producer_id == producer_id) return &ps->entries[i];
    return NULL;
}

/* ProducerAppendInfo.inSequence, with the wrap at Integer.MAX_VALUE. */
static bool in_sequence(int32_t last, int32_t next) {
    return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

/* ProducerStateEntry.findDuplicateBatch: same epoch and an identical sequence range. */
static const pstate_batch *find_duplicate(const pstate_entry *e, const proto_batch *b) {
    if (b->producer_epoch != e->producer_epoch) return NULL;
    int32_t last = proto_batch_last_sequence(b);
    for (int i = 0; i < e->batch_count; i++)
        if (e->batches[i].first_sequence == b->base_sequence && e->batches[i].last_sequence == last)
            return &e->batches[i];
    return NULL;
}

/* checkSequence for a producer id with no state (new, expired, or lost). */
static int16_t check_unknown_producer(const pstate *ps, const proto_batch *b) {
    if (b->base_sequence == 0) return ERR_NONE;
    if (ps->kafka_version < PSTATE_V1_0) return ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    if (ps->kafka_version < PSTATE_V2_5) return ERR_UNKNOWN_PRODUCER_ID;
    return ERR_NONE; /* KIP-360: "accept writes with any sequence number" */
}

/* checkSequence for the same epoch as the entry's. */
static int16_t check_same_epoch(const pstate *ps, const pstate_entry *e, const proto_batch *b) {
    int32_t current_last = e->batch_count ? e->batches[e->batch_count - 1].last_sequence
                                          : PROTO_NO_SEQUENCE;
    if (current_last == PROTO_NO_SEQUENCE && b->base_sequence != 0 &&
        ps->kafka_version >= PSTATE_V2_1 && ps->kafka_version < PSTATE_V2_5)
        return ERR_UNKNOWN_PRODUCER_ID; /* KAFKA-7298 */
    if (in_sequence(current_last, b->base_sequence)) return ERR_NONE;
    /* 1.0.x: a batch wholly older than the cached window is a duplicate the broker can no
     * longer answer (KIP-192, KAFKA-5793); 1.1 folded it into OOSN (KAFKA-6683). */
    if (ps->kafka_version >= PSTATE_V1_0 && ps->kafka_version < PSTATE_V1_1 && e->batch_count &&
        proto_batch_last_sequence(b) < e->batches[0].first_sequence)
        return ERR_DUPLICATE_SEQUENCE_NUMBER;
    return ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

pstate_verdict pstate_validate(const pstate *ps, const proto_batch *b) {
    pstate_verdict v = {ERR_NONE, false, LOG_NO_OFFSET, LOG_NO_OFFSET};
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return v;
    const pstate_entry *e = pstate_entry_find(ps, b->producer_id);
    /* Step 3: the duplicate check comes before any epoch or sequence check. */
    const pstate_batch *dup = e ? find_duplicate(e, b) : NULL;
    if (dup) {
        v.duplicate = true;
        v.first_offset = dup->first_offset;
        v.last_offset = dup->last_offset;
        return v;
    }
    if (!e || e->producer_epoch == PROTO_NO_PRODUCER_EPOCH) {
        v.error = check_unknown_producer(ps, b);
        return v;
    }
    if (b->producer_epoch < e->producer_epoch) { /* checkProducerEpoch */
        v.error = ERR_INVALID_PRODUCER_EPOCH;
        return v;
    }
    if (b->producer_epoch != e->producer_epoch) { /* a newer epoch must start at 0 */
        v.error = b->base_sequence == 0 ? ERR_NONE : ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
        return v;
    }
    v.error = check_same_epoch(ps, e, b);
    return v;
}

/* The entry of producer_id, inserted empty when missing; NULL when memory ran out. */
static pstate_entry *entry_get(pstate *ps, int64_t producer_id) {
    size_t i = entry_lower_bound(ps, producer_id);
    if (i < ps->count && ps->entries[i].producer_id == producer_id) return &ps->entries[i];
    if (grow((void **)&ps->entries, &ps->capacity, ps->count + 1, sizeof *ps->entries,
             PSTATE_INITIAL_ENTRIES) != 0)
        return NULL;
    memmove(&ps->entries[i + 1], &ps->entries[i], (ps->count - i) * sizeof *ps->entries);
    ps->count++;
    pstate_entry *e = &ps->entries[i];
    memset(e, 0, sizeof *e);
    e->producer_id = producer_id;
    e->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    return e;
}

/* ProducerStateEntry.addBatchMetadata: push, evicting the oldest beyond the window. */
static void entry_push(pstate_entry *e, const pstate_batch *m, int retained) {
    if (e->batch_count >= retained) {
        /* Every append on every replica of an idempotent producer comes here. Four moves
         * written out stay four pairs of wide loads and stores; a loop of them, or a memmove
         * of a constant size, became a call to memmove. Before 1.0 one batch is retained:
         * nothing moves. */
        _Static_assert(PSTATE_BATCHES_MAX == 5, "the moves below slide a window of five");
        if (retained == PSTATE_BATCHES_MAX) {
            e->batches[0] = e->batches[1];
            e->batches[1] = e->batches[2];
            e->batches[2] = e->batches[3];
            e->batches[3] = e->batches[4];
        }
        e->batch_count = (uint8_t)(retained - 1);
    }
    e->batches[e->batch_count++] = *m;
}

int pstate_update(pstate *ps, const proto_batch *b) {
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return 0;
    pstate_entry *e = entry_get(ps, b->producer_id);
    if (!e) return -1;
    if (e->producer_epoch != b->producer_epoch) { /* maybeUpdateProducerEpoch clears */
        e->producer_epoch = b->producer_epoch;
        e->batch_count = 0;
    }
    pstate_batch m = {b->base_sequence, proto_batch_last_sequence(b), b->base_offset,
                      proto_batch_last_offset(b), b->max_timestamp_ns};
    entry_push(e, &m, pstate_batches_retained(ps));
    if (b->max_timestamp_ns > e->last_timestamp_ns) e->last_timestamp_ns = b->max_timestamp_ns;
    return 0;
}

/* Deletes snapshots whose offset is above offset (or at it, when inclusive). */
static void snapshots_delete_above(pstate *ps, int64_t offset, bool inclusive) {
    while (ps->snapshot_count) {
        const pstate_snapshot *s = &ps->snapshots[ps->snapshot_count - 1];
        if (s->offset < offset || (s->offset == offset && !inclusive)) break;
        ps->snapshot_entry_count = s->first_entry;
        ps->snapshot_count--;
    }
}

int pstate_snapshot_take(pstate *ps, int64_t offset) {
    snapshots_delete_above(ps, offset, true);
    if (grow((void **)&ps->snapshots, &ps->snapshot_capacity, ps->snapshot_count + 1,
             sizeof *ps->snapshots, PSTATE_INITIAL_SNAPSHOTS) != 0 ||
        grow((void **)&ps->snapshot_entries, &ps->snapshot_entry_capacity,
             ps->snapshot_entry_count + ps->count, sizeof *ps->snapshot_entries,
             PSTATE_INITIAL_ENTRIES) != 0)
        return -1;
    pstate_snapshot *s = &ps->snapshots[ps->snapshot_count++];
    s->offset = offset;
    s->first_entry = ps->snapshot_entry_count;
    s->entry_count = ps->count;
    for (size_t i = 0; i < ps->count; i++) {
        /* writeSnapshot serializes only the last BatchMetadata of each producer. */
        pstate_entry *copy = &ps->snapshot_entries[ps->snapshot_entry_count++];
        *copy = ps->entries[i];
        if (copy->batch_count > 1) {
            copy->batches[0] = copy->batches[copy->batch_count - 1];
            copy->batch_count = 1;
        }
    }
    return 0;
}

/* ProducerStateManager.loadFromSnapshot: the entries become those of the latest snapshot;
 * returns its offset (where a replay starts), or log_start when there is none; -1 when memory
 * cannot be had. */
static int64_t snapshot_load(pstate *ps, int64_t log_start, int64_t now_ns,
                             int64_t expiration_ns) {
    ps->count = 0;
    if (!ps->snapshot_count) return log_start;
    const pstate_snapshot *s = &ps->snapshots[ps->snapshot_count - 1];
    for (size_t i = 0; i < s->entry_count; i++) {
        const pstate_entry *se = &ps->snapshot_entries[s->first_entry + i];
        /* readSnapshot drops producers already expired (isProducerExpired). */
        if (now_ns - se->last_timestamp_ns >= expiration_ns) continue;
        if (grow((void **)&ps->entries, &ps->capacity, ps->count + 1, sizeof *ps->entries,
                 PSTATE_INITIAL_ENTRIES) != 0)
            return -1;
        ps->entries[ps->count++] = *se; /* the pool is in id order already */
    }
    return s->offset;
}

int pstate_rebuild(pstate *ps, const log_replica *l, int64_t target, int64_t now_ns,
                   int64_t expiration_ns) {
    snapshots_delete_above(ps, target, false);
    int64_t from = snapshot_load(ps, l->log_start_offset, now_ns, expiration_ns);
    if (from < 0) return -1;
    /* Replay as origin REPLICATION: no validation, batches re-enter the window. */
    for (size_t i = log_batch_find(l, from); i < l->count; i++) {
        if (l->batches[i].base_offset >= target) break;
        if (pstate_update(ps, &l->batches[i]) != 0) return -1;
    }
    /* UnifiedLog.rebuildProducerState ends with takeSnapshot at the recovered end. */
    return pstate_snapshot_take(ps, target);
}

int pstate_recover(pstate *ps, const log_replica *l, int64_t now_ns, int64_t expiration_ns) {
    /* recoverSegment's temporary ProducerStateManager: the latest snapshot plus a replay of
     * the log up to its end, then takeSnapshot() there (pstate_rebuild ends with it). A clean
     * shutdown's close() snapshot at the log end holds the same entries. */
    if (pstate_rebuild(ps, l, l->log_end_offset, now_ns, expiration_ns) != 0) return -1;
    /* removeStraySnapshots keeps that snapshot, the latest; rebuildProducerState loads it
     * (truncateAndReload) and has nothing left to replay. */
    return snapshot_load(ps, l->log_start_offset, now_ns, expiration_ns) < 0 ? -1 : 0;
}

size_t pstate_expire(pstate *ps, int64_t now_ns, int64_t expiration_ns) {
    size_t kept = 0;
    for (size_t i = 0; i < ps->count; i++) {
        if (now_ns - ps->entries[i].last_timestamp_ns >= expiration_ns) continue;
        ps->entries[kept++] = ps->entries[i];
    }
    size_t removed = ps->count - kept;
    ps->count = kept;
    return removed;
}

void pstate_clear(pstate *ps) { ps->count = 0; }

const char *pstate_check(const pstate *ps) {
    int retained = pstate_batches_retained(ps);
    for (size_t i = 0; i < ps->count; i++) {
        const pstate_entry *e = &ps->entries[i];
        if (i && e->producer_id <= ps->entries[i - 1].producer_id)
            return "producer state: entries not sorted by producer id";
        if (e->batch_count > retained) return "producer state: more batches than retained";
        for (int k = 1; k < e->batch_count; k++)
            if (e->batches[k].last_offset <= e->batches[k - 1].last_offset)
                return "producer state: cached batches out of offset order";
    }
    for (size_t i = 1; i < ps->snapshot_count; i++)
        if (ps->snapshots[i].offset <= ps->snapshots[i - 1].offset)
            return "producer state: snapshots out of offset order";
    return NULL;
}
