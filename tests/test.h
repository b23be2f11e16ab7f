/*
 * test.h: the whole test framework. CHECK and CHECK_EQ print both sides and where they failed,
 * and stay on in every build (libuv's test/task.h does the same). A test's main returns
 * test_result(): 0 when every check held.
 */
#ifndef KAFKASIM_TEST_H
#define KAFKASIM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        test_checks++;                                                                       \
        if (!(cond)) {                                                                       \
            test_failures++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);         \
        }                                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                                       \
    do {                                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                      \
        test_checks++;                                                                       \
        if (check_a_ != check_b_) {                                                          \
            test_failures++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", __FILE__,   \
                    __LINE__, #a, #b, check_a_, check_b_);                                   \
        }                                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                                      \
    do {                                                                                     \
        const char *check_a_ = (a), *check_b_ = (b);                                         \
        test_checks++;                                                                       \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                     \
            test_failures++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n  got:  \"%s\"\n  want: \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",              \
                    check_b_ ? check_b_ : "(null)");                                         \
        }                                                                                    \
    } while (0)

/* True when needle occurs in haystack. */
#define CHECK_CONTAINS(haystack, needle)                                                     \
    do {                                                                                     \
        const char *check_h_ = (haystack), *check_n_ = (needle);                             \
        test_checks++;                                                                       \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                      \
            test_failures++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: \"%s\" not in\n  \"%s\"\n",       \
                    __FILE__, __LINE__, check_n_, check_h_ ? check_h_ : "(null)");           \
        }                                                                                    \
    } while (0)

static inline int test_result(const char *name) {
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#endif
