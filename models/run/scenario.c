/*
 * scenario.c: one run, from a finished configuration to a verdict.
 *
 * Wiring: the kernel world; the network; the controller (node 0); brokers 1..num.brokers, each
 * topic's partitions placed as Kafka's placer of the metadata mode and release places them
 * (placement.h: without sim.placement.random a one-partition topic sits on brokers
 * 1..replication.factor in that order, the assignment order clean elections follow); one producer with its application, bootstrapping from every
 * broker; the fault runtime; the history every node writes to. With workload.consumers = n, also
 * the application instances consumer-1 .. consumer-n (pipeline.h: a consumer of the group, the
 * loop of workload.pipeline and the external sink they share), each broker's group
 * coordinator, and the pipeline judge (pipeline_checker.h) after the ordinary one.
 *
 * The cluster starts at time 0: the controller elects the first replica and pushes the
 * partition state to every broker. The application starts once that has arrived everywhere,
 * at scenario_start_ns() (10 ms, or four one-way latencies if that is longer), as a producer
 * starts against a cluster that is already up. Fault times count from time 0.
 *
 * A run ends when it has drained: the application has a final outcome for every record (or the
 * producer is gone for good), no fault is active any more, and the leader's high watermark has
 * caught up with its log end offset. If replication cannot settle (for example the ISR stays
 * below min.insync.replicas from 3.7 on), the run stops SCENARIO_SETTLE_NS after the producer
 * finished and judges what is committed then. The checker then reads each partition's final
 * leader's log below its high watermark (checker_input.partitions; partition 0's also in the
 * one-partition fields). The drain waits for every partition's leader to have its high
 * watermark at its log end offset; the check that committed records never change across
 * leaders watches partition 0.
 *
 * With invariant checking on, the run also checks that committed records never change across
 * leaders (when the configuration promises it: clean elections, no power loss), besides every
 * model's own invariants.
 */
#define _DEFAULT_SOURCE /* sysconf(_SC_PHYS_PAGES): the machine's memory, for the default bound */

#include "scenario.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "broker.h"
#include "checker.h"
#include "controller.h"
#include "explain.h"
#include "faults.h"
#include "group_records.h"
#include "group_coordinator.h"
#include "history.h"
#include "network.h"
#include "pipeline.h"
#include "pipeline_checker.h"
#include "placement.h"
#include "producer.h"
#include "protocol.h"
#include "trace.h"
#include "txn_checker.h"
#include "txn_coordinator.h"

/* One partition's committed prefix (see "Committed records never change"). */
typedef struct scenario_committed {
    uint32_t *ids;    /* ids[offset] = record id */
    int64_t count;    /* records in the prefix (= that high watermark), records */
    int64_t capacity; /* ids allocated, records */
    int leader;       /* leader the prefix was last verified against, -1 none */
} scenario_committed;

/* PCG32 component ids: fixed, so adding a component never shifts another's numbers. */
enum scenario_stream {
    STREAM_NETWORK = 1,
    STREAM_PRODUCER = 16,  /* + producer index */
    STREAM_BROKER = 64,    /* + broker id */
    STREAM_PLACEMENT = 96, /* sim.placement.random: the placers' draws */
};

#define SCENARIO_DRAIN_TICK_NS (10 * SIM_MS) /* how often the run asks "drained yet?" */
#define SCENARIO_SETTLE_NS (120 * SIM_S)     /* replication may take this long after the end */
#define SCENARIO_HISTORY_WINDOW 4096         /* records (160 KiB) the checker takes at a time */

struct scenario {
    config cfg;                 /* the effective configuration (a copy) */
    scenario_options opt;       /* copied */
    sim_world world;
    net *net;                   /* owned; NULL until scenario_build reaches it */
    history history;
    /* Fed the history as it fills when nothing reads the history back after the run (no
     * explainer, no watcher): see scenario_build. */
    checker_stream checker;
    bool checker_streams;
    /* A transactional run (config_transactional): the history also goes to txn, and the run is
     * judged on a consumer's view (txn_checker.h); its drain waits for stable offsets. */
    bool transactional;
    txn_stream txn;
    proto_payloads payloads;
    controller ctl;
    /* Index = broker id, 1..num.brokers; slot 0 is never touched. Allocated apart and for
     * this run's brokers only (a broker is about 8 KiB): a scenario holding room for
     * PROTO_BROKERS_MAX of them would have each run of a sweep clear brokers it never uses. */
    broker *brokers;
    int brokers_begun;          /* brokers 1..brokers_begun went through broker_init */
    int *replica_counts;        /* owned: replicas of each partition g (scenario_place) */
    /* Producers 0 .. producer_count - 1 (workload.producers), node_producer(index). */
    producer *prods;            /* owned; producers_begun of them went through producer_init */
    int producer_count;         /* workload.producers */
    int producers_begun;        /* producers that went through producer_init */
    config *cons_cfgs;          /* owned: each instance's configuration when some instance has
                                 * consumer-<n>.<key> lines, else NULL */
    config *prod_cfgs;          /* owned: each producer's configuration when some producer has
                                 * producer-<n>.<key> lines, else NULL (all use cfg) */
    fault_runtime faults;
    tracer *trace;              /* owned; NULL unless --trace is on */
    bool producer_gone[PROTO_PRODUCERS_MAX]; /* crashed with no restart: nothing more will be
                                              * answered, by producer index */
    uint16_t kind_drain;        /* kernel kind of the drain check */
    uint16_t kind_start;        /* kernel kind of the application's start */
    int64_t quiet_after_ns;     /* no fault is active after this time */
    int64_t producer_done_ns;   /* when the application had every outcome, -1 before */
    int *last_leaders;          /* owned: last leader of each partition the drain check saw */
    checker_log *finals;        /* owned: each partition's final log, for the checker */
    bool settled;               /* the leader's high watermark caught up at the last check */
    /* The committed prefix (see scenario_committed_*): record ids by offset, below the highest
     * high watermark any leader published. */
    bool committed_promised;    /* the configuration promises committed records never change */
    scenario_committed *committed; /* owned: each partition's committed prefix, by g */
    txn_records txn_records;    /* the __transaction_state records the brokers share */
    group_records group_records; /* the __consumer_offsets records the brokers share */
    /* Consumers (config_consumers): the application instances consumer-1 .. consumer-n
     * (pipeline.h), node_consumer(i), and the external system they apply effects to. */
    pipeline **pipes;           /* owned: pipe_count of them */
    int pipe_count;             /* workload.consumers */
    pipeline_sink sink;         /* workload.sink, shared by the instances */
    pipeline_stream pstream;    /* the pipeline judge's share of the history */
};

/* ---- Fault operations --------------------------------------------------------------------- */

/* The producer that is node, or NULL when node is none of this run's producers. */
static producer *scenario_producer_of(scenario *s, node_id node) {
    if (!node_is_producer(node)) return NULL;
    int index = node - NODE_PRODUCER_BASE;
    return index < s->producer_count ? &s->prods[index] : NULL;
}

/* The application instance that is node (consumer-k), or NULL when node is none of this run's
 * consumers. */
static pipeline *scenario_pipe_of(scenario *s, node_id node) {
    if (!node_is_consumer(node)) return NULL;
    int index = node_consumer_index(node);
    return index < s->pipe_count ? s->pipes[index] : NULL;
}

/* The leader of partition g as the controller has it now (fault_spec_resolve accepts only the
 * partitions of the world's table). */
static int scenario_op_leader(void *ctx, int partition) {
    scenario *s = ctx;
    SIM_ASSERT(&s->world, partition >= 0 && partition < s->ctl.partition_count);
    return controller_partition_state(&s->ctl, partition)->leader;
}

/* The first live replica of partition g in assignment order that is not the leader. */
static int scenario_op_follower(void *ctx, int partition) {
    scenario *s = ctx;
    int leader = scenario_op_leader(ctx, partition);
    const controller_partition *p = &s->ctl.partitions[partition];
    for (int r = 0; r < p->replica_count; r++) {
        int b = p->replica_order[r];
        if (b != leader && broker_alive(&s->brokers[b])) return b;
    }
    return -1;
}

