/*
 * test_group_coordinator.c: the group coordinator of brokers 1..3 on the real network, driven
 * by fake consumers (consumer-1, consumer-2, consumer-3: their nodes) that send crafted
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch
 * requests. The world: input partitions orders-0 (g 0) and orders-1 (g 1), and the group's
 * __consumer_offsets partition (g 2) led by broker-3, then broker-1 after broker-3 crashes.
 *
 * Checks, each against GroupCoordinator 3.9: the KIP-394 member-id round trip; an Empty group's
 * first rebalance waits group.initial.rebalance.delay.ms; the join barrier answers every member
 * at once with one generation, the members to the leader only; SyncGroup waits for the leader's
 * assignment and answers once the GroupMetadata record is durable; heartbeats; a member whose
 * session expires is removed and the group rebalances (REBALANCE_IN_PROGRESS to heartbeats);
 * a slow member holds the join barrier until the rebalance timeout and is then removed;
 * LeaveGroup; OffsetCommit's generation checks (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS in CompletingRebalance, accepted in PreparingRebalance), answered when
 * durable; OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT while a commit is not
 * durable and REQUEST_TIMED_OUT after offsets.commit.timeout.ms; the coordinator's crash: the
 * new leader answers COORDINATOR_LOAD_IN_PROGRESS, then loads the group (its generation and
 * members) and the offsets from __consumer_offsets; NOT_COORDINATOR elsewhere. Invariants of
 * every broker are checked after every event.
 */
#include "cluster_harness.h"
#include "group_coordinator.h"

#define G_OFFSETS 2 /* __consumer_offsets-0, the group's */
#define C1 node_consumer(0)
#define C2 node_consumer(1)
#define C3 node_consumer(2)
#define MAX_SEEN 256
#define WORDS_MAX 64

/* A response as a consumer received it, its out-of-line part copied. */
typedef struct seen {
    proto_msg m;
    int64_t at_ns;
    uint32_t words[WORDS_MAX];   /* JoinGroup members, SyncGroup assignment (as words) */
    int word_count;
    proto_offset_entry entries[8]; /* OffsetFetch answers */
} seen;

typedef struct gfix {
    harness h;
    seen seen[MAX_SEEN];
    int seen_count;
    /* Out-of-line parts of the planned requests (they must live until sent). */
    uint32_t assign_words[4][WORDS_MAX];
    proto_offset_entry commit_entries[32][2];
    proto_offset_entry full[2][PROTO_OFFSET_ENTRIES_MAX];
    int commit_used;
    uint16_t fetch_parts[2];
} gfix;

static void on_consumer(void *ctx, const proto_msg *m) {
    gfix *f = ctx;
    if (f->seen_count == MAX_SEEN) return;
    seen *s = &f->seen[f->seen_count++];
    s->m = *m;
    s->at_ns = sim_now(&f->h.world);
    s->word_count = 0;
    if (m->api == API_JOIN_GROUP) {
        int n = m->u.join_group_response.member_words;
        for (int i = 0; i < n && i < WORDS_MAX; i++) s->words[s->word_count++] = m->u.join_group_response.members[i];
    } else if (m->api == API_SYNC_GROUP) {
        int n = m->u.sync_group_response.assignment_count;
        for (int i = 0; i < n && i < WORDS_MAX; i++) s->words[s->word_count++] = m->u.sync_group_response.assignment[i];
    } else if (m->api == API_OFFSET_FETCH) {
        int n = m->u.offset_fetch_response.entry_count;
        for (int i = 0; i < n && i < 8; i++) s->entries[i] = m->u.offset_fetch_response.entries[i];
    }
}

/* A transactional world adds __transaction_state-0 (g 3) led by broker-2. */
static void gfix_init_with(gfix *f, bool transactional) {
    memset(f, 0, sizeof *f);
    harness *h = &f->h;
    config_base(&h->cfg);
    config *c = &h->cfg;
    c->kafka_version = 30900;
    c->consumers = 3;
    c->group_partition = G_OFFSETS;
    c->session_timeout_ns = 10 * SIM_S;
    c->max_poll_interval_ns = 20 * SIM_S;
    c->group_min_session_timeout_ns = 6 * SIM_S;
    c->group_max_session_timeout_ns = 1800 * SIM_S;
    c->group_initial_rebalance_delay_ns = 3 * SIM_S;
    c->offsets_commit_timeout_ns = 5 * SIM_S;
    h->partitions = transactional ? 4 : 3;
    int placed[] = {1, 2, 3, 2, 1, 3, 3, 1, 2, 2, 3, 1};
    memcpy(h->placed, placed, sizeof placed);
    for (int g = 0; g < h->partitions; g++) h->placed_counts[g] = 3;
    if (transactional) {
        c->txn_id_count = 1;
        strcpy(c->txn_ids[0], "group-1");
        c->producer_txn[0] = 0;
        c->txn_partition[0] = 3;
        c->transaction_max_timeout_ns = 900 * SIM_S;
        c->transaction_abort_interval_ns = 10 * SIM_S;
        txn_records_init(&h->txn_records);
    }
    group_records_init(&h->group_records);
    harness_init(h);
    net_listen(&h->net, C1, on_consumer, f);
    net_listen(&h->net, C2, on_consumer, f);
    net_listen(&h->net, C3, on_consumer, f);
    net_listen(&h->net, node_consumer_producer(0), on_consumer, f);
}

