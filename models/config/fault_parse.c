/*
 * fault_parse.c: one line of the fault language (fault_parse.h) into a fault_spec.
 *
 * The line is cut into words at blanks; "->" is a word of its own even when written against a
 * node name ("leader->producer"). Each form is a fixed sequence of words with optional tails,
 * read left to right by one small function per form. An error names the 1-based word where
 * reading stopped and what the form expected there, so "crash leader at 10" says that word 4
 * needs a unit.
 *
 * Numbers are fixed point throughout: a time is digits[.digits] and a unit, converted to ns
 * exactly (a fraction finer than 1 ns is an error); a probability is digits[.digits] in 0..1,
 * converted to parts per million (finer than 1 ppm is an error). No floating point, so a line
 * means the same on every machine.
 *
 * Left out: symbolic times ("at start"), lists of nodes. The parser knows no world; what a
 * line names (a broker id, a partition, a producer) is checked against one by
 * fault_spec_resolve (config_finish, at load: exit 2).
 */
#include "fault_parse.h"

#include <stdio.h>
#include <string.h>

#include "config.h"

#define FP_WORDS_MAX 24      /* more words than the longest form has, with room for mistakes */
#define FP_DIGITS_MAX 18     /* integer digits of a number: 10^18 < INT64_MAX */
#define FP_FRACTION_MAX 9    /* decimals of a number: 1 ns of 1 s */

/* The words of the line and where reading stands. */
typedef struct fp_state {
    const char *word[FP_WORDS_MAX]; /* start of each word in the text, borrowed */
    size_t len[FP_WORDS_MAX];       /* bytes of each word */
    int count;                      /* words in the line */
    int at;                         /* index of the next word to read */
    char *err;                      /* the caller's message buffer */
    size_t err_len;                 /* its size */
} fp_state;

/* ==== Words ================================================================================== */

static bool fp_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Cuts text into words. Returns 0, or -1 when there are too many. */
static int fp_split(fp_state *ps, const char *text) {
    const char *p = text;
    ps->count = 0;
    for (;;) {
        while (fp_blank(*p)) p++;
        if (*p == '\0') return 0;
        if (ps->count == FP_WORDS_MAX) {
            snprintf(ps->err, ps->err_len, "too many words (a fault line has at most %d)",
                     FP_WORDS_MAX);
            return -1;
        }
        const char *start = p;
        if (p[0] == '-' && p[1] == '>') {
            p += 2;
        } else {
            while (*p && !fp_blank(*p) && !(p[0] == '-' && p[1] == '>')) p++;
        }
        ps->word[ps->count] = start;
        ps->len[ps->count] = (size_t)(p - start);
        ps->count++;
    }
}

/* Writes "expected <what> at word N, got '<word>'" and returns -1. */
static int fp_expected(fp_state *ps, const char *what) {
    if (ps->at >= ps->count) {
        snprintf(ps->err, ps->err_len, "expected %s at word %d, got the end of the line", what,
                 ps->at + 1);
    } else {
        snprintf(ps->err, ps->err_len, "expected %s at word %d, got '%.*s'", what, ps->at + 1,
                 (int)ps->len[ps->at], ps->word[ps->at]);
    }
    return -1;
}

/* Like fp_expected, with a reason after the word: "..., got '10' (a time needs a unit)". */
static int fp_expected_because(fp_state *ps, const char *what, const char *why) {
    fp_expected(ps, what);
    size_t used = strlen(ps->err);
    if (used < ps->err_len) snprintf(ps->err + used, ps->err_len - used, " (%s)", why);
    return -1;
}

/* True, and the word consumed, when the next word is exactly keyword. */
static bool fp_accept(fp_state *ps, const char *keyword) {
    if (ps->at >= ps->count) return false;
    size_t n = strlen(keyword);
    if (ps->len[ps->at] != n || memcmp(ps->word[ps->at], keyword, n) != 0) return false;
    ps->at++;
    return true;
}

static int fp_expect(fp_state *ps, const char *keyword) {
    if (fp_accept(ps, keyword)) return 0;
    char what[32];
    snprintf(what, sizeof what, "'%s'", keyword);
    return fp_expected(ps, what);
}

static int fp_end(fp_state *ps) {
    if (ps->at == ps->count) return 0;
    return fp_expected(ps, "the end of the line");
}

/* ==== Numbers ================================================================================ */

/* A decimal number digits[.digits] at the start of s[0..len): integer part, fraction as an
 * integer with its count of decimals. Returns the bytes read, 0 when s does not start with
 * one or it has too many digits. */
static size_t fp_decimal(const char *s, size_t len, int64_t *whole, int64_t *fraction,
                         int *decimals) {
    size_t i = 0;
    *whole = 0;
    *fraction = 0;
    *decimals = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (i == FP_DIGITS_MAX) return 0;
        *whole = *whole * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0) return 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (*decimals == FP_FRACTION_MAX) {
                if (s[i] != '0') return 0; /* trailing zeros beyond 1e-9 are harmless */
            } else {
                *fraction = *fraction * 10 + (s[i] - '0');
                (*decimals)++;
            }
            i++;
        }
        if (i == start) return 0;
    }
    return i;
}

