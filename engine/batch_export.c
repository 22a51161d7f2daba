/* Export a stored run: read its lines in payment-list order (OPD, then NIP) and hand them to the
 * exporters; then list every file written, with its hash, count and total, in the signed
 * manifest. Reads only what the run stored, so an export never recomputes anything.
 *
 * Two cores are used, without changing a byte of any file: the XLSX payment list (the bulk of the
 * work, libxlsxwriter) is written on a thread of its own while this thread renders, hashes and
 * stages the CSV and the bank files; a draft run's provisional seal (a SHA-256 over every stored
 * result, traces included) is computed on a third thread with its own read connection while the
 * lines are read. Each file is hashed by the thread that wrote it, from the bytes it wrote, so the
 * manifest does not read the files again. The CSV and the bank files are renamed into place only
 * once the XLSX has succeeded: a failed export leaves the directory as the serial order did. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "engine/arena.h"
#include "engine/config.h"
#include "engine/store.h"
#include "engine/strmap.h"
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

/* Tabs and line breaks separate the fields and records, so they (and the escape) are escaped:
 * the hashed text is unambiguous. The row is escaped into a buffer and hashed in one update (a
 * trace has hundreds of tabs and line breaks; one SHA-256 update per escape cost more than the
 * hashing itself). */
static void put_escaped(tpp_buf *b, const unsigned char *s, int len)
{
    int from = 0;
    for (int i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c != '\\' && c != '\t' && c != '\n')
            continue;
        tpp_buf_append(b, (const char *)s + from, (size_t)(i - from));
        tpp_buf_append(b, c == '\\' ? "\\\\" : c == '\t' ? "\\t" : "\\n", 2);
        from = i + 1;
    }
    tpp_buf_append(b, (const char *)s + from, (size_t)(len - from));
}

/* The run's seal until finalize exists: SHA-256 over "tpp-run-seal 1\nrun <id>\npack <sha>\n"
 * and one line per stored result in (unit_code, nip) order, every column of the result table in
 * table order, tab-separated (SQLite's text of each value; the trace as its compact bytes, escaped
 * like any value). Documented in exporters/manifest.c. Only a draft's export computes it
 * (seal_main, below): a sealed run's manifest carries the run's Merkle root instead. */
static void seal_begin(tpp_sha256 *h, int64_t run_id, const char *pack_sha)
{
    tpp_sha256_init(h);
    char head[160];
    int hl =
        snprintf(head, sizeof head, "tpp-run-seal 1\nrun %" PRId64 "\npack %s\n", run_id, pack_sha);
    tpp_sha256_update(h, head, (size_t)hl);
}

/* q: a row of SELECT * FROM result; row: scratch buffer. */
static void seal_row(tpp_sha256 *h, sqlite3_stmt *q, tpp_buf *row)
{
    int nc = sqlite3_column_count(q);
    row->len = 0;
    for (int c = 0; c < nc; c++) {
        const unsigned char *v = sqlite3_column_text(q, c);
        if (c > 0)
            tpp_buf_append(row, "\t", 1);
        if (v != NULL)
            put_escaped(row, v, sqlite3_column_bytes(q, c));
    }
    tpp_buf_append(row, "\n", 1);
    if (!row->oom)
        tpp_sha256_update(h, row->data, row->len);
}

static tpp_status run_order(tpp_store *st, int64_t run_id, int64_t **out, size_t *n_out,
                            tpp_error *err);

/* The provisional seal of a draft run, on its own thread and its own read connection to the
 * workspace (a SQLite connection is used by one thread at a time), from the start of the export:
 * it asks SQLite for the rows' order itself (the order the seal is defined by, and the lines'). */
typedef struct seal_job {
    const char *db_path;
    size_t n; /* rows hashed */
    int64_t run_id;
    const char *pack_sha;
    atomic_bool stop; /* the export failed elsewhere: the seal is not needed */
    char hex[65];
    tpp_status rc;
    tpp_error err;
} seal_job;

