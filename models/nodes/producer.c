/*
 * producer.c: the Java producer client and its application (kafka-semantics.md section 3).
 *
 * Follows clients/src/main/java/org/apache/kafka/clients/producer/internals/
 * {RecordAccumulator, Sender, ProducerBatch, TransactionManager, TxnPartitionEntry}.java and
 * clients/.../{NetworkClient, InFlightRequests}.java:
 * - Accumulator: one deque per partition; records go into the open tail batch until it is full
 *   (batch.size over the record size with its framing, PRODUCER_*_OVERHEAD_BYTES); a partition
 *   is ready when its head batch is full, the deque holds more than one batch, or linger.ms has
 *   passed since creation, and a retried batch only after its backoff (RA.batchReady). A batch
 *   is sealed into the payload arena when it is full or first drained.
 * - Sender: at most one batch per partition per ProduceRequest; at most
 *   max.in.flight.requests.per.connection requests per broker connection; a request older than
 *   request.timeout.ms closes the whole connection and fails every request on it, oldest first,
 *   with REQUEST_TIMED_OUT (NetworkClient.handleTimedOutRequests); a process death seen as
 *   API_DISCONNECT fails them with NETWORK_EXCEPTION; both ask for a metadata refresh, as
 *   NOT_LEADER_OR_FOLLOWER does. delivery.timeout.ms counts from batch creation and expires
 *   queued and in-flight batches (Sender.getExpiredInflightBatches). Retry backoff is
 *   retry.backoff.ms, exponential x2 with 20% jitter up to retry.backoff.max.ms from 3.7
 *   (KIP-580); from 3.7 a retry skips the rest of its backoff once metadata names a new leader
 *   epoch (KIP-951, RA.shouldBackoff with ProducerBatch.hasLeaderChangedForTheOngoingRetry).
 * - Without idempotence a retried batch goes to the front of its deque (RA.reenqueue,
 *   addFirst), so batches failing together come back reversed; with max.in.flight 1 a drained
 *   partition is muted until its batch completes (guaranteeMessageOrder).
 * - Idempotence: InitProducerId gives (producer id, epoch 0); sequences are assigned at drain;
 *   retried batches go back in sequence order (insertInSequenceOrder) and only the lowest
 *   outstanding sequence may be drained while one is retried (shouldStopDrainBatchesForPartition);
 *   OUT_OF_ORDER_SEQUENCE_NUMBER is retried when the batch is not the next expected, and bumps
 *   the epoch (KIP-360, 2.5+) when it is, rewriting the partition's outstanding batches from
 *   sequence 0 (TxnPartitionEntry.startSequencesAtBeginning); a non-retriable failure with
 *   retries left bumps the same way (KAFKA-14034, section 5 S9); an expired batch in retry makes
 *   the partition unresolved from its last sequence + 1 (TM.markSequenceUnresolved) until an
 *   OUT_OF_ORDER_SEQUENCE_NUMBER for the batch starting there bumps, or its in-flight batches
 *   finish (TM.maybeResolveSequences). A late error for an expired batch goes through
 *   TM.handleFailedBatch up to 3.5 and is ignored from 3.6 (Sender.failBatch, KAFKA-14884).
 *   Before 2.5 the same situations reset the producer id (a new InitProducerId, KIP-360
 *   motivation) and fail the batch to the application.
 *
 * Invariants (producer_check walks them all; producer_check_recent, after every event, checks
 * the deque ends and amortises the full walk): deque links agree both ways; every queued batch
 * is QUEUED and every QUEUED batch is in its deque; outstanding sequences are increasing;
 * in-flight requests per connection stay within max.in.flight + 2 (Metadata and InitProducerId
 * may pass the limit); records held in batches equal the application's pending count; a
 * partition unresolved or asking for an epoch bump has sequences_flagged set; the expiry
 * FIFO's head is a live batch and its timer is armed for it.
 *
 * - Several partitions (txn-consumer-semantics.md 1.1-1.3): records are routed by key (murmur2)
 *   or by the version's null-key partitioner (partitioner.h); metadata lists every partition;
 *   the sender finds the ready nodes (RA.ready), then drains each ready node's partitions
 *   round robin from its drain index into one ProduceRequest, at most one batch per partition
 *   (RA.drainBatchesForOneNode), while its connection can take a request; every non-empty
 *   partition of a ready node is drained, ready itself or not, as Kafka's drain does. One
 *   partition keeps the original one-batch-per-request sender path (the same requests, as
 *   Kafka's drain of one partition makes). Sequences and the epoch bump are per partition;
 *   before KAFKA-12152 (2.7.1) a partition idle at a bump kept its old sequence under the new
 *   epoch (see producer_has_kafka_12152_fix).
 *
 * - Transactions (a producer with a transactional.id, transaction version 1; txn_manager.h):
 *   the application runs initTransactions, then per transaction beginTransaction, sends
 *   workload.transaction.records records and commits (or aborts, workload.transaction.abort.
 *   ratio); a batch is transactional and its partition is sent to only once AddPartitionsToTxn
 *   added it; no Produce goes out while a transactional request is in flight; EndTxn waits for
 *   every batch; on an abortable error the application aborts and sends the same records again
 *   in a new transaction, on ProducerFenced or OutOfOrderSequence it closes (KafkaProducer's
 *   class javadoc); a restarted instance sends again what it never learned committed
 *   (workload.resend.on.failure). The application's transactional calls wait without end,
 *   recording a TimeoutException every max.block.ms (the javadoc's retry of the same call).
 *
 * - Driven mode (producer.h): the application is a consume-transform-produce instance
 *   (pipeline.c), which sends given ids to given partitions (KafkaProducer.send with a
 *   ProducerRecord naming its partition: the partitioner is not asked), blocks in send while
 *   buffer.memory is full (BufferPool.allocate, up to max.block.ms: BufferExhaustedException to
 *   the callback), and flush()es (KafkaProducer.flush ->
 *   RecordAccumulator.beginFlush / awaitFlushCompletion: every batch ready at once, and the call
 *   returns once every record sent before it has completed). Its callbacks are the driver's; it
 *   never sends a record again by itself. Send does not wait for metadata (waitOnMetadata): a
 *   record for a partition whose leader is unknown waits in its batch instead.
 *
 * Left out: max.request.size (a request carries at most PROTO_PRODUCE_BATCHES_MAX batches),
 * MESSAGE_TOO_LARGE splitting, compression, max.block.ms on the workload producer's send (its
 * full buffer blocks the application until memory frees, without a timeout; the driven mode
 * above has the timeout). A failed connection is reopened only
 * reconnect.backoff.ms after it failed (ClusterConnectionStates.canConnect); Kafka backs off
 * exponentially from there up to reconnect.backoff.max.ms with 20% jitter (KIP-144,
 * ClusterConnectionStates.updateReconnectBackoff), the model waits a constant
 * reconnect.backoff.ms every time (reconnect.backoff.max.ms is accepted, not modelled). Metadata is refreshed on errors and, as Metadata.timeToNextUpdate has it, when the
 * last successful update is metadata.max.age.ms old.
 */
#include "producer.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* Event arguments: what (low 8 bits), the session (next 24), an index (high 32). */
enum producer_event {
    PRODUCER_EV_APP_TICK = 1, /* the application may send the next paced record */
    PRODUCER_EV_WAKEUP,       /* the sender polls: linger or backoff ended */
    PRODUCER_EV_CONN_TIMEOUT, /* index = broker: the oldest request may be past its timeout */
    PRODUCER_EV_EXPIRY,       /* index = batch: delivery.timeout.ms, put off by a pause */
    PRODUCER_EV_RESUME,       /* a pause ended */
    PRODUCER_EV_EXPIRY_HEAD,  /* the oldest batch of the expiry FIFO: delivery.timeout.ms */
    PRODUCER_EV_TXN_BLOCK,    /* max.block.ms of the application's transactional call */
    PRODUCER_EV_DRIVE,        /* driven mode: tell the application flush() or send() returned */
    PRODUCER_EV_DRIVE_BLOCK   /* driven mode: max.block.ms of a send waiting for memory */
};

static uint64_t producer_arg(const producer *p, enum producer_event what, uint32_t index) {
    return (uint64_t)what | ((uint64_t)(p->session & 0xffffffu) << 8) | ((uint64_t)index << 32);
}

/* The transactional paths: kept out of line and off the hot paths' code, so that a producer
 * without a transactional.id runs the code it ran before (the callgrind budget). */
#if defined(__GNUC__)
#define PRODUCER_COLD __attribute__((noinline, cold))
#else
#define PRODUCER_COLD
#endif

static void producer_on_event(void *ctx, sim_world *w, const sim_event *ev);
static void producer_on_message(void *ctx, const proto_msg *msg);
static void producer_poll(producer *p);
static PRODUCER_COLD void producer_txn_on_new_batch(producer *p, uint32_t i);
static PRODUCER_COLD bool producer_txn_run(producer *p);
static PRODUCER_COLD void producer_txn_app_pump(producer *p);
static PRODUCER_COLD void producer_txn_on_response(producer *p, const proto_msg *m);
static PRODUCER_COLD void producer_txn_failed_batch(producer *p, const producer_batch *b, int error);
static PRODUCER_COLD void producer_txn_on_block(producer *p);
static PRODUCER_COLD void producer_cold_app_pump(producer *p);
static PRODUCER_COLD void producer_drive_completed(producer *p, const proto_ids *ids,
                                                   int partition, int error, int64_t base_offset);
static PRODUCER_COLD void producer_drive_notify(producer *p);
static PRODUCER_COLD void producer_drive_block_expired(producer *p);
static PRODUCER_COLD void producer_drive_txn_returned(producer *p);
static PRODUCER_COLD void producer_drive_txn_block_expired(producer *p);

static int64_t producer_now(const producer *p) { return sim_now(p->world); }

/* The one-partition sender's helpers are shared with the sender over several partitions; kept
 * inlined where the one-partition path calls them, as they were when it was their only caller
 * (the callgrind budget measures that path). */
#if defined(__GNUC__)
#define PRODUCER_INLINE inline __attribute__((always_inline))
#else
#define PRODUCER_INLINE inline
#endif

static bool producer_idempotent(const producer *p) { return p->cfg->enable_idempotence; }

/* KIP-360 (client KAFKA-8805, broker KAFKA-8710) shipped in 2.5.0. */
static bool producer_has_kip360(const producer *p) { return p->cfg->kafka_version >= 20500; }

/* KAFKA-12152 (commit eb026fc, in 2.7.1 and 2.8.0): each partition keeps the (producer id,
 * epoch) its sequences belong to and adopts a bumped epoch, restarting at sequence 0, once its
 * in-flight batches are done (TM.maybeUpdateProducerIdAndEpoch at drain). Before it
 * (TransactionManager.java at 2.7.0), a partition restarted only when its last in-flight batch
 * of an older epoch completed successfully (handleCompletedBatch): one with nothing in flight at
 * a bump went on with its old sequence under the new epoch, which the broker refuses
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, "Invalid sequence number for new epoch"), which bumps again;
 * and a failed batch of an older epoch was ignored (handleFailedBatch). */
static bool producer_has_kafka_12152_fix(const producer *p) {
    return p->cfg->kafka_version >= 20701;
}

/* The batch's (producer id, epoch) is not the producer's current one
 * (TM.producerIdOrEpochNotMatch). */
static bool producer_batch_stale(const producer *p, const producer_batch *b) {
    return b->header.producer_id != p->producer_id ||
           b->header.producer_epoch != p->producer_epoch;
}

/* ---- Batch pool ------------------------------------------------------------------------- */

/* Slots are handed out as the released ones (last released first), then the untouched ones
 * in index order, which is the order a free list of every slot would give; only slots taken
 * are written, so a pool reserved for a run's batches costs the memory of those it holds.
 *
 * A large pool gives back the pages of a chunk of slots that has been free for a while: a run
 * that buffers its records up front (buffer.memory holds all of them) holds its batches at
 * the start and then drains them as the logs fill, and without this the peak memory was both
 * at once. "A while" is PRODUCER_POOL_CHUNK releases with no slot of the chunk taken, so a
 * pool whose few live batches come and go in one chunk never gives it back and faults it in
 * again; a small pool (a run whose pages would be faulted in again by the next run of a
 * sweep) keeps its pages. A released slot's contents are dead: a taken slot is cleared. */
#define PRODUCER_POOL_RETURN_MIN_BYTES ((size_t)2 << 20)

/* Grows the pool to at least cap slots (doubling), copying only the slots taken, of the chunks
 * whose pages are backed. */
static int producer_pool_grow(producer *p, uint32_t cap) {
    uint32_t old = p->batch_capacity;
    if (cap < 64) cap = 64;
    if (cap <= old) cap = old * 2;
    if (cap <= old || cap > UINT32_MAX - PRODUCER_POOL_CHUNK) return -1;
    uint32_t chunks = (cap + PRODUCER_POOL_CHUNK - 1) >> PRODUCER_POOL_CHUNK_SHIFT;
    uint32_t old_chunks = (old + PRODUCER_POOL_CHUNK - 1) >> PRODUCER_POOL_CHUNK_SHIFT;
    producer_batch *b = sim_alloc_pages((size_t)cap * sizeof *b);
    uint32_t *free_slots = realloc(p->batch_free, (size_t)cap * sizeof *free_slots);
    if (free_slots) p->batch_free = free_slots;
    producer_pool_chunk *c = realloc(p->batch_chunks, (size_t)chunks * sizeof *c);
    if (c) p->batch_chunks = c;
    if (!b || !free_slots || !c) {
        free(b);
        return -1;
    }
    if (p->batch_expiry) {
        sim_timer *t = realloc(p->batch_expiry, (size_t)cap * sizeof *t);
        if (!t) {
            free(b);
            return -1;
        }
        memset(&t[old], 0, (size_t)(cap - old) * sizeof *t);
        p->batch_expiry = t;
    }
    memset(&c[old_chunks], 0, (size_t)(chunks - old_chunks) * sizeof *c);
    for (uint32_t k = 0; k < old_chunks; k++) {
        uint32_t from = k << PRODUCER_POOL_CHUNK_SHIFT;
        if (from >= p->batch_used || !c[k].resident) continue;
        uint32_t n = p->batch_used - from < PRODUCER_POOL_CHUNK ? p->batch_used - from
                                                                : PRODUCER_POOL_CHUNK;
        memcpy(&b[from], &p->batches[from], (size_t)n * sizeof *b);
    }
    free(p->batches);
    p->batches = b;
    p->batch_capacity = cap;
    return 0;
}

/* Gives back the pages of every chunk of a large pool with no live slot and none taken in the
 * last PRODUCER_POOL_CHUNK releases. */
static void producer_pool_return(producer *p) {
    if ((size_t)p->batch_capacity * sizeof *p->batches < PRODUCER_POOL_RETURN_MIN_BYTES) return;
    uint32_t chunks = (p->batch_used + PRODUCER_POOL_CHUNK - 1) >> PRODUCER_POOL_CHUNK_SHIFT;
    for (uint32_t k = 0; k < chunks; k++) {
        producer_pool_chunk *c = &p->batch_chunks[k];
        if (c->live || !c->resident || p->batch_releases - c->last_take < PRODUCER_POOL_CHUNK)
            continue;
        uint32_t from = k << PRODUCER_POOL_CHUNK_SHIFT;
        uint32_t n = p->batch_used - from < PRODUCER_POOL_CHUNK ? p->batch_used - from
                                                                : PRODUCER_POOL_CHUNK;
        sim_pages_return(&p->batches[from], (size_t)n * sizeof *p->batches);
        c->resident = false;
    }
}

/* The slots a run may hold at once: a batch holds at least one record and counts its bytes
 * against buffer.memory, and full batches hold records_per_batch; at least 64. A hint: the
 * pool grows past it if it must. */
static uint32_t producer_pool_hint(const producer *p) {
    uint64_t need = p->records / (p->records_per_batch ? p->records_per_batch : 1) +
                    (uint64_t)p->partition_count;
    uint64_t fit = (uint64_t)p->cfg->buffer_memory_bytes /
                   ((uint64_t)p->record_bytes + PRODUCER_BATCH_OVERHEAD_BYTES);
    if (need > fit) need = fit;
    if (need > UINT32_MAX / 2) need = UINT32_MAX / 2;
    return need < 64 ? 64 : (uint32_t)need;
}

/* ---- Delivery timeouts (the expiry FIFO, producer.h) -------------------------------------- */

static int64_t producer_deadline_ns(const producer *p, const producer_batch *b) {
    return b->created_ns + p->cfg->delivery_timeout_ns;
}

static bool producer_expiry_live(const producer *p, const producer_expiry *e) {
    return p->batches[e->batch].expiry_seq == e->seq;
}

/* Drops completed batches from the head and arms the timer for the oldest live one. Its
 * deadline and number order after the event being handled: the timer's previous entry was
 * older and has not fired yet, or is the one firing now. */
static void producer_expiry_sync(producer *p) {
    uint32_t mask = p->expiry_capacity - 1;
    while (p->expiry_count > 0 && !producer_expiry_live(p, &p->expiry_fifo[p->expiry_head])) {
        p->expiry_head = (p->expiry_head + 1) & mask;
        p->expiry_count--;
    }
    if (p->expiry_count == 0) {
        sim_timer_cancel(&p->expiry_timer);
        return;
    }
    const producer_expiry *e = &p->expiry_fifo[p->expiry_head];
    if (p->expiry_timer.seq == e->seq) return;
    sim_timer_arm_seq(p->world, &p->expiry_timer, producer_deadline_ns(p, &p->batches[e->batch]),
                      e->seq, p->kind, producer_arg(p, PRODUCER_EV_EXPIRY_HEAD, 0));
}

/* Doubles the ring, keeping its order. */
static int producer_expiry_grow(producer *p) {
    uint32_t cap = p->expiry_capacity ? p->expiry_capacity * 2 : 64;
    if (cap <= p->expiry_capacity) return -1;
    producer_expiry *ring = sim_realloc_large(NULL, (size_t)cap * sizeof *ring);
    if (!ring) return -1;
    for (uint32_t k = 0; k < p->expiry_count; k++)
        ring[k] = p->expiry_fifo[(p->expiry_head + k) & (p->expiry_capacity - 1)];
    free(p->expiry_fifo);
    p->expiry_fifo = ring;
    p->expiry_head = 0;
    p->expiry_capacity = cap;
    return 0;
}

/* The deadline of batch i, created now, joins the FIFO with the number a timer armed now
 * would take. */
static void producer_expiry_add(producer *p, uint32_t i) {
    producer_batch *b = &p->batches[i];
    b->expiry_seq = sim_seq_take(p->world);
    if (p->expiry_count == p->expiry_capacity && producer_expiry_grow(p) != 0) {
        sim_exhaust(p->world, "producer: out of memory for delivery timeouts");
        return;
    }
    uint32_t at = (p->expiry_head + p->expiry_count++) & (p->expiry_capacity - 1);
    p->expiry_fifo[at] = (producer_expiry){.seq = b->expiry_seq, .batch = i};
    if (p->expiry_count == 1) producer_expiry_sync(p);
}

/* A fresh batch for partition, or PRODUCER_NIL when memory ran out (the world stops). */
static PRODUCER_INLINE uint32_t producer_batch_new(producer *p, uint16_t partition) {
    uint32_t i;
    if (p->batch_free_count > 0) {
        i = p->batch_free[--p->batch_free_count];
    } else {
        if (p->batch_used == p->batch_capacity && producer_pool_grow(p, 0) != 0) {
            sim_exhaust(p->world, "producer: out of memory for batches");
            return PRODUCER_NIL;
        }
        i = p->batch_used++;
    }
    producer_pool_chunk *chunk = &p->batch_chunks[i >> PRODUCER_POOL_CHUNK_SHIFT];
    chunk->live++;
    chunk->resident = true;
    chunk->last_take = p->batch_releases;
    producer_batch *b = &p->batches[i];
    memset(b, 0, sizeof *b);
    if (p->batch_expiry) p->batch_expiry[i] = (sim_timer){0};
    b->header.base_offset = -1;
    b->header.producer_id = PROTO_NO_PRODUCER_ID;
    b->header.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    b->header.base_sequence = PROTO_NO_SEQUENCE;
    b->header.partition_leader_epoch = -1;
    b->leader_epoch_seen = PRODUCER_NO_LEADER_EPOCH;
    b->header.payload = UINT32_MAX;
    b->header.producer = (uint8_t)p->node; /* NODES_MAX <= 256 (protocol.h) */
    b->header.max_timestamp_ns = producer_now(p);
    b->created_ns = producer_now(p);
    b->partition = partition;
    b->header.partition = partition;
    b->prev = b->next = PRODUCER_NIL;
    b->state = PRODUCER_BATCH_QUEUED;
    b->bytes = PRODUCER_BATCH_OVERHEAD_BYTES;
    producer_expiry_add(p, i);
    if (p->txn) producer_txn_on_new_batch(p, i);
    return i;
}

