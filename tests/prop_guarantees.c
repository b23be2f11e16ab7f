/*
 * prop_guarantees.c: Kafka's documented delivery guarantee under swarm faults, and the known
 * ways to break it, each found within a stated number of seeds, shrunk, and replayed.
 *
 * The guarantee (kafka-semantics.md 2.7, 3.5; KIP-98 idempotence, KIP-679 defaults): an
 * idempotent producer with acks=all, min.insync.replicas=2 of 3 replicas and clean elections
 * sees no duplicate, no reordering and no lost acknowledged write under crashes, pauses,
 * partitions, drops, delays and producer restarts (the application does not send again what
 * the old session left unanswered: workload.resend.on.failure=false), but not under
 * whole-cluster power loss, which the swarm leaves out by default, and save S12: a broker
 * that restarted loads producer state holding one batch per producer id (LogLoader.
 * recoverSegment's snapshot at the log end), so when it leads while retries of batches it had
 * appended are pending, the older ones get OUT_OF_ORDER_SEQUENCE_NUMBER, the producer bumps
 * its epoch and writes them again. Such a run (duplicates only, after an OOSN) is counted
 * apart, not as a broken guarantee.
 *
 * The known failures (kafka-semantics.md section 5), each with the swarm kinds that provoke it:
 *   S1/S2  enable.idempotence=false, 5 in flight, retries: duplicates or reorderings
 *   S4     acks=1: lost acknowledged writes
 *   S6     unclean.leader.election.enable=true: lost acknowledged writes
 *   S7     whole-cluster power loss (unflushed page cache): lost acknowledged writes
 *   S12    a broker restart shrinks the dedup window to one batch: duplicates (too rare
 *          for the swarm to find within the bound; test_s12 pins the swarm's own instance,
 *          and tests/cli_restart.sh shows it with replication.factor=1)
 *   S11    a producer restart (new producer id): duplicates
 * Each must show within CASE_SEEDS_MAX seeds (the number found is printed), shrink to at most
 * three faults, replay from its written .properties text to the same trace hash, and vanish
 * when the one setting named as its cause is put back to the safe value.
 *
 * Beside them: the checker fed the history a window at a time gives the verdict it gives with
 * the whole history kept, on swarm runs full of anomalies.
 *
 * This test drives the models directly (scenario_run); tests/cli_check.sh drives the command.
 */
#define _POSIX_C_SOURCE 200809L /* write(2) in the abort handler */

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "properties.h"
#include "scenario.h"
#include "swarm.h"
#include "test.h"

#define GUARANTEE_SEEDS 300 /* swarm seeds the guarantee must hold for */
#define CASE_SEEDS_MAX 200  /* a known failure must show within this many seeds */
#define SHRINK_RUNS 150     /* runs spent shrinking one counterexample at most */

/* The workload every case shares: 2 s of records at 1000/s, so faults land mid-stream. */
#define WORKLOAD "workload.records=2000\nworkload.rate=1000\n"

enum verdict {
    V_NONE = 0,
    V_ANOMALY,  /* the anomaly the case looks for */
    V_SAFETY,   /* a model invariant broke */
    V_LIVENESS, /* the run did not drain, or a send got no callback */
    V_ERROR,    /* the scenario did not build */
};

enum anomaly { A_ANY = 0, A_DUP_OR_REORDER, A_LOST };

typedef struct judge_ctx {
    enum anomaly anomaly; /* what counts as V_ANOMALY */
    run_result last;      /* the result of the last run judged */
} judge_ctx;

/* The scenario being run, as text, so that a model assertion that aborts the test still says
 * which seed and faults did it (write(2) is safe in a signal handler; stdio is not). */
static char current[4096];
static size_t current_len;

static void on_abort(int sig) {
    (void)sig;
    if (write(STDERR_FILENO, current, current_len) < 0) current_len = 0;
}

