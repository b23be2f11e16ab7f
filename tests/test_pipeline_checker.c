/*
 * test_pipeline_checker.c: the judge of a consume-process-produce run on hand-made logs and
 * histories: the committed offsets replayed from a __consumer_offsets log (last by log position,
 * tombstones, transactional offsets with COMMIT, ABORT or no marker, a COMMIT older than a plain
 * commit by log position, records above the high watermark), the sink ledger (processed,
 * processed_twice, processed_never; none without a sink; the dedup sink), the output ledger read
 * read_committed (output_duplicates, output_missing; an aborted output transaction), the input
 * view at the consumers' isolation level, rebalances, reprocessed and unconsumed, the visitor,
 * the history fed in windows, and the ordinary checker passing over a pipeline's output sends.
 */
#include "checker.h"
#include "group_records.h"
#include "history.h"
#include "pipeline_checker.h"
#include "sim.h"
#include "test.h"

/* Partitions: 0 and 1 the input topic, 2 the output topic, 3 __consumer_offsets. */
#define FIX_INPUTS 2
#define FIX_OUTPUT 2
#define FIX_OFFSETS 3
#define FIX_PARTITIONS 4
#define FIX_BATCHES 64

typedef struct fixture {
    history h;
    proto_payloads p;
    group_records gr;
    proto_batch log[FIX_PARTITIONS][FIX_BATCHES];
    checker_log logs[FIX_PARTITIONS];
    int64_t leo[FIX_PARTITIONS];
    int64_t now_ns;
    uint32_t next_id;
    pipeline_input in;
} fixture;

static void fix_init(fixture *f) {
    memset(f, 0, sizeof *f);
    CHECK_EQ(history_init(&f->h, 16), 0);
    CHECK_EQ(proto_payloads_init(&f->p, 64), 0);
    group_records_init(&f->gr);
    for (int g = 0; g < FIX_PARTITIONS; g++)
        f->logs[g] = (checker_log){.log = f->log[g], .leader = 1};
    f->in = (pipeline_input){.logs = f->logs, .log_count = FIX_PARTITIONS,
                             .input_partitions = FIX_INPUTS, .output_first = FIX_OUTPUT,
                             .output_count = 1, .offsets_partition = FIX_OFFSETS,
                             .payloads = &f->p, .group_records = &f->gr,
                             .read_committed = false, .sink = true};
}

static void fix_fini(fixture *f) {
    history_fini(&f->h);
    proto_payloads_fini(&f->p);
    group_records_fini(&f->gr);
}

static int64_t fix_tick(fixture *f) {
    f->now_ns += SIM_MS;
    return f->now_ns;
}

/* Appends b to partition g at its log end, below the HW. */
static proto_batch *fix_append(fixture *f, int g, proto_batch b) {
    checker_log *lg = &f->logs[g];
    CHECK(lg->log_count < FIX_BATCHES);
    b.base_offset = f->leo[g];
    b.partition = (uint16_t)g;
    f->log[g][lg->log_count++] = b;
    f->leo[g] += b.record_count;
    lg->high_watermark = f->leo[g];
    return &f->log[g][lg->log_count - 1];
}

/* n new input records on input partition g (a workload producer's batch); the first id. */
static uint32_t fix_input(fixture *f, int g, uint32_t n) {
    uint32_t first = f->next_id;
    f->next_id += n;
    uint32_t payload = proto_payload_add_run(&f->p, first, n);
    fix_append(f, g, (proto_batch){.producer_id = PROTO_NO_PRODUCER_ID, .payload = payload,
                                   .record_count = n, .producer = (uint8_t)node_producer(0)});
    return first;
}

/* A transactional batch of pid on partition g with ids first .. first + n - 1. */
static void fix_txn_batch(fixture *f, int g, int64_t pid, uint32_t first, uint32_t n) {
    uint32_t payload = proto_payload_add_run(&f->p, first, n);
    fix_append(f, g, (proto_batch){.producer_id = pid, .payload = payload, .record_count = n,
                                   .producer_epoch = 0, .flags = PROTO_BATCH_TRANSACTIONAL,
                                   .producer = (uint8_t)node_consumer_producer(0)});
}