static void producer_batch_release(producer *p, uint32_t i) {
    producer_batch *b = &p->batches[i];
    SIM_ASSERT(p->world, b->state == PRODUCER_BATCH_DONE);
    SIM_ASSERT(p->world, !b->in_request);
    b->state = PRODUCER_BATCH_FREE;
    p->batch_free[p->batch_free_count++] = i;
    p->batch_chunks[i >> PRODUCER_POOL_CHUNK_SHIFT].live--;
    if ((++p->batch_releases & (PRODUCER_POOL_CHUNK - 1)) == 0) producer_pool_return(p);
}

/* ---- Deques ----------------------------------------------------------------------------- */

static void producer_deque_insert_before(producer *p, producer_partition *pt, uint32_t i,
                                         uint32_t before) {
    producer_batch *b = &p->batches[i];
    b->next = before;
    b->prev = before == PRODUCER_NIL ? pt->tail : p->batches[before].prev;
    if (b->prev == PRODUCER_NIL) pt->head = i;
    else p->batches[b->prev].next = i;
    if (before == PRODUCER_NIL) pt->tail = i;
    else p->batches[before].prev = i;
    b->state = PRODUCER_BATCH_QUEUED;
    pt->queued++;
}

static void producer_deque_remove(producer *p, producer_partition *pt, uint32_t i) {
    producer_batch *b = &p->batches[i];
    if (b->prev == PRODUCER_NIL) pt->head = b->next;
    else p->batches[b->prev].next = b->next;
    if (b->next == PRODUCER_NIL) pt->tail = b->prev;
    else p->batches[b->next].prev = b->prev;
    b->prev = b->next = PRODUCER_NIL;
    if (pt->open == i) pt->open = PRODUCER_NIL;
    pt->queued--;
}

/* RecordAccumulator.insertInSequenceOrder: before the first batch without a sequence or with a
 * higher one, so the deque stays sorted by base sequence. */
static void producer_deque_insert_in_sequence_order(producer *p, producer_partition *pt,
                                                    uint32_t i) {
    int32_t seq = p->batches[i].header.base_sequence;
    uint32_t at = pt->head;
    while (at != PRODUCER_NIL) {
        const proto_batch *h = &p->batches[at].header;
        if (h->base_sequence == PROTO_NO_SEQUENCE || h->base_sequence > seq) break;
        at = p->batches[at].next;
    }
    producer_deque_insert_before(p, pt, i, at);
}

/* ---- Outstanding sequences (TxnPartitionEntry.inflightBatchesBySequence) ---------------- */

static int producer_outstanding_add(producer *p, producer_partition *pt, uint32_t i) {
    if (pt->outstanding_count == pt->outstanding_capacity) {
        uint32_t cap = pt->outstanding_capacity ? pt->outstanding_capacity * 2 : 16;
        uint32_t *o = realloc(pt->outstanding, (size_t)cap * sizeof *o);
        if (!o) {
            sim_exhaust(p->world, "producer: out of memory for sequences");
            return -1;
        }
        pt->outstanding = o;
        pt->outstanding_capacity = cap;
    }
    /* Sorted by base sequence; new sequences are the highest, retries keep their place. */
    uint32_t k = pt->outstanding_count++;
    int32_t seq = p->batches[i].header.base_sequence;
    while (k > 0 && p->batches[pt->outstanding[k - 1]].header.base_sequence > seq) {
        pt->outstanding[k] = pt->outstanding[k - 1];
        k--;
    }
    pt->outstanding[k] = i;
    return 0;
}

static void producer_outstanding_remove(producer_partition *pt, uint32_t i) {
    for (uint32_t k = 0; k < pt->outstanding_count; k++) {
        if (pt->outstanding[k] != i) continue;
        memmove(&pt->outstanding[k], &pt->outstanding[k + 1],
                (pt->outstanding_count - k - 1) * sizeof *pt->outstanding);
        pt->outstanding_count--;
        return;
    }
}

static int32_t producer_first_outstanding_sequence(const producer *p,
                                                   const producer_partition *pt) {
    if (pt->outstanding_count == 0) return PROTO_NO_SEQUENCE;
    return p->batches[pt->outstanding[0]].header.base_sequence;
}

/* ---- The open batch's ids ------------------------------------------------------------------ */

/* No ids in the open batch (a new one, or none). */
static void producer_open_clear(producer_partition *pt) {
    pt->open_count = 0;
    pt->open_listed = false;
}

/* The open batch's ids: the run from open_first, or the list in open_ids. */
static proto_ids producer_open_ids(const producer_partition *pt) {
    if (pt->open_count == 0) return (proto_ids){.list = NULL, .first = 0, .n = 0};
    uint32_t n = pt->open_count;
    if (!pt->open_listed) return (proto_ids){.list = NULL, .first = pt->open_first, .n = n};
    return (proto_ids){.list = pt->open_ids, .first = pt->open_ids[0], .n = n};
}

/* ---- Application side: callbacks and sends ---------------------------------------------- */

/* The send number of sent id's latest send: 0 for the first, 1 for the first resend. Every id
 * below next_id was sent once (new ids go out in order); resends are counted in an array
 * allocated at the first resend. Most runs resend nothing and never allocate it, which spares
 * four bytes per record; calloc's pages of zeros are only backed where written. */
static uint32_t producer_send_no(const producer *p, uint32_t id) {
    return p->resends ? p->resends[id - p->id_first] : 0;
}

static void producer_seal(producer *p, uint32_t i);

/* Fires the callbacks of a completed batch: success with offsets, or error. The history gets
 * them as runs of consecutive ids with one send number (usually the whole batch), one call
 * per run. */
static void producer_callbacks(producer *p, producer_batch *b, int error, int64_t base_offset) {
    proto_ids ids;
    if (b->sealed) {
        ids = proto_payload_ids(p->payloads, b->header.payload);
    } else {
        ids = producer_open_ids(&p->partitions[b->partition]);
    }
    uint32_t n = ids.n;
    int64_t now = producer_now(p);
    bool offsets = error == ERR_NONE && base_offset >= 0;
    /* A batch of new records in order, none ever resent, is one run: the usual case. */
    bool one_run = !ids.list && !p->resends;
    /* Keyed records: a list, told to the checker alone as one record of the payload. */
    bool payload = ids.list && !p->resends && b->sealed && history_only_counted(p->history);
    if (payload)
        history_callback_payload(p->history, now, p->node, b->partition, b->header.payload,
                                 ids.first, n, error);
    for (uint32_t k = 0, run; k < n && !payload; k += run) {
        uint32_t first = proto_ids_at(&ids, k), send_no = producer_send_no(p, first);
        for (run = one_run ? n : 1; k + run < n && proto_ids_at(&ids, k + run) == first + run &&
                                    producer_send_no(p, first + run) == send_no;
             run++) {
        }
        history_callback_partition_run(p->history, now, p->node, b->partition, first, run,
                                       send_no, error, offsets ? base_offset + k : -1);
    }
    SIM_ASSERT(p->world, p->in_producer >= n);
    p->in_producer -= n;
    if (p->driven) producer_drive_completed(p, &ids, b->partition, error,
                                            offsets ? base_offset : -1);
    if (error == ERR_NONE) {
        sim_progress(p->world);
        p->acked += n;
        if (!ids.list) {
            memset(&p->outcome[ids.first - p->id_first], PRODUCER_RECORD_ACKED, n);
        } else {
            for (uint32_t k = 0; k < n; k++)
                p->outcome[ids.list[k] - p->id_first] = PRODUCER_RECORD_ACKED;
        }
        return;
    }
    p->failed += n;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        p->outcome[id - p->id_first] = PRODUCER_RECORD_FAILED;
        /* A transactional application resends a whole transaction, not a batch; a driven one
         * decides for itself (on_send). */
        if (p->cfg->resend_on_failure && !p->app_cold) {
            p->outcome[id - p->id_first] = PRODUCER_RECORD_RESEND;
            p->resend[(p->resend_head + p->resend_count++) % p->records] = id;
        }
    }
}

/* The batch is finished for the application (ProducerBatch.done). The slot is released when no
 * request names it any more. */
static void producer_batch_complete(producer *p, uint32_t i, int error, int64_t base_offset) {
    producer_batch *b = &p->batches[i];
    SIM_ASSERT(p->world, b->state != PRODUCER_BATCH_DONE);
    SIM_ASSERT(p->world, b->state != PRODUCER_BATCH_FREE);
    producer_partition *pt = &p->partitions[b->partition];
    if (b->state == PRODUCER_BATCH_QUEUED) producer_deque_remove(p, pt, i);
    producer_callbacks(p, b, error, base_offset);
    if (!b->sealed) producer_open_clear(pt);
    b->state = PRODUCER_BATCH_DONE;
    uint64_t seq = b->expiry_seq;
    b->expiry_seq = 0;
    if (p->batch_expiry) sim_timer_cancel(&p->batch_expiry[i]);
    /* After every sync the FIFO's head is live and the timer armed for it, and only a batch's
     * completion ends an entry: unless this batch was the head, the sync would find nothing
     * to do, and skipping it spares a read of the head batch (an old one, out of cache). */
    if (p->expiry_count == 0 ? p->expiry_timer.seq != 0
                             : p->expiry_fifo[p->expiry_head].seq == seq ||
                                   p->expiry_timer.seq != p->expiry_fifo[p->expiry_head].seq)
        producer_expiry_sync(p);
    p->buffered_bytes -= b->bytes;
    if (!b->in_request) producer_batch_release(p, i);
}

/* The partition's open batch, with room for one more record: a full one is sealed and a new
 * one opened as needed. PRODUCER_NIL when memory ran out (the world stops). */
static uint32_t producer_open_batch(producer *p, uint16_t partition) {
    producer_partition *pt = &p->partitions[partition];
    if (pt->open != PRODUCER_NIL && pt->open_count >= p->records_per_batch)
        producer_seal(p, pt->open);
    if (pt->open == PRODUCER_NIL) {
        uint32_t i = producer_batch_new(p, partition);
        if (i == PRODUCER_NIL) return PRODUCER_NIL;
        producer_deque_insert_before(p, pt, i, PRODUCER_NIL);
        pt->open = i;
        pt->had_batch = true;
        producer_open_clear(pt);
        p->buffered_bytes += PRODUCER_BATCH_OVERHEAD_BYTES;
    }
    return pt->open;
}

/* Appends ids first .. first + n - 1 to the open batch. While they continue the run of its
 * ids they are only counted (new records come in order: a batch is one run); the first that
 * does not, a resend, writes the run out to open_ids, and the list goes on from there. */
static PRODUCER_INLINE void producer_open_add(producer *p, producer_partition *pt, uint32_t first,
                                               uint32_t n) {
    if (!pt->open_listed) {
        if (pt->open_count == 0) pt->open_first = first;
        if (first != pt->open_first + pt->open_count) {
            for (uint32_t k = 0; k < pt->open_count; k++) pt->open_ids[k] = pt->open_first + k;
            pt->open_listed = true;
        }
    }
    if (pt->open_listed) {
        for (uint32_t k = 0; k < n; k++) pt->open_ids[pt->open_count + k] = first + k;
    }
    producer_batch *b = &p->batches[pt->open];
    pt->open_count += n;
    b->header.record_count = pt->open_count;
    b->bytes += n * p->record_bytes;
    p->buffered_bytes += (int64_t)n * p->record_bytes;
}

/* Appends one record to the partition's open batch, opening one if needed (out of line: most
 * records find an open batch with room). */
static PRODUCER_INLINE void producer_append(producer *p, uint16_t partition, uint32_t id) {
    producer_partition *pt = &p->partitions[partition];
    if ((pt->open == PRODUCER_NIL || pt->open_count >= p->records_per_batch) &&
        producer_open_batch(p, partition) == PRODUCER_NIL)
        return;
    producer_open_add(p, pt, id, 1);
}

/* ---- Partitioning (KafkaProducer.partition, RecordAccumulator.append) ------------------- */

/* The partition's open batch cannot take the record: an append would open a new batch. */
static bool producer_would_open(const producer *p, const producer_partition *pt) {
    return pt->open == PRODUCER_NIL || pt->open_count >= p->records_per_batch;
}

/* RecordAccumulator.allBatchesFull: the deque's last batch is full (or there is none); a
 * sealed batch (drained, or waiting for a retry) is closed, hence full. */
static bool producer_all_batches_full(const producer *p, const producer_partition *pt) {
    if (pt->tail == PRODUCER_NIL) return true;
    if (pt->open != pt->tail) return true;
    return pt->open_count >= p->records_per_batch;
}

static partitioner_view producer_topic_view(const producer *p, const producer_topic *t) {
    return (partitioner_view){.partitions = t->count, .available = p->available + t->first};
}

/* BuiltInPartitioner's stickyBatchSize: batch.size, at least 1 (KafkaProducer's
 * Math.max(1, batch.size)). */
static int64_t producer_sticky_batch_bytes(const producer *p) {
    return p->cfg->batch_bytes > 1 ? p->cfg->batch_bytes : 1;
}

/* BuiltInPartitioner.partitionForKey of key number key in topic t, remembered for the first
 * PRODUCER_KEY_CACHE keys of each topic (a key's partition never changes in a run). */
static PRODUCER_INLINE int producer_key_partition(producer *p, int t, uint32_t key) {
    if (!p->key_cache || key >= PRODUCER_KEY_CACHE)
        return partitioner_partition_for_key(key, p->topics[t].count);
    uint16_t *slot = &p->key_cache[(size_t)t * PRODUCER_KEY_CACHE + key];
    if (*slot == 0) *slot = (uint16_t)(1 + partitioner_partition_for_key(key, p->topics[t].count));
    return *slot - 1;
}

/* KafkaProducer.doSend for record id with several partitions: its topic is number id mod the
 * topics, its key "key-<id mod workload.keys>". A keyed record goes to its hash partition;
 * under the sticky partitioner (2.4 .. 3.2) a record that would open a new batch first calls
 * onNewBatch (abortForNewBatch), which moves the sticky partition when it was that one; a
 * null-key one follows the version's partitioner; from 3.3 the built-in partitioner counts the
 * bytes appended (RecordAccumulator.append, partitionChanged, updatePartitionInfo). */
/* The key number of id, id mod workload.keys: one step on from the last id's when id follows
 * it, as new ids do. */
static PRODUCER_INLINE uint32_t producer_key_of(producer *p, uint32_t id) {
    uint64_t keys = p->cfg->keys;
    if ((uint64_t)id == (uint64_t)p->key_id + 1) p->key_of_id = p->key_of_id + 1 == keys ? 0 : p->key_of_id + 1;
    else if (id != p->key_id) p->key_of_id = id % keys;
    p->key_id = id;
    return (uint32_t)p->key_of_id;
}

static PRODUCER_INLINE int producer_route_append(producer *p, uint32_t id) {
    int t = p->topic_count == 1 ? 0 : (int)(id % (uint32_t)p->topic_count);
    const producer_topic *topic = &p->topics[t];
    partitioner_topic *pt_state = &p->partitioners[t];
    partitioner_view view = producer_topic_view(p, topic);
    int q;
    if (p->keyed) {
        q = producer_key_partition(p, t, producer_key_of(p, id));
        if (p->partitioner == PARTITIONER_STICKY &&
            producer_would_open(p, &p->partitions[topic->first + q]))
            partitioner_on_new_batch(pt_state, &view, q, &p->partition_rng);
        producer_append(p, (uint16_t)(topic->first + q), id);
        return topic->first + q;
    }
    q = partitioner_partition(pt_state, p->partitioner, &view, &p->partition_rng);
    if (p->partitioner == PARTITIONER_STICKY) {
        if (producer_would_open(p, &p->partitions[topic->first + q]))
            q = partitioner_on_new_batch(pt_state, &view, q, &p->partition_rng);
    } else if (p->partitioner == PARTITIONER_UNIFORM_STICKY) {
        /* partitionChanged: a switch put off while the deque had an incomplete batch. */
        while (producer_all_batches_full(p, &p->partitions[topic->first + q])) {
            partitioner_update_info(pt_state, &view, 0, producer_sticky_batch_bytes(p), true,
                                    &p->partition_rng);
            if (pt_state->sticky == q) break;
            q = pt_state->sticky;
        }
    }
    producer_partition *pt = &p->partitions[topic->first + q];
    bool opens = producer_would_open(p, pt);
    producer_append(p, (uint16_t)(topic->first + q), id);
    if (p->partitioner != PARTITIONER_UNIFORM_STICKY) return topic->first + q;
    int64_t appended = p->record_bytes + (opens ? PRODUCER_BATCH_OVERHEAD_BYTES : 0);
    partitioner_update_info(pt_state, &view, appended, producer_sticky_batch_bytes(p),
                            producer_all_batches_full(p, pt), &p->partition_rng);
    return topic->first + q;
}

/* KafkaProducer.send again of a record id the application sent before (from the resend
 * ring); the callback comes later. */
static void producer_app_resend(producer *p, uint32_t id) {
    SIM_ASSERT(p->world, id < p->next_id);
    if (!p->resends) {
        p->resends = calloc(p->records, sizeof *p->resends);
        if (!p->resends) {
            sim_exhaust(p->world, "producer: out of memory for resend counts");
            return;
        }
    }
    uint32_t send_no = ++p->resends[id - p->id_first];
    SIM_ASSERT(p->world, send_no != 0); /* 2^32 sends of one record */
    p->outcome[id - p->id_first] = PRODUCER_RECORD_PENDING;
    p->in_producer++;
    if (p->partition_count == 1) {
        history_send(p->history, producer_now(p), p->node, id, send_no);
        producer_append(p, 0, id);
        return;
    }
    int g = producer_route_append(p, id);
    history_send_partition_run(p->history, producer_now(p), p->node, (uint16_t)g, id, 1, send_no);
}

static bool producer_buffer_has_room(const producer *p) {
    return p->buffered_bytes + p->record_bytes + PRODUCER_BATCH_OVERHEAD_BYTES <=
           p->cfg->buffer_memory_bytes;
}

/* KafkaProducer.send of new ids, from next_id on while they are below limit and
 * buffer.memory has room, as sending them one by one would. A new id has never been sent
 * (resends come from the ring), so its send number is 0 and the burst is one run of
 * consecutive ids: the history gets it in one call (appending records adds nothing to the
 * history, so recording the run after them stores the same). The records go into the open
 * batch a batch at a time: after the one that passed the room check (and may have opened the
 * batch), the records that the check would let in one after another while no batch opens,
 * those with buffered + (k + 1) * record_bytes + PRODUCER_BATCH_OVERHEAD_BYTES <= buffer.memory
 * for the k-th after it, buffered being the bytes after opening. */
static void producer_app_send_new_routed(producer *p, uint64_t limit);

static PRODUCER_INLINE void producer_app_send_new(producer *p, uint64_t limit) {
    if (p->partition_count > 1) {
        producer_app_send_new_routed(p, limit);
        return;
    }
    producer_partition *pt = &p->partitions[0];
    uint32_t first = (uint32_t)p->next_id;
    while (p->next_id < limit && producer_buffer_has_room(p)) {
        uint32_t batch = producer_open_batch(p, 0);
        uint64_t n = 1;
        if (batch != PRODUCER_NIL) {
            int64_t fit = (p->cfg->buffer_memory_bytes - PRODUCER_BATCH_OVERHEAD_BYTES -
                           p->buffered_bytes) / p->record_bytes;
            n = fit > 1 ? (uint64_t)fit : 1;
            if (n > p->records_per_batch - pt->open_count)
                n = p->records_per_batch - pt->open_count;
            if (n > limit - p->next_id) n = limit - p->next_id;
        }
        uint32_t id = (uint32_t)p->next_id;
        uint8_t *outcome = &p->outcome[id - p->id_first];
        uint8_t sent_before = 0; /* one check for the run, not a branch per record */
        for (uint64_t k = 0; k < n; k++) sent_before |= outcome[k] ^ PRODUCER_RECORD_UNSENT;
        SIM_ASSERT(p->world, sent_before == 0);
        memset(outcome, PRODUCER_RECORD_PENDING, n);
        if (batch != PRODUCER_NIL) producer_open_add(p, pt, id, (uint32_t)n);
        p->next_id += n;
    }
    uint32_t n = (uint32_t)p->next_id - first;
    p->in_producer += n;
    history_send_run(p->history, producer_now(p), p->node, first, n, 0);
}

