/* The workspace database: create, open, transactions, rule packs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <unistd.h>
#include <zstd.h>

#include "engine/store.h"
#include "engine/util.h"

extern const char tpp_schema_sql[];

/* How long a second process waits for the write lock before it gives up with a clear error. */
#define BUSY_TIMEOUT_MS 10000

/* A month is millions of rows written in one transaction (attendance import, a run's results
 * and traces). With SQLite's default 2 MiB page cache the B-tree pages of the attendance index
 * are evicted and re-read for nearly every insert. 512 MiB of cache (a ceiling: only pages
 * touched are allocated), temporary B-trees in memory and reads through mmap keep the hot pages
 * in memory. Spilling stays on: a national run's traces are gigabytes, more than any cache.
 * Durability is unchanged: synchronous = FULL, one fsync'ed commit per command. */
#define STORE_CACHE_PRAGMAS                                    \
    "PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;" \
    "PRAGMA mmap_size = 1073741824;"

void tpp_now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

tpp_status tpp_store_fail(tpp_store *st, tpp_error *err, const char *what)
{
    int code = st && st->db ? sqlite3_extended_errcode(st->db) : 0;
    tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "%s: %s", what,
             st && st->db ? sqlite3_errmsg(st->db) : "no database");
    if (err)
        err->lib_code = code;
    return TPP_ERR_DB;
}

tpp_status tpp_store_exec(tpp_store *st, const char *sql, tpp_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "database error: %s", msg ? msg : "?");
        if (err)
            err->lib_code = sqlite3_extended_errcode(st->db);
        sqlite3_free(msg);
        return TPP_ERR_DB;
    }
    return TPP_OK;
}

tpp_status tpp_store_prepare(tpp_store *st, const char *sql, sqlite3_stmt **out, tpp_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
        return tpp_store_fail(st, err, "cannot prepare statement");
    return TPP_OK;
}

tpp_status tpp_store_begin(tpp_store *st, tpp_error *err)
{
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY)
        return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                        "workspace '%s' is busy: another tpp process is writing to it", st->path);
    if (rc != SQLITE_OK)
        return tpp_store_fail(st, err, "cannot begin transaction");
    return TPP_OK;
}

tpp_status tpp_store_commit(tpp_store *st, tpp_error *err)
{
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        tpp_status rc = tpp_store_fail(st, err, "cannot commit");
        tpp_store_rollback(st);
        return rc;
    }
    return TPP_OK;
}

void tpp_store_rollback(tpp_store *st)
{
    if (st && st->db && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Before SQLite starts: no allocation statistics. They are kept under a process-wide mutex
 * taken on every allocation SQLite makes, and tpp never reads them. (Once SQLite is initialised
 * sqlite3_config refuses, harmlessly: a program that started it itself keeps its settings.) */
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;

static void sqlite_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static tpp_status open_db(const char *path, int flags, tpp_store **out, tpp_error *err)
{
    pthread_once(&sqlite_config_once, sqlite_config);
    *out = NULL;
    tpp_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    snprintf(st->path, sizeof st->path, "%s", path);
    /* NOMUTEX: a connection is used by one thread at a time (a second thread that reads opens
     * its own: engine/batch_export.c), so SQLite's per-call connection mutex only costs: ≈ 9 % of
     * a national finalize's CPU was that lock and unlock around every sqlite3_column_*. */
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "cannot open workspace '%s': %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        tpp_store_close(st);
        return TPP_ERR_DB;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    /* A new workspace gets 16 KiB pages (SQLite's default is 4 KiB; the size is fixed when the
     * file is created, so older workspaces keep theirs). A national import or run writes
     * gigabytes in one transaction, more than the page cache holds, so pages spill to the WAL,
     * and every page read afterwards is looked up in the WAL's index, whose cost grows with
     * its number of frames: a quarter of the frames for the same bytes (docs/performance.md,
     * round 3f). */
    tpp_status rc = TPP_OK;
    if (flags & SQLITE_OPEN_CREATE)
        rc = tpp_store_exec(st, "PRAGMA page_size = 16384;", err);
    if (rc == TPP_OK)
        rc = tpp_store_exec(st,
                            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
                            "PRAGMA synchronous = FULL;" STORE_CACHE_PRAGMAS,
                            err);
    if (rc != TPP_OK) {
        tpp_store_close(st);
        return rc;
    }
    *out = st;
    return TPP_OK;
}

tpp_status tpp_store_create(const char *path, tpp_store **out, tpp_error *err)
{
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) == 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                        "workspace '%s' already exists (remove it or choose another --db)", path);
    tpp_store *st;
    TPP_TRY(open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &st, err));
    tpp_status rc = tpp_store_begin(st, err);
    if (rc == TPP_OK)
        rc = tpp_store_exec(st, tpp_schema_sql, err);
    if (rc == TPP_OK)
        rc = tpp_store_commit(st, err);
    if (rc != TPP_OK) {
        tpp_store_close(st);
        remove(path);
        return rc;
    }
    *out = st;
    return TPP_OK;
}

