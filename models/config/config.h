/*
 * config.h: the effective configuration of one run, and the table of every key.
 *
 * Kafka's own property names for everything Kafka names (producer configs from
 * ProducerConfig.java, broker and topic configs from ServerLogConfigs/ReplicationConfigs);
 * simulator keys are namespaced workload.*, network.*, sim.*, fault.*, plus kafka.version; the
 * broker machines' operating system settings are os.* (Linux's sysctl names: os.vm.* is
 * /proc/sys/vm, Documentation/admin-guide/sysctl/vm.rst).
 * Defaults follow kafka.version (kafka-semantics.md section 3.1), and so does validation
 * (section 3.4: ProducerConfig.postProcessAndValidateIdempotenceConfigs).
 *
 * Times are stored in ns (the key says ms, the field says _ns); sizes in bytes.
 */
#ifndef KAFKASIM_CONFIG_H
#define KAFKASIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "properties.h"
#include "protocol.h"
#include "topics.h"

#define CONFIG_FAULTS_MAX 32
#define CONFIG_NOT_MODELLED_MAX 64 /* Kafka keys the run accepts without modelling them */
#define CONFIG_NOT_MODELLED_NAME_MAX 64

/* kafka.metadata.mode: who keeps the cluster's metadata (section 2.5). */
#define CONFIG_METADATA_KRAFT 0     /* the KRaft controller quorum (2.8+, production from 3.3) */
#define CONFIG_METADATA_ZOOKEEPER 1 /* ZooKeeper and the ZooKeeper-based controller (to 3.9) */
#define CONFIG_FAULT_NAME_MAX 32
/* Longest value text of a key: workload.topics with TOPICS_MAX names and their commas. */
#define CONFIG_VALUE_MAX (TOPICS_MAX * (TOPIC_NAME_MAX + 1))
#define CONFIG_FAULT_TEXT_MAX 160

/* transactional.id: at most this many characters of [A-Za-z0-9._-] (Kafka takes any string;
 * the model keeps it writable as a properties value and a fault target). */
#define CONFIG_TXN_ID_MAX TXN_ID_MAX
/* Transactional ids of a world: the workload producers' and the exactly-once instances'. */
#define CONFIG_TXN_IDS_MAX (PROTO_PRODUCERS_MAX + PROTO_CONSUMERS_MAX)
/* isolation.level */
#define CONFIG_READ_UNCOMMITTED 0
#define CONFIG_READ_COMMITTED 1

/* workload.pipeline, workload.sink, workload.commit, auto.offset.reset and
 * partition.assignment.strategy: the index of the value among the key's words. */
#define CONFIG_PIPELINE_AT_MOST_ONCE 0  /* commit before processing */
#define CONFIG_PIPELINE_AT_LEAST_ONCE 1 /* commit after processing (or auto commit) */
#define CONFIG_PIPELINE_EXACTLY_ONCE 2  /* offsets in the output's transaction */
#define CONFIG_SINK_NONE 0
#define CONFIG_SINK_EXTERNAL 1          /* the side effect is applied every time */
#define CONFIG_SINK_EXTERNAL_DEDUP 2    /* applied once per record id (a dedup table) */
#define CONFIG_COMMIT_SYNC 0
#define CONFIG_COMMIT_ASYNC 1
#define CONFIG_RESET_LATEST 0
#define CONFIG_RESET_EARLIEST 1
#define CONFIG_RESET_NONE 2
#define CONFIG_ASSIGN_RANGE 0
#define CONFIG_ASSIGN_COOPERATIVE 1
#define CONFIG_ASSIGN_RANGE_COOPERATIVE 2 /* both offered, range preferred (3.0+ default) */
/* group.id and workload.output: 1 .. CONFIG_NAME_MAX characters of [a-zA-Z0-9._-]. */
#define CONFIG_NAME_MAX TXN_ID_MAX

/* Documented maxima (issue: resource limits). */
#define CONFIG_RECORDS_MAX 100000000ULL /* workload.records */
#define CONFIG_IN_FLIGHT_MAX 1000       /* max.in.flight.requests.per.connection */