static void scenario_op_crash(void *ctx, node_id node, bool powerloss) {
    scenario *s = ctx;
    if (powerloss) history_power_loss(&s->history, sim_now(&s->world), node);
    else history_crash(&s->history, sim_now(&s->world), node, true);
    if (node_is_broker(node)) {
        if (powerloss) {
            broker_power_fail(&s->brokers[node]); /* history.power_losses excuses the rest */
        } else if (broker_alive(&s->brokers[node])) {
            broker_crash(&s->brokers[node], false);
        }
    } else if (scenario_producer_of(s, node)) {
        producer_crash(scenario_producer_of(s, node));
        s->producer_gone[node - NODE_PRODUCER_BASE] = true;
    } else if (scenario_pipe_of(s, node)) {
        pipeline_crash(scenario_pipe_of(s, node));
    }
}

/* A broker's controlled shutdown begins; the broker records its stop when the controller lets
 * it go (history_stop). */
static void scenario_op_stop(void *ctx, node_id node) {
    scenario *s = ctx;
    if (node_is_broker(node) && broker_alive(&s->brokers[node])) broker_stop(&s->brokers[node]);
}

static void scenario_op_restart(void *ctx, node_id node) {
    scenario *s = ctx;
    /* A stop whose duration ends before the controller let the broker go stops it now. */
    if (node_is_broker(node) && broker_alive(&s->brokers[node]) && s->brokers[node].stopping)
        broker_stop_now(&s->brokers[node]);
    history_crash(&s->history, sim_now(&s->world), node, false);
    if (node_is_broker(node)) {
        if (!broker_alive(&s->brokers[node])) broker_restart(&s->brokers[node]);
    } else if (scenario_producer_of(s, node)) {
        producer_restart(scenario_producer_of(s, node));
        s->producer_gone[node - NODE_PRODUCER_BASE] = false;
    } else if (scenario_pipe_of(s, node)) {
        pipeline_restart(scenario_pipe_of(s, node));
    }
}

static void scenario_op_pause(void *ctx, node_id node, int64_t until_ns) {
    scenario *s = ctx;
    if (node_is_broker(node)) broker_pause(&s->brokers[node], until_ns);
    else if (scenario_producer_of(s, node)) producer_pause(scenario_producer_of(s, node), until_ns);
    else if (scenario_pipe_of(s, node)) pipeline_pause(scenario_pipe_of(s, node), until_ns);
}

static void scenario_op_stall(void *ctx, node_id node, int64_t until_ns) {
    scenario *s = ctx;
    if (scenario_pipe_of(s, node)) pipeline_stall(scenario_pipe_of(s, node), until_ns);
}

/* The instance whose consumer holds input partition g now, the first in index order. */
static int scenario_op_consumer_of(void *ctx, int partition) {
    scenario *s = ctx;
    for (int i = 0; i < s->pipe_count; i++)
        if (pipeline_holds(s->pipes[i], partition)) return i;
    return -1;
}

static void scenario_op_restart_consumer(void *ctx, int index) {
    scenario *s = ctx;
    if (index >= 0 && index < s->pipe_count) pipeline_restart(s->pipes[index]);
}

static void scenario_op_restart_producer(void *ctx, int index) {
    scenario *s = ctx;
    if (index < 0 || index >= s->producer_count) return;
    producer_restart(&s->prods[index]);
    s->producer_gone[index] = false;
}

static node_id scenario_resolve(void *ctx, int selector) {
    int g = net_select_partition(selector);
    int b = net_select_is_leader(selector) ? scenario_op_leader(ctx, g)
                                           : scenario_op_follower(ctx, g);
    return b > 0 ? node_broker(b) : NODE_NONE;
}

/* ---- Invariants and the end of the run ---------------------------------------------------- */

/* The full walk of every model's invariants, once at the end of a run. */
static void scenario_check(scenario *s) {
    controller_check(&s->ctl);
    for (int b = 1; b <= s->cfg.num_brokers; b++) broker_check(&s->brokers[b]);
    for (int i = 0; i < s->producer_count; i++) producer_check(&s->prods[i]);
}

/* The same invariants at O(1) amortised cost, after every event: each model checks what
 * changed since the last call (broker_check_recent, producer_check_recent); the controller's
 * check is already O(partitions). */
static void scenario_check_recent(scenario *s) {
    controller_check(&s->ctl);
    for (int b = 1; b <= s->cfg.num_brokers; b++) broker_check_recent(&s->brokers[b]);
    for (int i = 0; i < s->producer_count; i++) producer_check_recent(&s->prods[i]);
    for (int i = 0; i < s->pipe_count; i++) pipeline_check_recent(s->pipes[i]);
}

/* ---- Committed records never change ------------------------------------------------------
 *
 * A record below a high watermark that a leader published is committed: every member of the
 * ISR had it when the high watermark passed it (Partition.maybeIncrementLeaderHW), and a clean
 * election picks a new leader from the ISR (KRaft PartitionChangeBuilder; KIP-101 and KIP-279
 * truncate followers by leader epoch, never below the high watermark they were told). So every
 * later leader holds the same records at the same offsets. The promise does not hold with
 * unclean.leader.election.enable (an out-of-sync replica becomes leader, KAFKA-1211 and
 * kafka-semantics.md S6) nor after a power loss (the committed tail may sit unflushed in the
 * page cache of every replica, S7): there the check stays off. */

/* True when the configuration promises that committed records never change. Each partition
 * keeps its own prefix and is checked against its own leaders. */
static bool scenario_committed_promised(const config *c, const fault_runtime *faults) {
    if (c->unclean_leader_election) return false;
    for (int i = 0; i < faults->count; i++)
        if (faults->specs[i].kind == FAULT_POWERLOSS) return false;
    return true;
}

/* The batch of log (count batches, offset order) holding offset, or NULL. */
static const proto_batch *scenario_batch_at(const proto_batch *log, size_t count, int64_t offset) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (proto_batch_last_offset(&log[mid]) < offset) lo = mid + 1;
        else hi = mid;
    }
    if (lo == count || log[lo].base_offset > offset) return NULL;
    return &log[lo];
}

/* What the committed prefix holds at the offset of a control batch (an end-transaction
 * marker, whose payload is a coordinator epoch, not a payload id): no record id; the marker's
 * kind and producer epoch must match on every leader instead. */
#define SCENARIO_MARKER_ID(b)                                                                \
    (0x80000000u | ((b)->flags & PROTO_BATCH_COMMIT ? 0x40000000u : 0) |                    \
     ((uint32_t)(b)->producer_epoch & 0xffffu))

/* What it holds at an offset of an internal topic's partition (__transaction_state), whose
 * payloads index the coordinator's own records, not the arena of record ids: that index, so
 * that leaders must agree on it. */
#define SCENARIO_STATE_ID(b, k) (0xc0000000u | (((b)->payload + (uint32_t)(k)) & 0x3fffffffu))

/* The record id at offset in log (a broker's count batches of partition g, offset order): for
 * a control batch, its SCENARIO_MARKER_ID; in an internal topic, SCENARIO_STATE_ID; false when
 * the log has no record there. *at is the batch the previous offset was found in, or NULL: an
 * offset at or past its base is looked for from there on, so that a walk up a log's offsets
 * reads each batch once instead of searching the whole log for every offset (the walk after
 * every event spent a quarter of a reference run's instructions in that search); *at becomes
 * the batch of this offset (NULL when it has none). */
static bool scenario_record_in(const scenario *s, int g, const proto_batch *log, size_t count,
                               const proto_batch **at, int64_t offset, uint32_t *id) {
    const proto_batch *batch = *at, *end = log + count;
    if (batch && batch >= log && batch < end && batch->base_offset <= offset) {
        while (batch < end && proto_batch_last_offset(batch) < offset) batch++;
        if (batch == end || batch->base_offset > offset) batch = NULL;
    } else {
        batch = scenario_batch_at(log, count, offset);
    }
    *at = batch;
    if (!batch) return false;
    if (proto_batch_is_control(batch)) {
        *id = SCENARIO_MARKER_ID(batch);
        return true;
    }
    if (topic_table_internal(&s->cfg.topics, g)) {
        *id = SCENARIO_STATE_ID(batch, offset - batch->base_offset);
        return true;
    }
    proto_ids ids = proto_payload_ids(&s->payloads, batch->payload);
    int64_t k = offset - batch->base_offset;
    if (k >= (int64_t)ids.n) return false;
    *id = proto_ids_at(&ids, (uint32_t)k);
    return true;
}

