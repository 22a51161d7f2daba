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
#include "rules/trace_enc.h"
#include "tpp/model.h"
#include "tpp/rules.h"

typedef tpp_rl_node node;

typedef struct loader {
    tpp_rl_arena *tmp;  /* the tree, context strings, messages: freed at the end of the load */
    tpp_rl_arena *keep; /* strings of the ruleset: becomes rs->owner_ */
    tpp_rl_diags d;
    tpp_ruleset *rs;
    bool oom;
} loader;

static tpp_srcpos P(const node *n)
{
    return n == NULL ? (tpp_srcpos){0, 0} : (tpp_srcpos){n->line, n->col};
}

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

#define MAX_KEYS 24

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
                       "got %s'%.*s'",
                       (int)cls, val->quoted ? "the quoted string " : "", QUOTE_MAX, val->text);
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

/* A mapping class -> decimal (percents) or class -> rupiah (fixed amounts) of a criterion. */
static void load_class_values(loader *L, const node *v, const char *ctx, bool money, bool *has,
                              tpp_ratio *pct, tpp_money *fixed)
{
    if (skip(v))
        return;
    if (v->kind != TPP_RL_MAP) {
        bad_type(L, v, ctx, "a mapping of class to value");
        return;
    }
    for (const node *k = v->first; k != NULL && k->next != NULL; k = k->next->next) {
        int64_t cls;
        if (k->kind != TPP_RL_SCALAR || k->quoted || !tpp_money_parse(k->text, k->len, &cls) ||
            cls < 1 || cls > TPP_MAX_CLASS) {
            if (k->kind != TPP_RL_BAD)
                err_at(L, k, "class in '%s' must be a whole number from 1 to %d", ctx,
                       TPP_MAX_CLASS);
            continue;
        }
        const node *val = k->next;
        if (skip(val))
            continue;
        if (money) {
            tpp_money a;
            if (!number_scalar(L, val, "amount", "a whole number of rupiah"))
                continue;
            if (!tpp_money_parse(val->text, val->len, &a) || a < 0) {
                err_at(L, val, "amount of class %d in '%s' must be a whole number of rupiah >= 0",
                       (int)cls, ctx);
                continue;
            }
            fixed[cls] = a;
        } else if (!ratio_node(L, val, "percent", &pct[cls])) {
            continue;
        }
        has[cls] = true;
    }
}

static void load_criteria(loader *L, const node *v)
{
    static const char *const keys[] = {"id",   "label", "percent_by_class", "fixed_by_class",
                                       "cite", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "besaran.criteria";
    if (!seq_node(L, v, "criteria"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_CRITERIA, "criteria", ctx, "TPP_MAX_CRITERIA"))
            break;
        tpp_criterion c = {.pos = P(item)};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "criteria[]", keys, &m))
            continue;
        bool ok = ident_field(L, &m, "id", true, &c.id);
        str_field(L, &m, "label", true, &c.label);
        str_field(L, &m, "cite", true, &c.cite);
        const node *pv = field(L, &m, "percent_by_class", false);
        const node *fv = field(L, &m, "fixed_by_class", false);
        if (pv == NULL && fv == NULL)
            err_at(L, item, "criterion needs 'percent_by_class' or 'fixed_by_class' in '%s'",
                   sub_index(L, ctx, i));
        load_class_values(L, pv, "percent_by_class", false, c.has, c.percent, c.fixed);
        load_class_values(L, fv, "fixed_by_class", true, c.has, c.percent, c.fixed);
        for (size_t j = 0; ok && j < rs->n_criteria; j++)
            if (strcmp(rs->criteria[j].id, c.id) == 0) {
                err_at(L, get(&m, "id"), "duplicate criterion '%s' in '%s'", c.id, ctx);
                ok = false;
            }
        if (ok)
            rs->criteria[rs->n_criteria++] = c;
    }
}

static void load_positions(loader *L, const node *v)
{
    static const char *const keys[] = {"position", "amount", "cite", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "besaran.by_position";
    if (!seq_node(L, v, "by_position"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_POSITIONS, "positions", ctx, "TPP_MAX_POSITIONS"))
            break;
        tpp_position_rule r = {.pos = P(item)};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "by_position[]", keys, &m))
            continue;
        bool ok = str_field(L, &m, "position", true, &r.position);
        ok = money_field(L, &m, "amount", true, &r.amount) && ok;
        ok = str_field(L, &m, "cite", true, &r.cite) && ok;
        for (size_t j = 0; ok && j < rs->n_positions; j++)
            if (strcmp(rs->positions[j].position, r.position) == 0) {
                err_at(L, get(&m, "position"), "duplicate position '%s' in '%s'", r.position, ctx);
                ok = false;
            }
        if (ok)
            rs->positions[rs->n_positions++] = r;
    }
}

