/*
 * trace.c: formats messages and history records as trace lines, text or JSON lines.
 *
 * Each line is built field by field into a fixed buffer (no allocation per event) by a tiny
 * builder that writes "name=value" for text and "\"name\":value" for JSON, so the two formats
 * carry the same fields by construction. Values are the simulator's own identifiers and
 * numbers; the only free text, fault names, is escaped for JSON.
 *
 * Field names follow Kafka's (ProduceRequest, FetchResponse, DefaultRecordBatch): pid, epoch,
 * seq (baseSequence..lastSequence), leader_epoch, high_watermark, isr. Record ids are shown as
 * a range when a batch holds consecutive ids, else as a short list.
 */
#include "trace.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fault_parse.h"
#include "sim.h"

#define TRACE_LINE_MAX 1024
#define TRACE_IDS_LISTED 8 /* ids of a non-consecutive batch shown before "..." */

typedef struct trace_line {
    char buf[TRACE_LINE_MAX]; /* the line so far */
    size_t len;               /* bytes used */
    bool json;                /* JSON object (else text) */
    int producers;            /* the world's, for producers' names (node_name_of) */
} trace_line;

void tracer_init(tracer *t, FILE *out, trace_format format) {
    memset(t, 0, sizeof *t);
    t->out = out;
    t->format = format;
    t->node_filter = -1;
    t->record_filter = -1;
    t->partition_filter = -1;
    t->partitions = 1;
    t->producers = 1;
}

void tracer_fini(tracer *t) {
    /* No flush here: the owner of out flushes and closes it and reports a failed write with
     * the system's reason, which a flush here would consume and stdio then forget. */
    free(t->links);
    t->links = NULL;
    t->link_count = 0;
    t->link_cap = 0;
}

/* ---- The line builder --------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void line_printf(trace_line *l, const char *fmt, ...) {
    if (l->len >= sizeof l->buf) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    l->len += (size_t)n;
    if (l->len >= sizeof l->buf) l->len = sizeof l->buf - 1; /* truncated, still a line */
}

/* A string value: plain in text, quoted and escaped in JSON. */
static void line_str(trace_line *l, const char *name, const char *value) {
    if (!l->json) {
        line_printf(l, " %s=%s", name, value);
        return;
    }
    line_printf(l, ",\"%s\":\"", name);
    for (const char *c = value; *c; c++) {
        if (*c == '"' || *c == '\\') line_printf(l, "\\%c", *c);
        else if ((unsigned char)*c < 0x20) line_printf(l, "\\u%04x", (unsigned)*c);
        else line_printf(l, "%c", *c);
    }
    line_printf(l, "\"");
}

static void line_int(trace_line *l, const char *name, int64_t value) {
    if (l->json) line_printf(l, ",\"%s\":%lld", name, (long long)value);
    else line_printf(l, " %s=%lld", name, (long long)value);
}

/* lo..hi in text (just lo when equal), [lo,hi] in JSON. */
static void line_range(trace_line *l, const char *name, int64_t lo, int64_t hi) {
    if (l->json) line_printf(l, ",\"%s\":[%lld,%lld]", name, (long long)lo, (long long)hi);
    else if (lo == hi) line_printf(l, " %s=%lld", name, (long long)lo);
    else line_printf(l, " %s=%lld..%lld", name, (long long)lo, (long long)hi);
}

static void line_node(trace_line *l, const char *name, node_id n) {
    char buf[24];
    line_str(l, name, node_name_of(n, l->producers, buf, sizeof buf));
}

/* A member id as the coordinator drew it (Kafka's are clientId-UUID strings). */
static void line_member(trace_line *l, const char *name, uint32_t member) {
    if (member == PROTO_MEMBER_UNKNOWN) {
        line_str(l, name, "unknown");
        return;
    }
    char buf[16];
    snprintf(buf, sizeof buf, "%08x", member);
    line_str(l, name, buf);
}

/* Starts a line: "<time> <who> <what>" in text; t_ns, t, who (and to) and event in JSON. */
static void line_start(trace_line *l, const tracer *t, int64_t t_ns, const char *who_key,
                       const char *who, const char *to, const char *what) {
    char time[32];
    sim_time_format(t_ns, time, sizeof time);
    l->len = 0;
    l->json = t->format == TRACE_JSONL;
    l->producers = t->producers;
    if (l->json) {
        line_printf(l, "{\"t_ns\":%lld,\"t\":\"%s\"", (long long)t_ns, time);
        line_str(l, who_key, who);
        if (to) line_str(l, "to", to);
        line_str(l, "event", what);
    } else if (to) {
        line_printf(l, "%s %s -> %s %s", time, who, to, what);
    } else {
        line_printf(l, "%s %s %s", time, who, what);
    }
}

static void line_begin(trace_line *l, const tracer *t, int64_t t_ns, const char *who,
                       const char *what) {
    line_start(l, t, t_ns, "node", who, NULL, what);
}

/* "<time> <from> -> <to> <what>" in text. */
static void line_begin_msg(trace_line *l, const tracer *t, int64_t t_ns, node_id from,
                           node_id to, const char *what) {
    char a[24], b[24];
    line_start(l, t, t_ns, "from", node_name_of(from, t->producers, a, sizeof a),
               node_name_of(to, t->producers, b, sizeof b), what);
}

/* ---- Partitions -------------------------------------------------------------------------- */

/* "partition=orders-3": the partition a line is about, named only in a world of several (a
 * world of one prints what it always printed). */