static int64_t fp_pow10(int n) {
    int64_t p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

static int64_t fp_gcd(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

int fault_time_parse(const char *word, size_t len, int64_t *ns, const char **why) {
    static const struct { const char *name; int64_t ns; } units[] = {
        {"ns", 1},           {"us", 1000},           {"ms", 1000000},
        {"s", 1000000000},   {"min", 60000000000LL}, {"h", 3600000000000LL}};
    const char *unused;
    if (why == NULL) why = &unused;
    *why = NULL;
    int64_t whole, fraction;
    int decimals;
    size_t n = fp_decimal(word, len, &whole, &fraction, &decimals);
    if (n == 0) return -1;
    if (n == len) {
        *why = "a time needs a unit, e.g. 1500ms";
        return -1;
    }
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (len - n != strlen(units[u].name) || memcmp(word + n, units[u].name, len - n) != 0)
            continue;
        int64_t unit = units[u].ns, scale = fp_pow10(decimals);
        if (whole > (INT64_MAX / 4) / unit) {
            *why = "too large";
            return -1;
        }
        /* fraction * unit / scale, reduced first: fraction * unit overflows for min and h
         * with nine decimals. Exact in ns when scale / g divides fraction. */
        int64_t g = fp_gcd(unit, scale), num = unit / g, den = scale / g;
        if (fraction % den != 0) {
            *why = "finer than 1 ns";
            return -1;
        }
        *ns = whole * unit + fraction / den * num;
        return 0;
    }
    *why = "unknown unit";
    return -1;
}

/* Reads a time: a number with a unit attached, into ns. positive: zero is refused. */
static int fp_time(fp_state *ps, int64_t *out_ns, bool positive) {
    const char *what = positive ? "a duration with a unit (ns, us, ms, s, min, h)"
                                : "a time with a unit (ns, us, ms, s, min, h)";
    if (ps->at >= ps->count) return fp_expected(ps, what);
    const char *why;
    if (fault_time_parse(ps->word[ps->at], ps->len[ps->at], out_ns, &why) != 0)
        return why ? fp_expected_because(ps, what, why) : fp_expected(ps, what);
    if (positive && *out_ns == 0) return fp_expected_because(ps, what, "it must be positive");
    ps->at++;
    return 0;
}

/* Reads "<prefix><digits>" (n=3) into a positive 32-bit count. */
static int fp_count(fp_state *ps, const char *prefix, uint32_t *out) {
    const char *what = "a count n=<k> with k >= 1";
    size_t plen = strlen(prefix), len = ps->len[ps->at];
    const char *s = ps->word[ps->at];
    int64_t whole, fraction;
    int decimals;
    if (len <= plen || fp_decimal(s + plen, len - plen, &whole, &fraction, &decimals) !=
                           len - plen || decimals > 0)
        return fp_expected(ps, what);
    if (whole < 1 || whole > UINT32_MAX) return fp_expected_because(ps, what, "out of range");
    *out = (uint32_t)whole;
    ps->at++;
    return 0;
}

/* Reads "p=<prob>" into parts per million. */
static int fp_probability(fp_state *ps, uint32_t *out_ppm) {
    const char *what = "a probability p=<0..1>, e.g. p=0.05";
    if (ps->at >= ps->count || ps->len[ps->at] < 3 || memcmp(ps->word[ps->at], "p=", 2) != 0)
        return fp_expected(ps, what);
    const char *s = ps->word[ps->at] + 2;
    size_t len = ps->len[ps->at] - 2;
    int64_t whole, fraction;
    int decimals;
    if (fp_decimal(s, len, &whole, &fraction, &decimals) != len) return fp_expected(ps, what);
    if (whole > 1 || (whole == 1 && fraction > 0))
        return fp_expected_because(ps, what, "more than 1");
    if (decimals > 6 && fraction % fp_pow10(decimals - 6) != 0)
        return fp_expected_because(ps, what, "finer than 1 in a million");
    int64_t millionths = decimals > 6 ? fraction / fp_pow10(decimals - 6)
                                      : fraction * fp_pow10(6 - decimals);
    int64_t ppm = whole * 1000000 + millionths;
    *out_ppm = (uint32_t)ppm;
    ps->at++;
    return 0;
}

/* ==== Nodes and steps ======================================================================== */

#define FP_NODES "a node (leader, follower, leader of <topic>-<p>, broker-<n>, producer, " \
                 "producer-<n>, controller, coordinator, coordinator of <transactional.id>, " \
                 "consumer-<n>, consumer of <topic>-<p>, group-coordinator)"

/* True when the next word is prefix followed by a decimal integer, read into *n. */
static bool fp_numbered(const fp_state *ps, const char *prefix, int64_t *n) {
    size_t plen = strlen(prefix);
    if (ps->at >= ps->count || ps->len[ps->at] <= plen || memcmp(ps->word[ps->at], prefix, plen))
        return false;
    int64_t fraction;
    int decimals;
    size_t len = ps->len[ps->at] - plen;
    return fp_decimal(ps->word[ps->at] + plen, len, n, &fraction, &decimals) == len &&
           decimals == 0;
}

/* Reads "<topic>-<p>" (a topic name of Kafka's characters [A-Za-z0-9._-], then '-' and a
 * partition number; the last '-' splits) into t->of. Whether the world has it is for
 * fault_spec_resolve. */
static int fp_partition_name(fp_state *ps, fault_target *t) {
    const char *what = "a partition <topic>-<p>, e.g. orders-3";
    if (ps->at >= ps->count) return fp_expected(ps, what);
    const char *w = ps->word[ps->at];
    size_t len = ps->len[ps->at], dash = len;
    for (size_t i = 0; i < len; i++) {
        char c = w[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return fp_expected_because(ps, what, "a topic name is letters, digits, '.', '_', '-'");
        if (c == '-') dash = i;
    }
    bool digits = dash + 1 < len && len - dash - 1 <= 4;
    for (size_t i = dash + 1; i < len && digits; i++) digits = w[i] >= '0' && w[i] <= '9';
    if (dash == 0 || dash == len || !digits) return fp_expected(ps, what);
    if (len >= sizeof t->of) return fp_expected_because(ps, what, "too long");
    memcpy(t->of, w, len);
    t->of[len] = '\0';
    t->partition = -1;
    ps->at++;
    return 0;
}

/* Reads a transactional.id ([A-Za-z0-9._-], 1 .. CONFIG_TXN_ID_MAX characters, as the key
 * takes it) into t->of. Whether the world has it is for fault_spec_resolve. */
static int fp_txn_id(fp_state *ps, fault_target *t) {
    const char *what = "a transactional.id";
    if (ps->at >= ps->count) return fp_expected(ps, what);
    const char *w = ps->word[ps->at];
    size_t len = ps->len[ps->at];
    if (len > TXN_ID_MAX || len >= sizeof t->of) return fp_expected_because(ps, what, "too long");
    if (!transactional_id_valid(w, len))
        return fp_expected_because(ps, what, "letters, digits, '.', '_', '-'");
    memcpy(t->of, w, len);
    t->of[len] = '\0';
    ps->at++;
    return 0;
}

/* Reads a node into *t; what names the nodes allowed in messages. */
static int fp_node_named(fp_state *ps, fault_target *t, const char *what) {
    if (fp_accept(ps, "coordinator")) {
        *t = (fault_target){.kind = FAULT_TARGET_COORDINATOR, .partition = -1};
        if (fp_accept(ps, "of")) return fp_txn_id(ps, t);
        return 0;
    }
    if (fp_accept(ps, "group-coordinator")) {
        *t = (fault_target){.kind = FAULT_TARGET_GROUP_COORDINATOR, .partition = -1};
        return 0;
    }
    static const struct { const char *name; fault_target_kind kind; } names[] = {
        {"leader", FAULT_TARGET_LEADER},     {"follower", FAULT_TARGET_FOLLOWER},
        {"producer", FAULT_TARGET_PRODUCER}, {"controller", FAULT_TARGET_CONTROLLER}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (fp_accept(ps, names[i].name)) {
            *t = (fault_target){.kind = names[i].kind};
            if (names[i].kind == FAULT_TARGET_LEADER || names[i].kind == FAULT_TARGET_FOLLOWER)
                if (fp_accept(ps, "of")) return fp_partition_name(ps, t);
            return 0;
        }
    }
    if (fp_accept(ps, "consumer")) {
        *t = (fault_target){.kind = FAULT_TARGET_CONSUMER_OF, .partition = -1};
        if (fp_expect(ps, "of") != 0) return -1;
        return fp_partition_name(ps, t);
    }
    int64_t id;
    if (fp_numbered(ps, "consumer-", &id)) {
        if (id < 1 || id > PROTO_CONSUMERS_MAX) {
            char why[48];
            snprintf(why, sizeof why, "consumers are 1 .. %d", PROTO_CONSUMERS_MAX);
            return fp_expected_because(ps, what, why);
        }
        *t = (fault_target){.kind = FAULT_TARGET_CONSUMER, .consumer = (int)id - 1};
        ps->at++;
        return 0;
    }
    if (fp_numbered(ps, "producer-", &id)) {
        if (id < 1 || id > PROTO_PRODUCERS_MAX) {
            char why[48];
            snprintf(why, sizeof why, "producers are 1 .. %d", PROTO_PRODUCERS_MAX);
            return fp_expected_because(ps, what, why);
        }
        *t = (fault_target){.kind = FAULT_TARGET_PRODUCER, .producer = (int)id - 1};
        ps->at++;
        return 0;
    }
    if (!fp_numbered(ps, "broker-", &id)) return fp_expected(ps, what);
    if (id < 1 || id > PROTO_BROKERS_MAX) {
        char why[48];
        snprintf(why, sizeof why, "broker ids are 1 .. %d", PROTO_BROKERS_MAX);
        return fp_expected_because(ps, what, why);
    }
    *t = (fault_target){.kind = FAULT_TARGET_BROKER, .broker = (int)id};
    ps->at++;
    return 0;
}

static int fp_node(fp_state *ps, fault_target *t) { return fp_node_named(ps, t, FP_NODES); }

/* Reads a broker (leader, follower, broker-<n>, group-coordinator) into *t for stop and
 * powerloss: a producer, a consumer or the controller is refused because of why_broker; what
 * names what the verb takes. */
static int fp_broker(fp_state *ps, fault_target *t, const char *what, const char *why_broker) {
    int64_t n;
    if (ps->at < ps->count && (fp_accept(ps, "producer") || fp_accept(ps, "controller") ||
                               (fp_numbered(ps, "producer-", &n) && ++ps->at) ||
                               (fp_numbered(ps, "consumer-", &n) && ++ps->at))) {
        ps->at--;
        return fp_expected_because(ps, what, why_broker);
    }
    return fp_node_named(ps, t, what);
}

/* The steps the fault language takes: the group coordinator's join when its node reports them
 * (group_coordinator.c). */
static bool fp_step_known(proto_step s) { return !proto_step_group(s); }

static int fp_step(fp_state *ps, proto_step *out) {
    char what[600] = "a protocol step (";
    for (int s = 0; s < STEP_COUNT; s++) {
        if (!fp_step_known((proto_step)s)) continue;
        const char *name = proto_step_name((proto_step)s);
        if (fp_accept(ps, name)) {
            *out = (proto_step)s;
            return 0;
        }
        size_t used = strlen(what);
        snprintf(what + used, sizeof what - used, "%s%s", s ? ", " : "", name);
    }
    size_t used = strlen(what);
    snprintf(what + used, sizeof what - used, ")");
    return fp_expected(ps, what);
}

/* True when node t takes step s: a producer the producer's steps; a consumer the consumer's
 * (its application's among them: consumer.processed); the coordinator (or a broker named by
 * number) the coordinator's; the group coordinator (or a numbered broker) the group's; a
 * leader (or a numbered broker) the markers'; leader, follower and the coordinators, as any
 * broker, the replication steps. The controller has none. */
static bool fp_step_fits(fault_target_kind t, proto_step s) {
    bool producer = t == FAULT_TARGET_PRODUCER;
    bool consumer = t == FAULT_TARGET_CONSUMER || t == FAULT_TARGET_CONSUMER_OF;
    bool client = producer || consumer;
    if (!fp_step_known(s)) return false;
    if (proto_step_consumer(s)) return consumer;
    if (proto_step_group(s)) return t == FAULT_TARGET_GROUP_COORDINATOR || t == FAULT_TARGET_BROKER;
    switch (s) {
    case STEP_PRODUCER_SEND:
    case STEP_PRODUCER_ACK:
    case STEP_PRODUCER_TXN_FLUSHED:
    case STEP_PRODUCER_END_TXN: return producer;
    case STEP_COORDINATOR_PREPARE:
    case STEP_COORDINATOR_MARKERS:
    case STEP_COORDINATOR_COMPLETE:
        return t == FAULT_TARGET_COORDINATOR || t == FAULT_TARGET_BROKER;
    case STEP_LEADER_MARKER_REQUEST:
    case STEP_LEADER_MARKER: return t == FAULT_TARGET_LEADER || t == FAULT_TARGET_BROKER;
    default: return !client && t != FAULT_TARGET_CONTROLLER && t != FAULT_TARGET_ALL;
    }
}

/* Reads a step and checks that node t takes it; the error names the steps t does take. */
static int fp_step_of(fp_state *ps, const fault_target *t, proto_step *out) {
    if (fp_step(ps, out) != 0) return -1;
    if (fp_step_fits(t->kind, *out)) return 0;
    char node[FAULT_PARTITION_NAME_MAX + 16], what[600];
    fault_target_name(t, node, sizeof node);
    size_t used = (size_t)snprintf(what, sizeof what, "a step %s takes", node);
    int fits = 0;
    for (int s = 0; s < STEP_COUNT && used < sizeof what; s++) {
        if (!fp_step_fits(t->kind, (proto_step)s)) continue;
        int n = snprintf(what + used, sizeof what - used, "%s%s", fits++ ? ", " : " (",
                         proto_step_name((proto_step)s));
        if (n > 0) used += (size_t)n;
    }
    if (fits && used < sizeof what) snprintf(what + used, sizeof what - used, ")");
    ps->at--;
    return fp_expected_because(ps, what, fits ? "not one of its steps" : "it has no protocol steps");
}

/* Two fixed nodes that are the same one cannot be cut from or routed to each other. */
static int fp_distinct(fp_state *ps, const fault_target *a, const fault_target *b) {
    /* A role named twice (leader leader) is one node whenever the fault fires: never a cut.
     * Two different names may still meet in one node (leader and broker-1 when broker-1
     * leads); that is decided when the fault fires. */
    if (a->kind != b->kind || a->broker != b->broker || a->producer != b->producer ||
        a->consumer != b->consumer || strcmp(a->of, b->of) != 0)
        return 0;
    ps->at--;
    return fp_expected_because(ps, "a second, different node", "both ends are the same node");
}

/* ==== Forms ================================================================================== */

/* [for <duration>] */
static int fp_optional_for(fp_state *ps, fault_spec *f) {
    if (fp_accept(ps, "for")) return fp_time(ps, &f->for_ns, true);
    return 0;
}

/* crash <node> at <time> [for <d>] | crash <node> on <step> [n=<k>] [for <d>] */
static int fp_crash(fp_state *ps, fault_spec *f) {
    if (fp_node(ps, &f->a) != 0) return -1;
    if (fp_accept(ps, "at")) {
        if (fp_time(ps, &f->at_ns, false) != 0) return -1;
    } else if (fp_accept(ps, "on")) {
        f->on_step = true;
        if (fp_step_of(ps, &f->a, &f->step) != 0) return -1;
        if (ps->at < ps->count && ps->len[ps->at] >= 2 && memcmp(ps->word[ps->at], "n=", 2) == 0)
            if (fp_count(ps, "n=", &f->step_n) != 0) return -1;
    } else {
        return fp_expected(ps, "'at' or 'on'");
    }
    if (fp_optional_for(ps, f) != 0) return -1;
    return fp_end(ps);
}

/* stop <broker> at <time> [for <d>]: a broker only (leader, follower, broker-<n>). */
static int fp_stop(fp_state *ps, fault_spec *f) {
    if (fp_broker(ps, &f->a, "a broker (leader, follower, broker-<n>)",
                  "only brokers have a controlled shutdown") != 0)
        return -1;
    if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) return -1;
    if (fp_optional_for(ps, f) != 0) return -1;
    return fp_end(ps);
}

/* pause <node> at <time> for <d> | pause <client> on <step> [n=<k>] for <d>: a pause at a
 * step is a producer's or a consumer's (a broker stopped at a step of a transaction would
 * have to take up what it left there; a producer holds its EndTxn until the pause ends, a
 * consumer what it was about to do). */
static int fp_pause(fp_state *ps, fault_spec *f) {
    int node_at = ps->at;
    if (fp_node(ps, &f->a) != 0) return -1;
    if (fp_accept(ps, "on")) {
        if (f->a.kind != FAULT_TARGET_PRODUCER && f->a.kind != FAULT_TARGET_CONSUMER &&
            f->a.kind != FAULT_TARGET_CONSUMER_OF) {
            ps->at = node_at;
            return fp_expected_because(ps, "a producer or a consumer (producer, producer-<n>, "
                                           "consumer-<n>)",
                                       "a pause at a step is a client's; pause a broker at a "
                                       "time");
        }
        f->on_step = true;
        if (fp_step_of(ps, &f->a, &f->step) != 0) return -1;
        if (ps->at < ps->count && ps->len[ps->at] >= 2 && memcmp(ps->word[ps->at], "n=", 2) == 0)
            if (fp_count(ps, "n=", &f->step_n) != 0) return -1;
    } else if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) {
        return -1;
    }
    if (fp_expect(ps, "for") != 0) return -1;
    if (fp_time(ps, &f->for_ns, true) != 0) return -1;
    return fp_end(ps);
}

