/*
 * swarm.c: drawing fault mixes from a seed, shrinking failing scenarios, writing scenarios as
 * .properties files (contracts in swarm.h).
 *
 * Drawing reads only the seed, the options and a few fields of the base configuration, and
 * draws every number from one PCG32 stream in a fixed order, so a mix is the same on every
 * platform. Times are drawn in whole milliseconds within the expected run length; durations
 * are log-uniform over 16 ms .. 65 s, a range that reaches past broker.session.timeout.ms
 * (the controller fences a silent broker and elects a new leader) and replica.lag.time.max.ms
 * (the leader shrinks the ISR), the two thresholds where Kafka's behaviour changes
 * (kafka-semantics.md 2.3, 2.5).
 *
 * Shrinking edits fault lines as text (the "at", "for", "from ... to" times and the n=k count),
 * so it works on faults a user wrote as well as on drawn ones, and its result is what is
 * printed. "group-coordinator" is written as the broker it was (the first broker-<k> that keeps
 * the violation: the run says which machine).
 *
 * In a world with consumers the draws include the instances (consumer-<k>, or at a time one in
 * four "consumer of <topic>-<p>", whichever holds that input partition when the fault fires)
 * and the group coordinator, and a leader or follower "of" a partition is drawn among the input
 * topic's and the output topic's partitions, so the brokers that take the instances' output
 * (and, exactly-once, its transaction markers) crash, pause and are cut off too; drops, breaks
 * and delays also take an instance's requests to a leader or to the group coordinator, or their
 * answers. A world without consumers draws what it drew before.
 */
#include "swarm.h"

#include <stdlib.h>
#include <string.h>

#include "fault_parse.h"
#include "pcg32.h"
#include "properties.h"
#include "sim.h"

/* ---- Times -------------------------------------------------------------------------------- */

char *swarm_time_format(int64_t ns, char *buf, size_t len) {
    if (ns % SIM_S == 0) snprintf(buf, len, "%llds", (long long)(ns / SIM_S));
    else if (ns % SIM_MS == 0) snprintf(buf, len, "%lldms", (long long)(ns / SIM_MS));
    else snprintf(buf, len, "%lldus", (long long)(ns / SIM_US));
    return buf;
}

/* ---- Drawing ------------------------------------------------------------------------------ */

int64_t swarm_horizon_ns(const config *c) {
    int64_t records = c->records > CONFIG_RECORDS_MAX ? (int64_t)CONFIG_RECORDS_MAX
                                                      : (int64_t)c->records;
    int64_t t;
    if (c->rate_per_s > 0) {
        t = records * (SIM_S / c->rate_per_s);
    } else {
        /* As fast as the producer takes them: full batches, max.in.flight requests per round
         * trip; a round trip with acks=all is produce, follower fetch, fetch response and
         * produce response, about four one-way latencies. */
        int64_t per_batch = c->batch_bytes / (c->record_bytes > 0 ? c->record_bytes : 1);
        if (per_batch < 1) per_batch = 1;
        int64_t batches = (records + per_batch - 1) / per_batch;
        int64_t in_flight = c->max_in_flight > 0 ? c->max_in_flight : 1;
        int64_t rounds = (batches + in_flight - 1) / in_flight;
        int64_t per_round = 4 * c->latency_ns + c->linger_ns + SIM_MS;
        /* linger.ms may be 10^12 ms: the product is capped below, so saturate it first. */
        t = rounds > INT64_MAX / per_round ? INT64_MAX : rounds * per_round;
    }
    if (t < 100 * SIM_MS) t = 100 * SIM_MS;
    if (t > 3600 * SIM_S) t = 3600 * SIM_S;
    return t;
}

typedef struct swarm_drawer {
    sim_pcg32 rng;       /* the mix's own stream */
    const config *base;  /* brokers, records */
    fault_world world;   /* the base's partitions and producers, drawn from when several */
    int64_t horizon_ns;  /* times are drawn in [0, horizon) */
    int64_t steps;       /* n=k counts are drawn in [1, steps] */
    int64_t transactions; /* and of a transactional step in [1, transactions] */
    int crash_stops_left; /* crashes that may still stay down for good */
    int64_t records_per_consumer; /* n=k of consumer.processed in [1, this] */
    int of_partitions;   /* a role's partition is drawn below this g: the workload's topics,
                          * then the output topic's in a world with consumers */
} swarm_drawer;

static uint32_t swarm_pick(swarm_drawer *d, uint32_t n) { return sim_pcg32_bounded(&d->rng, n); }

static const char *swarm_time(swarm_drawer *d, char *buf, size_t len) {
    uint64_t ms = (uint64_t)(d->horizon_ns / SIM_MS);
    return swarm_time_format((int64_t)sim_pcg32_bounded64(&d->rng, ms) * SIM_MS, buf, len);
}

/* Log-uniform over [2^lo, 2^hi) ms. */
static const char *swarm_duration(swarm_drawer *d, int lo, int hi, char *buf, size_t len) {
    int octave = lo + (int)swarm_pick(d, (uint32_t)(hi - lo));
    int64_t base = (int64_t)1 << octave;
    int64_t ms = base + (int64_t)sim_pcg32_bounded64(&d->rng, (uint64_t)base);
    return swarm_time_format(ms * SIM_MS, buf, len);
}

/* Node names of a drawn line, room for "follower of <topic>-<p>". */
#define SWARM_NODE_MAX (FAULT_PARTITION_NAME_MAX + 16)

/* " of orders-3" or " of output-1": a partition drawn when the world has several (the roles
 * "leader" and "follower" of one line name the same one); "" in a world of one, which draws
 * nothing, so its mixes are those drawn before partitions existed. */
