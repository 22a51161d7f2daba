/* Importers on real-shaped data: XLSX written by libxlsxwriter (a SIMPEG-like employee list and
 * an e-Kinerja "Laporan SKP") read back through mapping files, a hand-built workbook in the 1904
 * date system with inline strings, a ZKTeco attlog with a per-device PIN map, the new kinds, a
 * streamed CSV larger than the reader's window, the completeness report, and the corpus of
 * broken files in tests/data/import/broken (each with its diagnostic, none changing anything). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "engine/store.h"
#include "engine/util.h"
#include "importers/xlsx.h"
#include "tests/check.h"
#include "tests/unit/test_files.h"
#include "tpp/import.h"
#include "tpp/rules.h"

static tpp_store *st;
static tpp_ruleset *rs;

static long long query_int(const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    else
        fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(st->db));
    sqlite3_finalize(q);
    return v;
}

static const char *query_text(const char *sql)
{
    static char buf[256];
    sqlite3_stmt *q = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return buf;
}

/* Every table an import may touch, every value: a failed import must leave all of them as
 * they were. Returns the hex SHA-256 of the contents in a static buffer. */
static const char *fingerprint(void)
{
    static const char *const tables[] = {"input_file", "employee",     "attendance", "absence",
                                         "event",      "performance",  "holiday",    "unit",
                                         "device_pin", "unknown_scan", "sanction",   "assignment",
                                         "roster",     "input_chunk"};
    static char hex[8][65];
    static unsigned next;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[i]);
        sqlite3_stmt *q = NULL;
        CHECK(sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK);
        while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const unsigned char *v = sqlite3_column_blob(q, c);
                int n = sqlite3_column_bytes(q, c);
                unsigned char sep[2] = {0, (unsigned char)sqlite3_column_type(q, c)};
                crypto_hash_sha256_update(&h, sep, 2);
                if (v != NULL)
                    crypto_hash_sha256_update(&h, v, (unsigned long long)n);
            }
        }
        sqlite3_finalize(q);
        crypto_hash_sha256_update(&h, (const unsigned char *)tables[i], strlen(tables[i]) + 1);
    }
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, out);
    char *x = hex[next++ % 8];
    sodium_bin2hex(x, 65, out, sizeof out);
    return x;
}

static tpp_import_stats import_opts(tpp_import_kind kind, const char *path,
                                    const tpp_import_opts *o, bool expect_ok, capture *cap)
{
    tpp_import_stats stats;
    tpp_error err = {0};
    tpp_diags *d = cap ? cap->d : tpp_diags_new(stderr);
    tpp_status rc = tpp_import_file_opts(st, rs, kind, path, o, d, &stats, &err);
    if (expect_ok) {
        CHECK_OK(rc, &err);
    } else {
        CHECK_I64(rc, TPP_ERR_INVALID);
    }
    if (cap == NULL)
        tpp_diags_free(d);
    return stats;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f != NULL) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fclose(f);
    }
    return n;
}

/* ---- number and date conversion -------------------------------------------------------- */

static void test_cells(void)
{
    char out[64];
    bool lossy;
    CHECK(tpp_xlsx_number_text("5400000", out, sizeof out, &lossy) && !lossy);
    CHECK_STR(out, "5400000");
    CHECK(tpp_xlsx_number_text("5.4E+6", out, sizeof out, &lossy) && !lossy);
    CHECK_STR(out, "5400000");
    CHECK(tpp_xlsx_number_text("12.50", out, sizeof out, &lossy));
    CHECK_STR(out, "12.5");
    CHECK(tpp_xlsx_number_text("0.05", out, sizeof out, &lossy));
    CHECK_STR(out, "0.05");
    CHECK(tpp_xlsx_number_text("-3", out, sizeof out, &lossy));
    CHECK_STR(out, "-3");
    /* an 18-digit NIP stored as a number: the digits are gone */
    CHECK(tpp_xlsx_number_text("1.97704182003122E+17", out, sizeof out, &lossy) && lossy);
    CHECK(tpp_xlsx_number_text("197704182003122000", out, sizeof out, &lossy) && lossy);
    CHECK(!tpp_xlsx_number_text("12abc", out, sizeof out, &lossy));

    CHECK(tpp_xlsx_serial_to_text("45362", false, 1, out, sizeof out));
    CHECK_STR(out, "2024-03-11");
    CHECK(tpp_xlsx_serial_to_text("43900", true, 1, out, sizeof out));
    CHECK_STR(out, "2024-03-11");
    CHECK(tpp_xlsx_serial_to_text("45362.3125", false, 2, out, sizeof out));
    CHECK_STR(out, "2024-03-11 07:30:00");
    CHECK(tpp_xlsx_serial_to_text("0.999999999", false, 3, out, sizeof out));
    CHECK_STR(out, "1900-01-01 00:00:00"); /* rounds to the next day's midnight */
    CHECK(tpp_xlsx_serial_to_text("0.3125", false, 3, out, sizeof out));
    CHECK_STR(out, "07:30:00");
    CHECK(tpp_xlsx_serial_to_text("1", false, 1, out, sizeof out));
    CHECK_STR(out, "1900-01-01");
    CHECK(tpp_xlsx_serial_to_text("61", false, 1, out, sizeof out));
    CHECK_STR(out, "1900-03-01");
    CHECK(tpp_xlsx_serial_to_text("60", false, 1, out, sizeof out));
    CHECK_STR(out, "1900-02-29"); /* the day that never was: the date check rejects it */
    CHECK(!tpp_xlsx_serial_to_text("-1", false, 1, out, sizeof out));
}

