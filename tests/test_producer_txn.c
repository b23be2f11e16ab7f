/*
 * test_producer_txn.c: the transactional producer (txn_manager.c and the application's loop in
 * producer.c) against fake brokers on a real network model.
 *
 * Broker 1 leads the partition; broker 2 is the transaction coordinator (FindCoordinator names
 * it, or broker 1 after a move). The fake answers Metadata, FindCoordinator, InitProducerId
 * (producer id 1000, the epoch raised by each call), AddPartitionsToTxn and EndTxn by itself
 * with the errors a test queues, and answers Produce at once (or holds it). It logs every
 * request it receives, so a test checks their order.
 */
#include "producer.h"
#include "producer_config.h"

#include "test.h"

#define LOG_MAX 512
#define ERRORS_MAX 8

typedef struct logged {
    int64_t at_ns;
    uint8_t api;
    int to;                   /* broker id */
    proto_msg m;              /* the request (out-of-line parts not kept) */
    uint16_t parts[4];        /* AddPartitionsToTxn: its first partitions */
} logged;

typedef struct fake {
    sim_world world;
    net net;
    history hist;
    proto_payloads payloads;
    config cfg;
    producer prod;
    uint16_t kind_tick;
    int coordinator;              /* what FindCoordinator answers */
    int16_t epoch;                /* the epoch the next InitProducerId hands out */
    bool hold_produce;            /* keep Produce unanswered (held[]) */
    bool hold_add;                /* keep AddPartitionsToTxn unanswered */
    int produce_errors[ERRORS_MAX]; /* errors for the next Produce requests, then NONE */
    int produce_error_count;
    int add_errors[ERRORS_MAX];   /* errors for the next AddPartitionsToTxn requests */
    int add_error_count;
    int end_errors[ERRORS_MAX];   /* errors for the next EndTxn requests */
    int end_error_count;
    int64_t next_offset;
    int count;                    /* requests logged */
    logged log[LOG_MAX];
    int held_count;
    proto_msg held[LOG_MAX];      /* requests kept unanswered */
} fake;

static fake F;

static int take_error(int *errors, int *count) {
    if (*count == 0) return ERR_NONE;
    int e = errors[0];
    memmove(errors, errors + 1, (size_t)(*count - 1) * sizeof *errors);
    (*count)--;
    return e;
}

static void answer_produce(const proto_msg *m, int error) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    r.u.produce_response.error = (int16_t)error;
    r.u.produce_response.base_offset = error == ERR_NONE ? F.next_offset : -1;
    if (error == ERR_NONE) F.next_offset += m->u.produce.batch.record_count;
    net_send(&F.net, &r);
}

static void fake_broker_deliver(void *ctx, const proto_msg *m) {
    int broker = (int)(intptr_t)ctx;
    if (m->is_response) return;
    if (F.count < LOG_MAX) {
        logged *l = &F.log[F.count++];
        l->at_ns = sim_now(&F.world);
        l->api = m->api;
        l->to = broker;
        l->m = *m;
        if (m->api == API_ADD_PARTITIONS_TO_TXN)
            for (int k = 0; k < m->u.add_partitions.partition_count && k < 4; k++)
                l->parts[k] = m->u.add_partitions.partitions[k];
    }
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    switch (m->api) {
    case API_METADATA:
        r.u.metadata_response.leader = 1;
        r.u.metadata_response.leader_epoch = 1;
        net_send(&F.net, &r);
        break;
    case API_FIND_COORDINATOR:
        r.u.find_coordinator_response.coordinator = (int16_t)F.coordinator;
        net_send(&F.net, &r);
        break;
    case API_INIT_PRODUCER_ID:
        r.u.init_pid_response.producer_id = 1000;
        r.u.init_pid_response.producer_epoch = F.epoch++;
        net_send(&F.net, &r);
        break;
    case API_ADD_PARTITIONS_TO_TXN:
        if (F.hold_add) {
            F.held[F.held_count++] = *m;
            break;
        }
        r.u.txn_response.error = (int16_t)take_error(F.add_errors, &F.add_error_count);
        net_send(&F.net, &r);
        break;
    case API_END_TXN:
        r.u.txn_response.error = (int16_t)take_error(F.end_errors, &F.end_error_count);
        net_send(&F.net, &r);
        break;
    case API_PRODUCE:
        if (F.hold_produce) {
            F.held[F.held_count++] = *m;
            break;
        }
        answer_produce(m, take_error(F.produce_errors, &F.produce_error_count));
        break;
    default: break;
    }
}

static void fake_on_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

