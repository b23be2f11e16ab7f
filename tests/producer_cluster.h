/*
 * producer_cluster.h: one producer against a fake cluster of brokers leading many partitions,
 * on a real network model (for test_producer_partitions.c and prop_epoch_bump.c).
 *
 * The fake brokers answer Metadata for every partition asked (leader[g], epoch 1),
 * InitProducerId (ids 1000, 1001, ...), and ProduceRequests either not at all (kept for the
 * test to read: every batch, the further ones copied out of the network's loan) or, in auto
 * mode, at once as a leader would: each batch checked by the broker's own producer state
 * (producer_state.c, one per partition: duplicates, epochs, sequences) and appended, one result
 * per partition. fail_next_partition makes the next batch of that partition fail with
 * OUT_OF_ORDER_SEQUENCE_NUMBER as a leader that lost the batch before it would (a real gap).
 */
#ifndef KAFKASIM_TEST_PRODUCER_CLUSTER_H
#define KAFKASIM_TEST_PRODUCER_CLUSTER_H

#include "producer.h"
#include "producer_config.h"
#include "producer_state.h"

#include <stdlib.h>
#include <string.h>

#define PC_REQUESTS_MAX 4096
#define PC_PARTITIONS_MAX 512

typedef struct pc_request {
    proto_msg msg;                                  /* as received (more points below) */
    proto_batch batches[PROTO_PRODUCE_BATCHES_MAX]; /* every batch, the first included */
    int64_t at_ns;                                  /* when it arrived */
} pc_request;

typedef struct pc_cluster {
    sim_world world;
    net net;
    history hist;
    proto_payloads payloads;
    config cfg;
    producer prod;
    uint16_t kind_tick;
    producer_topic topics[4];
    int topic_count;
    int partitions;                       /* P */
    int leader[PC_PARTITIONS_MAX];        /* by g */
    int64_t next_pid;
    bool auto_answer;                     /* answer Produce at once */
    int fail_next_partition;              /* -1 none: the next batch of it gets OOSN */
    pstate state[PC_PARTITIONS_MAX];      /* auto mode: the leader's producer state */
    int64_t log_end[PC_PARTITIONS_MAX];   /* auto mode: log end offsets */
    int64_t oosn;                         /* auto mode: OUT_OF_ORDER_SEQUENCE_NUMBER answers */
    uint8_t *written;                     /* auto mode: per record id, appends of it (capped) */
    int64_t last_id[PC_PARTITIONS_MAX];   /* auto mode: the last id appended to each, -1 none */
    int64_t duplicates;                   /* auto mode: appends of an id appended before */
    int64_t reordered;                    /* auto mode: ids appended below their partition's
                                           * last (one producer: order per partition) */
    int64_t appended;                     /* auto mode: batches appended */
    int metadata_count;                   /* Metadata requests seen */
    int count;                            /* ProduceRequests kept */
    pc_request *req;                      /* PC_REQUESTS_MAX of them */
} pc_cluster;

static pc_cluster PC;
/* When set before pc_start, the producer is driven by it (producer.h, driven mode). */
static const producer_driver *pc_driver;

static void pc_tick(void *ctx, sim_world *w, const sim_event *ev) {
    (void)ctx;
    (void)w;
    (void)ev;
}