/* ---- XLSX through mappings ------------------------------------------------------------- */

static const char *const simpeg_nips[] = {"197704182003122009", "198501012010011001",
                                          "199803152023032001", "199001012022211005"};

static void write_simpeg(const char *path, bool nip_as_number)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *title = workbook_add_worksheet(wb, "Petunjuk");
    worksheet_write_string(title, 0, 0, "Unduhan SIMPEG", NULL);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Pegawai");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd/mm/yyyy");
    worksheet_write_string(ws, 0, 0, "DAFTAR NOMINATIF PEGAWAI", NULL);
    worksheet_write_string(ws, 1, 0, "PEMERINTAH KOTA SAMARINDA", NULL);
    static const char *const head[] = {"No",
                                       "NIP",
                                       "Nama Lengkap",
                                       "Tempat Lahir",
                                       "Status Kepegawaian",
                                       "Kode Unor",
                                       "Unit Organisasi",
                                       "Jabatan",
                                       "Kelas Jabatan",
                                       "Gol/Ruang",
                                       "Hari Kerja",
                                       "TMT Masuk",
                                       "No Rekening",
                                       NULL};
    for (int i = 0; head[i] != NULL; i++)
        worksheet_write_string(ws, 3, (lxw_col_t)i, head[i], NULL);
    static const char *const names[] = {"Siti Aminah", "Budi, S.Kom", "Rina", "Andi"};
    static const char *const status[] = {"PNS", "PNS", "CPNS", "P3K"};
    static const char *const unit[] = {"DISKOMINFO", "DISKOMINFO", "BKPSDM", "BKPSDM"};
    static const char *const sched[] = {"5 Hari", "5 Hari", "5 Hari", "Shift"};
    static const int klass[] = {12, 8, 7, 8};
    for (int r = 0; r < 4; r++) {
        lxw_row_t row = (lxw_row_t)(4 + r);
        worksheet_write_number(ws, row, 0, r + 1, NULL);
        if (nip_as_number && r == 1)
            worksheet_write_number(ws, row, 1, strtod(simpeg_nips[r], NULL), NULL);
        else
            worksheet_write_string(ws, row, 1, simpeg_nips[r], NULL);
        worksheet_write_string(ws, row, 2, names[r], NULL);
        worksheet_write_string(ws, row, 3, "Samarinda", NULL);
        worksheet_write_string(ws, row, 4, status[r], NULL);
        worksheet_write_string(ws, row, 5, unit[r], NULL);
        worksheet_write_string(ws, row, 6, r < 2 ? "Dinas Kominfo" : "BKPSDM", NULL);
        worksheet_write_string(ws, row, 7, "Pelaksana", NULL);
        worksheet_write_number(ws, row, 8, klass[r], NULL);
        worksheet_write_string(ws, row, 9, "III/a", NULL);
        worksheet_write_string(ws, row, 10, sched[r], NULL);
        lxw_datetime tmt = {2010 + r, 1 + r, 1, 0, 0, 0};
        worksheet_write_datetime(ws, row, 11, &tmt, date);
        worksheet_write_string(ws, row, 12, "0012345678", NULL);
    }
    CHECK_I64(workbook_close(wb), LXW_NO_ERROR);
}

static void test_simpeg_xlsx(void)
{
    const char *bad = tmp_path("simpeg-number.xlsx");
    write_simpeg(bad, true);
    tpp_import_opts o = {.mapping = data_path("mappings/simpeg-employees.yaml")};
    capture cap;
    capture_open(&cap);
    const char *before = fingerprint();
    import_opts(TPP_KIND_EMPLOYEES, bad, &o, false, &cap);
    char needle[900];
    /* row 6, column B: the NIP typed as a number */
    snprintf(needle, sizeof needle,
             "%s:6:2: error: NIP '1.98501012010011E+17' in column 'nip' is stored as a number "
             "and has lost its last digits",
             bad);
    EXPECT_DIAG(&cap, needle);
    CHECK_STR(fingerprint(), before);
    capture_close(&cap);

    const char *path = tmp_path("simpeg.xlsx");
    write_simpeg(path, false);
    tpp_import_stats s = import_opts(TPP_KIND_EMPLOYEES, path, &o, true, NULL);
    CHECK_I64(s.inserted, 4);
    CHECK_I64(query_int("SELECT count(*) FROM employee"), 4);
    CHECK_STR(query_text("SELECT status FROM employee WHERE nip = '199001012022211005'"), "PPPK");
    CHECK_STR(query_text("SELECT schedule FROM employee WHERE nip = '199001012022211005'"),
              "shift");
    CHECK_STR(query_text("SELECT start_date FROM employee WHERE nip = '198501012010011001'"),
              "2011-02-01");
    CHECK_STR(query_text("SELECT name FROM employee WHERE nip = '198501012010011001'"),
              "Budi, S.Kom");
    CHECK_STR(query_text("SELECT bank_account FROM employee WHERE nip = '197704182003122009'"),
              "0012345678");
    CHECK_I64(query_int("SELECT class FROM employee WHERE nip = '197704182003122009'"), 12);
    /* the workbook is stored whole, under its hash */
    CHECK_I64(query_int("SELECT sum(size) FROM input_chunk WHERE file_id = (SELECT "
                        "max(id) FROM input_file WHERE kind = 'employees')"),
              file_size(path));

    /* the first sheet without --sheet is the title sheet: the header is not found there */
    tpp_import_opts first = {.format = TPP_FORMAT_XLSX, .mapping = NULL};
    capture_open(&cap);
    import_opts(TPP_KIND_EMPLOYEES, bad, &first, false, &cap);
    snprintf(needle, sizeof needle, "%s:1:1: error: unknown column 'Unduhan SIMPEG'", bad);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);
    /* a sheet that does not exist */
    tpp_import_opts nosheet = {.sheet = "Data", .mapping = o.mapping};
    capture_open(&cap);
    import_opts(TPP_KIND_EMPLOYEES, bad, &nosheet, false, &cap);
    EXPECT_DIAG(&cap, "no sheet named 'Data' in the workbook (it has 'Petunjuk', 'Pegawai')");
    capture_close(&cap);
}

