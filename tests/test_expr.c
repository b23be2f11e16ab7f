/*
 * test_expr.c: the --expect language: grammar, precedence, typing, integer/real arithmetic
 * without overflow, and the error messages (column and what was expected).
 */
#include <math.h>

#include "expr.h"
#include "test.h"

static const char *const names[] = {"duplicates", "reordered", "lost_acked", "acked",
                                    "records", "latency_ms.p99", "big"};
enum { F_DUP, F_REORD, F_LOST, F_ACKED, F_RECORDS, F_P99, F_BIG, F_COUNT };

static expr_value values[F_COUNT];

static void set_values(int64_t dup, int64_t reord, int64_t lost, int64_t acked, int64_t records) {
    values[F_DUP] = expr_int(dup);
    values[F_REORD] = expr_int(reord);
    values[F_LOST] = expr_int(lost);
    values[F_ACKED] = expr_int(acked);
    values[F_RECORDS] = expr_int(records);
    values[F_P99] = expr_real(12.5);
    values[F_BIG] = expr_int(INT64_MAX);
}

/* 1 when text holds, 0 when it does not, -1 on a parse error, -2 on an evaluation error. */
static int holds(const char *text) {
    expr e;
    char err[512];
    if (expr_parse(&e, text, names, F_COUNT, err, sizeof err) != 0) return -1;
    bool h = false;
    if (expr_eval(&e, values, &h, err, sizeof err) != 0) return -2;
    return h ? 1 : 0;
}

/* The parse error of text, in a static buffer ("" when it parses). */
static const char *parse_error(const char *text) {
    static char err[512];
    expr e;
    err[0] = '\0';
    if (expr_parse(&e, text, names, F_COUNT, err, sizeof err) == 0) return "";
    return err;
}

static void test_basics(void) {
    set_values(0, 0, 0, 100, 100);
    CHECK_EQ(holds("duplicates==0 && lost_acked==0"), 1);
    CHECK_EQ(holds("duplicates == 0&&lost_acked==0 && reordered == 0"), 1);
    CHECK_EQ(holds("duplicates != 0"), 0);
    CHECK_EQ(holds("acked >= records"), 1);
    CHECK_EQ(holds("acked > records"), 0);
    CHECK_EQ(holds("acked <= 99"), 0);
    CHECK_EQ(holds("acked < 101"), 1);
    CHECK_EQ(holds("true"), 1);
    CHECK_EQ(holds("false || true"), 1);
    CHECK_EQ(holds("latency_ms.p99 < 12.6 && latency_ms.p99 > 12.4"), 1);
    CHECK_EQ(holds("latency_ms.p99 == 12.5"), 1);
    set_values(3, 0, 1, 90, 100);
    CHECK_EQ(holds("duplicates==0 && lost_acked==0"), 0);
    CHECK_EQ(holds("duplicates==3 && lost_acked==1"), 1);
    CHECK_EQ(holds("acked / records >= 0.9"), 1);
    CHECK_EQ(holds("acked / records > 0.9"), 0);
}

static void test_precedence(void) {
    set_values(2, 0, 0, 10, 4);
    CHECK_EQ(holds("1 + 2 * 3 == 7"), 1);
    CHECK_EQ(holds("(1 + 2) * 3 == 9"), 1);
    CHECK_EQ(holds("10 - 4 - 3 == 3"), 1);      /* left associative */
    CHECK_EQ(holds("records / 2 / 2 == 1"), 1); /* left associative */
    CHECK_EQ(holds("-duplicates + 5 == 3"), 1);
    CHECK_EQ(holds("- -duplicates == 2"), 1);
    /* && binds tighter than ||: true || (false && false). */
    CHECK_EQ(holds("duplicates == 2 || duplicates == 0 && acked == 0"), 1);
    CHECK_EQ(holds("(duplicates == 2 || duplicates == 0) && acked == 0"), 0);
    /* ! binds looser than a comparison. */
    CHECK_EQ(holds("!duplicates == 0"), 1);
    CHECK_EQ(holds("!!duplicates == 0"), 0);
    CHECK_EQ(holds("!(duplicates == 2) || acked == 10"), 1);
    /* Conditions compare with == and !=. */
    CHECK_EQ(holds("(duplicates > 0) == (acked > 0)"), 1);
    CHECK_EQ(holds("(duplicates > 0) != (acked > 0)"), 0);
}

static void test_arithmetic(void) {
    set_values(0, 0, 0, 7, 2);
    CHECK_EQ(holds("acked / records == 3.5"), 1); /* "/" is real division */
    CHECK_EQ(holds("acked / 0 == 1"), -2);         /* division by zero is an evaluation error */
    CHECK_EQ(holds("records == 0 || acked / records > 1"), 1);
    CHECK_EQ(holds("records != 2 && acked / 0 > 1"), 0); /* short-circuit */
    /* Beyond 2^62, integers move to double instead of wrapping. */
    CHECK_EQ(holds("big + big > big"), 1);
    CHECK_EQ(holds("big * big > 0"), 1);
    CHECK_EQ(holds("-big - big < 0"), 1);
    CHECK_EQ(holds("9223372036854775807 == big"), 1);
    CHECK_EQ(holds("1e3 == 1000"), 1);
    CHECK_EQ(holds(".5 * 4 == 2"), 1);
    CHECK_EQ(holds("2.5e-1 == 0.25"), 1);
    /* Exact integers: 2^53 + 1 is not 2^53, as it would be in double. */
    CHECK_EQ(holds("9007199254740992 + 1 == 9007199254740993"), 1);
    CHECK_EQ(holds("9007199254740993 != 9007199254740992"), 1);
    CHECK_EQ(holds("4294967296 * 4294967296 > 0"), 1); /* 2^64 would wrap to 0 in int64 */
    char buf[64];
    CHECK_STR(expr_value_format(expr_real(0.1), buf, sizeof buf), "0.1");
    CHECK_STR(expr_value_format(expr_int(-42), buf, sizeof buf), "-42");
    CHECK_STR(expr_value_format(expr_real(2.5), buf, sizeof buf), "2.5");
}

