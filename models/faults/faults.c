/*
 * faults.c: the fault schedule of a run, turned into events.
 *
 * Each fault.<name> line was parsed by fault_parse (fault_parse.c) at configuration time. Here
 * each becomes kernel events: a crash at a time, a crash after the k-th protocol step of a kind,
 * a broker's controlled shutdown (stop; its process stops when the controller lets it),
 * pauses, network cuts, drop, break and delay rules, whole-cluster power loss, a producer restart,
 * a consumer's stall and restart. A fault on consumer-k acts on the application instance: its
 * consumer (node_consumer) and its producer (node_consumer_producer), so a cut or a rule naming
 * consumer-k holds for both nodes' messages.
 * Dynamic targets ("leader", "follower", "leader of orders-3") are resolved when the fault
 * fires, from the controller's view of the partition, as an operator watching the cluster
 * would pick them; in rules, at every message (a selector naming the partition, network.h).
 *
 * The fault layer touches nodes only through the operations the scenario hands it (crash,
 * restart, pause, producer restart, stall, consumer restart) and the network's cut and rule
 * API.
 */
#include "faults.h"

#include <stdlib.h>
#include <string.h>

#include "history.h"

/* Event arguments: fault index in the low 16 bits, the action above. */
enum fault_action {
    FAULT_ACT_START = 1, /* the fault begins: crash, pause, cut, power loss, restart */
    FAULT_ACT_END,       /* the fault heals: restart after a crash, reconnect after a cut */
    FAULT_ACT_STEP_CRASH /* a protocol-step crash fires (scheduled at the step's instant) */
};

static uint64_t fault_arg(int fault, enum fault_action act, node_id node) {
    return (uint64_t)fault | ((uint64_t)act << 16) | ((uint64_t)node << 32);
}

/* Resolves a target to a node id at this moment; NODE_NONE when there is none. */
static node_id fault_resolve(const fault_runtime *fr, const fault_target *t) {
    switch (t->kind) {
    case FAULT_TARGET_LEADER:
    case FAULT_TARGET_COORDINATOR: /* the leader of the id's __transaction_state partition */
    case FAULT_TARGET_GROUP_COORDINATOR: { /* the leader of the group's __consumer_offsets one */
        int leader = fr->ops.leader(fr->ops.ctx, t->partition);
        return leader > 0 ? node_broker(leader) : NODE_NONE;
    }
    case FAULT_TARGET_FOLLOWER: {
        int follower = fr->ops.follower(fr->ops.ctx, t->partition);
        return follower > 0 ? node_broker(follower) : NODE_NONE;
    }
    case FAULT_TARGET_BROKER: return node_broker(t->broker);
    case FAULT_TARGET_PRODUCER: return node_producer(t->producer);
    case FAULT_TARGET_CONSUMER: return node_consumer(t->consumer);
    case FAULT_TARGET_CONSUMER_OF: {
        int index = fr->ops.consumer_of(fr->ops.ctx, t->partition);
        return index >= 0 ? node_consumer(index) : NODE_NONE;
    }
    case FAULT_TARGET_CONTROLLER: return NODE_CONTROLLER;
    case FAULT_TARGET_ALL: return NODE_NONE;
    }
    return NODE_NONE;
}

/* Schedules the end of a fault at at_ns; the run does not drain before it happened. */
static void fault_end_schedule(fault_runtime *fr, int64_t at_ns, uint64_t arg) {
    fr->ends_pending++;
    sim_schedule(fr->world, at_ns, fr->kind, arg);
}

static void fault_fired(fault_runtime *fr, int fault, node_id target, bool start) {
    if (start) fr->fired[fault]++;
    history_fault(fr->history, sim_now(fr->world), fault, target, start);
}

static void fault_crash(fault_runtime *fr, int fault, node_id node) {
    const fault_spec *f = &fr->specs[fault];
    if (node == NODE_NONE) return;
    fr->ops.crash(fr->ops.ctx, node, false);
    fault_fired(fr, fault, node, true);
    if (f->for_ns >= 0)
        fault_end_schedule(fr, sim_now(fr->world) + f->for_ns,
                     fault_arg(fault, FAULT_ACT_END, node));
}

static void fault_cut_one(fault_runtime *fr, const fault_spec *f, node_id a, node_id b,
                          bool cut) {
    net_cut(fr->net, a, b, cut);
    if (!f->one_way) net_cut(fr->net, b, a, cut);
}

/* A cut of consumer-k is a cut of its consumer and of its producer (a consumer talks to
 * brokers only: the other end is never a consumer, fault_spec_idle_reason). */