static void fix_marker(fixture *f, int g, int64_t pid, bool commit) {
    fix_append(f, g, (proto_batch){.producer_id = pid, .payload = 7, .record_count = 1,
                                   .base_sequence = -1,
                                   .flags = (uint8_t)(PROTO_BATCH_TRANSACTIONAL |
                                                      PROTO_BATCH_CONTROL |
                                                      (commit ? PROTO_BATCH_COMMIT : 0))});
}

/* The output of input ids first .. first + n - 1 (one output batch, not transactional). */
static void fix_output(fixture *f, uint32_t first, uint32_t n) {
    uint32_t payload = proto_payload_add_run(&f->p, first, n);
    fix_append(f, FIX_OUTPUT, (proto_batch){.producer_id = 1000, .payload = payload,
                                            .record_count = n,
                                            .producer = (uint8_t)node_consumer_producer(0)});
}

/* A batch of __consumer_offsets with one offset record of input partition g (offset -1: a
 * tombstone), plain (pid < 0) or in pid's transaction. */
static void fix_commit(fixture *f, int g, int64_t offset, int64_t pid) {
    group_record r = {.offset = offset, .generation = 1, .leader_epoch = -1, .member = 5,
                      .partition = (uint16_t)g, .kind = GROUP_RECORD_OFFSET};
    uint32_t at = group_records_add(&f->gr, &r, 1);
    CHECK(at != UINT32_MAX);
    fix_append(f, FIX_OFFSETS, (proto_batch){
        .producer_id = pid < 0 ? PROTO_NO_PRODUCER_ID : pid, .payload = at, .record_count = 1,
        .flags = pid < 0 ? 0 : PROTO_BATCH_TRANSACTIONAL});
}

/* consumer-(c+1) processed input id (of partition g at offset) n times, the sink doing `sink`. */
static void fix_process(fixture *f, int c, int g, uint32_t id, int sink) {
    history_process(&f->h, fix_tick(f), node_consumer(c), g, id, 0, 1, sink);
}

/* Every id first .. first + n - 1 processed once with the sink applied. */
static void fix_process_run(fixture *f, int g, uint32_t first, uint32_t n) {
    for (uint32_t k = 0; k < n; k++) fix_process(f, 0, g, first + k, HIST_SINK_APPLIED);
}

static void fix_generation(fixture *f, int32_t generation, int members) {
    history_group(&f->h, fix_tick(f), node_broker(1), FIX_OFFSETS, generation,
                  GROUP_PREPARING_REBALANCE, members, 0, 5);
    history_group(&f->h, fix_tick(f), node_broker(1), FIX_OFFSETS, generation,
                  GROUP_COMPLETING_REBALANCE, members, 0, 5);
    history_group(&f->h, fix_tick(f), node_broker(1), FIX_OFFSETS, generation, GROUP_STABLE,
                  members, 0, 5);
}

/* The verdict on the whole history at once. */
static checker_result fix_judge(fixture *f) {
    pipeline_stream ps;
    pipeline_stream_init(&ps);
    pipeline_stream_feed(&ps, f->h.recs, f->h.count);
    checker_result r;
    memset(&r, 0, sizeof r);
    CHECK_EQ(pipeline_checker_finish(&ps, &f->in, &r), 0);
    pipeline_stream_fini(&ps);
    return r;
}

/* Ten records over two partitions, each processed once, output once, committed to the end. */
static void fix_clean(fixture *f) {
    fix_generation(f, 1, 2);
    uint32_t a = fix_input(f, 0, 6), b = fix_input(f, 1, 4);
    fix_process_run(f, 0, a, 6);
    fix_process_run(f, 1, b, 4);
    fix_output(f, a, 6);
    fix_output(f, b, 4);
    fix_commit(f, 0, 6, -1);
    fix_commit(f, 1, 4, -1);
}