/* Auto mode: one batch as Partition.appendRecordsToLeader would take it. */
static proto_produce_result pc_append(const proto_batch *in) {
    proto_produce_result res = {.base_offset = -1, .partition = in->partition, .error = ERR_NONE};
    int g = in->partition;
    if (PC.fail_next_partition == g) {
        PC.fail_next_partition = -1;
        res.error = ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
        PC.oosn++;
        return res;
    }
    pstate_verdict v = pstate_validate(&PC.state[g], in);
    if (v.error != ERR_NONE) {
        res.error = v.error;
        if (v.error == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER) PC.oosn++;
        return res;
    }
    if (v.duplicate) {
        res.base_offset = v.first_offset;
        return res;
    }
    proto_batch b = *in;
    b.base_offset = PC.log_end[g];
    proto_ids ids = proto_payload_ids(&PC.payloads, in->payload);
    for (uint32_t k = 0; k < ids.n && PC.written; k++) {
        uint32_t id = proto_ids_at(&ids, k);
        if (id >= PC.cfg.records) continue;
        if (PC.written[id]) PC.duplicates++;
        else if ((int64_t)id < PC.last_id[g]) PC.reordered++;
        if (PC.written[id] < 255) PC.written[id]++;
        if ((int64_t)id > PC.last_id[g]) PC.last_id[g] = id;
    }
    PC.log_end[g] += b.record_count;
    if (pstate_update(&PC.state[g], &b) != 0) abort();
    PC.appended++;
    res.base_offset = b.base_offset;
    return res;
}

static void pc_answer_auto(const proto_msg *m) {
    const proto_produce_request *req = &m->u.produce;
    int n = req->batch_count > 1 ? req->batch_count : 1;
    proto_produce_result results[PROTO_PRODUCE_BATCHES_MAX];
    for (int k = 0; k < n; k++) results[k] = pc_append(proto_produce_batch(req, k));
    if (req->acks == 0) return;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    r.u.produce_response.base_offset = results[0].base_offset;
    r.u.produce_response.error = results[0].error;
    r.u.produce_response.result_count = (uint16_t)n;
    r.u.produce_response.more = n > 1 ? results + 1 : NULL;
    net_send(&PC.net, &r);
}

static void pc_deliver(void *ctx, const proto_msg *m) {
    (void)ctx;
    if (m->is_response) return;
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(m, &r);
    if (m->api == API_METADATA) {
        PC.metadata_count++;
        int first = m->partition;
        int n = m->u.metadata.partition_count ? m->u.metadata.partition_count : 1;
        proto_metadata_partition more[PROTO_METADATA_PARTITIONS_MAX];
        for (int k = 0; k < n; k++) {
            int g = first + k;
            more[k] = (proto_metadata_partition){
                .leader = (int16_t)(g < PC.partitions ? PC.leader[g] : -1), .leader_epoch = 1};
            if (more[k].leader <= 0) more[k].leader_epoch = -1;
        }
        r.u.metadata_response.leader = more[0].leader;
        r.u.metadata_response.leader_epoch = more[0].leader_epoch;
        r.u.metadata_response.partition_count = (uint16_t)n;
        r.u.metadata_response.more = n > 1 ? more + 1 : NULL;
        net_send(&PC.net, &r);
    } else if (m->api == API_INIT_PRODUCER_ID) {
        r.u.init_pid_response.producer_id = PC.next_pid++;
        r.u.init_pid_response.producer_epoch = 0;
        net_send(&PC.net, &r);
    } else if (m->api == API_PRODUCE && PC.auto_answer) {
        pc_answer_auto(m);
    } else if (m->api == API_PRODUCE && PC.count < PC_REQUESTS_MAX) {
        pc_request *q = &PC.req[PC.count++];
        q->msg = *m;
        q->at_ns = sim_now(&PC.world);
        int n = m->u.produce.batch_count > 1 ? m->u.produce.batch_count : 1;
        for (int k = 0; k < n; k++) q->batches[k] = *proto_produce_batch(&m->u.produce, k);
        q->msg.u.produce.more = n > 1 ? q->batches + 1 : NULL;
    }
}

static void pc_run_until(int64_t t) {
    if (t > sim_now(&PC.world)) sim_schedule(&PC.world, t, PC.kind_tick, 0);
    PC.world.opt.time_max_ns = t;
    sim_run(&PC.world);
}

/* A 3.9 producer (producer_config.h), 48 records, the adaptive partitioner. */
static void pc_config(config *c) {
    producer_test_config(c, 30900, 48);
    c->partitioner_adaptive = true;
}

