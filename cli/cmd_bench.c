/*
 * cmd_bench.c: `kafkasim bench`, throughput and memory of the simulator on this machine.
 *
 *   kafkasim bench [--reference] [--partitions] [--transactions] [--pipeline] [--sweep]
 *                  [--kernel] [--scaling] [--runs N]
 *                  [--events N] [--repeat N] [--seed N] [--reference-file FILE]
 *                  [--partitions-file FILE] [--format text|json]
 *
 * Benches are rows of one table (bench_table): a name, a selecting option and a function that
 * runs and prints. With no bench named, every bench but --scaling runs (it takes minutes).
 *
 * - reference: the scenario of experiments/bench-reference.properties (one idempotent producer,
 *   100,000 records of 100 bytes in batches of 10, 5 in flight, RF 3, acks=all, 1 ms +- 0.2 ms
 *   latency, 1% of produce responses lost with their connection: `break`) through
 *   scenario_run, as `kafkasim run --no-check` runs it: history, checker and trace hash
 *   included, the per-event invariant walk off (it is a debugging aid: `kafkasim run` has it
 *   on, sweeps have it off). "Records simulated per second" is workload.records over the
 *   wall time of scenario_run.
 * - partitions: the scenario of experiments/bench-partitions.properties, the reference
 *   scenario in a world of many partitions: 3 brokers, one topic of 24 partitions, 4 idempotent
 *   producers writing 10^6 keyed records (1,000 keys) between them, the rest as in the
 *   reference. It runs in a child process started before any bench, so that the peak
 *   resident set it shows (of its first run) is its own, and its repeats alternate with runs
 *   of the reference scenario in this process, so that whatever else the machine does slows
 *   both alike: the row shows its records/s as a ratio of the fastest reference run of this
 *   bench (those and the reference row's).
 * - transactions: the scenario of experiments/bench-transactions.properties, the reference
 *   scenario with a transactional producer (transactional.id=app, 100 records per transaction,
 *   each committed: AddPartitionsToTxn, EndTxn, the coordinator's __transaction_state writes
 *   and the commit markers). Its repeats alternate with runs of the reference scenario in this
 *   process, and the row shows its records/s as a ratio of the fastest reference run of this
 *   bench, as the partitions row does (its peak resident set is this process's, not its own).
 * - pipeline: the scenario of experiments/bench-pipeline.properties, the reference scenario as
 *   the input of a consume-process-produce application: 4 partitions, keyed records (1,000
 *   keys, as the partitions row, so the producer's adaptive partitioner is not what is
 *   measured), a group of 4 consumers (consumer-1 .. consumer-4, the range assignor, from the
 *   earliest offset) each processing every record it polls for 1 ms of simulated time,
 *   applying it to an external sink and writing one output record for it to the topic output
 *   with its own producer (flushed before each poll), at-least-once with auto commit. It
 *   alternates with the
 *   reference scenario as the transactions row does and shows its records/s as a ratio of it.
 * - sweep: many 10,000-record runs of the same scenario over consecutive seeds, one
 *   scenario_run each (setup, run, judge), as a sweep runs its grid points: runs per second.
 * - kernel: the classic hold model (Jones, "An empirical comparison of priority-queue and
 *   event-set implementations", CACM 1986): a steady population of pending events in which
 *   every dispatched event schedules one successor at now + uniform [0, 2^20) ns. It runs
 *   through sim_run, so the figures include dispatch and the trace hash.
 * - scaling: the reference scenario at 10^4 .. 10^7 records, each in a child process of its
 *   own so that its peak resident set is its own: records/s and bytes per record.
 *
 * Every figure is the fastest of --repeat measurements (other processes on the machine only
 * ever slow a run down), and every repeat must end with the same trace hash: the bench doubles
 * as a determinism check. The reference row also shows its first repeat, which pays for
 * touching its memory for the first time: on a virtual machine a page fault costs microseconds,
 * and a 10^5-record run faults in about 23 MiB, so the first run can take several times as
 * long as a later one that reuses memory the allocator kept (the scaling rows, one process
 * each, are such first runs).
 *
 * Wall-clock time is read here, and only here: it measures the simulator and never decides
 * anything simulated (tests/cli_no_wallclock.sh keeps it out of sim/ and models/).
 */
#define _XOPEN_SOURCE 700 /* clock_gettime, getrusage, fork, pipe, mkdtemp, nftw */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bare.h"
#include "cli.h"
#include "scenario.h"
#include "sim.h"

#define BENCH_HOLD_INCREMENT_NS_MAX (UINT32_C(1) << 20) /* hold model increments, ns */
#define BENCH_EVENTS_DEFAULT UINT64_C(5000000)
#define BENCH_REPEAT_DEFAULT UINT64_C(3)
#define BENCH_STREAM_HOLD 1 /* component id of the hold model's stream */
#define BENCH_RUNS_DEFAULT UINT64_C(1000)
#define BENCH_SWEEP_RECORDS UINT64_C(10000) /* workload.records of one sweep run */
#define BENCH_LARGE_DEFAULT UINT64_C(10000000) /* records of the bare row's large runs */

typedef enum bench_format { BENCH_TEXT, BENCH_JSON } bench_format;

typedef struct bench_child bench_child;

typedef struct bench_args {
    uint64_t events; /* events timed per measurement */
    uint64_t repeat; /* measurements per figure; the fastest is reported */
    uint64_t seed;   /* run seed of every simulated world (the first one of the sweep) */
    uint64_t runs;   /* runs of the sweep row */
    const char *reference_file; /* the reference scenario, NULL for the built-in copy */
    const char *partitions_file; /* the partitions scenario, NULL for the built-in copy */
    bench_format format;
    double *reference_rate; /* the fastest reference run's records/s in this bench, 0 before */
    const config *partitions; /* the partitions scenario, when its bench runs */
    bench_child *partitions_child; /* the process that runs it (see bench_child) */
    uint64_t large;                /* records of the bare row's large runs */
    bench_child *large_child;      /* the process that starts each of them (bench_large_main) */
} bench_args;

/* Runs one bench and prints it: in text a titled table; in JSON one member ("name": {...}),
 * without a separator. Returns a CLI exit code. */
typedef int (*bench_fn)(const bench_args *a, FILE *out);

/* ===================================================================================== */
/* Measuring                                                                             */
/* ===================================================================================== */

static double bench_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set of this process so far, KiB (Linux reports ru_maxrss in KiB). */
static long bench_peak_rss_kib(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    return usage.ru_maxrss;
}

/* ===================================================================================== */
/* Kafka scenarios: the reference run, the sweep, the scaling                            */
/* ===================================================================================== */

/* The reference scenario, key for key as experiments/bench-reference.properties states it (the
 * file is the one to read and edit; tests/cli_bench.sh checks that both give the same
 * config_hash, so the two cannot drift apart silently). Built in so that `kafkasim bench` runs
 * from any directory. */
static char *bench_reference_props[] = {
    "enable.idempotence=true",
    "acks=all",
    "max.in.flight.requests.per.connection=5",
    "request.timeout.ms=30",
    "linger.ms=0",
    "replication.factor=3",
    "workload.records=100000",
    "workload.record.bytes=100",
    "batch.size=1200",
    "network.latency.ms=1",
    "network.jitter.ms=0.2",
    "fault.drop=break responses leader -> producer p=0.01",
};

/* The partitions scenario, as experiments/bench-partitions.properties states it (tests/cli_bench.sh
 * holds the two to one config_hash, as the reference's): the reference scenario's keys, then
 * these, which override them (10^6 records, 3 brokers, 24 partitions, 4 producers, keys). */
static char *bench_partitions_props[] = {
    "workload.records=1000000",
    "num.brokers=3",
    "num.partitions=24",
    "workload.producers=4",
    "workload.keys=1000",
};

/* The transactions scenario, as experiments/bench-transactions.properties states it (one
 * config_hash, tests/cli_bench.sh): the reference scenario's keys, then a transactional producer
 * committing transactions of 100 records. */
static char *bench_transactions_props[] = {
    "transactional.id=app",
    "workload.transaction.records=100",
};

/* The pipeline scenario, as experiments/bench-pipeline.properties states it (one config_hash,
 * tests/cli_bench.sh): the reference scenario's keys, then a topic of 4 partitions written with
 * 1,000 keys and read by a group of 4 consumers that process every record into an external
 * sink. */
static char *bench_pipeline_props[] = {
    "num.partitions=4",
    "workload.keys=1000",
    "workload.consumers=4",
    "workload.sink=external",
    "auto.offset.reset=earliest",
    "group.initial.rebalance.delay.ms=0",
};

#define BENCH_PROPS_COUNT(props) ((int)(sizeof(props) / sizeof((props)[0])))
#define BENCH_OWN_PROPS_MAX 8 /* a scenario's keys beyond the reference's */
_Static_assert(BENCH_PROPS_COUNT(bench_partitions_props) <= BENCH_OWN_PROPS_MAX &&
                   BENCH_PROPS_COUNT(bench_transactions_props) <= BENCH_OWN_PROPS_MAX &&
                   BENCH_PROPS_COUNT(bench_pipeline_props) <= BENCH_OWN_PROPS_MAX,
               "bench_scenario_load has room for every scenario's own keys");

