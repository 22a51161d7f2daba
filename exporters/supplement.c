/* Supplementary payment lists (XLSX): the list of underpayments and overpayments found by a
 * correction of an earlier month (daftar kekurangan/kelebihan bayar), and the two-month (rapel)
 * list of domain brief §6.2. Same conventions as the payment list (exporters/xlsx.c): a sheet
 * per OPD, derived columns as formulas with the exact cached amounts, a JUMLAH row, signature
 * blocks, constant_memory mode, a fixed document time and an atomic write. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "engine/util.h"
#include "tpp/export.h"

#define EXACT_MAX    ((int64_t)1 << 53)
#define MONEY_FORMAT "\"Rp \"#,##0"

static const char *const month_id[12] = {"Januari",   "Februari", "Maret",    "April",
                                         "Mei",       "Juni",     "Juli",     "Agustus",
                                         "September", "Oktober",  "November", "Desember"};

static const char *str(const char *s)
{
    return s != NULL ? s : "";
}

typedef struct sw {
    lxw_workbook *wb;
    lxw_error first_error;
    const tpp_export_meta *meta;
    tpp_buf t;
    char title[256]; /* libxlsxwriter keeps the pointer until close */
    lxw_format *f_title, *f_bold, *f_head, *f_num, *f_text, *f_money, *f_tot, *f_tot_money,
        *f_sign_name;
} sw;

static void chk(sw *w, lxw_error e)
{
    if (e != LXW_NO_ERROR && w->first_error == LXW_NO_ERROR)
        w->first_error = e;
}

static bool valid_utf8(const unsigned char *p)
{
    while (*p) {
        size_t len = *p < 0x80             ? 1
                     : (*p & 0xe0) == 0xc0 ? 2
                     : (*p & 0xf0) == 0xe0 ? 3
                     : (*p & 0xf8) == 0xf0 ? 4
                                           : 0;
        if (len == 0 || (len == 2 && *p < 0xc2))
            return false;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += len;
    }
    return true;
}

/* Text cells: libxlsxwriter copies bytes as they are, so text that is not valid UTF-8 gets '?'
 * for its non-ASCII bytes rather than a corrupt file. */
static void put_str(sw *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f)
{
    s = str(s);
    if (*s == '\0') {
        if (f != NULL)
            chk(w, worksheet_write_blank(ws, r, c, f));
        return;
    }
    if (strlen(s) < 32000 && valid_utf8((const unsigned char *)s)) {
        chk(w, worksheet_write_string(ws, r, c, s, f));
        return;
    }
    tpp_buf clean = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p && clean.len < 32000; p++)
        tpp_buf_append(&clean, *p < 0x80 ? (const char *)p : "?", 1);
    chk(w, worksheet_write_string(ws, r, c, clean.oom ? "" : clean.data, f));
    tpp_buf_release(&clean);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lines must come grouped by unit_code (one sheet per OPD): collect the code of each run of
 * equal codes and look for one that shows up twice. */
static tpp_status check_grouped(const char **codes, size_t n_runs, tpp_error *err)
{
    qsort(codes, n_runs, sizeof *codes, cmp_code);
    for (size_t i = 1; i < n_runs; i++)
        if (strcmp(codes[i - 1], codes[i]) == 0)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                            "lines are not grouped by unit_code ('%s' appears in two runs)",
                            codes[i]);
    return TPP_OK;
}

