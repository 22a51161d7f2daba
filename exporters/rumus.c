/* The "Rumus" (formulas) page of the payment list, generated from the loaded rule pack so that
 * the page BPKAD reads is the same rules the engine ran. Produces rows of three tab-separated
 * cells (KETENTUAN, NILAI, DASAR HUKUM); a row with one cell is a section title. Kept apart from
 * the XLSX writer so that it can be replaced by the text of `tpp rules show` once that exists. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/util.h"
#include "exporters/rumus.h"
#include "tpp/rules.h"

static const char *s(const char *p)
{
    return p != NULL ? p : "";
}

/* A cell never holds a tab or line break of its own: they separate the cells and rows. */
static void cell(tpp_buf *b, const char *text)
{
    for (const char *p = s(text); *p; p++)
        tpp_buf_append(b, *p == '\t' || *p == '\n' || *p == '\r' ? " " : p, 1);
}

static void row(tpp_buf *b, const char *what, const char *value, const char *cite)
{
    cell(b, what);
    tpp_buf_append(b, "\t", 1);
    cell(b, value);
    tpp_buf_append(b, "\t", 1);
    cell(b, cite);
    tpp_buf_append(b, "\n", 1);
}

static void title(tpp_buf *b, const char *text)
{
    cell(b, text);
    tpp_buf_append(b, "\n", 1);
}

static void pct(tpp_ratio r, char *buf, size_t size)
{
    char num[40];
    tpp_ratio_format(r, num, sizeof num);
    snprintf(buf, size, "%s %%", num);
}

static const char *base_text(const tpp_ruleset *rs, tpp_base base, char *buf, size_t size)
{
    const char *comp = base.component >= 0 && (size_t)base.component < rs->n_components
                           ? s(rs->components[base.component].label)
                           : "?";
    switch (base.kind) {
    case TPP_BASE_TOTAL:
        return "besaran TPP sebulan";
    case TPP_BASE_COMPONENT:
        snprintf(buf, size, "komponen %s", comp);
        return buf;
    case TPP_BASE_DAILY_TOTAL:
        return "besaran TPP harian (besaran / hari kerja)";
    case TPP_BASE_DAILY_COMPONENT:
        snprintf(buf, size, "komponen %s harian (komponen / hari kerja)", comp);
        return buf;
    }
    return "?";
}

static void day_cut(tpp_buf *b, const tpp_ruleset *rs, const tpp_day_cut *c)
{
    char p[48], base[160], v[256];
    pct(c->percent, p, sizeof p);
    snprintf(v, sizeof v, "%s dari %s per hari", p, base_text(rs, c->base, base, sizeof base));
    row(b, *s(c->label) ? c->label : c->id, v, c->cite);
}

static void bands(tpp_buf *b, const tpp_ruleset *rs, const tpp_band_table *t, const char *what)
{
    char p[48], base[160], v[256], w[160];
    for (size_t i = 0; i < t->n_bands; i++) {
        const tpp_band *bd = &t->bands[i];
        pct(bd->percent, p, sizeof p);
        if (bd->below == TPP_BAND_OPEN)
            snprintf(w, sizeof w, "%s %s: %" PRId32 " menit atau lebih", what, s(bd->code),
                     bd->from);
        else
            snprintf(w, sizeof w, "%s %s: %" PRId32 " s.d. %" PRId32 " menit", what, s(bd->code),
                     bd->from, bd->below - 1);
        snprintf(v, sizeof v, "%s dari %s", p, base_text(rs, t->base, base, sizeof base));
        row(b, w, v, *s(bd->cite) ? bd->cite : t->cite);
    }
}

static void hhmm(int32_t m, char *buf, size_t size)
{
    /* minutes after midnight of a working day: 0..1439 */
    unsigned v = m >= 0 && m < 24 * 60 ? (unsigned)m : 0;
    snprintf(buf, size, "%02u:%02u", (v / 60) % 100, v % 60);
}