static const char *swarm_of(swarm_drawer *d, char *buf, size_t len) {
    if (d->of_partitions <= 1) return "";
    char name[FAULT_PARTITION_NAME_MAX];
    int g = (int)swarm_pick(d, (uint32_t)d->of_partitions);
    snprintf(buf, len, " of %s", d->world.partition_name(d->world.ctx, g, name, sizeof name));
    return buf;
}

/* "producer", or "producer-<k>" drawn when the world has several. */
static const char *swarm_producer(swarm_drawer *d, char *buf, size_t len) {
    if (d->world.producers <= 1) return "producer";
    snprintf(buf, len, "producer-%u", 1 + swarm_pick(d, (uint32_t)d->world.producers));
    return buf;
}

/* The name of role in a line whose partition is of (swarm_of) and producer is producer (the
 * client: "producer", "producer-<k>", or "consumer-<k>" for the role "consumer"). */
static const char *swarm_node(const char *role, const char *of, const char *producer, char *buf,
                              size_t len) {
    if (strcmp(role, "producer") == 0 || strcmp(role, "consumer") == 0) return producer;
    snprintf(buf, len, "%s%s", role, strcmp(role, "leader") == 0 || strcmp(role, "follower") == 0
                                         ? of : "");
    return buf;
}

typedef enum swarm_role {
    SWARM_LEADER,
    SWARM_FOLLOWER,
    SWARM_BROKER,
    SWARM_COORDINATOR,
    SWARM_GROUP_COORDINATOR
} swarm_role;

/* True when the world has consumers (workload.consumers > 0): they and the group coordinator
 * are targets. A world without consumers draws exactly what it drew before they existed. */
static bool swarm_consumers(const swarm_drawer *d) { return d->world.consumers > 0; }

/* "consumer-<k>", k drawn among the world's consumers. */
static const char *swarm_consumer(swarm_drawer *d, char *buf, size_t len) {
    snprintf(buf, len, "consumer-%u", 1 + swarm_pick(d, (uint32_t)d->world.consumers));
    return buf;
}

/* A consumer target of a line at a time: "consumer of <topic>-<p>" one draw in four (the
 * instance holding that input partition when the fault fires), else "consumer-<k>". */
static const char *swarm_consumer_at(swarm_drawer *d, char *buf, size_t len) {
    if (swarm_pick(d, 4) != 0) return swarm_consumer(d, buf, len);
    char name[FAULT_PARTITION_NAME_MAX];
    int g = (int)swarm_pick(d, (uint32_t)(d->world.workload_partitions > 0
                                              ? d->world.workload_partitions : 1));
    snprintf(buf, len, "consumer of %s", d->world.partition_name(d->world.ctx, g, name,
                                                                 sizeof name));
    return buf;
}

/* True when the consumers' instances commit in transactions (workload.pipeline=exactly-once):
 * their transaction coordinators are targets too. Other worlds draw what they drew before. */
static bool swarm_exactly_once(const swarm_drawer *d) {
    return swarm_consumers(d) && d->base->pipeline == CONFIG_PIPELINE_EXACTLY_ONCE &&
           d->base->consumer_txn[0] >= 0;
}

/* True when producer-1 is transactional: its coordinator is a target ("coordinator"). A world
 * without transactions draws exactly what it drew before they existed. */
static bool swarm_transactional(const swarm_drawer *d) {
    return d->base->txn_id_count > 0 && d->base->producer_txn[0] >= 0;
}

/* A broker target: the leader half of the time, else a follower or a fixed broker; a role of
 * a partition drawn when the world has several. In a transactional world one draw in five is
 * the transaction coordinator instead (the leader of producer-1's __transaction_state
 * partition when the fault fires), which takes a broker's protocol steps. */
static swarm_role swarm_broker(swarm_drawer *d, char *buf, size_t len) {
    if (swarm_transactional(d) && swarm_pick(d, 5) == 0) {
        snprintf(buf, len, "coordinator");
        return SWARM_COORDINATOR;
    }
    /* In a world with consumers, one draw in five is the group coordinator. */
    if (swarm_consumers(d) && swarm_pick(d, 5) == 0) {
        snprintf(buf, len, "group-coordinator");
        return SWARM_GROUP_COORDINATOR;
    }
    /* In an exactly-once pipeline, one draw in five is the transaction coordinator of an
     * instance's transactional id (the leader of its __transaction_state partition when the
     * fault fires): a broker, with a broker's steps. */
    if (swarm_exactly_once(d) && swarm_pick(d, 5) == 0) {
        int k = d->base->consumer_txn[swarm_pick(d, (uint32_t)d->world.consumers)];
        snprintf(buf, len, "coordinator of %s", d->base->txn_ids[k]);
        return SWARM_BROKER;
    }
    uint32_t r = swarm_pick(d, 4);
    if (r <= 2) {
        char of[SWARM_NODE_MAX];
        snprintf(buf, len, "%s%s", r <= 1 ? "leader" : "follower", swarm_of(d, of, sizeof of));
        return r <= 1 ? SWARM_LEADER : SWARM_FOLLOWER;
    }
    int brokers = d->base->num_brokers > 0 ? d->base->num_brokers : 1;
    snprintf(buf, len, "broker-%u", 1 + swarm_pick(d, (uint32_t)brokers));
    return SWARM_BROKER;
}

/* A crash at a step of a transaction (protocol.h), a transactional world's only: the
 * coordinator's, a leader's marker steps, a numbered broker's either, or the producer's (one
 * crash in five, always healed: a new instance takes over). The count is of transactions. */
static void swarm_draw_txn_step(swarm_drawer *d, swarm_role role, const char *target,
                                const char *tail, char *out, size_t len) {
    static const char *const steps[] = {
        "coordinator.prepare", "coordinator.markers", "coordinator.complete",
        "leader.marker-request", "leader.marker", "producer.txn-flushed", "producer.end-txn"};
    uint32_t first = 0, count = 5; /* a numbered broker: the coordinator's and the markers' */
    if (role == SWARM_COORDINATOR) count = 3;
    else if (role == SWARM_LEADER) first = 3, count = 2;
    const char *step = steps[first + swarm_pick(d, count)];
    uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)d->transactions);
    snprintf(out, len, "crash %s on %s n=%llu%s", target, step, (unsigned long long)n, tail);
}

