/*
 * test_consumer.c: the consumer client (consumer.c) against brokers 1..3 and the controller
 * on the real network, with a stand-in group coordinator on broker 3: broker 3's endpoint is
 * wrapped so that FindCoordinator(GROUP) and the group APIs are answered by a few lines of
 * this file (one member at a time joins at once, the leader's assignment is handed back,
 * commits are stored and fetched back) and everything else reaches the real broker.
 *
 * Checks: the consumer finds the coordinator, joins, assigns both partitions to itself with
 * range, starts at auto.offset.reset (earliest) without committed offsets, polls every record
 * once and in offset order with at most max.poll.records per poll, commits its positions
 * automatically at a poll every auto.commit.interval.ms; a crash and a new process resume at
 * the last committed offset and poll again what followed it (the at-least-once duplicates);
 * a heartbeat answered REBALANCE_IN_PROGRESS makes the next poll commit (onJoinPrepare),
 * revoke and join again; an application that stops polling leaves the group after
 * max.poll.interval.ms (LeaveGroup) and loses its partitions at its next poll; commitSync
 * reports its outcome; read_committed drops an aborted transaction's records.
 */
#include "cluster_harness.h"
#include "consumer.h"

#define GROUP_BROKER 3
#define RECORDS_MAX 4096

typedef struct fake_group {
    net_deliver_fn broker_deliver; /* broker 3's own endpoint */
    void *broker_ctx;
    harness *h;
    int32_t generation;
    proto_member_id next_member;
    proto_member_id member;       /* the one member */
    uint32_t assignment_words[64];
    int assignment_word_count;
    int64_t committed[8];         /* by g, -1 none */
    int commits;                  /* OffsetCommit requests answered */
    int joins;
    int leaves;
    int heartbeats;
    int16_t heartbeat_error;      /* the next heartbeat's answer, once */
    int64_t no_coordinator_until_ns; /* FindCoordinator: COORDINATOR_NOT_AVAILABLE before */
} fake_group;

static fake_group fake;

static void fake_answer(const proto_msg *req, proto_msg *resp) {
    proto_msg_answer(req, resp);
    net_send(&fake.h->net, resp);
}

