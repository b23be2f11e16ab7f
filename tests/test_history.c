/*
 * test_history.c: the observation log: records keep their order and fields through growth,
 * every recorder fills the fields its kind documents, the observer sees every record, and a run
 * of sends or callbacks recorded at once stores what one call per record stores.
 */
#include <string.h>

#include "history.h"
#include "sim.h"
#include "test.h"

typedef struct observed {
    size_t count;
    history_kind last_kind;
    int64_t last_time_ns;
} observed;

static void observe(void *ctx, const history_rec *r) {
    observed *o = ctx;
    o->count++;
    o->last_kind = (history_kind)r->kind;
    o->last_time_ns = r->time_ns;
}

/* Thousands of records from a tiny initial capacity: order and contents survive doubling. */
static void test_growth_and_observer(void) {
    history h;
    CHECK_EQ(history_init(&h, 1), 0);
    CHECK(h.capacity >= 64);
    CHECK(h.observer == NULL);
    observed o = {0};
    h.observer = observe;
    h.observer_ctx = &o;
    for (uint32_t i = 0; i < 5000; i++)
        history_send(&h, (int64_t)i * SIM_US, node_producer(0), i, i % 3);
    CHECK_EQ(h.count, 5000);
    CHECK_EQ(o.count, 5000);
    CHECK_EQ(o.last_kind, HIST_SEND);
    CHECK_EQ(o.last_time_ns, 4999 * SIM_US);
    CHECK(!h.failed);
    CHECK(h.capacity >= h.count);
    CHECK(h.capacity < 4 * h.count); /* geometric, not wasteful */
    bool ordered = true;
    for (size_t i = 0; i < h.count; i++)
        ordered = ordered && h.recs[i].a == i && h.recs[i].b == i % 3 &&
                  h.recs[i].time_ns == (int64_t)i * SIM_US;
    CHECK(ordered);
    CHECK_EQ(history_count_kind(&h, HIST_SEND), 5000);
    CHECK_EQ(history_count_kind(&h, HIST_CALLBACK), 0);
    history_fini(&h);
    CHECK(h.recs == NULL);
}

