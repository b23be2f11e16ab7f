/*
 * txn_coordinator.c: the transaction coordinator of a broker (see txn_coordinator.h for what it
 * models and its simplifications).
 *
 * Sections: the state records; TransactionMetadata (states, transitions); the state manager
 * (ownership, loading, appends); TransactionCoordinator (FindCoordinator, InitProducerId,
 * AddPartitionsToTxn, EndTxn, the timeout scan); the marker channel; timers and lifecycle.
 */
#include "txn_coordinator.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"

/* Timer arguments: type in the low byte, a transactional id or a partition from bit 8, a
 * destination broker from bit 40. */
enum {
    TXN_T_APPEND = 1, /* txn: its state record's append timed out */
    TXN_T_RETRY,      /* txn: markers to re-send, or CompleteX to append again */
    TXN_T_MARKER,     /* txn, broker: the WriteTxnMarkers request timed out */
    TXN_T_LOAD,       /* partition: its load is done */
    TXN_T_SCAN,       /* the timeout scan */
};

static uint64_t txn_arg(int type, int index, int dest) {
    return (uint64_t)type | (uint64_t)index << 8 | (uint64_t)dest << 40;
}

#define TXN_KAFKA_2_7 20700 /* KAFKA-9911: PRODUCER_FENCED split from INVALID_PRODUCER_EPOCH */
/* KAFKA-19367 (PR #19910, June 2025, after 4.0): with transaction version 2 the abort of a fence
 * no longer bumps the epoch a second time. */
#define TXN_KAFKA_4_1 40100
#define TXN_KAFKA_4_0 40000
/* TransactionMetadata.isEpochExhausted: epoch >= Short.MaxValue - 1. */
#define TXN_EPOCH_EXHAUSTED (INT16_MAX - 1)

typedef enum txn_part_status {
    TXN_PART_NONE = 0, /* not coordinated here */
    TXN_PART_LOADING,  /* loadingPartitions */
    TXN_PART_LOADED,   /* transactionMetadataCache */
} txn_part_status;

typedef enum txn_op_kind {
    TXN_OP_INIT_PID = 1, /* InitProducerId: Empty (a new id, a bump, a rotation) */
    TXN_OP_ADD,          /* AddPartitionsToTxn: Ongoing */
    TXN_OP_END,          /* EndTxn from the client: PrepareCommit / PrepareAbort */
    TXN_OP_FENCE_INIT,   /* InitProducerId fencing an Ongoing transaction: PrepareAbort */
    TXN_OP_FENCE_TIMEOUT, /* the timeout scan: PrepareAbort */
    TXN_OP_COMPLETE,     /* all markers answered: CompleteCommit / CompleteAbort */
} txn_op_kind;

/* Where the answer to a request goes (its connection, as RequestChannel keeps it). */
typedef struct txn_reply {
    bool want;
    uint8_t api;
    node_id client;
    uint32_t gen;
    uint32_t correlation;
} txn_reply;

/* TxnTransitMetadata: the target of a transition; its partitions are in txn_meta.transit. */
typedef struct txn_transit {
    int64_t producer_id, last_producer_id;
    int64_t next_producer_id;    /* transaction version 2: the id after an exhausted epoch */
    int64_t start_ns, update_ns;
    int32_t timeout_ms;
    int16_t producer_epoch, last_producer_epoch;
    uint8_t state;
} txn_transit;

/* A WriteTxnMarkers request in flight to one broker for one transaction. */
typedef struct txn_slot {
    uint32_t correlation; /* 0: none in flight */
    sim_timer timer;      /* its request timeout */
} txn_slot;

/* TransactionMetadata of one transactional id, with the transition being appended and its
 * markers (PendingCompleteTxn). */
typedef struct txn_meta {
    bool present;                 /* in the cache */
    int64_t producer_id, last_producer_id;
    int64_t next_producer_id;     /* nextProducerId (transaction version 2), -1 none */
    int16_t producer_epoch, last_producer_epoch;
    int32_t timeout_ms;
    int8_t state;                 /* proto_txn_state */
    int8_t pending;               /* pendingState, -1 none */
    bool has_failed_epoch_fence;
    int64_t start_ns, update_ns;
    uint16_t *parts;              /* topicPartitions, in the order added */
    int part_count;
    /* The transition being appended (at most one: the pending state bars every other). */
    bool op_active;
    uint8_t op_kind;              /* txn_op_kind */
    bool op_commit;               /* END and the fences: the result asked */
    bool op_epoch_fence;          /* endTransaction's isEpochFence */
    bool op_tv2;                  /* endTransaction of transaction version 2 (epoch bumped) */
    int16_t op_end_epoch;         /* the epoch endTransaction was called with */
    int32_t op_coord_epoch;       /* the coordinator epoch at the start */
    int64_t op_required_offset;   /* the HW that makes the record durable */
    txn_reply op_reply;
    txn_transit transit;
    uint16_t *transit_parts;
    int transit_count;
    sim_timer append_timer;
    /* Markers (TransactionMarkerChannelManager.transactionsWithPendingMarkers). */
    bool markers_pending;
    bool markers_commit;
    int32_t markers_coord_epoch;
    int64_t markers_pid;
    int16_t markers_epoch;
    int64_t complete_ns;          /* prepareComplete's update timestamp */
    bool complete_retry;          /* the CompleteX append waits for retry_timer */
    uint32_t *part_corr;          /* per entry of parts: its marker's request, 0 none */
    sim_timer retry_timer;
    txn_slot slots[PROTO_BROKERS_MAX + 1]; /* by destination broker id */
} txn_meta;

struct txn_coord {
    broker *b;
    const config *c;
    sim_world *w;
    txn_records *records;     /* borrowed: the world's */
    uint16_t kind;            /* kernel handler kind of its timers */
    int txn_count;
    int partition_count;
    txn_meta *txns;           /* owned, by transactional id */
    uint8_t *part_status;     /* owned, by g: txn_part_status */
    int32_t *part_epoch;      /* owned, by g: coordinator epoch of a loading/loaded partition */
    bool *state_part;         /* owned, by g: some transactional id's state partition */
    sim_timer *load_timers;   /* owned, by g */
    sim_timer scan_timer;
    uint32_t correlation_next;
    bool tv2;                 /* transaction.version 2: EndTxn bumps the epoch (KIP-890) */
};

static int64_t now_ns(const txn_coord *tc) { return sim_now(tc->w); }

static void out_of_memory(txn_coord *tc) {
    sim_exhaust(tc->w, "broker-%d: out of memory (transaction coordinator)", tc->b->broker_id);
}

/* PRODUCER_FENCED from 2.7 (KAFKA-9911), INVALID_PRODUCER_EPOCH before. */
static int16_t fenced_error(const txn_coord *tc) {
    return tc->c->kafka_version >= TXN_KAFKA_2_7 ? ERR_PRODUCER_FENCED : ERR_INVALID_PRODUCER_EPOCH;
}

static int partition_of(const txn_coord *tc, int txn) { return tc->c->txn_partition[txn]; }

/* A protocol step of the coordinator of txn (on its __transaction_state partition): true when
 * a crash is due there, and the coordinator goes no further (protocol.h). */
static bool txn_step(txn_coord *tc, int txn, proto_step s) {
    const broker_env *env = &tc->b->env;
    return env->step_fn && env->step_fn(env->step_ctx, tc->b->node, s, partition_of(tc, txn));
}

/* ---- The state records -------------------------------------------------------------------- */

void txn_records_init(txn_records *r) { memset(r, 0, sizeof *r); }

void txn_records_fini(txn_records *r) {
    free(r->recs);
    free(r->parts);
    memset(r, 0, sizeof *r);
}

/* Stores rec with parts; its index, or UINT32_MAX when memory ran out. */
static uint32_t txn_records_add(txn_records *r, const txn_record *rec, const uint16_t *parts,
                                int count) {
    if (r->count == r->capacity) {
        uint32_t cap = r->capacity ? r->capacity * 2 : 64;
        txn_record *nr = realloc(r->recs, cap * sizeof *nr);
        if (!nr) return UINT32_MAX;
        r->recs = nr;
        r->capacity = cap;
    }
    if (r->parts_count + (size_t)count > r->parts_capacity) {
        size_t cap = r->parts_capacity ? r->parts_capacity * 2 : 256;
        while (cap < r->parts_count + (size_t)count) cap *= 2;
        uint16_t *np = realloc(r->parts, cap * sizeof *np);
        if (!np) return UINT32_MAX;
        r->parts = np;
        r->parts_capacity = cap;
    }
    txn_record *out = &r->recs[r->count];
    *out = *rec;
    out->parts_at = (uint32_t)r->parts_count;
    out->part_count = (uint16_t)count;
    if (count) memcpy(r->parts + r->parts_count, parts, (size_t)count * sizeof *parts);
    r->parts_count += (size_t)count;
    return r->count++;
}

