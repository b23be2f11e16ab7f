/*
 * sweep.h: the machinery of `kafkasim sweep`: every (cell, seed) run of a spec, spread over
 * worker processes, journalled line by line, resumed, sharded, merged, aggregated and plotted.
 *
 * The machinery does not know what a run is: it calls a sweep_run_fn, which the command binds
 * to scenario_run and tests bind to a deterministic fake. So the mechanics (ordering, resume,
 * torn lines, shards, merge) are testable without the models.
 *
 * Files in OUT:
 *   runs.journal            (or runs.I-of-N.journal for a shard) a header line, then one line
 *                           per finished run in the order runs finished:
 *                           "RUN,STATUS,FIELD,...<TAB>FNV64HEX\n". The checksum covers the
 *                           text before the tab; a line without it or without its newline is
 *                           torn, and ignored (and rerun) on --resume.
 *   runs.csv, cells.csv     written whole at the end, through a temporary file and rename(),
 *                           so a reader never sees half of one.
 *   plot-FIELD.csv/.gp/.png/.svg one per plot.y field, when the spec asks for plots: the
 *                           numbers, the gnuplot script that draws them (it runs in OUT),
 *                           the pictures.
 *   sweep.lock              (sweep.I-of-N.lock for a shard) held with a POSIX record lock while
 *                           a sweep or a merge writes into OUT, so a second one into the same
 *                           OUT is refused; removed at the end (left by a killed sweep, it is
 *                           not held and is taken over).
 * OUT and its missing parents are created. Temporary files are NAME.tmp.PID.
 *
 * Invariant: runs.csv and cells.csv are computed from journal text sorted by run index, never
 * from in-memory doubles, so one process, N processes, a resumed sweep and merged shards give
 * the same bytes.
 *
 * Durability: each journal line goes to the kernel with one write(2) on an O_APPEND descriptor
 * as the run finishes; there is no fsync per line. A killed sweep (SIGINT, SIGKILL) loses no
 * finished run; a machine crash may lose the journal's tail, which --resume detects and reruns.
 * Only runs that ended by themselves are journalled: a worker ended from outside (kill -9, the
 * OOM killer) or a run out of memory leaves its run out, stops the sweep, and --resume runs it.
 * SIGINT is caught from the journal's opening to the last result file: a ^C while results are
 * written lets them be finished (both CSV files or neither), then the sweep reports it.
 */
#ifndef KAFKASIM_SWEEP_H
#define KAFKASIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sweep_spec.h"

#define SWEEP_FIELDS_MAX 256          /* output fields of one run */
#define SWEEP_ROW_MAX 16384           /* bytes of one run's fields text */
#define SWEEP_EXIT_INTERRUPTED 130    /* 128 + SIGINT, as shells report it; also a worker ended
                                         from outside (kill -9, the OOM killer) */
#define SWEEP_EXIT_EXHAUSTED 3        /* a run ran out of memory: not journalled, no verdict */
#define SWEEP_WORKER_EXIT_EXHAUSTED 3 /* a worker's exit status when its run ran out of memory */
#define SWEEP_OUT_MAX 2048            /* bytes of OUT; a longer --out is refused, never cut */
#define SWEEP_PATH_MAX 4096           /* bytes of a path under OUT; a longer OUT is refused */

typedef enum sweep_status {
    SWEEP_RUN_OK = 0,       /* the simulation completed; anomalies are results */
    SWEEP_RUN_FAILED = 1,   /* an invariant broke or a run limit was hit; fields still valid */
    SWEEP_RUN_CRASHED = 2,  /* the worker died during the run (an assertion); no fields */
    SWEEP_RUN_EXHAUSTED = 3, /* the run ran out of memory: no result, never journalled */
} sweep_status;

/* Runs one run and writes its output fields, comma-separated in field order, no newline, into
 * fields (fields_len bytes). Returns SWEEP_RUN_OK, SWEEP_RUN_FAILED or SWEEP_RUN_EXHAUSTED;
 * anything else is treated as SWEEP_RUN_FAILED with the fields left empty. Called in a worker
 * process. */
typedef int (*sweep_run_fn)(void *ctx, const sweep_spec *spec, size_t cell, uint64_t seed,
                            char *fields, size_t fields_len);