static void gfix_init(gfix *f) { gfix_init_with(f, false); }

static uint32_t send_from(harness *h, int64_t t, node_id from, int broker_id, proto_msg m) {
    uint32_t corr = send_at(h, t, broker_id, m);
    h->planned[h->planned_count - 1].from = from;
    return corr;
}

static const seen *got(const gfix *f, uint32_t corr) {
    for (int i = 0; i < f->seen_count; i++)
        if (f->seen[i].m.correlation_id == corr) return &f->seen[i];
    return NULL;
}

static proto_msg join(proto_member_id id, int32_t rebalance_ms) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_JOIN_GROUP;
    m.u.join_group.member_id = id;
    m.u.join_group.session_timeout_ms = 10000;
    m.u.join_group.rebalance_timeout_ms = rebalance_ms;
    m.u.join_group.owned_generation = PROTO_GENERATION_NONE;
    m.u.join_group.protocols = PROTO_ASSIGNOR_RANGE | PROTO_ASSIGNOR_COOPERATIVE_STICKY;
    m.u.join_group.preferred = PROTO_ASSIGNOR_RANGE;
    return m;
}

static proto_msg sync_req(proto_member_id id, int32_t generation, const uint32_t *words, int n) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_SYNC_GROUP;
    m.u.sync_group.member_id = id;
    m.u.sync_group.generation = generation;
    m.u.sync_group.assignment_words = (uint16_t)n;
    m.u.sync_group.assignments = n ? words : NULL;
    return m;
}

static proto_msg heartbeat(int api, proto_member_id id, int32_t generation) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = (uint8_t)api;
    m.u.group_heartbeat.member_id = id;
    m.u.group_heartbeat.generation = generation;
    return m;
}

static proto_msg commit(gfix *f, proto_member_id id, int32_t generation, int64_t o0, int64_t o1) {
    proto_offset_entry *e = f->commit_entries[f->commit_used++ % 32];
    e[0] = (proto_offset_entry){.offset = o0, .leader_epoch = -1, .partition = 0};
    e[1] = (proto_offset_entry){.offset = o1, .leader_epoch = -1, .partition = 1};
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_OFFSET_COMMIT;
    m.u.offset_commit.member_id = id;
    m.u.offset_commit.generation = generation;
    m.u.offset_commit.entry_count = 2;
    m.u.offset_commit.entries = e;
    return m;
}

static proto_msg offset_fetch(gfix *f, bool require_stable) {
    f->fetch_parts[0] = 0;
    f->fetch_parts[1] = 1;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_OFFSET_FETCH;
    m.u.offset_fetch.require_stable = require_stable;
    m.u.offset_fetch.partition_count = 2;
    m.u.offset_fetch.partitions = f->fetch_parts;
    return m;
}

static proto_msg find_group_coordinator(void) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FIND_COORDINATOR;
    m.u.find_coordinator.key_type = PROTO_COORDINATOR_GROUP;
    return m;
}

static int16_t error_of(const gfix *f, uint32_t corr) {
    const seen *s = got(f, corr);
    if (!s) return -1;
    switch (s->m.api) {
    case API_JOIN_GROUP: return s->m.u.join_group_response.error;
    case API_SYNC_GROUP: return s->m.u.sync_group_response.error;
    case API_OFFSET_FETCH: return s->m.u.offset_fetch_response.error;
    case API_FIND_COORDINATOR: return s->m.u.find_coordinator_response.error;
    default: return s->m.u.group_response.error;
    }
}

static group_view view_of(gfix *f, int b) {
    group_view v;
    memset(&v, 0, sizeof v);
    v.state = -1;
    if (!group_coord_view(f->h.brokers[b].group, &v)) v.state = -1;
    return v;
}

/* The KIP-394 round trip: the first JoinGroup is answered MEMBER_ID_REQUIRED with an id. */
static proto_member_id member_id_of(gfix *f, int64_t t, node_id who) {
    uint32_t corr = send_from(&f->h, t, who, 3, join(PROTO_MEMBER_UNKNOWN, 20000));
    run_until(&f->h, t + 10 * SIM_MS);
    const seen *s = got(f, corr);
    CHECK(s != NULL);
    if (!s) return 0;
    CHECK_EQ(s->m.u.join_group_response.error, ERR_MEMBER_ID_REQUIRED);
    CHECK(s->m.u.join_group_response.member_id != PROTO_MEMBER_UNKNOWN);
    return s->m.u.join_group_response.member_id;
}

typedef struct formed {
    proto_member_id m1, m2, leader;
    int32_t generation;
    int64_t t;   /* when the group was Stable */
} formed;

/* Two consumers form generation 1 from t0: both get ids, join, sync (the leader gives g 0 to
 * consumer-1 and g 1 to consumer-2). */
