/*
 * bare.h: a bare, hand-written model of the bench's reference scenario: what the scenario costs
 * when nothing but its protocol is simulated (no history, no checker, no trace, no invariant
 * walk, no configuration). `kafkasim bench --bare` runs it beside the simulator and prints their
 * ratios; bench/bare_main.c is the same model as a program of its own (`kafkasim-bare`).
 * bare.c says what it models and what it leaves out.
 */
#ifndef KAFKASIM_BARE_H
#define KAFKASIM_BARE_H

#include <stddef.h>
#include <stdint.h>

#define BARE_RECORDS_MAX (UINT64_C(1) << 30) /* offsets and sequences travel as 31-bit fields */

typedef struct bare_result {
    uint64_t records;      /* records the application sent */
    uint64_t acked;        /* records whose batch was acknowledged */
    uint64_t events;       /* events dispatched */
    uint64_t retries;      /* batches sent again after their connection timed out */
    uint64_t deduplicated; /* retried batches the leader found already appended */
    uint64_t dropped;      /* produce responses lost (each breaks its connection) */
    int64_t end_ns;        /* simulated time of the last acknowledgement */
    uint64_t checksum;     /* over every acknowledgement (batch, offset) and every replica's log */
    size_t memory_bytes;   /* the arrays the run allocated, bytes */
} bare_result;

/* Runs the reference scenario with `records` records (1 .. BARE_RECORDS_MAX) and seed `seed`,
 * until every record is acknowledged, into *out. Deterministic: the same seed and records give
 * the same result. Returns 0, or -1 when memory ran out or records is out of range. */
int bare_run(uint64_t seed, uint64_t records, bare_result *out);

#endif
