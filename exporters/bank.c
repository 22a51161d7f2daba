/* Bank transfer files from per-bank YAML templates (format: exporters/banks/README.md).
 *
 * BPD mass-transfer formats are not public, so nothing about a bank is hard-coded: a template
 * says the column order, delimited or fixed width, padding, header and trailer records with the
 * record count and total, and how amounts are written. The one rule that is not configurable:
 * amounts are the engine's integer rupiah, never re-rounded, so Σ bank file = Σ net of the
 * payment list, and a value that does not fit its width is an error rather than cut. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "engine/util.h"
#include "tpp/export.h"

typedef enum fkind {
    F_TEXT, /* literal */
    F_SEQ,  /* 1, 2, ... per file */
    F_NIP,
    F_NAME,
    F_ACCOUNT,
    F_BANK,
    F_UNIT_CODE,
    F_UNIT_NAME,
    F_AMOUNT,
    F_PERIOD, /* YYYYMM */
    F_MONTH,  /* "Januari 2025" */
    F_COUNT,  /* header/trailer: number of records */
    F_TOTAL,  /* header/trailer: Σ amount */
    F_RUN,
    F_PARAM /* a value from the workspace configuration */
} fkind;

enum { IN_DETAIL = 1, IN_EDGE = 2, IN_ANY = 3 };

static const struct {
    const char *name;
    fkind kind;
    int where;
    bool number; /* right-aligned by default; never cut */
    bool cuttable;
} field_defs[] = {
    {"text", F_TEXT, IN_ANY, false, true},
    {"seq", F_SEQ, IN_DETAIL, true, false},
    {"nip", F_NIP, IN_DETAIL, false, false},
    {"name", F_NAME, IN_DETAIL, false, true},
    {"account", F_ACCOUNT, IN_DETAIL, false, false},
    {"bank", F_BANK, IN_DETAIL, false, true},
    {"unit_code", F_UNIT_CODE, IN_DETAIL, false, false},
    {"unit_name", F_UNIT_NAME, IN_DETAIL, false, true},
    {"amount", F_AMOUNT, IN_DETAIL, true, false},
    {"period", F_PERIOD, IN_ANY, false, false},
    {"month", F_MONTH, IN_ANY, false, true},
    {"count", F_COUNT, IN_EDGE, true, false},
    {"total", F_TOTAL, IN_EDGE, true, false},
    {"run", F_RUN, IN_ANY, true, false},
    {"param", F_PARAM, IN_ANY, false, false},
};
#define N_FIELD_DEFS (sizeof field_defs / sizeof field_defs[0])

typedef struct item {
    int def; /* index into field_defs */
    char *text;
    char *param;
    char *prefix, *suffix;
    int width; /* 0 = as long as it is */
    bool right;
    char pad;
    bool upper;
    bool digits; /* keep only the digits (account numbers written with dots or dashes) */
} item;

typedef struct record {
    item *items;
    size_t n;
} record;

struct tpp_bank_template {
    char *id, *name, *ext;
    bool fixed;
    char delim;
    bool quote_never;
    const char *eol;
    int decimals;
    char mark; /* '\0' = implied decimals */
    bool mark_set;
    char **banks;
    size_t n_banks;
    record *header;
    size_t n_header;
    record detail;
    record *trailer;
    size_t n_trailer;
};

static void free_record(record *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].text);
        free(r->items[i].param);
        free(r->items[i].prefix);
        free(r->items[i].suffix);
    }
    free(r->items);
}

void tpp_bank_template_free(tpp_bank_template *t)
{
    if (t == NULL)
        return;
    free(t->id);
    free(t->name);
    free(t->ext);
    for (size_t i = 0; i < t->n_banks; i++)
        free(t->banks[i]);
    free(t->banks);
    for (size_t i = 0; i < t->n_header; i++)
        free_record(&t->header[i]);
    free(t->header);
    free_record(&t->detail);
    for (size_t i = 0; i < t->n_trailer; i++)
        free_record(&t->trailer[i]);
    free(t->trailer);
    free(t);
}

const char *tpp_bank_template_id(const tpp_bank_template *t)
{
    return t->id;
}

const char *tpp_bank_template_ext(const tpp_bank_template *t)
{
    return t->ext;
}

