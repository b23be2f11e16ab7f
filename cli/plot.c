/*
 * plot.c: the timeline picture of one run, as a gnuplot script and its image.
 *
 * What is drawn, and from where (plot.h says how it looks): messages come from the network's
 * fate hook (models/net/network.h: each message once, with its send and arrival times); marks come
 * from the history (models/wire/history.h), read once the run is judged; the highlighted records
 * come from the checker's anomaly visitor (checker_run_visit), so the picture shows what the
 * verdict counts and nothing the models keep privately.
 *
 * Invariants: messages and marks are stored in the order they became known, which is time
 * order of their last event (arrival) for messages and time order for marks; the script is a
 * pure function of them, so the same run gives a byte-identical script.
 *
 * Partitions share their broker's lane and are told apart by colour (plot.h); producers have a
 * lane each. Left out: record values are not printed, only ids.
 */
#define _POSIX_C_SOURCE 200809L /* fork, execlp, waitpid */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "cli.h"
#include "history.h"
#include "protocol.h"

typedef enum plot_mark_kind {
    MARK_APPEND_LEADER = 0, /* the leader appended a batch from the producer */
    MARK_APPEND_REPLICA,    /* a follower appended a batch it fetched */
    MARK_HW,                /* a replica's high watermark moved */
    MARK_CRASH,             /* a node's process died */
    MARK_RESTART,           /* a node's process came back */
    MARK_ELECTION,          /* a new leader (clean) */
    MARK_UNCLEAN,           /* a new leader out of the ISR (unclean.leader.election.enable) */
    MARK_TRUNCATE,          /* a replica cut its log tail */
    MARK_DEDUP,             /* the leader answered a retry from its producer-state cache */
    MARK_PRODUCER,          /* producer id, epoch bump, batch expiry */
    MARK_FAILED,            /* the application was told a send failed */
    MARK_ACKED,             /* the application was told a send succeeded (anomalous only) */
    MARK_FAULT,             /* a fault of the schedule started or ended */
    MARK_ISR_SHRINK,        /* the controller took replicas out of the ISR */
    MARK_ISR_EXPAND,        /* the controller added replicas to the ISR (or set the first) */
    MARK_LOST,              /* a message was lost: the cross before its receiver's lane */
    MARK_MARKER,            /* a leader wrote a transaction marker (COMMIT or ABORT) */
    MARK_LSO,               /* a leader's last stable offset moved */
    MARK_TXN,               /* the application's commit or abort returned */
    MARK_COORDINATOR,       /* a coordinator's transition became durable, or a fence */
    MARK_POLL,              /* poll() handed a batch's records to the application */
    MARK_PROCESS,           /* the application processed a record */
    MARK_COMMIT,            /* an offset commit was answered (its error, if any) */
    MARK_ASSIGN,            /* a consumer's assignment of a partition changed */
    MARK_REBALANCE,         /* the group coordinator began a rebalance (PreparingRebalance) */
    MARK_GROUP,             /* the group's other states (CompletingRebalance, Stable, Empty) */
    MARK_MEMBER,            /* a member joined or left the group (or was expired) */
    MARK_OFFSETS,           /* an input partition's committed offset changed on the coordinator */
    MARK_POSITION,          /* a consumer set its position: where it resumes a partition */
    MARK_KIND_COUNT
} plot_mark_kind;

/* ---- Collecting --------------------------------------------------------------------------- */

/* The lane of a node: the controller at 0, brokers 1..n, producers above, the consumers (an
 * application instance: its consumer and its producer) on top. */
static int plot_lane(const plot *p, node_id n) {
    if (node_is_broker(n)) return n;
    if (node_is_producer(n)) return p->brokers + 1 + (n - NODE_PRODUCER_BASE);
    if (node_is_consumer(n) || node_is_consumer_producer(n))
        return p->brokers + 1 + (p->producers > 1 ? p->producers : 1) + node_consumer_index(n);
    return 0;
}

/* Lanes: the controller, the brokers, the producers (one before the run is judged), the
 * consumers. */
static int plot_lanes(const plot *p) {
    return p->brokers + 1 + (p->producers > 1 ? p->producers : 1) + p->consumers;
}

static void *plot_grow(plot *p, void *array, size_t *capacity, size_t size) {
    size_t cap = *capacity ? *capacity * 2 : 256;
    void *grown = realloc(array, cap * size);
    if (!grown) {
        p->failed = true;
        return NULL;
    }
    *capacity = cap;
    return grown;
}

static void plot_on_message(void *ctx, const proto_msg *msg, int64_t sent_ns, int64_t arrive_ns,
                            bool lost) {
    plot *p = ctx;
    if (p->failed) return;
    if (p->msg_count == p->msg_capacity) {
        plot_msg *m = plot_grow(p, p->msgs, &p->msg_capacity, sizeof *m);
        if (!m) return;
        p->msgs = m;
    }
    plot_msg *m = &p->msgs[p->msg_count++];
    memset(m, 0, sizeof *m);
    m->sent_ns = sent_ns;
    m->arrive_ns = arrive_ns;
    m->from = msg->from;
    m->to = msg->to;
    m->api = msg->api;
    m->is_response = msg->is_response;
    m->lost = lost;
    m->offset = -1;
    m->payload = UINT32_MAX;
    m->batches = proto_msg_batch_count(msg);
    if (msg->api == API_PRODUCE && !msg->is_response) {
        m->payload = msg->u.produce.batch.payload;
        m->attempt = msg->u.produce.batch.attempt;
    } else if (msg->api == API_PRODUCE) {
        m->error = msg->u.produce_response.error;
        m->offset = msg->u.produce_response.base_offset;
    }
    bool background = msg->api == API_FETCH || msg->api == API_BROKER_HEARTBEAT ||
                      msg->api == API_HEARTBEAT;
    if (!background && arrive_ns > p->end_ns) p->end_ns = arrive_ns;
}

/* The colours of partitions in a world of several: twelve that read apart on white (Paired,
 * with a teal for its pale yellow), then again. */
static const char *const plot_partition_colors[12] = {
    "#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928",
    "#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#17becf",
};

/* Marks that belong to one partition's replica: coloured by partition in a world of several. */
static bool plot_mark_of_partition(int kind) {
    return kind == MARK_APPEND_LEADER || kind == MARK_APPEND_REPLICA || kind == MARK_HW ||
           kind == MARK_TRUNCATE || kind == MARK_MARKER || kind == MARK_LSO;
}

/* True when a mark of kind takes its partition's colour: in a world of several partitions. */
static bool plot_colored(const plot *p, int kind) {
    return p->partitions > 1 && p->partition_names && plot_mark_of_partition(kind);
}

static plot_mark *plot_mark_add(plot *p, int64_t time_ns, node_id node, plot_mark_kind kind) {
    if (p->failed) return NULL;
    if (p->mark_count == p->mark_capacity) {
        plot_mark *m = plot_grow(p, p->marks, &p->mark_capacity, sizeof *m);
        if (!m) return NULL;
        p->marks = m;
    }
    plot_mark *m = &p->marks[p->mark_count++];
    memset(m, 0, sizeof *m);
    m->time_ns = time_ns;
    m->node = node;
    m->kind = (uint8_t)kind;
    if (time_ns > p->end_ns) p->end_ns = time_ns;
    return m;
}

static void plot_on_anomaly(void *ctx, checker_anomaly kind, uint32_t partition, uint32_t record,
                            int64_t offset) {
    plot *p = ctx;
    (void)partition;
    (void)offset;
    p->anomalies[kind]++;
    if (p->anomalous && record < p->records && !p->anomalous[record])
        p->anomalous[record] = (uint8_t)(1 + kind);
}

/* True when payload holds a record the checker counted. */
static bool plot_payload_anomalous(const plot *p, const proto_payloads *pl, uint32_t payload) {
    if (!p->anomalous || payload == UINT32_MAX || payload >= pl->count) return false;
    proto_ids ids = proto_payload_ids(pl, payload);
    for (uint32_t i = 0; i < ids.n; i++) {
        uint32_t id = proto_ids_at(&ids, i);
        if (id < p->records && p->anomalous[id]) return true;
    }
    return false;
}

/* "r3-7" for contiguous ids, "r3,5,9" (cut short with "..") otherwise. */
static void plot_ids_label(const proto_payloads *pl, uint32_t payload, char *buf, size_t len) {
    buf[0] = 0;
    if (payload == UINT32_MAX || payload >= pl->count) return;
    proto_ids ids = proto_payload_ids(pl, payload);
    uint32_t n = ids.n;
    if (n == 0) return;
    if (n == 1) snprintf(buf, len, "r%u", ids.first);
    else if (!ids.list) snprintf(buf, len, "r%u-%u", ids.first, ids.first + n - 1);
    else snprintf(buf, len, "r%u,%u%s", ids.list[0], ids.list[1], n > 2 ? ",.." : "");
}

/* What turning the history into marks remembers from record to record. */
typedef struct plot_reader {
    const proto_payloads *payloads; /* the run's payloads (record ids of a batch) */
    node_id leader;                 /* the leader as of the last election, NODE_NONE before */
    broker_set isr;                 /* the ISR as of the last change, 0 before */
    int producer_ids;               /* producer ids handed out so far */
    int64_t *retry_ns;              /* retry_ns[payload]: when its last attempt failed, -1 */
    int64_t *committed;             /* committed[g]: the last committed offset marked, -1 */
    node_id *committed_by;          /* committed_by[g]: on which coordinator */
    int committed_count;            /* partitions the two arrays hold (0: every change marked) */
} plot_reader;

/* "{1,2,3}" */
static void plot_isr_text(broker_set isr, char *buf, size_t len) {
    size_t used = (size_t)snprintf(buf, len, "{");
    for (int b = 1; b < 32 && used < len; b++) {
        if (broker_set_has(isr, b)) used += (size_t)snprintf(buf + used, len - used, "%s%d",
                                                              used > 1 ? "," : "", b);
    }
    if (used < len) snprintf(buf + used, len - used, "}");
}

static void plot_gap_add(plot *p, int64_t from_ns, int64_t to_ns, node_id node) {
    if (p->failed) return;
    if (p->gap_count == p->gap_capacity) {
        plot_gap *g = plot_grow(p, p->gaps, &p->gap_capacity, sizeof *g);
        if (!g) return;
        p->gaps = g;
    }
    p->gaps[p->gap_count++] = (plot_gap){.from_ns = from_ns, .to_ns = to_ns, .node = node};
}

/* A callback of the record after the previous mark's, with the same outcome at the same time,
 * joins that mark: "failed r11-13 PRODUCER_CLOSED" instead of three labels. */
static bool plot_callback_join(plot *p, const history_rec *r, plot_mark_kind kind,
                               bool anomalous) {
    if (p->mark_count == 0) return false;
    plot_mark *m = &p->marks[p->mark_count - 1];
    if (m->kind != kind || m->node != r->node || m->time_ns != r->time_ns ||
        m->error != (int16_t)r->c || r->a != m->id_last + 1)
        return false;
    m->id_last = r->a;
    m->anomaly = m->anomaly || anomalous;
    if (kind == MARK_FAILED)
        snprintf(m->label, sizeof m->label, "failed r%u-%u %s", m->id_first, m->id_last,
                 proto_error_name(r->c));
    else snprintf(m->label, sizeof m->label, "acked r%u-%u", m->id_first, m->id_last);
    return true;
}

