/*
 * test_config.c: defaults per kafka.version, value parsing, every validation message, unknown
 * keys with did-you-mean, faults, and config_write as a replayable file.
 *
 * The expected defaults are kafka-semantics.md section 3.1 (ProducerConfig at each tag) and
 * the idempotence rules of section 3.4 and S3 (KAFKA-13598, KAFKA-13673).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define MS ((int64_t)1000000)

/* Reads text as s.properties onto the defaults, applies and finishes. Returns 0 or -1 with the
 * message in err; stage receives 1 when apply failed, 2 when finish did. */
static int load_stage(const char *text, config *c, char *err, size_t err_len, int *stage) {
    props p;
    props_init(&p);
    config_defaults(c, 0);
    int rc = props_read_text(&p, "s.properties", text, strlen(text), err, err_len);
    *stage = 0;
    if (rc == 0 && (rc = config_apply(c, &p, err, err_len)) != 0) *stage = 1;
    if (rc == 0 && (rc = config_finish(c, err, err_len)) != 0) *stage = 2;
    props_fini(&p);
    return rc;
}

static int load(const char *text, config *c, char *err, size_t err_len) {
    int stage;
    return load_stage(text, c, err, err_len, &stage);
}

/* Checks that text is refused with exactly want. */
static void load_bad(const char *text, const char *want) {
    config c;
    char err[512] = "";
    CHECK_EQ(load(text, &c, err, sizeof err), -1);
    CHECK_STR(err, want);
}

static void load_bad_contains(const char *text, const char *want) {
    config c;
    char err[512] = "";
    CHECK_EQ(load(text, &c, err, sizeof err), -1);
    CHECK_CONTAINS(err, want);
}

static config load_ok(const char *text) {
    config c;
    char err[512] = "";
    int rc = load(text, &c, err, sizeof err);
    if (rc != 0) fprintf(stderr, "unexpected error for '%s': %s\n", text, err);
    CHECK_EQ(rc, 0);
    return c;
}

static void test_defaults_by_version(void) {
    config c = load_ok("");
    CHECK_EQ(c.kafka_version, 30900);
    CHECK_EQ(c.acks, -1);
    CHECK(c.enable_idempotence);
    CHECK(!c.idempotence_explicit);
    CHECK_EQ(c.max_in_flight, 5);
    CHECK_EQ(c.retries, 2147483647);
    CHECK_EQ(c.retry_backoff_ns, 100 * MS);
    CHECK_EQ(c.retry_backoff_max_ns, 1000 * MS);
    CHECK_EQ(c.request_timeout_ns, 30000 * MS);
    CHECK_EQ(c.delivery_timeout_ns, 120000 * MS);
    CHECK_EQ(c.linger_ns, 0);
    CHECK_EQ(c.batch_bytes, 16384);
    CHECK_EQ(c.metadata_max_age_ns, 300000 * MS);
    CHECK_EQ(c.num_brokers, 3);
    CHECK_EQ(c.replication_factor, 3);
    CHECK_EQ(c.min_insync_replicas, 1);
    CHECK(!c.unclean_leader_election);
    CHECK_EQ(c.replica_lag_time_max_ns, 30000 * MS);
    CHECK_EQ(c.replica_fetch_wait_max_ns, 500 * MS);
    CHECK_EQ(c.replica_fetch_backoff_ns, 1000 * MS);
    CHECK_EQ(c.replica_socket_timeout_ns, 30000 * MS);
    CHECK_EQ(c.log_flush_interval_messages, INT64_MAX);
    CHECK_EQ(c.log_segment_bytes, 1073741824);
    CHECK_EQ(c.broker_session_timeout_ns, 9000 * MS);
    CHECK_EQ(c.broker_heartbeat_interval_ns, 2000 * MS);
    CHECK_EQ(c.producer_id_expiration_ns, 86400000 * MS);
    CHECK_EQ(c.records, 1000);
    CHECK_EQ(c.rate_per_s, 0);
    CHECK_EQ(c.record_bytes, 100);
    CHECK(!c.resend_on_failure);
    CHECK_EQ(c.latency_ns, MS);
    CHECK_EQ(c.jitter_ns, 0);
    CHECK_EQ(c.seed, 1);
    CHECK_EQ(c.time_max_ns, 3600000 * MS);
    CHECK_EQ(c.events_max, 1000000000);
    CHECK(!c.allow_unsafe_configs);
    CHECK_EQ(c.fault_count, 0);

    c = load_ok("kafka.version=2.0");
    CHECK_EQ(c.kafka_version, 20000);
    CHECK_EQ(c.acks, 1);
    CHECK(!c.enable_idempotence);
    CHECK_EQ(c.retries, 0);
    CHECK_EQ(c.delivery_timeout_ns, 2147483647 * MS); /* no delivery bound before 2.1 */
    CHECK_EQ(c.retry_backoff_max_ns, 100 * MS);        /* constant backoff before 3.7 */
    CHECK_EQ(c.replica_lag_time_max_ns, 10000 * MS);
    CHECK_EQ(c.producer_id_expiration_ns, 604800000 * MS);

    c = load_ok("kafka.version=2.1");
    CHECK_EQ(c.retries, 2147483647);
    CHECK_EQ(c.delivery_timeout_ns, 120000 * MS);
    CHECK_EQ(c.replica_lag_time_max_ns, 10000 * MS);

    c = load_ok("kafka.version=2.8");
    CHECK_EQ(c.kafka_version, 20800);
    CHECK_EQ(c.acks, 1);
    CHECK(!c.enable_idempotence);
    CHECK_EQ(c.retries, 2147483647);
    CHECK_EQ(c.delivery_timeout_ns, 120000 * MS);
    CHECK_EQ(c.replica_lag_time_max_ns, 30000 * MS);
    CHECK_EQ(c.linger_ns, 0);

    /* KAFKA-13598: 3.0.0 and 3.1.0 documented idempotence but did not apply it by default. */
    c = load_ok("kafka.version=3.0.0");
    CHECK_EQ(c.kafka_version, 30000);
    CHECK_EQ(c.acks, -1);
    CHECK(!c.enable_idempotence);
    CHECK_EQ(c.retries, 2147483647);
    c = load_ok("kafka.version=3.0");
    CHECK(!c.enable_idempotence);
    c = load_ok("kafka.version=3.1.0");
    CHECK(!c.enable_idempotence);
    CHECK_EQ(c.producer_id_expiration_ns, 604800000 * MS);
    c = load_ok("kafka.version=3.0.1");
    CHECK(c.enable_idempotence);
    c = load_ok("kafka.version=3.1.1");
    CHECK(c.enable_idempotence);
    c = load_ok("kafka.version=3.0.0\nenable.idempotence=true");
    CHECK(c.enable_idempotence);
    CHECK(c.idempotence_explicit);

    c = load_ok("kafka.version=3.2");
    CHECK(c.enable_idempotence);
    CHECK_EQ(c.retry_backoff_max_ns, 100 * MS);
    CHECK_EQ(c.producer_id_expiration_ns, 604800000 * MS);
    CHECK_EQ(load_ok("kafka.version=3.4").producer_id_expiration_ns, 86400000 * MS);
    CHECK_EQ(load_ok("kafka.version=3.6.2").retry_backoff_max_ns, 100 * MS);

    c = load_ok("kafka.version=3.7");
    CHECK_EQ(c.retry_backoff_max_ns, 1000 * MS);
    CHECK_EQ(c.linger_ns, 0);

    c = load_ok("kafka.version=4.0");
    CHECK_EQ(c.kafka_version, 40000);
    CHECK_EQ(c.linger_ns, 5 * MS);
    CHECK(c.enable_idempotence);
    CHECK_EQ(c.acks, -1);

    c = load_ok("kafka.version=0.11");
    CHECK_EQ(c.kafka_version, 1100);
    CHECK_EQ(c.retries, 0);
}