static void write_ekinerja(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Laporan SKP");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(ws, 0, 0, "LAPORAN SKP", NULL);
    worksheet_write_string(ws, 1, 0, "Instansi: Pemerintah Kota Samarinda", NULL);
    worksheet_write_string(ws, 2, 0, "Periode: Maret 2024", NULL);
    static const char *const head[] = {"id",
                                       "nip",
                                       "nama",
                                       "is_plt_plh",
                                       "periode_akhir",
                                       "skp_unor_induk",
                                       "skp_status",
                                       "jabatan",
                                       "unor",
                                       "hasil_akhir",
                                       NULL};
    for (int i = 0; head[i] != NULL; i++)
        worksheet_write_string(ws, 4, (lxw_col_t)i, head[i], NULL);
    struct {
        int id;
        const char *nip, *name;
        int plt, month, day;
        const char *unor, *result;
    } rows[] = {
        {1001, "197704182003122009", "Siti Aminah", 0, 3, 31, "DISKOMINFO", "Baik"},
        {1002, "197704182003122009", "Siti Aminah", 1, 3, 31, "DISKOMINFO", "Sangat Baik"},
        {1003, "198501012010011001", "Budi", 0, 1, 31, "DISKOMINFO", "Kurang"},
        {1004, "198501012010011001", "Budi", 0, 3, 31, "BKPSDM", "Sangat Baik"},
        {1005, "199803152023032001", "Rina", 0, 3, 31, "BKPSDM", "-"},
        {1006, "199001012022211005", "Andi", 0, 3, 31, "BKPSDM", "Butuh Perbaikan"},
    };
    for (int r = 0; r < 6; r++) {
        lxw_row_t row = (lxw_row_t)(5 + r);
        worksheet_write_number(ws, row, 0, rows[r].id, NULL);
        worksheet_write_string(ws, row, 1, rows[r].nip, NULL);
        worksheet_write_string(ws, row, 2, rows[r].name, NULL);
        worksheet_write_number(ws, row, 3, rows[r].plt, NULL);
        lxw_datetime d = {2024, rows[r].month, rows[r].day, 0, 0, 0};
        worksheet_write_datetime(ws, row, 4, &d, date);
        worksheet_write_string(ws, row, 5, rows[r].unor, NULL);
        worksheet_write_string(ws, row, 6, "persetujuan", NULL);
        worksheet_write_string(ws, row, 7, "Pelaksana", NULL);
        worksheet_write_string(ws, row, 8, rows[r].unor, NULL);
        worksheet_write_string(ws, row, 9, rows[r].result, NULL);
    }
    CHECK_I64(workbook_close(wb), LXW_NO_ERROR);
}

static void test_ekinerja_xlsx(void)
{
    const char *path = tmp_path("laporan-skp.xlsx");
    write_ekinerja(path);
    tpp_import_opts o = {.mapping = data_path("mappings/ekinerja-laporan-skp.yaml")};
    tpp_import_stats s = import_opts(TPP_KIND_PERFORMANCE, path, &o, true, NULL);
    CHECK_I64(s.inserted, 3);
    CHECK_I64(s.filtered, 2);   /* the Plt row and the "-" row */
    CHECK_I64(s.superseded, 1); /* Budi's January row before the transfer */
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '197704182003122009' AND "
                         "period = '2024-03'"),
              "baik");
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '198501012010011001'"),
              "sangat_baik");
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '199001012022211005'"),
              "butuh_perbaikan");
    CHECK_I64(query_int("SELECT count(*) FROM performance WHERE nip = '199803152023032001'"), 0);
    /* again: the same bytes change nothing */
    s = import_opts(TPP_KIND_PERFORMANCE, path, &o, true, NULL);
    CHECK(s.already_imported);
}

