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

#endif /* TPP_TESTS_FUZZ_H */
