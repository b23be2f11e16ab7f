/*
 * sweep_run.c: runs a sweep's share of runs in worker processes, journals each finished run,
 * resumes from a journal, and merges the journals of shards (see sweep.h for the files).
 *
 * Workers are fork()ed children. The parent hands each worker run indexes through a pipe (at
 * most SWEEP_WORKER_DEPTH outstanding, so a slow run never holds back more than one other) and
 * reads back one line per finished run; a worker runs its runs in the order it was given them,
 * so the first outstanding run of a worker that dies is the run that killed it. That run is
 * journalled as crashed; the others go back to the queue and a new worker takes over.
 *
 * Invariants: a run index is in at most one worker's outstanding list or the queue, never both;
 * done + queued + outstanding == the runs of this shard not journalled before the sweep started.
 *
 * The parent ignores SIGPIPE while workers live (a dead worker's pipe must not kill it) and
 * turns SIGINT into a flag; workers ignore SIGINT, so a ^C in the terminal stops the sweep in
 * one place, and every finished run is already in the journal.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */

#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "properties.h"

#define SWEEP_WORKER_DEPTH 2       /* runs handed to one worker ahead of its results */
#define SWEEP_LINE_MAX (SWEEP_ROW_MAX + 64) /* one result or journal line */
#define SWEEP_JOURNAL_MAGIC "# kafkasim-sweep-journal 1"

/* Set by the SIGINT handler; a signal handler can only reach a global. */
static volatile sig_atomic_t sweep_interrupted;

static void sweep_on_sigint(int signo) {
    (void)signo;
    sweep_interrupted = 1;
}

static int sweep_fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int sweep_write_full(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static char *sweep_strdup(const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy) memcpy(copy, text, len + 1);
    return copy;
}

void sweep_journal_path(const sweep_job *job, char *buf, size_t len) {
    if (job->shard_count <= 1) snprintf(buf, len, "%s/runs.journal", job->out_dir);
    else snprintf(buf, len, "%s/runs.%u-of-%u.journal", job->out_dir, job->shard_index,
                  job->shard_count);
}

/* ==== Journal ================================================================================ */

typedef struct sweep_header {
    uint64_t spec_hash;     /* sweep_spec_hash of the spec that wrote it */
    uint64_t runs;          /* runs of the whole sweep */
    unsigned shard_index;   /* I of I/N */
    unsigned shard_count;   /* N of I/N */
    char spec_path[SWEEP_PATH_MAX]; /* the spec, as an absolute path when it could be resolved */
} sweep_header;

static int sweep_header_format(const sweep_job *job, char *buf, size_t len) {
    char spec_path[SWEEP_PATH_MAX];
    if (!realpath(job->spec->path, spec_path)) snprintf(spec_path, sizeof spec_path, "%s",
                                                        job->spec->path);
    return snprintf(buf, len, SWEEP_JOURNAL_MAGIC " spec_hash=%016" PRIx64 " runs=%" PRIu64
                    " shard=%u/%u spec=%s\n", job->spec_hash, sweep_spec_run_count(job->spec),
                    job->shard_index, job->shard_count, spec_path);
}

static int sweep_header_parse(const char *line, sweep_header *h) {
    size_t magic_len = strlen(SWEEP_JOURNAL_MAGIC);
    int consumed = 0;
    if (strncmp(line, SWEEP_JOURNAL_MAGIC, magic_len) != 0) return -1;
    if (sscanf(line + magic_len, " spec_hash=%" SCNx64 " runs=%" SCNu64 " shard=%u/%u spec=%n",
               &h->spec_hash, &h->runs, &h->shard_index, &h->shard_count, &consumed) != 4 ||
        consumed == 0) {
        return -1;
    }
    snprintf(h->spec_path, sizeof h->spec_path, "%s", line + magic_len + consumed);
    h->spec_path[strcspn(h->spec_path, "\n")] = '\0';
    return 0;
}

/* The most bytes a journal of `runs` runs can hold: its header and one longest line per run
 * (a resumed journal is rewritten with each run once). */
static size_t sweep_journal_bytes_max(uint64_t runs) {
    uint64_t line = SWEEP_LINE_MAX + 64, max = 4096;
    if (runs > (UINT64_MAX - max) / line) return SIZE_MAX;
    max += runs * line;
    return max > SIZE_MAX ? SIZE_MAX : (size_t)max;
}

/* Reads a journal whole, within sweep_journal_bytes_max, into a NUL-terminated buffer (owned by
 * the caller): a regular file without NUL bytes. Returns it, or NULL with a message. */
static char *sweep_file_read(const char *path, uint64_t runs, size_t *len_out, char *err,
                             size_t err_len) {
    char *data = NULL;
    if (props_file_load(path, "a sweep journal", sweep_journal_bytes_max(runs), &data, len_out,
                        err, err_len) != 0) {
        return NULL;
    }
    const char *nul = memchr(data, '\0', *len_out);
    if (nul) {
        sweep_fail(err, err_len, "%s:%d: binary data (a NUL byte) in a sweep journal", path,
                   props_line_at(data, nul));
        free(data);
        return NULL;
    }
    return data;
}