/* ---- TransactionMetadata ------------------------------------------------------------------ */

/* TransactionState.validPreviousStates (TransactionMetadata.scala). */
static bool txn_valid_previous(int to, int from) {
    switch (to) {
    case TXN_EMPTY:
    case TXN_DEAD:
        return from == TXN_EMPTY || from == TXN_COMPLETE_COMMIT || from == TXN_COMPLETE_ABORT;
    case TXN_ONGOING:
        return from == TXN_ONGOING || from == TXN_EMPTY || from == TXN_COMPLETE_COMMIT ||
               from == TXN_COMPLETE_ABORT;
    case TXN_PREPARE_COMMIT: return from == TXN_ONGOING;
    case TXN_PREPARE_ABORT: /* 4.0: also from Empty and Complete* (transaction version 2) */
        return from == TXN_ONGOING || from == TXN_PREPARE_EPOCH_FENCE || from == TXN_EMPTY ||
               from == TXN_COMPLETE_COMMIT || from == TXN_COMPLETE_ABORT;
    case TXN_COMPLETE_COMMIT: return from == TXN_PREPARE_COMMIT;
    case TXN_COMPLETE_ABORT: return from == TXN_PREPARE_ABORT;
    case TXN_PREPARE_EPOCH_FENCE: return from == TXN_ONGOING;
    default: return false;
    }
}

/* prepareTransitionTo: the pending state is set; the transit holds the target, its partitions
 * in t->transit_parts (the caller fills them). */
static void txn_prepare(txn_coord *tc, txn_meta *t, int state, int64_t pid, int16_t epoch,
                        int16_t last_epoch, int32_t timeout_ms, int64_t start_ns,
                        int64_t update_ns) {
    SIM_ASSERT(tc->w, t->pending < 0);
    SIM_ASSERT(tc->w, pid >= 0 && epoch >= 0);
    SIM_ASSERT(tc->w, txn_valid_previous(state, t->state));
    t->transit = (txn_transit){.producer_id = pid,
                               .last_producer_id = t->producer_id,
                               .next_producer_id = PROTO_NO_PRODUCER_ID,
                               .producer_epoch = epoch,
                               .last_producer_epoch = last_epoch,
                               .timeout_ms = timeout_ms,
                               .state = (uint8_t)state,
                               .start_ns = start_ns,
                               .update_ns = update_ns};
    t->pending = (int8_t)state;
}

/* The transit keeps the current partitions (prepareAbortOrCommit, prepareFenceProducerEpoch). */
static void txn_transit_parts_current(txn_meta *t) {
    memcpy(t->transit_parts, t->parts, (size_t)t->part_count * sizeof *t->parts);
    t->transit_count = t->part_count;
}

/* prepareComplete: CompleteX pending until the markers are answered, at the id and epoch of
 * PrepareX, or (version 2, the epoch exhausted) at nextProducerId with epoch 0. */
static void txn_prepare_complete(txn_coord *tc, txn_meta *t, bool commit) {
    bool rotate = tc->tv2 && t->next_producer_id != PROTO_NO_PRODUCER_ID;
    t->has_failed_epoch_fence = false;
    t->complete_ns = now_ns(tc);
    txn_prepare(tc, t, commit ? TXN_COMPLETE_COMMIT : TXN_COMPLETE_ABORT,
                rotate ? t->next_producer_id : t->producer_id,
                rotate ? 0 : t->producer_epoch, t->last_producer_epoch, t->timeout_ms,
                t->start_ns, t->complete_ns);
    t->transit_count = 0;
}

/* prepareFenceProducerEpoch: PrepareEpochFence pending, the epoch one up (unless a fence
 * already failed, KAFKA-9666), the last epoch forgotten. Returns the fencing epoch. */
static int16_t txn_prepare_fence(txn_coord *tc, txn_meta *t) {
    SIM_ASSERT(tc->w, t->producer_epoch != INT16_MAX);
    int16_t bumped = t->has_failed_epoch_fence ? t->producer_epoch : (int16_t)(t->producer_epoch + 1);
    txn_prepare(tc, t, TXN_PREPARE_EPOCH_FENCE, t->producer_id, bumped, PROTO_NO_PRODUCER_EPOCH,
                t->timeout_ms, t->start_ns, t->update_ns);
    txn_transit_parts_current(t);
    return bumped;
}

/* completeTransitionTo: the durable transit becomes the metadata. */
static void txn_complete_transition(txn_coord *tc, txn_meta *t) {
    const txn_transit *x = &t->transit;
    SIM_ASSERT(tc->w, t->pending == (int8_t)x->state);
    switch (x->state) {
    case TXN_EMPTY: /* from InitProducerId */
        SIM_ASSERT(tc->w, t->transit_count == 0 && x->start_ns == -1);
        t->timeout_ms = x->timeout_ms;
        t->producer_epoch = x->producer_epoch;
        t->last_producer_epoch = x->last_producer_epoch;
        t->producer_id = x->producer_id;
        t->last_producer_id = x->last_producer_id;
        break;
    case TXN_ONGOING: /* from AddPartitionsToTxn */
        SIM_ASSERT(tc->w, x->producer_epoch == t->producer_epoch && x->producer_id == t->producer_id);
        t->start_ns = x->start_ns;
        memcpy(t->parts, t->transit_parts, (size_t)t->transit_count * sizeof *t->parts);
        t->part_count = t->transit_count;
        break;
    case TXN_PREPARE_COMMIT:
    case TXN_PREPARE_ABORT: /* from EndTxn; transaction version 2: the epoch one up */
        SIM_ASSERT(tc->w, x->producer_id == t->producer_id);
        SIM_ASSERT(tc->w, x->producer_epoch == t->producer_epoch ||
                              (tc->tv2 && x->producer_epoch == t->producer_epoch + 1));
        SIM_ASSERT(tc->w, t->transit_count == t->part_count);
        t->producer_epoch = x->producer_epoch;
        t->last_producer_epoch = x->last_producer_epoch;
        t->next_producer_id = x->next_producer_id;
        t->start_ns = x->start_ns; /* an empty abort starts now (prepareAbortOrCommit) */
        break;
    case TXN_COMPLETE_COMMIT:
    case TXN_COMPLETE_ABORT: /* from the markers; version 2 may move to the next id, epoch 0 */
        SIM_ASSERT(tc->w, (x->producer_epoch == t->producer_epoch &&
                           x->producer_id == t->producer_id) ||
                              (tc->tv2 && x->producer_epoch == 0 &&
                               x->producer_id == t->next_producer_id));
        SIM_ASSERT(tc->w, x->start_ns != -1);
        if (x->producer_id != t->producer_id) t->last_producer_id = t->producer_id;
        t->producer_id = x->producer_id;
        t->producer_epoch = x->producer_epoch;
        t->next_producer_id = PROTO_NO_PRODUCER_ID;
        t->start_ns = x->start_ns;
        t->part_count = 0;
        break;
    default: SIM_ASSERT(tc->w, false); break;
    }
    t->update_ns = x->update_ns;
    t->pending = -1;
    t->state = (int8_t)x->state;
}

/* ---- The state manager: ownership, loading, appends ---------------------------------------- */

/* getTransactionState: COORDINATOR_LOAD_IN_PROGRESS while loading, NOT_COORDINATOR where the
 * partition is not coordinated here, else NONE with *out the metadata or NULL. */
static int16_t txn_state_of(txn_coord *tc, int txn, txn_meta **out) {
    *out = NULL;
    int g = partition_of(tc, txn);
    if (tc->part_status[g] == TXN_PART_LOADING) return ERR_COORDINATOR_LOAD_IN_PROGRESS;
    if (tc->part_status[g] != TXN_PART_LOADED) return ERR_NOT_COORDINATOR;
    if (tc->txns[txn].present) *out = &tc->txns[txn];
    return ERR_NONE;
}

/* The coordinator epoch txn's partition is coordinated at, -1 when it is not loaded here. */
static int32_t txn_coord_epoch(const txn_coord *tc, int txn) {
    int g = partition_of(tc, txn);
    return tc->part_status[g] == TXN_PART_LOADED ? tc->part_epoch[g] : -1;
}

