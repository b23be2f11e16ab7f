/*
 * queue.c: the pending-event queue: the near future as an array of inline 24-byte events,
 * sorted while short and a 4-ary implicit min-heap once longer, in front of an unordered array
 * of the far future.
 *
 * Order: (time_ns, seq_kind), where seq_kind holds the schedule-time sequence number above the
 * 16 kind bits. Sequence numbers are unique within a world, so the order is total and two
 * events at the same time pop in the order they were scheduled (libuv's timer start_id, Redis'
 * timeEventNextId). The queue never owns payloads; an event is three integers.
 *
 * Invariants (sim_queue_check): sorted, the near events are in firing order latest first and
 * at most QUEUE_SORTED_MAX; else they are a heap of more than QUEUE_SORTED_MIN, no event
 * before its parent, parent(i) = (i - 1) / 4; every near event is before horizon_ns and every
 * far event at or after it (so every near event fires before every far event); the near
 * future is empty only when far is; far_min_ns is the earliest far time.
 *
 * Why a 4-ary heap. Hold model (pop one, push one at now + uniform [0, 2^20) ns), queue alone,
 * gcc 12 -O2, one core of the 2-core AMD EPYC build machine, millions of events per second;
 * first figure from a quiet machine, then the median of three runs while other builds ran:
 *
 *     pending          100          1 000        10 000       1 000 000
 *     binary heap   31.1 / 25.6   23.9 / 22.1   16.8 / 15.3    3.2 / 2.4
 *     4-ary heap    38.4 / 33.2   32.7 / 31.0   21.7 / 19.5    6.0 / 3.7
 *     4-ary, Floyd  27.7 / 27.2   22.3 / 19.4   14.8 / 13.6    5.1 / 3.0
 *     8-ary heap    35.2 / 21.2   26.1 / 22.3   19.8 / 18.8    6.6 / 4.5
 *
 * ("Floyd" sifts the hole down to a leaf and the last event back up.) A pattern closer to the
 * models, half fixed 30 ms timeouts (pushed in time order) and half 1 ms deliveries with
 * jitter, gave the 4-ary heap 35.5, 29.7, 20.8 and 5.5 on the quiet machine. Four children
 * fill 96 bytes, 1.5 cache lines, and halve the depth of the binary heap, which is what counts
 * once the heap leaves the cache; the 8-ary heap wins only at 10^6, where both clear the goal.
 * A calendar queue or timing wheel was not built: the heap meets every goal (>= 20 M/s to 10^3
 * pending, >= 10 M/s at 10^4, >= 2 M/s at 10^6, <= 32 bytes per pending event), needs no
 * bucket width tuned, and its cost does not depend on how event times spread, while the
 * models mix microsecond deliveries with 30 s and 120 s timeouts, the spread that makes a
 * calendar queue resize or a wheel cascade. Aligning sibling groups to 32 bytes made no
 * difference that rose above the noise. Through the world (dispatch and trace hash included)
 * `kafkasim bench --kernel` gave 25-33, 15-19 and 3.1-5.3 M/s at 10^2, 10^4 and 10^6 pending
 * on the quiet machine.
 *
 * The earliest of four children is found as a tournament of two pairs. Walking them in a
 * loop was as fast at -O2, but gcc 12 at -O3 (the release preset) turned the loop into code
 * 40% slower: 20 / 9.7 / 3.7 M events/s through the world at 10^2 / 10^4 / 10^6 pending
 * against 30 / 17.5 / 3.3 with the loop at -O2; the tournament gives 30 / 17 / 3.2 at -O3.
 *
 * The far array. The models arm long timers that are mostly cancelled: a delivery.timeout.ms
 * expiry (120 s) per producer batch, a replica.socket.timeout.ms timer (30 s) per follower
 * fetch. When every arm queued an event (before sim_timer kept one queued event per timer),
 * they made up 30,000 of the 30,300 pending events of the bench's reference scenario, and
 * every pop paid for the depth they gave the heap: sim_queue_pop was the largest single cost
 * of a run in callgrind. (A batch's expiry queued one event per batch until the producer kept
 * its deadlines in a FIFO behind one timer, sim_timer_arm_seq.) Events at or after horizon_ns
 * now go to an unordered array (push O(1)); the horizon rolls forward to the heap's earliest
 * time + window_ns as the clock moves (never past the earliest far event), and when the heap
 * runs empty the far events before far_min_ns + window_ns move into it. A far scan costs
 * far_count, so the window doubles (up to QUEUE_WINDOW_MAX_NS) whenever a scan saw more
 * events than were popped since the last one: the scans then cost O(1) per pop, amortised.
 * Order does not change: the heap orders by (time, seq) whatever the order events enter it,
 * and every far event fires after every heap event; the trace hash of every run is the same
 * as with the heap alone. A world whose events all lie within the window (the hold model)
 * never touches the far array.
 *
 * Short queues, sorted. The models keep few events near: the bench's reference scenario has
 * about 14 (a few messages in flight, timers), where a pop of the heap sifts through two
 * levels of four children on comparisons no branch predictor can learn, and a push sifts up
 * on one more. (A binary heap, one level deeper, made the sweep bench 6% slower.) Up to
 * QUEUE_SORTED_MAX events the near future is instead an array sorted latest first: a pop takes
 * the last event, and a push moves only the events that fire before the new one, from the
 * earliest up; a new message arrives after the few in flight and before the timers, so one or
 * two move. Both fit inline at the caller (sim.h), sim_schedule included. Past
 * QUEUE_SORTED_MAX the array is reversed, which makes it a heap; a heap popped down to
 * QUEUE_SORTED_MIN is sorted again, the gap keeping a size that hovers near the limit from
 * converting at every step. The order of events is the same either way, and so is every
 * trace hash. The sweep bench (10,000-record runs) went from 1,553 to 1,643 runs/s (mean of
 * five runs each, measured alternately) and from 983 to 930 instructions per record; the
 * kernel bench, whose 10^2 to 10^6 pending events are all heaps, did not change.
 *
 * Memory: 24 bytes per slot; both arrays grow by a quarter when full, so at most 30 bytes per
 * pending event after growth (25-29 measured), 24 when sized up front
 * (sim_world_options.queue_capacity). The queue never shrinks. Both arrays grow with
 * sim_realloc_large (alloc.h): huge pages for large queues, whose pops read at random.
 */