static void current_set(const config *c) {
    size_t n = (size_t)snprintf(current, sizeof current,
                                "prop_guarantees: aborted in seed %llu, workload.records=%llu\n",
                                (unsigned long long)c->seed, (unsigned long long)c->records);
    for (int i = 0; i < c->fault_count && n < sizeof current; i++)
        n += (size_t)snprintf(current + n, sizeof current - n, "  fault.%s=%s\n",
                              c->faults[i].name, c->faults[i].text);
    current_len = n < sizeof current ? n : sizeof current - 1;
}

static int judge(void *ctx, const config *c) {
    judge_ctx *j = ctx;
    current_set(c);
    scenario_options so = {.trace_node = -1, .trace_record = -1, .check_invariants = true};
    run_result *r = &j->last;
    if (scenario_run(c, &so, r) < 0) return V_ERROR;
    if (r->invariant_broken) return r->status == SIM_FAILED ? V_SAFETY : V_LIVENESS;
    /* Sends of a producer session that ended (restart or crash) are answered by nobody. */
    bool session_ended = false;
    for (int i = 0; i < c->fault_count; i++)
        if (strncmp(c->faults[i].text, "restart producer", 16) == 0 ||
            strncmp(c->faults[i].text, "crash producer", 14) == 0)
            session_ended = true;
    if (r->check.unanswered > 0 && !session_ended) return V_LIVENESS;
    const checker_result *k = &r->check;
    bool dup = k->duplicates > 0 || k->reordered > 0, lost = k->lost_acked > 0;
    switch (j->anomaly) {
    case A_ANY: return dup || lost ? V_ANOMALY : V_NONE;
    case A_DUP_OR_REORDER: return dup ? V_ANOMALY : V_NONE;
    case A_LOST: return lost ? V_ANOMALY : V_NONE;
    }
    return V_NONE;
}

/* text -> a finished config, as `kafkasim run` builds it. */
static int load(const char *text, config *c) {
    char err[512];
    int rc = config_load_text(c, "scenario", text, err, sizeof err);
    if (rc != 0) fprintf(stderr, "scenario does not load: %s\n%s\n", err, text);
    return rc;
}

/* The config of one seed: the base with the seed's swarm mix added. */
static void seed_config(const config *base, uint64_t seed, unsigned kinds, int faults_max,
                        config *out) {
    swarm_options o = {.kinds = kinds, .faults_max = faults_max};
    swarm_mix mix;
    char err[256];
    *out = *base;
    out->seed = seed;
    swarm_draw(seed, base, &o, &mix);
    CHECK_EQ(swarm_apply(out, &mix, err, sizeof err), 0);
}

static void print_faults(const config *c) {
    for (int i = 0; i < c->fault_count; i++)
        fprintf(stderr, "  fault.%s=%s\n", c->faults[i].name, c->faults[i].text);
}

static void test_guarantee(void) {
    config *base = malloc(sizeof *base), *c = malloc(sizeof *c);
    CHECK_EQ(load("enable.idempotence=true\nacks=all\nmin.insync.replicas=2\n"
                  "replication.factor=3\nunclean.leader.election.enable=false\n" WORKLOAD,
                  base),
             0);
    unsigned kinds = SWARM_KINDS_DEFAULT;
    judge_ctx j = {.anomaly = A_ANY};
    int failures = 0, s12 = 0;
    uint64_t fired = 0;
    for (uint64_t seed = 1; seed <= GUARANTEE_SEEDS && failures < 3; seed++) {
        seed_config(base, seed, kinds, 0, c);
        int v = judge(&j, c);
        fired += j.last.check.faults_fired;
        if (v == V_NONE) continue;
        const checker_result *k = &j.last.check;
        if (v == V_ANOMALY && k->reordered == 0 && k->lost_acked == 0 &&
            k->errors[ERR_OUT_OF_ORDER_SEQUENCE_NUMBER] > 0) {
            s12++; /* S12: a restarted broker's one-batch window, see the file comment */
            continue;
        }
        failures++;
        fprintf(stderr,
                "guarantee broken, seed %llu: verdict %d (%s) duplicates=%llu reordered=%llu "
                "lost_acked=%llu unanswered=%llu\n",
                (unsigned long long)seed, v, j.last.failure,
                (unsigned long long)j.last.check.duplicates,
                (unsigned long long)j.last.check.reordered,
                (unsigned long long)j.last.check.lost_acked,
                (unsigned long long)j.last.check.unanswered);
        print_faults(c);
    }
    CHECK_EQ(failures, 0);
    printf("guarantee: %d swarm seeds, %llu faults fired, %d seeds with a duplicate, "
           "reordering, loss or failed run; %d with S12 duplicates after a broker restart\n",
           GUARANTEE_SEEDS, (unsigned long long)fired, failures, s12);
    CHECK(s12 < GUARANTEE_SEEDS / 10); /* a narrow window, not the rule */
    CHECK(fired > GUARANTEE_SEEDS); /* the faults did something */
    free(base);
    free(c);
}

