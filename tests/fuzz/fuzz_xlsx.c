/* libFuzzer target: the XLSX reader (importers/xlsx.c: libzip, expat, shared strings, styles,
 * the streamed sheet).
 *
 * A real workbook is a compressed ZIP whose CRCs stop almost every mutation at the archive layer,
 * so the input has two forms, chosen by the first byte:
 *   even: the rest is the file, as is (the checked-in .xlsx seeds; damaged archives);
 *   odd:  the rest is a list of parts, each "=== <name>\n<content>", which this target packs
 *         into a valid stored ZIP, so that mutations reach the XML of the workbook, the
 *         relationships, the styles, the shared strings and the sheet.
 * Byte 1 of the odd form picks the sheet asked for: 0 the first, else "Sheet<byte 1 % 4>".
 *
 * Checks, besides memory safety, leaks and UB: open fails only for lack of memory or I/O; a
 * record's fields are NUL-terminated at their length with no NUL inside, field i is column i+1,
 * every field is on the record's row, there are at most 256 columns (the reader's limit) or the
 * width asked for, and a row with no value is never handed out; every reported problem is
 * counted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "importers/xlsx.h"
#include "tests/fuzz/fuzz.h"

#define MAX_PARTS 16

typedef struct zbuf {
    uint8_t *p;
    size_t len, cap;
} zbuf;

static void put(zbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        FUZZ_ASSERT(b->p != NULL);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put16(zbuf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

static void put32(zbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

typedef struct part {
    const uint8_t *name, *data;
    size_t name_len, len;
} part;

/* A ZIP archive (APPNOTE 6.3: local headers, central directory, end record) of stored parts. */
static void make_zip(const part *parts, size_t n, zbuf *z)
{
    uint32_t offsets[MAX_PARTS], crcs[MAX_PARTS];
    for (size_t i = 0; i < n; i++) {
        offsets[i] = (uint32_t)z->len;
        crcs[i] = crc32_of(parts[i].data, parts[i].len);
        put32(z, 0x04034b50);
        put16(z, 20);
        put16(z, 0x0800); /* UTF-8 names */
        put16(z, 0);      /* stored */
        put16(z, 0);
        put16(z, 0x21);
        put32(z, crcs[i]);
        put32(z, (uint32_t)parts[i].len);
        put32(z, (uint32_t)parts[i].len);
        put16(z, (unsigned)parts[i].name_len);
        put16(z, 0);
        put(z, parts[i].name, parts[i].name_len);
        put(z, parts[i].data, parts[i].len);
    }
    uint32_t cd = (uint32_t)z->len;
    for (size_t i = 0; i < n; i++) {
        put32(z, 0x02014b50);
        put16(z, 20);
        put16(z, 20);
        put16(z, 0x0800);
        put16(z, 0);
        put16(z, 0);
        put16(z, 0x21);
        put32(z, crcs[i]);
        put32(z, (uint32_t)parts[i].len);
        put32(z, (uint32_t)parts[i].len);
        put16(z, (unsigned)parts[i].name_len);
        put16(z, 0);
        put16(z, 0);
        put16(z, 0);
        put16(z, 0);
        put32(z, 0);
        put32(z, offsets[i]);
        put(z, parts[i].name, parts[i].name_len);
    }
    uint32_t cd_len = (uint32_t)z->len - cd;
    put32(z, 0x06054b50);
    put16(z, 0);
    put16(z, 0);
    put16(z, (unsigned)n);
    put16(z, (unsigned)n);
    put32(z, cd_len);
    put32(z, cd);
    put16(z, 0);
}

/* "=== name\ncontent" sections; text before the first marker is ignored. */
static size_t split_parts(const uint8_t *data, size_t size, part *parts)
{
    static const char mark[] = "=== ";
    size_t n = 0;
    const uint8_t *end = data + size;
    const uint8_t *at = memmem(data, size, mark, 4);
    while (at != NULL && n < MAX_PARTS) {
        const uint8_t *name = at + 4;
        const uint8_t *nl = memchr(name, '\n', (size_t)(end - name));
        if (nl == NULL)
            break;
        const uint8_t *body = nl + 1;
        /* the next marker starts a line */
        const uint8_t *m = memmem(body, (size_t)(end - body), "\n=== ", 5);
        at = m ? m + 1 : NULL;
        const uint8_t *body_end = at ? at - 1 : end;
        size_t name_len = (size_t)(nl - name);
        if (name_len > 0 && name_len < 200)
            parts[n++] = (part){name, body, name_len, (size_t)(body_end - body)};
    }
    return n;
}

static void read_all(const char *path, const char *sheet)
{
    tpp_diags *diags = tpp_diags_new(fuzz_echo());
    tpp_xlsx_reader *r = NULL;
    tpp_error err = {0};
    tpp_status rc = tpp_xlsx_reader_open(&r, path, sheet, diags, &err);
    FUZZ_ASSERT(rc == TPP_OK || rc == TPP_ERR_NOMEM);
    size_t width = 0, n_rec_total = 0;
    for (size_t n_rec = 0; rc == TPP_OK; n_rec++) {
        const tpp_csv_record *rec = NULL;
        rc = tpp_xlsx_reader_next(r, &rec, &err);
        FUZZ_ASSERT(rc == TPP_OK || rc == TPP_ERR_NOMEM);
        if (rc != TPP_OK || rec == NULL)
            break;
        FUZZ_ASSERT(rec->n_fields >= 1 && rec->n_fields <= (width > 256 ? width : 256));
        FUZZ_ASSERT(rec->n_fields >= width);
        FUZZ_ASSERT(rec->line >= 1);
        size_t non_empty = 0;
        for (size_t i = 0; i < rec->n_fields; i++) {
            const tpp_csv_field *f = &rec->fields[i];
            FUZZ_ASSERT(f->text != NULL && f->text[f->len] == '\0');
            FUZZ_ASSERT(strlen(f->text) == f->len);
            FUZZ_ASSERT(f->col == i + 1 && f->line == rec->line);
            FUZZ_ASSERT(f->len <= 65536);
            non_empty += f->len > 0;
        }
        FUZZ_ASSERT(non_empty > 0);
        n_rec_total++;
        if (n_rec == 0) {
            /* as the importer does: the header's width pads the rows after it */
            width = rec->n_fields;
            tpp_xlsx_reader_set_width(r, width);
        }
    }
    if (fuzz_echo())
        fprintf(stderr, "xlsx: %zu records, %zu errors\n", n_rec_total,
                r ? tpp_xlsx_reader_errors(r) : 0);
    if (r != NULL) {
        FUZZ_ASSERT(tpp_xlsx_reader_errors(r) == tpp_diags_errors(diags));
        FUZZ_ASSERT(tpp_xlsx_reader_sheet(r) != NULL);
    }
    tpp_xlsx_reader_free(r);
    tpp_diags_free(diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fd = memfd_create("fuzz-xlsx", 0);
    FUZZ_ASSERT(fd >= 0);
    const char *sheet = NULL;
    char sheet_name[16];
    if (data[0] & 1) {
        if (size >= 2 && data[1] != 0) {
            snprintf(sheet_name, sizeof sheet_name, "Sheet%u", data[1] % 4u);
            sheet = sheet_name;
        }
        part parts[MAX_PARTS];
        size_t n = split_parts(data + 1, size - 1, parts);
        zbuf z = {0};
        make_zip(parts, n, &z);
        FUZZ_ASSERT(write(fd, z.p, z.len) == (ssize_t)z.len);
        free(z.p);
    } else if (size > 1) {
        FUZZ_ASSERT(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_all(path, sheet);
    close(fd);
    return 0;
}
