/*
 * test_broker_consumer.c: a leader's answers to consumers (issue 19) on brokers 1..3 and the
 * controller, driven by a fake consumer endpoint (consumer-1's node) that sends crafted Fetch
 * (replica_id -1) and ListOffsets requests and keeps what the answers carry.
 *
 * Checks: read_uncommitted reads below the high watermark only, and a fetch with nothing
 * readable waits (DelayedFetch) until the HW moves or fetch.max.wait.ms passes; a follower
 * answers NOT_LEADER_OR_FOLLOWER, an offset past the log end is OFFSET_OUT_OF_RANGE, a stale
 * leader epoch FENCED_LEADER_EPOCH; read_committed reads below the last stable offset and gets
 * the aborted transactions of its range; ListOffsets answers the log start, the HW or the LSO.
 * Invariants of every broker are checked after every event.
 */
#include "cluster_harness.h"

#define PID 2000000
#define CONSUMER node_consumer(0)
#define MAX_SEEN 64

typedef struct seen_fetch {
    proto_msg msg;
    int64_t at_ns;
    proto_batch batches[PROTO_FETCH_BATCHES_MAX];
    proto_aborted_txn aborted[PROTO_OUTLINE_BYTES_MAX / sizeof(proto_aborted_txn)];
} seen_fetch;

static seen_fetch seen[MAX_SEEN];
static int seen_count;

static void on_consumer(void *ctx, const proto_msg *m) {
    harness *h = ctx;
    if (seen_count == MAX_SEEN) return;
    seen_fetch *s = &seen[seen_count++];
    s->msg = *m;
    s->at_ns = sim_now(&h->world);
    if (m->api == API_FETCH && m->is_response) {
        const proto_fetch_response *f = &m->u.fetch_response;
        if (f->batch_count) memcpy(s->batches, f->batches, f->batch_count * sizeof(proto_batch));
        if (f->aborted_count)
            memcpy(s->aborted, proto_fetch_aborted(f), f->aborted_count * sizeof(proto_aborted_txn));
    }
}

static void consumer_harness_init(harness *h) {
    h->cfg.fetch_min_bytes = 1;
    harness_init(h);
    seen_count = 0;
    net_listen(&h->net, CONSUMER, on_consumer, h);
}

/* Plans a request from the consumer at t; returns its correlation id. */
static uint32_t consumer_send_at(harness *h, int64_t t, int broker_id, proto_msg m) {
    uint32_t corr = send_at(h, t, broker_id, m);
    h->planned[h->planned_count - 1].from = CONSUMER;
    return corr;
}

static proto_msg fetch(int64_t offset, int isolation, int64_t max_wait_ns, int32_t epoch) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FETCH;
    m.u.fetch.fetch_offset = offset;
    m.u.fetch.max_wait_ns = max_wait_ns;
    m.u.fetch.last_fetched_epoch = LOG_NO_EPOCH;
    m.u.fetch.current_leader_epoch = epoch;
    m.u.fetch.replica_id = PROTO_CONSUMER_REPLICA_ID;
    m.u.fetch.isolation = (uint8_t)isolation;
    return m;
}

static proto_msg list_offsets(int64_t timestamp, int isolation) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_LIST_OFFSETS;
    m.u.list_offsets.timestamp = timestamp;
    m.u.list_offsets.isolation = (uint8_t)isolation;
    return m;
}

static const seen_fetch *answer(uint32_t correlation) {
    for (int i = 0; i < seen_count; i++)
        if (seen[i].msg.correlation_id == correlation) return &seen[i];
    return NULL;
}

static proto_msg txn_produce(int64_t pid, int16_t epoch, int32_t seq, uint32_t payload) {
    proto_msg m = produce(-1, pid, seq, payload);
    m.u.produce.batch.producer_epoch = epoch;
    m.u.produce.batch.flags = PROTO_BATCH_TRANSACTIONAL;
    return m;
}

static const uint16_t partition0[] = {0};

