/* Civil dates as day numbers, periods and local timestamps. */
#ifndef TPP_DATE_H
#define TPP_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Days since 1970-01-01, proleptic Gregorian. */
typedef int32_t tpp_date;
#define TPP_DATE_NONE INT32_MIN /* "no date" (an open start or end) */

tpp_date tpp_date_from_ymd(int y, int m, int d);
void tpp_date_to_ymd(tpp_date t, int *y, int *m, int *d);
/** Strict "YYYY-MM-DD"; false on junk or an impossible date. */
bool tpp_date_parse(const char *s, size_t len, tpp_date *out);
/** "YYYY-MM-DD" into buf (at least 11 bytes). */
void tpp_date_format(tpp_date t, char *buf);
/** 0 = Monday ... 6 = Sunday. */
int tpp_date_weekday(tpp_date t);
int tpp_days_in_month(int y, int m);
/** Strict "YYYY-MM". */
bool tpp_period_parse(const char *s, size_t len, int *year, int *month);
/** Strict "YYYY-MM-DD HH:MM:SS" (also "YYYY-MM-DDTHH:MM:SS"); seconds of the day into *sec. */
bool tpp_timestamp_parse(const char *s, size_t len, tpp_date *day, int32_t *sec);

#ifdef __cplusplus
}
#endif
#endif /* TPP_DATE_H */
