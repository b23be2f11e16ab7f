/*
 * controller.c: the KRaft controller of kafkasim (see controller.h for what it models, its
 * invariants and its simplifications).
 *
 * Follows ReplicationControlManager.java (handleBrokerFenced, handleBrokerUnfenced,
 * alterPartition), PartitionChangeBuilder.java (electLeader: keep a valid leader, else the
 * first ISR member in assignment order that is unfenced, else unclean if enabled; the ISR is
 * never emptied; leader epoch + 1 on every leader change, partition epoch + 1 on every change)
 * BrokerHeartbeatManager.java (fencing after broker.session.timeout.ms, calculateNextBrokerState
 * for controlled shutdown), ClusterControlManager.registerBroker (no second registration while
 * the old session is valid) and QuorumController.maybeScheduleNextBalancePartitionLeaders; in
 * ZooKeeper mode KafkaController (onBrokerFailure, checkAndTriggerAutoLeaderRebalance).
 */
#include "controller.h"

#include <stdlib.h>
#include <string.h>

#define CONTROLLER_KAFKA_3_9 30900 /* KAFKA-12670: KRaft honours unclean election */

/* Timer argument of the preferred-leader check; session timers carry broker ids 1..16. */
#define CONTROLLER_T_BALANCE 0

static void controller_on_message(void *ctx, const proto_msg *m);
static void controller_on_timer(void *ctx, sim_world *w, const sim_event *ev);

int controller_init(controller *c, const controller_env *env, int partition_count,
                    const int *replicas, const int *replica_counts) {
    memset(c, 0, sizeof *c);
    int num_brokers = env->config->num_brokers;
    if (num_brokers < 1 || num_brokers > PROTO_BROKERS_MAX || partition_count < 1 ||
        partition_count > TOPIC_PARTITIONS_MAX)
        return -1;
    controller_partition *parts = calloc((size_t)partition_count, sizeof *parts);
    if (!parts) return -1;
    for (int i = 0, at = 0; i < partition_count; at += replica_counts[i++]) {
        controller_partition *p = &parts[i];
        p->replica_count = replica_counts[i];
        p->state.leader = -1;
        bool bad = p->replica_count < 1 || p->replica_count > num_brokers;
        for (int r = 0; r < p->replica_count && !bad; r++) {
            int id = replicas[at + r];
            bad = id < 1 || id > num_brokers || broker_set_has(p->state.replicas, id);
            p->replica_order[r] = id;
            p->state.replicas = broker_set_add(p->state.replicas, id);
        }
        if (bad) {
            free(parts);
            return -1;
        }
    }
    c->env = *env;
    c->num_brokers = num_brokers;
    c->partition_count = partition_count;
    c->partitions = parts;
    c->session_timeout_ns = config_session_timeout_ns(env->config);
    c->kind = sim_handler_add(env->world, controller_on_timer, c, "controller.session");
    net_listen(env->net, NODE_CONTROLLER, controller_on_message, c);
    return 0;
}

void controller_fini(controller *c) {
    free(c->partitions);
    memset(c, 0, sizeof *c);
}

static int64_t now_ns(const controller *c) { return sim_now(c->env.world); }

/* ClusterControlManager.isActive (LeaderAcceptor): unfenced and not in controlled shutdown. */
static bool eligible(const controller *c, int broker_id) {
    return broker_id >= 1 && broker_id <= c->num_brokers && !c->brokers[broker_id].fenced &&
           !c->brokers[broker_id].shutting_down;
}

/* The brokers fenced or in controlled shutdown, as a push carries them. */
static broker_set controller_ineligible(const controller *c) {
    broker_set s = 0;
    for (int b = 1; b <= c->num_brokers; b++)
        if (!eligible(c, b)) s = broker_set_add(s, b);
    return s;
}