static void fake_deliver(void *ctx, const proto_msg *m) {
    (void)ctx;
    bool group = m->api >= API_JOIN_GROUP && m->api != API_LIST_OFFSETS;
    bool find = m->api == API_FIND_COORDINATOR &&
                m->u.find_coordinator.key_type == PROTO_COORDINATOR_GROUP;
    if (m->is_response || !node_is_consumer(m->from) || !(group || find)) {
        fake.broker_deliver(fake.broker_ctx, m);
        return;
    }
    proto_msg r;
    memset(&r, 0, sizeof r);
    uint32_t words[8];
    proto_offset_entry entries[8];
    uint16_t assignment[8];
    switch (m->api) {
    case API_FIND_COORDINATOR:
        r.u.find_coordinator_response.coordinator = GROUP_BROKER;
        if (sim_now(&fake.h->world) < fake.no_coordinator_until_ns) {
            r.u.find_coordinator_response.coordinator = -1;
            r.u.find_coordinator_response.error = ERR_COORDINATOR_NOT_AVAILABLE;
        }
        break;
    case API_JOIN_GROUP: {
        proto_member_id id = m->u.join_group.member_id;
        if (id == PROTO_MEMBER_UNKNOWN) id = fake.next_member++;
        fake.member = id;
        fake.generation++;
        fake.joins++;
        proto_join_group_response *j = &r.u.join_group_response;
        j->generation = fake.generation;
        j->member_id = id;
        j->leader_id = id;
        j->protocol = PROTO_ASSIGNOR_RANGE;
        words[0] = id;
        words[1] = m->from;
        words[2] = (uint32_t)PROTO_GENERATION_NONE;
        words[3] = 0;
        j->member_words = 4;
        j->members = words;
        break;
    }
    case API_SYNC_GROUP: {
        proto_sync_group_response *s = &r.u.sync_group_response;
        if (m->u.sync_group.generation != fake.generation) {
            s->error = ERR_ILLEGAL_GENERATION;
            break;
        }
        const uint32_t *w = m->u.sync_group.assignments;
        for (int at = 0; at + 2 <= m->u.sync_group.assignment_words;) {
            int count = (int)w[at + 1];
            if (w[at] == m->u.sync_group.member_id)
                for (int k = 0; k < count && k < 8; k++) assignment[s->assignment_count++] = (uint16_t)w[at + 2 + k];
            at += 2 + count;
        }
        s->assignment = assignment;
        break;
    }
    case API_HEARTBEAT:
        fake.heartbeats++;
        r.u.group_response.error = fake.heartbeat_error;
        fake.heartbeat_error = ERR_NONE;
        if (m->u.group_heartbeat.member_id != fake.member)
            r.u.group_response.error = ERR_UNKNOWN_MEMBER_ID;
        break;
    case API_LEAVE_GROUP:
        fake.leaves++;
        if (m->u.group_heartbeat.member_id == fake.member) fake.member = PROTO_MEMBER_UNKNOWN;
        break;
    case API_OFFSET_COMMIT:
        if (m->u.offset_commit.member_id != fake.member) {
            r.u.group_response.error = ERR_UNKNOWN_MEMBER_ID;
            break;
        }
        if (m->u.offset_commit.generation != fake.generation) {
            r.u.group_response.error = ERR_ILLEGAL_GENERATION;
            break;
        }
        fake.commits++;
        for (int k = 0; k < m->u.offset_commit.entry_count; k++)
            fake.committed[m->u.offset_commit.entries[k].partition] =
                m->u.offset_commit.entries[k].offset;
        break;
    case API_OFFSET_FETCH: {
        proto_offset_fetch_response *o = &r.u.offset_fetch_response;
        for (int k = 0; k < m->u.offset_fetch.partition_count && k < 8; k++) {
            int g = m->u.offset_fetch.partitions[k];
            entries[k] = (proto_offset_entry){.offset = fake.committed[g], .leader_epoch = -1,
                                              .partition = (uint16_t)g};
        }
        o->entry_count = m->u.offset_fetch.partition_count;
        o->entries = entries;
        break;
    }
    default: return;
    }
    fake_answer(m, &r);
}

/* The application: polls, "processes" each record for 1 ms, polls again. */
typedef struct app {
    harness *h;
    consumer *c;
    uint16_t kind;
    bool polling;              /* stops polling when false */
    consumer_record recs[RECORDS_MAX];
    int count;                 /* records polled */
    int polls_with_records;
    int largest_poll;
    int commit_answers;
    int last_commit_error;
    int revoked, assigned, lost;
    consumer_record batch[512];
} app;

static app the_app;

static void app_poll(app *a) {
    if (!a->polling) return;
    int n = consumer_poll(a->c, a->batch);
    if (n == 0) return; /* on_records answers */
    for (int k = 0; k < n && a->count < RECORDS_MAX; k++) a->recs[a->count++] = a->batch[k];
    a->polls_with_records++;
    if (n > a->largest_poll) a->largest_poll = n;
    sim_schedule(&a->h->world, sim_now(&a->h->world) + n * SIM_MS, a->kind, 0);
}

static void app_on_event(void *ctx, sim_world *w, const sim_event *ev) {
    (void)w;
    (void)ev;
    app_poll(ctx);
}

static void app_on_records(void *ctx, const consumer_record *recs, int n) {
    app *a = ctx;
    for (int k = 0; k < n && a->count < RECORDS_MAX; k++) a->recs[a->count++] = recs[k];
    if (n > 0) {
        a->polls_with_records++;
        if (n > a->largest_poll) a->largest_poll = n;
    }
    sim_schedule(&a->h->world, sim_now(&a->h->world) + n * SIM_MS, a->kind, 0);
}