static void txn_reply_send(txn_coord *tc, const txn_reply *r, int16_t error, int64_t pid,
                           int16_t epoch) {
    if (!r->want) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = r->api;
    m.is_response = 1;
    if (r->api == API_INIT_PRODUCER_ID) {
        m.u.init_pid_response.error = error;
        m.u.init_pid_response.producer_id = error ? PROTO_NO_PRODUCER_ID : pid;
        m.u.init_pid_response.producer_epoch = error ? PROTO_NO_PRODUCER_EPOCH : epoch;
    } else if (r->api == API_ADD_OFFSETS_TO_TXN) {
        m.u.group_response.error = error;
    } else {
        m.u.txn_response.error = error;
        if (r->api == API_END_TXN) { /* EndTxn v5 (version 2) names the next id and epoch */
            bool named = tc->tv2 && error == ERR_NONE;
            m.u.txn_response.producer_id = named ? pid : PROTO_NO_PRODUCER_ID;
            m.u.txn_response.producer_epoch = named ? epoch : PROTO_NO_PRODUCER_EPOCH;
        }
    }
    broker_coordinator_respond(tc->b, r->client, r->gen, r->correlation, &m);
}

static void txn_op_done(txn_coord *tc, int txn, int16_t error);
static void txn_markers_start(txn_coord *tc, int txn, bool commit, int32_t coord_epoch);

/* appendTransactionToLog: the transit of txn (its op filled in) becomes a record of its state
 * partition, appended as leader with acks=all; txn_op_done runs when the HW passes it, when it
 * fails, or after the transaction timeout. */
static void txn_append(txn_coord *tc, int txn) {
    txn_meta *t = &tc->txns[txn];
    int g = partition_of(tc, txn);
    if (txn_coord_epoch(tc, txn) != t->op_coord_epoch) {
        txn_op_done(tc, txn, ERR_NOT_COORDINATOR);
        return;
    }
    txn_record rec = {.producer_id = t->transit.producer_id,
                      .next_producer_id = t->transit.next_producer_id,
                      .start_ns = t->transit.start_ns,
                      .update_ns = t->transit.update_ns,
                      .timeout_ms = t->transit.timeout_ms,
                      .txn = (uint16_t)txn,
                      .producer_epoch = t->transit.producer_epoch,
                      .state = t->transit.state};
    uint32_t index = txn_records_add(tc->records, &rec, t->transit_parts, t->transit_count);
    if (index == UINT32_MAX) {
        out_of_memory(tc);
        return;
    }
    proto_batch batch;
    memset(&batch, 0, sizeof batch);
    batch.base_offset = -1;
    batch.producer_id = PROTO_NO_PRODUCER_ID;
    batch.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    batch.base_sequence = PROTO_NO_SEQUENCE;
    batch.max_timestamp_ns = now_ns(tc);
    batch.payload = index;
    batch.record_count = 1;
    batch.attempt = 1;
    batch.partition = (uint16_t)g;
    int64_t required = 0;
    int16_t error = broker_coordinator_append(tc->b, g, &batch, &required);
    if (error != ERR_NONE) {
        /* Mapped as updateCacheCallback maps them. */
        txn_op_done(tc, txn, error == ERR_NOT_ENOUGH_REPLICAS ? ERR_COORDINATOR_NOT_AVAILABLE
                                                              : ERR_NOT_COORDINATOR);
        return;
    }
    t->op_active = true;
    t->op_required_offset = required;
    sim_timer_arm(tc->w, &t->append_timer,
                  now_ns(tc) + (int64_t)t->transit.timeout_ms * SIM_MS, tc->kind,
                  txn_arg(TXN_T_APPEND, txn, 0));
    broker_coordinator_append_settle(tc->b, g); /* may complete it at once */
}

/* updateCacheCallback, then the caller's callback, for txn's op ending with error (already a
 * coordinator error: COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, or NONE). */
static void txn_op_done(txn_coord *tc, int txn, int16_t error) {
    txn_meta *t = &tc->txns[txn];
    int g = partition_of(tc, txn);
    t->op_active = false;
    sim_timer_cancel(&t->append_timer);
    bool ours = t->present && txn_coord_epoch(tc, txn) == t->op_coord_epoch;
    if (error == ERR_NONE) {
        if (!ours) {
            error = ERR_NOT_COORDINATOR;
        } else {
            txn_complete_transition(tc, t);
            history_txn_state(tc->b->env.history, now_ns(tc), tc->b->node, g, txn, t->state,
                              t->op_coord_epoch, t->producer_id, t->producer_epoch);
        }
    } else if (ours && !(t->op_kind == TXN_OP_COMPLETE && error == ERR_COORDINATOR_NOT_AVAILABLE)) {
        t->pending = -1; /* no transition: the metadata stays as it was */
    }
    txn_reply reply = t->op_reply;
    switch ((txn_op_kind)t->op_kind) {
    case TXN_OP_INIT_PID:
        txn_reply_send(tc, &reply, error, t->producer_id, t->producer_epoch);
        return;
    case TXN_OP_ADD: txn_reply_send(tc, &reply, error, 0, 0); return;
    case TXN_OP_COMPLETE:
        if (error == ERR_NONE) txn_step(tc, txn, STEP_COORDINATOR_COMPLETE); /* nothing follows */
        /* TransactionMarkerChannelManager.tryAppendToLog: retried while the log is not
         * available, given up when another coordinator (or a reload) took over. */
        if (error == ERR_COORDINATOR_NOT_AVAILABLE && ours) {
            t->complete_retry = true;
            sim_timer_arm(tc->w, &t->retry_timer, now_ns(tc) + TXN_RECONNECT_BACKOFF_NS,
                          tc->kind, txn_arg(TXN_T_RETRY, txn, 0));
        }
        return;
    case TXN_OP_END:
    case TXN_OP_FENCE_INIT:
    case TXN_OP_FENCE_TIMEOUT: break;
    }
    /* endTransaction's sendTxnMarkersCallback. */
    if (error != ERR_NONE) {
        if (t->op_epoch_fence && ours) t->has_failed_epoch_fence = true; /* KAFKA-9666 */
        if (t->op_kind != TXN_OP_FENCE_TIMEOUT) txn_reply_send(tc, &reply, error, 0, 0);
        return;
    }
    if (t->op_epoch_fence)
        history_txn_fence(tc->b->env.history, now_ns(tc), tc->b->node, txn,
                          t->op_kind == TXN_OP_FENCE_TIMEOUT, t->producer_id, t->producer_epoch);
    /* coordinator.prepare: PrepareX is durable (TransactionCoordinator.endTransaction's
     * sendTxnMarkersCallback at 3.9, before responseCallback(NONE) and addTxnMarkersToSend): a
     * coordinator that dies here has neither answered nor sent a marker; the next one loads
     * PrepareX and completes it (loadTransactionsForTxnTopicPartition). */
    if (txn_step(tc, txn, STEP_COORDINATOR_PREPARE)) return;
    bool commit = t->op_commit;
    int16_t pre = ERR_NONE;
    if (t->producer_epoch != t->op_end_epoch &&
        !(t->op_tv2 && t->producer_epoch == t->op_end_epoch + 1))
        pre = fenced_error(tc);
    else if (t->pending >= 0) pre = ERR_CONCURRENT_TRANSACTIONS;
    else if (t->state != (commit ? TXN_PREPARE_COMMIT : TXN_PREPARE_ABORT)) pre = ERR_INVALID_TXN_STATE;
    if (pre != ERR_NONE) {
        if (t->op_kind != TXN_OP_FENCE_TIMEOUT) txn_reply_send(tc, &reply, pre, 0, 0);
        return;
    }
    txn_prepare_complete(tc, t, commit);
    int32_t coord_epoch = t->op_coord_epoch;
    /* The answer first, then the markers (responseCallback(NONE); addTxnMarkersToSend). An
     * InitProducerId that fenced is told CONCURRENT_TRANSACTIONS, so that it retries. With
     * version 2 the answer names the id and epoch of CompleteX: the next transaction's (the
     * new id after an exhausted epoch, KAFKA-18660). */
    if (t->op_kind == TXN_OP_END)
        txn_reply_send(tc, &reply, ERR_NONE, t->transit.producer_id, t->transit.producer_epoch);
    else if (t->op_kind == TXN_OP_FENCE_INIT)
        txn_reply_send(tc, &reply, ERR_CONCURRENT_TRANSACTIONS, 0, 0);
    txn_markers_start(tc, txn, commit, coord_epoch);
}

/* Completes the appends of partition g that its HW passed or that failed. */
void txn_coord_on_hw(txn_coord *tc, int g) {
    if (!tc->state_part[g]) return;
    for (int i = 0; i < tc->txn_count; i++) {
        txn_meta *t = &tc->txns[i];
        if (!t->op_active || partition_of(tc, i) != g) continue;
        int16_t s = broker_coordinator_append_done(tc->b, g, t->op_required_offset);
        if (s < 0) continue;
        if (s == ERR_NONE) txn_op_done(tc, i, ERR_NONE);
        else txn_op_done(tc, i, s == ERR_NOT_LEADER_OR_FOLLOWER ? ERR_NOT_COORDINATOR
                                                                : ERR_COORDINATOR_NOT_AVAILABLE);
        if (!tc->b->alive) return;
    }
}

