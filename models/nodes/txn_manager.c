/*
 * txn_manager.c: the transactional TransactionManager of the Java producer (txn_manager.h).
 *
 * Sources: clients/src/main/java/org/apache/kafka/clients/producer/internals/
 * TransactionManager.java and Sender.java (maybeSendAndPollTransactionalRequest,
 * maybeFindCoordinatorAndRetry) at 3.9.
 */
#include "txn_manager.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* AddPartitionsToTxnHandler.ADD_PARTITIONS_RETRY_BACKOFF_MS (KAFKA-5482's stopgap). */
#define TXN_ADD_PARTITIONS_RETRY_BACKOFF_NS ((int64_t)20 * 1000000)

const char *txn_manager_state_name(txn_manager_state s) {
    static const char *const names[] = {
        "UNINITIALIZED",          "INITIALIZING",          "READY",
        "IN_TRANSACTION",         "COMMITTING_TRANSACTION", "ABORTING_TRANSACTION",
        "ABORTABLE_ERROR",        "FATAL_ERROR"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "UNKNOWN";
}

int txn_manager_init(txn_manager *tm, const txn_manager_env *env) {
    memset(tm, 0, sizeof *tm);
    tm->cfg = env->config;
    tm->history = env->history;
    tm->node = env->node;
    tm->txn = (uint16_t)env->txn;
    tm->timeout_ms = (int32_t)(env->config->transaction_timeout_ns / 1000000);
    tm->producer_id = env->producer_id;
    tm->producer_epoch = env->producer_epoch;
    tm->partition_count = env->partition_count;
    tm->can_bump_epoch = env->config->kafka_version >= 20500;
    tm->tv2 = env->config->transaction_version >= 2;
    size_t n = env->partition_count > 0 ? (size_t)env->partition_count : 1;
    tm->parts = calloc(n, sizeof *tm->parts);
    tm->req_parts = calloc(n < PROTO_TXN_PARTITIONS_MAX ? n : PROTO_TXN_PARTITIONS_MAX,
                           sizeof *tm->req_parts);
    if (!tm->parts || !tm->req_parts) return -1;
    if (env->group_offsets) {
        tm->offsets = malloc(PROTO_OFFSET_ENTRIES_MAX * sizeof *tm->offsets);
        if (!tm->offsets) return -1;
    }
    txn_manager_reset(tm);
    return 0;
}

void txn_manager_fini(txn_manager *tm) {
    free(tm->offsets);
    free(tm->parts);
    free(tm->req_parts);
    memset(tm, 0, sizeof *tm);
}

static void txn_parts_clear(txn_manager *tm) {
    memset(tm->parts, TXN_PART_NONE, (size_t)tm->partition_count);
    tm->new_count = 0;
}

void txn_manager_reset(txn_manager *tm) {
    tm->state = TXN_MGR_UNINITIALIZED;
    tm->coordinator = -1;
    tm->group_coordinator = -1;
    tm->offset_count = 0;
    txn_parts_clear(tm);
    tm->req_part_count = 0;
    tm->queue_count = 0;
    tm->in_flight = false;
    tm->slept = false;
    tm->sleep_until_ns = 0;
    tm->epoch_bump_required = false;
    tm->transaction_started = false;
    tm->last_error = ERR_NONE;
    tm->result = TXN_RESULT_NONE;
    tm->result_error = ERR_NONE;
}

/* ---- State (State.isTransitionValid, transitionTo) --------------------------------------- */

static bool txn_transition_valid(txn_manager_state from, txn_manager_state to) {
    switch (to) {
    case TXN_MGR_UNINITIALIZED: return from == TXN_MGR_READY || from == TXN_MGR_ABORTABLE_ERROR;
    case TXN_MGR_INITIALIZING:
        return from == TXN_MGR_UNINITIALIZED || from == TXN_MGR_ABORTING_TRANSACTION;
    case TXN_MGR_READY:
        return from == TXN_MGR_INITIALIZING || from == TXN_MGR_COMMITTING_TRANSACTION ||
               from == TXN_MGR_ABORTING_TRANSACTION;
    case TXN_MGR_IN_TRANSACTION: return from == TXN_MGR_READY;
    case TXN_MGR_COMMITTING_TRANSACTION: return from == TXN_MGR_IN_TRANSACTION;
    case TXN_MGR_ABORTING_TRANSACTION:
        return from == TXN_MGR_IN_TRANSACTION || from == TXN_MGR_ABORTABLE_ERROR;
    case TXN_MGR_ABORTABLE_ERROR:
        return from == TXN_MGR_IN_TRANSACTION || from == TXN_MGR_COMMITTING_TRANSACTION ||
               from == TXN_MGR_ABORTABLE_ERROR || from == TXN_MGR_INITIALIZING;
    case TXN_MGR_FATAL_ERROR:
    default: return true;
    }
}

static void txn_fail_call(txn_manager *tm, int error) {
    if (tm->result != TXN_RESULT_PENDING) return;
    tm->result = TXN_RESULT_FAILED;
    tm->result_error = error;
}

/* transitionTo: an error state keeps its error, any other clears it. An invalid transition
 * poisons the manager (FATAL_ERROR, KAFKA-14831, 3.6+). */
static void txn_transition(txn_manager *tm, txn_manager_state to, int error) {
    if (!txn_transition_valid(tm->state, to)) {
        tm->state = TXN_MGR_FATAL_ERROR;
        if (tm->last_error == ERR_NONE) tm->last_error = ERR_INVALID_TXN_STATE;
        txn_fail_call(tm, tm->last_error);
        return;
    }
    tm->last_error = to == TXN_MGR_FATAL_ERROR || to == TXN_MGR_ABORTABLE_ERROR ? error : ERR_NONE;
    tm->state = to;
}

/* transitionToFatalError: the pending call fails too. */
static void txn_fatal(txn_manager *tm, int error) {
    txn_transition(tm, TXN_MGR_FATAL_ERROR, error);
    txn_fail_call(tm, error);
}

/* transitionToAbortableError: nothing while an abort is under way already. */
static void txn_abortable(txn_manager *tm, int error) {
    if (tm->state == TXN_MGR_ABORTING_TRANSACTION) return;
    txn_transition(tm, TXN_MGR_ABORTABLE_ERROR, error);
}

static bool txn_has_error(const txn_manager *tm) {
    return tm->state == TXN_MGR_ABORTABLE_ERROR || tm->state == TXN_MGR_FATAL_ERROR;
}

/* ---- The request queue (pendingRequests, a PriorityQueue by Priority) --------------------- */

static void txn_enqueue(txn_manager *tm, txn_handler h) {
    h.order = tm->queue_order++;
    if (tm->queue_count == TXN_MGR_QUEUE_MAX) {
        /* Cannot happen with one handler of each kind; refuse loudly rather than drop. */
        txn_fatal(tm, ERR_INVALID_TXN_STATE);
        return;
    }
    tm->queue[tm->queue_count++] = h;
}

static int txn_queued(const txn_manager *tm, txn_request_kind kind) {
    for (int k = 0; k < tm->queue_count; k++)
        if (tm->queue[k].kind == kind) return k;
    return -1;
}

/* TxnRequestHandler.priority(): AddOffsetsToTxn and TxnOffsetCommit share
 * ADD_PARTITIONS_OR_OFFSETS with AddPartitionsToTxn. */
static int txn_priority(uint8_t kind) {
    return kind == TXN_REQ_ADD_OFFSETS || kind == TXN_REQ_TXN_OFFSET_COMMIT ? TXN_REQ_ADD_PARTITIONS
                                                                          : kind;
}

/* The first handler by (priority, enqueue order), or -1. */
static int txn_peek(const txn_manager *tm) {
    int best = -1;
    for (int k = 0; k < tm->queue_count; k++) {
        const txn_handler *h = &tm->queue[k];
        int pri = txn_priority(h->kind), best_pri = best < 0 ? 0 : txn_priority(tm->queue[best].kind);
        if (best < 0 || pri < best_pri || (pri == best_pri && h->order < tm->queue[best].order))
            best = k;
    }
    return best;
}

static txn_handler txn_take(txn_manager *tm, int k) {
    txn_handler h = tm->queue[k];
    tm->queue[k] = tm->queue[--tm->queue_count];
    return h;
}

static txn_handler txn_handler_of(const txn_manager *tm, txn_request_kind kind) {
    return (txn_handler){.kind = (uint8_t)kind, .backoff_ns = tm->cfg->retry_backoff_ns};
}

/* lookupCoordinator(type): forget that coordinator and queue a FindCoordinator for it
 * (once). */
static void txn_lookup(txn_manager *tm, bool group) {
    if (group) tm->group_coordinator = -1;
    else tm->coordinator = -1;
    for (int k = 0; k < tm->queue_count; k++)
        if (tm->queue[k].kind == TXN_REQ_FIND_COORDINATOR && tm->queue[k].group == group) return;
    txn_handler h = txn_handler_of(tm, TXN_REQ_FIND_COORDINATOR);
    h.group = group;
    txn_enqueue(tm, h);
}

static void txn_lookup_coordinator(txn_manager *tm) { txn_lookup(tm, false); }

/* The coordinator handler h goes to: the group coordinator for TxnOffsetCommit
 * (coordinatorType GROUP), else the transaction coordinator. */
static bool txn_to_group(const txn_handler *h) { return h->kind == TXN_REQ_TXN_OFFSET_COMMIT; }

/* TxnRequestHandler.reenqueue / TM.retry. */
static void txn_reenqueue(txn_manager *tm, txn_handler h) {
    h.retry = true;
    txn_enqueue(tm, h);
}

/* The handler failed: its result (the application's call, if it is the one) fails. */
static void txn_handler_fail(txn_manager *tm, const txn_handler *h, int error) {
    if (h->completes_call) txn_fail_call(tm, error);
}

/* needToTriggerEpochBumpFromClient (4.0, KAFKA-17898): the client bumps the epoch itself
 * (InitProducerId(pid, epoch) after EndTxn(ABORT)) only with transaction version 1; with
 * version 2 the coordinator bumps it at every EndTxn. */
static void txn_require_bump(txn_manager *tm) {
    if (!tm->tv2) tm->epoch_bump_required = true;
}

/* abortableErrorIfPossible. */
static void txn_abortable_if_possible(txn_manager *tm, const txn_handler *h, int error) {
    if (tm->can_bump_epoch) {
        txn_require_bump(tm);
        txn_handler_fail(tm, h, error);
        txn_abortable(tm, error);
    } else {
        txn_fatal(tm, error);
    }
}

/* Errors the handlers retry: Kafka's RetriableException subclasses among the coordinator's
 * answers. */
static bool txn_retriable(int error) {
    return proto_error_retriable(error) || error == ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           error == ERR_COORDINATOR_NOT_AVAILABLE || error == ERR_NOT_COORDINATOR ||
           error == ERR_CONCURRENT_TRANSACTIONS;
}

/* ---- The application's calls ------------------------------------------------------------ */

/* A call's TransactionalRequestResult is new: pending, no error of an earlier call. */
static void txn_call_pending(txn_manager *tm) {
    tm->result = TXN_RESULT_PENDING;
    tm->result_error = ERR_NONE;
}

void txn_manager_init_transactions(txn_manager *tm) {
    txn_transition(tm, TXN_MGR_INITIALIZING, ERR_NONE);
    if (tm->state != TXN_MGR_INITIALIZING) return;
    txn_handler h = txn_handler_of(tm, TXN_REQ_INIT_PRODUCER_ID);
    h.completes_call = true;
    txn_call_pending(tm);
    txn_enqueue(tm, h);
}

void txn_manager_begin(txn_manager *tm) {
    txn_transition(tm, TXN_MGR_IN_TRANSACTION, ERR_NONE);
}

/* beginCompletingTransaction: the new partitions still go to the coordinator, then EndTxn
 * (the result of the call is its result, or the bump's when one is required). */
static void txn_begin_completing(txn_manager *tm, bool commit) {
    txn_call_pending(tm);
    txn_handler end = txn_handler_of(tm, TXN_REQ_END_TXN);
    end.commit = commit;
    end.completes_call = !tm->epoch_bump_required;
    /* Kafka skips EndTxn after INVALID_PRODUCER_ID_MAPPING, but tests lastError after
     * transitionTo(ABORTING_TRANSACTION) has cleared it (TransactionManager.java at 3.9): the
     * EndTxn always goes. */
    txn_enqueue(tm, end);
    if (!tm->epoch_bump_required) return;
    txn_handler bump = txn_handler_of(tm, TXN_REQ_EPOCH_BUMP);
    bump.completes_call = true;
    txn_enqueue(tm, bump);
}

void txn_manager_commit(txn_manager *tm) {
    if (txn_has_error(tm)) { /* maybeFailWithError */
        tm->result = TXN_RESULT_FAILED;
        tm->result_error = tm->last_error;
        return;
    }
    txn_transition(tm, TXN_MGR_COMMITTING_TRANSACTION, ERR_NONE);
    if (tm->state != TXN_MGR_COMMITTING_TRANSACTION) return;
    txn_begin_completing(tm, true);
}

void txn_manager_abort(txn_manager *tm) {
    if (tm->state == TXN_MGR_FATAL_ERROR) {
        tm->result = TXN_RESULT_FAILED;
        tm->result_error = tm->last_error;
        return;
    }
    txn_transition(tm, TXN_MGR_ABORTING_TRANSACTION, ERR_NONE);
    if (tm->state != TXN_MGR_ABORTING_TRANSACTION) return;
    /* newPartitionsInTransaction.clear(): they need not be added any more. */
    for (int g = 0; g < tm->partition_count && tm->new_count > 0; g++) {
        if (tm->parts[g] != TXN_PART_NEW) continue;
        tm->parts[g] = TXN_PART_NONE;
        tm->new_count--;
    }
    txn_begin_completing(tm, false);
}

void txn_manager_send_offsets(txn_manager *tm, const proto_offset_entry *offsets, int n,
                              proto_member_id member_id, int32_t generation) {
    if (txn_has_error(tm)) { /* maybeFailWithError */
        tm->result = TXN_RESULT_FAILED;
        tm->result_error = tm->last_error;
        return;
    }
    /* IllegalStateException: "Cannot send offsets if a transaction is not in progress" (or a
     * manager set up without group_offsets, which no caller makes: the call is refused). */
    if (tm->state != TXN_MGR_IN_TRANSACTION || n <= 0 || n > (int)PROTO_OFFSET_ENTRIES_MAX ||
        !tm->offsets) {
        tm->result = TXN_RESULT_FAILED;
        tm->result_error = ERR_INVALID_TXN_STATE;
        return;
    }
    /* pendingTxnOffsetCommits.put for each; the group metadata goes in the TxnOffsetCommit. */
    memcpy(tm->offsets, offsets, (size_t)n * sizeof *offsets);
    tm->offset_count = (uint16_t)n;
    tm->member_id = member_id;
    tm->generation = generation;
    txn_call_pending(tm);
    txn_handler h = txn_handler_of(tm, TXN_REQ_ADD_OFFSETS);
    h.completes_call = true;
    txn_enqueue(tm, h);
}

void txn_manager_abandon_call(txn_manager *tm) {
    for (int k = 0; k < tm->queue_count; k++) tm->queue[k].completes_call = false;
    tm->flight.completes_call = false;
    tm->result = TXN_RESULT_NONE;
    tm->result_error = ERR_NONE;
}

bool txn_manager_add_partition(txn_manager *tm, int g) {
    if (tm->parts[g] != TXN_PART_NONE) return tm->parts[g] == TXN_PART_ADDED;
    if (tm->tv2) {
        /* Version 2 (4.0 maybeAddPartition): added here, the leader adds it at the
         * coordinator with the first batch (KAFKA-14563); transactionStarted. */
        tm->parts[g] = TXN_PART_ADDED;
        tm->transaction_started = true;
        return true;
    }
    tm->parts[g] = TXN_PART_NEW;
    tm->new_count++;
    return false;
}

/* completeTransaction. */
static void txn_complete_transaction(txn_manager *tm) {
    txn_transition(tm, tm->epoch_bump_required ? TXN_MGR_INITIALIZING : TXN_MGR_READY, ERR_NONE);
    tm->last_error = ERR_NONE;
    tm->epoch_bump_required = false;
    tm->transaction_started = false;
    txn_parts_clear(tm);
}

/* ---- Sending (TM.nextRequest, Sender.maybeSendAndPollTransactionalRequest) ---------------- */

/* Moves the new partitions to pending and makes sure an AddPartitionsToTxn is queued. */
static void txn_queue_new_partitions(txn_manager *tm) {
    if (tm->new_count == 0) return;
    for (int g = 0; g < tm->partition_count; g++)
        if (tm->parts[g] == TXN_PART_NEW) tm->parts[g] = TXN_PART_PENDING;
    tm->new_count = 0;
    if (txn_queued(tm, TXN_REQ_ADD_PARTITIONS) < 0)
        txn_enqueue(tm, txn_handler_of(tm, TXN_REQ_ADD_PARTITIONS));
}

/* The request of handler h, into out; false when there is nothing to ask (an
 * AddPartitionsToTxn whose partitions all left the transaction). */
static bool txn_build(txn_manager *tm, const txn_handler *h, proto_msg *out) {
    memset(out, 0, sizeof *out);
    switch ((txn_request_kind)h->kind) {
    case TXN_REQ_FIND_COORDINATOR:
        out->api = API_FIND_COORDINATOR;
        /* the group's key is group index 0: one group per world */
        out->u.find_coordinator.txn = h->group ? 0 : tm->txn;
        out->u.find_coordinator.key_type =
            h->group ? PROTO_COORDINATOR_GROUP : PROTO_COORDINATOR_TRANSACTION;
        return true;
    case TXN_REQ_ADD_OFFSETS:
        out->api = API_ADD_OFFSETS_TO_TXN;
        out->u.add_offsets.producer_id = *tm->producer_id;
        out->u.add_offsets.producer_epoch = *tm->producer_epoch;
        out->u.add_offsets.txn = tm->txn;
        out->u.add_offsets.group = 0;
        return true;
    case TXN_REQ_TXN_OFFSET_COMMIT:
        if (tm->offset_count == 0) return false;
        out->api = API_TXN_OFFSET_COMMIT;
        out->u.offset_commit.producer_id = *tm->producer_id;
        out->u.offset_commit.producer_epoch = *tm->producer_epoch;
        out->u.offset_commit.txn = tm->txn;
        out->u.offset_commit.member_id = tm->member_id;
        out->u.offset_commit.generation = tm->generation;
        out->u.offset_commit.entry_count = tm->offset_count;
        out->u.offset_commit.entries = tm->offsets;
        return true;
    case TXN_REQ_INIT_PRODUCER_ID:
    case TXN_REQ_EPOCH_BUMP:
        out->api = API_INIT_PRODUCER_ID;
        out->u.init_pid.producer_id =
            h->kind == TXN_REQ_EPOCH_BUMP ? *tm->producer_id : PROTO_NO_PRODUCER_ID;
        out->u.init_pid.producer_epoch =
            h->kind == TXN_REQ_EPOCH_BUMP ? *tm->producer_epoch : PROTO_NO_PRODUCER_EPOCH;
        out->u.init_pid.txn = (int16_t)tm->txn;
        out->u.init_pid.txn_timeout_ms = tm->timeout_ms;
        return true;
    case TXN_REQ_ADD_PARTITIONS:
        tm->req_part_count = 0;
        for (int g = 0; g < tm->partition_count && tm->req_part_count < PROTO_TXN_PARTITIONS_MAX;
             g++)
            if (tm->parts[g] == TXN_PART_PENDING) tm->req_parts[tm->req_part_count++] = (uint16_t)g;
        if (tm->req_part_count == 0) return false;
        out->api = API_ADD_PARTITIONS_TO_TXN;
        out->u.add_partitions.producer_id = *tm->producer_id;
        out->u.add_partitions.producer_epoch = *tm->producer_epoch;
        out->u.add_partitions.txn = tm->txn;
        out->u.add_partitions.partition_count = tm->req_part_count;
        out->u.add_partitions.partitions = tm->req_parts;
        return true;
    case TXN_REQ_END_TXN:
        out->api = API_END_TXN;
        out->u.end_txn.producer_id = *tm->producer_id;
        out->u.end_txn.producer_epoch = *tm->producer_epoch;
        out->u.end_txn.txn = tm->txn;
        out->u.end_txn.commit = h->commit ? 1 : 0;
        return true;
    }
    return false;
}

/* TM.nextRequest: the next handler to send, or false (Produce may go). Handlers failed by the
 * error state, and an EndTxn of a transaction that added nothing, are settled on the way. */
static bool txn_next_handler(txn_manager *tm, bool has_incomplete, txn_handler *out) {
    for (;;) {
        txn_queue_new_partitions(tm);
        int k = txn_peek(tm);
        if (k < 0) return false;
        /* Do not send the EndTxn until all batches have been flushed. */
        if (tm->queue[k].kind == TXN_REQ_END_TXN && has_incomplete) return false;
        txn_handler h = txn_take(tm, k);
        /* maybeTerminateRequestWithError: a FindCoordinator may go in ABORTABLE_ERROR. */
        if (txn_has_error(tm) &&
            !(tm->state == TXN_MGR_ABORTABLE_ERROR && h.kind == TXN_REQ_FIND_COORDINATOR)) {
            txn_handler_fail(tm, &h, tm->last_error);
            continue;
        }
        if (h.kind == TXN_REQ_END_TXN && !tm->transaction_started) {
            /* Nothing was added: the transaction completes here, without an EndTxn. */
            if (h.completes_call) tm->result = TXN_RESULT_DONE;
            if (tm->state != TXN_MGR_FATAL_ERROR) txn_complete_transaction(tm);
            continue;
        }
        *out = h;
        return true;
    }
}

txn_next txn_manager_next(txn_manager *tm, bool has_incomplete, int64_t now_ns, proto_msg *out,
                          int *to, int64_t *wake_ns) {
    *wake_ns = SIM_TIME_NEVER;
    if (tm->in_flight) return TXN_NEXT_WAIT;
    for (;;) {
        txn_handler h;
        if (tm->slept) {
            /* The handler dequeued before the sleep (flight holds it until it goes). */
            if (now_ns < tm->sleep_until_ns) {
                *wake_ns = tm->sleep_until_ns;
                return TXN_NEXT_WAIT;
            }
            h = tm->flight;
        } else if (!txn_next_handler(tm, has_incomplete, &h)) {
            return TXN_NEXT_PRODUCE;
        }
        int target = -1;
        if (h.kind != TXN_REQ_FIND_COORDINATOR) {
            bool group = txn_to_group(&h);
            int known = group ? tm->group_coordinator : tm->coordinator;
            if (known <= 0) {
                /* Coordinator not known: find it, then this request again. */
                tm->slept = false;
                txn_lookup(tm, group);
                txn_reenqueue(tm, h);
                continue;
            }
            target = known;
        }
        if (h.retry && !tm->slept) {
            /* Sender: time.sleep(retryBackoffMs) before a retried request. */
            int64_t backoff = h.backoff_ns < tm->cfg->retry_backoff_ns ? h.backoff_ns
                                                                       : tm->cfg->retry_backoff_ns;
            tm->flight = h;
            tm->slept = true;
            tm->sleep_until_ns = now_ns + backoff;
            if (backoff > 0) {
                *wake_ns = tm->sleep_until_ns;
                return TXN_NEXT_WAIT;
            }
        }
        tm->slept = false;
        if (!txn_build(tm, &h, out)) continue;
        tm->flight = h;
        *to = target;
        return TXN_NEXT_SEND;
    }
}

void txn_manager_sent(txn_manager *tm, int broker, uint32_t correlation_id) {
    tm->in_flight = true;
    tm->flight_broker = broker;
    tm->flight_correlation_id = correlation_id;
}

void txn_manager_not_sent(txn_manager *tm, int64_t now_ns) {
    (void)now_ns;
    txn_handler h = tm->flight;
    if (h.kind != TXN_REQ_FIND_COORDINATOR) txn_lookup(tm, txn_to_group(&h));
    txn_reenqueue(tm, h);
}

void txn_manager_on_disconnect(txn_manager *tm, uint32_t correlation_id, int64_t now_ns) {
    (void)now_ns;
    if (!tm->in_flight || correlation_id != tm->flight_correlation_id) return;
    tm->in_flight = false;
    txn_handler h = tm->flight;
    if (h.kind != TXN_REQ_FIND_COORDINATOR) txn_lookup(tm, txn_to_group(&h));
    txn_reenqueue(tm, h);
}

/* ---- Answers (the handlers' handleResponse) ----------------------------------------------- */

static void txn_on_find_coordinator(txn_manager *tm, const txn_handler *h, const proto_msg *m) {
    int error = m->u.find_coordinator_response.error;
    int coordinator = m->u.find_coordinator_response.coordinator;
    if (error == ERR_NONE && coordinator > 0 && coordinator <= PROTO_BROKERS_MAX) {
        if (h->group) tm->group_coordinator = coordinator;
        else tm->coordinator = coordinator;
    } else if (error == ERR_NONE || txn_retriable(error)) {
        txn_reenqueue(tm, *h);
    } else if (error == ERR_TRANSACTION_ABORTABLE) {
        txn_abortable(tm, error);
    } else {
        txn_fatal(tm, error);
    }
}

/* The coordinator moved or is not there: find it again, then this request (every handler but
 * FindCoordinator's). */
static bool txn_on_coordinator_error(txn_manager *tm, const txn_handler *h, int error) {
    if (error != ERR_NOT_COORDINATOR && error != ERR_COORDINATOR_NOT_AVAILABLE) return false;
    txn_lookup_coordinator(tm);
    txn_reenqueue(tm, *h);
    return true;
}

static unsigned txn_on_init_producer_id(txn_manager *tm, const txn_handler *h,
                                        const proto_msg *m) {
    const proto_init_producer_id_response *r = &m->u.init_pid_response;
    int error = r->error;
    if (error == ERR_NONE) {
        *tm->producer_id = r->producer_id;
        *tm->producer_epoch = r->producer_epoch;
        txn_transition(tm, TXN_MGR_READY, ERR_NONE);
        tm->last_error = ERR_NONE;
        if (h->completes_call && tm->result == TXN_RESULT_PENDING) tm->result = TXN_RESULT_DONE;
        return TXN_EV_PRODUCER_ID;
    }
    if (txn_on_coordinator_error(tm, h, error)) return 0;
    if (txn_retriable(error)) {
        txn_reenqueue(tm, *h);
    } else if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_PRODUCER_FENCED) {
        txn_fatal(tm, ERR_PRODUCER_FENCED);
    } else if (error == ERR_TRANSACTION_ABORTABLE) {
        txn_handler_fail(tm, h, error);
        txn_abortable(tm, error);
    } else {
        txn_fatal(tm, error);
    }
    return 0;
}