/* One journal line "RUN,STATUS[,FIELDS]\tHASH" (newline removed): 0 and its parts, or -1. */
static int sweep_line_parse(char *line, uint64_t runs, uint64_t *run, const char **row) {
    char *tab = strrchr(line, '\t');
    char *end = NULL;
    if (!tab) return -1;
    *tab = '\0';
    uint64_t want = strtoull(tab + 1, &end, 16);
    if (end == tab + 1 || *end != '\0' || strlen(tab + 1) != 16) return -1;
    if (sweep_fnv1a(SWEEP_FNV_OFFSET, line, strlen(line)) != want) return -1;
    if (line[0] < '0' || line[0] > '9') return -1;
    *run = strtoull(line, &end, 10);
    if (*end != ',' || *run >= runs) return -1;
    *row = end + 1;
    if (strncmp(*row, "ok", 2) != 0 && strncmp(*row, "failed", 6) != 0 &&
        strncmp(*row, "crashed", 7) != 0) {
        return -1;
    }
    return 0;
}

/* Loads the finished runs of a journal into rows (each an owned "STATUS,FIELDS" copy). A run
 * already present must carry the same text: results that differ mean a nondeterministic model.
 * *torn counts lines ignored as torn or corrupt. Returns 0 or -1 with a message. */
static int sweep_journal_load(const char *path, const sweep_header *want, char **rows,
                              size_t *torn, char *err, size_t err_len) {
    size_t len = 0;
    char *data = sweep_file_read(path, want->runs, &len, err, err_len);
    sweep_header h;
    int rc = 0;
    if (!data) return -1;
    char *line = data, *newline = strchr(data, '\n');
    if (!newline || sweep_header_parse(data, &h) != 0) {
        rc = sweep_fail(err, err_len, "%s: not a kafkasim sweep journal", path);
    } else if (h.spec_hash != want->spec_hash || h.runs != want->runs) {
        rc = sweep_fail(err, err_len, "%s: written for another spec (spec_hash %016" PRIx64
                        ", %" PRIu64 " runs; this spec: %016" PRIx64 ", %" PRIu64 " runs)", path,
                        h.spec_hash, h.runs, want->spec_hash, want->runs);
    }
    for (line = newline ? newline + 1 : data + len; rc == 0 && line < data + len; line = newline + 1) {
        newline = strchr(line, '\n');
        uint64_t run = 0;
        const char *row = NULL;
        if (!newline) { /* the tail of a write cut short */
            (*torn)++;
            break;
        }
        *newline = '\0';
        if (sweep_line_parse(line, want->runs, &run, &row) != 0) {
            (*torn)++;
            continue;
        }
        if (rows[run] && strcmp(rows[run], row) != 0) {
            rc = sweep_fail(err, err_len, "%s: run %" PRIu64 " differs from another journal "
                            "(\"%s\" vs \"%s\"): the results are not deterministic", path, run,
                            row, rows[run]);
        } else if (!rows[run] && !(rows[run] = sweep_strdup(row))) {
            rc = sweep_fail(err, err_len, "out of memory");
        }
    }
    free(data);
    return rc;
}

static int sweep_journal_append(int fd, uint64_t run, const char *row) {
    char line[SWEEP_LINE_MAX + 32];
    int n = snprintf(line, sizeof line, "%" PRIu64 ",%s", run, row);
    if (n < 0 || (size_t)n + 18 >= sizeof line) return -1;
    uint64_t h = sweep_fnv1a(SWEEP_FNV_OFFSET, line, (size_t)n);
    n += snprintf(line + n, sizeof line - (size_t)n, "\t%016" PRIx64 "\n", h);
    return sweep_write_full(fd, line, (size_t)n); /* one write: the line lands whole or not */
}

/* Writes a fresh journal holding the header and rows, through a temporary file and rename():
 * a resumed sweep starts from a journal without torn lines. Returns an O_APPEND fd or -1. */
static int sweep_journal_rewrite(const sweep_job *job, const char *path, char *const *rows,
                                 char *err, size_t err_len) {
    char tmp[SWEEP_PATH_MAX], header[SWEEP_PATH_MAX + 256];
    uint64_t runs = sweep_spec_run_count(job->spec);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()); /* no other process's name */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = sweep_header_format(job, header, sizeof header);
    int rc = (fd < 0 || sweep_write_full(fd, header, (size_t)n) != 0) ? -1 : 0;
    for (uint64_t run = 0; run < runs && rc == 0; run++) {
        if (rows[run]) rc = sweep_journal_append(fd, run, rows[run]);
    }
    if (fd >= 0 && close(fd) != 0) rc = -1;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1;
    if (rc != 0) {
        int reason = errno;
        unlink(tmp);
        return sweep_fail(err, err_len, "%s: %s", tmp, strerror(reason));
    }
    fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0) return sweep_fail(err, err_len, "%s: %s", path, strerror(errno));
    return fd;
}

