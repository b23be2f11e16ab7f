/*
 * producer.h: the Java producer client (KafkaProducer with its RecordAccumulator, Sender,
 * NetworkClient and TransactionManager, idempotent or transactional: txn_manager.h) and the
 * application in front of it.
 *
 * The application sends records with ids 0..workload.records-1 at workload.rate records/s (or
 * as fast as buffer.memory accepts) and receives one callback per send. The producer batches
 * per partition, drains at most one batch per partition per ProduceRequest, keeps at most
 * max.in.flight.requests.per.connection requests per broker connection, retries, expires, and
 * with idempotence assigns (producer id, epoch, sequence) at drain and reacts to the broker's
 * sequence errors as the Java client of the configured kafka.version does.
 *
 * The producer is node node_producer(index) on the network; it touches brokers only through
 * messages, and reports every observation through history.h.
 *
 * Driven mode (producer_env.driver set): the producer of a consume-transform-produce instance,
 * node node_consumer_producer(index) ("consumer-k.producer"). It has no workload loop and no
 * rate: its application (pipeline.c) calls producer_drive_send(partition, id) for each output
 * record and producer_drive_flush() before it commits, and hears back through the driver's
 * callbacks: on_send once per send (Callback.onCompletion: the offset, or the error), on_flush
 * when flush() returns (KafkaProducer.flush: every record sent before it has completed, and
 * while it waits every batch is ready at once, RecordAccumulator.beginFlush), on_unblocked when
 * a send that found buffer.memory full has its record in (KafkaProducer.doSend blocks the
 * calling thread in BufferPool.allocate). The driven producer never sends a record again by
 * itself (workload.resend.on.failure is the workload's): a failed send is the application's to
 * handle. Everything else (batching, retries, idempotence, delivery.timeout.ms, crash, pause,
 * restart) is the workload producer's code.
 */
#ifndef KAFKASIM_PRODUCER_H
#define KAFKASIM_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "network.h"
#include "partitioner.h"
#include "protocol.h"
#include "sim.h"
#include "txn_manager.h"

#define PRODUCER_NIL UINT32_MAX      /* no batch */
#define PRODUCER_NO_LEADER_EPOCH INT32_MIN /* ProducerBatch.currentLeaderEpoch: Optional.empty */
/* PCG32 component id: PRODUCER_STREAM_BASE + index; a driven producer's (and its
 * partitioner's) come after the workload producers': + PROTO_PRODUCERS_MAX + index. */
#define PRODUCER_STREAM_BASE 16
/* PCG32 component id of a producer's partitioner: + index (its own stream, so that choosing
 * partitions never shifts the retry jitter drawn from the other). */
#define PRODUCER_PARTITIONER_STREAM_BASE 256
#define PRODUCER_KEY_CACHE 4096 /* keys per topic whose partition a producer remembers */
/* DefaultRecordBatch.RECORD_BATCH_OVERHEAD: the batch header on the wire, bytes. */
#define PRODUCER_BATCH_OVERHEAD_BYTES 61
/* DefaultRecord framing of a small record without key or headers (length, attributes,
 * timestamp delta, offset delta, key length, value length, header count varints), bytes. */
#define PRODUCER_RECORD_OVERHEAD_BYTES 8

/* A topic the producer writes: its partitions are g = first .. first + count - 1. */
typedef struct producer_topic {
    int first;                 /* g of its partition 0 */
    int count;                 /* partitions, >= 1 */
} producer_topic;

/* The application of a driven producer (producer.h, driven mode). The callbacks run inside the
 * producer's own event handling, except on_flush and on_unblocked, which come in an event of
 * their own (at the instant the condition became true): on_send must not call back into the
 * producer, the other two may. */
