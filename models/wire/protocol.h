/*
 * protocol.h: what travels between nodes. Message kinds, Kafka's error codes, the record batch
 * header, node ids, protocol steps, and the payload arena that holds record ids.
 *
 * Names follow Kafka's protocol (ProduceRequest, FetchResponse, error codes from
 * clients/src/main/java/org/apache/kafka/common/protocol/Errors.java). Messages are plain values
 * copied into the network; a node never hands another node a pointer into its own memory. The
 * one shared structure is the payload arena: record ids of a sealed batch are immutable, so a
 * log entry names them by payload id instead of copying them (a batch's bytes on the wire and
 * on disk are the same bytes in Kafka too).
 *
 * A message is small (a header and one body), because it is copied at every hop. The batches
 * of a FetchResponse, the batches of a ProduceRequest after its first and the results of a
 * ProduceResponse after its first are the parts of variable length, so they travel beside the
 * message (out of line, proto_msg_outline): the sender points the message at its own array for
 * the length of the net_send call, the network copies it, and the receiver sees the network's
 * copy for the length of its delivery call (network.h), as it sees the message itself.
 *
 * Simplifications, each deliberate: a ProduceRequest carries at most PROTO_PRODUCE_BATCHES_MAX
 * batches (one per partition, standing in for max.request.size); a FetchResponse carries at most
 * PROTO_FETCH_BATCHES_MAX batches (standing in for replica.fetch.max.bytes); the controller
 * pushes partition state to brokers (KRaft brokers pull the metadata log; the observable effect,
 * a propagation delay of one network hop, is the same).
 */
#ifndef KAFKASIM_PROTOCOL_H
#define KAFKASIM_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Nodes ------------------------------------------------------------------------------ */

typedef uint16_t node_id;

#define PROTO_BROKERS_MAX 16     /* broker ids 1..PROTO_BROKERS_MAX */
/* Producers 0..PROTO_PRODUCERS_MAX-1. The network's tables per pair of nodes are sized by
 * NODES_MAX at build time and cleared by every run: 32 producers (NODES_MAX 64) cost the
 * one-producer reference run 11% more instructions per event (callgrind), so the cap stays
 * at 8 until those tables are sized by the run. */
#define PROTO_PRODUCERS_MAX 8
#define NODE_CONTROLLER ((node_id)0)
#define NODE_PRODUCER_BASE ((node_id)32)
/* Consumers (issue 19) use the ids between the brokers and the producers, so NODES_MAX stays:
 * consumer-k (the application instance: its KafkaConsumer) is NODE_CONSUMER_BASE + k - 1, and
 * the instance's own producer, which writes its output (consume-transform-produce), is
 * NODE_CONSUMER_PRODUCER_BASE + k - 1, named "consumer-k.producer" (a fault on consumer-k
 * acts on both). */
#define PROTO_CONSUMERS_MAX 7
#define NODE_CONSUMER_BASE ((node_id)17)
#define NODE_CONSUMER_PRODUCER_BASE ((node_id)(NODE_CONSUMER_BASE + PROTO_CONSUMERS_MAX))
_Static_assert(NODE_CONSUMER_BASE > PROTO_BROKERS_MAX, "consumer ids follow the brokers'");
_Static_assert(NODE_CONSUMER_PRODUCER_BASE + PROTO_CONSUMERS_MAX <= NODE_PRODUCER_BASE,
               "consumer ids end before the producers'");
/* Node ids are < NODES_MAX. Tables indexed by node (the network's [from][to] state, a
 * broker's connections) are sized by it, so it is exactly the ids in use. */
#define NODES_MAX (NODE_PRODUCER_BASE + PROTO_PRODUCERS_MAX)
#define NODE_NONE ((node_id)0xffff)

static inline node_id node_broker(int broker_id) { return (node_id)broker_id; }
static inline node_id node_producer(int index) { return (node_id)(NODE_PRODUCER_BASE + index); }
static inline bool node_is_broker(node_id n) { return n >= 1 && n <= PROTO_BROKERS_MAX; }
static inline bool node_is_producer(node_id n) {
    return n >= NODE_PRODUCER_BASE && n < NODE_PRODUCER_BASE + PROTO_PRODUCERS_MAX;
}
/* Consumer index (0-based) is consumer-(index + 1); its producer shares the index. */
static inline node_id node_consumer(int index) { return (node_id)(NODE_CONSUMER_BASE + index); }
static inline node_id node_consumer_producer(int index) {
    return (node_id)(NODE_CONSUMER_PRODUCER_BASE + index);
}
static inline bool node_is_consumer(node_id n) {
    return n >= NODE_CONSUMER_BASE && n < NODE_CONSUMER_BASE + PROTO_CONSUMERS_MAX;
}
static inline bool node_is_consumer_producer(node_id n) {
    return n >= NODE_CONSUMER_PRODUCER_BASE && n < NODE_CONSUMER_PRODUCER_BASE + PROTO_CONSUMERS_MAX;
}
/* The consumer index of a consumer or of its producer. */
static inline int node_consumer_index(node_id n) {
    return node_is_consumer(n) ? n - NODE_CONSUMER_BASE : n - NODE_CONSUMER_PRODUCER_BASE;
}
/* "controller", "broker-2", "consumer-1", "consumer-1.producer", "producer" (index 0) or "producer-2" (index 1: producer i is
 * producer-(i+1)); buf of 16 bytes is enough. */
const char *node_name(node_id n, char *buf, size_t len);
/* The same in a world of `producers` producers: with several, index 0 is "producer-1" (with
 * one, "producer", so a one-producer world prints what it always printed). */
const char *node_name_of(node_id n, int producers, char *buf, size_t len);

/* A set of brokers (ISR, replicas): bit b set for broker id b. */
typedef uint32_t broker_set;
static inline bool broker_set_has(broker_set s, int b) { return (s >> b) & 1u; }
static inline broker_set broker_set_add(broker_set s, int b) { return s | (1u << b); }
static inline broker_set broker_set_del(broker_set s, int b) { return s & ~(1u << b); }
/* Counted a bit at a time: sets are a few brokers, and __builtin_popcount is a libgcc call on
 * targets without a popcount instruction (x86-64 before -mpopcnt). */
static inline int broker_set_count(broker_set s) {
    int n = 0;
    for (; s; s &= s - 1) n++;
    return n;
}

/* ---- Errors (Kafka's numbers; client-side outcomes above 1000) -------------------------- */

