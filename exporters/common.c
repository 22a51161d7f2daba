/* Small pieces shared by the payroll files: the paid total of a list, dates in words. */
#include <stdio.h>

#include "tpp/export.h"

static const char *const month_id[12] = {"Januari",   "Februari", "Maret",    "April",
                                         "Mei",       "Juni",     "Juli",     "Agustus",
                                         "September", "Oktober",  "November", "Desember"};

tpp_status tpp_paylines_stats(const tpp_payline *lines, size_t n, tpp_file_stats *out,
                              tpp_error *err)
{
    out->records = 0;
    out->total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].ok)
            continue; /* listed with zeros: visible, but nothing is paid */
        if (!tpp_money_add(out->total, lines[i].net, &out->total))
            return tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the net total");
        out->records++;
    }
    return TPP_OK;
}

bool tpp_date_words_id(int year, int month, int day, char *buf, size_t size)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return false;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[month - 1] + (month == 2 && leap))
        return false;
    snprintf(buf, size, "%d %s %d", day, month_id[month - 1], year);
    return true;
}
