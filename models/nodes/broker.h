/*
 * broker.h: a Kafka broker holding replicas of the partitions assigned to it: leader
 * (Produce with acks 0/1/all, DelayedProduce, follower fetch state, high watermark, ISR shrink
 * and expand through AlterPartition), follower (fetch loop with long polling, high watermark
 * one round trip late, truncation by diverging epoch), producer ids (InitProducerId),
 * metadata, heartbeats, crash with or without power loss, restart with recovery, GC pauses.
 * Transactions (KIP-98): a transactional batch opens its producer's transaction on the
 * partition (producer_state.h); WriteTxnMarkers from a transaction coordinator makes the leader
 * of each partition named append an end-transaction marker (a control batch) and answers once
 * every partition's high watermark passed its marker, as an acks=all Produce with the broker's
 * request.timeout.ms (KafkaApis.handleWriteTxnMarkersRequest); markers replicate and truncate
 * like any batch. The last stable offset, min(HW, first unstable offset), is recorded by the
 * leader when it moves (HIST_LSO) on partitions whose replica has seen transactional batches
 * (so only in transactional runs). Simplifications: a queued WriteTxnMarkers keeps its own copy
 * of its partition list; a partition this broker does not lead, hosted or not, is answered
 * NOT_LEADER_OR_FOLLOWER (Kafka answers UNKNOWN_TOPIC_OR_PARTITION where it holds no replica;
 * the coordinator retries both alike, TransactionMarkerRequestCompletionHandler); a marker
 * takes a record's room on disk (workload.record.bytes).
 * Verification (KIP-890 part 1, transaction.partition.verification.enable, 3.6+;
 * ReplicaManager.handleProduceAppend, AddPartitionsToTxnManager, UnifiedLog): a leader given a
 * transactional batch of a producer with no transaction open on that partition takes a
 * verification guard, parks the request and asks the transactional id's coordinator
 * (AddPartitionsToTxn, verifyOnly) whether the partition is in the ongoing transaction; it
 * appends only once answered, and only with a guard still standing. The coordinator's answer
 * reaches the producer as Kafka maps it (PRODUCER_FENCED -> INVALID_PRODUCER_EPOCH; the
 * coordinator's retriable errors, and from 3.7.1 a lost or timed-out request, ->
 * NOT_ENOUGH_REPLICAS). Simplifications: one verification per parked request, not batched per
 * coordinator (AddPartitionsToTxnManager's one request per node, and its rule that a newer
 * request of a transactional id answers the older, are left out: a connection carries one
 * request at a time, so only two instances sharing an id could meet there). A request waiting
 * for its verification when its client opens a new connection goes on and appends (Kafka's
 * callback runs whatever became of the channel), answering no one; the new connection's requests
 * wait until its verification is answered.
 * Consumers (issue 19): a Fetch with replica_id -1 reads below the high watermark
 * (read_uncommitted) or the last stable offset (read_committed, with the aborted transactions
 * of its range) and waits for fetch.min.bytes up to fetch.max.wait.ms (DelayedFetch), woken by
 * the HW's moves; ListOffsets answers a partition's earliest or latest offset (broker.c,
 * "Leader: consumer Fetch").
 * A ProduceRequest may carry one batch for each of several partitions (RecordAccumulator's
 * drain): each is appended as a request of one would be, and the response answers every
 * partition; with acks=all it waits until each appended partition's HW passes its batch
 * (DelayedProduce over several ProducePartitionStatus). A Metadata request names a range of
 * partitions and is answered for each.
 *
 * Follows core/src/main/scala/kafka/cluster/Partition.scala and Replica.scala,
 * kafka/server/{ReplicaManager,DelayedProduce,DelayedFetch,KafkaApis,AbstractFetcherThread,
 * ReplicaFetcherThread}.scala, kafka/network/SocketServer.scala (one request per connection
 * at a time), UnifiedLog/LogLoader (recovery); KIP-101, KIP-279, KIP-320, KIP-497, KIP-631,
 * KAFKA-10554, KAFKA-15583. kafka-semantics.md sections 1 and 2.
 *
 * The broker talks only through the network (net_send, net_listen); it never calls the
 * producer or the controller. Its partition state (leader, epochs, ISR) comes from the
 * controller's API_PARTITION_STATE pushes.
 *
 * Invariants (broker_check_recent after every event, broker_check's full walk at the end of a
 * run): every replica's log holds its own invariants (HW <= LEO, contiguity, epoch cache); a
 * broker that believes itself leader is in the ISR it believes; no replica ever truncates
 * records below its own high watermark (committed records never change) unless
 * unclean.leader.election.enable is set or the broker lost power: those are the documented ways
 * Kafka loses committed data (kafka-semantics.md 2.7, 2.8).
 *
 * Simplifications, each deliberate: the HW checkpoint (replication-offset-checkpoint, every
 * 5 s) is taken as written at every change, so a restarted replica resumes with the HW it had;
 * the asynchronous flush after a segment roll is immediate; a response is "sent" when
 * net_send is called (the connection is unmuted then); of the controller's heartbeat answers
 * only the registration (a restarted broker applies partition state once its new incarnation
 * is registered, as BrokerServer waits for initialCatchUpFuture) and shouldShutDown are acted
 * upon, fencing is not (the controller moves leadership away by itself; a broker cut
 * off from the controller keeps leading until a newer state reaches it, the zombie leader of
 * KRaft; its heartbeats report its metadata offset so that the controller re-sends what it
 * missed, KIP-631); producer ids
 * come from b*1000000+k, standing in for ProducerIdManager's persisted blocks; the isr-expiration
 * task runs every replica.lag.time.max.ms/2 from broker start, as ReplicaManager schedules it.
 *
 * Replica fetching, a named simplification: a follower fetches each partition with its own
 * Fetch (one partition, one long poll), and the leader answers a follower's Fetch without
 * muting the connection for it, holding a DelayedFetch per partition and follower. That is
 * Kafka with as many replica fetcher threads as partitions (num.replica.fetchers, each thread
 * with its own connection, AbstractFetcherThread/ReplicaFetcherThread), not its default of one
 * fetcher per source broker whose Fetch covers every partition followed from that leader
 * (FetchSession, KIP-227). Fetch messages and their wake-ups are per partition here where
 * Kafka batches them; what a follower appends, when the high watermark moves and when the ISR
 * changes follow the same rules either way. Muting a shared connection per partition fetch
 * instead would let one partition's long poll hold back every other partition's replication
 * for replica.fetch.wait.max.ms, which Kafka never does.
 */