typedef struct producer_driver {
    void *ctx;                 /* passed to every callback */
    /* One send completed: error 0 with the record's offset in its partition, or the error
     * (ERR_CLIENT_DELIVERY_TIMEOUT, a non-retriable broker error, ERR_CLIENT_PRODUCER_CLOSED,
     * ERR_CLIENT_BUFFER_EXHAUSTED) with offset -1. Once per producer_drive_send, in no particular order across partitions. */
    void (*on_send)(void *ctx, uint32_t id, int partition, int error, int64_t offset);
    /* The flush() that producer_drive_flush started returned. */
    void (*on_flush)(void *ctx);
    /* The send that producer_drive_send left blocked returned (error 0): its record is in,
     * or it failed after max.block.ms (on_send came first with ERR_CLIENT_BUFFER_EXHAUSTED);
     * or it threw error once its record was in (a transaction in an error state, as
     * producer_drive_send says). */
    void (*on_unblocked)(void *ctx, int error);
    /* A transactional call (producer_drive_init_transactions, _send_offsets, _commit, _abort)
     * returned: error 0, or what it threw (producer_drive_txn_fatal tells whether the producer
     * can still abort). In an event of its own, like on_flush. */
    void (*on_txn)(void *ctx, int error);
} producer_driver;

/* What the producer borrows from its world. */
typedef struct producer_env {
    sim_world *world;          /* borrowed */
    net *net;                  /* borrowed */
    history *history;          /* borrowed */
    const config *config;      /* borrowed, outlives the producer */
    proto_payloads *payloads;  /* borrowed: sealed batches go here */
    proto_step_fn step_fn;     /* optional: called after STEP_PRODUCER_SEND / _ACK */
    void *step_ctx;            /* borrowed; passed to step_fn */
    const producer_topic *topics; /* copied: the topics written, in order; NULL = one topic of
                                   * one partition */
    int topic_count;           /* entries in topics */
    uint64_t id_first;         /* with id_count: its records are ids id_first .. + id_count - 1 */
    uint64_t id_count;         /* 0: ids 0 .. workload.records - 1 at workload.rate */
    int64_t rate_per_s;        /* with id_count: its rate, records/s, 0 = as fast as accepted */
    const producer_driver *driver; /* copied; non-NULL: driven mode (node_consumer_producer(index)),
                                    * ids 0 .. id_count - 1 (or workload.records) may be sent,
                                    * rate_per_s is not used */
} producer_env;

typedef enum producer_batch_state {
    PRODUCER_BATCH_FREE = 0,   /* on the free list */
    PRODUCER_BATCH_QUEUED,     /* in its partition's deque (open, ready, or awaiting retry) */
    PRODUCER_BATCH_IN_FLIGHT,  /* carried by a request that has not been answered */
    PRODUCER_BATCH_DONE        /* completed, kept only while a request still names it */
} producer_batch_state;

/* ProducerBatch: a batch and its client-side bookkeeping. Two cache lines in the pool (whose
 * pages are aligned): the first holds the header and what the sender's readiness check reads
 * of a queued batch (RecordAccumulator.batchReady, shouldBackoff), so the check of a
 * partition's head reads one line; the second the rest. The expiry timer a pause needs is
 * apart (producer.batch_expiry). */
typedef struct producer_batch {
    proto_batch header;        /* what goes on the wire; payload valid once sealed */
    int64_t created_ns;        /* creation time: delivery.timeout.ms counts from here, ns */
    int32_t leader_epoch_seen; /* leader epoch at its last readiness check (3.7+, KIP-951);
                                * PRODUCER_NO_LEADER_EPOCH before the first */
    uint16_t attempts_when_leader_changed; /* attempts when leader_epoch_seen last changed */
    bool in_retry;             /* re-enqueued at least once (ProducerBatch.inRetry) */
    bool sealed;               /* records are in the payload arena; no more appends */
    /* Second line. */
    int64_t retry_at_ns;       /* not drained before this (retry backoff), ns */
    int64_t last_attempt_ns;   /* last send or re-enqueue, ns */
    uint64_t expiry_seq;       /* its entry in the producer's expiry FIFO, 0 once completed */
    uint32_t prev, next;       /* deque links, or the free list (next) */
    uint32_t bytes;            /* estimated size in the accumulator, bytes */
    uint16_t partition;        /* partition index */
    uint8_t state;             /* producer_batch_state */
    bool sequence_reset;       /* rewritten by an epoch bump (sequenceHasBeenReset) */
    bool in_request;           /* a request on some connection still carries it */
    uint8_t unused[23];        /* to two whole lines, so no slot straddles a third */
} producer_batch;

