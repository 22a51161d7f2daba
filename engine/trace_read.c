/* Reading stored compact traces (docs/compact-trace.md): a trace names its steps by template
 * number and the pack's strings by index, so every reader renders it with the rule pack its
 * run was computed with. The packs are loaded once each and kept for the reader's lifetime. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/trace_read.h"
#include "engine/util.h"
#include "tpp/trace.h"

#define MAX_PACKS 16

struct tpp_pack_cache {
    tpp_store *st;
    size_t n;
    char sha[MAX_PACKS][65];
    tpp_ruleset *rs[MAX_PACKS];
    int64_t last_run; /* the run asked for last, and its pack: the usual case is one run */
    const tpp_ruleset *last_rs;
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
    if (c->n == MAX_PACKS) { /* more packs than any workspace holds in practice: start over */
        for (size_t i = 0; i < c->n; i++)
            tpp_rules_free(c->rs[i]);
        c->n = 0;
        c->last_run = -1;
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

tpp_status tpp_pack_cache_run(tpp_pack_cache *c, int64_t run_id, const tpp_ruleset **rs,
                              tpp_error *err)
{
    if (run_id == c->last_run && c->last_rs != NULL) {
        *rs = c->last_rs;
        return TPP_OK;
    }
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
        rc = load_sha(c, sha, rs, err);
    if (rc == TPP_OK) {
        c->last_run = run_id;
        c->last_rs = *rs;
    }
    return rc;
}

tpp_status tpp_trace_text_of_run(tpp_pack_cache *c, int64_t run_id, const void *trace, size_t len,
                                 char **text, size_t *text_len, tpp_error *err)
{
    *text = NULL;
    *text_len = 0;
    const tpp_ruleset *rs;
    TPP_TRY(tpp_pack_cache_run(c, run_id, &rs, err));
    return tpp_trace_render(rs, trace, len, text, text_len, err);
}
