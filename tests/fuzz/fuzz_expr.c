/*
 * fuzz_expr.c: libFuzzer target for the --expect language (expr.c): arbitrary bytes as an
 * expression over a few fields, parsed and, when accepted, evaluated on values chosen to hit
 * the edges (zero, one, INT64_MAX, INT64_MIN, a fraction).
 *
 * Beyond "no crash, no undefined behaviour" (signed overflow is caught by the undefined
 * sanitizer), it asserts the parser's contract: a rejection names a column; an accepted
 * expression has 1..EXPR_NODES_MAX nodes with children before parents; evaluation either holds
 * or not, or fails with a message naming a column.
 *
 * Built outside CMake by tests/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static const char *const fuzz_names[] = {"records", "acked", "lost_acked", "duplicates",
                                         "latency_p99_ms", "retries"};
#define FUZZ_FIELDS (sizeof fuzz_names / sizeof fuzz_names[0])

static void fuzz_check_tree(const expr *e) {
    if (e->count < 1 || e->count > EXPR_NODES_MAX || e->root != e->count - 1) abort();
    for (int i = 0; i < e->count; i++) {
        const expr_node *n = &e->nodes[i];
        if (n->lhs >= i || n->rhs >= i) abort();
        if (n->op == EXPR_FIELD && (n->field < 0 || (size_t)n->field >= FUZZ_FIELDS)) abort();
    }
}

static void fuzz_eval(const expr *e, expr_value v) {
    expr_value values[FUZZ_FIELDS];
    for (size_t i = 0; i < FUZZ_FIELDS; i++) values[i] = v;
    values[0] = expr_int(1000); /* records is never zero in a run */
    bool holds = false;
    char err[256];
    err[0] = '\0';
    if (expr_eval(e, values, &holds, err, sizeof err) != 0 && strstr(err, "column") == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* --expect reaches the parser as a C string */
    static expr e;     /* 128 nodes: too large for every fuzz frame's stack */
    char err[256];
    err[0] = '\0';
    if (expr_parse(&e, text, fuzz_names, FUZZ_FIELDS, err, sizeof err) != 0) {
        if (strstr(err, "column") == NULL && strstr(err, "characters") == NULL) abort();
        free(text);
        return 0;
    }
    fuzz_check_tree(&e);
    fuzz_eval(&e, expr_int(0));
    fuzz_eval(&e, expr_int(1));
    fuzz_eval(&e, expr_int(INT64_MAX));
    fuzz_eval(&e, expr_int(INT64_MIN));
    fuzz_eval(&e, expr_real(0.25));
    char buf[64];
    expr_value_format(expr_real(1e308), buf, sizeof buf);
    free(text);
    return 0;
}
