/*
 * test_broker_txn.c: the partition side of transactions on brokers 1..3 and the controller,
 * driven by a fake client that sends transactional batches and WriteTxnMarkers as a
 * transaction coordinator would (KafkaApis.handleWriteTxnMarkersRequest).
 *
 * Checks: a transactional batch opens the producer's transaction and holds the last stable
 * offset back; a non-transactional batch meanwhile is INVALID_TXN_STATE; a marker is a control
 * batch appended by the leader and answered once the ISR has it (as acks=all), replicated to the
 * followers, recorded (HIST_MARKER), and lets the LSO pass once the HW passed it (HIST_LSO); an
 * abort enters the transaction index of every replica; per-partition answers
 * (NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
 * NOT_ENOUGH_REPLICAS); a request whose markers the ISR cannot take times out with
 * REQUEST_TIMED_OUT after the broker's request.timeout.ms, also when a broker sent it; a queued
 * and a paused request keep their partition lists; a restart keeps an open transaction open.
 * Invariants of every broker (producer state and transaction index included) are checked after
 * every event.
 */
#include "cluster_harness.h"

#define PID 2000000
#define MAX_SEEN 64

/* WriteTxnMarkers responses the network carried to brokers (a broker ignores them). */
typedef struct seen_response {
    node_id to;
    uint32_t correlation_id;
    int64_t at_ns;
    int count;
    int16_t errors[8];
} seen_response;

static seen_response seen[MAX_SEEN];
static int seen_count;

static void on_net_send(void *ctx, const proto_msg *m) {
    harness *h = ctx;
    if (m->api != API_WRITE_TXN_MARKERS || !m->is_response || seen_count == MAX_SEEN) return;
    seen_response *s = &seen[seen_count++];
    s->to = m->to;
    s->correlation_id = m->correlation_id;
    s->at_ns = sim_now(&h->world);
    s->count = m->u.write_txn_markers_response.partition_count;
    for (int k = 0; k < s->count && k < 8; k++)
        s->errors[k] = m->u.write_txn_markers_response.errors[k];
}

static void txn_harness_init(harness *h) {
    harness_init(h);
    seen_count = 0;
    h->net.on_send = on_net_send;
    h->net.trace_ctx = h;
}

static proto_msg txn_produce(int64_t pid, int16_t epoch, int32_t seq, uint32_t payload) {
    proto_msg m = produce(-1, pid, seq, payload);
    m.u.produce.batch.producer_epoch = epoch;
    m.u.produce.batch.flags = PROTO_BATCH_TRANSACTIONAL;
    return m;
}

/* Partition lists live as long as the test: the network copies them at send. */
static const uint16_t partition0[] = {0};
static const uint16_t partitions01[] = {0, 1};

static proto_msg markers(int64_t pid, int16_t epoch, int32_t coordinator_epoch, bool commit,
                         const uint16_t *partitions, uint16_t count) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_WRITE_TXN_MARKERS;
    m.u.write_txn_markers.producer_id = pid;
    m.u.write_txn_markers.producer_epoch = epoch;
    m.u.write_txn_markers.coordinator_epoch = coordinator_epoch;
    m.u.write_txn_markers.commit = commit;
    m.u.write_txn_markers.partition_count = count;
    m.u.write_txn_markers.partitions = partitions;
    return m;
}

static int16_t marker_error(const harness *h, uint32_t correlation, int k, int64_t *at_ns) {
    const proto_msg *r = response(h, correlation, at_ns);
    if (!r) return -1;
    CHECK(k < r->u.write_txn_markers_response.partition_count);
    /* The harness keeps the message, not the errors it carried beside it: the first error
     * travels in the message. */
    return k == 0 ? r->u.write_txn_markers_response.error : -2;
}

static const proto_batch *log_at(harness *h, int b, int64_t offset) {
    size_t count = 0;
    const proto_batch *log = broker_log(&h->brokers[b], 0, &count);
    for (size_t i = 0; i < count; i++)
        if (log[i].base_offset <= offset && offset <= proto_batch_last_offset(&log[i]))
            return &log[i];
    return NULL;
}

