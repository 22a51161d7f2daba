/* XLSX payment list (Daftar Pembayaran TPP) in the numbered-column layout of the Deli Serdang
 * template (domain brief §6.1): a "Ringkasan" sheet with the totals per OPD, then one sheet per
 * OPD. Written with libxlsxwriter in constant_memory mode, so every sheet is written strictly top
 * to bottom; everything that a sheet needs from later rows (totals, sheet names) is computed in a
 * first pass over the lines before the workbook is created. That pass also validates the data, so
 * bad input fails before any file exists. The library writes the OPD sheets without their
 * employees' rows; those are rendered into the sheets' XML and every part deflated on several
 * threads by tpp_xlsx_repack (exporters/xlsx_pack.h). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "engine/util.h"
#include "exporters/rumus.h"
#include "exporters/xlsx_pack.h"
#include "tpp/export.h"
#include "tpp/rules.h"

/* Excel's limit on the text of one cell, in characters; we cut at this many bytes (<= chars). */
#define CELL_TEXT_MAX 32767
/* Integers beyond 2^53 have no exact double; Excel would show a different amount. */
#define EXACT_MAX ((int64_t)1 << 53)

/* "Rp 1.234.567": the literal prefix and the viewer's grouping separator (Excel uses the locale
 * of the machine showing the file; an Indonesian locale shows dots). */
#define MONEY_FORMAT "\"Rp \"#,##0"

/* Form column k (1..19, as printed in the numbering row) is spreadsheet column k - 1. */
#define COL(k) ((lxw_col_t)((k)-1))
#define N_FORM 19
#define N_SUMS 13

/* Zakat (domain brief §5.3, a deduction after PPh 21) has no numbered column in the Deli Serdang
 * form. A list where someone pays it gets one more column at the right, "17a", and column 18
 * becomes 16 - 17 - 17a; a list without zakat is the form exactly. The column stays right of
 * 19 so that column 18 keeps its place (tpp verify adds it up). */
#define ZAKAT_COL 20

/* Form columns that get a "JUMLAH" total: 6 and 8..18 (and the zakat column when shown). */
static const int sum_col[N_SUMS] = {6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, ZAKAT_COL};
enum {
    S_BESARAN,
    S_TPP,
    S_POT_BL,
    S_POT_HD,
    S_BPJS4,
    S_GROSS,
    S_BPJS4_DED,
    S_BPJS1,
    S_DEDUCT,
    S_NET_BT,
    S_PPH21,
    S_NET,
    S_ZAKAT
};

static const char *const month_id[12] = {"Januari",   "Februari", "Maret",    "April",
                                         "Mei",       "Juni",     "Juli",     "Agustus",
                                         "September", "Oktober",  "November", "Desember"};

static const char *const form_head[N_FORM] = {
    "NO",
    "NAMA / NIP",
    "GOL",
    "JABATAN / NPWP",
    "KELAS JABATAN",
    "BESARAN TPP (Rp)",
    "TOTAL PERSENTASE PENILAIAN (%)",
    "JUMLAH TPP",
    "POT. BULAN LALU",
    "POT. HUKUMAN DISIPLIN",
    "SUBSIDI PEMDA BPJS 4 %",
    "JUMLAH TPP KOTOR\n=(8+11)-(9+10)",
    "SUBSIDI BPJS 4 %",
    "POT. KEWAJIBAN BPJS 1 %",
    "JUMLAH POTONGAN\n=(13+14)",
    "JUMLAH BERSIH\n=(12-15)",
    "PPh PASAL 21",
    "JUMLAH TPP YANG DITERIMA\n=(16-17)",
    "TANDA TANGAN",
};

static const double form_width[N_FORM] = {5,  34, 9,  30, 8,  15, 11, 15, 14, 14,
                                          14, 15, 14, 14, 15, 15, 14, 16, 24};

/* One OPD: a run of consecutive lines with the same unit_code. */
typedef struct opd {
    size_t first;
    size_t count;
    size_t n_failed;
    tpp_money sum[N_SUMS];
    char sheet[LXW_SHEETNAME_MAX + 1]; /* printable ASCII, so bytes == characters */
} opd;

typedef struct writer {
    lxw_workbook *wb;
    lxw_error first_error; /* first library error; reported once the workbook is closed */
    const tpp_export_meta *meta;
    tpp_buf compose; /* text built from several fields */
    tpp_buf clean;   /* text repaired to valid UTF-8 */
    lxw_format *f_title, *f_bold, *f_warn, *f_head, *f_num, *f_text, *f_center, *f_money, *f_pct,
        *f_box, *f_err, *f_tot_label, *f_tot_money, *f_tot_blank, *f_int, *f_sign_name;
    bool zakat_col; /* some line pays zakat: the "17a" column is shown */
    bool skip_rows; /* OPD sheets without their employees' rows (tpp_xlsx_repack adds them) */
    struct fmt_rec *rec; /* set: record the formats the cells would use, write nothing */
} writer;

/* ---- the order in which formats are first used ------------------------------------------------
 *
 * libxlsxwriter numbers a format (its index in styles.xml, the s="" of every cell) the first time
 * a cell with it is written out, and in constant_memory mode a row is written out when the next
 * row is started; the last row of each sheet only when the workbook is closed, sheet by sheet.
 * The OPD sheets are given to the library without their employees' rows, which are rendered
 * later into the re-packed workbook (tpp_xlsx_repack), so the library would number their formats
 * in another order, or not at all. So the OPD sheets are first "written" into a recorder that
 * keeps the formats of each row as the library would write them out (column order, a later cell
 * replacing an earlier one in the same column), leaving out each sheet's last row; the formats
 * are then numbered in that order, one after the other, before the sheets are written. A data
 * row's formats depend only on whether its line was computed (line.ok), so per sheet only the
 * first row of each kind is recorded. */
#define REC_COLS 32
typedef struct fmt_rec {
    bool any;           /* a row is pending */
    lxw_row_t row;      /* the pending row */
    lxw_format *cells[REC_COLS];
    lxw_format **order; /* formats in the order their rows are written out (repeats allowed) */
    size_t n, cap;
    bool oom;
} fmt_rec;

static void rec_flush(fmt_rec *rc)
{
    for (int c = 0; c < REC_COLS; c++) {
        if (rc->cells[c] == NULL)
            continue;
        if (rc->n == rc->cap) {
            size_t nc = rc->cap ? rc->cap * 2 : 64;
            lxw_format **b = realloc(rc->order, nc * sizeof *b);
            if (b == NULL) {
                rc->oom = true;
                return;
            }
            rc->order = b;
            rc->cap = nc;
        }
        rc->order[rc->n++] = rc->cells[c];
        rc->cells[c] = NULL;
    }
}

/* A cell written with format f (NULL: a cell without a format, which replaces one with). */
static void rec_cell(fmt_rec *rc, lxw_row_t r, lxw_col_t c, lxw_format *f)
{
    if (rc->any && r != rc->row) {
        rec_flush(rc);
        memset(rc->cells, 0, sizeof rc->cells);
    }
    rc->any = true;
    rc->row = r;
    if (c < REC_COLS)
        rc->cells[c] = f;
    else
        rc->oom = true; /* a column the recorder does not know: refuse to guess */
}

/* End of a sheet: its last row is written out only when the workbook is closed. */
static void rec_end_sheet(fmt_rec *rc)
{
    memset(rc->cells, 0, sizeof rc->cells);
    rc->any = false;
}

static const char *str(const char *s)
{
    return s != NULL ? s : "";
}

static void chk(writer *w, lxw_error e)
{
    if (e != LXW_NO_ERROR && w->first_error == LXW_NO_ERROR)
        w->first_error = e;
}