static void *seal_main(void *arg)
{
    seal_job *j = arg;
    tpp_store *st = NULL;
    sqlite3_stmt *q = NULL;
    tpp_buf row = {0};
    int64_t *rowids = NULL;
    j->rc = tpp_store_open(j->db_path, &st, &j->err);
    /* Every trace is read once: a large page cache would only hold pages never read again. */
    if (j->rc == TPP_OK)
        j->rc = tpp_store_exec(st, "PRAGMA cache_size = -8192", &j->err);
    if (j->rc == TPP_OK)
        j->rc = run_order(st, j->run_id, &rowids, &j->n, &j->err);
    if (j->rc == TPP_OK)
        j->rc = tpp_store_prepare(st, "SELECT * FROM result WHERE rowid = ?1", &q, &j->err);
    if (j->rc == TPP_OK) {
        tpp_sha256 h;
        seal_begin(&h, j->run_id, j->pack_sha);
        for (size_t i = 0; i < j->n && j->rc == TPP_OK && !atomic_load(&j->stop); i++) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, rowids[i]);
            if (sqlite3_step(q) != SQLITE_ROW)
                j->rc = tpp_store_fail(st, &j->err, "cannot read the run's results for its seal");
            else
                seal_row(&h, q, &row);
        }
        if (j->rc == TPP_OK && row.oom)
            j->rc = tpp_fail(&j->err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        uint8_t d[TPP_SHA256_BYTES];
        tpp_sha256_final(&h, d);
        tpp_hex(d, sizeof d, j->hex);
    }
    tpp_buf_release(&row);
    free(rowids);
    sqlite3_finalize(q);
    tpp_store_close(st);
    return NULL;
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

/* The bank files to write: templates loaded, every paid line assigned and each file rendered in
 * memory, before any file is written, so that a bad template, an unassigned line or a value that
 * does not fit leaves the directory as it was. The rendered bytes are the ones written. */
typedef struct bank_plan {
    size_t nb;
    tpp_bank_template *t[TPP_EXPORT_MAX_BANKS];
    const tpp_payline **take; /* nb x n: the lines of bank b start at take[b * n] */
    size_t counts[TPP_EXPORT_MAX_BANKS];
    char *buf[TPP_EXPORT_MAX_BANKS];
    size_t len[TPP_EXPORT_MAX_BANKS];
    tpp_file_stats stats[TPP_EXPORT_MAX_BANKS];
    tpp_bank_param params[64];
    size_t n_params;
} bank_plan;

static void bank_plan_release(bank_plan *bp)
{
    for (size_t b = 0; b < bp->nb; b++) {
        tpp_bank_template_free(bp->t[b]);
        free(bp->buf[b]);
    }
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
    return TPP_OK;
}

/* The planned bank files, rendered: after the XLSX has started on its own thread, so that the
 * two overlap (a national bank file is 4 M records). */
static tpp_status render_banks(const tpp_export_meta *meta, size_t n, bank_plan *bp,
                               tpp_error *err)
{
    for (size_t b = 0; b < bp->nb; b++)
        TPP_TRY(tpp_bank_render(bp->t[b], meta, bp->take + b * n, bp->counts[b], bp->params,
                                bp->n_params, &bp->buf[b], &bp->len[b], &bp->stats[b], err));
    return TPP_OK;
}

/* ---- files written in two steps ------------------------------------------------------------ */

/* A file written and synced under its temporary name "<path>.tmp-<pid>" (what
 * tpp_file_write_atomic and engine/stale_tmp.c use), renamed into place by staged_commit. */
typedef struct staged {
    char path[1024];
    char tmp[1100];
    bool live;
    char sha256[65];
    uint64_t bytes;
} staged;

static tpp_status stage_file(staged *s, const char *path, const void *data, size_t len,
                             tpp_error *err)
{
    snprintf(s->path, sizeof s->path, "%s", path);
    snprintf(s->tmp, sizeof s->tmp, "%s.tmp-%ld", path, (long)getpid());
    tpp_sha256_hex(data, len, s->sha256);
    s->bytes = len;
    int fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s': %s", s->tmp,
                        strerror(errno));
    s->live = true;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t put = write(fd, p, left);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            int e = put < 0 ? errno : EIO;
            close(fd);
            return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s': %s", s->tmp,
                            strerror(e));
        }
        p += put;
        left -= (size_t)put;
    }
    /* Synced now, while the XLSX is still being written; the commit's fsync is then cheap. */
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot sync '%s': %s", s->tmp, strerror(e));
    }
    if (close(fd) != 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s': %s", s->tmp,
                        strerror(errno));
    return TPP_OK;
}