static int count_kind(const harness *h, history_kind kind) {
    int n = 0;
    for (size_t i = 0; i < h->hist.count; i++) n += h->hist.recs[i].kind == kind;
    return n;
}

static void test_commit(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.min_insync_replicas = 2;
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(-1, -1, 0, 1));            /* offset 0 */
    uint32_t t1 = send_at(&h, 200 * SIM_MS, 1, txn_produce(PID, 0, 0, 2)); /* 1: opens */
    uint32_t t2 = send_at(&h, 200 * SIM_MS, 1, txn_produce(PID, 0, 1, 3)); /* 2 */
    uint32_t plain = send_at(&h, 300 * SIM_MS, 1, produce(-1, PID, 2, 4));
    send_at(&h, 300 * SIM_MS, 1, produce(-1, -1, 0, 5));            /* 3: not transactional */
    run_until(&h, 1 * SIM_S);
    const proto_msg *r = response(&h, t1, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE && r->u.produce_response.base_offset == 1);
    r = response(&h, t2, NULL);
    CHECK(r && r->u.produce_response.base_offset == 2);
    /* appendDataBatch: the producer's transaction is open. */
    r = response(&h, plain, NULL);
    CHECK(r && r->u.produce_response.error == ERR_INVALID_TXN_STATE);
    CHECK_EQ(hw(&h, 1), 4);
    /* One open transaction holds back every later record of every producer. */
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 1);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[2], 0), 1);
    CHECK_EQ(pstate_entry_find(&h.brokers[3].partitions[0].pstate, PID)->txn_first_offset, 1);

    /* The coordinator's commit, to a follower and to the leader. */
    uint32_t wrong = send_at(&h, 2 * SIM_S, 2, markers(PID, 0, 5, true, partition0, 1));
    uint32_t commit = send_at(&h, 2 * SIM_S, 1, markers(PID, 0, 5, true, partition0, 1));
    run_until(&h, 2 * SIM_S + 3 * SIM_MS + SIM_MS / 2);
    CHECK(response(&h, commit, NULL) == NULL); /* waits for the ISR */
    CHECK_EQ(marker_error(&h, wrong, 0, NULL), ERR_NOT_LEADER_OR_FOLLOWER);
    run_until(&h, 3 * SIM_S);
    int64_t at = 0;
    CHECK_EQ(marker_error(&h, commit, 0, &at), ERR_NONE);
    CHECK_EQ(at, 2 * SIM_S + 4 * SIM_MS); /* as acks=all: request, fetch, next fetch, answer */
    for (int b = 1; b <= 3; b++) {
        const proto_batch *m = log_at(&h, b, 4);
        CHECK(m != NULL);
        if (!m) continue;
        CHECK(proto_batch_is_control(m));
        CHECK(m->flags & PROTO_BATCH_COMMIT);
        CHECK_EQ(m->producer_id, PID);
        CHECK_EQ(m->record_count, 1);
        CHECK_EQ(m->base_sequence, PROTO_NO_SEQUENCE);
        CHECK_EQ(m->payload, 5); /* the coordinator epoch */
        CHECK_EQ(pstate_entry_find(&h.brokers[b].partitions[0].pstate, PID)->coordinator_epoch,
                 5);
    }
    CHECK_EQ(hw(&h, 1), 5);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 5);
    CHECK_EQ(count_kind(&h, HIST_MARKER), 1);
    CHECK_EQ(history_first(&h, HIST_MARKER, node_broker(1), 0, true, 0), 2 * SIM_S + SIM_MS);
    /* HIST_LSO from the leader: 1 while open, 5 once the HW passed the marker. */
    int64_t lsos[8];
    int n = 0;
    for (size_t i = 0; i < h.hist.count; i++) {
        const history_rec *rec = &h.hist.recs[i];
        if (rec->kind == HIST_MARKER) {
            CHECK_EQ(rec->node, node_broker(1));
            CHECK_EQ(rec->d, 4);
            CHECK_EQ(rec->a, 1);
            CHECK_EQ(rec->b, 5);
            CHECK_EQ(rec->e, 0);
            CHECK_EQ(rec->f, PID);
        }
        if (rec->kind != HIST_LSO) continue;
        CHECK_EQ(rec->node, node_broker(1));
        if (n < 8) lsos[n++] = rec->d;
    }
    CHECK_EQ(n, 2);
    if (n == 2) CHECK_EQ(lsos[0], 1);
    if (n == 2) CHECK_EQ(lsos[1], 5);
    /* No transaction index entry for a commit. */
    CHECK_EQ(h.brokers[2].partitions[0].log.aborted_count, 0);

    /* Late markers: the same coordinator epoch is written again (a re-sent marker of a
     * transaction already closed); an older coordinator epoch is fenced; an older producer
     * epoch is refused. */
    uint32_t again = send_at(&h, 4 * SIM_S, 1, markers(PID, 0, 5, true, partition0, 1));
    uint32_t zombie = send_at(&h, 5 * SIM_S, 1, markers(PID, 0, 4, false, partition0, 1));
    uint32_t old = send_at(&h, 5 * SIM_S, 3, produce(-1, -1, 0, 0)); /* a non-leader: noise */
    (void)old;
    run_until(&h, 6 * SIM_S);
    CHECK_EQ(marker_error(&h, again, 0, NULL), ERR_NONE);
    CHECK_EQ(marker_error(&h, zombie, 0, NULL), ERR_TRANSACTION_COORDINATOR_FENCED);
    CHECK_EQ(leo(&h, 1), 6);
    harness_fini(&h);
}