static void app_on_commit(void *ctx, int error) {
    app *a = ctx;
    a->commit_answers++;
    a->last_commit_error = error;
}
static void app_on_revoked(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->revoked += n;
}
static void app_on_assigned(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->assigned += n;
}
static void app_on_lost(void *ctx, const uint16_t *g, int n) {
    (void)g;
    ((app *)ctx)->lost += n;
}

typedef struct world {
    harness h;
    proto_payloads payloads;
    consumer *c;
} world;

static void check_consumer(void *ctx, const sim_world *w, const sim_event *ev) {
    world *wd = ctx;
    check_all(&wd->h, w, ev);
    consumer_check_recent(wd->c);
}

/* Two partitions (leaders 1 and 2), the stand-in coordinator on broker 3, one consumer. */
static void world_init(world *wd, int isolation) {
    memset(&fake, 0, sizeof fake);
    memset(&the_app, 0, sizeof the_app);
    harness *h = &wd->h;
    config_base(&h->cfg);
    config *c = &h->cfg;
    c->request_timeout_ns = 30 * SIM_S;
    c->retry_backoff_ns = 100 * SIM_MS;
    c->session_timeout_ns = 45 * SIM_S;
    c->heartbeat_interval_ns = 3 * SIM_S;
    c->max_poll_interval_ns = 300 * SIM_S;
    c->max_poll_records = 7;
    c->enable_auto_commit = true;
    c->auto_commit_interval_ns = 5 * SIM_S;
    c->auto_offset_reset = CONFIG_RESET_EARLIEST;
    c->fetch_min_bytes = 1;
    c->fetch_max_wait_ns = 500 * SIM_MS;
    c->default_api_timeout_ns = 60 * SIM_S;
    c->isolation_level = isolation;
    c->assignment_strategy = CONFIG_ASSIGN_RANGE;
    c->consumers = 0; /* the brokers hold no group coordinator: the stand-in answers */
    CHECK(topic_table_add(&c->topics, "orders", 2, 3, 1) >= 0);
    h->partitions = 2;
    int placed[] = {1, 2, 3, 2, 3, 1};
    memcpy(h->placed, placed, sizeof placed);
    h->placed_counts[0] = h->placed_counts[1] = 3;
    harness_init(h);
    CHECK_EQ(proto_payloads_init(&wd->payloads, 64), 0);
    fake.h = h;
    fake.next_member = 1000;
    for (int g = 0; g < 8; g++) fake.committed[g] = -1;
    net_endpoint *e = &h->net.endpoints[node_broker(GROUP_BROKER)];
    fake.broker_deliver = e->deliver;
    fake.broker_ctx = e->ctx;
    net_listen(&h->net, node_broker(GROUP_BROKER), fake_deliver, NULL);
    consumer_env env = {.world = &h->world,
                        .net = &h->net,
                        .history = &h->hist,
                        .config = c,
                        .payloads = &wd->payloads,
                        .app = {.ctx = &the_app,
                                .on_records = app_on_records,
                                .on_commit = app_on_commit,
                                .on_revoked = app_on_revoked,
                                .on_lost = app_on_lost,
                                .on_assigned = app_on_assigned}};
    int bootstrap[] = {GROUP_BROKER, -1};
    wd->c = consumer_new(&env, 0, bootstrap);
    CHECK(wd->c != NULL);
    the_app.h = h;
    the_app.c = wd->c;
    the_app.kind = sim_handler_add(&h->world, app_on_event, &the_app, "test.app");
    h->world.trace_fn = check_consumer;
    h->world.trace_ctx = wd;
}

static void world_fini(world *wd) {
    consumer_free(wd->c);
    proto_payloads_fini(&wd->payloads);
    harness_fini(&wd->h);
}

