/*
 * network.c: connections between nodes, as TCP gives them, with the faults of the fault
 * language.
 *
 * Model. Every message travels on the connection (client, server): requests client -> server,
 * responses back. Each direction between two nodes is first in first out: a message arrives at
 * max(previous arrival on that direction, now + latency + jitter), jitter uniform in
 * [-network.jitter.ms, +network.jitter.ms] from the network's own PCG32 stream, never before
 * now. Closing a connection bumps its generation; a message stamped with an older generation
 * vanishes on arrival, as the unread bytes of a closed socket do.
 *
 * Faults. Drop and delay rules are matched when a message is sent (in rule order; the first
 * drop that fires wins, delays add up). A dropped message stands for data TCP could not
 * deliver: everything sent after it on the same direction of that connection is held behind it
 * (head-of-line blocking) until the connection closes, so a client never sees a later response
 * before an earlier one, as Kafka's NetworkClient.correlate requires; a cut drops at send and at arrival and resets the
 * connections between the two nodes, with no notice to anyone (clients find out by their
 * request.timeout.ms, as Kafka's NetworkClient does). A dead process is different: its peers'
 * kernels get an RST, so every client with an open connection to it gets API_DISCONNECT one
 * latency later, and a request sent to it later is refused the same way.
 *
 * Invariants: a free slot is on the free stack exactly once; every pending delivery event
 * names a slot that is not free; a message never arrives before an earlier one sent on the
 * same direction.
 *
 * Memory. A message is copied by value into its slot; the batches of a fetch response are
 * copied into a room of PROTO_FETCH_BATCHES_MAX batches that belongs to the slot, allocated the
 * first time the slot carries batches and kept. At delivery the slot's room is swapped with
 * the network's delivery room instead of being copied: the slot is free again before the
 * receiver runs (so that a send during delivery takes the same slot it always did), and the
 * receiver reads batches no send can overwrite.
 *
 * Left out: bandwidth and message sizes (a message takes the same time whatever it carries),
 * connection set-up time, and socket buffers (a slow reader never pushes back on a writer).
 */
#include "network.h"

#include <stdlib.h>
#include <string.h>

#define NET_SLOTS_INITIAL 256

static void net_on_deliver(void *ctx, sim_world *w, const sim_event *ev);

int net_init(net *n, sim_world *w, const net_options *opt) {
    memset(n, 0, sizeof *n);
    n->world = w;
    n->opt = *opt;
    if (n->opt.latency_ns < 0) n->opt.latency_ns = 0;
    if (n->opt.jitter_ns < 0) n->opt.jitter_ns = 0;
    n->rng = sim_stream(w, opt->stream_id);
    uint64_t span = 2 * (uint64_t)n->opt.jitter_ns + 1;
    if (n->opt.jitter_ns > 0 && span <= UINT32_MAX) {
        n->jitter_span = (uint32_t)span;
        n->jitter_threshold = sim_pcg32_threshold(n->jitter_span);
    }
    for (int c = 0; c < NODES_MAX; c++)
        for (int s = 0; s < NODES_MAX; s++) n->conn_gen[c][s] = 1;
    n->slots = malloc(NET_SLOTS_INITIAL * sizeof *n->slots);
    n->slot_batches = calloc(NET_SLOTS_INITIAL, sizeof *n->slot_batches);
    n->free_slots = malloc(NET_SLOTS_INITIAL * sizeof *n->free_slots);
    n->slot_sent_ns = malloc(NET_SLOTS_INITIAL * sizeof *n->slot_sent_ns);
    if (!n->slots || !n->slot_batches || !n->free_slots || !n->slot_sent_ns) {
        net_fini(n);
        return -1;
    }
    n->slot_capacity = NET_SLOTS_INITIAL;
    /* Pushed in reverse so that slot 0 is handed out first. */
    for (uint32_t i = 0; i < NET_SLOTS_INITIAL; i++)
        n->free_slots[i] = NET_SLOTS_INITIAL - 1 - i;
    n->free_count = NET_SLOTS_INITIAL;
    n->kind_deliver = sim_handler_add(w, net_on_deliver, n, "net.deliver");
    return 0;
}

void net_fini(net *n) {
    if (n->slot_batches)
        for (uint32_t i = 0; i < n->slot_capacity; i++) free(n->slot_batches[i]);
    free(n->slot_batches);
    free(n->delivery_batches);
    free(n->slots);
    free(n->free_slots);
    free(n->slot_sent_ns);
    n->slots = NULL;
    n->slot_batches = NULL;
    n->delivery_batches = NULL;
    n->free_slots = NULL;
    n->slot_sent_ns = NULL;
    n->slot_capacity = 0;
    n->free_count = 0;
}