/* ---- first pass: validation and totals ------------------------------------------------------ */

/* The amounts printed in the form columns that are totalled. A line that could not be computed is
 * listed with zeros: it must be visible, but must not add to what BPKAD pays. */
static void line_amounts(const tpp_payline *l, tpp_money a[N_SUMS])
{
    if (!l->ok) {
        memset(a, 0, sizeof(tpp_money) * N_SUMS);
        return;
    }
    a[S_BESARAN] = l->besaran;
    a[S_TPP] = l->tpp;
    a[S_POT_BL] = l->pot_bulan_lalu;
    a[S_POT_HD] = l->pot_hukdis;
    a[S_BPJS4] = l->bpjs_employer;
    a[S_GROSS] = l->gross;
    a[S_BPJS4_DED] = l->bpjs_employer;
    a[S_BPJS1] = l->bpjs_employee;
    a[S_DEDUCT] = l->deductions;
    a[S_NET_BT] = l->net_before_tax;
    a[S_PPH21] = l->pph21;
    a[S_NET] = l->net;
    a[S_ZAKAT] = l->zakat;
}

static bool exact(tpp_money v)
{
    return v >= -EXACT_MAX && v <= EXACT_MAX;
}

/* The derived columns are live formulas whose cached value is the stored amount. If the stored
 * amounts broke the form's identities, Excel would show one number and recalculate another, so
 * refuse to write such a list. */
static tpp_status check_line(const tpp_payline *l, const tpp_money a[N_SUMS], tpp_error *err)
{
    for (int i = 0; i < N_SUMS; i++)
        if (!exact(a[i]))
            return tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC,
                            "xlsx export: amount in column %d for NIP '%s' is too large for an "
                            "exact spreadsheet number",
                            sum_col[i], str(l->nip));
    if (!l->ok)
        return TPP_OK;
    tpp_money add, sub, v;
    const char *bad = NULL;
    if (!tpp_money_add(a[S_TPP], a[S_BPJS4], &add) ||
        !tpp_money_add(a[S_POT_BL], a[S_POT_HD], &sub) || !tpp_money_sub(add, sub, &v) ||
        v != a[S_GROSS])
        bad = "12 = (8+11)-(9+10)";
    else if (!tpp_money_add(a[S_BPJS4_DED], a[S_BPJS1], &v) || v != a[S_DEDUCT])
        bad = "15 = (13+14)";
    else if (!tpp_money_sub(a[S_GROSS], a[S_DEDUCT], &v) || v != a[S_NET_BT])
        bad = "16 = (12-15)";
    else if (!tpp_money_sub(a[S_NET_BT], a[S_PPH21], &v) || !tpp_money_sub(v, a[S_ZAKAT], &v) ||
             v != a[S_NET] || a[S_ZAKAT] < 0)
        bad = "18 = (16-17-zakat)";
    if (bad != NULL)
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                        "xlsx export: line for NIP '%s' breaks column identity %s", str(l->nip),
                        bad);
    return TPP_OK;
}

static tpp_status add_sums(tpp_money acc[N_SUMS], const tpp_money a[N_SUMS], const char *what,
                           tpp_error *err)
{
    for (int i = 0; i < N_SUMS; i++)
        if (!tpp_money_add(acc[i], a[i], &acc[i]) || !exact(acc[i]))
            return tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC,
                            "xlsx export: total of column %d for %s overflows", sum_col[i], what);
    return TPP_OK;
}

/* Sheet names: at most 31 characters, none of []:*?/\ and no apostrophe at either end (Excel's
 * rules). Anything outside printable ASCII also becomes '_' so that the case-insensitive
 * uniqueness test below is the same as Excel's. */
static void sanitise_sheet_name(const char *code, char out[LXW_SHEETNAME_MAX + 1])
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)code; *p != '\0' && k < LXW_SHEETNAME_MAX;
         p++) {
        unsigned char c = *p;
        if (c < 0x20 || c > 0x7e || strchr("[]:*?/\\", c) != NULL)
            c = '_';
        out[k++] = (char)c;
    }
    out[k] = '\0';
    if (k == 0) {
        snprintf(out, LXW_SHEETNAME_MAX + 1, "OPD");
        return;
    }
    if (out[0] == '\'')
        out[0] = '_';
    if (out[k - 1] == '\'')
        out[k - 1] = '_';
}

static bool name_taken(const opd *g, size_t n_g, const char *name)
{
    /* "History" is reserved by Excel; "Ringkasan" and "Rumus" are ours. */
    if (strcasecmp(name, "Ringkasan") == 0 || strcasecmp(name, "History") == 0 ||
        strcasecmp(name, "Rumus") == 0)
        return true;
    for (size_t i = 0; i < n_g; i++)
        if (strcasecmp(g[i].sheet, name) == 0)
            return true;
    return false;
}

/* Give group g[n_g] a unique sheet name: the sanitised code, or "<code cut>~N" on a clash. The
 * clash is resolved in line order, so the same input always gives the same names. */
static void assign_sheet_name(opd *g, size_t n_g, const char *code)
{
    char base[LXW_SHEETNAME_MAX + 1];
    sanitise_sheet_name(code, base);
    snprintf(g[n_g].sheet, sizeof g[n_g].sheet, "%s", base);
    for (size_t k = 2; name_taken(g, n_g, g[n_g].sheet); k++) {
        char suffix[24];
        int sl = snprintf(suffix, sizeof suffix, "~%zu", k);
        int keep = LXW_SHEETNAME_MAX - sl;
        snprintf(g[n_g].sheet, sizeof g[n_g].sheet, "%.*s%s", keep, base, suffix);
    }
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lines must come grouped by unit_code: a code that shows up in two separate runs would give
 * two sheets for one OPD and split its totals. */
static tpp_status check_grouping(const opd *g, size_t n_g, const tpp_payline *lines, tpp_error *err)
{
    if (n_g < 2)
        return TPP_OK;
    const char **codes = malloc(n_g * sizeof *codes);
    if (codes == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t i = 0; i < n_g; i++)
        codes[i] = str(lines[g[i].first].unit_code);
    qsort(codes, n_g, sizeof *codes, cmp_code);
    tpp_status rc = TPP_OK;
    for (size_t i = 1; i < n_g; i++)
        if (strcmp(codes[i - 1], codes[i]) == 0) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "xlsx export: lines are not grouped by unit_code ('%s' appears in two "
                          "separate runs)",
                          codes[i]);
            break;
        }
    free(codes);
    return rc;
}

static tpp_status build_groups(const tpp_payline *lines, size_t n, opd **out, size_t *n_out,
                               tpp_money grand[N_SUMS], tpp_error *err)
{
    opd *g = NULL;
    size_t n_g = 0, cap = 0;
    tpp_status rc = TPP_OK;
    memset(grand, 0, sizeof(tpp_money) * N_SUMS);
    for (size_t i = 0; i < n; i++) {
        const tpp_payline *l = &lines[i];
        if (i == 0 || strcmp(str(l->unit_code), str(lines[i - 1].unit_code)) != 0) {
            if (n_g == cap) {
                cap = cap ? cap * 2 : 16;
                opd *bigger = realloc(g, cap * sizeof *g);
                if (bigger == NULL) {
                    rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                    goto fail;
                }
                g = bigger;
            }
            memset(&g[n_g], 0, sizeof g[n_g]);
            g[n_g].first = i;
            assign_sheet_name(g, n_g, str(l->unit_code));
            n_g++;
        }
        opd *cur = &g[n_g - 1];
        tpp_money a[N_SUMS];
        line_amounts(l, a);
        if ((rc = check_line(l, a, err)) != TPP_OK ||
            (rc = add_sums(cur->sum, a, cur->sheet, err)) != TPP_OK ||
            (rc = add_sums(grand, a, "all OPDs", err)) != TPP_OK)
            goto fail;
        cur->count++;
        if (!l->ok)
            cur->n_failed++;
    }
    if ((rc = check_grouping(g, n_g, lines, err)) != TPP_OK)
        goto fail;
    *out = g;
    *n_out = n_g;
    return TPP_OK;
fail:
    free(g);
    return rc;
}