static void test_versions(void) {
    load_bad("kafka.version=4.4", "s.properties:1: kafka.version: '4.4' is not allowed; allowed: "
                                  "0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, "
                                  "4.0 .. 4.3 (as 3.7 or 3.7.0)");
    load_bad("kafka.version=5.0", "s.properties:1: kafka.version: '5.0' is not allowed; allowed: "
                                  "0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, "
                                  "4.0 .. 4.3 (as 3.7 or 3.7.0)");
    load_bad("kafka.version=0.10", "s.properties:1: kafka.version: '0.10' is not allowed; "
             "allowed: 0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, 4.0 .. 4.3 (as 3.7 or 3.7.0)");
    load_bad("kafka.version=2.9", "s.properties:1: kafka.version: '2.9' is not allowed; allowed: "
                                  "0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, "
                                  "4.0 .. 4.3 (as 3.7 or 3.7.0)");
    load_bad("kafka.version=3", "s.properties:1: kafka.version: '3' is not allowed; allowed: "
                                "0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, "
                                "4.0 .. 4.3 (as 3.7 or 3.7.0)");
    load_bad("\nkafka.version=3.7.x", "s.properties:2: kafka.version: '3.7.x' is not allowed; "
             "allowed: 0.11, 1.0, 1.1, 2.0 .. 2.8, 3.0 .. 3.9, 4.0 .. 4.3 (as 3.7 or 3.7.0)");
    int v = 0;
    CHECK_EQ(config_version_parse("3.7.2", &v), 0);
    CHECK_EQ(v, 30702);
    CHECK_EQ(config_version_parse("3.7.", &v), -1);
    CHECK_EQ(config_version_parse("3..7", &v), -1);
    CHECK_EQ(config_version_parse("", &v), -1);
    char buf[16];
    CHECK_STR(config_version_string(1100, buf, sizeof buf), "0.11.0");
    CHECK_STR(config_version_string(30702, buf, sizeof buf), "3.7.2");

    /* kafka.version applies first wherever it stands, the last one winning. */
    config c = load_ok("acks=1\nkafka.version=2.0\nkafka.version=4.0\nlinger.ms=7");
    CHECK_EQ(c.kafka_version, 40000);
    CHECK_EQ(c.acks, 1);
    CHECK_EQ(c.linger_ns, 7 * MS);
    c = load_ok("kafka.version=2.0\nretries=3\nkafka.version=2.8");
    CHECK_EQ(c.kafka_version, 20800);
    CHECK_EQ(c.retries, 3);
}

static void test_values(void) {
    config c = load_ok("acks=0");
    CHECK_EQ(c.acks, 0);
    CHECK_EQ(load_ok("acks=1\nenable.idempotence=false").acks, 1);
    CHECK_EQ(load_ok("acks=-1").acks, -1);
    CHECK_EQ(load_ok("acks = all  ").acks, -1);
    load_bad("acks=two", "s.properties:1: acks: 'two' is not allowed; allowed: 0, 1, all (-1)");
    load_bad("acks=ALL", "s.properties:1: acks: 'ALL' is not allowed; allowed: 0, 1, all (-1)");
    load_bad("acks=", "s.properties:1: acks: '' is not allowed; allowed: 0, 1, all (-1)");

    /* Booleans: true or false in any case, nothing else. */
    CHECK(load_ok("unclean.leader.election.enable=TRUE").unclean_leader_election);
    CHECK(!load_ok("unclean.leader.election.enable=False").unclean_leader_election);
    load_bad("unclean.leader.election.enable=yes", "s.properties:1: unclean.leader.election.enable"
             ": 'yes' is not allowed; allowed: true, false");
    load_bad("unclean.leader.election.enable=1", "s.properties:1: unclean.leader.election.enable"
             ": '1' is not allowed; allowed: true, false");
    load_bad("unclean.leader.election.enable=truex", "s.properties:1: "
             "unclean.leader.election.enable: 'truex' is not allowed; allowed: true, false");

    /* Integers: range, overflow, sign, junk, NaN and infinity. */
    CHECK_EQ(load_ok("retries=2147483647").retries, 2147483647);
    load_bad("retries=2147483648", "s.properties:1: retries: '2147483648' is out of range; "
                                   "allowed: 0 .. 2147483647");
    load_bad("retries=-1", "s.properties:1: retries: '-1' is out of range; allowed: 0 .. "
                           "2147483647");
    load_bad("retries=99999999999999999999999", "s.properties:1: retries: "
             "'99999999999999999999999' is out of range; allowed: 0 .. 2147483647");
    load_bad("retries=NaN", "s.properties:1: retries: 'NaN' is not an integer; allowed: 0 .. "
                            "2147483647");
    load_bad("retries=inf", "s.properties:1: retries: 'inf' is not an integer; allowed: 0 .. "
                            "2147483647");
    load_bad("retries=5x", "s.properties:1: retries: '5x' is not an integer; allowed: 0 .. "
                           "2147483647");
    load_bad("retries=1e3", "s.properties:1: retries: '1e3' is not an integer; allowed: 0 .. "
                            "2147483647");
    load_bad("retries=-", "s.properties:1: retries: '-' is not an integer; allowed: 0 .. "
                          "2147483647");
    load_bad("request.timeout.ms=1.5", "s.properties:1: request.timeout.ms: '1.5' is not an "
                                       "integer; allowed: 0 .. 2147483647");
    load_bad("max.in.flight.requests.per.connection=0", "s.properties:1: "
             "max.in.flight.requests.per.connection: '0' is out of range; allowed: 1 .. 1000");
    load_bad("num.brokers=17", "s.properties:1: num.brokers: '17' is out of range; allowed: 1 .. "
                               "16");
    load_bad("log.flush.interval.messages=9223372036854775808", "s.properties:1: "
             "log.flush.interval.messages: '9223372036854775808' is out of range; allowed: 1 .. "
             "9223372036854775807 (Long.MAX_VALUE: never)");
    CHECK_EQ(load_ok("log.flush.interval.messages=9223372036854775807").log_flush_interval_messages,
             INT64_MAX);
    CHECK_EQ(load_ok("log.flush.interval.messages=1").log_flush_interval_messages, 1);

    /* 64-bit unsigned keys. */
    CHECK(load_ok("sim.seed=18446744073709551615").seed == UINT64_MAX);
    load_bad("sim.seed=18446744073709551616", "s.properties:1: sim.seed: '18446744073709551616' "
             "is out of range; allowed: 0 .. 18446744073709551615");
    load_bad("sim.seed=-1", "s.properties:1: sim.seed: '-1' is out of range; allowed: 0 .. "
                            "18446744073709551615");
    load_bad("workload.records=100000001", "s.properties:1: workload.records: '100000001' is out"
             " of range; allowed: 0 .. 100000000");
    load_bad("sim.max.events=0", "s.properties:1: sim.max.events: '0' is out of range; allowed: "
                                 "1 .. 18446744073709551615");

    /* Durations in ms are stored in ns. */
    c = load_ok("linger.ms=20\nretry.backoff.ms=250\nsim.max.time.ms=1000");
    CHECK_EQ(c.linger_ns, 20 * MS);
    CHECK_EQ(c.retry_backoff_ns, 250 * MS);
    CHECK_EQ(c.time_max_ns, 1000 * MS);
}