/* partition <a> [->] <b> at <time> for <d> */
static int fp_partition(fp_state *ps, fault_spec *f) {
    if (fp_node(ps, &f->a) != 0) return -1;
    f->one_way = fp_accept(ps, "->");
    if (fp_node(ps, &f->b) != 0 || fp_distinct(ps, &f->a, &f->b) != 0) return -1;
    if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) return -1;
    if (fp_expect(ps, "for") != 0 || fp_time(ps, &f->for_ns, true) != 0) return -1;
    return fp_end(ps);
}

/* A rule matches every message against its ends; "consumer of <topic>-<p>" names whichever
 * instance holds the partition when a fault fires, which a rule never does. */
static int fp_rule_end(fp_state *ps, const fault_target *t) {
    if (t->kind != FAULT_TARGET_CONSUMER_OF) return 0;
    ps->at -= 3;
    return fp_expected_because(ps, FP_NODES, "a rule names a fixed consumer (consumer-<n>)");
}

/* drop|break|delay <requests|responses> <a> -> <b> (p=<prob> | by <d>) [from <t1> to <t2>] */
static int fp_rule(fp_state *ps, fault_spec *f) {
    if (fp_accept(ps, "responses")) f->responses = true;
    else if (!fp_accept(ps, "requests")) return fp_expected(ps, "'requests' or 'responses'");
    if (fp_node(ps, &f->a) != 0 || fp_rule_end(ps, &f->a) != 0) return -1;
    if (fp_expect(ps, "->") != 0) return -1;
    if (fp_node(ps, &f->b) != 0 || fp_rule_end(ps, &f->b) != 0) return -1;
    if (fp_distinct(ps, &f->a, &f->b) != 0) return -1;
    if (f->kind == FAULT_DROP || f->kind == FAULT_BREAK) {
        if (fp_probability(ps, &f->ppm) != 0) return -1;
    } else if (fp_expect(ps, "by") != 0 || fp_time(ps, &f->delay_ns, true) != 0) {
        return -1;
    }
    if (fp_accept(ps, "from")) {
        if (fp_time(ps, &f->from_ns, false) != 0 || fp_expect(ps, "to") != 0) return -1;
        if (fp_time(ps, &f->to_ns, false) != 0) return -1;
        if (f->to_ns <= f->from_ns) {
            ps->at--;
            return fp_expected_because(ps, "an end time after the start", "to <= from");
        }
    }
    return fp_end(ps);
}

