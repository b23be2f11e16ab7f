/*
 * test_producer_partitions.c: the producer over many partitions (txn-consumer-semantics.md
 * 1.1, 1.2), against the fake cluster of producer_cluster.h.
 *
 * Checks: Metadata lists every partition (in pages past PROTO_METADATA_PARTITIONS_MAX); keyed
 * records go to toPositive(murmur2("key-<k>")) mod P; a ProduceRequest carries batches of
 * several partitions led by its broker, at most one per partition, and its broker's requests
 * stay within max.in.flight.requests.per.connection; the drain index rotates the partition a
 * drain starts at; null keys follow the version's partitioner (round robin at 2.3, a switch
 * per new batch at 2.4, after batch.size bytes at 3.3); a request timeout fails every
 * partition's batches on that connection together; responses answer each partition.
 */
#include "producer_cluster.h"

#include "test.h"

/* Partition of each record id in the kept requests, -1 where none was seen. */
static void partitions_of_records(int *part, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) part[i] = -1;
    for (int k = 0; k < PC.count; k++)
        for (int j = 0; j < pc_batch_count(k); j++) {
            const proto_batch *b = &PC.req[k].batches[j];
            proto_ids ids = proto_payload_ids(&PC.payloads, b->payload);
            for (uint32_t x = 0; x < ids.n; x++) {
                uint32_t id = proto_ids_at(&ids, x);
                if (id < n) part[id] = b->partition;
            }
        }
}

static void answer_all_until_done(void) {
    for (int rounds = 0; rounds < 200 && !producer_done(&PC.prod); rounds++) {
        int upto = PC.count;
        for (int k = 0; k < upto; k++) {
            if (PC.req[k].at_ns < 0) continue;
            pc_answer(k, ERR_NONE);
            PC.req[k].at_ns = -1; /* answered */
        }
        pc_run_until(sim_now(&PC.world) + 10 * SIM_MS);
    }
}

static void test_metadata_pages(void) {
    config c;
    pc_config(&c);
    c.records = 0;
    pc_start(&c, 24, 3, 1);
    pc_run_until(50 * SIM_MS);
    CHECK_EQ(PC.metadata_count, 1);
    for (int g = 0; g < 24; g++) CHECK_EQ(PC.prod.partitions[g].leader, 1 + g % 3);
    /* The drain's view: broker 2 leads 1, 4, 7, ... in g order. */
    int from = PC.prod.by_leader_first[2];
    CHECK_EQ(PC.prod.by_leader_first[3] - from, 8);
    for (int k = 0; k < 8; k++) CHECK_EQ(PC.prod.by_leader[from + k], 1 + 3 * k);
    pc_stop();

    pc_start(&c, 400, 3, 1);
    pc_run_until(50 * SIM_MS);
    CHECK_EQ(PC.metadata_count, 3); /* 192 + 192 + 16 */
    CHECK_EQ(PC.prod.partitions[399].leader, 1 + 399 % 3);
    CHECK_EQ(PC.prod.metadata_needed, 0);
    pc_stop();
}

static void test_keyed_multi_partition_requests(void) {
    config c;
    pc_config(&c);
    c.keys = 20;
    c.records = 240;
    c.max_in_flight = 5;
    pc_start(&c, 6, 1, 1); /* six partitions, all led by broker 1 */
    pc_run_until(20 * SIM_MS);
    /* Five requests in flight to the one broker, no more, until answers come. */
    CHECK_EQ(PC.count, 5);
    CHECK_EQ(PC.prod.conns[1].count, 5);
    int multi = 0;
    for (int k = 0; k < PC.count; k++) {
        int n = pc_batch_count(k);
        multi += n > 1;
        CHECK(n <= 6);
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
                CHECK(PC.req[k].batches[a].partition != PC.req[k].batches[b].partition);
    }
    CHECK(multi >= 4);
    CHECK_EQ(PC.prod.multi_partition_requests, (uint64_t)multi);
    answer_all_until_done();
    CHECK(producer_done(&PC.prod));
    CHECK_EQ(PC.prod.acked, 240);
    /* Every record went to its key's hash partition. */
    int part[240];
    partitions_of_records(part, 240);
    for (uint32_t id = 0; id < 240; id++)
        CHECK_EQ(part[id], partitioner_partition_for_key(id % 20, 6));
    pc_stop();
}