bool tpp_bank_template_takes(const tpp_bank_template *t, const tpp_payline *l)
{
    if (t->n_banks == 0)
        return true;
    for (size_t i = 0; i < t->n_banks; i++)
        if (l->bank_name != NULL && strcasecmp(t->banks[i], l->bank_name) == 0)
            return true;
    return false;
}

/* ---- loading --------------------------------------------------------------------------------- */

typedef struct loader {
    yaml_document_t doc;
    const char *path;
    tpp_diags *diags;
    bool oom;
} loader;

static tpp_srcloc loc(const loader *ld, const yaml_node_t *n)
{
    return (tpp_srcloc){.path = ld->path,
                        .line = (unsigned)n->start_mark.line + 1,
                        .col = (unsigned)n->start_mark.column + 1};
}

static const char *scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *dup_s(loader *ld, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        ld->oom = true;
    return d;
}

/* A scalar value, or an error at the node. */
static const char *want_scalar(loader *ld, const yaml_node_t *v, const char *key)
{
    const char *s = scalar(v);
    if (s == NULL)
        tpp_diag_error(ld->diags, loc(ld, v), "'%s' must be a single value", key);
    return s;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static void load_item(loader *ld, const yaml_node_t *n, int where, item *it)
{
    memset(it, 0, sizeof *it);
    it->def = -1;
    it->pad = ' ';
    if (n->type != YAML_MAPPING_NODE) {
        tpp_diag_error(ld->diags, loc(ld, n),
                       "a column must be a mapping like { field: name, width: 30 }");
        return;
    }
    const char *align = NULL;
    const yaml_node_t *field_node = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = scalar(k);
        const char *val = key ? want_scalar(ld, v, key) : NULL;
        if (key == NULL || val == NULL)
            continue;
        if (strcmp(key, "field") == 0) {
            field_node = v;
            for (size_t i = 0; i < N_FIELD_DEFS; i++)
                if (strcmp(field_defs[i].name, val) == 0)
                    it->def = (int)i;
            if (it->def < 0) {
                tpp_diag_error(ld->diags, loc(ld, v),
                               "unknown field '%s' (fields: text, seq, nip, name, account, bank, "
                               "unit_code, unit_name, amount, period, month, count, total, run, "
                               "param)",
                               val);
                it->def = -2;
            }
        } else if (strcmp(key, "text") == 0) {
            it->text = dup_s(ld, val);
        } else if (strcmp(key, "param") == 0) {
            it->param = dup_s(ld, val);
        } else if (strcmp(key, "prefix") == 0) {
            it->prefix = dup_s(ld, val);
        } else if (strcmp(key, "suffix") == 0) {
            it->suffix = dup_s(ld, val);
        } else if (strcmp(key, "width") == 0) {
            if (!parse_int(val, 1, 1000, &it->width))
                tpp_diag_error(ld->diags, loc(ld, v), "width must be a whole number 1..1000");
        } else if (strcmp(key, "align") == 0) {
            align = val;
            if (strcmp(val, "left") != 0 && strcmp(val, "right") != 0)
                tpp_diag_error(ld->diags, loc(ld, v), "align must be left or right");
        } else if (strcmp(key, "pad") == 0) {
            if (strlen(val) != 1 || (unsigned char)val[0] < 0x20 || (unsigned char)val[0] > 0x7e)
                tpp_diag_error(ld->diags, loc(ld, v), "pad must be one printable character");
            else
                it->pad = val[0];
        } else if (strcmp(key, "upper") == 0) {
            if (!parse_bool(val, &it->upper))
                tpp_diag_error(ld->diags, loc(ld, v), "upper must be true or false");
        } else if (strcmp(key, "digits") == 0) {
            if (!parse_bool(val, &it->digits))
                tpp_diag_error(ld->diags, loc(ld, v), "digits must be true or false");
        } else {
            tpp_diag_error(ld->diags, loc(ld, k),
                           "unknown key '%s' in a column (keys: field, text, param, prefix, "
                           "suffix, width, align, pad, upper, digits)",
                           key);
        }
    }
    if (it->def == -2)
        return;
    if (it->def < 0) {
        if (it->text == NULL) {
            tpp_diag_error(ld->diags, loc(ld, n),
                           "a column needs 'field' (or 'text' for a literal)");
            return;
        }
        it->def = 0; /* text */
    }
    const yaml_node_t *at = field_node ? field_node : n;
    fkind kind = field_defs[it->def].kind;
    if ((field_defs[it->def].where & where) == 0)
        tpp_diag_error(ld->diags, loc(ld, at), "field '%s' cannot be used in %s",
                       field_defs[it->def].name,
                       where == IN_DETAIL ? "a detail record" : "a header or trailer");
    if (kind == F_TEXT && it->text == NULL)
        tpp_diag_error(ld->diags, loc(ld, at), "field 'text' needs 'text: <value>'");
    if (kind == F_PARAM && it->param == NULL)
        tpp_diag_error(ld->diags, loc(ld, at), "field 'param' needs 'param: <name>'");
    it->right = align ? strcmp(align, "right") == 0 : field_defs[it->def].number;
}

