/* Payroll files for BPKAD, end to end on the golden month: the XLSX read back (cells, formulas,
 * cached values, signature blocks, Rumus sheet, chart, print set-up), Σ bank file = Σ net in the
 * payment list = the manifest total, tpp verify naming each file with one flipped byte, signed
 * manifests, reproducible bytes, bank templates (delimited and fixed width, errors with
 * file:line:col), and the supplementary lists read back. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tests/check.h"
#include "tests/unit/golden_ws.h"
#include "tests/unit/xlsx_read.h"
#include "tpp/batch.h"
#include "tpp/export.h"
#include "tpp/import.h"
#include "tpp/rules.h"

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

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    tpp_error err = {0};
    if (tpp_file_read(path, &data, len, &err) != TPP_OK)
        return NULL;
    return data;
}

static bool same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static int64_t num(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    return end != s && *end == '\0' ? v : INT64_MIN;
}

/* Σ of the JUMLAH row's column R (18, JUMLAH TPP YANG DITERIMA) over every OPD sheet. */
static int64_t xlsx_net_total(const char *xlsx, size_t *n_sheets)
{
    char *wb = xr_member(xlsx, "xl/workbook.xml");
    int64_t total = 0;
    *n_sheets = 0;
    for (const char *p = wb ? wb : ""; (p = strstr(p, "<sheet name=\"")) != NULL;) {
        char name[64];
        sscanf(p + 13, "%63[^\"]", name);
        p += 13;
        if (strcmp(name, "Ringkasan") == 0 || strcmp(name, "Rumus") == 0)
            continue;
        char *xml = xr_sheet(xlsx, name);
        /* the JUMLAH row: the cell in column B that says so, then R on the same row */
        const char *j = xml ? strstr(xml, "<t>JUMLAH</t>") : NULL;
        const char *c = j;
        while (c && c > xml && strncmp(c, "<c r=\"B", 7) != 0)
            c--;
        char ref[16], v[64], f[256];
        if (c != NULL && sscanf(c + 7, "%8[0-9]", ref + 1) == 1) {
            ref[0] = 'R';
            CHECK(xr_cell(xml, ref, v, sizeof v, f, sizeof f));
            CHECK(strncmp(f, "SUM(R", 5) == 0);
            total += num(v);
            (*n_sheets)++;
        } else {
            CHECK(0 && "no JUMLAH row");
        }
        free(xml);
    }
    free(wb);
    return total;
}

/* Σ JUMLAH over the detail rows of the generic bank file, and its trailer's count and total. */
static int64_t generic_bank_total(const char *path, size_t *rows, int64_t *trailer_total,
                                  size_t *trailer_count)
{
    xr_grid g;
    int64_t total = 0;
    *rows = 0;
    *trailer_total = -1;
    if (!xr_grid_load(path, &g))
        return -1;
    for (size_t r = 1; r < g.rows; r++) {
        const char *first = g.cell[r * g.cols];
        if (first && strcmp(first, "JUMLAH") == 0) {
            *trailer_count = (size_t)num(g.cell[r * g.cols + 1]);
            *trailer_total = num(g.cell[r * g.cols + 5]);
        } else {
            total += num(g.cell[r * g.cols + 5]);
            (*rows)++;
        }
    }
    xr_grid_free(&g);
    return total;
}

/* Σ net over the ok rows of the machine CSV. */
static int64_t machine_csv_total(const char *path)
{
    xr_grid g;
    if (!xr_grid_load(path, &g))
        return -1;
    size_t c_net = 0, c_status = 0;
    for (size_t c = 0; c < g.cols; c++) {
        if (g.cell[c] && strcmp(g.cell[c], "net") == 0)
            c_net = c;
        if (g.cell[c] && strcmp(g.cell[c], "status") == 0)
            c_status = c;
    }
    int64_t total = 0;
    for (size_t r = 1; r < g.rows; r++)
        if (strcmp(g.cell[r * g.cols + c_status], "ok") == 0)
            total += num(g.cell[r * g.cols + c_net]);
    xr_grid_free(&g);
    return total;
}

