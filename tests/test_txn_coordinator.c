/*
 * test_txn_coordinator.c: the transaction coordinator of brokers 1..3 on the real network,
 * driven by fake clients (the producers' nodes) that send crafted FindCoordinator,
 * InitProducerId, AddPartitionsToTxn and EndTxn requests. The world: orders-0 led by broker-1,
 * orders-1 by broker-2 (then broker-1), __transaction_state-0 (the state partition of
 * transactional id 0) by broker-3 (then broker-1). The partition leaders' answers to
 * WriteTxnMarkers are played by the test (answer_markers): the brokers never see those
 * requests (their deliveries are wrapped), so the coordinator is what is tested here.
 *
 * Checks: FindCoordinator from any broker names the state partition's leader;
 * InitProducerId gives a producer id with epoch 0, then bumps it; AddPartitionsToTxn and
 * EndTxn are answered only once their record is durable (acks=all: the HW passed it), and the
 * durable transitions are Empty, Ongoing, PrepareCommit, CompleteCommit; markers go after the
 * EndTxn answer to each partition's leader with the producer id, epoch and coordinator epoch;
 * CONCURRENT_TRANSACTIONS while a transition is pending or the markers are out; EndTxn retried
 * after CompleteCommit answers NONE, the other result INVALID_TXN_STATE; a second
 * InitProducerId during an Ongoing transaction fences (epoch + 1, abort markers at it,
 * CONCURRENT_TRANSACTIONS, its retry bumps again) and the old epoch is PRODUCER_FENCED; the
 * timeout scan aborts a transaction past transaction.timeout.ms; the coordinator's crash after
 * PrepareCommit: the new leader loads the log, answers NOT_COORDINATOR elsewhere, re-sends the
 * markers with its higher coordinator epoch and completes the commit; markers answered
 * TRANSACTION_COORDINATOR_FENCED are given up (the transaction stays in PrepareCommit).
 * Invariants are checked after every event.
 */
#include "cluster_harness.h"

#define CLIENT2 node_producer(1)
#define G_STATE 2 /* __transaction_state-0 */
#define MAX_MARKERS 512

typedef struct marker_req {
    proto_msg m;                         /* the request (partitions copied below) */
    uint16_t parts[8];
    int64_t at_ns;
} marker_req;

/* A broker's own delivery, wrapped so that WriteTxnMarkers requests do not reach it. */
typedef struct leader_endpoint {
    net_deliver_fn deliver;
    void *ctx;
    const bool *real;                    /* the fixture's real_leaders */
} leader_endpoint;

typedef struct txn_fixture {
    harness h;
    leader_endpoint leaders[PROTO_BROKERS_MAX + 1];
    uint16_t kind_answer;
    bool answer_markers;                 /* the test answers WriteTxnMarkers */
    bool real_leaders;                   /* the brokers answer them instead */
    int16_t answer_error;                /* with this error for every partition */
    marker_req markers[MAX_MARKERS];
    int marker_count;
} txn_fixture;

/* Plays the leader: answers a recorded WriteTxnMarkers request (arg = its index). */
static void on_answer(void *ctx, sim_world *w, const sim_event *ev) {
    txn_fixture *f = ctx;
    (void)w;
    const marker_req *q = &f->markers[ev->arg];
    int16_t errors[8];
    for (int k = 0; k < q->m.u.write_txn_markers.partition_count; k++) errors[k] = f->answer_error;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(&q->m, &r);
    r.u.write_txn_markers_response.error = f->answer_error;
    r.u.write_txn_markers_response.partition_count = q->m.u.write_txn_markers.partition_count;
    r.u.write_txn_markers_response.errors = errors;
    net_send(&f->h.net, &r);
}

static void on_net_send(void *ctx, const proto_msg *m) {
    txn_fixture *f = ctx;
    if (m->api != API_WRITE_TXN_MARKERS || m->is_response || f->marker_count == MAX_MARKERS)
        return;
    marker_req *q = &f->markers[f->marker_count];
    q->m = *m;
    q->m.conn_gen = f->h.net.conn_gen[m->from][m->to];
    int n = m->u.write_txn_markers.partition_count;
    for (int k = 0; k < n && k < 8; k++) q->parts[k] = m->u.write_txn_markers.partitions[k];
    q->m.u.write_txn_markers.partitions = q->parts;
    q->at_ns = sim_now(&f->h.world);
    if (f->answer_markers)
        sim_schedule(&f->h.world, sim_now(&f->h.world) + 1 * SIM_MS, f->kind_answer,
                     (uint64_t)f->marker_count);
    f->marker_count++;
}

/* Delivers to a broker everything but WriteTxnMarkers requests, which the test answers. */
static void on_leader_message(void *ctx, const proto_msg *m) {
    const leader_endpoint *e = ctx;
    if (m->api == API_WRITE_TXN_MARKERS && !m->is_response && !*e->real) return;
    e->deliver(e->ctx, m);
}