static void load_record(loader *ld, const yaml_node_t *n, int where, record *r)
{
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top == n->data.sequence.items.start) {
        tpp_diag_error(ld->diags, loc(ld, n), "a record must be a non-empty list of columns");
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    r->items = calloc(cnt, sizeof *r->items);
    if (r->items == NULL) {
        ld->oom = true;
        return;
    }
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
        load_item(ld, yaml_document_get_node(&ld->doc, *i), where, &r->items[r->n++]);
}

static void load_records(loader *ld, const yaml_node_t *n, record **out, size_t *n_out)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        tpp_diag_error(ld->diags, loc(ld, n), "header and trailer are lists of records");
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = calloc(cnt ? cnt : 1, sizeof **out);
    if (*out == NULL) {
        ld->oom = true;
        return;
    }
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
        load_record(ld, yaml_document_get_node(&ld->doc, *i), IN_EDGE, &(*out)[(*n_out)++]);
}

static bool valid_id(const char *s)
{
    if (*s == '\0' || strlen(s) > 40)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

static void check_fixed(loader *ld, const tpp_bank_template *t, const record *r, size_t n,
                        const yaml_node_t *root)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r[i].n; k++)
            if (r[i].items[k].width == 0) {
                tpp_diag_error(ld->diags, loc(ld, root),
                               "layout fixed: every column needs a width (record %zu column %zu "
                               "of template '%s' has none)",
                               i + 1, k + 1, t->id ? t->id : "?");
                return;
            }
}