/* "orders-3: " before a message about partition g in a world of several, "" in a world of
 * one (its messages read as they always did). */
static const char *scenario_partition_prefix(const scenario *s, int g, char *buf, size_t len) {
    char name[TOPIC_NAME_MAX + 8];
    if (s->cfg.topics.partition_count <= 1) snprintf(buf, len, "%s", "");
    else snprintf(buf, len, "%s: ", topic_table_name(&s->cfg.topics, g, name, sizeof name));
    return buf;
}

/* Extends g's prefix to leader b's high watermark when it published a higher one. */
static void scenario_committed_extend(scenario *s, int g, int b) {
    scenario_committed *c = &s->committed[g];
    int64_t hw = broker_high_watermark(&s->brokers[b], g);
    if (hw <= c->count) return;
    if (hw > c->capacity) {
        int64_t cap = c->capacity ? c->capacity : 256;
        while (cap < hw) cap *= 2;
        uint32_t *ids = sim_realloc_large(c->ids, (size_t)cap * sizeof *ids);
        if (!ids) {
            sim_exhaust(&s->world, "scenario: out of memory for the committed prefix");
            return;
        }
        c->ids = ids;
        c->capacity = cap;
    }
    char at[TOPIC_NAME_MAX + 16];
    size_t count = 0;
    const proto_batch *log = broker_log(&s->brokers[b], g, &count), *batch = NULL;
    for (int64_t o = c->count; o < hw; o++) {
        if (!scenario_record_in(s, g, log, count, &batch, o, &c->ids[o])) {
            sim_fail(&s->world, "%sbroker-%d: high watermark %lld but no record at offset %lld",
                     scenario_partition_prefix(s, g, at, sizeof at), b, (long long)hw,
                     (long long)o);
            return;
        }
    }
    c->count = hw;
}

/* Fails the run unless broker b's log of g holds exactly g's committed prefix. */
static void scenario_committed_verify(scenario *s, int g, int b) {
    const scenario_committed *c = &s->committed[g];
    char at[TOPIC_NAME_MAX + 16];
    size_t count = 0;
    const proto_batch *log = broker_log(&s->brokers[b], g, &count), *batch = NULL;
    for (int64_t o = 0; o < c->count; o++) {
        uint32_t id = 0;
        if (!scenario_record_in(s, g, log, count, &batch, o, &id)) {
            sim_fail(&s->world, "%scommitted record %u at offset %lld is missing on leader "
                     "broker-%d", scenario_partition_prefix(s, g, at, sizeof at), c->ids[o],
                     (long long)o, b);
            return;
        }
        if (id != c->ids[o]) {
            sim_fail(&s->world, "%scommitted record %u at offset %lld is record %u on leader "
                     "broker-%d", scenario_partition_prefix(s, g, at, sizeof at), c->ids[o],
                     (long long)o, id, b);
            return;
        }
    }
}

/* After every event: grow each partition's prefix from every broker that leads it, verify a
 * new leader. O(partitions x brokers) per event, with invariant checking on only. */
static void scenario_committed_check(scenario *s) {
    if (!s->committed_promised || s->world.status == SIM_FAILED) return;
    for (int g = 0; g < s->ctl.partition_count; g++) {
        for (int b = 1; b <= s->cfg.num_brokers; b++)
            if (broker_alive(&s->brokers[b]) && broker_partition_leader(&s->brokers[b], g) == b)
                scenario_committed_extend(s, g, b);
        int leader = controller_partition_state(&s->ctl, g)->leader;
        if (leader > 0 && leader != s->committed[g].leader) {
            s->committed[g].leader = leader;
            scenario_committed_verify(s, g, leader);
        }
    }
}

/* Kernel hook after every event, when invariant checking is on. */
static void scenario_on_event(void *ctx, const sim_world *w, const sim_event *ev) {
    (void)w;
    (void)ev;
    scenario_check_recent(ctx);
    scenario_committed_check(ctx);
}

/* Every partition has a live leader whose high watermark reached its log end offset. */
static bool scenario_settled(scenario *s) {
    bool settled = true;
    for (int g = 0; g < s->ctl.partition_count; g++) {
        int leader = controller_partition_state(&s->ctl, g)->leader;
        if (leader <= 0 || !broker_alive(&s->brokers[leader])) {
            settled = false;
            continue;
        }
        s->last_leaders[g] = leader;
        settled = settled && broker_high_watermark(&s->brokers[leader], g) ==
                                 broker_log_end_offset(&s->brokers[leader], g);
    }
    return settled;
}

/* The leader whose log the checker reads for partition g: the current one, else the last one
 * the drain check saw (its log is still on its disk). */
static int scenario_final_leader(const scenario *s, int g) {
    int leader = controller_partition_state(&s->ctl, g)->leader;
    return leader > 0 ? leader : s->last_leaders[g];
}

/* ---- Transactional runs ------------------------------------------------------------------
 *
 * A transaction is decided by its coordinator and made visible by markers that the partition
 * leaders write after the commit was answered (TransactionCoordinator.endTransaction replies
 * before TransactionMarkerChannelManager sends them): a run whose application is done may
 * still have transactions open on partitions, closed later by markers, a coordinator's
 * failover re-sending them, or the timeout abort of an abandoned transaction (every
 * transaction.abort.timed.out.transaction.cleanup.interval.ms, once transaction.timeout.ms
 * passed). So the drain also waits until no coordinator holds a transaction open and every
 * workload partition's last stable offset reached its high watermark, for at most the time
 * such an abort takes after the run went quiet: transaction.timeout.ms + the cleanup interval
 * + three request timeouts (Kafka flags a transaction as late only after
 * transaction.max.timeout.ms + 5 min, ProducerStateManager.hasLateTransaction; a run does not
 * wait that long). Whatever is still open then is judged as it stands (hanging_transactions). */

/* The workload's partitions: g 0 .. n - 1 (internal topics come after them). */
static int scenario_workload_partitions(const config *c) { return c->topics.workload_partitions; }

/* Some coordinator holds transactional id i's transaction open: Ongoing, PrepareCommit or
 * PrepareAbort (markers still going out), or a transition pending. A coordinator that is down
 * or still loading tells nothing here; the partitions' offsets still do. */
static bool scenario_txn_open(scenario *s, int i) {
    int leader = controller_partition_state(&s->ctl, s->cfg.txn_partition[i])->leader;
    if (leader <= 0 || !broker_alive(&s->brokers[leader]) || !s->brokers[leader].txn)
        return false;
    txn_view v;
    if (!txn_coord_view(s->brokers[leader].txn, i, &v)) return false;
    return v.pending >= 0 || v.state == TXN_ONGOING || v.state == TXN_PREPARE_COMMIT ||
           v.state == TXN_PREPARE_ABORT;
}

/* No coordinator holds a transaction open, and every workload partition's leader has its last
 * stable offset, recomputed from its log as the judge does (txn_last_stable_offset), at its
 * high watermark. */
static bool scenario_stable(scenario *s) {
    for (int i = 0; i < s->cfg.txn_id_count; i++)
        if (scenario_txn_open(s, i)) return false;
    for (int g = 0; g < scenario_workload_partitions(&s->cfg); g++) {
        int leader = controller_partition_state(&s->ctl, g)->leader;
        if (leader <= 0 || !broker_alive(&s->brokers[leader])) return false;
        size_t count = 0;
        const proto_batch *log = broker_log(&s->brokers[leader], g, &count);
        int64_t hw = broker_high_watermark(&s->brokers[leader], g);
        if (txn_last_stable_offset(log, count, hw, NULL) < hw) return false;
    }
    return true;
}

/* A transactional run is quiet only once the last message a delay fault held has arrived (the
 * window's end plus the delay): a produce request delivered after its transaction aborted is
 * how a transaction hangs (KIP-890's motivation), and a run that stopped while it was still on
 * the wire would never see it land. Runs without transactions keep the window's end. */
