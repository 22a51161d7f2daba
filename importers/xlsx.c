/* XLSX reader over libzip and expat.
 *
 * The workbook (xl/workbook.xml) names the sheets and their relationship ids; the relationships
 * (xl/_rels/workbook.xml.rels) give each sheet's part; styles (xl/styles.xml) tell which number
 * formats are dates; shared strings (xl/sharedStrings.xml) hold most text. A sheet is parsed as
 * a stream: expat is suspended at the end of every <row>, so only one row (plus the shared
 * strings) is in memory at a time.
 *
 * Numbers are kept as the decimal text the file stores, never through a double: a NIP stored as
 * a number has already lost its last digits (a spreadsheet keeps 15 significant digits), which
 * is flagged on the field so that the importer can say so. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "importers/xlsx.h"
#include "tpp/date.h"

#define MAX_CELL_TEXT  65536        /* like a CSV field */
#define MAX_COLUMNS    256          /* like a CSV record */
#define MAX_ROW        1048576ul    /* rows of a sheet (Excel) */
#define MAX_SHARED     (256u << 20) /* bytes of shared strings kept */
#define MAX_PART_BYTES (1u << 30)   /* uncompressed bytes of one part we parse (zip bombs) */
#define CHUNK          65536

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

typedef struct sheet_ref {
    char *name;
    char *rid;
    char *target;
} sheet_ref;

/* The number format kind of each cell style (cellXfs index). */
enum { FMT_NONE, FMT_DATE, FMT_DATETIME, FMT_TIME };

typedef struct cell {
    unsigned col;
    unsigned flags;
    size_t off, len; /* in row_text */
} cell;

struct tpp_xlsx_reader {
    const char *path;
    tpp_diags *diags;
    size_t n_errors;
    zip_t *zip;
    bool date1904;

    sheet_ref *sheets;
    size_t n_sheets;
    char *sheet_name;

    unsigned char *fmt_of_xf; /* FMT_* per style index */
    size_t n_xf;

    char **shared;
    size_t n_shared;
    size_t shared_bytes;

    /* the sheet stream */
    zip_file_t *sheet;
    XML_Parser parser;
    bool sheet_done;
    bool suspended;
    char chunk[CHUNK];
    uint64_t sheet_bytes;

    /* the row being built */
    bool in_row, in_cell, in_v, in_is, in_t, in_rph;
    unsigned row_no, last_row, next_col;
    char cell_type[16];
    unsigned cell_style;
    unsigned cell_col;
    sbuf cell_text;
    sbuf row_text;
    cell *cells;
    size_t n_cells, cells_cap;
    bool row_ready;
    bool cell_bad;

    /* the record handed out */
    tpp_csv_record rec;
    tpp_csv_field *fields;
    size_t fields_cap;
    sbuf out_text;
    size_t width;
    char empty[1];
};

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

__attribute__((format(printf, 4, 5))) static void report(tpp_xlsx_reader *r, unsigned line,
                                                         unsigned col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->n_errors++;
    tpp_diag_error(r->diags, (tpp_srcloc){r->path, line, col, NULL}, "%s", msg);
}

/* ---- numbers and dates -------------------------------------------------------------------- */

/* Split decimal text "-1.25E+3" into sign, digits (no leading zeros) and the power of ten of
 * the last digit. */