/* Loads a scenario into *c: from file, or else the reference scenario's built-in keys followed
 * by the scenario's own (count of them in builtin, which override the reference's, as later
 * arguments do); what names it in a message. Returns 0, or -1 with a message on stderr. */
static int bench_scenario_load(const bench_args *a, const char *what, const char *file,
                               char **builtin, int count, config *c) {
    char err[512];
    char *path = (char *)file;
    char *args[BENCH_PROPS_COUNT(bench_reference_props) + BENCH_OWN_PROPS_MAX];
    int n = 0;
    for (int i = 0; i < BENCH_PROPS_COUNT(bench_reference_props); i++)
        args[n++] = bench_reference_props[i];
    for (int i = 0; i < count; i++) args[n++] = builtin[i];
    int rc = file ? cli_load_config(c, &path, 1, err, sizeof err)
                  : cli_load_config(c, args, n, err, sizeof err);
    if (rc != 0) fprintf(stderr, "kafkasim bench: %s scenario: %s\n", what, err);
    c->seed = a->seed;
    return rc;
}

/* Loads the reference configuration into *c. Returns 0, or -1 with a message on stderr. */
static int bench_reference_load(const bench_args *a, config *c) {
    return bench_scenario_load(a, "reference", a->reference_file, NULL, 0, c);
}

static int bench_partitions_load(const bench_args *a, config *c) {
    return bench_scenario_load(a, "partitions", a->partitions_file, bench_partitions_props,
                               BENCH_PROPS_COUNT(bench_partitions_props), c);
}

/* What one or more scenario runs did and cost. */
typedef struct bench_scenario_row {
    uint64_t records;     /* workload.records of one run */
    uint64_t runs;        /* runs timed together */
    uint64_t events;      /* kernel events of all timed runs */
    uint64_t acked;       /* records acknowledged, all runs */
    uint64_t committed;   /* records in the committed logs, all runs */
    uint64_t processed;   /* input records the pipeline's external sink applied, all runs */
    uint64_t rebalances;  /* the consumer group's rebalances, all runs */
    double seconds;       /* wall-clock time of the timed runs, s */
    double first_seconds; /* the same for the first repeat, whose memory was never touched */
    long rss_kib;         /* peak resident set, KiB (the process's, or the child's) */
    uint64_t trace_hash;  /* of the last run: a determinism witness */
    uint64_t config_hash; /* of the last run's configuration */
} bench_scenario_row;

/* Runs c once per seed in [seed0, seed0 + runs) and adds up the results into *row (the time
 * included); walk: with the invariant walk after every event, as `kafkasim run` has it.
 * Returns 0, or -1 with a message on stderr when a run fails. */
static int bench_scenario_runs_walk(const config *c, uint64_t seed0, uint64_t runs, bool walk,
                                    bench_scenario_row *row) {
    const scenario_options quiet = {.trace_node = -1, .trace_record = -1,
                                    .check_invariants = walk};
    *row = (bench_scenario_row){.records = c->records, .runs = runs};
    config run_config = *c;
    double start = bench_seconds();
    for (uint64_t i = 0; i < runs; i++) {
        run_config.seed = seed0 + i;
        run_result r;
        if (scenario_run(&run_config, &quiet, &r) != 0) {
            fprintf(stderr, "kafkasim bench: seed %" PRIu64 " failed: %s\n", run_config.seed,
                    r.failure[0] ? r.failure : "out of memory");
            return -1;
        }
        row->events += r.events;
        row->acked += r.check.acked;
        row->committed += r.check.committed;
        row->processed += r.check.processed;
        row->rebalances += r.check.rebalances;
        row->trace_hash = r.trace_hash;
        row->config_hash = r.config_hash;
    }
    row->seconds = bench_seconds() - start;
    row->rss_kib = bench_peak_rss_kib();
    return 0;
}

/* The same, without the invariant walk, as sweeps run. */
static int bench_scenario_runs(const config *c, uint64_t seed0, uint64_t runs,
                               bench_scenario_row *row) {
    return bench_scenario_runs_walk(c, seed0, runs, false, row);
}

/* The fastest of a->repeat measurements of bench_scenario_runs; every repeat must end with the
 * same trace hash. Returns 0 or -1 (message on stderr). */
static int bench_scenario_best(const bench_args *a, const config *c, uint64_t runs,
                               bench_scenario_row *best) {
    for (uint64_t r = 0; r < a->repeat; r++) {
        bench_scenario_row row;
        if (bench_scenario_runs(c, a->seed, runs, &row) != 0) return -1;
        if (r > 0 && row.trace_hash != best->trace_hash) {
            fprintf(stderr, "kafkasim bench: %" PRIu64 "-record runs are not deterministic "
                            "(trace hash 0x%016" PRIx64 " then 0x%016" PRIx64 ")\n",
                    c->records, best->trace_hash, row.trace_hash);
            return -1;
        }
        double first = r == 0 ? row.seconds : best->first_seconds;
        if (r == 0 || row.seconds < best->seconds) *best = row;
        best->first_seconds = first;
    }
    return 0;
}

static double bench_rate(double count, double seconds) {
    return seconds > 0 ? count / seconds : 0;
}

/* One scenario row as text: records/s, events/s, runs/s, ns/event, and memory when known. */
static void bench_scenario_print_text(FILE *out, const bench_scenario_row *r) {
    double records = (double)r->records * (double)r->runs;
    double rate = bench_rate((double)r->events, r->seconds);
    fprintf(out, "%10" PRIu64 " %6" PRIu64 " %9.4f %10.2f M %10.2f M %10.0f %9.1f %10.1f %8.1f"
                 "  0x%016" PRIx64 "\n",
            r->records, r->runs, r->seconds, bench_rate(records, r->seconds) / 1e6, rate / 1e6,
            bench_rate((double)r->runs, r->seconds), rate > 0 ? 1e9 / rate : 0,
            (double)r->events / records, (double)r->acked * 100.0 / records, r->trace_hash);
}

static void bench_scenario_header_text(FILE *out) {
    fprintf(out, "%10s %6s %9s %12s %12s %10s %9s %10s %8s  %s\n", "records", "runs", "seconds",
            "records/s", "events/s", "runs/s", "ns/event", "ev/record", "acked%", "trace_hash");
}

/* A scenario row's JSON members, without the braces around them. */
static void bench_scenario_print_json_members(FILE *out, const bench_scenario_row *r) {
    double records = (double)r->records * (double)r->runs;
    double rate = bench_rate((double)r->events, r->seconds);
    fprintf(out,
            "\"records\": %" PRIu64 ", \"runs\": %" PRIu64 ", \"events\": %" PRIu64
            ", \"acked\": %" PRIu64 ", \"committed\": %" PRIu64 ", \"seconds\": %.6f, "
            "\"records_per_s\": %.0f, \"events_per_s\": %.0f, \"runs_per_s\": %.1f, "
            "\"first_seconds\": %.6f, \"ns_per_event\": %.2f, \"events_per_record\": %.3f, "
            "\"peak_rss_kib\": %ld, "
            "\"bytes_per_record\": %.1f, \"config_hash\": \"0x%016" PRIx64 "\", "
            "\"trace_hash\": \"0x%016" PRIx64 "\"",
            r->records, r->runs, r->events, r->acked, r->committed, r->seconds,
            bench_rate(records, r->seconds), rate, bench_rate((double)r->runs, r->seconds),
            r->first_seconds, rate > 0 ? 1e9 / rate : 0, (double)r->events / records, r->rss_kib,
            (double)r->rss_kib * 1024.0 / records, r->config_hash, r->trace_hash);
}

static void bench_scenario_print_json(FILE *out, const bench_scenario_row *r) {
    fputc('{', out);
    bench_scenario_print_json_members(out, r);
    fputc('}', out);
}

/* Keeps the reference scenario's records/s of row if it is the fastest of this bench so far. */
static void bench_reference_seen(const bench_args *a, const bench_scenario_row *row) {
    double rate = bench_rate((double)row->records * (double)row->runs, row->seconds);
    if (rate > *a->reference_rate) *a->reference_rate = rate;
}

static int bench_reference(const bench_args *a, FILE *out) {
    config c;
    if (bench_reference_load(a, &c) != 0) return CLI_EXIT_USAGE;
    bench_scenario_row row;
    if (bench_scenario_best(a, &c, 1, &row) != 0) return CLI_EXIT_FAILED;
    bench_reference_seen(a, &row);
    if (a->format == BENCH_JSON) {
        fputs("\"reference\": ", out);
        bench_scenario_print_json(out, &row);
        return CLI_EXIT_OK;
    }
    fprintf(out, "reference: %s, seed %" PRIu64 ", history, checker and trace hash on, "
                 "invariant walk off\n(fastest of %" PRIu64 " runs)\n",
            a->reference_file ? a->reference_file : "built-in bench-reference.properties",
            a->seed, a->repeat);
    bench_scenario_header_text(out);
    bench_scenario_print_text(out, &row);
    fprintf(out, "first run (memory not yet touched): %.4f s, %.2f M records/s\n",
            row.first_seconds, bench_rate((double)row.records, row.first_seconds) / 1e6);
    fprintf(out, "peak RSS so far: %.1f MiB, %.1f bytes per record\n",
            (double)row.rss_kib / 1024.0, (double)row.rss_kib * 1024.0 / (double)row.records);
    return CLI_EXIT_OK;
}