static void line_partition(const tracer *t, trace_line *l, int g) {
    if (t->partitions <= 1 || !t->config) return;
    fault_world w;
    char name[FAULT_PARTITION_NAME_MAX];
    fault_world_of(t->config, &w);
    line_str(l, "partition", w.partition_name(w.ctx, g, name, sizeof name));
}

/* Messages about one partition (proto_msg.partition): produce, fetch and partition state. */
static bool trace_api_has_partition(int api) {
    return api == API_PRODUCE || api == API_FETCH || api == API_ALTER_PARTITION ||
           api == API_PARTITION_STATE || api == API_LIST_OFFSETS;
}

/* True when m concerns partition g: its partition, or, for a Produce request or response of
 * several partitions, one of its batches or results. */
static bool trace_message_about(const proto_msg *m, int g) {
    if (m->partition == g) return true;
    if (m->api != API_PRODUCE) return false;
    if (!m->is_response) {
        for (int k = 1; k < m->u.produce.batch_count; k++)
            if (proto_produce_batch(&m->u.produce, k)->partition == g) return true;
        return false;
    }
    for (int k = 1; k < m->u.produce_response.result_count; k++)
        if (proto_produce_result_at(&m->u.produce_response, m->partition, k).partition == g)
            return true;
    return false;
}

/* History records about one partition (history_rec.partition). */
static bool trace_kind_has_partition(history_kind kind) {
    switch (kind) {
    case HIST_TXN_STATE: /* the coordinator's __transaction_state partition */
    case HIST_SEND:
    case HIST_CALLBACK:
    case HIST_ATTEMPT:
    case HIST_RETRY:
    case HIST_APPEND:
    case HIST_DEDUP:
    case HIST_TRUNCATE:
    case HIST_HW:
    case HIST_ELECTION:
    case HIST_ISR:
    case HIST_EXPIRE:
    case HIST_MARKER:
    case HIST_PROCESS: /* the input partition of the record */
    case HIST_POLL:
    case HIST_OFFSET_COMMIT:
    case HIST_POSITION:
    case HIST_ASSIGN:
    case HIST_OFFSETS:  /* the input partition whose committed offset moved */
    case HIST_GROUP:    /* the group's __consumer_offsets partition */
    case HIST_MEMBER:
    case HIST_LSO: return true;
    default: return false;
    }
}

/* "Produce", "ProduceResponse"; a disconnect and the controller's push have no response. */
static const char *trace_api_what(int api, bool response, char *buf, size_t len) {
    const char *name = proto_api_name((proto_api)api);
    if (response && api != API_DISCONNECT && api != API_PARTITION_STATE)
        snprintf(buf, len, "%sResponse", name);
    else snprintf(buf, len, "%s", name);
    return buf;
}

static void line_end(tracer *t, trace_line *l) {
    line_printf(l, l->json ? "}\n" : "\n");
    if (l->buf[l->len - 1] != '\n') l->buf[l->len - 1] = '\n';
    fputs(l->buf, t->out);
    t->lines++;
}

/* Record ids of a payload: "records=10..19" when consecutive, else a short list. */
static void line_ids(trace_line *l, const proto_payloads *p, uint32_t payload) {
    if (!p || payload >= p->count) return;
    proto_ids ids = proto_payload_ids(p, payload);
    uint32_t n = ids.n;
    if (n == 0) return;
    if (!ids.list) { /* consecutive */
        line_range(l, "records", ids.first, (int64_t)ids.first + n - 1);
        return;
    }
    line_printf(l, l->json ? ",\"records\":[" : " records=");
    for (uint32_t i = 0; i < n && i < TRACE_IDS_LISTED; i++)
        line_printf(l, "%s%u", i ? "," : "", ids.list[i]);
    if (n > TRACE_IDS_LISTED) line_printf(l, l->json ? "]" : ",...");
    else if (l->json) line_printf(l, "]");
    if (n > TRACE_IDS_LISTED || !l->json) line_int(l, "record_count", n);
}

static const char *trace_fault_name(const tracer *t, uint32_t fault, char *buf, size_t len) {
    if (t->config && fault < (uint32_t)t->config->fault_count)
        return t->config->faults[fault].name;
    snprintf(buf, len, "fault-%u", fault);
    return buf;
}

/* ---- Filters ------------------------------------------------------------------------------ */

static bool trace_payload_has(const proto_payloads *p, uint32_t payload, int64_t record) {
    if (!p || payload >= p->count) return false;
    proto_ids ids = proto_payload_ids(p, payload);
    for (uint32_t i = 0; i < ids.n; i++)
        if ((int64_t)proto_ids_at(&ids, i) == record) return true;
    return false;
}

static bool trace_message_has(const proto_msg *m, const proto_payloads *p, int64_t record) {
    /* A fetch response's control batches (end-transaction markers) carry a coordinator epoch
     * where a payload id would be: no records. A produce request carries none. */
    if (m->api == API_PRODUCE && !m->is_response) {
        const proto_produce_request *r = &m->u.produce;
        for (int k = 0; k < r->batch_count || k == 0; k++)
            if (trace_payload_has(p, proto_produce_batch(r, k)->payload, record)) return true;
        return false;
    }
    if (m->api == API_FETCH && m->is_response) {
        const proto_fetch_response *f = &m->u.fetch_response;
        for (uint16_t i = 0; i < f->batch_count && i < PROTO_FETCH_BATCHES_MAX; i++)
            if (!proto_batch_is_control(&f->batches[i]) &&
                trace_payload_has(p, f->batches[i].payload, record))
                return true;
    }
    return false;
}

/* ---- The idle filter's links ------------------------------------------------------------- */

