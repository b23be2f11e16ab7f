/*
 * prop_txn_verify.c: KIP-890 part 1 (transaction.partition.verification.enable, 3.6+) against
 * the hanging transaction of a late write, over many seeds (txn-consumer-semantics.md T3;
 * KIP-890's motivation; KAFKA-14053).
 *
 * A transactional producer (transaction version 1) sends two transactions of ten records at
 * 100 records/s to orders-0, the application aborting about half of them; the producer's
 * requests to the partition's leader are held back by a network delay longer than
 * delivery.timeout.ms for a window that the seed moves. A Produce sent in the window expires
 * at the client, whose transaction then aborts (the abort marker lands on orders-0 with the
 * transaction's own epoch: TV1's EndTxn carries it), and the request reaches the leader after
 * that marker. Without verification (kafka.version < 3.6, or the key off) a late batch of the
 * producer's last transaction on the partition opens a transaction that no coordinator knows
 * and no marker will ever close: the last stable offset stays put (hanging_transactions).
 * With verification the leader asks the coordinator first: the partition is in no ongoing
 * transaction, the batch is refused (INVALID_TXN_STATE, or TRANSACTION_ABORTABLE from 3.8),
 * and no seed hangs.
 *
 * What verification does not close: a late batch that lands after the next transaction of the
 * same epoch added the partition is verified as that transaction's and commits with it (the
 * same-epoch leak: an aborted read), with verification on or off
 * (test_late_write_joins_next). The sweep counts the runs with aborted reads too.
 *
 * This test drives the models directly (scenario_run).
 */
#include <stdio.h>

#include "config.h"
#include "scenario.h"
#include "test.h"

#define SEEDS 48

typedef struct outcome {
    int runs;
    int hanging_runs;    /* runs with hanging_transactions > 0 */
    int aborted_runs;    /* runs with aborted_read > 0 */
    uint64_t hanging;    /* transactions */
    uint64_t committed;  /* transactions committed */
} outcome;

static int run_text(const char *text, run_result *r) {
    config c;
    char err[512];
    if (config_load_text(&c, "prop_txn_verify", text, err, sizeof err) != 0) {
        fprintf(stderr, "does not load: %s\n%s\n", err, text);
        return -1;
    }
    scenario_options so = {.trace_node = -1, .trace_record = -1, .check_invariants = true};
    return scenario_run(&c, &so, r);
}

/* One seed of the late-write scenario under setting (a line of extra keys). */
static void late_write(const char *setting, uint64_t seed, outcome *o) {
    char text[2048];
    /* The window opens while the first transaction's records go out and closes 0.1 .. 1.5 s
     * later; the delay, 2 .. 4 s, outlasts delivery.timeout.ms (1 s). */
    int window_end_ms = 300 + (int)(seed * 97 % 1300);
    int delay_ms = 2000 + (int)(seed * 211 % 2000);
    snprintf(text, sizeof text,
             "%s\n"
             "transactional.id = app\n"
             "isolation.level = read_committed\n"
             "workload.records = 20\n"
             "workload.transaction.records = 10\n"
             "workload.rate = 100\n"
             "workload.transaction.abort.ratio = 0.5\n"
             "network.latency.ms = 1\n"
             "network.jitter.ms = 1\n"
             "request.timeout.ms = 1000\n"
             "delivery.timeout.ms = 1000\n"
             "linger.ms = 0\n"
             "sim.seed = %llu\n"
             "fault.late = delay requests producer -> leader by %dms from 200ms to %dms\n",
             setting, (unsigned long long)seed, delay_ms, window_end_ms);
    run_result r;
    int rc = run_text(text, &r);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "prop_txn_verify: seed %llu under '%s': %s\n", (unsigned long long)seed,
                setting, r.failure);
        return;
    }
    CHECK(!r.invariant_broken);
    o->runs++;
    o->hanging += r.check.hanging_transactions;
    o->committed += r.check.transactions_committed;
    if (r.check.hanging_transactions > 0) o->hanging_runs++;
    if (r.check.aborted_read > 0) o->aborted_runs++;
}

static outcome sweep(const char *setting) {
    outcome o = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) late_write(setting, seed, &o);
    printf("prop_txn_verify: %-48s %2d runs: %2d hang (%llu transactions), %2d with aborted "
           "reads, %llu transactions committed\n",
           setting, o.runs, o.hanging_runs, (unsigned long long)o.hanging, o.aborted_runs,
           (unsigned long long)o.committed);
    return o;
}

static void test_hanging_without_verification(void) {
    outcome before = sweep("kafka.version = 3.5");
    CHECK_EQ(before.runs, SEEDS);
    CHECK(before.hanging_runs > 0);
    outcome off = sweep("transaction.partition.verification.enable = false");
    CHECK_EQ(off.runs, SEEDS);
    CHECK(off.hanging_runs > 0);
    outcome on36 = sweep("kafka.version = 3.6");
    CHECK_EQ(on36.runs, SEEDS);
    CHECK_EQ(on36.hanging_runs, 0);
    outcome on39 = sweep("kafka.version = 3.9");
    CHECK_EQ(on39.runs, SEEDS);
    CHECK_EQ(on39.hanging_runs, 0);
    /* The same runs commit: verification refuses the late batches, not the transactions. */
    CHECK(on39.committed > 0);
    /* Transaction version 2 (4.0's default): the leader adds the partition itself and every
     * transaction has its own epoch, so a late batch of an aborted one is fenced. */
    outcome tv2 = sweep("kafka.version = 4.0");
    CHECK_EQ(tv2.runs, SEEDS);
    CHECK_EQ(tv2.hanging_runs, 0);
    CHECK(tv2.committed > 0);
}