void net_listen(net *n, node_id node, net_deliver_fn fn, void *ctx) {
    SIM_ASSERT(n->world, node < NODES_MAX);
    n->endpoints[node].deliver = fn;
    n->endpoints[node].ctx = ctx;
}

/* ---- Slots ------------------------------------------------------------------------------ */

/* Doubles the pool. Slot indexes stay valid (events carry indexes, never pointers). */
static int net_slots_grow(net *n) {
    uint32_t old = n->slot_capacity;
    if (old >= UINT32_MAX / 2) return -1;
    uint32_t cap = old * 2;
    proto_msg *slots = realloc(n->slots, (size_t)cap * sizeof *slots);
    if (!slots) return -1;
    n->slots = slots;
    proto_batch **rooms = realloc(n->slot_batches, (size_t)cap * sizeof *rooms);
    if (!rooms) return -1;
    for (uint32_t i = old; i < cap; i++) rooms[i] = NULL;
    n->slot_batches = rooms;
    uint32_t *free_slots = realloc(n->free_slots, (size_t)cap * sizeof *free_slots);
    if (!free_slots) return -1;
    n->free_slots = free_slots;
    int64_t *sent_ns = realloc(n->slot_sent_ns, (size_t)cap * sizeof *sent_ns);
    if (!sent_ns) return -1;
    n->slot_sent_ns = sent_ns;
    for (uint32_t i = 0; i < cap - old; i++) n->free_slots[n->free_count++] = cap - 1 - i;
    n->slot_capacity = cap;
    return 0;
}

/* A free slot index, or UINT32_MAX when memory ran out (the world is stopped then). */
static inline uint32_t net_slot_take(net *n) {
    if (n->free_count == 0 && net_slots_grow(n) != 0) {
        sim_exhaust(n->world, "network: out of memory for in-flight messages");
        return UINT32_MAX;
    }
    return n->free_slots[--n->free_count];
}

static void net_slot_give(net *n, uint32_t slot) {
    SIM_ASSERT(n->world, n->free_count < n->slot_capacity);
    n->free_slots[n->free_count++] = slot;
}

/* ---- Sending ---------------------------------------------------------------------------- */

static inline node_id net_client_of(const proto_msg *m) { return m->is_response ? m->to : m->from; }
static inline node_id net_server_of(const proto_msg *m) { return m->is_response ? m->from : m->to; }

/* A rule's endpoint selector against a node, in two parts so that the cheap one goes first:
 * a concrete id or "any" decides at once; a dynamic selector asks resolve (a lookup in the
 * controller), which only the messages that passed every other test of the rule pay for. */
static bool net_selector_fixed_match(int selector, node_id node) {
    return selector < 0 || (int)node == selector; /* dynamic ones pass here, decided below */
}

static bool net_selector_dynamic_match(net *n, int selector, node_id node) {
    if (selector >= 0 || selector == NET_SELECT_ANY) return true; /* decided above */
    if (!n->resolve) return false;
    return n->resolve(n->resolve_ctx, selector) == node;
}

/* Applies the rules active now to m, sent from -> to (a response or not). Returns the index of
 * the drop rule that fired, or -1 and adds the delays of matching delay rules to *delay_ns. */
static int net_rules_apply(net *n, const proto_msg *m, node_id from, node_id to, bool response,
                           int64_t *delay_ns) {
    int64_t now = sim_now(n->world);
    for (int i = 0; i < n->rule_count; i++) {
        const net_rule *r = &n->rules[i];
        if (now < r->from_ns || now >= r->to_ns) continue;
        if (r->responses != response) continue;
        if (!net_selector_fixed_match(r->from, from)) continue;
        if (!net_selector_fixed_match(r->to, to)) continue;
        if (!net_selector_dynamic_match(n, r->from, from)) continue;
        if (!net_selector_dynamic_match(n, r->to, to)) continue;
        if (r->kind == NET_RULE_DELAY) {
            *delay_ns += r->delay_ns;
            if (n->on_delay) n->on_delay(n->drop_ctx, i, m);
        } else if (sim_pcg32_chance_ppm(&n->rng, r->ppm)) {
            return i;
        }
    }
    return -1;
}

/* One way's delay: latency plus uniform jitter, never negative. The jitter is
 * sim_pcg32_bounded64(rng, 2 * jitter + 1), number for number: a span that fits in 32 bits
 * takes sim_pcg32_bounded's draw, with its threshold (2^32 mod span, a division) computed
 * once in net_init, since the span is fixed for a run and this draw is made for every
 * message. */
