/*
 * checker.h: the verdict on one run, computed from the history and the committed log alone.
 *
 * Definitions (architecture.md, output contract), per partition, over the committed log: the
 * offsets below the final leader's high watermark after the run drains.
 *   duplicates          committed records - distinct ids among them (over all partitions)
 *   reordered           first occurrences whose id is smaller than the largest id before them
 *                       of the same producer on the same partition (Kafka's promise)
 *   lost_acked          ids the application was told succeeded that are not committed
 *   failed_but_written  ids the application was told failed that are committed
 * Jepsen's names: lost-write (lost_acked), duplicate, nonmonotonic-send (reordered).
 *
 * Precisions the definitions need (kafka-semantics.md section 6, "Counters"):
 *   - An id the application resent (workload.resend.on.failure) may have been told failed once
 *     and succeeded later; it is "told failed" only when no send of it succeeded. A failed send
 *     whose bytes were written and then resent successfully shows as a duplicate (S8), not
 *     as failed_but_written.
 *   - lost_acked counts ids with at least one successful callback that are not committed.
 *   - A record of a batch straddling the high watermark is committed when its own offset is
 *     below it.
 *   - unexpected (Jepsen's name) counts committed ids the application never sent.
 * Working sets are arrays indexed by record id (no hash tables), so the verdict is
 * deterministic and memory is linear in records.
 */
#ifndef KAFKASIM_CHECKER_H
#define KAFKASIM_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "protocol.h"

/* One partition's final log: its final leader's batches and high watermark. */
typedef struct checker_log {
    const proto_batch *log;         /* in offset order */
    size_t log_count;               /* batches in log */
    int64_t high_watermark;         /* records at offsets below it are committed */
    int leader;                     /* broker id of the final leader, -1 none (reported only) */
} checker_log;

/* One partition's share of the verdict (checker_input.by_partition). The totals of
 * checker_result are the sums of these, except acked (callbacks that name no partition count
 * for partition 0, as every callback of a one-partition world does). */
typedef struct checker_partition {
    int leader;          /* its final leader (checker_log.leader), -1 none */
    uint64_t committed;  /* records in its committed log, copies included */
    uint64_t acked;      /* success callbacks naming it */
    uint64_t duplicates; /* copies in its committed log of an id committed before: earlier in
                          * this log or in a partition of a lower index */
    uint64_t reordered;  /* first occurrences out of order among its producer's records here */
    uint64_t lost_acked; /* ids last acknowledged on it that are committed nowhere */
} checker_partition;

/* What the checker reads: observations and the final committed logs, nothing else. A world
 * of one partition sets log, log_count and high_watermark and leaves partitions NULL; a world
 * of several sets partitions (index = the global partition index g: topics in workload.topics
 * order, then partition number), and log .. high_watermark to partition 0's. */
typedef struct checker_input {
    const history *history;         /* every observation of the run */
    const proto_payloads *payloads; /* record ids of batches */
    const proto_batch *log;         /* the final leader's log of partition 0, in offset order */
    size_t log_count;               /* batches in log */
    int64_t high_watermark;         /* records at offsets below it are committed */
    uint64_t records;               /* workload.records: ids are 0..records-1 */
    const checker_log *partitions;  /* partition_count logs by g, or NULL for the log above */
    size_t partition_count;         /* 0 or 1 with partitions NULL: one partition */
    checker_partition *by_partition; /* optional output: one entry per partition, filled */
} checker_input;

/* The logs the checker reads: in->partitions, or the one log of in as a checker_log; the
 * count in *n. */
const checker_log *checker_logs(const checker_input *in, checker_log *one, size_t *n);