/* Forgets txn's metadata, markers and timers (removeTransactionsForTxnTopicPartition,
 * removeMarkersForTxnTopicPartition). */
static void txn_meta_clear(txn_meta *t) {
    t->present = false;
    t->pending = -1;
    t->op_active = false;
    t->markers_pending = false;
    t->complete_retry = false;
    t->part_count = 0;
    t->transit_count = 0;
    sim_timer_cancel(&t->append_timer);
    sim_timer_cancel(&t->retry_timer);
    for (int d = 0; d <= PROTO_BROKERS_MAX; d++) {
        t->slots[d].correlation = 0;
        sim_timer_cancel(&t->slots[d].timer);
    }
}

/* onResignation: appends still waiting fail NOT_COORDINATOR (their DelayedProduce completes
 * with NOT_LEADER_OR_FOLLOWER), the cache and the marker queues of g are dropped. */
void txn_coord_on_resigned(txn_coord *tc, int g) {
    if (!tc->state_part[g]) return;
    tc->part_status[g] = TXN_PART_NONE;
    sim_timer_cancel(&tc->load_timers[g]);
    for (int i = 0; i < tc->txn_count && tc->b->alive; i++) {
        if (partition_of(tc, i) != g) continue;
        if (tc->txns[i].op_active) txn_op_done(tc, i, ERR_NOT_COORDINATOR);
        txn_meta_clear(&tc->txns[i]);
    }
}

/* onElection: loading starts at the partition's leader epoch (the coordinator epoch). */
void txn_coord_on_elected(txn_coord *tc, int g) {
    if (!tc->state_part[g]) return;
    txn_coord_on_resigned(tc, g); /* resilient to what the last term left (onElection) */
    tc->part_status[g] = TXN_PART_LOADING;
    tc->part_epoch[g] = tc->b->partitions[g].leader_epoch;
    sim_timer_arm(tc->w, &tc->load_timers[g], now_ns(tc) + TXN_LOAD_NS, tc->kind,
                  txn_arg(TXN_T_LOAD, g, 0));
}

/* loadTransactionsForTxnTopicPartition: the records of g to the log end (FetchIsolation
 * LOG_END), the last of each id wins; then every PrepareCommit / PrepareAbort gets
 * prepareComplete and its markers again, at the new coordinator epoch. */
static void txn_load(txn_coord *tc, int g) {
    if (tc->part_status[g] != TXN_PART_LOADING) return;
    const broker_partition *p = &tc->b->partitions[g];
    if (!p->state_known || p->leader != tc->b->broker_id || p->leader_epoch != tc->part_epoch[g])
        return;
    size_t count = 0;
    const proto_batch *log = broker_log(tc->b, g, &count);
    for (size_t k = 0; k < count; k++) {
        const proto_batch *batch = &log[k];
        if (proto_batch_is_control(batch) || batch->payload >= tc->records->count) continue;
        const txn_record *rec = &tc->records->recs[batch->payload];
        if (rec->txn >= tc->txn_count || partition_of(tc, rec->txn) != g) continue;
        txn_meta *t = &tc->txns[rec->txn];
        t->present = true;
        t->producer_id = rec->producer_id;
        t->last_producer_id = PROTO_NO_PRODUCER_ID;
        t->next_producer_id = rec->next_producer_id;
        t->producer_epoch = rec->producer_epoch;
        t->last_producer_epoch = PROTO_NO_PRODUCER_EPOCH;
        t->timeout_ms = rec->timeout_ms;
        t->state = (int8_t)rec->state;
        t->pending = -1;
        t->has_failed_epoch_fence = false;
        t->start_ns = rec->start_ns;
        t->update_ns = rec->update_ns;
        t->part_count = rec->state == TXN_EMPTY ? 0 : rec->part_count;
        if (t->part_count > 0) /* none stored yet: the arena may have no array at all */
            memcpy(t->parts, tc->records->parts + rec->parts_at,
                   (size_t)t->part_count * sizeof *t->parts);
    }
    tc->part_status[g] = TXN_PART_LOADED;
    for (int i = 0; i < tc->txn_count && tc->b->alive; i++) {
        txn_meta *t = &tc->txns[i];
        if (partition_of(tc, i) != g || !t->present) continue;
        if (t->state != TXN_PREPARE_COMMIT && t->state != TXN_PREPARE_ABORT) continue;
        bool commit = t->state == TXN_PREPARE_COMMIT;
        txn_prepare_complete(tc, t, commit);
        txn_markers_start(tc, i, commit, tc->part_epoch[g]);
    }
}

/* ---- TransactionCoordinator ---------------------------------------------------------------- */

static void txn_op_begin(txn_meta *t, txn_op_kind kind, const txn_reply *reply, int32_t epoch) {
    t->op_kind = (uint8_t)kind;
    t->op_reply = reply ? *reply : (txn_reply){0};
    t->op_coord_epoch = epoch;
    t->op_epoch_fence = false;
    t->op_tv2 = false;
}

/* endTransaction of transaction version 2 (TransactionCoordinator.endTransaction, 4.0, the
 * state table in its comment; KAFKA-14562, KAFKA-18464, KAFKA-18660): every completion bumps
 * the epoch (prepareAbortOrCommit: epoch + 1, the last epoch the old one; at 32766 a next
 * producer id that CompleteX takes with epoch 0). The pending check comes first; then the
 * producer id (or a retry across the id's rotation), then the epoch: the current one for
 * Ongoing and Empty, one below it (a retry of the bumped EndTxn) for PrepareX, either for
 * Complete*. A retry of the same result is NONE with the current id and epoch; ABORT at the
 * current epoch from Empty or Complete* is an "empty abort" (PrepareAbort with no partitions,
 * the epoch bumped); every other combination is INVALID_TXN_STATE. A fence (InitProducerId,
 * the timeout scan) aborts at its fencing epoch, which prepareAbortOrCommit bumps once more
 * in 4.0.0 and not after KAFKA-19367 (4.1). */
static void txn_end_transaction_v2(txn_coord *tc, int txn, int64_t pid, int16_t epoch,
                                   bool commit, txn_op_kind kind, const txn_reply *reply) {
    bool from_client = kind == TXN_OP_END;
    txn_meta *t = NULL;
    int16_t error = txn_state_of(tc, txn, &t);
    if (error == ERR_NONE && !t) error = ERR_INVALID_PRODUCER_ID_MAPPING;
    int next = -1;
    bool fence = false;
    int64_t cur_pid = PROTO_NO_PRODUCER_ID;
    int16_t cur_epoch = PROTO_NO_PRODUCER_EPOCH;
    if (error == ERR_NONE) {
        cur_pid = t->producer_id;
        cur_epoch = t->producer_epoch;
        fence = t->pending == TXN_PREPARE_EPOCH_FENCE;
        bool retry_overflow = !fence && t->last_producer_id == pid &&
                              epoch == TXN_EPOCH_EXHAUSTED && t->producer_epoch == 0;
        bool retry_bump = !fence && t->producer_epoch == epoch + 1;
        bool retry = retry_overflow || retry_bump;
        bool valid;
        if (fence) {
            valid = (!from_client || epoch == t->producer_epoch) && epoch >= t->producer_epoch;
        } else if (t->state == TXN_PREPARE_COMMIT || t->state == TXN_PREPARE_ABORT) {
            valid = retry_bump;
        } else if (t->state == TXN_COMPLETE_COMMIT || t->state == TXN_COMPLETE_ABORT) {
            valid = retry || epoch == t->producer_epoch;
        } else {
            valid = epoch == t->producer_epoch;
        }
        bool done_commit = t->state == TXN_COMPLETE_COMMIT, done_abort = t->state == TXN_COMPLETE_ABORT;
        if (t->pending >= 0 && !fence) error = ERR_CONCURRENT_TRANSACTIONS;
        else if (t->producer_id != pid && !retry_overflow) error = ERR_INVALID_PRODUCER_ID_MAPPING;
        else if (!valid) error = ERR_PRODUCER_FENCED;
        else if (t->state == TXN_ONGOING) next = commit ? TXN_PREPARE_COMMIT : TXN_PREPARE_ABORT;
        else if (t->state == TXN_PREPARE_COMMIT)
            error = commit ? ERR_CONCURRENT_TRANSACTIONS : ERR_INVALID_TXN_STATE;
        else if (t->state == TXN_PREPARE_ABORT)
            error = commit ? ERR_INVALID_TXN_STATE : ERR_CONCURRENT_TRANSACTIONS;
        else if (retry) /* Complete*: the same result again, or the other one */
            error = (commit ? done_commit : done_abort) ? ERR_NONE : ERR_INVALID_TXN_STATE;
        else if (!commit) next = TXN_PREPARE_ABORT; /* Empty, Complete*: an empty abort */
        else error = ERR_INVALID_TXN_STATE;
    }
    if (next < 0) {
        if (kind == TXN_OP_FENCE_TIMEOUT || !reply) return;
        if (kind == TXN_OP_FENCE_INIT && error == ERR_NONE) error = ERR_CONCURRENT_TRANSACTIONS;
        txn_reply_send(tc, reply, error, cur_pid, cur_epoch);
        return;
    }
    bool empty = t->state != TXN_ONGOING;
    txn_op_begin(t, kind, reply, txn_coord_epoch(tc, txn));
    t->op_tv2 = true;
    int16_t bumped = (int16_t)(t->producer_epoch + 1);
    int16_t last = t->producer_epoch;
    if (fence) {
        /* The fence epoch is the metadata's before its record is written; 4.0.0 bumps it once
         * more, KAFKA-19367 not. */
        t->op_epoch_fence = true;
        t->pending = -1;
        t->producer_epoch = epoch;
        t->last_producer_epoch = PROTO_NO_PRODUCER_EPOCH;
        /* (4.0.0 at epoch 32767 throws instead, KAFKA-19367's report; not modelled: the
         * second bump is skipped there.) */
        bool again = tc->c->kafka_version < TXN_KAFKA_4_1 && epoch < INT16_MAX;
        bumped = again ? (int16_t)(epoch + 1) : epoch;
        last = again ? epoch : PROTO_NO_PRODUCER_EPOCH;
    }
    int64_t next_pid = PROTO_NO_PRODUCER_ID;
    if (!fence && t->producer_epoch >= TXN_EPOCH_EXHAUSTED) next_pid = broker_new_producer_id(tc->b);
    t->op_commit = commit;
    t->op_end_epoch = epoch;
    int64_t now = now_ns(tc);
    txn_prepare(tc, t, next, t->producer_id, bumped, last, t->timeout_ms,
                empty ? now : t->start_ns, now);
    t->transit.next_producer_id = next_pid;
    if (empty) t->transit_count = 0;
    else txn_transit_parts_current(t);
    txn_append(tc, txn);
}

