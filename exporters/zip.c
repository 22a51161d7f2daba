/* The zip container (PKWARE APPNOTE 6.3, the subset every spreadsheet reader takes: deflate,
 * sizes in the local headers, no data descriptors, no zip64) over pieces deflated apart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "exporters/zip.h"

bool tpp_zpiece_deflate(tpp_zpiece *p, const void *const *part, const size_t *part_len, size_t n,
                        bool last, int level)
{
    memset(p, 0, sizeof *p);
    z_stream z;
    memset(&z, 0, sizeof z);
    /* raw deflate (no zlib header): the zip member's data is the bare stream */
    if (deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    uint64_t raw = 0;
    for (size_t i = 0; i < n; i++)
        raw += part_len[i];
    /* deflateBound covers a finished stream; a sync flush adds at most 5 bytes more */
    size_t cap = (size_t)deflateBound(&z, (uLong)raw) + 64;
    unsigned char *out = malloc(cap);
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    bool ok = out != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const unsigned char *src = part[i];
        size_t left = part_len[i];
        if (left > 0) /* crc32_z(crc, NULL, 0) would start over */
            crc = (uint32_t)crc32_z(crc, src, left);
        int flush = Z_NO_FLUSH;
        do {
            /* zlib counts in uInt: feed large parts in slices */
            uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
            bool end = take == left && i + 1 == n;
            flush = end ? (last ? Z_FINISH : Z_SYNC_FLUSH) : Z_NO_FLUSH;
            z.next_in = (Bytef *)(uintptr_t)src;
            z.avail_in = take;
            do {
                if (z.total_out == cap) {
                    unsigned char *b = realloc(out, cap * 2);
                    if (b == NULL) {
                        ok = false;
                        break;
                    }
                    out = b;
                    cap *= 2;
                }
                z.next_out = out + z.total_out;
                z.avail_out = (uInt)(cap - z.total_out > (1u << 30) ? (1u << 30)
                                                                    : cap - z.total_out);
                int rc = deflate(&z, flush);
                if (rc == Z_STREAM_ERROR) {
                    ok = false;
                    break;
                }
            } while (ok && (z.avail_in > 0 || z.avail_out == 0));
            src += take;
            left -= take;
        } while (ok && left > 0);
    }
    if (ok && n == 0) { /* an empty member still needs its one (final) block */
        z.next_out = out;
        z.avail_out = (uInt)cap;
        ok = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH) != Z_STREAM_ERROR;
    }
    size_t len = (size_t)z.total_out;
    deflateEnd(&z);
    if (!ok) {
        free(out);
        return false;
    }
    /* keep what was written, not the bound: a national workbook is hundreds of pieces */
    unsigned char *fit = realloc(out, len ? len : 1);
    p->data = fit != NULL ? fit : out;
    p->len = len;
    p->crc = crc;
    p->raw = raw;
    return true;
}

void tpp_zpiece_free(tpp_zpiece *p)
{
    free(p->data);
    memset(p, 0, sizeof *p);
}

static void le16(unsigned char *b, unsigned v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *b, uint64_t v)
{
    le16(b, (unsigned)(v & 0xffff));
    le16(b + 2, (unsigned)((v >> 16) & 0xffff));
}

/* What the local and the central header share, from "version needed" to the name's length. */
static void common(unsigned char *b, uint16_t dos_date, uint32_t crc, uint64_t clen, uint64_t ulen,
                   size_t name_len)
{
    le16(b + 0, 20); /* version needed: 2.0 (deflate) */
    le16(b + 2, 0);  /* flags */
    le16(b + 4, 8);  /* method: deflate */
    le16(b + 6, 0);  /* time 00:00:00 */
    le16(b + 8, dos_date);
    le32(b + 10, crc);
    le32(b + 14, clen);
    le32(b + 18, ulen);
    le16(b + 22, (unsigned)name_len);
}

#define ZIP32_MAX 0xffffffffu

tpp_status tpp_zip_write(const char *path, const tpp_zmember *m, size_t n, uint16_t dos_date,
                         tpp_error *err)
{
    if (n > 0xffff)
        return tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC,
                        "cannot write '%s': %zu parts (a zip without zip64 holds 65,535)", path, n);
    uint64_t *offset = calloc(n ? n : 1, sizeof *offset);
    uint32_t *crc = calloc(n ? n : 1, sizeof *crc);
    uint64_t *clen = calloc(n ? n : 1, sizeof *clen);
    uint64_t *ulen = calloc(n ? n : 1, sizeof *ulen);
    FILE *f = NULL;
    tpp_status rc = TPP_OK;
    if (offset == NULL || crc == NULL || clen == NULL || ulen == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        crc[i] = m[i].n_pieces ? m[i].piece[0].crc : 0;
        for (size_t k = 0; k < m[i].n_pieces; k++) {
            const tpp_zpiece *p = &m[i].piece[k];
            if (k > 0)
                crc[i] = (uint32_t)crc32_combine64(crc[i], p->crc, (z_off64_t)p->raw);
            clen[i] += p->len;
            ulen[i] += p->raw;
        }
        if (clen[i] > ZIP32_MAX || ulen[i] > ZIP32_MAX || strlen(m[i].name) > 0xffff) {
            rc = tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC,
                          "cannot write '%s': part '%s' is over 4 GiB (zip64 is not written)",
                          path, m[i].name);
            goto done;
        }
    }
    f = fopen(path, "wb");
    if (f == NULL) {
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s': %s", path, strerror(errno));
        goto done;
    }
    uint64_t at = 0;
    unsigned char h[46];
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(m[i].name);
        offset[i] = at;
        le32(h, 0x04034b50);
        common(h + 4, dos_date, crc[i], clen[i], ulen[i], nl);
        le16(h + 28, 0); /* extra field length */
        fwrite(h, 1, 30, f);
        fwrite(m[i].name, 1, nl, f);
        for (size_t k = 0; k < m[i].n_pieces; k++)
            fwrite(m[i].piece[k].data, 1, m[i].piece[k].len, f);
        at += 30 + nl + clen[i];
    }
    uint64_t cd_start = at;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(m[i].name);
        le32(h, 0x02014b50);
        le16(h + 4, 20); /* made by: MS-DOS, 2.0 */
        common(h + 6, dos_date, crc[i], clen[i], ulen[i], nl);
        le16(h + 30, 0); /* extra */
        le16(h + 32, 0); /* comment */
        le16(h + 34, 0); /* disk */
        le16(h + 36, 0); /* internal attributes */
        le32(h + 38, 0); /* external attributes */
        le32(h + 42, offset[i]);
        fwrite(h, 1, 46, f);
        fwrite(m[i].name, 1, nl, f);
        at += 46 + nl;
    }
    if (cd_start > ZIP32_MAX || at > ZIP32_MAX) {
        rc = tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC,
                      "cannot write '%s': the workbook is over 4 GiB (zip64 is not written)", path);
        goto done;
    }
    unsigned char e[22];
    le32(e, 0x06054b50);
    le16(e + 4, 0);
    le16(e + 6, 0);
    le16(e + 8, (unsigned)n);
    le16(e + 10, (unsigned)n);
    le32(e + 12, at - cd_start);
    le32(e + 16, cd_start);
    le16(e + 20, 0);
    fwrite(e, 1, sizeof e, f);
    if (ferror(f))
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s': %s", path, strerror(errno));
done:
    if (f != NULL && fclose(f) != 0 && rc == TPP_OK)
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s': %s", path, strerror(errno));
    if (rc != TPP_OK && f != NULL)
        remove(path);
    free(offset);
    free(crc);
    free(clen);
    free(ulen);
    return rc;
}
