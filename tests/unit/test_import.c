/* Importers: every kind into a real workspace, with the pack's types; all-or-nothing on errors
 * (every table unchanged), idempotence, diagnostics with the right line:col, NIP rules. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/store.h"
#include "engine/util.h"
#include "importers/nip.h"
#include "tests/check.h"
#include "tests/unit/test_files.h"
#include "tpp/import.h"
#include "tpp/rules.h"

static tpp_store *st;
static tpp_ruleset *rs;

/* ---- helpers ---------------------------------------------------------------------------- */

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

static char *query_text(const char *sql)
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

/* Row counts of every table an import may touch. */
typedef struct snapshot {
    long long n[7];
} snapshot;

static snapshot take_snapshot(void)
{
    static const char *const tables[7] = {"input_file", "employee",    "attendance", "absence",
                                          "event",      "performance", "holiday"};
    snapshot s;
    for (int i = 0; i < 7; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        s.n[i] = query_int(sql);
    }
    return s;
}

static bool same_snapshot(snapshot a, snapshot b)
{
    return memcmp(a.n, b.n, sizeof a.n) == 0;
}

/* Import expecting success. */
static tpp_import_stats import_ok(tpp_import_kind kind, const char *path)
{
    tpp_import_stats stats;
    tpp_error err = {0};
    tpp_diags *d = tpp_diags_new(stderr);
    CHECK_OK(tpp_import_file(st, rs, kind, path, d, &stats, &err), &err);
    CHECK_I64(tpp_diags_errors(d), 0);
    tpp_diags_free(d);
    return stats;
}

/* Import expecting data errors: nothing may change. */
static tpp_status import_bad(tpp_import_kind kind, const char *path, capture *cap, tpp_error *err)
{
    snapshot before = take_snapshot();
    tpp_import_stats stats;
    tpp_status rc = tpp_import_file(st, rs, kind, path, cap->d, &stats, err);
    CHECK_I64(rc, TPP_ERR_INVALID);
    CHECK(strstr(err->msg, "nothing imported") != NULL);
    CHECK(same_snapshot(before, take_snapshot()));
    CHECK_I64(stats.inserted, 0);
    return rc;
}

/* ---- tests ------------------------------------------------------------------------------ */

static const char employees_csv[] =
    "\xEF\xBB\xBF"
    "NIP , Name,status,unit_code,unit_name,position,class,grade,schedule,device_pin,ptkp,"
    "salary_bpjs_base,start_date,end_date\r\n"
    "197704182003122009,Siti Aminah,PNS,DISKOMINFO,Dinas Kominfo,Kepala Bidang,12,IV/a,,101,"
    "K/1,5400000,,\r\n"
    "198501012010011001,\"Budi, S.Kom\",pns,DISKOMINFO,,Pranata Komputer,8,III/b,6day,102,tk/0,"
    "4100000,2010-01-01,\r\n"
    "199803152023032001,Rina,CPNS,BKPSDM,BKPSDM,Analis SDM,7,III/a,5day,,,0,2023-03-01,\r\n"
    "199001012022211005,Andi,PPPK,BKPSDM,BKPSDM,Guru,8,IX,shift,104,,,2022-11-01,"
    "2027-10-31\r\n";