typedef struct checker_result {
    uint64_t records;             /* ids the application had to send */
    uint64_t sends;               /* application sends, resends included */
    uint64_t acked;               /* callbacks with success */
    uint64_t failed;              /* callbacks with an error */
    uint64_t unanswered;          /* sends that never got a callback (a liveness gap) */
    uint64_t committed;           /* records in the committed log */
    uint64_t duplicates;
    uint64_t reordered;
    uint64_t lost_acked;
    uint64_t failed_but_written;
    uint64_t retries;             /* produce attempts beyond the first */
    uint64_t epoch_bumps;
    uint64_t leader_elections;
    uint64_t truncated;           /* records removed from replicas by truncation */
    uint64_t faults_fired;        /* faults that fired at least once (distinct) */
    uint64_t faults_configured;   /* faults in the scenario (set by the caller) */
    int64_t latency_p50_ns;       /* send -> callback, exact order statistics, -1 if none */
    int64_t latency_p99_ns;       /* nearest rank, ns, -1 if none */
    int64_t latency_max_ns;       /* ns, -1 if none */
    uint64_t errors[PROTO_ERROR_CODES_MAX]; /* errors seen by clients, by code */
    /* Additions beyond the output contract. */
    uint64_t unexpected;          /* committed records whose id was never sent (Jepsen) */
    uint64_t unclean_elections;   /* leader elections that were unclean */
    uint64_t deduplicated;        /* retries a leader answered from its producer state */
    uint64_t expired;             /* batches expired by delivery.timeout.ms */
    uint64_t messages_dropped;    /* messages fault rules dropped */
    uint64_t faults_fired_mask;   /* bit i: fault i fired (faults 0..63) */
    uint64_t errors_total;        /* sum of errors[] */
    uint32_t partitions;          /* partitions judged (1 in a one-partition world) */
    uint32_t partitions_touched;  /* of them, those with a committed record or a lost write */
    /* Transactions (txn_checker.h): all 0 in a run without transactional.id. */
    uint32_t transactional;       /* 1: the run was judged on a consumer's view (txn_checker) */
    uint32_t read_committed;      /* 1: that view was read_committed's, 0 read_uncommitted's */
    uint64_t transactions_committed; /* transactions whose commit was acknowledged */
    uint64_t transactions_aborted;   /* transactions whose abort was acknowledged */
    uint64_t aborted_read;        /* records in the view of transactions never committed */
    uint64_t atomicity_violations; /* transactions partly in the view */
    uint64_t zombie_writes;       /* records in the view written at an epoch fenced before */
    uint64_t lost_commits;        /* committed transactions with a batch not in the view */
    uint64_t hanging_transactions; /* (partition, producer id) transactions never closed */
    /* Consumers (pipeline_checker.h): all 0 in a run without workload.consumers. */
    uint32_t consumers;           /* 1: the run was judged on a pipeline's two ledgers */
    uint64_t processed;           /* input ids the external sink applied */
    uint64_t processed_twice;     /* of them, applied more than once (duplicate processing) */
    uint64_t processed_never;     /* committed as consumed, never applied (lost processing) */
    uint64_t output_duplicates;   /* output copies beyond one per input (read_committed) */
    uint64_t output_missing;      /* committed as consumed, no output (read_committed) */
    uint64_t rebalances;          /* generations the group formed beyond the first */
    uint64_t reprocessed;         /* input ids processed more than once, whatever the sink */
    uint64_t unconsumed;          /* input records beyond their partition's committed offset */
} checker_result;

/* Computes the verdict. Returns 0, or -1 when memory for the working sets cannot be had.
 * faults_configured is left 0 for the caller to set. */
int checker_run(const checker_input *in, checker_result *out);

/* The kinds of anomaly, each with its output field and Jepsen's name. */
typedef enum checker_anomaly {
    CHECKER_LOST_ACKED = 0,       /* lost_acked, Jepsen lost-write */
    CHECKER_DUPLICATE,            /* duplicates, Jepsen duplicate */
    CHECKER_REORDERED,            /* reordered, Jepsen nonmonotonic-send */
    CHECKER_FAILED_BUT_WRITTEN,   /* failed_but_written */
    CHECKER_UNEXPECTED,           /* unexpected, Jepsen unexpected */
    CHECKER_ANOMALY_COUNT
} checker_anomaly;

/* Called once per counted anomaly: for a duplicate, once per extra copy (offset of the copy);
 * for a reordering and an unexpected record, at its offset; for lost_acked and
 * failed_but_written once per id, with offset -1. partition is the global index of the log
 * the offset is in; for lost_acked, of the partition the id was last acknowledged on; for
 * failed_but_written, of the partition it was first committed on. Anomalies of the logs come
 * first, partition by partition in index order, each in offset order; then lost_acked and
 * failed_but_written, in order of id. */
typedef void (*checker_anomaly_fn)(void *ctx, checker_anomaly kind, uint32_t partition,
                                   uint32_t record, int64_t offset);

/* checker_run, telling visit (if not NULL) about every anomaly it counts. */
int checker_run_visit(const checker_input *in, checker_result *out, checker_anomaly_fn visit,
                      void *ctx);