/* The two e-Kinerja downloads: "Laporan SKP" (id, nip, is_plt_plh, periode_akhir, ...) and
 * "Laporan Penilaian SKP" (id, hasil_akhir), joined by id through the mapping. */
static void write_laporan(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Laporan SKP");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd-mm-yyyy");
    worksheet_write_string(ws, 0, 0, "LAPORAN SKP", NULL);
    static const char *const head[] = {
        "id", "nip", "nama", "is_plt_plh", "periode_akhir", "skp_unor_induk", "skp_status", NULL};
    for (int i = 0; head[i] != NULL; i++)
        worksheet_write_string(ws, 2, (lxw_col_t)i, head[i], NULL);
    struct {
        int id;
        const char *nip;
        int plt, month;
    } rows[] = {{2001, "197704182003122009", 0, 4},
                {2002, "197704182003122009", 1, 4},
                {2003, "198501012010011001", 0, 2},
                {2004, "198501012010011001", 0, 4},
                {2005, "199001012022211005", 0, 4}};
    for (int r = 0; r < 5; r++) {
        lxw_row_t row = (lxw_row_t)(3 + r);
        worksheet_write_number(ws, row, 0, rows[r].id, NULL);
        worksheet_write_string(ws, row, 1, rows[r].nip, NULL);
        worksheet_write_string(ws, row, 2, "Pegawai", NULL);
        worksheet_write_number(ws, row, 3, rows[r].plt, NULL);
        lxw_datetime d = {2024, rows[r].month, 28, 0, 0, 0};
        worksheet_write_datetime(ws, row, 4, &d, date);
        worksheet_write_string(ws, row, 5, "PEMKOT", NULL);
        worksheet_write_string(ws, row, 6, "persetujuan", NULL);
    }
    CHECK_I64(workbook_close(wb), LXW_NO_ERROR);
}

static void write_penilaian(const char *path, int extra_id)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Penilaian SKP");
    worksheet_write_string(ws, 0, 0, "LAPORAN PENILAIAN SKP", NULL);
    worksheet_write_string(ws, 1, 0, "Periode: April 2024", NULL);
    static const char *const head[] = {"id", "nama", "hasil_akhir", NULL};
    for (int i = 0; head[i] != NULL; i++)
        worksheet_write_string(ws, 3, (lxw_col_t)i, head[i], NULL);
    struct {
        int id;
        const char *result;
    } rows[] = {{2001, "Baik"}, {2002, "Sangat Baik"}, {2003, "Kurang"},
                {2004, "Baik"}, {2005, "-"},           {extra_id, "Baik"}};
    for (int r = 0; r < (extra_id ? 6 : 5); r++) {
        lxw_row_t row = (lxw_row_t)(4 + r);
        worksheet_write_number(ws, row, 0, rows[r].id, NULL);
        worksheet_write_string(ws, row, 1, "Pegawai", NULL);
        worksheet_write_string(ws, row, 2, rows[r].result, NULL);
    }
    CHECK_I64(workbook_close(wb), LXW_NO_ERROR);
}

static void test_ekinerja_join(void)
{
    const char *laporan = tmp_path("laporan-skp-2024-04.xlsx");
    const char *penilaian = tmp_path("penilaian-skp-2024-04.xlsx");
    write_laporan(laporan);
    tpp_import_opts o = {.mapping = data_path("mappings/ekinerja-penilaian-skp.yaml"),
                         .join = laporan};
    /* an id the Laporan SKP does not have */
    write_penilaian(penilaian, 2099);
    capture cap;
    capture_open(&cap);
    const char *before = fingerprint();
    import_opts(TPP_KIND_PERFORMANCE, penilaian, &o, false, &cap);
    char needle[900];
    snprintf(needle, sizeof needle, "%s:10:1: error: id '2099' is not in the joined file '%s'",
             penilaian, laporan);
    EXPECT_DIAG(&cap, needle);
    CHECK_STR(fingerprint(), before);
    capture_close(&cap);

    write_penilaian(penilaian, 0);
    tpp_import_stats s = import_opts(TPP_KIND_PERFORMANCE, penilaian, &o, true, NULL);
    CHECK_I64(s.inserted, 2);   /* Siti (own SKP) and Budi (after the transfer) */
    CHECK_I64(s.filtered, 2);   /* Siti's Plt SKP, Andi's "-" */
    CHECK_I64(s.superseded, 1); /* Budi's SKP before the transfer */
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '197704182003122009' AND "
                         "period = '2024-04'"),
              "baik");
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '198501012010011001' AND "
                         "period = '2024-04'"),
              "baik");
    /* both downloads are kept */
    CHECK_I64(query_int("SELECT count(*) FROM input_file WHERE kind = 'performance.join'"), 1);
    /* without --join the mapping is refused */
    tpp_import_opts nojoin = {.mapping = o.mapping};
    tpp_error err = {0};
    tpp_diags *d = tpp_diags_new(NULL);
    CHECK_I64(tpp_import_file_opts(st, rs, TPP_KIND_PERFORMANCE, penilaian, &nojoin, d, &s, &err),
              TPP_ERR_USAGE);
    tpp_diags_free(d);
}

