/* Replay of a sealed month whose inputs were not plain CSV: a ZKTeco attlog imported with
 * --device, --timezone and --period, and an e-Kinerja XLSX read through a mapping file. The
 * options each file was read with are recorded (input_file.options), the mapping is stored like
 * a raw file, the seal covers both, and the replay reads every file again exactly so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "engine/store.h"
#include "engine/util.h"
#include "tests/check.h"
#include "tests/unit/test_files.h"
#include "tpp/audit.h"
#include "tpp/batch.h"
#include "tpp/import.h"
#include "tpp/rules.h"

static tpp_ruleset *rs;

static const char *query_text(tpp_store *st, const char *sql)
{
    static char buf[512];
    sqlite3_stmt *q = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(q, 0));
    else
        fprintf(stderr, "query gave nothing: %s: %s\n", sql, sqlite3_errmsg(st->db));
    sqlite3_finalize(q);
    return buf;
}

static void exec(tpp_store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
        CHECK(0);
    }
    sqlite3_free(msg);
}

/* An e-Kinerja "Laporan SKP" download: a title block, the header in row 5, one Plt row. */
static void write_laporan_skp(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Laporan SKP");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(ws, 0, 0, "LAPORAN SKP", NULL);
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
    static const struct {
        int id;
        const char *nip;
        int plt;
        const char *result;
    } rows[] = {{1001, "197704182003122009", 0, "Baik"},
                {1002, "197704182003122009", 1, "Sangat Baik"},
                {1004, "198501012010011001", 0, "Sangat Baik"},
                {1005, "199803152023032001", 0, "Butuh Perbaikan"},
                {1006, "199001012022211005", 0, "Baik"}};
    for (int r = 0; r < 5; r++) {
        lxw_row_t row = (lxw_row_t)(5 + r);
        worksheet_write_number(ws, row, 0, rows[r].id, NULL);
        worksheet_write_string(ws, row, 1, rows[r].nip, NULL);
        worksheet_write_string(ws, row, 2, "Pegawai", NULL);
        worksheet_write_number(ws, row, 3, rows[r].plt, NULL);
        lxw_datetime d = {2024, 3, 31, 0, 0, 0};
        worksheet_write_datetime(ws, row, 4, &d, date);
        worksheet_write_string(ws, row, 5, "PEMKOT", NULL);
        worksheet_write_string(ws, row, 6, "persetujuan", NULL);
        worksheet_write_string(ws, row, 7, "Staf", NULL);
        worksheet_write_string(ws, row, 8, "DISKOMINFO", NULL);
        worksheet_write_string(ws, row, 9, rows[r].result, NULL);
    }
    CHECK_I64(workbook_close(wb), LXW_NO_ERROR);
}

static void import(tpp_store *st, tpp_import_kind kind, const char *path, const tpp_import_opts *o)
{
    tpp_error err = {0};
    tpp_import_stats stats;
    tpp_diags *d = tpp_diags_new(stderr);
    CHECK_OK(tpp_import_file_opts(st, rs, kind, path, o, d, &stats, &err), &err);
    tpp_diags_free(d);
}

typedef struct diffs {
    size_t n;
    char first[700];
} diffs;

static void on_diff(void *user, const tpp_replay_diff *d)
{
    diffs *x = user;
    if (x->n++ == 0)
        snprintf(x->first, sizeof x->first, "%s %s %s | %s", d->nip, d->step, d->sealed,
                 d->replayed);
}

typedef struct findings {
    size_t n;
    char all[4096];
} findings;

static void on_finding(void *user, const tpp_audit_finding *f)
{
    findings *x = user;
    x->n++;
    size_t len = strlen(x->all);
    snprintf(x->all + len, sizeof x->all - len, "%s row %lld: %s\n", f->table, (long long)f->row,
             f->what);
}

/* The sealed workspace: units, employees, device PINs, the attlog (device clock in WIB, units
 * in WITA, so every scan moves an hour) and the Laporan SKP through its mapping. */