_Static_assert(sizeof(producer_batch) == 128, "a batch slot is two cache lines");
_Static_assert(offsetof(producer_batch, retry_at_ns) == 64,
               "what the readiness check reads is in a slot's first line");

/* PRODUCER_POOL_CHUNK slots of the batch pool: whether its pages are backed, and how long
 * ago one of its slots was taken (producer.c, "Batch pool"). */
#define PRODUCER_POOL_CHUNK_SHIFT 11
#define PRODUCER_POOL_CHUNK (1u << PRODUCER_POOL_CHUNK_SHIFT)
typedef struct producer_pool_chunk {
    uint64_t last_take;        /* batch_releases when a slot of it was last taken */
    uint32_t live;             /* its slots taken and not released */
    bool resident;             /* written since its pages were last given back */
} producer_pool_chunk;

/* An entry of the expiry FIFO: live while batches[batch].expiry_seq == seq. */
typedef struct producer_expiry {
    uint64_t seq;              /* sequence number taken when the batch was created */
    uint32_t batch;            /* batch index */
} producer_expiry;

/* A further batch of a multi-partition Produce request, with what it carried on this try. */
typedef struct producer_request_batch {
    uint32_t batch;            /* batch index */
    int32_t base_sequence;     /* its base sequence as sent */
    int16_t producer_epoch;    /* its epoch as sent */
} producer_request_batch;

/* One request on a connection, oldest first (InFlightRequests). */
typedef struct producer_request {
    int64_t sent_ns;           /* when it was sent, ns */
    proto_batch sent;          /* for Produce: the first header as sent (epoch, sequence) */
    producer_request_batch *more; /* for Produce: batch_count - 1 further batches (a block of
                                   * PROTO_PRODUCE_BATCHES_MAX - 1 from the producer's pool) */
    uint32_t correlation_id;   /* echoed by the response */
    uint32_t batch;            /* for Produce: the first batch's index, else PRODUCER_NIL */
    uint16_t batch_count;      /* for Produce: batches carried */
    uint8_t api;               /* proto_api */
} producer_request;

/* A connection to one broker: its in-flight requests and their timeout. */
typedef struct producer_conn {
    producer_request *requests; /* a ring of max.in.flight + 2, oldest at head */
    int head;                   /* ring position of the oldest request */
    int count;                  /* requests in flight */
    sim_timer timeout;          /* armed for the oldest request's request.timeout.ms */
    int64_t reconnect_after_ns; /* no request before this: reconnect.backoff.ms after the
                                   connection closed (ClusterConnectionStates), ns */
} producer_conn;

/* TxnPartitionEntry plus the partition's deque. */
typedef struct producer_partition {
    uint32_t head, tail;        /* deque of queued batches, PRODUCER_NIL when empty */
    uint32_t queued;            /* batches in the deque (ArrayDeque.size(): the adaptive
                                 * partitioner reads every partition's at each drain) */
    uint32_t open;              /* the tail batch still taking records, or PRODUCER_NIL */
    uint32_t *open_ids;         /* record ids of the open batch when open_listed (capacity
                                 * records_per_batch) */
    uint32_t open_count;        /* records in the open batch */
    uint32_t open_first;        /* its first id: its ids run from it while !open_listed */
    bool open_listed;           /* its ids are in open_ids: a resend broke the run */
    int leader;                 /* broker id of the leader as last known, -1 unknown */
    int32_t leader_epoch;       /* its leader epoch from the same metadata, -1 unknown */
    int64_t producer_id;        /* the id its sequences belong to (adopted lazily) */
    int16_t producer_epoch;     /* the epoch its sequences belong to */
    int32_t next_sequence;      /* the sequence the next drained batch gets */
    int32_t last_acked_sequence; /* highest sequence acknowledged, -1 none */
    uint32_t *outstanding;      /* sequenced batches not completed, by base sequence */
    uint32_t outstanding_count; /* entries in outstanding */
    uint32_t outstanding_capacity; /* entries allocated */
    bool muted;                 /* max.in.flight = 1: a batch of it is in flight */
    bool unresolved;            /* a batch in retry expired: its fate is unknown */
    int32_t unresolved_next_sequence; /* expired batch's last sequence + 1 (the largest) */
    bool bump_requested;        /* requestEpochBumpForPartition was called */
    bool had_batch;             /* it had a deque once (RecordAccumulator's batches map entry:
                                 * adaptive partitioning waits for every partition's) */
} producer_partition;

