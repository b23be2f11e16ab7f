/*
 * test_plot.c: the timeline picture (cli/plot.c) of a hand-built history of consumers and their
 * group, checked on the gnuplot script it writes: a lane per consumer above the producers; polls,
 * processed records, answered commits, assignments and a crash on the consumer's lane; the
 * group's states, a rebalance and members joining and expiring on the coordinator's broker's
 * lane; the group requests in their own colour, heartbeats hidden; the idle stretch before the
 * session timeout cut from the axis; the committed offsets on the coordinator's lane (a commit of
 * the same offset again left out) and the position the next owner resumes from on its lane; a
 * legend that fits under the picture.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "plot.h"
#include "protocol.h"
#include "test.h"

/* plot_render closes its script with the command's cli_close (cli/load.c, not linked here). */
int cli_close(FILE *f, const char *path, char *err, size_t err_len);
int cli_close(FILE *f, const char *path, char *err, size_t err_len) {
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0) failed = true;
    if (failed) snprintf(err, err_len, "%s: write error", path);
    return failed ? -1 : 0;
}

#define MS(x) ((int64_t)(x) * 1000000)

static char *read_all(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) free(buf);
            buf = grown;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* True when data block $name of script gp has a line starting with prefix. */
static bool block_has(const char *gp, const char *name, const char *prefix) {
    char head[64];
    snprintf(head, sizeof head, "$%s << EOD\n", name);
    const char *at = strstr(gp, head);
    if (!at) return false;
    for (const char *line = at + strlen(head); strncmp(line, "EOD\n", 4) != 0;) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) return true;
        const char *next = strchr(line, '\n');
        if (!next) return false;
        line = next + 1;
    }
    return false;
}

/* Lines of data block $name. */
static int block_lines(const char *gp, const char *name) {
    char head[64];
    snprintf(head, sizeof head, "$%s << EOD\n", name);
    const char *at = strstr(gp, head);
    int n = 0;
    if (!at) return -1;
    for (const char *line = at + strlen(head); line && strncmp(line, "EOD\n", 4) != 0; n++) {
        line = strchr(line, '\n');
        if (line) line++;
    }
    return n;
}

static void send(plot *p, uint8_t api, node_id from, node_id to, int64_t sent, int64_t arrive) {
    proto_msg m;
    memset(&m, 0, sizeof m);
    m.api = api;
    m.from = from;
    m.to = to;
    p->watch.on_message(p->watch.ctx, &m, sent, arrive, false);
}

/* Three brokers, one producer, two consumers; the group's coordinator is broker-2. */
static void build(plot *p, history *h) {
    node_id c1 = node_consumer(0), c2 = node_consumer(1), gc = node_broker(2);
    plot_init(p, -1, -1);
    p->brokers = 3;
    p->producers = 1;
    p->consumers = 2;
    p->partitions = 2;
    p->workload_partitions = 2;
    p->partition_names = calloc(2, sizeof *p->partition_names);
    snprintf(p->partition_names[0], sizeof p->partition_names[0], "orders-0");
    snprintf(p->partition_names[1], sizeof p->partition_names[1], "orders-1");
    snprintf(p->title, sizeof p->title, "two consumers");
    send(p, API_JOIN_GROUP, c1, gc, MS(4), MS(5));
    send(p, API_HEARTBEAT, c2, gc, MS(10), MS(11));
    history_member(h, MS(5), gc, 2, 1, HIST_MEMBER_JOINED, c1);
    history_member(h, MS(5), gc, 2, 2, HIST_MEMBER_JOINED, c2);
    history_group(h, MS(6), gc, 2, 1, GROUP_PREPARING_REBALANCE, 2, 0, 1);
    history_group(h, MS(8), gc, 2, 1, GROUP_STABLE, 2, 0, 1);
    history_assign(h, MS(9), c1, 0, 1, HIST_ASSIGN_ASSIGNED, 1);
    history_assign(h, MS(9), c2, 1, 1, HIST_ASSIGN_ASSIGNED, 2);
    history_poll(h, MS(12), c1, 0, 0, 0, 3, 0, 1, 1);
    for (uint32_t r = 0; r < 3; r++) history_process(h, MS(13 + r), c1, 0, r, r, 1, HIST_SINK_APPLIED);
    history_offset_commit(h, MS(16), c1, 0, 3, 1, HIST_COMMIT_AUTO, HIST_COMMIT_SENT, 1);
    history_offsets(h, MS(17), gc, 0, 3, 1, HIST_OFFSETS_COMMITTED, 0);
    history_offset_commit(h, MS(18), c1, 0, 3, 1, HIST_COMMIT_AUTO, 0, 1);
    history_offsets(h, MS(19), gc, 0, 3, 1, HIST_OFFSETS_COMMITTED, 0); /* the same again */
    history_offset_commit(h, MS(19), c2, 1, 0, 0, HIST_COMMIT_SYNC, ERR_ILLEGAL_GENERATION, 2);
    history_crash(h, MS(20), c1, true);
    history_member(h, MS(900), gc, 2, 1, HIST_MEMBER_EXPIRED, c1);
    history_group(h, MS(900), gc, 2, 2, GROUP_PREPARING_REBALANCE, 1, 0, 2);
    history_group(h, MS(905), gc, 2, 2, GROUP_STABLE, 1, 0, 2);
    history_assign(h, MS(906), c2, 0, 2, HIST_ASSIGN_ASSIGNED, 2);
    history_position(h, MS(908), c2, 0, 3, 2, HIST_POSITION_COMMITTED);
    history_poll(h, MS(910), c2, 0, 0, 0, 3, 0, 2, 2);
    history_process(h, MS(911), c2, 0, 0, 0, 2, HIST_SINK_SKIPPED);
    history_offsets(h, MS(950), node_broker(3), 0, 3, PROTO_GENERATION_NONE, HIST_OFFSETS_LOADED,
                    0); /* a new coordinator: told again */
}

