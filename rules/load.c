/* The rule-pack loader: YAML text -> a validated tpp_ruleset.
 *
 * tree.c turns the text into a tree with positions; this file walks that tree against the pack
 * schema (rules/README.md). Every problem is recorded and the walk goes on, so one run of
 * `tpp rules check` shows them all. Numbers are parsed from the scalar text with the exact
 * decimal parsers of engine/money.c: a rate of 2.5 % is 25/10, never a double. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "rules/load.h"
#include "tpp/rules.h"

typedef tpp_rl_node node;

typedef struct loader {
    tpp_rl_arena *tmp;  /* the tree, context strings, messages: freed at the end of the load */
    tpp_rl_arena *keep; /* strings of the ruleset: becomes rs->owner_ */
    tpp_rl_diags d;
    tpp_ruleset *rs;
    bool oom;
} loader;

/* Longest piece of user text quoted back in a message. */
#define QUOTE_MAX   40
#define MAX_MINUTES 1000000 /* far above a month of minutes, far below TPP_BAND_OPEN */

/* ---- reporting ---- */

static void err_at(loader *L, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_at(loader *L, const node *n, const char *fmt, ...)
{
    char buf[TPP_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tpp_rl_diag_add(&L->d, n->line, n->col, "%s", buf);
}

/* " in 'a.b'" or " at the top level": where a key lives, for messages. */
static const char *where(loader *L, const char *ctx)
{
    if (ctx[0] == '\0')
        return " at the top level";
    const char *s = tpp_rl_arena_printf(L->tmp, " in '%s'", ctx);
    if (s == NULL) {
        L->oom = true;
        return "";
    }
    return s;
}

static const char *sub(loader *L, const char *ctx, const char *key)
{
    const char *s = ctx[0] == '\0' ? key : tpp_rl_arena_printf(L->tmp, "%s.%s", ctx, key);
    if (s == NULL) {
        L->oom = true;
        return key;
    }
    return s;
}

static const char *sub_index(loader *L, const char *ctx, size_t i)
{
    const char *s = tpp_rl_arena_printf(L->tmp, "%s[%zu]", ctx, i);
    if (s == NULL) {
        L->oom = true;
        return ctx;
    }
    return s;
}

/* "'percent' must be a decimal number, got 'abc'" and its variants by what was found. */
static void bad_type(loader *L, const node *n, const char *key, const char *want)
{
    switch (n->kind) {
    case TPP_RL_BAD:
        return; /* already reported where it was written */
    case TPP_RL_MAP:
        err_at(L, n, "'%s' must be %s, got a mapping", key, want);
        return;
    case TPP_RL_SEQ:
        err_at(L, n, "'%s' must be %s, got a sequence", key, want);
        return;
    case TPP_RL_SCALAR:
        break;
    }
    if (tpp_rl_is_null(n))
        err_at(L, n, "'%s' must be %s, got nothing (null)", key, want);
    else if (n->quoted)
        err_at(L, n, "'%s' must be %s, got the quoted string '%.*s'", key, want, QUOTE_MAX,
               n->text);
    else
        err_at(L, n, "'%s' must be %s, got '%.*s'", key, want, QUOTE_MAX, n->text);
}

static const char *keep_str(loader *L, const char *s)
{
    const char *p = tpp_rl_arena_strndup(L->keep, s, strlen(s));
    if (p == NULL)
        L->oom = true;
    return p;
}

/* ---- mappings with a fixed set of keys ---- */

#define MAX_KEYS 16

typedef struct mapv {
    const node *map; /* NULL when the value was not a mapping (already reported) */
    const char *ctx;
    const char *const *keys; /* NULL-terminated */
    const node *key[MAX_KEYS];
    const node *val[MAX_KEYS];
} mapv;

static void join_keys(const char *const *keys, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; keys[i] != NULL && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", keys[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/*
 * Check a mapping against its allowed keys: every key a scalar, known and written once.
 * key_name is how the parent calls this mapping (for "'cap' must be a mapping").
 */
static bool map_open(loader *L, const node *n, const char *ctx, const char *key_name,
                     const char *const *keys, mapv *m)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    m->keys = keys;
    if (n == NULL)
        return false;
    if (n->kind != TPP_RL_MAP) {
        if (ctx[0] == '\0')
            err_at(L, n, "a rule pack must be a mapping of sections (pack, besaran, ...)");
        else
            bad_type(L, n, key_name, "a mapping");
        return false;
    }
    m->map = n;
    for (const node *k = n->first; k != NULL && k->next != NULL; k = k->next->next) {
        if (k->kind == TPP_RL_BAD)
            continue;
        if (k->kind != TPP_RL_SCALAR) {
            err_at(L, k, "keys%s must be plain names, not a %s", where(L, ctx),
                   k->kind == TPP_RL_MAP ? "mapping" : "sequence");
            continue;
        }
        size_t i = 0;
        while (keys[i] != NULL && strcmp(keys[i], k->text) != 0)
            i++;
        if (keys[i] == NULL) {
            char expected[256];
            join_keys(keys, expected, sizeof expected);
            err_at(L, k, "unknown key '%.*s'%s (expected one of: %s)", QUOTE_MAX, k->text,
                   where(L, ctx), expected);
        } else if (m->key[i] != NULL) {
            err_at(L, k, "duplicate key '%s'%s (first given at line %u)", keys[i], where(L, ctx),
                   m->key[i]->line);
        } else {
            m->key[i] = k;
            m->val[i] = k->next;
        }
    }
    return true;
}

static const node *get(const mapv *m, const char *key)
{
    for (size_t i = 0; m->keys[i] != NULL; i++)
        if (strcmp(m->keys[i], key) == 0)
            return m->val[i];
    return NULL; /* a key the schema does not list: a bug in this file */
}

/* The value of key, reporting it as missing when required. NULL when absent. */
static const node *field(loader *L, const mapv *m, const char *key, bool required)
{
    const node *v = get(m, key);
    if (v == NULL && required && m->map != NULL)
        err_at(L, m->map, "missing required key '%s'%s", key, where(L, m->ctx));
    return v;
}

/* Absent, or present but rejected already: either way, nothing to check here. */
static bool skip(const node *v)
{
    return v == NULL || v->kind == TPP_RL_BAD;
}

/* ---- scalar values ---- */

/* A non-empty string of any scalar style; copied into the ruleset. */
static bool str_field(loader *L, const mapv *m, const char *key, bool required, const char **out)
{
    const node *v = field(L, m, key, required);
    if (skip(v))
        return false;
    if (v->kind != TPP_RL_SCALAR || tpp_rl_is_null(v)) {
        bad_type(L, v, key, "a string");
        return false;
    }
    if (v->len == 0) {
        err_at(L, v, "'%s' must not be empty", key);
        return false;
    }
    if (strlen(v->text) != v->len) {
        err_at(L, v, "'%s' must not contain NUL characters", key);
        return false;
    }
    *out = keep_str(L, v->text);
    return *out != NULL;
}

/* Numbers must be plain scalars: a quoted "2.5" is a string in YAML, and a pack that quotes a
 * number is more likely a mistake than an intent. */
static bool number_scalar(loader *L, const node *v, const char *key, const char *want)
{
    if (v->kind != TPP_RL_SCALAR || v->quoted || tpp_rl_is_null(v)) {
        bad_type(L, v, key, want);
        return false;
    }
    return true;
}

/* A decimal rate >= 0, exact. */
static bool ratio_node(loader *L, const node *v, const char *key, tpp_ratio *out)
{
    if (!number_scalar(L, v, key, "a decimal number"))
        return false;
    tpp_ratio r;
    if (!tpp_ratio_parse(v->text, v->len, &r)) {
        bad_type(L, v, key, "a decimal number");
        return false;
    }
    if (r.num < 0) {
        err_at(L, v, "'%s' must not be negative, got '%.*s'", key, QUOTE_MAX, v->text);
        return false;
    }
    *out = r;
    return true;
}

static bool ratio_field(loader *L, const mapv *m, const char *key, bool required, tpp_ratio *out)
{
    const node *v = field(L, m, key, required);
    return !skip(v) && ratio_node(L, v, key, out);
}

/* A whole number in [lo, hi]. */
static bool int_node(loader *L, const node *v, const char *key, int64_t lo, int64_t hi,
                     int64_t *out)
{
    if (!number_scalar(L, v, key, "a whole number"))
        return false;
    int64_t x;
    if (!tpp_money_parse(v->text, v->len, &x)) {
        bad_type(L, v, key, "a whole number");
        return false;
    }
    if (x < lo || x > hi) {
        if (lo == 0 && x < 0)
            err_at(L, v, "'%s' must not be negative, got '%.*s'", key, QUOTE_MAX, v->text);
        else
            err_at(L, v, "'%s' must be between %lld and %lld, got '%.*s'", key, (long long)lo,
                   (long long)hi, QUOTE_MAX, v->text);
        return false;
    }
    *out = x;
    return true;
}

static bool minutes_field(loader *L, const mapv *m, const char *key, bool required, int64_t lo,
                          int32_t *out)
{
    const node *v = field(L, m, key, required);
    int64_t x;
    if (skip(v) || !int_node(L, v, key, lo, MAX_MINUTES, &x))
        return false;
    *out = (int32_t)x;
    return true;
}

static bool money_field(loader *L, const mapv *m, const char *key, bool required, tpp_money *out)
{
    const node *v = field(L, m, key, required);
    if (skip(v) || !number_scalar(L, v, key, "a whole number of rupiah"))
        return false;
    if (!tpp_money_parse(v->text, v->len, out)) {
        bad_type(L, v, key, "a whole number of rupiah");
        return false;
    }
    if (*out <= 0) {
        err_at(L, v, "'%s' must be greater than 0, got '%.*s'", key, QUOTE_MAX, v->text);
        return false;
    }
    return true;
}

static bool bool_field(loader *L, const mapv *m, const char *key, bool required, bool *out)
{
    const node *v = field(L, m, key, required);
    if (skip(v))
        return false;
    if (v->kind == TPP_RL_SCALAR && !v->quoted) {
        /* the YAML 1.2 core schema's booleans; "yes"/"on" are YAML 1.1 traps */
        static const char *const yes[] = {"true", "True", "TRUE"};
        static const char *const no[] = {"false", "False", "FALSE"};
        for (size_t i = 0; i < 3; i++) {
            if (strcmp(v->text, yes[i]) == 0 || strcmp(v->text, no[i]) == 0) {
                *out = strcmp(v->text, yes[i]) == 0;
                return true;
            }
        }
    }
    bad_type(L, v, key, "true or false");
    return false;
}

/* A date; null means "no date" (TPP_DATE_NONE) when allow_null. The text is kept in *text. */
static bool date_field(loader *L, const mapv *m, const char *key, bool required, bool allow_null,
                       tpp_date *out, const char **text)
{
    const node *v = field(L, m, key, required);
    if (skip(v))
        return false;
    if (allow_null && tpp_rl_is_null(v)) {
        *out = TPP_DATE_NONE;
        return true;
    }
    if (v->kind != TPP_RL_SCALAR || tpp_rl_is_null(v) || !tpp_date_parse(v->text, v->len, out)) {
        bad_type(L, v, key, "a date (YYYY-MM-DD)");
        return false;
    }
    if (text != NULL)
        *text = keep_str(L, v->text);
    return true;
}

/* One of a fixed list of names; *out receives the index. */
static bool enum_field(loader *L, const mapv *m, const char *key, bool required,
                       const char *const *names, int *out)
{
    const node *v = field(L, m, key, required);
    if (skip(v))
        return false;
    if (v->kind == TPP_RL_SCALAR && !tpp_rl_is_null(v)) {
        for (int i = 0; names[i] != NULL; i++) {
            if (strcmp(v->text, names[i]) == 0) {
                *out = i;
                return true;
            }
        }
    }
    char expected[256];
    join_keys(names, expected, sizeof expected);
    if (v->kind == TPP_RL_SCALAR && !tpp_rl_is_null(v))
        err_at(L, v, "invalid value '%.*s' for '%s' (expected one of: %s)", QUOTE_MAX, v->text, key,
               expected);
    else
        bad_type(L, v, key, "one of the names listed in rules/README.md");
    return false;
}

static bool rounding_field(loader *L, const mapv *m, const char *key, bool required,
                           tpp_rounding *out)
{
    const char *names[TPP_ROUND_COUNT + 1];
    for (int i = 0; i < TPP_ROUND_COUNT; i++)
        names[i] = tpp_rounding_name((tpp_rounding)i);
    names[TPP_ROUND_COUNT] = NULL;
    int i;
    if (!enum_field(L, m, key, required, names, &i))
        return false;
    /* by name, not by position, so that the table order never matters */
    return tpp_rounding_parse(names[i], out);
}

/* Ids are written into other files (absence types in CSVs, component:<id> bases), so they
 * stay simple: lowercase letters, digits and underscores, starting with a letter. */
static bool ident_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static bool ident_node(loader *L, const node *v, const char *key, const char **out)
{
    if (v->kind != TPP_RL_SCALAR || tpp_rl_is_null(v)) {
        bad_type(L, v, key, "an id");
        return false;
    }
    if (!ident_ok(v->text, v->len)) {
        err_at(L, v, "'%s' must be an id of lowercase letters, digits and '_', got '%.*s'", key,
               QUOTE_MAX, v->text);
        return false;
    }
    *out = keep_str(L, v->text);
    return *out != NULL;
}

static bool ident_field(loader *L, const mapv *m, const char *key, bool required, const char **out)
{
    const node *v = field(L, m, key, required);
    return !skip(v) && ident_node(L, v, key, out);
}

/* "total", "component:<id>", "daily_total", "daily_component:<id>". */
static bool base_field(loader *L, const mapv *m, const char *key, bool required, tpp_base *out)
{
    const node *v = field(L, m, key, required);
    if (skip(v))
        return false;
    if (v->kind != TPP_RL_SCALAR || tpp_rl_is_null(v)) {
        bad_type(L, v, key, "a base (total, component:<id>, daily_total, daily_component:<id>)");
        return false;
    }
    const char *s = v->text;
    const char *id = NULL;
    tpp_base b = {.component = -1};
    if (strcmp(s, "total") == 0) {
        b.kind = TPP_BASE_TOTAL;
    } else if (strcmp(s, "daily_total") == 0) {
        b.kind = TPP_BASE_DAILY_TOTAL;
    } else if (strncmp(s, "component:", 10) == 0) {
        b.kind = TPP_BASE_COMPONENT;
        id = s + 10;
    } else if (strncmp(s, "daily_component:", 16) == 0) {
        b.kind = TPP_BASE_DAILY_COMPONENT;
        id = s + 16;
    } else {
        err_at(L, v,
               "unknown base '%.*s' (expected one of: total, component:<id>, daily_total, "
               "daily_component:<id>)",
               QUOTE_MAX, s);
        return false;
    }
    if (id != NULL) {
        b.component = tpp_rules_component_index(L->rs, id);
        if (b.component < 0) {
            char known[256];
            const char *names[TPP_MAX_COMPONENTS + 1];
            size_t n = L->rs->n_components;
            for (size_t i = 0; i < n; i++)
                names[i] = L->rs->components[i].id;
            names[n] = NULL;
            join_keys(names, known, sizeof known);
            err_at(L, v, "unknown component '%.*s' in base '%.*s' (components are: %s)", QUOTE_MAX,
                   id, QUOTE_MAX + 16, s, n ? known : "none defined");
            return false;
        }
    }
    *out = b;
    return true;
}

/* ---- sequences ---- */

/* The value must be a sequence; false (reported) otherwise. */
static bool seq_node(loader *L, const node *v, const char *key)
{
    if (skip(v))
        return false;
    if (v->kind != TPP_RL_SEQ) {
        bad_type(L, v, key, "a sequence");
        return false;
    }
    return true;
}

/* Reports the first item past a limit; true while item i still fits. */
static bool within(loader *L, const node *item, size_t i, size_t max, const char *what,
                   const char *ctx, const char *limit_name)
{
    if (i < max)
        return true;
    if (i == max)
        err_at(L, item, "too many %s in '%s': at most %zu (%s)", what, ctx, max, limit_name);
    return false;
}

/* ---- sections ---- */

static void load_pack(loader *L, const node *v)
{
    static const char *const keys[] = {
        "id", "region", "illustrative", "regulation", "valid_from", "valid_to", NULL};
    static const char *const reg_keys[] = {"number", "title", "date", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, r;
    if (!map_open(L, v, "pack", "pack", keys, &m))
        return;
    str_field(L, &m, "id", true, &rs->id);
    str_field(L, &m, "region", true, &rs->region);
    bool_field(L, &m, "illustrative", false, &rs->illustrative);
    bool from_ok = date_field(L, &m, "valid_from", true, false, &rs->valid_from, NULL);
    bool to_ok = date_field(L, &m, "valid_to", false, true, &rs->valid_to, NULL);
    if (from_ok && to_ok && rs->valid_to != TPP_DATE_NONE && rs->valid_to < rs->valid_from) {
        char a[11], b[11];
        tpp_date_format(rs->valid_to, a);
        tpp_date_format(rs->valid_from, b);
        err_at(L, get(&m, "valid_to"), "'valid_to' %s is before 'valid_from' %s", a, b);
    }
    if (map_open(L, field(L, &m, "regulation", true), "pack.regulation", "regulation", reg_keys,
                 &r)) {
        str_field(L, &r, "number", true, &rs->reg_number);
        str_field(L, &r, "title", true, &rs->reg_title);
        tpp_date d;
        date_field(L, &r, "date", true, false, &d, &rs->reg_date);
    }
}

static void load_by_class(loader *L, const node *v)
{
    const char *ctx = "besaran.by_class";
    tpp_ruleset *rs = L->rs;
    if (skip(v))
        return;
    if (v->kind != TPP_RL_MAP) {
        bad_type(L, v, "by_class", "a mapping of class to amount");
        return;
    }
    const node *seen[TPP_MAX_CLASS + 1] = {0};
    size_t n = 0;
    for (const node *k = v->first; k != NULL && k->next != NULL; k = k->next->next) {
        const node *val = k->next;
        if (k->kind == TPP_RL_BAD)
            continue;
        int64_t cls;
        if (k->kind != TPP_RL_SCALAR || k->quoted || !tpp_money_parse(k->text, k->len, &cls) ||
            cls < 1 || cls > TPP_MAX_CLASS) {
            if (k->kind == TPP_RL_SCALAR)
                err_at(L, k, "class in '%s' must be a whole number from 1 to %d, got '%.*s'", ctx,
                       TPP_MAX_CLASS, QUOTE_MAX, k->text);
            else
                err_at(L, k, "class in '%s' must be a whole number from 1 to %d", ctx,
                       TPP_MAX_CLASS);
            continue;
        }
        if (seen[cls] != NULL) {
            err_at(L, k, "duplicate class %d in '%s' (first given at line %u)", (int)cls, ctx,
                   seen[cls]->line);
            continue;
        }
        seen[cls] = k;
        n++;
        if (val->kind == TPP_RL_BAD)
            continue;
        tpp_money amount;
        if (val->kind != TPP_RL_SCALAR || val->quoted ||
            !tpp_money_parse(val->text, val->len, &amount) || amount <= 0) {
            if (val->kind == TPP_RL_SCALAR && !tpp_rl_is_null(val))
                err_at(L, val,
                       "besaran of class %d must be a whole number of rupiah greater than 0, "
                       "got '%.*s'",
                       (int)cls, QUOTE_MAX, val->text);
            else
                err_at(L, val,
                       "besaran of class %d must be a whole number of rupiah greater than 0",
                       (int)cls);
            continue;
        }
        rs->besaran[cls] = amount;
    }
    if (n == 0 && v->n == 0)
        err_at(L, v, "'%s' must list at least one class", ctx);
}

static void load_besaran(loader *L, const node *v)
{
    static const char *const keys[] = {"cite", "source", "rounding", "by_class", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m;
    if (!map_open(L, v, "besaran", "besaran", keys, &m))
        return;
    str_field(L, &m, "cite", true, &rs->besaran_cite);
    str_field(L, &m, "source", false, &rs->besaran_source);
    rounding_field(L, &m, "rounding", true, &rs->besaran_rounding);
    load_by_class(L, field(L, &m, "by_class", true));
}

static void load_components(loader *L, const node *v)
{
    static const char *const keys[] = {"cite", "parts", NULL};
    static const char *const part_keys[] = {"id", "label", "percent", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m;
    if (!map_open(L, v, "components", "components", keys, &m))
        return;
    str_field(L, &m, "cite", true, &rs->components_cite);
    const node *parts = field(L, &m, "parts", true);
    if (!seq_node(L, parts, "parts"))
        return;
    const char *ctx = "components.parts";
    tpp_ratio sum = {0, 1};
    bool sum_ok = true;
    size_t i = 0;
    for (const node *item = parts->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_COMPONENTS, "components", ctx, "TPP_MAX_COMPONENTS"))
            break;
        tpp_component c = {0};
        mapv p;
        if (!map_open(L, item, sub_index(L, ctx, i), "parts[]", part_keys, &p)) {
            sum_ok = false;
            continue;
        }
        bool ok = ident_field(L, &p, "id", true, &c.id);
        str_field(L, &p, "label", true, &c.label);
        if (!ratio_field(L, &p, "percent", true, &c.percent) ||
            !tpp_ratio_add(sum, c.percent, &sum))
            sum_ok = false;
        if (ok && tpp_rules_component_index(rs, c.id) >= 0) {
            err_at(L, get(&p, "id"), "duplicate component id '%s' in '%s'", c.id, ctx);
            ok = false;
        }
        if (ok)
            rs->components[rs->n_components++] = c;
    }
    if (i == 0) {
        err_at(L, parts, "'%s' must list at least one component", ctx);
        return;
    }
    /* Only meaningful when every percent was read: otherwise the sum would add a second,
     * misleading error to the one already reported. */
    if (sum_ok && tpp_ratio_cmp(sum, (tpp_ratio){100, 1}) != 0) {
        char buf[64];
        tpp_ratio_format(sum, buf, sizeof buf);
        err_at(L, parts, "component percents in '%s' sum to %s, expected 100", ctx, buf);
    }
}

/* "07:30-16:00" -> minutes after midnight. 24:00 is allowed as an end. */
static bool parse_hhmm(const char *s, int32_t *out)
{
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    if (s[2] != ':')
        return false;
    int hh = (s[0] - '0') * 10 + (s[1] - '0'), mm = (s[3] - '0') * 10 + (s[4] - '0');
    if (mm > 59 || hh > 24 || (hh == 24 && mm != 0))
        return false;
    *out = hh * 60 + mm;
    return true;
}

static void load_schedule(loader *L, const node *v, const char *ctx, const char *name,
                          tpp_schedule_rule *out)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};
    mapv m;
    if (!map_open(L, v, ctx, name, days, &m))
        return;
    out->defined = true;
    size_t workdays = 0;
    for (int d = 0; d < 7; d++) {
        const node *h = m.val[d];
        if (skip(h) || tpp_rl_is_null(h)) /* `sat: ~` says "no work" explicitly */
            continue;
        workdays++;
        int32_t start, end;
        if (h->kind != TPP_RL_SCALAR || h->len != 11 || h->text[5] != '-' ||
            !parse_hhmm(h->text, &start) || !parse_hhmm(h->text + 6, &end)) {
            bad_type(L, h, days[d], "working hours as HH:MM-HH:MM");
            continue;
        }
        if (start >= end || start >= 24 * 60) {
            err_at(L, h, "working hours '%s' must start before they end (on the same day)",
                   h->text);
            continue;
        }
        out->day[d] = (tpp_hours){.workday = true, .start = start, .end = end};
    }
    if (workdays == 0)
        err_at(L, v, "schedule '%s' has no working day", name);
}

static void load_calendar(loader *L, const node *v)
{
    static const char *const keys[] = {"cite", "window", "grace_minutes", "schedules", NULL};
    static const char *const window_keys[] = {"before_start", "after_end", NULL};
    static const char *const sched_keys[] = {"5day", "6day", "shift", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, w, s;
    if (!map_open(L, v, "calendar", "calendar", keys, &m))
        return;
    str_field(L, &m, "cite", true, &rs->calendar_cite);
    minutes_field(L, &m, "grace_minutes", false, 0, &rs->grace_minutes);
    if (map_open(L, field(L, &m, "window", true), "calendar.window", "window", window_keys, &w)) {
        minutes_field(L, &w, "before_start", true, 0, &rs->window_before);
        minutes_field(L, &w, "after_end", true, 0, &rs->window_after);
    }
    const node *sv = field(L, &m, "schedules", true);
    if (map_open(L, sv, "calendar.schedules", "schedules", sched_keys, &s)) {
        size_t n = 0;
        for (int k = 0; k < TPP_SCHED_COUNT; k++) {
            if (skip(s.val[k]))
                continue;
            n++;
            load_schedule(L, s.val[k], sub(L, "calendar.schedules", sched_keys[k]), sched_keys[k],
                          &rs->schedules[k]);
        }
        if (n == 0 && sv->n == 0)
            err_at(L, sv, "'calendar.schedules' must define at least one schedule (%s)",
                   "5day, 6day, shift");
    }
}

/* A once-per-day cut. The absences list names each one with `type`; absent and missing_punch
 * have a fixed id. True when the id was read; *type_node is its value node. */
static bool load_day_cut(loader *L, const node *v, const char *ctx, const char *name,
                         bool with_type, const char *fixed_id, tpp_day_cut *out,
                         const node **type_node)
{
    static const char *const keys[] = {"label", "percent", "base", "minutes", "cite", NULL};
    static const char *const typed_keys[] = {"type",    "label", "percent", "base",
                                             "minutes", "cite",  NULL};
    mapv m;
    if (!map_open(L, v, ctx, name, with_type ? typed_keys : keys, &m))
        return false;
    bool ok = true;
    if (with_type) {
        ok = ident_field(L, &m, "type", true, &out->id);
        if (type_node != NULL)
            *type_node = get(&m, "type");
    } else
        out->id = keep_str(L, fixed_id);
    str_field(L, &m, "label", true, &out->label);
    ratio_field(L, &m, "percent", true, &out->percent);
    base_field(L, &m, "base", true, &out->base);
    out->minutes = 0;
    minutes_field(L, &m, "minutes", false, 0, &out->minutes);
    str_field(L, &m, "cite", true, &out->cite);
    return ok;
}

static void band_text(const tpp_band *b, char *buf, size_t size)
{
    if (b->below == TPP_BAND_OPEN)
        snprintf(buf, size, "[%d, inf)", (int)b->from);
    else
        snprintf(buf, size, "[%d, %d)", (int)b->from, (int)b->below);
}

static void load_band_table(loader *L, const node *v, const char *ctx, const char *name,
                            tpp_band_table *out)
{
    static const char *const keys[] = {"base", "hit", "cite", "bands", NULL};
    static const char *const band_keys[] = {"code", "from", "below", "percent", "cite", NULL};
    static const char *const hits[] = {"first", NULL};
    mapv m;
    out->base = (tpp_base){.kind = TPP_BASE_TOTAL, .component = -1};
    if (!map_open(L, v, ctx, name, keys, &m))
        return;
    base_field(L, &m, "base", false, &out->base);
    int hit = 0;
    enum_field(L, &m, "hit", false, hits, &hit);
    str_field(L, &m, "cite", true, &out->cite);
    const node *bands = field(L, &m, "bands", true);
    if (!seq_node(L, bands, "bands"))
        return;
    const char *bctx = sub(L, ctx, "bands");
    const tpp_band *prev = NULL;
    size_t i = 0;
    for (const node *item = bands->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_BANDS, "bands", bctx, "TPP_MAX_BANDS"))
            break;
        tpp_band b = {.below = TPP_BAND_OPEN};
        mapv bm;
        if (!map_open(L, item, sub_index(L, bctx, i), "bands[]", band_keys, &bm)) {
            prev = NULL;
            continue;
        }
        bool ok = str_field(L, &bm, "code", true, &b.code);
        int64_t from = 0, below = TPP_BAND_OPEN;
        const node *fv = field(L, &bm, "from", true), *bv = field(L, &bm, "below", false);
        if (skip(fv) || !int_node(L, fv, "from", 0, MAX_MINUTES, &from))
            ok = false;
        if (!skip(bv) && !tpp_rl_is_null(bv) && !int_node(L, bv, "below", 1, MAX_MINUTES, &below))
            ok = false;
        b.from = (int32_t)from;
        b.below = (int32_t)below;
        ok = ratio_field(L, &bm, "percent", true, &b.percent) && ok;
        if (!str_field(L, &bm, "cite", false, &b.cite))
            b.cite = out->cite; /* the table's citation covers its rows */
        if (!ok) {
            prev = NULL;
            continue;
        }
        char cur_s[48], prev_s[48];
        band_text(&b, cur_s, sizeof cur_s);
        if (b.from >= b.below) {
            err_at(L, fv, "band %s is empty: 'from' must be less than 'below'", cur_s);
            prev = NULL;
            continue;
        }
        if (prev != NULL && b.from < prev->below) {
            band_text(prev, prev_s, sizeof prev_s);
            if (b.below > prev->from)
                err_at(L, fv, "band %s overlaps band %s", cur_s, prev_s);
            else
                err_at(L, fv, "band %s is out of order: it must come before band %s", cur_s,
                       prev_s);
        }
        out->bands[out->n_bands++] = b;
        prev = &out->bands[out->n_bands - 1];
    }
}

