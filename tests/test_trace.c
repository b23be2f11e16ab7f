/*
 * test_trace.c: trace line formats (text, exact), the quiet filter for idle traffic, the node
 * and record filters, and that JSON lines parse as JSON objects; transaction markers and the
 * last stable offset, and a fetch response's control batches, which name no records; the
 * consumers' and the group coordinator's records and messages with their fields.
 */
#include <ctype.h>

#include "config.h"
#include "sim.h"
#include "test.h"
#include "trace.h"

/* ---- Capturing output --------------------------------------------------------------------- */

static char captured[1 << 16];
static long captured_from; /* where the text of interest starts in the file */

/* Marks the end of what f holds so far: capture() returns what comes after. */
static void capture_reset(FILE *f) {
    fflush(f);
    captured_from = ftell(f);
}

/* What was written to f since capture_reset, as a string in captured. */
static const char *capture(FILE *f) {
    fflush(f);
    long end = ftell(f);
    fseek(f, captured_from, SEEK_SET);
    size_t n = fread(captured, 1, sizeof captured - 1, f);
    captured[n] = 0;
    fseek(f, end, SEEK_SET);
    return captured;
}

/* ---- A small JSON validator: objects, arrays, strings, integers, true/false/null ---------- */

static const char *json_value(const char *s);

static const char *json_ws(const char *s) {
    while (*s == ' ') s++;
    return s;
}

static const char *json_string(const char *s) {
    if (*s != '"') return NULL;
    for (s++; *s && *s != '"'; s++)
        if (*s == '\\' && !*++s) return NULL;
    return *s == '"' ? s + 1 : NULL;
}

static const char *json_number(const char *s) {
    if (*s == '-') s++;
    if (!isdigit((unsigned char)*s)) return NULL;
    while (isdigit((unsigned char)*s)) s++;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s)) return NULL;
        while (isdigit((unsigned char)*s)) s++;
    }
    return s;
}

static const char *json_list(const char *s, char close, bool object) {
    s = json_ws(s + 1);
    if (*s == close) return s + 1;
    for (;;) {
        if (object) {
            s = json_string(json_ws(s));
            if (!s || *(s = json_ws(s)) != ':') return NULL;
            s++;
        }
        s = json_value(json_ws(s));
        if (!s) return NULL;
        s = json_ws(s);
        if (*s == close) return s + 1;
        if (*s != ',') return NULL;
        s++;
    }
}

static const char *json_value(const char *s) {
    if (*s == '{') return json_list(s, '}', true);
    if (*s == '[') return json_list(s, ']', false);
    if (*s == '"') return json_string(s);
    if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0) return s + 4;
    if (strncmp(s, "false", 5) == 0) return s + 5;
    return json_number(s);
}

/* Every line of text is one JSON object; returns the number of lines, -1 if one is not. */
static int json_lines(const char *text) {
    int lines = 0;
    while (*text) {
        if (*text != '{') return -1;
        const char *end = json_value(text);
        if (!end || *end != '\n') return -1;
        text = end + 1;
        lines++;
    }
    return lines;
}

/* ---- Fixtures ----------------------------------------------------------------------------- */

static proto_msg produce_request(const proto_payloads *p, uint32_t payload) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.from = node_producer(0);
    m.to = node_broker(1);
    m.u.produce.batch = (proto_batch){.base_offset = -1, .producer_id = 1, .payload = payload,
                                      .record_count = 10, .base_sequence = 10,
                                      .producer_epoch = 0, .attempt = 2};
    (void)p;
    return m;
}