/* ---- text ------------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one (overlong forms,
 * surrogates and code points past U+10FFFF are invalid too). */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min, cp;
    if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* libxlsxwriter copies text bytes into the XML as they are, so one stray Latin-1 byte would make
 * the whole file unreadable. Return s itself when it is valid and short enough (the usual case),
 * else a repaired copy (U+FFFD for bad bytes, cut at a character boundary) valid until the next
 * call. */
static const char *valid_text(tpp_buf *clean, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t off = 0, len;
    while (p[off] != '\0' && (len = utf8_seq(p + off)) != 0 && off + len <= CELL_TEXT_MAX)
        off += len;
    if (p[off] == '\0')
        return s;
    clean->len = 0;
    tpp_buf_append(clean, s, off);
    while (p[off] != '\0') {
        len = utf8_seq(p + off);
        size_t add = len ? len : 3;
        if (clean->len + add > CELL_TEXT_MAX)
            break;
        if (len)
            tpp_buf_append(clean, s + off, len);
        else
            tpp_buf_append(clean, "\xef\xbf\xbd", 3);
        off += len ? len : 1;
    }
    return clean->oom ? "" : clean->data;
}

static const char *cell_text(writer *w, const char *s)
{
    return valid_text(&w->clean, s);
}

/* A blank cell carries only its format: without one the library writes nothing. */
static void put_blank(writer *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, lxw_format *f)
{
    if (f == NULL)
        return;
    if (w->rec != NULL)
        rec_cell(w->rec, r, c, f);
    else
        chk(w, worksheet_write_blank(ws, r, c, f));
}

static void put_number(writer *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                       lxw_format *f)
{
    if (w->rec != NULL)
        rec_cell(w->rec, r, c, f);
    else
        chk(w, worksheet_write_number(ws, r, c, v, f));
}

/* Text is always written as a string cell, so a name like "=HYPERLINK(...)" stays text. */
static void put_str(writer *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f)
{
    s = str(s);
    if (*s == '\0') {
        if (f != NULL)
            put_blank(w, ws, r, c, f);
        return;
    }
    if (w->rec != NULL)
        rec_cell(w->rec, r, c, f);
    else
        chk(w, worksheet_write_string(ws, r, c, cell_text(w, s), f));
}

static void put_money(writer *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, tpp_money m,
                      lxw_format *f)
{
    /* exact: checked in the first pass (|m| <= 2^53) */
    put_number(w, ws, r, c, (double)m, f);
}

/* A formula with the engine's amount as its cached value, so a reader that does not
 * recalculate (or a checker that unzips the file) sees the same number as Excel. */
static void put_formula(writer *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *formula,
                        tpp_money cached, lxw_format *f)
{
    if (w->rec != NULL)
        rec_cell(w->rec, r, c, f);
    else
        chk(w, worksheet_write_formula_num(ws, r, c, formula, f, (double)cached));
}

/* A1 column letters for 0-based columns below 26 (all we use). */
static char col_letter(int form_col)
{
    return (char)('A' + form_col - 1);
}

/* ---- layout ------------------------------------------------------------------------------ */

static void make_formats(writer *w)
{
    lxw_workbook *wb = w->wb;
    w->f_title = workbook_add_format(wb);
    format_set_bold(w->f_title);
    format_set_font_size(w->f_title, 13);
    w->f_bold = workbook_add_format(wb);
    format_set_bold(w->f_bold);
    w->f_warn = workbook_add_format(wb);
    format_set_bold(w->f_warn);
    format_set_font_color(w->f_warn, LXW_COLOR_RED);

    w->f_head = workbook_add_format(wb);
    format_set_bold(w->f_head);
    format_set_text_wrap(w->f_head);
    format_set_align(w->f_head, LXW_ALIGN_CENTER);
    format_set_align(w->f_head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_border(w->f_head, LXW_BORDER_THIN);
    format_set_bg_color(w->f_head, 0xD9D9D9);

    w->f_num = workbook_add_format(wb);
    format_set_italic(w->f_num);
    format_set_font_size(w->f_num, 9);
    format_set_align(w->f_num, LXW_ALIGN_CENTER);
    format_set_border(w->f_num, LXW_BORDER_THIN);
    format_set_bg_color(w->f_num, 0xF2F2F2);

    w->f_text = workbook_add_format(wb);
    format_set_text_wrap(w->f_text);
    format_set_align(w->f_text, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_text, LXW_BORDER_THIN);

    w->f_center = workbook_add_format(wb);
    format_set_align(w->f_center, LXW_ALIGN_CENTER);
    format_set_align(w->f_center, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_center, LXW_BORDER_THIN);

    w->f_int = workbook_add_format(wb);
    format_set_align(w->f_int, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_int, LXW_BORDER_THIN);
    format_set_num_format(w->f_int, "#,##0");

    w->f_money = workbook_add_format(wb);
    format_set_align(w->f_money, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_money, LXW_BORDER_THIN);
    format_set_num_format(w->f_money, MONEY_FORMAT);

    w->f_pct = workbook_add_format(wb);
    format_set_align(w->f_pct, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_pct, LXW_BORDER_THIN);
    format_set_num_format(w->f_pct, "0.00");

    w->f_box = workbook_add_format(wb);
    format_set_border(w->f_box, LXW_BORDER_THIN);

    w->f_err = workbook_add_format(wb);
    format_set_text_wrap(w->f_err);
    format_set_align(w->f_err, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(w->f_err, LXW_BORDER_THIN);
    format_set_font_size(w->f_err, 9);
    format_set_font_color(w->f_err, LXW_COLOR_RED);

    w->f_tot_label = workbook_add_format(wb);
    format_set_bold(w->f_tot_label);
    format_set_align(w->f_tot_label, LXW_ALIGN_CENTER);
    format_set_border(w->f_tot_label, LXW_BORDER_THIN);
    format_set_top(w->f_tot_label, LXW_BORDER_DOUBLE);

    w->f_tot_money = workbook_add_format(wb);
    format_set_bold(w->f_tot_money);
    format_set_border(w->f_tot_money, LXW_BORDER_THIN);
    format_set_top(w->f_tot_money, LXW_BORDER_DOUBLE);
    format_set_num_format(w->f_tot_money, MONEY_FORMAT);

    w->f_sign_name = workbook_add_format(wb);
    format_set_bold(w->f_sign_name);
    format_set_underline(w->f_sign_name, LXW_UNDERLINE_SINGLE);

    w->f_tot_blank = workbook_add_format(wb);
    format_set_border(w->f_tot_blank, LXW_BORDER_THIN);
    format_set_top(w->f_tot_blank, LXW_BORDER_DOUBLE);
}

static bool has_reg(const tpp_export_meta *m)
{
    return *str(m->reg_number) != '\0' || *str(m->reg_title) != '\0';
}

/* How many rows put_title_block() writes: the summary needs the OPD sheets' row numbers before
 * any OPD sheet exists. */
static lxw_row_t title_rows(const tpp_export_meta *m, bool with_opd)
{
    return (lxw_row_t)(1 + (*str(m->region) != '\0') + has_reg(m) + with_opd + 1 + m->illustrative);
}

/* The title lines shared by every sheet. Returns the next free row. */
static lxw_row_t put_title_block(writer *w, lxw_worksheet *ws, const char *title,
                                 const char *opd_name)
{
    const tpp_export_meta *m = w->meta;
    lxw_row_t r = 0;
    put_str(w, ws, r++, 0, title, w->f_title);
    if (*str(m->region) != '\0')
        put_str(w, ws, r++, 0, m->region, w->f_bold);
    if (has_reg(m)) {
        w->compose.len = 0;
        tpp_buf_puts(&w->compose, str(m->reg_number));
        if (*str(m->reg_number) != '\0' && *str(m->reg_title) != '\0')
            tpp_buf_puts(&w->compose, " tentang ");
        tpp_buf_puts(&w->compose, str(m->reg_title));
        put_str(w, ws, r++, 0, w->compose.oom ? "" : w->compose.data, NULL);
    }
    if (opd_name != NULL) {
        w->compose.len = 0;
        tpp_buf_printf(&w->compose, "OPD: %s", opd_name);
        put_str(w, ws, r++, 0, w->compose.oom ? "" : w->compose.data, w->f_bold);
    }
    w->compose.len = 0;
    tpp_buf_printf(&w->compose, "BULAN: %s %d", month_id[m->month - 1], m->year);
    put_str(w, ws, r++, 0, w->compose.oom ? "" : w->compose.data, w->f_bold);
    if (m->illustrative)
        put_str(w, ws, r++, 0,
                "CONTOH \xe2\x80\x94 angka besaran ilustratif, bukan untuk pembayaran", w->f_warn);
    return r;
}

/* Shared page set-up: landscape Folio (the F4 paper Indonesian offices print on), one page wide,
 * header rows repeated on every page. */
static void page_setup(writer *w, lxw_worksheet *ws, lxw_row_t head_first, lxw_row_t head_last)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 14);
    worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
    worksheet_fit_to_pages(ws, 1, 0);
    chk(w, worksheet_repeat_rows(ws, head_first, head_last));
    chk(w, worksheet_set_footer(ws, "&CHalaman &P dari &N"));
}