static void test_decimal_ms(void) {
    config c = load_ok("network.latency.ms=0.5\nnetwork.jitter.ms=2.000125");
    CHECK_EQ(c.latency_ns, 500000);
    CHECK_EQ(c.jitter_ns, 2000125);
    CHECK_EQ(load_ok("network.latency.ms=0.000001").latency_ns, 1);
    CHECK_EQ(load_ok("network.latency.ms=3.0000000").latency_ns, 3 * MS);
    CHECK_EQ(load_ok("network.latency.ms=1000000").latency_ns, 1000000 * MS);
    CHECK_EQ(load_ok("network.latency.ms=0").latency_ns, 0);
    load_bad("network.latency.ms=0.0000001", "s.properties:1: network.latency.ms: '0.0000001' is "
             "out of range; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.latency.ms=1000000.5", "s.properties:1: network.latency.ms: '1000000.5' is "
             "out of range; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.latency.ms=-1", "s.properties:1: network.latency.ms: '-1' is not a decimal "
             "number; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.latency.ms=1.", "s.properties:1: network.latency.ms: '1.' is not a decimal "
             "number; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.latency.ms=.5", "s.properties:1: network.latency.ms: '.5' is not a decimal "
             "number; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.latency.ms=nan", "s.properties:1: network.latency.ms: 'nan' is not a "
             "decimal number; allowed: 0 .. 1000000 (decimals to 1 ns)");
    load_bad("network.jitter.ms=1e3", "s.properties:1: network.jitter.ms: '1e3' is not a decimal "
             "number; allowed: 0 .. 1000000 (decimals to 1 ns)");
}

static void test_duplicates_and_unknown(void) {
    config c = load_ok("acks=1\nenable.idempotence=false\nacks=all\nlinger.ms=5\nlinger.ms=9");
    CHECK_EQ(c.acks, -1);
    CHECK_EQ(c.linger_ns, 9 * MS);
    load_bad("\n\nackss=all", "s.properties:3: unknown key 'ackss' (did you mean 'acks'?)");
    load_bad("min.insync.replica=2", "s.properties:1: unknown key 'min.insync.replica' (did you "
             "mean 'min.insync.replicas'?)");
    load_bad("enable.idempotency=true", "s.properties:1: unknown key 'enable.idempotency' (did "
             "you mean 'enable.idempotence'?)");
    load_bad("linger=5", "s.properties:1: unknown key 'linger' (kafkasim config lists every "
                         "key)");
    load_bad("quux.frobnicate=lz4", "s.properties:1: unknown key 'quux.frobnicate' (kafkasim "
                                    "config lists every key)");
    /* Command-line arguments are named as such. */
    props p;
    char err[512];
    props_init(&p);
    CHECK_EQ(props_add_arg(&p, "acks=2", err, sizeof err), 0);
    config_defaults(&c, 0);
    CHECK_EQ(config_apply(&c, &p, err, sizeof err), -1);
    CHECK_STR(err, "argument: acks: '2' is not allowed; allowed: 0, 1, all (-1)");
    props_fini(&p);
}

static void test_cross_key_checks(void) {
    load_bad("num.brokers=2", "replication.factor=3 must be at most num.brokers=2");
    CHECK_EQ(load_ok("num.brokers=2\nreplication.factor=2").replication_factor, 2);
    /* Every release accepts min.insync.replicas > replication.factor at topic creation
     * (ProducerFailureHandlingTest.testNotEnoughReplicas at 3.6.0); the broker decides. */
    CHECK_EQ(load_ok("min.insync.replicas=4").min_insync_replicas, 4);
    CHECK_EQ(load_ok("kafka.version=3.6\nmin.insync.replicas=4").min_insync_replicas, 4);
    /* KIP-1030: segments of at least 1 MiB from 4.0. */
    CHECK_EQ(load_ok("log.segment.bytes=14").log_segment_bytes, 14);
    load_bad("kafka.version=4.0\nlog.segment.bytes=1048575", "log.segment.bytes=1048575: Kafka "
             "4.0 and later require at least 1048576 (KIP-1030)");
    CHECK_EQ(load_ok("kafka.version=4.3\nlog.segment.bytes=1048576").log_segment_bytes, 1048576);

    /* KafkaProducer.configureDeliveryTimeout. */
    CHECK_EQ(load_ok("delivery.timeout.ms=30000").delivery_timeout_ns, 30000 * MS);
    load_bad("delivery.timeout.ms=29999", "delivery.timeout.ms=29999 should be equal to or larger "
             "than linger.ms + request.timeout.ms (30000)");
    load_bad("delivery.timeout.ms=30004\nlinger.ms=5", "delivery.timeout.ms=30004 should be equal "
             "to or larger than linger.ms + request.timeout.ms (30005)");
    CHECK_EQ(load_ok("delivery.timeout.ms=30005\nlinger.ms=5").delivery_timeout_ns, 30005 * MS);
    /* A default that conflicts is raised silently. */
    CHECK_EQ(load_ok("request.timeout.ms=200000").delivery_timeout_ns, 200000 * MS);
    /* reconnect.backoff.ms is read (CommonClientConfigs: 50, atLeast(0)). */
    CHECK_EQ(load_ok("").reconnect_backoff_ns, 50 * MS);
    CHECK_EQ(load_ok("reconnect.backoff.ms=0").reconnect_backoff_ns, 0);
    CHECK_EQ(load_ok("reconnect.backoff.ms=7000").reconnect_backoff_ns, 7000 * MS);
    CHECK_EQ(load_ok("kafka.version=4.0\nrequest.timeout.ms=120000").delivery_timeout_ns,
             120005 * MS);
    /* Kafka caps linger.ms and the sum at Integer.MAX_VALUE ms; the raised default stays a
     * value delivery.timeout.ms accepts, and the printout reads back. */
    CHECK_EQ(load_ok("linger.ms=3339607008").delivery_timeout_ns, 2147483647 * MS);
    CHECK_EQ(load_ok("linger.ms=2147480000").delivery_timeout_ns, 2147483647 * MS);
    CHECK_EQ(load_ok("linger.ms=2147000000").delivery_timeout_ns, 2147030000 * MS);
    load_bad("linger.ms=9999999999\ndelivery.timeout.ms=2147483646", "delivery.timeout.ms="
             "2147483646 should be equal to or larger than linger.ms + request.timeout.ms "
             "(2147483647)");
    /* No delivery timeout before 2.1: the key is refused (issue 20), the bound is none. */
    load_bad("kafka.version=2.0\ndelivery.timeout.ms=10", "s.properties:2: delivery.timeout.ms: "
             "Kafka 2.0.0 has no such key; it came in 2.1 (KIP-91): set kafka.version=2.1 or "
             "later, or leave the key out");
    CHECK_EQ(load_ok("kafka.version=2.0").delivery_timeout_ns, 2147483647 * MS);

    /* retry.backoff.max.ms: raised to retry.backoff.ms unless set. */
    CHECK_EQ(load_ok("retry.backoff.ms=2000").retry_backoff_max_ns, 2000 * MS);
    config c = load_ok("retry.backoff.ms=2000\nretry.backoff.max.ms=500");
    CHECK_EQ(c.retry_backoff_max_ns, 500 * MS);
    CHECK_EQ(load_ok("kafka.version=3.6\nretry.backoff.ms=300").retry_backoff_max_ns, 300 * MS);
}

/* Keys by release: each version-dependent key names the release that brought it, and a
 * release that lacks a key refuses it (wherever kafka.version stands) and leaves it out of the
 * printout. */