/* ==== Workers ================================================================================ */

typedef struct sweep_worker {
    pid_t pid;                  /* 0 when no process runs in this slot */
    int cmd_fd;                 /* parent -> worker: run indexes, uint64_t in host order */
    int result_fd;              /* worker -> parent: "RUN,STATUS,FIELDS\n" lines */
    uint64_t outstanding[SWEEP_WORKER_DEPTH]; /* runs handed out, in the order given */
    size_t outstanding_count;   /* entries of outstanding */
    char *buf;                  /* bytes read but not yet a whole line */
    size_t buf_len;             /* bytes in buf */
} sweep_worker;

typedef struct sweep_pool {
    const sweep_job *job;       /* borrowed */
    sweep_worker *workers;      /* owned, job->jobs slots */
    unsigned worker_count;      /* slots */
    const uint64_t *queue;      /* borrowed: runs to do, ascending */
    size_t queue_next;          /* first run of queue not yet handed out */
    size_t queue_count;         /* entries of queue */
    uint64_t *retry;            /* owned: runs handed back by a dead worker */
    size_t retry_count;         /* entries of retry */
    int journal_fd;             /* O_APPEND journal */
    char **rows;                /* rows by run index, filled as runs finish */
    size_t done;                /* runs finished in this session */
    size_t already;             /* runs of this shard finished before it (resume) */
    size_t failed;              /* runs failed or crashed in this session */
    double started_s;           /* wall clock at start, for runs/s */
    double printed_s;           /* wall clock of the last progress line */
} sweep_pool;

static double sweep_wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the command's own speed, never the simulation's */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The worker process: run what the parent sends until the pipe closes. Never returns. */
static void sweep_worker_main(const sweep_job *job, int cmd_fd, int result_fd) {
    char *fields = malloc(SWEEP_ROW_MAX), *line = malloc(SWEEP_LINE_MAX);
    uint64_t run;
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_DFL);
    if (!fields || !line) _exit(SWEEP_WORKER_EXIT_EXHAUSTED);
    for (;;) {
        ssize_t n = read(cmd_fd, &run, sizeof run);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof run) _exit(0); /* the parent closed the pipe, or died */
        size_t cell = (size_t)(run / job->spec->seed_count);
        uint64_t seed = job->spec->seeds[run % job->spec->seed_count];
        fields[0] = '\0';
        int rc = job->run(job->run_ctx, job->spec, cell, seed, fields, SWEEP_ROW_MAX);
        if (rc == SWEEP_RUN_EXHAUSTED) _exit(SWEEP_WORKER_EXIT_EXHAUSTED); /* no result */
        if (rc != SWEEP_RUN_OK) {
            if (rc != SWEEP_RUN_FAILED) fields[0] = '\0';
            rc = SWEEP_RUN_FAILED;
        }
        size_t commas = 0;
        for (const char *p = fields; *p; p++) commas += (*p == ',');
        if (strpbrk(fields, "\n\t") || (fields[0] && commas + 1 != job->field_count)) {
            fprintf(stderr, "kafkasim sweep: run %" PRIu64 ": %zu fields, want %zu\n", run,
                    fields[0] ? commas + 1 : 0, job->field_count);
            abort(); /* a run function that breaks the row format is a bug: crash the run */
        }
        int len = snprintf(line, SWEEP_LINE_MAX, "%" PRIu64 ",%s%s%s\n", run,
                           rc == SWEEP_RUN_OK ? "ok" : "failed", fields[0] ? "," : "", fields);
        if (len < 0 || len >= SWEEP_LINE_MAX) abort();
        if (sweep_write_full(result_fd, line, (size_t)len) != 0) _exit(0);
    }
}

static int sweep_worker_spawn(sweep_pool *p, sweep_worker *w) {
    int cmd[2], result[2];
    if (pipe(cmd) != 0) return -1;
    if (pipe(result) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return -1;
    }
    fflush(NULL); /* a child must not repeat the parent's buffered output */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* Other workers' pipes and the journal stay with the parent alone: a worker holding
         * another's command pipe would keep it from seeing the parent go away. */
        for (unsigned i = 0; i < p->worker_count; i++) {
            if (p->workers[i].pid == 0) continue;
            close(p->workers[i].cmd_fd);
            close(p->workers[i].result_fd);
        }
        close(p->journal_fd);
        close(cmd[1]);
        close(result[0]);
        sweep_worker_main(p->job, cmd[0], result[1]);
    }
    close(cmd[0]);
    close(result[1]);
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->result_fd = result[0];
    w->outstanding_count = 0;
    w->buf_len = 0;
    return 0;
}

static bool sweep_pool_has_work(const sweep_pool *p) {
    return p->retry_count > 0 || p->queue_next < p->queue_count;
}

