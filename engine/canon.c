/* The canonical employee record, version 2 (docs/canonical-trace.md). Every field is written as
 * "key SP length ':' bytes LF", integers in plain decimal, the line after the NIP, the trace
 * last as its compact bytes: unambiguous, independent of thread count, locale and platform. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/canon.h"
#include "tpp/audit.h"

#define COL(name, is_int) {name, sizeof name - 1, is_int}
static const struct {
    const char *name;
    size_t name_len;
    bool is_int;
} columns[TPP_CANON_N_COLUMNS] = {
    COL("nip", false),
    COL("line", true),
    COL("name", false),
    COL("unit_code", false),
    COL("unit_name", false),
    COL("position", false),
    COL("grade", false),
    COL("class", true),
    COL("npwp", false),
    COL("bank_name", false),
    COL("bank_account", false),
    COL("status", false),
    COL("message", false),
    COL("workdays", true),
    COL("days_present", true),
    COL("days_absent", true),
    COL("days_missing_punch", true),
    COL("days_excused", true),
    COL("late_minutes", true),
    COL("early_minutes", true),
    COL("deferred", true),
    COL("perf_missing", true),
    COL("besaran", true),
    COL("percent_bp", true),
    COL("discipline_cut", true),
    COL("performance_cut", true),
    COL("tpp", true),
    COL("pot_bulan_lalu", true),
    COL("pot_hukdis", true),
    COL("bpjs_employer", true),
    COL("gross", true),
    COL("bpjs_employee", true),
    COL("deductions", true),
    COL("net_before_tax", true),
    COL("pph21", true),
    COL("net", true),
    COL("trace", false),
};

/* Must list the same columns as `columns`, in the same order. */
const char tpp_canon_columns_sql[] =
    "nip, line, name, unit_code, unit_name, position, grade, class, npwp, bank_name, bank_account, "
    "status, message, workdays, days_present, days_absent, days_missing_punch, days_excused, "
    "late_minutes, early_minutes, deferred, perf_missing, besaran, percent_bp, discipline_cut, "
    "performance_cut, tpp, pot_bulan_lalu, pot_hukdis, bpjs_employer, gross, bpjs_employee, "
    "deductions, net_before_tax, pph21, net, trace";

const char *tpp_canon_column_name(int i)
{
    return i >= 0 && i < TPP_CANON_N_COLUMNS ? columns[i].name : "?";
}

bool tpp_canon_column_is_int(int i)
{
    return i >= 0 && i < TPP_CANON_N_COLUMNS && columns[i].is_int;
}

#define CANON_STR2(x) #x
#define CANON_STR(x)  CANON_STR2(x)

/* Decimal digits of v into the end of buf (at least 20 bytes); returns where they start. The
 * record is hashed for every employee of a sealed month: printf was a third of `tpp finalize`. */
static char *put_u64(char *end, uint64_t v)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

/* "key SP length ':' bytes LF". A finalize writes some 150 M of these at national size: a short
 * field is composed here and appended once, instead of six appends of a few bytes. */
static void put_field(tpp_buf *b, const char *key, size_t key_len, const char *s, size_t len)
{
    char f[256];
    char num[24];
    char *d = put_u64(num + sizeof num, len);
    size_t dl = (size_t)(num + sizeof num - d);
    if (key_len + dl + len + 3 > sizeof f) {
        tpp_buf_append(b, key, key_len);
        tpp_buf_append(b, " ", 1);
        tpp_buf_append(b, d, dl);
        tpp_buf_append(b, ":", 1);
        tpp_buf_append(b, s, len);
        tpp_buf_append(b, "\n", 1);
        return;
    }
    char *p = f;
    memcpy(p, key, key_len);
    p += key_len;
    *p++ = ' ';
    memcpy(p, d, dl);
    p += dl;
    *p++ = ':';
    if (len > 0)
        memcpy(p, s, len);
    p += len;
    *p++ = '\n';
    tpp_buf_append(b, f, (size_t)(p - f));
}

void tpp_canon_trace_lines(const char *trace, size_t len,
                           void (*fn)(void *user, size_t i, const char *line, size_t n), void *user)
{
    size_t i = 0, start = 0;
    for (size_t k = 0; k < len; k++) {
        if (trace[k] == '\n') {
            fn(user, i++, trace + start, k - start);
            start = k + 1;
        }
    }
    if (start < len)
        fn(user, i, trace + start, len - start);
}

void tpp_canon_record(sqlite3_stmt *q, int first_col, const char *period, tpp_buf *out)
{
    static const char head[] = "tpp-canonical-record " CANON_STR(TPP_CANON_VERSION) "\n";
    tpp_buf_append(out, head, sizeof head - 1);
    put_field(out, "period", 6, period, strlen(period));
    for (int i = 0; i < TPP_CANON_N_COLUMNS - 1; i++) {
        int c = first_col + i;
        size_t key_len = columns[i].name_len;
        if (columns[i].is_int) {
            /* plain decimal, as "%lld": a minus sign, then the magnitude */
            char num[24];
            int64_t v = (int64_t)sqlite3_column_int64(q, c);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            char *d = put_u64(num + sizeof num, mag);
            if (v < 0)
                *--d = '-';
            put_field(out, columns[i].name, key_len, d, (size_t)(num + sizeof num - d));
        } else {
            const char *s = (const char *)sqlite3_column_text(q, c);
            size_t n = (size_t)sqlite3_column_bytes(q, c);
            put_field(out, columns[i].name, key_len, s ? s : "", s ? n : 0);
        }
    }
    /* the compact trace's bytes as stored (docs/compact-trace.md); version 1 had the text
     * steps here, ten times the bytes to hash */
    int tc = first_col + TPP_CANON_N_COLUMNS - 1;
    const char *t = (const char *)sqlite3_column_blob(q, tc);
    size_t tlen = t ? (size_t)sqlite3_column_bytes(q, tc) : 0;
    put_field(out, "trace", 5, t ? t : "", tlen);
    tpp_buf_append(out, "end\n", 4);
}