typedef struct config_fault {
    char name[CONFIG_FAULT_NAME_MAX]; /* the <name> of fault.<name> */
    char text[CONFIG_FAULT_TEXT_MAX]; /* the fault line, parsed by faults.c */
    char file[128];                   /* where it was set, for messages */
    int line;
} config_fault;

/* A topic's own values of Kafka's topic-level keys; 0 = not set (the global key applies). */
typedef struct config_topic_override {
    int num_partitions;      /* topic.<name>.num.partitions */
    int replication_factor;  /* topic.<name>.replication.factor */
    int min_insync_replicas; /* topic.<name>.min.insync.replicas */
} config_topic_override;

#define CONFIG_PRODUCER_OVERRIDES_MAX 32 /* producer-<n>.<key> lines */

/* producer-<n>.<key>=<value>: a producer key for producer n alone. Small: a configuration is
 * copied and cleared several times by every run. */
typedef struct config_producer_override {
    uint8_t producer;                 /* n, 1 .. PROTO_PRODUCERS_MAX */
    uint8_t key;                      /* row of the key in the key table */
    char value[24];                   /* the value as written (trimmed): a number or a word */
    char file[64];                    /* where it was set, for messages (cut to fit) */
    int line;
} config_producer_override;

#define CONFIG_CONSUMER_OVERRIDES_MAX 16 /* consumer-<n>.<key> lines */

/* consumer-<n>.<key>=<value>: a consumer key for application instance n alone (as
 * producer-<n>.<key> is for producers). */
typedef struct config_consumer_override {
    uint8_t consumer;                 /* n, 1 .. PROTO_CONSUMERS_MAX */
    uint8_t key;                      /* row of the key in the key table */
    char value[24];                   /* the value as written (trimmed) */
    char file[64];                    /* where it was set, for messages (cut to fit) */
    int line;
} config_consumer_override;

