/*
 * kernel_workload.c: a seeded random event workload for the cross-compiler determinism check
 * (tests/cross_compiler.sh). It exercises every part of the kernel whose result could differ
 * between compilers or optimisation levels: the heap order with many equal times, cancelled
 * timers, 32- and 64-bit bounded draws, ppm chances, sim_hash_mix, and the run limits. It
 * prints one line, "trace_hash 0x... events N now_ns T", which must be identical everywhere.
 *
 *   kernel_workload [SEED [EVENTS]]     (defaults: 1, 2000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define WORKLOAD_ACTORS 512

typedef struct actor_set {
    sim_pcg32 rng;                      /* the workload's stream */
    sim_timer timers[WORKLOAD_ACTORS];  /* one timeout per actor, re-armed and cancelled */
    uint16_t kind_message;              /* a delivery: reschedules, may cancel a timer */
    uint16_t kind_timeout;              /* a timer: live or a tombstone */
    uint64_t stale;                     /* tombstones dropped */
} actor_set;

static void actor_on_message(void *ctx, sim_world *w, const sim_event *ev) {
    actor_set *a = ctx;
    uint64_t actor = ev->arg % WORKLOAD_ACTORS;
    /* Deliveries: zero delay a third of the time, so equal times are common. */
    int64_t delay_ns = sim_pcg32_bounded(&a->rng, 3) == 0
                           ? 0
                           : (int64_t)sim_pcg32_bounded64(&a->rng, 2 * (uint64_t)SIM_MS);
    sim_schedule(w, sim_now(w) + delay_ns, a->kind_message, sim_pcg32_next(&a->rng));
    if (sim_pcg32_chance_ppm(&a->rng, 300000)) {
        sim_timer_cancel(&a->timers[actor]);
    } else if (!sim_timer_armed(&a->timers[actor])) {
        /* A fixed timeout, as request.timeout.ms is: these arrive in time order. */
        sim_timer_arm(w, &a->timers[actor], sim_now(w) + 30 * SIM_MS, a->kind_timeout, actor);
    }
    if (sim_pcg32_chance_ppm(&a->rng, 1000)) {
        sim_hash_mix(w, sim_pcg32_bounded64(&a->rng, UINT64_C(1) << 40 | 12345u));
    }
}

static void actor_on_timeout(void *ctx, sim_world *w, const sim_event *ev) {
    actor_set *a = ctx;
    if (!sim_timer_fired(w, &a->timers[ev->arg], ev)) {
        a->stale++;
        return;
    }
    sim_hash_mix(w, ev->arg);
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    uint64_t events_max = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000;
    sim_world w;
    sim_world_options opt = {.seed = seed, .time_max_ns = SIM_TIME_NEVER,
                             .events_max = events_max, .queue_capacity = 1024};
    if (sim_world_init(&w, &opt) != 0) return 1;
    static actor_set a;
    a.rng = sim_stream(&w, 1);
    a.kind_message = sim_handler_add(&w, actor_on_message, &a, "workload.message");
    a.kind_timeout = sim_handler_add(&w, actor_on_timeout, &a, "workload.timeout");
    for (uint64_t i = 0; i < 4 * WORKLOAD_ACTORS; i++) {
        sim_schedule(&w, (int64_t)sim_pcg32_bounded(&a.rng, 1000), a.kind_message, i);
    }
    sim_status status = sim_run(&w);
    printf("trace_hash 0x%016" PRIx64 " events %" PRIu64 " now_ns %" PRId64 " stale %" PRIu64
           " status %s\n",
           w.hash, w.events, w.now_ns, a.stale, sim_status_name(status));
    sim_world_fini(&w);
    return status == SIM_LIMIT_EVENTS || status == SIM_DRAINED ? 0 : 1;
}
