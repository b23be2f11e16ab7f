/*
 * cmd_check.c: `kafkasim check`, a property checked over many seeds.
 *
 *   kafkasim check [FILE.properties ...] [key=value ...] --expect EXPR [--seeds A..B]
 *                  [--jobs N] [--swarm] [--swarm-kinds LIST] [--swarm-faults N]
 *                  [--swarm-powerloss] [--determinism] [--out FILE] [--shrink-runs N]
 *                  [--callback-bound-ms N] [--verbose]
 *
 * Every seed's run is judged three ways (check_internal.h): safety (the models' invariants
 * after every event), liveness (the run drained, and every send got its callback within a
 * bound once the faults healed) and the expectation (EXPR over the output fields of
 * `kafkasim run --format json`). With --swarm each seed first draws its own fault mix
 * (swarm.h). The first failing seed in seed order, whatever --jobs is, is then shrunk (fewer
 * faults, earlier, shorter, fewer records) while the same kind of violation persists, written
 * as a .properties file, and printed with the `kafkasim run` line that replays it.
 *
 * The liveness bound on a callback is Kafka's own: the Java producer completes every record
 * within delivery.timeout.ms of send(), except that a batch already in flight waits for its
 * request to complete or time out (KIP-91, ProducerConfig DELIVERY_TIMEOUT_MS_DOC; Sender
 * expires in-flight batches only after request.timeout.ms). A pause of the producer itself
 * stops its clock-driven work, so its length is added.
 *
 * Exit status: 0 the property held for every seed, 1 a seed violated it, 2 bad usage or input,
 * 3 a seed's run ran out of memory (no verdict, no counterexample).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "cli.h"
#include "fault_parse.h"
#include "report.h"

#define CHECK_DEFAULT_OUT "kafkasim-counterexample.properties"
#define CHECK_SHRINK_RUNS_DEFAULT 200
#define CHECK_SEEDS_DEFAULT_LAST 100

enum check_option {
    CHECK_OPT_EXPECT = 'e',
    CHECK_OPT_JOBS = 'j',
    CHECK_OPT_OUT = 'o',
    CHECK_OPT_VERBOSE = 'v',
    CHECK_OPT_HELP = 'h',
    CHECK_OPT_SEEDS = 256,
    CHECK_OPT_SWARM,
    CHECK_OPT_SWARM_KINDS,
    CHECK_OPT_SWARM_FAULTS,
    CHECK_OPT_SWARM_POWERLOSS,
    CHECK_OPT_DETERMINISM,
    CHECK_OPT_SHRINK_RUNS,
    CHECK_OPT_CALLBACK_BOUND,
};

static const struct option check_options[] = {
    {"expect", required_argument, NULL, CHECK_OPT_EXPECT},
    {"seeds", required_argument, NULL, CHECK_OPT_SEEDS},
    {"jobs", required_argument, NULL, CHECK_OPT_JOBS},
    {"swarm", no_argument, NULL, CHECK_OPT_SWARM},
    {"swarm-kinds", required_argument, NULL, CHECK_OPT_SWARM_KINDS},
    {"swarm-faults", required_argument, NULL, CHECK_OPT_SWARM_FAULTS},
    {"swarm-powerloss", no_argument, NULL, CHECK_OPT_SWARM_POWERLOSS},
    {"determinism", no_argument, NULL, CHECK_OPT_DETERMINISM},
    {"out", required_argument, NULL, CHECK_OPT_OUT},
    {"shrink-runs", required_argument, NULL, CHECK_OPT_SHRINK_RUNS},
    {"callback-bound-ms", required_argument, NULL, CHECK_OPT_CALLBACK_BOUND},
    {"verbose", no_argument, NULL, CHECK_OPT_VERBOSE},
    {"help", no_argument, NULL, CHECK_OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void check_usage(FILE *out) {
    fputs("Usage: kafkasim check [FILE.properties ...] [key=value ...] --expect EXPR [OPTION...]\n"
          "Check a property of a scenario over many seeds; shrink and replay the first failure.\n"
          "\n"
          "Every run is checked for safety (the models' invariants after every event), for\n"
          "liveness (the run drains and every send gets its callback within\n"
          "delivery.timeout.ms + request.timeout.ms once the faults healed) and against EXPR.\n"
          "\n"
          "  -e, --expect EXPR         a condition over the output fields of `kafkasim run\n"
          "                            --format json`, e.g. 'duplicates==0 && lost_acked==0';\n"
          "                            numbers, fields, == != < <= > >=, && || !, + - * /, ( );\n"
          "                            errors.CODE is the count of one error code, e.g.\n"
          "                            'errors.NOT_ENOUGH_REPLICAS > 0'\n"
          "      --seeds A..B          the seeds to run (default 1..100; one seed: N)\n"
          "  -j, --jobs N              worker processes (default 1); the answer is the same\n"
          "      --swarm               each seed draws its own fault mix (printed as\n"
          "                            fault.swarmN lines, so the run replays exactly)\n"
          "      --swarm-kinds LIST    kinds to draw from: crash, pause, partition, drop,\n"
          "                            break, delay, restart-producer, powerloss, stop, all\n"
          "                            (default: all but powerloss and stop)\n"
          "      --swarm-faults N      at most N faults per mix, 1..8 (default 4)\n"
          "      --swarm-powerloss     also draw whole-cluster power loss\n"
          "      --determinism         run each seed twice; the trace hashes must match\n"
          "  -o, --out FILE            where to write the shrunk counterexample\n"
          "                            (default ./" CHECK_DEFAULT_OUT ")\n"
          "      --shrink-runs N       runs spent shrinking at most (default 200; 0: none)\n"
          "      --callback-bound-ms N the liveness bound on send -> callback (default:\n"
          "                            delivery.timeout.ms + request.timeout.ms + producer\n"
          "                            pauses + 1 s)\n"
          "  -v, --verbose             one line per seed (with its fault mix under --swarm)\n"
          "  -h, --help                show this help and exit\n"
          "\n"
          "Exit status: 0 the property held for every seed, 1 a seed violated it (the\n"
          "counterexample and its replay command are printed), 2 bad usage or input, 3 a\n"
          "seed's run ran out of memory (sim.max.memory.mb): no verdict, no counterexample.\n",
          out);
}

static int check_usage_error(const char *fmt, const char *arg) {
    fputs("kafkasim check: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'kafkasim check --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}

typedef struct check_args {
    const char *expect;        /* --expect text, NULL when not given */
    uint64_t seed_first;       /* --seeds A */
    uint64_t seed_last;        /* --seeds B */
    int jobs;                  /* --jobs */
    bool swarm;
    swarm_options swarm_opt;
    bool determinism;
    const char *out_path;      /* --out */
    int shrink_runs;           /* --shrink-runs */
    int64_t callback_bound_ns; /* --callback-bound-ms, 0: derived */
    bool verbose;
} check_args;

