/*
 * test_pcg32.c: the generator against the published pcg32-demo output (pcg-c-basic,
 * pcg32-demo.c, round 1: initstate 42, initseq 54), then pinned bounded draws, so that any
 * change to the streams the models draw from fails here first.
 */
#include "pcg32.h"
#include "sim.h"
#include "test.h"

/* Round 1 of pcg32-demo: six raw outputs, 65 coin flips, 33 dice rolls, one card shuffle. */
static void test_demo_round_one(void) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 42u, 54u);
    static const uint32_t raw[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                    0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    for (int i = 0; i < 6; i++) CHECK_EQ(sim_pcg32_next(&rng), raw[i]);

    char coins[66];
    for (int i = 0; i < 65; i++) coins[i] = sim_pcg32_bounded(&rng, 2) ? 'H' : 'T';
    coins[65] = '\0';
    CHECK_STR(coins, "HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT");

    char rolls[33 * 2];
    for (int i = 0; i < 33; i++) {
        rolls[2 * i] = (char)('1' + sim_pcg32_bounded(&rng, 6));
        rolls[2 * i + 1] = ' ';
    }
    rolls[33 * 2 - 1] = '\0';
    CHECK_STR(rolls, "3 4 1 1 2 2 3 2 4 3 2 4 3 3 5 2 3 1 3 1 5 1 4 1 5 6 4 6 6 2 6 3 3");

    /* Fisher-Yates over 52 cards, bounded(i) for i = 52 down to 2, as the demo shuffles. */
    int cards[52];
    for (int i = 0; i < 52; i++) cards[i] = i;
    for (uint32_t i = 52; i > 1; i--) {
        uint32_t chosen = sim_pcg32_bounded(&rng, i);
        int card = cards[chosen];
        cards[chosen] = cards[i - 1];
        cards[i - 1] = card;
    }
    char deck[52 * 3];
    for (int i = 0; i < 52; i++) {
        deck[3 * i] = "A23456789TJQK"[cards[i] / 4];
        deck[3 * i + 1] = "hcds"[cards[i] % 4];
        deck[3 * i + 2] = ' ';
    }
    deck[52 * 3 - 1] = '\0';
    CHECK_STR(deck, "Qd Ks 6d 3s 3d 4c 3h Td Kc 5c Jh Kd Jd As 4s 4h Ad Th Ac Jc 7s Qs "
                    "2s 7h Kh 2d 6c Ah 4d Qh 9h 6s 5s 2c 9c Ts 8d 9s 3c 8c Js 5d 2h 6h "
                    "7d 8s 9d 5h 8h Qc 7c Tc");
}

/* A bound just above 2^31 rejects almost half the raw draws: the rejection path is pinned
 * draw for draw, and each result is checked against the raw output it came from. */
static void test_bounded_rejection(void) {
    const uint32_t bound = 0x80000001u;
    const uint32_t threshold = 0x7fffffffu; /* 2^32 mod bound */
    sim_pcg32 rng, raw;
    sim_pcg32_seed(&rng, 7u, 11u);
    raw = rng;
    int rejected = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t got = sim_pcg32_bounded(&rng, bound);
        uint32_t r;
        while ((r = sim_pcg32_next(&raw)) < threshold) rejected++;
        CHECK_EQ(got, r % bound);
        CHECK(got < bound);
    }
    CHECK(rejected > 850 && rejected < 1150); /* about one rejection per accepted draw */
    CHECK_EQ(rng.state, raw.state);

    sim_pcg32_seed(&rng, 7u, 11u);
    static const uint32_t pinned[6] = {0x21666a2bu, 0x103989dfu, 0x46dc6e0bu,
                                       0x4a6229e4u, 0x12b5b6afu, 0x753d61c7u};
    for (int i = 0; i < 6; i++) CHECK_EQ(sim_pcg32_bounded(&rng, bound), pinned[i]);
}

