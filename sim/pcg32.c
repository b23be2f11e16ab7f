/*
 * pcg32.c: bounded draws over the reference PCG32 generator (pcg32.h).
 *
 * sim_pcg32_bounded is pcg32_boundedrand_r from pcg_basic.c (M. E. O'Neill, pcg-random.org)
 * line for line: the draws below threshold = 2^32 mod bound are rejected, so every residue
 * mod bound is equally likely, and the numbers drawn match the published pcg32-demo (coins,
 * rolls and the card shuffle, checked in tests/test_pcg32.c).
 *
 * sim_pcg32_bounded64 extends the same rejection scheme to 64 bits, two 32-bit outputs per
 * candidate (high word first). Bounds that fit in 32 bits take the 32-bit path, so a model
 * that happens to pass a small bound through the 64-bit call draws the same numbers as one
 * that calls sim_pcg32_bounded.
 *
 * Invariant: every draw is a pure function of the stream state; no floating point.
 */
#include "pcg32.h"

#include "sim.h" /* SIM_ASSERT, on in every build */

uint32_t sim_pcg32_bounded(sim_pcg32 *rng, uint32_t bound) {
    SIM_ASSERT(NULL, bound > 0);
    /* 2^32 mod bound, computed in 32 bits as pcg_basic.c does: (-bound) % bound. */
    return sim_pcg32_bounded_with(rng, bound, sim_pcg32_threshold(bound));
}

uint64_t sim_pcg32_bounded64(sim_pcg32 *rng, uint64_t bound) {
    SIM_ASSERT(NULL, bound > 0);
    if (bound <= UINT32_MAX) return sim_pcg32_bounded(rng, (uint32_t)bound);
    uint64_t threshold = (uint64_t)(-bound) % bound; /* 2^64 mod bound */
    for (;;) {
        uint64_t high = sim_pcg32_next(rng);
        uint64_t low = sim_pcg32_next(rng);
        uint64_t r = (high << 32) | low;
        if (r >= threshold) return r % bound;
    }
}
