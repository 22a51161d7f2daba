/* Integer money with explicit rounding. The only arithmetic on amounts in the project. */
#include <stdio.h>
#include <string.h>

#include "tpp/money.h"

__extension__ typedef __int128 tpp_i128;

bool tpp_money_add(tpp_money a, tpp_money b, tpp_money *out)
{
    return !__builtin_add_overflow(a, b, out);
}

bool tpp_money_sub(tpp_money a, tpp_money b, tpp_money *out)
{
    return !__builtin_sub_overflow(a, b, out);
}

bool tpp_money_mul_int(tpp_money a, int64_t k, tpp_money *out)
{
    return !__builtin_mul_overflow(a, k, out);
}

/* q = n / d rounded by mode; d > 0. */
static tpp_i128 div_round(tpp_i128 n, tpp_i128 d, tpp_rounding mode)
{
    tpp_i128 q = n / d; /* truncates toward zero */
    tpp_i128 r = n % d; /* same sign as n */
    if (r == 0)
        return q;
    int sign = n < 0 ? -1 : 1;
    tpp_i128 twice = (r < 0 ? -r : r) * 2;
    bool away;
    switch (mode) {
    case TPP_ROUND_HALF_UP:
        away = twice >= d;
        break;
    case TPP_ROUND_HALF_EVEN:
        away = twice > d || (twice == d && (q % 2) != 0);
        break;
    case TPP_ROUND_DOWN:
        away = false;
        break;
    case TPP_ROUND_UP:
        away = true;
        break;
    case TPP_ROUND_FLOOR:
        away = sign < 0;
        break;
    case TPP_ROUND_CEILING:
        away = sign > 0;
        break;
    case TPP_ROUND_COUNT:
    default:
        away = false;
        break;
    }
    return away ? q + sign : q;
}

bool tpp_money_mul_ratio(tpp_money a, int64_t num, int64_t den, tpp_rounding mode, tpp_money *out)
{
    if (den == 0)
        return false;
    tpp_i128 n = (tpp_i128)a * num; /* |a|,|num| < 2^63: the product fits in 127 bits */
    tpp_i128 d = den;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    tpp_i128 q = div_round(n, d, mode);
    if (q > INT64_MAX || q < INT64_MIN)
        return false;
    *out = (tpp_money)q;
    return true;
}

bool tpp_money_allocate(tpp_money total, const int64_t *weights, size_t n, tpp_money *parts)
{
    tpp_i128 sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0)
            return false;
        sum += weights[i];
    }
    if (sum <= 0)
        return false;
    tpp_i128 given = 0;
    for (size_t i = 0; i < n; i++) {
        parts[i] = (tpp_money)(((tpp_i128)total * weights[i]) / sum); /* toward zero */
        given += parts[i];
    }
    /* Hand out what is left, one rupiah at a time, to the largest remainders; ties go to
     * the earlier part so the split never depends on anything but the inputs. */
    tpp_i128 left = (tpp_i128)total - given;
    int step = left < 0 ? -1 : 1;
    while (left != 0) {
        size_t best = n;
        tpp_i128 best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            tpp_i128 exact = (tpp_i128)total * weights[i];
            tpp_i128 rem = exact - (tpp_i128)parts[i] * sum;
            if (rem < 0)
                rem = -rem;
            if (rem > best_rem) {
                best_rem = rem;
                best = i;
            }
        }
        if (best == n || best_rem == 0)
            return false;
        parts[best] += step;
        left -= step;
    }
    return true;
}

bool tpp_ratio_parse(const char *s, size_t len, tpp_ratio *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    int64_t num = 0, den = 1;
    size_t digits = 0, decimals = 0;
    bool dot = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9')
            return false;
        if (dot) {
            if (++decimals > 9)
                return false;
            den *= 10;
        }
        if (__builtin_mul_overflow(num, 10, &num) || __builtin_add_overflow(num, c - '0', &num))
            return false;
        digits++;
    }
    if (digits == 0 || (dot && decimals == 0))
        return false;
    out->num = neg ? -num : num;
    out->den = den;
    return true;
}

bool tpp_money_parse(const char *s, size_t len, tpp_money *out)
{
    tpp_ratio r;
    if (!tpp_ratio_parse(s, len, &r) || r.den != 1)
        return false;
    *out = r.num;
    return true;
}

static bool align(tpp_ratio *a, tpp_ratio *b)
{
    while (a->den < b->den) {
        if (__builtin_mul_overflow(a->num, 10, &a->num))
            return false;
        a->den *= 10;
    }
    while (b->den < a->den) {
        if (__builtin_mul_overflow(b->num, 10, &b->num))
            return false;
        b->den *= 10;
    }
    return true;
}

bool tpp_ratio_add(tpp_ratio a, tpp_ratio b, tpp_ratio *out)
{
    if (!align(&a, &b))
        return false;
    out->den = a.den;
    return !__builtin_add_overflow(a.num, b.num, &out->num);
}

bool tpp_ratio_mul_int(tpp_ratio a, int64_t k, tpp_ratio *out)
{
    out->den = a.den;
    return !__builtin_mul_overflow(a.num, k, &out->num);
}

int tpp_ratio_cmp(tpp_ratio a, tpp_ratio b)
{
    tpp_i128 l = (tpp_i128)a.num * b.den, r = (tpp_i128)b.num * a.den;
    return l < r ? -1 : l > r ? 1 : 0;
}

int tpp_ratio_format(tpp_ratio r, char *buf, size_t size)
{
    int64_t num = r.num, den = r.den;
    while (den > 1 && den % 10 == 0 && num % 10 == 0) {
        num /= 10;
        den /= 10;
    }
    if (den == 1)
        return snprintf(buf, size, "%lld", (long long)num);
    int decimals = 0;
    for (int64_t d = den; d > 1; d /= 10)
        decimals++;
    unsigned long long mag = num < 0 ? 0ULL - (unsigned long long)num : (unsigned long long)num;
    return snprintf(buf, size, "%s%llu.%0*llu", num < 0 ? "-" : "", mag / (unsigned long long)den,
                    decimals, mag % (unsigned long long)den);
}

int tpp_money_format(tpp_money m, char *buf, size_t size)
{
    return snprintf(buf, size, "%lld", (long long)m);
}

int tpp_money_format_id(tpp_money m, char *buf, size_t size)
{
    char digits[32], grouped[48];
    unsigned long long mag = m < 0 ? 0ULL - (unsigned long long)m : (unsigned long long)m;
    int n = snprintf(digits, sizeof digits, "%llu", mag);
    size_t j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[j++] = '.';
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    return snprintf(buf, size, "%sRp %s", m < 0 ? "-" : "", grouped);
}

const char *tpp_rounding_name(tpp_rounding mode)
{
    switch (mode) {
    case TPP_ROUND_HALF_UP:
        return "half_up";
    case TPP_ROUND_HALF_EVEN:
        return "half_even";
    case TPP_ROUND_DOWN:
        return "down";
    case TPP_ROUND_UP:
        return "up";
    case TPP_ROUND_FLOOR:
        return "floor";
    case TPP_ROUND_CEILING:
        return "ceiling";
    case TPP_ROUND_COUNT:
        break;
    }
    return "?";
}

bool tpp_rounding_parse(const char *s, tpp_rounding *out)
{
    for (int m = 0; m < TPP_ROUND_COUNT; m++) {
        if (strcmp(s, tpp_rounding_name((tpp_rounding)m)) == 0) {
            *out = (tpp_rounding)m;
            return true;
        }
    }
    return false;
}
