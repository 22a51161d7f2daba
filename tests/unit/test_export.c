/* Exporters: exact machine CSV text, formula-injection guard, XLSX formulas with cached values,
 * byte-identical XLSX for identical input, atomic failure on a bad path, rejected bad input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/util.h"
#include "tests/check.h"
#include "tpp/export.h"

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static tpp_export_meta meta(void)
{
    return (tpp_export_meta){
        .region = "Kabupaten Deli Serdang",
        .reg_number = "Peraturan Bupati Nomor 04 Tahun 2019",
        .reg_title = "Tambahan Penghasilan Pegawai",
        .pack_id = "deli-serdang-illustrative",
        .pack_sha256 = "ab12",
        .illustrative = true,
        .year = 2025,
        .month = 3,
        .run_id = 7,
    };
}

/* A computed line whose derived columns follow the form: 12 = 8+11-9-10, 15 = 13+14, ... */
static tpp_payline ok_line(const char *nip, const char *name, const char *unit_code,
                           const char *unit_name, tpp_money tpp, tpp_money pph21)
{
    tpp_payline l = {
        .nip = nip,
        .name = name,
        .unit_code = unit_code,
        .unit_name = unit_name,
        .position = "Analis Kebijakan",
        .grade = "III/c",
        .kelas = 9,
        .npwp = "12.345.678.9-012.000",
        .bank_name = "Bank Sumut",
        .bank_account = "0012345678",
        .ok = true,
        .message = "",
        .workdays = 21,
        .days_present = 20,
        .days_absent = 1,
        .late_minutes = 35,
        .besaran = 5000000,
        .percent_bp = 9725,
        .discipline_cut = 137500,
        .performance_cut = 0,
        .tpp = tpp,
        .pph21 = pph21,
    };
    l.bpjs_employer = tpp * 4 / 100;
    l.bpjs_employee = tpp / 100;
    l.gross = l.tpp + l.bpjs_employer - l.pot_bulan_lalu - l.pot_hukdis;
    l.deductions = l.bpjs_employer + l.bpjs_employee;
    l.net_before_tax = l.gross - l.deductions;
    l.net = l.net_before_tax - l.pph21;
    return l;
}

/* Two OPDs; the first has a hostile name and a name with a comma and quotes, the second a line
 * that could not be computed. */
static void sample(tpp_payline out[3])
{
    out[0] = ok_line("198703122010011002", "=HYPERLINK(\"http://x\",\"y\")", "1.02.01",
                     "Dinas Kesehatan", 4862500, 72958);
    out[1] = ok_line("199001012015032001", "Siregar, \"Ucok\"", "1.02.01", "Dinas Kesehatan",
                     3000000, 0);
    out[1].position = "-";
    out[1].percent_bp = 5;
    out[2] = (tpp_payline){.nip = "198112252006041003",
                           .name = "Budi",
                           .unit_code = "4.01.01",
                           .unit_name = "Sekretariat Daerah",
                           .grade = "IV/a",
                           .kelas = 17,
                           .ok = false,
                           .message = "no besaran for kelas 17"};
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    tpp_error err;
    if (tpp_file_read(path, &data, &n, &err) != TPP_OK)
        return NULL;
    if (len)
        *len = n;
    return data;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* No "<name>.tmp-PID" may be left behind in the test directory. */
static int leftover_tmp_files(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strstr(e->d_name, ".tmp-") != NULL)
            n++;
    closedir(d);
    return n;
}