/* producer_app_send_new with several partitions: each record is routed on its own (its
 * partition depends on its key or the partitioner) and recorded with its partition, runs of
 * ids bound for one partition together. */
static void producer_app_send_new_routed(producer *p, uint64_t limit) {
    uint32_t run_first = (uint32_t)p->next_id, run_n = 0;
    int run_g = -1;
    /* Only the checker reads them: one run of every id, whatever their partitions. */
    bool one_run = history_only_counted(p->history);
    while (p->next_id < limit && producer_buffer_has_room(p)) {
        uint32_t id = (uint32_t)p->next_id;
        SIM_ASSERT(p->world, p->outcome[id - p->id_first] == PRODUCER_RECORD_UNSENT);
        p->outcome[id - p->id_first] = PRODUCER_RECORD_PENDING;
        p->in_producer++;
        int g = producer_route_append(p, id);
        p->next_id++;
        if (g == run_g || (one_run && run_n)) {
            run_n++;
            continue;
        }
        if (run_n) history_send_partition_run(p->history, producer_now(p), p->node,
                                              (uint16_t)run_g, run_first, run_n, 0);
        run_g = g;
        run_first = id;
        run_n = 1;
    }
    if (run_n) history_send_partition_run(p->history, producer_now(p), p->node, (uint16_t)run_g,
                                          run_first, run_n, 0);
}

/* Sends what the application may send now: resends first, then new ids as the rate allows,
 * while buffer.memory has room. */
static void producer_app_pump(producer *p) {
    if (!p->started || p->crashed) return;
    if (p->app_cold) {
        producer_cold_app_pump(p);
        return;
    }
    while (p->resend_count > 0 && producer_buffer_has_room(p)) {
        uint32_t id = p->resend[p->resend_head];
        p->resend_head = (p->resend_head + 1) % p->records;
        p->resend_count--;
        producer_app_resend(p, id);
    }
    uint64_t allowed = p->rate_per_s > 0 ? p->app_ticks : p->records;
    producer_app_send_new(p, p->id_first + (allowed < p->records ? allowed : p->records));
}

/* The next paced send time for record k: k / rate seconds after the start, exactly. */
static int64_t producer_app_tick_ns(const producer *p, uint64_t k) {
    return p->app_start_ns + (int64_t)((k * (uint64_t)SIM_S) / (uint64_t)p->rate_per_s);
}

static void producer_on_app_tick(producer *p) {
    if (p->app_ticks < p->records) p->app_ticks++;
    /* A tick that fires late (the process was paused, as by a stop-the-world GC) lets the
     * application send every record whose paced time has passed, as a loop that sleeps until
     * the next send time does; the next tick is then in the future, never in the past. */
    while (p->app_ticks < p->records &&
           producer_app_tick_ns(p, p->app_ticks) <= producer_now(p))
        p->app_ticks++;
    producer_app_pump(p);
    if (p->app_ticks < p->records)
        sim_timer_arm(p->world, &p->app_tick, producer_app_tick_ns(p, p->app_ticks), p->kind,
                      producer_arg(p, PRODUCER_EV_APP_TICK, 0));
}

/* ---- Connections (NetworkClient, InFlightRequests) -------------------------------------- */

static int producer_conn_capacity(const producer *p) { return p->cfg->max_in_flight + 2; }

/* The k-th oldest request in flight on c (0 <= k < capacity). A ring, so that answering the
 * oldest, the usual case, moves nothing. */
static producer_request *producer_conn_req(const producer *p, const producer_conn *c, int k) {
    int at = c->head + k, cap = producer_conn_capacity(p);
    return &c->requests[at >= cap ? at - cap : at];
}

/* Removes the k-th oldest request of c into *out, keeping the others in order. */
static void producer_conn_remove(const producer *p, producer_conn *c, int k,
                                 producer_request *out) {
    *out = *producer_conn_req(p, c, k);
    if (k == 0) {
        c->head = c->head + 1 == producer_conn_capacity(p) ? 0 : c->head + 1;
    } else {
        for (int j = k; j + 1 < c->count; j++)
            *producer_conn_req(p, c, j) = *producer_conn_req(p, c, j + 1);
    }
    c->count--;
}

/* Arms the connection's timer for its oldest request. */
static void producer_conn_arm(producer *p, int broker) {
    producer_conn *c = &p->conns[broker];
    sim_timer_cancel(&c->timeout);
    if (c->count == 0) return;
    /* A request already past request.timeout.ms (its answer came late, after a pause) times
     * out at the next poll, as NetworkClient.handleTimedOutRequests does: fire now. */
    int64_t at_ns = producer_conn_req(p, c, 0)->sent_ns +
                    proto_request_timeout_ns(p->cfg->request_timeout_ns);
    if (at_ns < producer_now(p)) at_ns = producer_now(p);
    sim_timer_arm(p->world, &c->timeout, at_ns, p->kind,
                  producer_arg(p, PRODUCER_EV_CONN_TIMEOUT, (uint32_t)broker));
}

/* Sends a request to broker and remembers it as in flight; returns its correlation id. */
static uint32_t producer_request_send(producer *p, int broker, proto_msg *m, uint32_t batch,
                                      bool expect_response) {
    m->from = p->node;
    m->to = node_broker(broker);
    m->is_response = 0;
    m->correlation_id = p->correlation_next++;
    m->conn_gen = 0;
    if (expect_response) {
        producer_conn *c = &p->conns[broker];
        SIM_ASSERT(p->world, c->count < producer_conn_capacity(p));
        producer_request *r = producer_conn_req(p, c, c->count++);
        memset(r, 0, sizeof *r);
        r->sent_ns = producer_now(p);
        r->correlation_id = m->correlation_id;
        r->batch = batch;
        r->api = m->api;
        if (m->api == API_PRODUCE) r->sent = m->u.produce.batch;
        if (c->count == 1) producer_conn_arm(p, broker);
    }
    net_send(p->net, m);
    return m->correlation_id;
}

/* A block for a request's further batches, or NULL when memory ran out (the world stops). */
static producer_request_batch *producer_more_acquire(producer *p) {
    if (p->more_stack_count > 0) return p->more_stack[--p->more_stack_count];
    producer_request_batch **blocks =
        realloc(p->more_blocks, (p->more_block_count + 1) * sizeof *blocks);
    if (blocks) p->more_blocks = blocks;
    producer_request_batch **stack =
        realloc(p->more_stack, (p->more_block_count + 1) * sizeof *stack);
    if (stack) p->more_stack = stack;
    producer_request_batch *block =
        blocks && stack ? malloc((PROTO_PRODUCE_BATCHES_MAX - 1) * sizeof *block) : NULL;
    if (!block) {
        sim_exhaust(p->world, "producer: out of memory for requests");
        return NULL;
    }
    p->more_blocks[p->more_block_count++] = block;
    return block;
}

static void producer_more_release(producer *p, producer_request_batch *block) {
    if (block) p->more_stack[p->more_stack_count++] = block;
}

/* The k-th batch of request r: its index, and the epoch and sequence it carried. */
static producer_request_batch producer_request_batch_at(const producer_request *r, int k) {
    if (k > 0) return r->more[k - 1];
    return (producer_request_batch){.batch = r->batch,
                                    .base_sequence = r->sent.base_sequence,
                                    .producer_epoch = r->sent.producer_epoch};
}

/* producer_request_send for a Produce request, whose further batches' block (NULL for one
 * batch) the request keeps until it is answered or failed. */
static void producer_request_send_produce(producer *p, int broker, proto_msg *m, uint32_t batch,
                                          producer_request_batch *more, bool expect_response) {
    producer_request_send(p, broker, m, batch, expect_response);
    if (!expect_response) return;
    producer_conn *c = &p->conns[broker];
    producer_request *r = producer_conn_req(p, c, c->count - 1);
    r->batch_count = m->u.produce.batch_count;
    r->more = more;
}

/* Removes the request with correlation id corr into *out; false when it is not in flight (an
 * answer to a request failed by a disconnect, or of an older session). */
static bool producer_request_take(producer *p, int broker, uint32_t corr, producer_request *out) {
    producer_conn *c = &p->conns[broker];
    for (int k = 0; k < c->count; k++) {
        if (producer_conn_req(p, c, k)->correlation_id != corr) continue;
        producer_conn_remove(p, c, k, out);
        if (k == 0) producer_conn_arm(p, broker);
        return true;
    }
    return false;
}

static int producer_pick_broker(producer *p) {
    int b = p->bootstrap[p->bootstrap_next % p->bootstrap_count];
    p->bootstrap_next = (p->bootstrap_next + 1) % p->bootstrap_count;
    return b;
}

static void producer_metadata_request(producer *p) {
    if (!p->metadata_needed || p->metadata_in_flight || p->bootstrap_count == 0) return;
    if (producer_now(p) < p->metadata_after_ns) return;
    int b = producer_pick_broker(p);
    if (p->conns[b].count >= producer_conn_capacity(p)) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_METADATA;
    if (p->partition_count > 1) { /* every partition of its topics, a page at a time */
        int left = p->partition_count - p->metadata_page;
        m.partition = (uint16_t)p->metadata_page;
        m.u.metadata.partition_count =
            (uint16_t)(left < PROTO_METADATA_PARTITIONS_MAX ? left : PROTO_METADATA_PARTITIONS_MAX);
    }
    producer_request_send(p, b, &m, PRODUCER_NIL, true);
    p->metadata_in_flight = true;
}

/* InitProducerId(null) for a new session; KIP-360 requests carry no current id for a
 * non-transactional producer, which always gets a fresh id (section 4). */
static void producer_init_pid_request(producer *p) {
    if (!p->pid_needed || p->init_pid_in_flight || p->bootstrap_count == 0) return;
    if (producer_now(p) < p->pid_after_ns) return;
    int b = producer_pick_broker(p);
    if (p->conns[b].count >= producer_conn_capacity(p)) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_INIT_PRODUCER_ID;
    m.u.init_pid.producer_id = PROTO_NO_PRODUCER_ID;
    m.u.init_pid.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    m.u.init_pid.txn = -1;
    producer_request_send(p, b, &m, PRODUCER_NIL, true);
    p->init_pid_in_flight = true;
}

/* Asks the sender to poll again at t at the latest. */
static void producer_wakeup_at(producer *p, int64_t t) {
    if (t < producer_now(p)) t = producer_now(p);
    if (sim_timer_armed(&p->wakeup) && p->wakeup_ns <= t) return;
    p->wakeup_ns = t;
    sim_timer_arm(p->world, &p->wakeup, t, p->kind, producer_arg(p, PRODUCER_EV_WAKEUP, 0));
}

static void producer_request_metadata_update(producer *p) { p->metadata_needed = true; }

/* Metadata.timeToNextUpdate: metadata expires metadata.max.age.ms after the last successful
 * update (NetworkClient's DefaultMetadataUpdater then refreshes it even with no error seen),
 * and never sooner than the refresh backoff (retry.backoff.ms). Returns when the current
 * metadata expires, ns. */
static int64_t producer_metadata_expiry_ns(const producer *p) {
    int64_t age_ns = p->cfg->metadata_max_age_ns;
    if (age_ns < p->cfg->retry_backoff_ns) age_ns = p->cfg->retry_backoff_ns;
    return p->metadata_refreshed_ns + age_ns;
}

/* ---- Idempotence (TransactionManager) --------------------------------------------------- */

/* ExponentialBackoff(retry.backoff.ms, 2, retry.backoff.max.ms, 0.2) from 3.7 (KIP-580), with
 * attempts - 1 as the exponent; a constant retry.backoff.ms before. Jitter in parts per
 * million from the producer's stream. */
static int64_t producer_retry_backoff_ns(producer *p, uint16_t attempt) {
    const config *c = p->cfg;
    if (c->kafka_version < 30700) return c->retry_backoff_ns;
    int64_t term = c->retry_backoff_ns;
    for (int k = 1; k < attempt && term < c->retry_backoff_max_ns; k++) term *= 2;
    uint32_t factor_ppm = 800000u + sim_pcg32_bounded(&p->rng, 400001u);
    /* term / 1000 * factor_ppm / 1000, split so that it cannot overflow when
     * retry.backoff.ms is near its maximum (10^12 ms): q * f / 1000 = (q / 1000) * f +
     * (q % 1000) * f / 1000 for q = term / 1000, the same value in integers. */
    int64_t q = term / 1000;
    int64_t backoff = q / 1000 * (int64_t)factor_ppm + q % 1000 * (int64_t)factor_ppm / 1000;
    return backoff > c->retry_backoff_max_ns ? c->retry_backoff_max_ns : backoff;
}

static bool producer_is_next_sequence(const producer_partition *pt, int32_t seq) {
    int32_t next = pt->last_acked_sequence < 0 ? 0 : proto_sequence_add(pt->last_acked_sequence, 1);
    return seq == next;
}

/* TxnPartitionEntry.startSequencesAtBeginning: every outstanding batch of the partition, in
 * sequence order, gets the current (producer id, epoch) and sequences from 0 again. */
static void producer_start_sequences_at_beginning(producer *p, producer_partition *pt) {
    int32_t seq = 0;
    for (uint32_t k = 0; k < pt->outstanding_count; k++) {
        producer_batch *b = &p->batches[pt->outstanding[k]];
        b->header.producer_id = p->producer_id;
        b->header.producer_epoch = p->producer_epoch;
        b->header.base_sequence = seq;
        b->sequence_reset = true;
        seq = proto_sequence_add(seq, b->header.record_count);
    }
    pt->producer_id = p->producer_id;
    pt->producer_epoch = p->producer_epoch;
    pt->next_sequence = seq;
    pt->last_acked_sequence = -1;
    pt->unresolved = false;
    pt->bump_requested = false;
}

/* Before KIP-360 (and when the epoch is exhausted): forget the producer id; a new
 * InitProducerId follows and every partition restarts at sequence 0 (TM.resetProducerId).
 * Outstanding batches keep the old id: queued ones fail now, in-flight ones when answered. */
static void producer_reset_producer_id(producer *p, int error) {
    p->producer_id = PROTO_NO_PRODUCER_ID;
    p->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    p->pid_needed = true;
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        uint32_t n = pt->outstanding_count;
        pt->outstanding_count = 0;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = pt->outstanding[j];
            if (p->batches[i].state == PRODUCER_BATCH_QUEUED)
                producer_batch_complete(p, i, error, -1);
        }
        pt->next_sequence = 0;
        pt->last_acked_sequence = -1;
        pt->unresolved = false;
        pt->bump_requested = false;
    }
}

/* TM.bumpIdempotentEpochAndResetIdIfNeeded: a local epoch bump (no request), then the
 * partitions that asked for it restart their sequences. */
