/* libFuzzer target: the ZKTeco attlog reader (importers/attlog.c) over arbitrary bytes.
 *
 * The first byte chooses how the bytes arrive: the reader is run twice, once with the whole file
 * handed over by the first read and once in short reads whose sizes cycle through a pattern the
 * byte picks (1 to 8191 bytes, so that lines straddle refills and the long-line skip runs).
 * The rest is the file.
 *
 * Checks, besides memory safety and UB: both runs give the same records and the same number of
 * errors (the result never depends on how the bytes arrive); every line of the file is exactly
 * one of a record, an error or a blank line; each record has five fields, each NUL-terminated at
 * its length with no NUL, tab or line break inside, the first two non-empty, the timestamp at
 * most 19 bytes; a record's line number is its line in the file and each field's column is where
 * its bytes stand in that line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importers/attlog.h"
#include "tests/fuzz/fuzz.h"

typedef struct feed {
    const uint8_t *data;
    size_t size, pos;
    unsigned pattern; /* 0: everything at once */
    unsigned calls;
} feed;

static long feed_read(void *ctx, unsigned char *buf, size_t cap)
{
    feed *f = ctx;
    size_t n = f->size - f->pos;
    if (f->pattern != 0) {
        /* sizes 1..8191, varying call by call */
        size_t want = 1 + (f->pattern * 2654435761u + f->calls * 40503u) % 8191u;
        if (f->pattern % 3 == 0)
            want = 1 + (f->calls + f->pattern) % 7; /* tiny reads */
        if (n > want)
            n = want;
    }
    if (n > cap)
        n = cap;
    f->calls++;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (long)n;
}

typedef struct outcome {
    char *log; /* every record: line, then each field's column, length and bytes */
    size_t len, cap;
    size_t records, errors;
} outcome;

static void log_add(outcome *o, const void *p, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        o->log = realloc(o->log, cap);
        FUZZ_ASSERT(o->log != NULL);
        o->cap = cap;
    }
    memcpy(o->log + o->len, p, n);
    o->len += n;
}

/* The file's lines as the reader sees them: without the LF, a CR before it, and, on line 1, a
 * UTF-8 BOM. raw_len counts the BOM (the reader's length limit does). */
typedef struct line_ref {
    const uint8_t *p;
    size_t len, raw_len;
} line_ref;

static line_ref *split_lines(const uint8_t *data, size_t size, size_t *n_out)
{
    size_t n = 0, cap = 64;
    line_ref *v = malloc(cap * sizeof *v);
    FUZZ_ASSERT(v != NULL);
    for (size_t start = 0; start < size;) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t len = nl ? (size_t)(nl - (data + start)) : size - start;
        line_ref l = {data + start, len, len};
        if (l.len > 0 && l.p[l.len - 1] == '\r')
            l.len = l.raw_len = l.len - 1;
        if (n == 0 && l.len >= 3 && memcmp(l.p, "\xEF\xBB\xBF", 3) == 0) {
            l.p += 3;
            l.len -= 3;
        }
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            FUZZ_ASSERT(v != NULL);
        }
        v[n++] = l;
        start += len + 1;
    }
    *n_out = n;
    return v;
}

static void run(const uint8_t *data, size_t size, const line_ref *lines, size_t n_lines,
                unsigned pattern, outcome *o)
{
    feed f = {data, size, 0, pattern, 0};
    tpp_diags *diags = tpp_diags_new(fuzz_echo());
    tpp_attlog_reader r;
    tpp_error err = {0};
    FUZZ_ASSERT(tpp_attlog_reader_init(&r, "fuzz.dat", feed_read, &f, diags, &err) == TPP_OK);
    unsigned last_line = 0;
    for (;;) {
        const tpp_csv_record *rec = NULL;
        FUZZ_ASSERT(tpp_attlog_reader_next(&r, &rec, &err) == TPP_OK);
        if (rec == NULL)
            break;
        o->records++;
        FUZZ_ASSERT(rec->n_fields == 5 && !rec->bad);
        FUZZ_ASSERT(rec->line > last_line);
        last_line = rec->line;
        FUZZ_ASSERT(rec->line <= n_lines);
        const uint8_t *line = lines[rec->line - 1].p;
        size_t line_len = lines[rec->line - 1].len;
        log_add(o, &rec->line, sizeof rec->line);
        for (size_t i = 0; i < 5; i++) {
            const tpp_csv_field *fl = &rec->fields[i];
            FUZZ_ASSERT(fl->text != NULL && fl->text[fl->len] == '\0');
            FUZZ_ASSERT(strlen(fl->text) == fl->len);
            FUZZ_ASSERT(strpbrk(fl->text, "\t\n") == NULL);
            FUZZ_ASSERT(fl->line == rec->line);
            if (i < 2)
                FUZZ_ASSERT(fl->len > 0);
            if (i == 1)
                FUZZ_ASSERT(fl->len <= 19);
            if (fl->len > 0) {
                FUZZ_ASSERT(fl->col >= 1 && fl->col - 1 + fl->len <= line_len);
                FUZZ_ASSERT(memcmp(line + fl->col - 1, fl->text, fl->len) == 0);
            }
            log_add(o, &fl->col, sizeof fl->col);
            log_add(o, &fl->len, sizeof fl->len);
            log_add(o, fl->text, fl->len);
        }
    }
    o->errors = r.n_errors;
    FUZZ_ASSERT(tpp_diags_errors(diags) == r.n_errors);
    FUZZ_ASSERT(f.pos == size); /* read to the end */
    tpp_attlog_reader_release(&r);
    tpp_diags_free(diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned pattern = 1u + data[0];
    data++;
    size--;
    size_t n_lines = 0;
    line_ref *lines = split_lines(data, size, &n_lines);
    outcome whole = {0}, pieces = {0};
    run(data, size, lines, n_lines, 0, &whole);
    run(data, size, lines, n_lines, pattern, &pieces);
    if (whole.records != pieces.records || whole.errors != pieces.errors ||
        whole.len != pieces.len || (whole.len && memcmp(whole.log, pieces.log, whole.len) != 0)) {
        fprintf(stderr, "whole: %zu records, %zu errors; in pieces: %zu records, %zu errors\n",
                whole.records, whole.errors, pieces.records, pieces.errors);
        FUZZ_ASSERT(0 && "the records depend on how the bytes arrive");
    }
    /* Every line is a record, an error or blank (spaces and tabs only, and not too long). */
    size_t blank = 0;
    for (size_t k = 0; k < n_lines; k++) {
        bool is_blank = lines[k].raw_len <= TPP_ATTLOG_MAX_LINE;
        for (size_t i = 0; i < lines[k].len && is_blank; i++)
            is_blank = lines[k].p[i] == ' ' || lines[k].p[i] == '\t';
        blank += is_blank;
    }
    if (whole.records + whole.errors + blank != n_lines) {
        fprintf(stderr, "%zu lines: %zu records, %zu errors, %zu blank\n", n_lines, whole.records,
                whole.errors, blank);
        FUZZ_ASSERT(0 && "a line was lost or counted twice");
    }
    if (fuzz_echo())
        fprintf(stderr, "attlog: %zu lines, %zu records, %zu errors\n", n_lines, whole.records,
                whole.errors);
    free(lines);
    free(whole.log);
    free(pieces.log);
    return 0;
}
