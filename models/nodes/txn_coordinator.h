/*
 * txn_coordinator.h: the transaction coordinator, a role of the broker that leads a partition
 * of __transaction_state (KIP-98). Every broker of a transactional world has one; it coordinates
 * the transactional ids whose state partition it leads and has loaded.
 *
 * Follows core/src/main/scala/kafka/coordinator/transaction/ at 3.9:
 * - TransactionCoordinator: handleInitProducerId (a new id, an epoch bump, the fence of an
 *   Ongoing transaction by a second bump and an abort, answered CONCURRENT_TRANSACTIONS),
 *   handleAddPartitionsToTransaction (client path, versions <= 3), endTransaction (from the
 *   client, from a fence, from the timeout scan), abortTimedOutTransactions;
 * - TransactionMetadata: the states, their valid previous states, the pending state of a
 *   transition whose record is not yet durable (any other request meanwhile gets
 *   CONCURRENT_TRANSACTIONS), prepareTransitionTo / completeTransitionTo, hasFailedEpochFence;
 * - TransactionStateManager: the coordinator of an id is the leader of partition
 *   partitionFor(id) of __transaction_state; on becoming leader it loads the partition's records
 *   to the log end (COORDINATOR_LOAD_IN_PROGRESS meanwhile, NOT_COORDINATOR where it is not
 *   leader); a transition is appended through the broker's own leader path with acks=all and a
 *   timeout of the transaction timeout, and completes when the high watermark passes it (errors
 *   mapped as appendTransactionToLog maps them);
 * - TransactionMarkerChannelManager and TransactionMarkerRequestCompletionHandler: after the
 *   EndTxn answer, WriteTxnMarkers to the leader of each partition, re-sent until every
 *   partition answered, given up on INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED,
 *   re-sent with the new coordinator epoch after a load; CompleteCommit / CompleteAbort
 *   appended when all are answered (retried on COORDINATOR_NOT_AVAILABLE).
 * KafkaApis.getCoordinator answers FindCoordinator from any broker's metadata.
 * Transaction version 2 (KIP-890 part 2, 4.0, the whole world runs one version): a partition
 * leader adds the partition (AddPartitionsToTxn with verify_only false, the client path's
 * checks, 4.0's pending check first, KAFKA-18660); every EndTxn bumps the epoch
 * (prepareAbortOrCommit), its markers carry the bumped one and its answer names it (EndTxn v5);
 * the epoch rules of 4.0's endTransaction (retries one epoch below, the empty abort); the fence's
 * second bump in 4.0.0 and not after KAFKA-19367 (4.1); a new producer id once the epoch reaches
 * 32766 (nextProducerId, taken with epoch 0 by CompleteX).
 *
 * Simplifications, each deliberate:
 * - S2: a state record is a txn_record in the world's shared txn_records arena (the bytes of
 *   TransactionLogValue); the __transaction_state batch holds its index in payload. Like the
 *   3.9 record, it does not keep lastProducerId / lastProducerEpoch (loaded as -1).
 * - S3: loading takes TXN_LOAD_NS after the election, in one event.
 * - S4: one WriteTxnMarkers per (transaction, destination broker), one in flight per pair;
 *   Kafka drains every transaction queued for a broker into one request, one in flight per
 *   destination (the per-entry handling is the same).
 * - S5: no transactional-id expiration (Dead, tombstones): runs last far less than 7 days.
 * - A marker request that times out (the broker's request.timeout.ms) or whose destination
 *   dropped the connection is re-sent TXN_RECONNECT_BACKOFF_NS later without closing the
 *   connection (which the model shares with replica fetching); Kafka's marker channel closes its
 *   own connection and reconnects after reconnect.backoff.ms.
 * - Markers for a partition whose leader is unknown are retried every TXN_RECONNECT_BACKOFF_NS
 *   (Kafka's unknown-broker queue is drained when the sender thread next wakes).
 */