typedef struct config {
    /* kafka.version: major*10000 + minor*100 + patch, e.g. 30700 for 3.7 or 3.7.0. */
    int kafka_version;

    /* Producer (ProducerConfig). */
    int acks;                        /* 0, 1 or -1 (all) */
    bool enable_idempotence;         /* the value in force after validation */
    bool idempotence_explicit;       /* the user set enable.idempotence */
    int max_in_flight;               /* max.in.flight.requests.per.connection */
    int64_t retries;                 /* 0 .. INT32_MAX */
    int64_t retry_backoff_ns;        /* retry.backoff.ms */
    int64_t retry_backoff_max_ns;    /* retry.backoff.max.ms (3.7+, KIP-580) */
    int64_t reconnect_backoff_ns;    /* reconnect.backoff.ms */
    int64_t request_timeout_ns;      /* request.timeout.ms */
    int64_t delivery_timeout_ns;     /* delivery.timeout.ms */
    int64_t linger_ns;               /* linger.ms */
    int64_t batch_bytes;             /* batch.size */
    int64_t metadata_max_age_ns;     /* metadata.max.age.ms */
    int64_t buffer_memory_bytes;     /* buffer.memory: the accumulator's bound */

    /* Brokers, topic and replication. */
    int num_brokers;                 /* num.brokers */
    int num_partitions;              /* num.partitions: partitions of a topic without override */
    int replication_factor;          /* replication.factor */
    int min_insync_replicas;         /* min.insync.replicas */
    bool unclean_leader_election;    /* unclean.leader.election.enable */
    bool auto_leader_rebalance;      /* auto.leader.rebalance.enable */
    int64_t leader_imbalance_check_interval_ns; /* leader.imbalance.check.interval.seconds */
    int leader_imbalance_per_broker_percentage; /* leader.imbalance.per.broker.percentage */
    int64_t replica_lag_time_max_ns; /* replica.lag.time.max.ms */
    int64_t replica_fetch_wait_max_ns; /* replica.fetch.wait.max.ms */
    int64_t replica_fetch_backoff_ns;  /* replica.fetch.backoff.ms */
    int64_t replica_socket_timeout_ns; /* replica.socket.timeout.ms */
    int64_t broker_request_timeout_ns; /* broker.request.timeout.ms: the broker's own
                                        * request.timeout.ms, its fetcher's request timeout */
    int64_t log_flush_interval_messages; /* log.flush.interval.messages (INT64_MAX: never) */
    int64_t log_segment_bytes;       /* log.segment.bytes: a roll writes a producer snapshot */
    int64_t os_dirty_writeback_cs;   /* os.vm.dirty_writeback_centisecs (0: no writeback) */
    int64_t os_dirty_expire_cs;      /* os.vm.dirty_expire_centisecs */
    int metadata_mode;               /* kafka.metadata.mode: CONFIG_METADATA_* */
    int64_t broker_session_timeout_ns;   /* broker.session.timeout.ms */
    int64_t broker_heartbeat_interval_ns; /* broker.heartbeat.interval.ms */
    int64_t zookeeper_session_timeout_ns; /* zookeeper.session.timeout.ms */
    int64_t producer_id_expiration_ns;   /* producer.id.expiration.ms */

    /* Topics: workload.topics names them (in order); topic.<name>.num.partitions,
     * .replication.factor and .min.insync.replicas override the global keys for one topic.
     * topic_overrides[i] belongs to topics.topics[i]; 0 there means "the global key".
     * config_finish resolves every topic's values into topics (partition counts, first g). */
    topic_table topics;
    config_topic_override topic_overrides[TOPICS_MAX];
    /* topic.<workload.output>.*: the output topic's own values (config_finish_output). */
    config_topic_override output_override;

    /* Workload (the application in front of the producer). */
    uint64_t records;                /* workload.records: ids 0..records-1 */
    int64_t rate_per_s;              /* workload.rate: records/s, 0 = as fast as accepted */
    int64_t record_bytes;            /* workload.record.bytes */
    bool resend_on_failure;          /* workload.resend.on.failure */
    uint64_t keys;                   /* workload.keys: distinct keys, 0 = null keys */
    int producers;                   /* workload.producers */

    /* Partitioner (ProducerConfig, 3.3+: KIP-794). */
    bool partitioner_ignore_keys;    /* partitioner.ignore.keys */
    bool partitioner_adaptive;       /* partitioner.adaptive.partitioning.enable */
    int64_t partitioner_availability_timeout_ns; /* partitioner.availability.timeout.ms, 0 off */

    /* Network. */
    int64_t latency_ns;              /* network.latency.ms (decimals allowed) */
    int64_t jitter_ns;               /* network.jitter.ms (decimals allowed) */

    /* Simulator. */
    uint64_t seed;                   /* sim.seed (or --seed) */
    int64_t time_max_ns;             /* sim.max.time.ms: run limit in simulated time */
    uint64_t events_max;             /* sim.max.events: run limit in events */
    bool allow_unsafe_configs;       /* sim.allow.unsafe.configs: the what-if switch */
    bool placement_random;           /* sim.placement.random: placement draws from the seed */
    uint64_t stalled_events_max;     /* sim.max.stalled.events: progress guard, 0 off */
    uint64_t memory_max_mb;          /* sim.max.memory.mb: memory bound, MB, 0 = half the
                                        machine's physical memory (scenario.c) */

    /* Transactions (KIP-98; txn-consumer-semantics.md section 2). */
    char transactional_id[CONFIG_TXN_ID_MAX + 1]; /* transactional.id, "" = none */
    int64_t transaction_timeout_ns;  /* transaction.timeout.ms */
    int64_t max_block_ns;            /* max.block.ms: bound of the transactional calls */
    int64_t transaction_max_timeout_ns; /* transaction.max.timeout.ms (broker) */
    int64_t transaction_abort_interval_ns; /* transaction.abort.timed.out.transaction
                                            * .cleanup.interval.ms (broker) */
    int txn_state_partitions;        /* transaction.state.log.num.partitions */
    int txn_state_replication_factor; /* transaction.state.log.replication.factor */
    int txn_state_min_isr;           /* transaction.state.log.min.isr */
    int transaction_version;         /* transaction.version (KIP-890): 1 or 2 */
    bool transaction_verification;   /* transaction.partition.verification.enable (3.6+) */
    int isolation_level;             /* isolation.level: CONFIG_READ_* (the judge's reader) */
    uint64_t transaction_records;    /* workload.transaction.records */
    int64_t transaction_abort_ppm;   /* workload.transaction.abort.ratio, millionths */

    /* The world's transactional ids, resolved by config_finish (with workload.producers = n > 1
     * producer-k's id is "<transactional.id>-<k>" unless producer-k.transactional.id sets it):
     * txn_ids[0 .. txn_id_count-1] distinct, in the order producers 0..n-1 first use them;
     * producer_txn[p] the index of producer p's id, -1 when p is not transactional;
     * txn_partition[i] the global index g of txn_ids[i]'s __transaction_state partition
     * (TransactionStateManager.partitionFor: Utils.abs(id.hashCode) mod the partitions). The
     * topic __transaction_state (internal) follows the workload's topics in topics when
     * txn_id_count > 0. Producer configurations (config_for_producer) carry the same tables. */
    int txn_id_count;
    char txn_ids[CONFIG_TXN_IDS_MAX][CONFIG_TXN_ID_MAX + 1];
    int8_t producer_txn[PROTO_PRODUCERS_MAX];
    uint16_t txn_partition[CONFIG_TXN_IDS_MAX];
    /* With workload.pipeline=exactly-once, instance k's producer (consumer-k.producer) has the
     * transactional id "<group.id>-consumer-<k>" (one per instance, which KIP-447 allows: the
     * group's generation fences a zombie, and a restarted instance fences its predecessor by
     * the same id); consumer_txn[k - 1] its index in txn_ids, after the workload producers'
     * ids; -1 in the other pipelines. */
    int8_t consumer_txn[PROTO_CONSUMERS_MAX];

    /* Consumers and groups (issue 19; txn-consumer-semantics.md section 3). With consumers >
     * 0, config_finish adds the output topic (workload.output, after the workload's topics,
     * with the global partition and replication keys) and __consumer_offsets (internal, last),
     * and resolves group_partition. */
    int consumers;                   /* workload.consumers: 0 = no consumer side */
    int pipeline;                    /* workload.pipeline: CONFIG_PIPELINE_* */
    int sink;                        /* workload.sink: CONFIG_SINK_* */
    int commit_mode;                 /* workload.commit: CONFIG_COMMIT_* */
    int64_t processing_ns;           /* workload.processing.ms */
    char output_topic[CONFIG_NAME_MAX + 1]; /* workload.output */
    char group_id[CONFIG_NAME_MAX + 1];     /* group.id */
    bool enable_auto_commit;         /* enable.auto.commit */
    int64_t auto_commit_interval_ns; /* auto.commit.interval.ms */
    int auto_offset_reset;           /* auto.offset.reset: CONFIG_RESET_* */
    int max_poll_records;            /* max.poll.records */
    int64_t max_poll_interval_ns;    /* max.poll.interval.ms */
    int64_t session_timeout_ns;      /* session.timeout.ms */
    int64_t heartbeat_interval_ns;   /* heartbeat.interval.ms */
    int assignment_strategy;         /* partition.assignment.strategy: CONFIG_ASSIGN_* */
    int64_t fetch_min_bytes;         /* fetch.min.bytes */
    int64_t fetch_max_wait_ns;       /* fetch.max.wait.ms */
    int64_t default_api_timeout_ns;  /* default.api.timeout.ms */
    int64_t group_initial_rebalance_delay_ns; /* group.initial.rebalance.delay.ms (broker) */
    int64_t group_min_session_timeout_ns;     /* group.min.session.timeout.ms (broker) */
    int64_t group_max_session_timeout_ns;     /* group.max.session.timeout.ms (broker) */
    int offsets_partitions;          /* offsets.topic.num.partitions */
    int offsets_replication_factor;  /* offsets.topic.replication.factor */
    int64_t offsets_commit_timeout_ns; /* offsets.commit.timeout.ms (broker) */
    uint16_t group_partition;        /* g of the group's __consumer_offsets partition
                                      * (GroupMetadataManager.partitionFor: Utils.abs(group.id
                                      * hashCode) mod offsets.topic.num.partitions) */

    config_producer_override producer_overrides[CONFIG_PRODUCER_OVERRIDES_MAX];
    int producer_override_count;
    config_consumer_override consumer_overrides[CONFIG_CONSUMER_OVERRIDES_MAX];
    int consumer_override_count;

    config_fault faults[CONFIG_FAULTS_MAX];
    int fault_count;

    /* Kafka keys the inputs set that the model does not use (compression.type, client.id,
     * ...): accepted so a real properties file can be pasted, listed in the output, never part
     * of config_write or config_hash. The first CONFIG_NOT_MODELLED_MAX names are kept, in input
     * order; not_modelled_count counts them all. */
    char not_modelled[CONFIG_NOT_MODELLED_MAX][CONFIG_NOT_MODELLED_NAME_MAX];
    int not_modelled_count;

    /* Keys the user set (index into the key table), for version defaults and validation. */
    uint8_t set_by_user[128];
} config;

