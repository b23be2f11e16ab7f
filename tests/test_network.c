/*
 * test_network.c: the network model alone, with two or three listening endpoints that record
 * what reaches them.
 *
 * Checks: FIFO per direction under heavy jitter, jitter actually drawn within its bounds (and
 * number for number as sim_pcg32_bounded64 draws it), generation resets losing what was in
 * flight (and a response to a request of a closed connection vanishing), break and delay rules
 * with time windows and dynamic selectors, TCP drop (retransmission at the RTO, doubling, reset,
 * head-of-line, give-up), cuts (held and delivered after the heal at the next RTO instant, one
 * way, give-up), graceful closes, a process going down (what it had sent arrives ahead of the
 * RST notices to its clients, refused requests), a power-off (no notices), closes that walk
 * only their generation's messages, pool growth, and determinism per seed.
 */
#include "network.h"

#include "test.h"

#define ARRIVALS_MAX 20000

typedef struct sink {
    sim_world *world;
    int count;                      /* messages received */
    uint32_t corr[ARRIVALS_MAX];    /* their correlation ids, in arrival order */
    uint8_t api[ARRIVALS_MAX];      /* their apis */
    node_id from[ARRIVALS_MAX];     /* their senders */
    int64_t at_ns[ARRIVALS_MAX];    /* when they arrived */
} sink;

static void sink_deliver(void *ctx, const proto_msg *m) {
    sink *s = ctx;
    if (s->count >= ARRIVALS_MAX) return;
    s->corr[s->count] = m->correlation_id;
    s->api[s->count] = m->api;
    s->from[s->count] = m->from;
    s->at_ns[s->count] = sim_now(s->world);
    s->count++;
}

typedef struct drops {
    int count;     /* on_drop calls */
    int last_rule; /* rule index of the last one */
} drops;

static void drops_on_drop(void *ctx, int rule, const proto_msg *m) {
    drops *d = ctx;
    (void)m;
    d->count++;
    d->last_rule = rule;
}

typedef struct harness {
    sim_world world;
    net net;
    sink producer, broker1, broker2;
    drops drops;
    node_id leader; /* what NET_SELECT_LEADER resolves to */
    uint16_t kind_tick; /* a no-op event that moves the clock */
} harness;

static void harness_on_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

static node_id harness_resolve(void *ctx, int selector) {
    harness *h = ctx;
    return selector == NET_SELECT_LEADER ? h->leader : NODE_NONE;
}

static void harness_init(harness *h, uint64_t seed, int64_t latency_ns, int64_t jitter_ns) {
    memset(h, 0, sizeof *h);
    sim_world_options wopt = {.seed = seed, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&h->world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = latency_ns, .jitter_ns = jitter_ns, .stream_id = 1};
    if (net_init(&h->net, &h->world, &nopt) != 0) abort();
    h->producer.world = h->broker1.world = h->broker2.world = &h->world;
    net_listen(&h->net, node_producer(0), sink_deliver, &h->producer);
    net_listen(&h->net, node_broker(1), sink_deliver, &h->broker1);
    net_listen(&h->net, node_broker(2), sink_deliver, &h->broker2);
    h->net.on_drop = drops_on_drop;
    h->net.drop_ctx = &h->drops;
    h->net.resolve = harness_resolve;
    h->net.resolve_ctx = h;
    h->leader = node_broker(1);
    h->kind_tick = sim_handler_add(&h->world, harness_on_tick, h, "tick");
}

static void harness_fini(harness *h) {
    net_fini(&h->net);
    sim_world_fini(&h->world);
}

static void send_request(harness *h, node_id from, node_id to, uint32_t corr) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.from = from;
    m.to = to;
    m.correlation_id = corr;
    net_send(&h->net, &m);
}

static void send_response(harness *h, node_id from, node_id to, uint32_t corr, uint32_t gen) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.is_response = 1;
    m.from = from;
    m.to = to;
    m.correlation_id = corr;
    m.conn_gen = gen;
    net_send(&h->net, &m);
}

