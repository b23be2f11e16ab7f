/*
 * world.c: the world (clock, queue, handlers, run hash) and its dispatch loop.
 *
 * Invariants: now_ns never decreases; every queued event lies at or after now_ns; sequence
 * numbers are handed out from 1 upwards and never reused, so seq 0 means "no event" to
 * sim_timer; the trace hash after n events depends only on the (time, kind, arg) of those n
 * events, in order, and is the same under every compiler and optimisation level (unsigned
 * 64-bit arithmetic only).
 *
 * Left out: real time of any sort, threads, and payload ownership (models keep their own).
 * The loop follows the shape of TigerBeetle's simulator tick and libuv's timer run: take the
 * earliest event, advance the clock to it, call its handler.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The trace hash starts from a fixed constant (not the seed), so two seeds that happen to
 * produce the same trace produce the same hash: the hash names the trace. */
#define WORLD_HASH_INITIAL UINT64_C(0x6b61666b6173696d) /* "kafkasim" */
#define WORLD_GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* ===================================================================================== */
/* Setup                                                                                 */
/* ===================================================================================== */

int sim_world_init(sim_world *w, const sim_world_options *opt) {
    memset(w, 0, sizeof(*w));
    w->opt = *opt;
    if (w->opt.time_max_ns <= 0) w->opt.time_max_ns = SIM_TIME_NEVER;
    w->seq_next = 1;
    w->hash = WORLD_HASH_INITIAL;
    w->status = SIM_RUNNING;
    if (sim_queue_init(&w->queue, opt->queue_capacity) != 0) return -1;
    return 0;
}

void sim_world_fini(sim_world *w) { sim_queue_fini(&w->queue); }

uint16_t sim_handler_add(sim_world *w, sim_handler_fn fn, void *ctx, const char *name) {
    SIM_ASSERT(w, fn != NULL);
    SIM_ASSERT(w, w->handler_count < SIM_HANDLERS_MAX);
    uint16_t kind = w->handler_count++;
    w->handlers[kind].fn = fn;
    w->handlers[kind].ctx = ctx;
    w->handlers[kind].name = name;
    return kind;
}

/* ===================================================================================== */
/* Scheduling and the loop                                                               */
/* ===================================================================================== */

uint64_t sim_schedule_nomem(sim_world *w) {
    sim_exhaust(w, "out of memory: the event queue could not grow past %zu events",
                w->queue.capacity);
    return 0;
}

/* Queues kind(arg) at (at_ns, seq). Returns false, with the world stopped (SIM_EXHAUSTED), when the
 * queue cannot grow. */
static bool world_push(sim_world *w, int64_t at_ns, uint64_t seq, uint16_t kind, uint64_t arg) {
    if (sim_queue_push_event(&w->queue, at_ns, seq << 16 | kind, arg) == 0) return true;
    sim_schedule_nomem(w);
    return false;
}

/* Queues t's event at (at_ns, seq) with the given sequence number, taken earlier. */
static void timer_queue(sim_world *w, sim_timer *t, int64_t at_ns, uint64_t seq, uint16_t kind,
                        uint64_t arg) {
    if (!world_push(w, at_ns, seq, kind, arg)) {
        t->queued_seq_kind = 0;
        return;
    }
    t->queued_seq_kind = seq << 16 | kind;
    t->queued_ns = at_ns;
    t->queued_arg = arg;
}

/* True when the event queued for t has not popped yet: events pop in (time, seq_kind) order,
 * so it is pending exactly when it orders after the event being dispatched. */
static inline bool timer_queued_pending(const sim_world *w, const sim_timer *t) {
    if (t->queued_seq_kind == 0) return false;
    if (t->queued_ns != w->now_ns) return t->queued_ns > w->now_ns;
    return t->queued_seq_kind > w->now_seq_kind;
}

uint64_t sim_seq_take(sim_world *w) {
    SIM_ASSERT(w, w->seq_next <= SIM_SEQ_MAX);
    return w->seq_next++;
}

/* Arms t at (at_ns, seq), seq taken at or before now. A pending event of the same kind and
 * argument that orders before the deadline will pop first and carry the timer on
 * (sim_timer_fired): nothing is queued then. */
static inline void timer_arm_at(sim_world *w, sim_timer *t, int64_t at_ns, uint64_t seq,
                                uint16_t kind, uint64_t arg) {
    uint64_t seq_kind = seq << 16 | kind;
    t->seq = seq;
    t->at_ns = at_ns;
    if (timer_queued_pending(w, t) && t->queued_arg == arg &&
        (uint16_t)t->queued_seq_kind == kind &&
        (t->queued_ns < at_ns || (t->queued_ns == at_ns && t->queued_seq_kind < seq_kind)))
        return;
    timer_queue(w, t, at_ns, seq, kind, arg);
}

