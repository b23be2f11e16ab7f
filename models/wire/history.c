/*
 * history.c: the run's observation log, one fixed-size record per observation.
 *
 * Invariants: records are stored in the order they were added and their times never go
 * backwards (the kernel only moves time forward, and every node records at sim_now()); the
 * array grows by doubling, so adding is amortised O(1) with no allocation on most calls, and
 * memory is linear in the records added. When memory runs out, recording stops and h->failed
 * says so; the observer (the trace) still sees every record.
 *
 * What it leaves out: it interprets nothing. The recorders copy what the nodes saw; the
 * checker (checker.c) and the explainer (explain.c) give it meaning. The observer is the
 * Jepsen-style history of a client plus the logs of every replica; Kafka itself keeps no
 * such record, so no Kafka source is followed here beyond its field names (DefaultRecordBatch,
 * ProduceResponse).
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sim.h"

_Static_assert(sizeof(history_rec) == 40, "history records stay compact");

int history_init(history *h, size_t capacity_hint) {
    memset(h, 0, sizeof *h);
    h->last_ns = INT64_MIN;
    h->capacity = capacity_hint < 64 ? 64 : capacity_hint;
    h->recs = sim_realloc_large(NULL, h->capacity * sizeof *h->recs);
    if (!h->recs) {
        h->capacity = 0;
        return -1;
    }
    return 0;
}

void history_fini(history *h) {
    free(h->recs);
    memset(h, 0, sizeof *h);
}

void history_flush(history *h) {
    if (!h->sink || h->count == 0) return;
    h->sink(h->sink_ctx, h->recs, h->count);
    h->count = 0;
}

/* Doubles the array, or with a sink hands it all but its last record; false (and h->failed)
 * when memory cannot be had. */
static bool history_grow(history *h) {
    if (h->sink && h->count > 1) {
        h->sink(h->sink_ctx, h->recs, h->count - 1);
        h->recs[0] = h->recs[h->count - 1];
        h->count = 1;
        return true;
    }
    size_t cap = h->capacity ? h->capacity * 2 : 64;
    if (cap > SIZE_MAX / sizeof *h->recs) {
        h->failed = true;
        return false;
    }
    history_rec *recs = sim_realloc_large(h->recs, cap * sizeof *recs);
    if (!recs) {
        h->failed = true;
        return false;
    }
    h->recs = recs;
    h->capacity = cap;
    return true;
}

uint32_t history_rec_span(const history_rec *r) {
    return r->kind == HIST_SEND || r->kind == HIST_CALLBACK ? r->f + 1 : 1;
}

history_rec history_rec_expand(const history_rec *r, uint32_t j) {
    history_rec x = *r;
    if (r->kind != HIST_SEND && r->kind != HIST_CALLBACK) return x;
    x.f = 0;
    x.a = r->a + j;
    if (r->kind == HIST_CALLBACK && r->d >= 0) x.d = r->d + j;
    return x;
}

/* True when r may extend a run: a send or callback standing for itself only. Checked inline
 * before history_continues, since most records (appends, high watermarks) never do. */
static inline bool history_may_continue(const history_rec *r) {
    return (r->kind == HIST_SEND || r->kind == HIST_CALLBACK) && r->f == 0;
}

/* True when r is the record after the run that last stands for (see history.h). */
static bool history_continues(const history_rec *last, const history_rec *r) {
    if (!history_may_continue(r)) return false;
    if (last->kind != r->kind || last->time_ns != r->time_ns || last->node != r->node ||
        last->partition != r->partition || last->b != r->b || last->c != r->c ||
        last->e != r->e || last->f == UINT32_MAX)
        return false;
    uint32_t next = last->f + 1;
    if (r->a != last->a + next || last->a + next < last->a) return false;
    if (r->kind == HIST_CALLBACK && last->d >= 0) return r->d == last->d + next;
    return r->d == last->d;
}