static void test_text_lines(void) {
    proto_payloads p;
    CHECK_EQ(proto_payloads_init(&p, 64), 0);
    uint32_t ids[10];
    for (uint32_t i = 0; i < 10; i++) ids[i] = 10 + i;
    uint32_t payload = proto_payload_add(&p, ids, 10);
    uint32_t scrambled = proto_payload_add(&p, (const uint32_t[]){5, 3, 4}, 3);

    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    proto_msg m = produce_request(&p, payload);
    trace_message(&t, 12345678, &m, &p);
    CHECK_STR(capture(f), "12.345ms producer -> broker-1 Produce pid=1 epoch=0 seq=10..19 "
                          "attempt=2 records=10..19\n");

    memset(&m, 0, sizeof m);
    m.api = API_PRODUCE;
    m.is_response = 1;
    m.from = node_broker(1);
    m.to = node_producer(0);
    m.u.produce_response.base_offset = 57;
    m.u.produce_response.error = ERR_NONE;
    capture_reset(f);
    trace_message(&t, 12500000, &m, &p);
    CHECK_STR(capture(f), "12.500ms broker-1 -> producer ProduceResponse offset=57 "
                          "error=NONE\n");

    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    proto_batch b = {.base_offset = 57, .payload = payload, .attempt = 1,
                     .partition_leader_epoch = 0, .base_sequence = -1};
    history_append(&h, 10200000, node_broker(1), &b, true);
    b.payload = scrambled;
    b.base_offset = 67;
    history_append(&h, 10300000, node_broker(2), &b, false);
    history_truncate(&h, 11000000, node_broker(2), 38, 2);
    history_election(&h, 12000000, 2, 1, true);
    history_callback(&h, 13000000, node_producer(0), 5, 1, ERR_CLIENT_DELIVERY_TIMEOUT, -1);
    capture_reset(f);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], &p);
    CHECK_STR(capture(f),
              "10.200ms broker-1 append offsets=57..66 records=10..19 attempt=1 "
              "leader_epoch=0 role=leader\n"
              "10.300ms broker-2 append offsets=67..69 records=5,3,4 record_count=3 "
              "attempt=1 leader_epoch=0 role=follower\n"
              "11.000ms broker-2 truncate log_end_offset=38 removed=2\n"
              "12.000ms controller election leader=broker-2 leader_epoch=1 unclean=true\n"
              "13.000ms producer callback record=5 send=1 error=DELIVERY_TIMEOUT\n");
    CHECK_EQ(t.lines, 7);
    tracer_fini(&t);
    history_fini(&h);
    fclose(f);
    proto_payloads_fini(&p);
}

/* The coordinator's messages and records name the transactional id, the producer id and
 * epoch, the result and the error; --trace-partition keeps a transition with its
 * __transaction_state partition. */
static void test_txn_lines(void) {
    config c;
    config_defaults(&c, 0);
    c.txn_id_count = 1;
    strcpy(c.txn_ids[0], "app");
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    t.config = &c;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_END_TXN;
    m.from = node_producer(0);
    m.to = node_broker(2);
    m.u.end_txn = (proto_end_txn_request){.producer_id = 2000000, .producer_epoch = 3, .txn = 0,
                                          .commit = 1};
    capture_reset(f);
    trace_message(&t, 5000000, &m, NULL);
    CHECK_STR(capture(f), "5.000ms producer -> broker-2 EndTxn txn=app pid=2000000 epoch=3 "
                          "result=commit\n");
    proto_msg r;
    memset(&r, 0, sizeof r);
    proto_msg_answer(&m, &r);
    r.u.txn_response.error = ERR_CONCURRENT_TRANSACTIONS;
    r.u.txn_response.producer_id = PROTO_NO_PRODUCER_ID;
    r.u.txn_response.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    capture_reset(f);
    trace_message(&t, 6000000, &r, NULL);
    CHECK_STR(capture(f), "6.000ms broker-2 -> producer EndTxnResponse "
                          "error=CONCURRENT_TRANSACTIONS\n");
    /* Transaction version 2: the answer names the next transaction's id and epoch. */
    r.u.txn_response = (proto_txn_response){.error = ERR_NONE, .producer_id = 2000000,
                                            .producer_epoch = 4};
    capture_reset(f);
    trace_message(&t, 6000000, &r, NULL);
    CHECK_STR(capture(f), "6.000ms broker-2 -> producer EndTxnResponse error=NONE "
                          "pid=2000000 epoch=4\n");
    memset(&m, 0, sizeof m);
    m.api = API_WRITE_TXN_MARKERS;
    m.from = node_broker(2);
    m.to = node_broker(1);
    static const uint16_t parts[2] = {0, 1};
    m.u.write_txn_markers = (proto_write_txn_markers_request){
        .producer_id = 7, .coordinator_epoch = 4, .producer_epoch = 1, .commit = 0,
        .partition_count = 2, .partitions = parts};
    capture_reset(f);
    trace_message(&t, 7000000, &m, NULL);
    CHECK_STR(capture(f), "7.000ms broker-2 -> broker-1 WriteTxnMarkers pid=7 epoch=1 "
                          "coordinator_epoch=4 result=abort partitions=2\n");
    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    history_txn_state(&h, 8000000, node_broker(2), 0, 0, TXN_PREPARE_COMMIT, 4, 2000000, 3);
    history_txn_fence(&h, 9000000, node_broker(2), 0, true, 2000000, 4);
    capture_reset(f);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], NULL);
    CHECK_STR(capture(f), "8.000ms broker-2 txn-state txn=app state=PrepareCommit pid=2000000 "
                          "epoch=3 coordinator_epoch=4\n"
                          "9.000ms broker-2 txn-fence txn=app by=timeout pid=2000000 epoch=4\n");
    t.partition_filter = 0;
    capture_reset(f);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], NULL);
    CHECK_STR(capture(f), "8.000ms broker-2 txn-state txn=app state=PrepareCommit pid=2000000 "
                          "epoch=3 coordinator_epoch=4\n");
    tracer_fini(&t);
    history_fini(&h);
    fclose(f);
}

