/* libFuzzer target: the independent inclusion-proof verifier (verifier/tpp-verify-proof.c, built
 * here without its main) over arbitrary proof texts, checked against the engine's own Merkle code.
 *
 * The first byte chooses the published root and size the proof is checked against: bit 0 set,
 * the root the proof itself names (so that the record and the audit path are reached and
 * checked); clear, a fixed root. Bit 1 set, the tree-size the proof names as the published size;
 * clear, no size. The rest is the proof.
 *
 * Checks, besides memory safety and UB: a rejection always gives a reason; and the verifier's
 * verdict is exactly the verdict of the engine's implementation of the same document
 * (tpp_merkle_leaf_hash and tpp_merkle_verify over the parsed fields, libsodium's SHA-256): the
 * two share no code, so an accepted proof the engine would not accept (a forgery the verifier
 * lets through) or a valid one it refuses is a crash here. */
#define TPP_VERIFIER_NO_MAIN
#include "verifier/tpp-verify-proof.c"

#include "tests/fuzz/fuzz.h"
#include "tpp/audit.h"

/* The verdict of the engine's code on a parsed proof. */
static bool engine_verdict(const proof *pf, const uint8_t published[32], uint64_t size)
{
    if (memcmp(pf->root, published, 32) != 0)
        return false;
    if (size != 0 && pf->tree_size != size)
        return false;
    record_view rv;
    if (!parse_record(pf->record, pf->record_len, pf->version, &rv))
        return false;
    if (rv.period_len != pf->period_len || memcmp(rv.period, pf->period, pf->period_len) != 0 ||
        rv.nip_len != pf->nip_len || memcmp(rv.nip, pf->nip, pf->nip_len) != 0)
        return false;
    uint8_t leaf[32];
    tpp_merkle_leaf_hash(pf->record, pf->record_len, leaf);
    return tpp_merkle_verify(leaf, pf->leaf_index, pf->tree_size, pf->path, pf->n_path, pf->root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    size_t len = size - 1;
    /* An exact-size copy, so that any read past the end is caught by ASan. */
    char *text = malloc(len ? len : 1);
    FUZZ_ASSERT(text != NULL);
    if (len)
        memcpy(text, data + 1, len);

    /* What the proof says about itself, parsed by the same code: a parse failure here is the
     * same failure verify() meets first. */
    proof named;
    memset(&named, 0, sizeof named);
    bool parsed = parse_proof(text, len, &named);
    uint8_t published[32];
    memset(published, 0x5a, sizeof published);
    uint64_t published_size = 0;
    if (parsed && (mode & 1))
        memcpy(published, named.root, 32);
    if (parsed && (mode & 2))
        published_size = named.tree_size;

    proof pf;
    memset(&pf, 0, sizeof pf);
    reason = "";
    bool ok = verify(text, len, published, published_size, &pf);
    if (!ok)
        FUZZ_ASSERT(reason[0] != '\0');
    if (fuzz_echo())
        fprintf(stderr, "proof: %s %s\n", ok ? "VALID" : "REJECTED", ok ? "" : reason);
    if (!parsed) {
        FUZZ_ASSERT(!ok);
    } else {
        bool engine = engine_verdict(&named, published, published_size);
        if (ok != engine) {
            fprintf(stderr, "verifier says %s, engine says %s (%s)\n", ok ? "VALID" : "REJECTED",
                    engine ? "valid" : "rejected", reason);
            FUZZ_ASSERT(0 && "the verifier and the engine disagree about a proof");
        }
    }
    free(named.record);
    free(pf.record);
    free(text);
    return 0;
}
