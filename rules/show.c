/* The "Rumus perhitungan TPP" page: the pack written out for people, in Indonesian, in
 * Markdown, HTML or plain lines (the XLSX "Rumus" sheet). Everything on the page comes from
 * the pack that the engine runs, so the page cannot drift from the computation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "tpp/rules.h"

typedef struct doc {
    tpp_rules_format fmt;
    tpp_buf b;
    size_t cols; /* of the open table, 0 = none */
} doc;

/* Text from the pack, escaped for the format. */
static void put(doc *d, const char *s)
{
    for (; s && *s; s++) {
        char c = *s;
        if (d->fmt == TPP_RULES_HTML && (c == '<' || c == '>' || c == '&' || c == '"')) {
            tpp_buf_puts(&d->b, c == '<'   ? "&lt;"
                                : c == '>' ? "&gt;"
                                : c == '&' ? "&amp;"
                                           : "&quot;");
        } else if (d->fmt == TPP_RULES_MARKDOWN && (c == '|' || c == '*' || c == '_')) {
            char esc[3] = {'\\', c, 0};
            tpp_buf_puts(&d->b, esc);
        } else if (c == '\n' || c == '\t') {
            tpp_buf_append(&d->b, " ", 1);
        } else {
            tpp_buf_append(&d->b, &c, 1);
        }
    }
}

static void heading(doc *d, int level, const char *text)
{
    if (d->fmt == TPP_RULES_HTML) {
        tpp_buf_printf(&d->b, "<h%d>", level);
        put(d, text);
        tpp_buf_printf(&d->b, "</h%d>\n", level);
    } else if (d->fmt == TPP_RULES_MARKDOWN) {
        for (int i = 0; i < level; i++)
            tpp_buf_puts(&d->b, "#");
        tpp_buf_puts(&d->b, " ");
        put(d, text);
        tpp_buf_puts(&d->b, "\n\n");
    } else {
        put(d, text);
        tpp_buf_puts(&d->b, "\n");
    }
}

static void para_begin(doc *d)
{
    if (d->fmt == TPP_RULES_HTML)
        tpp_buf_puts(&d->b, "<p>");
}

static void para_end(doc *d)
{
    tpp_buf_puts(&d->b, d->fmt == TPP_RULES_HTML       ? "</p>\n"
                        : d->fmt == TPP_RULES_MARKDOWN ? "\n\n"
                                                       : "\n");
}