static void run_until(int64_t t) {
    if (t > sim_now(&F.world)) sim_schedule(&F.world, t, F.kind_tick, 0);
    F.world.opt.time_max_ns = t;
    sim_run(&F.world);
}

/* A 3.7 transactional producer: 100-byte records, 4 per batch, 4 per transaction, latency
 * 1 ms, no jitter (producer_config.h), idempotent, 8 records. */
static void fake_config(config *c) {
    producer_test_config(c, 30700, 8);
    c->enable_idempotence = true;
    c->resend_on_failure = true;
    c->transaction_timeout_ns = 60 * SIM_S;
    c->max_block_ns = 60 * SIM_S;
    c->transaction_records = 4;
    c->txn_id_count = 1;
    strcpy(c->txn_ids[0], "app");
    for (int k = 0; k < PROTO_PRODUCERS_MAX; k++) c->producer_txn[k] = -1;
    c->producer_txn[0] = 0;
}

static void fake_start(const config *c) {
    memset(&F, 0, sizeof F);
    F.cfg = *c;
    F.coordinator = 2;
    F.next_offset = 0;
    sim_world_options wopt = {.seed = 1, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&F.world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = c->latency_ns, .jitter_ns = 0, .stream_id = 1};
    if (net_init(&F.net, &F.world, &nopt) != 0) abort();
    if (history_init(&F.hist, 1024) != 0) abort();
    if (proto_payloads_init(&F.payloads, 64) != 0) abort();
    F.kind_tick = sim_handler_add(&F.world, fake_on_tick, NULL, "tick");
    net_listen(&F.net, node_broker(1), fake_broker_deliver, (void *)(intptr_t)1);
    net_listen(&F.net, node_broker(2), fake_broker_deliver, (void *)(intptr_t)2);
    producer_env env = {.world = &F.world, .net = &F.net, .history = &F.hist, .config = &F.cfg,
                        .payloads = &F.payloads};
    int bootstrap[2] = {1, 2};
    if (producer_init(&F.prod, &env, 0, bootstrap, 2) != 0) abort();
    producer_start(&F.prod);
}

static void fake_stop(void) {
    producer_check(&F.prod);
    CHECK_EQ(F.world.status == SIM_FAILED, 0);
    producer_fini(&F.prod);
    proto_payloads_fini(&F.payloads);
    history_fini(&F.hist);
    net_fini(&F.net);
    sim_world_fini(&F.world);
}

/* Index of the n-th (0-based) logged request of api, or -1. */
static int nth(uint8_t api, int n) {
    for (int k = 0; k < F.count; k++)
        if (F.log[k].api == api && n-- == 0) return k;
    return -1;
}

static int count_api(uint8_t api) {
    int n = 0;
    for (int k = 0; k < F.count; k++) n += F.log[k].api == api;
    return n;
}

static int hist_count(history_kind kind) {
    int n = 0;
    for (size_t i = 0; i < F.hist.count; i++) n += F.hist.recs[i].kind == kind;
    return n;
}

/* The n-th history record of kind, or NULL. */
static const history_rec *hist_nth(history_kind kind, int n) {
    for (size_t i = 0; i < F.hist.count; i++)
        if (F.hist.recs[i].kind == kind && n-- == 0) return &F.hist.recs[i];
    return NULL;
}

/* ---- Tests ------------------------------------------------------------------------------ */

/* initTransactions finds the coordinator first (InitProducerId has none yet: it waits a retry
 * backoff), then two transactions of 4 records: AddPartitionsToTxn before the first Produce,
 * EndTxn(COMMIT) after the batch's acknowledgement, every batch transactional. */