/* powerloss all|<broker> at <time> [for <d>]: every broker's machine, or one broker's (leader,
 * follower or broker-<n>; the producer and the controller keep no log). */
static int fp_powerloss(fp_state *ps, fault_spec *f) {
    if (fp_accept(ps, "all")) {
        f->a = (fault_target){.kind = FAULT_TARGET_ALL};
    } else if (fp_broker(ps, &f->a, "'all' or a broker (leader, follower, broker-<n>)",
                         "only brokers keep a log") != 0) {
        return -1;
    }
    if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) return -1;
    if (fp_optional_for(ps, f) != 0) return -1;
    return fp_end(ps);
}

/* stall <consumer> at <time> for <d> | stall <consumer> on <step> [n=<k>] for <d>: the
 * application thread of a consumer blocks (a slow database, a stuck output send); its
 * heartbeat thread goes on, so only max.poll.interval.ms notices. */
static int fp_stall(fp_state *ps, fault_spec *f) {
    const char *what = "a consumer (consumer-<n>, consumer of <topic>-<p>)";
    int node_at = ps->at;
    if (fp_node_named(ps, &f->a, what) != 0) return -1;
    if (f->a.kind != FAULT_TARGET_CONSUMER && f->a.kind != FAULT_TARGET_CONSUMER_OF) {
        ps->at = node_at;
        return fp_expected_because(ps, what, "a stall is of an application thread");
    }
    if (fp_accept(ps, "on")) {
        f->on_step = true;
        if (fp_step_of(ps, &f->a, &f->step) != 0) return -1;
        if (ps->at < ps->count && ps->len[ps->at] >= 2 && memcmp(ps->word[ps->at], "n=", 2) == 0)
            if (fp_count(ps, "n=", &f->step_n) != 0) return -1;
    } else if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) {
        return -1;
    }
    if (fp_expect(ps, "for") != 0) return -1;
    if (fp_time(ps, &f->for_ns, true) != 0) return -1;
    return fp_end(ps);
}

