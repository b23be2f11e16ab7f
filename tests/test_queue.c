/*
 * test_queue.c: the queue against a sorted-array reference under random push, pop and cancel
 * (a cancel is a tombstone, as sim_timer does it: the event stays queued and is dropped when
 * popped), FIFO order at equal times, growth from the minimum capacity, a size swinging
 * between the sorted near future and the heap, and sim_queue_check catching a broken heap.
 */
#include "ref_queue.h"
#include "sim.h"
#include "test.h"

#define OPS 200000

static void test_random_against_reference(uint64_t seed) {
    static ref_queue ref;
    static unsigned char cancelled[OPS + 1];
    memset(cancelled, 0, sizeof(cancelled));
    ref.count = 0;
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, 1);
    uint64_t seq = 1;
    int64_t now_ns = 0;
    int mismatches = 0;
    for (int op = 0; op < OPS && mismatches == 0; op++) {
        uint32_t dice = sim_pcg32_bounded(&rng, 100);
        if ((dice < 50 && ref.count < REF_MAX) || ref.count == 0) {
            /* Few distinct times, so many events tie and only seq orders them. */
            int64_t at_ns = now_ns + (int64_t)sim_pcg32_bounded(&rng, 8);
            sim_event ev = {at_ns, seq << 16 | sim_pcg32_bounded(&rng, 5), sim_pcg32_next(&rng)};
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
        if ((op & 1023) == 0) CHECK(sim_queue_check(&q));
    }
    CHECK_EQ(mismatches, 0);
    CHECK(sim_queue_check(&q));
    /* Drain: the rest comes out in reference order, then only tombstones remain. */
    for (size_t i = 0; i < ref.count; i++) {
        sim_event got;
        CHECK(queue_pop_live(&q, cancelled, &got));
        CHECK(events_equal(&got, &ref.events[i]));
    }
    sim_event got;
    CHECK(!queue_pop_live(&q, cancelled, &got));
    CHECK_EQ(q.count, 0);
    sim_queue_fini(&q);
}

/* Events at one time pop in push order, interleaved with earlier and later times. */
static void test_fifo_at_equal_times(void) {
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 4), 0);
    for (uint64_t seq = 1; seq <= 3000; seq++) {
        int64_t at_ns = seq % 3 == 0 ? 500 : seq % 3 == 1 ? 1000 : 2000;
        sim_event ev = {at_ns, seq << 16 | 7u, 3001 - seq};
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    CHECK(q.capacity >= 3000);
    sim_event prev = {0, 0, 0};
    for (int i = 0; i < 3000; i++) {
        sim_event ev;
        sim_queue_pop(&q, &ev);
        CHECK(sim_event_before(&prev, &ev));
        CHECK_EQ(sim_event_kind(&ev), 7);
        CHECK_EQ(ev.arg, 3001 - sim_event_seq(&ev));
        prev = ev;
    }
    CHECK(sim_queue_peek(&q) == NULL);
    sim_queue_fini(&q);
}

/* A queue whose size swings across SIM_QUEUE_SORTED_MAX and back below half of it: the near
 * future goes from sorted to a heap and back many times, and every pop still matches the
 * reference. Times come in few distinct values (ties order by seq) and some events go far. */
static void test_sorted_and_heap(uint64_t seed) {
    static ref_queue ref;
    ref.count = 0;
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 0), 0);
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, 2);
    uint64_t seq = 1;
    int64_t now_ns = 0;
    size_t target = 40;
    int to_heap = 0, to_sorted = 0, mismatches = 0;
    bool was_sorted = q.sorted;
    for (int op = 0; op < 100000 && mismatches == 0; op++) {
        if (ref.count >= target) target = 1 + sim_pcg32_bounded(&rng, 12);
        else if (ref.count <= target && sim_pcg32_bounded(&rng, 64) == 0)
            target = SIM_QUEUE_SORTED_MAX + 1 + sim_pcg32_bounded(&rng, 16);
        bool push = ref.count == 0 || (ref.count < target && sim_pcg32_bounded(&rng, 4) != 0);
        if (push) {
            /* Mostly soon (ties), sometimes past the near-future window. */
            int64_t span = sim_pcg32_bounded(&rng, 16) == 0 ? INT64_C(1) << 34 : 4;
            int64_t at_ns = now_ns + (int64_t)sim_pcg32_bounded64(&rng, (uint64_t)span);
            sim_event ev = {at_ns, seq << 16 | 3u, seq};
            seq++;
            CHECK_EQ(sim_queue_push(&q, &ev), 0);
            ref_push(&ref, &ev);
        } else {
            sim_event got, want = ref.events[0];
            ref_remove(&ref, 0);
            sim_queue_pop(&q, &got);
            if (!events_equal(&got, &want)) mismatches++;
            now_ns = got.time_ns;
        }
        if (q.sorted != was_sorted) {
            if (q.sorted) to_sorted++;
            else to_heap++;
            was_sorted = q.sorted;
        }
        CHECK(sim_queue_check(&q));
    }
    CHECK_EQ(mismatches, 0);
    CHECK(to_heap > 50);
    CHECK(to_sorted > 50);
    sim_queue_fini(&q);
}

/* A heap with its root swapped for a later event is reported broken. */
static void test_check_detects_corruption(void) {
    sim_queue q;
    CHECK_EQ(sim_queue_init(&q, 64), 0);
    for (uint64_t seq = 1; seq <= 50; seq++) {
        sim_event ev = {(int64_t)(seq * 7 % 50), seq << 16, seq};
        CHECK_EQ(sim_queue_push(&q, &ev), 0);
    }
    CHECK(sim_queue_check(&q));
    CHECK_EQ(sim_queue_peek(&q)->time_ns, 0);
    sim_event root = q.events[0];
    q.events[0] = q.events[q.count - 1];
    q.events[q.count - 1] = root;
    fprintf(stderr, "(a heap-property complaint is expected next)\n");
    CHECK(!sim_queue_check(&q));
    sim_queue_fini(&q);
}

int main(void) {
    for (uint64_t seed = 1; seed <= 5; seed++) test_random_against_reference(seed);
    test_fifo_at_equal_times();
    for (uint64_t seed = 1; seed <= 3; seed++) test_sorted_and_heap(seed);
    test_check_detects_corruption();
    return test_result("test_queue");
}