static void test_init_and_commit(void) {
    config c;
    fake_config(&c);
    fake_start(&c);
    run_until(2 * SIM_S);
    int fc = nth(API_FIND_COORDINATOR, 0), init = nth(API_INIT_PRODUCER_ID, 0);
    CHECK(fc >= 0 && init > fc);
    CHECK_EQ(F.log[fc].m.u.find_coordinator.txn, 0);
    CHECK_EQ(F.log[init].to, 2);
    CHECK_EQ(F.log[init].m.u.init_pid.txn, 0);
    CHECK_EQ(F.log[init].m.u.init_pid.txn_timeout_ms, 60000);
    CHECK_EQ(F.log[init].m.u.init_pid.producer_id, PROTO_NO_PRODUCER_ID);
    /* The retried InitProducerId waited retry.backoff.ms after the coordinator was found. */
    CHECK(F.log[init].at_ns >= F.log[fc].at_ns + 100 * SIM_MS);
    for (int t = 0; t < 2; t++) {
        int add = nth(API_ADD_PARTITIONS_TO_TXN, t), prod = nth(API_PRODUCE, t),
            end = nth(API_END_TXN, t);
        CHECK(add >= 0 && prod > add && end > prod);
        CHECK_EQ(F.log[add].to, 2);
        CHECK_EQ(F.log[add].m.u.add_partitions.partition_count, 1);
        CHECK_EQ(F.log[add].parts[0], 0);
        CHECK_EQ(F.log[add].m.u.add_partitions.producer_id, 1000);
        CHECK_EQ(F.log[end].m.u.end_txn.commit, 1);
        CHECK_EQ(F.log[prod].to, 1);
        const proto_batch *b = &F.log[prod].m.u.produce.batch;
        CHECK_EQ(b->flags, PROTO_BATCH_TRANSACTIONAL);
        CHECK_EQ(b->record_count, 4);
        CHECK_EQ(b->producer_id, 1000);
        CHECK_EQ(b->base_sequence, 4 * t);
        /* The first Produce waits for the partition's AddPartitionsToTxn answer. */
        CHECK(F.log[prod].at_ns >= F.log[add].at_ns + 2 * SIM_MS);
    }
    CHECK_EQ(count_api(API_END_TXN), 2);
    CHECK_EQ(hist_count(HIST_TXN_BEGIN), 2);
    CHECK_EQ(hist_count(HIST_TXN_BATCH), 2);
    CHECK_EQ(hist_count(HIST_TXN_END), 2);
    const history_rec *e = hist_nth(HIST_TXN_END, 1);
    CHECK(e && e->a == 2 && e->b == 1 && e->c == ERR_NONE);
    const history_rec *tb = hist_nth(HIST_TXN_BATCH, 1);
    CHECK(tb && tb->b == 2);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_READY);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* No Produce goes out while a transactional request is in flight (Sender.runOnce returns
 * before sendProducerData). */
static void test_no_produce_while_txn_request_in_flight(void) {
    config c;
    fake_config(&c);
    fake_start(&c);
    F.hold_add = true;
    run_until(1 * SIM_S);
    CHECK_EQ(count_api(API_ADD_PARTITIONS_TO_TXN), 1);
    CHECK_EQ(count_api(API_PRODUCE), 0);
    CHECK_EQ(F.prod.txn->parts[0], TXN_PART_PENDING);
    /* Answer it: the batch goes. */
    F.hold_add = false;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(&F.held[0], &r);
    net_send(&F.net, &r);
    run_until(2 * SIM_S);
    CHECK(count_api(API_PRODUCE) >= 1);
    CHECK_EQ(hist_count(HIST_TXN_END), 2);
    fake_stop();
}

/* CONCURRENT_TRANSACTIONS on a transaction's first AddPartitionsToTxn is retried after 20 ms,
 * not retry.backoff.ms (maybeOverrideRetryBackoffMs). */
static void test_concurrent_transactions_retried_soon(void) {
    config c;
    fake_config(&c);
    c.records = 4;
    fake_start(&c);
    F.add_errors[F.add_error_count++] = ERR_CONCURRENT_TRANSACTIONS;
    run_until(2 * SIM_S);
    int a0 = nth(API_ADD_PARTITIONS_TO_TXN, 0), a1 = nth(API_ADD_PARTITIONS_TO_TXN, 1);
    CHECK(a0 >= 0 && a1 > a0);
    CHECK_EQ(F.log[a1].at_ns - F.log[a0].at_ns, 2 * SIM_MS + 20 * SIM_MS);
    CHECK_EQ(hist_count(HIST_TXN_END), 1);
    CHECK_EQ(hist_nth(HIST_TXN_END, 0)->c, ERR_NONE);
    fake_stop();
}

/* NOT_COORDINATOR on EndTxn: FindCoordinator again, then the EndTxn to the new coordinator. */
static void test_not_coordinator_relookup(void) {
    config c;
    fake_config(&c);
    c.records = 4;
    fake_start(&c);
    F.end_errors[F.end_error_count++] = ERR_NOT_COORDINATOR;
    run_until(100 * SIM_MS);
    CHECK_EQ(count_api(API_END_TXN), 0);
    F.coordinator = 1; /* the coordinator moves */
    run_until(3 * SIM_S);
    CHECK_EQ(count_api(API_FIND_COORDINATOR), 2);
    int e0 = nth(API_END_TXN, 0), fc = nth(API_FIND_COORDINATOR, 1), e1 = nth(API_END_TXN, 1);
    CHECK(e0 >= 0 && fc > e0 && e1 > fc);
    CHECK_EQ(F.log[e0].to, 2);
    CHECK_EQ(F.log[e1].to, 1);
    CHECK_EQ(hist_nth(HIST_TXN_END, 0)->c, ERR_NONE);
    fake_stop();
}