/* One cell's faults against what its runs fired (the faults_configured and faults_fired fields
 * of its rows), for the warning on a fault that fired in no run. */
typedef struct sweep_fired {
    uint64_t runs;       /* runs of the cell */
    uint64_t configured; /* faults of the cell (0 when no run reports it) */
    uint64_t most;       /* the most faults one run fired */
} sweep_fired;

typedef struct sweep_job {
    const sweep_spec *spec;           /* borrowed, read and validated */
    const char *const *field_names;   /* borrowed: output field names, in row order */
    const bool *field_metric;         /* borrowed: aggregate field i in cells.csv */
    size_t field_count;               /* entries of field_names and field_metric */
    uint64_t spec_hash;               /* sweep_spec_hash over spec and field names */
    sweep_run_fn run;                 /* the run */
    void *run_ctx;                    /* passed to run */
    const char *out_dir;              /* OUT; created when missing */
    unsigned jobs;                    /* worker processes, >= 1 */
    unsigned shard_index;             /* I of --shard I/N, 1-based */
    unsigned shard_count;             /* N of --shard I/N; 1: the whole sweep */
    bool resume;                      /* keep the journal's finished runs */
    bool progress;                    /* a progress line on stderr when it is a terminal */
    const char *plot_dir;             /* folder with line.gp and heatmap.gp; NULL: no plots */
    FILE *log;                        /* one-line notes (plots skipped, torn lines); stderr */
    FILE *summary;                    /* the per-cell table of the plot.y fields; NULL: none */
    sweep_fired *fired;               /* one per cell, filled with the results when the fields
                                         include faults_configured and faults_fired; NULL: none */
} sweep_job;

/* Runs the job's share of the sweep (the runs with index % N == I-1 not yet in the journal),
 * then, for a whole sweep, writes runs.csv, cells.csv and the plots. Returns 0 when every run
 * completed, 1 when some run failed or crashed (the results are still written), 2 with a
 * message in err on bad input or an I/O error, SWEEP_EXIT_INTERRUPTED after SIGINT or a worker
 * ended from outside, SWEEP_EXIT_EXHAUSTED when a run ran out of memory (the journal keeps
 * every finished run). */
int sweep_execute(const sweep_job *job, char *err, size_t err_len);

/* Joins the journals found in inputs (journal files, or folders whose runs*.journal files are
 * taken) into job->out_dir's runs.csv, cells.csv and plots, as one process would have written
 * them. Every journal must carry job->spec_hash and together they must hold every run. Returns
 * as sweep_execute. */
int sweep_merge(const sweep_job *job, char *const *inputs, size_t input_count, char *err,
                size_t err_len);

/* The spec a journal was written from (the spec= of its header) into path: input is a journal
 * file or a folder of them. Returns 0, or -1 with a message. */
int sweep_journal_spec(const char *input, char *path, size_t len, char *err, size_t err_len);

/* Writes runs.csv, cells.csv and the plots from rows, indexed by run: each "STATUS,FIELDS"
 * (borrowed; every run present), then the summary table to job->summary, and fills
 * job->fired. Returns 0, or -1 with a message. */
int sweep_results_write(const sweep_job *job, char *const *rows, char *err, size_t err_len);

/* The two-sided 95% critical value of Student's t with df degrees of freedom (df >= 1). */
double sweep_t95(uint64_t df);

/* Summary statistics of n values: mean, sample standard deviation (n - 1), the half-width of
 * the 95% confidence interval of the mean (sweep_t95(n - 1) * sd / sqrt(n)), min and max.
 * With n == 1, sd and ci95 are 0; with n == 0 every statistic is NaN. */
typedef struct sweep_stats {
    double mean;            /* arithmetic mean */
    double sd;              /* sample standard deviation */
    double ci95;            /* half-width of the 95% confidence interval of the mean */
    double min;             /* smallest value */
    double max;             /* largest value */
    size_t n;               /* values */
} sweep_stats;
void sweep_stats_compute(const double *values, size_t n, sweep_stats *out);

/* The journal of a job: OUT/runs.journal, or OUT/runs.I-of-N.journal for a shard. */
void sweep_journal_path(const sweep_job *job, char *buf, size_t len);

#endif
