/*
 * expr.c: parser and evaluator of --expect expressions (grammar and typing in expr.h).
 *
 * A recursive-descent parser, one function per grammar level, over a one-token lookahead
 * lexer. Nodes are appended to a fixed array as they are reduced, so children always precede
 * their parent and the root is the last node. Every error is written once, at the first
 * problem, with the 1-based column of the offending token and what the grammar expected there.
 *
 * Invariants: a node's operands have smaller indexes than the node; nesting is bounded by
 * EXPR_DEPTH_MAX during the parse, and evaluation recursion by EXPR_NODES_MAX.
 */
#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond 2^62 in magnitude integer results move to double, so int64 arithmetic never wraps. */
#define EXPR_INT_SAFE 4611686018427387904.0

typedef enum expr_tok {
    TOK_END = 0,
    TOK_NUMBER,
    TOK_NAME,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_OR,
    TOK_AND,
    TOK_NOT,
    TOK_EQ,
    TOK_NE,
    TOK_LT,
    TOK_LE,
    TOK_GT,
    TOK_GE,
    TOK_PLUS,
    TOK_MINUS,
    TOK_STAR,
    TOK_SLASH,
    TOK_BAD,    /* a character no token starts with */
    TOK_ASSIGN, /* a lone '=': a common slip for '==' */
    TOK_AMP,    /* a lone '&' */
    TOK_BAR,    /* a lone '|' */
} expr_tok;

typedef struct expr_parser {
    const char *text;          /* the whole expression */
    size_t pos;                /* next character to lex */
    expr_tok tok;              /* the lookahead token */
    size_t tok_start;          /* its first character */
    size_t tok_len;            /* its length in characters */
    expr *e;                   /* the expression being built */
    const char *const *names;  /* the field names, borrowed */
    size_t name_count;
    int depth;                 /* current nesting */
    bool failed;               /* an error was written; stop */
    char *err;
    size_t err_len;
} expr_parser;

/* ---- Lexer -------------------------------------------------------------------------------- */

static bool expr_is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool expr_is_name_char(char c) {
    return expr_is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static bool expr_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Length of the number starting at s: digits [. digits] [e [+-] digits]. */
static size_t expr_number_len(const char *s) {
    size_t n = 0;
    while (expr_is_digit(s[n])) n++;
    if (s[n] == '.' && expr_is_digit(s[n + 1])) {
        n++;
        while (expr_is_digit(s[n])) n++;
    }
    if (s[n] == 'e' || s[n] == 'E') {
        size_t m = n + 1;
        if (s[m] == '+' || s[m] == '-') m++;
        if (expr_is_digit(s[m])) {
            while (expr_is_digit(s[m])) m++;
            n = m;
        }
    }
    return n;
}

/* Two-character operators first, then one-character ones. */
static expr_tok expr_lex_operator(const char *s, size_t *len) {
    static const struct {
        const char *text;
        expr_tok tok;
    } ops[] = {
        {"||", TOK_OR}, {"&&", TOK_AND}, {"==", TOK_EQ}, {"!=", TOK_NE}, {"<=", TOK_LE},
        {">=", TOK_GE}, {"<", TOK_LT},   {">", TOK_GT},  {"!", TOK_NOT}, {"+", TOK_PLUS},
        {"-", TOK_MINUS}, {"*", TOK_STAR}, {"/", TOK_SLASH}, {"(", TOK_LPAREN},
        {")", TOK_RPAREN}, {"=", TOK_ASSIGN}, {"&", TOK_AMP}, {"|", TOK_BAR},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(s, ops[i].text, n) == 0) {
            *len = n;
            return ops[i].tok;
        }
    }
    *len = 1;
    return TOK_BAD;
}

static void expr_next(expr_parser *p) {
    const char *s = p->text;
    while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
        p->pos++;
    p->tok_start = p->pos;
    char c = s[p->pos];
    if (c == '\0') {
        p->tok = TOK_END;
        p->tok_len = 0;
    } else if (expr_is_digit(c) || (c == '.' && expr_is_digit(s[p->pos + 1]))) {
        p->tok = TOK_NUMBER;
        p->tok_len = c == '.' ? 1 + expr_number_len(s + p->pos + 1) : expr_number_len(s + p->pos);
    } else if (expr_is_name_start(c)) {
        size_t n = 0;
        while (expr_is_name_char(s[p->pos + n])) n++;
        p->tok = TOK_NAME;
        p->tok_len = n;
    } else {
        p->tok = expr_lex_operator(s + p->pos, &p->tok_len);
    }
    p->pos += p->tok_len;
}