static void formats(sw *w)
{
    w->f_title = workbook_add_format(w->wb);
    format_set_bold(w->f_title);
    format_set_font_size(w->f_title, 13);
    w->f_bold = workbook_add_format(w->wb);
    format_set_bold(w->f_bold);
    w->f_head = workbook_add_format(w->wb);
    format_set_bold(w->f_head);
    format_set_text_wrap(w->f_head);
    format_set_align(w->f_head, LXW_ALIGN_CENTER);
    format_set_align(w->f_head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_border(w->f_head, LXW_BORDER_THIN);
    format_set_bg_color(w->f_head, 0xD9D9D9);
    w->f_num = workbook_add_format(w->wb);
    format_set_italic(w->f_num);
    format_set_align(w->f_num, LXW_ALIGN_CENTER);
    format_set_border(w->f_num, LXW_BORDER_THIN);
    w->f_text = workbook_add_format(w->wb);
    format_set_text_wrap(w->f_text);
    format_set_align(w->f_text, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_text, LXW_BORDER_THIN);
    w->f_money = workbook_add_format(w->wb);
    format_set_align(w->f_money, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_money, LXW_BORDER_THIN);
    format_set_num_format(w->f_money, MONEY_FORMAT);
    w->f_tot = workbook_add_format(w->wb);
    format_set_bold(w->f_tot);
    format_set_border(w->f_tot, LXW_BORDER_THIN);
    format_set_top(w->f_tot, LXW_BORDER_DOUBLE);
    w->f_tot_money = workbook_add_format(w->wb);
    format_set_bold(w->f_tot_money);
    format_set_border(w->f_tot_money, LXW_BORDER_THIN);
    format_set_top(w->f_tot_money, LXW_BORDER_DOUBLE);
    format_set_num_format(w->f_tot_money, MONEY_FORMAT);
    w->f_sign_name = workbook_add_format(w->wb);
    format_set_bold(w->f_sign_name);
    format_set_underline(w->f_sign_name, LXW_UNDERLINE_SINGLE);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void start(sw *w, const char *tmp, char *tmpdir, const char *title, int last_y, int last_m)
{
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir};
    w->wb = workbook_new_opt(tmp, &opts);
    if (w->wb == NULL)
        return;
    /* A fixed document time (the first of the month after the last month listed) keeps the
     * bytes the same for the same input. */
    int ny = last_m == 12 ? last_y + 1 : last_y, nm = last_m == 12 ? 1 : last_m + 1;
    snprintf(w->title, sizeof w->title, "%s", title);
    lxw_doc_properties p = {.title = w->title,
                            .created = (time_t)(days_from_civil(ny, nm, 1) * 86400)};
    chk(w, workbook_set_properties(w->wb, &p));
    formats(w);
}

/* Sheet names from OPD codes: Excel's rules (31 characters, none of []:*?/\), unique. */
static lxw_worksheet *add_sheet(sw *w, const char *code, char used[][32], size_t n_used)
{
    char base[32], name[48];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)str(code); *p && k < 28; p++)
        base[k++] = (*p < 0x20 || *p > 0x7e || strchr("[]:*?/\\'", *p)) ? '_' : (char)*p;
    base[k] = '\0';
    if (k == 0)
        snprintf(base, sizeof base, "OPD");
    snprintf(name, sizeof name, "%s", base);
    for (int i = 2;; i++) {
        bool taken = false;
        for (size_t j = 0; j < n_used; j++)
            taken |= strcasecmp(used[j], name) == 0;
        if (!taken)
            break;
        snprintf(name, sizeof name, "%.24s~%d", base, i); /* i <= 513: fits 31 */
    }
    snprintf(used[n_used], 32, "%.31s", name);
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, name);
    if (ws == NULL)
        chk(w, LXW_ERROR_PARAMETER_VALIDATION);
    return ws;
}

static lxw_row_t title_block(sw *w, lxw_worksheet *ws, const char *title, const char *opd,
                             const char *months)
{
    const tpp_export_meta *m = w->meta;
    lxw_row_t r = 0;
    put_str(w, ws, r++, 0, title, w->f_title);
    if (*str(m->region))
        put_str(w, ws, r++, 0, m->region, w->f_bold);
    if (*str(m->reg_number) || *str(m->reg_title)) {
        w->t.len = 0;
        tpp_buf_printf(&w->t, "%s%s%s", str(m->reg_number),
                       *str(m->reg_number) && *str(m->reg_title) ? " tentang " : "",
                       str(m->reg_title));
        put_str(w, ws, r++, 0, w->t.oom ? "" : w->t.data, NULL);
    }
    w->t.len = 0;
    tpp_buf_printf(&w->t, "OPD: %s", opd);
    put_str(w, ws, r++, 0, w->t.oom ? "" : w->t.data, w->f_bold);
    w->t.len = 0;
    tpp_buf_printf(&w->t, "BULAN: %s", months);
    put_str(w, ws, r++, 0, w->t.oom ? "" : w->t.data, w->f_bold);
    return r + 1;
}