static bool split_number(const char *v, bool *neg, char *digits, size_t size, int *exp10)
{
    size_t n = 0;
    int frac = 0, e = 0;
    bool any = false, dot = false;
    *neg = false;
    if (*v == '-' || *v == '+')
        *neg = *v++ == '-';
    for (; *v; v++) {
        if (*v >= '0' && *v <= '9') {
            any = true;
            if (n == 0 && *v == '0') {
                if (dot)
                    frac++;
                continue;
            }
            if (n + 1 >= size)
                return false;
            digits[n++] = *v;
            if (dot)
                frac++;
        } else if (*v == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!any)
        return false;
    if (*v == 'e' || *v == 'E') {
        v++;
        bool eneg = false;
        if (*v == '-' || *v == '+')
            eneg = *v++ == '-';
        if (!(*v >= '0' && *v <= '9'))
            return false;
        while (*v >= '0' && *v <= '9') {
            if (e > 1000)
                return false;
            e = e * 10 + (*v++ - '0');
        }
        if (eneg)
            e = -e;
    }
    if (*v != '\0')
        return false;
    digits[n] = '\0';
    *exp10 = e - frac;
    return true;
}

bool tpp_xlsx_number_text(const char *v, char *out, size_t size, bool *lossy)
{
    char d[64];
    bool neg;
    int e;
    *lossy = false;
    if (!split_number(v, &neg, d, sizeof d, &e))
        return false;
    size_t n = strlen(d);
    while (n > 0 && d[n - 1] == '0' && e < 0) { /* trailing fraction zeros */
        d[--n] = '\0';
        e++;
    }
    if (n == 0) {
        snprintf(out, size, "0");
        return true;
    }
    if (e > 40 || e < -40)
        return false;
    long int_digits = (long)n + e;
    if (int_digits >= 16)
        *lossy = true;
    size_t o = 0;
    char buf[128];
    if (neg)
        buf[o++] = '-';
    if (int_digits <= 0) {
        buf[o++] = '0';
        buf[o++] = '.';
        for (long i = 0; i < -int_digits; i++)
            buf[o++] = '0';
        for (size_t i = 0; i < n; i++)
            buf[o++] = d[i];
    } else {
        for (long i = 0; i < int_digits; i++)
            buf[o++] = (size_t)i < n ? d[i] : '0';
        if ((size_t)int_digits < n) {
            buf[o++] = '.';
            for (size_t i = (size_t)int_digits; i < n; i++)
                buf[o++] = d[i];
        }
    }
    buf[o] = '\0';
    if (o + 1 > size)
        return false;
    memcpy(out, buf, o + 1);
    return true;
}

bool tpp_xlsx_serial_to_text(const char *v, bool date1904, int kind, char *out, size_t size)
{
    char d[64];
    bool neg;
    int e;
    if (!split_number(v, &neg, d, sizeof d, &e) || neg)
        return false;
    size_t n = strlen(d);
    /* integer part (days) and up to 12 fraction digits, exactly */
    long long days = 0, frac = 0, scale = 1; /* frac / scale of a day */
    long int_digits = (long)n + e;
    if (int_digits > 7)
        return false; /* beyond year 9999 */
    for (long i = 0; i < int_digits; i++)
        days = days * 10 + ((size_t)i < n ? d[i] - '0' : 0);
    for (long i = int_digits, k = 0; k < 12; i++, k++) {
        int digit = i >= 0 && (size_t)i < n ? d[i] - '0' : 0;
        frac = frac * 10 + digit;
        scale *= 10;
    }
    long long secs = (frac * 86400 + scale / 2) / scale; /* half up to the second */
    if (secs >= 86400) {
        days++;
        secs -= 86400;
    }
    if (kind == FMT_TIME && days == 0) {
        snprintf(out, size, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
        return true;
    }
    int y, m, dd;
    if (date1904) {
        tpp_date_to_ymd(tpp_date_from_ymd(1904, 1, 1) + (tpp_date)days, &y, &m, &dd);
    } else if (days == 60) {
        y = 1900, m = 2, dd = 29; /* the day Lotus 1-2-3 invented; reported as invalid later */
    } else if (days < 60) {
        if (days < 1)
            return false;
        tpp_date_to_ymd(tpp_date_from_ymd(1899, 12, 31) + (tpp_date)days, &y, &m, &dd);
    } else {
        tpp_date_to_ymd(tpp_date_from_ymd(1899, 12, 30) + (tpp_date)days, &y, &m, &dd);
    }
    if (kind == FMT_DATE && secs == 0)
        snprintf(out, size, "%04d-%02d-%02d", y, m, dd);
    else
        snprintf(out, size, "%04d-%02d-%02d %02lld:%02lld:%02lld", y, m, dd, secs / 3600,
                 secs / 60 % 60, secs % 60);
    return true;
}

/* Kind of a number format code: dates have y/d (or m next to them), times h/s. Text in quotes,
 * [colour]/[$-locale] sections and escaped characters are not format letters. */
static int fmt_kind_of_code(const char *code)
{
    bool date = false, time = false;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == '"') {
            while (p[1] && p[1] != '"')
                p++;
            if (p[1])
                p++;
            continue;
        }
        if (c == '[') {
            if (p[1] == 'h' || p[1] == 'm' || p[1] == 's' || p[1] == 'H')
                time = true; /* [h]:mm elapsed time */
            while (p[1] && p[1] != ']')
                p++;
            if (p[1])
                p++;
            continue;
        }
        if (c == '\\' || c == '_' || c == '*') {
            if (p[1])
                p++;
            continue;
        }
        if (c == ';')
            break; /* the first section decides */
        if (c == 'y' || c == 'Y' || c == 'd' || c == 'D')
            date = true;
        else if (c == 'h' || c == 'H' || c == 's' || c == 'S')
            time = true;
    }
    if (date && time)
        return FMT_DATETIME;
    if (date)
        return FMT_DATE;
    if (time)
        return FMT_TIME;
    return FMT_NONE;
}