/* Small bounds: every residue about equally likely (each of 10 buckets within 3% of 100 000). */
static void test_bounded_uniform(void) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 1234u, 5u);
    long counts[10] = {0};
    for (int i = 0; i < 1000000; i++) counts[sim_pcg32_bounded(&rng, 10)]++;
    for (int b = 0; b < 10; b++) CHECK(counts[b] > 97000 && counts[b] < 103000);
    for (int i = 0; i < 1000; i++) CHECK_EQ(sim_pcg32_bounded(&rng, 1), 0);

    sim_pcg32_seed(&rng, 2024u, 3u);
    static const uint32_t pinned[8] = {865368u, 18657u, 685339u, 448984u,
                                       538056u, 599033u, 215223u, 678674u};
    for (int i = 0; i < 8; i++) CHECK_EQ(sim_pcg32_bounded(&rng, 1000000u), pinned[i]);
}

static void test_bounded64(void) {
    sim_pcg32 rng, raw;
    /* A power of two above 2^32 rejects nothing: the low 33 bits of (high << 32 | low). */
    sim_pcg32_seed(&rng, 99u, 1u);
    raw = rng;
    for (int i = 0; i < 1000; i++) {
        uint64_t high = sim_pcg32_next(&raw);
        uint64_t low = sim_pcg32_next(&raw);
        uint64_t want = ((high << 32) | low) & 0x1ffffffffu;
        CHECK(sim_pcg32_bounded64(&rng, UINT64_C(1) << 33) == want);
    }
    /* Bounds that fit in 32 bits draw exactly as sim_pcg32_bounded. */
    sim_pcg32_seed(&rng, 99u, 2u);
    raw = rng;
    for (int i = 0; i < 1000; i++) {
        uint32_t bound = 1u + (uint32_t)i * 4294967u;
        CHECK(sim_pcg32_bounded64(&rng, bound) == sim_pcg32_bounded(&raw, bound));
    }
    /* 2^63 + 1 rejects about half the candidates; results stay below the bound. */
    const uint64_t bound = (UINT64_C(1) << 63) + 1u;
    sim_pcg32_seed(&rng, 99u, 3u);
    int high_half = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t got = sim_pcg32_bounded64(&rng, bound);
        CHECK(got < bound);
        high_half += got >= (UINT64_C(1) << 62);
    }
    CHECK(high_half > 400 && high_half < 600);
    sim_pcg32_seed(&rng, 99u, 3u);
    static const uint64_t pinned[4] = {
        UINT64_C(0x75d38f79904a03a4), UINT64_C(0x2126aa7b75a15934),
        UINT64_C(0x0cf1e169f07d2cfb), UINT64_C(0x5b47afb42c5695ef)};
    for (int i = 0; i < 4; i++) CHECK(sim_pcg32_bounded64(&rng, bound) == pinned[i]);
}

static void test_chance_ppm(void) {
    sim_pcg32 rng;
    sim_pcg32_seed(&rng, 5u, 6u);
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        CHECK_EQ(sim_pcg32_chance_ppm(&rng, 0), 0);
        CHECK_EQ(sim_pcg32_chance_ppm(&rng, 1000000u), 1);
        hits += sim_pcg32_chance_ppm(&rng, 250000u);
    }
    CHECK(hits > 24000 && hits < 26000);
}

/* Streams of one seed differ by component id, and the same (seed, id) repeats exactly. */
static void test_streams(void) {
    sim_pcg32 a, b, c;
    sim_pcg32_seed(&a, 77u, 1u);
    sim_pcg32_seed(&b, 77u, 1u);
    sim_pcg32_seed(&c, 77u, 2u);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = sim_pcg32_next(&a), y = sim_pcg32_next(&b), z = sim_pcg32_next(&c);
        same_ab += x == y;
        same_ac += x == z;
    }
    CHECK_EQ(same_ab, 100);
    CHECK(same_ac < 3);
}

int main(void) {
    test_demo_round_one();
    test_bounded_rejection();
    test_bounded_uniform();
    test_bounded64();
    test_chance_ppm();
    test_streams();
    return test_result("test_pcg32");
}