static void signatures(sw *w, lxw_worksheet *ws, lxw_row_t r, const char *unit, lxw_col_t left,
                       lxw_col_t right)
{
    const tpp_export_meta *m = w->meta;
    const tpp_signatures *sg = m->sign;
    for (size_t i = 0; i < m->n_unit_sign; i++)
        if (strcmp(str(m->unit_sign[i].unit_code), str(unit)) == 0)
            sg = &m->unit_sign[i].sign;
    static const tpp_signatures none = {{NULL, NULL, NULL}, {NULL, NULL, NULL}, NULL, NULL};
    if (sg == NULL)
        sg = &none;
    const tpp_signatory *side[2] = {&sg->known, &sg->payer};
    static const char *const dflt[2] = {"Kepala OPD", "Bendahara Pengeluaran"};
    lxw_col_t col[2] = {left, right};
    for (int i = 0; i < 7; i++, r++)
        for (int k = 0; k < 2; k++) {
            lxw_format *f = NULL;
            w->t.len = 0;
            if (i == 0 && k == 0)
                tpp_buf_puts(&w->t, "Mengetahui,");
            else if (i == 0)
                tpp_buf_printf(&w->t, "%s, %s", *str(sg->place) ? sg->place : "..............",
                               *str(sg->date) ? sg->date : "......................");
            else if (i == 1)
                tpp_buf_puts(&w->t, *str(side[k]->title) ? side[k]->title : dflt[k]);
            else if (i == 5 && *str(side[k]->name)) {
                tpp_buf_puts(&w->t, side[k]->name);
                f = w->f_sign_name;
            } else if (i == 5)
                tpp_buf_puts(&w->t, "(.........................................)");
            else if (i == 6)
                tpp_buf_printf(&w->t, "NIP. %s", str(side[k]->nip));
            else
                continue;
            put_str(w, ws, r, col[k], w->t.oom ? "" : w->t.data, f);
        }
}

static void page(lxw_worksheet *ws, lxw_row_t head)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 14);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, head, head + 1);
    worksheet_freeze_panes(ws, head + 2, 2);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Close the workbook and move it into place, or remove what was written. */
static tpp_status finish(sw *w, const char *tmp, const char *path, tpp_error *err)
{
    if (w->t.oom)
        chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
    lxw_error closed = workbook_close(w->wb);
    lxw_error e = w->first_error != LXW_NO_ERROR ? w->first_error : closed;
    tpp_buf_release(&w->t);
    if (e != LXW_NO_ERROR) {
        unlink(tmp);
        return tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot write '%s': %s", path,
                        lxw_strerror(e));
    }
    return tpp_file_commit(tmp, path, err);
}

static void heads(sw *w, lxw_worksheet *ws, lxw_row_t r, const char *const *head,
                  const double *width, int n)
{
    chk(w, worksheet_set_row(ws, r, 40, NULL));
    for (int k = 0; k < n; k++) {
        chk(w, worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, width[k], NULL));
        put_str(w, ws, r, (lxw_col_t)k, head[k], w->f_head);
    }
    for (int k = 0; k < n; k++)
        chk(w, worksheet_write_number(ws, r + 1, (lxw_col_t)k, k + 1, w->f_num));
}

static void sum_row(sw *w, lxw_worksheet *ws, lxw_row_t t, lxw_row_t first, int n_cols,
                    const int *money_cols, const tpp_money *sums, int n_money)
{
    for (int k = 0; k < n_cols; k++)
        chk(w, worksheet_write_blank(ws, t, (lxw_col_t)k, w->f_tot));
    put_str(w, ws, t, 1, "JUMLAH", w->f_tot);
    for (int i = 0; i < n_money; i++) {
        char f[64], c = (char)('A' + money_cols[i]);
        snprintf(f, sizeof f, "=SUM(%c%u:%c%u)", c, (unsigned)first + 1, c, (unsigned)t);
        chk(w, worksheet_write_formula_num(ws, t, (lxw_col_t)money_cols[i], f, w->f_tot_money,
                                           (double)sums[i]));
    }
}

