/*
 * test_txn_offsets.c: sendOffsetsToTransaction of the producer's TransactionManager (KIP-447,
 * txn_manager.h), driven by hand: AddOffsetsToTxn to the transaction coordinator, then
 * TxnOffsetCommit with the group metadata to the group coordinator (found with a
 * FindCoordinator of type GROUP), and the answers' error classes of
 * TransactionManager.TxnOffsetCommitHandler (3.9): retried, the group coordinator looked up
 * again, abortable (the generation moved: CommitFailedException), fatal (fenced).
 */
#include <string.h>

#include "config.h"
#include "history.h"
#include "protocol.h"
#include "sim.h"
#include "test.h"
#include "txn_manager.h"

typedef struct fix {
    config cfg;
    history hist;
    txn_manager tm;
    int64_t pid;
    int16_t epoch;
    uint32_t corr;
    int slept;
} fix;

static void fix_init(fix *f) {
    memset(f, 0, sizeof *f);
    config_defaults(&f->cfg, 30900);
    f->cfg.txn_id_count = 1;
    strcpy(f->cfg.txn_ids[0], "group-consumer-1");
    CHECK_EQ(history_init(&f->hist, 64), 0);
    txn_manager_env env = {.config = &f->cfg, .history = &f->hist, .node = node_consumer_producer(0),
                           .txn = 0, .partition_count = 2, .producer_id = &f->pid,
                           .producer_epoch = &f->epoch, .group_offsets = true};
    CHECK_EQ(txn_manager_init(&f->tm, &env), 0);
    CHECK(f->tm.offsets != NULL); /* had at init: no allocation mid-run */
    f->pid = PROTO_NO_PRODUCER_ID;
    f->epoch = PROTO_NO_PRODUCER_EPOCH;
}

static void fix_fini(fix *f) {
    txn_manager_fini(&f->tm);
    history_fini(&f->hist);
}

/* The next request the manager sends (asserting one goes), to *to; a retried request's sleep
 * (retry.backoff.ms) is waited out, counted in f->slept. */
static proto_msg next_sent(fix *f, int64_t now, int *to) {
    proto_msg m;
    int64_t wake = 0;
    *to = -2;
    txn_next n = txn_manager_next(&f->tm, false, now, &m, to, &wake);
    if (n == TXN_NEXT_WAIT && wake != SIM_TIME_NEVER) {
        f->slept++;
        n = txn_manager_next(&f->tm, false, wake, &m, to, &wake);
    }
    CHECK_EQ(n, TXN_NEXT_SEND);
    txn_manager_sent(&f->tm, *to, ++f->corr);
    return m;
}

static void answer(fix *f, proto_api api, proto_msg *m, int64_t now) {
    m->api = (uint8_t)api;
    m->is_response = 1;
    m->correlation_id = f->corr;
    (void)txn_manager_on_response(&f->tm, m, now);
}

static void answer_error(fix *f, proto_api api, int error, int64_t now) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    if (api == API_ADD_OFFSETS_TO_TXN || api == API_TXN_OFFSET_COMMIT) m.u.group_response.error = (int16_t)error;
    else m.u.txn_response.error = (int16_t)error;
    answer(f, api, &m, now);
}

static void answer_coordinator(fix *f, int broker, int64_t now) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.find_coordinator_response.coordinator = (int16_t)broker;
    answer(f, API_FIND_COORDINATOR, &m, now);
}

/* initTransactions (transaction coordinator on broker 2, pid 7000 epoch 0), then a transaction
 * open. */
static void fix_ready_in_txn(fix *f) {
    int to;
    txn_manager_init_transactions(&f->tm);
    proto_msg m = next_sent(f, 0, &to);
    CHECK_EQ(m.api, API_FIND_COORDINATOR);
    CHECK_EQ(m.u.find_coordinator.key_type, PROTO_COORDINATOR_TRANSACTION);
    answer_coordinator(f, 2, 0);
    m = next_sent(f, 0, &to);
    CHECK_EQ(m.api, API_INIT_PRODUCER_ID);
    CHECK_EQ(to, 2);
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.u.init_pid_response.producer_id = 7000;
    r.u.init_pid_response.producer_epoch = 0;
    answer(f, API_INIT_PRODUCER_ID, &r, 0);
    CHECK_EQ(f->tm.state, TXN_MGR_READY);
    f->tm.result = TXN_RESULT_NONE;
    txn_manager_begin(&f->tm);
    CHECK_EQ(f->tm.state, TXN_MGR_IN_TRANSACTION);
}

