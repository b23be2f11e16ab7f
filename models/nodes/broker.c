/*
 * broker.c: a Kafka broker and its partition replicas (see broker.h for what it models, its
 * invariants and its simplifications).
 *
 * Sections: timers and plumbing; connections (SocketServer muting); replica append; leader:
 * Produce (Partition.appendRecordsToLeader, DelayedProduce), Fetch (Partition.fetchRecords,
 * DelayedFetch), HW and ISR (maybeIncrementLeaderHW, maybeShrinkIsr, maybeExpandIsr);
 * follower (AbstractFetcherThread); partition state (makeLeader, makeFollower); other
 * requests; lifecycle (crash, restart, pause); checks.
 */
#include "broker.h"

#include <stdlib.h>
#include <string.h>

#include "group_coordinator.h"
#include "txn_coordinator.h"

/* Timer arguments: type in the low byte, the partition's low byte in the next, client node in
 * bits 16..31, the partition's high bits from bit 32 (so that partitions 0..255 keep the
 * arguments, which the trace hash mixes in, of the one-partition model). */
enum {
    BROKER_T_HEARTBEAT = 1,
    BROKER_T_ISR_CHECK,
    BROKER_T_EXPIRE,
    BROKER_T_PAUSE_END,
    BROKER_T_FETCH, /* partition */
    BROKER_T_CONN,  /* client node */
    BROKER_T_MARKERS, /* node: the timeout of its WriteTxnMarkers */
    BROKER_T_CONSUMER_FETCH, /* partition, node: a consumer's parked fetch (fetch.max.wait.ms) */
};

#define BROKER_KAFKA_3_6 30600 /* KAFKA-15021: only ISR-eligible replicas hold the HW */
#define BROKER_KAFKA_3_7 30700 /* KAFKA-15583: effectiveMinIsr, HW frozen under min ISR */
/* lastCaughtUpTimeMs of a replica that never caught up (resetReplicaState's 0, which is
 * ancient in wall-clock milliseconds but not at the start of a simulated run), ns. */
#define BROKER_NEVER_NS (INT64_MIN / 4)

static uint64_t timer_arg(int type, int partition, int node) {
    return (uint64_t)type | (uint64_t)(partition & 0xff) << 8 | (uint64_t)node << 16 |
           (uint64_t)(partition >> 8) << 32;
}
static int timer_arg_type(uint64_t arg) { return (int)(arg & 0xff); }
static int timer_arg_partition(uint64_t arg) {
    return (int)((arg >> 8) & 0xff) | (int)(arg >> 32) << 8;
}
static int timer_arg_node(uint64_t arg) { return (int)((arg >> 16) & 0xffff); }

static void broker_dispatch(broker *b, const proto_msg *m);
static void broker_timer_run(broker *b, uint64_t arg);
static void conn_drain(broker *b, node_id client);
static void leader_maybe_advance_hw(broker *b, int partition);
static void follower_fetch_send(broker *b, int partition);

/* Transactions' bookkeeping on the paths every append and HW move take: kept out of their line
 * (the callgrind budget measures those paths without transactions). */
#if defined(__GNUC__)
#define BROKER_COLD __attribute__((noinline, cold))
#else
#define BROKER_COLD
#endif

static int64_t now_ns(const broker *b) { return sim_now(b->env.world); }

static void step(broker *b, int partition, proto_step s) {
    if (b->env.step_fn) b->env.step_fn(b->env.step_ctx, b->node, s, partition);
}

/* A step of a transaction: true when a crash is due there (proto_step_fn). Out of line, as
 * the marker handler is. */
BROKER_COLD static bool txn_step(broker *b, int partition, proto_step s) {
    return b->env.step_fn && b->env.step_fn(b->env.step_ctx, b->node, s, partition);
}

static void out_of_memory(broker *b) {
    sim_exhaust(b->env.world, "broker-%d: out of memory", b->broker_id);
}

static bool is_leader(const broker *b, const broker_partition *p) {
    return p->state_known && p->leader == b->broker_id;
}

/* min.insync.replicas as the leader applies it: the topic's (its override, else the broker's
 * default; LogConfig), min(minISR, RF) since 3.7 (KAFKA-15583). */
static int effective_min_isr(const broker *b, const broker_partition *p) {
    int min_isr = config_min_insync_replicas(b->env.config, (int)(p - b->partitions));
    if (b->env.config->kafka_version >= BROKER_KAFKA_3_7 && p->replica_count < min_isr)
        min_isr = p->replica_count;
    return min_isr;
}

/* The maximal ISR (KIP-497): the committed ISR plus pending additions; pending removals still
 * count until the controller commits them. */
static broker_set maximal_isr(const broker_partition *p) {
    return p->alter_pending ? (p->isr | p->isr_proposed) : p->isr;
}

/* Applies a committed ISR; members it drops are not ISR-eligible until they fetch again. */
/* Notes that partition p changed, for broker_check_recent. */
static void partition_dirty(broker *b, broker_partition *p) {
    if (p->dirty) return;
    p->dirty = true;
    b->dirty[b->dirty_count++] = (int)(p - b->partitions);
}

static void partitions_dirty_all(broker *b) {
    for (int i = 0; i < b->partition_count; i++) partition_dirty(b, &b->partitions[i]);
}

static void partition_isr_set(broker_partition *p, broker_set isr) {
    p->isr_left = (p->isr_left | (p->isr & ~isr)) & ~isr;
    p->isr = isr;
}

/* A new slot at the end of the pause's deferred queue, NULL when memory ran out. */
static broker_deferred *defer_slot(broker *b) {
    if (b->deferred_count == b->deferred_capacity) {
        size_t cap = b->deferred_capacity ? b->deferred_capacity * 2 : 16;
        broker_deferred *nd = realloc(b->deferred, cap * sizeof *nd);
        if (!nd) {
            out_of_memory(b);
            return NULL;
        }
        b->deferred = nd;
        b->deferred_capacity = cap;
    }
    return &b->deferred[b->deferred_count++];
}

/* The timer an argument names. A BROKER_T_CONN timer of a broker's node is the wait of that
 * follower's parked Fetch of the partition (a broker sends no other request to a broker). */
static sim_timer *broker_timer_of(broker *b, uint64_t arg) {
    int partition = timer_arg_partition(arg), node = timer_arg_node(arg);
    switch (timer_arg_type(arg)) {
    case BROKER_T_HEARTBEAT: return &b->heartbeat_timer;
    case BROKER_T_ISR_CHECK: return &b->isr_timer;
    case BROKER_T_EXPIRE: return &b->expire_timer;
    case BROKER_T_PAUSE_END: return &b->pause_timer;
    case BROKER_T_FETCH: return &b->partitions[partition].fetch_timer;
    case BROKER_T_CONN:
        if (node_is_broker((node_id)node)) return &b->partitions[partition].parked_fetches[node].wait;
        return &b->conns[node].timer;
    case BROKER_T_MARKERS: return &b->conns[node].timer;
    case BROKER_T_CONSUMER_FETCH:
        return b->consumer_fetches && node_is_consumer((node_id)node)
                   ? &b->consumer_fetches[(size_t)partition * PROTO_CONSUMERS_MAX +
                                          node_consumer_index((node_id)node)].wait
                   : NULL;
    default: return NULL;
    }
}

static void on_timer(void *ctx, sim_world *w, const sim_event *ev) {
    broker *b = ctx;
    int type = timer_arg_type(ev->arg);
    sim_timer *t = broker_timer_of(b, ev->arg);
    if (!t) {
        SIM_ASSERT(b->env.world, type == BROKER_T_CONN || type == BROKER_T_CONSUMER_FETCH);
        return;
    }
    if (!sim_timer_fired(w, t, ev) || !b->alive) return;
    if (type != BROKER_T_PAUSE_END && b->paused_until_ns > now_ns(b)) {
        broker_deferred *d = defer_slot(b);
        if (!d) return;
        d->is_msg = false;
        d->arg = ev->arg;
        return;
    }
    broker_timer_run(b, ev->arg);
}

/* Keeps a copy of what d's message carries out of line (a fetch response's or a produce
 * request's batches, a transaction message's partitions or errors), whose loan from the
 * network ends with the delivery, in whole batch slots; the message points at it again when it
 * is replayed. False when memory ran out. */
static bool defer_batches(broker *b, broker_deferred *d, const proto_msg *m) {
    size_t count = proto_msg_batch_count(m);
    if (m->api >= API_FIND_COORDINATOR) /* a transaction message's partitions or errors */
        count = (proto_msg_outline_bytes(m) + sizeof(proto_batch) - 1) / sizeof(proto_batch);
    d->batches_at = b->deferred_batch_count;
    proto_msg_outline_set(&d->msg, NULL); /* the copy may move until the replay */
    if (count == 0) return true;
    if (b->deferred_batch_count + count > b->deferred_batch_capacity) {
        size_t cap = b->deferred_batch_capacity ? b->deferred_batch_capacity * 2 : 64;
        while (cap < b->deferred_batch_count + count) cap *= 2;
        proto_batch *nb = realloc(b->deferred_batches, cap * sizeof *nb);
        if (!nb) {
            out_of_memory(b);
            return false;
        }
        b->deferred_batches = nb;
        b->deferred_batch_capacity = cap;
    }
    memcpy(b->deferred_batches + b->deferred_batch_count, proto_msg_outline(m),
           m->api >= API_FIND_COORDINATOR ? proto_msg_outline_bytes(m) : count * sizeof(proto_batch));
    b->deferred_batch_count += count;
    return true;
}

static void on_message(void *ctx, const proto_msg *m) {
    broker *b = ctx;
    if (!b->alive) return;
    if (b->paused_until_ns > now_ns(b)) {
        broker_deferred *d = defer_slot(b);
        if (!d) return;
        d->is_msg = true;
        d->arg = 0;
        d->msg = *m;
        defer_batches(b, d, m);
        return;
    }
    broker_dispatch(b, m);
}

static void send_msg(broker *b, proto_msg *m) {
    m->from = b->node;
    net_send(b->env.net, m);
}

/* ---- Connections (SocketServer: one request per connection at a time) ------------------- */

/* Sends the response to the current request of client, if its connection still stands, and
 * unmutes the connection. resp carries api, partition and the response body. */
static void conn_respond(broker *b, node_id client, proto_msg *resp) {
    broker_conn *c = &b->conns[client];
    SIM_ASSERT(b->env.world, c->busy);
    SIM_ASSERT(b->env.world, c->current.from == client);
    proto_msg_answer(&c->current, resp);
    /* A response to a closed connection goes nowhere (the channel is gone). */
    if (b->env.net->conn_gen[client][b->node] == c->gen) send_msg(b, resp);
    c->busy = false;
    c->parked = BROKER_PARKED_NONE;
    b->parked_mask &= ~((uint64_t)1 << client);
    sim_timer_cancel(&c->timer);
}

/* Ends the current request without a response (acks=0) and unmutes. */
static void conn_finish_silent(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    c->busy = false;
    c->parked = BROKER_PARKED_NONE;
    b->parked_mask &= ~((uint64_t)1 << client);
    sim_timer_cancel(&c->timer);
}

static void conn_park(broker *b, node_id client, broker_parked kind, int64_t deadline_ns) {
    broker_conn *c = &b->conns[client];
    c->parked = (uint8_t)kind;
    if (kind != BROKER_PARKED_NONE) b->parked_mask |= (uint64_t)1 << client;
    else b->parked_mask &= ~((uint64_t)1 << client);
    /* A broker's node names a follower's fetch wait with BROKER_T_CONN: a request a broker
     * sends (WriteTxnMarkers) times out on a timer of its own. */
    sim_timer_arm(b->env.world, &c->timer, deadline_ns, b->kind,
                  timer_arg(kind == BROKER_PARKED_MARKERS ? BROKER_T_MARKERS : BROKER_T_CONN, 0,
                            client));
}

static void conn_reset(broker_conn *c, uint32_t gen) {
    c->gen = gen;
    c->busy = false;
    c->parked = BROKER_PARKED_NONE;
    c->head = 0;
    c->count = 0;
    sim_timer_cancel(&c->timer);
}

/* Further batches of a request, or the out-of-line part of a group request (up to
 * PROTO_OUTLINE_BYTES_MAX: an OffsetCommit of PROTO_OFFSET_ENTRIES_MAX partitions), in batch
 * slots. */
#define BROKER_MORE_MAX                                                                          \
    ((size_t)PROTO_PRODUCE_BATCHES_MAX - 1 > PROTO_OUTLINE_BYTES_MAX / sizeof(proto_batch)        \
         ? (size_t)PROTO_PRODUCE_BATCHES_MAX - 1                                                 \
         : PROTO_OUTLINE_BYTES_MAX / sizeof(proto_batch))

/* The further batches of a multi-partition request, or the partition list of a transaction
 * request, keep a slot of queue_more beside their message's ring slot, allocated with the
 * first such request queued. */
static int conn_queue_more_grow(broker_conn *c, size_t cap) {
    proto_batch *more = malloc(cap * BROKER_MORE_MAX * sizeof *more);
    if (!more) return -1;
    if (c->queue_more)
        for (size_t i = 0; i < c->count; i++)
            memcpy(more + i * BROKER_MORE_MAX,
                   c->queue_more + ((c->head + i) % c->capacity) * BROKER_MORE_MAX,
                   BROKER_MORE_MAX * sizeof *more);
    free(c->queue_more);
    c->queue_more = more;
    return 0;
}

/* The bytes a request of a transaction API carries out of line (its partitions). */
static size_t conn_txn_outline(const proto_msg *m) {
    return m->api >= API_FIND_COORDINATOR && !m->is_response ? proto_msg_outline_bytes(m) : 0;
}

static int conn_queue_push(broker_conn *c, const proto_msg *m) {
    size_t more = m->api == API_PRODUCE ? proto_msg_batch_count(m) * sizeof(proto_batch)
                                        : conn_txn_outline(m);
    if (c->count == c->capacity) {
        size_t cap = c->capacity ? c->capacity * 2 : 8;
        proto_msg *q = malloc(cap * sizeof *q);
        if (!q) return -1;
        if (c->queue_more && conn_queue_more_grow(c, cap) != 0) {
            free(q);
            return -1;
        }
        for (size_t i = 0; i < c->count; i++) q[i] = c->queue[(c->head + i) % c->capacity];
        free(c->queue);
        c->queue = q;
        c->head = 0;
        c->capacity = cap;
    }
    if (more && !c->queue_more && conn_queue_more_grow(c, c->capacity) != 0) return -1;
    size_t at = (c->head + c->count) % c->capacity;
    c->queue[at] = *m;
    if (more) { /* the network's copy lasts only for the delivery */
        memcpy(c->queue_more + at * BROKER_MORE_MAX, proto_msg_outline(m), more);
        proto_msg_outline_set(&c->queue[at], c->queue_more + at * BROKER_MORE_MAX);
    }
    c->count++;
    return 0;
}

static void leader_on_produce(broker *b, node_id client);
static void leader_on_fetch(broker *b, const proto_msg *m, bool completing);
static void leader_fetches_forget(broker *b, int follower);
static void leader_on_produce_parts(broker *b, node_id client);
static void broker_on_metadata(broker *b, node_id client);
static void broker_on_init_producer_id(broker *b, node_id client);
static void leader_on_write_txn_markers(broker *b, node_id client);
static void broker_on_list_offsets(broker *b, node_id client);
static void consumer_fetches_forget(broker *b, node_id consumer);
static void consumer_fetches_complete(broker *b, int partition);
static void leader_on_consumer_fetch(broker *b, const proto_msg *m, bool completing);

_Static_assert(PROTO_OUTLINE_BYTES_MAX <= BROKER_MORE_MAX * sizeof(proto_batch),
               "a group request's out-of-line part fits a queued request's room");