/* A fetch names one partition (a follower fetches each partition it follows on its own, a
 * consumer each partition it owns), so the filter remembers each (client, server, partition):
 * keyed by the link alone, a partition's fetch that moves its offset would be hidden when the
 * link's last fetch, of another partition, had the same offset. The table is only looked up,
 * never walked, so its order cannot reach the output. */

static uint32_t trace_link_key(node_id client, node_id server, uint16_t partition) {
    return (((uint32_t)client * NODES_MAX + server) << 16 | partition) + 1;
}

static uint32_t trace_link_slot(uint32_t key, uint32_t cap) {
    uint32_t h = key * 0x9e3779b1u; /* Fibonacci hashing: the high bits are the mixed ones */
    return (h ^ (h >> 16)) & (cap - 1);
}

/* Doubles the table (or makes its first 64 slots); false when memory ran out. */
static bool trace_links_grow(tracer *t) {
    uint32_t cap = t->link_cap ? t->link_cap * 2 : 64;
    trace_fetch_link *links = calloc(cap, sizeof *links);
    if (!links) return false;
    for (uint32_t i = 0; i < t->link_cap; i++) {
        if (!t->links[i].key) continue;
        uint32_t j = trace_link_slot(t->links[i].key, cap);
        while (links[j].key) j = (j + 1) & (cap - 1);
        links[j] = t->links[i];
    }
    free(t->links);
    t->links = links;
    t->link_cap = cap;
    return true;
}

/* The link's state, added with nothing seen the first time; NULL when memory ran out (the
 * caller then shows the message: a line too many, never one hidden). */
static trace_fetch_link *trace_link(tracer *t, node_id client, node_id server,
                                    uint16_t partition) {
    if ((t->link_count + 1) * 2 > t->link_cap && !trace_links_grow(t)) return NULL;
    uint32_t key = trace_link_key(client, server, partition);
    uint32_t j = trace_link_slot(key, t->link_cap);
    while (t->links[j].key && t->links[j].key != key) j = (j + 1) & (t->link_cap - 1);
    trace_fetch_link *l = &t->links[j];
    if (!l->key) {
        *l = (trace_fetch_link){.key = key, .offset = -1, .hw = -1};
        t->link_count++;
    }
    return l;
}

/* True for traffic that carries no news (see the header); updates the link's state. */
static bool trace_message_idle(tracer *t, const proto_msg *m) {
    if (m->api == API_BROKER_HEARTBEAT) return true;
    if (m->api != API_FETCH) return false;
    if (!m->is_response) {
        trace_fetch_link *l = trace_link(t, m->from, m->to, m->partition);
        if (!l) return false;
        bool idle = l->offset == m->u.fetch.fetch_offset;
        l->offset = m->u.fetch.fetch_offset;
        return idle;
    }
    const proto_fetch_response *f = &m->u.fetch_response;
    trace_fetch_link *l = trace_link(t, m->to, m->from, m->partition);
    if (!l) return false;
    bool idle = f->batch_count == 0 && f->error == ERR_NONE && f->diverging_epoch < 0 &&
                l->hw == f->high_watermark;
    l->hw = f->high_watermark;
    return idle;
}

/* ---- Messages ----------------------------------------------------------------------------- */

/* A ProduceRequest or ProduceResponse of several partitions: how many, and their names
 * ("partitions=orders-0,orders-5"); and a response's errors in the same order. */
static void trace_produce_more(const tracer *t, trace_line *l, const proto_msg *m) {
    char names[256], errors[512];
    size_t used = 0, used_errors = 0;
    int n = m->is_response ? m->u.produce_response.result_count : m->u.produce.batch_count;
    names[0] = errors[0] = '\0';
    for (int k = 0; k < n; k++) {
        int g;
        if (m->is_response) {
            proto_produce_result r = proto_produce_result_at(&m->u.produce_response, m->partition, k);
            g = r.partition;
            if (used_errors < sizeof errors)
                used_errors += (size_t)snprintf(errors + used_errors, sizeof errors - used_errors,
                                                "%s%s", k ? "," : "", proto_error_name(r.error));
        } else {
            g = proto_produce_batch(&m->u.produce, k)->partition;
        }
        char name[FAULT_PARTITION_NAME_MAX];
        if (t->config) {
            fault_world w;
            fault_world_of(t->config, &w);
            w.partition_name(w.ctx, g, name, sizeof name);
        } else {
            snprintf(name, sizeof name, "%d", g);
        }
        if (used < sizeof names)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? "," : "", name);
    }
    line_int(l, m->is_response ? "results" : "batches", n);
    line_str(l, "partitions", names);
    if (m->is_response) line_str(l, "errors", errors);
}

static void trace_produce(const tracer *t, trace_line *l, const proto_msg *m,
                          const proto_payloads *p) {
    if (m->is_response) {
        const proto_produce_response *r = &m->u.produce_response;
        if (r->base_offset >= 0) line_int(l, "offset", r->base_offset);
        line_str(l, "error", proto_error_name(r->error));
        if (r->result_count > 1) trace_produce_more(t, l, m);
        return;
    }
    if (m->u.produce.batch_count > 1) trace_produce_more(t, l, m);
    const proto_batch *b = &m->u.produce.batch;
    if (b->producer_id != PROTO_NO_PRODUCER_ID) {
        line_int(l, "pid", b->producer_id);
        line_int(l, "epoch", b->producer_epoch);
        line_range(l, "seq", b->base_sequence, proto_batch_last_sequence(b));
    }
    line_int(l, "attempt", b->attempt);
    line_ids(l, p, b->payload);
}