typedef struct producer {
    sim_world *world;          /* borrowed */
    net *net;                  /* borrowed */
    history *history;          /* borrowed */
    const config *cfg;         /* borrowed */
    proto_payloads *payloads;  /* borrowed */
    proto_step_fn step_fn;     /* optional */
    void *step_ctx;            /* borrowed */
    node_id node;              /* node_producer(index) */
    int index;                 /* producer index */
    uint16_t kind;             /* kernel handler kind of all its events */
    uint32_t session;          /* bumped by crash and restart: older events are ignored */
    sim_pcg32 rng;             /* retry backoff jitter (KIP-580) */
    int bootstrap[PROTO_BROKERS_MAX]; /* broker ids to ask for metadata */
    int bootstrap_count;       /* entries in bootstrap */
    int bootstrap_next;        /* next bootstrap broker to ask */

    /* Accumulator. */
    producer_batch *batches;   /* pool, grown geometrically */
    uint32_t batch_capacity;   /* slots in the pool */
    uint32_t batch_used;       /* slots taken since the session began: those from here on are
                                * free and untouched */
    uint32_t *batch_free;      /* the released slots, the last released on top (capacity
                                * batch_capacity) */
    uint32_t batch_free_count; /* entries in batch_free */
    producer_pool_chunk *batch_chunks; /* per PRODUCER_POOL_CHUNK slots of the pool */
    uint64_t batch_releases;   /* slots released since the pool was made */
    uint32_t records_per_batch; /* records that fit in batch.size */
    uint32_t record_bytes;     /* one record with its framing, bytes */
    int64_t buffered_bytes;    /* bytes of batches not completed (buffer.memory), bytes */
    /* delivery.timeout.ms: every batch's deadline is created_ns + the same timeout, so
     * deadlines come in creation order. A FIFO of (batch, sequence number taken at creation)
     * and one timer armed for its oldest live entry fire each expiry where a timer per batch
     * would have (sim_timer_arm_seq), with one queued event instead of one per batch, which
     * at 10^6 records kept tens of thousands of 120 s events in the queue. */
    producer_expiry *expiry_fifo; /* ring, oldest first; entries of completed batches wait
                                     their turn at the head */
    uint32_t expiry_head;      /* ring position of the oldest entry */
    uint32_t expiry_count;     /* entries in the ring */
    uint32_t expiry_capacity;  /* ring slots, a power of two (or 0) */
    sim_timer expiry_timer;    /* armed for the oldest live entry's deadline */
    sim_timer *batch_expiry;   /* by batch index (batch_capacity of them): a batch's own
                                * delivery.timeout.ms timer, armed only when its deadline
                                * falls in a pause; NULL until the first such pause */
    producer_partition *partitions; /* owned, by g */
    int partition_count;       /* partitions of all its topics */

    /* Topics and partitioners (several partitions only). */
    producer_topic topics_one; /* the topic of a producer given none */
    producer_topic *topics;    /* owned copy, or &topics_one */
    int topic_count;           /* entries in topics */
    partitioner_topic *partitioners; /* owned, one per topic */
    partitioner_kind partitioner; /* the null-key partitioner of kafka.version */
    bool sequences_flagged;    /* some partition may be unresolved or have asked for an epoch
                                * bump (set with either flag, cleared by a pass that found
                                * none): the sender's passes over the partitions run only then */
    bool keyed;                /* workload.keys > 0 and the keys pick partitions */
    sim_pcg32 partition_rng;   /* ThreadLocalRandom of the partitioners */
    bool *available;           /* owned, by g: its leader is known (availablePartitionsForTopic) */
    uint16_t *key_cache;       /* owned when keyed: 1 + partition of key k of topic t at
                                * [t * PRODUCER_KEY_CACHE + k], 0 not yet computed */
    uint32_t key_id;           /* keyed: the last id routed (0 at the start) ... */
    uint64_t key_of_id;        /* ... and its key number, key_id mod workload.keys: the next id's
                                * follows without a division */
    uint16_t *by_leader;       /* owned: g grouped by leader, g order within (partitionsForNode) */
    int by_leader_first[PROTO_BROKERS_MAX + 2]; /* broker b's run in by_leader */
    int drain_index[PROTO_BROKERS_MAX + 1]; /* RecordAccumulator.nodesDrainIndex, by broker */
    int64_t node_ready_ns[PROTO_BROKERS_MAX + 1]; /* NodeLatencyStats.readyTimeMs, ns */
    int64_t node_drain_ns[PROTO_BROKERS_MAX + 1]; /* NodeLatencyStats.drainTimeMs, ns */
    bool node_stats[PROTO_BROKERS_MAX + 1]; /* the broker has NodeLatencyStats */
    int *queue_sizes;          /* owned scratch for the adaptive load stats, by topic partition */
    int *queue_ids;            /* owned scratch: their partition numbers */
    /* Blocks of PROTO_PRODUCE_BATCHES_MAX - 1 further request batches, allocated as
     * multi-partition requests need them and reused. */
    producer_request_batch **more_blocks; /* owned: every block allocated */
    producer_request_batch **more_stack;  /* owned: the free ones */
    uint32_t more_block_count; /* blocks allocated */
    uint32_t more_stack_count; /* free blocks */
    int metadata_page;         /* g the Metadata request in flight starts at */

    /* Sender and NetworkClient. */
    producer_conn conns[PROTO_BROKERS_MAX + 1]; /* index = broker id */
    uint32_t correlation_next; /* next correlation id */
    sim_timer wakeup;          /* the sender's next poll (linger or backoff end) */
    int64_t wakeup_ns;         /* when wakeup fires, SIM_TIME_NEVER when idle */
    bool metadata_needed;      /* a metadata refresh was requested */
    bool metadata_in_flight;   /* a Metadata request is outstanding */
    int64_t metadata_after_ns; /* no Metadata request before this (backoff), ns */
    int64_t metadata_refreshed_ns; /* last successful metadata update (Metadata's
                                    * lastSuccessfulRefreshMs), ns */
    int64_t producer_id;       /* TransactionManager's producerIdAndEpoch, -1 none */
    int16_t producer_epoch;    /* its epoch */
    bool init_pid_in_flight;   /* an InitProducerId request is outstanding */
    bool pid_needed;           /* idempotent and no valid producer id yet */
    int64_t pid_after_ns;      /* no InitProducerId before this (backoff), ns */

    /* The application. */
    uint64_t id_first;         /* its first record id */
    uint64_t records;          /* its records: ids id_first .. id_first + records - 1 */
    int64_t rate_per_s;        /* its send rate, records/s, 0 = as fast as accepted */
    uint8_t *outcome;          /* per record id - id_first: producer_outcome */
    uint32_t *resends;         /* per id - id_first: sends after the first, or NULL while no id
                                * was ever resent (see producer_send_no) */
    uint32_t *resend;          /* ids waiting to be sent again (FIFO ring) */
    uint64_t resend_head;      /* ring read position */
    uint64_t resend_count;     /* ids in the ring */
    uint64_t next_id;          /* next new record id */
    uint64_t in_producer;      /* records sent and not yet called back */
    uint64_t acked;            /* callbacks with success */
    uint64_t failed;           /* callbacks with an error */
    uint64_t given_up;         /* records abandoned at a restart without resend */
    sim_timer app_tick;        /* workload.rate pacing */
    int64_t app_start_ns;      /* when the application started, ns */
    uint64_t app_ticks;        /* new records the rate allowed so far */
    bool started;              /* producer_start was called */
    bool crashed;              /* the process is dead until producer_restart */
    int64_t paused_until_ns;   /* a GC pause: nothing runs before this, ns */
    proto_msg *deferred;       /* messages that arrived during a pause */
    uint32_t deferred_count;   /* entries in deferred */
    uint32_t deferred_capacity; /* entries allocated */
    unsigned char *deferred_outline; /* their out-of-line parts, in arrival order */
    size_t deferred_outline_used; /* bytes held */
    size_t deferred_outline_capacity; /* bytes allocated */

    /* Transactions (a producer with a transactional.id; all unused otherwise). */
    txn_manager *txn;          /* owned TransactionManager, NULL when not transactional */
    bool txn_flush;            /* a commit or abort is under way: every batch is ready at once
                                * (RecordAccumulator.ready's transactionCompleting) */
    uint8_t txn_phase;         /* producer_txn_phase: where the application's loop is */
    bool txn_resend;           /* the abort under way follows an error: its records go again */
    bool txn_closing;          /* the application closes once the abort under way returns */
    uint32_t txn_no;           /* transactions begun on this node, over all its instances */
    uint32_t *txn_ids;         /* owned: record ids sent in the open (or last unfinished)
                                * transaction, in send order */
    uint32_t txn_count;        /* ids in txn_ids */
    uint32_t txn_size;         /* workload.transaction.records: capacity of txn_ids */
    sim_timer txn_block;       /* max.block.ms of the application's pending call */

    /* Driven mode (producer_env.driver): the application is pipeline.c, not the workload loop.
     * Its flag lives with app_cold so the workload producer's pump tests one byte as before. */
    producer_driver driver;    /* copied from the env */
    bool driven;               /* driven mode */
    bool app_cold;             /* txn or driven: the application is not the workload loop */
    bool drive_flushing;       /* flush() waits: every batch ready at once, on_flush when empty */
    bool drive_blocked;        /* a send waits for buffer.memory: drive_blocked_id/_partition */
    uint32_t drive_blocked_id; /* the record the blocked send carries */
    uint16_t drive_blocked_partition; /* and its partition */
    sim_timer drive_notify;    /* on_flush / on_unblocked / on_txn in an event of their own */
    uint8_t drive_txn_call;    /* the transactional call the application waits in
                                * (PRODUCER_DRIVE_TXN_*), or its answer to be told */
    bool drive_txn_told;       /* that call returned: on_txn with drive_txn_error is due */
    int drive_txn_error;       /* what it returned */
    sim_timer drive_block;     /* max.block.ms of the blocked send */
    uint8_t drive_txn_unacked; /* an init, commit or abort (PRODUCER_DRIVE_TXN_*) that timed out
                                * and was not called again: the manager's pendingTransition */
    bool drive_txn_unacked_done; /* it completed since (drive_txn_unacked_error) */
    int drive_txn_unacked_error;
    bool drive_closing;        /* close() after the application's thread ended */
    uint64_t drive_sends;      /* producer_drive_send calls (records given to it) */

    /* Counters for reports. */
    uint64_t produce_attempts; /* ProduceRequests sent */
    uint64_t multi_partition_requests; /* ProduceRequests carrying batches of several
                                        * partitions */
    uint64_t retries;          /* batches re-enqueued */
    uint64_t epoch_bumps;      /* local epoch bumps */
    uint64_t expired;          /* batches failed by delivery.timeout.ms */

    /* Invariant checking (producer_check_recent). */
    uint64_t check_events;     /* calls since the last full walk, calls */
    uint64_t check_walk_steps; /* batches the last full walk visited, batches */
} producer;

