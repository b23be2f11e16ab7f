/*
 * test_sweep_spec.c: the sweep spec reader (models/explore/sweep_spec.c) and the sweep machinery
 * (cli/sweep_run.c, cli/sweep_out.c, with cli/load.c for cli_close, compiled into this test)
 * driven by a deterministic fake run, so ordering, --jobs independence, resume after a torn
 * journal, shards, merge and the statistics are checked without the models.
 */
#define _XOPEN_SOURCE 700 /* the machinery below needs POSIX 2008 */

#include "../cli/labels.c"
#include "../cli/load.c"
#include "../cli/sweep_out.c"
#include "../cli/sweep_run.c"

#include <math.h>

#include "sweep_spec.h"
#include "test.h"

/* ==== Helpers ================================================================================ */

static int spec_from_text(sweep_spec *s, const char *text, char *err, size_t err_len) {
    props p;
    props_init(&p);
    sweep_spec_init(s);
    int rc = props_read_text(&p, "t.sweep", text, strlen(text), err, err_len);
    if (rc == 0) rc = sweep_spec_parse(s, &p, "t.sweep", err, err_len);
    props_fini(&p);
    return rc;
}

/* Expects text to be rejected with a message holding want. */
static void check_rejected(const char *text, const char *want) {
    sweep_spec s;
    char err[1024] = "";
    CHECK_EQ(spec_from_text(&s, text, err, sizeof err), -1);
    CHECK_CONTAINS(err, want);
    sweep_spec_fini(&s);
}

static char *slurp(const char *path) {
    size_t len = 0;
    char err[256];
    return sweep_file_read(path, 1000, &len, err, sizeof err);
}