static void test_csv(void)
{
    tpp_payline l[3];
    sample(l);
    tpp_export_meta m = meta();
    tpp_error err = {0};
    const char *path = tmp_path("lines.csv");
    CHECK_OK(tpp_export_csv(path, &m, l, 3, &err), &err);
    char *text = slurp(path, NULL);
    CHECK(text != NULL);
    if (text == NULL)
        return;
    const char *want_header =
        "nip,name,unit_code,unit_name,position,grade,kelas,npwp,bank_name,bank_account,status,"
        "message,workdays,days_present,days_absent,days_missing_punch,days_excused,late_minutes,"
        "early_minutes,deferred,perf_missing,besaran,percent,discipline_cut,performance_cut,tpp,"
        "pot_bulan_lalu,pot_hukdis,bpjs_employer,gross,bpjs_employee,deductions,net_before_tax,"
        "pph21,net,period,run_id,pack_sha256,zakat\n";
    CHECK(strncmp(text, want_header, strlen(want_header)) == 0);

    /* Line 1: the formula-looking name is quoted (it holds commas and quotes) and guarded. */
    const char *want_row1 =
        "198703122010011002,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1.02.01,Dinas Kesehatan,"
        "Analis Kebijakan,III/c,9,12.345.678.9-012.000,Bank Sumut,0012345678,ok,,21,20,1,0,0,35,"
        "0,0,0,5000000,97.25,137500,0,4862500,0,0,194500,5057000,48625,243125,4813875,72958,"
        "4740917,2025-03,7,ab12,0\n";
    const char *row1 = text + strlen(want_header);
    CHECK(strncmp(row1, want_row1, strlen(want_row1)) == 0);
    if (strncmp(row1, want_row1, strlen(want_row1)) != 0)
        fprintf(stderr, "got:  %.*s\nwant: %s", (int)strcspn(row1, "\n") + 1, row1, want_row1);

    /* Line 2: comma and quotes are RFC 4180 quoted; a lone "-" is guarded; 5 bp is 0.05. */
    const char *row2 = strchr(row1, '\n') + 1;
    CHECK(strncmp(row2, "199001012015032001,\"Siregar, \"\"Ucok\"\"\",1.02.01,Dinas Kesehatan,'-,",
                  66) == 0);
    CHECK(strstr(row2, ",5000000,0.05,") != NULL);

    /* Line 3: the failed line keeps its status and message. */
    const char *row3 = strchr(row2, '\n') + 1;
    CHECK(strncmp(row3,
                  "198112252006041003,Budi,4.01.01,Sekretariat Daerah,,IV/a,17,,,,error,"
                  "no besaran for kelas 17,",
                  88) == 0);
    CHECK(strchr(row3, '\n') != NULL && strchr(row3, '\n')[1] == '\0');
    CHECK(strchr(text, '\r') == NULL);
    free(text);

    /* Empty input: just the header. */
    CHECK_OK(tpp_export_csv(path, &m, NULL, 0, &err), &err);
    text = slurp(path, NULL);
    CHECK(text != NULL && strcmp(text, want_header) == 0);
    free(text);
}

/* Read one member of a zip with unzip(1); NULL when unzip is missing or fails. */
static char *unzip_member(const char *zip, const char *member)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", zip, member);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    tpp_buf b = {0};
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
        tpp_buf_append(&b, chunk, got);
    int rc = pclose(p);
    if (rc != 0 || b.len == 0) {
        tpp_buf_release(&b);
        return NULL;
    }
    return b.data;
}