static int64_t scenario_txn_quiet_after(const scenario *s) {
    int64_t end = s->quiet_after_ns;
    for (int i = 0; i < s->faults.count; i++) {
        const fault_spec *f = &s->faults.specs[i];
        if (f->kind != FAULT_DELAY || f->to_ns == SIM_TIME_NEVER) continue;
        if (f->to_ns + f->delay_ns > end) end = f->to_ns + f->delay_ns;
    }
    return end;
}

/* How long a transactional run may wait, once quiet, for its transactions to close. */
static int64_t scenario_txn_settle_ns(const config *c) {
    int64_t ns = c->transaction_timeout_ns + c->transaction_abort_interval_ns +
                 3 * c->request_timeout_ns;
    return ns > SCENARIO_SETTLE_NS ? ns : SCENARIO_SETTLE_NS;
}

/* The drain's verdict for a transactional run that is done and quiet at now. */
static bool scenario_txn_drained(scenario *s, int64_t now) {
    int64_t since = s->producer_done_ns > s->quiet_after_ns ? s->producer_done_ns
                                                            : s->quiet_after_ns;
    if (now - since >= scenario_txn_settle_ns(&s->cfg)) return true;
    return s->settled && scenario_stable(s);
}

/* ---- Runs with consumers -----------------------------------------------------------------
 *
 * The applications consume what the producers wrote: a run with consumers is drained once,
 * besides the above, every instance waits in poll() with nothing in hand (or is down), the
 * group is Stable (or Empty: every member gone) at its coordinator, and every input
 * partition's committed offset reached the end of what the consumers read (its high
 * watermark, or its last stable offset at read_committed). A run where that never happens (the
 * only consumer crashed for good, a group that cannot form) stops once quiet for the longest a
 * group takes to notice and recover: session.timeout.ms + max.poll.interval.ms +
 * group.initial.rebalance.delay.ms, beyond the settle time of the rest; what is left unread is
 * the judge's. */

/* The group's coordinator now: the live leader of the group's __consumer_offsets partition. */
static const group_coord *scenario_group_coord(const scenario *s) {
    int leader = controller_partition_state(&s->ctl, s->cfg.group_partition)->leader;
    if (leader <= 0 || !broker_alive(&s->brokers[leader])) return NULL;
    return s->brokers[leader].group;
}

static bool scenario_consumed(scenario *s) {
    for (int i = 0; i < s->pipe_count; i++)
        if (!pipeline_done(s->pipes[i])) return false;
    const group_coord *gc = scenario_group_coord(s);
    group_view v;
    if (!gc || !group_coord_view(gc, &v)) return false;
    if (v.state != GROUP_STABLE && v.state != GROUP_EMPTY) return false;
    bool read_committed = s->cfg.isolation_level == CONFIG_READ_COMMITTED;
    for (int g = 0; g < scenario_workload_partitions(&s->cfg); g++) {
        int leader = controller_partition_state(&s->ctl, g)->leader;
        if (leader <= 0 || !broker_alive(&s->brokers[leader])) return false;
        int64_t end = broker_high_watermark(&s->brokers[leader], g);
        if (read_committed) {
            size_t count = 0;
            const proto_batch *log = broker_log(&s->brokers[leader], g, &count);
            end = txn_last_stable_offset(log, count, end, NULL);
        }
        if (end > 0 && group_coord_committed(gc, g) < end) return false;
    }
    return true;
}

static int64_t scenario_consumers_settle_ns(const scenario *s) {
    const config *c = &s->cfg;
    int64_t rest = s->transactional ? scenario_txn_settle_ns(c) : SCENARIO_SETTLE_NS;
    return c->session_timeout_ns + c->max_poll_interval_ns + c->group_initial_rebalance_delay_ns +
           rest;
}

/* The drain's verdict for a run with consumers that is done and quiet at now. */
static bool scenario_consumers_drained(scenario *s, int64_t now) {
    int64_t since = s->producer_done_ns > s->quiet_after_ns ? s->producer_done_ns
                                                            : s->quiet_after_ns;
    if (now - since >= scenario_consumers_settle_ns(s)) return true;
    return s->settled && (!s->transactional || scenario_stable(s)) && scenario_consumed(s);
}

static void scenario_on_drain_tick(void *ctx, sim_world *w, const sim_event *ev) {
    scenario *s = ctx;
    (void)ev;
    int64_t now = sim_now(w);
    bool done = true;
    for (int i = 0; i < s->producer_count; i++)
        done = done && (s->producer_gone[i] || producer_done(&s->prods[i]));
    if (done && s->producer_done_ns < 0) s->producer_done_ns = now;
    if (!done) s->producer_done_ns = -1; /* a producer restart brought work back */
    /* Quiet: past every timed fault, and no heal (a restart after "crash ... on <step> for
     * D", whose step time no schedule knows) still to come. */
    if (done && now >= s->quiet_after_ns && s->faults.ends_pending == 0) {
        s->settled = scenario_settled(s);
        if (s->pipe_count > 0        ? scenario_consumers_drained(s, now)
            : s->transactional       ? scenario_txn_drained(s, now)
                                     : s->settled || now - s->producer_done_ns >= SCENARIO_SETTLE_NS) {
            sim_stop(w);
            return;
        }
    }
    sim_schedule(w, now + SCENARIO_DRAIN_TICK_NS, s->kind_drain, 0);
}

/* When the application starts: after the partition state reached every broker. */
static int64_t scenario_start_ns(const config *c) {
    int64_t settle = 4 * (c->latency_ns + c->jitter_ns);
    return settle > 10 * SIM_MS ? settle : 10 * SIM_MS;
}

static void scenario_on_start(void *ctx, sim_world *w, const sim_event *ev) {
    scenario *s = ctx;
    (void)w;
    (void)ev;
    for (int i = 0; i < s->producer_count; i++) producer_start(&s->prods[i]);
    for (int i = 0; i < s->pipe_count; i++) pipeline_start(s->pipes[i]);
}

/* ---- Resources: the memory probe and the progress guard ----------------------------------
 *
 * Memory grows with the work a run was asked for: per-record tables sized by workload.records
 * up front, logs and payloads by the batches written, the history by what happened, the queue
 * and the network by what is pending. The probe adds up the capacities of those arrays (so its
 * answer depends on the run only, not on the allocator; fixed-size structs and the allocator's
 * own overhead are left out, a few MB) and the kernel stops the world when it passes
 * sim.max.memory.mb (SIM_EXHAUSTED). A loop that grows memory at one instant or over time is
 * bounded by it, with the progress guard on or off. */

#define SCENARIO_MEMORY_DEFAULT_MB 4096 /* the bound where the machine's memory is unknown */
#define SCENARIO_STALL_SAMPLE 1024      /* events watched after a stall to name what repeats */

static size_t scenario_broker_memory(const broker *b) {
    size_t bytes = b->deferred_capacity * sizeof *b->deferred +
                   b->deferred_batch_capacity * sizeof *b->deferred_batches;
    for (int k = 0; k < b->partition_count; k++) {
        const broker_partition *p = &b->partitions[k];
        bytes += p->log.capacity * sizeof *p->log.batches +
                 p->log.epoch_capacity * sizeof *p->log.epochs +
                 p->log.aborted_capacity * sizeof *p->log.aborted;
    }
    for (int n = 0; n < NODES_MAX; n++) bytes += b->conns[n].capacity * sizeof(proto_msg);
    return bytes;
}

static size_t scenario_producer_memory(const producer *p, uint64_t records) {
    size_t bytes = (size_t)p->batch_capacity * sizeof *p->batches +
                   (size_t)p->expiry_capacity * sizeof *p->expiry_fifo +
                   (size_t)p->deferred_capacity * sizeof *p->deferred +
                   (size_t)records * (sizeof *p->outcome + sizeof *p->resend);
    for (int k = 0; k < p->partition_count; k++)
        bytes += (size_t)p->partitions[k].outstanding_capacity * sizeof(uint32_t);
    return bytes;
}

