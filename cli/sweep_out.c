/*
 * sweep_out.c: what a finished sweep leaves behind: runs.csv (one row per run), cells.csv
 * (statistics per cell), and for each plot.y field a plot-FIELD.csv with the numbers a plot
 * shows, drawn by gnuplot (experiments/line.gp, experiments/heatmap.gp) as PNG and SVG.
 *
 * Invariants: every number written is computed from journal text in run order, and printed
 * with one fixed format (%.9g, -0 as 0, no value as an empty field), so the same journal gives
 * the same bytes however many processes or shards produced it.
 *
 * Statistics: mean; sample standard deviation (divisor n - 1); the 95% confidence interval of
 * the mean as Student's t: t(0.975, n - 1) * sd / sqrt(n), which for the few seeds of a typical
 * cell is noticeably wider than 1.96 * sd / sqrt(n). A cell's metric is computed over its runs
 * that have fields (crashed runs have none). A plot pools every run with the same plot.x and
 * plot.series values, so axes the plot does not show are averaged over.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008: fork, execv, waitpid, fileno */

#include "sweep.h"

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
 * close the temporary file is removed and the message names it with the system's reason. */
static int out_commit(FILE *f, const char *tmp, char *err, size_t err_len) {
    char path[SWEEP_PATH_MAX];
    bool failed = ferror(f) != 0;
    errno = 0;
    if (fflush(f) != 0) failed = true; /* stdio retries what a failed write left: the reason */
    int reason = errno;
    if (fclose(f) != 0) {
        failed = true;
        if (reason == 0) reason = errno;
    }
    snprintf(path, sizeof path, "%.*s", (int)(strrchr(tmp, '.') - tmp - 4), tmp);
    if (!failed && rename(tmp, path) != 0) {
        failed = true;
        reason = errno;
    }
    if (!failed) return 0;
    unlink(tmp);
    return out_fail(err, err_len, "%s: %s", tmp, reason ? strerror(reason) : "write error");
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

/* The fields whose sum makes a run anomalous (architecture.md, output contract). */
static const char *const out_anomaly_fields[4] = {"duplicates", "reordered", "lost_acked",
                                                   "failed_but_written"};

static void out_cell_row(FILE *f, const sweep_job *job, char *const *rows, size_t cell,
                         double *values, double *column) {
    const sweep_spec *s = job->spec;
    size_t field_count = job->field_count, failed = 0, anomalous = 0;
    int anomaly_index[4];
    for (int i = 0; i < 4; i++) anomaly_index[i] = out_field_index(job, out_anomaly_fields[i]);
    for (size_t i = 0; i < s->seed_count; i++) {
        const char *row = rows[(uint64_t)cell * s->seed_count + i];
        double *v = values + i * field_count;
        double anomalies = 0;
        failed += strncmp(row, "ok", 2) != 0;
        out_row_values(row, field_count, v);
        for (int a = 0; a < 4; a++) {
            if (anomaly_index[a] >= 0 && !isnan(v[anomaly_index[a]])) anomalies += v[anomaly_index[a]];
        }
        anomalous += anomalies > 0;
    }
    fprintf(f, "%zu", cell);
    out_axis_values(f, s, cell);
    fprintf(f, ",%zu,%zu,%zu", s->seed_count, failed, anomalous);
    for (size_t k = 0; k < field_count; k++) {
        if (!job->field_metric[k]) continue;
        size_t n = 0;
        sweep_stats st;
        for (size_t i = 0; i < s->seed_count; i++) {
            double v = values[i * field_count + k];
            if (!isnan(v)) column[n++] = v;
        }
        sweep_stats_compute(column, n, &st);
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

/* ==== Plots ================================================================================== */

/* Statistics of field over every run, pooled by (plot.series value, plot.x value):
 * stats[series_index * x_count + x_index]. */
static int out_plot_stats(const sweep_job *job, char *const *rows, size_t field,
                          sweep_stats *stats, size_t groups) {
    const sweep_spec *s = job->spec;
    uint64_t runs = sweep_spec_run_count(s);
    size_t x_count = s->axes[s->plot_x].value_count, index[SWEEP_AXES_MAX];
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
            size_t g = (s->plot_series >= 0 ? index[s->plot_series] * x_count : 0) + index[s->plot_x];
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

/* Writes plot-FIELD.csv: for lines, x then a mean and a ci95 column per series value; for a
 * heatmap, a matrix of means with plot.x values across and plot.series values down. */
static void out_plot_csv(FILE *f, const sweep_job *job, const char *field,
                         const sweep_stats *stats) {
    const sweep_spec *s = job->spec;
    const sweep_axis *x = &s->axes[s->plot_x];
    const sweep_axis *series = s->plot_series >= 0 ? &s->axes[s->plot_series] : NULL;
    size_t series_count = series ? series->value_count : 1;
    char label[512];
    if (s->plot_kind == SWEEP_PLOT_HEATMAP) {
        snprintf(label, sizeof label, "%s \\ %s", series->name, x->name);
        out_csv_text(f, label);
        for (size_t i = 0; i < x->value_count; i++) {
            fputc(',', f);
            out_csv_text(f, x->values[i]);
        }
        fputc('\n', f);
        for (size_t j = 0; j < series_count; j++) {
            out_csv_text(f, series->values[j]);
            for (size_t i = 0; i < x->value_count; i++) {
                fputc(',', f);
                out_number(f, stats[j * x->value_count + i].mean);
            }
            fputc('\n', f);
        }
        return;
    }
    out_csv_text(f, x->name);
    for (size_t j = 0; j < series_count; j++) {
        if (series) snprintf(label, sizeof label, "%s=%s", series->name, series->values[j]);
        else snprintf(label, sizeof label, "%s", field);
        fputc(',', f);
        out_csv_text(f, label);
        fputs(",ci95", f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < x->value_count; i++) {
        out_csv_text(f, x->values[i]);
        for (size_t j = 0; j < series_count; j++) {
            fputc(',', f);
            out_number(f, stats[j * x->value_count + i].mean);
            fputc(',', f);
            out_number(f, stats[j * x->value_count + i].ci95);
        }
        fputc('\n', f);
    }
}

/* gnuplot's single-quoted string: a quote is doubled. */
static void out_gp_string(char *buf, size_t len, const char *name, const char *text) {
    size_t used = strlen(buf);
    used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s='", name);
    for (const char *p = text; *p && used + 3 < len; p++) {
        if (*p == '\'') buf[used++] = '\'';
        buf[used++] = *p;
    }
    if (used + 3 < len) snprintf(buf + used, len - used, "'; ");
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

/* Runs gnuplot -e vars script, its output appended to log_fd. 0 when gnuplot exited 0. */
static int out_gnuplot_run(const char *gnuplot, const char *vars, const char *script, int log_fd) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        char *argv[] = {(char *)"gnuplot", (char *)"-e", (char *)vars, (char *)script, NULL};
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execv(gnuplot, argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static bool out_axis_numeric(const sweep_axis *axis) {
    for (size_t i = 0; i < axis->value_count; i++) {
        char *end = NULL;
        strtod(axis->values[i], &end);
        if (end == axis->values[i] || *end != '\0') return false;
    }
    return true;
}

/* Draws one plot.y field as PNG and SVG. Returns 0, or -1 when gnuplot failed. */
static int out_plot_draw(const sweep_job *job, const char *gnuplot, const char *field,
                         const char *data, int log_fd) {
    const sweep_spec *s = job->spec;
    static const char *const terms[2] = {"png", "svg"}; /* line.gp: png means pngcairo */
    char script[SWEEP_PATH_MAX], image[SWEEP_PATH_MAX], vars[3 * SWEEP_PATH_MAX];
    snprintf(script, sizeof script, "%s/%s", job->plot_dir,
             s->plot_kind == SWEEP_PLOT_HEATMAP ? "heatmap.gp" : "line.gp");
    for (int t = 0; t < 2; t++) {
        snprintf(image, sizeof image, "%s/plot-%s.%s", job->out_dir, field, terms[t]);
        vars[0] = '\0';
        out_gp_string(vars, sizeof vars, "in", data);
        out_gp_string(vars, sizeof vars, "out", image);
        out_gp_string(vars, sizeof vars, "term", terms[t]);
        out_gp_string(vars, sizeof vars, "ttl", field);
        out_gp_string(vars, sizeof vars, "xlabel", s->axes[s->plot_x].name);
        out_gp_string(vars, sizeof vars, "ylabel", s->plot_series >= 0 && s->plot_kind ==
                      SWEEP_PLOT_HEATMAP ? s->axes[s->plot_series].name : field);
        size_t used = strlen(vars);
        snprintf(vars + used, sizeof vars - used, "series=%zu; xnumeric=%d",
                 s->plot_series >= 0 ? s->axes[s->plot_series].value_count : (size_t)1,
                 out_axis_numeric(&s->axes[s->plot_x]) ? 1 : 0);
        if (out_gnuplot_run(gnuplot, vars, script, log_fd) != 0) return -1;
    }
    return 0;
}

/* Writes plot-FIELD.csv for every plot.y field and draws it when gnuplot and the scripts are
 * there; otherwise one line says the plots were skipped. Returns 0, or -1 with a message. */
static int out_plots(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    const sweep_spec *s = job->spec;
    if (s->plot_kind == SWEEP_PLOT_NONE) return 0;
    size_t groups = s->axes[s->plot_x].value_count *
                    (s->plot_series >= 0 ? s->axes[s->plot_series].value_count : 1);
    sweep_stats *stats = calloc(groups, sizeof *stats);
    char gnuplot[1024], data[SWEEP_PATH_MAX], tmp[SWEEP_PATH_MAX], log_path[SWEEP_PATH_MAX], name[300];
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
        if (!f || out_plot_stats(job, rows, (size_t)field, stats, groups) != 0) {
            if (f) fclose(f);
            rc = out_fail(err, err_len, "%s: %s", name, strerror(errno));
            break;
        }
        out_plot_csv(f, job, s->plot_y[y], stats);
        rc = out_commit(f, tmp, err, err_len);
        snprintf(data, sizeof data, "%s/%s", job->out_dir, name);
        if (rc == 0 && draw && log_fd >= 0 && out_plot_draw(job, gnuplot, s->plot_y[y], data, log_fd) != 0) {
            fprintf(job->log, "kafkasim sweep: gnuplot failed on %s (see %s)\n", data, log_path);
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

int sweep_results_write(const sweep_job *job, char *const *rows, char *err, size_t err_len) {
    if (out_runs_csv(job, rows, err, err_len) != 0) return -1;
    if (out_cells_csv(job, rows, err, err_len) != 0) return -1;
    return out_plots(job, rows, err, err_len);
}
