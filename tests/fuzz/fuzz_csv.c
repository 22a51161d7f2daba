/* libFuzzer target: the RFC 4180 reader (importers/csv.c) over arbitrary bytes.
 *
 * Besides "no crash, no leak, no undefined behaviour" it checks the reader's promises: every
 * returned field is NUL-terminated at its length with no NUL inside, within the size limits,
 * valid UTF-8 when the record is not marked bad, positions are 1-based and never go backwards,
 * and a syntax error is always counted. A broken promise aborts, so the fuzzer reports it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importers/csv.h"
#include "tests/fuzz/fuzz.h"

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF. */
static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        size_t need = b < 0x80                 ? 1
                      : b >= 0xC2 && b <= 0xDF ? 2
                      : b >= 0xE0 && b <= 0xEF ? 3
                      : b >= 0xF0 && b <= 0xF4 ? 4
                                               : 0;
        if (need == 0 || i + need > n)
            return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
        else if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
        if (need > 1 && (p[i + 1] < lo || p[i + 1] > hi))
            return 0;
        for (size_t k = 2; k < need; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return 0;
        i += need;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that any read past the end is caught by ASan. */
    char *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    tpp_csv_reader r;
    tpp_csv_reader_init(&r, "fuzz.csv", copy, size, NULL);
    tpp_error err = {0};
    unsigned last_line = 0;
    size_t n_records = 0;
    for (;;) {
        const tpp_csv_record *rec = NULL;
        size_t errors_before = r.n_errors;
        tpp_status rc = tpp_csv_reader_next(&r, &rec, &err);
        FUZZ_ASSERT(rc == TPP_OK || rc == TPP_ERR_NOMEM);
        if (rc != TPP_OK || rec == NULL)
            break;
        n_records++;
        FUZZ_ASSERT(n_records <= size); /* every record consumes at least one byte */
        FUZZ_ASSERT(rec->line >= 1 && rec->line >= last_line);
        FUZZ_ASSERT(rec->end_line >= rec->line);
        FUZZ_ASSERT(rec->bad == (r.n_errors > errors_before));
        FUZZ_ASSERT(rec->n_fields >= 1 && rec->n_fields <= TPP_CSV_MAX_FIELDS);
        last_line = rec->line;
        unsigned prev_line = rec->line, prev_col = 0;
        for (size_t i = 0; i < rec->n_fields; i++) {
            const tpp_csv_field *f = &rec->fields[i];
            FUZZ_ASSERT(f->text != NULL && f->text[f->len] == '\0');
            FUZZ_ASSERT(strlen(f->text) == f->len);
            FUZZ_ASSERT(f->len <= TPP_CSV_MAX_FIELD);
            FUZZ_ASSERT(f->line >= 1 && f->col >= 1);
            FUZZ_ASSERT(f->line > prev_line || (f->line == prev_line && f->col > prev_col));
            prev_line = f->line;
            prev_col = f->col;
            if (!rec->bad)
                FUZZ_ASSERT(valid_utf8((const unsigned char *)f->text, f->len));
        }
    }
    if (r.n_errors > 0)
        FUZZ_ASSERT(r.err_line >= 1 && r.err_col >= 1 && r.err_msg[0] != '\0');
    tpp_csv_reader_release(&r);
    free(copy);
    return 0;
}