_Static_assert(PROTO_TXN_PARTITIONS_MAX * sizeof(uint16_t) <= BROKER_MORE_MAX * sizeof(proto_batch),
               "a transaction request's partitions fit a request's room for further batches");

/* The further batches (bytes of them) of a multi-partition request become the connection's
 * own (current_more) for as long as it is processed. False when memory ran out (the world
 * stops). A transaction request's partitions are not copied: its handler reads them before it
 * returns, while the network's or the queue's copy stands. */
static bool conn_keep_more(broker *b, broker_conn *c, const proto_msg *m, size_t bytes) {
    if (!c->current_more) {
        c->current_more = malloc(BROKER_MORE_MAX * sizeof *c->current_more);
        c->parts = malloc(PROTO_PRODUCE_BATCHES_MAX * sizeof *c->parts);
    }
    if (!c->current_more || !c->parts) {
        out_of_memory(b);
        return false;
    }
    memcpy(c->current_more, proto_msg_outline(m), bytes);
    proto_msg_outline_set(&c->current, c->current_more);
    return true;
}

/* m may point into the connection's queue: it is read only by the copy into current (its
 * further batches too, into current_more; a transaction request's partitions by its handler,
 * before anything can be queued). */
static void conn_process(broker *b, node_id client, const proto_msg *m) {
    broker_conn *c = &b->conns[client];
    c->busy = true;
    c->current = *m;
    if (m->api == API_PRODUCE && m->u.produce.batch_count > 1 &&
        !conn_keep_more(b, c, m, proto_msg_batch_count(m) * sizeof(proto_batch)))
        return;
    switch (c->current.api) {
    case API_PRODUCE:
        if (c->current.u.produce.batch_count > 1) leader_on_produce_parts(b, client);
        else leader_on_produce(b, client);
        break;
    case API_METADATA: broker_on_metadata(b, client); break;
    case API_INIT_PRODUCER_ID: /* with a transactional id: the coordinator's */
        if (b->txn && c->current.u.init_pid.txn >= 0) txn_coord_on_request(b->txn, client);
        else broker_on_init_producer_id(b, client);
        break;
    case API_FIND_COORDINATOR:
        if (c->current.u.find_coordinator.key_type == PROTO_COORDINATOR_GROUP) {
            if (b->group) group_coord_on_request(b->group, client);
            else conn_finish_silent(b, client);
        } else if (b->txn) {
            txn_coord_on_request(b->txn, client);
        } else {
            conn_finish_silent(b, client);
        }
        break;
    case API_ADD_PARTITIONS_TO_TXN:
    case API_ADD_OFFSETS_TO_TXN:
    case API_END_TXN:
        if (b->txn) txn_coord_on_request(b->txn, client);
        else conn_finish_silent(b, client);
        break;
    case API_JOIN_GROUP:
    case API_SYNC_GROUP:
    case API_HEARTBEAT:
    case API_LEAVE_GROUP:
    case API_OFFSET_COMMIT:
    case API_OFFSET_FETCH:
    case API_TXN_OFFSET_COMMIT:
        if (b->group) group_coord_on_request(b->group, client);
        else conn_finish_silent(b, client);
        break;
    case API_WRITE_TXN_MARKERS: leader_on_write_txn_markers(b, client); break;
    case API_LIST_OFFSETS: broker_on_list_offsets(b, client); break;
    default: conn_finish_silent(b, client); break; /* not a broker request: ignored */
    }
}

/* Processes waiting requests of client while its connection is unmuted. */
static void conn_drain(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    while (b->alive && !c->busy && c->count) {
        const proto_msg *m = &c->queue[c->head]; /* copied out before anything can push */
        c->head = (c->head + 1) % c->capacity;
        c->count--;
        conn_process(b, client, m);
    }
}

static void verify_on_reconnect(broker *b, const proto_msg *m);

static void conn_on_request(broker *b, const proto_msg *m) {
    broker_conn *c = &b->conns[m->from];
    if (m->conn_gen != c->gen) {
        if (m->conn_gen < c->gen) return; /* bytes of a closed connection */
        if (__builtin_expect(c->busy && c->parked == BROKER_PARKED_VERIFY, 0)) {
            verify_on_reconnect(b, m);
            return;
        }
        conn_reset(c, m->conn_gen);       /* a new connection: the old one's state is gone */
        b->parked_mask &= ~((uint64_t)1 << m->from);
        if (node_is_broker(m->from)) leader_fetches_forget(b, m->from);
        else if (node_is_consumer(m->from)) consumer_fetches_forget(b, m->from);
    }
    if (m->api == API_FETCH) { /* not muted: see "Replica fetching" in broker.h */
        leader_on_fetch(b, m, false);
        return;
    }
    if (c->busy) {
        if (conn_queue_push(c, m) != 0) out_of_memory(b);
        return;
    }
    conn_process(b, m->from, m);
    conn_drain(b, m->from);
}

/* ---- Replica append ---------------------------------------------------------------------- */

/* UnifiedLog.append for an end-transaction marker just written to the log: the producer state
 * takes it (appendEndTxnMarker), and a transaction it aborted enters the transaction index with
 * the last stable offset of its completion (updateTxnIndex, lastStableOffset(completedTxn)),
 * then completes (completeTxn). False when memory ran out. */
BROKER_COLD static bool replica_append_marker(broker_partition *p, const proto_batch *batch) {
    /* A follower's HW moves release nothing (partition_txn_on_hw): what they would have
     * released goes here, so that the list stays as short as Kafka's. */
    pstate_on_high_watermark(&p->pstate, p->log.high_watermark);
    pstate_completed done;
    int closed = pstate_update_marker(&p->pstate, batch, &done);
    if (closed < 0) return false;
    if (closed == 0 || !done.aborted) return true;
    log_aborted_txn t = {done.producer_id, done.first_offset, done.last_offset,
                         pstate_completed_lso(&p->pstate, &done)};
    return log_aborted_add(&p->log, &t) == 0;
}

/* Appends a batch (base offset and epoch set) to partition's log: rolls first when the
 * segment is full (taking the producer snapshot at the roll offset, UnifiedLog.roll), then
 * appends and records the batch in the producer state and the history (a control batch in the
 * producer state and the transaction index only: its leader records HIST_MARKER). */
static bool replica_append(broker *b, int partition, const proto_batch *batch, bool leader) {
    broker_partition *p = &b->partitions[partition];
    partition_dirty(b, p);
    if (log_roll_due(&p->log, batch)) {
        int64_t roll_offset = log_roll(&p->log);
        if (pstate_snapshot_take(&p->pstate, roll_offset) != 0) goto nomem;
    }
    if (log_append(&p->log, batch, now_ns(b)) != 0) goto nomem;
    if (batch->flags & PROTO_BATCH_CONTROL) {
        if (!replica_append_marker(p, batch)) goto nomem;
        if (leader) sim_progress(b->env.world);
        return true;
    }
    if (pstate_update(&p->pstate, batch) != 0) goto nomem;
    history_partition_append(b->env.history, now_ns(b), partition, b->node, batch, leader);
    if (leader) sim_progress(b->env.world); /* the log grew: work done, or memory spent */
    return true;
nomem:
    out_of_memory(b);
    return false;
}

static void partition_txn_on_hw(broker *b, broker_partition *p);

/* Truncates partition's log to offset and reloads producer state to it (loadProducerState).
 * Notes a truncation of records below the HW for broker_check. */
static void replica_truncate(broker *b, int partition, int64_t offset) {
    broker_partition *p = &b->partitions[partition];
    partition_dirty(b, p);
    if (offset >= p->log.log_end_offset) {
        log_truncate(&p->log, offset); /* only the epoch cache can change */
        return;
    }
    /* A machine that lost power anywhere may come back shorter than what it acknowledged; if
     * it leads again, replicas truncate committed records to it (KIP-966's last replica
     * standing, kafka-semantics.md 2.7), a loss Kafka documents. */
    bool excused = p->power_lost || b->env.history->power_losses > 0 ||
                   b->env.config->unclean_leader_election;
    if (offset < p->log.high_watermark && !excused && p->committed_truncated < 0)
        p->committed_truncated = offset;
    uint64_t removed = log_truncate(&p->log, offset);
    history_partition_truncate(b->env.history, now_ns(b), partition, b->node,
                               p->log.log_end_offset, (uint32_t)removed);
    if (pstate_rebuild(&p->pstate, &p->log, p->log.log_end_offset, now_ns(b),
                       b->env.config->producer_id_expiration_ns) != 0)
        out_of_memory(b);
    if (p->pstate.transactional) partition_txn_on_hw(b, p);
}

/* The leader's last stable offset moved: recorded (HIST_LSO). */
static void partition_lso_note(broker *b, broker_partition *p) {
    if (!is_leader(b, p)) return;
    int64_t lso = pstate_last_stable_offset(&p->pstate, p->log.high_watermark);
    if (lso == p->lso_recorded) return;
    p->lso_recorded = lso;
    history_lso(b->env.history, now_ns(b), b->node, (int)(p - b->partitions), lso);
}

/* UnifiedLog.updateHighWatermarkMetadata for a replica that has seen transactions:
 * onHighWatermarkUpdated releases the completed transactions the HW passed, and the first
 * unstable offset, so the last stable offset, follows (maybeIncrementFirstUnstableOffset). A
 * follower's are released when its LSO is asked for (pstate_last_stable_offset skips them), so
 * that its HW moves pay nothing. */
BROKER_COLD static void partition_txn_on_hw(broker *b, broker_partition *p) {
    pstate_on_high_watermark(&p->pstate, p->log.high_watermark);
    partition_lso_note(b, p);
}

static void replica_set_hw(broker *b, broker_partition *p, int64_t hw) {
    if (hw == p->log.high_watermark) return;
    partition_dirty(b, p);
    if (hw > p->log.high_watermark) sim_progress(b->env.world);
    p->log.high_watermark = hw;
    history_partition_hw(b->env.history, now_ns(b), (int)(p - b->partitions), b->node, hw);
}

/* ---- Leader: Produce --------------------------------------------------------------------- */

static void produce_respond(broker *b, node_id client, int16_t error, int64_t base_offset) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.u.produce_response.error = error;
    r.u.produce_response.base_offset = error ? -1 : base_offset;
    r.u.produce_response.log_start_offset = 0;
    r.u.produce_response.result_count = 1;
    conn_respond(b, client, &r);
}

/* ---- Leader: multi-partition Produce ------------------------------------------------------ */

/* The current request carries several partitions' batches (RecordAccumulator.drain). */
static bool produce_is_multi(const broker_conn *c) {
    return c->current.api == API_PRODUCE && c->current.u.produce.batch_count > 1;
}

/* Answers every partition of the current multi-partition request, one result each in the
 * request's order (ProduceResponse's PartitionProduceResponse list). */
static void produce_respond_parts(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    int n = c->current.u.produce.batch_count;
    proto_produce_result more[PROTO_PRODUCE_BATCHES_MAX - 1]; /* borrowed by net_send */
    for (int k = 1; k < n; k++) {
        const broker_produce_part *pp = &c->parts[k];
        more[k - 1] = (proto_produce_result){.base_offset = pp->error ? -1 : pp->base_offset,
                                             .log_start_offset = 0,
                                             .partition = pp->partition,
                                             .error = pp->error};
    }
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.api = API_PRODUCE;
    r.is_response = 1;
    r.u.produce_response.error = c->parts[0].error;
    r.u.produce_response.base_offset = c->parts[0].error ? -1 : c->parts[0].base_offset;
    r.u.produce_response.result_count = (uint16_t)n;
    r.u.produce_response.more = more;
    conn_respond(b, client, &r);
}

/* DelayedProduce.tryComplete for one part: done when its partition's leader moved away
 * (NOT_LEADER_OR_FOLLOWER) or its high watermark passed the part's last offset, with
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas meanwhile.
 * True while it is still pending. */
static inline bool part_pending(broker *b, broker_produce_part *pp) {
    broker_partition *p = &b->partitions[pp->partition];
    if (!is_leader(b, p)) {
        pp->error = ERR_NOT_LEADER_OR_FOLLOWER;
        pp->pending = false;
    } else if (p->log.high_watermark >= pp->required_offset) {
        if (effective_min_isr(b, p) > broker_set_count(maximal_isr(p)))
            pp->error = ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        pp->pending = false;
    }
    return pp->pending;
}

/* The parked request of connection client has parts[0 .. n): counts those pending and notes
 * where each partition's part is (broker_partition.part_at). */
static void parts_index(broker *b, node_id client, const broker_produce_part *parts, int n) {
    _Static_assert(PROTO_TXN_PARTITIONS_MAX <= UINT16_MAX &&
                       PROTO_PRODUCE_BATCHES_MAX <= UINT16_MAX, "part_at holds a part index");
    broker_conn *c = &b->conns[client];
    c->parts_waiting = 0;
    c->parts_repeat = false;
    for (int k = 0; k < n; k++) {
        c->parts_waiting += parts[k].pending;
        if (parts[k].partition >= b->partition_count) continue;
        uint16_t *at = &b->partitions[parts[k].partition].part_at[client];
        /* Set for an earlier part of this request: the partition is named twice. */
        if (*at < k && parts[*at].partition == parts[k].partition) c->parts_repeat = true;
        *at = (uint16_t)k;
    }
}

/* DelayedProduce.tryComplete over the parts of the parked request of connection client (a
 * produce request's partitions, or a WriteTxnMarkers entry's), part_pending for each. only >= 0
 * looks at that partition's part alone (nothing changed for the others; c->parts_waiting
 * counts those still pending). True while some part is still pending. */
static inline bool parts_pending(broker *b, node_id client, broker_produce_part *parts, int n,
                                 int only) {
    broker_conn *c = &b->conns[client];
    if (only < 0 || c->parts_repeat) {
        int waiting = 0;
        for (int k = 0; k < n; k++) {
            broker_produce_part *pp = &parts[k];
            if (!pp->pending || (only >= 0 && pp->partition != only)) {
                waiting += pp->pending;
                continue;
            }
            waiting += part_pending(b, pp);
        }
        c->parts_waiting = waiting;
        return waiting > 0;
    }
    int k = b->partitions[only].part_at[client];
    if (k < n && parts[k].partition == only && parts[k].pending && !part_pending(b, &parts[k])) {
        SIM_ASSERT(b->env.world, c->parts_waiting > 0);
        c->parts_waiting--;
    }
    return c->parts_waiting > 0;
}

/* DelayedProduce.onExpiration: the parts still pending time out. */
static void parts_expire(broker_produce_part *parts, int n) {
    for (int k = 0; k < n; k++) {
        if (!parts[k].pending) continue;
        parts[k].pending = false;
        parts[k].error = ERR_REQUEST_TIMED_OUT;
    }
}

/* DelayedProduce.tryComplete for a multi-partition request (only: the partition whose state
 * changed, -1 for all; Kafka's purgatory keys a DelayedProduce by each of its partitions): a
 * pending partition completes when this broker no longer leads it (NOT_LEADER_OR_FOLLOWER) or
 * its HW reached the batch
 * (Partition.checkEnoughReplicasReachOffset: NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR
 * shrank below min.insync.replicas); the request is answered when none is pending. Returns
 * true when it was answered. */
static bool produce_try_complete_parts(broker *b, node_id client, int only) {
    broker_conn *c = &b->conns[client];
    if (parts_pending(b, client, c->parts, c->current.u.produce.batch_count, only)) return false;
    produce_respond_parts(b, client);
    return true;
}

/* DelayedProduce.onExpiration: the partitions still pending time out. */
static void produce_expire_parts(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    parts_expire(c->parts, c->current.u.produce.batch_count);
    produce_respond_parts(b, client);
}

/* Partition.appendRecordsToLeader for one batch of a multi-partition request, as
 * leader_on_produce does for a request of one: the part records its error, or its offsets and
 * whether the batch was appended (not a duplicate). */