/* Heartbeats and fetches that repeat themselves are left out unless verbose. */
static void test_idle_filter(void) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    proto_msg hb;
    memset(&hb, 0, sizeof hb);
    hb.api = API_BROKER_HEARTBEAT;
    hb.from = node_broker(2);
    hb.to = NODE_CONTROLLER;
    trace_message(&t, 1, &hb, NULL);
    CHECK_EQ(t.lines, 0);

    proto_msg fetch;
    memset(&fetch, 0, sizeof fetch);
    fetch.api = API_FETCH;
    fetch.from = node_broker(2);
    fetch.to = node_broker(1);
    fetch.u.fetch.fetch_offset = 40;
    trace_message(&t, 2, &fetch, NULL);
    trace_message(&t, 3, &fetch, NULL); /* the same offset again: idle */
    CHECK_EQ(t.lines, 1);
    fetch.u.fetch.fetch_offset = 45;
    trace_message(&t, 4, &fetch, NULL);
    CHECK_EQ(t.lines, 2);

    proto_msg resp;
    memset(&resp, 0, sizeof resp);
    resp.api = API_FETCH;
    resp.is_response = 1;
    resp.from = node_broker(1);
    resp.to = node_broker(2);
    resp.u.fetch_response.high_watermark = 45;
    resp.u.fetch_response.diverging_epoch = -1;
    trace_message(&t, 5, &resp, NULL); /* a new high watermark: news */
    trace_message(&t, 6, &resp, NULL); /* empty, same high watermark: idle */
    CHECK_EQ(t.lines, 3);
    CHECK_CONTAINS(capture(f), "broker-1 -> broker-2 FetchResponse batches=0 "
                               "high_watermark=45 leader_epoch=0 error=NONE\n");

    t.verbose = true;
    trace_message(&t, 7, &hb, NULL);
    trace_message(&t, 8, &resp, NULL);
    CHECK_EQ(t.lines, 5);
    tracer_fini(&t);
    fclose(f);
}

/* The idle filter remembers each partition of a link on its own: a follower's fetch of
 * orders-1 that moves its offset to the one orders-0 last fetched is news, and so is a high
 * watermark that orders-1 has not been sent yet; a partition's own repeats stay quiet however
 * the link's other partitions interleave. */