int main(void) {
    char dir[] = "/tmp/kafkasim-test-plot-XXXXXX", image[96], script[96], err[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(image, sizeof image, "%s/consumers.svg", dir);
    snprintf(script, sizeof script, "%s/consumers.gp", dir);
    plot p;
    history h;
    CHECK_EQ(history_init(&h, 64), 0);
    build(&p, &h);
    proto_payloads payloads;
    memset(&payloads, 0, sizeof payloads);
    plot_read_history(&p, &h, &payloads);
    int rc = plot_render(&p, image, err, sizeof err);
    CHECK(rc == 0 || rc == 1); /* 1: gnuplot is not installed, the script is written */
    char *gp = read_all(script);
    CHECK(gp != NULL);
    if (gp) {
        /* Lanes: controller 0, brokers 1-3, the producer 4, consumer-1 5, consumer-2 6. */
        CHECK(strstr(gp, "'producer' 4, 'consumer-1' 5, 'consumer-2' 6)") != NULL);
        CHECK(strstr(gp, "set yrange [-0.7:6.9]") != NULL);
        CHECK(block_has(gp, "member", "5.000000 2.000 \"consumer-1 joined\""));
        CHECK(block_has(gp, "member", "900.000000 2.000 \"consumer-1 expired (session timeout)\""));
        CHECK(block_has(gp, "rebalance", "6.000000 2.000 \"rebalance: PreparingRebalance gen 1, 2 members\""));
        CHECK(block_has(gp, "rebalance", "900.000000 2.000 \"rebalance: PreparingRebalance gen 2, 1 member\""));
        CHECK(block_has(gp, "groupstate", "905.000000 2.000 \"group Stable gen 2, 1 member\""));
        CHECK(block_has(gp, "assign", "9.000000 5.000 \"assigned orders-0 gen 1\""));
        CHECK(block_has(gp, "assign", "906.000000 6.000 \"assigned orders-0 gen 2\""));
        CHECK(block_has(gp, "poll", "12.000000 5.000 \"poll orders-0 @0 x3\""));
        CHECK_EQ(block_lines(gp, "process"), 4);
        CHECK(block_has(gp, "process", "911.000000 6.000 \"r0 already applied (dedup)\""));
        /* The sent commit is the request's arrow; the answers are marks. */
        CHECK_EQ(block_lines(gp, "commit"), 2);
        CHECK(block_has(gp, "commit", "18.000000 5.000 \"commit (auto) orders-0 @3\""));
        CHECK(block_has(gp, "commit", "19.000000 6.000 \"commit (sync) orders-1 @0 ILLEGAL_GENERATION\""));
        CHECK(block_has(gp, "crash", "20.000000 5.000 \"crash\""));
        /* JoinGroup from consumer-1 (lane 5) to broker-2 (lane 2); the heartbeat is hidden. */
        CHECK_EQ(block_lines(gp, "group"), 1);
        CHECK(block_has(gp, "group", "4.000000 5.000 1.000000 -3.000"));
        /* Committed at 3, crashed, the next owner resumes at 3: the coordinator's commit once
         * (its repeat left out), the position with where it came from, a new coordinator's
         * load. */
        CHECK_EQ(block_lines(gp, "committed"), 2);
        CHECK(block_has(gp, "committed", "17.000000 2.000 \"committed orders-0 = 3\""));
        CHECK(block_has(gp, "committed", "950.000000 3.000 \"committed orders-0 = 3 (loaded)\""));
        CHECK(block_has(gp, "position", "908.000000 6.000 \"resumes orders-0 @3 (committed)\""));
        CHECK(strstr(gp, "title 'position taken (where a consumer resumes)'") != NULL);
        /* The legend (13 kinds, 2 colours) in two columns of 8 rows: the margin's own. */
        CHECK(strstr(gp, "horizontal maxcols 2 font") != NULL);
        CHECK(strstr(gp, "set terminal svg size 1500,1070 ") != NULL);
        /* The session timeout's idle stretch is cut from the axis. */
        CHECK(strstr(gp, "bx(t) = t < ") != NULL);
        if (test_failures) fputs(gp, stderr);
        free(gp);
    }
    unlink(script);
    unlink(image);
    rmdir(dir);
    plot_fini(&p);
    history_fini(&h);
    return test_result("test_plot");
}
