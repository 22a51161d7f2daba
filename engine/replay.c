/* Replay: recompute a sealed run from what the workspace kept of it, the raw input files
 * (input_file.content) and the rule pack's text, and compare employee by employee.
 *
 * The raw files are re-imported with the ordinary importers, in their original order, into a
 * fresh in-memory workspace, and the month is run there with this engine. Nothing the first
 * import derived (employee, attendance, ... rows) is trusted: only the bytes whose hashes the
 * seal holds. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/audit_int.h"
#include "engine/canon.h"
#include "tpp/trace.h"
#include "engine/store.h"
#include "engine/trace_read.h"
#include "engine/util.h"
#include "tpp/audit.h"
#include "tpp/batch.h"
#include "tpp/import.h"
#include "tpp/rules.h"

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

typedef struct run_row {
    int64_t id;
    char period[8];
    char pack_sha256[65];
    char engine[32];
} run_row;

static tpp_status find_run(tpp_store *st, const char *period, int64_t run_id,
                           tpp_replay_summary *sum, run_row *r, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    if (run_id == 0) {
        int y = 0, m = 0;
        sscanf(period, "%d-%d", &y, &m);
        tpp_seal_info s;
        TPP_TRY(tpp_seal_of_period(st, y, m, &s, err));
        run_id = s.run_id;
        snprintf(sum->sealed_root, sizeof sum->sealed_root, "%s", s.merkle_root);
    } else {
        tpp_seal_info s;
        tpp_error e2 = {0};
        if (tpp_seal_of_run(st, run_id, &s, &e2) == TPP_OK)
            snprintf(sum->sealed_root, sizeof sum->sealed_root, "%s", s.merkle_root);
    }
    TPP_TRY(tpp_store_prepare(
        st, "SELECT period, pack_sha256, engine_version FROM run WHERE id = ?1", &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) == SQLITE_ROW && strcmp(col_text(q, 0), period) == 0) {
        r->id = run_id;
        snprintf(r->period, sizeof r->period, "%s", col_text(q, 0));
        snprintf(r->pack_sha256, sizeof r->pack_sha256, "%s", col_text(q, 1));
        snprintf(r->engine, sizeof r->engine, "%s", col_text(q, 2));
    } else {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "run %lld is not a run of %s",
                      (long long)run_id, period);
    }
    sqlite3_finalize(q);
    return rc;
}

/* The stored pack text, checked against the hash the run recorded. */
static tpp_status load_pack(tpp_store *st, const char *sha, tpp_ruleset **rs, char **text,
                            size_t *len, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT text FROM rule_pack WHERE sha256 = ?1", &q, err));
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "the rule pack of the run (sha256 %.16s...) is not in the workspace", sha);
    } else {
        *len = (size_t)sqlite3_column_bytes(q, 0);
        *text = malloc(*len + 1);
        if (*text == NULL) {
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        } else {
            memcpy(*text, col_text(q, 0), *len);
            (*text)[*len] = '\0';
            char h[65];
            tpp_sha256_hex(*text, *len, h);
            if (strcmp(h, sha) != 0)
                rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                              "the stored rule pack text does not match the run's SHA-256 "
                              "%.16s...: run 'tpp audit verify'",
                              sha);
        }
    }
    sqlite3_finalize(q);
    if (rc == TPP_OK) {
        char where[96];
        snprintf(where, sizeof where, "stored rule pack %.16s", sha);
        tpp_diags *d = tpp_diags_new(NULL);
        rc = tpp_rules_load(where, *text, *len, d, rs, err);
        tpp_diags_free(d);
    }
    return rc;
}

/* A run computed under more than one pack version (one starting inside the month, schema 9
 * run_pack): the later versions go into the replay's workspace too, each with the validity the
 * workspace gave it (valid_to of an earlier version is closed by `tpp rules add`). */
