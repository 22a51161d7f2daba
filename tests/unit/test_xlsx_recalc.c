/* A real spreadsheet program recalculates our XLSX files and gets the numbers we cached.
 *
 * LibreOffice (soffice, headless, package libreoffice-calc-nogui) opens the payment list of the
 * golden month and the supplementary lists with "recalculate on load: always", converts every
 * sheet to CSV with raw values, and each formula cell's recalculated value must equal the cached
 * value in the sheet XML. A control workbook whose cached value is deliberately wrong proves the
 * recalculation happened. Without soffice the test says SKIPPED and passes, except under CI
 * (CI=true), where scripts/install-deps has installed it and its absence is a failure.
 *
 * By hand:  soffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,
 *           false,true,false,false,false,-1' tpp-2025-01.xlsx  (one CSV per sheet) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "engine/util.h"
#include "tests/check.h"
#include "tests/unit/golden_ws.h"
#include "tests/unit/xlsx_read.h"
#include "tpp/batch.h"
#include "tpp/export.h"

static char tmpdir[512];

/* A LibreOffice profile of our own: recalculation on load forced on for OOXML files, and no
 * interference with (or from) a user's profile or another test running at the same time. */
static bool make_profile(const char *dir)
{
    char path[2048], cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/user'", dir);
    if (system(cmd) != 0)
        return false;
    snprintf(path, sizeof path, "%s/user/registrymodifications.xcu", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
          "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
          "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
          "<item oor:path=\"/org.openoffice.Office.Calc/Formula/Load\">"
          "<prop oor:name=\"OOXMLRecalcMode\" oor:op=\"fuse\"><value>0</value></prop></item>\n"
          "<item oor:path=\"/org.openoffice.Office.Calc/Formula/Load\">"
          "<prop oor:name=\"ODFRecalcMode\" oor:op=\"fuse\"><value>0</value></prop></item>\n"
          "</oor:items>\n",
          f);
    return fclose(f) == 0;
}

/* Convert every sheet of xlsx into outdir/<base>-<sheet>.csv. */
static bool convert(const char *xlsx, const char *outdir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "timeout 180 soffice --headless --norestore -env:UserInstallation=file://%s/lo "
             "--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
             "false,false,-1' --outdir '%s' '%s' >'%s/soffice.log' 2>&1",
             tmpdir, outdir, xlsx, tmpdir);
    int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "soffice failed (%d); see %s/soffice.log\n", rc, tmpdir);
        return false;
    }
    return true;
}

static bool same_number(const char *a, const char *b)
{
    /* Integers only: every formula in our lists yields whole rupiah. */
    char *ea, *eb;
    long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);
    return ea != a && eb != b && *ea == '\0' && *eb == '\0' && x == y;
}

/* Compare every formula cell of every sheet of xlsx with LibreOffice's value; returns how many
 * cells were compared. */
static size_t compare_workbook(const char *xlsx, const char *base, const char *outdir)
{
    size_t compared = 0;
    char *wb = xr_member(xlsx, "xl/workbook.xml");
    CHECK(wb != NULL);
    for (const char *p = wb ? wb : ""; (p = strstr(p, "<sheet name=\"")) != NULL;) {
        char name[64];
        sscanf(p + 13, "%63[^\"]", name);
        p += 13;
        char *xml = xr_sheet(xlsx, name);
        char csv[2048];
        snprintf(csv, sizeof csv, "%s/%s-%s.csv", outdir, base, name);
        xr_grid g;
        bool loaded = xr_grid_load(csv, &g);
        if (!loaded)
            fprintf(stderr, "no CSV for sheet '%s' (%s)\n", name, csv);
        CHECK(xml != NULL && loaded);
        char ref[16], value[64], formula[512];
        for (const char *q = xml; loaded && q != NULL;) {
            q = xr_next_formula(q, ref, sizeof ref, value, sizeof value, formula, sizeof formula);
            if (q == NULL)
                break;
            const char *lo = xr_grid_at(&g, ref);
            compared++;
            if (lo == NULL || !same_number(lo, value)) {
                fprintf(stderr, "%s!%s: =%s cached %s, LibreOffice %s\n", name, ref, formula, value,
                        lo ? lo : "(nothing)");
                CHECK(0 && "recalculated value differs from the cached value");
            }
        }
        if (loaded)
            xr_grid_free(&g);
        free(xml);
    }
    free(wb);
    return compared;
}