static int builtin_fmt_kind(unsigned id)
{
    if (id >= 14 && id <= 17)
        return FMT_DATE;
    if (id == 22)
        return FMT_DATETIME;
    if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47))
        return FMT_TIME;
    if (id >= 27 && id <= 36)
        return FMT_DATE; /* East Asian date formats */
    if (id >= 50 && id <= 58)
        return FMT_DATE;
    return FMT_NONE;
}

/* ---- parsing whole parts -------------------------------------------------------------------- */

/* Parse one part of the archive with expat in chunks. False when the part is missing and not
 * required; an XML error is reported. */
static bool parse_part(tpp_xlsx_reader *r, const char *name, bool required,
                       XML_StartElementHandler start, XML_EndElementHandler end,
                       XML_CharacterDataHandler text, void *ud)
{
    zip_file_t *zf = zip_fopen(r->zip, name, 0);
    if (zf == NULL) {
        if (required)
            report(r, 0, 0, "not a valid XLSX workbook: part '%s' is missing", name);
        return false;
    }
    XML_Parser p = XML_ParserCreate(NULL);
    if (p == NULL) {
        zip_fclose(zf);
        report(r, 0, 0, "out of memory");
        return false;
    }
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    bool ok = true;
    uint64_t total = 0;
    for (;;) {
        zip_int64_t n = zip_fread(zf, r->chunk, sizeof r->chunk);
        if (n < 0) {
            report(r, 0, 0, "cannot read part '%s' of the workbook (damaged file?)", name);
            ok = false;
            break;
        }
        total += (uint64_t)n;
        if (total > MAX_PART_BYTES) {
            report(r, 0, 0, "part '%s' of the workbook is too large", name);
            ok = false;
            break;
        }
        if (XML_Parse(p, r->chunk, (int)n, n == 0) == XML_STATUS_ERROR) {
            report(r, 0, 0, "broken XML in part '%s' at line %lu: %s", name,
                   (unsigned long)XML_GetCurrentLineNumber(p),
                   XML_ErrorString(XML_GetErrorCode(p)));
            ok = false;
            break;
        }
        if (n == 0)
            break;
    }
    XML_ParserFree(p);
    zip_fclose(zf);
    return ok;
}

static void no_end(void *ud, const char *name)
{
    (void)ud;
    (void)name;
}