static void controller_push_to(controller *c, int partition, int broker_id,
                               broker_set ineligible) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_PARTITION_STATE;
    m.from = NODE_CONTROLLER;
    m.to = node_broker(broker_id);
    m.partition = (uint16_t)partition;
    m.u.partition_state = c->partitions[partition].state;
    m.u.partition_state.error = ERR_NONE;
    /* The image as of the latest record: broker registrations included. */
    m.u.partition_state.metadata_offset = c->metadata_offset;
    m.u.partition_state.ineligible = ineligible;
    c->brokers[broker_id].last_push_ns = now_ns(c);
    net_send(c->env.net, &m);
}

/* Pushes the partition's state to every broker: the replicas in assignment order, then the
 * others by id (every broker holds the whole metadata image and answers Metadata from it). */
static void controller_push(controller *c, int partition) {
    const controller_partition *p = &c->partitions[partition];
    broker_set ineligible = controller_ineligible(c);
    for (int r = 0; r < p->replica_count; r++)
        controller_push_to(c, partition, p->replica_order[r], ineligible);
    for (int b = 1; b <= c->num_brokers; b++)
        if (!broker_set_has(p->state.replicas, b)) controller_push_to(c, partition, b, ineligible);
}

void controller_start(controller *c) {
    int64_t t = now_ns(c);
    for (int b = 1; b <= c->num_brokers; b++) {
        controller_broker *cb = &c->brokers[b];
        cb->registered = true;
        cb->fenced = false;
        cb->last_heartbeat_ns = t;
        sim_timer_arm(c->env.world, &cb->session_timer, t + c->session_timeout_ns, c->kind,
                      (uint64_t)b);
    }
    for (int i = 0; i < c->partition_count; i++) {
        controller_partition *p = &c->partitions[i];
        p->state.leader = (int16_t)p->replica_order[0];
        p->state.leader_epoch = 0;
        p->state.partition_epoch = 0;
        p->state.metadata_offset = ++c->metadata_offset;
        p->state.isr = p->state.replicas;
        history_partition_isr(c->env.history, t, i, p->state.isr, p->state.partition_epoch);
        controller_push(c, i);
    }
}

/* ---- Elections (PartitionChangeBuilder) -------------------------------------------------- */

/* Whether an unclean election may happen: ZooKeeper mode honours the setting; KRaft only from
 * 3.9 (KAFKA-12670; ConfigurationControlManager.uncleanLeaderElectionEnabledForTopic returned
 * false before). */
static bool unclean_allowed(const controller *c) {
    const config *cfg = c->env.config;
    if (!cfg->unclean_leader_election) return false;
    return cfg->metadata_mode == CONFIG_METADATA_ZOOKEEPER ||
           cfg->kafka_version >= CONTROLLER_KAFKA_3_9;
}

/* Clean election over isr: keep a valid current leader, else the first unfenced ISR member in
 * assignment order; -1 when none. */
static int elect_clean(const controller *c, int partition, broker_set isr) {
    const controller_partition *p = &c->partitions[partition];
    int current = p->state.leader;
    if (current > 0 && broker_set_has(isr, current) && eligible(c, current)) return current;
    for (int r = 0; r < p->replica_count; r++) {
        int b = p->replica_order[r];
        if (broker_set_has(isr, b) && eligible(c, b)) return b;
    }
    return -1;
}

/* Unclean election: the first unfenced replica in assignment order; -1 when none. */
static int elect_unclean(const controller *c, int partition) {
    const controller_partition *p = &c->partitions[partition];
    for (int r = 0; r < p->replica_count; r++)
        if (eligible(c, p->replica_order[r])) return p->replica_order[r];
    return -1;
}

static void controller_balance_arm(controller *c);