static void fixture_init_at(txn_fixture *f, int min_isr, int64_t abort_interval_ns,
                            int kafka_version, int transaction_version) {
    memset(f, 0, sizeof *f);
    harness *h = &f->h;
    config_base(&h->cfg);
    h->cfg.kafka_version = kafka_version;
    h->cfg.transaction_version = transaction_version;
    h->cfg.min_insync_replicas = min_isr;
    h->cfg.txn_id_count = 1;
    strcpy(h->cfg.txn_ids[0], "orders-app");
    h->cfg.producer_txn[0] = 0;
    h->cfg.txn_partition[0] = G_STATE;
    h->cfg.transaction_max_timeout_ns = 900 * SIM_S;
    h->cfg.transaction_abort_interval_ns = abort_interval_ns;
    h->partitions = 3;
    int placed[] = {1, 2, 3, 2, 1, 3, 3, 1, 2};
    memcpy(h->placed, placed, sizeof placed);
    h->placed_counts[0] = h->placed_counts[1] = h->placed_counts[2] = 3;
    txn_records_init(&h->txn_records);
    harness_init(h);
    for (int b = 1; b <= h->cfg.num_brokers; b++) {
        f->leaders[b] = (leader_endpoint){h->net.endpoints[node_broker(b)].deliver,
                                          h->net.endpoints[node_broker(b)].ctx, &f->real_leaders};
        net_listen(&h->net, node_broker(b), on_leader_message, &f->leaders[b]);
    }
    net_listen(&h->net, CLIENT2, on_client, h);
    f->kind_answer = sim_handler_add(&h->world, on_answer, f, "test.answer");
    h->net.on_send = on_net_send;
    h->net.trace_ctx = f;
    f->answer_markers = true;
}

static void fixture_init(txn_fixture *f, int min_isr, int64_t abort_interval_ns) {
    fixture_init_at(f, min_isr, abort_interval_ns, 30900, 1);
}

static uint32_t send_from(harness *h, int64_t t, node_id from, int broker_id, proto_msg m) {
    uint32_t corr = send_at(h, t, broker_id, m);
    h->planned[h->planned_count - 1].from = from;
    return corr;
}

static proto_msg find_coordinator(void) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FIND_COORDINATOR;
    m.u.find_coordinator.txn = 0;
    return m;
}

static proto_msg init_pid(int32_t timeout_ms, int64_t pid, int16_t epoch) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_INIT_PRODUCER_ID;
    m.u.init_pid.txn = 0;
    m.u.init_pid.txn_timeout_ms = timeout_ms;
    m.u.init_pid.producer_id = pid;
    m.u.init_pid.producer_epoch = epoch;
    return m;
}

static const uint16_t both_partitions[2] = {0, 1};

static proto_msg add_partitions(int64_t pid, int16_t epoch) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_ADD_PARTITIONS_TO_TXN;
    m.u.add_partitions.producer_id = pid;
    m.u.add_partitions.producer_epoch = epoch;
    m.u.add_partitions.txn = 0;
    m.u.add_partitions.partition_count = 2;
    m.u.add_partitions.partitions = both_partitions;
    return m;
}

static proto_msg end_txn(int64_t pid, int16_t epoch, bool commit) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_END_TXN;
    m.u.end_txn.producer_id = pid;
    m.u.end_txn.producer_epoch = epoch;
    m.u.end_txn.txn = 0;
    m.u.end_txn.commit = commit;
    return m;
}

static int16_t txn_error(const harness *h, uint32_t corr) {
    const proto_msg *r = response(h, corr, NULL);
    if (!r) return -1;
    if (r->api == API_INIT_PRODUCER_ID) return r->u.init_pid_response.error;
    return r->u.txn_response.error;
}

/* The states of the HIST_TXN_STATE records from from_ns on, as a string of digits. */
static void states_since(const harness *h, int64_t from_ns, char *out, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < h->hist.count && n + 1 < len; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind != HIST_TXN_STATE || r->time_ns < from_ns) continue;
        out[n++] = (char)('0' + r->b);
    }
    out[n] = '\0';
}

/* InitProducerId, then AddPartitionsToTxn of both partitions: the transaction is Ongoing. */
static void begin(txn_fixture *f, int64_t t0, int64_t *pid, int16_t *epoch) {
    harness *h = &f->h;
    uint32_t ip = send_at(h, t0, 3, init_pid(60000, -1, -1));
    run_until(h, t0 + 100 * SIM_MS);
    const proto_msg *r = response(h, ip, NULL);
    CHECK(r != NULL);
    *pid = r ? r->u.init_pid_response.producer_id : -1;
    *epoch = r ? r->u.init_pid_response.producer_epoch : -1;
    uint32_t ap = send_at(h, t0 + 100 * SIM_MS, 3, add_partitions(*pid, *epoch));
    run_until(h, t0 + 200 * SIM_MS);
    CHECK_EQ(txn_error(h, ap), ERR_NONE);
}