typedef enum proto_error {
    ERR_NONE = 0,
    ERR_OFFSET_OUT_OF_RANGE = 1,
    ERR_CORRUPT_MESSAGE = 2,
    ERR_NOT_LEADER_OR_FOLLOWER = 6,
    ERR_REQUEST_TIMED_OUT = 7,
    ERR_NETWORK_EXCEPTION = 13,
    ERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
    ERR_COORDINATOR_NOT_AVAILABLE = 15,
    ERR_NOT_COORDINATOR = 16,
    ERR_NOT_ENOUGH_REPLICAS = 19,
    ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
    ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
    ERR_DUPLICATE_SEQUENCE_NUMBER = 46,
    ERR_INVALID_PRODUCER_EPOCH = 47,
    ERR_INVALID_TXN_STATE = 48,
    ERR_INVALID_PRODUCER_ID_MAPPING = 49,
    ERR_INVALID_TRANSACTION_TIMEOUT = 50,
    ERR_CONCURRENT_TRANSACTIONS = 51,
    ERR_TRANSACTION_COORDINATOR_FENCED = 52,
    ERR_UNKNOWN_PRODUCER_ID = 59,
    ERR_FENCED_LEADER_EPOCH = 74,
    ERR_UNKNOWN_LEADER_EPOCH = 75,
    ERR_PRODUCER_FENCED = 90,
    ERR_INVALID_UPDATE_VERSION = 95, /* AlterPartition with a stale partition epoch (KIP-497) */
    ERR_INELIGIBLE_REPLICA = 107,    /* AlterPartition adding a fenced broker (KIP-841) */
    ERR_ILLEGAL_GENERATION = 22,     /* a group request of a generation not the group's */
    ERR_INCONSISTENT_GROUP_PROTOCOL = 23, /* JoinGroup with no assignor the group has */
    ERR_UNKNOWN_MEMBER_ID = 25,      /* the member is not (or no longer) in the group */
    ERR_INVALID_SESSION_TIMEOUT = 26, /* outside group.min/max.session.timeout.ms */
    ERR_REBALANCE_IN_PROGRESS = 27,  /* the group is rebalancing: rejoin */
    ERR_MEMBER_ID_REQUIRED = 79,     /* KIP-394: first JoinGroup answered with a member id */
    ERR_FENCED_INSTANCE_ID = 82,     /* static membership (KIP-345), not modelled yet */
    ERR_UNSTABLE_OFFSET_COMMIT = 88, /* KIP-447: offsets of a pending commit (retriable) */
    ERR_STALE_MEMBER_EPOCH = 113,    /* KIP-848, not modelled yet */
    ERR_TRANSACTION_ABORTABLE = 120, /* KIP-890: the client must abort (3.8+) */
    /* Client-side outcomes the Java producer reports without a broker error code. */
    ERR_CLIENT_DELIVERY_TIMEOUT = 1001, /* TimeoutException: delivery.timeout.ms expired */
    ERR_CLIENT_RETRIES_EXHAUSTED = 1002, /* the last retriable error, retries used up */
    ERR_CLIENT_PRODUCER_CLOSED = 1003,  /* the producer session ended (restart fault) */
    ERR_CLIENT_TXN_TIMEOUT = 1004,  /* TimeoutException: a transactional call outlived
                                     * max.block.ms */
    ERR_CLIENT_TXN_ABORTED = 1005,  /* TransactionAbortedException: the batch's transaction
                                     * aborted before it was sent */
    /* Client-side outcomes of the Java consumer. */
    ERR_CLIENT_COMMIT_FAILED = 1006, /* CommitFailedException: the generation moved on */
    ERR_CLIENT_REBALANCE_IN_PROGRESS = 1007, /* RebalanceInProgressException (commitSync) */
    ERR_CLIENT_NO_OFFSET = 1008,     /* NoOffsetForPartitionException: auto.offset.reset=none */
    ERR_CLIENT_BUFFER_EXHAUSTED = 1009, /* BufferExhaustedException: a send waited max.block.ms
                                         * for buffer.memory (a TimeoutException) */
} proto_error;

#define PROTO_ERROR_CODES_MAX 1010 /* an array indexed by proto_error fits */

/* "NOT_ENOUGH_REPLICAS" etc.; "UNKNOWN" for codes not listed. */
const char *proto_error_name(int code);
/* Kafka's RetriableException subclasses among the codes above. */
bool proto_error_retriable(int code);

/* How long a client request may go unanswered before it times out, for a configured timeout
 * (ns). Kafka's NetworkClient checks timeElapsedSinceSendMs > requestTimeoutMs on a
 * millisecond clock (InFlightRequests.nodesWithTimedOutRequests), so a request times out no
 * sooner than 1 ms after it was sent, a timeout of 0 included: without that floor, a zero
 * timeout with a zero backoff (broker.request.timeout.ms=0 replica.fetch.backoff.ms=0) would
 * fail and resend a request at one instant forever. Timeouts of 1 ms and more are kept as
 * configured (Kafka's strict comparison adds under 1 ms to them). */
#define PROTO_REQUEST_TIMEOUT_MIN_NS ((int64_t)1000000)
static inline int64_t proto_request_timeout_ns(int64_t timeout_ns) {
    return timeout_ns > PROTO_REQUEST_TIMEOUT_MIN_NS ? timeout_ns : PROTO_REQUEST_TIMEOUT_MIN_NS;
}

/* ---- Record batches --------------------------------------------------------------------- */

#define PROTO_NO_PRODUCER_ID ((int64_t)-1)
#define PROTO_NO_PRODUCER_EPOCH ((int16_t)-1)
#define PROTO_NO_SEQUENCE ((int32_t)-1)

/* The header of a record batch (DefaultRecordBatch), as the producer sends it and as every
 * replica's log stores it. The records themselves are the ids in payload. */
typedef struct proto_batch {
    int64_t base_offset;         /* assigned by the leader at append; -1 on the wire */
    int64_t producer_id;         /* PROTO_NO_PRODUCER_ID unless idempotent */
    int64_t max_timestamp_ns;    /* batch creation time (CreateTime), ns */
    uint32_t payload;            /* payload arena id: the record ids */
    uint32_t record_count;       /* records in the batch */
    int32_t base_sequence;       /* PROTO_NO_SEQUENCE unless idempotent */
    int32_t partition_leader_epoch; /* leader epoch stamped by the leader at append */
    int16_t producer_epoch;      /* PROTO_NO_PRODUCER_EPOCH unless idempotent */
    uint16_t attempt;            /* simulator-only: 1 for the first send, 2 for the first retry */
    uint8_t producer;            /* simulator-only: node id of the producer that built it */
    uint8_t flags;               /* PROTO_BATCH_*: the batch attributes of transactions */
    uint16_t partition;          /* the partition (global index g) it is bound for: a
                                  * ProduceRequest names each batch's topic-partition */
} proto_batch;

_Static_assert(sizeof(proto_batch) == 48, "proto_batch is copied into logs and messages");
_Static_assert(NODES_MAX <= 256, "proto_batch.producer holds a node id in a byte");