/* PRODUCER_FENCED on EndTxn is fatal: the commit fails with it and the application closes
 * (no more transactions, no more sends); the run is done. */
static void test_fenced_commit_is_fatal(void) {
    config c;
    fake_config(&c);
    fake_start(&c);
    F.end_errors[F.end_error_count++] = ERR_PRODUCER_FENCED;
    run_until(3 * SIM_S);
    CHECK_EQ(count_api(API_END_TXN), 1);
    CHECK_EQ(count_api(API_PRODUCE), 1);
    CHECK_EQ(hist_count(HIST_TXN_END), 1);
    const history_rec *e = hist_nth(HIST_TXN_END, 0);
    CHECK(e && e->b == 1 && e->c == ERR_PRODUCER_FENCED);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_FATAL_ERROR);
    CHECK_EQ(F.prod.txn_phase, PRODUCER_TXN_CLOSED);
    CHECK_EQ(F.prod.next_id, 4); /* the second transaction never began */
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* A produce error is abortable (INVALID_PRODUCER_EPOCH from 2.7, KIP-588): the commit fails
 * with it, the application aborts and sends the same records again in a new transaction. The
 * commit had begun, so no epoch bump (canBumpEpoch && !isCompleting). Before 2.7 the same
 * error is a ProducerFencedException: fatal. */
static void test_abortable_produce_error_resends(void) {
    config c;
    fake_config(&c);
    c.records = 4;
    fake_start(&c);
    F.produce_errors[F.produce_error_count++] = ERR_INVALID_PRODUCER_EPOCH;
    run_until(3 * SIM_S);
    CHECK_EQ(count_api(API_END_TXN), 2);
    CHECK_EQ(F.log[nth(API_END_TXN, 0)].m.u.end_txn.commit, 0);
    CHECK_EQ(F.log[nth(API_END_TXN, 1)].m.u.end_txn.commit, 1);
    CHECK_EQ(count_api(API_INIT_PRODUCER_ID), 1);
    CHECK_EQ(hist_count(HIST_TXN_END), 3);
    const history_rec *e0 = hist_nth(HIST_TXN_END, 0), *e1 = hist_nth(HIST_TXN_END, 1),
                      *e2 = hist_nth(HIST_TXN_END, 2);
    CHECK(e0->a == 1 && e0->b == 1 && e0->c == ERR_INVALID_PRODUCER_EPOCH);
    CHECK(e1->a == 1 && e1->b == 0 && e1->c == ERR_NONE);
    CHECK(e2->a == 2 && e2->b == 1 && e2->c == ERR_NONE);
    /* The second Produce carries the same ids, sent again. */
    int p1 = nth(API_PRODUCE, 1);
    CHECK(p1 >= 0);
    proto_ids ids = proto_payload_ids(&F.payloads, F.log[p1].m.u.produce.batch.payload);
    CHECK_EQ(ids.n, 4);
    CHECK_EQ(proto_ids_at(&ids, 0), 0);
    CHECK(producer_done(&F.prod));
    fake_stop();

    fake_config(&c);
    c.records = 4;
    c.kafka_version = 20600;
    fake_start(&c);
    F.produce_errors[F.produce_error_count++] = ERR_INVALID_PRODUCER_EPOCH;
    run_until(3 * SIM_S);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_FATAL_ERROR);
    CHECK_EQ(count_api(API_END_TXN), 0);
    CHECK_EQ(hist_nth(HIST_TXN_END, 0)->c, ERR_PRODUCER_FENCED);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* An abortable error while the transaction is still open (the application sends at 10
 * records/s) bumps the epoch: EndTxn(ABORT), then InitProducerId(1000, 0), and the records go
 * again at epoch 1 from sequence 0. Before 2.5 the coordinator cannot bump: no InitProducerId. */