static PRODUCER_INLINE void producer_bump_epoch_if_needed(producer *p) {
    if (!p->sequences_flagged) return;
    bool requested = false, unresolved = false;
    for (int k = 0; k < p->partition_count; k++) {
        requested |= p->partitions[k].bump_requested;
        unresolved |= p->partitions[k].unresolved;
    }
    if (!requested && !unresolved) p->sequences_flagged = false;
    if (!requested || p->producer_id < 0) return;
    if (p->producer_epoch == INT16_MAX) {
        producer_reset_producer_id(p, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
        return;
    }
    p->producer_epoch++;
    p->epoch_bumps++;
    history_epoch_bump(p->history, producer_now(p), p->node, p->producer_id, p->producer_epoch);
    for (int k = 0; k < p->partition_count; k++)
        if (p->partitions[k].bump_requested)
            producer_start_sequences_at_beginning(p, &p->partitions[k]);
}

/* TM.maybeResolveSequences: once nothing of an unresolved partition is outstanding, either
 * every sequence was acknowledged after all, or the expired batch left a gap: bump. */
static void producer_resolve_sequences(producer *p) {
    if (!p->sequences_flagged) return;
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        if (!pt->unresolved || pt->outstanding_count > 0) continue;
        if (producer_is_next_sequence(pt, pt->next_sequence)) {
            pt->unresolved = false;
        } else if (producer_has_kip360(p)) {
            pt->bump_requested = true; /* sequences_flagged is set: this pass runs */
            pt->unresolved = false;
        } else {
            producer_reset_producer_id(p, ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
        }
    }
}

/* TM.canRetry for a batch answered with error (Java 2.5+, and 1.0-2.4 where noted). */
static bool producer_idempotent_can_retry(producer *p, producer_batch *b,
                                          const producer_request *r, int error) {
    producer_partition *pt = &p->partitions[b->partition];
    /* A batch of a producer id given up since cannot be retried (TM.canRetry:
     * hasProducerId). */
    if (b->header.producer_id != p->producer_id) return false;
    /* The answer is about an attempt whose sequence was rewritten since: retry as is. */
    if (b->header.producer_epoch != r->sent.producer_epoch ||
        b->header.base_sequence != r->sent.base_sequence)
        return true;
    if (error == ERR_UNKNOWN_PRODUCER_ID || error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER) {
        bool next = producer_is_next_sequence(pt, b->header.base_sequence);
        if (!pt->unresolved && (b->sequence_reset || !next)) return true;
        /* Fail it: before 2.5 the id is reset; a transactional producer lets the batch fail
         * and aborts (TM.canRetry: "For the transactional producer, allow the batch to
         * fail"). */
        if (!producer_has_kip360(p) || p->txn) return false;
        if (!pt->unresolved || b->header.base_sequence == pt->unresolved_next_sequence) {
            pt->bump_requested = true;
            p->sequences_flagged = true;
        }
        return true;
    }
    return proto_error_retriable(error);
}

/* ---- Completing produce attempts (Sender.completeBatch) --------------------------------- */

static void producer_step(producer *p, proto_step step, int partition) {
    if (p->step_fn) p->step_fn(p->step_ctx, p->node, step, partition);
}

/* A step of a transaction: true when a crash is due there (proto_step_fn). */
static PRODUCER_COLD bool producer_txn_step(producer *p, proto_step step) {
    return p->step_fn && p->step_fn(p->step_ctx, p->node, step, 0);
}

/* RecordAccumulator.reenqueue: idempotent batches go back in sequence order, others to the
 * front of the deque (addFirst: several failing together come back reversed). */
static void producer_reenqueue(producer *p, uint32_t i, int error) {
    producer_batch *b = &p->batches[i];
    producer_partition *pt = &p->partitions[b->partition];
    int64_t now = producer_now(p);
    history_retry(p->history, now, p->node, &b->header, error);
    p->retries++;
    b->in_retry = true;
    b->last_attempt_ns = now;
    b->retry_at_ns = now + producer_retry_backoff_ns(p, b->header.attempt);
    if (producer_idempotent(p)) producer_deque_insert_in_sequence_order(p, pt, i);
    else producer_deque_insert_before(p, pt, i, pt->head);
}

/* TM.handleFailedBatch for the idempotent producer. From 2.5 a sequence error, or a failure
 * with retries left (adjustSequenceNumbers: the partition's other sequences are rewritten,
 * section 5 S9, KAFKA-14034), asks for an epoch bump; before 2.5 a sequence error of the
 * current producer id resets the id. Returns true when the id must be reset, which the caller
 * does after the batch's own callback. */
static bool producer_handle_failed_batch(producer *p, const producer_batch *b, int error,
                                         bool adjust) {
    producer_partition *pt = &p->partitions[b->partition];
    if (p->txn) {
        producer_txn_failed_batch(p, b, error);
        return false;
    }
    bool sequence_error =
        error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER || error == ERR_UNKNOWN_PRODUCER_ID;
    /* Before KAFKA-12152: "Ignoring failed batch ... since the producerId has been reset
     * internally". */
    if (producer_has_kip360(p) && !producer_has_kafka_12152_fix(p) && producer_batch_stale(p, b))
        return false;
    if (producer_has_kip360(p)) {
        if (sequence_error || adjust) {
            pt->bump_requested = true;
            p->sequences_flagged = true;
        }
        return false;
    }
    return sequence_error && b->header.producer_id == p->producer_id;
}

/* Sender.failBatch. adjust: retries were not used up. */
static void producer_fail_batch(producer *p, uint32_t i, int error, bool adjust) {
    producer_batch *b = &p->batches[i];
    bool reset = false;
    if (producer_idempotent(p)) {
        producer_outstanding_remove(&p->partitions[b->partition], i);
        reset = producer_handle_failed_batch(p, b, error, adjust);
    }
    producer_batch_complete(p, i, error, -1);
    if (reset) producer_reset_producer_id(p, error);
}

/* A failure answered for a batch that delivery.timeout.ms already completed. Sender.canRetry
 * is false for a done batch, so Sender.failBatch runs again: up to 3.5 it calls
 * TM.handleFailedBatch unconditionally (Sender.java at 3.5.0), and a late error with retries
 * left bumps the epoch once more; from 3.6 it does so only when completeExceptionally returns
 * true, which it never does for a done batch (KAFKA-14884, Sender.java at 3.6.0 and 3.9), so the
 * transaction manager does not hear of it. */
static void producer_on_late_failure(producer *p, const producer_batch *b, int error) {
    if (!producer_idempotent(p) || p->cfg->kafka_version >= 30600) return;
    bool adjust = (int64_t)b->header.attempt - 1 < p->cfg->retries;
    if (producer_handle_failed_batch(p, b, error, adjust)) producer_reset_producer_id(p, error);
}

/* Errors after which NetworkClient or the Sender ask for fresh metadata. */
static bool producer_error_needs_metadata(int error) {
    return error == ERR_NOT_LEADER_OR_FOLLOWER || error == ERR_FENCED_LEADER_EPOCH ||
           error == ERR_UNKNOWN_LEADER_EPOCH || error == ERR_NETWORK_EXCEPTION ||
           error == ERR_REQUEST_TIMED_OUT;
}

static void producer_on_success(producer *p, uint32_t i, int error, int64_t base_offset) {
    producer_batch *b = &p->batches[i];
    producer_partition *pt = &p->partitions[b->partition];
    if (producer_idempotent(p) && !producer_has_kafka_12152_fix(p)) {
        /* TM.handleCompletedBatch at 2.7.0: the acknowledged sequence moves whatever the
         * epoch; the partition restarts at 0 under the current epoch once the last in-flight
         * batch of an older one is done. */
        if (proto_batch_last_sequence(&b->header) > pt->last_acked_sequence)
            pt->last_acked_sequence = proto_batch_last_sequence(&b->header);
        producer_outstanding_remove(pt, i);
        if (producer_batch_stale(p, b) && pt->outstanding_count == 0) {
            pt->producer_id = p->producer_id;
            pt->producer_epoch = p->producer_epoch;
            pt->next_sequence = 0;
            pt->last_acked_sequence = -1;
        }
    } else if (producer_idempotent(p)) {
        if (b->header.producer_id == pt->producer_id &&
            b->header.producer_epoch == pt->producer_epoch &&
            proto_batch_last_sequence(&b->header) > pt->last_acked_sequence)
            pt->last_acked_sequence = proto_batch_last_sequence(&b->header);
        producer_outstanding_remove(pt, i);
    }
    /* DUPLICATE_SEQUENCE_NUMBER (1.0.x brokers): a success without offsets. */
    producer_batch_complete(p, i, ERR_NONE, error == ERR_NONE ? base_offset : -1);
}

/* An answer (or a connection failure) for a Produce request that carried batch r->batch.
 * Returns true when the batch completed successfully (the ack step follows). */
static bool producer_on_produce_result(producer *p, const producer_request *r, int error,
                                       int64_t base_offset) {
    uint32_t i = r->batch;
    producer_batch *b = &p->batches[i];
    producer_partition *pt = &p->partitions[b->partition];
    b->in_request = false;
    if (p->cfg->max_in_flight == 1) pt->muted = false;
    if (error != ERR_NONE) {
        history_error(p->history, producer_now(p), p->node, API_PRODUCE, error);
        if (producer_error_needs_metadata(error)) producer_request_metadata_update(p);
    }
    if (b->state == PRODUCER_BATCH_DONE) {
        /* Expired meanwhile: a late answer still moves the acknowledged sequence
         * (TM.handleCompletedBatch), and a late failure is handled by version. */
        bool ok = error == ERR_NONE || error == ERR_DUPLICATE_SEQUENCE_NUMBER;
        if (producer_idempotent(p) && ok && b->header.producer_epoch == pt->producer_epoch &&
            proto_batch_last_sequence(&b->header) > pt->last_acked_sequence)
            pt->last_acked_sequence = proto_batch_last_sequence(&b->header);
        else if (!ok)
            producer_on_late_failure(p, b, error);
        producer_batch_release(p, i);
        return false;
    }
    SIM_ASSERT(p->world, b->state == PRODUCER_BATCH_IN_FLIGHT);
    if (error == ERR_NONE || error == ERR_DUPLICATE_SEQUENCE_NUMBER) {
        producer_on_success(p, i, error, base_offset);
        return true;
    }
    bool timed_out = producer_now(p) - b->created_ns >= p->cfg->delivery_timeout_ns;
    bool retries_left = (int64_t)b->header.attempt - 1 < p->cfg->retries;
    bool can = !timed_out && retries_left &&
               (producer_idempotent(p) ? producer_idempotent_can_retry(p, b, r, error)
                                       : proto_error_retriable(error));
    if (can) producer_reenqueue(p, i, error);
    else producer_fail_batch(p, i, error, retries_left);
    return false;
}

/* Everything in flight on the connection to broker fails, oldest first
 * (NetworkClient.cancelInFlightRequests), and the connection closed: NetworkClient.ready
 * opens a new one only reconnect.backoff.ms after the last attempt
 * (ClusterConnectionStates.canConnect), so a broker that refuses every connection (a crashed
 * one) is not sent a request again before then, with retry.backoff.max.ms=0 too. */
static void producer_conn_fail_all(producer *p, int broker, int error) {
    producer_conn *c = &p->conns[broker];
    sim_timer_cancel(&c->timeout);
    int64_t now = producer_now(p);
    c->reconnect_after_ns = now + p->cfg->reconnect_backoff_ns;
    while (c->count > 0) {
        producer_request r;
        producer_conn_remove(p, c, 0, &r);
        if (r.api == API_PRODUCE && r.batch_count > 1) {
            for (int k = 0; k < r.batch_count; k++) {
                producer_request_batch rb = producer_request_batch_at(&r, k);
                producer_request one = r;
                one.batch = rb.batch;
                one.sent.base_sequence = rb.base_sequence;
                one.sent.producer_epoch = rb.producer_epoch;
                producer_on_produce_result(p, &one, error, -1);
            }
            producer_more_release(p, r.more);
        } else if (r.api == API_PRODUCE) {
            producer_on_produce_result(p, &r, error, -1);
        } else if (r.api == API_METADATA) {
            p->metadata_in_flight = false;
            p->metadata_after_ns = now + p->cfg->retry_backoff_ns;
        } else if (r.api == API_INIT_PRODUCER_ID && !p->txn) {
            p->init_pid_in_flight = false;
            p->pid_after_ns = now + p->cfg->retry_backoff_ns;
            history_error(p->history, now, p->node, API_INIT_PRODUCER_ID, error);
        } else if (p->txn) {
            /* A transactional request: TxnRequestHandler.onComplete with wasDisconnected. */
            history_error(p->history, now, p->node, r.api, error);
            txn_manager_on_disconnect(p->txn, r.correlation_id, now);
        }
    }
    producer_request_metadata_update(p);
}

/* ---- Sender: readiness and drain (RecordAccumulator.ready / drain) ---------------------- */

static void producer_seal(producer *p, uint32_t i) {
    producer_batch *b = &p->batches[i];
    producer_partition *pt = &p->partitions[b->partition];
    if (b->sealed) return;
    SIM_ASSERT(p->world, pt->open == i);
    proto_ids ids = producer_open_ids(pt);
    b->header.payload = ids.list ? proto_payload_add(p->payloads, ids.list, ids.n)
                                 : proto_payload_add_run(p->payloads, ids.first, ids.n);
    if (b->header.payload == UINT32_MAX) sim_fail(p->world, "producer: out of payload memory");
    b->header.record_count = pt->open_count;
    b->sealed = true;
    pt->open = PRODUCER_NIL;
    producer_open_clear(pt);
    if (b->header.flags & PROTO_BATCH_TRANSACTIONAL)
        history_txn_batch(p->history, producer_now(p), p->node, &b->header, p->txn_no);
}

/* The application has nothing more to send: as after flush() or close(), every batch is
 * ready without waiting for linger.ms. */
static bool producer_flushing(const producer *p) {
    return (p->next_id >= p->id_first + p->records && p->resend_count == 0) || p->txn_flush ||
           p->drive_flushing;
}

/* ProducerBatch.maybeUpdateLeaderEpoch and hasLeaderChangedForTheOngoingRetry, from 3.7
 * (KIP-951, RecordAccumulator.shouldBackoff): at each readiness check the batch compares the
 * partition's leader epoch (-1, unknown, is Metadata's Optional.empty) with the one it holds
 * and, when that counts as a change, takes it and notes its attempts so far; a retry whose
 * leader changed since its last attempt skips the rest of its backoff. What counts: at 3.7.0
 * any difference (!currentLeaderEpoch.equals(latestLeaderEpoch), ProducerBatch.java at 3.7.0),
 * so an epoch that became unknown or went back too; from 3.7.1 only a known epoch above the
 * batch's, or the first known one (latestLeaderEpoch.isPresent() && (!currentLeaderEpoch
 * .isPresent() || current < latest), KAFKA-16226, ProducerBatch.java at 3.7.1 and 3.9).
 * Before 3.7 a retry always waits. */
static PRODUCER_INLINE bool producer_leader_changed_for_retry(producer *p, producer_batch *b,
                                              const producer_partition *pt) {
    if (p->cfg->kafka_version < 30700) return false;
    int32_t latest = pt->leader_epoch < 0 ? PRODUCER_NO_LEADER_EPOCH : pt->leader_epoch;
    bool changed;
    if (p->cfg->kafka_version == 30700)
        changed = b->leader_epoch_seen != latest;
    else
        changed = latest != PRODUCER_NO_LEADER_EPOCH &&
                  (b->leader_epoch_seen == PRODUCER_NO_LEADER_EPOCH ||
                   b->leader_epoch_seen < latest);
    if (changed) {
        b->leader_epoch_seen = latest;
        b->attempts_when_leader_changed = b->header.attempt;
    }
    return b->header.attempt >= 1 && b->header.attempt == b->attempts_when_leader_changed;
}

/* RA.batchReady for the partition's head batch; when not ready, the time it will be. */
static PRODUCER_INLINE bool producer_head_ready(producer *p, const producer_partition *pt, int64_t *when) {
    producer_batch *b = &p->batches[pt->head];
    int64_t now = producer_now(p);
    bool leader_changed = producer_leader_changed_for_retry(p, b, pt);
    if (b->in_retry && now < b->retry_at_ns && !leader_changed) {
        *when = b->retry_at_ns;
        return false;
    }
    bool full = pt->head != pt->tail || b->sealed || pt->open_count >= p->records_per_batch;
    if (full || b->in_retry || producer_flushing(p)) return true;
    *when = b->created_ns + p->cfg->linger_ns;
    return now >= *when;
}

/* RA.shouldStopDrainBatchesForPartition, for the idempotent producer. */
static PRODUCER_INLINE bool producer_idempotent_hold(producer *p, producer_partition *pt, const producer_batch *b) {
    if (p->producer_id < 0 || p->pid_needed) return true;
    bool sequenced = b->header.base_sequence != PROTO_NO_SEQUENCE;
    if (!sequenced) {
        bool stale = pt->producer_id != p->producer_id || pt->producer_epoch != p->producer_epoch;
        /* Before KAFKA-12152 the staleness is the first in-flight batch's (nextBatchBySequence
         * with producerIdOrEpochNotMatch, RecordAccumulator.java at 2.7.0). */
        if (!producer_has_kafka_12152_fix(p) && pt->outstanding_count > 0)
            stale = producer_batch_stale(p, &p->batches[pt->outstanding[0]]);
        if (stale && pt->outstanding_count > 0) return true;
        if (pt->unresolved) return true;
        return false;
    }
    int32_t first = producer_first_outstanding_sequence(p, pt);
    return first != PROTO_NO_SEQUENCE && b->header.base_sequence != first;
}

/* Sequences are assigned at drain, never at send() (RA.drainBatchesForOneNode). */
static PRODUCER_INLINE void producer_assign_sequence(producer *p, producer_partition *pt, uint32_t i) {
    producer_batch *b = &p->batches[i];
    if (b->header.base_sequence != PROTO_NO_SEQUENCE) return;
    if (!producer_has_kafka_12152_fix(p)) {
        /* Before KAFKA-12152: the producer's current id and epoch with the partition's next
         * sequence, whatever epoch that sequence was counted in (RA.drain at 2.7.0). */
        pt->producer_id = p->producer_id;
        pt->producer_epoch = p->producer_epoch;
    } else if (pt->producer_id != p->producer_id || pt->producer_epoch != p->producer_epoch) {
        /* TM.maybeUpdateProducerIdAndEpoch: adopt the current id and epoch lazily. */
        pt->producer_id = p->producer_id;
        pt->producer_epoch = p->producer_epoch;
        pt->next_sequence = 0;
        pt->last_acked_sequence = -1;
    }
    b->header.producer_id = p->producer_id;
    b->header.producer_epoch = p->producer_epoch;
    b->header.base_sequence = pt->next_sequence;
    pt->next_sequence = proto_sequence_add(pt->next_sequence, b->header.record_count);
    producer_outstanding_add(p, pt, i);
}

/* Sends batch i (the head of pt) to broker. Returns false when the producer crashed in a step. */
static PRODUCER_INLINE bool producer_send_batch(producer *p, producer_partition *pt, uint32_t i,
                                                int broker) {
    producer_batch *b = &p->batches[i];
    producer_seal(p, i);
    producer_deque_remove(p, pt, i);
    if (producer_idempotent(p)) producer_assign_sequence(p, pt, i);
    b->header.attempt++;
    b->last_attempt_ns = producer_now(p);
    b->state = PRODUCER_BATCH_IN_FLIGHT;
    bool expect = p->cfg->acks != 0;
    b->in_request = expect;
    if (p->cfg->max_in_flight == 1 && expect) pt->muted = true;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.partition = b->partition;
    m.u.produce.batch = b->header;
    m.u.produce.timeout_ms = (int32_t)(p->cfg->request_timeout_ns / 1000000);
    m.u.produce.acks = (int8_t)p->cfg->acks;
    if (p->txn) m.u.produce.txn = (uint8_t)(p->txn->txn + 1);
    history_attempt(p->history, producer_now(p), p->node, &b->header, broker);
    p->produce_attempts++;
    producer_request_send(p, broker, &m, i, expect);
    uint32_t session = p->session;
    producer_step(p, STEP_PRODUCER_SEND, b->partition);
    if (p->session != session) return false;
    if (!expect) {
        /* acks=0: complete as soon as the request is written, offset unknown (section 2.4). */
        if (producer_idempotent(p)) producer_outstanding_remove(pt, i);
        producer_batch_complete(p, i, ERR_NONE, -1);
        producer_step(p, STEP_PRODUCER_ACK, b->partition);
        if (p->session != session) return false;
    }
    return true;
}

/* Drains the partition while its head is ready and its leader's connection has room. Returns
 * false when the producer crashed in a step. */
static PRODUCER_INLINE bool producer_drain_partition(producer *p, producer_partition *pt) {
    while (pt->head != PRODUCER_NIL) {
        if (pt->leader <= 0) {
            producer_request_metadata_update(p);
            return true;
        }
        int64_t when = SIM_TIME_NEVER;
        if (!producer_head_ready(p, pt, &when)) {
            producer_wakeup_at(p, when);
            return true;
        }
        if (pt->muted) return true;
        if (p->conns[pt->leader].count >= p->cfg->max_in_flight) return true;
        if (producer_now(p) < p->conns[pt->leader].reconnect_after_ns) {
            producer_wakeup_at(p, p->conns[pt->leader].reconnect_after_ns);
            return true;
        }
        if (producer_idempotent(p) && producer_idempotent_hold(p, pt, &p->batches[pt->head]))
            return true;
        if (!producer_send_batch(p, pt, pt->head, pt->leader)) return false;
    }
    return true;
}

/* ---- Sender over several partitions (Sender.sendProducerData) ---------------------------- */

/* RecordAccumulator.partitionReady / batchReady for one partition: true when its head makes its
 * leader a ready node; otherwise the sender is woken when it will be. A partition without a
 * known leader asks for metadata (unknownLeaderTopics). */
static bool producer_partition_ready(producer *p, producer_partition *pt) {
    if (pt->head == PRODUCER_NIL) return false;
    if (pt->leader <= 0) {
        producer_request_metadata_update(p);
        return false;
    }
    if (pt->muted) return false;
    int64_t when = SIM_TIME_NEVER;
    if (producer_head_ready(p, pt, &when)) return true;
    producer_wakeup_at(p, when);
    return false;
}

/* RecordAccumulator.updateNodeLatencyStats: when the node last had data ready and when it last
 * could be drained (only with partitioner.availability.timeout.ms). */
static void producer_node_latency(producer *p, int broker, bool can_drain) {
    if (p->cfg->partitioner_availability_timeout_ns <= 0) return;
    int64_t now = producer_now(p);
    if (!p->node_stats[broker]) {
        p->node_stats[broker] = true;
        p->node_drain_ns[broker] = now;
    }
    p->node_ready_ns[broker] = now;
    if (can_drain) p->node_drain_ns[broker] = now;
}

/* The adaptive load stats of one topic (RecordAccumulator.partitionReady's queueSizes): each
 * partition with a leader counts with its deque's size (queued: kept as the deque changes, so
 * O(1) as ArrayDeque.size is), unless its leader had data ready and could not be drained for
 * partitioner.availability.timeout.ms; only once every partition of the topic had a deque, and
 * only with partitioner.adaptive.partitioning.enable. */
static void producer_update_load_stats(producer *p, int t) {
    const producer_topic *topic = &p->topics[t];
    bool collect = p->cfg->partitioner_adaptive;
    for (int q = 0; q < topic->count && collect; q++)
        collect = p->partitions[topic->first + q].had_batch;
    int length = 0;
    int64_t timeout = p->cfg->partitioner_availability_timeout_ns;
    for (int q = 0; q < topic->count && collect; q++) {
        const producer_partition *pt = &p->partitions[topic->first + q];
        if (pt->leader <= 0) continue;
        p->queue_ids[length] = q;
        p->queue_sizes[length] = (int)pt->queued;
        bool stale = timeout > 0 && p->node_stats[pt->leader] &&
                     p->node_ready_ns[pt->leader] - p->node_drain_ns[pt->leader] > timeout;
        if (!(pt->head != PRODUCER_NIL && stale)) length++;
    }
    partitioner_update_load_stats(&p->partitioners[t], p->queue_sizes, p->queue_ids, length,
                                  collect ? topic->count : 0);
}

/* Takes the head batch i of pt into a request: sealed, out of the deque, and with idempotence
 * given its (producer id, epoch, sequence) (RA.drainBatchesForOneNode). */
static void producer_take_batch(producer *p, producer_partition *pt, uint32_t i) {
    producer_seal(p, i);
    producer_deque_remove(p, pt, i);
    if (producer_idempotent(p)) producer_assign_sequence(p, pt, i);
}

/* RecordAccumulator.drainBatchesForOneNode: round robin over the partitions broker leads from
 * its drain index, at most one batch per partition (and PROTO_PRODUCE_BATCHES_MAX in all),
 * skipping muted partitions and heads in retry backoff, and stopping at the first partition
 * whose head must wait for its sequences (shouldStopDrainBatchesForPartition: break, not
 * continue). Every non-empty partition is drained, ready by itself or not. Returns the batches
 * taken, in drain order. */
static int producer_drain_node(producer *p, int broker, uint32_t *out) {
    int from = p->by_leader_first[broker], m = p->by_leader_first[broker + 1] - from;
    if (m <= 0) return 0;
    int start = p->drain_index[broker] % m, at = start, n = 0;
    do {
        int g = p->by_leader[from + at];
        p->drain_index[broker] = at;
        at = (at + 1) % m;
        producer_partition *pt = &p->partitions[g];
        if (pt->muted || pt->head == PRODUCER_NIL) continue;
        producer_batch *first = &p->batches[pt->head];
        bool leader_changed = producer_leader_changed_for_retry(p, first, pt);
        if (first->in_retry && producer_now(p) < first->retry_at_ns && !leader_changed) continue;
        if (n == PROTO_PRODUCE_BATCHES_MAX) break;
        if (producer_idempotent(p) && producer_idempotent_hold(p, pt, first)) break;
        out[n++] = pt->head;
        producer_take_batch(p, pt, pt->head);
    } while (at != start);
    return n;
}

/* One ProduceRequest to broker with the n drained batches (Sender.sendProduceRequest): the
 * first in the message, the others beside it. Returns false when the producer crashed in a
 * step. */
static bool producer_send_batches(producer *p, int broker, const uint32_t *idx, int n) {
    bool expect = p->cfg->acks != 0;
    proto_batch more[PROTO_PRODUCE_BATCHES_MAX - 1]; /* borrowed by net_send */
    producer_request_batch *block = NULL;
    if (n > 1 && expect && !(block = producer_more_acquire(p))) return false;
    for (int k = 0; k < n; k++) {
        producer_batch *b = &p->batches[idx[k]];
        b->header.attempt++;
        b->last_attempt_ns = producer_now(p);
        b->state = PRODUCER_BATCH_IN_FLIGHT;
        b->in_request = expect;
        if (p->cfg->max_in_flight == 1 && expect) p->partitions[b->partition].muted = true;
        history_attempt(p->history, producer_now(p), p->node, &b->header, broker);
        if (k == 0) continue;
        more[k - 1] = b->header;
        if (block)
            block[k - 1] = (producer_request_batch){.batch = idx[k],
                                                    .base_sequence = b->header.base_sequence,
                                                    .producer_epoch = b->header.producer_epoch};
    }
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.partition = p->batches[idx[0]].partition;
    m.u.produce.batch = p->batches[idx[0]].header;
    m.u.produce.batch_count = (uint16_t)n;
    m.u.produce.more = n > 1 ? more : NULL;
    m.u.produce.timeout_ms = (int32_t)(p->cfg->request_timeout_ns / 1000000);
    m.u.produce.acks = (int8_t)p->cfg->acks;
    if (p->txn) m.u.produce.txn = (uint8_t)(p->txn->txn + 1);
    p->produce_attempts++;
    if (n > 1) p->multi_partition_requests++;
    producer_request_send_produce(p, broker, &m, idx[0], block, expect);
    uint32_t session = p->session;
    producer_step(p, STEP_PRODUCER_SEND, p->batches[idx[0]].partition);
    if (p->session != session) return false;
    for (int k = 0; k < n && !expect; k++) {
        /* acks=0: complete as soon as the request is written, offset unknown (section 2.4). */
        producer_batch *b = &p->batches[idx[k]];
        if (producer_idempotent(p)) producer_outstanding_remove(&p->partitions[b->partition], idx[k]);
        producer_batch_complete(p, idx[k], ERR_NONE, -1);
        producer_step(p, STEP_PRODUCER_ACK, b->partition);
        if (p->session != session) return false;
    }
    return true;
}

/* Some partition broker leads has a ready head. */
static bool producer_node_ready(producer *p, int broker) {
    for (int k = p->by_leader_first[broker]; k < p->by_leader_first[broker + 1]; k++)
        if (producer_partition_ready(p, &p->partitions[p->by_leader[k]])) return true;
    return false;
}

/* Sender.sendProducerData for one ready node: while the connection can take a request
 * (NetworkClient.ready: max.in.flight.requests.per.connection requests on it, reconnect
 * backoff) and the node stays ready, drain a request and send it. Returns false when the
 * producer crashed in a step. */
static bool producer_send_to_node(producer *p, int broker) {
    producer_conn *c = &p->conns[broker];
    for (;;) {
        bool backoff = producer_now(p) < c->reconnect_after_ns;
        if (backoff) producer_wakeup_at(p, c->reconnect_after_ns);
        bool can = !backoff && c->count < p->cfg->max_in_flight;
        producer_node_latency(p, broker, can);
        if (!can) return true;
        uint32_t idx[PROTO_PRODUCE_BATCHES_MAX];
        int n = producer_drain_node(p, broker, idx);
        if (n == 0) return true;
        if (!producer_send_batches(p, broker, idx, n)) return false;
        if (!producer_node_ready(p, broker)) return true;
    }
}

/* RecordAccumulator.ready over every partition (with each topic's load stats for the
 * uniform sticky partitioner), then a drain per ready node. */
static void producer_sender_run_nodes(producer *p) {
    bool ready[PROTO_BROKERS_MAX + 1] = {false};
    for (int t = 0; t < p->topic_count; t++) {
        const producer_topic *topic = &p->topics[t];
        for (int q = 0; q < topic->count; q++) {
            producer_partition *pt = &p->partitions[topic->first + q];
            if (producer_partition_ready(p, pt)) ready[pt->leader] = true;
        }
        if (p->partitioner == PARTITIONER_UNIFORM_STICKY && !p->keyed)
            producer_update_load_stats(p, t);
    }
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
        if (ready[b] && !producer_send_to_node(p, b)) return;
    /* A partition found without a leader asked for metadata: the sender runs again for it
     * (Sender.sendProducerData's metadata.requestUpdate, then the poll's update). */
    if (p->metadata_needed && !p->metadata_in_flight && p->bootstrap_count > 0)
        producer_wakeup_at(p, p->metadata_after_ns);
}

/* Sender.runOnce from the metadata update on: metadata, then every partition's drain, unless
 * produce is false (a transactional request in flight or about to go: Sender.runOnce returns
 * before sendProducerData; the metadata update is NetworkClient.poll's). */
static PRODUCER_INLINE void producer_sender_send(producer *p, bool produce) {
    if (!p->metadata_needed && producer_now(p) >= producer_metadata_expiry_ns(p))
        producer_request_metadata_update(p); /* metadata.max.age.ms */
    producer_metadata_request(p);
    if (p->metadata_needed && !p->metadata_in_flight && p->metadata_after_ns > producer_now(p))
        producer_wakeup_at(p, p->metadata_after_ns);
    if (!p->metadata_needed) producer_wakeup_at(p, producer_metadata_expiry_ns(p));
    if (!produce) return;
    if (p->partition_count > 1) {
        producer_sender_run_nodes(p);
        return;
    }
    for (int k = 0; k < p->partition_count; k++)
        if (!producer_drain_partition(p, &p->partitions[k])) return;
}

/* Sender.runOnce of a transactional producer: its transactional part, then the rest. */
static PRODUCER_COLD void producer_txn_sender_run(producer *p) {
    producer_sender_send(p, producer_txn_run(p));
}

/* One pass of Sender.runOnce: sequences, ids, metadata, then every partition's drain. */
static void producer_sender_run(producer *p) {
    if (!p->started || p->crashed || producer_now(p) < p->paused_until_ns) return;
    if (p->txn) {
        producer_txn_sender_run(p);
        return;
    }
    if (producer_idempotent(p)) {
        producer_resolve_sequences(p);
        producer_bump_epoch_if_needed(p);
        producer_init_pid_request(p);
        if (p->pid_needed && !p->init_pid_in_flight && p->pid_after_ns > producer_now(p))
            producer_wakeup_at(p, p->pid_after_ns);
    }
    producer_sender_send(p, true);
}

/* After any change: the application may send more, then the sender runs. */
static void producer_poll(producer *p) {
    if (p->crashed) return;
    producer_app_pump(p);
    producer_sender_run(p);
}

/* ---- Messages --------------------------------------------------------------------------- */

/* Groups the partitions by leader, in g order within a leader (Cluster.partitionsForNode), for
 * the drain; a drain index past a changed list's end wraps (drainIndex % parts.size()). */
static void producer_group_by_leader(producer *p) {
    int count[PROTO_BROKERS_MAX + 2] = {0};
    for (int g = 0; g < p->partition_count; g++) {
        int l = p->partitions[g].leader;
        p->available[g] = l > 0;
        if (l > 0) count[l]++;
    }
    p->by_leader_first[0] = p->by_leader_first[1] = 0;
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
        p->by_leader_first[b + 1] = p->by_leader_first[b] + count[b];
    int at[PROTO_BROKERS_MAX + 1];
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++) at[b] = p->by_leader_first[b];
    for (int g = 0; g < p->partition_count; g++) {
        int l = p->partitions[g].leader;
        if (l > 0) p->by_leader[at[l]++] = (uint16_t)g;
    }
}

