/*
 * consumer.c: the Java KafkaConsumer of one application instance with the classic group
 * protocol (consumer.h).
 *
 * Sources (3.9 unless named): clients/src/main/java/org/apache/kafka/clients/consumer/internals/
 * ClassicKafkaConsumer.java (poll, updateAssignmentMetadataIfNeeded, pollForFetches),
 * AbstractCoordinator.java (ensureActiveGroup, joinGroupIfNeeded, JoinGroupResponseHandler,
 * SyncGroupResponseHandler, HeartbeatThread.run, maybeLeaveGroup), Heartbeat.java,
 * ConsumerCoordinator.java (poll, onJoinPrepare, onJoinComplete, maybeAutoCommitOffsetsAsync,
 * commitOffsetsSync/Async, sendOffsetCommitRequest, OffsetCommitResponseHandler,
 * refreshCommittedOffsetsIfNeeded, OffsetFetchResponseHandler), AbstractFetch.java
 * (prepareFetchRequests), FetchCollector.java (collectFetch, fetchRecords,
 * handleInitializeErrors), CompletedFetch.java (nextFetchedRecord: the read_committed filter),
 * OffsetFetcher.java (resetPositionsIfNeeded), SubscriptionState.java (allConsumed,
 * assignFromSubscribed); ../RangeAssignor.java, ../CooperativeStickyAssignor.java
 * (assignPartitions, adjustAssignment), AbstractStickyAssignor.java (allSubscriptionsEqual,
 * ConstrainedAssignmentBuilder). Semantics: txn-consumer-semantics.md section 3.
 *
 * Sections: plumbing and timers; requests (NetworkClient); metadata; the coordinator
 * (FindCoordinator); membership (JoinGroup, SyncGroup, the assignor, onJoinPrepare /
 * onJoinComplete, LeaveGroup); the heartbeat thread; positions (OffsetFetch, ListOffsets);
 * fetching and the buffer; commits; poll; lifecycle; checks.
 *
 * Simplifications, each named: one Fetch per partition (as the brokers' replica fetching, no
 * fetch sessions, KIP-227); the group requests share the client's connection to the
 * coordinator's broker (Kafka opens a second one, AbstractCoordinator's Integer.MAX_VALUE -
 * nodeId); retries wait retry.backoff.ms without the exponential backoff and jitter of 3.7+
 * (KIP-580); a poll() that returns nothing waits CONSUMER_POLL_TIMEOUT_NS; at most
 * CONSUMER_RECORDS_CAP records per poll whatever max.poll.records; no static membership; no
 * KIP-320 validation of positions after a leader change yet (a position past a truncated log
 * end is OFFSET_OUT_OF_RANGE and reset by auto.offset.reset).
 *
 * Rebalance protocols: EAGER (range, or range,cooperative-sticky, the 3.0+ default: every
 * partition is revoked before each JoinGroup) and COOPERATIVE (cooperative-sticky alone, KIP-429:
 * ConsumerCoordinator.onJoinPrepare revokes nothing, onJoinComplete revokes only the partitions
 * that move and rejoins, the next rebalance hands them out; the others are fetched, returned
 * and committed throughout). The leader runs the assignor the group coordinator chose
 * (GroupMetadata.selectProtocol): RangeAssignor or CooperativeStickyAssignor
 * (consumer_assign_sticky, over AbstractStickyAssignor's constrained builder).
 */
#include "consumer.h"

#include <stdlib.h>
#include <string.h>

#include "topics.h"

#define CONSUMER_REQUESTS_MAX 64         /* requests in flight over every connection */
#define CONSUMER_COMMITS_MAX 8           /* commits in flight or waiting for a coordinator */
#define CONSUMER_POLL_TIMEOUT_NS (100 * SIM_MS) /* the application's poll(Duration) */
#define CONSUMER_RECORDS_CAP CONSUMER_POLL_RECORDS_MAX /* records one poll returns at most */
#define CONSUMER_ABORTED_PIDS_MAX 32     /* producers of aborted transactions being skipped */
/* AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE: a JoinGroup may wait rebalance timeout + 5 s. */
#define CONSUMER_JOIN_TIMEOUT_LAPSE_NS (5 * SIM_S)

#define KAFKA_2_5 20500   /* KIP-447: OffsetFetch requireStable */
#define KAFKA_3_2 30200   /* KAFKA-13310: onJoinPrepare commits asynchronously */
#define KAFKA_3_2_1 30201 /* KAFKA-14024: ... and waits for it across polls */
#define KAFKA_3_2_3 30203 /* KAFKA-14196: partitions awaiting that commit are not returned */

enum consumer_event {
    CONSUMER_EV_HEARTBEAT = 1, /* the heartbeat thread wakes */
    CONSUMER_EV_POLL,          /* the application's poll() times out, or a backoff ends */
    CONSUMER_EV_REQUESTS,      /* the oldest request may be past its timeout */
    CONSUMER_EV_RESUME,        /* a pause ended */
};

/* Member states (AbstractCoordinator.MemberState). */
enum {
    MEMBER_UNJOINED = 0,
    MEMBER_PREPARING_REBALANCE,  /* JoinGroup sent */
    MEMBER_COMPLETING_REBALANCE, /* SyncGroup sent */
    MEMBER_STABLE,
};

/* Where a partition's position stands (SubscriptionState.FetchStates). */
enum {
    POS_NONE = 0,      /* not assigned */
    POS_COMMITTED,     /* INITIALIZING: the committed offset is asked for */
    POS_RESET,         /* AWAIT_RESET: ListOffsets per auto.offset.reset */
    POS_VALID,         /* FETCHING */
    POS_FAILED,        /* auto.offset.reset=none and no committed offset */
};

typedef struct consumer_request {
    int64_t sent_ns;
    int64_t timeout_ns;
    int64_t offset;            /* Fetch: the position asked */
    uint32_t correlation;
    int16_t broker;
    uint8_t api;
    uint8_t commit;            /* OffsetCommit: its slot */
    uint16_t partition;        /* Fetch, ListOffsets */
} consumer_request;

typedef struct consumer_commit_slot {
    bool used;
    bool sent;
    uint8_t kind;              /* HIST_COMMIT_* */
    bool app;                  /* the application's commit: on_commit answers it */
    bool sync;                 /* commitSync: retriable errors retried */
    int64_t deadline_ns;       /* commitSync / onJoinPrepare: retries end */
    int64_t retry_at_ns;
    uint16_t count;
    proto_offset_entry *entries; /* owned, partition_count */
} consumer_commit_slot;

typedef struct consumer_partition {
    int64_t position;          /* next offset to return, -1 none */
    int32_t position_epoch;    /* leader epoch of the last record returned, -1 none */
    int32_t leader_epoch;      /* from metadata, -1 unknown */
    int16_t leader;            /* broker id, -1 unknown */
    uint8_t pos;               /* POS_* */
    bool fetching;             /* a Fetch is in flight */
    bool listing;              /* a ListOffsets is in flight */
    bool buffered;             /* a completed fetch is in the queue */
    int64_t retry_at_ns;       /* no Fetch / ListOffsets before */
    /* The completed fetch (CompletedFetch). */
    proto_batch *batches;      /* owned, PROTO_FETCH_BATCHES_MAX */
    proto_aborted_txn *aborted; /* owned, PROTO_OUTLINE_BYTES_MAX / 16, by first offset */
    uint16_t batch_count, batch_next;
    uint16_t aborted_count, aborted_next;
    int64_t aborted_pids[CONSUMER_ABORTED_PIDS_MAX];
    int aborted_pid_count;
} consumer_partition;

struct consumer {
    consumer_env env;
    const config *cfg;
    int index;
    node_id node;
    uint16_t kind;
    uint32_t session;          /* a process: bumped by a crash and a restart */
    bool started, crashed, closed;
    int bootstrap[PROTO_BROKERS_MAX];
    int bootstrap_count, bootstrap_next;
    int64_t paused_until_ns;
    proto_msg *deferred;
    uint32_t deferred_count, deferred_capacity;
    unsigned char *deferred_outline;
    size_t deferred_outline_used, deferred_outline_capacity;

    uint32_t correlation_next;
    consumer_request reqs[CONSUMER_REQUESTS_MAX];
    int req_count;
    sim_timer req_timer;

    int partition_count;       /* the workload's partitions: g < this */
    consumer_partition *parts;
    bool metadata_needed, metadata_in_flight;
    int metadata_page;
    int64_t metadata_after_ns;

    int coordinator;           /* broker id, -1 unknown */
    bool find_in_flight;
    int64_t find_after_ns;

    int state;                 /* MEMBER_* */
    proto_member_id member_id;
    int32_t generation;
    proto_member_id leader_id;
    bool rejoin_needed;        /* rejoinNeeded */
    bool needs_join_prepare;   /* needsJoinPrepare */
    bool join_prepare_waiting; /* onJoinPrepare's commit is awaited */
    int64_t join_prepare_deadline_ns;
    bool join_complete_pending; /* SyncGroup answered: onJoinComplete at the next poll */
    consumer_group_metadata joined; /* ConsumerCoordinator.groupMetadata: set by onJoinComplete
                                     * only (and the constructor), so it outlives a reset of
                                     * the generation (KafkaConsumer.groupMetadata, 3.9) */
    int64_t join_after_ns;
    uint16_t *sync_assignment;  /* owned, partition_count: the SyncGroup's assignment */
    int sync_assignment_count;
    uint32_t *words;            /* owned: the leader's SyncGroup assignments */
    int8_t *sticky_scratch;     /* owned: consumer_assign_sticky's */
    uint16_t *revoking;         /* owned, partition_count: a cooperative revocation's */
    uint16_t *owned;            /* owned, partition_count: the current assignment, g order */
    int owned_count;

    sim_timer hb_timer;
    bool hb_in_flight;
    int64_t hb_next_ns;         /* heartbeatTimer */
    int64_t hb_session_start_ns; /* sessionTimer: the last heartbeat answer */
    int64_t last_poll_ns;       /* pollTimer */

    consumer_commit_slot commits[CONSUMER_COMMITS_MAX];
    int64_t next_auto_commit_ns;
    bool close_pending;

    bool poll_pending;          /* the application waits in poll() */
    int64_t poll_deadline_ns;
    sim_timer poll_timer;
    int64_t poll_timer_ns;
    consumer_record *records;   /* owned, records_cap */
    int records_cap;
    uint16_t *queue;            /* owned ring of partitions with a completed fetch, arrival order */
    int queue_head, queue_count;
    bool committed_wanted;      /* consumer_fetch_committed asked */
};

/* ---- Plumbing and timers -------------------------------------------------------------------- */

static int64_t now_ns(const consumer *c) { return sim_now(c->env.world); }

static uint64_t consumer_arg(const consumer *c, enum consumer_event what) {
    return (uint64_t)what | (uint64_t)(c->session & 0xffffffu) << 8;
}

static void consumer_step(consumer *c, proto_step s, int g) {
    if (c->env.step_fn) c->env.step_fn(c->env.step_ctx, c->node, s, g);
}

static bool consumer_alive(const consumer *c) { return c->started && !c->crashed && !c->closed; }

static void consumer_tick(consumer *c);

