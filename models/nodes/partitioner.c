/*
 * partitioner.c: the Java producer's partitioners (see partitioner.h).
 *
 * Sources: clients/src/main/java/org/apache/kafka/common/utils/Utils.java (murmur2,
 * toPositive; test vectors in UtilsTest.testMurmur2, checked by tests/test_partitioner.c);
 * clients/.../producer/internals/DefaultPartitioner.java at 2.3 (round robin) and 2.4
 * (sticky), StickyPartitionCache.java at 2.4, BuiltInPartitioner.java at 3.3 and 3.9.
 *
 * Simplifications, each deliberate: ThreadLocalRandom is the producer's PCG32 stream; the
 * sticky partition and the counters are per topic as in Java, and a topic's partition count
 * does not change during a run (adding partitions is not modelled).
 */
#include "partitioner.h"

#include <stdlib.h>
#include <string.h>

partitioner_kind partitioner_kind_of(int kafka_version) {
    if (kafka_version < 20400) return PARTITIONER_ROUND_ROBIN;
    if (kafka_version < 30300) return PARTITIONER_STICKY;
    return PARTITIONER_UNIFORM_STICKY;
}

/* ---- Keys (Utils.murmur2, BuiltInPartitioner.partitionForKey) ---------------------------- */

/* Java's int arithmetic: multiplication wraps, >>> is the unsigned shift. */
int32_t partitioner_murmur2(const uint8_t *data, size_t len) {
    const uint32_t m = 0x5bd1e995u;
    const int r = 24;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t len4 = len / 4;
    for (size_t i = 0; i < len4; i++) {
        const uint8_t *d = data + i * 4;
        uint32_t k = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                     (uint32_t)d[3] << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t *tail = data + (len & ~(size_t)3);
    switch (len % 4) {
    case 3: h ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: h ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1:
        h ^= tail[0];
        h *= m;
        break;
    default: break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

size_t partitioner_key_bytes(uint32_t key, char buf[PARTITIONER_KEY_BYTES_MAX]) {
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + key % 10);
        key /= 10;
    } while (key);
    memcpy(buf, "key-", 4);
    for (int k = 0; k < n; k++) buf[4 + k] = digits[n - 1 - k];
    return (size_t)(4 + n);
}

int partitioner_partition_for_key(uint32_t key, int partitions) {
    char buf[PARTITIONER_KEY_BYTES_MAX];
    size_t len = partitioner_key_bytes(key, buf);
    return partitioner_to_positive(partitioner_murmur2((const uint8_t *)buf, len)) % partitions;
}

/* ---- Per-topic state -------------------------------------------------------------------- */

int partitioner_topic_init(partitioner_topic *t, int partitions) {
    memset(t, 0, sizeof *t);
    t->sticky = -1;
    t->cft = malloc((size_t)partitions * sizeof *t->cft);
    t->cft_ids = malloc((size_t)partitions * sizeof *t->cft_ids);
    if (!t->cft || !t->cft_ids) {
        partitioner_topic_fini(t);
        return -1;
    }
    return 0;
}

void partitioner_topic_fini(partitioner_topic *t) {
    free(t->cft);
    free(t->cft_ids);
    memset(t, 0, sizeof *t);
    t->sticky = -1;
}

/* Utils.toPositive(ThreadLocalRandom.current().nextInt()). */
static int32_t random_positive(sim_pcg32 *rng) {
    return partitioner_to_positive((int32_t)sim_pcg32_next(rng));
}

static int count_available(const partitioner_view *v) {
    int n = 0;
    for (int k = 0; k < v->partitions; k++) n += v->available[k];
    return n;
}

/* availablePartitionsForTopic(topic).get(index): the index-th partition with a leader. */
static int nth_available(const partitioner_view *v, int index) {
    for (int k = 0; k < v->partitions; k++)
        if (v->available[k] && index-- == 0) return k;
    return -1;
}

/* ---- Round robin (DefaultPartitioner at 2.3) --------------------------------------------- */

static int round_robin(partitioner_topic *t, const partitioner_view *v, sim_pcg32 *rng) {
    if (!t->counter_set) { /* new AtomicInteger(ThreadLocalRandom.current().nextInt()) */
        t->counter = (int32_t)sim_pcg32_next(rng);
        t->counter_set = true;
    }
    int32_t next = t->counter; /* getAndIncrement, wrapping as a Java int */
    t->counter = (int32_t)((uint32_t)t->counter + 1u);
    int available = count_available(v);
    if (available > 0) return nth_available(v, partitioner_to_positive(next) % available);
    return partitioner_to_positive(next) % v->partitions;
}

/* ---- Sticky (StickyPartitionCache at 2.4) ------------------------------------------------ */

int partitioner_on_new_batch(partitioner_topic *t, const partitioner_view *v, int prev,
                             sim_pcg32 *rng) {
    int old = t->sticky;
    if (old != -1 && old != prev) return old;
    int available = count_available(v);
    int chosen = old;
    if (available < 1) {
        chosen = random_positive(rng) % v->partitions;
    } else if (available == 1) {
        chosen = nth_available(v, 0);
    } else {
        while (chosen == -1 || chosen == old) chosen = nth_available(v, random_positive(rng) % available);
    }
    t->sticky = chosen;
    return chosen;
}

/* ---- Uniform sticky (BuiltInPartitioner, KIP-794) ---------------------------------------- */

/* BuiltInPartitioner.nextPartition: one draw, uniform over the available partitions, or
 * weighted by the load stats when there are some. */
static int builtin_next_partition(const partitioner_topic *t, const partitioner_view *v,
                                  sim_pcg32 *rng) {
    int32_t random = random_positive(rng);
    if (t->cft_length == 0) {
        int available = count_available(v);
        if (available > 0) return nth_available(v, random % available);
        return random % v->partitions;
    }
    int weighted = random % t->cft[t->cft_length - 1];
    /* Arrays.binarySearch then abs(result + 1): the first entry strictly greater. */
    int lo = 0, hi = t->cft_length;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (t->cft[mid] <= weighted) lo = mid + 1;
        else hi = mid;
    }
    return t->cft_ids[lo];
}

