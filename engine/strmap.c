/* Open addressing with linear probing over an index table; keys live in large blocks so that a
 * file of millions of rows costs a few allocations, not one per key. */
#include <stdlib.h>
#include <string.h>

#include "engine/strmap.h"

#define BLOCK_SIZE 65536

struct tpp_strmap_block {
    struct tpp_strmap_block *next;
    size_t used;
    size_t size;
    char data[];
};

void tpp_strmap_init(tpp_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void tpp_strmap_release(tpp_strmap *m)
{
    if (m == NULL)
        return;
    free(m->entries);
    free(m->slots);
    while (m->blocks != NULL) {
        struct tpp_strmap_block *next = m->blocks->next;
        free(m->blocks);
        m->blocks = next;
    }
    memset(m, 0, sizeof *m);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    /* FNV's low bits, which pick the slot, depend only on the keys' low bits: NIPs and PINs
     * (digits that differ in a few places) then crowd into runs of slots and every look-up
     * probes a long way. Mix the high bits down (the murmur3 finalizer). */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

ptrdiff_t tpp_strmap_find(const tpp_strmap *m, const char *key, size_t len)
{
    if (m->n_slots == 0)
        return -1;
    uint64_t h = hash_bytes(key, len);
    size_t mask = m->n_slots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (s == 0)
            return -1;
        const tpp_strmap_entry *e = &m->entries[s - 1];
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return (ptrdiff_t)(s - 1);
    }
}

static bool rehash(tpp_strmap *m, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (slots == NULL)
        return false;
    size_t mask = n_slots - 1;
    for (size_t e = 0; e < m->n; e++) {
        size_t i = (size_t)m->entries[e].hash & mask;
        while (slots[i] != 0)
            i = (i + 1) & mask;
        slots[i] = (uint32_t)(e + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    return true;
}

static char *store_key(tpp_strmap *m, const char *key, size_t len)
{
    struct tpp_strmap_block *b = m->blocks;
    if (b == NULL || b->size - b->used < len + 1) {
        size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
        b = malloc(sizeof *b + size);
        if (b == NULL)
            return NULL;
        b->next = m->blocks;
        b->used = 0;
        b->size = size;
        m->blocks = b;
    }
    char *p = b->data + b->used;
    memcpy(p, key, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

ptrdiff_t tpp_strmap_put(tpp_strmap *m, const char *key, size_t len, int64_t value, bool *found)
{
    ptrdiff_t at = tpp_strmap_find(m, key, len);
    *found = at >= 0;
    if (at >= 0)
        return at;
    if (m->n >= UINT32_MAX - 1)
        return -1;
    /* keep the load factor at or under one half */
    if ((m->n + 1) * 2 > m->n_slots && !rehash(m, m->n_slots ? m->n_slots * 2 : 64))
        return -1;
    if (m->n == m->entries_cap) {
        size_t cap = m->entries_cap ? m->entries_cap * 2 : 32;
        tpp_strmap_entry *entries = realloc(m->entries, cap * sizeof *entries);
        if (entries == NULL)
            return -1;
        m->entries = entries;
        m->entries_cap = cap;
    }
    char *copy = store_key(m, key, len);
    if (copy == NULL)
        return -1;
    uint64_t h = hash_bytes(key, len);
    m->entries[m->n] = (tpp_strmap_entry){copy, len, h, value};
    size_t mask = m->n_slots - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i] != 0)
        i = (i + 1) & mask;
    m->slots[i] = (uint32_t)(m->n + 1);
    return (ptrdiff_t)m->n++;
}