static void load_besaran(loader *L, const node *v)
{
    static const char *const keys[] = {"cite",     "source",      "rounding", "by_class",
                                       "criteria", "by_position", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m;
    if (!map_open(L, v, "besaran", "besaran", keys, &m))
        return;
    str_field(L, &m, "cite", true, &rs->besaran_cite);
    str_field(L, &m, "source", false, &rs->besaran_source);
    rounding_field(L, &m, "rounding", true, &rs->besaran_rounding);
    load_by_class(L, field(L, &m, "by_class", true));
    load_criteria(L, field(L, &m, "criteria", false));
    load_positions(L, field(L, &m, "by_position", false));
}

/* Employment statuses are written as in employees.csv (PNS, CPNS, PPPK) or as ids. */
static bool status_ok(const char *s, size_t len)
{
    if (len == 0 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static void load_status(loader *L, const node *v)
{
    static const char *const keys[] = {"status", "label", "multiplier", "cite", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "status";
    if (!seq_node(L, v, "status"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_STATUS, "statuses", ctx, "TPP_MAX_STATUS"))
            break;
        tpp_status_rule r = {.pos = P(item)};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "status[]", keys, &m))
            continue;
        bool ok = str_field(L, &m, "status", true, &r.status);
        if (ok && !status_ok(r.status, strlen(r.status))) {
            err_at(L, get(&m, "status"),
                   "'status' must be letters, digits and '_' (as in employees.csv), got '%.*s'",
                   QUOTE_MAX, r.status);
            ok = false;
        }
        str_field(L, &m, "label", true, &r.label);
        ok = ratio_field(L, &m, "multiplier", true, &r.multiplier) && ok;
        str_field(L, &m, "cite", true, &r.cite);
        if (ok && tpp_rules_status_index(rs, r.status) >= 0) {
            err_at(L, get(&m, "status"), "duplicate status '%s' in '%s'", r.status, ctx);
            ok = false;
        }
        if (ok)
            rs->status[rs->n_status++] = r;
    }
}

static void load_acting(loader *L, const node *v)
{
    static const char *const keys[] = {"same_level_percent", "higher_level", "min_workdays", "cite",
                                       NULL};
    static const char *const higher[] = {"acting_class", "same_as_same_level", NULL};
    tpp_acting_rule *a = &L->rs->acting;
    mapv m;
    if (!map_open(L, v, "acting", "acting", keys, &m))
        return;
    a->defined = true;
    a->pos = P(v);
    ratio_field(L, &m, "same_level_percent", true, &a->same_level_percent);
    int h = 0;
    enum_field(L, &m, "higher_level", true, higher, &h);
    a->higher = h == 1 ? TPP_ACTING_HIGHER_AS_SAME : TPP_ACTING_HIGHER_TAKES_ACTING;
    const node *mv = field(L, &m, "min_workdays", false);
    int64_t x;
    if (!skip(mv) && int_node(L, mv, "min_workdays", 0, 31, &x))
        a->min_workdays = (int32_t)x;
    str_field(L, &m, "cite", true, &a->cite);
}

static void load_sanctions(loader *L, const node *v)
{
    static const char *const keys[] = {"id", "label", "percent", "base", "months", "cite", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "sanctions";
    if (!seq_node(L, v, "sanctions"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_SANCTIONS, "sanctions", ctx, "TPP_MAX_SANCTIONS"))
            break;
        tpp_sanction_rule r = {.pos = P(item)};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "sanctions[]", keys, &m))
            continue;
        bool ok = ident_field(L, &m, "id", true, &r.id);
        str_field(L, &m, "label", true, &r.label);
        ratio_field(L, &m, "percent", true, &r.percent);
        base_field(L, &m, "base", true, &r.base);
        const node *mv = field(L, &m, "months", true);
        int64_t x;
        if (!skip(mv) && int_node(L, mv, "months", 1, 36, &x))
            r.months = (int32_t)x;
        str_field(L, &m, "cite", true, &r.cite);
        if (ok && tpp_rules_sanction_index(rs, r.id) >= 0) {
            err_at(L, get(&m, "id"), "duplicate sanction '%s' in '%s'", r.id, ctx);
            ok = false;
        }
        if (ok)
            rs->sanctions[rs->n_sanctions++] = r;
    }
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
    rs->components_pos = P(v);
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
        c.pos = P(item);
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

/* calendar.special: spans of dates with their own hours (Ramadan). */
static void load_special(loader *L, const node *v)
{
    static const char *const keys[] = {"label", "from", "to", "schedules", "cite", NULL};
    static const char *const sched_keys[] = {"5day", "6day", "shift", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "calendar.special";
    if (!seq_node(L, v, "special"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_SPECIAL, "special spans", ctx, "TPP_MAX_SPECIAL"))
            break;
        tpp_special_hours sp = {.pos = P(item)};
        mapv m, s;
        const char *ictx = sub_index(L, ctx, i);
        if (!map_open(L, item, ictx, "special[]", keys, &m))
            continue;
        str_field(L, &m, "label", true, &sp.label);
        str_field(L, &m, "cite", true, &sp.cite);
        bool ok = date_field(L, &m, "from", true, false, &sp.from, NULL);
        ok = date_field(L, &m, "to", true, false, &sp.to, NULL) && ok;
        if (ok && sp.to < sp.from) {
            err_at(L, item, "'to' is before 'from' in '%s'", ictx);
            ok = false;
        }
        const node *sv = field(L, &m, "schedules", true);
        if (map_open(L, sv, sub(L, ictx, "schedules"), "schedules", sched_keys, &s)) {
            for (int k = 0; k < TPP_SCHED_COUNT; k++)
                if (!skip(s.val[k]))
                    load_schedule(L, s.val[k], sub(L, ictx, sched_keys[k]), sched_keys[k],
                                  &sp.schedules[k]);
        } else {
            ok = false;
        }
        for (size_t j = 0; ok && j < rs->n_special; j++)
            if (sp.from <= rs->special[j].to && rs->special[j].from <= sp.to) {
                err_at(L, item, "'%s' overlaps '%s'", ictx, rs->special[j].label);
                ok = false;
            }
        if (ok)
            rs->special[rs->n_special++] = sp;
    }
}

