/* The XLSX payment list is the same file whether its rows are rendered and deflated by one
 * thread or by several, and every part of it (names, order, XML to the byte) is what libxlsxwriter
 * writes when it writes the whole workbook alone (tpp_export_meta.xlsx_library_zip): formats
 * first used in a later sheet (a line that could not be computed, an OPD's own signatory, the
 * zakat column), sheets of only failed lines, a region without name, sheets of more rows than
 * one piece, text the XML must escape (&, <, >, control characters, white space at either end,
 * bad UTF-8, a cell over Excel's limit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "engine/util.h"
#include "tests/check.h"
#include "tpp/export.h"

static char tmpdir[512];

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    tpp_error err;
    if (tpp_file_read(path, &data, len, &err) != TPP_OK)
        return NULL;
    return data;
}

/* A computed line whose derived columns follow the form (12 = 8+11-9-10, 15 = 13+14, ...). */
static tpp_payline ok_line(const char *nip, const char *unit_code, tpp_money tpp, tpp_money zakat)
{
    tpp_payline l = {
        .nip = nip,
        .name = "Nama Pegawai",
        .unit_code = unit_code,
        .unit_name = unit_code,
        .position = "Analis",
        .grade = "III/c",
        .kelas = 9,
        .npwp = "",
        .bank_name = "Bank",
        .bank_account = "1",
        .ok = true,
        .message = "",
        .besaran = 5000000,
        .percent_bp = 9725,
        .tpp = tpp,
        .pph21 = tpp / 50,
        .zakat = zakat,
    };
    l.bpjs_employer = tpp * 4 / 100;
    l.bpjs_employee = tpp / 100;
    l.gross = l.tpp + l.bpjs_employer;
    l.deductions = l.bpjs_employer + l.bpjs_employee;
    l.net_before_tax = l.gross - l.deductions;
    l.net = l.net_before_tax - l.pph21 - l.zakat;
    return l;
}

static tpp_payline failed_line(const char *nip, const char *unit_code)
{
    return (tpp_payline){.nip = nip,
                         .name = "Gagal",
                         .unit_code = unit_code,
                         .unit_name = "",
                         .grade = "",
                         .kelas = 17,
                         .ok = false,
                         .message = "tidak ada besaran"};
}

enum { N_UNITS = 9, MAX_LINES = 6000 };
static char nips[MAX_LINES][24];

/* Lines of N_UNITS OPDs of different sizes; flags choose what shows up first in a later sheet. */
static size_t build(tpp_payline *l, bool zakat, bool failed_late, bool only_failed_sheet)
{
    static const char *const units[N_UNITS] = {"1.01", "1.02", "1.03", "2.01", "2.02",
                                               "3.01", "3.02", "4.01", "4.02"};
    /* a large first sheet: a second thread reaches the small ones after it long before the
     * first has written its JUMLAH row */
    static const size_t size[N_UNITS] = {4500, 3, 600, 1, 40, 300, 2, 400, 60};
    size_t n = 0;
    for (int u = 0; u < N_UNITS; u++)
        for (size_t i = 0; i < size[u] && n < MAX_LINES; i++, n++) {
            snprintf(nips[n], sizeof nips[n], "19800101%04d%06zu", u, i);
            if (only_failed_sheet && u == 6)
                l[n] = failed_line(nips[n], units[u]);
            else if (failed_late && ((u == 1 && i == 0) || (u == 5 && i == 17)))
                l[n] = failed_line(nips[n], units[u]);
            else
                l[n] = ok_line(nips[n], units[u], 3000000 + (tpp_money)(n * 1000),
                               zakat && u == 7 && i == 3 ? 62500 : 0);
        }
    return n;
}

/* Every part of the zip at path, inflated, in the zip's order; NULL when it cannot be read. */
typedef struct parts {
    zip_int64_t n;
    char **name;
    char **data;
    zip_uint64_t *len;
} parts;

static bool read_parts(const char *path, parts *p)
{
    memset(p, 0, sizeof *p);
    int ze = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (z == NULL)
        return false;
    p->n = zip_get_num_entries(z, 0);
    p->name = calloc((size_t)p->n + 1, sizeof *p->name);
    p->data = calloc((size_t)p->n + 1, sizeof *p->data);
    p->len = calloc((size_t)p->n + 1, sizeof *p->len);
    bool ok = p->name && p->data && p->len;
    for (zip_int64_t i = 0; ok && i < p->n; i++) {
        zip_stat_t st;
        zip_file_t *f;
        ok = zip_stat_index(z, (zip_uint64_t)i, 0, &st) == 0 &&
             (f = zip_fopen_index(z, (zip_uint64_t)i, 0)) != NULL;
        if (!ok)
            break;
        p->name[i] = strdup(st.name);
        p->data[i] = malloc(st.size + 1);
        p->len[i] = st.size;
        ok = p->data[i] != NULL && zip_fread(f, p->data[i], st.size) == (zip_int64_t)st.size;
        zip_fclose(f);
    }
    zip_discard(z);
    return ok;
}

static void free_parts(parts *p)
{
    for (zip_int64_t i = 0; i < p->n; i++) {
        free(p->name ? p->name[i] : NULL);
        free(p->data ? p->data[i] : NULL);
    }
    free(p->name);
    free(p->data);
    free(p->len);
}

