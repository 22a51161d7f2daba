/* Export a stored run: read its lines in payment-list order (OPD, then NIP) and hand them to the
 * exporters; then list every file written, with its hash, count and total, in the signed
 * manifest. Reads only what the run stored, so an export never recomputes anything. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine/arena.h"
#include "engine/config.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/audit.h"
#include "tpp/batch.h"
#include "tpp/date.h"
#include "tpp/export.h"
#include "tpp/rules.h"

static const char *dup_col(tpp_arena *a, sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return tpp_arena_strdup(a, s ? (const char *)s : "");
}

static tpp_status find_run(tpp_store *st, const char *period, int64_t *run_id, char *pack_sha,
                           tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT id, pack_sha256 FROM run WHERE period = ?1 AND "
                              "(?2 = 0 OR id = ?2) ORDER BY id DESC LIMIT 1",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, *run_id);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(q, 0);
        snprintf(pack_sha, 65, "%s", (const char *)sqlite3_column_text(q, 1));
    } else if (*run_id > 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no run %lld for period %s",
                      (long long)*run_id, period);
    } else {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "no run for period %s (compute one with 'tpp run --period %s')", period,
                      period);
    }
    sqlite3_finalize(q);
    return rc;
}

/* The run's pack, kept loaded for the XLSX "Rumus" sheet (*rs_out, caller frees). */
static tpp_status load_pack_meta(tpp_store *st, const char *sha, tpp_arena *a,
                                 tpp_export_meta *meta, tpp_ruleset **rs_out, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT path, text FROM rule_pack WHERE sha256 = ?1", &q, err));
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    tpp_status rc;
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "the run's rule pack %s is missing", sha);
    }
    tpp_ruleset *rs = NULL;
    tpp_diags *diags = tpp_diags_new(stderr);
    rc = tpp_rules_load((const char *)sqlite3_column_text(q, 0),
                        (const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1),
                        diags, &rs, err);
    tpp_diags_free(diags);
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    meta->region = tpp_arena_strdup(a, rs->region);
    meta->reg_number = tpp_arena_strdup(a, rs->reg_number);
    meta->reg_title = tpp_arena_strdup(a, rs->reg_title);
    meta->pack_id = tpp_arena_strdup(a, rs->id);
    meta->pack_sha256 = tpp_arena_strdup(a, rs->sha256);
    meta->illustrative = rs->illustrative;
    meta->rules = rs;
    *rs_out = rs;
    return TPP_OK;
}

/* ---- the provisional seal ---------------------------------------------------------------- */

static void hash_escaped(crypto_hash_sha256_state *h, const unsigned char *s, int len)
{
    /* Tabs and line breaks separate the fields and records, so they (and the escape) are
     * escaped: the hashed text is unambiguous. */
    int from = 0;
    for (int i = 0; i < len; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\t' ? "\\t"
                          : s[i] == '\n' ? "\\n"
                                         : NULL;
        if (esc == NULL)
            continue;
        crypto_hash_sha256_update(h, s + from, (unsigned long long)(i - from));
        crypto_hash_sha256_update(h, (const unsigned char *)esc, 2);
        from = i + 1;
    }
    crypto_hash_sha256_update(h, s + from, (unsigned long long)(len - from));
}

/* The run's seal until finalize exists: SHA-256 over "tpp-run-seal 1\nrun <id>\npack <sha>\n"
 * and one line per stored result in (unit_code, nip) order, every column of the result table in
 * table order, tab-separated (SQLite's text of each value; the trace as its compact bytes, escaped
 * like any value). Documented in exporters/manifest.c. The rows come from the export's one pass
 * over the run (below). */
static void seal_begin(crypto_hash_sha256_state *h, int64_t run_id, const char *pack_sha)
{
    crypto_hash_sha256_init(h);
    char head[160];
    int hl =
        snprintf(head, sizeof head, "tpp-run-seal 1\nrun %" PRId64 "\npack %s\n", run_id, pack_sha);
    crypto_hash_sha256_update(h, (const unsigned char *)head, (unsigned long long)hl);
}

