/* Shared by the fuzz targets: the libFuzzer entry point and an assertion that survives
 * NDEBUG, so that a broken invariant is a crash the fuzzer reports. */
#ifndef TPP_TESTS_FUZZ_H
#define TPP_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* TPP_FUZZ_VERBOSE=1 in the environment: the targets echo diagnostics and say what they saw
 * (to check that a seed reaches what it is meant to reach). */
static inline FILE *fuzz_echo(void)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("TPP_FUZZ_VERBOSE") != NULL;
    return verbose ? stderr : NULL;
}

#endif /* TPP_TESTS_FUZZ_H */
