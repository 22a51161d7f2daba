/* libFuzzer target: the rule-pack loader (rules/tree.c + rules/load.c) over arbitrary text.
 *
 * Checks the loader's contract: it returns TPP_OK with no error reported, or TPP_ERR_RULES with
 * at least one error reported (every problem has a file:line:col), never anything else but
 * out-of-memory; a pack it accepts holds numbers inside the limits of rules.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tpp/rules.h"

static void check_bands(const tpp_band_table *t)
{
    FUZZ_ASSERT(t->n_bands <= TPP_MAX_BANDS);
    for (size_t i = 0; i < t->n_bands; i++)
        FUZZ_ASSERT(t->bands[i].from < t->bands[i].below);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    tpp_diags *diags = tpp_diags_new(NULL);
    FUZZ_ASSERT(diags != NULL);
    tpp_ruleset *rs = NULL;
    tpp_error err = {0};
    tpp_status rc = tpp_rules_load("fuzz.yaml", copy, size, diags, &rs, &err);
    FUZZ_ASSERT(rc == TPP_OK || rc == TPP_ERR_RULES || rc == TPP_ERR_NOMEM);
    if (rc == TPP_OK) {
        FUZZ_ASSERT(rs != NULL);
        FUZZ_ASSERT(tpp_diags_errors(diags) == 0);
        FUZZ_ASSERT(rs->n_components >= 1 && rs->n_components <= TPP_MAX_COMPONENTS);
        FUZZ_ASSERT(rs->n_absences <= TPP_MAX_ABSENCES);
        FUZZ_ASSERT(rs->n_events <= TPP_MAX_EVENTS);
        FUZZ_ASSERT(rs->n_predicates <= TPP_MAX_PREDICATES);
        for (int c = 0; c <= TPP_MAX_CLASS; c++)
            FUZZ_ASSERT(rs->besaran[c] >= 0);
        check_bands(&rs->late);
        check_bands(&rs->early);
        FUZZ_ASSERT(strlen(rs->sha256) == 64);
    } else {
        FUZZ_ASSERT(rs == NULL);
        if (rc == TPP_ERR_RULES)
            FUZZ_ASSERT(tpp_diags_errors(diags) > 0);
    }
    tpp_rules_free(rs);
    tpp_diags_free(diags);
    free(copy);
    return 0;
}
