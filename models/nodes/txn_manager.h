/*
 * txn_manager.h: the transactional half of the Java producer's TransactionManager, as the
 * producer of a `transactional.id` runs it: transaction version 1 (AddPartitionsToTxn) and 2
 * (KIP-890 part 2, 4.0: isTransactionV2Enabled; a partition is added locally and by its leader,
 * no AddPartitionsToTxn; EndTxn v5 answers the next producer id and epoch, which the manager
 * takes, every sequence restarting at 0; no client-side epoch bump after an abortable error,
 * the coordinator bumps at every EndTxn: needToTriggerEpochBumpFromClient, KAFKA-17898).
 *
 * Follows clients/src/main/java/org/apache/kafka/clients/producer/internals/
 * TransactionManager.java at 3.9: the state machine
 * (State.isTransitionValid), the queue of transactional requests ordered by Priority
 * (FIND_COORDINATOR < INIT_PRODUCER_ID < ADD_PARTITIONS_OR_OFFSETS < END_TXN < EPOCH_BUMP), one
 * of them in flight at a time (inFlightRequestCorrelationId), the handlers' error classes
 * (fatal, abortable, abortable-if-the-coordinator-can-bump, retried, re-lookup), and the
 * partitions of the open transaction: new (maybeAddPartition), pending (in an AddPartitionsToTxn)
 * and added (isSendToPartitionAllowed). It knows no sockets: the producer asks it what to send
 * next (Sender.maybeSendAndPollTransactionalRequest), sends it on its own connections, and hands
 * back the answer, a disconnect or a failed batch.
 *
 * Version gates (kafka.version stands for both the client and the cluster): before 2.5 the
 * coordinator cannot bump an epoch (no InitProducerId v3, canBumpEpoch false), so
 * UNKNOWN_PRODUCER_ID and INVALID_PRODUCER_ID_MAPPING are fatal and an abort keeps its epoch;
 * before 2.7 a produce INVALID_PRODUCER_EPOCH is a ProducerFencedException (fatal), from 2.7 an
 * InvalidProducerEpochException (abortable, KIP-588). INVALID_PRODUCER_EPOCH on a transactional
 * request is mapped to PRODUCER_FENCED (KAFKA-14278).
 *
 * Simplifications, each named: at most one AddPartitionsToTxn is queued or in flight; it carries
 * every pending partition when it is sent (Kafka builds it with those pending when it is
 * enqueued, and may queue a second one that repeats them: the coordinator answers a repeat
 * without a write, so the outcome is the same), at most PROTO_TXN_PARTITIONS_MAX of them (the
 * rest go in the next one). A FindCoordinator already queued is not queued twice. The
 * retry sleep of the sender thread (Sender: time.sleep(retryBackoffMs) before a retried
 * request) holds every send, Produce included, but answers are still handled during it.
 */
#ifndef KAFKASIM_TXN_MANAGER_H
#define KAFKASIM_TXN_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "protocol.h"

/* TransactionManager.State. */
typedef enum txn_manager_state {
    TXN_MGR_UNINITIALIZED = 0,
    TXN_MGR_INITIALIZING,
    TXN_MGR_READY,
    TXN_MGR_IN_TRANSACTION,
    TXN_MGR_COMMITTING_TRANSACTION,
    TXN_MGR_ABORTING_TRANSACTION,
    TXN_MGR_ABORTABLE_ERROR,
    TXN_MGR_FATAL_ERROR
} txn_manager_state;

/* TxnRequestHandler kinds, numbered by their Priority. */
typedef enum txn_request_kind {
    TXN_REQ_FIND_COORDINATOR = 0,
    TXN_REQ_INIT_PRODUCER_ID = 1,
    TXN_REQ_ADD_PARTITIONS = 2,
    TXN_REQ_END_TXN = 3,
    TXN_REQ_EPOCH_BUMP = 4, /* InitProducerId(pid, epoch) after an abortable error (KIP-360) */
    TXN_REQ_ADD_OFFSETS = 5, /* AddOffsetsToTxn (priority ADD_PARTITIONS_OR_OFFSETS) */
    TXN_REQ_TXN_OFFSET_COMMIT = 6 /* TxnOffsetCommit to the group coordinator (same priority) */
} txn_request_kind;

/* TransactionalRequestResult of the application's pending call. */
typedef enum txn_result {
    TXN_RESULT_NONE = 0, /* no call pending */
    TXN_RESULT_PENDING,  /* initTransactions, commitTransaction or abortTransaction waits */
    TXN_RESULT_DONE,     /* it returned */
    TXN_RESULT_FAILED    /* it threw result_error */
} txn_result;

/* Where a partition stands in the open transaction. */
typedef enum txn_partition_state {
    TXN_PART_NONE = 0, /* not in the transaction */
    TXN_PART_NEW,      /* newPartitionsInTransaction: no AddPartitionsToTxn sent for it yet */
    TXN_PART_PENDING,  /* pendingPartitionsInTransaction: in the AddPartitionsToTxn queued or
                        * in flight */
    TXN_PART_ADDED     /* partitionsInTransaction: its batches may be sent */
} txn_partition_state;

