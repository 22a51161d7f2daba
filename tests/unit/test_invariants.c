/* SPEC §4.10: the line invariants. A line that does not add up is a bug, not bad data: the
 * evaluator marks it TPP_ERR_INTERNAL naming the step (and tpp run then stops the run naming the
 * employee, engine/batch.c). Valid input never breaks them, so the test hands the payment side
 * (tpp_eval_payment, the entry a split month uses) lines built by hand: one consistent, then one
 * broken invariant at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/check.h"
#include "tpp/error.h"
#include "tpp/eval.h"
#include "tpp/rules.h"

static tpp_ruleset *load_samarinda(void)
{
    const char *root = getenv("TPP_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/packs/samarinda-2022-illustrative.yaml",
             root != NULL ? root : TPP_SOURCE_DIR);
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_error err = {0};
    tpp_ruleset *rs = NULL;
    CHECK_OK(tpp_rules_load_file(path, diags, &rs, NULL, NULL, &err), &err);
    tpp_diags_free(diags);
    return rs;
}

/* A line of besaran 5,000,000 with no cuts, split evenly over the pack's components. */
static void line_for(const tpp_ruleset *rs, tpp_result *r)
{
    memset(r, 0, sizeof *r);
    r->besaran = 5000000;
    tpp_money left = r->besaran;
    for (size_t i = 0; i < rs->n_components; i++) {
        r->components[i] =
            i + 1 < rs->n_components ? r->besaran / (tpp_money)rs->n_components : left;
        left -= r->components[i];
    }
    r->tpp = r->besaran;
}

static const tpp_error no_err = {0};

static tpp_status pay(const tpp_ruleset *rs, tpp_result *r)
{
    tpp_month m = {.year = 2025, .month = 1};
    m.first = tpp_date_from_ymd(2025, 1, 1);
    m.last = tpp_date_from_ymd(2025, 1, 31);
    tpp_employee e;
    memset(&e, 0, sizeof e);
    e.nip = "198001012005011001";
    e.kelas = 9;
    e.salary_bpjs_base = 4000000;
    tpp_status rc = tpp_eval_payment(rs, &m, &e, r);
    tpp_result_release(r);
    return rc;
}

static void test_consistent_line(const tpp_ruleset *rs)
{
    tpp_result r;
    line_for(rs, &r);
    CHECK_OK(pay(rs, &r), &no_err);
    CHECK_I64(r.status, TPP_OK);
    /* BPJS room 12,000,000 - 4,000,000 covers 5,000,000: 4 % = 200,000, 1 % = 50,000;
     * col 12 = 5,200,000, col 15 = 250,000, col 16 = col 18 = 4,950,000 (no PPh in this pack). */
    CHECK_I64(r.bpjs_employer, 200000);
    CHECK_I64(r.gross, 5200000);
    CHECK_I64(r.net, 4950000);
}

static void test_components_do_not_add_up(const tpp_ruleset *rs)
{
    tpp_result r;
    line_for(rs, &r);
    r.components[0] -= 1; /* one rupiah lost between the components and the besaran */
    CHECK_OK(pay(rs, &r), &no_err);
    CHECK_I64(r.status, TPP_ERR_INTERNAL);
    CHECK(strstr(r.msg, "invariant violated at step component") != NULL);
    CHECK(strstr(r.msg, "components 4999999 != besaran 5000000") != NULL);
}

static void test_col8_does_not_follow_cuts(const tpp_ruleset *rs)
{
    tpp_result r;
    line_for(rs, &r);
    r.discipline_cut = 100000; /* a cut that col 8 never took */
    CHECK_OK(pay(rs, &r), &no_err);
    CHECK_I64(r.status, TPP_ERR_INTERNAL);
    CHECK(strstr(r.msg, "invariant violated at step tpp.amount") != NULL);
}

static void test_negative_amount(const tpp_ruleset *rs)
{
    tpp_result r;
    line_for(rs, &r);
    /* cuts larger than the besaran, col 8 following them below zero */
    r.discipline_cut = 6000000;
    r.tpp = r.besaran - r.discipline_cut;
    CHECK_OK(pay(rs, &r), &no_err);
    CHECK_I64(r.status, TPP_ERR_INTERNAL);
    CHECK(strstr(r.msg, "invariant violated at step payment.net: a negative amount") != NULL);
}

int main(void)
{
    tpp_ruleset *rs = load_samarinda();
    if (rs == NULL)
        return CHECK_DONE();
    test_consistent_line(rs);
    test_components_do_not_add_up(rs);
    test_col8_does_not_follow_cuts(rs);
    test_negative_amount(rs);
    tpp_rules_free(rs);
    return CHECK_DONE();
}