static void test_keys_by_version(void) {
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    static const struct {
        const char *name;
        int since;
        const char *source;
    } want[] = {{"delivery.timeout.ms", 20100, "KIP-91"},
                {"retry.backoff.max.ms", 30700, "KIP-580"},
                {"producer.id.expiration.ms", 30400, "KIP-854"},
                {"broker.session.timeout.ms", 20800, "KIP-631"},
                {"acks", 0, ""},
                {"workload.records", 0, ""}};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        size_t i = 0;
        while (i < count && strcmp(keys[i].name, want[w].name) != 0) i++;
        CHECK(i < count);
        const char *source = NULL;
        CHECK_EQ(config_key_since(i, &source), want[w].since);
        CHECK_STR(source, want[w].source);
        CHECK(config_key_in_version(i, 40300));
        CHECK(config_key_in_version(i, 1100) == (want[w].since == 0));
    }
    load_bad("retry.backoff.max.ms=500\nkafka.version=3.6", "s.properties:1: retry.backoff.max.ms:"
             " Kafka 3.6.0 has no such key; it came in 3.7 (KIP-580): set kafka.version=3.7 or "
             "later, or leave the key out");
    CHECK_EQ(load_ok("kafka.version=3.7\nretry.backoff.max.ms=500").retry_backoff_max_ns, 500 * MS);
    config c = load_ok("kafka.version=1.0");
    FILE *f = tmpfile();
    config_write(&c, f);
    char text[4096] = "";
    rewind(f);
    CHECK(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    CHECK(strstr(text, "delivery.timeout.ms=") == NULL);
    CHECK(strstr(text, "retry.backoff.max.ms=") == NULL);
    CHECK_CONTAINS(text, "\nretry.backoff.ms=100\n");
    CHECK(!strstr(text, "workload.keys"));
    /* The defaults config_write leaves out are every release's defaults. */
    for (int v = 0; v < 3; v++) {
        config d;
        config_defaults(&d, v == 0 ? 11000 : v == 1 ? 20400 : 30900);
        char buf[64];
        for (size_t i = 0; i < count; i++)
            if (config_key_quiet_default(i))
                CHECK_STR(config_value_string(&d, i, buf, sizeof buf), config_key_quiet_default(i));
    }
    CHECK(!strstr(text, "partitioner."));
    config r;
    char err[512];
    CHECK_EQ(load(text, &r, err, sizeof err), 0);
    CHECK(config_hash(&r) == config_hash(&c));
    /* Set away from their defaults, they are written and change the hash. */
    config k = load_ok("workload.keys=12\npartitioner.ignore.keys=true\nworkload.producers=3\n"
                       "producer-3.acks=1\nproducer-2.linger.ms=7");
    FILE *kf = tmpfile();
    config_write(&k, kf);
    rewind(kf);
    char ktext[8192] = {0};
    CHECK(fread(ktext, 1, sizeof ktext - 1, kf) > 0);
    fclose(kf);
    CHECK_CONTAINS(ktext, "\nworkload.keys=12\n");
    CHECK_CONTAINS(ktext, "\npartitioner.ignore.keys=true\n");
    CHECK(!strstr(ktext, "partitioner.adaptive"));
    CHECK_CONTAINS(ktext, "\nworkload.producers=3\n");
    CHECK_CONTAINS(ktext, "\nproducer-3.acks=1\nproducer-2.linger.ms=7\n");
    /* Each producer's configuration: its own lines over the global keys. */
    config p2, p3;
    CHECK_EQ(config_for_producer(&k, 1, &p2, err, sizeof err), 0);
    CHECK_EQ(config_for_producer(&k, 2, &p3, err, sizeof err), 0);
    CHECK_EQ(p2.linger_ns, 7000000);
    CHECK_EQ(p2.acks, -1);
    CHECK_EQ(p3.acks, 1);
    CHECK_EQ(p3.enable_idempotence, 0); /* the default idempotence gives way to acks=1 */
    CHECK_EQ(k.acks, -1);
    config k2;
    CHECK_EQ(load(ktext, &k2, err, sizeof err), 0);
    CHECK(config_hash(&k2) == config_hash(&k));
    config plain = load_ok("");
    CHECK(config_hash(&k) != config_hash(&plain));
    /* partitioner.* came with 3.3 (KIP-794). */
    CHECK_EQ(load("kafka.version=3.2\npartitioner.ignore.keys=true", &k2, err, sizeof err), -1);
    CHECK_CONTAINS(err, "partitioner.ignore.keys");
}

/* consumer-<n>.<key>: one instance's consumer keys over the global ones, written and
 * replayed; bad lines refused with the key as written and what is allowed. */