static int sweep_worker_feed(sweep_pool *p, sweep_worker *w) {
    while (w->outstanding_count < SWEEP_WORKER_DEPTH && sweep_pool_has_work(p)) {
        uint64_t run = p->retry_count > 0 ? p->retry[--p->retry_count] : p->queue[p->queue_next++];
        w->outstanding[w->outstanding_count++] = run;
        if (sweep_write_full(w->cmd_fd, (const char *)&run, sizeof run) != 0) {
            return 0; /* the worker is gone; its EOF hands the run back */
        }
    }
    return 0;
}

/* Journals one finished run and keeps its row. */
static int sweep_pool_finish(sweep_pool *p, uint64_t run, const char *row, char *err,
                             size_t err_len) {
    if (sweep_journal_append(p->journal_fd, run, row) != 0) {
        return sweep_fail(err, err_len, "journal: %s", strerror(errno));
    }
    p->rows[run] = sweep_strdup(row);
    if (!p->rows[run]) return sweep_fail(err, err_len, "out of memory");
    p->done++;
    if (strncmp(row, "ok", 2) != 0) {
        const sweep_spec *s = p->job->spec;
        p->failed++;
        fprintf(p->job->log, "%skafkasim sweep: run %" PRIu64 " (cell %" PRIu64 ", seed %" PRIu64
                ") %s\n", p->job->progress ? "\r\x1b[K" : "", run, run / s->seed_count,
                s->seeds[run % s->seed_count], row[0] == 'c' ? "crashed" : "failed");
    }
    return 0;
}

/* Takes the whole lines of w's buffer: each must be the worker's first outstanding run. */
static int sweep_worker_lines(sweep_pool *p, sweep_worker *w, char *err, size_t err_len) {
    char *start = w->buf, *newline;
    while ((newline = memchr(start, '\n', (size_t)(w->buf + w->buf_len - start))) != NULL) {
        *newline = '\0';
        char *end = NULL;
        uint64_t run = strtoull(start, &end, 10);
        if (w->outstanding_count == 0 || *end != ',' || run != w->outstanding[0]) {
            return sweep_fail(err, err_len, "worker %ld sent run text out of order: %s",
                              (long)w->pid, start);
        }
        memmove(w->outstanding, w->outstanding + 1, --w->outstanding_count * sizeof run);
        if (sweep_pool_finish(p, run, end + 1, err, err_len) != 0) return -1;
        start = newline + 1;
    }
    w->buf_len -= (size_t)(start - w->buf);
    memmove(w->buf, start, w->buf_len);
    if (w->buf_len == SWEEP_LINE_MAX) return sweep_fail(err, err_len, "worker line too long");
    return 0;
}

/* True when a worker that ended with status ended by itself: the run crashed it (an assertion's
 * abort, a fault of memory access or arithmetic, an exit other than the ones below). False when
 * something outside ended it (SIGKILL from the OOM killer or kill -9, SIGTERM, SIGHUP, ...) or
 * the run ran out of memory (SWEEP_WORKER_EXIT_EXHAUSTED): the run has no result of its own. */
static bool sweep_worker_ended_itself(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status) != SWEEP_WORKER_EXIT_EXHAUSTED;
    if (!WIFSIGNALED(status)) return false;
    int sig = WTERMSIG(status);
    return sig == SIGABRT || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
           sig == SIGSYS || sig == SIGTRAP;
}

/* A worker's pipe closed: its first outstanding run ended it; the others go back. A run that
 * crashed its worker is journalled as crashed. One whose worker was ended from outside or ran
 * out of memory is not journalled (so --resume runs it again) and stops the sweep:
 * SWEEP_EXIT_INTERRUPTED or SWEEP_EXIT_EXHAUSTED. */
static int sweep_worker_lost(sweep_pool *p, sweep_worker *w, char *err, size_t err_len) {
    int status = 0;
    close(w->cmd_fd);
    close(w->result_fd);
    waitpid(w->pid, &status, 0);
    w->pid = 0;
    if (w->outstanding_count == 0) return 0;
    uint64_t crashed = w->outstanding[0];
    for (size_t i = 1; i < w->outstanding_count; i++) p->retry[p->retry_count++] = w->outstanding[i];
    w->outstanding_count = 0;
    const char *clear = p->job->progress ? "\r\x1b[K" : "";
    if (!sweep_worker_ended_itself(status)) {
        p->retry[p->retry_count++] = crashed; /* counted as not done */
        if (WIFSIGNALED(status)) {
            fprintf(p->job->log, "%skafkasim sweep: run %" PRIu64 ": its worker was ended from "
                    "outside (signal %d: the OOM killer, kill or a shutdown); the run is not "
                    "journalled\n", clear, crashed, WTERMSIG(status));
            return SWEEP_EXIT_INTERRUPTED;
        }
        fprintf(p->job->log, "%skafkasim sweep: run %" PRIu64 ": out of memory; the run is not "
                "journalled\n", clear, crashed);
        return SWEEP_EXIT_EXHAUSTED;
    }
    if (WIFSIGNALED(status)) {
        fprintf(p->job->log, "%skafkasim sweep: run %" PRIu64 ": worker killed by signal %d\n",
                clear, crashed, WTERMSIG(status));
    }
    return sweep_pool_finish(p, crashed, "crashed", err, err_len);
}