static proto_msg abort_marker(int64_t pid) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_WRITE_TXN_MARKERS;
    m.u.write_txn_markers.producer_id = pid;
    m.u.write_txn_markers.producer_epoch = 0;
    m.u.write_txn_markers.coordinator_epoch = 0;
    m.u.write_txn_markers.commit = false;
    m.u.write_txn_markers.partition_count = 1;
    m.u.write_txn_markers.partitions = partition0;
    return m;
}

/* read_uncommitted: a fetch before any data waits for the HW, not the append; then the batches
 * below the HW; a fetch at the end waits fetch.max.wait.ms and comes back empty. */
static void test_read_uncommitted_waits_for_hw(void) {
    harness h = {0};
    config_base(&h.cfg);
    consumer_harness_init(&h);
    uint32_t early = consumer_send_at(&h, 50 * SIM_MS, 1, fetch(0, CONFIG_READ_UNCOMMITTED,
                                                                500 * SIM_MS, -1));
    uint32_t p1 = send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));
    run_until(&h, 2 * SIM_S);
    int64_t acked_ns = 0, fetched_ns = 0;
    const proto_msg *ack = response(&h, p1, &acked_ns);
    CHECK(ack && ack->u.produce_response.error == ERR_NONE);
    const seen_fetch *f = answer(early);
    CHECK(f != NULL);
    fetched_ns = f->at_ns;
    /* Not at the append (100 ms + latency): once a follower fetched it and the HW moved. */
    int64_t hw_ns = history_first(&h, HIST_HW, node_broker(1), 0, true, 0);
    CHECK(hw_ns > 101 * SIM_MS);
    CHECK(fetched_ns >= hw_ns && fetched_ns < 550 * SIM_MS);
    CHECK_EQ(f->msg.u.fetch_response.error, ERR_NONE);
    CHECK_EQ(f->msg.u.fetch_response.batch_count, 1);
    CHECK_EQ(f->batches[0].base_offset, 0);
    CHECK_EQ(f->batches[0].payload, 1);
    CHECK_EQ(f->msg.u.fetch_response.high_watermark, 1);
    /* At the log end: the wait runs out, nothing comes. */
    uint32_t end = consumer_send_at(&h, 3 * SIM_S, 1, fetch(1, CONFIG_READ_UNCOMMITTED,
                                                            500 * SIM_MS, -1));
    run_until(&h, 4 * SIM_S);
    f = answer(end);
    CHECK(f && f->msg.u.fetch_response.error == ERR_NONE);
    CHECK_EQ(f->msg.u.fetch_response.batch_count, 0);
    CHECK(f->at_ns >= 3 * SIM_S + 500 * SIM_MS && f->at_ns < 3 * SIM_S + 510 * SIM_MS);
    harness_fini(&h);
}

/* Records above the HW are not returned: with the followers cut off, acks=1 records stay on
 * the leader alone, a fetch waits out fetch.max.wait.ms and comes back with what is below the
 * HW only. */
static void test_read_uncommitted_stops_at_hw(void) {
    harness h = {0};
    config_base(&h.cfg);
    consumer_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(1, -1, 0, 1));
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(hw(&h, 1), 1);
    net_cut(&h.net, node_broker(2), node_broker(1), true);
    net_cut(&h.net, node_broker(3), node_broker(1), true);
    send_at(&h, 1100 * SIM_MS, 1, produce(1, -1, 0, 2));
    uint32_t corr = consumer_send_at(&h, 1200 * SIM_MS, 1,
                                     fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, -1));
    run_until(&h, 1250 * SIM_MS);
    CHECK_EQ(leo(&h, 1), 2);
    CHECK_EQ(hw(&h, 1), 1);
    const seen_fetch *f = answer(corr);
    CHECK(f && f->msg.u.fetch_response.batch_count == 1); /* readable at once: offset 0 */
    CHECK_EQ(f->batches[0].payload, 1);
    uint32_t above = consumer_send_at(&h, 1300 * SIM_MS, 1,
                                      fetch(1, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, -1));
    run_until(&h, 2 * SIM_S);
    f = answer(above);
    CHECK(f && f->msg.u.fetch_response.batch_count == 0);
    CHECK(f->at_ns >= 1800 * SIM_MS);
    harness_fini(&h);
}