/* proto_batch.flags: the attributes of DefaultRecordBatch that transactions use. A control
 * batch (EndTransactionMarker, written by a partition leader on WriteTxnMarkers) holds one
 * control record: COMMIT set for a commit marker, clear for an abort marker; it carries the
 * transaction's producer id and epoch, base_sequence PROTO_NO_SEQUENCE, record_count 1, and in
 * payload the coordinator epoch: not a payload arena id, so every reader of payload ids skips
 * control batches. */
#define PROTO_BATCH_TRANSACTIONAL 0x1 /* isTransactional: data of a transaction, or a marker */
#define PROTO_BATCH_CONTROL 0x2       /* isControlBatch: a transaction marker */
#define PROTO_BATCH_COMMIT 0x4        /* with CONTROL: ControlRecordType.COMMIT, else ABORT */

static inline bool proto_batch_is_control(const proto_batch *b) {
    return (b->flags & PROTO_BATCH_CONTROL) != 0;
}
static inline bool proto_batch_is_transactional(const proto_batch *b) {
    return (b->flags & PROTO_BATCH_TRANSACTIONAL) != 0;
}

static inline int64_t proto_batch_last_offset(const proto_batch *b) {
    return b->base_offset + (int64_t)b->record_count - 1;
}
/* lastSequence with Kafka's wrap at Integer.MAX_VALUE (DefaultRecordBatch.incrementSequence). */
static inline int32_t proto_sequence_add(int32_t seq, int64_t n) {
    int64_t s = (int64_t)seq + n;
    if (s > INT32_MAX) s -= (int64_t)INT32_MAX + 1;
    return (int32_t)s;
}
static inline int32_t proto_batch_last_sequence(const proto_batch *b) {
    if (b->base_sequence == PROTO_NO_SEQUENCE) return PROTO_NO_SEQUENCE;
    return proto_sequence_add(b->base_sequence, (int64_t)b->record_count - 1);
}

/* ---- The payload arena ------------------------------------------------------------------ */

/* The record ids of one payload: list[0 .. n) or, when list is NULL, first .. first + n - 1
 * (a batch of new records, sent in order: the usual payload, stored without its ids). */
typedef struct proto_ids {
    const uint32_t *list; /* the ids, or NULL for the run from first */
    uint32_t first;       /* the first id (0 when n is 0) */
    uint32_t n;           /* ids */
} proto_ids;

static inline uint32_t proto_ids_at(const proto_ids *v, uint32_t k) {
    return v->list ? v->list[k] : v->first + k;
}

#define PROTO_PAYLOAD_RUN UINT64_MAX /* proto_payload.at of a run: no ids stored */

typedef struct proto_payload {
    uint64_t at;    /* index in proto_payloads.ids of its first id, or PROTO_PAYLOAD_RUN */
    uint32_t first; /* its first id (0 when empty) */
    uint32_t n;     /* its ids */
} proto_payload;

/* Record ids of sealed batches. Append-only for a run. A payload of consecutive ids costs 16
 * bytes whatever its length; another also stores its ids, 4 bytes each. */
typedef struct proto_payloads {
    proto_payload *payloads; /* indexed by payload id */
    uint32_t count;          /* payloads stored */
    uint32_t capacity;       /* payloads allocated */
    uint32_t *ids;           /* the ids of the payloads that are not runs, one after another */
    size_t ids_count;        /* ids stored */
    size_t ids_capacity;     /* ids allocated */
    uint64_t ids_bound;      /* 1 + the largest id stored, 0 when none: sizes tables by id */
} proto_payloads;

/* payloads_hint: payloads to make room for up front (at least 64). */
int proto_payloads_init(proto_payloads *p, size_t payloads_hint);
void proto_payloads_fini(proto_payloads *p);
/* Stores n ids (copied unless consecutive) and returns the new payload id, or UINT32_MAX when
 * memory ran out. */
uint32_t proto_payload_add(proto_payloads *p, const uint32_t *ids, uint32_t n);
/* Stores the n ids first .. first + n - 1 (which must not pass UINT32_MAX), as
 * proto_payload_add of them would, without a list to read. */
uint32_t proto_payload_add_run(proto_payloads *p, uint32_t first, uint32_t n);
/* The ids of payload (< p->count). A view into p: valid until the next proto_payload_add. */
static inline proto_ids proto_payload_ids(const proto_payloads *p, uint32_t payload) {
    const proto_payload *e = &p->payloads[payload];
    return (proto_ids){.list = e->at == PROTO_PAYLOAD_RUN ? NULL : p->ids + e->at,
                       .first = e->first,
                       .n = e->n};
}

/* ---- Protocol steps (for "crash <node> on <step> n=<k>") -------------------------------- */

typedef enum proto_step {
    STEP_LEADER_APPEND = 0,  /* the leader appended a client batch to its log */
    STEP_FOLLOWER_FETCH,     /* a follower appended the batches of a fetch response */
    STEP_LEADER_HW_ADVANCE,  /* the leader moved its high watermark */
    STEP_PRODUCER_SEND,      /* the producer sent a ProduceRequest */
    STEP_PRODUCER_ACK,       /* the producer completed a batch successfully */
    /* Transactions (KIP-98). At these the node stops where it stands when a crash is due
     * (proto_step_fn returns true): the rest of what it was doing does not happen. */
    STEP_COORDINATOR_PREPARE,  /* PrepareCommit / PrepareAbort durable (its state record below
                                * the HW), before the EndTxn answer and the markers; partition:
                                * the id's __transaction_state partition */
    STEP_COORDINATOR_MARKERS,  /* the coordinator sent a WriteTxnMarkers request to a leader */
    STEP_COORDINATOR_COMPLETE, /* CompleteCommit / CompleteAbort durable */
    STEP_LEADER_MARKER_REQUEST, /* a WriteTxnMarkers reached a broker, before the marker of this
                                 * partition is appended */
    STEP_LEADER_MARKER,        /* the leader appended a marker (control batch) to its log */
    STEP_PRODUCER_TXN_FLUSHED, /* every batch of the transaction is answered and EndTxn is about
                                * to go: between the last send and the commit (or abort) */
    STEP_PRODUCER_END_TXN,     /* the producer sent EndTxn */
    /* Consumers and groups (issue 19). The node goes on with what it was doing unless the
     * crash is due (proto_step_fn returns true), as at the transactional steps. */
    STEP_CONSUMER_POLLED,      /* poll() returned records to the application, before it
                                * processed any; partition: the first record's */
    STEP_CONSUMER_PROCESSED,   /* the application processed one record (its side effect and
                                * output send done), before any commit of it: n counts records */
    STEP_CONSUMER_COMMIT,      /* the consumer sent OffsetCommit (or its producer
                                * TxnOffsetCommit) */
    STEP_CONSUMER_COMMITTED,   /* the commit was answered without error */
    STEP_CONSUMER_JOINING,     /* the consumer sent JoinGroup: it entered a rebalance */
    STEP_GROUP_REBALANCE,      /* the group coordinator moved the group to PreparingRebalance;
                                * partition: the group's __consumer_offsets partition */
    STEP_GROUP_STABLE,         /* the group's GroupMetadata record is durable, group Stable */
    STEP_GROUP_OFFSETS,        /* an offset commit was appended on the coordinator, before it
                                * is durable */
    STEP_COUNT
} proto_step;

