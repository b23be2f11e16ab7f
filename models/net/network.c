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
 * Faults (network.h says what each one is, with its Linux source). Drop, break and delay rules
 * are matched when a message is sent (in rule order; the first drop or break that fires wins,
 * delays add up). A drop is TCP loss: the message leaves at the first retransmission that is
 * not lost again (each one drawn against the drop rules active at its instant), and arrives
 * after that, in order. A break loses the message and stalls its direction until the
 * connection closes, so a client never sees a later response before an earlier one, as
 * Kafka's NetworkClient.correlate requires. A cut holds what arrives at it on a list of the
 * link and sends it again at the first RTO instant after the heal; until the last of those has
 * arrived, later arrivals on the link wait behind them (resume_ns). A close lets the closer's
 * messages in flight through (slot flag NET_SLOT_SURVIVES) and loses those towards it; a dead
 * process's messages on the wire arrive, its clients get API_DISCONNECT behind them.
 *
 * Invariants: a free slot is on the free stack exactly once; every pending delivery event
 * names a slot that is not free and not held; a held slot is on one link's held list once;
 * a message never arrives before an earlier one sent on the same direction; a free slot's
 * flags are 0; once live_lists is on, a slot is on a live list exactly when it is not free and
 * its message belongs to its connection's current generation.
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
/* Pool size from which closes and crashes walk per-connection lists instead of the pool. A
 * small pool is walked faster than lists are kept (the lists cost every send about 20
 * instructions, 4% of a run's); a pool this large only grows when messages pile up in flight
 * (a long latency with timeouts that keep closing connections), where walking it at every
 * close made a run quadratic in its events. */
#define NET_LIVE_LISTS_FROM 4096u
#define NET_SLOT_FREE_MARK 0x80u /* set on free slots during a walk of the whole pool */

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
    n->slot_xmit_ns = malloc(NET_SLOTS_INITIAL * sizeof *n->slot_xmit_ns);
    n->slot_next = malloc(NET_SLOTS_INITIAL * sizeof *n->slot_next);
    n->slot_flags = calloc(NET_SLOTS_INITIAL, sizeof *n->slot_flags);
    if (!n->slots || !n->slot_batches || !n->free_slots || !n->slot_sent_ns || !n->slot_xmit_ns ||
        !n->slot_next || !n->slot_flags) {
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
    free(n->tcp);
    n->tcp = NULL;
    free(n->slot_xmit_ns);
    free(n->slot_next);
    free(n->slot_flags);
    free(n->slot_live_key);
    free(n->slot_live_next);
    free(n->slot_live_prev);
    free(n->live_head);
    n->live_head = NULL;
    n->live_lists = false;
    n->slot_live_key = n->slot_live_next = n->slot_live_prev = NULL;
    n->slot_xmit_ns = NULL;
    n->slot_next = NULL;
    n->slot_flags = NULL;
    n->slots = NULL;
    n->slot_batches = NULL;
    n->delivery_batches = NULL;
    n->free_slots = NULL;
    n->slot_sent_ns = NULL;
    n->slot_capacity = 0;
    n->free_count = 0;
    n->batch_rooms = 0;
}

size_t net_memory_bytes(const net *n) {
    size_t per_slot = sizeof *n->slots + sizeof *n->slot_batches + sizeof *n->free_slots +
                      sizeof *n->slot_sent_ns + sizeof *n->slot_xmit_ns + sizeof *n->slot_next +
                      sizeof *n->slot_flags;
    if (n->slot_live_key) per_slot += sizeof *n->slot_live_key;
    if (n->slot_live_next) per_slot += sizeof *n->slot_live_next;
    if (n->slot_live_prev) per_slot += sizeof *n->slot_live_prev;
    size_t bytes = (size_t)n->slot_capacity * per_slot +
                   (size_t)n->batch_rooms * PROTO_OUTLINE_BYTES_MAX;
    if (n->live_head) bytes += NODES_MAX * sizeof *n->live_head;
    if (n->tcp) bytes += sizeof *n->tcp;
    return bytes;
}

