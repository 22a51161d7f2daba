/* CSV reader: quotes, "" escapes, CRLF, BOM, embedded newlines, line/column of every field,
 * syntax errors with their position, recovery after an error, limits on hostile input. */
#include <stdlib.h>

#include "importers/csv.h"
#include "tests/check.h"

#define MAX_RECS 16

/* Everything the reader returned for one input, copied out of its buffers. */
typedef struct parsed {
    size_t n;
    size_t n_fields[MAX_RECS];
    char text[MAX_RECS][8][64];
    unsigned line[MAX_RECS][8];
    unsigned col[MAX_RECS][8];
    unsigned rec_line[MAX_RECS];
    unsigned end_line[MAX_RECS];
    unsigned end_col[MAX_RECS];
    bool bad[MAX_RECS];
    size_t n_errors;
    unsigned err_line;
    unsigned err_col;
    char err_msg[160];
} parsed;

static parsed parse_n(const char *data, size_t len)
{
    static parsed p;
    memset(&p, 0, sizeof p);
    tpp_diags *d = tpp_diags_new(NULL);
    tpp_csv_reader r;
    tpp_csv_reader_init(&r, "t.csv", data, len, d);
    tpp_error err;
    const tpp_csv_record *rec;
    while (p.n < MAX_RECS) {
        CHECK_OK(tpp_csv_reader_next(&r, &rec, &err), &err);
        if (rec == NULL)
            break;
        p.n_fields[p.n] = rec->n_fields;
        p.rec_line[p.n] = rec->line;
        p.end_line[p.n] = rec->end_line;
        p.end_col[p.n] = rec->end_col;
        p.bad[p.n] = rec->bad;
        for (size_t i = 0; i < rec->n_fields && i < 8; i++) {
            snprintf(p.text[p.n][i], sizeof p.text[0][0], "%s", rec->fields[i].text);
            CHECK(strlen(rec->fields[i].text) <= rec->fields[i].len);
            p.line[p.n][i] = rec->fields[i].line;
            p.col[p.n][i] = rec->fields[i].col;
        }
        p.n++;
    }
    p.n_errors = r.n_errors;
    p.err_line = r.err_line;
    p.err_col = r.err_col;
    snprintf(p.err_msg, sizeof p.err_msg, "%s", r.err_msg);
    CHECK_I64(tpp_diags_errors(d), r.n_errors);
    tpp_csv_reader_release(&r);
    tpp_diags_free(d);
    return p;
}

static parsed parse(const char *data)
{
    return parse_n(data, strlen(data));
}

static void test_simple(void)
{
    parsed p = parse("nip,name,class\n197704182003122009,Ani,9\n");
    CHECK_I64(p.n, 2);
    CHECK_I64(p.n_fields[0], 3);
    CHECK_STR(p.text[0][2], "class");
    CHECK_STR(p.text[1][1], "Ani");
    CHECK_I64(p.line[1][1], 2);
    CHECK_I64(p.col[1][1], 20);
    CHECK_I64(p.col[1][2], 24);
    CHECK_I64(p.n_errors, 0);
    /* no trailing newline, empty fields, a trailing comma */
    p = parse("a,,c,\nx");
    CHECK_I64(p.n, 2);
    CHECK_I64(p.n_fields[0], 4);
    CHECK_STR(p.text[0][1], "");
    CHECK_STR(p.text[0][3], "");
    CHECK_I64(p.col[0][3], 6);
    CHECK_STR(p.text[1][0], "x");
    /* empty input and blank lines carry no record */
    CHECK_I64(parse("").n, 0);
    CHECK_I64(parse("\n\r\n\n").n, 0);
    p = parse("a\n\n\nb\n\n");
    CHECK_I64(p.n, 2);
    CHECK_I64(p.rec_line[1], 4);
}

static void test_quotes(void)
{
    parsed p = parse("name,note\n\"Budi, S.Kom\",\"say \"\"hi\"\"\"\n\"\",\"\"\"\"\n");
    CHECK_I64(p.n, 3);
    CHECK_STR(p.text[1][0], "Budi, S.Kom");
    CHECK_STR(p.text[1][1], "say \"hi\"");
    CHECK_I64(p.col[1][1], 15); /* the opening quote */
    CHECK_STR(p.text[2][0], "");
    CHECK_STR(p.text[2][1], "\"");
    CHECK_I64(p.n_errors, 0);
}

