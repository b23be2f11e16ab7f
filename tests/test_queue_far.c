/*
 * test_queue_far.c: the queue's far array (events beyond the near-future window, queue.c)
 * against a sorted-array reference, with event times spread as the models spread them:
 * nanosecond ties, millisecond deliveries, 30 s and 120 s timers (mostly cancelled, as
 * tombstones), and events at SIM_TIME_NEVER. Also: a world whose events stay within the window
 * never uses the far array, and sim_queue_check catches a far event before the horizon.
 */
#include "ref_queue.h"
#include "sim.h"
#include "test.h"

#define OPS 120000
#define SEEDS 4

/* A time after now drawn as the models draw theirs. */
static int64_t draw_time(sim_pcg32 *rng, int64_t now_ns) {
    uint32_t dice = sim_pcg32_bounded(rng, 100);
    if (now_ns == SIM_TIME_NEVER || dice == 0) return SIM_TIME_NEVER;
    int64_t delta_ns;
    if (dice < 40) delta_ns = sim_pcg32_bounded(rng, 4);                    /* ties */
    else if (dice < 70) delta_ns = 800000 + sim_pcg32_bounded(rng, 400000); /* deliveries */
    else if (dice < 85) delta_ns = 30 * SIM_S;                              /* request timers */
    else if (dice < 95) delta_ns = 120 * SIM_S;                             /* expiry timers */
    else delta_ns = (int64_t)sim_pcg32_next(rng) << 16;                    /* anywhere */
    return now_ns > SIM_TIME_NEVER - delta_ns ? SIM_TIME_NEVER : now_ns + delta_ns;
}

static void test_spread_against_reference(uint64_t seed) {
    static ref_queue ref;
    static unsigned char cancelled[OPS + 1];
    memset(cancelled, 0, sizeof(cancelled));
    ref.count = 0;
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, 2);
    uint64_t seq = 1;
    int64_t now_ns = 0;
    int mismatches = 0;
    size_t far_seen = 0; /* most events the far array held at once */
    for (int op = 0; op < OPS && mismatches == 0; op++) {
        uint32_t dice = sim_pcg32_bounded(&rng, 100);
        if ((dice < 55 && ref.count < REF_MAX) || ref.count == 0) {
            sim_event ev = {draw_time(&rng, now_ns), seq << 16 | sim_pcg32_bounded(&rng, 5),
                            sim_pcg32_next(&rng)};
            seq++;
            CHECK_EQ(sim_queue_push(&q, &ev), 0);
            ref_push(&ref, &ev);
        } else if (dice < 85) {
            sim_event got, want = ref.events[0];
            ref_remove(&ref, 0);
            bool live = queue_pop_live(&q, cancelled, &got);
            CHECK(live);
            if (!live || !events_equal(&got, &want)) mismatches++;
            CHECK(got.time_ns >= now_ns);
            now_ns = got.time_ns;
        } else {
            size_t victim = sim_pcg32_bounded(&rng, (uint32_t)ref.count);
            cancelled[sim_event_seq(&ref.events[victim])] = 1;
            ref_remove(&ref, victim);
        }
        if (q.far_count > far_seen) far_seen = q.far_count;
        if ((op & 1023) == 0) CHECK(sim_queue_check(&q));
    }
    CHECK_EQ(mismatches, 0);
    CHECK(far_seen > 100); /* the far array was exercised, not bypassed */
    CHECK(sim_queue_check(&q));
    for (size_t i = 0; i < ref.count; i++) {
        sim_event got;
        CHECK(queue_pop_live(&q, cancelled, &got));
        CHECK(events_equal(&got, &ref.events[i]));
    }
    sim_event got;
    CHECK(!queue_pop_live(&q, cancelled, &got));
    CHECK_EQ(sim_queue_size(&q), 0);
    sim_queue_fini(&q);
}

/* The hold model's pattern (every pop pushes one within a millisecond) never leaves the heap,
 * however far the clock runs. */
static void test_near_events_stay_in_the_heap(void) {
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 7, 3);
    uint64_t seq = 1;
    for (; seq <= 10; seq++) {
        sim_event ev = {(int64_t)sim_pcg32_bounded(&rng, 1u << 20), seq << 16, seq};
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    int64_t now_ns = 0;
    for (int i = 0; i < 2000000; i++, seq++) { /* about 100 s of simulated time */
        sim_event ev;
        sim_queue_pop(&q, &ev);
        now_ns = ev.time_ns;
        ev.time_ns = now_ns + (int64_t)sim_pcg32_bounded(&rng, 1u << 20);
        ev.seq_kind = seq << 16;
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    CHECK(now_ns > 50 * SIM_S);
    CHECK_EQ(q.far_capacity, 0);
    CHECK(sim_queue_check(&q));
    sim_queue_fini(&q);
}

/* A far event moved before the horizon is reported. */
static void test_check_detects_far_before_horizon(void) {
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    for (uint64_t seq = 1; seq <= 20; seq++) {
        sim_event ev = {seq % 2 ? (int64_t)seq : 500 * SIM_S + (int64_t)seq, seq << 16, seq};
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    CHECK_EQ(q.far_count, 10);
    CHECK(sim_queue_check(&q));
    q.far[3].time_ns = 0;
    fprintf(stderr, "(a far-event complaint is expected next)\n");
    CHECK(!sim_queue_check(&q));
    sim_queue_fini(&q);
}

/* Far events come due while the heap never runs empty (a chain of 1 ms events keeps it busy,
 * as deliveries do): each must still pop at its time, before later near events. */
static void test_far_events_amid_near_traffic(void) {
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    uint64_t seq = 1;
    for (int k = 0; k < 8; k++) { /* the chain: 8 events 1 ms apart, each followed on pop */
        sim_event ev = {k * SIM_MS / 8, seq << 16 | 1u, 0};
        seq++;
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    int64_t last_ns = 0;
    int far_popped = 0, backwards = 0;
    while (last_ns < 200 * SIM_S) {
        sim_event ev;
        sim_queue_pop(&q, &ev);
        if (ev.time_ns < last_ns) backwards++;
        last_ns = ev.time_ns;
        if (sim_event_kind(&ev) == 2) {
            far_popped++;
            continue;
        }
        sim_event next = {last_ns + SIM_MS, seq << 16 | 1u, 0};
        seq++;
        CHECK_EQ(sim_queue_push(&q, &next), 0);
        if (seq % 97 == 0) { /* now and then a timer 30 s or 120 s out, as the models arm */
            sim_event timer = {last_ns + (seq % 2 ? 30 : 120) * SIM_S + 12345, seq << 16 | 2u, 0};
            seq++;
            CHECK_EQ(sim_queue_push(&q, &timer), 0);
        }
        if (seq % 4096 == 0) CHECK(sim_queue_check(&q));
    }
    CHECK_EQ(backwards, 0);
    CHECK(far_popped > 100);
    sim_queue_fini(&q);
}

int main(void) {
    for (uint64_t seed = 1; seed <= SEEDS; seed++) test_spread_against_reference(seed);
    test_near_events_stay_in_the_heap();
    test_far_events_amid_near_traffic();
    test_check_detects_far_before_horizon();
    return test_result("test_queue_far");
}
