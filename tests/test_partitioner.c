/*
 * test_partitioner.c: Utils.murmur2 against Kafka's own vectors (UtilsTest.testMurmur2 at
 * 3.9), the key serialisation and partitionForKey, and each null-key partitioner's switching:
 * round robin (2.3), sticky with a switch per new batch (2.4, KIP-480), uniform sticky after
 * batch.size bytes and its adaptive weights (3.3, KIP-794).
 */
#include "partitioner.h"

#include "test.h"

static void test_murmur2_vectors(void) {
    static const struct {
        const char *bytes;
        int32_t hash;
    } cases[] = {
        {"21", -973932308},
        {"foobar", -790332482},
        {"a-little-bit-long-string", -985981536},
        {"a-little-bit-longer-string", -1486304829},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
        {"abc", 479470107},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        CHECK_EQ(partitioner_murmur2((const uint8_t *)cases[k].bytes, strlen(cases[k].bytes)),
                 cases[k].hash);
    CHECK_EQ(partitioner_to_positive(-973932308), -973932308 & 0x7fffffff);
}

static void test_keys(void) {
    char buf[PARTITIONER_KEY_BYTES_MAX];
    size_t n = partitioner_key_bytes(0, buf);
    CHECK_EQ(n, 5);
    CHECK(memcmp(buf, "key-0", 5) == 0);
    n = partitioner_key_bytes(4294967295u, buf);
    CHECK_EQ(n, 14);
    CHECK(memcmp(buf, "key-4294967295", 14) == 0);
    /* The partition is the hash of the bytes, all partitions counted. */
    for (uint32_t key = 0; key < 200; key++) {
        n = partitioner_key_bytes(key, buf);
        int32_t h = partitioner_murmur2((const uint8_t *)buf, n);
        CHECK_EQ(partitioner_partition_for_key(key, 12), (h & 0x7fffffff) % 12);
        CHECK_EQ(partitioner_partition_for_key(key, 1), 0);
    }
    /* 12 partitions, keys 0..99: every partition gets some key (a hash, not key mod n). */
    int seen[12] = {0};
    for (uint32_t key = 0; key < 100; key++) seen[partitioner_partition_for_key(key, 12)]++;
    for (int p = 0; p < 12; p++) CHECK(seen[p] > 0);
    CHECK_EQ(partitioner_kind_of(20300), PARTITIONER_ROUND_ROBIN);
    CHECK_EQ(partitioner_kind_of(20400), PARTITIONER_STICKY);
    CHECK_EQ(partitioner_kind_of(30200), PARTITIONER_STICKY);
    CHECK_EQ(partitioner_kind_of(30300), PARTITIONER_UNIFORM_STICKY);
}

static void test_round_robin(void) {
    partitioner_topic t;
    CHECK_EQ(partitioner_topic_init(&t, 4), 0);
    bool available[4] = {true, false, true, true};
    partitioner_view v = {.partitions = 4, .available = available};
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 1, 2);
    int first = partitioner_partition(&t, PARTITIONER_ROUND_ROBIN, &v, &rng);
    CHECK(first != 1);
    /* Every record moves on by one over the available partitions 0, 2, 3. */
    int order[3] = {0, 2, 3}, at = first == 0 ? 0 : first == 2 ? 1 : 2;
    for (int k = 1; k < 9; k++) {
        int p = partitioner_partition(&t, PARTITIONER_ROUND_ROBIN, &v, &rng);
        /* toPositive(counter) % 3 steps by one except where the counter wraps sign. */
        if (t.counter != INT32_MIN + 1) CHECK_EQ(p, order[(at + k) % 3]);
    }
    /* No partition available: over all of them. */
    bool none[4] = {false, false, false, false};
    v.available = none;
    int p = partitioner_partition(&t, PARTITIONER_ROUND_ROBIN, &v, &rng);
    CHECK(p >= 0 && p < 4);
    partitioner_topic_fini(&t);
}