/* "A..B" or "N" into [first, last]; -1 with a message on bad text. */
static int check_parse_seeds(const char *text, check_args *a, char *err, size_t err_len) {
    const char *dots = strstr(text, "..");
    unsigned long long first, last;
    if (!dots) {
        if (cli_parse_u64("--seeds", text, &first, err, err_len) != 0) return -1;
        a->seed_first = a->seed_last = first;
        return 0;
    }
    char head[32];
    size_t n = (size_t)(dots - text);
    if (n == 0 || n >= sizeof head) {
        snprintf(err, err_len, "--seeds: expected A..B (two seeds, A <= B), found '%.40s'", text);
        return -1;
    }
    memcpy(head, text, n);
    head[n] = '\0';
    if (cli_parse_u64("--seeds", head, &first, err, err_len) != 0) return -1;
    if (cli_parse_u64("--seeds", dots + 2, &last, err, err_len) != 0) return -1;
    if (first > last) {
        snprintf(err, err_len, "--seeds: expected A..B with A <= B, found '%.40s'", text);
        return -1;
    }
    a->seed_first = first;
    a->seed_last = last;
    return 0;
}

/* A bounded integer option; -1 with "OPTION: expected an integer MIN..MAX, found 'x'". */
static int check_parse_int(const char *option, const char *text, long long min, long long max,
                           long long *out, char *err, size_t err_len) {
    unsigned long long v;
    if (cli_parse_u64(option, text, &v, err, err_len) != 0 || v < (unsigned long long)min ||
        v > (unsigned long long)max) {
        snprintf(err, err_len, "%s: expected an integer %lld..%lld, found '%.40s'", option, min,
                 max, text);
        return -1;
    }
    *out = (long long)v;
    return 0;
}

