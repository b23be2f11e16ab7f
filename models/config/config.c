/*
 * config.c: the key table, defaults per kafka.version, parsing of each value, and the checks
 * across keys that Kafka's clients and brokers make.
 *
 * Every key is one row of CONFIG_KEYS below: its name (Kafka's, or a namespaced simulator key),
 * unit, allowed values, one line of meaning, how its text is read and which field of struct
 * config it fills. config_keys() hands out the documentation columns; the rest stays here.
 *
 * Defaults by version follow kafka-semantics.md section 3.1 (ProducerConfig.java at each tag):
 * acks 1 -> all in 3.0 (KIP-679); enable.idempotence false -> true in 3.0 (KIP-679), but not in
 * effect by default in 3.0.0 and 3.1.0 (KAFKA-13598); retries 0 -> Integer.MAX_VALUE and
 * delivery.timeout.ms 120000 in 2.1 (KIP-91); retry.backoff.max.ms 1000 in 3.7 (KIP-580);
 * replica.lag.time.max.ms 10000 -> 30000 in 2.5 (KIP-537); linger.ms 0 -> 5 in 4.0 (KIP-1030);
 * producer.id.expiration.ms 86400000 in 3.4 (KIP-854; before, producer ids expired with
 * transactional.id.expiration.ms, 604800000). 4.0 (KIP-1030) also raised the least
 * log.segment.bytes to 1 MiB; 4.1, 4.2 and 4.3 changed no default or bound of a key in this table
 * (their upgrade notes: eligible leader replicas on by default for new clusters from 4.1,
 * KIP-966, is an election rule, not a key here). Keys that came after 0.11 carry their release
 * in config_since_table and are refused for older releases.
 *
 * Validation follows section 3.4: ProducerConfig.postProcessAndValidateIdempotenceConfigs in
 * 3.0.1+, KafkaProducer.configureAcks/configureRetries/configureInflightRequests before 3.0,
 * and KafkaProducer.configureDeliveryTimeout. The one what-if switch,
 * sim.allow.unsafe.configs, lets explicit idempotence run with settings Kafka refuses.
 * min.insync.replicas above replication.factor passes, as topic creation lets it pass in every
 * release; the broker applies it by version (broker.c effective_min_isr, KAFKA-15583).
 *
 * Values are parsed as Kafka's ConfigDef.parseType does: surrounding blanks are trimmed,
 * booleans are true or false in any case, integers are decimal and range-checked. Stricter than
 * Kafka: no '+' sign is needed and none of Java's lenient number forms are accepted; durations
 * in ms are whole numbers except network.*.ms, which take decimals read in fixed point.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fault_parse.h"
#include "protocol.h"

#define CONFIG_VERSION_DEFAULT 30900      /* 3.9.0, a current 3.x */
#define CONFIG_INT_MAX 2147483647         /* Java's Integer.MAX_VALUE */
#define CONFIG_MS_MAX ((int64_t)1000000000000)    /* 10^12 ms: sums of a few such times fit in ns */
#define CONFIG_NS_PER_MS ((int64_t)1000000)
#define CONFIG_TOPIC_DEFAULT "orders"     /* workload.topics */

/* ==== The key table ========================================================================== */

/* How a key's text is read. */
typedef enum config_type {
    CT_VERSION, /* kafka.version: "3.7" or "3.7.0" */
    CT_ACKS,    /* 0, 1, -1 or all */
    CT_BOOL,    /* true or false, any case */
    CT_INT,     /* int field, decimal in [min, max] */
    CT_I64,     /* int64_t field, decimal in [min, max] */
    CT_U64,     /* uint64_t field, decimal in [min, umax] */
    CT_MS,      /* int64_t ns field from whole ms in [min, max] */
    CT_S,       /* int64_t ns field from whole seconds in [min, max] */
    CT_MODE,    /* kafka.metadata.mode: kraft or zookeeper */
    CT_MS_FRAC, /* int64_t ns field from decimal ms in [min, max], to 1 ns */
    CT_TOPICS,  /* workload.topics: a comma list of topic names (topics.h) */
    CT_TXN_ID,  /* transactional.id: a string of [A-Za-z0-9._-], "" none */
    CT_ISOLATION, /* isolation.level: read_uncommitted or read_committed */
    CT_WORD,    /* int field: the index of the value among the words of the allowed column
                 * (separated by ", "; a word may hold a comma without a blank) */
    CT_NAME,    /* char[CONFIG_NAME_MAX + 1] field: 1 .. 64 of [a-zA-Z0-9._-] */
    CT_RATIO    /* int64_t millionths from a decimal in [0, 1] */
} config_type;

/* The reading half of a row. */
typedef struct config_field {
    config_type type; /* how the text is read */
    size_t offset;    /* of the field in struct config, bytes */
    int64_t min;      /* smallest allowed value, in the key's unit */
    int64_t max;      /* largest allowed value, in the key's unit (all but CT_U64) */
    uint64_t umax;    /* largest allowed value of a CT_U64 key */
} config_field;

#define ALLOWED_MS_INT "0 .. 2147483647"
#define ALLOWED_MS_LONG "0 .. 1000000000000"

/* X(name, unit, allowed, meaning, type, field, min, max): one row per key, in the order
 * `kafkasim config` and config_write print them. min and max are in the key's unit (ms for
 * times); the allowed column states the same range in words. */
#define CONFIG_KEYS(X) CONFIG_KEYS_BEFORE(X) CONFIG_KEYS_CONSUMER(X) CONFIG_KEYS_AFTER(X)

#define CONFIG_KEYS_BEFORE(X)                                                                   \
    X("kafka.version", "", "0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, 4.0 .. 4.3 (as 3.7 or 3.7.0)", \
      "Kafka release whose defaults and config validation apply", CT_VERSION, kafka_version,  \
      0, 0)                                                                                     \
    X("acks", "", "0, 1, all (-1)",                                                             \
      "replicas that must have the batch before the leader answers", CT_ACKS, acks, -1, 1)      \
    X("enable.idempotence", "", "true, false",                                                  \
      "producer id and sequence numbers let the leader drop duplicate batches", CT_BOOL,        \
      enable_idempotence, 0, 1)                                                                 \
    X("max.in.flight.requests.per.connection", "requests", "1 .. 1000",                         \
      "unanswered Produce requests per broker connection", CT_INT, max_in_flight, 1,            \
      CONFIG_IN_FLIGHT_MAX)                                                                     \
    X("retries", "", "0 .. 2147483647", "resends of a failed batch before it fails", CT_I64,   \
      retries, 0, CONFIG_INT_MAX)                                                               \
    X("retry.backoff.ms", "ms", ALLOWED_MS_LONG, "wait before a retry (the first, from 3.7)",  \
      CT_MS, retry_backoff_ns, 0, CONFIG_MS_MAX)                                                \
    X("retry.backoff.max.ms", "ms", ALLOWED_MS_LONG,                                            \
      "cap of the exponential retry backoff (KIP-580, 3.7); before 3.7 = retry.backoff.ms",    \
      CT_MS, retry_backoff_max_ns, 0, CONFIG_MS_MAX)                                            \
    X("request.timeout.ms", "ms", ALLOWED_MS_INT,                                               \
      "a producer request unanswered this long closes its connection (the broker's own is "    \
      "broker.request.timeout.ms)", CT_MS, request_timeout_ns, 0,                               \
      CONFIG_INT_MAX)                                                                           \
    X("delivery.timeout.ms", "ms", ALLOWED_MS_INT,                                              \
      "bound on a batch's life from creation to outcome (2.1+; none before)", CT_MS,           \
      delivery_timeout_ns, 0, CONFIG_INT_MAX)                                                   \
    X("reconnect.backoff.ms", "ms", ALLOWED_MS_LONG,                                            \
      "wait before a producer reconnects to a broker whose connection failed",                 \
      CT_MS, reconnect_backoff_ns, 0, CONFIG_MS_MAX)                                            \
    X("linger.ms", "ms", ALLOWED_MS_LONG, "wait for more records before sending a batch",      \
      CT_MS, linger_ns, 0, CONFIG_MS_MAX)                                                       \
    X("batch.size", "bytes", "0 .. 2147483647", "batch size at which a batch is sent at once", \
      CT_I64, batch_bytes, 0, CONFIG_INT_MAX)                                                   \
    X("metadata.max.age.ms", "ms", ALLOWED_MS_LONG,                                             \
      "metadata is refreshed at least this often", CT_MS, metadata_max_age_ns, 0, CONFIG_MS_MAX) \
    X("buffer.memory", "bytes", "0 .. 9223372036854775807",                                     \
      "bytes the producer may hold in unsent batches before send() blocks", CT_I64,             \
      buffer_memory_bytes, 0, INT64_MAX)                                                        \
    X("num.brokers", "brokers", "1 .. 16", "brokers in the cluster (ids 1..n)", CT_INT,         \
      num_brokers, 1, PROTO_BROKERS_MAX)                                                        \
    X("num.partitions", "partitions", "1 .. 1024 (all topics together: at most 1024)",          \
      "partitions of each topic without topic.<name>.num.partitions", CT_INT, num_partitions,   \
      1, TOPIC_PARTITIONS_MAX)                                                                  \
    X("replication.factor", "replicas", "1 .. 16",                                              \
      "replicas of each partition of a topic without topic.<name>.replication.factor", CT_INT,  \
      replication_factor, 1, PROTO_BROKERS_MAX)                                                 \
    X("min.insync.replicas", "replicas", "1 .. 2147483647",                                     \
      "ISR size below which acks=all produce fails with NOT_ENOUGH_REPLICAS (a topic's own: "   \
      "topic.<name>.min.insync.replicas)", CT_INT, min_insync_replicas, 1, CONFIG_INT_MAX)      \
    X("unclean.leader.election.enable", "", "true, false",                                      \
      "a replica outside the ISR may become leader when no ISR member is alive", CT_BOOL,       \
      unclean_leader_election, 0, 1)                                                            \
    X("auto.leader.rebalance.enable", "", "true, false",                                        \
      "the controller moves leadership back to the preferred (first assigned) replica",        \
      CT_BOOL, auto_leader_rebalance, 0, 1)                                                     \
    X("leader.imbalance.check.interval.seconds", "s", "1 .. 1000000000",                        \
      "how often the controller checks for leaders that are not the preferred replica", CT_S,  \
      leader_imbalance_check_interval_ns, 1, 1000000000)                                        \
    X("leader.imbalance.per.broker.percentage", "%", "0 .. 2147483647",                         \
      "ZooKeeper mode: share of a broker's preferred partitions led elsewhere that triggers "  \
      "a rebalance (KRaft ignores it)", CT_INT, leader_imbalance_per_broker_percentage, 0,      \
      CONFIG_INT_MAX)                                                                           \
    X("replica.lag.time.max.ms", "ms", ALLOWED_MS_LONG,                                         \
      "a follower not caught up for this long leaves the ISR", CT_MS,                           \
      replica_lag_time_max_ns, 0, CONFIG_MS_MAX)                                                \
    X("replica.fetch.wait.max.ms", "ms", ALLOWED_MS_INT,                                        \
      "longest a follower's fetch waits at the leader for new data", CT_MS,                     \
      replica_fetch_wait_max_ns, 0, CONFIG_INT_MAX)                                             \
    X("replica.fetch.backoff.ms", "ms", ALLOWED_MS_INT,                                         \
      "pause of a follower's fetcher after a fetch error", CT_MS, replica_fetch_backoff_ns, 0,  \
      CONFIG_INT_MAX)                                                                           \
    X("replica.socket.timeout.ms", "ms", ALLOWED_MS_INT,                                        \
      "bounds a follower's connecting to the leader only (connections open at once here); "    \
      "an unanswered fetch waits broker.request.timeout.ms", CT_MS,                             \
      replica_socket_timeout_ns, 0, CONFIG_INT_MAX)                                             \
    X("broker.request.timeout.ms", "ms", ALLOWED_MS_INT,                                        \
      "Kafka's broker-side request.timeout.ms: a follower's fetch unanswered this long is "    \
      "abandoned (the producer's request.timeout.ms is its own)", CT_MS,                       \
      broker_request_timeout_ns, 0, CONFIG_INT_MAX)                                             \
    X("log.flush.interval.messages", "records",                                                 \
      "1 .. 9223372036854775807 (Long.MAX_VALUE: never)",                                       \
      "records appended between fsyncs; records neither fsynced nor written back by the OS "  \
      "die with a power loss", CT_I64,                                                          \
      log_flush_interval_messages, 1, INT64_MAX)                                                \
    X("log.segment.bytes", "bytes", "14 .. 2147483647 (from 4.0: 1048576 .., KIP-1030)",         \
      "segment size; a roll writes a producer state snapshot", CT_I64, log_segment_bytes, 14,   \
      CONFIG_INT_MAX)                                                                           \
    X("os.vm.dirty_writeback_centisecs", "cs", "0 .. 2147483647 (0: never)",                \
      "the OS flusher wakes this often (Linux vm sysctl); 0 turns periodic writeback off",    \
      CT_I64, os_dirty_writeback_cs, 0, CONFIG_INT_MAX)                                         \
    X("os.vm.dirty_expire_centisecs", "cs", "0 .. 2147483647",                                  \
      "page-cache data dirty this long is written back at the next wakeup; power loss loses " \
      "the rest", CT_I64, os_dirty_expire_cs, 0, CONFIG_INT_MAX)                                \
    X("kafka.metadata.mode", "", "kraft, zookeeper (zookeeper to 3.9, kraft from 2.8)",         \
      "who keeps the metadata; default zookeeper to 3.2, kraft from 3.3", CT_MODE,              \
      metadata_mode, 0, 1)                                                                      \
    X("broker.session.timeout.ms", "ms", "1 .. 2147483647",                                     \
      "a broker without heartbeats this long is fenced by the controller", CT_MS,               \
      broker_session_timeout_ns, 1, CONFIG_INT_MAX)                                             \
    X("broker.heartbeat.interval.ms", "ms", "1 .. 2147483647",                                  \
      "time between a broker's heartbeats to the controller", CT_MS,                            \
      broker_heartbeat_interval_ns, 1, CONFIG_INT_MAX)                                          \
    X("zookeeper.session.timeout.ms", "ms", "1 .. 2147483647",                                  \
      "ZooKeeper mode: a broker silent this long loses its session and is taken for dead",     \
      CT_MS, zookeeper_session_timeout_ns, 1, CONFIG_INT_MAX)                                   \
    X("producer.id.expiration.ms", "ms", "1 .. 2147483647",                                     \
      "an idle producer id's state is dropped by the broker after this long", CT_MS,            \
      producer_id_expiration_ns, 1, CONFIG_INT_MAX)                                             \
    X("workload.topics", "", "1 .. 32 names of 1 .. 64 of [a-zA-Z0-9._-], comma separated",     \
      "topics the application writes, in order; record id r goes to topic number r mod n",     \
      CT_TOPICS, topics, 0, 0)                                                                  \
    X("workload.records", "records", "0 .. 100000000",                                          \
      "records the application sends, with ids 0..n-1; each needs about 26 bytes of memory",   \
      CT_U64, records, 0,                                                                       \
      CONFIG_RECORDS_MAX)                                                                       \
    X("workload.rate", "records/s", "0 .. 1000000000",                                          \
      "send rate of the application; 0 = as fast as the producer accepts", CT_I64, rate_per_s, \
      0, 1000000000)                                                                            \
    X("workload.record.bytes", "bytes", "1 .. 1048576", "size of each record on the wire",      \
      CT_I64, record_bytes, 1, 1048576)                                                         \
    X("workload.resend.on.failure", "", "true, false",                                          \
      "the application sends a failed record again, as a new record", CT_BOOL,                  \
      resend_on_failure, 0, 1)                                                                  \
    X("workload.keys", "keys", "0 .. 100000000",                                                \
      "distinct record keys: id r has the key \"key-<r mod n>\" (StringSerializer); 0 = null "   \
      "keys", CT_U64, keys, 0, CONFIG_RECORDS_MAX)                                              \
    X("workload.producers", "producers", "1 .. 8",                                             \
      "producers producer-1..n, each its own producer id; records and rate are split among "   \
      "them (producer-<n>.<key> overrides a producer key for one)", CT_INT, producers, 1,       \
      PROTO_PRODUCERS_MAX)                                                                      \
    X("workload.transaction.records", "records", "1 .. 100000000",                              \
      "records a transactional producer's application sends per transaction", CT_U64,          \
      transaction_records, 1, CONFIG_RECORDS_MAX)                                               \
    X("workload.transaction.abort.ratio", "", "0 .. 1 (decimals to 0.000001)",                  \
      "share of transactions the application aborts instead of committing", CT_RATIO,          \
      transaction_abort_ppm, 0, 1)                                                              \
    X("partitioner.ignore.keys", "", "true, false",                                             \
      "keyed records are placed as null-key ones are (3.3+, KIP-794)", CT_BOOL,                 \
      partitioner_ignore_keys, 0, 1)                                                            \
    X("partitioner.adaptive.partitioning.enable", "", "true, false",                            \
      "null-key records favour partitions with fewer queued batches (3.3+, KIP-794)", CT_BOOL,  \
      partitioner_adaptive, 0, 1)                                                               \
    X("partitioner.availability.timeout.ms", "ms", ALLOWED_MS_LONG,                             \
      "a partition whose leader could not take a request this long gets no null-key records "  \
      "(3.3+, KIP-794; 0 = off)", CT_MS, partitioner_availability_timeout_ns, 0, CONFIG_MS_MAX) \
    X("transactional.id", "", "empty (none), or 1 .. 64 of [a-zA-Z0-9._-]",                   \
      "makes the producer transactional (KIP-98); with workload.producers=n producer-k's id is " \
      "<id>-<k> unless producer-k.transactional.id sets it", CT_TXN_ID, transactional_id, 0, 0) \
    X("transaction.timeout.ms", "ms", ALLOWED_MS_INT,                                           \
      "the coordinator aborts a transaction open this long (at most "                          \
      "transaction.max.timeout.ms)", CT_MS, transaction_timeout_ns, 0, CONFIG_INT_MAX)          \
    X("max.block.ms", "ms", ALLOWED_MS_LONG,                                                    \
      "longest initTransactions, sendOffsetsToTransaction, commitTransaction and "              \
      "abortTransaction wait (TimeoutException)",                                               \
      CT_MS, max_block_ns, 0, CONFIG_MS_MAX)                                                    \
    X("transaction.max.timeout.ms", "ms", "1 .. 2147483647",                                    \
      "broker: the largest transaction.timeout.ms a producer may ask for", CT_MS,               \
      transaction_max_timeout_ns, 1, CONFIG_INT_MAX)                                            \
    X("transaction.abort.timed.out.transaction.cleanup.interval.ms", "ms", "1 .. 2147483647",   \
      "broker: how often the coordinator looks for transactions past their timeout", CT_MS,    \
      transaction_abort_interval_ns, 1, CONFIG_INT_MAX)                                         \
    X("transaction.state.log.num.partitions", "partitions", "1 .. 1024 (with the workload's)",  \
      "partitions of __transaction_state (a transactional id's coordinator leads one)", CT_INT, \
      txn_state_partitions, 1, TOPIC_PARTITIONS_MAX)                                            \
    X("transaction.state.log.replication.factor", "replicas", "1 .. 16 (at most num.brokers)",  \
      "replicas of each __transaction_state partition", CT_INT, txn_state_replication_factor,   \
      1, PROTO_BROKERS_MAX)                                                                     \
    X("transaction.state.log.min.isr", "replicas", "1 .. 2147483647",                           \
      "min.insync.replicas of __transaction_state", CT_INT, txn_state_min_isr, 1,               \
      CONFIG_INT_MAX)                                                                           \
    X("transaction.partition.verification.enable", "", "true, false",                           \
      "broker (3.6+, KIP-890 part 1): a leader asks the coordinator whether a producer's first " \
      "transactional batch on a partition belongs to an ongoing transaction before appending it", \
      CT_BOOL, transaction_verification, 0, 1)                                                  \
    X("transaction.version", "", "1, 2",                                                        \
      "KIP-890 feature (4.0+): 1 = the producer's AddPartitionsToTxn; 2 (the default) = the "   \
      "leader adds each partition and every EndTxn bumps the epoch", CT_INT,                    \
      transaction_version, 1, 2)                                                                \
    X("isolation.level", "", "read_uncommitted, read_committed",                               \
      "how the judge reads each partition: everything below the high watermark, or what a "    \
      "read_committed consumer sees (below the last stable offset, aborted transactions "      \
      "filtered)", CT_ISOLATION, isolation_level, 0, 1)