static void sweep_pool_progress(sweep_pool *p, bool last) {
    if (!p->job->progress) return;
    double now = sweep_wall_s();
    if (!last && now - p->printed_s < 0.2) return;
    p->printed_s = now;
    double rate = (double)p->done / (now - p->started_s > 1e-6 ? now - p->started_s : 1e-6);
    size_t total = p->already + p->queue_count;
    double left_s = rate > 0 ? (double)(p->queue_count - p->done) / rate : 0;
    fprintf(stderr, "\r\x1b[Ksweep: %zu/%zu runs, %.1f runs/s, %.0fs left%s",
            p->already + p->done, total, rate, left_s, last ? "\n" : "");
    fflush(stderr);
}

/* Hands out work and takes results until every queued run is journalled. */
static int sweep_pool_loop(sweep_pool *p, struct pollfd *fds, sweep_worker **polled, char *err,
                           size_t err_len) {
    while (p->done < p->queue_count) {
        if (sweep_interrupted) return SWEEP_EXIT_INTERRUPTED;
        nfds_t nfds = 0;
        for (unsigned i = 0; i < p->worker_count; i++) {
            sweep_worker *w = &p->workers[i];
            if (w->pid == 0 && sweep_pool_has_work(p) && sweep_worker_spawn(p, w) != 0) {
                return sweep_fail(err, err_len, "cannot start a worker: %s", strerror(errno));
            }
            if (w->pid != 0) sweep_worker_feed(p, w);
            if (w->pid != 0 && w->outstanding_count > 0) {
                fds[nfds] = (struct pollfd){.fd = w->result_fd, .events = POLLIN};
                polled[nfds++] = w;
            }
        }
        int ready = poll(fds, nfds, 200);
        if (ready < 0 && errno != EINTR) return sweep_fail(err, err_len, "poll: %s", strerror(errno));
        for (nfds_t i = 0; ready > 0 && i < nfds; i++) {
            sweep_worker *w = polled[i];
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(w->result_fd, w->buf + w->buf_len, SWEEP_LINE_MAX - w->buf_len);
            if (n < 0 && errno == EINTR) continue;
            int rc = n > 0 ? (w->buf_len += (size_t)n, sweep_worker_lines(p, w, err, err_len))
                           : sweep_worker_lost(p, w, err, err_len);
            if (rc != 0) return rc;
        }
        sweep_pool_progress(p, false);
    }
    return 0;
}

/* Ends every worker: closing its command pipe lets an idle one exit; after SIGINT the busy
 * ones are told to stop (SIGTERM) rather than waited for. */
static void sweep_pool_stop(sweep_pool *p, bool now) {
    for (unsigned i = 0; i < p->worker_count; i++) {
        sweep_worker *w = &p->workers[i];
        if (w->pid == 0) continue;
        close(w->cmd_fd);
        if (now) kill(w->pid, SIGTERM);
        waitpid(w->pid, NULL, 0);
        close(w->result_fd);
        w->pid = 0;
    }
}

/* Runs queue[0..count) in job->jobs workers. Returns 0, SWEEP_EXIT_INTERRUPTED, or -1. */
static int sweep_pool_run(sweep_pool *p, char *err, size_t err_len) {
    const sweep_job *job = p->job;
    p->worker_count = job->jobs < 1 ? 1 : job->jobs;
    if (p->worker_count > p->queue_count) p->worker_count = (unsigned)(p->queue_count ? p->queue_count : 1);
    p->workers = calloc(p->worker_count, sizeof *p->workers);
    p->retry = calloc((size_t)p->worker_count * SWEEP_WORKER_DEPTH, sizeof *p->retry);
    struct pollfd *fds = calloc(p->worker_count, sizeof *fds);
    sweep_worker **polled = calloc(p->worker_count, sizeof *polled);
    int rc = (p->workers && p->retry && fds && polled) ? 0 : sweep_fail(err, err_len, "out of memory");
    for (unsigned i = 0; rc == 0 && i < p->worker_count; i++) {
        p->workers[i].buf = malloc(SWEEP_LINE_MAX);
        if (!p->workers[i].buf) rc = sweep_fail(err, err_len, "out of memory");
    }
    struct sigaction on_pipe = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&on_pipe.sa_mask);
    sigaction(SIGPIPE, &on_pipe, &old_pipe);
    p->started_s = sweep_wall_s();
    if (rc == 0) rc = sweep_pool_loop(p, fds, polled, err, err_len);
    sweep_pool_stop(p, rc != 0);
    sweep_pool_progress(p, true);
    sigaction(SIGPIPE, &old_pipe, NULL);
    for (unsigned i = 0; p->workers && i < p->worker_count; i++) free(p->workers[i].buf);
    free(p->workers);
    free(p->retry);
    free(fds);
    free(polled);
    return rc;
}