/* "leader.append", ...; NULL for out of range. */
const char *proto_step_name(proto_step s);
/* The transactional steps (STEP_COORDINATOR_PREPARE .. STEP_PRODUCER_END_TXN). */
static inline bool proto_step_transactional(proto_step s) {
    return s >= STEP_COORDINATOR_PREPARE && s <= STEP_PRODUCER_END_TXN;
}
/* The steps of consumers (STEP_CONSUMER_*) and of the group coordinator (STEP_GROUP_*). */
static inline bool proto_step_consumer(proto_step s) {
    return s >= STEP_CONSUMER_POLLED && s <= STEP_CONSUMER_JOINING;
}
static inline bool proto_step_group(proto_step s) {
    return s >= STEP_GROUP_REBALANCE && s <= STEP_GROUP_OFFSETS;
}
/* Called by nodes right after the step took effect on partition g (the global index; 0 for a
 * step that concerns no one partition); the fault layer may crash the node, in an event of its
 * own at the same instant. Returns true when it will: at a transactional step the node then
 * goes no further with what it was doing (it answers, appends, sends nothing more). */
typedef bool (*proto_step_fn)(void *ctx, node_id node, proto_step step, int partition);

/* ---- Messages --------------------------------------------------------------------------- */

typedef enum proto_api {
    API_PRODUCE = 0,
    API_FETCH,
    API_METADATA,
    API_INIT_PRODUCER_ID,
    API_ALTER_PARTITION,     /* leader -> controller: ISR change (KIP-497) */
    API_BROKER_HEARTBEAT,    /* broker -> controller (KRaft, KIP-631) */
    API_PARTITION_STATE,     /* controller -> broker: leader, epoch, ISR (a one-way push) */
    API_DISCONNECT,          /* network -> client: the peer's process died (TCP RST) */
    API_FIND_COORDINATOR,    /* producer -> any broker: which broker coordinates a txn id */
    API_ADD_PARTITIONS_TO_TXN, /* producer -> coordinator (transaction version 1) */
    API_END_TXN,             /* producer -> coordinator: commit or abort */
    API_WRITE_TXN_MARKERS,   /* coordinator -> partition leader: write the markers */
    /* Consumer groups, classic protocol (issue 19). FindCoordinator with key type GROUP finds
     * the group coordinator; Fetch with replica_id -1 is a consumer's. */
    API_JOIN_GROUP,          /* consumer -> group coordinator */
    API_SYNC_GROUP,          /* consumer -> group coordinator (the leader brings assignments) */
    API_HEARTBEAT,           /* consumer -> group coordinator (the heartbeat thread) */
    API_LEAVE_GROUP,         /* consumer -> group coordinator (close, poll timeout) */
    API_OFFSET_COMMIT,       /* consumer -> group coordinator */
    API_OFFSET_FETCH,        /* consumer -> group coordinator: committed offsets */
    API_LIST_OFFSETS,        /* consumer -> partition leader: earliest or latest offset */
    API_ADD_OFFSETS_TO_TXN,  /* producer -> transaction coordinator (sendOffsetsToTransaction) */
    API_TXN_OFFSET_COMMIT,   /* producer -> group coordinator: offsets in a transaction */
    API_COUNT
} proto_api;

const char *proto_api_name(proto_api api); /* "Produce", "Fetch", ... */

#define PROTO_FETCH_BATCHES_MAX 32
/* Batches of one ProduceRequest, at most one per partition (RecordAccumulator.drain), and at
 * most this many: a stand-in for max.request.size, which the model does not weigh. */
#define PROTO_PRODUCE_BATCHES_MAX 32
/* Bytes a message may carry out of line (a network slot's room). */
#define PROTO_OUTLINE_BYTES_MAX (PROTO_FETCH_BATCHES_MAX * sizeof(proto_batch))

/* A ProduceRequest: batch_count batches of distinct partitions, each naming its partition
 * (proto_batch.partition). The first travels in the message, the others beside it, out of line
 * (more), as a fetch response's batches do: a one-partition request copies nothing more. */
typedef struct proto_produce_request {
    proto_batch batch;  /* the first batch */
    const proto_batch *more; /* batch_count - 1 further batches, borrowed as a fetch
                              * response's batches are (see the file comment); NULL if none */
    int32_t timeout_ms; /* ProduceRequest.timeoutMs: the producer's request.timeout.ms */
    uint16_t batch_count; /* batches, 1 .. PROTO_PRODUCE_BATCHES_MAX */
    int8_t acks;        /* 0, 1 or -1 (all) */
    uint8_t txn;        /* ProduceRequest.transactionalId: 1 + its index in config.txn_ids,
                         * 0 none (null); a leader verifying the transaction (KIP-890) asks
                         * that id's coordinator */
} proto_produce_request;
_Static_assert(PROTO_PRODUCERS_MAX < 255, "proto_produce_request.txn holds 1 + a txn id index");

/* The request's timeout, ns. */
static inline int64_t proto_produce_timeout_ns(const proto_produce_request *r) {
    return (int64_t)r->timeout_ms * 1000000;
}

/* One partition's answer in a ProduceResponse (PartitionProduceResponse). */
typedef struct proto_produce_result {
    int64_t base_offset;      /* first offset of the batch, -1 on error */
    int64_t log_start_offset; /* the partition's log start offset */
    uint16_t partition;       /* the partition (g) it answers for */
    int16_t error;            /* proto_error */
} proto_produce_result;

/* A ProduceResponse: one result per partition of the request, in the request's order; the
 * first in the message, the others out of line (more). */
typedef struct proto_produce_response {
    int64_t base_offset;      /* first offset of the first batch, -1 on error */
    int64_t log_start_offset; /* its partition's log start offset */
    const proto_produce_result *more; /* result_count - 1 further results, borrowed; NULL if
                                       * none */
    uint16_t result_count;    /* results, 1 .. PROTO_PRODUCE_BATCHES_MAX */
    int16_t error;            /* proto_error of the first */
} proto_produce_response;