static void trace_fetch(trace_line *l, const proto_msg *m) {
    if (!m->is_response) {
        line_int(l, "offset", m->u.fetch.fetch_offset);
        line_int(l, "leader_epoch", m->u.fetch.current_leader_epoch);
        line_int(l, "last_fetched_epoch", m->u.fetch.last_fetched_epoch);
        if (m->u.fetch.replica_id == PROTO_CONSUMER_REPLICA_ID && m->u.fetch.isolation)
            line_str(l, "isolation", "read_committed");
        return;
    }
    const proto_fetch_response *f = &m->u.fetch_response;
    line_int(l, "batches", f->batch_count);
    uint16_t n = f->batch_count < PROTO_FETCH_BATCHES_MAX ? f->batch_count
                                                           : PROTO_FETCH_BATCHES_MAX;
    if (n > 0)
        line_range(l, "offsets", f->batches[0].base_offset,
                   proto_batch_last_offset(&f->batches[n - 1]));
    line_int(l, "high_watermark", f->high_watermark);
    if (node_is_consumer(m->to)) { /* a consumer's answer: what read_committed may read */
        line_int(l, "last_stable_offset", f->last_stable_offset);
        if (f->aborted_count > 0) line_int(l, "aborted_transactions", f->aborted_count);
    }
    line_int(l, "leader_epoch", f->leader_epoch);
    if (f->diverging_epoch >= 0) {
        line_int(l, "diverging_epoch", f->diverging_epoch);
        line_int(l, "diverging_end_offset", f->diverging_end_offset);
    }
    line_str(l, "error", proto_error_name(f->error));
}

static void trace_partition_state(trace_line *l, const proto_msg *m) {
    const proto_partition_state *s = &m->u.partition_state;
    char isr[80];
    size_t len = 0;
    isr[0] = 0;
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
        if (broker_set_has(s->isr, b))
            len += (size_t)snprintf(isr + len, sizeof isr - len, "%s%d", len ? "," : "", b);
    if (s->leader >= 0) line_node(l, "leader", node_broker(s->leader));
    else line_str(l, "leader", "none");
    line_int(l, "leader_epoch", s->leader_epoch);
    line_int(l, "partition_epoch", s->partition_epoch);
    line_str(l, "isr", isr);
    if (m->is_response) line_str(l, "error", proto_error_name(s->error));
}

/* A transactional id by its name (config.txn_ids) when the tracer has the configuration. */
static void line_txn(const tracer *t, trace_line *l, int txn) {
    char buf[24];
    if (t->config && txn >= 0 && txn < t->config->txn_id_count) {
        line_str(l, "txn", t->config->txn_ids[txn]);
        return;
    }
    snprintf(buf, sizeof buf, "txn-%d", txn);
    line_str(l, "txn", buf);
}

/* The requests of transactions and their answers: the id, the producer id and epoch, the
 * result asked, and the error. */
static void trace_txn_message(const tracer *t, trace_line *l, const proto_msg *m) {
    switch ((proto_api)m->api) {
    case API_FIND_COORDINATOR:
        if (!m->is_response && m->u.find_coordinator.key_type == PROTO_COORDINATOR_GROUP) {
            /* a group's coordinator (a consumer's, or an exactly-once producer's for its
             * TxnOffsetCommit): the key is the group */
            line_str(l, "group", t->config ? t->config->group_id : "group");
            break;
        }
        if (!m->is_response) {
            line_txn(t, l, m->u.find_coordinator.txn);
            break;
        }
        if (m->u.find_coordinator_response.coordinator >= 1)
            line_node(l, "coordinator", node_broker(m->u.find_coordinator_response.coordinator));
        else line_str(l, "coordinator", "none");
        line_str(l, "error", proto_error_name(m->u.find_coordinator_response.error));
        break;
    case API_ADD_PARTITIONS_TO_TXN:
    case API_END_TXN:
        if (m->is_response && m->api == API_ADD_PARTITIONS_TO_TXN &&
            m->u.verify_response.partition_count > 0) {
            /* a verification's answer: the first partition's error that is not NONE */
            line_int(l, "partitions", m->u.verify_response.partition_count);
            line_str(l, "error", proto_error_name(m->u.verify_response.refused));
            line_partition(t, l, m->partition);
        } else if (m->is_response) {
            line_str(l, "error", proto_error_name(m->u.txn_response.error));
            if (m->api == API_END_TXN && m->u.txn_response.producer_id >= 0) {
                /* EndTxn v5 (transaction version 2): the next transaction's id and epoch */
                line_int(l, "pid", m->u.txn_response.producer_id);
                line_int(l, "epoch", m->u.txn_response.producer_epoch);
            }
        } else if (m->api == API_END_TXN) {
            line_txn(t, l, m->u.end_txn.txn);
            line_int(l, "pid", m->u.end_txn.producer_id);
            line_int(l, "epoch", m->u.end_txn.producer_epoch);
            line_str(l, "result", m->u.end_txn.commit ? "commit" : "abort");
        } else {
            line_txn(t, l, m->u.add_partitions.txn);
            line_int(l, "pid", m->u.add_partitions.producer_id);
            line_int(l, "epoch", m->u.add_partitions.producer_epoch);
            line_int(l, "partitions", m->u.add_partitions.partition_count);
            if (m->u.add_partitions.verify_only) { /* a leader's verification (KIP-890) */
                line_str(l, "verify_only", "true");
                line_partition(t, l, m->partition);
            } else if (node_is_broker(m->from)) { /* a leader's add (transaction version 2) */
                line_str(l, "verify_only", "false");
                line_partition(t, l, m->partition);
            }
        }
        break;
    case API_WRITE_TXN_MARKERS:
        if (m->is_response) {
            line_int(l, "partitions", m->u.write_txn_markers_response.partition_count);
            line_str(l, "error", proto_error_name(m->u.write_txn_markers_response.error));
            break;
        }
        line_int(l, "pid", m->u.write_txn_markers.producer_id);
        line_int(l, "epoch", m->u.write_txn_markers.producer_epoch);
        line_int(l, "coordinator_epoch", m->u.write_txn_markers.coordinator_epoch);
        line_str(l, "result", m->u.write_txn_markers.commit ? "commit" : "abort");
        line_int(l, "partitions", m->u.write_txn_markers.partition_count);
        break;
    default: break;
    }
}