static void test_abort_with_epoch_bump(void) {
    config c;
    fake_config(&c);
    c.records = 4;
    c.rate_per_s = 10;
    c.retries = 0; /* the first batch's NOT_ENOUGH_REPLICAS fails it */
    fake_start(&c);
    F.produce_errors[F.produce_error_count++] = ERR_NOT_ENOUGH_REPLICAS;
    run_until(5 * SIM_S);
    int end = nth(API_END_TXN, 0), bump = nth(API_INIT_PRODUCER_ID, 1);
    CHECK(end >= 0 && bump > end);
    CHECK_EQ(F.log[end].m.u.end_txn.commit, 0);
    CHECK_EQ(F.log[bump].m.u.init_pid.producer_id, 1000);
    CHECK_EQ(F.log[bump].m.u.init_pid.producer_epoch, 0);
    int last = nth(API_PRODUCE, count_api(API_PRODUCE) - 1);
    CHECK_EQ(F.log[last].m.u.produce.batch.producer_epoch, 1);
    CHECK_EQ(hist_nth(HIST_TXN_END, 0)->b, 0);
    CHECK_EQ(hist_nth(HIST_TXN_END, 1)->c, ERR_NONE);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* A restarted instance: the old one's open transaction ends unanswered (PRODUCER_CLOSED, commit
 * asked), the new one runs initTransactions (a new InitProducerId) and sends the records again. */
static void test_restart_resends_uncommitted(void) {
    config c;
    fake_config(&c);
    c.records = 4;
    fake_start(&c);
    F.hold_produce = true;
    run_until(500 * SIM_MS);
    CHECK_EQ(count_api(API_PRODUCE), 1);
    producer_restart(&F.prod);
    F.hold_produce = false;
    run_until(3 * SIM_S);
    CHECK_EQ(count_api(API_INIT_PRODUCER_ID), 2);
    const history_rec *e0 = hist_nth(HIST_TXN_END, 0), *e1 = hist_nth(HIST_TXN_END, 1);
    CHECK(e0 && e0->a == 1 && e0->b == 1 && e0->c == ERR_CLIENT_PRODUCER_CLOSED);
    CHECK(e1 && e1->a == 2 && e1->b == 1 && e1->c == ERR_NONE);
    const history_rec *b1 = hist_nth(HIST_TXN_BEGIN, 1);
    CHECK(b1 && b1->a == 2 && b1->e == 1);
    CHECK(producer_done(&F.prod));
    CHECK_EQ(F.prod.given_up, 0);
    fake_stop();
}

/* workload.transaction.abort.ratio=1: every transaction is aborted as soon as its records are
 * sent, before any batch drained: the batches fail with TransactionAbortedException, nothing
 * was added, so no AddPartitionsToTxn or EndTxn goes out (nextRequest completes the transaction
 * locally), and the next transaction begins at once: five transactions within a few ms, none
 * of them waiting for max.block.ms. */
static void test_abort_ratio_without_requests(void) {
    config c;
    fake_config(&c);
    c.records = 20;
    c.transaction_abort_ppm = 1000000;
    fake_start(&c);
    run_until(2 * SIM_S);
    CHECK_EQ(hist_count(HIST_TXN_END), 5);
    for (int k = 0; k < 5; k++) {
        const history_rec *e = hist_nth(HIST_TXN_END, k);
        CHECK(e && e->a == (uint32_t)k + 1 && e->b == 0 && e->c == ERR_NONE);
        CHECK(e && e->time_ns < 200 * SIM_MS);
    }
    CHECK_EQ(count_api(API_ADD_PARTITIONS_TO_TXN), 0);
    CHECK_EQ(count_api(API_END_TXN), 0);
    CHECK_EQ(count_api(API_PRODUCE), 0);
    CHECK_EQ(F.prod.failed, 20);
    CHECK(producer_done(&F.prod));
    fake_stop();
}

/* ---- The driven transactional producer (an exactly-once instance's) ---------------------- */

static struct {
    int sends[8];                /* on_send per id: calls */
    int send_error[8];           /* and the last one's error */
    int txn_returns;             /* on_txn calls */
    int txn_error;               /* the last one's error */
    int unblocked;               /* on_unblocked calls */
    int unblocked_error;         /* the last one's error */
} drv;

static void dv_on_send(void *ctx, uint32_t id, int partition, int error, int64_t offset) {
    (void)ctx;
    (void)partition;
    (void)offset;
    CHECK(id < 8);
    drv.sends[id]++;
    drv.send_error[id] = error;
}
static void dv_on_txn(void *ctx, int error) {
    (void)ctx;
    drv.txn_returns++;
    drv.txn_error = error;
}
static void dv_on_unblocked(void *ctx, int error) {
    (void)ctx;
    drv.unblocked++;
    drv.unblocked_error = error;
}

/* The producer of instance consumer-1 with transactional.id "app", initialised and in a
 * transaction; its first send (id 0) gets produce_error (retries 0: the batch fails, the
 * transaction enters an error state). */
