/*
 * faults.h: the runtime that turns the parsed faults of a run (fault_parse.h) into events. It
 * acts on nodes only through fault_ops, which the scenario implements.
 */
#ifndef KAFKASIM_FAULTS_H
#define KAFKASIM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fault_parse.h"
#include "history.h"
#include "network.h"
#include "protocol.h"
#include "sim.h"

/* ==== The runtime: faults turned into events (faults.c) ==================================== */

/* What the fault layer may do to nodes: the scenario implements these. A partition is its
 * global index g (0: partition 0 of the first topic). */
typedef struct fault_ops {
    void *ctx;                                              /* borrowed */
    int (*leader)(void *ctx, int partition);                /* broker id, or -1 */
    int (*follower)(void *ctx, int partition);              /* a live follower, or -1 */
    void (*crash)(void *ctx, node_id node, bool powerloss); /* the process (or power) dies */
    void (*stop)(void *ctx, node_id node);                  /* a controlled shutdown begins */
    void (*restart)(void *ctx, node_id node);               /* it comes back and recovers */
    void (*pause)(void *ctx, node_id node, int64_t until_ns); /* stop the world until then */
    void (*restart_producer)(void *ctx, int index);         /* a new producer session */
    /* Consumers (node_consumer(index); crash, restart and pause above take them too): */
    void (*stall)(void *ctx, node_id node, int64_t until_ns); /* its application thread blocks */
    void (*restart_consumer)(void *ctx, int index);         /* a new instance of the application */
    int (*consumer_of)(void *ctx, int partition);           /* the consumer index assigned input
                                                             * partition g now, or -1 */
} fault_ops;

typedef struct fault_env {
    sim_world *world;  /* borrowed */
    net *net;          /* borrowed */
    history *history;  /* borrowed */
    fault_ops ops;     /* copied */
} fault_env;

typedef struct fault_runtime {
    sim_world *world;
    net *net;
    history *history;
    fault_ops ops;
    uint16_t kind;                          /* kernel handler kind */
    int broker_count;                       /* num.brokers */
    int count;                              /* faults parsed */
    fault_spec *specs;                      /* owned: the count parsed lines, in config order
                                             * (allocated for the lines a run has: a spec holds
                                             * two partition names, and most runs have few) */
    uint32_t fired[CONFIG_FAULTS_MAX];      /* times each fault started */
    uint32_t step_seen[CONFIG_FAULTS_MAX];  /* protocol steps counted, for "on <step>" */
    bool step_done[CONFIG_FAULTS_MAX];      /* the step crash was triggered */
    uint32_t steps_watched;                 /* bit s: some "crash ... on <step>" watches step s */
    uint32_t ends_pending;                  /* heal events scheduled and not yet run */
    node_id cut_a[CONFIG_FAULTS_MAX];       /* partition ends, resolved at the start */
    node_id cut_b[CONFIG_FAULTS_MAX];
} fault_runtime;

/* Parses c->faults and schedules them. Returns 0, -1 with a message in err, or -2 when memory
 * ran out (the world is exhausted, its message in w->failure). */
int fault_runtime_init(fault_runtime *fr, const fault_env *env, const config *c, char *err,
                       size_t err_len);
/* Frees what fault_runtime_init allocated (also after it failed, or on a zeroed runtime). */
void fault_runtime_fini(fault_runtime *fr);
/* proto_step_fn for the nodes (ctx = the fault_runtime): node made step on partition g. */
bool fault_on_step(void *ctx, node_id node, proto_step step, int partition);
/* net_drop_fn for the network (ctx = the fault_runtime): a drop or break rule fired. */
void fault_on_drop(void *ctx, int rule, const proto_msg *msg);
/* net_delay_fn for the network (ctx = the fault_runtime). */
void fault_on_delay(void *ctx, int rule, const proto_msg *msg);
/* The time after which no scheduled fault is active (rules without an end excepted). */
int64_t fault_runtime_quiet_after(const fault_runtime *fr);
/* Faults that fired at least once. */
uint64_t fault_runtime_fired(const fault_runtime *fr);

#endif