/* A process of its own for one scenario (the partitions row): it runs the scenario once for
 * every byte the parent writes to `to` and writes the row back to `from`, until `to` closes.
 * Its peak resident set, in each row, is then that scenario's alone: cmd_bench starts it
 * before any bench runs, while this process holds little more than its configuration. */
struct bench_child {
    pid_t pid;
    int to;   /* the parent's end of the requests */
    int from; /* the parent's end of the rows */
};

static void bench_child_main(const config *c, uint64_t seed, int requests, int rows) {
    signal(SIGPIPE, SIG_DFL);
    for (;;) {
        char go;
        ssize_t n = read(requests, &go, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n != 1) _exit(0); /* the parent closed the pipe, or died */
        bench_scenario_row row;
        if (bench_scenario_runs(c, seed, 1, &row) != 0) _exit(1);
        if (write(rows, &row, sizeof row) != (ssize_t)sizeof row) _exit(1);
    }
}

/* What a child process runs: it reads requests and writes rows until `requests` closes. */
typedef void (*bench_child_fn)(const config *c, uint64_t seed, int requests, int rows);

/* Starts a child running child_main. older: a child started before (or NULL), whose pipe ends
 * the new child closes: holding the write end of older's requests, it would keep older from
 * seeing its end of input, and bench_child_stop(older) would wait for ever. Returns 0, or -1
 * (message on stderr). */
static int bench_child_start(bench_child_fn child_main, const config *c, uint64_t seed,
                             const bench_child *older, bench_child *ch) {
    int requests[2], rows[2];
    if (pipe(requests) != 0) return -1;
    if (pipe(rows) != 0) {
        close(requests[0]);
        close(requests[1]);
        return -1;
    }
    fflush(NULL); /* the child must not print the parent's buffered output again */
    pid_t pid = fork();
    if (pid == 0) {
        close(requests[1]);
        close(rows[0]);
        if (older) {
            close(older->to);
            close(older->from);
        }
        child_main(c, seed, requests[0], rows[1]);
        _exit(0);
    }
    close(requests[0]);
    close(rows[1]);
    *ch = (bench_child){.pid = pid, .to = requests[1], .from = rows[0]};
    if (pid < 0) {
        close(ch->to);
        close(ch->from);
        fprintf(stderr, "kafkasim bench: cannot start a process: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* One run in the child. Returns 0, or -1 when the child failed (its message is on stderr). */
static int bench_child_run(bench_child *ch, bench_scenario_row *row) {
    char go = 1;
    if (write(ch->to, &go, 1) != 1) return -1;
    ssize_t n;
    do n = read(ch->from, row, sizeof *row);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *row ? 0 : -1; /* a row is less than PIPE_BUF: one read */
}

/* Ends the child. Returns 0 when it exited cleanly, else -1. */
static int bench_child_stop(bench_child *ch) {
    close(ch->to);
    close(ch->from);
    int status = 0;
    pid_t got;
    do got = waitpid(ch->pid, &status, 0);
    while (got < 0 && errno == EINTR);
    return got == ch->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* a->repeat runs of the partitions scenario in its process, each after a run of the reference
 * scenario here; *best is that process's fastest, *reference_best this one's. Every repeat of
 * each must end with the same trace hash. Returns 0 or -1 (message on stderr). */
static int bench_partitions_measure(const bench_args *a, const config *reference,
                                    bench_scenario_row *best,
                                    bench_scenario_row *reference_best) {
    for (uint64_t r = 0; r < a->repeat; r++) {
        bench_scenario_row ref, row;
        if (bench_scenario_runs(reference, a->seed, 1, &ref) != 0) return -1;
        if (bench_child_run(a->partitions_child, &row) != 0) {
            fprintf(stderr, "kafkasim bench: the partitions run in its own process failed\n");
            return -1;
        }
        if (r > 0 && (row.trace_hash != best->trace_hash ||
                      ref.trace_hash != reference_best->trace_hash)) {
            fprintf(stderr, "kafkasim bench: runs are not deterministic (partitions trace hash "
                            "0x%016" PRIx64 " then 0x%016" PRIx64 ", reference 0x%016" PRIx64
                            " then 0x%016" PRIx64 ")\n",
                    best->trace_hash, row.trace_hash, reference_best->trace_hash,
                    ref.trace_hash);
            return -1;
        }
        /* The memory is the first run's: a process's later runs reuse what the allocator
         * kept, and their peak adds what they could not reuse of it. */
        double first = r == 0 ? row.seconds : best->first_seconds;
        long rss_kib = r == 0 ? row.rss_kib : best->rss_kib;
        if (r == 0 || row.seconds < best->seconds) *best = row;
        best->first_seconds = first;
        best->rss_kib = rss_kib;
        if (r == 0 || ref.seconds < reference_best->seconds) *reference_best = ref;
    }
    return 0;
}

static int bench_partitions(const bench_args *a, FILE *out) {
    config ref;
    if (bench_reference_load(a, &ref) != 0) return CLI_EXIT_USAGE;
    const config *c = a->partitions;
    bench_scenario_row row, ref_row;
    if (bench_partitions_measure(a, &ref, &row, &ref_row) != 0) return CLI_EXIT_FAILED;
    bench_reference_seen(a, &ref_row);
    double rate = bench_rate((double)row.records, row.seconds);
    double ratio = *a->reference_rate > 0 ? rate / *a->reference_rate : 0;
    double bytes = (double)row.rss_kib * 1024.0 / (double)row.records;
    if (a->format == BENCH_JSON) {
        fputs("\"partitions\": {", out);
        bench_scenario_print_json_members(out, &row);
        fprintf(out, ", \"num_partitions\": %d, \"producers\": %d, \"keys\": %" PRIu64
                     ", \"reference_records_per_s\": %.0f, \"ratio_to_reference\": %.3f}",
                c->topics.partition_count, c->producers, c->keys, *a->reference_rate, ratio);
        return CLI_EXIT_OK;
    }
    fprintf(out, "partitions: %s, seed %" PRIu64 ": %d brokers, %d partitions, %d producers, "
                 "%" PRIu64 " keys\n(fastest of %" PRIu64 " runs in a process of its own, each "
                 "after a run of the reference scenario)\n",
            a->partitions_file ? a->partitions_file : "built-in bench-partitions.properties",
            a->seed, c->num_brokers, c->topics.partition_count, c->producers, c->keys, a->repeat);
    bench_scenario_header_text(out);
    bench_scenario_print_text(out, &row);
    fprintf(out, "first run (memory not yet touched): %.4f s, %.2f M records/s\n",
            row.first_seconds, bench_rate((double)row.records, row.first_seconds) / 1e6);
    fprintf(out, "peak RSS of its first run (a process of its own): %.1f MiB, %.1f bytes per "
                 "record\n",
            (double)row.rss_kib / 1024.0, bytes);
    fprintf(out, "records/s against the reference scenario (fastest of this bench, %.2f M "
                 "records/s): %.2f\n",
            *a->reference_rate / 1e6, ratio);
    return CLI_EXIT_OK;
}

/* a->repeat runs of scenario c (the transactions or the pipeline scenario, named what), each
 * after a run of the reference scenario, both in this process; *best and *reference_best are
 * the fastest of each. Every repeat of each must end with the same trace hash. Returns 0 or -1
 * (message on stderr). */
static int bench_alongside_measure(const bench_args *a, const char *what,
                                   const config *reference, const config *c,
                                   bench_scenario_row *best,
                                   bench_scenario_row *reference_best) {
    for (uint64_t r = 0; r < a->repeat; r++) {
        bench_scenario_row ref, row;
        if (bench_scenario_runs(reference, a->seed, 1, &ref) != 0) return -1;
        if (bench_scenario_runs(c, a->seed, 1, &row) != 0) return -1;
        if (r > 0 && (row.trace_hash != best->trace_hash ||
                      ref.trace_hash != reference_best->trace_hash)) {
            fprintf(stderr, "kafkasim bench: runs are not deterministic (%s trace hash "
                            "0x%016" PRIx64 " then 0x%016" PRIx64 ", reference 0x%016" PRIx64
                            " then 0x%016" PRIx64 ")\n",
                    what, best->trace_hash, row.trace_hash, reference_best->trace_hash,
                    ref.trace_hash);
            return -1;
        }
        double first = r == 0 ? row.seconds : best->first_seconds;
        if (r == 0 || row.seconds < best->seconds) *best = row;
        best->first_seconds = first;
        if (r == 0 || ref.seconds < reference_best->seconds) *reference_best = ref;
    }
    return 0;
}

static int bench_transactions(const bench_args *a, FILE *out) {
    config ref, c;
    if (bench_reference_load(a, &ref) != 0) return CLI_EXIT_USAGE;
    if (bench_scenario_load(a, "transactions", NULL, bench_transactions_props,
                            BENCH_PROPS_COUNT(bench_transactions_props), &c) != 0)
        return CLI_EXIT_USAGE;
    bench_scenario_row row, ref_row;
    if (bench_alongside_measure(a, "transactions", &ref, &c, &row, &ref_row) != 0)
        return CLI_EXIT_FAILED;
    bench_reference_seen(a, &ref_row);
    double rate = bench_rate((double)row.records, row.seconds);
    double ratio = *a->reference_rate > 0 ? rate / *a->reference_rate : 0;
    if (a->format == BENCH_JSON) {
        fputs("\"transactions\": {", out);
        bench_scenario_print_json_members(out, &row);
        fprintf(out, ", \"transaction_records\": %" PRIu64 ", \"reference_records_per_s\": %.0f"
                     ", \"ratio_to_reference\": %.3f}",
                c.transaction_records, *a->reference_rate, ratio);
        return CLI_EXIT_OK;
    }
    fprintf(out, "transactions: built-in bench-transactions.properties, seed %" PRIu64
                 ": transactions of %" PRIu64 " records, each committed\n(fastest of %" PRIu64
                 " runs, each after a run of the reference scenario)\n",
            a->seed, c.transaction_records, a->repeat);
    bench_scenario_header_text(out);
    bench_scenario_print_text(out, &row);
    fprintf(out, "records/s against the reference scenario (fastest of this bench, %.2f M "
                 "records/s): %.2f\n",
            *a->reference_rate / 1e6, ratio);
    return CLI_EXIT_OK;
}

static int bench_pipeline(const bench_args *a, FILE *out) {
    config ref, c;
    if (bench_reference_load(a, &ref) != 0) return CLI_EXIT_USAGE;
    if (bench_scenario_load(a, "pipeline", NULL, bench_pipeline_props,
                            BENCH_PROPS_COUNT(bench_pipeline_props), &c) != 0)
        return CLI_EXIT_USAGE;
    bench_scenario_row row, ref_row;
    if (bench_alongside_measure(a, "pipeline", &ref, &c, &row, &ref_row) != 0)
        return CLI_EXIT_FAILED;
    bench_reference_seen(a, &ref_row);
    double rate = bench_rate((double)row.records, row.seconds);
    double ratio = *a->reference_rate > 0 ? rate / *a->reference_rate : 0;
    if (a->format == BENCH_JSON) {
        fputs("\"pipeline\": {", out);
        bench_scenario_print_json_members(out, &row);
        fprintf(out, ", \"num_partitions\": %d, \"consumers\": %d, \"processed\": %" PRIu64
                     ", \"rebalances\": %" PRIu64 ", \"reference_records_per_s\": %.0f"
                     ", \"ratio_to_reference\": %.3f}",
                c.topics.workload_partitions, c.consumers, row.processed, row.rebalances,
                *a->reference_rate, ratio);
        return CLI_EXIT_OK;
    }
    fprintf(out, "pipeline: built-in bench-pipeline.properties, seed %" PRIu64 ": %d partitions, "
                 "a group of %d consumers processing every record into an output topic\n"
                 "(fastest of %" PRIu64
                 " runs, each after a run of the reference scenario)\n",
            a->seed, c.topics.workload_partitions, c.consumers, a->repeat);
    bench_scenario_header_text(out);
    bench_scenario_print_text(out, &row);
    fprintf(out, "processed by the group: %" PRIu64 " records, %" PRIu64 " rebalances\n",
            row.processed, row.rebalances);
    fprintf(out, "records/s against the reference scenario (fastest of this bench, %.2f M "
                 "records/s): %.2f\n",
            *a->reference_rate / 1e6, ratio);
    return CLI_EXIT_OK;
}

static int bench_sweep(const bench_args *a, FILE *out) {
    config c;
    if (bench_reference_load(a, &c) != 0) return CLI_EXIT_USAGE;
    c.records = BENCH_SWEEP_RECORDS;
    bench_scenario_row row;
    if (bench_scenario_best(a, &c, a->runs, &row) != 0) return CLI_EXIT_FAILED;
    if (a->format == BENCH_JSON) {
        fputs("\"sweep\": ", out);
        bench_scenario_print_json(out, &row);
        return CLI_EXIT_OK;
    }
    fprintf(out, "sweep: the reference scenario with %" PRIu64 " records, seeds %" PRIu64
                 "..%" PRIu64 ", one scenario_run each\n(fastest of %" PRIu64 " sweeps)\n",
            BENCH_SWEEP_RECORDS, a->seed, a->seed + a->runs - 1, a->repeat);
    bench_scenario_header_text(out);
    bench_scenario_print_text(out, &row);
    return CLI_EXIT_OK;
}

/* Runs the reference scenario with `records` records in a child process and reads back its
 * row, whose rss_kib is then the child's own peak. Returns 0, or -1 (message on stderr). */
static int bench_scaling_child(const bench_args *a, const config *c, bench_scenario_row *row) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL); /* the child must not print the parent's buffered output again */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        bench_scenario_row best;
        int rc = bench_scenario_best(a, c, 1, &best);
        ssize_t n = rc == 0 ? write(fds[1], &best, sizeof best) : 0;
        _exit(n == (ssize_t)sizeof best ? 0 : 1);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], row, sizeof *row);
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        n != (ssize_t)sizeof *row) {
        fprintf(stderr, "kafkasim bench: the %" PRIu64 "-record child run failed\n",
                c->records);
        return -1;
    }
    return 0;
}