#include "sim.h"

#include <stdlib.h>

#include "alloc.h"

#define QUEUE_ARITY 4
#define QUEUE_SORTED_MAX SIM_QUEUE_SORTED_MAX /* sorted up to this many, then a heap */
#define QUEUE_SORTED_MIN (QUEUE_SORTED_MAX / 2) /* a heap this small is sorted again */
#define QUEUE_CAPACITY_MIN 16
#define QUEUE_WINDOW_INITIAL_NS (INT64_C(1) << 30) /* about 1 s */
#define QUEUE_WINDOW_MAX_NS (INT64_C(1) << 42)     /* about 73 min */

int sim_queue_init(sim_queue *q, size_t initial_capacity) {
    size_t capacity = initial_capacity < QUEUE_CAPACITY_MIN ? QUEUE_CAPACITY_MIN
                                                            : initial_capacity;
    *q = (sim_queue){.sorted = true, .window_ns = QUEUE_WINDOW_INITIAL_NS,
                     .horizon_ns = INT64_MIN};
    if (capacity > SIZE_MAX / sizeof(sim_event)) return -1;
    q->events = sim_realloc_large(NULL, capacity * sizeof(sim_event));
    if (q->events == NULL) return -1;
    q->capacity = capacity;
    return 0;
}

void sim_queue_fini(sim_queue *q) {
    free(q->events);
    free(q->far);
    *q = (sim_queue){.sorted = true, .window_ns = QUEUE_WINDOW_INITIAL_NS,
                     .horizon_ns = INT64_MIN};
}

/* Grows an array of *capacity events by a quarter: still geometric (amortised O(1) per push;
 * realloc moves large blocks by remapping pages), and the slack stays under 30 bytes per
 * pending event. Returns -1, leaving the array as it was, when it cannot. */
static int queue_grow(sim_event **events, size_t *capacity) {
    size_t grown = *capacity + *capacity / 4;
    if (grown < QUEUE_CAPACITY_MIN) grown = QUEUE_CAPACITY_MIN;
    if (grown <= *capacity || grown > SIZE_MAX / sizeof(sim_event)) return -1;
    sim_event *moved = sim_realloc_large(*events, grown * sizeof(sim_event));
    if (moved == NULL) return -1;
    *events = moved;
    *capacity = grown;
    return 0;
}

/* Sorted latest first, reversed, is sorted earliest first: a heap (every parent before its
 * children). */
static void queue_to_heap(sim_queue *q) {
    for (size_t i = 0, j = q->count; i + 1 < j; i++, j--) {
        sim_event t = q->events[i];
        q->events[i] = q->events[j - 1];
        q->events[j - 1] = t;
    }
    q->sorted = false;
}