/* Where the transactional application is (KafkaProducer's class javadoc: initTransactions,
 * then begin, send, commit, and abort on errors that are not fatal). */
typedef enum producer_txn_phase {
    PRODUCER_TXN_INIT = 0,   /* initTransactions not returned yet */
    PRODUCER_TXN_IDLE,       /* between transactions */
    PRODUCER_TXN_OPEN,       /* in a transaction, sending its records */
    PRODUCER_TXN_COMMITTING, /* commitTransaction waits */
    PRODUCER_TXN_ABORTING,   /* abortTransaction waits */
    PRODUCER_TXN_CLOSED      /* closed after an error it cannot abort: sends nothing more */
} producer_txn_phase;

/* Per record id, what the application knows. */
typedef enum producer_outcome {
    PRODUCER_RECORD_UNSENT = 0, /* not sent yet */
    PRODUCER_RECORD_PENDING,    /* in the producer, no callback yet */
    PRODUCER_RECORD_ACKED,      /* the last callback was a success */
    PRODUCER_RECORD_FAILED,     /* the last callback was an error and it will not be resent */
    PRODUCER_RECORD_RESEND,     /* failed, waiting to be sent again */
    PRODUCER_RECORD_GIVEN_UP    /* lost with a crashed session, not resent */
} producer_outcome;