static int16_t verify_check(broker *b, const broker_verify *vf, int k, broker_partition *p,
                            const proto_batch *in, int16_t error);

static bool leader_append_part(broker *b, const proto_batch *in, int8_t acks,
                               broker_produce_part *pp, const broker_verify *vf, int k) {
    pp->partition = in->partition;
    pp->base_offset = -1;
    pp->error = ERR_NONE;
    pp->pending = false;
    if (__builtin_expect(vf != NULL, 0) && vf->errors[k] != ERR_NONE) {
        pp->error = vf->errors[k]; /* postVerificationCallback's errorResults */
        return false;
    }
    if (in->partition >= b->partition_count || !is_leader(b, &b->partitions[in->partition])) {
        pp->error = ERR_NOT_LEADER_OR_FOLLOWER;
        return false;
    }
    broker_partition *p = &b->partitions[in->partition];
    if (acks == -1 && broker_set_count(p->isr) < effective_min_isr(b, p)) {
        pp->error = ERR_NOT_ENOUGH_REPLICAS;
        return false;
    }
    pstate_verdict v = pstate_validate(&p->pstate, in);
    if (__builtin_expect(vf != NULL, 0) && !v.duplicate)
        v.error = verify_check(b, vf, k, p, in, v.error);
    if (v.error != ERR_NONE) {
        pp->error = v.error;
        return false;
    }
    pp->base_offset = v.first_offset;
    pp->required_offset = v.last_offset + 1;
    pp->pending = acks == -1;
    if (v.duplicate) {
        history_dedup(b->env.history, now_ns(b), b->node, in, v.first_offset);
        return false;
    }
    proto_batch batch = *in;
    batch.base_offset = p->log.log_end_offset;
    batch.partition_leader_epoch = p->leader_epoch;
    if (!replica_append(b, in->partition, &batch, true)) {
        pp->error = ERR_NOT_LEADER_OR_FOLLOWER; /* out of memory: the world stops */
        pp->pending = false;
        return false;
    }
    b->appends++;
    pp->base_offset = batch.base_offset;
    pp->required_offset = proto_batch_last_offset(&batch) + 1;
    return true;
}

static void leader_complete_parked(broker *b, int partition, bool data_arrived);
static bool markers_try_complete(broker *b, node_id client, int only);

static bool verify_begin(broker *b, node_id client);

/* The current request of client is a transactional one this leader verifies (KIP-890 part 1)
 * or adds to its transaction (transaction version 2, which verifies whatever
 * transaction.partition.verification.enable says: ReplicaManager.
 * maybeSendPartitionsToTransactionCoordinator): one predictable branch on the first batch's
 * flag for every other request. */
static inline bool produce_verifies(const broker *b, node_id client) {
    const proto_produce_request *req = &b->conns[client].current.u.produce;
    return __builtin_expect((req->batch.flags & PROTO_BATCH_TRANSACTIONAL) != 0, 0) &&
           (b->env.config->transaction_verification || b->env.config->transaction_version >= 2) &&
           req->txn != 0;
}

/* KafkaApis.handleProduceRequest and ReplicaManager.appendRecords for a request carrying
 * several partitions' batches: each is appended as a request of one would be; acks=0 closes
 * the connection on any error, else sends nothing; acks=1 answers every partition at once;
 * acks=all waits (DelayedProduce) until every appended partition's HW passes its batch. The
 * answer goes out before the append steps run, as for a request of one. vf: the request's
 * answered verification (its pre-append errors and guards), NULL when it has none. */
static inline __attribute__((always_inline)) void
leader_produce_parts_with(broker *b, node_id client, const broker_verify *vf) {
    broker_conn *c = &b->conns[client];
    const proto_produce_request *req = &c->current.u.produce;
    int n = req->batch_count;
    int8_t acks = req->acks;
    int appended[PROTO_PRODUCE_BATCHES_MAX], appended_count = 0; /* partitions, in order */
    bool any_error = false;
    for (int k = 0; k < n; k++) {
        if (leader_append_part(b, proto_produce_batch(req, k), acks, &c->parts[k], vf, k))
            appended[appended_count++] = c->parts[k].partition;
        any_error |= c->parts[k].error != ERR_NONE;
    }
    if (acks == 0 && any_error) {
        conn_finish_silent(b, client);
        net_close(b->env.net, client, b->node, false);
    } else if (acks == 0) {
        conn_finish_silent(b, client);
    } else if (acks == 1) {
        produce_respond_parts(b, client);
    } else {
        parts_index(b, client, c->parts, n);
        conn_park(b, client, BROKER_PARKED_PRODUCE, now_ns(b) + proto_produce_timeout_ns(req));
    }
    /* Each step may crash this broker; completing parked requests may answer this one and
     * start the connection's next (the partitions were copied out for that). */
    for (int k = 0; k < appended_count && b->alive; k++) {
        step(b, appended[k], STEP_LEADER_APPEND);
        if (!b->alive) return;
        leader_complete_parked(b, appended[k], true); /* waiting fetches, parked produces */
        leader_maybe_advance_hw(b, appended[k]);
    }
    /* tryCompleteElseWatch: partitions the HW already passed (duplicates, an ISR of one). */
    if (b->alive && c->busy && c->parked == BROKER_PARKED_PRODUCE && produce_is_multi(c))
        produce_try_complete_parts(b, client, -1); /* the caller drains the connection */
}

/* Answers an error; with acks=0 the broker closes the connection instead (KafkaApis). */
static void produce_fail(broker *b, node_id client, int16_t error) {
    if (b->conns[client].current.u.produce.acks == 0) {
        conn_finish_silent(b, client);
        net_close(b->env.net, client, b->node, false);
        return;
    }
    produce_respond(b, client, error, -1);
}

/* Completes a parked DelayedProduce whose required offset the HW reached
 * (checkEnoughReplicasReachOffset). */
static void produce_complete(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    broker_partition *p = &b->partitions[c->current.partition];
    int min_isr = effective_min_isr(b, p);
    int16_t error = ERR_NONE;
    if (min_isr > broker_set_count(maximal_isr(p))) error = ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    produce_respond(b, client, error, c->base_offset);
}

/* Completes (or fails, when this broker lost the leadership) every parked request of the
 * partition that can complete, in client node order, then lets their connections go on. */
_Static_assert(NODES_MAX <= 64, "parked_mask has a bit per node");

/* Index of the lowest set bit of x (x != 0). */
static int broker_lowest_bit(uint64_t x) { return __builtin_ctzll(x); }

/* The first parked connection at or after node from, NODES_MAX when none. */
static int broker_next_parked(const broker *b, int from) {
    uint64_t left = from < 64 ? b->parked_mask & ~(((uint64_t)1 << from) - 1) : 0;
    return left ? broker_lowest_bit(left) : NODES_MAX;
}

/* The first follower at or after broker id from whose fetch of p is parked,
 * PROTO_BROKERS_MAX + 1 when none. */
static int broker_next_fetch_parked(const broker_partition *p, int from) {
    _Static_assert(PROTO_BROKERS_MAX < 32, "fetch_parked_mask has a bit per broker id");
    uint32_t left = from <= PROTO_BROKERS_MAX ? p->fetch_parked_mask & ~(((uint32_t)1 << from) - 1)
                                              : 0;
    return left ? __builtin_ctz(left) : PROTO_BROKERS_MAX + 1;
}

static void leader_complete_parked(broker *b, int partition, bool data_arrived) {
    broker_partition *p = &b->partitions[partition];
    /* Consumers read below the HW or LSO: an append alone gives them nothing. */
    if (__builtin_expect(p->consumer_parked_mask != 0, 0) && !data_arrived)
        consumer_fetches_complete(b, partition);
    /* The followers' parked fetches first, by broker id (their nodes come before every
     * client's): with data, or the leadership error. The mask is read afresh after each, as a
     * walk of every follower's slot would read it. */
    for (int r = broker_next_fetch_parked(p, 1); r <= PROTO_BROKERS_MAX;
         r = broker_next_fetch_parked(p, r + 1)) {
        if (is_leader(b, p) && !data_arrived) continue;
        proto_msg req = p->parked_fetches[r].request; /* the answer clears the slot */
        leader_on_fetch(b, &req, true);
    }
    uint64_t drained = 0; /* bit n: conns[n] finished its request */
    /* Only parked connections can complete: visit them in node order as a walk of all would,
     * reading the mask afresh after each (a completion may park or unpark others). */
    for (int n = broker_next_parked(b, 0); n < NODES_MAX; n = broker_next_parked(b, n + 1)) {
        broker_conn *c = &b->conns[n];
        if (c->busy && c->parked == BROKER_PARKED_PRODUCE && produce_is_multi(c)) {
            if (produce_try_complete_parts(b, (node_id)n, partition)) drained |= (uint64_t)1 << n;
            continue;
        }
        if (c->busy && c->parked == BROKER_PARKED_MARKERS) {
            if (markers_try_complete(b, (node_id)n, partition)) drained |= (uint64_t)1 << n;
            continue;
        }
        if (!c->busy || c->current.partition != partition) continue;
        if (c->parked == BROKER_PARKED_PRODUCE) {
            if (!is_leader(b, p)) produce_respond(b, (node_id)n, ERR_NOT_LEADER_OR_FOLLOWER, -1);
            else if (p->log.high_watermark >= c->required_offset) produce_complete(b, (node_id)n);
            else continue;
        } else {
            continue;
        }
        drained |= (uint64_t)1 << n;
    }
    for (; drained; drained &= drained - 1) conn_drain(b, (node_id)broker_lowest_bit(drained));
}

/* Partition.appendRecordsToLeader then ReplicaManager's acks handling (section 1.2, 2.4); vf as
 * for leader_produce_parts_with. */
static inline __attribute__((always_inline)) void
leader_produce_with(broker *b, node_id client, const broker_verify *vf) {
    const proto_msg *m = &b->conns[client].current;
    const proto_produce_request *req = &m->u.produce;
    if (vf != NULL && vf->errors[0] != ERR_NONE) {
        produce_fail(b, client, vf->errors[0]); /* postVerificationCallback's errorResults */
        return;
    }
    if (m->partition >= b->partition_count || !is_leader(b, &b->partitions[m->partition])) {
        produce_fail(b, client, ERR_NOT_LEADER_OR_FOLLOWER);
        return;
    }
    int partition = m->partition;
    broker_partition *p = &b->partitions[partition];
    /* Step 1: NOT_ENOUGH_REPLICAS before anything is appended or deduplicated. */
    if (req->acks == -1 && broker_set_count(p->isr) < effective_min_isr(b, p)) {
        produce_fail(b, client, ERR_NOT_ENOUGH_REPLICAS);
        return;
    }
    pstate_verdict v = pstate_validate(&p->pstate, &req->batch);
    if (vf != NULL && !v.duplicate) v.error = verify_check(b, vf, 0, p, &req->batch, v.error);
    if (v.error != ERR_NONE) {
        produce_fail(b, client, v.error);
        return;
    }
    int64_t base_offset = v.first_offset, last_offset = v.last_offset;
    if (v.duplicate) {
        history_dedup(b->env.history, now_ns(b), b->node, &req->batch, v.first_offset);
    } else {
        proto_batch batch = req->batch;
        batch.base_offset = p->log.log_end_offset;
        batch.partition_leader_epoch = p->leader_epoch;
        if (!replica_append(b, partition, &batch, true)) return;
        b->appends++;
        base_offset = batch.base_offset;
        last_offset = proto_batch_last_offset(&batch);
    }
    if (req->acks == 0) conn_finish_silent(b, client);
    else if (req->acks == 1) produce_respond(b, client, ERR_NONE, base_offset);
    else {
        b->conns[client].required_offset = last_offset + 1; /* DelayedProduce requiredOffset */
        b->conns[client].base_offset = base_offset;
        conn_park(b, client, BROKER_PARKED_PRODUCE, now_ns(b) + proto_produce_timeout_ns(req));
    }
    if (!v.duplicate) step(b, partition, STEP_LEADER_APPEND);
    if (!v.duplicate) leader_complete_parked(b, partition, true); /* waiting fetches */
    leader_maybe_advance_hw(b, partition);
    /* tryCompleteElseWatch: a duplicate whose original the HW already passed, or a batch the
     * HW passed without moving now, completes at once instead of waiting for the next move. */
    broker_conn *c = &b->conns[client];
    if (c->busy && c->parked == BROKER_PARKED_PRODUCE &&
        p->log.high_watermark >= c->required_offset)
        produce_complete(b, client);
}

/* A transactional request this leader verifies (ReplicaManager.handleProduceAppend): begins the
 * verification (the request parks until the coordinator answers, verify_done), or, answered,
 * appends with the guards and errors it left. */
BROKER_COLD static void leader_on_produce_verified(broker *b, node_id client) {
    bool multi = b->conns[client].current.u.produce.batch_count > 1;
    if (!(b->verify && b->verify[client].answered) && verify_begin(b, client)) return; /* parked */
    broker_verify *vf = &b->verify[client];
    vf->answered = false; /* consumed by this pass */
    if (multi) leader_produce_parts_with(b, client, vf);
    else leader_produce_with(b, client, vf);
}

static void leader_on_produce_parts(broker *b, node_id client) {
    if (produce_verifies(b, client)) leader_on_produce_verified(b, client);
    else leader_produce_parts_with(b, client, NULL);
}

static void leader_on_produce(broker *b, node_id client) {
    if (produce_verifies(b, client)) leader_on_produce_verified(b, client);
    else leader_produce_with(b, client, NULL);
}

/* ---- Leader: WriteTxnMarkers ------------------------------------------------------------- */

/* Answers the current WriteTxnMarkers of client: one error per partition of the request, in its
 * order (WriteTxnMarkersResponse's partition results; the first also in the message). */
static void markers_respond(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    int n = c->current.u.write_txn_markers.partition_count;
    int16_t errors[PROTO_TXN_PARTITIONS_MAX]; /* borrowed by net_send */
    for (int k = 0; k < n; k++) errors[k] = b->marker_parts[client][k].error;
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.api = API_WRITE_TXN_MARKERS;
    r.is_response = 1;
    r.u.write_txn_markers_response.error = n ? errors[0] : ERR_NONE;
    r.u.write_txn_markers_response.partition_count = (uint16_t)n;
    r.u.write_txn_markers_response.errors = n ? errors : NULL;
    /* KafkaApis.handleWriteTxnMarkersRequest: the markers written to __consumer_offsets complete
     * the producer's pending transactional offsets (GroupCoordinator.onTransactionCompleted). */
    if (b->group) {
        const proto_write_txn_markers_request *req = &c->current.u.write_txn_markers;
        for (int k = 0; k < n; k++)
            if (errors[k] == ERR_NONE && b->marker_parts[client][k].base_offset >= 0)
                group_coord_on_txn_marker(b->group, b->marker_parts[client][k].partition,
                                          req->producer_id, req->commit != 0);
    }
    conn_respond(b, client, &r);
}

/* DelayedProduce.tryComplete for the markers of client's WriteTxnMarkers (only: the partition
 * whose state changed, -1 for all), as for a multi-partition Produce with acks=all: a marker
 * completes when this broker no longer leads its partition (NOT_LEADER_OR_FOLLOWER) or the HW
 * passed it (NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas).
 * Answers when none is pending; returns true then. */
static bool markers_try_complete(broker *b, node_id client, int only) {
    broker_conn *c = &b->conns[client];
    int n = c->current.u.write_txn_markers.partition_count;
    if (parts_pending(b, client, b->marker_parts[client], n, only)) return false;
    markers_respond(b, client);
    return true;
}

/* The markers still pending when the request times out (DelayedProduce.onExpiration). */
static void markers_expire(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    parts_expire(b->marker_parts[client], c->current.u.write_txn_markers.partition_count);
    markers_respond(b, client);
}