#ifndef KAFKASIM_BROKER_H
#define KAFKASIM_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "log.h"
#include "network.h"
#include "producer_state.h"
#include "protocol.h"
#include "sim.h"

/* producer.id.expiration.check.interval.ms (internal, ProducerStateManagerConfig). */
#define BROKER_PID_EXPIRATION_CHECK_INTERVAL_NS (600 * SIM_S)
#define BROKER_PRODUCER_ID_BLOCK 1000000 /* broker b hands out b*BLOCK + k */
/* BrokerServer.shutdown waits this long for the controlled shutdown (Server.shutdown()'s
 * default of 5 minutes) before it closes the logs anyway. */
#define BROKER_SHUTDOWN_TIMEOUT_NS (300 * SIM_S)
/* BrokerLifecycleManager: after the first response that does not yet let it stop, the next
 * heartbeat of a broker in controlled shutdown goes 50 ms later. */
#define BROKER_SHUTDOWN_HEARTBEAT_NS (50 * SIM_MS)

/* What a broker needs from its world; all borrowed. */
typedef struct broker_env {
    sim_world *world;       /* the kernel */
    net *net;               /* the network it listens and sends on */
    history *history;       /* where appends, truncations, HW moves are recorded */
    const config *config;   /* the run's configuration */
    proto_step_fn step_fn;  /* optional: protocol steps for "crash ... on <step>" */
    void *step_ctx;         /* passed to step_fn */
    struct txn_records *txn_records; /* the world's __transaction_state records (shared by
                                      * the brokers); required when config_transactional */
    struct group_records *group_records; /* the world's __consumer_offsets records (shared by
                                          * the brokers); required when config_consumers */
} broker_env;

/* What the leader knows of one follower (Replica.scala's ReplicaState). */
typedef struct broker_follower {
    int64_t log_end_offset;        /* the follower's last fetch offset, -1 unknown, offsets */
    int64_t last_caught_up_ns;     /* lastCaughtUpTimeMs, ns */
    int64_t last_fetch_leader_leo; /* leader LEO at the previous fetch, -1 unknown, offsets */
    int64_t last_fetch_ns;         /* time of the previous fetch, ns */
    bool fetch_parked;             /* its fetch of this partition waits for data (DelayedFetch,
                                    * see "Replica fetching"): in the partition's
                                    * parked_fetches, by the same broker id */
} broker_follower;