static void test_consumer_overrides(void) {
    config k = load_ok("workload.consumers=3\nsession.timeout.ms=10000\n"
                       "consumer-2.max.poll.interval.ms=60000\nconsumer-3.enable.auto.commit=false\n"
                       "consumer-3.workload.processing.ms=2.5\nconsumer-2.max.poll.interval.ms=70000");
    CHECK_EQ(k.consumer_override_count, 3); /* the last line of a key wins */
    config own;
    char err[512];
    CHECK_EQ(config_for_consumer(&k, 0, &own, err, sizeof err), 0);
    CHECK_EQ(own.max_poll_interval_ns, 300000 * MS);
    CHECK(own.enable_auto_commit);
    CHECK_EQ(config_for_consumer(&k, 1, &own, err, sizeof err), 0);
    CHECK_EQ(own.max_poll_interval_ns, 70000 * MS);
    CHECK_EQ(own.session_timeout_ns, 10000 * MS);
    CHECK_EQ(config_for_consumer(&k, 2, &own, err, sizeof err), 0);
    CHECK(!own.enable_auto_commit);
    CHECK_EQ(own.processing_ns, 2500000);
    CHECK_EQ(k.max_poll_interval_ns, 300000 * MS); /* the world's keys stay */
    FILE *f = tmpfile();
    config_write(&k, f);
    rewind(f);
    char text[8192] = {0};
    CHECK(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    CHECK_CONTAINS(text, "\nconsumer-2.max.poll.interval.ms=70000\nconsumer-3.enable.auto.commit=false\n");
    config again;
    CHECK_EQ(load(text, &again, err, sizeof err), 0);
    CHECK(config_hash(&again) == config_hash(&k));
    config plain = load_ok("workload.consumers=3\nsession.timeout.ms=10000");
    CHECK(config_hash(&plain) != config_hash(&k));
    load_bad("workload.consumers=2\nconsumer-3.max.poll.interval.ms=1000",
             "s.properties:2: consumer-3.max.poll.interval.ms: workload.consumers is 2 (consumers 1 .. 2)");
    load_bad("consumer-1.max.poll.interval.ms=1000",
             "s.properties:1: consumer-1.max.poll.interval.ms: workload.consumers is 0 (no consumers)");
    load_bad("workload.consumers=2\nconsumer-8.session.timeout.ms=10000",
             "s.properties:2: consumer-8.session.timeout.ms: consumer-<n>.<key> names consumers 1 .. 7");
    load_bad_contains("workload.consumers=2\nconsumer-1.group.id=other",
                      "s.properties:2: consumer-1.group.id: 'group.id' is not a key one consumer "
                      "sets for itself; allowed: enable.auto.commit, ");
    load_bad_contains("workload.consumers=2\nconsumer-1.isolation.level=read_committed",
                      "'isolation.level' is not a key one consumer sets for itself");
    load_bad_contains("workload.consumers=2\nconsumer-2.max.poll.interval.ms=soon",
                      "s.properties:2: consumer-2.max.poll.interval.ms: 'soon' is not an integer");
    load_bad_contains("workload.consumers=2\nconsumer-2.heartbeat.interval.ms=50000",
                      "s.properties:2: consumer-2: heartbeat.interval.ms=50000 must be below "
                      "session.timeout.ms=45000");
    load_bad_contains("workload.consumers=2\nconsumer-1.heartbeat.interval.ms=500\nconsumer-1.session.timeout.ms=1000",
                      "consumer-1: session.timeout.ms=1000 is not within");
}

/* Kafka keys the model does not use are kept by name and change nothing; keys that would change
 * the answer are refused with the reason. */
static void test_not_modelled(void) {
    config plain = load_ok("acks=1");
    config c = load_ok("compression.type=lz4\nacks=1\nclient.id=a\nssl.keystore.type=JKS\n"
                       "compression.type=zstd");
    CHECK_EQ(c.not_modelled_count, 3);
    CHECK_STR(c.not_modelled[0], "compression.type");
    CHECK_STR(c.not_modelled[1], "client.id");
    CHECK_STR(c.not_modelled[2], "ssl.keystore.type");
    CHECK(config_hash(&c) == config_hash(&plain));
    load_bad("flush.messages=1", "s.properties:1: flush.messages: the topic-level name of "
             "log.flush.interval.messages: set that key");
    load_bad("ssl.=x", "s.properties:1: unknown key 'ssl.' (kafkasim config lists every key)");
    load_bad("compresion.type=lz4", "s.properties:1: unknown key 'compresion.type' (did you mean "
             "'compression.type'?)");
    bool found = false;
    const char *name;
    for (size_t i = 0; (name = config_not_modelled_key(i)) != NULL; i++)
        found = found || strcmp(name, "bootstrap.servers") == 0;
    CHECK(found);
}

static void test_idempotence(void) {
    const char *unsafe = "; sim.allow.unsafe.configs=true simulates it anyway";
    char want[512];
    snprintf(want, sizeof want, "acks=1: must be all (-1) to use the idempotent producer "
             "(enable.idempotence=true)%s", unsafe);
    load_bad("enable.idempotence=true\nacks=1", want);
    snprintf(want, sizeof want, "acks=0: must be all (-1) to use the idempotent producer "
             "(enable.idempotence=true)%s", unsafe);
    load_bad("kafka.version=2.8\nenable.idempotence=true\nacks=0", want);
    snprintf(want, sizeof want, "retries=0: must be non-zero to use the idempotent producer "
             "(enable.idempotence=true)%s", unsafe);
    load_bad("enable.idempotence=true\nretries=0", want);
    snprintf(want, sizeof want, "max.in.flight.requests.per.connection=6: must be at most 5 to "
             "use the idempotent producer (enable.idempotence=true)%s", unsafe);
    load_bad("enable.idempotence=true\nmax.in.flight.requests.per.connection=6", want);
    load_bad("kafka.version=1.0\nenable.idempotence=true\nmax.in.flight.requests.per.connection=6",
             want);
    /* 0.11 required a single request in flight. */
    snprintf(want, sizeof want, "max.in.flight.requests.per.connection=2: must be at most 1 to "
             "use the idempotent producer (enable.idempotence=true)%s", unsafe);
    load_bad("kafka.version=0.11\nenable.idempotence=true\nmax.in.flight.requests.per.connection=2",
             want);
    config c = load_ok("kafka.version=0.11\nenable.idempotence=true");
    CHECK_EQ(c.max_in_flight, 1);
    CHECK_EQ(c.acks, -1);
    CHECK_EQ(c.retries, 2147483647);
    CHECK(c.enable_idempotence);

    /* Before 3.0, explicit idempotence sets the keys the user left alone. */
    c = load_ok("kafka.version=2.0\nenable.idempotence=true");
    CHECK_EQ(c.acks, -1);
    CHECK_EQ(c.retries, 2147483647);
    CHECK_EQ(c.max_in_flight, 5);

    /* The what-if switch lets explicit idempotence run unsafely. */
    c = load_ok("enable.idempotence=true\nacks=1\nmax.in.flight.requests.per.connection=10\n"
                "sim.allow.unsafe.configs=true");
    CHECK(c.enable_idempotence);
    CHECK_EQ(c.acks, 1);
    CHECK_EQ(c.max_in_flight, 10);

    /* KAFKA-13673: a default idempotence is silently turned off by a conflicting key. */
    CHECK(!load_ok("acks=1").enable_idempotence);
    CHECK(!load_ok("retries=0").enable_idempotence);
    CHECK(!load_ok("max.in.flight.requests.per.connection=6").enable_idempotence);
    CHECK(load_ok("max.in.flight.requests.per.connection=5").enable_idempotence);
    CHECK(!load_ok("kafka.version=3.2\nacks=0").enable_idempotence);
    CHECK(!load_ok("enable.idempotence=false").enable_idempotence);
    CHECK(load_ok("enable.idempotence=false").idempotence_explicit);
}

static void test_faults(void) {
    config c = load_ok("fault.a=crash leader at 1s\nfault.b = partition producer -> leader at 2s "
                       "for 1s\nfault.a=crash follower at 3s");
    CHECK_EQ(c.fault_count, 2);
    CHECK_STR(c.faults[0].name, "a");
    CHECK_STR(c.faults[0].text, "crash follower at 3s");
    CHECK_EQ(c.faults[0].line, 3);
    CHECK_STR(c.faults[0].file, "s.properties");
    CHECK_STR(c.faults[1].name, "b");
    load_bad("acks=all\nfault.x=crash leader at 10", "s.properties:2: fault.x: expected a time "
             "with a unit (ns, us, ms, s, min, h)"
             " at word 4, got '10' (a time needs a unit, e.g. 1500ms)");
    load_bad("fault.=crash leader at 1s", "s.properties:1: fault.: a fault name is 1 to 31 "
             "letters, digits, '_', '-' or '.'");
    load_bad("fault.a/b=crash leader at 1s", "s.properties:1: fault.a/b: a fault name is 1 to 31 "
             "letters, digits, '_', '-' or '.'");
    load_bad("fault.far=crash broker-4 at 1s", "s.properties:1: fault.far: broker-4 does not exist"
             " (num.brokers=3)");
    CHECK_EQ(load_ok("num.brokers=4\nfault.far=crash broker-4 at 1s").fault_count, 1);
    char text[4096] = "";
    for (int i = 0; i <= CONFIG_FAULTS_MAX; i++) {
        char line[64];
        snprintf(line, sizeof line, "fault.f%d=crash leader at %ds\n", i, i);
        strcat(text, line);
    }
    load_bad(text, "s.properties:33: fault.f32: more than 32 faults");
    char longline[400] = "fault.long=crash leader at 1s for 1s";
    memset(longline + strlen(longline), ' ', 200);
    longline[399] = '\0';
    load_bad(longline, "s.properties:1: fault.long: the fault line is longer than 159 characters");
}

/* config_write prints every key of the release in table order, then faults; read back it is
 * the same. */
static void test_write_and_replay(void) {
    config c = load_ok("kafka.version=3.0.0\nacks=1\nnetwork.latency.ms=0.25\nlinger.ms=3\n"
                       "fault.x=drop responses leader -> producer p=0.5 from 1s to 2s\n"
                       "sim.seed=42");
    FILE *f = tmpfile();
    config_write(&c, f);
    long size = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    CHECK_EQ(fread(text, 1, (size_t)size, f), size);
    fclose(f);
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    CHECK_EQ(count, 92);
    size_t consumers_first = count, consumers_last = count; /* the consumers' block (issue 19) */
    for (size_t i = 0; i < count; i++) {
        if (strcmp(keys[i].name, "workload.consumers") == 0) consumers_first = i;
        if (strcmp(keys[i].name, "offsets.commit.timeout.ms") == 0) consumers_last = i;
    }
    CHECK(consumers_first < consumers_last && consumers_last < count);
    const char *line = text;
    for (size_t i = 0; i < count; i++) {
        if (!config_key_in_version(i, c.kafka_version)) continue; /* 3.0 has no 3.4+ keys */
        /* The keys of consumers too, a block of the table (issue 19). */
        if (i >= consumers_first && i <= consumers_last) continue;
        /* The second wave's keys are written only away from their defaults. */
        if (strcmp(keys[i].name, "workload.keys") == 0 ||
            strcmp(keys[i].name, "workload.producers") == 0)
            continue;
        /* So are the keys of transactions (issue 18). */
        if (strstr(keys[i].name, "transaction") || strcmp(keys[i].name, "isolation.level") == 0 ||
            strcmp(keys[i].name, "max.block.ms") == 0)
            continue;
        size_t n = strlen(keys[i].name);
        CHECK(strncmp(line, keys[i].name, n) == 0 && line[n] == '=');
        line = strchr(line, '\n') + 1;
    }
    CHECK_STR(line, "fault.x=drop responses leader -> producer p=0.5 from 1s to 2s\n");
    CHECK_CONTAINS(text, "\nacks=1\n");
    CHECK_CONTAINS(text, "kafka.version=3.0.0\n");
    CHECK_CONTAINS(text, "\nnetwork.latency.ms=0.25\n");
    CHECK_CONTAINS(text, "\nenable.idempotence=false\n");
    CHECK_CONTAINS(text, "\nlog.flush.interval.messages=9223372036854775807\n");

    config r;
    char err[512];
    CHECK_EQ(load(text, &r, err, sizeof err), 0);
    CHECK(config_hash(&r) == config_hash(&c));
    CHECK_EQ(r.latency_ns, 250000);
    CHECK_EQ(r.seed, 42);
    r.seed = 43;
    CHECK(config_hash(&r) != config_hash(&c));
    free(text);

    /* Every version's defaults replay to the same configuration. */
    static const char *const versions[] = {"0.11", "1.0", "2.0", "2.1", "2.8", "3.0.0", "3.1.0",
                                           "3.2", "3.7", "3.9", "4.0"};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        char in[64];
        snprintf(in, sizeof in, "kafka.version=%s", versions[i]);
        c = load_ok(in);
        f = tmpfile();
        config_write(&c, f);
        size = ftell(f);
        rewind(f);
        text = calloc(1, (size_t)size + 1);
        CHECK_EQ(fread(text, 1, (size_t)size, f), size);
        fclose(f);
        CHECK_EQ(load(text, &r, err, sizeof err), 0);
        CHECK(config_hash(&r) == config_hash(&c));
        free(text);
    }

    /* The order config.c's checks rely on (its enum of key indexes). */
    static const char *const first[] = {"kafka.version", "acks", "enable.idempotence",
                                        "max.in.flight.requests.per.connection", "retries",
                                        "retry.backoff.ms", "retry.backoff.max.ms",
                                        "request.timeout.ms", "delivery.timeout.ms"};
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) CHECK_STR(keys[i].name, first[i]);

    /* The table: every row documented. */
    for (size_t i = 0; i < count; i++) {
        CHECK(keys[i].name && keys[i].unit && keys[i].allowed && keys[i].meaning);
        CHECK(strlen(keys[i].allowed) > 0);
        CHECK(strlen(keys[i].meaning) > 10);
    }
    char value[64];
    config_defaults(&c, 0);
    CHECK_STR(config_value_string(&c, 1, value, sizeof value), "all");
}