/* ==== The output folder ===================================================================== */

/* Creates dir and its missing parents (mkdir -p). Returns 0, or -1 with a message. */
static int sweep_mkdirs(const char *dir, char *err, size_t err_len) {
    char path[SWEEP_OUT_MAX + 1];
    size_t len = strlen(dir);
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        if (path[i - 1] == '/') continue; /* "a//b" */
        char keep = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            int reason = errno;
            return sweep_fail(err, err_len, "--out %s: cannot create %s: %s", dir, path,
                              strerror(reason));
        }
        path[i] = keep;
    }
    return 0;
}

/* OUT as a folder this process may write into: its length, its parents, its type, its
 * permissions. Returns 0, or -1 with a message that names what is wrong and what is allowed. */
static int sweep_out_prepare(const char *dir, char *err, size_t err_len) {
    struct stat st;
    size_t len = strlen(dir);
    if (len == 0 || len > SWEEP_OUT_MAX) {
        return sweep_fail(err, err_len, "--out: a path of %zu bytes; allowed: 1 .. %d bytes",
                          len, SWEEP_OUT_MAX);
    }
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        return sweep_fail(err, err_len, "--out %s: exists and is not a folder; allowed: a folder, "
                          "or a path where one can be created", dir);
    }
    if (sweep_mkdirs(dir, err, err_len) != 0) return -1;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return sweep_fail(err, err_len, "--out %s: not a folder after creating it: %s", dir,
                          strerror(errno));
    }
    if (access(dir, W_OK | X_OK) != 0) {
        return sweep_fail(err, err_len, "--out %s: cannot write into this folder: %s", dir,
                          strerror(errno));
    }
    return 0;
}

/* Takes OUT's lock for this job (sweep.lock, or sweep.I-of-N.lock for a shard, whose journals
 * differ) into path. A POSIX record lock: held by this process only (workers do not inherit
 * it), released by the kernel however the process ends. The file is removed at unlock; a file
 * left by a killed sweep is not held and is taken over. Returns the lock's descriptor, or -1
 * with a message (another process holds it). */
static int sweep_out_lock(const sweep_job *job, bool whole, char *path, size_t len, char *err,
                          size_t err_len) {
    if (whole || job->shard_count <= 1) snprintf(path, len, "%s/sweep.lock", job->out_dir);
    else snprintf(path, len, "%s/sweep.%u-of-%u.lock", job->out_dir, job->shard_index,
                  job->shard_count);
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0) return sweep_fail(err, err_len, "%s: %s", path, strerror(errno));
        struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &lock) != 0) {
            int reason = errno;
            struct flock holder = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            long pid = fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK
                           ? (long)holder.l_pid : 0;
            close(fd);
            if (reason != EACCES && reason != EAGAIN) {
                return sweep_fail(err, err_len, "%s: cannot lock: %s", path, strerror(reason));
            }
            return sweep_fail(err, err_len, "--out %s: another sweep (process %ld) is writing "
                              "into this folder; allowed: one sweep per --out at a time (wait "
                              "for it, or choose another --out)", job->out_dir, pid);
        }
        /* Held; but the file may have been removed by its last holder between our open and
         * our lock, and a third process may hold a new one under the name: then again. */
        struct stat mine, named;
        if (fstat(fd, &mine) == 0 && stat(path, &named) == 0 && mine.st_ino == named.st_ino &&
            mine.st_dev == named.st_dev) {
            return fd;
        }
        close(fd);
    }
    return sweep_fail(err, err_len, "%s: the lock file keeps changing; allowed: one sweep per "
                      "--out at a time", path);
}

static void sweep_out_unlock(int fd, const char *path) {
    if (fd < 0) return;
    unlink(path); /* while held: a waiting process then finds the name gone and retries */
    close(fd);
}

/* SIGINT becomes sweep_interrupted from the journal's opening to the last result file. */
typedef struct sweep_sigint {
    struct sigaction old;   /* the handler before, restored at the end */
} sweep_sigint;

static void sweep_sigint_catch(sweep_sigint *s) {
    struct sigaction on_int = {.sa_handler = sweep_on_sigint};
    sigemptyset(&on_int.sa_mask);
    sweep_interrupted = 0;
    sigaction(SIGINT, &on_int, &s->old); /* no SA_RESTART: poll returns at once */
}

static void sweep_sigint_release(sweep_sigint *s) { sigaction(SIGINT, &s->old, NULL); }

/* Writes the results with SIGINT caught: a ^C while they are written lets them be finished
 * (through temporary files and rename, so a reader sees whole files), then is reported.
 * Returns 0, SWEEP_EXIT_INTERRUPTED (the results complete) or -1 with a message. */
static int sweep_results_finish(const sweep_job *job, char *const *rows, char *err,
                                size_t err_len) {
    if (sweep_results_write(job, rows, err, err_len) != 0) return -1;
    if (!sweep_interrupted) return 0;
    fprintf(job->log, "kafkasim sweep: interrupted while the results were written; they were "
            "finished first and are complete in %s\n", job->out_dir);
    return SWEEP_EXIT_INTERRUPTED;
}

