/* libFuzzer target: a whole import (CSV reader, header mapping, every kind's row checks, the
 * NIP rules, the SQL writes) of arbitrary bytes into a workspace that already holds the golden
 * month's employees. The first byte picks the kind; the rest is the file.
 *
 * Checks the importer's contract (SPEC §8): a file is imported entirely or not at all — when the
 * import fails every table has exactly the rows it had before — and bad data is reported as
 * data errors, never as a database failure (a constraint the row checks let through) or an
 * internal error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/store.h"
#include "tests/fuzz/fuzz.h"
#include "tpp/import.h"
#include "tpp/rules.h"

#define MAX_TABLES 64

static tpp_store *base;   /* schema + golden employees; copied for every input */
static tpp_ruleset *pack; /* the shipped pack: absence and event types, predicates */
static long long base_counts[MAX_TABLES];
static size_t n_tables;
static char table_names[MAX_TABLES][64];

static void die(const char *what, const tpp_error *err)
{
    fprintf(stderr, "fuzz_import setup: %s: %s\n", what, err ? err->msg : "");
    abort();
}

/* Row count of every table, in a fixed order. */
static void count_rows(sqlite3 *db, long long *out)
{
    for (size_t i = 0; i < n_tables; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table_names[i]);
        sqlite3_stmt *q = NULL;
        FUZZ_ASSERT(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK);
        FUZZ_ASSERT(sqlite3_step(q) == SQLITE_ROW);
        out[i] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
}

static void setup(void)
{
    tpp_error err = {0};
    const char *src = getenv("TPP_SOURCE_DIR");
    if (src == NULL)
        src = TPP_SOURCE_DIR;
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/packs/samarinda-2022-illustrative.yaml", src);
    if (tpp_rules_load_file(path, NULL, &pack, NULL, NULL, &err) != TPP_OK)
        die("cannot load the pack", &err);
    /* An anonymous in-memory database: nothing of the fuzzer's touches the disk. */
    if (tpp_store_create(":memory:", &base, &err) != TPP_OK)
        die("cannot create the workspace", &err);
    snprintf(path, sizeof path, "%s/fixtures/golden-2025-01/employees.csv", src);
    tpp_import_stats stats;
    if (tpp_import_file(base, pack, TPP_KIND_EMPLOYEES, path, NULL, &stats, &err) != TPP_OK)
        die("cannot import the golden employees", &err);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(base->db,
                           "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                           &q, NULL) != SQLITE_OK)
        die("cannot list tables", NULL);
    while (sqlite3_step(q) == SQLITE_ROW && n_tables < MAX_TABLES)
        snprintf(table_names[n_tables++], sizeof table_names[0], "%s", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    count_rows(base->db, base_counts);
}

static tpp_store *copy_base(void)
{
    tpp_store *st = calloc(1, sizeof *st);
    FUZZ_ASSERT(st != NULL);
    snprintf(st->path, sizeof st->path, ":memory:");
    FUZZ_ASSERT(sqlite3_open(":memory:", &st->db) == SQLITE_OK);
    sqlite3_backup *b = sqlite3_backup_init(st->db, "main", base->db, "main");
    FUZZ_ASSERT(b != NULL);
    FUZZ_ASSERT(sqlite3_backup_step(b, -1) == SQLITE_DONE);
    sqlite3_backup_finish(b);
    FUZZ_ASSERT(sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) == SQLITE_OK);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (base == NULL)
        setup();
    if (size < 1)
        return 0;
    tpp_import_kind kind = (tpp_import_kind)(data[0] % TPP_KIND_COUNT);
    int fd = memfd_create("fuzz-import", 0);
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(size == 1 || write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    tpp_store *st = copy_base();
    tpp_diags *diags = tpp_diags_new(NULL);
    tpp_import_stats stats;
    tpp_error err = {0};
    tpp_status rc = tpp_import_file(st, pack, kind, path, diags, &stats, &err);
    if (rc != TPP_OK && rc != TPP_ERR_INVALID && rc != TPP_ERR_NOMEM) {
        fprintf(stderr, "import %s: status %s: %s\n", tpp_import_kind_name(kind),
                tpp_status_str(rc), err.msg);
        FUZZ_ASSERT(0 && "an import of bad data must fail as invalid data");
    }
    long long counts[MAX_TABLES];
    count_rows(st->db, counts);
    if (rc != TPP_OK) {
        FUZZ_ASSERT(tpp_diags_errors(diags) > 0);
        for (size_t i = 0; i < n_tables; i++)
            if (counts[i] != base_counts[i]) {
                fprintf(stderr, "table %s: %lld rows, had %lld\n", table_names[i], counts[i],
                        base_counts[i]);
                FUZZ_ASSERT(0 && "a failed import changed the workspace");
            }
    } else {
        FUZZ_ASSERT(tpp_diags_errors(diags) == 0);
        FUZZ_ASSERT(stats.inserted + stats.skipped + stats.duplicates <= stats.rows);
    }
    FUZZ_ASSERT(sqlite3_get_autocommit(st->db)); /* no transaction left open */
    tpp_diags_free(diags);
    tpp_store_close(st);
    close(fd);
    return 0;
}