static int bench_scaling(const bench_args *a, FILE *out) {
    static const uint64_t sizes[] = {10000, 100000, 1000000, 10000000};
    enum { COUNT = sizeof sizes / sizeof sizes[0] };
    bench_scenario_row rows[COUNT];
    config c;
    if (bench_reference_load(a, &c) != 0) return CLI_EXIT_USAGE;
    double fastest = 0, slowest = 0;
    for (size_t i = 0; i < COUNT; i++) {
        c.records = sizes[i];
        if (bench_scaling_child(a, &c, &rows[i]) != 0) return CLI_EXIT_FAILED;
        double rate = bench_rate((double)rows[i].records, rows[i].seconds);
        if (i == 0 || rate > fastest) fastest = rate;
        if (i == 0 || rate < slowest) slowest = rate;
    }
    double spread = fastest > 0 ? (fastest - slowest) / fastest : 0;
    if (a->format == BENCH_JSON) {
        fputs("\"scaling\": {\"spread\": ", out);
        fprintf(out, "%.4f, \"sizes\": [", spread);
        for (size_t i = 0; i < COUNT; i++) {
            if (i) fputs(", ", out);
            bench_scenario_print_json(out, &rows[i]);
        }
        fputs("]}", out);
        return CLI_EXIT_OK;
    }
    fprintf(out, "scaling: the reference scenario at 10^4 .. 10^7 records, each in a process "
                 "of its own\n(fastest of %" PRIu64 " runs per size)\n", a->repeat);
    bench_scenario_header_text(out);
    for (size_t i = 0; i < COUNT; i++) bench_scenario_print_text(out, &rows[i]);
    fprintf(out, "%10s %12s %16s\n", "records", "peak RSS", "bytes/record");
    for (size_t i = 0; i < COUNT; i++)
        fprintf(out, "%10" PRIu64 " %8.1f MiB %16.1f\n", rows[i].records,
                (double)rows[i].rss_kib / 1024.0,
                (double)rows[i].rss_kib * 1024.0 / (double)rows[i].records);
    fprintf(out, "records/s spread (fastest - slowest) / fastest: %.1f%%\n", spread * 100.0);
    return CLI_EXIT_OK;
}

/* ===================================================================================== */
/* The bare model beside kafkasim                                                        */
/* ===================================================================================== */

/* Runs the bare model (bench/bare.c) once per seed in [seed0, seed0 + runs) with `records`
 * records into *row, as bench_scenario_runs does for kafkasim; its checksum stands in the trace
 * hash's place. Returns 0, or -1 with a message on stderr. */
static int bench_bare_runs(uint64_t seed0, uint64_t records, uint64_t runs,
                           bench_scenario_row *row) {
    *row = (bench_scenario_row){.records = records, .runs = runs};
    double start = bench_seconds();
    for (uint64_t i = 0; i < runs; i++) {
        bare_result r;
        if (bare_run(seed0 + i, records, &r) != 0) {
            fprintf(stderr, "kafkasim bench: the bare model's run of seed %" PRIu64 " failed "
                            "(out of memory)\n", seed0 + i);
            return -1;
        }
        row->events += r.events;
        row->acked += r.acked;
        row->committed += r.acked;
        row->trace_hash = r.checksum;
    }
    row->seconds = bench_seconds() - start;
    row->rss_kib = bench_peak_rss_kib();
    return 0;
}

/* The large runs (a->large records), each in a fresh process of its own so that the peak
 * resident set it shows is that run's alone: cmd_bench starts this child before any bench has
 * grown the parent, and the child forks once per request, a byte naming the run. */