static void test_commit(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    /* FindCoordinator: any broker names the leader of __transaction_state-0. */
    uint32_t fc1 = send_at(h, 100 * SIM_MS, 1, find_coordinator());
    uint32_t fc2 = send_at(h, 100 * SIM_MS, 2, find_coordinator());
    run_until(h, 110 * SIM_MS);
    const proto_msg *r = response(h, fc1, NULL);
    CHECK(r && r->u.find_coordinator_response.error == ERR_NONE);
    if (r) CHECK_EQ(r->u.find_coordinator_response.coordinator, 3);
    r = response(h, fc2, NULL);
    if (r) CHECK_EQ(r->u.find_coordinator_response.coordinator, 3);
    /* The other brokers do not coordinate it. */
    uint32_t wrong = send_at(h, 110 * SIM_MS, 1, init_pid(60000, -1, -1));
    /* InitProducerId: answered once Empty is durable (a follower fetched it: 2 round trips). */
    uint32_t ip = send_at(h, 110 * SIM_MS, 3, init_pid(60000, -1, -1));
    run_until(h, 200 * SIM_MS);
    CHECK_EQ(txn_error(h, wrong), ERR_NOT_COORDINATOR);
    int64_t t_ip = 0;
    r = response(h, ip, &t_ip);
    CHECK(r != NULL);
    if (!r) return;
    CHECK_EQ(r->u.init_pid_response.error, ERR_NONE);
    int64_t pid = r->u.init_pid_response.producer_id;
    CHECK_EQ(pid, 3 * BROKER_PRODUCER_ID_BLOCK);
    CHECK_EQ(r->u.init_pid_response.producer_epoch, 0);
    CHECK(t_ip >= 113 * SIM_MS); /* not before the record reached a follower and the HW */
    CHECK_EQ(broker_high_watermark(&h->brokers[3], G_STATE), 1);
    /* AddPartitionsToTxn, then EndTxn(commit). */
    uint32_t ap = send_at(h, 200 * SIM_MS, 3, add_partitions(pid, 0));
    run_until(h, 300 * SIM_MS);
    CHECK_EQ(txn_error(h, ap), ERR_NONE);
    f.answer_markers = false; /* the markers stay out for now */
    uint32_t et = send_at(h, 300 * SIM_MS, 3, end_txn(pid, 0, true));
    run_until(h, 400 * SIM_MS);
    int64_t t_et = 0;
    CHECK(response(h, et, &t_et) != NULL);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    /* Markers after the answer, one request per leader, at the state partition's epoch. */
    CHECK_EQ(f.marker_count, 2);
    int32_t coord_epoch = h->brokers[3].partitions[G_STATE].leader_epoch;
    for (int i = 0; i < f.marker_count; i++) {
        const proto_write_txn_markers_request *q = &f.markers[i].m.u.write_txn_markers;
        CHECK(f.markers[i].at_ns >= t_et - 1 * SIM_MS);
        CHECK_EQ(q->producer_id, pid);
        CHECK_EQ(q->producer_epoch, 0);
        CHECK_EQ(q->coordinator_epoch, coord_epoch);
        CHECK_EQ(q->commit, 1);
        CHECK_EQ(q->partition_count, 1);
        CHECK_EQ(f.markers[i].m.to, node_broker(q->partitions[0] == 0 ? 1 : 2));
    }
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_PREPARE_COMMIT);
    CHECK_EQ(v.pending, TXN_COMPLETE_COMMIT);
    CHECK(v.markers_pending);
    /* While the markers are out (CompleteCommit pending): CONCURRENT_TRANSACTIONS for a
     * retried commit, an abort, a new InitProducerId and an AddPartitionsToTxn. */
    uint32_t c1 = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, true));
    uint32_t c2 = send_at(h, 400 * SIM_MS, 3, init_pid(60000, pid, 0));
    uint32_t c3 = send_at(h, 400 * SIM_MS, 3, add_partitions(pid, 0));
    uint32_t c4 = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, false));
    run_until(h, 450 * SIM_MS);
    CHECK_EQ(txn_error(h, c1), ERR_CONCURRENT_TRANSACTIONS);
    CHECK_EQ(txn_error(h, c2), ERR_CONCURRENT_TRANSACTIONS);
    CHECK_EQ(txn_error(h, c3), ERR_CONCURRENT_TRANSACTIONS);
    CHECK_EQ(txn_error(h, c4), ERR_CONCURRENT_TRANSACTIONS);
    /* No answer: re-sent after the broker's request.timeout.ms (30 s) and the backoff. */
    f.answer_markers = true;
    run_until(h, 31 * SIM_S);
    CHECK_EQ(f.marker_count, 4);
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    CHECK_EQ(v.pending, -1);
    CHECK_EQ(v.partition_count, 0);
    char states[16];
    states_since(h, 0, states, sizeof states);
    CHECK(strcmp(states, "0124") == 0); /* Empty, Ongoing, PrepareCommit, CompleteCommit */
    /* A retried commit is NONE now; an abort INVALID_TXN_STATE; the next InitProducerId
     * (KIP-360, with the current epoch) bumps to 1. */
    uint32_t d1 = send_at(h, 31 * SIM_S, 3, end_txn(pid, 0, true));
    uint32_t d2 = send_at(h, 31 * SIM_S, 3, end_txn(pid, 0, false));
    uint32_t d3 = send_at(h, 31 * SIM_S, 3, init_pid(60000, pid, 0));
    run_until(h, 31 * SIM_S + 100 * SIM_MS);
    CHECK_EQ(txn_error(h, d1), ERR_NONE);
    CHECK_EQ(txn_error(h, d2), ERR_INVALID_TXN_STATE);
    r = response(h, d3, NULL);
    CHECK(r && r->u.init_pid_response.producer_epoch == 1 && r->u.init_pid_response.producer_id == pid);
    /* Timeouts out of range. */
    uint32_t bad = send_at(h, 31 * SIM_S + 100 * SIM_MS, 3, init_pid(900001, -1, -1));
    run_until(h, 31 * SIM_S + 200 * SIM_MS);
    CHECK_EQ(txn_error(h, bad), ERR_INVALID_TRANSACTION_TIMEOUT);
    harness_fini(h);
}