/* Wakes the client at t at the latest (a backoff's end, the poll timeout). */
static void consumer_wake_at(consumer *c, int64_t t) {
    if (t < now_ns(c)) t = now_ns(c);
    if (sim_timer_armed(&c->poll_timer) && c->poll_timer_ns <= t) return;
    c->poll_timer_ns = t;
    sim_timer_arm(c->env.world, &c->poll_timer, t, c->kind, consumer_arg(c, CONSUMER_EV_POLL));
}

/* ---- Requests (NetworkClient) ------------------------------------------------------------- */

static void consumer_requests_arm(consumer *c) {
    int64_t first = SIM_TIME_NEVER;
    for (int k = 0; k < c->req_count; k++) {
        int64_t at = c->reqs[k].sent_ns + c->reqs[k].timeout_ns;
        if (at < first) first = at;
    }
    if (first == SIM_TIME_NEVER) {
        sim_timer_cancel(&c->req_timer);
        return;
    }
    if (first < now_ns(c)) first = now_ns(c);
    sim_timer_arm(c->env.world, &c->req_timer, first, c->kind,
                  consumer_arg(c, CONSUMER_EV_REQUESTS));
}

/* Sends m to broker and remembers it; NULL when the table is full (nothing sent). */
static consumer_request *consumer_send(consumer *c, int broker, proto_msg *m, int64_t timeout_ns) {
    if (c->req_count == CONSUMER_REQUESTS_MAX) return NULL;
    m->from = c->node;
    m->to = node_broker(broker);
    m->is_response = 0;
    m->correlation_id = c->correlation_next++;
    m->conn_gen = 0;
    consumer_request *r = &c->reqs[c->req_count++];
    memset(r, 0, sizeof *r);
    r->sent_ns = now_ns(c);
    r->timeout_ns = timeout_ns;
    r->correlation = m->correlation_id;
    r->broker = (int16_t)broker;
    r->api = m->api;
    r->partition = m->partition;
    net_send(c->env.net, m);
    consumer_requests_arm(c);
    return r;
}

static bool consumer_take(consumer *c, int broker, uint32_t correlation, consumer_request *out) {
    for (int k = 0; k < c->req_count; k++) {
        if (c->reqs[k].correlation != correlation || c->reqs[k].broker != broker) continue;
        *out = c->reqs[k];
        memmove(&c->reqs[k], &c->reqs[k + 1], (size_t)(c->req_count - k - 1) * sizeof c->reqs[0]);
        c->req_count--;
        consumer_requests_arm(c);
        return true;
    }
    return false;
}

static bool consumer_in_flight(const consumer *c, int api) {
    for (int k = 0; k < c->req_count; k++)
        if (c->reqs[k].api == api) return true;
    return false;
}

static int consumer_pick_broker(consumer *c) {
    int b = c->bootstrap[c->bootstrap_next % c->bootstrap_count];
    c->bootstrap_next = (c->bootstrap_next + 1) % c->bootstrap_count;
    return b;
}

/* ---- Metadata ----------------------------------------------------------------------------- */

static void consumer_metadata_request(consumer *c) {
    if (!c->metadata_needed || c->metadata_in_flight || now_ns(c) < c->metadata_after_ns) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_METADATA;
    int left = c->partition_count - c->metadata_page;
    m.partition = (uint16_t)c->metadata_page;
    m.u.metadata.partition_count =
        (uint16_t)(left < PROTO_METADATA_PARTITIONS_MAX ? left : PROTO_METADATA_PARTITIONS_MAX);
    if (consumer_send(c, consumer_pick_broker(c), &m, c->cfg->request_timeout_ns))
        c->metadata_in_flight = true;
}

static void consumer_on_metadata(consumer *c, const proto_msg *m) {
    c->metadata_in_flight = false;
    const proto_metadata_response *r = &m->u.metadata_response;
    int count = r->partition_count ? r->partition_count : 1;
    if (m->partition != c->metadata_page) return;
    bool missing = false;
    for (int k = 0; k < count && m->partition + k < c->partition_count; k++) {
        proto_metadata_partition e = proto_metadata_at(r, k);
        consumer_partition *p = &c->parts[m->partition + k];
        bool known = e.error == ERR_NONE && e.leader > 0 && e.leader <= PROTO_BROKERS_MAX;
        p->leader = known ? e.leader : -1;
        p->leader_epoch = known ? e.leader_epoch : -1;
        missing |= !known;
    }
    c->metadata_page = m->partition + count;
    if (c->metadata_page < c->partition_count) return;
    c->metadata_page = 0;
    c->metadata_needed = missing; /* a partition without a leader: ask again after the backoff */
    c->metadata_after_ns = now_ns(c) + c->cfg->retry_backoff_ns;
    if (missing) consumer_wake_at(c, c->metadata_after_ns);
}

static void consumer_metadata_refresh(consumer *c) {
    c->metadata_needed = true;
    if (now_ns(c) >= c->metadata_after_ns) return;
    consumer_wake_at(c, c->metadata_after_ns);
}

/* ---- The coordinator (AbstractCoordinator.lookupCoordinator, markCoordinatorUnknown) ------- */

static void consumer_coordinator_lookup(consumer *c) {
    if (c->coordinator >= 0 || c->find_in_flight) return;
    if (now_ns(c) < c->find_after_ns) {
        consumer_wake_at(c, c->find_after_ns);
        return;
    }
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_FIND_COORDINATOR;
    m.u.find_coordinator.key_type = PROTO_COORDINATOR_GROUP;
    m.u.find_coordinator.txn = 0; /* the world's one group */
    if (consumer_send(c, consumer_pick_broker(c), &m, c->cfg->request_timeout_ns))
        c->find_in_flight = true;
}

static void consumer_join_failed(consumer *c);

/* markCoordinatorUnknown: requests in flight to it are forgotten (their answers ignored); a
 * JoinGroup or SyncGroup among them fails, to be sent again. */
static void consumer_coordinator_unknown(consumer *c) {
    if (c->coordinator < 0) return;
    int old = c->coordinator;
    c->coordinator = -1;
    c->hb_in_flight = false;
    bool join = false;
    for (int k = 0; k < c->req_count;) {
        consumer_request *r = &c->reqs[k];
        bool group = r->broker == old && r->api != API_FETCH && r->api != API_LIST_OFFSETS &&
                     r->api != API_METADATA;
        if (!group) {
            k++;
            continue;
        }
        if (r->api == API_JOIN_GROUP || r->api == API_SYNC_GROUP) join = true;
        if (r->api == API_OFFSET_COMMIT) {
            c->commits[r->commit].sent = false;
            c->commits[r->commit].retry_at_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        }
        memmove(r, r + 1, (size_t)(c->req_count - k - 1) * sizeof *r);
        c->req_count--;
    }
    consumer_requests_arm(c);
    if (join) consumer_join_failed(c);
    c->find_after_ns = now_ns(c) + c->cfg->retry_backoff_ns;
    consumer_wake_at(c, c->find_after_ns);
}

static void consumer_on_find_coordinator(consumer *c, const proto_msg *m) {
    c->find_in_flight = false;
    const proto_find_coordinator_response *r = &m->u.find_coordinator_response;
    if (r->error != ERR_NONE || r->coordinator < 1 || r->coordinator > PROTO_BROKERS_MAX) {
        if (r->error != ERR_NONE)
            history_error(c->env.history, now_ns(c), c->node, API_FIND_COORDINATOR, r->error);
        c->find_after_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        consumer_wake_at(c, c->find_after_ns);
        return;
    }
    c->coordinator = r->coordinator;
    c->hb_session_start_ns = now_ns(c); /* Heartbeat.resetSessionTimeout on a new coordinator */
}

/* ---- Membership (AbstractCoordinator, ConsumerCoordinator) -------------------------------- */

static bool consumer_is_assigned(const consumer *c, int g) { return c->parts[g].pos != POS_NONE; }

static void consumer_partition_release(consumer *c, int g) {
    consumer_partition *p = &c->parts[g];
    p->pos = POS_NONE;
    p->position = -1;
    p->position_epoch = -1;
    p->batch_count = p->batch_next = 0;
    p->aborted_count = p->aborted_next = 0;
    p->aborted_pid_count = 0;
    /* A buffered fetch of it stays in the queue and is dropped when reached (fetchRecords:
     * "not assigned"). */
}

/* Revokes (or loses) the whole assignment: HIST_ASSIGN, then the listener. */
static void consumer_assignment_drop(consumer *c, int what) {
    if (c->owned_count == 0) return;
    for (int k = 0; k < c->owned_count; k++) {
        history_assign(c->env.history, now_ns(c), c->node, c->owned[k], c->generation, what,
                       c->member_id);
        consumer_partition_release(c, c->owned[k]);
    }
    int n = c->owned_count;
    c->owned_count = 0;
    void (*fn)(void *, const uint16_t *, int) =
        what == HIST_ASSIGN_LOST ? c->env.app.on_lost : c->env.app.on_revoked;
    if (fn) fn(c->env.app.ctx, c->owned, n);
}

/* resetGenerationOnResponseError / resetStateAndGeneration: the member is out of the group;
 * its partitions are lost at the next rejoin. */
static void consumer_reset_generation(consumer *c, bool reset_member_id) {
    c->generation = PROTO_GENERATION_NONE;
    if (reset_member_id) c->member_id = PROTO_MEMBER_UNKNOWN;
    c->state = MEMBER_UNJOINED;
    c->rejoin_needed = true;
}

static void consumer_join_failed(consumer *c) {
    c->state = MEMBER_UNJOINED;
    c->rejoin_needed = true;
    c->join_after_ns = now_ns(c) + c->cfg->retry_backoff_ns;
    consumer_wake_at(c, c->join_after_ns);
}

/* The rebalance protocol (ConsumerCoordinator's constructor): the highest one every configured
 * assignor supports. RangeAssignor supports EAGER only, CooperativeStickyAssignor COOPERATIVE
 * and EAGER: cooperative-sticky alone is COOPERATIVE; range,cooperative-sticky (the 3.0+
 * default) is EAGER whichever assignor the group chooses. */
static bool consumer_cooperative(const consumer *c) {
    return c->cfg->assignment_strategy == CONFIG_ASSIGN_COOPERATIVE;
}

static uint8_t consumer_protocols(const consumer *c) {
    switch (c->cfg->assignment_strategy) {
    case CONFIG_ASSIGN_COOPERATIVE: return PROTO_ASSIGNOR_COOPERATIVE_STICKY;
    case CONFIG_ASSIGN_RANGE_COOPERATIVE:
        return PROTO_ASSIGNOR_RANGE | PROTO_ASSIGNOR_COOPERATIVE_STICKY;
    default: return PROTO_ASSIGNOR_RANGE;
    }
}

