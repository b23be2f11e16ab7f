/*
 * history.h: what was observed during a run, in order: every application send and callback,
 * every produce attempt, every append and truncation on every replica, high-watermark moves,
 * elections, dropped messages and faults that fired.
 *
 * The checker and the explainer judge a run from this record alone (plus the final logs), never
 * from the models' private state: the history is what a Jepsen-style observer could have written
 * down. Records are fixed-size (40 bytes; runs of sends or callbacks may share one) in one array
 * that grows geometrically, so memory is linear in the work done; or, with a sink, in a fixed
 * window whose full contents go to the sink (the checker, when nothing else reads the history
 * back).
 */
#ifndef KAFKASIM_HISTORY_H
#define KAFKASIM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

typedef enum history_kind {
    HIST_SEND = 0,      /* app -> producer: a = record id, b = send number (0 first, 1 resend),
                           f = records after a in the same run (see history.coalesce) */
    HIST_CALLBACK,      /* producer -> app: a = record id, b = send number, c = error, d = offset,
                           f = records after a in the same run (see history.coalesce) */
    HIST_ATTEMPT,       /* producer sent a batch: a = payload, b = attempt, c = broker id,
                           d = base sequence, e = producer epoch, f = producer id (low 32) */
    HIST_RETRY,         /* producer will retry: a = payload, b = attempt failed, c = error */
    HIST_APPEND,        /* a replica appended: node = broker, a = payload, b = attempt,
                           d = base offset, c = 1 leader append / 0 replication,
                           e = leader epoch, f = base sequence (uint32 of int32, ~0 none) */
    HIST_DEDUP,         /* the leader answered a duplicate from its 5-batch cache:
                           node = broker, a = payload, b = attempt, d = original offset */
    HIST_TRUNCATE,      /* node = broker, d = new log end offset, a = records removed */
    HIST_HW,            /* node = broker, d = new high watermark */
    HIST_ELECTION,      /* node = new leader (or NODE_NONE), a = leader epoch, b = 1 unclean */
    HIST_ISR,           /* a = new ISR (broker_set), b = partition epoch */
    HIST_DROP,          /* a fault rule dropped a message: a = api, b = fault index or -1,
                           c = payload (produce) or -1, node = receiver, e = 1 response
                           (+ HIST_DROP_RETRANSMITTED when TCP resent it: a drop, not a
                           break), d = base offset of a ProduceResponse (else -1), f = sender */
    HIST_FAULT,         /* a fault fired: a = fault index, b = 1 start / 0 end, node = target */
    HIST_CRASH,         /* node crashed (a = 1) or restarted (a = 0); b = 1: power loss; or
                           stopped after a controlled shutdown (a = HIST_STOPPED) */
    HIST_EPOCH_BUMP,    /* producer bumped its epoch: a = new epoch, f = producer id */
    HIST_PRODUCER_ID,   /* producer got an id: f = producer id, a = epoch */
    HIST_ERROR,         /* a Kafka error reached a client: a = error code, c = api */
    HIST_EXPIRE,        /* a batch expired on delivery.timeout: a = payload, b = 1 in flight,
                           c = attempts made */
    /* Transactions (KIP-98). A producer's transactions are numbered from 1 per producer
     * node, over all its instances (a restarted instance continues the count). */
    HIST_TXN_BEGIN,     /* beginTransaction: node = producer, a = txn number, e = epoch,
                           f = producer id (low 32) */
    HIST_TXN_BATCH,     /* a transactional batch was sealed: node = producer, partition = g,
                           a = payload, b = txn number */
    HIST_TXN_END,       /* commitTransaction/abortTransaction returned: node = producer,
                           a = txn number, b = 1 commit / 0 abort asked, c = outcome (0 ok, a
                           Kafka error or ERR_CLIENT_*: PRODUCER_CLOSED when the instance died
                           unanswered) */
    HIST_TXN_STATE,     /* a coordinator's transition became durable: node = coordinator
                           broker, partition = its __transaction_state g, a = txn index,
                           b = proto_txn_state, c = coordinator epoch, e = producer epoch,
                           f = producer id */
    HIST_TXN_FENCE,     /* a coordinator fenced a producer epoch: node = coordinator broker,
                           a = txn index, b = 0 by InitProducerId / 1 by timeout, e = the
                           epoch that fences (older ones are), f = producer id */
    HIST_MARKER,        /* a leader wrote a transaction marker: node = broker, partition = g,
                           a = 1 commit / 0 abort, b = coordinator epoch, d = offset,
                           e = producer epoch, f = producer id */
    HIST_LSO,           /* a leader's last stable offset moved: node = broker, partition = g,
                           d = new LSO (transactional runs only) */
    /* Consumers and groups (issue 19), recorded only with workload.consumers > 0. Record ids
     * of an output are the input's: consumer-k.producer sends input id r as its output of r. */
    HIST_POLL,          /* poll() handed records of one batch to the application: node =
                           consumer, partition = g, a = payload, b = index of the first record in
                           the payload, c = records, d = offset of the first, e = generation
                           (low 16 bits), f = member id */
    HIST_PROCESS,       /* the application processed one record: node = consumer, partition = g,
                           a = record id, d = its offset, b = generation, c = what the sink did
                           (HIST_SINK_*) */
    HIST_OFFSET_COMMIT, /* a commit of partition g's offset was sent (c = HIST_COMMIT_SENT) or
                           answered (c = 0, a Kafka error or ERR_CLIENT_*): node = consumer (its
                           producer for a transactional commit), d = offset, a = generation,
                           b = HIST_COMMIT_* kind, f = member id */
    HIST_POSITION,      /* a consumer set its fetch position of g: d = offset, a = generation,
                           b = HIST_POSITION_* source */
    HIST_ASSIGN,        /* a consumer's assignment of g changed: a = generation, b =
                           HIST_ASSIGN_* , f = member id */
    HIST_GROUP,         /* the group coordinator's group changed state: node = coordinator
                           broker, partition = its __consumer_offsets g, a = generation, b =
                           proto_group_state, c = members, e = coordinator (leader) epoch (low
                           16), f = leader member id */
    HIST_MEMBER,        /* a member joined or left: node = coordinator broker, partition = its
                           __consumer_offsets g, a = member id, b = HIST_MEMBER_* event, c = the
                           member's node */
    HIST_OFFSETS,       /* the committed offset of input partition g (what OffsetFetch returns)
                           changed on a coordinator: node = coordinator broker, d = offset, a =
                           generation of the commit (-1 none), b = HIST_OFFSETS_* how, f =
                           producer id (low 32) of a transactional commit, else 0 */
    HIST_KIND_COUNT
} history_kind;