/* The re-packed workbook's parts against the library's own. */
static void compare_parts(const char *what, const char *lib_path, const char *ours_path)
{
    parts a, b;
    bool ra = read_parts(lib_path, &a), rb = read_parts(ours_path, &b);
    CHECK(ra && rb);
    bool same = ra && rb && a.n == b.n;
    for (zip_int64_t i = 0; same && i < a.n; i++) {
        same = strcmp(a.name[i], b.name[i]) == 0 && a.len[i] == b.len[i] &&
               memcmp(a.data[i], b.data[i], a.len[i]) == 0;
        if (!same)
            fprintf(stderr, "%s: part %lld (%s) differs from libxlsxwriter's\n", what,
                    (long long)i, a.name[i]);
    }
    if (ra && rb && a.n != b.n)
        fprintf(stderr, "%s: %lld parts against libxlsxwriter's %lld\n", what, (long long)b.n,
                (long long)a.n);
    CHECK(same);
    free_parts(&a);
    free_parts(&b);
}

static void compare(const char *what, const tpp_payline *l, size_t n, tpp_export_meta m)
{
    char lib[1024];
    snprintf(lib, sizeof lib, "%s/library.xlsx", tmpdir);
    m.xlsx_library_zip = true;
    tpp_error lerr = {0};
    CHECK_OK(tpp_export_xlsx(lib, &m, l, n, &lerr), &lerr);
    m.xlsx_library_zip = false;

    char p1[1024], pn[1024];
    tpp_error err = {0};
    snprintf(p1, sizeof p1, "%s/one.xlsx", tmpdir);
    m.threads = 1;
    CHECK_OK(tpp_export_xlsx(p1, &m, l, n, &err), &err);
    size_t n1 = 0;
    char *d1 = slurp(p1, &n1);
    CHECK(d1 != NULL);
    for (int t = 2; t <= 4 && d1 != NULL; t++) {
        snprintf(pn, sizeof pn, "%s/many.xlsx", tmpdir);
        m.threads = t;
        CHECK_OK(tpp_export_xlsx(pn, &m, l, n, &err), &err);
        size_t nn = 0;
        char *dn = slurp(pn, &nn);
        bool same = dn != NULL && nn == n1 && memcmp(d1, dn, n1) == 0;
        if (!same)
            fprintf(stderr, "%s: %d threads give other bytes than one\n", what, t);
        CHECK(same);
        free(dn);
    }
    free(d1);
    compare_parts(what, lib, p1);
}

int main(void)
{
    const char *t = getenv("TPP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/xlsx_threads", t ? t : "/tmp");
    tpp_error err;
    if (tpp_mkdirs(tmpdir, &err) != TPP_OK) {
        fprintf(stderr, "cannot create %s\n", tmpdir);
        return 1;
    }
    tpp_payline *l = calloc(MAX_LINES, sizeof *l);
    if (l == NULL)
        return 1;
    tpp_export_meta base = {.region = "Kota Contoh",
                            .reg_number = "Perwali 1/2025",
                            .pack_id = "uji",
                            .pack_sha256 = "ab",
                            .illustrative = true,
                            .year = 2025,
                            .month = 1,
                            .run_id = 3};
    size_t n = build(l, false, false, false);
    compare("plain", l, n, base);
    n = build(l, true, true, false);
    compare("zakat, failed lines in sheets 2 and 6", l, n, base);
    n = build(l, false, true, true);
    tpp_export_meta bare = base;
    bare.region = NULL;
    bare.reg_number = NULL;
    bare.illustrative = false;
    compare("a sheet of failed lines, no region", l, n, bare);

    /* an OPD's own signatory: its bold underlined name is first used on a late sheet */
    tpp_signatures own = {.payer = {.title = "Bendahara", .name = "Siti", .nip = NULL}};
    tpp_unit_signatures us[1] = {{.unit_code = "3.02", .sign = own}};
    tpp_export_meta signed_meta = base;
    signed_meta.unit_sign = us;
    signed_meta.n_unit_sign = 1;
    n = build(l, true, true, true);
    compare("an OPD's own signatory", l, n, signed_meta);

    /* text the XML must escape, in every text column of a row and in a failed line's reason */
    static char huge[40000];
    memset(huge, 'x', sizeof huge - 1);
    memcpy(huge + 32760, "\xe2\x82\xac\xe2\x82\xac", 6); /* the cut falls inside a euro sign */
    static const char *const hostile[] = {
        " leading space", "trailing space ", "\ttab first", "last\n", "a & b < c > d \"q\" 'a'",
        "ctl \x01\x02\x08\x0b\x0c\r\x1b\x1f end", "\x01 control first", "bad \xff\xc3( utf8",
        "UTF-8 \xc3\xa9\xe2\x80\x94\xf0\x9f\x98\x80", "=HYPERLINK(\"x\")", "_x0041_ literal", " ", huge};
    enum { N_HOSTILE = sizeof hostile / sizeof hostile[0] };
    n = build(l, true, true, false);
    for (size_t i = 0; i < N_HOSTILE * 3 && i < n; i++) {
        const char *txt = hostile[i % N_HOSTILE];
        size_t k = i * 137 % n, col = i / N_HOSTILE; /* every text in every column */
        if (col == 0)
            l[k].name = txt;
        else if (col == 1)
            l[k].position = txt, l[k].npwp = i % 2 ? txt : "";
        else
            l[k].grade = txt;
    }
    for (size_t k = 0, f = 0; k < n; k++) /* the failed lines' reasons */
        if (!l[k].ok)
            l[k].message = hostile[f++ % N_HOSTILE];
    l[0].grade = "";
    l[1].position = "";
    l[2].npwp = NULL;
    compare("text to escape", l, n, base);
    free(l);
    return CHECK_DONE();
}
