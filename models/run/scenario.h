/*
 * scenario.h: properties in, one wired world out, run to the end, judged.
 *
 * A scenario owns everything of one run: the kernel world, the network, the brokers, the
 * controller, the producer and its application, the fault schedule, the history. Two scenarios
 * share nothing, so a sweep may run many in one process.
 */
#ifndef KAFKASIM_SCENARIO_H
#define KAFKASIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checker.h"
#include "config.h"
#include "sim.h"

/* A watcher of the run (--plot): sees every message once its fate is known (network.h,
 * net_fate_fn: arrive_ns is the arrival, or the send when the network refused it), and the
 * judged run at the end, before the scenario is freed. Everything passed is borrowed for the
 * call only. */
typedef struct scenario_watch {
    void (*on_message)(void *ctx, const proto_msg *msg, int64_t sent_ns, int64_t arrive_ns,
                       bool lost);
    void (*on_judged)(void *ctx, const checker_input *in, const config *c);
    void *ctx;                /* borrowed; passed to both */
} scenario_watch;

/* Where and how a run reports as it goes; all optional. */
typedef struct scenario_options {
    FILE *trace_out;          /* --trace: one line per event, NULL for none */
    bool trace_jsonl;         /* --trace-format jsonl */
    int trace_node;           /* --trace-node: only lines touching this node id, -1 all */
    int64_t trace_record;     /* --trace-record: only lines carrying this record id, -1 all */
    int trace_partition;      /* --trace-partition: 1 + the global index of the only partition
                                 whose lines are kept; 0 (the default) for all */
    FILE *explain_out;        /* --explain: the causal chain of each anomaly, NULL for none */
    int explain_limit;        /* anomalies explained at most */
    bool check_invariants;    /* walk every model's invariants after every event */
    const scenario_watch *watch; /* --plot: borrowed, NULL for none */
    /* Optional, borrowed: room for by_partition_count partitions' shares of the verdict
     * (checker.h), filled when the world has at most that many (run_result.by_partition). */
    checker_partition *by_partition;
    size_t by_partition_count;
} scenario_options;

typedef struct run_result {
    checker_result check;     /* the verdict */
    uint64_t seed;            /* the run seed */
    uint64_t config_hash;     /* hash of the effective configuration */
    int64_t sim_time_ns;      /* simulated time at the end */
    uint64_t events;          /* kernel events dispatched */
    uint64_t trace_hash;      /* the kernel's running hash */
    sim_status status;        /* why the run ended */
    uint64_t settled;         /* 1 when the final leader's high watermark reached its log end
                                 offset before the run stopped, 0 when replication never caught
                                 up (records above it count as not committed) */
    bool invariant_broken;    /* a model's check failed, or the run could not end: exit 1 */
    bool exhausted;           /* memory ran out or passed sim.max.memory.mb: no verdict,
                                 the command exits 3 (CLI_EXIT_EXHAUSTED, cli/cli.h); never
                                 invariant_broken */
    uint64_t memory_bytes;    /* the run's arrays at the memory probe's last look, bytes */
    /* scenario_options.by_partition once filled (check.partitions entries), else NULL. */
    const checker_partition *by_partition;
    char failure[512];        /* what broke or ran out, when something did */
} run_result;

typedef struct scenario scenario;

/* Builds and runs one scenario from a finished config (config_finish passed) and judges it.
 * Returns 0 when the simulation completed (anomalies are results), 1 when an invariant broke,
 * a run limit was hit or the progress guard stopped it (out->failure says which), -1 when it
 * could not be run or judged: out->exhausted when memory ran out (at setup, during the run or
 * in the checker; out->failure names what), else a fault that cannot be set up (out->failure). */
int scenario_run(const config *c, const scenario_options *options, run_result *out);

#endif