/* Counterexamples the swarm once found against the guarantee, pinned with their seeds: each
 * must now run clean. Both lost an acknowledged write because a broker elected leader while
 * cut off from the controller never learned it (the push was lost; KIP-631's metadata offset
 * in heartbeats now makes it catch up) and replication never settled. */
static void test_pinned(void) {
    static const struct {
        uint64_t seed;
        const char *properties;
    } pinned[] = {
        /* Swarm seed 250 of test_guarantee, as `kafkasim check` shrank it. */
        {250, "enable.idempotence=true\nacks=all\nmin.insync.replicas=2\n"
              "workload.records=500\nworkload.rate=1000\n"
              "fault.swarm1=partition follower controller at 937ms for 22ms\n"
              "fault.swarm2=crash leader at 897ms for 55ms\n"},
        /* The S6 contrast, shrunk from seed 13, with clean elections. */
        {13, "acks=all\nmin.insync.replicas=1\nunclean.leader.election.enable=false\n"
             "replica.lag.time.max.ms=2000\nworkload.records=1\nworkload.rate=100\n"
             "fault.swarm1=crash leader at 20ms for 1ms\n"
             "fault.swarm3=partition follower controller at 2ms for 36ms\n"},
    };
    config *c = malloc(sizeof *c);
    judge_ctx j = {.anomaly = A_ANY};
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++) {
        CHECK_EQ(load(pinned[i].properties, c), 0);
        c->seed = pinned[i].seed;
        int v = judge(&j, c);
        if (v != V_NONE)
            fprintf(stderr, "pinned seed %llu: verdict %d (%s) lost_acked=%llu\n%s",
                    (unsigned long long)pinned[i].seed, v, j.last.failure,
                    (unsigned long long)j.last.check.lost_acked, pinned[i].properties);
        CHECK_EQ(v, V_NONE);
        CHECK_EQ(j.last.check.lost_acked, 0);
        CHECK(j.last.check.faults_fired == 2);
    }
    printf("pinned: %zu counterexamples run clean\n", sizeof pinned / sizeof pinned[0]);
    free(c);
}

/* S12 as the guarantee's swarm found it (seed 28): the follower broker-2 crashes after the
 * producer was cut off from the leader, so its restart loads one batch per producer id; the
 * leader crashes, broker-2 leads, and the producer's retries of the batches whose answers the
 * cut lost reach it: the oldest gets OUT_OF_ORDER_SEQUENCE_NUMBER, the epoch is bumped and the
 * batches are written again. Before the restart kept five batches (the replay from the last
 * roll's snapshot) this run was clean. The swarm found it with a 19 ms follower crash; since a
 * restart is registered only after the old session expired (ClusterControlManager.registerBroker,
 * 9 s), the crash lasts 9 s and the leader's crash and the cut come after it. */
