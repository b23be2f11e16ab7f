/*
 * txn_checker.h: the verdict on a transactional run, as a consumer of each partition reads it.
 *
 * The view (txn-consumer-semantics.md section 2.4): per partition, the final leader's log
 * (control batches included) read from offset 0 as a KafkaConsumer with isolation.level
 * reads it. read_committed: up to the last stable offset, min(HW, first offset of every
 * transaction whose marker is missing or not below the HW), recomputed from the log
 * (UnifiedLog.lastStableOffset, ProducerStateManager.firstUnstableOffset); the aborted
 * transactions of that range (UnifiedLog.collectAbortedTransactions) are skipped as
 * CompletedFetch skips them (consumeAbortedTransactionsUpTo, isBatchAborted, an ABORT marker
 * takes its producer out of the set). read_uncommitted: everything below the HW. Control
 * batches are never returned in either. The ordinary checker (checker.h) then judges
 * duplicates, order and lost writes on that view, with "acknowledged" meaning "its
 * transaction's commit was acknowledged".
 *
 * A transaction is (producer node, transaction number) of HIST_TXN_BEGIN/BATCH/END; its
 * batches are the payloads HIST_TXN_BATCH names (a record id can be resent in a later
 * transaction, a payload cannot). What the application was told:
 *   committed         some EndTxn(COMMIT) answered without error
 *   aborted           some EndTxn(ABORT) answered without error, and no commit answered so
 *   never committed   no commit asked (no HIST_TXN_END with b = 1): nothing can commit it
 *   unknown           a commit asked and answered only with an error (a timeout, a producer
 *                     closed before the answer, a fenced retry whose first attempt may have
 *                     been written): not counted either way
 * "Definitely not committed" is aborted or never committed (Jepsen's G1a cases).
 *
 * The fields (checker_result):
 *   transactions_committed  transactions whose commit was acknowledged
 *   transactions_aborted    transactions whose abort was acknowledged
 *   aborted_read            records of the view in batches of transactions definitely not
 *                           committed (G1a; at read_uncommitted Kafka returns them by design)
 *   atomicity_violations    transactions with a batch in the view and a batch not in it
 *   zombie_writes           records of the view in batches of epoch < E of a producer id the
 *                           coordinator fenced at E (HIST_TXN_FENCE), appended by a leader
 *                           after the fence
 *   lost_commits            transactions whose commit was acknowledged with a batch not in
 *                           the view
 *   hanging_transactions    (partition, producer id) transactions open at the end of the
 *                           final log: data with no marker after it (the LSO stays there)
 *
 * The transactions of consume-transform-produce instances (consumer-k.producer, exactly-once)
 * count in every transaction field; their batches are read in the output topic
 * (txn_options.output_*), and their record ids (each an input record's id) are not told to the
 * ordinary checker, which judges the workload producers' sends to the input topics only.
 *
 * What it leaves out: consumer positions and rebalances (the view is one read from offset 0),
 * the explanation of each anomaly (explain.c), consume-transform-produce (pipeline_checker.h,
 * which reads its topics through txn_view_read).
 */
#ifndef KAFKASIM_TXN_CHECKER_H
#define KAFKASIM_TXN_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checker.h"
#include "history.h"
#include "protocol.h"

/* One transaction as the history tells it (see the file comment). */
typedef struct txn_entry {
    uint32_t number;      /* HIST_TXN_BEGIN.a: per producer node, from 1 */
    uint8_t producer;     /* its producer node */
    bool commit_asked;    /* a HIST_TXN_END with b = 1 */
    bool committed;       /* a commit answered without error */
    bool aborted;         /* an abort answered without error */
    uint32_t batches;     /* payloads HIST_TXN_BATCH gave it */
    uint32_t visible;     /* of them, those with a copy in the view */
} txn_entry;

/* A leader's append of a transactional batch (HIST_APPEND c = 1), for zombie writes. */
typedef struct txn_append {
    int64_t offset;   /* its base offset */
    int64_t time_ns;  /* when */
    uint32_t payload; /* its payload */
    uint16_t partition; /* g */
} txn_append;