static formed form_group(gfix *f, int64_t t0) {
    harness *h = &f->h;
    formed g;
    memset(&g, 0, sizeof g);
    g.m1 = member_id_of(f, t0, C1);
    g.m2 = member_id_of(f, t0 + 10 * SIM_MS, C2);
    CHECK(g.m1 != g.m2);
    uint32_t j1 = send_from(h, t0 + 20 * SIM_MS, C1, 3, join(g.m1, 20000));
    uint32_t j2 = send_from(h, t0 + 30 * SIM_MS, C2, 3, join(g.m2, 20000));
    run_until(h, t0 + 2 * SIM_S);
    CHECK(got(f, j1) == NULL); /* InitialDelayedJoin: group.initial.rebalance.delay.ms */
    CHECK_EQ(view_of(f, 3).state, GROUP_PREPARING_REBALANCE);
    /* consumer-1 joined at t0 + 21 ms: the delay ends 3 s later, and since consumer-2 joined
     * during it, another delay follows (InitialDelayedJoin.onComplete). */
    run_until(h, t0 + 5 * SIM_S);
    CHECK(got(f, j1) == NULL);
    run_until(h, t0 + 7 * SIM_S);
    const seen *a = got(f, j1), *b = got(f, j2);
    CHECK(a != NULL && b != NULL);
    if (!a || !b) return g;
    CHECK_EQ(a->at_ns, t0 + 6 * SIM_S + 22 * SIM_MS);
    CHECK_EQ(a->m.u.join_group_response.error, ERR_NONE);
    CHECK_EQ(b->m.u.join_group_response.error, ERR_NONE);
    g.generation = a->m.u.join_group_response.generation;
    CHECK_EQ(g.generation, 1);
    CHECK_EQ(b->m.u.join_group_response.generation, 1);
    g.leader = a->m.u.join_group_response.leader_id;
    CHECK_EQ(b->m.u.join_group_response.leader_id, g.leader);
    CHECK_EQ(g.leader, g.m1); /* the first member to join */
    CHECK_EQ(a->m.u.join_group_response.protocol, PROTO_ASSIGNOR_RANGE);
    /* The members go to the leader only: [id, node, owned generation, owned count] each. */
    CHECK_EQ(a->word_count, 8);
    CHECK_EQ(b->word_count, 0);
    CHECK_EQ(view_of(f, 3).state, GROUP_COMPLETING_REBALANCE);
    /* The follower's SyncGroup waits for the leader's. */
    int64_t ts = h->world.now_ns + 10 * SIM_MS;
    uint32_t s2 = send_from(h, ts, C2, 3, sync_req(g.m2, 1, NULL, 0));
    run_until(h, ts + 500 * SIM_MS);
    CHECK(got(f, s2) == NULL);
    uint32_t *w = f->assign_words[0];
    w[0] = g.m1, w[1] = 1, w[2] = 0, w[3] = g.m2, w[4] = 1, w[5] = 1;
    int64_t tl = h->world.now_ns;
    uint32_t s1 = send_from(h, tl, C1, 3, sync_req(g.m1, 1, w, 6));
    run_until(h, tl + 200 * SIM_MS);
    const seen *x = got(f, s1), *y = got(f, s2);
    CHECK(x != NULL && y != NULL);
    if (!x || !y) return g;
    CHECK_EQ(x->m.u.sync_group_response.error, ERR_NONE);
    CHECK_EQ(x->word_count, 1);
    CHECK_EQ(x->words[0], 0);
    CHECK_EQ(y->m.u.sync_group_response.error, ERR_NONE);
    CHECK_EQ(y->word_count, 1);
    CHECK_EQ(y->words[0], 1);
    /* Answered only once the GroupMetadata record is durable: a follower fetched it. */
    CHECK(x->at_ns >= tl + 3 * SIM_MS);
    CHECK(broker_high_watermark(&h->brokers[3], G_OFFSETS) >= 1);
    CHECK_EQ(view_of(f, 3).state, GROUP_STABLE);
    CHECK_EQ(h->steps[STEP_GROUP_STABLE], 1);
    g.t = h->world.now_ns;
    return g;
}