void history_add(history *h, const history_rec *r) {
    SIM_ASSERT(NULL, r->kind < HIST_KIND_COUNT);
    SIM_ASSERT(NULL, r->time_ns >= h->last_ns);
    h->last_ns = r->time_ns;
    if (h->observer) h->observer(h->observer_ctx, r);
    if (h->failed) return;
    if (h->coalesce && h->count > 0 && history_continues(&h->recs[h->count - 1], r)) {
        h->recs[h->count - 1].f++;
        return;
    }
    if (h->count == h->capacity && !history_grow(h)) return;
    h->recs[h->count++] = *r;
}

/* The recorders write each record once, in place: history_begin hands out the array's next
 * free slot, zeroed, with the common fields set (or h->scratch once recording stopped), and
 * history_commit shows it to the observer and keeps it. Building a record on the stack and
 * copying it in made the copy wait on the narrow stores just made (a store-forwarding stall,
 * the largest cost of recording). */
static history_rec *history_begin(history *h, int64_t t, history_kind kind, node_id node) {
    history_rec *r = &h->scratch;
    if (!h->failed && (h->count < h->capacity || history_grow(h))) r = &h->recs[h->count];
    memset(r, 0, sizeof *r);
    r->time_ns = t;
    r->kind = (uint16_t)kind;
    r->node = node;
    return r;
}

static void history_commit(history *h, history_rec *r) {
    SIM_ASSERT(NULL, r->kind < HIST_KIND_COUNT);
    SIM_ASSERT(NULL, r->time_ns >= h->last_ns);
    h->last_ns = r->time_ns;
    if (h->observer) h->observer(h->observer_ctx, r);
    if (r == &h->scratch) return;
    if (h->coalesce && h->count > 0 && history_may_continue(r) &&
        history_continues(&h->recs[h->count - 1], r)) {
        h->recs[h->count - 1].f++;
        return;
    }
    h->count++;
}

/* Adds the n records of r's run (r as built, f = 0) one by one, as n recorder calls would. */
static void history_add_each(history *h, const history_rec *r, uint32_t n) {
    history_rec first = *r; /* r may be the slot history_add is about to fill */
    first.f = n - 1;
    for (uint32_t j = 0; j < n; j++) {
        history_rec x = history_rec_expand(&first, j);
        history_add(h, &x);
    }
}

/* Adds the n >= 1 records that r (built by history_begin with f = 0) and the n - 1 after it in
 * its run stand for. With coalescing on and no observer they are stored in O(1): as more of
 * the previous record's run when history_continues takes r, else as r standing for n records;
 * n history_commit calls would store exactly that. An observer must see every record, and
 * failed recording, coalescing off or a run whose ids or count would wrap are rare: those go
 * one by one. */
static void history_commit_run(history *h, history_rec *r, uint32_t n) {
    if (!h->coalesce || h->observer || r == &h->scratch || r->a > UINT32_MAX - (n - 1)) {
        history_add_each(h, r, n);
        return;
    }
    SIM_ASSERT(NULL, r->kind < HIST_KIND_COUNT);
    SIM_ASSERT(NULL, r->time_ns >= h->last_ns);
    h->last_ns = r->time_ns;
    if (h->count > 0 && history_continues(&h->recs[h->count - 1], r)) {
        history_rec *last = &h->recs[h->count - 1];
        if (last->f > UINT32_MAX - n) {
            history_add_each(h, r, n);
            return;
        }
        last->f += n;
        return;
    }
    r->f = n - 1;
    h->count++;
}

void history_send_partition_run(history *h, int64_t t, node_id producer, uint16_t partition,
                                uint32_t first, uint32_t n, uint32_t send_no) {
    if (n == 0) return;
    history_rec *r = history_begin(h, t, HIST_SEND, producer);
    r->a = first;
    r->b = send_no;
    r->partition = partition;
    history_commit_run(h, r, n);
}

void history_callback_partition_run(history *h, int64_t t, node_id producer,
                                    uint16_t partition, uint32_t first, uint32_t n,
                                    uint32_t send_no, int error, int64_t offset) {
    if (n == 0) return;
    history_rec *r = history_begin(h, t, HIST_CALLBACK, producer);
    r->a = first;
    r->b = send_no;
    r->c = error;
    r->d = offset;
    r->partition = partition;
    history_commit_run(h, r, n);
}