/* A workbook whose cached value is wrong on purpose: LibreOffice must show 2, not 7. */
static void control(const char *outdir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/control.xlsx", tmpdir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "S");
    worksheet_write_formula_num(ws, 0, 0, "=1+1", NULL, 7);
    CHECK(workbook_close(wb) == LXW_NO_ERROR);
    CHECK(convert(path, outdir));
    char csv[1200];
    snprintf(csv, sizeof csv, "%s/control-S.csv", outdir);
    xr_grid g;
    CHECK(xr_grid_load(csv, &g));
    const char *v = xr_grid_at(&g, "A1");
    CHECK(v != NULL && strcmp(v, "2") == 0);
    if (v == NULL || strcmp(v, "2") != 0)
        fprintf(stderr, "LibreOffice did not recalculate: A1 = %s\n", v ? v : "(nothing)");
    xr_grid_free(&g);
}

int main(void)
{
    const char *t = getenv("TPP_TEST_TMP");
    const char *srcdir = getenv("TPP_SOURCE_DIR");
    if (srcdir == NULL)
        srcdir = TPP_SOURCE_DIR;
    snprintf(tmpdir, sizeof tmpdir, "%s/xlsx_recalc", t ? t : "/tmp");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/conv'", tmpdir, tmpdir);
    if (system(cmd) != 0)
        return 1;
    if (system("command -v soffice >/dev/null 2>&1") != 0) {
        const char *ci = getenv("CI");
        if (ci != NULL && strcmp(ci, "true") == 0) {
            fprintf(stderr, "soffice not found under CI: scripts/install-deps should install "
                            "libreoffice-calc-nogui\n");
            return 1;
        }
        printf("SKIPPED: soffice not found (apt-get install libreoffice-calc-nogui)\n");
        return 0;
    }
    char profile[1024], conv[1024];
    snprintf(profile, sizeof profile, "%s/lo", tmpdir);
    snprintf(conv, sizeof conv, "%s/conv", tmpdir);
    CHECK(make_profile(profile));
    control(conv);

    /* The golden month's payment list, through the whole pipeline. */
    char db[1024], out[1024];
    snprintf(db, sizeof db, "%s/g.db", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    tpp_store *st = golden_workspace(srcdir, db);
    tpp_error err = {0};
    tpp_export_options opt = {
        .year = 2025, .month = 1, .formats = TPP_EXPORT_XLSX, .out_dir = out, .key_path = ""};
    tpp_export_summary sum;
    CHECK(st != NULL);
    if (st != NULL)
        CHECK_OK(tpp_batch_export_opt(st, &opt, &sum, &err), &err);
    tpp_store_close(st);
    CHECK(convert(sum.xlsx_path, conv));
    size_t n = compare_workbook(sum.xlsx_path, "tpp-2025-01", conv);
    /* 20 lines x 4 formulas, 3 OPD totals rows x 12, the summary's links and totals */
    CHECK(n >= 20 * 4 + 3 * 12 + 3 * 4);
    printf("payment list: %zu formula cells recalculated by LibreOffice\n", n);

    /* The supplementary lists. */
    tpp_export_meta m = {.region = "Kota Samarinda", .year = 2025, .month = 1};
    tpp_delta_line d[] = {{.nip = "198001012005011001",
                           .name = "Andi",
                           .unit_code = "1.01.01",
                           .year = 2025,
                           .month = 1,
                           .due_net = 4500000,
                           .paid_net = 4311656},
                          {.nip = "198002022005022002",
                           .name = "Budi",
                           .unit_code = "1.01.01",
                           .year = 2025,
                           .month = 1,
                           .due_net = 4000000,
                           .paid_net = 4074515},
                          {.nip = "198003032005031003",
                           .name = "Citra",
                           .unit_code = "1.02.01",
                           .year = 2025,
                           .month = 1,
                           .due_net = 7,
                           .paid_net = 7}};
    tpp_rapel_line r[] = {{.nip = "198001012005011001",
                           .name = "Andi",
                           .unit_code = "1.01.01",
                           .bank_account = "1",
                           .net = {4311656, 4200000}},
                          {.nip = "198002022005022002",
                           .name = "Budi",
                           .unit_code = "1.01.01",
                           .bank_account = "2",
                           .net = {1, 2}}};
    tpp_file_stats fs;
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/koreksi.xlsx", tmpdir);
    snprintf(p2, sizeof p2, "%s/rapel.xlsx", tmpdir);
    CHECK_OK(tpp_export_delta_xlsx(p1, &m, d, 3, &fs, &err), &err);
    CHECK_OK(tpp_export_rapel_xlsx(p2, &m, r, 2, &fs, &err), &err);
    CHECK(convert(p1, conv));
    CHECK(convert(p2, conv));
    n = compare_workbook(p1, "koreksi", conv);
    CHECK(n == 3 * 2 + 2 * 4);
    n = compare_workbook(p2, "rapel", conv);
    CHECK(n == 2 * 2 + 4);
    return CHECK_DONE();
}
