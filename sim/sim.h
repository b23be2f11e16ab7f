/*
 * sim.h: the discrete-event kernel of kafkasim.
 *
 * A world is a clock, an event queue, a table of handlers and a running hash of every
 * dispatched event. Time is int64 nanoseconds and only sim_run() advances it. Events are
 * ordered by (time, sequence number given at schedule time): two events at the same time fire
 * in the order they were scheduled, so the order is total and never depends on pointers.
 *
 * The kernel knows nothing of Kafka. Models register handlers, schedule events carrying one
 * 64-bit argument, and keep their own payloads (an event never owns memory).
 *
 * Cancellation is a tombstone, as in Redis' ae.c: the owner of a timer (sim_timer) forgets its
 * deadline to cancel; a stale event is still popped, and the handler drops it with
 * sim_timer_fired(). That keeps events at 24 bytes and cancel at O(1). A timer keeps at most
 * one event queued and carries it on to a later deadline when it pops, so re-arming costs no
 * queue space either (see sim_timer below).
 *
 * Two worlds share nothing: every piece of state hangs off sim_world.
 */
#ifndef KAFKASIM_SIM_H
#define KAFKASIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcg32.h"

#define SIM_NS ((int64_t)1)
#define SIM_US ((int64_t)1000)
#define SIM_MS ((int64_t)1000000)
#define SIM_S ((int64_t)1000000000)
#define SIM_TIME_NEVER INT64_MAX

#define SIM_HANDLERS_MAX 128    /* event kinds one world can register: a world of 16 brokers
                                 * (each with both coordinators), 8 producers and 7 consumers
                                 * registers 75 */
#define SIM_SEQ_BITS 48         /* sequence numbers live above the 16 kind bits */

/* One pending event: 24 bytes, stored inline in the queue. */
typedef struct sim_event {
    int64_t time_ns;   /* when it fires, ns of simulated time */
    uint64_t seq_kind; /* sequence number << 16 | handler kind; orders equal times */
    uint64_t arg;      /* the handler's argument, meaning owned by the model */
} sim_event;

static inline uint64_t sim_event_seq(const sim_event *ev) { return ev->seq_kind >> 16; }
static inline uint16_t sim_event_kind(const sim_event *ev) { return (uint16_t)ev->seq_kind; }

/* True when a fires strictly before b. Total: seq is unique within a world. */
static inline bool sim_event_before(const sim_event *a, const sim_event *b) {
    if (a->time_ns != b->time_ns) return a->time_ns < b->time_ns;
    return a->seq_kind < b->seq_kind;
}

/* The event queue: the near future in events, and an unordered array for events at or after
 * horizon_ns, moved into events when it runs empty (queue.c has the measured choice). The
 * near future is an array sorted latest first while it holds at most SIM_QUEUE_SORTED_MAX
 * events (the earliest is the last), else a 4-ary implicit heap (the earliest is the first).
 * Every near event fires before every far event, and events is empty only when the far array
 * is too. Both arrays grow by a quarter when full and never shrink. */
#define SIM_QUEUE_SORTED_MAX 32

typedef struct sim_queue {
    sim_event *events; /* the near future, sorted or a heap, owned */
    size_t count;      /* events in it (0 only when nothing at all is pending) */
    size_t capacity;   /* slots allocated */
    bool sorted;       /* events is sorted latest first, not a heap */
    sim_event *far;    /* events at or after horizon_ns, unordered, owned */
    size_t far_count;  /* events in far */
    size_t far_capacity; /* far slots allocated */
    int64_t horizon_ns;  /* near events are before it, far events at or after it, ns */
    int64_t far_min_ns;  /* earliest time in far (meaningless when far_count is 0), ns */
    int64_t window_ns;   /* width of the near future at the next refill, ns */
    uint64_t pops_since_refill; /* pops since far was last scanned (sizes the window) */
} sim_queue;

/* Events pending, near and far. */
static inline size_t sim_queue_size(const sim_queue *q) { return q->count + q->far_count; }

