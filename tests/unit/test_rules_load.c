/* Rule-pack loader: the shipped Samarinda pack loads with the right numbers, and every kind of
 * broken pack is rejected with all of its errors, each at the right line:col. */
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "tests/check.h"
#include "tpp/rules.h"

/* A small valid pack. The line numbers in the comments are what the error cases check. */
static const char MINI[] =
    "pack:\n"                                                                          /*  1 */
    "  id: mini\n"                                                                     /*  2 */
    "  region: Kota Contoh\n"                                                          /*  3 */
    "  regulation:\n"                                                                  /*  4 */
    "    number: Perwali 1/2024\n"                                                     /*  5 */
    "    title: Contoh\n"                                                              /*  6 */
    "    date: 2024-01-02\n"                                                           /*  7 */
    "  valid_from: 2024-01-01\n"                                                       /*  8 */
    "besaran:\n"                                                                       /*  9 */
    "  cite: Lampiran\n"                                                               /* 10 */
    "  rounding: half_even\n"                                                          /* 11 */
    "  by_class: { 1: 1000000, 17: 30000000 }\n"                                       /* 12 */
    "components:\n"                                                                    /* 13 */
    "  cite: Pasal 3\n"                                                                /* 14 */
    "  parts:\n"                                                                       /* 15 */
    "    - { id: disiplin, label: Disiplin, percent: 40 }\n"                           /* 16 */
    "    - { id: kinerja, label: Kinerja, percent: 60 }\n"                             /* 17 */
    "calendar:\n"                                                                      /* 18 */
    "  cite: Pasal 4\n"                                                                /* 19 */
    "  window: { before_start: 60, after_end: 120 }\n"                                 /* 20 */
    "  schedules:\n"                                                                   /* 21 */
    "    5day:\n"                                                                      /* 22 */
    "      mon: 07:30-16:00\n"                                                         /* 23 */
    "      fri: 07:30-11:00\n"                                                         /* 24 */
    "discipline:\n"                                                                    /* 25 */
    "  rounding: half_up\n"                                                            /* 26 */
    "  cap: { percent: 100, base: total, cite: Pasal 9 }\n"                            /* 27 */
    "  absent: { label: Alpa, percent: 3, base: component:disiplin, cite: Pasal 5 }\n" /* 28 */
    "  missing_punch: { label: Tanpa absen, percent: 1.5, base: daily_total, minutes: 60,"
    " cite: Pasal 6 }\n"                                                  /* 29 */
    "  late:\n"                                                           /* 30 */
    "    cite: Pasal 7\n"                                                 /* 31 */
    "    bands:\n"                                                        /* 32 */
    "      - { code: TL1, from: 1, below: 31, percent: 0.5 }\n"           /* 33 */
    "      - { code: TL2, from: 31, percent: 1, cite: Pasal 7 ayat 2 }\n" /* 34 */
    "  early:\n"                                                          /* 35 */
    "    base: daily_component:disiplin\n"                                /* 36 */
    "    cite: Pasal 8\n"                                                 /* 37 */
    "    bands: []\n"                                                     /* 38 */
    "performance:\n"                                                      /* 39 */
    "  component: kinerja\n"                                              /* 40 */
    "  rounding: down\n"                                                  /* 41 */
    "  cite: Pasal 10\n"                                                  /* 42 */
    "  predicates: { baik: 1, kurang: 0.5 }\n"                            /* 43 */
    "  missing: { multiplier: 0, cite: Pasal 11 }\n"                      /* 44 */
    "payment:\n"                                                          /* 45 */
    "  rounding: half_up\n"                                               /* 46 */
    "  bpjs: { employer_percent: 4, employee_percent: 1, wage_cap: 12000000, cite: Perpres }\n"
    "  pph21: { mode: borne_by_pemda, cite: Pasal 12 }\n"; /* 48 */

typedef struct loaded {
    tpp_status rc;
    size_t errors;
    char *out; /* everything the diagnostics printed */
    tpp_ruleset *rs;
    tpp_error err;
} loaded;