/* sim.max.stalled.events by default: 2^20 events at one instant without progress (the most a
 * run of the lessons, results sweeps, demo and swarms took was 21, and 1,028 with 1,000
 * requests in flight to 16 replicas at zero latency), plus 16 per record (README, Limits). */
#define CONFIG_STALLED_EVENTS_DEFAULT 1048576
#define CONFIG_STALLED_EVENTS_PER_RECORD 16

/* One key of the table: what `kafkasim config` prints. */
typedef struct config_key {
    const char *name;     /* "acks" */
    const char *unit;     /* "ms", "bytes", "records/s", "" */
    const char *allowed;  /* "0, 1, all (-1)"; "0 .. 2147483647" */
    const char *meaning;  /* one line */
} config_key;

/* An edge of key key_index's documented range as value text: which 0 the minimum, 1 the
 * minimum + 1 (the maximum when that is the minimum), 2 the maximum; for acks -1, 0, 1, for
 * booleans false, true, true, for kafka.metadata.mode kraft, zookeeper, zookeeper. Returns buf,
 * or NULL for kafka.version (releases are not a range) or an index or which out of range. */
const char *config_key_edge(size_t key_index, int which, char *buf, size_t len);

/* The key table, in documentation order; *count receives its length. */
const config_key *config_keys(size_t *count);

