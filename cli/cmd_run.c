/*
 * cmd_run.c: `kafkasim run`, one seeded run of a scenario, judged and reported.
 *
 *   kafkasim run [FILE.properties ...] [key=value ...] [--seed N] [--format text|json|csv]
 *                [--trace[=FILE]] [--trace-format text|jsonl] [--trace-node NODE]
 *                [--trace-record ID] [--explain[=N]] [--no-check]
 *                [--plot FILE.png|FILE.svg] [--window FROM..TO]
 *
 * Exit 0 when the simulation completed (anomalies are results, not errors), 1 when a model
 * invariant broke, the run did not drain or could not progress, 2 on bad input, 3 when memory
 * ran out (no verdict, no report).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault_parse.h"
#include "plot.h"
#include "report.h"
#include "scenario.h"

#define RUN_RECORD_ID_LIMIT CONFIG_RECORDS_MAX /* record ids are below workload.records' maximum */

enum run_option {
    RUN_OPT_SEED = 's',
    RUN_OPT_FORMAT = 'f',
    RUN_OPT_HELP = 'h',
    RUN_OPT_TRACE = 256,
    RUN_OPT_TRACE_FORMAT,
    RUN_OPT_TRACE_NODE,
    RUN_OPT_TRACE_RECORD,
    RUN_OPT_TRACE_PARTITION,
    RUN_OPT_EXPLAIN,
    RUN_OPT_NO_CHECK,
    RUN_OPT_PLOT,
    RUN_OPT_WINDOW,
    RUN_OPT_PLOT_DETAIL,
};