static void swarm_draw_producer_step(swarm_drawer *d, char *out, size_t len) {
    char prod[32], dur[32];
    const char *producer = swarm_producer(d, prod, sizeof prod);
    const char *step = swarm_pick(d, 2) ? "producer.end-txn" : "producer.txn-flushed";
    uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)d->transactions);
    const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur);
    snprintf(out, len, "crash %s on %s n=%llu for %s", producer, step, (unsigned long long)n,
             duration);
}

/* A consumer's crash, always healed (a new process of the instance comes back), at a time or
 * after its n-th processed record. */
static void swarm_draw_consumer_crash(swarm_drawer *d, char *out, size_t len) {
    char target[SWARM_NODE_MAX], t[32], dur[32];
    const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur);
    if (swarm_pick(d, 3) == 0) {
        swarm_consumer(d, target, sizeof target);
        uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)d->records_per_consumer);
        snprintf(out, len, "crash %s on consumer.processed n=%llu for %s", target,
                 (unsigned long long)n, duration);
        return;
    }
    swarm_consumer_at(d, target, sizeof target);
    const char *at = swarm_time(d, t, sizeof t);
    snprintf(out, len, "crash %s at %s for %s", target, at, duration);
}

static void swarm_draw_crash(swarm_drawer *d, char *out, size_t len) {
    char target[SWARM_NODE_MAX], t[32], dur[32], tail[48] = "";
    if (swarm_transactional(d) && swarm_pick(d, 5) == 0) {
        swarm_draw_producer_step(d, out, len);
        return;
    }
    if (swarm_consumers(d) && swarm_pick(d, 3) == 0) {
        swarm_draw_consumer_crash(d, out, len);
        return;
    }
    swarm_role role = swarm_broker(d, target, sizeof target);
    /* Three in four crashes heal. The others stay down for good, but only as many as the
     * configuration claims to survive: acks=all with min.insync.replicas=m is safe against m-1
     * crash-stop failures (kafka-semantics.md 2.7), so a mix never stops more brokers than that
     * for good, and a guarantee check tests the guarantee as documented. */
    bool heals = swarm_pick(d, 4) != 0;
    if (!heals && d->crash_stops_left > 0) d->crash_stops_left--;
    else heals = true;
    if (heals) snprintf(tail, sizeof tail, " for %s", swarm_duration(d, 4, 16, dur, sizeof dur));
    if (swarm_pick(d, 3) == 0) {
        /* A crash at the k-th protocol step of the target (SQLite's fault loops): the steps a
         * broker in that role takes. */
        static const char *const leader_steps[] = {"leader.append", "leader.hw-advance"};
        static const char *const broker_steps[] = {"leader.append", "leader.hw-advance",
                                                   "follower.fetch"};
        /* In a transactional world, half of the step crashes of a coordinator, a leader or a
         * numbered broker are at a step of a transaction. */
        if (role != SWARM_FOLLOWER && role != SWARM_GROUP_COORDINATOR &&
            swarm_transactional(d) && (role == SWARM_COORDINATOR || swarm_pick(d, 2) == 0)) {
            swarm_draw_txn_step(d, role, target, tail, out, len);
            return;
        }
        const char *step;
        if (role == SWARM_LEADER || role == SWARM_GROUP_COORDINATOR)
            step = leader_steps[swarm_pick(d, 2)];
        else if (role == SWARM_FOLLOWER) step = "follower.fetch";
        else step = broker_steps[swarm_pick(d, 3)];
        /* A role of one partition of several sees about its share of the batches. */
        int64_t steps = d->steps;
        if (role != SWARM_BROKER && d->of_partitions > 1) steps /= d->of_partitions;
        uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)(steps > 0 ? steps : 1));
        snprintf(out, len, "crash %s on %s n=%llu%s", target, step, (unsigned long long)n, tail);
    } else {
        snprintf(out, len, "crash %s at %s%s", target, swarm_time(d, t, sizeof t), tail);
    }
}

/* A consumer's pause (its JVM: heartbeats stop too) or stall (its application thread only),
 * at a time or after its n-th processed record. */
static void swarm_draw_consumer_pause(swarm_drawer *d, char *out, size_t len) {
    char target[SWARM_NODE_MAX], t[32], dur[32];
    const char *verb = swarm_pick(d, 2) ? "stall" : "pause";
    const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur);
    if (swarm_pick(d, 3) == 0) {
        swarm_consumer(d, target, sizeof target);
        uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)d->records_per_consumer);
        snprintf(out, len, "%s %s on consumer.processed n=%llu for %s", verb, target,
                 (unsigned long long)n, duration);
        return;
    }
    swarm_consumer_at(d, target, sizeof target);
    const char *at = swarm_time(d, t, sizeof t);
    snprintf(out, len, "%s %s at %s for %s", verb, target, at, duration);
}

static void swarm_draw_pause(swarm_drawer *d, char *out, size_t len) {
    char target_buf[SWARM_NODE_MAX], t[32], dur[32];
    const char *target = target_buf;
    if (swarm_consumers(d) && swarm_pick(d, 3) == 0) {
        swarm_draw_consumer_pause(d, out, len);
        return;
    }
    bool producer = swarm_pick(d, 4) == 0;
    if (producer) target = swarm_producer(d, target_buf, sizeof target_buf);
    else swarm_broker(d, target_buf, sizeof target_buf);
    /* Draws in statement order: the order of evaluation of function arguments is unspecified
     * in C, and gcc and clang differ, which would make a mix depend on the compiler. */
    const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur);
    if (producer && swarm_transactional(d) && swarm_pick(d, 2) == 0) {
        /* A transactional world's producer: half of its pauses at a step of a transaction
         * (before EndTxn, or with EndTxn sent), the n-th transaction's. */
        const char *step = swarm_pick(d, 2) ? "producer.end-txn" : "producer.txn-flushed";
        uint64_t n = 1 + sim_pcg32_bounded64(&d->rng, (uint64_t)d->transactions);
        snprintf(out, len, "pause %s on %s n=%llu for %s", target, step, (unsigned long long)n,
                 duration);
        return;
    }
    const char *at = swarm_time(d, t, sizeof t);
    snprintf(out, len, "pause %s at %s for %s", target, at, duration);
}

