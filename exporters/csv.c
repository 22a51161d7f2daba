/* Machine CSV of a run's payroll lines: every field, integers only, for SIPD entry or other
 * systems. The whole file is built in memory and written atomically, so a reader never sees half
 * a file and a failed export leaves nothing behind. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "tpp/export.h"

/* The column order is part of the file format: append new columns at the end, never reorder. */
static const char *const csv_header =
    "nip,name,unit_code,unit_name,position,grade,kelas,npwp,bank_name,bank_account,status,"
    "message,workdays,days_present,days_absent,days_missing_punch,days_excused,late_minutes,"
    "early_minutes,deferred,perf_missing,besaran,percent,discipline_cut,performance_cut,tpp,"
    "pot_bulan_lalu,pot_hukdis,bpjs_employer,gross,bpjs_employee,deductions,net_before_tax,pph21,"
    "net,period,run_id,pack_sha256,zakat,line\n";

/* A spreadsheet opening the CSV would run text starting with one of these as a formula (CSV
 * injection); a leading single quote makes it plain text there and is easy to strip elsewhere. */
static int needs_formula_guard(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

/* One text field, RFC 4180: quoted only when it holds a comma, a quote or a line break. */
static void put_text(tpp_buf *b, const char *s)
{
    if (s == NULL)
        s = "";
    int guard = needs_formula_guard(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        tpp_buf_append(b, "\"", 1);
    if (guard)
        tpp_buf_append(b, "'", 1);
    if (!quote) {
        tpp_buf_puts(b, s);
        return;
    }
    for (const char *p = s; *p != '\0';) {
        const char *q = strchr(p, '"');
        if (q == NULL) {
            tpp_buf_puts(b, p);
            break;
        }
        tpp_buf_append(b, p, (size_t)(q - p) + 1);
        tpp_buf_append(b, "\"", 1); /* the quote is doubled */
        p = q + 1;
    }
    tpp_buf_append(b, "\"", 1);
}

/* ",<integer>": by hand, since snprintf per field dominates the time on a large region. */
static void put_int(tpp_buf *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    *--p = ',';
    tpp_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Basis points as a decimal with two places (9725 -> "97.25") by integer maths, so the text is
 * exactly the stored value and never a rounded double. */
static void put_percent(tpp_buf *b, int32_t bp)
{
    int64_t v = bp; /* widen first: -INT32_MIN does not fit an int32_t */
    const char *sign = v < 0 ? "-" : "";
    if (v < 0)
        v = -v;
    tpp_buf_printf(b, ",%s%" PRId64 ".%02" PRId64, sign, v / 100, v % 100);
}

static void put_sep_text(tpp_buf *b, const char *s)
{
    tpp_buf_append(b, ",", 1);
    put_text(b, s);
}

static void put_line(tpp_buf *b, const tpp_payline *l, const char *period,
                     const tpp_export_meta *meta)
{
    put_text(b, l->nip);
    put_sep_text(b, l->name);
    put_sep_text(b, l->unit_code);
    put_sep_text(b, l->unit_name);
    put_sep_text(b, l->position);
    put_sep_text(b, l->grade);
    put_int(b, l->kelas);
    put_sep_text(b, l->npwp);
    put_sep_text(b, l->bank_name);
    put_sep_text(b, l->bank_account);
    put_sep_text(b, l->ok ? "ok" : "error");
    put_sep_text(b, l->message);
    put_int(b, l->workdays);
    put_int(b, l->days_present);
    put_int(b, l->days_absent);
    put_int(b, l->days_missing_punch);
    put_int(b, l->days_excused);
    put_int(b, l->late_minutes);
    put_int(b, l->early_minutes);
    put_int(b, l->deferred ? 1 : 0);
    put_int(b, l->perf_missing ? 1 : 0);
    put_int(b, l->besaran);
    put_percent(b, l->percent_bp);
    put_int(b, l->discipline_cut);
    put_int(b, l->performance_cut);
    put_int(b, l->tpp);
    put_int(b, l->pot_bulan_lalu);
    put_int(b, l->pot_hukdis);
    put_int(b, l->bpjs_employer);
    put_int(b, l->gross);
    put_int(b, l->bpjs_employee);
    put_int(b, l->deductions);
    put_int(b, l->net_before_tax);
    put_int(b, l->pph21);
    put_int(b, l->net);
    put_sep_text(b, period);
    put_int(b, meta->run_id);
    put_sep_text(b, meta->pack_sha256);
    put_int(b, l->zakat);
    put_int(b, l->line);
    tpp_buf_append(b, "\n", 1);
}

static tpp_status check_meta(const tpp_export_meta *meta, tpp_error *err)
{
    if (meta->month < 1 || meta->month > 12 || meta->year < 1 || meta->year > 9999)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "csv export: invalid period %d-%d",
                        meta->year, meta->month);
    return TPP_OK;
}

tpp_status tpp_export_csv_render(const tpp_export_meta *meta, const tpp_payline *lines, size_t n,
                                 char **buf, size_t *len, tpp_error *err)
{
    *buf = NULL;
    *len = 0;
    if (meta == NULL || (lines == NULL && n > 0))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "csv export: missing argument");
    TPP_TRY(check_meta(meta, err));
    char period[16];
    snprintf(period, sizeof period, "%04d-%02d", meta->year, meta->month);

    tpp_buf b = {0};
    tpp_buf_puts(&b, csv_header);
    for (size_t i = 0; i < n && !b.oom; i++)
        put_line(&b, &lines[i], period, meta);
    if (b.oom) {
        tpp_buf_release(&b);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory building the machine CSV");
    }
    *buf = b.data;
    *len = b.len;
    return TPP_OK;
}

tpp_status tpp_export_csv(const char *path, const tpp_export_meta *meta, const tpp_payline *lines,
                          size_t n, tpp_error *err)
{
    if (path == NULL || meta == NULL || (lines == NULL && n > 0))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "csv export: missing argument");
    char *buf;
    size_t len;
    TPP_TRY(tpp_export_csv_render(meta, lines, n, &buf, &len, err));
    tpp_status rc = tpp_file_write_atomic(path, buf, len, err);
    free(buf);
    return rc;
}