static void test_xlsx(void)
{
    tpp_payline l[3];
    sample(l);
    tpp_export_meta m = meta();
    tpp_error err = {0};
    const char *a = tmp_path("list-a.xlsx"), *b = tmp_path("list-b.xlsx");
    CHECK_OK(tpp_export_xlsx(a, &m, l, 3, &err), &err);
    /* A second later: a file stamped with "now" anywhere would now differ. */
    sleep(1);
    CHECK_OK(tpp_export_xlsx(b, &m, l, 3, &err), &err);
    size_t na = 0, nb = 0;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    CHECK(da != NULL && db != NULL);
    if (da == NULL || db == NULL) {
        free(da);
        free(db);
        return;
    }
    CHECK(na > 4 && memcmp(da, "PK\x03\x04", 4) == 0);
    CHECK_I64(na, nb);
    CHECK(na == nb && memcmp(da, db, na) == 0);
    free(da);
    free(db);
    CHECK_I64(leftover_tmp_files(), 0);

    if (system("command -v unzip >/dev/null 2>&1") != 0) {
        printf("unzip not found: XLSX content checks skipped\n");
        return;
    }
    /* Title block 6 rows + blank + titles + numbering: employees start at A1 row 10. */
    char *s2 = unzip_member(a, "xl/worksheets/sheet2.xml");
    CHECK(s2 != NULL);
    if (s2 != NULL) {
        CHECK(strstr(s2, "<f>(H10+K10)-(I10+J10)</f><v>5057000</v>") != NULL);
        CHECK(strstr(s2, "<f>M10+N10</f><v>243125</v>") != NULL);
        CHECK(strstr(s2, "<f>L10-O10</f><v>4813875</v>") != NULL);
        CHECK(strstr(s2, "<f>P10-Q10</f><v>4740917</v>") != NULL);
        /* totals: 4740917 + (3000000 + 120000 - 150000) = 7710917 */
        CHECK(strstr(s2, "<f>SUM(R10:R11)</f><v>7710917</v>") != NULL);
        CHECK(strstr(s2, "<f>SUM(F10:F11)</f><v>10000000</v>") != NULL);
        /* the hostile name is text, never a formula; the NIP is text too */
        CHECK(strstr(s2, "t=\"inlineStr\"><is><t>=HYPERLINK(\"http://x\",\"y\")\nNIP. "
                         "198703122010011002</t>") != NULL);
        CHECK(strstr(s2, "<f>HYPERLINK") == NULL);
        CHECK(strstr(s2, "<v>97.25</v>") != NULL);
        CHECK(strstr(s2, "CONTOH") != NULL);
        CHECK(strstr(s2, "Mengetahui,") != NULL && strstr(s2, "Bendahara Pengeluaran") != NULL);
        free(s2);
    }
    /* The failed line is listed with zeros and its reason in the signature column. */
    char *s3 = unzip_member(a, "xl/worksheets/sheet3.xml");
    CHECK(s3 != NULL);
    if (s3 != NULL) {
        CHECK(strstr(s3, "no besaran for kelas 17") != NULL);
        CHECK(strstr(s3, "<f>P10-Q10</f><v>0</v>") != NULL);
        free(s3);
    }
    char *s1 = unzip_member(a, "xl/worksheets/sheet1.xml");
    CHECK(s1 != NULL);
    if (s1 != NULL) {
        /* Ringkasan links to each OPD's JUMLAH row (row 12 on a 2-line sheet, 11 on a 1-line). */
        CHECK(strstr(s1, "<f>'1.02.01'!R12</f><v>7710917</v>") != NULL);
        CHECK(strstr(s1, "<f>'4.01.01'!R11</f><v>0</v>") != NULL);
        free(s1);
    }
    char *wbx = unzip_member(a, "xl/workbook.xml");
    CHECK(wbx != NULL);
    if (wbx != NULL) {
        const char *r = strstr(wbx, "name=\"Ringkasan\"");
        const char *o1 = strstr(wbx, "name=\"1.02.01\"");
        const char *o2 = strstr(wbx, "name=\"4.01.01\"");
        CHECK(r != NULL && o1 != NULL && o2 != NULL && r < o1 && o1 < o2);
        /* print titles: a name starting with a digit must be quoted or Excel calls it corrupt */
        CHECK(strstr(wbx, ">'1.02.01'!$8:$9<") != NULL);
        CHECK(strstr(wbx, ">'Ringkasan'!$8:$8<") != NULL);
        free(wbx);
    }
    char *core = unzip_member(a, "docProps/core.xml");
    CHECK(core != NULL);
    if (core != NULL) {
        CHECK(strstr(core, "2025-04-01T00:00:00Z") != NULL);
        free(core);
    }
}