/* ---- OPD sheet ------------------------------------------------------------------------------ */

/* What both renderings of a line's row write (put_line_row through libxlsxwriter, x_line_row
 * straight into the re-packed sheet), made in one place so that they cannot drift apart: the
 * two composed texts and the four formulas. The formulas have no leading '=', as the sheet XML
 * holds them (libxlsxwriter strips one itself). */
typedef struct line_row_text {
    const char *name_nip, *position_npwp; /* both in the buffer given; "" when out of memory */
    char gross[48], deduct[48], net_before_tax[48], net[48];
} line_row_text;

static void line_row_texts(const tpp_payline *l, unsigned R, bool zakat_col, tpp_buf *b,
                           line_row_text *t)
{
    b->len = 0;
    tpp_buf_printf(b, "%s\nNIP. %s", str(l->name), str(l->nip));
    size_t position_at = b->len + 1;
    tpp_buf_append(b, "", 1); /* the first text's NUL, kept */
    tpp_buf_puts(b, str(l->position));
    if (*str(l->npwp) != '\0')
        tpp_buf_printf(b, "\nNPWP. %s", l->npwp);
    t->name_nip = b->oom ? "" : b->data;
    t->position_npwp = b->oom ? "" : b->data + position_at;
    snprintf(t->gross, sizeof t->gross, "(H%u+K%u)-(I%u+J%u)", R, R, R, R);
    snprintf(t->deduct, sizeof t->deduct, "M%u+N%u", R, R);
    snprintf(t->net_before_tax, sizeof t->net_before_tax, "L%u-O%u", R, R);
    if (zakat_col)
        snprintf(t->net, sizeof t->net, "P%u-Q%u-%c%u", R, R, col_letter(ZAKAT_COL), R);
    else
        snprintf(t->net, sizeof t->net, "P%u-Q%u", R, R);
}

static void put_line_row(writer *w, lxw_worksheet *ws, lxw_row_t r, size_t no, const tpp_payline *l)
{
    tpp_money a[N_SUMS];
    line_amounts(l, a);
    line_row_text t;
    line_row_texts(l, (unsigned)r + 1, w->zakat_col, &w->compose, &t);

    if (w->rec == NULL)
        chk(w, worksheet_set_row(ws, r, 30, NULL)); /* two text lines: name over NIP */
    put_number(w, ws, r, COL(1), (double)no, w->f_center);
    put_str(w, ws, r, COL(2), t.name_nip, w->f_text);
    put_str(w, ws, r, COL(3), l->grade, w->f_center);
    put_str(w, ws, r, COL(4), t.position_npwp, w->f_text);
    put_number(w, ws, r, COL(5), l->kelas, w->f_center);
    put_money(w, ws, r, COL(6), a[S_BESARAN], w->f_money);
    /* The one double in the exporters: a display copy of the exact basis points. */
    put_number(w, ws, r, COL(7), l->ok ? l->percent_bp / 100.0 : 0.0, w->f_pct);
    put_money(w, ws, r, COL(8), a[S_TPP], w->f_money);
    put_money(w, ws, r, COL(9), a[S_POT_BL], w->f_money);
    put_money(w, ws, r, COL(10), a[S_POT_HD], w->f_money);
    put_money(w, ws, r, COL(11), a[S_BPJS4], w->f_money);
    put_formula(w, ws, r, COL(12), t.gross, a[S_GROSS], w->f_money);
    put_money(w, ws, r, COL(13), a[S_BPJS4_DED], w->f_money);
    put_money(w, ws, r, COL(14), a[S_BPJS1], w->f_money);
    put_formula(w, ws, r, COL(15), t.deduct, a[S_DEDUCT], w->f_money);
    put_formula(w, ws, r, COL(16), t.net_before_tax, a[S_NET_BT], w->f_money);
    put_money(w, ws, r, COL(17), a[S_PPH21], w->f_money);
    if (w->zakat_col)
        put_money(w, ws, r, COL(ZAKAT_COL), a[S_ZAKAT], w->f_money);
    put_formula(w, ws, r, COL(18), t.net, a[S_NET], w->f_money);
    /* Column 19 is the signature box; a line that could not be computed carries its reason
     * there, so nobody is dropped from the list silently. */
    if (!l->ok)
        put_str(w, ws, r, COL(19), *str(l->message) ? l->message : "tidak dapat dihitung",
                w->f_err);
    else
        put_blank(w, ws, r, COL(19), w->f_box);
}

/* Rows of the OPD sheets, the same on every sheet (the title block depends on meta only). */
typedef struct opd_layout {
    lxw_row_t head; /* column titles; the numbering row follows */
    lxw_row_t data; /* first employee row */
} opd_layout;

static lxw_row_t total_row(const opd_layout *lay, const opd *g)
{
    return lay->data + (lxw_row_t)g->count;
}

/* The signature blocks for one OPD: its own when configured, else the workspace default. */
static const tpp_signatures *signatures_for(const tpp_export_meta *m, const char *unit_code)
{
    for (size_t i = 0; i < m->n_unit_sign; i++)
        if (strcmp(str(m->unit_sign[i].unit_code), str(unit_code)) == 0)
            return &m->unit_sign[i].sign;
    return m->sign;
}

#define DOTS "(.........................................)"