/* Puts ev into events[0 .. n), sorted latest first, which has room for one more (the inline
 * push in sim.h does the same with the event's fields as values). */
static void queue_sorted_insert(sim_event *events, size_t n, const sim_event *ev) {
    for (; n > 0 && sim_event_before(&events[n - 1], ev); n--) events[n] = events[n - 1];
    events[n] = *ev;
}

/* The heap, sorted latest first by insertion (it holds QUEUE_SORTED_MIN events at most). */
static void queue_to_sorted(sim_queue *q) {
    for (size_t i = 1; i < q->count; i++) {
        const sim_event ev = q->events[i];
        queue_sorted_insert(q->events, i, &ev);
    }
    q->sorted = true;
}

/* Puts ev into the near future; the caller has checked that it belongs there. */
static int queue_near_push(sim_queue *q, const sim_event *ev) {
    if (q->count == q->capacity && queue_grow(&q->events, &q->capacity) != 0) return -1;
    if (q->sorted && q->count == QUEUE_SORTED_MAX) queue_to_heap(q);
    sim_event *events = q->events;
    size_t slot = q->count++;
    if (q->sorted) {
        queue_sorted_insert(events, slot, ev);
        return 0;
    }
    /* Sift the hole up: move parents down until ev fits. */
    while (slot > 0) {
        size_t parent = (slot - 1) / QUEUE_ARITY;
        if (!sim_event_before(ev, &events[parent])) break;
        events[slot] = events[parent];
        slot = parent;
    }
    events[slot] = *ev;
    return 0;
}

/* t + window, or INT64_MAX when that does not fit. */
static int64_t queue_horizon(int64_t t, int64_t window_ns) {
    return t > INT64_MAX - window_ns ? INT64_MAX : t + window_ns;
}

/* Every push that does not belong in the near future under the current horizon: the first
 * one into an empty queue, and the ones at or after the horizon. */
static int queue_push_beyond(sim_queue *q, const sim_event *ev) {
    if (q->count == 0) {
        /* Nothing pending (events is empty only when far is): a new near future. */
        q->horizon_ns = queue_horizon(ev->time_ns, q->window_ns);
        return queue_near_push(q, ev);
    }
    /* Roll the near future forward with the clock (its earliest event), never past the
     * earliest far event: a world whose events all lie within the window keeps them all
     * near. */
    int64_t horizon_ns = queue_horizon(sim_queue_peek(q)->time_ns, q->window_ns);
    if (q->far_count > 0 && q->far_min_ns < horizon_ns) horizon_ns = q->far_min_ns;
    if (horizon_ns > q->horizon_ns) q->horizon_ns = horizon_ns;
    if (ev->time_ns < q->horizon_ns) return queue_near_push(q, ev);
    if (q->far_count == q->far_capacity && queue_grow(&q->far, &q->far_capacity) != 0)
        return -1;
    if (q->far_count == 0 || ev->time_ns < q->far_min_ns) q->far_min_ns = ev->time_ns;
    q->far[q->far_count++] = *ev;
    return 0;
}

int sim_queue_push_slow(sim_queue *q, const sim_event *ev) {
    /* Before the horizon, near is right even when empty (far is empty then too). */
    if (ev->time_ns < q->horizon_ns) return queue_near_push(q, ev);
    return queue_push_beyond(q, ev);
}

/* The heap ran empty: adapts the window to what the last scan cost, then moves the far
 * events before far_min_ns + window_ns (at least the earliest one) into the heap and keeps the
 * rest in far. Pop cannot fail, so when the heap must grow to take them and cannot, the run
 * ends on an assertion naming the queue (the far array already holds them: a refill never
 * needs more than twice the memory the pending events had). */
static void queue_refill(sim_queue *q) {
    if (q->far_count > q->pops_since_refill && q->window_ns < QUEUE_WINDOW_MAX_NS)
        q->window_ns *= 2;
    q->pops_since_refill = 0;
    int64_t horizon_ns = queue_horizon(q->far_min_ns, q->window_ns);
    bool all = horizon_ns == INT64_MAX; /* events at INT64_MAX move too */
    size_t moving = 0;
    for (size_t i = 0; i < q->far_count; i++) moving += all || q->far[i].time_ns < horizon_ns;
    while (q->capacity < moving) {
        bool grown = queue_grow(&q->events, &q->capacity) == 0;
        SIM_ASSERT(NULL, grown); /* out of memory while moving far events into the heap */
    }
    q->horizon_ns = horizon_ns;
    size_t kept = 0;
    int64_t far_min_ns = INT64_MAX;
    for (size_t i = 0; i < q->far_count; i++) {
        const sim_event ev = q->far[i];
        if (all || ev.time_ns < horizon_ns) {
            queue_near_push(q, &ev); /* cannot fail: the room is there */
        } else {
            if (ev.time_ns < far_min_ns) far_min_ns = ev.time_ns;
            q->far[kept++] = ev;
        }
    }
    q->far_count = kept;
    q->far_min_ns = far_min_ns;
}

