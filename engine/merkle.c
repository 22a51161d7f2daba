/* The Merkle tree of a seal: RFC 6962 §2.1 (RFC 9162 §2.1) with SHA-256. Leaves and nodes are
 * hashed with different one-byte prefixes so that no inner node can be passed off as a leaf
 * (the second-preimage attack on plain Merkle trees). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sha256.h"

#include "tpp/audit.h"

void tpp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
    const uint8_t prefix = 0x00;
    tpp_sha256_two(&prefix, 1, data, len, out);
}

void tpp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
    uint8_t in[65];
    in[0] = 0x01;
    memcpy(in + 1, left, 32);
    memcpy(in + 33, right, 32);
    tpp_sha256_of(in, sizeof in, out);
}

/* The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree. */
static size_t split_point(size_t n)
{
    size_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

/* MTH(D[n]) over leaf hashes; n >= 1. Depth is log2(n), so recursion is safe. */
static void subtree_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    size_t k = split_point(n);
    uint8_t l[32], r[32];
    subtree_root(leaves, k, l);
    subtree_root(leaves + k, n - k, r);
    tpp_merkle_node_hash(l, r, out);
}

tpp_status tpp_merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    if (n == 0) {
        tpp_sha256_of("", 0, out);
        return TPP_OK;
    }
    subtree_root(leaves, n, out);
    return TPP_OK;
}

tpp_status tpp_merkle_path(const uint8_t (*leaves)[32], size_t n, size_t idx, uint8_t (**path)[32],
                           size_t *n_path, tpp_error *err)
{
    *path = NULL;
    *n_path = 0;
    if (idx >= n)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "leaf %zu is not in a tree of %zu", idx,
                        n);
    uint8_t(*p)[32] = malloc(65 * 32); /* a tree of size_t leaves has at most 64 levels */
    if (p == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    /* Walk down from the root, recording the sibling subtree at each split; the path is
     * listed from the leaf up, so fill it from the end and move it to the front after. */
    uint8_t stack[65][32];
    size_t depth = 0, lo = 0, size = n, m = idx;
    while (size > 1) {
        size_t k = split_point(size);
        if (m < k) {
            subtree_root(leaves + lo + k, size - k, stack[depth++]);
            size = k;
        } else {
            subtree_root(leaves + lo, k, stack[depth++]);
            lo += k;
            m -= k;
            size -= k;
        }
    }
    for (size_t i = 0; i < depth; i++)
        memcpy(p[i], stack[depth - 1 - i], 32);
    *path = p;
    *n_path = depth;
    return TPP_OK;
}

bool tpp_merkle_verify(const uint8_t leaf[32], uint64_t idx, uint64_t n, const uint8_t (*path)[32],
                       size_t n_path, const uint8_t root[32])
{
    if (idx >= n)
        return false;
    uint64_t fn = idx, sn = n - 1;
    uint8_t r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < n_path; i++) {
        if (sn == 0)
            return false; /* more hashes than the tree has levels */
        if ((fn & 1) || fn == sn) {
            tpp_merkle_node_hash(path[i], r, r);
            if (!(fn & 1))
                while (fn != 0 && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            tpp_merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(r, root, 32) == 0;
}

void tpp_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* lower case only: one spelling per hash */
}

bool tpp_hex_decode(const char *hex, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_val(hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return hex[2 * len] == '\0';
}