void sim_timer_arm_seq(sim_world *w, sim_timer *t, int64_t at_ns, uint64_t seq, uint16_t kind,
                       uint64_t arg) {
    SIM_ASSERT(w, kind < w->handler_count);
    SIM_ASSERT(w, seq != 0 && seq < w->seq_next);
    bool after_now = at_ns > w->now_ns ||
                     (at_ns == w->now_ns && (seq << 16 | kind) > w->now_seq_kind);
    SIM_ASSERT(w, after_now);
    timer_arm_at(w, t, at_ns, seq, kind, arg);
}

void sim_timer_arm(sim_world *w, sim_timer *t, int64_t at_ns, uint16_t kind, uint64_t arg) {
    SIM_ASSERT(w, at_ns >= w->now_ns);
    SIM_ASSERT(w, kind < w->handler_count);
    SIM_ASSERT(w, w->seq_next <= SIM_SEQ_MAX);
    /* The newest number: a queued event at the same time always orders before it. */
    timer_arm_at(w, t, at_ns, w->seq_next++, kind, arg);
}

bool sim_timer_fired(sim_world *w, sim_timer *t, const sim_event *ev) {
    if (t->queued_seq_kind != ev->seq_kind || t->queued_ns != ev->time_ns ||
        t->queued_arg != ev->arg)
        return false; /* not the event the timer waits on */
    t->queued_seq_kind = 0;
    if (t->seq == 0) return false; /* cancelled */
    if (t->seq == sim_event_seq(ev)) {
        t->seq = 0;
        return true;
    }
    /* Armed again since this event was queued, for a later deadline. */
    timer_queue(w, t, t->at_ns, t->seq, sim_event_kind(ev), ev->arg);
    return false;
}

/* One round of a splitmix64-style finaliser (Stafford's mix13, as in Vigna's splitmix64.c)
 * over hash ^ value: every input bit reaches every output bit, in unsigned arithmetic that no
 * compiler may reorder differently. */
static inline uint64_t world_mix(uint64_t hash, uint64_t value) {
    uint64_t z = (hash ^ value) + WORLD_GOLDEN_GAMMA;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sim_hash_mix(sim_world *w, uint64_t value) { w->hash = world_mix(w->hash, value); }

/* ---- Checkpoints: events_max, the progress guard, the memory probe ----------------------- */

/* The next checkpoint: the least event count at which a limit, the guard or the probe wants a
 * look. UINT64_MAX when none does. */
static void world_checkpoint_plan(sim_world *w) {
    uint64_t at = w->opt.events_max != 0 ? w->opt.events_max : UINT64_MAX;
    if (w->opt.stall_events_max != 0 && w->stall_check_events < at) at = w->stall_check_events;
    if (w->memory_fn && w->opt.memory_max_bytes != 0 && w->memory_check_events < at)
        at = w->memory_check_events;
    w->check_events = at;
}

/* The progress guard's look: SIM_STALLED when neither the clock nor the progress count moved
 * since the last look, K events ago. */
static sim_status world_stall_look(sim_world *w) {
    if (w->now_ns == w->stall_now_ns && w->progress == w->stall_progress) return SIM_STALLED;
    w->stall_now_ns = w->now_ns;
    w->stall_progress = w->progress;
    w->stall_check_events = w->events + w->opt.stall_events_max;
    return SIM_RUNNING;
}

static sim_status world_memory_look(sim_world *w) {
    w->memory_bytes = w->memory_fn(w->memory_ctx, w);
    w->memory_check_events = w->events + SIM_MEMORY_CHECK_EVENTS;
    if (w->memory_bytes <= w->opt.memory_max_bytes) return SIM_RUNNING;
    sim_exhaust(w, "memory bound reached: the run holds %zu MB, more than sim.max.memory.mb=%zu",
                w->memory_bytes >> 20, w->opt.memory_max_bytes >> 20);
    return SIM_EXHAUSTED;
}

/* Called once events reaches check_events: the stop it calls for, or SIM_RUNNING with the
 * next checkpoint planned. */
static sim_status world_checkpoint(sim_world *w) {
    if (w->opt.events_max != 0 && w->events >= w->opt.events_max) return SIM_LIMIT_EVENTS;
    if (w->opt.stall_events_max != 0 && w->events >= w->stall_check_events &&
        world_stall_look(w) != SIM_RUNNING)
        return SIM_STALLED;
    if (w->memory_fn && w->opt.memory_max_bytes != 0 && w->events >= w->memory_check_events &&
        world_memory_look(w) != SIM_RUNNING)
        return SIM_EXHAUSTED;
    world_checkpoint_plan(w);
    return SIM_RUNNING;
}

/* Why the loop must stop before dispatching next (NULL when the queue is empty), or
 * SIM_RUNNING to go on. One comparison of the event count serves every count-based limit. */
static inline sim_status world_limit(sim_world *w, const sim_event *next) {
    if (next == NULL) return SIM_DRAINED;
    if (w->events >= w->check_events) {
        sim_status stop = world_checkpoint(w);
        if (stop != SIM_RUNNING) return stop;
    }
    if (next->time_ns > w->opt.time_max_ns) return SIM_LIMIT_TIME;
    return SIM_RUNNING;
}

sim_status sim_run(sim_world *w) {
    /* A failure is final; any other stop (a limit, the guard, sim_stop) may be resumed by
     * calling again, after raising the limit. The guard counts afresh from here. */
    if (w->status == SIM_FAILED || w->status == SIM_EXHAUSTED) return w->status;
    w->stall_now_ns = -1;
    w->stall_check_events = w->events + w->opt.stall_events_max;
    if (w->memory_check_events <= w->events) w->memory_check_events = w->events;
    world_checkpoint_plan(w);
    w->status = SIM_RUNNING;
    while (w->status == SIM_RUNNING) {
        sim_status stop = world_limit(w, sim_queue_peek(&w->queue));
        if (stop != SIM_RUNNING) {
            w->status = stop;
            break;
        }
        sim_event ev;
        sim_queue_pop(&w->queue, &ev);
        SIM_ASSERT(w, ev.time_ns >= w->now_ns);
        w->now_ns = ev.time_ns;
        w->now_seq_kind = ev.seq_kind;
        w->events++;
        uint16_t kind = sim_event_kind(&ev);
        w->hash = world_mix(w->hash, (uint64_t)ev.time_ns);
        w->hash = world_mix(w->hash, kind);
        w->hash = world_mix(w->hash, ev.arg);
        if (w->trace_fn != NULL) w->trace_fn(w->trace_ctx, w, &ev);
        const sim_handler *h = &w->handlers[kind];
        h->fn(h->ctx, w, &ev);
    }
    return w->status;
}

void sim_stop(sim_world *w) {
    if (w->status == SIM_RUNNING) w->status = SIM_STOPPED;
}

/* Stops the world with status (SIM_FAILED or SIM_EXHAUSTED) and the message; the first wins. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
static void world_stop_with(sim_world *w, sim_status status, const char *fmt, va_list ap) {
    if (w->status == SIM_FAILED || w->status == SIM_EXHAUSTED) return; /* the first wins */
    vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
    w->status = status;
}