/* The earliest of the children first..first+3 that exist (first < count). */
static inline size_t queue_child_min(const sim_event *events, size_t first, size_t count) {
    if (first + QUEUE_ARITY <= count) {
        /* All four: a tournament of two pairs, two short dependency chains instead of one
         * long one (the order is total, so any way of comparing finds the same event). */
        size_t left = first + sim_event_before(&events[first + 1], &events[first]);
        size_t right = first + 2 + sim_event_before(&events[first + 3], &events[first + 2]);
        return sim_event_before(&events[right], &events[left]) ? right : left;
    }
    size_t best = first;
    for (size_t child = first + 1; child < count; child++) {
        if (sim_event_before(&events[child], &events[best])) best = child;
    }
    return best;
}

void sim_queue_pop_slow(sim_queue *q, sim_event *out) {
    SIM_ASSERT(NULL, q->count > 0);
    sim_event *events = q->events;
    q->pops_since_refill++;
    if (q->sorted) {
        *out = events[--q->count];
        if (q->count == 0 && q->far_count > 0) queue_refill(q);
        return;
    }
    /* A heap holds more than QUEUE_SORTED_MIN events: it is sorted again before it empties. */
    SIM_ASSERT(NULL, q->count > QUEUE_SORTED_MIN);
    *out = events[0];
    size_t count = --q->count;
    const sim_event last = events[count];
    /* Sift the hole at the root down: move the earliest child up until last fits. */
    size_t slot = 0;
    for (;;) {
        size_t first = QUEUE_ARITY * slot + 1;
        if (first >= count) break;
        size_t best = queue_child_min(events, first, count);
        if (!sim_event_before(&events[best], &last)) break;
        events[slot] = events[best];
        slot = best;
    }
    events[slot] = last;
    if (count <= QUEUE_SORTED_MIN) queue_to_sorted(q);
}

bool sim_queue_check(const sim_queue *q) {
    if (q->count > q->capacity) {
        fprintf(stderr, "sim_queue_check: count %zu > capacity %zu\n", q->count, q->capacity);
        return false;
    }
    if (q->far_count > q->far_capacity || (q->count == 0 && q->far_count > 0)) {
        fprintf(stderr, "sim_queue_check: far count %zu (capacity %zu) beside %zu near events\n",
                q->far_count, q->far_capacity, q->count);
        return false;
    }
    if (q->sorted ? q->count > QUEUE_SORTED_MAX : q->count <= QUEUE_SORTED_MIN) {
        fprintf(stderr, "sim_queue_check: %zu near events kept %s\n", q->count,
                q->sorted ? "sorted" : "as a heap");
        return false;
    }
    for (size_t slot = 0; slot < q->count; slot++) {
        if (q->events[slot].time_ns >= q->horizon_ns && q->horizon_ns != INT64_MAX) {
            fprintf(stderr, "sim_queue_check: near slot %zu is not before the horizon\n", slot);
            return false;
        }
    }
    for (size_t i = 0; i < q->far_count; i++) {
        if (q->far[i].time_ns < q->horizon_ns || q->far[i].time_ns < q->far_min_ns) {
            fprintf(stderr, "sim_queue_check: far event %zu is before the horizon or the far "
                            "minimum\n", i);
            return false;
        }
    }
    for (size_t slot = 1; slot < q->count; slot++) {
        if (q->sorted) {
            if (!sim_event_before(&q->events[slot], &q->events[slot - 1])) {
                fprintf(stderr, "sim_queue_check: slot %zu does not fire before slot %zu\n",
                        slot, slot - 1);
                return false;
            }
            continue;
        }
        size_t parent = (slot - 1) / QUEUE_ARITY;
        if (sim_event_before(&q->events[slot], &q->events[parent])) {
            fprintf(stderr, "sim_queue_check: slot %zu fires before its parent %zu\n", slot,
                    parent);
            return false;
        }
    }
    return true;
}
