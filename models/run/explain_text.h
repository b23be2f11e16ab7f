/*
 * explain_text.h: the text of explain's stories, shared by the producer side (explain.c) and
 * the pipeline (explain_pipeline.c): a story is a head ("record 57 duplicated ...") and
 * clauses joined by "; ", cut with "; ..." after a number of clauses, in a fixed buffer that
 * never overflows; times as "8012.000 ms".
 */
#ifndef KAFKASIM_EXPLAIN_TEXT_H
#define KAFKASIM_EXPLAIN_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define EXPLAIN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EXPLAIN_PRINTF(f, a)
#endif

typedef struct explain_text {
    char buf[4096];            /* the story so far */
    size_t len;                /* bytes used */
    int clauses;               /* clauses added */
} explain_text;

/* Appends to the head of a story, before its clauses. */
void explain_text_head(explain_text *t, const char *fmt, ...) EXPLAIN_PRINTF(2, 3);

/* Adds a clause: the first after first_sep, the others after "; "; once max clauses are there,
 * one "; ..." and nothing more. */
void explain_text_vadd(explain_text *t, int max, const char *first_sep, const char *fmt,
                       va_list ap) EXPLAIN_PRINTF(4, 0);

/* "8012.000 ms" (a negative time as 0) into buf. */
void explain_time(int64_t ns, char *buf, size_t len);

#endif