/* A follower's Fetch of one partition waiting for data (DelayedFetch). Apart from
 * broker_follower, so that the followers' offsets, which every high watermark move reads, sit
 * in a few lines of the partition. */
typedef struct broker_parked_fetch {
    proto_msg request;             /* the waiting Fetch (header and body, as received) */
    sim_timer wait;                /* its max wait (replica.fetch.wait.max.ms) */
} broker_parked_fetch;

/* A consumer's Fetch of one partition waiting for fetch.min.bytes (DelayedFetch): broker.c,
 * "Leader: consumer Fetch". */
typedef struct broker_consumer_fetch {
    proto_msg request;             /* the waiting Fetch (header and body, as received) */
    sim_timer wait;                /* its max wait (fetch.max.wait.ms) */
    bool parked;                   /* request waits for data or wait */
} broker_consumer_fetch;

/* One partition replica on this broker. The fields a produce, a fetch and a high watermark
 * move read come first (the partition's state, the log's and the producer state's heads, the
 * followers' offsets), the large by-id tables last. */
typedef struct broker_partition {
    bool hosted;                /* this broker is in the partition's assignment */
    /* Partition state as the controller last pushed it (volatile). */
    bool state_known;           /* a push arrived since the last start */
    int16_t leader;             /* broker id of the leader, -1 none */
    int32_t leader_epoch;       /* leader epoch */
    int32_t partition_epoch;    /* partition epoch (KIP-497's version of the ISR) */
    broker_set isr;             /* committed ISR */
    broker_set isr_left;        /* leader side: replicas that left the ISR and have not
                                   fetched since (not ISR-eligible, see broker.c) */
    broker_set replicas;        /* assignment */
    int replica_count;          /* replicas in the assignment */
    uint32_t fetch_parked_mask; /* bit r: followers[r].fetch_parked, so that a change of the
                                 * partition visits the parked fetches without reading every
                                 * follower's slot */
    uint8_t consumer_parked_mask; /* bit k: consumer-(k+1)'s fetch of it waits (in the broker's
                                 * consumer_fetches) */
    bool alter_pending;         /* an AlterPartition is in flight (PendingShrink/ExpandIsr) */
    bool alter_rejected;        /* the controller rejected it as stale: await metadata */
    /* Follower side. */
    bool fetch_in_flight;       /* a Fetch is outstanding */
    int16_t fetch_leader;       /* broker it was sent to */
    /* Invariant bookkeeping. */
    bool dirty;                 /* changed since the last broker_check_recent (in dirty[]) */
    bool power_lost;            /* this replica's machine lost power at least once */
    uint32_t fetch_correlation; /* its correlation id (follower side) */
    /* Leader side. */
    int64_t leader_epoch_start_offset; /* LEO when this broker became leader, offsets */
    int64_t lso_recorded;       /* leader: the last stable offset last recorded (HIST_LSO), -1
                                   none since it became leader, offsets */
    int64_t committed_truncated; /* first offset below the HW a truncation removed, -1 none */
    broker_set isr_proposed;    /* the ISR it proposes (leader side, with alter_pending) */
    uint32_t alter_correlation; /* its correlation id */
    int64_t alter_sent_ns;      /* when it was sent, ns */
    sim_timer fetch_timer;      /* follower side: fetch timeout while in flight, next fetch
                                 * otherwise */
    log_replica log;            /* the replica's log (survives crashes but a power loss tail) */
    pstate pstate;              /* producer state (rebuilt after a crash) */
    broker_follower followers[PROTO_BROKERS_MAX + 1]; /* leader side, indexed by broker id */
    int replica_order[PROTO_BROKERS_MAX]; /* assignment order, broker ids */
    uint16_t part_at[NODES_MAX]; /* by client node: the index of this partition's part in the
                                 * parts of its connection's parked request, when that request
                                 * has one (set at the park; stale otherwise: checked on use) */
    broker_parked_fetch parked_fetches[PROTO_BROKERS_MAX + 1]; /* by broker id: the followers'
                                 * parked fetches (valid where followers[r].fetch_parked) */
} broker_partition;