/* Produces records ids first .. first + n - 1 to partition g, one batch each, from t on. */
static void produce_records(world *wd, int g, uint32_t first, int n, int64_t t) {
    for (int k = 0; k < n; k++) {
        uint32_t payload = proto_payload_add_run(&wd->payloads, first + (uint32_t)k, 1);
        proto_msg m = produce(-1, -1, 0, payload);
        m.partition = (uint16_t)g;
        m.u.produce.batch.partition = (uint16_t)g;
        send_at(&wd->h, t + k * 10 * SIM_MS, g == 0 ? 1 : 2, m);
    }
}

static void app_start(world *wd, int64_t t) {
    the_app.polling = true;
    sim_schedule(&wd->h.world, t, the_app.kind, 0);
}

/* Records of id polled, and whether each partition's offsets came in order. */
static int polled_count(uint32_t id) {
    int n = 0;
    for (int k = 0; k < the_app.count; k++) n += the_app.recs[k].id == id;
    return n;
}

static size_t count_kind_where(const harness *h, history_kind kind, node_id node, int b) {
    size_t n = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind == kind && r->node == node && (b < 0 || (int)r->b == b)) n++;
    }
    return n;
}

static void test_join_fetch_auto_commit(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    produce_records(&wd, 0, 0, 20, 200 * SIM_MS);
    produce_records(&wd, 1, 100, 20, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 20 * SIM_S);
    CHECK_EQ(fake.joins, 1);
    CHECK_EQ(the_app.assigned, 2); /* range: both partitions to the one member */
    uint16_t held[4];
    CHECK_EQ(consumer_assignment(wd.c, held, 4), 2);
    CHECK(held[0] == 0 && held[1] == 1);
    CHECK_EQ(the_app.count, 40);
    for (uint32_t id = 0; id < 20; id++) {
        CHECK_EQ(polled_count(id), 1);
        CHECK_EQ(polled_count(100 + id), 1);
    }
    /* In offset order per partition, at most max.poll.records per poll. */
    int64_t last[2] = {-1, -1};
    for (int k = 0; k < the_app.count; k++) {
        const consumer_record *r = &the_app.recs[k];
        CHECK(r->offset == last[r->partition] + 1);
        last[r->partition] = r->offset;
        CHECK_EQ(r->id, (r->partition == 0 ? 0u : 100u) + (uint32_t)r->offset);
    }
    CHECK(the_app.largest_poll <= 7);
    CHECK(the_app.polls_with_records >= 40 / 7);
    /* Positions started at earliest (no committed offset); auto commits came at polls. */
    CHECK_EQ(count_kind_where(&wd.h, HIST_POSITION, node_consumer(0), HIST_POSITION_EARLIEST), 2);
    CHECK(fake.commits >= 2);
    CHECK_EQ(fake.committed[0], 20);
    CHECK_EQ(fake.committed[1], 20);
    CHECK(count_kind_where(&wd.h, HIST_POLL, node_consumer(0), -1) >= 40 / 7);
    CHECK(fake.heartbeats >= 4); /* every 3 s */
    world_fini(&wd);
}

/* A crash between two auto commits: the new process resumes at the committed offset and polls
 * again what the old one had polled after it. */
static void test_crash_resumes_at_commit(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    produce_records(&wd, 0, 0, 30, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 7 * SIM_S); /* the first auto commit (5 s after the assignment) is in */
    CHECK(fake.commits >= 1);
    int64_t committed = fake.committed[0];
    CHECK(committed >= 0);
    produce_records(&wd, 0, 30, 10, 7100 * SIM_MS);
    run_until(&wd.h, 9 * SIM_S);
    int64_t polled = 0;
    for (int k = 0; k < the_app.count; k++)
        if (the_app.recs[k].partition == 0) polled = the_app.recs[k].offset + 1;
    CHECK_EQ(polled, 40);
    CHECK(committed < polled); /* polled after the commit: these come again */
    consumer_crash(wd.c);
    the_app.polling = false;
    run_until(&wd.h, 10 * SIM_S);
    consumer_restart(wd.c);
    app_start(&wd, 10 * SIM_S);
    run_until(&wd.h, 20 * SIM_S);
    CHECK_EQ(fake.joins, 2);
    for (uint32_t id = 0; id < 40; id++)
        CHECK_EQ(polled_count(id), (int64_t)id >= committed ? 2 : 1);
    CHECK_EQ(count_kind_where(&wd.h, HIST_POSITION, node_consumer(0), HIST_POSITION_COMMITTED), 2);
    world_fini(&wd);
}