/* A fence (HIST_TXN_FENCE): producer id pid's epochs below epoch are fenced from time_ns. */
typedef struct txn_fence {
    int64_t time_ns;
    uint32_t pid;  /* the producer id's low 32 bits, as the history holds it */
    int16_t epoch; /* the fencing epoch */
} txn_fence;

#define TXN_NONE UINT32_MAX /* txn_stream.of_payload of a payload no transaction sealed */

/* The nodes whose transactions the judge reads: the workload producers, then the producers of
 * the consume-transform-produce instances (consumer-k.producer, exactly-once). */
#define TXN_NODES_MAX (PROTO_PRODUCERS_MAX + PROTO_CONSUMERS_MAX)
static inline int txn_node_slot(node_id n) {
    if (node_is_producer(n)) return n - NODE_PRODUCER_BASE;
    if (node_is_consumer_producer(n)) return PROTO_PRODUCERS_MAX + (n - NODE_CONSUMER_PRODUCER_BASE);
    return -1;
}

/* The history, fed as the run goes (as checker_stream is): the transactions, which payload
 * belongs to which, fences and transactional appends. Read the fields through the calls below
 * only. */
typedef struct txn_stream {
    txn_entry *txns;          /* in order of first mention */
    size_t txn_count;
    size_t txn_capacity;
    uint32_t *by_number[TXN_NODES_MAX]; /* per transactional node (txn_node_slot): number ->
                                         * txns index + 1, 0 none */
    size_t by_number_count[TXN_NODES_MAX]; /* entries of by_number[i] */
    uint32_t *of_payload;     /* per payload id: its transaction, or TXN_NONE */
    uint8_t *payload_seen;    /* per payload id: 1 once a copy is in the view */
    size_t payload_count;     /* entries of of_payload and payload_seen */
    txn_append *appends;      /* leader appends of transactional payloads, in history order
                               * (sorted by txn_checker_finish when some fence needs them) */
    size_t append_count;
    size_t append_capacity;
    txn_fence *fences;        /* in history order */
    size_t fence_count;
    size_t fence_capacity;
    bool failed;              /* memory ran out: txn_checker_finish returns -1 */
    /* The view of the last txn_checker_finish (owned). */
    checker_log *view;        /* per workload partition */
    proto_batch *view_batches; /* the batches they point into */
} txn_stream;

void txn_stream_init(txn_stream *ts);
/* Reads n stored history records, in the order they were stored (only the transactional
 * kinds and leader appends of transactional payloads matter). */
void txn_stream_feed(txn_stream *ts, const history_rec *recs, size_t n);
void txn_stream_fini(txn_stream *ts);

/* The transaction anomalies, each with its output field (checker_result). */
typedef enum txn_anomaly {
    TXN_ABORTED_READ = 0, /* aborted_read: a batch of the view of a transaction definitely not
                           * committed */
    TXN_ATOMICITY,        /* atomicity_violations: a transaction partly in the view */
    TXN_ZOMBIE_WRITE,     /* zombie_writes: a batch of the view written at a fenced epoch */
    TXN_LOST_COMMIT,      /* lost_commits: a committed transaction with a batch not in it */
    TXN_HANGING,          /* hanging_transactions: a (partition, producer id) transaction with
                           * no marker after it in the final log */
    TXN_ANOMALY_COUNT
} txn_anomaly;

/* One counted transaction anomaly, as the judge saw it (explain.c tells its story). */
typedef struct txn_witness {
    txn_anomaly kind;
    uint32_t txn;             /* its transaction (txn_stream_txn), TXN_NONE when no transaction
                               * of the history sealed the batch (a hanging one may be such) */
    uint32_t partition;       /* g of the batch; UINT32_MAX for atomicity and lost commits,
                               * which concern a whole transaction */
    const proto_batch *batch; /* the batch in the final log (aborted read, zombie write: the
                               * batch read; hanging: the one that opened the transaction);
                               * NULL for atomicity and lost commits. Valid during the call */
    uint64_t records;         /* records counted: of the batch in the view (aborted read, zombie
                               * write), 1 for the others */
    int64_t fenced_ns;        /* zombie write: when the coordinator fenced the batch's epoch;
                               * -1 otherwise */
} txn_witness;