/* Returns 0, or -1 when memory for initial_capacity events (at least 16) cannot be had; after
 * -1 the queue holds nothing and fini is harmless. */
int sim_queue_init(sim_queue *q, size_t initial_capacity);
void sim_queue_fini(sim_queue *q);
/* sim_queue_push for every case its inline part does not take. */
int sim_queue_push_slow(sim_queue *q, const sim_event *ev);
/* Copies the event (time_ns, seq_kind, arg) in. Returns 0, or -1 when the queue cannot grow
 * (the queue is left unaltered). Inline for the usual push, a few events pending and the
 * event in the near future: it moves past the ones that fire before it, from the earliest up
 * (a new event is mostly later than those, so few move), with no call and no branch that
 * depends on a heap's shape. The fields come as values and are stored one by one: an event
 * assembled on the stack and copied in whole made the copy's 16-byte load wait for the 8-byte
 * stores just made (a failed store-to-load forward), 3% of the sweep bench's time. */
static inline int sim_queue_push_event(sim_queue *q, int64_t time_ns, uint64_t seq_kind,
                                       uint64_t arg) {
    size_t i = q->count;
    if (!q->sorted || i >= SIM_QUEUE_SORTED_MAX || i == q->capacity || time_ns >= q->horizon_ns) {
        const sim_event ev = {.time_ns = time_ns, .seq_kind = seq_kind, .arg = arg};
        return sim_queue_push_slow(q, &ev);
    }
    sim_event *events = q->events;
    q->count = i + 1;
    for (; i > 0 && (events[i - 1].time_ns != time_ns ? events[i - 1].time_ns < time_ns
                                                       : events[i - 1].seq_kind < seq_kind);
         i--)
        events[i] = events[i - 1];
    events[i].time_ns = time_ns;
    events[i].seq_kind = seq_kind;
    events[i].arg = arg;
    return 0;
}
static inline int sim_queue_push(sim_queue *q, const sim_event *ev) {
    return sim_queue_push_event(q, ev->time_ns, ev->seq_kind, ev->arg);
}
/* sim_queue_pop for every case its inline part does not take. */
void sim_queue_pop_slow(sim_queue *q, sim_event *out);
/* Removes the earliest event into *out. Precondition (asserted): count > 0. Inline for the
 * usual pop, from a sorted near future that does not run empty: the last event. */
static inline void sim_queue_pop(sim_queue *q, sim_event *out) {
    if (!q->sorted || q->count < 2) {
        sim_queue_pop_slow(q, out);
        return;
    }
    *out = q->events[--q->count];
    q->pops_since_refill++;
}
static inline const sim_event *sim_queue_peek(const sim_queue *q) {
    return q->count ? &q->events[q->sorted ? q->count - 1 : 0] : NULL;
}
/* Walks the order of the near future (sorted or a heap) and the horizon; returns false and
 * names the slot on stderr if one is broken. */
bool sim_queue_check(const sim_queue *q);

typedef struct sim_world sim_world;
typedef void (*sim_handler_fn)(void *ctx, sim_world *w, const sim_event *ev);

/* A kernel-level trace hook: called for every dispatched event when set. */
typedef void (*sim_trace_fn)(void *ctx, const sim_world *w, const sim_event *ev);

typedef struct sim_handler {
    sim_handler_fn fn; /* called on dispatch */
    void *ctx;         /* borrowed; passed to fn */
    const char *name;  /* static string, e.g. "net.deliver" */
} sim_handler;

typedef enum sim_status {
    SIM_RUNNING = 0,
    SIM_DRAINED,      /* the queue ran empty */
    SIM_STOPPED,      /* a model called sim_stop() */
    SIM_LIMIT_TIME,   /* the next event lies past time_max_ns */
    SIM_LIMIT_EVENTS, /* events_max events were dispatched */
    SIM_FAILED,       /* a model reported a broken invariant with sim_fail() */
    SIM_EXHAUSTED,    /* memory ran out: an allocation failed, or the memory probe passed
                         memory_max_bytes (sim_exhaust); a resource, not a verdict */
    SIM_STALLED,      /* the progress guard: stall_events_max events with neither the clock
                         nor sim_progress() moving */
} sim_status;

