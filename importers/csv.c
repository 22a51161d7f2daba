/* RFC 4180 CSV reader: quoted fields, "" escapes, CRLF/LF/CR line ends, embedded newlines,
 * UTF-8 checked, exact line and column of every field.
 *
 * Columns count characters (code points), not bytes, so that a position points at the same
 * place an editor shows. A syntax error marks its record bad and the reader goes on with the
 * next record, so that one run reports every broken line; only an unterminated quote ends the
 * input, because everything after it belongs to the quoted field. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importers/csv.h"

void tpp_csv_reader_init(tpp_csv_reader *r, const char *path, const char *data, size_t len,
                         tpp_diags *diags)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->diags = diags;
    r->data = (const unsigned char *)data;
    r->len = len;
    r->line = 1;
    r->col = 1;
    if (len >= 3 && r->data[0] == 0xEF && r->data[1] == 0xBB && r->data[2] == 0xBF)
        r->pos = 3;
}

void tpp_csv_reader_init_stream(tpp_csv_reader *r, const char *path,
                                long (*read)(void *ctx, unsigned char *buf, size_t cap), void *ctx,
                                tpp_diags *diags)
{
    tpp_csv_reader_init(r, path, "", 0, diags);
    r->read = read;
    r->read_ctx = ctx;
}

enum { WINDOW_MIN = 1 << 20, WINDOW_MAX = 2 * TPP_CSV_MAX_FIELD * TPP_CSV_MAX_FIELDS + WINDOW_MIN };

/* Move the unread rest to the front of the window and read more after it, growing the window
 * when it is full. False when out of memory; a read failure sets read_failed and eof. */
static bool refill(tpp_csv_reader *r)
{
    size_t rest = r->len - r->pos;
    if (r->pos > 0 && rest > 0)
        memmove(r->win, r->win + r->pos, rest);
    r->pos = 0;
    r->len = rest;
    if (r->win_cap - r->len < WINDOW_MIN / 2) {
        size_t cap = r->win_cap ? r->win_cap * 2 : WINDOW_MIN;
        unsigned char *w = realloc(r->win, cap);
        if (w == NULL)
            return false;
        r->win = w;
        r->win_cap = cap;
    }
    long n = r->read(r->read_ctx, r->win + r->len, r->win_cap - r->len);
    if (n < 0) {
        r->read_failed = true;
        r->eof = true;
    } else if (n == 0) {
        r->eof = true;
    }
    r->len += n > 0 ? (size_t)n : 0;
    r->data = r->win;
    if (!r->started && r->len >= 3 && r->win[0] == 0xEF && r->win[1] == 0xBB && r->win[2] == 0xBF)
        r->pos = 3;
    if (r->len >= 3 || r->eof)
        r->started = true;
    return true;
}

/* Make sure the window holds the whole next record (and the byte after it, for CRLF): a quick,
 * quote-aware scan for its end; read more while it is not there. A record longer than any
 * valid one stops the growth and is left to the parser to report. */
static bool ensure_record(tpp_csv_reader *r)
{
    size_t scan = 0; /* bytes of the record scanned so far, from pos */
    bool quoted = false;
    for (;;) {
        const unsigned char *p = r->data + r->pos;
        size_t avail = r->len - r->pos;
        while (scan < avail && !quoted && (p[scan] == '\n' || p[scan] == '\r'))
            scan++; /* blank lines before the record */
        /* The common record has no quote before its line end: found with memchr, which is
         * what the loop below would find byte by byte (half of the reader's work). */
        if (!quoted) {
            const unsigned char *nl = memchr(p + scan, '\n', avail - scan);
            size_t end = nl != NULL ? (size_t)(nl - p) : avail;
            if (memchr(p + scan, '"', end - scan) == NULL) {
                const unsigned char *cr = memchr(p + scan, '\r', end - scan);
                scan = cr != NULL ? (size_t)(cr - p) : end;
            }
        }
        for (; scan < avail; scan++) {
            unsigned char c = p[scan];
            if (c == '"')
                quoted = !quoted;
            else if (!quoted && (c == '\n' || c == '\r'))
                break;
        }
        if (scan + 1 < avail || r->eof || r->len - r->pos >= WINDOW_MAX)
            return true;
        if (!refill(r))
            return false;
    }
}

