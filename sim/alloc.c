/*
 * alloc.c: realloc with a huge-page hint for large blocks (see alloc.h).
 *
 * The hint covers the 2 MiB-aligned part of the block only: madvise wants a page-aligned start,
 * and a huge page can only back an aligned 2 MiB range. Failure of the hint is ignored; it is
 * advice.
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE in glibc's sys/mman.h */

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define ALLOC_HUGE_PAGE ((uintptr_t)2 << 20)

static void alloc_advise_huge(void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t start = ((uintptr_t)p + ALLOC_HUGE_PAGE - 1) & ~(ALLOC_HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(ALLOC_HUGE_PAGE - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void *sim_realloc_large(void *p, size_t bytes) {
    void *q = realloc(p, bytes);
    if (q != NULL && bytes >= SIM_ALLOC_HUGE_MIN) alloc_advise_huge(q, bytes);
    return q;
}

void *sim_calloc_large(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    if (bytes < SIM_ALLOC_HUGE_MIN) return calloc(count, size);
    void *p = sim_realloc_large(NULL, bytes);
    if (p != NULL) memset(p, 0, bytes); /* first touch, in huge pages where granted */
    return p;
}

void *sim_alloc_pages(size_t bytes) {
    if (bytes > SIZE_MAX - SIM_ALLOC_PAGE) return NULL;
    size_t rounded = (bytes + SIM_ALLOC_PAGE - 1) & ~(SIM_ALLOC_PAGE - 1);
    return aligned_alloc(SIM_ALLOC_PAGE, rounded ? rounded : SIM_ALLOC_PAGE);
}

void sim_pages_return(void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    uintptr_t start = ((uintptr_t)p + SIM_ALLOC_PAGE - 1) & ~(uintptr_t)(SIM_ALLOC_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)(SIM_ALLOC_PAGE - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_DONTNEED);
#else
    (void)p;
    (void)bytes;
#endif
}