static void fault_cut(fault_runtime *fr, const fault_spec *f, node_id a, node_id b, bool cut) {
    fault_cut_one(fr, f, a, b, cut);
    if (node_is_consumer(a))
        fault_cut_one(fr, f, node_consumer_producer(node_consumer_index(a)), b, cut);
    if (node_is_consumer(b))
        fault_cut_one(fr, f, a, node_consumer_producer(node_consumer_index(b)), cut);
}

static void fault_start(fault_runtime *fr, int fault) {
    const fault_spec *f = &fr->specs[fault];
    int64_t now = sim_now(fr->world);
    node_id a = fault_resolve(fr, &f->a);
    switch (f->kind) {
    case FAULT_CRASH:
        fault_crash(fr, fault, a);
        break;
    case FAULT_STOP:
        if (a == NODE_NONE) return;
        fr->ops.stop(fr->ops.ctx, a);
        fault_fired(fr, fault, a, true);
        if (f->for_ns >= 0)
            fault_end_schedule(fr, now + f->for_ns, fault_arg(fault, FAULT_ACT_END, a));
        break;
    case FAULT_PAUSE:
        if (a == NODE_NONE) return;
        fr->ops.pause(fr->ops.ctx, a, now + f->for_ns);
        fault_fired(fr, fault, a, true);
        break;
    case FAULT_PARTITION: {
        node_id b = fault_resolve(fr, &f->b);
        if (a == NODE_NONE || b == NODE_NONE || a == b) return;
        fault_cut(fr, f, a, b, true);
        fr->cut_a[fault] = a;
        fr->cut_b[fault] = b;
        fault_fired(fr, fault, a, true);
        fault_end_schedule(fr, now + f->for_ns, fault_arg(fault, FAULT_ACT_END, a));
        break;
    }
    case FAULT_POWERLOSS:
        if (f->a.kind != FAULT_TARGET_ALL) { /* one broker's machine (KIP-966's story) */
            if (a == NODE_NONE) return;
            fr->ops.crash(fr->ops.ctx, a, true);
        } else {
            for (int b = 1; b <= fr->broker_count; b++)
                fr->ops.crash(fr->ops.ctx, node_broker(b), true);
        }
        fault_fired(fr, fault, a, true);
        fault_end_schedule(fr, now + (f->for_ns > 0 ? f->for_ns : 0),
                     fault_arg(fault, FAULT_ACT_END, a));
        break;
    case FAULT_RESTART_PRODUCER:
        fr->ops.restart_producer(fr->ops.ctx, f->a.producer);
        fault_fired(fr, fault, node_producer(f->a.producer), true);
        break;
    case FAULT_STALL:
        if (a == NODE_NONE) return;
        fr->ops.stall(fr->ops.ctx, a, now + f->for_ns);
        fault_fired(fr, fault, a, true);
        break;
    case FAULT_RESTART_CONSUMER:
        fr->ops.restart_consumer(fr->ops.ctx, f->a.consumer);
        fault_fired(fr, fault, a, true);
        break;
    case FAULT_DROP:
    case FAULT_BREAK:
    case FAULT_DELAY:
        break; /* installed as network rules at setup */
    }
}

static void fault_end(fault_runtime *fr, int fault, node_id node) {
    const fault_spec *f = &fr->specs[fault];
    SIM_ASSERT(fr->world, fr->ends_pending > 0);
    fr->ends_pending--;
    switch (f->kind) {
    case FAULT_CRASH:
    case FAULT_STOP: /* a stop still waiting for the controller ends here (scenario.c) */
        fr->ops.restart(fr->ops.ctx, node);
        break;
    case FAULT_PARTITION:
        fault_cut(fr, f, fr->cut_a[fault], fr->cut_b[fault], false);
        break;
    case FAULT_POWERLOSS:
        if (node != NODE_NONE) fr->ops.restart(fr->ops.ctx, node);
        else
            for (int b = 1; b <= fr->broker_count; b++)
                fr->ops.restart(fr->ops.ctx, node_broker(b));
        break;
    default:
        break;
    }
    history_fault(fr->history, sim_now(fr->world), fault, node, false);
}

static void fault_on_event(void *ctx, sim_world *w, const sim_event *ev) {
    fault_runtime *fr = ctx;
    (void)w;
    int fault = (int)(ev->arg & 0xffff);
    enum fault_action act = (enum fault_action)((ev->arg >> 16) & 0xffff);
    node_id node = (node_id)(ev->arg >> 32);
    switch (act) {
    case FAULT_ACT_START: fault_start(fr, fault); break;
    case FAULT_ACT_END: fault_end(fr, fault, node); break;
    case FAULT_ACT_STEP_CRASH: fault_crash(fr, fault, node); break;
    }
}

