/*
 * network.h: connections between nodes, as Linux TCP gives them, with latency, jitter, loss,
 * delay, partitions, closes and resets.
 *
 * A connection is keyed by (client, server), as a TCP connection is: requests travel client ->
 * server, responses server -> client, each direction first in first out (a message never
 * overtakes an earlier one between the same two nodes: delivery time = max(previous delivery,
 * now + latency)). Closing a connection bumps its generation; a message of an older generation
 * vanishes on arrival unless the close let it through (below).
 *
 * What the network does, and where it comes from (kafka-semantics.md 2.1):
 * - drop: a lost segment is retransmitted by the sender's kernel after the retransmission
 *   timeout (RTO): at least TCP_RTO_MIN = 200 ms, doubling on each consecutive loss of it,
 *   at most TCP_RTO_MAX = 120 s (include/net/tcp.h), and back to the minimum once a
 *   retransmission gets through (the ACK of new data resets the backoff, tcp_ack in
 *   net/ipv4/tcp_input.c). A message lost while an earlier loss on the same connection
 *   direction is being recovered goes again right behind that recovery. Later messages on the
 *   direction wait behind a lost one (the receiver hands bytes to the application in order),
 *   so loss delays, it does not lose.
 *   The kernel gives up on the connection at the RTO after tcp_retries2 = 15
 *   retransmissions, about 924.6 s (Documentation/networking/ip-sysctl.rst, tcp_retries2;
 *   tcp_write_timeout and retransmits_timed_out in net/ipv4/tcp_timer.c); then the message is
 *   lost with its connection, as by break.
 *   Simplified: the RTO is the minimum (no smoothed RTT: one-way latencies here are far below
 *   200 ms), the sender's retransmission of the segments behind the head is not modelled (they
 *   arrive with it, after one more latency), and the RTO the kernel gives an orphaned socket
 *   (tcp_orphan_retries) is not distinguished from tcp_retries2.
 * - partition: nothing crosses the cut, and nothing is reset: a segment that meets the cut
 *   is held and retransmitted at the RTO instants counted from its first transmission
 *   (200 ms, 600 ms, 1.4 s, ...); the first instant after the cut heals delivers it and what
 *   waited behind it. A cut longer than the give-up time (924.6 s, counted from the first
 *   held segment's transmission) breaks the connection: what it held is lost. Nobody is told:
 *   Kafka clients find out by their own request.timeout.ms (NetworkClient).
 * - break (a what-if, not TCP): the message is lost with its connection, as when a middlebox
 *   drops a connection's state: nothing more on that direction arrives until the connection
 *   is closed, and its close loses whatever is in flight on it.
 * - a close (net_close, a client's request.timeout.ms, NetworkClient.close): Kafka sets no
 *   SO_LINGER, so close() is graceful: the closer's kernel still delivers what the closer
 *   had sent (then its FIN, not modelled), so a request already sent reaches the broker and
 *   is handled; what travels towards the closer vanishes (its kernel answers with an RST),
 *   so the broker's answer to such a request is lost.
 * - a process crash (net_set_down): the kernel closes the dead process's sockets. Messages
 *   already on the wire (written before the instant of the crash, not waiting for a
 *   retransmission) still reach the peer, ahead of the reset; what the process had not yet
 *   sent is lost with it, and so is what it wrote in the crash's own instant (still in the
 *   socket's send queue: a crash at a protocol step, e.g. `crash leader on leader.append`,
 *   comes right after the step, before the kernel sent the answer); what was waiting for a
 *   retransmission (a drop or a cut) is discarded. tcp_close (net/ipv4/tcp.c) sends an
 *   RST and discards the send queue when unread data sits in the receive queue (RFC 2525
 *   2.17), otherwise a FIN after the queued data; a crashed broker nearly always has unread
 *   requests (muted channels, kafka-semantics.md 2.1), so the model takes the RST for every
 *   crash. Clients of the dead process get API_DISCONNECT one latency later (the RST), and a
 *   request sent to it later is refused the same way (an RST from a closed port).
 * - a power loss (net_power_off): nothing more leaves the machine, not even an RST: messages
 *   already on the wire still arrive, those waiting for a retransmission are lost, and peers
 *   learn of the death by their own timeouts only (requests to it vanish without a refusal).
 *
 * Cost: until a drop rule or a cut exists, the TCP state (net.tcp) is not even allocated: a
 * send stamps its slot with the send and transmission times, walks the rules only when some
 * rule is on its direction, and (past NET_LIVE_LISTS_FROM slots) links the slot into its
 * connection direction's live list; a delivery tests one pointer; the retransmission paths
 * run only for a message a rule or a cut touched. Closes and crashes walk the in-flight pool
 * while it is small; once it grew past NET_LIVE_LISTS_FROM slots (network.c) they walk only
 * the live lists of the connection directions they end, each message once per generation.
 */