/* Sets up producer index (node node_producer(index)) with the broker ids it may ask for
 * metadata (copied). Registers one kernel handler and listens on the network. Borrows env's
 * pointers. Returns 0, or -1 when memory cannot be had (then producer_fini is still safe). */
int producer_init(producer *p, const producer_env *env, int index, const int *bootstrap,
                  int bootstrap_count);
void producer_fini(producer *p);

/* The application starts sending at time now; the producer asks for metadata and, when
 * idempotent, for a producer id. Precondition: called once. */
void producer_start(producer *p);

/* The process dies: connections reset, every pending record stays without a callback, all
 * client state is lost. Idempotent (a second crash does nothing). */
void producer_crash(producer *p);

/* A new producer session (the `restart producer` fault, or the process coming back after a
 * crash): a new InitProducerId (a new producer id), fresh sequences. Records the old session
 * had not seen acknowledged are failed with ERR_CLIENT_PRODUCER_CLOSED (unless the process had
 * crashed: then nobody is told), and the application sends them again if
 * workload.resend.on.failure, else gives them up. */
void producer_restart(producer *p);

/* A stop-the-world pause until until_ns: messages that arrive wait, timers fire late. */
void producer_pause(producer *p, int64_t until_ns);

/* True when every record has a final outcome and nothing is queued or in flight. */
bool producer_done(const producer *p);

