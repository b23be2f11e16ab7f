/*
 * bare_main.c: `kafkasim-bare`, the bare model of the bench's reference scenario (bare.c) as a
 * program of its own: it runs it and prints what it did.
 *
 *   kafkasim-bare [--records N] [--seed N] [--runs N]
 *
 * --runs N runs seeds seed .. seed + N - 1 (as the bench's sweep row does) and prints their sums;
 * the checksum is the last run's. Exit status: 0 ok, 1 a run failed, 2 bad usage.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bare.h"

static int bare_usage(const char *msg, const char *value) {
    fprintf(stderr, "kafkasim-bare: %s%s\nUsage: kafkasim-bare [--records N] [--seed N] "
                    "[--runs N]\n", msg, value);
    return 2;
}

/* A decimal unsigned 64-bit value, at least min; -1 when the text is anything else. */
static int bare_parse_u64(const char *text, uint64_t min, uint64_t *out) {
    if (text[0] < '0' || text[0] > '9') return -1;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (*end != '\0' || value < min || value == ULLONG_MAX) return -1;
    *out = value;
    return 0;
}

int main(int argc, char **argv) {
    uint64_t records = 100000, seed = 1, runs = 1;
    for (int i = 1; i < argc; i++) {
        uint64_t *into = strcmp(argv[i], "--records") == 0 ? &records
                         : strcmp(argv[i], "--seed") == 0  ? &seed
                         : strcmp(argv[i], "--runs") == 0  ? &runs
                                                           : NULL;
        if (!into) return bare_usage("unknown argument ", argv[i]);
        if (i + 1 == argc) return bare_usage("a value is missing after ", argv[i]);
        if (bare_parse_u64(argv[i + 1], into == &seed ? 0 : 1, into) != 0)
            return bare_usage("not a valid count: ", argv[i + 1]);
        i++;
    }
    if (records > BARE_RECORDS_MAX) return bare_usage("--records is at most 2^30, not ", "more");
    bare_result sum = {0}, r;
    for (uint64_t k = 0; k < runs; k++) {
        if (bare_run(seed + k, records, &r) != 0) {
            fprintf(stderr, "kafkasim-bare: seed %" PRIu64 " failed (out of memory)\n", seed + k);
            return 1;
        }
        sum.records += r.records;
        sum.acked += r.acked;
        sum.events += r.events;
        sum.retries += r.retries;
        sum.deduplicated += r.deduplicated;
        sum.dropped += r.dropped;
    }
    printf("records %" PRIu64 " acked %" PRIu64 " events %" PRIu64 " retries %" PRIu64
           " deduplicated %" PRIu64 " dropped %" PRIu64 " sim_time_ms %.3f memory_bytes %zu"
           " checksum 0x%016" PRIx64 "\n",
           sum.records, sum.acked, sum.events, sum.retries, sum.deduplicated, sum.dropped,
           (double)r.end_ns / 1e6, r.memory_bytes, r.checksum);
    return 0;
}