#ifndef KAFKASIM_NETWORK_H
#define KAFKASIM_NETWORK_H

#include "protocol.h"
#include "sim.h"

#define NET_RULES_MAX 32

/* Linux's TCP constants (include/net/tcp.h, Documentation/networking/ip-sysctl.rst). */
#define NET_TCP_RTO_MIN_NS (200 * SIM_MS)     /* TCP_RTO_MIN: HZ / 5 */
#define NET_TCP_RTO_MAX_NS (120 * SIM_S)      /* TCP_RTO_MAX: 120 * HZ */
#define NET_TCP_RETRIES2 15                    /* net.ipv4.tcp_retries2 default */
/* tcp_model_timeout(sk, tcp_retries2, TCP_RTO_MIN): ((2 << 9) - 1) * 200 ms + (15 - 9) * 120 s
 * (the RTO doubles 9 times from 200 ms before 120 s caps it): 924.6 s. */
#define NET_TCP_GIVE_UP_NS (((int64_t)(2 << 9) - 1) * NET_TCP_RTO_MIN_NS + \
                            (NET_TCP_RETRIES2 - 9) * NET_TCP_RTO_MAX_NS)

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
/* The leader or a follower of partition g (g = 0: the two above); resolve decodes them. */
#define NET_SELECT_LEADER_OF(g) (NET_SELECT_LEADER - 2 * (g))
#define NET_SELECT_FOLLOWER_OF(g) (NET_SELECT_FOLLOWER - 2 * (g))
/* The partition of a dynamic selector (< NET_SELECT_ANY), and whether it picks the leader. */
static inline int net_select_partition(int selector) { return (NET_SELECT_LEADER - selector) / 2; }
static inline bool net_select_is_leader(int selector) {
    return (NET_SELECT_LEADER - selector) % 2 == 0;
}

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

/* TCP's state of one direction between two nodes (from -> to): cuts, what they hold, loss
 * recovery. Kept apart, and allocated only once a drop rule or a cut exists (net.tcp). */
typedef struct net_tcp_link {
    int64_t resume_ns;    /* after a cut healed: arrivals before this wait until then, so
                           * that nothing overtakes what the cut held (0: none) */
    int64_t recovered_ns; /* a drop's retransmission on this direction gets through then */
    uint32_t held_head;   /* slot + 1 of the first message a cut holds (0: none) */
    uint32_t held_tail;   /* slot + 1 of the last one */
    bool cut;             /* a partition cuts this direction now */
} net_tcp_link;

