/* Audit foundations: the Merkle tree against independently computed roots (Python hashlib,
 * RFC 6962 MTH), every audit path of small trees, tampered paths rejected; the canonical record
 * byte for byte (the example of docs/canonical-trace.md) and its coverage of the result table;
 * the seal header 2 and its `packs` digest (docs/canonical-trace.md §4), hashes from sha256sum. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/audit_int.h"
#include "engine/canon.h"
#include "engine/store.h"
#include "tests/check.h"
#include "tpp/audit.h"
#include "tpp/trace.h"

static void leaves_of(size_t n, uint8_t (*out)[32])
{
    for (size_t i = 0; i < n; i++) {
        char d[32];
        int len = snprintf(d, sizeof d, "leaf-%zu", i);
        tpp_merkle_leaf_hash(d, (size_t)len, out[i]);
    }
}

static void test_known_roots(void)
{
    /* Computed with Python's hashlib from RFC 6962 §2.1 over the data "leaf-0", "leaf-1", ... */
    static const struct {
        size_t n;
        const char *root;
    } known[] = {
        {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {1, "305df59f9590c3c9ac63d2b2743c388e3792449078cebf7fb3dbe6471643b2b7"},
        {2, "60a53eed0de87a90c8e59427c59c46253c33a76a09502a51801300927b7e6bdc"},
        {3, "cf763a041c81ceef1578a6083f75c61bef2e0014f2a3e683a97fcfca5be7f19a"},
        {5, "00d21829a5503145348abcf712513eacf2a274211ad83e970202bb5b6d80b286"},
        {7, "0b007fb915eb9b2a146f54b1c86ec53b664f8e455b7660b0b6ee13edc0d921c0"},
        {8, "ca6b7b3e674ac86c1027b59c87c064fc3bc27b313294c75f83bd05fdd13f0dcf"},
        {20, "89510356aee80cb3cfd9547f1df98d96f25b5d74dc1f9a6f1998531014e70109"},
    };
    uint8_t leaves[20][32], root[32];
    char hex[65];
    leaves_of(20, leaves);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        CHECK(tpp_merkle_root((const uint8_t(*)[32])leaves, known[i].n, root) == TPP_OK);
        tpp_hex_encode(root, 32, hex);
        CHECK_STR(hex, known[i].root);
    }
}

static void test_all_paths(void)
{
    enum { MAX = 70 };
    uint8_t leaves[MAX][32], root[32];
    leaves_of(MAX, leaves);
    size_t bad = 0, forged_ok = 0;
    for (size_t n = 1; n <= MAX; n++) {
        tpp_merkle_root((const uint8_t(*)[32])leaves, n, root);
        for (size_t i = 0; i < n; i++) {
            uint8_t(*path)[32] = NULL;
            size_t np = 0;
            if (tpp_merkle_path((const uint8_t(*)[32])leaves, n, i, &path, &np, NULL) != TPP_OK) {
                bad++;
                continue;
            }
            const uint8_t(*p)[32] = (const uint8_t(*)[32])path;
            bad += !tpp_merkle_verify(leaves[i], i, n, p, np, root);
            /* the wrong leaf, the wrong index, a short path, a flipped hash: all rejected */
            forged_ok += tpp_merkle_verify(leaves[(i + 1) % MAX], i, n, p, np, root);
            if (n > 1)
                forged_ok += tpp_merkle_verify(leaves[i], (i + 1) % n, n, p, np, root);
            if (np > 0)
                forged_ok += tpp_merkle_verify(leaves[i], i, n, p, np - 1, root);
            if (np > 0) {
                path[np - 1][7] ^= 1;
                forged_ok += tpp_merkle_verify(leaves[i], i, n, p, np, root);
            }
            free(path);
        }
        CHECK(!tpp_merkle_verify(leaves[0], n, n, NULL, 0, root)); /* index out of range */
    }
    CHECK_I64(bad, 0);
    CHECK_I64(forged_ok, 0);
    /* A node presented as a leaf: domain separation makes its hash differ. */
    uint8_t node[32], as_leaf[32], cat[64];
    tpp_merkle_node_hash(leaves[0], leaves[1], node);
    memcpy(cat, leaves[0], 32);
    memcpy(cat + 32, leaves[1], 32);
    tpp_merkle_leaf_hash(cat, 64, as_leaf);
    CHECK(memcmp(node, as_leaf, 32) != 0);
}