_Static_assert(STEP_COUNT <= 32, "fault_runtime.steps_watched has a bit per step");

/* When a crash at step fires, after the step's instant. A crash loses what the node wrote in
 * its own instant (network.h: the RST discards the send queue), which is what a crash at most
 * steps means (the leader dies before its answer left). The two steps that are a request sent,
 * coordinator.markers and producer.end-txn, mean the request left: the node dies 1 ns later,
 * with it on the wire (a coordinator that dies once a leader has its markers, a producer once
 * the coordinator has its EndTxn). */
static int64_t fault_step_crash_after(proto_step step) {
    return step == STEP_COORDINATOR_MARKERS || step == STEP_PRODUCER_END_TXN ? 1 : 0;
}

/* The step hook the nodes call: counts steps, and on the k-th of a watched kind schedules the
 * crash as a separate event at the same instant, so the step's effects stand, or pauses the
 * node at once (a producer's pause at a step). True when a crash or a pause came due for node:
 * at a transactional step the node goes no further (protocol.h), a paused producer until the
 * pause ends. */
bool fault_on_step(void *ctx, node_id node, proto_step step, int partition) {
    fault_runtime *fr = ctx;
    bool due = false;
    /* Nodes report every step (several per batch) once any is watched; scenario_build drops
     * the hook when none is. */
    if (!(fr->steps_watched & UINT32_C(1) << step)) return false;
    for (int i = 0; i < fr->count; i++) {
        const fault_spec *f = &fr->specs[i];
        if ((f->kind != FAULT_CRASH && f->kind != FAULT_PAUSE && f->kind != FAULT_STALL) ||
            !f->on_step || f->step != step)
            continue;
        if (fr->step_done[i]) continue;
        /* A role counts the steps of its partition ("leader of orders-3": orders-3's only;
         * "leader": partition 0's); a broker or producer named by number, every step. */
        bool role = f->a.kind == FAULT_TARGET_LEADER || f->a.kind == FAULT_TARGET_FOLLOWER ||
                    f->a.kind == FAULT_TARGET_COORDINATOR ||
                    f->a.kind == FAULT_TARGET_GROUP_COORDINATOR ||
                    f->a.kind == FAULT_TARGET_CONSUMER_OF;
        if (role && partition != f->a.partition) continue;
        /* "crash leader on leader.append" watches whichever broker leads when the step
         * happens; "crash broker-2 on follower.fetch" watches broker-2 only. */
        if (fault_resolve(fr, &f->a) != node) continue;
        if (++fr->step_seen[i] < f->step_n) continue;
        fr->step_done[i] = true;
        due = true;
        if (f->kind == FAULT_PAUSE) { /* at once: the node holds what it was about to do */
            fr->ops.pause(fr->ops.ctx, node, sim_now(fr->world) + f->for_ns);
            fault_fired(fr, i, node, true);
            continue;
        }
        if (f->kind == FAULT_STALL) { /* at once, as a pause: the application thread blocks */
            fr->ops.stall(fr->ops.ctx, node, sim_now(fr->world) + f->for_ns);
            fault_fired(fr, i, node, true);
            continue;
        }
        sim_schedule(fr->world, sim_now(fr->world) + fault_step_crash_after(step), fr->kind,
                     fault_arg(i, FAULT_ACT_STEP_CRASH, node));
    }
    return due;
}

/* A drop or break rule took effect: recorded, and the first time, the fault fired. */
void fault_on_drop(void *ctx, int rule, const proto_msg *msg) {
    fault_runtime *fr = ctx;
    int fault = fr->net->rules[rule].fault;
    bool retransmitted = fr->net->rules[rule].kind == NET_RULE_DROP;
    history_drop(fr->history, sim_now(fr->world), msg, fault, retransmitted);
    if (fault >= 0 && fault < fr->count && fr->fired[fault] == 0)
        fault_fired(fr, fault, msg->to, true);
}

/* A delay rule slowed a message: the first time, the fault fired. */
void fault_on_delay(void *ctx, int rule, const proto_msg *msg) {
    fault_runtime *fr = ctx;
    int fault = fr->net->rules[rule].fault;
    if (fault >= 0 && fault < fr->count && fr->fired[fault] == 0)
        fault_fired(fr, fault, msg->to, true);
}