static void swarm_draw_partition(swarm_drawer *d, char *out, size_t len) {
    if (swarm_consumers(d) && swarm_pick(d, 3) == 0) {
        /* A consumer cut from a leader of its input or of its output (its producer is cut
         * with it) or from the group coordinator. */
        char c[32], t[32], dur[32], of_buf[SWARM_NODE_MAX], b[SWARM_NODE_MAX];
        swarm_consumer(d, c, sizeof c);
        bool coordinator = swarm_pick(d, 2) == 0;
        const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur);
        const char *at = swarm_time(d, t, sizeof t);
        if (coordinator) snprintf(b, sizeof b, "group-coordinator");
        else snprintf(b, sizeof b, "leader%s", swarm_of(d, of_buf, sizeof of_buf));
        snprintf(out, len, "partition %s %s at %s for %s", c, b, at, duration);
        return;
    }
    static const char *const pairs[][2] = {
        {"producer", "leader"}, {"leader", "follower"}, {"producer", "follower"},
        {"leader", "producer"}, {"follower", "leader"}, {"leader", "controller"},
        {"follower", "controller"},
    };
    char t[32], dur[32];
    const char *const *pair = pairs[swarm_pick(d, sizeof pairs / sizeof pairs[0])];
    bool one_way = swarm_pick(d, 3) == 0;
    const char *duration = swarm_duration(d, 4, 16, dur, sizeof dur); /* see pause */
    const char *at = swarm_time(d, t, sizeof t);
    char of_buf[SWARM_NODE_MAX], prod[32], a[SWARM_NODE_MAX], b[SWARM_NODE_MAX];
    const char *of = swarm_of(d, of_buf, sizeof of_buf);
    const char *producer = swarm_producer(d, prod, sizeof prod);
    snprintf(out, len, "partition %s%s%s at %s for %s",
             swarm_node(pair[0], of, producer, a, sizeof a), one_way ? " -> " : " ",
             swarm_node(pair[1], of, producer, b, sizeof b), at, duration);
}

/* Drops, breaks and delays: produce and fetch requests, or their responses, within a window.
 * verb is "drop", "break" or "delay"; the first two draw a probability, delay a duration. */
static void swarm_draw_rule(swarm_drawer *d, const char *verb, char *out, size_t len) {
    bool drop = verb[0] != 'd' || verb[1] != 'e';
    /* The third pair of each, a transactional world's only: the producer's transaction
     * requests (AddPartitionsToTxn, EndTxn) and their answers. The last two, a world with
     * consumers' only: an instance's requests to a leader (its fetches; its producer's output
     * sends, when the leader is an output partition's) and to the group coordinator (JoinGroup,
     * SyncGroup, Heartbeat, OffsetCommit, OffsetFetch), and their answers. */
    static const char *const requests[][2] = {
        {"producer", "leader"}, {"follower", "leader"}, {"producer", "coordinator"},
        {"consumer", "leader"}, {"consumer", "group-coordinator"}};
    static const char *const responses[][2] = {
        {"leader", "producer"}, {"leader", "follower"}, {"coordinator", "producer"},
        {"leader", "consumer"}, {"group-coordinator", "consumer"}};
    uint32_t ways = swarm_transactional(d) ? 3 : 2;
    bool response = swarm_pick(d, 2) == 1;
    uint32_t w = swarm_pick(d, ways + (swarm_consumers(d) ? 2 : 0));
    if (w >= ways) w = 3 + (w - ways);
    const char *const *way = response ? responses[w] : requests[w];
    char from[32], to[32], amount[40]; /* amount: "by " and a 31-character duration */
    int64_t start_ms = (int64_t)sim_pcg32_bounded64(&d->rng, (uint64_t)(d->horizon_ns / SIM_MS));
    int64_t octave = 4 + swarm_pick(d, 12), base = (int64_t)1 << octave;
    int64_t window_ms = base + (int64_t)sim_pcg32_bounded64(&d->rng, (uint64_t)base);
    swarm_time_format(start_ms * SIM_MS, from, sizeof from);
    swarm_time_format((start_ms + window_ms) * SIM_MS, to, sizeof to);
    if (drop) {
        uint32_t percent = 1 + swarm_pick(d, 50);
        snprintf(amount, sizeof amount, "p=0.%02u", percent);
    } else {
        char dur[32];
        snprintf(amount, sizeof amount, "by %s", swarm_duration(d, 0, 15, dur, sizeof dur));
    }
    char of_buf[SWARM_NODE_MAX], prod[32], a[SWARM_NODE_MAX], b[SWARM_NODE_MAX];
    const char *of = swarm_of(d, of_buf, sizeof of_buf);
    /* The rule's client: the producer, or an instance in the consumers' ways. */
    const char *producer = w >= 3 ? swarm_consumer(d, prod, sizeof prod)
                                  : swarm_producer(d, prod, sizeof prod);
    snprintf(out, len, "%s %s %s -> %s %s from %s to %s", verb,
             response ? "responses" : "requests", swarm_node(way[0], of, producer, a, sizeof a),
             swarm_node(way[1], of, producer, b, sizeof b), amount, from, to);
}