/* workbook.xml */
static void wb_start(void *ud, const char *name, const char **atts)
{
    tpp_xlsx_reader *r = ud;
    const char *n = local(name);
    if (strcmp(n, "workbookPr") == 0) {
        const char *v = attr(atts, "date1904");
        r->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(n, "sheet") == 0) {
        const char *sn = attr(atts, "name"), *rid = attr(atts, "id");
        if (sn == NULL || rid == NULL)
            return;
        sheet_ref *s = realloc(r->sheets, (r->n_sheets + 1) * sizeof *s);
        if (s == NULL)
            return;
        r->sheets = s;
        s[r->n_sheets++] = (sheet_ref){strdup(sn), strdup(rid), NULL};
    }
}

/* workbook.xml.rels */
static void rels_start(void *ud, const char *name, const char **atts)
{
    tpp_xlsx_reader *r = ud;
    if (strcmp(local(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    if (id == NULL || target == NULL)
        return;
    for (size_t i = 0; i < r->n_sheets; i++) {
        if (r->sheets[i].rid == NULL || strcmp(r->sheets[i].rid, id) != 0 ||
            r->sheets[i].target != NULL)
            continue;
        size_t len = strlen(target) + 4;
        char *t = malloc(len);
        if (t == NULL)
            return;
        if (target[0] == '/')
            snprintf(t, len, "%s", target + 1);
        else
            snprintf(t, len, "xl/%s", target);
        r->sheets[i].target = t;
    }
}

/* styles.xml: custom formats first (numFmts), then cellXfs */
typedef struct styles_ud {
    tpp_xlsx_reader *r;
    unsigned *ids;
    char **codes;
    size_t n;
    bool in_xfs;
} styles_ud;

static int styles_kind(const styles_ud *s, unsigned id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->ids[i] == id)
            return fmt_kind_of_code(s->codes[i]);
    return builtin_fmt_kind(id);
}

static void styles_start(void *ud, const char *name, const char **atts)
{
    styles_ud *s = ud;
    tpp_xlsx_reader *r = s->r;
    const char *n = local(name);
    if (strcmp(n, "numFmt") == 0) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (id == NULL || code == NULL)
            return;
        unsigned *ids = realloc(s->ids, (s->n + 1) * sizeof *ids);
        if (ids == NULL)
            return;
        s->ids = ids;
        char **codes = realloc(s->codes, (s->n + 1) * sizeof *codes);
        if (codes == NULL)
            return;
        s->codes = codes;
        s->ids[s->n] = (unsigned)strtoul(id, NULL, 10);
        s->codes[s->n] = strdup(code);
        if (s->codes[s->n] != NULL)
            s->n++;
    } else if (strcmp(n, "cellXfs") == 0) {
        s->in_xfs = true;
    } else if (strcmp(n, "xf") == 0 && s->in_xfs) {
        const char *id = attr(atts, "numFmtId");
        unsigned char *f = realloc(r->fmt_of_xf, r->n_xf + 1);
        if (f == NULL)
            return;
        r->fmt_of_xf = f;
        f[r->n_xf++] = (unsigned char)(id ? styles_kind(s, (unsigned)strtoul(id, NULL, 10)) : 0);
    }
}

static void styles_end(void *ud, const char *name)
{
    styles_ud *s = ud;
    if (strcmp(local(name), "cellXfs") == 0)
        s->in_xfs = false;
}

/* sharedStrings.xml: <si> holds <t> or runs <r><t>; <rPh> is a phonetic reading, not text */
typedef struct sst_ud {
    tpp_xlsx_reader *r;
    sbuf cur;
    bool in_si, in_t, in_rph;
    size_t cap;
} sst_ud;

static void sst_start(void *ud, const char *name, const char **atts)
{
    (void)atts;
    sst_ud *s = ud;
    const char *n = local(name);
    if (strcmp(n, "si") == 0) {
        s->in_si = true;
        s->cur.len = 0;
        sb_add(&s->cur, "", 0);
    } else if (strcmp(n, "rPh") == 0) {
        s->in_rph = true;
    } else if (strcmp(n, "t") == 0 && s->in_si && !s->in_rph) {
        s->in_t = true;
    }
}

static void sst_end(void *ud, const char *name)
{
    sst_ud *s = ud;
    tpp_xlsx_reader *r = s->r;
    const char *n = local(name);
    if (strcmp(n, "t") == 0) {
        s->in_t = false;
    } else if (strcmp(n, "rPh") == 0) {
        s->in_rph = false;
    } else if (strcmp(n, "si") == 0 && s->in_si) {
        s->in_si = false;
        if (s->cur.oom || r->shared_bytes + s->cur.len > MAX_SHARED)
            return;
        if (r->n_shared == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            char **p = realloc(r->shared, cap * sizeof *p);
            if (p == NULL)
                return;
            r->shared = p;
            s->cap = cap;
        }
        char *copy = malloc(s->cur.len + 1);
        if (copy == NULL)
            return;
        memcpy(copy, s->cur.s ? s->cur.s : "", s->cur.len + 1);
        r->shared[r->n_shared++] = copy;
        r->shared_bytes += s->cur.len;
    }
}

static void sst_text(void *ud, const char *s, int len)
{
    sst_ud *u = ud;
    if (u->in_t && u->cur.len + (size_t)len <= MAX_CELL_TEXT)
        sb_add(&u->cur, s, (size_t)len);
}

static void no_text(void *ud, const char *s, int len)
{
    (void)ud;
    (void)s;
    (void)len;
}

/* ---- the sheet stream --------------------------------------------------------------------- */

/* "BC12" -> column 55; 0 if malformed */
static unsigned column_of_ref(const char *ref)
{
    unsigned col = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
        col = col * 26 + (unsigned)(*ref - 'A' + 1);
        if (col > 16384)
            return 0;
    }
    return col;
}

