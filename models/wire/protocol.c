/*
 * protocol.c: names of nodes, errors, APIs and steps; which errors are retriable; the payload
 * arena.
 *
 * Retriability follows the exception classes of Kafka's Errors.java
 * (clients/src/main/java/org/apache/kafka/common/protocol/Errors.java): a code is retriable
 * when its exception extends RetriableException. OUT_OF_ORDER_SEQUENCE_NUMBER,
 * DUPLICATE_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH and PRODUCER_FENCED are not; the
 * idempotent producer decides about them itself (TransactionManager.canRetry), which is the
 * producer's business, not this table's.
 *
 * The payload arena is append-only for a run: a payload id, once returned, names the same ids
 * forever, so log entries, messages and the history can all refer to it. It grows
 * geometrically and never shrinks; memory is linear in the records sent.
 */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* ---- Names ------------------------------------------------------------------------------ */

const char *node_name(node_id n, char *buf, size_t len) { return node_name_of(n, 1, buf, len); }

const char *node_name_of(node_id n, int producers, char *buf, size_t len) {
    if (n == NODE_CONTROLLER) snprintf(buf, len, "controller");
    else if (node_is_broker(n)) snprintf(buf, len, "broker-%d", (int)n);
    else if (n == node_producer(0) && producers <= 1) snprintf(buf, len, "producer");
    else if (node_is_producer(n))
        snprintf(buf, len, "producer-%d", (int)(n - NODE_PRODUCER_BASE) + 1);
    else if (node_is_consumer(n)) snprintf(buf, len, "consumer-%d", node_consumer_index(n) + 1);
    else if (node_is_consumer_producer(n))
        snprintf(buf, len, "consumer-%d.producer", node_consumer_index(n) + 1);
    else if (n == NODE_NONE) snprintf(buf, len, "none");
    else snprintf(buf, len, "node-%d", (int)n);
    return buf;
}