/* q: a row of SELECT * FROM result */
static void seal_row(crypto_hash_sha256_state *h, sqlite3_stmt *q)
{
    int nc = sqlite3_column_count(q);
    for (int c = 0; c < nc; c++) {
        const unsigned char *v = sqlite3_column_text(q, c);
        if (c > 0)
            crypto_hash_sha256_update(h, (const unsigned char *)"\t", 1);
        if (v != NULL)
            hash_escaped(h, v, sqlite3_column_bytes(q, c));
    }
    crypto_hash_sha256_update(h, (const unsigned char *)"\n", 1);
}

/* The columns of a payline, by name: the pass reads whole rows (SELECT *) for the seal. */
static const char *const line_columns[] = {
    "nip",           "name",         "unit_code",      "unit_name",          "position",
    "grade",         "npwp",         "bank_name",      "bank_account",       "class",
    "status",        "message",      "workdays",       "days_present",       "days_absent",
    "days_missing_punch", "days_excused", "late_minutes", "early_minutes",   "deferred",
    "perf_missing",  "besaran",      "percent_bp",     "discipline_cut",     "performance_cut",
    "tpp",           "pot_bulan_lalu", "pot_hukdis",   "bpjs_employer",      "gross",
    "bpjs_employee", "deductions",   "net_before_tax", "pph21",              "net",
    "line",
};
enum { N_LINE_COLUMNS = sizeof line_columns / sizeof line_columns[0] };

/* ---- workspace settings ------------------------------------------------------------------ */

typedef struct setting {
    const char *key, *unit, *value;
} setting;

typedef struct settings {
    tpp_arena *a;
    setting *v;
    size_t n, cap;
    int oom;
} settings;

static void collect(void *user, const char *key, const char *unit, const char *value)
{
    settings *s = user;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        setting *b = realloc(s->v, nc * sizeof *b);
        if (b == NULL) {
            s->oom = 1;
            return;
        }
        s->v = b;
        s->cap = nc;
    }
    s->v[s->n++] =
        (setting){tpp_arena_strdup(s->a, key), unit ? tpp_arena_strdup(s->a, unit) : NULL,
                  tpp_arena_strdup(s->a, value)};
}

/* The setting for key in unit, else the unscoped one, else NULL. */
static const char *setting_get(const settings *s, const char *key, const char *unit)
{
    const char *any = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].key, key) != 0)
            continue;
        if (s->v[i].unit == NULL)
            any = s->v[i].value;
        else if (unit != NULL && strcmp(s->v[i].unit, unit) == 0)
            return s->v[i].value;
    }
    return any;
}

static void fill_signatures(const settings *s, const char *unit, const char *date,
                            tpp_signatures *out)
{
    out->known.title = setting_get(s, "sign.known.title", unit);
    out->known.name = setting_get(s, "sign.known.name", unit);
    out->known.nip = setting_get(s, "sign.known.nip", unit);
    out->payer.title = setting_get(s, "sign.payer.title", unit);
    out->payer.name = setting_get(s, "sign.payer.name", unit);
    out->payer.nip = setting_get(s, "sign.payer.nip", unit);
    out->place = setting_get(s, "sign.place", unit);
    out->date = date;
}

/* "end-of-month" or YYYY-MM-DD into words; NULL/empty stays NULL (dotted on the list). */
static tpp_status sign_date_words(const char *v, int year, int month, tpp_arena *a,
                                  const char **out, tpp_error *err)
{
    *out = NULL;
    if (v == NULL || *v == '\0')
        return TPP_OK;
    int y = year, m = month, d = tpp_days_in_month(year, month);
    if (strcmp(v, "end-of-month") != 0) {
        tpp_date t;
        if (!tpp_date_parse(v, strlen(v), &t))
            return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                            "invalid signature date '%s' (expected YYYY-MM-DD or end-of-month)", v);
        tpp_date_to_ymd(t, &y, &m, &d);
    }
    char buf[64];
    if (!tpp_date_words_id(y, m, d, buf, sizeof buf))
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "invalid signature date '%s'", v);
    *out = tpp_arena_strdup(a, buf);
    return TPP_OK;
}

