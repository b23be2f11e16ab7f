/*
 * group_coordinator.c: the classic group coordinator of a broker (see group_coordinator.h for
 * what it models).
 *
 * Kafka 3.9, core/src/main/scala/kafka/coordinator/group/: GroupCoordinator.scala (the request
 * handlers, prepareRebalance, onCompleteJoin, the heartbeat and pending-sync expirations),
 * GroupMetadata.scala / MemberMetadata.scala (members, the leader, awaiting join and sync,
 * pending offset commits), DelayedJoin.scala (DelayedJoin, InitialDelayedJoin),
 * GroupMetadataManager.scala (storeGroup, storeOffsets, getOffsets, loadGroupsAndOffsets,
 * maybeConvertOffsetCommitError). 4.0's group-coordinator module (ClassicGroup,
 * GroupMetadataManager.java) keeps these rules for classic groups.
 *
 * Simplifications, each deliberate:
 * - S1 (the consumer's coordinator connection): a JoinGroup or SyncGroup that waits (for the
 *   join barrier, for the leader's assignment, for storeGroup) does not keep its connection
 *   muted: the broker lets the connection go on and the answer goes out later on the same
 *   channel, if it still stands. Kafka's client keeps a connection of its own to the
 *   coordinator for this (AbstractCoordinator: Integer.MAX_VALUE - nodeId). An OffsetCommit
 *   keeps its connection muted until it is answered, as SocketServer does.
 * - S2: one group per world (config.group_partition): the coordinator of another partition of
 *   __consumer_offsets loads nothing and answers NOT_COORDINATOR for the group.
 * - S4: member ids are 32-bit draws of the coordinator's PCG32 stream (Kafka's clientId-UUID);
 *   members are kept in slots, and "the first member" (GroupMetadata.remove's new leader
 *   members.keys.headOption, in hash order) is the lowest slot. No static membership.
 * - S5: loading takes GROUP_LOAD_NS in one event; no offset retention or expiry, no Dead groups
 *   (the group is unloaded instead).
 * - A loaded member's session and rebalance timeouts are the configuration's (GroupMetadataValue
 *   keeps each member's; every consumer of a world shares them).
 * - At most GROUP_MEMBERS_MAX members and pending members at once (group.max.size is unbounded
 *   by default): a join beyond is answered COORDINATOR_NOT_AVAILABLE, which the consumer
 *   retries.
 * - selectProtocol: a tie of votes goes to range (Kafka's maxBy over a hash map).
 *
 * Sections: plumbing; members (GroupMetadata); appends (appendForGroup); storeGroup;
 * rebalancing (prepareRebalance, DelayedJoin, onCompleteJoin, pending sync); JoinGroup;
 * SyncGroup; Heartbeat and LeaveGroup; offsets (OffsetCommit, OffsetFetch, storeOffsets);
 * loading and unloading; timers and lifecycle.
 */
#include "group_coordinator.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "group_records.h"
#include "history.h"

/* Timer arguments: type in the low byte, a slot (member, commit, partition) from bit 8. */
enum {
    GC_T_LOAD = 1,  /* partition g: its load is done */
    GC_T_JOIN,      /* DelayedJoin / InitialDelayedJoin of the group */
    GC_T_SYNC,      /* DelayedSync: the pending-sync expiration */
    GC_T_MEMBER,    /* slot: DelayedHeartbeat of a member, or a pending member's expiration */
    GC_T_STORE,     /* storeGroup's append timed out (offsets.commit.timeout.ms) */
    GC_T_COMMIT,    /* commit slot: its append timed out */
};

static uint64_t gc_arg(int type, int index) { return (uint64_t)type | (uint64_t)index << 8; }

#define GROUP_MEMBERS_MAX 32        /* member slots (members and pending members) */
#define GROUP_COMMITS_MAX 32        /* offset commits being appended at once */
#define GROUP_KAFKA_2_2 20200       /* KIP-394: MEMBER_ID_REQUIRED */
#define GROUP_NEW_MEMBER_JOIN_TIMEOUT_NS (300 * SIM_S) /* GroupCoordinator.NewMemberJoinTimeoutMs */
#define GROUP_STREAM_BASE 512       /* PCG32 component id: + broker id */

typedef enum gc_slot_kind {
    GC_SLOT_FREE = 0,
    GC_SLOT_PENDING, /* pendingMembers: has an id, must rejoin with it (KIP-394) */
    GC_SLOT_MEMBER,  /* members */
} gc_slot_kind;

/* Where a waiting answer goes: the request's connection, as RequestChannel keeps it. */
typedef struct gc_reply {
    bool want;
    uint8_t api;
    node_id client;
    uint32_t gen;            /* the connection's generation */
    uint32_t correlation;
    uint16_t partition;      /* the request's msg.partition */
} gc_reply;

/* MemberMetadata. */
typedef struct gc_member {
    uint8_t kind;                 /* gc_slot_kind */
    proto_member_id id;
    node_id node;                 /* the consumer */
    int64_t session_timeout_ns;
    int64_t rebalance_timeout_ns;
    uint8_t protocols;            /* PROTO_ASSIGNOR_* bits */
    uint8_t preferred;            /* its first choice */
    int32_t owned_generation;
    uint16_t owned_count;
    uint16_t *owned;              /* owned partitions (subscription userData), g */
    uint16_t assignment_count;
    uint16_t *assignment;         /* g */
    bool is_new;                  /* isNew: joined, no completed join since */
    bool awaiting_join;           /* awaitingJoinCallback */
    gc_reply join_reply;
    bool awaiting_sync;           /* awaitingSyncCallback */
    gc_reply sync_reply;
    bool pending_sync;            /* pendingSyncMembers */
    sim_timer timer;              /* DelayedHeartbeat, or the pending member's expiration */
} gc_member;

/* An offset commit being appended (storeOffsets and its putCacheCallback); a TxnOffsetCommit
 * has the producer's id. */
typedef struct gc_commit {
    bool active;
    int64_t producer_id;          /* PROTO_NO_PRODUCER_ID: a plain OffsetCommit */
    int16_t producer_epoch;
    uint32_t id;                  /* identity of its staged offsets (OffsetAndMetadata ==) */
    gc_reply reply;
    int32_t coord_epoch;          /* the coordinator epoch it was appended at */
    int64_t required_offset;      /* the HW that makes it durable */
    int64_t batch_offset;         /* its batch's base offset (appendedBatchOffset) */
    int32_t generation;           /* of the committer */
    uint16_t count;
    proto_offset_entry entries[PROTO_OFFSET_ENTRIES_MAX];
    sim_timer timer;              /* offsets.commit.timeout.ms */
} gc_commit;

/* A committed offset in the cache (CommitRecordMetadataAndOffset). */
typedef struct gc_offset {
    int64_t offset;               /* -1 none */
    int64_t batch_offset;         /* where its record is in the log (olderThan) */
    int32_t leader_epoch;
    uint32_t pending;             /* pendingOffsetCommits: the staged commit's id, 0 none */
} gc_offset;

/* A pending transactional offset (pendingTransactionalOffsetCommits: by producer id, then
 * partition), awaiting its transaction's marker. */
typedef struct gc_txn_offset {
    int64_t producer_id;
    int64_t offset;
    int64_t batch_offset;         /* appendedBatchOffset, -1 while its append is not done */
    int32_t leader_epoch;
    int32_t generation;           /* of the committer, -1 without group metadata */
    uint32_t commit;              /* the commit that staged it (the equality of onTxnOffset-
                                   * CommitAppend) */
    uint16_t partition;           /* the input partition g */
} gc_txn_offset;

/* GroupMetadata of the world's group, loaded on this broker. */
typedef struct gc_group {
    bool exists;                  /* in groupMetadataCache (getOrMaybeCreateGroup) */
    int state;                    /* proto_group_state */
    int32_t generation;
    proto_member_id leader;       /* 0 none */
    uint8_t protocol;             /* protocolName: PROTO_ASSIGNOR_*, 0 none */
    int awaiting_join;            /* numMembersAwaitingJoin */
    bool new_member_added;        /* newMemberAdded (InitialDelayedJoin) */
    gc_member members[GROUP_MEMBERS_MAX];
    /* The delayed join: DelayedJoin (initial false) or InitialDelayedJoin. */
    bool join_initial;
    int64_t join_delay_ns, join_remaining_ns;
    sim_timer join_timer;
    sim_timer sync_timer;         /* DelayedSync */
    int32_t sync_generation;
    /* storeGroup of the current generation (at most one: a new rebalance supersedes it). */
    bool store_active;
    bool store_for_sync;          /* from the leader's SyncGroup (else the Empty group's) */
    int32_t store_generation;
    int32_t store_coord_epoch;
    int64_t store_required_offset;
    sim_timer store_timer;
} gc_group;

typedef enum gc_part_status {
    GC_PART_NONE = 0, /* not coordinated here */
    GC_PART_LOADING,  /* loadingPartitions */
    GC_PART_LOADED,   /* ownedPartitions */
} gc_part_status;

struct group_coord {
    broker *b;
    const config *c;
    sim_world *w;
    group_records *records;       /* borrowed: the world's */
    uint16_t kind;                /* kernel handler kind of its timers */
    int g;                        /* the group's __consumer_offsets partition */
    int partition_count;
    uint8_t status;               /* gc_part_status of g */
    int32_t coord_epoch;          /* g's leader epoch at the election */
    sim_timer load_timer;
    sim_pcg32 rng;                /* member ids */
    uint32_t commit_id_next;
    bool release;                 /* the current request waits: let its connection go */
    node_id release_client;
    gc_group group;
    gc_offset *offsets;           /* owned, by input partition g */
    gc_txn_offset *txn;           /* owned: pending transactional offsets */
    int txn_count, txn_capacity;
    uint32_t words[PROTO_OUTLINE_BYTES_MAX / sizeof(uint32_t)]; /* a JoinGroup answer's members */
    gc_commit *commits;           /* owned, GROUP_COMMITS_MAX */
};