typedef struct net_tcp {
    net_tcp_link link[NODES_MAX][NODES_MAX]; /* [from][to] */
} net_tcp;

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
    /* [client][server][is_response]: generation + 1 of a connection direction on which a break
     * rule lost a message, 0 when none: nothing sent after it on that direction arrives until
     * the connection is closed, and the close loses what is in flight on it. */
    uint32_t stalled[NODES_MAX][NODES_MAX][2];
    net_link links[NODES_MAX][NODES_MAX];    /* [from][to] FIFO state */
    net_tcp *tcp;                            /* owned; NULL until a drop rule or a cut exists */
    bool conn_open[NODES_MAX][NODES_MAX];    /* [client][server] used since its last reset */
    bool silent[NODES_MAX];                  /* the node's machine is off: no RST from it */
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
    uint32_t batch_rooms;     /* rooms allocated, in slot_batches and delivery_batches */
    proto_batch *delivery_batches; /* owned: the batches of the message being delivered, or
                                    * NULL; swapped with its slot's room, never copied */
    uint32_t *free_slots;     /* owned stack of free slot indexes */
    int64_t *slot_sent_ns;    /* owned, parallel to slots: when each message was sent, ns */
    int64_t *slot_xmit_ns;    /* owned, parallel: its last transmission (after a retransmission
                               * wait, later than the send), ns */
    uint32_t *slot_next;      /* owned, parallel: the next slot held on the same link */
    uint8_t *slot_flags;      /* owned, parallel: NET_SLOT_* bits, 0 for most messages */
    /* owned, parallel, allocated when the lists start: the live list a slot is on (index + 1
     * into live_head, 0: none) and its neighbours there (slot + 1, 0: none) */
    uint32_t *slot_live_key;
    uint32_t *slot_live_next;
    uint32_t *slot_live_prev;
    /* live_head[client][server][is_response]: slot + 1 of the first live message of that
     * direction of the connection's current generation, 0 when none. Kept once the pool grew past
     * NET_LIVE_LISTS_FROM slots (live_lists): a close and a crash then walk these lists instead
     * of the pool, so each message is walked once per generation it lives in. */
    uint32_t (*live_head)[NODES_MAX][2]; /* owned, NULL until the lists start */
    bool live_lists;
    uint32_t slot_capacity;
    uint32_t free_count;
    uint64_t sent;            /* messages handed to net_send */
    uint64_t delivered;       /* messages that reached a listening endpoint */
    uint64_t dropped;         /* messages lost to rules, cuts, resets or dead nodes */
    uint64_t retransmitted;   /* messages delayed by a retransmission (drop rules, cuts) */
    uint64_t live_walked;     /* messages visited by the walks of closes and crashes */
};

/* slot_flags bits. */
#define NET_SLOT_SURVIVES 1u /* its connection was closed by its sender: it still arrives */
#define NET_SLOT_RELEASED 2u /* held by a cut and sent again at its heal */

/* Returns 0, or -1 when memory cannot be had. Registers its handler with the world. */
int net_init(net *n, sim_world *w, const net_options *opt);
void net_fini(net *n);

/* The bytes the network holds: every slot array (the live-list ones once they started),
 * live_head, the TCP state and the fetch batch rooms allocated. For the memory bound. */
size_t net_memory_bytes(const net *n);

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

/* Resets the connection (client, server) abortively: everything in flight on it is lost.
 * Connection generations start at 1 and grow by one per reset or close. */
void net_reset(net *n, node_id client, node_id server);

/* Closes the connection (client, server) gracefully, from the client's end (by_client) or the
 * server's: what the closing end had sent on it still arrives, even after a retransmission
 * (unless a break rule broke the connection: then everything in flight is lost, as
 * net_reset); what travels towards the closing end vanishes. */
void net_close(net *n, node_id client, node_id server, bool by_client);

/* The node's process died (down = true) or came back. Going down closes all its connections:
 * what it had already put on the wire still arrives, what waited for a retransmission and
 * what travels to it is lost; every live peer that is a client of it on an open connection
 * gets API_DISCONNECT (from = the dead node, is_response = 1) one latency later, behind what
 * the dead node had sent, in increasing node order. Servers of the dead node get no notice
 * (they never wait on a client). Coming back ends a power-off too. */
void net_set_down(net *n, node_id node, bool down);

/* The node's machine lost power: as net_set_down(n, node, true), but no notice leaves it, and
 * requests sent to it later vanish without a refusal, until net_set_down(n, node, false). */
void net_power_off(net *n, node_id node);

/* Cuts or heals from -> to (one way). Nothing is reset: what meets the cut is held and
 * retransmitted at the first RTO instant after the heal (see the file comment). */
void net_cut(net *n, node_id from, node_id to, bool cut);

/* The RTO after backoff consecutive expiries: 200 ms << backoff, at most 120 s. */
int64_t net_rto_ns(int backoff);

/* Adds a drop, break or delay rule; returns its index, -1 when NET_RULES_MAX is reached, or -2
 * when memory for the TCP state a drop rule needs ran out (the world is exhausted then). */
int net_rule_add(net *n, const net_rule *rule);

#endif