static unsigned txn_on_add_partitions(txn_manager *tm, const txn_handler *h, const proto_msg *m) {
    int error = m->u.txn_response.error;
    if (error == ERR_NONE) {
        /* partitionsInTransaction.addAll(partitions); pending ones added meanwhile stay. */
        for (int k = 0; k < tm->req_part_count; k++)
            if (tm->parts[tm->req_parts[k]] == TXN_PART_PENDING)
                tm->parts[tm->req_parts[k]] = TXN_PART_ADDED;
        tm->transaction_started = true;
        /* Pending partitions beyond one request's room go in the next. */
        for (int g = 0; g < tm->partition_count; g++) {
            if (tm->parts[g] != TXN_PART_PENDING) continue;
            if (txn_queued(tm, TXN_REQ_ADD_PARTITIONS) < 0)
                txn_enqueue(tm, txn_handler_of(tm, TXN_REQ_ADD_PARTITIONS));
            break;
        }
        return TXN_EV_ADDED;
    }
    if (txn_on_coordinator_error(tm, h, error)) return 0;
    if (error == ERR_CONCURRENT_TRANSACTIONS) {
        /* maybeOverrideRetryBackoffMs: the first AddPartitions of a transaction retries soon,
         * the previous transaction being likely still completing. */
        txn_handler again = *h;
        bool first = true;
        for (int g = 0; g < tm->partition_count && first; g++)
            first = tm->parts[g] != TXN_PART_ADDED;
        if (first) again.backoff_ns = TXN_ADD_PARTITIONS_RETRY_BACKOFF_NS;
        txn_reenqueue(tm, again);
    } else if (txn_retriable(error)) {
        txn_reenqueue(tm, *h);
    } else if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_PRODUCER_FENCED) {
        txn_fatal(tm, ERR_PRODUCER_FENCED);
    } else if (error == ERR_INVALID_TXN_STATE) {
        txn_fatal(tm, error);
    } else if (error == ERR_UNKNOWN_PRODUCER_ID || error == ERR_INVALID_PRODUCER_ID_MAPPING) {
        txn_abortable_if_possible(tm, h, error);
    } else {
        /* TRANSACTION_ABORTABLE, and "could not add partitions due to errors". */
        txn_abortable(tm, error);
    }
    return 0;
}