void sim_fail(sim_world *w, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    world_stop_with(w, SIM_FAILED, fmt, ap);
    va_end(ap);
}

void sim_exhaust(sim_world *w, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    world_stop_with(w, SIM_EXHAUSTED, fmt, ap);
    va_end(ap);
}

/* ===================================================================================== */
/* Names, time and assertions                                                            */
/* ===================================================================================== */

const char *sim_status_name(sim_status s) {
    switch (s) {
    case SIM_RUNNING: return "running";
    case SIM_DRAINED: return "drained";
    case SIM_STOPPED: return "stopped";
    case SIM_LIMIT_TIME: return "limit-time";
    case SIM_LIMIT_EVENTS: return "limit-events";
    case SIM_FAILED: return "failed";
    case SIM_EXHAUSTED: return "exhausted";
    case SIM_STALLED: return "stalled";
    }
    return "unknown";
}

char *sim_time_format(int64_t t_ns, char *buf, size_t len) {
    if (len == 0) return buf;
    /* Magnitude in unsigned arithmetic, so INT64_MIN has one too. */
    uint64_t magnitude = t_ns < 0 ? (uint64_t)0 - (uint64_t)t_ns : (uint64_t)t_ns;
    uint64_t whole_ms = magnitude / (uint64_t)SIM_MS;
    uint64_t frac_us = magnitude % (uint64_t)SIM_MS / (uint64_t)SIM_US; /* truncated */
    snprintf(buf, len, "%s%" PRIu64 ".%03" PRIu64 "ms", t_ns < 0 ? "-" : "", whole_ms, frac_us);
    return buf;
}

_Noreturn void sim_assert_fail(const sim_world *w, const char *expr, const char *file, int line) {
    if (w != NULL) {
        char now[SIM_TIME_FORMAT_LEN];
        fprintf(stderr, "assertion failed: %s at %s:%d (seed %" PRIu64 ", t=%s)\n", expr, file,
                line, w->opt.seed, sim_time_format(w->now_ns, now, sizeof(now)));
    } else {
        fprintf(stderr, "assertion failed: %s at %s:%d\n", expr, file, line);
    }
    fflush(stderr);
    abort();
}