static int64_t manifest_total(const char *path)
{
    size_t len;
    char *m = slurp(path, &len);
    const char *t = m ? strstr(m, "\ntotal-net ") : NULL;
    int64_t v = t ? strtoll(t + 11, NULL, 10) : -1;
    free(m);
    return v;
}

/* Run verify on dir, capturing its report; returns the number of failures. */
static size_t verify(const char *dir, const unsigned char *key, char *report, size_t size)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    tpp_diags *d = tpp_diags_new(mem);
    tpp_verify_report rep;
    tpp_error err = {0};
    CHECK_OK(tpp_verify_dir(dir, key, d, &rep, &err), &err);
    tpp_diags_free(d);
    fclose(mem);
    snprintf(report, size, "%s", buf ? buf : "");
    free(buf);
    return rep.n_failed;
}

static void copy_dir(const char *from, const char *to)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", to, from, to);
    CHECK(system(cmd) == 0);
}

static void flip_byte(const char *path)
{
    size_t len;
    char *d = slurp(path, &len);
    CHECK(d != NULL && len > 0);
    if (d == NULL || len == 0)
        return;
    d[len / 2] ^= 0x01;
    tpp_error err = {0};
    CHECK_OK(tpp_file_write_atomic(path, d, len, &err), &err);
    free(d);
}

