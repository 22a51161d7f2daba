/* Reading an input file in chunks: every byte read is hashed and, when a statement is attached,
 * stored as a chunk of the workspace's copy of the file. Private header of the importers. */
#ifndef TPP_IMPORTERS_STREAM_H
#define TPP_IMPORTERS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "engine/sha256.h"
#include "tpp/error.h"

#define TPP_STREAM_CHUNK (1u << 20)

/* The statement a stream stores chunks with: ?1 seq, ?2 data, ?3 file_id, ?4 codec, ?5 size
 * (schema 10: codec 1 = data is a zstd frame of the chunk's `size` raw bytes). */
#define TPP_IMP_CHUNK_INSERT \
    "INSERT INTO input_chunk(file_id, seq, data, codec, size) VALUES (?3, ?1, ?2, ?4, ?5)"

struct tpp_imp_pipe;

typedef struct tpp_imp_stream {
    FILE *f;
    const char *path;
    tpp_sha256 hash;
    sqlite3_stmt *store; /* borrowed; may be NULL: INSERT of (seq, data) of each chunk read */
    int64_t seq;
    int64_t file_id;
    bool store_failed; /* the chunk could not be stored (a database problem) */
    uint64_t offset;   /* bytes read so far */
    uint64_t size;     /* expected size, when store is attached */
    int sys_errno;     /* of a failed read */
    bool failed;
    /* With a store attached, a second thread reads, hashes and compresses the chunks ahead of
     * the parser (importers/stream.c); NULL until the first read, or when it could not start. */
    struct tpp_imp_pipe *pipe;
    bool eof;
} tpp_imp_stream;

tpp_status tpp_imp_stream_open(tpp_imp_stream *s, const char *path, tpp_error *err);
/** Read up to cap bytes (0 at the end). Returns -1 on a read or store failure (s->failed). */
long tpp_imp_stream_read(void *stream, unsigned char *buf, size_t cap);
/** Read the rest of the file (hashing and copying it). */
tpp_status tpp_imp_stream_drain(tpp_imp_stream *s, tpp_error *err);
/** Hex SHA-256 of everything read (once the file has been read to its end, or stopped). */
void tpp_imp_stream_hex(tpp_imp_stream *s, char out[65]);
void tpp_imp_stream_close(tpp_imp_stream *s);

/** SHA-256 and size of a file, read in chunks. */
tpp_status tpp_imp_hash_file(const char *path, char out[65], uint64_t *size, tpp_error *err);

#endif /* TPP_IMPORTERS_STREAM_H */