static unsigned txn_on_end_txn(txn_manager *tm, const txn_handler *h, const proto_msg *m) {
    const proto_txn_response *r = &m->u.txn_response;
    int error = r->error;
    if (error == ERR_NONE) {
        unsigned ev = 0;
        if (tm->tv2 && r->producer_id >= 0 && r->producer_epoch >= 0) {
            /* EndTxn v5 (4.0 EndTxnHandler): the bumped epoch, or the next producer id, is the
             * next transaction's; its sequences start at 0. */
            *tm->producer_id = r->producer_id;
            *tm->producer_epoch = r->producer_epoch;
            ev = TXN_EV_PRODUCER_ID;
        }
        txn_complete_transaction(tm);
        if (h->completes_call && tm->result == TXN_RESULT_PENDING) tm->result = TXN_RESULT_DONE;
        return ev;
    }
    if (txn_on_coordinator_error(tm, h, error)) return 0;
    if (txn_retriable(error)) {
        txn_reenqueue(tm, *h);
    } else if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_PRODUCER_FENCED) {
        txn_fatal(tm, ERR_PRODUCER_FENCED);
    } else if (error == ERR_INVALID_TXN_STATE) {
        txn_fatal(tm, error);
    } else if (error == ERR_UNKNOWN_PRODUCER_ID || error == ERR_INVALID_PRODUCER_ID_MAPPING) {
        txn_abortable_if_possible(tm, h, error);
    } else if (error == ERR_TRANSACTION_ABORTABLE) {
        txn_handler_fail(tm, h, error);
        txn_abortable(tm, error);
    } else {
        txn_fatal(tm, error);
    }
    return 0;
}