void history_callback_payload(history *h, int64_t t, node_id producer, uint16_t partition,
                              uint32_t payload, uint32_t first, uint32_t n, int error) {
    SIM_ASSERT(NULL, history_only_counted(h) && n >= 1);
    history_rec *r = history_begin(h, t, HIST_CALLBACK, producer);
    r->a = first;
    r->c = error;
    r->d = payload;
    r->e = HIST_CALLBACK_PAYLOAD;
    r->f = n - 1;
    r->partition = partition;
    /* Stored as it is: it continues no run, and no record continues it (e differs). */
    SIM_ASSERT(NULL, r->time_ns >= h->last_ns);
    h->last_ns = r->time_ns;
    if (r != &h->scratch) h->count++;
}

void history_send_run(history *h, int64_t t, node_id producer, uint32_t first, uint32_t n,
                      uint32_t send_no) {
    history_send_partition_run(h, t, producer, 0, first, n, send_no);
}

void history_callback_run(history *h, int64_t t, node_id producer, uint32_t first, uint32_t n,
                          uint32_t send_no, int error, int64_t offset) {
    history_callback_partition_run(h, t, producer, 0, first, n, send_no, error, offset);
}

void history_send(history *h, int64_t t, node_id producer, uint32_t record, uint32_t send_no) {
    history_send_run(h, t, producer, record, 1, send_no);
}

void history_callback(history *h, int64_t t, node_id producer, uint32_t record,
                      uint32_t send_no, int error, int64_t offset) {
    history_callback_run(h, t, producer, record, 1, send_no, error, offset);
}

void history_attempt(history *h, int64_t t, node_id producer, const proto_batch *b,
                     int broker) {
    history_rec *r = history_begin(h, t, HIST_ATTEMPT, producer);
    r->partition = b->partition;
    r->a = b->payload;
    r->b = b->attempt;
    r->c = broker;
    r->d = b->base_sequence;
    r->e = b->producer_epoch;
    r->f = (uint32_t)b->producer_id;
    history_commit(h, r);
}

void history_retry(history *h, int64_t t, node_id producer, const proto_batch *b, int error) {
    history_rec *r = history_begin(h, t, HIST_RETRY, producer);
    r->partition = b->partition;
    r->a = b->payload;
    r->b = b->attempt;
    r->c = error;
    history_commit(h, r);
}

void history_append(history *h, int64_t t, node_id broker, const proto_batch *b, bool leader) {
    history_partition_append(h, t, 0, broker, b, leader);
}

void history_partition_append(history *h, int64_t t, int partition, node_id broker,
                              const proto_batch *b, bool leader) {
    history_rec *r = history_begin(h, t, HIST_APPEND, broker);
    r->partition = (uint16_t)partition;
    r->a = b->payload;
    r->b = b->attempt;
    r->c = leader ? 1 : 0;
    r->d = b->base_offset;
    r->e = (int16_t)b->partition_leader_epoch;
    r->f = (uint32_t)b->base_sequence;
    history_commit(h, r);
}

void history_dedup(history *h, int64_t t, node_id broker, const proto_batch *b,
                   int64_t original_offset) {
    history_partition_dedup(h, t, b->partition, broker, b, original_offset);
}

void history_partition_dedup(history *h, int64_t t, int partition, node_id broker,
                             const proto_batch *b, int64_t original_offset) {
    history_rec *r = history_begin(h, t, HIST_DEDUP, broker);
    r->partition = (uint16_t)partition;
    r->a = b->payload;
    r->b = b->attempt;
    r->d = original_offset;
    history_commit(h, r);
}

void history_truncate(history *h, int64_t t, node_id broker, int64_t new_leo, uint32_t removed) {
    history_partition_truncate(h, t, 0, broker, new_leo, removed);
}

void history_partition_truncate(history *h, int64_t t, int partition, node_id broker,
                                int64_t new_leo, uint32_t removed) {
    history_rec *r = history_begin(h, t, HIST_TRUNCATE, broker);
    r->partition = (uint16_t)partition;
    r->a = removed;
    r->d = new_leo;
    history_commit(h, r);
}