/* The k-th batch of a request (0 <= k < batch_count). */
static inline const proto_batch *proto_produce_batch(const proto_produce_request *r, int k) {
    return k == 0 ? &r->batch : &r->more[k - 1];
}
/* The k-th result of a response, as a value. */
static inline proto_produce_result proto_produce_result_at(const proto_produce_response *r,
                                                           uint16_t partition0, int k) {
    if (k > 0) return r->more[k - 1];
    return (proto_produce_result){.base_offset = r->base_offset,
                                  .log_start_offset = r->log_start_offset,
                                  .partition = partition0,
                                  .error = r->error};
}

typedef struct proto_fetch_request {
    int64_t fetch_offset;        /* the follower's log end offset */
    int64_t max_wait_ns;         /* replica.fetch.wait.max.ms */
    int32_t last_fetched_epoch;  /* epoch of the follower's last batch (KIP-320), -1 if none */
    int32_t current_leader_epoch; /* the epoch the follower believes current */
    int16_t replica_id;          /* the fetching broker; PROTO_CONSUMER_REPLICA_ID: a consumer */
    uint8_t isolation;           /* a consumer's isolation.level: CONFIG_READ_* (0 = up to the
                                  * high watermark, 1 = up to the last stable offset) */
} proto_fetch_request;

#define PROTO_CONSUMER_REPLICA_ID ((int16_t)-1) /* FetchRequest.CONSUMER_REPLICA_ID */

/* An aborted transaction in a read_committed FetchResponse (AbortedTransaction): the consumer
 * drops the producer's data batches from first_offset up to its ABORT marker. */
typedef struct proto_aborted_txn {
    int64_t producer_id;
    int64_t first_offset;
} proto_aborted_txn;

typedef struct proto_fetch_response {
    int64_t high_watermark;      /* the leader's high watermark */
    int64_t log_start_offset;    /* the leader's log start offset */
    int64_t diverging_end_offset; /* with diverging_epoch: where the follower must truncate */
    int32_t diverging_epoch;     /* -1 when the logs agree (KIP-595/KAFKA-10554 divergingEpoch) */
    int32_t leader_epoch;        /* the leader's epoch */
    int16_t error;               /* proto_error */
    uint16_t batch_count;        /* batches carried, <= PROTO_FETCH_BATCHES_MAX */
    uint16_t aborted_count;      /* to a read_committed consumer: aborted transactions after
                                  * the batches, out of line (0 to replicas) */
    const proto_batch *batches;  /* batch_count copies of the leader's log entries, then
                                  * aborted_count proto_aborted_txn, borrowed: the sender's
                                  * until net_send returns, the network's during delivery (see
                                  * the file comment); NULL when neither */
    int64_t last_stable_offset;  /* the leader's LSO (to consumers) */
} proto_fetch_response;

/* The aborted transactions a consumer's FetchResponse carries after its batches. The batches
 * and these share one out-of-line room: a response carries fewer batches when they need it. */
static inline const proto_aborted_txn *proto_fetch_aborted(const proto_fetch_response *r) {
    return (const proto_aborted_txn *)(const void *)(r->batches + r->batch_count);
}

/* A Metadata request for the partitions g = msg.partition .. + partition_count - 1 (0 counts as
 * 1): a producer asks for every partition of its topics, in pages of at most
 * PROTO_METADATA_PARTITIONS_MAX (a simplification: Kafka lists a topic's partitions in one
 * response). */
typedef struct proto_metadata_request {
    uint16_t partition_count; /* partitions asked, from msg.partition */
} proto_metadata_request;

/* One partition's entry in a Metadata response (MetadataResponsePartition). */
typedef struct proto_metadata_partition {
    int32_t leader_epoch; /* the partition's leader epoch as this broker knows it */
    int16_t leader;       /* broker id of the leader, -1 when none */
    int16_t error;
} proto_metadata_partition;

#define PROTO_METADATA_PARTITIONS_MAX 192 /* entries of one response: its first and the room */
_Static_assert((PROTO_METADATA_PARTITIONS_MAX - 1) * sizeof(proto_metadata_partition) <=
                   PROTO_OUTLINE_BYTES_MAX,
               "a Metadata response's further partitions fit a network room");

/* A Metadata response: the partitions asked, from msg.partition, the first in the message and
 * the others out of line (more). */
typedef struct proto_metadata_response {
    int32_t leader_epoch; /* the first partition's leader epoch as this broker knows it */
    int16_t leader;       /* its leader's broker id, -1 when none */
    int16_t error;
    const proto_metadata_partition *more; /* partition_count - 1 further entries, borrowed;
                                           * NULL if none */
    uint16_t partition_count; /* entries, 0 counted as 1 */
} proto_metadata_response;

/* The k-th entry of a Metadata response. */
static inline proto_metadata_partition proto_metadata_at(const proto_metadata_response *r, int k) {
    if (k > 0) return r->more[k - 1];
    return (proto_metadata_partition){
        .leader_epoch = r->leader_epoch, .leader = r->leader, .error = r->error};
}

typedef struct proto_init_producer_id_request {
    int64_t producer_id;    /* KIP-360: the current id, or -1 for a new session */
    int16_t producer_epoch; /* KIP-360: the current epoch, or -1 */
    int16_t txn;            /* transactional id (index in config.txn_ids), -1: idempotent only */
    int32_t txn_timeout_ms; /* transaction.timeout.ms (with a txn) */
} proto_init_producer_id_request;

typedef struct proto_init_producer_id_response {
    int64_t producer_id;
    int16_t producer_epoch;
    int16_t error;
} proto_init_producer_id_response;

/* ---- Transactions (KIP-98) -------------------------------------------------------------- */

/* A transactional id travels as its index in the world's table (config.txn_ids); the string is
 * what placement hashes. A transaction touching more than this many partitions pages its
 * AddPartitionsToTxn requests and its markers (one request per page). */
#define PROTO_TXN_PARTITIONS_MAX 512
_Static_assert(PROTO_TXN_PARTITIONS_MAX * sizeof(uint16_t) <= PROTO_OUTLINE_BYTES_MAX,
               "a page of partitions fits a network room");

/* The coordinator's TransactionState (TransactionMetadata.scala), as history records name it. */
typedef enum proto_txn_state {
    TXN_EMPTY = 0,
    TXN_ONGOING,
    TXN_PREPARE_COMMIT,
    TXN_PREPARE_ABORT,
    TXN_COMPLETE_COMMIT,
    TXN_COMPLETE_ABORT,
    TXN_DEAD,
    TXN_PREPARE_EPOCH_FENCE,
    TXN_STATE_COUNT
} proto_txn_state;

/* "Empty", "Ongoing", "PrepareCommit", ...; "Unknown" out of range. */
const char *proto_txn_state_name(int state);

/* FindCoordinator for txn (key type TRANSACTION) or for the group (key type GROUP: txn is the
 * group's index, 0 while a world has one group). */
