/*
 * producer_state.c: the broker-side idempotent producer state of one partition replica (see
 * producer_state.h). Follows ProducerStateEntry.java, ProducerAppendInfo.java and
 * ProducerStateManager.java of apache/kafka; kafka-semantics.md sections 1.1-1.5.
 *
 * Entries live in one array sorted by producer id: a broker sees a handful of producer ids,
 * so a binary search and an insertion shift beat a hash table and keep every walk in id order.
 * The search reads a compact array of the ids (pstate.ids) beside the entries, and each entry's
 * five batches are a ring (pstate_entry): every append on every replica passes here, and a
 * partition's state then costs a line for the ids and one or two for the entry.
 */
#include "producer_state.h"

#include <stdlib.h>
#include <string.h>

#define PSTATE_INITIAL_ENTRIES 8
#define PSTATE_INITIAL_SNAPSHOTS 8
#define PSTATE_INITIAL_TXNS 4

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

/* Room for need entries (and their ids): the entries 64-byte aligned, as pstate_entry's
 * layout assumes. -1 when memory cannot be had (the arrays are kept then). */
static int entries_grow(pstate *ps, size_t need) {
    if (need <= ps->capacity) return 0;
    size_t cap = ps->capacity ? ps->capacity : PSTATE_INITIAL_ENTRIES;
    while (cap < need) cap *= 2;
    pstate_entry *entries = aligned_alloc(64, cap * sizeof *entries);
    int64_t *ids = malloc(cap * sizeof *ids);
    if (!entries || !ids) {
        free(entries);
        free(ids);
        return -1;
    }
    if (ps->count) {
        memcpy(entries, ps->entries, ps->count * sizeof *entries);
        memcpy(ids, ps->ids, ps->count * sizeof *ids);
    }
    free(ps->entries);
    free(ps->ids);
    ps->entries = entries;
    ps->ids = ids;
    ps->capacity = cap;
    return 0;
}

int pstate_init(pstate *ps, int kafka_version) {
    memset(ps, 0, sizeof *ps);
    ps->kafka_version = kafka_version;
    return entries_grow(ps, PSTATE_INITIAL_ENTRIES);
}