/* The example record of docs/canonical-trace.md §2.3, byte for byte: the payroll columns, then
 * the compact trace (docs/compact-trace.md) of two steps, its pack strings written inline so
 * that it renders without a pack. */
#define TRACE_BYTES                                                                                \
    "\x01\xf2\xb9\x02\x13\x0c\x1c\x50\x61\x73\x61\x6c\x20\x31\x33\x3a\x20\x54\x4c\x31\x00\xc0"     \
    "\x07\x8a\x0f\x3c\x01\x08\x54\x4c\x31\x32\x14\x00\x00\x37\xb2\x95\x81\x04\xea\x8a\x9b\x04"     \
    "\xb8\xf5\x19\xb2\x95\x81\x04\x00\x00"
#define TRACE_HEX                                                                                  \
    "01f2b902130c1c506173616c2031333a20544c3100c0078a0f3c0108544c313214000037b2958104ea8a9b04"     \
    "b8f519b29581040000"

static const char example_head[] = "tpp-canonical-record 2\n"
                                   "period 7:2025-01\n"
                                   "nip 18:198002022005022002\n"
                                   "line 1:1\n"
                                   "name 12:Budi Santoso\n"
                                   "unit_code 7:1.01.01\n"
                                   "unit_name 16:Dinas Pendidikan\n"
                                   "position 10:Analis E02\n"
                                   "grade 5:III/b\n"
                                   "class 1:9\n"
                                   "npwp 0:\n"
                                   "bank_name 0:\n"
                                   "bank_account 0:\n"
                                   "status 2:ok\n"
                                   "message 0:\n"
                                   "workdays 2:19\n"
                                   "days_present 2:19\n"
                                   "days_absent 1:0\n"
                                   "days_missing_punch 1:0\n"
                                   "days_excused 1:0\n"
                                   "late_minutes 2:30\n"
                                   "early_minutes 1:0\n"
                                   "deferred 1:0\n"
                                   "perf_missing 1:0\n"
                                   "besaran 7:4355208\n"
                                   "percent_bp 4:9750\n"
                                   "discipline_cut 6:108880\n"
                                   "performance_cut 1:0\n"
                                   "tpp 7:4246328\n"
                                   "pot_bulan_lalu 1:0\n"
                                   "pot_hukdis 1:0\n"
                                   "bpjs_employer 6:169853\n"
                                   "gross 7:4416181\n"
                                   "bpjs_employee 5:42463\n"
                                   "deductions 6:212316\n"
                                   "net_before_tax 7:4203865\n"
                                   "pph21 1:0\n"
                                   "net 7:4203865\n"
                                   "trace 53:";

/* What the example's trace renders as. */
static const char example_text[] =
    "day.2025-01-07\tpresent_cut\t-\tPasal 13: TL1\tclass=present in=08:00 out=16:05 late=30 "
    "band=TL1 cut=2.5% early=0 band=- cut=0%\n"
    "payment.net\t4203865\t-\t-\tgross=4416181 deductions=212316 net_before_tax=4203865 pph21=0 "
    "zakat=0\n";

static const char insert_sql[] =
    "PRAGMA foreign_keys = OFF;"
    "INSERT INTO run(id, period, pack_sha256, engine_version, threads, started_at, compute_ms, "
    "n_employees, n_errors, total_tpp, total_gross, total_net) VALUES "
    "(1, '2025-01', 'x', '0', 1, 't', 0, 1, 0, 0, 0, 0);"
    "INSERT INTO result VALUES (1, '198002022005022002', 'Budi Santoso', '1.01.01', "
    "'Dinas Pendidikan', 'Analis E02', 'III/b', 9, '', '', '', 'ok', '', 19, 19, 0, 0, 0, 30, 0, "
    "0, 0, 4355208, 9750, 108880, 0, 4246328, 0, 0, 169853, 4416181, 42463, 212316, 4203865, 0, "
    "4203865, X'" TRACE_HEX "', 1);";

