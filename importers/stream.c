/* Chunked reading of input files. The importers never hold a whole input file: the hash, the
 * workspace copy and the parser all see the same bytes as they go by. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "engine/util.h"
#include "importers/stream.h"
#include "tpp/import.h"

tpp_status tpp_imp_stream_open(tpp_imp_stream *s, const char *path, tpp_error *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->f = fopen(path, "rb");
    if (s->f == NULL) {
        tpp_status rc =
            tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot open '%s': %s", path, strerror(errno));
        if (err != NULL)
            err->sys_errno = errno;
        return rc;
    }
    tpp_status kind_rc = tpp_file_check_kind(s->f, path, err);
    if (kind_rc != TPP_OK) {
        fclose(s->f);
        s->f = NULL;
        return kind_rc;
    }
    crypto_hash_sha256_init(&s->hash);
    return TPP_OK;
}

long tpp_imp_stream_read(void *stream, unsigned char *buf, size_t cap)
{
    tpp_imp_stream *s = stream;
    if (s->failed)
        return -1;
    size_t n = fread(buf, 1, cap, s->f);
    if (n < cap && ferror(s->f)) {
        s->sys_errno = errno;
        s->failed = true;
        return -1;
    }
    if (n == 0)
        return 0;
    crypto_hash_sha256_update(&s->hash, buf, n);
    if (s->store != NULL) {
        /* the file grew since it was hashed: the copy would not match the hash */
        if (s->offset + n > s->size) {
            s->failed = true;
            return -1;
        }
        sqlite3_bind_int64(s->store, 1, s->seq++);
        sqlite3_bind_blob(s->store, 2, buf, (int)n, SQLITE_STATIC);
        sqlite3_bind_int64(s->store, 3, s->file_id);
        int step = sqlite3_step(s->store);
        if (step != SQLITE_DONE) {
            s->store_failed = true; /* before the reset, which would change the message */
            s->failed = true;
            return -1;
        }
        sqlite3_reset(s->store);
        sqlite3_clear_bindings(s->store);
    }
    s->offset += n;
    return (long)n;
}

tpp_status tpp_imp_stream_drain(tpp_imp_stream *s, tpp_error *err)
{
    unsigned char *buf = malloc(TPP_STREAM_CHUNK);
    if (buf == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    long n;
    while ((n = tpp_imp_stream_read(s, buf, TPP_STREAM_CHUNK)) > 0)
        ;
    free(buf);
    if (n < 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s': %s", s->path,
                        s->sys_errno ? strerror(s->sys_errno) : "the file changed while read");
    return TPP_OK;
}

void tpp_imp_stream_hex(tpp_imp_stream *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&s->hash, h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void tpp_imp_stream_close(tpp_imp_stream *s)
{
    if (s->f != NULL)
        fclose(s->f);
    s->f = NULL;
}

tpp_status tpp_imp_hash_file(const char *path, char out[65], uint64_t *size, tpp_error *err)
{
    tpp_imp_stream s;
    TPP_TRY(tpp_imp_stream_open(&s, path, err));
    tpp_status rc = tpp_imp_stream_drain(&s, err);
    if (rc == TPP_OK) {
        tpp_imp_stream_hex(&s, out);
        *size = s.offset;
    }
    tpp_imp_stream_close(&s);
    return rc;
}

tpp_status tpp_import_raw(struct tpp_store *st, long long file_id, FILE *out, tpp_error *err)
{
    static const char *const parts[2] = {
        "SELECT content FROM input_file WHERE id = ?1",
        "SELECT data FROM input_chunk WHERE file_id = ?1 ORDER BY seq",
    };
    tpp_status rc = TPP_OK;
    for (int i = 0; i < 2 && rc == TPP_OK; i++) {
        sqlite3_stmt *q = NULL;
        TPP_TRY(tpp_store_prepare(st, parts[i], &q, err));
        sqlite3_bind_int64(q, 1, file_id);
        int step;
        while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
            const void *p = sqlite3_column_blob(q, 0);
            size_t n = (size_t)sqlite3_column_bytes(q, 0);
            if (n > 0 && fwrite(p, 1, n, out) != n)
                rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write the stored file: %s",
                              strerror(errno));
        }
        if (rc == TPP_OK && step != SQLITE_DONE)
            rc = tpp_store_fail(st, err, "cannot read the stored file");
        sqlite3_finalize(q);
    }
    return rc;
}