static void load_calendar(loader *L, const node *v)
{
    static const char *const keys[] = {"cite",      "window",  "grace_minutes",
                                       "schedules", "special", NULL};
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
    load_special(L, field(L, &m, "special", false));
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
    out->pos = P(v);
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

static void load_band_table(loader *L, const node *v, const char *ctx, const char *name,
                            tpp_band_table *out)
{
    static const char *const keys[] = {"base", "hit", "minutes", "cite", "bands", NULL};
    static const char *const band_keys[] = {"code", "from", "below", "percent", "cite", NULL};
    static const char *const hits[] = {"first", "unique", "collect_sum", NULL};
    static const char *const modes[] = {"per_day", "cumulative", NULL};
    mapv m;
    out->base = (tpp_base){.kind = TPP_BASE_TOTAL, .component = -1};
    if (!map_open(L, v, ctx, name, keys, &m))
        return;
    out->pos = P(v);
    base_field(L, &m, "base", false, &out->base);
    int hit = 0, mode = 0;
    enum_field(L, &m, "hit", false, hits, &hit);
    enum_field(L, &m, "minutes", false, modes, &mode);
    out->hit = hit == 2 ? TPP_HIT_COLLECT_SUM : hit == 1 ? TPP_HIT_UNIQUE : TPP_HIT_FIRST;
    out->mode = mode == 1 ? TPP_MINUTES_CUMULATIVE : TPP_MINUTES_PER_DAY;
    str_field(L, &m, "cite", true, &out->cite);
    const node *bands = field(L, &m, "bands", true);
    if (!seq_node(L, bands, "bands"))
        return;
    const char *bctx = sub(L, ctx, "bands");
    size_t i = 0;
    for (const node *item = bands->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_BANDS, "bands", bctx, "TPP_MAX_BANDS"))
            break;
        tpp_band b = {.below = TPP_BAND_OPEN};
        mapv bm;
        if (!map_open(L, item, sub_index(L, bctx, i), "bands[]", band_keys, &bm)) {
            out->incomplete = true;
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
            out->incomplete = true;
            continue;
        }
        b.pos = P(fv);
        if (b.from >= b.below) {
            char cur_s[48];
            tpp_rl_band_text(&b, cur_s, sizeof cur_s);
            err_at(L, fv, "band %s is empty: 'from' must be less than 'below'", cur_s);
            out->incomplete = true;
            continue;
        }
        /* order, overlaps, gaps, unreachable rows and monotonicity: rules/check.c */
        out->bands[out->n_bands++] = b;
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
        e.pos = P(item);
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
        rs->cap_pos = P(c.map);
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
        tpp_predicate_rule p = {.pos = P(k)};
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

/* performance.lag: exactly one of `months` (M - N) or `years` (the annual result of Y - N). */
static void load_perf_lag(loader *L, const node *v)
{
    static const char *const keys[] = {"months", "years", "cite", NULL};
    tpp_perf_lag *lag = &L->rs->perf_lag;
    mapv m;
    if (skip(v) || !map_open(L, v, "performance.lag", "lag", keys, &m))
        return;
    lag->pos = P(v);
    str_field(L, &m, "cite", true, &lag->cite);
    const node *mv = field(L, &m, "months", false), *yv = field(L, &m, "years", false);
    int64_t n;
    if (mv != NULL && yv != NULL) {
        err_at(L, yv, "'performance.lag' takes 'months' or 'years', not both");
        return;
    }
    if (mv == NULL && yv == NULL) {
        err_at(L, v, "'performance.lag' needs 'months' (1-12) or 'years' (1-3)");
        return;
    }
    /* A lag of 0 is the month itself: leave `lag` out. More than a year of months, or three
     * years, is a typing error rather than a rule (domain brief §4.2: next month, next year). */
    if (!skip(mv) && int_node(L, mv, "months", 1, 12, &n))
        lag->months = (int32_t)n;
    if (!skip(yv) && int_node(L, yv, "years", 1, 3, &n))
        lag->years = (int32_t)n;
}

static void load_performance(loader *L, const node *v)
{
    static const char *const keys[] = {"component", "mode",    "rounding", "cite", "predicates",
                                       "score",     "missing", "lag",      NULL};
    static const char *const missing_keys[] = {"multiplier", "cite", NULL};
    static const char *const score_keys[] = {"cap", NULL};
    static const char *const modes[] = {"predicate", "score", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m, mm, sm;
    rs->perf_component = -1;
    if (!map_open(L, v, "performance", "performance", keys, &m))
        return;
    rs->perf_pos = P(v);
    int mode = 0;
    enum_field(L, &m, "mode", false, modes, &mode);
    rs->perf_mode = mode == 1 ? TPP_PERF_SCORE : TPP_PERF_PREDICATE;
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
    /* a score-mode pack may still map predicates (they are then unused) */
    load_predicates(L, field(L, &m, "predicates", rs->perf_mode == TPP_PERF_PREDICATE));
    rs->score_cap = (tpp_ratio){100, 1};
    if (map_open(L, field(L, &m, "score", rs->perf_mode == TPP_PERF_SCORE), "performance.score",
                 "score", score_keys, &sm))
        ratio_field(L, &sm, "cap", true, &rs->score_cap);
    if (map_open(L, field(L, &m, "missing", true), "performance.missing", "missing", missing_keys,
                 &mm)) {
        ratio_field(L, &mm, "multiplier", true, &rs->missing_multiplier);
        str_field(L, &mm, "cite", true, &rs->missing_cite);
    }
    load_perf_lag(L, field(L, &m, "lag", false));
}

static void load_ptkp(loader *L, const node *v)
{
    tpp_ruleset *rs = L->rs;
    const char *ctx = "payment.pph21.ptkp";
    if (skip(v))
        return;
    if (v->kind != TPP_RL_MAP) {
        bad_type(L, v, "ptkp", "a mapping of PTKP status to TER category (A, B, C)");
        return;
    }
    size_t i = 0;
    for (const node *k = v->first; k != NULL && k->next != NULL; k = k->next->next, i++) {
        if (!within(L, k, i, TPP_MAX_PTKP, "PTKP statuses", ctx, "TPP_MAX_PTKP"))
            break;
        const node *val = k->next;
        if (k->kind != TPP_RL_SCALAR || tpp_rl_is_null(k)) {
            bad_type(L, k, "ptkp", "a PTKP status such as TK/0 or K/1");
            continue;
        }
        if (skip(val))
            continue;
        if (val->kind != TPP_RL_SCALAR || val->len != 1 || val->text[0] < 'A' ||
            val->text[0] > 'C') {
            bad_type(L, val, k->text, "a TER category: A, B or C");
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < rs->n_ptkp; j++)
            dup = dup || strcmp(rs->ptkp[j].ptkp, k->text) == 0;
        if (dup) {
            err_at(L, k, "duplicate PTKP status '%.*s' in '%s'", QUOTE_MAX, k->text, ctx);
            continue;
        }
        rs->ptkp[rs->n_ptkp++] = (tpp_ptkp_rule){keep_str(L, k->text), val->text[0] - 'A'};
    }
}

static void load_ter_rows(loader *L, const node *v, const char *ctx, tpp_ter_table *t, int cat)
{
    static const char *const keys[] = {"from", "to", "rate", NULL};
    if (!seq_node(L, v, "rows"))
        return;
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_TER_ROWS, "TER rows", ctx, "TPP_MAX_TER_ROWS"))
            break;
        tpp_ter_row r = {.pos = P(item), .to = TPP_MONEY_OPEN};
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "rows[]", keys, &m))
            continue;
        const node *fv = field(L, &m, "from", true), *tv = field(L, &m, "to", true);
        bool ok = !skip(fv) && number_scalar(L, fv, "from", "a whole number of rupiah");
        if (ok && (!tpp_money_parse(fv->text, fv->len, &r.from) || r.from < 0)) {
            err_at(L, fv, "'from' must be a whole number of rupiah >= 0, got '%.*s'", QUOTE_MAX,
                   fv->text);
            ok = false;
        }
        if (!skip(tv) && !tpp_rl_is_null(tv)) {
            if (!number_scalar(L, tv, "to", "a whole number of rupiah or ~"))
                ok = false;
            else if (!tpp_money_parse(tv->text, tv->len, &r.to) || r.to < 0) {
                err_at(L, tv, "'to' must be a whole number of rupiah or ~, got '%.*s'", QUOTE_MAX,
                       tv->text);
                ok = false;
            }
        } else if (skip(tv)) {
            ok = false;
        }
        ok = ratio_field(L, &m, "rate", true, &r.rate) && ok;
        if (ok && r.to < r.from) {
            err_at(L, item, "TER row [%lld, %lld] ends before it starts", (long long)r.from,
                   (long long)r.to);
            ok = false;
        }
        if (ok)
            t->rows[cat][t->n_rows[cat]++] = r;
    }
}