/* A Metadata response for several partitions: each entry's leader (or none) is taken; once the
 * last page is in, the update is done (Metadata.update), and the next refresh waits
 * retry.backoff.ms (Metadata's refresh backoff) as Kafka's does. */
static void producer_on_metadata_pages(producer *p, const proto_msg *m) {
    p->metadata_in_flight = false;
    const proto_metadata_response *r = &m->u.metadata_response;
    int count = r->partition_count ? r->partition_count : 1;
    if (m->partition != p->metadata_page) return; /* an answer to an older page */
    for (int k = 0; k < count && m->partition + k < p->partition_count; k++) {
        proto_metadata_partition e = proto_metadata_at(r, k);
        producer_partition *pt = &p->partitions[m->partition + k];
        bool known = e.error == ERR_NONE && e.leader > 0 && e.leader <= PROTO_BROKERS_MAX;
        if (e.error != ERR_NONE)
            history_error(p->history, producer_now(p), p->node, API_METADATA, e.error);
        pt->leader = known ? e.leader : -1;
        pt->leader_epoch = known ? e.leader_epoch : -1;
    }
    p->metadata_page = m->partition + count;
    if (p->metadata_page < p->partition_count) return; /* the next page goes out at once */
    p->metadata_page = 0;
    p->metadata_needed = false;
    p->metadata_refreshed_ns = producer_now(p);
    p->metadata_after_ns = producer_now(p) + p->cfg->retry_backoff_ns;
    producer_group_by_leader(p);
}

static void producer_on_metadata(producer *p, const proto_msg *m) {
    if (p->partition_count > 1) {
        producer_on_metadata_pages(p, m);
        return;
    }
    p->metadata_in_flight = false;
    const proto_metadata_response *r = &m->u.metadata_response;
    if (r->error != ERR_NONE || r->leader <= 0 || r->leader > PROTO_BROKERS_MAX) {
        if (r->error != ERR_NONE) history_error(p->history, producer_now(p), p->node,
                                                API_METADATA, r->error);
        p->metadata_after_ns = producer_now(p) + p->cfg->retry_backoff_ns;
        return;
    }
    p->metadata_needed = false;
    p->metadata_refreshed_ns = producer_now(p);
    for (int k = 0; k < p->partition_count; k++) {
        p->partitions[k].leader = r->leader;
        p->partitions[k].leader_epoch = r->leader_epoch;
    }
}

static void producer_on_init_pid(producer *p, const proto_msg *m) {
    p->init_pid_in_flight = false;
    const proto_init_producer_id_response *r = &m->u.init_pid_response;
    if (r->error != ERR_NONE || r->producer_id < 0) {
        history_error(p->history, producer_now(p), p->node, API_INIT_PRODUCER_ID, r->error);
        p->pid_after_ns = producer_now(p) + p->cfg->retry_backoff_ns;
        return;
    }
    p->producer_id = r->producer_id;
    p->producer_epoch = r->producer_epoch;
    p->pid_needed = false;
    history_producer_id(p->history, producer_now(p), p->node, p->producer_id, p->producer_epoch);
}

/* Sender.handleProduceResponse for a request of several batches: each batch completes with its
 * partition's result (the broker answers in the request's order). Returns false when the
 * producer crashed in an ack step. */
static bool producer_on_produce_results(producer *p, const producer_request *r,
                                        const proto_msg *m) {
    const proto_produce_response *pr = &m->u.produce_response;
    int results = pr->result_count ? pr->result_count : 1;
    for (int k = 0; k < r->batch_count; k++) {
        producer_request_batch rb = producer_request_batch_at(r, k);
        producer_request one = *r;
        one.batch = rb.batch;
        one.sent.base_sequence = rb.base_sequence;
        one.sent.producer_epoch = rb.producer_epoch;
        proto_produce_result res = {.base_offset = -1, .error = ERR_NETWORK_EXCEPTION};
        if (k < results) res = proto_produce_result_at(pr, m->partition, k);
        int g = p->batches[rb.batch].partition;
        SIM_ASSERT(p->world, k >= results || res.partition == g);
        if (producer_on_produce_result(p, &one, res.error, res.base_offset)) {
            uint32_t session = p->session;
            producer_step(p, STEP_PRODUCER_ACK, g);
            if (p->session != session) return false;
        }
    }
    return true;
}

/* One message; returns false when the producer crashed in a step while handling it. */
static bool producer_handle(producer *p, const proto_msg *m) {
    int broker = (int)m->from;
    if (!node_is_broker(m->from)) return true;
    if (m->api == API_DISCONNECT) {
        producer_conn_fail_all(p, broker, ERR_NETWORK_EXCEPTION);
        return true;
    }
    producer_request r;
    if (!m->is_response || !producer_request_take(p, broker, m->correlation_id, &r)) return true;
    if (m->api == API_METADATA) {
        producer_on_metadata(p, m);
    } else if (m->api == API_INIT_PRODUCER_ID && !p->txn) {
        producer_on_init_pid(p, m);
    } else if (m->api == API_PRODUCE && r.batch_count > 1) {
        bool alive = producer_on_produce_results(p, &r, m);
        producer_more_release(p, r.more);
        if (!alive) return false;
    } else if (m->api == API_PRODUCE) {
        const proto_produce_response *pr = &m->u.produce_response;
        if (producer_on_produce_result(p, &r, pr->error, pr->base_offset)) {
            uint32_t session = p->session;
            producer_step(p, STEP_PRODUCER_ACK, m->partition);
            if (p->session != session) return false;
        }
    } else if (p->txn) {
        producer_txn_on_response(p, m);
    }
    return true;
}

static void producer_on_message(void *ctx, const proto_msg *m) {
    producer *p = ctx;
    if (p->crashed) return;
    if (producer_now(p) < p->paused_until_ns) {
        if (p->deferred_count == p->deferred_capacity) {
            uint32_t cap = p->deferred_capacity ? p->deferred_capacity * 2 : 16;
            proto_msg *d = realloc(p->deferred, (size_t)cap * sizeof *d);
            if (!d) {
                sim_exhaust(p->world, "producer: out of memory for paused messages");
                return;
            }
            p->deferred = d;
            p->deferred_capacity = cap;
        }
        /* What the message carries out of line is the network's only for this delivery. */
        size_t bytes = proto_msg_outline_bytes(m);
        if (p->deferred_outline_used + bytes > p->deferred_outline_capacity) {
            size_t cap = p->deferred_outline_capacity ? p->deferred_outline_capacity * 2 : 4096;
            while (cap < p->deferred_outline_used + bytes) cap *= 2;
            unsigned char *o = realloc(p->deferred_outline, cap);
            if (!o) {
                sim_exhaust(p->world, "producer: out of memory for paused messages");
                return;
            }
            p->deferred_outline = o;
            p->deferred_outline_capacity = cap;
        }
        if (bytes) memcpy(p->deferred_outline + p->deferred_outline_used, proto_msg_outline(m), bytes);
        p->deferred_outline_used += bytes;
        p->deferred[p->deferred_count++] = *m;
        return;
    }
    if (producer_handle(p, m)) producer_poll(p);
}

/* ---- Timers ----------------------------------------------------------------------------- */

/* TM.markSequenceUnresolved: the partition is unresolved from the expired batch's last
 * sequence + 1 (the larger of two such marks), so the batch starting there is the one whose
 * OUT_OF_ORDER_SEQUENCE_NUMBER proves the gap and bumps the epoch (TM.canRetry,
 * isNextSequenceForUnresolvedPartition). Math.max as Kafka has it, without wrap-around. */
static void producer_mark_sequence_unresolved(producer *p, producer_partition *pt,
                                              const producer_batch *b) {
    int32_t next = proto_sequence_add(proto_batch_last_sequence(&b->header), 1);
    if (!pt->unresolved || next > pt->unresolved_next_sequence) pt->unresolved_next_sequence = next;
    pt->unresolved = true;
    p->sequences_flagged = true;
}

/* delivery.timeout.ms: a queued or in-flight batch fails with a TimeoutException
 * (Sender.sendProducerData: failBatch, then markSequenceUnresolved for a batch in retry). */
static void producer_on_expiry(producer *p, uint32_t i) {
    producer_batch *b = &p->batches[i];
    if (b->state != PRODUCER_BATCH_QUEUED && b->state != PRODUCER_BATCH_IN_FLIGHT) return;
    producer_partition *pt = &p->partitions[b->partition];
    bool in_flight = b->state == PRODUCER_BATCH_IN_FLIGHT;
    history_expire(p->history, producer_now(p), p->node, &b->header, in_flight);
    p->expired++;
    if (producer_idempotent(p)) {
        if (b->in_retry && b->header.base_sequence != PROTO_NO_SEQUENCE)
            producer_mark_sequence_unresolved(p, pt, b);
        producer_outstanding_remove(pt, i);
    }
    if (in_flight && p->cfg->max_in_flight == 1) pt->muted = false;
    /* Sender.failBatch: the transaction manager hears of it (an abortable error). */
    if (p->txn) txn_manager_on_batch_failed(p->txn, ERR_CLIENT_DELIVERY_TIMEOUT, producer_now(p));
    producer_batch_complete(p, i, ERR_CLIENT_DELIVERY_TIMEOUT, -1);
}

/* The oldest request on the connection may be past request.timeout.ms: close the connection
 * and fail all of it (NetworkClient.handleTimedOutRequests). */
static void producer_on_conn_timeout(producer *p, int broker) {
    producer_conn *c = &p->conns[broker];
    if (c->count == 0) return;
    if (producer_now(p) - producer_conn_req(p, c, 0)->sent_ns <
        proto_request_timeout_ns(p->cfg->request_timeout_ns)) {
        producer_conn_arm(p, broker);
        return;
    }
    net_close(p->net, p->node, node_broker(broker), true); /* graceful: network.h */
    producer_conn_fail_all(p, broker, ERR_REQUEST_TIMED_OUT);
}

/* Batch i's own expiry timer, the array of them made (every slot's idle, as a taken slot's is)
 * the first time a deadline falls in a pause; NULL when memory ran out (the world stops). */
static PRODUCER_COLD sim_timer *producer_batch_expiry_timer(producer *p, uint32_t i) {
    if (!p->batch_expiry) {
        p->batch_expiry = calloc(p->batch_capacity, sizeof *p->batch_expiry);
        if (!p->batch_expiry) {
            sim_exhaust(p->world, "producer: out of memory for delivery timeouts");
            return NULL;
        }
    }
    return &p->batch_expiry[i];
}

static sim_timer *producer_timer_of(producer *p, enum producer_event what, uint32_t index) {
    switch (what) {
    case PRODUCER_EV_APP_TICK: return &p->app_tick;
    case PRODUCER_EV_WAKEUP: return &p->wakeup;
    case PRODUCER_EV_CONN_TIMEOUT: return index <= PROTO_BROKERS_MAX ? &p->conns[index].timeout : NULL;
    case PRODUCER_EV_EXPIRY:
        return index < p->batch_used && p->batch_expiry ? &p->batch_expiry[index] : NULL;
    case PRODUCER_EV_EXPIRY_HEAD: return &p->expiry_timer;
    case PRODUCER_EV_TXN_BLOCK: return &p->txn_block;
    case PRODUCER_EV_DRIVE: return &p->drive_notify;
    case PRODUCER_EV_DRIVE_BLOCK: return &p->drive_block;
    default: return NULL;
    }
}

static void producer_on_resume(producer *p) {
    if (producer_now(p) < p->paused_until_ns) return;
    /* Handled in arrival order; a crash in a step ends the replay. Out-of-line parts were kept
     * in arrival order too, each copied out before its message is handled. */
    size_t outline_at = 0;
    for (uint32_t k = 0; k < p->deferred_count && !p->crashed; k++) {
        proto_msg m = p->deferred[k];
        proto_batch room[PROTO_OUTLINE_BYTES_MAX / sizeof(proto_batch)];
        size_t bytes = proto_msg_outline_bytes(&m);
        if (bytes) {
            memcpy(room, p->deferred_outline + outline_at, bytes);
            proto_msg_outline_set(&m, room);
            outline_at += bytes;
        }
        uint32_t session = p->session;
        producer_handle(p, &m);
        if (p->session != session) return;
    }
    p->deferred_count = 0;
    p->deferred_outline_used = 0;
}