#define TXN_MGR_QUEUE_MAX 8 /* handlers queued at once (one of each kind, and a spare) */

typedef struct txn_handler {
    uint8_t kind;        /* txn_request_kind */
    bool group;          /* FIND_COORDINATOR: the group coordinator (CoordinatorType.GROUP) */
    bool retry;          /* isRetry: the sender sleeps retry_backoff_ns before sending it */
    bool commit;         /* END_TXN: commit (else abort) */
    bool completes_call; /* its success completes the application's pending call */
    int64_t backoff_ns;  /* its retry backoff (AddPartitionsToTxn may lower it to 20 ms) */
    uint32_t order;      /* enqueue order: ties of one priority go first in, first out */
} txn_handler;

/* What the producer lends the manager. */
typedef struct txn_manager_env {
    const config *config; /* borrowed */
    history *history;     /* borrowed */
    node_id node;         /* the producer's node */
    int txn;              /* index into config's txn_ids */
    int partition_count;  /* partitions the producer writes (g = 0 .. count - 1) */
    int64_t *producer_id; /* borrowed: the producer's producerIdAndEpoch, which the manager
                           * sets */
    int16_t *producer_epoch; /* borrowed: its epoch */
    bool group_offsets;   /* the application may call sendOffsetsToTransaction (an exactly-once
                           * instance's producer): room for its offsets is had at init */
} txn_manager_env;

typedef struct txn_manager {
    const config *cfg;
    history *history;
    node_id node;
    uint16_t txn;               /* index into cfg->txn_ids */
    int32_t timeout_ms;         /* transaction.timeout.ms */
    int64_t *producer_id;       /* borrowed (txn_manager_env) */
    int16_t *producer_epoch;    /* borrowed */
    txn_manager_state state;
    int coordinator;            /* transactionCoordinator: broker id, -1 unknown */
    uint8_t *parts;             /* owned, by g: txn_partition_state */
    int partition_count;
    int new_count;              /* partitions in TXN_PART_NEW */
    uint16_t *req_parts;        /* owned: the partitions of the AddPartitionsToTxn in flight */
    uint16_t req_part_count;
    txn_handler queue[TXN_MGR_QUEUE_MAX]; /* pendingRequests, unordered (picked by priority) */
    int queue_count;
    uint32_t queue_order;       /* next txn_handler.order */
    bool in_flight;             /* a transactional request is in flight */
    txn_handler flight;         /* it */
    uint32_t flight_correlation_id; /* its correlation id */
    int flight_broker;          /* where it went */
    int64_t sleep_until_ns;     /* the sender sleeps before a retried request until this, ns */
    bool slept;                 /* the head handler's sleep is over */
    bool epoch_bump_required;   /* epochBumpRequired */
    bool transaction_started;   /* a partition was added (transactionStarted) */
    bool can_bump_epoch;        /* coordinatorSupportsBumpingEpoch: InitProducerId v3 (2.5+) */
    bool tv2;                   /* isTransactionV2Enabled: transaction.version 2 (4.0+) */
    int last_error;             /* lastError: the error of the error state, 0 none */
    /* sendOffsetsToTransaction (KIP-447): the group coordinator (consumerGroupCoordinator,
     * broker id, -1 unknown), pendingTxnOffsetCommits and the group metadata they go with. */
    int group_coordinator;
    proto_offset_entry *offsets;  /* owned, room for PROTO_OFFSET_ENTRIES_MAX (with
                                   * txn_manager_env.group_offsets), else NULL */
    uint16_t offset_count;
    proto_member_id member_id;
    int32_t generation;
    txn_result result;          /* the application's pending call */
    int result_error;           /* its error when TXN_RESULT_FAILED */
} txn_manager;

/* Borrows env's pointers. Returns 0, or -1 when memory cannot be had (txn_manager_fini is
 * still safe then). */
int txn_manager_init(txn_manager *tm, const txn_manager_env *env);
void txn_manager_fini(txn_manager *tm);

/* A new KafkaProducer (a restart): UNINITIALIZED, no coordinator, nothing queued or in flight.
 * The producer id it borrows is cleared by the producer. */
void txn_manager_reset(txn_manager *tm);

/* ---- The application's calls (KafkaProducer) -------------------------------------------- */

/* initTransactions: UNINITIALIZED -> INITIALIZING, InitProducerId(transactional.id, -1, -1);
 * the result completes when it is answered. */
void txn_manager_init_transactions(txn_manager *tm);
/* beginTransaction: READY -> IN_TRANSACTION (local). */
void txn_manager_begin(txn_manager *tm);
/* commitTransaction: IN_TRANSACTION -> COMMITTING_TRANSACTION; EndTxn(COMMIT) once every batch
 * completed. */
void txn_manager_commit(txn_manager *tm);
/* abortTransaction: IN_TRANSACTION or ABORTABLE_ERROR -> ABORTING_TRANSACTION; EndTxn(ABORT),
 * then InitProducerId(pid, epoch) when an epoch bump is required (the result waits for it). */
