/*
 * check_pool.c: the seeds of `kafkasim check` over worker processes, and single runs isolated
 * in a child process.
 *
 * Worker w of N judges the seeds first+w, first+w+N, ... in increasing order, writes one fixed
 * record per seed to its pipe, and stops at its first failing seed. The first failing seed
 * overall is the smallest seed any worker reports failed: every smaller seed of every stripe
 * was judged (each worker goes in order and stops only at a failure larger than it). So the
 * answer is the same for every N. The parent passes records to the caller in seed order, sums
 * them in that order, and kills a worker as soon as every seed it has left is larger than a
 * known failure.
 *
 * A worker that dies (a model assertion aborts the process) failed the seed it was judging:
 * the one after the last it reported. The parent reports it as CHECK_CRASHED; the message of
 * the assertion is on standard error.
 */
#define _XOPEN_SOURCE 700 /* fork, pipe, poll, kill, waitpid */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_internal.h"
#include "cli.h"

#define CHECK_JOBS_MAX 1024

/* One judged seed, as a worker reports it through its pipe (well under PIPE_BUF, so atomic). */
typedef struct check_record {
    uint64_t seed;
    int32_t verdict;           /* check_verdict */
    int32_t anomalous;         /* 1 when the run had a duplicate, reordering or lost write */
    uint64_t faults_configured;
    uint64_t faults_fired;
} check_record;

typedef struct check_worker {
    pid_t pid;
    int fd;          /* read end of the worker's pipe, -1 once closed */
    uint64_t next;   /* the next seed it will judge */
    bool finished;   /* reported its last seed, or its first failure */
    bool killed;     /* stopped by the parent: its remaining seeds are past a failure */
} check_worker;

typedef struct check_pool {
    const check_job *job;
    uint64_t first, last, stride;
    check_worker *workers;
    int count;
    check_record *pending;     /* records not yet passed on, in arrival order */
    size_t pending_count, pending_cap;
    uint64_t next_emit;        /* the next seed to pass on */
    bool emitted_all;          /* every seed up to last (or up to the failure) passed on */
    bool failure_known;        /* some worker reported a failure */
    uint64_t failure_min;      /* the smallest failing seed reported so far */
    check_seed_fn on_seed;
    void *ctx;
    check_sweep *out;
} check_pool;

static bool check_read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool check_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool check_anomalous(const run_result *r) {
    return r->check.duplicates > 0 || r->check.reordered > 0 || r->check.lost_acked > 0;
}

/* ---- Workers ------------------------------------------------------------------------------ */

static _Noreturn void check_worker_main(const check_job *j, uint64_t seed, uint64_t last,
                                        uint64_t stride, int fd) {
    config *c = malloc(sizeof *c);
    check_outcome *o = malloc(sizeof *o);
    if (!c || !o) _exit(3);
    for (;;) {
        char err[256];
        if (check__seed_config(j, seed, c, NULL, err, sizeof err) != 0) {
            o->verdict = CHECK_SETUP;
            memset(&o->result, 0, sizeof o->result);
        } else {
            check__judge(j, c, o);
        }
        check_record rec = {.seed = seed, .verdict = (int32_t)o->verdict,
                            .anomalous = check_anomalous(&o->result),
                            .faults_configured = o->result.check.faults_configured,
                            .faults_fired = o->result.check.faults_fired};
        if (!check_write_all(fd, &rec, sizeof rec)) _exit(0); /* the parent is gone */
        if (o->verdict != CHECK_HOLDS || last - seed < stride) break;
        seed += stride;
    }
    _exit(0);
}