/* A workbook from another producer: 1904 dates, inline strings, a custom date format, rows
 * with gaps, a cell with an error value. Built by hand with libzip. */
static void add_part(zip_t *z, const char *name, const char *text)
{
    zip_source_t *src = zip_source_buffer(z, text, strlen(text), 0);
    CHECK(src != NULL && zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) >= 0);
}

static void write_handmade(const char *path, const char *sheet_rows)
{
    static char sheet[4096];
    snprintf(sheet, sizeof sheet,
             "<?xml version=\"1.0\"?><x:worksheet "
             "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
             "<x:sheetData>%s</x:sheetData></x:worksheet>",
             sheet_rows);
    int e = 0;
    unlink(path);
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &e);
    CHECK(z != NULL);
    if (z == NULL)
        return;
    add_part(z, "xl/workbook.xml",
             "<?xml version=\"1.0\"?><workbook "
             "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
             "<workbookPr date1904=\"1\"/><sheets><sheet name=\"Libur\" sheetId=\"1\" "
             "r:id=\"rId7\"/></sheets></workbook>");
    add_part(z, "xl/_rels/workbook.xml.rels",
             "<?xml version=\"1.0\"?><Relationships "
             "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
             "<Relationship Id=\"rId7\" Type=\"worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
             "</Relationships>");
    add_part(z, "xl/styles.xml",
             "<?xml version=\"1.0\"?><styleSheet><numFmts count=\"1\"><numFmt numFmtId=\"164\" "
             "formatCode=\"[$-421]dd\\ mmmm\\ yyyy\"/></numFmts><cellXfs count=\"2\"><xf "
             "numFmtId=\"0\"/><xf numFmtId=\"164\"/></cellXfs></styleSheet>");
    add_part(z, "xl/worksheets/data.xml", sheet);
    CHECK(zip_close(z) == 0);
}

static void test_handmade_xlsx(void)
{
    const char *path = tmp_path("libur.xlsx");
    write_handmade(path,
                   "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>date</x:t></x:is></x:c>"
                   "<x:c r=\"C1\" t=\"inlineStr\"><x:is><x:r><x:t>na</x:t></x:r><x:r><x:t>me</x:t>"
                   "</x:r></x:is></x:c></x:row>"
                   "<x:row r=\"3\"><x:c r=\"A3\" s=\"1\"><x:v>43900</x:v></x:c>"
                   "<x:c r=\"C3\" t=\"inlineStr\"><x:is><x:t>Hari Suci Nyepi</x:t></x:is></x:c>"
                   "</x:row>");
    /* the header has an empty column B between date and name */
    tpp_import_opts o = {.format = TPP_FORMAT_XLSX};
    capture cap;
    capture_open(&cap);
    import_opts(TPP_KIND_HOLIDAYS, path, &o, false, &cap);
    char needle[800];
    snprintf(needle, sizeof needle, "%s:1:2: error: empty column name in the header", path);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);

    write_handmade(path,
                   "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>date</x:t></x:is></x:c>"
                   "<x:c r=\"B1\" t=\"inlineStr\"><x:is><x:r><x:t>na</x:t></x:r><x:r><x:t>me</x:t>"
                   "</x:r></x:is></x:c></x:row>"
                   "<x:row r=\"3\"><x:c r=\"A3\" s=\"1\"><x:v>43900</x:v></x:c>"
                   "<x:c r=\"B3\" t=\"inlineStr\"><x:is><x:t>Hari Suci Nyepi</x:t></x:is></x:c>"
                   "</x:row>"
                   "<x:row r=\"4\"><x:c r=\"A4\" s=\"1\" t=\"e\"><x:v>#VALUE!</x:v></x:c>"
                   "<x:c r=\"B4\" t=\"inlineStr\"><x:is><x:t>Rusak</x:t></x:is></x:c></x:row>");
    capture_open(&cap);
    const char *before = fingerprint();
    import_opts(TPP_KIND_HOLIDAYS, path, &o, false, &cap);
    snprintf(needle, sizeof needle, "%s:4:1: error: cell holds the spreadsheet error '#VALUE!'",
             path);
    EXPECT_DIAG(&cap, needle);
    CHECK_STR(fingerprint(), before);
    capture_close(&cap);

    write_handmade(path,
                   "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>date</x:t></x:is></x:c>"
                   "<x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>name</x:t></x:is></x:c></x:row>"
                   "<x:row r=\"3\"><x:c r=\"A3\" s=\"1\"><x:v>43900</x:v></x:c>"
                   "<x:c r=\"B3\" t=\"inlineStr\"><x:is><x:t>Hari Suci Nyepi</x:t></x:is></x:c>"
                   "</x:row>");
    tpp_import_stats s = import_opts(TPP_KIND_HOLIDAYS, path, &o, true, NULL);
    CHECK_I64(s.inserted, 1);
    CHECK_STR(query_text("SELECT name FROM holiday WHERE date = '2024-03-11'"), "Hari Suci Nyepi");
}

