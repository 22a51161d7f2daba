/* Lists of the run lifecycle: the supplementary list of a correction (kekurangan/kelebihan
 * bayar) and the two-month (rapel) payment list, each month under its own run and pack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/export.h"
#include "tpp/lifecycle.h"
#include "tpp/rules.h"

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

/* The header of a list: the region and regulation of the pack a run was computed with. The
 * ruleset is kept for the "Rumus" sheet; the caller frees it. */
static tpp_status run_meta(tpp_store *st, int64_t run_id, tpp_arena *a, tpp_export_meta *meta,
                           tpp_ruleset **rs_out, char state[8], tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT run.period, run.state, rule_pack.path, rule_pack.text FROM "
                              "run JOIN rule_pack ON rule_pack.sha256 = run.pack_sha256 WHERE "
                              "run.id = ?1",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "no run %lld in the workspace",
                        (long long)run_id);
    }
    int y = 0, m = 0;
    sscanf(col_text(q, 0), "%4d-%2d", &y, &m);
    if (state != NULL)
        snprintf(state, 8, "%s", col_text(q, 1));
    tpp_diags *diags = tpp_diags_new(NULL);
    tpp_ruleset *rs = NULL;
    tpp_status rc = diags == NULL
                        ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory")
                        : tpp_rules_load(col_text(q, 2), col_text(q, 3),
                                         (size_t)sqlite3_column_bytes(q, 3), diags, &rs, err);
    tpp_diags_free(diags);
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    memset(meta, 0, sizeof *meta);
    meta->region = tpp_arena_strdup(a, rs->region);
    meta->reg_number = tpp_arena_strdup(a, rs->reg_number);
    meta->reg_title = tpp_arena_strdup(a, rs->reg_title);
    meta->pack_id = tpp_arena_strdup(a, rs->id);
    meta->pack_sha256 = tpp_arena_strdup(a, rs->sha256);
    meta->illustrative = rs->illustrative;
    meta->year = y;
    meta->month = m;
    meta->run_id = run_id;
    meta->rules = rs;
    *rs_out = rs;
    return TPP_OK;
}

/* ---- the supplementary list of a correction ---- */

typedef struct delta_acc {
    tpp_arena *a;
    tpp_delta_line *lines;
    size_t n, cap;
    bool oom;
    int year, month;
} delta_acc;

static int on_delta(void *user, const tpp_diff_line *d)
{
    delta_acc *acc = user;
    if (d->net_a == d->net_b)
        return 0; /* nothing to pay or take back */
    if (acc->n == acc->cap) {
        size_t nc = acc->cap ? acc->cap * 2 : 64;
        tpp_delta_line *p = realloc(acc->lines, nc * sizeof *p);
        if (p == NULL) {
            acc->oom = true;
            return 1;
        }
        acc->lines = p;
        acc->cap = nc;
    }
    char reason[256];
    if (d->kind == TPP_DIFF_CHANGED)
        snprintf(reason, sizeof reason, "Koreksi: %s (%s -> %s)", d->step,
                 d->result_a[0] ? d->result_a : "-", d->result_b[0] ? d->result_b : "-");
    else
        snprintf(reason, sizeof reason, "%s",
                 d->kind == TPP_DIFF_ADDED ? "Belum dibayar (tidak ada pada daftar semula)"
                                           : "Tidak berhak (tidak ada pada revisi)");
    tpp_delta_line *l = &acc->lines[acc->n++];
    *l = (tpp_delta_line){.nip = tpp_arena_strdup(acc->a, d->nip),
                          .name = tpp_arena_strdup(acc->a, d->name),
                          .unit_code = tpp_arena_strdup(acc->a, d->unit_code),
                          .unit_name = tpp_arena_strdup(acc->a, d->unit_name),
                          .grade = tpp_arena_strdup(acc->a, d->grade),
                          .position = tpp_arena_strdup(acc->a, d->position),
                          .bank_account = tpp_arena_strdup(acc->a, d->bank_account),
                          .year = acc->year,
                          .month = acc->month,
                          .due_net = d->net_b,
                          .paid_net = d->net_a,
                          .reason = tpp_arena_strdup(acc->a, reason)};
    if (l->nip == NULL || l->name == NULL || l->unit_code == NULL || l->unit_name == NULL ||
        l->grade == NULL || l->position == NULL || l->bank_account == NULL || l->reason == NULL) {
        acc->oom = true;
        return 1;
    }
    return 0;
}