static void plot_mark_callback(plot *p, const history_rec *r) {
    bool anomalous = p->anomalous && r->a < p->records && p->anomalous[r->a];
    if (r->c == 0 && !anomalous) return;
    plot_mark_kind kind = r->c ? MARK_FAILED : MARK_ACKED;
    if (plot_callback_join(p, r, kind, anomalous)) return;
    plot_mark *m = plot_mark_add(p, r->time_ns, r->node, kind);
    if (!m) return;
    m->anomaly = anomalous;
    m->error = (int16_t)r->c;
    m->id_first = m->id_last = r->a;
    if (r->c) snprintf(m->label, sizeof m->label, "failed r%u %s", r->a, proto_error_name(r->c));
    else snprintf(m->label, sizeof m->label, "acked r%u", r->a);
}

/* A fault by its key: "fault.drop1", "fault.drop1 ends"; a producer restart is a restart mark. */
static void plot_mark_fault(plot *p, const history_rec *r) {
    int index = (int)r->a;
    const char *name = index < p->fault_count ? p->fault_names[index] : "?";
    node_id node = r->node == NODE_NONE ? NODE_CONTROLLER : r->node;
    bool restart = index < p->fault_count && p->fault_restarts_producer[index] && r->b;
    plot_mark *m = plot_mark_add(p, r->time_ns, node, restart ? MARK_RESTART : MARK_FAULT);
    if (!m) return;
    if (restart) snprintf(m->label, sizeof m->label, "restart (fault.%s)", name);
    else snprintf(m->label, sizeof m->label, "fault.%s%s", name, r->b ? "" : " ends");
}

static void plot_mark_isr(plot *p, plot_reader *rd, const history_rec *r) {
    broker_set isr = (broker_set)r->a;
    if (isr == rd->isr) return;
    bool shrink = rd->isr != 0 && (isr & ~rd->isr) == 0;
    char text[48];
    plot_isr_text(isr, text, sizeof text);
    plot_mark *m = plot_mark_add(p, r->time_ns, NODE_CONTROLLER,
                                 shrink ? MARK_ISR_SHRINK : MARK_ISR_EXPAND);
    if (m)
        snprintf(m->label, sizeof m->label, "ISR %s %s", rd->isr == 0 ? "is" :
                 shrink ? "shrinks to" : "expands to", text);
    rd->isr = isr;
}

/* The wait between a failed attempt and the next one of the same batch. */
static void plot_note_retry(plot *p, plot_reader *rd, const history_rec *r) {
    if (!rd->retry_ns || r->a >= rd->payloads->count) return;
    if (r->kind == HIST_RETRY) {
        rd->retry_ns[r->a] = r->time_ns;
    } else if (r->b > 1 && rd->retry_ns[r->a] >= 0) {
        plot_gap_add(p, rd->retry_ns[r->a], r->time_ns, r->node);
        rd->retry_ns[r->a] = -1;
    }
}

/* The marks of transactions: markers and the LSO on the leader's lane, the application's
 * commit or abort on its producer's, the coordinator's decisions on its broker's (Ongoing and
 * Empty, which every AddPartitionsToTxn and every completed abort write, are left out). */
static void plot_mark_txn(plot *p, const history_rec *r) {
    plot_mark *m = NULL;
    switch ((history_kind)r->kind) {
    case HIST_MARKER:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_MARKER);
        if (m) snprintf(m->label, sizeof m->label, "%s @%lld", r->a ? "COMMIT" : "ABORT",
                        (long long)r->d);
        break;
    case HIST_LSO:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_LSO);
        if (m) snprintf(m->label, sizeof m->label, "lso %lld", (long long)r->d);
        break;
    case HIST_TXN_END:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_TXN);
        if (!m) return;
        m->error = (int16_t)r->c;
        snprintf(m->label, sizeof m->label, "%s txn %u%s%s", r->b ? "commit" : "abort", r->a,
                 r->c ? " " : "", r->c ? proto_error_name(r->c) : "");
        break;
    case HIST_TXN_STATE:
        if (r->b == TXN_ONGOING || r->b == TXN_EMPTY) return;
        m = plot_mark_add(p, r->time_ns, r->node, MARK_COORDINATOR);
        if (m) snprintf(m->label, sizeof m->label, "%s pid %u e%d",
                        proto_txn_state_name((int)r->b), r->f, r->e);
        break;
    case HIST_TXN_FENCE:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_COORDINATOR);
        if (m) snprintf(m->label, sizeof m->label, "fence pid %u below e%d%s", r->f, r->e,
                        r->b ? " (timeout)" : "");
        break;
    default: break;
    }
}

/* "orders-1" for input partition g (its index when the names are not known). */
static const char *plot_partition_name(const plot *p, uint32_t g, char *buf, size_t len) {
    if (p->partition_names && g < (uint32_t)p->partitions) return p->partition_names[g];
    snprintf(buf, len, "partition %u", g);
    return buf;
}

/* Where a consumer's position came from (HIST_POSITION_*), as its label says it. */
static const char *plot_position_source(uint32_t source) {
    static const char *const text[] = {"committed", "no commit: earliest", "no commit: latest",
                                       "log diverged", "seek back", "out of range: reset"};
    return source < sizeof text / sizeof text[0] ? text[source] : "?";
}

/* The offsets of the group (txn-consumer-semantics.md section 3): the committed offset of an
 * input partition on the coordinator's broker's lane each time it changes (what OffsetFetch
 * would return from then on: GroupMetadata.onOffsetCommitAppend, onTxnOffsetCommitAppend, or
 * loaded by a new coordinator), and on a consumer's lane each position it takes that does not
 * come from its own polling (ConsumerCoordinator.refreshCommittedOffsetsIfNeeded,
 * SubscriptionState.resetPositionsIfNeeded, a seek): "committed at 12, crashed, the next owner
 * resumes at 12" reads off the two. */
static void plot_mark_offsets(plot *p, plot_reader *rd, const history_rec *r) {
    static const char *const how[] = {"", " (transaction)", " (loaded)"};
    char part[FAULT_PARTITION_NAME_MAX];
    const char *g = plot_partition_name(p, r->partition, part, sizeof part);
    plot_mark *m;
    if (r->kind == HIST_OFFSETS) {
        /* Every commit that became durable is recorded; an auto commit of an idle partition
         * commits the same offset again, which is no news on the picture. */
        if (r->partition < rd->committed_count) {
            if (rd->committed[r->partition] == r->d && rd->committed_by[r->partition] == r->node)
                return;
            rd->committed[r->partition] = r->d;
            rd->committed_by[r->partition] = r->node;
        }
        m = plot_mark_add(p, r->time_ns, r->node, MARK_OFFSETS);
        if (m) snprintf(m->label, sizeof m->label, "committed %s = %lld%s", g, (long long)r->d,
                        r->b < 3 ? how[r->b] : "");
        return;
    }
    m = plot_mark_add(p, r->time_ns, r->node, MARK_POSITION);
    if (m) snprintf(m->label, sizeof m->label, "resumes %s @%lld (%s)", g, (long long)r->d,
                    plot_position_source(r->b));
}

/* The marks of consumers and their group (issue 19): polls, processing and commits on the
 * consumer's lane, with its assignments; the group's states and its members joining and
 * leaving on the coordinator's broker's lane, a rebalance in its own mark. */
static void plot_mark_consumer(plot *p, const history_rec *r) {
    static const char *const commit_kind[] = {"auto", "sync", "async", "before rebalance",
                                              "close", "txn"};
    static const char *const member_event[] = {"joined", "left", "expired (session timeout)",
                                               "did not rejoin", "did not sync"};
    char part[FAULT_PARTITION_NAME_MAX], name[16];
    const char *g = plot_partition_name(p, r->partition, part, sizeof part);
    plot_mark *m = NULL;
    switch ((history_kind)r->kind) {
    case HIST_POLL:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_POLL);
        if (m) snprintf(m->label, sizeof m->label, "poll %s @%lld x%d", g, (long long)r->d, r->c);
        break;
    case HIST_PROCESS:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_PROCESS);
        if (m && r->c == HIST_SINK_SKIPPED)
            snprintf(m->label, sizeof m->label, "r%u already applied (dedup)", r->a);
        break;
    case HIST_OFFSET_COMMIT:
        if (r->c == HIST_COMMIT_SENT) return; /* the request's arrow shows it */
        m = plot_mark_add(p, r->time_ns, r->node, MARK_COMMIT);
        if (!m) return;
        m->error = (int16_t)r->c;
        snprintf(m->label, sizeof m->label, "commit (%s) %s @%lld%s%s",
                 r->b < 6 ? commit_kind[r->b] : "?", g, (long long)r->d, r->c ? " " : "",
                 r->c ? proto_error_name(r->c) : "");
        break;
    case HIST_ASSIGN:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_ASSIGN);
        if (m) snprintf(m->label, sizeof m->label, "%s %s gen %u",
                        r->b == HIST_ASSIGN_ASSIGNED ? "assigned" :
                        r->b == HIST_ASSIGN_LOST ? "lost" :
                        r->b == HIST_ASSIGN_REVOKED_COOPERATIVE ? "revoked (cooperative)" :
                        "revoked", g, r->a);
        break;
    case HIST_GROUP:
        m = plot_mark_add(p, r->time_ns, r->node,
                          r->b == GROUP_PREPARING_REBALANCE ? MARK_REBALANCE : MARK_GROUP);
        if (m) snprintf(m->label, sizeof m->label, "%s%s gen %u, %d member%s",
                        r->b == GROUP_PREPARING_REBALANCE ? "rebalance: " : "group ",
                        proto_group_state_name((int)r->b), r->a, r->c, r->c == 1 ? "" : "s");
        break;
    case HIST_MEMBER:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_MEMBER);
        if (m) snprintf(m->label, sizeof m->label, "%s %s",
                        node_name((node_id)r->c, name, sizeof name),
                        r->b < 5 ? member_event[r->b] : "?");
        break;
    default: break;
    }
}

/* True for a record of an internal partition (__transaction_state) the picture leaves out: its
 * batches hold the coordinator's state, not records, and the coordinator's decisions are drawn
 * from the transaction records instead. */
static bool plot_internal(const plot *p, const history_rec *r) {
    if (r->partition < p->workload_partitions) return false;
    switch ((history_kind)r->kind) {
    case HIST_APPEND:
    case HIST_DEDUP:
    case HIST_HW:
    case HIST_TRUNCATE:
    case HIST_ELECTION:
    case HIST_ISR:
    case HIST_RETRY:
    case HIST_ATTEMPT: return true;
    default: return false;
    }
}