static void record_of(tpp_store *st, tpp_buf *b)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM result WHERE run_id = 1", tpp_canon_columns_sql);
    sqlite3_stmt *q = NULL;
    CHECK(tpp_store_prepare(st, sql, &q, NULL) == TPP_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    b->len = 0;
    tpp_canon_record(q, 0, "2025-01", b);
    sqlite3_finalize(q);
}

static void test_canon(void)
{
    tpp_store *st = NULL;
    tpp_error err = {0};
    CHECK(tpp_store_create(":memory:", &st, &err) == TPP_OK);
    if (st == NULL)
        return;
    CHECK(tpp_store_exec(st, insert_sql, &err) == TPP_OK);
    tpp_buf b = {0};
    record_of(st, &b);
    /* the record: the fixed head, the 53 trace bytes, "\nend\n" */
    static const char trace[] = TRACE_BYTES;
    size_t hl = sizeof example_head - 1, tl = sizeof trace - 1;
    CHECK_I64((int64_t)tl, 53);
    CHECK_I64((int64_t)b.len, (int64_t)(hl + tl + 5));
    if (b.len == hl + tl + 5) {
        CHECK(memcmp(b.data, example_head, hl) == 0);
        CHECK(memcmp(b.data + hl, trace, tl) == 0);
        CHECK(memcmp(b.data + hl + tl, "\nend\n", 5) == 0);
    }
    uint8_t leaf[32];
    char hex[65];
    tpp_merkle_leaf_hash(b.data, b.len, leaf);
    tpp_hex_encode(leaf, 32, hex);
    CHECK_STR(hex, "0b3ca34ebbc67c56456329494f0a6de483a4949b9e9210cae4687dc2cd7b3e74");

    /* The trace renders as its two text steps (strings inline: no pack needed). */
    char *text = NULL;
    size_t n = 0;
    CHECK(tpp_trace_render(NULL, trace, tl, &text, &n, &err) == TPP_OK);
    CHECK_STR(text, example_text);
    free(text);
    /* Damaged bytes are refused, never rendered as something else. */
    CHECK(tpp_trace_render(NULL, trace, tl - 1, &text, &n, &err) == TPP_ERR_INVALID);
    CHECK(text == NULL);
    CHECK(tpp_trace_render(NULL, "\x02", 1, &text, &n, &err) == TPP_ERR_INVALID);
    CHECK(tpp_trace_render(NULL, "\x01\x00\x7f", 3, &text, &n, &err) == TPP_ERR_INVALID);

    /* Every column of `result` but run_id is in the record: a column added to the table
     * without a new canonical version would otherwise go unsealed. (The record's order is its
     * own: `line`, appended to the table in schema 9, follows `nip` in the record.) */
    sqlite3_stmt *q = NULL;
    CHECK(tpp_store_prepare(st, "SELECT name FROM pragma_table_info('result') ORDER BY cid", &q,
                            NULL) == TPP_OK);
    int nc = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (strcmp(name, "run_id") == 0)
            continue;
        bool found = false;
        for (int i = 0; i < TPP_CANON_N_COLUMNS; i++)
            found |= strcmp(tpp_canon_column_name(i), name) == 0;
        if (!found)
            fprintf(stderr, "column %s is not in the canonical record\n", name);
        CHECK(found);
        nc++;
    }
    sqlite3_finalize(q);
    CHECK_I64(nc, TPP_CANON_N_COLUMNS);

    /* The trace is length-prefixed: one byte less is another record. */
    CHECK(tpp_store_exec(st, "UPDATE result SET trace = substr(trace, 1, 52)", &err) == TPP_OK);
    record_of(st, &b);
    CHECK(strstr(b.data, "\ntrace 52:") != NULL);
    CHECK(tpp_store_exec(st, "UPDATE result SET trace = X''", &err) == TPP_OK);
    record_of(st, &b);
    CHECK(strstr(b.data, "\ntrace 0:\nend\n") != NULL);
    tpp_buf_release(&b);
    tpp_store_close(st);
}