/* ---- Plumbing ------------------------------------------------------------------------------ */

static int64_t now_ns(const group_coord *gc) { return sim_now(gc->w); }

static void out_of_memory(group_coord *gc) {
    sim_exhaust(gc->w, "broker-%d: out of memory (group coordinator)", gc->b->broker_id);
}

/* A protocol step on the group's partition: true when a crash is due and the coordinator goes
 * no further (protocol.h). */
static bool gc_step(group_coord *gc, proto_step s) {
    const broker_env *env = &gc->b->env;
    return env->step_fn && env->step_fn(env->step_ctx, gc->b->node, s, gc->g);
}

static gc_reply gc_reply_of(const group_coord *gc, node_id client) {
    const broker_conn *c = &gc->b->conns[client];
    return (gc_reply){.want = true,
                      .api = c->current.api,
                      .client = client,
                      .gen = c->gen,
                      .correlation = c->current.correlation_id,
                      .partition = c->current.partition};
}

/* Answers the connection's current request (muted until now). */
static void gc_respond_now(group_coord *gc, const gc_reply *r, proto_msg *m) {
    m->api = r->api;
    m->is_response = 1;
    broker_coordinator_respond(gc->b, r->client, r->gen, r->correlation, m);
}

/* Answers a request that waited with its connection let go (S1). */
static void gc_respond_late(group_coord *gc, const gc_reply *r, proto_msg *m) {
    if (!r->want) return;
    m->api = r->api;
    m->is_response = 1;
    m->partition = r->partition;
    broker_coordinator_answer(gc->b, r->client, r->gen, r->correlation, m);
}

static void gc_group_error(group_coord *gc, node_id client, int16_t error) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.group_response.error = error;
    gc_reply r = gc_reply_of(gc, client);
    gc_respond_now(gc, &r, &m);
}

static int gc_member_count(const gc_group *grp) {
    int n = 0;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) n += grp->members[i].kind == GC_SLOT_MEMBER;
    return n;
}

static void gc_record_group(group_coord *gc) {
    const gc_group *grp = &gc->group;
    history_group(gc->b->env.history, now_ns(gc), gc->b->node, gc->g, grp->generation, grp->state,
                  gc_member_count(grp), gc->coord_epoch, grp->leader);
}

static void gc_record_member(group_coord *gc, const gc_member *m, int event) {
    history_member(gc->b->env.history, now_ns(gc), gc->b->node, gc->g, m->id, event, m->node);
}

/* GroupState.validPreviousStates (GroupMetadata.scala). */
static bool gc_valid_previous(int to, int from) {
    switch (to) {
    case GROUP_PREPARING_REBALANCE:
        return from == GROUP_STABLE || from == GROUP_COMPLETING_REBALANCE || from == GROUP_EMPTY;
    case GROUP_COMPLETING_REBALANCE: return from == GROUP_PREPARING_REBALANCE;
    case GROUP_STABLE: return from == GROUP_COMPLETING_REBALANCE;
    case GROUP_EMPTY: return from == GROUP_PREPARING_REBALANCE;
    default: return false;
    }
}

/* transitionTo, recorded. */
static void gc_transition(group_coord *gc, int state) {
    SIM_ASSERT(gc->w, gc_valid_previous(state, gc->group.state));
    gc->group.state = state;
    gc_record_group(gc);
}

/* The group's invariants, after every request and timer: the count of members awaiting their
 * join is theirs; a group with members has one of them as leader; only members of a
 * generation in CompletingRebalance or Stable await a SyncGroup answer. */
static void gc_check(group_coord *gc) {
    const gc_group *grp = &gc->group;
    int awaiting = 0, members = 0;
    bool leader_in = false;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        const gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER) {
            SIM_ASSERT(gc->w, !m->awaiting_join && !m->awaiting_sync);
            continue;
        }
        members++;
        awaiting += m->awaiting_join;
        leader_in |= m->id == grp->leader;
        SIM_ASSERT(gc->w, !m->awaiting_sync || grp->state == GROUP_COMPLETING_REBALANCE);
    }
    SIM_ASSERT(gc->w, awaiting == grp->awaiting_join);
    SIM_ASSERT(gc->w, members == 0 || leader_in);
    SIM_ASSERT(gc->w, grp->state != GROUP_EMPTY || members == 0 || gc->status != GC_PART_LOADED);
}

/* ---- Members (GroupMetadata) --------------------------------------------------------------- */

static gc_member *gc_find(gc_group *grp, proto_member_id id, int kind) {
    if (id == PROTO_MEMBER_UNKNOWN) return NULL;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == kind && grp->members[i].id == id) return &grp->members[i];
    return NULL;
}

static int gc_slot_of(const gc_group *grp, const gc_member *m) { return (int)(m - grp->members); }

/* A free slot, NULL when all are taken. */
static gc_member *gc_free_slot(gc_group *grp) {
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == GC_SLOT_FREE) return &grp->members[i];
    return NULL;
}

/* generateMemberId: a fresh non-zero id no slot holds. */
static proto_member_id gc_new_member_id(group_coord *gc) {
    for (;;) {
        proto_member_id id = sim_pcg32_next(&gc->rng);
        if (id == PROTO_MEMBER_UNKNOWN) continue;
        bool taken = false;
        for (int i = 0; i < GROUP_MEMBERS_MAX && !taken; i++)
            taken = gc->group.members[i].kind != GC_SLOT_FREE && gc->group.members[i].id == id;
        if (!taken) return id;
    }
}

/* The protocols every member supports (candidateProtocols), all when there is none. */
static uint8_t gc_common_protocols(const gc_group *grp) {
    uint8_t common = PROTO_ASSIGNOR_RANGE | PROTO_ASSIGNOR_COOPERATIVE_STICKY;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == GC_SLOT_MEMBER) common &= grp->members[i].protocols;
    return common;
}

/* supportsProtocols: a first member must bring some protocol, a later one one that all share. */
static bool gc_supports(const gc_group *grp, uint8_t protocols) {
    if (protocols == 0) return false;
    return gc_member_count(grp) == 0 || (gc_common_protocols(grp) & protocols) != 0;
}

/* selectProtocol: each member votes its first preference among the common protocols. */
static uint8_t gc_select_protocol(const gc_group *grp) {
    uint8_t common = gc_common_protocols(grp);
    int votes[3] = {0, 0, 0};
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        const gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER) continue;
        uint8_t vote = (m->preferred & common) ? m->preferred : (uint8_t)(m->protocols & common);
        if (vote & PROTO_ASSIGNOR_RANGE) votes[1]++;
        else votes[2]++;
    }
    if (!(common & PROTO_ASSIGNOR_COOPERATIVE_STICKY)) return PROTO_ASSIGNOR_RANGE;
    if (!(common & PROTO_ASSIGNOR_RANGE)) return PROTO_ASSIGNOR_COOPERATIVE_STICKY;
    return votes[2] > votes[1] ? PROTO_ASSIGNOR_COOPERATIVE_STICKY : PROTO_ASSIGNOR_RANGE;
}

/* rebalanceTimeoutMs: the largest of the members'. */
static int64_t gc_rebalance_timeout_ns(const gc_group *grp) {
    int64_t t = 0;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == GC_SLOT_MEMBER && grp->members[i].rebalance_timeout_ns > t)
            t = grp->members[i].rebalance_timeout_ns;
    return t;
}

/* hasAllMembersJoined: every member awaits its join and no pending member is left. */
static bool gc_all_joined(const gc_group *grp) {
    int members = 0;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        if (grp->members[i].kind == GC_SLOT_PENDING) return false;
        members += grp->members[i].kind == GC_SLOT_MEMBER;
    }
    return members == grp->awaiting_join;
}

static void gc_set_awaiting_join(gc_group *grp, gc_member *m, const gc_reply *reply) {
    if (reply && !m->awaiting_join) grp->awaiting_join++;
    else if (!reply && m->awaiting_join) grp->awaiting_join--;
    m->awaiting_join = reply != NULL;
    m->join_reply = reply ? *reply : (gc_reply){0};
}

static void gc_slot_clear(gc_member *m) {
    sim_timer_cancel(&m->timer);
    uint16_t *owned = m->owned, *assignment = m->assignment;
    memset(m, 0, sizeof *m);
    m->owned = owned;
    m->assignment = assignment;
}

/* GroupMetadata.remove: the slot is freed; a removed leader hands over to the first member. */
static void gc_remove(group_coord *gc, gc_member *m) {
    gc_group *grp = &gc->group;
    if (m->awaiting_join) grp->awaiting_join--;
    proto_member_id id = m->id;
    gc_slot_clear(m);
    if (grp->leader == id) {
        grp->leader = PROTO_MEMBER_UNKNOWN;
        for (int i = 0; i < GROUP_MEMBERS_MAX && !grp->leader; i++)
            if (grp->members[i].kind == GC_SLOT_MEMBER) grp->leader = grp->members[i].id;
    }
}

/* completeAndScheduleNextExpiration: the member's next heartbeat is due within timeout_ns. */
static void gc_schedule_expiration(group_coord *gc, gc_member *m, int64_t timeout_ns) {
    sim_timer_arm(gc->w, &m->timer, now_ns(gc) + timeout_ns, gc->kind,
                  gc_arg(GC_T_MEMBER, gc_slot_of(&gc->group, m)));
}

/* MemberMetadata.hasSatisfiedHeartbeat at the expiration: a new member must have completed a
 * join; a member awaiting its join or sync answer counts as alive. */
static bool gc_heartbeat_satisfied(const gc_member *m) {
    if (m->is_new) return false;
    return m->awaiting_join || m->awaiting_sync;
}