typedef struct history_rec {
    int64_t time_ns;    /* when */
    int64_t d;          /* offsets (see kinds) */
    uint32_t a, b;      /* see kinds */
    int32_t c;          /* see kinds */
    uint16_t kind;      /* history_kind */
    node_id node;       /* the observing node */
    int16_t e;          /* see kinds */
    uint16_t partition; /* partition index */
    uint32_t f;         /* see kinds */
} history_rec;

/* Sees every record as it is added (the trace prints appends, HW moves, elections from it).
 * r is valid during the call only. */
typedef void (*history_observer_fn)(void *ctx, const history_rec *r);

/* Takes stored records, in order, for good (see history.sink). recs is valid during the call
 * only. */
typedef void (*history_sink_fn)(void *ctx, const history_rec *recs, size_t n);

typedef struct history {
    history_rec *recs;    /* in time order */
    size_t count;         /* records stored */
    size_t capacity;      /* records allocated */
    bool failed;          /* memory ran out: recording stopped (the run reports it) */
    bool coalesce;        /* store a run of sends (or callbacks) as one record, see below */
    int64_t last_ns;      /* time of the last record added (records come in time order) */
    history_observer_fn observer; /* optional, borrowed: called for every added record */
    void *observer_ctx;   /* borrowed; passed to observer */
    history_sink_fn sink; /* optional, borrowed: where full arrays go (see below) */
    void *sink_ctx;       /* borrowed; passed to sink */
    history_rec scratch;  /* where a record is built once recording stopped (failed) */
    uint32_t power_losses; /* history_power_loss calls so far (kept when recording stopped) */
} history;