/* Advances the world to t (events at t included); the clock reads t afterwards. */
static void run_until(harness *h, int64_t t) {
    if (t > sim_now(&h->world)) sim_schedule(&h->world, t, h->kind_tick, 0);
    h->world.opt.time_max_ns = t;
    sim_run(&h->world);
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void test_fifo_under_jitter(void) {
    harness h;
    harness_init(&h, 7, 1 * SIM_MS, 900 * SIM_US);
    /* One message every 10 us: jitter (+-0.9 ms) is far larger than the gap, so only the FIFO
     * rule keeps the order. */
    int64_t min_delay = INT64_MAX, max_delay = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        run_until(&h, (int64_t)i * 10 * SIM_US);
        send_request(&h, node_producer(0), node_broker(1), i);
    }
    run_until(&h, SIM_S);
    CHECK_EQ(h.broker1.count, 2000);
    int inversions = 0;
    for (int i = 0; i < h.broker1.count; i++) {
        if (i > 0 && h.broker1.corr[i] <= h.broker1.corr[i - 1]) inversions++;
        if (i > 0) CHECK(h.broker1.at_ns[i] >= h.broker1.at_ns[i - 1]);
        int64_t d = h.broker1.at_ns[i] - (int64_t)h.broker1.corr[i] * 10 * SIM_US;
        if (d < min_delay) min_delay = d;
        if (d > max_delay) max_delay = d;
    }
    CHECK_EQ(inversions, 0);
    /* No message is faster than latency - jitter; queueing behind a slow one holds a message
     * back, but never past the slowest possible arrival. */
    CHECK(min_delay >= 100 * SIM_US);
    CHECK(max_delay > 1 * SIM_MS);
    CHECK(max_delay <= 1900 * SIM_US);
    CHECK_EQ(h.net.sent, 2000);
    CHECK_EQ(h.net.delivered, 2000);
    harness_fini(&h);
}

static void test_jitter_never_negative(void) {
    harness h;
    harness_init(&h, 3, 100 * SIM_US, 5 * SIM_MS); /* jitter far above latency */
    for (uint32_t i = 0; i < 200; i++) {
        run_until(&h, (int64_t)i * 20 * SIM_MS);
        send_request(&h, node_producer(0), node_broker(1), i);
    }
    run_until(&h, 10 * SIM_S);
    CHECK_EQ(h.broker1.count, 200);
    int at_send = 0;
    for (int i = 0; i < h.broker1.count; i++) {
        int64_t d = h.broker1.at_ns[i] - (int64_t)h.broker1.corr[i] * 20 * SIM_MS;
        CHECK(d >= 0);
        CHECK(d <= 5100 * SIM_US);
        if (d == 0) at_send++;
    }
    CHECK(at_send > 50); /* about half the draws fall below zero and are clamped */
    harness_fini(&h);
}

static void test_reset_loses_in_flight(void) {
    harness h;
    harness_init(&h, 1, 1 * SIM_MS, 0);
    node_id p = node_producer(0), b = node_broker(1);
    CHECK_EQ(h.net.conn_gen[p][b], 1);
    send_request(&h, p, b, 1);
    net_reset(&h.net, p, b);
    CHECK_EQ(h.net.conn_gen[p][b], 2);
    send_request(&h, p, b, 2);
    run_until(&h, 10 * SIM_MS);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.broker1.corr[0], 2);
    /* A response echoing the generation of a request from before a reset vanishes; one
     * echoing the current generation, or leaving it 0, arrives. */
    send_response(&h, b, p, 10, 2);
    net_reset(&h.net, p, b);
    send_response(&h, b, p, 11, 2);
    send_response(&h, b, p, 12, 3);
    send_response(&h, b, p, 13, 0);
    run_until(&h, 20 * SIM_MS);
    CHECK_EQ(h.producer.count, 2);
    CHECK_EQ(h.producer.corr[0], 12);
    CHECK_EQ(h.producer.corr[1], 13);
    CHECK_EQ(h.net.dropped, 3);
    CHECK_EQ(h.drops.count, 0); /* resets are not fault-rule drops */
    harness_fini(&h);
}