static tpp_store *sealed_workspace(const char *db)
{
    unlink(db);
    tpp_error err = {0};
    tpp_store *st = NULL;
    CHECK_OK(tpp_store_create(db, &st, &err), &err);
    if (st == NULL)
        return NULL;
    size_t len = 0;
    char *text = NULL;
    char pack[700];
    snprintf(pack, sizeof pack, "%s/../../../rules/packs/samarinda-2022-illustrative.yaml",
             data_dir);
    CHECK_OK(tpp_file_read(pack, &text, &len, &err), &err);
    CHECK_OK(tpp_store_begin(st, &err), &err);
    CHECK_OK(tpp_store_add_pack(st, rs, text, len, &err), &err);
    CHECK_OK(tpp_store_commit(st, &err), &err);
    free(text);

    tpp_import_opts none = {0};
    import(st, TPP_KIND_UNITS, data_path("units.csv"), &none);
    import(st, TPP_KIND_EMPLOYEES, data_path("employees.csv"), &none);
    import(st, TPP_KIND_DEVICE_PINS, data_path("device_pins.csv"), &none);
    tpp_import_opts att = {.format = TPP_FORMAT_ATTLOG,
                           .device = "MESIN-01",
                           .timezone = "WIB",
                           .period_year = 2024,
                           .period_month = 3};
    import(st, TPP_KIND_ATTENDANCE, data_path("MESIN-01_attlog.dat"), &att);
    const char *xlsx = tmp_path("laporan-skp-2024-03.xlsx");
    write_laporan_skp(xlsx);
    tpp_import_opts perf = {.mapping = data_path("mappings/ekinerja-laporan-skp.yaml")};
    import(st, TPP_KIND_PERFORMANCE, xlsx, &perf);

    tpp_run_options ro = {.year = 2024, .month = 3, .threads = 2};
    tpp_run_summary rsum;
    tpp_diags *d = tpp_diags_new(NULL);
    CHECK_OK(tpp_batch_run(st, &ro, d, &rsum, &err), &err);
    tpp_finalize_options fo = {.year = 2024, .month = 3, .accept_incomplete = "uji replay"};
    size_t blocking = 0;
    tpp_seal_info seal;
    CHECK_OK(tpp_finalize(st, &fo, d, &blocking, &seal, &err), &err);
    tpp_diags_free(d);
    return st;
}

static void test_options_recorded(tpp_store *st)
{
    CHECK_STR(query_text(st, "SELECT options FROM input_file WHERE kind = 'attendance'"),
              "format=attlog\ndevice=MESIN-01\ntimezone=WIB\nperiod=2024-03\n");
    char expect[200], sha[65];
    size_t len = 0;
    char *text = NULL;
    tpp_error err = {0};
    CHECK_OK(tpp_file_read(data_path("mappings/ekinerja-laporan-skp.yaml"), &text, &len, &err),
             &err);
    tpp_sha256_hex(text ? text : "", len, sha);
    free(text);
    /* the sheet is the one the mapping names, recorded as read */
    snprintf(expect, sizeof expect, "format=xlsx\nsheet=Laporan SKP\nmapping=%s\n", sha);
    CHECK_STR(query_text(st, "SELECT options FROM input_file WHERE kind = 'performance'"), expect);
    CHECK_STR(query_text(st, "SELECT sha256 FROM input_file WHERE kind = 'performance.mapping'"),
              sha);
    CHECK_STR(query_text(st, "SELECT options FROM input_file WHERE kind = 'units'"),
              "format=csv\n");
    /* the mapping is one of the run's sealed inputs */
    CHECK_STR(query_text(st, "SELECT count(*) FROM run_input WHERE kind = 'performance.mapping'"),
              "1");
    /* the scans really moved from WIB to WITA: 07:31 on the device is 08:31 in the unit */
    CHECK_STR(query_text(st, "SELECT min(ts) FROM attendance WHERE nip = '197704182003122009'"),
              "2024-03-04 08:31:02");
}

static void test_replay_identical(tpp_store *st)
{
    tpp_error err = {0};
    diffs x = {0};
    tpp_replay_summary sum;
    CHECK_OK(tpp_replay(st, 2024, 3, 0, on_diff, &x, &sum, &err), &err);
    if (x.n > 0)
        fprintf(stderr, "first difference: %s\n", x.first);
    CHECK_I64(sum.n_differ, 0);
    CHECK_I64(sum.n_sealed, 4);
    CHECK_I64(sum.n_identical, 4);
    CHECK_STR(sum.replay_root, sum.sealed_root);
    findings f = {0};
    tpp_audit_summary as;
    CHECK_OK(tpp_audit_verify(st, on_finding, &f, &as, &err), &err);
    if (f.n > 0)
        fprintf(stderr, "%s", f.all);
    CHECK_I64(f.n, 0);
}

