/*
 * controller.h: the controller as far as one partition's delivery needs it: broker liveness by
 * heartbeats (fencing after the session timeout), registration of a restarted broker, leader
 * election (clean: first live ISR member in assignment order; unclean when the metadata mode
 * and version honour unclean.leader.election.enable and no ISR member is live), controlled
 * shutdown, preferred-leader election (auto.leader.rebalance.enable), ISR changes by
 * AlterPartition, and the partition state pushed to every broker.
 *
 * Follows metadata/src/main/java/org/apache/kafka/controller/{ReplicationControlManager,
 * PartitionChangeBuilder,BrokerHeartbeatManager,ClusterControlManager}.java; KIP-631 (KRaft
 * brokers, heartbeats, fencing, re-registration), KIP-497 (AlterPartition), KIP-841 (fenced
 * brokers may not join the ISR). kafka-semantics.md sections 2.3 and 2.5.
 *
 * Metadata mode (kafka.metadata.mode, section 2.5):
 * - KRaft: a broker is fenced broker.session.timeout.ms after its last heartbeat
 *   (BrokerHeartbeatManager). unclean.leader.election.enable is ignored before 3.9
 *   (ConfigurationControlManager.uncleanLeaderElectionEnabledForTopic is `return false; // TODO`
 *   at 3.0.0 .. 3.8.0): a partition whose ISR is gone stays leaderless. From 3.9 (KAFKA-12670)
 *   an unclean election happens when a broker is fenced or unfenced
 *   (ReplicationControlManager.generateLeaderAndIsrUpdates with Election.UNCLEAN).
 *   Preferred-leader election (QuorumController.maybeScheduleNextBalancePartitionLeaders,
 *   ReplicationControlManager.maybeBalancePartitionLeaders): once a partition's leader is not its
 *   preferred replica, a check runs leader.imbalance.check.interval.seconds later and again every
 *   interval while the imbalance lasts; it elects the preferred replica when that one is in the
 *   ISR, unfenced and not shutting down (PartitionChangeBuilder.electPreferredLeader).
 *   leader.imbalance.per.broker.percentage is not read.
 * - ZooKeeper (KafkaController): a broker is taken for dead when its ZooKeeper session expires,
 *   zookeeper.session.timeout.ms after its last contact (onBrokerFailure); unclean election is
 *   honoured then, and when a replica comes back to a leaderless partition (onBrokerStartup).
 *   checkAndTriggerAutoLeaderRebalance runs every interval from the controller's start and
 *   elects the preferred replica when the share of that broker's preferred partitions led
 *   elsewhere is above leader.imbalance.per.broker.percentage.
 * - Both: a restarted broker cannot register while its old session is valid
 *   (ClusterControlManager.registerBroker: DuplicateBrokerRegistrationException while
 *   BrokerHeartbeatManager.hasValidSession; ZooKeeper: the old session's ephemeral
 *   /brokers/ids/<id> node still exists); its heartbeats are refused and do not renew the old
 *   session, so leadership moves only when that session times out. A controlled shutdown
 *   (BrokerHeartbeat wantShutDown, BrokerHeartbeatManager.calculateNextBrokerState,
 *   ReplicationControlManager.handleBrokerInControlledShutdown; ZooKeeper: ControlledShutdown
 *   request) first moves every leadership away and takes the broker out of every ISR, then
 *   fences it and answers shouldShutDown; it re-registers at once when it starts again.
 *
 * Invariants (controller_check): the ISR is never empty and is a subset of the assignment;
 * a leader, when there is one, is in the ISR, unfenced and not in controlled shutdown; epochs
 * never decrease.
 *
 * Partitions (ReplicationControlManager keeps a PartitionRegistration per partition): each is
 * elected on its own; fencing a broker, its controlled shutdown and its return touch only the
 * partitions it is a replica of, and only those it led get a new leader; a partition's ISR
 * changes alone (AlterPartition names one partition here; Kafka's request may name several,
 * each judged alone). Preferred-leader election walks every imbalanced partition.
 *
 * Simplifications: the controller is one node that never fails (the fault language has no
 * controller crashes); it pushes API_PARTITION_STATE for every partition to every broker (each
 * holds the whole metadata image) instead of brokers fetching the metadata log (the observable
 * effect, one network hop, is the same). Every change gets the next offset of that log; a broker
 * reports the highest offset it applied in each BrokerHeartbeat (KIP-631 currentMetadataOffset)
 * and, when it is behind (a push was lost to a partition or a crash), the controller pushes the
 * current state of every partition again, so a broker catches up once it reaches the controller,
 * as a KRaft broker's metadata fetch does (KIP-500, KIP-631). With several partitions one offset
 * per broker cannot see a lost push followed by a delivered one on another partition; the
 * connection's TCP order (network.h) rules that out. The initial leader is not recorded as an
 * election (history gets the initial ISR only); KIP-966 (eligible leader replicas) is not
 * modelled. A refused registration is retried with the next heartbeat (BrokerLifecycleManager
 * backs off from 100 ms to half the session); the shutdown grant does not wait for the other
 * brokers' metadata offsets (lowestActiveOffset); the ZooKeeper controller is modelled as this one
 * with ZooKeeper's session and rebalance rules (its LeaderAndIsr and UpdateMetadata requests are
 * the same push).
 */