/* Turns one history record into a mark, for the kinds the picture shows. */
static void plot_mark_record(plot *p, plot_reader *rd, const history_rec *r) {
    const proto_payloads *pl = rd->payloads;
    char ids[24];
    plot_mark *m = NULL;
    if (plot_internal(p, r)) return;
    switch ((history_kind)r->kind) {
    case HIST_APPEND:
        if (r->c) rd->leader = r->node; /* the first leader has no election record */
        m = plot_mark_add(p, r->time_ns, r->node, r->c ? MARK_APPEND_LEADER : MARK_APPEND_REPLICA);
        if (!m) return;
        m->anomaly = plot_payload_anomalous(p, pl, r->a);
        plot_ids_label(pl, r->a, ids, sizeof ids);
        if (r->c) snprintf(m->label, sizeof m->label, "%s @%lld", ids, (long long)r->d);
        break;
    case HIST_DEDUP:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_DEDUP);
        if (!m) return;
        plot_ids_label(pl, r->a, ids, sizeof ids);
        snprintf(m->label, sizeof m->label, "dup %s @%lld", ids, (long long)r->d);
        break;
    case HIST_HW:
        /* The followers' labels repeat the leader's a fetch later: hidden unless detail. */
        m = plot_mark_add(p, r->time_ns, r->node, MARK_HW);
        if (m && (p->detail || r->node == rd->leader || rd->leader == NODE_NONE))
            snprintf(m->label, sizeof m->label, "hw %lld", (long long)r->d);
        break;
    case HIST_CRASH:
        m = plot_mark_add(p, r->time_ns, r->node, r->a ? MARK_CRASH : MARK_RESTART);
        if (m)
            snprintf(m->label, sizeof m->label, "%s",
                     r->a == HIST_STOPPED ? "stop (controlled)"
                     : r->a              ? (r->b ? "power loss" : "crash")
                                         : "restart");
        break;
    case HIST_ELECTION:
        if (r->node == NODE_NONE) {
            m = plot_mark_add(p, r->time_ns, NODE_CONTROLLER, MARK_ELECTION);
            if (m) snprintf(m->label, sizeof m->label, "no leader e%u", r->a);
            return;
        }
        rd->leader = r->node;
        m = plot_mark_add(p, r->time_ns, r->node, r->b ? MARK_UNCLEAN : MARK_ELECTION);
        if (m)
            snprintf(m->label, sizeof m->label, "%sleader e%u", r->b ? "UNCLEAN " : "", r->a);
        break;
    case HIST_ISR: plot_mark_isr(p, rd, r); break;
    case HIST_RETRY:
    case HIST_ATTEMPT: plot_note_retry(p, rd, r); break;
    case HIST_TRUNCATE:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_TRUNCATE);
        if (m)
            snprintf(m->label, sizeof m->label, "truncate to %lld (-%u)", (long long)r->d, r->a);
        break;
    case HIST_PRODUCER_ID:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_PRODUCER);
        if (m)
            snprintf(m->label, sizeof m->label, "%sproducer id %u epoch %u",
                     rd->producer_ids++ ? "new " : "", r->f, r->a);
        break;
    case HIST_EPOCH_BUMP:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_PRODUCER);
        if (m) snprintf(m->label, sizeof m->label, "epoch bump: id %u epoch %u", r->f, r->a);
        break;
    case HIST_EXPIRE:
        m = plot_mark_add(p, r->time_ns, r->node, MARK_PRODUCER);
        if (!m) return;
        plot_ids_label(pl, r->a, ids, sizeof ids);
        snprintf(m->label, sizeof m->label, "expired %s", ids);
        break;
    case HIST_CALLBACK: plot_mark_callback(p, r); break;
    case HIST_FAULT: plot_mark_fault(p, r); break;
    case HIST_MARKER:
    case HIST_LSO:
    case HIST_TXN_END:
    case HIST_TXN_STATE:
    case HIST_TXN_FENCE: plot_mark_txn(p, r); break;
    case HIST_POLL:
    case HIST_PROCESS:
    case HIST_OFFSET_COMMIT:
    case HIST_ASSIGN:
    case HIST_GROUP:
    case HIST_MEMBER: plot_mark_consumer(p, r); break;
    case HIST_OFFSETS:
    case HIST_POSITION: plot_mark_offsets(p, rd, r); break;
    default:
        break;
    }
}

/* A mark per lost message: a cross just before the receiver's lane (toward the sender), at
 * the time it would have arrived, labelled with what a lost Produce message carried. */
static void plot_mark_lost(plot *p, const plot_msg *msg, const proto_payloads *pl) {
    bool background = msg->api == API_BROKER_HEARTBEAT || msg->api == API_HEARTBEAT ||
                      (msg->api == API_FETCH && (!msg->is_response || msg->batches == 0));
    if (background && !p->detail) return; /* as plot_msg_shown */
    int64_t at = msg->arrive_ns > msg->sent_ns ? msg->arrive_ns : msg->sent_ns + p->latency_ns;
    plot_mark *m = plot_mark_add(p, at, msg->to, MARK_LOST);
    if (!m) return;
    int from = plot_lane(p, msg->from), to = plot_lane(p, msg->to);
    m->toward = (int8_t)(from > to ? 1 : from < to ? -1 : 0);
    m->anomaly = msg->anomaly;
    if (msg->api != API_PRODUCE) return;
    char ids[24];
    if (!msg->is_response) {
        plot_ids_label(pl, msg->payload, ids, sizeof ids);
        snprintf(m->label, sizeof m->label, "lost request %s", ids);
    } else if (msg->offset >= 0) {
        snprintf(m->label, sizeof m->label, "lost answer @%lld", (long long)msg->offset);
    } else {
        snprintf(m->label, sizeof m->label, "lost answer");
    }
}

/* The marks after the first `sorted` (lost messages, in the order their fate was known) are
 * merged into the time order of the history's, stably: equal times keep history marks first. */
static void plot_marks_merge(plot *p, size_t sorted) {
    size_t n = p->mark_count;
    if (sorted == n || p->failed) return;
    plot_mark *out = malloc(n * sizeof *out);
    if (!out) {
        p->failed = true;
        return;
    }
    /* The tail is in arrival order, which is time order except for messages refused at send;
     * an insertion pass makes it sorted (it is short: lost messages only). */
    for (size_t i = sorted + 1; i < n; i++) {
        plot_mark m = p->marks[i];
        size_t j = i;
        while (j > sorted && p->marks[j - 1].time_ns > m.time_ns) {
            p->marks[j] = p->marks[j - 1];
            j--;
        }
        p->marks[j] = m;
    }
    size_t a = 0, b = sorted, k = 0;
    while (a < sorted || b < n) {
        bool take_a = b == n || (a < sorted && p->marks[a].time_ns <= p->marks[b].time_ns);
        out[k++] = take_a ? p->marks[a++] : p->marks[b++];
    }
    free(p->marks);
    p->marks = out;
    p->mark_capacity = n;
}

static void plot_on_judged(void *ctx, const checker_input *in, const config *c) {
    plot *p = ctx;
    p->brokers = c->num_brokers;
    fault_world world;
    fault_world_of(c, &world);
    p->producers = world.producers > 0 ? world.producers : 1;
    p->partitions = world.workload_partitions;
    p->workload_partitions = world.workload_partitions;
    p->consumers = c->consumers;
    if (p->consumers > 0) {
        /* The output topic's partitions follow the workload's (topics.h): drawn as partitions,
         * their appends and high watermarks on the brokers' lanes in their own colours. */
        p->partitions += c->topics.output_partitions;
        p->workload_partitions = p->partitions;
    }
    if (p->partitions > 1 || p->consumers > 0) {
        p->partition_names = calloc((size_t)p->partitions, sizeof *p->partition_names);
        if (!p->partition_names) p->failed = true;
        for (int g = 0; p->partition_names && g < p->partitions; g++)
            world.partition_name(world.ctx, g, p->partition_names[g],
                                 sizeof p->partition_names[g]);
    }
    p->latency_ns = c->latency_ns;
    p->records = in->records;
    p->fault_count = c->fault_count;
    for (int i = 0; i < c->fault_count && i < CONFIG_FAULTS_MAX; i++) {
        snprintf(p->fault_names[i], sizeof p->fault_names[i], "%s", c->faults[i].name);
        p->fault_restarts_producer[i] = strncmp(c->faults[i].text, "restart producer", 16) == 0;
    }
    snprintf(p->title, sizeof p->title,
             "acks=%s  enable.idempotence=%s  max.in.flight=%d  min.insync.replicas=%d  "
             "records=%llu  seed %llu",
             c->acks < 0 ? "all" : c->acks ? "1" : "0", c->enable_idempotence ? "true" : "false",
             c->max_in_flight, c->min_insync_replicas, (unsigned long long)c->records,
             (unsigned long long)c->seed);
    p->anomalous = p->records ? calloc(p->records, 1) : NULL;
    if (p->records && !p->anomalous) p->failed = true;
    checker_result verdict;
    if (checker_run_visit(in, &verdict, plot_on_anomaly, p) != 0) p->failed = true;
    for (size_t i = 0; i < p->msg_count; i++)
        p->msgs[i].anomaly = plot_payload_anomalous(p, in->payloads, p->msgs[i].payload);
    plot_read_history(p, in->history, in->payloads);
}

void plot_read_history(plot *p, const history *h, const proto_payloads *payloads) {
    plot_reader rd = {.payloads = payloads, .leader = NODE_NONE};
    rd.retry_ns = payloads->count ? malloc(payloads->count * sizeof *rd.retry_ns) : NULL;
    for (uint32_t i = 0; rd.retry_ns && i < payloads->count; i++) rd.retry_ns[i] = -1;
    if (p->consumers > 0 && p->partitions > 0) {
        rd.committed = malloc((size_t)p->partitions * sizeof *rd.committed);
        rd.committed_by = malloc((size_t)p->partitions * sizeof *rd.committed_by);
        if (rd.committed && rd.committed_by) rd.committed_count = p->partitions;
        for (int g = 0; g < rd.committed_count; g++) rd.committed[g] = -1;
    }
    for (size_t i = 0; i < h->count; i++) {
        /* A coalesced send or callback stands for several records (history.h). */
        for (uint32_t j = 0, n = history_rec_span(&h->recs[i]); j < n; j++) {
            history_rec r = history_rec_expand(&h->recs[i], j);
            size_t before = p->mark_count;
            plot_mark_record(p, &rd, &r);
            for (size_t k = before; k < p->mark_count; k++) p->marks[k].partition = r.partition;
        }
    }
    free(rd.retry_ns);
    free(rd.committed);
    free(rd.committed_by);
    size_t history_marks = p->mark_count;
    for (size_t i = 0; i < p->msg_count; i++) {
        if (p->msgs[i].lost) plot_mark_lost(p, &p->msgs[i], payloads);
    }
    plot_marks_merge(p, history_marks);
}

void plot_init(plot *p, int64_t from_ns, int64_t to_ns) {
    memset(p, 0, sizeof *p);
    p->from_ns = from_ns;
    p->to_ns = to_ns;
    p->watch.on_message = plot_on_message;
    p->watch.on_judged = plot_on_judged;
    p->watch.ctx = p;
}

void plot_fini(plot *p) {
    free(p->msgs);
    free(p->marks);
    free(p->gaps);
    free(p->anomalous);
    free(p->partition_names);
    memset(p, 0, sizeof *p);
}

/* ---- The window --------------------------------------------------------------------------- */

/* One side of a window: "" (open), or a decimal number with us, ms, s, min or h. */
static int plot_time_parse(const char *text, size_t len, int64_t *out_ns) {
    if (len == 0) {
        *out_ns = -1;
        return 0;
    }
    char buf[32];
    if (len >= sizeof buf) return -1;
    memcpy(buf, text, len);
    buf[len] = 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || errno != 0 || v < 0) return -1;
    double scale;
    if (strcmp(end, "us") == 0) scale = 1e3;
    else if (strcmp(end, "ms") == 0) scale = 1e6;
    else if (strcmp(end, "s") == 0) scale = 1e9;
    else if (strcmp(end, "min") == 0) scale = 60e9;
    else if (strcmp(end, "h") == 0) scale = 3600e9;
    else return -1;
    if (v * scale > 9e18) return -1;
    *out_ns = (int64_t)(v * scale + 0.5);
    return 0;
}

