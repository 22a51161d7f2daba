/* The compact trace renders as the text trace the text-trace evaluator wrote, to the byte: every
 * test case of the packs in rules/packs and tests/rules is evaluated, its compact trace rendered
 * with its pack, and the SHA-256 of the text compared with tests/data/trace-text/cases.sha256
 * (the text traces of main a524fc0, the last main before traces were stored compact). Also: the
 * writer's bytes are deterministic, every truncation of a trace is refused, and a compact trace
 * is a tenth of its text or less. */
#include <glob.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "rules/trace_enc.h"
#include "tests/check.h"
#include "tpp/eval.h"
#include "tpp/rules.h"
#include "tpp/trace.h"

typedef struct expect {
    char sha[65];
    char pack[256];
    char name[512];
    bool seen;
} expect;

static size_t load_expected(const char *src, expect **out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/trace-text/cases.sha256", src);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL)
        return 0;
    size_t n = 0, cap = 0;
    char line[1024];
    *out = NULL;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        if (sp2 == NULL)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, cap * sizeof **out);
        }
        expect *e = &(*out)[n++];
        snprintf(e->sha, sizeof e->sha, "%.*s", (int)(sp1 - line), line);
        snprintf(e->pack, sizeof e->pack, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
        snprintf(e->name, sizeof e->name, "%s", sp2 + 1);
        e->seen = false;
    }
    fclose(f);
    return n;
}

static void check_pack(const char *src, const char *rel, expect *exp, size_t n_exp, size_t *n_cases,
                       size_t *text_bytes, size_t *compact_bytes)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    tpp_diags *d = tpp_diags_new(NULL);
    tpp_ruleset *rs = NULL;
    tpp_error err = {0};
    CHECK(tpp_rules_load_file(path, d, &rs, NULL, NULL, &err) == TPP_OK);
    tpp_diags_free(d);
    if (rs == NULL)
        return;
    for (size_t i = 0; i < rs->n_cases; i++) {
        tpp_result r, r2;
        CHECK(tpp_rules_case_eval(rs, i, &r) == TPP_OK);
        CHECK(tpp_rules_case_eval(rs, i, &r2) == TPP_OK);
        /* the same month gives the same bytes */
        CHECK(r.trace_len == r2.trace_len && memcmp(r.trace, r2.trace, r.trace_len) == 0);
        char *text = NULL;
        size_t len = 0;
        CHECK(tpp_trace_render(rs, r.trace, r.trace_len, &text, &len, &err) == TPP_OK);
        char sha[65];
        tpp_sha256_hex(text ? text : "", len, sha);
        const expect *e = NULL;
        for (size_t k = 0; k < n_exp; k++)
            if (!exp[k].seen && strcmp(exp[k].pack, rel) == 0 &&
                strcmp(exp[k].name, rs->cases[i].name) == 0) {
                exp[k].seen = true;
                e = &exp[k];
                break;
            }
        if (e == NULL) {
            CHECK_FAIL("a test case without an expected text trace");
            fprintf(stderr, "  %s: %s\n", rel, rs->cases[i].name);
        } else if (strcmp(sha, e->sha) != 0) {
            CHECK_FAIL("rendered trace differs from the text trace");
            fprintf(stderr, "  %s: %s\n%s", rel, rs->cases[i].name, text ? text : "");
        } else {
            CHECK(1);
        }
        /* a proper prefix is refused, unless it ends between two steps: then it renders as the
         * first lines of the text, never as anything else */
        size_t refused = 0, cuts = 0;
        for (size_t k = 1; k < r.trace_len; k++) {
            char *t2 = NULL;
            size_t l2;
            tpp_status rc = tpp_trace_render(rs, r.trace, k, &t2, &l2, &err);
            if (rc == TPP_OK) {
                /* a cut between steps renders the first steps of the text exactly */
                CHECK(l2 < len && memcmp(t2, text, l2) == 0 && (l2 == 0 || t2[l2 - 1] == '\n'));
            } else {
                CHECK(rc == TPP_ERR_INVALID && t2 == NULL);
                refused++;
            }
            cuts++;
            free(t2);
        }
        CHECK(refused > 0 || cuts == 0);
        *n_cases += 1;
        *text_bytes += len;
        *compact_bytes += r.trace_len;
        free(text);
        tpp_result_release(&r);
        tpp_result_release(&r2);
    }
    tpp_rules_free(rs);
}