static void test_join_sync_heartbeat(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    /* FindCoordinator(GROUP) from any broker names the leader of the group's partition. */
    uint32_t fc = send_from(h, 100 * SIM_MS, C1, 1, find_group_coordinator());
    /* Not the coordinator: NOT_COORDINATOR. */
    uint32_t wrong = send_from(h, 100 * SIM_MS, C2, 2, join(PROTO_MEMBER_UNKNOWN, 20000));
    run_until(h, 200 * SIM_MS);
    const seen *s = got(&f, fc);
    CHECK(s && s->m.u.find_coordinator_response.error == ERR_NONE);
    if (s) CHECK_EQ(s->m.u.find_coordinator_response.coordinator, 3);
    CHECK_EQ(error_of(&f, wrong), ERR_NOT_COORDINATOR);
    /* A session timeout outside the broker's bounds. */
    proto_msg bad = join(PROTO_MEMBER_UNKNOWN, 20000);
    bad.u.join_group.session_timeout_ms = 1000;
    uint32_t inv = send_from(h, 200 * SIM_MS, C1, 3, bad);
    /* An unknown member id. */
    uint32_t unk = send_from(h, 200 * SIM_MS, C2, 3, join(12345, 20000));
    run_until(h, 300 * SIM_MS);
    CHECK_EQ(error_of(&f, inv), ERR_INVALID_SESSION_TIMEOUT);
    CHECK_EQ(error_of(&f, unk), ERR_UNKNOWN_MEMBER_ID);
    formed g = form_group(&f, 300 * SIM_MS);
    /* Heartbeats: NONE in Stable; a wrong generation ILLEGAL_GENERATION; unknown member. */
    int64_t t = g.t;
    uint32_t h1 = send_from(h, t, C1, 3, heartbeat(API_HEARTBEAT, g.m1, 1));
    uint32_t h2 = send_from(h, t, C2, 3, heartbeat(API_HEARTBEAT, g.m2, 0));
    uint32_t h3 = send_from(h, t, C3, 3, heartbeat(API_HEARTBEAT, 777, 1));
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, h1), ERR_NONE);
    CHECK_EQ(error_of(&f, h2), ERR_ILLEGAL_GENERATION);
    CHECK_EQ(error_of(&f, h3), ERR_UNKNOWN_MEMBER_ID);
    /* A follower's SyncGroup in Stable gets its assignment at once. */
    uint32_t again = send_from(h, t + 100 * SIM_MS, C2, 3, sync_req(g.m2, 1, NULL, 0));
    run_until(h, t + 200 * SIM_MS);
    s = got(&f, again);
    CHECK(s && s->m.u.sync_group_response.error == ERR_NONE && s->word_count == 1);
    /* The history: PreparingRebalance, CompletingRebalance, Stable; two members joined. */
    int states = 0, joined = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind == HIST_GROUP && r->node == node_broker(3)) states = states * 10 + (int)r->b;
        if (r->kind == HIST_MEMBER && r->b == HIST_MEMBER_JOINED) joined++;
    }
    CHECK_EQ(states, GROUP_PREPARING_REBALANCE * 100 + GROUP_COMPLETING_REBALANCE * 10 +
                         GROUP_STABLE);
    CHECK_EQ(joined, 2);
    harness_fini(h);
}

/* consumer-2 stops heartbeating: after its session it is removed and consumer-1, told
 * REBALANCE_IN_PROGRESS, rejoins alone into generation 2. */
static void test_session_expiry(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    uint32_t last = 0;
    int64_t t = g.t;
    for (int k = 1; k <= 5; k++) last = send_from(h, t + k * 3 * SIM_S, C1, 3, heartbeat(API_HEARTBEAT, g.m1, 1));
    run_until(h, t + 9 * SIM_S);
    CHECK_EQ(view_of(&f, 3).state, GROUP_STABLE); /* within consumer-2's session */
    run_until(h, t + 15 * SIM_S + 100 * SIM_MS);
    CHECK_EQ(view_of(&f, 3).state, GROUP_PREPARING_REBALANCE);
    CHECK_EQ(view_of(&f, 3).members, 1);
    CHECK_EQ(error_of(&f, last), ERR_REBALANCE_IN_PROGRESS);
    int expired = 0;
    int64_t expired_at = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind == HIST_MEMBER && r->b == HIST_MEMBER_EXPIRED && r->a == g.m2) {
            expired++;
            expired_at = r->time_ns;
            CHECK_EQ(r->c, C2);
        }
    }
    CHECK_EQ(expired, 1);
    /* Its last heartbeat was the sync answer at g.t: the session ends 10 s after. */
    CHECK(expired_at >= g.t + 10 * SIM_S - 10 * SIM_MS && expired_at <= g.t + 10 * SIM_S + 10 * SIM_MS);
    /* consumer-1 rejoins: every member has joined, the barrier opens at once. */
    int64_t tj = h->world.now_ns;
    uint32_t j = send_from(h, tj, C1, 3, join(g.m1, 20000));
    run_until(h, tj + 50 * SIM_MS);
    const seen *s = got(&f, j);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ(s->m.u.join_group_response.error, ERR_NONE);
        CHECK_EQ(s->m.u.join_group_response.generation, 2);
        CHECK_EQ(s->m.u.join_group_response.leader_id, g.m1);
        CHECK_EQ(s->word_count, 4);
    }
    /* consumer-2 comes back: UNKNOWN_MEMBER_ID (it must join as a new member). */
    uint32_t late = send_from(h, tj + 50 * SIM_MS, C2, 3, heartbeat(API_HEARTBEAT, g.m2, 1));
    run_until(h, tj + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, late), ERR_UNKNOWN_MEMBER_ID);
    harness_fini(h);
}

/* A member that does not rejoin holds the barrier until the rebalance timeout (20 s), then is
 * removed as not rejoined; a LeaveGroup removes a member at once. */