static const proto_offset_entry OFFSETS[2] = {
    {.offset = 41, .leader_epoch = -1, .partition = 0},
    {.offset = 17, .leader_epoch = -1, .partition = 1},
};

/* AddOffsetsToTxn, FindCoordinator(GROUP), TxnOffsetCommit with the group metadata to the group
 * coordinator; the call completes on its answer; the EndTxn then goes although no partition of
 * the producer was added (the offsets started the transaction). */
static void test_send_offsets_path(void) {
    fix f;
    fix_init(&f);
    fix_ready_in_txn(&f);
    int to;
    txn_manager_send_offsets(&f.tm, OFFSETS, 2, 0xBEEF, 3);
    CHECK_EQ(f.tm.result, TXN_RESULT_PENDING);
    proto_msg m = next_sent(&f, 1, &to);
    CHECK_EQ(m.api, API_ADD_OFFSETS_TO_TXN);
    CHECK_EQ(to, 2);
    CHECK_EQ(m.u.add_offsets.producer_id, 7000);
    answer_error(&f, API_ADD_OFFSETS_TO_TXN, ERR_NONE, 1);
    CHECK_EQ(f.tm.result, TXN_RESULT_PENDING); /* "not completed until the TxnOffsetCommit" */
    m = next_sent(&f, 2, &to);
    CHECK_EQ(m.api, API_FIND_COORDINATOR);
    CHECK_EQ(m.u.find_coordinator.key_type, PROTO_COORDINATOR_GROUP);
    answer_coordinator(&f, 3, 2);
    m = next_sent(&f, 3, &to);
    CHECK_EQ(m.api, API_TXN_OFFSET_COMMIT);
    CHECK_EQ(to, 3);
    CHECK_EQ(m.u.offset_commit.member_id, 0xBEEF);
    CHECK_EQ(m.u.offset_commit.generation, 3);
    CHECK_EQ(m.u.offset_commit.producer_id, 7000);
    CHECK_EQ(m.u.offset_commit.entry_count, 2);
    CHECK_EQ(m.u.offset_commit.entries[0].offset, 41);
    CHECK_EQ(m.u.offset_commit.entries[1].partition, 1);
    answer_error(&f, API_TXN_OFFSET_COMMIT, ERR_NONE, 3);
    CHECK_EQ(f.tm.result, TXN_RESULT_DONE);
    int commits = 0;
    for (size_t i = 0; i < f.hist.count; i++)
        if (f.hist.recs[i].kind == HIST_OFFSET_COMMIT && f.hist.recs[i].b == HIST_COMMIT_TXN &&
            f.hist.recs[i].c == ERR_NONE)
            commits++;
    CHECK_EQ(commits, 2);
    f.tm.result = TXN_RESULT_NONE;
    txn_manager_commit(&f.tm);
    m = next_sent(&f, 4, &to);
    CHECK_EQ(m.api, API_END_TXN);
    CHECK_EQ(to, 2);
    CHECK_EQ(m.u.end_txn.commit, 1);
    fix_fini(&f);
}

/* The group coordinator moved (NOT_COORDINATOR) and was loading: looked up again and retried;
 * then ILLEGAL_GENERATION (the group rebalanced: a zombie's offsets) fails the call with
 * CommitFailedException and makes the transaction abortable; the abort's EndTxn goes. */
