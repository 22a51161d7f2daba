/* tpp explain NIP --period P: one employee's month as a reason slip (slip rincian TPP) an
 * employee could be handed: each day's class, the band hit, the percentage and its base, the
 * rupiah effect, the article cited, then the payment side. Indonesian by default (--lang en),
 * or JSON (--format json). Built from the stored trace and the run's own rule pack, so it
 * explains what was computed, not what today's pack would compute. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/mask.h"
#include "engine/store.h"
#include "engine/trace_read.h"
#include "tpp/audit.h"
#include "tpp/money.h"
#include "tpp/rules.h"
#include "tpp/trace.h"

static const char usage[] = "usage: tpp [--db <file>] explain <nip> --period <YYYY-MM> "
                            "[--run <id>] [--lang id|en] [--format text|json]\n"
                            "       [--show-personal-data]\n";

static void help(void)
{
    printf("%s\nPrint one employee's month from the stored run as a reason slip: the workdays,\n"
           "the besaran and its components, each workday's class with the band hit, the\n"
           "percentage, its base and the rupiah effect, the discipline and performance cuts\n"
           "with the rounding applied, the payment side, and the article of the regulation\n"
           "behind each step (\"dasar\"). Followed by the full trace. One slip per payroll\n"
           "line (an employee transferred between OPDs has one per OPD); a line computed in\n"
           "segments (a pack version starting inside the month) shows the workdays to the\n"
           "performance segment by segment, and a pack with performance.lag names the\n"
           "period whose performance was used.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "      --run <id>          a specific run (default: the period's sealed run, else\n"
           "                          its latest)\n"
           "      --lang id|en        language of the slip (default: id, Indonesian)\n"
           "      --format text|json  a slip to read, or JSON for machines (default: text)\n"
           "      --show-personal-data  NPWP and bank account unmasked (masked by default)\n"
           "  -h, --help              this help\n",
           usage);
}

/* ---- the stored trace ------------------------------------------------------------------- */

typedef struct step {
    char *f[5]; /* step, result, rounding, citation, detail (NUL-terminated, in a copy) */
} step;

typedef struct slip {
    bool en;
    /* result row */
    char nip[64], name[256], unit_code[64], unit_name[256], position[256], status[16];
    char message[256], state[16], pack_sha[65], root[65];
    char npwp[64], bank_name[128], bank_account[64]; /* masked unless --show-personal-data */
    long long run_id, klass, workdays, besaran, percent_bp, discipline_cut, performance_cut, tpp;
    long long bpjs_employer, gross, bpjs_employee, deductions, net_before_tax, pph21, net;
    char *trace;
    step *steps;
    size_t n_steps;
    const tpp_ruleset *rs; /* the run's pack (its first day's) */
    long long components[TPP_MAX_COMPONENTS];
    long long line, n_lines;         /* a transfer between OPDs: one line per OPD (result.line) */
    tpp_pack_cache *cache;           /* owns the run's packs */
    const tpp_ruleset *const *packs; /* every pack of the run, [0] = rs (engine/trace_read.h) */
    size_t n_packs;
} slip;

static const char *T(const slip *s, const char *id, const char *en)
{
    return s->en ? en : id;
}

