/*
 * expr.h: the little language of `kafkasim check --expect`: a condition over the output fields
 * of one run, such as `duplicates==0 && lost_acked==0` or `acked / records >= 0.99`.
 *
 * Grammar, from the loosest binding to the tightest:
 *
 *   or      := and { "||" and }
 *   and     := not { "&&" not }
 *   not     := "!" not | compare          ("!" binds looser than a comparison, like Python's
 *                                          `not`: !duplicates==0 means !(duplicates==0))
 *   compare := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum ]   (comparisons do not chain)
 *   sum     := product { ("+"|"-") product }
 *   product := unary { ("*"|"/") unary }
 *   unary   := "-" unary | primary
 *   primary := NUMBER | FIELD | "true" | "false" | "(" or ")"
 *
 * NUMBER is digits with an optional fraction and exponent (42, 0.5, 1e6); FIELD is a name out of
 * the list the caller gives (letters, digits, '_' and '.'). Expressions are typed: arithmetic and
 * ordering take numbers, && || ! take conditions, == and != take two of the same type, and the
 * whole expression must be a condition. So `duplicates && lost_acked==0` and `a < b < c` are
 * errors at parse time, each naming its column and what was expected there.
 *
 * Evaluation has no undefined behaviour: integer + - * stay exact in int64 while the result is
 * below 2^62 in magnitude and move to double beyond; "/" is always real division; a division by
 * zero is an evaluation error naming its column.
 *
 * A field can be missing (a latency when no send got a callback): its value is NaN-like. It
 * spreads through arithmetic, and every comparison with it is false, != included (as SQL's
 * NULL, not IEEE's NaN, for which != is true), so no expectation holds by a placeholder. Parsing and evaluation are pure: data in, data
 * out, no allocation (an expression lives in a fixed array of nodes).
 */
#ifndef KAFKASIM_EXPR_H
#define KAFKASIM_EXPR_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPR_NODES_MAX 128 /* nodes of one expression (literals, fields, operators) */
#define EXPR_DEPTH_MAX 32  /* nesting of parentheses and prefix operators */
#define EXPR_TEXT_MAX 4096 /* characters of one expression */

/* A number: an exact integer or a double. */
typedef struct expr_value {
    bool is_real; /* false: i holds the value; true: d does */
    int64_t i;    /* the integer value, when !is_real */
    double d;     /* the real value, when is_real */
} expr_value;

static inline expr_value expr_int(int64_t v) {
    expr_value x = {false, v, 0.0};
    return x;
}
static inline expr_value expr_real(double v) {
    expr_value x = {true, 0, v};
    return x;
}
/* A missing value (NaN). */
static inline expr_value expr_missing(void) { return expr_real(NAN); }
static inline bool expr_is_missing(expr_value v) { return v.is_real && isnan(v.d); }

typedef enum expr_op {
    EXPR_LITERAL = 0, /* a number */
    EXPR_BOOL,        /* true or false */
    EXPR_FIELD,       /* a field's value, looked up at evaluation */
    EXPR_NEG,
    EXPR_NOT,
    EXPR_ADD,
    EXPR_SUB,
    EXPR_MUL,
    EXPR_DIV,
    EXPR_EQ,
    EXPR_NE,
    EXPR_LT,
    EXPR_LE,
    EXPR_GT,
    EXPR_GE,
    EXPR_AND,
    EXPR_OR,
} expr_op;

typedef struct expr_node {
    expr_op op;         /* what the node computes */
    bool is_condition;  /* its type: a condition (true/false) or a number */
    int16_t lhs;        /* index of the left (or only) operand, -1 for leaves */
    int16_t rhs;        /* index of the right operand, -1 unless binary */
    int column;         /* 1-based column of the operator or leaf in the text */
    int start;          /* 1-based column where the node's whole text begins */
    int field;          /* EXPR_FIELD: index into the caller's name list */
    bool truth;         /* EXPR_BOOL: its value */
    expr_value literal; /* EXPR_LITERAL: its value */
} expr_node;

/* A parsed expression: a tree of nodes in one array, the root last. */
typedef struct expr {
    expr_node nodes[EXPR_NODES_MAX]; /* the tree, children before parents */
    int count;                       /* nodes in use */
    int root;                        /* index of the root node */
} expr;

/* Parses text into e. Field names are those of names[0..name_count-1] (borrowed only during
 * the call); a node refers to a field by its index there. Returns 0, or -1 with one message in
 * err: "column 14: expected a field, a number or '(', found '&&'". */
int expr_parse(expr *e, const char *text, const char *const *names, size_t name_count,
               char *err, size_t err_len);

/* Evaluates e with values[i] the value of field i (the same order as the names given to
 * expr_parse). Sets *holds and returns 0, or returns -1 with a message in err (a division by
 * zero, naming its column). */
int expr_eval(const expr *e, const expr_value *values, bool *holds, char *err, size_t err_len);

/* True when e reads field index field (to print just the values an expectation looks at). */
bool expr_uses(const expr *e, int field);

/* Formats v as the shortest text that reads back the same ("3", "0.25"), a missing value as
 * "missing"; returns buf. */
char *expr_value_format(expr_value v, char *buf, size_t len);

#endif
