/*
 * placement.h: which brokers hold each partition of a new topic, in assignment order (the first
 * is the preferred leader), as Kafka's topic creation assigns them without racks:
 *
 * - KRaft from 3.0: metadata/src/main/java/org/apache/kafka/metadata/placement/
 *   StripedReplicaPlacer.java (controller/ at 3.0 .. 3.2), place() over one RackList: the
 *   brokers sorted, a random start offset, each partition starting one broker further (the
 *   "striped" pattern), and after as many partitions as brokers a shuffle of the broker list
 *   (RackList.place, BrokerList.next, KAFKA-12788, KAFKA-12897).
 * - KRaft 2.8 (early access): SimpleReplicaPlacementPolicy.createPlacement: per partition a
 *   random start index, the replicas at the next indexes in broker order, then shuffled.
 * - ZooKeeper: AdminUtils.assignReplicasToBrokersRackUnaware (core/.../admin/AdminUtils.scala,
 *   server-common/.../admin/AdminUtils.java from 3.6), called by AdminZkClient.createTopic with
 *   the brokers sorted by id: a random start index and a random replica shift, the first
 *   replica of partition p at (p + start) mod n, the others shifted by 1 + (shift + j) mod
 *   (n - 1), the shift growing by one after every n partitions.
 *
 * Kafka draws those choices from an unseeded java.util.Random (new Random() in QuorumController
 * and in AdminUtils.RAND). Here every draw is nextInt(bound) of a placement_random: the run's
 * PCG32 stream when sim.placement.random is set, so a seed fixes the placement; without it no
 * draw is made (next is NULL): every start index and shift is 0 and no list is shuffled, which
 * is AdminUtils' own fixedStartIndex = 0 and StripedReplicaPlacer's "if all the offsets were 0"
 * of its class comment, and keeps a one-partition topic on brokers 1, 2, .., RF in that order
 * (KRaft 2.8's placer then starts every partition at broker 1: its only spreading is random).
 *
 * Simplifications: no racks (broker.rack is not a key), every broker unfenced at creation; one
 * placer per topic (Kafka's CreateTopics places each topic of a request with a new RackList).
 */
#ifndef KAFKASIM_PLACEMENT_H
#define KAFKASIM_PLACEMENT_H

#include <stdint.h>

/* The placers (which one a run uses: placement_kind_for). */
typedef enum placement_kind {
    PLACEMENT_STRIPED = 0, /* KRaft from 3.0: StripedReplicaPlacer */
    PLACEMENT_SIMPLE,      /* KRaft 2.8: SimpleReplicaPlacementPolicy */
    PLACEMENT_ZOOKEEPER    /* AdminUtils.assignReplicasToBrokersRackUnaware */
} placement_kind;

/* java.util.Random.nextInt(bound) for the placers: a value in [0, bound). */
typedef struct placement_random {
    uint32_t (*next)(void *ctx, uint32_t bound); /* NULL: no draws (see the file comment) */
    void *ctx;
} placement_random;

/* The placer of a metadata mode (CONFIG_METADATA_*: 0 KRaft, 1 ZooKeeper) and release. */
placement_kind placement_kind_for(int metadata_mode, int kafka_version);

/* Places partitions partitions of replication_factor replicas over brokers 1..num_brokers:
 * replicas[p * replication_factor + r] is the r-th replica of partition p, broker ids.
 * Returns 0, or -1 when replication_factor is not in 1..num_brokers or partitions < 1. */
int placement_place(placement_kind kind, int num_brokers, int partitions, int replication_factor,
                    placement_random *random, int *replicas);

#endif