#ifndef KAFKASIM_CONTROLLER_H
#define KAFKASIM_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "network.h"
#include "protocol.h"
#include "sim.h"

/* What the controller needs from its world; all borrowed. */
typedef struct controller_env {
    sim_world *world;     /* the kernel */
    net *net;             /* the network */
    history *history;     /* elections and ISR changes are recorded here */
    const config *config; /* num.brokers, broker.session.timeout.ms, unclean... */
} controller_env;

/* What the controller knows of one broker (BrokerHeartbeatManager, BrokerRegistration). */
typedef struct controller_broker {
    bool registered;          /* a heartbeat arrived (or the run began with it) */
    bool fenced;              /* not eligible as leader or ISR member */
    bool shutting_down;       /* in controlled shutdown: not eligible either */
    int64_t broker_epoch;     /* the incarnation last heard of, 0 unknown */
    int64_t last_heartbeat_ns; /* last contact, ns */
    sim_timer session_timer;  /* fires broker.session.timeout.ms after the last contact */
    int64_t last_push_ns;     /* when a partition state was last pushed to it, ns */
} controller_broker;

/* One partition: the state it pushes, and the assignment order elections follow. */
typedef struct controller_partition {
    proto_partition_state state;          /* leader, epochs, ISR, replicas */
    int replica_order[PROTO_BROKERS_MAX]; /* assignment order, broker ids */
    int replica_count;                    /* replicas assigned */
} controller_partition;

typedef struct controller {
    controller_env env;          /* copied; pointers borrowed */
    uint16_t kind;               /* kernel handler kind of session timers */
    int num_brokers;             /* brokers 1..num_brokers exist */
    int partition_count;         /* partitions of every topic (topics.h's g) */
    controller_partition *partitions; /* owned, by partition index g */
    controller_broker brokers[PROTO_BROKERS_MAX + 1];      /* by broker id; 0 unused */
    int64_t metadata_offset;     /* offset of the latest change in the metadata log, offsets */
    int64_t session_timeout_ns;  /* broker or ZooKeeper session, by metadata mode, ns */
    sim_timer balance_timer;     /* next preferred-leader check, armed while imbalanced */
    uint64_t preferred_elections; /* leader changes back to the preferred replica (statistics) */
    uint64_t elections;          /* leader changes (statistics) */
    uint64_t unclean_elections;  /* of which unclean (statistics) */
} controller;

/* Sets up the controller (node NODE_CONTROLLER) for partition_count partitions, partition g
 * assigned to replica_counts[g] brokers in assignment order (the first the preferred leader),
 * the lists one after another in replicas (placement.h places them), brokers 1..num.brokers;
 * listens on the network and registers its handler. env is copied, its pointers borrowed.
 * Returns 0, or -1 on bad arguments or when memory cannot be had (nothing to fini then). */
int controller_init(controller *c, const controller_env *env, int partition_count,
                    const int *replicas, const int *replica_counts);
void controller_fini(controller *c);

/* Starts: the first replica leads with leader epoch 0, the ISR is every replica, every broker
 * counts as alive from now (its session timer starts); the state is pushed to every broker
 * (KRaft brokers replay the whole metadata log; ZooKeeper's controller sends UpdateMetadata to
 * every live broker), so each one can answer Metadata for every partition. */
void controller_start(controller *c);

/* Partition 0's leader (broker id) or -1; its ISR; its leader epoch. */
int controller_leader(const controller *c);
broker_set controller_isr(const controller *c);
int32_t controller_leader_epoch(const controller *c);
/* The same for any partition index. */
const proto_partition_state *controller_partition_state(const controller *c, int partition);
/* True when the controller has fenced broker_id. */
bool controller_fenced(const controller *c, int broker_id);

/* Walks the invariants of the file comment; on a broken one calls sim_fail() and returns
 * false. */
bool controller_check(controller *c);

#endif
