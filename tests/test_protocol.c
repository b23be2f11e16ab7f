/*
 * test_protocol.c: names, retriability (Kafka's Errors.java classes), sequence wrap, the
 * payload arena across growth, and which messages carry batches beside them.
 */
#include "protocol.h"

#include "test.h"

static void test_names(void) {
    char buf[16];
    CHECK_STR(node_name(NODE_CONTROLLER, buf, sizeof buf), "controller");
    CHECK_STR(node_name(node_broker(2), buf, sizeof buf), "broker-2");
    CHECK_STR(node_name(node_producer(0), buf, sizeof buf), "producer");
    /* Producer i is producer-(i+1); with several producers the first is producer-1 too. */
    CHECK_STR(node_name(node_producer(1), buf, sizeof buf), "producer-2");
    CHECK_STR(node_name_of(node_producer(0), 3, buf, sizeof buf), "producer-1");
    CHECK_STR(node_name_of(node_producer(2), 3, buf, sizeof buf), "producer-3");
    CHECK_STR(node_name_of(node_producer(0), 1, buf, sizeof buf), "producer");
    CHECK_STR(proto_error_name(ERR_OUT_OF_ORDER_SEQUENCE_NUMBER), "OUT_OF_ORDER_SEQUENCE_NUMBER");
    CHECK_STR(proto_error_name(ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND),
              "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
    CHECK_STR(proto_error_name(ERR_CLIENT_DELIVERY_TIMEOUT), "DELIVERY_TIMEOUT");
    CHECK_STR(proto_error_name(ERR_INVALID_UPDATE_VERSION), "INVALID_UPDATE_VERSION");
    CHECK_STR(proto_error_name(ERR_INELIGIBLE_REPLICA), "INELIGIBLE_REPLICA");
    CHECK_STR(proto_error_name(12345), "UNKNOWN");
    CHECK_STR(proto_api_name(API_INIT_PRODUCER_ID), "InitProducerId");
    CHECK_STR(proto_api_name(API_DISCONNECT), "Disconnect");
    CHECK_STR(proto_step_name(STEP_LEADER_HW_ADVANCE), "leader.hw-advance");
    CHECK_STR(proto_step_name(STEP_PRODUCER_ACK), "producer.ack");
    CHECK(proto_step_name(STEP_COUNT) == NULL);
    /* Consumers and groups (issue 19). */
    CHECK_STR(proto_api_name(API_JOIN_GROUP), "JoinGroup");
    CHECK_STR(proto_api_name(API_TXN_OFFSET_COMMIT), "TxnOffsetCommit");
    CHECK_STR(proto_error_name(ERR_ILLEGAL_GENERATION), "ILLEGAL_GENERATION");
    CHECK_STR(proto_error_name(ERR_CLIENT_COMMIT_FAILED), "COMMIT_FAILED");
    CHECK_STR(proto_step_name(STEP_CONSUMER_PROCESSED), "consumer.processed");
    CHECK_STR(proto_step_name(STEP_GROUP_OFFSETS), "group.offsets");
    CHECK(proto_step_consumer(STEP_CONSUMER_JOINING) && !proto_step_transactional(STEP_CONSUMER_JOINING));
    CHECK(proto_step_group(STEP_GROUP_REBALANCE) && !proto_step_consumer(STEP_GROUP_REBALANCE));
    CHECK(proto_step_transactional(STEP_PRODUCER_END_TXN) && !proto_step_group(STEP_PRODUCER_END_TXN));
    CHECK_STR(proto_group_state_name(GROUP_COMPLETING_REBALANCE), "CompletingRebalance");
    CHECK_STR(proto_group_state_name(GROUP_STATE_COUNT), "Unknown");
    char nb[32];
    CHECK_STR(node_name_of(node_consumer(0), 1, nb, sizeof nb), "consumer-1");
    CHECK_STR(node_name_of(node_consumer_producer(6), 1, nb, sizeof nb), "consumer-7.producer");
    CHECK(!node_is_consumer(node_consumer_producer(0)) && !node_is_broker(node_consumer(0)));
    CHECK(proto_error_retriable(ERR_UNSTABLE_OFFSET_COMMIT));
}

static void test_retriable(void) {
    CHECK(proto_error_retriable(ERR_NOT_LEADER_OR_FOLLOWER));
    CHECK(proto_error_retriable(ERR_REQUEST_TIMED_OUT));
    CHECK(proto_error_retriable(ERR_NETWORK_EXCEPTION));
    CHECK(proto_error_retriable(ERR_NOT_ENOUGH_REPLICAS));
    CHECK(proto_error_retriable(ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND));
    CHECK(!proto_error_retriable(ERR_NONE));
    CHECK(!proto_error_retriable(ERR_OUT_OF_ORDER_SEQUENCE_NUMBER));
    CHECK(!proto_error_retriable(ERR_INVALID_PRODUCER_EPOCH));
    CHECK(!proto_error_retriable(ERR_UNKNOWN_PRODUCER_ID));
    CHECK(!proto_error_retriable(ERR_DUPLICATE_SEQUENCE_NUMBER));
    CHECK(!proto_error_retriable(ERR_CLIENT_DELIVERY_TIMEOUT));
    CHECK(!proto_error_retriable(ERR_INVALID_UPDATE_VERSION));
    CHECK(!proto_error_retriable(ERR_INELIGIBLE_REPLICA));
}

static void test_sequence_wrap(void) {
    CHECK_EQ(proto_sequence_add(5, 3), 8);
    CHECK_EQ(proto_sequence_add(INT32_MAX, 1), 0);
    proto_batch b = {.base_sequence = INT32_MAX - 1, .record_count = 4};
    CHECK_EQ(proto_batch_last_sequence(&b), 1);
}

static void test_payloads(void) {
    proto_payloads p;
    CHECK_EQ(proto_payloads_init(&p, 1), 0);
    uint32_t ids[100];
    for (uint32_t i = 0; i < 100; i++) ids[i] = i * 7;
    /* 1000 payloads of varying length force both arrays to grow several times. */
    for (uint32_t k = 0; k < 1000; k++) CHECK_EQ(proto_payload_add(&p, ids, k % 100), k);
    CHECK_EQ(p.count, 1000);
    proto_ids got = proto_payload_ids(&p, 537);
    CHECK_EQ(got.n, 37);
    CHECK(got.list != NULL);
    CHECK_EQ(proto_ids_at(&got, 0), 0);
    CHECK_EQ(proto_ids_at(&got, 36), 36 * 7);
    CHECK_EQ(proto_payload_ids(&p, 0).n, 0);
    got = proto_payload_ids(&p, 999);
    CHECK_EQ(got.n, 99);
    CHECK_EQ(proto_ids_at(&got, 98), 98 * 7);
    CHECK_EQ(p.ids_bound, 98 * 7 + 1);
    /* Consecutive ids are a run: nothing stored but the first and the count. */
    size_t stored = p.ids_count;
    for (uint32_t i = 0; i < 100; i++) ids[i] = 5000 + i;
    uint32_t run = proto_payload_add(&p, ids, 100);
    uint32_t one = proto_payload_add(&p, ids + 7, 1);
    CHECK_EQ(p.ids_count, stored);
    got = proto_payload_ids(&p, run);
    CHECK(got.list == NULL);
    CHECK_EQ(got.n, 100);
    CHECK_EQ(proto_ids_at(&got, 99), 5099);
    CHECK_EQ(proto_payload_ids(&p, one).first, 5007);
    CHECK_EQ(p.ids_bound, 5100);
    /* A run ending at the largest id is still one; one that would wrap is a list. */
    ids[0] = UINT32_MAX - 1;
    ids[1] = UINT32_MAX;
    CHECK(proto_payload_ids(&p, proto_payload_add(&p, ids, 2)).list == NULL);
    CHECK_EQ(p.ids_bound, (uint64_t)UINT32_MAX + 1);
    ids[0] = UINT32_MAX;
    ids[1] = 0;
    CHECK(proto_payload_ids(&p, proto_payload_add(&p, ids, 2)).list != NULL);
    proto_payloads_fini(&p);
}

static void test_msg_batches(void) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FETCH;
    m.is_response = 1;
    m.u.fetch_response.batch_count = 3;
    CHECK_EQ(proto_msg_batch_count(&m), 3);
    m.is_response = 0; /* a fetch request carries none, whatever its body holds */
    CHECK_EQ(proto_msg_batch_count(&m), 0);
    m.api = API_PRODUCE;
    m.is_response = 1;
    CHECK_EQ(proto_msg_batch_count(&m), 0);
}

int main(void) {
    test_names();
    test_retriable();
    test_sequence_wrap();
    test_payloads();
    test_msg_batches();
    return test_result("test_protocol");
}