static void test_break_rule(void) {
    harness h;
    harness_init(&h, 11, 1 * SIM_MS, 0);
    net_rule r = {.kind = NET_RULE_BREAK, .responses = true, .from = NET_SELECT_LEADER,
                  .to = NET_SELECT_ANY, .ppm = 500000, .from_ns = 0, .to_ns = SIM_TIME_NEVER,
                  .fault = 3};
    CHECK_EQ(net_rule_add(&h.net, &r), 0);
    node_id p = node_producer(0);
    for (uint32_t i = 0; i < 1000; i++) {
        /* A fresh connection for each exchange: a break holds back everything after it on its
         * connection (test_break_head_of_line), and this test measures the rate alone. */
        net_reset(&h.net, p, node_broker(1));
        send_response(&h, node_broker(1), p, i, 0);
        send_request(&h, p, node_broker(1), i); /* requests are not matched */
        run_until(&h, (int64_t)(i + 1) * 2 * SIM_MS);
    }
    CHECK_EQ(h.broker1.count, 1000);
    CHECK(h.producer.count > 400);
    CHECK(h.producer.count < 600);
    CHECK_EQ(h.drops.count, 1000 - h.producer.count);
    CHECK_EQ(h.drops.last_rule, 0);
    /* The leader moves: the same rule now spares broker 1 and hits broker 2. */
    h.leader = node_broker(2);
    int before = h.producer.count;
    net_reset(&h.net, p, node_broker(1));
    for (uint32_t i = 0; i < 100; i++) send_response(&h, node_broker(1), p, i, 0);
    run_until(&h, 2010 * SIM_MS);
    CHECK_EQ(h.producer.count, before + 100);
    harness_fini(&h);
}

/* A break loses a response with its connection: nothing after it on that connection reaches
 * the client until the connection is closed; requests the other way still flow. */
static void test_break_head_of_line(void) {
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    net_rule r = {.kind = NET_RULE_BREAK, .responses = true, .from = NET_SELECT_ANY,
                  .to = NET_SELECT_ANY, .ppm = 1000000, .from_ns = 0, .to_ns = 2 * SIM_MS,
                  .fault = 0};
    CHECK_EQ(net_rule_add(&h.net, &r), 0);
    node_id p = node_producer(0);
    send_response(&h, node_broker(1), p, 1, 0); /* lost to the rule */
    run_until(&h, 3 * SIM_MS);
    send_response(&h, node_broker(1), p, 2, 0); /* the rule is over, but it is held behind */
    send_request(&h, p, node_broker(1), 3);
    run_until(&h, 6 * SIM_MS);
    CHECK_EQ(h.producer.count, 0);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.drops.count, 1); /* only the rule's drop is a fault drop */
    net_reset(&h.net, p, node_broker(1));
    send_response(&h, node_broker(1), p, 4, 0);
    run_until(&h, 9 * SIM_MS);
    CHECK_EQ(h.producer.count, 1);
    harness_fini(&h);
}