typedef enum broker_parked {
    BROKER_PARKED_NONE = 0,
    BROKER_PARKED_PRODUCE,      /* a DelayedProduce waits for the HW (acks=all); a follower's
                                 * DelayedFetch waits in the partition (parked_fetches) */
    BROKER_PARKED_MARKERS,      /* WriteTxnMarkers waits for the HW of its partitions */
    BROKER_PARKED_VERIFY,       /* a transactional Produce waits for its verification */
} broker_parked;

/* A transactional produce request whose partitions are being verified (KIP-890 part 1,
 * ReplicaManager.handleProduceAppend / maybeStartTransactionVerificationForPartitions): the
 * AddPartitionsToTxn(verifyOnly) sent for it, and per batch of the request the guard to
 * append with and the error to answer instead (the pre-append errors). */
typedef struct broker_verify {
    uint32_t correlation;       /* of the verification in flight, 0 none */
    int16_t coordinator;        /* broker id it went to */
    bool answered;              /* the answer (or its failure) is in: append now */
    uint32_t next_gen;          /* the client's newer connection, whose requests wait behind
                                 * this one (0 none): the request goes on without a channel */
    uint16_t count;             /* partitions sent */
    bool retry_wait;            /* version 2: the add waits add.partitions.to.txn.retry.backoff.ms
                                 * to be sent again after CONCURRENT_TRANSACTIONS */
    int64_t started_ns;         /* when the first add of the request went (the retries' clock) */
    uint16_t partitions[PROTO_PRODUCE_BATCHES_MAX]; /* g, in the request's batch order */
    uint32_t guards[PROTO_PRODUCE_BATCHES_MAX];     /* by batch k: 0 none (sentinel) */
    int16_t errors[PROTO_PRODUCE_BATCHES_MAX];      /* by batch k: NONE or the pre-append error */
} broker_verify;

/* One partition of a multi-partition ProduceRequest (DelayedProduce's ProducePartitionStatus). */
typedef struct broker_produce_part {
    int64_t required_offset;    /* HW needed (lastOffset + 1), offsets */
    int64_t base_offset;        /* the batch's base offset, -1 on error, offsets */
    uint16_t partition;         /* g */
    int16_t error;              /* its answer so far */
    bool pending;               /* acksPending: waits for the HW */
} broker_produce_part;

/* One client connection: muted while its current request is processed (SocketServer). */
typedef struct broker_conn {
    uint32_t gen;               /* connection generation of the requests held */
    bool busy;                  /* a request is being processed: the connection is muted */
    uint8_t parked;             /* broker_parked */
    proto_msg current;          /* the request being processed */
    int64_t required_offset;    /* DelayedProduce: HW needed (lastOffset + 1), offsets */
    int64_t base_offset;        /* DelayedProduce: the batch's base offset, offsets */
    sim_timer timer;            /* request timeout (produce) or max wait (fetch) */
    proto_msg *queue;           /* owned ring of requests waiting, arrival order */
    size_t head;                /* ring index of the oldest */
    size_t count;               /* requests waiting */
    size_t capacity;            /* ring slots allocated */
    /* Multi-partition produce requests only (allocated at the first one): */
    proto_batch *queue_more;    /* owned: the further batches of queued requests, by ring slot,
                                 * PROTO_PRODUCE_BATCHES_MAX - 1 per slot */
    proto_batch *current_more;  /* owned: the current request's further batches */
    broker_produce_part *parts; /* owned: the current request's partitions */
    int parts_waiting;          /* parked multi-partition produce or WriteTxnMarkers: its parts
                                 * still pending (counted at the park), so that a change of one
                                 * partition looks at that partition's part alone (found by
                                 * broker_partition.part_at) */
    bool parts_repeat;          /* that request names a partition twice: look through all */
} broker_conn;

/* A delivery or timer that arrived during a pause, replayed at its end in order. */
typedef struct broker_deferred {
    bool is_msg;                /* msg is valid, else arg is a timer argument */
    uint64_t arg;               /* timer argument */
    proto_msg msg;              /* the message; a fetch response's batches are held apart */
    size_t batches_at;          /* index in the broker's deferred_batches of msg's batches */
} broker_deferred;