/* ---- Appends (appendForGroup: acks=all, offsets.commit.timeout.ms) ------------------------ */

/* Appends n records of the arena, from first, as one batch of the group's partition. Returns
 * NONE with *required and *base, else the append error (NOT_LEADER_OR_FOLLOWER,
 * NOT_ENOUGH_REPLICAS). */
static int16_t gc_append(group_coord *gc, uint32_t first, uint32_t n, int64_t pid, int16_t epoch,
                         int64_t *required, int64_t *base) {
    proto_batch batch;
    memset(&batch, 0, sizeof batch);
    batch.base_offset = -1;
    batch.producer_id = PROTO_NO_PRODUCER_ID;
    batch.producer_epoch = PROTO_NO_PRODUCER_EPOCH;
    batch.base_sequence = PROTO_NO_SEQUENCE;
    if (pid != PROTO_NO_PRODUCER_ID) { /* generateOffsetRecords: a transactional batch */
        batch.producer_id = pid;
        batch.producer_epoch = epoch;
        batch.base_sequence = 0;
        batch.flags = PROTO_BATCH_TRANSACTIONAL;
    }
    batch.max_timestamp_ns = now_ns(gc);
    batch.payload = first;
    batch.record_count = n;
    batch.attempt = 1;
    batch.partition = (uint16_t)gc->g;
    *base = broker_log_end_offset(gc->b, gc->g);
    return broker_coordinator_append(gc->b, gc->g, &batch, required);
}

/* ---- storeGroup ---------------------------------------------------------------------------- */

static void gc_store_done(group_coord *gc, int16_t error);

/* GroupMetadataValue of the group as it is (members with their assignments). */
static uint32_t gc_metadata_record(group_coord *gc) {
    gc_group *grp = &gc->group;
    uint32_t at = (uint32_t)gc->records->words_count;
    int members = 0;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        const gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER) continue;
        uint32_t head[3] = {m->id, m->node, m->assignment_count};
        if (group_records_add_words(gc->records, head, 3) == UINT32_MAX) return UINT32_MAX;
        for (int k = 0; k < m->assignment_count; k++) {
            uint32_t g = m->assignment[k];
            if (group_records_add_words(gc->records, &g, 1) == UINT32_MAX) return UINT32_MAX;
        }
        members++;
    }
    group_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = GROUP_RECORD_METADATA;
    rec.offset = -1;
    rec.generation = grp->generation;
    rec.leader_epoch = -1;
    rec.member = grp->leader;
    rec.members_at = at;
    rec.member_count = (uint16_t)members;
    rec.state = (uint8_t)(members ? GROUP_STABLE : GROUP_EMPTY);
    rec.protocol = grp->protocol;
    return group_records_add(gc->records, &rec, 1);
}

/* storeGroup: the group's metadata appended; gc_store_done follows when it is durable, fails or
 * times out. */
static void gc_store_group(group_coord *gc, bool for_sync) {
    gc_group *grp = &gc->group;
    uint32_t first = gc_metadata_record(gc);
    if (first == UINT32_MAX) {
        out_of_memory(gc);
        return;
    }
    grp->store_active = true;
    grp->store_for_sync = for_sync;
    grp->store_generation = grp->generation;
    grp->store_coord_epoch = gc->coord_epoch;
    int64_t base = 0;
    int16_t error = gc_append(gc, first, 1, PROTO_NO_PRODUCER_ID, PROTO_NO_PRODUCER_EPOCH,
                              &grp->store_required_offset, &base);
    if (error != ERR_NONE) {
        gc_store_done(gc, error);
        return;
    }
    sim_timer_arm(gc->w, &grp->store_timer, now_ns(gc) + gc->c->offsets_commit_timeout_ns,
                  gc->kind, gc_arg(GC_T_STORE, 0));
    broker_coordinator_append_settle(gc->b, gc->g); /* may complete it at once */
}

static void gc_propagate_assignment(group_coord *gc, int16_t error);
static void gc_maybe_prepare_rebalance(group_coord *gc);

/* storeGroup's putCacheCallback and the SyncGroup callback: error is the append's. */
static void gc_store_done(group_coord *gc, int16_t error) {
    gc_group *grp = &gc->group;
    grp->store_active = false;
    sim_timer_cancel(&grp->store_timer);
    switch (error) {
    case ERR_NONE: break;
    case ERR_NOT_ENOUGH_REPLICAS:
    case ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: error = ERR_COORDINATOR_NOT_AVAILABLE; break;
    case ERR_REQUEST_TIMED_OUT: error = ERR_REBALANCE_IN_PROGRESS; break;
    default: error = ERR_NOT_COORDINATOR; break;
    }
    if (!grp->store_for_sync || gc->status != GC_PART_LOADED) return;
    /* Only if the group is still completing the same generation. */
    if (grp->state != GROUP_COMPLETING_REBALANCE || grp->generation != grp->store_generation)
        return;
    if (error != ERR_NONE) { /* resetAndPropagateAssignmentError, maybePrepareRebalance */
        for (int i = 0; i < GROUP_MEMBERS_MAX; i++) grp->members[i].assignment_count = 0;
        gc_propagate_assignment(gc, error);
        gc_maybe_prepare_rebalance(gc);
        return;
    }
    gc_propagate_assignment(gc, ERR_NONE);
    gc_transition(gc, GROUP_STABLE);
    gc_step(gc, STEP_GROUP_STABLE);
}

/* ---- Rebalancing (prepareRebalance, DelayedJoin, onCompleteJoin, DelayedSync) -------------- */

static void gc_complete_join(group_coord *gc);

/* propagateAssignment: every member awaiting its SyncGroup answer gets its assignment (or the
 * error) and a fresh session. */
static void gc_propagate_assignment(group_coord *gc, int16_t error) {
    gc_group *grp = &gc->group;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER || !m->awaiting_sync) continue;
        proto_msg r;
        memset(&r, 0, sizeof r);
        r.u.sync_group_response.error = error;
        if (error == ERR_NONE) {
            r.u.sync_group_response.assignment_count = m->assignment_count;
            r.u.sync_group_response.assignment = m->assignment_count ? m->assignment : NULL;
        }
        gc_reply reply = m->sync_reply;
        m->awaiting_sync = false;
        m->sync_reply = (gc_reply){0};
        gc_respond_late(gc, &reply, &r);
        gc_schedule_expiration(gc, m, m->session_timeout_ns);
    }
}

/* tryCompleteJoin of a DelayedJoin: complete when every member has rejoined. */
static void gc_try_complete_join(group_coord *gc) {
    gc_group *grp = &gc->group;
    if (grp->state != GROUP_PREPARING_REBALANCE || grp->join_initial) return;
    if (!gc_all_joined(grp)) return;
    sim_timer_cancel(&grp->join_timer);
    gc_complete_join(gc);
}

/* A DelayedJoin of timeout_ns (the rebalance timeout), tried at once (tryCompleteElseWatch). */
static void gc_delayed_join(group_coord *gc, int64_t timeout_ns) {
    gc_group *grp = &gc->group;
    grp->join_initial = false;
    sim_timer_arm(gc->w, &grp->join_timer, now_ns(gc) + timeout_ns, gc->kind, gc_arg(GC_T_JOIN, 0));
    gc_try_complete_join(gc);
}

/* InitialDelayedJoin: never completes early; at its end, again while members keep coming. */
static void gc_initial_delayed_join(group_coord *gc, int64_t delay_ns, int64_t remaining_ns) {
    gc_group *grp = &gc->group;
    grp->join_initial = true;
    grp->join_delay_ns = delay_ns;
    grp->join_remaining_ns = remaining_ns;
    sim_timer_arm(gc->w, &grp->join_timer, now_ns(gc) + delay_ns, gc->kind, gc_arg(GC_T_JOIN, 0));
}

/* prepareRebalance. */
static void gc_prepare_rebalance(group_coord *gc) {
    gc_group *grp = &gc->group;
    if (grp->state == GROUP_COMPLETING_REBALANCE) { /* resetAndPropagateAssignmentError */
        for (int i = 0; i < GROUP_MEMBERS_MAX; i++) grp->members[i].assignment_count = 0;
        gc_propagate_assignment(gc, ERR_REBALANCE_IN_PROGRESS);
    }
    /* removeSyncExpiration */
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) grp->members[i].pending_sync = false;
    sim_timer_cancel(&grp->sync_timer);
    bool was_empty = grp->state == GROUP_EMPTY;
    int64_t rebalance_ns = gc_rebalance_timeout_ns(grp);
    gc_transition(gc, GROUP_PREPARING_REBALANCE);
    if (gc_step(gc, STEP_GROUP_REBALANCE)) return;
    if (was_empty) {
        int64_t delay = gc->c->group_initial_rebalance_delay_ns;
        gc_initial_delayed_join(gc, delay, rebalance_ns - delay > 0 ? rebalance_ns - delay : 0);
    } else {
        gc_delayed_join(gc, rebalance_ns);
    }
}

/* maybePrepareRebalance: from Stable, CompletingRebalance or Empty. */
static void gc_maybe_prepare_rebalance(group_coord *gc) {
    if (gc_valid_previous(GROUP_PREPARING_REBALANCE, gc->group.state)) gc_prepare_rebalance(gc);
}

/* The JoinGroup answer of member m in the current generation (the members to the leader
 * only), into r; its words in gc->words. */