static void test_delay_rule_window(void) {
    harness h;
    harness_init(&h, 2, 1 * SIM_MS, 0);
    net_rule r = {.kind = NET_RULE_DELAY, .responses = false, .from = node_producer(0),
                  .to = node_broker(1), .delay_ns = 50 * SIM_MS, .from_ns = 100 * SIM_MS,
                  .to_ns = 200 * SIM_MS, .fault = 0};
    net_rule_add(&h.net, &r);
    send_request(&h, node_producer(0), node_broker(1), 1);
    run_until(&h, 100 * SIM_MS);
    send_request(&h, node_producer(0), node_broker(1), 2);
    send_request(&h, node_producer(0), node_broker(2), 3); /* other receiver: not delayed */
    run_until(&h, 200 * SIM_MS);
    send_request(&h, node_producer(0), node_broker(1), 4); /* window closed */
    run_until(&h, 400 * SIM_MS);
    CHECK_EQ(h.broker1.count, 3);
    CHECK_EQ(h.broker1.at_ns[0], 1 * SIM_MS);
    CHECK_EQ(h.broker1.at_ns[1], 151 * SIM_MS);
    CHECK_EQ(h.broker1.at_ns[2], 201 * SIM_MS);
    CHECK_EQ(h.broker2.at_ns[0], 101 * SIM_MS);
    harness_fini(&h);
}

/* TCP loss (issue 16.7): a dropped message is retransmitted at the RTO (200 ms), arrives, and
 * what was sent after it waits behind it; today's code lost it and stalled the direction. */
static void test_drop_retransmits(void) {
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    net_rule r = {.kind = NET_RULE_DROP, .responses = true, .from = NET_SELECT_ANY,
                  .to = NET_SELECT_ANY, .ppm = 1000000, .from_ns = 0, .to_ns = 150 * SIM_MS,
                  .fault = 0};
    CHECK_EQ(net_rule_add(&h.net, &r), 0);
    node_id p = node_producer(0), b = node_broker(1);
    send_response(&h, b, p, 1, 0);  /* lost at 0, resent at 200 ms (the rule is over then) */
    run_until(&h, 1 * SIM_MS);
    send_response(&h, b, p, 2, 0);  /* lost while 1 is recovered: goes right behind it */
    send_request(&h, p, b, 3);      /* the other direction is not held */
    run_until(&h, 160 * SIM_MS);
    send_response(&h, b, p, 4, 0);  /* not lost, but behind 1 and 2 */
    run_until(&h, 300 * SIM_MS);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.broker1.at_ns[0], 2 * SIM_MS);
    CHECK_EQ(h.producer.count, 3);
    for (int i = 0; i < 3 && i < h.producer.count; i++) {
        CHECK_EQ(h.producer.corr[i], (uint32_t)(i == 2 ? 4 : i + 1));
        CHECK_EQ(h.producer.at_ns[i], 201 * SIM_MS);
    }
    CHECK_EQ(h.drops.count, 2);
    CHECK_EQ(h.net.dropped, 0);
    CHECK_EQ(h.net.retransmitted, 2);
    CHECK_EQ(h.net.conn_gen[p][b], 1); /* nothing was reset */
    harness_fini(&h);
}

/* The RTO doubles while the retransmissions are lost too (200 ms, 400 ms, ...), caps at 120 s,
 * starts again at 200 ms for a loss after the recovery, and the kernel gives up after
 * tcp_retries2 = 15 retransmissions, at 924.6 s. */