typedef struct broker {
    broker_env env;             /* copied; its pointers are borrowed */
    int broker_id;              /* 1..PROTO_BROKERS_MAX */
    node_id node;               /* node id on the network */
    uint16_t kind;              /* kernel handler kind of this broker's timers */
    bool started;               /* broker_start was called */
    bool alive;                 /* the process runs */
    bool registered;            /* the controller accepted this incarnation: metadata applies */
    bool stopping;              /* in controlled shutdown: waits for the controller's grant */
    int64_t stop_deadline_ns;   /* it stops without the grant at this time, ns */
    bool got_shutdown_response; /* answered once while stopping (gotControlledShutdownResponse) */
    int64_t broker_epoch;       /* incarnation, bumped at every restart (KIP-631) */
    int64_t paused_until_ns;    /* a GC pause lasts until then, 0 when not paused, ns */
    int64_t producer_id_next;   /* k of the next producer id, kept across restarts */
    uint32_t correlation_next;  /* correlation ids of this broker's own requests */
    int64_t metadata_offset;    /* highest controller metadata offset applied, 0 none, offsets */
    broker_set ineligible;      /* brokers fenced or in controlled shutdown, as of that offset */
    sim_timer heartbeat_timer;  /* next BrokerHeartbeat */
    sim_timer isr_timer;        /* next isr-expiration run */
    sim_timer expire_timer;     /* next producer-id expiration check */
    sim_timer pause_timer;      /* end of the current pause */
    int partition_count;        /* partitions of every topic (topics.h's g) */
    broker_partition *partitions; /* owned, by partition index g: a replica where hosted,
                                   * else the metadata the controller pushed */
    int *dirty;                 /* owned: partitions changed since the last broker_check_recent */
    int dirty_count;            /* entries of dirty */
    broker_conn conns[NODES_MAX];  /* by client node id */
    uint64_t parked_mask;          /* bit n set: conns[n].parked != BROKER_PARKED_NONE */
    broker_deferred *deferred;  /* owned: what arrived during the pause */
    size_t deferred_count;      /* items held */
    size_t deferred_capacity;   /* items allocated */
    proto_batch *deferred_batches; /* owned: the batches of deferred fetch responses */
    size_t deferred_batch_count;   /* batches held */
    size_t deferred_batch_capacity; /* batches allocated */
    uint64_t appends;           /* batches appended as leader (statistics) */
    struct txn_coord *txn;      /* owned: the transaction coordinator (txn_coordinator.h) of a
                                 * transactional world, NULL otherwise */
    broker_produce_part **marker_parts; /* owned, NULL until the first WriteTxnMarkers: by
                                         * client node, NULL or the current request's markers,
                                         * PROTO_TXN_PARTITIONS_MAX each (owned) */
    broker_verify *verify;      /* owned, NULL until the first verification: by client node */
    broker_consumer_fetch *consumer_fetches; /* owned, NULL until a consumer's fetch first
                                 * waits: by partition g * PROTO_CONSUMERS_MAX + consumer index */
    struct group_coord *group;  /* owned: the group coordinator (group_coordinator.h) of a world
                                 * with consumers, NULL otherwise */
} broker;

/* Sets up broker broker_id (1..PROTO_BROKERS_MAX) with partition_count partitions, partition g
 * assigned to replica_counts[g] brokers in assignment order, the lists one after another in
 * replicas (it hosts a replica of g when its id is in g's list), registers its handler and
 * listens on the network. Does not start it. env is copied, its pointers borrowed for the
 * broker's life. Returns 0, or -1 when memory cannot be had (nothing to fini then). */
int broker_init(broker *b, const broker_env *env, int broker_id, int partition_count,
                const int *replicas, const int *replica_counts);
void broker_fini(broker *b);

/* Starts the process: heartbeats begin (the first is the registration); the broker takes no
 * role until the controller pushes partition state. */
void broker_start(broker *b);

/* The process dies. Memory is lost (requests, producer state, partition state); the disk
 * keeps the log, including the OS page cache for a process crash; with powerloss what was
 * fsynced (log.flush.interval.messages, rolls) or written back by the OS survives
 * (log_durable_offset). Marks the node down on the network (HIST_CRASH is the caller's to
 * record). Precondition: alive. */
void broker_crash(broker *b, bool powerloss);

/* Power fails on the broker's machine: a running broker crashes with power loss; a broker
 * whose process had already died loses the tail its page cache still held unwritten
 * (log_durable_offset). */
void broker_power_fail(broker *b);

/* Restarts a crashed broker: log recovery, producer state loaded from the snapshot that
 * recovery takes at the log end, one batch per producer id (LogLoader.recoverSegment,
 * pstate_recover), a new broker epoch, heartbeats again; it rejoins as the controller
 * says (normally a follower that truncates, catches up and re-enters the ISR). Precondition:
 * started and not alive. */