static tpp_status add_more_packs(tpp_store *st, tpp_store *mem, int64_t run_id, tpp_error *err)
{
    sqlite3_stmt *q = NULL, *u = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT rp.pack_sha256, p.valid_to, rp.seq FROM run_pack rp JOIN "
                              "rule_pack p ON p.sha256 = rp.pack_sha256 WHERE rp.run_id = ?1 "
                              "ORDER BY rp.seq",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    tpp_status rc =
        tpp_store_prepare(mem, "UPDATE rule_pack SET valid_to = ?1 WHERE sha256 = ?2", &u, err);
    int step = SQLITE_DONE;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *sha = col_text(q, 0);
        if (sqlite3_column_int(q, 2) > 1) {
            tpp_ruleset *rs = NULL;
            char *text = NULL;
            size_t len = 0;
            rc = load_pack(st, sha, &rs, &text, &len, err);
            if (rc == TPP_OK)
                rc = tpp_store_add_pack(mem, rs, text, len, err);
            tpp_rules_free(rs);
            free(text);
        }
        if (rc == TPP_OK && sqlite3_column_type(q, 1) != SQLITE_NULL) {
            sqlite3_bind_text(u, 1, col_text(q, 1), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(u, 2, sha, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(u) != SQLITE_DONE)
                rc = tpp_store_fail(mem, err, "cannot store rule pack");
            sqlite3_reset(u);
        }
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's packs");
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return rc;
}

/* ---- how each file was read --------------------------------------------------------------
 *
 * input_file.options (written by importers/import.c): "key=value" LF lines, values with %XX for
 * bytes below 0x20, 0x7F and '%'. An empty text is a file imported before options were recorded:
 * plain CSV. */

#define N_OPTION_KEYS 7
static const char *const option_keys[N_OPTION_KEYS] = {"format", "sheet",    "mapping", "join",
                                                       "device", "timezone", "period"};

typedef struct replay_options {
    char *value[N_OPTION_KEYS]; /* NULL when absent; decoded */
} replay_options;

static void options_release(replay_options *o)
{
    for (int i = 0; i < N_OPTION_KEYS; i++)
        free(o->value[i]);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static tpp_status options_parse(const char *text, long long id, replay_options *o, tpp_error *err)
{
    memset(o, 0, sizeof *o);
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        const char *eq = memchr(p, '=', nl ? (size_t)(nl - p) : strlen(p));
        if (nl == NULL || eq == NULL)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                            "input file %lld: malformed import options: run 'tpp audit verify'",
                            id);
        int k = 0;
        while (k < N_OPTION_KEYS && !(strlen(option_keys[k]) == (size_t)(eq - p) &&
                                      memcmp(option_keys[k], p, (size_t)(eq - p)) == 0))
            k++;
        if (k == N_OPTION_KEYS || o->value[k] != NULL)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                            "input file %lld: unknown or repeated import option '%.*s' (recorded "
                            "by a newer tpp?)",
                            id, (int)(eq - p), p);
        size_t n = (size_t)(nl - eq - 1), j = 0;
        char *v = malloc(n + 1);
        if (v == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        o->value[k] = v;
        for (const char *q = eq + 1; q < nl; q++) {
            if (*q == '%') {
                int hi = q + 2 < nl ? hexval(q[1]) : -1, lo = hi >= 0 ? hexval(q[2]) : -1;
                if (lo < 0)
                    return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                                    "input file %lld: bad escape in import option '%s'", id,
                                    option_keys[k]);
                v[j++] = (char)(hi * 16 + lo);
                q += 2;
            } else {
                v[j++] = *q;
            }
        }
        v[j] = '\0';
        p = nl + 1;
    }
    return TPP_OK;
}

