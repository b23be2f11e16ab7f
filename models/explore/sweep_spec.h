/*
 * sweep_spec.h: a sweep spec (experiments/NAME.sweep) read into data: the base scenario, the
 * axes and their values, the seeds, and what to plot. Pure data in, data out: nothing here runs
 * a scenario, forks or writes a file.
 *
 * Syntax (Java .properties, read with properties.h):
 *     base = durability.properties          # optional, relative to the spec's folder
 *     set.acks = all                        # a base property inline (any scenario key)
 *     set.fault.crash1 = crash leader on leader.append n=${k}
 *     axis.acks = 1, all                    # a scenario key: set directly in each cell
 *     axis.k = 1..20                        # not a key: a variable for ${k}
 *     axis.network.latency.ms = 0.5..2:0.5  # ranges A..B or A..B:STEP, mixed with lists
 *     seeds = 1..100
 *     plot.x = k                            # an axis
 *     plot.y = lost_acked, duplicates       # output fields
 *     plot.series = acks                    # optional: one line per value
 *     plot.kind = lines                     # lines | heatmap (plot.x x plot.series grid)
 *     plot.average = unclean.leader.election.enable   # optional: axes pooled in each point
 *
 * A plot never averages over an axis silently: every axis that is neither plot.x nor
 * plot.series nor named in plot.average gets a panel per value (a panel per combination of
 * such axes, at most SWEEP_PLOT_PANELS_MAX), and the axes named in plot.average are named in
 * the plot's title.
 *
 * Invariants once sweep_spec_read succeeded: at least one axis value per axis, at least one
 * seed, no seed twice, every ${name} names an axis, every variable axis is used by some ${name},
 * plot.x and plot.series name axes, and cells * seeds <= SWEEP_RUNS_MAX.
 *
 * Cells are the cartesian product of the axes in spec order, the first axis slowest (as nested
 * loops written in that order). Runs are (cell, seed) in cell-major order: run = cell * seeds +
 * seed index. Every cell uses the same seeds (common random numbers: cells differ only in what
 * the axes change).
 *
 * Decimal ranges are expanded in fixed point (no binary floating point): 0.5..2:0.5 gives
 * "0.5", "1.0", "1.5", "2.0", every value written with the most decimals among A, B and STEP.
 */
#ifndef KAFKASIM_SWEEP_SPEC_H
#define KAFKASIM_SWEEP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "properties.h"

#define SWEEP_AXES_MAX 16                 /* axes in one spec */
#define SWEEP_AXIS_VALUES_MAX 1000000u    /* values of one axis after range expansion */
#define SWEEP_SEEDS_MAX 1000000u          /* seeds after range expansion */
#define SWEEP_RUNS_MAX 10000000ULL        /* cells * seeds */
#define SWEEP_PLOT_Y_MAX 48               /* fields in plot.y (every output field fits) */
#define SWEEP_PLOT_PANELS_MAX 16          /* panels of one plot (combinations of unplotted axes) */

typedef enum sweep_plot_kind {
    SWEEP_PLOT_NONE = 0,    /* no plot.y: CSV only */
    SWEEP_PLOT_LINES,       /* metric against plot.x, error bars, a line per plot.series value */
    SWEEP_PLOT_HEATMAP,     /* mean of a metric over the plot.x x plot.series grid */
} sweep_plot_kind;

typedef struct sweep_axis {
    char *name;             /* owned: the text after "axis." */
    bool is_key;            /* a scenario key (set per cell); false: a ${name} variable */
    char **values;          /* owned: expanded values, in spec order */
    size_t value_count;     /* values */
    size_t value_capacity;  /* allocated slots of values */
    int line;               /* spec line of the axis */
} sweep_axis;

typedef struct sweep_set {
    char *key;              /* owned: the scenario key (the text after "set.") */
    char *value;            /* owned: the value, ${name} not yet substituted */
    int line;               /* spec line */
} sweep_set;