static void finish_cell(tpp_xlsx_reader *r)
{
    const char *t = r->cell_type;
    const char *v = r->cell_text.s ? r->cell_text.s : "";
    char buf[96];
    const char *text = v;
    unsigned flags = 0;
    if (r->cell_bad) {
        return;
    } else if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (*v == '\0' || *end != '\0' || i >= r->n_shared) {
            report(r, r->row_no, r->cell_col,
                   "cell refers to shared string '%s' that does not exist", v);
            return;
        }
        text = r->shared[i];
    } else if (strcmp(t, "b") == 0) {
        text = strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
    } else if (strcmp(t, "e") == 0) {
        report(r, r->row_no, r->cell_col,
               "cell holds the spreadsheet error '%s' (fix the formula or type the value)", v);
        return;
    } else if (strcmp(t, "n") == 0 || t[0] == '\0') {
        if (*v == '\0')
            return;
        int kind = r->cell_style < r->n_xf ? r->fmt_of_xf[r->cell_style] : FMT_NONE;
        bool lossy = false;
        if (kind != FMT_NONE && tpp_xlsx_serial_to_text(v, r->date1904, kind, buf, sizeof buf)) {
            text = buf;
        } else if (tpp_xlsx_number_text(v, buf, sizeof buf, &lossy)) {
            flags = TPP_FIELD_NUMBER | (lossy ? TPP_FIELD_LOSSY : 0);
            text = lossy ? v : buf; /* show what the file holds, not invented digits */
        } else {
            report(r, r->row_no, r->cell_col, "cell holds an invalid number '%.40s'", v);
            return;
        }
    } /* "str" (a formula's text result), "inlineStr": as read */
    size_t len = strlen(text);
    if (len == 0)
        return;
    if (r->cell_col > MAX_COLUMNS) {
        report(r, r->row_no, r->cell_col, "too many columns (at most %d)", MAX_COLUMNS);
        return;
    }
    if (r->n_cells == r->cells_cap) {
        size_t cap = r->cells_cap ? r->cells_cap * 2 : 32;
        cell *c = realloc(r->cells, cap * sizeof *c);
        if (c == NULL) {
            r->row_text.oom = true;
            return;
        }
        r->cells = c;
        r->cells_cap = cap;
    }
    r->cells[r->n_cells++] = (cell){r->cell_col, flags, r->row_text.len, len};
    sb_add(&r->row_text, text, len);
    sb_add(&r->row_text, "", 1); /* NUL between values */
}

