/* A zip archive written from members deflated in pieces. Private header.
 *
 * Each piece of a member is a raw deflate stream of its own, ended by a sync flush (an empty
 * stored block, byte-aligned, not final) unless it is the member's last: pieces can then be
 * compressed by any thread in any order and are simply written one after the other, and the
 * CRC-32s of the pieces combine into the member's (the construction pigz uses). The bytes depend
 * only on where the pieces are cut and on the level, never on the number of threads. */
#ifndef TPP_EXPORTERS_ZIP_H
#define TPP_EXPORTERS_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpp/error.h"

typedef struct tpp_zpiece {
    unsigned char *data; /* deflated bytes (malloc) */
    size_t len;
    uint32_t crc;        /* CRC-32 of the raw bytes */
    uint64_t raw;        /* their length */
} tpp_zpiece;

/** Deflate the concatenation of n byte ranges into *p at level (1..9); last ends the member.
 *  False when out of memory (p is then empty). */
bool tpp_zpiece_deflate(tpp_zpiece *p, const void *const *part, const size_t *part_len, size_t n,
                        bool last, int level);
void tpp_zpiece_free(tpp_zpiece *p);

typedef struct tpp_zmember {
    const char *name; /* ASCII path inside the archive */
    const tpp_zpiece *piece;
    size_t n_pieces;  /* at least one; the last was deflated with last = true */
} tpp_zmember;

/** Write the members, in order, as the zip archive path (created or truncated). Every member
 *  carries the same DOS date; archives over 4 GiB or 65,535 members (zip64) are refused. */
tpp_status tpp_zip_write(const char *path, const tpp_zmember *m, size_t n, uint16_t dos_date,
                         tpp_error *err);

#endif /* TPP_EXPORTERS_ZIP_H */