/* The keys of consumers and groups (issue 19): a block of the table, written only when they
 * differ from the chosen release's default, so that every configuration written before they
 * existed keeps its text and hash. */
#define CONFIG_KEYS_CONSUMER(X)                                                                 \
    X("workload.consumers", "consumers", "0 .. 7",                                              \
      "application instances consumer-1..n in one consumer group, reading every workload "      \
      "topic; 0 = no consumer side (consumer-<n>.<key> sets a consumer key for one)", CT_INT,  \
      consumers, 0, PROTO_CONSUMERS_MAX)                                                        \
    X("workload.pipeline", "", "at-most-once, at-least-once, exactly-once",                     \
      "how each instance commits: before processing, after processing, or in its producer's "   \
      "transaction (sendOffsetsToTransaction)", CT_WORD, pipeline, 0, 2)                        \
    X("workload.sink", "", "none, external, external-dedup",                                    \
      "the side effect of processing a record outside Kafka: none, applied every time, or "     \
      "applied once per record id through a dedup table", CT_WORD, sink, 0, 2)                 \
    X("workload.commit", "", "sync, async",                                                     \
      "the commit after processing when enable.auto.commit=false: commitSync or commitAsync",  \
      CT_WORD, commit_mode, 0, 1)                                                               \
    X("workload.processing.ms", "ms", "0 .. 1000000 (decimals to 1 ns)",                        \
      "time the application spends on each record it polled", CT_MS_FRAC, processing_ns, 0,   \
      1000000)                                                                                  \
    X("workload.output", "", "1 .. 64 of [a-zA-Z0-9._-]",                                       \
      "the topic each instance writes one output record per input record to", CT_NAME,        \
      output_topic, 0, 0)                                                                       \
    X("group.id", "", "1 .. 64 of [a-zA-Z0-9._-]", "the consumers' group", CT_NAME, group_id, \
      0, 0)                                                                                     \
    X("enable.auto.commit", "", "true, false",                                                  \
      "the consumer commits its positions from poll() every auto.commit.interval.ms", CT_BOOL, \
      enable_auto_commit, 0, 1)                                                                 \
    X("auto.commit.interval.ms", "ms", ALLOWED_MS_INT, "how often auto commit commits",        \
      CT_MS, auto_commit_interval_ns, 0, CONFIG_INT_MAX)                                        \
    X("auto.offset.reset", "", "latest, earliest, none",                                        \
      "where a consumer starts on a partition without a committed offset (none: it fails)",    \
      CT_WORD, auto_offset_reset, 0, 2)                                                         \
    X("max.poll.records", "records", "1 .. 2147483647", "records one poll() returns at most", \
      CT_INT, max_poll_records, 1, CONFIG_INT_MAX)                                              \
    X("max.poll.interval.ms", "ms", "1 .. 2147483647",                                          \
      "a consumer that does not call poll() this long leaves the group", CT_MS,                \
      max_poll_interval_ns, 1, CONFIG_INT_MAX)                                                  \
    X("session.timeout.ms", "ms", "1 .. 2147483647",                                            \
      "the group coordinator removes a member it has not heard a heartbeat from this long",    \
      CT_MS, session_timeout_ns, 1, CONFIG_INT_MAX)                                             \
    X("heartbeat.interval.ms", "ms", "1 .. 2147483647",                                         \
      "how often the consumer's heartbeat thread heartbeats (below session.timeout.ms)", CT_MS, \
      heartbeat_interval_ns, 1, CONFIG_INT_MAX)                                                 \
    X("partition.assignment.strategy", "", "range, cooperative-sticky, range,cooperative-sticky", \
      "the assignors the consumers offer, preferred first (range,cooperative-sticky from 3.0: " \
      "eager range); cooperative-sticky alone rebalances incrementally (KIP-429)",             \
      CT_WORD, assignment_strategy, 0, 2)                                                       \
    X("fetch.min.bytes", "bytes", "0 .. 2147483647",                                            \
      "a consumer fetch waits for this many bytes (or fetch.max.wait.ms)", CT_I64,             \
      fetch_min_bytes, 0, CONFIG_INT_MAX)                                                       \
    X("fetch.max.wait.ms", "ms", ALLOWED_MS_INT,                                                \
      "longest a leader holds a consumer fetch waiting for fetch.min.bytes", CT_MS,            \
      fetch_max_wait_ns, 0, CONFIG_INT_MAX)                                                     \
    X("default.api.timeout.ms", "ms", ALLOWED_MS_INT,                                           \
      "bound of the consumer's blocking calls (commitSync, committed offsets)", CT_MS,         \
      default_api_timeout_ns, 0, CONFIG_INT_MAX)                                                \
    X("group.initial.rebalance.delay.ms", "ms", ALLOWED_MS_INT,                                 \
      "broker: an empty group's first rebalance waits this long for more members", CT_MS,      \
      group_initial_rebalance_delay_ns, 0, CONFIG_INT_MAX)                                      \
    X("group.min.session.timeout.ms", "ms", "1 .. 2147483647",                                  \
      "broker: the smallest session.timeout.ms a member may ask for", CT_MS,                   \
      group_min_session_timeout_ns, 1, CONFIG_INT_MAX)                                          \
    X("group.max.session.timeout.ms", "ms", "1 .. 2147483647",                                  \
      "broker: the largest session.timeout.ms a member may ask for", CT_MS,                    \
      group_max_session_timeout_ns, 1, CONFIG_INT_MAX)                                          \
    X("offsets.topic.num.partitions", "partitions", "1 .. 1024 (with the others)",              \
      "partitions of __consumer_offsets (the group's coordinator leads one)", CT_INT,           \
      offsets_partitions, 1, TOPIC_PARTITIONS_MAX)                                              \
    X("offsets.topic.replication.factor", "replicas", "1 .. 16 (at most num.brokers)",          \
      "replicas of each __consumer_offsets partition", CT_INT, offsets_replication_factor, 1,  \
      PROTO_BROKERS_MAX)                                                                        \
    X("offsets.commit.timeout.ms", "ms", "1 .. 2147483647",                                     \
      "broker: an offset commit not replicated this long is answered REQUEST_TIMED_OUT",       \
      CT_MS, offsets_commit_timeout_ns, 1, CONFIG_INT_MAX)

#define CONFIG_KEYS_AFTER(X)                                                                    \
    X("network.latency.ms", "ms", "0 .. 1000000 (decimals to 1 ns)",                            \
      "one-way delay of every message", CT_MS_FRAC, latency_ns, 0, 1000000)                     \
    X("network.jitter.ms", "ms", "0 .. 1000000 (decimals to 1 ns)",                             \
      "random change of each delay, uniform in [-jitter, +jitter]", CT_MS_FRAC,        \
      jitter_ns, 0, 1000000)                                                                    \
    X("sim.seed", "", "0 .. 18446744073709551615", "seed of every random choice of the run",   \
      CT_U64, seed, 0, UINT64_MAX)                                                              \
    X("sim.max.time.ms", "ms", "1 .. 1000000000000", "the run stops at this simulated time",    \
      CT_MS, time_max_ns, 1, CONFIG_MS_MAX)                                                     \
    X("sim.max.events", "events", "1 .. 18446744073709551615",                                  \
      "the run stops after this many events", CT_U64, events_max, 1, UINT64_MAX)                \
    X("sim.allow.unsafe.configs", "", "true, false",                                            \
      "what-if: run explicit idempotence with the settings Kafka refuses", CT_BOOL,            \
      allow_unsafe_configs, 0, 1)                                                               \
    X("sim.placement.random", "", "true, false",                                                \
      "replica placement makes Kafka's random choices (start index, shift, shuffles) from the " \
      "seed; false: none (a one-partition topic on brokers 1..replication.factor)", CT_BOOL,     \
      placement_random, 0, 1)                                                                   \
    X("sim.max.stalled.events", "events", "0 (off) .. 18446744073709551615",                    \
      "progress guard: the run stops (exit 1) after this many events, plus 16 per record, at "  \
      "one instant with no record appended, acknowledged or committed", CT_U64,               \
      stalled_events_max, 0, UINT64_MAX)                                                        \
    X("sim.max.memory.mb", "MB", "0 (half the machine's memory) .. 1099511627776",              \
      "memory bound: a run whose arrays would hold more stops (exit 3, no verdict)", CT_U64,   \
      memory_max_mb, 0, (uint64_t)1 << 40)

#define CONFIG_KEY_DOC(name, unit, allowed, meaning, type, field, min, max) \
    {name, unit, allowed, meaning},
static const config_key config_key_table[] = {CONFIG_KEYS(CONFIG_KEY_DOC)};

#define CONFIG_KEY_FIELD(name, unit, allowed, meaning, type, field, min, max) \
    {type, offsetof(config, field), min, (int64_t)(max), (uint64_t)(max)},
static const config_field config_field_table[] = {CONFIG_KEYS(CONFIG_KEY_FIELD)};

#define CONFIG_KEY_COUNT (sizeof config_key_table / sizeof config_key_table[0])

/* The consumer keys' rows: CONFIG_KEY_CONSUMER_FIRST .. + CONFIG_KEY_CONSUMER_COUNT - 1. */
#define CONFIG_KEY_ONE(name, unit, allowed, meaning, type, field, min, max) +1
enum {
    CONFIG_KEY_CONSUMER_FIRST = 0 CONFIG_KEYS_BEFORE(CONFIG_KEY_ONE),
    CONFIG_KEY_CONSUMER_COUNT = 0 CONFIG_KEYS_CONSUMER(CONFIG_KEY_ONE),
};

/* Indexes of the keys the checks name: their rows in CONFIG_KEYS (test_config.c pins them). */
enum config_key_index {
    KEY_VERSION = 0,
    KEY_ACKS,
    KEY_IDEMPOTENCE,
    KEY_MAX_IN_FLIGHT,
    KEY_RETRIES,
    KEY_RETRY_BACKOFF,
    KEY_RETRY_BACKOFF_MAX,
    KEY_REQUEST_TIMEOUT,
    KEY_DELIVERY_TIMEOUT,
};

_Static_assert(CONFIG_KEY_COUNT <= sizeof(((config *)0)->set_by_user),
               "set_by_user has a slot per key");

const config_key *config_keys(size_t *count) {
    *count = CONFIG_KEY_COUNT;
    return config_key_table;
}

/* The row of name, or -1. */
static int config_key_find(const char *name) {
    for (size_t i = 0; i < CONFIG_KEY_COUNT; i++)
        if (strcmp(config_key_table[i].name, name) == 0) return (int)i;
    return -1;
}

static void *config_slot(config *c, size_t key) {
    return (char *)c + config_field_table[key].offset;
}

static const void *config_slot_const(const config *c, size_t key) {
    return (const char *)c + config_field_table[key].offset;
}

/* ==== Versions =============================================================================== */

/* True for a release line Kafka shipped between 0.11 and 4.3 (4.0.0 March 2025, 4.1.0 September
 * 2025, 4.2.0 February 2026, 4.3.0 May 2026, from the release announcements; later lines are
 * refused until their defaults are checked here). */
static bool config_version_known(long major, long minor) {
    switch (major) {
    case 0: return minor == 11;
    case 1: return minor <= 1;
    case 2: return minor <= 8;
    case 3: return minor <= 9;
    case 4: return minor <= 3;
    default: return false;
    }
}

int config_version_default(void) { return CONFIG_VERSION_DEFAULT; }

/* Keys of the table that a release after 0.11 (the oldest kafka.version) brought, with the
 * change that brought them. A key a chosen kafka.version does not have is refused, naming the
 * release: the Java client only logs an unknown config and goes on without it, but a run that
 * silently dropped a what-if setting would answer another question than the one asked. Rows
 * are added here, by name, beside the key's row in CONFIG_KEYS. */