static void para(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(doc *d, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    para_begin(d);
    put(d, buf);
    para_end(d);
}

/* A table: header cells separated by '|' in one string. */
static void table(doc *d, const char *header)
{
    d->cols = 1;
    for (const char *p = header; *p; p++)
        d->cols += *p == '|';
    const char *cell = header;
    if (d->fmt == TPP_RULES_HTML)
        tpp_buf_puts(&d->b, "<table>\n<tr>");
    else if (d->fmt == TPP_RULES_MARKDOWN)
        tpp_buf_puts(&d->b, "|");
    for (size_t i = 0; i < d->cols; i++) {
        const char *end = strchr(cell, '|');
        size_t len = end ? (size_t)(end - cell) : strlen(cell);
        char text[128];
        snprintf(text, sizeof text, "%.*s", (int)len, cell);
        if (d->fmt == TPP_RULES_HTML) {
            tpp_buf_puts(&d->b, "<th>");
            put(d, text);
            tpp_buf_puts(&d->b, "</th>");
        } else if (d->fmt == TPP_RULES_MARKDOWN) {
            tpp_buf_puts(&d->b, " ");
            put(d, text);
            tpp_buf_puts(&d->b, " |");
        } else {
            if (i)
                tpp_buf_puts(&d->b, "\t");
            put(d, text);
        }
        cell = end ? end + 1 : cell + len;
    }
    if (d->fmt == TPP_RULES_HTML) {
        tpp_buf_puts(&d->b, "</tr>\n");
    } else if (d->fmt == TPP_RULES_MARKDOWN) {
        tpp_buf_puts(&d->b, "\n|");
        for (size_t i = 0; i < d->cols; i++)
            tpp_buf_puts(&d->b, "---|");
        tpp_buf_puts(&d->b, "\n");
    } else {
        tpp_buf_puts(&d->b, "\n");
    }
}

/* One row: exactly d->cols cells as separate strings. */
static void row(doc *d, const char *const *cells)
{
    if (d->fmt == TPP_RULES_HTML)
        tpp_buf_puts(&d->b, "<tr>");
    else if (d->fmt == TPP_RULES_MARKDOWN)
        tpp_buf_puts(&d->b, "|");
    for (size_t i = 0; i < d->cols; i++) {
        if (d->fmt == TPP_RULES_HTML) {
            tpp_buf_puts(&d->b, "<td>");
            put(d, cells[i]);
            tpp_buf_puts(&d->b, "</td>");
        } else if (d->fmt == TPP_RULES_MARKDOWN) {
            tpp_buf_puts(&d->b, " ");
            put(d, cells[i]);
            tpp_buf_puts(&d->b, " |");
        } else {
            if (i)
                tpp_buf_puts(&d->b, "\t");
            put(d, cells[i]);
        }
    }
    tpp_buf_puts(&d->b, d->fmt == TPP_RULES_HTML ? "</tr>\n" : "\n");
}

static void table_end(doc *d)
{
    d->cols = 0;
    tpp_buf_puts(&d->b, d->fmt == TPP_RULES_HTML ? "</table>\n" : "\n");
}

/* ---- Indonesian wording ---- */

/* "2,5 %": a decimal comma, as Indonesian documents write it. */
static const char *pct(tpp_ratio r, char *buf)
{
    tpp_ratio_format(r, buf, 40);
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
    strcat(buf, " %");
    return buf;
}

static const char *num(tpp_ratio r, char *buf)
{
    tpp_ratio_format(r, buf, 40);
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
    return buf;
}

static const char *rp(tpp_money m, char *buf)
{
    tpp_money_format_id(m, buf, 40);
    return buf;
}

static const char *date_id(tpp_date d, char *buf)
{
    static const char *const months[] = {"Januari",   "Februari", "Maret",    "April",
                                         "Mei",       "Juni",     "Juli",     "Agustus",
                                         "September", "Oktober",  "November", "Desember"};
    char iso[11];
    tpp_date_format(d, iso);
    int y = atoi(iso), m = atoi(iso + 5), day = atoi(iso + 8);
    snprintf(buf, 32, "%d %s %d", day, months[(m - 1) % 12], y);
    return buf;
}

static const char *rounding_id(tpp_rounding r)
{
    switch (r) {
    case TPP_ROUND_HALF_UP:
        return "dibulatkan ke rupiah terdekat, setengah ke atas";
    case TPP_ROUND_HALF_EVEN:
        return "dibulatkan ke rupiah terdekat, setengah ke angka genap";
    case TPP_ROUND_DOWN:
        return "dibulatkan ke bawah (pecahan rupiah dibuang)";
    case TPP_ROUND_UP:
        return "dibulatkan ke atas";
    case TPP_ROUND_FLOOR:
        return "dibulatkan ke bawah";
    case TPP_ROUND_CEILING:
        return "dibulatkan ke atas";
    case TPP_ROUND_COUNT:
        break;
    }
    return "-";
}

static const char *base_id(const tpp_ruleset *rs, tpp_base b, char *buf)
{
    const char *label = b.component >= 0 && (size_t)b.component < rs->n_components
                            ? rs->components[b.component].label
                            : "?";
    switch (b.kind) {
    case TPP_BASE_TOTAL:
        return strcpy(buf, "besaran TPP");
    case TPP_BASE_COMPONENT:
        snprintf(buf, 96, "komponen %s", label);
        return buf;
    case TPP_BASE_DAILY_TOTAL:
        return strcpy(buf, "TPP per hari kerja");
    case TPP_BASE_DAILY_COMPONENT:
        snprintf(buf, 96, "komponen %s per hari kerja", label);
        return buf;
    }
    return strcpy(buf, "?");
}

static const char *band_minutes(const tpp_band *b, char *buf)
{
    if (b->below == TPP_BAND_OPEN)
        snprintf(buf, 48, ">= %d menit", (int)b->from);
    else if (b->below - 1 == b->from)
        snprintf(buf, 48, "%d menit", (int)b->from);
    else
        snprintf(buf, 48, "%d s.d. %d menit", (int)b->from, (int)b->below - 1);
    return buf;
}

static const char *hhmm(int32_t m, char *buf)
{
    snprintf(buf, 8, "%02d.%02d", (int)(m / 60) % 100, (int)(m % 60));
    return buf;
}

/* ---- sections ---- */

static void identity(doc *d, const tpp_ruleset *rs)
{
    char title[256], a[32], b[32];
    snprintf(title, sizeof title, "Rumus Perhitungan TPP: %s", rs->region);
    heading(d, 1, title);
    tpp_date reg;
    char rd[32];
    if (rs->reg_date != NULL && tpp_date_parse(rs->reg_date, strlen(rs->reg_date), &reg))
        date_id(reg, rd);
    else
        snprintf(rd, sizeof rd, "%s", rs->reg_date ? rs->reg_date : "-");
    para(d, "Dasar hukum: %s tentang %s, tanggal %s.", rs->reg_number, rs->reg_title, rd);
    if (rs->valid_to == TPP_DATE_NONE)
        para(d, "Berlaku mulai %s sampai diganti oleh paket aturan berikutnya.",
             date_id(rs->valid_from, a));
    else
        para(d, "Berlaku %s sampai dengan %s.", date_id(rs->valid_from, a),
             date_id(rs->valid_to, b));
    para(d, "Paket aturan %s, SHA-256 %s.", rs->id, rs->sha256);
    if (rs->illustrative)
        para(d, "PERHATIAN: sebagian angka dalam paket ini bersifat ILUSTRATIF, tidak berasal "
                "dari peraturan daerah di atas. Sumber tiap angka disebut pada rujukannya.");
}

static void days_section(doc *d, const tpp_ruleset *rs)
{
    static const char *const names[] = {"5 hari kerja", "6 hari kerja", "shift"};
    char a[8], b[8], cells[8][24];
    heading(d, 2, "1. Hari dan jam kerja");
    table(d, "Jadwal|Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu");
    for (int s = 0; s < TPP_SCHED_COUNT; s++) {
        if (!rs->schedules[s].defined)
            continue;
        const char *cell[8] = {names[s]};
        for (int i = 0; i < 7; i++) {
            const tpp_hours *h = &rs->schedules[s].day[i];
            if (h->workday)
                snprintf(cells[i], sizeof cells[i], "%s-%s", hhmm(h->start, a), hhmm(h->end, b));
            else
                snprintf(cells[i], sizeof cells[i], "libur");
            cell[i + 1] = cells[i];
        }
        row(d, cell);
    }
    table_end(d);
    para(d,
         "Presensi dihitung bila tercatat paling awal %d menit sebelum jam masuk dan paling "
         "lambat %d menit sesudah jam pulang; waktu presensi dibulatkan ke bawah ke menit. "
         "Toleransi keterlambatan: %d menit. Hari libur nasional, cuti bersama dan libur daerah "
         "bukan hari kerja. Rujukan: %s.",
         (int)rs->window_before, (int)rs->window_after, (int)rs->grace_minutes, rs->calendar_cite);
}

static void besaran_section(doc *d, const tpp_ruleset *rs)
{
    char a[40], p[48];
    heading(d, 2, "2. Besaran TPP");
    para(d, "%s per kelas jabatan (Rp per bulan). Rujukan: %s.",
         rs->n_criteria ? "Basic TPP" : "Besaran TPP", rs->besaran_cite);
    if (rs->besaran_source != NULL)
        para(d, "Sumber angka: %s.", rs->besaran_source);
    table(d, "Kelas jabatan|Rupiah");
    for (int k = TPP_MAX_CLASS; k >= 1; k--) {
        if (rs->besaran[k] == 0)
            continue;
        char kc[8];
        snprintf(kc, sizeof kc, "%d", k);
        const char *cell[2] = {kc, rp(rs->besaran[k], a)};
        row(d, cell);
    }
    table_end(d);
    for (size_t i = 0; i < rs->n_criteria; i++) {
        const tpp_criterion *c = &rs->criteria[i];
        para(d,
             "Kriteria %s, per kelas: persentase dari Basic TPP ditambah jumlah tetap. "
             "Rujukan: %s.",
             c->label, c->cite);
        table(d, "Kelas jabatan|Persen dari Basic TPP|Jumlah tetap");
        for (int k = TPP_MAX_CLASS; k >= 1; k--) {
            if (!c->has[k])
                continue;
            char kc[8], f[40];
            snprintf(kc, sizeof kc, "%d", k);
            const char *cell[3] = {kc, pct(c->percent[k], p), rp(c->fixed[k], f)};
            row(d, cell);
        }
        table_end(d);
    }
    if (rs->n_criteria)
        para(d, "Besaran TPP = jumlah semua kriteria; tiap kriteria %s.",
             rounding_id(rs->besaran_rounding));
    if (rs->n_positions) {
        para(d, "Besaran tetap menurut jabatan (menggantikan tabel kelas):");
        table(d, "Jabatan|Rupiah|Rujukan");
        for (size_t i = 0; i < rs->n_positions; i++) {
            const char *cell[3] = {rs->positions[i].position, rp(rs->positions[i].amount, a),
                                   rs->positions[i].cite};
            row(d, cell);
        }
        table_end(d);
    }
    if (rs->n_status) {
        para(d, "Pengali menurut status kepegawaian (besaran x pengali, %s):",
             rounding_id(rs->besaran_rounding));
        table(d, "Status|Keterangan|Pengali|Rujukan");
        for (size_t i = 0; i < rs->n_status; i++) {
            const tpp_status_rule *s = &rs->status[i];
            const char *cell[4] = {s->status, s->label, pct(s->multiplier, p), s->cite};
            row(d, cell);
        }
        table_end(d);
    }
    if (rs->acting.defined) {
        const tpp_acting_rule *ac = &rs->acting;
        para(d,
             "Pelaksana tugas (Plt/Plh): pada jenjang yang sama menerima TPP jabatan definitifnya "
             "ditambah %s dari TPP kelas jabatan yang dirangkap; %s. Tidak ada TPP Plt/Plh bila "
             "rangkapan kurang dari %d hari kerja dalam bulan itu. Rujukan: %s.",
             pct(ac->same_level_percent, p),
             ac->higher == TPP_ACTING_HIGHER_TAKES_ACTING
                 ? "satu tingkat lebih tinggi menerima TPP jabatan yang dirangkap"
                 : "satu tingkat lebih tinggi menerima tambahan yang sama",
             (int)ac->min_workdays, ac->cite);
    }
    para(d,
         "Pegawai yang tidak bekerja sebulan penuh (mulai atau berhenti di tengah bulan) "
         "menerima besaran x hari kerjanya / hari kerja bulan itu, %s. Rujukan: %s.",
         rounding_id(rs->besaran_rounding), rs->calendar_cite);
}

static void components_section(doc *d, const tpp_ruleset *rs)
{
    char p[48];
    heading(d, 2, "3. Komponen TPP");
    table(d, "Komponen|Persen dari besaran");
    for (size_t i = 0; i < rs->n_components; i++) {
        const char *cell[2] = {rs->components[i].label, pct(rs->components[i].percent, p)};
        row(d, cell);
    }
    table_end(d);
    para(d,
         "Pembagian dibuat sehingga jumlah komponen tepat sama dengan besaran (sisa pembulatan "
         "diberikan kepada komponen dengan sisa terbesar). Rujukan: %s.",
         rs->components_cite);
}

static void band_table(doc *d, const tpp_ruleset *rs, const tpp_band_table *t, const char *title)
{
    char base[96], m[48], p[48];
    if (t->n_bands == 0) {
        para(d, "%s: tidak ada potongan. Rujukan: %s.", title, t->cite);
        return;
    }
    para(d, "%s, dari %s, %s%s. Rujukan: %s.", title, base_id(rs, t->base, base),
         t->mode == TPP_MINUTES_CUMULATIVE ? "menurut jumlah menit dalam sebulan (sekali sebulan)"
                                           : "per hari",
         t->hit == TPP_HIT_COLLECT_SUM ? "; potongan semua baris yang cocok dijumlahkan"
         : t->hit == TPP_HIT_UNIQUE    ? "; setiap jumlah menit cocok dengan satu baris saja"
                                       : "; berlaku baris pertama yang cocok",
         t->cite);
    table(d, "Kode|Lama|Potongan");
    for (size_t i = 0; i < t->n_bands; i++) {
        const tpp_band *b = &t->bands[i];
        const char *cell[3] = {b->code, band_minutes(b, m), pct(b->percent, p)};
        row(d, cell);
    }
    table_end(d);
}

static void discipline_section(doc *d, const tpp_ruleset *rs)
{
    char base[96], p[48];
    heading(d, 2, "4. Potongan disiplin");
    para(d, "Setiap hari kerja digolongkan menurut urutan berikut; golongan pertama yang cocok "
            "yang berlaku.");
    table(d, "Urutan|Keadaan hari|Potongan per hari|Dari|Dihitung menit|Rujukan");
    size_t n = 1;
    char idx[8], mins[16];
    for (size_t i = 0; i < rs->n_absences; i++, n++) {
        const tpp_day_cut *c = &rs->absences[i];
        snprintf(idx, sizeof idx, "%zu", n);
        snprintf(mins, sizeof mins, "%d", (int)c->minutes);
        const char *cell[6] = {idx,  c->label, pct(c->percent, p), base_id(rs, c->base, base),
                               mins, c->cite};
        row(d, cell);
    }
    const tpp_day_cut *fixed[2] = {&rs->absent, &rs->missing_punch};
    for (int i = 0; i < 2; i++, n++) {
        const tpp_day_cut *c = fixed[i];
        snprintf(idx, sizeof idx, "%zu", n);
        snprintf(mins, sizeof mins, "%d", (int)c->minutes);
        const char *cell[6] = {idx,  c->label, pct(c->percent, p), base_id(rs, c->base, base),
                               mins, c->cite};
        row(d, cell);
    }
    snprintf(idx, sizeof idx, "%zu", n);
    const char *cell[6] = {idx,           "Hadir: menurut tabel terlambat dan pulang cepat",
                           "-",           "-",
                           "menit nyata", rs->late.cite};
    row(d, cell);
    table_end(d);
    band_table(d, rs, &rs->late, "Terlambat masuk kerja");
    band_table(d, rs, &rs->early, "Pulang sebelum waktunya");
    if (rs->n_events) {
        para(d, "Pelanggaran lain:");
        table(d, "Pelanggaran|Potongan|Satuan|Dari|Rujukan");
        for (size_t i = 0; i < rs->n_events; i++) {
            const tpp_event_rule *e = &rs->events[i];
            const char *c6[5] = {e->label, pct(e->percent, p),
                                 e->unit == TPP_PER_HOUR ? "per jam (jam yang dimulai dihitung "
                                                           "penuh)"
                                                         : "per kejadian",
                                 base_id(rs, e->base, base), e->cite};
            row(d, c6);
        }
        table_end(d);
    }
    para(d,
         "Persentase potongan dijumlahkan tepat per dasar perhitungan, lalu diubah ke rupiah "
         "sekali per dasar, %s. Jumlah potongan disiplin sebulan paling banyak %s dari %s. "
         "Rujukan: %s.",
         rounding_id(rs->discipline_rounding), pct(rs->cap_percent, p),
         base_id(rs, rs->cap_base, base), rs->cap_cite);
    if (rs->defer_minutes_over > 0)
        para(d,
             "Bila jumlah menit pelanggaran sebulan lebih dari %d menit, pembayaran TPP "
             "ditunda. Rujukan: %s.",
             (int)rs->defer_minutes_over, rs->defer_cite);
}

static void performance_section(doc *d, const tpp_ruleset *rs)
{
    char p[48];
    heading(d, 2, "5. Kinerja");
    const char *comp = rs->perf_component >= 0 ? rs->components[rs->perf_component].label : "?";
    if (rs->perf_mode == TPP_PERF_SCORE) {
        para(d,
             "Komponen %s dibayar sebesar nilai capaian kinerja (persen, paling tinggi %s) "
             "dikali komponen, %s. Rujukan: %s.",
             comp, pct(rs->score_cap, p), rounding_id(rs->perf_rounding), rs->perf_cite);
    } else {
        para(d, "Komponen %s dikali pengali menurut predikat kinerja, %s. Rujukan: %s.", comp,
             rounding_id(rs->perf_rounding), rs->perf_cite);
        table(d, "Predikat|Pengali");
        for (size_t i = 0; i < rs->n_predicates; i++) {
            const char *cell[2] = {rs->predicates[i].id, num(rs->predicates[i].multiplier, p)};
            row(d, cell);
        }
        table_end(d);
    }
    para(d, "Tanpa data kinerja: pengali %s. Rujukan: %s.", num(rs->missing_multiplier, p),
         rs->missing_cite);
    if (rs->perf_lag.months > 0)
        para(d, "Kinerja yang dipakai: kinerja %d bulan sebelumnya (TPP bulan M memakai kinerja "
                "bulan M-%d). Rujukan: %s.",
             (int)rs->perf_lag.months, (int)rs->perf_lag.months, rs->perf_lag.cite);
    else if (rs->perf_lag.years > 0)
        para(d, "Kinerja yang dipakai: predikat tahunan %d tahun sebelumnya (dicatat pada bulan "
                "Desember tahun itu) berlaku untuk seluruh bulan tahun berjalan. Rujukan: %s.",
             (int)rs->perf_lag.years, rs->perf_lag.cite);
}

static void sanctions_section(doc *d, const tpp_ruleset *rs)
{
    char p[48], base[96], mo[16];
    if (rs->n_sanctions == 0)
        return;
    heading(d, 2, "6. Hukuman disiplin");
    table(d, "Hukuman|Potongan|Dari|Lama|Rujukan");
    for (size_t i = 0; i < rs->n_sanctions; i++) {
        const tpp_sanction_rule *s = &rs->sanctions[i];
        snprintf(mo, sizeof mo, "%d bulan", (int)s->months);
        const char *cell[5] = {s->label, pct(s->percent, p), base_id(rs, s->base, base), mo,
                               s->cite};
        row(d, cell);
    }
    table_end(d);
}

static void payment_section(doc *d, const tpp_ruleset *rs)
{
    char p[48], q[48], a[40];
    heading(d, 2, "7. Pembayaran");
    para(d,
         "Iuran BPJS Kesehatan: %s ditanggung pemerintah daerah (ditambahkan lalu dipotong) dan "
         "%s dari pegawai, dari bagian TPP yang bersama gaji tidak melebihi %s sebulan, %s. "
         "Rujukan: %s.",
         pct(rs->bpjs_employer_percent, p), pct(rs->bpjs_employee_percent, q),
         rp(rs->bpjs_wage_cap, a), rounding_id(rs->payment_rounding), rs->bpjs_cite);
    const char *mode = rs->pph21_mode == TPP_PPH21_WITHHELD
                           ? "dipotong dari TPP dengan tarif efektif rata-rata (TER) atas "
                             "penghasilan bruto gaji dan TPP sebulan, dikurangi PPh 21 yang sudah "
                             "dipotong pada gaji"
                       : rs->pph21_mode == TPP_PPH21_BORNE_BY_PEMDA
                           ? "ditanggung pemerintah daerah, tidak dipotong dari pegawai"
                           : "tidak dipotong pada daftar ini";
    para(d, "PPh Pasal 21: %s. Rujukan: %s.", mode, rs->pph21_cite);
    for (size_t k = 0; k < rs->n_ter; k++) {
        char from[32];
        para(d,
             "Tabel TER berlaku mulai %s (kategori A %zu baris, B %zu baris, C %zu baris). "
             "Rujukan: %s.",
             date_id(rs->ter[k].valid_from, from), rs->ter[k].n_rows[0], rs->ter[k].n_rows[1],
             rs->ter[k].n_rows[2], rs->ter[k].cite);
    }
    para(d,
         "Jumlah TPP = besaran - potongan disiplin - potongan kinerja (tidak kurang dari nol). "
         "Jumlah kotor = jumlah TPP + iuran BPJS bagian pemda. Jumlah potongan = BPJS pemda + BPJS "
         "pegawai. Jumlah bersih = jumlah kotor - jumlah potongan. Diterima = jumlah bersih - "
         "PPh 21.");
}

tpp_status tpp_rules_render(const tpp_ruleset *rs, tpp_rules_format fmt, char **out, size_t *len,
                            tpp_error *err)
{
    *out = NULL;
    *len = 0;
    doc d = {.fmt = fmt};
    if (fmt == TPP_RULES_HTML)
        tpp_buf_puts(&d.b, "<!DOCTYPE html>\n<html lang=\"id\">\n<head><meta charset=\"utf-8\">"
                           "<title>Rumus Perhitungan TPP</title></head>\n<body>\n");
    identity(&d, rs);
    days_section(&d, rs);
    besaran_section(&d, rs);
    components_section(&d, rs);
    discipline_section(&d, rs);
    performance_section(&d, rs);
    sanctions_section(&d, rs);
    payment_section(&d, rs);
    if (fmt == TPP_RULES_HTML)
        tpp_buf_puts(&d.b, "</body>\n</html>\n");
    if (d.b.oom || d.b.data == NULL) {
        tpp_buf_release(&d.b);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory rendering the rules page");
    }
    *out = d.b.data;
    *len = d.b.len;
    return TPP_OK;
}