/* MemoryRecords.withEndTransactionMarker then Partition.appendRecordsToLeader (origin
 * COORDINATOR, acks=-1) for one partition of a WriteTxnMarkers: NOT_LEADER_OR_FOLLOWER, or
 * NOT_ENOUGH_REPLICAS under min.insync.replicas, or the producer state's verdict
 * (appendEndTxnMarker: INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED); else the
 * control batch is appended (no duplicate check: that is for client batches) and recorded
 * (HIST_MARKER), and the part waits for the HW to pass it. True when it was appended. */
static bool leader_append_marker(broker *b, const proto_write_txn_markers_request *req,
                                 int partition, broker_produce_part *pp) {
    pp->partition = (uint16_t)partition;
    pp->base_offset = -1;
    pp->error = ERR_NONE;
    pp->pending = false;
    if (partition >= b->partition_count || !is_leader(b, &b->partitions[partition])) {
        pp->error = ERR_NOT_LEADER_OR_FOLLOWER;
        return false;
    }
    broker_partition *p = &b->partitions[partition];
    if (broker_set_count(p->isr) < effective_min_isr(b, p)) {
        pp->error = ERR_NOT_ENOUGH_REPLICAS;
        return false;
    }
    proto_batch m;
    memset(&m, 0, sizeof m);
    m.base_offset = p->log.log_end_offset;
    m.producer_id = req->producer_id;
    m.producer_epoch = req->producer_epoch;
    m.max_timestamp_ns = now_ns(b);
    m.payload = (uint32_t)req->coordinator_epoch; /* EndTransactionMarker.coordinatorEpoch */
    m.record_count = 1;
    m.base_sequence = PROTO_NO_SEQUENCE;
    m.partition_leader_epoch = p->leader_epoch;
    m.flags = PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL |
              (req->commit ? PROTO_BATCH_COMMIT : 0);
    m.partition = (uint16_t)partition;
    pp->error = pstate_validate_marker(&p->pstate, &m);
    if (pp->error != ERR_NONE) return false;
    if (!replica_append(b, partition, &m, true)) {
        pp->error = ERR_NOT_LEADER_OR_FOLLOWER; /* out of memory: the world stops */
        return false;
    }
    history_marker(b->env.history, now_ns(b), b->node, partition, req->commit != 0,
                   req->coordinator_epoch, m.base_offset, m.producer_id, m.producer_epoch);
    pp->base_offset = m.base_offset;
    pp->required_offset = m.base_offset + 1;
    pp->pending = true;
    return true;
}

/* KafkaApis.handleWriteTxnMarkersRequest for one marker entry (one transaction): a control
 * batch on each partition named that this broker leads, then the answer once the ISR has every
 * one of them, or the broker's request.timeout.ms passed (appendRecords with requiredAcks -1
 * and timeout config.requestTimeoutMs), as an acks=all Produce of several partitions. Steps:
 * leader.marker-request before each partition's marker, leader.marker after it; a crash due at
 * either leaves the rest unwritten and the request unanswered. */
BROKER_COLD static void leader_on_write_txn_markers(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    if (!b->marker_parts) b->marker_parts = calloc(NODES_MAX, sizeof *b->marker_parts);
    if (b->marker_parts && !b->marker_parts[client])
        b->marker_parts[client] = malloc(PROTO_TXN_PARTITIONS_MAX * sizeof **b->marker_parts);
    if (!b->marker_parts || !b->marker_parts[client]) {
        out_of_memory(b);
        return;
    }
    proto_write_txn_markers_request *req = &c->current.u.write_txn_markers;
    if (req->partition_count > PROTO_TXN_PARTITIONS_MAX)
        req->partition_count = PROTO_TXN_PARTITIONS_MAX;
    int n = req->partition_count;
    int appended[PROTO_TXN_PARTITIONS_MAX], appended_count = 0; /* partitions, in order */
    bool crash_due = false; /* a crash at a marker step: the broker goes no further */
    for (int k = 0; k < n && !crash_due; k++) {
        int g = req->partitions[k];
        crash_due = txn_step(b, g, STEP_LEADER_MARKER_REQUEST);
        if (crash_due || !leader_append_marker(b, req, g, &b->marker_parts[client][k])) continue;
        appended[appended_count++] = g;
        crash_due = txn_step(b, g, STEP_LEADER_MARKER);
    }
    /* The partition list was the network's (or the queue's) loan, read in the loop above
     * before anything could push to the queue: the parts hold it now. */
    proto_msg_outline_set(&c->current, NULL);
    if (crash_due) return; /* the request stays unanswered; the crash resets the connection */
    if (appended_count == 0) {
        markers_respond(b, client);
        return;
    }
    parts_index(b, client, b->marker_parts[client], n);
    conn_park(b, client, BROKER_PARKED_MARKERS,
              now_ns(b) + proto_request_timeout_ns(b->env.config->broker_request_timeout_ns));
    for (int k = 0; k < appended_count && b->alive; k++) {
        leader_complete_parked(b, appended[k], true); /* waiting fetches */
        leader_maybe_advance_hw(b, appended[k]);
    }
    /* tryCompleteElseWatch: an ISR of one has the markers already. */
    if (b->alive && c->busy && c->parked == BROKER_PARKED_MARKERS)
        markers_try_complete(b, client, -1); /* the caller drains the connection */
}

/* ---- Leader: transaction verification (KIP-890 part 1) ------------------------------------ */

#define BROKER_KAFKA_3_7_1 30701 /* KAFKA-16386: a lost verification -> NOT_ENOUGH_REPLICAS */

/* The error the producer gets for a partition whose verification answered error:
 * AddPartitionsToTxnManager's mapping (PRODUCER_FENCED -> INVALID_PRODUCER_EPOCH: "Producers
 * expect to handle INVALID_PRODUCER_EPOCH"), then ReplicaManager's postVerificationCallback
 * (the coordinator's retriable errors -> NOT_ENOUGH_REPLICAS, which every client retries
 * without a metadata refresh; NETWORK_EXCEPTION only from 3.7.1, KAFKA-16386). A 3.8+
 * coordinator's TRANSACTION_ABORTABLE reaches a 3.8+ producer as it is (Produce v11,
 * TransactionSupportedOperation genericError): the model runs one release throughout. */
BROKER_COLD static int16_t verify_error_to_producer(const broker *b, int16_t error) {
    switch (error) {
    case ERR_PRODUCER_FENCED: return ERR_INVALID_PRODUCER_EPOCH;
    case ERR_CONCURRENT_TRANSACTIONS:
        /* Version 2 passes it on ("less confusing to the client"), after the retries. */
        if (b->env.config->transaction_version >= 2) return error;
        return ERR_NOT_ENOUGH_REPLICAS;
    case ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR: return ERR_NOT_ENOUGH_REPLICAS;
    case ERR_NETWORK_EXCEPTION:
        return b->env.config->kafka_version >= BROKER_KAFKA_3_7_1 ? ERR_NOT_ENOUGH_REPLICAS
                                                                   : ERR_NETWORK_EXCEPTION;
    default: return error;
    }
}

/* UnifiedLog.analyzeAndValidateProducerState's verification part for batch k of the request
 * (not a duplicate): error is what the epoch and sequence checks gave. */
BROKER_COLD static int16_t verify_check(broker *b, const broker_verify *vf, int k,
                                        broker_partition *p, const proto_batch *in,
                                        int16_t error) {
    (void)b;
    return pstate_verification_check(&p->pstate, in, vf->guards[k], error);
}

/* AddPartitionsToTxnManager.addOrVerifyTransaction: the partitions of client's request with a
 * guard go to the coordinator (broker id coordinator) in one AddPartitionsToTxn, verifyOnly with
 * version 1, an add with version 2; the request parks until the answer or the broker's
 * request.timeout.ms (InterBrokerSendThread). */
BROKER_COLD static void verify_send(broker *b, node_id client, int coordinator) {
    const proto_produce_request *req = &b->conns[client].current.u.produce;
    broker_verify *vf = &b->verify[client];
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_ADD_PARTITIONS_TO_TXN;
    m.to = node_broker(coordinator);
    m.partition = vf->partitions[0];
    m.correlation_id = ++b->correlation_next;
    m.u.add_partitions.producer_id = req->batch.producer_id;
    m.u.add_partitions.producer_epoch = req->batch.producer_epoch;
    m.u.add_partitions.txn = (uint16_t)(req->txn - 1);
    m.u.add_partitions.partition_count = vf->count;
    m.u.add_partitions.verify_only = b->env.config->transaction_version >= 2 ? 0 : 1;
    m.u.add_partitions.partitions = vf->partitions;
    vf->correlation = m.correlation_id;
    vf->coordinator = (int16_t)coordinator;
    vf->answered = false;
    vf->retry_wait = false;
    conn_park(b, client, BROKER_PARKED_VERIFY,
              now_ns(b) + proto_request_timeout_ns(b->env.config->broker_request_timeout_ns));
    send_msg(b, &m);
}

/* ReplicaManager.maybeStartTransactionVerificationForPartitions for the current request of
 * client: each transactional batch of a partition this broker leads takes its producer's
 * guard (none while the producer's transaction is open there: Partition.
 * maybeStartTransactionVerification); a partition it does not lead gets NOT_LEADER_OR_FOLLOWER.
 * The partitions with a guard go to the coordinator in one AddPartitionsToTxn (verifyOnly,
 * AddPartitionsToTxnManager.verifyTransaction), the request parked until the answer or the
 * broker's request.timeout.ms (InterBrokerSendThread). True when it was parked; false when
 * nothing needs asking (the request goes on with its errors). */
BROKER_COLD static bool verify_begin(broker *b, node_id client) {
    if (!b->verify) b->verify = calloc(NODES_MAX, sizeof *b->verify);
    if (!b->verify) {
        out_of_memory(b);
        return true; /* the world stops */
    }
    broker_conn *c = &b->conns[client];
    const proto_produce_request *req = &c->current.u.produce;
    broker_verify *vf = &b->verify[client];
    vf->correlation = 0;
    vf->count = 0;
    vf->answered = true;
    int n = req->batch_count > 1 ? req->batch_count : 1; /* a request of one may say 0 */
    for (int k = 0; k < n; k++) {
        const proto_batch *in = proto_produce_batch(req, k);
        vf->guards[k] = 0;
        vf->errors[k] = ERR_NONE;
        if (in->partition >= b->partition_count || !is_leader(b, &b->partitions[in->partition])) {
            vf->errors[k] = ERR_NOT_LEADER_OR_FOLLOWER;
            continue;
        }
        uint32_t guard = pstate_verification_start(&b->partitions[in->partition].pstate,
                                                   in->producer_id, in->base_sequence,
                                                   in->producer_epoch, now_ns(b));
        if (guard == UINT32_MAX) {
            out_of_memory(b);
            return true;
        }
        partition_dirty(b, &b->partitions[in->partition]);
        if (guard == 0) continue; /* the transaction is open here: nothing to verify */
        vf->guards[k] = guard;
        vf->partitions[vf->count++] = in->partition;
    }
    if (vf->count == 0) return false;
    /* getTransactionCoordinator: the live leader of the id's __transaction_state partition in
     * this broker's metadata, else COORDINATOR_NOT_AVAILABLE for every partition. */
    int txn = req->txn - 1;
    const broker_partition *sp = &b->partitions[b->env.config->txn_partition[txn]];
    if (!sp->state_known || sp->leader < 1) {
        int16_t error = verify_error_to_producer(b, ERR_COORDINATOR_NOT_AVAILABLE);
        for (int k = 0; k < n; k++)
            if (vf->guards[k]) vf->errors[k] = error;
        return false;
    }
    vf->started_ns = now_ns(b);
    verify_send(b, client, sp->leader);
    return true;
}

/* add.partitions.to.txn.retry.backoff.ms and .max.ms (AddPartitionsToTxnConfig, 4.0 defaults
 * 20 and 100; the keys are not offered). */
#define BROKER_ADD_RETRY_BACKOFF_NS (20 * SIM_MS)
#define BROKER_ADD_RETRY_MAX_NS (100 * SIM_MS)

/* ReplicaManager.handleProduceAppend's maybeRetryOnConcurrentTransactions (transaction version
 * 2: a leader that adds a partition retries CONCURRENT_TRANSACTIONS, the previous
 * transaction's markers being still out, "the produce backoff adds too much delay") while less
 * than min(add.partitions.to.txn.retry.backoff.max.ms, request.timeout.ms) has passed since the
 * first add; then the answer stands. */
BROKER_COLD static bool verify_retries(const broker *b, const broker_verify *vf, int16_t error,
                                       const int16_t *errors) {
    if (b->env.config->transaction_version < 2) return false;
    int64_t limit = b->env.config->broker_request_timeout_ns;
    if (limit > BROKER_ADD_RETRY_MAX_NS) limit = BROKER_ADD_RETRY_MAX_NS;
    if (now_ns(b) - vf->started_ns >= limit) return false;
    bool concurrent = error == ERR_CONCURRENT_TRANSACTIONS;
    for (int i = 0; errors && i < vf->count && !concurrent; i++)
        concurrent = errors[i] == ERR_CONCURRENT_TRANSACTIONS;
    return concurrent;
}

BROKER_COLD static void verify_done(broker *b, node_id client, int16_t error,
                                    const int16_t *errors);

/* The retry of a version 2 add: to the coordinator of this broker's metadata now
 * (maybeSendPartitionsToTransactionCoordinator again), or COORDINATOR_NOT_AVAILABLE. */
BROKER_COLD static void verify_retry(broker *b, node_id client) {
    const proto_produce_request *req = &b->conns[client].current.u.produce;
    const broker_partition *sp = &b->partitions[b->env.config->txn_partition[req->txn - 1]];
    b->verify[client].retry_wait = false;
    if (!sp->state_known || sp->leader < 1) {
        verify_done(b, client, ERR_COORDINATOR_NOT_AVAILABLE, NULL);
        return;
    }
    verify_send(b, client, sp->leader);
}

/* The verification of client's parked request is answered: error for every partition asked
 * (a top-level error, or NETWORK_EXCEPTION for a lost or timed-out request) when errors is
 * NULL, else errors[i] for partitions[i]. The request goes on (postVerificationCallback). */
BROKER_COLD static void verify_done(broker *b, node_id client, int16_t error,
                                    const int16_t *errors) {
    broker_conn *c = &b->conns[client];
    broker_verify *vf = &b->verify[client];
    const proto_produce_request *req = &c->current.u.produce;
    if (verify_retries(b, vf, error, errors)) {
        /* maybeRetryOnConcurrentTransactions: the add again after the backoff. */
        vf->correlation = 0;
        vf->retry_wait = true;
        conn_park(b, client, BROKER_PARKED_VERIFY, now_ns(b) + BROKER_ADD_RETRY_BACKOFF_NS);
        return;
    }
    for (int k = 0, i = 0; k < (req->batch_count > 1 ? req->batch_count : 1); k++) {
        if (!vf->guards[k]) continue;
        int16_t e = errors ? errors[i] : error;
        i++;
        if (e != ERR_NONE) vf->errors[k] = verify_error_to_producer(b, e);
    }
    vf->correlation = 0;
    vf->answered = true;
    c->parked = BROKER_PARKED_NONE;
    b->parked_mask &= ~((uint64_t)1 << client);
    sim_timer_cancel(&c->timer);
    if (req->batch_count > 1) leader_on_produce_parts(b, client);
    else leader_on_produce(b, client);
    if (b->alive && vf->next_gen) {
        /* Its client reconnected meanwhile: the append is done, no one awaits the answer (a
         * DelayedProduce for a closed channel answers nobody), and the new connection's
         * requests go on. */
        if (c->busy) conn_finish_silent(b, client);
        c->gen = vf->next_gen;
        vf->next_gen = 0;
    }
    if (b->alive && !c->busy) conn_drain(b, client);
}