/* The enabled kinds with their weights: crashes weigh most, as they drive elections. */
static swarm_kind swarm_draw_kind(swarm_drawer *d, unsigned kinds) {
    static const struct {
        swarm_kind kind;
        uint32_t weight;
    } table[] = {
        {SWARM_CRASH, 4}, {SWARM_PAUSE, 2}, {SWARM_PARTITION, 3}, {SWARM_DROP, 2},
        {SWARM_DELAY, 2}, {SWARM_RESTART_PRODUCER, 1}, {SWARM_POWERLOSS, 2}, {SWARM_BREAK, 2},
        {SWARM_STOP, 2},
    };
    uint32_t total = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (kinds & table[i].kind) total += table[i].weight;
    uint32_t r = swarm_pick(d, total);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!(kinds & table[i].kind)) continue;
        if (r < table[i].weight) return table[i].kind;
        r -= table[i].weight;
    }
    return SWARM_CRASH;
}

void swarm_draw(uint64_t seed, const config *base, const swarm_options *o, swarm_mix *out) {
    unsigned kinds = o && o->kinds ? o->kinds & SWARM_KINDS_ALL : SWARM_KINDS_DEFAULT;
    int faults_max = o && o->faults_max > 0 ? o->faults_max : 4;
    if (faults_max > SWARM_FAULTS_MAX) faults_max = SWARM_FAULTS_MAX;
    if (kinds == 0) kinds = SWARM_KINDS_DEFAULT;
    swarm_drawer d = {.base = base, .horizon_ns = swarm_horizon_ns(base),
                      .crash_stops_left = base->min_insync_replicas - 1};
    fault_world_of(base, &d.world);
    d.of_partitions = d.world.workload_partitions +
                      (d.world.consumers > 0 ? base->topics.output_partitions : 0);
    sim_pcg32_seed(&d.rng, seed, SWARM_STREAM_ID);
    int64_t per_batch = base->batch_bytes / (base->record_bytes > 0 ? base->record_bytes : 1);
    d.steps = (int64_t)(base->records > CONFIG_RECORDS_MAX ? CONFIG_RECORDS_MAX : base->records) /
              (per_batch > 0 ? per_batch : 1);
    if (d.steps < 1) d.steps = 1;
    if (d.steps > 1000) d.steps = 1000;
    uint64_t records = base->records > CONFIG_RECORDS_MAX ? CONFIG_RECORDS_MAX : base->records;
    uint64_t per_txn = base->transaction_records > 0 ? base->transaction_records : 1;
    d.transactions = (int64_t)((records + per_txn - 1) / per_txn);
    if (d.transactions < 1) d.transactions = 1;
    if (d.transactions > 1000) d.transactions = 1000;
    if (d.world.consumers > 0) {
        d.records_per_consumer = (int64_t)(records / (uint64_t)d.world.consumers);
        if (d.records_per_consumer < 1) d.records_per_consumer = 1;
    }

    memset(out, 0, sizeof *out);
    out->horizon_ns = d.horizon_ns;
    out->count = 1 + (int)swarm_pick(&d, (uint32_t)faults_max);
    for (int i = 0; i < out->count; i++) {
        char *line = out->text[i];
        size_t len = sizeof out->text[i];
        char t[32], dur[32];
        switch (swarm_draw_kind(&d, kinds)) {
        case SWARM_CRASH: swarm_draw_crash(&d, line, len); break;
        case SWARM_PAUSE: swarm_draw_pause(&d, line, len); break;
        case SWARM_PARTITION: swarm_draw_partition(&d, line, len); break;
        case SWARM_DROP: swarm_draw_rule(&d, "drop", line, len); break;
        case SWARM_BREAK: swarm_draw_rule(&d, "break", line, len); break;
        case SWARM_DELAY: swarm_draw_rule(&d, "delay", line, len); break;
        case SWARM_RESTART_PRODUCER: {
            const char *at = swarm_time(&d, t, sizeof t);
            char prod[32];
            /* In a world with consumers, half of them a new instance of a consumer. */
            if (swarm_consumers(&d) && swarm_pick(&d, 2) == 0)
                snprintf(line, len, "restart %s at %s", swarm_consumer(&d, prod, sizeof prod), at);
            else
                snprintf(line, len, "restart %s at %s", swarm_producer(&d, prod, sizeof prod), at);
            break;
        }
        case SWARM_POWERLOSS: {
            /* Draws in statement order (see swarm_draw_pause). Half of them take one broker's
             * machine (KIP-966's replica that comes back with less than it acknowledged),
             * half every broker's. */
            const char *duration = swarm_duration(&d, 4, 14, dur, sizeof dur);
            const char *at = swarm_time(&d, t, sizeof t);
            char who_buf[SWARM_NODE_MAX];
            const char *who = "all";
            if (!swarm_pick(&d, 2)) {
                swarm_broker(&d, who_buf, sizeof who_buf);
                who = who_buf;
            }
            snprintf(line, len, "powerloss %s at %s for %s", who, at, duration);
            break;
        }
        case SWARM_STOP: {
            /* A rolling restart: the broker comes back (draws in statement order). */
            char target[SWARM_NODE_MAX];
            swarm_broker(&d, target, sizeof target);
            const char *duration = swarm_duration(&d, 4, 16, dur, sizeof dur);
            const char *at = swarm_time(&d, t, sizeof t);
            snprintf(line, len, "stop %s at %s for %s", target, at, duration);
            break;
        }
        }
    }
}

static bool swarm_name_taken(const config *c, const char *name) {
    for (int i = 0; i < c->fault_count; i++)
        if (strcmp(c->faults[i].name, name) == 0) return true;
    return false;
}