static const struct config_since {
    const char *name;   /* the key */
    int version;        /* first release that has it */
    const char *source; /* the KIP that brought it */
} config_since_table[] = {
    {"delivery.timeout.ms", 20100, "KIP-91"},
    {"broker.session.timeout.ms", 20800, "KIP-631"},
    {"broker.heartbeat.interval.ms", 20800, "KIP-631"},
    {"producer.id.expiration.ms", 30400, "KIP-854"},
    {"retry.backoff.max.ms", 30700, "KIP-580"},
    {"partitioner.ignore.keys", 30300, "KIP-794"},
    {"partitioner.adaptive.partitioning.enable", 30300, "KIP-794"},
    {"partitioner.availability.timeout.ms", 30300, "KIP-794"},
    {"transaction.partition.verification.enable", 30600, "KIP-890"},
    {"transaction.version", 40000, "KIP-890"},
};

int config_key_since(size_t key, const char **source) {
    if (source) *source = "";
    if (key >= CONFIG_KEY_COUNT) return 0;
    const char *name = config_key_table[key].name;
    for (size_t i = 0; i < sizeof config_since_table / sizeof config_since_table[0]; i++) {
        /* the first letter first: every run's config hash asks this of every key */
        const char *row = config_since_table[i].name;
        if (row[0] != name[0] || strcmp(row, name) != 0) continue;
        if (source) *source = config_since_table[i].source;
        return config_since_table[i].version;
    }
    return 0;
}

bool config_key_in_version(size_t key, int version) {
    int since = config_key_since(key, NULL);
    return since == 0 || version >= since;
}

/* Reads one decimal component of at most two digits; returns the next position or NULL. */
static const char *config_version_part(const char *s, long *out) {
    if (*s < '0' || *s > '9') return NULL;
    long v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 2) return NULL;
        v = v * 10 + (*s++ - '0');
    }
    *out = v;
    return s;
}

int config_version_parse(const char *text, int *version) {
    long major = 0, minor = 0, patch = 0;
    const char *s = config_version_part(text, &major);
    if (!s || *s++ != '.') return -1;
    s = config_version_part(s, &minor);
    if (!s) return -1;
    if (*s == '.') {
        s = config_version_part(s + 1, &patch);
        if (!s) return -1;
    }
    if (*s != '\0' || !config_version_known(major, minor)) return -1;
    *version = (int)(major * 10000 + minor * 100 + patch);
    return 0;
}

const char *config_version_string(int version, char *buf, size_t len) {
    snprintf(buf, len, "%d.%d.%d", version / 10000, version / 100 % 100, version % 100);
    return buf;
}

/* ==== Defaults =============================================================================== */

void config_defaults(config *c, int kafka_version) {
    int v = kafka_version ? kafka_version : CONFIG_VERSION_DEFAULT;
    memset(c, 0, sizeof *c);
    c->kafka_version = v;

    c->acks = v >= 30000 ? -1 : 1;            /* KIP-679 */
    c->enable_idempotence = v >= 30000;       /* the documented default; see config_finish */
    c->max_in_flight = 5;
    c->retries = v >= 20100 ? CONFIG_INT_MAX : 0; /* KIP-91 */
    c->retry_backoff_ns = 100 * CONFIG_NS_PER_MS;
    c->retry_backoff_max_ns = v >= 30700 ? 1000 * CONFIG_NS_PER_MS : c->retry_backoff_ns;
    c->request_timeout_ns = 30000 * CONFIG_NS_PER_MS;
    c->reconnect_backoff_ns = 50 * CONFIG_NS_PER_MS; /* DEFAULT_RECONNECT_BACKOFF_MS */
    /* Before 2.1 no delivery bound existed: batches lived until retries ran out. */
    c->delivery_timeout_ns = (v >= 20100 ? 120000 : CONFIG_INT_MAX) * CONFIG_NS_PER_MS;
    c->linger_ns = v >= 40000 ? 5 * CONFIG_NS_PER_MS : 0; /* KIP-1030 */
    c->batch_bytes = 16384;
    c->metadata_max_age_ns = 300000 * CONFIG_NS_PER_MS;
    c->buffer_memory_bytes = 33554432;

    c->num_brokers = 3;
    c->num_partitions = 1;
    topic_table_init(&c->topics);
    (void)topic_table_add(&c->topics, CONFIG_TOPIC_DEFAULT, 1, 0, 0); /* resolved by finish */
    c->replication_factor = 3;
    c->min_insync_replicas = 1;
    c->unclean_leader_election = false;
    c->auto_leader_rebalance = true;
    c->leader_imbalance_check_interval_ns = 300 * 1000 * CONFIG_NS_PER_MS;
    c->leader_imbalance_per_broker_percentage = 10;
    c->replica_lag_time_max_ns = (v >= 20500 ? 30000 : 10000) * CONFIG_NS_PER_MS; /* KIP-537 */
    c->replica_fetch_wait_max_ns = 500 * CONFIG_NS_PER_MS;
    c->replica_fetch_backoff_ns = 1000 * CONFIG_NS_PER_MS;
    c->replica_socket_timeout_ns = 30000 * CONFIG_NS_PER_MS;
    c->broker_request_timeout_ns = 30000 * CONFIG_NS_PER_MS;
    c->log_flush_interval_messages = INT64_MAX;
    c->log_segment_bytes = 1073741824;
    c->os_dirty_writeback_cs = 500; /* Linux defaults, Documentation/admin-guide/sysctl/vm.rst */
    c->os_dirty_expire_cs = 3000;
    /* KRaft is production-ready from 3.3 (KIP-833); 2.8 to 3.2 shipped it as early access
     * and a cluster without process.roles ran ZooKeeper. */
    c->metadata_mode = v >= 30300 ? CONFIG_METADATA_KRAFT : CONFIG_METADATA_ZOOKEEPER;
    c->broker_session_timeout_ns = 9000 * CONFIG_NS_PER_MS;
    c->broker_heartbeat_interval_ns = 2000 * CONFIG_NS_PER_MS;
    c->zookeeper_session_timeout_ns = (v >= 20500 ? 18000 : 6000) * CONFIG_NS_PER_MS; /* KIP-537 */
    c->producer_id_expiration_ns = (v >= 30400 ? 86400000LL : 604800000LL) * CONFIG_NS_PER_MS;

    c->records = 1000;
    c->rate_per_s = 0;
    c->record_bytes = 100;
    c->resend_on_failure = false;
    c->keys = 0;
    c->producers = 1;
    c->partitioner_ignore_keys = false;
    c->partitioner_adaptive = true;
    c->partitioner_availability_timeout_ns = 0;
    c->transactional_id[0] = '\0';
    c->transaction_timeout_ns = 60000 * CONFIG_NS_PER_MS;
    c->max_block_ns = 60000 * CONFIG_NS_PER_MS;
    c->transaction_max_timeout_ns = 900000 * CONFIG_NS_PER_MS;
    c->transaction_abort_interval_ns = 10000 * CONFIG_NS_PER_MS;
    c->txn_state_partitions = 50;
    c->txn_state_replication_factor = 3;
    c->txn_state_min_isr = 2;
    /* KIP-890 part 2: new 4.0 clusters finalize transaction.version 2. */
    c->transaction_version = v >= 40000 ? 2 : 1;
    /* KafkaConfig 3.6: transaction.partition.verification.enable, default true (KAFKA-14884);
     * before 3.6 no leader verifies. */
    c->transaction_verification = v >= 30600;
    c->isolation_level = CONFIG_READ_UNCOMMITTED; /* ConsumerConfig's default */
    c->transaction_records = 100;
    c->transaction_abort_ppm = 0;
    /* Consumers: ConsumerConfig, GroupCoordinatorConfig / KafkaConfig (3.9). */
    c->consumers = 0;
    c->pipeline = CONFIG_PIPELINE_AT_LEAST_ONCE;
    c->sink = CONFIG_SINK_NONE;
    c->commit_mode = CONFIG_COMMIT_SYNC;
    c->processing_ns = 1 * CONFIG_NS_PER_MS;
    snprintf(c->output_topic, sizeof c->output_topic, "output");
    snprintf(c->group_id, sizeof c->group_id, "group"); /* Kafka has none: subscribe needs one */
    c->enable_auto_commit = true;
    c->auto_commit_interval_ns = 5000 * CONFIG_NS_PER_MS;
    c->auto_offset_reset = CONFIG_RESET_LATEST;
    c->max_poll_records = 500;
    c->max_poll_interval_ns = 300000 * CONFIG_NS_PER_MS;
    c->session_timeout_ns = (v >= 30000 ? 45000 : 10000) * CONFIG_NS_PER_MS; /* KIP-735 */
    c->heartbeat_interval_ns = 3000 * CONFIG_NS_PER_MS;
    /* KIP-726 (3.0): [RangeAssignor, CooperativeStickyAssignor]; RangeAssignor before. */
    c->assignment_strategy = v >= 30000 ? CONFIG_ASSIGN_RANGE_COOPERATIVE : CONFIG_ASSIGN_RANGE;
    c->fetch_min_bytes = 1;
    c->fetch_max_wait_ns = 500 * CONFIG_NS_PER_MS;
    c->default_api_timeout_ns = 60000 * CONFIG_NS_PER_MS;
    c->group_initial_rebalance_delay_ns = 3000 * CONFIG_NS_PER_MS;
    c->group_min_session_timeout_ns = 6000 * CONFIG_NS_PER_MS;
    c->group_max_session_timeout_ns = (v >= 20000 ? 1800000 : 300000) * CONFIG_NS_PER_MS;
    c->offsets_partitions = 50;
    c->offsets_replication_factor = 3;
    c->offsets_commit_timeout_ns = 5000 * CONFIG_NS_PER_MS;
    c->latency_ns = 1 * CONFIG_NS_PER_MS;
    c->jitter_ns = 0;
    c->seed = 1;
    c->time_max_ns = 3600000 * CONFIG_NS_PER_MS;
    c->events_max = 1000000000;
    c->allow_unsafe_configs = false;
    c->stalled_events_max = CONFIG_STALLED_EVENTS_DEFAULT;
    c->memory_max_mb = 0;
}

/* ==== Reading one value ====================================================================== */

/* Parses an optional '-' and decimal digits filling all of s. Returns 0, -1 when s is not an
 * integer, -2 when it is one beyond 64 bits. */
static int config_parse_integer(const char *s, bool *negative, uint64_t *magnitude) {
    *negative = *s == '-';
    if (*negative) s++;
    if (*s == '\0') return -1;
    uint64_t m = 0;
    bool overflow = false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (m > (UINT64_MAX - d) / 10) overflow = true;
        else m = m * 10 + d;
    }
    *magnitude = m;
    return overflow ? -2 : 0;
}

/* Parses digits[.digits] ms into ns, to at most 6 decimals (trailing zeros beyond are fine).
 * Returns 0, -1 when s is not such a number, -2 when finer than 1 ns or too large. */
static int config_parse_ms_decimal(const char *s, int64_t max_ms, int64_t *ns) {
    int64_t whole = 0, fraction = 0, scale = CONFIG_NS_PER_MS;
    const char *start = s;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (whole > max_ms) return -2;
        whole = whole * 10 + (*s - '0');
    }
    if (s == start) return -1;
    if (*s == '.') {
        const char *digits = ++s;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (scale == 1) {
                if (*s != '0') return -2;
                continue;
            }
            scale /= 10;
            fraction += (*s - '0') * scale;
        }
        if (s == digits) return -1;
    }
    if (*s != '\0') return -1;
    if (whole > max_ms || (whole == max_ms && fraction > 0)) return -2;
    *ns = whole * CONFIG_NS_PER_MS + fraction;
    return 0;
}

/* Trims blanks around a value into buf (Kafka's ConfigDef trims before parsing). */
static const char *config_trim(const char *value, char *buf, size_t len) {
    while (*value == ' ' || *value == '\t' || *value == '\f') value++;
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\f')) n--;
    if (n >= len) n = len - 1;
    memcpy(buf, value, n);
    buf[n] = '\0';
    return buf;
}

/* Writes "<where>: " for a property into err; returns the bytes written. */
static size_t config_where(const prop *p, char *err, size_t err_len) {
    int n = p->line > 0 ? snprintf(err, err_len, "%s:%d: ", p->file, p->line)
                        : snprintf(err, err_len, "%s: ", p->file);
    if (n < 0) return 0;
    return (size_t)n < err_len ? (size_t)n : err_len - 1;
}

/* "<where>: <key>: '<value>' <problem>; allowed: <allowed>" */
static int config_bad_value(const prop *p, size_t key, const char *value, const char *problem,
                            char *err, size_t err_len) {
    size_t n = config_where(p, err, err_len);
    snprintf(err + n, err_len - n, "%s: '%s' %s; allowed: %s", config_key_table[key].name, value,
             problem, config_key_table[key].allowed);
    return -1;
}

/* Reads an integer-typed value (CT_INT, CT_I64, CT_U64, CT_MS) into *out_signed or
 * *out_unsigned. Returns 0 or -1 with the message written. */
static int config_read_integer(const prop *p, size_t key, const char *value, int64_t *out_signed,
                               uint64_t *out_unsigned, char *err, size_t err_len) {
    const config_field *f = &config_field_table[key];
    bool negative;
    uint64_t m;
    int rc = config_parse_integer(value, &negative, &m);
    if (rc == -1) return config_bad_value(p, key, value, "is not an integer", err, err_len);
    if (f->type == CT_U64) {
        if (rc == -2 || (negative && m > 0) || m < (uint64_t)f->min || m > f->umax)
            return config_bad_value(p, key, value, "is out of range", err, err_len);
        *out_unsigned = m;
        return 0;
    }
    bool fits = rc == 0 && (negative ? m <= (uint64_t)INT64_MAX + 1 : m <= (uint64_t)INT64_MAX);
    int64_t v = !fits ? 0 : negative ? (m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m)
                                     : (int64_t)m;
    if (!fits || v < f->min || v > f->max)
        return config_bad_value(p, key, value, "is out of range", err, err_len);
    *out_signed = v;
    return 0;
}

/* workload.topics: names separated by commas, blanks around each trimmed (ConfigDef's LIST
 * type); every name valid (topic_name_valid), none twice, 1 .. TOPICS_MAX of them. The topics'
 * overrides are cleared: they name topics of the list in force. */
static int config_topics_set(config *c, const prop *p, size_t key, const char *value, char *err,
                             size_t err_len) {
    topic_table t;
    topic_table_init(&t);
    const char *at = value;
    for (;;) {
        const char *comma = strchr(at, ',');
        size_t n = comma ? (size_t)(comma - at) : strlen(at);
        while (n > 0 && (*at == ' ' || *at == '\t')) at++, n--;
        while (n > 0 && (at[n - 1] == ' ' || at[n - 1] == '\t')) n--;
        char name[TOPIC_NAME_MAX + 2];
        if (n > TOPIC_NAME_MAX) n = TOPIC_NAME_MAX + 1; /* invalid: too long */
        memcpy(name, at, n);
        name[n] = '\0';
        const char *problem = NULL;
        if (!topic_name_valid(name)) problem = "names a topic Kafka would refuse";
        else if (strcmp(name, TOPIC_TRANSACTION_STATE) == 0 ||
                 strcmp(name, "__consumer_offsets") == 0)
            problem = "names an internal topic of the brokers";
        else if (topic_table_find(&t, name) >= 0) problem = "names a topic twice";
        else if (t.topic_count == TOPICS_MAX) problem = "names too many topics";
        if (problem) return config_bad_value(p, key, value, problem, err, err_len);
        (void)topic_table_add(&t, name, 1, 0, 0);
        if (!comma) break;
        at = comma + 1;
    }
    c->topics = t;
    memset(c->topic_overrides, 0, sizeof c->topic_overrides);
    return 0;
}

/* The k-th word (from 0) of a CT_WORD key's allowed column into buf; "" past the last. */
static const char *config_word(size_t key, int k, char *buf, size_t len) {
    const char *at = config_key_table[key].allowed;
    for (int i = 0; i < k && at; i++) {
        at = strstr(at, ", ");
        if (at) at += 2;
    }
    if (!at) at = "";
    const char *end = strstr(at, ", ");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    if (n >= len) n = len - 1;
    memcpy(buf, at, n);
    buf[n] = '\0';
    return buf;
}