static void test_drop_backoff_and_give_up(void) {
    CHECK_EQ(net_rto_ns(0), 200 * SIM_MS);
    CHECK_EQ(net_rto_ns(1), 400 * SIM_MS);
    CHECK_EQ(net_rto_ns(9), 102400 * SIM_MS);
    CHECK_EQ(net_rto_ns(10), 120 * SIM_S);
    CHECK_EQ(net_rto_ns(40), 120 * SIM_S);
    CHECK_EQ(NET_TCP_GIVE_UP_NS, 924600 * SIM_MS);
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    net_rule r = {.kind = NET_RULE_DROP, .responses = false, .from = NET_SELECT_ANY,
                  .to = NET_SELECT_ANY, .ppm = 1000000, .from_ns = 0, .to_ns = 500 * SIM_MS,
                  .fault = 0};
    CHECK_EQ(net_rule_add(&h.net, &r), 0);
    node_id p = node_producer(0), b = node_broker(1);
    send_request(&h, p, b, 1); /* lost at 0 and at 200 ms, through at 600 ms */
    run_until(&h, 2 * SIM_S);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.broker1.at_ns[0], 601 * SIM_MS);
    net_rule forever = r;
    forever.from_ns = 3 * SIM_S;
    forever.to_ns = SIM_TIME_NEVER;
    forever.ppm = 1000000;
    CHECK_EQ(net_rule_add(&h.net, &forever), 1);
    run_until(&h, 2500 * SIM_MS);
    send_request(&h, p, b, 2); /* the window of rule 0 is over: 200 ms again would pass */
    run_until(&h, 3 * SIM_S);
    CHECK_EQ(h.broker1.count, 2);
    CHECK_EQ(h.broker1.at_ns[1], 2501 * SIM_MS);
    send_request(&h, p, b, 3); /* lost for good: the kernel gives up at 924.6 s */
    run_until(&h, 2000 * SIM_S);
    CHECK_EQ(h.broker1.count, 2);
    CHECK_EQ(h.net.dropped, 1);
    harness_fini(&h);
}

/* A partition holds what crosses it and delivers it at the first RTO instant after the heal
 * (issue 16.7: today's cut reset the connection and lost it); nothing is reset, no notice. */
static void test_cut(void) {
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    node_id p = node_producer(0), b = node_broker(1);
    send_request(&h, p, b, 1);      /* in flight when the cut comes: held on arrival */
    net_cut(&h.net, p, b, true);
    send_request(&h, p, b, 2);      /* held behind it */
    send_response(&h, b, p, 3, 0);  /* the other way still flows (one-way cut) */
    run_until(&h, 250 * SIM_MS);
    CHECK_EQ(h.broker1.count, 0);
    CHECK_EQ(h.producer.count, 1);
    CHECK_EQ(h.producer.api[0], API_PRODUCE); /* no disconnect notice for a cut */
    CHECK_EQ(h.net.conn_gen[p][b], 1);        /* nothing reset */
    net_cut(&h.net, p, b, false);             /* at 250 ms: RTO instants 200, 600 ms */
    send_request(&h, p, b, 4);                /* sent after the heal: behind the held ones */
    run_until(&h, 2 * SIM_S);
    CHECK_EQ(h.broker1.count, 3);
    for (int i = 0; i < 3 && i < h.broker1.count; i++) {
        CHECK_EQ(h.broker1.corr[i], (uint32_t)(i == 2 ? 4 : i + 1));
        CHECK_EQ(h.broker1.at_ns[i], 601 * SIM_MS);
    }
    CHECK_EQ(h.drops.count, 0);
    CHECK_EQ(h.net.dropped, 0);
    /* A cut longer than the kernel's give-up time (924.6 s) loses what it held. */
    net_cut(&h.net, p, b, true);
    send_request(&h, p, b, 5);
    run_until(&h, 1000 * SIM_S);
    net_cut(&h.net, p, b, false);
    send_request(&h, p, b, 6);
    run_until(&h, 1001 * SIM_S);
    CHECK_EQ(h.broker1.count, 4);
    CHECK_EQ(h.broker1.corr[3], 6);
    CHECK_EQ(h.net.dropped, 1);
    harness_fini(&h);
}

/* A message sent just before a heal arrives after it, but not before what the cut held. */
static void test_cut_in_flight_at_heal(void) {
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    node_id p = node_producer(0), b = node_broker(1);
    net_cut(&h.net, p, b, true);
    send_request(&h, p, b, 1);
    run_until(&h, 99500 * SIM_US);
    send_request(&h, p, b, 2); /* arrives at 100.5 ms, after the heal at 100 ms */
    run_until(&h, 100 * SIM_MS);
    net_cut(&h.net, p, b, false);
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(h.broker1.count, 2);
    CHECK_EQ(h.broker1.corr[0], 1);
    CHECK_EQ(h.broker1.at_ns[0], 201 * SIM_MS);
    CHECK_EQ(h.broker1.corr[1], 2);
    CHECK_EQ(h.broker1.at_ns[1], 201 * SIM_MS);
    harness_fini(&h);
}