static bool exact(tpp_money v)
{
    return v >= -EXACT_MAX && v <= EXACT_MAX;
}

/* ---- kekurangan / kelebihan bayar ------------------------------------------------------------ */

/* Start the workbook under a temporary name beside path; the caller renames it into place. */
static tpp_status open_book(sw *w, const char *path, char *tmp, size_t tmp_size, const char *title,
                            int year, int month, tpp_error *err)
{
    if (snprintf(tmp, tmp_size, "%s.tmp-%ld", path, (long)getpid()) >= (int)tmp_size)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "path too long: '%s'", path);
    char *tmpdir = dir_of(path);
    if (tmpdir == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    start(w, tmp, tmpdir, title, year, month);
    free(tmpdir);
    if (w->wb == NULL)
        return tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot start workbook '%s'", path);
    return TPP_OK;
}

tpp_status tpp_export_delta_xlsx(const char *path, const tpp_export_meta *meta,
                                 const tpp_delta_line *lines, size_t n, tpp_file_stats *stats,
                                 tpp_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (meta->month < 1 || meta->month > 12)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "invalid month %d", meta->month);
    /* First pass: validate, and the latest month listed (for the document time). */
    int ly = meta->year, lm = meta->month;
    tpp_money sum_due = 0, sum_paid = 0;
    const char **codes = malloc((n ? n : 1) * sizeof *codes);
    size_t n_runs = 0;
    if (codes == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const tpp_delta_line *l = &lines[i];
        tpp_money d;
        if (l->month < 1 || l->month > 12 || l->year < 1 || l->year > 9998) {
            free(codes);
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "NIP %s: invalid month %d-%d",
                            str(l->nip), l->year, l->month);
        }
        if (l->due_net < 0 || l->paid_net < 0 || !tpp_money_sub(l->due_net, l->paid_net, &d) ||
            !tpp_money_add(stats->total, d, &stats->total) ||
            !tpp_money_add(sum_due, l->due_net, &sum_due) ||
            !tpp_money_add(sum_paid, l->paid_net, &sum_paid) || !exact(sum_due) ||
            !exact(sum_paid)) {
            free(codes);
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "NIP %s: amounts out of range",
                            str(l->nip));
        }
        if (i == 0 || strcmp(str(lines[i - 1].unit_code), str(l->unit_code)) != 0)
            codes[n_runs++] = str(l->unit_code);
        if (l->year * 12 + l->month > ly * 12 + lm)
            ly = l->year, lm = l->month;
    }
    tpp_status grc = check_grouped(codes, n_runs, err);
    free(codes);
    TPP_TRY(grc);
    stats->records = n;

    char tmp[4096];
    sw w = {.meta = meta};
    TPP_TRY(open_book(&w, path, tmp, sizeof tmp, "Daftar Kekurangan/Kelebihan Pembayaran TPP", ly,
                      lm, err));

    static const char *const head[] = {"NO",
                                       "NAMA / NIP",
                                       "GOL",
                                       "JABATAN",
                                       "BULAN",
                                       "SEHARUSNYA DITERIMA",
                                       "TELAH DIBAYAR",
                                       "KEKURANGAN BAYAR\n=MAX(6-7;0)",
                                       "KELEBIHAN BAYAR\n=MAX(7-6;0)",
                                       "KETERANGAN"};
    static const double width[] = {5, 34, 8, 28, 15, 16, 16, 16, 16, 30};
    static const int money_cols[] = {5, 6, 7, 8};
    char used[512][32];
    size_t n_used = 0;
    char months[64];
    snprintf(months, sizeof months, "koreksi %s %d", month_id[meta->month - 1], meta->year);
    for (size_t i = 0; i < n && w.first_error == LXW_NO_ERROR;) {
        size_t j = i;
        while (j < n && strcmp(str(lines[j].unit_code), str(lines[i].unit_code)) == 0)
            j++;
        if (n_used == 512) {
            chk(&w, LXW_ERROR_SHEETNAME_ALREADY_USED);
            break;
        }
        lxw_worksheet *ws = add_sheet(&w, lines[i].unit_code, used, n_used++);
        if (ws == NULL)
            break;
        const char *opd = *str(lines[i].unit_name) ? lines[i].unit_name : str(lines[i].unit_code);
        lxw_row_t h =
            title_block(&w, ws, "DAFTAR KEKURANGAN / KELEBIHAN PEMBAYARAN TPP", opd, months);
        heads(&w, ws, h, head, width, 10);
        lxw_row_t first = h + 2, r = first;
        tpp_money sums[4] = {0, 0, 0, 0};
        for (size_t k = i; k < j; k++, r++) {
            const tpp_delta_line *l = &lines[k];
            unsigned R = (unsigned)r + 1;
            tpp_money under = l->due_net > l->paid_net ? l->due_net - l->paid_net : 0;
            tpp_money over = l->paid_net > l->due_net ? l->paid_net - l->due_net : 0;
            sums[0] += l->due_net, sums[1] += l->paid_net, sums[2] += under, sums[3] += over;
            chk(&w, worksheet_write_number(ws, r, 0, (double)(k - i + 1), w.f_text));
            w.t.len = 0;
            tpp_buf_printf(&w.t, "%s\nNIP. %s", str(l->name), str(l->nip));
            put_str(&w, ws, r, 1, w.t.oom ? "" : w.t.data, w.f_text);
            put_str(&w, ws, r, 2, l->grade, w.f_text);
            put_str(&w, ws, r, 3, l->position, w.f_text);
            w.t.len = 0;
            tpp_buf_printf(&w.t, "%s %d", month_id[l->month - 1], l->year);
            put_str(&w, ws, r, 4, w.t.oom ? "" : w.t.data, w.f_text);
            chk(&w, worksheet_write_number(ws, r, 5, (double)l->due_net, w.f_money));
            chk(&w, worksheet_write_number(ws, r, 6, (double)l->paid_net, w.f_money));
            char f[64];
            snprintf(f, sizeof f, "=MAX(F%u-G%u,0)", R, R);
            chk(&w, worksheet_write_formula_num(ws, r, 7, f, w.f_money, (double)under));
            snprintf(f, sizeof f, "=MAX(G%u-F%u,0)", R, R);
            chk(&w, worksheet_write_formula_num(ws, r, 8, f, w.f_money, (double)over));
            put_str(&w, ws, r, 9, l->reason, w.f_text);
        }
        sum_row(&w, ws, r, first, 10, money_cols, sums, 4);
        signatures(&w, ws, r + 2, lines[i].unit_code, 1, 7);
        page(ws, h);
        i = j;
    }
    return finish(&w, tmp, path, err);
}