/* Parses the options; leaves the inputs in argv[optind..]. Returns -1 to go on, or an exit
 * code. */
static int check_parse(int argc, char **argv, check_args *a) {
    char err[256];
    long long v;
    bool powerloss = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":e:j:o:vh", check_options, NULL)) != -1) {
        switch (opt) {
        case CHECK_OPT_EXPECT: a->expect = optarg; break;
        case CHECK_OPT_SEEDS:
            if (check_parse_seeds(optarg, a, err, sizeof err) != 0)
                return check_usage_error("%s", err);
            break;
        case CHECK_OPT_JOBS:
            if (check_parse_int("--jobs", optarg, 1, 1024, &v, err, sizeof err) != 0)
                return check_usage_error("%s", err);
            a->jobs = (int)v;
            break;
        case CHECK_OPT_SWARM: a->swarm = true; break;
        case CHECK_OPT_SWARM_KINDS: {
            if (swarm_kinds_parse(optarg, &a->swarm_opt.kinds, err, sizeof err) != 0)
                return check_usage_error("--swarm-kinds: %s", err);
            a->swarm = true;
            break;
        }
        case CHECK_OPT_SWARM_FAULTS:
            if (check_parse_int("--swarm-faults", optarg, 1, SWARM_FAULTS_MAX, &v, err,
                                sizeof err) != 0)
                return check_usage_error("%s", err);
            a->swarm_opt.faults_max = (int)v;
            a->swarm = true;
            break;
        case CHECK_OPT_SWARM_POWERLOSS: powerloss = a->swarm = true; break;
        case CHECK_OPT_DETERMINISM: a->determinism = true; break;
        case CHECK_OPT_OUT: a->out_path = optarg; break;
        case CHECK_OPT_SHRINK_RUNS:
            if (check_parse_int("--shrink-runs", optarg, 0, 100000, &v, err, sizeof err) != 0)
                return check_usage_error("%s", err);
            a->shrink_runs = (int)v;
            break;
        case CHECK_OPT_CALLBACK_BOUND:
            if (check_parse_int("--callback-bound-ms", optarg, 1, 1000000000, &v, err,
                                sizeof err) != 0)
                return check_usage_error("%s", err);
            a->callback_bound_ns = (int64_t)v * SIM_MS;
            break;
        case CHECK_OPT_VERBOSE: a->verbose = true; break;
        case CHECK_OPT_HELP: check_usage(stdout); return CLI_EXIT_OK;
        default: return check_usage_error("%s", cli_getopt_error(opt, argv, err, sizeof err));
        }
    }
    if (powerloss)
        a->swarm_opt.kinds = (a->swarm_opt.kinds ? a->swarm_opt.kinds : SWARM_KINDS_DEFAULT) |
                             SWARM_POWERLOSS;
    if (!a->expect && !a->determinism)
        return check_usage_error("%s", "--expect EXPR is required (or --determinism alone)");
    return -1;
}

/* ---- Judging one run ---------------------------------------------------------------------- */

int check__seed_config(const check_job *j, uint64_t seed, config *out, swarm_mix *mix,
                       char *err, size_t err_len) {
    *out = *j->base;
    out->seed = seed;
    if (mix) mix->count = 0;
    if (!j->swarm) return 0;
    swarm_mix local;
    swarm_mix *m = mix ? mix : &local;
    swarm_draw(seed, j->base, &j->swarm_opt, m);
    return swarm_apply(out, m, err, err_len);
}

/* What the faults of c mean for liveness: did a producer session end (a crash or a restart of
 * the producer: its pending sends die with the process and nobody is called back), and how
 * long was the producer paused or down in all. */
static bool check_session_ended(const config *c, int64_t *stopped_ns) {
    bool ended = false;
    *stopped_ns = 0;
    for (int i = 0; i < c->fault_count; i++) {
        fault_spec f;
        char err[256];
        if (fault_parse(c->faults[i].text, &f, err, sizeof err) != 0) continue;
        if (f.kind == FAULT_RESTART_PRODUCER) ended = true;
        if (f.a.kind != FAULT_TARGET_PRODUCER) continue;
        if (f.kind == FAULT_CRASH) ended = true;
        if ((f.kind == FAULT_CRASH || f.kind == FAULT_PAUSE) && f.for_ns > 0)
            *stopped_ns += f.for_ns;
    }
    return ended;
}