static void test_employees(void)
{
    snapshot before = take_snapshot();
    const char *path = write_file("employees.csv", employees_csv);
    tpp_import_stats s = import_ok(TPP_KIND_EMPLOYEES, path);
    CHECK_I64(s.rows, 4);
    CHECK_I64(s.inserted, 4);
    CHECK_I64(s.updated, 0);
    CHECK(!s.already_imported);
    CHECK_I64(strlen(s.sha256), 64);
    CHECK_I64(query_int("SELECT count(*) FROM employee"), before.n[1] + 4);
    CHECK_STR(query_text("SELECT name FROM employee WHERE nip = '198501012010011001'"),
              "Budi, S.Kom");
    CHECK_STR(query_text("SELECT status FROM employee WHERE nip = '198501012010011001'"), "PNS");
    CHECK_STR(query_text("SELECT unit_name FROM employee WHERE nip = '198501012010011001'"),
              "DISKOMINFO");
    CHECK_STR(query_text("SELECT schedule FROM employee WHERE nip = '197704182003122009'"), "5day");
    CHECK_STR(query_text("SELECT ptkp FROM employee WHERE nip = '198501012010011001'"), "TK/0");
    CHECK_I64(query_int("SELECT salary_bpjs_base FROM employee WHERE nip = '197704182003122009'"),
              5400000);
    CHECK_I64(query_int("SELECT device_pin IS NULL FROM employee WHERE nip = '199803152023032001'"),
              1);
    CHECK_STR(query_text("SELECT end_date FROM employee WHERE nip = '199001012022211005'"),
              "2027-10-31");
    CHECK_I64(query_int("SELECT rows FROM input_file ORDER BY id DESC LIMIT 1"), 4);
    /* the raw file is kept: content, then its chunks */
    CHECK_I64(query_int("SELECT length(content) + (SELECT sum(size) FROM input_chunk "
                        "WHERE file_id = input_file.id) FROM input_file ORDER BY id DESC LIMIT 1"),
              (long long)strlen(employees_csv));

    /* the same file again: nothing changes */
    snapshot after = take_snapshot();
    tpp_import_stats again = import_ok(TPP_KIND_EMPLOYEES, path);
    CHECK(again.already_imported);
    CHECK_I64(again.inserted, 0);
    CHECK_STR(again.sha256, s.sha256);
    CHECK(same_snapshot(after, take_snapshot()));

    /* master data changes: an existing NIP is updated, a new one added; PINs may move */
    path = write_file("employees2.csv",
                      "nip,name,status,unit_code,position,class,device_pin\n"
                      "197704182003122009,Siti Aminah S.E.,PNS,DISKOMINFO,Sekretaris,13,102\n"
                      "198501012010011001,\"Budi, S.Kom\",PNS,DISKOMINFO,Pranata Komputer,8,101\n"
                      "196912312000031001,Joko,PNS,SETDA,Asisten,14,\n");
    s = import_ok(TPP_KIND_EMPLOYEES, path);
    CHECK_I64(s.inserted, 3);
    CHECK_I64(s.updated, 2);
    CHECK_I64(query_int("SELECT class FROM employee WHERE nip = '197704182003122009'"), 13);
    CHECK_STR(query_text("SELECT device_pin FROM employee WHERE nip = '197704182003122009'"),
              "102");
    CHECK_I64(query_int("SELECT count(*) FROM employee"), after.n[1] + 1);
}

static void test_employees_bad(void)
{
    /* two bad rows: both reported with line:col, nothing stored */
    const char *row3 = "199803152023032001,Rina,CPNS,BKPSDM,Analis SDM,7,";
    char text[1024];
    snprintf(text, sizeof text,
             "nip,name,status,unit_code,position,class,start_date\n"
             "197601012005011002,Ok Row,PNS,X,Staf,5,2020-01-01\n"
             "%s2024-13-01\n"
             "197801012006012003,Dewi,PNS,X,Staf,18,\n",
             row3);
    const char *path = write_file("emp_bad.csv", text);
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_EMPLOYEES, path, &cap, &err);
    char needle[700];
    snprintf(needle, sizeof needle,
             "%s:3:%zu: error: invalid date '2024-13-01' in column 'start_date' (expected "
             "YYYY-MM-DD)",
             path, strlen(row3) + 1);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle, "%s:4:36: error: value '18' in column 'class' is out of range",
             path);
    EXPECT_DIAG(&cap, needle);
    CHECK_I64(tpp_diags_errors(cap.d), 2);
    snprintf(needle, sizeof needle, "2 errors in '%s'; nothing imported", path);
    CHECK_STR(err.msg, needle);
    capture_close(&cap);

    /* NIP rules, spreadsheet damage, money, enums, duplicates, ragged rows */
    path = write_file("emp_bad2.csv",
                      "nip,name,status,unit_code,position,class,schedule,device_pin,ptkp,"
                      "salary_gross,start_date,end_date\n"
                      "1.97704E+17,A,PNS,X,S,5,,,,,,\n"                              /* 2 */
                      "'197704182003122009,B,PNS,X,S,5,,,,,,\n"                      /* 3 */
                      "197713182003122009,C,PNS,X,S,5,,,,,,\n"                       /* 4 */
                      "197704182003132009,D,PNS,X,S,5,,,,,,\n"                       /* 5 */
                      "197704181980122009,E,PNS,X,S,5,,,,,,\n"                       /* 6 */
                      "197704182003123009,F,PNS,X,S,5,,,,,,\n"                       /* 7 */
                      "12345,G,PPPK,X,S,5,,,,,,\n"                                   /* 8 */
                      "197704182003122009,H,honorer,X,S,5,4day,,K/4,1.234.567,,\n"   /* 9 */
                      "198001012005011001,I,PNS,X,S,5,,77,,,2024-05-01,2024-04-30\n" /* 10 */
                      "198001012005011001,J,PNS,X,S,5,,77,,-5,,\n"                   /* 11 */
                      "198101012006011001,K,PNS,X,S\n"                               /* 12 */
                      ",,,,,,,,,,,\n"                                                /* 13 */
                      "198201012007011001,,PNS,X,S,5,,,,,,\n");                      /* 14 */
    capture_open(&cap);
    import_bad(TPP_KIND_EMPLOYEES, path, &cap, &err);
    snprintf(needle, sizeof needle,
             "%s:2:1: error: invalid NIP '1.97704E+17' in column 'nip': NIP must be text; it "
             "looks like a spreadsheet turned it into a number",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle, "%s:3:1: error: invalid NIP ''197704182003122009'", path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:4:1: error: invalid NIP '197713182003122009' in column 'nip' (digits 1-8 "
             "'19771318' are not a birth date YYYYMMDD)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:5:9: error: invalid NIP '197704182003132009' in column 'nip' (digits 9-14 "
             "'200313' are not a CPNS start YYYYMM)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:6:9: error: invalid NIP '197704181980122009' in column 'nip' (CPNS start "
             "1980-12 is less than 15 years after the birth year 1977)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:7:15: error: invalid NIP '197704182003123009' in column 'nip' (digit 15 is '3', "
             "expected 1 for male or 2 for female)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:8:1: error: invalid NIP '12345' in column 'nip' (expected 18 digits, found 5)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:9:22: error: invalid status 'honorer' in column 'status' (expected PNS, CPNS or "
             "PPPK)",
             path);
    EXPECT_DIAG(&cap, needle);
    EXPECT_DIAG(&cap, "error: invalid schedule '4day' in column 'schedule' (expected 5day, 6day "
                      "or shift)");
    EXPECT_DIAG(&cap, "error: invalid PTKP status 'K/4' in column 'ptkp'");
    EXPECT_DIAG(&cap, "error: invalid amount '1.234.567' in column 'salary_gross' (expected whole "
                      "rupiah without thousands separators, e.g. 1234567)");
    EXPECT_DIAG(&cap, "error: end_date '2024-04-30' is before start_date '2024-05-01'");
    snprintf(needle, sizeof needle,
             "%s:11:1: error: duplicate NIP '198001012005011001' (first on line 10)", path);
    EXPECT_DIAG(&cap, needle);
    EXPECT_DIAG(&cap, "error: duplicate device_pin '77' (first on line 10)");
    EXPECT_DIAG(&cap, "error: negative amount '-5' in column 'salary_gross'");
    snprintf(needle, sizeof needle, "%s:12:29: error: too few fields: the row has 5, the header 12",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle, "%s:13:1: warning: empty row skipped", path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle, "%s:14:20: error: missing value in required column 'name'",
             path);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);
}