static void producer_on_event(void *ctx, sim_world *w, const sim_event *ev) {
    producer *p = ctx;
    enum producer_event what = (enum producer_event)(ev->arg & 0xff);
    uint32_t session = (uint32_t)((ev->arg >> 8) & 0xffffff);
    uint32_t index = (uint32_t)(ev->arg >> 32);
    uint64_t arg = ev->arg;
    if (session != (p->session & 0xffffffu) || p->crashed) return;
    if (what == PRODUCER_EV_RESUME) {
        producer_on_resume(p);
        producer_poll(p);
        return;
    }
    sim_timer *t = producer_timer_of(p, what, index);
    if (!t || !sim_timer_fired(w, t, ev)) return;
    if (what == PRODUCER_EV_EXPIRY_HEAD) {
        /* The oldest live batch reached its deadline: it leaves the FIFO, and is then handled
         * exactly as its own expiry timer would be, pause included. */
        const producer_expiry *e = &p->expiry_fifo[p->expiry_head];
        SIM_ASSERT(w, p->expiry_count > 0 && e->seq == sim_event_seq(ev));
        SIM_ASSERT(w, producer_expiry_live(p, e));
        index = e->batch;
        p->expiry_head = (p->expiry_head + 1) & (p->expiry_capacity - 1);
        p->expiry_count--;
        producer_expiry_sync(p);
        what = PRODUCER_EV_EXPIRY;
        arg = producer_arg(p, PRODUCER_EV_EXPIRY, index);
        if (sim_now(w) < p->paused_until_ns) {
            /* the batch's own timer waits out the pause (made here the first time) */
            t = producer_batch_expiry_timer(p, index);
            if (!t) return; /* out of memory: the world stops */
        }
    }
    if (sim_now(w) < p->paused_until_ns) {
        sim_timer_arm(w, t, p->paused_until_ns, p->kind, arg); /* fires after the pause */
        return;
    }
    switch (what) {
    case PRODUCER_EV_APP_TICK: producer_on_app_tick(p); break;
    case PRODUCER_EV_WAKEUP: p->wakeup_ns = SIM_TIME_NEVER; break;
    case PRODUCER_EV_CONN_TIMEOUT: producer_on_conn_timeout(p, (int)index); break;
    case PRODUCER_EV_EXPIRY: producer_on_expiry(p, index); break;
    case PRODUCER_EV_TXN_BLOCK:
        if (p->driven) producer_drive_txn_block_expired(p);
        else producer_txn_on_block(p);
        break;
    case PRODUCER_EV_DRIVE: producer_drive_notify(p); break;
    case PRODUCER_EV_DRIVE_BLOCK: producer_drive_block_expired(p); break;
    default: break;
    }
    producer_poll(p);
}

/* ---- Transactions (TransactionManager, Sender, KafkaProducer's transactional calls) ------- */

/* A timed-out call still pending in the manager (the sender works on it; nobody waits). */
static bool producer_drive_txn_in_background(const producer *p) {
    return p->drive_txn_unacked != PRODUCER_DRIVE_TXN_NONE && !p->drive_txn_unacked_done;
}

/* KafkaProducer.doSend's maybeAddPartition, once per new batch (every batch of a transaction
 * is created inside it, and a partition's first record opens a batch): the batch is
 * transactional, and its partition waits for AddPartitionsToTxn. Kafka's drain stops at a
 * partition not added (RA.shouldStopDrainBatchesForPartition: isSendToPartitionAllowed); the
 * model mutes the partition until it is added, a check the drain makes anyway (a muted
 * partition is skipped, not a stop of the node's drain: the other partitions of the node go on,
 * which Kafka's `break` leaves to the next drain). A partition not yet added has nothing in
 * flight, so no max.in.flight=1 mute is lost. */
static PRODUCER_COLD void producer_txn_on_new_batch(producer *p, uint32_t i) {
    producer_batch *b = &p->batches[i];
    b->header.flags = PROTO_BATCH_TRANSACTIONAL;
    if (!txn_manager_add_partition(p->txn, b->partition)) p->partitions[b->partition].muted = true;
}

/* Kafka's sequence state of every partition restarts at 0 under the new producer id and epoch
 * (TM.resetSequenceNumbers after InitProducerId). Nothing is in flight then: InitProducerId
 * goes only after EndTxn, which waits for every batch. */
static void producer_txn_reset_sequences(producer *p) {
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        pt->producer_id = p->producer_id;
        pt->producer_epoch = p->producer_epoch;
        pt->next_sequence = 0;
        pt->last_acked_sequence = -1;
        pt->unresolved = false;
        pt->bump_requested = false;
    }
}

static PRODUCER_COLD void producer_txn_on_response(producer *p, const proto_msg *m) {
    txn_manager *tm = p->txn;
    unsigned ev = txn_manager_on_response(tm, m, producer_now(p));
    if (ev & TXN_EV_ADDED)
        for (int k = 0; k < tm->req_part_count; k++) p->partitions[tm->req_parts[k]].muted = false;
    if (ev & TXN_EV_PRODUCER_ID) {
        history_producer_id(p->history, producer_now(p), p->node, p->producer_id,
                            p->producer_epoch);
        producer_txn_reset_sequences(p);
    }
}

/* TM.handleFailedBatch for a transactional producer: the error state first
 * (maybeTransitionToErrorState); UNKNOWN_PRODUCER_ID forgets the partition's sequences
 * (resetSequenceForPartition). Kafka's adjustSequencesDueToFailedBatch (later in-flight
 * sequences moved down by the failed batch's records) is not modelled: the transaction aborts,
 * and the bump that follows restarts every sequence. */
static PRODUCER_COLD void producer_txn_failed_batch(producer *p, const producer_batch *b, int error) {
    txn_manager_on_batch_failed(p->txn, error, producer_now(p));
    if (error != ERR_UNKNOWN_PRODUCER_ID) return;
    producer_partition *pt = &p->partitions[b->partition];
    pt->producer_id = PROTO_NO_PRODUCER_ID;
    pt->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    pt->next_sequence = 0;
    pt->last_acked_sequence = -1;
    pt->unresolved = false;
}

/* RA.abortUndrainedBatches (every queued batch without a sequence: TransactionAbortedException
 * while aborting, or the error that made the transaction abortable) and, with all,
 * RA.abortBatches (every incomplete batch, in flight too: the fatal error; late answers for them
 * are ignored). */
static void producer_txn_abort_batches(producer *p, int error, bool all) {
    for (int b = 0; b <= PROTO_BROKERS_MAX && all; b++) {
        producer_conn *c = &p->conns[b];
        for (int k = 0; k < c->count; k++) {
            const producer_request *r = producer_conn_req(p, c, k);
            if (r->api != API_PRODUCE) continue;
            for (int j = 0; j < (r->batch_count > 1 ? r->batch_count : 1); j++) {
                uint32_t i = producer_request_batch_at(r, j).batch;
                if (i == PRODUCER_NIL || p->batches[i].state != PRODUCER_BATCH_IN_FLIGHT) continue;
                producer_outstanding_remove(&p->partitions[p->batches[i].partition], i);
                producer_batch_complete(p, i, error, -1);
            }
        }
    }
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        uint32_t i = pt->head;
        while (i != PRODUCER_NIL) {
            uint32_t next = p->batches[i].next;
            if (all || p->batches[i].header.base_sequence == PROTO_NO_SEQUENCE) {
                producer_outstanding_remove(pt, i);
                producer_batch_complete(p, i, error, -1);
            }
            i = next;
        }
    }
}

/* TM.maybeResolveSequences for a transactional producer: a partition whose expired batches
 * left a gap aborts the transaction instead of bumping locally (abortable with a bump, else
 * fatal). */
static void producer_txn_resolve_sequences(producer *p) {
    if (!p->sequences_flagged) return;
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        if (!pt->unresolved || pt->outstanding_count > 0) continue;
        if (!producer_is_next_sequence(pt, pt->next_sequence))
            txn_manager_on_unresolved(p->txn, producer_now(p));
        pt->unresolved = false;
    }
}

/* The application may act on what the manager did (a call returned, an error state): the
 * sender lets it before going on, as the application thread would run meanwhile. */
static bool producer_txn_app_wants(const producer *p) {
    const txn_manager *tm = p->txn;
    if (p->driven) /* a driven call returned, not yet told */
        return ((p->drive_txn_call != PRODUCER_DRIVE_TXN_NONE && !p->drive_txn_told) ||
                producer_drive_txn_in_background(p)) &&
               tm->result != TXN_RESULT_PENDING;
    switch (p->txn_phase) {
    case PRODUCER_TXN_INIT:
    case PRODUCER_TXN_COMMITTING:
    case PRODUCER_TXN_ABORTING: return tm->result != TXN_RESULT_PENDING;
    case PRODUCER_TXN_OPEN:
        return tm->state == TXN_MGR_ABORTABLE_ERROR || tm->state == TXN_MGR_FATAL_ERROR;
    default: return false;
    }
}

/* Sender.runOnce's transactional part (maybeResolveSequences, the fatal state,
 * maybeSendAndPollTransactionalRequest). Returns true when the sender may go on to
 * sendProducerData (Produce). */
static PRODUCER_COLD bool producer_txn_run(producer *p) {
    txn_manager *tm = p->txn;
    int64_t now = producer_now(p);
    for (int round = 0; round < 4; round++) {
        producer_txn_resolve_sequences(p);
        if (tm->state == TXN_MGR_FATAL_ERROR) {
            if (p->in_producer > 0) producer_txn_abort_batches(p, tm->last_error, true);
        } else if ((tm->state == TXN_MGR_ABORTABLE_ERROR ||
                    tm->state == TXN_MGR_ABORTING_TRANSACTION) && p->in_producer > 0) {
            int error = tm->last_error != ERR_NONE ? tm->last_error : ERR_CLIENT_TXN_ABORTED;
            producer_txn_abort_batches(p, error, false);
        }
        if (producer_txn_app_wants(p)) {
            producer_txn_app_pump(p);
            continue;
        }
        if (tm->state == TXN_MGR_FATAL_ERROR) return false;
        proto_msg m;
        int to = -1;
        int64_t wake = SIM_TIME_NEVER;
        txn_next next = txn_manager_next(tm, p->in_producer > 0, now, &m, &to, &wake);
        if (producer_txn_app_wants(p)) continue; /* a call completed on the way */
        if (next == TXN_NEXT_PRODUCE) return true;
        if (next == TXN_NEXT_WAIT) {
            if (wake != SIM_TIME_NEVER) producer_wakeup_at(p, wake);
            return false;
        }
        int broker = to > 0 ? to : producer_pick_broker(p);
        producer_conn *c = &p->conns[broker];
        if (now < c->reconnect_after_ns) {
            /* awaitNodeReady failed (the node refuses connections): find the coordinator
             * again and retry after the backoff (maybeFindCoordinatorAndRetry). */
            txn_manager_not_sent(tm, now);
            producer_wakeup_at(p, c->reconnect_after_ns);
            return false;
        }
        if (c->count >= p->cfg->max_in_flight) {
            /* awaitNodeReady waits for room on the connection: the same request goes when an
             * answer comes. */
            tm->slept = true;
            tm->sleep_until_ns = now;
            return false;
        }
        /* producer.txn-flushed: the EndTxn is next, every batch answered
         * (TransactionManager.nextRequest at 3.9: "Do not send the EndTxn until all batches
         * have been flushed"). */
        bool end_txn = m.api == API_END_TXN;
        if (end_txn && producer_txn_step(p, STEP_PRODUCER_TXN_FLUSHED)) {
            /* Paused here, the EndTxn goes when the pause ends (the sender runs again at the
             * resume); crashed here (the crash is the next event at this instant), never: the
             * request is held as in the sender's sleep before a retry. */
            tm->slept = true;
            tm->sleep_until_ns = now < p->paused_until_ns ? p->paused_until_ns : SIM_TIME_NEVER;
            return false;
        }
        uint32_t corr = producer_request_send(p, broker, &m, PRODUCER_NIL, true);
        txn_manager_sent(tm, broker, corr);
        if (end_txn) producer_txn_step(p, STEP_PRODUCER_END_TXN); /* nothing follows */
        return false;
    }
    /* Transactions that end where they began (aborted before anything was added) can follow
     * one another at one instant: the sender goes on in a poll of its own. */
    producer_wakeup_at(p, now);
    return false;
}

/* ---- The transactional application --------------------------------------------------------- */

/* max.block.ms: the pending call throws a TimeoutException and the application calls it again
 * (KafkaProducer's javadoc: the same call, whose result the manager kept). Recorded as a
 * client-side error of the call's request. */
static void producer_txn_block_arm(producer *p) {
    sim_timer_arm(p->world, &p->txn_block, producer_now(p) + p->cfg->max_block_ns, p->kind,
                  producer_arg(p, PRODUCER_EV_TXN_BLOCK, 0));
}

static PRODUCER_COLD void producer_txn_on_block(producer *p) {
    if (p->txn_phase != PRODUCER_TXN_INIT && p->txn_phase != PRODUCER_TXN_COMMITTING &&
        p->txn_phase != PRODUCER_TXN_ABORTING)
        return;
    int api = p->txn_phase == PRODUCER_TXN_INIT ? API_INIT_PRODUCER_ID : API_END_TXN;
    history_error(p->history, producer_now(p), p->node, api, ERR_CLIENT_TXN_TIMEOUT);
    producer_txn_block_arm(p);
}

/* The application's records are not all sent yet. */
static bool producer_txn_records_left(const producer *p) {
    return p->next_id < p->id_first + p->records || p->resend_count > 0;
}

/* KafkaProducer.send of the transaction's next records: resends first, then new ids as the
 * rate allows, until the transaction holds workload.transaction.records or buffer.memory is
 * full. Each id sent joins txn_ids. */
static void producer_txn_app_send(producer *p) {
    while (p->txn_count < p->txn_size && p->resend_count > 0 && producer_buffer_has_room(p)) {
        uint32_t id = p->resend[p->resend_head];
        p->resend_head = (p->resend_head + 1) % p->records;
        p->resend_count--;
        producer_app_resend(p, id);
        p->txn_ids[p->txn_count++] = id;
    }
    uint64_t allowed = p->rate_per_s > 0 ? p->app_ticks : p->records;
    uint64_t limit = p->id_first + (allowed < p->records ? allowed : p->records);
    uint64_t room = p->txn_size - p->txn_count;
    if (limit > p->next_id + room) limit = p->next_id + room;
    if (limit <= p->next_id) return;
    uint64_t from = p->next_id;
    producer_app_send_new(p, limit);
    for (uint64_t id = from; id < p->next_id; id++) p->txn_ids[p->txn_count++] = (uint32_t)id;
}

/* The transaction's records go to the resend ring (sent again in the next transaction), or are
 * given up; the application forgets the transaction. */
static void producer_txn_requeue(producer *p, bool resend) {
    for (uint32_t k = 0; k < p->txn_count; k++) {
        uint32_t id = p->txn_ids[k];
        uint8_t *o = &p->outcome[id - p->id_first];
        if (*o == PRODUCER_RECORD_PENDING) {
            SIM_ASSERT(p->world, p->in_producer > 0);
            p->in_producer--;
        }
        if (resend) {
            *o = PRODUCER_RECORD_RESEND;
            p->resend[(p->resend_head + p->resend_count++) % p->records] = id;
        } else {
            *o = PRODUCER_RECORD_GIVEN_UP;
            p->given_up++;
        }
    }
    p->txn_count = 0;
}

static void producer_txn_call_done(producer *p) {
    p->txn->result = TXN_RESULT_NONE;
    sim_timer_cancel(&p->txn_block);
}

/* The transaction ends on an error (a failed call, or an error state seen at the next send):
 * KafkaProducer's javadoc pattern, ProducerFencedException, OutOfOrderSequenceException (and
 * its subclass UnknownProducerIdException) close the producer, any other KafkaException aborts
 * the transaction and the application sends its records again. A fatal manager cannot abort:
 * the application closes at once. Closing aborts an open transaction first (Sender.run's
 * shutdown: beginAbort unless the manager is in a fatal state). */
static void producer_txn_app_error(producer *p, int error) {
    txn_manager *tm = p->txn;
    bool close = error == ERR_PRODUCER_FENCED || error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
                 error == ERR_UNKNOWN_PRODUCER_ID;
    if (tm->state == TXN_MGR_FATAL_ERROR) {
        if (p->txn_phase == PRODUCER_TXN_OPEN)
            history_txn_end(p->history, producer_now(p), p->node, p->txn_no, false, error);
        p->txn_phase = PRODUCER_TXN_CLOSED;
        p->txn_flush = false;
        return;
    }
    txn_manager_abort(tm);
    p->txn_resend = !close;
    p->txn_closing = close;
    p->txn_flush = true;
    p->txn_phase = PRODUCER_TXN_ABORTING;
    producer_txn_block_arm(p);
}

/* commitTransaction, or abortTransaction for a share workload.transaction.abort.ratio of the
 * transactions, drawn from the producer's own stream (only when the ratio is above 0, so that
 * other runs draw what they drew). */
static void producer_txn_app_end(producer *p) {
    int64_t ppm = p->cfg->transaction_abort_ppm;
    bool abort = ppm > 0 && (int64_t)sim_pcg32_bounded(&p->rng, 1000000u) < ppm;
    p->txn_flush = true;
    p->txn_resend = false;
    p->txn_closing = false;
    producer_txn_block_arm(p);
    if (abort) {
        txn_manager_abort(p->txn);
        p->txn_phase = PRODUCER_TXN_ABORTING;
    } else {
        txn_manager_commit(p->txn);
        p->txn_phase = PRODUCER_TXN_COMMITTING;
    }
}

/* One step of the application's loop; returns false when it waits. */
static bool producer_txn_app_step(producer *p) {
    txn_manager *tm = p->txn;
    int64_t now = producer_now(p);
    switch ((producer_txn_phase)p->txn_phase) {
    case PRODUCER_TXN_INIT:
        if (tm->state == TXN_MGR_UNINITIALIZED && tm->result == TXN_RESULT_NONE) {
            txn_manager_init_transactions(tm);
            producer_txn_block_arm(p);
        }
        if (tm->result == TXN_RESULT_PENDING) return false;
        if (tm->result == TXN_RESULT_FAILED) {
            producer_txn_call_done(p);
            p->txn_phase = PRODUCER_TXN_CLOSED;
            return false;
        }
        producer_txn_call_done(p);
        p->txn_phase = PRODUCER_TXN_IDLE;
        return true;
    case PRODUCER_TXN_IDLE:
        if (!producer_txn_records_left(p)) return false;
        txn_manager_begin(tm);
        if (tm->state != TXN_MGR_IN_TRANSACTION) {
            p->txn_phase = PRODUCER_TXN_CLOSED;
            return false;
        }
        p->txn_no++;
        p->txn_count = 0;
        history_txn_begin(p->history, now, p->node, p->txn_no, p->producer_id, p->producer_epoch);
        p->txn_phase = PRODUCER_TXN_OPEN;
        return true;
    case PRODUCER_TXN_OPEN:
        if (tm->state == TXN_MGR_ABORTABLE_ERROR || tm->state == TXN_MGR_FATAL_ERROR) {
            producer_txn_app_error(p, tm->last_error);
            return true;
        }
        producer_txn_app_send(p);
        if (p->txn_count == 0 || (p->txn_count < p->txn_size && producer_txn_records_left(p)))
            return false;
        producer_txn_app_end(p);
        return true;
    case PRODUCER_TXN_COMMITTING:
        if (tm->result == TXN_RESULT_PENDING) return false;
        history_txn_end(p->history, now, p->node, p->txn_no, true,
                        tm->result == TXN_RESULT_DONE ? ERR_NONE : tm->result_error);
        p->txn_flush = false;
        if (tm->result == TXN_RESULT_DONE) {
            producer_txn_call_done(p);
            p->txn_count = 0;
            p->txn_phase = PRODUCER_TXN_IDLE;
            return true;
        }
        producer_txn_call_done(p);
        /* The commit threw: the catch block runs. */
        producer_txn_app_error(p, tm->result_error != ERR_NONE ? tm->result_error
                                                                : tm->last_error);
        return true;
    case PRODUCER_TXN_ABORTING:
        if (tm->result == TXN_RESULT_PENDING) return false;
        history_txn_end(p->history, now, p->node, p->txn_no, false,
                        tm->result == TXN_RESULT_DONE ? ERR_NONE : tm->result_error);
        p->txn_flush = false;
        if (tm->result != TXN_RESULT_DONE || p->txn_closing) {
            producer_txn_call_done(p);
            p->txn_phase = PRODUCER_TXN_CLOSED;
            return false;
        }
        producer_txn_call_done(p);
        if (p->txn_resend) producer_txn_requeue(p, true);
        p->txn_count = 0;
        p->txn_phase = PRODUCER_TXN_IDLE;
        return true;
    case PRODUCER_TXN_CLOSED:
    default: return false;
    }
}

/* The application's loop: initTransactions; then per transaction beginTransaction, send
 * workload.transaction.records records, commitTransaction (or abortTransaction by the ratio);
 * on an error abort and send the same records again in a new transaction, or close. */
static PRODUCER_COLD void producer_txn_app_pump(producer *p) {
    if (p->driven) {
        producer_drive_txn_returned(p);
        return;
    }
    for (int k = 0; k < 16 && producer_txn_app_step(p); k++) {
    }
}

/* The instance died (crash or restart): a transaction it had open ends unanswered for the
 * application (HIST_TXN_END with PRODUCER_CLOSED: commit asked or not). */
