/*
 * pipeline.h: one consume-transform-produce application instance, consumer-k (issue 19): a
 * KafkaConsumer (consumer.h) and a KafkaProducer (producer.c in its driven mode), and the loop
 * of workload.pipeline:
 *   at-most-once:  poll -> commitSync -> process each record (sink, output send) -> flush
 *   at-least-once: poll -> process each -> flush -> commitSync / commitAsync (or auto commit
 *                  at the next poll)
 *   exactly-once:  poll -> begin -> process each -> sendOffsetsToTransaction -> commit; on an
 *                  abortable error abort and seek to the committed offsets (KIP-447)
 * Processing takes workload.processing.ms per record on the application thread. The side
 * effect (workload.sink) is outside Kafka and never fails; every application is recorded
 * (HIST_PROCESS), which is what the judge's sink ledger counts.
 *
 * Faults on consumer-k act on both clients: crash, restart (a new instance, a new member, the
 * same transactional.id), pause (the JVM), stall (the application thread only).
 *
 * Each processed record's output (the same record id) goes to the output topic (workload.output)
 * through the instance's own producer, consumer-k.producer (producer.h, driven mode), to the
 * partition of the input partition's number; flush() comes before any commit of the offsets.
 *
 * All three loops are modelled; exactly-once (pipeline.c, "Exactly-once") with the instance's
 * producer transactional (transactional.id <group.id>-consumer-<k>).
 */
#ifndef KAFKASIM_PIPELINE_H
#define KAFKASIM_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "history.h"
#include "network.h"
#include "protocol.h"
#include "sim.h"

/* The external system the instances apply their side effect to (workload.sink), one for the
 * world and shared by every instance: a payment service, a database. Outside the failure
 * model: it never fails. With external-dedup it keeps a table of the record ids applied,
 * durable and written atomically with the effect (seed 003's idempotent consumer), so an id
 * is applied once however often it is processed. */
typedef struct pipeline_sink {
    int mode;                    /* CONFIG_SINK_* */
    uint8_t *applied;            /* external-dedup: a bit per record id; NULL otherwise */
    uint64_t ids;                /* record ids the table has room for */
} pipeline_sink;

/* Returns 0, or -1 when memory ran out. records: the input's record ids are below it. */
int pipeline_sink_init(pipeline_sink *s, int mode, uint64_t records);
void pipeline_sink_fini(pipeline_sink *s);
/* The effect of processing record id: HIST_SINK_NONE, _APPLIED or _SKIPPED (the dedup table
 * had it). */
int pipeline_sink_apply(pipeline_sink *s, uint32_t id);

typedef struct pipeline_env {
    sim_world *world;            /* borrowed */
    net *net;                    /* borrowed */
    history *history;            /* borrowed */
    const config *config;        /* borrowed: the instance's configuration */
    proto_payloads *payloads;    /* borrowed */
    proto_step_fn step_fn;       /* optional */
    void *step_ctx;
    pipeline_sink *sink;         /* borrowed: the world's external system */
} pipeline_env;

typedef struct pipeline pipeline; /* defined in pipeline.c */

/* Instance index (consumer-(index + 1)); NULL when memory ran out. */
pipeline *pipeline_new(const pipeline_env *env, int index, const int *bootstrap);
void pipeline_free(pipeline *pl);
void pipeline_start(pipeline *pl);
void pipeline_crash(pipeline *pl);
void pipeline_restart(pipeline *pl);
void pipeline_pause(pipeline *pl, int64_t until_ns);
void pipeline_stall(pipeline *pl, int64_t until_ns);
/* True when the instance has nothing left to do (scenario.c's drain): it is down, or its
 * application thread waits in poll() with no record in hand. */
bool pipeline_done(const pipeline *pl);
/* True when the instance is up and its consumer is assigned input partition g (a fault's
 * "consumer of <topic>-<p>"). */
bool pipeline_holds(const pipeline *pl, int partition);
void pipeline_check_recent(pipeline *pl);

#endif