/* A graceful close: what the closer sent still arrives, what travels to it vanishes; a
 * connection a break broke loses everything in flight, as before. */
static void test_close(void) {
    harness h;
    harness_init(&h, 5, 1 * SIM_MS, 0);
    node_id p = node_producer(0), b = node_broker(1);
    send_request(&h, p, b, 1);
    send_response(&h, b, p, 2, 0);
    net_close(&h.net, p, b, true); /* the client's request.timeout.ms */
    run_until(&h, 5 * SIM_MS);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.producer.count, 0);
    CHECK_EQ(h.net.conn_gen[p][b], 2);
    send_request(&h, p, b, 3);
    send_response(&h, b, p, 4, 0);
    net_close(&h.net, p, b, false); /* the server closes (acks=0 error) */
    run_until(&h, 10 * SIM_MS);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.producer.count, 1);
    CHECK_EQ(h.producer.corr[0], 4);
    /* A request held by a cut still arrives after the client closed. */
    net_cut(&h.net, p, b, true);
    send_request(&h, p, b, 5);
    run_until(&h, 20 * SIM_MS);
    net_close(&h.net, p, b, true);
    net_cut(&h.net, p, b, false);
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(h.broker1.count, 2);
    CHECK_EQ(h.broker1.corr[1], 5);
    /* After a break, the close loses what is in flight on the connection. */
    net_rule r = {.kind = NET_RULE_BREAK, .responses = true, .from = NET_SELECT_ANY,
                  .to = NET_SELECT_ANY, .ppm = 1000000, .from_ns = 0,
                  .to_ns = 1001 * SIM_MS, .fault = 0};
    CHECK_EQ(net_rule_add(&h.net, &r), 0);
    send_response(&h, b, p, 6, 0); /* broken */
    send_request(&h, p, b, 7);
    net_close(&h.net, p, b, true);
    run_until(&h, 2 * SIM_S);
    CHECK_EQ(h.broker1.count, 2);
    harness_fini(&h);
}

/* Closes walk only the closing generation's messages once the pool is large: with one request
 * per generation in flight for 1000 s (network.jitter.ms=1000000 with a zero timeout, found by
 * test_edges seed 26377) every close walked the whole pool, a run quadratic in its events
 * (80,000 events: 9.8 s); past NET_LIVE_LISTS_FROM slots each close visits its own message
 * only. Every request still arrives: the client closed, the bytes it sent were on their way. */
static void test_close_walks_its_generation(void) {
    harness h;
    harness_init(&h, 13, 1000 * SIM_S, 0);
    node_id p = node_producer(0), b = node_broker(1);
    uint64_t walked_at_6000 = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        if (i == 6000) walked_at_6000 = h.net.live_walked;
        send_request(&h, p, b, i);
        net_close(&h.net, p, b, true);
        run_until(&h, sim_now(&h.world) + SIM_MS);
    }
    CHECK(h.net.live_lists);
    CHECK_EQ(h.net.live_walked - walked_at_6000, 4000);
    run_until(&h, 1011 * SIM_S);
    CHECK_EQ(h.broker1.count, 10000);
    CHECK_EQ(h.net.free_count, h.net.slot_capacity);
    harness_fini(&h);
}

/* Issue 16.5: what a dying process had already put on the wire reaches the other end ahead
 * of the reset; what travels to it is lost; clients get the RST one latency later. */
