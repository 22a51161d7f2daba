/* Bump allocation in chained blocks; everything is freed at once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"

typedef struct block {
    struct block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} block;

struct tpp_arena {
    block *head;
    size_t block_size;
};

tpp_arena *tpp_arena_new(size_t block_size)
{
    tpp_arena *a = calloc(1, sizeof *a);
    if (a != NULL)
        a->block_size = block_size < 4096 ? 4096 : block_size;
    return a;
}

void *tpp_arena_alloc(tpp_arena *a, size_t size, size_t align)
{
    block *b = a->head;
    if (b != NULL) {
        size_t at = (b->used + align - 1) & ~(align - 1);
        if (at <= b->size && size <= b->size - at) {
            b->used = at + size;
            return b->data + at;
        }
    }
    size_t want = size + align > a->block_size ? size + align : a->block_size;
    b = malloc(sizeof *b + want);
    if (b == NULL)
        return NULL;
    b->size = want;
    b->used = size;
    b->next = a->head;
    a->head = b;
    return b->data;
}

char *tpp_arena_strndup(tpp_arena *a, const char *s, size_t len)
{
    char *p = tpp_arena_alloc(a, len + 1, 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *tpp_arena_strdup(tpp_arena *a, const char *s)
{
    return s == NULL ? tpp_arena_strndup(a, "", 0) : tpp_arena_strndup(a, s, strlen(s));
}

void tpp_arena_free(tpp_arena *a)
{
    if (a == NULL)
        return;
    for (block *b = a->head, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}