static tpp_status staged_commit(staged *s, tpp_error *err)
{
    s->live = false; /* tpp_file_commit removes the temporary file when it fails */
    return tpp_file_commit(s->tmp, s->path, err);
}

static void staged_drop(staged *s)
{
    if (s->live)
        unlink(s->tmp);
    s->live = false;
}

/* The XLSX payment list on its own thread: written to its temporary name, then hashed while its
 * pages are still in the cache. */
typedef struct xlsx_job {
    const char *path; /* final name; written to its temporary name (staged) */
    const char *tmp;
    const tpp_export_meta *meta;
    const tpp_payline *lines;
    size_t n;
    char sha256[65];
    uint64_t bytes;
    tpp_status rc;
    tpp_error err;
} xlsx_job;

static void *xlsx_main(void *arg)
{
    xlsx_job *j = arg;
    j->rc = tpp_export_xlsx_staged(j->path, j->meta, j->lines, j->n, &j->err);
    if (j->rc == TPP_OK)
        j->rc = tpp_sha256_file(j->tmp, j->sha256, &j->bytes, &j->err);
    return NULL;
}

static void manifest_add(tpp_manifest *man, const char *name, const char *kind,
                         const tpp_file_stats *stats, const char *sha256, uint64_t bytes)
{
    tpp_manifest_file *mf = &man->files[man->n_files++];
    snprintf(mf->name, sizeof mf->name, "%s", name);
    snprintf(mf->kind, sizeof mf->kind, "%s", kind);
    mf->stats = *stats;
    mf->hashed = true;
    snprintf(mf->sha256, sizeof mf->sha256, "%s", sha256);
    mf->bytes = bytes;
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

/* The run's rows in payment-list order, as rowids. Only the keys are sorted: sorting whole rows
 * would hold every trace of the run in the sorter (in memory: the workspace keeps temporary
 * B-trees there), gigabytes at national size. */
static tpp_status run_order(tpp_store *st, int64_t run_id, int64_t **out, size_t *n_out,
                            tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(
        st, "SELECT rowid FROM result WHERE run_id = ?1 ORDER BY unit_code, nip", &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    int step;
    tpp_status rc = TPP_OK;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            int64_t *b = realloc(v, nc * sizeof *b);
            if (b == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            v = b;
            cap = nc;
        }
        v[n++] = sqlite3_column_int64(q, 0);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's results");
    sqlite3_finalize(q);
    if (rc != TPP_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n_out = n;
    return TPP_OK;
}

/* The SELECT list of a payline, in line_columns order, after `first` (e.g. "rowid, "). */
static tpp_status line_query(tpp_store *st, const char *first, const char *where,
                             sqlite3_stmt **q, tpp_error *err)
{
    tpp_buf sql = {0};
    tpp_buf_printf(&sql, "SELECT %s", first);
    for (int i = 0; i < N_LINE_COLUMNS; i++)
        tpp_buf_printf(&sql, "%s%s", i ? ", " : "", line_columns[i]);
    tpp_buf_printf(&sql, " FROM result WHERE %s", where);
    if (sql.oom)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    tpp_status rc = tpp_store_prepare(st, sql.data, q, err);
    tpp_buf_release(&sql);
    return rc;
}

/* One payline from the row of a line_query; its columns start at c0. */
static void fill_line(tpp_payline *l, sqlite3_stmt *q, int c0, tpp_arena *a)
{
    memset(l, 0, sizeof *l);
    const char **texts[] = {&l->nip,   &l->name, &l->unit_code, &l->unit_name,   &l->position,
                            &l->grade, &l->npwp, &l->bank_name, &l->bank_account};
    for (int i = 0; i < 9; i++)
        *texts[i] = dup_col(a, q, c0 + i);
    l->kelas = sqlite3_column_int(q, c0 + 9);
    const unsigned char *status = sqlite3_column_text(q, c0 + 10);
    l->ok = status != NULL && strcmp((const char *)status, "ok") == 0;
    l->message = dup_col(a, q, c0 + 11);
    int32_t *ints[] = {&l->workdays,           &l->days_present, &l->days_absent,
                       &l->days_missing_punch, &l->days_excused, &l->late_minutes,
                       &l->early_minutes};
    for (int i = 0; i < 7; i++)
        *ints[i] = sqlite3_column_int(q, c0 + 12 + i);
    l->deferred = sqlite3_column_int(q, c0 + 19) != 0;
    l->perf_missing = sqlite3_column_int(q, c0 + 20) != 0;
    l->besaran = sqlite3_column_int64(q, c0 + 21);
    l->percent_bp = sqlite3_column_int(q, c0 + 22);
    tpp_money *money[] = {&l->discipline_cut, &l->performance_cut, &l->tpp,
                          &l->pot_bulan_lalu, &l->pot_hukdis,      &l->bpjs_employer,
                          &l->gross,          &l->bpjs_employee,   &l->deductions,
                          &l->net_before_tax, &l->pph21,           &l->net};
    for (int i = 0; i < 12; i++)
        *money[i] = sqlite3_column_int64(q, c0 + 23 + i);
    /* zakat is what the stored columns leave between col 16 - 17 and col 18 (the result
     * keeps cols 16, 17, 18, sealed; the trace's payment.zakat step says the same) */
    l->zakat = l->ok ? l->net_before_tax - l->pph21 - l->net : 0;
    l->line = sqlite3_column_int(q, c0 + 35);
}

/* The lines of the rows (in that order), without their traces: the payment files need none.
 * One look-up per row, in payment-list order: the slow way, for runs read_run cannot order. */
static tpp_status read_lines(tpp_store *st, const int64_t *rowids, size_t n, tpp_arena *a,
                             tpp_payline *lines, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(line_query(st, "", "rowid = ?1", &q, err));
    tpp_status rc = TPP_OK;
    for (size_t r = 0; r < n; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, rowids[r]);
        if (sqlite3_step(q) != SQLITE_ROW) { /* the row is gone: no silent end */
            rc = tpp_store_fail(st, err, "cannot read the run's results");
            break;
        }
        fill_line(&lines[r], q, 0, a);
    }
    sqlite3_finalize(q);
    return rc;
}

/* A line with its rowid while the run is put in order. */
typedef struct keyed_line {
    tpp_payline l;
    int64_t rowid;
} keyed_line;

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed_line *a = pa, *b = pb;
    int c = strcmp(a->l.unit_code, b->l.unit_code);
    return c != 0 ? c : strcmp(a->l.nip, b->l.nip);
}

static int cmp_entry_key(const void *pa, const void *pb)
{
    const tpp_strmap_entry *const *a = pa, *const *b = pb;
    return strcmp((*a)->key, (*b)->key);
}

/* Payment-list order (unit_code, nip) for lines read in NIP order, which is the order a run
 * stores them in: a stable counting sort by the rank of each line's unit, two passes, where
 * sorting 4 M lines by comparison (their unit codes and NIPs scattered over the arena) took 10 s
 * of a national export. *perm is left NULL when the NIPs are not strictly increasing (a table
 * written in another order, or an employee with two lines): the caller sorts by comparison. */
static tpp_status unit_order(const keyed_line *k, size_t n, size_t **perm, tpp_error *err)
{
    *perm = NULL;
    for (size_t i = 1; i < n; i++)
        if (strcmp(k[i - 1].l.nip, k[i].l.nip) >= 0)
            return TPP_OK;
    tpp_strmap units;
    tpp_strmap_init(&units);
    uint32_t *unit_of = malloc((n ? n : 1) * sizeof *unit_of);
    size_t *p = malloc((n ? n : 1) * sizeof *p);
    const tpp_strmap_entry **by_key = NULL;
    size_t *start = NULL;
    bool ok = unit_of != NULL && p != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        bool found;
        ptrdiff_t u = tpp_strmap_put(&units, k[i].l.unit_code, strlen(k[i].l.unit_code), 0,
                                     &found);
        ok = u >= 0;
        unit_of[i] = (uint32_t)u;
    }
    size_t m = units.n;
    if (ok) {
        by_key = malloc((m ? m : 1) * sizeof *by_key);
        start = calloc(m + 1, sizeof *start);
        ok = by_key != NULL && start != NULL;
    }
    if (ok) {
        for (size_t u = 0; u < m; u++)
            by_key[u] = &units.entries[u];
        qsort(by_key, m, sizeof *by_key, cmp_entry_key);
        for (size_t r = 0; r < m; r++) /* the unit's rank, kept in its entry */
            units.entries[by_key[r] - units.entries].value = (int64_t)r;
        for (size_t i = 0; i < n; i++)
            start[units.entries[unit_of[i]].value + 1]++;
        for (size_t r = 0; r < m; r++)
            start[r + 1] += start[r];
        for (size_t i = 0; i < n; i++) /* in read order, so NIP order within a unit */
            p[start[units.entries[unit_of[i]].value]++] = i;
    }
    free(start);
    free(by_key);
    free(unit_of);
    tpp_strmap_release(&units);
    if (!ok) {
        free(p);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    *perm = p;
    return TPP_OK;
}

/* The run's lines and rowids in payment-list order, read in one pass in the order the table
 * keeps them and sorted here: in ORDER BY unit_code, nip order one look-up per row jumps across
 * the whole table (5 of the 15 s of a 400,000-line export). The order is SQLite's exactly when
 * no two lines share unit_code and nip (BINARY collation is byte order, strcmp's, for text
 * without NUL bytes; a run has one line per employee and OPD): *ordered is false otherwise, and
 * nothing is returned, for the caller to ask SQLite for the order (run_order). */
static tpp_status read_run(tpp_store *st, int64_t run_id, tpp_arena *a, tpp_payline **lines_out,
                           int64_t **rowids_out, size_t *n_out, bool *ordered, tpp_error *err)
{
    *ordered = false;
    sqlite3_stmt *q = NULL;
    TPP_TRY(line_query(st, "rowid, ", "run_id = ?1", &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    keyed_line *k = NULL;
    size_t n = 0, cap = 0;
    bool plain = true; /* every unit_code and nip free of NUL bytes */
    int step;
    tpp_status rc = TPP_OK;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            keyed_line *b = realloc(k, nc * sizeof *b);
            if (b == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            k = b;
            cap = nc;
        }
        k[n].rowid = sqlite3_column_int64(q, 0);
        fill_line(&k[n].l, q, 1, a);
        plain &= strlen(k[n].l.nip) == (size_t)sqlite3_column_bytes(q, 1) &&
                 strlen(k[n].l.unit_code) == (size_t)sqlite3_column_bytes(q, 3);
        n++;
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's results");
    sqlite3_finalize(q);
    size_t *perm = NULL;
    if (rc == TPP_OK && plain)
        rc = unit_order(k, n, &perm, err);
    if (rc == TPP_OK && perm != NULL) {
        tpp_payline *lines = malloc((n ? n : 1) * sizeof *lines);
        int64_t *rowids = malloc((n ? n : 1) * sizeof *rowids);
        if (lines != NULL && rowids != NULL) {
            for (size_t i = 0; i < n; i++) {
                lines[i] = k[perm[i]].l;
                rowids[i] = k[perm[i]].rowid;
            }
            *lines_out = lines;
            *rowids_out = rowids;
            *n_out = n;
            *ordered = true;
        } else {
            free(lines);
            free(rowids);
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        }
        free(perm);
        free(k);
        return rc;
    }
    if (rc == TPP_OK && n > 1)
        qsort(k, n, sizeof *k, cmp_keyed);
    bool unique = plain;
    for (size_t i = 1; rc == TPP_OK && unique && i < n; i++)
        unique = cmp_keyed(&k[i - 1], &k[i]) != 0;
    int64_t *rowids = NULL;
    if (rc == TPP_OK && unique) {
        rowids = malloc((n ? n : 1) * sizeof *rowids);
        if (rowids == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (rc != TPP_OK || !unique) {
        free(k);
        return rc;
    }
    /* Into a plain payline array in place: payline i never overlaps keyed line j > i. */
    tpp_payline *lines = (tpp_payline *)(void *)k;
    for (size_t i = 0; i < n; i++) {
        rowids[i] = k[i].rowid;
        memmove(&lines[i], &k[i].l, sizeof lines[i]);
    }
    *lines_out = lines;
    *rowids_out = rowids;
    *n_out = n;
    *ordered = true;
    return TPP_OK;
}

/* Counts and the net total of the ordered lines. */
static tpp_status sum_lines(const tpp_payline *lines, size_t n, tpp_export_summary *sum,
                            tpp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(lines[i - 1].unit_code, lines[i].unit_code) != 0)
            sum->n_units++;
        if (!tpp_money_add(sum->total_net, lines[i].net, &sum->total_net))
            return tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the net total");
    }
    return TPP_OK;
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
    int64_t *rowids = NULL;
    size_t n = 0;
    tpp_export_meta meta = {.year = year, .month = month, .run_id = run_id};
    tpp_ruleset *rs = NULL;
    settings cfg = {.a = a};
    tpp_manifest *man = calloc(1, sizeof *man);
    tpp_signatures sign;
    const char *date = NULL;
    seal_job sj = {.rc = TPP_OK};
    atomic_init(&sj.stop, false);
    pthread_t seal_thread;
    bool seal_started = false;
    bank_plan bp = {0};
    staged xlsx, csv, banks[TPP_EXPORT_MAX_BANKS];
    memset(&xlsx, 0, sizeof xlsx);
    memset(&csv, 0, sizeof csv);
    memset(banks, 0, sizeof banks);
    unsigned char sk[TPP_SIGN_SECRET_BYTES];
    sodium_memzero(sk, sizeof sk);
    /* A sealed run carries its Merkle root (the value published and used by inclusion proofs);
     * a draft carries the provisional digest of its stored results, which needs every trace. */
    tpp_seal_info si;
    tpp_error ignore;
    bool sealed = tpp_seal_of_run(st, run_id, &si, &ignore) == TPP_OK;

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
    if (rc == TPP_OK && !sealed) {
        sj.db_path = st->path;
        sj.run_id = run_id;
        sj.pack_sha = pack_sha;
        if (pthread_create(&seal_thread, NULL, seal_main, &sj) == 0)
            seal_started = true;
        else
            seal_main(&sj); /* no thread to be had: the same work, in line */
    }
    bool ordered = false;
    if (rc == TPP_OK)
        rc = read_run(st, run_id, a, &lines, &rowids, &n, &ordered, err);
    if (rc == TPP_OK && !ordered)
        rc = run_order(st, run_id, &rowids, &n, err);
    if (rc == TPP_OK && !ordered) {
        lines = n ? malloc(n * sizeof *lines) : NULL;
        if (n > 0 && lines == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        if (rc == TPP_OK)
            rc = read_lines(st, rowids, n, a, lines, err);
    }
    if (rc == TPP_OK)
        rc = sum_lines(lines, n, sum, err);
    sum->n_lines = n;
    tpp_file_stats paid;
    if (rc == TPP_OK)
        rc = unit_signatures(&cfg, lines, n, date, a, &meta, err);
    if (rc == TPP_OK)
        rc = tpp_paylines_stats(lines, n, &paid, err);
    /* The signing key is read before anything is written: a bad key must not leave files
     * without their signed manifest. */
    const char *key = opt->key_path ? opt->key_path : setting_get(&cfg, "signing.key", NULL);
    bool signing = key != NULL && *key != '\0';
    if (rc == TPP_OK && signing)
        rc = tpp_key_load_secret(key, sk, err);
    if (rc == TPP_OK && (formats & TPP_EXPORT_BANK))
        rc = plan_banks(opt, &cfg, a, lines, n, &bp, sum, err);
    if (rc == TPP_OK)
        rc = tpp_mkdirs(out_dir, err);
    if (rc == TPP_OK)
        rc = remove_stale_temps(out_dir, period, formats, &bp, sum, err);

    /* The XLSX on its own thread; the CSV and the bank files rendered and staged here meanwhile. */
    xlsx_job xj = {.meta = &meta, .lines = lines, .n = n, .rc = TPP_OK};
    pthread_t xlsx_thread;
    bool xlsx_started = false;
    if (rc == TPP_OK && (formats & TPP_EXPORT_XLSX)) {
        snprintf(sum->xlsx_path, sizeof sum->xlsx_path, "%s/tpp-%s.xlsx", out_dir, period);
        /* renamed into place with the other files once everything has succeeded */
        snprintf(xlsx.path, sizeof xlsx.path, "%s", sum->xlsx_path);
        snprintf(xlsx.tmp, sizeof xlsx.tmp, "%s.tmp-%ld", sum->xlsx_path, (long)getpid());
        xlsx.live = true;
        xj.path = xlsx.path;
        xj.tmp = xlsx.tmp;
        if (pthread_create(&xlsx_thread, NULL, xlsx_main, &xj) == 0)
            xlsx_started = true;
        else
            xlsx_main(&xj);
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_CSV)) {
        char *buf = NULL;
        size_t len = 0;
        snprintf(sum->csv_path, sizeof sum->csv_path, "%s/tpp-%s.csv", out_dir, period);
        rc = tpp_export_csv_render(&meta, lines, n, &buf, &len, err);
        if (rc == TPP_OK)
            rc = stage_file(&csv, sum->csv_path, buf, len, err);
        free(buf);
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_BANK))
        rc = render_banks(&meta, n, &bp, err);
    for (size_t b = 0; rc == TPP_OK && (formats & TPP_EXPORT_BANK) && b < bp.nb; b++) {
        snprintf(sum->bank_path[b], sizeof sum->bank_path[b], "%s/bank-%s-%s.%s", out_dir,
                 tpp_bank_template_id(bp.t[b]), period, tpp_bank_template_ext(bp.t[b]));
        rc = stage_file(&banks[b], sum->bank_path[b], bp.buf[b], bp.len[b], err);
        free(bp.buf[b]);
        bp.buf[b] = NULL;
    }
    if (xlsx_started)
        pthread_join(xlsx_thread, NULL);
    if (rc != TPP_OK || xj.rc != TPP_OK)
        atomic_store(&sj.stop, true);
    if (seal_started)
        pthread_join(seal_thread, NULL);
    /* Errors in the order of the serial export: XLSX, CSV, bank files, seal. */
    if (xj.rc != TPP_OK) {
        if (err != NULL)
            *err = xj.err;
        rc = xj.rc;
    }
    if (rc == TPP_OK && !sealed && sj.rc != TPP_OK) {
        if (err != NULL)
            *err = sj.err;
        rc = sj.rc;
    }
    if (rc == TPP_OK && !sealed && sj.n != n)
        rc = tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                      "the run's results changed during the export (%zu lines, %zu sealed)", n,
                      sj.n);
    /* Everything is written and synced: rename the files into place, in manifest order. */
    if (rc == TPP_OK && (formats & TPP_EXPORT_XLSX)) {
        snprintf(xlsx.sha256, sizeof xlsx.sha256, "%s", xj.sha256);
        xlsx.bytes = xj.bytes;
        rc = staged_commit(&xlsx, err);
        if (rc == TPP_OK)
            manifest_add(man, strrchr(sum->xlsx_path, '/') + 1, "payment-xlsx", &paid,
                         xlsx.sha256, xlsx.bytes);
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_CSV)) {
        rc = staged_commit(&csv, err);
        if (rc == TPP_OK)
            manifest_add(man, strrchr(sum->csv_path, '/') + 1, "machine-csv", &paid, csv.sha256,
                         csv.bytes);
    }
    for (size_t b = 0; rc == TPP_OK && (formats & TPP_EXPORT_BANK) && b < bp.nb; b++) {
        char kind[32];
        snprintf(kind, sizeof kind, "bank:%s", tpp_bank_template_id(bp.t[b]));
        rc = staged_commit(&banks[b], err);
        if (rc != TPP_OK)
            break;
        sum->n_banks++;
        sum->bank_records[b] = bp.stats[b].records;
        sum->bank_total[b] = bp.stats[b].total;
        manifest_add(man, strrchr(sum->bank_path[b], '/') + 1, kind, &bp.stats[b],
                     banks[b].sha256, banks[b].bytes);
    }
    staged_drop(&xlsx);
    staged_drop(&csv);
    for (size_t b = 0; b < TPP_EXPORT_MAX_BANKS; b++)
        staged_drop(&banks[b]);
    bank_plan_release(&bp);

    if (rc == TPP_OK) {
        /* What tpp export prints: the seal the manifest carries. */
        snprintf(sum->seal, sizeof sum->seal, "%s", sealed ? si.merkle_root : sj.hex);
        man->year = year;
        man->month = month;
        man->run_id = run_id;
        snprintf(man->pack_id, sizeof man->pack_id, "%s", meta.pack_id);
        snprintf(man->pack_sha256, sizeof man->pack_sha256, "%s", pack_sha);
        snprintf(man->seal_kind, sizeof man->seal_kind, "%s", sealed ? "final" : "provisional");
        snprintf(man->seal, sizeof man->seal, "%s", sum->seal);
        man->n_lines = n;
        man->total_net = paid.total;
        rc = tpp_manifest_write(out_dir, man, signing ? sk : NULL, sum->manifest_path,
                                sizeof sum->manifest_path, err);
        sum->manifest_signed = signing;
    }
    sodium_memzero(sk, sizeof sk);
    free(lines);
    free(rowids);
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