/* Per-OPD signature blocks for every unit that has a scoped sign.* setting. */
static tpp_status unit_signatures(const settings *s, const tpp_payline *lines, size_t n,
                                  const char *date, tpp_arena *a, tpp_export_meta *meta,
                                  tpp_error *err)
{
    size_t n_units = 0;
    for (size_t i = 0; i < n; i++)
        n_units += i == 0 || strcmp(lines[i].unit_code, lines[i - 1].unit_code) != 0;
    tpp_unit_signatures *u = tpp_arena_alloc(a, (n_units ? n_units : 1) * sizeof *u, 8);
    if (u == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(lines[i].unit_code, lines[i - 1].unit_code) == 0)
            continue;
        bool scoped = false;
        for (size_t j = 0; j < s->n; j++)
            scoped |= s->v[j].unit != NULL && strcmp(s->v[j].unit, lines[i].unit_code) == 0 &&
                      strncmp(s->v[j].key, "sign.", 5) == 0;
        if (!scoped)
            continue;
        u[k].unit_code = lines[i].unit_code;
        fill_signatures(s, lines[i].unit_code, date, &u[k].sign);
        k++;
    }
    meta->unit_sign = u;
    meta->n_unit_sign = k;
    return TPP_OK;
}

/* ---- bank files ---------------------------------------------------------------------------- */

static tpp_status load_template(const char *spec, tpp_diags *diags, tpp_bank_template **out,
                                tpp_error *err)
{
    size_t len = strlen(spec);
    if (strchr(spec, '/') == NULL && (len < 5 || strcmp(spec + len - 5, ".yaml") != 0))
        return tpp_bank_template_builtin(spec, diags, out, err);
    char *text = NULL;
    size_t tl = 0;
    TPP_TRY(tpp_file_read(spec, &text, &tl, err));
    tpp_status rc = tpp_bank_template_load(spec, text, tl, diags, out, err);
    free(text);
    return rc;
}

/* Split "a, b,c" into at most max trimmed names (in the arena). */
static size_t split_list(const char *v, tpp_arena *a, const char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = v; *p && n < max;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if (t > p)
            out[n++] = tpp_arena_strndup(a, p, (size_t)(t - p));
        p = e;
    }
    return n;
}

/* The bank files to write: templates loaded and every paid line assigned, before any file is
 * written, so that a bad template or an unassigned line leaves the directory as it was. */
typedef struct bank_plan {
    size_t nb;
    tpp_bank_template *t[TPP_EXPORT_MAX_BANKS];
    const tpp_payline **take; /* nb x n: the lines of bank b start at take[b * n] */
    size_t counts[TPP_EXPORT_MAX_BANKS];
    tpp_bank_param params[64];
    size_t n_params;
} bank_plan;

static void bank_plan_release(bank_plan *bp)
{
    for (size_t b = 0; b < bp->nb; b++)
        tpp_bank_template_free(bp->t[b]);
    free(bp->take);
}