static void test_header(void)
{
    capture cap;
    tpp_error err;
    char needle[700];
    const char *path = write_file("hdr.csv", "nip,name,statuss,unit_code,position,class,name\n"
                                             "197704182003122009,A,PNS,X,S,5,A\n");
    capture_open(&cap);
    import_bad(TPP_KIND_EMPLOYEES, path, &cap, &err);
    snprintf(needle, sizeof needle,
             "%s:1:10: error: unknown column 'statuss' (expected one of: "
             "nip, name, status,",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:1:43: error: duplicate column 'name' (first at line 1, column 5)", path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle, "%s:1:1: error: missing required column 'status'", path);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);

    path = write_file("semicolon.csv", "nip;name;status\n1;2;3\n");
    capture_open(&cap);
    import_bad(TPP_KIND_EMPLOYEES, path, &cap, &err);
    EXPECT_DIAG(&cap, "the file seems to use ';' as its separator");
    capture_close(&cap);

    path = write_file("empty.csv", "");
    capture_open(&cap);
    import_bad(TPP_KIND_HOLIDAYS, path, &cap, &err);
    EXPECT_DIAG(&cap, ":1:1: error: empty file (expected a header row");
    capture_close(&cap);

    /* a CSV syntax error fails the import too, with its position */
    path = write_file("syntax.csv", "date,name\n2024-01-01,\"Tahun Baru\n");
    capture_open(&cap);
    import_bad(TPP_KIND_HOLIDAYS, path, &cap, &err);
    snprintf(needle, sizeof needle, "%s:2:12: error: unterminated quoted field", path);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);
}