static void test_barrier_and_leave(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    int64_t t = g.t;
    /* consumer-2 heartbeats on; consumer-1 (the leader) rejoins: a rebalance. */
    for (int k = 1; k <= 10; k++) send_from(h, t + k * 3 * SIM_S, C2, 3, heartbeat(API_HEARTBEAT, g.m2, 1));
    uint32_t j1 = send_from(h, t + 100 * SIM_MS, C1, 3, join(g.m1, 20000));
    run_until(h, t + 19 * SIM_S);
    CHECK(got(&f, j1) == NULL);
    CHECK_EQ(view_of(&f, 3).state, GROUP_PREPARING_REBALANCE);
    CHECK_EQ(view_of(&f, 3).members, 2); /* its heartbeats keep consumer-2 in */
    run_until(h, t + 21 * SIM_S);
    const seen *s = got(&f, j1);
    CHECK(s != NULL);
    if (s) {
        CHECK(s->at_ns >= t + 20 * SIM_S + 100 * SIM_MS);
        CHECK_EQ(s->m.u.join_group_response.generation, 2);
        CHECK_EQ(s->word_count, 4); /* consumer-2 was removed */
    }
    int not_rejoined = 0;
    for (size_t i = 0; i < h->hist.count; i++)
        if (h->hist.recs[i].kind == HIST_MEMBER && h->hist.recs[i].b == HIST_MEMBER_NOT_REJOINED)
            not_rejoined++;
    CHECK_EQ(not_rejoined, 1);
    /* consumer-1 leaves: the group is Empty at generation 3, its metadata stored. */
    int64_t tl = h->world.now_ns;
    uint32_t w[3] = {g.m1, 2, 0};
    memcpy(f.assign_words[1], w, sizeof w);
    f.assign_words[1][3] = 1;
    send_from(h, tl, C1, 3, sync_req(g.m1, 2, f.assign_words[1], 4));
    run_until(h, tl + 100 * SIM_MS);
    CHECK_EQ(view_of(&f, 3).state, GROUP_STABLE);
    uint32_t lv = send_from(h, tl + 100 * SIM_MS, C1, 3, heartbeat(API_LEAVE_GROUP, g.m1, 0));
    run_until(h, tl + 200 * SIM_MS);
    CHECK_EQ(error_of(&f, lv), ERR_NONE);
    run_until(h, tl + 300 * SIM_MS); /* the rebalance of no one completes at once */
    group_view v = view_of(&f, 3);
    CHECK_EQ(v.state, GROUP_EMPTY);
    CHECK_EQ(v.generation, 3);
    CHECK_EQ(v.members, 0);
    harness_fini(h);
}

static int64_t fetched(const gfix *f, uint32_t corr, int g, int16_t *error) {
    const seen *s = got(f, corr);
    *error = -1;
    if (!s || s->m.u.offset_fetch_response.entry_count <= g) return -2;
    *error = s->entries[g].error;
    return s->entries[g].offset;
}

static void test_offsets(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    uint32_t none = send_from(h, 100 * SIM_MS, C3, 3, offset_fetch(&f, true));
    run_until(h, 200 * SIM_MS);
    int16_t e;
    CHECK_EQ(fetched(&f, none, 0, &e), -1); /* nothing committed */
    CHECK_EQ(e, ERR_NONE);
    formed g = form_group(&f, 200 * SIM_MS);
    int64_t t = g.t;
    uint32_t ok = send_from(h, t, C1, 3, commit(&f, g.m1, 1, 10, 20));
    uint32_t old = send_from(h, t, C2, 3, commit(&f, g.m2, 0, 11, 21));
    uint32_t who = send_from(h, t, C3, 3, commit(&f, 999, 1, 12, 22));
    /* While the commit is not yet durable a requireStable fetch gets UNSTABLE_OFFSET_COMMIT. */
    uint32_t unstable = send_from(h, t + 500 * SIM_US, C3, 3, offset_fetch(&f, true));
    run_until(h, t + 100 * SIM_MS);
    int64_t at = 0;
    CHECK_EQ(error_of(&f, ok), ERR_NONE);
    CHECK(got(&f, ok) && (at = got(&f, ok)->at_ns) >= t + 3 * SIM_MS);
    CHECK_EQ(error_of(&f, old), ERR_ILLEGAL_GENERATION);
    CHECK_EQ(error_of(&f, who), ERR_UNKNOWN_MEMBER_ID);
    fetched(&f, unstable, 0, &e);
    CHECK_EQ(e, ERR_UNSTABLE_OFFSET_COMMIT);
    CHECK(got(&f, unstable) && got(&f, unstable)->at_ns < at);
    uint32_t fe = send_from(h, t + 100 * SIM_MS, C3, 3, offset_fetch(&f, true));
    run_until(h, t + 200 * SIM_MS);
    CHECK_EQ(fetched(&f, fe, 0, &e), 10);
    CHECK_EQ(fetched(&f, fe, 1, &e), 20);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 1), 20);
    /* Two commit records in the offsets log: last by log position wins, even a smaller one. */
    t += 200 * SIM_MS;
    send_from(h, t, C1, 3, commit(&f, g.m1, 1, 40, 50));
    send_from(h, t + 10 * SIM_MS, C1, 3, commit(&f, g.m1, 1, 30, 50));
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), 30);
    /* A rebalance begins (the leader rejoins; a follower rejoining unchanged would just get
     * the current generation): commits are still taken in PreparingRebalance. */
    t = h->world.now_ns;
    uint32_t same = send_from(h, t, C2, 3, join(g.m2, 20000));
    send_from(h, t + 5 * SIM_MS, C1, 3, join(g.m1, 20000));
    uint32_t prep = send_from(h, t + 10 * SIM_MS, C2, 3, commit(&f, g.m2, 1, 60, 70));
    run_until(h, t + 100 * SIM_MS);
    const seen *s = got(&f, same);
    CHECK(s && s->m.u.join_group_response.error == ERR_NONE &&
          s->m.u.join_group_response.generation == 1 && s->at_ns < t + 5 * SIM_MS);
    CHECK_EQ(view_of(&f, 3).state, GROUP_PREPARING_REBALANCE);
    CHECK_EQ(error_of(&f, prep), ERR_NONE);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), 60);
    /* consumer-2 rejoins: CompletingRebalance, where a commit of the new generation gets
     * REBALANCE_IN_PROGRESS and one of the old ILLEGAL_GENERATION. */
    send_from(h, t + 100 * SIM_MS, C2, 3, join(g.m2, 20000));
    uint32_t comp = send_from(h, t + 200 * SIM_MS, C1, 3, commit(&f, g.m1, 2, 61, 71));
    uint32_t stale = send_from(h, t + 200 * SIM_MS, C2, 3, commit(&f, g.m2, 1, 61, 71));
    run_until(h, t + 300 * SIM_MS);
    CHECK_EQ(view_of(&f, 3).state, GROUP_COMPLETING_REBALANCE);
    CHECK_EQ(error_of(&f, comp), ERR_REBALANCE_IN_PROGRESS);
    CHECK_EQ(error_of(&f, stale), ERR_ILLEGAL_GENERATION);
    harness_fini(h);
}