/* AddOffsetsToTxnHandler.handleResponse (3.9): added, the TxnOffsetCommit follows with the
 * same result ("the result is not completed until the TxnOffsetCommit returns"). */
static void txn_on_add_offsets(txn_manager *tm, const txn_handler *h, const proto_msg *m) {
    int error = m->u.group_response.error;
    if (error == ERR_NONE) {
        txn_handler commit = txn_handler_of(tm, TXN_REQ_TXN_OFFSET_COMMIT);
        commit.completes_call = h->completes_call;
        txn_enqueue(tm, commit);
        tm->transaction_started = true;
        return;
    }
    if (txn_on_coordinator_error(tm, h, error)) return;
    if (txn_retriable(error)) {
        txn_reenqueue(tm, *h);
    } else if (error == ERR_UNKNOWN_PRODUCER_ID || error == ERR_INVALID_PRODUCER_ID_MAPPING) {
        txn_abortable_if_possible(tm, h, error);
    } else if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_PRODUCER_FENCED) {
        txn_fatal(tm, ERR_PRODUCER_FENCED);
    } else if (error == ERR_INVALID_TXN_STATE) {
        txn_fatal(tm, error);
    } else if (error == ERR_TRANSACTION_ABORTABLE) {
        txn_handler_fail(tm, h, error);
        txn_abortable(tm, error);
    } else {
        txn_fatal(tm, error); /* "Unexpected error in AddOffsetsToTxnResponse" */
    }
}