typedef struct sim_world_options {
    uint64_t seed;         /* the run seed; every stream derives from it */
    int64_t time_max_ns;   /* run limit in simulated ns; SIM_TIME_NEVER (or <= 0) for none */
    uint64_t events_max;   /* run limit in dispatched events; 0 for none */
    size_t queue_capacity; /* initial queue slots (it grows geometrically) */
    uint64_t stall_events_max; /* progress guard, events; 0 for none (see sim_run) */
    size_t memory_max_bytes;   /* bound on the memory probe's answer, bytes; 0 for none */
} sim_world_options;

/* The memory probe: the bytes a run holds in its growing arrays, as the models count them
 * (their capacities, so the answer depends only on the run, never on the allocator). */
typedef size_t (*sim_memory_fn)(void *ctx, const sim_world *w);

/* Every SIM_MEMORY_CHECK_EVENTS events the loop asks the memory probe, when there is one and a
 * bound. A probe walks a few dozen arrays; one per 4096 events is beyond measure in the
 * per-event cost, and no model grows by more than a few MB in 4096 events except by work the
 * run was asked for (a send of many records at once). */
#define SIM_MEMORY_CHECK_EVENTS 4096

struct sim_world {
    int64_t now_ns;        /* the clock; advanced only by sim_run */
    uint64_t seq_next;     /* next sequence number to hand out */
    uint64_t events;       /* events dispatched so far */
    uint64_t now_seq_kind; /* seq_kind of the event being dispatched (0 before the first) */
    uint64_t hash;         /* running 64-bit hash of dispatched events (trace_hash) */
    sim_queue queue;       /* pending events */
    sim_status status;     /* why the loop stopped, SIM_RUNNING while it runs */
    sim_world_options opt; /* copied at init */
    sim_handler handlers[SIM_HANDLERS_MAX]; /* indexed by kind */
    uint16_t handler_count;                 /* kinds registered */
    sim_trace_fn trace_fn; /* optional, borrowed */
    void *trace_ctx;       /* borrowed; passed to trace_fn */
    sim_memory_fn memory_fn; /* optional memory probe, borrowed */
    void *memory_ctx;        /* borrowed; passed to memory_fn */
    size_t memory_bytes;     /* the probe's last answer, bytes (0 before the first) */
    uint64_t progress;       /* bumped by models at progress that costs no time (sim_progress) */
    /* The loop looks at its limits past the hot path, once events reaches check_events: the
     * least of events_max and the next guard and memory checkpoints (world.c). */
    uint64_t check_events;       /* event count of the next checkpoint */
    uint64_t stall_check_events; /* event count of the progress guard's next look */
    uint64_t memory_check_events; /* event count of the memory probe's next call */
    int64_t stall_now_ns;        /* the clock at the guard's last look, -1 before the first */
    uint64_t stall_progress;     /* progress at the guard's last look */
    char failure[256];     /* message of sim_fail() or sim_exhaust(), empty otherwise */
};

/* Copies *opt. Returns 0, or -1 when the queue cannot be allocated (nothing to fini then).
 * A time_max_ns <= 0 is taken as SIM_TIME_NEVER, so zeroed options mean "no limits". */
int sim_world_init(sim_world *w, const sim_world_options *opt);
void sim_world_fini(sim_world *w);

/* Registers a handler and returns its kind. Kinds are given in registration order, so a
 * fixed setup order gives fixed kinds. Asserts that SIM_HANDLERS_MAX is not exceeded. */
uint16_t sim_handler_add(sim_world *w, sim_handler_fn fn, void *ctx, const char *name);

static inline int64_t sim_now(const sim_world *w) { return w->now_ns; }