static void test_errors(void) {
    CHECK_STR(parse_error(""), "column 1: expected a field, a number or '(', found the end");
    CHECK_STR(parse_error("duplicates = 0"),
              "column 12: '=' is not an operator; write '==' to compare");
    CHECK_STR(parse_error("duplicates==0 & lost_acked==0"),
              "column 15: '&' is not an operator; write '&&'");
    CHECK_STR(parse_error("duplicates==0 &&"),
              "column 17: expected a field, a number or '(', found the end");
    CHECK_STR(parse_error("duplicates==0 && && x"),
              "column 18: expected a field, a number or '(', found '&&'");
    CHECK_CONTAINS(parse_error("dups==0"), "column 1: unknown field 'dups'; fields: duplicates");
    CHECK_STR(parse_error("(duplicates==0"),
              "column 15: expected ')' to close the '(' of column 1, found the end");
    CHECK_STR(parse_error("duplicates==0)"), "column 14: ')' without a matching '('");
    CHECK_STR(parse_error("duplicates"),
              "column 1: the expectation must be a condition such as 'duplicates==0', "
              "found a number");
    CHECK_STR(parse_error("duplicates && lost_acked==0"),
              "column 1: '&&' needs a condition such as 'duplicates==0', found a number");
    CHECK_STR(parse_error("0 < duplicates < 3"),
              "column 16: comparisons do not chain; write 'a < b && b < c' instead of "
              "'a < b < c'");
    CHECK_STR(parse_error("(duplicates==0) + 1 == 1"),
              "column 2: '+' needs a number, found a condition");
    CHECK_STR(parse_error("!duplicates"),
              "column 2: '!' needs a condition such as 'duplicates==0', found a number");
    CHECK_STR(parse_error("(duplicates==0) == 1"),
              "column 20: '==' needs a condition such as 'duplicates==0', found a number");
    CHECK_STR(parse_error("duplicates == 0 $"),
              "column 17: unexpected character '$'; expected an operator or the end");
    CHECK_STR(parse_error("duplicates 0"), "column 12: expected an operator or the end, found '0'");
    CHECK_CONTAINS(parse_error("duplicates == 99999999999999999999"), "number out of range");
    CHECK_CONTAINS(parse_error("duplicates == 1e999"), "number out of range");
    /* Nesting and length are bounded, with a message instead of a crash. */
    char deep[200];
    size_t n = 0;
    for (int i = 0; i < 60; i++) deep[n++] = '(';
    deep[n++] = '1';
    deep[n] = '\0';
    CHECK_CONTAINS(parse_error(deep), "nested too deeply");
    char longer[2000];
    n = 0;
    for (int i = 0; i < 300 && n + 8 < sizeof longer; i++) n += (size_t)sprintf(longer + n, "1+");
    sprintf(longer + n, "1==1");
    CHECK_CONTAINS(parse_error(longer), "expression too long");
}

static void test_uses(void) {
    expr e;
    char err[256];
    CHECK_EQ(expr_parse(&e, "duplicates==0 && lost_acked==0", names, F_COUNT, err, sizeof err),
             0);
    CHECK(expr_uses(&e, F_DUP));
    CHECK(expr_uses(&e, F_LOST));
    CHECK(!expr_uses(&e, F_REORD));
}

/* A missing value (a latency with no callback) is NaN-like: every comparison with it is false,
 * != included, and it spreads through arithmetic; so no expectation holds by a placeholder. */
static void test_missing(void) {
    set_values(0, 0, 0, 0, 0);
    values[F_P99] = expr_missing();
    CHECK_EQ(holds("latency_ms.p99 < 1"), 0);
    CHECK_EQ(holds("latency_ms.p99 >= 0"), 0);
    CHECK_EQ(holds("latency_ms.p99 == latency_ms.p99"), 0);
    CHECK_EQ(holds("latency_ms.p99 != 5"), 0);
    CHECK_EQ(holds("latency_ms.p99 + 1 > 0"), 0);
    CHECK_EQ(holds("-latency_ms.p99 < 0"), 0);
    CHECK_EQ(holds("!(latency_ms.p99 < 1)"), 1);
    CHECK_EQ(holds("records == 0 || latency_ms.p99 < 1"), 1);
    char buf[32];
    CHECK_STR(expr_value_format(expr_missing(), buf, sizeof buf), "missing");
    CHECK(expr_is_missing(expr_missing()));
    CHECK(!expr_is_missing(expr_real(-1e-6)));
}

int main(void) {
    test_basics();
    test_missing();
    test_precedence();
    test_arithmetic();
    test_errors();
    test_uses();
    return test_result("test_expr");
}