static void load_root(loader *ld, const yaml_node_t *root, tpp_bank_template *t)
{
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        tpp_diag_error(ld->diags, root ? loc(ld, root) : (tpp_srcloc){.path = ld->path},
                       "a bank template is a mapping (id:, layout:, detail:, ...)");
        return;
    }
    const yaml_node_t *detail = NULL;
    const char *layout = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = scalar(k);
        if (key == NULL) {
            tpp_diag_error(ld->diags, loc(ld, k), "keys must be plain words");
            continue;
        }
        const char *val = v->type == YAML_SCALAR_NODE ? scalar(v) : NULL;
        if (strcmp(key, "id") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            if (!valid_id(val))
                tpp_diag_error(ld->diags, loc(ld, v),
                               "id must be 1-40 letters, digits, '-' or '_' (it names the file)");
            t->id = dup_s(ld, val);
        } else if (strcmp(key, "name") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            t->name = dup_s(ld, val);
        } else if (strcmp(key, "extension") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            if (!valid_id(val))
                tpp_diag_error(ld->diags, loc(ld, v), "extension must be letters or digits");
            t->ext = dup_s(ld, val);
        } else if (strcmp(key, "layout") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            layout = val;
            if (strcmp(val, "delimited") != 0 && strcmp(val, "fixed") != 0)
                tpp_diag_error(ld->diags, loc(ld, v), "layout must be delimited or fixed");
            t->fixed = strcmp(val, "fixed") == 0;
        } else if (strcmp(key, "delimiter") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            if (strcmp(val, "\\t") == 0 || strcmp(val, "\t") == 0)
                t->delim = '\t';
            else if (strlen(val) == 1 && strchr(",;|", val[0]) != NULL)
                t->delim = val[0];
            else
                tpp_diag_error(ld->diags, loc(ld, v),
                               "delimiter must be one of , ; | or a tab (\"\\t\")");
        } else if (strcmp(key, "quote") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            if (strcmp(val, "when-needed") == 0)
                t->quote_never = false;
            else if (strcmp(val, "never") == 0)
                t->quote_never = true;
            else
                tpp_diag_error(ld->diags, loc(ld, v), "quote must be when-needed or never");
        } else if (strcmp(key, "line_end") == 0) {
            if (want_scalar(ld, v, key) == NULL)
                continue;
            if (strcmp(val, "crlf") == 0)
                t->eol = "\r\n";
            else if (strcmp(val, "lf") == 0)
                t->eol = "\n";
            else
                tpp_diag_error(ld->diags, loc(ld, v), "line_end must be crlf or lf");
        } else if (strcmp(key, "amount") == 0) {
            if (v->type != YAML_MAPPING_NODE) {
                tpp_diag_error(ld->diags, loc(ld, v),
                               "amount is a mapping: { decimals: 0|2, decimal_mark: \".\" }");
                continue;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *ak = yaml_document_get_node(&ld->doc, q->key);
                yaml_node_t *av = yaml_document_get_node(&ld->doc, q->value);
                const char *akey = scalar(ak);
                const char *aval = akey ? want_scalar(ld, av, akey) : NULL;
                if (aval == NULL)
                    continue;
                if (strcmp(akey, "decimals") == 0) {
                    if (!parse_int(aval, 0, 2, &t->decimals) || t->decimals == 1)
                        tpp_diag_error(ld->diags, loc(ld, av), "decimals must be 0 or 2");
                } else if (strcmp(akey, "decimal_mark") == 0) {
                    t->mark_set = true;
                    if (strcmp(aval, ".") == 0 || strcmp(aval, ",") == 0)
                        t->mark = aval[0];
                    else if (strcmp(aval, "none") == 0 || aval[0] == '\0')
                        t->mark = '\0';
                    else
                        tpp_diag_error(ld->diags, loc(ld, av),
                                       "decimal_mark must be \".\", \",\" or none (implied)");
                } else {
                    tpp_diag_error(ld->diags, loc(ld, ak),
                                   "unknown key '%s' in amount (decimals, decimal_mark)", akey);
                }
            }
        } else if (strcmp(key, "banks") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                tpp_diag_error(ld->diags, loc(ld, v), "banks is a list of bank_name values");
                continue;
            }
            size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            t->banks = calloc(cnt ? cnt : 1, sizeof *t->banks);
            if (t->banks == NULL) {
                ld->oom = true;
                continue;
            }
            for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
                 i++) {
                const char *b = want_scalar(ld, yaml_document_get_node(&ld->doc, *i), "banks");
                if (b != NULL)
                    t->banks[t->n_banks++] = dup_s(ld, b);
            }
        } else if (strcmp(key, "header") == 0) {
            load_records(ld, v, &t->header, &t->n_header);
        } else if (strcmp(key, "detail") == 0) {
            detail = v;
            load_record(ld, v, IN_DETAIL, &t->detail);
        } else if (strcmp(key, "trailer") == 0) {
            load_records(ld, v, &t->trailer, &t->n_trailer);
        } else {
            tpp_diag_error(ld->diags, loc(ld, k),
                           "unknown key '%s' (keys: id, name, extension, layout, delimiter, "
                           "quote, line_end, amount, banks, header, detail, trailer)",
                           key);
        }
    }
    tpp_srcloc top = loc(ld, root);
    if (t->id == NULL)
        tpp_diag_error(ld->diags, top, "missing 'id'");
    if (layout == NULL)
        tpp_diag_error(ld->diags, top, "missing 'layout' (delimited or fixed)");
    if (detail == NULL)
        tpp_diag_error(ld->diags, top, "missing 'detail' (the columns of one transfer)");
    if (t->fixed && t->delim != 0)
        tpp_diag_error(ld->diags, top, "layout fixed takes no delimiter");
    if (!t->fixed && layout != NULL && t->delim == 0)
        tpp_diag_error(ld->diags, top, "layout delimited needs a delimiter");
    if (t->decimals == 0 && t->mark_set)
        tpp_diag_error(ld->diags, top, "decimal_mark needs decimals: 2");
    if (t->fixed) {
        check_fixed(ld, t, t->header, t->n_header, root);
        check_fixed(ld, t, &t->detail, 1, root);
        check_fixed(ld, t, t->trailer, t->n_trailer, root);
    }
}

