/*
 * explain_pipeline.h: the stories of a consume-process-produce run's anomalies (--explain), one
 * per group of records that share one: which consumer applied a record to the sink and when,
 * which offset of its partition had been committed then and by whom, what ended that
 * consumer's hold on the partition (a crash, its member expired after session.timeout.ms, its
 * heartbeat thread leaving after max.poll.interval.ms, a removal for not rejoining), the
 * rebalance that followed (its trigger and the generation it formed), and where the next owner
 * resumed (txn-consumer-semantics.md section 3; KafkaConsumer's javadoc, "Detecting Consumer
 * Failures", ConsumerCoordinator.onJoinPrepare, GroupCoordinator.onExpireHeartbeat 3.9).
 *
 *   records 412..510 of orders-0 (99 records, offsets 205..303) processed twice
 *   (processed_twice): consumer-1 applied them at 8012.000..9000.000 ms (generation 1); the
 *   offset of orders-0 committed then was 205, an auto commit by consumer-1 answered at
 *   6034.100 ms, so it did not cover them; consumer-1 crashed at 9000.000 ms (fault c); ...
 *
 * Part of explain_run's output (explain.h): internal to the run layer.
 */
#ifndef KAFKASIM_EXPLAIN_PIPELINE_H
#define KAFKASIM_EXPLAIN_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "history.h"
#include "pipeline_checker.h"

typedef struct xp_story xp_story;

/* Judges in (pipeline_checker_finish over the whole history h) and keeps each anomaly it
 * counts with what its story needs. *out gets the stories' state (NULL when memory ran out);
 * returns the records with an anomaly, or -1 when memory ran out. */
int64_t explain_pipeline_judge(xp_story **out, const history *h, const pipeline_input *in,
                               const config *c);

/* Writes at most limit stories of each kind (processed_twice, processed_never,
 * output_duplicates, output_missing), and a line for the records left untold; returns the
 * stories told. Frees nothing. */
int explain_pipeline_tell(xp_story *x, FILE *out, int limit);

void explain_pipeline_free(xp_story *x);

#endif