static void test_abort_fence(void) {
    harness h = {0};
    config_base(&h.cfg);
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 3, 0, 1));     /* 0 */
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID + 1, 0, 0, 2)); /* 1: another producer */
    /* The fence: the coordinator bumped the epoch to 4 and aborts at it. */
    uint32_t abort = send_at(&h, 1 * SIM_S, 1, markers(PID, 4, 9, false, partition0, 1));
    uint32_t zombie = send_at(&h, 2 * SIM_S, 1, txn_produce(PID, 3, 1, 3));
    uint32_t stale = send_at(&h, 2 * SIM_S, 1, markers(PID, 3, 9, false, partition0, 1));
    run_until(&h, 3 * SIM_S);
    CHECK_EQ(marker_error(&h, abort, 0, NULL), ERR_NONE);
    const proto_msg *r = response(&h, zombie, NULL);
    CHECK(r && r->u.produce_response.error == ERR_INVALID_PRODUCER_EPOCH);
    CHECK_EQ(marker_error(&h, stale, 0, NULL), ERR_INVALID_PRODUCER_EPOCH);
    /* The abort of 0..2 enters every replica's transaction index; its LSO is the other
     * producer's open transaction. */
    for (int b = 1; b <= 3; b++) {
        const log_replica *l = &h.brokers[b].partitions[0].log;
        CHECK_EQ(l->aborted_count, 1);
        if (!l->aborted_count) continue;
        CHECK_EQ(l->aborted[0].producer_id, PID);
        CHECK_EQ(l->aborted[0].first_offset, 0);
        CHECK_EQ(l->aborted[0].last_offset, 2);
        CHECK_EQ(l->aborted[0].last_stable_offset, 1);
    }
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 1);
    harness_fini(&h);
}

/* One request naming two partitions (partition 0 led by broker 1, partition 1 by broker 2):
 * one answer per partition, in the request's order. */