void net_listen(net *n, node_id node, net_deliver_fn fn, void *ctx) {
    SIM_ASSERT(n->world, node < NODES_MAX);
    n->endpoints[node].deliver = fn;
    n->endpoints[node].ctx = ctx;
}

/* The TCP state, allocated at the first drop rule or cut. Returns it, or NULL when memory ran
 * out (the world is stopped then). */
static net_tcp *net_tcp_of(net *n) {
    if (!n->tcp) {
        n->tcp = calloc(1, sizeof *n->tcp);
        if (!n->tcp) sim_exhaust(n->world, "network: out of memory for the TCP state");
    }
    return n->tcp;
}

/* ---- Slots ------------------------------------------------------------------------------ */

/* The ends of the connection a message travels on. */
static inline node_id net_client_of(const proto_msg *m) { return m->is_response ? m->to : m->from; }
static inline node_id net_server_of(const proto_msg *m) { return m->is_response ? m->from : m->to; }

/* ---- Live lists: the messages of each connection direction's current generation ---------- */

/* Puts slot at the head of the live list of (client, server, response). */
static inline void net_live_add(net *n, uint32_t slot, node_id client, node_id server,
                                bool response) {
    uint32_t *head = &n->live_head[client][server][response];
    n->slot_live_key[slot] = (uint32_t)(head - &n->live_head[0][0][0]) + 1;
    n->slot_live_prev[slot] = 0;
    n->slot_live_next[slot] = *head;
    if (*head) n->slot_live_prev[*head - 1] = slot + 1;
    *head = slot + 1;
}

/* Takes slot off its live list. Precondition: it is on one. */
static inline void net_live_remove(net *n, uint32_t slot) {
    uint32_t next = n->slot_live_next[slot], prev = n->slot_live_prev[slot];
    if (prev) n->slot_live_next[prev - 1] = next;
    else (&n->live_head[0][0][0])[n->slot_live_key[slot] - 1] = next;
    if (next) n->slot_live_prev[next - 1] = prev;
    n->slot_live_key[slot] = 0;
}

/* Gives the slots from old to cap their (empty) list fields. Returns 0 or -1. */
static int net_live_grow(net *n, uint32_t old, uint32_t cap) {
    uint32_t *key = realloc(n->slot_live_key, (size_t)cap * sizeof *key);
    if (!key) return -1;
    memset(key + old, 0, (size_t)(cap - old) * sizeof *key);
    n->slot_live_key = key;
    uint32_t *live_next = realloc(n->slot_live_next, (size_t)cap * sizeof *live_next);
    if (!live_next) return -1;
    n->slot_live_next = live_next;
    uint32_t *live_prev = realloc(n->slot_live_prev, (size_t)cap * sizeof *live_prev);
    if (!live_prev) return -1;
    n->slot_live_prev = live_prev;
    return 0;
}

/* The pool grew to cap past NET_LIVE_LISTS_FROM: the lists start with its old slots, every one
 * of them in use (the pool grows only when none is free). Without memory for them the pool
 * walk stays: slower, the same result. */
static void net_live_start(net *n, uint32_t old, uint32_t cap) {
    /* A try that failed earlier left live_head (all zero: nothing was added) for this one. */
    if (!n->live_head) n->live_head = calloc(NODES_MAX, sizeof *n->live_head);
    if (!n->live_head || net_live_grow(n, 0, cap) != 0) return;
    n->live_lists = true;
    for (uint32_t s = 0; s < old; s++) {
        const proto_msg *m = &n->slots[s];
        node_id client = net_client_of(m), server = net_server_of(m);
        if (m->conn_gen == n->conn_gen[client][server])
            net_live_add(n, s, client, server, m->is_response);
    }
}