int swarm_apply(config *c, const swarm_mix *mix, char *err, size_t err_len) {
    int next = 1;
    for (int i = 0; i < mix->count; i++) {
        if (c->fault_count >= CONFIG_FAULTS_MAX) {
            snprintf(err, err_len, "no room for the swarm's faults: at most %d faults in all",
                     CONFIG_FAULTS_MAX);
            return -1;
        }
        config_fault *f = &c->faults[c->fault_count];
        memset(f, 0, sizeof *f);
        do snprintf(f->name, sizeof f->name, "swarm%d", next++);
        while (swarm_name_taken(c, f->name));
        snprintf(f->text, sizeof f->text, "%s", mix->text[i]);
        snprintf(f->file, sizeof f->file, "swarm");
        f->line = i + 1;
        c->fault_count++;
    }
    return 0;
}

int swarm_kinds_parse(const char *text, unsigned *kinds, char *err, size_t err_len) {
    static const struct {
        const char *name;
        unsigned bits;
    } names[] = {
        {"crash", SWARM_CRASH}, {"pause", SWARM_PAUSE}, {"partition", SWARM_PARTITION},
        {"drop", SWARM_DROP}, {"break", SWARM_BREAK}, {"delay", SWARM_DELAY},
        {"restart-producer", SWARM_RESTART_PRODUCER}, {"powerloss", SWARM_POWERLOSS},
        {"stop", SWARM_STOP}, {"all", SWARM_KINDS_ALL},
    };
    *kinds = 0;
    const char *s = text;
    while (*s) {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        for (; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0) break;
        if (i == sizeof names / sizeof names[0]) {
            snprintf(err, err_len,
                     "unknown fault kind '%.*s'; allowed: crash, pause, partition, drop, break, "
                     "delay, restart-producer, powerloss, stop, all",
                     (int)(n > 40 ? 40 : n), s);
            return -1;
        }
        *kinds |= names[i].bits;
        s += n;
        if (*s == ',') s++;
    }
    if (*kinds == 0) {
        snprintf(err, err_len, "no fault kind given; allowed: crash, pause, partition, drop, "
                               "break, delay, restart-producer, powerloss, stop, all");
        return -1;
    }
    return 0;
}

/* ---- Shrinking ---------------------------------------------------------------------------- */

#define SWARM_TOKENS_MAX 24 /* words of one fault line */
#define SWARM_TOKEN_MAX FAULT_PARTITION_NAME_MAX /* characters of one word ("orders-3") */

typedef struct swarm_tokens {
    int count;                                   /* words */
    char word[SWARM_TOKENS_MAX][SWARM_TOKEN_MAX]; /* the line split at blanks */
} swarm_tokens;

static bool swarm_tokens_split(const char *text, swarm_tokens *t) {
    t->count = 0;
    const char *s = text;
    for (;;) {
        s += strspn(s, " \t");
        if (*s == '\0') return true;
        size_t n = strcspn(s, " \t");
        if (t->count == SWARM_TOKENS_MAX || n >= SWARM_TOKEN_MAX) return false;
        memcpy(t->word[t->count], s, n);
        t->word[t->count++][n] = '\0';
        s += n;
    }
}

static void swarm_tokens_join(const swarm_tokens *t, char *out, size_t len) {
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < t->count && used < len; i++) {
        int n = snprintf(out + used, len - used, "%s%s", i ? " " : "", t->word[i]);
        if (n < 0) return;
        used += (size_t)n;
    }
}

/* Index of the time after keyword (and its value in *ns), or -1. */
static int swarm_tokens_time(const swarm_tokens *t, const char *keyword, int64_t *ns) {
    for (int i = 0; i + 1 < t->count; i++)
        if (strcmp(t->word[i], keyword) == 0 && fault_time_parse(t->word[i + 1], strlen(t->word[i + 1]), ns, NULL) == 0)
            return i + 1;
    return -1;
}

typedef enum swarm_edit {
    SWARM_EDIT_AT = 0,         /* halve "at T": the fault starts earlier */
    SWARM_EDIT_FOR,            /* halve "for D": the fault heals sooner */
    SWARM_EDIT_STEP,           /* halve "n=K": an earlier protocol step */
    SWARM_EDIT_WINDOW_EARLIER, /* move "from T1 to T2" earlier by half of T1 */
    SWARM_EDIT_WINDOW_SHORTER, /* halve the window "from T1 to T2" */
    SWARM_EDIT_ONE_BROKER,     /* "powerloss all" -> "powerloss leader": one machine */
    SWARM_EDIT_FIRST_PARTITION, /* "leader of orders-3" -> "leader" (of the first partition),
                                 * "coordinator of app-2" -> "coordinator" (producer-1's) */
    SWARM_EDIT_FIRST_PRODUCER, /* "producer-3" -> "producer" (producer-1) */
    SWARM_EDIT_COUNT
} swarm_edit;

static int64_t swarm_half_ms(int64_t ns) { return ns / 2 / SIM_MS * SIM_MS; }