/* endTransaction: from the client (EndTxn), or to fence (InitProducerId, the timeout scan;
 * epoch is then the fencing epoch and PrepareEpochFence is pending). */
static void txn_end_transaction(txn_coord *tc, int txn, int64_t pid, int16_t epoch, bool commit,
                                txn_op_kind kind, const txn_reply *reply) {
    if (tc->tv2) {
        txn_end_transaction_v2(tc, txn, pid, epoch, commit, kind, reply);
        return;
    }
    bool from_client = kind == TXN_OP_END;
    txn_meta *t = NULL;
    int16_t error = txn_state_of(tc, txn, &t);
    if (error == ERR_NONE && !t) error = ERR_INVALID_PRODUCER_ID_MAPPING;
    else if (error == ERR_NONE && t->producer_id != pid) error = ERR_INVALID_PRODUCER_ID_MAPPING;
    else if (error == ERR_NONE &&
             ((from_client && epoch != t->producer_epoch) || epoch < t->producer_epoch))
        error = fenced_error(tc);
    else if (error == ERR_NONE && t->pending >= 0 && t->pending != TXN_PREPARE_EPOCH_FENCE)
        error = ERR_CONCURRENT_TRANSACTIONS;
    else if (error == ERR_NONE) {
        switch (t->state) {
        case TXN_ONGOING: {
            int next = commit ? TXN_PREPARE_COMMIT : TXN_PREPARE_ABORT;
            txn_op_begin(t, kind, reply, txn_coord_epoch(tc, txn));
            if (next == TXN_PREPARE_ABORT && t->pending == TXN_PREPARE_EPOCH_FENCE) {
                /* The fence epoch is the metadata's before its record is written. */
                t->op_epoch_fence = true;
                t->pending = -1;
                t->producer_epoch = epoch;
                t->last_producer_epoch = PROTO_NO_PRODUCER_EPOCH;
            }
            t->op_commit = commit;
            t->op_end_epoch = epoch;
            txn_prepare(tc, t, next, t->producer_id, t->producer_epoch, t->last_producer_epoch,
                        t->timeout_ms, t->start_ns, now_ns(tc));
            txn_transit_parts_current(t);
            txn_append(tc, txn);
            return;
        }
        case TXN_COMPLETE_COMMIT: error = commit ? ERR_NONE : ERR_INVALID_TXN_STATE; break;
        case TXN_COMPLETE_ABORT: error = commit ? ERR_INVALID_TXN_STATE : ERR_NONE; break;
        case TXN_PREPARE_COMMIT:
            error = commit ? ERR_CONCURRENT_TRANSACTIONS : ERR_INVALID_TXN_STATE;
            break;
        case TXN_PREPARE_ABORT:
            error = commit ? ERR_INVALID_TXN_STATE : ERR_CONCURRENT_TRANSACTIONS;
            break;
        default: error = ERR_INVALID_TXN_STATE; break; /* Empty */
        }
    }
    /* Left(error): the callback with it (an InitProducerId's turns NONE into
     * CONCURRENT_TRANSACTIONS; the scan's only logs). */
    if (kind == TXN_OP_FENCE_TIMEOUT || !reply) return;
    if (kind == TXN_OP_FENCE_INIT && error == ERR_NONE) error = ERR_CONCURRENT_TRANSACTIONS;
    txn_reply_send(tc, reply, error, 0, 0);
}

static txn_reply txn_reply_of(const txn_coord *tc, node_id client) {
    const broker_conn *c = &tc->b->conns[client];
    return (txn_reply){.want = true,
                       .api = c->current.api,
                       .client = client,
                       .gen = c->gen,
                       .correlation = c->current.correlation_id};
}

/* KafkaApis.getCoordinator for a TRANSACTION key: the live leader of the id's partition. */
static void txn_on_find_coordinator(txn_coord *tc, node_id client) {
    const proto_msg *req = &tc->b->conns[client].current;
    int txn = req->u.find_coordinator.txn;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FIND_COORDINATOR;
    m.is_response = 1;
    m.u.find_coordinator_response.coordinator = -1;
    m.u.find_coordinator_response.error = ERR_COORDINATOR_NOT_AVAILABLE;
    if (txn < tc->txn_count) {
        const broker_partition *p = &tc->b->partitions[partition_of(tc, txn)];
        if (p->state_known && p->leader >= 1) {
            m.u.find_coordinator_response.coordinator = p->leader;
            m.u.find_coordinator_response.error = ERR_NONE;
        }
    }
    txn_reply r = txn_reply_of(tc, client);
    broker_coordinator_respond(tc->b, r.client, r.gen, r.correlation, &m);
}

/* isValidProducerId of prepareInitProducerIdTransit (KIP-360). */
static bool txn_valid_expected(const txn_meta *t, int64_t pid, int16_t epoch) {
    return t->producer_epoch == PROTO_NO_PRODUCER_EPOCH || pid == t->producer_id ||
           (pid == t->last_producer_id && epoch >= TXN_EPOCH_EXHAUSTED);
}