/* The plain-ASCII fast path looks at eight bytes at a time: a quote, a lone CR, a NUL or a
 * UTF-8 character at any offset of a line must still send it to the general reader. */
static void test_special_at_every_offset(void)
{
    char line[96], pad[40];
    for (int k = 0; k < 24; k++) {
        memset(pad, 'p', (size_t)k);
        pad[k] = '\0';
        /* a quoted field with a comma inside: three fields, not four */
        snprintf(line, sizeof line, "%s,\"b,c\",z\n", pad);
        parsed p = parse(line);
        CHECK_I64(p.n_fields[0], 3);
        CHECK_STR(p.text[0][1], "b,c");
        CHECK_I64(p.n_errors, 0);
        /* a UTF-8 character: columns count characters, not bytes */
        snprintf(line, sizeof line, "%s\xc3\xa9,z,%s\n", pad, pad);
        p = parse(line);
        CHECK_I64(p.n_fields[0], 3);
        CHECK_I64(p.col[0][1], k + 3);
        /* a lone CR inside a line, and a NUL: both reported */
        snprintf(line, sizeof line, "%s\rq,z,%s\n", pad, pad);
        p = parse(line);
        CHECK(p.n_errors > 0 || strchr(p.text[0][0], '\r') == NULL);
        memcpy(line, pad, (size_t)k);
        memcpy(line + k, "\0q,z,abcdefghij\n", 17);
        p = parse_n(line, (size_t)k + 17);
        CHECK(p.n_errors > 0);
        /* commas counted across the eight-byte steps: k + 1 fields */
        size_t n = 0;
        for (int j = 0; j < k; j++)
            line[n++] = ',';
        memcpy(line + n, "abcdefghijklmnop\n", 18);
        p = parse_n(line, n + 18);
        CHECK_I64(p.n_fields[0], k + 1);
    }
}

static void test_line_ends_and_bom(void)
{
    parsed p = parse("\xEF\xBB\xBFnip,name\r\n1,Ani\r\n2,Budi\r\n");
    CHECK_I64(p.n, 3);
    CHECK_STR(p.text[0][0], "nip"); /* BOM stripped */
    CHECK_I64(p.col[0][0], 1);
    CHECK_I64(p.col[0][1], 5);
    CHECK_STR(p.text[1][1], "Ani"); /* no stray CR */
    CHECK_I64(p.line[2][1], 3);
    /* a lone CR (old Mac spreadsheets) ends a line too */
    p = parse("a,b\r1,2\r3,4");
    CHECK_I64(p.n, 3);
    CHECK_I64(p.rec_line[2], 3);
    CHECK_STR(p.text[2][1], "4");
}

static void test_embedded_newlines(void)
{
    /* the quoted field spans lines 2-3 (LF) and the next one lines 4-5 (CRLF) */
    parsed p = parse("a,b\n\"x\ny\",2\r\n\"p\r\nq\",z\n3,4\n");
    CHECK_I64(p.n, 4);
    CHECK_STR(p.text[1][0], "x\ny");
    CHECK_I64(p.rec_line[1], 2);
    CHECK_I64(p.line[1][1], 3);
    CHECK_I64(p.col[1][1], 4);
    CHECK_STR(p.text[2][0], "p\r\nq");
    CHECK_I64(p.rec_line[2], 4);
    CHECK_I64(p.line[2][1], 5);
    CHECK_I64(p.col[2][1], 4);
    CHECK_I64(p.rec_line[3], 6);
    CHECK_I64(p.line[3][1], 6);
}

static void test_utf8_columns(void)
{
    /* columns count characters: "é" and "中" are one column each */
    parsed p = parse("é,中文,x\n");
    CHECK_I64(p.col[0][1], 3);
    CHECK_I64(p.col[0][2], 6);
    CHECK_STR(p.text[0][1], "中文");
}