static int check_pool_start(check_pool *p, char *err, size_t err_len) {
    fflush(stdout);
    fflush(stderr);
    for (int w = 0; w < p->count; w++) {
        int fds[2];
        if (pipe(fds) != 0) {
            snprintf(err, err_len, "pipe: %s", strerror(errno));
            return -1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            snprintf(err, err_len, "fork: %s", strerror(errno));
            return -1;
        }
        if (pid == 0) {
            close(fds[0]);
            /* A run that aborts is judged again in a child of its own, which keeps the
             * message; here it would only interleave with other workers'. */
            if (!freopen("/dev/null", "w", stderr)) _exit(3);
            /* Other workers' read ends stay with the parent alone. */
            for (int o = 0; o < w; o++)
                if (p->workers[o].fd >= 0) close(p->workers[o].fd);
            check_worker_main(p->job, p->first + (uint64_t)w, p->last, p->stride, fds[1]);
        }
        close(fds[1]);
        p->workers[w] = (check_worker){.pid = pid, .fd = fds[0], .next = p->first + (uint64_t)w};
    }
    return 0;
}

/* ---- The parent --------------------------------------------------------------------------- */

static int check_pending_add(check_pool *p, const check_record *r) {
    if (p->pending_count == p->pending_cap) {
        size_t cap = p->pending_cap ? p->pending_cap * 2 : 64;
        check_record *grown = realloc(p->pending, cap * sizeof *grown);
        if (!grown) return -1;
        p->pending = grown;
        p->pending_cap = cap;
    }
    p->pending[p->pending_count++] = *r;
    return 0;
}

/* Passes on, in seed order, every record whose predecessors have all arrived. */
static void check_pool_emit(check_pool *p) {
    bool found = true;
    while (found && !p->emitted_all) {
        found = false;
        for (size_t i = 0; i < p->pending_count; i++) {
            if (p->pending[i].seed != p->next_emit) continue;
            check_record r = p->pending[i];
            p->pending[i] = p->pending[--p->pending_count];
            found = true;
            p->out->runs++;
            if (r.verdict != CHECK_HOLDS) {
                p->out->failed = true;
                p->out->seed = r.seed;
                p->out->verdict = (check_verdict)r.verdict;
                p->emitted_all = true;
                break;
            }
            p->out->faults_configured += r.faults_configured;
            p->out->faults_fired += r.faults_fired;
            p->out->anomalous += (uint64_t)r.anomalous;
            if (p->on_seed) p->on_seed(p->ctx, r.seed, CHECK_HOLDS);
            if (r.seed == p->last) p->emitted_all = true;
            else p->next_emit++;
            break;
        }
    }
}

static void check_pool_record(check_pool *p, check_worker *w, const check_record *r) {
    if (check_pending_add(p, r) != 0) {
        fprintf(stderr, "kafkasim check: out of memory\n");
        exit(CLI_EXIT_FAILED);
    }
    if (r->verdict != CHECK_HOLDS) {
        w->finished = true;
        if (!p->failure_known || r->seed < p->failure_min) p->failure_min = r->seed;
        p->failure_known = true;
    } else if (p->last - r->seed < p->stride) {
        w->finished = true;
    } else {
        w->next = r->seed + p->stride;
    }
    /* A worker whose remaining seeds all lie past a known failure has nothing to tell. */
    for (int i = 0; i < p->count; i++) {
        check_worker *o = &p->workers[i];
        if (p->failure_known && !o->finished && !o->killed && o->next > p->failure_min) {
            kill(o->pid, SIGKILL);
            o->killed = true;
        }
    }
    check_pool_emit(p);
}

/* The worker's pipe closed: it finished, was killed, or died while judging w->next. */
static void check_pool_closed(check_pool *p, check_worker *w) {
    close(w->fd);
    w->fd = -1;
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) continue;
    if (w->finished || w->killed) return;
    check_record crashed = {.seed = w->next, .verdict = CHECK_CRASHED};
    check_pool_record(p, w, &crashed);
}