static loaded load_text(const char *text, size_t len)
{
    loaded r = {0};
    size_t size = 0;
    FILE *echo = open_memstream(&r.out, &size);
    tpp_diags *d = tpp_diags_new(echo);
    r.rc = tpp_rules_load("t.yaml", text, len, d, &r.rs, &r.err);
    r.errors = tpp_diags_errors(d);
    tpp_diags_free(d);
    fclose(echo);
    return r;
}

static loaded load(const char *text)
{
    return load_text(text, strlen(text));
}

static void release(loaded *r)
{
    tpp_rules_free(r->rs);
    free(r->out);
}

/* MINI with each `from` replaced by `to` (each must occur exactly once). */
static char *edit(const char *from1, const char *to1, const char *from2, const char *to2)
{
    char *s = strdup(MINI);
    const char *from[2] = {from1, from2}, *to[2] = {to1, to2};
    for (int i = 0; i < 2 && from[i] != NULL; i++) {
        char *at = strstr(s, from[i]);
        CHECK(at != NULL && strstr(at + 1, from[i]) == NULL);
        if (at == NULL)
            continue;
        size_t head = (size_t)(at - s), flen = strlen(from[i]), tlen = strlen(to[i]);
        char *t = malloc(strlen(s) - flen + tlen + 1);
        memcpy(t, s, head);
        memcpy(t + head, to[i], tlen);
        strcpy(t + head + tlen, at + flen);
        free(s);
        s = t;
    }
    return s;
}

/* Load a broken variant of MINI; expect failure with exactly n_errors and each message. */
static void expect_errors(const char *text, size_t n_errors, const char *const *msgs)
{
    loaded r = load(text);
    CHECK_I64(r.rc, TPP_ERR_RULES);
    CHECK(r.rs == NULL);
    CHECK_I64(r.errors, n_errors);
    CHECK(r.err.code == TPP_ERR_RULES && strstr(r.err.msg, "t.yaml") != NULL);
    for (size_t i = 0; msgs[i] != NULL; i++) {
        if (r.out == NULL || strstr(r.out, msgs[i]) == NULL) {
            check_failures++;
            fprintf(stderr, "%s:%d: missing diagnostic '%s' in:\n%s", __FILE__, __LINE__, msgs[i],
                    r.out ? r.out : "(none)\n");
        }
        check_count++;
    }
    release(&r);
}

#define EXPECT(text, n, ...)                                              \
    do {                                                                  \
        char *t_ = (text);                                                \
        expect_errors(t_, (n), (const char *const[]){__VA_ARGS__, NULL}); \
        free(t_);                                                         \
    } while (0)