static void put_signatures(writer *w, lxw_worksheet *ws, lxw_row_t r, const char *unit_code)
{
    /* Left: the head of the OPD acknowledges; right: the treasurer who pays, under place and
     * date. What the workspace does not configure stays dotted, to be filled in by hand.
     * constant_memory mode writes strictly row by row, so both blocks go out a row at a time. */
    static const tpp_signatures none = {{NULL, NULL, NULL}, {NULL, NULL, NULL}, NULL, NULL};
    const tpp_signatures *sg = signatures_for(w->meta, unit_code);
    if (sg == NULL)
        sg = &none;
    const tpp_signatory *side[2] = {&sg->known, &sg->payer};
    static const char *const default_title[2] = {"Kepala OPD", "Bendahara Pengeluaran"};
    static const int col[2] = {2, 16};
    enum { ROWS = 7 }; /* heading, title, three blank rows for signature and stamp, name, NIP */
    for (int i = 0; i < ROWS; i++, r++) {
        for (int k = 0; k < 2; k++) {
            const tpp_signatory *p = side[k];
            lxw_format *f = NULL;
            w->compose.len = 0;
            if (i == 0 && k == 0)
                tpp_buf_puts(&w->compose, "Mengetahui,");
            else if (i == 0)
                tpp_buf_printf(&w->compose, "%s, %s",
                               *str(sg->place) ? sg->place : "...................",
                               *str(sg->date) ? sg->date : "...........................");
            else if (i == 1)
                tpp_buf_puts(&w->compose, *str(p->title) ? p->title : default_title[k]);
            else if (i == 5 && *str(p->name) != '\0') {
                tpp_buf_puts(&w->compose, p->name);
                f = w->f_sign_name;
            } else if (i == 5)
                tpp_buf_puts(&w->compose, DOTS);
            else if (i == 6)
                tpp_buf_printf(&w->compose, "NIP. %s", str(p->nip));
            else
                continue;
            put_str(w, ws, r, COL(col[k]), w->compose.oom ? "" : w->compose.data, f);
        }
    }
}

static void write_opd_sheet(writer *w, lxw_worksheet *ws, const opd_layout *lay, const opd *g,
                            const tpp_payline *lines)
{
    const tpp_payline *first = &lines[g->first];
    const char *opd_name = *str(first->unit_name) ? first->unit_name : str(first->unit_code);
    lxw_row_t r =
        put_title_block(w, ws, "DAFTAR PEMBAYARAN TAMBAHAN PENGHASILAN PEGAWAI (TPP)", opd_name);
    if (r + 1 != lay->head) /* the summary's links were computed from lay */
        chk(w, LXW_ERROR_PARAMETER_VALIDATION);

    if (w->rec == NULL) {
        for (int k = 1; k <= N_FORM; k++)
            chk(w, worksheet_set_column(ws, COL(k), COL(k), form_width[k - 1], NULL));
        if (w->zakat_col)
            chk(w, worksheet_set_column(ws, COL(ZAKAT_COL), COL(ZAKAT_COL), 14, NULL));
        chk(w, worksheet_set_row(ws, lay->head, 48, NULL));
    }
    for (int k = 1; k <= N_FORM; k++)
        put_str(w, ws, lay->head, COL(k),
                k == 18 && w->zakat_col ? "JUMLAH TPP YANG DITERIMA\n=(16-17-17a)"
                                        : form_head[k - 1],
                w->f_head);
    if (w->zakat_col)
        put_str(w, ws, lay->head, COL(ZAKAT_COL), "POT. ZAKAT", w->f_head);
    for (int k = 1; k <= N_FORM; k++)
        put_number(w, ws, lay->head + 1, COL(k), k, w->f_num);
    if (w->zakat_col)
        put_str(w, ws, lay->head + 1, COL(ZAKAT_COL), "17a", w->f_num);

    bool seen[2] = {false, false}; /* recording: a row of a failed / computed line */
    for (size_t i = 0; i < g->count && (w->rec != NULL || !w->skip_rows); i++) {
        const tpp_payline *l = &lines[g->first + i];
        if (w->rec != NULL) {
            if (seen[l->ok])
                continue;
            seen[l->ok] = true;
        }
        put_line_row(w, ws, lay->data + (lxw_row_t)i, i + 1, l);
    }

    lxw_row_t t = total_row(lay, g);
    unsigned top = (unsigned)lay->data + 1, bottom = (unsigned)t; /* A1 rows of the data */
    for (int k = 1; k <= N_FORM; k++)
        put_blank(w, ws, t, COL(k), w->f_tot_blank);
    put_str(w, ws, t, COL(2), "JUMLAH", w->f_tot_label);
    for (int i = 0; i < N_SUMS; i++) {
        if (i == S_ZAKAT && !w->zakat_col)
            continue;
        char f[64];
        char c = col_letter(sum_col[i]);
        snprintf(f, sizeof f, "=SUM(%c%u:%c%u)", c, top, c, bottom);
        put_formula(w, ws, t, COL(sum_col[i]), f, g->sum[i], w->f_tot_money);
    }
    put_signatures(w, ws, t + 2, first->unit_code);

    if (w->rec != NULL) {
        rec_end_sheet(w->rec);
        return;
    }
    worksheet_freeze_panes(ws, lay->data, COL(3));
    page_setup(w, ws, lay->head, lay->head + 1);
}

/* ---- Ringkasan (summary) ------------------------------------------------------------------- */

/* Summary column -> the form column whose OPD total it shows. */
static const struct {
    const char *head;
    int form_col;
    int sum;
} summary_money[] = {
    {"JUMLAH TPP (8)", 8, S_TPP},
    {"JUMLAH TPP KOTOR (12)", 12, S_GROSS},
    {"JUMLAH BERSIH (16)", 16, S_NET_BT},
    {"JUMLAH TPP YANG DITERIMA (18)", 18, S_NET},
};
#define N_SUMMARY_MONEY   (sizeof summary_money / sizeof summary_money[0])
#define SUMMARY_MONEY_COL 5 /* column F */

/* A sheet name inside a formula: always quoted, apostrophes doubled. */
static void quoted_sheet(tpp_buf *b, const char *name)
{
    tpp_buf_append(b, "'", 1);
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '\'')
            tpp_buf_append(b, "'", 1);
        tpp_buf_append(b, p, 1);
    }
    tpp_buf_append(b, "'", 1);
}

