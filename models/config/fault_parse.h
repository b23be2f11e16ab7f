/*
 * fault_parse.h: the fault language of fault.<name> keys, parsed (fault_parse.c). config_finish
 * checks each line with it, so a bad line names its file:line; the runtime that turns parsed
 * faults into events is faults.h.
 *
 * One line of the language (architecture.md, "Faults") describes one fault:
 *   crash <node> at <time> [for <duration>]
 *   crash <node> on <step> [n=<k>] [for <duration>]
 *   stop <broker> at <time> [for <duration>]          (controlled shutdown; broker: leader,
 *                                                      follower or broker-<n>)
 *   pause <node> at <time> for <duration>
 *   pause <client> on <step> [n=<k>] for <duration>    (a producer's or a consumer's steps)
 *   partition <a> <b> at <time> for <duration>        (both directions)
 *   partition <a> -> <b> at <time> for <duration>     (a's messages to b only)
 *   drop <requests|responses> <a> -> <b> p=<prob> [from <t1> to <t2>]
 *   break <requests|responses> <a> -> <b> p=<prob> [from <t1> to <t2>]
 *   delay <requests|responses> <a> -> <b> by <duration> [from <t1> to <t2>]
 *   powerloss all|<broker> at <time> [for <duration>]   (broker: leader, follower, broker-<n>)
 *   restart <producer> at <time>
 *   restart <consumer> at <time>                       (a new instance of the application)
 *   stall <consumer> at <time> for <duration>          (its application thread blocks; the
 *   stall <consumer> on <step> [n=<k>] for <duration>   heartbeat thread runs on)
 * Nodes: leader, follower (of partition 0 of the first topic), leader of <topic>-<p>,
 * follower of <topic>-<p> (resolved when the fault fires), broker-<n>, producer (the first),
 * producer-<n> (1-based: producer-1 is producer), controller, coordinator (the transaction
 * coordinator of producer-1's transactional.id when the fault fires: the leader of its
 * __transaction_state partition), coordinator of <transactional.id>, consumer-<n> (the
 * application instance n of workload.consumers: its consumer and its producer; 1-based),
 * consumer of <topic>-<p> (the instance whose consumer is assigned that input partition when
 * the fault fires; with none the fault does not fire; not in drop, break and delay rules),
 * group-coordinator (the group's coordinator when the fault fires: the leader of its
 * __consumer_offsets partition). "crash leader of orders-3 on
 * leader.append n=2" counts the steps of partition orders-3 only; a step of a role without
 * "of" counts on partition 0 of the first topic, a step of a named broker or producer on any
 * partition, a step of the coordinator on its __transaction_state partition. A node takes only
 * its own steps (protocol.h): a broker leader.append, follower.fetch, leader.hw-advance, the
 * coordinator (or broker-<n>) coordinator.*, a leader (or broker-<n>) leader.marker*, a
 * producer producer.*, a consumer consumer.*; the controller none. The steps of transactions
 * need a transactional world (fault_spec_resolve). A pause or a stall at a step is a
 * producer's or a consumer's.
 * Times carry a unit (ns, us, ms, s, min, h) and may have decimals; they are read in fixed point, never
 * through floating point. A probability is a decimal 0..1 read into parts per million.
 *
 * The parser knows no world: it checks the words, not whether broker-5, orders-3 or producer-4
 * exist in this run; fault_spec_resolve does that against the world's tables (config_finish,
 * exit 2 with the file and line) and turns a partition's name into its global index.
 */
#ifndef KAFKASIM_FAULT_PARSE_H
#define KAFKASIM_FAULT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* ==== The parsed fault (fault_parse.c) ====================================================== */

typedef enum fault_kind {
    FAULT_CRASH,           /* a process crash, at a time or at a protocol step */
    FAULT_PAUSE,           /* a stop-the-world pause (a long GC) */
    FAULT_PARTITION,       /* a network cut between two nodes, one or both ways */
    FAULT_DROP,            /* segments of one direction lost with a probability (TCP resends) */
    FAULT_BREAK,           /* messages of one direction lost with their connection */
    FAULT_DELAY,           /* messages of one direction delayed by a fixed time */
    FAULT_POWERLOSS,       /* every broker, or one, loses what the OS had not written back */
    FAULT_RESTART_PRODUCER, /* the application starts a new producer session */
    FAULT_STOP,            /* a broker's controlled shutdown, then its process stops */
    FAULT_STALL,           /* a consumer's application thread blocks (its heartbeats go on) */
    FAULT_RESTART_CONSUMER /* a new instance of a consumer application (a new member) */
} fault_kind;

typedef enum fault_target_kind {
    FAULT_TARGET_LEADER,     /* whichever broker leads the partition when the fault fires */
    FAULT_TARGET_FOLLOWER,   /* a live follower of the partition when the fault fires */
    FAULT_TARGET_BROKER,     /* broker-<n>: the broker with id n */
    FAULT_TARGET_PRODUCER,   /* the producer (index 0) */
    FAULT_TARGET_CONTROLLER, /* the controller */
    FAULT_TARGET_ALL,        /* every broker (powerloss all) */
    FAULT_TARGET_COORDINATOR, /* the transaction coordinator of a transactional.id when the fault
                               * fires: the leader of its __transaction_state partition */
    FAULT_TARGET_CONSUMER,    /* consumer-<n>: the application instance (consumer and producer) */
    FAULT_TARGET_CONSUMER_OF, /* consumer of <topic>-<p>: the instance assigned that input
                               * partition when the fault fires (none: it does not fire) */
    FAULT_TARGET_GROUP_COORDINATOR /* the group coordinator when the fault fires: the leader of
                                    * the group's __consumer_offsets partition */
} fault_target_kind;