void broker_restart(broker *b);

/* A controlled shutdown begins (BrokerLifecycleManager.beginControlledShutdown): heartbeats ask
 * the controller to move leadership away (wantShutDown); once it answers shouldShutDown, or
 * BROKER_SHUTDOWN_TIMEOUT_NS after the start, every log is closed as UnifiedLog.close and
 * LogManager.shutdown do (a producer state snapshot at the log end, a flush), the stop is
 * recorded in the history and the process stops; broker_restart brings it back. Precondition:
 * alive. A second call while stopping does nothing. */
void broker_stop(broker *b);

/* Stops a broker in controlled shutdown at once, as if the grant had come (used when a stop's
 * duration ends before the controller answered). Precondition: alive and stopping. */
void broker_stop_now(broker *b);

/* A stop-the-world pause until until_ns: deliveries and timers are deferred to its end, in
 * their original order. A later end extends a running pause. */
void broker_pause(broker *b, int64_t until_ns);

static inline bool broker_alive(const broker *b) { return b->alive; }

/* The replica's log of partition (borrowed, valid until the next event); *count receives the
 * number of batches. NULL with *count 0 when partition is out of range. */
const proto_batch *broker_log(const broker *b, int partition, size_t *count);
int64_t broker_high_watermark(const broker *b, int partition);
int64_t broker_log_end_offset(const broker *b, int partition);
/* UnifiedLog.lastStableOffset of the replica: min(high watermark, first unstable offset). */
int64_t broker_last_stable_offset(const broker *b, int partition);
/* The leader this broker believes in for partition, -1 when none or unknown. */
int broker_partition_leader(const broker *b, int partition);

/* ---- For the transaction coordinator (txn_coordinator.c), a role of this broker ---------- */

/* Appends batch (a __transaction_state record) to partition g as its leader with acks=all
 * (ReplicaManager.appendRecords, origin COORDINATOR): NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS
 * (the ISR below min.insync.replicas), or NONE with *required_offset the HW that makes it
 * durable. broker_coordinator_append_settle then wakes the followers' waiting fetches and
 * moves the HW (which may complete it at once, through txn_coord_on_hw). */
int16_t broker_coordinator_append(broker *b, int g, const proto_batch *batch,
                                  int64_t *required_offset);
void broker_coordinator_append_settle(broker *b, int g);
/* DelayedProduce.tryComplete for such an append: -1 while it waits, NONE when the HW passed
 * required_offset, NOT_ENOUGH_REPLICAS_AFTER_APPEND (the ISR shrank below min.insync.replicas),
 * NOT_LEADER_OR_FOLLOWER. */
int16_t broker_coordinator_append_done(const broker *b, int g, int64_t required_offset);
/* Answers the request of client whose connection generation and correlation id these are, if
 * it is still the connection's current one (else the answer would go to a closed channel), and
 * lets the connection go on. */
void broker_coordinator_respond(broker *b, node_id client, uint32_t gen, uint32_t correlation,
                                proto_msg *resp);
/* Lets the connection of client go on without answering its current request: the group
 * coordinator answers a JoinGroup or SyncGroup that waits later, with
 * broker_coordinator_answer (group_coordinator.c, S1). */
void broker_coordinator_release(broker *b, node_id client);
/* Sends resp (api, is_response and body set) as the answer to the request of client with this
 * connection generation and correlation id, if that connection still stands. */
void broker_coordinator_answer(broker *b, node_id client, uint32_t gen, uint32_t correlation,
                               proto_msg *resp);
/* Sends a request of the broker's own (WriteTxnMarkers) as a client. */
void broker_coordinator_send(broker *b, proto_msg *m);
/* A new producer id (ProducerIdManager.generateProducerId). */
int64_t broker_new_producer_id(broker *b);
/* The end of the current stop-the-world pause, 0 when none. */
static inline int64_t broker_paused_until(const broker *b) { return b->paused_until_ns; }

/* Walks the invariants of the file comment; on a broken one calls sim_fail() with what broke
 * and returns false. */
bool broker_check(broker *b);

/* The same invariants as broker_check at O(1) amortised cost per call, for the hook after
 * every event: only the partitions that changed since the last call are looked at, each log
 * only where it changed (log_check_recent). The full walk, broker_check, runs at the end of a
 * run. */
bool broker_check_recent(broker *b);

#endif