/* ---- rapel (two months) ---------------------------------------------------------------------- */

tpp_status tpp_export_rapel_xlsx(const char *path, const tpp_export_meta *meta,
                                 const tpp_rapel_line *lines, size_t n, tpp_file_stats *stats,
                                 tpp_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (meta->month < 1 || meta->month > 12 || meta->year < 1 || meta->year > 9997)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "invalid month %d", meta->month);
    int y2 = meta->month == 12 ? meta->year + 1 : meta->year;
    int m2 = meta->month == 12 ? 1 : meta->month + 1;
    const char **codes = malloc((n ? n : 1) * sizeof *codes);
    size_t n_runs = 0;
    if (codes == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const tpp_rapel_line *l = &lines[i];
        tpp_money both;
        /* stats->total bounds every column's sum: all amounts are >= 0. */
        if (l->net[0] < 0 || l->net[1] < 0 || !tpp_money_add(l->net[0], l->net[1], &both) ||
            !tpp_money_add(stats->total, both, &stats->total) || !exact(stats->total)) {
            free(codes);
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "NIP %s: amounts out of range",
                            str(l->nip));
        }
        if (i == 0 || strcmp(str(lines[i - 1].unit_code), str(l->unit_code)) != 0)
            codes[n_runs++] = str(l->unit_code);
    }
    tpp_status grc = check_grouped(codes, n_runs, err);
    free(codes);
    TPP_TRY(grc);
    stats->records = n;

    char tmp[4096];
    sw w = {.meta = meta};
    TPP_TRY(open_book(&w, path, tmp, sizeof tmp, "Daftar Pembayaran TPP Rapel", y2, m2, err));

    char h1[64], h2[64], months[96];
    snprintf(h1, sizeof h1, "JUMLAH BERSIH\n%s %d", month_id[meta->month - 1], meta->year);
    snprintf(h2, sizeof h2, "JUMLAH BERSIH\n%s %d", month_id[m2 - 1], y2);
    snprintf(months, sizeof months, "%s %d dan %s %d", month_id[meta->month - 1], meta->year,
             month_id[m2 - 1], y2);
    const char *head[] = {"NO",
                          "NAMA PEGAWAI / NIP",
                          "NO. REKENING",
                          h1,
                          h2,
                          "JUMLAH\n=(4+5)",
                          "JUMLAH DIKREDITKAN OLEH BANK"};
    static const double width[] = {5, 34, 20, 18, 18, 18, 20};
    static const int money_cols[] = {3, 4, 5, 6};
    char used[512][32];
    size_t n_used = 0;
    for (size_t i = 0; i < n && w.first_error == LXW_NO_ERROR;) {
        size_t j = i;
        while (j < n && strcmp(str(lines[j].unit_code), str(lines[i].unit_code)) == 0)
            j++;
        if (n_used == 512) {
            chk(&w, LXW_ERROR_SHEETNAME_ALREADY_USED);
            break;
        }
        lxw_worksheet *ws = add_sheet(&w, lines[i].unit_code, used, n_used++);
        if (ws == NULL)
            break;
        const char *opd = *str(lines[i].unit_name) ? lines[i].unit_name : str(lines[i].unit_code);
        lxw_row_t h = title_block(&w, ws, "DAFTAR PEMBAYARAN TAMBAHAN PENGHASILAN PEGAWAI (RAPEL)",
                                  opd, months);
        heads(&w, ws, h, head, width, 7);
        lxw_row_t first = h + 2, r = first;
        tpp_money sums[4] = {0, 0, 0, 0};
        for (size_t k = i; k < j; k++, r++) {
            const tpp_rapel_line *l = &lines[k];
            unsigned R = (unsigned)r + 1;
            tpp_money both = l->net[0] + l->net[1];
            sums[0] += l->net[0], sums[1] += l->net[1], sums[2] += both, sums[3] += both;
            chk(&w, worksheet_write_number(ws, r, 0, (double)(k - i + 1), w.f_text));
            w.t.len = 0;
            tpp_buf_printf(&w.t, "%s\nNIP. %s", str(l->name), str(l->nip));
            put_str(&w, ws, r, 1, w.t.oom ? "" : w.t.data, w.f_text);
            put_str(&w, ws, r, 2, l->bank_account, w.f_text);
            chk(&w, worksheet_write_number(ws, r, 3, (double)l->net[0], w.f_money));
            chk(&w, worksheet_write_number(ws, r, 4, (double)l->net[1], w.f_money));
            char f[64];
            snprintf(f, sizeof f, "=D%u+E%u", R, R);
            chk(&w, worksheet_write_formula_num(ws, r, 5, f, w.f_money, (double)both));
            snprintf(f, sizeof f, "=F%u", R);
            chk(&w, worksheet_write_formula_num(ws, r, 6, f, w.f_money, (double)both));
        }
        sum_row(&w, ws, r, first, 7, money_cols, sums, 4);
        signatures(&w, ws, r + 2, lines[i].unit_code, 1, 5);
        page(ws, h);
        i = j;
    }
    return finish(&w, tmp, path, err);
}
