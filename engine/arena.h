/* A bump allocator for data that lives as long as one batch. Not thread-safe. Private header. */
#ifndef TPP_ENGINE_ARENA_H
#define TPP_ENGINE_ARENA_H

#include <stddef.h>

typedef struct tpp_arena tpp_arena;

tpp_arena *tpp_arena_new(size_t block_size); /* NULL on ENOMEM */
void *tpp_arena_alloc(tpp_arena *a, size_t size, size_t align);
char *tpp_arena_strndup(tpp_arena *a, const char *s, size_t len);
char *tpp_arena_strdup(tpp_arena *a, const char *s); /* NULL s gives "" */
void tpp_arena_free(tpp_arena *a);                   /* NULL-safe */

#endif /* TPP_ENGINE_ARENA_H */