static void test_clean(void) {
    fixture f;
    fix_init(&f);
    fix_clean(&f);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.consumers, 1);
    CHECK_EQ(r.processed, 10);
    CHECK_EQ(r.processed_twice, 0);
    CHECK_EQ(r.processed_never, 0);
    CHECK_EQ(r.output_duplicates, 0);
    CHECK_EQ(r.output_missing, 0);
    CHECK_EQ(r.rebalances, 0);
    CHECK_EQ(r.reprocessed, 0);
    CHECK_EQ(r.unconsumed, 0);
    fix_fini(&f);
}

/* After a rebalance the successor resumes at the last commit: ids 2..5 of partition 0 are
 * processed (and output) again. */
static void test_duplicate_processing(void) {
    fixture f;
    fix_init(&f);
    fix_clean(&f);
    fix_generation(&f, 2, 1);
    for (uint32_t id = 2; id < 6; id++) fix_process(&f, 1, 0, id, HIST_SINK_APPLIED);
    fix_output(&f, 2, 4);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed, 10);
    CHECK_EQ(r.processed_twice, 4);
    CHECK_EQ(r.reprocessed, 4);
    CHECK_EQ(r.processed_never, 0);
    CHECK_EQ(r.output_duplicates, 4);
    CHECK_EQ(r.output_missing, 0);
    CHECK_EQ(r.rebalances, 1);
    fix_fini(&f);
}

/* The dedup sink skips the second application: no duplicate processing, still reprocessed
 * (and the output, which no table guards, twice). */
static void test_dedup_sink(void) {
    fixture f;
    fix_init(&f);
    fix_clean(&f);
    for (uint32_t id = 2; id < 6; id++) fix_process(&f, 1, 0, id, HIST_SINK_SKIPPED);
    fix_output(&f, 2, 4);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed, 10);
    CHECK_EQ(r.processed_twice, 0);
    CHECK_EQ(r.reprocessed, 4);
    CHECK_EQ(r.output_duplicates, 4);
    fix_fini(&f);
}

/* Commit before processing, a crash mid-batch: the offsets say 6 and 4, ids 3..5 and 8..9 never
 * ran. */
static void test_lost_processing(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 6), b = fix_input(&f, 1, 4);
    fix_commit(&f, 0, 6, -1);
    fix_commit(&f, 1, 4, -1);
    fix_process_run(&f, 0, a, 3);
    fix_process_run(&f, 1, b, 2);
    fix_output(&f, a, 3);
    fix_output(&f, b, 2);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed, 5);
    CHECK_EQ(r.processed_never, 5);
    CHECK_EQ(r.output_missing, 5);
    CHECK_EQ(r.processed_twice, 0);
    CHECK_EQ(r.unconsumed, 0);
    fix_fini(&f);
}

/* Records beyond the committed offset were never committed as consumed: not lost, unconsumed;
 * a partition without any commit is all unconsumed. */
static void test_unconsumed(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 6);
    fix_input(&f, 1, 4);
    fix_commit(&f, 0, 2, -1);
    fix_process_run(&f, 0, a, 2);
    fix_output(&f, a, 2);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed_never, 0);
    CHECK_EQ(r.output_missing, 0);
    CHECK_EQ(r.unconsumed, 8);
    CHECK_EQ(r.processed, 2);
    fix_fini(&f);
}

/* workload.sink=none: the sink ledger stays 0, the output ledger is still kept; without an
 * output topic its fields stay 0 too. */
static void test_no_sink(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 4);
    fix_commit(&f, 0, 4, -1);
    fix_process(&f, 0, 0, a, HIST_SINK_NONE);
    fix_process(&f, 0, 0, a, HIST_SINK_NONE);
    fix_output(&f, a, 1);
    fix_output(&f, a, 1);
    f.in.sink = false;
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed, 0);
    CHECK_EQ(r.processed_twice, 0);
    CHECK_EQ(r.processed_never, 0);
    CHECK_EQ(r.output_duplicates, 1);
    CHECK_EQ(r.output_missing, 3);
    CHECK_EQ(r.reprocessed, 1);
    f.in.output_count = 0;
    r = fix_judge(&f);
    CHECK_EQ(r.output_duplicates, 0);
    CHECK_EQ(r.output_missing, 0);
    fix_fini(&f);
}