static void test_attendance(void)
{
    const char *path =
        write_file("att.csv", "nip,device_pin,timestamp,direction,device\n"
                              "197704182003122009,,2024-03-04 07:25:10,in,D1\n"
                              ",101,2024-03-04 16:02:00,OUT,D1\n"              /* PIN of Budi */
                              "197704182003122009,,2024-03-04 07:25:10,0,D1\n" /* duplicate */
                              "199999999999999999,,2024-03-04 07:00:00,,D1\n"  /* unknown */
                              ",999,2024-03-04 07:00:00,,D1\n"                 /* unknown */
                              "199803152023032001,,2024-03-04T12:00:00,,\n");
    capture cap;
    capture_open(&cap);
    tpp_import_stats s;
    tpp_error err;
    long long before = query_int("SELECT count(*) FROM attendance");
    CHECK_OK(tpp_import_file(st, rs, TPP_KIND_ATTENDANCE, path, cap.d, &s, &err), &err);
    CHECK_I64(s.rows, 6);
    CHECK_I64(s.inserted, 3);
    CHECK_I64(s.duplicates, 1);
    CHECK_I64(s.skipped, 2);
    CHECK_I64(s.unknown_pins, 2);
    CHECK_I64(s.unknown_scans, 2);
    CHECK_I64(tpp_diags_warnings(cap.d), 2);
    char needle[700];
    snprintf(needle, sizeof needle,
             "%s:5:1: warning: unknown NIP '199999999999999999' on device 'D1': 1 scan not "
             "imported (2024-03-04 07:00:00 .. 2024-03-04 07:00:00)",
             path);
    EXPECT_DIAG(&cap, needle);
    snprintf(needle, sizeof needle,
             "%s:6:2: warning: unknown device_pin '999' on device 'D1': 1 scan not imported", path);
    EXPECT_DIAG(&cap, needle);
    capture_close(&cap);
    CHECK_I64(query_int("SELECT count(*) FROM attendance"), before + 3);
    CHECK_I64(query_int("SELECT scans FROM unknown_scan WHERE device = 'D1' AND pin = '999'"), 1);
    CHECK_I64(query_int("SELECT direction FROM attendance WHERE nip = '198501012010011001'"), 2);
    CHECK_I64(query_int("SELECT count(*) FROM attendance WHERE nip = '199803152023032001' AND "
                        "ts = '2024-03-04 12:00:00' AND direction = 0"),
              1);

    /* an overlapping export of the same device: known scans collapse */
    path = write_file("att2.csv", "timestamp,nip,direction\n"
                                  "2024-03-04 07:25:10,197704182003122009,in\n"
                                  "2024-03-05 07:31:00,197704182003122009,1\n");
    s = import_ok(TPP_KIND_ATTENDANCE, path);
    CHECK_I64(s.duplicates, 1);
    CHECK_I64(s.inserted, 1);

    /* bad values are errors, and the whole file is refused */
    path = write_file("att_bad.csv", "device_pin,timestamp,direction\n"
                                     "101,2024-03-06 07:61:00,in\n"
                                     "101,2024-03-06 16:00:00,sideways\n"
                                     ",2024-03-06 16:00:00,\n");
    capture_open(&cap);
    import_bad(TPP_KIND_ATTENDANCE, path, &cap, &err);
    EXPECT_DIAG(&cap, ":2:5: error: invalid timestamp '2024-03-06 07:61:00' in column "
                      "'timestamp' (expected YYYY-MM-DD HH:MM:SS)");
    EXPECT_DIAG(&cap, ":3:25: error: invalid direction 'sideways'");
    EXPECT_DIAG(&cap, ":4:1: error: missing value in column 'nip' or 'device_pin'");
    capture_close(&cap);

    path = write_file("att_nocol.csv", "timestamp\n2024-03-06 07:00:00\n");
    capture_open(&cap);
    import_bad(TPP_KIND_ATTENDANCE, path, &cap, &err);
    EXPECT_DIAG(&cap, ":1:1: error: missing required column 'nip' or 'device_pin'");
    capture_close(&cap);
}

/* A file in no order at all (scans shuffled over two employees and two months, more than one
 * sort run each): stored as the same file in time order would be, each duplicate keeping the
 * device of its first line in the file. */