/* Applies one edit to a fault line. False when it does not apply or would change nothing. */
static bool swarm_edit_line(const char *text, swarm_edit e, char *out, size_t len) {
    swarm_tokens t;
    if (!swarm_tokens_split(text, &t)) return false;
    int64_t a = 0, b = 0;
    int i = -1, j = -1;
    switch (e) {
    case SWARM_EDIT_AT:
        if ((i = swarm_tokens_time(&t, "at", &a)) < 0 || a == 0) return false;
        swarm_time_format(swarm_half_ms(a), t.word[i], SWARM_TOKEN_MAX);
        break;
    case SWARM_EDIT_FOR:
        if ((i = swarm_tokens_time(&t, "for", &a)) < 0 || swarm_half_ms(a) < SIM_MS) return false;
        swarm_time_format(swarm_half_ms(a), t.word[i], SWARM_TOKEN_MAX);
        break;
    case SWARM_EDIT_STEP:
        for (i = 0; i < t.count && strncmp(t.word[i], "n=", 2) != 0; i++) continue;
        if (i == t.count) return false;
        long long k = atoll(t.word[i] + 2);
        if (k <= 1) return false;
        snprintf(t.word[i], SWARM_TOKEN_MAX, "n=%lld", k / 2);
        break;
    case SWARM_EDIT_WINDOW_EARLIER:
    case SWARM_EDIT_WINDOW_SHORTER:
        i = swarm_tokens_time(&t, "from", &a);
        j = swarm_tokens_time(&t, "to", &b);
        if (i < 0 || j < 0 || b <= a) return false;
        if (e == SWARM_EDIT_WINDOW_EARLIER) {
            if (a == 0) return false;
            int64_t moved = a - swarm_half_ms(a);
            swarm_time_format(a - moved, t.word[i], SWARM_TOKEN_MAX);
            swarm_time_format(b - moved, t.word[j], SWARM_TOKEN_MAX);
        } else {
            int64_t shorter = a + swarm_half_ms(b - a);
            if (shorter <= a) return false;
            swarm_time_format(shorter, t.word[j], SWARM_TOKEN_MAX);
        }
        break;
    case SWARM_EDIT_ONE_BROKER:
        if (t.count < 2 || strcmp(t.word[0], "powerloss") != 0 || strcmp(t.word[1], "all") != 0)
            return false;
        snprintf(t.word[1], SWARM_TOKEN_MAX, "leader");
        break;
    case SWARM_EDIT_FIRST_PARTITION:
        /* "<leader|follower> of <topic-partition>", "coordinator of <transactional.id>": the
         * two words after the role go. */
        for (i = 0; i + 2 < t.count; i++)
            if ((strcmp(t.word[i], "leader") == 0 || strcmp(t.word[i], "follower") == 0 ||
                 strcmp(t.word[i], "coordinator") == 0) &&
                strcmp(t.word[i + 1], "of") == 0)
                break;
        if (i + 2 >= t.count) return false;
        memmove(&t.word[i + 1], &t.word[i + 3], (size_t)(t.count - i - 3) * sizeof t.word[0]);
        t.count -= 2;
        break;
    case SWARM_EDIT_FIRST_PRODUCER:
        for (i = 0; i < t.count; i++)
            if (strncmp(t.word[i], "producer-", 9) == 0 && atoi(t.word[i] + 9) > 1) break;
        if (i == t.count) return false;
        snprintf(t.word[i], SWARM_TOKEN_MAX, "producer");
        break;
    default: return false;
    }
    swarm_tokens_join(&t, out, len);
    return strcmp(out, text) != 0;
}

typedef struct swarm_shrinker {
    config *c;               /* the scenario being shrunk, in place */
    int kind;                /* the violation to keep */
    swarm_judge_fn judge;
    void *ctx;
    int runs_max;            /* judged candidates at most */
    swarm_shrink_stats *stats;
} swarm_shrinker;

/* Judges candidate; keeps it when the violation persists. */
static bool swarm_try(swarm_shrinker *s, const config *candidate) {
    if (s->stats->runs >= s->runs_max) return false;
    s->stats->runs++;
    if (s->judge(s->ctx, candidate) != s->kind) return false;
    *s->c = *candidate;
    return true;
}

static bool swarm_shrink_faults(swarm_shrinker *s, config *cand) {
    bool progress = false;
    for (int i = 0; i < s->c->fault_count;) {
        *cand = *s->c;
        memmove(&cand->faults[i], &cand->faults[i + 1],
                (size_t)(cand->fault_count - i - 1) * sizeof cand->faults[0]);
        cand->fault_count--;
        if (swarm_try(s, cand)) progress = true;
        else i++;
    }
    return progress;
}

static bool swarm_shrink_edits(swarm_shrinker *s, config *cand) {
    bool progress = false;
    for (int i = 0; i < s->c->fault_count; i++) {
        for (int e = 0; e < SWARM_EDIT_COUNT; e++) {
            for (;;) {
                *cand = *s->c;
                if (!swarm_edit_line(s->c->faults[i].text, (swarm_edit)e, cand->faults[i].text,
                                     sizeof cand->faults[i].text))
                    break;
                if (!swarm_try(s, cand)) break;
                progress = true;
            }
        }
    }
    return progress;
}

/* "group-coordinator" -> "broker-<k>" in text: false when the line names no group
 * coordinator. */
static bool swarm_edit_group_broker(const char *text, int broker, char *out, size_t len) {
    swarm_tokens t;
    if (!swarm_tokens_split(text, &t)) return false;
    bool named = false;
    for (int i = 0; i < t.count; i++) {
        if (strcmp(t.word[i], "group-coordinator") != 0) continue;
        snprintf(t.word[i], SWARM_TOKEN_MAX, "broker-%d", broker);
        named = true;
    }
    if (!named) return false;
    swarm_tokens_join(&t, out, len);
    return true;
}

/* A fault on the group coordinator (the leader of the group's __consumer_offsets partition
 * when it fires) written as the broker it was: broker-1, broker-2, ... tried in order, the
 * first that keeps the violation kept, so the scenario names a machine a reader can find in
 * its trace. */
static bool swarm_shrink_group_coordinator(swarm_shrinker *s, config *cand) {
    bool progress = false;
    for (int i = 0; i < s->c->fault_count; i++) {
        for (int b = 1; b <= s->c->num_brokers; b++) {
            *cand = *s->c;
            if (!swarm_edit_group_broker(s->c->faults[i].text, b, cand->faults[i].text,
                                         sizeof cand->faults[i].text))
                break;
            if (swarm_try(s, cand)) {
                progress = true;
                break;
            }
        }
    }
    return progress;
}

static bool swarm_shrink_records(swarm_shrinker *s, config *cand) {
    bool progress = false;
    while (s->c->records > 1) {
        *cand = *s->c;
        cand->records = s->c->records / 2;
        if (!swarm_try(s, cand)) break;
        progress = true;
    }
    return progress;
}