static void test_mini_loads(void)
{
    loaded r = load(MINI);
    CHECK_OK(r.rc, &r.err);
    CHECK_I64(r.errors, 0);
    tpp_ruleset *rs = r.rs;
    if (rs == NULL) {
        release(&r);
        return;
    }
    CHECK_STR(rs->path, "t.yaml");
    CHECK_STR(rs->reg_date, "2024-01-02");
    CHECK(!rs->illustrative);
    CHECK(rs->valid_to == TPP_DATE_NONE);
    CHECK_I64(rs->valid_from, tpp_date_from_ymd(2024, 1, 1));
    CHECK(rs->besaran_source == NULL);
    CHECK_I64(rs->besaran_rounding, TPP_ROUND_HALF_EVEN);
    CHECK_I64(rs->besaran[1], 1000000);
    CHECK_I64(rs->besaran[2], 0);
    CHECK_I64(rs->besaran[17], 30000000);
    CHECK_I64(rs->absent.base.kind, TPP_BASE_COMPONENT);
    CHECK_I64(rs->absent.base.component, 0);
    CHECK_STR(rs->absent.id, "absent");
    CHECK_I64(rs->absent.minutes, 0);
    CHECK_STR(rs->missing_punch.id, "missing_punch");
    CHECK_I64(rs->missing_punch.base.kind, TPP_BASE_DAILY_TOTAL);
    CHECK_I64(rs->missing_punch.minutes, 60);
    CHECK(tpp_ratio_cmp(rs->missing_punch.percent, (tpp_ratio){15, 10}) == 0);
    CHECK_I64(rs->late.base.kind, TPP_BASE_TOTAL); /* the default */
    CHECK_I64(rs->late.n_bands, 2);
    CHECK_STR(rs->late.bands[0].cite, "Pasal 7"); /* inherited from the table */
    CHECK_STR(rs->late.bands[1].cite, "Pasal 7 ayat 2");
    CHECK_I64(rs->late.bands[1].below, TPP_BAND_OPEN);
    CHECK_I64(rs->early.n_bands, 0);
    CHECK_I64(rs->early.base.kind, TPP_BASE_DAILY_COMPONENT);
    CHECK_I64(rs->early.base.component, 0);
    CHECK_I64(rs->n_absences, 0);
    CHECK_I64(rs->n_events, 0);
    CHECK_I64(rs->defer_minutes_over, 0);
    CHECK_I64(rs->grace_minutes, 0);
    CHECK(rs->schedules[TPP_SCHED_5DAY].defined);
    CHECK(!rs->schedules[TPP_SCHED_6DAY].defined);
    CHECK(!rs->schedules[TPP_SCHED_5DAY].day[1].workday);
    CHECK_I64(rs->perf_component, 1);
    CHECK_I64(rs->perf_rounding, TPP_ROUND_DOWN);
    CHECK_I64(rs->pph21_mode, TPP_PPH21_BORNE_BY_PEMDA);
    CHECK_I64(tpp_rules_predicate_index(rs, "kurang"), 1);
    CHECK_I64(tpp_rules_predicate_index(rs, "cukup"), -1);
    CHECK_I64(tpp_rules_absence_index(rs, "sakit"), -1);
    CHECK_I64(tpp_rules_event_index(rs, "missed_apel"), -1);
    release(&r);

    /* no diagnostics sink and no error record: still fine */
    tpp_ruleset *rs2 = NULL;
    CHECK(tpp_rules_load(NULL, MINI, strlen(MINI), NULL, &rs2, NULL) == TPP_OK);
    CHECK(rs2 != NULL && strcmp(rs2->path, "<string>") == 0);
    tpp_rules_free(rs2);
    tpp_rules_free(NULL);
    CHECK(tpp_rules_load(NULL, "pack: [", 7, NULL, &rs2, NULL) == TPP_ERR_RULES && rs2 == NULL);
}

