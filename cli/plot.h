/*
 * plot.h: the timeline picture of one run (`kafkasim run --plot FILE.png|FILE.svg`).
 *
 * One horizontal lane per node (the producers on top, brokers 1..n, the controller at the
 * bottom), time in milliseconds left to right. In a world of several partitions, a replica's
 * marks (appends, high watermarks, truncations) take their partition's colour (twelve, then
 * again), their labels start with its name, and the legend maps colours to partitions. Arrows are messages from their send to their
 * arrival: Produce requests, Produce responses, replica fetches, and the rest (metadata,
 * InitProducerId, controller traffic) in a faint colour; a lost message ends in a cross. Marks
 * are what the history recorded: appends (leader and replica), high-watermark moves, crashes
 * and restarts (of brokers and of the producer), elections, ISR shrinks and expansions,
 * truncations, answers from the leader's producer-state cache (KIP-98's duplicate detection),
 * producer id and epoch changes, failed callbacks, faults by their key (fault.drop1), and a
 * bracket over each wait before a retry (retry.backoff.ms). A lost message ends in a cross just
 * before its receiver's lane, labelled with what it carried when it is a Produce message.
 * Appends and callbacks of records the checker counts as anomalies are drawn in their own
 * colour, and the title names the anomalies.
 *
 * Transactions: the requests of the protocol (FindCoordinator, AddPartitionsToTxn, EndTxn,
 * WriteTxnMarkers) in their own colour; the markers a leader writes (COMMIT or ABORT, at their
 * offset) and its last stable offset, coloured by partition as appends are; the application's
 * commit and abort as they returned, on the producer's lane; the coordinator's PrepareCommit,
 * PrepareAbort, CompleteCommit, CompleteAbort and fences on its broker's lane. The internal
 * partitions of __transaction_state (their appends, high watermarks, elections) are left out:
 * their batches hold the coordinator's state, which its own marks tell.
 *
 * The time axis is broken where nothing drawn happens for long (plot.c, "The broken time axis"):
 * such a stretch keeps a narrow grey band with a break mark (//) on the axis, the true times on
 * both sides of it are tick labels, and the data keep their true times (the script maps them to
 * the axis with bx(t), exact between the cuts).
 *
 * Consumers (workload.consumers > 0): a lane per application instance (consumer-k, its
 * consumer and its producer) on top; its polls, processed records, answered offset commits and
 * assignments on it, and each position it takes other than by polling (where it resumes a
 * partition: the committed offset, auto.offset.reset, a seek back); the group coordinator's
 * group states (a rebalance in its own mark), its members joining, leaving or expiring, and
 * each change of an input partition's committed offset on the coordinator's broker's lane
 * (so "committed at 12, crashed, the next owner resumes at 12" reads off the picture); the group requests
 * (JoinGroup, SyncGroup, LeaveGroup, OffsetCommit, OffsetFetch) in their own colour, the
 * consumers' heartbeats hidden as the brokers' are.
 *
 * Hidden by default, shown with detail: follower fetches that carry no records, broker
 * heartbeats, and the followers' high-watermark labels (the leader's say the same).
 * Callbacks of consecutive records with the same outcome at the same time share one label.
 *
 * The picture is a self-contained gnuplot script (data in inline blocks) written next to the
 * image (FILE.gp) and drawn with gnuplot's pngcairo or svg terminal. When gnuplot cannot be
 * run, the script is still written and one line says so.
 *
 * The plot copies what it draws while the run goes (messages) and when it is judged (history
 * records, anomalies), so it outlives the scenario. Memory is linear in the messages and
 * records inside the window.
 */
#ifndef KAFKASIM_PLOT_H
#define KAFKASIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault_parse.h"
#include "scenario.h"

typedef struct plot_msg {
    int64_t sent_ns;    /* when the sender handed it to the network */
    int64_t arrive_ns;  /* when it arrived, or was lost (== sent_ns when refused at send) */
    node_id from;       /* sender */
    node_id to;         /* receiver */
    uint8_t api;        /* proto_api */
    uint8_t is_response; /* 0 request, 1 response */
    uint8_t lost;       /* the receiver never saw it */
    uint8_t anomaly;    /* carries a record the checker counted */
    int16_t error;      /* error code of a response, 0 none */
    uint16_t attempt;   /* Produce request: 1 first send, 2 first retry, ... */
    uint16_t batches;   /* Fetch response: batches carried (0: an empty fetch) */
    int64_t offset;     /* Produce response: base offset; -1 none */
    uint32_t payload;   /* Produce request: payload id, UINT32_MAX none */
} plot_msg;