static void load_absences(loader *L, const node *v)
{
    tpp_ruleset *rs = L->rs;
    const char *ctx = "discipline.absences";
    if (!seq_node(L, v, "absences"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_ABSENCES, "absence types", ctx, "TPP_MAX_ABSENCES"))
            break;
        tpp_day_cut c = {0};
        const node *type_node = NULL;
        if (!load_day_cut(L, item, sub_index(L, ctx, i), "absences[]", true, NULL, &c, &type_node))
            continue;
        if (tpp_rules_absence_index(rs, c.id) >= 0) {
            err_at(L, type_node, "duplicate absence type '%s' in '%s'", c.id, ctx);
            continue;
        }
        rs->absences[rs->n_absences++] = c;
    }
}

static void load_events(loader *L, const node *v)
{
    static const char *const keys[] = {"type", "label", "per", "percent", "base", "cite", NULL};
    static const char *const units[] = {"event", "hour", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "discipline.events";
    if (!seq_node(L, v, "events"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_EVENTS, "event types", ctx, "TPP_MAX_EVENTS"))
            break;
        tpp_event_rule e = {0};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "events[]", keys, &m))
            continue;
        bool ok = ident_field(L, &m, "type", true, &e.id);
        str_field(L, &m, "label", true, &e.label);
        int unit = 0;
        enum_field(L, &m, "per", true, units, &unit);
        e.unit = unit == 1 ? TPP_PER_HOUR : TPP_PER_EVENT;
        ratio_field(L, &m, "percent", true, &e.percent);
        base_field(L, &m, "base", true, &e.base);
        str_field(L, &m, "cite", true, &e.cite);
        if (ok && tpp_rules_event_index(rs, e.id) >= 0) {
            err_at(L, get(&m, "type"), "duplicate event type '%s' in '%s'", e.id, ctx);
            ok = false;
        }
        if (ok)
            rs->events[rs->n_events++] = e;
    }
}