/* The kernel's memory probe (sim_memory_fn). */
static size_t scenario_memory(void *ctx, const sim_world *w) {
    const scenario *s = ctx;
    const checker_stream *cs = &s->checker;
    size_t bytes = (w->queue.capacity + w->queue.far_capacity) * sizeof(sim_event) +
                   s->history.capacity * sizeof *s->history.recs +
                   (size_t)s->payloads.capacity * sizeof *s->payloads.payloads +
                   s->payloads.ids_capacity * sizeof *s->payloads.ids +
                   net_memory_bytes(s->net) +

                   (size_t)cs->ids * (sizeof *cs->flags + (cs->resent ? sizeof *cs->resent : 0)) +
                   cs->send_capacity * sizeof *cs->sends + cs->fresh_capacity * sizeof *cs->fresh +
                   cs->latency_capacity * sizeof *cs->latencies +
                   s->txn.payload_count * (sizeof *s->txn.of_payload + 1) +
                   s->txn.txn_capacity * sizeof *s->txn.txns +
                   s->txn.append_capacity * sizeof *s->txn.appends;
    for (int b = 1; b <= s->brokers_begun; b++) bytes += scenario_broker_memory(&s->brokers[b]);
    for (int g = 0; s->committed && g < s->cfg.topics.partition_count; g++)
        bytes += (size_t)s->committed[g].capacity * sizeof *s->committed[g].ids;
    for (int i = 0; i < s->producer_count; i++)
        bytes += scenario_producer_memory(&s->prods[i], s->prods[i].records);
    return bytes;
}

/* sim.max.memory.mb in bytes; 0 is half the machine's physical memory. */
static size_t scenario_memory_max(const config *c) {
    uint64_t mb = c->memory_max_mb;
    if (mb == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        mb = pages > 0 && page > 0 ? ((uint64_t)pages / 2 * (uint64_t)page) >> 20
                                   : SCENARIO_MEMORY_DEFAULT_MB;
    }
    return mb > (SIZE_MAX >> 20) ? SIZE_MAX : (size_t)mb << 20;
}

/* The progress guard's bound: sim.max.stalled.events plus CONFIG_STALLED_EVENTS_PER_RECORD (16)
 * per record (0: off). A run that completes spends at one instant, without a record appended,
 * acknowledged or committed, at most about one event per record (every batch expiring at once)
 * plus a few per request in flight; config.h has the measured figures. */
static uint64_t scenario_stall_bound(const config *c) {
    if (c->stalled_events_max == 0) return 0;
    uint64_t per_records = c->records * CONFIG_STALLED_EVENTS_PER_RECORD;
    return c->stalled_events_max > UINT64_MAX - per_records ? UINT64_MAX
                                                           : c->stalled_events_max + per_records;
}

typedef struct scenario_stall {
    uint64_t kinds[SIM_HANDLERS_MAX]; /* events dispatched per kind while watched */
    sim_trace_fn next;                /* the hook it stands in front of, or NULL */
    void *next_ctx;                   /* its context */
} scenario_stall;

static void scenario_stall_count(void *ctx, const sim_world *w, const sim_event *ev) {
    scenario_stall *st = ctx;
    st->kinds[sim_event_kind(ev)]++;
    if (st->next) st->next(st->next_ctx, w, ev);
}

/* "net.deliver 50%, broker.timer 50%": the kinds of st by name (the brokers' kinds share
 * one), in order of count (ties by first kind), those of 1% or more, four at most. */
static void scenario_stall_kinds(const sim_world *w, scenario_stall *st, char *buf, size_t len) {
    uint64_t total = 0;
    for (int k = 0; k < w->handler_count; k++) {
        total += st->kinds[k];
        for (int first = 0; first < k; first++) {
            if (strcmp(w->handlers[first].name, w->handlers[k].name) != 0) continue;
            st->kinds[first] += st->kinds[k];
            st->kinds[k] = 0;
            break;
        }
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int round = 0; round < 4 && total > 0; round++) {
        int best = -1;
        for (int k = 0; k < w->handler_count; k++)
            if (st->kinds[k] > 0 && (best < 0 || st->kinds[k] > st->kinds[best])) best = k;
        if (best < 0 || st->kinds[best] * 100 < total) break;
        int n = snprintf(buf + used, len - used, "%s%s %" PRIu64 "%%", used ? ", " : "",
                         w->handlers[best].name, st->kinds[best] * 100 / total);
        st->kinds[best] = 0;
        if (n < 0 || (size_t)n >= len - used) break;
        used += (size_t)n;
    }
}

/* The world stopped with SIM_STALLED: watches SCENARIO_STALL_SAMPLE more events to name the
 * kinds that repeat, then leaves the world stalled (unless the watched events broke something,
 * which then stands) and says what happened in out->failure. */
static void scenario_stall_explain(scenario *s, run_result *out) {
    sim_world *w = &s->world;
    int64_t at_ns = sim_now(w);
    sim_world_options saved = w->opt;
    scenario_stall *st = calloc(1, sizeof *st);
    char kinds[128] = "", zeros[160] = "", at[SIM_TIME_FORMAT_LEN];
    if (st) {
        st->next = w->trace_fn;
        st->next_ctx = w->trace_ctx;
        w->trace_fn = scenario_stall_count;
        w->trace_ctx = st;
        w->opt.stall_events_max = 0;
        if (w->opt.events_max == 0 || w->opt.events_max - w->events > SCENARIO_STALL_SAMPLE)
            w->opt.events_max = w->events + SCENARIO_STALL_SAMPLE;
        sim_run(w);
        w->trace_fn = st->next;
        w->trace_ctx = st->next_ctx;
        scenario_stall_kinds(w, st, kinds, sizeof kinds);
        free(st);
    }
    w->opt = saved;
    if (w->status == SIM_FAILED || w->status == SIM_EXHAUSTED) return;
    w->status = SIM_STALLED;
    if (config_zero_durations(&s->cfg, zeros, sizeof zeros) == 0)
        snprintf(zeros, sizeof zeros, "none (a model that loops by itself: a bug)");
    snprintf(out->failure, sizeof out->failure,
             "no progress: simulated time stood at %s for more than %" PRIu64
             " events with no record appended, acknowledged or committed (sim.max.stalled.events"
             "=%" PRIu64 " + %d per record); events that repeat: %s; zero delays that allow a "
             "loop at one instant: %s",
             sim_time_format(at_ns, at, sizeof at), saved.stall_events_max,
             s->cfg.stalled_events_max, (int)CONFIG_STALLED_EVENTS_PER_RECORD,
             kinds[0] ? kinds : "none seen", zeros);
}

/* ---- Assembly ----------------------------------------------------------------------------- */

static void scenario_history_sink(void *ctx, const history_rec *recs, size_t n) {
    checker_stream_feed(ctx, recs, n);
}

/* A transactional run's sink: both judges read each window. */
static void scenario_history_sink_txn(void *ctx, const history_rec *recs, size_t n) {
    scenario *s = ctx;
    checker_stream_feed(&s->checker, recs, n);
    txn_stream_feed(&s->txn, recs, n);
}

/* A run with consumers: the pipeline judge reads each window too. */
static void scenario_history_sink_pipeline(void *ctx, const history_rec *recs, size_t n) {
    scenario *s = ctx;
    checker_stream_feed(&s->checker, recs, n);
    if (s->transactional) txn_stream_feed(&s->txn, recs, n);
    pipeline_stream_feed(&s->pstream, recs, n);
}

/* Random.nextInt(bound) of the placers, from the run's placement stream. */
static uint32_t scenario_placement_next(void *ctx, uint32_t bound) {
    return sim_pcg32_bounded(ctx, bound);
}

/* Places every topic's partitions (placement.h), one topic after another as CreateTopics
 * creates them: returns the replica lists of the partitions in g order, one after another
 * (malloc'd, the caller frees), and fills s->replica_counts; NULL when memory ran out. */