static void test_xlsx_sheet_names_and_text(void)
{
    tpp_payline l[4];
    l[0] = ok_line("1", "A", "DIN/KES:01*", "Dinas A", 1000000, 0);
    l[1] = ok_line("2", "B", "din_kes_01_", "Dinas B", 1000000, 0); /* same name after sanitising */
    l[2] = ok_line("3", "C\x80\xff", "Ringkasan", "Dinas C", 1000000, 0); /* clash + bad UTF-8 */
    l[3] = ok_line("4", "D", "UNIT-KODE-YANG-SANGAT-PANJANG-SEKALI-12345", "Dinas D", 1000000, 0);
    tpp_export_meta m = meta();
    m.illustrative = false;
    m.region = NULL;
    tpp_error err = {0};
    const char *path = tmp_path("names.xlsx");
    CHECK_OK(tpp_export_xlsx(path, &m, l, 4, &err), &err);
    if (system("command -v unzip >/dev/null 2>&1") != 0)
        return;
    char *wbx = unzip_member(path, "xl/workbook.xml");
    CHECK(wbx != NULL);
    if (wbx != NULL) {
        CHECK(strstr(wbx, "name=\"DIN_KES_01_\"") != NULL);
        CHECK(strstr(wbx, "name=\"din_kes_01_~2\"") != NULL);
        CHECK(strstr(wbx, "name=\"Ringkasan~2\"") != NULL);
        CHECK(strstr(wbx, "name=\"UNIT-KODE-YANG-SANGAT-PANJANG-S\"") != NULL);
        free(wbx);
    }
    char *s4 = unzip_member(path, "xl/worksheets/sheet4.xml");
    CHECK(s4 != NULL);
    if (s4 != NULL) {
        CHECK(strstr(s4, "C\xef\xbf\xbd\xef\xbf\xbd\nNIP. 3") != NULL);
        free(s4);
    }
}

static void test_failures(void)
{
    tpp_payline l[3];
    sample(l);
    tpp_export_meta m = meta();
    tpp_error err = {0};

    /* A missing directory: an error and no file, no temporary left anywhere. */
    const char *bad_x = tmp_path("no-such-dir/list.xlsx");
    tpp_status s = tpp_export_xlsx(bad_x, &m, l, 3, &err);
    CHECK(s == TPP_ERR_EXPORT || s == TPP_ERR_IO);
    CHECK(err.msg[0] != '\0');
    CHECK(!exists(bad_x));
    const char *bad_c = tmp_path("no-such-dir/lines.csv");
    s = tpp_export_csv(bad_c, &m, l, 3, &err);
    CHECK(s == TPP_ERR_EXPORT || s == TPP_ERR_IO);
    CHECK(!exists(bad_c));

    /* Lines not grouped by unit_code: refused before any file is made. */
    tpp_payline split[3] = {l[0], l[2], l[1]};
    const char *p = tmp_path("split.xlsx");
    CHECK_I64(tpp_export_xlsx(p, &m, split, 3, &err), TPP_ERR_INVALID);
    CHECK(!exists(p));

    /* A stored net that does not follow column 18 = 16 - 17: the formula would disagree. */
    tpp_payline wrong[3] = {l[0], l[1], l[2]};
    wrong[1].net += 1;
    p = tmp_path("wrong.xlsx");
    CHECK_I64(tpp_export_xlsx(p, &m, wrong, 3, &err), TPP_ERR_INTERNAL);
    CHECK(strstr(err.msg, "199001012015032001") != NULL);
    CHECK(!exists(p));

    /* Bad period. */
    m.month = 13;
    CHECK_I64(tpp_export_xlsx(p, &m, l, 3, &err), TPP_ERR_INVALID);
    CHECK_I64(tpp_export_csv(p, &m, l, 3, &err), TPP_ERR_INVALID);
    CHECK(!exists(p));
    CHECK_I64(leftover_tmp_files(), 0);
}

static void test_xlsx_empty(void)
{
    tpp_export_meta m = meta();
    tpp_error err = {0};
    const char *p = tmp_path("empty.xlsx");
    CHECK_OK(tpp_export_xlsx(p, &m, NULL, 0, &err), &err);
    CHECK(exists(p));
}

int main(void)
{
    const char *t = getenv("TPP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/export", t ? t : "/tmp");
    tpp_error err;
    if (tpp_mkdirs(tmpdir, &err) != TPP_OK) {
        fprintf(stderr, "cannot create %s\n", tmpdir);
        return 1;
    }
    test_csv();
    test_xlsx();
    test_xlsx_sheet_names_and_text();
    test_failures();
    test_xlsx_empty();
    return CHECK_DONE();
}
