/*
 * prop_producer.c: what the producer's settings promise about duplicates and ordering, over
 * many seeds (kafka-semantics.md section 3 and section 5, scenarios S1, S2, S8, S11).
 *
 *   idempotence off, 1 in flight      a lost response makes the retry write the batch twice
 *                                     (S1: duplicates), but one request at a time keeps the
 *                                     order (Sender guaranteeMessageOrder: no reordering).
 *   idempotence off, 5 in flight      a failed request retried behind later ones lands after
 *                                     them (S2: reordered).
 *   idempotence on, 5 in flight       dropped responses and a clean leader failover give no
 *                                     duplicate, reordering or lost acknowledged record
 *                                     (KIP-98, the broker's 5-batch cache, KIP-360).
 *   idempotence on, but the application sends again
 *                                     a batch expired by delivery.timeout.ms whose bytes were
 *                                     written, or the unanswered sends of a restarted producer
 *                                     (a new producer id), become duplicates when the
 *                                     application resends them (S8, S11): idempotence covers
 *                                     the producer's retries, not the application's.
 *   sim.allow.unsafe.configs, 8 in flight
 *                                     measured, not asserted beyond the runs completing: what
 *                                     the 5-batch cache (ProducerStateEntry.NUM_BATCHES_TO_RETAIN)
 *                                     lets through when more than 5 batches are in flight.
 *
 * Every run walks every model's invariants after every event; a broken one fails the test with
 * the seed and a replay.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "properties.h"
#include "protocol.h"
#include "scenario.h"
#include "prop.h"
#include "test.h"

#define SEEDS 200        /* seeds of each "shows for some seed" case */
#define SAFE_SEEDS 1000  /* seeds the idempotent guarantee must hold for */

/* 300 records at 1000/s; a short request.timeout.ms so a dropped response is retried soon. */
#define WORKLOAD "workload.records=300\nworkload.rate=1000\nrequest.timeout.ms=200\n"

/* Sums of the anomalies over a sweep. */
typedef struct tally {
    int seeds_dup, seeds_reordered, seeds_lost; /* seeds with at least one */
    uint64_t duplicates, reordered, lost_acked, oosn, deduplicated, elections;
    uint64_t failed; /* callbacks with an error (delivery timeouts, exhausted retries) */
} tally;

static void tally_add(tally *t, const run_result *r) {
    const checker_result *k = &r->check;
    t->seeds_dup += k->duplicates > 0;
    t->seeds_reordered += k->reordered > 0;
    t->seeds_lost += k->lost_acked > 0;
    t->duplicates += k->duplicates;
    t->reordered += k->reordered;
    t->lost_acked += k->lost_acked;
    t->oosn += k->errors[ERR_OUT_OF_ORDER_SEQUENCE_NUMBER];
    t->deduplicated += k->deduplicated;
    t->elections += k->leader_elections;
    t->failed += k->failed;
}

static void tally_print(const char *name, int seeds, const tally *t) {
    printf("%s, %d seeds: duplicates %llu (%d seeds), reordered %llu (%d seeds), lost_acked "
           "%llu (%d seeds), OUT_OF_ORDER_SEQUENCE_NUMBER %llu, deduplicated %llu, elections "
           "%llu, failed sends %llu\n",
           name, seeds, (unsigned long long)t->duplicates, t->seeds_dup,
           (unsigned long long)t->reordered, t->seeds_reordered,
           (unsigned long long)t->lost_acked, t->seeds_lost, (unsigned long long)t->oosn,
           (unsigned long long)t->deduplicated, (unsigned long long)t->elections,
           (unsigned long long)t->failed);
}

/* ---- Without idempotence ------------------------------------------------------------------ */

static void test_non_idempotent_one_in_flight(void) {
    tally t = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        run_result r = run("enable.idempotence=false\nacks=all\n"
                           "max.in.flight.requests.per.connection=1\n" WORKLOAD
                           "fault.drop=drop responses leader -> producer p=0.05\n",
                           seed, NULL);
        tally_add(&t, &r);
        CHECK_EQ(r.check.reordered, 0);
    }
    tally_print("idempotence off, 1 in flight, 5% responses dropped", SEEDS, &t);
    CHECK(t.seeds_dup > 0);
    CHECK_EQ(t.reordered, 0);
}

static void test_non_idempotent_five_in_flight(void) {
    char text[1024];
    tally t = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        snprintf(text, sizeof text,
                 "enable.idempotence=false\nacks=all\nmax.in.flight.requests.per.connection=5\n"
                 WORKLOAD "fault.drop=drop responses leader -> producer p=0.05\n"
                 "fault.crash=crash leader at %ums for 1s\n",
                 50 + (unsigned)(seed * 7 % 200));
        run_result r = run(text, seed, NULL);
        tally_add(&t, &r);
    }
    tally_print("idempotence off, 5 in flight, drops and a leader crash", SEEDS, &t);
    CHECK(t.seeds_reordered > 0);
}

/* ---- With idempotence --------------------------------------------------------------------- */

/* Dropped responses plus a clean failover: the leader dies at a time drawn from the seed and
 * comes back (or not) while the producer keeps five requests in flight. */
static void failover_text(uint64_t seed, int in_flight, bool unsafe, char *out, size_t len) {
    unsigned at = 20 + (unsigned)(seed * 37 % 280);
    char span[32] = ""; /* every fourth seed the leader stays down for good */
    if (seed % 4 != 0) snprintf(span, sizeof span, " for %ums", 100 + (unsigned)(seed * 101 % 3000));
    snprintf(out, len,
             "enable.idempotence=true\nacks=all\nmin.insync.replicas=2\n"
             "unclean.leader.election.enable=false\n%s"
             "max.in.flight.requests.per.connection=%d\n" WORKLOAD
             "fault.drop=drop responses leader -> producer p=0.05\n"
             "fault.crash=crash leader at %ums%s\n",
             unsafe ? "sim.allow.unsafe.configs=true\n" : "", in_flight, at, span);
}

