/* Chunked reading of input files. The importers never hold a whole input file: the hash, the
 * workspace copy and the parser all see the same bytes as they go by. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "engine/util.h"
#include "importers/stream.h"
#include "tpp/import.h"

#include <zstd.h>

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
    tpp_sha256_init(&s->hash);
    return TPP_OK;
}

/* ---- the pipeline: a second thread reads, hashes and compresses ------------------------
 *
 * Storing a file costs more than parsing it: the SHA-256 and the
 * zstd compression of every chunk (schema 11: the raw copy is written to the WAL and again to
 * the database, five times smaller compressed). With a store attached, a worker thread does
 * read + hash + compress of chunk i+1.. while the importing thread parses chunk i; the importing
 * thread alone touches SQLite: it stores each chunk, in order, when it takes it. The bytes, the
 * hash and the stored rows are those of a single-threaded read. */

enum { RING = 4, ZSTD_LEVEL = 1 };

typedef struct pipe_slot {
    unsigned char *raw, *z;
    size_t n, zn; /* raw bytes; compressed bytes (0: stored raw) */
    bool full, eof;
    int sys_errno; /* a read error */
} pipe_slot;

struct tpp_imp_pipe {
    pthread_t worker;
    bool threaded, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ZSTD_CCtx *cctx;
    size_t zcap;
    pipe_slot ring[RING];
    unsigned w, r;   /* the slot the worker fills next; the slot the reader takes next */
    bool taken;      /* ring[r] is the reader's current chunk */
    size_t consumed; /* of it, bytes handed to the parser */
};

/* Fill one slot from the file: read, hash, compress. */
static void produce(tpp_imp_stream *s, struct tpp_imp_pipe *p, pipe_slot *sl)
{
    size_t n = fread(sl->raw, 1, TPP_STREAM_CHUNK, s->f);
    sl->sys_errno = n < TPP_STREAM_CHUNK && ferror(s->f) ? (errno ? errno : EIO) : 0;
    sl->n = n;
    sl->eof = n == 0 || sl->sys_errno != 0;
    sl->zn = 0;
    if (n == 0 || sl->sys_errno != 0)
        return;
    tpp_sha256_update(&s->hash, sl->raw, n);
    size_t zn = ZSTD_compressCCtx(p->cctx, sl->z, p->zcap, sl->raw, n, ZSTD_LEVEL);
    if (!ZSTD_isError(zn) && zn < n)
        sl->zn = zn; /* else kept raw: incompressible (an XLSX is already deflated) */
}

static void *pipe_main(void *arg)
{
    tpp_imp_stream *s = arg;
    struct tpp_imp_pipe *p = s->pipe;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        pipe_slot *sl = &p->ring[p->w % RING];
        while (!p->stop && sl->full)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        produce(s, p, sl); /* the slot is the worker's until it is marked full */
        pthread_mutex_lock(&p->mu);
        sl->full = true;
        p->w++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (sl->eof)
            break;
    }
    return NULL;
}

static void pipe_free(struct tpp_imp_pipe *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < RING; i++) {
        free(p->ring[i].raw);
        free(p->ring[i].z);
    }
    ZSTD_freeCCtx(p->cctx);
    free(p);
}

/* Stop the worker (it may be blocked on a full ring) and wait for it. */
static void pipe_stop(tpp_imp_stream *s)
{
    struct tpp_imp_pipe *p = s->pipe;
    if (p == NULL || !p->threaded)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->worker, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    p->threaded = false;
}

static bool pipe_start(tpp_imp_stream *s)
{
    struct tpp_imp_pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return false;
    p->zcap = ZSTD_compressBound(TPP_STREAM_CHUNK);
    p->cctx = ZSTD_createCCtx();
    bool ok = p->cctx != NULL;
    for (int i = 0; ok && i < RING; i++) {
        p->ring[i].raw = malloc(TPP_STREAM_CHUNK);
        p->ring[i].z = malloc(p->zcap);
        ok = p->ring[i].raw != NULL && p->ring[i].z != NULL;
    }
    if (!ok) {
        pipe_free(p);
        return false;
    }
    s->pipe = p;
    /* Without a thread (none could be started) the reader fills each slot itself. */
    if (pthread_mutex_init(&p->mu, NULL) == 0) {
        if (pthread_cond_init(&p->cv, NULL) == 0) {
            p->threaded = pthread_create(&p->worker, NULL, pipe_main, s) == 0;
            if (!p->threaded)
                pthread_cond_destroy(&p->cv);
        }
        if (!p->threaded)
            pthread_mutex_destroy(&p->mu);
    }
    return true;
}