#define FAULT_PARTITION_NAME_MAX 80 /* bytes of "<topic>-<p>" with its terminator */

typedef struct fault_target {
    fault_target_kind kind; /* which node, or how to pick it */
    int broker;             /* broker id 1..PROTO_BROKERS_MAX for FAULT_TARGET_BROKER, else 0 */
    int producer;           /* FAULT_TARGET_PRODUCER: index, 0 for producer and producer-1 */
    int consumer;           /* FAULT_TARGET_CONSUMER: index, 0 for consumer-1 */
    int partition;          /* leader/follower: global index g of the partition; 0 without
                             * "of", else set by fault_spec_resolve (-1 before); coordinator:
                             * g of the id's __transaction_state partition, set by
                             * fault_spec_resolve (-1 before); group-coordinator: g of the
                             * group's __consumer_offsets partition, the same; consumer of:
                             * g of the input partition, the same */
    char of[FAULT_PARTITION_NAME_MAX]; /* leader/follower: "orders-3" as written; coordinator:
                                        * the transactional.id as written; "" none */
} fault_target;

/* One fault line, parsed. Fields a form does not use keep the defaults below. */
typedef struct fault_spec {
    fault_kind kind;     /* the first word */
    fault_target a;      /* the node crashed or paused; the sending side of a cut or rule */
    fault_target b;      /* the receiving side of a cut or rule; unused otherwise */
    bool one_way;        /* partition a -> b: only a's messages to b are cut */
    bool on_step;        /* crash ... on <step>: fires at a protocol step, not at at_ns */
    proto_step step;     /* the step watched when on_step */
    uint32_t step_n;     /* fires at the step_n-th such step of the node (1 = the first) */
    int64_t at_ns;       /* when it starts, ns of simulated time; 0 when on_step */
    int64_t for_ns;      /* how long it lasts, ns; -1 when the line gave no duration */
    bool responses;      /* drop/break/delay: responses (true) or requests (false) */
    uint32_t ppm;        /* drop/break: probability, parts per million (0..1000000) */
    int64_t delay_ns;    /* delay: added latency, ns */
    int64_t from_ns;     /* drop/break/delay: active from this time, ns (0 by default) */
    int64_t to_ns;       /* drop/break/delay: active until this time, ns (INT64_MAX: no end) */
} fault_spec;

/* Parses one fault line (text borrowed, not kept) into *out. Returns 0, or -1 with a message in
 * err that names the word (1-based) where the line went wrong and what was expected there,
 * e.g. "expected a time with a unit (ns, us, ms, s, min, h) at word 4, got '10'". *out is filled on
 * success and unspecified on failure. */
int fault_parse(const char *text, fault_spec *out, char *err, size_t err_len);

/* Reads one time word[0..len) of the language ("1.5s", "250ms", "0.999999999h": a decimal
 * with a unit, exact in ns, no floating point) into *ns. Returns 0, or -1 with *why (when why
 * is not NULL) the reason, or NULL when the word does not start with a number. Zero is a time. */
int fault_time_parse(const char *word, size_t len, int64_t *ns, const char **why);

/* What fault_spec_resolve asks of the world: the global index of a partition's display name
 * ("orders-3"), or -1 when the world has no such partition, with a reason in why ("no topic
 * 'order'; topics: orders", "orders has partitions 0 .. 5"); and the producers it runs. */
typedef struct fault_world {
    void *ctx;                                                      /* borrowed */
    int (*partition)(void *ctx, const char *name, char *why, size_t why_len);
    /* The display name of partition g (0 <= g < partitions) into buf; returns buf. */
    const char *(*partition_name)(void *ctx, int g, char *buf, size_t len);
    int partitions;                                                 /* all topics' together */
    int workload_partitions; /* the application's topics' (g below it); the rest are internal
                              * (__transaction_state), which swarm draws and pictures leave out */
    int producers;                                                  /* workload.producers */
    int brokers;                                                    /* num.brokers */
    /* The g of a transactional id's __transaction_state partition ("" names producer-1's), or
     * -1 with a reason in why ("no producer is transactional", "the ids are a, b"). NULL: no
     * transactional world. */
    int (*txn_partition)(void *ctx, const char *txn_id, char *why, size_t why_len);
    bool transactional; /* some producer has a transactional.id: the transactional steps
                         * (coordinator.prepare, ...) happen */
    int consumers;      /* workload.consumers */
    int group_partition; /* g of the group's __consumer_offsets partition, -1 without consumers */
} fault_world;

/* Resolves the names of f against w: partitions into their global index, producer and broker
 * numbers checked against the world. Returns 0, or -1 with a message in err naming the node
 * and what is allowed ("producer-3 does not exist (workload.producers=2)"). */
int fault_spec_resolve(fault_spec *f, const fault_world *w, char *err, size_t err_len);

/* The world of configuration c (its partition table, workload.producers, num.brokers). */
struct config;
void fault_world_of(const struct config *c, fault_world *w);

/* "leader", "follower", "leader of orders-3", "broker-3", "producer", "producer-2",
 * "controller", "all", "coordinator", "coordinator of app-1", "consumer-1",
 * "group-coordinator" into buf; returns buf. */
const char *fault_target_name(const fault_target *t, char *buf, size_t len);

/* Why the fault can never touch a message (a rule or cut on a direction no message travels,
 * e.g. responses producer -> leader: the producer answers nothing), or NULL when it can. The
 * reason is a static string. */
const char *fault_spec_idle_reason(const fault_spec *f);

/* ==== End of the parsed fault ================================================================ */

#endif