/* A partition's name into buf ("orders-3"; its number without a configuration). */
static const char *trace_partition_name(const tracer *t, int g, char *buf, size_t len) {
    if (!t->config) {
        snprintf(buf, len, "%d", g);
        return buf;
    }
    fault_world w;
    fault_world_of(t->config, &w);
    return w.partition_name(w.ctx, g, buf, len);
}

/* "orders-0@12,orders-1@7": the offsets of an OffsetCommit or of an OffsetFetch answer (-1:
 * none committed). */
static void line_offsets(const tracer *t, trace_line *l, const proto_offset_entry *e, int n) {
    char list[256], name[FAULT_PARTITION_NAME_MAX];
    size_t used = 0;
    list[0] = 0;
    for (int k = 0; k < n && used < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s@%lld", k ? "," : "",
                                 trace_partition_name(t, e[k].partition, name, sizeof name),
                                 (long long)e[k].offset);
    line_str(l, "offsets", list);
}

/* "orders-0,orders-1": the partitions of a SyncGroup answer or an OffsetFetch. */
static void line_partitions(const tracer *t, trace_line *l, const uint16_t *g, int n) {
    char list[256], name[FAULT_PARTITION_NAME_MAX];
    size_t used = 0;
    list[0] = 0;
    for (int k = 0; k < n && used < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? "," : "",
                                 trace_partition_name(t, g[k], name, sizeof name));
    line_str(l, n == 1 ? "partition" : "partitions", n ? list : "none");
}

static const char *trace_assignor_name(int protocol) {
    return protocol == PROTO_ASSIGNOR_COOPERATIVE_STICKY ? "cooperative-sticky" : "range";
}

/* The group APIs (consumers and the group coordinator) and a consumer's own fields of Fetch. */
static void trace_group_message(const tracer *t, trace_line *l, const proto_msg *m) {
    switch ((proto_api)m->api) {
    case API_JOIN_GROUP:
        if (m->is_response) {
            const proto_join_group_response *r = &m->u.join_group_response;
            line_member(l, "member", r->member_id);
            line_int(l, "generation", r->generation);
            if (r->error == ERR_NONE) {
                line_member(l, "leader", r->leader_id);
                line_str(l, "protocol", trace_assignor_name(r->protocol));
            }
            line_str(l, "error", proto_error_name(r->error));
            break;
        }
        line_member(l, "member", m->u.join_group.member_id);
        line_int(l, "session_timeout_ms", m->u.join_group.session_timeout_ms);
        line_int(l, "rebalance_timeout_ms", m->u.join_group.rebalance_timeout_ms);
        line_str(l, "protocol", trace_assignor_name(m->u.join_group.preferred));
        if (m->u.join_group.owned_count > 0) line_int(l, "owned", m->u.join_group.owned_count);
        break;
    case API_SYNC_GROUP:
        if (m->is_response) {
            line_partitions(t, l, m->u.sync_group_response.assignment,
                            m->u.sync_group_response.assignment_count);
            line_str(l, "error", proto_error_name(m->u.sync_group_response.error));
            break;
        }
        line_member(l, "member", m->u.sync_group.member_id);
        line_int(l, "generation", m->u.sync_group.generation);
        if (m->u.sync_group.assignment_words > 0) line_str(l, "assignments", "leader's");
        break;
    case API_HEARTBEAT:
    case API_LEAVE_GROUP:
    case API_ADD_OFFSETS_TO_TXN:
    case API_OFFSET_COMMIT:
    case API_TXN_OFFSET_COMMIT:
        if (m->is_response) {
            line_str(l, "error", proto_error_name(m->u.group_response.error));
            break;
        }
        if (m->api == API_ADD_OFFSETS_TO_TXN) {
            line_txn(t, l, m->u.add_offsets.txn);
            line_int(l, "pid", m->u.add_offsets.producer_id);
            line_int(l, "epoch", m->u.add_offsets.producer_epoch);
            if (t->config) line_str(l, "group", t->config->group_id);
            break;
        }
        if (m->api == API_HEARTBEAT || m->api == API_LEAVE_GROUP) {
            line_member(l, "member", m->u.group_heartbeat.member_id);
            if (m->api == API_HEARTBEAT) line_int(l, "generation", m->u.group_heartbeat.generation);
            break;
        }
        if (m->api == API_TXN_OFFSET_COMMIT) {
            line_txn(t, l, m->u.offset_commit.txn);
            line_int(l, "pid", m->u.offset_commit.producer_id);
            line_int(l, "epoch", m->u.offset_commit.producer_epoch);
        }
        line_member(l, "member", m->u.offset_commit.member_id);
        line_int(l, "generation", m->u.offset_commit.generation);
        line_offsets(t, l, m->u.offset_commit.entries, m->u.offset_commit.entry_count);
        break;
    case API_OFFSET_FETCH:
        if (m->is_response) {
            line_offsets(t, l, m->u.offset_fetch_response.entries,
                         m->u.offset_fetch_response.entry_count);
            line_str(l, "error", proto_error_name(m->u.offset_fetch_response.error));
            break;
        }
        line_partitions(t, l, m->u.offset_fetch.partitions, m->u.offset_fetch.partition_count);
        if (m->u.offset_fetch.require_stable) line_str(l, "require_stable", "true");
        break;
    case API_LIST_OFFSETS:
        if (m->is_response) {
            line_int(l, "offset", m->u.list_offsets_response.offset);
            line_str(l, "error", proto_error_name(m->u.list_offsets_response.error));
            break;
        }
        line_str(l, "timestamp",
                 m->u.list_offsets.timestamp == PROTO_LIST_EARLIEST ? "earliest" : "latest");
        if (m->u.list_offsets.isolation) line_str(l, "isolation", "read_committed");
        break;
    default: break;
    }
}