/* Coalescing (off after history_init; scenario_run turns it on): a SEND or CALLBACK record
 * that follows one of the same kind, time, node, partition, send number and error, for the
 * next record id (and, for a callback with an offset, the next offset), is stored by counting
 * it in the previous record's f. The observer still sees every record as added. Readers of
 * recs expand a stored record into history_rec_span() records with history_rec_expand(): the
 * expanded sequence is exactly the sequence added. */

/* A sink (none after history_init) makes the history a window: the array keeps its initial
 * capacity, and when it is full every stored record but the last is handed to the sink and
 * leaves it (the last stays, as coalescing may still extend it). history_flush hands over the
 * rest. recs then holds only what was not handed over yet; the sink has seen the rest, in
 * order, each record as it was finally stored. A run whose history nobody reads back after
 * the checker (no explainer, no plot) checks it this way in a few KiB. */
void history_flush(history *h);

/* Records stored record r stands for: 1 + r->f for SEND and CALLBACK, else 1. */
uint32_t history_rec_span(const history_rec *r);

/* The j-th record (0 <= j < history_rec_span(r)) that r stands for: id r->a + j, offset
 * r->d + j for a callback with an offset (r->d >= 0), f = 0. */
history_rec history_rec_expand(const history_rec *r, uint32_t j);

/* Allocates room for capacity_hint records (at least 64); no observer. Returns 0, or -1 when
 * memory cannot be had (nothing to fini then). */
int history_init(history *h, size_t capacity_hint);
/* Frees the records; h may be reused after another history_init. */
void history_fini(history *h);

/* Appends one record; r->time_ns must not go backwards (asserted). Never fails for the caller:
 * when memory runs out, h->failed is set and the run reports it; the observer still sees the
 * record. */
void history_add(history *h, const history_rec *r);

/* Convenience recorders used by the nodes. t is sim_now(). Each fills one record as the kind
 * comments above say and calls history_add. */
void history_send(history *h, int64_t t, node_id producer, uint32_t record, uint32_t send_no);
void history_callback(history *h, int64_t t, node_id producer, uint32_t record,
                      uint32_t send_no, int error, int64_t offset);
/* A run of n records at once, exactly as n calls of history_send (ids first .. first + n - 1)
 * or history_callback (offsets offset .. offset + n - 1 when offset >= 0, else all -1) would
 * add them: the observer sees each one; without an observer a coalescing history stores the
 * run in O(1). Nothing when n is 0. */
void history_send_run(history *h, int64_t t, node_id producer, uint32_t first, uint32_t n,
                      uint32_t send_no);
void history_callback_run(history *h, int64_t t, node_id producer, uint32_t first, uint32_t n,
                          uint32_t send_no, int error, int64_t offset);
/* The same runs for a record of partition g (the global index: topics in workload.topics
 * order, then partition number), which the record's partition field carries; the calls above
 * are these with partition 0. A success callback's partition is where the checker counts the
 * record as acknowledged (checker.h, lost_acked per partition). */
void history_send_partition_run(history *h, int64_t t, node_id producer, uint16_t partition,
                                uint32_t first, uint32_t n, uint32_t send_no);
void history_callback_partition_run(history *h, int64_t t, node_id producer,
                                    uint16_t partition, uint32_t first, uint32_t n,
                                    uint32_t send_no, int error, int64_t offset);
/* True when stored records go only to a sink and no observer sees them: the checker is their
 * one reader (a run without explainer, plot or trace), which reads of a send its ids, time and
 * send number and not its partition, and takes the ids of a payload callback from the arena.
 * A producer may then record a burst of sends to several partitions as one run, and the
 * callbacks of a batch whose ids are a list as one record. */
static inline bool history_only_counted(const history *h) { return h->sink && !h->observer; }

/* e of a HIST_CALLBACK record that stands for the ids of payload d in the payload arena (f + 1
 * of them, a the first), in the arena's order, all with send number b and error c; offsets are
 * not kept. Stored only where history_only_counted, by history_callback_payload. */
#define HIST_CALLBACK_PAYLOAD 1
/* One record for the callbacks of the n >= 1 ids of payload (first its first id), each with
 * send number 0, in the arena's order: what history_callback_partition_run of each of them
 * would tell the checker. Only where history_only_counted. */
