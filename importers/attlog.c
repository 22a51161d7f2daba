/* attlog lines, streamed: a window of 1 MiB is refilled as lines are consumed, so a file of any
 * size is read in constant memory. Lines are split in place (tabs become NULs). Devices pad
 * the PIN with spaces in USB downloads ("    11\t2025-...") and some tools separate fields by
 * runs of spaces; both are accepted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importers/attlog.h"

#define WINDOW (1u << 20)

static char h_pin[] = "device_pin", h_ts[] = "timestamp", h_dir[] = "direction",
            h_verify[] = "verify", h_work[] = "workcode";
static tpp_csv_field header_fields[5] = {
    {h_pin, sizeof h_pin - 1, 0, 1, 0},   {h_ts, sizeof h_ts - 1, 0, 2, 0},
    {h_dir, sizeof h_dir - 1, 0, 3, 0},   {h_verify, sizeof h_verify - 1, 0, 4, 0},
    {h_work, sizeof h_work - 1, 0, 5, 0},
};
static const tpp_csv_record header = {header_fields, 5, 0, 0, 1, false};

const tpp_csv_record *tpp_attlog_header(void)
{
    return &header;
}

tpp_status tpp_attlog_reader_init(tpp_attlog_reader *r, const char *path,
                                  long (*read)(void *ctx, unsigned char *buf, size_t cap),
                                  void *ctx, tpp_diags *diags, tpp_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->diags = diags;
    r->read = read;
    r->ctx = ctx;
    r->cap = WINDOW;
    r->win = malloc(r->cap + 1);
    if (r->win == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    return TPP_OK;
}

void tpp_attlog_reader_release(tpp_attlog_reader *r)
{
    free(r->win);
    r->win = NULL;
}

__attribute__((format(printf, 3, 4))) static void report(tpp_attlog_reader *r, unsigned col,
                                                         const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->n_errors++;
    tpp_diag_error(r->diags, (tpp_srcloc){r->path, r->line, col, NULL}, "%s", msg);
}

static void refill(tpp_attlog_reader *r)
{
    size_t rest = r->len - r->pos;
    memmove(r->win, r->win + r->pos, rest);
    r->pos = 0;
    r->len = rest;
    long n = r->read(r->ctx, r->win + r->len, r->cap - r->len);
    if (n < 0)
        r->failed = true;
    if (n <= 0)
        r->eof = true;
    else
        r->len += (size_t)n;
}

/* Split one line (NUL-terminated, in place) into the record; false if it is no punch. */
static bool split(tpp_attlog_reader *r, char *s, size_t len)
{
    for (int i = 0; i < 5; i++)
        r->fields[i] = (tpp_csv_field){r->empty, 0, r->line, 1, 0};
    int n = 0;
    size_t i = 0;
    /* the timestamp holds one space: date and time are one field */
    while (i < len && n < 5) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        if (n == 1) {
            /* YYYY-MM-DD HH:MM:SS: up to the first tab, or 19 characters */
            while (i < len && s[i] != '\t' && i - start < 19)
                i++;
        } else {
            while (i < len && s[i] != '\t' && s[i] != ' ')
                i++;
        }
        r->fields[n] = (tpp_csv_field){s + start, i - start, r->line, (unsigned)start + 1, 0};
        n++;
        if (i < len)
            s[i++] = '\0';
    }
    if (n < 2) {
        report(r, 1,
               "not an attlog line (expected PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>status<TAB>verify"
               "<TAB>workcode)");
        return false;
    }
    for (int f = 0; f < n; f++)
        r->fields[f].text[r->fields[f].len] = '\0';
    return true;
}

tpp_status tpp_attlog_reader_next(tpp_attlog_reader *r, const tpp_csv_record **out, tpp_error *err)
{
    *out = NULL;
    r->empty[0] = '\0';
    for (;;) {
        unsigned char *p = r->win + r->pos;
        size_t avail = r->len - r->pos;
        unsigned char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (nl == NULL && !r->eof) {
            /* Too long for certain only when even without a CR before its LF the line would
             * exceed the limit; at exactly the limit the verdict would depend on where a short
             * read happened to end (tests/fuzz/regressions/attlog). */
            if (avail >= TPP_ATTLOG_MAX_LINE + 2) {
                r->line++;
                report(r, 1, "line too long (more than %d bytes): not an attlog file?",
                       TPP_ATTLOG_MAX_LINE);
                /* skip to the next newline */
                r->pos = r->len;
                do {
                    refill(r);
                    nl = r->len ? memchr(r->win, '\n', r->len) : NULL;
                    if (nl != NULL)
                        r->pos = (size_t)(nl - r->win) + 1;
                    else
                        r->pos = r->len;
                } while (nl == NULL && !r->eof);
                continue;
            }
            refill(r);
            if (r->failed)
                return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s'", r->path);
            continue;
        }
        if (avail == 0)
            return TPP_OK;
        size_t len = nl ? (size_t)(nl - p) : avail;
        r->pos += len + (nl ? 1 : 0);
        r->line++;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > TPP_ATTLOG_MAX_LINE) {
            report(r, 1, "line too long (more than %d bytes): not an attlog file?",
                   TPP_ATTLOG_MAX_LINE);
            continue;
        }
        if (r->line == 1 && len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
            p += 3;
            len -= 3;
        }
        bool blank = true;
        for (size_t i = 0; i < len && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t';
        if (blank)
            continue;
        if (memchr(p, '\0', len) != NULL) {
            report(r, 1, "NUL byte in the text (is this a binary file?)");
            continue;
        }
        p[len] = '\0'; /* the newline (or the spare byte after the window) */
        if (!split(r, (char *)p, len))
            continue;
        r->rec = (tpp_csv_record){r->fields, 5, r->line, r->line, (unsigned)len + 1, false};
        *out = &r->rec;
        return TPP_OK;
    }
}