/* A pending transition (its record not yet durable) answers CONCURRENT_TRANSACTIONS on another
 * connection; with min.insync.replicas above the ISR the append fails and the client gets
 * COORDINATOR_NOT_AVAILABLE, the pending state reset. */
static void test_pending(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    /* Broker-1 pauses: the HW of __transaction_state-0 still moves with broker-2. Pause both
     * followers so that the PrepareCommit record waits. */
    broker_pause(&h->brokers[1], sim_now(&h->world) + 2 * SIM_S);
    broker_pause(&h->brokers[2], sim_now(&h->world) + 2 * SIM_S);
    uint32_t et = send_from(h, 400 * SIM_MS, CLIENT, 3, end_txn(pid, epoch, true));
    uint32_t other = send_from(h, 450 * SIM_MS, CLIENT2, 3, init_pid(60000, -1, -1));
    run_until(h, 1 * SIM_S);
    CHECK(response(h, et, NULL) == NULL); /* waits for the followers */
    CHECK_EQ(txn_error(h, other), ERR_CONCURRENT_TRANSACTIONS);
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_ONGOING);
    CHECK_EQ(v.pending, TXN_PREPARE_COMMIT);
    run_until(h, 3 * SIM_S);
    CHECK_EQ(txn_error(h, et), ERR_NONE); /* answered once the followers fetched it */
    /* The ISR shrinks to broker-3 alone (followers paused past replica.lag.time.max.ms):
     * with min.insync.replicas=2 the next append is refused, COORDINATOR_NOT_AVAILABLE. */
    run_until(h, 10 * SIM_S);
    broker_pause(&h->brokers[1], sim_now(&h->world) + 60 * SIM_S);
    broker_pause(&h->brokers[2], sim_now(&h->world) + 60 * SIM_S);
    run_until(h, 55 * SIM_S);
    CHECK_EQ(broker_set_count(h->brokers[3].partitions[G_STATE].isr), 1);
    uint32_t ip = send_at(h, 55 * SIM_S, 3, init_pid(60000, pid, epoch));
    run_until(h, 55 * SIM_S + 100 * SIM_MS);
    CHECK_EQ(txn_error(h, ip), ERR_COORDINATOR_NOT_AVAILABLE);
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.pending, -1);
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    harness_fini(h);
}