static void consumer_join_send(consumer *c) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_JOIN_GROUP;
    proto_join_group_request *j = &m.u.join_group;
    j->member_id = c->member_id;
    j->session_timeout_ms = (int32_t)(c->cfg->session_timeout_ns / SIM_MS);
    j->rebalance_timeout_ms = (int32_t)(c->cfg->max_poll_interval_ns / SIM_MS);
    /* metadata(): the subscription carries the owned partitions and their generation. Eager
     * revoked everything in onJoinPrepare: nothing owned (and no generation: range ignores it). */
    j->owned_generation = PROTO_GENERATION_NONE;
    if (consumer_cooperative(c) && c->owned_count > 0) {
        j->owned_generation = c->generation;
        j->owned_count = (uint16_t)c->owned_count;
        j->owned = c->owned;
    }
    j->protocols = consumer_protocols(c);
    j->preferred = c->cfg->assignment_strategy == CONFIG_ASSIGN_COOPERATIVE
                       ? PROTO_ASSIGNOR_COOPERATIVE_STICKY
                       : PROTO_ASSIGNOR_RANGE;
    if (!consumer_send(c, c->coordinator, &m,
                       c->cfg->max_poll_interval_ns + CONSUMER_JOIN_TIMEOUT_LAPSE_NS))
        return;
    c->state = MEMBER_PREPARING_REBALANCE;
    consumer_step(c, STEP_CONSUMER_JOINING, 0);
}

/* RangeAssignor.assign: per topic, the members sorted by member id take count / members
 * partitions each, the first count % members one more. words: the JoinGroup answer's members
 * [member_id, node, owned_generation, owned count, g...]. Writes the SyncGroup's assignment
 * words [member_id, count, g...] into c->words; returns how many. */
static int consumer_assign_range(consumer *c, const uint32_t *words, int word_count) {
    proto_member_id ids[CONSUMER_ASSIGN_MEMBERS_MAX];
    int members = 0;
    for (int at = 0; at + 4 <= word_count && members < (int)(sizeof ids / sizeof ids[0]);) {
        ids[members++] = words[at];
        at += 4 + (int)words[at + 3];
    }
    for (int i = 1; i < members; i++) /* insertion sort: a handful of members */
        for (int j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            proto_member_id t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    const topic_table *t = &c->cfg->topics;
    int out = 0;
    for (int m = 0; m < members; m++) {
        c->words[out++] = ids[m];
        int count_at = out++;
        int count = 0;
        for (int k = 0; k < t->workload_topics; k++) {
            const topic_info *ti = &t->topics[k];
            int per = ti->count / members, extra = ti->count % members;
            int start = per * m + (m < extra ? m : extra);
            int n = per + (m < extra ? 1 : 0);
            for (int q = 0; q < n; q++) c->words[out++] = (uint32_t)(ti->first + start + q);
            count += n;
        }
        c->words[count_at] = (uint32_t)count;
    }
    return out;
}

/* CooperativeStickyAssignor.assignPartitions over AbstractStickyAssignor (3.9): every member
 * subscribes to the same topics here, so the ConstrainedAssignmentBuilder runs:
 * - allSubscriptionsEqual: each member's owned partitions with its generation; a partition two
 *   members claim in the same generation is kept by neither (partitionsWithMultiplePreviousOwners),
 *   in different generations the higher generation's claim wins;
 * - quotas: minQuota = partitions / members, maxQuota = ceil(partitions / members), and
 *   partitions % members members may hold maxQuota (expectedNumMembersWithOverMinQuotaPartitions);
 * - assignOwnedPartitions: each member keeps its owned partitions (sorted) up to its quota, the
 *   rest may be revoked (maybeRevokedPartitions);
 * - assignRoundRobin: the unassigned partitions go round-robin to the members under minQuota,
 *   then one each to members at exactly minQuota; a partition given to another member than the
 *   one that may revoke it (or claimed twice) transfers ownership (assignNewPartition);
 * - CooperativeStickyAssignor.adjustAssignment: partitions transferring ownership are left out of
 *   this assignment; their owner revokes them and the next rebalance hands them out.
 * Simplifications: members in member id order and topics in the table's order where Kafka
 * iterates hash maps and sorts topic names; no racks (KIP-881); owned partitions sort by g (Kafka
 * sorts by partition, then topic: the same for one topic).
 * words: the JoinGroup answer's [member_id, node, owned_generation, owned count, g ...] per
 * member; out: the SyncGroup's [member_id, count, g ...] per member, g ascending (room for
 * 2 * members + workload partitions words); scratch: CONSUMER_STICKY_SCRATCH(t) bytes. Returns
 * the words written. */
typedef struct sticky_member {
    uint32_t id;
    int32_t gen; /* the generation its owned partitions belong to */
    int at;      /* its words: owned partitions from words[at + 4] */
} sticky_member;

int consumer_assign_sticky(const topic_table *t, const uint32_t *words, int word_count,
                           uint32_t *out, int8_t *scratch) {
    enum { M = CONSUMER_ASSIGN_MEMBERS_MAX };
    sticky_member mem[M];
    int members = 0;
    for (int at = 0; at + 4 <= word_count && members < M;) {
        int n = (int)words[at + 3];
        if (at + 4 + n > word_count) break;
        mem[members].id = words[at];
        mem[members].gen = (int32_t)words[at + 2];
        mem[members].at = at;
        members++;
        at += 4 + n;
    }
    for (int i = 1; i < members; i++) /* insertion sort by member id */
        for (int j = i; j > 0 && mem[j - 1].id > mem[j].id; j--) {
            sticky_member x = mem[j];
            mem[j] = mem[j - 1];
            mem[j - 1] = x;
        }
    if (members == 0) return 0;
    int P = t->workload_partitions;
    int8_t *prev = scratch, *claim = scratch + P, *multi = scratch + 2 * P,
           *revoking = scratch + 3 * P, *owner = scratch + 4 * P;
    memset(scratch, -1, (size_t)CONSUMER_STICKY_SCRATCH(t));
    memset(multi, 0, (size_t)P);
    /* allSubscriptionsEqual: consumerToOwnedPartitions and partitionsWithMultiplePreviousOwners. */
    for (int m = 0; m < members; m++) {
        int at = mem[m].at, n = (int)words[at + 3];
        for (int k = 0; k < n; k++) {
            uint32_t g = words[at + 4 + k];
            if (g >= (uint32_t)P) continue; /* not a subscribed topic's */
            int o = prev[g];
            if (o < 0) {
                claim[g] = (int8_t)m;
                prev[g] = (int8_t)m;
            } else if (mem[m].gen == mem[o].gen) { /* the same generation: neither keeps it */
                multi[g] = 1;
                if (claim[g] == o) claim[g] = -1;
                prev[g] = (int8_t)m;
            } else if (mem[m].gen > mem[o].gen) { /* the higher generation's claim wins */
                claim[g] = (int8_t)m;
                prev[g] = (int8_t)m;
            }
        }
    }
    int8_t *transfer = prev; /* from here on: partitionsTransferringOwnership */
    memset(transfer, 0, (size_t)P);
    int min_quota = P / members, max_quota = (P + members - 1) / members;
    int expected_over = P % members, over = 0;
    int count[M] = {0};
    int8_t under[M], exact[M];
    int under_n = 0, exact_n = 0;
    /* assignOwnedPartitions: owned partitions in g order, doubly claimed ones dropped. */
    for (int m = 0; m < members; m++) {
        int owned = 0;
        for (int g = 0; g < P; g++) owned += claim[g] == m && !multi[g];
        int keep;
        if (owned < min_quota) {
            keep = owned;
            under[under_n++] = (int8_t)m;
        } else if (owned >= max_quota && over < expected_over) {
            if (++over == expected_over) exact_n = 0;
            keep = max_quota;
        } else {
            keep = min_quota;
            if (over < expected_over) exact[exact_n++] = (int8_t)m;
        }
        for (int g = 0; g < P; g++) {
            if (claim[g] != m || multi[g]) continue;
            if (keep > 0) {
                owner[g] = (int8_t)m;
                count[m]++;
                keep--;
            } else {
                revoking[g] = (int8_t)m; /* maybeRevokedPartitions */
            }
        }
    }
    /* assignRoundRobin over the unassigned partitions, g order. */
    int next = 0; /* the iterator over under[] */
    for (int g = 0; g < P; g++) {
        if (owner[g] >= 0) continue;
        int m;
        bool from_under = true;
        if (next < under_n) {
            m = under[next++];
        } else if (under_n == 0 && exact_n == 0) {
            break; /* "No more unfilled consumers to be assigned" cannot happen: P is split */
        } else if (under_n == 0) {
            m = exact[0];
            from_under = false;
            memmove(exact, exact + 1, (size_t)--exact_n);
        } else {
            next = 0;
            m = under[next++];
        }
        owner[g] = (int8_t)m;
        int assigned = ++count[m];
        /* assignNewPartition: partitionsTransferringOwnership */
        transfer[g] = (int8_t)((revoking[g] >= 0 && revoking[g] != m) || multi[g]);
        if (assigned == min_quota && from_under) {
            memmove(under + next - 1, under + next, (size_t)(under_n - next));
            under_n--;
            next--;
            exact[exact_n++] = (int8_t)m;
        } else if (assigned == max_quota) {
            over++;
        }
    }
    /* adjustAssignment: a partition transferring ownership is given in the next rebalance. */
    for (int g = 0; g < P; g++)
        if (transfer[g]) owner[g] = -1;
    int n = 0;
    for (int m = 0; m < members; m++) {
        out[n++] = mem[m].id;
        int count_at = n++, c = 0;
        for (int g = 0; g < P; g++)
            if (owner[g] == m) {
                out[n++] = (uint32_t)g;
                c++;
            }
        out[count_at] = (uint32_t)c;
    }
    return n;
}

static void consumer_sync_send(consumer *c, const proto_join_group_response *r) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_SYNC_GROUP;
    m.u.sync_group.member_id = c->member_id;
    m.u.sync_group.generation = c->generation;
    if (r->leader_id == c->member_id) { /* onLeaderElected: the group's assignor */
        int n = r->protocol == PROTO_ASSIGNOR_COOPERATIVE_STICKY
                    ? consumer_assign_sticky(&c->cfg->topics, r->members, r->member_words,
                                             c->words, c->sticky_scratch)
                    : consumer_assign_range(c, r->members, r->member_words);
        m.u.sync_group.assignment_words = (uint16_t)n;
        m.u.sync_group.assignments = c->words;
    }
    if (!consumer_send(c, c->coordinator, &m, c->cfg->request_timeout_ns)) {
        consumer_join_failed(c);
        return;
    }
    c->state = MEMBER_COMPLETING_REBALANCE;
}

/* JoinGroupResponseHandler. */
static void consumer_on_join(consumer *c, const proto_msg *m) {
    const proto_join_group_response *r = &m->u.join_group_response;
    if (c->state != MEMBER_PREPARING_REBALANCE) return;
    switch (r->error) {
    case ERR_NONE:
        c->member_id = r->member_id;
        c->generation = r->generation;
        c->leader_id = r->leader_id;
        /* The heartbeat thread runs again once joined (HeartbeatThread.enable). */
        c->hb_session_start_ns = now_ns(c);
        consumer_sync_send(c, r);
        return;
    case ERR_MEMBER_ID_REQUIRED: /* KIP-394: join again with the id given */
        c->member_id = r->member_id;
        c->state = MEMBER_UNJOINED;
        c->rejoin_needed = true;
        c->join_after_ns = 0;
        return;
    case ERR_UNKNOWN_MEMBER_ID:
    case ERR_ILLEGAL_GENERATION:
        consumer_reset_generation(c, true);
        consumer_join_failed(c);
        return;
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR:
        consumer_join_failed(c);
        consumer_coordinator_unknown(c);
        return;
    default: /* COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS, ...: retry */
        history_error(c->env.history, now_ns(c), c->node, API_JOIN_GROUP, r->error);
        consumer_join_failed(c);
        return;
    }
}