static void load_ter(loader *L, const node *v)
{
    static const char *const keys[] = {"valid_from", "cite", "A", "B", "C", NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "payment.pph21.ter";
    if (!seq_node(L, v, "ter"))
        return;
    if (v->n > TPP_MAX_TER_TABLES) {
        err_at(L, v, "too many TER tables in '%s': at most %d (TPP_MAX_TER_TABLES)", ctx,
               TPP_MAX_TER_TABLES);
        return;
    }
    rs->ter = tpp_rl_arena_alloc(L->keep, TPP_MAX_TER_TABLES * sizeof *rs->ter);
    if (rs->ter == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        tpp_ter_table *t = &rs->ter[rs->n_ter];
        mapv m;
        const char *tctx = sub_index(L, ctx, i);
        if (!map_open(L, item, tctx, "ter[]", keys, &m))
            continue;
        t->pos = P(item);
        bool ok = date_field(L, &m, "valid_from", true, false, &t->valid_from, NULL);
        str_field(L, &m, "cite", true, &t->cite);
        for (int c = 0; c < 3; c++)
            load_ter_rows(L, field(L, &m, keys[2 + c], true), sub(L, tctx, keys[2 + c]), t, c);
        if (ok)
            rs->n_ter++;
    }
}

/* payment.pph21.annual: the December reconciliation with the Pasal 17 brackets. */
static void load_annual(loader *L, const node *v)
{
    static const char *const keys[] = {
        "month", "job_cost_percent", "job_cost_max", "ptkp", "brackets", "cite", NULL};
    static const char *const bkeys[] = {"to", "rate", NULL};
    tpp_annual_rule *a = &L->rs->annual;
    const char *ctx = "payment.pph21.annual";
    mapv m;
    if (!map_open(L, v, ctx, "annual", keys, &m))
        return;
    a->defined = true;
    a->pos = P(v);
    int64_t x;
    const node *mv = field(L, &m, "month", true);
    if (!skip(mv) && int_node(L, mv, "month", 1, 12, &x))
        a->month = (int)x;
    ratio_field(L, &m, "job_cost_percent", true, &a->job_cost_percent);
    money_field(L, &m, "job_cost_max", true, &a->job_cost_max);
    str_field(L, &m, "cite", true, &a->cite);
    const node *pv = field(L, &m, "ptkp", true);
    if (!skip(pv) && pv->kind != TPP_RL_MAP) {
        bad_type(L, pv, "ptkp", "a mapping of PTKP status to annual rupiah");
    } else if (!skip(pv)) {
        for (const node *k = pv->first; k != NULL && k->next != NULL; k = k->next->next) {
            if (a->n_ptkp >= TPP_MAX_PTKP) {
                err_at(L, k, "too many PTKP amounts in '%s' (TPP_MAX_PTKP)", ctx);
                break;
            }
            int64_t amt;
            if (k->kind != TPP_RL_SCALAR || tpp_rl_is_null(k)) {
                bad_type(L, k, "ptkp", "a PTKP status such as TK/0 or K/1");
                continue;
            }
            if (skip(k->next) || !int_node(L, k->next, k->text, 0, INT64_MAX / 4, &amt))
                continue;
            a->ptkp[a->n_ptkp++] = (tpp_ptkp_amount){keep_str(L, k->text), amt};
        }
    }
    const node *bv = field(L, &m, "brackets", true);
    if (!seq_node(L, bv, "brackets"))
        return;
    size_t i = 0;
    tpp_money prev = 0;
    for (const node *item = bv->first; item != NULL; item = item->next, i++) {
        if (!within(L, item, i, TPP_MAX_BRACKETS, "brackets", ctx, "TPP_MAX_BRACKETS"))
            break;
        mapv b;
        tpp_bracket br = {.pos = P(item), .to = TPP_MONEY_OPEN};
        if (!map_open(L, item, sub_index(L, sub(L, ctx, "brackets"), i), "brackets[]", bkeys, &b))
            continue;
        const node *tv = field(L, &b, "to", true);
        bool ok = ratio_field(L, &b, "rate", true, &br.rate);
        if (!skip(tv) && !tpp_rl_is_null(tv))
            ok = money_field(L, &b, "to", true, &br.to) && ok;
        if (ok && (br.to <= prev || prev == TPP_MONEY_OPEN)) {
            err_at(L, item, "brackets of '%s' must rise, each 'to' above the previous one", ctx);
            ok = false;
        }
        if (ok) {
            prev = br.to;
            a->brackets[a->n_brackets++] = br;
        }
    }
    if (a->n_brackets > 0 && a->brackets[a->n_brackets - 1].to != TPP_MONEY_OPEN)
        err_at(L, bv, "the last bracket of '%s' must be open ('to: ~')", ctx);
}

static void load_payment(loader *L, const node *v)
{
    static const char *const keys[] = {"rounding", "bpjs", "pph21", "zakat", NULL};
    static const char *const zakat_keys[] = {"percent", "cite", NULL};
    static const char *const bpjs_keys[] = {"employer_percent", "employee_percent", "wage_cap",
                                            "cite", NULL};
    static const char *const pph_keys[] = {"mode", "cite", "ptkp", "ter", "annual", NULL};
    static const char *const modes[] = {"none", "borne_by_pemda", "withheld", NULL};
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
        rs->pph21_mode = mode == 2   ? TPP_PPH21_WITHHELD
                         : mode == 1 ? TPP_PPH21_BORNE_BY_PEMDA
                                     : TPP_PPH21_NONE;
        str_field(L, &p, "cite", true, &rs->pph21_cite);
        load_ptkp(L, field(L, &p, "ptkp", mode == 2));
        load_ter(L, field(L, &p, "ter", mode == 2));
        const node *av = field(L, &p, "annual", false);
        if (!skip(av)) {
            if (mode != 2)
                err_at(L, av, "'payment.pph21.annual' needs mode 'withheld'");
            load_annual(L, av);
        }
    }
    mapv z;
    if (map_open(L, field(L, &m, "zakat", false), "payment.zakat", "zakat", zakat_keys, &z)) {
        rs->zakat.defined = true;
        ratio_field(L, &z, "percent", true, &rs->zakat.percent);
        str_field(L, &z, "cite", true, &rs->zakat.cite);
    }
}

