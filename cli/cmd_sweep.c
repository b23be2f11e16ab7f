/*
 * cmd_sweep.c: `kafkasim sweep`, every (cell, seed) run of a sweep spec, as CSV and plots.
 *
 *   kafkasim sweep SPEC [--jobs N] [--out DIR] [--shard I/N] [--resume] [--gnuplot-dir DIR]
 *   kafkasim sweep --merge OUT [--spec SPEC] [--gnuplot-dir DIR] DIR_OR_JOURNAL...
 *
 * The spec is read and every cell's configuration built and validated (config_finish) before
 * anything runs: a bad cell is a spec error (exit 2), never a failed run halfway through. Each
 * run is config_defaults + base + set.* + the cell's axes + sim.seed, then scenario_run; its
 * output fields are report.h's, in report.h's order.
 *
 * Exit 0 when every run completed (anomalies are results), 1 when some run broke an invariant,
 * hit a limit or crashed (the CSV files are still written), 2 on bad input or a failed write,
 * 3 when a run ran out of memory, 130 after SIGINT or when a worker was ended from outside.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008: sysconf, isatty, realpath, readlink */

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fault_parse.h"
#include "report.h"
#include "scenario.h"
#include "sweep.h"
#include "sweep_spec.h"

enum sweep_option {
    SWEEP_OPT_JOBS = 'j',
    SWEEP_OPT_OUT = 'o',
    SWEEP_OPT_HELP = 'h',
    SWEEP_OPT_SHARD = 256,
    SWEEP_OPT_RESUME,
    SWEEP_OPT_MERGE,
    SWEEP_OPT_SPEC,
    SWEEP_OPT_GNUPLOT_DIR,
};

