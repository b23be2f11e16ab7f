/*
 * partitioner.h: how the Java producer picks a record's partition (txn-consumer-semantics.md
 * 1.1), by kafka.version:
 * - keyed records: toPositive(Utils.murmur2(serialized key)) % the topic's partition count, all
 *   partitions counted, leaderless ones included (DefaultPartitioner.partition up to 3.2,
 *   BuiltInPartitioner.partitionForKey from 3.3); the key of record id r is the string
 *   "key-<r mod workload.keys>" through StringSerializer (UTF-8 bytes);
 * - null keys, up to 2.3: a per-topic counter, started at a random int, round robin over the
 *   available partitions (those with a leader), over all when none is (DefaultPartitioner at
 *   2.3, nextValue);
 * - null keys, 2.4 to 3.2: the sticky partitioner (KIP-480, StickyPartitionCache at 2.4): one
 *   partition until a record would open a new batch (KafkaProducer.doSend's abortForNewBatch
 *   calls onNewBatch with the partition the record was bound for), then a random available one
 *   other than the old; a keyed record opening a batch in the sticky partition moves it too
 *   (doSend does the same for every record under DefaultPartitioner);
 * - null keys from 3.3, and keyed ones with partitioner.ignore.keys: BuiltInPartitioner, the
 *   uniform sticky partitioner (KIP-794): switch after batch.size bytes were produced to the
 *   partition (at twice that even while its deque holds an incomplete batch,
 *   updatePartitionInfo's enableSwitch), to a random available partition, or with
 *   partitioner.adaptive.partitioning.enable to one weighted by the inverse of its queue of
 *   batches (updatePartitionLoadStats' cumulative frequency table), excluding partitions whose
 *   leader could not be drained for partitioner.availability.timeout.ms.
 *
 * Randomness is Java's ThreadLocalRandom.nextInt(); here it is the caller's PCG32 stream, an
 * unsigned 32-bit draw read as a Java int. The module holds no pointers into the caller and
 * knows no world: the producer keeps one partitioner_topic per topic and asks.
 */
#ifndef KAFKASIM_PARTITIONER_H
#define KAFKASIM_PARTITIONER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcg32.h"

/* Which null-key partitioner a kafka.version has. */
typedef enum partitioner_kind {
    PARTITIONER_ROUND_ROBIN = 0, /* up to 2.3 (DefaultPartitioner) */
    PARTITIONER_STICKY,          /* 2.4 .. 3.2 (KIP-480, StickyPartitionCache) */
    PARTITIONER_UNIFORM_STICKY   /* 3.3 on (KIP-794, BuiltInPartitioner) */
} partitioner_kind;

partitioner_kind partitioner_kind_of(int kafka_version);

/* Utils.murmur2 (seed 0x9747b28c), as a Java int. */
int32_t partitioner_murmur2(const uint8_t *data, size_t len);
/* Utils.toPositive. */
static inline int32_t partitioner_to_positive(int32_t x) { return x & 0x7fffffff; }

#define PARTITIONER_KEY_BYTES_MAX 16 /* "key-4294967295" and a spare byte */

/* Writes "key-<key>" (no terminator) into buf; returns its length in bytes. */
size_t partitioner_key_bytes(uint32_t key, char buf[PARTITIONER_KEY_BYTES_MAX]);
/* BuiltInPartitioner.partitionForKey of key "key-<key>": 0 .. partitions - 1 (partitions > 0). */
int partitioner_partition_for_key(uint32_t key, int partitions);

/* What the partitioner knows about one topic's partitions at a call (borrowed). */
typedef struct partitioner_view {
    int partitions;             /* the topic's partition count, > 0 */
    const bool *available;      /* per partition: it has a leader (availablePartitionsForTopic) */
} partitioner_view;

/* Per-topic partitioner state. Caller-allocated; partitioner_topic_init before use. */
typedef struct partitioner_topic {
    int32_t counter;            /* DefaultPartitioner's topicCounterMap entry (round robin) */
    bool counter_set;           /* the counter was started (at a random int) */
    int sticky;                 /* the sticky partition, -1 before the first choice */
    int64_t produced_bytes;     /* StickyPartitionInfo.producedBytes of the sticky, bytes */
    int *cft;                   /* PartitionLoadStats.cumulativeFrequencyTable, owned */
    int *cft_ids;               /* its partitionIds, owned */
    int cft_length;             /* its length; 0 = no load stats (uniform choice) */
} partitioner_topic;

/* partitions: the topic's partition count. Returns 0, or -1 when memory cannot be had. */
int partitioner_topic_init(partitioner_topic *t, int partitions);
void partitioner_topic_fini(partitioner_topic *t);

/* The partition of a null-key record (or any record under partitioner.ignore.keys from 3.3),
 * before its append: round robin advances its counter; the sticky ones return their current
 * choice, choosing one first if they have none. */
int partitioner_partition(partitioner_topic *t, partitioner_kind kind, const partitioner_view *v,
                          sim_pcg32 *rng);

/* 2.4 .. 3.2, StickyPartitionCache.nextPartition(topic, cluster, prev) through
 * DefaultPartitioner.onNewBatch: a record bound for prev would open a new batch; if prev is
 * the sticky partition (or none is chosen yet), a new one is chosen. Returns the sticky
 * partition after the call. */
int partitioner_on_new_batch(partitioner_topic *t, const partitioner_view *v, int prev,
                             sim_pcg32 *rng);

/* From 3.3, BuiltInPartitioner.updatePartitionInfo after an append of appended_bytes to the
 * sticky partition; enable_switch is RecordAccumulator.allBatchesFull of its deque. Switches
 * once batch_bytes were produced (2 x batch_bytes when switching is disabled). */
void partitioner_update_info(partitioner_topic *t, const partitioner_view *v, int64_t appended_bytes,
                             int64_t batch_bytes, bool enable_switch, sim_pcg32 *rng);

/* From 3.3, BuiltInPartitioner.updatePartitionLoadStats: queue_sizes[k] is the deque size of
 * partition ids[k] for the length partitions counted available; all_count is every partition
 * with a deque (queueSizes.length), or 0 when adaptive partitioning is off or not every
 * partition has had a batch yet (queueSizes == null). queue_sizes is not modified. */
void partitioner_update_load_stats(partitioner_topic *t, const int *queue_sizes, const int *ids,
                                   int length, int all_count);

#endif