/* True when every broker that a fault stops comes back: a crash or a stop without `for` keeps
 * a broker down for good, and then replication may rightly never catch up. */
static bool check_brokers_heal(const config *c) {
    for (int i = 0; i < c->fault_count; i++) {
        fault_spec f;
        char err[256];
        if (fault_parse(c->faults[i].text, &f, err, sizeof err) != 0) continue;
        if ((f.kind == FAULT_CRASH || f.kind == FAULT_STOP) &&
            f.a.kind != FAULT_TARGET_PRODUCER && f.a.kind != FAULT_TARGET_CONSUMER &&
            f.for_ns < 0)
            return false;
    }
    return true;
}

static int64_t check_callback_bound_ns(const check_job *j, const config *c, int64_t stopped_ns) {
    if (j->callback_bound_ns > 0) return j->callback_bound_ns;
    return c->delivery_timeout_ns + c->request_timeout_ns + c->linger_ns + stopped_ns + SIM_S;
}

static bool check_liveness(const check_job *j, const config *c, check_outcome *out) {
    const checker_result *k = &out->result.check;
    int64_t stopped_ns = 0;
    bool ended = check_session_ended(c, &stopped_ns);
    if (k->unanswered > 0 && !ended) {
        snprintf(out->detail, sizeof out->detail,
                 "%" PRIu64 " sends never got a callback, though every fault healed",
                 k->unanswered);
        return false;
    }
    if (!out->result.settled && check_brokers_heal(c)) {
        snprintf(out->detail, sizeof out->detail,
                 "replication never caught up after every fault healed: the final leader's "
                 "high watermark stayed below its log end");
        return false;
    }
    int64_t bound = check_callback_bound_ns(j, c, stopped_ns);
    if (k->latency_max_ns > bound) {
        snprintf(out->detail, sizeof out->detail,
                 "a callback came %" PRId64 " ms after its send; the bound is %" PRId64
                 " ms (delivery.timeout.ms + request.timeout.ms + linger.ms + producer "
                 "pauses + 1 s)",
                 k->latency_max_ns / SIM_MS, bound / SIM_MS);
        return false;
    }
    return true;
}

/* A field's value for --expect; a duration the run has none of (a latency when no send got a
 * callback, which JSON writes as null) is missing, not a number. */
static expr_value check_field_value(const run_result *r, int field) {
    report_value v = report_field_value(r, (size_t)field);
    if (report_field_kind((size_t)field) == REPORT_MS && v.i < 0) return expr_missing();
    return v.is_double ? expr_real(v.d) : expr_int(v.i);
}

/* Evaluates --expect; on a violation, the detail lists the fields it reads. */
static void check_expectation(const check_job *j, check_outcome *out) {
    expr_value values[CHECK_FIELDS_MAX];
    for (int f = 0; f < j->field_count; f++) values[f] = check_field_value(&out->result, f);
    bool holds = false;
    char err[256];
    if (expr_eval(&j->expect, values, &holds, err, sizeof err) != 0) {
        out->verdict = CHECK_SETUP;
        snprintf(out->detail, sizeof out->detail, "--expect: %s", err);
        return;
    }
    if (holds) return;
    out->verdict = CHECK_EXPECT;
    size_t used = 0;
    for (int f = 0; f < j->field_count && used < sizeof out->detail; f++) {
        if (!expr_uses(&j->expect, f)) continue;
        char buf[64];
        const char *why = !expr_is_missing(values[f]) ? ""
                          : strncmp(j->field_names[f], "latency", 7) == 0
                              ? " (no send got a callback, so there is no latency; a comparison "
                                "with a missing value is false)"
                              : " (the run has no value; a comparison with it is false)";
        int n = snprintf(out->detail + used, sizeof out->detail - used, "%s%s=%s%s",
                         used ? " " : "", j->field_names[f],
                         expr_value_format(values[f], buf, sizeof buf), why);
        if (n < 0) break;
        used += (size_t)n;
    }
}