static int delta_cmp(const void *pa, const void *pb)
{
    const tpp_delta_line *a = pa, *b = pb;
    int c = strcmp(a->unit_code, b->unit_code);
    return c != 0 ? c : strcmp(a->nip, b->nip);
}

tpp_status tpp_run_delta_xlsx(tpp_store *st, int64_t run_a, int64_t run_b, const char *path,
                              size_t *n_lines, tpp_money *total, tpp_error *err)
{
    delta_acc acc = {.a = tpp_arena_new(1 << 14)};
    tpp_ruleset *rs = NULL;
    tpp_export_meta meta;
    tpp_diff_summary sum;
    tpp_status rc = acc.a ? TPP_OK : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK)
        rc = run_meta(st, run_b, acc.a, &meta, &rs, NULL, err);
    if (rc == TPP_OK) {
        acc.year = meta.year;
        acc.month = meta.month;
        rc = tpp_run_diff(st, run_a, run_b, on_delta, &acc, &sum, err);
    }
    if (rc == TPP_OK && acc.oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK) {
        /* the exporter wants the lines grouped by OPD, a sheet each */
        if (acc.n > 1)
            qsort(acc.lines, acc.n, sizeof *acc.lines, delta_cmp);
        tpp_file_stats stats;
        rc = tpp_export_delta_xlsx(path, &meta, acc.lines, acc.n, &stats, err);
        if (rc == TPP_OK) {
            *n_lines = stats.records;
            *total = stats.total;
        }
    }
    free(acc.lines);
    tpp_rules_free(rs);
    tpp_arena_free(acc.a);
    return rc;
}

/* ---- the two-month (rapel) list ---- */

/* The month's sealed run, else its latest draft. */
static tpp_status rapel_run(tpp_store *st, const char *period, int64_t *run_id, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT id, (SELECT COUNT(*) FROM result WHERE run_id = run.id AND "
                              "status <> 'ok') FROM run WHERE period = ?1 ORDER BY state = "
                              "'final' DESC, id DESC LIMIT 1",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "no run for period %s (compute one with 'tpp run --period %s')", period,
                      period);
    } else if (sqlite3_column_int64(q, 1) > 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "run %lld of %s has %lld line(s) that could not be computed; a rapel list "
                      "pays every employee of both months, fix them first",
                      (long long)sqlite3_column_int64(q, 0), period,
                      (long long)sqlite3_column_int64(q, 1));
    } else {
        *run_id = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return rc;
}

static void csv_field(tpp_buf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    if (!quote && !formula) {
        tpp_buf_puts(b, s);
        return;
    }
    tpp_buf_puts(b, "\"");
    if (formula)
        tpp_buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '"')
            tpp_buf_append(b, "\"", 1); /* a quote is doubled */
        tpp_buf_append(b, s, 1);
    }
    tpp_buf_puts(b, "\"");
}

