/*
 * check_internal.h: the pieces of `kafkasim check` shared by its files.
 *
 *   cmd_check.c   options, the verdict of one run, shrinking and the report
 *   check_pool.c  seeds spread over worker processes; one run isolated in a child process
 *
 * A verdict is one of the kinds below. Safety is the models' invariants, walked after every
 * event (scenario_options.check_invariants); liveness is "the run drained, and every send got
 * its callback within a bound, once the faults healed"; the expectation is the --expect
 * expression over the output fields.
 */
#ifndef KAFKASIM_CHECK_INTERNAL_H
#define KAFKASIM_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "expr.h"
#include "scenario.h"
#include "swarm.h"

typedef enum check_verdict {
    CHECK_HOLDS = 0,      /* nothing wrong */
    CHECK_EXPECT,         /* the --expect expression is false */
    CHECK_SAFETY,         /* a model invariant broke */
    CHECK_LIVENESS,       /* the run did not drain, or a send got no callback in time */
    CHECK_NONDETERMINISM, /* --determinism: the second run's trace hash differed */
    CHECK_CRASHED,        /* the run aborted (a failed assertion); its message is on stderr */
    CHECK_SETUP,          /* the scenario could not be built or judged (bad input) */
    CHECK_EXHAUSTED,      /* memory ran out (run_result.exhausted): no verdict, exit 3 */
} check_verdict;

#define CHECK_FIELDS_MAX 128 /* output fields an expression may read */

/* What every run of one check shares. */
typedef struct check_job {
    const config *base;        /* the loaded scenario; each seed copies it */
    bool has_expect;           /* --expect given */
    expr expect;               /* parsed --expect */
    const char *expect_text;   /* as given */
    const char *field_names[CHECK_FIELDS_MAX]; /* report fields, index = expr field */
    int field_count;
    bool swarm;                /* --swarm: each seed draws its own fault mix */
    swarm_options swarm_opt;   /* kinds and size of the mixes */
    bool determinism;          /* --determinism: run twice, compare trace hashes */
    int64_t callback_bound_ns; /* --callback-bound-ms; 0 derives it from the config */
} check_job;

/* The verdict on one run, with the result it was judged from. */
typedef struct check_outcome {
    check_verdict verdict;
    run_result result;         /* of the (first) run */
    char detail[320];          /* what was wrong, one line; empty when it holds */
} check_outcome;

/* What the sweep over seeds found. */
typedef struct check_sweep {
    bool failed;               /* a seed failed */
    uint64_t seed;             /* the first failing seed in seed order */
    check_verdict verdict;     /* its verdict as its worker saw it */
    uint64_t runs;             /* seeds judged (all of them when none failed) */
    uint64_t faults_configured; /* summed over seeds, when none failed */
    uint64_t faults_fired;     /* summed over seeds, when none failed */
    uint64_t anomalous;        /* seeds with a duplicate, reordering or lost write */
} check_sweep;

/* cmd_check.c: the configuration of seed (a copy of the base, the seed set, the swarm's mix
 * added when the job asks for one; mix may be NULL). Returns 0, or -1 with a message. */
int check__seed_config(const check_job *j, uint64_t seed, config *out, swarm_mix *mix,
                       char *err, size_t err_len);

/* cmd_check.c: runs c (once, or twice for --determinism) in this process and judges it. */
void check__judge(const check_job *j, const config *c, check_outcome *out);

/* check_pool.c: check__judge in a child process, so a run that aborts is a verdict
 * (CHECK_CRASHED) rather than the end of the check. */
void check__judge_isolated(const check_job *j, const config *c, check_outcome *out);

/* check_pool.c: judges seeds first..last over jobs worker processes and finds the first
 * failing seed in seed order, whatever jobs is. on_seed (may be NULL) is called in seed order
 * for every seed judged before the first failure. Returns 0, or -1 with a message (no
 * workers could be started). */
typedef void (*check_seed_fn)(void *ctx, uint64_t seed, check_verdict verdict);
int check__sweep(const check_job *j, uint64_t first, uint64_t last, int jobs,
                 check_seed_fn on_seed, void *ctx, check_sweep *out, char *err,
                 size_t err_len);

#endif