static const struct option sweep_options[] = {
    {"jobs", required_argument, NULL, SWEEP_OPT_JOBS},
    {"out", required_argument, NULL, SWEEP_OPT_OUT},
    {"shard", required_argument, NULL, SWEEP_OPT_SHARD},
    {"resume", no_argument, NULL, SWEEP_OPT_RESUME},
    {"merge", required_argument, NULL, SWEEP_OPT_MERGE},
    {"spec", required_argument, NULL, SWEEP_OPT_SPEC},
    {"gnuplot-dir", required_argument, NULL, SWEEP_OPT_GNUPLOT_DIR},
    {"help", no_argument, NULL, SWEEP_OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void sweep_usage(FILE *out) {
    fputs(
        "Usage: kafkasim sweep SPEC [OPTION...]\n"
        "       kafkasim sweep --merge OUT [--spec SPEC] DIR_OR_JOURNAL...\n"
        "Run every cell of a sweep spec with every seed; write CSV files and gnuplot plots.\n"
        "\n"
        "  -j, --jobs N           worker processes (default: every online core); the output\n"
        "                         does not depend on N\n"
        "  -o, --out DIR          where results go (default: results/NAME for SPEC NAME.sweep)\n"
        "      --shard I/N        run only the runs whose index % N == I-1 (a journal, no CSV)\n"
        "      --resume           keep the finished runs of DIR's journal, run the rest\n"
        "      --merge OUT        join shard journals (folders or files) into OUT's CSV files\n"
        "      --spec SPEC        with --merge: the spec (default: the one the journals name)\n"
        "      --gnuplot-dir DIR  where line.gp and heatmap.gp are (default: SPEC's folder,\n"
        "                         then experiments/ beside the kafkasim binary's folder)\n"
        "  -h, --help             show this help and exit\n"
        "\n"
        "Spec (Java .properties):\n"
        "  base = FILE.properties       base scenario, relative to the spec's folder\n"
        "  set.KEY = VALUE              a scenario property for every run; ${NAME} is replaced\n"
        "                               by the cell's value of axis NAME\n"
        "  axis.KEY = V1, V2, A..B      a scenario key set per cell (fault.NAME too)\n"
        "  axis.NAME = A..B:STEP        not a key: a variable for ${NAME}\n"
        "  seeds = 1..100               the seeds every cell runs (default: 1)\n"
        "  plot.x = AXIS                plot each plot.y field against this axis\n"
        "  plot.y = FIELD, ...          output fields to plot (see kafkasim run --format csv),\n"
        "                               or errors.CODE (e.g. errors.NOT_ENOUGH_REPLICAS)\n"
        "  plot.series = AXIS           one line (or heatmap row) per value of this axis\n"
        "  plot.kind = lines|heatmap    lines (mean, 95% CI error bars) or a heatmap of means\n"
        "  plot.average = AXIS, ...     axes pooled in each point (the title names them); every\n"
        "                               other axis not plotted gets a panel per value (<= 16)\n"
        "Cells are the product of the axes in spec order (first axis slowest); runs are\n"
        "(cell, seed), numbered cell-major from 0.\n"
        "\n"
        "Standard output: a table with a row per cell: its axis values and, for each plot.y\n"
        "field (without plot.y: the four anomaly fields), mean +- the half-width of its 95%\n"
        "confidence interval over the cell's seeds; then what each field counts.\n"
        "Output in DIR: runs.journal (one line per finished run, kept across kills),\n"
        "runs.csv (run, cell, axis values, seed, status, every field), cells.csv (per cell:\n"
        "runs, runs_failed, runs_with_anomaly, and mean, sd, ci95 (Student's t), min, max of each\n"
        "field), plot-FIELD.csv (the plotted numbers: panel, panel axes, x, mean and ci95 per\n"
        "series), plot-FIELD.gp (redraws the plot: gnuplot plot-FIELD.gp in DIR), .png, .svg.\n"
        "\n"
        "OUT and its missing parents are created; one sweep writes into an OUT at a time.\n"
        "Standard error names each cell where some fault fired in no run (its numbers then\n"
        "tested nothing), and a fault on a direction no message travels.\n"
        "\n"
        "Exit status: 0 every run completed, 1 some run failed or crashed, 2 bad input or a\n"
        "failed write, 3 a run ran out of memory, 130 interrupted or a worker ended from\n"
        "outside (kill, the OOM killer); after 3 and 130, --resume finishes the sweep.\n",
        out);
}

typedef struct sweep_args {
    const char *spec_path;     /* SPEC, or --spec with --merge */
    const char *out_dir;       /* --out, or --merge's OUT */
    const char *gnuplot_dir;   /* --gnuplot-dir */
    unsigned long long jobs;   /* --jobs, 0: every online core */
    unsigned shard_index;      /* I of --shard I/N */
    unsigned shard_count;      /* N of --shard I/N */
    bool resume;               /* --resume */
    bool merge;                /* --merge */
    char **inputs;             /* --merge's folders or journals */
    int input_count;           /* entries of inputs */
} sweep_args;

static int sweep_parse_shard(const char *text, sweep_args *a, char *err, size_t err_len) {
    unsigned index = 0, count = 0;
    int consumed = 0;
    if (sscanf(text, "%u/%u%n", &index, &count, &consumed) != 2 || text[consumed] != '\0' ||
        count == 0 || index < 1 || index > count) {
        snprintf(err, err_len, "--shard: '%s'; allowed: I/N with 1 <= I <= N", text);
        return -1;
    }
    a->shard_index = index;
    a->shard_count = count;
    return 0;
}

static int sweep_parse_args(int argc, char **argv, sweep_args *a, char *err, size_t err_len) {
    int opt;
    *a = (sweep_args){.shard_index = 1, .shard_count = 1};
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":j:o:h", sweep_options, NULL)) != -1) {
        switch (opt) {
        case SWEEP_OPT_JOBS:
            if (cli_parse_u64("--jobs", optarg, &a->jobs, err, err_len) != 0) return -1;
            if (a->jobs < 1 || a->jobs > 4096) {
                snprintf(err, err_len, "--jobs: '%s'; allowed: 1 .. 4096", optarg);
                return -1;
            }
            break;
        case SWEEP_OPT_OUT: a->out_dir = optarg; break;
        case SWEEP_OPT_SHARD:
            if (sweep_parse_shard(optarg, a, err, err_len) != 0) return -1;
            break;
        case SWEEP_OPT_RESUME: a->resume = true; break;
        case SWEEP_OPT_MERGE: a->merge = true; a->out_dir = optarg; break;
        case SWEEP_OPT_SPEC: a->spec_path = optarg; break;
        case SWEEP_OPT_GNUPLOT_DIR: a->gnuplot_dir = optarg; break;
        case SWEEP_OPT_HELP: return 1;
        default: {
            char what[256];
            snprintf(err, err_len, "%s", cli_getopt_error(opt, argv, what, sizeof what));
            return -1;
        }
        }
    }
    if (a->merge) {
        a->inputs = argv + optind;
        a->input_count = argc - optind;
        if (a->input_count < 1) snprintf(err, err_len, "--merge OUT needs the shards' folders");
        return a->input_count < 1 ? -1 : 0;
    }
    if (argc - optind != 1) {
        snprintf(err, err_len, "one SPEC file expected, %d given", argc - optind);
        return -1;
    }
    a->spec_path = argv[optind];
    return 0;
}