void tpp_csv_reader_release(tpp_csv_reader *r)
{
    if (r == NULL)
        return;
    free(r->win);
    r->win = NULL;
    free(r->buf);
    free(r->offsets);
    free(r->fields);
    r->buf = NULL;
    r->offsets = NULL;
    r->fields = NULL;
}

__attribute__((format(printf, 4, 0))) static void vreport(tpp_csv_reader *r, unsigned line,
                                                          unsigned col, const char *fmt, va_list ap)
{
    r->rec.bad = true;
    r->n_errors++;
    r->err_line = line;
    r->err_col = col;
    vsnprintf(r->err_msg, sizeof r->err_msg, fmt, ap);
    tpp_diag_error(r->diags, (tpp_srcloc){r->path, line, col, NULL}, "%s", r->err_msg);
}

/* One error per record: after the first, the rest of the record is usually a consequence. */
__attribute__((format(printf, 4, 5))) static void syntax_error(tpp_csv_reader *r, unsigned line,
                                                               unsigned col, const char *fmt, ...)
{
    if (r->rec.bad)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(r, line, col, fmt, ap);
    va_end(ap);
}

/* An error reported even in a record that already has one: it ends the input. */
__attribute__((format(printf, 4, 5))) static void fatal_error(tpp_csv_reader *r, unsigned line,
                                                              unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, line, col, fmt, ap);
    va_end(ap);
    r->done = true;
}

static bool buf_reserve(tpp_csv_reader *r, size_t extra)
{
    if (r->buf_len + extra <= r->buf_cap)
        return true;
    size_t cap = r->buf_cap ? r->buf_cap : 4096;
    while (cap < r->buf_len + extra)
        cap *= 2;
    char *p = realloc(r->buf, cap);
    if (p == NULL)
        return false;
    r->buf = p;
    r->buf_cap = cap;
    return true;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes available), or 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

typedef struct field_state {
    unsigned line;
    unsigned col;
    size_t len;
    bool store;     /* false once the record has too many fields: scan but keep nothing */
    bool oversized; /* reported already */
} field_state;

static bool append(tpp_csv_reader *r, field_state *f, const unsigned char *s, size_t n)
{
    if (!f->store)
        return true;
    if (f->len + n > TPP_CSV_MAX_FIELD) {
        if (!f->oversized)
            syntax_error(r, f->line, f->col, "field longer than %d bytes", TPP_CSV_MAX_FIELD);
        f->oversized = true;
        return true;
    }
    if (!buf_reserve(r, n))
        return false;
    memcpy(r->buf + r->buf_len, s, n);
    r->buf_len += n;
    f->len += n;
    return true;
}

/* Consume one character (validated) into the field. False only when out of memory. */
static bool take_char(tpp_csv_reader *r, field_state *f)
{
    const unsigned char *p = r->data + r->pos;
    if (*p == 0) {
        syntax_error(r, r->line, r->col, "NUL byte in the text (is this a binary file?)");
        r->pos++;
        r->col++;
        return true;
    }
    size_t n = utf8_len(p, r->len - r->pos);
    if (n == 0) {
        syntax_error(r, r->line, r->col, "invalid UTF-8 byte 0x%02X (save the file as UTF-8)", *p);
        r->pos++;
        r->col++;
        return true;
    }
    r->pos += n;
    r->col++;
    return append(r, f, p, n);
}

static bool at_eol(const tpp_csv_reader *r)
{
    return r->pos < r->len && (r->data[r->pos] == '\n' || r->data[r->pos] == '\r');
}

static bool at_field_end(const tpp_csv_reader *r)
{
    return r->pos >= r->len || r->data[r->pos] == ',' || at_eol(r);
}

/* Consume CRLF, LF or a lone CR (old Mac spreadsheets) as one line end. */
static void eat_eol(tpp_csv_reader *r)
{
    if (r->data[r->pos] == '\r' && r->pos + 1 < r->len && r->data[r->pos + 1] == '\n')
        r->pos++;
    r->pos++;
    r->line++;
    r->col = 1;
}