/* Applies a new leader and ISR: epochs bumped, history recorded, state pushed. */
static void controller_change(controller *c, int partition, int leader, broker_set isr,
                              bool unclean) {
    proto_partition_state *s = &c->partitions[partition].state;
    SIM_ASSERT(c->env.world, isr != 0); /* the ISR is never emptied */
    if (leader == s->leader && isr == s->isr) return;
    bool isr_changed = isr != s->isr;
    s->partition_epoch++;
    s->metadata_offset = ++c->metadata_offset; /* a PartitionChangeRecord in the metadata log */
    s->isr = isr;
    if (leader != s->leader) {
        s->leader_epoch++;
        s->leader = (int16_t)leader;
        c->elections++;
        if (unclean) c->unclean_elections++;
        history_partition_election(c->env.history, now_ns(c), partition, leader,
                                   s->leader_epoch, unclean);
    }
    if (isr_changed)
        history_partition_isr(c->env.history, now_ns(c), partition, isr, s->partition_epoch);
    controller_push(c, partition);
    controller_balance_arm(c);
}

/* Elects when the leader is gone or fenced: clean first, unclean when allowed and no ISR
 * member is live (the ISR then becomes the new leader alone). */
static void controller_elect(controller *c, int partition, broker_set isr) {
    int leader = elect_clean(c, partition, isr);
    bool unclean = false;
    if (leader < 0 && unclean_allowed(c)) {
        leader = elect_unclean(c, partition);
        if (leader > 0) {
            isr = broker_set_add(0, leader);
            unclean = true;
        }
    }
    controller_change(c, partition, leader, isr, unclean);
}

/* Out of every ISR (never emptying it), leadership moved away: handleBrokerFenced, and
 * handleBrokerInControlledShutdown for a broker that is not fenced yet. */
static void controller_move_away(controller *c, int broker_id) {
    for (int i = 0; i < c->partition_count; i++) {
        const proto_partition_state *s = &c->partitions[i].state;
        if (!broker_set_has(s->replicas, broker_id)) continue;
        broker_set isr = s->isr;
        if (broker_set_has(isr, broker_id) && broker_set_count(isr) > 1)
            isr = broker_set_del(isr, broker_id);
        if (s->leader == broker_id || s->leader < 0) controller_elect(c, i, isr);
        else controller_change(c, i, s->leader, isr, false);
    }
}

/* A BrokerRegistrationChangeRecord (fenced, unfenced, in controlled shutdown): every broker
 * learns it with the next record it applies; when no partition changed with it, the state of
 * every partition is pushed again with the new offset. */
static void controller_registration_changed(controller *c, int64_t offset_before) {
    if (c->metadata_offset != offset_before) return; /* the partition pushes carried it */
    c->metadata_offset++;
    for (int i = 0; i < c->partition_count; i++) controller_push(c, i);
}

static void controller_fence(controller *c, int broker_id) {
    int64_t before = c->metadata_offset;
    c->brokers[broker_id].fenced = true;
    controller_move_away(c, broker_id);
    controller_registration_changed(c, before);
}

/* handleBrokerUnfenced: a leaderless partition may now elect this broker. */
static void controller_unfence(controller *c, int broker_id) {
    int64_t before = c->metadata_offset;
    c->brokers[broker_id].fenced = false;
    c->brokers[broker_id].shutting_down = false; /* read nowhere while fenced */
    for (int i = 0; i < c->partition_count; i++) {
        const proto_partition_state *s = &c->partitions[i].state;
        if (s->leader < 0 && broker_set_has(s->replicas, broker_id)) controller_elect(c, i, s->isr);
    }
    controller_registration_changed(c, before);
}

/* ---- Preferred-leader election ----------------------------------------------------------- */

static bool imbalanced(const controller_partition *p) {
    return p->state.leader != p->replica_order[0];
}

/* When the next check is due from now: KRaft schedules it one interval after the controller
 * write that found the imbalance (maybeScheduleNextBalancePartitionLeaders, DEFERRED); the
 * ZooKeeper controller checks at every multiple of the interval since its start
 * (scheduleAutoLeaderRebalanceTask), so the next multiple is taken. */
static int64_t controller_balance_due(const controller *c) {
    int64_t interval = c->env.config->leader_imbalance_check_interval_ns;
    int64_t t = now_ns(c);
    if (c->env.config->metadata_mode == CONFIG_METADATA_KRAFT) return t + interval;
    return (t / interval + 1) * interval;
}