/* SyncGroupResponseHandler: the assignment is taken at the next poll (onJoinComplete). */
static void consumer_on_sync(consumer *c, const proto_msg *m) {
    const proto_sync_group_response *r = &m->u.sync_group_response;
    if (c->state != MEMBER_COMPLETING_REBALANCE) return;
    switch (r->error) {
    case ERR_NONE: {
        int n = 0;
        for (int k = 0; k < r->assignment_count; k++)
            if (r->assignment[k] < c->partition_count) c->sync_assignment[n++] = r->assignment[k];
        c->sync_assignment_count = n;
        c->state = MEMBER_STABLE;
        c->rejoin_needed = false;
        c->join_complete_pending = true;
        c->hb_next_ns = now_ns(c) + c->cfg->heartbeat_interval_ns;
        return;
    }
    case ERR_UNKNOWN_MEMBER_ID:
    case ERR_ILLEGAL_GENERATION:
        consumer_reset_generation(c, r->error == ERR_UNKNOWN_MEMBER_ID);
        consumer_join_failed(c);
        return;
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR:
        consumer_join_failed(c);
        consumer_coordinator_unknown(c);
        return;
    default: /* REBALANCE_IN_PROGRESS: join again */
        consumer_join_failed(c);
        return;
    }
}

static void consumer_commit_all_consumed(consumer *c, int kind, bool app, bool sync,
                                         int64_t deadline_ns);
static bool consumer_commit_pending_of(const consumer *c, int kind);

/* onJoinPrepare (ConsumerCoordinator), by release: the auto commit of what was consumed, then
 * the eager protocol revokes everything; the cooperative one revokes only the partitions of
 * topics no longer subscribed (none here: the subscription never changes) and keeps fetching
 * and returning the rest while the group rebalances. A member whose generation was reset
 * (evicted) commits nothing and loses its partitions. Returns true when JoinGroup may go. */
static bool consumer_join_prepare(consumer *c) {
    int v = c->cfg->kafka_version;
    if (c->needs_join_prepare) {
        c->needs_join_prepare = false;
        if (c->generation == PROTO_GENERATION_NONE) {
            consumer_assignment_drop(c, HIST_ASSIGN_LOST); /* onPartitionsLost */
            return true;
        }
        if (c->cfg->enable_auto_commit && c->owned_count > 0) {
            /* <= 3.1 maybeAutoCommitOffsetsSync(rebalance timeout); 3.2.0 async, not waited
             * for (KAFKA-13310); 3.2.1+ async, waited for across polls up to the rebalance
             * timeout (KAFKA-14024). */
            bool wait = v < KAFKA_3_2 || v >= KAFKA_3_2_1;
            consumer_commit_all_consumed(c, HIST_COMMIT_JOIN, false, true,
                                         now_ns(c) + c->cfg->max_poll_interval_ns);
            c->join_prepare_waiting = wait;
            c->join_prepare_deadline_ns = now_ns(c) + c->cfg->max_poll_interval_ns;
        }
    }
    if (c->join_prepare_waiting) {
        if (consumer_commit_pending_of(c, HIST_COMMIT_JOIN) && now_ns(c) < c->join_prepare_deadline_ns)
            return false;
        c->join_prepare_waiting = false;
    }
    if (c->owned_count > 0) {
        if (c->generation == PROTO_GENERATION_NONE) consumer_assignment_drop(c, HIST_ASSIGN_LOST);
        else if (!consumer_cooperative(c))
            consumer_assignment_drop(c, HIST_ASSIGN_REVOKED); /* eager: revoke all */
    }
    return true;
}

/* onJoinComplete, COOPERATIVE: the owned partitions not in the new assignment are revoked
 * (onPartitionsRevoked) and the member rejoins at once ("need to revoke partitions and
 * re-join"), so the next rebalance can hand them out; the kept ones keep their positions and
 * their fetches (SubscriptionState.assignFromSubscribed keeps a partition's state). c->owned
 * becomes the kept partitions, in g order. */
static void consumer_join_complete_revoke(consumer *c) {
    int kept = 0, revoked = 0;
    for (int k = 0; k < c->owned_count; k++) {
        int g = c->owned[k];
        bool assigned = false;
        for (int q = 0; q < c->sync_assignment_count && !assigned; q++)
            assigned = c->sync_assignment[q] == g;
        if (assigned) {
            c->owned[kept++] = (uint16_t)g;
            continue;
        }
        history_assign(c->env.history, now_ns(c), c->node, g, c->generation,
                       HIST_ASSIGN_REVOKED_COOPERATIVE, c->member_id);
        consumer_partition_release(c, g);
        c->revoking[revoked++] = (uint16_t)g;
    }
    c->owned_count = kept;
    if (revoked == 0) return;
    if (c->env.app.on_revoked) c->env.app.on_revoked(c->env.app.ctx, c->revoking, revoked);
    c->rejoin_needed = true; /* requestRejoin("need to revoke partitions and re-join") */
}

/* c->owned in g order (what the next JoinGroup's subscription carries). */
static void consumer_owned_sort(consumer *c) {
    for (int i = 1; i < c->owned_count; i++)
        for (int j = i; j > 0 && c->owned[j - 1] > c->owned[j]; j--) {
            uint16_t x = c->owned[j];
            c->owned[j] = c->owned[j - 1];
            c->owned[j - 1] = x;
        }
}

/* onJoinComplete: the new assignment; positions come from the committed offsets (a partition
 * kept through a cooperative rebalance keeps its position). on_assigned hears the added ones. */
static void consumer_join_complete(consumer *c) {
    c->join_complete_pending = false;
    c->joined = (consumer_group_metadata){.member_id = c->member_id, .generation = c->generation};
    c->needs_join_prepare = true;
    int kept = 0;
    if (consumer_cooperative(c)) {
        consumer_join_complete_revoke(c);
        kept = c->owned_count;
    }
    c->owned_count = kept;
    for (int k = 0; k < c->sync_assignment_count; k++) {
        int g = c->sync_assignment[k];
        consumer_partition *p = &c->parts[g];
        if (p->pos != POS_NONE) continue;
        c->owned[c->owned_count++] = (uint16_t)g;
        p->pos = POS_COMMITTED;
        p->position = -1;
        p->retry_at_ns = 0;
        history_assign(c->env.history, now_ns(c), c->node, g, c->generation, HIST_ASSIGN_ASSIGNED,
                       c->member_id);
    }
    /* The auto commit timer restarts with the assignment. */
    c->next_auto_commit_ns = now_ns(c) + c->cfg->auto_commit_interval_ns;
    if (c->env.app.on_assigned)
        c->env.app.on_assigned(c->env.app.ctx, c->owned + kept, c->owned_count - kept);
    if (kept > 0) consumer_owned_sort(c);
}

/* ensureActiveGroup, from poll only: the coordinator, onJoinPrepare, JoinGroup. */
static void consumer_ensure_active_group(consumer *c) {
    if (c->coordinator < 0) {
        consumer_coordinator_lookup(c);
        return;
    }
    if (c->join_complete_pending) consumer_join_complete(c);
    bool joining = c->state == MEMBER_PREPARING_REBALANCE || c->state == MEMBER_COMPLETING_REBALANCE;
    if (!(c->rejoin_needed || c->state == MEMBER_UNJOINED) || joining) return;
    if (now_ns(c) < c->join_after_ns) {
        consumer_wake_at(c, c->join_after_ns);
        return;
    }
    if (!consumer_join_prepare(c)) return;
    consumer_join_send(c);
}

static void consumer_leave_group(consumer *c) {
    if (c->coordinator >= 0 && c->member_id != PROTO_MEMBER_UNKNOWN &&
        c->generation != PROTO_GENERATION_NONE) {
        proto_msg m;
        memset(&m, 0, sizeof m);
        m.api = API_LEAVE_GROUP;
        m.u.group_heartbeat.member_id = c->member_id;
        m.u.group_heartbeat.generation = c->generation;
        consumer_send(c, c->coordinator, &m, c->cfg->request_timeout_ns);
    }
    /* resetGenerationOnLeaveGroup */
    consumer_reset_generation(c, true);
}

/* ---- The heartbeat thread (AbstractCoordinator.HeartbeatThread, Heartbeat) ---------------- */

static void consumer_hb_arm(consumer *c) {
    if (!consumer_alive(c)) return;
    int64_t at = SIM_TIME_NEVER;
    bool joined = c->state == MEMBER_STABLE || c->state == MEMBER_COMPLETING_REBALANCE;
    if (joined) {
        at = c->hb_in_flight ? SIM_TIME_NEVER : c->hb_next_ns;
        int64_t poll_end = c->last_poll_ns + c->cfg->max_poll_interval_ns;
        int64_t session_end = c->hb_session_start_ns + c->cfg->session_timeout_ns;
        /* With the coordinator unknown the thread only looks it up and waits
         * retry.backoff.ms (HeartbeatThread.run): neither deadline is looked at then. */
        if (c->coordinator >= 0 && poll_end < at) at = poll_end;
        if (c->coordinator >= 0 && session_end < at) at = session_end;
    }
    if (at == SIM_TIME_NEVER) {
        sim_timer_cancel(&c->hb_timer);
        return;
    }
    if (at < now_ns(c)) at = now_ns(c);
    sim_timer_arm(c->env.world, &c->hb_timer, at, c->kind, consumer_arg(c, CONSUMER_EV_HEARTBEAT));
}

/* HeartbeatThread.run, one pass. */
static void consumer_hb_run(consumer *c) {
    bool joined = c->state == MEMBER_STABLE || c->state == MEMBER_COMPLETING_REBALANCE;
    if (!joined) return; /* hasNotJoinedGroup: disabled */
    int64_t t = now_ns(c);
    if (c->coordinator < 0) {
        /* lookupCoordinator, then wait retry.backoff.ms */
        consumer_coordinator_lookup(c);
        if (c->hb_next_ns < t + c->cfg->retry_backoff_ns) c->hb_next_ns = t + c->cfg->retry_backoff_ns;
    } else if (t >= c->hb_session_start_ns + c->cfg->session_timeout_ns) {
        /* "session timed out without receiving a heartbeat response" */
        consumer_coordinator_unknown(c);
    } else if (t >= c->last_poll_ns + c->cfg->max_poll_interval_ns) {
        /* maybeLeaveGroup("consumer poll timeout has expired."): LeaveGroup, generation reset;
         * the partitions are lost at the next poll. */
        history_error(c->env.history, t, c->node, API_LEAVE_GROUP, ERR_REQUEST_TIMED_OUT);
        consumer_leave_group(c);
    } else if (!c->hb_in_flight && t >= c->hb_next_ns) {
        proto_msg m;
        memset(&m, 0, sizeof m);
        m.api = API_HEARTBEAT;
        m.u.group_heartbeat.member_id = c->member_id;
        m.u.group_heartbeat.generation = c->generation;
        if (consumer_send(c, c->coordinator, &m, c->cfg->request_timeout_ns)) {
            c->hb_in_flight = true;
            c->hb_next_ns = t + c->cfg->heartbeat_interval_ns; /* sentHeartbeat */
        } else {
            c->hb_next_ns = t + c->cfg->retry_backoff_ns; /* no room: try again later */
        }
    }
}