/* Empties a live list: its generation ended (net_reset). Each message leaves once. */
static void net_live_clear(net *n, uint32_t *head) {
    for (uint32_t s = *head; s; s = n->slot_live_next[s - 1]) n->slot_live_key[s - 1] = 0;
    *head = 0;
}

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
    int64_t *xmit_ns = realloc(n->slot_xmit_ns, (size_t)cap * sizeof *xmit_ns);
    if (!xmit_ns) return -1;
    n->slot_xmit_ns = xmit_ns;
    uint32_t *next = realloc(n->slot_next, (size_t)cap * sizeof *next);
    if (!next) return -1;
    n->slot_next = next;
    uint8_t *flags = realloc(n->slot_flags, (size_t)cap * sizeof *flags);
    if (!flags) return -1;
    memset(flags + old, 0, (size_t)(cap - old) * sizeof *flags);
    n->slot_flags = flags;
    if (n->live_lists && net_live_grow(n, old, cap) != 0) return -1;
    for (uint32_t i = 0; i < cap - old; i++) n->free_slots[n->free_count++] = cap - 1 - i;
    n->slot_capacity = cap;
    if (!n->live_lists && cap >= NET_LIVE_LISTS_FROM) net_live_start(n, old, cap);
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
    if (n->live_lists && n->slot_live_key[slot]) net_live_remove(n, slot);
    n->free_slots[n->free_count++] = slot;
}

/* ---- Sending ---------------------------------------------------------------------------- */


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

/* True when rule r applies to a message from -> to (a response or not) at at_ns: its window
 * holds at_ns, its direction and both selectors match. Draws nothing. */
static inline bool net_rule_matches(net *n, const net_rule *r, node_id from, node_id to,
                                    bool response, int64_t at_ns) {
    if (at_ns < r->from_ns || at_ns >= r->to_ns) return false;
    if (r->responses != response) return false;
    if (!net_selector_fixed_match(r->from, from)) return false;
    if (!net_selector_fixed_match(r->to, to)) return false;
    if (!net_selector_dynamic_match(n, r->from, from)) return false;
    return net_selector_dynamic_match(n, r->to, to);
}

/* Applies the rules active now to m, sent from -> to (a response or not). Returns the index of
 * the drop or break rule that fired, or -1 and adds the delays of matching delay rules to
 * *delay_ns. */
static int net_rules_apply(net *n, const proto_msg *m, node_id from, node_id to, bool response,
                           int64_t *delay_ns) {
    int64_t now = sim_now(n->world);
    for (int i = 0; i < n->rule_count; i++) {
        const net_rule *r = &n->rules[i];
        if (!net_rule_matches(n, r, from, to, response, now)) continue;
        if (r->kind == NET_RULE_DELAY) {
            *delay_ns += r->delay_ns;
            if (n->on_delay) n->on_delay(n->drop_ctx, i, m);
        } else if (sim_pcg32_chance_ppm(&n->rng, r->ppm)) {
            return i;
        }
    }
    return -1;
}

/* True when a retransmission of a message from -> to at at_ns is lost again: a drop rule
 * active at that instant fires (break and delay rules acted at the send, once). */
static bool net_lost_again(net *n, node_id from, node_id to, bool response, int64_t at_ns) {
    for (int i = 0; i < n->rule_count; i++) {
        const net_rule *r = &n->rules[i];
        if (r->kind != NET_RULE_DROP || !net_rule_matches(n, r, from, to, response, at_ns))
            continue;
        if (sim_pcg32_chance_ppm(&n->rng, r->ppm)) return true;
    }
    return false;
}

int64_t net_rto_ns(int backoff) {
    if (backoff >= 10) return NET_TCP_RTO_MAX_NS; /* 200 ms << 10 is past the cap */
    int64_t rto = NET_TCP_RTO_MIN_NS << backoff;
    return rto < NET_TCP_RTO_MAX_NS ? rto : NET_TCP_RTO_MAX_NS;
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
    size_t bytes = proto_msg_outline_bytes(m);
    if (bytes == 0) return 0;
    SIM_ASSERT(n->world, bytes <= PROTO_OUTLINE_BYTES_MAX);
    proto_batch *room = n->slot_batches[slot];
    if (!room) {
        room = malloc(PROTO_OUTLINE_BYTES_MAX);
        if (!room) {
            sim_exhaust(n->world, "network: out of memory for in-flight batches");
            return -1;
        }
        n->slot_batches[slot] = room;
        n->batch_rooms++;
    }
    memcpy(room, proto_msg_outline(m), bytes);
    proto_msg_outline_set(&n->slots[slot], room);
    return 0;
}

