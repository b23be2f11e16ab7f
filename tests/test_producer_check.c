/*
 * test_producer_check.c: producer_check_recent, the per-event check, against the full walk.
 *
 * A producer with 40 records, 4 per batch and one request in flight to a broker that never
 * answers holds a queue of batches. A healthy producer passes both checks after every call;
 * a broken end of a deque fails the cheap part at once; a miscounted pending total (seen only
 * by walking every batch) fails within as many calls as the last full walk visited batches;
 * producer_check finds both at once.
 */
#include "producer.h"
#include "test.h"

typedef struct fixture {
    sim_world world;
    net net;
    history hist;
    proto_payloads payloads;
    config cfg;
    producer prod;
    uint16_t kind_tick;
} fixture;

static fixture F;

/* Answers Metadata (leader = broker 1) and keeps ProduceRequests unanswered. */
static void deliver(void *ctx, const proto_msg *m) {
    (void)ctx;
    if (m->is_response || m->api != API_METADATA) return;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    r.u.metadata_response.leader = 1;
    r.u.metadata_response.leader_epoch = 0;
    net_send(&F.net, &r);
}

static void on_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

static void start(void) {
    memset(&F, 0, sizeof F);
    config *c = &F.cfg;
    c->kafka_version = 30700;
    c->acks = -1;
    c->max_in_flight = 1;
    c->retries = INT32_MAX;
    c->retry_backoff_ns = 100 * SIM_MS;
    c->retry_backoff_max_ns = 1000 * SIM_MS;
    c->request_timeout_ns = 30 * SIM_S;
    c->delivery_timeout_ns = 120 * SIM_S;
    c->batch_bytes = PRODUCER_BATCH_OVERHEAD_BYTES + 4 * (100 + PRODUCER_RECORD_OVERHEAD_BYTES);
    c->buffer_memory_bytes = 32 * 1024 * 1024;
    c->records = 40;
    c->record_bytes = 100;
    c->latency_ns = 1 * SIM_MS;
    c->metadata_max_age_ns = 300 * SIM_S;
    sim_world_options wopt = {.seed = 1, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&F.world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = c->latency_ns, .jitter_ns = 0, .stream_id = 1};
    if (net_init(&F.net, &F.world, &nopt) != 0) abort();
    if (history_init(&F.hist, 1024) != 0) abort();
    if (proto_payloads_init(&F.payloads, 64) != 0) abort();
    F.kind_tick = sim_handler_add(&F.world, on_tick, NULL, "tick");
    net_listen(&F.net, node_broker(1), deliver, NULL);
    producer_env env = {.world = &F.world, .net = &F.net, .history = &F.hist, .config = &F.cfg,
                        .payloads = &F.payloads};
    int bootstrap[1] = {1};
    if (producer_init(&F.prod, &env, 0, bootstrap, 1) != 0) abort();
    producer_start(&F.prod);
    int64_t t = 50 * SIM_MS;
    sim_schedule(&F.world, t, F.kind_tick, 0);
    F.world.opt.time_max_ns = t;
    sim_run(&F.world);
}

static void stop(void) {
    producer_fini(&F.prod);
    proto_payloads_fini(&F.payloads);
    history_fini(&F.hist);
    net_fini(&F.net);
    sim_world_fini(&F.world);
}

static bool failed(void) { return F.world.status == SIM_FAILED; }

/* Calls producer_check_recent up to n times; the calls made until the first failure. */
static int recent_until_failed(int n) {
    for (int i = 1; i <= n; i++) {
        producer_check_recent(&F.prod);
        if (failed()) return i;
    }
    return 0;
}

static void test_healthy(void) {
    start();
    CHECK(F.prod.partitions[0].head != PRODUCER_NIL); /* batches wait behind the one in flight */
    CHECK_EQ(recent_until_failed(100), 0);
    CHECK(F.prod.check_walk_steps >= 8); /* the full walk ran and counted the queued batches */
    producer_check(&F.prod);
    CHECK(!failed());
    stop();
}

static void test_broken_end(void) {
    start();
    producer_check_recent(&F.prod); /* a full walk first: the next calls are the cheap part */
    CHECK(!failed());
    producer_partition *pt = &F.prod.partitions[0];
    F.prod.batches[pt->tail].next = pt->head;
    CHECK_EQ(recent_until_failed(1), 1);
    stop();
}

static void test_miscount(void) {
    start();
    producer_check_recent(&F.prod);
    uint64_t steps = F.prod.check_walk_steps;
    CHECK(steps >= 8);
    F.prod.in_producer++;
    int calls = recent_until_failed(100);
    CHECK(calls > 1);                    /* the cheap part cannot see it */
    CHECK(calls <= (int)steps);          /* the amortised walk does, in time */
    stop();
    start();
    F.prod.in_producer++;
    producer_check(&F.prod);
    CHECK(failed());
    stop();
}

int main(void) {
    test_healthy();
    test_broken_end();
    test_miscount();
    return test_result("test_producer_check");
}