/* ==== Output fields ========================================================================== */

static int sweep_cell_config(const sweep_spec *s, size_t cell, uint64_t seed, config *c,
                             char *err, size_t err_len);

/* The fields of a run, as report.h names and writes them, less its seed and status (runs.csv
 * has seed and status columns already). Counts and durations are averaged, hashes are not. */
typedef struct sweep_fields {
    const char *names[SWEEP_FIELDS_MAX]; /* borrowed from report.h */
    size_t report_index[SWEEP_FIELDS_MAX]; /* report.h's index of each field */
    bool metric[SWEEP_FIELDS_MAX];       /* aggregated in cells.csv */
    size_t count;                        /* fields */
    char joined[SWEEP_FIELDS_MAX * 32];  /* names joined by ',' for the spec hash */
} sweep_fields;

static void sweep_fields_init(sweep_fields *f) {
    size_t count = report_field_count();
    f->count = 0;
    f->joined[0] = '\0';
    for (size_t i = 0; i < count && f->count < SWEEP_FIELDS_MAX; i++) {
        const char *name = report_field_name(i);
        report_kind kind = report_field_kind(i);
        if (strcmp(name, "seed") == 0 || kind == REPORT_STATUS) continue;
        f->names[f->count] = name;
        f->report_index[f->count] = i;
        f->metric[f->count] = kind == REPORT_COUNT || kind == REPORT_MS;
        f->count++;
        size_t used = strlen(f->joined);
        snprintf(f->joined + used, sizeof f->joined - used, "%s%s", used ? "," : "", name);
    }
}

/* Adds field i of report.h to the sweep's columns, after those it has. */
static void sweep_fields_add(sweep_fields *f, size_t i) {
    if (f->count == SWEEP_FIELDS_MAX) return;
    const char *name = report_field_name(i);
    f->names[f->count] = name;
    f->report_index[f->count] = i;
    f->metric[f->count] = true;
    f->count++;
    size_t used = strlen(f->joined);
    snprintf(f->joined + used, sizeof f->joined - used, ",%s", name);
}

/* The transaction fields (report.h) become columns after the table's when some cell of the
 * sweep is transactional (config_transactional), and the pipeline fields after those when some
 * cell has consumers (config_consumers): a sweep with neither keeps the columns, and so the
 * runs.csv, cells.csv and spec hash, it always had (the curated results and
 * tests/cli_results.sh). A cell that makes no configuration is left to the cell check. */
static void sweep_fields_transactional(const sweep_spec *s, sweep_fields *f) {
    static config c; /* large; one at a time */
    char err[768];
    bool txn = false, consumers = false;
    for (size_t cell = 0; cell < sweep_spec_cell_count(s) && !(txn && consumers); cell++) {
        if (sweep_cell_config(s, cell, s->seeds[0], &c, err, sizeof err) != 0) continue;
        txn = txn || config_transactional(&c);
        consumers = consumers || config_consumers(&c);
    }
    for (size_t k = 0; txn && k < report_field_txn_count(); k++)
        sweep_fields_add(f, report_field_txn_first() + k);
    for (size_t k = 0; consumers && k < report_field_pipeline_count(); k++)
        sweep_fields_add(f, report_field_pipeline_first() + k);
}

/* The fields of r as `kafkasim run --format csv` writes them (report_field_write), so a sweep
 * row and a single run's row agree to the byte. */
static int sweep_fields_format(const sweep_fields *f, const run_result *r, char *fields,
                               size_t len) {
    FILE *out = fmemopen(fields, len, "w");
    if (!out) return -1;
    for (size_t i = 0; i < f->count; i++) {
        if (i > 0) fputc(',', out);
        report_field_write(out, r, f->report_index[i], false);
    }
    bool full = ftell(out) >= (long)len - 1;
    fclose(out);
    return full ? -1 : 0;
}

/* ==== Cells and runs ========================================================================= */