void check__judge(const check_job *j, const config *c, check_outcome *out) {
    memset(out, 0, sizeof *out);
    scenario_options so = {.trace_node = -1, .trace_record = -1, .check_invariants = true};
    run_result *r = &out->result;
    if (scenario_run(c, &so, r) < 0) {
        out->verdict = r->exhausted ? CHECK_EXHAUSTED : CHECK_SETUP;
        snprintf(out->detail, sizeof out->detail, "%.300s",
                 r->failure[0] ? r->failure : "out of memory");
        return;
    }
    if (j->determinism) {
        run_result *again = malloc(sizeof *again);
        if (again && scenario_run(c, &so, again) >= 0 &&
            (again->trace_hash != r->trace_hash || again->events != r->events)) {
            out->verdict = CHECK_NONDETERMINISM;
            snprintf(out->detail, sizeof out->detail,
                     "trace hash 0x%016" PRIx64 " (%" PRIu64 " events), then 0x%016" PRIx64
                     " (%" PRIu64 " events)",
                     r->trace_hash, r->events, again->trace_hash, again->events);
        }
        free(again);
        if (out->verdict != CHECK_HOLDS) return;
    }
    if (r->invariant_broken) {
        bool limit = r->status == SIM_LIMIT_TIME || r->status == SIM_LIMIT_EVENTS ||
                     r->status == SIM_STALLED;
        out->verdict = r->status == SIM_FAILED ? CHECK_SAFETY : limit ? CHECK_LIVENESS
                                                                      : CHECK_SETUP;
        snprintf(out->detail, sizeof out->detail, "%.300s", r->failure);
        return;
    }
    if (!check_liveness(j, c, out)) {
        out->verdict = CHECK_LIVENESS;
        return;
    }
    if (j->has_expect) check_expectation(j, out);
}

/* ---- Reporting ---------------------------------------------------------------------------- */

static const char *check_verdict_name(check_verdict v) {
    switch (v) {
    case CHECK_HOLDS: return "holds";
    case CHECK_EXPECT: return "expectation violated";
    case CHECK_SAFETY: return "safety violated";
    case CHECK_LIVENESS: return "liveness violated";
    case CHECK_NONDETERMINISM: return "not deterministic";
    case CHECK_CRASHED: return "the run aborted";
    case CHECK_SETUP: return "error";
    case CHECK_EXHAUSTED: return "resources exhausted";
    }
    return "?";
}

static void check_print_faults(const config *c) {
    for (int i = 0; i < c->fault_count; i++)
        printf("  fault.%s=%s\n", c->faults[i].name, c->faults[i].text);
}

static void check_print_outcome(const check_job *j, const char *label, const config *c,
                                const check_outcome *o) {
    printf("%s: seed %" PRIu64 ": %s", label, c->seed, check_verdict_name(o->verdict));
    if (o->verdict == CHECK_EXPECT) printf(": %s (%s)", j->expect_text, o->detail);
    else if (o->detail[0]) printf(": %s", o->detail);
    printf("\n  workload.records=%" PRIu64 ", trace_hash=0x%016" PRIx64 ", faults fired %" PRIu64
           " of %d\n",
           c->records, o->result.trace_hash, o->result.check.faults_fired, c->fault_count);
    check_print_faults(c);
}

typedef struct check_verbose {
    const check_job *job;
} check_verbose;

static void check_on_seed(void *ctx, uint64_t seed, check_verdict verdict) {
    check_verbose *v = ctx;
    printf("seed %" PRIu64 ": %s\n", seed, check_verdict_name(verdict));
    if (!v->job->swarm) return;
    swarm_mix mix;
    config *c = malloc(sizeof *c);
    char err[256];
    if (c && check__seed_config(v->job, seed, c, &mix, err, sizeof err) == 0)
        for (int i = 0; i < mix.count; i++) printf("  %s\n", mix.text[i]);
    free(c);
}