/* restart <producer> at <time> | restart <consumer> at <time> */
static int fp_restart(fp_state *ps, fault_spec *f) {
    const char *what = "a producer or a consumer (producer, producer-<n>, consumer-<n>)";
    int node_at = ps->at;
    if (fp_node_named(ps, &f->a, what) != 0) return -1;
    if (f->a.kind == FAULT_TARGET_CONSUMER) {
        f->kind = FAULT_RESTART_CONSUMER;
    } else if (f->a.kind != FAULT_TARGET_PRODUCER) {
        ps->at = node_at;
        return fp_expected(ps, what);
    }
    if (fp_expect(ps, "at") != 0 || fp_time(ps, &f->at_ns, false) != 0) return -1;
    return fp_end(ps);
}

int fault_parse(const char *text, fault_spec *out, char *err, size_t err_len) {
    fp_state ps = {.err = err, .err_len = err_len};
    if (fp_split(&ps, text) != 0) return -1;
    fault_spec f = {.step_n = 1, .for_ns = -1, .from_ns = 0, .to_ns = INT64_MAX};
    static const struct {
        const char *word;
        fault_kind kind;
        int (*read)(fp_state *, fault_spec *);
    } forms[] = {
        {"crash", FAULT_CRASH, fp_crash},         {"pause", FAULT_PAUSE, fp_pause},
        {"partition", FAULT_PARTITION, fp_partition}, {"drop", FAULT_DROP, fp_rule},
        {"break", FAULT_BREAK, fp_rule},          {"delay", FAULT_DELAY, fp_rule},
        {"powerloss", FAULT_POWERLOSS, fp_powerloss},
        {"restart", FAULT_RESTART_PRODUCER, fp_restart}, {"stop", FAULT_STOP, fp_stop},
        {"stall", FAULT_STALL, fp_stall},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (!fp_accept(&ps, forms[i].word)) continue;
        f.kind = forms[i].kind;
        if (forms[i].read(&ps, &f) != 0) return -1;
        *out = f;
        return 0;
    }
    return fp_expected(&ps, "a fault (crash, stop, pause, partition, drop, break, delay, "
                            "powerloss, restart, stall)");
}

