/* Shift rosters (RSUD, Satpol PP, fire service). A night shift crosses midnight: it belongs to
 * its start date and ends on the next day (end <= start means the next day). A later file with
 * the same NIP, date and start replaces the shift (a revised roster). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_DATE, C_START, C_END, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_DATE] = {"date", true},
    [C_START] = {"start", true},
    [C_END] = {"end", true},
};

typedef struct ros_state {
    sqlite3_stmt *exists, *upsert;
    tpp_strmap seen; /* nip|date|start -> line */
} ros_state;

/* "HH:MM" or "HH:MM:SS" (a spreadsheet time) -> minutes of the day; seconds must be 0 */
static bool parse_hhmm(const char *s, size_t len, int *minutes)
{
    if (len != 5 && !(len == 8 && s[5] == ':' && s[6] == '0' && s[7] == '0'))
        return false;
    if (s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[3] < '0' ||
        s[3] > '5' || s[4] < '0' || s[4] > '9')
        return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    if (h > 23)
        return false;
    *minutes = h * 60 + (s[3] - '0') * 10 + (s[4] - '0');
    return true;
}

static tpp_status ros_begin(tpp_imp_ctx *c, tpp_error *err)
{
    ros_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT 1 FROM roster WHERE nip = ?1 AND date = ?2 AND start_ts = ?3",
                              &s->exists, err));
    return tpp_store_prepare(c->st,
                             "INSERT INTO roster(nip, date, start_ts, end_ts, file_id) "
                             "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (nip, date, start_ts) "
                             "DO UPDATE SET end_ts = excluded.end_ts, file_id = excluded.file_id",
                             &s->upsert, err);
}

static void ros_end(tpp_imp_ctx *c)
{
    ros_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->exists);
    sqlite3_finalize(s->upsert);
    tpp_strmap_release(&s->seen);
    free(s);
    c->state = NULL;
}

static tpp_status ros_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    ros_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val date = tpp_imp_get(c, rec, C_DATE);
    tpp_imp_val start = tpp_imp_get(c, rec, C_START);
    tpp_imp_val end = tpp_imp_get(c, rec, C_END);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    tpp_date day = 0;
    if (date.len > 0)
        tpp_imp_date(c, &date, &day);
    int m0 = 0, m1 = 0;
    if (start.len > 0 && !parse_hhmm(start.s, start.len, &m0))
        tpp_imp_error(c, start.at, "invalid time '%s' in column 'start' (expected HH:MM)",
                      tpp_imp_showv(c, &start));
    if (end.len > 0 && !parse_hhmm(end.s, end.len, &m1))
        tpp_imp_error(c, end.at, "invalid time '%s' in column 'end' (expected HH:MM)",
                      tpp_imp_showv(c, &end));
    if (c->row_errors == 0 && m0 == m1)
        tpp_imp_error(c, end.at, "shift of no length: end %s equals start %s",
                      tpp_imp_showv(c, &end), tpp_imp_showv(c, &start));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    char d0[11], d1[11], start_ts[40], end_ts[40];
    tpp_date_format(day, d0);
    tpp_date_format(m1 < m0 ? day + 1 : day, d1); /* crosses midnight */
    snprintf(start_ts, sizeof start_ts, "%s %02d:%02d", d0, m0 / 60, m0 % 60);
    snprintf(end_ts, sizeof end_ts, "%s %02d:%02d", d1, m1 / 60, m1 % 60);
    char key[64];
    int klen = snprintf(key, sizeof key, "%.*s|%s", (int)nip.len, nip.s, start_ts);
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->seen, key, (size_t)klen, rec->line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(c, tpp_imp_row_loc(c, rec),
                      "duplicate shift: NIP %s starting %s is also on line %lld",
                      tpp_imp_showv(c, &nip), start_ts, (long long)s->seen.entries[i].value);
        return TPP_OK;
    }
    sqlite3_stmt *q = s->exists;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_text(q, 2, d0, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, start_ts, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return tpp_store_fail(c->st, err, "cannot read roster");
    q = s->upsert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_text(q, 2, d0, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, start_ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, end_ts, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store roster", err));
    c->stats->inserted++;
    if (step == SQLITE_ROW)
        c->stats->updated++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_roster = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = ros_begin,
    .row = ros_row,
    .end = ros_end,
};
