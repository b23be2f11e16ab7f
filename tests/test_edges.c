/*
 * test_edges.c: configurations drawn from the edges of the documented ranges (issue 20). Each
 * seed sets a handful of keys of the key table to their minimum, minimum + 1 or maximum
 * (config_key_edge), on a release drawn from the oldest, newest and a few in between, half of
 * the seeds with a swarm fault mix too, and runs the scenario. Every seed must end in one of
 * the outcomes the command line promises: refused at validation with a message (exit 2),
 * completed (0), a broken invariant, run limit, stall or undrained run (1), or exhausted
 * memory (3); never an assert, a crash or a run past its bounds: events within
 * sim.max.events, memory within sim.max.memory.mb unless the run says it is exhausted.
 *
 * So a run stays small, workload.records, sim.max.time.ms, sim.max.events and
 * sim.max.memory.mb are capped (a drawn value above the cap, and memory's 0 = "half the
 * machine", take the cap). Seeds 1..300 run here; a longer run:
 *   KAFKASIM_EDGES_SEEDS=20000 KAFKASIM_EDGES_FIRST=1 build-dev/tests/test_edges
 * (tests/fuzz.sh runs one), with KAFKASIM_EDGES_VERBOSE=1 for one line per seed.
 */
#include <stdlib.h>

#include "config.h"
#include "pcg32.h"
#include "scenario.h"
#include "sim.h"
#include "swarm.h"
#include "test.h"

#define EDGES_STREAM_ID 0x45444745ULL /* "EDGE" */
#define EDGES_KEYS_MAX 6              /* keys set to an edge per seed: 1..6 */
#define CAP_RECORDS 200ULL
#define CAP_TIME_MS 120000ULL
#define CAP_EVENTS 300000ULL
#define CAP_MEMORY_MB 64ULL
#define CAP_PARTITIONS 64ULL /* 1024 partitions with a fetch at every instant run ~100 us/event */

static const char *const versions[] = {"0.11", "1.0", "2.0", "2.8", "3.0", "3.7", "3.9", "4.0", "4.3"};

typedef struct edges_counts {
    int refused, completed, failed, exhausted, unset_fault;
    int by_status[16];
} edges_counts;

/* The value text of key i at edge which, capped where the run would grow. */
static void edges_value(size_t i, const char *name, int which, char *buf, size_t len) {
    config_key_edge(i, which, buf, len);
    static const struct {
        const char *name;
        unsigned long long cap;
        bool zero_is_big;
    } caps[] = {{"workload.records", CAP_RECORDS, false},
                {"sim.max.time.ms", CAP_TIME_MS, false},
                {"sim.max.events", CAP_EVENTS, false},
                {"sim.max.memory.mb", CAP_MEMORY_MB, true},
                {"num.partitions", CAP_PARTITIONS, false},
                {"transaction.state.log.num.partitions", CAP_PARTITIONS, false}};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        if (strcmp(name, caps[k].name) != 0) continue;
        unsigned long long v = strtoull(buf, NULL, 10);
        if (v > caps[k].cap || (v == 0 && caps[k].zero_is_big))
            snprintf(buf, len, "%llu", caps[k].cap);
    }
}

/* Builds the properties text of seed into text; returns its length. */
static void edges_text(uint64_t seed, char *text, size_t len) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, EDGES_STREAM_ID);
    size_t count;
    const config_key *keys = config_keys(&count);
    size_t used = 0;
    used += (size_t)snprintf(text + used, len - used,
                             "kafka.version=%s\nsim.seed=%llu\nworkload.records=%llu\n"
                             "sim.max.time.ms=%llu\nsim.max.events=%llu\nsim.max.memory.mb=%llu\n",
                             versions[sim_pcg32_bounded(&rng, sizeof versions / sizeof versions[0])],
                             (unsigned long long)seed, 1 + (unsigned long long)sim_pcg32_bounded(&rng, CAP_RECORDS),
                             CAP_TIME_MS, CAP_EVENTS, CAP_MEMORY_MB);
    int n = 1 + (int)sim_pcg32_bounded(&rng, EDGES_KEYS_MAX);
    for (int k = 0; k < n; k++) {
        size_t i = 1 + sim_pcg32_bounded(&rng, (uint32_t)(count - 1)); /* not kafka.version */
        int which = (int)sim_pcg32_bounded(&rng, 3);
        char value[64];
        edges_value(i, keys[i].name, which, value, sizeof value);
        /* A later line of the same key wins (java.util.Properties), so a drawn cap key
         * replaces the one above. */
        used += (size_t)snprintf(text + used, len - used, "%s=%s\n", keys[i].name, value);
    }
}