enum bench_large_kind { BENCH_LARGE_BARE, BENCH_LARGE_RUN, BENCH_LARGE_WALK };

typedef struct bench_large_reply {
    int ok;
    bench_scenario_row row;
} bench_large_reply;

static void bench_large_main(const config *large, uint64_t seed, int requests, int rows) {
    signal(SIGPIPE, SIG_DFL);
    for (;;) {
        unsigned char kind;
        ssize_t n = read(requests, &kind, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n != 1) _exit(0); /* the parent closed the pipe, or died */
        pid_t pid = fork();
        if (pid == 0) { /* replies only when its run went well */
            bench_large_reply reply = {.ok = 1};
            int rc = kind == BENCH_LARGE_BARE
                         ? bench_bare_runs(seed, large->records, 1, &reply.row)
                         : bench_scenario_runs_walk(large, seed, 1, kind == BENCH_LARGE_WALK,
                                                    &reply.row);
            if (rc != 0) _exit(1);
            _exit(write(rows, &reply, sizeof reply) == (ssize_t)sizeof reply ? 0 : 2);
        }
        int status = 0;
        pid_t got = -1;
        if (pid > 0) {
            do got = waitpid(pid, &status, 0);
            while (got < 0 && errno == EINTR);
        }
        if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 1) {
            bench_large_reply failed = {.ok = 0}; /* the run failed or died: no reply */
            if (write(rows, &failed, sizeof failed) != (ssize_t)sizeof failed) _exit(1);
        }
    }
}

/* One large run in its own process. Returns 0, or -1 (message on stderr). */
static int bench_large_run(const bench_args *a, enum bench_large_kind kind,
                           bench_scenario_row *row) {
    unsigned char request = (unsigned char)kind;
    bench_large_reply reply = {.ok = 0};
    ssize_t n = -1;
    if (write(a->large_child->to, &request, 1) == 1) {
        do n = read(a->large_child->from, &reply, sizeof reply);
        while (n < 0 && errno == EINTR);
    }
    if (n != (ssize_t)sizeof reply || !reply.ok) {
        fprintf(stderr, "kafkasim bench: the %" PRIu64 "-record %s run in its own process "
                        "failed\n", a->large, kind == BENCH_LARGE_BARE ? "bare" : "kafkasim");
        return -1;
    }
    *row = reply.row;
    return 0;
}

/* Writes the sweep row's spec to path: the reference scenario's keys with 10,000 records,
 * over `runs` seeds from seed. Returns 0, or -1 (message on stderr). */
static int bench_sweep_spec_write(const char *path, uint64_t seed, uint64_t runs) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kafkasim bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < BENCH_PROPS_COUNT(bench_reference_props); i++) {
        const char *kv = bench_reference_props[i];
        const char *eq = strchr(kv, '=');
        if (strncmp(kv, "workload.records=", 17) == 0) continue;
        fprintf(f, "set.%.*s = %s\n", (int)(eq - kv), kv, eq + 1);
    }
    fprintf(f, "set.workload.records = %" PRIu64 "\nseeds = %" PRIu64 "..%" PRIu64 "\n",
            BENCH_SWEEP_RECORDS, seed, seed + runs - 1);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "kafkasim bench: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int bench_remove_entry(const char *path, const struct stat *st, int flag,
                              struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes a folder the bench made, with what is in it. */
static void bench_remove_tree(const char *dir) {
    nftw(dir, bench_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* `kafkasim sweep SPEC --out OUT --jobs 1`, as the command runs it (a worker process, the
 * journal line by line, runs.csv and cells.csv at the end), in a process of its own with its
 * standard output thrown away; OUT is removed afterwards. *row gets the time. Returns 0, or -1
 * (message on stderr). */
static int bench_sweep_command(const char *spec, const char *out_dir, uint64_t runs,
                               bench_scenario_row *row) {
    *row = (bench_scenario_row){.records = BENCH_SWEEP_RECORDS, .runs = runs};
    fflush(NULL);
    double start = bench_seconds();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0) _exit(1);
        char *argv[] = {"sweep", (char *)spec, "--out", (char *)out_dir, "--jobs", "1", NULL};
        _exit(cmd_sweep(6, argv));
    }
    int status = 0;
    pid_t got = -1;
    if (pid > 0) {
        do got = waitpid(pid, &status, 0);
        while (got < 0 && errno == EINTR);
    }
    row->seconds = bench_seconds() - start;
    bench_remove_tree(out_dir);
    if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "kafkasim bench: the sweep of %s failed\n", spec);
        return -1;
    }
    return 0;
}

/* One figure measured on both sides: the fastest of each, and the lowest and highest ratio of
 * kafkasim's speed to the bare model's over the repeats, each from a measurement of kafkasim
 * right after one of the bare model. */
typedef struct bench_bare_pair {
    const char *name;          /* JSON name */
    const char *title;         /* text */
    double goal;               /* the ratio kafkasim aims at */
    bench_scenario_row bare;   /* the bare model's fastest */
    bench_scenario_row sim;    /* kafkasim's fastest */
    double low, high;          /* the repeats' ratios */
    long bare_rss_kib, sim_rss_kib; /* first repeat's peak resident sets (large runs only) */
} bench_bare_pair;

/* Adds one repeat's measurements to pair; r is the repeat. Returns 0, or -1 when either side
 * ended with another checksum or trace hash than in the first repeat (message on stderr). */
static int bench_bare_pair_add(bench_bare_pair *p, uint64_t r, const bench_scenario_row *bare,
                               const bench_scenario_row *sim) {
    double ratio = sim->seconds > 0 ? bare->seconds / sim->seconds : 0;
    if (r == 0) {
        p->bare = *bare;
        p->sim = *sim;
        p->low = p->high = ratio;
        p->bare_rss_kib = bare->rss_kib;
        p->sim_rss_kib = sim->rss_kib;
        return 0;
    }
    if (bare->trace_hash != p->bare.trace_hash || sim->trace_hash != p->sim.trace_hash) {
        fprintf(stderr, "kafkasim bench: %s runs are not deterministic (bare checksum "
                        "0x%016" PRIx64 " then 0x%016" PRIx64 ", kafkasim trace hash 0x%016"
                        PRIx64 " then 0x%016" PRIx64 ")\n",
                p->name, p->bare.trace_hash, bare->trace_hash, p->sim.trace_hash,
                sim->trace_hash);
        return -1;
    }
    if (bare->seconds < p->bare.seconds) p->bare = *bare;
    if (sim->seconds < p->sim.seconds) p->sim = *sim;
    if (ratio < p->low) p->low = ratio;
    if (ratio > p->high) p->high = ratio;
    return 0;
}

static double bench_bare_ratio(const bench_bare_pair *p) {
    return p->sim.seconds > 0 ? p->bare.seconds / p->sim.seconds : 0;
}

/* The machine's 1-minute load average (/proc/loadavg), or -1 where it cannot be read. */
static double bench_load_average(void) {
    FILE *f = fopen("/proc/loadavg", "r");
    double load = -1;
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1;
        fclose(f);
    }
    return load;
}

enum { BENCH_BARE_REFERENCE, BENCH_BARE_SWEEP, BENCH_BARE_LARGE, BENCH_BARE_WALK,
       BENCH_BARE_PAIRS };

/* One repeat of every pair, in this order: the large runs first (in the first repeat this
 * process holds no run's memory yet, which the large runs' processes would share), then the
 * reference scenario, then the sweep. Returns 0 or -1 (message on stderr). */
static int bench_bare_repeat(const bench_args *a, const config *ref, const char *spec,
                             const char *out_dir, uint64_t r, bench_bare_pair *pairs) {
    bench_scenario_row bare, sim, walk;
    if (bench_large_run(a, BENCH_LARGE_BARE, &bare) != 0 ||
        bench_large_run(a, BENCH_LARGE_RUN, &sim) != 0 ||
        bench_large_run(a, BENCH_LARGE_WALK, &walk) != 0)
        return -1;
    if (bench_bare_pair_add(&pairs[BENCH_BARE_LARGE], r, &bare, &sim) != 0) return -1;
    if (bench_bare_pair_add(&pairs[BENCH_BARE_WALK], r, &bare, &walk) != 0) return -1;
    if (bench_bare_runs(a->seed, ref->records, 1, &bare) != 0) return -1;
    if (bench_scenario_runs(ref, a->seed, 1, &sim) != 0) return -1;
    if (bench_bare_pair_add(&pairs[BENCH_BARE_REFERENCE], r, &bare, &sim) != 0) return -1;
    if (bench_bare_runs(a->seed, BENCH_SWEEP_RECORDS, a->runs, &bare) != 0) return -1;
    if (bench_sweep_command(spec, out_dir, a->runs, &sim) != 0) return -1;
    return bench_bare_pair_add(&pairs[BENCH_BARE_SWEEP], r, &bare, &sim);
}