void history_callback_payload(history *h, int64_t t, node_id producer, uint16_t partition,
                              uint32_t payload, uint32_t first, uint32_t n, int error);

/* A produce attempt, a retry and a deduplicated batch are recorded on the batch's own
 * partition (proto_batch.partition). */
void history_attempt(history *h, int64_t t, node_id producer, const proto_batch *b,
                     int broker);
void history_retry(history *h, int64_t t, node_id producer, const proto_batch *b, int error);
void history_append(history *h, int64_t t, node_id broker, const proto_batch *b, bool leader);
void history_dedup(history *h, int64_t t, node_id broker, const proto_batch *b,
                   int64_t original_offset);
void history_truncate(history *h, int64_t t, node_id broker, int64_t new_leo, uint32_t removed);
void history_hw(history *h, int64_t t, node_id broker, int64_t hw);
/* The same records for partition g (the functions above record g = 0). */
void history_partition_append(history *h, int64_t t, int partition, node_id broker,
                              const proto_batch *b, bool leader);
void history_partition_dedup(history *h, int64_t t, int partition, node_id broker,
                             const proto_batch *b, int64_t original_offset);
void history_partition_truncate(history *h, int64_t t, int partition, node_id broker,
                                int64_t new_leo, uint32_t removed);
void history_partition_hw(history *h, int64_t t, int partition, node_id broker, int64_t hw);
/* An election or ISR change of partition g (history_election and history_isr: of g = 0). */
void history_partition_election(history *h, int64_t t, int partition, int leader,
                                int32_t leader_epoch, bool unclean);
void history_partition_isr(history *h, int64_t t, int partition, broker_set isr,
                           int32_t partition_epoch);
void history_election(history *h, int64_t t, int leader, int32_t leader_epoch, bool unclean);
void history_isr(history *h, int64_t t, broker_set isr, int32_t partition_epoch);
/* e of a HIST_DROP whose message TCP retransmitted (delayed, not lost). */
#define HIST_DROP_RETRANSMITTED 2
void history_drop(history *h, int64_t t, const proto_msg *m, int fault, bool retransmitted);
void history_fault(history *h, int64_t t, int fault, node_id target, bool start);
void history_crash(history *h, int64_t t, node_id node, bool crashed);
/* The node's machine lost power (a HIST_CRASH with a = 1, b = 1): its process died, if it ran,
 * and the page cache went with it. Counted in power_losses. */
void history_power_loss(history *h, int64_t t, node_id node);
/* A broker's process stopped at the end of a controlled shutdown (HIST_CRASH, a = 2). */
#define HIST_STOPPED 2
void history_stop(history *h, int64_t t, node_id node);
void history_epoch_bump(history *h, int64_t t, node_id producer, int64_t pid, int16_t epoch);
void history_producer_id(history *h, int64_t t, node_id producer, int64_t pid, int16_t epoch);
void history_error(history *h, int64_t t, node_id client, int api, int error);
void history_expire(history *h, int64_t t, node_id producer, const proto_batch *b,
                    bool in_flight);
/* Transactions: one record each, as the kind comments above say. */
void history_txn_begin(history *h, int64_t t, node_id producer, uint32_t txn, int64_t pid,
                       int16_t epoch);
void history_txn_batch(history *h, int64_t t, node_id producer, const proto_batch *b,
                       uint32_t txn);
void history_txn_end(history *h, int64_t t, node_id producer, uint32_t txn, bool commit,
                     int outcome);
void history_txn_state(history *h, int64_t t, node_id coordinator, int state_partition,
                       int txn_index, int state, int32_t coordinator_epoch, int64_t pid,
                       int16_t epoch);
void history_txn_fence(history *h, int64_t t, node_id coordinator, int txn_index,
                       bool by_timeout, int64_t pid, int16_t epoch);
void history_marker(history *h, int64_t t, node_id broker, int partition, bool commit,
                    int32_t coordinator_epoch, int64_t offset, int64_t pid, int16_t epoch);
void history_lso(history *h, int64_t t, node_id broker, int partition, int64_t lso);