static int64_t fix_committed(fixture *f, int g) {
    int64_t offsets[FIX_INPUTS];
    CHECK_EQ(pipeline_committed_offsets(&f->in, offsets, FIX_INPUTS), 0);
    return offsets[g];
}

/* The last record by log position wins, a smaller offset included (no max); a tombstone
 * removes; what lies at or above the offsets log's HW is not read. */
static void test_offsets_plain(void) {
    fixture f;
    fix_init(&f);
    CHECK_EQ(fix_committed(&f, 0), -1);
    fix_commit(&f, 0, 9, -1);
    fix_commit(&f, 1, 3, -1);
    fix_commit(&f, 0, 5, -1);
    CHECK_EQ(fix_committed(&f, 0), 5);
    CHECK_EQ(fix_committed(&f, 1), 3);
    fix_commit(&f, 1, -1, -1);
    CHECK_EQ(fix_committed(&f, 1), -1);
    fix_commit(&f, 0, 12, -1);
    f.logs[FIX_OFFSETS].high_watermark -= 1;
    CHECK_EQ(fix_committed(&f, 0), 5);
    f.in.offsets_partition = -1;
    CHECK_EQ(fix_committed(&f, 0), -1);
    fix_fini(&f);
}

/* Transactional offsets: pending without a marker, dropped by ABORT, loaded by COMMIT unless a
 * plain commit was appended after them (olderThan by batch offset); a transactional tombstone
 * takes the pending record back. */
static void test_offsets_transactional(void) {
    fixture f;
    fix_init(&f);
    fix_commit(&f, 0, 2, -1);
    fix_commit(&f, 0, 8, 77);
    CHECK_EQ(fix_committed(&f, 0), 2);
    fix_marker(&f, FIX_OFFSETS, 77, false);
    CHECK_EQ(fix_committed(&f, 0), 2);
    fix_commit(&f, 0, 9, 78);
    fix_marker(&f, FIX_OFFSETS, 78, true);
    CHECK_EQ(fix_committed(&f, 0), 9);
    /* pid 79 writes 15, then a plain commit of 11 lands before 79's COMMIT: 11 stays. */
    fix_commit(&f, 0, 15, 79);
    fix_commit(&f, 0, 11, -1);
    fix_marker(&f, FIX_OFFSETS, 79, true);
    CHECK_EQ(fix_committed(&f, 0), 11);
    /* A COMMIT of an id with nothing pending changes nothing; a tombstone inside a transaction
     * takes its pending record back. */
    fix_marker(&f, FIX_OFFSETS, 80, true);
    fix_commit(&f, 1, 4, 81);
    fix_commit(&f, 1, -1, 81);
    fix_marker(&f, FIX_OFFSETS, 81, true);
    CHECK_EQ(fix_committed(&f, 1), -1);
    CHECK_EQ(fix_committed(&f, 0), 11);
    fix_fini(&f);
}

/* The output is read read_committed: an aborted output transaction's copies do not count, nor
 * an open one's; the committed one does. */
static void test_output_read_committed(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 4);
    fix_commit(&f, 0, 4, -1);
    fix_process_run(&f, 0, a, 4);
    fix_txn_batch(&f, FIX_OUTPUT, 500, a, 4);
    fix_marker(&f, FIX_OUTPUT, 500, false);
    fix_txn_batch(&f, FIX_OUTPUT, 501, a, 2);
    fix_marker(&f, FIX_OUTPUT, 501, true);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.output_duplicates, 0);
    CHECK_EQ(r.output_missing, 2);
    fix_txn_batch(&f, FIX_OUTPUT, 502, a + 2, 2); /* open: above the LSO */
    r = fix_judge(&f);
    CHECK_EQ(r.output_missing, 2);
    fix_marker(&f, FIX_OUTPUT, 502, true);
    r = fix_judge(&f);
    CHECK_EQ(r.output_missing, 0);
    CHECK_EQ(r.output_duplicates, 0);
    fix_fini(&f);
}

