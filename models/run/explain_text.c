/*
 * explain_text.c: the text of explain's stories (explain_text.h).
 */
#include "explain_text.h"

#include <stdio.h>
#include <string.h>

#include "sim.h"

static void explain_text_vprintf(explain_text *t, const char *fmt, va_list ap) {
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    if (n > 0) t->len += (size_t)n;
    if (t->len >= sizeof t->buf) t->len = sizeof t->buf - 1;
}

void explain_text_head(explain_text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    explain_text_vprintf(t, fmt, ap);
    va_end(ap);
}

void explain_text_vadd(explain_text *t, int max, const char *first_sep, const char *fmt,
                       va_list ap) {
    if (t->clauses == max) {
        t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, "; ...");
        if (t->len >= sizeof t->buf) t->len = sizeof t->buf - 1;
        t->clauses++;
    }
    const char *sep = t->clauses > 0 ? "; " : first_sep;
    size_t sep_len = strlen(sep);
    if (t->clauses > max || t->len + sep_len + 1 >= sizeof t->buf) return;
    t->clauses++;
    memcpy(t->buf + t->len, sep, sep_len + 1);
    t->len += sep_len;
    explain_text_vprintf(t, fmt, ap);
}

void explain_time(int64_t ns, char *buf, size_t len) {
    uint64_t m = ns < 0 ? 0 : (uint64_t)ns;
    snprintf(buf, len, "%llu.%03llu ms", (unsigned long long)(m / (uint64_t)SIM_MS),
             (unsigned long long)(m % (uint64_t)SIM_MS / (uint64_t)SIM_US));
}