static void test_s12(void) {
    config *c = malloc(sizeof *c);
    CHECK_EQ(load("enable.idempotence=true\nacks=all\nmin.insync.replicas=2\n" WORKLOAD
                  "fault.swarm1=crash follower at 563ms for 9s\n"
                  "fault.swarm2=crash leader at 10500ms for 10s\n"
                  "fault.swarm3=partition leader producer at 481ms for 19s\n",
                  c),
             0);
    c->seed = 28;
    judge_ctx j = {.anomaly = A_DUP_OR_REORDER};
    CHECK_EQ(judge(&j, c), V_ANOMALY);
    CHECK(j.last.check.duplicates > 0);
    CHECK_EQ(j.last.check.lost_acked, 0);
    CHECK(j.last.check.errors[ERR_OUT_OF_ORDER_SEQUENCE_NUMBER] > 0);
    CHECK(j.last.check.epoch_bumps > 0);
    printf("S12 broker restart: seed 28, %llu duplicates after an epoch bump\n",
           (unsigned long long)j.last.check.duplicates);
    free(c);
}

typedef struct known_case {
    const char *name;       /* Kafka's scenario, kafka-semantics.md section 5 */
    const char *properties; /* the base scenario */
    unsigned kinds;         /* swarm kinds drawn */
    int faults_max;         /* faults per mix at most (0: the default, 4) */
    enum anomaly anomaly;   /* what must show */
    const char *contrast;   /* the safe setting: with it the shrunk scenario must be clean */
    int shrunk_max;         /* faults left after shrinking at most (0: 3) */
} known_case;

/* Shrinks the counterexample, writes it, loads it back and replays it. */
static void shrink_and_replay(const known_case *k, config *c, judge_ctx *j) {
    swarm_shrink_stats st;
    swarm_shrink(c, V_ANOMALY, judge, j, SHRINK_RUNS, &st);
    CHECK(c->fault_count <= (k->shrunk_max ? k->shrunk_max : 3));
    CHECK_EQ(judge(j, c), V_ANOMALY);
    uint64_t hash = j->last.trace_hash;

    FILE *f = tmpfile();
    CHECK_EQ(swarm_scenario_write(c, k->name, f), 0);
    long size = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    CHECK_EQ(fread(text, 1, (size_t)size, f), size);
    fclose(f);
    config *replay = malloc(sizeof *replay);
    CHECK_EQ(load(text, replay), 0);
    replay->seed = c->seed;
    CHECK_EQ(judge(j, replay), V_ANOMALY);
    CHECK_EQ(j->last.trace_hash, hash);
    if (k->contrast) {
        /* The cause is the setting named: put the safe one back and the anomaly goes. */
        size_t len = strlen(text) + strlen(k->contrast) + 2;
        char *safe = malloc(len);
        snprintf(safe, len, "%s%s\n", text, k->contrast);
        CHECK_EQ(load(safe, replay), 0);
        replay->seed = c->seed;
        int v = judge(j, replay);
        if (v != V_NONE) fprintf(stderr, "%s: still verdict %d with %s\n", k->name, v, k->contrast);
        CHECK_EQ(v, V_NONE);
        free(safe);
    }
    printf("  shrunk in %d runs to %d faults, workload.records=%llu:\n%s", st.runs,
           c->fault_count, (unsigned long long)c->records, text);
    free(text);
    free(replay);
}

static void test_known_failure(const known_case *k) {
    config *base = malloc(sizeof *base), *c = malloc(sizeof *c);
    CHECK_EQ(load(k->properties, base), 0);
    judge_ctx j = {.anomaly = k->anomaly};
    uint64_t found = 0;
    for (uint64_t seed = 1; seed <= CASE_SEEDS_MAX && !found; seed++) {
        seed_config(base, seed, k->kinds, k->faults_max, c);
        int v = judge(&j, c);
        if (v == V_ANOMALY) found = seed;
        if (v == V_SAFETY || v == V_ERROR) {
            fprintf(stderr, "%s: seed %llu: verdict %d: %s\n", k->name,
                    (unsigned long long)seed, v, j.last.failure);
            print_faults(c);
            CHECK(false);
        }
    }
    printf("%s: found at seed %llu (bound %d)\n", k->name, (unsigned long long)found,
           CASE_SEEDS_MAX);
    CHECK(found > 0);
    if (found) shrink_and_replay(k, c, &j);
    free(base);
    free(c);
}