/* Damaged workbooks: each is refused with a message, never a crash, and changes nothing. */
static void test_damaged_xlsx(void)
{
    static const struct {
        const char *rows, *expect;
    } cases[] = {
        {"<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>date</x:t></x:is>",
         "broken XML in sheet 'Libur'"},
        {"<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>7</x:v></x:c></x:row>",
         "1:1: error: cell refers to shared string '7' that does not exist"},
        {"<x:row r=\"1\"><x:c r=\"A1\"><x:v>12e</x:v></x:c></x:row>",
         "1:1: error: cell holds an invalid number '12e'"},
        {"<x:row r=\"1\"><x:c r=\"XFD1\" t=\"inlineStr\"><x:is><x:t>x</x:t></x:is></x:c>"
         "</x:row>",
         "1:16384: error: too many columns"},
        /* no r attributes at all: rows and cells count on */
        {"<x:row><x:c t=\"inlineStr\"><x:is><x:t>date</x:t></x:is></x:c><x:c "
         "t=\"inlineStr\"><x:is><x:t>name</x:t></x:is></x:c></x:row><x:row><x:c><x:v>1</x:v>"
         "</x:c><x:c t=\"inlineStr\"><x:is><x:t>Satu</x:t></x:is></x:c></x:row>",
         "2:1: error: invalid date '1' in column 'date'"},
    };
    const char *path = tmp_path("damaged.xlsx");
    tpp_import_opts o = {.format = TPP_FORMAT_XLSX};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_handmade(path, cases[i].rows);
        capture cap;
        capture_open(&cap);
        const char *before = fingerprint();
        import_opts(TPP_KIND_HOLIDAYS, path, &o, false, &cap);
        EXPECT_DIAG(&cap, cases[i].expect);
        CHECK_STR(fingerprint(), before);
        capture_close(&cap);
    }
    /* a real workbook with bytes flipped: libzip's CRC or expat must catch it */
    const char *good = tmp_path("simpeg.xlsx");
    long size = file_size(good);
    char *bytes = malloc((size_t)(size > 0 ? size : 1));
    FILE *f = fopen(good, "rb");
    CHECK(f != NULL && bytes != NULL && fread(bytes, 1, (size_t)size, f) == (size_t)size);
    if (f != NULL)
        fclose(f);
    unsigned seed = 12345;
    tpp_import_opts m = {.mapping = data_path("mappings/simpeg-employees.yaml")};
    for (int round = 0; round < 40 && bytes != NULL && size > 0; round++) {
        const char *bent = tmp_path("bent.xlsx");
        FILE *o2 = fopen(bent, "wb");
        CHECK(o2 != NULL);
        if (o2 == NULL)
            break;
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            long at = (long)(seed >> 8) % size;
            bytes[at] = (char)(bytes[at] ^ (1 << (seed & 7)));
        }
        fwrite(bytes, 1, (size_t)size, o2);
        fclose(o2);
        tpp_diags *quiet = tpp_diags_new(NULL);
        tpp_import_stats st2;
        tpp_error err = {0};
        const char *before = fingerprint();
        tpp_status rc =
            tpp_import_file_opts(st, rs, TPP_KIND_EMPLOYEES, bent, &m, quiet, &st2, &err);
        /* either refused cleanly, or (a flip in an unread part) imported as the same 4 rows */
        CHECK(rc == TPP_ERR_INVALID || rc == TPP_ERR_IO || rc == TPP_OK);
        if (rc != TPP_OK)
            CHECK_STR(fingerprint(), before);
        else
            CHECK_I64(query_int("SELECT count(*) FROM employee"), 4);
        tpp_diags_free(quiet);
    }
    free(bytes);
}

/* ---- attendance ------------------------------------------------------------------------ */

static void test_attlog(void)
{
    tpp_import_opts none = {0};
    import_opts(TPP_KIND_DEVICE_PINS, data_path("device_pins.csv"), &none, true, NULL);
    tpp_import_opts o = {
        .format = TPP_FORMAT_AUTO, .device = "MESIN-01", .period_year = 2024, .period_month = 3};
    capture cap;
    capture_open(&cap);
    long long before = query_int("SELECT count(*) FROM attendance");
    tpp_import_stats s =
        import_opts(TPP_KIND_ATTENDANCE, data_path("MESIN-01_attlog.dat"), &o, true, &cap);
    CHECK_I64(s.rows, 12);
    CHECK_I64(s.inserted, 7);
    CHECK_I64(s.duplicates, 1);
    CHECK_I64(s.out_of_period, 2);
    CHECK_I64(s.unknown_pins, 1);
    CHECK_I64(s.unknown_scans, 2);
    EXPECT_DIAG(&cap, "MESIN-01_attlog.dat:8:9: warning: unknown device_pin '77' on device "
                      "'MESIN-01': 2 scans not imported (2024-03-05 07:10:00 .. 2024-03-06 "
                      "07:12:00)");
    EXPECT_DIAG(&cap, "2 scans outside the period 2024-03 were not imported");
    capture_close(&cap);
    CHECK_I64(query_int("SELECT count(*) FROM attendance"), before + 7);
    /* status 2 (break-out) is no direction; 1 is check-out */
    CHECK_I64(query_int("SELECT direction FROM attendance WHERE nip = '197704182003122009' AND "
                        "ts = '2024-03-04 12:01:00'"),
              0);
    CHECK_I64(query_int("SELECT direction FROM attendance WHERE nip = '197704182003122009' AND "
                        "ts = '2024-03-04 16:05:44'"),
              2);
    /* the PIN map for every device */
    CHECK_I64(query_int("SELECT count(*) FROM attendance WHERE nip = '199001012022211005'"), 2);
    CHECK_STR(query_text("SELECT device FROM attendance WHERE nip = '198501012010011001' LIMIT 1"),
              "MESIN-01");
    /* the same file again changes nothing */
    s = import_opts(TPP_KIND_ATTENDANCE, data_path("MESIN-01_attlog.dat"), &o, true, NULL);
    CHECK(s.already_imported);
    CHECK_I64(query_int("SELECT count(*) FROM attendance"), before + 7);

    /* a device clock in WIB for units in WITA: one hour later in the unit's time */
    const char *wib = write_file("wib.dat", "11\t2024-03-07 06:30:00\t0\t1\t0\n");
    tpp_import_opts z = {.format = TPP_FORMAT_ATTLOG, .device = "MESIN-01", .timezone = "WIB"};
    s = import_opts(TPP_KIND_ATTENDANCE, wib, &z, true, NULL);
    CHECK_I64(s.inserted, 1);
    CHECK_I64(query_int("SELECT count(*) FROM attendance WHERE nip = '197704182003122009' AND "
                        "ts = '2024-03-07 07:30:00'"),
              1);
}