const char *fault_target_name(const fault_target *t, char *buf, size_t len) {
    switch (t->kind) {
    case FAULT_TARGET_LEADER:
    case FAULT_TARGET_FOLLOWER:
        snprintf(buf, len, "%s%s%s", t->kind == FAULT_TARGET_LEADER ? "leader" : "follower",
                 t->of[0] ? " of " : "", t->of);
        break;
    case FAULT_TARGET_BROKER: snprintf(buf, len, "broker-%d", t->broker); break;
    case FAULT_TARGET_PRODUCER:
        if (t->producer == 0) snprintf(buf, len, "producer");
        else snprintf(buf, len, "producer-%d", t->producer + 1);
        break;
    case FAULT_TARGET_CONTROLLER: snprintf(buf, len, "controller"); break;
    case FAULT_TARGET_ALL: snprintf(buf, len, "all"); break;
    case FAULT_TARGET_COORDINATOR:
        snprintf(buf, len, "coordinator%s%s", t->of[0] ? " of " : "", t->of);
        break;
    case FAULT_TARGET_CONSUMER: snprintf(buf, len, "consumer-%d", t->consumer + 1); break;
    case FAULT_TARGET_CONSUMER_OF: snprintf(buf, len, "consumer of %s", t->of); break;
    case FAULT_TARGET_GROUP_COORDINATOR: snprintf(buf, len, "group-coordinator"); break;
    }
    return buf;
}