static void test_drain_index_rotates(void) {
    config c;
    pc_config(&c);
    c.keys = 40;
    c.records = 400;
    c.max_in_flight = 1;
    c.batch_bytes = PRODUCER_BATCH_OVERHEAD_BYTES + 1 * (100 + PRODUCER_RECORD_OVERHEAD_BYTES);
    pc_start(&c, 8, 1, 1);
    /* One record per batch, one request at a time: up to the request cap, a request takes
     * one batch per partition starting where the last drain stopped. */
    for (int round = 0; round < 6; round++) {
        pc_run_until(sim_now(&PC.world) + 5 * SIM_MS);
        CHECK_EQ(PC.count, round + 1);
        CHECK_EQ(pc_batch_count(round), 8);
        if (round > 0)
            CHECK_EQ(PC.req[round].batches[0].partition,
                     PC.req[round - 1].batches[7].partition);
        pc_answer(round, ERR_NONE);
    }
    pc_stop();
}

/* Records 0 .. n-1 of a null-key run at version v over 4 partitions: their partitions. */
static void null_key_run(int version, int *part, uint32_t n) {
    config c;
    pc_config(&c);
    c.kafka_version = version;
    c.records = n;
    c.linger_ns = 1000 * SIM_MS; /* batches fill: the switch points are the partitioner's */
    pc_start(&c, 4, 1, 7);
    pc_run_until(5 * SIM_S);
    partitions_of_records(part, n);
    pc_stop();
}

static void test_null_key_partitioners(void) {
    int part[64];
    /* 2.3: round robin, one record to each partition in turn. */
    null_key_run(20300, part, 64);
    for (int i = 1; i < 64; i++) CHECK_EQ(part[i], (part[i - 1] + 1) % 4);
    /* 2.4: sticky, a new partition at each new batch (4 records), never the same twice. */
    null_key_run(20400, part, 64);
    for (int i = 1; i < 64; i++) {
        if (i % 4 != 0) CHECK_EQ(part[i], part[i - 1]);
        else CHECK(part[i] != part[i - 1]);
    }
    /* 3.3: uniform sticky, a switch once batch.size bytes went to the partition: the batch of
     * 4 records (61 + 4 x 108 bytes) reaches it exactly, then the next record moves on
     * (adaptive stats are off until every partition had a batch). */
    null_key_run(30300, part, 64);
    int switches = 0;
    for (int i = 1; i < 64; i++) {
        if (part[i] != part[i - 1]) {
            switches++;
            CHECK_EQ(i % 4, 0);
        }
    }
    CHECK(switches >= 8);
    for (int i = 0; i < 64; i++) CHECK(part[i] >= 0);
}

static void test_request_timeout_fails_every_partition(void) {
    config c;
    pc_config(&c);
    c.keys = 12;
    c.records = 24;
    c.request_timeout_ns = 2 * SIM_S;
    pc_start(&c, 4, 1, 1);
    pc_run_until(10 * SIM_MS);
    int sent = PC.count, batches = 0;
    for (int k = 0; k < sent; k++) batches += pc_batch_count(k);
    CHECK(sent >= 1);
    CHECK(pc_batch_count(0) > 1);
    /* Nothing answered: the connection closes at the timeout and every batch of every
     * partition on it is retried. */
    pc_run_until(2200 * SIM_MS);
    int retries = 0;
    for (size_t i = 0; i < PC.hist.count; i++) retries += PC.hist.recs[i].kind == HIST_RETRY;
    CHECK_EQ(retries, batches);
    CHECK(PC.count > sent);
    answer_all_until_done();
    CHECK_EQ(PC.prod.acked, 24);
    pc_stop();
}

int main(void) {
    test_metadata_pages();
    test_keyed_multi_partition_requests();
    test_drain_index_rotates();
    test_null_key_partitioners();
    test_request_timeout_fails_every_partition();
    free(PC.req);
    return test_result("test_producer_partitions");
}