void txn_manager_abort(txn_manager *tm);

/* sendOffsetsToTransaction(offsets, groupMetadata) (KIP-447, 2.5+): in a transaction,
 * AddOffsetsToTxn(group) to the transaction coordinator, then TxnOffsetCommit(offsets,
 * member_id, generation) to the group coordinator; the result completes when the
 * TxnOffsetCommit is answered. Outside a transaction or in an error state the result fails
 * at once (IllegalStateException, maybeFailWithError). offsets (n <= PROTO_OFFSET_ENTRIES_MAX)
 * are copied. generation PROTO_GENERATION_NONE and member
 * PROTO_MEMBER_UNKNOWN stand for the groupId-only call (before 2.5, or deprecated from 3.0).
 * Simplification: with transaction version 2 the AddOffsetsToTxn is still sent (4.0 sends the
 * TxnOffsetCommit alone and the group coordinator adds its partition through verification,
 * which the model's group coordinator does not do); the outcome is the same. */
void txn_manager_send_offsets(txn_manager *tm, const proto_offset_entry *offsets, int n,
                              proto_member_id member_id, int32_t generation);

/* The application stopped waiting for its pending call (sendOffsetsToTransaction timed out:
 * TransactionalRequestResult.await threw after max.block.ms): the call's requests go on, but
 * their outcome completes no later call (each call has a result of its own). */
void txn_manager_abandon_call(txn_manager *tm);

/* KafkaProducer.doSend's maybeAddPartition for a new batch of partition g in the open
 * transaction. Returns true when its batches may be sent already (isSendToPartitionAllowed). */
bool txn_manager_add_partition(txn_manager *tm, int g);

static inline bool txn_manager_send_allowed(const txn_manager *tm, int g) {
    return tm->state != TXN_MGR_FATAL_ERROR && tm->parts[g] == TXN_PART_ADDED;
}
static inline bool txn_manager_completing(const txn_manager *tm) {
    return tm->state == TXN_MGR_COMMITTING_TRANSACTION ||
           tm->state == TXN_MGR_ABORTING_TRANSACTION;
}

/* ---- The sender's side ------------------------------------------------------------------- */

typedef enum txn_next {
    TXN_NEXT_PRODUCE = 0, /* nothing transactional to send: the sender sends Produce */
    TXN_NEXT_WAIT,        /* a transactional request is in flight or the sender sleeps:
                           * nothing is sent (wake_ns says until when, SIM_TIME_NEVER: an
                           * answer) */
    TXN_NEXT_SEND         /* send *out to broker *to (-1: any broker), then txn_manager_sent */
} txn_next;

/* Sender.maybeSendAndPollTransactionalRequest up to the send: TM.nextRequest with the
 * accumulator's has_incomplete, the coordinator needed (unknown: FindCoordinator first), the
 * retry sleep. out's body borrows tm->req_parts until the send. */
txn_next txn_manager_next(txn_manager *tm, bool has_incomplete, int64_t now_ns, proto_msg *out,
                          int *to, int64_t *wake_ns);
/* The request txn_manager_next returned went out to broker with this correlation id. */
void txn_manager_sent(txn_manager *tm, int broker, uint32_t correlation_id);
/* The request txn_manager_next returned could not go out (its node not ready: reconnect backoff
 * or no room): Sender.maybeFindCoordinatorAndRetry. */
void txn_manager_not_sent(txn_manager *tm, int64_t now_ns);

/* What an answer changed, for the producer (bits). */
#define TXN_EV_ADDED 1u       /* req_parts[0 .. req_part_count) were added: unmute them */
#define TXN_EV_PRODUCER_ID 2u /* producer id and epoch set: every sequence restarts at 0 */

/* The answer to the request in flight (TxnRequestHandler.handleResponse); an answer with
 * another correlation id is ignored. Returns TXN_EV_* bits. */
unsigned txn_manager_on_response(txn_manager *tm, const proto_msg *m, int64_t now_ns);
/* The request in flight failed with its connection (disconnect or request.timeout.ms):
 * FindCoordinator again when it needs the coordinator, and the request again. */
void txn_manager_on_disconnect(txn_manager *tm, uint32_t correlation_id, int64_t now_ns);

/* TM.handleFailedBatch / maybeTransitionToErrorState for a batch that failed with error (a
 * Kafka code or ERR_CLIENT_*): fatal for a fenced producer, else abortable (with an epoch bump
 * when the coordinator can bump and no commit or abort is under way). */
void txn_manager_on_batch_failed(txn_manager *tm, int error, int64_t now_ns);
/* TM.maybeResolveSequences for a transactional producer: acknowledgements are missing for
 * records that can no longer be retried: abortable with a bump when possible, else fatal. */
void txn_manager_on_unresolved(txn_manager *tm, int64_t now_ns);

/* "UNINITIALIZED", "IN_TRANSACTION", ... */
const char *txn_manager_state_name(txn_manager_state s);

#endif