/* handleInitProducerId with a transactional id, and prepareInitProducerIdTransit. */
static void txn_on_init_producer_id(txn_coord *tc, node_id client) {
    const proto_init_producer_id_request *req = &tc->b->conns[client].current.u.init_pid;
    txn_reply reply = txn_reply_of(tc, client);
    int txn = req->txn;
    int32_t timeout_ms = req->txn_timeout_ms;
    int64_t max_ms = tc->c->transaction_max_timeout_ns / SIM_MS;
    if (timeout_ms <= 0 || timeout_ms > max_ms) { /* validateTransactionTimeoutMs */
        txn_reply_send(tc, &reply, ERR_INVALID_TRANSACTION_TIMEOUT, 0, 0);
        return;
    }
    txn_meta *t = NULL;
    int16_t error = txn >= tc->txn_count ? ERR_NOT_COORDINATOR : txn_state_of(tc, txn, &t);
    if (error != ERR_NONE) {
        txn_reply_send(tc, &reply, error, 0, 0);
        return;
    }
    int64_t now = now_ns(tc);
    if (!t) { /* a new id: a producer id, no epoch yet, Empty (putTransactionStateIfNotExists) */
        t = &tc->txns[txn];
        t->present = true;
        t->producer_id = broker_new_producer_id(tc->b);
        t->last_producer_id = PROTO_NO_PRODUCER_ID;
        t->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
        t->last_producer_epoch = PROTO_NO_PRODUCER_EPOCH;
        t->timeout_ms = timeout_ms;
        t->state = TXN_EMPTY;
        t->pending = -1;
        t->has_failed_epoch_fence = false;
        t->part_count = 0;
        t->start_ns = -1;
        t->update_ns = now;
    }
    bool expected = req->producer_id >= 0;
    int16_t expected_epoch = req->producer_epoch;
    if (t->pending >= 0) error = ERR_CONCURRENT_TRANSACTIONS;
    else if (expected && !txn_valid_expected(t, req->producer_id, expected_epoch))
        error = fenced_error(tc);
    if (error != ERR_NONE) {
        txn_reply_send(tc, &reply, error, 0, 0);
        return;
    }
    switch (t->state) {
    case TXN_PREPARE_COMMIT:
    case TXN_PREPARE_ABORT: txn_reply_send(tc, &reply, ERR_CONCURRENT_TRANSACTIONS, 0, 0); return;
    case TXN_ONGOING: {
        /* Fence: the epoch goes up (never returned), the transaction aborts, and the client
         * is told CONCURRENT_TRANSACTIONS: its retry gets a second bump. */
        int16_t bumped = txn_prepare_fence(tc, t);
        txn_end_transaction(tc, txn, t->producer_id, bumped, false, TXN_OP_FENCE_INIT, &reply);
        return;
    }
    default: break; /* Empty, CompleteCommit, CompleteAbort */
    }
    int64_t pid = t->producer_id;
    int16_t epoch, last_epoch;
    if (t->producer_epoch >= TXN_EPOCH_EXHAUSTED && (!expected || expected_epoch == t->producer_epoch)) {
        /* prepareProducerIdRotation */
        pid = broker_new_producer_id(tc->b);
        epoch = 0;
        last_epoch = expected ? t->producer_epoch : PROTO_NO_PRODUCER_EPOCH;
    } else if (!expected) { /* prepareIncrementProducerEpoch */
        epoch = (int16_t)(t->producer_epoch + 1);
        last_epoch = PROTO_NO_PRODUCER_EPOCH;
    } else if (t->producer_epoch == PROTO_NO_PRODUCER_EPOCH || expected_epoch == t->producer_epoch) {
        epoch = (int16_t)(t->producer_epoch + 1);
        last_epoch = t->producer_epoch;
    } else if (expected_epoch == t->last_producer_epoch) { /* a retried bump */
        epoch = t->producer_epoch;
        last_epoch = t->last_producer_epoch;
    } else {
        txn_reply_send(tc, &reply, fenced_error(tc), 0, 0);
        return;
    }
    txn_op_begin(t, TXN_OP_INIT_PID, &reply, txn_coord_epoch(tc, txn));
    txn_prepare(tc, t, TXN_EMPTY, pid, epoch, last_epoch, timeout_ms, -1, now);
    t->transit_count = 0;
    txn_append(tc, txn);
}

/* The checks an AddPartitionsToTxn and a leader's verification of one share
 * (handleAddPartitionsToTransaction, handleVerifyPartitionsInTransaction): the id coordinated
 * and loaded here, its metadata of the request's producer id, then its epoch (fenced: the error
 * another epoch gets), then no PrepareCommit or PrepareAbort (CONCURRENT_TRANSACTIONS; with
 * pending, nor a transition in flight: the verification does not look at it). NONE with *out
 * the metadata, else the error. */
static int16_t txn_add_partitions_check(txn_coord *tc, const proto_add_partitions_request *req,
                                        int16_t fenced, bool pending, txn_meta **out) {
    int txn = req->txn;
    txn_meta *t = NULL;
    int16_t error = txn >= tc->txn_count ? ERR_NOT_COORDINATOR : txn_state_of(tc, txn, &t);
    *out = t;
    if (error != ERR_NONE) return error;
    /* 4.0 asks about a transition in flight first (KAFKA-18660: a retry at the next id after
     * a rotation must not fence itself). */
    if (pending && t && t->pending >= 0 && tc->c->kafka_version >= TXN_KAFKA_4_0)
        return ERR_CONCURRENT_TRANSACTIONS;
    if (!t || t->producer_id != req->producer_id) return ERR_INVALID_PRODUCER_ID_MAPPING;
    if (t->producer_epoch != req->producer_epoch) return fenced;
    if ((pending && t->pending >= 0) || t->state == TXN_PREPARE_COMMIT ||
        t->state == TXN_PREPARE_ABORT)
        return ERR_CONCURRENT_TRANSACTIONS;
    return ERR_NONE;
}

#define TXN_KAFKA_3_8 30800 /* KAFKA-16314: TRANSACTION_ABORTABLE for a partition not added */

/* handleVerifyPartitionsInTransaction (AddPartitionsToTxn v4+ with verifyOnly, a partition
 * leader's question, KIP-890 part 1): no metadata or another producer id ->
 * INVALID_PRODUCER_ID_MAPPING; another epoch -> PRODUCER_FENCED; PrepareCommit/PrepareAbort ->
 * CONCURRENT_TRANSACTIONS (the pending state is not looked at: "there is a final validation
 * on the append", KAFKA-14904); else per partition NONE when the transaction holds it,
 * INVALID_TXN_STATE (3.6, 3.7) or TRANSACTION_ABORTABLE (3.8+) when it does not. Nothing is
 * written. */
static void txn_on_verify_partitions(txn_coord *tc, node_id client) {
    const proto_add_partitions_request *req = &tc->b->conns[client].current.u.add_partitions;
    txn_reply reply = txn_reply_of(tc, client);
    txn_meta *t = NULL;
    int16_t error = txn_add_partitions_check(tc, req, ERR_PRODUCER_FENCED, false, &t);
    int16_t errors[PROTO_TXN_PARTITIONS_MAX]; /* borrowed by the send */
    int16_t refused = ERR_NONE;
    int n = error == ERR_NONE ? req->partition_count : 0;
    int16_t absent = tc->c->kafka_version >= TXN_KAFKA_3_8 ? ERR_TRANSACTION_ABORTABLE
                                                            : ERR_INVALID_TXN_STATE;
    for (int k = 0; k < n; k++) {
        bool in = false;
        for (int i = 0; i < t->part_count && !in; i++) in = t->parts[i] == req->partitions[k];
        errors[k] = in ? ERR_NONE : absent;
        if (!in) refused = absent;
    }
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_ADD_PARTITIONS_TO_TXN;
    m.is_response = 1;
    m.u.verify_response.error = error;
    m.u.verify_response.partition_count = (uint16_t)n;
    m.u.verify_response.refused = refused;
    m.u.verify_response.errors = n ? errors : NULL;
    broker_coordinator_respond(tc->b, reply.client, reply.gen, reply.correlation, &m);
}

/* handleAddPartitionsToTransaction (the client's request, versions <= 3; AddOffsetsToTxn's). */
static void txn_add_partitions(txn_coord *tc, node_id client,
                               const proto_add_partitions_request *req) {
    txn_reply reply = txn_reply_of(tc, client);
    int txn = req->txn;
    txn_meta *t = NULL;
    int16_t error = txn_add_partitions_check(tc, req, fenced_error(tc), true, &t);
    if (error != ERR_NONE) {
        txn_reply_send(tc, &reply, error, 0, 0);
        return;
    }
    /* The partitions: the current ones, then those asked that are new. */
    txn_transit_parts_current(t);
    bool added = false;
    for (int k = 0; k < req->partition_count; k++) {
        uint16_t g = req->partitions[k];
        if (g >= tc->partition_count) continue;
        bool seen = false;
        for (int i = 0; i < t->transit_count && !seen; i++) seen = t->transit_parts[i] == g;
        if (seen) continue;
        t->transit_parts[t->transit_count++] = g;
        added = true;
    }
    if (t->state == TXN_ONGOING && !added) { /* already there: no record */
        txn_reply_send(tc, &reply, ERR_NONE, 0, 0);
        return;
    }
    int64_t now = now_ns(tc);
    int64_t start = t->state == TXN_ONGOING ? t->start_ns : now; /* prepareAddPartitions */
    txn_op_begin(t, TXN_OP_ADD, &reply, txn_coord_epoch(tc, txn));
    int count = t->transit_count; /* txn_prepare keeps the list */
    txn_prepare(tc, t, TXN_ONGOING, t->producer_id, t->producer_epoch, t->last_producer_epoch,
                t->timeout_ms, start, now);
    t->transit_count = count;
    txn_append(tc, txn);
}

static void txn_on_add_partitions(txn_coord *tc, node_id client) {
    const proto_add_partitions_request *req = &tc->b->conns[client].current.u.add_partitions;
    if (req->verify_only) txn_on_verify_partitions(tc, client);
    else txn_add_partitions(tc, client, req);
}

/* KafkaApis.handleAddOffsetsToTxnRequest: the group's __consumer_offsets partition
 * (partitionFor(groupId)) joins the transaction as AddPartitionsToTxn adds a partition. */