static void test_idempotent_failover(void) {
    char text[1024];
    tally t = {0};
    for (uint64_t seed = 1; seed <= SAFE_SEEDS; seed++) {
        failover_text(seed, 5, false, text, sizeof text);
        run_result r = run(text, seed, NULL);
        tally_add(&t, &r);
        if (r.check.duplicates || r.check.reordered || r.check.lost_acked)
            fprintf(stderr, "idempotent seed %llu: duplicates=%llu reordered=%llu "
                    "lost_acked=%llu\n%s", (unsigned long long)seed,
                    (unsigned long long)r.check.duplicates,
                    (unsigned long long)r.check.reordered,
                    (unsigned long long)r.check.lost_acked, text);
    }
    tally_print("idempotence on, 5 in flight, drops and a clean failover", SAFE_SEEDS, &t);
    CHECK_EQ(t.duplicates, 0);
    CHECK_EQ(t.reordered, 0);
    CHECK_EQ(t.lost_acked, 0);
    CHECK(t.deduplicated > 0);           /* retries of written batches did reach the broker */
    CHECK(t.elections > SAFE_SEEDS / 2); /* the failovers happened */
}

static void test_idempotent_resend_after_timeout(void) {
    char text[1024];
    tally t = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        /* Responses stall past delivery.timeout.ms: the batches expire in flight although the
         * leader wrote them, and the application sends the same ids again. */
        unsigned from = 30 + (unsigned)(seed * 11 % 200);
        snprintf(text, sizeof text,
                 "enable.idempotence=true\nacks=all\nworkload.resend.on.failure=true\n"
                 "workload.records=300\nworkload.rate=1000\nrequest.timeout.ms=100\n"
                 "delivery.timeout.ms=150\nlinger.ms=0\n"
                 "fault.slow=delay responses leader -> producer by 300ms from %ums to %ums\n",
                 from, from + 50);
        run_result r = run(text, seed, NULL);
        tally_add(&t, &r);
    }
    tally_print("idempotence on, delivery timeouts, application resends", SEEDS, &t);
    CHECK(t.seeds_dup > 0);
}

static void test_idempotent_resend_after_restart(void) {
    char text[1024];
    tally t = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        /* The producer restarts (a new producer id) while responses are held back, so its
         * written but unanswered sends are sent again by the application. */
        unsigned at = 50 + (unsigned)(seed * 13 % 200);
        snprintf(text, sizeof text,
                 "enable.idempotence=true\nacks=all\nworkload.resend.on.failure=true\n" WORKLOAD
                 "fault.slow=delay responses leader -> producer by 50ms from %ums to %ums\n"
                 "fault.restart=restart producer at %ums\n",
                 at - 20, at + 20, at);
        run_result r = run(text, seed, NULL);
        tally_add(&t, &r);
    }
    tally_print("idempotence on, producer restart, application resends", SEEDS, &t);
    CHECK(t.seeds_dup > 0);
}

/* ---- What-if: more than five in flight ---------------------------------------------------- */

static void test_unsafe_eight_in_flight(void) {
    char text[1024];
    tally five = {0}, eight = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        failover_text(seed, 5, false, text, sizeof text);
        run_result r = run(text, seed, NULL);
        tally_add(&five, &r);
        failover_text(seed, 8, true, text, sizeof text);
        r = run(text, seed, NULL);
        tally_add(&eight, &r);
    }
    tally_print("what-if, 5 in flight (contrast)", SEEDS, &five);
    tally_print("what-if, sim.allow.unsafe.configs, 8 in flight", SEEDS, &eight);
    CHECK_EQ(five.duplicates + five.reordered + five.lost_acked, 0);
}

/* ---- Regressions ------------------------------------------------------------------------- */

/* A producer paused for 9 s armed its next paced send, and a connection's request timeout, at
 * times already past when the pause ended (the kernel's at_ns >= now assertion): prop_guarantees
 * swarm seed 2. The late tick now sends every record that came due during the pause. */
static void test_regression_pause_timer_in_the_past(void) {
    run_result r = run("enable.idempotence=true\nacks=all\nmin.insync.replicas=2\n"
                       "replication.factor=3\nunclean.leader.election.enable=false\n"
                       "workload.records=2000\nworkload.rate=1000\n"
                       "fault.swarm1=crash leader at 489ms for 28ms\n"
                       "fault.swarm2=delay responses leader -> follower by 11897ms from 1951ms "
                       "to 2120ms\n"
                       "fault.swarm3=pause producer at 430ms for 9176ms\n",
                       2, NULL);
    CHECK_EQ(r.check.acked, 2000);
    CHECK_EQ(r.check.lost_acked + r.check.duplicates + r.check.reordered, 0);
    /* Every record paced during the pause was sent once it ended (430 ms + 9176 ms). */
    CHECK(r.check.latency_max_ns >= 9000 * 1000000LL);
}

int main(void) {
    test_regression_pause_timer_in_the_past();
    test_non_idempotent_one_in_flight();
    test_non_idempotent_five_in_flight();
    test_idempotent_failover();
    test_idempotent_resend_after_timeout();
    test_idempotent_resend_after_restart();
    test_unsafe_eight_in_flight();
    printf("runs with a broken invariant or no drain: %d\n", runs_broken);
    CHECK_EQ(runs_broken, 0);
    return test_result("prop_producer");
}
