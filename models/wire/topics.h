/*
 * topics.h: the topics of one world and the global index of their partitions.
 *
 * A world's partitions have one index g = 0 .. P-1: the topics in workload.topics order, then
 * the partition number within the topic (topic t's partitions are g = first .. first + count -
 * 1). Messages (proto_msg.partition), record batches, history records, the nodes' per-partition
 * arrays and the judge all use g; people read the display name Kafka's tools print,
 * TopicPartition.toString: "orders-3". Partition 0 of the first topic is what `leader`,
 * `follower` and a one-partition world mean.
 *
 * The table is built once from the configuration (config_finish) and borrowed by every node; it
 * is a plain value (no allocation), so copying a config copies it. Besides the names it holds
 * each topic's resolved replication.factor and min.insync.replicas (Kafka's topic-level
 * configs: the topic's override, else the broker's default; LogConfig, TopicConfig).
 *
 * Names follow Kafka's rules (Topic.validate in clients/.../common/internals/Topic.java):
 * 1 .. 249 characters of [a-zA-Z0-9._-]; the simulator allows at most TOPIC_NAME_MAX of them.
 */
#ifndef KAFKASIM_TOPICS_H
#define KAFKASIM_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPIC_NAME_MAX 64        /* characters of a topic name */
#define TOPICS_MAX 32            /* topics per world */
#define TOPIC_PARTITIONS_MAX 1024 /* partitions per world, all topics together */

/* One topic: its name, where its partitions start in g, and its topic-level configs. */
typedef struct topic_info {
    char name[TOPIC_NAME_MAX + 1]; /* "orders" */
    int first;                     /* g of its partition 0 */
    int count;                     /* partitions, >= 1 */
    int replication_factor;        /* replicas of each partition */
    int min_insync_replicas;       /* min.insync.replicas of the topic */
    bool internal;                 /* a topic of the brokers' own (__transaction_state), not
                                    * one the application writes */
} topic_info;

/* The workload's topics come first (g 0 .. workload_partitions - 1), then the output topic of
 * a consume-transform-produce pipeline (workload.output, when workload.consumers > 0), then the
 * internal ones (Kafka's __transaction_state, when some producer is transactional, and
 * __consumer_offsets, when there are consumers): adding those moves no workload partition.
 * Readers that mean the application's topics (routing, by_partition, the partitions line, swarm
 * draws) use workload_topics and workload_partitions; the nodes hold every partition
 * (topic_count, partition_count). */
typedef struct topic_table {
    topic_info topics[TOPICS_MAX]; /* in workload.topics order, then the internal topics */
    int topic_count;               /* topics, >= 1 once built */
    int partition_count;           /* P: the sum of the topics' counts */
    int workload_topics;           /* the first topics, which the application writes */
    int workload_partitions;       /* their partitions: g below this is a workload partition */
    int output_partitions;         /* partitions of the output topic (topic index
                                    * workload_topics, g from workload_partitions), 0: none */
} topic_table;

/* The internal topic of transaction state (TRANSACTION_STATE_TOPIC_NAME). */
#define TOPIC_TRANSACTION_STATE "__transaction_state"
/* The internal topic of committed offsets and group metadata (GROUP_METADATA_TOPIC_NAME). */
#define TOPIC_CONSUMER_OFFSETS "__consumer_offsets"

/* True when name is a valid topic name of at most TOPIC_NAME_MAX characters of [a-zA-Z0-9._-]
 * that is not "." or ".." (Topic.validate). */
bool topic_name_valid(const char *name);

/* True when text[0 .. len) is a transactional.id the model takes: 1 .. TXN_ID_MAX characters of
 * [a-zA-Z0-9._-] (Kafka takes any string; these stay writable as a properties value and a
 * fault target). */
#define TXN_ID_MAX 64
bool transactional_id_valid(const char *text, size_t len);

/* Empties t. */
void topic_table_init(topic_table *t);

/* Appends a topic with count partitions after the others. Returns its index, or -1 when the
 * name is invalid or already there, count < 1, or a limit (TOPICS_MAX, TOPIC_PARTITIONS_MAX)
 * would be passed; t is unchanged then. */
int topic_table_add(topic_table *t, const char *name, int count, int replication_factor,
                    int min_insync_replicas);

/* The same for an internal topic: appended after every topic, marked internal, not counted in
 * workload_topics and workload_partitions. */
int topic_table_add_internal(topic_table *t, const char *name, int count, int replication_factor,
                             int min_insync_replicas);

/* The pipeline's output topic (workload.output): appended after the workload's topics and
 * before any internal one; at most one. Returns its index or -1 as topic_table_add. */
int topic_table_add_output(topic_table *t, const char *name, int count, int replication_factor,
                           int min_insync_replicas);

/* True when partition g belongs to an internal topic. */
static inline bool topic_table_internal(const topic_table *t, int g) {
    return g >= t->workload_partitions + t->output_partitions;
}

/* True when partition g belongs to the output topic. */
static inline bool topic_table_output(const topic_table *t, int g) {
    return g >= t->workload_partitions && g < t->workload_partitions + t->output_partitions;
}

/* The index of the topic named name, or -1. */
int topic_table_find(const topic_table *t, const char *name);

/* The topic g belongs to (0 <= g < partition_count), found by bisection over the topics. */
int topic_table_topic_of(const topic_table *t, int g);

/* g's partition number within its topic. */
static inline int topic_table_number(const topic_table *t, int g) {
    return g - t->topics[topic_table_topic_of(t, g)].first;
}

/* The g of partition number of topic, or -1 when either is out of range. */
int topic_table_g(const topic_table *t, int topic, int number);

/* g's topic-level configs. */
static inline const topic_info *topic_table_info(const topic_table *t, int g) {
    return &t->topics[topic_table_topic_of(t, g)];
}

/* "orders-3" (TopicPartition.toString) into buf; "partition-<g>" when g is out of range.
 * TOPIC_NAME_MAX + 8 bytes are enough. Returns buf. */
const char *topic_table_name(const topic_table *t, int g, char *buf, size_t len);

/* Reads a display name ("orders-3": the topic's name, '-', a decimal partition number; the last
 * '-' splits, as topic names may hold '-') into its g. Returns g, or -1 when text names no
 * partition of t. */
int topic_table_parse(const topic_table *t, const char *text);

#endif