static tpp_status options_to_import(const replay_options *ro, long long id, tpp_import_opts *o,
                                    tpp_error *err)
{
    memset(o, 0, sizeof *o);
    o->format = TPP_FORMAT_CSV;
    const char *format = ro->value[0];
    if (format != NULL && (!tpp_import_format_parse(format, &o->format) ||
                           o->format == TPP_FORMAT_AUTO))
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "input file %lld: unknown recorded format '%s'", id, format);
    o->sheet = ro->value[1];
    o->device = ro->value[4];
    o->timezone = ro->value[5];
    const char *period = ro->value[6];
    if (period != NULL) {
        char tail;
        if (sscanf(period, "%4d-%2d%c", &o->period_year, &o->period_month, &tail) != 2 ||
            o->period_month < 1 || o->period_month > 12)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                            "input file %lld: bad recorded period '%s'", id, period);
    }
    return TPP_OK;
}

/* Write the stored file of kind "<kind>.<role>" with SHA-256 `sha` that run `run_id` read to
 * dir/NNNN-name, checking its bytes against the hash. */
static tpp_status save_aux(tpp_store *st, int64_t run_id, const char *kind, const char *role,
                           const char *sha, const char *dir, char *path, size_t size,
                           tpp_error *err)
{
    char akind[64];
    snprintf(akind, sizeof akind, "%s.%s", kind, role);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT f.id, f.path FROM run_input ri JOIN input_file f ON f.id = "
                              "ri.file_id WHERE ri.run_id = ?1 AND ri.kind = ?2 AND ri.sha256 = "
                              "?3 ORDER BY f.id LIMIT 1",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, akind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, sha, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "the %s file (sha256 %.16s...) an input of run %lld was read with is not in "
                      "the workspace: run 'tpp audit verify'",
                      role, sha, (long long)run_id);
    } else {
        long long id = sqlite3_column_int64(q, 0);
        const char *orig = col_text(q, 1);
        const char *base = strrchr(orig, '/');
        base = base ? base + 1 : orig;
        snprintf(path, size, "%s/%04lld-%s", dir, id, base[0] ? base : role);
        char h[65];
        bool found;
        rc = tpp_store_file_sha256(st, id, h, &found, err);
        if (rc == TPP_OK && strcmp(h, sha) != 0)
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "the stored %s file %lld no longer matches its SHA-256: run 'tpp audit "
                          "verify'",
                          role, id);
        if (rc == TPP_OK)
            rc = tpp_store_file_save(st, id, path, err);
    }
    sqlite3_finalize(q);
    return rc;
}

/* Re-import one input file (already saved at `path`) with the options it was first read with. */
static tpp_status reimport_one(tpp_store *st, tpp_store *mem, const tpp_ruleset *rs,
                               int64_t run_id, tpp_import_kind kind, long long id,
                               const char *options, const char *dir, const char *path,
                               tpp_error *err)
{
    replay_options ro;
    tpp_import_opts o;
    char mapping[1024] = "", join[1024] = "";
    tpp_status rc = options_parse(options, id, &ro, err);
    if (rc == TPP_OK)
        rc = options_to_import(&ro, id, &o, err);
    const char *kind_name = tpp_import_kind_name(kind);
    if (rc == TPP_OK && ro.value[2] != NULL) {
        rc = save_aux(st, run_id, kind_name, "mapping", ro.value[2], dir, mapping, sizeof mapping,
                      err);
        o.mapping = mapping;
    }
    if (rc == TPP_OK && ro.value[3] != NULL) {
        rc = save_aux(st, run_id, kind_name, "join", ro.value[3], dir, join, sizeof join, err);
        o.join = join;
    }
    if (rc == TPP_OK) {
        tpp_diags *d = tpp_diags_new(NULL);
        tpp_import_stats stats;
        rc = tpp_import_file_opts(mem, rs, kind, path, &o, d, &stats, err);
        tpp_diags_free(d);
    }
    if (mapping[0] != '\0')
        remove(mapping);
    if (join[0] != '\0')
        remove(join);
    options_release(&ro);
    return rc;
}

/* Re-import every input file the run read, in the order they were first imported. Files of kind
 * "<kind>.mapping" and "<kind>.join" are read as part of the import that named them. */
