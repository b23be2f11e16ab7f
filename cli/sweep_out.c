/*
 * sweep_out.c: what a finished sweep leaves behind: runs.csv (one row per run), cells.csv
 * (statistics per cell, every field), a summary table of the plot.y fields on standard output,
 * and for each plot.y field a plot-FIELD.csv with the numbers a plot shows and plot-FIELD.gp,
 * the variables of the plot followed by the text of experiments/line.gp or heatmap.gp, which
 * gnuplot draws as PNG and SVG (and which redraws them from the folder alone).
 *
 * Invariants: every number written is computed from journal text in run order, and printed
 * with one fixed format (%.9g, -0 as 0, no value as an empty field), so the same journal gives
 * the same bytes however many processes or shards produced it.
 *
 * Statistics: mean; sample standard deviation (divisor n - 1); the 95% confidence interval of
 * the mean as Student's t: t(0.975, n - 1) * sd / sqrt(n), which for the few seeds of a typical
 * cell is noticeably wider than 1.96 * sd / sqrt(n). A cell's metric is computed over its runs
 * that have fields (crashed runs have none). A plot never averages over an axis silently: a
 * point pools the runs with the same plot.x, plot.series and panel values (a panel per
 * combination of the axes not plotted), and only the axes named in plot.average are pooled
 * across, which the plot's title names.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008: fork, execv, waitpid, fileno */

#include "sweep.h"

#include "cli.h"
#include "labels.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int out_fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* ==== Statistics ============================================================================= */

double sweep_t95(uint64_t df) {
    /* Two-sided 95% critical values of Student's t, df = 1..30 (any statistics table). */
    static const double table[30] = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    };
    /* Beyond 30, linear in 1/df between the table's usual anchors: t is close to linear there. */
    static const double anchor_df[4] = {30, 40, 60, 120};
    static const double anchor_t[4] = {2.042, 2.021, 2.000, 1.980};
    if (df == 0) return NAN;
    if (df <= 30) return table[df - 1];
    double inv = 1.0 / (double)df;
    for (int i = 0; i < 3; i++) {
        if ((double)df <= anchor_df[i + 1]) {
            double a = 1.0 / anchor_df[i], b = 1.0 / anchor_df[i + 1];
            return anchor_t[i] + (anchor_t[i + 1] - anchor_t[i]) * (a - inv) / (a - b);
        }
    }
    double last = 1.0 / 120.0; /* 120 .. infinity: towards 1.960 */
    return 1.960 + (1.980 - 1.960) * inv / last;
}

void sweep_stats_compute(const double *values, size_t n, sweep_stats *out) {
    out->n = n;
    if (n == 0) {
        out->mean = out->sd = out->ci95 = out->min = out->max = NAN;
        return;
    }
    double sum = 0, min = values[0], max = values[0];
    for (size_t i = 0; i < n; i++) {
        sum += values[i];
        if (values[i] < min) min = values[i];
        if (values[i] > max) max = values[i];
    }
    double mean = sum / (double)n, squares = 0;
    for (size_t i = 0; i < n; i++) squares += (values[i] - mean) * (values[i] - mean);
    out->mean = mean;
    out->sd = n > 1 ? sqrt(squares / (double)(n - 1)) : 0;
    out->ci95 = n > 1 ? sweep_t95(n - 1) * out->sd / sqrt((double)n) : 0;
    out->min = min;
    out->max = max;
}

/* ==== CSV text =============================================================================== */