int plot_window_parse(const char *text, int64_t *from_ns, int64_t *to_ns, char *err,
                      size_t err_len) {
    const char *dots = strstr(text, "..");
    if (!dots || plot_time_parse(text, (size_t)(dots - text), from_ns) != 0 ||
        plot_time_parse(dots + 2, strlen(dots + 2), to_ns) != 0) {
        snprintf(err, err_len,
                 "--window: '%s': expected FROM..TO, times with a unit (us, ms, s, min, h), "
                 "either side may be empty", text);
        return -1;
    }
    if (*from_ns >= 0 && *to_ns >= 0 && *from_ns >= *to_ns) {
        snprintf(err, err_len, "--window: '%s': FROM must be before TO", text);
        return -1;
    }
    return 0;
}

/* ---- Drawing ------------------------------------------------------------------------------ */

typedef enum plot_msg_class {
    CLASS_PRODUCE = 0, CLASS_RETRY, CLASS_ANOMALY, CLASS_RESPONSE, CLASS_ERROR, CLASS_FETCH,
    CLASS_OTHER, CLASS_LOST, CLASS_TXN, CLASS_GROUP, CLASS_CONSUMER_FETCH, CLASS_COUNT
} plot_msg_class;

/* Faint classes first, underneath; lost messages last, on top, so a lost answer inside a run
 * of arrows stays visible. */
static const plot_msg_class plot_msg_order[CLASS_COUNT] = {
    CLASS_OTHER, CLASS_FETCH, CLASS_CONSUMER_FETCH, CLASS_TXN, CLASS_GROUP, CLASS_RESPONSE,
    CLASS_ERROR, CLASS_PRODUCE, CLASS_RETRY, CLASS_ANOMALY, CLASS_LOST,
};

typedef struct plot_style {
    const char *name;  /* data block name */
    const char *color; /* rgb */
    const char *style; /* the rest of the plot clause */
    const char *title; /* legend entry */
} plot_style;

static const plot_style plot_msg_styles[CLASS_COUNT] = {
    {"produce", "#1f5fbf", "lw 1.6", "Produce request"},
    {"retry", "#e08000", "lw 1.6 dt 2", "Produce retry"},
    {"anomalymsg", "#d0009a", "lw 2.2", "Produce of an anomalous record"},
    {"response", "#2a9d3a", "lw 1.2", "Produce response"},
    {"errresponse", "#c03030", "lw 1.2 dt 3", "Produce response with error"},
    {"fetch", "#9a9a9a", "lw 0.8", "Fetch (replication)"},
    {"other", "#c8c8e0", "lw 0.6", "metadata, InitProducerId, ISR, controller"},
    {"lost", "#ff2020", "lw 1.6 dt 4", "lost message"},
    {"txn", "#b8860b", "lw 1.1", "FindCoordinator, AddPartitionsToTxn, EndTxn, WriteTxnMarkers"},
    {"group", "#0a8f8f", "lw 1.0", "JoinGroup, SyncGroup, LeaveGroup, OffsetCommit, OffsetFetch"},
    {"cfetch", "#6fa8dc", "lw 0.9 dt 5", "Fetch (consumer)"},
};

static const plot_style plot_mark_styles[MARK_KIND_COUNT] = {
    {"append", "#1f5fbf", "pt 5 ps 1.3", "leader append"},
    {"replica", "#1f5fbf", "pt 4 ps 1.1", "replica append"},
    {"hw", "#2a9d3a", "pt 9 ps 0.9", "high watermark"},
    {"crash", "#8b0000", "pt 2 ps 3 lw 3", "crash"},
    {"restart", "#8b0000", "pt 6 ps 2 lw 2", "restart"},
    {"election", "#e08000", "pt 3 ps 2.2 lw 2", "election"},
    {"unclean", "#ff0000", "pt 3 ps 2.6 lw 3", "unclean election"},
    {"truncate", "#c03030", "pt 11 ps 1.8", "truncation"},
    {"dedup", "#00a0b0", "pt 13 ps 1.6", "duplicate answered from cache"},
    {"producer", "#7040a0", "pt 8 ps 1.4", "producer id / epoch / expiry"},
    {"failed", "#c03030", "pt 10 ps 1.4", "callback: failed"},
    {"acked", "#2a9d3a", "pt 6 ps 1.4", "callback: acked (anomalous)"},
    {"fault", "#606060", "pt 1 ps 2", "fault starts / ends"},
    {"isrshrink", "#b05000", "pt 15 ps 1.8", "ISR shrinks"},
    {"isrexpand", "#b05000", "pt 14 ps 1.8", "ISR expands"},
    {"lostmark", "#ff2020", "pt 2 ps 2.2 lw 3", "lost before its receiver (x)"},
    {"marker", "#b8860b", "pt 7 ps 1.5", "transaction marker (COMMIT / ABORT)"},
    {"lso", "#2a6d3a", "pt 8 ps 0.9", "last stable offset"},
    {"txnend", "#b8860b", "pt 12 ps 1.8", "commitTransaction / abortTransaction returned"},
    {"coordinator", "#8a5a00", "pt 4 ps 2", "coordinator: prepare, complete, fence"},
    {"poll", "#4060c0", "pt 9 ps 0.8", "poll (records handed to the application)"},
    {"process", "#808080", "pt 7 ps 0.4", "record processed"},
    {"commit", "#0a8f8f", "pt 5 ps 1.2", "offset commit answered"},
    {"assign", "#6a3d9a", "pt 12 ps 1.4", "partition assigned / revoked"},
    {"rebalance", "#e06000", "pt 13 ps 2.4", "rebalance (PreparingRebalance)"},
    {"groupstate", "#0a6f6f", "pt 12 ps 1.6", "group state"},
    {"member", "#0a6f6f", "pt 3 ps 1.4", "member joins / leaves"},
    {"committed", "#008060", "pt 15 ps 1.6", "committed offset (on the group coordinator)"},
    {"position", "#c0307a", "pt 11 ps 1.7", "position taken (where a consumer resumes)"},
};

/* Traffic that repeats every few ms and says nothing a mark does not: broker heartbeats and
 * follower fetches that carry no records (every fetch request, every empty response). */
static bool plot_msg_background(const plot_msg *m) {
    if (m->api == API_BROKER_HEARTBEAT || m->api == API_HEARTBEAT) return true;
    return m->api == API_FETCH && (!m->is_response || m->batches == 0);
}

static bool plot_msg_shown(const plot *p, const plot_msg *m) {
    return p->detail || !plot_msg_background(m);
}

static plot_msg_class plot_msg_classify(const plot_msg *m) {
    if (m->lost) return CLASS_LOST;
    if (m->api == API_FETCH)
        return node_is_consumer(m->from) || node_is_consumer(m->to) ? CLASS_CONSUMER_FETCH
                                                                    : CLASS_FETCH;
    if (m->api == API_JOIN_GROUP || m->api == API_SYNC_GROUP || m->api == API_HEARTBEAT ||
        m->api == API_LEAVE_GROUP || m->api == API_OFFSET_COMMIT || m->api == API_OFFSET_FETCH ||
        m->api == API_TXN_OFFSET_COMMIT || m->api == API_ADD_OFFSETS_TO_TXN ||
        (m->api == API_FIND_COORDINATOR && (node_is_consumer(m->from) || node_is_consumer(m->to))))
        return CLASS_GROUP;
    if (m->api == API_FIND_COORDINATOR || m->api == API_ADD_PARTITIONS_TO_TXN ||
        m->api == API_END_TXN || m->api == API_WRITE_TXN_MARKERS)
        return CLASS_TXN;
    if (m->api != API_PRODUCE) return CLASS_OTHER;
    if (m->is_response) return m->error ? CLASS_ERROR : CLASS_RESPONSE;
    if (m->anomaly) return CLASS_ANOMALY;
    return m->attempt > 1 ? CLASS_RETRY : CLASS_PRODUCE;
}

static double plot_ms(int64_t ns) { return (double)ns / 1e6; }

/* A lost message's cross sits this far (in lanes) before its receiver's lane. */
#define PLOT_LOST_BEFORE 0.15

/* Opens a data block named name, unless it is open already. */
static void plot_block_open(FILE *f, const char *name, bool *open) {
    if (*open) return;
    fprintf(f, "$%s << EOD\n", name);
    *open = true;
}

/* Writes the data block of one message class; returns the messages written (only counts them
 * when f is NULL). The class of transactions writes a block only when it has messages, so that
 * a run without them keeps the script it always had. */
static size_t plot_write_msgs(FILE *f, const plot *p, plot_msg_class cls, int64_t from,
                              int64_t to) {
    size_t n = 0;
    bool open = false;
    if (f && cls < CLASS_TXN) plot_block_open(f, plot_msg_styles[cls].name, &open);
    for (size_t i = 0; i < p->msg_count; i++) {
        const plot_msg *m = &p->msgs[i];
        if (plot_msg_classify(m) != cls || !plot_msg_shown(p, m)) continue;
        if (m->arrive_ns < from || m->sent_ns > to) continue;
        if (!f) {
            n++;
            continue;
        }
        plot_block_open(f, plot_msg_styles[cls].name, &open);
        double y0 = plot_lane(p, m->from), y1 = plot_lane(p, m->to);
        double x0 = plot_ms(m->sent_ns), x1 = plot_ms(m->arrive_ns);
        if (m->lost) { /* to the cross before the receiver's lane (plot_mark_lost) */
            if (m->arrive_ns == m->sent_ns) x1 = plot_ms(m->sent_ns + p->latency_ns);
            y1 += y0 > y1 ? PLOT_LOST_BEFORE : y0 < y1 ? -PLOT_LOST_BEFORE : 0;
        }
        fprintf(f, "%.6f %.3f %.6f %.3f\n", x0, y0, x1 - x0, y1 - y0);
        n++;
    }
    if (open) fputs("EOD\n", f);
    return n;
}

/* ---- The broken time axis ----------------------------------------------------------------- */

/* A stretch of the window where nothing drawn happens (no mark, no shown message sent or
 * arriving, no retry wait starting or ending) longer than PLOT_BREAK_IDLE of the window is cut:
 * it keeps PLOT_BREAK_WIDTH of the axis, drawn as a grey band with a break mark (//) on both
 * edges of the axis, and the true times on both sides of it are tick labels. Each cut leaves
 * PLOT_BREAK_PAD of the window's width as idle margin on both sides (rounded to a round time),
 * so no mark sits on a break and none moves across one: every event keeps its true time in the
 * data blocks, and the script maps time to the axis with one function, bx(t), linear between
 * breaks (monotone, so order and the length of every busy stretch are exact). At most
 * PLOT_BREAKS_MAX of the longest stretches are cut. */
#define PLOT_BREAK_IDLE 0.08
#define PLOT_BREAK_PAD 0.015
#define PLOT_BREAK_WIDTH 0.035
#define PLOT_BREAKS_MAX 12
/* The picture's fixed geometry, pixels: its width, the plot area's edges (Label placement). */
#define PLOT_WIDTH_PX 1500
#define PLOT_LEFT_PX 110
#define PLOT_RIGHT_PX 1470
#define PLOT_TOP_PX 70
#define PLOT_BOTTOM_MARGIN_PX 175 /* the tick labels, the axis label and the legend */
/* The legend's rows that PLOT_BOTTOM_MARGIN_PX holds, and a row's height (font 9, spacing
 * 1.1). A picture with consumers draws more kinds than fit: its legend is set in two columns
 * (their titles are long) and the margin grows by the rows beyond these. */