static void dv_start(config *c, int kafka_version, int produce_error) {
    fake_config(c);
    c->kafka_version = kafka_version;
    c->records = 8;
    c->retries = 0;
    c->producer_txn[0] = -1;
    for (int k = 0; k < PROTO_CONSUMERS_MAX; k++) c->consumer_txn[k] = -1;
    c->consumer_txn[0] = 0;
    memset(&drv, 0, sizeof drv);
    memset(&F, 0, sizeof F);
    F.cfg = *c;
    F.coordinator = 2;
    sim_world_options wopt = {.seed = 1, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&F.world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = c->latency_ns, .jitter_ns = 0, .stream_id = 1};
    if (net_init(&F.net, &F.world, &nopt) != 0) abort();
    if (history_init(&F.hist, 1024) != 0) abort();
    if (proto_payloads_init(&F.payloads, 64) != 0) abort();
    F.kind_tick = sim_handler_add(&F.world, fake_on_tick, NULL, "tick");
    net_listen(&F.net, node_broker(1), fake_broker_deliver, (void *)(intptr_t)1);
    net_listen(&F.net, node_broker(2), fake_broker_deliver, (void *)(intptr_t)2);
    producer_driver driver = {.on_send = dv_on_send, .on_txn = dv_on_txn,
                              .on_unblocked = dv_on_unblocked};
    producer_env env = {.world = &F.world, .net = &F.net, .history = &F.hist, .config = &F.cfg,
                        .payloads = &F.payloads, .driver = &driver};
    int bootstrap[2] = {1, 2};
    if (producer_init(&F.prod, &env, 0, bootstrap, 2) != 0) abort();
    producer_start(&F.prod);
    CHECK(producer_drive_transactional(&F.prod));
    producer_drive_init_transactions(&F.prod);
    run_until(1 * SIM_S);
    CHECK_EQ(drv.txn_returns, 1);
    CHECK_EQ(drv.txn_error, 0);
    CHECK_EQ(producer_drive_begin(&F.prod), 0);
    F.produce_errors[F.produce_error_count++] = produce_error;
    CHECK_EQ(producer_drive_send(&F.prod, 0, 0), PRODUCER_DRIVE_SENT);
    run_until(2 * SIM_S);
    CHECK_EQ(drv.sends[0], 1);
    CHECK_EQ(drv.send_error[0], produce_error);
}

/* HIST_SEND records of id. */
static int dv_hist_sends(uint32_t id) {
    int n = 0;
    for (size_t i = 0; i < F.hist.count; i++) {
        const history_rec *r = &F.hist.recs[i];
        n += r->kind == HIST_SEND && r->a <= id && id < r->a + (r->c ? r->c : 1);
    }
    return n;
}

/* A send after the transaction's batch failed throws at once (KafkaProducer.doSend ->
 * TransactionManager.maybeAddPartition -> maybeFailWithError, 3.9): from 3.1.1 the record was
 * appended first and fails with the batch the sender aborts, without a Produce; before 3.1.1
 * (failIfNotReadyForSend) it is never appended. The application aborts: EndTxn(ABORT). */
static void test_driven_send_throws_after_error(void) {
    config c;
    dv_start(&c, 30700, ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_ABORTABLE_ERROR);
    int produces = count_api(API_PRODUCE);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(dv_hist_sends(1), 1);
    run_until(3 * SIM_S);
    CHECK_EQ(drv.sends[1], 1);
    CHECK(drv.send_error[1] != ERR_NONE);
    CHECK_EQ(count_api(API_PRODUCE), produces);
    producer_drive_abort(&F.prod);
    run_until(5 * SIM_S);
    CHECK_EQ(drv.txn_returns, 2);
    CHECK_EQ(drv.txn_error, 0);
    CHECK_EQ(F.log[nth(API_END_TXN, 0)].m.u.end_txn.commit, 0);
    CHECK_EQ(producer_drive_pending(&F.prod), 0);
    fake_stop();

    dv_start(&c, 30100, ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(dv_hist_sends(1), 0);
    CHECK_EQ(producer_drive_pending(&F.prod), 0);
    run_until(3 * SIM_S);
    CHECK_EQ(drv.sends[1], 0);
    fake_stop();
}

/* From 3.1.1 a ProducerFencedException or InvalidProducerEpochException (KIP-588, abortable)
 * is an ApiException: doSend hands it to the callback and send returns; before 3.1.1 it threw
 * (a KafkaException). */
static void test_driven_send_api_exception_returns(void) {
    config c;
    dv_start(&c, 30700, ERR_PRODUCER_FENCED);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_FATAL_ERROR);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), PRODUCER_DRIVE_SENT);
    run_until(3 * SIM_S);
    CHECK_EQ(drv.sends[1], 1);
    CHECK_EQ(drv.send_error[1], ERR_PRODUCER_FENCED);
    fake_stop();

    dv_start(&c, 30700, ERR_INVALID_PRODUCER_EPOCH);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_ABORTABLE_ERROR);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), PRODUCER_DRIVE_SENT);
    run_until(3 * SIM_S);
    CHECK_EQ(drv.sends[1], 1);
    CHECK_EQ(drv.send_error[1], ERR_INVALID_PRODUCER_EPOCH);
    fake_stop();

    dv_start(&c, 30000, ERR_PRODUCER_FENCED);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), ERR_PRODUCER_FENCED);
    CHECK_EQ(dv_hist_sends(1), 0);
    fake_stop();
}