static void txn_on_add_offsets(txn_coord *tc, node_id client) {
    const proto_add_offsets_request *q = &tc->b->conns[client].current.u.add_offsets;
    uint16_t g = tc->c->group_partition;
    if (!config_consumers(tc->c) || g >= tc->partition_count) {
        txn_reply reply = txn_reply_of(tc, client);
        txn_reply_send(tc, &reply, ERR_COORDINATOR_NOT_AVAILABLE, 0, 0);
        return;
    }
    proto_add_partitions_request req = {.producer_id = q->producer_id,
                                        .producer_epoch = q->producer_epoch,
                                        .txn = q->txn,
                                        .partition_count = 1,
                                        .partitions = &g};
    txn_add_partitions(tc, client, &req);
}

/* handleEndTransaction. */
static void txn_on_end_txn(txn_coord *tc, node_id client) {
    const proto_end_txn_request *req = &tc->b->conns[client].current.u.end_txn;
    txn_reply reply = txn_reply_of(tc, client);
    if (req->txn >= tc->txn_count) {
        txn_reply_send(tc, &reply, ERR_NOT_COORDINATOR, 0, 0);
        return;
    }
    txn_end_transaction(tc, req->txn, req->producer_id, req->producer_epoch, req->commit != 0,
                        TXN_OP_END, &reply);
}

void txn_coord_on_request(txn_coord *tc, node_id client) {
    switch (tc->b->conns[client].current.api) {
    case API_FIND_COORDINATOR: txn_on_find_coordinator(tc, client); break;
    case API_INIT_PRODUCER_ID: txn_on_init_producer_id(tc, client); break;
    case API_ADD_PARTITIONS_TO_TXN: txn_on_add_partitions(tc, client); break;
    case API_ADD_OFFSETS_TO_TXN: txn_on_add_offsets(tc, client); break;
    case API_END_TXN: txn_on_end_txn(tc, client); break;
    default: break;
    }
}

/* abortTimedOutTransactions: every Ongoing transaction without a pending transition whose
 * start plus its timeout has passed is fenced (epoch + 1) and aborted. */
static void txn_abort_timed_out(txn_coord *tc) {
    int64_t now = now_ns(tc);
    for (int i = 0; i < tc->txn_count && tc->b->alive; i++) {
        txn_meta *t = NULL;
        if (txn_state_of(tc, i, &t) != ERR_NONE || !t) continue;
        if (t->pending >= 0 || t->state != TXN_ONGOING) continue;
        if (t->start_ns + (int64_t)t->timeout_ms * SIM_MS >= now) continue;
        int16_t bumped = txn_prepare_fence(tc, t);
        txn_end_transaction(tc, i, t->producer_id, bumped, false, TXN_OP_FENCE_TIMEOUT, NULL);
    }
}

/* ---- The marker channel ------------------------------------------------------------------- */

static void txn_markers_send(txn_coord *tc, int txn);

/* addTxnMarkersToSend: the markers of every partition of the transaction, at the epoch the
 * metadata has now. */
static void txn_markers_start(txn_coord *tc, int txn, bool commit, int32_t coord_epoch) {
    txn_meta *t = &tc->txns[txn];
    t->markers_pending = true;
    t->markers_commit = commit;
    t->markers_coord_epoch = coord_epoch;
    t->markers_pid = t->producer_id;
    t->markers_epoch = t->producer_epoch;
    t->complete_retry = false;
    for (int i = 0; i < t->part_count; i++) t->part_corr[i] = 0;
    for (int d = 0; d <= PROTO_BROKERS_MAX; d++) {
        t->slots[d].correlation = 0;
        sim_timer_cancel(&t->slots[d].timer);
    }
    txn_markers_send(tc, txn);
}

/* removeMarkersForTxn: the transaction is left in its PrepareX state with CompleteX pending
 * until a coordinator loads it again. */
static void txn_markers_cancel(txn_meta *t) {
    t->markers_pending = false;
    t->complete_retry = false;
    sim_timer_cancel(&t->retry_timer);
    for (int d = 0; d <= PROTO_BROKERS_MAX; d++) {
        t->slots[d].correlation = 0;
        sim_timer_cancel(&t->slots[d].timer);
    }
}

/* writeTxnCompletion: with every marker answered, CompleteX is appended if the coordinator
 * epoch is still the one the markers went with. */
static void txn_write_completion(txn_coord *tc, int txn) {
    txn_meta *t = &tc->txns[txn];
    t->markers_pending = false;
    if (txn_coord_epoch(tc, txn) != t->markers_coord_epoch || !t->present) return;
    int state = t->markers_commit ? TXN_COMPLETE_COMMIT : TXN_COMPLETE_ABORT;
    SIM_ASSERT(tc->w, t->pending == state);
    txn_op_begin(t, TXN_OP_COMPLETE, NULL, t->markers_coord_epoch);
    t->transit.state = (uint8_t)state; /* prepareComplete's transit, kept since */
    t->transit_count = 0;
    txn_append(tc, txn);
}

/* addTxnMarkersToBrokerQueue and the sender: the markers not yet in flight go to their
 * partition's leader as this broker's metadata has it, one request per destination; those of a
 * partition without a known leader wait for the retry. */
static void txn_markers_send(txn_coord *tc, int txn) {
    txn_meta *t = &tc->txns[txn];
    if (!t->markers_pending) return;
    if (t->part_count == 0) {
        txn_write_completion(tc, txn);
        return;
    }
    broker *b = tc->b;
    bool unknown = false;
    uint16_t parts[PROTO_TXN_PARTITIONS_MAX];
    for (int d = 1; d <= PROTO_BROKERS_MAX; d++) {
        if (t->slots[d].correlation) continue; /* one request in flight per destination */
        int n = 0;
        uint32_t corr = tc->correlation_next + 1;
        if (corr == 0) corr = 1;
        for (int i = 0; i < t->part_count && n < PROTO_TXN_PARTITIONS_MAX; i++) {
            if (t->part_corr[i]) continue;
            const broker_partition *p = &b->partitions[t->parts[i]];
            if (!p->state_known || p->leader != d) continue;
            parts[n++] = t->parts[i];
            t->part_corr[i] = corr;
        }
        if (n == 0) continue;
        tc->correlation_next = corr;
        proto_msg m;
        memset(&m, 0, sizeof m);
        m.api = API_WRITE_TXN_MARKERS;
        m.to = node_broker(d);
        m.correlation_id = corr;
        m.partition = parts[0];
        m.u.write_txn_markers.producer_id = t->markers_pid;
        m.u.write_txn_markers.producer_epoch = t->markers_epoch;
        m.u.write_txn_markers.coordinator_epoch = t->markers_coord_epoch;
        m.u.write_txn_markers.commit = t->markers_commit;
        m.u.write_txn_markers.partition_count = (uint16_t)n;
        m.u.write_txn_markers.partitions = parts;
        t->slots[d].correlation = corr;
        sim_timer_arm(tc->w, &t->slots[d].timer,
                      now_ns(tc) + proto_request_timeout_ns(tc->c->broker_request_timeout_ns),
                      tc->kind, txn_arg(TXN_T_MARKER, txn, d));
        broker_coordinator_send(b, &m);
        if (!b->alive) return;
        /* A crash after this request: the later destinations get none from this coordinator. */
        if (txn_step(tc, txn, STEP_COORDINATOR_MARKERS)) return;
    }
    for (int i = 0; i < t->part_count; i++) {
        if (t->part_corr[i]) continue;
        const broker_partition *p = &b->partitions[t->parts[i]];
        if (!p->state_known || p->leader < 1) unknown = true;
    }
    if (unknown && !sim_timer_armed(&t->retry_timer))
        sim_timer_arm(tc->w, &t->retry_timer, now_ns(tc) + TXN_RECONNECT_BACKOFF_NS, tc->kind,
                      txn_arg(TXN_T_RETRY, txn, 0));
}

/* The markers of txn's request to d go again later (a disconnect or a timeout). */
static void txn_markers_requeue(txn_coord *tc, int txn, int d) {
    txn_meta *t = &tc->txns[txn];
    uint32_t corr = t->slots[d].correlation;
    if (!corr) return;
    t->slots[d].correlation = 0;
    sim_timer_cancel(&t->slots[d].timer);
    for (int i = 0; i < t->part_count; i++)
        if (t->part_corr[i] == corr) t->part_corr[i] = 0;
    /* TransactionMarkerRequestCompletionHandler on a disconnect: cancelled if the coordinator
     * moved on, else re-enqueued. */
    if (!t->present || txn_coord_epoch(tc, txn) != t->markers_coord_epoch) {
        txn_markers_cancel(t);
        return;
    }
    sim_timer_arm(tc->w, &t->retry_timer, now_ns(tc) + TXN_RECONNECT_BACKOFF_NS, tc->kind,
                  txn_arg(TXN_T_RETRY, txn, 0));
}