#define PLOT_LEGEND_ROWS 8
#define PLOT_LEGEND_ROW_PX 15
#define PLOT_LEGEND_COLUMNS 2
#define PLOT_LEGEND_PAD_PX 10 /* under the last row, once the margin grows */
#define PLOT_AREA_PX ((double)(PLOT_RIGHT_PX - PLOT_LEFT_PX))

typedef struct plot_axis {
    int64_t from_ns;                         /* window start */
    int64_t to_ns;                           /* window end */
    int breaks;                              /* cuts, in time order */
    int64_t cut_from_ns[PLOT_BREAKS_MAX];    /* where cut i starts (true time) */
    int64_t cut_to_ns[PLOT_BREAKS_MAX];      /* where it ends */
    double break_ms;                         /* the axis width each cut keeps, ms of axis */
    double length_ms;                        /* the axis from from_ns to to_ns, ms of axis */
} plot_axis;

/* Where true time t_ns sits on the axis, in ms of axis (the script's bx computes the same). */
static double plot_axis_x(const plot_axis *a, int64_t t_ns) {
    double t = plot_ms(t_ns), shift = 0;
    for (int i = 0; i < a->breaks; i++) {
        double s = plot_ms(a->cut_from_ns[i]), e = plot_ms(a->cut_to_ns[i]);
        if (t < s) break;
        if (t < e) return s - shift + (t - s) * a->break_ms / (e - s);
        shift += e - s - a->break_ms;
    }
    return t - shift;
}

/* Where t_ns sits as a fraction of the axis (0 at the window's start, 1 at its end). */
static double plot_axis_at(const plot_axis *a, int64_t t_ns) {
    return (plot_axis_x(a, t_ns) - plot_ms(a->from_ns)) / (a->length_ms > 0 ? a->length_ms : 1);
}

static int plot_i64_compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The largest of 1, 2, 5 times a power of ten (ns) not above limit_ns (1 at least). */
static int64_t plot_round_step(int64_t limit_ns) {
    int64_t step = 1;
    while (step * 10 <= limit_ns) step *= 10;
    if (step * 5 <= limit_ns) return step * 5;
    if (step * 2 <= limit_ns) return step * 2;
    return step;
}

/* The smallest of 1, 2, 5 times a power of ten (ns) not below want_ns. */
static int64_t plot_round_up(int64_t want_ns) {
    for (int64_t step = 1;; step *= 10) {
        if (step >= want_ns) return step;
        if (step * 2 >= want_ns) return step * 2;
        if (step * 5 >= want_ns) return step * 5;
    }
}

/* The times of everything drawn inside [from, to] (unsorted) into *out; returns the count, or
 * 0 when memory ran out (then the axis is not broken). */
static size_t plot_axis_events(const plot *p, int64_t from, int64_t to, int64_t **out) {
    size_t cap = 2 + p->mark_count + 2 * p->msg_count + 2 * p->gap_count, n = 0;
    int64_t *t = malloc(cap * sizeof *t);
    if (!t) return 0;
    t[n++] = from;
    t[n++] = to;
    for (size_t i = 0; i < p->mark_count; i++)
        if (p->marks[i].time_ns >= from && p->marks[i].time_ns <= to) t[n++] = p->marks[i].time_ns;
    for (size_t i = 0; i < p->msg_count; i++) {
        const plot_msg *m = &p->msgs[i];
        if (!plot_msg_shown(p, m) || m->arrive_ns < from || m->sent_ns > to) continue;
        if (m->sent_ns >= from) t[n++] = m->sent_ns;
        int64_t end = m->lost && m->arrive_ns == m->sent_ns ? m->sent_ns + p->latency_ns
                                                            : m->arrive_ns;
        if (end <= to) t[n++] = end;
    }
    for (size_t i = 0; i < p->gap_count; i++) {
        if (p->gaps[i].from_ns >= from && p->gaps[i].from_ns <= to) t[n++] = p->gaps[i].from_ns;
        if (p->gaps[i].to_ns >= from && p->gaps[i].to_ns <= to) t[n++] = p->gaps[i].to_ns;
    }
    *out = t;
    return n;
}

/* Cuts the idle stretches of [from, to] (the section's comment says which). */
static void plot_axis_build(plot_axis *a, const plot *p, int64_t from, int64_t to) {
    memset(a, 0, sizeof *a);
    a->from_ns = from;
    a->to_ns = to;
    a->length_ms = plot_ms(to - from);
    int64_t *t = NULL;
    size_t n = plot_axis_events(p, from, to, &t);
    if (n == 0) return;
    qsort(t, n, sizeof *t, plot_i64_compare);
    int64_t idle = (int64_t)((double)(to - from) * PLOT_BREAK_IDLE);
    int64_t pad = (int64_t)((double)(to - from) * PLOT_BREAK_PAD);
    int64_t grain = plot_round_step(pad / 2 > 0 ? pad / 2 : 1);
    int64_t cut_ns = 0;
    for (size_t i = 1; i < n; i++) {
        if (t[i] - t[i - 1] <= idle) continue;
        int64_t s = (t[i - 1] + pad + grain - 1) / grain * grain, e = (t[i] - pad) / grain * grain;
        if (e - s <= 2 * pad) continue;
        int k = a->breaks;
        if (k == PLOT_BREAKS_MAX) { /* full: replace the shortest when this one is longer */
            k = 0;
            for (int j = 1; j < a->breaks; j++)
                if (a->cut_to_ns[j] - a->cut_from_ns[j] < a->cut_to_ns[k] - a->cut_from_ns[k])
                    k = j;
            if (e - s <= a->cut_to_ns[k] - a->cut_from_ns[k]) continue;
            cut_ns -= a->cut_to_ns[k] - a->cut_from_ns[k];
            memmove(&a->cut_from_ns[k], &a->cut_from_ns[k + 1],
                    (size_t)(a->breaks - k - 1) * sizeof a->cut_from_ns[0]);
            memmove(&a->cut_to_ns[k], &a->cut_to_ns[k + 1],
                    (size_t)(a->breaks - k - 1) * sizeof a->cut_to_ns[0]);
            k = a->breaks - 1;
        } else {
            a->breaks++;
        }
        a->cut_from_ns[k] = s;
        a->cut_to_ns[k] = e;
        cut_ns += e - s;
    }
    free(t);
    if (a->breaks == 0) return;
    /* Each cut keeps PLOT_BREAK_WIDTH of the axis it leaves: w = f (kept + n w). */
    double kept = plot_ms(to - from - cut_ns), f = PLOT_BREAK_WIDTH * a->breaks;
    a->break_ms = kept * PLOT_BREAK_WIDTH / (1 - (f < 0.5 ? f : 0.5));
    a->length_ms = kept + a->break_ms * a->breaks;
}

/* "165", "2.5", "0.125": a time in ms with no trailing zeros. */
static void plot_ms_text(int64_t ns, char *buf, size_t len) {
    snprintf(buf, len, "%lld.%06lld", (long long)(ns / SIM_MS), (long long)(ns % SIM_MS));
    char *end = buf + strlen(buf) - 1;
    while (*end == '0') *end-- = '\0';
    if (*end == '.') *end = '\0';
}

/* Writes bx(t), the map from true ms to the axis, as nested conditions over the cuts. */
static void plot_axis_write_map(FILE *f, const plot_axis *a) {
    fputs("# The broken time axis: data hold true times; bx(t) maps a time to the axis, cutting\n"
          "# the idle stretches (each keeps a narrow band; the tick labels give true times).\n"
          "bx(t) = ", f);
    double shift = 0;
    for (int i = 0; i < a->breaks; i++) {
        double s = plot_ms(a->cut_from_ns[i]), e = plot_ms(a->cut_to_ns[i]);
        fprintf(f, "t < %.6f ? t - %.6f : t < %.6f ? %.6f + (t - %.6f) * %.9f : ", s, shift, e,
                s - shift, s, a->break_ms / (e - s));
        shift += e - s - a->break_ms;
    }
    fprintf(f, "t - %.6f\n", shift);
}

/* Writes the tick labels (true times, a round step apart, plus both sides of every cut) and the
 * bands and break marks of the cuts. */
static void plot_axis_write_ticks(FILE *f, const plot_axis *a) {
    double len = a->length_ms > 0 ? a->length_ms : 1;
    /* A step of at least 90 pixels of axis, in true time (the scale outside the cuts). */
    int64_t want = (int64_t)(len * 90.0 / PLOT_AREA_PX * (double)SIM_MS);
    int64_t step = plot_round_up(want > 0 ? want : 1);
    double near = 55.0 / PLOT_AREA_PX; /* a tick this close to a cut's edge loses its label */
    char text[32];
    const char *sep = "set xtics (";
    for (int seg = 0; seg <= a->breaks; seg++) {
        int64_t s = seg ? a->cut_to_ns[seg - 1] : a->from_ns;
        int64_t e = seg < a->breaks ? a->cut_from_ns[seg] : a->to_ns;
        for (int64_t t = (s + step - 1) / step * step; t <= e; t += step) {
            double x = plot_axis_at(a, t);
            bool crowded = false;
            for (int i = 0; i < a->breaks && !crowded; i++)
                crowded = fabs(x - plot_axis_at(a, a->cut_from_ns[i])) < near ||
                          fabs(x - plot_axis_at(a, a->cut_to_ns[i])) < near;
            if (crowded) continue;
            plot_ms_text(t, text, sizeof text);
            fprintf(f, "%s\"%s\" %.6f", sep, text, plot_axis_x(a, t));
            sep = ", ";
        }
        if (seg < a->breaks) {
            plot_ms_text(a->cut_from_ns[seg], text, sizeof text);
            fprintf(f, "%s\"%s\" %.6f", sep, text, plot_axis_x(a, a->cut_from_ns[seg]));
            sep = ", ";
            plot_ms_text(a->cut_to_ns[seg], text, sizeof text);
            fprintf(f, ", \"%s\" %.6f", text, plot_axis_x(a, a->cut_to_ns[seg]));
        }
    }
    fputs(*sep == 's' ? "set xtics\n" : ")\n", f);
    double slant = len * 5.0 / PLOT_AREA_PX;
    for (int i = 0; i < a->breaks; i++) {
        double x0 = plot_axis_x(a, a->cut_from_ns[i]), x1 = plot_axis_x(a, a->cut_to_ns[i]);
        plot_ms_text(a->cut_to_ns[i] - a->cut_from_ns[i], text, sizeof text);
        fprintf(f, "set object %d rect from first %.6f, graph 0 to first %.6f, graph 1 behind "
                   "fc rgb '#f0f0f0' fs solid 1.0 noborder\n", i + 1, x0, x1);
        fprintf(f, "set label %d \"%s ms cut\" at first %.6f, graph 0.02 rotate by 90 left "
                   "font ',8' tc rgb '#808080' front\n", i + 1, text, (x0 + x1) / 2);
        for (int side = 0; side < 2; side++) {
            double x = side ? x1 : x0;
            for (int edge = 0; edge < 2; edge++)
                fprintf(f, "set arrow from first %.6f, graph %.3f to first %.6f, graph %.3f "
                           "nohead lc rgb '#404040' lw 1.5 front\n", x - slant, edge - 0.015,
                        x + slant, edge + 0.015);
        }
    }
}

/* ---- Label placement -------------------------------------------------------------------- */