static void gc_join_answer(group_coord *gc, const gc_member *m, int16_t error, proto_msg *r) {
    const gc_group *grp = &gc->group;
    memset(r, 0, sizeof *r);
    proto_join_group_response *jr = &r->u.join_group_response;
    jr->error = error;
    jr->member_id = m->id;
    jr->generation = PROTO_GENERATION_NONE;
    if (error != ERR_NONE) return;
    jr->generation = grp->generation;
    jr->leader_id = grp->leader;
    jr->protocol = grp->protocol;
    if (m->id != grp->leader) return;
    size_t n = 0, max = sizeof gc->words / sizeof *gc->words; /* currentMemberMetadata */
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        const gc_member *o = &grp->members[i];
        if (o->kind != GC_SLOT_MEMBER) continue;
        if (n + 4 + o->owned_count > max) break; /* beyond a response's room */
        gc->words[n++] = o->id;
        gc->words[n++] = o->node;
        gc->words[n++] = (uint32_t)o->owned_generation;
        gc->words[n++] = o->owned_count;
        for (int k = 0; k < o->owned_count; k++) gc->words[n++] = o->owned[k];
    }
    jr->member_words = (uint16_t)n;
    jr->members = n ? gc->words : NULL;
}

/* maybeInvokeJoinCallback: the waiting JoinGroup of m is answered. */
static void gc_answer_join(group_coord *gc, gc_member *m, int16_t error) {
    if (!m->awaiting_join) return;
    proto_msg r;
    gc_join_answer(gc, m, error, &r);
    gc_reply reply = m->join_reply;
    gc_set_awaiting_join(&gc->group, m, NULL);
    gc_respond_late(gc, &reply, &r);
}

/* onCompleteJoin. */
static void gc_complete_join(group_coord *gc) {
    gc_group *grp = &gc->group;
    /* Dynamic members that did not rejoin in time are removed. */
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER || m->awaiting_join) continue;
        gc_record_member(gc, m, HIST_MEMBER_NOT_REJOINED);
        gc_remove(gc, m);
    }
    int members = gc_member_count(grp);
    if (members > 0 && grp->awaiting_join == 0) {
        /* !maybeElectNewJoinedLeader with members left: wait another rebalance timeout. */
        gc_delayed_join(gc, gc_rebalance_timeout_ns(grp));
        return;
    }
    if (members > 0) { /* maybeElectNewJoinedLeader */
        gc_member *leader = gc_find(grp, grp->leader, GC_SLOT_MEMBER);
        if (!leader || !leader->awaiting_join)
            for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
                if (grp->members[i].kind == GC_SLOT_MEMBER && grp->members[i].awaiting_join) {
                    grp->leader = grp->members[i].id;
                    break;
                }
    }
    /* initNextGeneration */
    grp->generation++;
    if (members == 0) {
        grp->protocol = 0;
        gc_transition(gc, GROUP_EMPTY);
        gc_store_group(gc, false); /* its failure is only logged */
        return;
    }
    grp->protocol = gc_select_protocol(grp);
    gc_transition(gc, GROUP_COMPLETING_REBALANCE);
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER) continue;
        gc_answer_join(gc, m, ERR_NONE);
        gc_schedule_expiration(gc, m, m->session_timeout_ns);
        m->is_new = false;
        m->pending_sync = true;
    }
    /* schedulePendingSync: DelayedSync of the rebalance timeout. */
    grp->sync_generation = grp->generation;
    sim_timer_arm(gc->w, &grp->sync_timer, now_ns(gc) + gc_rebalance_timeout_ns(grp), gc->kind,
                  gc_arg(GC_T_SYNC, 0));
}

/* The join timer: a DelayedJoin expired, or an InitialDelayedJoin's delay ended. */
static void gc_on_join_timer(group_coord *gc) {
    gc_group *grp = &gc->group;
    if (grp->state != GROUP_PREPARING_REBALANCE) return;
    if (grp->join_initial && grp->new_member_added && grp->join_remaining_ns != 0) {
        grp->new_member_added = false;
        int64_t configured = gc->c->group_initial_rebalance_delay_ns;
        int64_t delay = configured < grp->join_remaining_ns ? configured : grp->join_remaining_ns;
        int64_t remaining = grp->join_remaining_ns - grp->join_delay_ns;
        gc_initial_delayed_join(gc, delay, remaining > 0 ? remaining : 0);
        return;
    }
    grp->join_initial = false;
    gc_complete_join(gc);
}

/* removePendingSyncMember / maybeCompleteSyncExpiration: the DelayedSync completes once every
 * member has sent its SyncGroup. */
static void gc_sync_received(group_coord *gc, gc_member *m) {
    gc_group *grp = &gc->group;
    m->pending_sync = false;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == GC_SLOT_MEMBER && grp->members[i].pending_sync) return;
    sim_timer_cancel(&grp->sync_timer);
}

/* onExpirePendingSync: members that never sent their SyncGroup are removed; rebalance. */
static void gc_on_sync_timer(group_coord *gc) {
    gc_group *grp = &gc->group;
    if (grp->sync_generation != grp->generation) return;
    if (grp->state != GROUP_COMPLETING_REBALANCE && grp->state != GROUP_STABLE) return;
    bool removed = false;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER || !m->pending_sync) continue;
        gc_record_member(gc, m, HIST_MEMBER_SYNC_EXPIRED);
        gc_remove(gc, m);
        removed = true;
    }
    if (removed) gc_prepare_rebalance(gc);
}

/* removeMemberAndUpdateGroup: a waiting JoinGroup gets UNKNOWN_MEMBER_ID, the member goes, the
 * group rebalances (or its join may now complete). */
static void gc_remove_member_and_update(group_coord *gc, gc_member *m, int event) {
    gc_group *grp = &gc->group;
    gc_record_member(gc, m, event);
    if (m->awaiting_join) {
        proto_msg r;
        memset(&r, 0, sizeof r);
        r.u.join_group_response.error = ERR_UNKNOWN_MEMBER_ID;
        r.u.join_group_response.generation = PROTO_GENERATION_NONE;
        gc_reply reply = m->join_reply;
        gc_set_awaiting_join(grp, m, NULL);
        gc_respond_late(gc, &reply, &r);
    }
    gc_remove(gc, m);
    switch (grp->state) {
    case GROUP_STABLE:
    case GROUP_COMPLETING_REBALANCE: gc_maybe_prepare_rebalance(gc); break;
    case GROUP_PREPARING_REBALANCE: gc_try_complete_join(gc); break;
    default: break;
    }
}

/* onExpireHeartbeat (and a pending member's expiration). */
static void gc_on_member_timer(group_coord *gc, int slot) {
    gc_group *grp = &gc->group;
    gc_member *m = &grp->members[slot];
    if (m->kind == GC_SLOT_PENDING) { /* removePendingMemberAndUpdateGroup */
        gc_slot_clear(m);
        gc_try_complete_join(gc);
        return;
    }
    if (m->kind != GC_SLOT_MEMBER || gc_heartbeat_satisfied(m)) return;
    gc_remove_member_and_update(gc, m, HIST_MEMBER_EXPIRED);
}

/* ---- JoinGroup (handleJoinGroup, doNewMemberJoinGroup, doCurrentMemberJoinGroup) ------------ */

/* validateGroupStatus: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or NONE. */
static int16_t gc_group_status(const group_coord *gc) {
    if (gc->status == GC_PART_LOADING) return ERR_COORDINATOR_LOAD_IN_PROGRESS;
    if (gc->status != GC_PART_LOADED) return ERR_NOT_COORDINATOR;
    return ERR_NONE;
}

static void gc_join_error(group_coord *gc, node_id client, proto_member_id id, int16_t error) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.join_group_response.error = error;
    m.u.join_group_response.member_id = id;
    m.u.join_group_response.generation = PROTO_GENERATION_NONE;
    gc_reply r = gc_reply_of(gc, client);
    gc_respond_now(gc, &r, &m);
}

/* The member's subscription as the request brings it (updateMember). */
static void gc_member_update(group_coord *gc, gc_member *m, const proto_join_group_request *req) {
    m->session_timeout_ns = (int64_t)req->session_timeout_ms * SIM_MS;
    m->rebalance_timeout_ns = (int64_t)req->rebalance_timeout_ms * SIM_MS;
    m->protocols = req->protocols;
    m->preferred = req->preferred;
    m->owned_generation = req->owned_generation;
    int n = req->owned_count;
    if (n > gc->partition_count) n = gc->partition_count;
    if (n > 0 && req->owned) memcpy(m->owned, req->owned, (size_t)n * sizeof *m->owned);
    m->owned_count = (uint16_t)(req->owned ? n : 0);
}

/* The request of client waits (a JoinGroup for the barrier, a SyncGroup for the assignment):
 * its connection goes on once the handler is done (S1), so that nothing queued behind it runs
 * in the middle of the handler. */
static void gc_release_later(group_coord *gc, node_id client) {
    gc->release = true;
    gc->release_client = client;
}

/* Parks the JoinGroup of m (it waits for the barrier). */
static void gc_park_join(group_coord *gc, gc_member *m, node_id client) {
    gc_reply reply = gc_reply_of(gc, client);
    gc_set_awaiting_join(&gc->group, m, &reply);
    gc_release_later(gc, client);
}

/* addMemberAndRebalance. */
static void gc_add_member(group_coord *gc, gc_member *slot, proto_member_id id, node_id client,
                          const proto_join_group_request *req) {
    gc_group *grp = &gc->group;
    gc_slot_clear(slot);
    slot->kind = GC_SLOT_MEMBER;
    slot->id = id;
    slot->node = client;
    slot->owned_generation = PROTO_GENERATION_NONE;
    gc_member_update(gc, slot, req);
    slot->is_new = true;
    if (grp->state == GROUP_PREPARING_REBALANCE && grp->generation == 0)
        grp->new_member_added = true;
    if (grp->leader == PROTO_MEMBER_UNKNOWN) grp->leader = id;
    gc_record_member(gc, slot, HIST_MEMBER_JOINED);
    gc_park_join(gc, slot, client);
    gc_schedule_expiration(gc, slot, GROUP_NEW_MEMBER_JOIN_TIMEOUT_NS);
    gc_maybe_prepare_rebalance(gc);
}