const char *proto_error_name(int code) {
    switch (code) {
    case ERR_NONE: return "NONE";
    case ERR_OFFSET_OUT_OF_RANGE: return "OFFSET_OUT_OF_RANGE";
    case ERR_CORRUPT_MESSAGE: return "CORRUPT_MESSAGE";
    case ERR_NOT_LEADER_OR_FOLLOWER: return "NOT_LEADER_OR_FOLLOWER";
    case ERR_REQUEST_TIMED_OUT: return "REQUEST_TIMED_OUT";
    case ERR_NETWORK_EXCEPTION: return "NETWORK_EXCEPTION";
    case ERR_COORDINATOR_LOAD_IN_PROGRESS: return "COORDINATOR_LOAD_IN_PROGRESS";
    case ERR_COORDINATOR_NOT_AVAILABLE: return "COORDINATOR_NOT_AVAILABLE";
    case ERR_NOT_COORDINATOR: return "NOT_COORDINATOR";
    case ERR_NOT_ENOUGH_REPLICAS: return "NOT_ENOUGH_REPLICAS";
    case ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case ERR_DUPLICATE_SEQUENCE_NUMBER: return "DUPLICATE_SEQUENCE_NUMBER";
    case ERR_INVALID_PRODUCER_EPOCH: return "INVALID_PRODUCER_EPOCH";
    case ERR_INVALID_TXN_STATE: return "INVALID_TXN_STATE";
    case ERR_INVALID_PRODUCER_ID_MAPPING: return "INVALID_PRODUCER_ID_MAPPING";
    case ERR_INVALID_TRANSACTION_TIMEOUT: return "INVALID_TRANSACTION_TIMEOUT";
    case ERR_CONCURRENT_TRANSACTIONS: return "CONCURRENT_TRANSACTIONS";
    case ERR_TRANSACTION_COORDINATOR_FENCED: return "TRANSACTION_COORDINATOR_FENCED";
    case ERR_UNKNOWN_PRODUCER_ID: return "UNKNOWN_PRODUCER_ID";
    case ERR_FENCED_LEADER_EPOCH: return "FENCED_LEADER_EPOCH";
    case ERR_UNKNOWN_LEADER_EPOCH: return "UNKNOWN_LEADER_EPOCH";
    case ERR_PRODUCER_FENCED: return "PRODUCER_FENCED";
    case ERR_INVALID_UPDATE_VERSION: return "INVALID_UPDATE_VERSION";
    case ERR_INELIGIBLE_REPLICA: return "INELIGIBLE_REPLICA";
    case ERR_TRANSACTION_ABORTABLE: return "TRANSACTION_ABORTABLE";
    case ERR_ILLEGAL_GENERATION: return "ILLEGAL_GENERATION";
    case ERR_INCONSISTENT_GROUP_PROTOCOL: return "INCONSISTENT_GROUP_PROTOCOL";
    case ERR_UNKNOWN_MEMBER_ID: return "UNKNOWN_MEMBER_ID";
    case ERR_INVALID_SESSION_TIMEOUT: return "INVALID_SESSION_TIMEOUT";
    case ERR_REBALANCE_IN_PROGRESS: return "REBALANCE_IN_PROGRESS";
    case ERR_MEMBER_ID_REQUIRED: return "MEMBER_ID_REQUIRED";
    case ERR_FENCED_INSTANCE_ID: return "FENCED_INSTANCE_ID";
    case ERR_UNSTABLE_OFFSET_COMMIT: return "UNSTABLE_OFFSET_COMMIT";
    case ERR_STALE_MEMBER_EPOCH: return "STALE_MEMBER_EPOCH";
    case ERR_CLIENT_COMMIT_FAILED: return "COMMIT_FAILED";
    case ERR_CLIENT_REBALANCE_IN_PROGRESS: return "COMMIT_DURING_REBALANCE";
    case ERR_CLIENT_NO_OFFSET: return "NO_OFFSET_FOR_PARTITION";
    case ERR_CLIENT_DELIVERY_TIMEOUT: return "DELIVERY_TIMEOUT";
    case ERR_CLIENT_RETRIES_EXHAUSTED: return "RETRIES_EXHAUSTED";
    case ERR_CLIENT_PRODUCER_CLOSED: return "PRODUCER_CLOSED";
    case ERR_CLIENT_TXN_TIMEOUT: return "TXN_TIMEOUT";
    case ERR_CLIENT_BUFFER_EXHAUSTED: return "BUFFER_EXHAUSTED";
    case ERR_CLIENT_TXN_ABORTED: return "TRANSACTION_ABORTED";
    default: return "UNKNOWN";
    }
}

/* Errors.java: CorruptRecordException, NotLeaderOrFollowerException, TimeoutException,
 * NetworkException, NotEnoughReplicas(AfterAppend)Exception, FencedLeaderEpochException,
 * UnknownLeaderEpochException, CoordinatorLoadInProgressException,
 * CoordinatorNotAvailableException, NotCoordinatorException and
 * ConcurrentTransactionsException extend RetriableException. UnknownProducerIdException extends
 * OutOfOrderSequenceException (an ApiException), so neither is retriable here. */
bool proto_error_retriable(int code) {
    switch (code) {
    case ERR_CORRUPT_MESSAGE:
    case ERR_NOT_LEADER_OR_FOLLOWER:
    case ERR_REQUEST_TIMED_OUT:
    case ERR_NETWORK_EXCEPTION:
    case ERR_NOT_ENOUGH_REPLICAS:
    case ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ERR_FENCED_LEADER_EPOCH:
    case ERR_UNKNOWN_LEADER_EPOCH:
    case ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR:
    case ERR_CONCURRENT_TRANSACTIONS:
    case ERR_UNSTABLE_OFFSET_COMMIT: /* UnstableOffsetCommitException (KIP-447) */
        return true;
    /* Errors.java: InvalidUpdateVersionException and IneligibleReplicaException are plain
     * ApiExceptions, not retriable: the leader awaits newer metadata or falls back to the
     * committed ISR instead (Partition.handleAlterPartitionError). */
    case ERR_INVALID_UPDATE_VERSION:
    case ERR_INELIGIBLE_REPLICA:
        return false;
    default:
        return false;
    }
}