/* No label prints over another. The picture's geometry is fixed (the margins are set, so the
 * plot area is PLOT_LEFT_PX..PLOT_RIGHT_PX wide and PLOT_TOP_PX below the top), so every label
 * has a box in pixels: its text's width from the advances of the 8-point Sans glyphs
 * (plot_glyph_px, measured on pngcairo), PLOT_ROW_PX high. Labels are placed one at a time
 * into a map of the plot area's pixels, each at the first free spot of a short list: beside
 * its mark to the right, in rows above its lane (a high watermark's below first, a lost
 * message's beside its cross and then toward its sender), then the other side of the lane,
 * then the same rows to the left of the mark; never past half the way to the next lane, never
 * outside the plot area. A label with no free spot is left out (its mark is still drawn;
 * --explain and --trace list everything). The order is by importance, each pass in time order:
 * the retry brackets' and the cuts' labels, what changes the cluster or a client's identity
 * and what the application was told (crashes, restarts, elections, ISR changes, producer ids
 * and epochs, truncations, callbacks, the transactions' outcomes), faults and lost messages,
 * answers from the cache and records the dedup sink skipped, offset commits, appends, polls,
 * markers and the last stable offset, and last the high
 * watermarks. The top lane's labels may use the room above it, the bottom lane's below. */
#define PLOT_ROW_PX 12            /* a label's box height (the glyphs span -4..+6 around it) */
#define PLOT_MARK_GAP_PX 6        /* from a mark to its label */
#define PLOT_PASSES 6

/* The advance of ' ' .. '~' in the 8-point Sans of the labels, pixels. */
static const unsigned char plot_glyph_px[95] = {
    4, 4, 5, 9, 7, 10, 8, 3, 4, 4, 5, 9, 3, 4, 3, 4,  /* ' ' .. '/' */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 9, 9, 9, 6,   /* '0' .. '?' */
    11, 8, 7, 7, 8, 7, 6, 8, 8, 3, 3, 7, 6, 9, 8, 8,  /* '@' .. 'O' */
    6, 8, 7, 7, 7, 8, 7, 11, 7, 7, 7, 4, 4, 4, 9, 5,  /* 'P' .. '_' */
    4, 7, 7, 6, 7, 7, 4, 7, 7, 3, 3, 6, 3, 10, 7, 7,  /* '`' .. 'o' */
    7, 7, 4, 6, 4, 7, 6, 9, 6, 6, 6, 7, 4, 7, 9,      /* 'p' .. '~' */
};

/* The width of text in the labels' font, pixels (another byte: a wide glyph's share). */
static int plot_text_px(const char *text) {
    int px = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c >= ' ' && *c <= '~') px += plot_glyph_px[*c - ' '];
        else if ((*c & 0xC0) != 0x80) px += 11; /* the first byte of a UTF-8 character */
    }
    return px;
}

/* The picture's size and the plot area's scales. */
typedef struct plot_geom {
    int height_px;   /* the picture's height */
    int bottom_px;   /* under the plot area: tick labels, the axis's name, the legend */
    bool legend_columns; /* the legend is set in PLOT_LEGEND_COLUMNS columns */
    double area_w;   /* the plot area, pixels */
    double area_h;
    double x_lo;     /* the axis, ms of axis */
    double x_hi;
    double y_lo;     /* the lanes' range */
    double y_hi;
} plot_geom;

/* legend: the legend's entries. A picture without consumers keeps the size it always had. */
static void plot_geom_of(plot_geom *g, const plot *p, const plot_axis *a, size_t legend) {
    int lanes = plot_lanes(p);
    g->height_px = 300 + 110 * lanes;
    g->bottom_px = PLOT_BOTTOM_MARGIN_PX;
    g->legend_columns = p->consumers > 0;
    size_t rows = (legend + PLOT_LEGEND_COLUMNS - 1) / PLOT_LEGEND_COLUMNS;
    if (g->legend_columns && rows > PLOT_LEGEND_ROWS) {
        int more = (int)(rows - PLOT_LEGEND_ROWS) * PLOT_LEGEND_ROW_PX + PLOT_LEGEND_PAD_PX;
        g->bottom_px += more;
        g->height_px += more;
    }
    g->area_w = PLOT_RIGHT_PX - PLOT_LEFT_PX;
    g->area_h = g->height_px - PLOT_TOP_PX - g->bottom_px;
    g->x_lo = plot_axis_x(a, a->from_ns);
    g->x_hi = plot_axis_x(a, a->to_ns);
    g->y_lo = -0.7;
    g->y_hi = lanes - 1 + 0.9;
}

/* Pixels inside the plot area from its left and its top. */
static double plot_px_x(const plot_geom *g, double x) {
    return (x - g->x_lo) / (g->x_hi - g->x_lo) * g->area_w;
}
static double plot_px_y(const plot_geom *g, double y) {
    return (g->y_hi - y) / (g->y_hi - g->y_lo) * g->area_h;
}

/* Which pixels of the plot area a placed label covers: a bit per pixel, a column at a time. */
typedef struct plot_occupied {
    int w;          /* columns */
    int h;          /* rows */
    int words;      /* words per column */
    uint64_t *bits; /* bits[x * words + y / 64] */
} plot_occupied;

static int plot_occupied_init(plot_occupied *o, const plot_geom *g) {
    o->w = (int)g->area_w;
    o->h = (int)g->area_h;
    o->words = (o->h + 63) / 64;
    o->bits = calloc((size_t)o->w * (size_t)o->words, sizeof *o->bits);
    return o->bits ? 0 : -1;
}

/* The box [x0, x1) x [y0, y1) in pixels of the area, rounded outward. */
typedef struct plot_box {
    int x0, y0, x1, y1;
} plot_box;

static plot_box plot_box_of(double x0, double y0, double x1, double y1) {
    return (plot_box){(int)floor(x0), (int)floor(y0), (int)ceil(x1), (int)ceil(y1)};
}

/* True when box lies inside the area and no placed label covers a pixel of it. */
static bool plot_occupied_free(const plot_occupied *o, plot_box b) {
    if (b.x0 < 0 || b.y0 < 0 || b.x1 > o->w || b.y1 > o->h || b.x0 >= b.x1 || b.y0 >= b.y1)
        return false;
    for (int x = b.x0; x < b.x1; x++) {
        const uint64_t *col = &o->bits[(size_t)x * (size_t)o->words];
        for (int y = b.y0; y < b.y1;) {
            int bit = y % 64, n = b.y1 - y < 64 - bit ? b.y1 - y : 64 - bit;
            uint64_t mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << bit;
            if (col[y / 64] & mask) return false;
            y += n;
        }
    }
    return true;
}

