/* libyaml events -> a small tree with a 1-based position on every node.
 *
 * The event API rather than yaml_parser_load(): the document loader resolves aliases silently
 * (so an alias bomb or a shared node could not be told apart from plain data) and it has no
 * nesting limit. Here every event is seen once, anchors and aliases are refused where they
 * appear, and depth and node count are bounded before any memory is spent on them. */
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "rules/load.h"

/* ---- arena ---- */

typedef struct block {
    struct block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
} block;

struct tpp_rl_arena {
    block *head;
};

#define BLOCK_SIZE ((size_t)16384)

tpp_rl_arena *tpp_rl_arena_new(void)
{
    return calloc(1, sizeof(tpp_rl_arena));
}

void tpp_rl_arena_free(tpp_rl_arena *a)
{
    if (a == NULL)
        return;
    for (block *b = a->head, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void *tpp_rl_arena_alloc(tpp_rl_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    block *b = a->head;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        b = malloc(sizeof(block) + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        /* A large one-off block goes behind the head so the head's free space is not lost. */
        if (a->head != NULL && cap > BLOCK_SIZE) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *tpp_rl_arena_strndup(tpp_rl_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = tpp_rl_arena_alloc(a, len + 1);
    if (p != NULL) {
        if (len > 0)
            memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *tpp_rl_arena_printf(tpp_rl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = tpp_rl_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- diagnostics ---- */

void tpp_rl_diag_add(tpp_rl_diags *d, unsigned line, unsigned col, const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        tpp_rl_diag *items = realloc(d->items, cap * sizeof *items);
        if (items == NULL) {
            d->oom = true;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    char buf[TPP_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *msg = tpp_rl_arena_strndup(d->arena, buf, strlen(buf));
    if (msg == NULL) {
        d->oom = true;
        return;
    }
    d->items[d->n] = (tpp_rl_diag){.line = line, .col = col, .seq = d->n, .msg = msg};
    d->n++;
}

static int diag_cmp(const void *pa, const void *pb)
{
    const tpp_rl_diag *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void tpp_rl_diags_flush(tpp_rl_diags *d, const char *path, tpp_diags *out)
{
    /* The checks run section by section, not in file order: sort so that the user reads the
     * messages top to bottom like a compiler's. */
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, diag_cmp);
    for (size_t i = 0; i < d->n; i++) {
        tpp_srcloc at = {.path = path, .line = d->items[i].line, .col = d->items[i].col};
        tpp_diag_error(out, at, "%s", d->items[i].msg);
    }
}

void tpp_rl_diags_release(tpp_rl_diags *d)
{
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}

/* ---- tree ---- */

bool tpp_rl_is_null(const tpp_rl_node *n)
{
    if (n == NULL || n->kind != TPP_RL_SCALAR || n->quoted)
        return false;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(n->text, nulls[i]) == 0)
            return true;
    return false;
}

typedef struct builder {
    tpp_rl_arena *arena;
    tpp_rl_diags *d;
    tpp_rl_node *root;
    tpp_rl_node *stack[TPP_RL_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    bool seen_doc;
} builder;

static unsigned pos(size_t zero_based)
{
    /* libyaml marks are 0-based (STYLE B15.1); ours are 1-based. */
    return zero_based >= UINT32_MAX ? UINT32_MAX : (unsigned)zero_based + 1;
}

static const char *quote_text(const yaml_char_t *s)
{
    return s == NULL ? "" : (const char *)s;
}

/* Anchors are only useful together with aliases, which we refuse; tags would change a
 * scalar's type behind the schema's back. Both are reported where they are written. */
static void check_props(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                        const yaml_char_t *tag, bool implicit_tag)
{
    unsigned line = pos(ev->start_mark.line), col = pos(ev->start_mark.column);
    if (anchor != NULL)
        tpp_rl_diag_add(b->d, line, col,
                        "anchors are not allowed in a rule pack ('&%.40s'); write the value out",
                        quote_text(anchor));
    if (tag != NULL && !implicit_tag)
        tpp_rl_diag_add(b->d, line, col, "tags are not allowed in a rule pack ('%.40s')",
                        quote_text(tag));
}

static tpp_rl_node *new_node(builder *b, tpp_rl_kind kind, const yaml_event_t *ev)
{
    tpp_rl_node *n = tpp_rl_arena_alloc(b->arena, sizeof *n);
    if (n == NULL)
        return NULL;
    n->kind = kind;
    n->line = pos(ev->start_mark.line);
    n->col = pos(ev->start_mark.column);
    n->text = "";
    return n;
}

static void attach(builder *b, tpp_rl_node *n)
{
    if (b->depth == 0) {
        b->root = n;
        return;
    }
    tpp_rl_node *parent = b->stack[b->depth - 1];
    if (parent->last == NULL)
        parent->first = n;
    else
        parent->last->next = n;
    parent->last = n;
    parent->n++;
}

enum step { STEP_GO, STEP_DONE, STEP_STOP, STEP_NOMEM };

static enum step on_event(builder *b, const yaml_event_t *ev)
{
    unsigned line = pos(ev->start_mark.line), col = pos(ev->start_mark.column);
    tpp_rl_node *n = NULL;

    switch (ev->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return STEP_GO;
    case YAML_STREAM_END_EVENT:
        return STEP_DONE;
    case YAML_DOCUMENT_START_EVENT:
        if (b->seen_doc) {
            tpp_rl_diag_add(b->d, line, col, "a rule pack must be a single yaml document");
            return STEP_STOP;
        }
        b->seen_doc = true;
        return STEP_GO;
    case YAML_ALIAS_EVENT:
        tpp_rl_diag_add(b->d, line, col,
                        "aliases are not allowed in a rule pack ('*%.40s'); write the value out",
                        quote_text(ev->data.alias.anchor));
        n = new_node(b, TPP_RL_BAD, ev);
        break;
    case YAML_SCALAR_EVENT:
        check_props(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag,
                    ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit);
        n = new_node(b, TPP_RL_SCALAR, ev);
        if (n != NULL) {
            n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            n->len = ev->data.scalar.length;
            n->text = tpp_rl_arena_strndup(b->arena, (const char *)ev->data.scalar.value, n->len);
            if (n->text == NULL)
                return STEP_NOMEM;
        }
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        if (b->depth == TPP_RL_MAX_DEPTH) {
            tpp_rl_diag_add(b->d, line, col, "yaml nested deeper than %d levels", TPP_RL_MAX_DEPTH);
            return STEP_STOP;
        }
        if (seq)
            check_props(b, ev, ev->data.sequence_start.anchor, ev->data.sequence_start.tag,
                        ev->data.sequence_start.implicit);
        else
            check_props(b, ev, ev->data.mapping_start.anchor, ev->data.mapping_start.tag,
                        ev->data.mapping_start.implicit);
        n = new_node(b, seq ? TPP_RL_SEQ : TPP_RL_MAP, ev);
        if (n == NULL)
            return STEP_NOMEM;
        attach(b, n);
        b->stack[b->depth++] = n;
        b->nodes++;
        goto counted;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        return STEP_GO;
    }
    if (n == NULL)
        return STEP_NOMEM;
    attach(b, n);
    b->nodes++;
counted:
    if (b->nodes > TPP_RL_MAX_NODES) {
        tpp_rl_diag_add(b->d, line, col, "a rule pack may hold at most %d yaml nodes",
                        TPP_RL_MAX_NODES);
        return STEP_STOP;
    }
    return STEP_GO;
}

static void syntax_error(builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";
    unsigned line = pos(p->problem_mark.line), col = pos(p->problem_mark.column);
    if (p->context != NULL)
        tpp_rl_diag_add(b->d, line, col, "invalid yaml: %s %s at line %u column %u", problem,
                        p->context, pos(p->context_mark.line), pos(p->context_mark.column));
    else
        tpp_rl_diag_add(b->d, line, col, "invalid yaml: %s", problem);
}

tpp_status tpp_rl_tree_parse(const char *text, size_t len, tpp_rl_arena *arena, tpp_rl_diags *d,
                             tpp_rl_node **root)
{
    *root = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return TPP_ERR_NOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    builder b = {.arena = arena, .d = d};
    tpp_status rc = TPP_OK;
    bool complete = false;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_event_delete(&ev); /* a failed parse leaves ev empty; delete is a no-op */
            if (parser.error == YAML_MEMORY_ERROR)
                rc = TPP_ERR_NOMEM;
            else
                syntax_error(&b, &parser);
            break;
        }
        enum step s = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (s == STEP_NOMEM) {
            rc = TPP_ERR_NOMEM;
            break;
        }
        if (s == STEP_STOP)
            break;
        if (s == STEP_DONE) {
            complete = true;
            break;
        }
    }
    yaml_parser_delete(&parser);
    if (complete && rc == TPP_OK)
        *root = b.root;
    return rc;
}