/* ---- test cases (`tests:`) ---- */

static const char *const case_fields[] = {
    "besaran",       "discipline_cut", "performance_cut", "tpp",
    "bpjs_employer", "bpjs_employee",  "gross",           "net",
    "workdays",      "late_minutes",   "deferred",        "pot_bulan_lalu",
    "pot_hukdis",    "pph21",          "zakat",           NULL};

static bool case_time(loader *L, const node *v, const char *key, int32_t *out)
{
    if (v->kind != TPP_RL_SCALAR || v->len != 5 || !parse_hhmm(v->text, out)) {
        bad_type(L, v, key, "a time HH:MM");
        return false;
    }
    return true;
}

/* A date inside the case's month (first..last); false (reported) otherwise. */
static bool case_date(loader *L, const node *v, const char *key, tpp_date first, tpp_date last,
                      tpp_date *out)
{
    if (skip(v))
        return false;
    if (v->kind != TPP_RL_SCALAR || !tpp_date_parse(v->text, v->len, out)) {
        bad_type(L, v, key, "a date (YYYY-MM-DD)");
        return false;
    }
    if (first != TPP_DATE_NONE && (*out < first || *out > last)) {
        err_at(L, v, "'%s' %.*s is not in the case's period", key, QUOTE_MAX, v->text);
        return false;
    }
    return true;
}

static int date_cmp(const void *a, const void *b)
{
    tpp_date x = *(const tpp_date *)a, y = *(const tpp_date *)b;
    return (x > y) - (x < y);
}

static void load_case_employee(loader *L, const node *v, const char *ctx, tpp_rules_case *c,
                               tpp_date first, tpp_date last)
{
    static const char *const keys[] = {
        "class",     "schedule",   "status",         "position", "salary_bpjs_base", "predicate",
        "score",     "start_date", "end_date",       "ptkp",     "salary_gross",     "salary_pph21",
        "ytd_gross", "ytd_pph21",  "annual_pension", "zakat",    "carried",          NULL};
    static const char *const scheds[] = {"5day", "6day", "shift", NULL};
    tpp_ruleset *rs = L->rs;
    mapv m;
    if (!map_open(L, v, ctx, "employee", keys, &m))
        return;
    const node *kv = field(L, &m, "class", true);
    int64_t k;
    if (!skip(kv) && int_node(L, kv, "class", 1, TPP_MAX_CLASS, &k))
        c->kelas = (int)k;
    int sched = 0;
    enum_field(L, &m, "schedule", false, scheds, &sched);
    c->schedule = (tpp_schedule_kind)sched;
    str_field(L, &m, "status", false, &c->status);
    str_field(L, &m, "position", false, &c->position);
    const node *sv = field(L, &m, "salary_bpjs_base", false);
    if (!skip(sv) && int_node(L, sv, "salary_bpjs_base", 0, INT64_MAX / 4, &k))
        c->salary_bpjs_base = k;
    const node *pv = field(L, &m, "predicate", false);
    c->predicate = -1;
    if (!skip(pv) && !tpp_rl_is_null(pv)) {
        if (pv->kind != TPP_RL_SCALAR ||
            (c->predicate = tpp_rules_predicate_index(rs, pv->text)) < 0)
            err_at(L, pv, "unknown predicate '%.*s' (not in 'performance.predicates')", QUOTE_MAX,
                   pv->kind == TPP_RL_SCALAR ? pv->text : "?");
    }
    const node *scv = field(L, &m, "score", false);
    if (!skip(scv) && ratio_node(L, scv, "score", &c->score))
        c->has_score = true;
    const node *dv = field(L, &m, "start_date", false);
    if (!skip(dv) && !case_date(L, dv, "start_date", first, last, &c->start_date))
        c->start_date = TPP_DATE_NONE;
    dv = field(L, &m, "end_date", false);
    if (!skip(dv) && !case_date(L, dv, "end_date", first, last, &c->end_date))
        c->end_date = TPP_DATE_NONE;
    str_field(L, &m, "ptkp", false, &c->ptkp);
    static const char *const money_keys[] = {"salary_gross", "salary_pph21", "ytd_gross",
                                             "ytd_pph21", "annual_pension"};
    tpp_money *money_out[] = {&c->salary_gross, &c->salary_pph21, &c->ytd_gross, &c->ytd_pph21,
                              &c->annual_pension};
    for (int i = 0; i < 5; i++) {
        const node *mv = field(L, &m, money_keys[i], false);
        if (!skip(mv) && int_node(L, mv, money_keys[i], 0, INT64_MAX / 4, &k)) {
            *money_out[i] = k;
            if (i >= 2)
                c->has_annual = true;
        }
    }
    bool_field(L, &m, "zakat", false, &c->zakat);
    const node *cv = field(L, &m, "carried", false);
    if (!skip(cv) && int_node(L, cv, "carried", -(INT64_MAX / 4), INT64_MAX / 4, &k))
        c->carried = k;
}

