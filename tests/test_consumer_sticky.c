/*
 * test_consumer_sticky.c: consumer_assign_sticky, the leader's CooperativeStickyAssignor (3.9,
 * over AbstractStickyAssignor's ConstrainedAssignmentBuilder), on the JoinGroup answer's member
 * words [member_id, node, owned_generation, owned count, g ...].
 *
 * Checks: without owned partitions the group is split round-robin and balanced; members keep
 * what they own up to their quota; a new member gets nothing in the first rebalance when every
 * partition it would get still has another owner (adjustAssignment leaves the moving partitions
 * out), and gets them in the next one, when their owners no longer claim them; a dead member's
 * partitions (no one claims them) are handed out at once; a partition two members claim in the
 * same generation goes to neither first; in different generations the higher one keeps it;
 * every partition is given at most once and the group stays balanced to within one partition
 * once nothing moves.
 */
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "test.h"

#define P_MAX 64

typedef struct member_in {
    uint32_t id;
    int32_t gen;
    int owned_count;
    int owned[P_MAX];
} member_in;

typedef struct result {
    int members;
    uint32_t id[CONSUMER_ASSIGN_MEMBERS_MAX];
    int count[CONSUMER_ASSIGN_MEMBERS_MAX];
    int part[CONSUMER_ASSIGN_MEMBERS_MAX][P_MAX];
    int owner[P_MAX]; /* member index, -1 none */
} result;

static void topics_of(topic_table *t, int partitions) {
    topic_table_init(t);
    CHECK(topic_table_add(t, "orders", partitions, 3, 1) >= 0);
}

/* Runs the assignor over the members (in the order given: it sorts them by id). */
static void assign(const topic_table *t, const member_in *in, int n, result *out) {
    uint32_t words[4 * CONSUMER_ASSIGN_MEMBERS_MAX + CONSUMER_ASSIGN_MEMBERS_MAX * P_MAX];
    int w = 0;
    for (int m = 0; m < n; m++) {
        words[w++] = in[m].id;
        words[w++] = (uint32_t)(100 + m);
        words[w++] = (uint32_t)in[m].gen;
        words[w++] = (uint32_t)in[m].owned_count;
        for (int k = 0; k < in[m].owned_count; k++) words[w++] = (uint32_t)in[m].owned[k];
    }
    uint32_t outw[2 * CONSUMER_ASSIGN_MEMBERS_MAX + P_MAX];
    int8_t *scratch = malloc(CONSUMER_STICKY_SCRATCH(t) + 1);
    CHECK(scratch != NULL);
    int got = consumer_assign_sticky(t, words, w, outw, scratch);
    free(scratch);
    memset(out, 0, sizeof *out);
    for (int g = 0; g < P_MAX; g++) out->owner[g] = -1;
    for (int at = 0; at + 2 <= got; out->members++) {
        int m = out->members;
        out->id[m] = outw[at];
        out->count[m] = (int)outw[at + 1];
        for (int k = 0; k < out->count[m]; k++) {
            int g = (int)outw[at + 2 + k];
            out->part[m][k] = g;
            CHECK(g >= 0 && g < t->workload_partitions);
            CHECK_EQ(out->owner[g], -1); /* at most one owner */
            out->owner[g] = m;
        }
        at += 2 + out->count[m];
    }
    CHECK_EQ(out->members, n);
}

/* The member index of id in a result. */
static int idx(const result *r, uint32_t id) {
    for (int m = 0; m < r->members; m++)
        if (r->id[m] == id) return m;
    return -1;
}

/* The next round's subscription of member id: what r gave it, at generation gen. */
static member_in owned_after(const result *r, uint32_t id, int32_t gen) {
    member_in m = {.id = id, .gen = gen};
    int k = idx(r, id);
    if (k < 0) return m;
    m.owned_count = r->count[k];
    memcpy(m.owned, r->part[k], (size_t)r->count[k] * sizeof(int));
    return m;
}

static void check_balanced(const result *r, int partitions) {
    int lo = partitions, hi = 0, total = 0;
    for (int m = 0; m < r->members; m++) {
        if (r->count[m] < lo) lo = r->count[m];
        if (r->count[m] > hi) hi = r->count[m];
        total += r->count[m];
    }
    CHECK(hi - lo <= 1);
    CHECK_EQ(total, partitions);
}

static void test_fresh_group_round_robin(void) {
    topic_table t;
    topics_of(&t, 6);
    member_in in[3] = {{.id = 30, .gen = -1}, {.id = 10, .gen = -1}, {.id = 20, .gen = -1}};
    result r;
    assign(&t, in, 3, &r);
    check_balanced(&r, 6);
    /* Members by id, the partitions in order round-robin. */
    CHECK_EQ(r.id[0], 10u);
    CHECK_EQ(r.part[0][0], 0);
    CHECK_EQ(r.part[0][1], 3);
    CHECK_EQ(r.part[1][0], 1);
    CHECK_EQ(r.part[2][1], 5);
}

/* Two members own 3 partitions each (generation 5); a third joins: each keeps two, the two that
 * must move are in no one's assignment; in the next rebalance (generation 6) the new member gets
 * exactly them and the others keep theirs. */