static tpp_status reimport(tpp_store *st, tpp_store *mem, const tpp_ruleset *rs, int64_t run_id,
                           const char *dir, size_t *n_inputs, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT ri.file_id, ri.kind, ri.sha256, f.path, f.id, f.options FROM "
                              "run_input ri LEFT JOIN input_file f ON f.id = ri.file_id WHERE "
                              "ri.run_id = ?1 ORDER BY ri.file_id",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    tpp_status rc = TPP_OK;
    int step;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(q, 0);
        const char *kind_name = col_text(q, 1);
        tpp_import_kind kind;
        const char *dot = strchr(kind_name, '.');
        if (dot != NULL && (strcmp(dot, ".mapping") == 0 || strcmp(dot, ".join") == 0)) {
            (*n_inputs)++;
            continue;
        }
        if (!tpp_import_kind_parse(kind_name, &kind)) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "input file %lld has unknown kind '%s'",
                          id, kind_name);
            break;
        }
        if (sqlite3_column_type(q, 4) == SQLITE_NULL) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "input file %lld read by run %lld is missing from the workspace", id,
                          (long long)run_id);
            break;
        }
        char h[65];
        bool found;
        rc = tpp_store_file_sha256(st, id, h, &found, err);
        if (rc != TPP_OK)
            break;
        if (strcmp(h, col_text(q, 2)) != 0) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "input file %lld (%s) no longer matches the SHA-256 the run read: run "
                          "'tpp audit verify'",
                          id, kind_name);
            break;
        }
        const char *orig = col_text(q, 3);
        const char *base = strrchr(orig, '/');
        base = base ? base + 1 : orig;
        char path[1024];
        snprintf(path, sizeof path, "%s/%04lld-%s", dir, id, base[0] ? base : kind_name);
        rc = tpp_store_file_save(st, id, path, err);
        if (rc != TPP_OK)
            break;
        rc = reimport_one(st, mem, rs, run_id, kind, id, col_text(q, 5), dir, path, err);
        remove(path);
        (*n_inputs)++;
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's input files");
    sqlite3_finalize(q);
    return rc;
}

/* ---- comparing one employee ------------------------------------------------------------- */

typedef struct lines {
    size_t n, cap;
    const char **s;
    size_t *len;
} lines;

static void add_line(void *user, size_t i, const char *line, size_t n)
{
    (void)i;
    lines *l = user;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        const char **s = realloc(l->s, nc * sizeof *s);
        if (s)
            l->s = s;
        size_t *len = realloc(l->len, nc * sizeof *len);
        if (len)
            l->len = len;
        if (!s || !len)
            return; /* out of memory: compare what fits */
        l->cap = nc;
    }
    l->s[l->n] = line;
    l->len[l->n++] = n;
}

static void step_name(const char *line, size_t len, char *out, size_t size)
{
    size_t n = 0;
    while (n < len && line[n] != '\t')
        n++;
    snprintf(out, size, "%.*s", (int)n, line);
}

/* Report where one employee's sealed line and replayed line first differ. a and b are on rows
 * of tpp_canon_columns_sql. */
