/*
 * network.h: connections between nodes, with latency, jitter, loss, delay, partitions and
 * resets.
 *
 * A connection is keyed by (client, server), as a TCP connection is: requests travel client ->
 * server, responses server -> client, each direction first in first out (a message never
 * overtakes an earlier one on the same connection: delivery time = max(previous delivery,
 * now + latency)). Closing a connection bumps its generation; messages of an older generation
 * are dropped on arrival, as bytes of a closed socket are.
 *
 * Faults act here: drop and delay rules on requests or responses between two endpoints, cuts
 * (both ways or one way) that reset the connections they cut, and node crashes, after which the
 * peers of a dead process get a disconnect notice (the kernel's RST) one latency later.
 * A partition gives no notice: clients find out by their own timeouts.
 */
#ifndef KAFKASIM_NETWORK_H
#define KAFKASIM_NETWORK_H

#include "protocol.h"
#include "sim.h"

#define NET_RULES_MAX 32

/* Called when a message arrives at an endpoint. msg, and the batches of a fetch response
 * (protocol.h), are valid during the call only. */
typedef void (*net_deliver_fn)(void *ctx, const proto_msg *msg);
/* Resolves a dynamic endpoint ("leader", "follower") to a node id at the moment of use. */
typedef node_id (*net_resolve_fn)(void *ctx, int selector);
/* Reports a message a fault rule dropped (rule index), for the history. */
typedef void (*net_drop_fn)(void *ctx, int rule, const proto_msg *msg);
/* Reports a message a delay rule slowed (rule index), so the fault counts as fired. */
typedef void (*net_delay_fn)(void *ctx, int rule, const proto_msg *msg);
/* Sees every message as it is sent (for --trace). */
typedef void (*net_trace_fn)(void *ctx, const proto_msg *msg);
/* Sees every message once, when its fate is known (for --plot): at arrival (lost = the
 * receiver never saw it: dead, cut, or its connection closed since the send), or at send when
 * the network refused it there (lost = true, now = sent_ns). msg is valid during the call only. */
typedef void (*net_fate_fn)(void *ctx, const proto_msg *msg, int64_t sent_ns, bool lost);

/* Endpoint selectors in rules: a concrete node id (>= 0) or one of these, resolved at use. */
#define NET_SELECT_ANY (-1)
#define NET_SELECT_LEADER (-2)
#define NET_SELECT_FOLLOWER (-3)

typedef enum net_rule_kind {
    NET_RULE_DROP,  /* a lost segment: TCP retransmits it (see the file comment) */
    NET_RULE_DELAY, /* a fixed extra latency */
    NET_RULE_BREAK  /* the message is lost with its connection: the direction stalls */
} net_rule_kind;

typedef struct net_rule {
    net_rule_kind kind;   /* drop, delay or break */
    bool responses;       /* applies to responses (else requests) */
    int from;             /* sender selector */
    int to;               /* receiver selector */
    uint32_t ppm;         /* drop or break probability, parts per million */
    int64_t delay_ns;     /* extra delay for NET_RULE_DELAY */
    int64_t from_ns;      /* active from this time */
    int64_t to_ns;        /* active until this time (exclusive), SIM_TIME_NEVER for always */
    int fault;            /* index of the fault that installed it, for the history */
} net_rule;

typedef struct net_options {
    int64_t latency_ns;   /* network.latency.ms: one-way base latency */
    int64_t jitter_ns;    /* network.jitter.ms: uniform in [-jitter, +jitter] */
    uint64_t stream_id;   /* PCG32 component id of the network */
} net_options;

typedef struct net_link {
    int64_t last_delivery_ns; /* FIFO: the next message on this direction arrives no earlier */
} net_link;

typedef struct net_endpoint {
    net_deliver_fn deliver; /* NULL when no node listens */
    void *ctx;              /* borrowed */
    bool down;              /* the node's process is dead: arrivals are dropped */
} net_endpoint;