static void test_attendance_order(void)
{
    enum { N = 240 };
    static const char *const nips[2] = {"197704182003122009", "199803152023032001"};
    tpp_buf f = {0};
    tpp_buf_puts(&f, "nip,timestamp,direction,device\n");
    /* scan i: employee i % 2, June or July, day and minute from i; distinct for every i */
    char line[N][96];
    for (int i = 0; i < N; i++)
        snprintf(line[i], sizeof line[i], "%s,2024-%02d-%02d %02d:%02d:00,%s", nips[i % 2],
                 6 + i / 2 % 2, 1 + i / 4 % 28, 6 + i / 112, i / 4 % 60, i % 3 ? "in" : "out");
    for (int i = 0; i < N; i += 7) /* some duplicates come first, from device B */
        tpp_buf_printf(&f, "%s,B\n", line[i]);
    unsigned order[N];
    for (unsigned i = 0; i < N; i++)
        order[i] = i;
    uint32_t x = 12345;
    for (unsigned i = N - 1; i > 0; i--) {
        x = x * 1103515245u + 12345u;
        unsigned j = (x >> 8) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < N; i++)
        tpp_buf_printf(&f, "%s,A\n", line[order[i]]);
    for (int i = 0; i < N; i += 5) /* and some after, from device C */
        tpp_buf_printf(&f, "%s,C\n", line[i]);
    CHECK(!f.oom);
    const char *path = write_file("att_order.csv", f.data);
    tpp_buf_release(&f);
    tpp_import_stats s = import_ok(TPP_KIND_ATTENDANCE, path);
    CHECK_I64(s.inserted, N);
    CHECK_I64(s.duplicates, (N + 6) / 7 + N / 5);

    /* what is stored, in key order, against the scans sorted by (NIP, time, direction) */
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(st->db,
                             "SELECT nip, ts, direction, device FROM attendance WHERE ts >= "
                             "'2024-06' AND ts < '2024-08' ORDER BY nip, ts, direction",
                             -1, &q, NULL) == SQLITE_OK);
    int seen = 0;
    char expect[N][96];
    for (int i = 0; i < N; i++) {
        char ts[32];
        snprintf(ts, sizeof ts, "2024-%02d-%02d %02d:%02d:00", 6 + i / 2 % 2, 1 + i / 4 % 28,
                 6 + i / 112, i / 4 % 60);
        snprintf(expect[i], sizeof expect[i], "%s %s %d %s", nips[i % 2], ts,
                 i % 3 ? 1 : 2, i % 7 == 0 ? "B" : "A");
    }
    qsort(expect, N, sizeof expect[0], (int (*)(const void *, const void *))strcmp);
    while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
        char got[96];
        snprintf(got, sizeof got, "%s %s %d %s", (const char *)sqlite3_column_text(q, 0),
                 (const char *)sqlite3_column_text(q, 1), sqlite3_column_int(q, 2),
                 (const char *)sqlite3_column_text(q, 3));
        if (seen < N && strcmp(got, expect[seen]) != 0) {
            fprintf(stderr, "row %d: got '%s', expected '%s'\n", seen, got, expect[seen]);
            CHECK(false);
        }
        seen++;
    }
    sqlite3_finalize(q);
    CHECK_I64(seen, N);
}

/* PINs that are not digits are found in the string map, PINs of digits in the digit table, and
 * "0101" is not "101". */
static void test_attendance_pins(void)
{
    const char *path = write_file("emp_kpin.csv", "nip,name,status,unit_code,position,class,"
                                                  "device_pin\n"
                                                  "196912312000031001,Joko,PNS,SETDA,Asisten,14,K-7\n");
    import_ok(TPP_KIND_EMPLOYEES, path);
    path = write_file("att_kpin.csv", "device_pin,timestamp,direction\n"
                                      "K-7,2024-09-02 07:01:00,in\n"
                                      "k-7,2024-09-02 07:02:00,in\n"
                                      "0101,2024-09-02 07:03:00,in\n"
                                      "101,2024-09-02 07:04:00,in\n");
    capture cap;
    capture_open(&cap);
    tpp_import_stats s;
    tpp_error err;
    CHECK_OK(tpp_import_file(st, rs, TPP_KIND_ATTENDANCE, path, cap.d, &s, &err), &err);
    CHECK_I64(s.inserted, 2);
    CHECK_I64(s.unknown_pins, 2);
    EXPECT_DIAG(&cap, ":3:1: warning: unknown device_pin 'k-7'");
    EXPECT_DIAG(&cap, ":4:1: warning: unknown device_pin '0101'");
    capture_close(&cap);
    CHECK_STR(query_text("SELECT nip FROM attendance WHERE ts = '2024-09-02 07:01:00'"),
              "196912312000031001");
    CHECK_STR(query_text("SELECT nip FROM attendance WHERE ts = '2024-09-02 07:04:00'"),
              "198501012010011001");
}