/* The input is read at the consumers' level: an aborted input transaction is not expected at
 * read_committed, and is at read_uncommitted. */
static void test_input_isolation(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 2);
    uint32_t first = f.next_id;
    f.next_id += 3;
    fix_txn_batch(&f, 0, 900, first, 3);
    fix_marker(&f, 0, 900, false);
    fix_commit(&f, 0, f.leo[0], -1);
    fix_process_run(&f, 0, a, 2);
    fix_output(&f, a, 2);
    f.in.read_committed = true;
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed_never, 0);
    CHECK_EQ(r.output_missing, 0);
    f.in.read_committed = false;
    r = fix_judge(&f);
    CHECK_EQ(r.processed_never, 3);
    CHECK_EQ(r.output_missing, 3);
    fix_fini(&f);
}

/* An input id the producer wrote twice is expected twice: two applications are no duplicate,
 * three are. */
static void test_input_copies(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 1);
    uint32_t payload = proto_payload_add_run(&f.p, a, 1);
    fix_append(&f, 0, (proto_batch){.producer_id = PROTO_NO_PRODUCER_ID, .payload = payload,
                                    .record_count = 1});
    fix_commit(&f, 0, 2, -1);
    fix_process(&f, 0, 0, a, HIST_SINK_APPLIED);
    fix_process(&f, 0, 0, a, HIST_SINK_APPLIED);
    fix_output(&f, a, 1);
    fix_output(&f, a, 1);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed_twice, 0);
    CHECK_EQ(r.output_duplicates, 0);
    fix_process(&f, 0, 0, a, HIST_SINK_APPLIED);
    fix_output(&f, a, 1);
    r = fix_judge(&f);
    CHECK_EQ(r.processed_twice, 1);
    CHECK_EQ(r.output_duplicates, 1);
    fix_fini(&f);
}

/* Generations formed with members count; an empty group's forms none. */
static void test_rebalances(void) {
    fixture f;
    fix_init(&f);
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.rebalances, 0);
    fix_generation(&f, 1, 1);
    fix_generation(&f, 2, 2);
    fix_generation(&f, 3, 0);
    fix_generation(&f, 4, 1);
    r = fix_judge(&f);
    CHECK_EQ(r.rebalances, 2);
    fix_fini(&f);
}

typedef struct fix_told {
    uint64_t count[PIPELINE_ANOMALY_COUNT];
    uint32_t last_id[PIPELINE_ANOMALY_COUNT];
} fix_told;

static void fix_visit(void *ctx, pipeline_anomaly kind, uint32_t id, uint64_t count) {
    fix_told *t = ctx;
    t->count[kind] += count;
    t->last_id[kind] = id;
}

/* The visitor hears what the fields count, by id. */
static void test_visitor(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 5);
    fix_commit(&f, 0, 5, -1);
    fix_process_run(&f, 0, a, 4);
    fix_process(&f, 0, 0, a + 1, HIST_SINK_APPLIED);
    fix_output(&f, a, 3);
    fix_output(&f, a + 2, 1);
    fix_output(&f, a + 2, 1);
    fix_told told;
    memset(&told, 0, sizeof told);
    f.in.visit = fix_visit;
    f.in.visit_ctx = &told;
    checker_result r = fix_judge(&f);
    CHECK_EQ(r.processed_twice, 1);
    CHECK_EQ(r.processed_never, 1);
    CHECK_EQ(r.output_duplicates, 2);
    CHECK_EQ(r.output_missing, 2);
    CHECK_EQ(told.count[PIPELINE_PROCESSED_TWICE], 1);
    CHECK_EQ(told.last_id[PIPELINE_PROCESSED_TWICE], a + 1);
    CHECK_EQ(told.count[PIPELINE_PROCESSED_NEVER], 1);
    CHECK_EQ(told.last_id[PIPELINE_PROCESSED_NEVER], a + 4);
    CHECK_EQ(told.count[PIPELINE_OUTPUT_DUPLICATE], 2);
    CHECK_EQ(told.last_id[PIPELINE_OUTPUT_DUPLICATE], a + 2);
    CHECK_EQ(told.count[PIPELINE_OUTPUT_MISSING], 2);
    CHECK_EQ(told.last_id[PIPELINE_OUTPUT_MISSING], a + 4);
    CHECK_STR(pipeline_anomaly_field(PIPELINE_OUTPUT_MISSING), "output_missing");
    fix_fini(&f);
}

