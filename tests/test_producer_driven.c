/*
 * test_producer_driven.c: the producer in its driven mode (producer.h), the producer of a
 * consume-transform-produce instance, against the fake cluster of producer_cluster.h.
 *
 * Checks: it is node consumer-1.producer and sends nothing of its own; producer_drive_send
 * puts the given id into the given partition (HIST_SEND with its send number: a second send
 * of an id is send 1); on_send reports each record's offset or error once; flush() makes
 * every batch ready at once (linger.ms is not waited for) and on_flush comes, in an event of
 * its own, only when the last record sent has completed; a failed send (delivery.timeout.ms)
 * reaches on_send and is not sent again by the producer; a send that finds buffer.memory full
 * blocks until a completed batch frees it (on_unblocked), or for max.block.ms and then fails
 * with BUFFER_EXHAUSTED without being sent; a crash forgets what was pending.
 */
#include "producer_cluster.h"

#include "test.h"

typedef struct sent {
    uint32_t id;
    int partition;
    int error;
    int64_t offset;
} sent;

static struct {
    sent done[64];               /* on_send calls, in order */
    int done_n;
    int flushes;                 /* on_flush calls */
    int unblocked;               /* on_unblocked calls */
    bool inside;                 /* set while a test calls into the producer */
    bool called_inside;          /* on_flush / on_unblocked came from inside such a call */
} D;

static void on_send(void *ctx, uint32_t id, int partition, int error, int64_t offset) {
    (void)ctx;
    CHECK(D.done_n < 64);
    D.done[D.done_n++] = (sent){id, partition, error, offset};
}
static void on_flush(void *ctx) {
    (void)ctx;
    D.flushes++;
    if (D.inside) D.called_inside = true;
}
static void on_unblocked(void *ctx, int error) {
    (void)ctx;
    CHECK_EQ(error, 0); /* not transactional: send never throws */
    D.unblocked++;
    if (D.inside) D.called_inside = true;
}

static const producer_driver driver = {.on_send = on_send, .on_flush = on_flush,
                                       .on_unblocked = on_unblocked};

static void start(config *c, int partitions) {
    memset(&D, 0, sizeof D);
    pc_driver = &driver;
    pc_start(c, partitions, 2, 1);
    pc_driver = NULL;
}

static int sends_of(uint32_t id, int *last_send_no) {
    int n = 0;
    for (size_t i = 0; i < PC.hist.count; i++) {
        const history_rec *r = &PC.hist.recs[i];
        if (r->kind != HIST_SEND || r->node != node_consumer_producer(0)) continue;
        if (r->a > id || r->a + (r->c ? r->c : 1) <= id) continue;
        n++;
        if (last_send_no) *last_send_no = (int)r->b;
    }
    return n;
}

static bool drive_send(int g, uint32_t id) {
    D.inside = true;
    int got = producer_drive_send(&PC.prod, g, id);
    CHECK(got == PRODUCER_DRIVE_SENT || got == PRODUCER_DRIVE_BLOCKED);
    bool ok = got == PRODUCER_DRIVE_SENT;
    D.inside = false;
    return ok;
}

static bool drive_flush(void) {
    D.inside = true;
    bool ok = producer_drive_flush(&PC.prod);
    D.inside = false;
    return ok;
}

static void test_sends_and_flush(void) {
    config c;
    pc_config(&c);
    c.linger_ns = 1 * SIM_S;
    start(&c, 4);
    CHECK_EQ(PC.prod.node, node_consumer_producer(0));
    pc_run_until(100 * SIM_MS);
    CHECK_EQ(PC.count, 0); /* no workload of its own */
    CHECK(producer_done(&PC.prod));
    CHECK(drive_flush()); /* nothing sent: flush returns at once */
    CHECK(drive_send(3, 7));
    CHECK(drive_send(3, 2));
    CHECK(drive_send(1, 9));
    CHECK_EQ(producer_drive_pending(&PC.prod), 3);
    CHECK(!producer_done(&PC.prod));
    pc_run_until(200 * SIM_MS);
    CHECK_EQ(PC.count, 0); /* linger.ms holds the batches */
    CHECK(!drive_flush());
    CHECK_EQ(D.flushes, 0);
    pc_run_until(210 * SIM_MS);
    CHECK(PC.count >= 1); /* flush made them ready */
    int partitions[4] = {0};
    for (int k = 0; k < PC.count; k++)
        for (int j = 0; j < pc_batch_count(k); j++) {
            const proto_batch *b = &PC.req[k].batches[j];
            partitions[b->partition] += (int)b->record_count;
        }
    CHECK_EQ(partitions[3], 2);
    CHECK_EQ(partitions[1], 1);
    CHECK_EQ(sends_of(7, NULL), 1);
    /* Answer the requests one at a time: flush returns after the last. */
    int answered = 0;
    for (int k = 0; k < PC.count; k++) {
        pc_answer(k, ERR_NONE);
        pc_run_until(sim_now(&PC.world) + 10 * SIM_MS);
        answered++;
        if (answered < PC.count) CHECK_EQ(D.flushes, 0);
    }
    CHECK_EQ(D.flushes, 1);
    CHECK(!D.called_inside);
    CHECK_EQ(D.done_n, 3);
    for (int k = 0; k < D.done_n; k++) {
        CHECK_EQ(D.done[k].error, 0);
        if (D.done[k].id == 7) CHECK_EQ(D.done[k].offset, 0);
        if (D.done[k].id == 2) CHECK_EQ(D.done[k].offset, 1);
        if (D.done[k].id == 9) CHECK_EQ(D.done[k].partition, 1);
    }
    CHECK_EQ(producer_drive_pending(&PC.prod), 0);
    /* A second send of an id is its send 1; the linger wait is back once flush returned. */
    int count = PC.count;
    CHECK(drive_send(3, 7));
    int send_no = -1;
    CHECK_EQ(sends_of(7, &send_no), 2);
    CHECK_EQ(send_no, 1);
    pc_run_until(sim_now(&PC.world) + 100 * SIM_MS);
    CHECK_EQ(PC.count, count);
    pc_stop();
}