/* The index of value among a CT_WORD key's words, blanks after a comma ignored (ConfigDef's
 * LIST type trims its items), or -1. */
static int config_word_index(size_t key, const char *value) {
    char want[CONFIG_VALUE_MAX], word[CONFIG_VALUE_MAX];
    size_t n = 0;
    for (const char *v = value; *v && n + 1 < sizeof want; v++) {
        if ((*v == ' ' || *v == '\t') && n > 0 && want[n - 1] == ',') continue;
        want[n++] = *v;
    }
    want[n] = '\0';
    for (int k = 0; k <= config_field_table[key].max; k++)
        if (strcmp(config_word(key, k, word, sizeof word), want) == 0) return k;
    return -1;
}

/* Reads value into the field of key. Returns 0 or -1 with the message written. */
static int config_set(config *c, size_t key, const prop *p, const char *value, char *err,
                      size_t err_len) {
    const config_field *f = &config_field_table[key];
    void *slot = config_slot(c, key);
    int64_t v = 0;
    uint64_t u = 0;
    switch (f->type) {
    case CT_VERSION:
        if (config_version_parse(value, &c->kafka_version) != 0)
            return config_bad_value(p, key, value, "is not allowed", err, err_len);
        return 0;
    case CT_ACKS:
        if (strcmp(value, "all") == 0 || strcmp(value, "-1") == 0) c->acks = -1;
        else if (strcmp(value, "0") == 0) c->acks = 0;
        else if (strcmp(value, "1") == 0) c->acks = 1;
        else return config_bad_value(p, key, value, "is not allowed", err, err_len);
        return 0;
    case CT_BOOL: {
        /* ConfigDef reads "true"/"false" in any case and refuses the rest; Java's
         * Boolean.parseBoolean would read every other word as false. */
        bool t = strlen(value) == 4, fl = strlen(value) == 5;
        for (size_t i = 0; value[i] && (t || fl); i++) {
            char ch = (char)(value[i] | 0x20);
            t = t && ch == "true"[i];
            fl = fl && ch == "false"[i];
        }
        if (!t && !fl) return config_bad_value(p, key, value, "is not allowed", err, err_len);
        *(bool *)slot = t;
        return 0;
    }
    case CT_MODE:
        if (strcmp(value, "kraft") == 0) c->metadata_mode = CONFIG_METADATA_KRAFT;
        else if (strcmp(value, "zookeeper") == 0) c->metadata_mode = CONFIG_METADATA_ZOOKEEPER;
        else return config_bad_value(p, key, value, "is not allowed", err, err_len);
        return 0;
    case CT_MS_FRAC:
    case CT_RATIO: { /* a ratio in [0, f->max = 1] reads as decimal ms do: to six places */
        int rc = config_parse_ms_decimal(value, f->max, &v);
        if (rc == -1)
            return config_bad_value(p, key, value, "is not a decimal number", err, err_len);
        if (rc == -2) return config_bad_value(p, key, value, "is out of range", err, err_len);
        *(int64_t *)slot = v;
        return 0;
    }
    case CT_TOPICS: return config_topics_set(c, p, key, value, err, err_len);
    case CT_TXN_ID: {
        bool ok = transactional_id_valid(value, strlen(value)) || value[0] == '\0';
        if (!ok) return config_bad_value(p, key, value, "is not allowed", err, err_len);
        snprintf(c->transactional_id, sizeof c->transactional_id, "%s", value);
        return 0;
    }
    case CT_WORD: {
        int k = config_word_index(key, value);
        if (k < 0) return config_bad_value(p, key, value, "is not allowed", err, err_len);
        *(int *)slot = k;
        return 0;
    }
    case CT_NAME:
        if (!transactional_id_valid(value, strlen(value)))
            return config_bad_value(p, key, value, "is not allowed", err, err_len);
        snprintf((char *)slot, CONFIG_NAME_MAX + 1, "%s", value);
        return 0;
    case CT_ISOLATION:
        if (strcmp(value, "read_uncommitted") == 0) c->isolation_level = CONFIG_READ_UNCOMMITTED;
        else if (strcmp(value, "read_committed") == 0) c->isolation_level = CONFIG_READ_COMMITTED;
        else return config_bad_value(p, key, value, "is not allowed", err, err_len);
        return 0;
    case CT_INT:
    case CT_I64:
    case CT_U64:
    case CT_MS:
    case CT_S:
        if (config_read_integer(p, key, value, &v, &u, err, err_len) != 0) return -1;
        break;
    }
    if (f->type == CT_INT) *(int *)slot = (int)v;
    else if (f->type == CT_I64) *(int64_t *)slot = v;
    else if (f->type == CT_U64) *(uint64_t *)slot = u;
    else if (f->type == CT_S) *(int64_t *)slot = v * 1000 * CONFIG_NS_PER_MS;
    else *(int64_t *)slot = v * CONFIG_NS_PER_MS;
    return 0;
}

/* ==== Kafka keys the model does not use ======================================================== */

/* Producer (ProducerConfig, CommonClientConfigs), broker (server.properties, KafkaConfig) and
 * topic (TopicConfig) keys that do not change what the model decides: accepted so that a real
 * properties file can be pasted, and listed as not modelled in every output. A key that has a
 * row in CONFIG_KEYS is modelled, whatever this list says. */
static const char *const config_not_modelled_names[] = {
    /* producer */
    "bootstrap.servers", "client.id", "client.dns.lookup", "key.serializer", "value.serializer",
    "compression.type", "compression.gzip.level", "compression.lz4.level",
    "compression.zstd.level", "partitioner.class", "interceptor.classes", "max.request.size", "send.buffer.bytes",
    "receive.buffer.bytes", "reconnect.backoff.max.ms",
    "connections.max.idle.ms", "socket.connection.setup.timeout.ms",
    "socket.connection.setup.timeout.max.ms", "metadata.max.idle.ms",
    "metadata.recovery.strategy", "metadata.recovery.rebootstrap.trigger.ms",
    "metric.reporters", "metrics.num.samples", "metrics.sample.window.ms",
    "metrics.recording.level", "auto.include.jmx.reporter", "enable.metrics.push",
    "security.protocol", "security.providers",
    /* broker */
    "broker.id", "node.id", "process.roles", "controller.quorum.voters",
    "controller.quorum.bootstrap.servers", "controller.listener.names", "listeners",
    "advertised.listeners", "inter.broker.listener.name", "listener.security.protocol.map",
    "num.network.threads", "num.io.threads", "background.threads", "queued.max.requests",
    "socket.send.buffer.bytes", "socket.receive.buffer.bytes", "socket.request.max.bytes",
    "log.dirs", "log.dir", "metadata.log.dir", "num.recovery.threads.per.data.dir", "default.replication.factor",
    "auto.create.topics.enable", "delete.topic.enable",
    "share.coordinator.state.topic.replication.factor", "share.coordinator.state.topic.min.isr",
    "log.retention.hours", "log.retention.minutes", "log.retention.ms", "log.retention.bytes",
    "log.retention.check.interval.ms", "log.roll.ms", "log.roll.hours",
    "log.index.size.max.bytes", "log.index.interval.bytes", "log.cleanup.policy",
    "log.flush.scheduler.interval.ms", "log.flush.offset.checkpoint.interval.ms",
    "log.message.timestamp.type", "log.message.format.version", "inter.broker.protocol.version",
    "message.max.bytes", "replica.fetch.max.bytes", "replica.fetch.response.max.bytes",
    "num.replica.fetchers", "replica.high.watermark.checkpoint.interval.ms",
    "zookeeper.connect", "zookeeper.connection.timeout.ms", "super.users",
    "authorizer.class.name",
    /* topic */
    "cleanup.policy", "retention.ms", "retention.bytes", "segment.ms", "segment.jitter.ms",
    "segment.index.bytes", "index.interval.bytes", "max.message.bytes",
    "message.timestamp.type", "message.timestamp.difference.max.ms",
    "message.timestamp.before.max.ms", "message.timestamp.after.max.ms",
    "min.compaction.lag.ms", "max.compaction.lag.ms", "delete.retention.ms",
    "min.cleanable.dirty.ratio", "file.delete.delay.ms", "preallocate",
    "message.downconversion.enable", "local.retention.ms", "local.retention.bytes",
    "remote.storage.enable", "leader.replication.throttled.replicas",
    "follower.replication.throttled.replicas",
};

/* Families of such keys, by prefix (TLS, SASL, per-listener, cleaner, metrics, tiered storage). */
static const char *const config_not_modelled_prefixes[] = {
    "ssl.*", "sasl.*", "listener.name.*", "log.cleaner.*", "metrics.*", "remote.log.*",
};

#define CONFIG_NOT_MODELLED_NAMES \
    (sizeof config_not_modelled_names / sizeof config_not_modelled_names[0])
#define CONFIG_NOT_MODELLED_PREFIXES \
    (sizeof config_not_modelled_prefixes / sizeof config_not_modelled_prefixes[0])

const char *config_not_modelled_key(size_t i) {
    if (i < CONFIG_NOT_MODELLED_NAMES) return config_not_modelled_names[i];
    i -= CONFIG_NOT_MODELLED_NAMES;
    return i < CONFIG_NOT_MODELLED_PREFIXES ? config_not_modelled_prefixes[i] : NULL;
}

/* Kafka keys that would change the answer but are not modelled, or that have a modelled name:
 * refused with the reason, so a pasted file never silently means something else. */
static const struct config_refused {
    const char *name;
    const char *why;
} config_refused_table[] = {
    {"log.flush.interval.ms", "a time-based fsync is not modelled; log.flush.interval.messages "
                              "is"},
    {"flush.ms", "a time-based fsync is not modelled; log.flush.interval.messages is"},
    {"flush.messages", "the topic-level name of log.flush.interval.messages: set that key"},
    {"segment.bytes", "the topic-level name of log.segment.bytes: set that key"},
};

/* True when name is a known Kafka key the model does not use. */
static bool config_is_not_modelled(const char *name) {
    for (size_t i = 0; i < CONFIG_NOT_MODELLED_NAMES; i++)
        if (strcmp(name, config_not_modelled_names[i]) == 0) return true;
    for (size_t i = 0; i < CONFIG_NOT_MODELLED_PREFIXES; i++) {
        size_t n = strlen(config_not_modelled_prefixes[i]) - 1; /* without the '*' */
        if (strncmp(name, config_not_modelled_prefixes[i], n) == 0 && name[n] != '\0') return true;
    }
    return false;
}

/* The reason a known key is refused, or NULL. */
static const char *config_refused_why(const char *name) {
    for (size_t i = 0; i < sizeof config_refused_table / sizeof config_refused_table[0]; i++)
        if (strcmp(name, config_refused_table[i].name) == 0) return config_refused_table[i].why;
    return NULL;
}

/* Notes a not-modelled key once, in input order. */
static void config_not_modelled_add(config *c, const char *name) {
    int kept = c->not_modelled_count < CONFIG_NOT_MODELLED_MAX ? c->not_modelled_count
                                                               : CONFIG_NOT_MODELLED_MAX;
    for (int i = 0; i < kept; i++)
        if (strcmp(c->not_modelled[i], name) == 0) return;
    if (c->not_modelled_count < CONFIG_NOT_MODELLED_MAX)
        snprintf(c->not_modelled[c->not_modelled_count], CONFIG_NOT_MODELLED_NAME_MAX, "%s",
                 name);
    c->not_modelled_count++;
}

/* "<where>: delivery.timeout.ms: Kafka 1.0.0 has no such key; it came in 2.1 (KIP-91)" */
static int config_key_too_new(const prop *p, size_t key, int version, char *err,
                              size_t err_len) {
    const char *source;
    int since = config_key_since(key, &source);
    char have[16];
    size_t n = config_where(p, err, err_len);
    snprintf(err + n, err_len - n, "%s: Kafka %s has no such key; it came in %d.%d (%s): set "
             "kafka.version=%d.%d or later, or leave the key out", config_key_table[key].name,
             config_version_string(version, have, sizeof have), since / 10000, since / 100 % 100,
             source, since / 10000, since / 100 % 100);
    return -1;
}

/* ==== Unknown keys =========================================================================== */

/* Levenshtein distance of two short strings (longer ones count as far apart). */
static size_t config_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    enum { LONGEST = 64 };
    if (la > LONGEST || lb > LONGEST) return SIZE_MAX;
    size_t row[LONGEST + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

/* "unknown key 'ackss' (did you mean 'acks'?)": the nearest key within a third of its length
 * (at least 2 edits), first in table order on a tie. */
static int config_unknown_key(const prop *p, char *err, size_t err_len) {
    size_t n = config_where(p, err, err_len), best = SIZE_MAX;
    const char *best_name = NULL;
    for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
        size_t d = config_distance(p->key, config_key_table[i].name);
        if (d < best) {
            best = d;
            best_name = config_key_table[i].name;
        }
    }
    for (size_t i = 0; i < CONFIG_NOT_MODELLED_NAMES; i++) {
        size_t d = config_distance(p->key, config_not_modelled_names[i]);
        if (d < best) {
            best = d;
            best_name = config_not_modelled_names[i];
        }
    }
    size_t len = strlen(p->key), limit = len / 3 > 2 ? len / 3 : 2;
    if (best <= limit && best_name)
        snprintf(err + n, err_len - n, "unknown key '%s' (did you mean '%s'?)", p->key,
                 best_name);
    else
        snprintf(err + n, err_len - n, "unknown key '%s' (kafkasim config lists every key)",
                 p->key);
    return -1;
}

/* ==== Faults ================================================================================= */

/* fault.<name> = <line>: checked with fault_parse now, so a bad line names its file:line. A
 * name set twice keeps its place and takes the later line, as a Properties key would. */
static int config_fault_set(config *c, const prop *p, const char *text, char *err, size_t err_len) {
    const char *name = p->key + strlen("fault.");
    size_t n = config_where(p, err, err_len);
    bool name_ok = *name != '\0' && strlen(name) < CONFIG_FAULT_NAME_MAX;
    for (const char *s = name; *s && name_ok; s++)
        name_ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.';
    if (!name_ok) {
        snprintf(err + n, err_len - n, "%s: a fault name is 1 to %d letters, digits, '_', '-' "
                 "or '.'", p->key, CONFIG_FAULT_NAME_MAX - 1);
        return -1;
    }
    if (strlen(text) >= CONFIG_FAULT_TEXT_MAX) {
        snprintf(err + n, err_len - n, "%s: the fault line is longer than %d characters", p->key,
                 CONFIG_FAULT_TEXT_MAX - 1);
        return -1;
    }
    fault_spec spec;
    char why[384];
    if (fault_parse(text, &spec, why, sizeof why) != 0) {
        snprintf(err + n, err_len - n, "%s: %s", p->key, why);
        return -1;
    }
    int slot = 0;
    while (slot < c->fault_count && strcmp(c->faults[slot].name, name) != 0) slot++;
    if (slot == CONFIG_FAULTS_MAX) {
        snprintf(err + n, err_len - n, "%s: more than %d faults", p->key, CONFIG_FAULTS_MAX);
        return -1;
    }
    config_fault *f = &c->faults[slot];
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->text, sizeof f->text, "%s", text);
    snprintf(f->file, sizeof f->file, "%s", p->file);
    f->line = p->line;
    if (slot == c->fault_count) c->fault_count++;
    return 0;
}

/* ==== Per-producer overrides ================================================================= */

/* The keys a producer-<n>.<key> line may set: ProducerConfig's, as the table has them. */
static const char *const config_producer_key_names[] = {
    "acks", "enable.idempotence", "max.in.flight.requests.per.connection", "retries",
    "retry.backoff.ms", "retry.backoff.max.ms", "request.timeout.ms", "delivery.timeout.ms",
    "reconnect.backoff.ms", "linger.ms", "batch.size", "metadata.max.age.ms", "buffer.memory",
    "partitioner.ignore.keys", "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms", "transactional.id", "transaction.timeout.ms",
    "max.block.ms",
};
#define CONFIG_PRODUCER_KEYS (sizeof config_producer_key_names / sizeof config_producer_key_names[0])

