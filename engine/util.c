/* Whole-file I/O, atomic writes, SHA-256 (engine/sha256.c), a string buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sha256.h"

#include "engine/util.h"

tpp_status tpp_file_check_kind(FILE *f, const char *path, tpp_error *err)
{
    /* A device (/dev/zero, /dev/urandom) never ends and a directory has no text: refuse them
     * before reading rather than fill memory or read forever. Pipes are fine (they end). */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 &&
        (S_ISDIR(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)))
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s': %s", path,
                        S_ISDIR(sb.st_mode) ? "it is a directory" : "it is a device, not a file");
    return TPP_OK;
}

tpp_status tpp_file_read(const char *path, char **data, size_t *len, tpp_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot open '%s': %s", path, strerror(e));
        if (err)
            err->sys_errno = e;
        return TPP_ERR_IO;
    }
    tpp_status kind_rc = tpp_file_check_kind(f, path, err);
    if (kind_rc != TPP_OK) {
        fclose(f);
        return kind_rc;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int read_failed = ferror(f);
    fclose(f);
    if (buf == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory reading '%s'", path);
    if (read_failed) {
        free(buf);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s'", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return TPP_OK;
}

tpp_status tpp_file_commit(const char *tmp, const char *path, tpp_error *err)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot sync '%s': %s", tmp, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot rename '%s' to '%s': %s", tmp, path,
                        strerror(e));
    }
    /* The rename is an entry in the directory: until the directory is synced, a power cut can
     * lose it (the file's own fsync does not cover it). */
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || fsync(dfd) != 0) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot sync directory '%s': %s", dir,
                        strerror(e));
    }
    close(dfd);
    return TPP_OK;
}

tpp_status tpp_file_write_atomic(const char *path, const void *data, size_t len, tpp_error *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s': %s", tmp, strerror(errno));
    size_t put = fwrite(data, 1, len, f);
    int bad = put != len || fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        unlink(tmp);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", tmp);
    }
    return tpp_file_commit(tmp, path, err);
}

tpp_status tpp_mkdirs(const char *path, tpp_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create directory '%s': %s", buf,
                            strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create directory '%s': %s", buf,
                        strerror(errno));
    return TPP_OK;
}

void tpp_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t h[TPP_SHA256_BYTES];
    tpp_sha256_of(data, len, h);
    tpp_sha256_to_hex(h, out);
}

tpp_status tpp_sha256_file(const char *path, char out[65], uint64_t *bytes, tpp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot open '%s': %s", path, strerror(errno));
    tpp_sha256 st;
    tpp_sha256_init(&st);
    unsigned char buf[1 << 16];
    size_t got;
    *bytes = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        tpp_sha256_update(&st, buf, got);
        *bytes += got;
    }
    int bad = ferror(f);
    fclose(f);
    uint8_t h[TPP_SHA256_BYTES];
    tpp_sha256_final(&st, h); /* also on error: frees the context */
    if (bad)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read '%s'", path);
    tpp_sha256_to_hex(h, out);
    return TPP_OK;
}

static int grow(tpp_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void tpp_buf_append(tpp_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tpp_buf_puts(tpp_buf *b, const char *s)
{
    tpp_buf_append(b, s, strlen(s));
}

void tpp_buf_printf(tpp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void tpp_buf_release(tpp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