/* Arms the check while some partition is led by another than its preferred replica. No timer
 * runs in a balanced cluster, so runs without leader changes see no extra event. */
static void controller_balance_arm(controller *c) {
    if (!c->env.config->auto_leader_rebalance || sim_timer_armed(&c->balance_timer)) return;
    bool any = false;
    for (int i = 0; i < c->partition_count; i++) any = any || imbalanced(&c->partitions[i]);
    if (!any) return;
    sim_timer_arm(c->env.world, &c->balance_timer, controller_balance_due(c), c->kind,
                  CONTROLLER_T_BALANCE);
}

/* checkAndTriggerAutoLeaderRebalance (KafkaController, ZooKeeper mode): a broker's preferred
 * partitions are rebalanced only when the share of them led elsewhere, imbalanceRatio =
 * topicsNotInPreferredReplica.size / topicPartitionsForBroker.size, is above
 * leader.imbalance.per.broker.percentage / 100. imbalanced_by[b] counts broker b's. */
static bool controller_zk_ratio_above(const controller *c, int preferred,
                                      const int *preferred_of, const int *imbalanced_of) {
    int64_t pct = c->env.config->leader_imbalance_per_broker_percentage;
    return (int64_t)imbalanced_of[preferred] * 100 > pct * preferred_of[preferred];
}

/* maybeBalancePartitionLeaders / checkAndTriggerAutoLeaderRebalance: the preferred replica
 * leads again when it is in the ISR and active (electPreferredLeader; ZooKeeper:
 * canPreferredReplicaBeLeader), the ISR unchanged, partition by partition in index order.
 * ZooKeeper mode acts only for the brokers whose share of preferred partitions led elsewhere
 * is above leader.imbalance.per.broker.percentage (counted before any move, as Kafka counts
 * them from one snapshot of the assignment). */
static void controller_balance(controller *c) {
    const config *cfg = c->env.config;
    int preferred_of[PROTO_BROKERS_MAX + 1] = {0}, imbalanced_of[PROTO_BROKERS_MAX + 1] = {0};
    for (int i = 0; i < c->partition_count; i++) {
        preferred_of[c->partitions[i].replica_order[0]]++;
        if (imbalanced(&c->partitions[i])) imbalanced_of[c->partitions[i].replica_order[0]]++;
    }
    for (int i = 0; i < c->partition_count; i++) {
        controller_partition *p = &c->partitions[i];
        if (!imbalanced(p)) continue;
        if (cfg->metadata_mode == CONFIG_METADATA_ZOOKEEPER &&
            !controller_zk_ratio_above(c, p->replica_order[0], preferred_of, imbalanced_of))
            continue;
        int preferred = p->replica_order[0];
        if (!broker_set_has(p->state.isr, preferred) || !eligible(c, preferred)) continue;
        c->preferred_elections++;
        controller_change(c, i, preferred, p->state.isr, false);
    }
    controller_balance_arm(c); /* still imbalanced: check again an interval later */
}

/* ---- Heartbeats and sessions ------------------------------------------------------------- */

static void controller_on_timer(void *ctx, sim_world *w, const sim_event *ev) {
    controller *c = ctx;
    if (ev->arg == CONTROLLER_T_BALANCE) {
        if (sim_timer_fired(w, &c->balance_timer, ev)) controller_balance(c);
        return;
    }
    int broker_id = (int)ev->arg;
    controller_broker *cb = &c->brokers[broker_id];
    if (!sim_timer_fired(w, &cb->session_timer, ev)) return;
    if (!cb->fenced) controller_fence(c, broker_id);
}

static void controller_respond(controller *c, const proto_msg *req, proto_msg *resp) {
    proto_msg_answer(req, resp);
    net_send(c->env.net, resp);
}

