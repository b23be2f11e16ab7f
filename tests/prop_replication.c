/*
 * prop_replication.c: what replication promises and where it stops promising, over many seeds
 * (kafka-semantics.md section 2 and section 5, scenarios S4, S6, S7).
 *
 *   acks=1            a leader that dies after its append, before the followers fetch, loses
 *                     acknowledged records (S4), and truncates them when it rejoins as a
 *                     follower (KIP-101, KIP-279: the HIST_TRUNCATE of the old leader).
 *   acks=all, min.insync.replicas=2 of 3, clean elections
 *                     no single-broker crash schedule loses an acknowledged record
 *                     (Partition.maybeIncrementLeaderHW, KIP-966 background).
 *   min.insync.replicas=1, unclean elections
 *                     an ISR shrunk to the leader by a partition, then the leader's death,
 *                     elects an out-of-sync replica and loses acknowledged records (S6,
 *                     KAFKA-1211); with clean elections the same schedule loses none.
 *   power loss        acks=all and min.insync.replicas=2 do not survive a whole-cluster power
 *                     loss with the default flushing (log.flush.interval.messages=Long.MAX: the
 *                     tail sits in the page cache, S7); flushing every message survives it.
 *
 * Every run walks every model's invariants after every event (HW <= LEO, the leader is in the
 * ISR, ...) and scenario.c's check that committed records never change across leaders; a broken
 * one fails the test with the seed and a replay command.
 */
#define _POSIX_C_SOURCE 200809L /* fileno, for tmpfile traces */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pcg32.h"
#include "properties.h"
#include "scenario.h"
#include "prop.h"
#include "test.h"

#define ACKS1_SEEDS 200      /* seeds of the acks=1 crash sweep */
#define SAFE_SEEDS 1000      /* single-broker crash schedules that must lose nothing */
#define UNCLEAN_SEEDS 100    /* seeds of the shrunk-ISR unclean election */
#define POWERLOSS_SEEDS 200  /* seeds of the power loss */

/* 300 records at 1000/s: faults land mid-stream, and a run takes milliseconds. */
#define WORKLOAD "workload.records=300\nworkload.rate=1000\nreplication.factor=3\n"

/* ---- acks=1: the leader dies after its append ------------------------------------------- */

/* Removed records of "broker-1 truncate ... removed=N" lines after broker-1 restarted. */
static long truncated_after_restart(FILE *trace) {
    char line[1024];
    bool restarted = false;
    long removed = 0;
    rewind(trace);
    while (fgets(line, sizeof line, trace)) {
        if (strstr(line, " broker-1 restart")) restarted = true;
        const char *t = strstr(line, " broker-1 truncate ");
        const char *n = t ? strstr(t, "removed=") : NULL;
        if (restarted && n) removed += strtol(n + 8, NULL, 10);
    }
    return removed;
}

static void test_acks1_loses_and_truncates(void) {
    char text[1024];
    int lossy = 0, truncated = 0;
    uint64_t lost = 0;
    for (uint64_t seed = 1; seed <= ACKS1_SEEDS; seed++) {
        /* The k-th append of the leader, k swept along the stream, one per seed. The crash
         * lasts past the session of its last heartbeat (sent at 0, valid to 9.001 s): a
         * restart within it would not be registered before the session expires
         * (ClusterControlManager.registerBroker). A pause of the idle producer at 12 s keeps
         * the run going until the old leader has rejoined, so that its truncation is seen. */
        unsigned k = 1 + (unsigned)(seed * 7 % 250);
        snprintf(text, sizeof text,
                 "acks=1\nenable.idempotence=false\nmin.insync.replicas=2\n" WORKLOAD
                 "fault.crash=crash leader on leader.append n=%u for 9s\n"
                 "fault.wait=pause producer at 12s for 1ms\n", k);
        FILE *trace = tmpfile();
        run_result r = run(text, seed, trace);
        if (r.check.lost_acked > 0) {
            lossy++;
            lost += r.check.lost_acked;
            /* The old leader (broker-1, the first replica) rejoined as a follower and cut the
             * records the new leader never had. */
            long removed = truncated_after_restart(trace);
            if (removed >= (long)r.check.lost_acked) truncated++;
            else fprintf(stderr, "acks=1 seed %llu: lost %llu, old leader truncated %ld\n",
                         (unsigned long long)seed, (unsigned long long)r.check.lost_acked,
                         removed);
        }
        fclose(trace);
        /* The same schedule with acks=all loses nothing. */
        snprintf(text, sizeof text,
                 "acks=all\nenable.idempotence=false\nmin.insync.replicas=2\n" WORKLOAD
                 "fault.crash=crash leader on leader.append n=%u for 9s\n", k);
        r = run(text, seed, NULL);
        CHECK_EQ(r.check.lost_acked, 0);
    }
    printf("acks=1: %d of %d seeds lost %llu acknowledged records; in %d of them the old "
           "leader truncated at least as many on rejoining\n",
           lossy, ACKS1_SEEDS, (unsigned long long)lost, truncated);
    CHECK(lossy > 0);
    CHECK_EQ(truncated, lossy);
}