static void test_new_member_two_steps(void) {
    topic_table t;
    topics_of(&t, 6);
    member_in in[3] = {{.id = 1, .gen = 5, .owned_count = 3, .owned = {0, 1, 2}},
                       {.id = 2, .gen = 5, .owned_count = 3, .owned = {3, 4, 5}},
                       {.id = 3, .gen = -1}};
    result r;
    assign(&t, in, 3, &r);
    int a = idx(&r, 1), b = idx(&r, 2), c = idx(&r, 3);
    CHECK_EQ(r.count[a], 2);
    CHECK_EQ(r.count[b], 2);
    CHECK_EQ(r.count[c], 0);
    for (int k = 0; k < r.count[a]; k++) CHECK(r.part[a][k] <= 2); /* kept, not moved */
    for (int k = 0; k < r.count[b]; k++) CHECK(r.part[b][k] >= 3);
    int unowned = 0;
    for (int g = 0; g < 6; g++) unowned += r.owner[g] < 0;
    CHECK_EQ(unowned, 2);
    member_in next[3] = {owned_after(&r, 1, 6), owned_after(&r, 2, 6), owned_after(&r, 3, 6)};
    result r2;
    assign(&t, next, 3, &r2);
    check_balanced(&r2, 6);
    for (int g = 0; g < 6; g++) { /* nothing kept moves; the new member gets the freed two */
        if (r.owner[g] >= 0) CHECK_EQ(r2.id[r2.owner[g]], r.id[r.owner[g]]);
        else CHECK_EQ(r2.id[r2.owner[g]], 3u);
    }
}

/* Member 3 died and no longer claims anything: its partitions go to the others at once. */
static void test_dead_member_partitions_at_once(void) {
    topic_table t;
    topics_of(&t, 6);
    member_in in[2] = {{.id = 1, .gen = 7, .owned_count = 2, .owned = {0, 1}},
                       {.id = 2, .gen = 7, .owned_count = 2, .owned = {2, 3}}};
    result r;
    assign(&t, in, 2, &r);
    check_balanced(&r, 6);
    CHECK_EQ(r.owner[0], idx(&r, 1));
    CHECK_EQ(r.owner[1], idx(&r, 1));
    CHECK_EQ(r.owner[2], idx(&r, 2));
    CHECK_EQ(r.owner[3], idx(&r, 2));
}

/* Partition 1 claimed by both members in generation 3: neither gets it in this assignment;
 * in different generations the higher one keeps it. */
static void test_double_claims(void) {
    topic_table t;
    topics_of(&t, 4);
    member_in same[2] = {{.id = 1, .gen = 3, .owned_count = 2, .owned = {0, 1}},
                         {.id = 2, .gen = 3, .owned_count = 2, .owned = {1, 2}}};
    result r;
    assign(&t, same, 2, &r);
    CHECK_EQ(r.owner[1], -1);
    CHECK_EQ(r.owner[0], idx(&r, 1));
    CHECK_EQ(r.owner[2], idx(&r, 2));
    member_in diff[2] = {{.id = 1, .gen = 4, .owned_count = 2, .owned = {0, 1}},
                         {.id = 2, .gen = 3, .owned_count = 2, .owned = {1, 2}}};
    assign(&t, diff, 2, &r);
    CHECK_EQ(r.owner[1], idx(&r, 1));
    CHECK_EQ(r.owner[0], idx(&r, 1));
    CHECK_EQ(r.owner[2], idx(&r, 2));
    check_balanced(&r, 4);
}

/* Many shapes: members join and leave over rounds; after each round's follow-up (the owners
 * no longer claim what they revoked) the group is balanced and a member keeps every partition
 * it was given before unless its quota shrank. */
static void test_rounds_stay_balanced(void) {
    topic_table t;
    topics_of(&t, 13);
    member_in cur[CONSUMER_ASSIGN_MEMBERS_MAX];
    int n = 0;
    uint32_t next_id = 100;
    uint32_t rng = 12345;
    for (int round = 0; round < 200; round++) {
        rng = rng * 1103515245u + 12345u;
        int action = (int)(rng >> 16) % 3;
        if ((action == 0 || n == 0) && n < 9) {
            cur[n++] = (member_in){.id = next_id, .gen = -1};
            next_id += 7919; /* ids out of join order */
            next_id %= 100003;
        } else if (action == 1 && n > 1) {
            int k = (int)(rng >> 8) % n;
            cur[k] = cur[--n];
        }
        int32_t gen = 2 * round + 1;
        result r, r2;
        assign(&t, cur, n, &r);
        for (int m = 0; m < n; m++) cur[m] = owned_after(&r, cur[m].id, gen);
        assign(&t, cur, n, &r2);
        check_balanced(&r2, 13);
        for (int g = 0; g < 13; g++) /* the follow-up moves nothing the first round gave */
            if (r.owner[g] >= 0) CHECK_EQ(r2.id[r2.owner[g]], r.id[r.owner[g]]);
        for (int m = 0; m < n; m++) cur[m] = owned_after(&r2, cur[m].id, gen + 1);
    }
}

int main(void) {
    test_fresh_group_round_robin();
    test_new_member_two_steps();
    test_dead_member_partitions_at_once();
    test_double_claims();
    test_rounds_stay_balanced();
    return test_result("test_consumer_sticky");
}