/* TxnOffsetCommitHandler.handleResponse (3.9); the model's coordinator answers every partition
 * alike. The generation checks of KIP-447 come back as UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION:
 * an abortable CommitFailedException ("consumer group metadata mismatch"). */
static void txn_on_txn_offset_commit(txn_manager *tm, const txn_handler *h, const proto_msg *m,
                                     int64_t now_ns) {
    int error = m->u.group_response.error;
    for (int k = 0; k < tm->offset_count; k++)
        history_offset_commit(tm->history, now_ns, tm->node, tm->offsets[k].partition,
                              tm->offsets[k].offset, tm->generation, HIST_COMMIT_TXN, error,
                              tm->member_id);
    if (error == ERR_NONE) {
        tm->offset_count = 0; /* pendingTxnOffsetCommits empty: result.done() */
        if (h->completes_call && tm->result == TXN_RESULT_PENDING) tm->result = TXN_RESULT_DONE;
        return;
    }
    if (error == ERR_COORDINATOR_NOT_AVAILABLE || error == ERR_NOT_COORDINATOR ||
        error == ERR_REQUEST_TIMED_OUT) {
        txn_lookup(tm, true);
        txn_reenqueue(tm, *h);
    } else if (txn_retriable(error) || error == ERR_UNSTABLE_OFFSET_COMMIT) {
        txn_reenqueue(tm, *h); /* the coordinator loading, or another retriable error */
    } else if (error == ERR_UNKNOWN_MEMBER_ID || error == ERR_ILLEGAL_GENERATION ||
               error == ERR_FENCED_INSTANCE_ID || error == ERR_TRANSACTION_ABORTABLE) {
        int failed = error == ERR_UNKNOWN_MEMBER_ID || error == ERR_ILLEGAL_GENERATION
                         ? ERR_CLIENT_COMMIT_FAILED
                         : error;
        txn_handler_fail(tm, h, failed);
        txn_abortable(tm, failed);
        tm->offset_count = 0;
    } else if (error == ERR_INVALID_PRODUCER_EPOCH || error == ERR_PRODUCER_FENCED) {
        txn_fatal(tm, ERR_PRODUCER_FENCED);
        tm->offset_count = 0;
    } else {
        txn_fatal(tm, error); /* "Unexpected error in TxnOffsetCommitResponse" */
        tm->offset_count = 0;
    }
}

