/*
 * consumer.h: the Java KafkaConsumer of one application instance, consumer-k (issue 19), with
 * the classic group protocol: it finds the group coordinator, joins the group (JoinGroup,
 * SyncGroup; the leader runs the assignor), heartbeats from its own thread, fetches from each
 * assigned partition's leader up to the high watermark (read_uncommitted) or the last stable
 * offset with aborted transactions dropped (read_committed), buffers, hands out at most
 * max.poll.records per poll(), keeps positions, commits (auto commit at poll, commitSync,
 * commitAsync, before a rebalance) and fetches committed offsets, applying auto.offset.reset.
 *
 * Kafka (3.9): clients/.../consumer/internals/ClassicKafkaConsumer.java, AbstractCoordinator,
 * ConsumerCoordinator, Fetcher / FetchCollector / CompletedFetch, SubscriptionState, the
 * assignors (RangeAssignor, CooperativeStickyAssignor). Sources per behaviour:
 * txn-consumer-semantics.md section 3 and the comments in consumer.c.
 *
 * The application (pipeline.h) drives it: consumer_poll, consumer_commit, consumer_seek,
 * consumer_close; answers come back through the env's callbacks. The consumer is a node
 * (node_consumer(index)); its heartbeat thread is a timer that a JVM pause stops and a stall of
 * the application thread does not.
 */
#ifndef KAFKASIM_CONSUMER_H
#define KAFKASIM_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "network.h"
#include "protocol.h"
#include "sim.h"

/* The most records one poll() returns, whatever max.poll.records says (a bound of the model:
 * the buffers poll() fills are sized by it). */
#define CONSUMER_POLL_RECORDS_MAX 65536

/* Members one assignment covers: the group coordinator's member slots (GROUP_MEMBERS_MAX). */
#define CONSUMER_ASSIGN_MEMBERS_MAX 32
/* consumer_assign_sticky's scratch bytes for the topics t. */
#define CONSUMER_STICKY_SCRATCH(t) (5 * (size_t)(t)->workload_partitions)

/* Records one poll() hands the application: each a record id with its partition and offset. */
typedef struct consumer_record {
    int64_t offset;
    uint32_t id;                 /* record id (the input's) */
    uint16_t partition;          /* g */
} consumer_record;

/* An offset to commit or seek: partition g and the offset of the next record to read. */
typedef struct consumer_offset {
    int64_t offset;
    int32_t leader_epoch;        /* of the last record consumed, -1 none (KIP-320) */
    uint16_t partition;
} consumer_offset;

/* consumer_commit's kind. */
#define CONSUMER_COMMIT_SYNC 0
#define CONSUMER_COMMIT_ASYNC 1

/* The group metadata a transactional producer sends with its offsets (KIP-447). */
typedef struct consumer_group_metadata {
    proto_member_id member_id;
    int32_t generation;          /* PROTO_GENERATION_NONE outside a stable generation */
} consumer_group_metadata;

/* What the application hears (all optional but on_records). ctx is the env's. */
typedef struct consumer_callbacks {
    void *ctx;
    /* Records arrived for a poll that returned none, or its timeout passed (n = 0). */
    void (*on_records)(void *ctx, const consumer_record *recs, int n);
    /* A commit finished: error 0, a Kafka error or ERR_CLIENT_COMMIT_FAILED etc. */
    void (*on_commit)(void *ctx, int error);
    /* Partitions were revoked (cooperative or before a rebalance), lost or assigned
     * (ConsumerRebalanceListener). */
    void (*on_revoked)(void *ctx, const uint16_t *partitions, int n);
    void (*on_lost)(void *ctx, const uint16_t *partitions, int n);
    void (*on_assigned)(void *ctx, const uint16_t *partitions, int n);
    /* consumer_fetch_committed answered: offsets[k] of partitions[k], -1 none. */
    void (*on_committed)(void *ctx, const consumer_offset *offsets, int n, int error);
} consumer_callbacks;

typedef struct consumer_env {
    sim_world *world;            /* borrowed */
    net *net;                    /* borrowed */
    history *history;            /* borrowed */
    const config *config;        /* borrowed: the instance's configuration */
    const proto_payloads *payloads; /* borrowed: record ids of fetched batches */
    proto_step_fn step_fn;       /* optional: the consumer steps */
    void *step_ctx;
    consumer_callbacks app;      /* the application (pipeline.c) */
} consumer_env;

typedef struct consumer consumer; /* defined in consumer.c */

/* A consumer of instance index (node_consumer(index)), bootstrapped from the brokers listed
 * (ids, -1 terminated). NULL when memory ran out. */
consumer *consumer_new(const consumer_env *env, int index, const int *bootstrap);
void consumer_free(consumer *c);
/* Starts it: the coordinator lookup and the first join follow from the first poll. */
void consumer_start(consumer *c);
/* The process died (crash): its state is gone, its member id stays in the group until the
 * session times out. */
void consumer_crash(consumer *c);
/* A new process of the same instance: a new member. */
void consumer_restart(consumer *c);
/* The whole JVM stops until until_ns (heartbeat thread included). */
void consumer_pause(consumer *c, int64_t until_ns);

/* poll(): up to max.poll.records buffered records into out (room for max.poll.records). Returns
 * how many; 0: the answer comes through on_records, when records arrive or after the poll
 * timeout. Also runs what poll runs (auto commit, rejoin, position resets). */
int consumer_poll(consumer *c, consumer_record *out);
/* commitSync / commitAsync of offsets (the current positions when n is 0). */
void consumer_commit(consumer *c, int kind, const consumer_offset *offsets, int n);
/* The assigned partitions g (n returned, at most max), with or without a position yet. */
int consumer_assignment(const consumer *c, uint16_t *out, int max);
/* The positions of the assigned partitions (n returned, at most max). */
int consumer_positions(const consumer *c, consumer_offset *out, int max);
void consumer_seek(consumer *c, int partition, int64_t offset);
/* committed(): the group's committed offsets of the assigned partitions, by on_committed. */
void consumer_fetch_committed(consumer *c);
consumer_group_metadata consumer_group_metadata_of(const consumer *c);
/* KafkaConsumer.groupMetadata() (3.9 ConsumerCoordinator): the member id and generation the
 * last onJoinComplete saw, kept when the heartbeat thread leaves the group or an error resets
 * the generation (only the next onJoinComplete replaces it): what sendOffsetsToTransaction
 * carries, so a member that lost its partitions is fenced by the group coordinator (KIP-447)
 * instead of committing without group metadata. Generation -1 before the first join. */
consumer_group_metadata consumer_group_metadata_joined(const consumer *c);
/* close(): commit (auto commit on), LeaveGroup; the consumer stays down. */
void consumer_close(consumer *c);
/* CooperativeStickyAssignor.assign (3.9), as the group's leader runs it: words are the JoinGroup
 * answer's members [member_id, node, owned_generation, owned count, g ...]; writes the SyncGroup's
 * assignments [member_id, count, g ...] (members by id, g ascending) into out (room for
 * 2 * members + workload partitions) and returns how many words; scratch holds
 * CONSUMER_STICKY_SCRATCH(t) bytes. Kept partitions stay, the group is balanced to within one
 * partition, and a partition that moves from one member to another is left out (its owner
 * revokes it first, the next rebalance hands it out). */
int consumer_assign_sticky(const topic_table *t, const uint32_t *words, int word_count,
                           uint32_t *out, int8_t *scratch);
/* Invariants (after every event of the node, as producer_check_recent). */
void consumer_check_recent(consumer *c);

#endif