tpp_status tpp_store_open(const char *path, tpp_store **out, tpp_error *err)
{
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) != 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                        "no workspace at '%s' (create one with 'tpp init --rules PACK.yaml')",
                        path);
    tpp_store *st;
    TPP_TRY(open_db(path, SQLITE_OPEN_READWRITE, &st, err));
    sqlite3_stmt *q = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version != TPP_SCHEMA_VERSION) {
        tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                 "'%s' is not a tpp workspace of schema version %d (found %d)", path,
                 TPP_SCHEMA_VERSION, version);
        tpp_store_close(st);
        return TPP_ERR_DB;
    }
    *out = st;
    return TPP_OK;
}

void tpp_store_close(tpp_store *st)
{
    if (st == NULL)
        return;
    sqlite3_close_v2(st->db);
    free(st);
}

tpp_status tpp_store_add_pack(tpp_store *st, const tpp_ruleset *rs, const char *text, size_t len,
                              tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    char from[11], to[11], now[32];
    tpp_date_format(rs->valid_from, from);
    if (rs->valid_to != TPP_DATE_NONE)
        tpp_date_format(rs->valid_to, to);
    tpp_now_iso(now);
    TPP_TRY(tpp_store_prepare(st,
                              "INSERT INTO rule_pack(sha256, pack_id, region, valid_from, "
                              "valid_to, path, text, loaded_at) VALUES (?,?,?,?,?,?,?,?) "
                              "ON CONFLICT(sha256) DO NOTHING",
                              &q, err));
    sqlite3_bind_text(q, 1, rs->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, rs->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, rs->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, from, -1, SQLITE_STATIC);
    if (rs->valid_to != TPP_DATE_NONE)
        sqlite3_bind_text(q, 5, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, rs->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, now, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot store rule pack");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status load_row(sqlite3_stmt *q, tpp_ruleset **out, tpp_error *err)
{
    const char *path = (const char *)sqlite3_column_text(q, 0);
    const char *text = (const char *)sqlite3_column_text(q, 1);
    int len = sqlite3_column_bytes(q, 1);
    char where[600];
    snprintf(where, sizeof where, "%s (stored in workspace)", path ? path : "pack");
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_status rc = tpp_rules_load(where, text ? text : "", (size_t)len, diags, out, err);
    tpp_diags_free(diags);
    return rc;
}

tpp_status tpp_store_latest_pack(tpp_store *st, tpp_ruleset **out, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    *out = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT path, text FROM rule_pack ORDER BY id DESC LIMIT 1", &q,
                              err));
    tpp_status rc;
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        rc = load_row(q, out, err);
    else if (step == SQLITE_DONE)
        rc = tpp_fail(err, TPP_ERR_RULES, TPP_NOLOC, "the workspace holds no rule pack");
    else
        rc = tpp_store_fail(st, err, "cannot read rule packs");
    sqlite3_finalize(q);
    return rc;
}