static bool config_is_producer_key(const char *name) {
    for (size_t i = 0; i < CONFIG_PRODUCER_KEYS; i++)
        if (strcmp(config_producer_key_names[i], name) == 0) return true;
    return false;
}

/* producer-<n>.<key>=<value>: n in 1 .. PROTO_PRODUCERS_MAX, key a producer key the version
 * has, value as the key reads it (checked on a scratch copy now, so the message names the
 * line); the last line for a (producer, key) wins. Whether n is within workload.producers is
 * checked by config_finish, when that is known. */
static int config_producer_override_set(config *c, const prop *p, const char *value, char *err,
                                        size_t err_len) {
    const char *at = p->key + 9;
    int n = 0, digits = 0;
    while (*at >= '0' && *at <= '9' && digits < 4) n = n * 10 + (*at++ - '0'), digits++;
    size_t w = config_where(p, err, err_len);
    if (digits == 0 || *at != '.' || n < 1 || n > PROTO_PRODUCERS_MAX) {
        snprintf(err + w, err_len - w, "%s: producer-<n>.<key> names producers 1 .. %d",
                 p->key, PROTO_PRODUCERS_MAX);
        return -1;
    }
    const char *name = at + 1;
    int key = config_key_find(name);
    if (key < 0 || !config_is_producer_key(name)) {
        snprintf(err + w, err_len - w, "%s: '%s' is not a producer key (acks, linger.ms, ... "
                 "as ProducerConfig names them)", p->key, name);
        return -1;
    }
    if (!config_key_in_version((size_t)key, c->kafka_version))
        return config_key_too_new(p, (size_t)key, c->kafka_version, err, err_len);
    config scratch = *c; /* the value read as the key reads it, nothing kept */
    if (config_set(&scratch, (size_t)key, p, value, err, err_len) != 0) {
        /* The message names the key as the line wrote it: producer-2.acks, not acks. */
        char why[400];
        const char *rest = strstr(err, name);
        snprintf(why, sizeof why, "%s", rest ? rest + strlen(name) : ": is not allowed");
        snprintf(err + w, err_len - w, "%s%s", p->key, why);
        return -1;
    }
    int slot = c->producer_override_count;
    for (int i = 0; i < c->producer_override_count; i++)
        if (c->producer_overrides[i].producer == n && c->producer_overrides[i].key == key)
            slot = i;
    if (slot == CONFIG_PRODUCER_OVERRIDES_MAX) {
        snprintf(err + w, err_len - w, "%s: more than %d producer-<n>.<key> lines", p->key,
                 CONFIG_PRODUCER_OVERRIDES_MAX);
        return -1;
    }
    config_producer_override *o = &c->producer_overrides[slot];
    if (strlen(value) >= sizeof o->value) {
        snprintf(err + w, err_len - w, "%s: the value is longer than %zu characters", p->key,
                 sizeof o->value - 1);
        return -1;
    }
    o->producer = (uint8_t)n;
    o->key = (uint8_t)key;
    snprintf(o->value, sizeof o->value, "%s", value);
    snprintf(o->file, sizeof o->file, "%s", p->file);
    o->line = p->line;
    if (slot == c->producer_override_count) c->producer_override_count++;
    return 0;
}

/* The consumer keys an instance may set for itself (consumer-<n>.<key>): what each Java
 * consumer or application reads for itself. Not among them: group.id (one group per world),
 * isolation.level (the judge reads the input at one level), fetch.min.bytes and
 * fetch.max.wait.ms (the leaders read the world's), the workload.* keys of the whole pipeline
 * (consumers, pipeline, sink, output). */
static const char *const config_consumer_key_names[] = {
    "enable.auto.commit", "auto.commit.interval.ms", "auto.offset.reset", "max.poll.records",
    "max.poll.interval.ms", "session.timeout.ms", "heartbeat.interval.ms",
    "partition.assignment.strategy", "default.api.timeout.ms", "workload.processing.ms",
    "workload.commit",
};
#define CONFIG_CONSUMER_KEYS (sizeof config_consumer_key_names / sizeof config_consumer_key_names[0])

static bool config_is_consumer_key(const char *name) {
    for (size_t i = 0; i < CONFIG_CONSUMER_KEYS; i++)
        if (strcmp(config_consumer_key_names[i], name) == 0) return true;
    return false;
}

/* consumer-<n>.<key>=<value>: n in 1 .. PROTO_CONSUMERS_MAX, key one of
 * config_consumer_key_names, value as the key reads it (checked on a scratch copy now, so the
 * message names the line); the last line for an (instance, key) wins. Whether n is within
 * workload.consumers is checked by config_finish. */
static int config_consumer_override_set(config *c, const prop *p, const char *value, char *err,
                                        size_t err_len) {
    const char *at = p->key + 9;
    int n = 0, digits = 0;
    while (*at >= '0' && *at <= '9' && digits < 4) n = n * 10 + (*at++ - '0'), digits++;
    size_t w = config_where(p, err, err_len);
    if (digits == 0 || *at != '.' || n < 1 || n > PROTO_CONSUMERS_MAX) {
        snprintf(err + w, err_len - w, "%s: consumer-<n>.<key> names consumers 1 .. %d",
                 p->key, PROTO_CONSUMERS_MAX);
        return -1;
    }
    const char *name = at + 1;
    int key = config_key_find(name);
    if (key < 0 || !config_is_consumer_key(name)) {
        snprintf(err + w, err_len - w, "%s: '%s' is not a key one consumer sets for itself; "
                 "allowed: enable.auto.commit, auto.commit.interval.ms, auto.offset.reset, "
                 "max.poll.records, max.poll.interval.ms, session.timeout.ms, "
                 "heartbeat.interval.ms, partition.assignment.strategy, default.api.timeout.ms, "
                 "workload.processing.ms, workload.commit", p->key, name);
        return -1;
    }
    if (!config_key_in_version((size_t)key, c->kafka_version))
        return config_key_too_new(p, (size_t)key, c->kafka_version, err, err_len);
    config *scratch = malloc(sizeof *scratch); /* the value read as the key reads it */
    if (!scratch) {
        snprintf(err + w, err_len - w, "%s: out of memory", p->key);
        return -1;
    }
    *scratch = *c;
    int rc = config_set(scratch, (size_t)key, p, value, err, err_len);
    free(scratch);
    if (rc != 0) {
        /* The message names the key as the line wrote it: consumer-2.session.timeout.ms. */
        char why[400];
        const char *rest = strstr(err, name);
        snprintf(why, sizeof why, "%s", rest ? rest + strlen(name) : ": is not allowed");
        snprintf(err + w, err_len - w, "%s%s", p->key, why);
        return -1;
    }
    int slot = c->consumer_override_count;
    for (int i = 0; i < c->consumer_override_count; i++)
        if (c->consumer_overrides[i].consumer == n && c->consumer_overrides[i].key == key)
            slot = i;
    if (slot == CONFIG_CONSUMER_OVERRIDES_MAX) {
        snprintf(err + w, err_len - w, "%s: more than %d consumer-<n>.<key> lines", p->key,
                 CONFIG_CONSUMER_OVERRIDES_MAX);
        return -1;
    }
    config_consumer_override *o = &c->consumer_overrides[slot];
    if (strlen(value) >= sizeof o->value) {
        snprintf(err + w, err_len - w, "%s: the value is longer than %zu characters", p->key,
                 sizeof o->value - 1);
        return -1;
    }
    o->consumer = (uint8_t)n;
    o->key = (uint8_t)key;
    snprintf(o->value, sizeof o->value, "%s", value);
    snprintf(o->file, sizeof o->file, "%s", p->file);
    o->line = p->line;
    if (slot == c->consumer_override_count) c->consumer_override_count++;
    return 0;
}

static int config_check_consumer_keys(const config *c, char *err, size_t err_len);

int config_for_consumer(const config *c, int index, config *out, char *err, size_t err_len) {
    *out = *c;
    /* An exactly-once instance's producer has a transactional.id: idempotent (see
     * config_finish_exactly_once), whatever the workload producer's default. */
    if (c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE) out->enable_idempotence = true;
    bool any = false;
    for (int i = 0; i < c->consumer_override_count; i++) {
        const config_consumer_override *o = &c->consumer_overrides[i];
        if (o->consumer != index + 1) continue;
        prop p = {.key = (char *)config_key_table[o->key].name, .value = (char *)o->value,
                  .file = o->file, .line = o->line};
        if (config_set(out, o->key, &p, o->value, err, err_len) != 0) return -1;
        out->set_by_user[o->key] = 1;
        any = true;
    }
    if (!any) return 0;
    char what[400];
    if (config_check_consumer_keys(out, what, sizeof what) == 0) return 0;
    /* Named at the instance's first line: its keys together are what is refused. */
    for (int i = 0; i < c->consumer_override_count; i++) {
        const config_consumer_override *o = &c->consumer_overrides[i];
        if (o->consumer != index + 1) continue;
        if (o->line > 0) snprintf(err, err_len, "%s:%d: consumer-%d: %s", o->file, o->line,
                                  index + 1, what);
        else snprintf(err, err_len, "%s: consumer-%d: %s", o->file, index + 1, what);
        break;
    }
    return -1;
}

/* Every override names an instance of the run, and each instance's keys pass the checks the
 * global ones passed. */
static int config_finish_consumer_overrides(config *c, char *err, size_t err_len) {
    for (int i = 0; i < c->consumer_override_count; i++) {
        const config_consumer_override *o = &c->consumer_overrides[i];
        if (o->consumer <= c->consumers) continue;
        char where[160] = "";
        if (o->line > 0) snprintf(where, sizeof where, "%s:%d", o->file, o->line);
        else snprintf(where, sizeof where, "%s", o->file);
        if (c->consumers == 0)
            snprintf(err, err_len, "%s: consumer-%d.%s: workload.consumers is 0 (no consumers)",
                     where, o->consumer, config_key_table[o->key].name);
        else
            snprintf(err, err_len, "%s: consumer-%d.%s: workload.consumers is %d (consumers 1 .. "
                     "%d)", where, o->consumer, config_key_table[o->key].name, c->consumers,
                     c->consumers);
        return -1;
    }
    config *scratch = malloc(sizeof *scratch);
    if (!scratch) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = 0;
    for (int n = 0; n < c->consumers && rc == 0; n++)
        rc = config_for_consumer(c, n, scratch, err, err_len);
    free(scratch);
    return rc;
}

static int config_finish_own(config *out, const config *c, int index, char *err,
                             size_t err_len);

int config_for_producer(const config *c, int index, config *out, char *err, size_t err_len) {
    *out = *c;
    out->producer_override_count = 0;
    bool any = false;
    for (int i = 0; i < c->producer_override_count; i++) {
        const config_producer_override *o = &c->producer_overrides[i];
        if (o->producer != index + 1) continue;
        prop p = {.key = (char *)config_key_table[o->key].name, .value = (char *)o->value,
                  .file = o->file, .line = o->line};
        if (config_set(out, o->key, &p, o->value, err, err_len) != 0) return -1;
        out->set_by_user[o->key] = 1;
        any = true;
    }
    /* The world's tables are the world's: a producer's own view carries them, and its own
     * resolved transactional.id. */
    out->producer_override_count = 0;
    /* The fault lines are the world's, resolved against its tables by the world's own
     * config_finish: a producer's check leaves them out (its own tables are partial). */
    out->fault_count = 0;
    if (any && config_finish_own(out, c, index, err, err_len) != 0) return -1;
    out->fault_count = c->fault_count;
    if (c->txn_id_count > 0) {
        out->txn_id_count = c->txn_id_count;
        memcpy(out->txn_ids, c->txn_ids, sizeof out->txn_ids);
        memcpy(out->producer_txn, c->producer_txn, sizeof out->producer_txn);
        memcpy(out->txn_partition, c->txn_partition, sizeof out->txn_partition);
        memcpy(out->consumer_txn, c->consumer_txn, sizeof out->consumer_txn);
        out->topics = c->topics;
        int k = c->producer_txn[index];
        snprintf(out->transactional_id, sizeof out->transactional_id, "%s",
                 k >= 0 ? c->txn_ids[k] : "");
    }
    return 0;
}

/* config_for_producer's check of a producer's own keys. */
static int config_finish_own(config *out, const config *c, int index, char *err,
                             size_t err_len) {
    char what[400];
    if (config_finish(out, what, sizeof what) != 0) {
        /* Named at the producer's first line: its keys together are what is refused. */
        for (int i = 0; i < c->producer_override_count; i++) {
            const config_producer_override *o = &c->producer_overrides[i];
            if (o->producer != index + 1) continue;
            if (o->line > 0) snprintf(err, err_len, "%s:%d: producer-%d: %s", o->file, o->line,
                                      index + 1, what);
            else snprintf(err, err_len, "%s: producer-%d: %s", o->file, index + 1, what);
            break;
        }
        return -1;
    }
    return 0;
}

/* Every override names a producer of the run, and each producer's configuration passes the
 * checks the global one passed (idempotence, delivery.timeout.ms, ...). */
static int config_finish_producers(config *c, char *err, size_t err_len) {
    for (int i = 0; i < c->producer_override_count; i++) {
        const config_producer_override *o = &c->producer_overrides[i];
        if (o->producer <= c->producers) continue;
        char where[160] = "";
        if (o->line > 0) snprintf(where, sizeof where, "%s:%d", o->file, o->line);
        else snprintf(where, sizeof where, "%s", o->file);
        snprintf(err, err_len, "%s: producer-%d.%s: workload.producers is %d (producers 1 .. %d)",
                 where, o->producer, config_key_table[o->key].name, c->producers, c->producers);
        return -1;
    }
    config scratch;
    for (int n = 0; n < c->producers; n++)
        if (config_for_producer(c, n, &scratch, err, err_len) != 0) return -1;
    return 0;
}

/* ==== Applying properties ==================================================================== */

/* ==== Topic-level overrides ================================================================= */

/* The topic-level keys a topic.<name>. prefix takes, Kafka's names, with their largest values. */
static const char *const config_topic_keys[3] = {"num.partitions", "replication.factor",
                                                 "min.insync.replicas"};
static const int config_topic_key_max[3] = {TOPIC_PARTITIONS_MAX, PROTO_BROKERS_MAX,
                                            CONFIG_INT_MAX};

/* topic.<name>.<key> = value, for a topic of workload.topics or the output topic
 * (workload.output, applied before: config_apply) (topic names may hold dots, so the key is
 * matched at the end). Returns 0 or -1 with the message written. */
static int config_topic_set(config *c, const prop *p, const char *value, char *err,
                            size_t err_len) {
    const char *rest = p->key + strlen("topic.");
    size_t rest_len = strlen(rest);
    int which = -1;
    size_t name_len = 0;
    for (int k = 0; k < 3 && which < 0; k++) {
        size_t klen = strlen(config_topic_keys[k]);
        if (rest_len > klen + 1 && rest[rest_len - klen - 1] == '.' &&
            strcmp(rest + rest_len - klen, config_topic_keys[k]) == 0) {
            which = k;
            name_len = rest_len - klen - 1;
        }
    }
    size_t n = config_where(p, err, err_len);
    if (which < 0) {
        snprintf(err + n, err_len - n, "%s: unknown topic key; allowed: topic.<name>.num.partitions, "
                 "topic.<name>.replication.factor, topic.<name>.min.insync.replicas", p->key);
        return -1;
    }
    char name[TOPIC_NAME_MAX + 1];
    int topic = -1;
    if (name_len <= TOPIC_NAME_MAX) {
        memcpy(name, rest, name_len);
        name[name_len] = '\0';
        topic = topic_table_find(&c->topics, name);
    }
    bool output = topic < 0 && name_len <= TOPIC_NAME_MAX && strcmp(name, c->output_topic) == 0;
    if (topic < 0 && !output) {
        char list[CONFIG_VALUE_MAX];
        config_value_string(c, (size_t)config_key_find("workload.topics"), list, sizeof list);
        snprintf(err + n, err_len - n, "%s: names a topic that is not in workload.topics; "
                 "allowed: a topic of workload.topics (%s) or the output topic (workload.output=%s)",
                 p->key, list, c->output_topic);
        return -1;
    }
    bool negative;
    uint64_t m;
    if (config_parse_integer(value, &negative, &m) != 0 || negative || m < 1 ||
        m > (uint64_t)config_topic_key_max[which]) {
        snprintf(err + n, err_len - n, "%s: '%s' is not allowed; allowed: 1 .. %d", p->key, value,
                 config_topic_key_max[which]);
        return -1;
    }
    config_topic_override *o = output ? &c->output_override : &c->topic_overrides[topic];
    if (which == 0) o->num_partitions = (int)m;
    if (which == 1) o->replication_factor = (int)m;
    if (which == 2) o->min_insync_replicas = (int)m;
    return 0;
}