void tpp_rumus_rows(const tpp_ruleset *rs, tpp_buf *b)
{
    char v[512], w[256], p[48], base[160];
    title(b, "1. DASAR HUKUM DAN PAKET ATURAN");
    row(b, "Daerah", rs->region, NULL);
    snprintf(v, sizeof v, "%s%s%s", s(rs->reg_number),
             *s(rs->reg_number) && *s(rs->reg_title) ? " tentang " : "", s(rs->reg_title));
    row(b, "Peraturan", v, NULL);
    snprintf(v, sizeof v, "%s (SHA-256 %s)%s", s(rs->id), rs->sha256,
             rs->illustrative ? " \xe2\x80\x94 ILUSTRATIF, bukan untuk pembayaran" : "");
    row(b, "Paket aturan", v, NULL);

    title(b, "2. BESARAN TPP PER KELAS JABATAN (sebulan penuh)");
    for (int k = TPP_MAX_CLASS; k >= 1; k--) {
        if (rs->besaran[k] == 0)
            continue;
        char money[40];
        tpp_money_format_id(rs->besaran[k], money, sizeof money);
        snprintf(w, sizeof w, "Kelas jabatan %d", k);
        row(b, w, money, *s(rs->besaran_source) ? rs->besaran_source : rs->besaran_cite);
    }
    snprintf(v, sizeof v, "besaran x hari kerja dijalani / hari kerja sebulan, dibulatkan %s",
             tpp_rounding_name(rs->besaran_rounding));
    row(b, "Bulan tidak penuh", v, rs->besaran_cite);

    title(b, "3. KOMPONEN");
    for (size_t i = 0; i < rs->n_components; i++) {
        pct(rs->components[i].percent, p, sizeof p);
        snprintf(v, sizeof v, "%s dari besaran (pembagian sisa terbesar, jumlah tepat)", p);
        row(b, rs->components[i].label, v, rs->components_cite);
    }

    title(b, "4. JAM KERJA");
    static const char *const day_name[7] = {"Senin", "Selasa", "Rabu",  "Kamis",
                                            "Jumat", "Sabtu",  "Minggu"};
    static const char *const sched_name[TPP_SCHED_COUNT] = {"5 hari kerja", "6 hari kerja",
                                                            "shift"};
    for (int k = 0; k < TPP_SCHED_COUNT; k++) {
        if (!rs->schedules[k].defined)
            continue;
        for (int d = 0; d < 7; d++) {
            const tpp_hours *h = &rs->schedules[k].day[d];
            if (!h->workday)
                continue;
            char a[8], z[8];
            hhmm(h->start, a, sizeof a);
            hhmm(h->end, z, sizeof z);
            snprintf(w, sizeof w, "%s, %s", sched_name[k], day_name[d]);
            snprintf(v, sizeof v, "%s\xe2\x80\x93%s", a, z);
            row(b, w, v, rs->calendar_cite);
        }
    }
    snprintf(v, sizeof v,
             "pindai dihitung %" PRId32 " menit sebelum masuk s.d. %" PRId32
             " menit sesudah pulang; toleransi %" PRId32 " menit",
             rs->window_before, rs->window_after, rs->grace_minutes);
    row(b, "Jendela pindai", v, rs->calendar_cite);

    title(b, "5. POTONGAN DISIPLIN");
    bands(b, rs, &rs->late, "Terlambat");
    bands(b, rs, &rs->early, "Pulang cepat");
    day_cut(b, rs, &rs->absent);
    day_cut(b, rs, &rs->missing_punch);
    for (size_t i = 0; i < rs->n_absences; i++)
        day_cut(b, rs, &rs->absences[i]);
    for (size_t i = 0; i < rs->n_events; i++) {
        const tpp_event_rule *e = &rs->events[i];
        pct(e->percent, p, sizeof p);
        snprintf(v, sizeof v, "%s dari %s %s", p, base_text(rs, e->base, base, sizeof base),
                 e->unit == TPP_PER_HOUR ? "per jam (dimulai)" : "per kejadian");
        row(b, *s(e->label) ? e->label : e->id, v, e->cite);
    }
    pct(rs->cap_percent, p, sizeof p);
    snprintf(v, sizeof v, "%s dari %s", p, base_text(rs, rs->cap_base, base, sizeof base));
    row(b, "Batas potongan sebulan", v, rs->cap_cite);
    if (rs->defer_minutes_over > 0) {
        snprintf(v, sizeof v, "lebih dari %" PRId32 " menit sebulan: pembayaran ditunda",
                 rs->defer_minutes_over);
        row(b, "Penundaan", v, rs->defer_cite);
    }
    snprintf(v, sizeof v, "dijumlah tepat per dasar, dibulatkan sekali: %s",
             tpp_rounding_name(rs->discipline_rounding));
    row(b, "Pembulatan potongan", v, NULL);

    title(b, "6. KINERJA");
    const char *perf = rs->perf_component >= 0 && (size_t)rs->perf_component < rs->n_components
                           ? rs->components[rs->perf_component].label
                           : "?";
    for (size_t i = 0; i < rs->n_predicates; i++) {
        char m[48];
        tpp_ratio_format(rs->predicates[i].multiplier, m, sizeof m);
        snprintf(w, sizeof w, "Predikat %s", s(rs->predicates[i].id));
        snprintf(v, sizeof v, "komponen %s x %s", s(perf), m);
        row(b, w, v, rs->perf_cite);
    }
    {
        char m[48];
        tpp_ratio_format(rs->missing_multiplier, m, sizeof m);
        snprintf(v, sizeof v, "komponen %s x %s", s(perf), m);
        row(b, "Data kinerja tidak ada", v, rs->missing_cite);
    }
    if (rs->perf_lag.months > 0) {
        snprintf(v, sizeof v, "kinerja bulan M-%d untuk TPP bulan M", (int)rs->perf_lag.months);
        row(b, "Kinerja yang dipakai", v, rs->perf_lag.cite);
    } else if (rs->perf_lag.years > 0) {
        snprintf(v, sizeof v, "predikat tahunan tahun Y-%d (Desember) untuk seluruh tahun Y",
                 (int)rs->perf_lag.years);
        row(b, "Kinerja yang dipakai", v, rs->perf_lag.cite);
    }
    row(b, "Pembulatan kinerja", tpp_rounding_name(rs->perf_rounding), NULL);

    title(b, "7. BPJS KESEHATAN DAN PPh 21");
    char cap[40];
    tpp_money_format_id(rs->bpjs_wage_cap, cap, sizeof cap);
    pct(rs->bpjs_employer_percent, p, sizeof p);
    snprintf(v, sizeof v, "%s dari TPP, atas bagian di bawah batas upah %s (bersama gaji)", p, cap);
    row(b, "BPJS ditanggung pemda (kolom 11 dan 13)", v, rs->bpjs_cite);
    pct(rs->bpjs_employee_percent, p, sizeof p);
    snprintf(v, sizeof v, "%s dari TPP, atas bagian yang sama", p);
    row(b, "BPJS kewajiban pegawai (kolom 14)", v, rs->bpjs_cite);
    row(b, "Pembulatan BPJS", tpp_rounding_name(rs->payment_rounding), NULL);
    row(b, "PPh Pasal 21 (kolom 17)",
        rs->pph21_mode == TPP_PPH21_BORNE_BY_PEMDA ? "ditanggung pemda, tidak dipotong"
                                                   : "tidak dipotong pada daftar ini",
        rs->pph21_cite);

    title(b, "8. RUMUS KOLOM DAFTAR PEMBAYARAN");
    row(b, "(8) JUMLAH TPP", "(6) besaran - potongan disiplin - potongan kinerja, paling kecil 0",
        NULL);
    row(b, "(12) JUMLAH TPP KOTOR", "=(8+11)-(9+10)", NULL);
    row(b, "(15) JUMLAH POTONGAN", "=(13+14)", NULL);
    row(b, "(16) JUMLAH BERSIH", "=(12-15)", NULL);
    if (rs->zakat.defined) {
        char z[48];
        tpp_ratio_format(rs->zakat.percent, z, sizeof z);
        snprintf(v, sizeof v, "%s %% x (16-17), bagi pegawai yang memintanya", z);
        row(b, "(17a) POT. ZAKAT", v, rs->zakat.cite);
        row(b, "(18) JUMLAH TPP YANG DITERIMA", "=(16-17-17a)", NULL);
    } else {
        row(b, "(18) JUMLAH TPP YANG DITERIMA", "=(16-17)", NULL);
    }
}