/* A second instance's InitProducerId during an Ongoing transaction fences the first. */
static void test_fence(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    CHECK_EQ(epoch, 0);
    int markers_before = f.marker_count;
    uint32_t ip = send_from(h, 300 * SIM_MS, CLIENT2, 3, init_pid(60000, -1, -1));
    run_until(h, 400 * SIM_MS);
    CHECK_EQ(txn_error(h, ip), ERR_CONCURRENT_TRANSACTIONS);
    CHECK_EQ(history_count_kind(&h->hist, HIST_TXN_FENCE), 1);
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind != HIST_TXN_FENCE) continue;
        CHECK_EQ(r->b, 0); /* by InitProducerId */
        CHECK_EQ(r->e, 1);
        CHECK_EQ((int64_t)r->f, pid);
    }
    /* Abort markers at the fencing epoch. */
    CHECK_EQ(f.marker_count - markers_before, 2);
    for (int i = markers_before; i < f.marker_count; i++) {
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.commit, 0);
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.producer_epoch, 1);
    }
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_ABORT);
    /* The old instance: fenced on EndTxn and AddPartitionsToTxn. */
    uint32_t old_end = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, true));
    uint32_t old_add = send_at(h, 400 * SIM_MS, 3, add_partitions(pid, 0));
    /* The new instance retries: a second bump. */
    uint32_t again = send_from(h, 400 * SIM_MS, CLIENT2, 3, init_pid(60000, -1, -1));
    run_until(h, 500 * SIM_MS);
    CHECK_EQ(txn_error(h, old_end), ERR_PRODUCER_FENCED);
    CHECK_EQ(txn_error(h, old_add), ERR_PRODUCER_FENCED);
    const proto_msg *r = response(h, again, NULL);
    CHECK(r && r->u.init_pid_response.error == ERR_NONE);
    if (r) CHECK_EQ(r->u.init_pid_response.producer_epoch, 2);
    /* KIP-360 from the fenced instance: its epoch is neither current nor last. */
    uint32_t stale = send_at(h, 500 * SIM_MS, 3, init_pid(60000, pid, 0));
    run_until(h, 600 * SIM_MS);
    CHECK_EQ(txn_error(h, stale), ERR_PRODUCER_FENCED);
    char states[16];
    states_since(h, 0, states, sizeof states);
    CHECK(strcmp(states, "01350") == 0); /* ..., PrepareAbort, CompleteAbort, Empty */
    harness_fini(h);
}

/* The timeout scan aborts a transaction open past transaction.timeout.ms. */
static void test_timeout_abort(void) {
    txn_fixture f;
    fixture_init(&f, 2, 1 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    uint32_t ip = send_at(h, 100 * SIM_MS, 3, init_pid(2000, -1, -1));
    run_until(h, 200 * SIM_MS);
    const proto_msg *r = response(h, ip, NULL);
    CHECK(r != NULL);
    if (!r) return;
    int64_t pid = r->u.init_pid_response.producer_id;
    uint32_t ap = send_at(h, 200 * SIM_MS, 3, add_partitions(pid, 0));
    run_until(h, 2 * SIM_S);
    CHECK_EQ(txn_error(h, ap), ERR_NONE);
    CHECK_EQ(history_count_kind(&h->hist, HIST_TXN_FENCE), 0);
    /* Started at ~203 ms, 2 s timeout: the scans at 1, 2 s leave it; the one at 3 s aborts. */
    run_until(h, 3 * SIM_S + 100 * SIM_MS);
    CHECK_EQ(history_count_kind(&h->hist, HIST_TXN_FENCE), 1);
    int64_t fence_ns = history_first(h, HIST_TXN_FENCE, NODE_NONE, 0, true, 0);
    CHECK(fence_ns >= 3 * SIM_S && fence_ns < 3 * SIM_S + 10 * SIM_MS);
    for (size_t i = 0; i < h->hist.count; i++)
        if (h->hist.recs[i].kind == HIST_TXN_FENCE) CHECK_EQ(h->hist.recs[i].b, 1);
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_ABORT);
    CHECK_EQ(v.producer_epoch, 1);
    uint32_t et = send_at(h, 3200 * SIM_MS, 3, end_txn(pid, 0, true));
    uint32_t again = send_at(h, 3200 * SIM_MS, 3, init_pid(2000, pid, 0));
    run_until(h, 3300 * SIM_MS);
    CHECK_EQ(txn_error(h, et), ERR_PRODUCER_FENCED);
    CHECK_EQ(txn_error(h, again), ERR_PRODUCER_FENCED); /* lastProducerEpoch is -1 */
    harness_fini(h);
}