static void test_partitions(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.partitions = 2;
    int placed[] = {1, 2, 3, 2, 3, 1};
    memcpy(h.placed, placed, sizeof placed);
    h.placed_counts[0] = h.placed_counts[1] = 3;
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 0, 0, 1));
    uint32_t c = send_at(&h, 1 * SIM_S, 1, markers(PID, 0, 0, true, partitions01, 2));
    run_until(&h, 2 * SIM_S);
    const proto_msg *r = response(&h, c, NULL);
    CHECK(r != NULL);
    if (r) CHECK_EQ(r->u.write_txn_markers_response.partition_count, 2);
    bool found = false;
    for (int i = 0; i < seen_count; i++) {
        if (seen[i].correlation_id != c) continue;
        found = true;
        CHECK_EQ(seen[i].count, 2);
        CHECK_EQ(seen[i].errors[0], ERR_NONE);
        CHECK_EQ(seen[i].errors[1], ERR_NOT_LEADER_OR_FOLLOWER);
    }
    CHECK(found);
    CHECK_EQ(broker_log_end_offset(&h.brokers[1], 1), 0);
    harness_fini(&h);
}

/* Markers the ISR cannot take: under min.insync.replicas NOT_ENOUGH_REPLICAS before the
 * append; appended while the followers are down and the ISR not yet shrunk, the request times
 * out after the broker's request.timeout.ms. Sent by a broker (as a coordinator does), the
 * timeout is the request's, not a follower fetch's wait. */
static void test_timeout(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.num_brokers = 4;
    h.cfg.min_insync_replicas = 2;
    h.cfg.broker_request_timeout_ns = 2 * SIM_S;
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 0, 0, 1));
    run_until(&h, 1 * SIM_S);
    broker_crash(&h.brokers[2], false);
    broker_crash(&h.brokers[3], false);
    uint32_t from_broker = send_at(&h, 1 * SIM_S, 1, markers(PID, 0, 0, false, partition0, 1));
    h.planned[h.planned_count - 1].from = node_broker(4); /* sent by broker-4 */
    run_until(&h, 10 * SIM_S);
    bool found = false;
    for (int i = 0; i < seen_count; i++) {
        if (seen[i].to != node_broker(4) || seen[i].correlation_id != from_broker) continue;
        found = true;
        CHECK_EQ(seen[i].errors[0], ERR_REQUEST_TIMED_OUT);
        CHECK_EQ(seen[i].at_ns, 1 * SIM_S + 1 * SIM_MS + 2 * SIM_S);
    }
    CHECK(found);
    CHECK_EQ(leo(&h, 1), 2); /* the marker was appended */
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 0);
    /* Once the ISR shrank to the leader alone: NOT_ENOUGH_REPLICAS, nothing appended. */
    run_until(&h, 60 * SIM_S);
    uint32_t c = send_at(&h, 60 * SIM_S, 1, markers(PID, 0, 0, false, partition0, 1));
    run_until(&h, 61 * SIM_S);
    CHECK_EQ(marker_error(&h, c, 0, NULL), ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(leo(&h, 1), 2);
    harness_fini(&h);
}

/* Two requests pipelined on one connection (the second queued with its own copy of its
 * partition list), and one that reaches a paused leader (deferred with its list). */
static void test_queued_paused(void) {
    harness h = {0};
    config_base(&h.cfg);
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 0, 0, 1));     /* 0 */
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID + 1, 0, 0, 1)); /* 1 */
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID + 2, 0, 0, 1)); /* 2 */
    uint32_t a = send_at(&h, 1 * SIM_S, 1, markers(PID, 0, 0, true, partition0, 1));
    uint32_t b = send_at(&h, 1 * SIM_S, 1, markers(PID + 1, 0, 0, false, partition0, 1));
    run_until(&h, 1500 * SIM_MS);
    int64_t ta = 0, tb = 0;
    CHECK_EQ(marker_error(&h, a, 0, &ta), ERR_NONE);
    CHECK_EQ(marker_error(&h, b, 0, &tb), ERR_NONE);
    CHECK(tb > ta); /* the second waited for the first's answer */
    const proto_batch *mb = log_at(&h, 2, 4);
    CHECK(mb && proto_batch_is_control(mb) && mb->producer_id == PID + 1);
    broker_pause(&h.brokers[1], 3 * SIM_S);
    uint32_t c = send_at(&h, 2 * SIM_S, 1, markers(PID + 2, 0, 0, true, partition0, 1));
    run_until(&h, 4 * SIM_S);
    int64_t tc = 0;
    CHECK_EQ(marker_error(&h, c, 0, &tc), ERR_NONE);
    CHECK(tc > 3 * SIM_S);
    const proto_batch *mc = log_at(&h, 1, 5);
    CHECK(mc && proto_batch_is_control(mc) && mc->producer_id == PID + 2);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 6);
    harness_fini(&h);
}