static void write_summary(writer *w, lxw_worksheet *ws, const opd_layout *lay, const opd *g,
                          size_t n_g, const tpp_payline *lines, const tpp_money grand[N_SUMS])
{
    const tpp_export_meta *m = w->meta;
    lxw_row_t r = put_title_block(w, ws, "RINGKASAN DAFTAR PEMBAYARAN TPP PER OPD", NULL);
    w->compose.len = 0;
    tpp_buf_printf(&w->compose, "Paket aturan: %s (SHA-256 %s), run %" PRId64, str(m->pack_id),
                   str(m->pack_sha256), m->run_id);
    put_str(w, ws, r++, 0, w->compose.oom ? "" : w->compose.data, NULL);
    r++;

    static const char *const head[] = {"NO", "KODE OPD", "NAMA OPD", "JUMLAH PEGAWAI",
                                       "TIDAK DAPAT DIHITUNG"};
    static const double width[] = {5, 16, 40, 11, 12};
    lxw_row_t h = r++;
    chk(w, worksheet_set_row(ws, h, 32, NULL));
    for (lxw_col_t c = 0; c < 5; c++) {
        put_str(w, ws, h, c, head[c], w->f_head);
        chk(w, worksheet_set_column(ws, c, c, width[c], NULL));
    }
    for (size_t i = 0; i < N_SUMMARY_MONEY; i++) {
        lxw_col_t c = (lxw_col_t)(SUMMARY_MONEY_COL + i);
        put_str(w, ws, h, c, summary_money[i].head, w->f_head);
        chk(w, worksheet_set_column(ws, c, c, 19, NULL));
    }

    lxw_row_t first = r;
    for (size_t i = 0; i < n_g; i++, r++) {
        const tpp_payline *l = &lines[g[i].first];
        chk(w, worksheet_write_number(ws, r, 0, (double)(i + 1), w->f_center));
        put_str(w, ws, r, 1, l->unit_code, w->f_text);
        put_str(w, ws, r, 2, l->unit_name, w->f_text);
        chk(w, worksheet_write_number(ws, r, 3, (double)g[i].count, w->f_int));
        chk(w, worksheet_write_number(ws, r, 4, (double)g[i].n_failed, w->f_int));
        /* Live links to each OPD sheet's JUMLAH row, cached with the exact totals. */
        unsigned tr = (unsigned)total_row(lay, &g[i]) + 1;
        for (size_t k = 0; k < N_SUMMARY_MONEY; k++) {
            w->compose.len = 0;
            tpp_buf_puts(&w->compose, "=");
            quoted_sheet(&w->compose, g[i].sheet);
            tpp_buf_printf(&w->compose, "!%c%u", col_letter(summary_money[k].form_col), tr);
            put_formula(w, ws, r, (lxw_col_t)(SUMMARY_MONEY_COL + k),
                        w->compose.oom ? "0" : w->compose.data, g[i].sum[summary_money[k].sum],
                        w->f_money);
        }
    }

    lxw_row_t t = r;
    for (lxw_col_t c = 0; c < SUMMARY_MONEY_COL + N_SUMMARY_MONEY; c++)
        chk(w, worksheet_write_blank(ws, t, c, w->f_tot_blank));
    put_str(w, ws, t, 2, "JUMLAH", w->f_tot_label);
    size_t n_lines = 0, n_failed = 0;
    for (size_t i = 0; i < n_g; i++) {
        n_lines += g[i].count;
        n_failed += g[i].n_failed;
    }
    char f[64];
    for (lxw_col_t c = 3; c < SUMMARY_MONEY_COL + N_SUMMARY_MONEY; c++) {
        double cached;
        if (c == 3)
            cached = (double)n_lines;
        else if (c == 4)
            cached = (double)n_failed;
        else
            cached = (double)grand[summary_money[c - SUMMARY_MONEY_COL].sum];
        lxw_format *fmt = c < SUMMARY_MONEY_COL ? w->f_tot_label : w->f_tot_money;
        if (n_g == 0) {
            chk(w, worksheet_write_number(ws, t, c, cached, fmt));
            continue;
        }
        char letter = (char)('A' + c);
        snprintf(f, sizeof f, "=SUM(%c%u:%c%u)", letter, (unsigned)first + 1, letter, (unsigned)t);
        chk(w, worksheet_write_formula_num(ws, t, c, f, fmt, cached));
    }

    if (n_g > 0) {
        /* The amount each OPD receives, as columns: a quick check for an OPD that is far off. */
        lxw_chart *chart = workbook_add_chart(w->wb, LXW_CHART_COLUMN);
        if (chart == NULL) {
            chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        } else {
            char cats[64], vals[64];
            snprintf(cats, sizeof cats, "=Ringkasan!$B$%u:$B$%u", (unsigned)first + 1, (unsigned)t);
            char vl = (char)('A' + SUMMARY_MONEY_COL + N_SUMMARY_MONEY - 1);
            snprintf(vals, sizeof vals, "=Ringkasan!$%c$%u:$%c$%u", vl, (unsigned)first + 1, vl,
                     (unsigned)t);
            if (chart_add_series(chart, cats, vals) == NULL)
                chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
            chart_title_set_name(chart, "JUMLAH TPP YANG DITERIMA PER OPD");
            chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
            chart_axis_set_num_format(chart->y_axis, MONEY_FORMAT);
            lxw_chart_options opt = {.x_scale = 1.5, .y_scale = 1.5};
            chk(w, worksheet_insert_chart_opt(ws, t + 2, 1, chart, &opt));
        }
    }

    worksheet_freeze_panes(ws, first, 0);
    page_setup(w, ws, h, h);
}

/* ---- Rumus (the rules, from the pack) ------------------------------------------------------- */

static void write_rumus(writer *w, lxw_worksheet *ws, const tpp_ruleset *rs)
{
    lxw_row_t r = put_title_block(w, ws, "RUMUS PERHITUNGAN TPP", NULL);
    r++;
    static const char *const head[] = {"KETENTUAN", "NILAI", "DASAR HUKUM"};
    static const double width[] = {44, 60, 70};
    for (lxw_col_t c = 0; c < 3; c++) {
        put_str(w, ws, r, c, head[c], w->f_head);
        chk(w, worksheet_set_column(ws, c, c, width[c], NULL));
    }
    lxw_row_t h = r++;
    tpp_buf rows = {0};
    tpp_rumus_rows(rs, &rows);
    if (rows.oom) {
        chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        tpp_buf_release(&rows);
        return;
    }
    /* Rows are "a\tb\tc\n"; a one-cell row is a section title. */
    for (char *line = rows.data; line != NULL && *line != '\0'; r++) {
        char *end = strchr(line, '\n');
        *end = '\0';
        char *b = strchr(line, '\t');
        if (b == NULL) {
            put_str(w, ws, r, 0, line, w->f_bold);
        } else {
            *b++ = '\0';
            char *c = strchr(b, '\t');
            if (c != NULL)
                *c++ = '\0';
            put_str(w, ws, r, 0, line, w->f_text);
            put_str(w, ws, r, 1, b, w->f_text);
            put_str(w, ws, r, 2, c ? c : "", w->f_text);
        }
        line = end + 1;
    }
    tpp_buf_release(&rows);
    worksheet_freeze_panes(ws, h + 1, 0);
    page_setup(w, ws, h, h);
}

/* ---- workbook ------------------------------------------------------------------------------ */

/* libxlsxwriter 1.1.4 quotes a sheet name in the print-title names only when it holds a character
 * other than letters, digits, '_' and '.', so an OPD code like "1.02.01" (leading digit) or
 * "AB12" (looks like a cell) ends up as 1.02.01!$8:$9, which Excel reports as a corrupt file.
 * A quoted name is always valid, and the library keeps names that are already quoted as they are,
 * so replace its copy (allocated with malloc and freed with free() by the library). */
static lxw_worksheet *add_sheet(writer *w, const char *name)
{
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, name);
    if (ws == NULL) {
        chk(w, LXW_ERROR_CREATING_TMPFILE);
        return NULL;
    }
    tpp_buf q = {0};
    quoted_sheet(&q, name);
    if (q.oom) {
        chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return ws;
    }
    free(ws->quoted_name);
    ws->quoted_name = q.data;
    return ws;
}

/* Number the formats the OPD sheets will use, in the order one thread writing the sheets one
 * after the other would (see "the order in which formats are first used"). False when the
 * recorder ran out of memory. */
static bool number_formats(const writer *w, const opd_layout *lay, const opd *g, size_t n_g,
                           const tpp_payline *lines)
{
    fmt_rec rec = {0};
    writer rw = *w;
    rw.compose = (tpp_buf){0};
    rw.clean = (tpp_buf){0};
    rw.rec = &rec;
    for (size_t i = 0; i < n_g; i++)
        write_opd_sheet(&rw, NULL, lay, &g[i], lines);
    bool ok = !rec.oom && !rw.compose.oom;
    for (size_t k = 0; ok && k < rec.n; k++)
        lxw_format_get_xf_index(rec.order[k]);
    free(rec.order);
    tpp_buf_release(&rw.compose);
    tpp_buf_release(&rw.clean);
    return ok;
}