static void plot_occupied_take(plot_occupied *o, plot_box b) {
    if (b.x0 < 0) b.x0 = 0;
    if (b.y0 < 0) b.y0 = 0;
    if (b.x1 > o->w) b.x1 = o->w;
    if (b.y1 > o->h) b.y1 = o->h;
    for (int x = b.x0; x < b.x1; x++) {
        uint64_t *col = &o->bits[(size_t)x * (size_t)o->words];
        for (int y = b.y0; y < b.y1;) {
            int bit = y % 64, n = b.y1 - y < 64 - bit ? b.y1 - y : 64 - bit;
            col[y / 64] |= (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << bit;
            y += n;
        }
    }
}

/* The text a mark's label prints. */
typedef struct plot_label {
    char text[128]; /* a mark's label, or a run's (plot_label_runs) */
} plot_label;

/* A run of callback labels of one kind on one lane, each less than PLOT_RUN_GAP of the window
 * after the one before, prints once, on its first mark, with the record ids in the order the
 * callbacks came: "acked r2-27 (22 callbacks)", "acked r6,4,5,3 (4 callbacks)". */
#define PLOT_RUN_GAP 0.05

/* Appends the ids of m to buf: "r6" first, then ",4" or "-9"; false once buf is full. */
static bool plot_run_ids(char *buf, size_t len, const plot_mark *m, bool first) {
    size_t used = strlen(buf);
    int n = m->id_first == m->id_last
                ? snprintf(buf + used, len - used, "%s%u", first ? "r" : ",", m->id_first)
                : snprintf(buf + used, len - used, "%s%u-%u", first ? "r" : ",", m->id_first,
                           m->id_last);
    if (n < 0 || used + (size_t)n + 4 >= len) {
        buf[used] = '\0';
        return false;
    }
    return true;
}

static void plot_label_runs(const plot *p, const plot_axis *a, plot_label *text) {
    int64_t from = a->from_ns, to = a->to_ns;
    for (size_t i = 0; i < p->mark_count; i++) snprintf(text[i].text, sizeof text[i].text, "%s", p->marks[i].label);
    for (size_t i = 0; i < p->mark_count; i++) {
        const plot_mark *first = &p->marks[i];
        if (first->kind != MARK_ACKED && first->kind != MARK_FAILED) continue;
        if (first->time_ns < from || first->time_ns > to || !text[i].text[0]) continue;
        size_t count = first->id_last - first->id_first + 1, last = i;
        bool same_error = true, contiguous = true, fits = true;
        char ids[48] = "";
        plot_run_ids(ids, sizeof ids, first, true);
        for (size_t j = i + 1; j < p->mark_count; j++) {
            const plot_mark *m = &p->marks[j];
            if (m->time_ns > to ||
                plot_axis_at(a, m->time_ns) - plot_axis_at(a, p->marks[last].time_ns) >=
                    PLOT_RUN_GAP)
                break;
            if (m->kind != first->kind || m->node != first->node) continue;
            same_error = same_error && m->error == first->error;
            contiguous = contiguous && m->id_first == p->marks[last].id_last + 1;
            fits = fits && plot_run_ids(ids, sizeof ids, m, false);
            text[j].text[0] = '\0';
            count += m->id_last - m->id_first + 1;
            last = j;
        }
        if (last == i) continue;
        if (contiguous) snprintf(ids, sizeof ids, "r%u-%u", first->id_first, p->marks[last].id_last);
        else if (!fits) snprintf(ids + strlen(ids), sizeof ids - strlen(ids), ",..");
        const char *error = first->kind == MARK_ACKED ? "" : same_error ?
                            proto_error_name(first->error) : "errors";
        snprintf(text[i].text, sizeof text[i].text, "%s %s (%zu callbacks%s%s)",
                 first->kind == MARK_ACKED ? "acked" : "failed", ids, count,
                 error[0] ? ", " : "", error);
    }
}


/* The pass that places a kind's labels (the section's comment gives the order). */
static int plot_label_pass(int kind) {
    switch (kind) {
    case MARK_FAULT:
    case MARK_LOST: return 2;
    case MARK_DEDUP:
    case MARK_PROCESS: /* labelled only when the dedup sink skipped it, a duplicate as above */
    case MARK_COMMIT:
    case MARK_OFFSETS: return 3;
    case MARK_POLL:
    case MARK_APPEND_LEADER:
    case MARK_MARKER:
    case MARK_LSO: return 4;
    case MARK_HW: return 5;
    default: return 1;
    }
}

/* Where a mark's label went: hidden, or its left edge's offset from the mark (ms of axis) and
 * the height of its middle (lanes). */
typedef struct plot_place {
    bool shown;     /* printed */
    double dx;      /* from the mark's place on the axis to the text's start, ms of axis */
    double y;       /* the text's middle, lanes */
} plot_place;

/* The height of a mark: its lane, or just before it for a lost message's cross. */
static double plot_mark_y(const plot *p, const plot_mark *m) {
    return plot_lane(p, m->node) + m->toward * PLOT_LOST_BEFORE;
}

/* Tries the spots of one label (the section's comment); on success takes it and fills pl. */
static void plot_place_label(const plot *p, const plot_geom *g, plot_occupied *o,
                             const plot_mark *m, double mark_x, int text_px, plot_place *pl) {
    int lane = plot_lane(p, m->node);
    double lane_y = plot_px_y(g, lane), mark_y = plot_px_y(g, plot_mark_y(p, m));
    double half = (plot_px_y(g, 0) - plot_px_y(g, 1)) / 2 - 1; /* half the way to a lane */
    double up = lane == plot_lanes(p) - 1 ? lane_y - 1 : half;
    double down = lane == 0 ? g->area_h - lane_y - 1 : half;
    double w = text_px + 2, rows[32];
    int n = 0;
    /* Rows as offsets of the box's middle from the mark: first direction, then the other. */
    int first = m->kind == MARK_HW ? 1 : m->kind == MARK_LOST ? (m->toward > 0 ? -1 : 1) : -1;
    if (m->kind == MARK_LOST) rows[n++] = 0;
    for (int side = 0; side < 2; side++) {
        int dir = side ? -first : first;
        for (int r = 0; n < 32; r++) {
            double dy = dir * (PLOT_ROW_PX + r * PLOT_ROW_PX);
            double edge = mark_y + dy - lane_y;
            if (edge < 0 ? PLOT_ROW_PX / 2.0 - edge > up : edge + PLOT_ROW_PX / 2.0 > down)
                break;
            rows[n++] = dy;
        }
    }
    for (int left = 0; left < 2; left++) {
        double x0 = left ? mark_x - PLOT_MARK_GAP_PX - w : mark_x + PLOT_MARK_GAP_PX;
        for (int r = 0; r < n; r++) {
            double mid = mark_y + rows[r];
            plot_box b = plot_box_of(x0, mid - PLOT_ROW_PX / 2.0, x0 + w, mid + PLOT_ROW_PX / 2.0);
            if (!plot_occupied_free(o, b)) continue;
            plot_occupied_take(o, b);
            pl->shown = true;
            pl->dx = (x0 + 1 - mark_x) * (g->x_hi - g->x_lo) / g->area_w;
            pl->y = g->y_hi - mid / g->area_h * (g->y_hi - g->y_lo);
            return;
        }
    }
}

/* A retry bracket: a stretch in which batches of one producer waited to be retried. */
typedef struct plot_bracket {
    int64_t from_ns;    /* the first wait's start */
    int64_t to_ns;      /* the last one's end */
    int64_t longest_ns; /* the longest wait in it */
    size_t joined;      /* waits joined */
    node_id node;       /* the producer */
    bool label_shown;   /* its label found room */
    char text[48];      /* "waits to retry, up to 593 ms" */
} plot_bracket;

/* The middle of a bracket's label, lanes: under its line, above the producer's lane. */
static double plot_bracket_label_y(const plot *p, const plot_geom *g, const plot_bracket *b) {
    double line = plot_lane(p, b->node) + 0.78;
    return line - 11.0 / g->area_h * (g->y_hi - g->y_lo);
}

/* Places the brackets' labels (centred under their lines) and keeps the cuts' labels' room. */
static void plot_place_fixed(const plot *p, const plot_axis *a, const plot_geom *g,
                             plot_occupied *o, plot_bracket *br, size_t brackets) {
    for (size_t i = 0; i < brackets; i++) {
        double mid = (plot_px_x(g, plot_axis_x(a, br[i].from_ns)) +
                      plot_px_x(g, plot_axis_x(a, br[i].to_ns))) / 2;
        double y = plot_px_y(g, plot_bracket_label_y(p, g, &br[i]));
        double w = plot_text_px(br[i].text) + 2;
        plot_box b = plot_box_of(mid - w / 2, y - PLOT_ROW_PX / 2.0, mid + w / 2,
                                 y + PLOT_ROW_PX / 2.0);
        br[i].label_shown = plot_occupied_free(o, b);
        if (br[i].label_shown) plot_occupied_take(o, b);
    }
    for (int i = 0; i < a->breaks; i++) { /* "40 ms cut", upward from 2% above the bottom */
        char text[40];
        plot_ms_text(a->cut_to_ns[i] - a->cut_from_ns[i], text, sizeof text);
        strcat(text, " ms cut");
        double x = (plot_px_x(g, plot_axis_x(a, a->cut_from_ns[i])) +
                    plot_px_x(g, plot_axis_x(a, a->cut_to_ns[i]))) / 2;
        double bottom = g->area_h * 0.98;
        plot_occupied_take(o, plot_box_of(x - 7, bottom - plot_text_px(text) - 2, x + 7, bottom));
    }
}

/* Places every label of the window (the section's comment); places[i] for mark i. The texts
 * are final (a partition's name included). Returns 0, or -1 when memory ran out (then no
 * label of a mark is shown). */
static int plot_place_labels(const plot *p, const plot_axis *a, const plot_geom *g,
                             const plot_label *text, plot_bracket *br, size_t brackets,
                             plot_place *places) {
    memset(places, 0, (p->mark_count ? p->mark_count : 1) * sizeof *places);
    plot_occupied o;
    if (plot_occupied_init(&o, g) != 0) return -1;
    plot_place_fixed(p, a, g, &o, br, brackets);
    for (int pass = 1; pass < PLOT_PASSES; pass++) {
        for (size_t i = 0; i < p->mark_count; i++) {
            const plot_mark *m = &p->marks[i];
            if (m->time_ns < a->from_ns || m->time_ns > a->to_ns || !text[i].text[0]) continue;
            if (m->kind == MARK_APPEND_REPLICA || plot_label_pass(m->kind) != pass) continue;
            double x = plot_px_x(g, plot_axis_x(a, m->time_ns));
            plot_place_label(p, g, &o, m, x, plot_text_px(text[i].text), &places[i]);
        }
    }
    free(o.bits);
    return 0;
}

/* The final texts: a run's label (plot_label_runs), a partition's name before a replica's. */
static void plot_label_texts(const plot *p, const plot_axis *a, plot_label *text) {
    plot_label_runs(p, a, text);
    for (size_t i = 0; i < p->mark_count; i++) {
        const plot_mark *m = &p->marks[i];
        if (!plot_colored(p, m->kind) || !text[i].text[0]) continue;
        char own[sizeof text[i].text];
        snprintf(own, sizeof own, "%s", text[i].text);
        snprintf(text[i].text, sizeof text[i].text, "%.31s %.95s",
                 p->partition_names[m->partition % p->partitions], own);
    }
}

/* Writes the data block of one mark kind (anomalous only when only_anomalies): time, height,
 * label (empty when it found no room), the label's middle (lanes) and its start's offset from
 * the mark (ms of axis), and the partition's colour when marks are coloured. The kinds of
 * transactions write a block only when they have marks (as plot_write_msgs). Returns the
 * marks written (only counts them when f is NULL: then text and places may be NULL). */
static size_t plot_write_marks(FILE *f, const plot *p, int kind, bool only_anomalies,
                               const char *name, const plot_axis *a, const plot_label *text,
                               const plot_place *places) {
    size_t n = 0;
    bool open = false;
    if (f && (only_anomalies || kind < MARK_MARKER)) plot_block_open(f, name, &open);
    for (size_t i = 0; i < p->mark_count; i++) {
        const plot_mark *m = &p->marks[i];
        if (only_anomalies ? !m->anomaly || m->kind == MARK_LOST : m->kind != kind) continue;
        if (m->time_ns < a->from_ns || m->time_ns > a->to_ns) continue;
        if (!f) {
            n++;
            continue;
        }
        plot_block_open(f, name, &open);
        const plot_place *pl = &places[i];
        fprintf(f, "%.6f %.3f \"%s\" %.3f %.6f", plot_ms(m->time_ns), plot_mark_y(p, m),
                pl->shown ? text[i].text : "", pl->shown ? pl->y : plot_mark_y(p, m),
                pl->shown ? pl->dx : 0.0);
        if (plot_colored(p, m->kind))
            fprintf(f, " %u",
                    (unsigned)strtoul(plot_partition_colors[m->partition % 12] + 1, NULL, 16));
        fputc('\n', f);
        n++;
    }
    if (open) fputs("EOD\n", f);
    return n;
}

/* ---- Retry waits -------------------------------------------------------------------------- */

static int plot_gap_compare(const void *a, const void *b) {
    const plot_gap *x = a, *y = b;
    if (x->from_ns != y->from_ns) return x->from_ns < y->from_ns ? -1 : 1;
    if (x->to_ns != y->to_ns) return x->to_ns < y->to_ns ? -1 : 1;
    return 0;
}

/* The brackets of the window: one per stretch of time in which some batch waited to be
 * retried (overlapping waits of one producer joined), wide enough to see (1.5% of the axis),
 * labelled with the longest wait in it. Returns them (*count of them), NULL when none. */
static plot_bracket *plot_brackets(const plot *p, const plot_axis *a, size_t *count) {
    *count = 0;
    if (!p->gap_count) return NULL;
    plot_gap *g = malloc(p->gap_count * sizeof *g);
    plot_bracket *out = malloc(p->gap_count * sizeof *out);
    if (!g || !out) {
        free(g);
        free(out);
        return NULL;
    }
    memcpy(g, p->gaps, p->gap_count * sizeof *g);
    qsort(g, p->gap_count, sizeof *g, plot_gap_compare);
    for (size_t i = 0; i < p->gap_count;) {
        plot_bracket b = {.from_ns = g[i].from_ns, .to_ns = g[i].to_ns, .joined = 1,
                          .node = g[i].node};
        b.longest_ns = b.to_ns - b.from_ns;
        for (i++; i < p->gap_count && g[i].from_ns <= b.to_ns && g[i].node == b.node;
             i++, b.joined++) {
            if (g[i].to_ns - g[i].from_ns > b.longest_ns) b.longest_ns = g[i].to_ns - g[i].from_ns;
            if (g[i].to_ns > b.to_ns) b.to_ns = g[i].to_ns;
        }
        if (plot_axis_at(a, b.to_ns) - plot_axis_at(a, b.from_ns) < 0.015 ||
            b.to_ns < a->from_ns || b.from_ns > a->to_ns)
            continue;
        snprintf(b.text, sizeof b.text, "%s %.0f ms",
                 b.joined > 1 ? "waits to retry, up to" : "waits to retry", plot_ms(b.longest_ns));
        out[(*count)++] = b;
    }
    free(g);
    return out;
}

/* Writes $backoff: start, height of the line, length, label (empty when it found no room)
 * and the label's middle (lanes). */
static void plot_write_brackets(FILE *f, const plot *p, const plot_geom *g,
                                const plot_bracket *br, size_t brackets) {
    fputs("$backoff << EOD\n", f);
    for (size_t i = 0; i < brackets; i++)
        fprintf(f, "%.6f %.3f %.6f \"%s\" %.3f\n", plot_ms(br[i].from_ns),
                plot_lane(p, br[i].node) + 0.78, plot_ms(br[i].to_ns - br[i].from_ns),
                br[i].label_shown ? br[i].text : "", plot_bracket_label_y(p, g, &br[i]));
    fputs("EOD\n", f);
}

/* The anomalies counted, for the title: "duplicates 2, reordered 1" or "no anomaly". */
static void plot_anomaly_line(const plot *p, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = 0;
    for (int k = 0; k < CHECKER_ANOMALY_COUNT; k++) {
        if (!p->anomalies[k] || used >= len) continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s %llu", used ? ", " : "",
                                 checker_anomaly_field((checker_anomaly)k),
                                 (unsigned long long)p->anomalies[k]);
    }
    if (!buf[0]) snprintf(buf, len, "no anomaly");
}