/* The first Kafka release (30700 for 3.7) that has key key_index of config_keys(), or 0 when
 * every release kafka.version accepts has it (simulator keys included); *source, when not NULL,
 * receives the KIP that brought it ("" for 0). */
int config_key_since(size_t key_index, const char **source);

/* True when Kafka release version has key key_index (config_key_since is 0 or <= version). */
bool config_key_in_version(size_t key_index, int version);

/* The i-th known Kafka key that the model accepts without using it ("compression.type", or a
 * family such as "ssl.*"), in documentation order; NULL past the end. */
const char *config_not_modelled_key(size_t i);

/* The release kafka.version means when it is not set (a current 3.x). */
int config_version_default(void);

/* Fills c with the defaults of kafka_version (0 = the default version). */
void config_defaults(config *c, int kafka_version);

/* Applies every property of props in order (later wins) onto c, which holds defaults.
 * kafka.version is read first: when p sets it (the last one set wins), c is reset to that
 * version's defaults before the other keys apply; a key the version does not have is refused
 * with the release that brought it. Known Kafka keys the model does not use are kept in
 * c->not_modelled. fault.<name> lines are checked with
 * fault_parse here, so a bad one is reported with its file:line. Values are trimmed as Kafka's
 * ConfigDef does. On bad input writes one message to err ("file:line: key: 'value' is not
 * allowed; allowed: ...", or "file:line: unknown key 'x' (did you mean 'y'?)") and returns -1;
 * c is then partly applied and should not be used. */
int config_apply(config *c, const props *p, char *err, size_t err_len);

/* Validates across keys (replication.factor <= num.brokers, min.insync.replicas <=
 * replication.factor, delivery.timeout.ms >= linger.ms + request.timeout.ms when set, the
 * idempotence rules of the chosen version, brokers named by faults exist) and settles derived
 * values (the effective enable.idempotence, a raised delivery.timeout.ms or
 * retry.backoff.max.ms). Call once, after config_apply. Returns 0 or -1 with a message naming
 * the keys in err. */