static void bench_bare_print_text(const bench_args *a, FILE *out, const bench_bare_pair *pairs,
                                  double load_start, double load_end) {
    fprintf(out, "bare: the reference scenario hand-written without history, checker or trace "
                 "hash (bench/bare.c),\nseed %" PRIu64 ", interleaved with kafkasim (fastest of "
                 "%" PRIu64 " each; load average %.2f at the start, %.2f at the end)\n",
            a->seed, a->repeat, load_start, load_end);
    fprintf(out, "%-38s %14s %14s %7s %13s %6s\n", "", "bare", "kafkasim", "ratio",
            "repeats", "goal");
    for (int i = 0; i < BENCH_BARE_PAIRS; i++) {
        const bench_bare_pair *p = &pairs[i];
        bool sweep = i == BENCH_BARE_SWEEP;
        double work = sweep ? (double)p->bare.runs
                            : (double)p->bare.records * (double)p->bare.runs;
        double scale = sweep ? 1 : 1e6;
        char goal[16] = "";
        if (p->goal > 0) snprintf(goal, sizeof goal, ">= %.1f", p->goal);
        fprintf(out, "%-38s %12.2f %s %12.2f %s %7.2f %6.2f-%-6.2f %s\n", p->title,
                bench_rate(work, p->bare.seconds) / scale, sweep ? " " : "M",
                bench_rate(work, p->sim.seconds) / scale, sweep ? " " : "M", bench_bare_ratio(p),
                p->low, p->high, goal);
    }
    fprintf(out, "(records/s; the sweep row runs/s; ratio: kafkasim's speed over the bare "
                 "model's)\n");
    const bench_bare_pair *large = &pairs[BENCH_BARE_LARGE];
    double records = (double)large->bare.records;
    const bench_bare_pair *ref = &pairs[BENCH_BARE_REFERENCE];
    fprintf(out, "events per record (reference): bare %.3f, kafkasim %.3f\n",
            (double)ref->bare.events / (double)ref->bare.records,
            (double)ref->sim.events / (double)ref->sim.records);
    fprintf(out, "peak RSS of the %" PRIu64 "-record runs (first repeat, each a process of its "
                 "own): bare %.1f MiB (%.1f bytes per record), kafkasim %.1f MiB (%.1f), "
                 "with the walk %.1f MiB (%.1f)\n",
            large->bare.records, (double)large->bare_rss_kib / 1024.0,
            (double)large->bare_rss_kib * 1024.0 / records, (double)large->sim_rss_kib / 1024.0,
            (double)large->sim_rss_kib * 1024.0 / records,
            (double)pairs[BENCH_BARE_WALK].sim_rss_kib / 1024.0,
            (double)pairs[BENCH_BARE_WALK].sim_rss_kib * 1024.0 / records);
}

static void bench_bare_print_json(const bench_args *a, FILE *out, const bench_bare_pair *pairs,
                                  double load_start, double load_end) {
    fprintf(out, "\"bare\": {\"seed\": %" PRIu64 ", \"repeat\": %" PRIu64
                 ", \"load_average_start\": %.2f, \"load_average_end\": %.2f",
            a->seed, a->repeat, load_start, load_end);
    for (int i = 0; i < BENCH_BARE_PAIRS; i++) {
        const bench_bare_pair *p = &pairs[i];
        double records = (double)p->bare.records * (double)p->bare.runs;
        fprintf(out, ", \"%s\": {\"records\": %" PRIu64 ", \"runs\": %" PRIu64
                     ", \"bare_seconds\": %.6f, \"kafkasim_seconds\": %.6f"
                     ", \"bare_records_per_s\": %.0f, \"kafkasim_records_per_s\": %.0f"
                     ", \"bare_runs_per_s\": %.1f, \"kafkasim_runs_per_s\": %.1f"
                     ", \"bare_events\": %" PRIu64 ", \"kafkasim_events\": %" PRIu64
                     ", \"bare_checksum\": \"0x%016" PRIx64 "\""
                     ", \"kafkasim_trace_hash\": \"0x%016" PRIx64 "\""
                     ", \"ratio\": %.3f, \"ratio_low\": %.3f, \"ratio_high\": %.3f"
                     ", \"goal\": %.1f",
                p->name, p->bare.records, p->bare.runs, p->bare.seconds, p->sim.seconds,
                bench_rate(records, p->bare.seconds), bench_rate(records, p->sim.seconds),
                bench_rate((double)p->bare.runs, p->bare.seconds),
                bench_rate((double)p->bare.runs, p->sim.seconds), p->bare.events, p->sim.events,
                p->bare.trace_hash, p->sim.trace_hash, bench_bare_ratio(p), p->low, p->high,
                p->goal);
        if (i == BENCH_BARE_LARGE || i == BENCH_BARE_WALK)
            fprintf(out, ", \"bare_peak_rss_kib\": %ld, \"kafkasim_peak_rss_kib\": %ld"
                         ", \"bare_bytes_per_record\": %.1f, \"kafkasim_bytes_per_record\": %.1f",
                    p->bare_rss_kib, p->sim_rss_kib, (double)p->bare_rss_kib * 1024.0 / records,
                    (double)p->sim_rss_kib * 1024.0 / records);
        fputc('}', out);
    }
    fputc('}', out);
}

static int bench_bare(const bench_args *a, FILE *out) {
    config ref; /* the built-in reference scenario: the one the bare model models */
    if (bench_scenario_load(a, "reference", NULL, NULL, 0, &ref) != 0) return CLI_EXIT_USAGE;
    bench_bare_pair pairs[BENCH_BARE_PAIRS] = {
        [BENCH_BARE_REFERENCE] = {.name = "reference", .title = "reference (10^5 records)",
                                  .goal = 0},
        [BENCH_BARE_SWEEP] = {.name = "sweep", .goal = 0.5},
        [BENCH_BARE_LARGE] = {.name = "large", .goal = 0.5},
        [BENCH_BARE_WALK] = {.name = "large_walk", .goal = 0.3},
    };
    char sweep_title[64], large_title[64], walk_title[64];
    snprintf(sweep_title, sizeof sweep_title, "sweep (%" PRIu64 " x 10^4, --jobs 1, CSV)",
             a->runs);
    snprintf(large_title, sizeof large_title, "%" PRIu64 " records, walk off", a->large);
    snprintf(walk_title, sizeof walk_title, "%" PRIu64 " records, walk on (run)", a->large);
    pairs[BENCH_BARE_SWEEP].title = sweep_title;
    pairs[BENCH_BARE_LARGE].title = large_title;
    pairs[BENCH_BARE_WALK].title = walk_title;
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], spec[PATH_MAX + 16], out_dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/kafkasim-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "kafkasim bench: cannot make a folder in %s: %s\n",
                tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return CLI_EXIT_FAILED;
    }
    snprintf(spec, sizeof spec, "%s/bench.sweep", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    double load_start = bench_load_average();
    int rc = bench_sweep_spec_write(spec, a->seed, a->runs);
    for (uint64_t r = 0; r < a->repeat && rc == 0; r++)
        rc = bench_bare_repeat(a, &ref, spec, out_dir, r, pairs);
    bench_remove_tree(dir);
    if (rc != 0) return CLI_EXIT_FAILED;
    double load_end = bench_load_average();
    bench_reference_seen(a, &pairs[BENCH_BARE_REFERENCE].sim);
    if (a->format == BENCH_JSON) bench_bare_print_json(a, out, pairs, load_start, load_end);
    else bench_bare_print_text(a, out, pairs, load_start, load_end);
    return CLI_EXIT_OK;
}

/* ===================================================================================== */
/* Kernel: the hold model                                                                */
/* ===================================================================================== */

typedef struct bench_hold {
    sim_pcg32 rng; /* increments */
    uint16_t kind; /* the one event kind */
} bench_hold;

typedef struct bench_kernel_row {
    uint64_t pending;         /* events queued throughout */
    uint64_t events;          /* events timed */
    double seconds;           /* wall-clock time of the timed events, s */
    double bytes_per_pending; /* queue bytes allocated per pending event */
    uint64_t trace_hash;      /* the world's hash at the end (a determinism witness) */
    sim_status status;        /* how the timed run ended; SIM_LIMIT_EVENTS when all went well */
} bench_kernel_row;

static void bench_on_hold(void *ctx, sim_world *w, const sim_event *ev) {
    bench_hold *h = ctx;
    int64_t increment_ns = sim_pcg32_bounded(&h->rng, BENCH_HOLD_INCREMENT_NS_MAX);
    sim_schedule(w, sim_now(w) + increment_ns, h->kind, ev->arg);
}

/* Fills a world with `pending` events, runs as many untimed to reach the steady state, then
 * times a->events more. The queue starts at its minimum size and grows as the models' would. */
