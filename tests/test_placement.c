/*
 * test_placement.c: replica placement as Kafka's placers compute it. Kafka's own unit tests
 * pin their placers with a MockRandom (server-common/src/test/java/org/apache/kafka/server/
 * util/MockRandom.java: a java.util.Random whose next(bits) is a fixed 64-bit LCG from 17);
 * the same generator, with java.util.Random.nextInt(bound) on top, must give the placements
 * those tests expect:
 * - StripedReplicaPlacerTest.testSuccessfulPlacement (3.9): 5 partitions, RF 3, brokers 0..3.
 * - StripedReplicaPlacerTest.testEvenDistribution (3.9): 200 partitions, RF 2, brokers 0..3,
 *   the count of every replica pair.
 * - AdminRackAwareTest.testAssignReplicasToBrokersWithoutRacks... (3.9, fixedStartIndex 0): 10
 *   partitions, RF 3, brokers 0..4.
 * Kafka's broker ids 0..n-1 are ids 1..n here. Without draws (sim.placement.random=false) one
 * partition keeps brokers 1..RF, and 12 partitions over 3 brokers lead 4 each (the KRaft 2.8
 * placer, whose only spreading is its random start, puts them all on broker 1 then).
 */
#include <string.h>

#include "placement.h"
#include "test.h"

/* MockRandom.next(bits) and java.util.Random.nextInt(bound). */
typedef struct mock_random {
    uint64_t state;
    int draws;
} mock_random;

static int32_t mock_next_bits(mock_random *m, int bits) {
    m->state = m->state * 2862933555777941757ULL + 3037000493ULL;
    return (int32_t)(m->state >> (64 - bits));
}

static uint32_t mock_next_int(void *ctx, uint32_t bound) {
    mock_random *m = ctx;
    m->draws++;
    int32_t b = (int32_t)bound, r = mock_next_bits(m, 31), mask = b - 1;
    if ((b & mask) == 0) return (uint32_t)(((int64_t)b * r) >> 31);
    for (int32_t u = r;; u = mock_next_bits(m, 31)) {
        r = u % b;
        if ((int64_t)u - r + mask <= INT32_MAX) break; /* Java: u - r + m < 0 on overflow */
    }
    return (uint32_t)r;
}

static void test_striped_successful_placement(void) {
    mock_random m = {.state = 17};
    placement_random r = {.next = mock_next_int, .ctx = &m};
    int got[5 * 3];
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 4, 5, 3, &r, got), 0);
    const int want[5 * 3] = {2, 3, 0, 3, 0, 1, 0, 1, 2, 1, 2, 3, 1, 0, 2};
    for (int i = 0; i < 15; i++) CHECK_EQ(got[i], want[i] + 1);
}

static void test_striped_even_distribution(void) {
    mock_random m = {.state = 17};
    placement_random r = {.next = mock_next_int, .ctx = &m};
    int got[200 * 2];
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 4, 200, 2, &r, got), 0);
    int counts[4][4];
    memset(counts, 0, sizeof counts);
    for (int p = 0; p < 200; p++) counts[got[2 * p] - 1][got[2 * p + 1] - 1]++;
    const int want[4][4] = {{0, 14, 22, 14}, {17, 0, 17, 16}, {13, 17, 0, 20}, {20, 19, 11, 0}};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) CHECK_EQ(counts[a][b], want[a][b]);
}

static void test_zookeeper_fixed_start(void) {
    /* fixedStartIndex = 0 is what no draws mean. */
    int got[10 * 3];
    CHECK_EQ(placement_place(PLACEMENT_ZOOKEEPER, 5, 10, 3, NULL, got), 0);
    const int want[10 * 3] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                              0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    for (int i = 0; i < 30; i++) CHECK_EQ(got[i], want[i] + 1);
}

/* The random start index and shift: drawn in that order, then the same formula. */
static void test_zookeeper_drawn(void) {
    mock_random m = {.state = 17}, twin = {.state = 17};
    placement_random r = {.next = mock_next_int, .ctx = &m};
    int got[7 * 2];
    CHECK_EQ(placement_place(PLACEMENT_ZOOKEEPER, 3, 7, 2, &r, got), 0);
    CHECK_EQ(m.draws, 2);
    int start = (int)mock_next_int(&twin, 3), shift = (int)mock_next_int(&twin, 3);
    for (int p = 0; p < 7; p++) {
        int s = shift + p / 3, first = (p + start) % 3;
        CHECK_EQ(got[2 * p], first + 1);
        CHECK_EQ(got[2 * p + 1], (first + 1 + s % 2) % 3 + 1);
    }
}

/* Without draws, every placer keeps one partition on brokers 1..RF in order (today's world),
 * and 12 partitions over 3 brokers give each broker 4 preferred leaderships. */
static void test_fixed(void) {
    const placement_kind kinds[3] = {PLACEMENT_STRIPED, PLACEMENT_SIMPLE, PLACEMENT_ZOOKEEPER};
    for (int k = 0; k < 3; k++) {
        for (int rf = 1; rf <= 5; rf++) {
            int got[5];
            CHECK_EQ(placement_place(kinds[k], 5, 1, rf, NULL, got), 0);
            for (int i = 0; i < rf; i++) CHECK_EQ(got[i], i + 1);
        }
        int got[12 * 3], leads[4] = {0};
        CHECK_EQ(placement_place(kinds[k], 3, 12, 3, NULL, got), 0);
        for (int p = 0; p < 12; p++) {
            leads[got[3 * p]]++;
            CHECK(got[3 * p] != got[3 * p + 1] && got[3 * p] != got[3 * p + 2] &&
                  got[3 * p + 1] != got[3 * p + 2]);
        }
        /* SimpleReplicaPlacementPolicy spreads only by its per-partition random start:
         * without draws every partition starts at broker 1. */
        CHECK_EQ(leads[1], kinds[k] == PLACEMENT_SIMPLE ? 12 : 4);
        CHECK_EQ(leads[2], kinds[k] == PLACEMENT_SIMPLE ? 0 : 4);
        CHECK_EQ(leads[3], kinds[k] == PLACEMENT_SIMPLE ? 0 : 4);
    }
    /* StripedReplicaPlacer with offsets 0: 1 2 3, 2 3 1, 3 1 2, and again (no shuffle). */
    int got[4 * 3];
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 3, 4, 3, NULL, got), 0);
    const int want[12] = {1, 2, 3, 2, 3, 1, 3, 1, 2, 1, 2, 3};
    for (int i = 0; i < 12; i++) CHECK_EQ(got[i], want[i]);
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 3, 1, 4, NULL, got), -1);
    CHECK_EQ(placement_place(PLACEMENT_STRIPED, 3, 0, 1, NULL, got), -1);
    CHECK_EQ(placement_kind_for(1, 30900), PLACEMENT_ZOOKEEPER);
    CHECK_EQ(placement_kind_for(0, 20800), PLACEMENT_SIMPLE);
    CHECK_EQ(placement_kind_for(0, 30000), PLACEMENT_STRIPED);
}

int main(void) {
    test_striped_successful_placement();
    test_striped_even_distribution();
    test_zookeeper_fixed_start();
    test_zookeeper_drawn();
    test_fixed();
    return test_result("test_placement");
}