static void parse_trace(slip *s)
{
    size_t cap = 0;
    for (char *line = s->trace; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (s->n_steps == cap) {
            cap = cap ? 2 * cap : 64;
            step *p = realloc(s->steps, cap * sizeof *p);
            if (p == NULL)
                return;
            s->steps = p;
        }
        step *st = &s->steps[s->n_steps++];
        char *p = line;
        for (int k = 0; k < 5; k++) {
            st->f[k] = p;
            char *tab = k < 4 ? strchr(p, '\t') : NULL;
            if (tab) {
                *tab = '\0';
                p = tab + 1;
            } else {
                p += strlen(p);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* The value of the nth "key=value" token of a detail field ("" when absent). */
static const char *kv(const step *st, const char *key, int nth, char *buf, size_t size)
{
    size_t kl = strlen(key);
    const char *p = st->f[4];
    buf[0] = '\0';
    while (p && *p) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=' && nth-- == 0) {
            const char *v = p + kl + 1;
            size_t n = strcspn(v, " ");
            snprintf(buf, size, "%.*s", (int)n, v);
            return buf;
        }
        p = strchr(p, ' ');
        p = p ? p + 1 : NULL;
    }
    return buf;
}

static bool has_cite(const step *st)
{
    return st->f[3][0] != '\0' && strcmp(st->f[3], "-") != 0;
}

/* ---- numbers ---------------------------------------------------------------------------- */

/* Rupiah with Indonesian grouping ("Rp 4.355.208") or English ("Rp 4,355,208"); sen (two
 * decimals) when `sen` is true: the value is then in hundredths of a rupiah. */
static const char *rp(const slip *s, long long v, bool sen, char *buf, size_t size)
{
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    unsigned long long whole = sen ? mag / 100 : mag;
    char digits[32], grouped[48];
    int n = snprintf(digits, sizeof digits, "%llu", whole);
    size_t j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[j++] = s->en ? ',' : '.';
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    if (sen)
        snprintf(buf, size, "%sRp %s%c%02llu", v < 0 ? "-" : "", grouped, s->en ? '.' : ',',
                 mag % 100);
    else
        snprintf(buf, size, "%sRp %s", v < 0 ? "-" : "", grouped);
    return buf;
}

/* "2.5" -> "2,5 %" (id) or "2.5%" (en). */
static const char *pct(const slip *s, const char *p, char *buf, size_t size)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%s", p);
    if (!s->en)
        for (char *c = tmp; *c; c++)
            if (*c == '.')
                *c = ',';
    snprintf(buf, size, s->en ? "%s%%" : "%s %%", tmp);
    return buf;
}

/* The amount a base stands for, and its divisor (workdays for the daily bases). */
static long long base_amount(const slip *s, tpp_base b, long long *divisor, char *name, size_t size)
{
    *divisor = 1;
    long long v = s->besaran;
    const char *comp = NULL;
    if (b.kind == TPP_BASE_COMPONENT || b.kind == TPP_BASE_DAILY_COMPONENT) {
        v = s->components[b.component];
        comp = s->rs->components[b.component].label ? s->rs->components[b.component].label
                                                    : s->rs->components[b.component].id;
    }
    if (b.kind == TPP_BASE_DAILY_TOTAL || b.kind == TPP_BASE_DAILY_COMPONENT)
        *divisor = s->workdays > 0 ? s->workdays : 1;
    if (comp)
        snprintf(name, size, "%s %s%s", T(s, "komponen", "component"), comp,
                 *divisor > 1 ? T(s, " per hari kerja", " per workday") : "");
    else
        snprintf(name, size, "%s%s", T(s, "besaran TPP", "the besaran"),
                 *divisor > 1 ? T(s, " per hari kerja", " per workday") : "");
    return v;
}

/* The rupiah effect of `percent` of a base, in sen (exact to the sen, half up): for display
 * only; the engine sums the percentages of the month and rounds once (see "discipline"). */
static bool effect_sen(const slip *s, tpp_base b, const char *percent, long long *sen,
                       long long *base, long long *divisor, char *name, size_t size)
{
    tpp_ratio r;
    if (s->rs == NULL || !tpp_ratio_parse(percent, strlen(percent), &r) || r.num == 0)
        return false;
    *base = base_amount(s, b, divisor, name, size);
    tpp_money out;
    if (!tpp_money_mul_ratio(*base * 100, r.num, r.den * 100 * *divisor, TPP_ROUND_HALF_UP, &out))
        return false;
    *sen = out;
    return true;
}

/* ---- one cut of a day: shared by text and JSON ------------------------------------------ */

typedef struct cut {
    char what[160];
    char percent[40];
    const char *cite;
    bool has_effect;
    long long sen, base, divisor;
    char base_name[96];
} cut;

static const tpp_day_cut *day_rule(const slip *s, const char *cls)
{
    if (s->rs == NULL)
        return NULL;
    if (strcmp(cls, "absent") == 0)
        return &s->rs->absent;
    if (strcmp(cls, "missing_punch") == 0)
        return &s->rs->missing_punch;
    int i = tpp_rules_absence_index(s->rs, cls);
    return i >= 0 ? &s->rs->absences[i] : NULL;
}

/* The cuts of one day or event step; returns how many (0..2). */
static int day_cuts(const slip *s, const step *st, cut out[2])
{
    char v[32], w[32], x[32];
    int n = 0;
    const char *cls = st->f[1];
    memset(out, 0, 2 * sizeof *out);
    if (strncmp(st->f[0], "event.", 6) == 0) {
        int i = s->rs ? tpp_rules_event_index(s->rs, cls) : -1;
        const tpp_event_rule *e = i >= 0 ? &s->rs->events[i] : NULL;
        kv(st, "minutes", 0, w, sizeof w);
        snprintf(out[0].what, sizeof out[0].what, "%s%s%s%s", e && e->label ? e->label : cls,
                 strcmp(w, "0") != 0 && w[0] ? " (" : "", strcmp(w, "0") != 0 ? w : "",
                 strcmp(w, "0") != 0 && w[0] ? T(s, " menit)", " min)") : "");
        kv(st, "cut", 0, out[0].percent, sizeof out[0].percent);
        out[0].percent[strcspn(out[0].percent, "%")] = '\0';
        out[0].cite = st->f[3];
        if (e)
            out[0].has_effect =
                effect_sen(s, e->base, out[0].percent, &out[0].sen, &out[0].base, &out[0].divisor,
                           out[0].base_name, sizeof out[0].base_name);
        return 1;
    }
    if (strcmp(cls, "present") == 0 || strcmp(cls, "present_cut") == 0) {
        kv(st, "in", 0, v, sizeof v);
        kv(st, "out", 0, w, sizeof w);
        snprintf(out[0].what, sizeof out[0].what, "%s %s-%s", T(s, "Hadir", "Present"), v, w);
        const char *keys[2] = {"late", "early"};
        for (int k = 0; k < 2; k++) {
            kv(st, keys[k], 0, v, sizeof v);
            kv(st, "band", k, w, sizeof w);
            kv(st, "cut", k, x, sizeof x);
            if (strcmp(w, "-") == 0 || w[0] == '\0')
                continue;
            cut *c = &out[n++];
            x[strcspn(x, "%")] = '\0';
            snprintf(c->percent, sizeof c->percent, "%s", x);
            if (k == 0)
                snprintf(c->what, sizeof c->what, "%s %s %s (%s)",
                         T(s, "Terlambat masuk", "Late by"), v, T(s, "menit", "min"), w);
            else
                snprintf(c->what, sizeof c->what, "%s %s %s (%s)",
                         T(s, "Pulang sebelum waktunya", "Left early by"), v, T(s, "menit", "min"),
                         w);
            const tpp_band_table *bt = s->rs ? (k == 0 ? &s->rs->late : &s->rs->early) : NULL;
            c->cite = bt && bt->cite ? bt->cite : st->f[3];
            if (bt)
                c->has_effect = effect_sen(s, bt->base, c->percent, &c->sen, &c->base, &c->divisor,
                                           c->base_name, sizeof c->base_name);
        }
        if (n > 0) {
            /* keep the scan times with the first cut */
            char times[80];
            kv(st, "in", 0, v, sizeof v);
            kv(st, "out", 0, w, sizeof w);
            snprintf(times, sizeof times, " [%s-%s]", v, w);
            strncat(out[0].what, times, sizeof out[0].what - strlen(out[0].what) - 1);
        }
        return n == 0 ? (out[0].percent[0] = '\0', 0) : n;
    }
    const tpp_day_cut *d = day_rule(s, cls);
    if (strcmp(cls, "missing_punch") == 0) {
        kv(st, "class", 0, v, sizeof v);
        bool no_in = strcmp(v, "missing_in") == 0;
        kv(st, no_in ? "out" : "in", 0, w, sizeof w);
        snprintf(out[0].what, sizeof out[0].what, "%s (%s %s)",
                 d && d->label ? d->label : T(s, "Absen tidak lengkap", "Missing punch"),
                 no_in ? T(s, "tanpa absen masuk; pulang", "no check-in; out")
                       : T(s, "tanpa absen pulang; masuk", "no check-out; in"),
                 w);
    } else if (strcmp(cls, "absent") == 0) {
        snprintf(out[0].what, sizeof out[0].what, "%s",
                 d && d->label ? d->label
                               : T(s, "Tidak masuk tanpa keterangan", "Absent without notice"));
    } else {
        snprintf(out[0].what, sizeof out[0].what, "%s", d && d->label ? d->label : cls);
    }
    kv(st, "cut", 0, out[0].percent, sizeof out[0].percent);
    out[0].percent[strcspn(out[0].percent, "%")] = '\0';
    out[0].cite = st->f[3];
    if (d)
        out[0].has_effect = effect_sen(s, d->base, out[0].percent, &out[0].sen, &out[0].base,
                                       &out[0].divisor, out[0].base_name, sizeof out[0].base_name);
    return 1;
}

static bool is_day(const step *st)
{
    return strncmp(st->f[0], "day.", 4) == 0 || strncmp(st->f[0], "event.", 6) == 0;
}

static void day_label(const slip *s, const step *st, char *buf, size_t size)
{
    static const char *const id[7] = {"Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"};
    static const char *const en[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const char *d = strchr(st->f[0], '.') + 1;
    tpp_date t;
    if (!tpp_date_parse(d, strlen(d), &t)) {
        snprintf(buf, size, "%s", d);
        return;
    }
    int y, m, dd;
    tpp_date_to_ymd(t, &y, &m, &dd);
    int w = tpp_date_weekday(t);
    snprintf(buf, size, "%s %02d-%02d-%04d", s->en ? en[w] : id[w], dd, m, y);
}

/* ---- text ------------------------------------------------------------------------------- */

static void cite_line(const slip *s, const char *cite)
{
    if (cite && cite[0] && strcmp(cite, "-") != 0)
        printf("      %s %s\n", T(s, "dasar:", "basis:"), cite);
}

static const step *find_step(const slip *s, const char *name)
{
    for (size_t i = 0; i < s->n_steps; i++)
        if (strcmp(s->steps[i].f[0], name) == 0)
            return &s->steps[i];
    return NULL;
}

/* Sections 1-5 of the slip over s->steps: the whole line, or one segment of it (a view).
 */
static void print_parts(const slip *s)
{
    char a[64], b[64], c[64], d[64], v[64];
    const step *st = find_step(s, "eligibility.workdays");
    printf("\n1. %s\n", T(s, "Hari kerja", "Workdays"));
    if (st) {
        kv(st, "from", 0, a, sizeof a);
        kv(st, "to", 0, b, sizeof b);
        kv(st, "holidays", 0, c, sizeof c);
        printf("   %s %s %s %s %s (%s %s)\n", st->f[1], T(s, "hari kerja,", "workdays,"), a,
               T(s, "s.d.", "to"), b, c, T(s, "hari libur dalam bulan ini", "holidays this month"));
        cite_line(s, st->f[3]);
    }

    printf("\n2. %s\n", T(s, "Besaran TPP", "Besaran (full TPP)"));
    if ((st = find_step(s, "besaran.class")) != NULL) {
        printf("   %s %lld: %s\n", T(s, "Kelas jabatan", "Class"), s->klass,
               rp(s, atoll(st->f[1]), false, a, sizeof a));
        cite_line(s, st->f[3]);
    }
    if ((st = find_step(s, "besaran.prorate")) != NULL) {
        printf("   %s: %s (%s, %s %s)\n", T(s, "Prorata hari kerja", "Prorated by workdays"),
               rp(s, atoll(st->f[1]), false, a, sizeof a), st->f[4], T(s, "pembulatan", "rounding"),
               st->f[2]);
        cite_line(s, st->f[3]);
    }
    const char *last_cite = NULL;
    for (size_t i = 0; i < s->n_steps; i++) {
        st = &s->steps[i];
        if (strncmp(st->f[0], "component.", 10) != 0)
            continue;
        char p[48];
        snprintf(p, sizeof p, "%.*s", (int)strcspn(st->f[4], "%"), st->f[4]);
        printf("   %s %s %s: %s\n", T(s, "Komponen", "Component"), st->f[0] + 10,
               pct(s, p, b, sizeof b), rp(s, atoll(st->f[1]), false, a, sizeof a));
        last_cite = st->f[3];
    }
    if (last_cite)
        cite_line(s, last_cite);

    printf("\n3. %s\n", T(s, "Kehadiran per hari kerja", "Attendance, workday by workday"));
    for (size_t i = 0; i < s->n_steps; i++) {
        st = &s->steps[i];
        if (!is_day(st))
            continue;
        cut cuts[2];
        int n = day_cuts(s, st, cuts);
        day_label(s, st, d, sizeof d);
        if (n == 0) {
            printf("   %-16s %s\n", d, cuts[0].what);
            continue;
        }
        for (int k = 0; k < n; k++) {
            const cut *ct = &cuts[k];
            printf("   %-16s %s\n", k == 0 ? d : "", ct->what);
            if (ct->has_effect && ct->divisor > 1)
                printf("      %s %s x %s %s / %lld = %s\n", T(s, "potongan", "cut"),
                       pct(s, ct->percent, a, sizeof a), ct->base_name,
                       rp(s, ct->base, false, b, sizeof b), ct->divisor,
                       rp(s, ct->sen, true, c, sizeof c));
            else if (ct->has_effect)
                printf("      %s %s x %s %s = %s\n", T(s, "potongan", "cut"),
                       pct(s, ct->percent, a, sizeof a), ct->base_name,
                       rp(s, ct->base, false, b, sizeof b), rp(s, ct->sen, true, c, sizeof c));
            else
                printf("      %s %s\n", T(s, "potongan", "cut"),
                       pct(s, ct->percent[0] ? ct->percent : "0", a, sizeof a));
            cite_line(s, ct->cite);
        }
    }

    printf("   (%s)\n",
           T(s,
             "nilai per hari adalah bagian yang tepat sampai sen; potongan dibulatkan sekali "
             "untuk sebulan, lihat bagian 4",
             "each day's amount is its exact share to the sen; the cut is rounded once for the "
             "month, see part 4"));

    printf("\n4. %s\n", T(s, "Potongan disiplin", "Discipline cut"));
    for (size_t i = 0; i < s->n_steps; i++) {
        st = &s->steps[i];
        if (strcmp(st->f[0], "discipline.cut") == 0) {
            kv(st, "percent", 0, v, sizeof v);
            kv(st, "base_amount", 0, b, sizeof b);
            printf("   %s %s x %s = %s (%s %s, %s)\n", T(s, "Jumlah", "Total"),
                   pct(s, v, a, sizeof a), rp(s, atoll(b), false, c, sizeof c),
                   rp(s, atoll(st->f[1]), false, d, sizeof d), T(s, "dibulatkan", "rounded"),
                   st->f[2], T(s, "sekali untuk sebulan", "once for the month"));
            /* the evaluator cites the lateness article on this step whatever the cuts
             * were; the accumulation rule (discipline.total) is the right basis here */
            const step *tot = find_step(s, "discipline.total");
            cite_line(s, tot ? tot->f[3] : st->f[3]);
        } else if (strcmp(st->f[0], "discipline.cap") == 0) {
            printf("   %s: %s\n", T(s, "Dibatasi paling banyak", "Capped at"),
                   rp(s, atoll(st->f[1]), false, a, sizeof a));
            cite_line(s, st->f[3]);
        } else if (strcmp(st->f[0], "discipline.defer") == 0) {
            kv(st, "counted_minutes", 0, v, sizeof v);
            printf("   %s %s %s\n", T(s, "Catatan:", "Note:"), v,
                   T(s, "menit pelanggaran melebihi batas: pembayaran ditunda oleh BKPSDM",
                     "minutes of violations exceed the limit: payment deferred by BKPSDM"));
            cite_line(s, st->f[3]);
        }
    }
    printf("   %s: %s\n", T(s, "Potongan disiplin", "Discipline cut"),
           rp(s, s->discipline_cut, false, a, sizeof a));

    printf("\n5. %s\n", T(s, "Kinerja", "Performance"));
    if ((st = find_step(s, "performance.period")) != NULL) {
        /* performance.lag: an earlier period's predicate or score sets this month's multiplier */
        char of[16] = "", to[16] = "", unit[16] = "";
        int n = 0;
        const char *lag = strstr(st->f[4], "(lag ");
        if (lag)
            sscanf(lag, "(lag %d %15[a-z]", &n, unit);
        const char *at = strstr(st->f[4], " applies to ");
        if (at)
            sscanf(at, " applies to %15s", to);
        snprintf(of, sizeof of, "%s", st->f[1]);
        bool years = strncmp(unit, "year", 4) == 0;
        printf("   %s %s %s %s (%s %d %s)\n", T(s, "Kinerja periode", "Performance of"), of,
               T(s, "dipakai untuk bulan", "applies to"), to, T(s, "tertunda", "lag"), n,
               years ? T(s, "tahun", n == 1 ? "year" : "years")
                     : T(s, "bulan", n == 1 ? "month" : "months"));
        cite_line(s, st->f[3]);
    }
    if ((st = find_step(s, "performance")) != NULL) {
        kv(st, "predicate", 0, v, sizeof v);
        kv(st, "multiplier", 0, b, sizeof b);
        char amount[32], paid[64], cutv[64], comp[64];
        kv(st, "amount", 0, amount, sizeof amount);
        if (strcmp(v, "missing") == 0)
            printf("   %s %s\n",
                   T(s, "Data kinerja tidak ada; pengali", "No performance data; multiplier"), b);
        else
            printf("   %s %s, %s %s\n", T(s, "Predikat", "Rating"), v,
                   T(s, "pengali", "multiplier"), b);
        rp(s, atoll(amount), false, comp, sizeof comp);
        rp(s, atoll(st->f[1]), false, paid, sizeof paid);
        rp(s, s->performance_cut, false, cutv, sizeof cutv);
        printf("   %s %s x %s = %s %s, %s %s (%s %s)\n", T(s, "Komponen", "Component"), comp, b,
               T(s, "dibayar", "paid"), paid, T(s, "potongan", "cut"), cutv,
               T(s, "pembulatan", "rounding"), st->f[2]);
        cite_line(s, st->f[3]);
    }
}

/* The pack a segment was computed under (its `segment` step names its SHA-256): the run's own,
 * or a later version loaded for the slip. */
static const tpp_ruleset *pack_of(const slip *s, const step *seg)
{
    char sha[65];
    kv(seg, "sha256", 0, sha, sizeof sha);
    for (size_t i = 0; i < s->n_packs; i++)
        if (strcmp(s->packs[i]->sha256, sha) == 0)
            return s->packs[i];
    return s->rs;
}

/* One segment of the line as a slip of its own: its steps, pack, workdays, besaran,
 * components and cuts, so that each day's effect is of that segment's base. */
static void segment_view(const slip *s, size_t from, size_t to, slip *v)
{
    *v = *s;
    v->steps = s->steps + from;
    v->n_steps = to - from;
    v->rs = pack_of(s, &s->steps[from]);
    const step *st;
    if ((st = find_step(v, "eligibility.workdays")) != NULL)
        v->workdays = atoll(st->f[1]);
    if ((st = find_step(v, "besaran.prorate")) != NULL ||
        (st = find_step(v, "besaran.class")) != NULL)
        v->besaran = atoll(st->f[1]);
    v->discipline_cut = (st = find_step(v, "discipline.total")) != NULL ? atoll(st->f[1]) : 0;
    char pcut[32] = "0";
    if ((st = find_step(v, "performance")) != NULL)
        kv(st, "cut", 0, pcut, sizeof pcut);
    v->performance_cut = atoll(pcut);
    memset(v->components, 0, sizeof v->components);
    for (size_t i = 0; v->rs && i < v->rs->n_components; i++) {
        char name[96];
        snprintf(name, sizeof name, "component.%s", v->rs->components[i].id);
        v->components[i] = (st = find_step(v, name)) != NULL ? atoll(st->f[1]) : 0;
    }
}

/* Sections 1-5: for a line computed in one piece, as they always were; for a line of several
 * segments (a pack version starting inside the month, or two stays in one OPD), once per
 * segment, each under its own heading, then the line's own steps (the month's deferral). */
static void print_segments(const slip *s)
{
    size_t starts[64], n = 0;
    for (size_t i = 0; i < s->n_steps && n < 64; i++)
        if (strcmp(s->steps[i].f[0], "segment") == 0)
            starts[n++] = i;
    if (n <= 1) {
        print_parts(s);
        return;
    }
    size_t end = s->n_steps;
    for (size_t k = 0; k < n; k++) {
        size_t to = k + 1 < n ? starts[k + 1] : s->n_steps;
        if (k + 1 == n)
            for (size_t i = starts[k]; i < s->n_steps; i++)
                if (strcmp(s->steps[i].f[0], "tpp.amount") == 0) {
                    to = end = i + 1;
                    break;
                }
        slip v;
        segment_view(s, starts[k], to, &v);
        const step *sg = &s->steps[starts[k]];
        char f[16], t[16], unit[64], sched[16], ref[160];
        kv(sg, "from", 0, f, sizeof f);
        kv(sg, "to", 0, t, sizeof t);
        kv(sg, "unit", 0, unit, sizeof unit);
        kv(sg, "schedule", 0, sched, sizeof sched);
        const char *r = strstr(sg->f[4], " reference=");
        snprintf(ref, sizeof ref, "%s", r ? r + 11 : "");
        printf("\n%s %zu %s %zu: %s %s %s, %s %s, %s %s, %s %s%s%s\n", T(s, "SEGMEN", "SEGMENT"),
               k + 1, T(s, "dari", "of"), n, f, T(s, "s.d.", "to"), t, T(s, "unit", "unit"), unit,
               T(s, "jadwal", "schedule"), sched, T(s, "paket aturan", "rule pack"),
               v.rs ? v.rs->id : "?", ref[0] ? "; " : "", ref);
        cite_line(s, sg->f[3]);
        print_parts(&v);
    }
    const step *st = NULL;
    for (size_t i = end; i < s->n_steps; i++)
        if (strcmp(s->steps[i].f[0], "discipline.defer") == 0)
            st = &s->steps[i];
    if (st != NULL) {
        char v[32];
        kv(st, "counted_minutes", 0, v, sizeof v);
        printf("\n%s %s %s\n",
               T(s, "Catatan (sebulan, semua segmen):", "Note (the month, every segment):"), v,
               T(s, "menit pelanggaran melebihi batas: pembayaran ditunda oleh BKPSDM",
                 "minutes of violations exceed the limit: payment deferred by BKPSDM"));
        cite_line(s, st->f[3]);
    }
}

static void print_text(const slip *s, const char *period)
{
    static const char *const months_id[12] = {"Januari",   "Februari", "Maret",    "April",
                                              "Mei",       "Juni",     "Juli",     "Agustus",
                                              "September", "Oktober",  "November", "Desember"};
    static const char *const months_en[12] = {"January",   "February", "March",    "April",
                                              "May",       "June",     "July",     "August",
                                              "September", "October",  "November", "December"};
    int y = 0, m = 1;
    sscanf(period, "%d-%d", &y, &m);
    if (m < 1 || m > 12)
        m = 1;
    char a[64], b[64], c[64], d[64], v[64];
    printf("%s %s %d\n", T(s, "SLIP RINCIAN TPP", "TPP REASON SLIP"),
           s->en ? months_en[m - 1] : months_id[m - 1], y);
    printf("  %-9s: %s\n", T(s, "Nama", "Name"), s->name);
    printf("  %-9s: %s\n", "NIP", s->nip);
    printf("  %-9s: %s, %s %lld\n", T(s, "Jabatan", "Position"), s->position,
           T(s, "kelas jabatan", "class"), s->klass);
    printf("  %-9s: %s (%s)\n", T(s, "Unit", "Unit"), s->unit_name, s->unit_code);
    if (s->n_lines > 1)
        printf("  %-9s: %lld %s %lld (%s)\n", T(s, "Baris", "Line"), s->line, T(s, "dari", "of"),
               s->n_lines,
               T(s, "mutasi antar-OPD: satu baris per OPD",
                 "transfer between OPDs: one line per OPD"));
    printf("  %-9s: %s %s; NPWP %s\n", T(s, "Rekening", "Account"),
           s->bank_name[0] ? s->bank_name : "-", s->bank_account[0] ? s->bank_account : "-",
           s->npwp[0] ? s->npwp : "-");
    printf("  %-9s: %lld, %s; %s %s (sha256 %.16s...)\n", T(s, "Run", "Run"), s->run_id,
           strcmp(s->state, "final") == 0 ? T(s, "final (disegel)", "final (sealed)")
                                          : T(s, "draf", "draft"),
           T(s, "paket aturan", "rule pack"), s->rs ? s->rs->id : "?", s->pack_sha);
    if (s->root[0])
        printf("  %-9s: %s\n", T(s, "Segel", "Seal"), s->root);
    if (strcmp(s->status, "ok") != 0) {
        printf("\n%s: %s\n", T(s, "TIDAK DAPAT DIHITUNG", "COULD NOT BE COMPUTED"), s->message);
        return;
    }

    const step *st;
    print_segments(s);

    printf("\n6. %s\n", T(s, "Jumlah TPP", "TPP due"));
    snprintf(v, sizeof v, "%lld.%02lld", s->percent_bp / 100, s->percent_bp % 100);
    printf("   %s - %s - %s = %s (%s %s)\n", rp(s, s->besaran, false, a, sizeof a),
           rp(s, s->discipline_cut, false, b, sizeof b),
           rp(s, s->performance_cut, false, c, sizeof c), rp(s, s->tpp, false, d, sizeof d),
           pct(s, v, v, sizeof v), T(s, "dari besaran", "of the besaran"));
    if ((st = find_step(s, "tpp.floor")) != NULL)
        cite_line(s, st->f[3]);

    printf("\n7. %s\n", T(s, "Pembayaran", "Payment"));
    const step *be = find_step(s, "payment.bpjs_employer");
    const step *bw = find_step(s, "payment.bpjs_employee");
    printf("   %-44s %18s\n", T(s, "Jumlah TPP", "TPP"), rp(s, s->tpp, false, a, sizeof a));
    printf("   %-44s %18s\n",
           T(s, "+ Iuran BPJS Kesehatan pemberi kerja", "+ BPJS health, employer's share"),
           rp(s, s->bpjs_employer, false, a, sizeof a));
    printf("   %-44s %18s\n", T(s, "= Penghasilan bruto", "= Gross"),
           rp(s, s->gross, false, a, sizeof a));
    printf("   %-44s %18s\n",
           T(s, "- Iuran BPJS pemberi kerja (disetor)", "- BPJS employer's share (paid over)"),
           rp(s, s->bpjs_employer, false, a, sizeof a));
    printf("   %-44s %18s\n", T(s, "- Iuran BPJS peserta", "- BPJS employee's share"),
           rp(s, s->bpjs_employee, false, a, sizeof a));
    printf("   %-44s %18s\n", T(s, "- PPh 21", "- Income tax (PPh 21)"),
           rp(s, s->pph21, false, a, sizeof a));
    printf("   %-44s %18s\n", T(s, "= Diterima", "= Net paid"), rp(s, s->net, false, a, sizeof a));
    const step *bb = find_step(s, "payment.bpjs_base");
    if (bb && be && bw && s->rs) {
        char cap[32], sal[32], ep[48], wp[48], e1[40], e2[40];
        kv(bb, "wage_cap", 0, cap, sizeof cap);
        kv(bb, "salary_bpjs_base", 0, sal, sizeof sal);
        tpp_ratio_format(s->rs->bpjs_employer_percent, e1, sizeof e1);
        tpp_ratio_format(s->rs->bpjs_employee_percent, e2, sizeof e2);
        printf("   %s %s %s %s %s %s):\n   %s %s, %s %s, %s %s\n",
               T(s, "Iuran BPJS dihitung dari", "BPJS is charged on"),
               rp(s, atoll(bb->f[1]), false, a, sizeof a),
               T(s, "(bagian TPP di bawah batas upah", "(the part of the TPP under the wage cap"),
               rp(s, atoll(cap), false, b, sizeof b), T(s, "setelah gaji", "after the salary of"),
               rp(s, atoll(sal), false, c, sizeof c), pct(s, e1, ep, sizeof ep),
               T(s, "pemberi kerja", "employer"), pct(s, e2, wp, sizeof wp),
               T(s, "peserta", "employee"), T(s, "pembulatan", "rounding"), be->f[2]);
    }
    if (bw)
        cite_line(s, bw->f[3]);
    if ((st = find_step(s, "payment.pph21")) != NULL)
        cite_line(s, st->f[3]);
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void js(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const slip *s, const char *period)
{
    printf("{\"nip\":");
    js(s->nip);
    printf(",\"name\":");
    js(s->name);
    printf(",\"unit_code\":");
    js(s->unit_code);
    printf(",\"unit_name\":");
    js(s->unit_name);
    printf(",\"position\":");
    js(s->position);
    printf(",\"npwp\":");
    js(s->npwp);
    printf(",\"bank_name\":");
    js(s->bank_name);
    printf(",\"bank_account\":");
    js(s->bank_account);
    if (s->n_lines > 1)
        printf(",\"line\":%lld,\"lines\":%lld", s->line, s->n_lines);
    printf(",\"class\":%lld,\"period\":", s->klass);
    js(period);
    printf(",\"run\":%lld,\"state\":", s->run_id);
    js(s->state);
    printf(",\"seal_root\":");
    if (s->root[0])
        js(s->root);
    else
        printf("null");
    printf(",\"pack\":{\"id\":");
    js(s->rs ? s->rs->id : "");
    printf(",\"sha256\":");
    js(s->pack_sha);
    printf("},\"status\":");
    js(s->status);
    printf(",\"message\":");
    js(s->message);
    printf(",\"amounts\":{\"workdays\":%lld,\"besaran\":%lld,\"percent_bp\":%lld,"
           "\"discipline_cut\":%lld,\"performance_cut\":%lld,\"tpp\":%lld,\"bpjs_employer\":%lld,"
           "\"gross\":%lld,\"bpjs_employee\":%lld,\"deductions\":%lld,\"net_before_tax\":%lld,"
           "\"pph21\":%lld,\"net\":%lld}",
           s->workdays, s->besaran, s->percent_bp, s->discipline_cut, s->performance_cut, s->tpp,
           s->bpjs_employer, s->gross, s->bpjs_employee, s->deductions, s->net_before_tax, s->pph21,
           s->net);
    printf(",\"days\":[");
    bool first = true;
    for (size_t i = 0; i < s->n_steps; i++) {
        const step *st = &s->steps[i];
        if (!is_day(st))
            continue;
        cut cuts[2];
        int n = day_cuts(s, st, cuts);
        printf("%s{\"date\":", first ? "" : ",");
        first = false;
        js(strchr(st->f[0], '.') + 1);
        printf(",\"kind\":");
        js(strncmp(st->f[0], "event.", 6) == 0 ? "event" : "day");
        printf(",\"class\":");
        js(st->f[1]);
        printf(",\"cuts\":[");
        for (int k = 0; k < n; k++) {
            const cut *c = &cuts[k];
            printf("%s{\"what\":", k ? "," : "");
            js(c->what);
            printf(",\"percent\":");
            js(c->percent);
            if (c->has_effect) {
                printf(",\"base\":");
                js(c->base_name);
                printf(",\"base_amount\":%lld,\"divisor\":%lld,\"effect_sen\":%lld", c->base,
                       c->divisor, c->sen);
            }
            printf(",\"cite\":");
            js(c->cite);
            printf("}");
        }
        printf("]}");
    }
    printf("],\"steps\":[");
    for (size_t i = 0; i < s->n_steps; i++) {
        const step *st = &s->steps[i];
        printf("%s{\"step\":", i ? "," : "");
        js(st->f[0]);
        printf(",\"result\":");
        js(st->f[1]);
        printf(",\"rounding\":");
        js(strcmp(st->f[2], "-") == 0 ? "" : st->f[2]);
        printf(",\"cite\":");
        js(has_cite(st) ? st->f[3] : "");
        printf(",\"detail\":");
        js(st->f[4]);
        printf("}");
    }
    printf("]}\n");
}

/* ---- loading ---------------------------------------------------------------------------- */

static void col(sqlite3_stmt *q, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static tpp_status load(tpp_store *st, const char *nip, const char *period, long long run_id,
                       long long line, slip *s, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    unsigned char *blob = NULL;
    size_t blen = 0;
    /* The sealed run of the period is the one that was paid; else the latest draft. */
    TPP_TRY(tpp_store_prepare(
        st,
        "SELECT r.run_id, r.name, r.unit_code, r.unit_name, r.position, r.class, r.status, "
        "r.message, r.workdays, r.besaran, r.percent_bp, r.discipline_cut, r.performance_cut, "
        "r.tpp, r.bpjs_employer, r.gross, r.bpjs_employee, r.deductions, r.net_before_tax, "
        "r.pph21, r.net, r.trace, run.state, run.pack_sha256, "
        "(SELECT merkle_root FROM seal WHERE seal.run_id = run.id), r.npwp, r.bank_name, "
        "r.bank_account, (SELECT COUNT(*) FROM result x WHERE x.run_id = r.run_id AND x.nip = "
        "r.nip) FROM result r JOIN run ON "
        "run.id = r.run_id WHERE r.nip = ?1 AND run.period = ?2 AND (?3 = 0 OR run.id = ?3) "
        "AND r.line = ?4 ORDER BY run.state = 'final' DESC, r.run_id DESC LIMIT 1",
        &q, err));
    sqlite3_bind_text(q, 1, nip, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, run_id);
    sqlite3_bind_int64(q, 4, line);
    tpp_status rc = TPP_OK;
    int got = sqlite3_step(q);
    if (got == SQLITE_ROW) {
        snprintf(s->nip, sizeof s->nip, "%s", nip);
        s->run_id = sqlite3_column_int64(q, 0);
        col(q, 1, s->name, sizeof s->name);
        col(q, 2, s->unit_code, sizeof s->unit_code);
        col(q, 3, s->unit_name, sizeof s->unit_name);
        col(q, 4, s->position, sizeof s->position);
        s->klass = sqlite3_column_int64(q, 5);
        col(q, 6, s->status, sizeof s->status);
        col(q, 7, s->message, sizeof s->message);
        char raw[128];
        col(q, 25, raw, sizeof raw);
        tpp_mask_personal(raw, strlen(raw), s->npwp, sizeof s->npwp);
        col(q, 26, s->bank_name, sizeof s->bank_name);
        col(q, 27, raw, sizeof raw);
        tpp_mask_personal(raw, strlen(raw), s->bank_account, sizeof s->bank_account);
        long long *nums[] = {&s->workdays,
                             &s->besaran,
                             &s->percent_bp,
                             &s->discipline_cut,
                             &s->performance_cut,
                             &s->tpp,
                             &s->bpjs_employer,
                             &s->gross,
                             &s->bpjs_employee,
                             &s->deductions,
                             &s->net_before_tax,
                             &s->pph21,
                             &s->net};
        for (int i = 0; i < 13; i++)
            *nums[i] = sqlite3_column_int64(q, 8 + i);
        /* the compact trace, rendered below with the run's pack */
        blen = (size_t)sqlite3_column_bytes(q, 21);
        blob = malloc(blen + 1);
        if (blob != NULL && blen > 0)
            memcpy(blob, sqlite3_column_blob(q, 21), blen);
        col(q, 22, s->state, sizeof s->state);
        col(q, 23, s->pack_sha, sizeof s->pack_sha);
        col(q, 24, s->root, sizeof s->root);
        s->line = line;
        s->n_lines = sqlite3_column_int64(q, 28);
        if (blob == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    } else if (got == SQLITE_DONE) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no result for NIP '%s' in period %s", nip,
                      period);
    } else {
        rc = tpp_store_fail(st, err, "cannot read results");
    }
    sqlite3_finalize(q);
    if (rc != TPP_OK) {
        free(blob);
        return rc;
    }

    /* Every pack of the run, loaded once: the trace is rendered with them (a line of a month
     * with a pack version starting inside it holds steps of both), the first day's gives each
     * class's base and label, and each segment's summary takes its own (pack_of). */
    size_t tlen;
    s->cache = tpp_pack_cache_new(st);
    rc = s->cache == NULL
             ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory")
             : tpp_pack_cache_run_packs(s->cache, s->run_id, &s->packs, &s->n_packs, err);
    if (rc == TPP_OK) {
        s->rs = s->packs[0];
        rc = tpp_trace_text_of_run(s->cache, s->run_id, blob, blen, &s->trace, &tlen, err);
    }
    free(blob);
    if (rc != TPP_OK)
        return rc;
    parse_trace(s);
    if (s->rs)
        for (size_t i = 0; i < s->rs->n_components; i++) {
            char name[96];
            snprintf(name, sizeof name, "component.%s", s->rs->components[i].id);
            const step *c = find_step(s, name);
            s->components[i] = c ? atoll(c->f[1]) : 0;
        }
    return TPP_OK;
}

int cmd_explain(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"run", required_argument, NULL, 'r'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"show-personal-data", no_argument, NULL, 'P'},
                                         {0, 0, 0, 0}};
    const char *period = NULL;
    long long run_id = 0;
    bool en = false, json = false;
    int c, y, m;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'r':
            if (!cli_run_id(usage, "explain", optarg, &run_id))
                return 2;
            break;
        case 'l':
            if (strcmp(optarg, "id") != 0 && strcmp(optarg, "en") != 0)
                return cli_usage_error(usage, "explain", "invalid --lang '%s' (id or en)", optarg);
            en = strcmp(optarg, "en") == 0;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error(usage, "explain", "invalid --format '%s' (text or json)",
                                       optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            help();
            return 0;
        case 'P':
            tpp_mask_show_personal(true);
            break;
        default:
            return cli_bad_option(usage, "explain", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(usage, "explain", "expected one <nip>");
    if (period == NULL)
        return cli_usage_error(usage, "explain", "missing --period <YYYY-MM>");
    if (!cli_period(usage, "explain", period, &y, &m))
        return 2;
    const char *nip = argv[optind];

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    int code = 0;
    /* One slip per payroll line: an employee transferred between OPDs has one per OPD, all from
     * the run the first line came from. */
    for (long long line = 1, n_lines = 1; rc == TPP_OK && line <= n_lines; line++) {
        slip s;
        memset(&s, 0, sizeof s);
        s.en = en;
        rc = load(st, nip, period, run_id, line, &s, &err);
        if (rc == TPP_OK) {
            n_lines = s.n_lines;
            run_id = s.run_id;
            if (json) {
                print_json(&s, period);
            } else {
                if (line > 1)
                    printf("\n");
                print_text(&s, period);
                printf("\n%s\n",
                       T(&s, "Jejak perhitungan lengkap (langkah, hasil, pembulatan, rincian):",
                         "Full trace (step, result, rounding, detail):"));
                for (size_t i = 0; i < s.n_steps; i++)
                    printf("  %-24s %14s  %-17s %s\n", s.steps[i].f[0], s.steps[i].f[1],
                           s.steps[i].f[2], s.steps[i].f[4]);
            }
        }
        free(s.steps);
        free(s.trace);
        tpp_pack_cache_free(s.cache);
    }
    tpp_store_close(st);
    if (rc != TPP_OK)
        code = cli_fail(cli, &err);
    return code;
}