static bool files_equal(const char *a, const char *b) {
    char *x = slurp(a), *y = slurp(b);
    bool same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

static size_t count_lines(const char *path) {
    char *text = slurp(path);
    size_t lines = 0;
    for (const char *p = text; p && *p; p++) lines += (*p == '\n');
    free(text);
    return lines;
}

/* ==== The spec =============================================================================== */

static void test_ranges_and_cells(void) {
    sweep_spec s;
    char err[1024] = "";
    const char *text = "axis.network.latency.ms = 0.5..2:0.5\n"
                       "axis.acks = 1, all\n"
                       "axis.k = -1..1, 10\n"
                       "set.fault.c1 = crash leader on leader.append n=${k}\n"
                       "seeds = 3..5, 9\n";
    CHECK_EQ(spec_from_text(&s, text, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_EQ(s.axis_count, 3);
    CHECK_EQ(s.axes[0].value_count, 4);
    CHECK_STR(s.axes[0].values[0], "0.5");
    CHECK_STR(s.axes[0].values[1], "1.0");
    CHECK_STR(s.axes[0].values[3], "2.0");
    CHECK(s.axes[0].is_key);
    CHECK(s.axes[1].is_key);
    CHECK(!s.axes[2].is_key);
    CHECK_STR(s.axes[2].values[0], "-1");
    CHECK_STR(s.axes[2].values[1], "0");
    CHECK_STR(s.axes[2].values[3], "10");
    CHECK_EQ(s.seed_count, 4);
    CHECK_EQ(s.seeds[3], 9);
    CHECK_EQ(sweep_spec_cell_count(&s), 4 * 2 * 4);
    CHECK_EQ(sweep_spec_run_count(&s), 4 * 2 * 4 * 4);
    /* First axis slowest: cell 13 = (1, 1, 1) in radix (4, 2, 4). */
    size_t index[SWEEP_AXES_MAX];
    sweep_spec_cell_indexes(&s, 13, index);
    CHECK_EQ(index[0], 1);
    CHECK_EQ(index[1], 1);
    CHECK_EQ(index[2], 1);
    CHECK_STR(sweep_spec_cell_value(&s, 31, 0), "2.0");
    CHECK_STR(sweep_spec_cell_value(&s, 31, 2), "10");
    sweep_spec_fini(&s);

    CHECK_EQ(spec_from_text(&s, "axis.network.latency.ms = 1..2:0.25\n", err, sizeof err), 0);
    CHECK_EQ(s.axes[0].value_count, 5);
    CHECK_STR(s.axes[0].values[1], "1.25");
    CHECK_EQ(s.seed_count, 1); /* seeds default to 1 */
    CHECK_EQ(s.seeds[0], 1);
    sweep_spec_fini(&s);
}

static void test_cell_props(void) {
    sweep_spec s;
    char err[1024] = "";
    const char *text = "# a comment\n"
                       "set.acks = 1\n"
                       "axis.k = 4..6\n"
                       "set.fault.c1 = crash leader on leader.append n=${k} for ${k}ms\n"
                       "axis.acks = all, 0\n"
                       "seeds = 7, 8\n";
    CHECK_EQ(spec_from_text(&s, text, err, sizeof err), 0);
    props p;
    props_init(&p);
    /* Cell 3 = (k index 1, acks index 1): k=5, acks=0. */
    CHECK_EQ(sweep_spec_cell_props(&s, 3, 8, &p, err, sizeof err), 0);
    CHECK_EQ(p.count, 4);
    if (p.count == 4) {
        CHECK_STR(p.items[0].key, "acks");
        CHECK_STR(p.items[0].value, "1");
        CHECK_EQ(p.items[0].line, 2);
        CHECK_STR(p.items[1].key, "fault.c1");
        CHECK_STR(p.items[1].value, "crash leader on leader.append n=5 for 5ms");
        CHECK_EQ(p.items[1].line, 4);
        CHECK_STR(p.items[1].file, "t.sweep");
        CHECK_STR(p.items[2].key, "acks"); /* the axis comes after set.*: it wins */
        CHECK_STR(p.items[2].value, "0");
        CHECK_EQ(p.items[2].line, 5);
        CHECK_STR(p.items[3].key, "sim.seed");
        CHECK_STR(p.items[3].value, "8");
        CHECK_EQ(p.items[3].line, 6);
    }
    CHECK_STR(props_get(&p, "acks")->value, "0");
    props_fini(&p);
    sweep_spec_fini(&s);
}

static void test_rejections(void) {
    check_rejected("axis.k = 1..3\n", "t.sweep:1: axis.k: 'k' is not a scenario key");
    check_rejected("bogus = 1\n", "t.sweep:1: bogus: unknown key");
    check_rejected("axis.acks = 1\nset.fault.x = crash leader at ${t}ms\n",
                   "t.sweep:2: set.fault.x: ${t} names no axis");
    check_rejected("axis.acks = 3..1\n", "t.sweep:1: axis.acks: range '3..1'");
    check_rejected("axis.acks = 1..2:0\n", "STEP > 0");
    check_rejected("axis.acks = 1..x\n", "allowed: A..B or A..B:STEP");
    check_rejected("axis.acks = 1,,2\n", "empty value");
    check_rejected("seeds = 1..3, 2\n", "seed 2 listed twice");
    check_rejected("seeds = x\n", "'x' is not a seed");
    check_rejected("axis.acks = 1\naxis.acks = all\n", "t.sweep:2: axis.acks: axis given twice");
    check_rejected("set.sim.seed = 4\n", "seeds sets sim.seed");
    check_rejected("set.nonsense.key = 4\n", "not a scenario key");
    check_rejected("axis.acks = 1, all\nplot.y = lost_acked\nplot.x = nope\n",
                   "t.sweep:3: plot.x: 'nope' is not an axis");
    check_rejected("axis.acks = 1, all\nplot.y = lost_acked\n", "plot.y needs plot.x");
    check_rejected("axis.acks = 1, all\nplot.y = lost_acked\nplot.x = acks\nplot.kind = heatmap\n",
                   "heatmap needs plot.series");
    check_rejected("axis.acks = 1\nplot.y = a\nplot.x = acks\nplot.kind = pie\n",
                   "allowed: lines, heatmap");
    check_rejected("axis.acks = 1\nset.fault.x = crash ${acks\n", "unterminated ${");
    check_rejected("axis.acks = 0..999999\naxis.network.latency.ms = 1..20\n", "more than");
}

static void test_hash(void) {
    sweep_spec a, b, c;
    char err[1024];
    CHECK_EQ(spec_from_text(&a, "axis.acks = 1, all\nseeds = 1..4\n", err, sizeof err), 0);
    CHECK_EQ(spec_from_text(&b, "# other words\n\naxis.acks = 1,all\nseeds=1..4\nplot.y = x\n"
                                "plot.x = acks\n", err, sizeof err), 0);
    CHECK_EQ(spec_from_text(&c, "axis.acks = 1, all\nseeds = 1..5\n", err, sizeof err), 0);
    CHECK(sweep_spec_hash(&a, "f") == sweep_spec_hash(&b, "f"));
    CHECK(sweep_spec_hash(&a, "f") != sweep_spec_hash(&c, "f"));
    CHECK(sweep_spec_hash(&a, "f") != sweep_spec_hash(&a, "g"));
    sweep_spec_fini(&a);
    sweep_spec_fini(&b);
    sweep_spec_fini(&c);
}

/* ==== Statistics ============================================================================= */

static void test_stats(void) {
    const double values[4] = {1, 2, 3, 4};
    sweep_stats st;
    sweep_stats_compute(values, 4, &st);
    CHECK(fabs(st.mean - 2.5) < 1e-12);
    CHECK(fabs(st.sd - sqrt(5.0 / 3.0)) < 1e-12);
    CHECK(fabs(st.ci95 - 3.182 * sqrt(5.0 / 3.0) / 2.0) < 1e-12);
    CHECK_EQ(st.min, 1);
    CHECK_EQ(st.max, 4);
    sweep_stats_compute(values, 1, &st);
    CHECK(st.sd == 0 && st.ci95 == 0);
    sweep_stats_compute(values, 0, &st);
    CHECK(isnan(st.mean));
    CHECK(fabs(sweep_t95(1) - 12.706) < 1e-9);
    CHECK(fabs(sweep_t95(30) - 2.042) < 1e-9);
    CHECK(fabs(sweep_t95(60) - 2.000) < 1e-9);
    CHECK(sweep_t95(45) < 2.021 && sweep_t95(45) > 2.000);
    CHECK(sweep_t95(100000) > 1.960 && sweep_t95(100000) < 1.961);
}

/* ==== The machinery, with a fake run ========================================================= */

static const char *const fake_fields[3] = {"a", "ratio", "duplicates"};
static const bool fake_metric[3] = {true, true, true};

/* How the run (cell 0, seed 11) ends in test_lost_runs: by itself, out of memory, or killed. */
typedef enum fake_loss { FAKE_LOSS_NONE, FAKE_LOSS_EXHAUSTED, FAKE_LOSS_KILLED } fake_loss;
static fake_loss fake_lose; /* set before the workers are forked */

/* A deterministic run: fields from (cell, seed); seed 12 fails, (cell 2, seed 13) crashes. Each
 * call appends a byte to the file ctx names, so a test can count the runs that really ran. */
static int fake_run(void *ctx, const sweep_spec *spec, size_t cell, uint64_t seed, char *fields,
                    size_t len) {
    (void)spec;
    int fd = open((const char *)ctx, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
        (void)!write(fd, "x", 1);
        close(fd);
    }
    if (cell == 2 && seed == 13) abort();
    if (cell == 0 && seed == 11 && fake_lose == FAKE_LOSS_EXHAUSTED) return SWEEP_RUN_EXHAUSTED;
    if (cell == 0 && seed == 11 && fake_lose == FAKE_LOSS_KILLED) raise(SIGKILL); /* OOM killer */
    snprintf(fields, len, "%" PRIu64 ",%.3f,%d", seed * 10 + cell, (double)(seed % 7) / 4.0,
             (seed + cell) % 3 == 0);
    return seed == 12 ? SWEEP_RUN_FAILED : SWEEP_RUN_OK;
}

static const char *const fake_spec_text = "axis.acks = 1, all, 0\n"
                                          "axis.k = 1..4\n"
                                          "set.fault.c = crash leader on leader.append n=${k}\n"
                                          "seeds = 10..14\n"
                                          "plot.y = a\n"
                                          "plot.x = k\n"
                                          "plot.series = acks\n";

static sweep_job fake_job(const sweep_spec *s, const char *out, unsigned jobs, unsigned shard,
                          unsigned shards, const char *calls, FILE *log) {
    sweep_job job = {.spec = s, .field_names = fake_fields, .field_metric = fake_metric,
                     .field_count = 3, .run = fake_run, .run_ctx = (void *)calls,
                     .out_dir = out, .jobs = jobs, .shard_index = shard, .shard_count = shards,
                     .log = log};
    job.spec_hash = sweep_spec_hash(s, "a,ratio,duplicates");
    return job;
}

static char base_dir[64];

static const char *at(const char *name, char *buf) {
    snprintf(buf, 256, "%s/%s", base_dir, name);
    return buf;
}

static void test_single_and_parallel(const sweep_spec *s, FILE *log) {
    char one[256], many[256], calls[256], a[256], b[256], err[1024] = "";
    sweep_job job = fake_job(s, at("one", one), 1, 1, 1, at("calls", calls), log);
    CHECK_EQ(sweep_execute(&job, err, sizeof err), 1); /* a run failed, one crashed */
    CHECK_STR(err, "");
    CHECK_EQ(count_lines(at("one/runs.csv", a)), 61);
    CHECK_EQ(count_lines(at("one/cells.csv", a)), 13);
    char *runs = slurp(at("one/runs.csv", a)), *cells = slurp(at("one/cells.csv", b));
    CHECK_CONTAINS(runs, "run,cell,acks,k,seed,status,a,ratio,duplicates\n");
    CHECK_CONTAINS(runs, "\n0,0,1,1,10,ok,100,0.750,0\n");
    CHECK_CONTAINS(runs, "\n12,2,1,3,12,failed,122,1.250,0\n");
    CHECK_CONTAINS(runs, "\n13,2,1,3,13,crashed,,,\n");
    /* Cell 2: 5 runs, 2 failed (seed 12 failed, seed 13 crashed), 1 with duplicates (seed 10). */
    CHECK_CONTAINS(cells, "\n2,1,3,5,2,1,");
    free(runs);
    free(cells);

    job = fake_job(s, at("many", many), 4, 1, 1, calls, log);
    CHECK_EQ(sweep_execute(&job, err, sizeof err), 1);
    CHECK(files_equal(at("one/runs.csv", a), at("many/runs.csv", b)));
    CHECK(files_equal(at("one/cells.csv", a), at("many/cells.csv", b)));
    CHECK(files_equal(at("one/plot-a.csv", a), at("many/plot-a.csv", b)));

    /* Without --resume an existing journal is never overwritten. */
    CHECK_EQ(sweep_execute(&job, err, sizeof err), 2);
    CHECK_CONTAINS(err, "--resume");
}

static void test_plot_data(FILE *log) {
    char path[256];
    char *plot = slurp(at("one/plot-a.csv", path));
    /* k=1, acks=1 pools cell 0 alone: a = 100, 110, 120, 130, 140. */
    const double values[5] = {100, 110, 120, 130, 140};
    sweep_stats st;
    char want[128];
    sweep_stats_compute(values, 5, &st);
    snprintf(want, sizeof want, "\n0,1,120,%.9g,", st.ci95); /* panel 0: every axis plotted */
    CHECK_CONTAINS(plot, "panel,k,acks=1,ci95,acks=all,ci95,acks=0,ci95\n");
    CHECK_CONTAINS(plot, want);
    free(plot);
    fflush(log);
    rewind(log);
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    CHECK_CONTAINS(text, "plots skipped");
    CHECK_CONTAINS(text, "run 13 (cell 2, seed 13) crashed");
}

static void test_shards_and_merge(const sweep_spec *s, FILE *log) {
    char shards[256], merged[256], calls[256], a[256], b[256], err[1024] = "";
    for (unsigned i = 1; i <= 3; i++) {
        sweep_job job = fake_job(s, at("shards", shards), 2, i, 3, at("calls", calls), log);
        int rc = sweep_execute(&job, err, sizeof err);
        CHECK(rc == 0 || rc == 1);
        CHECK_EQ(access(at("shards/runs.csv", a), F_OK), -1); /* a shard writes no CSV */
    }
    CHECK_EQ(count_lines(at("shards/runs.2-of-3.journal", a)), 1 + 20);
    sweep_job job = fake_job(s, at("merged", merged), 1, 1, 1, calls, log);
    char *inputs[1] = {shards};
    CHECK_EQ(sweep_merge(&job, inputs, 1, err, sizeof err), 1);
    CHECK(files_equal(at("one/runs.csv", a), at("merged/runs.csv", b)));
    CHECK(files_equal(at("one/cells.csv", a), at("merged/cells.csv", b)));

    char only[256];
    char *partial[1] = {(char *)at("shards/runs.1-of-3.journal", only)};
    CHECK_EQ(sweep_merge(&job, partial, 1, err, sizeof err), 2);
    CHECK_CONTAINS(err, "40 of 60 runs are in no journal");

    char spec_path[1100];
    CHECK_EQ(sweep_journal_spec(shards, spec_path, sizeof spec_path, err, sizeof err), 0);
    CHECK_CONTAINS(spec_path, "t.sweep");
}

/* Writes a journal holding the header and the first keep lines of from, then half a line. */
static void torn_copy(const char *from, const char *to, size_t keep) {
    char *text = slurp(from);
    char *p = text;
    for (size_t i = 0; p && i < keep + 1; i++) p = strchr(p, '\n') + 1;
    FILE *f = fopen(to, "w");
    fwrite(text, 1, (size_t)(p - text), f);
    fwrite(p, 1, 9, f); /* a write cut short by a kill */
    fclose(f);
    free(text);
}

static void test_resume(const sweep_spec *s, FILE *log) {
    char dir[256], calls[256], a[256], b[256], err[1024] = "";
    mkdir(at("resume", dir), 0755);
    torn_copy(at("one/runs.journal", a), at("resume/runs.journal", b), 20);
    unlink(at("calls", calls));
    sweep_job job = fake_job(s, dir, 3, 1, 1, calls, log);
    job.resume = true;
    CHECK_EQ(sweep_execute(&job, err, sizeof err), 1);
    CHECK_EQ(count_lines(calls), 0); /* no newline written: count bytes instead */
    char *ran = slurp(calls);
    CHECK_EQ(ran ? strlen(ran) : 0, 60 - 20);
    free(ran);
    CHECK_EQ(count_lines(at("resume/runs.journal", a)), 61);
    CHECK(files_equal(at("one/runs.csv", a), at("resume/runs.csv", b)));
    CHECK(files_equal(at("one/cells.csv", a), at("resume/cells.csv", b)));

    /* A journal of another spec is refused. */
    sweep_job other = job;
    other.spec_hash ^= 1;
    CHECK_EQ(sweep_execute(&other, err, sizeof err), 2);
    CHECK_CONTAINS(err, "written for another spec");
}

/* A run that did not end by itself (its worker killed from outside, or out of memory) is not
 * journalled and stops the sweep; --resume runs it and ends with the bytes of one sweep. */
static void test_lost_runs(const sweep_spec *s, FILE *log) {
    char dir[256], calls[256], a[320], b[256], err[1024] = "";
    static const fake_loss losses[2] = {FAKE_LOSS_EXHAUSTED, FAKE_LOSS_KILLED};
    static const int statuses[2] = {SWEEP_EXIT_EXHAUSTED, SWEEP_EXIT_INTERRUPTED};
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/lost%d", base_dir, i);
        sweep_job job = fake_job(s, dir, 1, 1, 1, at("calls", calls), log);
        fake_lose = losses[i];
        CHECK_EQ(sweep_execute(&job, err, sizeof err), statuses[i]);
        snprintf(a, sizeof a, "%s/runs.journal", dir);
        char *journal = slurp(a);
        CHECK(journal && strstr(journal, "\n0,ok,") != NULL);  /* run 0 finished before */
        CHECK(journal && strstr(journal, "\n1,") == NULL);     /* run 1 is not journalled */
        free(journal);
        snprintf(a, sizeof a, "%s/runs.csv", dir);
        CHECK(access(a, F_OK) != 0);
        fake_lose = FAKE_LOSS_NONE;
        job.resume = true;
        job.jobs = 2;
        CHECK_EQ(sweep_execute(&job, err, sizeof err), 1);
        CHECK(files_equal(at("one/runs.csv", b), a));
        snprintf(a, sizeof a, "%s/cells.csv", dir);
        CHECK(files_equal(at("one/cells.csv", b), a));
        snprintf(a, sizeof a, "%s/sweep.lock", dir);
        CHECK(access(a, F_OK) != 0); /* the lock is removed at the end */
    }
}

/* A run whose text differs between two journals means a nondeterministic model. */
static void test_conflict(const sweep_spec *s, FILE *log) {
    char path[256], one[256], merged[256], err[1024] = "";
    FILE *f = fopen(at("conflict.journal", path), "w");
    char header[1200], line[128];
    sweep_job job = fake_job(s, at("merged", merged), 1, 1, 1, "/dev/null", log);
    sweep_header_format(&job, header, sizeof header);
    int n = snprintf(line, sizeof line, "0,ok,101,0.750,0");
    fprintf(f, "%s%s\t%016" PRIx64 "\n", header, line,
            sweep_fnv1a(SWEEP_FNV_OFFSET, line, (size_t)n));
    fclose(f);
    char *inputs[2] = {(char *)at("one/runs.journal", one), path};
    CHECK_EQ(sweep_merge(&job, inputs, 2, err, sizeof err), 2);
    CHECK_CONTAINS(err, "not deterministic");
}

int main(void) {
    test_ranges_and_cells();
    test_cell_props();
    test_rejections();
    test_hash();
    test_stats();

    snprintf(base_dir, sizeof base_dir, "/tmp/kafkasim-sweep-test-XXXXXX");
    CHECK(mkdtemp(base_dir) != NULL);
    sweep_spec s;
    char err[1024] = "";
    CHECK_EQ(spec_from_text(&s, fake_spec_text, err, sizeof err), 0);
    FILE *log = tmpfile();
    test_single_and_parallel(&s, log);
    test_plot_data(log);
    test_shards_and_merge(&s, log);
    test_resume(&s, log);
    test_conflict(&s, log);
    test_lost_runs(&s, log);
    fclose(log);
    sweep_spec_fini(&s);
    if (test_failures == 0) {
        char command[128];
        snprintf(command, sizeof command, "rm -rf '%s'", base_dir);
        (void)!system(command);
    }
    return test_result("test_sweep_spec");
}