static bool push_field(tpp_csv_reader *r, const field_state *f)
{
    if (!f->store)
        return true;
    if (r->rec.n_fields == r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
        tpp_csv_field *fields = realloc(r->fields, cap * sizeof *fields);
        if (fields == NULL)
            return false;
        r->fields = fields;
        size_t *offsets = realloc(r->offsets, cap * sizeof *offsets);
        if (offsets == NULL)
            return false;
        r->offsets = offsets;
        r->fields_cap = cap;
    }
    if (!buf_reserve(r, 1))
        return false;
    r->buf[r->buf_len++] = '\0';
    size_t i = r->rec.n_fields++;
    r->offsets[i] = r->buf_len - f->len - 1;
    r->fields[i] = (tpp_csv_field){NULL, f->len, f->line, f->col, 0};
    return true;
}

/* Read one field, quoted or not. Returns false when out of memory; sets r->done (and reports)
 * on an unterminated quote. */
static bool read_field(tpp_csv_reader *r, field_state *f)
{
    if (r->pos < r->len && r->data[r->pos] == '"') {
        r->pos++;
        r->col++;
        for (;;) {
            if (r->pos >= r->len) {
                fatal_error(r, f->line, f->col,
                            "unterminated quoted field (the quote opened here is never closed)");
                return true;
            }
            unsigned char c = r->data[r->pos];
            if (c == '"') {
                if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                    if (!append(r, f, r->data + r->pos, 1))
                        return false;
                    r->pos += 2;
                    r->col += 2;
                    continue;
                }
                r->pos++;
                r->col++;
                break;
            }
            if (c == '\r' || c == '\n') {
                /* kept verbatim in the value; the line count moves on */
                size_t start = r->pos;
                eat_eol(r);
                if (!append(r, f, r->data + start, r->pos - start))
                    return false;
                continue;
            }
            if (!take_char(r, f))
                return false;
        }
        if (!at_field_end(r)) {
            syntax_error(r, r->line, r->col,
                         "unexpected text after a closing quote (write a quote inside a quoted "
                         "field as \"\")");
            while (!at_field_end(r))
                if (!take_char(r, f))
                    return false;
        }
        return true;
    }
    while (!at_field_end(r)) {
        if (r->data[r->pos] == '"')
            syntax_error(r, r->line, r->col,
                         "stray quote in an unquoted field (quote the whole field and write the "
                         "quote as \"\")");
        if (!take_char(r, f))
            return false;
    }
    return true;
}

#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGH 0x8080808080808080ULL

/* 0x80 in each byte of x that is 0, and 0 elsewhere: exact, no carry crosses a byte ((b & 0x7f)
 * + 0x7f is at most 0xfe). */
static inline uint64_t zero_bytes(uint64_t x)
{
    return ~(((x & ~SWAR_HIGH) + ~SWAR_HIGH) | x) & SWAR_HIGH;
}

/* The common record: one line of plain ASCII without quotes, ending in LF or CRLF. It is copied
 * into buf with one memcpy and cut at its commas, instead of character by character; columns
 * are byte offsets. Anything else (quotes, UTF-8, NUL, a lone CR, no line end in the window, a
 * field or record over the limits) returns false, untouched, for the general reader, which
 * also reports every error. */
