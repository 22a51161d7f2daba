/* The payment list added up again from its own cells (engine/xlsx_resum.c), on the golden month:
 * an untouched export adds up to the hand-checked total of fixtures/golden-2025-01/expected.csv;
 * one employee's cached column-18 value changed inside the XLSX is named with its sheet, both
 * against the JUMLAH row and against the manifest total; a JUMLAH row changed along with it is
 * still caught by the grand total; a fraction is refused; and tpp_verify_dir_opts with the
 * re-sum as its check_file fails on the changed file and passes the untouched one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "engine/store.h"
#include "engine/util.h"
#include "engine/xlsx_resum.h"
#include "importers/xlsx.h"
#include "tests/check.h"
#include "tests/unit/golden_ws.h"
#include "tpp/batch.h"
#include "tpp/export.h"

static char tmpdir[512];
static const char *srcdir;

static const char *tmp_path(const char *name)
{
    static char buf[8][1024];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* Σ net over the hand-checked expected.csv: the figure the payment list must add up to. */
static int64_t expected_net_total(size_t *n)
{
    char path[1024], *text = NULL;
    size_t len = 0;
    tpp_error err = {0};
    snprintf(path, sizeof path, "%s/fixtures/golden-2025-01/expected.csv", srcdir);
    CHECK_OK(tpp_file_read(path, &text, &len, &err), &err);
    int64_t total = 0;
    *n = 0;
    bool header = true;
    for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        if (header) {
            static const char head[] = "nip,besaran,discipline_cut,performance_cut,tpp,"
                                       "bpjs_employer,gross,bpjs_employee,net,";
            CHECK(strncmp(line, head, sizeof head - 1) == 0);
            header = false;
            continue;
        }
        char *f = line;
        for (int i = 0; i < 8 && f; i++)
            f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
        CHECK(f != NULL);
        if (f != NULL)
            total += strtoll(f, NULL, 10);
        (*n)++;
    }
    free(text);
    return total;
}

static bool copy_file(const char *src, const char *dst)
{
    char *data = NULL;
    size_t len = 0;
    tpp_error err = {0};
    bool ok = tpp_file_read(src, &data, &len, &err) == TPP_OK &&
              tpp_file_write_atomic(dst, data, len, &err) == TPP_OK;
    free(data);
    return ok;
}

/* Copy src to dst with `from` replaced by `to` (once, must be there) in one member. */
static bool tamper(const char *src, const char *dst, const char *member, const char *from,
                   const char *to)
{
    if (!copy_file(src, dst))
        return false;
    int zerr = 0;
    zip_t *z = zip_open(dst, 0, &zerr);
    if (z == NULL)
        return false;
    zip_stat_t zs;
    zip_file_t *f = NULL;
    char *xml = NULL;
    bool ok = zip_stat(z, member, 0, &zs) == 0 && (xml = malloc(zs.size + 1)) != NULL &&
              (f = zip_fopen(z, member, 0)) != NULL &&
              zip_fread(f, xml, zs.size) == (zip_int64_t)zs.size;
    if (f != NULL)
        zip_fclose(f);
    char *at = ok ? (xml[zs.size] = '\0', strstr(xml, from)) : NULL;
    ok = at != NULL;
    char *out = NULL;
    size_t out_len = 0;
    if (ok) {
        size_t head = (size_t)(at - xml), fl = strlen(from), tl = strlen(to);
        out_len = zs.size - fl + tl;
        out = malloc(out_len);
        ok = out != NULL;
        if (ok) {
            memcpy(out, xml, head);
            memcpy(out + head, to, tl);
            memcpy(out + head + tl, at + fl, zs.size - head - fl);
        }
    }
    free(xml);
    zip_source_t *s = ok ? zip_source_buffer(z, out, out_len, 1) : NULL;
    if (s == NULL) {
        free(out);
        ok = false;
    } else if (zip_file_add(z, member, s, ZIP_FL_OVERWRITE) < 0) {
        zip_source_free(s);
        ok = false;
    }
    if (!ok) {
        zip_discard(z);
        return false;
    }
    return zip_close(z) == 0;
}