/* `sanctions: [{ id, start_period, months?, percent? }]`: decided sanctions, which may start
 * before the case's month. */
static void load_case_sanctions(loader *L, const node *v, const char *ctx, tpp_rules_case *c)
{
    static const char *const keys[] = {"id", "start_period", "months", "percent", NULL};
    if (!seq_node(L, v, "sanctions"))
        return;
    c->sanctions = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *c->sanctions);
    if (c->sanctions == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "sanctions[]", keys, &m))
            continue;
        tpp_emp_sanction s = {.rule = -1};
        const node *iv = field(L, &m, "id", true), *pv = field(L, &m, "start_period", true);
        bool ok = !skip(iv) && !skip(pv);
        if (!skip(iv) && (iv->kind != TPP_RL_SCALAR ||
                          (s.rule = tpp_rules_sanction_index(L->rs, iv->text)) < 0)) {
            err_at(L, iv, "unknown sanction '%.*s' (not in 'sanctions')", QUOTE_MAX,
                   iv->kind == TPP_RL_SCALAR ? iv->text : "?");
            ok = false;
        }
        char extra;
        if (!skip(pv) &&
            (pv->kind != TPP_RL_SCALAR || pv->len != 7 ||
             sscanf(pv->text, "%4d-%2d%c", &s.start_year, &s.start_month, &extra) != 2 ||
             s.start_month < 1 || s.start_month > 12)) {
            bad_type(L, pv, "start_period", "a month YYYY-MM");
            ok = false;
        }
        const node *mv = field(L, &m, "months", false);
        int64_t x;
        if (!skip(mv) && int_node(L, mv, "months", 1, 36, &x))
            s.months = (int32_t)x;
        if (ratio_field(L, &m, "percent", false, &s.percent))
            s.has_percent = true;
        if (ok)
            c->sanctions[c->n_sanctions++] = s;
    }
}

/* `acting: [{ kind: plt|plh, class, start_date, end_date }]`; dates may lie outside the month. */
static void load_case_acting(loader *L, const node *v, const char *ctx, tpp_rules_case *c)
{
    static const char *const keys[] = {"kind", "class", "start_date", "end_date", NULL};
    static const char *const kinds[] = {"plt", "plh", NULL};
    if (!seq_node(L, v, "acting"))
        return;
    c->assignments = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *c->assignments);
    if (c->assignments == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "acting[]", keys, &m))
            continue;
        tpp_assignment a = {0};
        int kind = 0;
        bool ok = enum_field(L, &m, "kind", true, kinds, &kind);
        a.kind = kind;
        const node *kv = field(L, &m, "class", true);
        int64_t x = 0;
        ok = !skip(kv) && int_node(L, kv, "class", 1, TPP_MAX_CLASS, &x) && ok;
        a.kelas = (int)x;
        ok = date_field(L, &m, "start_date", true, false, &a.start, NULL) && ok;
        ok = date_field(L, &m, "end_date", true, false, &a.end, NULL) && ok;
        if (ok && a.end < a.start) {
            err_at(L, item, "'end_date' is before 'start_date'");
            ok = false;
        }
        if (ok)
            c->assignments[c->n_assignments++] = a;
    }
}

/* `roster: [{ date, start: HH:MM, end: HH:MM }]`: the shifts of a shift worker, dates inside the
 * month, at most one a day; an end at or before the start is on the next day. */
static void load_case_roster(loader *L, const node *v, const char *ctx, tpp_rules_case *c,
                             tpp_date first, tpp_date last)
{
    static const char *const keys[] = {"date", "start", "end", NULL};
    if (!seq_node(L, v, "roster"))
        return;
    c->shifts = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *c->shifts);
    if (c->shifts == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "roster[]", keys, &m))
            continue;
        tpp_shift s = {0};
        bool ok = case_date(L, field(L, &m, "date", true), "date", first, last, &s.day);
        const node *sv = field(L, &m, "start", true), *ev = field(L, &m, "end", true);
        ok = !skip(sv) && case_time(L, sv, "start", &s.start) && ok;
        ok = !skip(ev) && case_time(L, ev, "end", &s.end) && ok;
        if (ok && s.start >= 1440) {
            err_at(L, sv, "a shift cannot start at 24:00");
            ok = false;
        }
        if (ok && s.end <= s.start)
            s.end += 1440; /* a night shift ends the next day */
        if (ok && c->n_shifts > 0 && c->shifts[c->n_shifts - 1].day >= s.day) {
            err_at(L, item, "roster dates must rise, one shift a day");
            ok = false;
        }
        if (ok)
            c->shifts[c->n_shifts++] = s;
    }
}

