/* A tiny non-fatal assertion harness: every failure is printed, the run goes on, and each test
 * program ends with "N passed, N failed" and a non-zero exit status when anything failed. */
#ifndef TPP_TESTS_CHECK_H
#define TPP_TESTS_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* An unconditional failure with a message (a branch that must not be reached). */
#define CHECK_FAIL(msg)                                                                            \
    do {                                                                                           \
        check_count++;                                                                             \
        check_failures++;                                                                          \
        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, (msg));                                \
    } while (0)

#define CHECK_I64(got, exp)                                                                        \
    do {                                                                                           \
        int64_t g_ = (int64_t)(got), e_ = (int64_t)(exp);                                          \
        check_count++;                                                                             \
        if (g_ != e_) {                                                                            \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = %" PRId64 ", expected %" PRId64 "\n", __FILE__, __LINE__, \
                    #got, g_, e_);                                                                 \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, exp)                                                                \
    do {                                                                                   \
        const char *g_ = (got), *e_ = (exp);                                               \
        check_count++;                                                                     \
        if (g_ == NULL || strcmp(g_, e_) != 0) {                                           \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s = '%s', expected '%s'\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", e_);                                               \
        }                                                                                  \
    } while (0)

#define CHECK_OK(expr, errp)                                                         \
    do {                                                                             \
        tpp_status s_ = (expr);                                                      \
        check_count++;                                                               \
        if (s_ != TPP_OK) {                                                          \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #expr, \
                    tpp_status_str(s_), (errp)->msg);                                \
        }                                                                            \
    } while (0)

#define CHECK_DONE()                                                                 \
    (printf("%d passed, %d failed\n", check_count - check_failures, check_failures), \
     check_failures != 0)

#endif /* TPP_TESTS_CHECK_H */