/* The coordinator crashes after PrepareCommit is durable, before any marker is answered. */
static void test_failover(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    f.answer_markers = false;
    int32_t old_epoch = h->brokers[3].partitions[G_STATE].leader_epoch;
    uint32_t et = send_at(h, 300 * SIM_MS, 3, end_txn(pid, epoch, true));
    run_until(h, 400 * SIM_MS);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    int sent_before = f.marker_count;
    CHECK_EQ(sent_before, 2);
    broker_crash(&h->brokers[3], false);
    f.answer_markers = true;
    /* The controller fences broker-3 after broker.session.timeout.ms and elects broker-1. */
    run_until(h, 15 * SIM_S);
    CHECK_EQ(broker_partition_leader(&h->brokers[1], G_STATE), 1);
    int32_t new_epoch = h->brokers[1].partitions[G_STATE].leader_epoch;
    CHECK(new_epoch > old_epoch);
    CHECK(f.marker_count >= sent_before + 2);
    for (int i = sent_before; i < f.marker_count; i++) {
        CHECK_EQ(f.markers[i].m.from, node_broker(1));
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.coordinator_epoch, new_epoch);
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.commit, 1);
    }
    txn_view v;
    CHECK(txn_coord_view(h->brokers[1].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    CHECK_EQ(v.coordinator_epoch, new_epoch);
    CHECK(!txn_coord_view(h->brokers[2].txn, 0, &v));
    /* The client finds the new coordinator; the old answers nothing, broker-2 NOT_COORDINATOR. */
    uint32_t fc = send_at(h, 15 * SIM_S, 2, find_coordinator());
    uint32_t nc = send_at(h, 15 * SIM_S, 2, end_txn(pid, epoch, true));
    uint32_t retry = send_at(h, 15 * SIM_S, 1, end_txn(pid, epoch, true));
    run_until(h, 15 * SIM_S + 100 * SIM_MS);
    const proto_msg *r = response(h, fc, NULL);
    CHECK(r && r->u.find_coordinator_response.coordinator == 1);
    CHECK_EQ(txn_error(h, nc), ERR_NOT_COORDINATOR);
    CHECK_EQ(txn_error(h, retry), ERR_NONE);
    /* State records are appended by whoever leads: the CompleteCommit is broker-1's. */
    int complete = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *x = &h->hist.recs[i];
        if (x->kind != HIST_TXN_STATE || x->b != TXN_COMPLETE_COMMIT) continue;
        complete++;
        CHECK_EQ(x->node, node_broker(1));
        CHECK_EQ(x->c, new_epoch);
    }
    CHECK_EQ(complete, 1);
    harness_fini(h);
}

/* Markers answered TRANSACTION_COORDINATOR_FENCED are given up: PrepareCommit stays, with
 * CompleteCommit pending, and the id answers CONCURRENT_TRANSACTIONS (KAFKA-16352). */
static void test_markers_fenced(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    f.answer_error = ERR_TRANSACTION_COORDINATOR_FENCED;
    uint32_t et = send_at(h, 300 * SIM_MS, 3, end_txn(pid, epoch, true));
    run_until(h, 40 * SIM_S);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    CHECK(f.marker_count >= 1 && f.marker_count <= 2); /* never re-sent */
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_PREPARE_COMMIT);
    CHECK_EQ(v.pending, TXN_COMPLETE_COMMIT);
    CHECK(!v.markers_pending);
    uint32_t ip = send_at(h, 40 * SIM_S, 3, init_pid(60000, pid, epoch));
    run_until(h, 40 * SIM_S + 100 * SIM_MS);
    CHECK_EQ(txn_error(h, ip), ERR_CONCURRENT_TRANSACTIONS);
    harness_fini(h);
}

/* Requests pipelined on one connection wait for the answer to the one before (the connection
 * is muted while a record is appended); a queued AddPartitionsToTxn keeps its partitions. The
 * producer id is known once InitProducerId is answered, so the test names the one broker-3
 * hands out first. */
static void test_pipelined(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid = 3 * BROKER_PRODUCER_ID_BLOCK;
    uint32_t ip = send_at(h, 100 * SIM_MS, 3, init_pid(60000, -1, -1));
    uint32_t ap = send_at(h, 100 * SIM_MS, 3, add_partitions(pid, 0));
    uint32_t et = send_at(h, 100 * SIM_MS, 3, end_txn(pid, 0, false));
    run_until(h, 300 * SIM_MS);
    int64_t t_ip = 0, t_ap = 0, t_et = 0;
    CHECK(response(h, ip, &t_ip) && response(h, ap, &t_ap) && response(h, et, &t_et));
    CHECK_EQ(txn_error(h, ap), ERR_NONE);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    CHECK(t_ip < t_ap && t_ap < t_et);
    CHECK_EQ(f.marker_count, 2); /* both partitions were added */
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_ABORT);
    harness_fini(h);
}

/* A state record the followers do not fetch times out after the transaction timeout (not the
 * request timeout): COORDINATOR_NOT_AVAILABLE, the pending state reset, and a retry once they
 * are back succeeds. */
static void test_append_timeout(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    broker_pause(&h->brokers[1], 20 * SIM_S);
    broker_pause(&h->brokers[2], 20 * SIM_S);
    uint32_t ip = send_at(h, 200 * SIM_MS, 3, init_pid(5000, -1, -1));
    run_until(h, 5 * SIM_S);
    CHECK(response(h, ip, NULL) == NULL);
    run_until(h, 6 * SIM_S);
    int64_t at = 0;
    CHECK(response(h, ip, &at) != NULL);
    CHECK_EQ(txn_error(h, ip), ERR_COORDINATOR_NOT_AVAILABLE);
    CHECK_EQ(at, 5202 * SIM_MS); /* arrived at 201 ms, 5 s of transaction timeout, 1 ms back */
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.pending, -1);
    CHECK_EQ(v.producer_epoch, -1); /* created, never initialized */
    uint32_t again = send_at(h, 21 * SIM_S, 3, init_pid(5000, -1, -1));
    run_until(h, 22 * SIM_S);
    const proto_msg *r = response(h, again, NULL);
    CHECK(r && r->u.init_pid_response.error == ERR_NONE && r->u.init_pid_response.producer_epoch == 0);
    harness_fini(h);
}