/* The checker takes the history a window at a time unless the explainer or a plot reads it
 * after the run (scenario.c). Under swarm faults, with anomalies and enough records to fill
 * many windows, both ways give the same verdict. */
static void test_checker_streams(void) {
    config *base = malloc(sizeof *base), *c = malloc(sizeof *c);
    CHECK_EQ(load("enable.idempotence=false\nacks=1\nmax.in.flight.requests.per.connection=5\n"
                  "workload.records=20000\nworkload.rate=10000\n"
                  "workload.resend.on.failure=true\n",
                  base),
             0);
    FILE *null_out = fopen("/dev/null", "w");
    CHECK(null_out != NULL);
    uint64_t anomalies = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        seed_config(base, seed, SWARM_KINDS_DEFAULT | SWARM_RESTART_PRODUCER, 0, c);
        current_set(c);
        scenario_options streamed = {.trace_node = -1, .trace_record = -1};
        scenario_options kept = streamed;
        kept.explain_out = null_out;
        kept.explain_limit = 1;
        run_result a, b;
        CHECK(scenario_run(c, &streamed, &a) >= 0);
        CHECK(scenario_run(c, &kept, &b) >= 0);
        CHECK(memcmp(&a.check, &b.check, sizeof a.check) == 0);
        CHECK_EQ(a.trace_hash, b.trace_hash);
        CHECK_EQ(a.invariant_broken, b.invariant_broken);
        anomalies += a.check.duplicates + a.check.reordered + a.check.lost_acked;
    }
    printf("checker streams: 40 swarm seeds of 20,000 records, %llu anomalies, same verdicts "
           "with the whole history kept\n",
           (unsigned long long)anomalies);
    CHECK(anomalies > 0);
    fclose(null_out);
    free(base);
    free(c);
}

int main(void) {
    signal(SIGABRT, on_abort);
    test_checker_streams();
    static const known_case cases[] = {
        {"S1/S2 non-idempotent retries",
         "enable.idempotence=false\nacks=all\nmax.in.flight.requests.per.connection=5\n"
         "min.insync.replicas=2\n" WORKLOAD,
         SWARM_CRASH | SWARM_PARTITION | SWARM_DROP | SWARM_DELAY, 0, A_DUP_OR_REORDER,
         "enable.idempotence=true", 0},
        {"S4 acks=1", "acks=1\nmin.insync.replicas=2\n" WORKLOAD, SWARM_CRASH | SWARM_PARTITION,
         0, A_LOST, "acks=all", 0},
        /* An out-of-sync replica must exist before the last in-sync one dies: a slower
         * workload (20 s) and a shorter replica.lag.time.max.ms (2 s) let the ISR shrink
         * within the run, and up to 8 faults let the crashes line up. A crash shorter than
         * the broker session moves no leadership (the restart is not registered before the
         * session expires), so the shrunk mix may keep a fourth fault. */
        {"S6 unclean election",
         "acks=all\nmin.insync.replicas=1\nunclean.leader.election.enable=true\n"
         "replica.lag.time.max.ms=2000\nworkload.records=2000\nworkload.rate=100\n",
         SWARM_CRASH | SWARM_PARTITION, 8, A_LOST, "unclean.leader.election.enable=false", 4},
        {"S7 power loss", "acks=all\nmin.insync.replicas=2\n" WORKLOAD,
         SWARM_CRASH | SWARM_POWERLOSS, 0, A_LOST, NULL, 0},
        /* The application sends again what the old session never answered. */
        {"S11 producer restart",
         "acks=all\nmin.insync.replicas=2\nworkload.resend.on.failure=true\n" WORKLOAD,
         SWARM_RESTART_PRODUCER | SWARM_DELAY, 0, A_DUP_OR_REORDER,
         "workload.resend.on.failure=false", 0},
    };
    test_pinned();
    test_guarantee();
    test_s12();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_known_failure(&cases[i]);
    return test_result("prop_guarantees");
}
