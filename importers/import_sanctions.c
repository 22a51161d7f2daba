/* Disciplinary sanctions (hukuman disiplin, PP 94/2021): imported and validated here; the
 * evaluator does not apply them yet. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_LEVEL, C_START, C_MONTHS, C_PERCENT, C_REFERENCE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_LEVEL] = {"level", true},
    [C_START] = {"start_period", true},
    [C_MONTHS] = {"months", true},
    [C_PERCENT] = {"percent", false},
    [C_REFERENCE] = {"reference", false},
};


static tpp_status san_begin(tpp_imp_ctx *c, tpp_error *err)
{
    return tpp_store_prepare(c->st,
                             "INSERT INTO sanction(nip, level, start_period, months, percent_bp, "
                             "reference, file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             (sqlite3_stmt **)&c->state, err);
}

static void san_end(tpp_imp_ctx *c)
{
    sqlite3_finalize(c->state);
    c->state = NULL;
}

/* "25", "12.5", "12,5" percent -> basis points, exactly; false if not 0..100 with <= 2 decimals */
bool tpp_imp_percent_bp(const char *s, size_t len, int64_t *bp);
bool tpp_imp_percent_bp(const char *s, size_t len, int64_t *bp)
{
    int64_t whole = 0, frac = 0;
    size_t i = 0, digits = 0, fd = 0;
    if (len > 0 && s[len - 1] == '%')
        len--;
    for (; i < len && s[i] >= '0' && s[i] <= '9' && digits < 4; i++, digits++)
        whole = whole * 10 + (s[i] - '0');
    if (digits == 0)
        return false;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9' && fd < 2; i++, fd++)
            frac = frac * 10 + (s[i] - '0');
        if (fd == 0)
            return false;
        if (fd == 1)
            frac *= 10;
    }
    if (i != len)
        return false;
    *bp = whole * 100 + frac;
    return *bp <= 10000;
}

static tpp_status san_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val level = tpp_imp_get(c, rec, C_LEVEL);
    tpp_imp_val start = tpp_imp_get(c, rec, C_START);
    tpp_imp_val months_v = tpp_imp_get(c, rec, C_MONTHS);
    tpp_imp_val percent = tpp_imp_get(c, rec, C_PERCENT);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REFERENCE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    /* The level names a sanction of the rule pack (its percent, months and citation); the
     * PP 94/2021 words alone do not say how a region cuts TPP for them. */
    char id[64];
    int lvl = -1;
    if (level.len > 0 && tpp_imp_id(&level, id, sizeof id))
        lvl = tpp_rules_sanction_index(c->rs, id);
    if (level.len > 0 && lvl < 0) {
        char known[1024];
        size_t at = 0;
        known[0] = '\0';
        for (size_t i = 0; i < c->rs->n_sanctions && at < sizeof known; i++)
            at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", i ? ", " : "",
                                   c->rs->sanctions[i].id);
        tpp_imp_error(c, level.at,
                      "unknown sanction level '%s' in column 'level' (the rule pack knows: %s)",
                      tpp_imp_showv(c, &level), c->rs->n_sanctions ? known : "no sanctions");
    }
    int y = 0, m = 0;
    if (start.len > 0 && !tpp_period_parse(start.s, start.len, &y, &m))
        tpp_imp_error(c, start.at,
                      "invalid period '%s' in column 'start_period' (expected YYYY-MM)",
                      tpp_imp_showv(c, &start));
    int64_t months = 0;
    if (months_v.len > 0)
        tpp_imp_int(c, &months_v, 1, 120, &months);
    int64_t bp = -1;
    if (percent.len > 0 && !tpp_imp_percent_bp(percent.s, percent.len, &bp))
        tpp_imp_error(c, percent.at,
                      "invalid percent '%s' in column 'percent' (expected 0 to 100, at most two "
                      "decimals)",
                      tpp_imp_showv(c, &percent));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;
    sqlite3_stmt *q = c->state;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_text(q, 2, c->rs->sanctions[lvl].id, -1, SQLITE_STATIC);
    tpp_imp_bind_text(q, 3, start.s, start.len);
    sqlite3_bind_int64(q, 4, months);
    if (bp >= 0)
        sqlite3_bind_int64(q, 5, bp);
    tpp_imp_bind_text(q, 6, ref.s, ref.len);
    sqlite3_bind_int64(q, 7, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store sanction", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_sanctions = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = san_begin,
    .row = san_row,
    .end = san_end,
};