static tpp_status plan_banks(const tpp_export_options *opt, const settings *cfg, tpp_arena *a,
                             const tpp_payline *lines, size_t n, bank_plan *bp,
                             tpp_export_summary *sum, tpp_error *err)
{
    const char *names[TPP_EXPORT_MAX_BANKS];
    size_t nb = 0;
    if (opt->banks != NULL) {
        if (opt->n_banks > TPP_EXPORT_MAX_BANKS)
            return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "at most %d bank templates",
                            TPP_EXPORT_MAX_BANKS);
        for (nb = 0; nb < opt->n_banks; nb++)
            names[nb] = opt->banks[nb];
    } else {
        const char *v = setting_get(cfg, "export.banks", NULL);
        nb = split_list(v ? v : "generic", a, names, TPP_EXPORT_MAX_BANKS);
    }
    if (nb == 0)
        return TPP_OK;
    for (size_t i = 0; i < cfg->n && bp->n_params < 64; i++)
        if (cfg->v[i].unit == NULL && strncmp(cfg->v[i].key, "bank.", 5) == 0)
            bp->params[bp->n_params++] = (tpp_bank_param){cfg->v[i].key + 5, cfg->v[i].value};
    bp->take = calloc(n ? n * nb : 1, sizeof *bp->take);
    if (bp->take == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t b = 0; b < nb; b++) {
        TPP_TRY(load_template(names[b], opt->diags, &bp->t[b], err));
        bp->nb++;
        for (size_t c = 0; c < b; c++)
            if (strcmp(tpp_bank_template_id(bp->t[b]), tpp_bank_template_id(bp->t[c])) == 0)
                return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "bank template '%s' given twice",
                                tpp_bank_template_id(bp->t[b]));
    }
    /* Every paid line goes to exactly one bank file: otherwise Σ bank files would not be the
     * payment list's total, and someone would be paid twice or not at all. */
    size_t unassigned = 0, doubled = 0;
    char first_bad[160] = "";
    for (size_t i = 0; i < n; i++) {
        const tpp_payline *l = &lines[i];
        if (!l->ok || l->net <= 0) {
            sum->n_unpaid++;
            continue;
        }
        size_t hits = 0;
        for (size_t b = 0; b < nb; b++)
            if (tpp_bank_template_takes(bp->t[b], l)) {
                bp->take[b * n + bp->counts[b]++] = l;
                hits++;
            }
        if (hits != 1 && first_bad[0] == '\0')
            snprintf(first_bad, sizeof first_bad, "NIP %s (bank '%s')", l->nip, l->bank_name);
        unassigned += hits == 0;
        doubled += hits > 1;
    }
    if (unassigned > 0 || doubled > 0)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "%zu paid lines fall to no bank template and %zu to more than one, first "
                        "%s: every paid line must be in exactly one bank file (add a template "
                        "whose 'banks:' lists it, or one without 'banks:')",
                        unassigned, doubled, first_bad);
    /* Render each file once in memory now: a value that does not fit its template fails here,
     * before anything is written. */
    for (size_t b = 0; b < nb; b++) {
        char *buf;
        size_t len;
        tpp_file_stats fs;
        tpp_export_meta m = {.year = opt->year, .month = opt->month, .run_id = sum->run_id};
        TPP_TRY(tpp_bank_render(bp->t[b], &m, bp->take + b * n, bp->counts[b], bp->params,
                                bp->n_params, &buf, &len, &fs, err));
        free(buf);
    }
    return TPP_OK;
}

static tpp_status write_banks(const bank_plan *bp, const char *out_dir, size_t n,
                              const tpp_export_meta *meta, const char *period,
                              tpp_export_summary *sum, tpp_manifest *man, tpp_error *err)
{
    for (size_t b = 0; b < bp->nb; b++) {
        char *path = sum->bank_path[b];
        snprintf(path, sizeof sum->bank_path[b], "%s/bank-%s-%s.%s", out_dir,
                 tpp_bank_template_id(bp->t[b]), period, tpp_bank_template_ext(bp->t[b]));
        tpp_file_stats fs;
        TPP_TRY(tpp_export_bank(path, bp->t[b], meta, bp->take + b * n, bp->counts[b], bp->params,
                                bp->n_params, &fs, err));
        sum->n_banks++;
        sum->bank_records[b] = fs.records;
        sum->bank_total[b] = fs.total;
        tpp_manifest_file *mf = &man->files[man->n_files++];
        snprintf(mf->name, sizeof mf->name, "%s", strrchr(path, '/') + 1);
        snprintf(mf->kind, sizeof mf->kind, "bank:%s", tpp_bank_template_id(bp->t[b]));
        mf->stats = fs;
    }
    return TPP_OK;
}