/* A CSV far larger than the reader's 1 MiB window, with a quoted field that spans lines:
 * it must read exactly like a small one, and the stored copy must be the file. */
static void test_streamed_csv(void)
{
    const char *path = tmp_path("big-att.csv");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("nip,timestamp,direction,device\n", f);
    long n = 0;
    for (int d = 1; d <= 28; d++)
        for (int m = 0; m < 60 * 16; m++, n++)
            fprintf(f, "198501012010011001,2024-02-%02d %02d:%02d:00,,\"GATE\n%d\"\n", d,
                    7 + m / 60, m % 60, m % 7);
    fclose(f);
    tpp_import_opts o = {.format = TPP_FORMAT_CSV};
    tpp_import_stats s = import_opts(TPP_KIND_ATTENDANCE, path, &o, true, NULL);
    CHECK_I64(s.rows, n);
    CHECK_I64(s.inserted, n);
    char *data = NULL;
    size_t len = 0;
    tpp_error err = {0};
    CHECK_OK(tpp_file_read(path, &data, &len, &err), &err);
    char hex[65];
    tpp_sha256_hex(data, len, hex);
    free(data);
    CHECK_STR(s.sha256, hex);
    char sql[200];
    /* the stored copy, reassembled from its chunks, is the file byte for byte */
    snprintf(sql, sizeof sql, "SELECT id FROM input_file WHERE sha256 = '%s'", hex);
    long long id = query_int(sql);
    char *copy = NULL;
    size_t copy_len = 0;
    FILE *mem = open_memstream(&copy, &copy_len);
    CHECK_OK(tpp_import_raw(st, id, mem, &err), &err);
    fclose(mem);
    char hex2[65];
    tpp_sha256_hex(copy, copy_len, hex2);
    CHECK_I64(copy_len, len);
    CHECK_STR(hex2, hex);
    free(copy);
    CHECK(query_int("SELECT count(*) FROM input_chunk WHERE file_id = (SELECT id FROM input_file "
                    "ORDER BY id DESC LIMIT 1)") > 1);
    CHECK_STR(query_text("SELECT device FROM attendance WHERE ts = '2024-02-28 16:59:00'"),
              "GATE\n4"); /* minute 599 of the day's loop: 599 % 7 */
}

/* ---- other kinds ------------------------------------------------------------------------ */

static void test_kinds(void)
{
    tpp_import_opts none = {0};
    tpp_import_stats s = import_opts(TPP_KIND_ROSTER, data_path("roster.csv"), &none, true, NULL);
    CHECK_I64(s.inserted, 2);
    CHECK_STR(query_text("SELECT end_ts FROM roster WHERE nip = '199001012022211005' AND date = "
                         "'2024-03-04'"),
              "2024-03-05 07:00");
    const char *p = write_file("sanctions.csv", "nip,level,start_period,months,percent,reference\n"
                                                "198501012010011001,hukdis_sedang_6,2024-02,6,12.5,"
                                                "SK 800/12/2024\n");
    s = import_opts(TPP_KIND_SANCTIONS, p, &none, true, NULL);
    CHECK_I64(s.inserted, 1);
    CHECK_I64(query_int("SELECT percent_bp FROM sanction"), 1250);
    p = write_file("assignments.csv", "nip,kind,class,start_date,end_date,reference\n"
                                      "198501012010011001,Plt.,12,2024-03-01,2024-03-31,SPT 1\n");
    s = import_opts(TPP_KIND_ASSIGNMENTS, p, &none, true, NULL);
    CHECK_I64(s.inserted, 1);
    CHECK_STR(query_text("SELECT kind FROM assignment"), "plt");
}