tpp_status tpp_bank_template_load(const char *path, const char *text, size_t len, tpp_diags *diags,
                                  tpp_bank_template **out, tpp_error *err)
{
    *out = NULL;
    tpp_diags *own = NULL;
    if (diags == NULL)
        diags = own = tpp_diags_new(NULL);
    if (diags == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    size_t before = tpp_diags_errors(diags);

    tpp_bank_template *t = calloc(1, sizeof *t);
    loader ld = {.path = path, .diags = diags};
    yaml_parser_t parser;
    if (t == NULL || !yaml_parser_initialize(&parser)) {
        free(t);
        tpp_diags_free(own);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    t->eol = "\r\n";
    t->mark = '.';
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &ld.doc)) {
        tpp_srcloc at = {.path = path,
                         .line = (unsigned)parser.problem_mark.line + 1,
                         .col = (unsigned)parser.problem_mark.column + 1};
        tpp_diag_error(diags, at, "YAML: %s", parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        tpp_bank_template_free(t);
        tpp_diags_free(own);
        return tpp_fail(err, TPP_ERR_INVALID, at, "invalid bank template '%s'", path);
    }
    yaml_parser_delete(&parser);
    load_root(&ld, yaml_document_get_root_node(&ld.doc), t);
    yaml_document_delete(&ld.doc);
    if (t->ext == NULL)
        t->ext = dup_s(&ld, t->fixed ? "txt" : "csv");
    if (t->name == NULL && t->id != NULL)
        t->name = dup_s(&ld, t->id);
    tpp_status rc = TPP_OK;
    if (ld.oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    else if (tpp_diags_errors(diags) > before)
        rc = tpp_fail(err, TPP_ERR_INVALID, (tpp_srcloc){.path = path},
                      "invalid bank template (%zu errors)", tpp_diags_errors(diags) - before);
    if (rc != TPP_OK)
        tpp_bank_template_free(t);
    else
        *out = t;
    tpp_diags_free(own);
    return rc;
}

/* The shipped templates, compiled in from exporters/banks/ *.yaml (exporters/CMakeLists.txt). */
extern const char tpp_bank_generic_yaml[];
extern const char tpp_bank_fixed_example_yaml[];

tpp_status tpp_bank_template_builtin(const char *name, tpp_diags *diags, tpp_bank_template **out,
                                     tpp_error *err)
{
    static const struct {
        const char *name;
        const char *text;
        const char *path;
    } builtin[] = {
        {"generic", tpp_bank_generic_yaml, "exporters/banks/generic.yaml"},
        {"fixed-example", tpp_bank_fixed_example_yaml, "exporters/banks/fixed-example.yaml"},
    };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(builtin[i].name, name) == 0)
            return tpp_bank_template_load(builtin[i].path, builtin[i].text, strlen(builtin[i].text),
                                          diags, out, err);
    *out = NULL;
    return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                    "no shipped bank template '%s' (shipped: generic, fixed-example; or give a "
                    "path to a .yaml file)",
                    name);
}

/* ---- rendering ------------------------------------------------------------------------------- */

static const char *const month_id[12] = {"Januari",   "Februari", "Maret",    "April",
                                         "Mei",       "Juni",     "Juli",     "Agustus",
                                         "September", "Oktober",  "November", "Desember"};

typedef struct render {
    const tpp_bank_template *t;
    const tpp_export_meta *meta;
    const tpp_bank_param *params;
    size_t n_params;
    tpp_buf out;
    tpp_buf val;
    tpp_error *err;
    tpp_status rc;
} render;

static void put_amount(const render *r, tpp_buf *b, tpp_money m)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%" PRId64, m);
    tpp_buf_puts(b, digits);
    if (r->t->decimals == 2) {
        if (r->t->mark != '\0')
            tpp_buf_append(b, &r->t->mark, 1);
        tpp_buf_puts(b, "00"); /* whole rupiah: the sen are always zero */
    }
}