tpp_status tpp_rapel_export(tpp_store *st, int year, int month, const char *out_dir,
                            tpp_rapel_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    char period[2][8];
    int ym[2][2] = {{year, month}, {month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1}};
    for (int i = 0; i < 2; i++) {
        snprintf(period[i], sizeof period[i], "%04d-%02d", ym[i][0], ym[i][1]);
        TPP_TRY(rapel_run(st, period[i], &sum->run_id[i], err));
    }
    tpp_arena *a = tpp_arena_new(1 << 16);
    tpp_ruleset *rs[2] = {NULL, NULL};
    tpp_export_meta meta[2];
    tpp_rapel_line *lines = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q = NULL;
    tpp_buf csv = {0};
    tpp_status rc = a ? TPP_OK : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (int i = 0; i < 2 && rc == TPP_OK; i++) {
        rc = run_meta(st, sum->run_id[i], a, &meta[i], &rs[i], sum->state[i], err);
        if (rc == TPP_OK) {
            snprintf(sum->pack_id[i], sizeof sum->pack_id[i], "%s", meta[i].pack_id);
            snprintf(sum->pack_sha256[i], sizeof sum->pack_sha256[i], "%s", meta[i].pack_sha256);
        }
    }
    /* Both months by NIP and OPD, grouped by OPD: an employee of only one month, or of one OPD
     * in only one month (a transfer between OPDs: each OPD pays its own line), gets 0 in the
     * other. The name and account are those of the later month. */
    if (rc == TPP_OK)
        rc = tpp_store_prepare(
            st,
            "WITH a AS (SELECT * FROM result WHERE run_id = ?1), b AS (SELECT * FROM result "
            "WHERE run_id = ?2), k AS (SELECT nip, unit_code FROM a UNION SELECT nip, unit_code "
            "FROM b) "
            /* by employee and OPD: a transfer between OPDs puts each OPD's line on its sheet */
            "SELECT k.nip, COALESCE(b.name, a.name), k.unit_code, "
            "COALESCE(b.unit_name, a.unit_name), COALESCE(b.bank_account, a.bank_account), "
            "COALESCE(a.net, 0), COALESCE(b.net, 0) FROM k LEFT JOIN a ON a.nip = k.nip AND "
            "a.unit_code = k.unit_code LEFT JOIN b ON b.nip = k.nip AND b.unit_code = "
            "k.unit_code ORDER BY 3, 1",
            &q, err);
    if (rc != TPP_OK)
        goto done;
    sqlite3_bind_int64(q, 1, sum->run_id[0]);
    sqlite3_bind_int64(q, 2, sum->run_id[1]);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            tpp_rapel_line *p = realloc(lines, nc * sizeof *p);
            if (p == NULL)
                goto nomem;
            lines = p;
            cap = nc;
        }
        tpp_rapel_line *l = &lines[n++];
        *l = (tpp_rapel_line){.nip = tpp_arena_strdup(a, col_text(q, 0)),
                              .name = tpp_arena_strdup(a, col_text(q, 1)),
                              .unit_code = tpp_arena_strdup(a, col_text(q, 2)),
                              .unit_name = tpp_arena_strdup(a, col_text(q, 3)),
                              .bank_account = tpp_arena_strdup(a, col_text(q, 4)),
                              .net = {sqlite3_column_int64(q, 5), sqlite3_column_int64(q, 6)}};
        if (l->nip == NULL || l->name == NULL || l->unit_code == NULL || l->unit_name == NULL ||
            l->bank_account == NULL)
            goto nomem;
        if (!tpp_money_add(sum->total[0], l->net[0], &sum->total[0]) ||
            !tpp_money_add(sum->total[1], l->net[1], &sum->total[1])) {
            rc = tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the rapel list");
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read the runs");
        goto done;
    }
    sum->n_lines = n;
    rc = tpp_mkdirs(out_dir, err);
    if (rc != TPP_OK)
        goto done;
    snprintf(sum->xlsx, sizeof sum->xlsx, "%s/rapel-%s-%s.xlsx", out_dir, period[0], period[1]);
    snprintf(sum->csv, sizeof sum->csv, "%s/rapel-%s-%s.csv", out_dir, period[0], period[1]);
    tpp_file_stats stats;
    rc = tpp_export_rapel_xlsx(sum->xlsx, &meta[0], lines, n, &stats, err);
    if (rc != TPP_OK)
        goto done;
    /* The machine CSV: one row per employee, each month's net (col 18), their sum, and the run
     * each month was taken from. */
    tpp_buf_printf(&csv, "nip,nama,opd,no_rekening,bersih_%s,bersih_%s,jumlah,run_%s,run_%s\n",
                   period[0], period[1], period[0], period[1]);
    for (size_t i = 0; i < n; i++) {
        csv_field(&csv, lines[i].nip);
        tpp_buf_puts(&csv, ",");
        csv_field(&csv, lines[i].name);
        tpp_buf_puts(&csv, ",");
        csv_field(&csv, lines[i].unit_code);
        tpp_buf_puts(&csv, ",");
        csv_field(&csv, lines[i].bank_account);
        tpp_buf_printf(&csv, ",%lld,%lld,%lld,%lld,%lld\n", (long long)lines[i].net[0],
                       (long long)lines[i].net[1], (long long)(lines[i].net[0] + lines[i].net[1]),
                       (long long)sum->run_id[0], (long long)sum->run_id[1]);
    }
    if (csv.oom)
        goto nomem;
    rc = tpp_file_write_atomic(sum->csv, csv.data, csv.len, err);
    goto done;

nomem:
    rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory writing the rapel list");
done:
    sqlite3_finalize(q);
    tpp_buf_release(&csv);
    free(lines);
    tpp_rules_free(rs[0]);
    tpp_rules_free(rs[1]);
    tpp_arena_free(a);
    return rc;
}