unsigned txn_manager_on_response(txn_manager *tm, const proto_msg *m, int64_t now_ns) {
    if (!tm->in_flight || m->correlation_id != tm->flight_correlation_id) return 0;
    tm->in_flight = false;
    txn_handler h = tm->flight;
    int error = ERR_NONE;
    unsigned ev = 0;
    switch (m->api) {
    case API_FIND_COORDINATOR:
        error = m->u.find_coordinator_response.error;
        txn_on_find_coordinator(tm, &h, m);
        break;
    case API_INIT_PRODUCER_ID:
        error = m->u.init_pid_response.error;
        ev = txn_on_init_producer_id(tm, &h, m);
        break;
    case API_ADD_PARTITIONS_TO_TXN:
        error = m->u.txn_response.error;
        ev = txn_on_add_partitions(tm, &h, m);
        break;
    case API_END_TXN:
        error = m->u.txn_response.error;
        ev = txn_on_end_txn(tm, &h, m);
        break;
    case API_ADD_OFFSETS_TO_TXN:
        error = m->u.group_response.error;
        txn_on_add_offsets(tm, &h, m);
        break;
    case API_TXN_OFFSET_COMMIT:
        error = m->u.group_response.error;
        txn_on_txn_offset_commit(tm, &h, m, now_ns);
        break;
    default: break;
    }
    if (error != ERR_NONE) history_error(tm->history, now_ns, tm->node, m->api, error);
    return ev;
}