static void test_idle_filter_partitions(void) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    t.partitions = 2;
    proto_msg fetch;
    memset(&fetch, 0, sizeof fetch);
    fetch.api = API_FETCH;
    fetch.from = node_broker(2);
    fetch.to = node_broker(1);
    const struct { uint16_t partition; int64_t offset; bool shown; } fetches[] = {
        {1, 30, true}, {0, 40, true}, {1, 40, true} /* moved 30 -> 40: news */,
        {0, 40, false}, {1, 40, false}, {0, 41, true}, {1, 40, false}};
    uint64_t lines = 0;
    for (int i = 0; i < (int)(sizeof fetches / sizeof fetches[0]); i++) {
        fetch.partition = fetches[i].partition;
        fetch.u.fetch.fetch_offset = fetches[i].offset;
        trace_message(&t, 10 + i, &fetch, NULL);
        lines += fetches[i].shown;
        CHECK_EQ(t.lines, lines);
    }
    CHECK_STR(capture(f), "0.000ms broker-2 -> broker-1 Fetch offset=30 leader_epoch=0 "
                          "last_fetched_epoch=0\n"
                          "0.000ms broker-2 -> broker-1 Fetch offset=40 leader_epoch=0 "
                          "last_fetched_epoch=0\n"
                          "0.000ms broker-2 -> broker-1 Fetch offset=40 leader_epoch=0 "
                          "last_fetched_epoch=0\n"
                          "0.000ms broker-2 -> broker-1 Fetch offset=41 leader_epoch=0 "
                          "last_fetched_epoch=0\n");

    proto_msg resp;
    memset(&resp, 0, sizeof resp);
    resp.api = API_FETCH;
    resp.is_response = 1;
    resp.from = node_broker(1);
    resp.to = node_broker(2);
    resp.u.fetch_response.high_watermark = 45;
    resp.u.fetch_response.diverging_epoch = -1;
    resp.partition = 0;
    trace_message(&t, 20, &resp, NULL);
    resp.partition = 1; /* the same high watermark, orders-1's first: news */
    trace_message(&t, 21, &resp, NULL);
    CHECK_EQ(t.lines, lines + 2);
    resp.partition = 0;
    trace_message(&t, 22, &resp, NULL); /* orders-0's repeat: idle */
    CHECK_EQ(t.lines, lines + 2);

    /* Another link of the same partition keeps its own state: broker-3 fetching orders-0 at
     * the offset broker-2 last sent is news, a consumer's too. */
    fetch.partition = 0;
    fetch.u.fetch.fetch_offset = 41;
    fetch.from = node_broker(3);
    trace_message(&t, 23, &fetch, NULL);
    fetch.from = node_consumer(0);
    trace_message(&t, 24, &fetch, NULL);
    trace_message(&t, 25, &fetch, NULL);
    CHECK_EQ(t.lines, lines + 4);
    tracer_fini(&t);
    CHECK(t.links == NULL);
    fclose(f);
}

static void test_filters(void) {
    proto_payloads p;
    CHECK_EQ(proto_payloads_init(&p, 64), 0);
    uint32_t payload = proto_payload_add(&p, (const uint32_t[]){7, 8, 9}, 3);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    proto_msg m = produce_request(&p, payload);

    t.node_filter = node_broker(2);
    trace_message(&t, 1, &m, &p);
    CHECK_EQ(t.lines, 0);
    t.node_filter = node_broker(1);
    trace_message(&t, 1, &m, &p);
    CHECK_EQ(t.lines, 1);
    t.node_filter = -1;

    t.record_filter = 3;
    trace_message(&t, 2, &m, &p);
    CHECK_EQ(t.lines, 1);
    t.record_filter = 8;
    trace_message(&t, 2, &m, &p);
    CHECK_EQ(t.lines, 2);

    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    history_send(&h, 3, node_producer(0), 8, 0);
    history_send(&h, 3, node_producer(0), 10, 0);
    history_hw(&h, 4, node_broker(1), 3); /* carries no record */
    proto_batch b = {.payload = payload, .attempt = 1};
    history_retry(&h, 5, node_producer(0), &b, ERR_REQUEST_TIMED_OUT);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], &p);
    CHECK_EQ(t.lines, 4);
    const char *out = capture(f);
    CHECK_CONTAINS(out, "producer send record=8\n");
    CHECK_CONTAINS(out, "producer retry records=7..9 attempt=1 error=REQUEST_TIMED_OUT\n");
    CHECK(strstr(out, "record=10") == NULL);

    /* A drop touches both ends; its fault is named from the config. */
    static config c;
    memset(&c, 0, sizeof c);
    c.fault_count = 1;
    snprintf(c.faults[0].name, sizeof c.faults[0].name, "drop1");
    t.config = &c;
    t.record_filter = -1;
    t.node_filter = node_broker(1);
    proto_msg resp;
    memset(&resp, 0, sizeof resp);
    resp.api = API_PRODUCE;
    resp.is_response = 1;
    resp.from = node_broker(1);
    resp.to = node_producer(0);
    resp.u.produce_response.base_offset = 57;
    history_drop(&h, 6, &resp, 0, false);
    trace_history(&t, &h.recs[h.count - 1], &p);
    CHECK_CONTAINS(capture(f), "0.000ms broker-1 -> producer ProduceResponse dropped "
                               "offset=57 fault=drop1\n");
    CHECK_EQ(t.lines, 5);
    history_fini(&h);
    tracer_fini(&t);
    fclose(f);
    proto_payloads_fini(&p);
}