static void load_case_days(loader *L, const node *v, const char *ctx, tpp_rules_case *c,
                           tpp_date first, tpp_date last)
{
    static const char *const keys[] = {"date", "in", "out", "absent", "absence", NULL};
    if (!seq_node(L, v, "days"))
        return;
    c->days = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *c->days);
    if (c->days == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "days[]", keys, &m))
            continue;
        tpp_case_day d = {.pos = P(item), .in = -1, .out = -1, .absence = -1};
        bool ok = case_date(L, field(L, &m, "date", true), "date", first, last, &d.day);
        const node *iv = get(&m, "in"), *ov = get(&m, "out"), *av = get(&m, "absence");
        bool absent = false;
        bool_field(L, &m, "absent", false, &absent);
        int kinds = (iv != NULL || ov != NULL) + absent + (av != NULL);
        if (kinds != 1) {
            err_at(L, item, "a day needs exactly one of: in/out, absent: true, absence: <type>");
            ok = false;
        }
        if (iv != NULL && !skip(iv) && !tpp_rl_is_null(iv) && !case_time(L, iv, "in", &d.in))
            ok = false;
        if (ov != NULL && !skip(ov) && !tpp_rl_is_null(ov) && !case_time(L, ov, "out", &d.out))
            ok = false;
        if (av != NULL && !skip(av)) {
            if (av->kind != TPP_RL_SCALAR ||
                (d.absence = tpp_rules_absence_index(L->rs, av->text)) < 0) {
                err_at(L, av, "unknown absence type '%.*s' (not in 'discipline.absences')",
                       QUOTE_MAX, av->kind == TPP_RL_SCALAR ? av->text : "?");
                ok = false;
            }
        }
        d.kind = av != NULL ? TPP_CASE_ABSENCE : absent ? TPP_CASE_ABSENT : TPP_CASE_PRESENT;
        for (size_t j = 0; ok && j < c->n_days; j++)
            if (c->days[j].day == d.day) {
                err_at(L, item, "the date is listed twice in '%s'", ctx);
                ok = false;
            }
        if (ok)
            c->days[c->n_days++] = d;
    }
}

static void load_case_events(loader *L, const node *v, const char *ctx, tpp_rules_case *c,
                             tpp_date first, tpp_date last)
{
    static const char *const keys[] = {"date", "type", "minutes", NULL};
    if (!seq_node(L, v, "events"))
        return;
    c->events = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *c->events);
    if (c->events == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        mapv m;
        if (!map_open(L, item, sub_index(L, ctx, i), "events[]", keys, &m))
            continue;
        tpp_case_event e = {0};
        bool ok = case_date(L, field(L, &m, "date", true), "date", first, last, &e.day);
        const node *tv = field(L, &m, "type", true);
        if (!skip(tv) &&
            (tv->kind != TPP_RL_SCALAR || (e.type = tpp_rules_event_index(L->rs, tv->text)) < 0)) {
            err_at(L, tv, "unknown event type '%.*s' (not in 'discipline.events')", QUOTE_MAX,
                   tv->kind == TPP_RL_SCALAR ? tv->text : "?");
            ok = false;
        }
        ok = !skip(tv) && ok;
        minutes_field(L, &m, "minutes", false, 0, &e.minutes);
        if (ok)
            c->events[c->n_events++] = e;
    }
}

static void load_case_expect(loader *L, const node *v, const char *ctx, tpp_rules_case *c)
{
    static const char *const keys[] = {"besaran",
                                       "discipline_cut",
                                       "performance_cut",
                                       "tpp",
                                       "bpjs_employer",
                                       "bpjs_employee",
                                       "gross",
                                       "net",
                                       "workdays",
                                       "late_minutes",
                                       "deferred",
                                       "pot_bulan_lalu",
                                       "pot_hukdis",
                                       "pph21",
                                       "zakat",
                                       "components",
                                       NULL};
    mapv m;
    if (!map_open(L, v, ctx, "expect", keys, &m))
        return;
    c->expect = tpp_rl_arena_alloc(L->keep, TPP_CF_COUNT * sizeof *c->expect);
    c->expect_components =
        tpp_rl_arena_alloc(L->keep, TPP_MAX_COMPONENTS * sizeof *c->expect_components);
    if (c->expect == NULL || c->expect_components == NULL) {
        L->oom = true;
        return;
    }
    for (int f = 0; f < TPP_CF_COUNT; f++) {
        const node *fv = m.val[f];
        if (skip(fv))
            continue;
        tpp_case_expect e = {.field = (tpp_case_field)f, .pos = P(fv)};
        if (f == TPP_CF_DEFERRED) {
            bool b = false;
            if (!bool_field(L, &m, "deferred", false, &b))
                continue;
            e.value = b;
        } else if (!int_node(L, fv, case_fields[f], 0, INT64_MAX / 4, &e.value)) {
            continue;
        }
        c->expect[c->n_expect++] = e;
    }
    const node *cv = get(&m, "components");
    if (skip(cv))
        goto check;
    if (cv->kind != TPP_RL_MAP) {
        bad_type(L, cv, "components", "a mapping of component id to rupiah");
        goto check;
    }
    for (const node *k = cv->first; k != NULL && k->next != NULL; k = k->next->next) {
        tpp_case_component e = {.pos = P(k->next)};
        if (k->kind != TPP_RL_SCALAR ||
            (e.component = tpp_rules_component_index(L->rs, k->text)) < 0) {
            err_at(L, k, "unknown component '%.*s' in 'expect.components'", QUOTE_MAX,
                   k->kind == TPP_RL_SCALAR ? k->text : "?");
            continue;
        }
        if (skip(k->next) || !int_node(L, k->next, k->text, 0, INT64_MAX / 4, &e.value))
            continue;
        if (c->n_expect_components < TPP_MAX_COMPONENTS)
            c->expect_components[c->n_expect_components++] = e;
    }
check:
    if (m.map->n == 0)
        err_at(L, v, "'expect' must give at least one amount");
}