/* The controls of a joined trace (docs/compact-trace.md §5): PACK switches the pack the
 * following steps' strings are read from, MONTH_BEGIN..MONTH_END put "month." before the step
 * names; a trace naming a pack that was not given is refused. */
static void test_controls(const char *src)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/rules/full-month.yaml", src);
    tpp_diags *d = tpp_diags_new(NULL);
    tpp_ruleset *rs = NULL;
    tpp_error err = {0};
    CHECK(tpp_rules_load_file(path, d, &rs, NULL, NULL, &err) == TPP_OK);
    tpp_diags_free(d);
    if (rs == NULL)
        return;
    _Static_assert(TT_COUNT_ < 128, "the template numbers below are one-byte uvarints");
    uint8_t t[256];
    size_t n = 0;
    t[n++] = TPP_TRACE_FORMAT;
    t[n++] = 0; /* base day 0 */
    t[n++] = TT_PACK;
    t[n++] = 0x82; /* uvarint 130 = 2 * 64 + 2: 64 bytes inline */
    t[n++] = 0x01;
    memcpy(t + n, rs->sha256, 64);
    n += 64;
    t[n++] = TT_MONTH_BEGIN;
    t[n++] = TT_ZAKAT_NO_RATE;
    t[n++] = TT_MONTH_END;
    t[n++] = TT_ZAKAT_NO_RATE;
    static const char want[] =
        "month.payment.zakat\t0\t-\t-\tasked for, but the pack in force sets no zakat rate "
        "(payment.zakat)\n"
        "payment.zakat\t0\t-\t-\tasked for, but the pack in force sets no zakat rate "
        "(payment.zakat)\n";
    const tpp_ruleset *packs[2] = {NULL, rs};
    char *text = NULL;
    size_t len = 0;
    CHECK(tpp_trace_render_packs(packs, 2, t, n, &text, &len, &err) == TPP_OK);
    CHECK_STR(text ? text : "", want);
    free(text);
    /* the pack it names is not among those given */
    CHECK(tpp_trace_render_packs(packs, 1, t, n, &text, &len, &err) == TPP_ERR_INVALID);
    CHECK(text == NULL);
    t[5] ^= 1; /* another SHA-256 */
    CHECK(tpp_trace_render_packs(packs, 2, t, n, &text, &len, &err) == TPP_ERR_INVALID);
    /* the steps without the header, for appending to another trace */
    const void *steps;
    size_t sl;
    CHECK(tpp_trace_steps(t, n, &steps, &sl) == TPP_OK && sl == n - 2 && steps == t + 2);
    CHECK(tpp_trace_steps("\x02\x00", 2, &steps, &sl) == TPP_ERR_INVALID);
    tpp_rules_free(rs);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const char *src = getenv("TPP_SOURCE_DIR");
    if (src == NULL)
        src = TPP_SOURCE_DIR;
    expect *exp = NULL;
    size_t n_exp = load_expected(src, &exp);
    CHECK(n_exp >= 49); /* main a524fc0 has 49 test cases: none may go missing unseen */
    /* every pack with test cases: the region packs and the test packs */
    size_t n = 0, text = 0, compact = 0, n_packs = 0;
    static const char *const dirs[] = {"rules/packs", "tests/rules"};
    for (size_t d = 0; d < 2; d++) {
        char pat[1024];
        snprintf(pat, sizeof pat, "%s/%s/*.yaml", src, dirs[d]);
        glob_t g;
        if (glob(pat, 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char rel[512];
            snprintf(rel, sizeof rel, "%s/%s", dirs[d], strrchr(g.gl_pathv[i], '/') + 1);
            check_pack(src, rel, exp, n_exp, &n, &text, &compact);
            n_packs++;
        }
        globfree(&g);
    }
    CHECK(n_packs >= 9);
    CHECK_I64((int64_t)n, (int64_t)n_exp);
    for (size_t k = 0; k < n_exp; k++)
        if (!exp[k].seen) {
            CHECK_FAIL("an expected case was not evaluated");
            fprintf(stderr, "  %s: %s\n", exp[k].pack, exp[k].name);
        }
    printf("%zu cases: %zu bytes of text, %zu bytes compact\n", n, text, compact);
    CHECK(compact * 10 <= text);
    free(exp);
    test_controls(src);
    return CHECK_DONE();
}