static void producer_txn_instance_died(producer *p) {
    if (p->txn_phase == PRODUCER_TXN_OPEN || p->txn_phase == PRODUCER_TXN_COMMITTING ||
        p->txn_phase == PRODUCER_TXN_ABORTING)
        history_txn_end(p->history, producer_now(p), p->node, p->txn_no,
                        p->txn_phase == PRODUCER_TXN_COMMITTING, ERR_CLIENT_PRODUCER_CLOSED);
    p->txn_phase = PRODUCER_TXN_INIT;
    p->txn_flush = false;
}

/* Sets up the manager of a producer with a transactional.id (a driven one: its instance's,
 * config.consumer_txn); 0, or -1 out of memory. */
static int producer_txn_init(producer *p) {
    int txn = p->cfg->txn_id_count <= 0 ? -1
              : p->driven               ? p->cfg->consumer_txn[p->index]
                                        : p->cfg->producer_txn[p->index];
    if (txn < 0 || txn >= p->cfg->txn_id_count || !p->cfg->enable_idempotence) return 0;
    p->txn = calloc(1, sizeof *p->txn);
    uint64_t size = p->cfg->transaction_records ? p->cfg->transaction_records : 1;
    if (size > p->records && p->records > 0) size = p->records;
    p->txn_size = (uint32_t)size;
    p->txn_ids = malloc((size_t)size * sizeof *p->txn_ids);
    if (!p->txn || !p->txn_ids) return -1;
    txn_manager_env env = {.config = p->cfg, .history = p->history, .node = p->node,
                           .txn = txn, .partition_count = p->partition_count,
                           .producer_id = &p->producer_id, .producer_epoch = &p->producer_epoch,
                           .group_offsets = p->driven};
    return txn_manager_init(p->txn, &env);
}

/* ---- Driven mode (producer.h: the producer of a consume-transform-produce instance) -------- */

/* The application is pipeline.c: nothing of the workload loop runs. The transactional
 * application keeps its own loop. */
static PRODUCER_COLD void producer_cold_app_pump(producer *p) {
    if (p->driven) return;
    producer_txn_app_pump(p);
}

/* Tell the application, in an event of its own, that flush() or a blocked send() may return. */
static void producer_drive_notify_soon(producer *p) {
    if (sim_timer_armed(&p->drive_notify)) return;
    sim_timer_arm(p->world, &p->drive_notify, producer_now(p), p->kind,
                  producer_arg(p, PRODUCER_EV_DRIVE, 0));
}

/* KafkaProducer.doSend past its checks: RecordAccumulator.append of record id to partition
 * (the application chose it: the partitioner is not asked, as for a ProducerRecord with a
 * partition) and the HIST_SEND of it, with its send number on this node. */
static void producer_drive_append(producer *p, int partition, uint32_t id) {
    uint8_t *outcome = &p->outcome[id - p->id_first];
    uint32_t send_no = 0;
    if (*outcome != PRODUCER_RECORD_UNSENT) {
        if (!p->resends) {
            p->resends = calloc(p->records, sizeof *p->resends);
            if (!p->resends) {
                sim_exhaust(p->world, "producer: out of memory for resend counts");
                return;
            }
        }
        send_no = ++p->resends[id - p->id_first];
        SIM_ASSERT(p->world, send_no != 0);
    }
    *outcome = PRODUCER_RECORD_PENDING;
    p->in_producer++;
    p->drive_sends++;
    producer_append(p, (uint16_t)partition, id);
    history_send_partition_run(p->history, producer_now(p), p->node, (uint16_t)partition, id, 1,
                               send_no);
}

/* KafkaProducer.doSend's transactional check moved behind the append in 3.1.1 and 3.2.0
 * (KAFKA-13412: maybeAddPartition, which calls maybeFailWithError, replaced
 * failIfNotReadyForSend, which ran before RecordAccumulator.append). */
static bool producer_drive_checks_after_append(const producer *p) {
    return p->cfg->kafka_version >= 30101;
}

/* What send throws for the transaction's state, ERR_NONE when it returns.
 * TransactionManager.maybeFailWithError (3.9) throws when the manager is in ABORTABLE_ERROR or
 * FATAL_ERROR: a ProducerFencedException or InvalidProducerEpochException as itself, any other
 * lastError wrapped in a KafkaException. doSend catches the first two, ApiExceptions: the
 * callback gets them (here: when the sender aborts the appended record's batch, as it aborts
 * every batch of a transaction in an error state; Kafka's callback runs in doSend's catch too)
 * and send returns; the KafkaException it rethrows to the application. Before 3.1.1
 * failIfNotReadyForSend threw a KafkaException for every error state. */
static int producer_drive_send_thrown(const producer *p) {
    const txn_manager *tm = p->txn;
    if (!tm || (tm->state != TXN_MGR_ABORTABLE_ERROR && tm->state != TXN_MGR_FATAL_ERROR))
        return ERR_NONE;
    int error = tm->last_error != ERR_NONE ? tm->last_error : ERR_INVALID_TXN_STATE;
    if (producer_drive_checks_after_append(p) &&
        (error == ERR_PRODUCER_FENCED || error == ERR_INVALID_PRODUCER_EPOCH))
        return ERR_NONE;
    return error;
}

int producer_drive_send(producer *p, int partition, uint32_t id) {
    SIM_ASSERT(p->world, p->driven && p->started && !p->crashed && !p->drive_blocked);
    SIM_ASSERT(p->world, partition >= 0 && partition < p->partition_count);
    SIM_ASSERT(p->world, id >= p->id_first && id - p->id_first < p->records);
    if (!producer_drive_checks_after_append(p)) {
        int thrown = producer_drive_send_thrown(p); /* failIfNotReadyForSend */
        if (thrown != ERR_NONE) return thrown;
    }
    if (!producer_buffer_has_room(p)) {
        /* BufferPool.allocate: the calling thread waits until completed batches free memory,
         * for at most max.block.ms (the remaining time of KafkaProducer.doSend's budget). */
        p->drive_blocked = true;
        p->drive_blocked_id = id;
        p->drive_blocked_partition = (uint16_t)partition;
        sim_timer_arm(p->world, &p->drive_block, producer_now(p) + p->cfg->max_block_ns, p->kind,
                      producer_arg(p, PRODUCER_EV_DRIVE_BLOCK, 0));
        return PRODUCER_DRIVE_BLOCKED;
    }
    producer_drive_append(p, partition, id);
    /* maybeAddPartition after the append (3.1.1+) */
    int thrown = producer_drive_checks_after_append(p) ? producer_drive_send_thrown(p) : ERR_NONE;
    producer_poll(p); /* sender.wakeup() (a thrown send skips it; the sender runs anyway) */
    return thrown;
}

bool producer_drive_flush(producer *p) {
    SIM_ASSERT(p->world, p->driven && p->started && !p->crashed && !p->drive_blocked);
    if (p->in_producer == 0) return true;
    /* RecordAccumulator.beginFlush: flushInProgress makes every batch ready (ready()). */
    p->drive_flushing = true;
    producer_poll(p);
    return false;
}

uint64_t producer_drive_pending(const producer *p) {
    return p->in_producer + (p->drive_blocked ? 1u : 0u) +
           (producer_drive_txn_in_background(p) ? 1u : 0u);
}

/* The callbacks of a completed batch, for the application (producer_callbacks calls it once
 * per batch, after the history has them). */
static PRODUCER_COLD void producer_drive_completed(producer *p, const proto_ids *ids,
                                                   int partition, int error, int64_t base_offset) {
    if (p->driver.on_send) {
        for (uint32_t k = 0; k < ids->n; k++)
            p->driver.on_send(p->driver.ctx, proto_ids_at(ids, k), partition, error,
                              base_offset >= 0 ? base_offset + k : -1);
    }
    if ((p->drive_flushing && p->in_producer == 0) || p->drive_blocked)
        producer_drive_notify_soon(p);
}

/* The event of producer_drive_notify_soon: a blocked send takes the memory freed, or flush()
 * returns. */
static PRODUCER_COLD void producer_drive_notify(producer *p) {
    if (p->drive_txn_told) {
        p->drive_txn_told = false;
        p->drive_txn_call = PRODUCER_DRIVE_TXN_NONE;
        if (p->driver.on_txn) p->driver.on_txn(p->driver.ctx, p->drive_txn_error);
        return;
    }
    if (p->drive_blocked) {
        if (!producer_buffer_has_room(p)) return; /* a later completion frees more */
        p->drive_blocked = false;
        sim_timer_cancel(&p->drive_block);
        producer_drive_append(p, p->drive_blocked_partition, p->drive_blocked_id);
        int thrown = producer_drive_checks_after_append(p) ? producer_drive_send_thrown(p)
                                                           : ERR_NONE;
        if (p->driver.on_unblocked) p->driver.on_unblocked(p->driver.ctx, thrown);
        return;
    }
    if (p->drive_flushing && p->in_producer == 0) {
        p->drive_flushing = false;
        if (p->driver.on_flush) p->driver.on_flush(p->driver.ctx);
    }
}

/* max.block.ms passed with the send still waiting for memory: BufferPool.allocate throws
 * BufferExhaustedException, which KafkaProducer.doSend (an ApiException) hands to the record's
 * callback before send returns; the record was never appended. In a transaction doSend's catch
 * also calls maybeTransitionToErrorState: the transaction is in an abortable error (an epoch
 * bump required), as for a failed batch (txn_manager_on_batch_failed), so it cannot commit
 * without the record. */
static PRODUCER_COLD void producer_drive_block_expired(producer *p) {
    if (!p->drive_blocked) return;
    p->drive_blocked = false;
    history_error(p->history, producer_now(p), p->node, API_PRODUCE, ERR_CLIENT_BUFFER_EXHAUSTED);
    if (p->txn) txn_manager_on_batch_failed(p->txn, ERR_CLIENT_BUFFER_EXHAUSTED, producer_now(p));
    if (p->driver.on_send)
        p->driver.on_send(p->driver.ctx, p->drive_blocked_id, p->drive_blocked_partition,
                          ERR_CLIENT_BUFFER_EXHAUSTED, -1);
    if (p->driver.on_unblocked) p->driver.on_unblocked(p->driver.ctx, ERR_NONE);
}

/* ---- Driven transactions (producer.h: an exactly-once instance's producer) ----------------- */

bool producer_drive_transactional(const producer *p) { return p->driven && p->txn != NULL; }

bool producer_drive_txn_fatal(const producer *p) {
    return p->txn && p->txn->state == TXN_MGR_FATAL_ERROR;
}

/* The request whose history record tells that call kind timed out. */
static int producer_drive_txn_api(uint8_t call) {
    switch (call) {
    case PRODUCER_DRIVE_TXN_INIT: return API_INIT_PRODUCER_ID;
    case PRODUCER_DRIVE_TXN_OFFSETS: return API_ADD_OFFSETS_TO_TXN;
    default: return API_END_TXN;
    }
}

static void producer_drive_close_step(producer *p);

/* The manager's result of the call the application waits in, or of a timed-out one, is in:
 * record how a transaction ended, and tell the application in an event of its own (a
 * timed-out call's outcome is kept for a retry of it instead). */
static PRODUCER_COLD void producer_drive_txn_returned(producer *p) {
    txn_manager *tm = p->txn;
    bool waited = p->drive_txn_call != PRODUCER_DRIVE_TXN_NONE && !p->drive_txn_told;
    uint8_t call = waited ? p->drive_txn_call : p->drive_txn_unacked;
    /* DONE: it returned. FAILED: what it threw (its own result's error, never an earlier
     * call's). NONE: it could not begin (an invalid transition poisoned the manager): the
     * manager's error. */
    int error = tm->result == TXN_RESULT_DONE     ? ERR_NONE
                : tm->result == TXN_RESULT_FAILED ? tm->result_error
                                                  : tm->last_error;
    if (tm->result != TXN_RESULT_DONE && error == ERR_NONE) error = ERR_INVALID_TXN_STATE;
    tm->result = TXN_RESULT_NONE;
    tm->result_error = ERR_NONE;
    if (call == PRODUCER_DRIVE_TXN_COMMIT || call == PRODUCER_DRIVE_TXN_ABORT) {
        history_txn_end(p->history, producer_now(p), p->node, p->txn_no,
                        call == PRODUCER_DRIVE_TXN_COMMIT, error);
        p->txn_flush = false;
        p->txn_phase = error == ERR_NONE ? PRODUCER_TXN_IDLE : PRODUCER_TXN_OPEN;
    } else if (call == PRODUCER_DRIVE_TXN_INIT) {
        p->txn_phase = error == ERR_NONE ? PRODUCER_TXN_IDLE : PRODUCER_TXN_INIT;
    }
    if (tm->state == TXN_MGR_FATAL_ERROR) p->txn_phase = PRODUCER_TXN_CLOSED;
    if (!waited) {
        p->drive_txn_unacked_done = true;
        p->drive_txn_unacked_error = error;
        producer_drive_close_step(p);
        return;
    }
    sim_timer_cancel(&p->txn_block);
    p->drive_txn_error = error;
    p->drive_txn_told = true;
    producer_drive_notify_soon(p);
}

/* The call throws at once without a request and without touching the manager. */
static void producer_drive_txn_throw(producer *p, uint8_t call, int error) {
    p->drive_txn_call = call;
    p->drive_txn_error = error;
    p->drive_txn_told = true;
    producer_drive_notify_soon(p);
}

/* TransactionManager.handleCachedTransactionRequestResult / throwIfPendingState (3.9): with a
 * timed-out init, commit or abort pending, the same call gets its result and any other throws
 * IllegalStateException. Returns true when the call was settled here. */
static bool producer_drive_txn_pending_transition(producer *p, uint8_t call) {
    if (p->drive_txn_unacked == PRODUCER_DRIVE_TXN_NONE) return false;
    if (call != p->drive_txn_unacked) {
        producer_drive_txn_throw(p, call, ERR_INVALID_TXN_STATE);
        return true;
    }
    bool done = p->drive_txn_unacked_done;
    p->drive_txn_unacked = PRODUCER_DRIVE_TXN_NONE;
    if (done) { /* acked now */
        producer_drive_txn_throw(p, call, p->drive_txn_unacked_error);
        return true;
    }
    p->drive_txn_call = call; /* waits for the same result again */
    sim_timer_arm(p->world, &p->txn_block, producer_now(p) + p->cfg->max_block_ns, p->kind,
                  producer_arg(p, PRODUCER_EV_TXN_BLOCK, 0));
    return true;
}

/* A call begins: the application waits in it, at most max.block.ms; the sender runs
 * (sender.wakeup()). */
static void producer_drive_txn_call(producer *p, uint8_t call) {
    SIM_ASSERT(p->world, producer_drive_transactional(p) && p->started && !p->crashed);
    SIM_ASSERT(p->world, p->drive_txn_call == PRODUCER_DRIVE_TXN_NONE && !p->drive_closing);
    p->drive_txn_call = call;
    if (p->txn->result != TXN_RESULT_PENDING) {
        producer_drive_txn_returned(p); /* thrown at once */
        return;
    }
    sim_timer_arm(p->world, &p->txn_block, producer_now(p) + p->cfg->max_block_ns, p->kind,
                  producer_arg(p, PRODUCER_EV_TXN_BLOCK, 0));
    producer_poll(p);
}

/* max.block.ms passed with the call still pending: TransactionalRequestResult.await throws
 * TimeoutException ("Timeout expired after ...ms while awaiting ..."). The manager goes on: an
 * init, commit or abort stays its pendingTransition; a sendOffsetsToTransaction's result is
 * nobody's any more. */
static PRODUCER_COLD void producer_drive_txn_block_expired(producer *p) {
    uint8_t call = p->drive_txn_call;
    if (call == PRODUCER_DRIVE_TXN_NONE || p->drive_txn_told ||
        p->txn->result != TXN_RESULT_PENDING)
        return;
    history_error(p->history, producer_now(p), p->node, producer_drive_txn_api(call),
                  ERR_CLIENT_TXN_TIMEOUT);
    if (call == PRODUCER_DRIVE_TXN_OFFSETS) {
        txn_manager_abandon_call(p->txn);
    } else {
        p->drive_txn_unacked = call;
        p->drive_txn_unacked_done = false;
    }
    producer_drive_txn_throw(p, call, ERR_CLIENT_TXN_TIMEOUT);
}

void producer_drive_init_transactions(producer *p) {
    txn_manager *tm = p->txn;
    if (producer_drive_txn_pending_transition(p, PRODUCER_DRIVE_TXN_INIT)) return;
    txn_manager_init_transactions(tm);
    if (tm->state != TXN_MGR_INITIALIZING) { /* IllegalStateException */
        tm->result = TXN_RESULT_FAILED;
        tm->result_error = tm->last_error != ERR_NONE ? tm->last_error : ERR_INVALID_TXN_STATE;
    }
    producer_drive_txn_call(p, PRODUCER_DRIVE_TXN_INIT);
}

int producer_drive_begin(producer *p) {
    txn_manager *tm = p->txn;
    SIM_ASSERT(p->world, producer_drive_transactional(p) && p->started && !p->crashed);
    if (p->drive_txn_unacked != PRODUCER_DRIVE_TXN_NONE)
        return ERR_INVALID_TXN_STATE; /* throwIfPendingState("beginTransaction") */
    if (tm->state == TXN_MGR_ABORTABLE_ERROR || tm->state == TXN_MGR_FATAL_ERROR)
        return tm->last_error; /* maybeFailWithError */
    txn_manager_begin(tm);
    if (tm->state != TXN_MGR_IN_TRANSACTION) {
        p->txn_phase = PRODUCER_TXN_CLOSED;
        return tm->last_error != ERR_NONE ? tm->last_error : ERR_INVALID_TXN_STATE;
    }
    p->txn_no++;
    history_txn_begin(p->history, producer_now(p), p->node, p->txn_no, p->producer_id,
                      p->producer_epoch);
    p->txn_phase = PRODUCER_TXN_OPEN;
    return ERR_NONE;
}

void producer_drive_send_offsets(producer *p, const proto_offset_entry *offsets, int n,
                                 proto_member_id member_id, int32_t generation) {
    if (producer_drive_txn_pending_transition(p, PRODUCER_DRIVE_TXN_OFFSETS)) return;
    txn_manager_send_offsets(p->txn, offsets, n, member_id, generation);
    producer_drive_txn_call(p, PRODUCER_DRIVE_TXN_OFFSETS);
}

/* commitTransaction / abortTransaction: every batch is ready at once meanwhile
 * (transactionCompleting); the EndTxn waits for them (TransactionManager.nextRequest). */
void producer_drive_commit(producer *p) {
    if (producer_drive_txn_pending_transition(p, PRODUCER_DRIVE_TXN_COMMIT)) return;
    txn_manager_commit(p->txn);
    if (p->txn->result == TXN_RESULT_PENDING) {
        p->txn_flush = true;
        p->txn_phase = PRODUCER_TXN_COMMITTING;
    }
    producer_drive_txn_call(p, PRODUCER_DRIVE_TXN_COMMIT);
}

void producer_drive_abort(producer *p) {
    if (producer_drive_txn_pending_transition(p, PRODUCER_DRIVE_TXN_ABORT)) return;
    txn_manager_abort(p->txn);
    if (p->txn->result == TXN_RESULT_PENDING) {
        p->txn_flush = true;
        p->txn_phase = PRODUCER_TXN_ABORTING;
    }
    producer_drive_txn_call(p, PRODUCER_DRIVE_TXN_ABORT);
}

/* Sender.run's shutdown once what was pending is done: a transaction still open and not
 * completing is aborted ("Aborting incomplete transaction due to shutdown"), in the
 * background; a manager that cannot abort closes at once (forceClose). */
static void producer_drive_close_step(producer *p) {
    txn_manager *tm = p->txn;
    if (!p->drive_closing || producer_drive_txn_in_background(p)) return;
    if (tm->state != TXN_MGR_IN_TRANSACTION && tm->state != TXN_MGR_ABORTABLE_ERROR) return;
    txn_manager_abort(tm);
    if (tm->result != TXN_RESULT_PENDING) {
        tm->result = TXN_RESULT_NONE;
        return;
    }
    p->txn_flush = true;
    p->txn_phase = PRODUCER_TXN_ABORTING;
    p->drive_txn_unacked = PRODUCER_DRIVE_TXN_ABORT;
    p->drive_txn_unacked_done = false;
}

void producer_drive_close(producer *p) {
    SIM_ASSERT(p->world, producer_drive_transactional(p) && p->started && !p->crashed);
    SIM_ASSERT(p->world, p->drive_txn_call == PRODUCER_DRIVE_TXN_NONE && !p->drive_blocked);
    if (p->txn->state == TXN_MGR_FATAL_ERROR) {
        producer_crash(p);
        return;
    }
    p->drive_closing = true;
    sim_timer_cancel(&p->drive_notify);
    producer_drive_close_step(p);
    producer_poll(p);
}