/* Schedules kind(arg) at at_ns and returns its sequence number (>= 1). Asserts at_ns >= now
 * and that kind was registered. On failure to grow the queue the world stops with SIM_EXHAUSTED
 * (a failure: the loop ends after the current event) and 0 is returned. Inline, below: the
 * network schedules every message's delivery with it. */
static inline uint64_t sim_schedule(sim_world *w, int64_t at_ns, uint16_t kind, uint64_t arg);

/* Dispatches events in order until the queue drains, a model stops the world, or a limit is
 * reached. Returns the status, also left in w->status. An event past time_max_ns is left
 * queued and not dispatched (SIM_LIMIT_TIME); SIM_LIMIT_EVENTS stops once events_max events
 * have been dispatched in all. Every dispatched event is mixed into w->hash as (time_ns, kind,
 * arg), then passed to trace_fn if set, then to its handler. Calling again resumes after
 * SIM_STOPPED, SIM_STALLED or a limit (raise w->opt first); SIM_FAILED and SIM_EXHAUSTED are
 * final.
 *
 * The progress guard (stall_events_max = K > 0): the loop looks every K events; when the clock
 * and w->progress both stand where they stood at its last look, K + 1 events in a row have
 * passed at one instant without progress, and the run stops with SIM_STALLED. A run of L such
 * events stops the world when L >= 2K and never when L <= K. Looking every K events, not after
 * each one, keeps the guard off the hot path: the loop compares the event count with one
 * precomputed checkpoint, which also serves events_max and the memory probe.
 *
 * The memory probe (memory_fn set and memory_max_bytes > 0): asked every
 * SIM_MEMORY_CHECK_EVENTS events; an answer above the bound stops the world with
 * SIM_EXHAUSTED and a message naming both figures. */
sim_status sim_run(sim_world *w);

/* Progress that costs no simulated time (a high watermark moves, a send is acknowledged): the
 * progress guard does not count events at one instant across it. Models call it at most once
 * per unit of work the run was asked for, so a zero-delay loop never calls it forever. */
static inline void sim_progress(sim_world *w) { w->progress++; }

/* Asks the loop to stop after the current event (SIM_STOPPED). No effect outside sim_run or
 * after a failure. */
void sim_stop(sim_world *w);

/* Stops the world with SIM_FAILED after the current event and keeps the message in
 * w->failure (a broken model invariant, not a bug in the caller's input). The first failure
 * wins: later calls, and calls after SIM_EXHAUSTED, change nothing. */