/* Every kind of line in JSON: each is one valid object with t_ns first. */
static void test_jsonl(void) {
    proto_payloads p;
    CHECK_EQ(proto_payloads_init(&p, 64), 0);
    uint32_t payload = proto_payload_add(&p, (const uint32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 0, 9},
                                         10);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_JSONL);
    t.verbose = true;
    static config c;
    memset(&c, 0, sizeof c);
    c.fault_count = 1;
    snprintf(c.faults[0].name, sizeof c.faults[0].name, "we\"ird");
    snprintf(c.faults[0].text, sizeof c.faults[0].text, "crash leader at 5ms");
    t.config = &c;
    proto_msg m = produce_request(&p, payload);
    for (int api = 0; api < API_COUNT; api++)
        for (int resp = 0; resp < 2; resp++) {
            m = produce_request(&p, payload);
            m.api = (uint8_t)api;
            m.is_response = (uint8_t)resp;
            /* A message with parts out of line (the group APIs) would read the produce
             * request's fields as its counts and pointers: give it an empty body. */
            if (api != API_PRODUCE && api != API_FETCH && proto_msg_outline_bytes(&m) > 0)
                memset(&m.u, 0, sizeof m.u);
            trace_message(&t, 1000, &m, &p);
        }
    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    proto_batch b = {.payload = payload, .attempt = 1, .base_offset = 3};
    history_send(&h, 1, node_producer(0), 1, 0);
    history_callback(&h, 2, node_producer(0), 1, 0, ERR_NONE, 3);
    history_attempt(&h, 3, node_producer(0), &b, 1);
    history_retry(&h, 4, node_producer(0), &b, ERR_NETWORK_EXCEPTION);
    history_append(&h, 5, node_broker(1), &b, true);
    history_dedup(&h, 6, node_broker(1), &b, 3);
    history_truncate(&h, 7, node_broker(2), 3, 1);
    history_hw(&h, 8, node_broker(1), 13);
    history_election(&h, 9, -1, 2, false);
    history_isr(&h, 10, 6, 4);
    history_drop(&h, 11, &m, 0, false);
    history_fault(&h, 12, 0, node_broker(1), true);
    history_crash(&h, 13, node_broker(1), true);
    history_epoch_bump(&h, 14, node_producer(0), 1, 1);
    history_producer_id(&h, 15, node_producer(0), 1, 0);
    history_error(&h, 16, node_producer(0), API_PRODUCE, ERR_NOT_LEADER_OR_FOLLOWER);
    history_expire(&h, 17, node_producer(0), &b, false);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], &p);
    const char *out = capture(f);
    CHECK_EQ(json_lines(out), 2 * API_COUNT + (int)h.count);
    CHECK_CONTAINS(out, "{\"t_ns\":1000,\"t\":\"0.001ms\",\"from\":\"producer\","
                        "\"to\":\"broker-1\",\"event\":\"Produce\",\"pid\":1,\"epoch\":0,"
                        "\"seq\":[10,19],\"attempt\":2,\"records\":[1,2,3,4,5,6,7,8],"
                        "\"record_count\":10}\n");
    CHECK_CONTAINS(out, "\"fault\":\"we\\\"ird\"");
    CHECK_EQ(json_lines("{\"a\":1}\n{\"b\":[1,\"x\"]}\n"), 2); /* the validator itself */
    CHECK_EQ(json_lines("{\"a\":1\n"), -1);
    history_fini(&h);
    tracer_fini(&t);
    fclose(f);
    proto_payloads_fini(&p);
}