/* The checker fed as the run goes (checker_run reads a whole history at once; a run that keeps
 * no history for anyone else hands each chunk to the stream as it fills, see history.h's
 * sink, and so holds a few KiB of history instead of about 32 bytes per record). Feeding the
 * same records in the same order, in any chunks, gives the verdict checker_run gives: both
 * are this stream. The fields are the stream's own; read them only through the calls below. */
typedef struct checker_tie {
    int64_t ns;      /* a latency */
    uint64_t count;  /* matched callbacks in a row that had it */
} checker_tie;

/* A stored send record: the time and send number of the ids it stands for. */
typedef struct checker_send {
    int64_t ns;
    uint32_t send_no;
} checker_send;

/* A send record whose ids were all above every id sent before (checker.c, "latest send"). */
typedef struct checker_fresh {
    uint32_t first; /* its first id */
    uint32_t send;  /* its index in sends */
} checker_fresh;

typedef struct checker_stream {
    checker_result out;      /* counters so far */
    uint8_t *flags;          /* per id: what happened to it (checker.c) */
    uint32_t *resent;        /* per id: 1 + index in sends of its latest send when that was
                              * not a fresh one; NULL until the first such send */
    void *acked_on;          /* per id: the partition of its latest success callback, one
                              * byte each (two once acked_on_wide); NULL until a callback names
                              * a partition other than 0 */
    bool acked_on_wide;      /* acked_on holds uint16_t: some callback named a partition > 255 */
    uint64_t *acked_by;      /* per partition: success callbacks naming it */
    size_t acked_by_count;   /* entries of acked_by (1 + the largest partition named) */
    uint64_t ids;            /* length of the per-id arrays; they grow to the largest id seen */
    checker_send *sends;     /* one per stored send record (a run of ids, history.h) */
    size_t send_count;       /* entries stored */
    size_t send_capacity;    /* entries allocated */
    checker_fresh *fresh;    /* the fresh send records, in order (so by first id) */
    size_t fresh_count;      /* entries stored */
    size_t fresh_capacity;   /* entries allocated */
    size_t fresh_hint;       /* where the last lookup in fresh ended */
    uint64_t sent_bound;     /* 1 + the largest id any send record stood for, 0 before any */
    checker_tie *latencies;  /* matched callbacks' latencies, equal neighbours as one entry */
    size_t latency_count;    /* entries stored */
    size_t latency_capacity; /* entries allocated */
    uint64_t latency_total;  /* latencies they stand for */
    const proto_payloads *payloads; /* where a payload callback record's ids are
                              * (history.h, HIST_CALLBACK_PAYLOAD); set by whoever feeds such
                              * records, NULL otherwise */
    bool failed;             /* memory ran out: checker_stream_finish returns -1 */
} checker_stream;

/* Sizes the per-id arrays for workload.records ids. Returns 0, or -1 when memory cannot be
 * had (call checker_stream_fini either way). */
int checker_stream_init(checker_stream *cs, uint64_t records);
/* Reads n stored history records (history.h), in the order they were stored. */
void checker_stream_feed(checker_stream *cs, const history_rec *recs, size_t n);
/* Reads the committed log of in (its history is not read: the stream was fed it) and writes
 * the verdict, telling visit (if not NULL) about every anomaly as checker_run_visit does.
 * Returns 0, or -1 when memory ran out at any point. Call once. */
int checker_stream_finish(checker_stream *cs, const checker_input *in, checker_result *out,
                          checker_anomaly_fn visit, void *ctx);
void checker_stream_fini(checker_stream *cs);
/* In a transactional run the application learns the fate of a record from its transaction,
 * not from the record's callback (a batch acknowledged by its leader is still undone by an
 * abort): txn_checker tells the stream so before checker_stream_finish. untell forgets every
 * callback outcome of ids; tell_acked marks them acknowledged. Memory that cannot be had sets
 * cs->failed (checker_stream_finish then returns -1). */
void checker_stream_untell(checker_stream *cs, const proto_ids *ids);
void checker_stream_tell_acked(checker_stream *cs, const proto_ids *ids);

/* "lost_acked", "duplicates", ...: the output field of a kind. */
const char *checker_anomaly_field(checker_anomaly kind);
/* "lost-write", "duplicate", "nonmonotonic-send", "failed-but-written", "unexpected". */
const char *checker_anomaly_jepsen(checker_anomaly kind);

#endif