const char *proto_api_name(proto_api api) {
    static const char *const names[API_COUNT] = {
        [API_PRODUCE] = "Produce",
        [API_FETCH] = "Fetch",
        [API_METADATA] = "Metadata",
        [API_INIT_PRODUCER_ID] = "InitProducerId",
        [API_ALTER_PARTITION] = "AlterPartition",
        [API_BROKER_HEARTBEAT] = "BrokerHeartbeat",
        [API_PARTITION_STATE] = "PartitionState",
        [API_DISCONNECT] = "Disconnect",
        [API_FIND_COORDINATOR] = "FindCoordinator",
        [API_ADD_PARTITIONS_TO_TXN] = "AddPartitionsToTxn",
        [API_END_TXN] = "EndTxn",
        [API_WRITE_TXN_MARKERS] = "WriteTxnMarkers",
        [API_JOIN_GROUP] = "JoinGroup",
        [API_SYNC_GROUP] = "SyncGroup",
        [API_HEARTBEAT] = "Heartbeat",
        [API_LEAVE_GROUP] = "LeaveGroup",
        [API_OFFSET_COMMIT] = "OffsetCommit",
        [API_OFFSET_FETCH] = "OffsetFetch",
        [API_LIST_OFFSETS] = "ListOffsets",
        [API_ADD_OFFSETS_TO_TXN] = "AddOffsetsToTxn",
        [API_TXN_OFFSET_COMMIT] = "TxnOffsetCommit",
    };
    if ((unsigned)api >= API_COUNT) return "Unknown";
    return names[api];
}

const char *proto_step_name(proto_step s) {
    static const char *const names[STEP_COUNT] = {
        [STEP_LEADER_APPEND] = "leader.append",
        [STEP_FOLLOWER_FETCH] = "follower.fetch",
        [STEP_LEADER_HW_ADVANCE] = "leader.hw-advance",
        [STEP_PRODUCER_SEND] = "producer.send",
        [STEP_PRODUCER_ACK] = "producer.ack",
        [STEP_COORDINATOR_PREPARE] = "coordinator.prepare",
        [STEP_COORDINATOR_MARKERS] = "coordinator.markers",
        [STEP_COORDINATOR_COMPLETE] = "coordinator.complete",
        [STEP_LEADER_MARKER_REQUEST] = "leader.marker-request",
        [STEP_LEADER_MARKER] = "leader.marker",
        [STEP_PRODUCER_TXN_FLUSHED] = "producer.txn-flushed",
        [STEP_PRODUCER_END_TXN] = "producer.end-txn",
        [STEP_CONSUMER_POLLED] = "consumer.polled",
        [STEP_CONSUMER_PROCESSED] = "consumer.processed",
        [STEP_CONSUMER_COMMIT] = "consumer.commit",
        [STEP_CONSUMER_COMMITTED] = "consumer.committed",
        [STEP_CONSUMER_JOINING] = "consumer.joining",
        [STEP_GROUP_REBALANCE] = "group.rebalance",
        [STEP_GROUP_STABLE] = "group.stable",
        [STEP_GROUP_OFFSETS] = "group.offsets",
    };
    if ((unsigned)s >= STEP_COUNT) return NULL;
    return names[s];
}

/* TransactionState.name (TransactionMetadata.scala; TransactionState.java in 4.x). */
const char *proto_txn_state_name(int state) {
    static const char *const names[TXN_STATE_COUNT] = {
        [TXN_EMPTY] = "Empty",
        [TXN_ONGOING] = "Ongoing",
        [TXN_PREPARE_COMMIT] = "PrepareCommit",
        [TXN_PREPARE_ABORT] = "PrepareAbort",
        [TXN_COMPLETE_COMMIT] = "CompleteCommit",
        [TXN_COMPLETE_ABORT] = "CompleteAbort",
        [TXN_DEAD] = "Dead",
        [TXN_PREPARE_EPOCH_FENCE] = "PrepareEpochFence",
    };
    if (state < 0 || state >= TXN_STATE_COUNT) return "Unknown";
    return names[state];
}