static void test_absences(void)
{
    const char *path = write_file("abs.csv", "nip,type,start_date,end_date,reference\n"
                                             "197704182003122009,cuti_tahunan,2024-03-11,"
                                             "2024-03-13,800/12\n"
                                             "197704182003122009,Dinas Luar,2024-03-14,"
                                             "2024-03-14,\n"
                                             "198501012010011001,sakit,2024-03-11,2024-03-12,\n");
    tpp_import_stats s = import_ok(TPP_KIND_ABSENCES, path);
    CHECK_I64(s.inserted, 3);
    CHECK_STR(query_text("SELECT type FROM absence WHERE start_date = '2024-03-14'"), "dinas_luar");

    path = write_file("abs_bad.csv", "nip,type,start_date,end_date\n"
                                     "197704182003122009,cuti_tahunan,2024-03-13,2024-03-15\n"
                                     "198501012010011001,cuti_tahunan,2024-03-20,2024-03-22\n"
                                     "198501012010011001,sakit,2024-03-22,2024-03-22\n"
                                     "198501012010011001,liburan,2024-03-25,2024-03-25\n"
                                     "100000000000000000,sakit,2024-03-25,2024-03-25\n"
                                     "198501012010011001,sakit,2024-03-28,2024-03-27\n");
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_ABSENCES, path, &cap, &err);
    char needle[700];
    snprintf(needle, sizeof needle,
             "%s:2:33: error: absence 2024-03-13..2024-03-15 overlaps absence 'cuti_tahunan' "
             "2024-03-11..2024-03-13 imported from '%s/abs.csv'",
             path, tmp_dir);
    EXPECT_DIAG(&cap, needle);
    EXPECT_DIAG(&cap, ":4:26: error: absence 2024-03-22..2024-03-22 overlaps absence "
                      "'cuti_tahunan' 2024-03-20..2024-03-22 on line 3");
    EXPECT_DIAG(&cap, ":5:20: error: unknown absence type 'liburan' in column 'type' (the rule "
                      "pack knows: dinas_luar, cuti_tahunan,");
    EXPECT_DIAG(&cap, ":6:1: error: unknown NIP '100000000000000000' in column 'nip' (no such "
                      "employee; import employees first)");
    EXPECT_DIAG(&cap, ":7:37: error: end_date '2024-03-27' is before start_date '2024-03-28'");
    CHECK_I64(tpp_diags_errors(cap.d), 5);
    capture_close(&cap);
}

static void test_events(void)
{
    const char *path = write_file("evt.csv", "nip,date,type,minutes,reference\n"
                                             "197704182003122009,2024-03-04,missed_apel,,\n"
                                             "197704182003122009,2024-03-05,Left Without Permit,"
                                             "90,ST-1\n"
                                             "197704182003122009,2024-03-05,left_without_permit,"
                                             "90,ST-2\n");
    tpp_import_stats s = import_ok(TPP_KIND_EVENTS, path);
    CHECK_I64(s.inserted, 3);
    CHECK_I64(query_int("SELECT minutes FROM event WHERE type = 'missed_apel'"), 0);

    path = write_file("evt_bad.csv", "nip,date,type,minutes\n"
                                     "197704182003122009,2024-03-04,missed_apel,\n"
                                     "197704182003122009,2024-03-06,missed_apel,\n"
                                     "197704182003122009,2024-03-06,missed_apel,\n"
                                     "197704182003122009,2024-03-07,ngopi,\n"
                                     "197704182003122009,2024-03-07,missed_apel,-3\n");
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_EVENTS, path, &cap, &err);
    char needle[700];
    snprintf(needle, sizeof needle, ":2:1: error: event already imported from '%s/evt.csv'",
             tmp_dir);
    EXPECT_DIAG(&cap, needle);
    EXPECT_DIAG(&cap, ":4:1: error: duplicate event: same NIP, date, type, minutes and reference "
                      "as line 3");
    EXPECT_DIAG(&cap, ":5:31: error: unknown event type 'ngopi' in column 'type' (the rule pack "
                      "knows: missed_apel, left_without_permit)");
    EXPECT_DIAG(&cap, ":6:43: error: invalid number '-3' in column 'minutes'");
    capture_close(&cap);
}