/* Temporary files of an earlier export into out_dir that was killed before its renames: only
 * those of the names this export writes (engine/stale_tmp.c). */
static tpp_status remove_stale_temps(const char *out_dir, const char *period, unsigned formats,
                                     const bank_plan *bp, tpp_export_summary *sum, tpp_error *err)
{
    char names[TPP_EXPORT_MAX_BANKS + 3][256];
    const char *list[TPP_EXPORT_MAX_BANKS + 3];
    size_t n = 0;
    snprintf(names[n++], sizeof names[0], "tpp-%s.manifest", period);
    if (formats & TPP_EXPORT_XLSX)
        snprintf(names[n++], sizeof names[0], "tpp-%s.xlsx", period);
    if (formats & TPP_EXPORT_CSV)
        snprintf(names[n++], sizeof names[0], "tpp-%s.csv", period);
    for (size_t b = 0; (formats & TPP_EXPORT_BANK) && b < bp->nb; b++)
        snprintf(names[n++], sizeof names[0], "bank-%s-%s.%s", tpp_bank_template_id(bp->t[b]),
                 period, tpp_bank_template_ext(bp->t[b]));
    for (size_t i = 0; i < n; i++)
        list[i] = names[i];
    return tpp_remove_stale_temps(out_dir, list, n, &sum->n_stale_removed, err);
}

