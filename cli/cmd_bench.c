/*
 * cmd_bench.c: `kafkasim bench`, throughput and memory of the simulator on this machine.
 *
 *   kafkasim bench [--kernel] [--events N] [--seed N] [--format text|json]
 *
 * Benches are rows of one table (bench_table): a name, a selecting option and a function that
 * runs and prints. Today there is the kernel hold model; the reference Kafka scenario and a
 * sweep are meant to join as more rows. With no bench named, every bench runs.
 *
 * The kernel hold model is the classic queue benchmark (Jones, "An empirical comparison of
 * priority-queue and event-set implementations", CACM 1986): a steady population of pending
 * events in which every dispatched event schedules one successor at now + uniform
 * [0, 2^20) ns. It runs through sim_run, so the figures include dispatch and the trace hash.
 *
 * Wall-clock time is read here, and only here: it measures the simulator and never decides
 * anything simulated (tests/cli_no_wallclock.sh keeps it out of sim/ and models/).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "sim.h"

#define BENCH_HOLD_INCREMENT_NS_MAX (UINT32_C(1) << 20) /* hold model increments, ns */
#define BENCH_EVENTS_DEFAULT UINT64_C(5000000)
#define BENCH_REPEAT_DEFAULT UINT64_C(3)
#define BENCH_STREAM_HOLD 1 /* component id of the hold model's stream */

typedef enum bench_format { BENCH_TEXT, BENCH_JSON } bench_format;

typedef struct bench_args {
    uint64_t events; /* events timed per measurement */
    uint64_t repeat; /* measurements per figure; the fastest is reported */
    uint64_t seed;   /* run seed of every simulated world */
    bench_format format;
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
    bench_kernel_row row = {.pending = pending, .events = a->events, .status = SIM_NOMEM};
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
    size_t queued = w.queue.count ? w.queue.count : 1;
    row.bytes_per_pending = (double)(w.queue.capacity * sizeof(sim_event)) / (double)queued;
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
    static const uint64_t sizes[] = {100, 10000, 1000000};
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
} bench_entry;

static const bench_entry bench_table[] = {
    {"kernel", bench_kernel},
};
#define BENCH_COUNT (sizeof(bench_table) / sizeof(bench_table[0]))

enum bench_option {
    BENCH_OPT_FORMAT = 'f',
    BENCH_OPT_HELP = 'h',
    BENCH_OPT_KERNEL = 256,
    BENCH_OPT_EVENTS,
    BENCH_OPT_SEED,
    BENCH_OPT_REPEAT,
};

static const struct option bench_options[] = {
    {"kernel", no_argument, NULL, BENCH_OPT_KERNEL},
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
          "With no bench named, every bench runs.\n"
          "      --kernel             the event kernel alone: a hold model at 10^2, 10^4 and\n"
          "                           10^6 pending events (events/s, ns/event, bytes/pending)\n"
          "      --events N           events timed per measurement (default 5000000)\n"
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
    opterr = 0; /* one message of our own, naming the option */
    while ((opt = getopt_long(argc, argv, "f:h", bench_options, NULL)) != -1) {
        switch (opt) {
        case BENCH_OPT_KERNEL: selected[0] = true; break;
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
        default: return bench_usage_error("unknown or incomplete option ", argv[optind - 1]);
        }
    }
    if (optind < argc) return bench_usage_error("unexpected argument ", argv[optind]);
    return -1;
}

int cmd_bench(int argc, char **argv) {
    bench_args a = {.events = BENCH_EVENTS_DEFAULT, .repeat = BENCH_REPEAT_DEFAULT, .seed = 1,
                    .format = BENCH_TEXT};
    bool selected[BENCH_COUNT] = {false};
    int done = bench_parse(argc, argv, &a, selected);
    if (done >= 0) return done;
    bool any = false;
    for (size_t i = 0; i < BENCH_COUNT; i++) any = any || selected[i];
    if (a.format == BENCH_JSON) fputs("{", stdout);
    int status = CLI_EXIT_OK;
    bool first = true;
    for (size_t i = 0; i < BENCH_COUNT && status == CLI_EXIT_OK; i++) {
        if (any && !selected[i]) continue;
        if (!first) fputs(a.format == BENCH_JSON ? ", " : "\n", stdout);
        first = false;
        status = bench_table[i].run(&a, stdout);
    }
    long rss_kib = bench_peak_rss_kib();
    if (a.format == BENCH_JSON) printf(", \"peak_rss_kib\": %ld}\n", rss_kib);
    else printf("peak RSS: %.1f MiB\n", (double)rss_kib / 1024.0);
    return status;
}