/* Called once per counted transaction anomaly, partition by partition: its hanging
 * transactions in order of first offset, then its aborted reads and zombie writes per batch of
 * the view in offset order; then atomicity violations and lost commits, per transaction in the
 * order of first mention. */
typedef void (*txn_anomaly_fn)(void *ctx, const txn_witness *w);

/* What the judge needs besides the history. */
typedef struct txn_options {
    bool read_committed;      /* isolation.level=read_committed, else read_uncommitted */
    size_t partitions;        /* workload partitions: g 0 .. partitions - 1 of the checker
                               * input's logs (internal topics come after them and are not
                               * read) */
    const checker_log *output_logs; /* a consume-transform-produce run's output topic: the
                               * final logs of its output_count partitions (g output_first ..),
                               * read too, at read_committed whatever the isolation level (as
                               * pipeline_checker.h reads them), for the transaction fields of
                               * the instances' transactions; the ordinary checker never sees
                               * them. NULL or 0 partitions: none */
    size_t output_first;
    size_t output_count;
    txn_anomaly_fn visit;     /* optional: told of every transaction anomaly counted (the
                               * counts are the same with or without it) */
    void *visit_ctx;          /* passed to visit */
} txn_options;

/* "aborted_read", "atomicity_violations", ...: the output field of a kind. */
const char *txn_anomaly_field(txn_anomaly kind);

/* The transactions the stream has read, in order of first mention (txn_witness.txn indexes
 * them), and the one that sealed payload (TXN_NONE: none). */
size_t txn_stream_txn_count(const txn_stream *ts);
const txn_entry *txn_stream_txn(const txn_stream *ts, uint32_t txn);
uint32_t txn_stream_txn_of(const txn_stream *ts, uint32_t payload);
/* The transaction (producer node, number) of HIST_TXN_BEGIN/BATCH/END, TXN_NONE if unseen. */
uint32_t txn_stream_find(const txn_stream *ts, node_id producer, uint32_t number);

/* The last stable offset of one partition's log (offset order, control batches included)
 * with high watermark hw, recomputed from the log: min(hw, first offset of each producer's
 * transaction that has no marker below hw). *hanging (if not NULL) gets the transactions with
 * no marker at all. The drain calls it on a leader's log; the judge on the final one. */
int64_t txn_last_stable_offset(const proto_batch *log, size_t count, int64_t hw,
                               uint64_t *hanging);

/* Called for each batch of a partition's view, in offset order: bound is the view's end (the
 * last stable offset or the high watermark), and records of b at or above it are not in the
 * view. b is borrowed for the call. */
typedef void (*txn_view_fn)(void *ctx, const proto_batch *b, int64_t bound);

/* One partition's view as the file comment says (control batches never, at read_committed the
 * aborted transactions skipped below the last stable offset), told batch by batch to fn; the
 * judge of a consumer pipeline reads its input and output topics this way. Returns the view's
 * end, or -1 when memory ran out. */
int64_t txn_view_read(const checker_log *lg, bool read_committed, txn_view_fn fn, void *ctx);

/* The verdict of a transactional run: builds each workload partition's view from in's logs
 * (in->partitions, or in's one log), tells cs that the ids of transactional batches were
 * acknowledged when their transaction's commit was and never failed (the failure of a
 * transaction is the aborted_read question), and finishes cs on the view (checker_stream_finish,
 * visit as there); then fills the transaction fields of out. *view_in (if not NULL) gets the
 * checker input of the view, valid until the next call or txn_stream_fini. Returns 0, or -1
 * when memory ran out (in ts or in cs). */
int txn_checker_finish(txn_stream *ts, checker_stream *cs, const checker_input *in,
                       const txn_options *opt, checker_result *out, checker_anomaly_fn visit,
                       void *ctx, checker_input *view_in);

#endif