typedef struct plot_mark {
    int64_t time_ns;    /* when */
    node_id node;       /* lane */
    uint8_t kind;       /* plot_mark_kind (plot.c) */
    uint8_t anomaly;    /* concerns a record the checker counted */
    int8_t toward;      /* a lost message's cross: -1 below its lane, +1 above, 0 on it */
    int16_t error;      /* a failed callback's error code */
    uint16_t partition; /* the partition (global index) of a replica's mark */
    uint32_t id_first;  /* a callback mark: the first and last record id it stands for */
    uint32_t id_last;
    char label[64];     /* short text drawn beside the mark, may be empty */
} plot_mark;

typedef struct plot_gap {
    int64_t from_ns;    /* a batch's attempt failed and it was put back to retry */
    int64_t to_ns;      /* its next attempt was sent */
    node_id node;       /* the producer */
} plot_gap;

typedef struct plot {
    int64_t from_ns;        /* window start, ns; -1: from the first event of the run */
    int64_t to_ns;          /* window end, ns; -1: to the last interesting event */
    plot_msg *msgs;         /* owned, in the order their fate became known */
    size_t msg_count;       /* messages stored */
    size_t msg_capacity;    /* messages allocated */
    plot_mark *marks;       /* owned, in history order */
    size_t mark_count;      /* marks stored */
    size_t mark_capacity;   /* marks allocated */
    plot_gap *gaps;         /* owned: waits before a retry, in order of the retry */
    size_t gap_count;       /* gaps stored */
    size_t gap_capacity;    /* gaps allocated */
    bool detail;            /* draw what is hidden by default (empty fetches, heartbeats,
                             * followers' high-watermark labels) */
    uint8_t *anomalous;     /* owned: anomalous[id] = 1 + checker_anomaly of record id, 0 none */
    uint64_t records;       /* workload.records: the size of anomalous */
    uint64_t anomalies[CHECKER_ANOMALY_COUNT]; /* counted anomalies by kind */
    int brokers;            /* num.brokers: broker lanes */
    int producers;          /* workload.producers: producer lanes, above the brokers */
    int consumers;          /* workload.consumers: consumer lanes, above the producers */
    int partitions;         /* with several, a replica's marks take their partition's colour */
    int workload_partitions; /* g at or above it: internal partitions, left out of the picture */
    char (*partition_names)[FAULT_PARTITION_NAME_MAX]; /* owned, "orders-3" by index, when
                                                        * partitions > 1 */
    int64_t latency_ns;     /* network.latency.ms: draws messages lost at send */
    int64_t end_ns;         /* the last interesting event (not fetch or heartbeat), ns */
    char title[160];        /* the scenario in one line */
    char fault_names[CONFIG_FAULTS_MAX][CONFIG_FAULT_NAME_MAX]; /* fault.<name> by index */
    bool fault_restarts_producer[CONFIG_FAULTS_MAX]; /* the fault is "restart producer" */
    int fault_count;        /* entries of fault_names */
    bool failed;            /* memory ran out: the picture is incomplete */
    scenario_watch watch;   /* the hooks to hand to scenario_options.watch */
} plot;

/* Prepares an empty plot for the window [from_ns, to_ns] (-1: open on that side) and fills
 * p->watch; hand &p->watch to scenario_run. Never fails (memory is taken as the run goes). */
void plot_init(plot *p, int64_t from_ns, int64_t to_ns);
/* Frees what the plot holds. */
void plot_fini(plot *p);

/* Parses a window "FROM..TO" where each side is a number with a unit (us, ms, s, min, h) or empty
 * ("..200ms", "50ms.."). Returns 0, or -1 with a message in err on bad text or FROM > TO. */
int plot_window_parse(const char *text, int64_t *from_ns, int64_t *to_ns, char *err,
                      size_t err_len);

/* Turns the records of h into marks (payloads name a batch's record ids), as the judged run
 * does; set brokers, producers, consumers and partition names first. For pictures of a
 * hand-built history. */
void plot_read_history(plot *p, const history *h, const proto_payloads *payloads);

/* Writes the gnuplot script next to image_path (same name, extension .gp) and draws the image
 * (pngcairo for .png, svg for .svg) with gnuplot from PATH. Returns 0 when the image was drawn,
 * 1 when gnuplot could not be run (one line on stderr says so; the script is written), -1 with
 * a message in err when the script cannot be written, the extension is not .png or .svg, or
 * gnuplot failed. */
int plot_render(const plot *p, const char *image_path, char *err, size_t err_len);

#endif