/* HeartbeatResponseHandler. */
static void consumer_on_heartbeat(consumer *c, const proto_msg *m) {
    c->hb_in_flight = false;
    int16_t error = m->u.group_response.error;
    if (error == ERR_NONE) {
        c->hb_session_start_ns = now_ns(c); /* receiveHeartbeat */
        return;
    }
    switch (error) {
    case ERR_REBALANCE_IN_PROGRESS:
        /* In STABLE: requestRejoin; the JoinGroup goes at the next poll. */
        c->hb_session_start_ns = now_ns(c);
        if (c->state == MEMBER_STABLE) c->rejoin_needed = true;
        break;
    case ERR_ILLEGAL_GENERATION:
    case ERR_UNKNOWN_MEMBER_ID:
        if (c->state == MEMBER_STABLE) consumer_reset_generation(c, error == ERR_UNKNOWN_MEMBER_ID);
        break;
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR:
        consumer_coordinator_unknown(c);
        break;
    default: /* failHeartbeat: next try after retry.backoff.ms */
        c->hb_next_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        break;
    }
}

/* ---- Positions (refreshCommittedOffsetsIfNeeded, resetPositionsIfNeeded) ------------------- */

static void consumer_position_set(consumer *c, int g, int64_t offset, int32_t epoch, int source) {
    consumer_partition *p = &c->parts[g];
    p->position = offset;
    p->position_epoch = epoch;
    p->pos = POS_VALID;
    history_position(c->env.history, now_ns(c), c->node, g, offset, c->generation, source);
}

/* No committed offset (or OFFSET_OUT_OF_RANGE): auto.offset.reset. */
static void consumer_reset_needed(consumer *c, int g) {
    consumer_partition *p = &c->parts[g];
    if (c->cfg->auto_offset_reset == CONFIG_RESET_NONE) {
        p->pos = POS_FAILED; /* NoOffsetForPartitionException */
        history_error(c->env.history, now_ns(c), c->node, API_LIST_OFFSETS, ERR_CLIENT_NO_OFFSET);
        return;
    }
    p->pos = POS_RESET;
    p->position = -1;
}

static void consumer_offset_fetch_send(consumer *c) {
    if (c->coordinator < 0 || consumer_in_flight(c, API_OFFSET_FETCH)) return;
    uint16_t list[TOPIC_PARTITIONS_MAX];
    int n = 0;
    int64_t retry = SIM_TIME_NEVER;
    for (int k = 0; k < c->owned_count; k++) {
        consumer_partition *p = &c->parts[c->owned[k]];
        if (p->pos != POS_COMMITTED && !c->committed_wanted) continue;
        if (p->pos == POS_COMMITTED && now_ns(c) < p->retry_at_ns) {
            if (p->retry_at_ns < retry) retry = p->retry_at_ns;
            continue;
        }
        list[n++] = c->owned[k];
    }
    if (retry != SIM_TIME_NEVER) consumer_wake_at(c, retry);
    if (n == 0) return;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_OFFSET_FETCH;
    m.u.offset_fetch.require_stable = c->cfg->kafka_version >= KAFKA_2_5;
    m.u.offset_fetch.partition_count = (uint16_t)n;
    m.u.offset_fetch.partitions = list;
    consumer_send(c, c->coordinator, &m, c->cfg->request_timeout_ns);
}

/* OffsetFetchResponseHandler, then the positions of the partitions that wait for them. */
static void consumer_on_offset_fetch(consumer *c, const proto_msg *m) {
    const proto_offset_fetch_response *r = &m->u.offset_fetch_response;
    int64_t retry = now_ns(c) + c->cfg->retry_backoff_ns;
    if (r->error != ERR_NONE) {
        history_error(c->env.history, now_ns(c), c->node, API_OFFSET_FETCH, r->error);
        if (r->error == ERR_NOT_COORDINATOR || r->error == ERR_COORDINATOR_NOT_AVAILABLE)
            consumer_coordinator_unknown(c);
        for (int k = 0; k < c->owned_count; k++) c->parts[c->owned[k]].retry_at_ns = retry;
        consumer_wake_at(c, retry);
        return;
    }
    consumer_offset answer[TOPIC_PARTITIONS_MAX];
    int answered = 0;
    for (int k = 0; k < r->entry_count; k++) {
        const proto_offset_entry *e = &r->entries[k];
        int g = e->partition;
        if (g >= c->partition_count) continue;
        consumer_partition *p = &c->parts[g];
        if (e->error == ERR_NONE)
            answer[answered++] = (consumer_offset){.offset = e->offset,
                                                   .leader_epoch = e->leader_epoch,
                                                   .partition = (uint16_t)g};
        if (p->pos != POS_COMMITTED) continue;
        if (e->error != ERR_NONE) { /* UNSTABLE_OFFSET_COMMIT: retriable, ask again */
            history_error(c->env.history, now_ns(c), c->node, API_OFFSET_FETCH, e->error);
            p->retry_at_ns = retry;
            consumer_wake_at(c, retry);
        } else if (e->offset >= 0) {
            consumer_position_set(c, g, e->offset, e->leader_epoch, HIST_POSITION_COMMITTED);
        } else {
            consumer_reset_needed(c, g);
        }
    }
    if (c->committed_wanted) {
        c->committed_wanted = false;
        if (c->env.app.on_committed) c->env.app.on_committed(c->env.app.ctx, answer, answered, 0);
    }
}

/* A partition a request may go out for now: past its retry backoff (else a wake-up at its end)
 * and with a known leader (else a metadata refresh). */
static bool consumer_partition_ready(consumer *c, consumer_partition *p) {
    if (now_ns(c) < p->retry_at_ns) {
        consumer_wake_at(c, p->retry_at_ns);
        return false;
    }
    if (p->leader < 0) {
        consumer_metadata_refresh(c);
        return false;
    }
    return true;
}

static void consumer_list_offsets_send(consumer *c) {
    for (int k = 0; k < c->owned_count; k++) {
        int g = c->owned[k];
        consumer_partition *p = &c->parts[g];
        if (p->pos != POS_RESET || p->listing) continue;
        if (!consumer_partition_ready(c, p)) continue;
        proto_msg m;
        memset(&m, 0, sizeof m);
        m.api = API_LIST_OFFSETS;
        m.partition = (uint16_t)g;
        m.u.list_offsets.timestamp = c->cfg->auto_offset_reset == CONFIG_RESET_EARLIEST
                                         ? PROTO_LIST_EARLIEST
                                         : PROTO_LIST_LATEST;
        m.u.list_offsets.isolation = (uint8_t)c->cfg->isolation_level;
        if (consumer_send(c, p->leader, &m, c->cfg->request_timeout_ns)) p->listing = true;
    }
}

static void consumer_on_list_offsets(consumer *c, const proto_msg *m) {
    int g = m->partition;
    if (g >= c->partition_count) return;
    consumer_partition *p = &c->parts[g];
    p->listing = false;
    if (p->pos != POS_RESET) return;
    const proto_list_offsets_response *r = &m->u.list_offsets_response;
    if (r->error != ERR_NONE || r->offset < 0) {
        history_error(c->env.history, now_ns(c), c->node, API_LIST_OFFSETS, r->error);
        consumer_metadata_refresh(c);
        p->retry_at_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        consumer_wake_at(c, p->retry_at_ns);
        return;
    }
    consumer_position_set(c, g, r->offset, r->leader_epoch,
                          c->cfg->auto_offset_reset == CONFIG_RESET_EARLIEST
                              ? HIST_POSITION_EARLIEST
                              : HIST_POSITION_LATEST);
}

/* ---- Fetching and the buffer (AbstractFetch, FetchCollector, CompletedFetch) ------------- */

static void consumer_fetch_send(consumer *c) {
    for (int k = 0; k < c->owned_count; k++) {
        int g = c->owned[k];
        consumer_partition *p = &c->parts[g];
        /* fetchablePartitions: a position, nothing buffered, none in flight. */
        if (p->pos != POS_VALID || p->fetching || p->buffered) continue;
        if (!consumer_partition_ready(c, p)) continue;
        proto_msg m;
        memset(&m, 0, sizeof m);
        m.api = API_FETCH;
        m.partition = (uint16_t)g;
        proto_fetch_request *f = &m.u.fetch;
        f->fetch_offset = p->position;
        f->max_wait_ns = c->cfg->fetch_max_wait_ns;
        f->last_fetched_epoch = -1 /* no last fetched epoch: a consumer does not truncate */;
        f->current_leader_epoch = p->leader_epoch;
        f->replica_id = PROTO_CONSUMER_REPLICA_ID;
        f->isolation = (uint8_t)c->cfg->isolation_level;
        consumer_request *r = consumer_send(c, p->leader, &m,
                                            c->cfg->request_timeout_ns + c->cfg->fetch_max_wait_ns);
        if (!r) return;
        r->offset = p->position;
        p->fetching = true;
    }
}

static int consumer_cmp_aborted(const void *a, const void *b) {
    const proto_aborted_txn *x = a, *y = b;
    if (x->first_offset != y->first_offset) return x->first_offset < y->first_offset ? -1 : 1;
    return x->producer_id < y->producer_id ? -1 : x->producer_id > y->producer_id;
}

/* A Fetch answer: the batches become the partition's completed fetch, unless the position
 * moved meanwhile (a stale fetch) or the partition went. */
static void consumer_on_fetch(consumer *c, const consumer_request *req, const proto_msg *m) {
    int g = m->partition;
    if (g >= c->partition_count) return;
    consumer_partition *p = &c->parts[g];
    p->fetching = false;
    const proto_fetch_response *f = &m->u.fetch_response;
    if (p->pos != POS_VALID || p->position != req->offset) return; /* stale or revoked */
    switch (f->error) {
    case ERR_NONE: break;
    case ERR_OFFSET_OUT_OF_RANGE: /* requestOffsetResetIfPartitionAssigned */
        history_error(c->env.history, now_ns(c), c->node, API_FETCH, f->error);
        consumer_reset_needed(c, g);
        return;
    default: /* NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, ... */
        history_error(c->env.history, now_ns(c), c->node, API_FETCH, f->error);
        consumer_metadata_refresh(c);
        p->retry_at_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        consumer_wake_at(c, p->retry_at_ns);
        return;
    }
    if (f->batch_count == 0) return; /* nothing yet: the next fetch goes at once */
    memcpy(p->batches, f->batches, (size_t)f->batch_count * sizeof *p->batches);
    p->batch_count = f->batch_count;
    p->batch_next = 0;
    const proto_aborted_txn *ab = proto_fetch_aborted(f);
    memcpy(p->aborted, ab, (size_t)f->aborted_count * sizeof *p->aborted);
    p->aborted_count = f->aborted_count;
    p->aborted_next = 0;
    qsort(p->aborted, p->aborted_count, sizeof *p->aborted, consumer_cmp_aborted);
    p->aborted_pid_count = 0;
    p->buffered = true;
    c->queue[(c->queue_head + c->queue_count++) % c->partition_count] = (uint16_t)g;
}

