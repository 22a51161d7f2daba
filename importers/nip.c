/* NIP checks: 18 digits; for PNS/CPNS the birth date, CPNS start and sex digit (Perka BKN
 * 22/2007, domain brief §7.5). NI PPPK numbers have their own structure, so only their length is
 * checked. */
#include <stdio.h>

#include "importers/nip.h"
#include "tpp/date.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

bool tpp_nip_looks_mangled(const char *s, size_t len)
{
    if (len > 0 && (s[0] == '\'' || s[0] == '`'))
        return true;
    /* [+-]?digits[.digits][eE][+-]?digits, or digits.0... */
    size_t i = 0, n_int = 0, n_frac = 0, n_exp = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && is_digit(s[i]))
        i++, n_int++;
    bool dot = false;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        dot = true;
        for (i++; i < len && is_digit(s[i]); i++)
            n_frac++;
    }
    if (n_int == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && is_digit(s[i]))
            i++, n_exp++;
        return i == len && n_exp > 0;
    }
    /* "197704182003122009.0": a number format with decimals */
    if (i == len && dot && n_frac > 0 && n_int >= 15) {
        for (size_t k = len - n_frac; k < len; k++)
            if (s[k] != '0')
                return false;
        return true;
    }
    return false;
}

bool tpp_nip_check(const char *s, size_t len, bool pns, char *why, size_t why_size, size_t *offset)
{
    *offset = 0;
    size_t n_digits = 0;
    for (size_t i = 0; i < len; i++)
        n_digits += is_digit(s[i]);
    if (len != TPP_NIP_LEN || n_digits != len) {
        if (n_digits == len)
            snprintf(why, why_size, "expected 18 digits, found %zu", len);
        else
            snprintf(why, why_size, "expected 18 digits and nothing else");
        return false;
    }
    if (!pns)
        return true;

    int by = num(s, 4), bm = num(s + 4, 2), bd = num(s + 6, 2);
    if (by < 1900 || bm < 1 || bm > 12 || bd < 1 || bd > tpp_days_in_month(by, bm)) {
        snprintf(why, why_size, "digits 1-8 '%.8s' are not a birth date YYYYMMDD", s);
        return false;
    }
    int ty = num(s + 8, 4), tm = num(s + 12, 2);
    if (tm < 1 || tm > 12) {
        *offset = 8;
        snprintf(why, why_size, "digits 9-14 '%.6s' are not a CPNS start YYYYMM", s + 8);
        return false;
    }
    if (ty < by + 15) {
        *offset = 8;
        snprintf(why, why_size,
                 "CPNS start %04d-%02d is less than 15 years after the birth year %04d", ty, tm,
                 by);
        return false;
    }
    if (s[14] != '1' && s[14] != '2') {
        *offset = 14;
        snprintf(why, why_size, "digit 15 is '%c', expected 1 for male or 2 for female", s[14]);
        return false;
    }
    return true;
}