void history_hw(history *h, int64_t t, node_id broker, int64_t hw) {
    history_partition_hw(h, t, 0, broker, hw);
}

void history_partition_hw(history *h, int64_t t, int partition, node_id broker, int64_t hw) {
    history_rec *r = history_begin(h, t, HIST_HW, broker);
    r->partition = (uint16_t)partition;
    r->d = hw;
    history_commit(h, r);
}

void history_partition_election(history *h, int64_t t, int partition, int leader,
                                int32_t leader_epoch, bool unclean) {
    node_id node = leader > 0 ? node_broker(leader) : NODE_NONE;
    history_rec *r = history_begin(h, t, HIST_ELECTION, node);
    r->a = (uint32_t)leader_epoch;
    r->b = unclean ? 1 : 0;
    r->partition = (uint16_t)partition;
    history_commit(h, r);
}

void history_election(history *h, int64_t t, int leader, int32_t leader_epoch, bool unclean) {
    history_partition_election(h, t, 0, leader, leader_epoch, unclean);
}

void history_partition_isr(history *h, int64_t t, int partition, broker_set isr,
                           int32_t partition_epoch) {
    history_rec *r = history_begin(h, t, HIST_ISR, NODE_CONTROLLER);
    r->a = isr;
    r->b = (uint32_t)partition_epoch;
    r->partition = (uint16_t)partition;
    history_commit(h, r);
}

void history_isr(history *h, int64_t t, broker_set isr, int32_t partition_epoch) {
    history_partition_isr(h, t, 0, isr, partition_epoch);
}

/* A dropped ProduceResponse names its batch by base offset (the response carries no payload);
 * the explainer matches it with the leader's append at that offset. */
void history_drop(history *h, int64_t t, const proto_msg *m, int fault, bool retransmitted) {
    history_rec *r = history_begin(h, t, HIST_DROP, m->to);
    r->a = m->api;
    r->b = (uint32_t)fault;
    r->c = -1;
    r->d = -1;
    r->e = (int16_t)((m->is_response ? 1 : 0) | (retransmitted ? HIST_DROP_RETRANSMITTED : 0));
    r->f = m->from;
    if (m->api == API_PRODUCE && !m->is_response) r->c = (int32_t)m->u.produce.batch.payload;
    if (m->api == API_PRODUCE && m->is_response) r->d = m->u.produce_response.base_offset;
    history_commit(h, r);
}

void history_fault(history *h, int64_t t, int fault, node_id target, bool start) {
    history_rec *r = history_begin(h, t, HIST_FAULT, target);
    r->a = (uint32_t)fault;
    r->b = start ? 1 : 0;
    history_commit(h, r);
}

void history_crash(history *h, int64_t t, node_id node, bool crashed) {
    history_rec *r = history_begin(h, t, HIST_CRASH, node);
    r->a = crashed ? 1 : 0;
    history_commit(h, r);
}

void history_power_loss(history *h, int64_t t, node_id node) {
    h->power_losses++;
    history_rec *r = history_begin(h, t, HIST_CRASH, node);
    r->a = 1;
    r->b = 1;
    history_commit(h, r);
}

void history_stop(history *h, int64_t t, node_id node) {
    history_rec *r = history_begin(h, t, HIST_CRASH, node);
    r->a = HIST_STOPPED;
    history_commit(h, r);
}

void history_epoch_bump(history *h, int64_t t, node_id producer, int64_t pid, int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_EPOCH_BUMP, producer);
    r->a = (uint32_t)(uint16_t)epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_producer_id(history *h, int64_t t, node_id producer, int64_t pid, int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_PRODUCER_ID, producer);
    r->a = (uint32_t)(uint16_t)epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_error(history *h, int64_t t, node_id client, int api, int error) {
    history_rec *r = history_begin(h, t, HIST_ERROR, client);
    r->a = (uint32_t)error;
    r->c = api;
    history_commit(h, r);
}

