/* The workspace: one SQLite database per region (schema in engine/schema.sql). Private header. */
#ifndef TPP_ENGINE_STORE_H
#define TPP_ENGINE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "tpp/error.h"
#include "tpp/rules.h"

#define TPP_SCHEMA_VERSION 12

typedef struct tpp_store {
    sqlite3 *db;
    char path[512];
} tpp_store;

/** Create a new workspace file with the schema; fails if the file exists.
 *  Caller closes with tpp_store_close(). */
tpp_status tpp_store_create(const char *path, tpp_store **out, tpp_error *err);
/** Open an existing workspace; checks the schema version. */
tpp_status tpp_store_open(const char *path, tpp_store **out, tpp_error *err);
void tpp_store_close(tpp_store *st); /* NULL-safe */

/** Fill err from sqlite3_errmsg() right away; returns TPP_ERR_DB. */
tpp_status tpp_store_fail(tpp_store *st, tpp_error *err, const char *what);
tpp_status tpp_store_exec(tpp_store *st, const char *sql, tpp_error *err);
tpp_status tpp_store_prepare(tpp_store *st, const char *sql, sqlite3_stmt **out, tpp_error *err);
/** BEGIN IMMEDIATE (waits up to the busy timeout for another writer), COMMIT, ROLLBACK. */
tpp_status tpp_store_begin(tpp_store *st, tpp_error *err);
tpp_status tpp_store_commit(tpp_store *st, tpp_error *err);
void tpp_store_rollback(tpp_store *st);

/** Store a pack's text (idempotent by SHA-256). Call inside a transaction. */
tpp_status tpp_store_add_pack(tpp_store *st, const tpp_ruleset *rs, const char *text, size_t len,
                              tpp_error *err);
/** Load the pack in force on `day` (its valid_from <= day <= valid_to). */
tpp_status tpp_store_pack_for(tpp_store *st, tpp_date day, tpp_ruleset **out, tpp_error *err);

/** Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (for records, never for exported documents). */
void tpp_now_iso(char buf[32]);

/** Load the most recently stored pack (to validate imported codes against). */
tpp_status tpp_store_latest_pack(tpp_store *st, tpp_ruleset **out, tpp_error *err);
/** Stream a stored input file's bytes (input_file.content, then its input_chunk rows in order,
 *  each decoded: schema 10 stores them zstd-compressed) to fn; fn returns 0 to go on. *found is
 *  false when there is no such file. A chunk that does not decode is an error. */
typedef int (*tpp_bytes_fn)(void *user, const void *data, size_t len);
tpp_status tpp_store_file_bytes(tpp_store *st, int64_t file_id, tpp_bytes_fn fn, void *user,
                                bool *found, tpp_error *err);
/** Hex SHA-256 of a stored input file's bytes, computed as they stream. A chunk that does not
 *  decode is hashed as stored, so that the result differs from the file's recorded hash. */
tpp_status tpp_store_file_sha256(tpp_store *st, int64_t file_id, char out[65], bool *found,
                                 tpp_error *err);
/** Write a stored input file's bytes to path (atomically). */
tpp_status tpp_store_file_save(tpp_store *st, int64_t file_id, const char *path, tpp_error *err);

#endif /* TPP_ENGINE_STORE_H */