static bench_kernel_row bench_kernel_hold(const bench_args *a, uint64_t pending) {
    bench_kernel_row row = {.pending = pending, .events = a->events, .status = SIM_EXHAUSTED};
    sim_world w;
    sim_world_options opt = {.seed = a->seed, .time_max_ns = SIM_TIME_NEVER};
    if (sim_world_init(&w, &opt) != 0) return row;
    bench_hold h = {.rng = sim_stream(&w, BENCH_STREAM_HOLD), .kind = 0};
    h.kind = sim_handler_add(&w, bench_on_hold, &h, "bench.hold");
    for (uint64_t i = 0; i < pending; i++) {
        sim_schedule(&w, (int64_t)sim_pcg32_bounded(&h.rng, BENCH_HOLD_INCREMENT_NS_MAX), h.kind,
                     i);
    }
    w.opt.events_max = pending;
    row.status = sim_run(&w);
    if (row.status == SIM_LIMIT_EVENTS) {
        w.opt.events_max = pending + a->events;
        double start = bench_seconds();
        row.status = sim_run(&w);
        row.seconds = bench_seconds() - start;
    }
    size_t queued = sim_queue_size(&w.queue) ? sim_queue_size(&w.queue) : 1;
    size_t slots = w.queue.capacity + w.queue.far_capacity;
    row.bytes_per_pending = (double)(slots * sizeof(sim_event)) / (double)queued;
    row.trace_hash = w.hash;
    sim_world_fini(&w);
    return row;
}

static void bench_kernel_print_text(FILE *out, const bench_kernel_row *rows, size_t count,
                                    uint64_t repeat) {
    fprintf(out, "kernel: hold model, each event schedules one at now + uniform [0, %" PRIu32
                 ") ns\n(fastest of %" PRIu64 " runs per size)\n",
            BENCH_HOLD_INCREMENT_NS_MAX, repeat);
    fprintf(out, "%10s %10s %12s %9s %14s  %s\n", "pending", "events", "events/s", "ns/event",
            "bytes/pending", "trace_hash");
    for (size_t i = 0; i < count; i++) {
        const bench_kernel_row *r = &rows[i];
        double rate = r->seconds > 0 ? (double)r->events / r->seconds : 0;
        fprintf(out, "%10" PRIu64 " %10" PRIu64 " %10.2f M %9.1f %14.1f  0x%016" PRIx64 "\n",
                r->pending, r->events, rate / 1e6, rate > 0 ? 1e9 / rate : 0,
                r->bytes_per_pending, r->trace_hash);
    }
    fprintf(out, "event record: %zu bytes\n", sizeof(sim_event));
}

static void bench_kernel_print_json(FILE *out, const bench_kernel_row *rows, size_t count,
                                    uint64_t repeat) {
    fprintf(out, "\"kernel\": {\"model\": \"hold\", \"increment_ns_max\": %" PRIu32
                 ", \"event_bytes\": %zu, \"repeat\": %" PRIu64 ", \"sizes\": [",
            BENCH_HOLD_INCREMENT_NS_MAX, sizeof(sim_event), repeat);
    for (size_t i = 0; i < count; i++) {
        const bench_kernel_row *r = &rows[i];
        double rate = r->seconds > 0 ? (double)r->events / r->seconds : 0;
        fprintf(out,
                "%s{\"pending\": %" PRIu64 ", \"events\": %" PRIu64 ", \"seconds\": %.6f, "
                "\"events_per_s\": %.0f, \"ns_per_event\": %.2f, \"bytes_per_pending\": %.2f, "
                "\"trace_hash\": \"0x%016" PRIx64 "\"}",
                i ? ", " : "", r->pending, r->events, r->seconds, rate,
                rate > 0 ? 1e9 / rate : 0, r->bytes_per_pending, r->trace_hash);
    }
    fputs("]}", out);
}

/* The fastest of a->repeat hold runs at one size (other processes on the machine only ever
 * slow a run down). Every repeat must end with the same trace hash: the bench doubles as a
 * determinism check. Returns 0, or -1 with a message on stderr. */
static int bench_kernel_best(const bench_args *a, uint64_t pending, bench_kernel_row *best) {
    for (uint64_t r = 0; r < a->repeat; r++) {
        bench_kernel_row row = bench_kernel_hold(a, pending);
        if (row.status != SIM_LIMIT_EVENTS) {
            fprintf(stderr, "kafkasim bench: kernel run with %" PRIu64 " pending ended %s\n",
                    pending, sim_status_name(row.status));
            return -1;
        }
        if (r > 0 && row.trace_hash != best->trace_hash) {
            fprintf(stderr, "kafkasim bench: kernel run with %" PRIu64 " pending is not "
                            "deterministic (trace hash 0x%016" PRIx64 " then 0x%016" PRIx64 ")\n",
                    pending, best->trace_hash, row.trace_hash);
            return -1;
        }
        if (r == 0 || row.seconds < best->seconds) *best = row;
    }
    return 0;
}

static int bench_kernel(const bench_args *a, FILE *out) {
    /* 10^2 and 10^3: queues the size of the models' (a few messages and timers per node);
     * 10^4 and 10^6: far larger ones, where the heap's depth and the caches tell. */
    static const uint64_t sizes[] = {100, 1000, 10000, 1000000};
    bench_kernel_row rows[sizeof(sizes) / sizeof(sizes[0])];
    size_t count = sizeof(sizes) / sizeof(sizes[0]);
    for (size_t i = 0; i < count; i++) {
        if (bench_kernel_best(a, sizes[i], &rows[i]) != 0) return CLI_EXIT_FAILED;
    }
    if (a->format == BENCH_JSON) bench_kernel_print_json(out, rows, count, a->repeat);
    else bench_kernel_print_text(out, rows, count, a->repeat);
    return CLI_EXIT_OK;
}

/* ===================================================================================== */
/* The command                                                                           */
/* ===================================================================================== */

typedef struct bench_entry {
    const char *name; /* JSON member and option name */
    bench_fn run;     /* runs and prints */
    bool by_default;  /* runs when no bench is named */
} bench_entry;

/* In this order: the reference row comes first, so that the process's peak resident set when
 * it ends is the reference run's own. */
static const bench_entry bench_table[] = {
    {"reference", bench_reference, true},
    {"partitions", bench_partitions, true},
    {"transactions", bench_transactions, true},
    {"pipeline", bench_pipeline, true},
    {"sweep", bench_sweep, true},
    {"bare", bench_bare, true},
    {"kernel", bench_kernel, true},
    {"scaling", bench_scaling, false},
};
#define BENCH_COUNT (sizeof(bench_table) / sizeof(bench_table[0]))
#define BENCH_PARTITIONS 1 /* its index in bench_table */
#define BENCH_BARE 5       /* its index in bench_table */

enum bench_option {
    BENCH_OPT_FORMAT = 'f',
    BENCH_OPT_HELP = 'h',
    BENCH_OPT_KERNEL = 256,
    BENCH_OPT_REFERENCE,
    BENCH_OPT_SWEEP,
    BENCH_OPT_SCALING,
    BENCH_OPT_REFERENCE_FILE,
    BENCH_OPT_PARTITIONS,
    BENCH_OPT_PARTITIONS_FILE,
    BENCH_OPT_TRANSACTIONS,
    BENCH_OPT_PIPELINE,
    BENCH_OPT_RUNS,
    BENCH_OPT_EVENTS,
    BENCH_OPT_SEED,
    BENCH_OPT_REPEAT,
    BENCH_OPT_BARE,
    BENCH_OPT_LARGE,
};