static bool fast_record(tpp_csv_reader *r, tpp_error *err, bool *oom)
{
    const unsigned char *p = r->data + r->pos;
    size_t avail = r->len - r->pos;
    const unsigned char *nl = memchr(p, '\n', avail < TPP_CSV_MAX_FIELD ? avail : TPP_CSV_MAX_FIELD);
    if (nl == NULL)
        return false;
    size_t n = (size_t)(nl - p), len = n;
    if (len > 0 && p[len - 1] == '\r')
        len--; /* CRLF */
    /* One pass, eight bytes at a time (the byte loop was a quarter of a national attendance
     * import's parsing): any quote, CR, NUL or non-ASCII byte, and the commas. */
    uint64_t bad = 0;
    unsigned commas = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        bad |= (x & SWAR_HIGH) | zero_bytes(x) | zero_bytes(x ^ (SWAR_ONES * '"')) |
               zero_bytes(x ^ (SWAR_ONES * '\r'));
        /* one 0x80 per comma; >> 7 makes each a 1, the product sums them in the top byte */
        commas += (unsigned)(((zero_bytes(x ^ (SWAR_ONES * ',')) >> 7) * SWAR_ONES) >> 56);
    }
    for (; i < len; i++) {
        unsigned char c = p[i];
        bad |= (unsigned)(c == '"') | (unsigned)(c == '\r') | (unsigned)(c == 0) | (c & 0x80u);
        commas += c == ',';
    }
    if (bad != 0 || commas >= TPP_CSV_MAX_FIELDS)
        return false;
    size_t nf = (size_t)commas + 1;
    if (nf > r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap : 16;
        while (cap < nf)
            cap *= 2;
        tpp_csv_field *fields = realloc(r->fields, cap * sizeof *fields);
        if (fields != NULL)
            r->fields = fields;
        size_t *offsets = fields ? realloc(r->offsets, cap * sizeof *offsets) : NULL;
        if (offsets == NULL) {
            *oom = true;
            tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", r->path);
            return true;
        }
        r->offsets = offsets;
        r->fields_cap = cap;
    }
    r->buf_len = 0;
    if (!buf_reserve(r, len + 1)) {
        *oom = true;
        tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", r->path);
        return true;
    }
    char *b = r->buf;
    memcpy(b, p, len);
    b[len] = '\0';
    unsigned line = r->line, col0 = r->col;
    r->rec = (tpp_csv_record){.line = line};
    size_t start = 0, k = 0;
    for (;;) {
        char *comma = memchr(b + start, ',', len - start);
        size_t end = comma ? (size_t)(comma - b) : len;
        b[end] = '\0';
        r->offsets[k] = start;
        r->fields[k] = (tpp_csv_field){b + start, end - start, line, col0 + (unsigned)start, 0};
        k++;
        if (comma == NULL)
            break;
        start = end + 1;
    }
    r->rec.n_fields = k;
    r->rec.end_line = line;
    r->rec.end_col = col0 + (unsigned)len;
    r->buf_len = len + 1;
    r->pos += n + 1;
    r->line++;
    r->col = 1;
    return true;
}

tpp_status tpp_csv_reader_next(tpp_csv_reader *r, const tpp_csv_record **out, tpp_error *err)
{
    *out = NULL;
    if (r->done)
        return TPP_OK;
    if (r->read != NULL) {
        if (!ensure_record(r))
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", r->path);
        if (r->read_failed)
            return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s'", r->path);
    }
    while (at_eol(r))
        eat_eol(r); /* blank lines carry no record */
    if (r->pos >= r->len) {
        r->done = true;
        return TPP_OK;
    }
    bool oom = false;
    if (fast_record(r, err, &oom)) {
        if (oom)
            return TPP_ERR_NOMEM;
        r->rec.fields = r->fields;
        *out = &r->rec;
        return TPP_OK;
    }
    r->buf_len = 0;
    r->rec = (tpp_csv_record){.line = r->line};
    for (;;) {
        field_state f = {r->line, r->col, 0, true, false};
        if (r->rec.n_fields >= TPP_CSV_MAX_FIELDS) {
            syntax_error(r, f.line, f.col, "too many fields in one record (at most %d)",
                         TPP_CSV_MAX_FIELDS);
            f.store = false;
        }
        if (!read_field(r, &f) || (!r->done && !push_field(r, &f)))
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", r->path);
        if (r->done)
            return TPP_OK; /* unterminated quote: the record is incomplete, do not return it */
        if (r->pos < r->len && r->data[r->pos] == ',') {
            r->pos++;
            r->col++;
            continue;
        }
        r->rec.end_line = r->line;
        r->rec.end_col = r->col;
        if (r->pos < r->len)
            eat_eol(r);
        break;
    }
    for (size_t i = 0; i < r->rec.n_fields; i++)
        r->fields[i].text = r->buf + r->offsets[i];
    r->rec.fields = r->fields;
    *out = &r->rec;
    return TPP_OK;
}