int config_apply(config *c, const props *p, char *err, size_t err_len) {
    char value[CONFIG_VALUE_MAX + 64];
    /* kafka.version first: its defaults lie under every other key. */
    const prop *version = props_get(p, "kafka.version");
    if (version) {
        int v = 0;
        config_trim(version->value, value, sizeof value);
        if (config_version_parse(value, &v) != 0)
            return config_bad_value(version, KEY_VERSION, value, "is not allowed", err, err_len);
        config_defaults(c, v);
        c->set_by_user[KEY_VERSION] = 1;
    }
    /* workload.topics next: the topic.<name>.* keys name its topics, wherever they stand. */
    const int key_topics = config_key_find("workload.topics");
    const prop *topics = props_get(p, "workload.topics");
    if (topics) {
        if (strlen(topics->value) >= sizeof value - 1) {
            size_t n = config_where(topics, err, err_len);
            snprintf(err + n, err_len - n, "%s: the value is too long", topics->key);
            return -1;
        }
        config_trim(topics->value, value, sizeof value);
        if (config_set(c, (size_t)key_topics, topics, value, err, err_len) != 0) return -1;
        c->set_by_user[key_topics] = 1;
    }
    /* And workload.output: topic.<name>.* may name the output topic too. */
    const int key_output = config_key_find("workload.output");
    const prop *output = props_get(p, "workload.output");
    if (output) {
        if (strlen(output->value) >= sizeof value - 1) {
            size_t n = config_where(output, err, err_len);
            snprintf(err + n, err_len - n, "%s: the value is too long", output->key);
            return -1;
        }
        config_trim(output->value, value, sizeof value);
        if (config_set(c, (size_t)key_output, output, value, err, err_len) != 0) return -1;
        c->set_by_user[key_output] = 1;
    }
    /* java.util.Properties keeps only the last assignment of a key, so a value that a later
     * line, file or argument replaces is never parsed: it is not an error. (fault.<name> lines
     * are each checked, as their order places the faults.) */
    size_t last[CONFIG_KEY_COUNT];
    for (size_t i = 0; i < p->count; i++) {
        int key = config_key_find(p->items[i].key);
        if (key >= 0) last[key] = i;
    }
    for (size_t i = 0; i < p->count; i++) {
        const prop *item = &p->items[i];
        bool is_fault = strncmp(item->key, "fault.", 6) == 0;
        int found = is_fault ? -1 : config_key_find(item->key);
        if (found >= 0 && last[found] != i) continue;
        if (found == key_topics || found == key_output) continue; /* applied above */
        /* A fault line longer than its own bound is refused before it is trimmed. */
        size_t limit = is_fault ? CONFIG_FAULT_TEXT_MAX + 64 : sizeof value;
        if (strlen(item->value) >= limit - 1) {
            size_t n = config_where(item, err, err_len);
            if (is_fault)
                snprintf(err + n, err_len - n, "%s: the fault line is longer than %d characters",
                         item->key, CONFIG_FAULT_TEXT_MAX - 1);
            else
                snprintf(err + n, err_len - n, "%s: the value is too long", item->key);
            return -1;
        }
        config_trim(item->value, value, sizeof value);
        if (is_fault) {
            if (config_fault_set(c, item, value, err, err_len) != 0) return -1;
            continue;
        }
        if (strncmp(item->key, "producer-", 9) == 0) {
            if (config_producer_override_set(c, item, value, err, err_len) != 0) return -1;
            continue;
        }
        if (strncmp(item->key, "consumer-", 9) == 0) {
            if (config_consumer_override_set(c, item, value, err, err_len) != 0) return -1;
            continue;
        }
        int key = config_key_find(item->key);
        if (key < 0 && strncmp(item->key, "topic.", 6) == 0) {
            if (config_topic_set(c, item, value, err, err_len) != 0) return -1;
            continue;
        }
        if (key < 0 && config_refused_why(item->key)) {
            size_t n = config_where(item, err, err_len);
            snprintf(err + n, err_len - n, "%s: %s", item->key, config_refused_why(item->key));
            return -1;
        }
        if (key < 0 && config_is_not_modelled(item->key)) {
            config_not_modelled_add(c, item->key);
            continue;
        }
        if (key < 0) return config_unknown_key(item, err, err_len);
        if (!config_key_in_version((size_t)key, c->kafka_version))
            return config_key_too_new(item, (size_t)key, c->kafka_version, err, err_len);
        if (key == KEY_VERSION) {
            int v;
            if (config_version_parse(value, &v) != 0)
                return config_bad_value(item, KEY_VERSION, value, "is not allowed", err, err_len);
            continue; /* applied above, the last one winning */
        }
        if (config_set(c, (size_t)key, item, value, err, err_len) != 0) return -1;
        c->set_by_user[key] = 1;
    }
    return 0;
}

/* ==== Checks across keys ===================================================================== */

static bool config_user_set(const config *c, int key) { return c->set_by_user[key] != 0; }

static int config_fail(char *err, size_t err_len, const char *what) {
    snprintf(err, err_len, "%s", what);
    return -1;
}

/* Idempotence as the chosen version's client settles it (kafka-semantics.md 3.4, S3). A
 * transactional.id asks for it: KafkaProducer.configureTransactionState (0.11 .. 2.x) turned
 * enable.idempotence on unless the user set it, with the idempotent defaults and checks; from
 * 3.0 ProducerConfig.postProcessAndValidateIdempotenceConfigs refuses "a transactional.id
 * without also enabling idempotence". Both refuse an explicit false; a conflicting acks,
 * retries or max.in.flight is refused with the idempotent producer's message here. */
static int config_finish_idempotence(config *c, char *err, size_t err_len) {
    int v = c->kafka_version;
    bool explicit_set = config_user_set(c, KEY_IDEMPOTENCE);
    c->idempotence_explicit = explicit_set;
    if (c->transactional_id[0] != '\0') {
        if (explicit_set && !c->enable_idempotence) {
            char what[200];
            snprintf(what, sizeof what, "transactional.id=%s with enable.idempotence=false: Kafka "
                     "cannot set a transactional.id without also enabling idempotence",
                     c->transactional_id);
            return config_fail(err, err_len, what);
        }
        c->enable_idempotence = true;
        explicit_set = true; /* the checks below apply as to an explicit true */
    }
    if (!explicit_set) {
        /* 3.0.0 and 3.1.0 documented true but idempotenceEnabled() read only an explicit
         * setting (KAFKA-13598). From 3.0.1/3.1.1/3.2.0 a conflicting setting turns the
         * default off without a word (KAFKA-13673). */
        bool in_effect = v >= 30000 && v != 30000 && v != 30100;
        bool conflict = c->acks != -1 || c->retries == 0 || c->max_in_flight > 5;
        c->enable_idempotence = in_effect && !conflict;
        return 0;
    }
    if (!c->enable_idempotence) return 0;
    /* KafkaProducer.configureAcks/Retries/InflightRequests (0.11 .. 2.x), and the 3.x
     * defaults: keys the user left alone take values idempotence needs. */
    if (!config_user_set(c, KEY_ACKS)) c->acks = -1;
    if (!config_user_set(c, KEY_RETRIES)) c->retries = CONFIG_INT_MAX;
    if (v < 10000 && !config_user_set(c, KEY_MAX_IN_FLIGHT)) c->max_in_flight = 1;
    if (c->allow_unsafe_configs) return 0;

    /* 0.11 required one request in flight; 1.0 allowed five (KAFKA-5494). */
    int in_flight_max = v < 10000 ? 1 : 5;
    char what[320];
    const char *unsafe = "; sim.allow.unsafe.configs=true simulates it anyway";
    if (c->max_in_flight > in_flight_max) {
        snprintf(what, sizeof what, "max.in.flight.requests.per.connection=%d: must be at most %d "
                 "to use the idempotent producer (enable.idempotence=true)%s", c->max_in_flight,
                 in_flight_max, unsafe);
        return config_fail(err, err_len, what);
    }
    if (c->retries == 0) {
        snprintf(what, sizeof what, "retries=0: must be non-zero to use the idempotent producer "
                 "(enable.idempotence=true)%s", unsafe);
        return config_fail(err, err_len, what);
    }
    if (c->acks != -1) {
        snprintf(what, sizeof what, "acks=%d: must be all (-1) to use the idempotent producer "
                 "(enable.idempotence=true)%s", c->acks, unsafe);
        return config_fail(err, err_len, what);
    }
    return 0;
}

/* KafkaProducer.configureDeliveryTimeout (2.1+): delivery.timeout.ms covers linger.ms plus one
 * request.timeout.ms. Kafka caps linger.ms and the sum at Integer.MAX_VALUE ms (lingerMs(),
 * lingerAndRequestTimeoutMs), so a long linger.ms raises the default to that cap, never past
 * what delivery.timeout.ms can hold. */
static int config_finish_delivery(config *c, char *err, size_t err_len) {
    if (c->kafka_version < 20100) return 0;
    const int64_t cap_ns = CONFIG_INT_MAX * CONFIG_NS_PER_MS;
    int64_t linger_ns = c->linger_ns < cap_ns ? c->linger_ns : cap_ns;
    int64_t floor_ns = linger_ns + c->request_timeout_ns;
    if (floor_ns > cap_ns) floor_ns = cap_ns;
    if (c->delivery_timeout_ns >= floor_ns) return 0;
    if (!config_user_set(c, KEY_DELIVERY_TIMEOUT)) {
        c->delivery_timeout_ns = floor_ns;
        return 0;
    }
    char what[256];
    snprintf(what, sizeof what, "delivery.timeout.ms=%" PRId64 " should be equal to or larger "
             "than linger.ms + request.timeout.ms (%" PRId64 ")",
             c->delivery_timeout_ns / CONFIG_NS_PER_MS, floor_ns / CONFIG_NS_PER_MS);
    return config_fail(err, err_len, what);
}

/* kafka.metadata.mode against the release: ZooKeeper mode was removed in 4.0 (KIP-833) and
 * KRaft first shipped in 2.8 (KIP-500, early access). */
static int config_finish_metadata_mode(const config *c, char *err, size_t err_len) {
    char what[256];
    char version[16];
    config_version_string(c->kafka_version, version, sizeof version);
    if (c->metadata_mode == CONFIG_METADATA_ZOOKEEPER && c->kafka_version >= 40000) {
        snprintf(what, sizeof what, "kafka.metadata.mode=zookeeper: Kafka %s runs KRaft only "
                 "(ZooKeeper mode ended with 3.9)", version);
        return config_fail(err, err_len, what);
    }
    if (c->metadata_mode == CONFIG_METADATA_KRAFT && c->kafka_version < 20800) {
        snprintf(what, sizeof what, "kafka.metadata.mode=kraft: Kafka %s runs ZooKeeper only "
                 "(KRaft came with 2.8)", version);
        return config_fail(err, err_len, what);
    }
    return 0;
}

int64_t config_session_timeout_ns(const config *c) {
    return c->metadata_mode == CONFIG_METADATA_ZOOKEEPER ? c->zookeeper_session_timeout_ns
                                                         : c->broker_session_timeout_ns;
}

/* Brokers, partitions and producers named by faults exist in this world. */
static int config_finish_faults(const config *c, char *err, size_t err_len) {
    for (int i = 0; i < c->fault_count; i++) {
        const config_fault *f = &c->faults[i];
        fault_spec spec;
        char why[384], where[160];
        if (f->line > 0) snprintf(where, sizeof where, "%s:%d", f->file, f->line);
        else snprintf(where, sizeof where, "%s", f->file); /* an argument has no line */
        if (fault_parse(f->text, &spec, why, sizeof why) != 0) {
            snprintf(err, err_len, "%s: fault.%s: %s", where, f->name, why);
            return -1;
        }
        /* A fault that would start at or after the run's time limit never fires: the run
         * stops first. That is a mistake in the input (a unit, a digit), not a result. */
        bool rule = spec.kind == FAULT_DROP || spec.kind == FAULT_BREAK || spec.kind == FAULT_DELAY;
        int64_t starts_ns = rule ? spec.from_ns : spec.on_step ? -1 : spec.at_ns;
        if (starts_ns >= c->time_max_ns) {
            snprintf(err, err_len, "%s: fault.%s: starts at %lld ms, when the run has already "
                     "stopped (sim.max.time.ms is %lld); allowed: a time before it, or a larger "
                     "sim.max.time.ms", where, f->name,
                     (long long)(starts_ns / 1000000), (long long)(c->time_max_ns / 1000000));
            return -1;
        }
        fault_world world;
        fault_world_of(c, &world);
        if (fault_spec_resolve(&spec, &world, why, sizeof why) != 0) {
            snprintf(err, err_len, "%s: fault.%s: %s", where, f->name, why);
            return -1;
        }
    }
    return 0;
}

/* Resolves every topic's partition count, replication factor and min.insync.replicas (its
 * override, else the global key) into c->topics; a topic's replication factor is at most
 * num.brokers, and the partitions of all topics at most TOPIC_PARTITIONS_MAX. */
static int config_finish_topics(config *c, char *err, size_t err_len) {
    topic_table t;
    topic_table_init(&t);
    for (int i = 0; i < c->topics.workload_topics; i++) {
        const config_topic_override *o = &c->topic_overrides[i];
        const char *name = c->topics.topics[i].name;
        int count = o->num_partitions ? o->num_partitions : c->num_partitions;
        int rf = o->replication_factor ? o->replication_factor : c->replication_factor;
        int min_isr = o->min_insync_replicas ? o->min_insync_replicas : c->min_insync_replicas;
        if (rf > c->num_brokers) {
            snprintf(err, err_len, "topic.%s.replication.factor=%d must be at most "
                     "num.brokers=%d", name, rf, c->num_brokers);
            return -1;
        }
        if (count > TOPIC_PARTITIONS_MAX - t.partition_count) {
            snprintf(err, err_len, "num.partitions=%d with %d topics (workload.topics): the "
                     "topics hold more than %d partitions, the most a world holds; allowed: "
                     "fewer topics or partitions (topic.<name>.num.partitions)",
                     c->num_partitions, c->topics.topic_count, TOPIC_PARTITIONS_MAX);
            return -1;
        }
            (void)topic_table_add(&t, name, count, rf, min_isr);
    }
    c->topics = t;
    return 0;
}

int32_t config_java_string_hash(const char *text) {
    uint32_t h = 0; /* s[0]*31^(n-1) + ... + s[n-1], in int arithmetic that wraps */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) h = 31u * h + *p;
    return (int32_t)h;
}

/* Producer p's transactional id into buf ("" for none): its producer-<n>.transactional.id
 * line, else the global key, suffixed -<n> in a world of several producers. */
static void config_producer_txn_id(const config *c, int p, char *buf, size_t len) {
    snprintf(buf, len, "%s", c->transactional_id);
    bool own = false;
    for (int i = 0; i < c->producer_override_count; i++) {
        const config_producer_override *o = &c->producer_overrides[i];
        if (o->producer != p + 1 || strcmp(config_key_table[o->key].name, "transactional.id") != 0)
            continue;
        snprintf(buf, len, "%s", o->value);
        own = true;
    }
    if (!own && buf[0] != '\0' && c->producers > 1) {
        char base[CONFIG_TXN_ID_MAX + 1];
        snprintf(base, sizeof base, "%s", c->transactional_id);
        snprintf(buf, len, "%.*s-%d", CONFIG_TXN_ID_MAX - 3, base, p + 1);
    }
}

/* The world's transactional ids and their __transaction_state partitions (config.h). The
 * topic is created as Kafka's coordinator creates it on first use, with the
 * transaction.state.log.* keys (TransactionLog, TransactionStateManager); Kafka's creation
 * fails while fewer brokers are alive than its replication factor, which here is a world that
 * can never run a transaction, so it is refused. */