static void test_down_and_disconnect(void) {
    harness h;
    harness_init(&h, 9, 2 * SIM_MS, 0);
    node_id p = node_producer(0), b1 = node_broker(1), b2 = node_broker(2);
    send_request(&h, p, b1, 1);   /* the producer is a client of broker 1 */
    send_request(&h, b1, b2, 2);  /* broker 1 is a client of broker 2 (a follower fetch) */
    send_request(&h, b2, b1, 3);  /* and broker 2 of broker 1 */
    run_until(&h, 1 * SIM_MS);
    send_response(&h, b1, p, 9, 0); /* broker 1 answers the producer before it dies */
    run_until(&h, 1500 * SIM_US);
    send_response(&h, b1, p, 10, 0); /* written in the crash's instant: not yet sent, lost */
    net_set_down(&h.net, b1, true);
    run_until(&h, 10 * SIM_MS);
    CHECK_EQ(h.broker1.count, 0);                 /* in flight to it: lost */
    CHECK_EQ(h.broker2.count, 2);
    CHECK_EQ(h.broker2.corr[0], 2);               /* on the wire from the dead node: arrives */
    CHECK_EQ(h.broker2.at_ns[0], 2 * SIM_MS);
    CHECK_EQ(h.broker2.api[1], API_DISCONNECT);   /* broker 2 was its client */
    CHECK_EQ(h.broker2.from[1], b1);
    CHECK_EQ(h.broker2.at_ns[1], 3500 * SIM_US);  /* one latency after the crash */
    CHECK_EQ(h.producer.count, 2);
    CHECK_EQ(h.producer.corr[0], 9);              /* the answer, ahead of the reset */
    CHECK_EQ(h.producer.at_ns[0], 3 * SIM_MS);
    CHECK_EQ(h.producer.api[1], API_DISCONNECT);
    /* A request to the dead process is refused with a notice; a response to it just vanishes. */
    send_request(&h, p, b1, 4);
    send_response(&h, b2, b1, 5, 0);
    run_until(&h, 20 * SIM_MS);
    CHECK_EQ(h.producer.count, 3);
    CHECK_EQ(h.producer.api[2], API_DISCONNECT);
    CHECK_EQ(h.producer.at_ns[2], 12 * SIM_MS);
    net_set_down(&h.net, b1, false);
    send_request(&h, p, b1, 6);
    run_until(&h, 30 * SIM_MS);
    CHECK_EQ(h.broker1.count, 1);
    CHECK_EQ(h.broker1.corr[0], 6);
    harness_fini(&h);
}

/* What waits for a retransmission when a process dies is discarded (the RST path of tcp_close);
 * a machine without power sends no RST and refuses nothing. */
static void test_death_and_power_off(void) {
    harness h;
    harness_init(&h, 9, 1 * SIM_MS, 0);
    node_id p = node_producer(0), b1 = node_broker(1), b2 = node_broker(2);
    net_cut(&h.net, b1, p, true);
    send_response(&h, b1, p, 1, 0); /* held by the cut */
    send_request(&h, p, b1, 2);
    run_until(&h, 50 * SIM_MS);
    net_cut(&h.net, b1, p, false); /* the answer would go again at 200 ms */
    net_set_down(&h.net, b1, true);
    run_until(&h, 1 * SIM_S);
    CHECK_EQ(h.producer.count, 1);
    CHECK_EQ(h.producer.api[0], API_DISCONNECT); /* the held answer is gone */
    net_set_down(&h.net, b1, false);
    /* Power loss: what is on the wire arrives, nobody is told, nothing is refused. */
    send_request(&h, p, b2, 3);
    run_until(&h, 1001 * SIM_MS);
    send_response(&h, b2, p, 4, 0);
    run_until(&h, 1001500 * SIM_US);
    net_power_off(&h.net, b2);
    send_request(&h, p, b2, 5);
    run_until(&h, 2 * SIM_S);
    CHECK_EQ(h.producer.count, 2);
    CHECK_EQ(h.producer.corr[1], 4);
    CHECK_EQ(h.producer.api[1], API_PRODUCE);
    net_set_down(&h.net, b2, false);
    send_request(&h, p, b2, 6);
    run_until(&h, 3 * SIM_S);
    CHECK_EQ(h.broker2.count, 2);
    CHECK_EQ(h.broker2.corr[1], 6);
    harness_fini(&h);
}