/* Builds the finished configuration of (cell, seed). Returns 0, or -1 with a message. */
static int sweep_cell_config(const sweep_spec *s, size_t cell, uint64_t seed, config *c,
                             char *err, size_t err_len) {
    props p;
    props_init(&p);
    config_defaults(c, 0); /* kafka.version, if set, is applied by config_apply */
    int rc = sweep_spec_cell_props(s, cell, seed, &p, err, err_len);
    if (rc == 0) rc = config_apply(c, &p, err, err_len);
    if (rc == 0) rc = config_finish(c, err, err_len);
    props_fini(&p);
    return rc;
}

/* Every cell must make a valid configuration before any run starts. */
static int sweep_cells_check(const sweep_spec *s, char *err, size_t err_len) {
    static config c; /* large; one at a time */
    char inner[768];
    for (size_t cell = 0; cell < sweep_spec_cell_count(s); cell++) {
        if (sweep_cell_config(s, cell, s->seeds[0], &c, inner, sizeof inner) == 0) continue;
        size_t used = (size_t)snprintf(err, err_len, "%s (cell %zu:", inner, cell);
        for (size_t a = 0; a < s->axis_count && used < err_len; a++) {
            used += (size_t)snprintf(err + used, err_len - used, " %s=%s", s->axes[a].name,
                                     sweep_spec_cell_value(s, cell, a));
        }
        if (used < err_len) snprintf(err + used, err_len - used, ")");
        return -1;
    }
    return 0;
}


/* The shipped run: one scenario, judged, its report fields as text. */
static int sweep_scenario_run(void *ctx, const sweep_spec *spec, size_t cell, uint64_t seed,
                              char *fields, size_t fields_len) {
    const sweep_fields *f = ctx;
    static config c;           /* a worker runs one run at a time */
    static const sweep_spec *c_spec; /* the spec and cell c was built for, NULL before */
    static size_t c_cell;
    static run_result result;
    char err[768];
    /* A worker is handed runs in cell-major order, so it mostly runs one cell seed after seed.
     * sim.seed comes last and sets nothing but c.seed (no set.* or axis value can name the
     * seed), so the cell's configuration is built once and only the seed changes. */
    if (c_spec == spec && c_cell == cell) {
        c.seed = seed;
    } else if (sweep_cell_config(spec, cell, seed, &c, err, sizeof err) != 0) {
        c_spec = NULL;
        fprintf(stderr, "kafkasim sweep: cell %zu: %s\n", cell, err); /* checked before: a bug */
        return -1;
    } else {
        c_spec = spec;
        c_cell = cell;
    }
    scenario_options options = {.trace_node = -1, .trace_record = -1};
    memset(&result, 0, sizeof result);
    int rc = scenario_run(&c, &options, &result);
    if (rc < 0 && result.exhausted) {
        /* Memory ran out: no result of its own, so not journalled; --resume runs it again. */
        fprintf(stderr, "kafkasim sweep: cell %zu, seed %" PRIu64 ": resources exhausted: %s\n",
                cell, seed, result.failure);
        return SWEEP_RUN_EXHAUSTED;
    }
    if (rc < 0) return -1; /* cannot be run (a fault that cannot be set up): a failed run */
    if (sweep_fields_format(f, &result, fields, fields_len) != 0) return -1;
    return rc == 0 ? SWEEP_RUN_OK : SWEEP_RUN_FAILED;
}

/* ==== Faults that fired in no run ============================================================ */

#define SWEEP_IDLE_LINES_MAX 20 /* cells reported before "... more" */

/* "fault.a (TEXT); fault.b (TEXT): REASON", with the reason a fault can never fire, for the faults of one cell. */
static void sweep_fault_names(const config *c, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < c->fault_count && used < len; i++) {
        fault_spec f;
        char err[256];
        const char *idle = fault_parse(c->faults[i].text, &f, err, sizeof err) == 0
                               ? fault_spec_idle_reason(&f) : NULL;
        used += (size_t)snprintf(buf + used, len - used, "%sfault.%s (%s)%s%s", i ? "; " : "",
                                 c->faults[i].name, c->faults[i].text, idle ? ": " : "",
                                 idle ? idle : "");
    }
}

/* Tells, on log, each cell where some fault fired in no run: a sweep over a fault that never
 * fires shows clean zeros that tested nothing. fired holds one entry per cell, as
 * sweep_results_write filled it. */