void history_expire(history *h, int64_t t, node_id producer, const proto_batch *b,
                    bool in_flight) {
    history_rec *r = history_begin(h, t, HIST_EXPIRE, producer);
    r->a = b->payload;
    r->b = in_flight ? 1 : 0;
    r->c = b->attempt;
    history_commit(h, r);
}

void history_txn_begin(history *h, int64_t t, node_id producer, uint32_t txn, int64_t pid,
                       int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_TXN_BEGIN, producer);
    r->a = txn;
    r->e = epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_txn_batch(history *h, int64_t t, node_id producer, const proto_batch *b,
                       uint32_t txn) {
    history_rec *r = history_begin(h, t, HIST_TXN_BATCH, producer);
    r->partition = b->partition;
    r->a = b->payload;
    r->b = txn;
    history_commit(h, r);
}

void history_txn_end(history *h, int64_t t, node_id producer, uint32_t txn, bool commit,
                     int outcome) {
    history_rec *r = history_begin(h, t, HIST_TXN_END, producer);
    r->a = txn;
    r->b = commit ? 1 : 0;
    r->c = outcome;
    history_commit(h, r);
}

void history_txn_state(history *h, int64_t t, node_id coordinator, int state_partition,
                       int txn_index, int state, int32_t coordinator_epoch, int64_t pid,
                       int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_TXN_STATE, coordinator);
    r->partition = (uint16_t)state_partition;
    r->a = (uint32_t)txn_index;
    r->b = (uint32_t)state;
    r->c = coordinator_epoch;
    r->e = epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_txn_fence(history *h, int64_t t, node_id coordinator, int txn_index,
                       bool by_timeout, int64_t pid, int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_TXN_FENCE, coordinator);
    r->a = (uint32_t)txn_index;
    r->b = by_timeout ? 1 : 0;
    r->e = epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_marker(history *h, int64_t t, node_id broker, int partition, bool commit,
                    int32_t coordinator_epoch, int64_t offset, int64_t pid, int16_t epoch) {
    history_rec *r = history_begin(h, t, HIST_MARKER, broker);
    r->partition = (uint16_t)partition;
    r->a = commit ? 1 : 0;
    r->b = (uint32_t)coordinator_epoch;
    r->d = offset;
    r->e = epoch;
    r->f = (uint32_t)pid;
    history_commit(h, r);
}

void history_poll(history *h, int64_t t, node_id consumer, int partition, uint32_t payload,
                  uint32_t first_index, uint32_t count, int64_t offset, int32_t generation,
                  proto_member_id member) {
    history_rec *r = history_begin(h, t, HIST_POLL, consumer);
    r->partition = (uint16_t)partition;
    r->a = payload;
    r->b = first_index;
    r->c = (int32_t)count;
    r->d = offset;
    r->e = (int16_t)generation;
    r->f = member;
    history_commit(h, r);
}

void history_process(history *h, int64_t t, node_id consumer, int partition, uint32_t record,
                     int64_t offset, int32_t generation, int sink) {
    history_rec *r = history_begin(h, t, HIST_PROCESS, consumer);
    r->partition = (uint16_t)partition;
    r->a = record;
    r->d = offset;
    r->b = (uint32_t)generation;
    r->c = sink;
    history_commit(h, r);
}

void history_offset_commit(history *h, int64_t t, node_id client, int partition, int64_t offset,
                           int32_t generation, int kind, int outcome, proto_member_id member) {
    history_rec *r = history_begin(h, t, HIST_OFFSET_COMMIT, client);
    r->partition = (uint16_t)partition;
    r->d = offset;
    r->a = (uint32_t)generation;
    r->b = (uint32_t)kind;
    r->c = outcome;
    r->f = member;
    history_commit(h, r);
}

void history_position(history *h, int64_t t, node_id consumer, int partition, int64_t offset,
                      int32_t generation, int source) {
    history_rec *r = history_begin(h, t, HIST_POSITION, consumer);
    r->partition = (uint16_t)partition;
    r->d = offset;
    r->a = (uint32_t)generation;
    r->b = (uint32_t)source;
    history_commit(h, r);
}