/* A request of client's newer connection while its older one's request waits for its
 * verification: that request goes on (Kafka's verification callback appends whatever became of
 * the channel); the new connection's requests wait behind it, the old connection's queued ones
 * are gone (conn_reset). */
BROKER_COLD static void verify_on_reconnect(broker *b, const proto_msg *m) {
    broker_conn *c = &b->conns[m->from];
    broker_verify *vf = &b->verify[m->from];
    if (m->conn_gen != vf->next_gen) {
        c->head = 0;
        c->count = 0;
        vf->next_gen = m->conn_gen;
    }
    if (conn_queue_push(c, m) != 0) out_of_memory(b);
}

/* AddPartitionsToTxnHandler.onComplete: the coordinator's answer to a verification. */
BROKER_COLD static void verify_on_response(broker *b, const proto_msg *m) {
    if (!b->verify) return;
    for (int n = broker_next_parked(b, 0); n < NODES_MAX; n = broker_next_parked(b, n + 1)) {
        broker_conn *c = &b->conns[n];
        if (!c->busy || c->parked != BROKER_PARKED_VERIFY ||
            b->verify[n].correlation != m->correlation_id)
            continue;
        const proto_verify_response *r = &m->u.verify_response;
        bool each = r->error == ERR_NONE && r->partition_count == b->verify[n].count;
        verify_done(b, (node_id)n, r->error, each ? r->errors : NULL);
        return;
    }
}

/* A disconnect from the coordinator (wasDisconnected): every verification sent there fails
 * with NETWORK_EXCEPTION. */
BROKER_COLD static void verify_on_disconnect(broker *b, node_id peer) {
    if (!b->verify) return;
    for (int n = broker_next_parked(b, 0); n < NODES_MAX; n = broker_next_parked(b, n + 1)) {
        broker_conn *c = &b->conns[n];
        if (c->busy && c->parked == BROKER_PARKED_VERIFY && b->verify[n].correlation &&
            node_broker(b->verify[n].coordinator) == peer)
            verify_done(b, (node_id)n, ERR_NETWORK_EXCEPTION, NULL);
    }
}

/* ---- Leader: Fetch ----------------------------------------------------------------------- */

/* Ends the wait of follower's parked fetch of partition, if one waits. */
static void leader_fetch_unpark(broker *b, int partition, int follower) {
    if (partition >= b->partition_count || follower < 1 || follower > PROTO_BROKERS_MAX) return;
    broker_partition *p = &b->partitions[partition];
    broker_follower *fw = &p->followers[follower];
    fw->fetch_parked = false;
    p->fetch_parked_mask &= ~((uint32_t)1 << follower);
    sim_timer_cancel(&p->parked_fetches[follower].wait);
}

/* Forgets every parked fetch of follower: its connection is gone (a new one replaced it). */
static void leader_fetches_forget(broker *b, int follower) {
    for (int i = 0; i < b->partition_count; i++) leader_fetch_unpark(b, i, follower);
}

/* Answers the fetch req, if its connection still stands (as conn_respond does), and ends its
 * wait. */
static void fetch_respond(broker *b, const proto_msg *req, int16_t error, int32_t diverging_epoch,
                          int64_t diverging_end_offset) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_fetch_response *f = &r.u.fetch_response;
    f->error = error;
    f->diverging_epoch = diverging_epoch;
    f->diverging_end_offset = diverging_end_offset;
    if (req->partition < b->partition_count) {
        const broker_partition *p = &b->partitions[req->partition];
        f->high_watermark = p->log.high_watermark;
        f->log_start_offset = p->log.log_start_offset;
        f->leader_epoch = p->leader_epoch;
        if (error == ERR_NONE && diverging_end_offset < 0) { /* no divergence */
            size_t i = log_batch_find(&p->log, req->u.fetch.fetch_offset);
            size_t count = p->log.count - i;
            if (count > PROTO_FETCH_BATCHES_MAX) count = PROTO_FETCH_BATCHES_MAX;
            /* Lent to net_send, which copies them: the log does not change before it
             * returns. */
            f->batch_count = (uint16_t)count;
            f->batches = count ? &p->log.batches[i] : NULL;
        }
    }
    proto_msg_answer(req, &r);
    if (b->env.net->conn_gen[req->from][b->node] == req->conn_gen) send_msg(b, &r);
    leader_fetch_unpark(b, req->partition, req->from);
}

/* Replica.updateFetchState: the fetch offset is the follower's LEO; it caught up when it
 * reached the leader's LEO now, or the LEO the leader had at its previous fetch. */
static void leader_update_follower(broker *b, broker_partition *p, int replica,
                                   int64_t fetch_offset) {
    broker_follower *f = &p->followers[replica];
    int64_t t = now_ns(b);
    if (fetch_offset >= p->log.log_end_offset) {
        if (t > f->last_caught_up_ns) f->last_caught_up_ns = t;
    } else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo) {
        if (f->last_fetch_ns > f->last_caught_up_ns) f->last_caught_up_ns = f->last_fetch_ns;
    }
    f->log_end_offset = fetch_offset;
    f->last_fetch_leader_leo = p->log.log_end_offset;
    f->last_fetch_ns = t;
    p->isr_left = broker_set_del(p->isr_left, replica);
}

static void leader_alter_send(broker *b, int partition, broker_set proposed);

/* Partition.maybeExpandIsr / isFollowerInSync: LEO >= HW and >= the leader epoch's start; a
 * fenced broker or one in controlled shutdown is not proposed (isReplicaIsrEligible, KIP-841;
 * the controller would refuse it with INELIGIBLE_REPLICA). */
static void leader_maybe_expand_isr(broker *b, int partition, int replica) {
    broker_partition *p = &b->partitions[partition];
    if (p->alter_pending || broker_set_has(p->isr, replica)) return;
    if (broker_set_has(b->ineligible, replica)) return;
    int64_t leo = p->followers[replica].log_end_offset;
    if (leo < p->log.high_watermark || leo < p->leader_epoch_start_offset) return;
    leader_alter_send(b, partition, broker_set_add(p->isr, replica));
}

/* Partition.fetchRecords for a follower: epoch checks (KIP-320), divergence (KAFKA-10554),
 * fetch state, ISR expansion, HW; then data now or a long poll (DelayedFetch). */
static void leader_on_fetch(broker *b, const proto_msg *m, bool completing) {
    const proto_fetch_request *f = &m->u.fetch;
    if (__builtin_expect(f->replica_id < 0, 0)) { /* a consumer's: "Leader: consumer Fetch" */
        leader_on_consumer_fetch(b, m, completing);
        return;
    }
    if (m->partition >= b->partition_count || !is_leader(b, &b->partitions[m->partition])) {
        fetch_respond(b, m, ERR_NOT_LEADER_OR_FOLLOWER, LOG_NO_EPOCH, -1);
        return;
    }
    int partition = m->partition;
    broker_partition *p = &b->partitions[partition];
    if (f->current_leader_epoch < p->leader_epoch) {
        fetch_respond(b, m, ERR_FENCED_LEADER_EPOCH, LOG_NO_EPOCH, -1);
        return;
    }
    if (f->current_leader_epoch > p->leader_epoch) {
        fetch_respond(b, m, ERR_UNKNOWN_LEADER_EPOCH, LOG_NO_EPOCH, -1);
        return;
    }
    int replica = f->replica_id;
    if (replica < 1 || replica > PROTO_BROKERS_MAX || !broker_set_has(p->replicas, replica) ||
        m->from != node_broker(replica)) {
        fetch_respond(b, m, ERR_NOT_LEADER_OR_FOLLOWER, LOG_NO_EPOCH, -1);
        return;
    }
    if (f->last_fetched_epoch != LOG_NO_EPOCH) {
        int32_t epoch;
        int64_t end;
        log_epoch_end_offset(&p->log, f->last_fetched_epoch, &epoch, &end);
        /* Partition.readRecords: an epoch the leader cannot place is OffsetOutOfRange. */
        if (epoch == LOG_NO_EPOCH) {
            fetch_respond(b, m, ERR_OFFSET_OUT_OF_RANGE, LOG_NO_EPOCH, p->log.log_end_offset);
            return;
        }
        if (epoch < f->last_fetched_epoch || end < f->fetch_offset) {
            fetch_respond(b, m, ERR_NONE, epoch, end);
            return;
        }
    }
    if (f->fetch_offset > p->log.log_end_offset) {
        fetch_respond(b, m, ERR_OFFSET_OUT_OF_RANGE, LOG_NO_EPOCH, p->log.log_end_offset);
        return;
    }
    if (!completing) { /* first pass */
        leader_update_follower(b, p, replica, f->fetch_offset);
        leader_maybe_expand_isr(b, partition, replica);
        leader_maybe_advance_hw(b, partition);
        if (f->fetch_offset >= p->log.log_end_offset && f->max_wait_ns > 0) {
            /* DelayedFetch: waits for data or replica.fetch.wait.max.ms. */
            broker_follower *fw = &p->followers[replica];
            fw->fetch_parked = true;
            p->fetch_parked_mask |= (uint32_t)1 << replica;
            p->parked_fetches[replica].request = *m;
            sim_timer_arm(b->env.world, &p->parked_fetches[replica].wait,
                          now_ns(b) + f->max_wait_ns, b->kind,
                          timer_arg(BROKER_T_CONN, partition, m->from));
            return;
        }
    }
    fetch_respond(b, m, ERR_NONE, LOG_NO_EPOCH, -1);
}

/* ---- Leader: consumer Fetch --------------------------------------------------------------- */

/* A consumer's Fetch (replica_id -1, FetchRequest.CONSUMER_REPLICA_ID), ReplicaManager.
 * fetchMessages / readFromLog: the records below the high watermark (read_uncommitted,
 * FetchIsolation.HIGH_WATERMARK) or below the last stable offset with the aborted transactions
 * of the range (read_committed, TXN_COMMITTED: UnifiedLog.collectAbortedTransactions); answered
 * at once when fetch.min.bytes are readable or fetch.max.wait.ms is 0, else held as a
 * DelayedFetch until they are (tryComplete counts below the same bound) or the wait ends.
 * Partition.fetchRecords checks the consumer's leader epoch as a follower's (-1: none given);
 * an offset before the log start or past the log end is OFFSET_OUT_OF_RANGE (UnifiedLog.read:
 * one between the bound and the log end reads nothing). Simplifications: one partition per
 * Fetch (as replica fetching, broker.h); max.partition.fetch.bytes is PROTO_FETCH_BATCHES_MAX
 * batches, and a read_committed answer carries fewer when its aborted transactions need the
 * room; fetch.min.bytes is the world's (config), not each consumer's; no preferred read
 * replica (KIP-392). */

_Static_assert(PROTO_CONSUMERS_MAX <= 8, "consumer_parked_mask has a bit per consumer");

/* The end of what a consumer of isolation may read. */
static int64_t consumer_fetch_bound(const broker_partition *p, int isolation) {
    if (isolation == CONFIG_READ_COMMITTED)
        return pstate_last_stable_offset(&p->pstate, p->log.high_watermark);
    return p->log.high_watermark;
}

/* The index of the batch holding offset, or of the first after it. */
static size_t consumer_fetch_first(const log_replica *l, int64_t offset) {
    size_t i = log_batch_holding(l, offset);
    return i < l->count ? i : log_batch_find(l, offset);
}

/* Bytes readable from offset below bound, counted up to enough (DelayedFetch.tryComplete). */
static int64_t consumer_fetch_bytes(const broker_partition *p, int64_t offset, int64_t bound,
                                    int64_t enough) {
    int64_t bytes = 0;
    for (size_t i = consumer_fetch_first(&p->log, offset); i < p->log.count && bytes < enough; i++) {
        if (proto_batch_last_offset(&p->log.batches[i]) >= bound) break;
        bytes += log_batch_bytes(&p->log, &p->log.batches[i]);
    }
    return bytes;
}

static broker_consumer_fetch *consumer_fetch_slot(broker *b, int partition, node_id consumer) {
    return &b->consumer_fetches[(size_t)partition * PROTO_CONSUMERS_MAX + node_consumer_index(consumer)];
}

/* Ends the wait of consumer's parked fetch of partition, if one waits. */
static void consumer_fetch_unpark(broker *b, int partition, node_id consumer) {
    if (!b->consumer_fetches || partition >= b->partition_count || !node_is_consumer(consumer))
        return;
    broker_consumer_fetch *s = consumer_fetch_slot(b, partition, consumer);
    s->parked = false;
    b->partitions[partition].consumer_parked_mask &=
        (uint8_t) ~(1u << node_consumer_index(consumer));
    sim_timer_cancel(&s->wait);
}

/* Forgets the parked fetches of consumer (its connection was replaced), or of every consumer
 * (consumer NODE_NONE: the process died). */
static void consumer_fetches_forget(broker *b, node_id consumer) {
    if (!b->consumer_fetches) return;
    for (int g = 0; g < b->partition_count; g++) {
        if (!b->partitions[g].consumer_parked_mask) continue;
        for (int k = 0; k < PROTO_CONSUMERS_MAX; k++)
            if (consumer == NODE_NONE || consumer == node_consumer(k))
                consumer_fetch_unpark(b, g, node_consumer(k));
    }
}

/* Answers a consumer's fetch req (if its connection stands) and ends its wait. */
static void consumer_fetch_respond(broker *b, const proto_msg *req, int16_t error) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_batch room[PROTO_FETCH_BATCHES_MAX]; /* the batches, then the aborted transactions */
    proto_fetch_response *f = &r.u.fetch_response;
    f->error = error;
    f->diverging_epoch = LOG_NO_EPOCH;
    f->diverging_end_offset = -1;
    const proto_fetch_request *q = &req->u.fetch;
    if (req->partition < b->partition_count) {
        const broker_partition *p = &b->partitions[req->partition];
        f->high_watermark = p->log.high_watermark;
        f->log_start_offset = p->log.log_start_offset;
        f->leader_epoch = p->leader_epoch;
        f->last_stable_offset = pstate_last_stable_offset(&p->pstate, p->log.high_watermark);
        if (error == ERR_NONE) {
            int64_t bound = consumer_fetch_bound(p, q->isolation);
            size_t i = consumer_fetch_first(&p->log, q->fetch_offset), n = 0;
            while (i + n < p->log.count && n < PROTO_FETCH_BATCHES_MAX &&
                   proto_batch_last_offset(&p->log.batches[i + n]) < bound)
                n++;
            enum { ABORTED_MAX = PROTO_OUTLINE_BYTES_MAX / sizeof(proto_aborted_txn) };
            log_aborted_txn found[ABORTED_MAX];
            size_t aborted = 0;
            while (q->isolation == CONFIG_READ_COMMITTED && n > 0) {
                int64_t upper = proto_batch_last_offset(&p->log.batches[i + n - 1]) + 1;
                aborted = log_aborted_collect(&p->log, q->fetch_offset, upper, found, ABORTED_MAX);
                if (n * sizeof(proto_batch) + aborted * sizeof(proto_aborted_txn) <=
                    PROTO_OUTLINE_BYTES_MAX)
                    break;
                if (n == 1) { /* one batch and more aborted transactions than fit: the first */
                    aborted = (PROTO_OUTLINE_BYTES_MAX - sizeof(proto_batch)) /
                              sizeof(proto_aborted_txn);
                    break;
                }
                n--; /* fewer batches leave the aborted transactions room */
            }
            if (n) memcpy(room, &p->log.batches[i], n * sizeof(proto_batch));
            proto_aborted_txn *at = (proto_aborted_txn *)(void *)(room + n);
            for (size_t k = 0; k < aborted; k++)
                at[k] = (proto_aborted_txn){found[k].producer_id, found[k].first_offset};
            f->batch_count = (uint16_t)n;
            f->aborted_count = (uint16_t)aborted;
            f->batches = n + aborted ? room : NULL;
        }
    }
    proto_msg_answer(req, &r);
    if (b->env.net->conn_gen[req->from][b->node] == req->conn_gen) send_msg(b, &r);
    consumer_fetch_unpark(b, req->partition, req->from);
}