#define PROTO_COORDINATOR_TRANSACTION 0
#define PROTO_COORDINATOR_GROUP 1
typedef struct proto_find_coordinator_request {
    uint16_t txn;
    uint8_t key_type; /* PROTO_COORDINATOR_* */
} proto_find_coordinator_request;

typedef struct proto_find_coordinator_response {
    int16_t coordinator; /* broker id, -1 when none */
    int16_t error;
} proto_find_coordinator_response;

/* AddPartitionsToTxn (version <= 3, the client's own request): partition_count partitions, all
 * out of line; proto_msg.partition is the first (a leader's verification sets it). The response's one error stands for every partition: the coordinator answers
 * all of a request's partitions alike (OPERATION_NOT_ATTEMPTED aside, which the model has no
 * use for). With verify_only (version 4+, KIP-890 part 1: sent by a partition leader,
 * AddPartitionsToTxnManager.verifyTransaction) nothing is added: the answer is a
 * proto_verify_response, one error per partition. */
typedef struct proto_add_partitions_request {
    int64_t producer_id;
    int16_t producer_epoch;
    uint16_t txn;
    uint16_t partition_count;   /* 1 .. PROTO_TXN_PARTITIONS_MAX */
    uint8_t verify_only;        /* 1: a leader's verification (no transition, no write);
                                 * 0 from a leader of transaction version 2: add the partition
                                 * (AddPartitionsToTxnManager.addOrVerifyTransaction) */
    const uint16_t *partitions; /* global indexes g, borrowed as a fetch response's batches */
} proto_add_partitions_request;

/* The answer to a verify_only AddPartitionsToTxn: error for all (a top-level or per-transaction
 * error), else one per partition of the request, in its order, out of line (NONE: in the
 * transaction). partition_count 0 in every other AddPartitionsToTxn answer. */
typedef struct proto_verify_response {
    int16_t error;
    uint16_t partition_count;
    int16_t refused;        /* the first of errors that is not NONE, NONE if none (in line,
                             * for a reader that has no out-of-line part, as a trace) */
    const int16_t *errors;
} proto_verify_response;

/* The answer to an AddPartitionsToTxn (not verify_only) or an EndTxn. EndTxn version 5
 * (transaction version 2, KIP-890 part 2) also carries the producer id and epoch the next
 * transaction uses (EndTxnResponse ProducerId / ProducerEpoch: the epoch the coordinator bumped,
 * a new id after 32766 epochs); -1 / -1 in an EndTxn answer with an error or of transaction
 * version 1. An AddPartitionsToTxn answer leaves both 0: producer_epoch sits where
 * proto_verify_response keeps partition_count, so a leader that asked to add (transaction
 * version 2) reads the answer as one error for every partition. */
typedef struct proto_txn_response {
    int16_t error;
    int16_t producer_epoch;
    int64_t producer_id;
} proto_txn_response;

/* EndTxn: commit (1) or abort (0). */
typedef struct proto_end_txn_request {
    int64_t producer_id;
    int16_t producer_epoch;
    uint16_t txn;
    uint8_t commit;
} proto_end_txn_request;

/* WriteTxnMarkers with one marker entry: one transaction's partitions on the receiving leader. */
typedef struct proto_write_txn_markers_request {
    int64_t producer_id;
    int32_t coordinator_epoch;
    int16_t producer_epoch;
    uint8_t commit;
    uint16_t partition_count;   /* 1 .. PROTO_TXN_PARTITIONS_MAX */
    const uint16_t *partitions; /* g, out of line */
} proto_write_txn_markers_request;

/* One error per partition of the request, in its order, out of line; error is the first's. */
typedef struct proto_write_txn_markers_response {
    int16_t error;
    uint16_t partition_count;
    const int16_t *errors;
} proto_write_txn_markers_response;

/* ---- Consumer groups (classic protocol; txn-consumer-semantics.md section 3) ------------ */

/* The group coordinator's GroupState (GroupMetadata.scala), as history records name it. */
typedef enum proto_group_state {
    GROUP_EMPTY = 0,
    GROUP_PREPARING_REBALANCE,
    GROUP_COMPLETING_REBALANCE,
    GROUP_STABLE,
    GROUP_DEAD,
    GROUP_STATE_COUNT
} proto_group_state;

/* "Empty", "PreparingRebalance", ...; "Unknown" out of range. */
const char *proto_group_state_name(int state);

/* A member id: drawn by the coordinator (Kafka's clientId-UUID; random order here too). */
typedef uint32_t proto_member_id;
#define PROTO_MEMBER_UNKNOWN ((proto_member_id)0) /* JoinGroupRequest.UNKNOWN_MEMBER_ID */
#define PROTO_GENERATION_NONE ((int32_t)-1)

/* Assignors (partition.assignment.strategy), as bits of a JoinGroup's protocols. */
#define PROTO_ASSIGNOR_RANGE 0x1
#define PROTO_ASSIGNOR_COOPERATIVE_STICKY 0x2

/* JoinGroup. owned: the partitions the member holds (cooperative-sticky's subscription
 * userData), out of line. */
typedef struct proto_join_group_request {
    proto_member_id member_id;    /* PROTO_MEMBER_UNKNOWN on a first join */
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* max.poll.interval.ms */
    int32_t owned_generation;     /* the generation owned belongs to, -1 none */
    uint16_t owned_count;
    uint8_t protocols;            /* PROTO_ASSIGNOR_* bits, in preference order below */
    uint8_t preferred;            /* the member's first choice */
    const uint16_t *owned;        /* g, out of line */
} proto_join_group_request;

/* The JoinGroup answer. To the leader only, the members out of line as words: for each member
 * [member_id, node, owned_generation (uint32 of int32), owned count, g ...]. */
typedef struct proto_join_group_response {
    int32_t generation;
    proto_member_id member_id;
    proto_member_id leader_id;
    int16_t error;
    uint8_t protocol;             /* the chosen PROTO_ASSIGNOR_* */
    uint16_t member_words;        /* words out of line (0 to followers) */
    const uint32_t *members;
} proto_join_group_response;

/* SyncGroup. From the leader, the assignments out of line as words: for each member
 * [member_id, count, g ...]. */
typedef struct proto_sync_group_request {
    proto_member_id member_id;
    int32_t generation;
    uint16_t assignment_words;    /* 0 from followers */
    const uint32_t *assignments;
} proto_sync_group_request;

typedef struct proto_sync_group_response {
    int16_t error;
    uint16_t assignment_count;    /* the member's partitions, out of line */
    const uint16_t *assignment;   /* g */
} proto_sync_group_response;

/* Heartbeat and LeaveGroup (generation unused by LeaveGroup). */
typedef struct proto_heartbeat_group_request {
    proto_member_id member_id;
    int32_t generation;
} proto_heartbeat_group_request;