/* REBALANCE_IN_PROGRESS on a heartbeat: the next poll commits what was consumed (onJoinPrepare,
 * HIST_COMMIT_JOIN), revokes both partitions and joins again; nothing is polled twice. */
static void test_rebalance_commits_first(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    produce_records(&wd, 0, 0, 10, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 3 * SIM_S);
    fake.heartbeat_error = ERR_REBALANCE_IN_PROGRESS;
    run_until(&wd.h, 10 * SIM_S);
    CHECK_EQ(fake.joins, 2);
    CHECK_EQ(the_app.revoked, 2);
    CHECK_EQ(the_app.assigned, 4);
    CHECK(count_kind_where(&wd.h, HIST_OFFSET_COMMIT, node_consumer(0), HIST_COMMIT_JOIN) >= 2);
    CHECK_EQ(fake.committed[0], 10);
    for (uint32_t id = 0; id < 10; id++) CHECK_EQ(polled_count(id), 1);
    world_fini(&wd);
}

/* A heartbeat answered NOT_COORDINATOR and no coordinator to be found for 10 s: the
 * coordinator is looked up again and again (the heartbeat thread waits retry.backoff.ms after
 * each lookup, it does not spin at one instant), then heartbeats go on in the same
 * generation. */
static void test_coordinator_moved(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    produce_records(&wd, 0, 0, 5, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 3 * SIM_S);
    int beats = fake.heartbeats;
    wd.h.world.opt.events_max = 1000000; /* a spin fails the run instead of hanging the test */
    fake.heartbeat_error = ERR_NOT_COORDINATOR;
    fake.no_coordinator_until_ns = 13 * SIM_S;
    run_until(&wd.h, 25 * SIM_S);
    CHECK_EQ(fake.joins, 1);
    CHECK(fake.heartbeats >= beats + 4);
    CHECK(wd.h.world.events < 100000);
    world_fini(&wd);
}

/* An application that stops polling: max.poll.interval.ms later the heartbeat thread sends
 * LeaveGroup; its next poll loses the partitions (no commit) and joins as a new member. */
static void test_poll_timeout_leaves(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    wd.h.cfg.max_poll_interval_ns = 10 * SIM_S;
    produce_records(&wd, 0, 0, 5, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 3 * SIM_S);
    the_app.polling = false; /* stuck in processing */
    run_until(&wd.h, 16 * SIM_S);
    CHECK_EQ(fake.leaves, 1);
    CHECK_EQ(the_app.lost, 0);
    int commits = fake.commits;
    app_start(&wd, 20 * SIM_S);
    run_until(&wd.h, 25 * SIM_S);
    CHECK_EQ(the_app.lost, 2);
    CHECK_EQ(fake.joins, 2);
    CHECK_EQ(count_kind_where(&wd.h, HIST_OFFSET_COMMIT, node_consumer(0), HIST_COMMIT_JOIN), 0);
    CHECK(fake.commits >= commits);
    world_fini(&wd);
}

/* commitSync of the positions: answered through on_commit; refused locally outside a stable
 * generation (CommitFailedException). */