/* clang-format off */
#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
/* clang-format on */

/* docs/canonical-trace.md §4: the packs digest of a month whose second version starts on the
 * 17th, and a seal header naming it. Expected hashes computed with
 *   printf 'tpp-packs 1\n1 aa..a 2025-02-01 2025-02-16\n2 bb..b 2025-02-17 2025-02-28\n' | sha256sum
 * and sha256sum over the header text below. */
static void test_seal_header(void)
{
    tpp_run_pack_row rows[2] = {{1, H64("a"), "2025-02-01", "2025-02-16"},
                                {2, H64("b"), "2025-02-17", "2025-02-28"}};
    char d[65];
    tpp_packs_digest(rows, 0, d);
    CHECK_STR(d, "585ea06270322ccabf088af803ff1590215b4f825e8efc6020af99e99dd9818f");
    tpp_packs_digest(rows, 2, d);
    CHECK_STR(d, "e3ac7b2c675e2451d6cf62437d1d0848b2952bd77737a2f3ed97bb157052ad93");
    /* Any change to a row (a day moved) changes the digest. */
    memcpy(rows[1].from, "2025-02-18", 11);
    char d2[65];
    tpp_packs_digest(rows, 2, d2);
    CHECK(strcmp(d, d2) != 0);

    tpp_seal_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.period, sizeof s.period, "2025-02");
    s.run_id = 2;
    s.canon_version = 2;
    snprintf(s.engine_version, sizeof s.engine_version, "0.1.0");
    snprintf(s.pack_sha256, sizeof s.pack_sha256, "%s", H64("a"));
    snprintf(s.packs_sha256, sizeof s.packs_sha256, "%s", d);
    snprintf(s.inputs_sha256, sizeof s.inputs_sha256, "%s", H64("c"));
    s.n_leaves = 2;
    snprintf(s.merkle_root, sizeof s.merkle_root, "%s", H64("d"));
    snprintf(s.totals, sizeof s.totals, "2 0 13159200 13682784 12321469");
    snprintf(s.prev_seal_hash, sizeof s.prev_seal_hash, "%s", H64("0"));
    snprintf(s.sealed_at, sizeof s.sealed_at, "2025-03-01T00:00:00Z");
    tpp_buf b = {0};
    tpp_seal_header(&s, &b);
    /* clang-format off */
    static const char want[] =
        "tpp-seal 2\n"
        "period 7:2025-02\n"
        "revision 1:0\n"
        "run 1:2\n"
        "canon 1:2\n"
        "engine 5:0.1.0\n"
        "pack 64:" H64("a") "\n"
        "packs 64:e3ac7b2c675e2451d6cf62437d1d0848b2952bd77737a2f3ed97bb157052ad93\n"
        "inputs 64:" H64("c") "\n"
        "leaves 1:2\n"
        "root 64:" H64("d") "\n"
        "totals 30:2 0 13159200 13682784 12321469\n"
        "accept_incomplete 0:\n"
        "prev 64:" H64("0") "\n"
        "sealed_at 20:2025-03-01T00:00:00Z\n"
        "end\n";
    /* clang-format on */
    CHECK_STR(b.data, want);
    char h[65];
    tpp_sha256_hex(b.data, b.len, h);
    CHECK_STR(h, "76d3ec79e9942bb895eeafff4d7c22b1698385458e626691112f506d9ef3fe24");
    tpp_buf_release(&b);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    test_known_roots();
    test_all_paths();
    test_canon();
    test_seal_header();
    return CHECK_DONE();
}