/* The followers of the offsets partition are gone: a commit waits offsets.commit.timeout.ms and
 * is answered REQUEST_TIMED_OUT; meanwhile the partition's offset is unstable; after, the cache
 * still holds the earlier offset. */
static void test_commit_timeout(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    int64_t t = g.t;
    send_from(h, t, C1, 3, commit(&f, g.m1, 1, 5, 6));
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), 5);
    broker_crash(&h->brokers[1], false);
    broker_crash(&h->brokers[2], false);
    t = h->world.now_ns;
    uint32_t c = send_from(h, t, C1, 3, commit(&f, g.m1, 1, 7, 8));
    uint32_t mid = send_from(h, t + 2 * SIM_S, C3, 3, offset_fetch(&f, true));
    uint32_t plain = send_from(h, t + 2 * SIM_S, C2, 3, offset_fetch(&f, false));
    run_until(h, t + 4900 * SIM_MS);
    CHECK(got(&f, c) == NULL);
    int16_t e;
    fetched(&f, mid, 0, &e);
    CHECK_EQ(e, ERR_UNSTABLE_OFFSET_COMMIT);
    CHECK_EQ(fetched(&f, plain, 0, &e), 5);
    run_until(h, t + 5100 * SIM_MS);
    CHECK_EQ(error_of(&f, c), ERR_REQUEST_TIMED_OUT);
    uint32_t after = send_from(h, t + 5100 * SIM_MS, C3, 3, offset_fetch(&f, true));
    run_until(h, t + 5200 * SIM_MS);
    CHECK_EQ(fetched(&f, after, 0, &e), 5);
    CHECK_EQ(e, ERR_NONE);
    harness_fini(h);
}

/* The coordinator crashes: broker-1 leads the offsets partition, loads it (answering
 * COORDINATOR_LOAD_IN_PROGRESS until then; heartbeats NONE) and coordinates the same group:
 * generation 1 with both members, their assignments, the committed offsets. */
static void test_failover(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    int64_t t = g.t;
    send_from(h, t, C1, 3, commit(&f, g.m1, 1, 15, 25));
    run_until(h, t + 100 * SIM_MS);
    int32_t old_epoch = h->brokers[3].partitions[G_OFFSETS].leader_epoch;
    broker_crash(&h->brokers[3], false);
    /* The controller fences broker-3 after broker.session.timeout.ms and elects broker-1. */
    int64_t elected = -1;
    for (int64_t at = t + 100 * SIM_MS; at < t + 15 * SIM_S; at += 100 * SIM_US) {
        run_until(h, at);
        if (broker_partition_leader(&h->brokers[1], G_OFFSETS) == 1) {
            elected = at;
            break;
        }
    }
    CHECK(elected > 0);
    CHECK(h->brokers[1].partitions[G_OFFSETS].leader_epoch > old_epoch);
    /* A pause of broker-1 holds its load (GROUP_LOAD_NS) behind the requests below. */
    broker_pause(&h->brokers[1], elected + 10 * SIM_MS);
    uint32_t loading = send_from(h, elected, C3, 1, offset_fetch(&f, true));
    uint32_t blind = send_from(h, elected, C2, 1, heartbeat(API_HEARTBEAT, g.m2, 1));
    run_until(h, elected + 20 * SIM_MS);
    CHECK_EQ(error_of(&f, loading), ERR_COORDINATOR_LOAD_IN_PROGRESS);
    CHECK_EQ(error_of(&f, blind), ERR_NONE); /* answered blindly while loading */
    t = elected + 100 * SIM_MS;
    uint32_t fc = send_from(h, t, C1, 2, find_group_coordinator());
    uint32_t fe = send_from(h, t, C3, 1, offset_fetch(&f, true));
    uint32_t elsewhere = send_from(h, t, C2, 2, offset_fetch(&f, true));
    uint32_t hb = send_from(h, t, C2, 1, heartbeat(API_HEARTBEAT, g.m2, 1));
    uint32_t sy = send_from(h, t, C1, 1, sync_req(g.m1, 1, NULL, 0));
    run_until(h, t + 100 * SIM_MS);
    const seen *s = got(&f, fc);
    CHECK(s && s->m.u.find_coordinator_response.coordinator == 1);
    int16_t e;
    CHECK_EQ(fetched(&f, fe, 0, &e), 15);
    CHECK_EQ(fetched(&f, fe, 1, &e), 25);
    CHECK_EQ(error_of(&f, elsewhere), ERR_NOT_COORDINATOR);
    CHECK_EQ(error_of(&f, hb), ERR_NONE); /* the member is known to the new coordinator */
    s = got(&f, sy);
    CHECK(s && s->m.u.sync_group_response.error == ERR_NONE && s->word_count == 1 && s->words[0] == 0);
    group_view v = view_of(&f, 1);
    CHECK_EQ(v.state, GROUP_STABLE);
    CHECK_EQ(v.generation, 1);
    CHECK_EQ(v.members, 2);
    CHECK_EQ(v.leader, g.m1);
    int loaded = 0;
    for (size_t i = 0; i < h->hist.count; i++)
        if (h->hist.recs[i].kind == HIST_OFFSETS && h->hist.recs[i].b == HIST_OFFSETS_LOADED &&
            h->hist.recs[i].node == node_broker(1))
            loaded++;
    CHECK_EQ(loaded, 2);
    harness_fini(h);
}

