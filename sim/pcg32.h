/*
 * pcg32.h: the reference PCG32 generator (M. E. O'Neill, pcg-random.org, pcg_basic.c):
 * 64-bit LCG state, odd increment selecting the stream, XSH-RR output permutation.
 * sim_pcg32_seed(rng, initstate, initseq) is pcg32_srandom_r; the published demo with
 * initstate 42, initseq 54 is checked in tests/test_pcg32.c.
 *
 * Randomness in models is drawn only from these streams, with integer bounds; floating point
 * never decides a simulated outcome.
 */
#ifndef KAFKASIM_PCG32_H
#define KAFKASIM_PCG32_H

#include <stdint.h>

typedef struct sim_pcg32 {
    uint64_t state; /* LCG state */
    uint64_t inc;   /* stream selector, always odd */
} sim_pcg32;

static inline uint32_t sim_pcg32_next(sim_pcg32 *rng) {
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

static inline void sim_pcg32_seed(sim_pcg32 *rng, uint64_t initstate, uint64_t initseq) {
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u;
    (void)sim_pcg32_next(rng);
    rng->state += initstate;
    (void)sim_pcg32_next(rng);
}

/* A uniform draw in [0, bound), free of modulo bias (pcg32_boundedrand_r). bound > 0. */
uint32_t sim_pcg32_bounded(sim_pcg32 *rng, uint32_t bound);

/* The same draw for a caller that draws many times with one bound: threshold is
 * sim_pcg32_threshold(bound), computed once (it costs a division). */
static inline uint32_t sim_pcg32_threshold(uint32_t bound) { return (uint32_t)(-bound) % bound; }
static inline uint32_t sim_pcg32_bounded_with(sim_pcg32 *rng, uint32_t bound,
                                              uint32_t threshold) {
    for (;;) {
        uint32_t r = sim_pcg32_next(rng);
        if (r >= threshold) return r % bound;
    }
}

/* A uniform draw in [0, bound) for 64-bit bounds, also unbiased. bound > 0. */
uint64_t sim_pcg32_bounded64(sim_pcg32 *rng, uint64_t bound);

/* True with probability ppm / 1,000,000 (integer parts per million; 0 never, >= 1e6 always). */
static inline int sim_pcg32_chance_ppm(sim_pcg32 *rng, uint32_t ppm) {
    if (ppm == 0) return 0;
    if (ppm >= 1000000u) return 1;
    return sim_pcg32_bounded(rng, 1000000u) < ppm;
}

#endif