/* One column's value into r->val; `who` names the line in errors. */
static void item_value(render *r, const item *it, size_t seq, const tpp_payline *l,
                       const tpp_file_stats *st, const char *who)
{
    tpp_buf *v = &r->val;
    const tpp_export_meta *m = r->meta;
    v->len = 0;
    tpp_buf_puts(v, "");
    if (it->prefix)
        tpp_buf_puts(v, it->prefix);
    switch (field_defs[it->def].kind) {
    case F_TEXT:
        tpp_buf_puts(v, it->text);
        break;
    case F_SEQ:
        tpp_buf_printf(v, "%zu", seq);
        break;
    case F_NIP:
        tpp_buf_puts(v, l->nip ? l->nip : "");
        break;
    case F_NAME:
        tpp_buf_puts(v, l->name ? l->name : "");
        break;
    case F_ACCOUNT:
        tpp_buf_puts(v, l->bank_account ? l->bank_account : "");
        break;
    case F_BANK:
        tpp_buf_puts(v, l->bank_name ? l->bank_name : "");
        break;
    case F_UNIT_CODE:
        tpp_buf_puts(v, l->unit_code ? l->unit_code : "");
        break;
    case F_UNIT_NAME:
        tpp_buf_puts(v, l->unit_name ? l->unit_name : "");
        break;
    case F_AMOUNT:
        put_amount(r, v, l->net);
        break;
    case F_PERIOD:
        tpp_buf_printf(v, "%04d%02d", m->year, m->month);
        break;
    case F_MONTH:
        tpp_buf_printf(v, "%s %d", month_id[m->month - 1], m->year);
        break;
    case F_COUNT:
        tpp_buf_printf(v, "%zu", st->records);
        break;
    case F_TOTAL:
        put_amount(r, v, st->total);
        break;
    case F_RUN:
        tpp_buf_printf(v, "%" PRId64, m->run_id);
        break;
    case F_PARAM: {
        const char *pv = NULL;
        for (size_t i = 0; i < r->n_params; i++)
            if (strcmp(r->params[i].key, it->param) == 0)
                pv = r->params[i].value;
        if (pv == NULL || *pv == '\0') {
            r->rc = tpp_fail(r->err, TPP_ERR_INVALID, TPP_NOLOC,
                             "bank template '%s' needs the parameter '%s' (set it with "
                             "'tpp config set bank.%s VALUE')",
                             r->t->id, it->param, it->param);
            return;
        }
        tpp_buf_puts(v, pv);
        break;
    }
    }
    if (it->suffix)
        tpp_buf_puts(v, it->suffix);
    if (v->oom)
        return;
    if (it->digits) {
        size_t k = 0;
        for (size_t i = 0; i < v->len; i++)
            if (isdigit((unsigned char)v->data[i]))
                v->data[k++] = v->data[i];
        v->len = k;
        v->data[k] = '\0';
    }
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->data[i];
        if (it->upper && c < 0x80)
            v->data[i] = (char)toupper(c);
        /* A fixed-width file counts bytes: a multi-byte character would shift every column
         * after it, so non-ASCII becomes '?' there. Control characters never belong. */
        if (c < 0x20 || c == 0x7f || (r->t->fixed && c >= 0x80))
            v->data[i] = c < 0x20 || c == 0x7f ? ' ' : '?';
    }
    if (field_defs[it->def].kind == F_ACCOUNT && v->len == 0)
        r->rc = tpp_fail(r->err, TPP_ERR_INVALID, TPP_NOLOC,
                         "bank file '%s': %s has no bank account number", r->t->id, who);
    if (it->width > 0 && v->len > (size_t)it->width) {
        if (!field_defs[it->def].cuttable) {
            /* The value itself is not shown: it may be an account number (SPEC §8). */
            r->rc = tpp_fail(r->err, TPP_ERR_INVALID, TPP_NOLOC,
                             "bank file '%s': %s: %s has %zu characters, longer than its width %d",
                             r->t->id, who, field_defs[it->def].name, v->len, it->width);
            return;
        }
        size_t cut = (size_t)it->width; /* back off to a UTF-8 character boundary */
        while (cut > 0 && ((unsigned char)v->data[cut] & 0xc0) == 0x80)
            cut--;
        v->len = cut;
        v->data[cut] = '\0';
    }
}