/* Runs seed; returns false (after CHECKs that say why) on an outcome outside the contract. */
static void edges_run(uint64_t seed, edges_counts *n, bool verbose) {
    char text[4096], err[512] = "";
    edges_text(seed, text, sizeof text);
    if (verbose) printf("seed %llu:\n%s", (unsigned long long)seed, text);
    config c;
    if (config_load_text(&c, "edges.properties", text, err, sizeof err) != 0) {
        n->refused++;
        CHECK(err[0] != '\0');
        if (verbose) printf("seed %llu: refused: %s\n", (unsigned long long)seed, err);
        return;
    }
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, seed, EDGES_STREAM_ID + 1);
    if (sim_pcg32_bounded(&rng, 2)) {
        swarm_options o = {.kinds = SWARM_KINDS_ALL};
        swarm_mix mix;
        swarm_draw(seed, &c, &o, &mix);
        CHECK_EQ(swarm_apply(&c, &mix, err, sizeof err), 0);
    }
    scenario_options so = {.trace_node = -1, .trace_record = -1, .check_invariants = true};
    run_result r;
    int rc = scenario_run(&c, &so, &r);
    if (r.status >= 0 && (size_t)r.status < sizeof n->by_status / sizeof n->by_status[0])
        n->by_status[r.status]++;
    if (rc == 0) n->completed++;
    else if (rc == 1) n->failed++;
    else if (r.exhausted) n->exhausted++;
    else n->unset_fault++;
    if (verbose || (rc == 1 && r.invariant_broken && r.status == SIM_FAILED))
        printf("seed %llu: rc %d status %s events %llu memory %llu B%s%s\n",
               (unsigned long long)seed, rc, sim_status_name(r.status),
               (unsigned long long)r.events, (unsigned long long)r.memory_bytes,
               r.failure[0] ? ": " : "", r.failure);
    CHECK(rc == 0 || rc == 1 || rc == -1);
    CHECK(rc != -1 || r.exhausted || r.failure[0] != '\0');
    CHECK(r.events <= c.events_max);
    CHECK(r.sim_time_ns <= c.time_max_ns);
    if (!r.exhausted) CHECK(r.memory_bytes <= c.memory_max_mb * 1024 * 1024);
    if (rc == 0) CHECK(r.status == SIM_DRAINED || r.status == SIM_STOPPED);
    if (test_failures) {
        printf("seed %llu broke the contract; its configuration:\n%s",
               (unsigned long long)seed, text);
        config_write(&c, stdout);
    }
}

/* config_key_edge reads the table's ranges. */
static void test_key_edge(void) {
    size_t count;
    const config_key *keys = config_keys(&count);
    char buf[64];
    CHECK(config_key_edge(0, 0, buf, sizeof buf) == NULL); /* kafka.version */
    CHECK(config_key_edge(count, 0, buf, sizeof buf) == NULL);
    CHECK(config_key_edge(1, 3, buf, sizeof buf) == NULL);
    for (size_t i = 0; i < count; i++) {
        const char *want[3] = {NULL, NULL, NULL};
        if (strcmp(keys[i].name, "num.brokers") == 0) want[0] = "1", want[1] = "2", want[2] = "16";
        if (strcmp(keys[i].name, "acks") == 0) want[0] = "-1", want[1] = "0", want[2] = "1";
        if (strcmp(keys[i].name, "sim.max.events") == 0)
            want[0] = "1", want[1] = "2", want[2] = "18446744073709551615";
        if (strcmp(keys[i].name, "workload.records") == 0)
            want[0] = "0", want[1] = "1", want[2] = "100000000";
        for (int w = 0; w < 3; w++)
            if (want[w]) CHECK_STR(config_key_edge(i, w, buf, sizeof buf), want[w]);
    }
}

int main(void) {
    test_key_edge();
    const char *s = getenv("KAFKASIM_EDGES_SEEDS");
    const char *f = getenv("KAFKASIM_EDGES_FIRST");
    const char *v = getenv("KAFKASIM_EDGES_VERBOSE");
    uint64_t seeds = s ? strtoull(s, NULL, 10) : 300;
    uint64_t first = f ? strtoull(f, NULL, 10) : 1;
    edges_counts n = {0};
    for (uint64_t seed = first; seed < first + seeds && !test_failures; seed++)
        edges_run(seed, &n, v && *v == '1');
    printf("edges: %llu seeds: %d refused, %d completed, %d exit 1, %d exhausted, %d fault not "
           "set up\n",
           (unsigned long long)seeds, n.refused, n.completed, n.failed, n.exhausted,
           n.unset_fault);
    for (int i = 0; i < 16; i++)
        if (n.by_status[i]) printf("  %s: %d\n", sim_status_name((sim_status)i), n.by_status[i]);
    CHECK(n.completed > 0);
    CHECK(n.refused > 0);
    return test_result("test_edges");
}