/* Changing the stored mapping text behind tpp's back is found and named. */
static void test_mapping_tampered(void)
{
    tpp_store *st = sealed_workspace(tmp_path("tamper-mapping.db"));
    if (st == NULL)
        return;
    const char *id = query_text(st, "SELECT id FROM input_file WHERE kind = 'performance.mapping'");
    char expect[128];
    snprintf(expect, sizeof expect, "input_file row %s: content of performance.mapping file", id);
    /* The chunk is stored compressed (schema 10): the editor writes the edited text back plain. */
    CHECK_STR(query_text(st, "SELECT group_concat(codec) FROM input_chunk WHERE file_id = (SELECT "
                             "id FROM input_file WHERE kind = 'performance.mapping')"),
              "1");
    char *text = NULL;
    size_t len = 0;
    tpp_error rerr = {0};
    CHECK_OK(tpp_file_read(data_path("mappings/ekinerja-laporan-skp.yaml"), &text, &len, &rerr),
             &rerr);
    exec(st, "DROP TRIGGER input_chunk_sealed_no_update");
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(st->db,
                             "UPDATE input_chunk SET codec = 0, data = CAST(replace(?1, "
                             "'Sangat Baik', 'Sangat Buruk') AS BLOB) WHERE file_id = (SELECT id "
                             "FROM input_file WHERE kind = 'performance.mapping')",
                             -1, &q, NULL) == SQLITE_OK);
    sqlite3_bind_text(q, 1, text ? text : "", (int)len, SQLITE_STATIC);
    CHECK(sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(st->db) == 1);
    sqlite3_finalize(q);
    CHECK(text != NULL && strstr(text, "Sangat Baik") != NULL);
    free(text);
    tpp_error err = {0};
    findings f = {0};
    tpp_audit_summary as;
    CHECK_OK(tpp_audit_verify(st, on_finding, &f, &as, &err), &err);
    CHECK(strstr(f.all, expect) != NULL);
    if (strstr(f.all, expect) == NULL)
        fprintf(stderr, "expected '%s' in:\n%s", expect, f.all);
    /* and the replay refuses to read it */
    diffs x = {0};
    tpp_replay_summary sum;
    tpp_error e2 = {0};
    CHECK(tpp_replay(st, 2024, 3, 0, on_diff, &x, &sum, &e2) == TPP_ERR_INVALID);
    CHECK(strstr(e2.msg, "mapping file") != NULL);
    tpp_store_close(st);
}

/* The options are sealed too: dropping the recorded timezone is found by audit verify, and a
 * replay that reads the attlog without it differs (which is what a replay without recorded
 * options used to do). */
static void test_options_tampered(void)
{
    tpp_store *st = sealed_workspace(tmp_path("tamper-options.db"));
    if (st == NULL)
        return;
    exec(st, "DROP TRIGGER input_file_sealed_no_update; UPDATE input_file SET options = "
             "'format=attlog\ndevice=MESIN-01\nperiod=2024-03\n' WHERE kind = 'attendance'");
    tpp_error err = {0};
    findings f = {0};
    tpp_audit_summary as;
    CHECK_OK(tpp_audit_verify(st, on_finding, &f, &as, &err), &err);
    CHECK(strstr(f.all, "run_input row 1: the input files listed for run 1 are not those sealed") !=
          NULL);
    if (f.n == 0)
        fprintf(stderr, "no finding for changed options\n");
    diffs x = {0};
    tpp_replay_summary sum;
    CHECK_OK(tpp_replay(st, 2024, 3, 0, on_diff, &x, &sum, &err), &err);
    CHECK(sum.n_differ > 0);
    tpp_store_close(st);
}

int main(void)
{
    const char *tmp = getenv("TPP_TEST_TMP");
    const char *src = getenv("TPP_SOURCE_DIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_replay_opts", tmp ? tmp : "/tmp");
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/import", src ? src : TPP_SOURCE_DIR);
    tpp_error err = {0};
    CHECK_OK(tpp_mkdirs(tmp_dir, &err), &err);
    char pack[700];
    snprintf(pack, sizeof pack, "%s/../../../rules/packs/samarinda-2022-illustrative.yaml",
             data_dir);
    tpp_diags *d = tpp_diags_new(stderr);
    CHECK_OK(tpp_rules_load_file(pack, d, &rs, NULL, NULL, &err), &err);
    tpp_diags_free(d);
    if (rs == NULL)
        return CHECK_DONE();

    tpp_store *st = sealed_workspace(tmp_path("ws.db"));
    if (st != NULL) {
        test_options_recorded(st);
        test_replay_identical(st);
        tpp_store_close(st);
    }
    test_mapping_tampered();
    test_options_tampered();
    tpp_rules_free(rs);
    return CHECK_DONE();
}