/* Heartbeat, LeaveGroup, OffsetCommit, AddOffsetsToTxn and TxnOffsetCommit answers: one error
 * (an OffsetCommit's partitions are answered alike: the coordinator's errors are per group). */
typedef struct proto_group_response {
    int16_t error;
} proto_group_response;

/* One partition's offset in OffsetCommit, TxnOffsetCommit and the OffsetFetch answer. */
typedef struct proto_offset_entry {
    int64_t offset;          /* -1 in an OffsetFetch answer: no committed offset */
    int32_t leader_epoch;    /* the committed record's leader epoch (KIP-320), -1 none */
    uint16_t partition;      /* g of the input partition */
    int16_t error;           /* OffsetFetch answer: per partition */
} proto_offset_entry;
#define PROTO_OFFSET_ENTRIES_MAX (PROTO_OUTLINE_BYTES_MAX / sizeof(proto_offset_entry))

/* OffsetCommit (member, generation) and TxnOffsetCommit (also the producer's id, epoch and
 * transactional id; generation -1 and no member without group metadata, KIP-447). */
typedef struct proto_offset_commit_request {
    int64_t producer_id;          /* TxnOffsetCommit */
    proto_member_id member_id;
    int32_t generation;
    int16_t producer_epoch;       /* TxnOffsetCommit */
    uint16_t txn;                 /* TxnOffsetCommit */
    uint16_t entry_count;         /* 1 .. PROTO_OFFSET_ENTRIES_MAX, out of line */
    const proto_offset_entry *entries;
} proto_offset_commit_request;

/* OffsetFetch of the partitions out of line. */
typedef struct proto_offset_fetch_request {
    uint8_t require_stable;       /* KIP-447: UNSTABLE_OFFSET_COMMIT while a commit is pending */
    uint16_t partition_count;
    const uint16_t *partitions;   /* g */
} proto_offset_fetch_request;

typedef struct proto_offset_fetch_response {
    int16_t error;                /* group-level error */
    uint16_t entry_count;
    const proto_offset_entry *entries;
} proto_offset_fetch_response;

/* ListOffsets of partition msg.partition. */
#define PROTO_LIST_EARLIEST ((int64_t)-2) /* ListOffsetsRequest.EARLIEST_TIMESTAMP */
#define PROTO_LIST_LATEST ((int64_t)-1)   /* ListOffsetsRequest.LATEST_TIMESTAMP */
typedef struct proto_list_offsets_request {
    int64_t timestamp;            /* PROTO_LIST_* */
    uint8_t isolation;            /* latest: HW (0) or LSO (1) */
} proto_list_offsets_request;

typedef struct proto_list_offsets_response {
    int64_t offset;
    int32_t leader_epoch;
    int16_t error;
} proto_list_offsets_response;

/* AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
typedef struct proto_add_offsets_request {
    int64_t producer_id;
    int16_t producer_epoch;
    uint16_t txn;
    uint16_t group;               /* group index (0) */
} proto_add_offsets_request;

typedef struct proto_partition_state {
    int32_t leader_epoch;    /* bumped on every leader change */
    int32_t partition_epoch; /* bumped on every ISR or leader change */
    int16_t leader;          /* broker id, -1 when no leader */
    broker_set isr;          /* committed ISR */
    broker_set replicas;     /* assignment */
    int16_t error;           /* for AlterPartition responses */
    broker_set ineligible;   /* pushes: brokers fenced or in controlled shutdown, as the broker
                              * registrations of the metadata image say (KIP-841) */
    int64_t metadata_offset; /* offset in the controller's metadata log of this state (KIP-631),
                              * 0 in AlterPartition requests, offsets */
} proto_partition_state;

typedef struct proto_heartbeat {
    int64_t broker_epoch;    /* incarnation of the broker (bumped at every restart) */
    int16_t broker_id;
    int16_t fenced;          /* in responses: the controller considers the broker fenced */
    int16_t shutdown;        /* requests: wantShutDown (a controlled shutdown); responses:
                              * shouldShutDown (the controller lets it stop now) */
    int64_t metadata_offset; /* in requests: the broker's highest applied metadata offset
                              * (KIP-631 BrokerHeartbeat currentMetadataOffset), offsets */
} proto_heartbeat;

/* One message. from/to are node ids; a request travels client -> server, its response server
 * -> client, both on the connection keyed by (client, server). */
typedef struct proto_msg {
    uint8_t api;             /* proto_api */
    uint8_t is_response;     /* 0 request, 1 response */
    node_id from;            /* sender */
    node_id to;              /* receiver */
    uint16_t partition;      /* partition index, 0 while the model has one */
    uint32_t correlation_id; /* set by the client, echoed in the response */
    uint32_t conn_gen;       /* set by the network: the connection generation at send */
    union {
        proto_produce_request produce;
        proto_produce_response produce_response;
        proto_fetch_request fetch;
        proto_fetch_response fetch_response;
        proto_metadata_request metadata;
        proto_metadata_response metadata_response;
        proto_init_producer_id_request init_pid;
        proto_init_producer_id_response init_pid_response;
        proto_partition_state partition_state; /* AlterPartition both ways and the push */
        proto_heartbeat heartbeat;
        proto_find_coordinator_request find_coordinator;
        proto_find_coordinator_response find_coordinator_response;
        proto_add_partitions_request add_partitions;
        proto_end_txn_request end_txn;
        proto_write_txn_markers_request write_txn_markers;
        proto_write_txn_markers_response write_txn_markers_response;
        proto_txn_response txn_response; /* AddPartitionsToTxn and EndTxn responses */
        proto_verify_response verify_response; /* a verify_only AddPartitionsToTxn's */
        proto_join_group_request join_group;
        proto_join_group_response join_group_response;
        proto_sync_group_request sync_group;
        proto_sync_group_response sync_group_response;
        proto_heartbeat_group_request group_heartbeat; /* Heartbeat and LeaveGroup */
        proto_group_response group_response;
        proto_offset_commit_request offset_commit; /* OffsetCommit and TxnOffsetCommit */
        proto_offset_fetch_request offset_fetch;
        proto_offset_fetch_response offset_fetch_response;
        proto_list_offsets_request list_offsets;
        proto_list_offsets_response list_offsets_response;
        proto_add_offsets_request add_offsets;
    } u;
} proto_msg;

/* Fills the header of resp as the answer to req: the same api, partition and correlation id,
 * from and to swapped, and the connection generation echoed so that the answer to a request of
 * a connection closed since vanishes (network.h). The body is the caller's. */
static inline void proto_msg_answer(const proto_msg *req, proto_msg *resp) {
    resp->api = req->api;
    resp->is_response = 1;
    resp->from = req->to;
    resp->to = req->from;
    resp->partition = req->partition;
    resp->correlation_id = req->correlation_id;
    resp->conn_gen = req->conn_gen;
}

