/* A string-keyed hash map: the importers' duplicate detection within a file and look-ups of
 * NIPs and device PINs, the export's units. Entries keep insertion order and are addressed by
 * index. Private header. */
#ifndef TPP_ENGINE_STRMAP_H
#define TPP_ENGINE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tpp_strmap_entry {
    const char *key; /* NUL-terminated copy, owned by the map */
    size_t len;
    uint64_t hash;
    int64_t value;
} tpp_strmap_entry;

typedef struct tpp_strmap {
    tpp_strmap_entry *entries;
    size_t n;
    size_t entries_cap;
    uint32_t *slots;                 /* entry index + 1; 0 = empty */
    size_t n_slots;                  /* a power of two */
    struct tpp_strmap_block *blocks; /* storage of the keys */
} tpp_strmap;

void tpp_strmap_init(tpp_strmap *m);
void tpp_strmap_release(tpp_strmap *m); /* NULL-safe */

/** Index of key, or -1. */
ptrdiff_t tpp_strmap_find(const tpp_strmap *m, const char *key, size_t len);

/**
 * Find key, or add it with `value`. Returns its index and sets *found (true if it was already
 * there, its value unchanged); returns -1 when out of memory.
 */
ptrdiff_t tpp_strmap_put(tpp_strmap *m, const char *key, size_t len, int64_t value, bool *found);

#endif /* TPP_ENGINE_STRMAP_H */