/* Run the re-sum with its diagnostics captured into *text (caller frees). */
static tpp_xlsx_resum resum(const char *path, const tpp_money *expected, char **text)
{
    FILE *echo = tmpfile();
    tpp_diags *d = tpp_diags_new(echo);
    tpp_error err = {0};
    tpp_xlsx_resum rs = {0};
    CHECK_OK(tpp_payment_xlsx_resum(path, expected, d, &rs, &err), &err);
    CHECK_I64(tpp_diags_errors(d), rs.n_problems);
    tpp_diags_free(d);
    *text = NULL;
    if (echo != NULL) {
        long n = ftell(echo);
        rewind(echo);
        *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
        if (*text != NULL && n > 0 && fread(*text, 1, (size_t)n, echo) != (size_t)n)
            (*text)[0] = '\0';
        fclose(echo);
    }
    if (*text != NULL && (*text)[0] != '\0')
        fprintf(stderr, "(expected diagnostics follow)\n%s", *text);
    return rs;
}

static bool has(const char *text, const char *needle)
{
    bool hit = text != NULL && strstr(text, needle) != NULL;
    if (!hit)
        fprintf(stderr, "missing in the diagnostics: %s\n", needle);
    return hit;
}

static void test_sheet_names(const char *xlsx)
{
    tpp_xlsx_reader *r = NULL;
    tpp_error err = {0};
    CHECK_OK(tpp_xlsx_reader_open(&r, xlsx, "Rumus", NULL, &err), &err);
    CHECK_I64(tpp_xlsx_reader_errors(r), 0);
    CHECK_I64(tpp_xlsx_reader_sheet_count(r), 5);
    CHECK_STR(tpp_xlsx_reader_sheet_name(r, 0), "Ringkasan");
    CHECK_STR(tpp_xlsx_reader_sheet_name(r, 1), "1.01.01");
    CHECK_STR(tpp_xlsx_reader_sheet_name(r, 2), "1.02.01");
    CHECK_STR(tpp_xlsx_reader_sheet_name(r, 3), "4.01.01");
    CHECK_STR(tpp_xlsx_reader_sheet_name(r, 4), "Rumus");
    CHECK(tpp_xlsx_reader_sheet_name(r, 5) == NULL);
    tpp_xlsx_reader_free(r);
    /* Not a workbook: no sheets, and the reader said why. */
    CHECK_OK(tpp_xlsx_reader_open(&r, tmp_path("out/tpp-2025-01.csv"), NULL, NULL, &err), &err);
    CHECK(tpp_xlsx_reader_errors(r) > 0);
    CHECK_I64(tpp_xlsx_reader_sheet_count(r), 0);
    CHECK(tpp_xlsx_reader_sheet_name(r, 0) == NULL);
    tpp_xlsx_reader_free(r);
}

static size_t verify(const char *dir, char **text)
{
    FILE *echo = tmpfile();
    tpp_diags *d = tpp_diags_new(echo);
    tpp_error err = {0};
    tpp_verify_report rep;
    tpp_verify_options vo = {.check_file = tpp_verify_payment_file};
    CHECK_OK(tpp_verify_dir_opts(dir, &vo, d, &rep, &err), &err);
    tpp_diags_free(d);
    long n = echo ? ftell(echo) : 0;
    *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    if (echo != NULL) {
        rewind(echo);
        if (*text != NULL && n > 0 && fread(*text, 1, (size_t)n, echo) != (size_t)n)
            (*text)[0] = '\0';
        fclose(echo);
    }
    return rep.n_failed;
}