/* Partition.fetchRecords and DelayedFetch for a consumer; completing: the wait ended (answer
 * whatever is readable). */
BROKER_COLD static void leader_on_consumer_fetch(broker *b, const proto_msg *m, bool completing) {
    const proto_fetch_request *f = &m->u.fetch;
    if (!node_is_consumer(m->from) || m->partition >= b->partition_count ||
        !is_leader(b, &b->partitions[m->partition])) {
        consumer_fetch_respond(b, m, ERR_NOT_LEADER_OR_FOLLOWER);
        return;
    }
    int partition = m->partition;
    broker_partition *p = &b->partitions[partition];
    if (f->current_leader_epoch >= 0 && f->current_leader_epoch < p->leader_epoch) {
        consumer_fetch_respond(b, m, ERR_FENCED_LEADER_EPOCH);
        return;
    }
    if (f->current_leader_epoch > p->leader_epoch) {
        consumer_fetch_respond(b, m, ERR_UNKNOWN_LEADER_EPOCH);
        return;
    }
    if (f->fetch_offset < p->log.log_start_offset || f->fetch_offset > p->log.log_end_offset) {
        consumer_fetch_respond(b, m, ERR_OFFSET_OUT_OF_RANGE);
        return;
    }
    int64_t min_bytes = b->env.config->fetch_min_bytes;
    if (!completing && f->max_wait_ns > 0 &&
        consumer_fetch_bytes(p, f->fetch_offset, consumer_fetch_bound(p, f->isolation),
                             min_bytes) < min_bytes) {
        if (!b->consumer_fetches) {
            b->consumer_fetches = calloc((size_t)b->partition_count * PROTO_CONSUMERS_MAX,
                                         sizeof *b->consumer_fetches);
            if (!b->consumer_fetches) {
                out_of_memory(b);
                return;
            }
        }
        broker_consumer_fetch *s = consumer_fetch_slot(b, partition, m->from);
        if (s->parked) consumer_fetch_respond(b, &s->request, ERR_NONE); /* replaced */
        s->request = *m;
        s->parked = true;
        p->consumer_parked_mask |= (uint8_t)(1u << node_consumer_index(m->from));
        sim_timer_arm(b->env.world, &s->wait, now_ns(b) + f->max_wait_ns, b->kind,
                      timer_arg(BROKER_T_CONSUMER_FETCH, partition, m->from));
        return;
    }
    consumer_fetch_respond(b, m, ERR_NONE);
}

/* The partition's HW (so its LSO) moved, or its leadership ended: the consumers' parked
 * fetches that can complete do, in consumer order. */
BROKER_COLD static void consumer_fetches_complete(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    int64_t min_bytes = b->env.config->fetch_min_bytes;
    for (int k = 0; k < PROTO_CONSUMERS_MAX; k++) {
        if (!(p->consumer_parked_mask >> k & 1)) continue;
        broker_consumer_fetch *s = &b->consumer_fetches[(size_t)partition * PROTO_CONSUMERS_MAX + k];
        proto_msg req = s->request; /* the answer clears the slot */
        if (!is_leader(b, p)) {
            consumer_fetch_respond(b, &req, ERR_NOT_LEADER_OR_FOLLOWER);
            continue;
        }
        const proto_fetch_request *f = &req.u.fetch;
        if (consumer_fetch_bytes(p, f->fetch_offset, consumer_fetch_bound(p, f->isolation),
                                 min_bytes) >= min_bytes)
            consumer_fetch_respond(b, &req, ERR_NONE);
    }
}

/* fetch.max.wait.ms passed for a parked consumer fetch: answered with what is readable. */
static void consumer_on_fetch_wait(broker *b, int partition, node_id consumer) {
    if (!b->consumer_fetches || partition >= b->partition_count || !node_is_consumer(consumer))
        return;
    broker_consumer_fetch *s = consumer_fetch_slot(b, partition, consumer);
    if (!s->parked) return;
    proto_msg req = s->request;
    leader_on_consumer_fetch(b, &req, true);
}

/* ---- Other requests: ListOffsets ------------------------------------------------------------ */

/* KafkaApis.handleListOffsetRequest → Partition.fetchOffsetForTimestamp for a consumer: the
 * earliest offset is the log start, the latest the high watermark (read_uncommitted) or the last
 * stable offset (read_committed); only the leader answers (NOT_LEADER_OR_FOLLOWER).
 * Simplification: no OFFSET_NOT_AVAILABLE for a new leader whose HW is below its epoch's start
 * (KIP-207); timestamps other than the two are not asked. */
static void broker_on_list_offsets(broker *b, node_id client) {
    const proto_msg *m = &b->conns[client].current;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_list_offsets_response *lo = &r.u.list_offsets_response;
    lo->offset = -1;
    lo->leader_epoch = -1;
    if (m->partition >= b->partition_count || !is_leader(b, &b->partitions[m->partition])) {
        lo->error = ERR_NOT_LEADER_OR_FOLLOWER;
    } else {
        const broker_partition *p = &b->partitions[m->partition];
        lo->leader_epoch = p->leader_epoch;
        lo->offset = m->u.list_offsets.timestamp == PROTO_LIST_EARLIEST
                         ? p->log.log_start_offset
                         : consumer_fetch_bound(p, m->u.list_offsets.isolation);
    }
    conn_respond(b, client, &r);
}

/* ---- Leader: high watermark and ISR ------------------------------------------------------ */

/* Replica.isCaughtUp: at the leader's LEO, or caught up within replica.lag.time.max.ms. */
static bool follower_caught_up(const broker *b, const broker_partition *p, int replica) {
    const broker_follower *f = &p->followers[replica];
    return f->log_end_offset == p->log.log_end_offset ||
           now_ns(b) - f->last_caught_up_ns <= b->env.config->replica_lag_time_max_ns;
}

/* Partition.maybeIncrementLeaderHW: min LEO over the maximal ISR and over every other replica
 * that is caught up (shouldWaitForReplicaToJoinIsr), so that a follower catching up under steady
 * writes finds the HW within reach and can join (isFollowerInSync). From 3.6 (KAFKA-15021) such a
 * replica must also be ISR-eligible (isReplicaIsrEligible: unfenced, not shutting down, fetching
 * with its current broker epoch); the leader knows fencing and controlled shutdown from the
 * broker registrations that come with the metadata, and counts a replica eligible once it fetched
 * after it left the ISR (a dead one does not fetch). Before 3.6 a replica caught up within the
 * lag holds the HW even when dead. Frozen while the ISR is below min.insync.replicas from 3.7
 * (KAFKA-15583). Completes what the move unblocks. */
/* Out of line and cold: the hot path pays only the test of b->txn. */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static void broker_txn_on_hw(broker *b, int partition) {
    txn_coord_on_hw(b->txn, partition);
}

BROKER_COLD static void broker_group_on_hw(broker *b, int partition) {
    group_coord_on_hw(b->group, partition);
}

static void leader_maybe_advance_hw(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    if (!is_leader(b, p)) return;
    int version = b->env.config->kafka_version;
    if (version >= BROKER_KAFKA_3_7 && broker_set_count(p->isr) < effective_min_isr(b, p))
        return;
    broker_set maximal = maximal_isr(p);
    broker_set others = broker_set_del(p->replicas | maximal, b->broker_id);
    int64_t hw = p->log.log_end_offset;
    for (; others; others &= others - 1) { /* each replica, lowest id first */
        int r = broker_lowest_bit(others);
        if (p->followers[r].log_end_offset >= hw) continue;
        if (!broker_set_has(maximal, r)) {
            if (version >= BROKER_KAFKA_3_6 && broker_set_has(p->isr_left, r)) continue;
            if (version >= BROKER_KAFKA_3_6 && broker_set_has(b->ineligible, r)) continue;
            if (!follower_caught_up(b, p, r)) continue;
        }
        hw = p->followers[r].log_end_offset;
    }
    if (hw <= p->log.high_watermark) return;
    replica_set_hw(b, p, hw);
    if (p->pstate.transactional) partition_txn_on_hw(b, p);
    leader_complete_parked(b, partition, false);
    if (b->txn) broker_txn_on_hw(b, partition); /* state records it made durable */
    if (b->group) broker_group_on_hw(b, partition); /* group and offset records */
    step(b, partition, STEP_LEADER_HW_ADVANCE);
}

/* Sends AlterPartition with the proposed ISR (KIP-497); one at a time. */
static void leader_alter_send(broker *b, int partition, broker_set proposed) {
    broker_partition *p = &b->partitions[partition];
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_ALTER_PARTITION;
    m.to = NODE_CONTROLLER;
    m.partition = (uint16_t)partition;
    m.correlation_id = ++b->correlation_next;
    m.u.partition_state.leader = (int16_t)b->broker_id;
    m.u.partition_state.leader_epoch = p->leader_epoch;
    m.u.partition_state.partition_epoch = p->partition_epoch;
    m.u.partition_state.isr = proposed;
    m.u.partition_state.replicas = p->replicas;
    p->alter_pending = true;
    p->alter_rejected = false;
    p->isr_proposed = proposed;
    p->alter_sent_ns = now_ns(b);
    p->alter_correlation = m.correlation_id;
    send_msg(b, &m);
}

/* Partition.maybeShrinkIsr: drop followers not caught up within replica.lag.time.max.ms. */
static void leader_maybe_shrink_isr(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    int64_t lag_ns = b->env.config->replica_lag_time_max_ns;
    if (!is_leader(b, p)) return;
    if (p->alter_pending) {
        /* AlterPartitionManager resends what got no answer; a change the controller rejected
         * as stale waits for newer metadata instead (Partition.handleAlterPartitionError). */
        if (!p->alter_rejected && now_ns(b) - p->alter_sent_ns >= lag_ns / 2)
            leader_alter_send(b, partition, p->isr_proposed);
        return;
    }
    broker_set keep = p->isr;
    for (int r = 1; r <= PROTO_BROKERS_MAX; r++) {
        if (r == b->broker_id || !broker_set_has(p->isr, r)) continue;
        if (!follower_caught_up(b, p, r)) keep = broker_set_del(keep, r);
    }
    if (keep != p->isr) leader_alter_send(b, partition, keep);
}

static void leader_on_alter_response(broker *b, const proto_msg *m) {
    if (m->partition >= b->partition_count) return;
    broker_partition *p = &b->partitions[m->partition];
    if (!p->alter_pending || m->correlation_id != p->alter_correlation) return;
    const proto_partition_state *s = &m->u.partition_state;
    if (s->error == ERR_FENCED_LEADER_EPOCH || s->error == ERR_INVALID_UPDATE_VERSION) {
        /* Partition.handleAlterPartitionError: this broker's view is stale (a zombie leader
         * the controller has moved on from, or an ISR version it has replaced). The change
         * stays pending, so no other ISR change is proposed, until newer metadata arrives
         * (the heartbeat's metadata offset brings it, KIP-631). */
        p->alter_rejected = true;
        return;
    }
    p->alter_pending = false;
    if (s->error != ERR_NONE) return; /* INELIGIBLE_REPLICA etc.: back to the committed ISR */
    if (s->metadata_offset > b->metadata_offset) b->metadata_offset = s->metadata_offset;
    if (s->leader_epoch != p->leader_epoch || s->partition_epoch <= p->partition_epoch) return;
    partition_dirty(b, p);
    partition_isr_set(p, s->isr);
    p->partition_epoch = s->partition_epoch;
    leader_maybe_advance_hw(b, m->partition);
}

/* ---- Follower (AbstractFetcherThread) ---------------------------------------------------- */

static void follower_fetch_later(broker *b, int partition, int64_t delay_ns) {
    broker_partition *p = &b->partitions[partition];
    p->fetch_in_flight = false;
    sim_timer_arm(b->env.world, &p->fetch_timer, now_ns(b) + delay_ns, b->kind,
                  timer_arg(BROKER_T_FETCH, partition, 0));
}

static void follower_fetch_send(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    if (!p->state_known || p->leader < 0 || is_leader(b, p) || !p->hosted) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FETCH;
    m.to = node_broker(p->leader);
    m.partition = (uint16_t)partition;
    m.correlation_id = ++b->correlation_next;
    m.u.fetch.fetch_offset = p->log.log_end_offset;
    m.u.fetch.max_wait_ns = b->env.config->replica_fetch_wait_max_ns;
    m.u.fetch.last_fetched_epoch = log_epoch_latest(&p->log);
    m.u.fetch.current_leader_epoch = p->leader_epoch;
    m.u.fetch.replica_id = (int16_t)b->broker_id;
    p->fetch_in_flight = true;
    p->fetch_correlation = m.correlation_id;
    p->fetch_leader = p->leader;
    /* The fetcher's request timeout is the broker's request.timeout.ms (ReplicaFetcherThread's
     * NetworkClient via BrokerBlockingSender); replica.socket.timeout.ms bounds connecting. */
    sim_timer_arm(b->env.world, &p->fetch_timer,
                  now_ns(b) + proto_request_timeout_ns(b->env.config->broker_request_timeout_ns),
                  b->kind,
                  timer_arg(BROKER_T_FETCH, partition, 0));
    send_msg(b, &m);
}

/* getOffsetTruncationState: truncate to min(leader's end for the epoch, own end for it), or
 * to own end of the largest epoch below when this replica does not know the epoch (another
 * round of divergence follows), or to the leader's end when no epoch is in common. */
static int64_t follower_truncation_offset(const broker_partition *p, int32_t epoch,
                                          int64_t leader_end) {
    int32_t own_epoch;
    int64_t own_end;
    log_epoch_end_offset(&p->log, epoch, &own_epoch, &own_end);
    if (own_epoch == LOG_NO_EPOCH) own_end = p->log.log_end_offset; /* no epoch in common */
    else if (own_epoch != epoch) return own_end;
    return leader_end < own_end ? leader_end : own_end;
}

static void follower_append(broker *b, int partition, const proto_fetch_response *f) {
    broker_partition *p = &b->partitions[partition];
    uint16_t appended = 0;
    for (uint16_t i = 0; i < f->batch_count; i++) {
        const proto_batch *batch = &f->batches[i];
        if (batch->base_offset < p->log.log_end_offset) continue; /* already held */
        if (batch->base_offset > p->log.log_end_offset) break;    /* a gap: refetch */
        if (!replica_append(b, partition, batch, false)) return;
        appended++;
    }
    /* The follower's HW: min(leader HW, own LEO), one fetch round trip late. */
    int64_t hw = f->high_watermark < p->log.log_end_offset ? f->high_watermark
                                                           : p->log.log_end_offset;
    if (hw > p->log.high_watermark) replica_set_hw(b, p, hw);
    if (appended) step(b, partition, STEP_FOLLOWER_FETCH);
}

