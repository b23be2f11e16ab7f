/*
 * prop_epoch_bump.c: an idempotent producer's epoch bump across partitions, by kafka.version
 * (txn-consumer-semantics.md 1.3; KAFKA-12152, fixed in 2.7.1 and 2.8.0 by commit eb026fc).
 *
 * One producer writes keyed records to 6 partitions led by two brokers that check every batch
 * with the broker's own producer state (producer_state.c: a new epoch must start at sequence
 * 0). Once, one partition's next batch is refused with OUT_OF_ORDER_SEQUENCE_NUMBER as a leader
 * that lost the batch before it would refuse it (a real gap): the producer bumps its epoch and
 * rewrites that partition's sequences from 0 (TransactionManager.bumpIdempotentProducerEpoch,
 * partitionsToRewriteSequences).
 *
 *   2.7.1, 2.8.0, 3.9   the other partitions adopt the new epoch at sequence 0 once their
 *                       in-flight batches are done (maybeUpdateProducerIdAndEpoch): exactly
 *                       one bump, one refused batch, every record acknowledged once.
 *   2.5.0, 2.7.0        a partition with nothing in flight at the bump goes on with its old
 *                       sequence under the new epoch; the broker refuses it ("Invalid
 *                       sequence number for new epoch"), which bumps again and re-stales the
 *                       partitions idle at that moment: a cascade of bumps and refusals,
 *                       for some seed of every run of seeds; the records still arrive once
 *                       (every refusal is retried), at the price of the bumps.
 *
 * The seed picks when the gap happens, which partition, the key count and the rate.
 */
#include "producer_cluster.h"

#include <stdio.h>

#include "test.h"

#define SEEDS 60

typedef struct bump_outcome {
    uint64_t epoch_bumps;  /* the producer's */
    int64_t oosn;          /* OUT_OF_ORDER_SEQUENCE_NUMBER answers, the injected one included */
    uint64_t acked;        /* records acknowledged */
    uint64_t failed;       /* records failed */
    int64_t appended;      /* batches appended by the fake leaders */
    uint64_t multi;        /* requests carrying several partitions' batches */
} bump_outcome;

static bump_outcome run_once(int version, uint64_t seed) {
    config c;
    pc_config(&c);
    c.kafka_version = version;
    c.enable_idempotence = true;
    c.records = 3000;
    c.keys = 7 + seed % 13;
    c.rate_per_s = 2000 + (int64_t)(seed % 5) * 1000;
    c.linger_ns = 2 * SIM_MS;
    c.retry_backoff_max_ns = c.retry_backoff_ns;
    pc_start(&c, 6, 2, seed);
    PC.auto_answer = true;
    pc_run_until((int64_t)(200 + seed % 400) * SIM_MS);
    int g = (int)(seed % 6); /* a partition that takes records (the keys may miss some) */
    while (!PC.prod.partitions[g].had_batch) g = (g + 1) % 6;
    PC.fail_next_partition = g;
    pc_run_until(30 * SIM_S);
    bump_outcome o = {.epoch_bumps = PC.prod.epoch_bumps,
                      .oosn = PC.oosn,
                      .acked = PC.prod.acked,
                      .failed = PC.prod.failed,
                      .appended = PC.appended,
                      .multi = PC.prod.multi_partition_requests};
    CHECK(producer_done(&PC.prod));
    pc_stop();
    return o;
}

static void fixed(int version) {
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        bump_outcome o = run_once(version, seed);
        if (o.epoch_bumps != 1 || o.oosn < 1 || o.acked != 3000) {
            fprintf(stderr, "version %d seed %llu: %llu bumps, %lld refused, %llu acked\n",
                    version, (unsigned long long)seed, (unsigned long long)o.epoch_bumps,
                    (long long)o.oosn, (unsigned long long)o.acked);
        }
        CHECK_EQ(o.epoch_bumps, 1);
        CHECK_EQ(o.acked, 3000);
        CHECK_EQ(o.failed, 0);
        CHECK(o.multi > 0); /* requests carried several partitions' batches */
    }
}

static void affected(int version) {
    int cascades = 0;
    uint64_t most = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        bump_outcome o = run_once(version, seed);
        CHECK(o.epoch_bumps >= 1);
        CHECK_EQ(o.acked, 3000); /* refused batches are retried, not failed */
        CHECK_EQ(o.failed, 0);
        if (o.epoch_bumps > 1) cascades++;
        if (o.epoch_bumps > most) most = o.epoch_bumps;
    }
    fprintf(stderr, "version %d: %d of %d seeds bumped more than once (at most %llu bumps)\n",
            version, cascades, SEEDS, (unsigned long long)most);
    CHECK(cascades > SEEDS / 2);
    CHECK(most >= 3);
}

int main(void) {
    affected(20500);
    affected(20700);
    fixed(20701);
    fixed(20800);
    fixed(30900);
    free(PC.req);
    return test_result("prop_epoch_bump");
}