/* A marker's payload is its coordinator epoch (here 0, a real payload's id): --trace-record
 * must not find records in it; the marker and LSO records print as lines of their partition. */
static void test_markers(void) {
    proto_payloads p;
    CHECK_EQ(proto_payloads_init(&p, 64), 0);
    uint32_t payload = proto_payload_add(&p, (const uint32_t[]){7, 8, 9}, 3);
    CHECK_EQ(payload, 0);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    proto_batch marker = {.base_offset = 3, .producer_id = 4, .payload = 0, .record_count = 1,
                          .base_sequence = -1,
                          .flags = PROTO_BATCH_TRANSACTIONAL | PROTO_BATCH_CONTROL};
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FETCH;
    m.is_response = 1;
    m.from = node_broker(1);
    m.to = node_broker(2);
    m.u.fetch_response.batch_count = 1;
    m.u.fetch_response.batches = &marker;
    t.record_filter = 8;
    trace_message(&t, 1, &m, &p);
    CHECK_EQ(t.lines, 0);
    marker.flags = 0; /* the same batch as data would hold record 8 */
    trace_message(&t, 1, &m, &p);
    CHECK_EQ(t.lines, 1);
    t.record_filter = -1;

    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    history_marker(&h, 2000000, node_broker(1), 0, false, 7, 3, 4, 2);
    history_lso(&h, 3000000, node_broker(1), 0, 4);
    capture_reset(f);
    t.partition_filter = 0;
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], &p);
    CHECK_STR(capture(f), "2.000ms broker-1 marker result=abort offset=3 pid=4 epoch=2 "
                          "coordinator_epoch=7\n"
                          "3.000ms broker-1 lso last_stable_offset=4\n");
    t.partition_filter = 1;
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], &p);
    CHECK_EQ(t.lines, 3);
    tracer_fini(&t);
    history_fini(&h);
    fclose(f);
    proto_payloads_fini(&p);
}

/* An application's processing of an input record (pipeline.c): a line of its consumer, of the
 * input partition, found by --trace-record and --trace-partition. */
static void test_process_lines(void) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    t.record_filter = -1;
    history h;
    CHECK_EQ(history_init(&h, 8), 0);
    history_process(&h, 2000000, node_consumer(0), 0, 41, 17, 3, HIST_SINK_APPLIED);
    history_process(&h, 3000000, node_consumer(1), 0, 41, 17, 4, HIST_SINK_SKIPPED);
    history_process(&h, 4000000, node_consumer(1), 1, 42, 9, 4, HIST_SINK_NONE);
    t.record_filter = 41;
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], NULL);
    CHECK_STR(capture(f), "2.000ms consumer-1 process record=41 offset=17 generation=3 "
                          "sink=applied\n"
                          "3.000ms consumer-2 process record=41 offset=17 generation=4 "
                          "sink=skipped\n");
    t.record_filter = -1;
    t.partition_filter = 1;
    capture_reset(f);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], NULL);
    CHECK_STR(capture(f), "4.000ms consumer-2 process record=42 offset=9 generation=4 "
                          "sink=none\n");
    tracer_fini(&t);
    history_fini(&h);
    fclose(f);
}

/* The consumers' and the group coordinator's records and messages name their fields: member,
 * generation, offsets, assignments (a world of one partition names none). */