static void test_samarinda(void)
{
    const char *root = getenv("TPP_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/rules/packs/samarinda-2022-illustrative.yaml",
             root != NULL ? root : TPP_SOURCE_DIR);
    size_t size = 0;
    char *out = NULL;
    FILE *echo = open_memstream(&out, &size);
    tpp_diags *d = tpp_diags_new(echo);
    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_error err = {0};
    CHECK_OK(tpp_rules_load_file(path, d, &rs, &text, &len, &err), &err);
    CHECK_I64(tpp_diags_errors(d), 0);
    tpp_diags_free(d);
    fclose(echo);
    if (out != NULL && out[0] != '\0')
        fprintf(stderr, "%s", out);
    free(out);
    if (rs == NULL) {
        free(text);
        return;
    }
    char sha[65];
    tpp_sha256_hex(text, len, sha);
    CHECK_STR(rs->sha256, sha);
    CHECK_STR(rs->path, path);
    CHECK_STR(rs->id, "samarinda-2022-illustrative");
    CHECK_STR(rs->region, "Kota Samarinda");
    CHECK_STR(rs->reg_number, "Peraturan Wali Kota Samarinda Nomor 31 Tahun 2022");
    CHECK_STR(rs->reg_date, "2022-08-01");
    CHECK(rs->illustrative);
    CHECK_I64(rs->valid_from, tpp_date_from_ymd(2022, 8, 1));
    CHECK(rs->valid_to == TPP_DATE_NONE);

    CHECK_I64(rs->besaran[1], 716562);
    CHECK_I64(rs->besaran[14], 10373864);
    CHECK_I64(rs->besaran[15], 13626776);
    CHECK_I64(rs->besaran[16], 0);
    CHECK_I64(rs->besaran_rounding, TPP_ROUND_HALF_UP);
    CHECK(rs->besaran_source != NULL);

    CHECK_I64(rs->n_components, 2);
    CHECK_STR(rs->components[0].id, "disiplin");
    CHECK_STR(rs->components[1].label, "Produktivitas kerja");
    CHECK(tpp_ratio_cmp(rs->components[0].percent, (tpp_ratio){40, 1}) == 0);
    CHECK(tpp_ratio_cmp(rs->components[1].percent, (tpp_ratio){60, 1}) == 0);
    CHECK_I64(tpp_rules_component_index(rs, "kinerja"), 1);

    const tpp_schedule_rule *s5 = &rs->schedules[TPP_SCHED_5DAY];
    CHECK(s5->defined);
    CHECK(s5->day[0].workday && s5->day[0].start == 450 && s5->day[0].end == 960);
    CHECK(s5->day[4].workday && s5->day[4].start == 450 && s5->day[4].end == 660);
    CHECK(!s5->day[5].workday && !s5->day[6].workday);
    const tpp_schedule_rule *s6 = &rs->schedules[TPP_SCHED_6DAY];
    CHECK(s6->defined && s6->day[5].workday && s6->day[5].end == 13 * 60);
    CHECK(!rs->schedules[TPP_SCHED_SHIFT].defined);
    CHECK_I64(rs->window_before, 90);
    CHECK_I64(rs->window_after, 240);
    CHECK_I64(rs->grace_minutes, 0);

    CHECK_I64(rs->discipline_rounding, TPP_ROUND_HALF_UP);
    CHECK(tpp_ratio_cmp(rs->cap_percent, (tpp_ratio){100, 1}) == 0);
    CHECK_I64(rs->cap_base.kind, TPP_BASE_TOTAL);
    CHECK_I64(rs->defer_minutes_over, 780);
    CHECK(tpp_ratio_cmp(rs->absent.percent, (tpp_ratio){7, 1}) == 0);
    CHECK_I64(rs->missing_punch.minutes, 120);
    CHECK(tpp_ratio_cmp(rs->missing_punch.percent, (tpp_ratio){6, 1}) == 0);
    CHECK_I64(rs->late.n_bands, 4);
    CHECK_STR(rs->late.bands[1].code, "TL2");
    CHECK_I64(rs->late.bands[1].from, 31);
    CHECK_I64(rs->late.bands[1].below, 61);
    CHECK(tpp_ratio_cmp(rs->late.bands[1].percent, (tpp_ratio){3, 1}) == 0);
    CHECK(tpp_ratio_cmp(rs->late.bands[0].percent, (tpp_ratio){25, 10}) == 0);
    CHECK_I64(rs->late.bands[3].below, TPP_BAND_OPEN);
    CHECK_STR(rs->late.bands[3].cite, rs->late.cite);
    CHECK_I64(rs->early.n_bands, 0);
    CHECK_I64(rs->n_absences, 8);
    CHECK_I64(tpp_rules_absence_index(rs, "dinas_luar"), 0);
    CHECK_I64(tpp_rules_absence_index(rs, "dispensasi"), 7);
    CHECK_STR(rs->absences[1].label, "Cuti tahunan");
    CHECK_I64(rs->n_events, 2);
    int ev = tpp_rules_event_index(rs, "left_without_permit");
    CHECK_I64(ev, 1);
    if (ev >= 0) {
        CHECK_I64(rs->events[ev].unit, TPP_PER_HOUR);
        CHECK(tpp_ratio_cmp(rs->events[ev].percent, (tpp_ratio){25, 10}) == 0);
    }
    CHECK_I64(rs->events[0].unit, TPP_PER_EVENT);

    CHECK_I64(rs->perf_component, 1);
    CHECK_I64(rs->n_predicates, 5);
    int p = tpp_rules_predicate_index(rs, "butuh_perbaikan");
    CHECK(p >= 0 && rs->predicates[p].multiplier.num == 90 &&
          rs->predicates[p].multiplier.den == 100);
    CHECK(rs->missing_multiplier.num == 0);

    CHECK(tpp_ratio_cmp(rs->bpjs_employer_percent, (tpp_ratio){4, 1}) == 0);
    CHECK(tpp_ratio_cmp(rs->bpjs_employee_percent, (tpp_ratio){1, 1}) == 0);
    CHECK_I64(rs->bpjs_wage_cap, 12000000);
    CHECK_I64(rs->pph21_mode, TPP_PPH21_NONE);
    CHECK(rs->pph21_cite != NULL && rs->bpjs_cite != NULL && rs->missing_cite != NULL);
    tpp_rules_free(rs);
    free(text);

    /* a file that is not there */
    CHECK(tpp_rules_load_file("/nonexistent/pack.yaml", NULL, &rs, &text, &len, &err) ==
          TPP_ERR_IO);
    CHECK(rs == NULL && text == NULL);
}