/* ---- acks=all, min.insync.replicas=2: no single-broker crash loses anything --------------- */

/* One single-broker crash schedule drawn from seed: whom, when (a time or the k-th protocol
 * step), and for how long (or for good). */
static void crash_schedule(uint64_t seed, char *out, size_t len) {
    static const char *const targets[] = {"leader", "follower", "broker-1", "broker-2",
                                          "broker-3"};
    /* The steps a broker takes (a producer's step on a broker is refused: it never fires). */
    static const char *const steps[] = {"leader.append", "follower.fetch", "leader.hw-advance"};
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, 0x7265706c ^ seed);
    const char *target = targets[sim_pcg32_bounded(&rng, 5)];
    char when[64], span[32] = "";
    if (sim_pcg32_bounded(&rng, 2) == 0)
        snprintf(when, sizeof when, "at %ums", 10 + sim_pcg32_bounded(&rng, 400));
    else
        snprintf(when, sizeof when, "on %s n=%u", steps[sim_pcg32_bounded(&rng, 3)],
                 1 + sim_pcg32_bounded(&rng, 200));
    if (sim_pcg32_bounded(&rng, 3) != 0)
        snprintf(span, sizeof span, " for %ums", 1 + sim_pcg32_bounded(&rng, 3000));
    snprintf(out, len, "fault.crash=crash %s %s%s\n", target, when, span);
}

static void test_acks_all_single_crash_loses_nothing(void) {
    char text[1024], fault[160];
    uint64_t acked = 0, elections = 0, truncated = 0;
    int lossy = 0;
    for (uint64_t seed = 1; seed <= SAFE_SEEDS; seed++) {
        crash_schedule(seed, fault, sizeof fault);
        snprintf(text, sizeof text,
                 "acks=all\nmin.insync.replicas=2\nunclean.leader.election.enable=false\n"
                 WORKLOAD "%s", fault);
        run_result r = run(text, seed, NULL);
        acked += r.check.acked;
        elections += r.check.leader_elections;
        truncated += r.check.truncated;
        if (r.check.lost_acked == 0) continue;
        lossy++;
        fprintf(stderr, "acks=all seed %llu: lost_acked=%llu with %s", (unsigned long long)seed,
                (unsigned long long)r.check.lost_acked, fault);
    }
    printf("acks=all, min.insync.replicas=2: %d single-broker crash schedules, %llu acked, "
           "%llu elections, %llu records truncated, %d seeds lost an acknowledged record\n",
           SAFE_SEEDS, (unsigned long long)acked, (unsigned long long)elections,
           (unsigned long long)truncated, lossy);
    CHECK_EQ(lossy, 0);
    CHECK(elections > SAFE_SEEDS / 10); /* the crashes moved leadership */
}

/* ---- Unclean election after the ISR shrank to the leader ---------------------------------- */

/* The leader is cut from both followers (the controller still sees all three), so after
 * replica.lag.time.max.ms the ISR is the leader alone, which min.insync.replicas=1 accepts;
 * then the leader dies for good, and only an out-of-sync replica is left. */