static void test_errors(void)
{
    /* unterminated quote: reported at the opening quote; the input ends there */
    parsed p = parse("a,b\n1,\"oops\n2,3\n");
    CHECK_I64(p.n, 1);
    CHECK_I64(p.n_errors, 1);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 3);
    CHECK(strstr(p.err_msg, "unterminated quoted field") != NULL);

    /* stray quote: the record is bad, reading goes on */
    p = parse("a,b\n1,x\"y\n2,3\n");
    CHECK_I64(p.n, 3);
    CHECK(p.bad[1]);
    CHECK(!p.bad[2]);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 4);
    CHECK(strstr(p.err_msg, "stray quote") != NULL);

    /* text after a closing quote */
    p = parse("\"ab\"c,d\n");
    CHECK_I64(p.n_errors, 1);
    CHECK_I64(p.err_col, 5);

    /* invalid UTF-8 (Latin-1 export) and an overlong form */
    p = parse("a\nJos\xE9,1\n");
    CHECK_I64(p.n_errors, 1);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 4);
    CHECK(strstr(p.err_msg, "invalid UTF-8 byte 0xE9") != NULL);
    p = parse("\xC0\xAF\n");
    CHECK_I64(p.n_errors, 1);
    p = parse("\xED\xA0\x80\n"); /* a surrogate */
    CHECK_I64(p.n_errors, 1);
    p = parse("\xF4\x90\x80\x80\n"); /* above U+10FFFF */
    CHECK_I64(p.n_errors, 1);

    /* NUL byte */
    p = parse_n("a\nx\0y\n", 6);
    CHECK_I64(p.n_errors, 1);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 2);
    CHECK(strstr(p.err_msg, "NUL byte") != NULL);

    /* an unterminated quote is reported even after another error in its record */
    p = parse("a\n\xFF,\"open\n");
    CHECK_I64(p.n_errors, 2);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 3);

    /* one error per record, several records with errors are all reported */
    p = parse("a\"\"\"b\n\"c\"d\ne\n");
    CHECK_I64(p.n, 3);
    CHECK_I64(p.n_errors, 2);
}

static void test_ragged(void)
{
    /* ragged rows are the importer's business: the reader returns them as they are */
    parsed p = parse("a,b,c\n1,2\n1,2,3,4\n");
    CHECK_I64(p.n, 3);
    CHECK_I64(p.n_fields[1], 2);
    CHECK_I64(p.n_fields[2], 4);
    CHECK_I64(p.end_line[1], 2);
    CHECK_I64(p.end_col[1], 4);
    CHECK_I64(p.col[2][3], 7);
    CHECK_I64(p.n_errors, 0);
}

static void test_limits(void)
{
    /* a field over the limit: one error, the record is bad, memory stays bounded */
    size_t big = TPP_CSV_MAX_FIELD + 10;
    char *data = malloc(big + 16);
    memcpy(data, "a\n\"", 3);
    memset(data + 3, 'x', big);
    memcpy(data + 3 + big, "\"\nb\n", 4);
    parsed p = parse_n(data, big + 7);
    CHECK_I64(p.n, 3);
    CHECK(p.bad[1]);
    CHECK(!p.bad[2]);
    CHECK_I64(p.n_errors, 1);
    CHECK_I64(p.err_line, 2);
    CHECK_I64(p.err_col, 1);
    CHECK(strstr(p.err_msg, "field longer than") != NULL);
    free(data);

    /* too many fields */
    size_t n = TPP_CSV_MAX_FIELDS + 5;
    data = malloc(2 * n + 8);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        data[o++] = 'x';
        data[o++] = i + 1 < n ? ',' : '\n';
    }
    memcpy(data + o, "y\n", 2);
    p = parse_n(data, o + 2);
    CHECK_I64(p.n, 2);
    CHECK(p.bad[0]);
    CHECK_I64(p.n_fields[0], TPP_CSV_MAX_FIELDS);
    CHECK_I64(p.err_col, 2 * TPP_CSV_MAX_FIELDS + 1);
    CHECK(strstr(p.err_msg, "too many fields") != NULL);
    CHECK_STR(p.text[1][0], "y");
    free(data);

    /* binary junk: errors, no crash, no record longer than the limits */
    unsigned char junk[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    tpp_diags *d = tpp_diags_new(NULL);
    tpp_csv_reader r;
    tpp_csv_reader_init(&r, "junk", (const char *)junk, sizeof junk, d);
    const tpp_csv_record *rec;
    tpp_error err;
    size_t records = 0;
    do {
        CHECK_OK(tpp_csv_reader_next(&r, &rec, &err), &err);
        records += rec != NULL;
    } while (rec != NULL && records < 100000);
    CHECK(r.n_errors > 0);
    tpp_csv_reader_release(&r);
    tpp_diags_free(d);
}

int main(void)
{
    test_simple();
    test_quotes();
    test_special_at_every_offset();
    test_line_ends_and_bom();
    test_embedded_newlines();
    test_utf8_columns();
    test_errors();
    test_ragged();
    test_limits();
    return CHECK_DONE();
}