/* Take the next chunk: wait for it, check it, store it. NULL at the end or on a failure. */
static pipe_slot *pipe_take(tpp_imp_stream *s)
{
    struct tpp_imp_pipe *p = s->pipe;
    pipe_slot *sl = &p->ring[p->r % RING];
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        while (!sl->full)
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    } else {
        produce(s, p, sl);
    }
    if (sl->sys_errno != 0) {
        s->sys_errno = sl->sys_errno;
        s->failed = true;
        return NULL;
    }
    if (sl->n == 0) {
        s->eof = true;
        return NULL;
    }
    /* the file grew since it was hashed: the copy would not match the hash */
    if (s->offset + sl->n > s->size) {
        s->failed = true;
        return NULL;
    }
    sqlite3_bind_int64(s->store, 1, s->seq++);
    if (sl->zn > 0)
        sqlite3_bind_blob(s->store, 2, sl->z, (int)sl->zn, SQLITE_STATIC);
    else
        sqlite3_bind_blob(s->store, 2, sl->raw, (int)sl->n, SQLITE_STATIC);
    sqlite3_bind_int64(s->store, 3, s->file_id);
    sqlite3_bind_int(s->store, 4, sl->zn > 0 ? 1 : 0);
    sqlite3_bind_int64(s->store, 5, (sqlite3_int64)sl->n);
    int step = sqlite3_step(s->store);
    if (step != SQLITE_DONE) {
        s->store_failed = true; /* before the reset, which would change the message */
        s->failed = true;
        return NULL;
    }
    sqlite3_reset(s->store);
    sqlite3_clear_bindings(s->store);
    s->offset += sl->n;
    p->taken = true;
    p->consumed = 0;
    return sl;
}

/* Give the current chunk back to the worker. */
static void pipe_release(struct tpp_imp_pipe *p)
{
    pipe_slot *sl = &p->ring[p->r % RING];
    p->taken = false;
    p->r++;
    if (!p->threaded) {
        sl->full = false;
        return;
    }
    pthread_mutex_lock(&p->mu);
    sl->full = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static long pipe_read(tpp_imp_stream *s, unsigned char *buf, size_t cap)
{
    if (s->pipe == NULL && !pipe_start(s)) {
        s->failed = true;
        s->sys_errno = ENOMEM;
        return -1;
    }
    struct tpp_imp_pipe *p = s->pipe;
    if (s->eof)
        return 0;
    if (!p->taken && pipe_take(s) == NULL)
        return s->failed ? -1 : 0;
    pipe_slot *sl = &p->ring[p->r % RING];
    size_t n = sl->n - p->consumed < cap ? sl->n - p->consumed : cap;
    memcpy(buf, sl->raw + p->consumed, n);
    p->consumed += n;
    if (p->consumed == sl->n)
        pipe_release(p);
    return (long)n;
}

long tpp_imp_stream_read(void *stream, unsigned char *buf, size_t cap)
{
    tpp_imp_stream *s = stream;
    if (s->failed)
        return -1;
    if (s->store != NULL)
        return pipe_read(s, buf, cap);
    size_t n = fread(buf, 1, cap, s->f);
    if (n < cap && ferror(s->f)) {
        s->sys_errno = errno;
        s->failed = true;
        return -1;
    }
    if (n == 0)
        return 0;
    tpp_sha256_update(&s->hash, buf, n);
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
    pipe_stop(s); /* the worker has hashed what it read */
    uint8_t h[TPP_SHA256_BYTES];
    tpp_sha256_final(&s->hash, h);
    tpp_sha256_to_hex(h, out);
}

void tpp_imp_stream_close(tpp_imp_stream *s)
{
    pipe_stop(s);
    pipe_free(s->pipe);
    s->pipe = NULL;
    tpp_sha256_discard(&s->hash); /* when the digest was never taken */
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

static int write_out(void *user, const void *data, size_t len)
{
    return fwrite(data, 1, len, user) == len ? 0 : -1;
}

tpp_status tpp_import_raw(struct tpp_store *st, long long file_id, FILE *out, tpp_error *err)
{
    bool found = false;
    tpp_status rc = tpp_store_file_bytes(st, file_id, write_out, out, &found, err);
    if (rc == TPP_ERR_IO)
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write the stored file: %s",
                      strerror(errno));
    return rc;
}