/* A send blocked on buffer.memory past max.block.ms fails with BufferExhaustedException, an
 * ApiException whose catch in doSend makes the transaction's error abortable
 * (maybeTransitionToErrorState): the transaction cannot commit without the record, and the
 * next send throws once memory let its record in. */
static void test_driven_buffer_exhausted_is_abortable(void) {
    config c;
    dv_start(&c, 30700, ERR_NONE);
    F.hold_produce = true;
    F.cfg.buffer_memory_bytes = PRODUCER_BATCH_OVERHEAD_BYTES + 150; /* room for one record */
    F.cfg.max_block_ns = 1 * SIM_S;
    CHECK_EQ(F.prod.txn->state, TXN_MGR_IN_TRANSACTION);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), PRODUCER_DRIVE_SENT);
    CHECK_EQ(producer_drive_send(&F.prod, 0, 2), PRODUCER_DRIVE_BLOCKED);
    run_until(4 * SIM_S);
    CHECK_EQ(drv.unblocked, 1);
    CHECK_EQ(drv.unblocked_error, 0);
    CHECK_EQ(drv.send_error[2], ERR_CLIENT_BUFFER_EXHAUSTED);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_ABORTABLE_ERROR);
    /* The next send waits for memory first (RecordAccumulator.append comes before
     * maybeAddPartition) and throws once its record is in. */
    CHECK_EQ(producer_drive_send(&F.prod, 0, 3), PRODUCER_DRIVE_BLOCKED);
    F.hold_produce = false;
    CHECK_EQ(F.held_count, 1);
    answer_produce(&F.held[0], ERR_NONE);
    run_until(5 * SIM_S);
    CHECK_EQ(drv.unblocked, 2);
    CHECK_EQ(drv.unblocked_error, ERR_CLIENT_BUFFER_EXHAUSTED);
    CHECK_EQ(drv.send_error[1], ERR_NONE);
    CHECK_EQ(dv_hist_sends(3), 1);
    fake_stop();
}

/* A call reports its own outcome, never an earlier call's: commitTransaction in the abortable
 * state throws the batch's error, the abort returns, and a commit without a transaction (an
 * invalid transition: the manager is poisoned, nothing is sent) throws INVALID_TXN_STATE, not
 * the earlier call's NOT_ENOUGH_REPLICAS. */
static void test_driven_txn_error_not_stale(void) {
    config c;
    dv_start(&c, 30700, ERR_NOT_ENOUGH_REPLICAS);
    producer_drive_commit(&F.prod);
    run_until(3 * SIM_S);
    CHECK_EQ(drv.txn_returns, 2);
    CHECK_EQ(drv.txn_error, ERR_NOT_ENOUGH_REPLICAS);
    producer_drive_abort(&F.prod);
    run_until(5 * SIM_S);
    CHECK_EQ(drv.txn_returns, 3);
    CHECK_EQ(drv.txn_error, ERR_NONE);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_READY);
    producer_drive_commit(&F.prod);
    run_until(6 * SIM_S);
    CHECK_EQ(drv.txn_returns, 4);
    CHECK_EQ(drv.txn_error, ERR_INVALID_TXN_STATE);
    CHECK(producer_drive_txn_fatal(&F.prod));
    fake_stop();
}

/* The HIST_TXN_END last recorded, or NULL. */
static const history_rec *dv_last_end(void) {
    int n = hist_count(HIST_TXN_END);
    return n > 0 ? hist_nth(HIST_TXN_END, n - 1) : NULL;
}