static int *scenario_place(scenario *s) {
    const config *c = &s->cfg;
    const topic_table *t = &c->topics;
    s->replica_counts = malloc((size_t)t->partition_count * sizeof *s->replica_counts);
    int *replicas = malloc((size_t)t->partition_count * PROTO_BROKERS_MAX * sizeof *replicas);
    if (!s->replica_counts || !replicas) {
        free(replicas);
        return NULL;
    }
    sim_pcg32 rng = sim_stream(&s->world, STREAM_PLACEMENT);
    placement_random draws = {.next = c->placement_random ? scenario_placement_next : NULL,
                              .ctx = &rng};
    placement_kind kind = placement_kind_for(c->metadata_mode, c->kafka_version);
    int at = 0;
    for (int i = 0; i < t->topic_count; i++) {
        const topic_info *info = &t->topics[i];
        int rf = config_replication_factor(c, info->first);
        if (placement_place(kind, c->num_brokers, info->count, rf, &draws, replicas + at) != 0) {
            free(replicas);
            return NULL; /* config_finish keeps every factor within num.brokers */
        }
        for (int k = 0; k < info->count; k++) s->replica_counts[info->first + k] = rf;
        at += info->count * rf;
    }
    return replicas;
}

/* The producers: producer i (0-based) is node node_producer(i) with its own producer id, PCG32
 * streams and application, sending the ids [i*R/n, (i+1)*R/n) at workload.rate / n (issue 17),
 * with its producer-<n>.<key> lines applied. Returns 0, -1 when memory ran out, -2 with err
 * written for a configuration refused. */
static int scenario_build_producers(scenario *s, const int *bootstrap, char *err,
                                    size_t err_len) {
    const config *c = &s->cfg;
    int n = c->producers > 0 ? c->producers : 1;
    s->prods = calloc((size_t)n, sizeof *s->prods);
    if (!s->prods) return -1;
    s->producer_count = n;
    if (c->producer_override_count > 0) {
        s->prod_cfgs = malloc((size_t)n * sizeof *s->prod_cfgs);
        if (!s->prod_cfgs) return -1;
        for (int i = 0; i < n; i++)
            if (config_for_producer(c, i, &s->prod_cfgs[i], err, err_len) != 0) return -2;
    }
    /* The topics they write, from the world's table (topics.h). */
    producer_topic topics[TOPICS_MAX];
    for (int t = 0; t < c->topics.workload_topics; t++)
        topics[t] = (producer_topic){.first = c->topics.topics[t].first,
                                     .count = c->topics.topics[t].count};
    for (int i = 0; i < n; i++) {
        producer_env penv = {.world = &s->world, .net = s->net, .history = &s->history,
                             .config = s->prod_cfgs ? &s->prod_cfgs[i] : c,
                             .payloads = &s->payloads, .step_fn = fault_on_step,
                             .step_ctx = &s->faults, .topics = topics,
                             .topic_count = c->topics.workload_topics};
        if (n > 1) {
            uint64_t first = c->records * (uint64_t)i / (uint64_t)n;
            uint64_t end = c->records * (uint64_t)(i + 1) / (uint64_t)n;
            penv.id_first = first;
            penv.id_count = end - first;
            penv.rate_per_s = c->rate_per_s > 0 ? c->rate_per_s / n : 0;
            if (c->rate_per_s > 0 && penv.rate_per_s == 0) penv.rate_per_s = 1;
            if (penv.id_count == 0) penv.id_count = 0; /* no records: as a one-producer run */
        }
        s->producers_begun = i + 1;
        if (producer_init(&s->prods[i], &penv, i, bootstrap, c->num_brokers) != 0) return -1;
    }
    return 0;
}

/* The application instances consumer-1 .. consumer-n, node_consumer(i), bootstrapping from
 * every broker, and the sink they share. Built after the fault runtime, whose steps_watched
 * says whether they report their steps. Returns 0, or -1 when memory ran out. */
static int scenario_build_pipelines(scenario *s, const int *bootstrap) {
    const config *c = &s->cfg;
    int boot[PROTO_BROKERS_MAX + 1];
    for (int i = 0; i < c->num_brokers; i++) boot[i] = bootstrap[i];
    boot[c->num_brokers] = -1;
    if (pipeline_sink_init(&s->sink, c->sink, c->records) != 0) return -1;
    pipeline_stream_init(&s->pstream);
    s->pipes = calloc((size_t)c->consumers, sizeof *s->pipes);
    if (!s->pipes) return -1;
    if (c->consumer_override_count > 0 ||
        (c->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE && !c->enable_idempotence)) {
        /* Each instance's own keys (consumer-<n>.<key>), checked by config_finish already;
         * an exactly-once instance's idempotence where the workload's default is off. */
        s->cons_cfgs = malloc((size_t)c->consumers * sizeof *s->cons_cfgs);
        if (!s->cons_cfgs) return -1;
        char err[256];
        for (int i = 0; i < c->consumers; i++)
            if (config_for_consumer(c, i, &s->cons_cfgs[i], err, sizeof err) != 0) return -1;
    }
    pipeline_env env = {.world = &s->world, .net = s->net, .history = &s->history, .config = c,
                        .payloads = &s->payloads,
                        .step_fn = s->faults.steps_watched ? fault_on_step : NULL,
                        .step_ctx = &s->faults, .sink = &s->sink};
    for (int i = 0; i < c->consumers; i++) {
        if (s->cons_cfgs) env.config = &s->cons_cfgs[i];
        s->pipes[i] = pipeline_new(&env, i, boot);
        if (!s->pipes[i]) return -1;
        s->pipe_count = i + 1;
    }
    return 0;
}