static void first_difference(const tpp_ruleset *const *packs, size_t n_packs, sqlite3_stmt *a,
                             sqlite3_stmt *b, const char *nip, tpp_replay_report_fn report,
                             void *user)
{
    int tc = TPP_CANON_N_COLUMNS - 1;
    lines la = {0}, lb = {0};
    /* both traces are of the run's packs (the replay recomputes with them) */
    char *ta = NULL, *tb = NULL;
    size_t na = 0, nb = 0;
    tpp_error e2 = {0};
    if (tpp_trace_render_packs(packs, n_packs, sqlite3_column_blob(a, tc),
                               (size_t)sqlite3_column_bytes(a, tc), &ta, &na, &e2) != TPP_OK) {
        /* a sealed trace that does not render was damaged: say so as its first step */
        free(ta);
        ta = NULL;
        na = 0;
        char msg[300];
        snprintf(msg, sizeof msg, "(unreadable trace: %.200s)\t\t\t\t\n", e2.msg);
        ta = strdup(msg);
        na = ta ? strlen(ta) : 0;
    }
    if (tpp_trace_render_packs(packs, n_packs, sqlite3_column_blob(b, tc),
                               (size_t)sqlite3_column_bytes(b, tc), &tb, &nb, &e2) != TPP_OK) {
        tb = NULL;
        nb = 0;
    }
    tpp_canon_trace_lines(ta ? ta : "", na, add_line, &la);
    tpp_canon_trace_lines(tb ? tb : "", nb, add_line, &lb);
    char name[96], sa[640], sb[640];
    tpp_replay_diff d = {nip, "differs", name, sa, sb};
    size_t n = la.n < lb.n ? la.n : lb.n, i = 0;
    while (i < n && la.len[i] == lb.len[i] && memcmp(la.s[i], lb.s[i], la.len[i]) == 0)
        i++;
    if (i < n || la.n != lb.n) {
        const lines *l = i < la.n ? &la : &lb;
        step_name(l->s[i], l->len[i], name, sizeof name);
        if (i < la.n)
            snprintf(sa, sizeof sa, "%.*s", (int)la.len[i], la.s[i]);
        else
            snprintf(sa, sizeof sa, "(no such step)");
        if (i < lb.n)
            snprintf(sb, sizeof sb, "%.*s", (int)lb.len[i], lb.s[i]);
        else
            snprintf(sb, sizeof sb, "(no such step)");
        report(user, &d);
    } else {
        /* Same trace: the difference is in a column. */
        for (int c = 0; c < tc; c++) {
            if (strcmp(col_text(a, c), col_text(b, c)) != 0) {
                snprintf(name, sizeof name, "column:%s", tpp_canon_column_name(c));
                snprintf(sa, sizeof sa, "%s", col_text(a, c));
                snprintf(sb, sizeof sb, "%s", col_text(b, c));
                report(user, &d);
                break;
            }
        }
    }
    free(la.s);
    free(la.len);
    free(lb.s);
    free(lb.len);
    free(ta);
    free(tb);
}

static tpp_status compare(tpp_store *st, int64_t run_a, tpp_store *mem, int64_t run_b,
                          const char *period, tpp_replay_report_fn report, void *user,
                          tpp_replay_summary *sum, tpp_error *err)
{
    tpp_leafset A, B;
    TPP_TRY(tpp_leafset_of_run(st, run_a, period, &A, err));
    tpp_status rc = tpp_leafset_of_run(mem, run_b, period, &B, err);
    if (rc != TPP_OK) {
        tpp_leafset_release(&A);
        return rc;
    }
    sum->n_sealed = A.n;
    sum->n_replayed = B.n;
    uint8_t root[32];
    tpp_merkle_root((const uint8_t(*)[32])B.hash, B.n, root);
    tpp_hex_encode(root, 32, sum->replay_root);

    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM result WHERE run_id = ?1 AND nip = ?2 AND line = ?3",
             tpp_canon_columns_sql);
    sqlite3_stmt *qa = NULL, *qb = NULL;
    /* every pack of the sealed run, to read the traces of a line that differs */
    const tpp_ruleset *const *packs = NULL;
    size_t n_packs = 0;
    tpp_pack_cache *cache = tpp_pack_cache_new(st);
    rc = cache == NULL ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory")
                       : tpp_pack_cache_run_packs(cache, run_a, &packs, &n_packs, err);
    if (rc == TPP_OK)
        rc = tpp_store_prepare(st, sql, &qa, err);
    if (rc == TPP_OK)
        rc = tpp_store_prepare(mem, sql, &qb, err);
    size_t i = 0, j = 0;
    while (rc == TPP_OK && (i < A.n || j < B.n)) {
        int c = i == A.n ? 1 : j == B.n ? -1 : strcmp(A.nip[i], B.nip[j]);
        if (c == 0 && i < A.n && j < B.n) /* by NIP, then line (a transfer: one per OPD) */
            c = (A.line[i] > B.line[j]) - (A.line[i] < B.line[j]);
        if (c < 0) {
            tpp_replay_diff d = {A.nip[i], "missing", "", "sealed line", "no line in the replay"};
            sum->n_differ++;
            report(user, &d);
            i++;
        } else if (c > 0) {
            tpp_replay_diff d = {B.nip[j], "extra", "", "no sealed line", "line in the replay"};
            sum->n_differ++;
            report(user, &d);
            j++;
        } else {
            if (memcmp(A.hash[i], B.hash[j], 32) == 0) {
                sum->n_identical++;
            } else {
                sum->n_differ++;
                sqlite3_bind_int64(qa, 1, run_a);
                sqlite3_bind_text(qa, 2, A.nip[i], -1, SQLITE_STATIC);
                sqlite3_bind_int64(qa, 3, A.line[i]);
                sqlite3_bind_int64(qb, 1, run_b);
                sqlite3_bind_text(qb, 2, B.nip[j], -1, SQLITE_STATIC);
                sqlite3_bind_int64(qb, 3, B.line[j]);
                if (sqlite3_step(qa) == SQLITE_ROW && sqlite3_step(qb) == SQLITE_ROW)
                    first_difference(packs, n_packs, qa, qb, A.nip[i], report, user);
                else
                    rc = tpp_store_fail(st, err, "cannot read a result");
                sqlite3_reset(qa);
                sqlite3_reset(qb);
            }
            i++;
            j++;
        }
    }
    sqlite3_finalize(qa);
    sqlite3_finalize(qb);
    tpp_pack_cache_free(cache);
    tpp_leafset_release(&A);
    tpp_leafset_release(&B);
    return rc;
}

