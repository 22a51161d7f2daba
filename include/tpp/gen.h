/* Synthetic, realistic input files for a region (demo, fixtures, benchmarks). */
#ifndef TPP_GEN_H
#define TPP_GEN_H

#include <stdint.h>

#include "tpp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tpp_gen_options {
    int employees; /* number of employees */
    int year;
    int month;
    uint64_t seed; /* same seed, same files, byte for byte */
} tpp_gen_options;

/**
 * Write employees.csv, attendance.csv, absences.csv, events.csv, performance.csv and
 * holidays.csv for the month into dir (created if needed), in the canonical columns of SPEC §3.
 */
tpp_status tpp_gen_region(const char *dir, const tpp_gen_options *opt, tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_GEN_H */