/* An OffsetCommit of the most entries a request carries, queued behind another on a muted
 * connection: its out-of-line part fits the broker's queue (ASan would see an overflow). */
static void test_commit_queued_full(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    uint32_t corr[2];
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < PROTO_OFFSET_ENTRIES_MAX; i++)
            f.full[k][i] = (proto_offset_entry){.offset = (int64_t)(100 * k + i), .leader_epoch = -1,
                                                .partition = (uint16_t)(i % 2)};
        proto_msg m = commit(&f, g.m1, 1, 0, 0);
        m.u.offset_commit.entry_count = (uint16_t)PROTO_OFFSET_ENTRIES_MAX;
        m.u.offset_commit.entries = f.full[k];
        corr[k] = send_from(h, g.t, C1, 3, m);
    }
    run_until(h, g.t + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, corr[0]), ERR_NONE);
    CHECK_EQ(error_of(&f, corr[1]), ERR_NONE);
    /* The second's last entries are the cache's: the last record by log position wins. */
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), 100 + (int64_t)PROTO_OFFSET_ENTRIES_MAX - 2);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 1), 100 + (int64_t)PROTO_OFFSET_ENTRIES_MAX - 1);
    harness_fini(h);
}

static proto_msg txn_commit(gfix *f, int64_t pid, proto_member_id id, int32_t generation, int64_t o0,
                            int64_t o1) {
    proto_msg m = commit(f, id, generation, o0, o1);
    m.api = API_TXN_OFFSET_COMMIT;
    m.u.offset_commit.producer_id = pid;
    m.u.offset_commit.producer_epoch = 0;
    m.u.offset_commit.txn = 0;
    return m;
}

static proto_msg marker(gfix *f, int64_t pid, int32_t coordinator_epoch, bool commit) {
    static const uint16_t offsets_partition[1] = {G_OFFSETS};
    (void)f;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_WRITE_TXN_MARKERS;
    m.u.write_txn_markers.producer_id = pid;
    m.u.write_txn_markers.producer_epoch = 0;
    m.u.write_txn_markers.coordinator_epoch = coordinator_epoch;
    m.u.write_txn_markers.commit = commit;
    m.u.write_txn_markers.partition_count = 1;
    m.u.write_txn_markers.partitions = offsets_partition;
    return m;
}

/* TxnOffsetCommit (KIP-447): fenced by generation, taken without group metadata (pre-KIP-447),
 * pending until its marker (UNSTABLE_OFFSET_COMMIT to a requireStable fetch meanwhile), COMMIT
 * puts the offsets in the cache, ABORT drops them; a new coordinator loads the pending ones
 * and the committed ones. The markers come from a stand-in transaction coordinator. */