static bool consumer_pid_aborted(const consumer_partition *p, int64_t pid) {
    for (int k = 0; k < p->aborted_pid_count; k++)
        if (p->aborted_pids[k] == pid) return true;
    return false;
}

static void consumer_pid_remove(consumer_partition *p, int64_t pid) {
    for (int k = 0; k < p->aborted_pid_count; k++)
        if (p->aborted_pids[k] == pid) p->aborted_pids[k] = p->aborted_pids[--p->aborted_pid_count];
}

/* CompletedFetch.nextFetchedRecord's batch filter under read_committed: aborted transactions
 * that began at or before the batch's last offset join the set of aborted producers; a data
 * batch of a producer in the set is skipped; an ABORT marker of one removes it. Control
 * batches are never returned. True when batch b's records are returned. */
static bool consumer_batch_visible(consumer *c, consumer_partition *p, const proto_batch *b) {
    if (c->cfg->isolation_level == CONFIG_READ_COMMITTED) {
        int64_t last = proto_batch_last_offset(b);
        while (p->aborted_next < p->aborted_count &&
               p->aborted[p->aborted_next].first_offset <= last) {
            int64_t pid = p->aborted[p->aborted_next++].producer_id;
            if (!consumer_pid_aborted(p, pid) && p->aborted_pid_count < CONSUMER_ABORTED_PIDS_MAX)
                p->aborted_pids[p->aborted_pid_count++] = pid;
        }
        if (proto_batch_is_control(b)) {
            if (!(b->flags & PROTO_BATCH_COMMIT)) consumer_pid_remove(p, b->producer_id);
            return false;
        }
        if (proto_batch_is_transactional(b) && consumer_pid_aborted(p, b->producer_id))
            return false;
        return true;
    }
    return !proto_batch_is_control(b);
}

/* FetchCollector.fetchRecords for the head of the queue: up to max records from position on;
 * HIST_POLL per batch slice. Returns how many were written to out. */
static int consumer_drain_partition(consumer *c, int g, consumer_record *out, int max) {
    consumer_partition *p = &c->parts[g];
    int n = 0;
    while (p->batch_next < p->batch_count && n < max) {
        const proto_batch *b = &p->batches[p->batch_next];
        int64_t last = proto_batch_last_offset(b);
        if (last < p->position) { /* before the position: already returned */
            p->batch_next++;
            continue;
        }
        if (!consumer_batch_visible(c, p, b)) { /* nextFetchOffset moves past it */
            p->position = last + 1;
            p->batch_next++;
            continue;
        }
        proto_ids ids = proto_payload_ids(c->env.payloads, b->payload);
        uint32_t first = (uint32_t)(p->position > b->base_offset ? p->position - b->base_offset : 0);
        uint32_t take = b->record_count - first;
        if (take > (uint32_t)(max - n)) take = (uint32_t)(max - n);
        for (uint32_t k = 0; k < take; k++) {
            out[n + (int)k] = (consumer_record){.offset = b->base_offset + first + k,
                                                .id = proto_ids_at(&ids, first + k),
                                                .partition = (uint16_t)g};
        }
        history_poll(c->env.history, now_ns(c), c->node, g, b->payload, first, take,
                     b->base_offset + first, c->generation, c->member_id);
        n += (int)take;
        p->position = b->base_offset + first + take;
        p->position_epoch = b->partition_leader_epoch;
        if (first + take == b->record_count) p->batch_next++;
    }
    return n;
}

/* FetchCollector.collectFetch: from the queue's head on, at most max records. */
static int consumer_collect(consumer *c, consumer_record *out, int max) {
    int n = 0;
    while (c->queue_count > 0 && n < max) {
        int g = c->queue[c->queue_head];
        consumer_partition *p = &c->parts[g];
        if (p->pos == POS_VALID && p->buffered) n += consumer_drain_partition(c, g, out + n, max - n);
        if (p->pos == POS_VALID && p->buffered && p->batch_next < p->batch_count) break;
        p->buffered = false; /* consumed, or no longer assigned: drained */
        p->batch_count = p->batch_next = 0;
        c->queue_head = (c->queue_head + 1) % c->partition_count;
        c->queue_count--;
    }
    return n;
}

/* ---- Commits (ConsumerCoordinator) ------------------------------------------------------- */

static bool consumer_commit_pending_of(const consumer *c, int kind) {
    for (int k = 0; k < CONSUMER_COMMITS_MAX; k++)
        if (c->commits[k].used && c->commits[k].kind == kind) return true;
    return false;
}

static void consumer_commit_send(consumer *c, int k) {
    consumer_commit_slot *s = &c->commits[k];
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_OFFSET_COMMIT;
    m.u.offset_commit.member_id = c->member_id;
    m.u.offset_commit.generation = c->generation;
    m.u.offset_commit.producer_id = PROTO_NO_PRODUCER_ID;
    m.u.offset_commit.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    m.u.offset_commit.entry_count = s->count;
    m.u.offset_commit.entries = s->entries;
    consumer_request *r = consumer_send(c, c->coordinator, &m, c->cfg->request_timeout_ns);
    if (!r) return;
    r->commit = (uint8_t)k;
    s->sent = true;
    for (int e = 0; e < s->count; e++)
        history_offset_commit(c->env.history, now_ns(c), c->node, s->entries[e].partition,
                              s->entries[e].offset, c->generation, s->kind, HIST_COMMIT_SENT,
                              c->member_id);
    consumer_step(c, STEP_CONSUMER_COMMIT, s->entries[0].partition);
}

/* The commit in slot k ends with error (0: done). */
static void consumer_commit_done(consumer *c, int k, int error) {
    consumer_commit_slot *s = &c->commits[k];
    for (int e = 0; e < s->count; e++)
        history_offset_commit(c->env.history, now_ns(c), c->node, s->entries[e].partition,
                              s->entries[e].offset, c->generation, s->kind, error, c->member_id);
    bool app = s->app;
    int kind = s->kind;
    s->used = false;
    if (kind == HIST_COMMIT_AUTO && error != ERR_NONE && proto_error_retriable(error))
        c->next_auto_commit_ns = now_ns(c) + c->cfg->retry_backoff_ns; /* autoCommitOffsetsAsync */
    if (error == ERR_NONE) {
        uint32_t session = c->session;
        consumer_step(c, STEP_CONSUMER_COMMITTED, s->entries[0].partition);
        if (session != c->session) return;
    }
    if (kind == HIST_COMMIT_CLOSE && c->close_pending) {
        c->close_pending = false;
        consumer_leave_group(c);
        c->closed = true;
    }
    if (app && c->env.app.on_commit) c->env.app.on_commit(c->env.app.ctx, error);
}

/* Retriable answers that a commitSync (and onJoinPrepare's wait) tries again. */
static bool consumer_commit_retriable(int error) {
    return error == ERR_COORDINATOR_LOAD_IN_PROGRESS || error == ERR_COORDINATOR_NOT_AVAILABLE ||
           error == ERR_NOT_COORDINATOR || error == ERR_REQUEST_TIMED_OUT ||
           error == ERR_NETWORK_EXCEPTION || proto_error_retriable(error);
}

/* OffsetCommitResponseHandler. */
static void consumer_on_offset_commit(consumer *c, const consumer_request *req, const proto_msg *m) {
    int k = req->commit;
    consumer_commit_slot *s = &c->commits[k];
    if (!s->used || !s->sent) return;
    int error = m->u.group_response.error;
    switch (error) {
    case ERR_NONE: consumer_commit_done(c, k, ERR_NONE); return;
    case ERR_COORDINATOR_NOT_AVAILABLE:
    case ERR_NOT_COORDINATOR:
    case ERR_REQUEST_TIMED_OUT: consumer_coordinator_unknown(c); break;
    case ERR_REBALANCE_IN_PROGRESS:
        c->rejoin_needed = true; /* requestRejoin */
        consumer_commit_done(c, k, ERR_CLIENT_REBALANCE_IN_PROGRESS);
        return;
    case ERR_UNKNOWN_MEMBER_ID:
    case ERR_ILLEGAL_GENERATION:
        consumer_reset_generation(c, error == ERR_UNKNOWN_MEMBER_ID);
        consumer_commit_done(c, k, ERR_CLIENT_COMMIT_FAILED);
        return;
    default: break;
    }
    if (s->sync && consumer_commit_retriable(error) && now_ns(c) < s->deadline_ns) {
        history_offset_commit(c->env.history, now_ns(c), c->node, s->entries[0].partition,
                              s->entries[0].offset, c->generation, s->kind, error, c->member_id);
        s->sent = false;
        s->retry_at_ns = now_ns(c) + c->cfg->retry_backoff_ns;
        consumer_wake_at(c, s->retry_at_ns);
        return;
    }
    consumer_commit_done(c, k, error);
}

/* sendOffsetCommitRequest's local fencing: outside a stable generation the commit fails at
 * once (RebalanceInProgressException while rebalancing, else CommitFailedException). */
static int consumer_commit_local_error(const consumer *c) {
    if (c->state == MEMBER_STABLE && c->generation != PROTO_GENERATION_NONE) return ERR_NONE;
    bool rebalancing = c->state == MEMBER_PREPARING_REBALANCE ||
                       c->state == MEMBER_COMPLETING_REBALANCE; /* rebalanceInProgress */
    return rebalancing ? ERR_CLIENT_REBALANCE_IN_PROGRESS : ERR_CLIENT_COMMIT_FAILED;
}

/* Queues a commit of offsets (sent now when the coordinator is known). */
static void consumer_commit_queue(consumer *c, int kind, bool app, bool sync, int64_t deadline_ns,
                                  const consumer_offset *offsets, int n) {
    int error = consumer_commit_local_error(c);
    int k = 0;
    while (k < CONSUMER_COMMITS_MAX && c->commits[k].used) k++;
    if (error == ERR_NONE && k == CONSUMER_COMMITS_MAX) error = ERR_CLIENT_COMMIT_FAILED;
    if (error == ERR_NONE && n == 0) {
        if (app && c->env.app.on_commit) c->env.app.on_commit(c->env.app.ctx, ERR_NONE);
        return;
    }
    if (error != ERR_NONE) {
        if (app && c->env.app.on_commit) c->env.app.on_commit(c->env.app.ctx, error);
        return;
    }
    consumer_commit_slot *s = &c->commits[k];
    s->used = true;
    s->sent = false;
    s->kind = (uint8_t)kind;
    s->app = app;
    s->sync = sync;
    s->deadline_ns = deadline_ns;
    s->retry_at_ns = 0;
    s->count = 0;
    for (int e = 0; e < n && s->count < c->partition_count; e++)
        s->entries[s->count++] = (proto_offset_entry){.offset = offsets[e].offset,
                                                      .leader_epoch = offsets[e].leader_epoch,
                                                      .partition = offsets[e].partition};
    if (c->coordinator >= 0) consumer_commit_send(c, k);
    else consumer_coordinator_lookup(c);
}