/* A partition whose leader moves to a broker that has the transaction's markers in flight
 * waits for that request's answer, then goes to it: broker-2 (orders-1) dies with its marker
 * unanswered, orders-1 moves to broker-1, whose marker for orders-0 is still out. */
static void test_marker_leader_moves(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    f.answer_markers = false;
    uint32_t et = send_at(h, 300 * SIM_MS, 3, end_txn(pid, epoch, true));
    run_until(h, 400 * SIM_MS);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    CHECK_EQ(f.marker_count, 2);
    int to_broker1 = f.markers[0].m.to == node_broker(1) ? 0 : 1;
    broker_crash(&h->brokers[2], false);
    run_until(h, 12 * SIM_S);
    CHECK_EQ(broker_partition_leader(&h->brokers[3], 1), 1);
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_PREPARE_COMMIT);
    CHECK_EQ(v.partition_count, 2);
    /* Broker-1 answers its marker now; orders-1's goes to it next. */
    f.answer_markers = true;
    sim_schedule(&h->world, 12 * SIM_S, f.kind_answer, (uint64_t)to_broker1);
    run_until(h, 12 * SIM_S + 100 * SIM_MS);
    const marker_req *last = &f.markers[f.marker_count - 1];
    CHECK_EQ(last->m.to, node_broker(1));
    CHECK_EQ(last->parts[0], 1);
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    harness_fini(h);
}

/* With the partition leaders' own WriteTxnMarkers handling: a transactional batch on orders-0,
 * a commit, and each leader's commit marker at the coordinator's epoch, after which the
 * transaction is CompleteCommit. */
static void test_real_leaders(void) {
    txn_fixture f;
    fixture_init(&f, 2, 10 * SIM_S);
    f.real_leaders = true;
    f.answer_markers = false;
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    proto_msg data = produce(-1, pid, 0, 0);
    data.u.produce.batch.flags = PROTO_BATCH_TRANSACTIONAL;
    data.u.produce.batch.producer_epoch = epoch;
    uint32_t pr = send_at(h, 300 * SIM_MS, 1, data);
    run_until(h, 400 * SIM_MS);
    const proto_msg *r = response(h, pr, NULL);
    CHECK(r && r->u.produce_response.error == ERR_NONE);
    uint32_t et = send_at(h, 400 * SIM_MS, 3, end_txn(pid, epoch, true));
    run_until(h, 500 * SIM_MS);
    CHECK_EQ(txn_error(h, et), ERR_NONE);
    int markers = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *x = &h->hist.recs[i];
        if (x->kind != HIST_MARKER) continue;
        markers++;
        CHECK_EQ(x->node, node_broker(x->partition == 0 ? 1 : 2));
        CHECK_EQ(x->a, 1);                         /* commit */
        CHECK_EQ(x->b, 0);                         /* coordinator epoch */
        CHECK_EQ(x->d, x->partition == 0 ? 1 : 0); /* after orders-0's batch */
    }
    CHECK_EQ(markers, 2);
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    CHECK_EQ(f.marker_count, 2); /* answered at once: never re-sent */
    harness_fini(h);
}

/* Transaction version 2 (KIP-890 part 2, 4.0): a world of 4.0.0 (or later) running it. */
static void fixture_tv2(txn_fixture *f, int kafka_version) {
    fixture_init_at(f, 2, 10 * SIM_S, kafka_version, 2);
}

static int16_t end_epoch(const harness *h, uint32_t corr, int64_t *pid) {
    const proto_msg *r = response(h, corr, NULL);
    *pid = r ? r->u.txn_response.producer_id : -2;
    return r ? r->u.txn_response.producer_epoch : -2;
}

/* EndTxn bumps the epoch (prepareAbortOrCommit) and answers the next one; the markers carry
 * it; a retry of the same result at the old epoch is NONE, the other result INVALID_TXN_STATE;
 * COMMIT with nothing added is INVALID_TXN_STATE, ABORT an empty abort (epoch bumped, no
 * marker); another epoch PRODUCER_FENCED; the next transaction adds at the new epoch. */