/* doNewMemberJoinGroup: a member id is drawn; from 2.2 the member must come back with it. */
static void gc_join_new(group_coord *gc, node_id client, const proto_join_group_request *req) {
    gc_group *grp = &gc->group;
    if (!gc_supports(grp, req->protocols)) {
        gc_join_error(gc, client, PROTO_MEMBER_UNKNOWN, ERR_INCONSISTENT_GROUP_PROTOCOL);
        return;
    }
    gc_member *slot = gc_free_slot(grp);
    if (!slot) {
        gc_join_error(gc, client, PROTO_MEMBER_UNKNOWN, ERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    proto_member_id id = gc_new_member_id(gc);
    if (gc->c->kafka_version >= GROUP_KAFKA_2_2) { /* requireKnownMemberId */
        gc_slot_clear(slot);
        slot->kind = GC_SLOT_PENDING;
        slot->id = id;
        slot->node = client;
        gc_schedule_expiration(gc, slot, (int64_t)req->session_timeout_ms * SIM_MS);
        gc_join_error(gc, client, id, ERR_MEMBER_ID_REQUIRED);
        return;
    }
    gc_add_member(gc, slot, id, client, req);
}

/* The current generation's answer to a member that rejoined unchanged (a follower in Stable,
 * or any member in CompletingRebalance that lost its answer). */
static void gc_join_current(group_coord *gc, gc_member *m, node_id client) {
    proto_msg r;
    gc_join_answer(gc, m, ERR_NONE, &r);
    gc_reply reply = gc_reply_of(gc, client);
    gc_respond_now(gc, &reply, &r);
}

/* The member's protocols and owned partitions are what it sent before (MemberMetadata.matches). */
static bool gc_member_matches(const gc_member *m, const proto_join_group_request *req) {
    if (m->protocols != req->protocols || m->preferred != req->preferred) return false;
    if (m->owned_generation != req->owned_generation || m->owned_count != req->owned_count)
        return false;
    return m->owned_count == 0 || !req->owned ||
           memcmp(m->owned, req->owned, (size_t)m->owned_count * sizeof *m->owned) == 0;
}

/* doCurrentMemberJoinGroup. */
static void gc_join_current_member(group_coord *gc, node_id client,
                                   const proto_join_group_request *req) {
    gc_group *grp = &gc->group;
    gc_member *pending = gc_find(grp, req->member_id, GC_SLOT_PENDING);
    if (!gc_supports(grp, req->protocols)) {
        gc_join_error(gc, client, req->member_id, ERR_INCONSISTENT_GROUP_PROTOCOL);
        return;
    }
    if (pending) {
        gc_add_member(gc, pending, pending->id, client, req);
        return;
    }
    gc_member *m = gc_find(grp, req->member_id, GC_SLOT_MEMBER);
    if (!m) {
        gc_join_error(gc, client, req->member_id, ERR_UNKNOWN_MEMBER_ID);
        return;
    }
    m->node = client;
    switch (grp->state) {
    case GROUP_PREPARING_REBALANCE: /* updateMemberAndRebalance */
        gc_member_update(gc, m, req);
        gc_park_join(gc, m, client);
        break;
    case GROUP_COMPLETING_REBALANCE:
        if (gc_member_matches(m, req)) { /* lost its JoinGroup answer: the same again */
            gc_join_current(gc, m, client);
            return;
        }
        gc_member_update(gc, m, req);
        gc_park_join(gc, m, client);
        gc_maybe_prepare_rebalance(gc);
        break;
    case GROUP_STABLE:
        if (m->id == grp->leader || !gc_member_matches(m, req)) {
            gc_member_update(gc, m, req);
            gc_park_join(gc, m, client);
            gc_maybe_prepare_rebalance(gc);
        } else {
            gc_join_current(gc, m, client);
        }
        break;
    default: /* Empty: the group reached an unexpected state; the member resets and rejoins */
        gc_join_error(gc, client, req->member_id, ERR_UNKNOWN_MEMBER_ID);
        return;
    }
}

static void gc_on_join_group(group_coord *gc, node_id client) {
    const proto_join_group_request *req = &gc->b->conns[client].current.u.join_group;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) {
        gc_join_error(gc, client, req->member_id, status);
        return;
    }
    int64_t session_ns = (int64_t)req->session_timeout_ms * SIM_MS;
    if (session_ns < gc->c->group_min_session_timeout_ns ||
        session_ns > gc->c->group_max_session_timeout_ns) {
        gc_join_error(gc, client, req->member_id, ERR_INVALID_SESSION_TIMEOUT);
        return;
    }
    gc_group *grp = &gc->group;
    if (req->member_id == PROTO_MEMBER_UNKNOWN) {
        grp->exists = true; /* getOrMaybeCreateGroup */
        gc_join_new(gc, client, req);
    } else if (!grp->exists) {
        gc_join_error(gc, client, req->member_id, ERR_UNKNOWN_MEMBER_ID);
        return;
    } else {
        gc_join_current_member(gc, client, req);
    }
    if (gc->b->alive && grp->state == GROUP_PREPARING_REBALANCE) gc_try_complete_join(gc);
}

/* ---- SyncGroup (handleSyncGroup, doSyncGroup) ---------------------------------------------- */

static void gc_sync_error(group_coord *gc, node_id client, int16_t error) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.sync_group_response.error = error;
    gc_reply r = gc_reply_of(gc, client);
    gc_respond_now(gc, &r, &m);
}

/* The leader's assignments, words [member_id, count, g ...]; members it left out get none. */
static void gc_take_assignments(group_coord *gc, const proto_sync_group_request *req) {
    gc_group *grp = &gc->group;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) grp->members[i].assignment_count = 0;
    size_t n = req->assignment_words;
    const uint32_t *w = req->assignments;
    for (size_t at = 0; w && at + 2 <= n;) {
        proto_member_id id = w[at];
        size_t count = w[at + 1];
        at += 2;
        if (count > n - at) count = n - at;
        gc_member *m = gc_find(grp, id, GC_SLOT_MEMBER);
        if (m) {
            size_t keep = count < (size_t)gc->partition_count ? count : (size_t)gc->partition_count;
            for (size_t k = 0; k < keep; k++) m->assignment[k] = (uint16_t)w[at + k];
            m->assignment_count = (uint16_t)keep;
        }
        at += count;
    }
}

static void gc_on_sync_group(group_coord *gc, node_id client) {
    const proto_sync_group_request *req = &gc->b->conns[client].current.u.sync_group;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) { /* a loading coordinator lost the rebalance: rejoin */
        gc_sync_error(gc, client, status == ERR_COORDINATOR_LOAD_IN_PROGRESS
                                      ? ERR_REBALANCE_IN_PROGRESS : status);
        return;
    }
    gc_group *grp = &gc->group;
    gc_member *m = grp->exists ? gc_find(grp, req->member_id, GC_SLOT_MEMBER) : NULL;
    if (!m) {
        gc_sync_error(gc, client, ERR_UNKNOWN_MEMBER_ID);
        return;
    }
    if (req->generation != grp->generation) {
        gc_sync_error(gc, client, ERR_ILLEGAL_GENERATION);
        return;
    }
    switch (grp->state) {
    case GROUP_EMPTY: gc_sync_error(gc, client, ERR_UNKNOWN_MEMBER_ID); return;
    case GROUP_PREPARING_REBALANCE: gc_sync_error(gc, client, ERR_REBALANCE_IN_PROGRESS); return;
    case GROUP_COMPLETING_REBALANCE:
        m->awaiting_sync = true;
        m->sync_reply = gc_reply_of(gc, client);
        gc_sync_received(gc, m);
        gc_release_later(gc, client);
        if (m->id == grp->leader) {
            gc_take_assignments(gc, req);
            gc_store_group(gc, true);
        }
        return;
    case GROUP_STABLE: {
        gc_sync_received(gc, m);
        proto_msg r;
        memset(&r, 0, sizeof r);
        r.u.sync_group_response.assignment_count = m->assignment_count;
        r.u.sync_group_response.assignment = m->assignment_count ? m->assignment : NULL;
        gc_reply reply = gc_reply_of(gc, client);
        gc_respond_now(gc, &reply, &r);
        gc_schedule_expiration(gc, m, m->session_timeout_ns);
        return;
    }
    default: gc_sync_error(gc, client, ERR_COORDINATOR_NOT_AVAILABLE); return;
    }
}

/* ---- Heartbeat and LeaveGroup -------------------------------------------------------------- */

static void gc_on_heartbeat(group_coord *gc, node_id client) {
    const proto_heartbeat_group_request *req = &gc->b->conns[client].current.u.group_heartbeat;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) { /* while loading, answered blindly */
        gc_group_error(gc, client, status == ERR_COORDINATOR_LOAD_IN_PROGRESS ? ERR_NONE : status);
        return;
    }
    gc_group *grp = &gc->group;
    gc_member *m = grp->exists ? gc_find(grp, req->member_id, GC_SLOT_MEMBER) : NULL;
    int16_t error = ERR_NONE;
    if (!m) error = ERR_UNKNOWN_MEMBER_ID;
    else if (req->generation != grp->generation) error = ERR_ILLEGAL_GENERATION;
    else if (grp->state == GROUP_EMPTY) error = ERR_UNKNOWN_MEMBER_ID;
    else {
        gc_schedule_expiration(gc, m, m->session_timeout_ns);
        if (grp->state == GROUP_PREPARING_REBALANCE) error = ERR_REBALANCE_IN_PROGRESS;
    }
    gc_group_error(gc, client, error);
}

