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

typedef struct pipeline_env {
    sim_world *world;            /* borrowed */
    net *net;                    /* borrowed */
    history *history;            /* borrowed */
    const config *config;        /* borrowed: the instance's configuration */
    proto_payloads *payloads;    /* borrowed */
    proto_step_fn step_fn;       /* optional */
    void *step_ctx;
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
/* True when the instance has nothing left to do (scenario.c's drain). */
bool pipeline_done(const pipeline *pl);
void pipeline_check_recent(pipeline *pl);

#endif