static void follower_on_fetch_response(broker *b, const proto_msg *m) {
    if (m->partition >= b->partition_count) return;
    int partition = m->partition;
    broker_partition *p = &b->partitions[partition];
    if (!p->fetch_in_flight || m->correlation_id != p->fetch_correlation) return;
    p->fetch_in_flight = false;
    sim_timer_cancel(&p->fetch_timer);
    const proto_fetch_response *f = &m->u.fetch_response;
    if (f->error == ERR_OFFSET_OUT_OF_RANGE) {
        /* fetchOffsetAndTruncate: when the leader's log ends below ours, truncate to its end.
         * Otherwise the logs diverged in a way Kafka leaves alone ("We are not solving it
         * here", after an unclean election): keep the log and retry after the backoff. */
        if (f->diverging_end_offset >= 0 && f->diverging_end_offset < p->log.log_end_offset) {
            replica_truncate(b, partition, f->diverging_end_offset);
            follower_fetch_send(b, partition);
        } else {
            follower_fetch_later(b, partition, b->env.config->replica_fetch_backoff_ns);
        }
        return;
    }
    if (f->error != ERR_NONE) {
        follower_fetch_later(b, partition, b->env.config->replica_fetch_backoff_ns);
        return;
    }
    if (f->diverging_end_offset >= 0) { /* divergingEpoch is set */
        replica_truncate(b, partition,
                         follower_truncation_offset(p, f->diverging_epoch,
                                                    f->diverging_end_offset));
        follower_fetch_send(b, partition);
        return;
    }
    follower_append(b, partition, f);
    if (b->alive) follower_fetch_send(b, partition);
}

static void follower_on_disconnect(broker *b, node_id peer) {
    for (int i = 0; i < b->partition_count; i++) {
        broker_partition *p = &b->partitions[i];
        if (p->fetch_in_flight && node_broker(p->fetch_leader) == peer)
            follower_fetch_later(b, i, b->env.config->replica_fetch_backoff_ns);
    }
}

/* ---- Partition state (Partition.makeLeader / makeFollower) -------------------------------- */

static void broker_become_leader(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    int64_t t = now_ns(b);
    p->leader_epoch_start_offset = p->log.log_end_offset;
    /* maybeAssignEpochStartOffset: the epoch starts at the LEO before any append in it, so
     * followers of older epochs learn where theirs ended (KIP-101). */
    if (log_epoch_assign(&p->log, p->leader_epoch, p->log.log_end_offset) != 0) {
        out_of_memory(b);
        return;
    }
    /* resetReplicaState: LEOs unknown; ISR members count as caught up now. */
    for (int r = 0; r <= PROTO_BROKERS_MAX; r++) {
        broker_follower *f = &p->followers[r];
        f->log_end_offset = -1;
        f->last_caught_up_ns = broker_set_has(p->isr, r) ? t : BROKER_NEVER_NS;
        f->last_fetch_leader_leo = -1;
        f->last_fetch_ns = 0;
    }
    p->isr_left = 0;
    p->alter_pending = false;
    p->fetch_in_flight = false;
    sim_timer_cancel(&p->fetch_timer);
    p->lso_recorded = -1;
    leader_maybe_advance_hw(b, partition); /* an ISR of one commits at once */
    if (p->pstate.transactional) partition_txn_on_hw(b, p); /* the new leader's LSO */
    if (b->txn) txn_coord_on_elected(b->txn, partition); /* TransactionCoordinator.onElection */
    if (b->group) group_coord_on_elected(b->group, partition); /* GroupCoordinator.onElection */
}

static void broker_become_follower(broker *b, int partition) {
    broker_partition *p = &b->partitions[partition];
    p->alter_pending = false;
    /* Parked produces fail with NOT_LEADER_OR_FOLLOWER, parked fetches with the same. */
    leader_complete_parked(b, partition, false);
    if (b->txn) txn_coord_on_resigned(b->txn, partition); /* onResignation */
    if (b->group) group_coord_on_resigned(b->group, partition); /* onResignation */
    p->fetch_in_flight = false;
    sim_timer_cancel(&p->fetch_timer);
    follower_fetch_send(b, partition); /* truncation comes with the first response */
}

static void broker_on_partition_state(broker *b, const proto_msg *m) {
    if (m->partition >= b->partition_count || !b->registered) return;
    int partition = m->partition;
    broker_partition *p = &b->partitions[partition];
    const proto_partition_state *s = &m->u.partition_state;
    /* The metadata log is applied in order: a state older than the one held is history. The
     * broker registrations come with it (fenced, in controlled shutdown: KIP-841). */
    if (s->metadata_offset >= b->metadata_offset) {
        b->metadata_offset = s->metadata_offset;
        if (b->ineligible != s->ineligible) {
            b->ineligible = s->ineligible;
            for (int i = 0; i < b->partition_count; i++) leader_maybe_advance_hw(b, i);
        }
    }
    if (p->state_known) {
        if (s->leader_epoch < p->leader_epoch) return;
        if (s->leader_epoch == p->leader_epoch && s->partition_epoch <= p->partition_epoch)
            return;
    }
    bool leader_changed = !p->state_known || s->leader_epoch != p->leader_epoch;
    partition_dirty(b, p);
    p->state_known = true;
    p->leader = s->leader;
    p->leader_epoch = s->leader_epoch;
    p->partition_epoch = s->partition_epoch;
    partition_isr_set(p, s->isr);
    p->replicas = s->replicas;
    if (!p->hosted) return; /* metadata only: answers Metadata requests for the partition */
    if (!leader_changed) {
        p->alter_pending = false; /* a newer partition epoch settles any pending change */
        leader_maybe_advance_hw(b, partition);
        return;
    }
    if (s->leader == b->broker_id) broker_become_leader(b, partition);
    else broker_become_follower(b, partition);
}

/* ---- Other requests ---------------------------------------------------------------------- */

/* The metadata image's entry for partition g: its leader and leader epoch, -1 unknown. */
static proto_metadata_partition broker_metadata_entry(const broker *b, int g) {
    proto_metadata_partition e = {.leader_epoch = -1, .leader = -1, .error = ERR_NONE};
    if (g < b->partition_count && b->partitions[g].state_known) {
        e.leader = (int16_t)b->partitions[g].leader;
        e.leader_epoch = b->partitions[g].leader_epoch;
    }
    return e;
}

/* KafkaApis.handleTopicMetadataRequest: every partition asked, from the metadata image. */
static void broker_on_metadata(broker *b, node_id client) {
    const proto_msg *m = &b->conns[client].current;
    int first = m->partition;
    int count = m->u.metadata.partition_count ? m->u.metadata.partition_count : 1;
    if (count > PROTO_METADATA_PARTITIONS_MAX) count = PROTO_METADATA_PARTITIONS_MAX;
    proto_metadata_partition more[PROTO_METADATA_PARTITIONS_MAX - 1]; /* borrowed by net_send */
    for (int k = 1; k < count; k++) more[k - 1] = broker_metadata_entry(b, first + k);
    proto_metadata_partition e = broker_metadata_entry(b, first);
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.api = API_METADATA;
    r.is_response = 1;
    r.u.metadata_response.leader = e.leader;
    r.u.metadata_response.leader_epoch = e.leader_epoch;
    r.u.metadata_response.partition_count = (uint16_t)count;
    if (count > 1) r.u.metadata_response.more = more;
    conn_respond(b, client, &r);
}

/* InitProducerId for an idempotent producer. KIP-360 (2.5+): given its current id and epoch,
 * the producer keeps its id with the epoch bumped; otherwise (or when the epoch would
 * overflow) it gets a new id with epoch 0. */
static void broker_on_init_producer_id(broker *b, node_id client) {
    const proto_init_producer_id_request *req = &b->conns[client].current.u.init_pid;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_init_producer_id_response *resp = &r.u.init_pid_response;
    if (b->env.config->kafka_version >= 20500 && req->producer_id >= 0 &&
        req->producer_epoch >= 0 && req->producer_epoch < INT16_MAX - 1) {
        resp->producer_id = req->producer_id;
        resp->producer_epoch = (int16_t)(req->producer_epoch + 1);
    } else {
        resp->producer_id = (int64_t)b->broker_id * BROKER_PRODUCER_ID_BLOCK;
        resp->producer_id += b->producer_id_next++;
        resp->producer_epoch = 0;
    }
    conn_respond(b, client, &r);
}

static void broker_heartbeat_send(broker *b) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_BROKER_HEARTBEAT;
    m.to = NODE_CONTROLLER;
    m.correlation_id = ++b->correlation_next;
    m.u.heartbeat.broker_epoch = b->broker_epoch;
    m.u.heartbeat.broker_id = (int16_t)b->broker_id;
    m.u.heartbeat.metadata_offset = b->metadata_offset;
    m.u.heartbeat.shutdown = b->stopping; /* wantShutDown */
    send_msg(b, &m);
}

/* A heartbeat goes now and the next one is due a heartbeat interval later. */
static void broker_heartbeat_now(broker *b) {
    broker_heartbeat_send(b);
    sim_timer_arm(b->env.world, &b->heartbeat_timer,
                  now_ns(b) + b->env.config->broker_heartbeat_interval_ns, b->kind,
                  timer_arg(BROKER_T_HEARTBEAT, 0, 0));
}

static void broker_close(broker *b);

/* BrokerLifecycleManager.handleBrokerHeartbeatResponse (3.9, PENDING_CONTROLLED_SHUTDOWN): an
 * answer naming this incarnation means it is registered; in controlled shutdown,
 * shouldShutDown lets it stop; only the first answer without it (!gotControlledShutdownResponse)
 * brings the next heartbeat forward to 50 ms, later ones keep the heartbeat interval
 * (scheduleNextCommunicationAfterSuccess). */
static void broker_on_heartbeat_response(broker *b, const proto_msg *m) {
    const proto_heartbeat *hb = &m->u.heartbeat;
    if (hb->broker_epoch != b->broker_epoch) return; /* the registration was refused */
    b->registered = true;
    if (!b->stopping) return;
    if (hb->shutdown) {
        broker_close(b);
        return;
    }
    bool first = !b->got_shutdown_response;
    b->got_shutdown_response = true;
    if (!first) return;
    int64_t next = now_ns(b) + BROKER_SHUTDOWN_HEARTBEAT_NS;
    if (sim_timer_armed(&b->heartbeat_timer) && b->heartbeat_timer.at_ns > next)
        sim_timer_arm(b->env.world, &b->heartbeat_timer, next, b->kind,
                      timer_arg(BROKER_T_HEARTBEAT, 0, 0));
}

static void broker_dispatch(broker *b, const proto_msg *m) {
    if (m->api == API_PARTITION_STATE && !m->is_response) {
        broker_on_partition_state(b, m);
    } else if (m->api == API_DISCONNECT) {
        follower_on_disconnect(b, m->from);
        if (b->txn) txn_coord_on_disconnect(b->txn, m->from);
        verify_on_disconnect(b, m->from);
    } else if (m->is_response) {
        if (m->api == API_FETCH) follower_on_fetch_response(b, m);
        else if (m->api == API_WRITE_TXN_MARKERS && b->txn)
            txn_coord_on_markers_response(b->txn, m);
        else if (m->api == API_ADD_PARTITIONS_TO_TXN) verify_on_response(b, m);
        else if (m->api == API_ALTER_PARTITION) leader_on_alter_response(b, m);
        else if (m->api == API_BROKER_HEARTBEAT) broker_on_heartbeat_response(b, m);
    } else {
        conn_on_request(b, m);
    }
}

/* ---- Timers ------------------------------------------------------------------------------ */

/* The isr-expiration task's period: replica.lag.time.max.ms / 2 in whole ms
 * (ReplicaManager.startup). KafkaScheduler.schedule runs a task with a period of 0 once, at
 * startup, when the broker leads no partition yet, and never again: with
 * replica.lag.time.max.ms below 2 ms the ISR never shrinks. Returns 0 then. */
static int64_t broker_isr_check_period_ns(const config *c) {
    return c->replica_lag_time_max_ns / SIM_MS / 2 * SIM_MS;
}

static void broker_timers_arm(broker *b) {
    int64_t t = now_ns(b);
    const config *c = b->env.config;
    broker_heartbeat_now(b); /* the first heartbeat registers the incarnation */
    int64_t isr_period = broker_isr_check_period_ns(c);
    if (isr_period > 0)
        sim_timer_arm(b->env.world, &b->isr_timer, t + isr_period, b->kind,
                      timer_arg(BROKER_T_ISR_CHECK, 0, 0));
    sim_timer_arm(b->env.world, &b->expire_timer, t + BROKER_PID_EXPIRATION_CHECK_INTERVAL_NS,
                  b->kind, timer_arg(BROKER_T_EXPIRE, 0, 0));
    if (b->txn) txn_coord_start(b->txn);
    if (b->group) group_coord_start(b->group);
}

static void broker_pause_end(broker *b) {
    b->paused_until_ns = 0;
    size_t count = b->deferred_count;
    for (size_t i = 0; i < count && b->alive; i++) {
        broker_deferred d = b->deferred[i];
        if (d.is_msg) {
            /* The batches are copied out once more, so that nothing the dispatch does can
             * move them while they are read. */
            proto_batch batches[PROTO_FETCH_BATCHES_MAX];
            size_t carried = proto_msg_batch_count(&d.msg);
            if (d.msg.api >= API_FIND_COORDINATOR)
                carried = (proto_msg_outline_bytes(&d.msg) + sizeof(proto_batch) - 1) /
                          sizeof(proto_batch);
            if (carried) {
                memcpy(batches, b->deferred_batches + d.batches_at, carried * sizeof *batches);
                proto_msg_outline_set(&d.msg, batches);
            }
            broker_dispatch(b, &d.msg);
        } else {
            /* A timer re-armed since it fired has been superseded. */
            int type = timer_arg_type(d.arg);
            sim_timer *t = type == BROKER_T_FETCH || type == BROKER_T_CONN ||
                                   type == BROKER_T_MARKERS
                               ? broker_timer_of(b, d.arg) : NULL;
            if (t && sim_timer_armed(t)) continue;
            broker_timer_run(b, d.arg);
        }
    }
    b->deferred_count = 0;
    b->deferred_batch_count = 0;
}

static void broker_on_conn_timeout(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    if (!c->busy) return;
    if (c->parked == BROKER_PARKED_PRODUCE && produce_is_multi(c)) {
        produce_expire_parts(b, client);
    } else if (c->parked == BROKER_PARKED_MARKERS) {
        markers_expire(b, client);
    } else if (c->parked == BROKER_PARKED_VERIFY) {
        if (b->verify[client].retry_wait) verify_retry(b, client); /* its backoff is over */
        else verify_done(b, client, ERR_NETWORK_EXCEPTION, NULL); /* wasTimedOut; it drains */
        return;
    } else if (c->parked == BROKER_PARKED_PRODUCE) {
        produce_respond(b, client, ERR_REQUEST_TIMED_OUT, -1); /* DelayedProduce expired */
    } else {
        return;
    }
    conn_drain(b, client);
}

/* A follower's parked fetch reached replica.fetch.wait.max.ms: answered with what there is. */
static void leader_on_fetch_wait(broker *b, int partition, int follower) {
    broker_partition *p = &b->partitions[partition];
    if (!p->followers[follower].fetch_parked) return;
    proto_msg req = p->parked_fetches[follower].request; /* the answer clears the slot */
    leader_on_fetch(b, &req, true);
}