/* ---- Driven mode (producer_env.driver) ----------------------------------------------------
 *
 * KafkaProducer.send(record(partition, id), callback) from the application thread: the record
 * goes to partition g (a g of the producer's topics) and on_send reports it later.
 * PRODUCER_DRIVE_SENT: send returned. PRODUCER_DRIVE_BLOCKED: buffer.memory is full and the
 * calling thread blocks in send until memory frees (on_unblocked), at most max.block.ms: then
 * the send returns with on_send's ERR_CLIENT_BUFFER_EXHAUSTED and the record was never sent
 * (KafkaProducer.doSend hands the BufferExhaustedException to the callback; in a transaction
 * it also makes the transaction's error abortable: maybeTransitionToErrorState). An error
 * above 0: send threw it, the KafkaException of a transaction in an error state
 * (TransactionManager.maybeFailWithError, from maybeAddPartition after the append, 3.1.1+, or
 * failIfNotReadyForSend before it, earlier): the application must abort (or close when
 * producer_drive_txn_fatal). From 3.1.1 the record was appended first and fails with the batch
 * the sender aborts (on_send); a ProducerFencedException or InvalidProducerEpochException is an
 * ApiException there, which doSend hands to the callback instead of throwing: send returns.
 * Precondition: started, not crashed, no send blocked. */
#define PRODUCER_DRIVE_SENT 0
#define PRODUCER_DRIVE_BLOCKED (-1)
int producer_drive_send(producer *p, int partition, uint32_t id);

