/*
 * test_fault_parse.c: every form of the fault language, its defaults, its fixed-point numbers,
 * and the message of every way a line can go wrong.
 */
#include <string.h>

#include "fault_parse.h"
#include "test.h"

#define MS ((int64_t)1000000)
#define S ((int64_t)1000000000)
#define NODES                                                                                 \
    "expected a node (leader, follower, leader of <topic>-<p>, broker-<n>, producer, producer-<n>, " \
    "controller, coordinator, coordinator of <transactional.id>, consumer-<n>, " \
    "consumer of <topic>-<p>, group-coordinator)"

static fault_spec parse_ok(const char *text) {
    fault_spec f;
    char err[256] = "";
    memset(&f, 0xab, sizeof f);
    int rc = fault_parse(text, &f, err, sizeof err);
    if (rc != 0) fprintf(stderr, "unexpected error for '%s': %s\n", text, err);
    CHECK_EQ(rc, 0);
    return f;
}

/* Checks that text fails with exactly want. */
static void parse_bad(const char *text, const char *want) {
    fault_spec f;
    char err[512] = "";
    CHECK_EQ(fault_parse(text, &f, err, sizeof err), -1);
    CHECK_STR(err, want);
}

static void test_crash(void) {
    fault_spec f = parse_ok("crash leader at 10s");
    CHECK_EQ(f.kind, FAULT_CRASH);
    CHECK_EQ(f.a.kind, FAULT_TARGET_LEADER);
    CHECK_EQ(f.at_ns, 10 * S);
    CHECK_EQ(f.for_ns, -1);
    CHECK(!f.on_step);

    f = parse_ok("  crash   broker-3 at 1.5s for 250ms  ");
    CHECK_EQ(f.a.kind, FAULT_TARGET_BROKER);
    CHECK_EQ(f.a.broker, 3);
    CHECK_EQ(f.at_ns, 1500 * MS);
    CHECK_EQ(f.for_ns, 250 * MS);

    /* Minutes and hours, as a pasted operations runbook writes them (issue 21). */
    f = parse_ok("crash leader at 3min for 1.5h");
    CHECK_EQ(f.at_ns, 180 * S);
    CHECK_EQ(f.for_ns, 5400 * S);
    f = parse_ok("crash leader at 0.5min");
    CHECK_EQ(f.at_ns, 30 * S);
    /* Nine decimals of an hour: fraction * unit would pass INT64_MAX (found by fuzz_fault). */
    f = parse_ok("crash leader at 0.020000000h");
    CHECK_EQ(f.at_ns, 72 * S);
    f = parse_ok("crash leader at 0.000000001h");
    CHECK_EQ(f.at_ns, 3600);
    f = parse_ok("crash leader at 1.000001ms");
    CHECK_EQ(f.at_ns, 1000001);
    f = parse_ok("crash leader at 0.999999999h");
    CHECK_EQ(f.at_ns, 3599999996400LL);
    /* The same reader, exported for the swarm's shrinker (fault_parse.h). */
    int64_t ns = 0;
    const char *why = "unset";
    CHECK_EQ(fault_time_parse("0.999999999h", 12, &ns, &why), 0);
    CHECK_EQ(ns, 3599999996400LL);
    CHECK(why == NULL);
    CHECK_EQ(fault_time_parse("1.5sx", 4, &ns, NULL), 0); /* only len bytes are read */
    CHECK_EQ(ns, 1500 * MS);
    CHECK_EQ(fault_time_parse("10", 2, &ns, &why), -1);
    CHECK_STR(why, "a time needs a unit, e.g. 1500ms");
    CHECK_EQ(fault_time_parse("0.5ns", 5, &ns, &why), -1);
    CHECK_STR(why, "finer than 1 ns");
    CHECK_EQ(fault_time_parse("3days", 5, &ns, &why), -1);
    CHECK_STR(why, "unknown unit");
    CHECK_EQ(fault_time_parse("ms", 2, &ns, &why), -1);
    CHECK(why == NULL);

    f = parse_ok("crash follower on follower.fetch");
    CHECK_EQ(f.a.kind, FAULT_TARGET_FOLLOWER);
    CHECK(f.on_step);
    CHECK_EQ(f.step, STEP_FOLLOWER_FETCH);
    CHECK_EQ(f.step_n, 1);
    CHECK_EQ(f.at_ns, 0);
    CHECK_EQ(f.for_ns, -1);

    f = parse_ok("crash leader on leader.append n=3 for 5s");
    CHECK_EQ(f.step, STEP_LEADER_APPEND);
    CHECK_EQ(f.step_n, 3);
    CHECK_EQ(f.for_ns, 5 * S);

    f = parse_ok("crash leader on leader.hw-advance n=4294967295");
    CHECK_EQ(f.step, STEP_LEADER_HW_ADVANCE);
    CHECK_EQ(f.step_n, 4294967295u);
    CHECK_EQ(parse_ok("crash producer on producer.send").step, STEP_PRODUCER_SEND);
    CHECK_EQ(parse_ok("crash producer on producer.ack").a.kind, FAULT_TARGET_PRODUCER);
    CHECK_EQ(parse_ok("crash controller at 0ns").a.kind, FAULT_TARGET_CONTROLLER);
    CHECK_EQ(parse_ok("crash broker-16 at 0s").a.broker, 16);
}