int main(void)
{
    const char *t = getenv("TPP_TEST_TMP");
    srcdir = getenv("TPP_SOURCE_DIR");
    if (srcdir == NULL)
        srcdir = TPP_SOURCE_DIR;
    snprintf(tmpdir, sizeof tmpdir, "%s/xlsx_resum", t ? t : "/tmp");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    if (system(cmd) != 0)
        return 1;

    tpp_store *st = golden_workspace(srcdir, tmp_path("g.db"));
    CHECK(st != NULL);
    if (st == NULL)
        return CHECK_DONE();
    tpp_error err = {0};
    tpp_export_options opt = {.year = 2025,
                              .month = 1,
                              .formats = TPP_EXPORT_CSV | TPP_EXPORT_XLSX,
                              .out_dir = tmp_path("out"),
                              .key_path = ""};
    tpp_export_summary sum;
    CHECK_OK(tpp_batch_export_opt(st, &opt, &sum, &err), &err);
    tpp_store_close(st);

    char xlsx[1024]; /* kept: tmp_path reuses its buffers */
    snprintf(xlsx, sizeof xlsx, "%s", tmp_path("out/tpp-2025-01.xlsx"));
    test_sheet_names(xlsx);

    size_t n_expected = 0;
    int64_t want = expected_net_total(&n_expected);
    CHECK_I64(n_expected, 20);
    CHECK_I64(want, 69552159); /* the golden month's total, as tpp export prints it */

    /* Untouched: every sheet agrees with its JUMLAH row and the whole with the fixture. */
    char *text = NULL;
    tpp_xlsx_resum rs = resum(xlsx, &want, &text);
    CHECK_I64(rs.n_problems, 0);
    CHECK_I64(rs.n_sheets, 3);
    CHECK_I64(rs.n_lines, n_expected);
    CHECK_I64(rs.total, want);
    free(text);
    tpp_money off_by_one = want + 1;
    rs = resum(xlsx, &off_by_one, &text);
    CHECK_I64(rs.n_problems, 1);
    CHECK(has(text, "not the manifest total 69552160"));
    free(text);

    /* One employee's cached net raised by one rupiah on sheet 1.01.01 (its third row). */
    const char *member = "xl/worksheets/sheet2.xml";
    CHECK(tamper(xlsx, tmp_path("row.xlsx"), member, "<f>P12-Q12</f><v>4009840</v>",
                 "<f>P12-Q12</f><v>4009841</v>"));
    rs = resum(tmp_path("row.xlsx"), &want, &text);
    CHECK_I64(rs.n_problems, 2);
    CHECK_I64(rs.total, want + 1);
    CHECK(has(text, "row.xlsx: error: sheet '1.01.01': column 18 (JUMLAH TPP YANG DITERIMA) of "
                    "its 7 employee rows adds up to 26855445, but its JUMLAH row (row 17) says "
                    "26855444"));
    CHECK(has(text, "adds up to 69552160, not the manifest total 69552159"));
    free(text);

    /* The JUMLAH row changed along with it: the sheet agrees with itself, the total does not. */
    CHECK(tamper(tmp_path("row.xlsx"), tmp_path("both.xlsx"), member,
                 "<f>SUM(R10:R16)</f><v>26855444</v>", "<f>SUM(R10:R16)</f><v>26855445</v>"));
    rs = resum(tmp_path("both.xlsx"), &want, &text);
    CHECK_I64(rs.n_problems, 1);
    CHECK(has(text, "not the manifest total 69552159"));
    CHECK(text != NULL && strstr(text, "sheet '1.01.01'") == NULL);
    free(text);

    /* A fraction of a rupiah is no amount of the payment list. */
    CHECK(tamper(xlsx, tmp_path("frac.xlsx"), member, "<f>P12-Q12</f><v>4009840</v>",
                 "<f>P12-Q12</f><v>4009840.5</v>"));
    rs = resum(tmp_path("frac.xlsx"), &want, &text);
    CHECK(rs.n_problems >= 1);
    CHECK(has(text, "frac.xlsx:12:18: error: sheet '1.01.01': column 18 (JUMLAH TPP YANG "
                    "DITERIMA) holds '4009840.5', not a whole number of rupiah"));
    free(text);

    /* A row taken out of the numbering. */
    CHECK(tamper(xlsx, tmp_path("no.xlsx"), member, "<c r=\"A12\" s=\"5\"><v>3</v>",
                 "<c r=\"A12\" s=\"5\"><v>9</v>"));
    rs = resum(tmp_path("no.xlsx"), &want, &text);
    CHECK_I64(rs.n_problems, 1);
    CHECK(has(text, "no.xlsx:12:1: error: sheet '1.01.01': row number (NO) is '9', expected 3"));
    free(text);

    /* Not a workbook at all. */
    rs = resum(tmp_path("out/tpp-2025-01.csv"), &want, &text);
    CHECK(rs.n_problems >= 1);
    CHECK(has(text, "not an XLSX file"));
    free(text);

    /* Through tpp_verify_dir_opts: the untouched directory passes; with the changed payment
     * list, the hash and the re-sum both name the file, the re-sum its sheet. */
    CHECK_I64(verify(tmp_path("out"), &text), 0);
    free(text);
    CHECK(copy_file(tmp_path("row.xlsx"), xlsx));
    CHECK_I64(verify(tmp_path("out"), &text), 1);
    CHECK(has(text, "tpp-2025-01.xlsx: error: ") && has(text, "changed after export"));
    CHECK(has(text, "tpp-2025-01.xlsx: error: sheet '1.01.01'"));
    free(text);
    return CHECK_DONE();
}