/* ==== Names against the world ================================================================ */

static int fp_resolve_target(fault_target *t, const fault_world *w, char *err, size_t err_len) {
    char why[160] = "";
    switch (t->kind) {
    case FAULT_TARGET_LEADER:
    case FAULT_TARGET_FOLLOWER:
        if (!t->of[0]) return 0;
        t->partition = w->partition ? w->partition(w->ctx, t->of, why, sizeof why) : -1;
        if (t->partition >= 0) return 0;
        snprintf(err, err_len, "%s of %s: no such partition%s%s",
                 t->kind == FAULT_TARGET_LEADER ? "leader" : "follower", t->of,
                 why[0] ? ": " : "", why);
        return -1;
    case FAULT_TARGET_COORDINATOR:
        t->partition = w->txn_partition ? w->txn_partition(w->ctx, t->of, why, sizeof why) : -1;
        if (t->partition >= 0) return 0;
        snprintf(err, err_len, "coordinator%s%s: %s", t->of[0] ? " of " : "", t->of,
                 why[0] ? why : "no producer is transactional (transactional.id is not set)");
        return -1;
    case FAULT_TARGET_PRODUCER:
        if (t->producer < w->producers) return 0;
        snprintf(err, err_len, "producer-%d does not exist (workload.producers=%d)",
                 t->producer + 1, w->producers);
        return -1;
    case FAULT_TARGET_BROKER:
        if (t->broker <= w->brokers) return 0;
        snprintf(err, err_len, "broker-%d does not exist (num.brokers=%d)", t->broker,
                 w->brokers);
        return -1;
    case FAULT_TARGET_CONSUMER:
        if (t->consumer < w->consumers) return 0;
        snprintf(err, err_len, "consumer-%d does not exist (workload.consumers=%d)",
                 t->consumer + 1, w->consumers);
        return -1;
    case FAULT_TARGET_CONSUMER_OF:
        if (w->consumers == 0) {
            snprintf(err, err_len, "consumer of %s: there are no consumers "
                     "(workload.consumers=0)", t->of);
            return -1;
        }
        t->partition = w->partition ? w->partition(w->ctx, t->of, why, sizeof why) : -1;
        if (t->partition >= 0 && t->partition >= w->workload_partitions) {
            snprintf(err, err_len, "consumer of %s: the consumers read the workload's topics "
                     "only", t->of);
            return -1;
        }
        if (t->partition >= 0) return 0;
        snprintf(err, err_len, "consumer of %s: no such partition%s%s", t->of,
                 why[0] ? ": " : "", why);
        return -1;
    case FAULT_TARGET_GROUP_COORDINATOR:
        t->partition = w->consumers > 0 ? w->group_partition : -1;
        if (t->partition >= 0) return 0;
        snprintf(err, err_len, "group-coordinator: there is no consumer group "
                 "(workload.consumers=0)");
        return -1;
    default: return 0;
    }
}

/* A partition of the world's topic table (topics.h), or -1 with the topics and their
 * partition numbers in why. */
static int fault_world_partition(void *ctx, const char *name, char *why, size_t why_len) {
    const config *c = ctx;
    int g = topic_table_parse(&c->topics, name);
    if (g >= 0) return g;
    size_t used = (size_t)snprintf(why, why_len, "the topics are");
    for (int i = 0; i < c->topics.topic_count && used < why_len; i++) {
        const topic_info *t = &c->topics.topics[i];
        int n = t->count == 1 ? snprintf(why + used, why_len - used, "%s %s (partition 0)",
                                         i ? "," : "", t->name)
                              : snprintf(why + used, why_len - used, "%s %s (partitions 0 .. %d)",
                                         i ? "," : "", t->name, t->count - 1);
        if (n < 0) break;
        used += (size_t)n;
    }
    return -1;
}

static const char *fault_world_partition_name(void *ctx, int g, char *buf, size_t len) {
    const config *c = ctx;
    return topic_table_name(&c->topics, g, buf, len);
}

/* The __transaction_state partition of a transactional id of the world ("": producer-1's),
 * or -1 with the ids in why. */