static void test_completeness(void)
{
    tpp_completeness cp;
    char *list = NULL;
    tpp_error err = {0};
    CHECK_OK(tpp_import_completeness(st, 2024, 3, &cp, &list, &err), &err);
    CHECK_I64(cp.employees, 4);
    CHECK_I64(cp.without_punch, 1); /* Rina */
    CHECK_I64(cp.without_performance, 1);
    CHECK_I64(cp.unknown_pins, 1);
    CHECK_I64(cp.unknown_scans, 2);
    CHECK_I64(cp.unclassified_days, 0); /* Andi's scans fall in his shifts */
    CHECK(!cp.complete);
    CHECK(list != NULL && strstr(list, "without_punch\t199803152023032001\tRina\n") != NULL);
    CHECK(list != NULL && strstr(list, "unknown_pin\tMESIN-01\t77\t2\n") != NULL);
    free(list);
    /* a scan of Andi on a day without a shift cannot be classified */
    const char *p =
        write_file("andi.csv", "nip,timestamp\n199001012022211005,2024-03-12 08:00:00\n");
    tpp_import_opts none = {0};
    import_opts(TPP_KIND_ATTENDANCE, p, &none, true, NULL);
    CHECK_OK(tpp_import_completeness(st, 2024, 3, &cp, NULL, &err), &err);
    CHECK_I64(cp.unclassified_days, 1);
    CHECK_I64(cp.employees_unclassified, 1);
}

/* ---- the broken corpus ------------------------------------------------------------------ */

static void test_broken_corpus(void)
{
    FILE *f = fopen(data_path("broken/EXPECTED"), "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *file = strtok(line, "\t"), *kind_s = strtok(NULL, "\t"),
             *format_s = strtok(NULL, "\t"), *expect = strtok(NULL, "");
        CHECK(file && kind_s && format_s && expect);
        if (!(file && kind_s && format_s && expect))
            continue;
        tpp_import_kind kind;
        tpp_import_opts o = {0};
        CHECK(tpp_import_kind_parse(kind_s, &kind));
        CHECK(tpp_import_format_parse(format_s, &o.format));
        char rel[600];
        snprintf(rel, sizeof rel, "broken/%s", file);
        capture cap;
        capture_open(&cap);
        const char *before = fingerprint();
        tpp_import_stats s;
        tpp_error err = {0};
        tpp_status rc = tpp_import_file_opts(st, rs, kind, data_path(rel), &o, cap.d, &s, &err);
        check_count++;
        if (rc != TPP_ERR_INVALID) {
            check_failures++;
            fprintf(stderr, "%s: expected TPP_ERR_INVALID, got %s (%s)\n", file, tpp_status_str(rc),
                    err.msg);
        }
        EXPECT_DIAG(&cap, expect);
        CHECK_STR(fingerprint(), before);
        CHECK(s.n_reasons > 0);
        capture_close(&cap);
        n++;
    }
    fclose(f);
    CHECK(n >= 20);

    /* broken mapping files: file:line:col of the mapping, nothing read */
    tpp_import_opts o = {.mapping = data_path("mappings/unknown-key.yaml")};
    capture cap;
    capture_open(&cap);
    tpp_import_stats s;
    tpp_error err = {0};
    CHECK_I64(tpp_import_file_opts(st, rs, TPP_KIND_EMPLOYEES, data_path("employees.csv"), &o,
                                   cap.d, &s, &err),
              TPP_ERR_INVALID);
    EXPECT_DIAG(&cap, "unknown-key.yaml:2:1: error: unknown key 'colums'");
    EXPECT_DIAG(&cap, "unknown-key.yaml:4:14: error: header_rows must be a whole number");
    capture_close(&cap);
}

int main(void)
{
    const char *tmp = getenv("TPP_TEST_TMP");
    const char *src = getenv("TPP_SOURCE_DIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_import_real", tmp ? tmp : "/tmp");
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/import", src ? src : TPP_SOURCE_DIR);
    tpp_error err = {0};
    CHECK_OK(tpp_mkdirs(tmp_dir, &err), &err);
    char db[600];
    snprintf(db, sizeof db, "%s/ws.db", tmp_dir);
    unlink(db);
    char side[620];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);

    test_cells();
    char pack[700];
    snprintf(pack, sizeof pack, "%s/../../../rules/packs/samarinda-2022-illustrative.yaml",
             data_dir);
    tpp_diags *d = tpp_diags_new(stderr);
    CHECK_OK(tpp_rules_load_file(pack, d, &rs, NULL, NULL, &err), &err);
    tpp_diags_free(d);
    CHECK_OK(tpp_store_create(db, &st, &err), &err);
    if (rs == NULL || st == NULL)
        return CHECK_DONE();

    tpp_import_opts none = {0};
    import_opts(TPP_KIND_UNITS, data_path("units.csv"), &none, true, NULL);
    test_simpeg_xlsx();
    test_ekinerja_xlsx();
    test_ekinerja_join();
    test_handmade_xlsx();
    test_damaged_xlsx();
    test_attlog();
    test_streamed_csv();
    test_kinds();
    test_completeness();
    test_broken_corpus();

    tpp_store_close(st);
    tpp_rules_free(rs);
    return CHECK_DONE();
}
