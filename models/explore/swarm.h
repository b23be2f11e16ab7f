/*
 * swarm.h: fault mixes for property checks. Swarm testing (Groce et al., "Swarm Testing",
 * ISSTA 2012; the VOPR of TigerBeetle draws its fault mix the same way) gives every seed its
 * own small mix of fault kinds instead of one fixed blend, so rare combinations get runs of
 * their own. Also here: shrinking a failing scenario to a small one, and writing a scenario as
 * a .properties file that `kafkasim run` replays.
 *
 * A mix is drawn from (seed, the base configuration) alone, with its own PCG32 stream
 * (SWARM_STREAM_ID), and is written as fault.swarmN lines of the fault language
 * (architecture.md), so the printout of a run replays it exactly without drawing again.
 *
 * Power loss (of every broker or of one) is left out unless SWARM_POWERLOSS is in the kinds:
 * Kafka's
 * documented guarantee (acks=all, min.insync.replicas=2, clean elections) is about crash-stop
 * failures of fewer than min.insync.replicas brokers, not about power loss, which loses
 * page-cache writes on every replica it takes, and with one broker's can still lose when that
 * broker is the last of the ISR (kafka-semantics.md 2.7, 2.8; KIP-966). A crash of
 * the producer process is never drawn (it would leave records without a callback for good);
 * `restart producer` is, since a new producer session is the documented duplicate case (S11).
 * A broker's controlled shutdown (`stop`, an operator's rolling restart rather than a failure)
 * is drawn only when SWARM_STOP is in the kinds. `break` (SWARM_BREAK) is drawn by default: it
 * took over the connection-breaking loss the old `drop` stood for (a `drop` is now a segment
 * loss that TCP resends), so the default mixes keep covering lost connections, though a seed's
 * default mix is no longer the one drawn before `break` existed. In a world with consumers
 * (workload.consumers > 0) the kinds also draw them: a crash (always healed), pause or stall of
 * consumer-<n> at a time or at its n-th consumer.processed step, a cut between it and a leader
 * or the group coordinator, a restart of an instance, and `group-coordinator` among the
 * brokers; a world without consumers draws exactly what it drew before they existed.
 *
 * Shrinking is greedy and deterministic (as in QuickCheck and Hypothesis, without randomness):
 * remove each fault; move each time earlier and shorten each duration by halving; halve each
 * n=k; turn a power loss of every broker into one of the leader; halve workload.records;
 * repeat while anything changed. A change is kept when the caller's
 * judge says the same kind of violation persists with the same seed.
 */
#ifndef KAFKASIM_SWARM_H
#define KAFKASIM_SWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define SWARM_STREAM_ID 0x5357524dULL /* "SWRM": the mix's PCG32 stream, apart from models' */
#define SWARM_FAULTS_MAX 8            /* faults in one mix */

/* Fault kinds a mix may contain (a bit set). */
typedef enum swarm_kind {
    SWARM_CRASH = 1u << 0,            /* crash leader/follower/broker-n, at a time or on a step */
    SWARM_PAUSE = 1u << 1,            /* pause a broker or the producer (a GC pause) */
    SWARM_PARTITION = 1u << 2,        /* cut two nodes apart, both ways or one way */
    SWARM_DROP = 1u << 3,             /* drop requests or responses with a probability */
    SWARM_DELAY = 1u << 4,            /* delay requests or responses */
    SWARM_RESTART_PRODUCER = 1u << 5, /* a new producer session */
    SWARM_POWERLOSS = 1u << 6,        /* every broker, or one, loses its unwritten tail */
    SWARM_BREAK = 1u << 7,            /* lose requests or responses with their connection */
    SWARM_STOP = 1u << 8,             /* a broker's controlled shutdown, then a restart */
} swarm_kind;

#define SWARM_KINDS_ALL 0x1ffu
#define SWARM_KINDS_DEFAULT (SWARM_KINDS_ALL & ~(unsigned)(SWARM_POWERLOSS | SWARM_STOP))

typedef struct swarm_options {
    unsigned kinds;  /* swarm_kind bits that may be drawn; 0 means SWARM_KINDS_DEFAULT */
    int faults_max;  /* a mix has 1..faults_max faults (1 .. SWARM_FAULTS_MAX; 0 means 4) */
} swarm_options;

/* One drawn mix: fault lines of the fault language. */
typedef struct swarm_mix {
    int count;                                        /* faults drawn */
    char text[SWARM_FAULTS_MAX][CONFIG_FAULT_TEXT_MAX]; /* one fault line each */
    int64_t horizon_ns;                               /* the run length times were drawn in */
} swarm_mix;

/* The expected length of the workload in simulated ns, from workload.records and
 * workload.rate (or, at rate 0, batches, in-flight requests and network latency); at least
 * 100 ms. Fault times are drawn within it. */
int64_t swarm_horizon_ns(const config *c);

/* Draws the mix of seed for base (read for brokers, records, rate and latency). Same (seed,
 * base, options): same mix, on every platform. */
void swarm_draw(uint64_t seed, const config *base, const swarm_options *o, swarm_mix *out);

/* Appends the mix to c as fault.swarm1, fault.swarm2, ... (skipping names c already has).
 * Returns 0, or -1 with a message when c has no room (CONFIG_FAULTS_MAX). */
int swarm_apply(config *c, const swarm_mix *mix, char *err, size_t err_len);

/* Parses "crash,partition,drop" (kind names: crash, pause, partition, drop, break, delay,
 * restart-producer, powerloss, or "all") into a bit set. Returns 0, or -1 with a message. */
int swarm_kinds_parse(const char *text, unsigned *kinds, char *err, size_t err_len);

/* ---- Shrinking ---------------------------------------------------------------------------- */

/* Runs c (its seed included) and returns the kind of violation seen: 0 for none, any positive
 * number for a kind the caller defines. */
typedef int (*swarm_judge_fn)(void *ctx, const config *c);

typedef struct swarm_shrink_stats {
    int runs;             /* judged candidates */
    int faults_before;    /* faults in the scenario given */
    int faults_after;     /* faults in the minimal scenario */
    uint64_t records_before; /* workload.records given */
    uint64_t records_after;  /* workload.records of the minimal scenario */
} swarm_shrink_stats;

/* Shrinks c in place while judge keeps returning kind (the violation c shows), judging at most
 * runs_max candidates. c must be a finished config whose faults parse. Deterministic: the same
 * c, kind and judge give the same result. */
void swarm_shrink(config *c, int kind, swarm_judge_fn judge, void *ctx, int runs_max,
                  swarm_shrink_stats *stats);

/* ---- Scenario files ----------------------------------------------------------------------- */

/* Writes c as a .properties text that loads back to the same configuration: a comment header
 * (comment_lines, each prefixed with "# "; may be NULL), kafka.version, every key whose value
 * differs from the defaults of c's version, then the faults. The seed is left out: the replay
 * command names it. Returns 0, or -1 when out could not be written. */
int swarm_scenario_write(const config *c, const char *comment, FILE *out);

/* The fault language's times are read by fault_time_parse (fault_parse.h). Written back here:
 * the shortest exact form in s, ms or us (rounded down to whole us); returns buf. */
char *swarm_time_format(int64_t ns, char *buf, size_t len);

#endif