/* Errors: a follower, an offset past the log end, a leader epoch the leader does not know
 * yet. */
static void test_errors(void) {
    harness h = {0};
    config_base(&h.cfg);
    consumer_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));
    run_until(&h, 400 * SIM_MS);
    uint32_t follower = consumer_send_at(&h, 500 * SIM_MS, 2,
                                         fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, -1));
    uint32_t beyond = consumer_send_at(&h, 500 * SIM_MS, 1,
                                       fetch(5, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, -1));
    int32_t epoch = h.brokers[1].partitions[0].leader_epoch;
    uint32_t newer = consumer_send_at(&h, 500 * SIM_MS, 1,
                                      fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, epoch + 1));
    uint32_t list_follower = consumer_send_at(&h, 500 * SIM_MS, 3,
                                              list_offsets(PROTO_LIST_LATEST, 0));
    run_until(&h, 1 * SIM_S);
    CHECK(epoch >= 0);
    CHECK_EQ(answer(follower)->msg.u.fetch_response.error, ERR_NOT_LEADER_OR_FOLLOWER);
    CHECK_EQ(answer(beyond)->msg.u.fetch_response.error, ERR_OFFSET_OUT_OF_RANGE);
    CHECK_EQ(answer(newer)->msg.u.fetch_response.error, ERR_UNKNOWN_LEADER_EPOCH);
    CHECK_EQ(answer(list_follower)->msg.u.list_offsets_response.error, ERR_NOT_LEADER_OR_FOLLOWER);
    harness_fini(&h);
}

/* read_committed: below the LSO only while a transaction is open; after its abort the range
 * and the aborted transaction (producer id, first offset) for the consumer to drop; ListOffsets
 * latest is the HW or the LSO by isolation. */
static void test_read_committed(void) {
    harness h = {0};
    config_base(&h.cfg);
    consumer_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));          /* 0 */
    send_at(&h, 200 * SIM_MS, 1, txn_produce(PID, 0, 0, 2));      /* 1: opens */
    send_at(&h, 200 * SIM_MS, 1, txn_produce(PID, 0, 1, 3));      /* 2 */
    uint32_t open = consumer_send_at(&h, 600 * SIM_MS, 1,
                                     fetch(0, CONFIG_READ_COMMITTED, 500 * SIM_MS, -1));
    uint32_t open_ru = consumer_send_at(&h, 600 * SIM_MS, 1,
                                        fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, -1));
    uint32_t latest_rc = consumer_send_at(&h, 600 * SIM_MS, 1,
                                          list_offsets(PROTO_LIST_LATEST, CONFIG_READ_COMMITTED));
    uint32_t latest_ru = consumer_send_at(&h, 600 * SIM_MS, 1,
                                          list_offsets(PROTO_LIST_LATEST, CONFIG_READ_UNCOMMITTED));
    uint32_t earliest = consumer_send_at(&h, 600 * SIM_MS, 1, list_offsets(PROTO_LIST_EARLIEST, 1));
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(hw(&h, 1), 3);
    const seen_fetch *f = answer(open);
    CHECK(f && f->msg.u.fetch_response.error == ERR_NONE);
    CHECK_EQ(f->msg.u.fetch_response.last_stable_offset, 1);
    CHECK_EQ(f->msg.u.fetch_response.batch_count, 1); /* offset 0 only */
    CHECK_EQ(f->msg.u.fetch_response.aborted_count, 0);
    f = answer(open_ru);
    CHECK(f && f->msg.u.fetch_response.batch_count == 3);
    CHECK_EQ(answer(latest_rc)->msg.u.list_offsets_response.offset, 1);
    CHECK_EQ(answer(latest_ru)->msg.u.list_offsets_response.offset, 3);
    CHECK_EQ(answer(earliest)->msg.u.list_offsets_response.offset, 0);
    /* A read_committed fetch from the LSO waits: the abort marker lets it go. */
    uint32_t waiting = consumer_send_at(&h, 1100 * SIM_MS, 1,
                                        fetch(1, CONFIG_READ_COMMITTED, 5 * SIM_S, -1));
    send_at(&h, 1500 * SIM_MS, 1, abort_marker(PID));              /* 3 */
    send_at(&h, 1600 * SIM_MS, 1, produce(-1, -1, 0, 4));          /* 4 */
    run_until(&h, 3 * SIM_S);
    f = answer(waiting);
    CHECK(f && f->msg.u.fetch_response.error == ERR_NONE);
    CHECK(f->at_ns > 1500 * SIM_MS && f->at_ns < 1600 * SIM_MS);
    CHECK_EQ(f->msg.u.fetch_response.batch_count, 3); /* 1, 2 and the marker */
    CHECK_EQ(f->msg.u.fetch_response.aborted_count, 1);
    CHECK_EQ(f->aborted[0].producer_id, PID);
    CHECK_EQ(f->aborted[0].first_offset, 1);
    CHECK(proto_batch_is_control(&f->batches[2]));
    uint32_t all = consumer_send_at(&h, 3 * SIM_S, 1,
                                    fetch(0, CONFIG_READ_COMMITTED, 500 * SIM_MS, -1));
    uint32_t after = consumer_send_at(&h, 3 * SIM_S, 1,
                                      fetch(4, CONFIG_READ_COMMITTED, 500 * SIM_MS, -1));
    run_until(&h, 4 * SIM_S);
    f = answer(all);
    CHECK(f && f->msg.u.fetch_response.batch_count == 5);
    CHECK_EQ(f->msg.u.fetch_response.aborted_count, 1);
    f = answer(after); /* the range after the abort carries none */
    CHECK(f && f->msg.u.fetch_response.batch_count == 1);
    CHECK_EQ(f->msg.u.fetch_response.aborted_count, 0);
    harness_fini(&h);
}