static void gc_on_leave_group(group_coord *gc, node_id client) {
    const proto_heartbeat_group_request *req = &gc->b->conns[client].current.u.group_heartbeat;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) {
        gc_group_error(gc, client, status);
        return;
    }
    gc_group *grp = &gc->group;
    gc_member *pending = gc_find(grp, req->member_id, GC_SLOT_PENDING);
    gc_member *m = gc_find(grp, req->member_id, GC_SLOT_MEMBER);
    int16_t error = ERR_NONE;
    if (pending) { /* removePendingMemberAndUpdateGroup */
        gc_slot_clear(pending);
        if (grp->state == GROUP_PREPARING_REBALANCE) gc_try_complete_join(gc);
        gc_group_error(gc, client, ERR_NONE);
        return;
    }
    if (!m) error = ERR_UNKNOWN_MEMBER_ID; /* the member's own error, one member per request */
    if (m) gc_remove_member_and_update(gc, m, HIST_MEMBER_LEFT);
    gc_group_error(gc, client, error);
}

/* ---- Offsets (handleCommitOffsets, doCommitOffsets, storeOffsets, getOffsets) -------------- */

/* validateOffsetCommit: a member of the group's generation, or no group metadata at all on an
 * Empty group; a transactional commit without group metadata is taken on any group ("older
 * versions of this protocol do not require memberId and generationId", the pre-KIP-447
 * sendOffsetsToTransaction(offsets, groupId)). */
static int16_t gc_validate_commit(gc_group *grp, proto_member_id member, int32_t generation,
                                  bool transactional) {
    if (generation < 0 && grp->state == GROUP_EMPTY) return ERR_NONE; /* admin, manual assign */
    if (generation >= 0 || member != PROTO_MEMBER_UNKNOWN) {
        if (!gc_find(grp, member, GC_SLOT_MEMBER)) return ERR_UNKNOWN_MEMBER_ID;
        if (generation != grp->generation) return ERR_ILLEGAL_GENERATION;
        return ERR_NONE;
    }
    return !transactional && grp->state != GROUP_EMPTY ? ERR_UNKNOWN_MEMBER_ID : ERR_NONE;
}

/* ---- Pending transactional offsets (GroupMetadata: prepareTxnOffsetCommit, ...) ----------- */

static gc_txn_offset *gc_txn_find(group_coord *gc, int64_t pid, int g) {
    for (int i = 0; i < gc->txn_count; i++)
        if (gc->txn[i].producer_id == pid && gc->txn[i].partition == g) return &gc->txn[i];
    return NULL;
}

static bool gc_txn_pending_on(const group_coord *gc, int g) {
    for (int i = 0; i < gc->txn_count; i++)
        if (gc->txn[i].partition == g) return true;
    return false;
}

/* prepareTxnOffsetCommit of one partition (a later one of the producer replaces it). False
 * when memory ran out. */
static bool gc_txn_prepare(group_coord *gc, int64_t pid, const proto_offset_entry *e,
                           int32_t generation, uint32_t commit, int64_t batch_offset) {
    gc_txn_offset *t = gc_txn_find(gc, pid, e->partition);
    if (!t) {
        if (gc->txn_count == gc->txn_capacity) {
            int cap = gc->txn_capacity ? gc->txn_capacity * 2 : 16;
            gc_txn_offset *nt = realloc(gc->txn, (size_t)cap * sizeof *nt);
            if (!nt) return false;
            gc->txn = nt;
            gc->txn_capacity = cap;
        }
        t = &gc->txn[gc->txn_count++];
    }
    *t = (gc_txn_offset){.producer_id = pid,
                         .offset = e->offset,
                         .batch_offset = batch_offset,
                         .leader_epoch = e->leader_epoch,
                         .generation = generation,
                         .commit = commit,
                         .partition = e->partition};
    return true;
}

static void gc_txn_remove(group_coord *gc, gc_txn_offset *t) {
    *t = gc->txn[--gc->txn_count]; /* order does not matter: lookups are by (pid, g) */
}

/* completePendingTxnOffsetCommit: the producer's pending offsets go; with COMMIT each enters
 * the cache if it is newer by log position. */
static void gc_txn_complete(group_coord *gc, int64_t pid, bool commit, bool record) {
    for (int i = 0; i < gc->txn_count;) {
        gc_txn_offset *t = &gc->txn[i];
        if (t->producer_id != pid) {
            i++;
            continue;
        }
        gc_offset *o = &gc->offsets[t->partition];
        if (commit && t->batch_offset >= 0 && (o->offset < 0 || o->batch_offset < t->batch_offset)) {
            o->offset = t->offset;
            o->leader_epoch = t->leader_epoch;
            o->batch_offset = t->batch_offset;
            if (record)
                history_offsets(gc->b->env.history, now_ns(gc), gc->b->node, t->partition,
                                t->offset, t->generation, HIST_OFFSETS_TXN, pid);
        }
        gc_txn_remove(gc, t);
    }
}

static void gc_commit_done(group_coord *gc, int slot, int16_t error);

/* storeOffsets for the request of client (already validated): a TxnOffsetCommit's as a
 * transactional batch of its producer, pending until the marker. */