/* ---- Lifecycle -------------------------------------------------------------------------- */

/* Forgets every piece of client state (batches, requests, sequences, producer id); keeps what
 * the application knows. Pending timers die with the session number. */
static void producer_session_clear(producer *p) {
    p->session++;
    p->batch_free_count = 0;
    p->batch_used = 0;
    uint32_t chunks = (p->batch_capacity + PRODUCER_POOL_CHUNK - 1) >> PRODUCER_POOL_CHUNK_SHIFT;
    for (uint32_t k = 0; k < chunks; k++) p->batch_chunks[k].live = 0;
    for (int k = 0; k < p->partition_count; k++) {
        producer_partition *pt = &p->partitions[k];
        pt->head = pt->tail = pt->open = PRODUCER_NIL;
        pt->queued = 0;
        producer_open_clear(pt);
        pt->leader = -1;
        pt->leader_epoch = -1;
        pt->producer_id = PROTO_NO_PRODUCER_ID;
        pt->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
        pt->next_sequence = 0;
        pt->last_acked_sequence = -1;
        pt->outstanding_count = 0;
        pt->muted = pt->unresolved = pt->bump_requested = pt->had_batch = false;
    }
    /* A new KafkaProducer: fresh partitioners, drain indexes and node stats. */
    for (int t = 0; t < p->topic_count && p->partitioners; t++) {
        partitioner_topic *pt = &p->partitioners[t];
        pt->counter_set = false;
        pt->sticky = -1;
        pt->produced_bytes = 0;
        pt->cft_length = 0;
    }
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) {
        p->drain_index[b] = 0;
        p->node_stats[b] = false;
        p->by_leader_first[b] = 0;
    }
    p->by_leader_first[PROTO_BROKERS_MAX + 1] = 0;
    for (int g = 0; g < p->partition_count && p->available; g++) p->available[g] = false;
    p->metadata_page = 0;
    for (uint32_t k = 0; k < p->more_block_count; k++) p->more_stack[k] = p->more_blocks[k];
    p->more_stack_count = p->more_block_count;
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) {
        p->conns[b].head = p->conns[b].count = 0;
        p->conns[b].reconnect_after_ns = 0;
        sim_timer_cancel(&p->conns[b].timeout);
    }
    sim_timer_cancel(&p->wakeup);
    sim_timer_cancel(&p->app_tick);
    sim_timer_cancel(&p->expiry_timer);
    p->expiry_head = p->expiry_count = 0;
    p->wakeup_ns = SIM_TIME_NEVER;
    p->buffered_bytes = 0;
    p->metadata_needed = true;
    p->metadata_in_flight = false;
    p->metadata_after_ns = 0;
    p->metadata_refreshed_ns = 0;
    p->producer_id = PROTO_NO_PRODUCER_ID;
    p->producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    p->pid_needed = producer_idempotent(p) && !p->txn;
    p->init_pid_in_flight = false;
    if (p->txn) {
        txn_manager_reset(p->txn);
        sim_timer_cancel(&p->txn_block);
        p->txn_flush = false;
    }
    p->pid_after_ns = 0;
    p->drive_flushing = false;
    p->drive_blocked = false;
    p->drive_txn_call = PRODUCER_DRIVE_TXN_NONE;
    p->drive_txn_told = false;
    p->drive_txn_unacked = PRODUCER_DRIVE_TXN_NONE;
    p->drive_txn_unacked_done = false;
    p->drive_closing = false;
    sim_timer_cancel(&p->drive_notify);
    sim_timer_cancel(&p->drive_block);
    p->deferred_count = 0;
    p->deferred_outline_used = 0;
    p->paused_until_ns = 0;
}

/* The topics written and, with several partitions, what routing and draining them need. */
static int producer_topics_init(producer *p, const producer_env *env) {
    p->topics_one = (producer_topic){.first = 0, .count = 1};
    p->topics = &p->topics_one;
    p->topic_count = 1;
    p->partition_count = 1;
    if (env->topics && env->topic_count > 0) {
        p->topics = malloc((size_t)env->topic_count * sizeof *p->topics);
        if (!p->topics) return -1;
        memcpy(p->topics, env->topics, (size_t)env->topic_count * sizeof *p->topics);
        p->topic_count = env->topic_count;
        const producer_topic *last = &p->topics[p->topic_count - 1];
        p->partition_count = last->first + last->count;
    }
    const config *c = p->cfg;
    p->partitioner = partitioner_kind_of(c->kafka_version);
    p->keyed = c->keys > 0 && !(p->partitioner == PARTITIONER_UNIFORM_STICKY &&
                                c->partitioner_ignore_keys);
    if (p->partition_count == 1) return 0; /* one partition: nothing to choose */
    /* g travels as a uint16_t (proto_batch.partition). */
    if (p->topic_count < 1 || p->partition_count < 1 || p->partition_count > UINT16_MAX)
        return -1;
    int widest = 1;
    for (int t = 0; t < p->topic_count; t++)
        if (p->topics[t].count > widest) widest = p->topics[t].count;
    p->partitioners = calloc((size_t)p->topic_count, sizeof *p->partitioners);
    p->available = calloc((size_t)p->partition_count, sizeof *p->available);
    p->by_leader = calloc((size_t)p->partition_count, sizeof *p->by_leader);
    p->queue_sizes = calloc((size_t)widest, sizeof *p->queue_sizes);
    p->queue_ids = calloc((size_t)widest, sizeof *p->queue_ids);
    if (!p->partitioners || !p->available || !p->by_leader || !p->queue_sizes || !p->queue_ids)
        return -1;
    for (int t = 0; t < p->topic_count; t++)
        if (partitioner_topic_init(&p->partitioners[t], p->topics[t].count) != 0) return -1;
    if (p->keyed) {
        p->key_cache = calloc((size_t)p->topic_count * PRODUCER_KEY_CACHE, sizeof *p->key_cache);
        if (!p->key_cache) return -1;
    }
    return 0;
}

int producer_init(producer *p, const producer_env *env, int index, const int *bootstrap,
                  int bootstrap_count) {
    memset(p, 0, sizeof *p);
    const config *c = env->config;
    p->world = env->world;
    p->net = env->net;
    p->history = env->history;
    p->cfg = c;
    p->payloads = env->payloads;
    p->step_fn = env->step_fn;
    p->step_ctx = env->step_ctx;
    p->index = index;
    p->driven = env->driver != NULL;
    p->node = p->driven ? node_consumer_producer(index) : node_producer(index);
    if (p->driven) p->driver = *env->driver;
    uint64_t stream = (p->driven ? PROTO_PRODUCERS_MAX : 0) + (uint64_t)index;
    p->rng = sim_stream(env->world, PRODUCER_STREAM_BASE + stream);
    p->partition_rng = sim_stream(env->world, PRODUCER_PARTITIONER_STREAM_BASE + stream);
    p->bootstrap_count = bootstrap_count > PROTO_BROKERS_MAX ? PROTO_BROKERS_MAX : bootstrap_count;
    for (int k = 0; k < p->bootstrap_count; k++) p->bootstrap[k] = bootstrap[k];
    p->record_bytes = (uint32_t)(c->record_bytes + PRODUCER_RECORD_OVERHEAD_BYTES);
    int64_t room = c->batch_bytes - PRODUCER_BATCH_OVERHEAD_BYTES;
    /* A batch always takes at least one record, however large (ProducerBatch.tryAppend). */
    p->records_per_batch = room < (int64_t)p->record_bytes ? 1 : (uint32_t)(room / p->record_bytes);
    if (producer_topics_init(p, env) != 0) goto fail;
    p->id_first = env->id_count ? env->id_first : 0;
    p->records = env->id_count ? env->id_count : c->records;
    p->rate_per_s = p->driven ? 0 : env->id_count ? env->rate_per_s : c->rate_per_s;
    p->next_id = p->id_first;
    size_t records = p->records ? (size_t)p->records : 1;
    p->outcome = sim_calloc_large(records, sizeof *p->outcome);
    /* The resend ring is read only where written. */
    p->resend = sim_realloc_large(NULL, records * sizeof *p->resend);
    if (!p->outcome || !p->resend) goto fail;
    p->partitions = calloc((size_t)p->partition_count, sizeof *p->partitions);
    if (!p->partitions || producer_pool_grow(p, producer_pool_hint(p)) != 0) goto fail;
    for (int k = 0; k < p->partition_count; k++) {
        p->partitions[k].open_ids = malloc(p->records_per_batch * sizeof(uint32_t));
        if (!p->partitions[k].open_ids) goto fail;
    }
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) {
        p->conns[b].requests = calloc((size_t)producer_conn_capacity(p), sizeof(producer_request));
        if (!p->conns[b].requests) goto fail;
    }
    if (producer_txn_init(p) != 0) goto fail;
    p->app_cold = p->txn != NULL || p->driven;
    producer_session_clear(p);
    p->kind = sim_handler_add(p->world, producer_on_event, p, "producer");
    net_listen(p->net, p->node, producer_on_message, p);
    return 0;
fail:
    producer_fini(p);
    return -1;
}

void producer_fini(producer *p) {
    free(p->batches);
    free(p->batch_free);
    free(p->batch_chunks);
    free(p->batch_expiry);
    free(p->expiry_fifo);
    free(p->outcome);
    free(p->resends);
    free(p->resend);
    free(p->deferred);
    free(p->deferred_outline);
    for (int k = 0; k < p->partition_count && p->partitions; k++) {
        free(p->partitions[k].open_ids);
        free(p->partitions[k].outstanding);
    }
    free(p->partitions);
    for (int t = 0; t < p->topic_count && p->partitioners; t++)
        partitioner_topic_fini(&p->partitioners[t]);
    free(p->partitioners);
    if (p->topics != &p->topics_one) free(p->topics);
    free(p->available);
    free(p->key_cache);
    free(p->by_leader);
    free(p->queue_sizes);
    free(p->queue_ids);
    for (uint32_t k = 0; k < p->more_block_count; k++) free(p->more_blocks[k]);
    free(p->more_blocks);
    free(p->more_stack);
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) free(p->conns[b].requests);
    if (p->txn) txn_manager_fini(p->txn);
    free(p->txn);
    free(p->txn_ids);
    memset(p, 0, sizeof *p);
}

/* Starts (or restarts) the paced application at now, continuing its count of paced sends. */
static void producer_app_start(producer *p) {
    if (p->rate_per_s <= 0) return;
    p->app_start_ns = producer_now(p) -
                      (int64_t)((p->app_ticks * (uint64_t)SIM_S) / (uint64_t)p->rate_per_s);
    if (p->app_ticks < p->records)
        sim_timer_arm(p->world, &p->app_tick, producer_app_tick_ns(p, p->app_ticks), p->kind,
                      producer_arg(p, PRODUCER_EV_APP_TICK, 0));
}

void producer_start(producer *p) {
    SIM_ASSERT(p->world, !p->started);
    p->started = true;
    producer_app_start(p);
    producer_poll(p);
}

void producer_crash(producer *p) {
    if (p->crashed) return;
    p->crashed = true;
    net_set_down(p->net, p->node, true);
    if (p->txn) producer_txn_instance_died(p);
    producer_session_clear(p);
}

/* KafkaProducer.close(0): incomplete batches are aborted; in flight first, oldest first. */
static void producer_abort_all(producer *p) {
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) {
        producer_conn *c = &p->conns[b];
        for (int k = 0; k < c->count; k++) {
            const producer_request *r = producer_conn_req(p, c, k);
            for (int j = 0; j < (r->batch_count > 1 ? r->batch_count : 1); j++) {
                uint32_t i = producer_request_batch_at(r, j).batch;
                if (i == PRODUCER_NIL || p->batches[i].state != PRODUCER_BATCH_IN_FLIGHT) continue;
                producer_batch_complete(p, i, ERR_CLIENT_PRODUCER_CLOSED, -1);
            }
        }
    }
    for (int k = 0; k < p->partition_count; k++)
        while (p->partitions[k].head != PRODUCER_NIL)
            producer_batch_complete(p, p->partitions[k].head, ERR_CLIENT_PRODUCER_CLOSED, -1);
}

void producer_restart(producer *p) {
    if (p->crashed) {
        net_set_down(p->net, p->node, false);
    } else {
        producer_abort_all(p);
        for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
            net_close(p->net, p->node, node_broker(b), true);
        if (p->txn) producer_txn_instance_died(p);
    }
    producer_session_clear(p);
    if (p->driven) {
        /* The application is a new process too: what the old one sent is its to send again
         * (it processes again from the committed offsets); nobody waits for those records. */
        p->in_producer = 0;
        p->crashed = false;
        if (p->started) producer_poll(p);
        return;
    }
    /* A transactional application never learned whether its open transaction committed: its
     * records go again (workload.resend.on.failure) or are given up, in send order. */
    if (p->txn) producer_txn_requeue(p, p->cfg->resend_on_failure);
    /* Records the old process took to its grave: nobody called back. */
    for (uint64_t id = p->id_first; id < p->next_id; id++) {
        if (p->outcome[id - p->id_first] != PRODUCER_RECORD_PENDING) continue;
        p->in_producer--;
        if (p->cfg->resend_on_failure) {
            p->outcome[id - p->id_first] = PRODUCER_RECORD_RESEND;
            p->resend[(p->resend_head + p->resend_count++) % p->records] = (uint32_t)id;
        } else {
            p->outcome[id - p->id_first] = PRODUCER_RECORD_GIVEN_UP;
            p->given_up++;
        }
    }
    p->crashed = false;
    if (p->started) {
        producer_app_start(p);
        producer_poll(p);
    }
}

void producer_pause(producer *p, int64_t until_ns) {
    if (p->crashed || until_ns <= p->paused_until_ns) return;
    p->paused_until_ns = until_ns;
    sim_schedule(p->world, until_ns, p->kind, producer_arg(p, PRODUCER_EV_RESUME, 0));
}

bool producer_done(const producer *p) {
    if (p->driven) return p->started && producer_drive_pending(p) == 0;
    if (p->txn)
        return p->started && p->in_producer == 0 &&
               (p->txn_phase == PRODUCER_TXN_CLOSED ||
                (p->txn_phase == PRODUCER_TXN_IDLE && !producer_txn_records_left(p)));
    return p->started && p->next_id >= p->id_first + p->records && p->resend_count == 0 &&
           p->in_producer == 0;
}

/* ---- Invariants ------------------------------------------------------------------------- */

/* Walks one deque; returns the records it holds, or -1 after reporting a broken link. */
static int64_t producer_check_deque(producer *p, int k, uint64_t *walked) {
    const producer_partition *pt = &p->partitions[k];
    int64_t records = 0;
    uint32_t prev = PRODUCER_NIL, steps = 0;
    for (uint32_t i = pt->head; i != PRODUCER_NIL; i = p->batches[i].next) {
        const producer_batch *b = &p->batches[i];
        if (++steps > p->batch_capacity || b->prev != prev || b->state != PRODUCER_BATCH_QUEUED) {
            sim_fail(p->world, "producer: deque of partition %d broken at batch %u", k, i);
            return -1;
        }
        if (!b->sealed && pt->open != i) {
            sim_fail(p->world, "producer: unsealed batch %u is not the open one", i);
            return -1;
        }
        records += b->sealed ? b->header.record_count : pt->open_count;
        prev = i;
    }
    *walked += steps;
    if (pt->tail != prev) {
        sim_fail(p->world, "producer: deque tail of partition %d is %u, walked to %u", k,
                 pt->tail, prev);
        return -1;
    }
    if (pt->queued != steps) {
        sim_fail(p->world, "producer: deque of partition %d holds %u batches, counted %u", k,
                 steps, pt->queued);
        return -1;
    }
    return records;
}

static bool producer_check_sequences(producer *p, int k, uint32_t from) {
    const producer_partition *pt = &p->partitions[k];
    if (!p->sequences_flagged && (pt->unresolved || pt->bump_requested)) {
        sim_fail(p->world, "producer: partition %d is unresolved or asks for a bump, "
                           "sequences_flagged is clear", k);
        return false;
    }
    for (uint32_t j = from ? from : 1; j < pt->outstanding_count; j++) {
        const proto_batch *a = &p->batches[pt->outstanding[j - 1]].header;
        const proto_batch *b = &p->batches[pt->outstanding[j]].header;
        if (a->producer_epoch == b->producer_epoch && a->base_sequence >= b->base_sequence) {
            sim_fail(p->world, "producer: outstanding sequences out of order (%d then %d)",
                     a->base_sequence, b->base_sequence);
            return false;
        }
    }
    return true;
}

/* Requests in flight per connection within the limit, each naming a batch in a request; adds
 * the records of in-flight batches to *records. False after reporting a broken one. */
static bool producer_check_conns(producer *p, int64_t *records) {
    for (int b = 0; b <= PROTO_BROKERS_MAX; b++) {
        const producer_conn *c = &p->conns[b];
        if (c->count > producer_conn_capacity(p)) {
            sim_fail(p->world, "producer: %d requests in flight to broker %d", c->count, b);
            return false;
        }
        for (int k = 0; k < c->count; k++) {
            const producer_request *r = producer_conn_req(p, c, k);
            for (int j = 0; j < (r->batch_count > 1 ? r->batch_count : 1); j++) {
                uint32_t i = producer_request_batch_at(r, j).batch;
                if (i == PRODUCER_NIL) continue;
                if (!p->batches[i].in_request) {
                    sim_fail(p->world, "producer: request names batch %u that is not in one", i);
                    return false;
                }
                if (p->batches[i].state == PRODUCER_BATCH_IN_FLIGHT)
                    *records += p->batches[i].header.record_count;
            }
        }
    }
    return true;
}

/* The full walk of producer_check; returns the batches it visited. */
static uint64_t producer_check_walk(producer *p) {
    int64_t records = 0;
    uint64_t walked = 0;
    for (int k = 0; k < p->partition_count; k++) {
        int64_t r = producer_check_deque(p, k, &walked);
        if (r < 0 || !producer_check_sequences(p, k, 0)) return walked;
        walked += p->partitions[k].outstanding_count;
        records += r;
    }
    if (!producer_check_conns(p, &records)) return walked;
    if (records != (int64_t)p->in_producer) {
        sim_fail(p->world, "producer: batches hold %lld records, the application %llu pending",
                 (long long)records, (unsigned long long)p->in_producer);
        return walked;
    }
    if (p->buffered_bytes < 0) sim_fail(p->world, "producer: negative buffered bytes");
    return walked;
}

void producer_check(producer *p) {
    if (p->crashed || !p->started) return;
    producer_check_walk(p);
}

/* The O(1) part of producer_check_recent: each deque's ends point outwards and are QUEUED,
 * the two newest outstanding sequences are in order, the connections keep their limits. */
static bool producer_check_ends(producer *p) {
    for (int k = 0; k < p->partition_count; k++) {
        const producer_partition *pt = &p->partitions[k];
        const char *broken = NULL;
        if ((pt->head == PRODUCER_NIL) != (pt->tail == PRODUCER_NIL)) broken = "one end missing";
        else if (pt->head != PRODUCER_NIL &&
                 (p->batches[pt->head].prev != PRODUCER_NIL ||
                  p->batches[pt->tail].next != PRODUCER_NIL ||
                  p->batches[pt->head].state != PRODUCER_BATCH_QUEUED ||
                  p->batches[pt->tail].state != PRODUCER_BATCH_QUEUED))
            broken = "an end is not a queued end";
        if (broken) {
            sim_fail(p->world, "producer: deque of partition %d: %s", k, broken);
            return false;
        }
        uint32_t n = pt->outstanding_count;
        if (!producer_check_sequences(p, k, n > 1 ? n - 1 : 0)) return false;
    }
    if (p->expiry_count > 0) { /* producer_batch_complete syncs the FIFO only at its head */
        const producer_expiry *e = &p->expiry_fifo[p->expiry_head];
        if (!producer_expiry_live(p, e) || p->expiry_timer.seq != e->seq) {
            sim_fail(p->world, "producer: the expiry FIFO's head is completed or not timed");
            return false;
        }
    }
    int64_t records = 0;
    return producer_check_conns(p, &records);
}

void producer_check_recent(producer *p) {
    if (p->crashed || !p->started) return;
    if (++p->check_events < p->check_walk_steps) {
        if (producer_check_ends(p) && p->buffered_bytes < 0)
            sim_fail(p->world, "producer: negative buffered bytes");
        return;
    }
    p->check_events = 0;
    p->check_walk_steps = producer_check_walk(p);
}
