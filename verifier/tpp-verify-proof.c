/* tpp-verify-proof: check an inclusion proof written by `tpp proof` against a published root.
 *
 * Deliberately separate from tpp: one file, the C library only, its own SHA-256 (FIPS 180-4),
 * written from docs/canonical-trace.md and RFC 9162 §2.1.3.2, sharing no code with the engine,
 * so that a bug in the engine's hashing cannot hide itself here. Anything not exactly in the
 * documented form is rejected: a verifier that is lenient about its input is how forged proofs
 * get accepted.
 *
 * Exit codes: 0 the proof is valid for the given root, 1 rejected, 2 usage, 4 cannot read.
 *
 * Compiled with TPP_VERIFIER_NO_MAIN, the file is the parser and checker alone (no main, no
 * self-test, nothing printed): the fuzz target tests/fuzz/fuzz_proof.c includes it that way. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-256 ---------------------------------------------------------------------------- */

typedef struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    uint8_t buf[64];
    size_t n; /* bytes in buf */
} sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(sha256 *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

static void sha256_init(sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->n = 0;
}

static void sha256_update(sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->len += len;
    while (len > 0) {
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        len -= take;
        if (s->n == 64) {
            sha256_block(s, s->buf);
            s->n = 0;
        }
    }
}

static void sha256_final(sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80, zero = 0;
    sha256_update(s, &pad, 1);
    while (s->n != 56)
        sha256_update(s, &zero, 1);
    uint8_t l[8];
    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, l, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

/* RFC 6962: leaf = H(0x00 || data), node = H(0x01 || left || right). */
static void leaf_hash(const uint8_t *data, size_t len, uint8_t out[32])
{
    sha256 s;
    uint8_t prefix = 0x00;
    sha256_init(&s);
    sha256_update(&s, &prefix, 1);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

static void node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    sha256 s;
    uint8_t prefix = 0x01;
    sha256_init(&s);
    sha256_update(&s, &prefix, 1);
    sha256_update(&s, l, 32);
    sha256_update(&s, r, 32);
    sha256_final(&s, out);
}

/* ---- strict parsing --------------------------------------------------------------------- */

static const char *reason = "";

static bool reject(const char *why)
{
    reason = why;
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly 2*n lowercase hex digits. */
static bool unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A decimal without sign or leading zeros, below 2^63. */
static bool decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > INT64_MAX)
        return false;
    *out = v;
    return true;
}

typedef struct cursor {
    const char *p, *end;
} cursor;

/* The next line "key value" with exactly this key; value without the LF. */
static bool line_kv(cursor *c, const char *key, const char **val, size_t *len)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (nl == NULL)
        return false;
    size_t kl = strlen(key);
    if ((size_t)(nl - c->p) < kl + 1 || memcmp(c->p, key, kl) != 0 || c->p[kl] != ' ')
        return false;
    *val = c->p + kl + 1;
    *len = (size_t)(nl - *val);
    c->p = nl + 1;
    return true;
}

static bool line_is(cursor *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n + 1 || memcmp(c->p, text, n) != 0 || c->p[n] != '\n')
        return false;
    c->p += n + 1;
    return true;
}

typedef struct record_view {
    const char *period, *nip, *name, *tpp, *net, *status;
    size_t period_len, nip_len, name_len, tpp_len, net_len, status_len;
} record_view;

/* "len:bytes" at *p (within end); advances past it. */
static bool netstring(const char **p, const char *end, const char **val, size_t *len)
{
    const char *q = *p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    uint64_t n;
    if (q == end || *q != ':' || !decimal(*p, (size_t)(q - *p), &n))
        return false;
    q++;
    if ((uint64_t)(end - q) < n)
        return false;
    *val = q;
    *len = (size_t)n;
    *p = q + n;
    return true;
}

/* The canonical record v1 (docs/canonical-trace.md §2): header, then lines of a key and one
 * or more netstrings, then "end\n" as the very last bytes. */