static void trace_message_body(const tracer *t, trace_line *l, const proto_msg *m,
                               const proto_payloads *p) {
    switch ((proto_api)m->api) {
    case API_PRODUCE: trace_produce(t, l, m, p); break;
    case API_FETCH: trace_fetch(l, m); break;
    case API_METADATA:
        if (!m->is_response) break;
        if (m->u.metadata_response.leader >= 0)
            line_node(l, "leader", node_broker(m->u.metadata_response.leader));
        else line_str(l, "leader", "none");
        line_int(l, "leader_epoch", m->u.metadata_response.leader_epoch);
        line_str(l, "error", proto_error_name(m->u.metadata_response.error));
        break;
    case API_INIT_PRODUCER_ID:
        if (m->is_response) {
            line_int(l, "pid", m->u.init_pid_response.producer_id);
            line_int(l, "epoch", m->u.init_pid_response.producer_epoch);
            line_str(l, "error", proto_error_name(m->u.init_pid_response.error));
        } else {
            line_int(l, "pid", m->u.init_pid.producer_id);
            line_int(l, "epoch", m->u.init_pid.producer_epoch);
            if (m->u.init_pid.txn >= 0 && t->config && config_transactional(t->config)) {
                line_txn(t, l, m->u.init_pid.txn);
                line_int(l, "txn_timeout_ms", m->u.init_pid.txn_timeout_ms);
            }
        }
        break;
    case API_ALTER_PARTITION:
    case API_PARTITION_STATE: trace_partition_state(l, m); break;
    case API_BROKER_HEARTBEAT:
        line_int(l, "broker_epoch", m->u.heartbeat.broker_epoch);
        if (m->is_response) line_int(l, "fenced", m->u.heartbeat.fenced);
        if (m->u.heartbeat.shutdown)
            line_str(l, m->is_response ? "should_shut_down" : "want_shut_down", "true");
        break;
    case API_FIND_COORDINATOR:
    case API_ADD_PARTITIONS_TO_TXN:
    case API_END_TXN:
    case API_WRITE_TXN_MARKERS: trace_txn_message(t, l, m); break;
    case API_JOIN_GROUP:
    case API_SYNC_GROUP:
    case API_HEARTBEAT:
    case API_LEAVE_GROUP:
    case API_OFFSET_COMMIT:
    case API_OFFSET_FETCH:
    case API_LIST_OFFSETS:
    case API_ADD_OFFSETS_TO_TXN:
    case API_TXN_OFFSET_COMMIT: trace_group_message(t, l, m); break;
    default: break;
    }
}

void trace_message(tracer *t, int64_t t_ns, const proto_msg *m, const proto_payloads *p) {
    bool idle = trace_message_idle(t, m);
    if (idle && !t->verbose) return;
    if (t->node_filter >= 0 && m->from != t->node_filter && m->to != t->node_filter) return;
    if (t->record_filter >= 0 && !trace_message_has(m, p, t->record_filter)) return;
    bool about = trace_api_has_partition(m->api);
    if (t->partition_filter >= 0 && (!about || !trace_message_about(m, t->partition_filter)))
        return;
    char what[40];
    trace_line l;
    line_begin_msg(&l, t, t_ns, m->from, m->to,
                   trace_api_what(m->api, m->is_response, what, sizeof what));
    if (about) line_partition(t, &l, m->partition);
    trace_message_body(t, &l, m, p);
    line_end(t, &l);
}

/* ---- History records ---------------------------------------------------------------------- */

/* The payload a record names, or UINT32_MAX for kinds that carry no records. */
static uint32_t trace_rec_payload(const history_rec *r) {
    switch ((history_kind)r->kind) {
    case HIST_ATTEMPT:
    case HIST_RETRY:
    case HIST_APPEND:
    case HIST_DEDUP:
    case HIST_EXPIRE: return r->a;
    case HIST_DROP: return r->c >= 0 ? (uint32_t)r->c : UINT32_MAX;
    default: return UINT32_MAX;
    }
}

static bool trace_rec_has(const history_rec *r, const proto_payloads *p, int64_t record) {
    if (r->kind == HIST_SEND || r->kind == HIST_CALLBACK || r->kind == HIST_PROCESS)
        return (int64_t)r->a == record;
    uint32_t payload = trace_rec_payload(r);
    return payload != UINT32_MAX && trace_payload_has(p, payload, record);
}