static void sweep_report_idle_faults(const sweep_spec *s, const sweep_fired *fired, FILE *log) {
    size_t cells = sweep_spec_cell_count(s);
    int lines = 0;
    size_t more = 0;
    static config c; /* large; one at a time */
    char err[768], names[1024];
    for (size_t cell = 0; cell < cells; cell++) {
        const sweep_fired *k = &fired[cell];
        if (k->runs == 0 || k->most >= k->configured) continue;
        if (lines == SWEEP_IDLE_LINES_MAX) { more++; continue; }
        if (sweep_cell_config(s, cell, s->seeds[0], &c, err, sizeof err) != 0) continue;
        sweep_fault_names(&c, names, sizeof names);
        fprintf(log, "kafkasim sweep: warning: cell %zu (", cell);
        for (size_t a = 0; a < s->axis_count; a++)
            fprintf(log, "%s%s=%s", a ? " " : "", s->axes[a].name, sweep_spec_cell_value(s, cell, a));
        if (k->most == 0)
            fprintf(log, "): %s fired in no run of %" PRIu64 "\n", names, k->runs);
        else
            fprintf(log, "): no run of %" PRIu64 " fired more than %" PRIu64 " of its %" PRIu64
                    " faults: %s\n", k->runs, k->most, k->configured, names);
        lines++;
    }
    if (more) fprintf(log, "kafkasim sweep: warning: %zu more such cells\n", more);
}

/* ==== The command ============================================================================ */

/* True when field i of report.h is read by name only (report.h: an errors.CODE field, a
 * transaction field of a sweep with no transactional cell, a pipeline field of one without
 * consumers). */
static bool sweep_field_by_name(size_t i) {
    size_t txn = report_field_txn_first(), pipeline = report_field_pipeline_first();
    return report_field_error_code(i) >= 0 || (i >= txn && i < txn + report_field_txn_count()) ||
           (i >= pipeline && i < pipeline + report_field_pipeline_count());
}

/* Every plot.y name must be an output field. An errors.CODE field (report.h), or a
 * transaction field the sweep does not have yet, named there becomes a column of runs.csv and
 * cells.csv after the others; other sweeps keep their columns. */
static int sweep_plot_fields_check(const sweep_spec *s, sweep_fields *f, char *err,
                                   size_t err_len) {
    for (size_t y = 0; y < s->plot_y_count; y++) {
        bool known = false;
        for (size_t i = 0; i < f->count; i++) known = known || strcmp(f->names[i], s->plot_y[y]) == 0;
        int extra = report_field_find(s->plot_y[y]);
        if (!known && extra >= 0 && sweep_field_by_name((size_t)extra) &&
            f->count < SWEEP_FIELDS_MAX) {
            sweep_fields_add(f, (size_t)extra);
            known = true;
        }
        if (!known) {
            size_t used = (size_t)snprintf(err, err_len, "%s:%d: plot.y: '%s' is not an output "
                                           "field; allowed: %s", s->path, s->plot_y_line,
                                           s->plot_y[y], f->joined);
            size_t txn = report_field_txn_first();
            size_t extras = report_field_txn_count() + report_field_pipeline_count();
            for (size_t k = 0; k < extras && used < err_len; k++) {
                const char *name = report_field_name(txn + k);
                if (!strstr(f->joined, name))
                    used += (size_t)snprintf(err + used, err_len - used, ",%s", name);
            }
            if (used < err_len)
                snprintf(err + used, err_len - used, ", errors.CODE (e.g. "
                         "errors.NOT_ENOUGH_REPLICAS)");
            return -1;
        }
    }
    return 0;
}