static void test_failed_send(void) {
    config c;
    pc_config(&c);
    c.delivery_timeout_ns = 2 * SIM_S;
    c.request_timeout_ns = 1 * SIM_S;
    c.resend_on_failure = true; /* the workload's key: the driven producer never resends */
    start(&c, 2);
    pc_run_until(50 * SIM_MS);
    CHECK(drive_send(0, 4));
    CHECK(!drive_flush());
    pc_run_until(10 * SIM_S); /* never answered: delivery.timeout.ms */
    CHECK_EQ(D.done_n, 1);
    CHECK_EQ(D.done[0].id, 4);
    CHECK(D.done[0].error != 0);
    CHECK_EQ(D.done[0].offset, -1);
    CHECK_EQ(D.flushes, 1);
    CHECK_EQ(sends_of(4, NULL), 1);
    CHECK(producer_done(&PC.prod));
    pc_stop();
}

static void test_buffer_full_and_crash(void) {
    config c;
    pc_config(&c);
    /* Room for one batch of one record and a little: the second send waits. */
    c.buffer_memory_bytes = PRODUCER_BATCH_OVERHEAD_BYTES + 100 + PRODUCER_RECORD_OVERHEAD_BYTES;
    c.max_block_ns = 500 * SIM_MS;
    start(&c, 2);
    pc_run_until(50 * SIM_MS);
    CHECK(drive_send(1, 1));
    CHECK(!drive_send(1, 2));
    CHECK_EQ(producer_drive_pending(&PC.prod), 2);
    CHECK_EQ(sends_of(2, NULL), 0);
    pc_run_until(100 * SIM_MS);
    CHECK_EQ(D.unblocked, 0);
    CHECK(PC.count >= 1);
    pc_answer(0, ERR_NONE);
    pc_run_until(200 * SIM_MS);
    CHECK_EQ(D.unblocked, 1);
    CHECK(!D.called_inside);
    CHECK_EQ(sends_of(2, NULL), 1);
    CHECK_EQ(producer_drive_pending(&PC.prod), 1);
    /* Blocked again, and nothing completes: after max.block.ms the send returns, its callback
     * with BUFFER_EXHAUSTED; the record was never sent. */
    int64_t blocked_at = sim_now(&PC.world);
    CHECK(!drive_send(0, 3));
    pc_run_until(blocked_at + 499 * SIM_MS);
    CHECK_EQ(D.unblocked, 1);
    pc_run_until(blocked_at + 501 * SIM_MS);
    CHECK_EQ(D.unblocked, 2);
    CHECK(D.done_n >= 1);
    CHECK_EQ(D.done[D.done_n - 1].id, 3);
    CHECK_EQ(D.done[D.done_n - 1].error, ERR_CLIENT_BUFFER_EXHAUSTED);
    CHECK_EQ(sends_of(3, NULL), 0);
    CHECK_EQ(producer_drive_pending(&PC.prod), 1);
    /* A crash: what was pending is nobody's now; the restarted producer starts empty. */
    producer_crash(&PC.prod);
    producer_restart(&PC.prod);
    CHECK_EQ(producer_drive_pending(&PC.prod), 0);
    CHECK(producer_done(&PC.prod));
    pc_run_until(1 * SIM_S);
    CHECK(drive_flush());
    CHECK_EQ(D.flushes, 0);
    pc_stop();
}

int main(void) {
    test_sends_and_flush();
    test_failed_send();
    test_buffer_full_and_crash();
    free(PC.req);
    return test_result("test_producer_driven");
}