static int scenario_build(scenario *s, char *err, size_t err_len) {
    const config *c = &s->cfg;
    sim_world_options wopt = {
        .seed = c->seed,
        .time_max_ns = c->time_max_ns,
        .events_max = c->events_max,
        .queue_capacity = 1024,
        .stall_events_max = scenario_stall_bound(c),
        .memory_max_bytes = scenario_memory_max(c),
    };
    if (sim_world_init(&s->world, &wopt) != 0) return -1;
    /* About one payload per batch: room for one per 8 records up front. */
    if (proto_payloads_init(&s->payloads, (size_t)(c->records / 8)) != 0) return -1;
    /* With sends and callbacks coalesced (history.h), a run stores about eight records per
     * batch. When only the checker reads them, it takes them a window at a time as they are
     * written (history.h, sink): a window of SCENARIO_HISTORY_WINDOW records stays in the
     * cache, where the whole history of a large run (about 32 bytes per record) would be
     * written to memory and read back. Otherwise the array doubles when a run needs more. */
    s->checker_streams = !s->opt.explain_out && !s->opt.watch;
    size_t window = s->checker_streams ? SCENARIO_HISTORY_WINDOW : (size_t)c->records * 2;
    if (history_init(&s->history, window) != 0) return -1;
    s->history.coalesce = true;
    s->transactional = config_transactional(c);
    txn_stream_init(&s->txn);
    if (s->checker_streams) {
        if (checker_stream_init(&s->checker, c->records) != 0) return -1;
        s->checker.payloads = &s->payloads;
        s->history.sink = scenario_history_sink;
        s->history.sink_ctx = &s->checker;
        if (s->transactional) {
            s->history.sink = scenario_history_sink_txn;
            s->history.sink_ctx = s;
        }
        if (config_consumers(c)) {
            s->history.sink = scenario_history_sink_pipeline;
            s->history.sink_ctx = s;
        }
    }
    net_options nopt = {
        .latency_ns = c->latency_ns, .jitter_ns = c->jitter_ns, .stream_id = STREAM_NETWORK};
    /* The network and the tracer (about 37 and 25 KiB of tables their init functions clear
     * themselves) live apart from the scenario, so that its calloc clears only what no init
     * function does; each sweep run pays for that clearing. */
    s->net = malloc(sizeof *s->net);
    if (!s->net || net_init(s->net, &s->world, &nopt) != 0) return -1;
    s->net->resolve = scenario_resolve;
    s->net->resolve_ctx = s;
    s->net->on_drop = fault_on_drop;
    s->net->on_delay = fault_on_delay;
    s->net->drop_ctx = &s->faults;

    int bootstrap[PROTO_BROKERS_MAX];
    for (int i = 0; i < c->num_brokers; i++) bootstrap[i] = i + 1;
    int *replicas = scenario_place(s);
    if (!replicas) return -1;

    controller_env cenv = {.world = &s->world, .net = s->net, .history = &s->history,
                           .config = c};
    int rc = controller_init(&s->ctl, &cenv, c->topics.partition_count, replicas,
                             s->replica_counts);
    if (rc != 0) {
        free(replicas);
        return -1;
    }
    broker_env benv = {.world = &s->world, .net = s->net, .history = &s->history, .config = c,
                       .step_fn = fault_on_step, .step_ctx = &s->faults,
                       .txn_records = &s->txn_records, .group_records = &s->group_records};
    /* malloc, not calloc: broker_init clears each broker itself, and scenario_fini finishes
     * only the brokers it began. */
    s->brokers = malloc((size_t)(c->num_brokers + 1) * sizeof *s->brokers);
    if (!s->brokers) return -1;
    for (int b = 1; b <= c->num_brokers; b++) {
        s->brokers_begun = b;
        if (broker_init(&s->brokers[b], &benv, b, c->topics.partition_count, replicas,
                        s->replica_counts) != 0) {
            free(replicas);
            return -1;
        }
    }
    int prc = scenario_build_producers(s, bootstrap, err, err_len);
    if (prc != 0) return prc;
    /* Room for the batches a fault-free run appends, so that the logs do not grow by copying
     * themselves (reallocs were most of a run's memcpy); retries and failovers may append
     * more, and then a log grows as it fills. Only what is written is touched. Over several
     * partitions, keys and partitioners share the records out unevenly (1000 keys over 24
     * partitions: 33,000 to 56,000 of 10^6 records), so each log has room for half as much
     * again as its even share: a log that outgrew its share was copied into a block of twice
     * the size, and the blocks left behind stayed resident (7 MB of 61 in that run). */
    size_t batches = (size_t)(c->records / s->prods[0].records_per_batch) /
                         (size_t)c->topics.partition_count + 2;
    if (c->topics.partition_count > 1) batches += batches / 2;
    for (int b = 1; b <= c->num_brokers; b++)
        for (int k = 0; k < s->brokers[b].partition_count; k++)
            (void)log_reserve(&s->brokers[b].partitions[k].log, batches);

    fault_env fenv = {
        .world = &s->world, .net = s->net, .history = &s->history,
        .ops = {.ctx = s, .leader = scenario_op_leader, .follower = scenario_op_follower,
                .crash = scenario_op_crash, .stop = scenario_op_stop,
                .restart = scenario_op_restart,
                .pause = scenario_op_pause,
                .restart_producer = scenario_op_restart_producer,
                .stall = scenario_op_stall,
                .restart_consumer = scenario_op_restart_consumer,
                .consumer_of = scenario_op_consumer_of},
    };
    int frc = fault_runtime_init(&s->faults, &fenv, c, err, err_len);
    if (frc == -2) return -1; /* memory ran out */
    if (frc != 0) return -2;
    /* No fault waits on a protocol step (the usual run): the nodes need not report their
     * steps, several per batch, to a hook that would ignore them. Decided here, not in the
     * nodes' env above: the fault runtime is built after the nodes, whose handler kinds come
     * first (kinds are part of the trace hash). */
    if (s->faults.steps_watched == 0) {
        for (int b = 1; b <= c->num_brokers; b++) s->brokers[b].env.step_fn = NULL;
        for (int i = 0; i < s->producer_count; i++) s->prods[i].step_fn = NULL;
    }
    if (config_consumers(c) && scenario_build_pipelines(s, bootstrap) != 0) return -1;
    s->quiet_after_ns = fault_runtime_quiet_after(&s->faults);
    if (config_transactional(c)) s->quiet_after_ns = scenario_txn_quiet_after(s);
    s->kind_drain = sim_handler_add(&s->world, scenario_on_drain_tick, s, "drain");
    s->kind_start = sim_handler_add(&s->world, scenario_on_start, s, "start");
    s->producer_done_ns = -1;
    s->last_leaders = malloc((size_t)c->topics.partition_count * sizeof *s->last_leaders);
    s->finals = calloc((size_t)c->topics.partition_count, sizeof *s->finals);
    if (!s->last_leaders || !s->finals) {
        free(replicas);
        return -1;
    }
    for (int g = 0, at = 0; g < c->topics.partition_count; at += s->replica_counts[g++])
        s->last_leaders[g] = replicas[at];
    free(replicas);
    s->committed_promised = scenario_committed_promised(c, &s->faults);
    s->committed = calloc((size_t)c->topics.partition_count, sizeof *s->committed);
    if (!s->committed) return -1;
    for (int g = 0; g < c->topics.partition_count; g++) s->committed[g].leader = -1;
    s->world.memory_fn = scenario_memory;
    s->world.memory_ctx = s;
    return 0;
}

static void scenario_trace_send(void *ctx, const proto_msg *msg) {
    scenario *s = ctx;
    trace_message(s->trace, sim_now(&s->world), msg, &s->payloads);
}

static void scenario_trace_history(void *ctx, const history_rec *r) {
    scenario *s = ctx;
    trace_history(s->trace, r, &s->payloads);
}

/* Returns 0, or -1 when memory ran out. */
static int scenario_trace_setup(scenario *s) {
    const scenario_options *o = &s->opt;
    if (!o->trace_out) return 0;
    s->trace = malloc(sizeof *s->trace);
    if (!s->trace) return -1;
    tracer_init(s->trace, o->trace_out, o->trace_jsonl ? TRACE_JSONL : TRACE_TEXT);
    s->trace->node_filter = o->trace_node;
    s->trace->record_filter = o->trace_record;
    s->trace->partition_filter = o->trace_partition - 1;
    s->trace->config = &s->cfg;
    fault_world world;
    fault_world_of(&s->cfg, &world);
    s->trace->partitions = world.partitions;
    s->trace->producers = world.producers;
    s->net->on_send = scenario_trace_send;
    s->net->trace_ctx = s;
    s->history.observer = scenario_trace_history;
    s->history.observer_ctx = s;
    return 0;
}

static void scenario_watch_message(void *ctx, const proto_msg *msg, int64_t sent_ns,
                                   bool lost) {
    scenario *s = ctx;
    s->opt.watch->on_message(s->opt.watch->ctx, msg, sent_ns, sim_now(&s->world), lost);
}

static void scenario_fini(scenario *s) {
    fault_runtime_fini(&s->faults);
    for (int i = 0; i < s->pipe_count; i++) pipeline_free(s->pipes[i]);
    free(s->pipes);
    pipeline_sink_fini(&s->sink);
    pipeline_stream_fini(&s->pstream);
    for (int i = 0; i < s->producers_begun; i++) producer_fini(&s->prods[i]);
    free(s->prods);
    free(s->prod_cfgs);
    free(s->cons_cfgs);
    for (int b = 1; b <= s->brokers_begun; b++) broker_fini(&s->brokers[b]);
    free(s->brokers);
    free(s->replica_counts);
    free(s->last_leaders);
    free(s->finals);
    controller_fini(&s->ctl);
    if (s->net) net_fini(s->net);
    free(s->net);
    free(s->trace);
    history_fini(&s->history);
    checker_stream_fini(&s->checker);
    txn_stream_fini(&s->txn);
    proto_payloads_fini(&s->payloads);
    txn_records_fini(&s->txn_records);
    group_records_fini(&s->group_records);
    for (int g = 0; s->committed && g < s->cfg.topics.partition_count; g++)
        free(s->committed[g].ids);
    free(s->committed);
    sim_world_fini(&s->world);
}

/* ---- Running and judging ------------------------------------------------------------------ */

/* A transactional run's verdict (txn_checker.h): both judges have read the history (as it
 * filled, or here at once when it was kept whole). Returns 0, or -1 when memory ran out. */