static bool sweep_has_scripts(const char *dir) {
    char path[PATH_MAX + 16];
    int n = snprintf(path, sizeof path, "%s/line.gp", dir);
    if (n < 0 || (size_t)n >= sizeof path || access(path, R_OK) != 0) return false;
    n = snprintf(path, sizeof path, "%s/heatmap.gp", dir);
    return n >= 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

/* line.gp and heatmap.gp: --gnuplot-dir, the spec's folder, or experiments/ beside or above
 * the binary's folder (build/kafkasim finds the source tree's experiments/), or an installed
 * kafkasim's share/kafkasim (PREFIX/bin/kafkasim finds PREFIX/share/kafkasim). */
static const char *sweep_plot_dir(const sweep_args *a, const char *spec_path, char *buf,
                                  size_t len) {
    char exe[PATH_MAX];
    if (a->gnuplot_dir) return sweep_has_scripts(a->gnuplot_dir) ? a->gnuplot_dir : NULL;
    const char *slash = strrchr(spec_path, '/');
    snprintf(buf, len, "%.*s", slash ? (int)(slash - spec_path) : 1, slash ? spec_path : ".");
    if (sweep_has_scripts(buf)) return buf;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    static const char *const above[4] = {"experiments", "../experiments", "../../experiments",
                                         "../share/kafkasim"};
    for (int i = 0; i < 4; i++) {
        snprintf(buf, len, "%s/%s", exe, above[i]);
        if (sweep_has_scripts(buf)) return buf;
    }
    return NULL;
}

/* results/NAME for SPEC .../NAME.sweep. */
static void sweep_default_out(const char *spec_path, char *buf, size_t len) {
    const char *name = strrchr(spec_path, '/');
    name = name ? name + 1 : spec_path;
    size_t name_len = strlen(name);
    if (name_len > 6 && strcmp(name + name_len - 6, ".sweep") == 0) name_len -= 6;
    snprintf(buf, len, "results/%.*s", (int)name_len, name);
}

/* Reads the spec and checks it against the fields and (unless merging) every cell. */
static int sweep_prepare(const sweep_args *a, sweep_spec *spec, sweep_fields *fields,
                         char *err, size_t err_len) {
    char spec_path[PATH_MAX + 16];
    const char *path = a->spec_path;
    if (!path) {
        if (sweep_journal_spec(a->inputs[0], spec_path, sizeof spec_path, err, err_len) != 0) return -1;
        path = spec_path;
    }
    if (sweep_spec_read(spec, path, err, err_len) != 0) return -1;
    sweep_fields_transactional(spec, fields);
    if (sweep_plot_fields_check(spec, fields, err, err_len) != 0) return -1;
    return a->merge ? 0 : sweep_cells_check(spec, err, err_len);
}

int cmd_sweep(int argc, char **argv) {
    sweep_args a;
    char err[2048] = "", out_dir[PATH_MAX], plot_dir[PATH_MAX + 32];
    static sweep_fields fields;
    int rc = sweep_parse_args(argc, argv, &a, err, sizeof err);
    if (rc == 1) {
        sweep_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (rc != 0) {
        fprintf(stderr, "kafkasim sweep: %s\nTry 'kafkasim sweep --help'.\n", err);
        return CLI_EXIT_USAGE;
    }
    sweep_fields_init(&fields);
    sweep_spec spec;
    sweep_spec_init(&spec);
    if (sweep_prepare(&a, &spec, &fields, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim sweep: %s\n", err);
        sweep_spec_fini(&spec);
        return CLI_EXIT_USAGE;
    }
    if (!a.out_dir) sweep_default_out(spec.path, out_dir, sizeof out_dir);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t cells = sweep_spec_cell_count(&spec);
    sweep_fired *fired = calloc(cells ? cells : 1, sizeof *fired); /* NULL: no warning */
    sweep_job job = {
        .spec = &spec, .field_names = fields.names, .field_metric = fields.metric,
        .field_count = fields.count, .spec_hash = sweep_spec_hash(&spec, fields.joined),
        .run = sweep_scenario_run, .run_ctx = &fields,
        .out_dir = a.out_dir ? a.out_dir : out_dir,
        .jobs = a.jobs ? (unsigned)a.jobs : (unsigned)(cores > 0 ? cores : 1),
        .shard_index = a.shard_index, .shard_count = a.shard_count, .resume = a.resume,
        .progress = isatty(STDERR_FILENO) != 0, .log = stderr, .summary = stdout,
        .plot_dir = sweep_plot_dir(&a, spec.path, plot_dir, sizeof plot_dir), .fired = fired,
    };
    rc = a.merge ? sweep_merge(&job, a.inputs, (size_t)a.input_count, err, sizeof err)
                 : sweep_execute(&job, err, sizeof err);
    if (rc == CLI_EXIT_USAGE) fprintf(stderr, "kafkasim sweep: %s\n", err);
    else if ((rc == CLI_EXIT_OK || rc == CLI_EXIT_FAILED) && job.shard_count == 1) {
        printf("kafkasim sweep: %" PRIu64 " runs in %zu cells: %s/runs.csv, %s/cells.csv\n",
               sweep_spec_run_count(&spec), sweep_spec_cell_count(&spec), job.out_dir,
               job.out_dir);
        fflush(stdout);
        if (fired) sweep_report_idle_faults(&spec, fired, stderr);
    }
    free(fired);
    sweep_spec_fini(&spec);
    return rc;
}