void history_assign(history *h, int64_t t, node_id consumer, int partition, int32_t generation,
                    int what, proto_member_id member) {
    history_rec *r = history_begin(h, t, HIST_ASSIGN, consumer);
    r->partition = (uint16_t)partition;
    r->a = (uint32_t)generation;
    r->b = (uint32_t)what;
    r->f = member;
    history_commit(h, r);
}

void history_group(history *h, int64_t t, node_id coordinator, int offsets_partition,
                   int32_t generation, int state, int members, int32_t coordinator_epoch,
                   proto_member_id leader) {
    history_rec *r = history_begin(h, t, HIST_GROUP, coordinator);
    r->partition = (uint16_t)offsets_partition;
    r->a = (uint32_t)generation;
    r->b = (uint32_t)state;
    r->c = members;
    r->e = (int16_t)coordinator_epoch;
    r->f = leader;
    history_commit(h, r);
}

void history_member(history *h, int64_t t, node_id coordinator, int offsets_partition,
                    proto_member_id member, int event, node_id member_node) {
    history_rec *r = history_begin(h, t, HIST_MEMBER, coordinator);
    r->partition = (uint16_t)offsets_partition;
    r->a = member;
    r->b = (uint32_t)event;
    r->c = member_node;
    history_commit(h, r);
}

void history_offsets(history *h, int64_t t, node_id coordinator, int partition, int64_t offset,
                     int32_t generation, int how, int64_t pid) {
    history_rec *r = history_begin(h, t, HIST_OFFSETS, coordinator);
    r->partition = (uint16_t)partition;
    r->d = offset;
    r->a = (uint32_t)generation;
    r->b = (uint32_t)how;
    r->f = pid < 0 ? 0 : (uint32_t)pid;
    history_commit(h, r);
}

void history_lso(history *h, int64_t t, node_id broker, int partition, int64_t lso) {
    history_rec *r = history_begin(h, t, HIST_LSO, broker);
    r->partition = (uint16_t)partition;
    r->d = lso;
    history_commit(h, r);
}

size_t history_count_kind(const history *h, history_kind kind) {
    size_t n = 0;
    for (size_t i = 0; i < h->count; i++)
        if (h->recs[i].kind == kind) n += history_rec_span(&h->recs[i]);
    return n;
}

const char *history_kind_name(history_kind kind) {
    static const char *const names[HIST_KIND_COUNT] = {
        [HIST_SEND] = "send",         [HIST_CALLBACK] = "callback",
        [HIST_ATTEMPT] = "attempt",   [HIST_RETRY] = "retry",
        [HIST_APPEND] = "append",     [HIST_DEDUP] = "dedup",
        [HIST_TRUNCATE] = "truncate", [HIST_HW] = "hw",
        [HIST_ELECTION] = "election", [HIST_ISR] = "isr",
        [HIST_DROP] = "drop",         [HIST_FAULT] = "fault",
        [HIST_CRASH] = "crash",       [HIST_EPOCH_BUMP] = "epoch-bump",
        [HIST_PRODUCER_ID] = "producer-id", [HIST_ERROR] = "error",
        [HIST_EXPIRE] = "expire",
        [HIST_TXN_BEGIN] = "txn-begin", [HIST_TXN_BATCH] = "txn-batch",
        [HIST_TXN_END] = "txn-end",   [HIST_TXN_STATE] = "txn-state",
        [HIST_TXN_FENCE] = "txn-fence", [HIST_MARKER] = "marker",
        [HIST_LSO] = "lso",
        [HIST_POLL] = "poll",
        [HIST_PROCESS] = "process",
        [HIST_OFFSET_COMMIT] = "offset-commit",
        [HIST_POSITION] = "position",
        [HIST_ASSIGN] = "assign",
        [HIST_GROUP] = "group",
        [HIST_MEMBER] = "member",
        [HIST_OFFSETS] = "offsets",
    };
    if ((unsigned)kind >= HIST_KIND_COUNT) return "unknown";
    return names[kind];
}