int config_finish(config *c, char *err, size_t err_len);

/* The whole path from text to a finished configuration, as `kafkasim run` takes a file:
 * defaults, the properties of text (named name in messages), then config_finish. Returns 0, or
 * -1 with one message in err. */
int config_load_text(config *c, const char *name, const char *text, char *err, size_t err_len);

/* Writes the effective configuration as key=value lines, in table order, to out, leaving out
 * keys the run's kafka.version does not have, so a run can be replayed from its printout.
 * config_hash() hashes the same text without the run bounds sim.max.stalled.events and
 * sim.max.memory.mb (a configuration keeps its hash when a bound is set or added). */
void config_write(const config *c, FILE *out);

/* For a key config_write leaves out at its default (the second wave's: workload.keys, ...),
 * that default as config_value_string writes it; NULL for every other key. */
const char *config_key_quiet_default(size_t key_index);

/* True when the world has a consumer side (workload.consumers > 0). */
static inline bool config_consumers(const config *c) { return c->consumers > 0; }

/* True when some producer of the world is transactional (c->txn_id_count > 0). */
static inline bool config_transactional(const config *c) { return c->txn_id_count > 0; }

/* Java's String.hashCode of text (UTF-16 code units; the ids here are ASCII), as Kafka places
 * a transactional id: Utils.abs(hashCode) % partitions. */
int32_t config_java_string_hash(const char *text);

/* Producer index's configuration (0-based: producer-<index + 1>): c with its
 * producer-<n>.<key> lines applied and checked as config_finish checks c. out may be large
 * (it is a whole config). Returns 0, or -1 with a message naming the producer. */
int config_for_producer(const config *c, int index, config *out, char *err, size_t err_len);

/* Application instance index's configuration (0-based: consumer-<index + 1>): c with its
 * consumer-<n>.<key> lines applied (enable.auto.commit, auto.commit.interval.ms,
 * auto.offset.reset, max.poll.records, max.poll.interval.ms, session.timeout.ms,
 * heartbeat.interval.ms, partition.assignment.strategy, default.api.timeout.ms,
 * workload.processing.ms, workload.commit) and checked as config_finish checks the consumers'
 * keys. out is a whole config. Returns 0, or -1 with a message naming the instance. */
int config_for_consumer(const config *c, int index, config *out, char *err, size_t err_len);

/* Names the durations (keys in ms, jitter aside) that the user set to 0, or when there are
 * none every duration that is 0, as "key=0 key=0", into buf (cut to len - 1 characters);
 * returns how many there are. They are what lets a model loop without
 * simulated time moving (the progress guard's message). */
size_t config_zero_durations(const config *c, char *buf, size_t len);
uint64_t config_hash(const config *c);

/* Partition g's replication factor and min.insync.replicas: its topic's, which config_finish
 * resolves; a configuration filled by hand without config_finish has 0 there, which means the
 * global key. */
static inline int config_replication_factor(const config *c, int g) {
    int v = topic_table_info(&c->topics, g)->replication_factor;
    return v ? v : c->replication_factor;
}
static inline int config_min_insync_replicas(const config *c, int g) {
    int v = topic_table_info(&c->topics, g)->min_insync_replicas;
    return v ? v : c->min_insync_replicas;
}

/* The session timeout after which the controller takes a silent broker for dead:
 * zookeeper.session.timeout.ms in ZooKeeper mode, broker.session.timeout.ms in KRaft. */
int64_t config_session_timeout_ns(const config *c);

/* "3.7.0" form of a version number into buf. */
const char *config_version_string(int version, char *buf, size_t len);

/* Reads "3.7" or "3.7.0" (a release line from 0.11 to 4.3) into *version (30700). Returns 0, or
 * -1 when text is not such a version (*version unchanged). */
int config_version_parse(const char *text, int *version);

/* The value of key number key_index of config_keys() in c, as config_write prints it, into buf
 * (64 bytes are enough for every key but workload.topics, which needs CONFIG_VALUE_MAX).
 * Returns buf. */
const char *config_value_string(const config *c, size_t key_index, char *buf, size_t len);

#endif