static int check_print_holds(const check_args *a, const check_job *j, const check_sweep *s) {
    printf("kafkasim check: seeds %" PRIu64 "..%" PRIu64 ": holds for all %" PRIu64 " runs\n",
           a->seed_first, a->seed_last, s->runs);
    if (j->has_expect) printf("  expect: %s\n", j->expect_text);
    printf("  safety: the models' invariants held after every event\n"
           "  liveness: every run drained, every send got its callback in time\n");
    if (j->determinism) printf("  determinism: every seed ran twice with the same trace hash\n");
    if (j->swarm)
        printf("  swarm: mixes of 1..%d faults, %" PRIu64 " faults drawn, %" PRIu64 " fired\n",
               j->swarm_opt.faults_max > 0 ? j->swarm_opt.faults_max : 4, s->faults_configured,
               s->faults_fired);
    printf("  runs with a duplicate, reordering or lost write: %" PRIu64 "\n", s->anomalous);
    return CLI_EXIT_OK;
}

/* ---- Shrinking and the counterexample ------------------------------------------------------ */

/* Where a crash or a broken invariant came from: "sim/world.c:59" of an assertion's message,
 * or the invariant's message up to its first number. Shrinking keeps to the same site, so it
 * does not wander off to another bug. */
static void check_failure_site(const check_outcome *o, char *buf, size_t len) {
    const char *s = o->detail;
    const char *at = o->verdict == CHECK_CRASHED ? strstr(s, " at ") : NULL;
    if (at) s = at + 4;
    size_t n = o->verdict == CHECK_CRASHED ? strcspn(s, " (") : strcspn(s, "0123456789");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

typedef struct check_shrink_ctx {
    const check_job *job;
    check_verdict verdict;  /* the violation being shrunk */
    char site[128];         /* its site, for crashes and broken invariants */
} check_shrink_ctx;

static int check_shrink_judge(void *ctx, const config *c) {
    check_shrink_ctx *s = ctx;
    check_outcome *o = malloc(sizeof *o);
    if (!o) return -1;
    check__judge_isolated(s->job, c, o);
    int verdict = (int)o->verdict;
    if (o->verdict == s->verdict &&
        (o->verdict == CHECK_CRASHED || o->verdict == CHECK_SAFETY)) {
        char site[128];
        check_failure_site(o, site, sizeof site);
        if (strcmp(site, s->site) != 0) verdict = -1; /* another failure: not this one */
    }
    free(o);
    return verdict;
}

static int check_write_counterexample(const check_args *a, const check_job *j, const config *c,
                                      const check_outcome *o) {
    char comment[1024];
    snprintf(comment, sizeof comment,
             "kafkasim check counterexample, seed %" PRIu64 ": %s%s%s\n"
             "replay: kafkasim run %s --seed %" PRIu64,
             c->seed, check_verdict_name(o->verdict), o->verdict == CHECK_EXPECT ? ": " : "",
             o->verdict == CHECK_EXPECT ? j->expect_text : "", a->out_path, c->seed);
    FILE *f = fopen(a->out_path, "w");
    if (!f) {
        fprintf(stderr, "kafkasim check: --out: %s: %s\n", a->out_path, strerror(errno));
        return -1;
    }
    char err[512];
    int rc = swarm_scenario_write(c, comment, f);
    if (cli_close(f, a->out_path, err, sizeof err) != 0 || rc != 0) {
        fprintf(stderr, "kafkasim check: --out: %s\n", rc != 0 ? a->out_path : err);
        return -1;
    }
    printf("counterexample (%s):\n", a->out_path);
    swarm_scenario_write(c, NULL, stdout);
    printf("replay: kafkasim run ");
    report_shell_word(stdout, a->out_path);
    printf(" --seed %" PRIu64 "\n", c->seed);
    return 0;
}

/* The first failing seed: judged again on its own, shrunk, written and printed. */
static int check_report_failure(const check_args *a, const check_job *j, uint64_t seed) {
    config *c = malloc(sizeof *c);
    check_outcome *o = malloc(sizeof *o);
    char err[256];
    int rc = CLI_EXIT_FAILED;
    if (!c || !o || check__seed_config(j, seed, c, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim check: seed %" PRIu64 ": %s\n", seed,
                c && o ? err : "out of memory");
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    check__judge_isolated(j, c, o);
    if (o->verdict == CHECK_SETUP) {
        fprintf(stderr, "kafkasim check: seed %" PRIu64 ": %s\n", seed, o->detail);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    if (o->verdict == CHECK_EXHAUSTED) { /* a resource, not a counterexample */
        fprintf(stderr, "kafkasim check: seed %" PRIu64 ": resources exhausted: %s; no verdict "
                        "and no counterexample (raise sim.max.memory.mb or ask for less work)\n",
                seed, o->detail);
        rc = CLI_EXIT_EXHAUSTED;
        goto done;
    }
    check_print_outcome(j, "first failure", c, o);
    int verdict = (int)o->verdict;
    if (a->shrink_runs > 0 && verdict != CHECK_HOLDS) {
        swarm_shrink_stats st;
        check_shrink_ctx sc = {.job = j, .verdict = o->verdict};
        check_failure_site(o, sc.site, sizeof sc.site);
        swarm_shrink(c, verdict, check_shrink_judge, &sc, a->shrink_runs, &st);
        printf("shrinking: %d runs; faults %d -> %d, workload.records %" PRIu64 " -> %" PRIu64
               "\n",
               st.runs, st.faults_before, st.faults_after, st.records_before, st.records_after);
        check__judge_isolated(j, c, o);
        check_print_outcome(j, "shrunk", c, o);
    }
    if (check_write_counterexample(a, j, c, o) != 0) rc = CLI_EXIT_USAGE;
done:
    free(c);
    free(o);
    return rc;
}

/* ---- The command -------------------------------------------------------------------------- */

/* Binds the output fields and parses --expect; -1 with a message. */
static int check_job_init(check_job *j, const check_args *a, const config *base, char *err,
                          size_t err_len) {
    memset(j, 0, sizeof *j);
    j->base = base;
    j->swarm = a->swarm;
    j->swarm_opt = a->swarm_opt;
    j->determinism = a->determinism;
    j->callback_bound_ns = a->callback_bound_ns;
    size_t n = report_field_count_all(); /* errors.CODE included */
    if (n > CHECK_FIELDS_MAX) n = CHECK_FIELDS_MAX;
    for (size_t i = 0; i < n; i++) j->field_names[i] = report_field_name(i);
    j->field_count = (int)n;
    if (!a->expect) return 0;
    char perr[512];
    if (expr_parse(&j->expect, a->expect, j->field_names, n, perr, sizeof perr) != 0) {
        snprintf(err, err_len, "--expect: %s", perr);
        return -1;
    }
    j->has_expect = true;
    j->expect_text = a->expect;
    return 0;
}

/* Every fault line of the base scenario must parse before a thousand runs are started. */
static int check_faults_parse(const config *c, char *err, size_t err_len) {
    for (int i = 0; i < c->fault_count; i++) {
        fault_spec f;
        char ferr[256];
        if (fault_parse(c->faults[i].text, &f, ferr, sizeof ferr) != 0) {
            snprintf(err, err_len, "fault.%s: %s", c->faults[i].name, ferr);
            return -1;
        }
    }
    return 0;
}

int cmd_check(int argc, char **argv) {
    check_args a = {.seed_first = 1, .seed_last = CHECK_SEEDS_DEFAULT_LAST, .jobs = 1,
                    .out_path = CHECK_DEFAULT_OUT, .shrink_runs = CHECK_SHRINK_RUNS_DEFAULT};
    int rc = check_parse(argc, argv, &a);
    if (rc >= 0) return rc;

    config *base = malloc(sizeof *base);
    check_job *j = malloc(sizeof *j);
    char err[768];
    rc = CLI_EXIT_USAGE;
    if (!base || !j) {
        fprintf(stderr, "kafkasim check: out of memory\n");
        goto done;
    }
    if (cli_load_config(base, argv + optind, argc - optind, err, sizeof err) != 0 ||
        check_faults_parse(base, err, sizeof err) != 0 ||
        check_job_init(j, &a, base, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim check: %s\n", err);
        goto done;
    }
    check_sweep s;
    check_verbose v = {.job = j};
    if (check__sweep(j, a.seed_first, a.seed_last, a.jobs, a.verbose ? check_on_seed : NULL, &v,
                     &s, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim check: %s\n", err);
        rc = CLI_EXIT_FAILED;
        goto done;
    }
    rc = s.failed ? check_report_failure(&a, j, s.seed) : check_print_holds(&a, j, &s);
done:
    free(base);
    free(j);
    return rc;
}