/* A leader that loses its leadership answers its consumers' parked fetches
 * NOT_LEADER_OR_FOLLOWER; the new leader fences a consumer that names the old epoch. */
static void test_parked_leadership_lost(void) {
    harness h = {0};
    config_base(&h.cfg);
    consumer_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));
    uint32_t corr = consumer_send_at(&h, 500 * SIM_MS, 1,
                                     fetch(1, CONFIG_READ_UNCOMMITTED, 30 * SIM_S, -1));
    run_until(&h, 600 * SIM_MS);
    CHECK(answer(corr) == NULL);
    CHECK(h.brokers[1].partitions[0].consumer_parked_mask == 1);
    broker_stop(&h.brokers[1]); /* controlled shutdown: leadership moves away */
    run_until(&h, 10 * SIM_S);
    const seen_fetch *f = answer(corr);
    CHECK(f && f->msg.u.fetch_response.error == ERR_NOT_LEADER_OR_FOLLOWER);
    CHECK(f->at_ns < 10 * SIM_S);
    int leader = broker_partition_leader(&h.brokers[2], 0);
    CHECK(leader == 2 || leader == 3);
    int32_t epoch = h.brokers[leader].partitions[0].leader_epoch;
    CHECK(epoch >= 1);
    uint32_t stale = consumer_send_at(&h, 11 * SIM_S, leader,
                                      fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, epoch - 1));
    uint32_t current = consumer_send_at(&h, 11 * SIM_S, leader,
                                        fetch(0, CONFIG_READ_UNCOMMITTED, 500 * SIM_MS, epoch));
    run_until(&h, 12 * SIM_S);
    CHECK_EQ(answer(stale)->msg.u.fetch_response.error, ERR_FENCED_LEADER_EPOCH);
    CHECK_EQ(answer(current)->msg.u.fetch_response.error, ERR_NONE);
    CHECK_EQ(answer(current)->msg.u.fetch_response.batch_count, 1);
    harness_fini(&h);
}

int main(void) {
    test_read_uncommitted_waits_for_hw();
    test_read_uncommitted_stops_at_hw();
    test_errors();
    test_read_committed();
    test_parked_leadership_lost();
    return test_result("test_broker_consumer");
}