static int expr_column(const expr_parser *p) { return (int)p->tok_start + 1; }

/* ---- Errors ------------------------------------------------------------------------------- */

static void expr_error(expr_parser *p, int column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void expr_error(expr_parser *p, int column, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = true;
    int n = snprintf(p->err, p->err_len, "column %d: ", column);
    if (n < 0 || (size_t)n >= p->err_len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Describes the lookahead token for a message: "'&&'", "the end", "'dups'". */
static const char *expr_found(const expr_parser *p, char *buf, size_t len) {
    if (p->tok == TOK_END) return "the end";
    int n = p->tok_len > 40 ? 40 : (int)p->tok_len;
    snprintf(buf, len, "'%.*s'", n, p->text + p->tok_start);
    return buf;
}

static void expr_expected(expr_parser *p, const char *what) {
    char buf[64];
    const char *found = expr_found(p, buf, sizeof buf);
    switch (p->tok) {
    case TOK_ASSIGN:
        expr_error(p, expr_column(p), "'=' is not an operator; write '==' to compare");
        break;
    case TOK_AMP: expr_error(p, expr_column(p), "'&' is not an operator; write '&&'"); break;
    case TOK_BAR: expr_error(p, expr_column(p), "'|' is not an operator; write '||'"); break;
    case TOK_BAD:
        expr_error(p, expr_column(p), "unexpected character %s; expected %s", found, what);
        break;
    default: expr_error(p, expr_column(p), "expected %s, found %s", what, found); break;
    }
}

/* ---- Nodes -------------------------------------------------------------------------------- */

static int expr_node_add(expr_parser *p, expr_op op, bool is_condition, int lhs, int rhs,
                         int column) {
    if (p->failed) return -1;
    if (p->e->count >= EXPR_NODES_MAX) {
        expr_error(p, column, "expression too long (at most %d operands and operators)",
                   EXPR_NODES_MAX);
        return -1;
    }
    int i = p->e->count++;
    expr_node *n = &p->e->nodes[i];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->is_condition = is_condition;
    n->lhs = (int16_t)lhs;
    n->rhs = (int16_t)rhs;
    n->column = column;
    n->start = lhs >= 0 && p->e->nodes[lhs].start < column ? p->e->nodes[lhs].start : column;
    n->field = -1;
    return i;
}

/* Checks that node i has the type an operator needs; names the operand's column otherwise. */
static bool expr_want(expr_parser *p, int i, bool condition, const char *op) {
    if (p->failed || i < 0) return false;
    const expr_node *n = &p->e->nodes[i];
    if (n->is_condition == condition) return true;
    if (condition)
        expr_error(p, n->start,
                   "%s needs a condition such as 'duplicates==0', found a number", op);
    else
        expr_error(p, n->start, "%s needs a number, found a condition", op);
    return false;
}

/* ---- Parser, one function per grammar level ---------------------------------------------- */

static int expr_parse_or(expr_parser *p);

static int expr_parse_number(expr_parser *p) {
    char buf[64];
    int column = expr_column(p);
    if (p->tok_len >= sizeof buf) {
        expr_error(p, column, "number too long");
        return -1;
    }
    memcpy(buf, p->text + p->tok_start, p->tok_len);
    buf[p->tok_len] = '\0';
    expr_value v = expr_int(0);
    if (strpbrk(buf, ".eE")) {
        v = expr_real(strtod(buf, NULL));
        if (!isfinite(v.d)) {
            expr_error(p, column, "number out of range: %s", buf);
            return -1;
        }
    } else {
        for (const char *c = buf; *c; c++) {
            int digit = *c - '0';
            if (v.i > (INT64_MAX - digit) / 10) {
                expr_error(p, column, "number out of range: %s (at most %lld)", buf,
                           (long long)INT64_MAX);
                return -1;
            }
            v.i = v.i * 10 + digit;
        }
    }
    expr_next(p);
    int i = expr_node_add(p, EXPR_LITERAL, false, -1, -1, column);
    if (i >= 0) p->e->nodes[i].literal = v;
    return i;
}

static int expr_parse_name(expr_parser *p) {
    int column = expr_column(p);
    const char *s = p->text + p->tok_start;
    size_t len = p->tok_len;
    for (int truth = 0; truth <= 1; truth++) {
        const char *word = truth ? "true" : "false";
        if (len == strlen(word) && strncmp(s, word, len) == 0) {
            expr_next(p);
            int i = expr_node_add(p, EXPR_BOOL, true, -1, -1, column);
            if (i >= 0) p->e->nodes[i].truth = truth == 1;
            return i;
        }
    }
    for (size_t f = 0; f < p->name_count; f++) {
        if (strlen(p->names[f]) == len && strncmp(p->names[f], s, len) == 0) {
            expr_next(p);
            int i = expr_node_add(p, EXPR_FIELD, false, -1, -1, column);
            if (i >= 0) p->e->nodes[i].field = (int)f;
            return i;
        }
    }
    char list[1024] = "";
    size_t used = 0;
    for (size_t f = 0; f < p->name_count && used + 1 < sizeof list; f++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", f ? ", " : "", p->names[f]);
        if (n < 0) break;
        used += (size_t)n;
    }
    int n = len > 40 ? 40 : (int)len;
    expr_error(p, column, "unknown field '%.*s'; fields: %s", n, s, list);
    return -1;
}

static int expr_parse_primary(expr_parser *p) {
    if (p->tok == TOK_NUMBER) return expr_parse_number(p);
    if (p->tok == TOK_NAME) return expr_parse_name(p);
    if (p->tok == TOK_LPAREN) {
        int open = expr_column(p);
        expr_next(p);
        int i = expr_parse_or(p);
        if (p->failed) return -1;
        if (p->tok != TOK_RPAREN) {
            char what[64];
            snprintf(what, sizeof what, "')' to close the '(' of column %d", open);
            expr_expected(p, what);
            return -1;
        }
        expr_next(p);
        return i;
    }
    expr_expected(p, "a field, a number or '('");
    return -1;
}

/* Runs one nested level, bounding the parser's recursion. */
static int expr_nested(expr_parser *p, int (*level)(expr_parser *)) {
    if (++p->depth > EXPR_DEPTH_MAX) {
        expr_error(p, expr_column(p), "nested too deeply (at most %d levels)", EXPR_DEPTH_MAX);
        return -1;
    }
    int i = level(p);
    p->depth--;
    return i;
}

static int expr_parse_unary(expr_parser *p) {
    if (p->tok != TOK_MINUS) {
        if (p->tok == TOK_LPAREN) return expr_nested(p, expr_parse_primary);
        return expr_parse_primary(p);
    }
    int column = expr_column(p);
    expr_next(p);
    int operand = expr_nested(p, expr_parse_unary);
    if (!expr_want(p, operand, false, "'-'")) return -1;
    return expr_node_add(p, EXPR_NEG, false, operand, -1, column);
}

/* One left-associative level of binary arithmetic: "+ -" or "* /". */
static int expr_parse_arith(expr_parser *p, expr_tok t1, expr_op o1, expr_tok t2, expr_op o2,
                            int (*operand)(expr_parser *)) {
    int lhs = operand(p);
    while (!p->failed && (p->tok == t1 || p->tok == t2)) {
        expr_op op = p->tok == t1 ? o1 : o2;
        int column = expr_column(p);
        char name[4];
        snprintf(name, sizeof name, "%.1s", p->text + p->tok_start);
        char what[8];
        snprintf(what, sizeof what, "'%s'", name);
        expr_next(p);
        int rhs = operand(p);
        if (!expr_want(p, lhs, false, what) || !expr_want(p, rhs, false, what)) return -1;
        lhs = expr_node_add(p, op, false, lhs, rhs, column);
    }
    return p->failed ? -1 : lhs;
}

static int expr_parse_product(expr_parser *p) {
    return expr_parse_arith(p, TOK_STAR, EXPR_MUL, TOK_SLASH, EXPR_DIV, expr_parse_unary);
}

static int expr_parse_sum(expr_parser *p) {
    return expr_parse_arith(p, TOK_PLUS, EXPR_ADD, TOK_MINUS, EXPR_SUB, expr_parse_product);
}

static bool expr_is_comparison(expr_tok t, expr_op *op) {
    switch (t) {
    case TOK_EQ: *op = EXPR_EQ; return true;
    case TOK_NE: *op = EXPR_NE; return true;
    case TOK_LT: *op = EXPR_LT; return true;
    case TOK_LE: *op = EXPR_LE; return true;
    case TOK_GT: *op = EXPR_GT; return true;
    case TOK_GE: *op = EXPR_GE; return true;
    default: return false;
    }
}

static int expr_parse_compare(expr_parser *p) {
    int lhs = expr_parse_sum(p);
    expr_op op;
    if (p->failed || !expr_is_comparison(p->tok, &op)) return p->failed ? -1 : lhs;
    int column = expr_column(p);
    char what[8];
    snprintf(what, sizeof what, "'%.*s'", (int)p->tok_len, p->text + p->tok_start);
    expr_next(p);
    int rhs = expr_parse_sum(p);
    if (p->failed) return -1;
    expr_op again;
    if (expr_is_comparison(p->tok, &again)) {
        expr_error(p, expr_column(p),
                   "comparisons do not chain; write 'a < b && b < c' instead of 'a < b < c'");
        return -1;
    }
    if (op == EXPR_EQ || op == EXPR_NE) {
        /* == and != compare two numbers or two conditions, never one of each. */
        if (!expr_want(p, rhs, p->e->nodes[lhs].is_condition, what)) return -1;
    } else if (!expr_want(p, lhs, false, what) || !expr_want(p, rhs, false, what)) {
        return -1;
    }
    return expr_node_add(p, op, true, lhs, rhs, column);
}

static int expr_parse_not(expr_parser *p) {
    if (p->tok != TOK_NOT) return expr_parse_compare(p);
    int column = expr_column(p);
    expr_next(p);
    int operand = expr_nested(p, expr_parse_not);
    if (!expr_want(p, operand, true, "'!'")) return -1;
    return expr_node_add(p, EXPR_NOT, true, operand, -1, column);
}

/* One left-associative level of logic: "&&" over not, or "||" over and. */
static int expr_parse_logic(expr_parser *p, expr_tok tok, expr_op op, const char *name,
                            int (*operand)(expr_parser *)) {
    int lhs = operand(p);
    while (!p->failed && p->tok == tok) {
        int column = expr_column(p);
        expr_next(p);
        int rhs = operand(p);
        if (!expr_want(p, lhs, true, name) || !expr_want(p, rhs, true, name)) return -1;
        lhs = expr_node_add(p, op, true, lhs, rhs, column);
    }
    return p->failed ? -1 : lhs;
}

static int expr_parse_and(expr_parser *p) {
    return expr_parse_logic(p, TOK_AND, EXPR_AND, "'&&'", expr_parse_not);
}

static int expr_parse_or(expr_parser *p) {
    return expr_parse_logic(p, TOK_OR, EXPR_OR, "'||'", expr_parse_and);
}

int expr_parse(expr *e, const char *text, const char *const *names, size_t name_count,
               char *err, size_t err_len) {
    memset(e, 0, sizeof *e);
    e->root = -1;
    expr_parser p = {.text = text, .e = e, .names = names, .name_count = name_count,
                     .err = err, .err_len = err_len};
    if (err_len) err[0] = '\0';
    if (strlen(text) > EXPR_TEXT_MAX) {
        expr_error(&p, EXPR_TEXT_MAX + 1, "expression too long (at most %d characters)",
                   EXPR_TEXT_MAX);
        return -1;
    }
    expr_next(&p);
    int root = expr_parse_or(&p);
    if (!p.failed && p.tok != TOK_END) {
        expr_op op;
        if (p.tok == TOK_RPAREN)
            expr_error(&p, expr_column(&p), "')' without a matching '('");
        else if (expr_is_comparison(p.tok, &op))
            expr_expected(&p, "'&&', '||' or the end");
        else
            expr_expected(&p, "an operator or the end");
    }
    if (!p.failed && !p.e->nodes[root].is_condition)
        expr_error(&p, 1, "the expectation must be a condition such as 'duplicates==0', "
                          "found a number");
    if (p.failed) return -1;
    e->root = root;
    return 0;
}

/* ---- Evaluation --------------------------------------------------------------------------- */

static double expr_real_of(expr_value v) { return v.is_real ? v.d : (double)v.i; }

/* Integer + - * while the exact result stays below 2^62 in magnitude, double beyond. The
 * double estimate decides: it is off by far less than the 2^62 margin. */
static expr_value expr_arith(expr_op op, expr_value a, expr_value b) {
    double x = expr_real_of(a), y = expr_real_of(b);
    double r = op == EXPR_ADD ? x + y : op == EXPR_SUB ? x - y : x * y;
    if (a.is_real || b.is_real || !(fabs(r) < EXPR_INT_SAFE)) return expr_real(r);
    if (op == EXPR_ADD) return expr_int(a.i + b.i);
    if (op == EXPR_SUB) return expr_int(a.i - b.i);
    return expr_int(a.i * b.i);
}

/* -1, 0, 1 as a < b, a == b, a > b; 2 when unordered (a NaN). */
static int expr_compare(expr_value a, expr_value b) {
    if (!a.is_real && !b.is_real) return a.i < b.i ? -1 : a.i > b.i;
    double x = expr_real_of(a), y = expr_real_of(b);
    if (x < y) return -1;
    if (x > y) return 1;
    return x == y ? 0 : 2;
}

typedef struct expr_result {
    bool truth;       /* a condition's value */
    expr_value value; /* a number's value */
} expr_result;

static int expr_eval_node(const expr *e, int i, const expr_value *values, expr_result *out,
                          char *err, size_t err_len);

static bool expr_compare_holds(expr_op op, int c) {
    switch (op) {
    case EXPR_EQ: return c == 0;
    case EXPR_NE: return c == -1 || c == 1; /* a missing value (2) is equal to nothing, and
                                                unequal to nothing either */
    case EXPR_LT: return c == -1;
    case EXPR_LE: return c == -1 || c == 0;
    case EXPR_GT: return c == 1;
    case EXPR_GE: return c == 1 || c == 0;
    default: return false;
    }
}

static int expr_eval_binary(const expr *e, const expr_node *n, const expr_value *values,
                            expr_result *out, char *err, size_t err_len) {
    expr_result a, b;
    if (expr_eval_node(e, n->lhs, values, &a, err, err_len) != 0) return -1;
    /* && and || short-circuit, so `records > 0 && acked / records > 0.9` is safe. */
    if ((n->op == EXPR_AND && !a.truth) || (n->op == EXPR_OR && a.truth)) {
        out->truth = a.truth;
        return 0;
    }
    if (expr_eval_node(e, n->rhs, values, &b, err, err_len) != 0) return -1;
    switch (n->op) {
    case EXPR_AND:
    case EXPR_OR: out->truth = b.truth; return 0;
    case EXPR_ADD:
    case EXPR_SUB:
    case EXPR_MUL: out->value = expr_arith(n->op, a.value, b.value); return 0;
    case EXPR_DIV:
        if (expr_real_of(b.value) == 0.0) {
            snprintf(err, err_len, "column %d: division by zero", n->column);
            return -1;
        }
        out->value = expr_real(expr_real_of(a.value) / expr_real_of(b.value));
        return 0;
    default: break;
    }
    const expr_node *l = &e->nodes[n->lhs];
    int c = l->is_condition ? (a.truth == b.truth ? 0 : 1) : expr_compare(a.value, b.value);
    out->truth = expr_compare_holds(n->op, c);
    return 0;
}

static int expr_eval_node(const expr *e, int i, const expr_value *values, expr_result *out,
                          char *err, size_t err_len) {
    const expr_node *n = &e->nodes[i];
    out->truth = false;
    out->value = expr_int(0);
    switch (n->op) {
    case EXPR_LITERAL: out->value = n->literal; return 0;
    case EXPR_BOOL: out->truth = n->truth; return 0;
    case EXPR_FIELD: out->value = values[n->field]; return 0;
    case EXPR_NEG:
        if (expr_eval_node(e, n->lhs, values, out, err, err_len) != 0) return -1;
        out->value = expr_arith(EXPR_SUB, expr_int(0), out->value);
        return 0;
    case EXPR_NOT:
        if (expr_eval_node(e, n->lhs, values, out, err, err_len) != 0) return -1;
        out->truth = !out->truth;
        return 0;
    default: return expr_eval_binary(e, n, values, out, err, err_len);
    }
}

int expr_eval(const expr *e, const expr_value *values, bool *holds, char *err, size_t err_len) {
    expr_result r;
    *holds = false;
    if (e->root < 0) {
        snprintf(err, err_len, "no expression");
        return -1;
    }
    if (expr_eval_node(e, e->root, values, &r, err, err_len) != 0) return -1;
    *holds = r.truth;
    return 0;
}

bool expr_uses(const expr *e, int field) {
    for (int i = 0; i < e->count; i++)
        if (e->nodes[i].op == EXPR_FIELD && e->nodes[i].field == field) return true;
    return false;
}

char *expr_value_format(expr_value v, char *buf, size_t len) {
    if (expr_is_missing(v)) {
        snprintf(buf, len, "missing");
        return buf;
    }
    if (!v.is_real) {
        snprintf(buf, len, "%lld", (long long)v.i);
        return buf;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, len, "%.*g", precision, v.d);
        if (strtod(buf, NULL) == v.d) return buf;
    }
    return buf;
}
