/* Civil-date arithmetic (days from civil, after H. Hinnant's public-domain algorithms). */
#include <string.h>

#include "tpp/date.h"

tpp_date tpp_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tpp_date_to_ymd(tpp_date t, int *y, int *m, int *d)
{
    int z = t + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

int tpp_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int tpp_date_weekday(tpp_date t)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    int w = (t + 3) % 7;
    return w < 0 ? w + 7 : w;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool tpp_period_parse(const char *s, size_t len, int *year, int *month)
{
    int y, m;
    if (len != 7 || s[4] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m))
        return false;
    if (y < 1900 || m < 1 || m > 12)
        return false;
    *year = y;
    *month = m;
    return true;
}

bool tpp_date_parse(const char *s, size_t len, tpp_date *out)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > tpp_days_in_month(y, m))
        return false;
    *out = tpp_date_from_ymd(y, m, d);
    return true;
}

void tpp_date_format(tpp_date t, char *buf)
{
    int y, m, d;
    tpp_date_to_ymd(t, &y, &m, &d);
    /* y is within 1900..9999 for every parsed date; clamp for the formatter's sake. */
    y = y < 0 ? 0 : y > 9999 ? 9999 : y;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}

bool tpp_timestamp_parse(const char *s, size_t len, tpp_date *day, int32_t *sec)
{
    int hh, mm, ss;
    if (len != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
        return false;
    if (!tpp_date_parse(s, 10, day))
        return false;
    if (!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss))
        return false;
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    *sec = hh * 3600 + mm * 60 + ss;
    return true;
}
