/*
 * producer_config.h: the producer configuration the producer tests start from (test_producer.c,
 * test_producer_txn.c, producer_cluster.h): 100-byte records, 4 per batch, 5 in flight, retries
 * without end, latency 1 ms, no jitter, acks=all, idempotence off; each test sets what it is
 * about on top.
 */
#ifndef KAFKASIM_TEST_PRODUCER_CONFIG_H
#define KAFKASIM_TEST_PRODUCER_CONFIG_H

#include "producer.h"

#include <stdint.h>
#include <string.h>

static inline void producer_test_config(config *c, int kafka_version, uint64_t records) {
    memset(c, 0, sizeof *c);
    c->kafka_version = kafka_version;
    c->acks = -1;
    c->enable_idempotence = false;
    c->max_in_flight = 5;
    c->retries = INT32_MAX;
    c->retry_backoff_ns = 100 * SIM_MS;
    c->retry_backoff_max_ns = 1000 * SIM_MS;
    c->reconnect_backoff_ns = 50 * SIM_MS;
    c->request_timeout_ns = 30 * SIM_S;
    c->delivery_timeout_ns = 120 * SIM_S;
    c->linger_ns = 0;
    c->batch_bytes = PRODUCER_BATCH_OVERHEAD_BYTES + 4 * (100 + PRODUCER_RECORD_OVERHEAD_BYTES);
    c->buffer_memory_bytes = 32 * 1024 * 1024;
    c->records = records;
    c->rate_per_s = 0;
    c->record_bytes = 100;
    c->latency_ns = 1 * SIM_MS;
    c->metadata_max_age_ns = 300 * SIM_S;
}

#endif