static void test_performance(void)
{
    const char *path = write_file("perf.csv", "nip,period,predicate,score\n"
                                              "197704182003122009,2024-03,Sangat Baik,\n"
                                              "198501012010011001,2024-03,,95.5\n"
                                              "199803152023032001,2024-03,BUTUH PERBAIKAN,80%\n");
    tpp_import_stats s = import_ok(TPP_KIND_PERFORMANCE, path);
    CHECK_I64(s.inserted, 3);
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '197704182003122009'"),
              "sangat_baik");
    CHECK_I64(query_int("SELECT score_bp FROM performance WHERE nip = '198501012010011001'"), 9550);
    CHECK_I64(query_int("SELECT predicate IS NULL FROM performance WHERE "
                        "nip = '198501012010011001'"),
              1);
    CHECK_STR(query_text("SELECT predicate FROM performance WHERE nip = '199803152023032001'"),
              "butuh_perbaikan");

    /* Line 2 and line 9 were stored from perf.csv: found when the file's rows are stored in key
     * order (line 9's NIP first), reported in line order after the rows' own errors. */
    path = write_file("perf_bad.csv", "nip,period,predicate,score\n"
                                      "199803152023032001,2024-03,baik,\n"
                                      "197704182003122009,2024-04,baik,\n"
                                      "197704182003122009,2024-04,baik,\n"
                                      "198501012010011001,2024-4,,\n"
                                      "198501012010011001,2024-05,luar biasa,\"95,5\"\n"
                                      "198501012010011001,2024-06,,95.555\n"
                                      "198501012010011001,2024-07,baik,95,5\n"
                                      "197704182003122009,2024-03,baik,\n");
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_PERFORMANCE, path, &cap, &err);
    char needle[700];
    snprintf(needle, sizeof needle,
             ":2:1: error: performance of NIP '199803152023032001' for 2024-03 conflicts with "
             "performance imported from '%s/perf.csv'",
             tmp_dir);
    EXPECT_DIAG(&cap, needle);
    const char *first = strstr(capture_text(&cap), needle);
    snprintf(needle, sizeof needle,
             ":9:1: error: performance of NIP '197704182003122009' for 2024-03 conflicts with "
             "performance imported from '%s/perf.csv'",
             tmp_dir);
    EXPECT_DIAG(&cap, needle);
    const char *second = strstr(capture_text(&cap), needle);
    const char *row_error = strstr(capture_text(&cap), ":8:36: error: too many fields");
    CHECK(first != NULL && second != NULL && row_error != NULL && row_error < first &&
          first < second);
    EXPECT_DIAG(&cap, ":4:1: error: duplicate performance of NIP '197704182003122009' for 2024-04 "
                      "(first on line 3)");
    EXPECT_DIAG(&cap, ":5:20: error: invalid period '2024-4' in column 'period' (expected "
                      "YYYY-MM)");
    EXPECT_DIAG(&cap, ":5:27: error: missing predicate and score (at least one is required)");
    EXPECT_DIAG(&cap, ":6:28: error: unknown predicate 'luar biasa' in column 'predicate' (the "
                      "rule pack knows: sangat_baik, baik, butuh_perbaikan, kurang, "
                      "sangat_kurang)");
    EXPECT_DIAG(&cap, ":6:39: error: invalid score '95,5' in column 'score' (expected a "
                      "percentage with a dot as the decimal separator, e.g. 95.5)");
    EXPECT_DIAG(&cap, ":7:29: error: score '95.555' in column 'score' has too many decimals");
    EXPECT_DIAG(&cap, ":8:36: error: too many fields: the row has 5, the header 4");
    capture_close(&cap);
}

static void test_holidays(void)
{
    const char *path = write_file("hol.csv", "date,name,kind\n"
                                             "2024-03-11,Isra Mikraj,\n"
                                             "2024-04-08,Cuti Bersama Idul Fitri,Cuti Bersama\n"
                                             "2024-04-10,Idul Fitri,national\n");
    tpp_import_stats s = import_ok(TPP_KIND_HOLIDAYS, path);
    CHECK_I64(s.inserted, 3);
    CHECK_STR(query_text("SELECT kind FROM holiday WHERE date = '2024-03-11'"), "national");
    CHECK_STR(query_text("SELECT kind FROM holiday WHERE date = '2024-04-08'"), "cuti_bersama");

    path = write_file("hol_bad.csv", "date,name,kind\n"
                                     "2024-05-01,Hari Buruh,\n"
                                     "2024-05-01,May Day,\n"
                                     "2024-04-10,Idul Fitri,\n"
                                     "2024-05-09,Kenaikan,regional\n");
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_HOLIDAYS, path, &cap, &err);
    EXPECT_DIAG(&cap, ":3:1: error: duplicate holiday on 2024-05-01 (first on line 2)");
    EXPECT_DIAG(&cap, ":4:1: error: holiday on 2024-04-10 conflicts with 'Idul Fitri' imported "
                      "from");
    EXPECT_DIAG(&cap, ":5:21: error: invalid kind 'regional' in column 'kind' (expected "
                      "national, cuti_bersama or local)");
    capture_close(&cap);
}

static void test_max_errors(void)
{
    const char *path = write_file("many_bad.csv", "date,name\n"
                                                  "x1,a\nx2,b\nx3,c\nx4,d\nx5,e\n");
    capture cap;
    capture_open(&cap);
    tpp_diags_set_max(cap.d, 2);
    tpp_error err;
    import_bad(TPP_KIND_HOLIDAYS, path, &cap, &err);
    CHECK(strstr(err.msg, "at least 2 errors") != NULL);
    CHECK(strstr(err.msg, "stopped at the error limit") != NULL);
    CHECK_I64(tpp_diags_errors(cap.d), 2);

    /* the limit was reached by an earlier file: a good file still imports completely */
    path = write_file("after_limit.csv", "date,name\n2025-01-01,Tahun Baru\n"
                                         "2025-03-31,Idul Fitri\n");
    tpp_import_stats s;
    CHECK_OK(tpp_import_file(st, rs, TPP_KIND_HOLIDAYS, path, cap.d, &s, &err), &err);
    CHECK_I64(s.inserted, 2);
    capture_close(&cap);

    /* a header and nothing else: imported (idempotence still applies), with a warning */
    path = write_file("header_only.csv", "date,name\n");
    capture_open(&cap);
    CHECK_OK(tpp_import_file(st, rs, TPP_KIND_HOLIDAYS, path, cap.d, &s, &err), &err);
    CHECK_I64(s.rows, 0);
    EXPECT_DIAG(&cap, ":1:1: warning: no data rows after the header");
    capture_close(&cap);
}

