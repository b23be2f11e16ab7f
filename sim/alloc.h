/*
 * alloc.h: growth of the large arrays of a run: the event queue, and the models' per-record
 * arrays (history, logs, payload ids, the checker's and the producer's per-id tables).
 *
 * A 10,000,000-record run touches hundreds of MB that nothing touched before (850 MB when
 * this was written, about 260 MB since the checker streams the history and a batch of new
 * records is stored as a run of ids), and with 4 KiB pages the first touch of every page is a
 * page fault: two thirds of such a run's time, measured then (bench --scaling: 3.3 M records/s
 * at 10^7 against 15 M at 10^5). Large arrays therefore ask the kernel for transparent huge
 * pages (madvise MADV_HUGEPAGE, honoured when
 * /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always"), one fault per 2 MiB:
 * 5.7-7.0 M records/s at 10^7 on this VM. The event queue gains too: a heap of 10^6 events is
 * read at random, and huge pages spare most of its TLB misses. Where the call does not exist,
 * this is plain realloc. It changes where memory comes from, never what a run computes.
 */
#ifndef KAFKASIM_ALLOC_H
#define KAFKASIM_ALLOC_H

#include <stddef.h>

/* realloc(p, bytes), advising huge pages for blocks of SIM_ALLOC_HUGE_MIN bytes or more.
 * NULL when memory cannot be had (p is left as it was), as realloc. */
void *sim_realloc_large(void *p, size_t bytes);

/* calloc(count, size) with the same hint: zeroed, NULL when memory cannot be had or
 * count * size does not fit. */
void *sim_calloc_large(size_t count, size_t size);

/* A block of bytes aligned to SIM_ALLOC_PAGE (free with free), so that sim_pages_return can
 * give back whole pages of it; NULL when memory cannot be had. */
void *sim_alloc_pages(size_t bytes);

/* Gives the whole SIM_ALLOC_PAGE pages inside [p, p + bytes) back to the kernel (madvise
 * MADV_DONTNEED): they leave the resident set, and their contents are lost (they read as
 * zeros, or as they were where the call does not exist). A page written again is backed
 * again, at the cost of a page fault. For memory whose contents are dead. */
void sim_pages_return(void *p, size_t bytes);

#define SIM_ALLOC_PAGE ((size_t)4096)
#define SIM_ALLOC_HUGE_MIN ((size_t)4 << 20) /* 4 MiB: at least one aligned 2 MiB page inside */

#endif