static void out_number(FILE *f, double v) {
    if (isnan(v)) return; /* no value: an empty field */
    if (v == 0) v = 0;    /* -0 prints as 0 */
    fprintf(f, "%.9g", v);
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote, newline or outer blanks. */
static void out_csv_text(FILE *f, const char *text) {
    size_t len = strlen(text);
    bool quote = strpbrk(text, ",\"\r\n") != NULL ||
                 (len > 0 && (text[0] == ' ' || text[len - 1] == ' '));
    if (!quote) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* The numeric fields of a row "STATUS[,F0,F1,...]": values[i] is NaN where field i is missing
 * or not a number. */
static void out_row_values(const char *row, size_t field_count, double *values) {
    const char *p = strchr(row, ',');
    for (size_t i = 0; i < field_count; i++) {
        values[i] = NAN;
        if (!p) continue;
        p++;
        char *end = NULL;
        double v = strtod(p, &end);
        if (end != p && (*end == ',' || *end == '\0')) values[i] = v;
        p = strchr(p, ',');
    }
}

static int out_field_index(const sweep_job *job, const char *name) {
    for (size_t i = 0; i < job->field_count; i++) {
        if (strcmp(job->field_names[i], name) == 0) return (int)i;
    }
    return -1;
}

/* Opens OUT/name.tmp.PID for writing (a name no other process writes); out_commit renames
 * it over OUT/name. */
static FILE *out_open(const sweep_job *job, const char *name, char *path, size_t len) {
    snprintf(path, len, "%s/%s.tmp.%ld", job->out_dir, name, (long)getpid());
    return fopen(path, "w");
}

/* Closes f, written as tmp, and renames it to its final name; on any failed write, flush or
 * close (cli_close) or rename the temporary file is removed and the message names it with the
 * system's reason. */
static int out_commit(FILE *f, const char *tmp, char *err, size_t err_len) {
    char path[SWEEP_PATH_MAX];
    if (cli_close(f, tmp, err, err_len) != 0) {
        unlink(tmp);
        return -1;
    }
    snprintf(path, sizeof path, "%.*s", (int)(strrchr(tmp, '.') - tmp - 4), tmp);
    if (rename(tmp, path) != 0) {
        int reason = errno;
        unlink(tmp);
        return out_fail(err, err_len, "%s: %s", tmp, strerror(reason));
    }
    return 0;
}

/* ==== runs.csv and cells.csv ================================================================= */

static void out_header(FILE *f, const sweep_job *job, const char *first) {
    fputs(first, f);
    for (size_t a = 0; a < job->spec->axis_count; a++) {
        fputc(',', f);
        out_csv_text(f, job->spec->axes[a].name);
    }
}

static void out_axis_values(FILE *f, const sweep_spec *s, size_t cell) {
    for (size_t a = 0; a < s->axis_count; a++) {
        fputc(',', f);
        out_csv_text(f, sweep_spec_cell_value(s, cell, a));
    }
}

static int out_runs_csv(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    char tmp[SWEEP_PATH_MAX];
    const sweep_spec *s = job->spec;
    FILE *f = out_open(job, "runs.csv", tmp, sizeof tmp);
    if (!f) return out_fail(err, err_len, "%s: %s", tmp, strerror(errno));
    out_header(f, job, "run,cell");
    fputs(",seed,status", f);
    for (size_t i = 0; i < job->field_count; i++) fprintf(f, ",%s", job->field_names[i]);
    fputc('\n', f);
    for (uint64_t run = 0; run < sweep_spec_run_count(s); run++) {
        size_t cell = (size_t)(run / s->seed_count);
        fprintf(f, "%" PRIu64 ",%zu", run, cell);
        out_axis_values(f, s, cell);
        fprintf(f, ",%" PRIu64 ",%s", s->seeds[run % s->seed_count], rows[run]);
        if (!strchr(rows[run], ',')) {
            for (size_t i = 0; i < job->field_count; i++) fputc(',', f); /* no fields */
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, err, err_len);
}

/* The fields whose sum makes a run anomalous (architecture.md, output contract); the
 * transaction anomalies count in a sweep that has them (report.h). */
#define OUT_ANOMALY_FIELDS 9
static const char *const out_anomaly_fields[OUT_ANOMALY_FIELDS] = {
    "duplicates", "reordered", "lost_acked", "failed_but_written", "aborted_read",
    "atomicity_violations", "zombie_writes", "lost_commits", "hanging_transactions"};

/* The fields of cell's runs into values, seed_count rows of job->field_count (NaN: absent). */
static void out_cell_values(const sweep_job *job, char *const *rows, size_t cell, double *values) {
    const sweep_spec *s = job->spec;
    for (size_t i = 0; i < s->seed_count; i++)
        out_row_values(rows[(uint64_t)cell * s->seed_count + i], job->field_count,
                       values + i * job->field_count);
}

/* The statistics of field k over the runs in values (out_cell_values) that have it; column is
 * room for seed_count numbers. */
static void out_field_stats(const sweep_job *job, const double *values, size_t k, double *column,
                            sweep_stats *st) {
    size_t n = 0;
    for (size_t i = 0; i < job->spec->seed_count; i++) {
        double v = values[i * job->field_count + k];
        if (!isnan(v)) column[n++] = v;
    }
    sweep_stats_compute(column, n, st);
}

static void out_cell_row(FILE *f, const sweep_job *job, char *const *rows, size_t cell,
                         double *values, double *column) {
    const sweep_spec *s = job->spec;
    size_t field_count = job->field_count, failed = 0, anomalous = 0;
    int anomaly_index[OUT_ANOMALY_FIELDS];
    for (int i = 0; i < OUT_ANOMALY_FIELDS; i++)
        anomaly_index[i] = out_field_index(job, out_anomaly_fields[i]);
    out_cell_values(job, rows, cell, values);
    for (size_t i = 0; i < s->seed_count; i++) {
        const double *v = values + i * field_count;
        double anomalies = 0;
        failed += strncmp(rows[(uint64_t)cell * s->seed_count + i], "ok", 2) != 0;
        for (int a = 0; a < OUT_ANOMALY_FIELDS; a++) {
            if (anomaly_index[a] >= 0 && !isnan(v[anomaly_index[a]])) anomalies += v[anomaly_index[a]];
        }
        anomalous += anomalies > 0;
    }
    fprintf(f, "%zu", cell);
    out_axis_values(f, s, cell);
    fprintf(f, ",%zu,%zu,%zu", s->seed_count, failed, anomalous);
    for (size_t k = 0; k < field_count; k++) {
        if (!job->field_metric[k]) continue;
        sweep_stats st;
        out_field_stats(job, values, k, column, &st);
        const double numbers[5] = {st.mean, st.sd, st.ci95, st.min, st.max};
        for (int j = 0; j < 5; j++) {
            fputc(',', f);
            out_number(f, numbers[j]);
        }
    }
    fputc('\n', f);
}

static int out_cells_csv(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    static const char *const suffixes[5] = {"mean", "sd", "ci95", "min", "max"};
    const sweep_spec *s = job->spec;
    char tmp[SWEEP_PATH_MAX];
    double *values = malloc(s->seed_count * (job->field_count + 1) * sizeof *values);
    double *column = malloc(s->seed_count * sizeof *column);
    FILE *f = (values && column) ? out_open(job, "cells.csv", tmp, sizeof tmp) : NULL;
    if (!f) {
        free(values);
        free(column);
        return out_fail(err, err_len, "cells.csv: %s", strerror(errno));
    }
    out_header(f, job, "cell");
    fputs(",runs,runs_failed,runs_with_anomaly", f);
    for (size_t k = 0; k < job->field_count; k++) {
        if (!job->field_metric[k]) continue;
        for (int j = 0; j < 5; j++) fprintf(f, ",%s_%s", job->field_names[k], suffixes[j]);
    }
    fputc('\n', f);
    for (size_t cell = 0; cell < sweep_spec_cell_count(s); cell++) {
        out_cell_row(f, job, rows, cell, values, column);
    }
    free(values);
    free(column);
    return out_commit(f, tmp, err, err_len);
}

/* ==== Plots ================================================================================= */

/* Where a run's value goes in a plot: one group per (panel, plot.series value, plot.x value).
 * Panels are the combinations of the panel axes (sweep_spec_plot_role), the first slowest. */
typedef struct out_shape {
    size_t x_count;                       /* values of plot.x */
    size_t series_count;                  /* values of plot.series, 1 without */
    size_t panels;                        /* combinations of the panel axes, 1 without */
    size_t panel_axes[SWEEP_AXES_MAX];    /* axis indexes of the panel axes, in spec order */
    size_t panel_axis_count;              /* entries of panel_axes */
} out_shape;

static void out_shape_init(const sweep_spec *s, out_shape *sh) {
    sh->x_count = s->axes[s->plot_x].value_count;
    sh->series_count = s->plot_series >= 0 ? s->axes[s->plot_series].value_count : 1;
    sh->panels = 1;
    sh->panel_axis_count = 0;
    for (size_t a = 0; a < s->axis_count; a++) {
        if (sweep_spec_plot_role(s, a) != SWEEP_PLOT_ROLE_PANEL) continue;
        sh->panel_axes[sh->panel_axis_count++] = a;
        sh->panels *= s->axes[a].value_count; /* <= SWEEP_PLOT_PANELS_MAX: the spec checked */
    }
}

static size_t out_shape_groups(const out_shape *sh) {
    return sh->panels * sh->series_count * sh->x_count;
}

/* The group of a cell given its axes' value indexes. */
static size_t out_shape_group(const sweep_spec *s, const out_shape *sh, const size_t *index) {
    size_t panel = 0;
    for (size_t i = 0; i < sh->panel_axis_count; i++) {
        size_t a = sh->panel_axes[i];
        panel = panel * s->axes[a].value_count + index[a];
    }
    size_t series = s->plot_series >= 0 ? index[s->plot_series] : 0;
    return (panel * sh->series_count + series) * sh->x_count + index[s->plot_x];
}

/* The value index of each panel axis in panel (into value_index, by position in panel_axes). */
static void out_shape_panel(const sweep_spec *s, const out_shape *sh, size_t panel,
                            size_t *value_index) {
    for (size_t i = sh->panel_axis_count; i > 0; i--) {
        size_t count = s->axes[sh->panel_axes[i - 1]].value_count;
        value_index[i - 1] = panel % count;
        panel /= count;
    }
}

/* "min.insync.replicas=1, unclean.leader.election.enable=false": the panel's axis values. */
static void out_panel_title(const sweep_spec *s, const out_shape *sh, size_t panel, char *buf,
                            size_t len) {
    size_t index[SWEEP_AXES_MAX], used = 0;
    out_shape_panel(s, sh, panel, index);
    buf[0] = '\0';
    for (size_t i = 0; i < sh->panel_axis_count && used < len; i++) {
        const sweep_axis *axis = &s->axes[sh->panel_axes[i]];
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? ", " : "", axis->name,
                                 axis->values[index[i]]);
    }
}

/* Statistics of field over every run, pooled by group (out_shape_group). */
static int out_plot_stats(const sweep_job *job, const out_shape *sh, char *const *rows,
                          size_t field, sweep_stats *stats) {
    const sweep_spec *s = job->spec;
    uint64_t runs = sweep_spec_run_count(s);
    size_t groups = out_shape_groups(sh), index[SWEEP_AXES_MAX];
    size_t *fill = calloc(groups + 1, sizeof *fill);
    double *pooled = malloc((runs ? runs : 1) * sizeof *pooled);
    double *row_values = malloc((job->field_count + 1) * sizeof *row_values);
    int rc = (fill && pooled && row_values) ? 0 : -1;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        /* Pass 0 counts each group's values; pass 1 places them after the groups before. */
        if (pass == 1) {
            for (size_t g = groups; g > 0; g--) fill[g] = fill[g - 1];
            fill[0] = 0;
            for (size_t g = 1; g <= groups; g++) fill[g] += fill[g - 1];
        }
        for (uint64_t run = 0; run < runs; run++) {
            sweep_spec_cell_indexes(s, (size_t)(run / s->seed_count), index);
            size_t g = out_shape_group(s, sh, index);
            out_row_values(rows[run], job->field_count, row_values);
            if (isnan(row_values[field])) continue;
            if (pass == 0) fill[g]++;
            else pooled[fill[g]++] = row_values[field];
        }
    }
    /* After pass 1, fill[g] is the end of group g and the start of group g + 1. */
    for (size_t g = 0; rc == 0 && g < groups; g++) {
        size_t start = g == 0 ? 0 : fill[g - 1];
        sweep_stats_compute(pooled + start, fill[g] - start, &stats[g]);
    }
    free(fill);
    free(pooled);
    free(row_values);
    return rc;
}

/* Writes plot-FIELD.csv. Lines: a row per (panel, plot.x value): the panel's number and axis
 * values, x, then a mean and a ci95 column per series value. Heatmap: a matrix of means with
 * plot.x values across and a row per (panel, plot.series value), panels one after another. */
static void out_plot_csv(FILE *f, const sweep_job *job, const out_shape *sh, const char *field,
                         const sweep_stats *stats) {
    const sweep_spec *s = job->spec;
    const sweep_axis *x = &s->axes[s->plot_x];
    const sweep_axis *series = s->plot_series >= 0 ? &s->axes[s->plot_series] : NULL;
    size_t index[SWEEP_AXES_MAX];
    char label[512];
    if (s->plot_kind == SWEEP_PLOT_HEATMAP) {
        snprintf(label, sizeof label, "%s \\ %s", series->name, x->name);
        out_csv_text(f, label);
        for (size_t i = 0; i < x->value_count; i++) {
            fputc(',', f);
            out_csv_text(f, x->values[i]);
        }
        fputc('\n', f);
        for (size_t row = 0; row < sh->panels * sh->series_count; row++) {
            out_csv_text(f, series->values[row % sh->series_count]);
            for (size_t i = 0; i < x->value_count; i++) {
                fputc(',', f);
                out_number(f, stats[row * x->value_count + i].mean);
            }
            fputc('\n', f);
        }
        return;
    }
    fputs("panel", f);
    for (size_t i = 0; i < sh->panel_axis_count; i++) {
        fputc(',', f);
        out_csv_text(f, s->axes[sh->panel_axes[i]].name);
    }
    fputc(',', f);
    out_csv_text(f, x->name);
    for (size_t j = 0; j < sh->series_count; j++) {
        if (series) snprintf(label, sizeof label, "%s=%s", series->name, series->values[j]);
        else snprintf(label, sizeof label, "%s", field);
        fputc(',', f);
        out_csv_text(f, label);
        fputs(",ci95", f);
    }
    fputc('\n', f);
    for (size_t p = 0; p < sh->panels; p++) {
        out_shape_panel(s, sh, p, index);
        for (size_t i = 0; i < x->value_count; i++) {
            fprintf(f, "%zu", p);
            for (size_t a = 0; a < sh->panel_axis_count; a++) {
                fputc(',', f);
                out_csv_text(f, s->axes[sh->panel_axes[a]].values[index[a]]);
            }
            fputc(',', f);
            out_csv_text(f, x->values[i]);
            for (size_t j = 0; j < sh->series_count; j++) {
                const sweep_stats *st = &stats[(p * sh->series_count + j) * x->value_count + i];
                fputc(',', f);
                out_number(f, st->mean);
                fputc(',', f);
                out_number(f, st->ci95);
            }
            fputc('\n', f);
        }
    }
}

/* ---- The plot's gnuplot script -------------------------------------------------------------- */

/* A gnuplot double-quoted string: backslash and quote escaped, a newline as \n. */
static void out_gp_quoted(FILE *f, const char *text) {
    fputc('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '\n') fputs("\\n", f);
        else if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static bool out_axis_numeric(const sweep_axis *axis, bool integers) {
    for (size_t i = 0; i < axis->value_count; i++) {
        char *end = NULL;
        double v = strtod(axis->values[i], &end);
        if (end == axis->values[i] || *end != '\0') return false;
        if (integers && v != floor(v)) return false;
    }
    return true;
}

/* The smallest and largest value of a numeric axis. */
static void out_axis_span(const sweep_axis *axis, double *min, double *max) {
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = 0; i < axis->value_count; i++) {
        double v = strtod(axis->values[i], NULL);
        if (v < *min) *min = v;
        if (v > *max) *max = v;
    }
}

/* The tick step of an integer axis: 1, 2, 5, 10, 20, 50, ... giving at most about 12 ticks. */
static double out_integer_step(const sweep_axis *axis) {
    double min, max;
    out_axis_span(axis, &min, &max);
    static const double nice[3] = {1, 2, 5};
    for (double scale = 1;; scale *= 10) {
        for (int i = 0; i < 3; i++) {
            if ((max - min) / (nice[i] * scale) <= 12) return nice[i] * scale;
        }
    }
}

/* The plot's title: what is drawn, over how many seeds, and every axis the picture does not
 * separate: averaged (plot.average) or holding one value. */
static void out_plot_title(const sweep_job *job, const out_shape *sh, const char *field,
                           char *buf, size_t len) {
    const sweep_spec *s = job->spec;
    const char *label, *unit;
    labels_field(field, &label, &unit);
    size_t used = (size_t)snprintf(buf, len, "%c%s: mean %sover %zu seed%s per %s",
                                   label[0] >= 'a' && label[0] <= 'z' ? label[0] - 'a' + 'A' :
                                   label[0], label + 1, s->plot_kind == SWEEP_PLOT_HEATMAP ? "" :
                                   "and 95% confidence interval ", s->seed_count,
                                   s->seed_count == 1 ? "" : "s",
                                   s->plot_kind == SWEEP_PLOT_HEATMAP ? "cell" : "point");
    const char *sep = "\naveraged over ";
    for (size_t a = 0; a < s->axis_count && used < len; a++) {
        if (sweep_spec_plot_role(s, a) != SWEEP_PLOT_ROLE_AVERAGE) continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s (", sep, s->axes[a].name);
        for (size_t v = 0; v < s->axes[a].value_count && used < len; v++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", v ? ", " : "",
                                     s->axes[a].values[v]);
        if (used < len) used += (size_t)snprintf(buf + used, len - used, ")");
        sep = "; ";
    }
    if (sh->panels == 1 && sh->panel_axis_count > 0 && used < len) {
        char fixed[512];
        out_panel_title(s, sh, 0, fixed, sizeof fixed);
        snprintf(buf + used, len - used, "\n%s", fixed);
    }
}

/* The largest mean + ci95 (a heatmap: mean) of any point, so every panel gets the same y
 * (colour) scale. */
static double out_plot_ymax(const out_shape *sh, const sweep_stats *stats, bool with_ci) {
    double ymax = 0;
    for (size_t g = 0; g < out_shape_groups(sh); g++) {
        double top = stats[g].mean + (with_ci ? stats[g].ci95 : 0);
        if (!isnan(top) && top > ymax) ymax = top;
    }
    return ymax;
}

/* Writes the variables line.gp or heatmap.gp reads; the script's text follows them. */
static void out_plot_vars(FILE *f, const sweep_job *job, const out_shape *sh, const char *field,
                          const sweep_stats *stats) {
    const sweep_spec *s = job->spec;
    const sweep_axis *x = &s->axes[s->plot_x];
    char text[2048];
    fprintf(f, "# plot-%s.gp: written by kafkasim sweep from %s; redraw in this folder with\n"
               "#   gnuplot plot-%s.gp    (or gnuplot -e \"term='svg'\" plot-%s.gp)\n",
            field, s->path, field, field);
    fputs("if (!exists(\"term\")) term = 'png'\n", f);
    fprintf(f, "if (!exists(\"out\")) out = 'plot-%s.' . term\n", field);
    fprintf(f, "in = 'plot-%s.csv'\n", field);
    out_plot_title(job, sh, field, text, sizeof text);
    fputs("ttl = ", f);
    out_gp_quoted(f, text);
    labels_axis(s, (size_t)s->plot_x, text, sizeof text);
    fputs("\nxlabel = ", f);
    out_gp_quoted(f, text);
    if (s->plot_kind == SWEEP_PLOT_HEATMAP) labels_axis(s, (size_t)s->plot_series, text, sizeof text);
    else labels_field_axis(field, text, sizeof text);
    fputs("\nylabel = ", f);
    out_gp_quoted(f, text);
    labels_field_axis(field, text, sizeof text);
    fputs("\nzlabel = ", f);
    out_gp_quoted(f, text);
    size_t cols = sh->panels <= 3 ? sh->panels : (size_t)ceil(sqrt((double)sh->panels));
    bool integers = out_axis_numeric(x, true);
    fprintf(f, "\nseries = %zu\nxcount = %zu\nxcol = %zu\nxnumeric = %d\nxstep = %g\n",
            sh->series_count, sh->x_count, 2 + sh->panel_axis_count,
            out_axis_numeric(x, false) ? 1 : 0, integers ? out_integer_step(x) : 0.0);
    bool heatmap = s->plot_kind == SWEEP_PLOT_HEATMAP;
    fprintf(f, "ymax = %.6g\n", out_plot_ymax(sh, stats, !heatmap) * (heatmap ? 1 : 1.05));
    /* x range: the values and 3% of their span either side (labels: half a step). */
    double lo = -0.5, hi = (double)sh->x_count - 0.5;
    if (out_axis_numeric(x, false)) {
        out_axis_span(x, &lo, &hi);
        double margin = hi > lo ? (hi - lo) * 0.03 : 0.5;
        lo -= margin;
        hi += margin;
    }
    fprintf(f, "xlo = %.6g\nxhi = %.6g\nkeyed = %d\n", lo, hi, s->plot_series >= 0);
    fprintf(f, "panels = %zu\nlayout_rows = %zu\nlayout_cols = %zu\narray ptitle[%zu]\n",
            sh->panels, (sh->panels + cols - 1) / cols, cols, sh->panels);
    for (size_t p = 0; p < sh->panels; p++) {
        out_panel_title(s, sh, p, text, sizeof text);
        fprintf(f, "ptitle[%zu] = ", p + 1);
        out_gp_quoted(f, text);
        fputc('\n', f);
    }
}

/* Writes OUT/plot-FIELD.gp: the variables, then the text of line.gp or heatmap.gp, so the
 * folder redraws its own plots. Returns 0, or -1 with a message. */
static int out_plot_script(const sweep_job *job, const out_shape *sh, const char *field,
                           const sweep_stats *stats, char *err, size_t err_len) {
    const sweep_spec *s = job->spec;
    char body[SWEEP_PATH_MAX], tmp[SWEEP_PATH_MAX], name[300], buf[4096];
    snprintf(body, sizeof body, "%s/%s", job->plot_dir,
             s->plot_kind == SWEEP_PLOT_HEATMAP ? "heatmap.gp" : "line.gp");
    snprintf(name, sizeof name, "plot-%s.gp", field);
    FILE *in = fopen(body, "r");
    if (!in) return out_fail(err, err_len, "%s: %s", body, strerror(errno));
    FILE *f = out_open(job, name, tmp, sizeof tmp);
    if (!f) {
        fclose(in);
        return out_fail(err, err_len, "%s: %s", tmp, strerror(errno));
    }
    out_plot_vars(f, job, sh, field, stats);
    fprintf(f, "# ---- %s ----\n", s->plot_kind == SWEEP_PLOT_HEATMAP ? "heatmap.gp" : "line.gp");
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, f);
    bool failed = ferror(in) != 0;
    fclose(in);
    if (failed) {
        fclose(f);
        unlink(tmp);
        return out_fail(err, err_len, "%s: read error", body);
    }
    return out_commit(f, tmp, err, err_len);
}

/* Finds an executable on PATH into path; false when there is none. */
static bool out_which(const char *name, char *path, size_t len) {
    const char *dirs = getenv("PATH");
    while (dirs && *dirs) {
        size_t dir_len = strcspn(dirs, ":");
        snprintf(path, len, "%.*s/%s", (int)dir_len, dir_len ? dirs : ".", name);
        if (access(path, X_OK) == 0) return true;
        dirs += dir_len + (dirs[dir_len] == ':');
    }
    return false;
}

/* Runs gnuplot [-e vars] script in folder dir, its output appended to log_fd. 0 when gnuplot
 * exited 0. */
static int out_gnuplot_run(const char *gnuplot, const char *dir, const char *vars,
                           const char *script, int log_fd) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        char *with_vars[] = {(char *)"gnuplot", (char *)"-e", (char *)vars, (char *)script, NULL};
        char *plain[] = {(char *)"gnuplot", (char *)script, NULL};
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        if (chdir(dir) != 0) _exit(127);
        execv(gnuplot, vars ? with_vars : plain);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Draws plot-FIELD.gp as PNG and SVG in OUT. Returns 0, or -1 when gnuplot failed. */
static int out_plot_draw(const sweep_job *job, const char *gnuplot, const char *field,
                         int log_fd) {
    char script[300];
    snprintf(script, sizeof script, "plot-%s.gp", field);
    if (out_gnuplot_run(gnuplot, job->out_dir, NULL, script, log_fd) != 0) return -1;
    return out_gnuplot_run(gnuplot, job->out_dir, "term='svg'", script, log_fd);
}

/* Writes plot-FIELD.csv and plot-FIELD.gp for every plot.y field and draws them when gnuplot
 * and the scripts are there; otherwise one line says the plots were skipped. Returns 0, or -1
 * with a message. */
static int out_plots(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    const sweep_spec *s = job->spec;
    if (s->plot_kind == SWEEP_PLOT_NONE) return 0;
    out_shape sh;
    out_shape_init(s, &sh);
    sweep_stats *stats = calloc(out_shape_groups(&sh), sizeof *stats);
    char gnuplot[1024], tmp[SWEEP_PATH_MAX], log_path[SWEEP_PATH_MAX], name[300];
    bool draw = out_which("gnuplot", gnuplot, sizeof gnuplot) && job->plot_dir;
    int rc = stats ? 0 : out_fail(err, err_len, "out of memory");
    int log_fd = -1;
    if (rc == 0 && draw) {
        snprintf(log_path, sizeof log_path, "%s/plots.log", job->out_dir);
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    for (size_t y = 0; rc == 0 && y < s->plot_y_count; y++) {
        int field = out_field_index(job, s->plot_y[y]);
        if (field < 0) continue; /* the command checked plot.y against the fields */
        snprintf(name, sizeof name, "plot-%s.csv", s->plot_y[y]);
        FILE *f = out_open(job, name, tmp, sizeof tmp);
        if (!f || out_plot_stats(job, &sh, rows, (size_t)field, stats) != 0) {
            if (f) fclose(f);
            rc = out_fail(err, err_len, "%s: %s", name, strerror(errno));
            break;
        }
        out_plot_csv(f, job, &sh, s->plot_y[y], stats);
        rc = out_commit(f, tmp, err, err_len);
        if (rc == 0 && job->plot_dir) rc = out_plot_script(job, &sh, s->plot_y[y], stats, err, err_len);
        if (rc == 0 && draw && log_fd >= 0 && out_plot_draw(job, gnuplot, s->plot_y[y], log_fd) != 0) {
            fprintf(job->log, "kafkasim sweep: gnuplot failed on %s/plot-%s.gp (see %s)\n",
                    job->out_dir, s->plot_y[y], log_path);
        }
    }
    if (log_fd >= 0) close(log_fd);
    if (rc == 0 && !draw) {
        fprintf(job->log, "kafkasim sweep: plots skipped (%s); the CSV files are written\n",
                job->plot_dir ? "gnuplot is not on PATH" : "line.gp and heatmap.gp not found");
    }
    free(stats);
    return rc;
}

/* ==== The summary table ====================================================================== */

/* "354.9 +- 100.7": the mean with as many decimals as the half-width's two leading digits need
 * (at most 3); "-" when no run has the field. */
static void out_mean_ci(char *buf, size_t len, const sweep_stats *st) {
    if (st->n == 0) {
        snprintf(buf, len, "-");
        return;
    }
    int decimals = 0;
    if (st->ci95 > 0) {
        decimals = 1 - (int)floor(log10(st->ci95));
        if (decimals < 0) decimals = 0;
        if (decimals > 3) decimals = 3;
    } else if (st->mean != floor(st->mean)) {
        decimals = 2;
    }
    double mean = st->mean == 0 ? 0 : st->mean; /* -0 prints as 0 */
    snprintf(buf, len, "%.*f +- %.*f", decimals, mean, decimals, st->ci95);
}

/* The fields of the summary: plot.y, or without it the four anomaly fields. */
static size_t out_summary_fields(const sweep_job *job, int *fields) {
    const sweep_spec *s = job->spec;
    size_t n = 0;
    for (size_t y = 0; y < s->plot_y_count; y++) {
        int f = out_field_index(job, s->plot_y[y]);
        if (f >= 0) fields[n++] = f;
    }
    for (int a = 0; n == 0 && a < 4; a++) {
        int f = out_field_index(job, out_anomaly_fields[a]);
        if (f >= 0) fields[n++] = f;
    }
    return n;
}

/* The statistics of fields[0..count) in cell, into st[count]. */
static void out_summary_cell(const sweep_job *job, char *const *rows, size_t cell,
                             const int *fields, size_t count, double *values, double *column,
                             sweep_stats *st) {
    out_cell_values(job, rows, cell, values);
    for (size_t k = 0; k < count; k++)
        out_field_stats(job, values, (size_t)fields[k], column, &st[k]);
}

/* Prints, for each cell, its axis values and mean +- 95% CI of each summary field, in
 * columns, then one line per field saying what it counts. Two passes: widths, then rows. */
static int out_summary(const sweep_job *job, char *const *rows, FILE *out) {
    const sweep_spec *s = job->spec;
    int fields[SWEEP_PLOT_Y_MAX];
    size_t count = out_summary_fields(job, fields), width[SWEEP_AXES_MAX + SWEEP_PLOT_Y_MAX];
    sweep_stats st[SWEEP_PLOT_Y_MAX];
    double *values = malloc(s->seed_count * (job->field_count + 1) * sizeof *values);
    double *column = malloc(s->seed_count * sizeof *column);
    if (!values || !column) {
        free(values);
        free(column);
        return -1;
    }
    char text[128];
    for (size_t a = 0; a < s->axis_count; a++) width[a] = strlen(s->axes[a].name);
    for (size_t k = 0; k < count; k++) width[s->axis_count + k] = strlen(job->field_names[fields[k]]);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            for (size_t a = 0; a < s->axis_count; a++) fprintf(out, "%-*s  ", (int)width[a], s->axes[a].name);
            for (size_t k = 0; k < count; k++)
                fprintf(out, "%*s%s", (int)width[s->axis_count + k], job->field_names[fields[k]],
                        k + 1 < count ? "  " : "\n");
        }
        for (size_t cell = 0; cell < sweep_spec_cell_count(s); cell++) {
            out_summary_cell(job, rows, cell, fields, count, values, column, st);
            for (size_t a = 0; a < s->axis_count; a++) {
                const char *v = sweep_spec_cell_value(s, cell, a);
                if (pass == 0 && strlen(v) > width[a]) width[a] = strlen(v);
                if (pass == 1) fprintf(out, "%-*s  ", (int)width[a], v);
            }
            for (size_t k = 0; k < count; k++) {
                size_t *w = &width[s->axis_count + k];
                out_mean_ci(text, sizeof text, &st[k]);
                if (pass == 0 && strlen(text) > *w) *w = strlen(text);
                if (pass == 1) fprintf(out, "%*s%s", (int)*w, text, k + 1 < count ? "  " : "\n");
            }
        }
    }
    fprintf(out, "mean +- half-width of its 95%% confidence interval (Student's t) over the %zu "
                 "seed%s of each cell, per run:\n", s->seed_count, s->seed_count == 1 ? "" : "s");
    size_t name_width = 0;
    for (size_t k = 0; k < count; k++) {
        size_t n = strlen(job->field_names[fields[k]]);
        if (n > name_width) name_width = n;
    }
    for (size_t k = 0; k < count; k++) {
        const char *label, *unit;
        labels_field(job->field_names[fields[k]], &label, &unit);
        fprintf(out, "  %-*s  %s%s%s%s\n", (int)name_width,
                job->field_names[fields[k]], label, unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
    }
    free(values);
    free(column);
    return ferror(out) ? -1 : 0;
}

/* ==== Faults that fired in no run ============================================================ */

/* Fills job->fired, per cell: its runs, its configured faults and the most faults one run
 * fired (a run without the fields, crashed, fired none). Leaves it as it is when the fields
 * do not include faults_configured and faults_fired. */
static int out_fired(const sweep_job *job, char *const *rows) {
    const sweep_spec *s = job->spec;
    int conf = out_field_index(job, "faults_configured");
    int fired = out_field_index(job, "faults_fired");
    if (!job->fired || conf < 0 || fired < 0) return 0;
    double *values = malloc(s->seed_count * (job->field_count + 1) * sizeof *values);
    if (!values) return -1;
    for (size_t cell = 0; cell < sweep_spec_cell_count(s); cell++) {
        sweep_fired *k = &job->fired[cell];
        *k = (sweep_fired){.runs = s->seed_count};
        out_cell_values(job, rows, cell, values);
        for (size_t i = 0; i < s->seed_count; i++) {
            double c = values[i * job->field_count + (size_t)conf];
            double f = values[i * job->field_count + (size_t)fired];
            if (!isnan(c) && c > (double)k->configured) k->configured = (uint64_t)c;
            if (!isnan(f) && f > (double)k->most) k->most = (uint64_t)f;
        }
    }
    free(values);
    return 0;
}

int sweep_results_write(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    if (out_runs_csv(job, rows, err, err_len) != 0) return -1;
    if (out_cells_csv(job, rows, err, err_len) != 0) return -1;
    if (out_plots(job, rows, err, err_len) != 0) return -1;
    if (job->summary && out_summary(job, rows, job->summary) != 0)
        return out_fail(err, err_len, "the summary table: %s", strerror(errno));
    if (out_fired(job, rows) != 0)
        return out_fail(err, err_len, "the faults fired per cell: %s", strerror(errno));
    return 0;
}