void sim_fail(sim_world *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Stops the world with SIM_EXHAUSTED after the current event: memory a model needed could not
 * be had. The message (w->failure) names what; the first failure or exhaustion wins. A resource
 * ran out, so the run has no verdict: callers report it apart from a broken invariant. */
void sim_exhaust(sim_world *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Mixes a value into the run hash (the same mix as the loop's), for models that want more
 * than (time, kind, arg) in it. */
void sim_hash_mix(sim_world *w, uint64_t value);

/* One PCG32 stream per component: initstate = run seed, initseq = component id. */
static inline sim_pcg32 sim_stream(const sim_world *w, uint64_t component_id) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, w->opt.seed, component_id);
    return rng;
}

/* A static lower-case name: "drained", "limit-time", ...; "unknown" outside the enum. */
const char *sim_status_name(sim_status s);

/* A cancellable timer owned by a model.
 *
 * A timer fires exactly where an event scheduled at its latest arm would have fired: at the
 * armed time, ordered among events of that time by a sequence number taken at the arm. It
 * keeps at most one event of its own queued, though: arming again later than the queued event
 * (a request timeout pushed back by every request, a long-poll deadline per fetch) queues
 * nothing, and when that earlier event pops, sim_timer_fired() moves it on to the armed
 * deadline with the armed sequence number. Cancelling forgets the deadline and leaves the
 * queued event to pop as a no-op. So re-arming and cancelling cost O(1) and no queue space,
 * and a model with a timeout per message queues a few events per timeout period instead of one
 * per message (in the bench's reference scenario: 9.3 events per batch before, 6 after, and
 * tens of thousands of 30 s and 120 s tombstones fewer pending).
 *
 * The queued event is named by its sequence number, time and argument; an event that pops
 * without being the queued one (the timer was re-armed earlier, or zeroed) is stale. A timer
 * keeps its kind and argument across arms unless the model changes them, which queues a new
 * event. A timer must not be copied while armed (the queued event's argument names where it
 * lives). */
typedef struct sim_timer {
    uint64_t seq;            /* sequence number of the armed deadline, 0 when idle */
    int64_t at_ns;           /* the armed deadline (meaningless when idle) */
    uint64_t queued_seq_kind; /* seq_kind of the event queued for it, 0 when none */
    int64_t queued_ns;       /* that event's time */
    uint64_t queued_arg;     /* that event's argument */
} sim_timer;

/* Arms t to fire kind(arg) at at_ns (>= now), replacing any earlier deadline. */
void sim_timer_arm(sim_world *w, sim_timer *t, int64_t at_ns, uint16_t kind, uint64_t arg);

/* Deadlines taken now, armed later. sim_seq_take takes the sequence number an event scheduled
 * now would get; sim_timer_arm_seq arms t with it, so that t fires exactly where a timer
 * armed when the number was taken would have: at at_ns, among events of that time in the
 * order of their numbers. (at_ns, seq) must order after the event being dispatched. A model
 * with a deadline per object, all of one length and taken in order (a producer batch's
 * delivery.timeout.ms), keeps them in a FIFO and one timer armed for the oldest: one queued
 * event in all instead of one per object. */
uint64_t sim_seq_take(sim_world *w);
void sim_timer_arm_seq(sim_world *w, sim_timer *t, int64_t at_ns, uint64_t seq, uint16_t kind,
                       uint64_t arg);
static inline void sim_timer_cancel(sim_timer *t) { t->seq = 0; }
static inline bool sim_timer_armed(const sim_timer *t) { return t->seq != 0; }
/* Called by the handler for every event of the timer's kind and argument: true (and the timer
 * becomes idle) when ev is the timer's deadline; false for a stale event, or for the queued
 * event of a timer armed later, which it queues again at the armed deadline. */
bool sim_timer_fired(sim_world *w, sim_timer *t, const sim_event *ev);

/* Programmer errors: print "assertion failed: EXPR at FILE:LINE (seed S, t=T)" to stderr, then
 * abort. Always on, release builds included. w may be NULL where no world is at hand (the
 * queue, the generator); the seed and time are left out then. */
#define SIM_ASSERT(w, cond)                                                                  \
    ((cond) ? (void)0 : sim_assert_fail((w), #cond, __FILE__, __LINE__))
_Noreturn void sim_assert_fail(const sim_world *w, const char *expr, const char *file, int line);

#define SIM_SEQ_MAX ((UINT64_C(1) << SIM_SEQ_BITS) - 1)

/* Stops the world with SIM_EXHAUSTED, the queue having failed to grow; returns 0. */
uint64_t sim_schedule_nomem(sim_world *w);

static inline uint64_t sim_schedule(sim_world *w, int64_t at_ns, uint16_t kind, uint64_t arg) {
    SIM_ASSERT(w, at_ns >= w->now_ns);
    SIM_ASSERT(w, kind < w->handler_count);
    SIM_ASSERT(w, w->seq_next <= SIM_SEQ_MAX);
    uint64_t seq = w->seq_next;
    if (sim_queue_push_event(&w->queue, at_ns, seq << 16 | kind, arg) != 0)
        return sim_schedule_nomem(w);
    w->seq_next = seq + 1;
    return seq;
}

/* Formats simulated time as "12.345ms" (always ms with 3 decimals, truncated toward zero; a
 * minus sign before negative times) into buf, cut to len - 1 characters; returns buf. Any
 * int64 fits in SIM_TIME_FORMAT_LEN. */
#define SIM_TIME_FORMAT_LEN 32
char *sim_time_format(int64_t t_ns, char *buf, size_t len);

#endif