static void plot_write_header(FILE *f, const plot *p, const char *image, bool svg,
                              const plot_axis *a, const plot_geom *g) {
    int lanes = plot_lanes(p);
    if (svg) fprintf(f, "set terminal svg size %d,%d dynamic font 'Sans,11'\n", PLOT_WIDTH_PX,
                     g->height_px);
    else fprintf(f, "set terminal pngcairo size %d,%d font 'Sans,10'\n", PLOT_WIDTH_PX,
                 g->height_px);
    fputs("set output '", f);
    for (const char *c = image; *c; c++) {
        if (*c == '\'') fputs("''", f); /* gnuplot doubles a quote in '...' */
        else fputc(*c, f);
    }
    fputs("'\n", f);
    char anomalies[160];
    plot_anomaly_line(p, anomalies, sizeof anomalies);
    fprintf(f, "set title \"%s\\n%s%s%s\"\n", p->title, anomalies,
            p->failed ? " (picture incomplete: out of memory)" : "",
            p->detail ? "" : "   (empty fetches and heartbeats hidden: --plot-detail shows them)");
    fputs("set termoption noenhanced\n", f); /* ids and field names hold underscores */
    /* The axis's name and the legend sit at fixed heights under the tick labels (a fixed
     * margin would let the legend's default place cover the name). */
    fprintf(f, "set label 1000 'simulated time (ms)%s' at screen 0.5, screen %.6f center\n"
               "set grid xtics lc rgb '#eeeeee'\n",
            a->breaks ? "; a grey band with // is an idle stretch cut short" : "",
            (double)(g->bottom_px - 38) / g->height_px);
    /* The plot area is fixed, so that the labels' boxes are known (Label placement). */
    fprintf(f, "set lmargin at screen %.6f\nset rmargin at screen %.6f\n"
               "set tmargin at screen %.6f\nset bmargin at screen %.6f\n",
            (double)PLOT_LEFT_PX / PLOT_WIDTH_PX, (double)PLOT_RIGHT_PX / PLOT_WIDTH_PX,
            1 - (double)PLOT_TOP_PX / g->height_px,
            (double)g->bottom_px / g->height_px);
    /* The legend goes under the picture in columns, so the lanes keep the width. */
    fprintf(f, "set key at screen 0.5, screen %.6f center top horizontal %s font ',9' "
               "spacing 1.1 samplen 2\nunset ytics\n",
            (double)(g->bottom_px - 50) / g->height_px,
            g->legend_columns ? "maxcols 2" : "maxrows 4");
    plot_axis_write_map(f, a);
    plot_axis_write_ticks(f, a);
    fprintf(f, "set xrange [%.6f:%.6f]\nset yrange [%.1f:%.1f]\n", g->x_lo, g->x_hi, g->y_lo,
            g->y_hi);
    fputs("set ytics ('controller' 0", f);
    for (int b = 1; b <= p->brokers; b++) fprintf(f, ", 'broker-%d' %d", b, b);
    for (int i = 0; i < p->producers; i++) {
        char name[16];
        fprintf(f, ", '%s' %d", node_name_of(node_producer(i), p->producers, name, sizeof name),
                p->brokers + 1 + i);
    }
    for (int i = 0; i < p->consumers; i++) {
        char name[16];
        fprintf(f, ", '%s' %d", node_name(node_consumer(i), name, sizeof name),
                plot_lane(p, node_consumer(i)));
    }
    fputs(") nomirror\n", f);
    for (int y = 0; y < lanes; y++)
        fprintf(f, "set arrow from graph 0, first %d to graph 1, first %d nohead "
                   "lc rgb '#d8d8d8' lw 1 back\n", y, y);
}

/* Writes the plot command: messages, brackets, marks and their labels, legends. */
static void plot_write_plot(FILE *f, const plot *p, const size_t *msg_counts,
                            const size_t *mark_counts, size_t brackets, size_t anomalous) {
    const char *sep = "plot ";
    for (int i = 0; i < CLASS_COUNT; i++) {
        plot_msg_class c = plot_msg_order[i];
        if (!msg_counts[c]) continue;
        const plot_style *s = &plot_msg_styles[c];
        fprintf(f, "%s$%s using (bx($1)):2:(bx($1+$3)-bx($1)):4 with vectors head filled size screen 0.008,15 "
                   "lc rgb '%s' %s title '%s'", sep, s->name, s->color, s->style, s->title);
        sep = ", \\\n  ";
    }
    if (brackets) {
        fprintf(f, "%s$backoff using (bx($1)):2:(bx($1+$3)-bx($1)):(0) with vectors heads size screen 0.004,90 "
                   "lc rgb '#7040a0' lw 1.5 title 'a batch waits to be retried (backoff, queue)', \\\n"
                   "  $backoff using ((bx($1)+bx($1+$3))/2):5:4 with labels center font ',8' "
                   "tc rgb '#7040a0' notitle", sep);
        sep = ", \\\n  ";
    }
    for (int k = 0; k < MARK_KIND_COUNT; k++) {
        if (!mark_counts[k]) continue;
        const plot_style *s = &plot_mark_styles[k];
        bool colored = plot_colored(p, k);
        if (colored)
            fprintf(f, "%s$%s using (bx($1)):2:6 with points lc rgb variable %s title '%s'", sep,
                    s->name, s->style, s->title);
        else
            fprintf(f, "%s$%s using (bx($1)):2 with points lc rgb '%s' %s title '%s'", sep,
                    s->name, s->color, s->style, s->title);
        sep = ", \\\n  ";
        if (k == MARK_APPEND_REPLICA) continue;
        if (colored)
            fprintf(f, "%s$%s using (bx($1)+$5):4:3:6 with labels left font ',8' "
                       "tc rgb variable notitle", sep, s->name);
        else
            fprintf(f, "%s$%s using (bx($1)+$5):4:3 with labels left font ',8' tc rgb '%s' "
                       "notitle", sep, s->name, s->color);
    }
    /* The legend of the partitions' colours (a world of several; twelve entries at most). */
    for (int g = 0; p->partitions > 1 && p->partition_names && g < p->partitions && g < 12;
         g++) {
        fprintf(f, "%sNaN with points pt 5 ps 1.3 lc rgb '%s' title '%s%s'", sep,
                plot_partition_colors[g], p->partition_names[g],
                p->partitions > 12 ? " (and every 12th after)" : "");
        sep = ", \\\n  ";
    }
    if (anomalous)
        fprintf(f, "%s$anomaly using (bx($1)):2 with points pt 6 ps 3.2 lw 2.5 lc rgb '#d0009a' "
                   "title 'record of an anomaly'", sep);
    fputs(*sep == 'p' ? "plot NaN notitle\n" : "\n", f);
}

/* The legend's entries, as plot_write_plot writes them: a message class or a mark kind with
 * something in the window, the retry brackets, the partitions' colours, the anomalies. */
static size_t plot_legend_entries(const plot *p, const plot_axis *a, size_t brackets) {
    size_t n = brackets > 0;
    for (int c = 0; c < CLASS_COUNT; c++)
        n += plot_write_msgs(NULL, p, (plot_msg_class)c, a->from_ns, a->to_ns) > 0;
    for (int k = 0; k < MARK_KIND_COUNT; k++)
        n += plot_write_marks(NULL, p, k, false, NULL, a, NULL, NULL) > 0;
    n += plot_write_marks(NULL, p, 0, true, NULL, a, NULL, NULL) > 0;
    if (p->partitions > 1 && p->partition_names) n += p->partitions < 12 ? p->partitions : 12;
    return n;
}

/* Writes the whole script. Returns 0, or -1 when a write failed or memory ran out. */
static int plot_write_script(FILE *f, const plot *p, const char *image, bool svg) {
    int64_t from = p->from_ns >= 0 ? p->from_ns : 0;
    int64_t to = p->to_ns >= 0 ? p->to_ns : p->end_ns + (p->end_ns - from) / 25 + SIM_MS;
    size_t marks = p->mark_count ? p->mark_count : 1, brackets = 0;
    plot_place *places = malloc(marks * sizeof *places);
    plot_label *text = malloc(marks * sizeof *text);
    plot_axis axis;
    plot_axis_build(&axis, p, from, to);
    plot_bracket *br = plot_brackets(p, &axis, &brackets);
    plot_geom geom;
    plot_geom_of(&geom, p, &axis, plot_legend_entries(p, &axis, brackets));
    if (!places || !text) {
        free(places);
        free(text);
        free(br);
        return -1;
    }
    plot_label_texts(p, &axis, text);
    if (plot_place_labels(p, &axis, &geom, text, br, brackets, places) != 0)
        memset(places, 0, marks * sizeof *places);
    plot_write_header(f, p, image, svg, &axis, &geom);
    size_t msg_counts[CLASS_COUNT], mark_counts[MARK_KIND_COUNT];
    for (int c = 0; c < CLASS_COUNT; c++)
        msg_counts[c] = plot_write_msgs(f, p, (plot_msg_class)c, from, to);
    for (int k = 0; k < MARK_KIND_COUNT; k++)
        mark_counts[k] = plot_write_marks(f, p, k, false, plot_mark_styles[k].name, &axis, text,
                                          places);
    size_t anomalous = plot_write_marks(f, p, 0, true, "anomaly", &axis, text, places);
    plot_write_brackets(f, p, &geom, br, brackets);
    free(places);
    free(text);
    free(br);
    plot_write_plot(f, p, msg_counts, mark_counts, brackets, anomalous);
    return ferror(f) ? -1 : 0;
}

/* Runs gnuplot on script. 0 ok, 1 gnuplot could not be started, -1 it failed. */
static int plot_gnuplot(const char *script) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (!WIFEXITED(status)) return -1;
    if (WEXITSTATUS(status) == 127) return 1;
    return WEXITSTATUS(status) == 0 ? 0 : -1;
}

int plot_render(const plot *p, const char *image_path, char *err, size_t err_len) {
    size_t len = strlen(image_path);
    bool png = len > 4 && strcmp(image_path + len - 4, ".png") == 0;
    bool svg = len > 4 && strcmp(image_path + len - 4, ".svg") == 0;
    if (!png && !svg) {
        snprintf(err, err_len, "--plot: '%s': the picture must end in .png or .svg", image_path);
        return -1;
    }
    char *script = malloc(len + 1);
    if (!script) {
        snprintf(err, err_len, "--plot: out of memory");
        return -1;
    }
    memcpy(script, image_path, len - 4);
    memcpy(script + len - 4, ".gp", 4);
    FILE *f = fopen(script, "w");
    if (!f) {
        snprintf(err, err_len, "--plot: %s: %s", script, strerror(errno));
        free(script);
        return -1;
    }
    char closed[512];
    int rc = plot_write_script(f, p, image_path, svg);
    if (cli_close(f, script, closed, sizeof closed) != 0 || rc != 0) {
        snprintf(err, err_len, "--plot: %s", rc != 0 ? script : closed);
        free(script);
        return -1;
    }
    rc = plot_gnuplot(script);
    if (rc == 1)
        fprintf(stderr, "kafkasim: gnuplot not found; wrote %s, draw it with: gnuplot %s\n",
                script, script);
    else if (rc < 0)
        snprintf(err, err_len, "--plot: gnuplot failed on '%s'", script);
    free(script);
    return rc;
}