static void test_group_lines(void) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    capture_reset(f);
    tracer t;
    tracer_init(&t, f, TRACE_TEXT);
    t.record_filter = -1;
    history h;
    CHECK_EQ(history_init(&h, 16), 0);
    history_group(&h, 1000000, node_broker(1), 0, 2, GROUP_COMPLETING_REBALANCE, 2, 0, 0xabcdu);
    history_member(&h, 1000000, node_broker(1), 0, 0x1234u, HIST_MEMBER_EXPIRED, node_consumer(1));
    history_assign(&h, 2000000, node_consumer(0), 0, 2, HIST_ASSIGN_ASSIGNED, 0xabcdu);
    history_position(&h, 2000000, node_consumer(0), 0, 12, 2, HIST_POSITION_COMMITTED);
    history_poll(&h, 3000000, node_consumer(0), 0, 0, 0, 4, 12, 2, 0xabcdu);
    history_offset_commit(&h, 4000000, node_consumer(0), 0, 16, 2, HIST_COMMIT_AUTO,
                          HIST_COMMIT_SENT, 0xabcdu);
    history_offset_commit(&h, 5000000, node_consumer(0), 0, 16, 2, HIST_COMMIT_AUTO,
                          ERR_ILLEGAL_GENERATION, 0xabcdu);
    history_offsets(&h, 5000000, node_broker(1), 0, 16, 2, HIST_OFFSETS_COMMITTED, 0);
    for (size_t i = 0; i < h.count; i++) trace_history(&t, &h.recs[i], NULL);
    CHECK_STR(capture(f),
              "1.000ms broker-1 group state=CompletingRebalance generation=2 members=2 "
              "leader=0000abcd\n"
              "1.000ms broker-1 member member=00001234 event=expired client=consumer-2\n"
              "2.000ms consumer-1 assign change=assigned generation=2 member=0000abcd\n"
              "2.000ms consumer-1 position offset=12 from=committed generation=2\n"
              "3.000ms consumer-1 poll offsets=12..15 records=4 generation=2\n"
              "4.000ms consumer-1 offset-commit offset=16 kind=auto generation=2 "
              "member=0000abcd state=sent\n"
              "5.000ms consumer-1 offset-commit offset=16 kind=auto generation=2 "
              "member=0000abcd error=ILLEGAL_GENERATION\n"
              "5.000ms broker-1 offsets committed_offset=16 how=committed generation=2\n");

    proto_offset_entry e[2] = {{.offset = 16, .leader_epoch = 0, .partition = 0},
                               {.offset = -1, .leader_epoch = -1, .partition = 0}};
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_OFFSET_COMMIT;
    m.from = node_consumer(0);
    m.to = node_broker(1);
    m.u.offset_commit = (proto_offset_commit_request){
        .member_id = 0xabcdu, .generation = 2, .entry_count = 1, .entries = e};
    capture_reset(f);
    trace_message(&t, 6000000, &m, NULL);
    m.api = API_FIND_COORDINATOR;
    m.u.find_coordinator = (proto_find_coordinator_request){.key_type = PROTO_COORDINATOR_GROUP};
    trace_message(&t, 6000000, &m, NULL);
    m.api = API_JOIN_GROUP;
    m.is_response = 1;
    m.from = node_broker(1);
    m.to = node_consumer(0);
    m.u.join_group_response = (proto_join_group_response){
        .generation = 3, .member_id = 0xabcdu, .leader_id = 0x1234u, .error = ERR_NONE,
        .protocol = PROTO_ASSIGNOR_RANGE};
    trace_message(&t, 7000000, &m, NULL);
    m.api = API_OFFSET_FETCH;
    m.u.offset_fetch_response = (proto_offset_fetch_response){.entry_count = 2, .entries = e};
    trace_message(&t, 8000000, &m, NULL);
    CHECK_STR(capture(f),
              "6.000ms consumer-1 -> broker-1 OffsetCommit member=0000abcd generation=2 "
              "offsets=0@16\n"
              "6.000ms consumer-1 -> broker-1 FindCoordinator group=group\n"
              "7.000ms broker-1 -> consumer-1 JoinGroupResponse member=0000abcd generation=3 "
              "leader=00001234 protocol=range error=NONE\n"
              "8.000ms broker-1 -> consumer-1 OffsetFetchResponse offsets=0@16,0@-1 "
              "error=NONE\n");
    tracer_fini(&t);
    history_fini(&h);
    fclose(f);
}

int main(void) {
    test_group_lines();
    test_process_lines();
    test_txn_lines();
    test_markers();
    test_text_lines();
    test_idle_filter();
    test_idle_filter_partitions();
    test_filters();
    test_jsonl();
    return test_result("test_trace");
}