static void test_sticky(void) {
    partitioner_topic t;
    CHECK_EQ(partitioner_topic_init(&t, 6), 0);
    bool available[6] = {true, true, true, true, true, true};
    partitioner_view v = {.partitions = 6, .available = available};
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 7, 3);
    int p = partitioner_partition(&t, PARTITIONER_STICKY, &v, &rng);
    /* Sticky: the same partition until a new batch. */
    for (int k = 0; k < 20; k++) CHECK_EQ(partitioner_partition(&t, PARTITIONER_STICKY, &v, &rng), p);
    /* A new batch on another partition (a keyed record's) leaves it. */
    CHECK_EQ(partitioner_on_new_batch(&t, &v, (p + 1) % 6, &rng), p);
    /* A new batch on the sticky partition moves it, never to the same one. */
    for (int k = 0; k < 50; k++) {
        int q = partitioner_on_new_batch(&t, &v, p, &rng);
        CHECK(q != p);
        CHECK_EQ(partitioner_partition(&t, PARTITIONER_STICKY, &v, &rng), q);
        p = q;
    }
    /* Only partitions with a leader are chosen; with one, that one. */
    for (int k = 0; k < 6; k++) available[k] = k == 4;
    CHECK_EQ(partitioner_on_new_batch(&t, &v, p, &rng), 4);
    partitioner_topic_fini(&t);
}

static void test_uniform_sticky(void) {
    partitioner_topic t;
    CHECK_EQ(partitioner_topic_init(&t, 3), 0);
    bool available[3] = {true, true, true};
    partitioner_view v = {.partitions = 3, .available = available};
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 11, 5);
    int p = partitioner_partition(&t, PARTITIONER_UNIFORM_STICKY, &v, &rng);
    int switches = 0;
    /* 100-byte records, batch.size 1000: a switch after the 10th record with switching on. */
    for (int k = 1; k <= 100; k++) {
        partitioner_update_info(&t, &v, 100, 1000, true, &rng);
        if (k % 10 == 0) {
            switches++;
            CHECK_EQ(t.produced_bytes, 0);
        } else {
            CHECK_EQ(t.produced_bytes, (k % 10) * 100);
            CHECK_EQ(t.sticky, p);
        }
        p = t.sticky;
    }
    CHECK_EQ(switches, 10);
    /* Switching disabled (an incomplete batch in the deque): only at twice batch.size. */
    for (int k = 1; k < 20; k++) partitioner_update_info(&t, &v, 100, 1000, false, &rng);
    CHECK_EQ(t.produced_bytes, 1900);
    partitioner_update_info(&t, &v, 100, 1000, false, &rng);
    CHECK_EQ(t.produced_bytes, 0);
    /* Adaptive: queue sizes 0, 3, 1 give the table 4 5 8 (BuiltInPartitioner's example), so
     * partition 1 gets 1/8 of the choices. */
    int sizes[3] = {0, 3, 1}, ids[3] = {0, 1, 2};
    partitioner_update_load_stats(&t, sizes, ids, 3, 3);
    CHECK_EQ(t.cft_length, 3);
    CHECK_EQ(t.cft[0], 4);
    CHECK_EQ(t.cft[1], 5);
    CHECK_EQ(t.cft[2], 8);
    int hits[3] = {0};
    for (int k = 0; k < 8000; k++) {
        t.produced_bytes = 0;
        partitioner_update_info(&t, &v, 1000, 1000, true, &rng);
        hits[t.sticky]++;
    }
    CHECK(hits[1] > 800 && hits[1] < 1200);
    CHECK(hits[0] > 3700 && hits[0] < 4300);
    /* Equal queues of every partition: uniform again (no table). */
    int equal[3] = {2, 2, 2};
    partitioner_update_load_stats(&t, equal, ids, 3, 3);
    CHECK_EQ(t.cft_length, 0);
    /* One partition excluded (its leader not drained for the availability timeout): a table of
     * the other two even with equal sizes. */
    int two_ids[2] = {0, 2};
    partitioner_update_load_stats(&t, equal, two_ids, 2, 3);
    CHECK_EQ(t.cft_length, 2);
    for (int k = 0; k < 100; k++) {
        t.produced_bytes = 0;
        partitioner_update_info(&t, &v, 1000, 1000, true, &rng);
        CHECK(t.sticky != 1);
    }
    /* Adaptive off, or not every partition has a deque yet: no table. */
    partitioner_update_load_stats(&t, sizes, ids, 3, 0);
    CHECK_EQ(t.cft_length, 0);
    partitioner_topic_fini(&t);
}

int main(void) {
    test_murmur2_vectors();
    test_keys();
    test_round_robin();
    test_sticky();
    test_uniform_sticky();
    return test_result("test_partitioner");
}