static void test_tv2_end_txn(void) {
    txn_fixture f;
    fixture_tv2(&f, 40000);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid, got;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    CHECK_EQ(epoch, 0);
    int before = f.marker_count;
    uint32_t commit = send_at(h, 300 * SIM_MS, 3, end_txn(pid, 0, true));
    run_until(h, 400 * SIM_MS);
    CHECK_EQ(txn_error(h, commit), ERR_NONE);
    CHECK_EQ(end_epoch(h, commit, &got), 1);
    CHECK_EQ(got, pid);
    CHECK_EQ(f.marker_count - before, 2);
    for (int i = before; i < f.marker_count; i++)
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.producer_epoch, 1);
    txn_view v;
    CHECK(txn_coord_view(h->brokers[3].txn, 0, &v));
    CHECK_EQ(v.state, TXN_COMPLETE_COMMIT);
    CHECK_EQ(v.producer_epoch, 1);
    CHECK_EQ(v.last_producer_epoch, 0);
    uint32_t retry = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, true));
    uint32_t other = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, false));
    uint32_t again = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 1, true));
    uint32_t wild = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 5, false));
    run_until(h, 500 * SIM_MS);
    CHECK_EQ(txn_error(h, retry), ERR_NONE);
    CHECK_EQ(end_epoch(h, retry, &got), 1);
    CHECK_EQ(txn_error(h, other), ERR_INVALID_TXN_STATE);
    CHECK_EQ(txn_error(h, again), ERR_INVALID_TXN_STATE);
    CHECK_EQ(txn_error(h, wild), ERR_PRODUCER_FENCED);
    before = f.marker_count;
    uint32_t empty = send_at(h, 500 * SIM_MS, 3, end_txn(pid, 1, false));
    run_until(h, 600 * SIM_MS);
    CHECK_EQ(txn_error(h, empty), ERR_NONE);
    CHECK_EQ(end_epoch(h, empty, &got), 2);
    CHECK_EQ(f.marker_count, before);
    uint32_t stale = send_at(h, 600 * SIM_MS, 3, add_partitions(pid, 1));
    uint32_t add = send_at(h, 610 * SIM_MS, 3, add_partitions(pid, 2));
    run_until(h, 700 * SIM_MS);
    CHECK_EQ(txn_error(h, stale), ERR_PRODUCER_FENCED);
    CHECK_EQ(txn_error(h, add), ERR_NONE);
    char states[16];
    states_since(h, 0, states, sizeof states);
    CHECK(strcmp(states, "0124351") == 0); /* ..., CompleteCommit, PrepareAbort, CompleteAbort, Ongoing */
    harness_fini(h);
}

/* A second instance's InitProducerId during an Ongoing transaction: the fence epoch (+1), then
 * the abort's own bump (+1 again) in 4.0.0, not after KAFKA-19367 (4.1): the abort markers
 * carry 2 or 1, the retried InitProducerId gets 3 or 2. The old instance's EndTxn(COMMIT) at
 * its epoch is PRODUCER_FENCED in 4.0.0; after KAFKA-19367 the epoch is only one up, so it
 * reads as a retry of a commit against CompleteAbort: INVALID_TXN_STATE (both fatal). */
static void test_tv2_fence(int kafka_version, int16_t marker_epoch, int16_t next_epoch,
                           int16_t old_commit_error) {
    txn_fixture f;
    fixture_tv2(&f, kafka_version);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    int64_t pid;
    int16_t epoch;
    begin(&f, 100 * SIM_MS, &pid, &epoch);
    int before = f.marker_count;
    uint32_t ip = send_from(h, 300 * SIM_MS, CLIENT2, 3, init_pid(60000, -1, -1));
    run_until(h, 400 * SIM_MS);
    CHECK_EQ(txn_error(h, ip), ERR_CONCURRENT_TRANSACTIONS);
    CHECK_EQ(f.marker_count - before, 2);
    for (int i = before; i < f.marker_count; i++) {
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.commit, 0);
        CHECK_EQ(f.markers[i].m.u.write_txn_markers.producer_epoch, marker_epoch);
    }
    uint32_t old_end = send_at(h, 400 * SIM_MS, 3, end_txn(pid, 0, true));
    uint32_t again = send_from(h, 400 * SIM_MS, CLIENT2, 3, init_pid(60000, -1, -1));
    run_until(h, 500 * SIM_MS);
    CHECK_EQ(txn_error(h, old_end), old_commit_error);
    const proto_msg *r = response(h, again, NULL);
    CHECK(r && r->u.init_pid_response.error == ERR_NONE);
    if (r) CHECK_EQ(r->u.init_pid_response.producer_epoch, next_epoch);
    harness_fini(h);
}

int main(void) {
    test_tv2_end_txn();
    test_tv2_fence(40000, 2, 3, ERR_PRODUCER_FENCED);
    test_tv2_fence(40100, 1, 2, ERR_INVALID_TXN_STATE);
    test_real_leaders();
    test_marker_leader_moves();
    test_append_timeout();
    test_pipelined();
    (void)leo;
    (void)hw;
    test_commit();
    test_pending();
    test_fence();
    test_timeout_abort();
    test_failover();
    test_markers_fenced();
    return test_result("test_txn_coordinator");
}