/* Messages are copied whole at every hop (send, the network's slot, delivery, a broker's
 * request queue); the batches of a fetch response or a multi-partition produce request stay out
 * of line to keep them this small. */
_Static_assert(sizeof(proto_msg) <= 80, "proto_msg is copied by value: keep it small");

/* The batches a message carries beside it: a fetch response's, a produce request's beyond its
 * first; none for any other message. */
static inline uint16_t proto_msg_batch_count(const proto_msg *m) {
    if (m->api == API_FETCH && m->is_response) return m->u.fetch_response.batch_count;
    if (m->api == API_PRODUCE && !m->is_response && m->u.produce.batch_count > 1)
        return (uint16_t)(m->u.produce.batch_count - 1);
    return 0;
}

/* The bytes a message carries out of line (its batches, or a produce response's further
 * results), at most PROTO_OUTLINE_BYTES_MAX, and where they are. */
static inline size_t proto_msg_outline_bytes(const proto_msg *m) {
    size_t n;
    switch (m->api) {
    case API_FETCH:
        if (!m->is_response) return 0;
        return (size_t)m->u.fetch_response.batch_count * sizeof(proto_batch) +
               (size_t)m->u.fetch_response.aborted_count * sizeof(proto_aborted_txn);
    case API_PRODUCE:
        if (!m->is_response) {
            n = m->u.produce.batch_count;
            return n > 1 ? (n - 1) * sizeof(proto_batch) : 0;
        }
        n = m->u.produce_response.result_count;
        return n > 1 ? (n - 1) * sizeof(proto_produce_result) : 0;
    case API_METADATA:
        n = m->is_response ? m->u.metadata_response.partition_count : 0;
        return n > 1 ? (n - 1) * sizeof(proto_metadata_partition) : 0;
    case API_ADD_PARTITIONS_TO_TXN:
        if (m->is_response) return (size_t)m->u.verify_response.partition_count * sizeof(int16_t);
        return (size_t)m->u.add_partitions.partition_count * sizeof(uint16_t);
    case API_WRITE_TXN_MARKERS:
        if (m->is_response)
            return (size_t)m->u.write_txn_markers_response.partition_count * sizeof(int16_t);
        return (size_t)m->u.write_txn_markers.partition_count * sizeof(uint16_t);
    case API_JOIN_GROUP:
        if (m->is_response) return (size_t)m->u.join_group_response.member_words * sizeof(uint32_t);
        return (size_t)m->u.join_group.owned_count * sizeof(uint16_t);
    case API_SYNC_GROUP:
        if (m->is_response)
            return (size_t)m->u.sync_group_response.assignment_count * sizeof(uint16_t);
        return (size_t)m->u.sync_group.assignment_words * sizeof(uint32_t);
    case API_OFFSET_COMMIT:
    case API_TXN_OFFSET_COMMIT:
        if (m->is_response) return 0;
        return (size_t)m->u.offset_commit.entry_count * sizeof(proto_offset_entry);
    case API_OFFSET_FETCH:
        if (m->is_response)
            return (size_t)m->u.offset_fetch_response.entry_count * sizeof(proto_offset_entry);
        return (size_t)m->u.offset_fetch.partition_count * sizeof(uint16_t);
    default: return 0;
    }
}
/* The out-of-line parts of the group messages (proto_msg_outline's and _set's share). */
static inline const void *proto_msg_group_outline(const proto_msg *m) {
    switch (m->api) {
    case API_JOIN_GROUP:
        return m->is_response ? (const void *)m->u.join_group_response.members
                              : (const void *)m->u.join_group.owned;
    case API_SYNC_GROUP:
        return m->is_response ? (const void *)m->u.sync_group_response.assignment
                              : (const void *)m->u.sync_group.assignments;
    case API_OFFSET_COMMIT:
    case API_TXN_OFFSET_COMMIT: return m->is_response ? NULL : m->u.offset_commit.entries;
    case API_OFFSET_FETCH:
        return m->is_response ? (const void *)m->u.offset_fetch_response.entries
                              : (const void *)m->u.offset_fetch.partitions;
    default: return NULL;
    }
}
static inline void proto_msg_group_outline_set(proto_msg *m, const void *where) {
    switch (m->api) {
    case API_JOIN_GROUP:
        if (m->is_response) m->u.join_group_response.members = where;
        else m->u.join_group.owned = where;
        break;
    case API_SYNC_GROUP:
        if (m->is_response) m->u.sync_group_response.assignment = where;
        else m->u.sync_group.assignments = where;
        break;
    case API_OFFSET_COMMIT:
    case API_TXN_OFFSET_COMMIT:
        if (!m->is_response) m->u.offset_commit.entries = where;
        break;
    case API_OFFSET_FETCH:
        if (m->is_response) m->u.offset_fetch_response.entries = where;
        else m->u.offset_fetch.partitions = where;
        break;
    default: break;
    }
}
static inline const void *proto_msg_outline(const proto_msg *m) {
    if (m->api == API_FETCH) return m->u.fetch_response.batches;
    if (m->api == API_PRODUCE && m->is_response) return m->u.produce_response.more;
    if (m->api == API_PRODUCE) return m->u.produce.more;
    if (m->api == API_METADATA && m->is_response) return m->u.metadata_response.more;
    if (m->api == API_ADD_PARTITIONS_TO_TXN && !m->is_response) return m->u.add_partitions.partitions;
    if (m->api == API_ADD_PARTITIONS_TO_TXN) return m->u.verify_response.errors;
    if (m->api == API_WRITE_TXN_MARKERS && m->is_response)
        return m->u.write_txn_markers_response.errors;
    if (m->api == API_WRITE_TXN_MARKERS) return m->u.write_txn_markers.partitions;
    return proto_msg_group_outline(m);
}
/* Points m's out-of-line part at where (a copy of the bytes proto_msg_outline names). */
static inline void proto_msg_outline_set(proto_msg *m, const void *where) {
    if (m->api == API_FETCH) m->u.fetch_response.batches = where;
    else if (m->api == API_PRODUCE && m->is_response) m->u.produce_response.more = where;
    else if (m->api == API_PRODUCE) m->u.produce.more = where;
    else if (m->api == API_METADATA && m->is_response) m->u.metadata_response.more = where;
    else if (m->api == API_ADD_PARTITIONS_TO_TXN && !m->is_response)
        m->u.add_partitions.partitions = where;
    else if (m->api == API_ADD_PARTITIONS_TO_TXN) m->u.verify_response.errors = where;
    else if (m->api == API_WRITE_TXN_MARKERS && m->is_response)
        m->u.write_txn_markers_response.errors = where;
    else if (m->api == API_WRITE_TXN_MARKERS) m->u.write_txn_markers.partitions = where;
    else proto_msg_group_outline_set(m, where);
}

#endif
