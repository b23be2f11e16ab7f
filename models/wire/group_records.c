/*
 * group_records.c: the append-only arena of __consumer_offsets records (group_records.h).
 */
#include "group_records.h"

#include <stdlib.h>
#include <string.h>

void group_records_init(group_records *r) { memset(r, 0, sizeof *r); }

void group_records_fini(group_records *r) {
    free(r->recs);
    free(r->words);
    memset(r, 0, sizeof *r);
}

uint32_t group_records_add(group_records *r, const group_record *recs, uint32_t n) {
    if (n > UINT32_MAX - 1 - r->count) return UINT32_MAX;
    if (r->count + n > r->capacity) {
        uint32_t cap = r->capacity ? r->capacity : 64;
        while (cap < r->count + n) cap = cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : cap * 2;
        group_record *g = realloc(r->recs, (size_t)cap * sizeof *g);
        if (!g) return UINT32_MAX;
        r->recs = g;
        r->capacity = cap;
    }
    memcpy(r->recs + r->count, recs, (size_t)n * sizeof *recs);
    uint32_t first = r->count;
    r->count += n;
    return first;
}

uint32_t group_records_add_words(group_records *r, const uint32_t *words, size_t n) {
    if (r->words_count + n >= UINT32_MAX) return UINT32_MAX;
    if (r->words_count + n > r->words_capacity) {
        size_t cap = r->words_capacity ? r->words_capacity : 64;
        while (cap < r->words_count + n) cap *= 2;
        uint32_t *w = realloc(r->words, cap * sizeof *w);
        if (!w) return UINT32_MAX;
        r->words = w;
        r->words_capacity = cap;
    }
    memcpy(r->words + r->words_count, words, n * sizeof *words);
    uint32_t first = (uint32_t)r->words_count;
    r->words_count += n;
    return first;
}