tpp_status tpp_batch_export_opt(tpp_store *st, const tpp_export_options *opt,
                                tpp_export_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    int year = opt->year, month = opt->month;
    int64_t run_id = opt->run_id;
    unsigned formats = opt->formats;
    const char *out_dir = opt->out_dir ? opt->out_dir : ".";
    char period[8], pack_sha[65];
    snprintf(period, sizeof period, "%04d-%02d", year, month);
    TPP_TRY(find_run(st, period, &run_id, pack_sha, err));
    sum->run_id = run_id;

    tpp_arena *a = tpp_arena_new(1 << 16);
    tpp_payline *lines = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q = NULL, *order = NULL;
    tpp_export_meta meta = {.year = year, .month = month, .run_id = run_id};
    tpp_ruleset *rs = NULL;
    settings cfg = {.a = a};
    tpp_manifest *man = calloc(1, sizeof *man);
    tpp_signatures sign;
    const char *date = NULL;
    tpp_status rc = a && man ? TPP_OK : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK)
        rc = load_pack_meta(st, pack_sha, a, &meta, &rs, err);
    if (rc == TPP_OK)
        rc = tpp_config_list(st, collect, &cfg, err);
    if (rc == TPP_OK && cfg.oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK)
        rc = sign_date_words(opt->sign_date ? opt->sign_date : setting_get(&cfg, "sign.date", NULL),
                             year, month, a, &date, err);
    if (rc == TPP_OK) {
        fill_signatures(&cfg, NULL, date, &sign);
        meta.sign = &sign;
    }
    /* One pass over the run in payment-list order. Only the keys are sorted: sorting whole rows
     * would hold every trace of the run in the sorter (in memory: the workspace keeps temporary
     * B-trees there), gigabytes at national size. Each row is then read once by its rowid, hashed
     * for the provisional seal and kept as a payline. */
    if (rc == TPP_OK)
        rc = tpp_store_prepare(
            st, "SELECT rowid FROM result WHERE run_id = ?1 ORDER BY unit_code, nip", &order, err);
    if (rc == TPP_OK)
        rc = tpp_store_prepare(st, "SELECT * FROM result WHERE rowid = ?1", &q, err);
    if (rc != TPP_OK)
        goto done;
    int col[N_LINE_COLUMNS];
    for (int i = 0; i < N_LINE_COLUMNS; i++) {
        col[i] = -1;
        for (int c = 0; c < sqlite3_column_count(q) && col[i] < 0; c++)
            if (strcmp(sqlite3_column_name(q, c), line_columns[i]) == 0)
                col[i] = c;
        if (col[i] < 0) {
            rc = tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "the result table has no column '%s'",
                          line_columns[i]);
            goto done;
        }
    }
    crypto_hash_sha256_state seal;
    seal_begin(&seal, run_id, pack_sha);
    sqlite3_bind_int64(order, 1, run_id);
    int step;
    const char *prev_unit = NULL;
    while ((step = sqlite3_step(order)) == SQLITE_ROW) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, sqlite3_column_int64(order, 0));
        if ((step = sqlite3_step(q)) != SQLITE_ROW) {
            step = step == SQLITE_DONE ? SQLITE_ERROR : step; /* the row is gone: no silent end */
            break;
        }
        seal_row(&seal, q);
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            tpp_payline *p = realloc(lines, nc * sizeof *p);
            if (p == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                goto done;
            }
            lines = p;
            cap = nc;
        }
        tpp_payline *l = &lines[n++];
        memset(l, 0, sizeof *l);
        const char **texts[] = {&l->nip,   &l->name, &l->unit_code, &l->unit_name,   &l->position,
                                &l->grade, &l->npwp, &l->bank_name, &l->bank_account};
        for (int i = 0; i < 9; i++)
            *texts[i] = dup_col(a, q, col[i]);
        l->kelas = sqlite3_column_int(q, col[9]);
        l->ok = strcmp((const char *)sqlite3_column_text(q, col[10]), "ok") == 0;
        l->message = dup_col(a, q, col[11]);
        int32_t *ints[] = {&l->workdays,           &l->days_present, &l->days_absent,
                           &l->days_missing_punch, &l->days_excused, &l->late_minutes,
                           &l->early_minutes};
        for (int i = 0; i < 7; i++)
            *ints[i] = sqlite3_column_int(q, col[12 + i]);
        l->deferred = sqlite3_column_int(q, col[19]) != 0;
        l->perf_missing = sqlite3_column_int(q, col[20]) != 0;
        l->besaran = sqlite3_column_int64(q, col[21]);
        l->percent_bp = sqlite3_column_int(q, col[22]);
        tpp_money *money[] = {&l->discipline_cut, &l->performance_cut, &l->tpp,
                              &l->pot_bulan_lalu, &l->pot_hukdis,      &l->bpjs_employer,
                              &l->gross,          &l->bpjs_employee,   &l->deductions,
                              &l->net_before_tax, &l->pph21,           &l->net};
        for (int i = 0; i < 12; i++)
            *money[i] = sqlite3_column_int64(q, col[23 + i]);
        /* zakat is what the stored columns leave between col 16 - 17 and col 18 (the result
         * keeps cols 16, 17, 18, sealed; the trace's payment.zakat step says the same) */
        l->zakat = l->ok ? l->net_before_tax - l->pph21 - l->net : 0;
        l->line = sqlite3_column_int(q, col[35]);
        if (prev_unit == NULL || strcmp(prev_unit, l->unit_code) != 0)
            sum->n_units++;
        prev_unit = l->unit_code;
        if (!tpp_money_add(sum->total_net, l->net, &sum->total_net)) {
            rc = tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the net total");
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read the run's results");
        goto done;
    }
    {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&seal, d);
        tpp_hex(d, sizeof d, sum->seal);
    }
    sum->n_lines = n;
    tpp_file_stats paid;
    rc = unit_signatures(&cfg, lines, n, date, a, &meta, err);
    if (rc == TPP_OK)
        rc = tpp_paylines_stats(lines, n, &paid, err);
    /* The signing key is read before anything is written: a bad key must not leave files
     * without their signed manifest. */
    unsigned char sk[TPP_SIGN_SECRET_BYTES];
    const char *key = opt->key_path ? opt->key_path : setting_get(&cfg, "signing.key", NULL);
    bool signing = key != NULL && *key != '\0';
    if (rc == TPP_OK && signing)
        rc = tpp_key_load_secret(key, sk, err);
    bank_plan bp = {0};
    if (rc == TPP_OK && (formats & TPP_EXPORT_BANK))
        rc = plan_banks(opt, &cfg, a, lines, n, &bp, sum, err);
    if (rc == TPP_OK)
        rc = tpp_mkdirs(out_dir, err);
    if (rc == TPP_OK)
        rc = remove_stale_temps(out_dir, period, formats, &bp, sum, err);
    if (rc == TPP_OK && (formats & TPP_EXPORT_XLSX)) {
        snprintf(sum->xlsx_path, sizeof sum->xlsx_path, "%s/tpp-%s.xlsx", out_dir, period);
        rc = tpp_export_xlsx(sum->xlsx_path, &meta, lines, n, err);
        tpp_manifest_file *mf = &man->files[man->n_files++];
        snprintf(mf->name, sizeof mf->name, "tpp-%s.xlsx", period);
        snprintf(mf->kind, sizeof mf->kind, "payment-xlsx");
        mf->stats = paid;
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_CSV)) {
        snprintf(sum->csv_path, sizeof sum->csv_path, "%s/tpp-%s.csv", out_dir, period);
        rc = tpp_export_csv(sum->csv_path, &meta, lines, n, err);
        tpp_manifest_file *mf = &man->files[man->n_files++];
        snprintf(mf->name, sizeof mf->name, "tpp-%s.csv", period);
        snprintf(mf->kind, sizeof mf->kind, "machine-csv");
        mf->stats = paid;
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_BANK))
        rc = write_banks(&bp, out_dir, n, &meta, period, sum, man, err);
    bank_plan_release(&bp);
    if (rc == TPP_OK) {
        man->year = year;
        man->month = month;
        man->run_id = run_id;
        snprintf(man->pack_id, sizeof man->pack_id, "%s", meta.pack_id);
        snprintf(man->pack_sha256, sizeof man->pack_sha256, "%s", pack_sha);
        /* A sealed run carries its Merkle root (the value published and used by inclusion
         * proofs); a draft carries the provisional digest of its stored results. */
        tpp_seal_info si;
        tpp_error ignore;
        if (tpp_seal_of_run(st, run_id, &si, &ignore) == TPP_OK) {
            snprintf(man->seal_kind, sizeof man->seal_kind, "final");
            snprintf(man->seal, sizeof man->seal, "%s", si.merkle_root);
        } else {
            snprintf(man->seal_kind, sizeof man->seal_kind, "provisional");
            snprintf(man->seal, sizeof man->seal, "%s", sum->seal);
        }
        man->n_lines = n;
        man->total_net = paid.total;
        rc = tpp_manifest_write(out_dir, man, signing ? sk : NULL, sum->manifest_path,
                                sizeof sum->manifest_path, err);
        sum->manifest_signed = signing;
    }
    sodium_memzero(sk, sizeof sk);
done:
    sqlite3_finalize(q);
    sqlite3_finalize(order);
    free(lines);
    free(cfg.v);
    free(man);
    tpp_rules_free(rs);
    tpp_arena_free(a);
    return rc;
}

tpp_status tpp_batch_export(tpp_store *st, int year, int month, int64_t run_id, unsigned formats,
                            const char *out_dir, tpp_export_summary *sum, tpp_error *err)
{
    tpp_export_options opt = {
        .year = year, .month = month, .run_id = run_id, .formats = formats, .out_dir = out_dir};
    return tpp_batch_export_opt(st, &opt, sum, err);
}