static void sheet_start(void *ud, const char *name, const char **atts)
{
    tpp_xlsx_reader *r = ud;
    const char *n = local(name);
    if (strcmp(n, "row") == 0) {
        /* r="N", 1 <= N <= 1,048,576 (a sheet's rows); anything else ("-1", "0", "", a number
         * past the sheet) is read as the row after the last, as a missing r is: strtoul would
         * turn "-1" into 4294967295 and the row after it into line 0. */
        const char *rn = attr(atts, "r");
        unsigned long v = 0;
        size_t k = 0;
        while (rn != NULL && rn[k] >= '0' && rn[k] <= '9' && v <= MAX_ROW)
            v = v * 10 + (unsigned long)(rn[k++] - '0');
        bool ok = rn != NULL && k > 0 && rn[k] == '\0' && v >= 1 && v <= MAX_ROW;
        r->row_no = ok ? (unsigned)v : r->last_row + 1;
        r->in_row = true;
        r->next_col = 1;
        r->n_cells = 0;
        r->row_text.len = 0;
    } else if (strcmp(n, "c") == 0 && r->in_row) {
        const char *ref = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
        unsigned col = ref ? column_of_ref(ref) : 0;
        r->cell_col = col ? col : r->next_col;
        r->next_col = r->cell_col + 1;
        snprintf(r->cell_type, sizeof r->cell_type, "%s", t ? t : "");
        r->cell_style = s ? (unsigned)strtoul(s, NULL, 10) : 0;
        r->in_cell = true;
        r->cell_bad = false;
        r->cell_text.len = 0;
        sb_add(&r->cell_text, "", 0);
    } else if (r->in_cell && strcmp(n, "v") == 0) {
        r->in_v = true;
    } else if (r->in_cell && strcmp(n, "is") == 0) {
        r->in_is = true;
    } else if (r->in_is && strcmp(n, "rPh") == 0) {
        r->in_rph = true;
    } else if (r->in_is && !r->in_rph && strcmp(n, "t") == 0) {
        r->in_t = true;
    }
}

static void sheet_end(void *ud, const char *name)
{
    tpp_xlsx_reader *r = ud;
    const char *n = local(name);
    if (strcmp(n, "v") == 0) {
        r->in_v = false;
    } else if (strcmp(n, "t") == 0) {
        r->in_t = false;
    } else if (strcmp(n, "rPh") == 0) {
        r->in_rph = false;
    } else if (strcmp(n, "is") == 0) {
        r->in_is = false;
    } else if (strcmp(n, "c") == 0 && r->in_cell) {
        r->in_cell = false;
        finish_cell(r);
    } else if (strcmp(n, "row") == 0 && r->in_row) {
        r->in_row = false;
        r->last_row = r->row_no;
        if (r->n_cells > 0) {
            r->row_ready = true;
            XML_StopParser(r->parser, XML_TRUE); /* hand the row out; resume for the next */
        }
    }
}

static void sheet_text(void *ud, const char *s, int len)
{
    tpp_xlsx_reader *r = ud;
    if (!(r->in_v || (r->in_t && r->in_is)))
        return;
    if (r->cell_text.len + (size_t)len > MAX_CELL_TEXT) {
        if (!r->cell_bad)
            report(r, r->row_no, r->cell_col, "cell text too long (more than %d bytes)",
                   MAX_CELL_TEXT);
        r->cell_bad = true;
        return;
    }
    sb_add(&r->cell_text, s, (size_t)len);
}

/* ---- open / next -------------------------------------------------------------------------- */