#define SHRINK_SCHEDULE                                                                        \
    "acks=all\nmin.insync.replicas=1\nreplica.lag.time.max.ms=300\n"                          \
    "workload.records=1500\nworkload.rate=1000\nreplication.factor=3\n"                        \
    "fault.cut2=partition broker-1 broker-2 at %ums for 10s\n"                                 \
    "fault.cut3=partition broker-1 broker-3 at %ums for 10s\n"                                 \
    "fault.crash=crash broker-1 at %ums for 20s\n"

static void test_unclean_election_loses(void) {
    char text[2048];
    int lossy = 0, unclean = 0;
    uint64_t lost = 0;
    for (uint64_t seed = 1; seed <= UNCLEAN_SEEDS; seed++) {
        unsigned cut = 100 + (unsigned)(seed % 200), crash = 1000 + (unsigned)(seed * 3 % 400);
        char base[1024];
        snprintf(base, sizeof base, SHRINK_SCHEDULE, cut, cut, crash);
        snprintf(text, sizeof text, "%sunclean.leader.election.enable=true\n", base);
        run_result r = run(text, seed, NULL);
        if (r.check.unclean_elections > 0) unclean++;
        if (r.check.lost_acked > 0) lossy++;
        lost += r.check.lost_acked;
        snprintf(text, sizeof text, "%sunclean.leader.election.enable=false\n", base);
        r = run(text, seed, NULL);
        CHECK_EQ(r.check.lost_acked, 0);
        CHECK_EQ(r.check.unclean_elections, 0);
    }
    printf("unclean election: %d of %d seeds elected uncleanly, %d lost %llu acknowledged "
           "records; with clean elections none\n",
           unclean, UNCLEAN_SEEDS, lossy, (unsigned long long)lost);
    CHECK(unclean > 0);
    CHECK(lossy > 0);
}

/* ---- Power loss --------------------------------------------------------------------------- */

static void test_powerloss(void) {
    char text[1024];
    int lossy_default = 0, lossy_flushed = 0;
    uint64_t lost_default = 0;
    for (uint64_t seed = 1; seed <= POWERLOSS_SEEDS; seed++) {
        unsigned at = 20 + (unsigned)(seed * 13 % 300);
        for (int flush = 0; flush <= 1; flush++) {
            snprintf(text, sizeof text,
                     "acks=all\nmin.insync.replicas=2\nunclean.leader.election.enable=false\n"
                     WORKLOAD "%sfault.power=powerloss all at %ums for 1s\n",
                     flush ? "log.flush.interval.messages=1\n" : "", at);
            run_result r = run(text, seed, NULL);
            if (r.check.lost_acked == 0) continue;
            if (flush) {
                lossy_flushed++;
                fprintf(stderr, "powerloss seed %llu, flushed: lost_acked=%llu\n",
                        (unsigned long long)seed, (unsigned long long)r.check.lost_acked);
            } else {
                lossy_default++;
                lost_default += r.check.lost_acked;
            }
        }
    }
    printf("power loss: default flushing lost %llu acknowledged records in %d of %d seeds; "
           "log.flush.interval.messages=1 lost some in %d\n",
           (unsigned long long)lost_default, lossy_default, POWERLOSS_SEEDS, lossy_flushed);
    CHECK(lossy_default > 0);
    CHECK_EQ(lossy_flushed, 0);
}

/* Regression: power failing on a broker whose process had already crashed still empties its
 * page cache. It used to keep its unflushed tail, restart with it, and then truncate records
 * the powered-off cluster had lost, which the committed-records invariant took for a bug. */
static void test_powerloss_while_down(void) {
    run_result r = run("workload.records=1\nworkload.rate=20000\nrequest.timeout.ms=30\n"
                       "fault.crash1=crash leader at 20ms for 2ms\n"
                       "fault.power=powerloss all at 22ms for 1ms\n",
                       7, NULL);
    CHECK(!r.invariant_broken);
    CHECK_EQ(r.check.lost_acked, 1); /* the acknowledged record was only in page caches */
}

int main(void) {
    test_acks1_loses_and_truncates();
    test_acks_all_single_crash_loses_nothing();
    test_unclean_election_loses();
    test_powerloss();
    test_powerloss_while_down();
    printf("runs with a broken invariant or no drain: %d\n", runs_broken);
    CHECK_EQ(runs_broken, 0);
    return test_result("prop_replication");
}