/* GroupState's names (GroupMetadata.scala: Empty, PreparingRebalance, CompletingRebalance,
 * Stable, Dead). */
const char *proto_group_state_name(int state) {
    static const char *const names[GROUP_STATE_COUNT] = {
        [GROUP_EMPTY] = "Empty",
        [GROUP_PREPARING_REBALANCE] = "PreparingRebalance",
        [GROUP_COMPLETING_REBALANCE] = "CompletingRebalance",
        [GROUP_STABLE] = "Stable",
        [GROUP_DEAD] = "Dead",
    };
    if (state < 0 || state >= GROUP_STATE_COUNT) return "Unknown";
    return names[state];
}

/* ---- The payload arena ------------------------------------------------------------------ */

int proto_payloads_init(proto_payloads *p, size_t payloads_hint) {
    memset(p, 0, sizeof *p);
    size_t capacity = payloads_hint < 64 ? 64 : payloads_hint;
    if (capacity > UINT32_MAX / 2) capacity = UINT32_MAX / 2;
    p->capacity = (uint32_t)capacity;
    p->ids_capacity = 64;
    p->payloads = sim_realloc_large(NULL, (size_t)p->capacity * sizeof *p->payloads);
    p->ids = sim_realloc_large(NULL, p->ids_capacity * sizeof *p->ids);
    if (!p->payloads || !p->ids) {
        proto_payloads_fini(p);
        return -1;
    }
    return 0;
}

void proto_payloads_fini(proto_payloads *p) {
    free(p->payloads);
    free(p->ids);
    memset(p, 0, sizeof *p);
}

/* Grows the arrays geometrically so that one more payload and, unless 0, n more ids fit. */
static int proto_payloads_reserve(proto_payloads *p, uint32_t n) {
    if (p->ids_count + n > p->ids_capacity) {
        size_t cap = p->ids_capacity ? p->ids_capacity : 64;
        while (cap < p->ids_count + n) cap *= 2;
        uint32_t *ids = sim_realloc_large(p->ids, cap * sizeof *ids);
        if (!ids) return -1;
        p->ids = ids;
        p->ids_capacity = cap;
    }
    if (p->count + 1 > p->capacity) {
        if (p->capacity >= UINT32_MAX / 2) return -1;
        uint32_t cap = p->capacity ? p->capacity * 2 : 64;
        proto_payload *payloads = sim_realloc_large(p->payloads, (size_t)cap * sizeof *payloads);
        if (!payloads) return -1;
        p->payloads = payloads;
        p->capacity = cap;
    }
    return 0;
}

uint32_t proto_payload_add_run(proto_payloads *p, uint32_t first, uint32_t n) {
    if (p->count == UINT32_MAX - 1) return UINT32_MAX;
    if (proto_payloads_reserve(p, 0) != 0) return UINT32_MAX;
    proto_payload *e = &p->payloads[p->count];
    *e = (proto_payload){.at = PROTO_PAYLOAD_RUN, .first = n ? first : 0, .n = n};
    if (n && (uint64_t)first + n > p->ids_bound) p->ids_bound = (uint64_t)first + n;
    return p->count++;
}

uint32_t proto_payload_add(proto_payloads *p, const uint32_t *ids, uint32_t n) {
    bool run = n == 0 || ids[0] <= UINT32_MAX - (n - 1);
    for (uint32_t k = 1; k < n && run; k++) run = ids[k] == ids[0] + k;
    if (run) return proto_payload_add_run(p, n ? ids[0] : 0, n);
    if (p->count == UINT32_MAX - 1) return UINT32_MAX;
    if (proto_payloads_reserve(p, n) != 0) return UINT32_MAX;
    proto_payload *e = &p->payloads[p->count];
    e->first = ids[0];
    e->n = n;
    e->at = p->ids_count;
    memcpy(p->ids + p->ids_count, ids, (size_t)n * sizeof *ids);
    p->ids_count += n;
    for (uint32_t k = 0; k < n; k++)
        if ((uint64_t)ids[k] + 1 > p->ids_bound) p->ids_bound = (uint64_t)ids[k] + 1;
    return p->count++;
}
