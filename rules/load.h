/* Private to rules/: a bump allocator, a YAML tree with source positions, and a buffer of
 * diagnostics. load.c walks the tree against the pack schema; tree.c builds it from libyaml
 * events. */
#ifndef TPP_RULES_LOAD_H
#define TPP_RULES_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "tpp/error.h"

/* Limits enforced by the loader itself (libyaml 0.2.5 has no nesting limit, see STYLE B15). */
#define TPP_RL_MAX_SIZE  ((size_t)4 << 20) /* bytes of pack text */
#define TPP_RL_MAX_DEPTH 32                /* nested collections */
#define TPP_RL_MAX_NODES 100000            /* a real pack has a few hundred */

/* ---- arena: many small allocations, one free ---- */

typedef struct tpp_rl_arena tpp_rl_arena;

tpp_rl_arena *tpp_rl_arena_new(void);
void tpp_rl_arena_free(tpp_rl_arena *a); /* NULL-safe */
/** Zeroed memory aligned for any type; NULL when out of memory. */
void *tpp_rl_arena_alloc(tpp_rl_arena *a, size_t size);
/** NUL-terminated copy of s[0..len). */
char *tpp_rl_arena_strndup(tpp_rl_arena *a, const char *s, size_t len);
char *tpp_rl_arena_printf(tpp_rl_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- diagnostics buffer: sorted by position before they reach tpp_diags ---- */

typedef struct tpp_rl_diag {
    unsigned line, col;
    size_t seq; /* order of reporting, keeps the sort stable */
    char *msg;  /* in the arena */
} tpp_rl_diag;

typedef struct tpp_rl_diags {
    tpp_rl_arena *arena; /* borrowed: holds the messages */
    tpp_rl_diag *items;  /* malloc'd */
    size_t n, cap;
    bool oom;
} tpp_rl_diags;

void tpp_rl_diag_add(tpp_rl_diags *d, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Sort by position and hand every message to out (NULL-safe) with path as the file. */
void tpp_rl_diags_flush(tpp_rl_diags *d, const char *path, tpp_diags *out);
void tpp_rl_diags_release(tpp_rl_diags *d);

/* ---- YAML tree ---- */

typedef enum tpp_rl_kind {
    TPP_RL_SCALAR,
    TPP_RL_SEQ,
    TPP_RL_MAP,
    TPP_RL_BAD /* stands in for a rejected alias; already reported, never reported again */
} tpp_rl_kind;

typedef struct tpp_rl_node {
    tpp_rl_kind kind;
    bool quoted;        /* scalar written quoted or as a block: a string, never a number */
    unsigned line, col; /* 1-based */
    const char *text;   /* scalar: NUL-terminated copy */
    size_t len;
    size_t n;                                /* sequence: items; mapping: key/value pairs */
    struct tpp_rl_node *first, *last, *next; /* children; a mapping alternates key, value */
} tpp_rl_node;

/**
 * Parse text into a tree in arena. Syntax errors, anchors, aliases, tags, several documents and
 * the limits above are reported to d. *root is the document's root node, or NULL when the text
 * holds no document or parsing could not finish (then an error has been reported).
 * Returns TPP_OK or TPP_ERR_NOMEM.
 */
tpp_status tpp_rl_tree_parse(const char *text, size_t len, tpp_rl_arena *arena, tpp_rl_diags *d,
                             tpp_rl_node **root);

/** Plain `~`, `null`, `Null`, `NULL` or nothing at all. */
bool tpp_rl_is_null(const tpp_rl_node *n);

/* ---- static checks (check.c) ---- */

struct tpp_band;
struct tpp_ruleset;
/** "[31, 61)" or "[91, inf)". */
void tpp_rl_band_text(const struct tpp_band *b, char *buf, size_t size);
/** The errors of a loaded pack that need the whole pack: band order, overlaps under the hit
 *  policy, unreachable rows, gaps, cut tables not monotone in minutes, TER rows not contiguous,
 *  criteria for classes without a basic TPP. Each at the rule's position. */
void tpp_rl_check(const struct tpp_ruleset *rs, tpp_rl_diags *d);

#endif /* TPP_RULES_LOAD_H */