static void load_cases(loader *L, const node *v)
{
    static const char *const keys[] = {"name",   "period", "holidays",  "employee", "days",
                                       "events", "expect", "sanctions", "acting",   "roster",
                                       NULL};
    tpp_ruleset *rs = L->rs;
    const char *ctx = "tests";
    if (!seq_node(L, v, "tests"))
        return;
    if (v->n > TPP_MAX_CASES) {
        err_at(L, v, "too many test cases: at most %d (TPP_MAX_CASES)", TPP_MAX_CASES);
        return;
    }
    rs->cases = tpp_rl_arena_alloc(L->keep, (v->n ? v->n : 1) * sizeof *rs->cases);
    if (rs->cases == NULL) {
        L->oom = true;
        return;
    }
    size_t i = 0;
    for (const node *item = v->first; item != NULL; item = item->next, i++) {
        const char *cctx = sub_index(L, ctx, i);
        tpp_rules_case c = {.pos = P(item),
                            .start_date = TPP_DATE_NONE,
                            .end_date = TPP_DATE_NONE,
                            .predicate = -1};
        mapv m;
        if (!map_open(L, item, cctx, "tests[]", keys, &m))
            continue;
        bool ok = str_field(L, &m, "name", true, &c.name);
        const node *pv = field(L, &m, "period", true);
        tpp_date first = TPP_DATE_NONE, last = TPP_DATE_NONE;
        if (!skip(pv)) {
            int y = 0, mo = 0;
            char extra;
            if (pv->kind != TPP_RL_SCALAR || pv->len != 7 ||
                sscanf(pv->text, "%4d-%2d%c", &y, &mo, &extra) != 2 || y < 1900 || mo < 1 ||
                mo > 12) {
                bad_type(L, pv, "period", "a month YYYY-MM");
                ok = false;
            } else {
                c.year = y;
                c.month = mo;
                first = tpp_date_from_ymd(y, mo, 1);
                last = first + tpp_days_in_month(y, mo) - 1;
            }
        } else {
            ok = false;
        }
        if (!ok) /* dates inside the case cannot be checked without its month */
            continue;
        const node *hv = field(L, &m, "holidays", false);
        if (seq_node(L, hv, "holidays")) {
            c.holidays = tpp_rl_arena_alloc(L->keep, (hv->n ? hv->n : 1) * sizeof *c.holidays);
            if (c.holidays == NULL) {
                L->oom = true;
                return;
            }
            for (const node *h = hv->first; h != NULL; h = h->next)
                if (case_date(L, h, "holidays", first, last, &c.holidays[c.n_holidays]))
                    c.n_holidays++;
            qsort(c.holidays, c.n_holidays, sizeof *c.holidays, date_cmp);
        }
        load_case_employee(L, field(L, &m, "employee", true), sub(L, cctx, "employee"), &c, first,
                           last);
        load_case_roster(L, field(L, &m, "roster", false), sub(L, cctx, "roster"), &c, first,
                         last);
        load_case_days(L, field(L, &m, "days", false), sub(L, cctx, "days"), &c, first, last);
        load_case_events(L, field(L, &m, "events", false), sub(L, cctx, "events"), &c, first, last);
        load_case_expect(L, field(L, &m, "expect", true), sub(L, cctx, "expect"), &c);
        load_case_sanctions(L, field(L, &m, "sanctions", false), sub(L, cctx, "sanctions"), &c);
        load_case_acting(L, field(L, &m, "acting", false), sub(L, cctx, "acting"), &c);
        rs->cases[rs->n_cases++] = c;
    }
}

static void load_root(loader *L, const node *root)
{
    static const char *const keys[] = {"pack",       "besaran",     "components", "calendar",
                                       "discipline", "performance", "payment",    "status",
                                       "acting",     "sanctions",   "tests",      NULL};
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
    load_status(L, field(L, &m, "status", false));
    load_acting(L, field(L, &m, "acting", false));
    load_sanctions(L, field(L, &m, "sanctions", false));
    /* the cases refer to everything above: absence and event types, predicates, components */
    load_cases(L, field(L, &m, "tests", false));
    /* static checks: on what was read; an item with an error of its own was left out */
    tpp_rl_check(L->rs, &L->d);
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
    /* the strings a compact trace refers to by number (rules/trace.c) */
    L.rs->trace_pool_ = tpp_trace_pool_build(L.rs);
    if (L.rs->trace_pool_ == NULL) {
        tpp_rules_free(L.rs);
        return tpp_fail(err, TPP_ERR_NOMEM, file_loc, "out of memory while loading rule pack '%s'",
                        path);
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
    tpp_trace_pool_free(rs->trace_pool_);
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

int tpp_rules_status_index(const tpp_ruleset *rs, const char *status)
{
    if (rs == NULL || status == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_status; i++)
        if (rs->status[i].status != NULL && strcmp(rs->status[i].status, status) == 0)
            return (int)i;
    return -1;
}

int tpp_rules_sanction_index(const tpp_ruleset *rs, const char *id)
{
    if (rs == NULL || id == NULL)
        return -1;
    for (size_t i = 0; i < rs->n_sanctions; i++)
        if (rs->sanctions[i].id != NULL && strcmp(rs->sanctions[i].id, id) == 0)
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

void tpp_rules_perf_period(const tpp_ruleset *rs, int year, int month, int *perf_year,
                           int *perf_month)
{
    *perf_year = year;
    *perf_month = month;
    if (rs == NULL)
        return;
    if (rs->perf_lag.years > 0) {
        *perf_year = year - rs->perf_lag.years;
        *perf_month = 12;
    } else if (rs->perf_lag.months > 0) {
        /* months since year 0, so that January minus one is the previous December */
        int k = year * 12 + (month - 1) - rs->perf_lag.months;
        *perf_year = k / 12;
        *perf_month = k % 12 + 1;
    }
}