/* ---- the employees' rows, rendered for tpp_xlsx_repack ------------------------------------
 *
 * The same XML as libxlsxwriter 1.1.4 writes for put_line_row() in constant_memory mode, byte for
 * byte (tests/unit/test_xlsx_threads.c compares every part with the library's own workbook):
 * cells in column order, r="" always, s="" when the format has an index, numbers as "%.16G"
 * (the amounts are integers below 2^53, so their digits), inline strings with control
 * characters as _xHHHH_ and then &, <, > escaped, xml:space="preserve" when the text starts or
 * ends with white space, a formula without its '=' followed by its cached value. */

/* a literal's bytes, without its NUL */
#define X_LIT(o, lit) tpp_buf_append((o), (lit), sizeof(lit) - 1)

typedef struct row_ctx {
    const writer *w;
    const opd_layout *lay;
    const opd *g;
    const tpp_payline *lines;
    int xf_center, xf_text, xf_money, xf_pct, xf_box, xf_err;
} row_ctx;

static void x_i64(tpp_buf *o, int64_t v)
{
    char d[24];
    int k = sizeof d;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        d[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        d[--k] = '-';
    tpp_buf_append(o, d + k, sizeof d - (size_t)k);
}

/* <c r="B20" s="6" (the tag left open) */
static void x_cell(tpp_buf *o, int col, unsigned row1, int xf)
{
    char c[2] = {col_letter(col), '\0'};
    X_LIT(o, "<c r=\"");
    tpp_buf_append(o, c, 1);
    x_i64(o, row1);
    if (xf != 0) {
        X_LIT(o, "\" s=\"");
        x_i64(o, xf);
    }
    X_LIT(o, "\"");
}

static void x_number(tpp_buf *o, int col, unsigned row1, int64_t v, int xf)
{
    x_cell(o, col, row1, xf);
    X_LIT(o, "><v>");
    x_i64(o, v);
    X_LIT(o, "</v></c>");
}

static void x_blank(tpp_buf *o, int col, unsigned row1, int xf)
{
    x_cell(o, col, row1, xf);
    X_LIT(o, "/>");
}

static bool is_control(unsigned char c)
{
    return c >= 0x01 && c <= 0x1f && c != '\t' && c != '\n';
}

/* Text as libxlsxwriter escapes it for an inline string. */
static void x_escaped(tpp_buf *o, const char *s)
{
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c != '\0' && c != '&' && c != '<' && c != '>' && !is_control(c))
            continue;
        tpp_buf_append(o, run, (size_t)(p - run));
        if (c == '\0')
            break;
        if (c == '&')
            X_LIT(o, "&amp;");
        else if (c == '<')
            X_LIT(o, "&lt;");
        else if (c == '>')
            X_LIT(o, "&gt;");
        else
            tpp_buf_printf(o, "_x%04X_", c);
        run = p + 1;
    }
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n'; /* isspace() once \v \f \r became _xHHHH_ */
}

/* put_str(): text, or a blank cell with the format when there is none. */
static void x_string(tpp_buf *o, tpp_buf *clean, int col, unsigned row1, const char *s, int xf)
{
    s = str(s);
    if (*s == '\0') {
        x_blank(o, col, row1, xf);
        return;
    }
    s = valid_text(clean, s);
    size_t n = strlen(s);
    x_cell(o, col, row1, xf);
    if (n > 0 && (is_space((unsigned char)s[0]) || is_space((unsigned char)s[n - 1])))
        X_LIT(o, " t=\"inlineStr\"><is><t xml:space=\"preserve\">");
    else
        X_LIT(o, " t=\"inlineStr\"><is><t>");
    x_escaped(o, s);
    X_LIT(o, "</t></is></c>");
}

static void x_formula(tpp_buf *o, int col, unsigned row1, const char *f, int64_t cached, int xf)
{
    x_cell(o, col, row1, xf);
    X_LIT(o, "><f>");
    tpp_buf_puts(o, f);
    X_LIT(o, "</f><v>");
    x_i64(o, cached);
    X_LIT(o, "</v></c>");
}

static void x_line_row(const row_ctx *x, tpp_buf *o, tpp_buf *scratch, lxw_row_t r, size_t no,
                       const tpp_payline *l)
{
    tpp_money a[N_SUMS];
    line_amounts(l, a);
    unsigned R = (unsigned)r + 1;
    tpp_buf *clean = &scratch[1];
    line_row_text t;
    line_row_texts(l, R, x->w->zakat_col, &scratch[0], &t);

    X_LIT(o, "<row r=\"");
    x_i64(o, R);
    X_LIT(o, "\" ht=\"30\" customHeight=\"1\">");
    x_number(o, 1, R, (int64_t)no, x->xf_center);
    x_string(o, clean, 2, R, t.name_nip, x->xf_text);
    x_string(o, clean, 3, R, l->grade, x->xf_center);
    x_string(o, clean, 4, R, t.position_npwp, x->xf_text);
    x_number(o, 5, R, l->kelas, x->xf_center);
    x_number(o, 6, R, a[S_BESARAN], x->xf_money);
    /* the display copy of the basis points, as the library prints a double */
    char pct[40];
    snprintf(pct, sizeof pct, "%.16G", l->ok ? l->percent_bp / 100.0 : 0.0);
    x_cell(o, 7, R, x->xf_pct);
    X_LIT(o, "><v>");
    tpp_buf_puts(o, pct);
    X_LIT(o, "</v></c>");
    x_number(o, 8, R, a[S_TPP], x->xf_money);
    x_number(o, 9, R, a[S_POT_BL], x->xf_money);
    x_number(o, 10, R, a[S_POT_HD], x->xf_money);
    x_number(o, 11, R, a[S_BPJS4], x->xf_money);
    x_formula(o, 12, R, t.gross, a[S_GROSS], x->xf_money);
    x_number(o, 13, R, a[S_BPJS4_DED], x->xf_money);
    x_number(o, 14, R, a[S_BPJS1], x->xf_money);
    x_formula(o, 15, R, t.deduct, a[S_DEDUCT], x->xf_money);
    x_formula(o, 16, R, t.net_before_tax, a[S_NET_BT], x->xf_money);
    x_number(o, 17, R, a[S_PPH21], x->xf_money);
    x_formula(o, 18, R, t.net, a[S_NET], x->xf_money);
    if (!l->ok)
        x_string(o, clean, 19, R, *str(l->message) ? l->message : "tidak dapat dihitung",
                 x->xf_err);
    else
        x_blank(o, 19, R, x->xf_box);
    if (x->w->zakat_col) /* column T after S, as the library orders a row's cells */
        x_number(o, ZAKAT_COL, R, a[S_ZAKAT], x->xf_money);
    X_LIT(o, "</row>");
}

static bool render_rows(const void *ctx, size_t ins, size_t first, size_t count, tpp_buf *out,
                        tpp_buf *scratch)
{
    const row_ctx *x = ctx;
    const opd *g = &x->g[ins];
    for (size_t i = first; i < first + count && !out->oom; i++)
        x_line_row(x, out, scratch, x->lay->data + (lxw_row_t)i, i + 1, &x->lines[g->first + i]);
    return !out->oom && !scratch[0].oom && !scratch[1].oom;
}

/* The month after the list's: its first day is the document's fixed time. */
static void next_month(const tpp_export_meta *m, int *year, int *month)
{
    *year = m->month == 12 ? m->year + 1 : m->year;
    *month = m->month == 12 ? 1 : m->month + 1;
}