static void test_commit_sync(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_UNCOMMITTED);
    wd.h.cfg.enable_auto_commit = false;
    produce_records(&wd, 0, 0, 5, 200 * SIM_MS);
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 3 * SIM_S);
    CHECK_EQ(fake.commits, 0);
    the_app.polling = false;
    consumer_commit(wd.c, CONSUMER_COMMIT_SYNC, NULL, 0);
    run_until(&wd.h, 4 * SIM_S);
    CHECK_EQ(the_app.commit_answers, 1);
    CHECK_EQ(the_app.last_commit_error, ERR_NONE);
    CHECK_EQ(fake.committed[0], 5);
    fake.member = 1; /* the coordinator forgot the member */
    consumer_commit(wd.c, CONSUMER_COMMIT_SYNC, NULL, 0);
    run_until(&wd.h, 5 * SIM_S);
    CHECK_EQ(the_app.commit_answers, 2);
    CHECK_EQ(the_app.last_commit_error, ERR_CLIENT_COMMIT_FAILED);
    /* Out of the group now (generation reset): refused locally, CommitFailedException as
     * no rebalance is in progress. */
    consumer_commit(wd.c, CONSUMER_COMMIT_ASYNC, NULL, 0);
    CHECK_EQ(the_app.commit_answers, 3);
    CHECK_EQ(the_app.last_commit_error, ERR_CLIENT_COMMIT_FAILED);
    world_fini(&wd);
}

/* read_committed: an aborted transaction's records are dropped, a committed one's returned,
 * the markers never. */
static void test_read_committed_filters(void) {
    world wd;
    memset(&wd, 0, sizeof wd);
    world_init(&wd, CONFIG_READ_COMMITTED);
    uint32_t plain = proto_payload_add_run(&wd.payloads, 0, 1);
    uint32_t aborted = proto_payload_add_run(&wd.payloads, 1, 2);
    uint32_t committed = proto_payload_add_run(&wd.payloads, 3, 2);
    send_at(&wd.h, 100 * SIM_MS, 1, produce(-1, -1, 0, plain)); /* 0 */
    proto_msg m = produce(-1, 5000, 0, aborted);                    /* 1, 2 */
    m.u.produce.batch.record_count = 2;
    m.u.produce.batch.flags = PROTO_BATCH_TRANSACTIONAL;
    send_at(&wd.h, 200 * SIM_MS, 1, m);
    proto_msg mk;
    memset(&mk, 0, sizeof mk);
    mk.api = API_WRITE_TXN_MARKERS;
    static const uint16_t p0[] = {0};
    mk.u.write_txn_markers.producer_id = 5000;
    mk.u.write_txn_markers.partition_count = 1;
    mk.u.write_txn_markers.partitions = p0;
    send_at(&wd.h, 400 * SIM_MS, 1, mk);                            /* 3: abort */
    m = produce(-1, 6000, 0, committed);                            /* 4, 5 */
    m.u.produce.batch.record_count = 2;
    m.u.produce.batch.flags = PROTO_BATCH_TRANSACTIONAL;
    send_at(&wd.h, 500 * SIM_MS, 1, m);
    mk.u.write_txn_markers.producer_id = 6000;
    mk.u.write_txn_markers.commit = true;
    send_at(&wd.h, 700 * SIM_MS, 1, mk);                            /* 6: commit */
    consumer_start(wd.c);
    app_start(&wd, 1 * SIM_S);
    run_until(&wd.h, 10 * SIM_S);
    CHECK_EQ(the_app.count, 3);
    CHECK_EQ(polled_count(0), 1);
    CHECK_EQ(polled_count(1), 0);
    CHECK_EQ(polled_count(2), 0);
    CHECK_EQ(polled_count(3), 1);
    CHECK_EQ(polled_count(4), 1);
    CHECK_EQ(fake.committed[0], 7); /* past the last marker */
    world_fini(&wd);
}

int main(void) {
    (void)hw; /* the harness's helpers this file does not need */
    (void)leo;
    (void)history_first;
    (void)response;
    test_join_fetch_auto_commit();
    test_crash_resumes_at_commit();
    test_rebalance_commits_first();
    test_coordinator_moved();
    test_poll_timeout_leaves();
    test_commit_sync();
    test_read_committed_filters();
    return test_result("test_consumer");
}