tpp_status tpp_replay(tpp_store *st, int year, int month, int64_t run_id,
                      tpp_replay_report_fn report, void *user, tpp_replay_summary *sum,
                      tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    char period[16];
    snprintf(period, sizeof period, "%04d-%02d", year, month);
    run_row r;
    TPP_TRY(find_run(st, period, run_id, sum, &r, err));
    sum->run_id = r.id;
    snprintf(sum->sealed_engine, sizeof sum->sealed_engine, "%s", r.engine);
    snprintf(sum->engine, sizeof sum->engine, "%s", TPP_VERSION);
    sum->engine_differs = strcmp(r.engine, TPP_VERSION) != 0;

    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_store *mem = NULL;
    char dir[512] = "";
    tpp_status rc = load_pack(st, r.pack_sha256, &rs, &text, &len, err);
    if (rc == TPP_OK)
        rc = tpp_store_create(":memory:", &mem, err);
    if (rc == TPP_OK) {
        rc = tpp_store_begin(mem, err);
        if (rc == TPP_OK)
            rc = tpp_store_add_pack(mem, rs, text, len, err);
        if (rc == TPP_OK)
            rc = add_more_packs(st, mem, r.id, err);
        rc = rc == TPP_OK ? tpp_store_commit(mem, err) : rc;
    }
    if (rc == TPP_OK) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tpp-replay-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create a temporary directory '%s'",
                          dir);
            dir[0] = '\0';
        }
    }
    if (rc == TPP_OK)
        rc = reimport(st, mem, rs, r.id, dir, &sum->n_inputs, err);
    tpp_run_summary rsum;
    if (rc == TPP_OK) {
        tpp_run_options ro = {.year = year, .month = month};
        tpp_diags *d = tpp_diags_new(NULL);
        rc = tpp_batch_run(mem, &ro, d, &rsum, err);
        tpp_diags_free(d);
    }
    if (rc == TPP_OK)
        rc = compare(st, r.id, mem, rsum.run_id, period, report, user, sum, err);
    if (dir[0] != '\0')
        rmdir(dir);
    tpp_store_close(mem);
    tpp_rules_free(rs);
    free(text);
    return rc;
}