static int check_pool_loop(check_pool *p, char *err, size_t err_len) {
    struct pollfd fds[CHECK_JOBS_MAX];
    check_worker *polled[CHECK_JOBS_MAX];
    for (;;) {
        nfds_t n = 0;
        for (int i = 0; i < p->count; i++) {
            if (p->workers[i].fd < 0) continue;
            fds[n] = (struct pollfd){.fd = p->workers[i].fd, .events = POLLIN};
            polled[n++] = &p->workers[i];
        }
        if (n == 0 || p->emitted_all) return 0;
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            snprintf(err, err_len, "poll: %s", strerror(errno));
            return -1;
        }
        for (nfds_t i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            check_worker *w = polled[i];
            check_record r;
            if (check_read_all(w->fd, &r, sizeof r)) check_pool_record(p, w, &r);
            else check_pool_closed(p, w);
        }
    }
}

/* Stops and reaps every worker still running (their seeds are past the answer). */
static void check_pool_stop(check_pool *p) {
    for (int i = 0; i < p->count; i++) {
        check_worker *w = &p->workers[i];
        if (w->fd < 0) continue;
        if (w->pid > 0) kill(w->pid, SIGKILL);
        close(w->fd);
        w->fd = -1;
        while (w->pid > 0 && waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) continue;
    }
}

int check__sweep(const check_job *j, uint64_t first, uint64_t last, int jobs,
                 check_seed_fn on_seed, void *ctx, check_sweep *out, char *err,
                 size_t err_len) {
    memset(out, 0, sizeof *out);
    uint64_t seeds = last - first; /* one less than the count, which may not fit */
    if (jobs < 1) jobs = 1;
    if (jobs > CHECK_JOBS_MAX) jobs = CHECK_JOBS_MAX;
    if ((uint64_t)jobs - 1 > seeds) jobs = (int)(seeds + 1);
    check_pool p = {.job = j, .first = first, .last = last, .stride = (uint64_t)jobs,
                    .count = jobs, .next_emit = first, .on_seed = on_seed, .ctx = ctx,
                    .out = out};
    p.workers = calloc((size_t)jobs, sizeof *p.workers);
    if (!p.workers) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (int i = 0; i < jobs; i++) p.workers[i].fd = -1;
    int rc = check_pool_start(&p, err, err_len);
    if (rc == 0) rc = check_pool_loop(&p, err, err_len);
    check_pool_stop(&p);
    free(p.workers);
    free(p.pending);
    return rc;
}

/* ---- One run in a child ------------------------------------------------------------------- */

/* The last line of what a child wrote to its standard error (an assertion's message). */
static void check_last_line(FILE *f, char *buf, size_t len) {
    buf[0] = '\0';
    if (!f) return;
    char line[512];
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) snprintf(buf, len, "%s", line);
    }
}

static void check_crashed(const config *c, int status, FILE *errors, check_outcome *out) {
    char last[512];
    check_last_line(errors, last, sizeof last);
    memset(out, 0, sizeof *out);
    out->verdict = CHECK_CRASHED;
    out->result.seed = c->seed;
    if (WIFSIGNALED(status))
        snprintf(out->detail, sizeof out->detail, "signal %d: %.280s", WTERMSIG(status),
                 last[0] ? last : "no message");
    else
        snprintf(out->detail, sizeof out->detail, "exit status %d: %.280s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, last[0] ? last : "no message");
}

void check__judge_isolated(const check_job *j, const config *c, check_outcome *out) {
    memset(out, 0, sizeof *out);
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    FILE *errors = tmpfile(); /* the child's standard error, for the assertion's message */
    pid_t pid = -1;
    if (pipe(fds) == 0) {
        pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
        }
    }
    if (pid < 0) {
        if (errors) fclose(errors);
        check__judge(j, c, out); /* no child: judge here, without the safety net */
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        if (errors) dup2(fileno(errors), STDERR_FILENO);
        check_outcome *o = malloc(sizeof *o);
        if (!o) _exit(3);
        check__judge(j, c, o);
        _exit(check_write_all(fds[1], o, sizeof *o) ? 0 : 3);
    }
    close(fds[1]);
    bool whole = check_read_all(fds[0], out, sizeof *out);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    if (!(whole && WIFEXITED(status) && WEXITSTATUS(status) == 0))
        check_crashed(c, status, errors, out);
    if (errors) fclose(errors);
}