static const struct option bench_options[] = {
    {"reference", no_argument, NULL, BENCH_OPT_REFERENCE},
    {"sweep", no_argument, NULL, BENCH_OPT_SWEEP},
    {"bare", no_argument, NULL, BENCH_OPT_BARE},
    {"large", required_argument, NULL, BENCH_OPT_LARGE},
    {"kernel", no_argument, NULL, BENCH_OPT_KERNEL},
    {"scaling", no_argument, NULL, BENCH_OPT_SCALING},
    {"reference-file", required_argument, NULL, BENCH_OPT_REFERENCE_FILE},
    {"partitions", no_argument, NULL, BENCH_OPT_PARTITIONS},
    {"partitions-file", required_argument, NULL, BENCH_OPT_PARTITIONS_FILE},
    {"transactions", no_argument, NULL, BENCH_OPT_TRANSACTIONS},
    {"pipeline", no_argument, NULL, BENCH_OPT_PIPELINE},
    {"runs", required_argument, NULL, BENCH_OPT_RUNS},
    {"events", required_argument, NULL, BENCH_OPT_EVENTS},
    {"seed", required_argument, NULL, BENCH_OPT_SEED},
    {"repeat", required_argument, NULL, BENCH_OPT_REPEAT},
    {"format", required_argument, NULL, BENCH_OPT_FORMAT},
    {"help", no_argument, NULL, BENCH_OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void bench_usage(FILE *out) {
    fputs("Usage: kafkasim bench [OPTION...]\n"
          "Measure the simulator's speed and memory on this machine.\n"
          "\n"
          "With no bench named, every bench but --scaling runs.\n"
          "      --reference          the reference scenario (100,000 records, see\n"
          "                           experiments/bench-reference.properties): records/s,\n"
          "                           events/s, ns/event, peak RSS and bytes per record\n"
          "      --partitions         the partitions scenario (10^6 keyed records from 4\n"
          "                           producers over 24 partitions of 3 brokers, see\n"
          "                           experiments/bench-partitions.properties), in a process\n"
          "                           of its own, alternating with the reference scenario:\n"
          "                           the same figures and records/s against the reference\n"
          "      --transactions       the transactions scenario (the reference scenario with\n"
          "                           transactional.id=app, 100 records per transaction, see\n"
          "                           experiments/bench-transactions.properties), alternating\n"
          "                           with the reference scenario: records/s against it\n"
          "      --pipeline           the pipeline scenario (the reference scenario's records,\n"
          "                           keyed over 4 partitions, read, processed and written to\n"
          "                           an output topic by a group of 4 consumers, see\n"
          "                           experiments/bench-pipeline.properties),\n"
          "                           alternating with the reference scenario: records/s\n"
          "                           against it\n"
          "      --sweep              --runs runs of it with 10,000 records over consecutive\n"
          "                           seeds: runs/s\n"
          "      --bare               the reference scenario written by hand (bench/bare.c: no\n"
          "                           history, checker or trace hash) beside kafkasim, each\n"
          "                           measurement of kafkasim right after one of it: the\n"
          "                           reference run, the sweep (--runs runs of 10,000 records\n"
          "                           through `kafkasim sweep --jobs 1`, journal and CSV\n"
          "                           included) and a run of --large records with and\n"
          "                           without the invariant walk, each in a process of its\n"
          "                           own: kafkasim's speed as a ratio of the bare model's,\n"
          "                           and the peak RSS of the large runs\n"
          "      --kernel             the event kernel alone: a hold model at 10^2, 10^3, 10^4\n"
          "                           and 10^6 pending events (events/s, ns/event,\n"
          "                           bytes/pending)\n"
          "      --scaling            the reference scenario at 10^4, 10^5, 10^6 and 10^7\n"
          "                           records, each in a child process (takes a while)\n"
          "      --reference-file FILE  read the reference scenario from FILE instead of the\n"
          "                           built-in copy of experiments/bench-reference.properties\n"
          "      --partitions-file FILE  read the partitions scenario from FILE instead of the\n"
          "                           built-in copy of experiments/bench-partitions.properties\n"
          "      --runs N             runs of the sweep and bare benches' sweeps (default 1000)\n"
          "      --large N            records of the bare bench's large runs (default 10^7)\n"
          "      --events N           kernel events timed per measurement (default 5000000)\n"
          "      --repeat N           measurements per figure, the fastest is shown (default 3)\n"
          "      --seed N             run seed (default 1)\n"
          "  -f, --format FORMAT      text (default) or json (one object)\n"
          "  -h, --help               show this help and exit\n"
          "\n"
          "Exit status: 0 ok, 1 a bench run failed, 2 bad usage.\n",
          out);
}

static int bench_usage_error(const char *msg, const char *value) {
    fprintf(stderr, "kafkasim bench: %s%s\nTry 'kafkasim bench --help'.\n", msg, value);
    return CLI_EXIT_USAGE;
}

/* A decimal unsigned 64-bit value, at least min; -1 when the text is anything else. */
static int bench_parse_u64(const char *text, uint64_t min, uint64_t *out) {
    if (text[0] < '0' || text[0] > '9') return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min) return -1;
    *out = value;
    return 0;
}

/* Parses the options into *a and the selection; returns -1 to go on, or an exit code. */
static int bench_parse(int argc, char **argv, bench_args *a, bool selected[BENCH_COUNT]) {
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":f:h", bench_options, NULL)) != -1) {
        switch (opt) {
        case BENCH_OPT_REFERENCE: selected[0] = true; break;
        case BENCH_OPT_PARTITIONS: selected[1] = true; break;
        case BENCH_OPT_TRANSACTIONS: selected[2] = true; break;
        case BENCH_OPT_PIPELINE: selected[3] = true; break;
        case BENCH_OPT_SWEEP: selected[4] = true; break;
        case BENCH_OPT_BARE: selected[BENCH_BARE] = true; break;
        case BENCH_OPT_KERNEL: selected[6] = true; break;
        case BENCH_OPT_SCALING: selected[7] = true; break;
        case BENCH_OPT_REFERENCE_FILE: a->reference_file = optarg; break;
        case BENCH_OPT_PARTITIONS_FILE: a->partitions_file = optarg; break;
        case BENCH_OPT_RUNS:
            if (bench_parse_u64(optarg, 1, &a->runs) != 0)
                return bench_usage_error("--runs wants a positive integer, not ", optarg);
            break;
        case BENCH_OPT_LARGE:
            if (bench_parse_u64(optarg, 1, &a->large) != 0 || a->large > BARE_RECORDS_MAX)
                return bench_usage_error("--large wants an integer from 1 to 2^30, not ", optarg);
            break;
        case BENCH_OPT_EVENTS:
            if (bench_parse_u64(optarg, 1, &a->events) != 0)
                return bench_usage_error("--events wants a positive integer, not ", optarg);
            break;
        case BENCH_OPT_REPEAT:
            if (bench_parse_u64(optarg, 1, &a->repeat) != 0)
                return bench_usage_error("--repeat wants a positive integer, not ", optarg);
            break;
        case BENCH_OPT_SEED:
            if (bench_parse_u64(optarg, 0, &a->seed) != 0)
                return bench_usage_error("--seed wants an unsigned integer, not ", optarg);
            break;
        case BENCH_OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) a->format = BENCH_TEXT;
            else if (strcmp(optarg, "json") == 0) a->format = BENCH_JSON;
            else return bench_usage_error("--format wants text or json, not ", optarg);
            break;
        case BENCH_OPT_HELP: bench_usage(stdout); return CLI_EXIT_OK;
        default: {
            char what[256];
            return bench_usage_error("", cli_getopt_error(opt, argv, what, sizeof what));
        }
        }
    }
    if (optind < argc) return bench_usage_error("unexpected argument ", argv[optind]);
    return -1;
}

/* Whether bench i runs: the ones named, or with none named the default ones. */
static bool bench_runs(const bool selected[BENCH_COUNT], bool any, size_t i) {
    return any ? selected[i] : bench_table[i].by_default;
}

int cmd_bench(int argc, char **argv) {
    double reference_rate = 0;
    bench_args a = {.events = BENCH_EVENTS_DEFAULT, .repeat = BENCH_REPEAT_DEFAULT, .seed = 1,
                    .runs = BENCH_RUNS_DEFAULT, .large = BENCH_LARGE_DEFAULT,
                    .format = BENCH_TEXT,
                    .reference_rate = &reference_rate};
    bool selected[BENCH_COUNT] = {false};
    int done = bench_parse(argc, argv, &a, selected);
    if (done >= 0) return done;
    bool any = false;
    for (size_t i = 0; i < BENCH_COUNT; i++) any = any || selected[i];
    /* The partitions process and the bare bench's large runs' process start first, before
     * any bench has grown this one. While they live, a write to one after it died must fail,
     * not end this process. */
    static config partitions, large;
    bench_child child, large_child;
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ignore.sa_mask);
    if (bench_runs(selected, any, BENCH_PARTITIONS)) {
        if (bench_partitions_load(&a, &partitions) != 0) return CLI_EXIT_USAGE;
        if (bench_child_start(bench_child_main, &partitions, a.seed, NULL, &child) != 0)
            return CLI_EXIT_FAILED;
        a.partitions = &partitions;
        a.partitions_child = &child;
    }
    if (bench_runs(selected, any, BENCH_BARE)) {
        int rc = bench_scenario_load(&a, "reference", NULL, NULL, 0, &large);
        large.records = a.large;
        if (rc != 0 || bench_child_start(bench_large_main, &large, a.seed, a.partitions_child,
                                       &large_child) != 0) {
            if (a.partitions_child) bench_child_stop(a.partitions_child);
            return rc != 0 ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
        }
        a.large_child = &large_child;
    }
    if (a.partitions_child || a.large_child) sigaction(SIGPIPE, &ignore, &old_pipe);
    if (a.format == BENCH_JSON) fputs("{", stdout);
    int status = CLI_EXIT_OK;
    bool first = true;
    for (size_t i = 0; i < BENCH_COUNT && status == CLI_EXIT_OK; i++) {
        if (!bench_runs(selected, any, i)) continue;
        if (!first) fputs(a.format == BENCH_JSON ? ", " : "\n", stdout);
        first = false;
        status = bench_table[i].run(&a, stdout);
    }
    if (a.partitions_child && bench_child_stop(a.partitions_child) != 0 &&
        status == CLI_EXIT_OK) {
        fprintf(stderr, "kafkasim bench: the partitions process did not end cleanly\n");
        status = CLI_EXIT_FAILED;
    }
    if (a.large_child && bench_child_stop(a.large_child) != 0 && status == CLI_EXIT_OK) {
        fprintf(stderr, "kafkasim bench: the large runs' process did not end cleanly\n");
        status = CLI_EXIT_FAILED;
    }
    if (a.partitions_child || a.large_child) sigaction(SIGPIPE, &old_pipe, NULL);
    long rss_kib = bench_peak_rss_kib();
    if (a.format == BENCH_JSON) printf(", \"peak_rss_kib\": %ld}\n", rss_kib);
    else printf("peak RSS: %.1f MiB\n", (double)rss_kib / 1024.0);
    return status;
}