/* Puts the message in slot, transmitted at xmit_ns, on the wire from -> to, arriving after
 * delay_ns more (FIFO kept). from and to are the message's, passed by the caller. */
static inline void net_schedule_from(net *n, uint32_t slot, node_id from, node_id to,
                                     int64_t xmit_ns, int64_t delay_ns) {
    n->slot_xmit_ns[slot] = xmit_ns;
    net_link *link = &n->links[from][to];
    int64_t at = xmit_ns + delay_ns;
    if (at < link->last_delivery_ns) at = link->last_delivery_ns;
    link->last_delivery_ns = at;
    sim_schedule(n->world, at, n->kind_deliver, slot);
}

/* Puts the stamped message in slot on the wire from -> to now, arriving after delay_ns. */
static void net_schedule(net *n, uint32_t slot, node_id from, node_id to, int64_t delay_ns) {
    n->slot_sent_ns[slot] = sim_now(n->world);
    net_schedule_from(n, slot, from, to, sim_now(n->world), delay_ns);
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
    if (n->live_lists) net_live_add(n, slot, client, server, true);
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

/* A drop rule lost the message in slot at its send: TCP retransmits it at the RTO (200 ms),
 * doubling while the retransmissions are lost too, and it arrives after the one that gets
 * through. While an earlier loss on the direction is still being recovered, the message goes
 * again right behind that recovery (the ACK that ends it resets the backoff, and SACK lets the
 * sender resend what else was missing at once). Past the kernel's give-up time the message
 * is lost with its connection, as by a break. */
static void net_send_retransmitted(net *n, uint32_t slot, node_id from, node_id to, bool response,
                                   uint32_t gen, int rule, int64_t delay_ns) {
    node_id client = response ? to : from, server = response ? from : to;
    /* net_rule_add allocated the TCP state with the drop rule. */
    net_tcp_link *d = &n->tcp->link[from][to];
    int64_t now = sim_now(n->world), t;
    int backoff;
    if (now < d->recovered_ns) {
        t = d->recovered_ns;
        backoff = 0;
    } else {
        t = now + net_rto_ns(0);
        backoff = 1;
    }
    if (n->on_drop) n->on_drop(n->drop_ctx, rule, &n->slots[slot]);
    n->retransmitted++;
    while (net_lost_again(n, from, to, response, t)) {
        t += net_rto_ns(backoff);
        if (backoff < 16) backoff++;
        if (t - now >= NET_TCP_GIVE_UP_NS) {
            /* tcp_write_timeout: the connection is dead; nothing more on it arrives. */
            n->stalled[client][server][response] = gen + 1;
            net_lose_at_send(n, slot);
            return;
        }
    }
    if (t > d->recovered_ns) d->recovered_ns = t;
    n->slot_sent_ns[slot] = now;
    net_schedule_from(n, slot, from, to, t, net_delay_draw(n) + delay_ns);
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
    /* A response to a request of an older generation is lost on arrival already; only the
     * current generation's messages are on a live list. */
    if (n->live_lists && gen == n->conn_gen[client][server])
        net_live_add(n, slot, client, server, response);
    if (n->on_send) n->on_send(n->trace_ctx, m);
    if (n->endpoints[to].down) {
        /* A closed port answers with an RST, unless the machine is off. */
        bool refused = !response && !n->endpoints[from].down && !n->silent[to];
        net_lose_at_send(n, slot); /* before the notice, which takes a slot of its own */
        if (refused) net_notify_disconnect(n, to, from);
        return;
    }
    if (!response) n->conn_open[client][server] = true;
    uint32_t *stalled = &n->stalled[client][server][response];
    if (*stalled == gen + 1) {
        /* Behind a message a break lost: held until the connection closes, which in effect
         * loses it (the client's request.timeout.ms closes it). */
        net_lose_at_send(n, slot);
        return;
    }
    int64_t delay_ns = 0;
    /* Most runs have no rule for this direction (requests or responses): skip the walk. */
    bool ruled = n->rule_directions & (1u << response);
    int rule = ruled ? net_rules_apply(n, m, from, to, response, &delay_ns) : -1;
    if (rule >= 0) {
        if (n->rules[rule].kind == NET_RULE_DROP) {
            net_send_retransmitted(n, slot, from, to, response, gen, rule, delay_ns);
            return;
        }
        *stalled = gen + 1;
        if (n->on_drop) n->on_drop(n->drop_ctx, rule, m);
        net_lose_at_send(n, slot);
        return;
    }
    net_schedule(n, slot, from, to, net_delay_draw(n) + delay_ns);
}

/* ---- Arrival ---------------------------------------------------------------------------- */

/* Appends slot to link's held list (a cut met it). */
static void net_hold(net *n, net_tcp_link *link, uint32_t slot) {
    n->slot_next[slot] = 0;
    n->slot_flags[slot] &= (uint8_t)~NET_SLOT_RELEASED;
    if (link->held_tail == 0) link->held_head = slot + 1;
    else n->slot_next[link->held_tail - 1] = slot + 1;
    link->held_tail = slot + 1;
    n->retransmitted++;
}

/* The message in slot is lost where it is (an RST meeting a cut, a give-up): counted, shown
 * to on_fate, its slot given back. */
static void net_lose_held(net *n, uint32_t slot) {
    n->dropped++;
    n->slot_flags[slot] = 0;
    if (n->on_fate) n->on_fate(n->fate_ctx, &n->slots[slot], n->slot_sent_ns[slot], true);
    net_slot_give(n, slot);
}

/* A message arrives on a link that a cut cuts, or that a healed cut holds back: it is held,
 * or waits, or (released by the heal itself, or past the wait) goes on. True when it does not
 * go on now. */
static bool net_arrival_blocked(net *n, net_tcp_link *link, uint32_t slot) {
    if (link->cut) {
        /* An RST is not retransmitted: a cut loses it, and the client finds out by its
         * own timeout. */
        if (n->slots[slot].api == API_DISCONNECT) net_lose_held(n, slot);
        else net_hold(n, link, slot);
        return true;
    }
    if (n->slot_flags[slot] & NET_SLOT_RELEASED) {
        n->slot_flags[slot] &= (uint8_t)~NET_SLOT_RELEASED;
        return false;
    }
    sim_schedule(n->world, link->resume_ns, n->kind_deliver, slot);
    return true;
}

/* True when the message in slot must vanish on arrival: a dead receiver, nobody listening, a
 * closed connection it did not survive. Clears the slot's flags. */
static bool net_lost_on_arrival(net *n, const proto_msg *m, uint32_t slot) {
    bool gone = n->endpoints[m->to].down || !n->endpoints[m->to].deliver;
    if (!gone && m->conn_gen == n->conn_gen[net_client_of(m)][net_server_of(m)]) return false;
    bool survives = !gone && (n->slot_flags[slot] & NET_SLOT_SURVIVES);
    n->slot_flags[slot] = 0;
    return !survives;
}

static void net_on_deliver(void *ctx, sim_world *w, const sim_event *ev) {
    net *n = ctx;
    uint32_t slot = (uint32_t)ev->arg;
    SIM_ASSERT(w, slot < n->slot_capacity);
    if (n->tcp) {
        net_tcp_link *link = &n->tcp->link[n->slots[slot].from][n->slots[slot].to];
        if ((link->cut || sim_now(w) < link->resume_ns) && net_arrival_blocked(n, link, slot))
            return;
        n->slot_flags[slot] &= (uint8_t)~NET_SLOT_RELEASED; /* the last released one's too */
    }
    /* A local copy: the receiver may send, and a send may move the slot array. The batches
     * move to the delivery room for the same reason (see the file comment). */
    proto_msg m = n->slots[slot];
    if (proto_msg_outline_bytes(&m)) {
        proto_batch *room = n->delivery_batches;
        n->delivery_batches = n->slot_batches[slot];
        n->slot_batches[slot] = room;
        proto_msg_outline_set(&m, n->delivery_batches);
    }
    int64_t sent_ns = n->slot_sent_ns[slot];
    bool lost = net_lost_on_arrival(n, &m, slot);
    net_slot_give(n, slot);
    if (lost) {
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
    if (n->live_lists) {
        net_live_clear(n, &n->live_head[client][server][0]);
        net_live_clear(n, &n->live_head[client][server][1]);
    }
}

/* True when a break rule broke a direction of (client, server) in its current generation. */
static bool net_conn_broken(const net *n, node_id client, node_id server) {
    uint32_t gen = n->conn_gen[client][server];
    return n->stalled[client][server][0] == gen + 1 || n->stalled[client][server][1] == gen + 1;
}

/* Calls fn on every slot in flight or held (not free), in slot order: the whole pool, while it
 * is small (live_lists off). */
static void net_each_live(net *n, void (*fn)(net *, uint32_t, const void *), const void *arg) {
    for (uint32_t i = 0; i < n->free_count; i++)
        n->slot_flags[n->free_slots[i]] |= NET_SLOT_FREE_MARK;
    for (uint32_t s = 0; s < n->slot_capacity; s++) {
        if (n->slot_flags[s] & NET_SLOT_FREE_MARK) {
            n->slot_flags[s] &= (uint8_t)~NET_SLOT_FREE_MARK;
            continue;
        }
        fn(n, s, arg);
        n->live_walked++;
    }
}

/* Calls fn on every message of a live list (a connection direction's current generation). fn
 * only sets flags, so the order of the walk does not matter. */
static void net_live_each(net *n, uint32_t head, void (*fn)(net *, uint32_t, const void *),
                          const void *arg) {
    for (uint32_t s = head; s; s = n->slot_live_next[s - 1]) {
        fn(n, s - 1, arg);
        n->live_walked++;
    }
}

typedef struct net_closing {
    node_id from, to;   /* the closer's messages on the connection */
    bool response;      /* they are responses (the closer is the server) */
    uint32_t gen;       /* the connection's generation being closed */
} net_closing;

static void net_mark_survivor(net *n, uint32_t slot, const void *arg) {
    const net_closing *c = arg;
    const proto_msg *m = &n->slots[slot];
    if (m->from != c->from || m->to != c->to || m->is_response != c->response) return;
    if (m->conn_gen != c->gen) return;
    n->slot_flags[slot] |= NET_SLOT_SURVIVES;
}

void net_close(net *n, node_id client, node_id server, bool by_client) {
    SIM_ASSERT(n->world, client < NODES_MAX);
    SIM_ASSERT(n->world, server < NODES_MAX);
    if (!net_conn_broken(n, client, server)) {
        net_closing c = {.from = by_client ? client : server, .to = by_client ? server : client,
                         .response = !by_client, .gen = n->conn_gen[client][server]};
        if (n->live_lists)
            net_live_each(n, n->live_head[client][server][!by_client], net_mark_survivor, &c);
        else
            net_each_live(n, net_mark_survivor, &c);
    }
    net_reset(n, client, server);
}

/* A dying machine's kernel sends nothing more: what a cut held from node is discarded. */
static void net_unmark_held_from(net *n, node_id node) {
    if (!n->tcp) return;
    for (int peer = 0; peer < NODES_MAX; peer++)
        for (uint32_t s = n->tcp->link[node][peer].held_head; s; s = n->slot_next[s - 1])
            n->slot_flags[s - 1] &= (uint8_t)~NET_SLOT_SURVIVES;
}

/* node's process or machine is gone: its messages transmitted before now (not written in this
 * very instant, not waiting for a retransmission) on connections no break broke survive the
 * resets that follow. */
static void net_mark_on_wire(net *n, uint32_t slot, const void *arg) {
    const node_id *node = arg;
    const proto_msg *m = &n->slots[slot];
    if (m->from != *node || n->slot_xmit_ns[slot] >= sim_now(n->world)) return;
    node_id client = net_client_of(m), server = net_server_of(m);
    if (m->conn_gen != n->conn_gen[client][server] || net_conn_broken(n, client, server)) return;
    n->slot_flags[slot] |= NET_SLOT_SURVIVES;
}

void net_set_down(net *n, node_id node, bool down) {
    SIM_ASSERT(n->world, node < NODES_MAX);
    if (!down) n->silent[node] = false;
    if (n->endpoints[node].down == down) return;
    n->endpoints[node].down = down;
    if (!down) return;
    if (n->free_count < n->slot_capacity) {
        if (!n->live_lists) net_each_live(n, net_mark_on_wire, &node);
        for (int peer = 0; n->live_lists && peer < NODES_MAX; peer++) {
            net_live_each(n, n->live_head[node][peer][0], net_mark_on_wire, &node);
            net_live_each(n, n->live_head[peer][node][1], net_mark_on_wire, &node);
        }
        net_unmark_held_from(n, node);
    }
    for (int peer = 0; peer < NODES_MAX; peer++) {
        if (peer == node) continue;
        bool client_of_dead = n->conn_open[peer][node];
        net_reset(n, (node_id)peer, node);
        net_reset(n, node, (node_id)peer);
        if (client_of_dead && !n->silent[node] && !n->endpoints[peer].down &&
            !(n->tcp && n->tcp->link[node][peer].cut))
            net_notify_disconnect(n, node, (node_id)peer);
    }
}

void net_power_off(net *n, node_id node) {
    SIM_ASSERT(n->world, node < NODES_MAX);
    n->silent[node] = true;
    net_set_down(n, node, true);
}

/* The first RTO instant at or after now of a segment first transmitted at xmit_ns, or -1 when
 * the kernel gives up before it. */
static int64_t net_retransmit_at(int64_t xmit_ns, int64_t now) {
    int64_t t = xmit_ns;
    for (int backoff = 0; t < now; backoff++) {
        t += net_rto_ns(backoff);
        if (t - xmit_ns >= NET_TCP_GIVE_UP_NS) return -1;
    }
    return t;
}

/* The cut from -> to healed: what it held goes again at the head's next RTO instant. */
static void net_release_held(net *n, node_id from, node_id to) {
    net_tcp_link *link = &n->tcp->link[from][to];
    uint32_t head = link->held_head;
    if (head == 0) return;
    link->held_head = link->held_tail = 0;
    int64_t at = net_retransmit_at(n->slot_xmit_ns[head - 1], sim_now(n->world));
    for (uint32_t s = head, next; s; s = next) {
        uint32_t slot = s - 1;
        next = n->slot_next[slot];
        if (at < 0) {
            const proto_msg *m = &n->slots[slot];
            net_reset(n, net_client_of(m), net_server_of(m)); /* the kernel gave up on it */
            net_lose_held(n, slot);
            continue;
        }
        n->slot_flags[slot] |= NET_SLOT_RELEASED;
        net_schedule_from(n, slot, from, to, at, net_delay_draw(n));
    }
    /* Arrivals on the link before the last released one wait for it (net_arrival_blocked). */
    if (at >= 0) link->resume_ns = n->links[from][to].last_delivery_ns;
}

void net_cut(net *n, node_id from, node_id to, bool cut) {
    SIM_ASSERT(n->world, from < NODES_MAX);
    SIM_ASSERT(n->world, to < NODES_MAX);
    if (!net_tcp_of(n)) return;
    n->tcp->link[from][to].cut = cut;
    if (!cut) net_release_held(n, from, to);
}

int net_rule_add(net *n, const net_rule *rule) {
    if (n->rule_count >= NET_RULES_MAX) return -1;
    if (rule->kind == NET_RULE_DROP && !net_tcp_of(n)) return -2;
    n->rules[n->rule_count] = *rule;
    n->rule_directions |= 1u << (rule->responses ? 1 : 0);
    return n->rule_count++;
}