/* Elections and ISR changes are the controller's doing; a drop touches both ends. */
static bool trace_rec_touches(const history_rec *r, int node) {
    if (r->node == node) return true;
    if (r->kind == HIST_DROP) return (int)r->f == node;
    if (r->kind == HIST_ELECTION || r->kind == HIST_ISR) return node == NODE_CONTROLLER;
    return false;
}

static void trace_rec_append(trace_line *l, const history_rec *r, const proto_payloads *p) {
    uint32_t n = p && r->a < p->count ? proto_payload_ids(p, r->a).n : 0;
    if (n > 0) line_range(l, "offsets", r->d, r->d + n - 1);
    else line_int(l, "offset", r->d);
    line_ids(l, p, r->a);
    line_int(l, "attempt", r->b);
    line_int(l, "leader_epoch", r->e);
    line_str(l, "role", r->c ? "leader" : "follower");
}

static void trace_rec_drop(tracer *t, trace_line *l, const history_rec *r,
                           const proto_payloads *p) {
    char api[40], what[64], fault[24];
    bool retransmitted = r->e & HIST_DROP_RETRANSMITTED;
    snprintf(what, sizeof what, "%s %s", trace_api_what((int)r->a, r->e & 1, api, sizeof api),
             retransmitted ? "lost, retransmitted" : "dropped");
    line_begin_msg(l, t, r->time_ns, (node_id)r->f, r->node, what);
    if (r->d >= 0) line_int(l, "offset", r->d);
    if (r->c >= 0) line_ids(l, p, (uint32_t)r->c);
    if (r->b != UINT32_MAX) line_str(l, "fault", trace_fault_name(t, r->b, fault, sizeof fault));
}

static void trace_rec_fault(tracer *t, trace_line *l, const history_rec *r) {
    char fault[24];
    line_begin(l, t, r->time_ns, "fault", r->b ? "start" : "end");
    line_str(l, "fault", trace_fault_name(t, r->a, fault, sizeof fault));
    if (r->node != NODE_NONE) line_node(l, "target", r->node);
    if (t->config && r->a < (uint32_t)t->config->fault_count)
        line_str(l, "spec", t->config->faults[r->a].text);
}

static void trace_rec_isr(tracer *t, trace_line *l, const history_rec *r) {
    char isr[80];
    size_t len = 0;
    isr[0] = 0;
    for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
        if (broker_set_has(r->a, b))
            len += (size_t)snprintf(isr + len, sizeof isr - len, "%s%d", len ? "," : "", b);
    line_begin(l, t, r->time_ns, "controller", "isr");
    line_partition(t, l, r->partition);
    line_str(l, "isr", isr);
    line_int(l, "partition_epoch", r->b);
}