tpp_status tpp_store_pack_for(tpp_store *st, tpp_date day, tpp_ruleset **out, tpp_error *err)
{
    char d[11];
    tpp_date_format(day, d);
    *out = NULL;
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT path, text, sha256 FROM rule_pack WHERE valid_from <= ?1 "
                              "AND (valid_to IS NULL OR valid_to >= ?1) ORDER BY valid_from DESC",
                              &q, err));
    sqlite3_bind_text(q, 1, d, -1, SQLITE_STATIC);
    tpp_status rc;
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        rc = load_row(q, out, err);
        if (rc == TPP_OK && sqlite3_step(q) == SQLITE_ROW)
            rc = tpp_fail(err, TPP_ERR_RULES, TPP_NOLOC,
                          "more than one rule pack is in force on %s", d);
    } else if (step == SQLITE_DONE) {
        rc = tpp_fail(err, TPP_ERR_RULES, TPP_NOLOC,
                      "no rule pack in the workspace is in force on %s", d);
    } else {
        rc = tpp_store_fail(st, err, "cannot read rule packs");
    }
    sqlite3_finalize(q);
    if (rc != TPP_OK) {
        tpp_rules_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The largest raw chunk a stored frame may claim: the importers write 1 MiB chunks. */
#define CHUNK_MAX_RAW (64u << 20)

/* Decode one chunk into *buf. False when it does not decode to exactly `size` bytes. */
static bool decode_chunk(const void *data, size_t n, int64_t size, ZSTD_DCtx *dctx,
                         unsigned char **buf, size_t *cap)
{
    if (size < 0 || (uint64_t)size > CHUNK_MAX_RAW || data == NULL ||
        ZSTD_getFrameContentSize(data, n) != (unsigned long long)size)
        return false;
    if ((size_t)size > *cap) {
        unsigned char *p = realloc(*buf, (size_t)size);
        if (p == NULL)
            return false;
        *buf = p;
        *cap = (size_t)size;
    }
    size_t got = ZSTD_decompressDCtx(dctx, *buf, *cap, data, n);
    return !ZSTD_isError(got) && got == (size_t)size;
}

/* Stream a stored file. A chunk that does not decode is an error, or with `as_stored` is passed
 * on as stored (its bytes then cannot give the file's SHA-256: the audit names the file). */
static tpp_status file_bytes(tpp_store *st, int64_t file_id, tpp_bytes_fn fn, void *user,
                             bool as_stored, bool *found, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    *found = false;
    TPP_TRY(tpp_store_prepare(st, "SELECT content FROM input_file WHERE id = ?1", &q, err));
    sqlite3_bind_int64(q, 1, file_id);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW) {
        *found = true;
        int n = sqlite3_column_bytes(q, 0);
        const void *p = sqlite3_column_blob(q, 0);
        if (n > 0 && p != NULL && fn(user, p, (size_t)n) != 0)
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot pass on input file %lld",
                          (long long)file_id);
    } else if (step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read an input file");
    }
    sqlite3_finalize(q);
    if (rc != TPP_OK || !*found)
        return rc;
    /* Large files are stored in chunks, written while they were read at import. */
    TPP_TRY(tpp_store_prepare(
        st, "SELECT data, codec, size, seq FROM input_chunk WHERE file_id = ?1 ORDER BY seq", &q,
        err));
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    unsigned char *buf = NULL;
    size_t cap = 0;
    if (dctx == NULL)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    sqlite3_bind_int64(q, 1, file_id);
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        const void *p = sqlite3_column_blob(q, 0);
        if (sqlite3_column_int64(q, 1) != 0) {
            if (decode_chunk(p, n, sqlite3_column_int64(q, 2), dctx, &buf, &cap)) {
                p = buf;
                n = (size_t)sqlite3_column_int64(q, 2);
            } else if (!as_stored) {
                rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                              "input file %lld: stored chunk %lld is damaged (it does not "
                              "decode): run 'tpp audit verify'",
                              (long long)file_id, (long long)sqlite3_column_int64(q, 3));
                break;
            }
        }
        if (n > 0 && p != NULL && fn(user, p, n) != 0)
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot pass on input file %lld",
                          (long long)file_id);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read an input file's chunks");
    sqlite3_finalize(q);
    ZSTD_freeDCtx(dctx);
    free(buf);
    return rc;
}

tpp_status tpp_store_file_bytes(tpp_store *st, int64_t file_id, tpp_bytes_fn fn, void *user,
                                bool *found, tpp_error *err)
{
    return file_bytes(st, file_id, fn, user, false, found, err);
}

static int hash_bytes(void *user, const void *data, size_t len)
{
    tpp_sha256_update(user, data, len);
    return 0;
}

tpp_status tpp_store_file_sha256(tpp_store *st, int64_t file_id, char out[65], bool *found,
                                 tpp_error *err)
{
    tpp_sha256 h;
    tpp_sha256_init(&h);
    tpp_status rc = file_bytes(st, file_id, hash_bytes, &h, true, found, err);
    uint8_t d[TPP_SHA256_BYTES];
    tpp_sha256_final(&h, d); /* also on error: frees the context */
    if (rc != TPP_OK)
        return rc;
    tpp_sha256_to_hex(d, out);
    return TPP_OK;
}

static int write_bytes(void *user, const void *data, size_t len)
{
    return fwrite(data, 1, len, user) == len ? 0 : -1;
}

tpp_status tpp_store_file_save(tpp_store *st, int64_t file_id, const char *path, tpp_error *err)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s'", tmp);
    bool found = false;
    tpp_status rc = tpp_store_file_bytes(st, file_id, write_bytes, f, &found, err);
    if (fclose(f) != 0 && rc == TPP_OK)
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", tmp);
    if (rc == TPP_OK && !found)
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no input file %lld in the workspace",
                      (long long)file_id);
    if (rc != TPP_OK) {
        remove(tmp);
        return rc;
    }
    return tpp_file_commit(tmp, path, err);
}
