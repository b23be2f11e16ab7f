/*
 * explain.h: --explain, the causal chain of each anomaly in plain words, read from the
 * history alone (the same observations the checker judges from), with the names of the faults
 * that fired and the configuration that allowed it (idempotence, acks, max in flight, unclean
 * election).
 *
 *   record 57 duplicated (Jepsen: duplicate): attempt 1 was appended at offset 57 on broker-1
 *   at 10.200 ms; the response was dropped (fault drop1); the producer retried after
 *   request.timeout.ms (30.000 ms); idempotence is off, so broker-1 appended it again at
 *   offset 63.
 *
 * A transactional run (config_transactional) is judged as txn_checker.h judges it, on the view a
 * consumer of isolation.level has; a first line names that view, and after the checker's
 * anomalies come the transaction ones (lost commits, atomicity violations, aborted reads, zombie
 * writes, hanging transactions), each told from the transactional history records.
 */
#ifndef KAFKASIM_EXPLAIN_H
#define KAFKASIM_EXPLAIN_H

#include <stdio.h>

#include "checker.h"
#include "config.h"
#include "history.h"
#include "pipeline_checker.h"
#include "protocol.h"

/* Writes one paragraph per anomaly the checker counts on in (lost writes first, then
 * duplicates, reorderings, failed-but-written and unexpected records; then, in a transactional
 * run, the transaction anomalies), at most limit of each kind, in order of offset or id. h and payloads are those in; c gives fault names and the
 * settings named in the chains. Returns the number of anomalies explained, -1 when memory ran
 * out. Deterministic: the same run gives the same text. */
int explain_run(FILE *out, const history *h, const proto_payloads *payloads,
                const checker_input *in, const config *c, int limit);

/* explain_run, also telling in *work (if not NULL) how many history records, log entries and
 * kept anomalies it looked at: the measure tests hold linear in the records and the history. */
int explain_run_work(FILE *out, const history *h, const proto_payloads *payloads,
                     const checker_input *in, const config *c, int limit, uint64_t *work);

/* explain_run_work in a run with consumers: pipe (not NULL) is what the pipeline judge read
 * (pipeline_checker.h), and after the other anomalies come the pipeline's, one story per group
 * of records that share it (explain_pipeline.h: which consumer processed a record twice, after
 * which rebalance and which commit; which commit moved past a record never processed; the
 * output sends of a record written twice or missing), at most limit stories of each kind. */
int explain_run_pipeline(FILE *out, const history *h, const proto_payloads *payloads,
                         const checker_input *in, const config *c, int limit,
                         const pipeline_input *pipe, uint64_t *work);

#endif
