/*
 * controller.h: the KRaft controller as far as one partition's delivery needs it: broker
 * liveness by heartbeats (fencing after broker.session.timeout.ms), leader election (clean:
 * first live ISR member in assignment order; unclean when enabled and no ISR member is live),
 * ISR changes by AlterPartition, and the partition state pushed to every replica.
 *
 * Follows metadata/src/main/java/org/apache/kafka/controller/{ReplicationControlManager,
 * PartitionChangeBuilder,BrokerHeartbeatManager,ClusterControlManager}.java; KIP-631 (KRaft
 * brokers, heartbeats, fencing, re-registration), KIP-497 (AlterPartition), KIP-841 (fenced
 * brokers may not join the ISR). kafka-semantics.md sections 2.3 and 2.5.
 *
 * Invariants (controller_check): the ISR is never empty and is a subset of the assignment;
 * a leader, when there is one, is in the ISR and unfenced; epochs never decrease.
 *
 * Simplifications: the controller is one node that never fails (the fault language has no
 * controller crashes); it pushes API_PARTITION_STATE to the replicas instead of brokers
 * fetching the metadata log (the observable effect, one network hop, is the same). Every
 * change gets the next offset of that log; a broker reports the highest offset it applied in
 * each BrokerHeartbeat (KIP-631 currentMetadataOffset) and, when it is behind (a push was lost
 * to a partition or a crash), the controller pushes the current state of its partitions
 * again, so a broker catches up once it reaches the controller, as a KRaft broker's metadata
 * fetch does (KIP-500, KIP-631). With several partitions one offset per broker cannot see a
 * lost push followed by a delivered one on another partition; the connection's TCP order
 * (network.h) rules that out. The
 * initial leader is not recorded as an election (history gets the initial ISR only); a
 * broker re-registering with a new incarnation is fenced and unfenced in one step, which
 * moves leadership away from it as KRaft's fencing of the old incarnation does; KIP-966
 * (eligible leader replicas) is not modelled.
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
    int partition_count;         /* partitions, <= PROTO_PARTITIONS_MAX */
    controller_partition partitions[PROTO_PARTITIONS_MAX]; /* by partition index */
    controller_broker brokers[PROTO_BROKERS_MAX + 1];      /* by broker id; 0 unused */
    int64_t metadata_offset;     /* offset of the latest change in the metadata log, offsets */
    uint64_t elections;          /* leader changes (statistics) */
    uint64_t unclean_elections;  /* of which unclean (statistics) */
} controller;

/* Sets up the controller (node NODE_CONTROLLER) for partition 0 assigned to replicas[0..
 * replica_count-1] in assignment order, brokers 1..num.brokers; listens on the network and
 * registers its handler. env is copied, its pointers borrowed. Returns 0, or -1 on bad
 * arguments (no memory is allocated). */
int controller_init(controller *c, const controller_env *env, const int *replicas,
                    int replica_count);
void controller_fini(controller *c);

/* Starts: the first replica leads with leader epoch 0, the ISR is every replica, every broker
 * counts as alive from now (its session timer starts); the state is pushed to every replica. */
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