static void test_recorders(void) {
    history h;
    CHECK_EQ(history_init(&h, 0), 0);
    proto_batch b = {.base_offset = 40, .producer_id = 7, .payload = 3, .record_count = 10,
                     .base_sequence = 30, .partition_leader_epoch = 2, .producer_epoch = 1,
                     .attempt = 2, .producer = (uint8_t)node_producer(0)};
    history_callback(&h, 1, node_producer(0), 9, 1, ERR_NOT_ENOUGH_REPLICAS, -1);
    history_attempt(&h, 2, node_producer(0), &b, 1);
    history_append(&h, 3, node_broker(1), &b, true);
    history_append(&h, 4, node_broker(2), &b, false);
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.is_response = 1;
    m.from = node_broker(1);
    m.to = node_producer(0);
    m.u.produce_response.base_offset = 40;
    history_drop(&h, 5, &m, 3, false);
    m.is_response = 0;
    m.from = node_producer(0);
    m.to = node_broker(1);
    m.u.produce.batch = b;
    history_drop(&h, 6, &m, -1, false);
    history_election(&h, 7, 2, 5, true);
    history_election(&h, 8, -1, 6, false);
    history_expire(&h, 9, node_producer(0), &b, true);
    CHECK_EQ(h.count, 9);

    const history_rec *r = &h.recs[0];
    CHECK_EQ(r->kind, HIST_CALLBACK);
    CHECK_EQ(r->a, 9);
    CHECK_EQ(r->b, 1);
    CHECK_EQ(r->c, ERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(r->d, -1);
    r = &h.recs[1];
    CHECK_EQ(r->a, 3);
    CHECK_EQ(r->b, 2);
    CHECK_EQ(r->c, 1);
    CHECK_EQ(r->d, 30);
    CHECK_EQ(r->e, 1);
    CHECK_EQ(r->f, 7);
    r = &h.recs[2];
    CHECK_EQ(r->node, node_broker(1));
    CHECK_EQ(r->c, 1);
    CHECK_EQ(r->d, 40);
    CHECK_EQ(r->e, 2);
    CHECK_EQ(r->f, 30);
    CHECK_EQ(h.recs[3].c, 0);
    r = &h.recs[4];
    CHECK_EQ(r->kind, HIST_DROP);
    CHECK_EQ(r->node, node_producer(0));
    CHECK_EQ(r->f, node_broker(1));
    CHECK_EQ(r->b, 3);
    CHECK_EQ(r->c, -1);
    CHECK_EQ(r->d, 40);
    CHECK_EQ(r->e, 1);
    r = &h.recs[5];
    CHECK_EQ(r->b, UINT32_MAX);
    CHECK_EQ(r->c, 3);
    CHECK_EQ(r->d, -1);
    CHECK_EQ(r->e, 0);
    CHECK_EQ(h.recs[6].node, node_broker(2));
    CHECK_EQ(h.recs[6].a, 5);
    CHECK_EQ(h.recs[6].b, 1);
    CHECK_EQ(h.recs[7].node, NODE_NONE);
    CHECK_EQ(h.recs[8].c, 2);
    CHECK_STR(history_kind_name(HIST_EPOCH_BUMP), "epoch-bump");
    CHECK_STR(history_kind_name(HIST_KIND_COUNT), "unknown");
    history_fini(&h);
}

/* The run recorders store exactly what one call per record stores, coalescing or not, and an
 * observer sees every record of a run. */
static void test_runs(void) {
    history one, run, seen;
    CHECK_EQ(history_init(&one, 1), 0);
    CHECK_EQ(history_init(&run, 1), 0);
    CHECK_EQ(history_init(&seen, 1), 0);
    one.coalesce = run.coalesce = seen.coalesce = true;
    observed o = {0};
    seen.observer = observe;
    seen.observer_ctx = &o;
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 11, 1);
    int64_t t = 0, offset = 0;
    uint32_t id = 0, added = 0;
    for (int i = 0; i < 3000; i++) {
        if (sim_pcg32_bounded(&rng, 4) == 0) t += SIM_US;
        uint32_t n = sim_pcg32_bounded(&rng, 12);
        uint32_t send_no = sim_pcg32_bounded(&rng, 8) == 0 ? 1 : 0;
        /* Often the run continues the one before it, sometimes not. */
        if (sim_pcg32_bounded(&rng, 5) == 0) id += sim_pcg32_bounded(&rng, 3);
        if (sim_pcg32_bounded(&rng, 2) == 0) {
            history_send_run(&run, t, node_producer(0), id, n, send_no);
            history_send_run(&seen, t, node_producer(0), id, n, send_no);
            for (uint32_t j = 0; j < n; j++)
                history_send(&one, t, node_producer(0), id + j, send_no);
        } else {
            int error = sim_pcg32_bounded(&rng, 6) == 0 ? ERR_NOT_LEADER_OR_FOLLOWER : ERR_NONE;
            int64_t off = error != ERR_NONE || sim_pcg32_bounded(&rng, 10) == 0 ? -1 : offset;
            history_callback_run(&run, t, node_producer(0), id, n, send_no, error, off);
            history_callback_run(&seen, t, node_producer(0), id, n, send_no, error, off);
            for (uint32_t j = 0; j < n; j++)
                history_callback(&one, t, node_producer(0), id + j, send_no, error,
                                 off < 0 ? -1 : off + j);
            if (off >= 0) offset += n;
        }
        if (i % 500 == 0) {
            history_hw(&one, t, node_broker(1), offset);
            history_hw(&run, t, node_broker(1), offset);
            history_hw(&seen, t, node_broker(1), offset);
            added++;
        }
        id += n;
        added += n;
    }
    CHECK(one.count < added / 2);
    CHECK_EQ(run.count, one.count);
    CHECK_EQ(seen.count, one.count);
    CHECK_EQ(o.count, added);
    CHECK(memcmp(run.recs, one.recs, one.count * sizeof *one.recs) == 0);
    CHECK(memcmp(seen.recs, one.recs, one.count * sizeof *one.recs) == 0);
    history_fini(&one);
    history_fini(&run);
    history_fini(&seen);
}

int main(void) {
    test_growth_and_observer();
    test_recorders();
    test_runs();
    return test_result("test_history");
}