/* TransactionMarkerRequestCompletionHandler.onComplete for a response. */
void txn_coord_on_markers_response(txn_coord *tc, const proto_msg *m) {
    if (!node_is_broker(m->from)) return;
    int d = m->from;
    int txn = -1;
    for (int i = 0; i < tc->txn_count && txn < 0; i++)
        if (tc->txns[i].markers_pending && tc->txns[i].slots[d].correlation == m->correlation_id)
            txn = i;
    if (txn < 0) return; /* an answer to a request given up since */
    txn_meta *t = &tc->txns[txn];
    uint32_t corr = m->correlation_id;
    t->slots[d].correlation = 0;
    sim_timer_cancel(&t->slots[d].timer);
    if (!t->present || txn_coord_epoch(tc, txn) != t->markers_coord_epoch) {
        txn_markers_cancel(t);
        return;
    }
    const proto_write_txn_markers_response *r = &m->u.write_txn_markers_response;
    int k = 0, kept = 0;
    for (int i = 0; i < t->part_count; i++) {
        if (t->part_corr[i] != corr) {
            t->parts[kept] = t->parts[i];
            t->part_corr[kept++] = t->part_corr[i];
            continue;
        }
        int16_t error = k < r->partition_count && r->errors ? r->errors[k] : r->error;
        k++;
        if (error == ERR_NONE) continue; /* removePartition */
        if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_TRANSACTION_COORDINATOR_FENCED) {
            /* "this txn can now be ignored": stays PrepareX until a reload
             * (TransactionMarkerChannelManager, KAFKA-16352). */
            for (int j = i; j < t->part_count; j++) {
                t->parts[kept] = t->parts[j];
                t->part_corr[kept++] = t->part_corr[j] == corr ? 0 : t->part_corr[j];
            }
            t->part_count = kept;
            txn_markers_cancel(t);
            return;
        }
        /* NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, ...:
         * again, to the leader of now. */
        t->parts[kept] = t->parts[i];
        t->part_corr[kept++] = 0;
    }
    t->part_count = kept;
    /* Re-enqueued (retry), or some partition waited for this destination's request to end
     * (its leader moved here meanwhile), or none is left: maybeWriteTxnCompletion. */
    txn_markers_send(tc, txn);
}

void txn_coord_on_disconnect(txn_coord *tc, node_id peer) {
    if (!node_is_broker(peer)) return;
    for (int i = 0; i < tc->txn_count; i++)
        if (tc->txns[i].markers_pending && tc->txns[i].slots[peer].correlation)
            txn_markers_requeue(tc, i, peer);
}

/* ---- Timers and lifecycle ------------------------------------------------------------------ */

static void txn_timer_run(txn_coord *tc, int type, int index, int dest) {
    switch (type) {
    case TXN_T_APPEND: /* DelayedProduce expired: REQUEST_TIMED_OUT */
        if (tc->txns[index].op_active) txn_op_done(tc, index, ERR_COORDINATOR_NOT_AVAILABLE);
        break;
    case TXN_T_RETRY: {
        txn_meta *t = &tc->txns[index];
        if (t->complete_retry) { /* txnLogAppendRetryQueue */
            t->complete_retry = false;
            t->markers_pending = true;
            txn_write_completion(tc, index);
        } else {
            txn_markers_send(tc, index);
        }
        break;
    }
    case TXN_T_MARKER: txn_markers_requeue(tc, index, dest); break;
    case TXN_T_LOAD: txn_load(tc, index); break;
    case TXN_T_SCAN:
        sim_timer_arm(tc->w, &tc->scan_timer, now_ns(tc) + tc->c->transaction_abort_interval_ns,
                      tc->kind, txn_arg(TXN_T_SCAN, 0, 0));
        txn_abort_timed_out(tc);
        break;
    default: break;
    }
}

static sim_timer *txn_timer_of(txn_coord *tc, int type, int index, int dest) {
    switch (type) {
    case TXN_T_APPEND: return index < tc->txn_count ? &tc->txns[index].append_timer : NULL;
    case TXN_T_RETRY: return index < tc->txn_count ? &tc->txns[index].retry_timer : NULL;
    case TXN_T_MARKER:
        return index < tc->txn_count && dest <= PROTO_BROKERS_MAX ? &tc->txns[index].slots[dest].timer
                                                                  : NULL;
    case TXN_T_LOAD: return index < tc->partition_count ? &tc->load_timers[index] : NULL;
    case TXN_T_SCAN: return &tc->scan_timer;
    default: return NULL;
    }
}

static void on_txn_timer(void *ctx, sim_world *w, const sim_event *ev) {
    txn_coord *tc = ctx;
    int type = (int)(ev->arg & 0xff);
    int index = (int)((ev->arg >> 8) & 0xffffffff);
    int dest = (int)(ev->arg >> 40);
    sim_timer *t = txn_timer_of(tc, type, index, dest);
    if (!t || !sim_timer_fired(w, t, ev) || !tc->b->alive) return;
    if (broker_paused_until(tc->b) > now_ns(tc)) { /* stop-the-world: at the pause's end */
        sim_timer_arm(w, t, broker_paused_until(tc->b), tc->kind, ev->arg);
        return;
    }
    txn_timer_run(tc, type, index, dest);
}

txn_coord *txn_coord_new(broker *b) {
    txn_coord *tc = calloc(1, sizeof *tc);
    if (!tc) return NULL;
    tc->b = b;
    tc->c = b->env.config;
    tc->w = b->env.world;
    tc->records = b->env.txn_records;
    tc->txn_count = tc->c->txn_id_count;
    tc->tv2 = tc->c->transaction_version >= 2;
    tc->partition_count = b->partition_count;
    size_t P = (size_t)b->partition_count;
    tc->txns = calloc((size_t)tc->txn_count ? (size_t)tc->txn_count : 1, sizeof *tc->txns);
    tc->part_status = calloc(P, 1);
    tc->part_epoch = calloc(P, sizeof *tc->part_epoch);
    tc->state_part = calloc(P, sizeof *tc->state_part);
    tc->load_timers = calloc(P, sizeof *tc->load_timers);
    if (!tc->records || !tc->txns || !tc->part_status || !tc->part_epoch || !tc->state_part ||
        !tc->load_timers)
        goto fail;
    for (int i = 0; i < tc->txn_count; i++) {
        txn_meta *t = &tc->txns[i];
        t->parts = malloc(P * sizeof *t->parts);
        t->transit_parts = malloc(P * sizeof *t->transit_parts);
        t->part_corr = malloc(P * sizeof *t->part_corr);
        if (!t->parts || !t->transit_parts || !t->part_corr) goto fail;
        t->pending = -1;
        int g = partition_of(tc, i);
        SIM_ASSERT(tc->w, g >= 0 && g < b->partition_count);
        tc->state_part[g] = true;
    }
    tc->kind = sim_handler_add(tc->w, on_txn_timer, tc, "txn.timer");
    return tc;
fail:
    txn_coord_free(tc);
    return NULL;
}

void txn_coord_free(txn_coord *tc) {
    if (!tc) return;
    for (int i = 0; tc->txns && i < tc->txn_count; i++) {
        free(tc->txns[i].parts);
        free(tc->txns[i].transit_parts);
        free(tc->txns[i].part_corr);
    }
    free(tc->txns);
    free(tc->part_status);
    free(tc->part_epoch);
    free(tc->state_part);
    free(tc->load_timers);
    free(tc);
}

void txn_coord_start(txn_coord *tc) {
    if (tc->c->transaction_abort_interval_ns > 0)
        sim_timer_arm(tc->w, &tc->scan_timer, now_ns(tc) + tc->c->transaction_abort_interval_ns,
                      tc->kind, txn_arg(TXN_T_SCAN, 0, 0));
}

void txn_coord_forget(txn_coord *tc) {
    sim_timer_cancel(&tc->scan_timer);
    for (int g = 0; g < tc->partition_count; g++) {
        tc->part_status[g] = TXN_PART_NONE;
        sim_timer_cancel(&tc->load_timers[g]);
    }
    for (int i = 0; i < tc->txn_count; i++) txn_meta_clear(&tc->txns[i]);
}

bool txn_coord_view(const txn_coord *tc, int txn, txn_view *out) {
    if (!tc || txn < 0 || txn >= tc->txn_count) return false;
    const txn_meta *t = &tc->txns[txn];
    int g = partition_of(tc, txn);
    if (tc->part_status[g] != TXN_PART_LOADED || !t->present) return false;
    *out = (txn_view){.producer_id = t->producer_id,
                      .producer_epoch = t->producer_epoch,
                      .last_producer_epoch = t->last_producer_epoch,
                      .state = t->state,
                      .pending = t->pending,
                      .partition_count = t->part_count,
                      .coordinator_epoch = tc->part_epoch[g],
                      .markers_pending = t->markers_pending};
    return true;
}