static void controller_heartbeat_answer(controller *c, const proto_msg *m, int64_t broker_epoch,
                                        bool fenced, bool shutdown) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.u.heartbeat.broker_epoch = broker_epoch;
    r.u.heartbeat.broker_id = m->u.heartbeat.broker_id;
    r.u.heartbeat.fenced = fenced;
    r.u.heartbeat.shutdown = shutdown;
    controller_respond(c, m, &r);
}

/* True when broker_id leads some partition (BrokerHeartbeatManager's hasLeaderships). */
static bool controller_has_leaderships(const controller *c, int broker_id) {
    for (int i = 0; i < c->partition_count; i++)
        if (c->partitions[i].state.leader == broker_id) return true;
    return false;
}

/* calculateNextBrokerState for a heartbeat with wantShutDown: a fenced broker, or one that
 * leads nothing, may stop now (SHUTDOWN_NOW: it is fenced, handleBrokerFenced); one that still
 * leads enters CONTROLLED_SHUTDOWN first (handleBrokerInControlledShutdown: out of every ISR,
 * its leaderships elected away) and is let go by a later heartbeat once it leads nothing.
 * Returns shouldShutDown. */
static bool controller_controlled_shutdown(controller *c, int broker_id) {
    controller_broker *cb = &c->brokers[broker_id];
    if (cb->fenced) return true;
    bool leads = controller_has_leaderships(c, broker_id);
    if (!cb->shutting_down && leads) {
        int64_t before = c->metadata_offset;
        cb->shutting_down = true;
        controller_move_away(c, broker_id);
        controller_registration_changed(c, before);
        return false;
    }
    if (leads) return false; /* no other leader yet */
    controller_fence(c, broker_id);
    return true;
}

static void controller_on_heartbeat(controller *c, const proto_msg *m) {
    const proto_heartbeat *hb = &m->u.heartbeat;
    int id = hb->broker_id;
    if (id < 1 || id > c->num_brokers || m->from != node_broker(id)) return;
    controller_broker *cb = &c->brokers[id];
    if (hb->broker_epoch < cb->broker_epoch) return; /* an old incarnation's heartbeat */
    bool new_incarnation = cb->broker_epoch != 0 && hb->broker_epoch > cb->broker_epoch;
    if (new_incarnation && !cb->fenced) {
        /* registerBroker: DuplicateBrokerRegistrationException while the old incarnation's
         * session is valid (an unfenced broker's session is valid until its timer fires). The
         * answer names the registered incarnation; the old session is not renewed. */
        controller_heartbeat_answer(c, m, cb->broker_epoch, cb->fenced, false);
        return;
    }
    cb->broker_epoch = hb->broker_epoch;
    cb->registered = true;
    cb->last_heartbeat_ns = now_ns(c);
    sim_timer_arm(c->env.world, &cb->session_timer, now_ns(c) + c->session_timeout_ns, c->kind,
                  (uint64_t)id);
    /* The answer goes out ahead of the metadata the records below push, so that a newly
     * registered broker knows itself registered before it applies them. */
    bool shutdown = false;
    if (hb->shutdown) {
        shutdown = controller_controlled_shutdown(c, id);
        if (shutdown) {
            controller_heartbeat_answer(c, m, cb->broker_epoch, true, true);
            return;
        }
        controller_heartbeat_answer(c, m, cb->broker_epoch, cb->fenced, false);
    } else {
        controller_heartbeat_answer(c, m, cb->broker_epoch, false, false);
        if (cb->fenced) controller_unfence(c, id);
    }
    controller_balance_arm(c); /* every controller write schedules the check when imbalanced */
    /* KIP-631: the heartbeat carries the broker's metadata offset. A broker behind the log (a
     * restarted one, or one a partition cut off from a push) gets the current state of every
     * partition again; it applies only what is newer than what it holds. A push younger than
     * one heartbeat interval may still be on its way and is not repeated. */
    bool behind = hb->metadata_offset < c->metadata_offset &&
                  now_ns(c) - cb->last_push_ns >= c->env.config->broker_heartbeat_interval_ns;
    if (new_incarnation || behind) {
        broker_set ineligible = controller_ineligible(c);
        for (int i = 0; i < c->partition_count; i++) controller_push_to(c, i, id, ineligible);
    }
}