static void load_discipline(loader *L, const node *v)
{
    static const char *const keys[] = {"rounding", "cap",   "defer",    "absent", "missing_punch",
                                       "late",     "early", "absences", "events", NULL};
    static const char *const cap_keys[] = {"percent", "base", "cite", NULL};
    static const char *const defer_keys[] = {"minutes_over", "cite", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, c, d;
    if (!map_open(L, v, "discipline", "discipline", keys, &m))
        return;
    rounding_field(L, &m, "rounding", true, &rs->discipline_rounding);
    if (map_open(L, field(L, &m, "cap", true), "discipline.cap", "cap", cap_keys, &c)) {
        ratio_field(L, &c, "percent", true, &rs->cap_percent);
        base_field(L, &c, "base", true, &rs->cap_base);
        str_field(L, &c, "cite", true, &rs->cap_cite);
    }
    if (map_open(L, field(L, &m, "defer", false), "discipline.defer", "defer", defer_keys, &d)) {
        minutes_field(L, &d, "minutes_over", true, 1, &rs->defer_minutes_over);
        str_field(L, &d, "cite", true, &rs->defer_cite);
    }
    load_day_cut(L, field(L, &m, "absent", true), "discipline.absent", "absent", false, "absent",
                 &rs->absent, NULL);
    load_day_cut(L, field(L, &m, "missing_punch", true), "discipline.missing_punch",
                 "missing_punch", false, "missing_punch", &rs->missing_punch, NULL);
    load_band_table(L, field(L, &m, "late", true), "discipline.late", "late", &rs->late);
    load_band_table(L, field(L, &m, "early", true), "discipline.early", "early", &rs->early);
    load_absences(L, field(L, &m, "absences", false));
    load_events(L, field(L, &m, "events", false));
}

static void load_predicates(loader *L, const node *v)
{
    tpp_ruleset *rs = L->rs;
    const char *ctx = "performance.predicates";
    if (skip(v))
        return;
    if (v->kind != TPP_RL_MAP) {
        bad_type(L, v, "predicates", "a mapping of predicate to multiplier");
        return;
    }
    size_t i = 0;
    for (const node *k = v->first; k != NULL && k->next != NULL; k = k->next->next, i++) {
        if (!within(L, k, i, TPP_MAX_PREDICATES, "predicates", ctx, "TPP_MAX_PREDICATES"))
            break;
        tpp_predicate_rule p = {0};
        bool ok = k->kind != TPP_RL_BAD && ident_node(L, k, "predicate", &p.id);
        if (ok && tpp_rules_predicate_index(rs, p.id) >= 0) {
            err_at(L, k, "duplicate predicate '%s' in '%s'", p.id, ctx);
            ok = false;
        }
        /* the value is checked even under a bad name: its own error is worth reporting too */
        const node *val = k->next;
        const char *name = k->kind == TPP_RL_SCALAR ? k->text : "predicate";
        if (skip(val) || !ratio_node(L, val, name, &p.multiplier) || !ok)
            continue;
        rs->predicates[rs->n_predicates++] = p;
    }
    if (v->n == 0)
        err_at(L, v, "'%s' must list at least one predicate", ctx);
}

static void load_performance(loader *L, const node *v)
{
    static const char *const keys[] = {"component",  "rounding", "cite",
                                       "predicates", "missing",  NULL};
    static const char *const missing_keys[] = {"multiplier", "cite", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, mm;
    rs->perf_component = -1;
    if (!map_open(L, v, "performance", "performance", keys, &m))
        return;
    const node *cv = field(L, &m, "component", true);
    if (!skip(cv)) {
        if (cv->kind != TPP_RL_SCALAR || tpp_rl_is_null(cv))
            bad_type(L, cv, "component", "a component id");
        else if ((rs->perf_component = tpp_rules_component_index(rs, cv->text)) < 0)
            err_at(L, cv, "unknown component '%.*s' in 'performance.component'", QUOTE_MAX,
                   cv->text);
    }
    rounding_field(L, &m, "rounding", true, &rs->perf_rounding);
    str_field(L, &m, "cite", true, &rs->perf_cite);
    load_predicates(L, field(L, &m, "predicates", true));
    if (map_open(L, field(L, &m, "missing", true), "performance.missing", "missing", missing_keys,
                 &mm)) {
        ratio_field(L, &mm, "multiplier", true, &rs->missing_multiplier);
        str_field(L, &mm, "cite", true, &rs->missing_cite);
    }
}

static void load_payment(loader *L, const node *v)
{
    static const char *const keys[] = {"rounding", "bpjs", "pph21", NULL};
    static const char *const bpjs_keys[] = {"employer_percent", "employee_percent", "wage_cap",
                                            "cite", NULL};
    static const char *const pph_keys[] = {"mode", "cite", NULL};
    static const char *const modes[] = {"none", "borne_by_pemda", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, b, p;
    if (!map_open(L, v, "payment", "payment", keys, &m))
        return;
    rounding_field(L, &m, "rounding", true, &rs->payment_rounding);
    if (map_open(L, field(L, &m, "bpjs", true), "payment.bpjs", "bpjs", bpjs_keys, &b)) {
        ratio_field(L, &b, "employer_percent", true, &rs->bpjs_employer_percent);
        ratio_field(L, &b, "employee_percent", true, &rs->bpjs_employee_percent);
        money_field(L, &b, "wage_cap", true, &rs->bpjs_wage_cap);
        str_field(L, &b, "cite", true, &rs->bpjs_cite);
    }
    if (map_open(L, field(L, &m, "pph21", true), "payment.pph21", "pph21", pph_keys, &p)) {
        int mode = 0;
        enum_field(L, &p, "mode", true, modes, &mode);
        rs->pph21_mode = mode == 1 ? TPP_PPH21_BORNE_BY_PEMDA : TPP_PPH21_NONE;
        str_field(L, &p, "cite", true, &rs->pph21_cite);
    }
}

static void load_root(loader *L, const node *root)
{
    static const char *const keys[] = {"pack",       "besaran",     "components", "calendar",
                                       "discipline", "performance", "payment",    NULL};
    mapv m;
    if (!map_open(L, root, "", "", keys, &m))
        return;
    load_pack(L, field(L, &m, "pack", true));
    load_besaran(L, field(L, &m, "besaran", true));
    /* components first, whatever the file order: the bases of the later sections name them */
    load_components(L, field(L, &m, "components", true));
    load_calendar(L, field(L, &m, "calendar", true));
    load_discipline(L, field(L, &m, "discipline", true));
    load_performance(L, field(L, &m, "performance", true));
    load_payment(L, field(L, &m, "payment", true));
}

/* ---- public API ---- */

static tpp_status load_text(loader *L, const char *path, const char *text, size_t len,
                            tpp_diags *diags, tpp_error *err)
{
    tpp_ruleset *rs = L->rs;
    rs->owner_ = L->keep;
    rs->path = keep_str(L, path);
    tpp_sha256_hex(text, len, rs->sha256);
    rs->valid_to = TPP_DATE_NONE;
    rs->perf_component = -1;

    tpp_rl_node *root = NULL;
    tpp_status rc = tpp_rl_tree_parse(text, len, L->tmp, &L->d, &root);
    if (rc == TPP_OK && root != NULL)
        load_root(L, root);
    else if (rc == TPP_OK && L->d.n == 0)
        tpp_rl_diag_add(&L->d, 1, 1, "rule pack is empty");
    if (rc == TPP_OK && (L->oom || L->d.oom))
        rc = TPP_ERR_NOMEM;
    /* even when memory ran out: what was found is still worth showing */
    size_t n_errors = L->d.n;
    tpp_rl_diags_flush(&L->d, path, diags);
    if (rc == TPP_OK && n_errors > 0)
        rc = tpp_fail(err, TPP_ERR_RULES, (tpp_srcloc){.path = path},
                      "rule pack '%s' has %zu error%s", path, n_errors, n_errors == 1 ? "" : "s");
    return rc;
}

tpp_status tpp_rules_load(const char *path, const char *text, size_t len, tpp_diags *diags,
                          tpp_ruleset **out, tpp_error *err)
{
    *out = NULL;
    if (path == NULL)
        path = "<string>";
    tpp_srcloc file_loc = {.path = path};
    if (text == NULL && len > 0)
        return tpp_fail(err, TPP_ERR_INTERNAL, file_loc, "rule pack text is NULL");
    if (text == NULL)
        text = "";
    if (len > TPP_RL_MAX_SIZE) {
        tpp_diag_error(diags, file_loc, "rule pack is larger than %zu MiB (%zu bytes)",
                       TPP_RL_MAX_SIZE >> 20, len);
        return tpp_fail(err, TPP_ERR_RULES, file_loc, "rule pack '%s' is too large", path);
    }

    loader L = {0};
    L.tmp = tpp_rl_arena_new();
    L.keep = tpp_rl_arena_new();
    L.rs = calloc(1, sizeof *L.rs);
    L.d.arena = L.tmp;
    tpp_status rc = TPP_ERR_NOMEM;
    if (L.tmp != NULL && L.keep != NULL && L.rs != NULL)
        rc = load_text(&L, path, text, len, diags, err);
    tpp_rl_diags_release(&L.d);
    tpp_rl_arena_free(L.tmp);
    if (rc == TPP_ERR_NOMEM)
        tpp_fail(err, rc, file_loc, "out of memory while loading rule pack '%s'", path);
    if (rc != TPP_OK) {
        free(L.rs);
        tpp_rl_arena_free(L.keep);
        return rc;
    }
    *out = L.rs;
    return TPP_OK;
}

tpp_status tpp_rules_load_file(const char *path, tpp_diags *diags, tpp_ruleset **out,
                               char **text_out, size_t *len_out, tpp_error *err)
{
    *out = NULL;
    if (text_out != NULL)
        *text_out = NULL;
    if (len_out != NULL)
        *len_out = 0;
    char *text;
    size_t len;
    TPP_TRY(tpp_file_read(path, &text, &len, err));
    tpp_status rc = tpp_rules_load(path, text, len, diags, out, err);
    if (rc == TPP_OK && text_out != NULL) {
        *text_out = text;
        if (len_out != NULL)
            *len_out = len;
    } else {
        free(text);
    }
    return rc;
}

void tpp_rules_free(tpp_ruleset *rs)
{
    if (rs == NULL)
        return;
    tpp_rl_arena_free(rs->owner_);
    free(rs);
}

int tpp_rules_absence_index(const tpp_ruleset *rs, const char *id)
{
    if (rs == NULL || id == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_absences; i++)
        if (rs->absences[i].id != NULL && strcmp(rs->absences[i].id, id) == 0)
            return (int)i;
    return -1;
}

int tpp_rules_event_index(const tpp_ruleset *rs, const char *id)
{
    if (rs == NULL || id == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_events; i++)
        if (rs->events[i].id != NULL && strcmp(rs->events[i].id, id) == 0)
            return (int)i;
    return -1;
}

int tpp_rules_predicate_index(const tpp_ruleset *rs, const char *id)
{
    if (rs == NULL || id == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_predicates; i++)
        if (rs->predicates[i].id != NULL && strcmp(rs->predicates[i].id, id) == 0)
            return (int)i;
    return -1;
}

int tpp_rules_component_index(const tpp_ruleset *rs, const char *id)
{
    if (rs == NULL || id == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_components; i++)
        if (rs->components[i].id != NULL && strcmp(rs->components[i].id, id) == 0)
            return (int)i;
    return -1;
}