/* SubscriptionState.allConsumed: the positions of the assigned partitions that have one. */
static int consumer_all_consumed(const consumer *c, consumer_offset *out) {
    int n = 0;
    for (int k = 0; k < c->owned_count; k++) {
        const consumer_partition *p = &c->parts[c->owned[k]];
        if (p->pos != POS_VALID) continue;
        out[n++] = (consumer_offset){.offset = p->position,
                                     .leader_epoch = p->position_epoch,
                                     .partition = c->owned[k]};
    }
    return n;
}

static void consumer_commit_all_consumed(consumer *c, int kind, bool app, bool sync,
                                         int64_t deadline_ns) {
    consumer_offset offsets[TOPIC_PARTITIONS_MAX];
    int n = consumer_all_consumed(c, offsets);
    if (n == 0 && !app) return;
    consumer_commit_queue(c, kind, app, sync, deadline_ns, offsets, n);
}

/* Sends the queued commits whose coordinator is known and whose backoff ended. */
static void consumer_commits_send(consumer *c) {
    for (int k = 0; k < CONSUMER_COMMITS_MAX; k++) {
        consumer_commit_slot *s = &c->commits[k];
        if (!s->used || s->sent) continue;
        if (s->sync && now_ns(c) >= s->deadline_ns) { /* commitSync's TimeoutException */
            consumer_commit_done(c, k, ERR_REQUEST_TIMED_OUT);
            continue;
        }
        if (c->coordinator < 0) {
            consumer_coordinator_lookup(c);
            continue;
        }
        if (now_ns(c) < s->retry_at_ns) {
            consumer_wake_at(c, s->retry_at_ns);
            continue;
        }
        consumer_commit_send(c, k);
    }
}

/* maybeAutoCommitOffsetsAsync, at every poll. */
static void consumer_maybe_auto_commit(consumer *c) {
    if (!c->cfg->enable_auto_commit || now_ns(c) < c->next_auto_commit_ns) return;
    c->next_auto_commit_ns = now_ns(c) + c->cfg->auto_commit_interval_ns;
    if (consumer_commit_local_error(c) != ERR_NONE) return; /* failed locally: logged only */
    consumer_commit_all_consumed(c, HIST_COMMIT_AUTO, false, false, SIM_TIME_NEVER);
}

/* ---- poll (ClassicKafkaConsumer.poll) ---------------------------------------------------- */

/* KAFKA-14196 (3.2.3, 3.3.0+): while onJoinPrepare's commit is awaited, the partitions it
 * covers are neither fetched nor returned. Before, the fetcher went on. EAGER only
 * (maybeMarkPartitionsPendingRevocation): a cooperative member keeps them. */
static bool consumer_pending_revocation(const consumer *c) {
    int v = c->cfg->kafka_version;
    return c->join_prepare_waiting && v >= KAFKA_3_2_3 && !consumer_cooperative(c);
}

/* One pass of poll(): coordinator.poll (the group, the auto commit), updateFetchPositions,
 * collectFetch; then the next fetches go out. Returns the records returned. */
static int consumer_poll_once(consumer *c, consumer_record *out) {
    c->last_poll_ns = now_ns(c); /* pollHeartbeat: the poll timer restarts */
    consumer_ensure_active_group(c);
    if (!consumer_alive(c)) return 0;
    consumer_maybe_auto_commit(c);
    consumer_offset_fetch_send(c);
    consumer_list_offsets_send(c);
    int n = 0;
    if (!consumer_pending_revocation(c)) {
        int max = c->cfg->max_poll_records < c->records_cap ? c->cfg->max_poll_records : c->records_cap;
        n = consumer_collect(c, out, max);
        consumer_fetch_send(c); /* the next round goes out before the records are returned */
    }
    consumer_metadata_request(c);
    consumer_hb_arm(c);
    if (n > 0) {
        uint32_t session = c->session;
        consumer_step(c, STEP_CONSUMER_POLLED, out[0].partition);
        if (session != c->session) return 0;
    }
    return n;
}

int consumer_poll(consumer *c, consumer_record *out) {
    if (!consumer_alive(c) || now_ns(c) < c->paused_until_ns) return 0;
    c->poll_pending = false;
    int n = consumer_poll_once(c, out);
    if (n > 0 || !consumer_alive(c)) return n;
    c->poll_pending = true;
    c->poll_deadline_ns = now_ns(c) + CONSUMER_POLL_TIMEOUT_NS;
    consumer_wake_at(c, c->poll_deadline_ns);
    return 0;
}

/* After every event of the node: what the network client and a waiting poll() do. */
static void consumer_tick(consumer *c) {
    if (!consumer_alive(c) || now_ns(c) < c->paused_until_ns) return;
    consumer_metadata_request(c);
    consumer_commits_send(c);
    if (c->close_pending && !consumer_commit_pending_of(c, HIST_COMMIT_CLOSE)) {
        c->close_pending = false;
        consumer_leave_group(c);
        c->closed = true;
        return;
    }
    if (c->poll_pending) {
        int n = consumer_poll_once(c, c->records);
        if (!consumer_alive(c)) return;
        if (n > 0 || now_ns(c) >= c->poll_deadline_ns) {
            c->poll_pending = false;
            c->env.app.on_records(c->env.app.ctx, c->records, n);
            return;
        }
    }
    consumer_hb_arm(c);
}

/* ---- Messages ------------------------------------------------------------------------------ */

/* A broker's connection closed (its process died, or a request timed out): its requests fail
 * (NetworkClient: DisconnectException). */
static void consumer_conn_failed(consumer *c, int broker) {
    if (broker == c->coordinator) consumer_coordinator_unknown(c);
    for (int k = 0; k < c->req_count;) {
        consumer_request r = c->reqs[k];
        if (r.broker != broker) {
            k++;
            continue;
        }
        memmove(&c->reqs[k], &c->reqs[k + 1], (size_t)(c->req_count - k - 1) * sizeof c->reqs[0]);
        c->req_count--;
        switch (r.api) {
        case API_METADATA: c->metadata_in_flight = false; break;
        case API_FIND_COORDINATOR:
            c->find_in_flight = false;
            c->find_after_ns = now_ns(c) + c->cfg->retry_backoff_ns;
            break;
        case API_FETCH:
        case API_LIST_OFFSETS:
            if (r.partition < c->partition_count) {
                c->parts[r.partition].fetching &= r.api != API_FETCH;
                c->parts[r.partition].listing &= r.api != API_LIST_OFFSETS;
                c->parts[r.partition].retry_at_ns = now_ns(c) + c->cfg->retry_backoff_ns;
            }
            consumer_metadata_refresh(c);
            break;
        default: break;
        }
    }
    consumer_requests_arm(c);
    consumer_wake_at(c, now_ns(c) + c->cfg->retry_backoff_ns);
}

static void consumer_handle(consumer *c, const proto_msg *m) {
    if (!node_is_broker(m->from)) return;
    int broker = m->from;
    if (m->api == API_DISCONNECT) {
        consumer_conn_failed(c, broker);
        return;
    }
    consumer_request r;
    if (!m->is_response || !consumer_take(c, broker, m->correlation_id, &r)) return;
    switch (m->api) {
    case API_METADATA: consumer_on_metadata(c, m); break;
    case API_FIND_COORDINATOR: consumer_on_find_coordinator(c, m); break;
    case API_JOIN_GROUP: consumer_on_join(c, m); break;
    case API_SYNC_GROUP: consumer_on_sync(c, m); break;
    case API_HEARTBEAT: consumer_on_heartbeat(c, m); break;
    case API_OFFSET_FETCH: consumer_on_offset_fetch(c, m); break;
    case API_OFFSET_COMMIT: consumer_on_offset_commit(c, &r, m); break;
    case API_LIST_OFFSETS: consumer_on_list_offsets(c, m); break;
    case API_FETCH: consumer_on_fetch(c, &r, m); break;
    default: break; /* LeaveGroup: nothing to do */
    }
}

static void consumer_on_message(void *ctx, const proto_msg *m) {
    consumer *c = ctx;
    if (c->crashed || !c->started) return;
    if (now_ns(c) < c->paused_until_ns) { /* kept, with what it carries, until the pause ends */
        if (c->deferred_count == c->deferred_capacity) {
            uint32_t cap = c->deferred_capacity ? c->deferred_capacity * 2 : 16;
            proto_msg *d = realloc(c->deferred, (size_t)cap * sizeof *d);
            if (!d) {
                sim_exhaust(c->env.world, "consumer: out of memory for paused messages");
                return;
            }
            c->deferred = d;
            c->deferred_capacity = cap;
        }
        size_t bytes = proto_msg_outline_bytes(m);
        if (c->deferred_outline_used + bytes > c->deferred_outline_capacity) {
            size_t cap = c->deferred_outline_capacity ? c->deferred_outline_capacity * 2 : 4096;
            while (cap < c->deferred_outline_used + bytes) cap *= 2;
            unsigned char *o = realloc(c->deferred_outline, cap);
            if (!o) {
                sim_exhaust(c->env.world, "consumer: out of memory for paused messages");
                return;
            }
            c->deferred_outline = o;
            c->deferred_outline_capacity = cap;
        }
        if (bytes) memcpy(c->deferred_outline + c->deferred_outline_used, proto_msg_outline(m), bytes);
        c->deferred_outline_used += bytes;
        c->deferred[c->deferred_count++] = *m;
        return;
    }
    uint32_t session = c->session;
    consumer_handle(c, m);
    if (session == c->session) consumer_tick(c);
}

static void consumer_on_resume(consumer *c) {
    size_t at = 0;
    uint32_t session = c->session;
    for (uint32_t k = 0; k < c->deferred_count && session == c->session; k++) {
        proto_msg m = c->deferred[k];
        proto_batch room[PROTO_OUTLINE_BYTES_MAX / sizeof(proto_batch)];
        size_t bytes = proto_msg_outline_bytes(&m);
        if (bytes) {
            memcpy(room, c->deferred_outline + at, bytes);
            proto_msg_outline_set(&m, room);
            at += bytes;
        }
        consumer_handle(c, &m);
    }
    c->deferred_count = 0;
    c->deferred_outline_used = 0;
}

/* The oldest requests past their timeout: their connections close, their requests fail. */
static void consumer_on_requests_timeout(consumer *c) {
    for (int k = 0; k < c->req_count; k++) {
        consumer_request *r = &c->reqs[k];
        if (now_ns(c) < r->sent_ns + r->timeout_ns) continue;
        int broker = r->broker;
        net_close(c->env.net, c->node, node_broker(broker), true);
        consumer_conn_failed(c, broker);
        k = -1; /* the table changed: look again */
    }
    consumer_requests_arm(c);
}