/* The employees' rows into the library's workbook at lib, deflated by meta->threads, as out. */
static tpp_status repack_rows(const char *lib, const char *out, const row_ctx *x, size_t n_g,
                              tpp_error *err)
{
    tpp_xlsx_insert *ins = calloc(n_g ? n_g : 1, sizeof *ins);
    if (ins == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t i = 0; i < n_g; i++) {
        /* sheet1 is the summary; the OPD sheets follow in the order they were added */
        snprintf(ins[i].member, sizeof ins[i].member, "xl/worksheets/sheet%zu.xml", i + 2);
        snprintf(ins[i].before, sizeof ins[i].before, "<row r=\"%u\"",
                 (unsigned)total_row(x->lay, &x->g[i]) + 1);
        ins[i].n_rows = x->g[i].count;
    }
    const tpp_export_meta *m = x->w->meta;
    int threads = m->threads > 0 ? m->threads : 2;
    /* each part dated the document's time, the first of the next month (DOS dates: 1980-2107) */
    int ny, nm;
    next_month(m, &ny, &nm);
    unsigned dos_date = ny >= 1980 && ny <= 2107 ? (unsigned)(((ny - 1980) << 9) | (nm << 5) | 1)
                                                 : (1u << 5) | 1;
    tpp_status rc =
        tpp_xlsx_repack(lib, out, ins, n_g, render_rows, x, threads, dos_date, err);
    free(ins);
    return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), so the
 * document time needs neither timegm() nor the TZ environment. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* libxlsxwriter's property strings are not const; keep copies that live through close. */
typedef struct props_text {
    char title[256], subject[512], company[256], comments[512];
} props_text;

static void set_properties(writer *w, props_text *pt)
{
    const tpp_export_meta *m = w->meta;
    snprintf(pt->title, sizeof pt->title, "Daftar Pembayaran TPP %s %d", month_id[m->month - 1],
             m->year);
    snprintf(pt->subject, sizeof pt->subject, "%s%s%s", str(m->reg_number),
             *str(m->reg_number) && *str(m->reg_title) ? " tentang " : "", str(m->reg_title));
    snprintf(pt->company, sizeof pt->company, "%s", str(m->region));
    snprintf(pt->comments, sizeof pt->comments, "pack %s sha256 %s run %" PRId64, str(m->pack_id),
             str(m->pack_sha256), m->run_id);
    int ny, nm;
    next_month(m, &ny, &nm);
    lxw_doc_properties p = {
        .title = pt->title,
        .subject = pt->subject,
        .company = pt->company,
        .comments = pt->comments,
        /* A fixed time (the first of the next month, 00:00 UTC) instead of "now": the same run
         * always gives the same bytes, which the manifest and replay depend on. */
        .created = (time_t)(days_from_civil(ny, nm, 1) * 86400),
    };
    chk(w, workbook_set_properties(w->wb, &p));
}

/* The directory of path, for libxlsxwriter's temporary files: the same file system as the
 * output, rather than a /tmp that may be memory-backed and too small for a large region. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Write the workbook to "<path>.tmp-<pid>"; rename it into place when commit is set (else the
 * caller does, with tpp_file_commit). */
static tpp_status export_xlsx(const char *path, const tpp_export_meta *meta,
                              const tpp_payline *lines, size_t n, bool commit, tpp_error *err)
{
    if (path == NULL || meta == NULL || (lines == NULL && n > 0))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "xlsx export: missing argument");
    if (meta->month < 1 || meta->month > 12 || meta->year < 1 || meta->year > 9998)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "xlsx export: invalid period %d-%d",
                        meta->year, meta->month);

    opd *g = NULL;
    size_t n_g = 0;
    tpp_money grand[N_SUMS];
    TPP_TRY(build_groups(lines, n, &g, &n_g, grand, err));

    tpp_status rc = TPP_OK;
    char tmp[4096];
    char *tmpdir = dir_of(path);
    if (tmpdir == NULL) {
        free(g);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        free(tmpdir);
        free(g);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "path too long: '%s'", path);
    }

    /* The library writes "<tmp>.lib" without the employees' rows; tpp_xlsx_repack makes tmp. */
    bool repack = !meta->xlsx_library_zip;
    char lib_tmp[4112];
    snprintf(lib_tmp, sizeof lib_tmp, "%s.lib", tmp);
    writer w = {.meta = meta, .zakat_col = grand[S_ZAKAT] != 0, .skip_rows = repack};
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir};
    w.wb = workbook_new_opt(repack ? lib_tmp : tmp, &opts);
    if (w.wb == NULL) {
        free(tmpdir);
        free(g);
        return tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot start workbook '%s'", path);
    }
    props_text pt;
    set_properties(&w, &pt);
    make_formats(&w);

    /* Title block, a blank row, the column titles, the numbering row, then the employees. */
    opd_layout lay;
    lay.head = title_rows(meta, true) + 1;
    lay.data = lay.head + 2;

    lxw_worksheet *ws = add_sheet(&w, "Ringkasan");
    if (ws != NULL)
        write_summary(&w, ws, &lay, g, n_g, lines, grand);
    /* Without their rows the OPD sheets would number their formats in another order: number
     * them first, as writing every row would. */
    if (repack && w.first_error == LXW_NO_ERROR && !number_formats(&w, &lay, g, n_g, lines))
        chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED);
    for (size_t i = 0; i < n_g && w.first_error == LXW_NO_ERROR; i++) {
        ws = add_sheet(&w, g[i].sheet);
        if (ws == NULL)
            break;
        write_opd_sheet(&w, ws, &lay, &g[i], lines);
    }
    if (meta->rules != NULL && w.first_error == LXW_NO_ERROR) {
        ws = add_sheet(&w, "Rumus");
        if (ws != NULL)
            write_rumus(&w, ws, meta->rules);
    }
    if (w.compose.oom || w.clean.oom)
        chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED);
    /* the formats' indices, read before the workbook (and its formats) is freed; one that no
     * sheet used has none, and no row needs it */
    row_ctx x = {.w = &w, .lay = &lay, .g = g, .lines = lines,
                 .xf_center = w.f_center->xf_index, .xf_text = w.f_text->xf_index,
                 .xf_money = w.f_money->xf_index, .xf_pct = w.f_pct->xf_index,
                 .xf_box = w.f_box->xf_index, .xf_err = w.f_err->xf_index};

    lxw_error closed = workbook_close(w.wb); /* frees the workbook, even on error */
    lxw_error e = w.first_error != LXW_NO_ERROR ? w.first_error : closed;
    if (e != LXW_NO_ERROR) {
        rc = tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot write '%s': %s", path,
                      lxw_strerror(e));
        if (err != NULL)
            err->lib_code = (int)e;
    } else if (repack) {
        rc = repack_rows(lib_tmp, tmp, &x, n_g, err);
    }
    if (repack)
        unlink(lib_tmp);
    if (rc != TPP_OK)
        unlink(tmp); /* libxlsxwriter may have written part of it */
    else if (commit)
        rc = tpp_file_commit(tmp, path, err);
    tpp_buf_release(&w.compose);
    tpp_buf_release(&w.clean);
    free(tmpdir);
    free(g);
    return rc;
}

tpp_status tpp_export_xlsx(const char *path, const tpp_export_meta *meta, const tpp_payline *lines,
                           size_t n, tpp_error *err)
{
    return export_xlsx(path, meta, lines, n, true, err);
}

tpp_status tpp_export_xlsx_staged(const char *path, const tpp_export_meta *meta,
                                  const tpp_payline *lines, size_t n, tpp_error *err)
{
    return export_xlsx(path, meta, lines, n, false, err);
}