static void test_pool_growth(void) {
    harness h;
    harness_init(&h, 4, 1 * SIM_MS, 100 * SIM_US);
    size_t bytes_small = net_memory_bytes(&h.net);
    CHECK(bytes_small >= (size_t)h.net.slot_capacity * (sizeof(proto_msg) + 2 * sizeof(int64_t)));
    for (uint32_t i = 0; i < 10000; i++) send_request(&h, node_producer(0), node_broker(2), i);
    CHECK(h.net.slot_capacity >= 10000);
    /* The memory bound counts every slot array, the live lists started past 4,096 slots too. */
    CHECK(h.net.live_lists);
    CHECK(net_memory_bytes(&h.net) >=
          (size_t)h.net.slot_capacity * (sizeof(proto_msg) + sizeof(proto_batch *) +
                                         2 * sizeof(int64_t) + 5 * sizeof(uint32_t) + 1));
    run_until(&h, SIM_S);
    CHECK_EQ(h.broker2.count, 10000);
    CHECK_EQ(h.net.free_count, h.net.slot_capacity);
    harness_fini(&h);
}

/* Arrival times of 100 jittered messages under seed. */
static uint64_t arrival_digest(uint64_t seed) {
    harness h;
    harness_init(&h, seed, 1 * SIM_MS, 500 * SIM_US);
    for (uint32_t i = 0; i < 100; i++) {
        run_until(&h, (int64_t)i * SIM_MS);
        send_request(&h, node_producer(0), node_broker(1), i);
    }
    run_until(&h, SIM_S);
    uint64_t d = 1469598103934665603ULL;
    for (int i = 0; i < h.broker1.count; i++) d = (d ^ (uint64_t)h.broker1.at_ns[i]) * 1099511628211ULL;
    harness_fini(&h);
    return d;
}

/* The jitter is sim_pcg32_bounded64(2 * jitter + 1) from the network's stream, number for
 * number, though the network draws it with its own threshold (network.c): the random sequence
 * is part of every run's output. Messages far apart, so that FIFO never holds one back. */
static void test_jitter_is_bounded64(void) {
    harness h;
    harness_init(&h, 11, 1 * SIM_MS, 200 * SIM_US);
    sim_pcg32 ref = sim_stream(&h.world, 1);
    for (uint32_t i = 0; i < 500; i++) {
        run_until(&h, (int64_t)i * 10 * SIM_MS);
        send_request(&h, node_producer(0), node_broker(1), i);
    }
    run_until(&h, 10 * SIM_S);
    CHECK_EQ(h.broker1.count, 500);
    for (int i = 0; i < h.broker1.count; i++) {
        int64_t want = 1 * SIM_MS + (int64_t)sim_pcg32_bounded64(&ref, 400001) - 200 * SIM_US;
        CHECK_EQ(h.broker1.at_ns[i] - (int64_t)i * 10 * SIM_MS, want);
    }
    harness_fini(&h);
}

static void test_determinism(void) {
    CHECK(arrival_digest(42) == arrival_digest(42));
    CHECK(arrival_digest(42) != arrival_digest(43));
}

int main(void) {
    test_fifo_under_jitter();
    test_jitter_never_negative();
    test_reset_loses_in_flight();
    test_break_rule();
    test_break_head_of_line();
    test_drop_retransmits();
    test_drop_backoff_and_give_up();
    test_delay_rule_window();
    test_cut();
    test_cut_in_flight_at_heal();
    test_close();
    test_death_and_power_off();
    test_down_and_disconnect();
    test_close_walks_its_generation();
    test_pool_growth();
    test_jitter_is_bounded64();
    test_determinism();
    return test_result("test_network");
}