void swarm_shrink(config *c, int kind, swarm_judge_fn judge, void *ctx, int runs_max,
                  swarm_shrink_stats *stats) {
    memset(stats, 0, sizeof *stats);
    stats->faults_before = c->fault_count;
    stats->records_before = c->records;
    config *cand = malloc(sizeof *cand);
    if (cand) {
        swarm_shrinker s = {.c = c, .kind = kind, .judge = judge, .ctx = ctx,
                            .runs_max = runs_max, .stats = stats};
        bool progress = true;
        while (progress && stats->runs < runs_max) {
            progress = swarm_shrink_faults(&s, cand);
            progress |= swarm_shrink_edits(&s, cand);
            progress |= swarm_shrink_group_coordinator(&s, cand);
            progress |= swarm_shrink_records(&s, cand);
        }
        free(cand);
    }
    stats->faults_after = c->fault_count;
    stats->records_after = c->records;
}

/* ---- Scenario files ----------------------------------------------------------------------- */

/* A growable text buffer. */
typedef struct swarm_text {
    char *s;     /* NUL-terminated, owned */
    size_t len;  /* characters before the NUL */
    size_t cap;  /* bytes allocated */
} swarm_text;

static int swarm_text_add(swarm_text *t, const char *s, size_t n) {
    if (n > SIZE_MAX / 4 || t->len > SIZE_MAX / 4) return -1; /* no text is that long */
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + n + 1) cap *= 2;
        char *grown = realloc(t->s, cap);
        if (!grown) return -1;
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

/* The text config_write produces for c. */
static int swarm_config_text(const config *c, swarm_text *out) {
    FILE *f = tmpfile();
    if (!f) return -1;
    config_write(c, f);
    rewind(f);
    char buf[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) rc = swarm_text_add(out, buf, n);
    fclose(f);
    return rc;
}

/* The line "key=..." of text, or NULL; *len receives its length without the newline. */
static const char *swarm_find_key(const char *text, const char *key, size_t key_len,
                                  size_t *len) {
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n > key_len && strncmp(line, key, key_len) == 0 && line[key_len] == '=') {
            *len = n;
            return line;
        }
        line += n + (line[n] == '\n');
    }
    return NULL;
}

/* kafka.version, then the keys of c that differ from its version's defaults, then faults. */
static int swarm_scenario_diff(const config *c, const swarm_text *eff, const swarm_text *def,
                               swarm_text *out) {
    size_t n;
    const char *version = swarm_find_key(eff->s, "kafka.version", 13, &n);
    if (version && (swarm_text_add(out, version, n) != 0 || swarm_text_add(out, "\n", 1) != 0))
        return -1;
    for (const char *line = eff->s; *line;) {
        n = strcspn(line, "\n");
        size_t key_len = strcspn(line, "=");
        size_t dn = 0;
        const char *d = key_len < n ? swarm_find_key(def->s, line, key_len, &dn) : NULL;
        bool skip = key_len >= n || line[0] == '#' || strncmp(line, "fault.", 6) == 0 ||
                    (key_len == 8 && strncmp(line, "sim.seed", 8) == 0) ||
                    (key_len == 13 && strncmp(line, "kafka.version", 13) == 0) ||
                    (d && dn == n && strncmp(d, line, n) == 0);
        if (!skip && (swarm_text_add(out, line, n) != 0 || swarm_text_add(out, "\n", 1) != 0))
            return -1;
        line += n + (line[n] == '\n');
    }
    for (int i = 0; i < c->fault_count; i++) {
        char buf[CONFIG_FAULT_NAME_MAX + CONFIG_FAULT_TEXT_MAX + 16];
        int m = snprintf(buf, sizeof buf, "fault.%s=%s\n", c->faults[i].name, c->faults[i].text);
        if (m < 0 || swarm_text_add(out, buf, strlen(buf)) != 0) return -1;
    }
    return 0;
}

/* True when text loads back into a configuration equal to c (its seed aside). */
static bool swarm_scenario_loads_back(const config *c, const swarm_text *text) {
    props p;
    props_init(&p);
    char err[512];
    config *r = malloc(sizeof *r);
    bool same = false;
    if (r && props_read_text(&p, "counterexample", text->s, text->len, err, sizeof err) == 0) {
        config_defaults(r, c->kafka_version);
        if (config_apply(r, &p, err, sizeof err) == 0 && config_finish(r, err, sizeof err) == 0) {
            r->seed = c->seed;
            same = config_hash(r) == config_hash(c);
        }
    }
    free(r);
    props_fini(&p);
    return same;
}

int swarm_scenario_write(const config *c, const char *comment, FILE *out) {
    swarm_text eff = {0}, def = {0}, diff = {0};
    config *d = malloc(sizeof *d);
    int rc = -1;
    if (!d) goto done;
    config_defaults(d, c->kafka_version);
    if (swarm_config_text(c, &eff) != 0 || swarm_config_text(d, &def) != 0) goto done;
    if (swarm_scenario_diff(c, &eff, &def, &diff) != 0) goto done;
    /* The short form is the readable one; if it does not load back to the same configuration
     * (a derived value the defaults would settle differently), write every key instead. */
    const swarm_text *body = swarm_scenario_loads_back(c, &diff) ? &diff : &eff;
    for (const char *s = comment; s && *s;) {
        size_t n = strcspn(s, "\n");
        fprintf(out, "# %.*s\n", (int)n, s);
        s += n + (s[n] == '\n');
    }
    for (const char *line = body->s; line && *line;) {
        size_t n = strcspn(line, "\n");
        if (!(n >= 9 && strncmp(line, "sim.seed=", 9) == 0)) fprintf(out, "%.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
    rc = ferror(out) ? -1 : 0;
done:
    free(d);
    free(eff.s);
    free(def.s);
    free(diff.s);
    return rc;
}