/* ---- Failed batches ------------------------------------------------------------------------ */

void txn_manager_on_batch_failed(txn_manager *tm, int error, int64_t now_ns) {
    (void)now_ns;
    /* Before 2.7 a produce INVALID_PRODUCER_EPOCH is a ProducerFencedException (the PAI comment
     * "Starting from 2.7..."); before 2.5 a sequence error cannot be resolved by a bump ("It
     * isn't safe to continue"). */
    bool fenced = error == ERR_PRODUCER_FENCED ||
                  (error == ERR_INVALID_PRODUCER_EPOCH && tm->cfg->kafka_version < 20700);
    bool unsafe = !tm->can_bump_epoch &&
                  (error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER || error == ERR_UNKNOWN_PRODUCER_ID);
    if (fenced || unsafe) {
        txn_fatal(tm, fenced ? ERR_PRODUCER_FENCED : error);
        return;
    }
    if (tm->state == TXN_MGR_FATAL_ERROR) return;
    if (tm->can_bump_epoch && !txn_manager_completing(tm)) txn_require_bump(tm);
    txn_abortable(tm, error);
}

void txn_manager_on_unresolved(txn_manager *tm, int64_t now_ns) {
    (void)now_ns;
    if (tm->state == TXN_MGR_FATAL_ERROR) return;
    if (tm->can_bump_epoch) {
        txn_require_bump(tm);
        txn_abortable(tm, ERR_CLIENT_DELIVERY_TIMEOUT);
    } else {
        txn_fatal(tm, ERR_CLIENT_DELIVERY_TIMEOUT);
    }
}