/* ==== Sweep and merge ======================================================================== */

static void sweep_rows_free(char **rows, uint64_t runs) {
    for (uint64_t i = 0; rows && i < runs; i++) free(rows[i]);
    free(rows);
}

/* Opens the journal: a fresh one, or (with --resume) the old one's finished runs, rewritten
 * without its torn lines. Returns an O_APPEND fd, or -1 with a message. */
static int sweep_journal_open(const sweep_job *job, char **rows, char *err, size_t err_len) {
    char path[SWEEP_PATH_MAX];
    struct stat st;
    sweep_journal_path(job, path, sizeof path);
    if (stat(path, &st) == 0) {
        sweep_header want = {.spec_hash = job->spec_hash, .runs = sweep_spec_run_count(job->spec)};
        size_t torn = 0;
        if (!job->resume) {
            return sweep_fail(err, err_len, "%s exists; allowed: --resume to finish that sweep, "
                              "or another --out", path);
        }
        if (sweep_journal_load(path, &want, rows, &torn, err, err_len) != 0) return -1;
        if (torn > 0) fprintf(job->log, "kafkasim sweep: %s: %zu torn line(s) ignored; those "
                              "runs run again\n", path, torn);
    }
    return sweep_journal_rewrite(job, path, rows, err, err_len);
}

int sweep_execute(const sweep_job *job, char *err, size_t err_len) {
    uint64_t runs = sweep_spec_run_count(job->spec);
    char **rows = calloc(runs ? runs : 1, sizeof *rows);
    uint64_t *queue = calloc(runs ? runs : 1, sizeof *queue);
    sweep_pool pool = {.job = job, .queue = queue, .rows = rows, .journal_fd = -1};
    char lock_path[SWEEP_PATH_MAX];
    int lock_fd = -1;
    sweep_sigint sigint;
    int rc = (rows && queue) ? 0 : sweep_fail(err, err_len, "out of memory");
    if (rc == 0) rc = sweep_out_prepare(job->out_dir, err, err_len);
    if (rc == 0 && (lock_fd = sweep_out_lock(job, false, lock_path, sizeof lock_path, err,
                                             err_len)) < 0) {
        rc = -1;
    }
    sweep_sigint_catch(&sigint);
    if (rc == 0 && (pool.journal_fd = sweep_journal_open(job, rows, err, err_len)) < 0) rc = -1;
    for (uint64_t run = 0; rc == 0 && run < runs; run++) {
        if (run % job->shard_count != job->shard_index - 1) continue;
        if (rows[run]) pool.already++;
        else queue[pool.queue_count++] = run;
    }
    if (rc == 0) rc = sweep_pool_run(&pool, err, err_len);
    if (pool.journal_fd >= 0) close(pool.journal_fd);
    if (rc == SWEEP_EXIT_INTERRUPTED || rc == SWEEP_EXIT_EXHAUSTED) {
        char path[SWEEP_PATH_MAX];
        sweep_journal_path(job, path, sizeof path);
        fprintf(job->log, "kafkasim sweep: %s after %zu of %zu runs; they are in %s, "
                "and --resume finishes the sweep\n",
                rc == SWEEP_EXIT_EXHAUSTED ? "stopped" : "interrupted", pool.already + pool.done,
                pool.already + pool.queue_count, path);
    } else if (rc == 0 && job->shard_count > 1) {
        fprintf(job->log, "kafkasim sweep: shard %u/%u done; join the shards with kafkasim "
                "sweep --merge OUT DIR...\n", job->shard_index, job->shard_count);
    } else if (rc == 0) {
        rc = sweep_results_finish(job, rows, err, err_len);
    }
    sweep_sigint_release(&sigint);
    sweep_out_unlock(lock_fd, lock_path);
    size_t failed = 0;
    for (uint64_t run = 0; rc == 0 && run < runs; run++) {
        failed += rows[run] && strncmp(rows[run], "ok", 2) != 0;
    }
    sweep_rows_free(rows, runs);
    free(queue);
    if (rc == SWEEP_EXIT_INTERRUPTED || rc == SWEEP_EXIT_EXHAUSTED) return rc;
    return rc != 0 ? 2 : failed > 0 ? 1 : 0;
}