/* ---- AlterPartition (KIP-497) ------------------------------------------------------------ */

static int16_t alter_partition_verdict(const controller *c, const proto_msg *m) {
    const proto_partition_state *req = &m->u.partition_state;
    const proto_partition_state *s = &c->partitions[m->partition].state;
    if (req->leader != s->leader || m->from != node_broker(s->leader) ||
        req->leader_epoch != s->leader_epoch)
        return ERR_FENCED_LEADER_EPOCH;
    if (req->partition_epoch != s->partition_epoch) return ERR_INVALID_UPDATE_VERSION;
    if ((req->isr & ~s->replicas) != 0 || !broker_set_has(req->isr, s->leader))
        return ERR_INVALID_UPDATE_VERSION;
    for (int b = 1; b <= c->num_brokers; b++)
        if (broker_set_has(req->isr, b) && !broker_set_has(s->isr, b) && !eligible(c, b))
            return ERR_INELIGIBLE_REPLICA; /* KIP-841 */
    return ERR_NONE;
}

static void controller_on_alter_partition(controller *c, const proto_msg *m) {
    proto_msg r;
    memset(&r, 0, sizeof r);
    if (m->partition >= c->partition_count) {
        r.u.partition_state.error = ERR_NOT_LEADER_OR_FOLLOWER;
        controller_respond(c, m, &r);
        return;
    }
    int16_t error = alter_partition_verdict(c, m);
    if (error == ERR_NONE) {
        const proto_partition_state *s = &c->partitions[m->partition].state;
        controller_change(c, m->partition, s->leader, m->u.partition_state.isr, false);
    }
    r.u.partition_state = c->partitions[m->partition].state;
    r.u.partition_state.error = error;
    controller_respond(c, m, &r);
}

static void controller_on_message(void *ctx, const proto_msg *m) {
    controller *c = ctx;
    if (m->is_response) return; /* disconnect notices of pushes to dead brokers */
    if (m->api == API_BROKER_HEARTBEAT) controller_on_heartbeat(c, m);
    else if (m->api == API_ALTER_PARTITION) controller_on_alter_partition(c, m);
}

/* ---- Accessors and checks ---------------------------------------------------------------- */

int controller_leader(const controller *c) { return c->partitions[0].state.leader; }
broker_set controller_isr(const controller *c) { return c->partitions[0].state.isr; }
int32_t controller_leader_epoch(const controller *c) { return c->partitions[0].state.leader_epoch; }

const proto_partition_state *controller_partition_state(const controller *c, int partition) {
    if (partition < 0 || partition >= c->partition_count) return NULL;
    return &c->partitions[partition].state;
}

bool controller_fenced(const controller *c, int broker_id) {
    return broker_id >= 1 && broker_id <= c->num_brokers && c->brokers[broker_id].fenced;
}

bool controller_check(controller *c) {
    for (int i = 0; i < c->partition_count; i++) {
        const proto_partition_state *s = &c->partitions[i].state;
        const char *broken = NULL;
        if (s->isr == 0) broken = "the ISR is empty";
        else if ((s->isr & ~s->replicas) != 0) broken = "the ISR holds a non-replica";
        else if (s->leader > 0 && !broker_set_has(s->isr, s->leader))
            broken = "the leader is not in the ISR";
        else if (s->leader > 0 && c->brokers[s->leader].fenced) broken = "the leader is fenced";
        else if (s->leader > 0 && c->brokers[s->leader].shutting_down)
            broken = "the leader is in controlled shutdown";
        if (broken) {
            sim_fail(c->env.world, "controller partition %d: %s", i, broken);
            return false;
        }
    }
    return true;
}