static int fault_selector(const fault_target *t) {
    switch (t->kind) {
    case FAULT_TARGET_LEADER:
    case FAULT_TARGET_COORDINATOR:
    case FAULT_TARGET_GROUP_COORDINATOR: return NET_SELECT_LEADER_OF(t->partition);
    case FAULT_TARGET_FOLLOWER: return NET_SELECT_FOLLOWER_OF(t->partition);
    case FAULT_TARGET_BROKER: return t->broker;
    case FAULT_TARGET_PRODUCER: return node_producer(t->producer);
    case FAULT_TARGET_CONSUMER: return node_consumer(t->consumer);
    case FAULT_TARGET_CONSUMER_OF: break; /* refused in rules (fault_parse.c) */
    case FAULT_TARGET_CONTROLLER: return NODE_CONTROLLER;
    case FAULT_TARGET_ALL: return NET_SELECT_ANY;
    }
    return NET_SELECT_ANY;
}

static int fault_install_rule(fault_runtime *fr, int fault) {
    const fault_spec *f = &fr->specs[fault];
    net_rule rule = {
        .kind = f->kind == FAULT_DROP    ? NET_RULE_DROP
                : f->kind == FAULT_BREAK ? NET_RULE_BREAK
                                         : NET_RULE_DELAY,
        .responses = f->responses,
        .from = fault_selector(&f->a),
        .to = fault_selector(&f->b),
        .ppm = f->ppm,
        .delay_ns = f->delay_ns,
        .from_ns = f->from_ns,
        .to_ns = f->to_ns,
        .fault = fault,
    };
    int rc = net_rule_add(fr->net, &rule);
    if (rc < 0) return rc;
    /* consumer-k's rule holds for its producer's messages too: a twin rule (the other end is
     * a broker, fault_spec_idle_reason). */
    if (f->a.kind == FAULT_TARGET_CONSUMER || f->b.kind == FAULT_TARGET_CONSUMER) {
        if (f->a.kind == FAULT_TARGET_CONSUMER) rule.from = node_consumer_producer(f->a.consumer);
        else rule.to = node_consumer_producer(f->b.consumer);
        rc = net_rule_add(fr->net, &rule);
    }
    return rc < 0 ? rc : 0;
}

int fault_runtime_init(fault_runtime *fr, const fault_env *env, const config *c, char *err,
                       size_t err_len) {
    memset(fr, 0, sizeof *fr);
    fr->world = env->world;
    fr->net = env->net;
    fr->history = env->history;
    fr->ops = env->ops;
    fr->broker_count = c->num_brokers;
    fr->kind = sim_handler_add(fr->world, fault_on_event, fr, "fault");
    if (c->fault_count > 0) {
        fr->specs = calloc((size_t)c->fault_count, sizeof *fr->specs);
        if (!fr->specs) {
            sim_exhaust(fr->world, "faults: out of memory");
            return -2;
        }
    }
    for (int i = 0; i < c->fault_count; i++) {
        fault_spec *f = &fr->specs[i];
        if (fault_parse(c->faults[i].text, f, err, err_len) != 0) return -1;
        fault_world world;
        fault_world_of(c, &world);
        if (fault_spec_resolve(f, &world, err, err_len) != 0) return -1;
        fr->count++;
        if (f->kind == FAULT_DROP || f->kind == FAULT_BREAK || f->kind == FAULT_DELAY) {
            int rc = fault_install_rule(fr, i);
            if (rc == -2) return -2; /* out of memory: not the faults' fault */
            if (rc != 0) {
                snprintf(err, err_len, "too many drop, break and delay faults (at most %d)",
                         NET_RULES_MAX);
                return -1;
            }
        } else if (!f->on_step) {
            sim_schedule(fr->world, f->at_ns, fr->kind, fault_arg(i, FAULT_ACT_START, 0));
        } else if (f->kind == FAULT_CRASH || f->kind == FAULT_PAUSE || f->kind == FAULT_STALL) {
            fr->steps_watched |= UINT32_C(1) << f->step;
        }
    }
    return 0;
}

void fault_runtime_fini(fault_runtime *fr) {
    free(fr->specs);
    fr->specs = NULL;
    fr->count = 0;
}

int64_t fault_runtime_quiet_after(const fault_runtime *fr) {
    int64_t end = 0;
    for (int i = 0; i < fr->count; i++) {
        const fault_spec *f = &fr->specs[i];
        int64_t t = 0;
        switch (f->kind) {
        case FAULT_DROP:
        case FAULT_BREAK:
        case FAULT_DELAY: t = f->to_ns == SIM_TIME_NEVER ? 0 : f->to_ns; break;
        default: t = (f->on_step ? 0 : f->at_ns) + (f->for_ns > 0 ? f->for_ns : 0); break;
        }
        if (t > end) end = t;
    }
    return end;
}

uint64_t fault_runtime_fired(const fault_runtime *fr) {
    uint64_t n = 0;
    for (int i = 0; i < fr->count; i++) n += fr->fired[i] ? 1 : 0;
    return n;
}