static void test_txn_offsets(void) {
    gfix f;
    gfix_init(&f);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    int64_t t = g.t;
    const node_id P1 = node_consumer_producer(0);
    uint32_t ok = send_from(h, t, P1, 3, txn_commit(&f, 5000, g.m1, 1, 8, 9));
    uint32_t zombie = send_from(h, t, C2, 3, txn_commit(&f, 6000, g.m2, 0, 1, 1));
    uint32_t old_api = send_from(h, t, C3, 3, txn_commit(&f, 7000, PROTO_MEMBER_UNKNOWN, -1, 3, 4));
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, ok), ERR_NONE);
    CHECK_EQ(error_of(&f, zombie), ERR_ILLEGAL_GENERATION);
    CHECK_EQ(error_of(&f, old_api), ERR_NONE); /* no group metadata: accepted on a Stable group */
    CHECK_EQ(view_of(&f, 3).pending_offsets, 4);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), -1);
    t = h->world.now_ns;
    uint32_t unstable = send_from(h, t, C3, 3, offset_fetch(&f, true));
    int32_t ce = h->brokers[3].partitions[G_OFFSETS].leader_epoch;
    uint32_t abort = send_from(h, t, C3, 3, marker(&f, 7000, ce, false));
    run_until(h, t + 100 * SIM_MS);
    int16_t e;
    fetched(&f, unstable, 0, &e);
    CHECK_EQ(e, ERR_UNSTABLE_OFFSET_COMMIT);
    CHECK(got(&f, abort) && got(&f, abort)->m.u.write_txn_markers_response.error == ERR_NONE);
    CHECK_EQ(view_of(&f, 3).pending_offsets, 2);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), -1); /* the abort dropped them */
    /* The coordinator crashes with producer 5000's offsets pending: broker-1 loads them as
     * pending; its COMMIT marker then makes them the committed offsets. */
    broker_crash(&h->brokers[3], false);
    run_until(h, h->world.now_ns + 15 * SIM_S);
    CHECK_EQ(broker_partition_leader(&h->brokers[1], G_OFFSETS), 1);
    CHECK_EQ(view_of(&f, 1).pending_offsets, 2);
    t = h->world.now_ns;
    uint32_t still = send_from(h, t, C3, 1, offset_fetch(&f, true));
    ce = h->brokers[1].partitions[G_OFFSETS].leader_epoch;
    uint32_t commit_marker = send_from(h, t + 10 * SIM_MS, C2, 1, marker(&f, 5000, ce, true));
    run_until(h, t + 100 * SIM_MS);
    fetched(&f, still, 0, &e);
    CHECK_EQ(e, ERR_UNSTABLE_OFFSET_COMMIT);
    CHECK(got(&f, commit_marker) != NULL);
    CHECK_EQ(group_coord_committed(h->brokers[1].group, 0), 8);
    CHECK_EQ(group_coord_committed(h->brokers[1].group, 1), 9);
    CHECK_EQ(view_of(&f, 1).pending_offsets, 0);
    int txn_completed = 0;
    for (size_t i = 0; i < h->hist.count; i++) {
        const history_rec *r = &h->hist.recs[i];
        if (r->kind == HIST_OFFSETS && r->b == HIST_OFFSETS_TXN && r->node == node_broker(1)) {
            txn_completed++;
            CHECK_EQ(r->f, 5000);
            CHECK_EQ((int32_t)r->a, 1);
        }
    }
    CHECK_EQ(txn_completed, 2);
    harness_fini(h);
}

/* The whole KIP-447 path with the real transaction coordinator (broker-2): InitProducerId,
 * AddOffsetsToTxn adds the group's __consumer_offsets partition to the transaction,
 * TxnOffsetCommit to the group coordinator, EndTxn(commit): the markers reach the offsets
 * partition's leader, which completes the offsets. */
static void test_txn_offsets_with_coordinator(void) {
    gfix f;
    gfix_init_with(&f, true);
    harness *h = &f.h;
    run_until(h, 100 * SIM_MS);
    formed g = form_group(&f, 100 * SIM_MS);
    int64_t t = g.t;
    const node_id P1 = node_consumer_producer(0);
    proto_msg ip;
    memset(&ip, 0, sizeof ip);
    ip.api = API_INIT_PRODUCER_ID;
    ip.u.init_pid.producer_id = -1;
    ip.u.init_pid.producer_epoch = -1;
    ip.u.init_pid.txn = 0;
    ip.u.init_pid.txn_timeout_ms = 60000;
    uint32_t c_ip = send_from(h, t, P1, 2, ip);
    run_until(h, t + 100 * SIM_MS);
    const seen *s = got(&f, c_ip);
    CHECK(s && s->m.u.init_pid_response.error == ERR_NONE);
    if (!s) return;
    int64_t pid = s->m.u.init_pid_response.producer_id;
    proto_msg ao;
    memset(&ao, 0, sizeof ao);
    ao.api = API_ADD_OFFSETS_TO_TXN;
    ao.u.add_offsets.producer_id = pid;
    ao.u.add_offsets.producer_epoch = 0;
    ao.u.add_offsets.txn = 0;
    t = h->world.now_ns;
    uint32_t c_ao = send_from(h, t, P1, 2, ao);
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, c_ao), ERR_NONE);
    txn_view tv;
    CHECK(txn_coord_view(h->brokers[2].txn, 0, &tv) && tv.state == TXN_ONGOING &&
          tv.partition_count == 1);
    t = h->world.now_ns;
    proto_msg tc = txn_commit(&f, pid, g.m1, 1, 33, 44);
    uint32_t c_tc = send_from(h, t, P1, 3, tc);
    run_until(h, t + 100 * SIM_MS);
    CHECK_EQ(error_of(&f, c_tc), ERR_NONE);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), -1);
    proto_msg et;
    memset(&et, 0, sizeof et);
    et.api = API_END_TXN;
    et.u.end_txn.producer_id = pid;
    et.u.end_txn.producer_epoch = 0;
    et.u.end_txn.txn = 0;
    et.u.end_txn.commit = 1;
    t = h->world.now_ns;
    uint32_t c_et = send_from(h, t, P1, 2, et);
    run_until(h, t + 200 * SIM_MS);
    CHECK(got(&f, c_et) != NULL);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 0), 33);
    CHECK_EQ(group_coord_committed(h->brokers[3].group, 1), 44);
    CHECK_EQ(view_of(&f, 3).pending_offsets, 0);
    harness_fini(h);
}

int main(void) {
    test_join_sync_heartbeat();
    test_session_expiry();
    test_barrier_and_leave();
    test_offsets();
    test_commit_timeout();
    test_failover();
    test_commit_queued_full();
    test_txn_offsets();
    test_txn_offsets_with_coordinator();
    (void)leo;
    (void)hw;
    (void)response;
    (void)produce;
    (void)history_first;
    return test_result("test_group_coordinator");
}
