/* Whole-rupiah money and exact decimal rates. No floating point anywhere. */
#ifndef TPP_MONEY_H
#define TPP_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t tpp_money; /* whole rupiah */

typedef enum tpp_rounding {
    TPP_ROUND_HALF_UP,   /* ties away from zero: 2.5 -> 3, -2.5 -> -3 */
    TPP_ROUND_HALF_EVEN, /* banker's: 2.5 -> 2, 3.5 -> 4 */
    TPP_ROUND_DOWN,      /* toward zero (truncate) */
    TPP_ROUND_UP,        /* away from zero */
    TPP_ROUND_FLOOR,
    TPP_ROUND_CEILING,
    TPP_ROUND_COUNT
} tpp_rounding;

/** An exact decimal rate: num / den with den a power of ten (e.g. "2.5" = 25/10). */
typedef struct tpp_ratio {
    int64_t num;
    int64_t den;
} tpp_ratio;

bool tpp_money_add(tpp_money a, tpp_money b, tpp_money *out); /* false on overflow */
bool tpp_money_sub(tpp_money a, tpp_money b, tpp_money *out);
bool tpp_money_mul_int(tpp_money a, int64_t k, tpp_money *out);
/** a * num / den rounded once by mode (128-bit intermediate). False on overflow or den == 0. */
bool tpp_money_mul_ratio(tpp_money a, int64_t num, int64_t den, tpp_rounding mode, tpp_money *out);
/** Split total by weights so that the parts sum exactly to total (largest remainder; ties go
 *  to the earlier part). False if the weights are not positive in sum. */
bool tpp_money_allocate(tpp_money total, const int64_t *weights, size_t n, tpp_money *parts);

/** Parse "[-]digits[.digits]" into an exact ratio (den = 10^decimals, at most 9 decimals). */
bool tpp_ratio_parse(const char *s, size_t len, tpp_ratio *out);
/** Parse whole rupiah "[-]digits"; false on junk or overflow. */
bool tpp_money_parse(const char *s, size_t len, tpp_money *out);
/** a + b exactly (common denominator); false on overflow. */
bool tpp_ratio_add(tpp_ratio a, tpp_ratio b, tpp_ratio *out);
/** a * k exactly. */
bool tpp_ratio_mul_int(tpp_ratio a, int64_t k, tpp_ratio *out);
/** -1, 0, 1 as a < b, a == b, a > b. */
int tpp_ratio_cmp(tpp_ratio a, tpp_ratio b);
/** Shortest decimal text of a ratio with a power-of-ten denominator ("2.5", "100"). */
int tpp_ratio_format(tpp_ratio r, char *buf, size_t size);

/** "-1234567" (plain) into buf; snprintf-style return. */
int tpp_money_format(tpp_money m, char *buf, size_t size);
/** "Rp 1.234.567" / "-Rp 1.234.567" (Indonesian grouping) into buf. */
int tpp_money_format_id(tpp_money m, char *buf, size_t size);

const char *tpp_rounding_name(tpp_rounding mode); /* "half_up", ... */
bool tpp_rounding_parse(const char *s, tpp_rounding *out);

#ifdef __cplusplus
}
#endif
#endif /* TPP_MONEY_H */
