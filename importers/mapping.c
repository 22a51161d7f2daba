/* Mapping files: parsed with the rule loader's YAML tree (positions, no aliases, limits). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/util.h"
#include "importers/mapping.h"
#include "rules/load.h"

typedef struct loader {
    tpp_mapping *m;
    tpp_rl_arena *arena;
    tpp_rl_diags d;
} loader;

static bool is_scalar(loader *l, const tpp_rl_node *n, const char *what)
{
    if (n->kind == TPP_RL_SCALAR)
        return true;
    if (n->kind != TPP_RL_BAD)
        tpp_rl_diag_add(&l->d, n->line, n->col, "%s must be a text value", what);
    return false;
}

static bool is_map(loader *l, const tpp_rl_node *n, const char *what)
{
    if (n->kind == TPP_RL_MAP)
        return true;
    if (n->kind != TPP_RL_BAD)
        tpp_rl_diag_add(&l->d, n->line, n->col, "%s must be a mapping (key: value)", what);
    return false;
}

/* a scalar or a sequence of scalars -> array of strings */
static const char **string_list(loader *l, const tpp_rl_node *n, size_t *count, const char *what)
{
    *count = 0;
    if (n->kind == TPP_RL_SCALAR) {
        const char **v = tpp_rl_arena_alloc(l->arena, sizeof *v);
        if (v != NULL) {
            v[0] = n->text;
            *count = 1;
        }
        return v;
    }
    if (n->kind != TPP_RL_SEQ) {
        if (n->kind != TPP_RL_BAD)
            tpp_rl_diag_add(&l->d, n->line, n->col, "%s must be a list of text values", what);
        return NULL;
    }
    const char **v = tpp_rl_arena_alloc(l->arena, (n->n + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    for (const tpp_rl_node *i = n->first; i != NULL; i = i->next)
        if (is_scalar(l, i, what))
            v[(*count)++] = i->text;
    return v;
}

static tpp_map_pair *pairs(loader *l, const tpp_rl_node *n, size_t *count, const char *what)
{
    *count = 0;
    if (!is_map(l, n, what))
        return NULL;
    tpp_map_pair *p = tpp_rl_arena_alloc(l->arena, (n->n + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    for (const tpp_rl_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next) {
        const tpp_rl_node *v = k->next;
        if (!is_scalar(l, k, what) || !is_scalar(l, v, what))
            continue;
        for (size_t i = 0; i < *count; i++)
            if (strcasecmp(p[i].from, k->text) == 0)
                tpp_rl_diag_add(&l->d, k->line, k->col, "'%s' is given twice in %s", k->text, what);
        p[(*count)++] = (tpp_map_pair){k->text, tpp_rl_is_null(v) ? "" : v->text};
    }
    return p;
}

static void load_root(loader *l, const tpp_rl_node *root)
{
    tpp_mapping *m = l->m;
    m->header_rows = 20;
    if (!is_map(l, root, "a mapping file"))
        return;
    for (const tpp_rl_node *k = root->first; k != NULL && k->next != NULL; k = k->next->next) {
        const tpp_rl_node *v = k->next;
        if (!is_scalar(l, k, "a key"))
            continue;
        const char *key = k->text;
        if (strcmp(key, "kind") == 0) {
            if (is_scalar(l, v, "kind"))
                m->kind = v->text;
        } else if (strcmp(key, "sheet") == 0) {
            if (is_scalar(l, v, "sheet"))
                m->sheet = v->text;
        } else if (strcmp(key, "header_rows") == 0) {
            char *end = NULL;
            long n = is_scalar(l, v, "header_rows") ? strtol(v->text, &end, 10) : 0;
            if (end == NULL || *end != '\0' || n < 1 || n > 1000)
                tpp_rl_diag_add(&l->d, v->line, v->col,
                                "header_rows must be a whole number from 1 to 1000");
            else
                m->header_rows = (unsigned)n;
        } else if (strcmp(key, "columns") == 0) {
            m->renames = pairs(l, v, &m->n_renames, "columns");
        } else if (strcmp(key, "ignore") == 0) {
            m->ignore = string_list(l, v, &m->n_ignore, "ignore");
        } else if (strcmp(key, "ignore_other") == 0) {
            if (is_scalar(l, v, "ignore_other")) {
                if (strcmp(v->text, "true") == 0)
                    m->ignore_other = true;
                else if (strcmp(v->text, "false") != 0)
                    tpp_rl_diag_add(&l->d, v->line, v->col, "ignore_other must be true or false");
            }
        } else if (strcmp(key, "values") == 0) {
            if (!is_map(l, v, "values"))
                continue;
            m->values = tpp_rl_arena_alloc(l->arena, (v->n + 1) * sizeof *m->values);
            if (m->values == NULL)
                continue;
            for (const tpp_rl_node *c = v->first; c != NULL && c->next != NULL; c = c->next->next) {
                if (!is_scalar(l, c, "a column name"))
                    continue;
                tpp_map_values *mv = &m->values[m->n_values++];
                mv->column = c->text;
                mv->pairs = pairs(l, c->next, &mv->n, "values");
            }
        } else if (strcmp(key, "constants") == 0) {
            m->constants = pairs(l, v, &m->n_constants, "constants");
        } else if (strcmp(key, "skip") == 0) {
            if (!is_map(l, v, "skip"))
                continue;
            m->skips = tpp_rl_arena_alloc(l->arena, (v->n + 1) * sizeof *m->skips);
            if (m->skips == NULL)
                continue;
            for (const tpp_rl_node *c = v->first; c != NULL && c->next != NULL; c = c->next->next) {
                if (!is_scalar(l, c, "a column name"))
                    continue;
                tpp_map_skip *s = &m->skips[m->n_skips++];
                s->column = c->text;
                s->values = string_list(l, c->next, &s->n, "skip");
            }
        } else if (strcmp(key, "latest") == 0) {
            if (!is_map(l, v, "latest"))
                continue;
            for (const tpp_rl_node *c = v->first; c != NULL && c->next != NULL; c = c->next->next) {
                if (!is_scalar(l, c, "a key") || !is_scalar(l, c->next, "latest"))
                    continue;
                if (strcmp(c->text, "key") == 0)
                    m->latest_key = c->next->text;
                else if (strcmp(c->text, "order") == 0)
                    m->latest_order = c->next->text;
                else
                    tpp_rl_diag_add(&l->d, c->line, c->col,
                                    "unknown key '%s' in latest (expected key, order)", c->text);
            }
            if (m->latest_key == NULL || m->latest_order == NULL)
                tpp_rl_diag_add(&l->d, v->line, v->col, "latest needs both key and order");
        } else if (strcmp(key, "join") == 0) {
            if (!is_map(l, v, "join"))
                continue;
            m->join_header_rows = 20;
            for (const tpp_rl_node *c = v->first; c != NULL && c->next != NULL; c = c->next->next) {
                if (!is_scalar(l, c, "a key"))
                    continue;
                const tpp_rl_node *jv = c->next;
                if (strcmp(c->text, "key") == 0 && is_scalar(l, jv, "join key")) {
                    m->join_key = jv->text;
                } else if (strcmp(c->text, "sheet") == 0 && is_scalar(l, jv, "join sheet")) {
                    m->join_sheet = jv->text;
                } else if (strcmp(c->text, "columns") == 0) {
                    m->join_columns = string_list(l, jv, &m->n_join_columns, "join columns");
                } else if (strcmp(c->text, "header_rows") == 0 && is_scalar(l, jv, "header_rows")) {
                    char *end = NULL;
                    long n = strtol(jv->text, &end, 10);
                    if (*end != '\0' || n < 1 || n > 1000)
                        tpp_rl_diag_add(&l->d, jv->line, jv->col,
                                        "header_rows must be a whole number from 1 to 1000");
                    else
                        m->join_header_rows = (unsigned)n;
                } else if (strcmp(c->text, "key") != 0 && strcmp(c->text, "sheet") != 0 &&
                           strcmp(c->text, "header_rows") != 0) {
                    tpp_rl_diag_add(&l->d, c->line, c->col,
                                    "unknown key '%s' in join (expected key, columns, sheet, "
                                    "header_rows)",
                                    c->text);
                }
            }
            if (m->join_key == NULL || m->n_join_columns == 0)
                tpp_rl_diag_add(&l->d, v->line, v->col, "join needs a key and columns");
        } else {
            tpp_rl_diag_add(&l->d, k->line, k->col,
                            "unknown key '%s' (expected kind, sheet, header_rows, columns, "
                            "ignore, ignore_other, values, constants, skip, latest, join)",
                            key);
        }
    }
}

tpp_status tpp_mapping_load(const char *path, tpp_mapping **out, tpp_diags *diags, tpp_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    TPP_TRY(tpp_file_read(path, &text, &len, err));
    loader l = {0};
    l.arena = tpp_rl_arena_new();
    tpp_mapping *m = l.arena ? tpp_rl_arena_alloc(l.arena, sizeof *m) : NULL;
    if (m == NULL) {
        tpp_rl_arena_free(l.arena);
        free(text);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    m->arena = l.arena;
    m->path = tpp_rl_arena_strndup(l.arena, path, strlen(path));
    l.m = m;
    l.d.arena = l.arena;
    tpp_rl_node *root = NULL;
    tpp_status rc = tpp_rl_tree_parse(text, len, l.arena, &l.d, &root);
    free(text);
    if (rc == TPP_OK && root != NULL)
        load_root(&l, root);
    else if (rc == TPP_OK && l.d.n == 0)
        tpp_rl_diag_add(&l.d, 1, 1, "empty mapping file");
    size_t n_errors = l.d.n;
    bool oom = l.d.oom;
    tpp_rl_diags_flush(&l.d, m->path, diags);
    tpp_rl_diags_release(&l.d);
    if (rc == TPP_OK && oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK && n_errors > 0)
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "%zu error%s in mapping file '%s'", n_errors,
                      n_errors == 1 ? "" : "s", path);
    if (rc != TPP_OK) {
        tpp_mapping_free(m);
        return rc;
    }
    *out = m;
    return TPP_OK;
}

void tpp_mapping_free(tpp_mapping *m)
{
    if (m != NULL)
        tpp_rl_arena_free(m->arena);
}

static bool eq(const char *a, const char *s, size_t len)
{
    return strlen(a) == len && strncasecmp(a, s, len) == 0;
}

const char *tpp_mapping_rename(const tpp_mapping *m, const char *source, size_t len)
{
    for (size_t i = 0; m != NULL && i < m->n_renames; i++)
        if (eq(m->renames[i].from, source, len))
            return m->renames[i].to;
    return NULL;
}

bool tpp_mapping_ignored(const tpp_mapping *m, const char *source, size_t len)
{
    if (m == NULL)
        return false;
    for (size_t i = 0; i < m->n_ignore; i++)
        if (eq(m->ignore[i], source, len))
            return true;
    for (size_t i = 0; i < m->n_skips; i++)
        if (eq(m->skips[i].column, source, len))
            return true;
    if (m->latest_order != NULL && eq(m->latest_order, source, len))
        return true;
    if (m->join_key != NULL && eq(m->join_key, source, len))
        return true;
    return false;
}

const char *tpp_mapping_value(const tpp_mapping *m, const char *column, const char *value,
                              size_t len)
{
    for (size_t i = 0; m != NULL && i < m->n_values; i++) {
        if (strcasecmp(m->values[i].column, column) != 0)
            continue;
        for (size_t j = 0; j < m->values[i].n; j++)
            if (eq(m->values[i].pairs[j].from, value, len))
                return m->values[i].pairs[j].to;
    }
    return NULL;
}
