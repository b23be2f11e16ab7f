/*
 * cmd_demo.c: `kafkasim demo`, the main job in one command: the classic questions about the
 * produce path, each a small scenario run over a handful of seeds, answered in one table.
 *
 * Every row is an ordinary scenario (the same keys `kafkasim run` takes); the table counts,
 * per row, the runs in which each anomaly appeared and the records it touched. Nothing here is
 * special-cased: change a row's keys and the answer changes with the model.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "scenario.h"

#define DEMO_KEYS_MAX 12

typedef struct demo_row {
    const char *question;               /* what the row asks */
    const char *keys[DEMO_KEYS_MAX];    /* key=value settings, NULL-terminated */
} demo_row;

/* Shared by every row: a small workload that runs in milliseconds. */
static const char *const demo_base[] = {
    "workload.records=2000", "workload.rate=20000", "network.latency.ms=1",
    "network.jitter.ms=0.2", NULL,
};

static const demo_row demo_rows[] = {
    {"retries without idempotence, 5% of responses lost, 5 in flight",
     {"enable.idempotence=false", "acks=all", "max.in.flight.requests.per.connection=5",
      "request.timeout.ms=30", "fault.drop1=break responses leader -> producer p=0.05", NULL}},
    {"retries without idempotence, 5% of requests lost, 5 in flight",
     {"enable.idempotence=false", "acks=all", "max.in.flight.requests.per.connection=5",
      "request.timeout.ms=30", "fault.drop1=break requests producer -> leader p=0.05", NULL}},
    {"the same with max.in.flight.requests.per.connection=1",
     {"enable.idempotence=false", "acks=all", "max.in.flight.requests.per.connection=1",
      "request.timeout.ms=30", "fault.drop1=break requests producer -> leader p=0.05", NULL}},
    {"the same with enable.idempotence=true, 5 in flight",
     {"enable.idempotence=true", "acks=all", "max.in.flight.requests.per.connection=5",
      "request.timeout.ms=30", "fault.drop1=break requests producer -> leader p=0.05",
      "fault.drop2=break responses leader -> producer p=0.05", NULL}},
    {"the first row with enable.idempotence=true",
     {"enable.idempotence=true", "acks=all", "max.in.flight.requests.per.connection=5",
      "request.timeout.ms=30", "fault.drop1=break responses leader -> producer p=0.05", NULL}},
    {"kafka.version=3.0.0 defaults (KAFKA-13598), same losses",
     {"kafka.version=3.0.0", "request.timeout.ms=30",
      "fault.drop1=break responses leader -> producer p=0.05", NULL}},
    {"the first row on TCP (drop: resent after 200 ms), default timeout",
     {"enable.idempotence=false", "acks=all", "max.in.flight.requests.per.connection=5",
      "fault.drop1=drop responses leader -> producer p=0.05", NULL}},
    {"acks=1, leader crashes right after an append",
     {"acks=1", "enable.idempotence=false",
      "fault.crash1=crash leader on leader.append n=60 for 20s", NULL}},
    {"acks=all, min.insync.replicas=2, same crash",
     {"acks=all", "min.insync.replicas=2",
      "fault.crash1=crash leader on leader.append n=60 for 20s", NULL}},
    {"acks=all, min ISR 1, ISR shrunk, unclean election",
     {"acks=all", "min.insync.replicas=1", "unclean.leader.election.enable=true",
      "replica.lag.time.max.ms=50", "workload.rate=10000",
      "fault.cut=partition broker-1 broker-2 at 5ms for 60s",
      "fault.cut2=partition broker-1 broker-3 at 5ms for 60s",
      "fault.crash1=crash broker-1 at 150ms", NULL}},
    {"acks=all, min ISR 2, power loss of the whole cluster",
     {"acks=all", "min.insync.replicas=2", "fault.power=powerloss all at 50ms for 1s", NULL}},
    {"idempotent, RF=1 leader restarts, 1 batch per id left (S12)",
     {"enable.idempotence=true", "replication.factor=1",
      "fault.crash1=crash leader on leader.append n=5 for 50ms", NULL}},
    {"the same with RF=3: a follower with 5 batches leads",
     {"enable.idempotence=true", "replication.factor=3",
      "fault.crash1=crash leader on leader.append n=5 for 50ms", NULL}},
    {"producer restart with resend, idempotent, no transactions",
     {"enable.idempotence=true", "workload.resend.on.failure=true",
      "fault.restart=restart producer at 40ms", NULL}},
};

#define DEMO_ROWS (sizeof demo_rows / sizeof demo_rows[0])

typedef struct demo_tally {
    int runs;                 /* runs done */
    int runs_dup, runs_reord, runs_lost; /* runs with each anomaly */
    uint64_t dup, reord, lost;           /* records touched, summed over runs */
    int broken;               /* runs with a broken invariant or no drain */
} demo_tally;