static int fault_world_txn_partition(void *ctx, const char *txn_id, char *why, size_t why_len) {
    const config *c = ctx;
    if (!config_transactional(c)) {
        snprintf(why, why_len, "no producer is transactional (transactional.id is not set)");
        return -1;
    }
    if (!txn_id[0]) {
        if (c->producer_txn[0] >= 0) return c->txn_partition[c->producer_txn[0]];
        snprintf(why, why_len, "producer-1 is not transactional; name an id: coordinator of "
                               "%s", c->txn_ids[0]);
        return -1;
    }
    for (int i = 0; i < c->txn_id_count; i++)
        if (strcmp(c->txn_ids[i], txn_id) == 0) return c->txn_partition[i];
    size_t used = (size_t)snprintf(why, why_len, "no such transactional.id; the ids are");
    for (int i = 0; i < c->txn_id_count && used < why_len; i++) {
        int n = snprintf(why + used, why_len - used, "%s %s", i ? "," : "", c->txn_ids[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
    return -1;
}

void fault_world_of(const config *c, fault_world *w) {
    *w = (fault_world){.ctx = (void *)c, .partition = fault_world_partition,
                       .partition_name = fault_world_partition_name,
                       .partitions = c->topics.partition_count,
                       .workload_partitions = c->topics.workload_partitions, .producers = c->producers,
                       .brokers = c->num_brokers, .txn_partition = fault_world_txn_partition,
                       .transactional = config_transactional(c), .consumers = c->consumers,
                       .group_partition = config_consumers(c) ? c->group_partition : -1};
}

int fault_spec_resolve(fault_spec *f, const fault_world *w, char *err, size_t err_len) {
    if (fp_resolve_target(&f->a, w, err, err_len) != 0) return -1;
    if (f->on_step && proto_step_transactional(f->step) && !w->transactional) {
        snprintf(err, err_len, "%s is a step of transactions: no producer is transactional "
                 "(transactional.id is not set)", proto_step_name(f->step));
        return -1;
    }
    bool two_ends = f->kind == FAULT_PARTITION || f->kind == FAULT_DROP ||
                    f->kind == FAULT_BREAK || f->kind == FAULT_DELAY;
    return two_ends ? fp_resolve_target(&f->b, w, err, err_len) : 0;
}

/* ==== Directions that carry no messages ====================================================== */

static bool fp_is(const fault_target *t, fault_target_kind kind) { return t->kind == kind; }

/* A broker by role or by id (the ends "leader", "follower", "broker-<n>" and the
 * coordinators). */
static bool fp_is_broker(const fault_target *t) {
    return t->kind == FAULT_TARGET_LEADER || t->kind == FAULT_TARGET_FOLLOWER ||
           t->kind == FAULT_TARGET_BROKER || t->kind == FAULT_TARGET_COORDINATOR ||
           t->kind == FAULT_TARGET_GROUP_COORDINATOR;
}

/* Who sends what (protocol.h): the producer sends requests to brokers (Produce, Metadata,
 * InitProducerId) and brokers answer; a follower sends Fetch requests to its leader and the
 * leader answers; brokers send the controller AlterPartition and BrokerHeartbeat requests and
 * it answers, and it pushes partition state to brokers as requests nobody answers; a consumer
 * (and its producer) send brokers requests and brokers answer. */
const char *fault_spec_idle_reason(const fault_spec *f) {
    const fault_target *a = &f->a, *b = &f->b;
    bool consumer_a = fp_is(a, FAULT_TARGET_CONSUMER) || fp_is(a, FAULT_TARGET_CONSUMER_OF);
    bool consumer_b = fp_is(b, FAULT_TARGET_CONSUMER) || fp_is(b, FAULT_TARGET_CONSUMER_OF);
    bool two_ends = f->kind != FAULT_CRASH && f->kind != FAULT_PAUSE &&
                    f->kind != FAULT_POWERLOSS && f->kind != FAULT_RESTART_PRODUCER &&
                    f->kind != FAULT_RESTART_CONSUMER && f->kind != FAULT_STOP &&
                    f->kind != FAULT_STALL;
    if (two_ends && ((consumer_a && !fp_is_broker(b)) || (consumer_b && !fp_is_broker(a))))
        return "a consumer exchanges messages with brokers only";
    if (two_ends && f->kind != FAULT_PARTITION) {
        if (consumer_a && f->responses) return "a consumer sends no responses";
        if (consumer_b && !f->responses) return "nothing sends a consumer requests";
    }
    bool producer_controller =
        (fp_is(a, FAULT_TARGET_PRODUCER) && fp_is(b, FAULT_TARGET_CONTROLLER)) ||
        (fp_is(a, FAULT_TARGET_CONTROLLER) && fp_is(b, FAULT_TARGET_PRODUCER));
    switch (f->kind) {
    case FAULT_CRASH:
    case FAULT_PAUSE:
    case FAULT_POWERLOSS:
    case FAULT_RESTART_PRODUCER:
    case FAULT_RESTART_CONSUMER:
    case FAULT_STALL:
    case FAULT_STOP: return NULL;
    case FAULT_PARTITION:
        return producer_controller ? "the producer and the controller exchange no messages"
                                   : NULL;
    default: break; /* a rule on requests or responses of one direction */
    }
    if (producer_controller) return "the producer and the controller exchange no messages";
    if (f->responses) {
        if (fp_is(a, FAULT_TARGET_PRODUCER)) return "the producer sends no responses";
        if (fp_is(b, FAULT_TARGET_CONTROLLER) && fp_is_broker(a))
            return "brokers send the controller no responses (its partition-state pushes are "
                   "one-way)";
        if (fp_is(a, FAULT_TARGET_FOLLOWER) && fp_is(b, FAULT_TARGET_LEADER))
            return "a follower sends its leader no responses (the leader answers its fetches)";
        return NULL;
    }
    if (fp_is(b, FAULT_TARGET_PRODUCER)) return "nothing sends the producer requests";
    if (fp_is(a, FAULT_TARGET_LEADER) && fp_is(b, FAULT_TARGET_FOLLOWER))
        return "a leader sends its followers no requests (they fetch from it)";
    return NULL;
}