/* kafka.metadata.mode by version (KIP-500, KIP-833): ZooKeeper only before 2.8, both from 2.8
 * to 3.9 (KRaft the default from 3.3, when it became production-ready), KRaft only from 4.0;
 * the session that decides a broker's death follows the mode; the rebalance keys. */
static void test_metadata_mode(void) {
    config c = load_ok("");
    CHECK_EQ(c.metadata_mode, CONFIG_METADATA_KRAFT);
    CHECK_EQ(config_session_timeout_ns(&c), 9000 * MS);
    CHECK(c.auto_leader_rebalance);
    CHECK_EQ(c.leader_imbalance_check_interval_ns, 300000 * MS);
    CHECK_EQ(c.leader_imbalance_per_broker_percentage, 10);
    CHECK_EQ(c.broker_request_timeout_ns, 30000 * MS);
    CHECK_EQ(load_ok("kafka.version=3.2").metadata_mode, CONFIG_METADATA_ZOOKEEPER);
    CHECK_EQ(load_ok("kafka.version=3.3").metadata_mode, CONFIG_METADATA_KRAFT);
    c = load_ok("kafka.version=2.8");
    CHECK_EQ(c.metadata_mode, CONFIG_METADATA_ZOOKEEPER);
    CHECK_EQ(config_session_timeout_ns(&c), 18000 * MS);
    config old = load_ok("kafka.version=2.4");
    CHECK_EQ(config_session_timeout_ns(&old), 6000 * MS);
    CHECK_EQ(load_ok("kafka.version=2.8\nkafka.metadata.mode=kraft").metadata_mode,
             CONFIG_METADATA_KRAFT);
    CHECK_EQ(load_ok("kafka.version=3.9\nkafka.metadata.mode=zookeeper").metadata_mode,
             CONFIG_METADATA_ZOOKEEPER);
    CHECK_EQ(load_ok("leader.imbalance.check.interval.seconds=5").leader_imbalance_check_interval_ns,
             5000 * MS);
    load_bad("kafka.version=4.0\nkafka.metadata.mode=zookeeper",
             "kafka.metadata.mode=zookeeper: Kafka 4.0.0 runs KRaft only (ZooKeeper mode ended "
             "with 3.9)");
    load_bad("kafka.version=2.7\nkafka.metadata.mode=kraft",
             "kafka.metadata.mode=kraft: Kafka 2.7.0 runs ZooKeeper only (KRaft came with 2.8)");
    load_bad("kafka.metadata.mode=zk",
             "s.properties:1: kafka.metadata.mode: 'zk' is not allowed; allowed: kraft, zookeeper "
             "(zookeeper to 3.9, kraft from 2.8)");
    load_bad("leader.imbalance.check.interval.seconds=0",
             "s.properties:1: leader.imbalance.check.interval.seconds: '0' is out of range; "
             "allowed: 1 .. 1000000000");
    /* It prints and reads back. */
    char buf[64];
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(keys[i].name, "kafka.metadata.mode") == 0)
            CHECK_STR(config_value_string(&c, i, buf, sizeof buf), "zookeeper");
        if (strcmp(keys[i].name, "leader.imbalance.check.interval.seconds") == 0)
            CHECK_STR(config_value_string(&c, i, buf, sizeof buf), "300");
    }
}

/* workload.topics and the topic-level overrides (Kafka's topic configs num.partitions,
 * replication.factor, min.insync.replicas under topic.<name>.): resolved per topic, refused
 * with the key and what is allowed, written back so that a run replays. */