static tpp_status open_sheet(tpp_xlsx_reader *r, const char *sheet)
{
    if (!parse_part(r, "xl/workbook.xml", true, wb_start, no_end, no_text, r))
        return TPP_OK;
    parse_part(r, "xl/_rels/workbook.xml.rels", true, rels_start, no_end, no_text, r);
    if (r->n_errors > 0)
        return TPP_OK;
    const sheet_ref *chosen = NULL;
    char names[256] = "";
    for (size_t i = 0; i < r->n_sheets; i++) {
        if (r->sheets[i].name == NULL)
            continue;
        size_t o = strlen(names);
        if (o + 1 < sizeof names)
            snprintf(names + o, sizeof names - o, "%s'%s'", o ? ", " : "", r->sheets[i].name);
        if (chosen == NULL && (sheet == NULL || strcmp(r->sheets[i].name, sheet) == 0))
            chosen = &r->sheets[i];
    }
    if (chosen == NULL) {
        if (sheet != NULL)
            report(r, 0, 0, "no sheet named '%s' in the workbook (it has %s)", sheet, names);
        else
            report(r, 0, 0, "the workbook has no sheets");
        return TPP_OK;
    }
    if (chosen->target == NULL) {
        report(r, 0, 0, "not a valid XLSX workbook: sheet '%s' has no part", chosen->name);
        return TPP_OK;
    }
    r->sheet_name = strdup(chosen->name);

    styles_ud su = {.r = r};
    parse_part(r, "xl/styles.xml", false, styles_start, styles_end, no_text, &su);
    for (size_t i = 0; i < su.n; i++)
        free(su.codes[i]);
    free(su.codes);
    free(su.ids);

    sst_ud sst = {.r = r};
    parse_part(r, "xl/sharedStrings.xml", false, sst_start, sst_end, sst_text, &sst);
    free(sst.cur.s);
    if (sst.cur.oom)
        return TPP_ERR_NOMEM;
    if (r->shared_bytes > MAX_SHARED)
        report(r, 0, 0, "too much text in the workbook's shared strings");
    if (r->n_errors > 0)
        return TPP_OK;

    r->sheet = zip_fopen(r->zip, chosen->target, 0);
    if (r->sheet == NULL) {
        report(r, 0, 0, "not a valid XLSX workbook: part '%s' is missing", chosen->target);
        return TPP_OK;
    }
    r->parser = XML_ParserCreate(NULL);
    if (r->parser == NULL)
        return TPP_ERR_NOMEM;
    XML_SetUserData(r->parser, r);
    XML_SetElementHandler(r->parser, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(r->parser, sheet_text);
    return TPP_OK;
}

tpp_status tpp_xlsx_reader_open(tpp_xlsx_reader **out, const char *path, const char *sheet,
                                tpp_diags *diags, tpp_error *err)
{
    tpp_xlsx_reader *r = calloc(1, sizeof *r);
    *out = r;
    if (r == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    r->path = path;
    r->diags = diags;
    int zerr = 0;
    r->zip = zip_open(path, ZIP_RDONLY, &zerr);
    if (r->zip == NULL) {
        if (zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ)
            return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot open '%s'", path);
        report(r, 0, 0,
               "not an XLSX file (not a ZIP archive; save it from the spreadsheet as Excel "
               "Workbook .xlsx)");
        r->sheet_done = true;
        return TPP_OK;
    }
    tpp_status rc = open_sheet(r, sheet);
    if (rc != TPP_OK)
        return tpp_fail(err, rc, TPP_NOLOC, "out of memory reading '%s'", path);
    if (r->parser == NULL)
        r->sheet_done = true;
    return TPP_OK;
}

static tpp_status make_record(tpp_xlsx_reader *r, const tpp_csv_record **out, tpp_error *err)
{
    if (r->row_text.oom)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", r->path);
    /* cells come in column order in valid files; do not trust it */
    unsigned max_col = 0;
    for (size_t i = 0; i < r->n_cells; i++)
        if (r->cells[i].col > max_col)
            max_col = r->cells[i].col;
    size_t n = max_col;
    if (n < r->width)
        n = r->width;
    if (n > r->fields_cap) {
        tpp_csv_field *f = realloc(r->fields, n * sizeof *f);
        if (f == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        r->fields = f;
        r->fields_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        r->fields[i] = (tpp_csv_field){r->empty, 0, r->row_no, (unsigned)i + 1, 0};
    for (size_t i = 0; i < r->n_cells; i++) {
        const cell *c = &r->cells[i];
        r->fields[c->col - 1] =
            (tpp_csv_field){r->row_text.s + c->off, c->len, r->row_no, c->col, c->flags};
    }
    r->rec = (tpp_csv_record){r->fields, n, r->row_no, r->row_no, (unsigned)n + 1, false};
    *out = &r->rec;
    return TPP_OK;
}

tpp_status tpp_xlsx_reader_next(tpp_xlsx_reader *r, const tpp_csv_record **out, tpp_error *err)
{
    *out = NULL;
    r->empty[0] = '\0';
    r->row_ready = false;
    while (!r->sheet_done) {
        enum XML_Status st;
        if (r->suspended) {
            r->suspended = false;
            st = XML_ResumeParser(r->parser);
        } else {
            zip_int64_t n = zip_fread(r->sheet, r->chunk, sizeof r->chunk);
            if (n < 0) {
                report(r, 0, 0, "cannot read sheet '%s' (damaged file?)", r->sheet_name);
                r->sheet_done = true;
                break;
            }
            r->sheet_bytes += (uint64_t)n;
            if (r->sheet_bytes > 64ull * MAX_PART_BYTES) {
                report(r, 0, 0, "sheet '%s' is too large", r->sheet_name);
                r->sheet_done = true;
                break;
            }
            st = XML_Parse(r->parser, r->chunk, (int)n, n == 0);
            if (n == 0 && st == XML_STATUS_OK)
                r->sheet_done = true;
        }
        if (st == XML_STATUS_ERROR) {
            report(r, r->row_no, 0, "broken XML in sheet '%s' at line %lu: %s", r->sheet_name,
                   (unsigned long)XML_GetCurrentLineNumber(r->parser),
                   XML_ErrorString(XML_GetErrorCode(r->parser)));
            r->sheet_done = true;
            break;
        }
        if (st == XML_STATUS_SUSPENDED)
            r->suspended = true;
        if (r->row_ready)
            return make_record(r, out, err);
    }
    return TPP_OK;
}

void tpp_xlsx_reader_set_width(tpp_xlsx_reader *r, size_t n)
{
    r->width = n;
}

size_t tpp_xlsx_reader_errors(const tpp_xlsx_reader *r)
{
    return r->n_errors;
}

const char *tpp_xlsx_reader_sheet(const tpp_xlsx_reader *r)
{
    return r->sheet_name ? r->sheet_name : "";
}

size_t tpp_xlsx_reader_sheet_count(const tpp_xlsx_reader *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_sheets; i++)
        n += r->sheets[i].name != NULL;
    return n;
}

const char *tpp_xlsx_reader_sheet_name(const tpp_xlsx_reader *r, size_t i)
{
    /* Entries whose name could not be copied (out of memory) are skipped, as open_sheet does. */
    for (size_t k = 0; k < r->n_sheets; k++) {
        if (r->sheets[k].name == NULL)
            continue;
        if (i-- == 0)
            return r->sheets[k].name;
    }
    return NULL;
}

void tpp_xlsx_reader_free(tpp_xlsx_reader *r)
{
    if (r == NULL)
        return;
    if (r->parser != NULL)
        XML_ParserFree(r->parser);
    if (r->sheet != NULL)
        zip_fclose(r->sheet);
    if (r->zip != NULL)
        zip_discard(r->zip);
    for (size_t i = 0; i < r->n_sheets; i++) {
        free(r->sheets[i].name);
        free(r->sheets[i].rid);
        free(r->sheets[i].target);
    }
    free(r->sheets);
    free(r->sheet_name);
    free(r->fmt_of_xf);
    for (size_t i = 0; i < r->n_shared; i++)
        free(r->shared[i]);
    free(r->shared);
    free(r->cell_text.s);
    free(r->row_text.s);
    free(r->cells);
    free(r->fields);
    free(r->out_text.s);
    free(r);
}