static void test_errors(void)
{
    /* unknown key: reported at the key, and the key it misspells is missing */
    EXPECT(edit("below: 31, percent: 0.5", "below: 31, percnt: 0.5", NULL, NULL), 2,
           "t.yaml:33:42: error: unknown key 'percnt' in 'discipline.late.bands[0]' (expected "
           "one of: code, from, below, percent, cite)",
           "t.yaml:33:9: error: missing required key 'percent' in 'discipline.late.bands[0]'");

    /* wrong types: at the value */
    EXPECT(edit("Disiplin, percent: 40", "Disiplin, percent: abc", "wage_cap: 12000000",
                "wage_cap: [1]"),
           2, "t.yaml:16:49: error: 'percent' must be a decimal number, got 'abc'",
           "t.yaml:47:63: error: 'wage_cap' must be a whole number of rupiah, got a sequence");
    EXPECT(edit("percent: 0.5", "percent: \"0.5\"", NULL, NULL), 1,
           "t.yaml:33:51: error: 'percent' must be a decimal number, got the quoted string '0.5'");
    EXPECT(edit("  id: mini\n", "  id: mini\n  illustrative: yes\n", NULL, NULL), 1,
           "t.yaml:3:17: error: 'illustrative' must be true or false, got 'yes'");

    /* missing citations: at the mapping that lacks them */
    EXPECT(edit(", cite: Pasal 5 }", " }", "    cite: Pasal 7\n", ""), 2,
           "t.yaml:28:11: error: missing required key 'cite' in 'discipline.absent'",
           "t.yaml:31:5: error: missing required key 'cite' in 'discipline.late'");

    /* overlapping and out-of-order bands: at the band's `from` */
    EXPECT(edit("from: 31, percent: 1,", "from: 21, percent: 1,", NULL, NULL), 1,
           "t.yaml:34:28: error: band [21, inf) overlaps band [1, 31)");
    EXPECT(edit("from: 31, percent: 1,", "from: 0, below: 1, percent: 1,", NULL, NULL), 1,
           "t.yaml:34:28: error: band [0, 1) is out of order: it must come before band [1, 31)");
    EXPECT(edit("from: 1, below: 31", "from: 31, below: 31", NULL, NULL), 1,
           "t.yaml:33:28: error: band [31, 31) is empty: 'from' must be less than 'below'");
    EXPECT(edit("from: 1, below: 31", "from: -1, below: 31", NULL, NULL), 1,
           "t.yaml:33:28: error: 'from' must not be negative, got '-1'");

    /* components must sum to 100 exactly; ids unique */
    EXPECT(edit("Kinerja, percent: 60", "Kinerja, percent: 59.999", NULL, NULL), 1,
           "t.yaml:16:5: error: component percents in 'components.parts' sum to 99.999, "
           "expected 100");
    EXPECT(edit("id: kinerja", "id: disiplin", "component: kinerja", "component: disiplin"), 1,
           "t.yaml:17:13: error: duplicate component id 'disiplin' in 'components.parts'");

    /* bases naming a component that does not exist */
    EXPECT(edit("base: component:disiplin", "base: component:disipline", "component: kinerja",
                "component: kinerjaa"),
           2,
           "t.yaml:28:44: error: unknown component 'disipline' in base 'component:disipline' "
           "(components are: disiplin, kinerja)",
           "t.yaml:40:14: error: unknown component 'kinerjaa' in 'performance.component'");
    EXPECT(edit("base: total, cite: Pasal 9", "base: totals, cite: Pasal 9", NULL, NULL), 1,
           "t.yaml:27:30: error: unknown base 'totals' (expected one of: total, component:<id>, "
           "daily_total, daily_component:<id>)");

    /* yaml syntax error: libyaml's problem at its mark */
    EXPECT(edit("  rounding: half_even\n", "  rounding: half_even: x\n", NULL, NULL), 1,
           "t.yaml:11:22: error: invalid yaml: mapping values are not allowed in this context");
    EXPECT(edit("  by_class: { 1: 1000000,", "  by_class: { 1: 1000000", NULL, NULL), 1,
           "t.yaml:12:");

    /* anchors and aliases: refused where written, with no follow-up errors */
    EXPECT(edit("  cite: Lampiran\n", "  cite: &c Lampiran\n", "  cite: Pasal 3\n", "  cite: *c\n"),
           2, "t.yaml:10:9: error: anchors are not allowed in a rule pack ('&c')",
           "t.yaml:14:9: error: aliases are not allowed in a rule pack ('*c')");

    /* several errors in different sections come out in file order, all counted */
    EXPECT(edit("  region: Kota Contoh\n", "  region: Kota Contoh\n  valid_to: 2023-12-31\n",
                "mode: borne_by_pemda", "mode: gross_up"),
           2, "t.yaml:4:13: error: 'valid_to' 2023-12-31 is before 'valid_from' 2024-01-01",
           "t.yaml:49:18: error: invalid value 'gross_up' for 'mode' (expected one of: none, "
           "borne_by_pemda, withheld)");
}