static const struct option run_options[] = {
    {"seed", required_argument, NULL, RUN_OPT_SEED},
    {"format", required_argument, NULL, RUN_OPT_FORMAT},
    {"trace", optional_argument, NULL, RUN_OPT_TRACE},
    {"trace-format", required_argument, NULL, RUN_OPT_TRACE_FORMAT},
    {"trace-node", required_argument, NULL, RUN_OPT_TRACE_NODE},
    {"trace-record", required_argument, NULL, RUN_OPT_TRACE_RECORD},
    {"trace-partition", required_argument, NULL, RUN_OPT_TRACE_PARTITION},
    {"explain", optional_argument, NULL, RUN_OPT_EXPLAIN},
    {"no-check", no_argument, NULL, RUN_OPT_NO_CHECK},
    {"plot", required_argument, NULL, RUN_OPT_PLOT},
    {"window", required_argument, NULL, RUN_OPT_WINDOW},
    {"plot-detail", no_argument, NULL, RUN_OPT_PLOT_DETAIL},
    {"help", no_argument, NULL, RUN_OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void run_usage(FILE *out) {
    fputs("Usage: kafkasim run [FILE.properties ...] [key=value ...] [OPTION...]\n"
          "Simulate one seeded run of a scenario and judge it.\n"
          "\n"
          "Later files and key=value arguments override earlier ones. Keys follow\n"
          "kafka.version (0.11 .. 4.3): its defaults apply, and a key the release does not have\n"
          "is refused with the release that brought it ('kafkasim config --kafka-version V\n"
          "--diff' lists what differs from 3.9). Known Kafka keys the model does not use\n"
          "(compression.type, client.id, bootstrap.servers, ssl.*, ...: 'kafkasim config\n"
          "--not-modelled') are accepted and listed as not modelled in the output, so a real\n"
          "producer.properties or server.properties can be given as it is.\n"
          "\n"
          "  -s, --seed N             the run seed (overrides sim.seed)\n"
          "  -f, --format FMT         text (default), json or csv (every field, its unit and\n"
          "                           the warnings: docs/reference.md)\n"
          "      --trace[=FILE]       one line per event, to FILE or standard output\n"
          "      --trace-format FMT   text (default) or jsonl\n"
          "      --trace-node NODE    only trace lines touching NODE (producer, producer-2,\n"
          "                           broker-2, controller, consumer-1, consumer-1.producer)\n"
          "      --trace-record ID    only trace lines carrying record ID\n"
          "      --trace-partition P  only trace lines about partition P (orders-3)\n"
          "      --explain[=N]        explain how each anomaly arose (at most N, default 10)\n"
          "      --no-check           do not walk the models' invariants after every event\n"
          "      --plot FILE          draw the run's timeline with gnuplot (FILE.png or\n"
          "                           FILE.svg; the gnuplot script is written as FILE.gp)\n"
          "      --window FROM..TO    the time range of the picture, e.g. 10ms..80ms; a long\n"
          "                           stretch without events is cut to a narrow band\n"
          "      --plot-detail        also draw what the picture hides: follower fetches\n"
          "                           without records, heartbeats, followers' hw labels\n"
          "  -h, --help               show this help and exit\n"
          "\n",
          out);
    fputs("Faults, one per key: fault.NAME=LINE, where LINE is one of\n"
          "  crash NODE at TIME [for DURATION]\n"
          "  crash NODE on STEP [n=K] [for DURATION]   STEP: leader.append, follower.fetch,\n"
          "                                           leader.hw-advance (a broker),\n"
          "                                           producer.send, producer.ack (a\n"
          "                                           producer); with transactions:\n"
          "                                           coordinator.prepare (PrepareCommit or\n"
          "                                           PrepareAbort durable, not yet\n"
          "                                           answered), coordinator.markers (a\n"
          "                                           WriteTxnMarkers sent),\n"
          "                                           coordinator.complete (the coordinator),\n"
          "                                           leader.marker-request (before the\n"
          "                                           marker), leader.marker (a leader),\n"
          "                                           producer.txn-flushed (before EndTxn),\n"
          "                                           producer.end-txn (a producer); the node\n"
          "                                           goes no further at these; with\n"
          "                                           consumers: consumer.polled,\n"
          "                                           consumer.processed (a record's side\n"
          "                                           effect and output send done),\n"
          "                                           consumer.commit,\n"
          "                                           consumer.committed, consumer.joining\n"
          "                                           (a consumer)\n"
          "  stop BROKER at TIME [for DURATION]       controlled shutdown: leadership moves away,\n"
          "                                           logs are flushed with a producer snapshot,\n"
          "                                           then the process stops (BROKER: leader,\n"
          "                                           follower, broker-N)\n"
          "  pause NODE at TIME for DURATION\n"
          "  pause CLIENT on STEP [n=K] for DURATION  a producer's or a consumer's steps\n"
          "                                           (producer.send, ...): at\n"
          "                                           producer.txn-flushed it holds EndTxn\n"
          "                                           until the pause ends\n"
          "  stall CONSUMER at TIME for DURATION      its application thread blocks; its\n"
          "  stall CONSUMER on STEP [n=K] for DURATION heartbeat thread runs on\n"
          "  partition A B at TIME for DURATION       (A -> B: one way only)\n"
          "  drop requests|responses A -> B p=PROB [from T1 to T2]\n"
          "  break requests|responses A -> B p=PROB [from T1 to T2]\n"
          "  delay requests|responses A -> B by DURATION [from T1 to T2]\n"
          "  powerloss all|BROKER at TIME [for DURATION]\n"
          "                                           BROKER: leader, follower, broker-N;\n"
          "                                           loses what the OS had not written\n"
          "                                           back (os.vm.dirty_*_centisecs)\n"
          "  restart PRODUCER at TIME                 PRODUCER: producer, producer-N\n"
          "  restart CONSUMER at TIME                 a new instance (a new group member)\n",
          out);
    fputs("NODE: leader, follower (of partition 0 of the first topic), leader of TOPIC-P,\n"
          "follower of TOPIC-P (of that partition, e.g. leader of orders-3; a step of theirs\n"
          "counts on that partition), broker-N, producer (the first), producer-N (1 ..\n"
          "workload.producers), controller, coordinator (the transaction coordinator of\n"
          "producer-1's transactional.id when the fault fires: the leader of its\n"
          "__transaction_state partition), coordinator of ID (of that transactional.id),\n"
          "consumer-N (1 .. workload.consumers: the application instance, its consumer and\n"
          "its producer), consumer of TOPIC-P (the instance holding that input partition\n"
          "when the fault fires; none: it does not fire; not in rules), group-coordinator\n"
          "(the leader of the group's __consumer_offsets partition when the fault fires).\n"
          "Times take ns, us, ms, s, min or h (1500ms, 2.5s, 3min, 1h).\n"
          "The network is TCP (Linux defaults). drop loses a segment: TCP resends it after\n"
          "the retransmission timeout (200 ms, doubling while resends are lost, at most\n"
          "120 s), and what was sent after it on the connection waits behind it; nothing is\n"
          "lost unless the kernel gives up (about 924.6 s). A partition holds the bytes and\n"
          "delivers them at the first retransmission after it heals; no connection is reset.\n"
          "break loses the message with its connection (a middlebox dropping it): nothing\n"
          "more arrives on that direction until request.timeout.ms closes the connection.\n"
          "A client's timeout closes gracefully: requests already sent still reach the\n"
          "broker, its answers are lost. A crashed process's messages already on the wire\n"
          "arrive, then its clients see the reset; after a power loss nobody is told.\n"
          "\n"
          "Exit status: 0 the run completed (anomalies are results), 1 an invariant broke or\n"
          "the run did not drain or made no progress (sim.max.stalled.events), 2 bad usage or\n"
          "input, 3 resources exhausted (sim.max.memory.mb): no verdict.\n",
          out);
}

static int run_usage_error(const char *msg) {
    fprintf(stderr, "kafkasim run: %s\nTry 'kafkasim run --help'.\n", msg);
    return CLI_EXIT_USAGE;
}

/* "producer", "producer-2", "controller", "broker-3", "consumer-1", "consumer-1.producer" ->
 * node id (producer-N is index N-1, as the fault language reads it); -1 when not a node name. */
static int run_parse_node(const char *name) {
    if (strcmp(name, "controller") == 0) return NODE_CONTROLLER;
    if (strcmp(name, "producer") == 0) return node_producer(0);
    int n = 0;
    char tail = 0;
    if (sscanf(name, "broker-%d%c", &n, &tail) == 1 && n >= 1 && n <= PROTO_BROKERS_MAX)
        return node_broker(n);
    if (sscanf(name, "producer-%d%c", &n, &tail) == 1 && n >= 1 && n <= PROTO_PRODUCERS_MAX)
        return node_producer(n - 1);
    char rest[16] = "";
    if (sscanf(name, "consumer-%d%15s", &n, rest) >= 1 && n >= 1 && n <= PROTO_CONSUMERS_MAX) {
        if (rest[0] == '\0') return node_consumer(n - 1);
        if (strcmp(rest, ".producer") == 0) return node_consumer_producer(n - 1);
    }
    return -1;
}

typedef struct run_args {
    const char *format;        /* text, json, csv */
    const char *trace_path;    /* NULL: no trace; "-": standard output */
    bool trace_jsonl;
    int trace_node;
    int64_t trace_record;
    const char *trace_partition; /* --trace-partition: a partition's name, NULL for all */
    int explain_limit;         /* 0: no explanation */
    bool check;
    const char *plot_path;     /* NULL: no picture */
    int64_t window_from_ns;    /* -1: from the start */
    int64_t window_to_ns;      /* -1: to the last event of interest */
    bool plot_detail;          /* --plot-detail */
    bool seed_set;
    unsigned long long seed;
} run_args;

/* Parses the options; leaves the inputs in argv[optind..]. Returns -1 or an exit code. */
static int run_parse(int argc, char **argv, run_args *a) {
    char err[256];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":s:f:h", run_options, NULL)) != -1) {
        switch (opt) {
        case RUN_OPT_SEED:
            if (cli_parse_u64("--seed", optarg, &a->seed, err, sizeof err) != 0)
                return run_usage_error(err);
            a->seed_set = true;
            break;
        case RUN_OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
                return run_usage_error("--format: allowed: text, json, csv");
            a->format = optarg;
            break;
        case RUN_OPT_TRACE: a->trace_path = optarg ? optarg : "-"; break;
        case RUN_OPT_TRACE_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "jsonl"))
                return run_usage_error("--trace-format: allowed: text, jsonl");
            a->trace_jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case RUN_OPT_TRACE_NODE:
            a->trace_node = run_parse_node(optarg);
            if (a->trace_node < 0)
                return run_usage_error("--trace-node: allowed: producer, producer-1 .. producer-8, "
                                       "controller, broker-1 .. broker-16, consumer-1 .. "
                                       "consumer-7, consumer-1.producer .. consumer-7.producer");
            break;
        case RUN_OPT_TRACE_PARTITION: a->trace_partition = optarg; break;
        case RUN_OPT_TRACE_RECORD: {
            unsigned long long id;
            if (cli_parse_u64("--trace-record", optarg, &id, err, sizeof err) != 0)
                return run_usage_error(err);
            if (id >= RUN_RECORD_ID_LIMIT) { /* no wrap to -1, "every record" */
                snprintf(err, sizeof err, "--trace-record: '%s' is out of range; allowed: a "
                         "record id, 0 .. %llu", optarg, RUN_RECORD_ID_LIMIT - 1);
                return run_usage_error(err);
            }
            a->trace_record = (int64_t)id;
            break;
        }
        case RUN_OPT_EXPLAIN: {
            unsigned long long n = 10;
            if (optarg && cli_parse_u64("--explain", optarg, &n, err, sizeof err) != 0)
                return run_usage_error(err);
            a->explain_limit = n > 100000 ? 100000 : (int)n;
            break;
        }
        case RUN_OPT_NO_CHECK: a->check = false; break;
        case RUN_OPT_PLOT: a->plot_path = optarg; break;
        case RUN_OPT_PLOT_DETAIL: a->plot_detail = true; break;
        case RUN_OPT_WINDOW:
            if (plot_window_parse(optarg, &a->window_from_ns, &a->window_to_ns, err,
                                  sizeof err) != 0)
                return run_usage_error(err);
            break;
        case RUN_OPT_HELP: run_usage(stdout); return CLI_EXIT_OK;
        default: return run_usage_error(cli_getopt_error(opt, argv, err, sizeof err));
        }
    }
    return -1;
}

