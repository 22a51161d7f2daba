/* Small foundation helpers: whole-file I/O, atomic writes, SHA-256. Private header. */
#ifndef TPP_ENGINE_UTIL_H
#define TPP_ENGINE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/sha256.h"
#include "tpp/error.h"

/** Refuse what is not a file to read: a directory or a device (which may never end). */
tpp_status tpp_file_check_kind(FILE *f, const char *path, tpp_error *err);
/** Read a whole file; *data is NUL-terminated, caller frees with free(). */
tpp_status tpp_file_read(const char *path, char **data, size_t *len, tpp_error *err);
/** Write via "path.tmp-PID", fsync, rename: readers never see a half file. */
tpp_status tpp_file_write_atomic(const char *path, const void *data, size_t len, tpp_error *err);
/** Rename tmp over path after fsync of tmp (for writers that produce their own tmp file), then
 *  fsync the directory, so that the new name survives a power cut. */
tpp_status tpp_file_commit(const char *tmp, const char *path, tpp_error *err);
/** mkdir -p */
tpp_status tpp_mkdirs(const char *path, tpp_error *err);
/** Remove "<name>.tmp-<pid>" files a killed writer left in dir, for each of names, when pid is
 *  no running process (engine/stale_tmp.c). *removed: how many. */
tpp_status tpp_remove_stale_temps(const char *dir, const char *const *names, size_t n_names,
                                  size_t *removed, tpp_error *err);

/** Hex SHA-256 of a buffer into out (65 bytes with the NUL). */
void tpp_sha256_hex(const void *data, size_t len, char out[65]);
/** Hex SHA-256 of a file, read in 64 KiB pieces (a national XLSX is never in memory whole);
 *  *bytes: its size. */
tpp_status tpp_sha256_file(const char *path, char out[65], uint64_t *bytes, tpp_error *err);

/** A growable string buffer (git strbuf). */
typedef struct tpp_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom; /* set once an append failed; later appends do nothing */
} tpp_buf;

void tpp_buf_append(tpp_buf *b, const char *s, size_t n);
void tpp_buf_puts(tpp_buf *b, const char *s);
void tpp_buf_printf(tpp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tpp_buf_release(tpp_buf *b);

#endif /* TPP_ENGINE_UTIL_H */
