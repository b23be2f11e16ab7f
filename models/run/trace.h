/*
 * trace.h: --trace, one line per event in simulated time order: every message a node sends
 * (from the network's on_send hook) and every history record (from the history observer):
 * appends, truncations, high-watermark moves, elections, ISR changes, faults, crashes,
 * callbacks, expiries.
 *
 *   12.345ms producer -> broker-1 Produce pid=1 epoch=0 seq=10..19 attempt=2 records=10..19
 *   12.846ms broker-1 append offsets=57..66 records=10..19 attempt=2 leader_epoch=0 role=leader
 *
 * Text for people, JSON lines for tools (one object per line, the same fields). Filters keep
 * the lines that touch one node or carry one record id. By default the trace leaves out what
 * carries no news: broker heartbeats, fetches that repeat the previous fetch offset, empty
 * fetch responses that repeat the previous high watermark, and the producer's attempt records
 * (the Produce line says the same); verbose shows them all. Those filters keep a little state
 * per connection and partition (a fetch is one partition's: in a world of several, each
 * partition's fetches repeat or move on their own), updated in message order, so the output is
 * as deterministic as the run.
 */
#ifndef KAFKASIM_TRACE_H
#define KAFKASIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "history.h"
#include "protocol.h"

typedef enum trace_format {
    TRACE_TEXT = 0, /* "12.345ms producer -> broker-1 Produce pid=1 ..." */
    TRACE_JSONL,    /* {"t_ns":12345000,"t":"12.345ms","from":"producer",...} */
} trace_format;

/* The idle filter's state of one (client, server, partition): a fetcher's last fetch offset
 * and the high watermark its leader last sent it. */
typedef struct trace_fetch_link {
    uint32_t key;       /* trace.c's link key; 0: an empty slot */
    int64_t offset;     /* the last fetch offset the client sent, -1 before any */
    int64_t hw;         /* the last high watermark the server answered, -1 before any */
} trace_fetch_link;

typedef struct tracer {
    FILE *out;                 /* borrowed; lines go here */
    trace_format format;       /* text or JSON lines */
    int node_filter;           /* only lines touching this node id; -1 for all */
    int64_t record_filter;     /* only lines carrying this record id; -1 for all */
    int partition_filter;      /* only lines about this partition (global index g); -1 all */
    int partitions;            /* partitions of the world: with several, lines name theirs */
    int producers;             /* producers of the world: with several, producer-1 .. n */
    bool verbose;              /* also heartbeats, idle fetches and attempt records */
    const config *config;      /* optional, borrowed: fault names; NULL prints fault-<i> */
    uint64_t lines;            /* lines written */
    trace_fetch_link *links;   /* owned: open addressing on the link key, NULL before the
                                * first fetch */
    uint32_t link_count;       /* slots in use */
    uint32_t link_cap;         /* slots, a power of two (0 with links NULL) */
} tracer;

/* Sets t up to write to out in format, with no filter, quiet about idle traffic. */
void tracer_init(tracer *t, FILE *out, trace_format format);
/* Frees what the filters hold (the output stays the caller's to flush and close). */
void tracer_fini(tracer *t);

/* One line for a message being sent at t_ns (the network's on_send hook). payloads names
 * the record ids of Produce and Fetch batches; it may be NULL (then records are left out). */
void trace_message(tracer *t, int64_t t_ns, const proto_msg *m, const proto_payloads *payloads);

/* One line for a history record (the history's observer). payloads as above. */
void trace_history(tracer *t, const history_rec *r, const proto_payloads *payloads);

#endif
