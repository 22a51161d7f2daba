/* Test helper: the golden month (fixtures/golden-2025-01) imported and computed in a fresh
 * workspace, through the library. Needs tests/check.h first. */
#ifndef TPP_TESTS_GOLDEN_WS_H
#define TPP_TESTS_GOLDEN_WS_H

#include <stdlib.h>
#include <unistd.h>

#include "engine/store.h"
#include "tpp/batch.h"
#include "tpp/import.h"
#include "tpp/rules.h"

/* ---- the golden month in a fresh workspace --------------------------------------------------- */

static tpp_store *golden_workspace(const char *srcdir, const char *db)
{
    tpp_error err = {0};
    char pack[1024], path[1024];
    snprintf(pack, sizeof pack, "%s/rules/packs/samarinda-2022-illustrative.yaml", srcdir);
    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_store *st = NULL;
    unlink(db);
    CHECK_OK(tpp_rules_load_file(pack, NULL, &rs, &text, &len, &err), &err);
    CHECK_OK(tpp_store_create(db, &st, &err), &err);
    if (st == NULL || rs == NULL)
        return NULL;
    CHECK_OK(tpp_store_begin(st, &err), &err);
    CHECK_OK(tpp_store_add_pack(st, rs, text, len, &err), &err);
    CHECK_OK(tpp_store_commit(st, &err), &err);
    static const char *const kinds[] = {"employees", "holidays", "attendance",
                                        "absences",  "events",   "performance"};
    for (size_t i = 0; i < 6; i++) {
        tpp_import_kind kind;
        CHECK(tpp_import_kind_parse(kinds[i], &kind));
        snprintf(path, sizeof path, "%s/fixtures/golden-2025-01/%s.csv", srcdir, kinds[i]);
        tpp_import_stats stats = {0};
        CHECK_OK(tpp_import_file(st, rs, kind, path, NULL, &stats, &err), &err);
    }
    tpp_run_options ro = {.year = 2025, .month = 1, .threads = 1};
    tpp_run_summary rsum;
    CHECK_OK(tpp_batch_run(st, &ro, NULL, &rsum, &err), &err);
    tpp_rules_free(rs);
    free(text);
    return st;
}

#endif /* TPP_TESTS_GOLDEN_WS_H */