static void broker_timer_run(broker *b, uint64_t arg) {
    int type = timer_arg_type(arg);
    int partition = timer_arg_partition(arg);
    const config *c = b->env.config;
    switch (type) {
    case BROKER_T_HEARTBEAT:
        if (b->stopping && now_ns(b) >= b->stop_deadline_ns) {
            broker_close(b); /* no grant in time: it shuts down anyway */
            break;
        }
        broker_heartbeat_now(b);
        break;
    case BROKER_T_ISR_CHECK:
        for (int i = 0; i < b->partition_count; i++) leader_maybe_shrink_isr(b, i);
        sim_timer_arm(b->env.world, &b->isr_timer, now_ns(b) + broker_isr_check_period_ns(c),
                      b->kind, arg);
        break;
    case BROKER_T_EXPIRE:
        for (int i = 0; i < b->partition_count; i++)
            pstate_expire(&b->partitions[i].pstate, now_ns(b), c->producer_id_expiration_ns);
        partitions_dirty_all(b);
        sim_timer_arm(b->env.world, &b->expire_timer,
                      now_ns(b) + BROKER_PID_EXPIRATION_CHECK_INTERVAL_NS, b->kind, arg);
        break;
    case BROKER_T_PAUSE_END: broker_pause_end(b); break;
    case BROKER_T_FETCH:
        if (b->partitions[partition].fetch_in_flight) {
            /* No answer within the broker's request.timeout.ms: close and back off. Every
             * fetch in flight on that connection fails with it (NetworkClient
             * .processTimeoutDisconnection: the node's in-flight requests complete as
             * disconnected), not only this partition's: their answers would vanish, and each
             * would wait out its own timeout and close the connection again. */
            node_id leader = node_broker(b->partitions[partition].fetch_leader);
            net_close(b->env.net, b->node, leader, true);
            follower_on_disconnect(b, leader);
        } else {
            follower_fetch_send(b, partition);
        }
        break;
    case BROKER_T_CONN:
        if (node_is_broker((node_id)timer_arg_node(arg)))
            leader_on_fetch_wait(b, partition, timer_arg_node(arg));
        else broker_on_conn_timeout(b, (node_id)timer_arg_node(arg));
        break;
    case BROKER_T_MARKERS: broker_on_conn_timeout(b, (node_id)timer_arg_node(arg)); break;
    case BROKER_T_CONSUMER_FETCH:
        consumer_on_fetch_wait(b, timer_arg_partition(arg), (node_id)timer_arg_node(arg));
        break;
    default: break;
    }
}

/* ---- Lifecycle --------------------------------------------------------------------------- */

int broker_init(broker *b, const broker_env *env, int broker_id, int partition_count,
                const int *replicas, const int *replica_counts) {
    memset(b, 0, sizeof *b);
    SIM_ASSERT(env->world, broker_id >= 1 && broker_id <= PROTO_BROKERS_MAX);
    SIM_ASSERT(env->world, partition_count >= 1 && partition_count <= TOPIC_PARTITIONS_MAX);
    b->env = *env;
    b->broker_id = broker_id;
    b->node = node_broker(broker_id);
    b->partitions = calloc((size_t)partition_count, sizeof *b->partitions);
    b->dirty = malloc((size_t)partition_count * sizeof *b->dirty);
    if (!b->partitions || !b->dirty) {
        free(b->partitions);
        free(b->dirty);
        return -1;
    }
    b->partition_count = partition_count;
    const config *c = env->config;
    log_options lo = {c->log_flush_interval_messages, c->log_segment_bytes, c->record_bytes,
                      c->os_dirty_writeback_cs * 10 * SIM_MS, c->os_dirty_expire_cs * 10 * SIM_MS};
    for (int i = 0, at = 0; i < b->partition_count; at += replica_counts[i++]) {
        broker_partition *p = &b->partitions[i];
        SIM_ASSERT(env->world, replica_counts[i] >= 1 && replica_counts[i] <= PROTO_BROKERS_MAX);
        if (log_init(&p->log, &lo) != 0) goto fail;
        if (pstate_init(&p->pstate, c->kafka_version) != 0) goto fail;
        p->pstate.txn_v2 = c->transaction_version >= 2;
        p->leader = -1;
        p->fetch_leader = -1;
        p->committed_truncated = -1;
        p->lso_recorded = -1;
        p->replica_count = replica_counts[i];
        for (int r = 0; r < p->replica_count; r++) {
            p->replica_order[r] = replicas[at + r];
            p->replicas = broker_set_add(p->replicas, replicas[at + r]);
            if (replicas[at + r] == broker_id) p->hosted = true;
        }
    }
    b->kind = sim_handler_add(env->world, on_timer, b, "broker.timer");
    if (config_transactional(c)) {
        if (!env->txn_records) goto fail;
        b->txn = txn_coord_new(b);
        if (!b->txn) goto fail;
    }
    if (config_consumers(c)) {
        if (!env->group_records) goto fail;
        b->group = group_coord_new(b);
        if (!b->group) goto fail;
    }
    net_listen(env->net, b->node, on_message, b);
    return 0;
fail:
    broker_fini(b);
    return -1;
}

void broker_fini(broker *b) {
    for (int i = 0; b->partitions && i < b->partition_count; i++) {
        log_fini(&b->partitions[i].log);
        pstate_fini(&b->partitions[i].pstate);
    }
    free(b->partitions);
    free(b->dirty);
    for (int n = 0; b->marker_parts && n < NODES_MAX; n++) free(b->marker_parts[n]);
    free(b->marker_parts);
    free(b->verify);
    free(b->consumer_fetches);
    for (int n = 0; n < NODES_MAX; n++) {
        free(b->conns[n].queue);
        free(b->conns[n].queue_more);
        free(b->conns[n].current_more);
        free(b->conns[n].parts);
    }
    free(b->deferred);
    free(b->deferred_batches);
    txn_coord_free(b->txn);
    group_coord_free(b->group);
    memset(b, 0, sizeof *b);
}

void broker_start(broker *b) {
    SIM_ASSERT(b->env.world, !b->started);
    b->started = true;
    b->alive = true;
    b->registered = true; /* the run begins with every broker registered (controller_start) */
    b->broker_epoch = 1;
    broker_timers_arm(b);
}

/* Forgets everything a process keeps in memory. */
static void broker_forget(broker *b) {
    partitions_dirty_all(b);
    sim_timer_cancel(&b->heartbeat_timer);
    sim_timer_cancel(&b->isr_timer);
    sim_timer_cancel(&b->expire_timer);
    sim_timer_cancel(&b->pause_timer);
    b->paused_until_ns = 0;
    b->registered = false;
    b->stopping = false;
    b->got_shutdown_response = false;
    b->deferred_count = 0;
    b->deferred_batch_count = 0;
    b->metadata_offset = 0; /* the partition state below is forgotten with it */
    b->ineligible = 0;
    for (int n = 0; n < NODES_MAX; n++) conn_reset(&b->conns[n], b->conns[n].gen);
    b->parked_mask = 0;
    if (b->verify) memset(b->verify, 0, NODES_MAX * sizeof *b->verify);
    for (int r = 1; r <= PROTO_BROKERS_MAX; r++) leader_fetches_forget(b, r);
    consumer_fetches_forget(b, NODE_NONE);
    if (b->txn) txn_coord_forget(b->txn);
    if (b->group) group_coord_forget(b->group);
    for (int i = 0; i < b->partition_count; i++) {
        broker_partition *p = &b->partitions[i];
        p->state_known = false;
        p->leader = -1;
        p->alter_pending = false;
        p->fetch_in_flight = false;
        sim_timer_cancel(&p->fetch_timer);
        pstate_clear(&p->pstate);
    }
}

/* The machine loses power: what was neither fsynced nor written back by the OS is gone
 * (kafka-semantics.md 2.8: log.flush.interval.messages is never by default; log_durable_offset),
 * whether the process was running or had already died, since a dead process's unwritten pages
 * still sat in the page cache. */
static void broker_drop_unflushed(broker *b) {
    partitions_dirty_all(b);
    for (int i = 0; i < b->partition_count; i++) {
        broker_partition *p = &b->partitions[i];
        p->power_lost = true;
        uint64_t removed = log_power_loss(&p->log, now_ns(b));
        if (removed)
            history_partition_truncate(b->env.history, now_ns(b), i, b->node,
                                       p->log.log_end_offset, (uint32_t)removed);
    }
}

void broker_crash(broker *b, bool powerloss) {
    SIM_ASSERT(b->env.world, b->alive);
    b->alive = false;
    broker_forget(b);
    /* network.h: a dead process's kernel still sends RSTs; a machine without power does not. */
    if (powerloss) net_power_off(b->env.net, b->node);
    else net_set_down(b->env.net, b->node, true);
    if (powerloss) broker_drop_unflushed(b); /* a process crash keeps the page cache */
}

void broker_power_fail(broker *b) {
    if (b->alive) broker_crash(b, true);
    else broker_drop_unflushed(b);
}

void broker_restart(broker *b) {
    SIM_ASSERT(b->env.world, b->started);
    SIM_ASSERT(b->env.world, !b->alive);
    b->alive = true;
    b->broker_epoch++;
    partitions_dirty_all(b);
    net_set_down(b->env.net, b->node, false);
    for (int i = 0; i < b->partition_count; i++) {
        broker_partition *p = &b->partitions[i];
        /* LogLoader: recovery found the log intact up to its end (no corruption is
         * modelled); the producer state is loaded from a snapshot at the log end, one batch
         * per producer id (kafka-semantics.md 1.4, S12). */
        if (pstate_recover(&p->pstate, &p->log, now_ns(b),
                           b->env.config->producer_id_expiration_ns) != 0) {
            out_of_memory(b);
            return;
        }
        pstate_on_high_watermark(&p->pstate, p->log.high_watermark); /* the checkpointed HW */
    }
    broker_timers_arm(b);
}

void broker_stop(broker *b) {
    SIM_ASSERT(b->env.world, b->alive);
    if (b->stopping) return;
    b->stopping = true;
    b->got_shutdown_response = false;
    b->stop_deadline_ns = now_ns(b) + BROKER_SHUTDOWN_TIMEOUT_NS;
    if (b->paused_until_ns > now_ns(b)) return; /* the next heartbeat, after the pause, asks */
    /* scheduleNextCommunicationImmediately: the heartbeat asking to shut down goes now. */
    broker_heartbeat_now(b);
}

/* LogManager.shutdown: every log is flushed (log.flush(true)) and closed (UnifiedLog.close
 * takes a producer state snapshot at the log end), then the process stops as a crash without
 * power loss does (the page cache is flushed already). */
static void broker_close(broker *b) {
    for (int i = 0; i < b->partition_count; i++) {
        broker_partition *p = &b->partitions[i];
        if (!p->hosted) continue;
        log_flush(&p->log);
        if (pstate_snapshot_take(&p->pstate, p->log.log_end_offset) != 0) {
            out_of_memory(b);
            return;
        }
    }
    history_stop(b->env.history, now_ns(b), b->node);
    broker_crash(b, false);
}

void broker_stop_now(broker *b) {
    SIM_ASSERT(b->env.world, b->alive && b->stopping);
    broker_close(b);
}

void broker_pause(broker *b, int64_t until_ns) {
    if (!b->alive || until_ns <= now_ns(b) || until_ns <= b->paused_until_ns) return;
    b->paused_until_ns = until_ns;
    sim_timer_arm(b->env.world, &b->pause_timer, until_ns, b->kind,
                  timer_arg(BROKER_T_PAUSE_END, 0, 0));
}

/* ---- For the transaction coordinator ------------------------------------------------------ */

int16_t broker_coordinator_append(broker *b, int g, const proto_batch *in, int64_t *required_offset) {
    broker_partition *p = &b->partitions[g];
    if (!is_leader(b, p)) return ERR_NOT_LEADER_OR_FOLLOWER;
    if (broker_set_count(p->isr) < effective_min_isr(b, p)) return ERR_NOT_ENOUGH_REPLICAS;
    proto_batch batch = *in;
    batch.base_offset = p->log.log_end_offset;
    batch.partition_leader_epoch = p->leader_epoch;
    if (!replica_append(b, g, &batch, true)) return ERR_NOT_LEADER_OR_FOLLOWER; /* no memory */
    *required_offset = proto_batch_last_offset(&batch) + 1;
    return ERR_NONE;
}

void broker_coordinator_append_settle(broker *b, int g) {
    leader_complete_parked(b, g, true); /* waiting fetches */
    leader_maybe_advance_hw(b, g);
}

int16_t broker_coordinator_append_done(const broker *b, int g, int64_t required_offset) {
    const broker_partition *p = &b->partitions[g];
    if (!is_leader(b, p)) return ERR_NOT_LEADER_OR_FOLLOWER;
    if (p->log.high_watermark < required_offset) return -1;
    if (effective_min_isr(b, p) > broker_set_count(maximal_isr(p)))
        return ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    return ERR_NONE;
}

void broker_coordinator_respond(broker *b, node_id client, uint32_t gen, uint32_t correlation,
                                proto_msg *resp) {
    broker_conn *c = &b->conns[client];
    if (!b->alive || !c->busy || c->gen != gen || c->current.correlation_id != correlation) return;
    conn_respond(b, client, resp);
    conn_drain(b, client);
}

void broker_coordinator_release(broker *b, node_id client) {
    broker_conn *c = &b->conns[client];
    if (!b->alive || !c->busy) return;
    conn_finish_silent(b, client);
    conn_drain(b, client);
}

void broker_coordinator_answer(broker *b, node_id client, uint32_t gen, uint32_t correlation,
                               proto_msg *resp) {
    if (!b->alive || b->env.net->conn_gen[client][b->node] != gen) return;
    resp->is_response = 1;
    resp->to = client;
    resp->correlation_id = correlation;
    resp->conn_gen = gen;
    send_msg(b, resp);
}

void broker_coordinator_send(broker *b, proto_msg *m) { send_msg(b, m); }

int64_t broker_new_producer_id(broker *b) {
    return (int64_t)b->broker_id * BROKER_PRODUCER_ID_BLOCK + b->producer_id_next++;
}

/* ---- Accessors and checks ---------------------------------------------------------------- */

const proto_batch *broker_log(const broker *b, int partition, size_t *count) {
    if (partition < 0 || partition >= b->partition_count) {
        *count = 0;
        return NULL;
    }
    *count = b->partitions[partition].log.count;
    return b->partitions[partition].log.batches;
}

int64_t broker_high_watermark(const broker *b, int partition) {
    return b->partitions[partition].log.high_watermark;
}

int64_t broker_log_end_offset(const broker *b, int partition) {
    return b->partitions[partition].log.log_end_offset;
}

int64_t broker_last_stable_offset(const broker *b, int partition) {
    const broker_partition *p = &b->partitions[partition];
    return pstate_last_stable_offset(&p->pstate, p->log.high_watermark);
}

int broker_partition_leader(const broker *b, int partition) {
    const broker_partition *p = &b->partitions[partition];
    return p->state_known ? p->leader : -1;
}

/* The invariants of partition i: recent walks only the log's tail added since the last call
 * (log_check_recent), the full check every batch (log_check). */
static bool broker_check_partition(broker *b, int i, bool recent) {
    broker_partition *p = &b->partitions[i];
    const char *broken = recent ? log_check_recent(&p->log) : log_check(&p->log);
    if (!broken) broken = pstate_check(&p->pstate);
    if (!broken && b->alive && is_leader(b, p) && !broker_set_has(p->isr, b->broker_id))
        broken = "the leader is not in its ISR";
    for (int r = 0; !broken && r <= PROTO_BROKERS_MAX; r++) {
        if (p->followers[r].fetch_parked != ((p->fetch_parked_mask >> r) & 1))
            broken = "fetch_parked_mask disagrees with the parked fetches";
    }
    if (broken) {
        sim_fail(b->env.world, "broker-%d partition %d: %s", b->broker_id, i, broken);
        return false;
    }
    if (p->committed_truncated >= 0) {
        sim_fail(b->env.world, "broker-%d partition %d: truncated committed records at offset %lld",
                 b->broker_id, i, (long long)p->committed_truncated);
        return false;
    }
    return true;
}

bool broker_check(broker *b) {
    for (int i = 0; i < b->partition_count; i++)
        if (!broker_check_partition(b, i, false)) return false;
    return true;
}

/* Walks the partitions noted dirty since the last call (every change to a partition's log,
 * producer state, ISR or leadership notes it; a crash, restart, power loss or expiration run
 * notes them all). */
bool broker_check_recent(broker *b) {
    int count = b->dirty_count;
    b->dirty_count = 0;
    for (int k = 0; k < count; k++) {
        broker_partition *p = &b->partitions[b->dirty[k]];
        p->dirty = false;
        if (!broker_check_partition(b, b->dirty[k], true)) return false;
    }
    return true;
}