static int config_finish_transactions(config *c, char *err, size_t err_len) {
    char what[320];
    c->txn_id_count = 0;
    for (int p = 0; p < PROTO_PRODUCERS_MAX; p++) c->producer_txn[p] = -1;
    for (int p = 0; p < c->producers && p < PROTO_PRODUCERS_MAX; p++) {
        char id[CONFIG_TXN_ID_MAX + 1];
        config_producer_txn_id(c, p, id, sizeof id);
        if (id[0] == '\0') continue;
        int k = 0;
        while (k < c->txn_id_count && strcmp(c->txn_ids[k], id) != 0) k++;
        if (k == c->txn_id_count) snprintf(c->txn_ids[c->txn_id_count++], CONFIG_TXN_ID_MAX + 1, "%s", id);
        c->producer_txn[p] = (int8_t)k;
    }
    for (int k = 0; k < PROTO_CONSUMERS_MAX; k++) c->consumer_txn[k] = -1;
    for (int k = 0; c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE && k < c->consumers; k++) {
        char id[CONFIG_TXN_ID_MAX + 1];
        /* k < PROTO_CONSUMERS_MAX (7): one digit */
        snprintf(id, sizeof id, "%.*s-consumer-%c", CONFIG_TXN_ID_MAX - 12, c->group_id,
                 (char)('1' + k));
        for (int i = 0; i < c->txn_id_count; i++) {
            if (strcmp(c->txn_ids[i], id) != 0) continue;
            snprintf(what, sizeof what, "transactional.id %s is both a workload producer's and "
                     "consumer-%d's (workload.pipeline=exactly-once gives instance k the id "
                     "<group.id>-consumer-<k>): the two would fence each other; use another "
                     "transactional.id or group.id", id, k + 1);
            return config_fail(err, err_len, what);
        }
        snprintf(c->txn_ids[c->txn_id_count], CONFIG_TXN_ID_MAX + 1, "%s", id);
        c->consumer_txn[k] = (int8_t)c->txn_id_count++;
    }
    if (c->txn_id_count == 0) return 0;
    if (c->transaction_timeout_ns <= 0 ||
        c->transaction_timeout_ns > c->transaction_max_timeout_ns) {
        /* The coordinator answers InitProducerId with INVALID_TRANSACTION_TIMEOUT
         * (TransactionCoordinator.handleInitProducerId), which the client treats as fatal: no
         * transaction could ever run. */
        snprintf(what, sizeof what, "transaction.timeout.ms=%" PRId64 " is not within 1 .. "
                 "transaction.max.timeout.ms=%" PRId64 ": the coordinator refuses it "
                 "(INVALID_TRANSACTION_TIMEOUT)", c->transaction_timeout_ns / CONFIG_NS_PER_MS,
                 c->transaction_max_timeout_ns / CONFIG_NS_PER_MS);
        return config_fail(err, err_len, what);
    }
    if (c->txn_state_replication_factor > c->num_brokers) {
        snprintf(what, sizeof what, "transaction.state.log.replication.factor=%d with "
                 "num.brokers=%d: Kafka cannot create __transaction_state, so no transaction "
                 "ever starts; allowed: at most num.brokers", c->txn_state_replication_factor,
                 c->num_brokers);
        return config_fail(err, err_len, what);
    }
    if (topic_table_add_internal(&c->topics, TOPIC_TRANSACTION_STATE, c->txn_state_partitions,
                                 c->txn_state_replication_factor, c->txn_state_min_isr) < 0) {
        snprintf(what, sizeof what, "transaction.state.log.num.partitions=%d: with the "
                 "workload's %d partitions the world would hold more than %d",
                 c->txn_state_partitions, c->topics.workload_partitions, TOPIC_PARTITIONS_MAX);
        return config_fail(err, err_len, what);
    }
    int first = c->topics.topics[c->topics.topic_count - 1].first;
    for (int k = 0; k < c->txn_id_count; k++) {
        int32_t h = config_java_string_hash(c->txn_ids[k]);
        int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h); /* Utils.abs */
        c->txn_partition[k] = (uint16_t)(first + a % c->txn_state_partitions);
    }
    return 0;
}

/* ==== Consumers (issue 19) =================================================================== */

/* The output topic of the consumers' pipeline, with its topic.<workload.output>.* values, else
 * the global partition and replication keys. Added before any internal topic. */
static int config_finish_output(config *c, char *err, size_t err_len) {
    char what[320];
    const config_topic_override *o = &c->output_override;
    bool overridden = o->num_partitions || o->replication_factor || o->min_insync_replicas;
    if (c->consumers == 0 && overridden) {
        snprintf(what, sizeof what, "topic.%s.*: the output topic (workload.output) exists only "
                 "with workload.consumers > 0; allowed: a topic of workload.topics",
                 c->output_topic);
        return config_fail(err, err_len, what);
    }
    if (c->consumers == 0) return 0;
    int count = o->num_partitions ? o->num_partitions : c->num_partitions;
    int rf = o->replication_factor ? o->replication_factor : c->replication_factor;
    int min_isr = o->min_insync_replicas ? o->min_insync_replicas : c->min_insync_replicas;
    if (rf > c->num_brokers) {
        snprintf(what, sizeof what, "topic.%s.replication.factor=%d must be at most "
                 "num.brokers=%d", c->output_topic, rf, c->num_brokers);
        return config_fail(err, err_len, what);
    }
    if (!topic_name_valid(c->output_topic) || topic_table_find(&c->topics, c->output_topic) >= 0) {
        snprintf(what, sizeof what, "workload.output=%s: the output topic must be a valid topic "
                 "name that is not one of workload.topics", c->output_topic);
        return config_fail(err, err_len, what);
    }
    if (topic_table_add_output(&c->topics, c->output_topic, count, rf, min_isr) < 0) {
        snprintf(what, sizeof what, "workload.output=%s: %d partitions with the workload's %d: "
                 "the world would hold more than %d", c->output_topic, count,
                 c->topics.workload_partitions, TOPIC_PARTITIONS_MAX);
        return config_fail(err, err_len, what);
    }
    return 0;
}

/* workload.pipeline=exactly-once as Kafka's ExactlyOnceMessageProcessor (3.9 examples) and
 * Kafka Streams set it up: no auto commit (the offsets go in the transaction; an explicit
 * enable.auto.commit=true is refused: a plain commit could move the group past inputs whose
 * transaction then aborts), the input read read_committed unless isolation.level says
 * otherwise (read_uncommitted stays allowed: the judge then counts what it read of aborted
 * transactions), idempotence on (a transactional.id requires it: KafkaProducer refuses an
 * explicit false). The group metadata of sendOffsetsToTransaction (KIP-447) exists from 2.5. */
static int config_finish_exactly_once(config *c, char *err, size_t err_len) {
    if (c->kafka_version < 20500)
        return config_fail(err, err_len, "workload.pipeline=exactly-once needs kafka.version "
                           "2.5 or later (KIP-447: sendOffsetsToTransaction with the consumer's "
                           "group metadata)");
    if (config_user_set(c, config_key_find("enable.auto.commit")) && c->enable_auto_commit)
        return config_fail(err, err_len, "enable.auto.commit=true with workload.pipeline="
                           "exactly-once: the offsets are committed in the producer's "
                           "transaction; an automatic commit could move the group past records "
                           "whose transaction aborts; allowed: false");
    /* A transactional.id turns idempotence on unless it was set false (ProducerConfig
     * .idempotenceEnabled, 2.5-2.8; "Cannot set a transactional.id without also enabling
     * idempotence" from 3.0): the instances' producers are idempotent whatever the workload
     * producer's default (config_for_consumer). */
    if (config_user_set(c, config_key_find("enable.idempotence")) && !c->enable_idempotence)
        return config_fail(err, err_len, "enable.idempotence=false with workload.pipeline="
                           "exactly-once: each instance's producer has a transactional.id, and "
                           "KafkaProducer refuses a transactional.id with idempotence set false; "
                           "allowed: true, or leave it unset");
    c->enable_auto_commit = false;
    if (!config_user_set(c, config_key_find("isolation.level")))
        c->isolation_level = CONFIG_READ_COMMITTED;
    return 0;
}

/* The consumers' settings across keys, and __consumer_offsets, created as Kafka's group
 * coordinator creates it on first use with the offsets.topic.* keys (GroupMetadataManager);
 * like __transaction_state, a replication factor above the brokers is a world whose group can
 * never form, so it is refused. */
/* The checks of the keys one consumer sets for itself (config_for_consumer runs them on each
 * instance's). 0, or -1 with what is refused in err. */
static int config_check_consumer_keys(const config *c, char *err, size_t err_len) {
    char what[320];
    if (c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE && c->enable_auto_commit)
        return config_fail(err, err_len, "enable.auto.commit=true with workload.pipeline="
                           "exactly-once: the offsets are committed in the producer's "
                           "transaction; allowed: false");
    if (c->heartbeat_interval_ns >= c->session_timeout_ns) {
        /* GroupRebalanceConfig / Heartbeat: "Heartbeat must be set lower than the session
         * timeout" (the consumer refuses to start). */
        snprintf(what, sizeof what, "heartbeat.interval.ms=%" PRId64 " must be below "
                 "session.timeout.ms=%" PRId64 " (the consumer refuses to start)",
                 c->heartbeat_interval_ns / CONFIG_NS_PER_MS, c->session_timeout_ns / CONFIG_NS_PER_MS);
        return config_fail(err, err_len, what);
    }
    if (c->session_timeout_ns < c->group_min_session_timeout_ns ||
        c->session_timeout_ns > c->group_max_session_timeout_ns) {
        /* GroupCoordinator.handleJoinGroup answers INVALID_SESSION_TIMEOUT, fatal to the
         * consumer: no member could ever join. */
        snprintf(what, sizeof what, "session.timeout.ms=%" PRId64 " is not within "
                 "group.min.session.timeout.ms=%" PRId64 " .. group.max.session.timeout.ms=%"
                 PRId64 ": the coordinator refuses the member (INVALID_SESSION_TIMEOUT)",
                 c->session_timeout_ns / CONFIG_NS_PER_MS,
                 c->group_min_session_timeout_ns / CONFIG_NS_PER_MS,
                 c->group_max_session_timeout_ns / CONFIG_NS_PER_MS);
        return config_fail(err, err_len, what);
    }
    return 0;
}

static int config_finish_consumers(config *c, char *err, size_t err_len) {
    char what[320];
    if (c->consumers == 0) return 0;
    if (c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE &&
        config_finish_exactly_once(c, err, err_len) != 0)
        return -1;
    if (config_check_consumer_keys(c, err, err_len) != 0) return -1;
    if (c->topics.workload_partitions > (int)PROTO_OFFSET_ENTRIES_MAX) {
        /* One consumer may come to own every input partition, and its OffsetCommit and
         * OffsetFetch carry them in one message (a simplification: Kafka's have no such
         * bound). */
        snprintf(what, sizeof what, "workload.consumers=%d with %d workload partitions: a "
                 "consumer's offset commit carries at most %d partitions in the model; allowed: "
                 "at most %d partitions over workload.topics with consumers", c->consumers,
                 c->topics.workload_partitions, (int)PROTO_OFFSET_ENTRIES_MAX,
                 (int)PROTO_OFFSET_ENTRIES_MAX);
        return config_fail(err, err_len, what);
    }
    if (c->offsets_replication_factor > c->num_brokers) {
        snprintf(what, sizeof what, "offsets.topic.replication.factor=%d with num.brokers=%d: "
                 "Kafka cannot create __consumer_offsets, so the group never forms; allowed: at "
                 "most num.brokers", c->offsets_replication_factor, c->num_brokers);
        return config_fail(err, err_len, what);
    }
    /* __consumer_offsets has no min.insync.replicas of its own: the broker's default (1) applies
     * (KafkaConfig, GroupMetadataManager: offsets are appended with acks=all). */
    if (topic_table_add_internal(&c->topics, TOPIC_CONSUMER_OFFSETS, c->offsets_partitions,
                                 c->offsets_replication_factor, 1) < 0) {
        snprintf(what, sizeof what, "offsets.topic.num.partitions=%d: with the other topics' "
                 "%d partitions the world would hold more than %d", c->offsets_partitions,
                 c->topics.partition_count, TOPIC_PARTITIONS_MAX);
        return config_fail(err, err_len, what);
    }
    int first = c->topics.topics[c->topics.topic_count - 1].first;
    int32_t h = config_java_string_hash(c->group_id);
    int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h); /* Utils.abs */
    c->group_partition = (uint16_t)(first + a % c->offsets_partitions);
    return 0;
}

int config_finish(config *c, char *err, size_t err_len) {
    char what[320];
    if (c->num_brokers < 1 || c->num_brokers > PROTO_BROKERS_MAX) {
        snprintf(what, sizeof what, "num.brokers=%d: the simulator models 1 .. %d brokers",
                 c->num_brokers, PROTO_BROKERS_MAX);
        return config_fail(err, err_len, what);
    }
    if (c->replication_factor > c->num_brokers) {
        snprintf(what, sizeof what, "replication.factor=%d must be at most num.brokers=%d",
                 c->replication_factor, c->num_brokers);
        return config_fail(err, err_len, what);
    }
    if (config_finish_topics(c, err, err_len) != 0) return -1;
    int rf_max = 0;
    for (int i = 0; i < c->topics.topic_count; i++)
        if (c->topics.topics[i].replication_factor > rf_max)
            rf_max = c->topics.topics[i].replication_factor;
    /* KIP-1030: from 4.0 a segment is at least 1 MiB (LogConfig, log.segment.bytes). */
    if (c->kafka_version >= 40000 && c->log_segment_bytes < 1048576) {
        snprintf(what, sizeof what, "log.segment.bytes=%" PRId64 ": Kafka 4.0 and later require "
                 "at least 1048576 (KIP-1030)", c->log_segment_bytes);
        return config_fail(err, err_len, what);
    }
    /* Before 3.7 the backoff is constant. From 3.7 a retry.backoff.ms above the default cap
     * raises the cap (CommonClientConfigs.postValidateRetryBackoffMs, KIP-580); a cap the
     * user set lower makes the backoff constant at the cap. */
    if (c->kafka_version < 30700 && !config_user_set(c, KEY_RETRY_BACKOFF_MAX))
        c->retry_backoff_max_ns = c->retry_backoff_ns;
    if (c->retry_backoff_max_ns < c->retry_backoff_ns && !config_user_set(c, KEY_RETRY_BACKOFF_MAX))
        c->retry_backoff_max_ns = c->retry_backoff_ns;
    /* A follower whose fetch may not wait at the leader asks again the moment the empty answer
     * arrives (AbstractFetcherThread.processFetchRequest: no backoff after a fetch without
     * error). Kafka spends a real round trip on each; over a network with no delay at all the
     * loop takes no simulated time and never ends. Kafka itself accepts both values, so this
     * is a refusal of the simulator's, named as such. */
    if (c->replica_fetch_wait_max_ns == 0 && c->latency_ns == 0 && c->jitter_ns == 0 &&
        rf_max > 1) {
        snprintf(what, sizeof what, "replica.fetch.wait.max.ms=0 with network.latency.ms=0 "
                 "(and no jitter): every follower would fetch again at the same instant forever "
                 "(Kafka spends a network round trip on each fetch); set either above 0");
        return config_fail(err, err_len, what);
    }
    if (config_finish_delivery(c, err, err_len) != 0) return -1;
    /* With delivery.timeout.ms=0 a batch has reached its delivery timeout when it is created
     * (ProducerBatch.hasReachedDeliveryTimeout: deliveryTimeoutMs <= now - createdMs), so every
     * record fails at once; an application that sends each failed record again would do so at
     * the same instant forever (Kafka's sender spins too). A workload key of the simulator's,
     * so the simulator refuses the pair. */
    if (c->delivery_timeout_ns == 0 && c->resend_on_failure) {
        snprintf(what, sizeof what, "workload.resend.on.failure=true with delivery.timeout.ms=0: "
                 "every record expires as it is created and would be sent again at the same "
                 "instant forever; set delivery.timeout.ms above 0");
        return config_fail(err, err_len, what);
    }
    if (config_finish_idempotence(c, err, err_len) != 0) return -1;
    if (config_finish_metadata_mode(c, err, err_len) != 0) return -1;
    if (c->producer_override_count > 0 && config_finish_producers(c, err, err_len) != 0)
        return -1;
    if (config_finish_output(c, err, err_len) != 0) return -1;
    if (config_finish_transactions(c, err, err_len) != 0) return -1;
    if (config_finish_consumers(c, err, err_len) != 0) return -1;
    if (c->consumer_override_count > 0 && config_finish_consumer_overrides(c, err, err_len) != 0)
        return -1;
    if (config_finish_faults(c, err, err_len) != 0) return -1;
    return 0;
}