static int demo_config(const demo_row *row, uint64_t seed, config *c, char *err, size_t len) {
    char *inputs[DEMO_KEYS_MAX + 8];
    int n = 0;
    for (int i = 0; demo_base[i]; i++) inputs[n++] = (char *)demo_base[i];
    for (int i = 0; row->keys[i]; i++) inputs[n++] = (char *)row->keys[i];
    if (cli_load_config(c, inputs, n, err, len) != 0) return -1;
    c->seed = seed;
    return 0;
}

static void demo_usage(FILE *out) {
    fputs("Usage: kafkasim demo [--seeds N] [--show]\n"
          "Run the classic produce-path questions over N seeds each (default 50) and print\n"
          "one table: in how many runs each anomaly appeared, and how many records it hit.\n"
          "\n"
          "  -s, --seeds N   seeds 1..N per row (default 50)\n"
          "      --show      print each row as a `kafkasim run` command instead of running it;\n"
          "                  a row's table entry sums that command over --seed 1..N\n"
          "  -h, --help      show this help and exit\n",
          out);
}

/* Each row as the `kafkasim run` command that replays its first seed, under its question. */
static void demo_show(unsigned long long seeds) {
    for (size_t r = 0; r < DEMO_ROWS; r++) {
        printf("# %zu. %s (the table sums --seed 1..%llu)\nkafkasim run", r + 1,
               demo_rows[r].question, seeds);
        for (int i = 0; demo_base[i]; i++) {
            putchar(' ');
            report_shell_word(stdout, demo_base[i]);
        }
        for (int i = 0; demo_rows[r].keys[i]; i++) {
            putchar(' ');
            report_shell_word(stdout, demo_rows[r].keys[i]);
        }
        printf(" --seed 1\n");
    }
}

int cmd_demo(int argc, char **argv) {
    static const struct option opts[] = {
        {"seeds", required_argument, NULL, 's'}, {"show", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool show = false;
    unsigned long long seeds = 50;
    char err[512];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
        if (opt == 'h') { demo_usage(stdout); return CLI_EXIT_OK; }
        if (opt == 'w') { show = true; continue; }
        if (opt != 's') {
            fprintf(stderr, "kafkasim demo: %s\nTry 'kafkasim demo --help'.\n",
                    cli_getopt_error(opt, argv, err, sizeof err));
            return CLI_EXIT_USAGE;
        }
        if (cli_parse_u64("--seeds", optarg, &seeds, err, sizeof err) != 0 || seeds == 0 ||
            seeds > 100000) {
            fprintf(stderr, "kafkasim demo: --seeds takes 1 .. 100000\n"
                            "Try 'kafkasim demo --help'.\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kafkasim demo: unexpected argument '%s'\n"
                        "Try 'kafkasim demo --help'.\n", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (show) {
        demo_show(seeds);
        return CLI_EXIT_OK;
    }
    printf("%-64s %5s %16s %16s %16s\n", "question", "runs", "duplicate", "nonmonotonic",
           "lost-write");
    printf("%-64s %5s %16s %16s %16s\n", "", "", "runs (records)", "runs (records)",
           "runs (records)");
    int status = CLI_EXIT_OK;
    for (size_t r = 0; r < DEMO_ROWS; r++) {
        demo_tally t = {0};
        for (uint64_t seed = 1; seed <= seeds; seed++) {
            config c;
            run_result res;
            if (demo_config(&demo_rows[r], seed, &c, err, sizeof err) != 0) {
                fprintf(stderr, "kafkasim demo: row %zu: %s\n", r + 1, err);
                return CLI_EXIT_FAILED;
            }
            if (scenario_run(&c, NULL, &res) != 0) t.broken++;
            t.runs++;
            t.runs_dup += res.check.duplicates > 0;
            t.runs_reord += res.check.reordered > 0;
            t.runs_lost += res.check.lost_acked > 0;
            t.dup += res.check.duplicates;
            t.reord += res.check.reordered;
            t.lost += res.check.lost_acked;
        }
        char d[32], o[32], l[32];
        snprintf(d, sizeof d, "%d (%llu)", t.runs_dup, (unsigned long long)t.dup);
        snprintf(o, sizeof o, "%d (%llu)", t.runs_reord, (unsigned long long)t.reord);
        snprintf(l, sizeof l, "%d (%llu)", t.runs_lost, (unsigned long long)t.lost);
        printf("%-64s %5d %16s %16s %16s\n", demo_rows[r].question, t.runs, d, o, l);
        if (t.broken) {
            printf("  %d run(s) broke an invariant or did not drain: replay with kafkasim run\n",
                   t.broken);
            status = CLI_EXIT_FAILED;
        }
    }
    printf("\nEach row is a `kafkasim run` scenario: `kafkasim demo --show` prints the commands;\n"
           "see `kafkasim run --help`; the full sweeps are in results/README.md. The first six\n"
           "rows lose messages with their connection (`break`); the seventh loses TCP segments\n"
           "(`drop`), which TCP resends.\n");
    return status;
}