/* The same-epoch leak: the late batch of a transaction that expired while committing (no epoch
 * bump) lands after the next transaction, at the same epoch, added the partition. It joins that
 * transaction and commits with it: its records, of an aborted transaction, are read (and read
 * twice: the application sent them again). Verification does not stop it: the leader asks, and
 * the partition is in the producer's ongoing transaction of that epoch (KIP-890 part 1 closes
 * only the hanging case; transaction version 2's epoch bump per transaction closes this one).
 * The late request reaches the leader on a connection the producer has since replaced: its
 * verification goes on and it is appended all the same (Kafka's callback does not look at the
 * channel). */
static void test_late_write_joins_next(void) {
    for (int verify = 0; verify <= 1; verify++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "transaction.partition.verification.enable = %s\n"
                 "transactional.id = app\n"
                 "isolation.level = read_committed\n"
                 "workload.records = 40\n"
                 "workload.transaction.records = 10\n"
                 "network.latency.ms = 1\n"
                 "request.timeout.ms = 1000\n"
                 "delivery.timeout.ms = 1000\n"
                 "linger.ms = 0\n"
                 "fault.d = delay requests producer -> broker-1 by 1200ms from 119ms to 121ms\n",
                 verify ? "true" : "false");
        run_result r;
        CHECK_EQ(run_text(text, &r), 0);
        CHECK_EQ(r.check.aborted_read, 10);
        CHECK_EQ(r.check.duplicates, 10);
        CHECK_EQ(r.check.hanging_transactions, 0);
        CHECK_EQ(r.check.epoch_bumps, 0);
    }
}

/* The same-epoch leak over many seeds: the scenario of test_late_write_joins_next with the
 * delay window moved by the seed across the first transactions (100 .. 147 ms, 2 ms long),
 * under transaction version 1 (3.9, and 4.0 with transaction.version=1) and 2 (4.0's default).
 * With version 1 a late batch that expired while its transaction committed at the same epoch
 * joins the next transaction in some runs: aborted reads, and duplicates of the records the
 * application sent again. With version 2 every EndTxn bumps the epoch (its markers carry the new one), so
 * the late batch is INVALID_PRODUCER_EPOCH wherever it lands (or PRODUCER_FENCED at the
 * coordinator when its leader asks to add the partition): no aborted read, no duplicate. */
typedef struct a4_outcome {
    int runs, late_runs, aborted_runs;
    uint64_t aborted, duplicates, committed;
} a4_outcome;

static a4_outcome a4_sweep(const char *label, const char *setting) {
    a4_outcome o = {0};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        int from_ms = 100 + (int)(seed - 1);
        char text[1024];
        snprintf(text, sizeof text,
                 "%s\n"
                 "transactional.id = app\n"
                 "isolation.level = read_committed\n"
                 "workload.records = 40\n"
                 "workload.transaction.records = 10\n"
                 "network.latency.ms = 1\n"
                 "request.timeout.ms = 1000\n"
                 "delivery.timeout.ms = 1000\n"
                 "linger.ms = 0\n"
                 "sim.seed = %llu\n"
                 "fault.d = delay requests producer -> broker-1 by 1200ms from %dms to %dms\n",
                 setting, (unsigned long long)seed, from_ms, from_ms + 2);
        run_result r;
        int rc = run_text(text, &r);
        CHECK_EQ(rc, 0);
        if (rc != 0) continue;
        CHECK(!r.invariant_broken);
        CHECK_EQ(r.check.hanging_transactions, 0);
        o.runs++;
        if (r.check.expired > 0) o.late_runs++;
        if (r.check.aborted_read > 0) o.aborted_runs++;
        o.aborted += r.check.aborted_read;
        o.duplicates += r.check.duplicates;
        o.committed += r.check.transactions_committed;
    }
    printf("prop_txn_verify: leak at %-30s %2d runs: %2d with an expired batch, %2d with aborted "
           "reads (%llu records), %llu duplicates, %llu transactions committed\n",
           label, o.runs, o.late_runs, o.aborted_runs, (unsigned long long)o.aborted,
           (unsigned long long)o.duplicates, (unsigned long long)o.committed);
    return o;
}

static void test_same_epoch_leak_by_version(void) {
    a4_outcome v39 = a4_sweep("3.9", "kafka.version = 3.9");
    CHECK_EQ(v39.runs, SEEDS);
    CHECK(v39.aborted_runs > 0);
    CHECK(v39.duplicates > 0);
    a4_outcome v40tv1 = a4_sweep("4.0, transaction.version = 1",
                                   "kafka.version = 4.0\ntransaction.version = 1");
    CHECK_EQ(v40tv1.runs, SEEDS);
    CHECK(v40tv1.aborted_runs > 0);
    a4_outcome tv2 = a4_sweep("4.0, transaction.version = 2", "kafka.version = 4.0");
    CHECK_EQ(tv2.runs, SEEDS);
    CHECK(tv2.late_runs > 0); /* late batches there were */
    CHECK_EQ(tv2.aborted_runs, 0);
    CHECK_EQ(tv2.duplicates, 0);
    CHECK(tv2.committed > 0);
}

int main(void) {
    test_hanging_without_verification();
    test_late_write_joins_next();
    test_same_epoch_leak_by_version();
    return test_result("prop_txn_verify");
}