static int scenario_judge_txn(scenario *s, const checker_input *in, run_result *out) {
    if (s->checker_streams) {
        history_flush(&s->history);
    } else {
        if (checker_stream_init(&s->checker, s->cfg.records) != 0) return -1;
        checker_stream_feed(&s->checker, s->history.recs, s->history.count);
        txn_stream_feed(&s->txn, s->history.recs, s->history.count);
    }
    /* The output topic (consumers' instances) is read for the transactions written to it. */
    txn_options opt = {.read_committed = s->cfg.isolation_level == CONFIG_READ_COMMITTED,
                       .partitions = (size_t)scenario_workload_partitions(&s->cfg),
                       .output_logs = s->finals + scenario_workload_partitions(&s->cfg),
                       .output_first = (size_t)scenario_workload_partitions(&s->cfg),
                       .output_count = s->cfg.consumers > 0
                                           ? (size_t)s->cfg.topics.output_partitions : 0};
    return txn_checker_finish(&s->txn, &s->checker, in, &opt, &out->check, NULL, NULL, NULL);
}

/* What the pipeline judge (and --explain) reads besides the history: the final logs and where
 * the pipeline's topics are: the input topics (the sink's ledger) and the output topic that the
 * instances' producers wrote (workload.output, read read_committed). */
static pipeline_input scenario_pipeline_input(scenario *s) {
    const config *c = &s->cfg;
    pipeline_input in = {
        .logs = s->finals,
        .log_count = (size_t)s->ctl.partition_count,
        .input_partitions = (size_t)scenario_workload_partitions(c),
        .output_first = (size_t)scenario_workload_partitions(c),
        .output_count = (size_t)c->topics.output_partitions,
        .offsets_partition = c->group_partition,
        .payloads = &s->payloads,
        .group_records = &s->group_records,
        .read_committed = c->isolation_level == CONFIG_READ_COMMITTED,
        .sink = c->sink != CONFIG_SINK_NONE,
    };
    return in;
}

/* A run with consumers: the pipeline's two ledgers (pipeline_checker.h), after the ordinary
 * verdict, from the history and the final logs. Returns 0, or -1 when memory ran out. */
static int scenario_judge_pipeline(scenario *s, run_result *out) {
    if (!s->checker_streams) pipeline_stream_feed(&s->pstream, s->history.recs, s->history.count);
    pipeline_input in = scenario_pipeline_input(s);
    return pipeline_checker_finish(&s->pstream, &in, &out->check);
}

static void scenario_judge(scenario *s, run_result *out) {
    for (int g = 0; g < s->ctl.partition_count; g++) {
        checker_log *f = &s->finals[g];
        int leader = scenario_final_leader(s, g);
        f->log = broker_log(&s->brokers[leader], g, &f->log_count);
        f->high_watermark = broker_high_watermark(&s->brokers[leader], g);
        f->leader = controller_partition_state(&s->ctl, g)->leader;
    }
    checker_input in = {
        .history = &s->history,
        .payloads = &s->payloads,
        .log = s->finals[0].log,
        .log_count = s->finals[0].log_count,
        .high_watermark = s->finals[0].high_watermark,
        .records = s->cfg.records,
        .partitions = s->finals,
        /* The workload's partitions: an internal topic's payloads are not record ids. */
        .partition_count = (size_t)s->cfg.topics.workload_partitions,
    };
    if (s->opt.by_partition && s->opt.by_partition_count >= in.partition_count)
        in.by_partition = s->opt.by_partition;
    int rc;
    if (s->transactional) {
        rc = scenario_judge_txn(s, &in, out);
    } else if (s->checker_streams) {
        history_flush(&s->history);
        rc = checker_stream_finish(&s->checker, &in, &out->check, NULL, NULL);
    } else {
        rc = checker_run(&in, &out->check);
    }
    if (rc == 0 && s->pipe_count > 0) rc = scenario_judge_pipeline(s, out);
    if (rc != 0) {
        out->exhausted = true;
        snprintf(out->failure, sizeof out->failure, "out of memory in the checker");
        return;
    }
    out->check.faults_configured = (uint64_t)s->faults.count;
    out->by_partition = in.by_partition;
    if (s->opt.watch) s->opt.watch->on_judged(s->opt.watch->ctx, &in, &s->cfg);
    if (s->opt.explain_out) {
        pipeline_input pipe = scenario_pipeline_input(s);
        explain_run_pipeline(s->opt.explain_out, &s->history, &s->payloads, &in, &s->cfg,
                             s->opt.explain_limit, s->pipe_count > 0 ? &pipe : NULL, NULL);
    }
}

static void scenario_status(scenario *s, run_result *out) {
    sim_status st = s->world.status;
    out->status = st;
    switch (st) {
    case SIM_STOPPED:
    case SIM_DRAINED:
        break;
    case SIM_FAILED:
        out->invariant_broken = true;
        snprintf(out->failure, sizeof out->failure, "invariant broken: %.200s", s->world.failure);
        break;
    case SIM_LIMIT_TIME:
        out->invariant_broken = true;
        snprintf(out->failure, sizeof out->failure,
                 "the run did not drain within sim.max.time.ms (liveness)");
        break;
    case SIM_LIMIT_EVENTS:
        out->invariant_broken = true;
        snprintf(out->failure, sizeof out->failure,
                 "the run did not drain within sim.max.events (liveness)");
        break;
    case SIM_STALLED: /* out->failure was written by scenario_stall_explain */
        out->invariant_broken = true;
        break;
    case SIM_EXHAUSTED:
        out->exhausted = true;
        snprintf(out->failure, sizeof out->failure, "%.400s", s->world.failure);
        break;
    default:
        out->invariant_broken = true;
        snprintf(out->failure, sizeof out->failure, "the run stopped: %s",
                 sim_status_name(st));
        break;
    }
    if (s->history.failed && !out->exhausted) {
        out->exhausted = true;
        snprintf(out->failure, sizeof out->failure, "out of memory for the history");
    }
}

int scenario_run(const config *c, const scenario_options *options, run_result *out) {
    static const scenario_options no_options = {.trace_node = -1, .trace_record = -1};
    memset(out, 0, sizeof *out);
    scenario *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->cfg = *c;
    s->opt = options ? *options : no_options;
    char err[256] = "";
    int rc = scenario_build(s, err, sizeof err);
    if (rc == 0 && scenario_trace_setup(s) != 0) rc = -1;
    if (rc != 0) {
        out->exhausted = rc != -2;
        snprintf(out->failure, sizeof out->failure, "%s",
                 rc == -2 ? err : "out of memory setting up the run");
        scenario_fini(s);
        free(s);
        return -1;
    }
    if (s->opt.watch) {
        s->net->on_fate = scenario_watch_message;
        s->net->fate_ctx = s;
    }
    if (s->opt.check_invariants) {
        s->world.trace_fn = scenario_on_event;
        s->world.trace_ctx = s;
    }

    controller_start(&s->ctl);
    for (int b = 1; b <= c->num_brokers; b++) broker_start(&s->brokers[b]);
    int64_t start = scenario_start_ns(c);
    sim_schedule(&s->world, start, s->kind_start, 0);
    sim_schedule(&s->world, start + SCENARIO_DRAIN_TICK_NS, s->kind_drain, 0);
    sim_run(&s->world);
    if (s->world.status == SIM_STALLED) scenario_stall_explain(s, out);
    if (s->world.status == SIM_STOPPED && s->opt.check_invariants) {
        scenario_check(s);
        scenario_committed_check(s);
        for (int g = 0; g < s->ctl.partition_count; g++) /* the logs the checker reads */
            if (s->committed_promised && s->world.status != SIM_FAILED)
                scenario_committed_verify(s, g, scenario_final_leader(s, g));
    }

    out->seed = c->seed;
    out->config_hash = config_hash(c);
    out->sim_time_ns = sim_now(&s->world);
    out->events = s->world.events;
    out->trace_hash = s->world.hash;
    out->settled = s->settled;
    out->memory_bytes = s->world.memory_bytes;
    scenario_status(s, out);
    if (!out->exhausted) scenario_judge(s, out);
    if (s->trace) tracer_fini(s->trace);
    scenario_fini(s);
    free(s);
    if (out->exhausted) {
        char at[SIM_TIME_FORMAT_LEN];
        size_t n = strlen(out->failure);
        snprintf(out->failure + n, sizeof out->failure - n, " (at %s, %" PRIu64 " events)",
                 sim_time_format(out->sim_time_ns, at, sizeof at), out->events);
        return -1;
    }
    return out->invariant_broken ? 1 : 0;
}