/* max.block.ms ends a driven call (TransactionalRequestResult.await's TimeoutException) while
 * the manager goes on with it: commitTransaction waits for a batch the leader holds and times
 * out; an abort then throws IllegalStateException at once (the commit is the pending
 * transition), leaving the manager as it was; the same commit again gets the commit's result.
 * close() lets the pending commit finish and tells nothing; close() with a transaction open
 * aborts it (Sender.run's shutdown). */
static void test_driven_call_timeout(void) {
    config c;
    dv_start(&c, 30700, ERR_NONE);
    F.cfg.max_block_ns = 1 * SIM_S;
    F.hold_produce = true;
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), PRODUCER_DRIVE_SENT);
    run_until(2500 * SIM_MS);
    producer_drive_commit(&F.prod);
    run_until(4 * SIM_S);
    CHECK_EQ(drv.txn_returns, 2);
    CHECK_EQ(drv.txn_error, ERR_CLIENT_TXN_TIMEOUT);
    const history_rec *e = hist_nth(HIST_ERROR, hist_count(HIST_ERROR) - 1);
    CHECK(e && e->a == ERR_CLIENT_TXN_TIMEOUT && e->c == API_END_TXN);
    CHECK_EQ(count_api(API_END_TXN), 0);
    producer_drive_abort(&F.prod);
    run_until(4100 * SIM_MS);
    CHECK_EQ(drv.txn_returns, 3);
    CHECK_EQ(drv.txn_error, ERR_INVALID_TXN_STATE);
    CHECK_EQ(F.prod.txn->state, TXN_MGR_COMMITTING_TRANSACTION);
    CHECK_EQ(producer_drive_pending(&F.prod), 2); /* the held record and the commit */
    producer_drive_close(&F.prod);
    F.hold_produce = false;
    CHECK_EQ(F.held_count, 1);
    answer_produce(&F.held[0], ERR_NONE);
    run_until(6 * SIM_S);
    CHECK_EQ(count_api(API_END_TXN), 1);
    CHECK_EQ(F.log[nth(API_END_TXN, 0)].m.u.end_txn.commit, 1);
    CHECK(dv_last_end() && dv_last_end()->b == 1 && dv_last_end()->c == ERR_NONE);
    CHECK_EQ(drv.txn_returns, 3); /* nothing told after close */
    CHECK_EQ(producer_drive_pending(&F.prod), 0);
    fake_stop();

    /* The same call again waits for the kept result. */
    dv_start(&c, 30700, ERR_NONE);
    F.cfg.max_block_ns = 1 * SIM_S;
    F.hold_produce = true;
    CHECK_EQ(producer_drive_send(&F.prod, 0, 1), PRODUCER_DRIVE_SENT);
    run_until(2500 * SIM_MS);
    producer_drive_commit(&F.prod);
    run_until(4 * SIM_S);
    CHECK_EQ(drv.txn_error, ERR_CLIENT_TXN_TIMEOUT);
    producer_drive_commit(&F.prod);
    F.hold_produce = false;
    answer_produce(&F.held[0], ERR_NONE);
    run_until(5 * SIM_S);
    CHECK_EQ(drv.txn_returns, 3);
    CHECK_EQ(drv.txn_error, ERR_NONE);
    CHECK_EQ(producer_drive_begin(&F.prod), 0); /* acked: the next transaction may begin */
    /* close() with that transaction open aborts it. */
    CHECK_EQ(producer_drive_send(&F.prod, 0, 2), PRODUCER_DRIVE_SENT);
    run_until(6 * SIM_S);
    producer_drive_close(&F.prod);
    run_until(8 * SIM_S);
    CHECK_EQ(count_api(API_END_TXN), 2);
    CHECK_EQ(F.log[nth(API_END_TXN, 1)].m.u.end_txn.commit, 0);
    CHECK(dv_last_end() && dv_last_end()->b == 0 && dv_last_end()->c == ERR_NONE);
    CHECK_EQ(drv.txn_returns, 3);
    CHECK_EQ(producer_drive_pending(&F.prod), 0);
    fake_stop();
}

int main(void) {
    test_driven_call_timeout();
    test_driven_txn_error_not_stale();
    test_driven_send_throws_after_error();
    test_driven_send_api_exception_returns();
    test_driven_buffer_exhausted_is_abortable();
    test_init_and_commit();
    test_no_produce_while_txn_request_in_flight();
    test_concurrent_transactions_retried_soon();
    test_not_coordinator_relookup();
    test_fenced_commit_is_fatal();
    test_abortable_produce_error_resends();
    test_abort_with_epoch_bump();
    test_restart_resends_uncommitted();
    test_abort_ratio_without_requests();
    return test_result("test_producer_txn");
}