/* Fed a record at a time, the stream gives the verdict of the whole history. */
static void test_windows(void) {
    fixture f;
    fix_init(&f);
    fix_clean(&f);
    fix_generation(&f, 2, 1);
    for (uint32_t id = 0; id < 3; id++) fix_process(&f, 1, 0, id, HIST_SINK_APPLIED);
    checker_result whole = fix_judge(&f);
    pipeline_stream ps;
    pipeline_stream_init(&ps);
    for (size_t i = 0; i < f.h.count; i++) pipeline_stream_feed(&ps, &f.h.recs[i], 1);
    checker_result r;
    memset(&r, 0, sizeof r);
    CHECK_EQ(pipeline_checker_finish(&ps, &f.in, &r), 0);
    pipeline_stream_fini(&ps);
    CHECK_EQ(r.processed_twice, 3);
    CHECK_EQ(memcmp(&r, &whole, sizeof r), 0);
    fix_fini(&f);
}

/* The ordinary checker judges the workload's sends only: a pipeline's output sends and their
 * callbacks (consumer-1.producer, input ids) are neither sends nor acknowledgements of it. */
static void test_checker_skips_outputs(void) {
    fixture f;
    fix_init(&f);
    uint32_t a = fix_input(&f, 0, 4);
    node_id wp = node_producer(0), cp = node_consumer_producer(0);
    history_send_partition_run(&f.h, fix_tick(&f), wp, 0, a, 4, 0);
    history_callback_partition_run(&f.h, fix_tick(&f), wp, 0, a, 4, 0, ERR_NONE, 0);
    history_send_partition_run(&f.h, fix_tick(&f), cp, FIX_OUTPUT, a, 4, 0);
    history_callback_partition_run(&f.h, fix_tick(&f), cp, FIX_OUTPUT, a, 4, 0, ERR_NONE, 0);
    history_send_partition_run(&f.h, fix_tick(&f), cp, FIX_OUTPUT, a + 10, 2, 0);
    history_callback_partition_run(&f.h, fix_tick(&f), cp, FIX_OUTPUT, a + 10, 2, 0, ERR_NONE, 0);
    checker_input ci = {.history = &f.h, .payloads = &f.p, .records = 4, .partitions = f.logs,
                        .partition_count = FIX_INPUTS};
    checker_result r;
    CHECK_EQ(checker_run(&ci, &r), 0);
    CHECK_EQ(r.sends, 4);
    CHECK_EQ(r.acked, 4);
    CHECK_EQ(r.lost_acked, 0);
    CHECK_EQ(r.committed, 4);
    CHECK_EQ(r.unexpected, 0);
    CHECK_EQ(r.consumers, 0);
    fix_fini(&f);
}

int main(void) {
    test_clean();
    test_duplicate_processing();
    test_dedup_sink();
    test_lost_processing();
    test_unconsumed();
    test_no_sink();
    test_offsets_plain();
    test_offsets_transactional();
    test_output_read_committed();
    test_input_isolation();
    test_input_copies();
    test_rebalances();
    test_visitor();
    test_windows();
    test_checker_skips_outputs();
    return test_result("test_pipeline_checker");
}
