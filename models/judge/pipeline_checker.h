/*
 * pipeline_checker.h: the verdict on a consume-process-produce run (issue 19), end to end on two
 * ledgers, from the history and the final logs alone (txn-consumer-semantics.md section 3).
 *
 * The input view: per input partition (the workload's topics, g below input_partitions), the
 * final leader's log read as the consumers' isolation.level reads it (txn_view_read: up to the
 * last stable offset with aborted transactions dropped, or everything below the high watermark;
 * control batches never). The committed offset of each input partition: the final
 * __consumer_offsets log of the group's partition replayed below its high watermark as a new
 * coordinator loads it (GroupMetadataManager.doLoadGroupsAndOffsets, 3.9): the last offset record
 * of a partition by log position wins, a tombstone removes it; a transactional one stays pending
 * for its producer id until a control batch of that id, where COMMIT puts it in unless the loaded
 * one was appended later (CommitRecordMetadataAndOffset.olderThan compares the batch offsets) and
 * ABORT drops it. A record of the view below its partition's committed offset is "committed as
 * consumed"; an input id's expected count is its copies committed as consumed (1 unless the input
 * producer wrote duplicates, which the ordinary checker reports).
 *
 * The fields (checker_result), all 0 in a run without consumers:
 *   processed          input ids the external sink applied at least once (HIST_PROCESS with
 *                      HIST_SINK_APPLIED); 0 with workload.sink=none, like the two below
 *   processed_twice    input ids applied more often than their expected count, at least once:
 *                      duplicate processing (the dedup sink skips a second application)
 *   processed_never    input ids committed as consumed that the sink never applied: lost
 *                      processing (commit before processing, a reset past them)
 *   output_duplicates  copies in the output topic, read read_committed whatever the consumers'
 *                      level, beyond an id's expected count (at least 1): an output record's id
 *                      is its input's id
 *   output_missing     input ids committed as consumed with no copy in the output view
 *   rebalances         generations the group formed with members (HIST_GROUP entering
 *                      CompletingRebalance with members > 0) beyond the first
 * Beyond the contract:
 *   reprocessed        input ids processed (HIST_PROCESS, whatever the sink did) more often than
 *                      their expected count: > 0 with the dedup sink too, where processed_twice
 *                      is 0
 *   unconsumed         records of the input view at or beyond their partition's committed
 *                      offset: not lost, only never committed as consumed (liveness)
 * Counts per id saturate at 255 (an id processed or copied more often counts as 255 times).
 *
 * What it leaves out: records processed that were never committed or were aborted (a
 * read_uncommitted consumer's aborted reads) and processing of records a truncation
 * took later: they are neither expected nor counted missing; the explanation of each
 * anomaly (explain.c, later).
 */
#ifndef KAFKASIM_PIPELINE_CHECKER_H
#define KAFKASIM_PIPELINE_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checker.h"
#include "group_records.h"
#include "history.h"
#include "protocol.h"

/* The history's share, fed as the run goes (as checker_stream is): per input id, how often it
 * was processed and how often the sink applied it; the generations the group formed. Read the
 * fields through pipeline_checker_finish only. */
typedef struct pipeline_stream {
    uint8_t *processed;      /* per id: HIST_PROCESS records (saturating at 255) */
    uint8_t *applied;        /* per id: of them, with HIST_SINK_APPLIED (saturating) */
    size_t ids;              /* entries of both */
    uint64_t generations;    /* HIST_GROUP records entering CompletingRebalance with members */
    bool failed;             /* memory ran out: pipeline_checker_finish returns -1 */
} pipeline_stream;

void pipeline_stream_init(pipeline_stream *ps);
/* Reads n stored history records, in the order they were stored (HIST_PROCESS and HIST_GROUP
 * matter, every other kind is skipped). */
void pipeline_stream_feed(pipeline_stream *ps, const history_rec *recs, size_t n);
void pipeline_stream_fini(pipeline_stream *ps);

/* The pipeline anomalies, each with its output field. */
typedef enum pipeline_anomaly {
    PIPELINE_PROCESSED_TWICE = 0, /* processed_twice */
    PIPELINE_PROCESSED_NEVER,     /* processed_never */
    PIPELINE_OUTPUT_DUPLICATE,    /* output_duplicates */
    PIPELINE_OUTPUT_MISSING,      /* output_missing */
    PIPELINE_ANOMALY_COUNT
} pipeline_anomaly;

/* "processed_twice", ...: the output field of a kind. */
const char *pipeline_anomaly_field(pipeline_anomaly kind);

/* Called once per id with an anomaly of kind, in order of id and, per id, of kind: count is
 * what it adds to the field (1 for an id, the copies beyond the expected ones for an output
 * duplicate). */
typedef void (*pipeline_anomaly_fn)(void *ctx, pipeline_anomaly kind, uint32_t id,
                                    uint64_t count);

/* What the judge reads besides the history: the final logs and where the pipeline's topics
 * are. Everything is borrowed. */
typedef struct pipeline_input {
    const checker_log *logs;        /* every partition's final log, by g (all topics) */
    size_t log_count;               /* entries of logs */
    size_t input_partitions;        /* g 0 .. input_partitions - 1: the input (workload) topics */
    size_t output_first;            /* g of the output topic's first partition */
    size_t output_count;            /* its partitions, 0: no output ledger (all its fields 0) */
    int64_t offsets_partition;      /* g of the group's __consumer_offsets partition, -1 none
                                     * (no offset was ever committed) */
    const proto_payloads *payloads; /* record ids of data batches (not NULL) */
    const group_records *group_records; /* the records of __consumer_offsets batches, or NULL */
    bool read_committed;            /* the consumers' isolation.level */
    bool sink;                      /* an external sink exists (workload.sink != none): the sink
                                     * ledger is kept, else its fields stay 0 */
    pipeline_anomaly_fn visit;      /* optional: told of every anomaly counted */
    void *visit_ctx;                /* passed to visit */
} pipeline_input;

/* The committed offset of each input partition g < n into offsets[g] (-1: none), replayed from
 * in's __consumer_offsets log as the file comment says. Returns 0, or -1 when memory ran out. */
int pipeline_committed_offsets(const pipeline_input *in, int64_t *offsets, size_t n);

/* Fills the pipeline fields of out (consumers = 1, processed .. unconsumed) from ps and in.
 * Returns 0, or -1 when memory ran out (in ps or here); the other fields of out are left as
 * they were. Call after the ordinary checker has written out. */
int pipeline_checker_finish(pipeline_stream *ps, const pipeline_input *in, checker_result *out);

#endif
