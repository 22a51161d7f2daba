/* Reading stored compact traces (docs/compact-trace.md): a trace names its steps by template
 * number and the pack's strings by index, so every reader renders it with the rule pack its
 * run was computed with. The packs are loaded once each and kept for the reader's lifetime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/trace_read.h"
#include "engine/util.h"
#include "tpp/trace.h"

struct tpp_pack_cache {
    tpp_store *st;
    size_t n, cap;
    char (*sha)[65];
    tpp_ruleset **rs; /* loaded packs: kept (and their addresses stable) until the cache goes */
    int64_t last_run; /* the run asked for last, and its packs: the usual case is one run */
    const tpp_ruleset **run_rs; /* [0] = run.pack_sha256, then the other packs of run_pack */
    size_t run_n, run_cap;
};

tpp_pack_cache *tpp_pack_cache_new(tpp_store *st)
{
    tpp_pack_cache *c = calloc(1, sizeof *c);
    if (c != NULL) {
        c->st = st;
        c->last_run = -1;
    }
    return c;
}

void tpp_pack_cache_free(tpp_pack_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        tpp_rules_free(c->rs[i]);
    free(c->sha);
    free(c->rs);
    free(c->run_rs);
    free(c);
}

/* The stored pack text with this SHA-256, checked against it, loaded. */
static tpp_status load_sha(tpp_pack_cache *c, const char *sha, const tpp_ruleset **out,
                           tpp_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->sha[i], sha) == 0) {
            *out = c->rs[i];
            return TPP_OK;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4;
        char(*sh)[65] = realloc(c->sha, cap * sizeof *sh);
        if (sh != NULL)
            c->sha = sh;
        tpp_ruleset **r = realloc(c->rs, cap * sizeof *r);
        if (r != NULL)
            c->rs = r;
        if (sh == NULL || r == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        c->cap = cap;
    }
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT text FROM rule_pack WHERE sha256 = ?1", &q, err));
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    tpp_ruleset *rs = NULL;
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "the rule pack of the run (sha256 %.16s...) is not in the workspace: its "
                      "traces cannot be read",
                      sha);
    } else {
        const char *text = (const char *)sqlite3_column_text(q, 0);
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        char h[65];
        tpp_sha256_hex(text ? text : "", len, h);
        if (strcmp(h, sha) != 0) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "the stored rule pack text does not match the run's SHA-256 "
                          "%.16s...: run 'tpp audit verify'",
                          sha);
        } else {
            char where[96];
            snprintf(where, sizeof where, "stored rule pack %.16s", sha);
            tpp_diags *d = tpp_diags_new(NULL);
            rc = tpp_rules_load(where, text ? text : "", len, d, &rs, err);
            tpp_diags_free(d);
        }
    }
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    snprintf(c->sha[c->n], sizeof c->sha[c->n], "%s", sha);
    c->rs[c->n++] = rs;
    *out = rs;
    return TPP_OK;
}

static tpp_status run_add(tpp_pack_cache *c, const char *sha, tpp_error *err)
{
    const tpp_ruleset *rs = NULL;
    TPP_TRY(load_sha(c, sha, &rs, err));
    for (size_t i = 0; i < c->run_n; i++)
        if (c->run_rs[i] == rs)
            return TPP_OK;
    if (c->run_n == c->run_cap) {
        size_t cap = c->run_cap ? 2 * c->run_cap : 4;
        const tpp_ruleset **r = realloc(c->run_rs, cap * sizeof *r);
        if (r == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        c->run_rs = r;
        c->run_cap = cap;
    }
    c->run_rs[c->run_n++] = rs;
    return TPP_OK;
}

tpp_status tpp_pack_cache_run_packs(tpp_pack_cache *c, int64_t run_id,
                                    const tpp_ruleset *const **packs, size_t *n_packs,
                                    tpp_error *err)
{
    if (run_id != c->last_run || c->run_n == 0) {
        c->last_run = -1;
        c->run_n = 0;
        sqlite3_stmt *q = NULL;
        TPP_TRY(tpp_store_prepare(c->st, "SELECT pack_sha256 FROM run WHERE id = ?1", &q, err));
        sqlite3_bind_int64(q, 1, run_id);
        char sha[65] = "";
        tpp_status rc = TPP_OK;
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL)
            snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(q, 0));
        else
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no run %lld in the workspace",
                          (long long)run_id);
        sqlite3_finalize(q);
        if (rc == TPP_OK)
            rc = run_add(c, sha, err);
        /* a month with a pack version starting inside it: its traces name those packs too */
        if (rc == TPP_OK)
            rc = tpp_store_prepare(
                c->st, "SELECT pack_sha256 FROM run_pack WHERE run_id = ?1 ORDER BY seq", &q, err);
        if (rc == TPP_OK) {
            sqlite3_bind_int64(q, 1, run_id);
            int step;
            while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
                snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(q, 0));
                rc = run_add(c, sha, err);
            }
            if (rc == TPP_OK && step != SQLITE_DONE)
                rc = tpp_store_fail(c->st, err, "cannot read the run's rule packs");
            sqlite3_finalize(q);
        }
        if (rc != TPP_OK) {
            c->run_n = 0;
            return rc;
        }
        c->last_run = run_id;
    }
    *packs = c->run_rs;
    *n_packs = c->run_n;
    return TPP_OK;
}

tpp_status tpp_pack_cache_run(tpp_pack_cache *c, int64_t run_id, const tpp_ruleset **rs,
                              tpp_error *err)
{
    const tpp_ruleset *const *packs;
    size_t n;
    TPP_TRY(tpp_pack_cache_run_packs(c, run_id, &packs, &n, err));
    *rs = packs[0];
    return TPP_OK;
}

tpp_status tpp_trace_text_of_run(tpp_pack_cache *c, int64_t run_id, const void *trace, size_t len,
                                 char **text, size_t *text_len, tpp_error *err)
{
    *text = NULL;
    *text_len = 0;
    const tpp_ruleset *const *packs;
    size_t n;
    TPP_TRY(tpp_pack_cache_run_packs(c, run_id, &packs, &n, err));
    return tpp_trace_render_packs(packs, n, trace, len, text, text_len, err);
}