/* ==== Writing ================================================================================ */

/* Where config text goes: a file, a running FNV-1a hash, or both. */
typedef struct config_sink {
    FILE *out;     /* NULL: hash only */
    uint64_t hash; /* FNV-1a 64 of every byte put */
} config_sink;

static void config_put(config_sink *s, const char *text) {
    if (s->out) fputs(text, s->out);
    for (const unsigned char *b = (const unsigned char *)text; *b; b++) {
        s->hash ^= *b;
        s->hash *= 1099511628211ULL; /* FNV-1a 64-bit prime */
    }
}

/* ns as ms: whole, or with as many decimals as it needs. */
static const char *config_ms_string(int64_t ns, char *buf, size_t len) {
    int64_t whole = ns / CONFIG_NS_PER_MS, fraction = ns % CONFIG_NS_PER_MS;
    if (fraction == 0) {
        snprintf(buf, len, "%" PRId64, whole);
        return buf;
    }
    char digits[8];
    snprintf(digits, sizeof digits, "%06" PRId64, fraction < 0 ? -fraction : fraction);
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0') digits[--n] = '\0';
    snprintf(buf, len, "%s%" PRId64 ".%s", ns < 0 && whole == 0 ? "-" : "", whole, digits);
    return buf;
}

const char *config_value_string(const config *c, size_t key, char *buf, size_t len) {
    const void *slot = config_slot_const(c, key);
    switch (config_field_table[key].type) {
    case CT_VERSION: return config_version_string(c->kafka_version, buf, len);
    case CT_ACKS:
        snprintf(buf, len, "%s", c->acks == -1 ? "all" : c->acks == 0 ? "0" : "1");
        break;
    case CT_BOOL: snprintf(buf, len, "%s", *(const bool *)slot ? "true" : "false"); break;
    case CT_INT: snprintf(buf, len, "%d", *(const int *)slot); break;
    case CT_I64: snprintf(buf, len, "%" PRId64, *(const int64_t *)slot); break;
    case CT_U64: snprintf(buf, len, "%" PRIu64, *(const uint64_t *)slot); break;
    case CT_MS:
    case CT_MS_FRAC: return config_ms_string(*(const int64_t *)slot, buf, len);
    case CT_S: snprintf(buf, len, "%" PRId64, *(const int64_t *)slot / (1000 * CONFIG_NS_PER_MS)); break;
    case CT_MODE:
        snprintf(buf, len, "%s", c->metadata_mode == CONFIG_METADATA_KRAFT ? "kraft" : "zookeeper");
        break;
    case CT_TXN_ID: snprintf(buf, len, "%s", c->transactional_id); break;
    case CT_WORD: return config_word(key, *(const int *)slot, buf, len);
    case CT_NAME: snprintf(buf, len, "%s", (const char *)slot); break;
    case CT_ISOLATION:
        snprintf(buf, len, "%s", c->isolation_level == CONFIG_READ_COMMITTED ? "read_committed"
                                                                            : "read_uncommitted");
        break;
    case CT_RATIO: return config_ms_string(*(const int64_t *)slot, buf, len);
    case CT_TOPICS: {
        size_t used = 0;
        if (len) buf[0] = '\0';
        for (int i = 0; i < c->topics.workload_topics && used < len; i++) {
            int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "", c->topics.topics[i].name);
            if (n < 0) break;
            used += (size_t)n;
        }
        break;
    }
    }
    return buf;
}

const char *config_key_edge(size_t key, int which, char *buf, size_t len) {
    if (key >= CONFIG_KEY_COUNT || which < 0 || which > 2) return NULL;
    const config_field *f = &config_field_table[key];
    switch (f->type) {
    case CT_VERSION: return NULL; /* releases are not a range: callers pick them */
    case CT_ACKS: snprintf(buf, len, "%s", which == 0 ? "-1" : which == 1 ? "0" : "1"); break;
    case CT_BOOL: snprintf(buf, len, "%s", which == 0 ? "false" : "true"); break;
    case CT_MODE: snprintf(buf, len, "%s", which == 0 ? "kraft" : "zookeeper"); break;
    case CT_TXN_ID: snprintf(buf, len, "%s", which == 0 ? "" : which == 1 ? "t" :
                             "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt");
        break;
    case CT_ISOLATION:
        snprintf(buf, len, "%s", which == 0 ? "read_uncommitted" : "read_committed");
        break;
    case CT_WORD: return config_word(key, which == 0 ? 0 : which == 1 ? 1 : (int)f->max, buf, len);
    case CT_NAME: snprintf(buf, len, "%s", which == 0 ? "a" : which == 1 ? "ab" :
                           "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
        break;
    case CT_RATIO: snprintf(buf, len, "%s", which == 0 ? "0" : which == 1 ? "0.000001" : "1"); break;
    case CT_TOPICS: /* one name, two, and TOPICS_MAX one-letter names */
        snprintf(buf, len, "%s", which == 0 ? "a" : which == 1 ? "a,b" :
                 "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,E,F");
        break;
    case CT_U64: {
        uint64_t v = which == 0 ? (uint64_t)f->min : which == 1 ? (uint64_t)f->min + 1 : f->umax;
        if (v > f->umax) v = f->umax;
        snprintf(buf, len, "%" PRIu64, v);
        break;
    }
    default: {
        int64_t v = which == 0 ? f->min : which == 1 ? f->min + 1 : f->max;
        if (v > f->max) v = f->max;
        snprintf(buf, len, "%" PRId64, v);
        break;
    }
    }
    return buf;
}

/* Puts text with the escapes a Properties reader needs to read it back unchanged. */
static void config_put_escaped(config_sink *s, const char *text) {
    char one[3] = {0};
    for (const char *t = text; *t; t++) {
        one[0] = *t;
        one[1] = '\0';
        if (*t == '\\') config_put(s, "\\\\");
        else if (*t == '\n') config_put(s, "\\n");
        else if (*t == '\r') config_put(s, "\\r");
        else if (*t == '\t') config_put(s, "\\t");
        else if (*t == '\f') config_put(s, "\\f");
        else config_put(s, one);
    }
}

/* True for the keys that bound a run without changing what it computes (the progress guard,
 * the memory bound): a run cut off by one says so in its status. config_hash leaves them out,
 * so a configuration keeps its hash when a bound is set or added. */
static bool config_key_bound_only(size_t i) {
    const char *name = config_key_table[i].name;
    return strcmp(name, "sim.max.stalled.events") == 0 || strcmp(name, "sim.max.memory.mb") == 0;
}

/* The topic.<name>.* lines of the overrides set, topic by topic in list order. */
static void config_emit_topics(const config *c, config_sink *s) {
    char line[TOPIC_NAME_MAX + 64];
    for (int i = 0; i < c->topics.workload_topics; i++) {
        const config_topic_override *o = &c->topic_overrides[i];
        const int values[3] = {o->num_partitions, o->replication_factor, o->min_insync_replicas};
        for (int k = 0; k < 3; k++) {
            if (values[k] == 0) continue;
            snprintf(line, sizeof line, "topic.%s.%s=%d\n", c->topics.topics[i].name,
                     config_topic_keys[k], values[k]);
            config_put(s, line);
        }
    }
    const config_topic_override *o = &c->output_override;
    const int outputs[3] = {o->num_partitions, o->replication_factor, o->min_insync_replicas};
    for (int k = 0; k < 3; k++) {
        if (outputs[k] == 0) continue;
        snprintf(line, sizeof line, "topic.%s.%s=%d\n", c->output_topic, config_topic_keys[k],
                 outputs[k]);
        config_put(s, line);
    }
}

/* Keys of the second wave (several partitions, keys and producers, issue 17): written only
 * when they differ from their default, so that every configuration that could be written
 * before they existed keeps its text and its hash (results/ and docs/lessons/ cite hashes). */
static const struct config_quiet {
    const char *name;    /* the key */
    const char *value;   /* its default in every release, as config_value_string writes it
                          * (test_config checks it against config_defaults) */
} config_quiet_table[] = {
    {"workload.keys", "0"},
    {"workload.producers", "1"},
    {"partitioner.ignore.keys", "false"},
    {"partitioner.adaptive.partitioning.enable", "true"},
    {"partitioner.availability.timeout.ms", "0"},
};

/* Keys of transactions (issue 18), written only when they differ from the chosen release's
 * default (transaction.version's default is 2 from 4.0), for the same reason. */
static const char *const config_quiet_by_version[] = {
    "transactional.id", "transaction.timeout.ms", "max.block.ms", "transaction.max.timeout.ms",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms",
    "transaction.state.log.num.partitions", "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr", "transaction.partition.verification.enable",
    "transaction.version", "isolation.level",
    "workload.transaction.records", "workload.transaction.abort.ratio",
};

static bool config_key_quiet_by_version(size_t key) {
    if (key - CONFIG_KEY_CONSUMER_FIRST < CONFIG_KEY_CONSUMER_COUNT) return true;
    const char *name = config_key_table[key].name; /* t..., m..., i..., workload.t...: */
    if (name[0] != 't' && name[0] != 'm' && name[0] != 'i' &&  /* spare the rest */
        strncmp(name, "workload.t", 10) != 0)
        return false;
    for (size_t k = 0; k < sizeof config_quiet_by_version / sizeof config_quiet_by_version[0]; k++)
        if (strcmp(config_key_table[key].name, config_quiet_by_version[k]) == 0) return true;
    return false;
}

const char *config_key_quiet_default(size_t key) {
    size_t n = sizeof config_quiet_table / sizeof config_quiet_table[0];
    if (key >= CONFIG_KEY_COUNT) return NULL;
    char first = config_key_table[key].name[0]; /* workload.* or partitioner.*: spare the rest */
    if (first != 'w' && first != 'p') return NULL;
    for (size_t k = 0; k < n && key < CONFIG_KEY_COUNT; k++)
        if (strcmp(config_key_table[key].name, config_quiet_table[k].name) == 0)
            return config_quiet_table[k].value;
    return NULL;
}

/* The producer-<n>.<key> lines, then for a producer whose lines settled idempotence otherwise
 * than the global keys did (producer-2.acks=1 turns the default off) the value it settled on,
 * as config_write writes enable.idempotence itself: the text replays to the same producers. */
static void config_emit_producers(const config *c, config_sink *s) {
    char line[128];
    for (int i = 0; i < c->producer_override_count; i++) {
        const config_producer_override *o = &c->producer_overrides[i];
        snprintf(line, sizeof line, "producer-%d.%s=", o->producer, config_key_table[o->key].name);
        config_put(s, line);
        config_put(s, o->value);
        config_put(s, "\n");
    }
    if (c->producer_override_count == 0) return;
    config own;
    char err[256];
    for (int n = 1; n <= c->producers; n++) {
        bool explicit_set = false;
        for (int i = 0; i < c->producer_override_count; i++)
            explicit_set |= c->producer_overrides[i].producer == n &&
                            c->producer_overrides[i].key == KEY_IDEMPOTENCE;
        if (explicit_set || config_for_producer(c, n - 1, &own, err, sizeof err) != 0 ||
            own.enable_idempotence == c->enable_idempotence)
            continue;
        snprintf(line, sizeof line, "producer-%d.enable.idempotence=%s\n", n,
                 own.enable_idempotence ? "true" : "false");
        config_put(s, line);
    }
}

/* Whether key reads the same in a and b. Equal numbers read the same, so only the values that
 * differ, or are not numbers, are written out to be compared (config_hash runs at every run's
 * start). */
static bool config_value_same(const config *a, const config *b, size_t key, char *va, char *vb,
                              size_t len) {
    const void *x = config_slot_const(a, key), *y = config_slot_const(b, key);
    switch (config_field_table[key].type) {
    case CT_BOOL:
        if (*(const bool *)x == *(const bool *)y) return true;
        break;
    case CT_INT:
        if (*(const int *)x == *(const int *)y) return true;
        break;
    case CT_I64:
    case CT_U64:
    case CT_MS:
    case CT_MS_FRAC:
    case CT_S:
    case CT_RATIO:
        if (memcmp(x, y, sizeof(int64_t)) == 0) return true;
        break;
    default: break;
    }
    return strcmp(config_value_string(a, key, va, len), config_value_string(b, key, vb, len)) == 0;
}

static void config_emit(const config *c, config_sink *s) {
    char value[CONFIG_VALUE_MAX], fallback[CONFIG_VALUE_MAX];
    config defaults; /* this release's defaults, for config_quiet_by_version (22 KB) */
    bool have_defaults = false;
    for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
        if (!config_key_in_version(i, c->kafka_version)) continue;
        if (!s->out && config_key_bound_only(i)) continue;
        const char *quiet = config_key_quiet_default(i);
        if (quiet && strcmp(config_value_string(c, i, value, sizeof value), quiet) == 0)
            continue;
        if (config_key_quiet_by_version(i)) {
            if (!have_defaults) config_defaults(&defaults, c->kafka_version);
            have_defaults = true;
            if (config_value_same(c, &defaults, i, value, fallback, sizeof value)) continue;
        }
        config_put(s, config_key_table[i].name);
        config_put(s, "=");
        config_put(s, config_value_string(c, i, value, sizeof value));
        config_put(s, "\n");
    }
    config_emit_topics(c, s);
    config_emit_producers(c, s);
    for (int i = 0; i < c->consumer_override_count; i++) {
        const config_consumer_override *o = &c->consumer_overrides[i];
        char line[128];
        snprintf(line, sizeof line, "consumer-%d.%s=", o->consumer, config_key_table[o->key].name);
        config_put(s, line);
        config_put(s, o->value);
        config_put(s, "\n");
    }
    for (int i = 0; i < c->fault_count; i++) {
        config_put(s, "fault.");
        config_put(s, c->faults[i].name);
        config_put(s, "=");
        config_put_escaped(s, c->faults[i].text);
        config_put(s, "\n");
    }
}

size_t config_zero_durations(const config *c, char *buf, size_t len) {
    size_t found = 0, used = 0;
    if (len) buf[0] = '\0';
    /* The zeros the user set, else every zero: a default of 0 (linger.ms) takes part too. */
    for (int pass = 0; pass < 2 && found == 0; pass++) {
        for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
            config_type t = config_field_table[i].type;
            if ((t != CT_MS && t != CT_MS_FRAC) ||
                *(const int64_t *)config_slot_const(c, i) != 0 ||
                strcmp(config_key_table[i].name, "network.jitter.ms") == 0 || /* no delay */
                (pass == 0 && !c->set_by_user[i]))
                continue;
            found++;
            int n = snprintf(buf + used, len - used, "%s%s=0", used ? " " : "",
                             config_key_table[i].name);
            if (n > 0 && (size_t)n < len - used) used += (size_t)n;
        }
    }
    return found;
}

void config_write(const config *c, FILE *out) {
    config_sink s = {.out = out, .hash = 14695981039346656037ULL};
    config_emit(c, &s);
}

uint64_t config_hash(const config *c) {
    config_sink s = {.out = NULL, .hash = 14695981039346656037ULL}; /* FNV-1a offset basis */
    config_emit(c, &s);
    return s.hash;
}

int config_load_text(config *c, const char *name, const char *text, char *err, size_t err_len) {
    props p;
    props_init(&p);
    int rc = props_read_text(&p, name, text, strlen(text), err, err_len);
    config_defaults(c, 0);
    if (rc == 0) rc = config_apply(c, &p, err, err_len);
    if (rc == 0) rc = config_finish(c, err, err_len);
    props_fini(&p);
    return rc;
}