typedef struct net net;
struct net {
    sim_world *world;         /* borrowed */
    net_options opt;          /* copied */
    sim_pcg32 rng;            /* the network's stream */
    uint32_t jitter_span;     /* 2 * jitter + 1 when jitter > 0 and that fits in 32 bits, else 0 */
    uint32_t jitter_threshold; /* 2^32 mod jitter_span: sim_pcg32_bounded's rejection bound */
    uint16_t kind_deliver;    /* kernel handler kind of a delivery */
    net_endpoint endpoints[NODES_MAX];
    uint32_t conn_gen[NODES_MAX][NODES_MAX]; /* [client][server] generation */
    /* [client][server][is_response]: generation + 1 of a connection direction on which a fault
     * dropped a message, 0 when none. TCP delivers in order, so nothing sent after the lost
     * message on that direction arrives until the connection is closed (head-of-line). */
    uint32_t stalled[NODES_MAX][NODES_MAX][2];
    net_link links[NODES_MAX][NODES_MAX];    /* [from][to] FIFO state */
    bool cut[NODES_MAX][NODES_MAX];          /* [from][to] messages are lost */
    bool conn_open[NODES_MAX][NODES_MAX];    /* [client][server] used since its last reset */
    net_rule rules[NET_RULES_MAX];
    int rule_count;
    unsigned rule_directions; /* bit 0: some rule applies to requests, bit 1: to responses */
    net_resolve_fn resolve;   /* optional, for NET_SELECT_LEADER/FOLLOWER */
    void *resolve_ctx;
    net_drop_fn on_drop;      /* optional */
    void *drop_ctx;
    net_delay_fn on_delay;    /* optional; called with drop_ctx */
    net_trace_fn on_send;     /* optional, for the trace */
    void *trace_ctx;
    net_fate_fn on_fate;      /* optional, for the timeline picture */
    void *fate_ctx;
    /* In-flight messages: a pool of slots with a free list; events carry the slot index. */
    proto_msg *slots;         /* owned */
    /* owned, parallel to slots: each slot's room for the batches of a fetch response
     * (PROTO_FETCH_BATCHES_MAX), allocated the first time the slot carries some, NULL before */
    proto_batch **slot_batches;
    proto_batch *delivery_batches; /* owned: the batches of the message being delivered, or
                                    * NULL; swapped with its slot's room, never copied */
    uint32_t *free_slots;     /* owned stack of free slot indexes */
    int64_t *slot_sent_ns;    /* owned, parallel to slots: when each message was sent, ns */
    uint32_t slot_capacity;
    uint32_t free_count;
    uint64_t sent;            /* messages handed to net_send */
    uint64_t delivered;       /* messages that reached a listening endpoint */
    uint64_t dropped;         /* messages lost to rules, cuts, resets or dead nodes */
};

/* Returns 0, or -1 when memory cannot be had. Registers its handler with the world. */
int net_init(net *n, sim_world *w, const net_options *opt);
void net_fini(net *n);

void net_listen(net *n, node_id node, net_deliver_fn fn, void *ctx);

/* Sends a copy of *msg (from, to, api, is_response set by the caller); conn_gen is stamped
 * here. The batches a fetch response points at are copied too: they are borrowed for the call
 * only. Never fails for the caller: loss is a simulated outcome.
 * A server answering a request should copy the request's conn_gen into its response (as it
 * echoes correlation_id): a response keeps a nonzero conn_gen, so the answer to a request of a
 * connection closed since then vanishes; a response with conn_gen 0 gets the current one.
 * A request to a node whose process is down is refused: it is dropped and the sender gets
 * API_DISCONNECT one latency later, as a connection attempt to a dead port gets an RST. */
void net_send(net *n, const proto_msg *msg);

/* Closes the connection (client, server): everything in flight on it is lost. Connection
 * generations start at 1 and grow by one per reset. */
void net_reset(net *n, node_id client, node_id server);

/* The node's process died (down = true) or came back. Going down resets all its connections,
 * drops what is in flight to it, and sends API_DISCONNECT (from = the dead node, is_response =
 * 1) to every live peer that is a client of it on an open connection, one latency later, in
 * increasing node order. Servers of the dead node get no notice (they never wait on a client). */
void net_set_down(net *n, node_id node, bool down);

/* Cuts or heals from -> to (one way). Cutting resets the connections between the two. */
void net_cut(net *n, node_id from, node_id to, bool cut);

/* Adds a drop or delay rule; returns its index or -1 when NET_RULES_MAX is reached. */
int net_rule_add(net *n, const net_rule *rule);

#endif