static void gc_store_offsets(group_coord *gc, node_id client, const proto_offset_commit_request *req,
                             int32_t generation, bool transactional) {
    gc_commit *k = NULL;
    int slot = 0;
    for (; slot < GROUP_COMMITS_MAX; slot++)
        if (!gc->commits[slot].active) {
            k = &gc->commits[slot];
            break;
        }
    int n = req->entry_count;
    if (!k || n <= 0 || !req->entries) { /* nothing to store, or no room: retriable */
        gc_group_error(gc, client, k ? ERR_NONE : ERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    if (n > (int)PROTO_OFFSET_ENTRIES_MAX) n = (int)PROTO_OFFSET_ENTRIES_MAX;
    group_record recs[PROTO_OFFSET_ENTRIES_MAX];
    memset(recs, 0, sizeof recs);
    k->count = 0;
    for (int i = 0; i < n; i++) {
        const proto_offset_entry *e = &req->entries[i];
        if (e->partition >= gc->partition_count) continue;
        recs[k->count] = (group_record){.kind = GROUP_RECORD_OFFSET,
                                        .offset = e->offset,
                                        .generation = generation,
                                        .leader_epoch = e->leader_epoch,
                                        .member = req->member_id,
                                        .partition = e->partition};
        k->entries[k->count++] = *e;
    }
    if (k->count == 0) { /* no partition of this world: nothing to store */
        gc_group_error(gc, client, ERR_NONE);
        return;
    }
    uint32_t first = group_records_add(gc->records, recs, k->count);
    if (first == UINT32_MAX) {
        out_of_memory(gc);
        return;
    }
    k->active = true;
    k->id = ++gc->commit_id_next;
    k->reply = gc_reply_of(gc, client);
    k->coord_epoch = gc->coord_epoch;
    k->generation = generation;
    k->producer_id = transactional ? req->producer_id : PROTO_NO_PRODUCER_ID;
    k->producer_epoch = transactional ? req->producer_epoch : PROTO_NO_PRODUCER_EPOCH;
    for (int i = 0; i < k->count; i++) { /* prepareOffsetCommit, prepareTxnOffsetCommit */
        if (!transactional) gc->offsets[k->entries[i].partition].pending = k->id;
        else if (!gc_txn_prepare(gc, k->producer_id, &k->entries[i], generation, k->id, -1)) {
            out_of_memory(gc);
            return;
        }
    }
    int16_t error = gc_append(gc, first, k->count, k->producer_id, k->producer_epoch,
                              &k->required_offset, &k->batch_offset);
    if (error != ERR_NONE) {
        gc_commit_done(gc, slot, error);
        return;
    }
    if (gc_step(gc, STEP_GROUP_OFFSETS)) return;
    sim_timer_arm(gc->w, &k->timer, now_ns(gc) + gc->c->offsets_commit_timeout_ns, gc->kind,
                  gc_arg(GC_T_COMMIT, slot));
    broker_coordinator_append_settle(gc->b, gc->g); /* may complete it at once */
}

/* putCacheCallback: the cache takes the offsets that are newer by log position; the pending
 * entries of this commit go; the answer, mapped as maybeConvertOffsetCommitError. */
static void gc_commit_done(group_coord *gc, int slot, int16_t error) {
    gc_commit *k = &gc->commits[slot];
    k->active = false;
    sim_timer_cancel(&k->timer);
    bool ours = gc->status == GC_PART_LOADED && gc->coord_epoch == k->coord_epoch;
    for (int i = 0; i < k->count && ours; i++) {
        /* The request's offsets are a map: a partition named twice keeps its last entry. */
        bool later = false;
        for (int j = i + 1; j < k->count && !later; j++)
            later = k->entries[j].partition == k->entries[i].partition;
        gc_offset *o = &gc->offsets[k->entries[i].partition];
        if (later) continue;
        if (k->producer_id != PROTO_NO_PRODUCER_ID) {
            gc_txn_offset *t = gc_txn_find(gc, k->producer_id, k->entries[i].partition);
            if (t && error == ERR_NONE && t->commit == k->id) /* onTxnOffsetCommitAppend */
                t->batch_offset = k->batch_offset;
            else if (t && error != ERR_NONE) /* failPendingTxnOffsetCommit */
                gc_txn_remove(gc, t);
            continue;
        }
        if (error == ERR_NONE && o->pending != 0 &&
            (o->offset < 0 || o->batch_offset < k->batch_offset)) { /* onOffsetCommitAppend */
            o->offset = k->entries[i].offset;
            o->leader_epoch = k->entries[i].leader_epoch;
            o->batch_offset = k->batch_offset;
            history_offsets(gc->b->env.history, now_ns(gc), gc->b->node, k->entries[i].partition,
                            o->offset, k->generation, HIST_OFFSETS_COMMITTED, 0);
        }
        if (o->pending == k->id) o->pending = 0; /* failPendingOffsetWrite */
    }
    switch (error) {
    case ERR_NONE:
    case ERR_REQUEST_TIMED_OUT: break; /* passed through */
    case ERR_NOT_ENOUGH_REPLICAS:
    case ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: error = ERR_COORDINATOR_NOT_AVAILABLE; break;
    default: error = ERR_NOT_COORDINATOR; break;
    }
    if (error == ERR_NONE && !ours) error = ERR_NOT_COORDINATOR;
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.group_response.error = error;
    gc_respond_now(gc, &k->reply, &m);
}

static void gc_on_offset_commit(group_coord *gc, node_id client) {
    const proto_offset_commit_request *req = &gc->b->conns[client].current.u.offset_commit;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) {
        gc_group_error(gc, client, status);
        return;
    }
    gc_group *grp = &gc->group;
    if (!grp->exists) {
        if (req->generation >= 0) { /* from an older generation: rejected */
            gc_group_error(gc, client, ERR_ILLEGAL_GENERATION);
            return;
        }
        grp->exists = true; /* not relying on group management */
    }
    int16_t error = gc_validate_commit(grp, req->member_id, req->generation, false);
    if (error == ERR_NONE && grp->state == GROUP_COMPLETING_REBALANCE)
        error = ERR_REBALANCE_IN_PROGRESS;
    if (error != ERR_NONE) {
        gc_group_error(gc, client, error);
        return;
    }
    if (grp->state == GROUP_STABLE || grp->state == GROUP_PREPARING_REBALANCE) {
        /* "we still allow a commit request since we rely on heartbeat response to eventually
         * notify the rebalance in progress signal to the consumer"; it counts as a heartbeat */
        gc_member *m = gc_find(grp, req->member_id, GC_SLOT_MEMBER);
        if (m) gc_schedule_expiration(gc, m, m->session_timeout_ns);
    }
    gc_store_offsets(gc, client, req, req->generation, false);
}

/* handleTxnCommitOffsets / doTxnCommitOffsets (KIP-447 from 2.5: fenced by generation; the
 * group's state is not looked at). Simplification: 3.7's verification of the offsets
 * partition with the transaction coordinator first (KAFKA-15449) is not modelled yet. */
static void gc_on_txn_offset_commit(group_coord *gc, node_id client) {
    const proto_offset_commit_request *req = &gc->b->conns[client].current.u.offset_commit;
    int16_t status = gc_group_status(gc);
    if (status != ERR_NONE) {
        gc_group_error(gc, client, status);
        return;
    }
    gc_group *grp = &gc->group;
    grp->exists = true; /* getGroup, else addGroup(Empty) */
    int16_t error = gc_validate_commit(grp, req->member_id, req->generation, true);
    if (error != ERR_NONE) {
        gc_group_error(gc, client, error);
        return;
    }
    gc_store_offsets(gc, client, req, req->generation, true);
}

/* getOffsets: UNSTABLE_OFFSET_COMMIT (requireStable) for a partition with a commit pending. */
static void gc_on_offset_fetch(group_coord *gc, node_id client) {
    const proto_offset_fetch_request *req = &gc->b->conns[client].current.u.offset_fetch;
    proto_msg m;
    memset(&m, 0, sizeof m);
    proto_offset_entry entries[PROTO_OFFSET_ENTRIES_MAX];
    int16_t status = gc_group_status(gc);
    m.u.offset_fetch_response.error = status;
    int n = status == ERR_NONE && req->partitions ? req->partition_count : 0;
    if (n > (int)PROTO_OFFSET_ENTRIES_MAX) n = (int)PROTO_OFFSET_ENTRIES_MAX;
    for (int i = 0; i < n; i++) {
        int g = req->partitions[i];
        proto_offset_entry *e = &entries[i];
        *e = (proto_offset_entry){.offset = -1, .leader_epoch = -1, .partition = (uint16_t)g};
        if (g >= gc->partition_count) continue;
        const gc_offset *o = &gc->offsets[g];
        if (req->require_stable && (o->pending || gc_txn_pending_on(gc, g))) {
            e->error = ERR_UNSTABLE_OFFSET_COMMIT;
        } else if (o->offset >= 0) {
            e->offset = o->offset;
            e->leader_epoch = o->leader_epoch;
        }
    }
    m.u.offset_fetch_response.entry_count = (uint16_t)n;
    m.u.offset_fetch_response.entries = n ? entries : NULL;
    gc_reply r = gc_reply_of(gc, client);
    gc_respond_now(gc, &r, &m);
}

/* KafkaApis.getCoordinator for a GROUP key: the live leader of the group's partition. */
static void gc_on_find_coordinator(group_coord *gc, node_id client) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.u.find_coordinator_response.coordinator = -1;
    m.u.find_coordinator_response.error = ERR_COORDINATOR_NOT_AVAILABLE;
    const broker_partition *p = &gc->b->partitions[gc->g];
    if (p->state_known && p->leader >= 1) {
        m.u.find_coordinator_response.coordinator = p->leader;
        m.u.find_coordinator_response.error = ERR_NONE;
    }
    gc_reply r = gc_reply_of(gc, client);
    gc_respond_now(gc, &r, &m);
}

void group_coord_on_request(group_coord *gc, node_id client) {
    /* An answer of this handler may let another connection go on and bring a request of it
     * here in the middle: the outer handler's pending release is kept aside meanwhile. */
    bool outer = gc->release;
    node_id outer_client = gc->release_client;
    gc->release = false;
    switch (gc->b->conns[client].current.api) {
    case API_FIND_COORDINATOR: gc_on_find_coordinator(gc, client); break;
    case API_JOIN_GROUP: gc_on_join_group(gc, client); break;
    case API_SYNC_GROUP: gc_on_sync_group(gc, client); break;
    case API_HEARTBEAT: gc_on_heartbeat(gc, client); break;
    case API_LEAVE_GROUP: gc_on_leave_group(gc, client); break;
    case API_OFFSET_COMMIT: gc_on_offset_commit(gc, client); break;
    case API_OFFSET_FETCH: gc_on_offset_fetch(gc, client); break;
    case API_TXN_OFFSET_COMMIT: gc_on_txn_offset_commit(gc, client); break;
    default: gc_release_later(gc, client); break; /* not a group request */
    }
    gc_check(gc);
    bool release = gc->release;
    node_id release_client = gc->release_client;
    gc->release = outer;
    gc->release_client = outer_client;
    if (release) broker_coordinator_release(gc->b, release_client);
}

/* ---- Durability of appends ----------------------------------------------------------------- */

void group_coord_on_hw(group_coord *gc, int g) {
    if (g != gc->g) return;
    gc_group *grp = &gc->group;
    if (grp->store_active) {
        int16_t s = broker_coordinator_append_done(gc->b, g, grp->store_required_offset);
        if (s >= 0) gc_store_done(gc, s);
        if (!gc->b->alive) return;
    }
    for (int i = 0; i < GROUP_COMMITS_MAX; i++) {
        gc_commit *k = &gc->commits[i];
        if (!k->active) continue;
        int16_t s = broker_coordinator_append_done(gc->b, g, k->required_offset);
        if (s < 0) continue;
        gc_commit_done(gc, i, s);
        if (!gc->b->alive) return;
    }
}

/* GroupMetadataManager.handleTxnCompletion, once the marker's append completed. */
void group_coord_on_txn_marker(group_coord *gc, int g, int64_t pid, bool commit) {
    if (g != gc->g || gc->status != GC_PART_LOADED) return;
    gc_txn_complete(gc, pid, commit, true);
}

/* ---- Loading and unloading (loadGroupsAndOffsets, removeGroupsForPartition) ---------------- */

static void gc_group_reset(group_coord *gc) {
    gc_group *grp = &gc->group;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) gc_slot_clear(&grp->members[i]);
    sim_timer_cancel(&grp->join_timer);
    sim_timer_cancel(&grp->sync_timer);
    sim_timer_cancel(&grp->store_timer);
    grp->exists = false;
    grp->state = GROUP_EMPTY;
    grp->generation = 0;
    grp->leader = PROTO_MEMBER_UNKNOWN;
    grp->protocol = 0;
    grp->awaiting_join = 0;
    grp->new_member_added = false;
    grp->join_initial = false;
    grp->store_active = false;
    for (int g = 0; g < gc->partition_count; g++)
        gc->offsets[g] = (gc_offset){.offset = -1, .batch_offset = -1, .leader_epoch = -1};
    gc->txn_count = 0;
}

/* onGroupUnloaded: waiting JoinGroups and SyncGroups get NOT_COORDINATOR; commits being
 * appended fail NOT_COORDINATOR (their DelayedProduce completes with NOT_LEADER_OR_FOLLOWER). */
static void gc_unload(group_coord *gc) {
    gc_group *grp = &gc->group;
    for (int i = 0; i < GROUP_MEMBERS_MAX && gc->b->alive; i++) {
        gc_member *m = &grp->members[i];
        if (m->kind != GC_SLOT_MEMBER) continue;
        if (m->awaiting_join) gc_answer_join(gc, m, ERR_NOT_COORDINATOR);
        if (m->awaiting_sync) {
            proto_msg r;
            memset(&r, 0, sizeof r);
            r.u.sync_group_response.error = ERR_NOT_COORDINATOR;
            gc_reply reply = m->sync_reply;
            m->awaiting_sync = false;
            gc_respond_late(gc, &reply, &r);
        }
    }
    for (int i = 0; i < GROUP_COMMITS_MAX && gc->b->alive; i++)
        if (gc->commits[i].active) gc_commit_done(gc, i, ERR_NOT_LEADER_OR_FOLLOWER);
    gc_group_reset(gc);
}

