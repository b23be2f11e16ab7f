/*
 * prop.h: what the property tests share: properties text -> a finished config, and a run with
 * the models' invariants checked after every event, where a broken invariant is a failed check
 * that prints the seed, the scenario and how to replay it.
 */
#ifndef KAFKASIM_PROP_H
#define KAFKASIM_PROP_H

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "scenario.h"
#include "test.h"

static int runs_broken; /* runs with a broken invariant or no drain */

/* properties text -> a finished config, as `kafkasim run` builds it; seed set after. */
static int load(const char *text, uint64_t seed, config *c) {
    char err[512];
    int rc = config_load_text(c, "scenario", text, err, sizeof err);
    if (rc != 0) fprintf(stderr, "scenario does not load: %s\n%s\n", err, text);
    c->seed = seed;
    return rc;
}

/* Runs text with invariant checks after every event; a broken invariant is a failed check
 * that prints the seed and the scenario. trace, when not NULL, receives the text trace. */
static run_result run(const char *text, uint64_t seed, FILE *trace) {
    static config c;
    run_result r;
    memset(&r, 0, sizeof r);
    if (load(text, seed, &c) != 0) {
        CHECK(false);
        r.invariant_broken = true;
        return r;
    }
    scenario_options so = {.trace_out = trace, .trace_node = -1, .trace_record = -1,
                           .check_invariants = true};
    int rc = scenario_run(&c, &so, &r);
    if (rc != 0) {
        runs_broken++;
        fprintf(stderr, "seed %llu: run failed (%d): %s\nreplay: save these lines as "
                "s.properties, then kafkasim run s.properties --seed %llu\n%s",
                (unsigned long long)seed, rc, r.failure, (unsigned long long)seed, text);
    }
    CHECK_EQ(rc, 0);
    return r;
}

#endif