/* KafkaProducer.flush(): true when every record sent has completed already (flush returns at
 * once); false: the calling thread waits and on_flush comes when the last one completes.
 * Meanwhile every batch is ready without waiting for linger.ms. */
bool producer_drive_flush(producer *p);

/* Sent records not yet completed (queued, in flight, or in a blocked send), plus one while a
 * timed-out transactional call has not completed. */
uint64_t producer_drive_pending(const producer *p);

/* Driven transactions: the producer of an exactly-once instance has the transactional.id
 * config.consumer_txn names (transactional: producer_drive_transactional). The calls are
 * KafkaProducer's, made from the application thread; every one but begin blocks it until the
 * driver's on_txn (in an event of its own; at once, in that event, when the call fails
 * without a request: an error state, no transaction open):
 *   init_transactions   initTransactions (InitProducerId: fences an older instance of the id)
 *   begin               beginTransaction, local: 0, or the error it throws
 *   send_offsets        sendOffsetsToTransaction(offsets, groupMetadata) (KIP-447,
 *                       txn_manager_send_offsets)
 *   commit / abort      commitTransaction / abortTransaction (commit flushes first, as Kafka's
 *                       does; records sent in the transaction are answered before the EndTxn)
 * A transaction's begin, batches and end are recorded as the workload producer's are
 * (HIST_TXN_BEGIN/BATCH/END), so the judge reads the instances' transactions too.
 * A call that waits max.block.ms returns ERR_CLIENT_TXN_TIMEOUT (KafkaProducer: the
 * TimeoutException of TransactionalRequestResult.await, recorded as a HIST_ERROR of its
 * request) while the manager goes on with it. A timed-out initTransactions, commitTransaction
 * or abortTransaction stays the manager's pendingTransition (3.9 TransactionManager
 * .handleCachedTransactionRequestResult, KAFKA-13412): the same call again gets its result (at
 * once if it completed meanwhile); any other call, and beginTransaction, throws
 * INVALID_TXN_STATE at once (IllegalStateException "... timed out and must be retried", the
 * manager's state untouched); its completion is recorded as any transaction's end. A
 * timed-out sendOffsetsToTransaction's requests go on, and later calls have results of their
 * own. */
#define PRODUCER_DRIVE_TXN_NONE 0
#define PRODUCER_DRIVE_TXN_INIT 1
#define PRODUCER_DRIVE_TXN_OFFSETS 2
#define PRODUCER_DRIVE_TXN_COMMIT 3
#define PRODUCER_DRIVE_TXN_ABORT 4
bool producer_drive_transactional(const producer *p);
void producer_drive_init_transactions(producer *p);
int producer_drive_begin(producer *p);
void producer_drive_send_offsets(producer *p, const proto_offset_entry *offsets, int n,
                                 proto_member_id member_id, int32_t generation);
void producer_drive_commit(producer *p);
void producer_drive_abort(producer *p);
/* True when the transaction manager is in its fatal state (fenced, or an error it cannot
 * abort): the application closes the producer (KafkaProducer's javadoc). */
bool producer_drive_txn_fatal(const producer *p);
/* KafkaProducer.close() of a transactional driven producer whose application thread ended
 * (not fenced): nothing more is called or told; the sender finishes what is pending (a call
 * that timed out included) and then aborts a transaction still open (Sender.run's shutdown:
 * "Aborting incomplete transaction due to shutdown"); producer_drive_pending counts that work.
 * A manager in its fatal state closes at once (forceClose: producer_crash). */
void producer_drive_close(producer *p);

/* Walks the invariants (deque links, counts, sequence order, in-flight limits) and reports the
 * first broken one with sim_fail(). */
void producer_check(producer *p);

/* The same invariants at O(1) amortised cost per call, for the hook after every event: checks
 * the ends of each deque, the newest outstanding sequences and the connections every call, and
 * runs the full walk (producer_check) once the calls since the last walk reach the number of
 * batches that walk visited. So a broken invariant the cheap part misses is reported at most
 * that many events late. */
void producer_check_recent(producer *p);

#endif
