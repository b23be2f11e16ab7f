/*
 * ref_queue.h: the reference the event queue is tested against: live events sorted by (time,
 * seq) in a plain array, O(n) per operation, too simple to be wrong. Shared by test_queue.c
 * and test_queue_far.c.
 */
#ifndef KAFKASIM_REF_QUEUE_H
#define KAFKASIM_REF_QUEUE_H

#include <stdbool.h>
#include <string.h>

#include "sim.h"

#define REF_MAX 4096

/* The reference: live events sorted by (time, seq), earliest first; O(n) per operation. */
typedef struct ref_queue {
    sim_event events[REF_MAX]; /* sorted */
    size_t count;              /* live events */
} ref_queue;

static void ref_push(ref_queue *r, const sim_event *ev) {
    size_t slot = r->count++;
    while (slot > 0 && sim_event_before(ev, &r->events[slot - 1])) {
        r->events[slot] = r->events[slot - 1];
        slot--;
    }
    r->events[slot] = *ev;
}

static void ref_remove(ref_queue *r, size_t slot) {
    memmove(&r->events[slot], &r->events[slot + 1], (r->count - slot - 1) * sizeof(sim_event));
    r->count--;
}

static bool events_equal(const sim_event *a, const sim_event *b) {
    return a->time_ns == b->time_ns && a->seq_kind == b->seq_kind && a->arg == b->arg;
}

/* Pops the earliest event that was not cancelled, as a model's handler would see it. */
static bool queue_pop_live(sim_queue *q, const unsigned char *cancelled, sim_event *out) {
    while (q->count > 0) {
        sim_queue_pop(q, out);
        if (!cancelled[sim_event_seq(out)]) return true;
    }
    return false;
}

#endif