static bool parse_record(const uint8_t *rec, size_t len, record_view *v)
{
    memset(v, 0, sizeof *v);
    const char *p = (const char *)rec, *end = p + len;
    const char header[] = "tpp-canonical-record 1\n";
    if (len < sizeof header - 1 || memcmp(p, header, sizeof header - 1) != 0)
        return reject("the record is not a canonical record of version 1");
    p += sizeof header - 1;
    for (;;) {
        if (end - p == 4 && memcmp(p, "end\n", 4) == 0)
            break;
        const char *k = p;
        while (p < end &&
               ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            p++;
        size_t kl = (size_t)(p - k);
        if (kl == 0 || p == end || *p != ' ')
            return reject("the record is malformed (bad key)");
        const char *val = NULL;
        size_t vl = 0;
        int n_values = 0;
        while (p < end && *p == ' ') {
            p++;
            if (!netstring(&p, end, &val, &vl))
                return reject("the record is malformed (bad length-prefixed value)");
            n_values++;
        }
        if (p == end || *p != '\n')
            return reject("the record is malformed (line does not end)");
        p++;
        bool is_step = kl == 4 && memcmp(k, "step", 4) == 0;
        if (is_step ? n_values != 5 : n_values != 1)
            return reject("the record is malformed (wrong number of values)");
        struct {
            const char *key;
            const char **val;
            size_t *len;
        } want[] = {{"period", &v->period, &v->period_len}, {"nip", &v->nip, &v->nip_len},
                    {"name", &v->name, &v->name_len},       {"tpp", &v->tpp, &v->tpp_len},
                    {"net", &v->net, &v->net_len},          {"status", &v->status, &v->status_len}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (strlen(want[i].key) == kl && memcmp(want[i].key, k, kl) == 0) {
                if (*want[i].val != NULL)
                    return reject("the record repeats a field");
                *want[i].val = val;
                *want[i].len = vl;
            }
        }
    }
    if (v->period == NULL || v->nip == NULL)
        return reject("the record has no period or nip");
    return true;
}

/* ---- the proof -------------------------------------------------------------------------- */

#define MAX_PATH 64

typedef struct proof {
    const char *period, *nip;
    size_t period_len, nip_len;
    uint64_t revision, tree_size, leaf_index;
    uint8_t root[32], seal[32];
    uint8_t *record;
    size_t record_len;
    uint8_t path[MAX_PATH][32];
    size_t n_path;
} proof;

static bool parse_proof(const char *text, size_t len, proof *pf)
{
    cursor c = {text, text + len};
    const char *v;
    size_t vl;
    if (!line_is(&c, "tpp-inclusion-proof 1"))
        return reject("not an inclusion proof of version 1");
    if (!line_kv(&c, "period", &pf->period, &pf->period_len) || pf->period_len != 7)
        return reject("missing or bad 'period' line");
    if (!line_kv(&c, "revision", &v, &vl) || !decimal(v, vl, &pf->revision))
        return reject("missing or bad 'revision' line");
    if (!line_kv(&c, "nip", &pf->nip, &pf->nip_len) || pf->nip_len == 0)
        return reject("missing or bad 'nip' line");
    if (!line_kv(&c, "tree-size", &v, &vl) || !decimal(v, vl, &pf->tree_size))
        return reject("missing or bad 'tree-size' line");
    if (!line_kv(&c, "leaf-index", &v, &vl) || !decimal(v, vl, &pf->leaf_index))
        return reject("missing or bad 'leaf-index' line");
    if (!line_kv(&c, "root", &v, &vl) || !unhex(v, vl, pf->root, 32))
        return reject("missing or bad 'root' line");
    if (!line_kv(&c, "seal", &v, &vl) || !unhex(v, vl, pf->seal, 32))
        return reject("missing or bad 'seal' line");
    if (!line_kv(&c, "record", &v, &vl) || vl == 0 || vl % 2 != 0)
        return reject("missing or bad 'record' line");
    pf->record = malloc(vl / 2);
    if (pf->record == NULL)
        return reject("out of memory");
    if (!unhex(v, vl, pf->record, vl / 2))
        return reject("the record is not lowercase hex");
    pf->record_len = vl / 2;
    while (line_kv(&c, "path", &v, &vl)) {
        if (pf->n_path == MAX_PATH)
            return reject("too many path hashes");
        if (!unhex(v, vl, pf->path[pf->n_path], 32))
            return reject("a path hash is not 64 lowercase hex digits");
        pf->n_path++;
    }
    if (!line_is(&c, "end"))
        return reject("truncated or malformed: no 'end' line where expected");
    if (c.p != c.end)
        return reject("data after the 'end' line");
    return true;
}

/* RFC 9162 §2.1.3.2: recompute the root from the leaf and its audit path. */
static bool check_path(const proof *pf, const uint8_t leaf[32])
{
    if (pf->leaf_index >= pf->tree_size)
        return reject("leaf-index is not below tree-size");
    uint64_t fn = pf->leaf_index, sn = pf->tree_size - 1;
    uint8_t r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < pf->n_path; i++) {
        if (sn == 0)
            return reject("the audit path is longer than the tree is deep");
        if ((fn & 1) || fn == sn) {
            node_hash(pf->path[i], r, r);
            if (!(fn & 1))
                while (fn != 0 && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            node_hash(r, pf->path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return reject("the audit path is shorter than the tree is deep (truncated)");
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++)
        diff |= (uint8_t)(r[i] ^ pf->root[i]);
    if (diff != 0)
        return reject("the record and audit path do not lead to the root");
    return true;
}

static bool verify(const char *text, size_t len, const uint8_t published[32], uint64_t size,
                   proof *pf)
{
    if (!parse_proof(text, len, pf))
        return false;
    if (memcmp(pf->root, published, 32) != 0)
        return reject("the proof is for another root than the published one");
    /* A root alone does not fix the tree size: for some leaves the same path fits a tree of
     * another size. The published size closes that gap. */
    if (size != 0 && pf->tree_size != size)
        return reject("the proof's tree-size is not the published number of lines");
    record_view rv;
    if (!parse_record(pf->record, pf->record_len, &rv))
        return false;
    if (rv.period_len != pf->period_len || memcmp(rv.period, pf->period, pf->period_len) != 0)
        return reject("the record's period is not the proof's period");
    if (rv.nip_len != pf->nip_len || memcmp(rv.nip, pf->nip, pf->nip_len) != 0)
        return reject("the record's NIP is not the proof's NIP");
    uint8_t leaf[32];
    leaf_hash(pf->record, pf->record_len, leaf);
    if (!check_path(pf, leaf))
        return false;
#ifndef TPP_VERIFIER_NO_MAIN
    printf("VALID: the line of NIP %.*s", (int)rv.nip_len, rv.nip);
    if (rv.name)
        printf(" (%.*s)", (int)rv.name_len, rv.name);
    printf(" for %.*s is leaf %llu of %llu in the sealed run with root\n  ", (int)rv.period_len,
           rv.period, (unsigned long long)pf->leaf_index, (unsigned long long)pf->tree_size);
    for (int i = 0; i < 32; i++)
        printf("%02x", published[i]);
    printf("\n");
    if (rv.tpp && rv.net)
        printf("  jumlah TPP %.*s, diterima %.*s (rupiah); status %.*s\n", (int)rv.tpp_len, rv.tpp,
               (int)rv.net_len, rv.net, (int)rv.status_len, rv.status ? rv.status : "");
#endif
    return true;
}

#ifndef TPP_VERIFIER_NO_MAIN

static int self_test(void)
{
    static const struct {
        const char *msg;
        const char *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha256 s;
        uint8_t d[32], want[32];
        sha256_init(&s);
        sha256_update(&s, v[i].msg, strlen(v[i].msg));
        sha256_final(&s, d);
        unhex(v[i].hex, 64, want, 32);
        bad += memcmp(d, want, 32) != 0;
    }
    /* One million 'a' (FIPS 180-2 appendix B.3), fed in uneven pieces. */
    sha256 s;
    uint8_t d[32], want[32];
    char a[1001];
    memset(a, 'a', sizeof a);
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, a, i % 2 ? 999 : 1001);
    sha256_final(&s, d);
    unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 64, want, 32);
    bad += memcmp(d, want, 32) != 0;
    printf("self-test: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}

static const char usage[] = "usage: tpp-verify-proof <proof-file> --root <hex> [--size <n>]\n"
                            "       tpp-verify-proof --self-test\n";

int main(int argc, char **argv)
{
    const char *file = NULL, *root_hex = NULL;
    uint64_t size = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s\nCheck that an employee's line is in a sealed TPP run, given only the\n"
                   "published Merkle root of that run (docs/canonical-trace.md). Prints VALID\n"
                   "and exits 0, or prints REJECTED with the reason and exits 1.\n\n"
                   "  --root <hex>   the published root (64 lowercase hex digits; required)\n"
                   "  --size <n>     the published number of lines (leaves) of the seal\n"
                   "  --self-test    check the built-in SHA-256 against FIPS 180 vectors\n",
                   usage);
            return 0;
        }
        if (strcmp(argv[i], "--self-test") == 0)
            return self_test();
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
            root_hex = argv[++i];
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            const char *n = argv[++i];
            if (!decimal(n, strlen(n), &size) || size == 0) {
                fprintf(stderr, "tpp-verify-proof: --size must be a positive number\n");
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "tpp-verify-proof: unknown option '%s'\n%s", argv[i], usage);
            return 2;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "tpp-verify-proof: one proof file only\n%s", usage);
            return 2;
        }
    }
    uint8_t published[32];
    if (file == NULL || root_hex == NULL) {
        fprintf(stderr, "tpp-verify-proof: a proof file and --root are required\n%s", usage);
        return 2;
    }
    if (!unhex(root_hex, strlen(root_hex), published, 32)) {
        fprintf(stderr, "tpp-verify-proof: --root must be 64 lowercase hex digits\n");
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "tpp-verify-proof: cannot open '%s': %s\n", file, strerror(errno));
        return 4;
    }
    enum { MAX_PROOF = 16 << 20 };
    char *text = malloc(MAX_PROOF + 1);
    size_t len = text ? fread(text, 1, MAX_PROOF + 1, f) : 0;
    bool read_error = text == NULL || ferror(f);
    fclose(f);
    if (read_error) {
        fprintf(stderr, "tpp-verify-proof: cannot read '%s'\n", file);
        free(text);
        return 4;
    }
    proof pf;
    memset(&pf, 0, sizeof pf);
    bool ok = len <= MAX_PROOF ? verify(text, len, published, size, &pf) : reject("file too large");
    if (!ok)
        printf("REJECTED: %s\n", reason);
    free(pf.record);
    free(text);
    return ok ? 0 : 1;
}
#endif /* TPP_VERIFIER_NO_MAIN */