/* One topic of partitions partitions, partition g led by broker 1 + g mod brokers. */
static void pc_start(const config *c, int partitions, int brokers, uint64_t seed) {
    pc_request *req = PC.req;
    memset(&PC, 0, sizeof PC);
    PC.req = req ? req : calloc(PC_REQUESTS_MAX, sizeof *PC.req);
    if (!PC.req) abort();
    PC.cfg = *c;
    PC.next_pid = 1000;
    PC.fail_next_partition = -1;
    PC.partitions = partitions;
    PC.topics[0] = (producer_topic){.first = 0, .count = partitions};
    PC.topic_count = 1;
    PC.written = calloc(c->records ? c->records : 1, 1);
    if (!PC.written) abort();
    for (int g = 0; g < partitions; g++) {
        PC.last_id[g] = -1;
        PC.leader[g] = 1 + g % brokers;
        if (pstate_init(&PC.state[g], c->kafka_version) != 0) abort();
    }
    sim_world_options wopt = {.seed = seed, .time_max_ns = SIM_TIME_NEVER, .queue_capacity = 64};
    if (sim_world_init(&PC.world, &wopt) != 0) abort();
    net_options nopt = {.latency_ns = c->latency_ns, .jitter_ns = 0, .stream_id = 1};
    if (net_init(&PC.net, &PC.world, &nopt) != 0) abort();
    if (history_init(&PC.hist, 1024) != 0) abort();
    if (proto_payloads_init(&PC.payloads, 64) != 0) abort();
    PC.kind_tick = sim_handler_add(&PC.world, pc_tick, NULL, "tick");
    for (int b = 1; b <= brokers; b++) net_listen(&PC.net, node_broker(b), pc_deliver, NULL);
    producer_env env = {.world = &PC.world, .net = &PC.net, .history = &PC.hist,
                        .config = &PC.cfg, .payloads = &PC.payloads, .topics = PC.topics,
                        .topic_count = PC.topic_count, .driver = pc_driver};
    int bootstrap[3] = {1, 2, 3};
    if (producer_init(&PC.prod, &env, 0, bootstrap, brokers < 3 ? brokers : 3) != 0) abort();
    producer_start(&PC.prod);
}

static void pc_stop(void) {
    producer_check(&PC.prod);
    producer_fini(&PC.prod);
    for (int g = 0; g < PC.partitions; g++) pstate_fini(&PC.state[g]);
    free(PC.written);
    PC.written = NULL;
    proto_payloads_fini(&PC.payloads);
    history_fini(&PC.hist);
    net_fini(&PC.net);
    sim_world_fini(&PC.world);
}

/* Answers kept request k: every partition with error, successes at running offsets. */
static inline void pc_answer(int k, int error) {
    const pc_request *q = &PC.req[k];
    int n = q->msg.u.produce.batch_count > 1 ? q->msg.u.produce.batch_count : 1;
    proto_produce_result results[PROTO_PRODUCE_BATCHES_MAX];
    for (int j = 0; j < n; j++) {
        int g = q->batches[j].partition;
        results[j] = (proto_produce_result){.partition = (uint16_t)g, .error = (int16_t)error,
                                            .base_offset = error ? -1 : PC.log_end[g]};
        if (!error) PC.log_end[g] += q->batches[j].record_count;
    }
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(&q->msg, &r);
    r.u.produce_response.base_offset = results[0].base_offset;
    r.u.produce_response.error = results[0].error;
    r.u.produce_response.result_count = (uint16_t)n;
    r.u.produce_response.more = n > 1 ? results + 1 : NULL;
    net_send(&PC.net, &r);
}

static inline int pc_batch_count(int k) {
    return PC.req[k].msg.u.produce.batch_count > 1 ? PC.req[k].msg.u.produce.batch_count : 1;
}

#endif