static void test_topics(void) {
    config c = load_ok("");
    CHECK_EQ(c.topics.topic_count, 1);
    CHECK_STR(c.topics.topics[0].name, "orders");
    CHECK_EQ(c.topics.partition_count, 1);
    CHECK_EQ(c.topics.topics[0].replication_factor, 3);
    CHECK_EQ(c.topics.topics[0].min_insync_replicas, 1);
    c = load_ok("min.insync.replicas=2\nreplication.factor=2\n"
                "topic.orders.min.insync.replicas=1\nworkload.topics= pay , orders");
    CHECK_EQ(c.topics.topic_count, 2);
    CHECK_STR(c.topics.topics[0].name, "pay");
    CHECK_EQ(c.topics.topics[0].min_insync_replicas, 2);
    CHECK_EQ(c.topics.topics[1].min_insync_replicas, 1); /* set before the list: still applies */
    CHECK_EQ(c.topics.topics[1].replication_factor, 2);
    /* The partition table: topics in order, then partition numbers. */
    char text[600];
    snprintf(text, sizeof text, "workload.topics=orders,pay\nnum.partitions=12\n"
             "topic.pay.num.partitions=1\ntopic.pay.replication.factor=1\n");
    c = load_ok(text);
    CHECK_EQ(c.topics.partition_count, 13);
    CHECK_EQ(c.topics.topics[1].first, 12);
    CHECK_EQ(c.topics.topics[1].replication_factor, 1);
    CHECK_EQ(c.topics.topics[0].replication_factor, 3);

    load_bad_contains("topic.pay.num.partitions=2", "topic.pay.num.partitions: names a topic that is not in "
             "workload.topics; allowed: a topic of workload.topics (orders) or the output topic "
             "(workload.output=output)");
    load_bad_contains("topic.orders.retention.ms=2", "topic.orders.retention.ms: unknown topic key; allowed: "
             "topic.<name>.num.partitions, topic.<name>.replication.factor, "
             "topic.<name>.min.insync.replicas");
    load_bad_contains("topic.orders.num.partitions=0", "topic.orders.num.partitions: '0' is not allowed; "
             "allowed: 1 .. 1024");
    load_bad_contains("topic.orders.replication.factor=17", "topic.orders.replication.factor: '17' is not "
             "allowed; allowed: 1 .. 16");
    load_bad_contains("topic.orders.replication.factor=4", "topic.orders.replication.factor=4 must be at "
             "most num.brokers=3");
    load_bad_contains("workload.topics=orders,a b", "workload.topics: 'orders,a b' names a topic Kafka "
             "would refuse");
    load_bad_contains("workload.topics=orders,,pay", "names a topic Kafka would refuse");
    load_bad_contains("workload.topics=orders,orders", "names a topic twice");
    load_bad_contains("workload.topics=..", "names a topic Kafka would refuse");
    load_bad_contains("num.partitions=1025", "num.partitions: '1025' is out of range; allowed: 1 .. 1024");
    load_bad_contains("workload.topics=a,b\nnum.partitions=513", "num.partitions=513 with 2 topics "
             "(workload.topics): the topics hold more than 1024 partitions");

    /* config_write: the list as a key, each override as its own line, replayable. */
    c = load_ok("workload.topics=orders,pay.v2\ntopic.pay.v2.min.insync.replicas=2\n"
                "topic.orders.replication.factor=2");
    FILE *f = tmpfile();
    config_write(&c, f);
    long size = ftell(f);
    rewind(f);
    char *written = calloc(1, (size_t)size + 1);
    CHECK_EQ(fread(written, 1, (size_t)size, f), size);
    fclose(f);
    CHECK_CONTAINS(written, "\nworkload.topics=orders,pay.v2\n");
    CHECK_CONTAINS(written, "\nnum.partitions=1\n");
    CHECK_CONTAINS(written, "\ntopic.orders.replication.factor=2\n"
                            "topic.pay.v2.min.insync.replicas=2\n");
    config r;
    char err[512];
    CHECK_EQ(load(written, &r, err, sizeof err), 0);
    CHECK(config_hash(&r) == config_hash(&c));
    CHECK_EQ(r.topics.topics[1].min_insync_replicas, 2);
    free(written);
    c.topic_overrides[1].min_insync_replicas = 3;
    CHECK(config_hash(&r) != config_hash(&c));

    /* The output topic's own values: topic.<workload.output>.*, wherever workload.output stands. */
    c = load_ok("workload.consumers=2\nnum.partitions=2\ntopic.out.replication.factor=2\n"
                "topic.out.min.insync.replicas=2\ntopic.out.num.partitions=3\nworkload.output=out");
    CHECK_EQ(c.topics.output_partitions, 3);
    CHECK_STR(c.topics.topics[1].name, "out");
    CHECK_EQ(c.topics.topics[1].first, 2);
    CHECK_EQ(c.topics.topics[1].replication_factor, 2);
    CHECK_EQ(c.topics.topics[1].min_insync_replicas, 2);
    CHECK_EQ(c.topics.topics[0].replication_factor, 3);
    f = tmpfile();
    config_write(&c, f);
    size = ftell(f);
    rewind(f);
    written = calloc(1, (size_t)size + 1);
    CHECK_EQ(fread(written, 1, (size_t)size, f), size);
    fclose(f);
    CHECK_CONTAINS(written, "\ntopic.out.num.partitions=3\ntopic.out.replication.factor=2\n"
                            "topic.out.min.insync.replicas=2\n");
    CHECK_EQ(load(written, &r, err, sizeof err), 0);
    CHECK(config_hash(&r) == config_hash(&c));
    free(written);
    c = load_ok("workload.consumers=1");
    CHECK_EQ(c.topics.topics[1].replication_factor, 3); /* the global keys without overrides */
    load_bad_contains("workload.consumers=1\ntopic.output.replication.factor=4",
                      "topic.output.replication.factor=4 must be at most num.brokers=3");
    load_bad_contains("topic.output.replication.factor=2", "topic.output.*: the output topic "
                      "(workload.output) exists only with workload.consumers > 0");
    load_bad_contains("workload.consumers=1\ntopic.outputs.num.partitions=2", "topic.outputs.num."
                      "partitions: names a topic that is not in workload.topics; allowed: a topic "
                      "of workload.topics (orders) or the output topic (workload.output=output)");
}

/* Transactions (issue 18): keys, the world's transactional ids and their __transaction_state
 * partitions, quiet writing. */
static void test_transactions(void) {
    /* Java's String.hashCode: "hello".hashCode() == 99162322, "".hashCode() == 0, and a string
     * whose hash overflows int ("polygenelubricants" hashes to Integer.MIN_VALUE). */
    CHECK_EQ(config_java_string_hash("hello"), 99162322);
    CHECK_EQ(config_java_string_hash(""), 0);
    CHECK_EQ(config_java_string_hash("polygenelubricants"), INT32_MIN);
    config plain = load_ok("");
    CHECK_EQ(plain.txn_id_count, 0);
    CHECK(!config_transactional(&plain));
    CHECK_EQ(plain.topics.workload_partitions, 1);
    CHECK_EQ(plain.producer_txn[0], -1);
    load_bad_contains("transactional.id=a b", "transactional.id: 'a b' is not allowed");
    load_bad_contains("isolation.level=committed", "isolation.level: 'committed' is not allowed");
    load_bad_contains("workload.transaction.abort.ratio=1.5", "is out of range");
    load_bad_contains("workload.topics=__transaction_state", "names an internal topic");
    load_bad_contains("kafka.version=3.9\ntransaction.version=1", "transaction.version");
    /* The keys at their defaults leave the text and the hash alone. */
    config quiet = load_ok("transaction.timeout.ms=60000\nisolation.level=read_uncommitted\n"
                           "workload.transaction.records=100\nkafka.version=4.0\n"
                           "transaction.version=2");
    config v40 = load_ok("kafka.version=4.0");
    CHECK(config_hash(&quiet) == config_hash(&v40));
    config ratio = load_ok("workload.transaction.abort.ratio=0.25\nisolation.level=read_committed");
    CHECK_EQ(ratio.transaction_abort_ppm, 250000);
    CHECK_EQ(ratio.isolation_level, CONFIG_READ_COMMITTED);
    CHECK(config_hash(&ratio) != config_hash(&plain));
    /* "app".hashCode() = 96801: partition 1 of 50, after the workload's 6. */
    config c = load_ok("transactional.id=app\nnum.partitions=6");
    CHECK_EQ(c.txn_id_count, 1);
    CHECK_STR(c.txn_ids[0], "app");
    CHECK_EQ(c.producer_txn[0], 0);
    CHECK(c.enable_idempotence);
    CHECK_EQ(c.topics.topic_count, 2);
    CHECK_EQ(c.topics.workload_topics, 1);
    CHECK_EQ(c.topics.workload_partitions, 6);
    CHECK_EQ(c.topics.partition_count, 56);
    CHECK_STR(c.topics.topics[1].name, "__transaction_state");
    CHECK(c.topics.topics[1].internal);
    CHECK_EQ(c.topics.topics[1].min_insync_replicas, 2);
    CHECK_EQ(c.txn_partition[0], 6 + 96801 % 50);
    CHECK(topic_table_internal(&c.topics, 6) && !topic_table_internal(&c.topics, 5));
    /* Several producers: <id>-<k>, unless an override shares one. */
    c = load_ok("transactional.id=app\nworkload.producers=3\nproducer-3.transactional.id=app-1");
    CHECK_EQ(c.txn_id_count, 2);
    CHECK_STR(c.txn_ids[0], "app-1");
    CHECK_STR(c.txn_ids[1], "app-2");
    CHECK_EQ(c.producer_txn[2], 0);
    config own;
    char err[512];
    CHECK_EQ(config_for_producer(&c, 1, &own, err, sizeof err), 0);
    CHECK_STR(own.transactional_id, "app-2");
    CHECK_EQ(own.topics.partition_count, c.topics.partition_count);
    CHECK_EQ(config_for_producer(&c, 2, &own, err, sizeof err), 0);
    CHECK_STR(own.transactional_id, "app-1");
    /* Written, read back, the same world. */
    FILE *f = tmpfile();
    config_write(&c, f);
    long size = ftell(f);
    rewind(f);
    char *written = calloc(1, (size_t)size + 1);
    CHECK_EQ(fread(written, 1, (size_t)size, f), size);
    fclose(f);
    CHECK_CONTAINS(written, "\ntransactional.id=app\n");
    CHECK(strstr(written, "__transaction_state") == NULL);
    config r;
    CHECK_EQ(load(written, &r, err, sizeof err), 0);
    CHECK(config_hash(&r) == config_hash(&c));
    CHECK_EQ(r.topics.partition_count, c.topics.partition_count);
    free(written);
    load_bad_contains("transactional.id=a\nenable.idempotence=false",
                      "without also enabling idempotence");
    load_bad_contains("transactional.id=a\nacks=1", "acks=1: must be all");
    load_bad_contains("transactional.id=a\nnum.brokers=2\nreplication.factor=2",
                      "transaction.state.log.replication.factor=3");
    load_bad_contains("transactional.id=a\ntransaction.timeout.ms=900001", "INVALID_TRANSACTION_TIMEOUT");
    load_bad_contains("transactional.id=a\ntransaction.timeout.ms=0", "INVALID_TRANSACTION_TIMEOUT");
    /* A producer's own keys are checked without the world's fault lines, which its partial
     * tables could not resolve (coordinator of an id only producer-2 has). */
    load_ok("producer-1.linger.ms=5\nworkload.producers=2\nproducer-2.transactional.id=foo\n"
            "fault.c=crash coordinator of foo at 1s");
    load_ok("transactional.id=a\nkafka.version=4.0\ntransaction.version=1");
    /* Transaction version 2 (KIP-890 part 2): 4.0's default, with a transactional id too. */
    config tv2 = load_ok("transactional.id=a\nkafka.version=4.0");
    CHECK_EQ(tv2.transaction_version, 2);
    CHECK_EQ(tv2.txn_id_count, 1);
    config tv1 = load_ok("transactional.id=a\nkafka.version=4.0\ntransaction.version=1");
    CHECK(config_hash(&tv1) != config_hash(&tv2));
    load_bad_contains("transactional.id=a\nkafka.version=3.9\ntransaction.version=2",
                      "transaction.version");
}