static void test_golden_export(void)
{
    tpp_error err = {0};
    tpp_store *st = golden_workspace(srcdir, tmp_path("g.db"));
    CHECK(st != NULL);
    if (st == NULL)
        return;
    /* Signature blocks: workspace-wide, and one OPD with its own treasurer. */
    CHECK_OK(tpp_config_set(st, "sign.place", NULL, "Samarinda", &err), &err);
    CHECK_OK(tpp_config_set(st, "sign.date", NULL, "end-of-month", &err), &err);
    CHECK_OK(tpp_config_set(st, "sign.known.name", NULL, "Dr. H. Kepala Dinas", &err), &err);
    CHECK_OK(tpp_config_set(st, "sign.payer.name", NULL, "Bendahara Umum", &err), &err);
    CHECK_OK(tpp_config_set(st, "sign.payer.name", "1.02.01", "Siti Rahmah, S.E.", &err), &err);
    CHECK_OK(tpp_config_set(st, "sign.payer.nip", "1.02.01", "198001012005012001", &err), &err);
    CHECK(tpp_config_set(st, "sign.payer.nip", NULL, "12345", &err) == TPP_ERR_USAGE);
    CHECK(tpp_config_set(st, "no.such.key", NULL, "x", &err) == TPP_ERR_USAGE);
    CHECK(tpp_config_set(st, "sign.date", "1.02.01", "2025-02-01", &err) == TPP_ERR_USAGE);

    unsigned char pk[TPP_SIGN_PUBLIC_BYTES];
    unlink(tmp_path("sign.key"));
    unlink(tmp_path("sign.key.pub"));
    CHECK_OK(tpp_key_generate(tmp_path("sign.key"), pk, &err), &err);
    CHECK(tpp_key_generate(tmp_path("sign.key"), pk, &err) == TPP_ERR_IO); /* never overwritten */
    struct stat sb;
    CHECK(stat(tmp_path("sign.key"), &sb) == 0 && (sb.st_mode & 077) == 0);
    CHECK_OK(tpp_config_set(st, "signing.key", NULL, tmp_path("sign.key"), &err), &err);

    tpp_export_options opt = {.year = 2025, .month = 1, .formats = TPP_EXPORT_ALL};
    tpp_export_summary sum;
    opt.out_dir = tmp_path("out1");
    CHECK_OK(tpp_batch_export_opt(st, &opt, &sum, &err), &err);
    CHECK(sum.manifest_signed);
    CHECK_I64(sum.n_banks, 1);
    opt.out_dir = tmp_path("out2");
    CHECK_OK(tpp_batch_export_opt(st, &opt, &sum, &err), &err);

    /* Reproducible: every file, the signed manifest too, is byte-identical. */
    static const char *const files[] = {"tpp-2025-01.xlsx", "tpp-2025-01.csv",
                                        "bank-generic-2025-01.csv", "tpp-2025-01.manifest"};
    for (size_t i = 0; i < 4; i++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/%s", tmp_path("out1"), files[i]);
        snprintf(b, sizeof b, "%s/%s", tmp_path("out2"), files[i]);
        if (!same_file(a, b))
            fprintf(stderr, "differs between exports: %s\n", files[i]);
        CHECK(same_file(a, b));
    }

    /* Σ bank file = Σ net in the payment list = the manifest total (= Σ net of the CSV). */
    char xlsx[1024], bank[1024], csv[1024], man[1024];
    snprintf(xlsx, sizeof xlsx, "%s/tpp-2025-01.xlsx", tmp_path("out1"));
    snprintf(bank, sizeof bank, "%s/bank-generic-2025-01.csv", tmp_path("out1"));
    snprintf(csv, sizeof csv, "%s/tpp-2025-01.csv", tmp_path("out1"));
    snprintf(man, sizeof man, "%s/tpp-2025-01.manifest", tmp_path("out1"));
    size_t n_sheets = 0, bank_rows = 0, trailer_count = 0;
    int64_t trailer_total = 0;
    int64_t x_total = xlsx_net_total(xlsx, &n_sheets);
    int64_t b_total = generic_bank_total(bank, &bank_rows, &trailer_total, &trailer_count);
    int64_t m_total = manifest_total(man);
    CHECK_I64(n_sheets, 3);
    CHECK(x_total > 0);
    CHECK_I64(b_total, x_total);
    CHECK_I64(m_total, x_total);
    CHECK_I64(trailer_total, x_total);
    CHECK_I64(trailer_count, bank_rows);
    CHECK_I64(machine_csv_total(csv), x_total);
    CHECK_I64(x_total, sum.total_net);

    /* The signature blocks: configured names, the OPD's own treasurer, place and date. */
    char *s1 = xr_sheet(xlsx, "1.01.01"), *s2 = xr_sheet(xlsx, "1.02.01");
    CHECK(s1 && strstr(s1, "<t>Samarinda, 31 Januari 2025</t>") != NULL);
    CHECK(s1 && strstr(s1, "<t>Dr. H. Kepala Dinas</t>") != NULL);
    CHECK(s1 && strstr(s1, "<t>Bendahara Umum</t>") != NULL);
    CHECK(s1 && strstr(s1, "<t>Siti Rahmah, S.E.</t>") == NULL);
    CHECK(s2 && strstr(s2, "<t>Siti Rahmah, S.E.</t>") != NULL);
    CHECK(s2 && strstr(s2, "<t>NIP. 198001012005012001</t>") != NULL);
    CHECK(s2 && strstr(s2, "<t>Mengetahui,</t>") != NULL);
    /* frozen header, cells and formulas */
    CHECK(s1 && strstr(s1, "state=\"frozen\"") != NULL);
    CHECK(s1 && strstr(s1, "<pageSetup") && strstr(s1, "orientation=\"landscape\""));
    CHECK(s1 && strstr(s1, "fitToHeight=\"0\"") != NULL);
    char v[256], f[256];
    CHECK(s1 && xr_cell(s1, "A10", v, sizeof v, f, sizeof f));
    CHECK_STR(v, "1");
    CHECK(s1 && xr_cell(s1, "L10", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "(H10+K10)-(I10+J10)");
    CHECK(s1 && xr_cell(s1, "R10", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "P10-Q10");
    CHECK(num(v) > 0);
    CHECK(s1 && xr_cell(s1, "B10", v, sizeof v, NULL, 0));
    CHECK(strstr(v, "\nNIP. 1980") != NULL);
    free(s1);
    free(s2);
    /* print titles repeat the header rows; the summary has a chart; a Rumus sheet */
    char *wb = xr_member(xlsx, "xl/workbook.xml");
    CHECK(wb && strstr(wb, "_xlnm.Print_Titles") != NULL);
    CHECK(wb && strstr(wb, "<sheet name=\"Rumus\"") != NULL);
    free(wb);
    char *chart = xr_member(xlsx, "xl/charts/chart1.xml");
    CHECK(chart && strstr(chart, "Ringkasan") != NULL);
    free(chart);
    char *rumus = xr_sheet(xlsx, "Rumus");
    CHECK(rumus && strstr(rumus, "<t>Kelas jabatan 15</t>") != NULL);
    CHECK(rumus && strstr(rumus, "Perwali Samarinda 31/2022") != NULL);
    CHECK(rumus && strstr(rumus, "<t>=(8+11)-(9+10)</t>") != NULL);
    CHECK(rumus && strstr(rumus, "Terlambat TL1: 1 s.d. 30 menit") != NULL);
    free(rumus);

    /* verify: clean, then one flipped byte in each file names that file. */
    char report[8192];
    CHECK_I64(verify(tmp_path("out1"), pk, report, sizeof report), 0);
    if (report[0])
        fprintf(stderr, "%s", report);
    unsigned char other[TPP_SIGN_PUBLIC_BYTES] = {1};
    CHECK(verify(tmp_path("out1"), other, report, sizeof report) > 0);
    CHECK(strstr(report, "not the trusted key") != NULL);
    for (size_t i = 0; i < 4; i++) {
        copy_dir(tmp_path("out1"), tmp_path("flip"));
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", tmp_path("flip"), files[i]);
        flip_byte(p);
        size_t failed = verify(tmp_path("flip"), NULL, report, sizeof report);
        CHECK(failed > 0);
        char want[1100];
        snprintf(want, sizeof want, "%s: error:", p);
        if (strstr(report, want) == NULL)
            fprintf(stderr, "verify did not name %s:\n%s", files[i], report);
        CHECK(strstr(report, want) != NULL);
    }
    /* a file slipped in beside the listed ones */
    copy_dir(tmp_path("out1"), tmp_path("flip"));
    char extra[1024];
    snprintf(extra, sizeof extra, "%s/bank-other-2025-01.csv", tmp_path("flip"));
    tpp_error e2 = {0};
    CHECK_OK(tpp_file_write_atomic(extra, "x\n", 2, &e2), &e2);
    CHECK(verify(tmp_path("flip"), NULL, report, sizeof report) == 1);
    CHECK(strstr(report, "bank-other-2025-01.csv: error: not listed") != NULL);

    /* Bank templates must split the paid lines exactly: generic + fixed-example would pay the
     * Kaltimtara lines twice, and nothing is written. */
    const char *two[] = {"generic", "fixed-example"};
    opt.banks = two;
    opt.n_banks = 2;
    opt.out_dir = tmp_path("out-two");
    CHECK(tpp_batch_export_opt(st, &opt, &sum, &err) == TPP_ERR_INVALID);
    CHECK(strstr(err.msg, "more than one") != NULL);
    CHECK(access(tmp_path("out-two"), F_OK) != 0);
    /* fixed-example alone needs its debit account parameter */
    opt.banks = two + 1;
    opt.n_banks = 1;
    CHECK(tpp_batch_export_opt(st, &opt, &sum, &err) == TPP_ERR_INVALID);
    CHECK(strstr(err.msg, "debit_account") != NULL);
    CHECK_OK(tpp_config_set(st, "bank.debit_account", NULL, "0011-2233-4455", &err), &err);
    opt.key_path = ""; /* unsigned */
    CHECK_OK(tpp_batch_export_opt(st, &opt, &sum, &err), &err);
    CHECK(!sum.manifest_signed);
    CHECK_I64(sum.bank_total[0], x_total);
    char report2[8192];
    CHECK_I64(verify(tmp_path("out-two"), NULL, report2, sizeof report2), 0);
    CHECK(verify(tmp_path("out-two"), pk, report2, sizeof report2) > 0); /* not signed */
    tpp_store_close(st);
}

/* ---- bank templates on hand-built lines ------------------------------------------------------ */

static tpp_payline line(const char *nip, const char *name, const char *account, tpp_money net)
{
    return (tpp_payline){.nip = nip,
                         .name = name,
                         .unit_code = "1.01.01",
                         .unit_name = "Dinas Pendidikan",
                         .bank_name = "Bank Kaltimtara",
                         .bank_account = account,
                         .ok = true,
                         .net = net};
}

static tpp_status render(const char *yaml, const tpp_payline *const *l, size_t n, char **out,
                         tpp_file_stats *st, tpp_error *err)
{
    tpp_bank_template *t = NULL;
    tpp_diags *d = tpp_diags_new(NULL);
    tpp_status rc = tpp_bank_template_load("t.yaml", yaml, strlen(yaml), d, &t, err);
    tpp_diags_free(d);
    if (rc != TPP_OK)
        return rc;
    tpp_export_meta m = {.year = 2025, .month = 2, .run_id = 4};
    tpp_bank_param p = {"debit_account", "9.876-5"};
    size_t len;
    rc = tpp_bank_render(t, &m, l, n, &p, 1, out, &len, st, err);
    tpp_bank_template_free(t);
    return rc;
}

static void test_bank_templates(void)
{
    tpp_payline a = line("198001012005011001", "Andi, \"Pratama\"", "0012-345", 1234567);
    tpp_payline b = line("198002022005022002", "Budi Santoso", "77", 50);
    const tpp_payline *l[] = {&a, &b};
    tpp_error err = {0};
    tpp_file_stats st;
    char *out = NULL;
    const char *csv = "id: t1\nlayout: delimited\ndelimiter: \";\"\nline_end: lf\n"
                      "amount: { decimals: 2, decimal_mark: \",\" }\n"
                      "header:\n  - [ { text: H }, { field: count }, { field: total }, "
                      "{ field: param, param: debit_account, digits: true } ]\n"
                      "detail: [ { field: seq, width: 3, pad: \"0\" }, { field: account, digits: "
                      "true }, { field: name }, { field: amount } ]\n";
    CHECK_OK(render(csv, l, 2, &out, &st, &err), &err);
    CHECK_STR(out, "H;2;1234617,00;98765\n001;0012345;\"Andi, \"\"Pratama\"\"\";1234567,00\n"
                   "002;77;Budi Santoso;50,00\n");
    CHECK_I64(st.records, 2);
    CHECK_I64(st.total, 1234617);
    free(out);
    /* a comma-delimited file quotes the name with a comma and doubles its quotes */
    const char *csv2 = "id: t2\nlayout: delimited\ndelimiter: \",\"\nline_end: crlf\n"
                       "detail: [ { field: name }, { field: amount } ]\n"
                       "trailer: [ [ { text: TOTAL }, { field: total } ] ]\n";
    CHECK_OK(render(csv2, l, 2, &out, &st, &err), &err);
    CHECK_STR(out, "\"Andi, \"\"Pratama\"\"\",1234567\r\nBudi Santoso,50\r\nTOTAL,1234617\r\n");
    free(out);
    /* quote: never refuses such a name, naming the line */
    const char *never = "id: t3\nlayout: delimited\ndelimiter: \",\"\nquote: never\n"
                        "detail: [ { field: name }, { field: amount } ]\n";
    CHECK(render(never, l, 2, &out, &st, &err) == TPP_ERR_INVALID);
    CHECK(strstr(err.msg, "NIP 198001012005011001") != NULL);
    /* fixed width: padding, implied decimals, upper case, names cut, amounts never cut */
    const char *fixed = "id: f\nlayout: fixed\nline_end: lf\n"
                        "amount: { decimals: 2, decimal_mark: none }\n"
                        "detail: [ { text: D, width: 1 }, { field: account, width: 8, digits: "
                        "true, align: right, pad: \"0\" }, { field: name, width: 6, upper: true },"
                        " { field: amount, width: 12, pad: \"0\" } ]\n"
                        "trailer: [ [ { text: T, width: 1 }, { field: count, width: 3, pad: "
                        "\"0\" }, { field: total, width: 12, pad: \"0\" } ] ]\n";
    CHECK_OK(render(fixed, l, 2, &out, &st, &err), &err);
    CHECK_STR(out, "D00012345ANDI, 000123456700\nD00000077BUDI S000000005000\n"
                   "T002000123461700\n");
    free(out);
    const char *narrow = "id: f\nlayout: fixed\ndetail: [ { field: amount, width: 5 } ]\n";
    CHECK(render(narrow, l, 2, &out, &st, &err) == TPP_ERR_INVALID);
    CHECK(strstr(err.msg, "longer than its width") != NULL);
    /* no account: refused, naming the NIP */
    tpp_payline c = line("198003032005031003", "Citra", "", 10);
    const tpp_payline *lc[] = {&c};
    CHECK(render(csv, lc, 1, &out, &st, &err) == TPP_ERR_INVALID);
    CHECK(strstr(err.msg, "198003032005031003") != NULL);

    /* Template errors: every one, with file:line:col. */
    const char *bad = "id: bad id\nlayout: fixed\nfoo: 1\ndetail:\n  - { field: nope }\n"
                      "  - { field: name }\n  - { field: count, width: 3 }\n";
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    tpp_diags *d = tpp_diags_new(mem);
    tpp_bank_template *t = NULL;
    CHECK(tpp_bank_template_load("bad.yaml", bad, strlen(bad), d, &t, &err) == TPP_ERR_INVALID);
    CHECK(t == NULL);
    tpp_diags_free(d);
    fclose(mem);
    CHECK(buf && strstr(buf, "bad.yaml:1:5: error: id must be") != NULL);
    CHECK(buf && strstr(buf, "bad.yaml:3:1: error: unknown key 'foo'") != NULL);
    CHECK(buf && strstr(buf, "bad.yaml:5:14: error: unknown field 'nope'") != NULL);
    CHECK(buf &&
          strstr(buf, "bad.yaml:7:14: error: field 'count' cannot be used in a detail") != NULL);
    CHECK(buf && strstr(buf, "every column needs a width") != NULL);
    free(buf);
    CHECK(tpp_bank_template_builtin("nosuch", NULL, &t, &err) == TPP_ERR_INVALID);
    /* the shipped templates load, and the example takes only its banks */
    CHECK_OK(tpp_bank_template_builtin("generic", NULL, &t, &err), &err);
    tpp_bank_template_free(t);
    CHECK_OK(tpp_bank_template_builtin("fixed-example", NULL, &t, &err), &err);
    tpp_payline other = a;
    other.bank_name = "BRI";
    CHECK(t && tpp_bank_template_takes(t, &a));
    CHECK(t && !tpp_bank_template_takes(t, &other));
    tpp_bank_template_free(t);
}

/* ---- supplementary lists ----------------------------------------------------------------------- */

static void test_supplements(void)
{
    tpp_error err = {0};
    tpp_signatures sg = {.known = {.title = "Sekretaris Dinas", .name = "Ir. Budi"},
                         .payer = {.name = "Siti"},
                         .place = "Samarinda",
                         .date = "3 Maret 2025"};
    tpp_export_meta m = {.region = "Kota Samarinda", .year = 2025, .month = 2, .sign = &sg};
    tpp_delta_line d[] = {
        {.nip = "198001012005011001",
         .name = "Andi",
         .unit_code = "1.01.01",
         .unit_name = "Dinas Pendidikan",
         .year = 2025,
         .month = 1,
         .due_net = 4500000,
         .paid_net = 4311656,
         .reason = "absensi dikoreksi"},
        {.nip = "198002022005022002",
         .name = "Budi",
         .unit_code = "1.01.01",
         .unit_name = "Dinas Pendidikan",
         .year = 2025,
         .month = 1,
         .due_net = 4000000,
         .paid_net = 4074515,
         .reason = "cuti sakit"},
        {.nip = "198003032005031003",
         .name = "Citra",
         .unit_code = "1.02.01",
         .unit_name = "Dinas Kesehatan",
         .year = 2024,
         .month = 12,
         .due_net = 100,
         .paid_net = 100},
    };
    tpp_file_stats st;
    const char *p1 = tmp_path("delta.xlsx"), *p2 = tmp_path("delta2.xlsx");
    CHECK_OK(tpp_export_delta_xlsx(p1, &m, d, 3, &st, &err), &err);
    CHECK_OK(tpp_export_delta_xlsx(p2, &m, d, 3, &st, &err), &err);
    CHECK(same_file(p1, p2));
    CHECK_I64(st.records, 3);
    CHECK_I64(st.total, (4500000 - 4311656) + (4000000 - 4074515));
    char *x = xr_sheet(p1, "1.01.01");
    char v[256], f[256];
    /* title block of 4 rows, a blank, the heads on row 6, numbers on 7, data from 8 */
    CHECK(x && xr_cell(x, "H8", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "MAX(F8-G8,0)");
    CHECK_STR(v, "188344");
    CHECK(x && xr_cell(x, "I9", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "MAX(G9-F9,0)");
    CHECK_STR(v, "74515");
    CHECK(x && xr_cell(x, "H10", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "SUM(H8:H9)");
    CHECK_STR(v, "188344");
    CHECK(x && xr_cell(x, "I10", v, sizeof v, f, sizeof f));
    CHECK_STR(v, "74515");
    CHECK(x && xr_cell(x, "E8", v, sizeof v, NULL, 0));
    CHECK_STR(v, "Januari 2025");
    CHECK(x && strstr(x, "<t>Sekretaris Dinas</t>") && strstr(x, "<t>Samarinda, 3 Maret 2025</t>"));
    free(x);
    CHECK((x = xr_sheet(p1, "1.02.01")) != NULL);
    free(x);
    /* not grouped by OPD: refused, nothing written */
    tpp_delta_line mixed[] = {d[0], d[2], d[1]};
    unlink(tmp_path("mixed.xlsx"));
    CHECK(tpp_export_delta_xlsx(tmp_path("mixed.xlsx"), &m, mixed, 3, &st, &err) ==
          TPP_ERR_INVALID);
    CHECK(access(tmp_path("mixed.xlsx"), F_OK) != 0);

    tpp_rapel_line r[] = {
        {.nip = "198001012005011001",
         .name = "Andi",
         .unit_code = "1.01.01",
         .unit_name = "Dinas Pendidikan",
         .bank_account = "1200000000",
         .net = {4311656, 4200000}},
        {.nip = "198002022005022002",
         .name = "Budi",
         .unit_code = "1.01.01",
         .unit_name = "Dinas Pendidikan",
         .bank_account = "1200000001",
         .net = {10, 20}},
    };
    m.month = 12;
    m.year = 2024; /* December and January: the second month is in the next year */
    const char *p3 = tmp_path("rapel.xlsx");
    CHECK_OK(tpp_export_rapel_xlsx(p3, &m, r, 2, &st, &err), &err);
    CHECK_I64(st.total, 4311656 + 4200000 + 30);
    x = xr_sheet(p3, "1.01.01");
    CHECK(x && xr_cell(x, "D6", v, sizeof v, NULL, 0));
    CHECK_STR(v, "JUMLAH BERSIH\nDesember 2024");
    CHECK(x && xr_cell(x, "E6", v, sizeof v, NULL, 0));
    CHECK_STR(v, "JUMLAH BERSIH\nJanuari 2025");
    CHECK(x && xr_cell(x, "F8", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "D8+E8");
    CHECK_STR(v, "8511656");
    CHECK(x && xr_cell(x, "G10", v, sizeof v, f, sizeof f));
    CHECK_STR(f, "SUM(G8:G9)");
    CHECK_STR(v, "8511686");
    CHECK(x && xr_cell(x, "C8", v, sizeof v, NULL, 0));
    CHECK_STR(v, "1200000000");
    free(x);
}

/* ---- manifest edge cases ----------------------------------------------------------------------- */

static void test_manifest(void)
{
    tpp_error err = {0};
    const char *dir = tmp_path("man");
    CHECK_OK(tpp_mkdirs(dir, &err), &err);
    char p[1024];
    snprintf(p, sizeof p, "%s/machine.csv", dir);
    const char *csv = "nip,status,net\n1,ok,100\n2,error,0\n3,ok,\"250\"\n";
    CHECK_OK(tpp_file_write_atomic(p, csv, strlen(csv), &err), &err);
    tpp_manifest m = {.year = 2025, .month = 3, .run_id = 9, .n_lines = 3, .total_net = 350};
    snprintf(m.pack_id, sizeof m.pack_id, "x");
    snprintf(m.seal_kind, sizeof m.seal_kind, "provisional");
    snprintf(m.seal, sizeof m.seal, "%064d", 0);
    m.n_files = 1;
    snprintf(m.files[0].name, sizeof m.files[0].name, "machine.csv");
    snprintf(m.files[0].kind, sizeof m.files[0].kind, "machine-csv");
    m.files[0].stats = (tpp_file_stats){2, 350};
    char out[1024], report[4096];
    CHECK_OK(tpp_manifest_write(dir, &m, NULL, out, sizeof out, &err), &err);
    CHECK(strstr(out, "tpp-2025-03.manifest") != NULL);
    CHECK_I64(verify(dir, NULL, report, sizeof report), 0);
    /* a manifest whose totals disagree with the file (written honestly by a buggy caller) */
    m.files[0].stats.total = 351;
    m.total_net = 351;
    CHECK_OK(tpp_manifest_write(dir, &m, NULL, out, sizeof out, &err), &err);
    CHECK(verify(dir, NULL, report, sizeof report) == 1);
    CHECK(strstr(report, "machine.csv: error: the file sums to 350") != NULL);
    /* no manifest at all */
    unlink(out);
    CHECK(verify(dir, NULL, report, sizeof report) == 2); /* no manifest; machine.csv unlisted */
    /* bad entries are refused */
    snprintf(m.files[0].name, sizeof m.files[0].name, "../etc/passwd");
    CHECK(tpp_manifest_write(dir, &m, NULL, out, sizeof out, &err) == TPP_ERR_INTERNAL);
    /* keys: a damaged secret key is refused */
    char k[1024];
    snprintf(k, sizeof k, "%s/k", dir);
    unsigned char pk[TPP_SIGN_PUBLIC_BYTES], sk[TPP_SIGN_SECRET_BYTES], pk2[TPP_SIGN_PUBLIC_BYTES];
    CHECK_OK(tpp_key_generate(k, pk, &err), &err);
    CHECK_OK(tpp_key_load_secret(k, sk, &err), &err);
    char pub[1100];
    snprintf(pub, sizeof pub, "%s.pub", k);
    CHECK_OK(tpp_key_load_public(pub, pk2, &err), &err);
    CHECK(memcmp(pk, pk2, sizeof pk) == 0);
    char hex[65];
    tpp_hex(pk, sizeof pk, hex);
    CHECK_OK(tpp_key_load_public(hex, pk2, &err), &err);
    CHECK(memcmp(pk, pk2, sizeof pk) == 0);
    flip_byte(k);
    CHECK(tpp_key_load_secret(k, sk, &err) == TPP_ERR_INVALID);
}

int main(void)
{
    const char *t = getenv("TPP_TEST_TMP");
    srcdir = getenv("TPP_SOURCE_DIR");
    if (srcdir == NULL)
        srcdir = TPP_SOURCE_DIR;
    snprintf(tmpdir, sizeof tmpdir, "%s/payroll_files", t ? t : "/tmp");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    if (system(cmd) != 0)
        return 1;
    test_bank_templates();
    test_manifest();
    test_supplements();
    test_golden_export();
    return CHECK_DONE();
}