static void test_device_pin_conflict(void)
{
    /* PIN 101 belongs to Budi (from employees2.csv); a new file gives it to someone else */
    const char *path = write_file("emp_pin.csv", "nip,name,status,unit_code,position,class,"
                                                 "device_pin\n"
                                                 "197001012000011001,Eko,PNS,X,Staf,5,101\n");
    capture cap;
    capture_open(&cap);
    tpp_error err;
    import_bad(TPP_KIND_EMPLOYEES, path, &cap, &err);
    EXPECT_DIAG(&cap, ":2:37: error: device_pin '101' is already used by NIP "
                      "'198501012010011001' (from an earlier file)");
    capture_close(&cap);
}

static void test_nip_rules(void)
{
    char why[160];
    size_t off;
    CHECK(tpp_nip_check("197704182003122009", 18, true, why, sizeof why, &off));
    CHECK(tpp_nip_check("200002292019032001", 18, true, why, sizeof why, &off)); /* leap day */
    CHECK(!tpp_nip_check("199902292019032001", 18, true, why, sizeof why, &off));
    CHECK_I64(off, 0);
    CHECK(!tpp_nip_check("197704182003002009", 18, true, why, sizeof why, &off)); /* month 00 */
    CHECK_I64(off, 8);
    CHECK(!tpp_nip_check("197704181991122009", 18, true, why, sizeof why, &off)); /* age 14 */
    CHECK(tpp_nip_check("197704181992122009", 18, true, why, sizeof why, &off));  /* age 15 */
    CHECK(!tpp_nip_check("197704182003120009", 18, true, why, sizeof why, &off)); /* sex 0 */
    CHECK_I64(off, 14);
    CHECK(!tpp_nip_check("19770418200312200", 17, true, why, sizeof why, &off));
    CHECK(!tpp_nip_check("19770418200312200X", 18, false, why, sizeof why, &off));
    /* PPPK numbers: their own format, 18 digits only */
    CHECK(tpp_nip_check("199001012022211005", 18, false, why, sizeof why, &off));
    CHECK(tpp_nip_check("999999999999999999", 18, false, why, sizeof why, &off));
    CHECK(!tpp_nip_check("999999999999999999", 18, true, why, sizeof why, &off));

    CHECK(tpp_nip_looks_mangled("1.97704E+17", 11));
    CHECK(tpp_nip_looks_mangled("1,97704E+17", 11));
    CHECK(tpp_nip_looks_mangled("1.97704182003122E17", 19));
    CHECK(tpp_nip_looks_mangled("'197704182003122009", 19));
    CHECK(tpp_nip_looks_mangled("197704182003122009.0", 20));
    CHECK(!tpp_nip_looks_mangled("197704182003122009", 18));
    CHECK(!tpp_nip_looks_mangled("12.5", 4));
    CHECK(!tpp_nip_looks_mangled("E17", 3));
}

static tpp_ruleset *load_pack(void)
{
    const char *src = getenv("TPP_SOURCE_DIR");
    char pack[600];
    snprintf(pack, sizeof pack, "%s/rules/packs/samarinda-2022-illustrative.yaml",
             src ? src : TPP_SOURCE_DIR);
    tpp_diags *d = tpp_diags_new(stderr);
    tpp_ruleset *out = NULL;
    tpp_error err = {0};
    CHECK_OK(tpp_rules_load_file(pack, d, &out, NULL, NULL, &err), &err);
    tpp_diags_free(d);
    return out;
}

int main(void)
{
    const char *tmp = getenv("TPP_TEST_TMP");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_import", tmp ? tmp : "/tmp");
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

    test_nip_rules();
    rs = load_pack();
    CHECK_OK(tpp_store_create(db, &st, &err), &err);
    if (rs == NULL || st == NULL)
        return CHECK_DONE();

    test_employees();
    test_employees_bad();
    test_header();
    test_attendance();
    test_attendance_order();
    test_attendance_pins();
    test_absences();
    test_events();
    test_performance();
    test_holidays();
    test_max_errors();
    test_device_pin_conflict();

    tpp_store_close(st);
    tpp_rules_free(rs);
    return CHECK_DONE();
}
