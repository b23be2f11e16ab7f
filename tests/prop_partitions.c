/*
 * prop_partitions.c: what an idempotent producer promises over several partitions of one
 * connection (issue 17, "must show"; txn-consumer-semantics.md 1.2, 1.3).
 *
 * Six partitions led by one broker, keyed records, max.in.flight.requests.per.connection=5,
 * 2% of the responses lost with their connection (a `break`: nothing more arrives until
 * request.timeout.ms closes it, and every partition's batches in flight on it are retried
 * together). The leader checks every batch with the broker's producer state
 * (producer_state.c). Over many seeds: no record appended twice, no partition's records out of
 * order, every record acknowledged, and requests carrying several partitions' batches (the
 * drain's one batch per partition per request) -- asserted, not assumed.
 */
#include "producer_cluster.h"

#include <stdio.h>

#include "test.h"

#define SEEDS 40

int main(void) {
    uint64_t multi = 0, retries = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        config c;
        pc_config(&c);
        c.enable_idempotence = true;
        c.records = 4000;
        c.keys = 50;
        c.request_timeout_ns = 30 * SIM_MS;
        c.linger_ns = 1 * SIM_MS;
        c.retry_backoff_max_ns = c.retry_backoff_ns;
        c.latency_ns = 1 * SIM_MS;
        pc_start(&c, 6, 1, seed);
        PC.auto_answer = true;
        net_rule lose = {.kind = NET_RULE_BREAK, .responses = true, .from = node_broker(1),
                         .to = node_producer(0), .ppm = 20000, .from_ns = 0,
                         .to_ns = SIM_TIME_NEVER, .fault = 0};
        CHECK_EQ(net_rule_add(&PC.net, &lose), 0);
        pc_run_until(600 * SIM_S);
        if (PC.duplicates || PC.reordered || PC.prod.acked != 4000)
            fprintf(stderr, "seed %llu: %lld duplicates, %lld reordered, %llu acked\n",
                    (unsigned long long)seed, (long long)PC.duplicates, (long long)PC.reordered,
                    (unsigned long long)PC.prod.acked);
        CHECK(producer_done(&PC.prod));
        CHECK_EQ(PC.duplicates, 0);
        CHECK_EQ(PC.reordered, 0);
        CHECK_EQ(PC.prod.acked, 4000);
        CHECK(PC.prod.multi_partition_requests > 0);
        multi += PC.prod.multi_partition_requests;
        retries += PC.prod.retries;
        pc_stop();
    }
    /* The losses happened: batches were retried after their connection closed. */
    CHECK(retries > SEEDS);
    fprintf(stderr, "prop_partitions: %llu multi-partition requests, %llu retries over %d seeds\n",
            (unsigned long long)multi, (unsigned long long)retries, SEEDS);
    free(PC.req);
    return test_result("prop_partitions");
}