void partitioner_update_info(partitioner_topic *t, const partitioner_view *v, int64_t appended_bytes,
                             int64_t batch_bytes, bool enable_switch, sim_pcg32 *rng) {
    if (t->sticky < 0) return;
    t->produced_bytes += appended_bytes;
    if ((t->produced_bytes >= batch_bytes && enable_switch) || t->produced_bytes >= batch_bytes * 2) {
        t->sticky = builtin_next_partition(t, v, rng); /* a new StickyPartitionInfo */
        t->produced_bytes = 0;
    }
}

void partitioner_update_load_stats(partitioner_topic *t, const int *queue_sizes, const int *ids,
                                   int length, int all_count) {
    t->cft_length = 0;
    if (all_count == 0 || length < 1 || all_count < 2) return;
    int max_plus_1 = queue_sizes[0];
    bool all_equal = true;
    for (int k = 1; k < length; k++) {
        if (queue_sizes[k] != max_plus_1) all_equal = false;
        if (queue_sizes[k] > max_plus_1) max_plus_1 = queue_sizes[k];
    }
    ++max_plus_1;
    if (all_equal && length == all_count) return;
    t->cft[0] = max_plus_1 - queue_sizes[0];
    t->cft_ids[0] = ids[0];
    for (int k = 1; k < length; k++) {
        t->cft[k] = max_plus_1 - queue_sizes[k] + t->cft[k - 1];
        t->cft_ids[k] = ids[k];
    }
    t->cft_length = length;
}

/* ---- Choosing ---------------------------------------------------------------------------- */

int partitioner_partition(partitioner_topic *t, partitioner_kind kind, const partitioner_view *v,
                          sim_pcg32 *rng) {
    switch (kind) {
    case PARTITIONER_ROUND_ROBIN: return round_robin(t, v, rng);
    case PARTITIONER_STICKY:
        if (t->sticky < 0) return partitioner_on_new_batch(t, v, -1, rng);
        return t->sticky;
    case PARTITIONER_UNIFORM_STICKY:
    default:
        /* peekCurrentPartitionInfo: the first call creates the info. */
        if (t->sticky < 0) {
            t->sticky = builtin_next_partition(t, v, rng);
            t->produced_bytes = 0;
        }
        return t->sticky;
    }
}