static void consumer_on_event(void *ctx, sim_world *w, const sim_event *ev) {
    consumer *c = ctx;
    enum consumer_event what = (enum consumer_event)(ev->arg & 0xff);
    uint32_t session = (uint32_t)((ev->arg >> 8) & 0xffffff);
    if (session != (c->session & 0xffffffu) || !consumer_alive(c)) return;
    if (what == CONSUMER_EV_RESUME) {
        if (now_ns(c) < c->paused_until_ns) return;
        consumer_on_resume(c);
        if (session == (c->session & 0xffffffu)) consumer_tick(c);
        return;
    }
    sim_timer *t = what == CONSUMER_EV_HEARTBEAT ? &c->hb_timer
                   : what == CONSUMER_EV_POLL    ? &c->poll_timer
                                                 : &c->req_timer;
    if (!sim_timer_fired(w, t, ev)) return;
    if (now_ns(c) < c->paused_until_ns) { /* the whole JVM is stopped */
        sim_timer_arm(w, t, c->paused_until_ns, c->kind, ev->arg);
        if (what == CONSUMER_EV_POLL) c->poll_timer_ns = c->paused_until_ns;
        return;
    }
    switch (what) {
    case CONSUMER_EV_HEARTBEAT: consumer_hb_run(c); break;
    case CONSUMER_EV_REQUESTS: consumer_on_requests_timeout(c); break;
    default: break;
    }
    if (session == (c->session & 0xffffffu)) consumer_tick(c);
}

/* ---- Lifecycle ------------------------------------------------------------------------------ */

/* A new process: nothing of the old one's state is left. */
static void consumer_session_clear(consumer *c) {
    c->session++;
    c->req_count = 0;
    sim_timer_cancel(&c->req_timer);
    sim_timer_cancel(&c->hb_timer);
    sim_timer_cancel(&c->poll_timer);
    c->deferred_count = 0;
    c->deferred_outline_used = 0;
    c->paused_until_ns = 0;
    for (int g = 0; g < c->partition_count; g++) {
        consumer_partition *p = &c->parts[g];
        consumer_partition_release(c, g);
        p->leader = -1;
        p->leader_epoch = -1;
        p->fetching = p->listing = p->buffered = false;
        p->retry_at_ns = 0;
    }
    c->queue_head = c->queue_count = 0;
    c->metadata_needed = true;
    c->metadata_in_flight = false;
    c->metadata_page = 0;
    c->metadata_after_ns = 0;
    c->coordinator = -1;
    c->find_in_flight = false;
    c->find_after_ns = 0;
    c->state = MEMBER_UNJOINED;
    c->member_id = PROTO_MEMBER_UNKNOWN;
    c->generation = PROTO_GENERATION_NONE;
    c->joined = (consumer_group_metadata){.member_id = PROTO_MEMBER_UNKNOWN,
                                          .generation = PROTO_GENERATION_NONE};
    c->leader_id = PROTO_MEMBER_UNKNOWN;
    c->rejoin_needed = true;
    c->needs_join_prepare = true;
    c->join_prepare_waiting = false;
    c->join_complete_pending = false;
    c->join_after_ns = 0;
    c->owned_count = 0;
    c->sync_assignment_count = 0;
    c->hb_in_flight = false;
    c->hb_next_ns = 0;
    c->hb_session_start_ns = now_ns(c);
    c->last_poll_ns = now_ns(c);
    for (int k = 0; k < CONSUMER_COMMITS_MAX; k++) c->commits[k].used = false;
    c->next_auto_commit_ns = now_ns(c) + c->cfg->auto_commit_interval_ns;
    c->close_pending = false;
    c->poll_pending = false;
    c->committed_wanted = false;
    c->closed = false;
}

consumer *consumer_new(const consumer_env *env, int index, const int *bootstrap) {
    consumer *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->env = *env;
    c->cfg = env->config;
    c->index = index;
    c->node = node_consumer(index);
    for (int k = 0; bootstrap && bootstrap[k] >= 0 && c->bootstrap_count < PROTO_BROKERS_MAX; k++)
        c->bootstrap[c->bootstrap_count++] = bootstrap[k];
    c->partition_count = c->cfg->topics.workload_partitions;
    if (c->partition_count < 1) c->partition_count = 1;
    int n = c->partition_count;
    c->records_cap = c->cfg->max_poll_records < CONSUMER_RECORDS_CAP ? c->cfg->max_poll_records
                                                                    : CONSUMER_RECORDS_CAP;
    if (c->records_cap < 1) c->records_cap = 1;
    c->parts = calloc((size_t)n, sizeof *c->parts);
    c->sync_assignment = calloc((size_t)n, sizeof *c->sync_assignment);
    c->owned = calloc((size_t)n, sizeof *c->owned);
    c->queue = calloc((size_t)n, sizeof *c->queue);
    /* SyncGroup's words: [member_id, count] for each member consumer_assign_range takes (a
     * restarted instance's old member stays until its session expires), and every partition. */
    c->words = calloc((size_t)(CONSUMER_ASSIGN_MEMBERS_MAX * 2 + n), sizeof *c->words);
    c->sticky_scratch = malloc(CONSUMER_STICKY_SCRATCH(&c->cfg->topics) + 1);
    c->revoking = calloc((size_t)n, sizeof *c->revoking);
    c->records = calloc((size_t)c->records_cap, sizeof *c->records);
    if (!c->parts || !c->sync_assignment || !c->owned || !c->queue || !c->words || !c->records ||
        !c->sticky_scratch || !c->revoking)
        goto fail;
    for (int g = 0; g < n; g++) {
        c->parts[g].batches = malloc(PROTO_FETCH_BATCHES_MAX * sizeof(proto_batch));
        c->parts[g].aborted = malloc(PROTO_OUTLINE_BYTES_MAX);
        if (!c->parts[g].batches || !c->parts[g].aborted) goto fail;
    }
    for (int k = 0; k < CONSUMER_COMMITS_MAX; k++) {
        c->commits[k].entries = calloc((size_t)n, sizeof(proto_offset_entry));
        if (!c->commits[k].entries) goto fail;
    }
    c->kind = sim_handler_add(env->world, consumer_on_event, c, "consumer");
    net_listen(env->net, c->node, consumer_on_message, c);
    consumer_session_clear(c);
    return c;
fail:
    consumer_free(c);
    return NULL;
}

void consumer_free(consumer *c) {
    if (!c) return;
    for (int g = 0; c->parts && g < c->partition_count; g++) {
        free(c->parts[g].batches);
        free(c->parts[g].aborted);
    }
    for (int k = 0; k < CONSUMER_COMMITS_MAX; k++) free(c->commits[k].entries);
    free(c->parts);
    free(c->sync_assignment);
    free(c->owned);
    free(c->queue);
    free(c->words);
    free(c->sticky_scratch);
    free(c->revoking);
    free(c->records);
    free(c->deferred);
    free(c->deferred_outline);
    free(c);
}

void consumer_start(consumer *c) {
    if (c->started) return;
    c->started = true;
    consumer_session_clear(c);
    consumer_tick(c);
}

void consumer_crash(consumer *c) {
    if (c->crashed || !c->started) return;
    c->crashed = true;
    net_set_down(c->env.net, c->node, true);
    consumer_session_clear(c);
}

void consumer_restart(consumer *c) {
    if (!c->started) return;
    if (c->crashed) {
        net_set_down(c->env.net, c->node, false);
    } else {
        for (int b = 1; b <= PROTO_BROKERS_MAX; b++)
            net_close(c->env.net, c->node, node_broker(b), true);
    }
    c->crashed = false;
    consumer_session_clear(c);
    consumer_tick(c);
}

void consumer_pause(consumer *c, int64_t until_ns) {
    if (!consumer_alive(c) || until_ns <= c->paused_until_ns) return;
    c->paused_until_ns = until_ns;
    sim_schedule(c->env.world, until_ns, c->kind, consumer_arg(c, CONSUMER_EV_RESUME));
}

void consumer_commit(consumer *c, int kind, const consumer_offset *offsets, int n) {
    if (!consumer_alive(c)) return;
    bool sync = kind == CONSUMER_COMMIT_SYNC;
    int hkind = sync ? HIST_COMMIT_SYNC : HIST_COMMIT_ASYNC;
    int64_t deadline = sync ? now_ns(c) + c->cfg->default_api_timeout_ns : SIM_TIME_NEVER;
    if (n == 0) consumer_commit_all_consumed(c, hkind, true, sync, deadline);
    else consumer_commit_queue(c, hkind, true, sync, deadline, offsets, n);
}

int consumer_assignment(const consumer *c, uint16_t *out, int max) {
    if (!consumer_alive(c)) return 0;
    int n = c->owned_count < max ? c->owned_count : max;
    memcpy(out, c->owned, (size_t)n * sizeof *out);
    return n;
}

int consumer_positions(const consumer *c, consumer_offset *out, int max) {
    consumer_offset all[TOPIC_PARTITIONS_MAX];
    int n = consumer_all_consumed(c, all);
    if (n > max) n = max;
    memcpy(out, all, (size_t)n * sizeof *out);
    return n;
}

void consumer_seek(consumer *c, int partition, int64_t offset) {
    if (partition < 0 || partition >= c->partition_count || !consumer_is_assigned(c, partition))
        return;
    consumer_partition *p = &c->parts[partition];
    p->batch_count = p->batch_next = 0; /* what was buffered is stale now */
    p->aborted_count = p->aborted_next = 0;
    p->aborted_pid_count = 0;
    consumer_position_set(c, partition, offset, -1, HIST_POSITION_SEEK);
}

void consumer_fetch_committed(consumer *c) {
    if (!consumer_alive(c)) return;
    c->committed_wanted = true;
    consumer_offset_fetch_send(c);
}

consumer_group_metadata consumer_group_metadata_of(const consumer *c) {
    bool stable = c->state == MEMBER_STABLE;
    return (consumer_group_metadata){.member_id = c->member_id,
                                     .generation = stable ? c->generation : PROTO_GENERATION_NONE};
}

consumer_group_metadata consumer_group_metadata_joined(const consumer *c) { return c->joined; }

void consumer_close(consumer *c) {
    if (!consumer_alive(c)) return;
    /* maybeAutoCommitOffsetsSync, then maybeLeaveGroup. */
    if (c->cfg->enable_auto_commit && consumer_commit_local_error(c) == ERR_NONE) {
        consumer_commit_all_consumed(c, HIST_COMMIT_CLOSE, false, true,
                                     now_ns(c) + c->cfg->default_api_timeout_ns);
        if (consumer_commit_pending_of(c, HIST_COMMIT_CLOSE)) {
            c->close_pending = true;
            return;
        }
    }
    consumer_leave_group(c);
    c->closed = true;
}

/* ---- Checks ------------------------------------------------------------------------------ */

void consumer_check_recent(consumer *c) {
    if (!consumer_alive(c)) return;
    const char *broken = NULL;
    if (c->req_count < 0 || c->req_count > CONSUMER_REQUESTS_MAX) broken = "request table";
    for (int k = 0; !broken && k < c->owned_count; k++) {
        const consumer_partition *p = &c->parts[c->owned[k]];
        if (p->pos == POS_NONE) broken = "an owned partition is not assigned";
        else if (p->pos == POS_VALID && p->position < 0) broken = "a valid position below 0";
    }
    if (!broken && c->queue_count > c->partition_count) broken = "the completed-fetch queue";
    if (broken) sim_fail(c->env.world, "consumer-%d: %s", c->index + 1, broken);
}