static int64_t net_delay_draw(net *n) {
    int64_t d = n->opt.latency_ns;
    if (n->jitter_span) {
        uint32_t r = sim_pcg32_bounded_with(&n->rng, n->jitter_span, n->jitter_threshold);
        d += (int64_t)r - n->opt.jitter_ns;
    } else if (n->opt.jitter_ns > 0) {
        uint64_t span = 2 * (uint64_t)n->opt.jitter_ns + 1;
        d += (int64_t)sim_pcg32_bounded64(&n->rng, span) - n->opt.jitter_ns;
    }
    return d < 0 ? 0 : d;
}

/* Copies m into slot, and the batches it carries into the slot's room (allocated at its first
 * use). Returns 0, or -1 when memory ran out (the world is stopped then). */
static inline int net_slot_fill(net *n, uint32_t slot, const proto_msg *m) {
    n->slots[slot] = *m;
    uint16_t count = proto_msg_batch_count(m);
    if (count == 0) return 0;
    SIM_ASSERT(n->world, count <= PROTO_FETCH_BATCHES_MAX);
    proto_batch *room = n->slot_batches[slot];
    if (!room) {
        room = malloc(PROTO_FETCH_BATCHES_MAX * sizeof *room);
        if (!room) {
            sim_exhaust(n->world, "network: out of memory for in-flight batches");
            return -1;
        }
        n->slot_batches[slot] = room;
    }
    memcpy(room, m->u.fetch_response.batches, count * sizeof *room);
    n->slots[slot].u.fetch_response.batches = room;
    return 0;
}

/* Puts the stamped message in slot on the wire from -> to, arriving after delay_ns (FIFO
 * kept). from and to are the message's, passed by the caller, which has them at hand. */
static void net_schedule(net *n, uint32_t slot, node_id from, node_id to, int64_t delay_ns) {
    n->slot_sent_ns[slot] = sim_now(n->world);
    net_link *link = &n->links[from][to];
    int64_t at = sim_now(n->world) + delay_ns;
    if (at < link->last_delivery_ns) at = link->last_delivery_ns;
    link->last_delivery_ns = at;
    sim_schedule(n->world, at, n->kind_deliver, slot);
}

/* Tells client that server's process is gone, one latency later (the RST). */
static void net_notify_disconnect(net *n, node_id server, node_id client) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = API_DISCONNECT;
    m.is_response = 1;
    m.from = server;
    m.to = client;
    m.conn_gen = n->conn_gen[client][server];
    if (n->on_send) n->on_send(n->trace_ctx, &m);
    uint32_t slot = net_slot_take(n);
    if (slot == UINT32_MAX) return;
    if (net_slot_fill(n, slot, &m) != 0) {
        net_slot_give(n, slot);
        return;
    }
    net_schedule(n, slot, server, client, n->opt.latency_ns);
}

/* A message the network loses at send: counted, shown to on_fate, and its slot given back.
 * The free stack is last in first out, so taking a slot and giving it back leaves it as it
 * was: the next send takes the same slot it would have taken had this one never had it. */
static void net_lose_at_send(net *n, uint32_t slot) {
    n->dropped++;
    if (n->on_fate) n->on_fate(n->fate_ctx, &n->slots[slot], sim_now(n->world), true);
    net_slot_give(n, slot);
}

