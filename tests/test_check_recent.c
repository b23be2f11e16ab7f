/*
 * test_check_recent.c: the cheap per-event checks agree with the full walks they stand in for.
 * log_check_recent finds a broken batch or epoch entry added since its last call, also after a
 * truncation lowered its marks, and leaves the prefix it passed to log_check (the walk at the
 * end of a run). A coalescing history expands to exactly the records added, in order, against
 * a plain history fed the same 20,000 random records (seed 7).
 */
#include <stdint.h>

#include "history.h"
#include "log.h"
#include "pcg32.h"
#include "sim.h"
#include "test.h"

static proto_batch batch(int64_t base, uint32_t records, int32_t epoch) {
    proto_batch b = {0};
    b.base_offset = base;
    b.record_count = records;
    b.partition_leader_epoch = epoch;
    b.producer_id = PROTO_NO_PRODUCER_ID;
    b.base_sequence = PROTO_NO_SEQUENCE;
    b.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    return b;
}

/* Appends n batches of 2 records in epoch epoch, checking after each as the hook does. */
static void append_checked(log_replica *l, int n, int32_t epoch) {
    for (int i = 0; i < n; i++) {
        proto_batch b = batch(l->log_end_offset, 2, epoch);
        CHECK_EQ(log_append(l, &b, 0), 0);
        CHECK(log_check_recent(l) == NULL);
    }
}

static void test_log_recent(void) {
    log_options opt = {INT64_MAX, 1 << 30, 100, 0, 0};
    log_replica l;
    CHECK_EQ(log_init(&l, &opt), 0);
    append_checked(&l, 50, 0);
    CHECK_EQ(l.checked_count, 50);
    CHECK_EQ(l.checked_epoch_count, 1);

    /* A batch deep in the checked prefix is left to the full walk at the end of a run. */
    l.batches[10].base_offset += 1;
    CHECK(log_check_recent(&l) == NULL);
    CHECK_STR(log_check(&l), "log: batches are not contiguous");
    l.batches[10].base_offset -= 1;
    CHECK(log_check(&l) == NULL);
    proto_batch b = batch(l.log_end_offset, 2, 0);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    l.batches[50].record_count = 0;
    CHECK_STR(log_check_recent(&l), "log: empty batch");
    CHECK_STR(log_check_recent(&l), "log: empty batch");
    CHECK_EQ(l.checked_count, 50);
    l.batches[50].record_count = 2;
    CHECK(log_check_recent(&l) == NULL);

    /* A broken batch since the last call is found, and found again until mended. */
    /* A truncation lowers the marks: a broken batch appended where others were is found. */
    CHECK_EQ(log_truncate(&l, 60), 42);
    CHECK_EQ(l.checked_count, 30);
    append_checked(&l, 5, 1);
    CHECK_EQ(l.checked_epoch_count, 2);
    b = batch(l.log_end_offset + 3, 2, 1);
    CHECK_EQ(log_append(&l, &b, 0), 0);
    CHECK_STR(log_check_recent(&l), "log: batches are not contiguous");
    CHECK_STR(log_check(&l), "log: batches are not contiguous");
    CHECK_EQ(log_truncate(&l, 70), 2);
    CHECK(log_check_recent(&l) == NULL);

    /* Epoch entries: a new entry that does not increase is found; so is a bad scalar. */
    CHECK_EQ(log_epoch_assign(&l, 4, l.log_end_offset), 0);
    l.epochs[l.epoch_count - 1].epoch = 1;
    CHECK_STR(log_check_recent(&l), "log: epochs not increasing");
    l.epochs[l.epoch_count - 1].epoch = 4;
    CHECK(log_check_recent(&l) == NULL);
    l.high_watermark = l.log_end_offset + 1;
    CHECK_STR(log_check_recent(&l), "log: high watermark above log end");
    l.high_watermark = 0;
    CHECK(log_check_recent(&l) == NULL);
    CHECK(log_check(&l) == NULL);
    log_fini(&l);
}

typedef struct observed {
    size_t count; /* records the observer saw */
} observed;

static void observe(void *ctx, const history_rec *r) {
    (void)r;
    ((observed *)ctx)->count++;
}

/* One random send or callback, often continuing the run before it. */
static void add_random(history *a, history *b, sim_pcg32 *rng, int64_t *t, uint32_t *id,
                       int64_t *offset, bool *sending) {
    if (sim_pcg32_bounded(rng, 8) == 0) *t += SIM_US;
    if (sim_pcg32_bounded(rng, 20) == 0) *sending = !*sending;
    *id = sim_pcg32_bounded(rng, 10) == 0 ? sim_pcg32_bounded(rng, 1000) : *id + 1;
    uint32_t send_no = sim_pcg32_bounded(rng, 16) == 0 ? 1 : 0;
    if (*sending) {
        history_send(a, *t, node_producer(0), *id, send_no);
        history_send(b, *t, node_producer(0), *id, send_no);
        return;
    }
    int error = sim_pcg32_bounded(rng, 30) == 0 ? ERR_NOT_LEADER_OR_FOLLOWER : ERR_NONE;
    *offset = error != ERR_NONE ? -1 : sim_pcg32_bounded(rng, 30) == 0 ? *offset + 7 : *offset + 1;
    history_callback(a, *t, node_producer(0), *id, send_no, error, *offset);
    history_callback(b, *t, node_producer(0), *id, send_no, error, *offset);
    if (*offset < 0) *offset = 0;
}

static bool rec_equal(const history_rec *x, const history_rec *y) {
    return x->time_ns == y->time_ns && x->d == y->d && x->a == y->a && x->b == y->b &&
           x->c == y->c && x->kind == y->kind && x->node == y->node && x->e == y->e &&
           x->partition == y->partition && x->f == y->f;
}

static void test_history_coalesce(void) {
    history plain, packed;
    CHECK_EQ(history_init(&plain, 64), 0);
    CHECK_EQ(history_init(&packed, 64), 0);
    CHECK(!packed.coalesce);
    packed.coalesce = true;
    observed o = {0};
    packed.observer = observe;
    packed.observer_ctx = &o;
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 7, 1);
    int64_t t = 0, offset = 0;
    uint32_t id = 0;
    bool sending = true;
    for (int i = 0; i < 20000; i++) {
        add_random(&plain, &packed, &rng, &t, &id, &offset, &sending);
        if (i % 1000 == 0) history_hw(&plain, t, node_broker(1), offset); /* breaks runs */
        if (i % 1000 == 0) history_hw(&packed, t, node_broker(1), offset);
    }
    CHECK_EQ(o.count, plain.count);
    CHECK(packed.count < plain.count / 2);
    size_t k = 0;
    bool same = true;
    for (size_t i = 0; i < packed.count && same; i++) {
        for (uint32_t j = 0; j < history_rec_span(&packed.recs[i]) && same; j++) {
            history_rec x = history_rec_expand(&packed.recs[i], j);
            same = k < plain.count && rec_equal(&x, &plain.recs[k]);
            k++;
        }
    }
    CHECK(same);
    CHECK_EQ(k, plain.count);
    CHECK_EQ(history_count_kind(&packed, HIST_SEND), history_count_kind(&plain, HIST_SEND));
    CHECK_EQ(history_count_kind(&packed, HIST_CALLBACK),
             history_count_kind(&plain, HIST_CALLBACK));
    history_fini(&plain);
    history_fini(&packed);
}

int main(void) {
    test_log_recent();
    test_history_coalesce();
    return test_result("test_check_recent");
}