int cmd_run(int argc, char **argv) {
    run_args a = {.format = "text", .trace_node = -1, .trace_record = -1, .check = true,
                  .window_from_ns = -1, .window_to_ns = -1};
    int rc = run_parse(argc, argv, &a);
    if (rc >= 0) return rc;

    config c;
    char err[512];
    if (cli_load_config(&c, argv + optind, argc - optind, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim run: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (a.seed_set) c.seed = a.seed;
    if (a.trace_record >= (int64_t)c.records) {
        fprintf(stderr, "kafkasim run: --trace-record: %lld is not a record id of this run; "
                "allowed: 0 .. %lld (workload.records=%lld)\n", (long long)a.trace_record,
                (long long)c.records - 1, (long long)c.records);
        return CLI_EXIT_USAGE;
    }

    /* The names the trace filters take, against this world. */
    fault_world world;
    fault_world_of(&c, &world);
    if (a.trace_node >= 0 && node_is_producer((node_id)a.trace_node) &&
        a.trace_node - NODE_PRODUCER_BASE >= world.producers) {
        fprintf(stderr, "kafkasim run: --trace-node: producer-%d does not exist "
                "(workload.producers=%d)\n", a.trace_node - NODE_PRODUCER_BASE + 1,
                world.producers);
        return CLI_EXIT_USAGE;
    }
    if (a.trace_node >= 0 &&
        (node_is_consumer((node_id)a.trace_node) ||
         node_is_consumer_producer((node_id)a.trace_node)) &&
        node_consumer_index((node_id)a.trace_node) >= c.consumers) {
        fprintf(stderr, "kafkasim run: --trace-node: consumer-%d does not exist "
                "(workload.consumers=%d)\n", node_consumer_index((node_id)a.trace_node) + 1,
                c.consumers);
        return CLI_EXIT_USAGE;
    }
    int trace_partition = 0;
    if (a.trace_partition) {
        char why[160] = "";
        int g = world.partition(world.ctx, a.trace_partition, why, sizeof why);
        if (g < 0) {
            fprintf(stderr, "kafkasim run: --trace-partition: no partition '%s'%s%s\n",
                    a.trace_partition, why[0] ? ": " : "", why);
            return CLI_EXIT_USAGE;
        }
        trace_partition = g + 1;
    }

    FILE *trace = NULL;
    if (a.trace_path) {
        trace = strcmp(a.trace_path, "-") == 0 ? stdout : fopen(a.trace_path, "w");
        if (!trace) {
            fprintf(stderr, "kafkasim run: --trace: %s: %s\n", a.trace_path, strerror(errno));
            return CLI_EXIT_USAGE;
        }
    }
    scenario_options so = {
        .trace_out = trace,
        .trace_jsonl = a.trace_jsonl,
        .trace_node = a.trace_node,
        .trace_record = a.trace_record,
        .trace_partition = trace_partition,
        .explain_out = a.explain_limit > 0 ? stdout : NULL,
        .explain_limit = a.explain_limit,
        .check_invariants = a.check,
    };
    /* Each partition's share of the verdict, for JSON's by_partition and the text's
     * partitions line (a world of one prints neither). */
    so.by_partition_count = (size_t)world.partitions;
    so.by_partition = calloc(so.by_partition_count, sizeof *so.by_partition);
    if (!so.by_partition) {
        fprintf(stderr, "kafkasim run: out of memory\n");
        return CLI_EXIT_EXHAUSTED;
    }
    plot pic;
    plot_init(&pic, a.window_from_ns, a.window_to_ns);
    pic.detail = a.plot_detail;
    if (a.plot_path) so.watch = &pic.watch;
    run_result r;
    int status = scenario_run(&c, &so, &r);
    if (trace && trace != stdout && cli_close(trace, a.trace_path, err, sizeof err) != 0) {
        fprintf(stderr, "kafkasim run: --trace: %s\n", err);
        plot_fini(&pic);
        free(so.by_partition);
        return CLI_EXIT_USAGE;
    }
    if (a.plot_path && status >= 0 && plot_render(&pic, a.plot_path, err, sizeof err) < 0) {
        fprintf(stderr, "kafkasim run: %s\n", err);
        plot_fini(&pic);
        free(so.by_partition);
        return CLI_EXIT_USAGE;
    }
    plot_fini(&pic);
    if (status < 0 && r.exhausted) {
        fprintf(stderr, "kafkasim run: resources exhausted: %s; no verdict (raise "
                        "sim.max.memory.mb or ask for less work)\n", r.failure);
        free(so.by_partition);
        return CLI_EXIT_EXHAUSTED;
    }
    if (status < 0) {
        fprintf(stderr, "kafkasim run: %s\n", r.failure[0] ? r.failure : "out of memory");
        free(so.by_partition);
        return CLI_EXIT_FAILED;
    }
    if (strcmp(a.format, "json") == 0) report_json(stdout, &c, &r);
    else if (strcmp(a.format, "csv") == 0) {
        report_csv_header(stdout, r.check.transactional != 0, r.check.consumers != 0);
        report_csv_row(stdout, &c, &r);
    } else report_text(stdout, &c, &r);
    if (r.invariant_broken) {
        fprintf(stderr, "kafkasim run: %s (seed %llu)\n", r.failure,
                (unsigned long long)r.seed);
        free(so.by_partition);
        return CLI_EXIT_FAILED;
    }
    free(so.by_partition);
    return CLI_EXIT_OK;
}