static const char *trace_commit_kind(uint32_t kind) {
    static const char *const names[] = {"auto", "sync", "async", "join", "close", "txn"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static const char *trace_position_source(uint32_t source) {
    static const char *const names[] = {"committed", "earliest", "latest",
                                        "truncation", "seek", "reset"};
    return source < sizeof names / sizeof names[0] ? names[source] : "?";
}

/* The consumers' and the group coordinator's records (history.h: HIST_POLL .. HIST_OFFSETS). */
static void trace_rec_group(trace_line *l, const history_rec *r, const proto_payloads *p) {
    static const char *const assign[] = {"revoked", "assigned", "lost", "revoked_cooperative"};
    static const char *const member[] = {"joined", "left", "expired", "not_rejoined",
                                         "sync_expired"};
    static const char *const offsets[] = {"committed", "txn_committed", "loaded"};
    switch ((history_kind)r->kind) {
    case HIST_POLL:
        line_range(l, "offsets", r->d, r->d + (int64_t)r->c - 1);
        line_int(l, "records", r->c);
        line_int(l, "generation", (int16_t)(uint16_t)r->e);
        (void)p;
        break;
    case HIST_OFFSET_COMMIT:
        line_int(l, "offset", r->d);
        line_str(l, "kind", trace_commit_kind(r->b));
        line_int(l, "generation", (int32_t)r->a);
        line_member(l, "member", (uint32_t)r->f);
        if (r->c == HIST_COMMIT_SENT) line_str(l, "state", "sent");
        else line_str(l, "error", proto_error_name(r->c));
        break;
    case HIST_POSITION:
        line_int(l, "offset", r->d);
        line_str(l, "from", trace_position_source(r->b));
        line_int(l, "generation", (int32_t)r->a);
        break;
    case HIST_ASSIGN:
        line_str(l, "change", r->b < 4 ? assign[r->b] : "?");
        line_int(l, "generation", (int32_t)r->a);
        line_member(l, "member", (uint32_t)r->f);
        break;
    case HIST_GROUP:
        line_str(l, "state", proto_group_state_name((int)r->b));
        line_int(l, "generation", (int32_t)r->a);
        line_int(l, "members", r->c);
        if (r->f) line_member(l, "leader", (uint32_t)r->f);
        break;
    case HIST_MEMBER:
        line_member(l, "member", r->a);
        line_str(l, "event", r->b < 5 ? member[r->b] : "?");
        if (r->c >= 0) line_node(l, "client", (node_id)r->c);
        break;
    case HIST_OFFSETS:
        line_int(l, "committed_offset", r->d);
        line_str(l, "how", r->b < 3 ? offsets[r->b] : "?");
        line_int(l, "generation", (int32_t)r->a);
        if (r->f) line_int(l, "pid", r->f);
        break;
    default: break;
    }
}

/* The kinds whose line is "<time> <node> <kind> fields". */
static void trace_rec_fields(trace_line *l, const history_rec *r, const proto_payloads *p) {
    switch ((history_kind)r->kind) {
    case HIST_SEND:
        line_int(l, "record", r->a);
        if (r->b > 0) line_int(l, "send", r->b);
        break;
    case HIST_CALLBACK:
        line_int(l, "record", r->a);
        if (r->b > 0) line_int(l, "send", r->b);
        if (r->d >= 0) line_int(l, "offset", r->d);
        line_str(l, "error", proto_error_name(r->c));
        break;
    case HIST_ATTEMPT:
        line_ids(l, p, r->a);
        line_int(l, "attempt", r->b);
        line_node(l, "broker", (node_id)r->c);
        break;
    case HIST_RETRY:
        line_ids(l, p, r->a);
        line_int(l, "attempt", r->b);
        line_str(l, "error", proto_error_name(r->c));
        break;
    case HIST_APPEND: trace_rec_append(l, r, p); break;
    case HIST_DEDUP:
        line_ids(l, p, r->a);
        line_int(l, "attempt", r->b);
        line_int(l, "offset", r->d);
        break;
    case HIST_TRUNCATE:
        line_int(l, "log_end_offset", r->d);
        line_int(l, "removed", r->a);
        break;
    case HIST_HW: line_int(l, "high_watermark", r->d); break;
    case HIST_PROCESS: /* the application processed an input record (pipeline.c) */
        line_int(l, "record", r->a);
        line_int(l, "offset", r->d);
        line_int(l, "generation", (int32_t)r->b);
        line_str(l, "sink", r->c == HIST_SINK_APPLIED   ? "applied"
                            : r->c == HIST_SINK_SKIPPED ? "skipped"
                                                        : "none");
        break;
    case HIST_EPOCH_BUMP:
    case HIST_PRODUCER_ID:
        line_int(l, "pid", r->f);
        line_int(l, "epoch", (int16_t)(uint16_t)r->a);
        break;
    case HIST_ERROR:
        line_str(l, "api", proto_api_name((proto_api)r->c));
        line_str(l, "error", proto_error_name((int)r->a));
        break;
    case HIST_EXPIRE:
        line_ids(l, p, r->a);
        line_int(l, "attempts", r->c);
        line_int(l, "in_flight", r->b);
        break;
    case HIST_MARKER:
        line_str(l, "result", r->a ? "commit" : "abort");
        line_int(l, "offset", r->d);
        line_int(l, "pid", r->f);
        line_int(l, "epoch", r->e);
        line_int(l, "coordinator_epoch", (int32_t)r->b);
        break;
    case HIST_LSO: line_int(l, "last_stable_offset", r->d); break;
    case HIST_POLL:
    case HIST_OFFSET_COMMIT:
    case HIST_POSITION:
    case HIST_ASSIGN:
    case HIST_GROUP:
    case HIST_MEMBER:
    case HIST_OFFSETS: trace_rec_group(l, r, p); break;
    default: break;
    }
}

void trace_history(tracer *t, const history_rec *r, const proto_payloads *p) {
    if (r->kind == HIST_ATTEMPT && !t->verbose) return;
    if (t->node_filter >= 0 && !trace_rec_touches(r, t->node_filter)) return;
    if (t->record_filter >= 0 && !trace_rec_has(r, p, t->record_filter)) return;
    bool about = trace_kind_has_partition((history_kind)r->kind);
    if (t->partition_filter >= 0 && (!about || r->partition != t->partition_filter)) return;
    trace_line l;
    char who[24];
    switch ((history_kind)r->kind) {
    case HIST_DROP: trace_rec_drop(t, &l, r, p); break;
    case HIST_FAULT: trace_rec_fault(t, &l, r); break;
    case HIST_ISR: trace_rec_isr(t, &l, r); break;
    case HIST_ELECTION:
        line_begin(&l, t, r->time_ns, "controller", "election");
        line_partition(t, &l, r->partition);
        if (r->node != NODE_NONE) line_node(&l, "leader", r->node);
        else line_str(&l, "leader", "none");
        line_int(&l, "leader_epoch", r->a);
        if (r->b) line_str(&l, "unclean", "true");
        break;
    case HIST_TXN_STATE: /* a coordinator's durable transition */
    case HIST_TXN_FENCE:
        line_begin(&l, t, r->time_ns, node_name_of(r->node, t->producers, who, sizeof who),
                   history_kind_name((history_kind)r->kind));
        if (r->kind == HIST_TXN_STATE) line_partition(t, &l, r->partition);
        line_txn(t, &l, (int)r->a);
        if (r->kind == HIST_TXN_STATE) line_str(&l, "state", proto_txn_state_name((int)r->b));
        else line_str(&l, "by", r->b ? "timeout" : "InitProducerId");
        line_int(&l, "pid", r->f);
        line_int(&l, "epoch", r->e);
        if (r->kind == HIST_TXN_STATE) line_int(&l, "coordinator_epoch", r->c);
        break;
    case HIST_CRASH:
        line_begin(&l, t, r->time_ns, node_name_of(r->node, t->producers, who, sizeof who),
                   r->a == HIST_STOPPED ? "stop" : r->a ? "crash" : "restart");
        if (r->a == 1 && r->b) line_str(&l, "power", "lost");
        break;
    default:
        line_begin(&l, t, r->time_ns, node_name_of(r->node, t->producers, who, sizeof who),
                   history_kind_name((history_kind)r->kind));
        if (about) line_partition(t, &l, r->partition);
        trace_rec_fields(&l, r, p);
        break;
    }
    line_end(t, &l);
}