void pstate_fini(pstate *ps) {
    free(ps->ids);
    free(ps->entries);
    free(ps->snapshots);
    free(ps->snapshot_entries);
    free(ps->ongoing);
    free(ps->unreplicated);
    free(ps->verifications);
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
        if (ps->ids[mid] < producer_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const pstate_entry *pstate_entry_find(const pstate *ps, int64_t producer_id) {
    size_t i = entry_lower_bound(ps, producer_id);
    if (i < ps->count && ps->ids[i] == producer_id) return &ps->entries[i];
    return NULL;
}

/* ProducerAppendInfo.inSequence, with the wrap at Integer.MAX_VALUE. */
static bool in_sequence(int32_t last, int32_t next) {
    return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

/* ProducerStateEntry.findDuplicateBatch: same epoch and an identical sequence range. */
/* Returns the ring slot of the batch, oldest first, or -1. */
static int find_duplicate(const pstate_entry *e, const proto_batch *b) {
    if (b->producer_epoch != e->producer_epoch) return -1;
    int32_t last = proto_batch_last_sequence(b);
    for (int i = 0; i < e->batch_count; i++) {
        int s = pstate_entry_slot(e, i);
        if (e->first_sequence[s] == b->base_sequence && e->last_sequence[s] == last) return s;
    }
    return -1;
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
    int32_t current_last = e->batch_count
                               ? e->last_sequence[pstate_entry_slot(e, e->batch_count - 1)]
                               : PROTO_NO_SEQUENCE;
    if (current_last == PROTO_NO_SEQUENCE && b->base_sequence != 0 &&
        ps->kafka_version >= PSTATE_V2_1 && ps->kafka_version < PSTATE_V2_5)
        return ERR_UNKNOWN_PRODUCER_ID; /* KAFKA-7298 */
    if (in_sequence(current_last, b->base_sequence)) return ERR_NONE;
    /* 1.0.x: a batch wholly older than the cached window is a duplicate the broker can no
     * longer answer (KIP-192, KAFKA-5793); 1.1 folded it into OOSN (KAFKA-6683). */
    if (ps->kafka_version >= PSTATE_V1_0 && ps->kafka_version < PSTATE_V1_1 && e->batch_count &&
        proto_batch_last_sequence(b) < e->first_sequence[e->batch_head])
        return ERR_DUPLICATE_SEQUENCE_NUMBER;
    return ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

/* appendDataBatch, after the epoch and sequence checks passed: "Expected transactional write
 * from producer" when the producer's transaction is open. */
static int16_t check_txn_state(const pstate *ps, const pstate_entry *e, const proto_batch *b,
                               int16_t error) {
    if (!ps->ongoing_count || error != ERR_NONE) return error;
    if (e->txn_first_offset != LOG_NO_OFFSET && !proto_batch_is_transactional(b))
        return ERR_INVALID_TXN_STATE;
    return error;
}

pstate_verdict pstate_validate(const pstate *ps, const proto_batch *b) {
    pstate_verdict v = {ERR_NONE, false, LOG_NO_OFFSET, LOG_NO_OFFSET};
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return v;
    const pstate_entry *e = pstate_entry_find(ps, b->producer_id);
    /* Step 3: the duplicate check comes before any epoch or sequence check. */
    int dup = e ? find_duplicate(e, b) : -1;
    if (dup >= 0) {
        v.duplicate = true;
        v.first_offset = e->offsets[dup].first_offset;
        v.last_offset = e->offsets[dup].last_offset;
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
        v.error = check_txn_state(ps, e, b, v.error);
        return v;
    }
    v.error = check_txn_state(ps, e, b, check_same_epoch(ps, e, b));
    return v;
}

/* The coordinator epoch an end-transaction marker carries (EndTransactionMarker). */
static int32_t marker_coordinator_epoch(const proto_batch *b) { return (int32_t)b->payload; }

int16_t pstate_validate_marker(const pstate *ps, const proto_batch *marker) {
    const pstate_entry *e = pstate_entry_find(ps, marker->producer_id);
    if (!e) return ERR_NONE; /* ProducerStateEntry.empty: no epoch, coordinator epoch -1 */
    if (marker->producer_epoch < e->producer_epoch) return ERR_INVALID_PRODUCER_EPOCH;
    if (e->coordinator_epoch > marker_coordinator_epoch(marker))
        return ERR_TRANSACTION_COORDINATOR_FENCED;
    return ERR_NONE;
}

/* A new empty entry for producer_id at index i (its place in id order); NULL when memory ran
 * out. Out of entry_get's line: a producer id is new once. */
static pstate_entry *entry_insert(pstate *ps, size_t i, int64_t producer_id) {
    if (entries_grow(ps, ps->count + 1) != 0) return NULL;
    memmove(&ps->entries[i + 1], &ps->entries[i], (ps->count - i) * sizeof *ps->entries);
    memmove(&ps->ids[i + 1], &ps->ids[i], (ps->count - i) * sizeof *ps->ids);
    ps->ids[i] = producer_id;
    ps->count++;
    pstate_entry *e = &ps->entries[i];
    memset(e, 0, sizeof *e);
    e->producer_id = producer_id;
    e->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    e->txn_first_offset = LOG_NO_OFFSET;
    e->coordinator_epoch = -1;
    return e;
}

/* The entry of producer_id, inserted empty when missing; NULL when memory ran out. */
static inline __attribute__((always_inline)) pstate_entry *entry_get(pstate *ps, int64_t producer_id) {
    size_t i = entry_lower_bound(ps, producer_id);
    if (i < ps->count && ps->ids[i] == producer_id) return &ps->entries[i];
    return entry_insert(ps, i, producer_id);
}

/* ---- Transactions (ongoingTxns, unreplicatedTxns) ----------------------------------------- */

/* Inserts t into list (sorted by first offset; first offsets are distinct offsets of one
 * log). -1 when memory ran out. */
static int txn_list_insert(pstate_txn **list, size_t *count, size_t *capacity,
                           const pstate_txn *t) {
    if (grow((void **)list, capacity, *count + 1, sizeof **list, PSTATE_INITIAL_TXNS) != 0)
        return -1;
    size_t i = *count;
    while (i > 0 && (*list)[i - 1].first_offset > t->first_offset) i--;
    memmove(&(*list)[i + 1], &(*list)[i], (*count - i) * sizeof **list);
    (*list)[i] = *t;
    (*count)++;
    return 0;
}

/* Removes the entry of list whose first offset is first_offset; false when none. */
static bool txn_list_remove(pstate_txn *list, size_t *count, int64_t first_offset) {
    for (size_t i = 0; i < *count; i++) {
        if (list[i].first_offset != first_offset) continue;
        memmove(&list[i], &list[i + 1], (*count - i - 1) * sizeof *list);
        (*count)--;
        return true;
    }
    return false;
}

/* appendDataBatch's "Began a new transaction": ongoingTxns gains it. */
static int txn_begin(pstate *ps, pstate_entry *e, int64_t first_offset) {
    pstate_txn t = {e->producer_id, first_offset, LOG_NO_OFFSET};
    e->txn_first_offset = first_offset;
    return txn_list_insert(&ps->ongoing, &ps->ongoing_count, &ps->ongoing_capacity, &t);
}

/* ProducerStateEntry.addBatchMetadata: push, evicting the oldest beyond the window. The
 * batch goes into the ring slot after the newest; a full window (retained: 5, or 1 before
 * 1.0) moves its head on instead of sliding, so the oldest drops out. */
static void entry_push(pstate_entry *e, const proto_batch *b, int retained) {
    int s = pstate_entry_slot(e, e->batch_count);
    if (e->batch_count >= retained) {
        e->batch_head = (uint8_t)pstate_entry_slot(e, 1);
        s = pstate_entry_slot(e, retained - 1);
        e->batch_count = (uint8_t)retained;
    } else {
        e->batch_count++;
    }
    e->first_sequence[s] = b->base_sequence;
    e->last_sequence[s] = proto_batch_last_sequence(b);
    e->offsets[s] = (pstate_batch_offsets){b->base_offset, proto_batch_last_offset(b),
                                           b->max_timestamp_ns};
}

/* ---- Verification (KIP-890 part 1) --------------------------------------------------------- */

/* Index of the first verification entry with an id >= producer_id. */
static size_t verification_lower_bound(const pstate *ps, int64_t producer_id) {
    size_t lo = 0, hi = ps->verification_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->verifications[mid].producer_id < producer_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const pstate_verification *verification_find(const pstate *ps, int64_t producer_id) {
    size_t i = verification_lower_bound(ps, producer_id);
    if (i < ps->verification_count && ps->verifications[i].producer_id == producer_id)
        return &ps->verifications[i];
    return NULL;
}

/* PSM.clearVerificationStateEntry. */
static void verification_clear(pstate *ps, int64_t producer_id) {
    size_t i = verification_lower_bound(ps, producer_id);
    if (i >= ps->verification_count || ps->verifications[i].producer_id != producer_id) return;
    memmove(&ps->verifications[i], &ps->verifications[i + 1],
            (ps->verification_count - i - 1) * sizeof *ps->verifications);
    ps->verification_count--;
}

/* hasOngoingTransaction: with transaction version 2 (4.0), only at the producer's own epoch: a
 * batch of the next transaction (the epoch one up) that finds the previous one still open, its
 * marker not yet written, is added again. */
static bool has_ongoing_txn(const pstate *ps, const pstate_entry *e, int16_t epoch) {
    return e && e->txn_first_offset != LOG_NO_OFFSET && (!ps->txn_v2 || e->producer_epoch == epoch);
}

uint32_t pstate_verification_start(pstate *ps, int64_t producer_id, int32_t seq, int16_t epoch,
                                   int64_t now_ns) {
    const pstate_entry *e = pstate_entry_find(ps, producer_id);
    if (has_ongoing_txn(ps, e, epoch)) return 0;
    size_t i = verification_lower_bound(ps, producer_id);
    if (i >= ps->verification_count || ps->verifications[i].producer_id != producer_id) {
        if (grow((void **)&ps->verifications, &ps->verification_capacity,
                 ps->verification_count + 1, sizeof *ps->verifications, 4) != 0)
            return UINT32_MAX;
        memmove(&ps->verifications[i + 1], &ps->verifications[i],
                (ps->verification_count - i) * sizeof *ps->verifications);
        ps->verification_count++;
        if (++ps->guard_next == 0 || ps->guard_next == UINT32_MAX) ps->guard_next = 1;
        ps->verifications[i] = (pstate_verification){.producer_id = producer_id,
                                                      .timestamp_ns = now_ns,
                                                      .guard = ps->guard_next,
                                                      .lowest_sequence = seq,
                                                      .epoch = epoch};
        return ps->guard_next;
    }
    pstate_verification *v = &ps->verifications[i];
    if (epoch == v->epoch && seq < v->lowest_sequence) v->lowest_sequence = seq;
    if (epoch > v->epoch) {
        v->epoch = epoch;
        v->lowest_sequence = seq;
    }
    return v->guard;
}

int16_t pstate_verification_check(const pstate *ps, const proto_batch *b, uint32_t guard,
                                  int16_t epoch_error) {
    const pstate_entry *e = pstate_entry_find(ps, b->producer_id);
    const pstate_verification *v = verification_find(ps, b->producer_id);
    bool ongoing = has_ongoing_txn(ps, e, b->producer_epoch);
    if (!ongoing && (!v || guard == 0 || v->guard != guard)) return ERR_INVALID_TXN_STATE;
    if (epoch_error == ERR_INVALID_PRODUCER_EPOCH) return epoch_error;
    if (v && b->base_sequence > v->lowest_sequence) return ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    return epoch_error;
}

/* appendDataBatch's "Began a new transaction", kept out of pstate_update's line: every
 * append on every replica of an idempotent producer passes there. A transactional batch also
 * ends the producer's verification (updateProducers). */
static int txn_data(pstate *ps, pstate_entry *e, const proto_batch *b) {
    ps->transactional = true;
    if (ps->verification_count) verification_clear(ps, b->producer_id);
    if (e->txn_first_offset == LOG_NO_OFFSET) return txn_begin(ps, e, b->base_offset);
    return 0;
}

__attribute__((noinline)) int pstate_update(pstate *ps, const proto_batch *b) {
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return 0;
    pstate_entry *e = entry_get(ps, b->producer_id);
    if (!e) return -1;
    if (e->producer_epoch != b->producer_epoch) { /* maybeUpdateProducerEpoch clears */
        e->producer_epoch = b->producer_epoch;
        e->batch_count = 0;
    }
    entry_push(e, b, pstate_batches_retained(ps));
    if (b->max_timestamp_ns > e->last_timestamp_ns) e->last_timestamp_ns = b->max_timestamp_ns;
    if (b->flags & PROTO_BATCH_TRANSACTIONAL) return txn_data(ps, e, b);
    return 0;
}

int pstate_replay(pstate *ps, const proto_batch *b) {
    if (b->producer_id == PROTO_NO_PRODUCER_ID) return 0;
    if (b->flags & PROTO_BATCH_CONTROL) return pstate_update_marker(ps, b, NULL) < 0 ? -1 : 0;
    return pstate_update(ps, b);
}

int pstate_update_marker(pstate *ps, const proto_batch *b, pstate_completed *done) {
    pstate_entry *e = entry_get(ps, b->producer_id);
    if (!e) return -1;
    ps->transactional = true;
    /* appendEndTxnMarker: a CompletedTxn only for an open transaction; then
     * ProducerStateEntry.update(epoch, coordinatorEpoch, timestamp). */
    int64_t first = e->txn_first_offset;
    if (e->producer_epoch != b->producer_epoch) { /* maybeUpdateProducerEpoch clears */
        e->producer_epoch = b->producer_epoch;
        e->batch_count = 0;
    }
    e->coordinator_epoch = marker_coordinator_epoch(b);
    e->txn_first_offset = LOG_NO_OFFSET;
    if (ps->verification_count) verification_clear(ps, b->producer_id);
    e->last_timestamp_ns = b->max_timestamp_ns;
    if (first == LOG_NO_OFFSET) return 0;
    /* completeTxn: from ongoing to unreplicated, with the marker's offset. */
    bool removed = txn_list_remove(ps->ongoing, &ps->ongoing_count, first);
    (void)removed; /* pstate_check finds an ongoing list that disagrees with the entries */
    pstate_txn t = {b->producer_id, first, b->base_offset};
    if (txn_list_insert(&ps->unreplicated, &ps->unreplicated_count, &ps->unreplicated_capacity,
                        &t) != 0)
        return -1;
    if (done)
        *done = (pstate_completed){.producer_id = b->producer_id,
                                   .first_offset = first,
                                   .last_offset = b->base_offset,
                                   .aborted = !(b->flags & PROTO_BATCH_COMMIT)};
    return 1;
}

int64_t pstate_completed_lso(const pstate *ps, const pstate_completed *done) {
    /* findNextIncompleteTxn(producerId): the earliest open transaction of another producer;
     * the producer's own one is closed already (one open transaction per producer). */
    for (size_t i = 0; i < ps->ongoing_count; i++)
        if (ps->ongoing[i].producer_id != done->producer_id) return ps->ongoing[i].first_offset;
    return done->last_offset + 1;
}

void pstate_on_high_watermark(pstate *ps, int64_t hw) {
    /* removeUnreplicatedTransactions: lastOffset < hw. */
    size_t kept = 0;
    for (size_t i = 0; i < ps->unreplicated_count; i++)
        if (ps->unreplicated[i].last_offset >= hw) ps->unreplicated[kept++] = ps->unreplicated[i];
    ps->unreplicated_count = kept;
}

int64_t pstate_last_stable_offset(const pstate *ps, int64_t hw) {
    int64_t fuo = ps->ongoing_count ? ps->ongoing[0].first_offset : LOG_NO_OFFSET;
    for (size_t i = 0; i < ps->unreplicated_count; i++) {
        const pstate_txn *t = &ps->unreplicated[i];
        if (t->last_offset < hw) continue; /* released by a move to hw */
        if (fuo == LOG_NO_OFFSET || t->first_offset < fuo) fuo = t->first_offset;
        break; /* by first offset: the first kept is the least */
    }
    return fuo >= 0 && fuo < hw ? fuo : hw;
}

int64_t pstate_first_unstable_offset(const pstate *ps) {
    int64_t fuo = LOG_NO_OFFSET;
    if (ps->ongoing_count) fuo = ps->ongoing[0].first_offset;
    if (ps->unreplicated_count && (fuo == LOG_NO_OFFSET || ps->unreplicated[0].first_offset < fuo))
        fuo = ps->unreplicated[0].first_offset;
    return fuo;
}

/* isProducerExpired: idle for expiration_ns, and no transaction open. */
static bool producer_expired(const pstate_entry *e, int64_t now_ns, int64_t expiration_ns) {
    return e->txn_first_offset == LOG_NO_OFFSET && now_ns - e->last_timestamp_ns >= expiration_ns;
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
            copy->batch_head = (uint8_t)pstate_entry_slot(copy, copy->batch_count - 1);
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
    /* truncateAndReload: clearProducerIds, ongoingTxns and unreplicatedTxns cleared. */
    ps->count = 0;
    ps->ongoing_count = 0;
    ps->unreplicated_count = 0;
    if (!ps->snapshot_count) return log_start;
    const pstate_snapshot *s = &ps->snapshots[ps->snapshot_count - 1];
    for (size_t i = 0; i < s->entry_count; i++) {
        const pstate_entry *se = &ps->snapshot_entries[s->first_entry + i];
        /* readSnapshot drops producers already expired (isProducerExpired). */
        if (producer_expired(se, now_ns, expiration_ns)) continue;
        if (entries_grow(ps, ps->count + 1) != 0) return -1;
        ps->ids[ps->count] = se->producer_id;
        pstate_entry *e = &ps->entries[ps->count++]; /* the pool is in id order already */
        *e = *se;
        /* loadProducerEntry: an open transaction is ongoing again. */
        if (e->txn_first_offset != LOG_NO_OFFSET && txn_begin(ps, e, e->txn_first_offset) != 0)
            return -1;
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
        if (pstate_replay(ps, &l->batches[i]) != 0) return -1;
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
        if (producer_expired(&ps->entries[i], now_ns, expiration_ns)) continue;
        ps->ids[kept] = ps->ids[i];
        ps->entries[kept++] = ps->entries[i];
    }
    size_t removed = ps->count - kept;
    ps->count = kept;
    /* removeExpiredProducers: verification entries lingering unverified go too. */
    size_t left = 0;
    for (size_t i = 0; i < ps->verification_count; i++) {
        if (now_ns - ps->verifications[i].timestamp_ns >= expiration_ns) continue;
        ps->verifications[left++] = ps->verifications[i];
    }
    ps->verification_count = left;
    return removed;
}

void pstate_clear(pstate *ps) {
    ps->count = 0;
    ps->ongoing_count = 0;
    ps->unreplicated_count = 0;
    ps->verification_count = 0;
}

/* The transaction lists against each other and against the entries: each sorted by first
 * offset; an ongoing transaction for each entry with currentTxnFirstOffset and no other;
 * completed ones closed at or after their start. */
static const char *pstate_check_txns(const pstate *ps) {
    for (size_t i = 1; i < ps->ongoing_count; i++)
        if (ps->ongoing[i].first_offset <= ps->ongoing[i - 1].first_offset)
            return "producer state: ongoing transactions out of offset order";
    for (size_t i = 1; i < ps->unreplicated_count; i++)
        if (ps->unreplicated[i].first_offset <= ps->unreplicated[i - 1].first_offset)
            return "producer state: unreplicated transactions out of offset order";
    for (size_t i = 0; i < ps->unreplicated_count; i++)
        if (ps->unreplicated[i].last_offset < ps->unreplicated[i].first_offset)
            return "producer state: a transaction ends before it begins";
    size_t open = 0;
    for (size_t i = 0; i < ps->count; i++) {
        const pstate_entry *e = &ps->entries[i];
        if (e->txn_first_offset == LOG_NO_OFFSET) continue;
        open++;
        bool found = false;
        for (size_t k = 0; k < ps->ongoing_count && !found; k++)
            found = ps->ongoing[k].producer_id == e->producer_id &&
                    ps->ongoing[k].first_offset == e->txn_first_offset;
        if (!found) return "producer state: an open transaction is not ongoing";
    }
    if (open != ps->ongoing_count) return "producer state: an ongoing transaction has no producer";
    return NULL;
}

const char *pstate_check(const pstate *ps) {
    int retained = pstate_batches_retained(ps);
    for (size_t i = 0; i < ps->count; i++) {
        const pstate_entry *e = &ps->entries[i];
        if (i && e->producer_id <= ps->entries[i - 1].producer_id)
            return "producer state: entries not sorted by producer id";
        if (ps->ids[i] != e->producer_id) return "producer state: an id is not its entry's";
        if (e->batch_count > retained) return "producer state: more batches than retained";
        if (e->batch_head >= PSTATE_BATCHES_MAX) return "producer state: batch ring head out of range";
        for (int k = 1; k < e->batch_count; k++)
            if (pstate_entry_batch(e, k).last_offset <= pstate_entry_batch(e, k - 1).last_offset)
                return "producer state: cached batches out of offset order";
    }
    for (size_t i = 1; i < ps->snapshot_count; i++)
        if (ps->snapshots[i].offset <= ps->snapshots[i - 1].offset)
            return "producer state: snapshots out of offset order";
    for (size_t i = 0; i < ps->verification_count; i++) {
        if (i && ps->verifications[i].producer_id <= ps->verifications[i - 1].producer_id)
            return "producer state: verification entries not sorted by producer id";
        if (ps->verifications[i].guard == 0)
            return "producer state: a verification entry holds the sentinel guard";
    }
    return ps->transactional ? pstate_check_txns(ps) : NULL;
}