void net_send(net *n, const proto_msg *msg) {
    SIM_ASSERT(n->world, msg->from < NODES_MAX);
    SIM_ASSERT(n->world, msg->to < NODES_MAX);
    n->sent++;
    /* The route is decided on the fields of msg, which the sender has just written, not on
     * the slot's copy of them: nothing below waits for the copy (2% more sweep runs per
     * second than reading them back from the slot, measured alternately). */
    node_id from = msg->from, to = msg->to;
    bool response = msg->is_response;
    node_id client = response ? to : from, server = response ? from : to;
    uint32_t gen = msg->conn_gen;
    if (!response || gen == 0) gen = n->conn_gen[client][server];
    /* The copy goes straight into a slot and is stamped there; a message lost at send gives
     * its slot back (net_lose_at_send). Nothing below sends before that, so the slot array
     * does not move while m points into it. */
    uint32_t slot = net_slot_take(n);
    if (slot == UINT32_MAX) return;
    if (net_slot_fill(n, slot, msg) != 0) {
        net_slot_give(n, slot);
        return;
    }
    proto_msg *m = &n->slots[slot];
    m->conn_gen = gen;
    if (n->on_send) n->on_send(n->trace_ctx, m);
    if (n->cut[from][to]) {
        net_lose_at_send(n, slot);
        return;
    }
    if (n->endpoints[to].down) {
        bool refused = !response && !n->endpoints[from].down;
        net_lose_at_send(n, slot); /* before the notice, which takes a slot of its own */
        if (refused) net_notify_disconnect(n, to, from);
        return;
    }
    if (!response) n->conn_open[client][server] = true;
    uint32_t *stalled = &n->stalled[client][server][response];
    if (*stalled == gen + 1) {
        /* Behind a lost message on an open TCP connection: held until the connection closes,
         * which in effect loses it (the client's request.timeout.ms closes it). */
        net_lose_at_send(n, slot);
        return;
    }
    int64_t delay_ns = 0;
    /* Most runs have no rule for this direction (requests or responses): skip the walk. */
    bool ruled = n->rule_directions & (1u << response);
    int rule = ruled ? net_rules_apply(n, m, from, to, response, &delay_ns) : -1;
    if (rule >= 0) {
        *stalled = gen + 1;
        if (n->on_drop) n->on_drop(n->drop_ctx, rule, m);
        net_lose_at_send(n, slot);
        return;
    }
    net_schedule(n, slot, from, to, net_delay_draw(n) + delay_ns);
}

/* ---- Arrival ---------------------------------------------------------------------------- */

/* True when the message must vanish on arrival: a dead receiver, a cut, a closed connection. */
static bool net_lost_on_arrival(const net *n, const proto_msg *m) {
    if (n->endpoints[m->to].down) return true;
    if (n->cut[m->from][m->to]) return true;
    if (!n->endpoints[m->to].deliver) return true;
    return m->conn_gen != n->conn_gen[net_client_of(m)][net_server_of(m)];
}

static void net_on_deliver(void *ctx, sim_world *w, const sim_event *ev) {
    net *n = ctx;
    uint32_t slot = (uint32_t)ev->arg;
    SIM_ASSERT(w, slot < n->slot_capacity);
    /* A local copy: the receiver may send, and a send may move the slot array. The batches
     * move to the delivery room for the same reason (see the file comment). */
    proto_msg m = n->slots[slot];
    if (proto_msg_batch_count(&m)) {
        proto_batch *room = n->delivery_batches;
        n->delivery_batches = n->slot_batches[slot];
        n->slot_batches[slot] = room;
        m.u.fetch_response.batches = n->delivery_batches;
    }
    int64_t sent_ns = n->slot_sent_ns[slot];
    net_slot_give(n, slot);
    if (net_lost_on_arrival(n, &m)) {
        n->dropped++;
        if (n->on_fate) n->on_fate(n->fate_ctx, &m, sent_ns, true);
        return;
    }
    if (n->on_fate) n->on_fate(n->fate_ctx, &m, sent_ns, false);
    n->delivered++;
    const net_endpoint *e = &n->endpoints[m.to];
    e->deliver(e->ctx, &m);
}

/* ---- Faults ----------------------------------------------------------------------------- */

void net_reset(net *n, node_id client, node_id server) {
    SIM_ASSERT(n->world, client < NODES_MAX);
    SIM_ASSERT(n->world, server < NODES_MAX);
    n->conn_gen[client][server]++;
    n->conn_open[client][server] = false;
}

void net_set_down(net *n, node_id node, bool down) {
    SIM_ASSERT(n->world, node < NODES_MAX);
    if (n->endpoints[node].down == down) return;
    n->endpoints[node].down = down;
    if (!down) return;
    for (int peer = 0; peer < NODES_MAX; peer++) {
        if (peer == node) continue;
        bool client_of_dead = n->conn_open[peer][node];
        net_reset(n, (node_id)peer, node);
        net_reset(n, node, (node_id)peer);
        if (client_of_dead && !n->endpoints[peer].down && !n->cut[node][peer])
            net_notify_disconnect(n, node, (node_id)peer);
    }
}

void net_cut(net *n, node_id from, node_id to, bool cut) {
    SIM_ASSERT(n->world, from < NODES_MAX);
    SIM_ASSERT(n->world, to < NODES_MAX);
    n->cut[from][to] = cut;
    if (!cut) return;
    net_reset(n, from, to);
    net_reset(n, to, from);
}

int net_rule_add(net *n, const net_rule *rule) {
    if (n->rule_count >= NET_RULES_MAX) return -1;
    n->rules[n->rule_count] = *rule;
    n->rule_directions |= 1u << (rule->responses ? 1 : 0);
    return n->rule_count++;
}