static void test_generation_fenced_is_abortable(void) {
    fix f;
    fix_init(&f);
    fix_ready_in_txn(&f);
    int to;
    txn_manager_send_offsets(&f.tm, OFFSETS, 1, 0xBEEF, 3);
    (void)next_sent(&f, 1, &to);
    answer_error(&f, API_ADD_OFFSETS_TO_TXN, ERR_NONE, 1);
    (void)next_sent(&f, 2, &to);
    answer_coordinator(&f, 3, 2);
    proto_msg m = next_sent(&f, 3, &to);
    CHECK_EQ(m.api, API_TXN_OFFSET_COMMIT);
    answer_error(&f, API_TXN_OFFSET_COMMIT, ERR_NOT_COORDINATOR, 3);
    CHECK_EQ(f.tm.result, TXN_RESULT_PENDING);
    CHECK_EQ(f.tm.group_coordinator, -1);
    m = next_sent(&f, 4, &to);
    CHECK_EQ(m.api, API_FIND_COORDINATOR);
    CHECK_EQ(m.u.find_coordinator.key_type, PROTO_COORDINATOR_GROUP);
    answer_coordinator(&f, 1, 4);
    int slept = f.slept;
    int64_t wake = 4 + f.cfg.retry_backoff_ns;
    m = next_sent(&f, 4, &to); /* the retried TxnOffsetCommit waits retry.backoff.ms first */
    CHECK_EQ(f.slept, slept + 1);
    CHECK_EQ(m.api, API_TXN_OFFSET_COMMIT);
    CHECK_EQ(to, 1);
    answer_error(&f, API_TXN_OFFSET_COMMIT, ERR_COORDINATOR_LOAD_IN_PROGRESS, wake);
    CHECK_EQ(f.tm.result, TXN_RESULT_PENDING);
    m = next_sent(&f, wake, &to);
    CHECK_EQ(f.slept, slept + 2);
    CHECK_EQ(m.api, API_TXN_OFFSET_COMMIT);
    CHECK_EQ(to, 1);
    answer_error(&f, API_TXN_OFFSET_COMMIT, ERR_ILLEGAL_GENERATION, wake);
    CHECK_EQ(f.tm.result, TXN_RESULT_FAILED);
    CHECK_EQ(f.tm.result_error, ERR_CLIENT_COMMIT_FAILED);
    CHECK_EQ(f.tm.state, TXN_MGR_ABORTABLE_ERROR);
    f.tm.result = TXN_RESULT_NONE;
    txn_manager_abort(&f.tm);
    CHECK_EQ(f.tm.state, TXN_MGR_ABORTING_TRANSACTION);
    m = next_sent(&f, wake, &to);
    CHECK_EQ(m.api, API_END_TXN);
    CHECK_EQ(m.u.end_txn.commit, 0);
    fix_fini(&f);
}

/* A fenced producer (PRODUCER_FENCED on the TxnOffsetCommit: a newer instance with the same
 * transactional.id) is fatal; outside a transaction the call fails at once. */
static void test_fenced_is_fatal(void) {
    fix f;
    fix_init(&f);
    fix_ready_in_txn(&f);
    int to;
    txn_manager_send_offsets(&f.tm, OFFSETS, 2, 9, 1);
    (void)next_sent(&f, 1, &to);
    answer_error(&f, API_ADD_OFFSETS_TO_TXN, ERR_NONE, 1);
    (void)next_sent(&f, 2, &to);
    answer_coordinator(&f, 3, 2);
    (void)next_sent(&f, 3, &to);
    answer_error(&f, API_TXN_OFFSET_COMMIT, ERR_PRODUCER_FENCED, 3);
    CHECK_EQ(f.tm.result, TXN_RESULT_FAILED);
    CHECK_EQ(f.tm.result_error, ERR_PRODUCER_FENCED);
    CHECK_EQ(f.tm.state, TXN_MGR_FATAL_ERROR);
    fix_fini(&f);

    fix_init(&f);
    txn_manager_send_offsets(&f.tm, OFFSETS, 2, 9, 1); /* not initialised, no transaction */
    CHECK_EQ(f.tm.result, TXN_RESULT_FAILED);
    CHECK_EQ(f.tm.queue_count, 0);
    fix_fini(&f);
}

/* AddOffsetsToTxn answered PRODUCER_FENCED: fatal too (AddOffsetsToTxnHandler). */
static void test_add_offsets_fenced(void) {
    fix f;
    fix_init(&f);
    fix_ready_in_txn(&f);
    int to;
    txn_manager_send_offsets(&f.tm, OFFSETS, 2, 9, 1);
    (void)next_sent(&f, 1, &to);
    answer_error(&f, API_ADD_OFFSETS_TO_TXN, ERR_CONCURRENT_TRANSACTIONS, 1);
    CHECK_EQ(f.tm.result, TXN_RESULT_PENDING);
    proto_msg m = next_sent(&f, 1, &to);
    CHECK_EQ(m.api, API_ADD_OFFSETS_TO_TXN);
    answer_error(&f, API_ADD_OFFSETS_TO_TXN, ERR_INVALID_PRODUCER_EPOCH, 2);
    CHECK_EQ(f.tm.result_error, ERR_PRODUCER_FENCED);
    CHECK_EQ(f.tm.state, TXN_MGR_FATAL_ERROR);
    fix_fini(&f);
}

int main(void) {
    test_send_offsets_path();
    test_generation_fenced_is_abortable();
    test_fenced_is_fatal();
    test_add_offsets_fenced();
    return test_result("test_txn_offsets");
}