/* The keys of consumers (issue 19): defaults by version, words, checks across keys, the
 * topics they add; quiet at their defaults; exactly-once is refused until the instances'
 * transactional output exists. */
static void test_consumers(void) {
    config c = load_ok("");
    CHECK_EQ(c.consumers, 0);
    CHECK_EQ(c.pipeline, CONFIG_PIPELINE_AT_LEAST_ONCE);
    CHECK_EQ(c.sink, CONFIG_SINK_NONE);
    CHECK_STR(c.group_id, "group");
    CHECK(c.enable_auto_commit);
    CHECK_EQ(c.auto_commit_interval_ns, 5000 * MS);
    CHECK_EQ(c.session_timeout_ns, 45000 * MS);
    CHECK_EQ(c.assignment_strategy, CONFIG_ASSIGN_RANGE_COOPERATIVE);
    CHECK_EQ(c.topics.output_partitions, 0);
    CHECK_EQ(c.topics.topic_count, 1); /* no output topic, no __consumer_offsets */
    c = load_ok("kafka.version=2.8\nworkload.sink=external-dedup\nauto.offset.reset=earliest\n"
                "partition.assignment.strategy=range, cooperative-sticky\nworkload.pipeline=at-most-once");
    CHECK_EQ(c.session_timeout_ns, 10000 * MS);
    CHECK_EQ(c.sink, CONFIG_SINK_EXTERNAL_DEDUP);
    CHECK_EQ(c.auto_offset_reset, CONFIG_RESET_EARLIEST);
    CHECK_EQ(c.assignment_strategy, CONFIG_ASSIGN_RANGE_COOPERATIVE);
    CHECK_EQ(c.pipeline, CONFIG_PIPELINE_AT_MOST_ONCE);
    char buf[CONFIG_VALUE_MAX];
    size_t count = 0;
    const config_key *keys = config_keys(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(keys[i].name, "workload.sink") == 0)
            CHECK_STR(config_value_string(&c, i, buf, sizeof buf), "external-dedup");
    load_bad("workload.sink=kafka", "s.properties:1: workload.sink: 'kafka' is not allowed; allowed: none, external, external-dedup");
    load_bad_contains("group.id=a/b", "group.id: 'a/b' is not allowed");
    load_bad_contains("workload.consumers=8", "workload.consumers: '8' is out of range");
    load_bad_contains("workload.consumers=2\nheartbeat.interval.ms=45000",
                      "heartbeat.interval.ms=45000 must be below session.timeout.ms=45000");
    load_bad_contains("workload.consumers=2\nsession.timeout.ms=5000",
                      "INVALID_SESSION_TIMEOUT");
    load_bad_contains("workload.consumers=2\noffsets.topic.replication.factor=4",
                      "offsets.topic.replication.factor=4 with num.brokers=3");
    load_bad_contains("workload.consumers=2\nworkload.output=orders", "workload.output=orders");
    load_bad_contains("workload.consumers=2\nnum.partitions=97",
                      "workload.consumers=2 with 97 workload partitions");
    config big = load_ok("workload.consumers=2\nnum.partitions=96");
    CHECK_EQ(big.topics.workload_partitions, 96);
    c = load_ok("workload.consumers=2\nworkload.sink=external\noffsets.topic.num.partitions=4");
    CHECK_EQ(c.consumers, 2);
    CHECK_EQ(c.topics.topic_count, 3); /* orders, output, __consumer_offsets */
    /* exactly-once: each instance's producer gets <group.id>-consumer-<k> after the workload
     * producers' ids; auto commit off, read_committed unless set; refusals. */
    c = load_ok("workload.consumers=3\nworkload.pipeline=exactly-once\ngroup.id=app\n"
                "transactional.id=in");
    CHECK_EQ(c.txn_id_count, 4);
    CHECK_STR(c.txn_ids[0], "in");
    CHECK_EQ(c.consumer_txn[0], 1);
    CHECK_STR(c.txn_ids[c.consumer_txn[2]], "app-consumer-3");
    CHECK_EQ(c.consumer_txn[3], -1);
    CHECK(!c.enable_auto_commit);
    CHECK_EQ(c.isolation_level, CONFIG_READ_COMMITTED);
    c = load_ok("workload.consumers=2\nworkload.pipeline=exactly-once\n"
                "isolation.level=read_uncommitted");
    CHECK_EQ(c.isolation_level, CONFIG_READ_UNCOMMITTED);
    CHECK_EQ(c.producer_txn[0], -1);
    c = load_ok("workload.consumers=2\nworkload.pipeline=at-least-once");
    CHECK_EQ(c.txn_id_count, 0);
    CHECK_EQ(c.consumer_txn[0], -1);
    load_bad_contains("workload.consumers=2\nworkload.pipeline=exactly-once\n"
                      "enable.auto.commit=true",
                      "enable.auto.commit=true with workload.pipeline=exactly-once");
    load_bad_contains("workload.consumers=2\nworkload.pipeline=exactly-once\nkafka.version=2.4",
                      "needs kafka.version 2.5");
    load_bad_contains("workload.consumers=2\nworkload.pipeline=exactly-once\n"
                      "transactional.id=group-consumer-2",
                      "is both a workload producer's and consumer-2's");
    /* The defaults of every consumer key leave the configuration's text and hash alone. */
    config a = load_ok(""), b = load_ok("group.id=group\nmax.poll.records=500\nworkload.sink=none");
    CHECK_EQ(config_hash(&a), config_hash(&b));
    b = load_ok("max.poll.records=10");
    CHECK(config_hash(&a) != config_hash(&b));
    test_consumer_overrides();
}

int main(void) {
    test_consumers();
    test_transactions();
    test_topics();
    test_metadata_mode();
    test_defaults_by_version();
    test_versions();
    test_values();
    test_decimal_ms();
    test_duplicates_and_unknown();
    test_cross_key_checks();
    test_keys_by_version();
    test_not_modelled();
    test_idempotence();
    test_faults();
    test_write_and_replay();
    return test_result("test_config");
}