static void test_other_forms(void) {
    fault_spec f = parse_ok("pause broker-2 at 3s for 20s");
    CHECK_EQ(f.kind, FAULT_PAUSE);
    CHECK_EQ(f.a.broker, 2);
    CHECK_EQ(f.at_ns, 3 * S);
    CHECK_EQ(f.for_ns, 20 * S);

    f = parse_ok("partition leader follower at 1s for 2s");
    CHECK_EQ(f.kind, FAULT_PARTITION);
    CHECK(!f.one_way);
    CHECK_EQ(f.a.kind, FAULT_TARGET_LEADER);
    CHECK_EQ(f.b.kind, FAULT_TARGET_FOLLOWER);

    f = parse_ok("partition producer -> leader at 1s for 2s");
    CHECK(f.one_way);
    CHECK_EQ(f.a.kind, FAULT_TARGET_PRODUCER);
    CHECK_EQ(f.b.kind, FAULT_TARGET_LEADER);
    /* "->" is its own word even against a name. */
    f = parse_ok("partition broker-1->broker-2 at 1s for 2s");
    CHECK(f.one_way);
    CHECK_EQ(f.a.broker, 1);
    CHECK_EQ(f.b.broker, 2);

    f = parse_ok("drop responses leader -> producer p=0.05");
    CHECK_EQ(f.kind, FAULT_DROP);
    CHECK(f.responses);
    CHECK_EQ(f.ppm, 50000);
    CHECK_EQ(f.from_ns, 0);
    CHECK_EQ(f.to_ns, INT64_MAX);

    /* break: the grammar of drop, its own kind (issue 16.7). */
    f = parse_ok("break responses leader -> producer p=0.05 from 1s to 2s");
    CHECK_EQ(f.kind, FAULT_BREAK);
    CHECK(f.responses);
    CHECK_EQ(f.ppm, 50000);
    CHECK_EQ(f.from_ns, 1 * S);
    CHECK_EQ(f.to_ns, 2 * S);
    parse_bad("break responses leader -> producer", "expected a probability p=<0..1>, e.g. p=0.05 "
                                                    "at word 6, got the end of the line");

    f = parse_ok("drop requests producer -> broker-1 p=1 from 2s to 3.25s");
    CHECK(!f.responses);
    CHECK_EQ(f.ppm, 1000000);
    CHECK_EQ(f.from_ns, 2 * S);
    CHECK_EQ(f.to_ns, 3250 * MS);
    CHECK_EQ(parse_ok("drop requests producer -> leader p=0").ppm, 0);
    CHECK_EQ(parse_ok("drop requests producer -> leader p=0.000001").ppm, 1);
    CHECK_EQ(parse_ok("drop requests producer -> leader p=0.2500000").ppm, 250000);
    CHECK_EQ(parse_ok("drop requests producer -> leader p=1.000").ppm, 1000000);

    f = parse_ok("delay requests follower -> leader by 300ms from 0s to 1s");
    CHECK_EQ(f.kind, FAULT_DELAY);
    CHECK_EQ(f.delay_ns, 300 * MS);
    CHECK_EQ(f.to_ns, S);

    f = parse_ok("powerloss all at 30s");
    CHECK_EQ(f.kind, FAULT_POWERLOSS);
    CHECK_EQ(f.a.kind, FAULT_TARGET_ALL);
    CHECK_EQ(f.for_ns, -1);
    CHECK_EQ(parse_ok("powerloss all at 30s for 1s").for_ns, S);
    /* One broker's machine (KIP-966's story): leader, follower or broker-<n>. */
    f = parse_ok("powerloss leader at 2s for 1s");
    CHECK_EQ(f.kind, FAULT_POWERLOSS);
    CHECK_EQ(f.a.kind, FAULT_TARGET_LEADER);
    CHECK_EQ(f.for_ns, S);
    f = parse_ok("powerloss broker-3 at 2s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_BROKER);
    CHECK_EQ(f.a.broker, 3);
    CHECK_EQ(parse_ok("powerloss follower at 1ms").a.kind, FAULT_TARGET_FOLLOWER);

    f = parse_ok("stop leader at 10s for 30s");
    CHECK_EQ(f.kind, FAULT_STOP);
    CHECK_EQ(f.a.kind, FAULT_TARGET_LEADER);
    CHECK_EQ(f.at_ns, 10 * S);
    CHECK_EQ(f.for_ns, 30 * S);
    f = parse_ok("stop broker-2 at 1s");
    CHECK_EQ(f.a.broker, 2);
    CHECK_EQ(f.for_ns, -1);

    f = parse_ok("restart producer at 12ms");
    CHECK_EQ(f.kind, FAULT_RESTART_PRODUCER);
    CHECK_EQ(f.a.kind, FAULT_TARGET_PRODUCER);
    CHECK_EQ(f.at_ns, 12 * MS);
}

static void test_times(void) {
    CHECK_EQ(parse_ok("crash leader at 7ns").at_ns, 7);
    CHECK_EQ(parse_ok("crash leader at 7us").at_ns, 7000);
    CHECK_EQ(parse_ok("crash leader at 0.001ms").at_ns, 1000);
    CHECK_EQ(parse_ok("crash leader at 0.000000001s").at_ns, 1);
    CHECK_EQ(parse_ok("crash leader at 1.5us").at_ns, 1500);
    CHECK_EQ(parse_ok("crash leader at 2.0000000000s").at_ns, 2 * S);
    CHECK_EQ(parse_ok("crash leader at 100000000s").at_ns, 100000000 * S);
}

static void test_errors(void) {
    parse_bad("", "expected a fault (crash, stop, pause, partition, drop, break, delay, "
                  "powerloss, restart, stall) at word 1, got the end of the line");
    parse_bad("explode leader", "expected a fault (crash, stop, pause, partition, drop, break, "
                                "delay, powerloss, restart, stall) at word 1, got 'explode'");
    parse_bad("stop producer at 1s", "expected a broker (leader, follower, broker-<n>) at word 2, "
                                     "got 'producer' (only brokers have a controlled shutdown)");
    parse_bad("stop leader on leader.append", "expected 'at' at word 3, got 'on'");
    parse_bad("crash leeder at 1s", NODES " at word 2, got 'leeder'");
    parse_bad("crash broker-0 at 1s", NODES " at word 2, got 'broker-0' (broker ids are 1 .. 16)");
    parse_bad("crash broker-17 at 1s", NODES " at word 2, got 'broker-17' (broker ids are 1 .. 16)");
    parse_bad("crash broker-x at 1s", NODES " at word 2, got 'broker-x'");
    parse_bad("crash leader", "expected 'at' or 'on' at word 3, got the end of the line");
    parse_bad("crash leader at 10", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got '10' (a time needs a unit, e.g. 1500ms)");
    parse_bad("crash leader at 10m", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got '10m' (unknown unit)");
    parse_bad("crash leader at soon", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got 'soon'");
    parse_bad("crash leader at -1s", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got '-1s'");
    parse_bad("crash leader at 1.5ns", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got '1.5ns' (finer than 1 ns)");
    parse_bad("crash leader at 1.s", "expected a time with a unit (ns, us, ms, s, min, h)"
              " at word 4, got '1.s'");
    parse_bad("crash leader at 9999999999999s",
              "expected a time with a unit (ns, us, ms, s, min, h) at word 4, got '9999999999999s' (too large)");
    parse_bad("crash leader at 1s for 0s", "expected a duration with a unit (ns, us, ms, s, min, h)"
              " at word 6, got '0s' (it must be positive)");
    parse_bad("crash leader at 1s for", "expected a duration with a unit (ns, us, ms, s, min, h)"
              " at word 6, got the end of the line");
    parse_bad("crash leader at 1s now", "expected the end of the line at word 5, got 'now'");
    parse_bad("crash leader on leader.write", "expected a protocol step (leader.append, "
              "follower.fetch, leader.hw-advance, producer.send, producer.ack, "
              "coordinator.prepare, coordinator.markers, coordinator.complete, "
              "leader.marker-request, leader.marker, producer.txn-flushed, producer.end-txn, "
              "consumer.polled, consumer.processed, consumer.commit, consumer.committed, "
              "consumer.joining) at word 4, got 'leader.write'");
    parse_bad("crash leader on leader.append n=0", "expected a count n=<k> with k >= 1 at word 5,"
                                                   " got 'n=0' (out of range)");
    parse_bad("crash leader on leader.append n=", "expected a count n=<k> with k >= 1 at word 5,"
                                                  " got 'n='");
    parse_bad("crash leader on leader.append n=4294967296", "expected a count n=<k> with k >= 1 "
              "at word 5, got 'n=4294967296' (out of range)");
    parse_bad("pause leader at 1s", "expected 'for' at word 5, got the end of the line");
    parse_bad("partition leader at 1s for 1s", NODES " at word 3, got 'at'");
    parse_bad("partition broker-1 -> broker-1 at 1s for 1s", "expected a second, different node "
              "at word 4, got 'broker-1' (both ends are the same node)");
    parse_bad("partition leader leader at 1s for 1s", "expected a second, different node at "
              "word 3, got 'leader' (both ends are the same node)"); /* one node, always */
    parse_bad("partition leader follower at 1s", "expected 'for' at word 6, got the end of the "
                                                 "line");
    parse_bad("drop leader -> producer p=0.1", "expected 'requests' or 'responses' at word 2, got "
                                               "'leader'");
    parse_bad("drop responses leader producer p=0.1", "expected '->' at word 4, got 'producer'");
    parse_bad("drop responses leader -> producer", "expected a probability p=<0..1>, e.g. p=0.05 "
                                                   "at word 6, got the end of the line");
    parse_bad("drop responses leader -> producer p=1.5", "expected a probability p=<0..1>, e.g. "
              "p=0.05 at word 6, got 'p=1.5' (more than 1)");
    parse_bad("drop responses leader -> producer p=0.0000001", "expected a probability p=<0..1>, "
              "e.g. p=0.05 at word 6, got 'p=0.0000001' (finer than 1 in a million)");
    parse_bad("drop responses leader -> producer p=half", "expected a probability p=<0..1>, e.g. "
                                                          "p=0.05 at word 6, got 'p=half'");
    parse_bad("drop responses leader -> producer p=0.1 from 2s to 1s", "expected an end time "
              "after the start at word 10, got '1s' (to <= from)");
    parse_bad("drop responses leader -> producer p=0.1 from 2s", "expected 'to' at word 9, got "
                                                                 "the end of the line");
    parse_bad("delay requests producer -> leader 300ms", "expected 'by' at word 6, got '300ms'");
    parse_bad("powerloss producer at 1s", "expected 'all' or a broker (leader, follower, "
              "broker-<n>) at word 2, got 'producer' (only brokers keep a log)");
    parse_bad("powerloss broker-0 at 1s", "expected 'all' or a broker (leader, follower, "
              "broker-<n>) at word 2, got 'broker-0' (broker ids are 1 .. 16)");
    parse_bad("powerloss leeder at 1s", "expected 'all' or a broker (leader, follower, "
              "broker-<n>) at word 2, got 'leeder'");
    parse_bad("stop broker-0 at 1s", "expected a broker (leader, follower, broker-<n>) at word 2, "
              "got 'broker-0' (broker ids are 1 .. 16)");
    parse_bad("stop leeder at 1s", "expected a broker (leader, follower, broker-<n>) at word 2, "
              "got 'leeder'");
    parse_bad("stop controller at 1s", "expected a broker (leader, follower, broker-<n>) at word "
              "2, got 'controller' (only brokers have a controlled shutdown)");
    parse_bad("powerloss at 1s", "expected 'all' or a broker (leader, follower, broker-<n>) at "
              "word 2, got 'at'");
    parse_bad("restart leader at 1s", "expected a producer or a consumer (producer, producer-<n>, "
                                      "consumer-<n>) at word 2, got 'leader'");
    parse_bad("a b c d e f g h i j k l m n o p q r s t u v w x y",
              "too many words (a fault line has at most 24)");
}

/* A stop touches no message: no reason, whatever its unused second target holds. */
static void test_idle_reason_of_stop(void) {
    fault_spec f = parse_ok("stop leader at 1s");
    CHECK(fault_spec_idle_reason(&f) == NULL);
    f.b.kind = FAULT_TARGET_FOLLOWER; /* not read for a stop, unlike for a rule */
    CHECK(fault_spec_idle_reason(&f) == NULL);
}

static void test_target_names(void) {
    char buf[16];
    fault_target t = {.kind = FAULT_TARGET_BROKER, .broker = 7};
    CHECK_STR(fault_target_name(&t, buf, sizeof buf), "broker-7");
    t.kind = FAULT_TARGET_FOLLOWER;
    CHECK_STR(fault_target_name(&t, buf, sizeof buf), "follower");
    t.kind = FAULT_TARGET_ALL;
    CHECK_STR(fault_target_name(&t, buf, sizeof buf), "all");
}

/* Partitions and producers by name: the parser keeps "orders-3" as written and the producer's
 * index; fault_spec_resolve checks them against a world. */
static int world_partition(void *ctx, const char *name, char *why, size_t why_len) {
    (void)ctx;
    static const char *const names[] = {"orders-0", "orders-1", "orders-2", "my.log-x-0"};
    for (int g = 0; g < 4; g++)
        if (strcmp(name, names[g]) == 0) return g;
    snprintf(why, why_len, "topics: orders (0 .. 2), my.log-x (0)");
    return -1;
}

static void test_partitions_and_producers(void) {
    fault_spec f = parse_ok("crash leader of orders-2 on leader.append n=2");
    CHECK_EQ(f.a.kind, FAULT_TARGET_LEADER);
    CHECK_STR(f.a.of, "orders-2");
    CHECK_EQ(f.a.partition, -1);
    CHECK_EQ(f.step, STEP_LEADER_APPEND);
    CHECK_EQ(f.step_n, 2);
    f = parse_ok("pause follower of my.log-x-0 at 1s for 1s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_FOLLOWER);
    CHECK_STR(f.a.of, "my.log-x-0");
    f = parse_ok("crash leader at 1s");
    CHECK_EQ(f.a.partition, 0);
    CHECK_STR(f.a.of, "");
    f = parse_ok("crash producer-2 at 1s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_PRODUCER);
    CHECK_EQ(f.a.producer, 1);
    CHECK_EQ(parse_ok("crash producer-1 at 1s").a.producer, 0);
    CHECK_EQ(parse_ok("crash producer at 1s").a.producer, 0);
    f = parse_ok("restart producer-3 at 1s");
    CHECK_EQ(f.kind, FAULT_RESTART_PRODUCER);
    CHECK_EQ(f.a.producer, 2);
    f = parse_ok("drop responses leader of orders-1 -> producer-2 p=0.5");
    CHECK_STR(f.a.of, "orders-1");
    CHECK_EQ(f.b.producer, 1);
    f = parse_ok("partition leader of orders-1 leader of orders-2 at 1s for 1s");
    CHECK_STR(f.b.of, "orders-2");
    /* Two producers are two nodes; the same partition's leader twice is one. */
    parse_ok("partition producer-1 producer-2 at 1s for 1s");
    parse_bad("partition leader of orders-1 leader of orders-1 at 1s for 1s",
              "expected a second, different node at word 7, got 'orders-1' (both ends are the "
              "same node)");
    parse_bad("crash leader of orders at 1s",
              "expected a partition <topic>-<p>, e.g. orders-3 at word 4, got 'orders'");
    parse_bad("crash leader of at 1s",
              "expected a partition <topic>-<p>, e.g. orders-3 at word 4, got 'at'");
    parse_bad("crash leader of orders/1-2 at 1s",
              "expected a partition <topic>-<p>, e.g. orders-3 at word 4, got 'orders/1-2' (a "
              "topic name is letters, digits, '.', '_', '-')");
    parse_bad("crash producer-0 at 1s", NODES " at word 2, got 'producer-0' (producers are 1 .. 8)");
    parse_bad("stop producer-2 at 1s", "expected a broker (leader, follower, broker-<n>) at word 2, "
                                       "got 'producer-2' (only brokers have a controlled shutdown)");
    parse_bad("restart broker-1 at 1s", "expected a producer or a consumer (producer, "
                                        "producer-<n>, consumer-<n>) at word 2, got 'broker-1'");

    fault_world w = {.partition = world_partition, .producers = 2, .brokers = 3};
    char err[256];
    f = parse_ok("crash leader of orders-2 on leader.append");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.a.partition, 2);
    f = parse_ok("drop requests producer-2 -> follower of my.log-x-0 p=1");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.b.partition, 3);
    f = parse_ok("crash leader of orders-3 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "leader of orders-3: no such partition: topics: orders (0 .. 2), my.log-x (0)");
    f = parse_ok("drop requests producer -> follower of order-1 p=1");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "follower of order-1: no such partition: topics: orders (0 .. 2), my.log-x (0)");
    f = parse_ok("crash producer-3 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "producer-3 does not exist (workload.producers=2)");
    f = parse_ok("partition producer-1 broker-4 at 1s for 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "broker-4 does not exist (num.brokers=3)");

    char buf[64];
    f = parse_ok("crash follower of orders-1 at 1s");
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "follower of orders-1");
    f = parse_ok("crash producer-4 at 1s");
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "producer-4");
    f = parse_ok("crash producer-1 at 1s");
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "producer");
}

/* The transaction coordinator: "coordinator" (producer-1's id) or "coordinator of <id>",
 * resolved to the id's __transaction_state partition, whose leader it is when the fault fires. */
static int world_txn(void *ctx, const char *id, char *why, size_t why_len) {
    (void)ctx;
    if (!id[0] || strcmp(id, "app-1") == 0) return 5;
    if (strcmp(id, "app-2") == 0) return 7;
    snprintf(why, why_len, "no such transactional.id; the ids are app-1, app-2");
    return -1;
}

static void test_coordinator(void) {
    fault_spec f = parse_ok("crash coordinator at 1s for 2s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_COORDINATOR);
    CHECK_STR(f.a.of, "");
    CHECK_EQ(f.a.partition, -1);
    f = parse_ok("crash coordinator of app-2 on leader.hw-advance n=3");
    CHECK_STR(f.a.of, "app-2");
    f = parse_ok("delay requests producer -> coordinator by 40s from 1s to 2s");
    CHECK_EQ(f.b.kind, FAULT_TARGET_COORDINATOR);
    parse_ok("stop coordinator at 1s");
    parse_ok("powerloss coordinator of app-1 at 1s");
    parse_ok("partition coordinator of app-1 coordinator of app-2 at 1s for 1s");
    parse_bad("partition coordinator coordinator at 1s for 1s",
              "expected a second, different node at word 3, got 'coordinator' (both ends are the "
              "same node)");
    parse_bad("crash coordinator of", "expected a transactional.id at word 4, got the end of the line");
    parse_bad("crash coordinator of a/b at 1s",
              "expected a transactional.id at word 4, got 'a/b' (letters, digits, '.', '_', '-')");
    char err[256], buf[64];
    fault_world w = {.partition = world_partition, .producers = 2, .brokers = 3,
                     .txn_partition = world_txn};
    f = parse_ok("crash coordinator at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.a.partition, 5);
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "coordinator");
    f = parse_ok("crash coordinator of app-2 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.a.partition, 7);
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "coordinator of app-2");
    f = parse_ok("crash coordinator of app-3 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "coordinator of app-3: no such transactional.id; the ids are app-1, app-2");
    w.txn_partition = NULL;
    f = parse_ok("crash coordinator at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "coordinator: no producer is transactional (transactional.id is not set)");
}

/* The steps of transactions, each taken by the nodes that make it; a step of another node is
 * refused with the steps that node takes, and a transactional step needs a transactional world. */
static void test_transaction_steps(void) {
    fault_spec f = parse_ok("crash coordinator on coordinator.prepare n=2 for 1s");
    CHECK_EQ(f.step, STEP_COORDINATOR_PREPARE);
    CHECK_EQ(f.step_n, 2);
    CHECK_EQ(parse_ok("crash coordinator of app-2 on coordinator.markers").step,
             STEP_COORDINATOR_MARKERS);
    CHECK_EQ(parse_ok("crash broker-2 on coordinator.complete").step, STEP_COORDINATOR_COMPLETE);
    f = parse_ok("crash leader of orders-0 on leader.marker-request");
    CHECK_EQ(f.step, STEP_LEADER_MARKER_REQUEST);
    CHECK_STR(f.a.of, "orders-0");
    CHECK_EQ(parse_ok("crash broker-1 on leader.marker n=3").step, STEP_LEADER_MARKER);
    CHECK_EQ(parse_ok("crash producer on producer.txn-flushed").step, STEP_PRODUCER_TXN_FLUSHED);
    CHECK_EQ(parse_ok("crash producer-2 on producer.end-txn for 1s").step, STEP_PRODUCER_END_TXN);
    CHECK(proto_step_transactional(STEP_COORDINATOR_PREPARE));
    CHECK(!proto_step_transactional(STEP_PRODUCER_ACK));
    CHECK_STR(proto_step_name(STEP_PRODUCER_END_TXN), "producer.end-txn");
    CHECK(proto_step_name(STEP_COUNT) == NULL);
    parse_bad("crash leader on coordinator.prepare",
              "expected a step leader takes (leader.append, follower.fetch, leader.hw-advance, "
              "leader.marker-request, leader.marker) at word 4, got 'coordinator.prepare' (not "
              "one of its steps)");
    parse_bad("crash coordinator on leader.marker",
              "expected a step coordinator takes (leader.append, follower.fetch, "
              "leader.hw-advance, coordinator.prepare, coordinator.markers, coordinator.complete)"
              " at word 4, got 'leader.marker' (not one of its steps)");
    parse_bad("crash follower of orders-1 on leader.marker n=2",
              "expected a step follower of orders-1 takes (leader.append, follower.fetch, "
              "leader.hw-advance) at word 6, got 'leader.marker' (not one of its steps)");
    parse_bad("crash producer on leader.append",
              "expected a step producer takes (producer.send, producer.ack, producer.txn-flushed,"
              " producer.end-txn) at word 4, got 'leader.append' (not one of its steps)");
    parse_bad("crash broker-3 on producer.end-txn",
              "expected a step broker-3 takes (leader.append, follower.fetch, leader.hw-advance, "
              "coordinator.prepare, coordinator.markers, coordinator.complete, "
              "leader.marker-request, leader.marker) at word 4, got 'producer.end-txn' (not one "
              "of its steps)");
    parse_bad("crash controller on leader.append",
              "expected a step controller takes at word 4, got 'leader.append' (it has no "
              "protocol steps)");
    /* A producer's pause at a step: held there (before EndTxn) until it ends. */
    f = parse_ok("pause producer on producer.txn-flushed n=3 for 70s");
    CHECK_EQ(f.kind, FAULT_PAUSE);
    CHECK(f.on_step);
    CHECK_EQ(f.step, STEP_PRODUCER_TXN_FLUSHED);
    CHECK_EQ(f.step_n, 3);
    CHECK_EQ(f.for_ns, 70 * S);
    CHECK_EQ(parse_ok("pause producer-2 on producer.ack for 1s").step, STEP_PRODUCER_ACK);
    parse_bad("pause producer on producer.end-txn",
              "expected 'for' at word 5, got the end of the line");
    parse_bad("pause leader on leader.append for 1s",
              "expected a producer or a consumer (producer, producer-<n>, consumer-<n>) at word 2, "
              "got 'leader' (a pause at a step is a client's; pause a broker at a time)");
    parse_bad("pause coordinator of app-1 on coordinator.prepare for 1s",
              "expected a producer or a consumer (producer, producer-<n>, consumer-<n>) at word 2, "
              "got 'coordinator' (a pause at a step is a client's; pause a broker at a time)");
    parse_bad("pause producer on coordinator.prepare for 1s",
              "expected a step producer takes (producer.send, producer.ack, producer.txn-flushed,"
              " producer.end-txn) at word 4, got 'coordinator.prepare' (not one of its steps)");
    char err[256];
    fault_world w = {.partition = world_partition, .producers = 2, .brokers = 3,
                     .txn_partition = world_txn, .transactional = true};
    f = parse_ok("crash producer on producer.txn-flushed");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    f = parse_ok("crash leader on leader.append");
    w.transactional = false;
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    f = parse_ok("crash leader on leader.marker-request");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "leader.marker-request is a step of transactions: no producer is "
                   "transactional (transactional.id is not set)");
}

/* Consumers (issue 19): consumer-<n> crashes, pauses, stalls, restarts and is cut from
 * brokers; it takes the consumer steps; group-coordinator is the broker leading the group's
 * __consumer_offsets partition. Both are checked against the world's consumers. */
static void test_consumers(void) {
    fault_spec f = parse_ok("crash consumer-1 at 60ms for 1s");
    CHECK_EQ(f.kind, FAULT_CRASH);
    CHECK_EQ(f.a.kind, FAULT_TARGET_CONSUMER);
    CHECK_EQ(f.a.consumer, 0);
    CHECK_EQ(f.for_ns, 1 * S);
    f = parse_ok("crash consumer-2 on consumer.processed n=250");
    CHECK(f.on_step);
    CHECK_EQ(f.step, STEP_CONSUMER_PROCESSED);
    CHECK_EQ(f.step_n, 250);
    CHECK_EQ(f.a.consumer, 1);
    CHECK_EQ(parse_ok("crash consumer-7 on consumer.polled").step, STEP_CONSUMER_POLLED);
    CHECK_EQ(parse_ok("crash consumer-1 on consumer.commit").step, STEP_CONSUMER_COMMIT);
    CHECK_EQ(parse_ok("crash consumer-1 on consumer.committed").step, STEP_CONSUMER_COMMITTED);
    CHECK_EQ(parse_ok("crash consumer-1 on consumer.joining").step, STEP_CONSUMER_JOINING);
    f = parse_ok("pause consumer-3 on consumer.polled n=2 for 400s");
    CHECK_EQ(f.kind, FAULT_PAUSE);
    CHECK(f.on_step);
    f = parse_ok("stall consumer-2 at 30s for 6min");
    CHECK_EQ(f.kind, FAULT_STALL);
    CHECK_EQ(f.a.consumer, 1);
    CHECK_EQ(f.at_ns, 30 * S);
    CHECK_EQ(f.for_ns, 360 * S);
    CHECK(!f.on_step);
    f = parse_ok("stall consumer-1 on consumer.processed n=10 for 1s");
    CHECK_EQ(f.kind, FAULT_STALL);
    CHECK(f.on_step);
    CHECK_EQ(f.step_n, 10);
    f = parse_ok("restart consumer-2 at 5s");
    CHECK_EQ(f.kind, FAULT_RESTART_CONSUMER);
    CHECK_EQ(f.a.consumer, 1);
    f = parse_ok("partition consumer-1 broker-2 at 1s for 1s");
    CHECK_EQ(f.b.kind, FAULT_TARGET_BROKER);
    CHECK(fault_spec_idle_reason(&f) == NULL);
    f = parse_ok("crash group-coordinator at 1s for 5s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_GROUP_COORDINATOR);
    CHECK_EQ(f.a.partition, -1);
    parse_ok("stop group-coordinator at 1s");
    parse_ok("crash group-coordinator on leader.append n=3");
    f = parse_ok("drop requests consumer-1 -> group-coordinator p=0.5");
    CHECK(fault_spec_idle_reason(&f) == NULL);
    f = parse_ok("drop responses consumer-1 -> leader p=0.5");
    CHECK_STR(fault_spec_idle_reason(&f), "a consumer sends no responses");
    f = parse_ok("delay requests leader -> consumer-2 by 1s");
    CHECK_STR(fault_spec_idle_reason(&f), "nothing sends a consumer requests");
    f = parse_ok("partition consumer-1 producer at 1s for 1s");
    CHECK_STR(fault_spec_idle_reason(&f), "a consumer exchanges messages with brokers only");
    f = parse_ok("break requests consumer-1 -> controller p=1");
    CHECK_STR(fault_spec_idle_reason(&f), "a consumer exchanges messages with brokers only");
    parse_ok("partition consumer-1 consumer-2 at 1s for 1s");
    parse_bad("partition consumer-2 consumer-2 at 1s for 1s",
              "expected a second, different node at word 3, got 'consumer-2' (both ends are the "
              "same node)");
    parse_bad("crash consumer-8 at 1s", NODES " at word 2, got 'consumer-8' (consumers are 1 .. 7)");
    parse_bad("crash consumer-0 at 1s", NODES " at word 2, got 'consumer-0' (consumers are 1 .. 7)");
    parse_bad("stop consumer-1 at 1s", "expected a broker (leader, follower, broker-<n>) at word 2, "
                                       "got 'consumer-1' (only brokers have a controlled shutdown)");
    parse_bad("powerloss consumer-1 at 1s",
              "expected 'all' or a broker (leader, follower, broker-<n>) at word 2, got "
              "'consumer-1' (only brokers keep a log)");
    parse_bad("stall producer at 1s for 1s", "expected a consumer (consumer-<n>, consumer of "
                                             "<topic>-<p>) at word 2, got 'producer' (a stall is "
                                             "of an application thread)");
    /* consumer of <topic>-<p>: whichever instance holds the input partition when it fires. */
    f = parse_ok("crash consumer of orders-1 at 20s for 5s");
    CHECK_EQ(f.a.kind, FAULT_TARGET_CONSUMER_OF);
    CHECK_STR(f.a.of, "orders-1");
    CHECK_EQ(f.a.partition, -1);
    f = parse_ok("crash consumer of orders-0 on consumer.processed n=5");
    CHECK_EQ(f.step, STEP_CONSUMER_PROCESSED);
    parse_ok("stall consumer of orders-2 at 1s for 1s");
    parse_ok("pause consumer of orders-2 on consumer.polled for 1s");
    parse_ok("partition consumer of orders-2 leader of orders-2 at 1s for 1s");
    parse_bad("crash consumer orders-1 at 1s", "expected 'of' at word 3, got 'orders-1'");
    parse_bad("drop requests consumer of orders-1 -> leader p=0.1",
              NODES " at word 3, got 'consumer' (a rule names a fixed consumer (consumer-<n>))");
    parse_bad("restart consumer of orders-1 at 1s",
              "expected a producer or a consumer (producer, producer-<n>, consumer-<n>) at word "
              "2, got 'consumer'");
    parse_bad("stall consumer-1 at 1s", "expected 'for' at word 5, got the end of the line");
    parse_bad("stall leader of orders-1 at 1s for 1s",
              "expected a consumer (consumer-<n>, consumer of <topic>-<p>) at word 2, got "
              "'leader' (a stall is of an application thread)");
    parse_bad("crash leader on consumer.processed",
              "expected a step leader takes (leader.append, follower.fetch, leader.hw-advance, "
              "leader.marker-request, leader.marker) at word 4, got 'consumer.processed' (not "
              "one of its steps)");
    parse_bad("crash consumer-1 on leader.append",
              "expected a step consumer-1 takes (consumer.polled, consumer.processed, "
              "consumer.commit, consumer.committed, consumer.joining) at word 4, got "
              "'leader.append' (not one of its steps)");
    parse_bad("crash producer on consumer.polled",
              "expected a step producer takes (producer.send, producer.ack, producer.txn-flushed,"
              " producer.end-txn) at word 4, got 'consumer.polled' (not one of its steps)");
    parse_bad("crash group-coordinator on coordinator.prepare",
              "expected a step group-coordinator takes (leader.append, follower.fetch, "
              "leader.hw-advance) at word 4, got 'coordinator.prepare' (not one of its steps)");

    char err[256], buf[64];
    fault_world w = {.partition = world_partition, .producers = 1, .brokers = 3, .consumers = 2,
                     .group_partition = 9};
    f = parse_ok("crash consumer-2 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "consumer-2");
    f = parse_ok("crash consumer-3 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer-3 does not exist (workload.consumers=2)");
    f = parse_ok("partition broker-1 consumer-3 at 1s for 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer-3 does not exist (workload.consumers=2)");
    f = parse_ok("crash group-coordinator at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.a.partition, 9);
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "group-coordinator");
    w.consumers = 0;
    w.group_partition = -1;
    f = parse_ok("crash consumer-1 on consumer.processed");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer-1 does not exist (workload.consumers=0)");
    f = parse_ok("crash group-coordinator at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "group-coordinator: there is no consumer group (workload.consumers=0)");
    f = parse_ok("crash consumer of orders-2 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer of orders-2: there are no consumers (workload.consumers=0)");
    w.consumers = 2;
    w.workload_partitions = 3;
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), 0);
    CHECK_EQ(f.a.partition, 2);
    CHECK_STR(fault_target_name(&f.a, buf, sizeof buf), "consumer of orders-2");
    f = parse_ok("crash consumer of my.log-x-0 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer of my.log-x-0: the consumers read the workload's topics only");
    f = parse_ok("crash consumer of orders-7 at 1s");
    CHECK_EQ(fault_spec_resolve(&f, &w, err, sizeof err), -1);
    CHECK_STR(err, "consumer of orders-7: no such partition: topics: orders (0 .. 2), my.log-x (0)");
}

int main(void) {
    test_consumers();
    test_transaction_steps();
    test_coordinator();
    test_crash();
    test_other_forms();
    test_times();
    test_errors();
    test_target_names();
    test_idle_reason_of_stop();
    test_partitions_and_producers();
    return test_result("test_fault_parse");
}