static void put_record(render *r, const record *rec, size_t seq, const tpp_payline *l,
                       const tpp_file_stats *st, const char *who)
{
    const tpp_bank_template *t = r->t;
    for (size_t i = 0; i < rec->n && r->rc == TPP_OK; i++) {
        const item *it = &rec->items[i];
        item_value(r, it, seq, l, st, who);
        if (r->rc != TPP_OK || r->val.oom)
            return;
        if (i > 0 && !t->fixed)
            tpp_buf_append(&r->out, &t->delim, 1);
        size_t fill = it->width > (int)r->val.len ? (size_t)it->width - r->val.len : 0;
        bool quote = false;
        if (!t->fixed && (memchr(r->val.data, t->delim, r->val.len) != NULL ||
                          memchr(r->val.data, '"', r->val.len) != NULL)) {
            if (t->quote_never) {
                r->rc = tpp_fail(r->err, TPP_ERR_INVALID, TPP_NOLOC,
                                 "bank file '%s': %s: the %s holds the delimiter or a quote and "
                                 "the template says quote: never",
                                 t->id, who, field_defs[it->def].name);
                return;
            }
            quote = true;
        }
        if (quote)
            tpp_buf_append(&r->out, "\"", 1);
        if (it->right)
            for (size_t k = 0; k < fill; k++)
                tpp_buf_append(&r->out, &it->pad, 1);
        for (size_t k = 0; k < r->val.len; k++) {
            if (quote && r->val.data[k] == '"')
                tpp_buf_append(&r->out, "\"", 1);
            tpp_buf_append(&r->out, &r->val.data[k], 1);
        }
        if (!it->right)
            for (size_t k = 0; k < fill; k++)
                tpp_buf_append(&r->out, &it->pad, 1);
        if (quote)
            tpp_buf_append(&r->out, "\"", 1);
    }
    tpp_buf_puts(&r->out, t->eol);
}

tpp_status tpp_bank_render(const tpp_bank_template *t, const tpp_export_meta *meta,
                           const tpp_payline *const *lines, size_t n, const tpp_bank_param *params,
                           size_t n_params, char **buf, size_t *len, tpp_file_stats *stats,
                           tpp_error *err)
{
    *buf = NULL;
    *len = 0;
    memset(stats, 0, sizeof *stats);
    if (meta->month < 1 || meta->month > 12)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "bank file: invalid month %d",
                        meta->month);
    /* The totals go into the header, so they are known before the first record. */
    for (size_t i = 0; i < n; i++) {
        const tpp_payline *l = lines[i];
        if (!l->ok || l->net <= 0)
            return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                            "bank file '%s': NIP %s has nothing to transfer", t->id, l->nip);
        if (!tpp_money_add(stats->total, l->net, &stats->total))
            return tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "bank file '%s': total overflows",
                            t->id);
    }
    stats->records = n;
    render r = {.t = t, .meta = meta, .params = params, .n_params = n_params, .err = err};
    char who[96];
    for (size_t i = 0; i < t->n_header && r.rc == TPP_OK; i++)
        put_record(&r, &t->header[i], 0, NULL, stats, "the header");
    for (size_t i = 0; i < n && r.rc == TPP_OK; i++) {
        snprintf(who, sizeof who, "NIP %s", lines[i]->nip ? lines[i]->nip : "?");
        put_record(&r, &t->detail, i + 1, lines[i], stats, who);
    }
    for (size_t i = 0; i < t->n_trailer && r.rc == TPP_OK; i++)
        put_record(&r, &t->trailer[i], 0, NULL, stats, "the trailer");
    tpp_buf_release(&r.val);
    if (r.rc == TPP_OK && (r.out.oom || r.val.oom))
        r.rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (r.rc != TPP_OK) {
        tpp_buf_release(&r.out);
        return r.rc;
    }
    if (r.out.data == NULL) { /* an empty file: no header, no lines */
        r.out.data = calloc(1, 1);
        if (r.out.data == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    *buf = r.out.data;
    *len = r.out.len;
    return TPP_OK;
}

tpp_status tpp_export_bank(const char *path, const tpp_bank_template *t,
                           const tpp_export_meta *meta, const tpp_payline *const *lines, size_t n,
                           const tpp_bank_param *params, size_t n_params, tpp_file_stats *stats,
                           tpp_error *err)
{
    char *buf;
    size_t len;
    TPP_TRY(tpp_bank_render(t, meta, lines, n, params, n_params, &buf, &len, stats, err));
    tpp_status rc = tpp_file_write_atomic(path, buf, len, err);
    free(buf);
    return rc;
}