static void test_more_errors(void)
{
    EXPECT(edit("  rounding: half_even\n", "  rounding: half_even\n  rounding: down\n", NULL, NULL),
           1, "t.yaml:12:3: error: duplicate key 'rounding' in 'besaran' (first given at line 11)");
    EXPECT(edit("17: 30000000", "18: 30000000", "1: 1000000", "1: 0"), 2,
           "t.yaml:12:21: error: class in 'besaran.by_class' must be a whole number from 1 to 17, "
           "got '18'",
           "t.yaml:12:18: error: besaran of class 1 must be a whole number of rupiah greater than "
           "0, got '0'");
    EXPECT(edit("mon: 07:30-16:00", "mon: 16:00-07:30", "fri: 07:30-11:00", "fri: 7:30-11:00"), 2,
           "t.yaml:23:12: error: working hours '16:00-07:30' must start before they end",
           "t.yaml:24:12: error: 'fri' must be working hours as HH:MM-HH:MM, got '7:30-11:00'");
    EXPECT(edit("    5day:\n", "    7day:\n", NULL, NULL), 1,
           "t.yaml:22:5: error: unknown key '7day' in 'calendar.schedules' (expected one of: "
           "5day, 6day, shift)");
    EXPECT(edit("    cite: Pasal 8\n", "    cite: Pasal 8\n    hit: last\n", NULL, NULL), 1,
           "t.yaml:38:10: error: invalid value 'last' for 'hit' (expected one of: first, unique, "
           "collect_sum)");
    EXPECT(edit("rounding: down", "rounding: nearest", NULL, NULL), 1,
           "t.yaml:41:13: error: invalid value 'nearest' for 'rounding' (expected one of: "
           "half_up, half_even, down, up, floor, ceiling)");
    EXPECT(edit("  rounding: half_up\n  bpjs", "  bpjs", NULL, NULL), 1,
           "t.yaml:46:3: error: missing required key 'rounding' in 'payment'");
    EXPECT(edit("payment:\n", "payments:\n", NULL, NULL), 2,
           "t.yaml:45:1: error: unknown key 'payments' at the top level",
           "t.yaml:1:1: error: missing required key 'payment' at the top level");
    EXPECT(edit("{ baik: 1, kurang: 0.5 }",
                "{ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1 }", NULL, NULL),
           1,
           "error: too many predicates in 'performance.predicates': at most 8 "
           "(TPP_MAX_PREDICATES)");
    EXPECT(edit("{ baik: 1, kurang: 0.5 }", "{ baik: 1, Kurang: -0.5 }", NULL, NULL), 2,
           "t.yaml:43:26: error: 'predicate' must be an id of lowercase letters, digits and '_', "
           "got 'Kurang'",
           "t.yaml:43:34: error: 'Kurang' must not be negative, got '-0.5'");
    EXPECT(edit("    bands: []\n", "    bands: {}\n", NULL, NULL), 1,
           "t.yaml:38:12: error: 'bands' must be a sequence, got a mapping");
    EXPECT(edit("  pph21: { mode: borne_by_pemda, cite: Pasal 12 }\n",
                "  pph21: { mode: none, cite: Pasal 12 }\n---\nx: 1\n", NULL, NULL),
           1, "t.yaml:49:1: error: a rule pack must be a single yaml document");
    EXPECT(edit("  id: mini\n", "  id: !!str mini\n", NULL, NULL), 1,
           "t.yaml:2:7: error: tags are not allowed in a rule pack ('tag:yaml.org,2002:str')");
    EXPECT(edit("minutes: 60,", "minutes: 60, minutes: 70,", NULL, NULL), 1,
           "error: duplicate key 'minutes' in 'discipline.missing_punch'");

    /* the absences and events lists */
    EXPECT(edit("  late:\n",
                "  absences:\n"
                "    - { type: sakit, label: Sakit, percent: 0, base: total, cite: P }\n"
                "    - { type: sakit, label: Sakit, percent: 0, base: total, cite: P }\n"
                "  events:\n"
                "    - { type: apel, label: Apel, per: day, percent: 1, base: total, cite: P }\n"
                "  late:\n",
                NULL, NULL),
           2, "t.yaml:32:15: error: duplicate absence type 'sakit' in 'discipline.absences'",
           "t.yaml:34:39: error: invalid value 'day' for 'per' (expected one of: event, hour)");

    /* not a pack at all */
    EXPECT(strdup(""), 1, "t.yaml:1:1: error: rule pack is empty");
    EXPECT(strdup("- 1\n- 2\n"), 1, "t.yaml:1:1: error: a rule pack must be a mapping");
}