static int sweep_name_compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The runs*.journal files of a folder, in name order (readdir's order is the disk's). */
static int sweep_dir_journals(const char *input, char ***names_out, size_t *count_out, char *err,
                              size_t err_len) {
    DIR *dir = opendir(input);
    char **names = NULL;
    size_t count = 0;
    int rc = dir ? 0 : sweep_fail(err, err_len, "%s: %s", input, strerror(errno));
    for (struct dirent *e; rc == 0 && (e = readdir(dir)) != NULL;) {
        size_t len = strlen(e->d_name), size = strlen(input) + len + 2;
        if (strncmp(e->d_name, "runs", 4) != 0 || len < 12 ||
            strcmp(e->d_name + len - 8, ".journal") != 0) {
            continue;
        }
        char **grown = realloc(names, (count + 1) * sizeof *names);
        if (grown) names = grown;
        if (!grown || !(names[count] = malloc(size))) {
            rc = sweep_fail(err, err_len, "out of memory");
            break;
        }
        snprintf(names[count++], size, "%s/%s", input, e->d_name);
    }
    if (dir) closedir(dir);
    if (count > 1) qsort(names, count, sizeof *names, sweep_name_compare);
    *names_out = names;
    *count_out = count;
    return rc;
}

static void sweep_names_free(char **names, size_t count) {
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* Loads one journal file, or every runs*.journal of a folder. */
static int sweep_merge_input(const char *input, const sweep_header *want, char **rows,
                             size_t *journals, char *err, size_t err_len) {
    struct stat st;
    size_t torn = 0, count = 0;
    char **names = NULL;
    if (stat(input, &st) != 0) return sweep_fail(err, err_len, "%s: %s", input, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        (*journals)++;
        int rc = sweep_journal_load(input, want, rows, &torn, err, err_len);
        if (rc == 0 && torn > 0) {
            rc = sweep_fail(err, err_len, "%s: %zu torn line(s); allowed: finished shards "
                            "(finish this one with --resume)", input, torn);
        }
        return rc;
    }
    int rc = sweep_dir_journals(input, &names, &count, err, err_len);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = sweep_merge_input(names[i], want, rows, journals, err, err_len);
    }
    sweep_names_free(names, count);
    return rc;
}

int sweep_journal_spec(const char *input, char *path, size_t len, char *err, size_t err_len) {
    struct stat st;
    char **names = NULL, line[SWEEP_PATH_MAX + 256];
    size_t count = 0;
    sweep_header h;
    if (stat(input, &st) != 0) return sweep_fail(err, err_len, "%s: %s", input, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        return sweep_fail(err, err_len, "%s: not a regular file or a folder; allowed: a sweep "
                          "journal or a folder of them", input);
    }
    if (S_ISDIR(st.st_mode) && sweep_dir_journals(input, &names, &count, err, err_len) != 0) {
        sweep_names_free(names, count);
        return -1;
    }
    const char *file = S_ISDIR(st.st_mode) ? (count ? names[0] : NULL) : input;
    FILE *f = file ? fopen(file, "r") : NULL;
    int rc = (f && fgets(line, sizeof line, f) && sweep_header_parse(line, &h) == 0) ? 0 : -1;
    if (rc != 0) sweep_fail(err, err_len, "%s: no kafkasim sweep journal here", input);
    else snprintf(path, len, "%s", h.spec_path);
    if (f) fclose(f);
    sweep_names_free(names, count);
    return rc;
}

int sweep_merge(const sweep_job *job, char *const *inputs, size_t input_count, char *err,
                size_t err_len) {
    uint64_t runs = sweep_spec_run_count(job->spec), missing = 0, first_missing = 0;
    sweep_header want = {.spec_hash = job->spec_hash, .runs = runs};
    char **rows = calloc(runs ? runs : 1, sizeof *rows);
    size_t journals = 0, failed = 0;
    int rc = rows ? 0 : sweep_fail(err, err_len, "out of memory");
    for (size_t i = 0; rc == 0 && i < input_count; i++) {
        rc = sweep_merge_input(inputs[i], &want, rows, &journals, err, err_len);
    }
    if (rc == 0 && journals == 0) rc = sweep_fail(err, err_len, "no runs*.journal in the inputs");
    for (uint64_t run = 0; rc == 0 && run < runs; run++) {
        if (!rows[run] && missing++ == 0) first_missing = run;
        failed += rows[run] && strncmp(rows[run], "ok", 2) != 0;
    }
    if (rc == 0 && missing > 0) {
        rc = sweep_fail(err, err_len, "%" PRIu64 " of %" PRIu64 " runs are in no journal (the "
                        "first: run %" PRIu64 "); allowed: the journals of every shard, each "
                        "finished", missing, runs, first_missing);
    }
    char lock_path[SWEEP_PATH_MAX];
    int lock_fd = -1;
    sweep_sigint sigint;
    if (rc == 0) rc = sweep_out_prepare(job->out_dir, err, err_len);
    if (rc == 0 && (lock_fd = sweep_out_lock(job, true, lock_path, sizeof lock_path, err,
                                             err_len)) < 0) {
        rc = -1;
    }
    sweep_sigint_catch(&sigint);
    if (rc == 0) rc = sweep_results_finish(job, rows, err, err_len);
    sweep_sigint_release(&sigint);
    sweep_out_unlock(lock_fd, lock_path);
    sweep_rows_free(rows, runs);
    if (rc == SWEEP_EXIT_INTERRUPTED) return rc;
    return rc != 0 ? 2 : failed > 0 ? 1 : 0;
}
