/*
 * test_checker_latency.c: the checker's latency order statistics (p50 and p99 by nearest
 * rank, and the maximum, found by selection rather than a full sort) against a sorted copy,
 * over random histories whose latencies are spread, tied in runs (a batch's records share
 * one), already sorted, sorted backwards, or all equal. 40 seeds x 5 shapes.
 */
#include "checker.h"
#include "history.h"
#include "sim.h"
#include "test.h"

#define SEEDS 40
#define RECORDS_MAX 3000

typedef enum shape { SPREAD, RUNS, ASCENDING, DESCENDING, EQUAL, SHAPES } shape;

static int cmp_i64(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static int64_t draw_latency(sim_pcg32 *rng, shape s, uint32_t i, uint32_t n) {
    switch (s) {
    case SPREAD: return 1 + (int64_t)sim_pcg32_bounded(rng, 1000000);
    case RUNS: return (int64_t)(i / 10) * 1000 + (int64_t)sim_pcg32_bounded(rng, 3) * 5000;
    case ASCENDING: return (int64_t)i * 7;
    case DESCENDING: return (int64_t)(n - i) * 7;
    default: return 42;
    }
}

static void check_one(uint64_t seed, shape s) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, (uint64_t)s);
    uint32_t n = 1 + sim_pcg32_bounded(&rng, RECORDS_MAX);
    static int64_t want[RECORDS_MAX];
    history h;
    proto_payloads p;
    CHECK_EQ(history_init(&h, 2 * n), 0);
    CHECK_EQ(proto_payloads_init(&p, 16), 0);
    /* Sends at 0 in id order, callbacks in time order, as a run records them. */
    for (uint32_t id = 0; id < n; id++) {
        history_send(&h, 0, node_producer(0), id, 0);
        want[id] = draw_latency(&rng, s, id, n);
    }
    static int64_t order[RECORDS_MAX];
    static uint32_t ids[RECORDS_MAX];
    for (uint32_t id = 0; id < n; id++) order[id] = want[id] << 12 | id; /* n < 4096 */
    qsort(order, n, sizeof order[0], cmp_i64);
    for (uint32_t k = 0; k < n; k++) ids[k] = (uint32_t)(order[k] & 4095);
    for (uint32_t k = 0; k < n; k++)
        history_callback(&h, want[ids[k]], node_producer(0), ids[k], 0, ERR_NONE, -1);
    checker_input in = {.history = &h, .payloads = &p, .records = n};
    checker_result r;
    CHECK_EQ(checker_run(&in, &r), 0);
    qsort(want, n, sizeof want[0], cmp_i64);
    size_t p50 = (50 * (size_t)n + 99) / 100, p99 = (99 * (size_t)n + 99) / 100;
    CHECK_EQ(r.latency_p50_ns, want[p50 - 1]);
    CHECK_EQ(r.latency_p99_ns, want[p99 - 1]);
    CHECK_EQ(r.latency_max_ns, want[n - 1]);
    CHECK_EQ(r.acked, n);
    if (r.latency_p50_ns != want[p50 - 1] || r.latency_p99_ns != want[p99 - 1])
        fprintf(stderr, "  seed %llu shape %d n %u\n", (unsigned long long)seed, (int)s, n);
    history_fini(&h);
    proto_payloads_fini(&p);
}

int main(void) {
    for (uint64_t seed = 1; seed <= SEEDS; seed++)
        for (int s = 0; s < SHAPES; s++) check_one(seed, (shape)s);
    return test_result("test_checker_latency");
}