static void test_limits(void)
{
    /* an alias bomb never gets expanded: the first alias is refused */
    loaded r = load("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n");
    CHECK_I64(r.rc, TPP_ERR_RULES);
    CHECK(r.errors >= 6); /* two anchors, six aliases, plus the unknown keys */
    CHECK(r.out != NULL && strstr(r.out, "t.yaml:1:4: error: anchors are not allowed") != NULL);
    CHECK(r.out != NULL && strstr(r.out, "t.yaml:2:8: error: aliases are not allowed") != NULL);
    release(&r);

    /* deep nesting stops the parse with one error */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    r = load(deep);
    CHECK_I64(r.rc, TPP_ERR_RULES);
    CHECK_I64(r.errors, 1);
    CHECK(r.out != NULL && strstr(r.out, "t.yaml:1:33: error: yaml nested deeper than 32 levels"));
    release(&r);

    /* too large: refused before parsing */
    size_t big = ((size_t)4 << 20) + 1;
    char *huge = malloc(big);
    memset(huge, '#', big);
    r = load_text(huge, big);
    CHECK_I64(r.rc, TPP_ERR_RULES);
    CHECK_I64(r.errors, 1);
    CHECK(r.out != NULL && strstr(r.out, "larger than 4 MiB") != NULL);
    release(&r);
    free(huge);
}

int main(void)
{
    test_mini_loads();
    test_samarinda();
    test_errors();
    test_more_errors();
    test_limits();
    return CHECK_DONE();
}