#ifndef KAFKASIM_TXN_COORDINATOR_H
#define KAFKASIM_TXN_COORDINATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "sim.h"

struct broker;

/* S3: the time from an election to a loaded partition (scheduleLoadPartition's thread and the
 * read of a small log). */
#define TXN_LOAD_NS (1 * SIM_MS)
/* The marker channel's reconnect backoff: TransactionMarkerChannelManager.apply builds its
 * NetworkClient with one request in flight per connection and a reconnect backoff of 50 ms,
 * at most 50 ms. */
#define TXN_RECONNECT_BACKOFF_NS (50 * SIM_MS)

/* One record of __transaction_state (TxnTransitMetadata as TransactionLog.valueToBytes writes
 * it). */
typedef struct txn_record {
    int64_t producer_id;
    int64_t next_producer_id; /* NextProducerId (transaction version 2), -1 none */
    int64_t start_ns;        /* txnStartTimestamp, -1 none, ns */
    int64_t update_ns;       /* txnLastUpdateTimestamp, ns */
    uint32_t parts_at;       /* index of its partitions in txn_records.parts */
    int32_t timeout_ms;      /* transactionTimeoutMs */
    uint16_t part_count;     /* partitions */
    uint16_t txn;            /* transactional id: index in config.txn_ids */
    int16_t producer_epoch;
    uint8_t state;           /* proto_txn_state */
} txn_record;

/* The world's state records, shared by every broker as the payload arena is (a record is
 * immutable once added). */
typedef struct txn_records {
    txn_record *recs;
    uint32_t count, capacity;
    uint16_t *parts;         /* the records' partitions, one list after another */
    size_t parts_count, parts_capacity;
} txn_records;

void txn_records_init(txn_records *r);
void txn_records_fini(txn_records *r);

typedef struct txn_coord txn_coord;

/* The coordinator of broker b (NULL when memory ran out). b's env.txn_records must be set. */
txn_coord *txn_coord_new(struct broker *b);
void txn_coord_free(txn_coord *tc);

/* The broker (re)started: the timeout scan runs every
 * transaction.abort.timed.out.transaction.cleanup.interval.ms from now. */
void txn_coord_start(txn_coord *tc);
/* The process died: everything in memory is gone. */
void txn_coord_forget(txn_coord *tc);

/* The broker's current request of client is a FindCoordinator, a transactional
 * InitProducerId, an AddPartitionsToTxn or an EndTxn: it is answered now or once its state
 * record is durable (the connection stays muted until then, as SocketServer keeps it). */
void txn_coord_on_request(txn_coord *tc, node_id client);
/* A WriteTxnMarkers response reached the broker (the coordinator is its client). */
void txn_coord_on_markers_response(txn_coord *tc, const proto_msg *m);
/* A broker the coordinator may have sent markers to dropped the connection. */
void txn_coord_on_disconnect(txn_coord *tc, node_id peer);

/* Partition g's leadership changed on this broker: it became leader (onElection, at the
 * partition's leader epoch) or stopped leading it (onResignation). No-ops for partitions that
 * are not a transactional id's state partition. */
void txn_coord_on_elected(txn_coord *tc, int g);
void txn_coord_on_resigned(txn_coord *tc, int g);
/* Partition g's high watermark moved: appends it passed complete. */
void txn_coord_on_hw(txn_coord *tc, int g);

/* For tests and checks: the coordinator's view of transactional id txn, false when it does not
 * coordinate it (not loaded here, or not in its cache). */
typedef struct txn_view {
    int64_t producer_id;
    int16_t producer_epoch;
    int16_t last_producer_epoch;
    int state;               /* proto_txn_state */
    int pending;             /* proto_txn_state, -1 none */
    int partition_count;     /* topicPartitions */
    int32_t coordinator_epoch;
    bool markers_pending;    /* markers are being sent */
} txn_view;
bool txn_coord_view(const txn_coord *tc, int txn, txn_view *out);

#endif