/* Consumers and groups: one record each, as the kind comments above say. */
#define HIST_SINK_NONE 0    /* workload.sink=none: nothing applied */
#define HIST_SINK_APPLIED 1 /* the side effect was applied */
#define HIST_SINK_SKIPPED 2 /* the dedup table had the record id: not applied again */
#define HIST_COMMIT_AUTO 0  /* enable.auto.commit, at poll */
#define HIST_COMMIT_SYNC 1  /* commitSync */
#define HIST_COMMIT_ASYNC 2 /* commitAsync */
#define HIST_COMMIT_JOIN 3  /* the commit before a rebalance (onJoinPrepare) */
#define HIST_COMMIT_CLOSE 4 /* the commit of close() */
#define HIST_COMMIT_TXN 5   /* sendOffsetsToTransaction (TxnOffsetCommit) */
#define HIST_COMMIT_SENT (-1) /* c of a HIST_OFFSET_COMMIT: the request went out */
#define HIST_POSITION_COMMITTED 0 /* from the group's committed offset */
#define HIST_POSITION_EARLIEST 1  /* auto.offset.reset=earliest: no committed offset */
#define HIST_POSITION_LATEST 2    /* auto.offset.reset=latest: no committed offset */
#define HIST_POSITION_TRUNCATION 3 /* KIP-320: the log diverged, seek to its end */
#define HIST_POSITION_SEEK 4      /* the application sought back (an abort, a failed output) */
#define HIST_POSITION_RESET 5     /* OFFSET_OUT_OF_RANGE, auto.offset.reset applied */
#define HIST_ASSIGN_REVOKED 0
#define HIST_ASSIGN_ASSIGNED 1
#define HIST_ASSIGN_LOST 2          /* onPartitionsLost: the member was no longer in the group */
#define HIST_ASSIGN_REVOKED_COOPERATIVE 3 /* onJoinComplete (COOPERATIVE): this partition moves to
                                           * another member in the next rebalance */
#define HIST_MEMBER_JOINED 0
#define HIST_MEMBER_LEFT 1          /* LeaveGroup */
#define HIST_MEMBER_EXPIRED 2       /* session.timeout.ms without a heartbeat */
#define HIST_MEMBER_NOT_REJOINED 3  /* the rebalance timeout passed without its JoinGroup */
#define HIST_MEMBER_SYNC_EXPIRED 4  /* the rebalance timeout passed without its SyncGroup */
#define HIST_OFFSETS_COMMITTED 0    /* an OffsetCommit became durable */
#define HIST_OFFSETS_TXN 1          /* a TxnOffsetCommit's offsets completed with COMMIT */
#define HIST_OFFSETS_LOADED 2       /* a new coordinator loaded it from __consumer_offsets */
void history_poll(history *h, int64_t t, node_id consumer, int partition, uint32_t payload,
                  uint32_t first_index, uint32_t count, int64_t offset, int32_t generation,
                  proto_member_id member);
void history_process(history *h, int64_t t, node_id consumer, int partition, uint32_t record,
                     int64_t offset, int32_t generation, int sink);
void history_offset_commit(history *h, int64_t t, node_id client, int partition, int64_t offset,
                           int32_t generation, int kind, int outcome, proto_member_id member);
void history_position(history *h, int64_t t, node_id consumer, int partition, int64_t offset,
                      int32_t generation, int source);
void history_assign(history *h, int64_t t, node_id consumer, int partition, int32_t generation,
                    int what, proto_member_id member);
void history_group(history *h, int64_t t, node_id coordinator, int offsets_partition,
                   int32_t generation, int state, int members, int32_t coordinator_epoch,
                   proto_member_id leader);
void history_member(history *h, int64_t t, node_id coordinator, int offsets_partition,
                    proto_member_id member, int event, node_id member_node);
void history_offsets(history *h, int64_t t, node_id coordinator, int partition, int64_t offset,
                     int32_t generation, int how, int64_t pid);

/* Records of one kind, for tests and summaries (a linear scan; coalesced records count as the
 * records they stand for). */
size_t history_count_kind(const history *h, history_kind kind);
/* "send", "callback", "append", ...: a short name of a kind; "unknown" out of range. */
const char *history_kind_name(history_kind kind);

#endif