/* A restarted leader (replication.factor=1) reloads the open transaction from the snapshot
 * recovery takes at the log end: the LSO stays at its first offset until the marker. */
static void test_restart_open_txn(void) {
    harness h = {0};
    config_base(&h.cfg);
    h.cfg.num_brokers = 1;
    h.cfg.replication_factor = 1;
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, produce(1, -1, 0, 1));         /* 0 */
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 0, 0, 2));     /* 1 */
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 1);
    broker_crash(&h.brokers[1], false);
    run_until(&h, 1100 * SIM_MS);
    broker_restart(&h.brokers[1]);
    CHECK_EQ(pstate_entry_find(&h.brokers[1].partitions[0].pstate, PID)->txn_first_offset, 1);
    uint32_t c = send_at(&h, 20 * SIM_S, 1, markers(PID, 0, 1, true, partition0, 1));
    run_until(&h, 19 * SIM_S);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 1);
    run_until(&h, 21 * SIM_S);
    CHECK_EQ(marker_error(&h, c, 0, NULL), ERR_NONE);
    CHECK_EQ(broker_last_stable_offset(&h.brokers[1], 0), 3);
    harness_fini(&h);
}

/* A marker the ISR never had: the leader appended an abort while its followers were down,
 * then died; they come back and one of them leads without the marker. When the old leader
 * returns it truncates the marker away (divergence by leader epoch): its transaction index
 * loses the entry and its producer state, rebuilt, holds the transaction open again, as the
 * new leader's does. */
static void test_marker_truncated(void) {
    harness h = {0};
    config_base(&h.cfg);
    txn_harness_init(&h);
    send_at(&h, 100 * SIM_MS, 1, txn_produce(PID, 0, 0, 1)); /* 0, on every replica */
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(leo(&h, 3), 1);
    broker_crash(&h.brokers[2], false);
    broker_crash(&h.brokers[3], false);
    send_at(&h, 1 * SIM_S, 1, markers(PID, 0, 0, false, partition0, 1)); /* 1 on broker-1 only */
    run_until(&h, 1100 * SIM_MS);
    CHECK_EQ(leo(&h, 1), 2);
    CHECK_EQ(h.brokers[1].partitions[0].log.aborted_count, 1);
    broker_crash(&h.brokers[1], false);
    broker_restart(&h.brokers[2]);
    broker_restart(&h.brokers[3]);
    run_until(&h, 30 * SIM_S);
    int leader = controller_leader(&h.ctl);
    CHECK(leader == 2 || leader == 3);
    broker_restart(&h.brokers[1]);
    run_until(&h, 60 * SIM_S);
    CHECK_EQ(leo(&h, 1), 1);
    const broker_partition *p1 = &h.brokers[1].partitions[0];
    CHECK_EQ(p1->log.aborted_count, 0);
    const pstate_entry *e = pstate_entry_find(&p1->pstate, PID);
    CHECK(e != NULL);
    if (e) CHECK_EQ(e->txn_first_offset, 0);
    if (leader >= 1) CHECK_EQ(broker_last_stable_offset(&h.brokers[leader], 0), 0);
    harness_fini(&h);
}

int main(void) {
    test_marker_truncated();
    test_commit();
    test_abort_fence();
    test_partitions();
    test_timeout();
    test_queued_paused();
    test_restart_open_txn();
    return test_result("test_broker_txn");
}