typedef struct sweep_spec {
    char *path;             /* owned: the spec file as given */
    props base;             /* the base file's properties (empty without base) */
    char *base_path;        /* owned: the base file, resolved against the spec's folder; or NULL */
    sweep_set *sets;        /* owned: set.* in spec order */
    size_t set_count;       /* entries of sets */
    size_t set_capacity;    /* entries allocated in sets */
    sweep_axis axes[SWEEP_AXES_MAX]; /* in spec order */
    size_t axis_count;      /* axes */
    uint64_t *seeds;        /* owned: run seeds, in spec order */
    size_t seed_count;      /* entries of seeds */
    int seeds_line;         /* spec line of seeds, 0 when defaulted to seed 1 */
    sweep_plot_kind plot_kind; /* what to draw */
    int plot_x;             /* axis index of plot.x, -1 without */
    int plot_series;        /* axis index of plot.series, -1 without */
    char *plot_y[SWEEP_PLOT_Y_MAX]; /* owned: field names of plot.y */
    size_t plot_y_count;    /* entries of plot_y */
    int plot_y_line;        /* spec line of plot.y, for messages about its fields */
    bool plot_average[SWEEP_AXES_MAX]; /* plot.average: axis i is pooled in each point */
} sweep_spec;

void sweep_spec_init(sweep_spec *s);
void sweep_spec_fini(sweep_spec *s);

/* Reads and validates a spec file (and its base file). Returns 0, or -1 with one message in
 * err naming file:line, the key and what is allowed. On failure s holds a partial spec that
 * only sweep_spec_fini may touch. */
int sweep_spec_read(sweep_spec *s, const char *path, char *err, size_t err_len);

/* Same as sweep_spec_read on properties already read; path names the spec in messages and
 * anchors the base file. Borrows p. */
int sweep_spec_parse(sweep_spec *s, const props *p, const char *path, char *err,
                     size_t err_len);

/* Cells: the product of the axes' value counts (1 without axes). */
size_t sweep_spec_cell_count(const sweep_spec *s);

/* Runs: cells * seeds. */
static inline uint64_t sweep_spec_run_count(const sweep_spec *s) {
    return (uint64_t)sweep_spec_cell_count(s) * s->seed_count;
}

/* The value index of each axis in cell (first axis slowest) into value_index[axis_count]. */
void sweep_spec_cell_indexes(const sweep_spec *s, size_t cell, size_t *value_index);

/* The value of axis in cell. Borrowed from s. */
const char *sweep_spec_cell_value(const sweep_spec *s, size_t cell, size_t axis);

/* Appends to out, in the order they take effect (later wins): the base file's properties, the
 * set.* properties, the scenario-key axes' values of cell, and sim.seed = seed. ${name} is
 * replaced by the cell's value of axis name. Each property keeps the file and line it came
 * from, so config_apply's messages point into the spec. Returns 0, or -1 with a message. */
int sweep_spec_cell_props(const sweep_spec *s, size_t cell, uint64_t seed, props *out,
                          char *err, size_t err_len);

/* How axis a appears in the plots: SWEEP_PLOT_ROLE_X, _SERIES, _AVERAGE (named in
 * plot.average), or _PANEL (a panel per value). Precondition: a < s->axis_count. */
typedef enum sweep_plot_role {
    SWEEP_PLOT_ROLE_PANEL = 0, /* a panel per value (with the other panel axes) */
    SWEEP_PLOT_ROLE_X,         /* plot.x */
    SWEEP_PLOT_ROLE_SERIES,    /* plot.series */
    SWEEP_PLOT_ROLE_AVERAGE,   /* named in plot.average: pooled, and named in the title */
} sweep_plot_role;
sweep_plot_role sweep_spec_plot_role(const sweep_spec *s, size_t a);

/* Panels of each plot: the product of the value counts of the panel axes (1 without any). */
size_t sweep_spec_plot_panels(const sweep_spec *s);

/* A 64-bit FNV-1a hash of what decides the runs' results: the base and set properties, the
 * axes and their values, the seeds, and the extra text the caller adds (the output fields).
 * Comments, line numbers and plot.* do not count. Two shards agree when their hashes do. */
uint64_t sweep_spec_hash(const sweep_spec *s, const char *extra);

/* 64-bit FNV-1a of len bytes, continuing from h (start with SWEEP_FNV_OFFSET). */
#define SWEEP_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t sweep_fnv1a(uint64_t h, const void *data, size_t len);

#endif