void group_coord_on_resigned(group_coord *gc, int g) {
    if (g != gc->g || gc->status == GC_PART_NONE) return;
    sim_timer_cancel(&gc->load_timer);
    bool loaded = gc->status == GC_PART_LOADED;
    gc->status = GC_PART_NONE;
    if (loaded) gc_unload(gc);
    else gc_group_reset(gc);
}

void group_coord_on_elected(group_coord *gc, int g) {
    if (g != gc->g) return;
    group_coord_on_resigned(gc, g);
    gc->status = GC_PART_LOADING;
    gc->coord_epoch = gc->b->partitions[g].leader_epoch;
    sim_timer_arm(gc->w, &gc->load_timer, now_ns(gc) + GROUP_LOAD_NS, gc->kind, gc_arg(GC_T_LOAD, g));
}

/* A GroupMetadataValue read back: the group with its members and their assignments. */
static void gc_load_metadata(group_coord *gc, const group_record *rec) {
    gc_group *grp = &gc->group;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) gc_slot_clear(&grp->members[i]);
    grp->exists = true;
    grp->generation = rec->generation;
    grp->leader = rec->member;
    grp->protocol = rec->protocol;
    grp->state = rec->member_count ? GROUP_STABLE : GROUP_EMPTY;
    const uint32_t *w = gc->records->words + rec->members_at;
    size_t at = 0;
    for (int k = 0; k < rec->member_count && k < GROUP_MEMBERS_MAX; k++) {
        gc_member *m = &grp->members[k];
        m->kind = GC_SLOT_MEMBER;
        m->id = w[at];
        m->node = (node_id)w[at + 1];
        uint32_t count = w[at + 2];
        at += 3;
        m->session_timeout_ns = gc->c->session_timeout_ns;
        m->rebalance_timeout_ns = gc->c->max_poll_interval_ns;
        m->protocols = rec->protocol;
        m->preferred = rec->protocol;
        m->owned_generation = PROTO_GENERATION_NONE;
        uint32_t keep = count < (uint32_t)gc->partition_count ? count : (uint32_t)gc->partition_count;
        for (uint32_t j = 0; j < keep; j++) m->assignment[j] = (uint16_t)w[at + j];
        m->assignment_count = (uint16_t)keep;
        at += count;
    }
    if (!gc_find(grp, grp->leader, GC_SLOT_MEMBER)) grp->leader = PROTO_MEMBER_UNKNOWN;
}

/* loadGroupsAndOffsets to the log end: the last record of each key by log position wins. */
static void gc_load(group_coord *gc) {
    if (gc->status != GC_PART_LOADING) return;
    const broker_partition *p = &gc->b->partitions[gc->g];
    if (!p->state_known || p->leader != gc->b->broker_id || p->leader_epoch != gc->coord_epoch)
        return;
    gc_group_reset(gc);
    gc_group *grp = &gc->group;
    size_t count = 0;
    const proto_batch *log = broker_log(gc->b, gc->g, &count);
    for (size_t k = 0; k < count; k++) {
        const proto_batch *batch = &log[k];
        if (proto_batch_is_control(batch)) { /* COMMIT materialises, ABORT drops */
            gc_txn_complete(gc, batch->producer_id, (batch->flags & PROTO_BATCH_COMMIT) != 0, false);
            continue;
        }
        if (batch->payload + (uint64_t)batch->record_count > gc->records->count) continue;
        bool txn = proto_batch_is_transactional(batch);
        for (uint32_t r = 0; r < batch->record_count; r++) {
            const group_record *rec = &gc->records->recs[batch->payload + r];
            if (rec->kind == GROUP_RECORD_METADATA) {
                gc_load_metadata(gc, rec);
            } else if (rec->partition < gc->partition_count && txn) { /* pending until a marker */
                proto_offset_entry e = {.offset = rec->offset, .leader_epoch = rec->leader_epoch,
                                        .partition = rec->partition};
                grp->exists = true;
                if (!gc_txn_prepare(gc, batch->producer_id, &e, rec->generation, 0,
                                    batch->base_offset)) {
                    out_of_memory(gc);
                    return;
                }
            } else if (rec->partition < gc->partition_count) {
                gc_offset *o = &gc->offsets[rec->partition];
                grp->exists = true;
                o->offset = rec->offset;
                o->leader_epoch = rec->leader_epoch;
                o->batch_offset = batch->base_offset;
            }
        }
    }
    gc->status = GC_PART_LOADED;
    for (int g = 0; g < gc->partition_count; g++)
        if (gc->offsets[g].offset >= 0)
            history_offsets(gc->b->env.history, now_ns(gc), gc->b->node, g, gc->offsets[g].offset,
                            PROTO_GENERATION_NONE, HIST_OFFSETS_LOADED, 0);
    if (grp->exists) gc_record_group(gc);
    /* onGroupLoaded: every loaded member's session starts now. */
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++)
        if (grp->members[i].kind == GC_SLOT_MEMBER)
            gc_schedule_expiration(gc, &grp->members[i], grp->members[i].session_timeout_ns);
}

/* ---- Timers and lifecycle ------------------------------------------------------------------ */

static sim_timer *gc_timer_of(group_coord *gc, int type, int index) {
    switch (type) {
    case GC_T_LOAD: return &gc->load_timer;
    case GC_T_JOIN: return &gc->group.join_timer;
    case GC_T_SYNC: return &gc->group.sync_timer;
    case GC_T_MEMBER: return index < GROUP_MEMBERS_MAX ? &gc->group.members[index].timer : NULL;
    case GC_T_STORE: return &gc->group.store_timer;
    case GC_T_COMMIT: return index < GROUP_COMMITS_MAX ? &gc->commits[index].timer : NULL;
    default: return NULL;
    }
}

static void gc_timer_run(group_coord *gc, int type, int index) {
    if (type == GC_T_LOAD) {
        gc_load(gc);
        return;
    }
    if (gc->status != GC_PART_LOADED) return;
    switch (type) {
    case GC_T_JOIN: gc_on_join_timer(gc); break;
    case GC_T_SYNC: gc_on_sync_timer(gc); break;
    case GC_T_MEMBER: gc_on_member_timer(gc, index); break;
    case GC_T_STORE: /* DelayedProduce expired */
        if (gc->group.store_active) gc_store_done(gc, ERR_REQUEST_TIMED_OUT);
        break;
    case GC_T_COMMIT:
        if (gc->commits[index].active) gc_commit_done(gc, index, ERR_REQUEST_TIMED_OUT);
        break;
    default: break;
    }
}

static void on_gc_timer(void *ctx, sim_world *w, const sim_event *ev) {
    group_coord *gc = ctx;
    int type = (int)(ev->arg & 0xff);
    int index = (int)(ev->arg >> 8);
    sim_timer *t = gc_timer_of(gc, type, index);
    if (!t || !sim_timer_fired(w, t, ev) || !gc->b->alive) return;
    if (broker_paused_until(gc->b) > now_ns(gc)) { /* stop-the-world: at the pause's end */
        sim_timer_arm(w, t, broker_paused_until(gc->b), gc->kind, ev->arg);
        return;
    }
    gc_timer_run(gc, type, index);
    gc_check(gc);
}

group_coord *group_coord_new(broker *b) {
    group_coord *gc = calloc(1, sizeof *gc);
    if (!gc) return NULL;
    gc->b = b;
    gc->c = b->env.config;
    gc->w = b->env.world;
    gc->records = b->env.group_records;
    gc->g = gc->c->group_partition;
    gc->partition_count = b->partition_count;
    size_t P = (size_t)b->partition_count;
    gc->offsets = calloc(P ? P : 1, sizeof *gc->offsets);
    gc->commits = calloc(GROUP_COMMITS_MAX, sizeof *gc->commits);
    if (!gc->records || !gc->offsets || !gc->commits || gc->g >= b->partition_count) goto fail;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        gc->group.members[i].owned = malloc((P ? P : 1) * sizeof(uint16_t));
        gc->group.members[i].assignment = malloc((P ? P : 1) * sizeof(uint16_t));
        if (!gc->group.members[i].owned || !gc->group.members[i].assignment) goto fail;
    }
    gc->rng = sim_stream(gc->w, GROUP_STREAM_BASE + (uint64_t)b->broker_id);
    gc_group_reset(gc);
    gc->kind = sim_handler_add(gc->w, on_gc_timer, gc, "group.timer");
    return gc;
fail:
    group_coord_free(gc);
    return NULL;
}

void group_coord_free(group_coord *gc) {
    if (!gc) return;
    for (int i = 0; i < GROUP_MEMBERS_MAX; i++) {
        free(gc->group.members[i].owned);
        free(gc->group.members[i].assignment);
    }
    free(gc->offsets);
    free(gc->commits);
    free(gc->txn);
    free(gc);
}

void group_coord_start(group_coord *gc) { (void)gc; }

void group_coord_forget(group_coord *gc) {
    gc->status = GC_PART_NONE;
    sim_timer_cancel(&gc->load_timer);
    for (int i = 0; i < GROUP_COMMITS_MAX; i++) {
        gc->commits[i].active = false;
        sim_timer_cancel(&gc->commits[i].timer);
    }
    gc_group_reset(gc);
}

bool group_coord_view(const group_coord *gc, group_view *out) {
    if (!gc || gc->status != GC_PART_LOADED) return false;
    const gc_group *grp = &gc->group;
    *out = (group_view){.state = grp->state,
                        .generation = grp->generation,
                        .members = gc_member_count(grp),
                        .leader = grp->leader,
                        .pending_offsets = gc->txn_count};
    return true;
}

int64_t group_coord_committed(const group_coord *gc, int g) {
    if (!gc || gc->status != GC_PART_LOADED || g < 0 || g >= gc->partition_count) return -1;
    return gc->offsets[g].offset;
}
